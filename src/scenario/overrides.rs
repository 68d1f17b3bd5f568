//! `--set key.path=value`: edits the YAML tree before it is read, so any key
//! can be overridden and an error in the value points into the argument.

use super::error::ScenarioError;
use super::source::{SourceId, Sources, Span};
use super::yaml::{self, Node, Value};

/// Applies one `--set` argument to `root`.
pub fn apply(root: &mut Node, sources: &mut Sources, arg: &str) -> Result<(), ScenarioError> {
    let source = sources.add(format!("--set {arg}"), arg.to_string());
    let whole = sources.span(source, 1, 0, 1, arg.chars().count());
    let Some(eq) = arg.find('=') else {
        return Err(
            ScenarioError::at(whole, format!("`--set {arg}` has no `=`"))
                .expected("`--set key.path=value`, such as `--set components.web.instances=4`"),
        );
    };
    let (key_text, value_text) = (&arg[..eq], &arg[eq + 1..]);
    if key_text.is_empty() {
        return Err(
            ScenarioError::at(whole, "`--set` needs a key path before `=`")
                .expected("`--set key.path=value`, such as `--set duration=5m`"),
        );
    }

    // Parse the value as YAML in place: pad it so spans line up with the argument.
    let pad_chars = key_text.chars().count() + 1;
    let padded = format!("{}{}", " ".repeat(pad_chars), value_text);
    let value = if value_text.trim().is_empty() {
        Node {
            value: Value::Null,
            span: sources.span(source, 1, pad_chars, 1, pad_chars),
        }
    } else {
        let tmp = sources.add(format!("--set {arg}"), padded);
        let mut node = yaml::parse(sources, tmp)?;
        retarget(&mut node, source);
        node
    };

    // Each segment with its span in the argument.
    let mut segments = Vec::new();
    let mut col = 0usize;
    for seg in key_text.split('.') {
        let len = seg.chars().count();
        if seg.is_empty() {
            return Err(
                ScenarioError::at(whole, format!("`{key_text}` has an empty segment"))
                    .expected("key names separated by single dots"),
            );
        }
        segments.push((seg, sources.span(source, 1, col, 1, col + len)));
        col += len + 1;
    }

    let mut node = root;
    for (i, (seg, span)) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let so_far = segments[..=i]
            .iter()
            .map(|(s, _)| *s)
            .collect::<Vec<_>>()
            .join(".");
        if matches!(node.value, Value::Null) {
            node.value = Value::Map(Vec::new());
        }
        match &mut node.value {
            Value::Map(entries) => {
                let pos = entries.iter().position(|(k, _)| k.as_str() == Some(seg));
                let pos = match pos {
                    Some(p) => p,
                    None => {
                        let key = Node {
                            value: Value::Scalar {
                                text: (*seg).to_string(),
                                quoted: false,
                            },
                            span: *span,
                        };
                        let placeholder = Node {
                            value: Value::Null,
                            span: *span,
                        };
                        entries.push((key, placeholder));
                        entries.len() - 1
                    }
                };
                if last {
                    entries[pos].1 = value;
                    return Ok(());
                }
                node = &mut entries[pos].1;
            }
            Value::Seq(items) => {
                let n = items.len();
                let idx = seg
                    .parse::<usize>()
                    .ok()
                    .filter(|&i| i < n)
                    .ok_or_else(|| {
                        ScenarioError::at(
                            *span,
                            format!("`{so_far}`: `{seg}` is not an index of this list"),
                        )
                        .expected(format!("an index from 0 to {}", n.saturating_sub(1)))
                    })?;
                if last {
                    items[idx] = value;
                    return Ok(());
                }
                node = &mut items[idx];
            }
            _ => {
                return Err(ScenarioError::at(
                    *span,
                    format!(
                        "cannot set `{key_text}`: `{}` is a single value, not a mapping",
                        {
                            segments[..i]
                                .iter()
                                .map(|(s, _)| *s)
                                .collect::<Vec<_>>()
                                .join(".")
                        }
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn retarget(node: &mut Node, source: SourceId) {
    node.span = Span {
        source,
        ..node.span
    };
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| retarget(n, source)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            retarget(k, source);
            retarget(v, source);
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::yaml::parse;

    fn setup(text: &str) -> (Node, Sources) {
        let mut s = Sources::new();
        let id = s.add("f.yaml", text);
        (parse(&s, id).unwrap(), s)
    }

    #[test]
    fn replaces_creates_and_indexes() {
        let (mut root, mut s) = setup("a: { b: 1 }\nl: [ {x: 1}, {x: 2} ]\n");
        apply(&mut root, &mut s, "a.b=5").unwrap();
        apply(&mut root, &mut s, "a.c.d=250ms").unwrap();
        apply(&mut root, &mut s, "l.1.x=7").unwrap();
        apply(&mut root, &mut s, "e=[1, 2]").unwrap();
        assert_eq!(root.get("a").unwrap().get("b").unwrap().as_str(), Some("5"));
        assert_eq!(
            root.get("a")
                .unwrap()
                .get("c")
                .unwrap()
                .get("d")
                .unwrap()
                .as_str(),
            Some("250ms")
        );
        let (x, found) = root.locate(&[
            crate::scenario::yaml::PathSeg::Key("l".into()),
            crate::scenario::yaml::PathSeg::Index(1),
            crate::scenario::yaml::PathSeg::Key("x".into()),
        ]);
        assert!(found);
        assert_eq!(x.as_str(), Some("7"));
        // The value's span points into the argument, after `a.b=`.
        let b = root.get("a").unwrap().get("b").unwrap();
        assert_eq!(
            (b.span.col, s.get(b.span.source).name.as_str()),
            (5, "--set a.b=5")
        );
    }

    #[test]
    fn bad_arguments_are_explained() {
        let (mut root, mut s) = setup("a: 1\nl: [1]\n");
        assert!(
            apply(&mut root, &mut s, "a")
                .unwrap_err()
                .message
                .contains("no `=`")
        );
        assert!(
            apply(&mut root, &mut s, "=3")
                .unwrap_err()
                .message
                .contains("key path")
        );
        assert!(
            apply(&mut root, &mut s, "a.b=3")
                .unwrap_err()
                .message
                .contains("single value")
        );
        assert!(
            apply(&mut root, &mut s, "l.4=3")
                .unwrap_err()
                .message
                .contains("not an index")
        );
        assert!(
            apply(&mut root, &mut s, "a..b=3")
                .unwrap_err()
                .message
                .contains("empty segment")
        );
        assert!(
            apply(&mut root, &mut s, "a=[1")
                .unwrap_err()
                .message
                .contains("YAML syntax")
        );
    }

    #[test]
    fn many_overrides_each_keep_their_own_value() {
        // Each `--set` adds two texts: past 65,536 texts a 16-bit id wrapped
        // around and the value was read from an earlier argument.
        let (mut root, mut s) = setup("a: 0\nb: 0\n");
        for i in 0..33_000 {
            apply(&mut root, &mut s, &format!("a={i}")).unwrap();
        }
        apply(&mut root, &mut s, "b=last").unwrap();
        assert_eq!(root.get("a").unwrap().as_str(), Some("32999"));
        let b = root.get("b").unwrap();
        assert_eq!(b.as_str(), Some("last"));
        assert_eq!(s.get(b.span.source).name, "--set b=last");
    }
}
