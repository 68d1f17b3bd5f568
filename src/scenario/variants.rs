//! `variants`: named sets of keys, each deep-merged over the base scenario
//! (mappings merge key by key; lists and single values replace). Merging
//! happens on the YAML tree, so an error in a variant points into the
//! variant's own block of the file.

use indexmap::IndexMap;

use super::error::{ScenarioError, one_of};
use super::yaml::{Node, Value};

/// Names a variant may not have: the base run and the comparison folder.
pub const RESERVED: &[&str] = &["base", "comparison"];

/// Removes `variants` from `root` and returns each variant's name and keys,
/// in the order written.
pub fn take(root: &mut Node) -> Result<IndexMap<String, Node>, ScenarioError> {
    let Value::Map(entries) = &mut root.value else {
        return Ok(IndexMap::new());
    };
    let Some(pos) = entries
        .iter()
        .position(|(k, _)| k.as_str() == Some("variants"))
    else {
        return Ok(IndexMap::new());
    };
    let (_, node) = entries.remove(pos);
    let mut out = IndexMap::new();
    match node.value {
        Value::Null => {}
        Value::Map(list) => {
            for (k, v) in list {
                let name = k.as_str().unwrap_or("").to_string();
                let path = format!("variants.{name}");
                let valid = super::compile::is_name(&name);
                if !valid || RESERVED.contains(&name.as_str()) {
                    return Err(ScenarioError::at(k.span, format!("`{name}` cannot name a variant"))
                        .path(path)
                        .expected(format!(
                            "a name of letters, digits, `_` and `-`, starting with a letter, at most 64 characters, other than {}",
                            one_of(RESERVED)
                        )));
                }
                match &v.value {
                    Value::Map(keys) => {
                        if let Some((vk, _)) =
                            keys.iter().find(|(vk, _)| vk.as_str() == Some("variants"))
                        {
                            return Err(ScenarioError::at(
                                vk.span,
                                "a variant cannot declare variants",
                            )
                            .path(format!("{path}.variants"))
                            .expected("the keys of the base scenario to change"));
                        }
                    }
                    Value::Null => {}
                    _ => {
                        return Err(ScenarioError::at(v.span, format!("found {}", v.type_name()))
                            .path(path)
                            .expected("a mapping of the keys to change, such as `{ components: { web: { instances: 8 } } }`"));
                    }
                }
                out.insert(name, v);
            }
        }
        _ => {
            return Err(
                ScenarioError::at(node.span, format!("found {}", node.type_name()))
                    .path("variants")
                    .expected("a mapping of variant names to the keys they change"),
            );
        }
    }
    Ok(out)
}

/// Merges `over` into `base`: mappings key by key, anything else replaces.
pub fn merge(base: &mut Node, over: &Node) {
    match (&mut base.value, &over.value) {
        (Value::Map(entries), Value::Map(changes)) => {
            for (k, v) in changes {
                match entries.iter_mut().find(|(bk, _)| bk.as_str() == k.as_str()) {
                    Some((_, bv)) => merge(bv, v),
                    None => entries.push((k.clone(), v.clone())),
                }
            }
        }
        (_, Value::Map(_)) | (_, Value::Seq(_)) | (_, Value::Scalar { .. }) | (_, Value::Null) => {
            *base = over.clone();
        }
    }
}

/// Whether `span` lies inside `node` (same source, within its bytes).
pub fn contains(node: &Node, span: &super::source::Span) -> bool {
    span.source == node.span.source
        && span.start >= node.span.start
        && span.start < node.span.end.max(node.span.start + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::source::Sources;
    use crate::scenario::yaml::parse;

    fn tree(text: &str) -> Node {
        let mut s = Sources::new();
        let id = s.add("t.yaml", text);
        parse(&s, id).unwrap()
    }

    #[test]
    fn maps_merge_lists_and_scalars_replace() {
        let mut base = tree("a: { x: 1, y: [1, 2], z: { p: 1, q: 2 } }\nb: 5\n");
        let over = tree("a: { y: [9], z: { q: 3, r: 4 }, w: 7 }\nb: six\n");
        merge(&mut base, &over);
        let a = base.get("a").unwrap();
        assert_eq!(a.get("x").unwrap().as_str(), Some("1"));
        let Value::Seq(y) = &a.get("y").unwrap().value else {
            panic!()
        };
        assert_eq!(y.len(), 1);
        assert_eq!(y[0].as_str(), Some("9"));
        let z = a.get("z").unwrap();
        assert_eq!(z.get("p").unwrap().as_str(), Some("1"));
        assert_eq!(z.get("q").unwrap().as_str(), Some("3"));
        assert_eq!(z.get("r").unwrap().as_str(), Some("4"));
        assert_eq!(a.get("w").unwrap().as_str(), Some("7"));
        assert_eq!(base.get("b").unwrap().as_str(), Some("six"));
        // A map replaces a scalar, and null unsets (defaults apply).
        let mut base = tree("a: 1\nb: 2\n");
        merge(&mut base, &tree("a: { k: 1 }\nb: ~\n"));
        assert!(base.get("a").unwrap().get("k").is_some());
        assert!(matches!(base.get("b").unwrap().value, Value::Null));
    }

    #[test]
    fn take_removes_variants_and_checks_names() {
        let mut root = tree("duration: 1m\nvariants:\n  up: { a: 1 }\n  out: { a: 2 }\n");
        let v = take(&mut root).unwrap();
        assert_eq!(v.keys().collect::<Vec<_>>(), ["up", "out"]);
        assert!(root.get("variants").is_none());
        for bad in [
            "variants: { base: { a: 1 } }",
            "variants: { comparison: {} }",
            "variants: { 'a b': {} }",
        ] {
            let e = take(&mut tree(bad)).unwrap_err();
            assert!(e.message.contains("cannot name a variant"), "{bad}: {e:?}");
        }
        let e = take(&mut tree("variants: { up: { variants: {} } }")).unwrap_err();
        assert!(e.message.contains("cannot declare variants"));
        let e = take(&mut tree("variants: { up: 3 }")).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("variants.up"));
    }
}
