//! A serde `Deserializer` over the spanned YAML tree. Typed scenario structs
//! are read from it with `#[derive(Deserialize)]`; every error that leaves it
//! carries the key path and the location of the node it is about.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::error::ScenarioError;
use super::yaml::{Node, PathSeg, Value, format_path};

type Result<T> = std::result::Result<T, ScenarioError>;

/// A key path built on the stack while descending.
#[derive(Clone, Copy)]
pub enum Path<'a> {
    /// The path the deserialization started at.
    Root(&'a [PathSeg]),
    /// A mapping key under a parent.
    Key(&'a Path<'a>, &'a str),
    /// A list index under a parent.
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    /// The path as segments.
    pub fn segments(&self) -> Vec<PathSeg> {
        match self {
            Path::Root(s) => s.to_vec(),
            Path::Key(p, k) => {
                let mut v = p.segments();
                v.push(PathSeg::Key((*k).to_string()));
                v
            }
            Path::Index(p, i) => {
                let mut v = p.segments();
                v.push(PathSeg::Index(*i));
                v
            }
        }
    }

    fn render(&self) -> String {
        format_path(&self.segments())
    }
}

/// Deserializes a `T` from `node`, whose key path is `path`.
pub fn from_node<'de, T: de::Deserialize<'de>>(node: &'de Node, path: &[PathSeg]) -> Result<T> {
    let p = Path::Root(path);
    T::deserialize(NodeDe { node, path: &p })
}

/// The deserializer for one node.
pub struct NodeDe<'de, 'p> {
    node: &'de Node,
    path: &'p Path<'p>,
}

impl<'de> NodeDe<'de, '_> {
    fn locate(&self, e: ScenarioError) -> ScenarioError {
        e.or_at(self.node.span, || self.path.render())
    }

    fn err(&self, message: impl Into<String>, expected: impl Into<String>) -> ScenarioError {
        self.locate(ScenarioError::new(message).expected(expected))
    }

    fn found(&self) -> String {
        match &self.node.value {
            Value::Null => "nothing".to_string(),
            Value::Scalar { text, quoted: true } => format!("the text \"{}\"", clip(text)),
            Value::Scalar {
                text,
                quoted: false,
            } => format!("`{}`", clip(text)),
            Value::Seq(_) => "a list".to_string(),
            Value::Map(_) => "a mapping".to_string(),
        }
    }

    fn plain_scalar(&self, expected: &str) -> Result<&'de str> {
        match &self.node.value {
            Value::Scalar {
                text,
                quoted: false,
            } => Ok(text),
            Value::Scalar { text, quoted: true } => Err(self.err(
                format!("found the text \"{}\"", clip(text)),
                format!("{expected} (remove the quotes)"),
            )),
            _ => Err(self.err(format!("found {}", self.found()), expected.to_string())),
        }
    }

    fn integer(&self, min: i128, max: i128, what: &str) -> Result<i128> {
        let text = self.plain_scalar(what)?;
        let parsed = parse_int(text);
        match parsed {
            Some(v) if v >= min && v <= max => Ok(v),
            Some(v) if v < 0 && min == 0 => {
                Err(self.err(format!("found {v}"), "a number that is not negative"))
            }
            Some(v) => Err(self.err(
                format!("{v} is out of range"),
                format!("{what} from {min} to {max}"),
            )),
            None => Err(self.err(format!("found `{}`", clip(text)), what.to_string())),
        }
    }

    fn visit_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let r = match &self.node.value {
            Value::Null => visitor.visit_unit(),
            Value::Scalar { text, quoted: true } => visitor.visit_borrowed_str(text),
            Value::Scalar {
                text,
                quoted: false,
            } => match resolve_plain(text) {
                Plain::Bool(b) => visitor.visit_bool(b),
                Plain::Int(i) => {
                    if let Ok(u) = u64::try_from(i) {
                        visitor.visit_u64(u)
                    } else if let Ok(s) = i64::try_from(i) {
                        visitor.visit_i64(s)
                    } else {
                        visitor.visit_f64(i as f64)
                    }
                }
                Plain::Float(f) => visitor.visit_f64(f),
                Plain::Str => visitor.visit_borrowed_str(text),
            },
            Value::Seq(items) => visitor.visit_seq(SeqDe {
                items: items.iter(),
                index: 0,
                path: self.path,
            }),
            Value::Map(entries) => visitor.visit_map(MapDe {
                entries: entries.iter(),
                value: None,
                path: self.path,
            }),
        };
        r.map_err(|e| self.locate(e))
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() > 40 {
        let mut c: String = s.chars().take(37).collect();
        c.push_str("...");
        c
    } else {
        s.to_string()
    }
}

enum Plain {
    Bool(bool),
    Int(i128),
    Float(f64),
    Str,
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn resolve_plain(text: &str) -> Plain {
    match text {
        "true" | "True" | "TRUE" => return Plain::Bool(true),
        "false" | "False" | "FALSE" => return Plain::Bool(false),
        _ => {}
    }
    if let Some(i) = parse_int(text) {
        return Plain::Int(i);
    }
    if let Some(f) = parse_float(text) {
        return Plain::Float(f);
    }
    Plain::Str
}

fn parse_int(text: &str) -> Option<i128> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let v = if let Some(hex) = digits.strip_prefix("0x") {
        i128::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i128::from_str_radix(oct, 8).ok()?
    } else {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<i128>().ok()?
    };
    Some(if neg { -v } else { v })
}

fn parse_float(text: &str) -> Option<f64> {
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    // Rust also accepts `inf` and `nan`, which YAML does not call numbers.
    let body = text.trim_start_matches(['+', '-']);
    if !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    text.parse::<f64>().ok()
}

macro_rules! deserialize_int {
    ($method:ident, $visit:ident, $t:ty, $what:expr) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            let v = self.integer(<$t>::MIN as i128, <$t>::MAX as i128, $what)?;
            visitor.$visit(v as $t).map_err(|e| self.locate(e))
        }
    };
}

impl<'de> de::Deserializer<'de> for NodeDe<'de, '_> {
    type Error = ScenarioError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.visit_any(visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let text = self.plain_scalar("`true` or `false`")?;
        match resolve_plain(text) {
            Plain::Bool(b) => visitor.visit_bool(b).map_err(|e| self.locate(e)),
            _ => Err(self.err(format!("found `{}`", clip(text)), "`true` or `false`")),
        }
    }

    deserialize_int!(deserialize_u8, visit_u8, u8, "a whole number");
    deserialize_int!(deserialize_u16, visit_u16, u16, "a whole number");
    deserialize_int!(deserialize_u32, visit_u32, u32, "a whole number");
    deserialize_int!(deserialize_u64, visit_u64, u64, "a whole number");
    deserialize_int!(deserialize_i8, visit_i8, i8, "a whole number");
    deserialize_int!(deserialize_i16, visit_i16, i16, "a whole number");
    deserialize_int!(deserialize_i32, visit_i32, i32, "a whole number");
    deserialize_int!(deserialize_i64, visit_i64, i64, "a whole number");

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let text = self.plain_scalar("a number")?;
        let v = match resolve_plain(text) {
            Plain::Int(i) => i as f64,
            Plain::Float(f) => f,
            _ => return Err(self.err(format!("found `{}`", clip(text)), "a number")),
        };
        if !v.is_finite() {
            return Err(self.err(format!("found `{text}`"), "a finite number"));
        }
        visitor.visit_f64(v).map_err(|e| self.locate(e))
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match &self.node.value {
            Value::Scalar { text, .. } => {
                visitor.visit_borrowed_str(text).map_err(|e| self.locate(e))
            }
            _ => Err(self.err(format!("found {}", self.found()), "text")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match &self.node.value {
            Value::Null => visitor.visit_none().map_err(|e| self.locate(e)),
            _ => {
                let span = self.node.span;
                let path = self.path;
                visitor
                    .visit_some(self)
                    .map_err(|e| e.or_at(span, || path.render()))
            }
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match &self.node.value {
            Value::Null => visitor.visit_unit().map_err(|e| self.locate(e)),
            _ => Err(self.err(format!("found {}", self.found()), "nothing")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        let span = self.node.span;
        let path = self.path;
        visitor
            .visit_newtype_struct(self)
            .map_err(|e| e.or_at(span, || path.render()))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match &self.node.value {
            Value::Seq(items) => visitor
                .visit_seq(SeqDe {
                    items: items.iter(),
                    index: 0,
                    path: self.path,
                })
                .map_err(|e| self.locate(e)),
            _ => Err(self.err(format!("found {}", self.found()), "a list")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match &self.node.value {
            Value::Map(entries) => visitor
                .visit_map(MapDe {
                    entries: entries.iter(),
                    value: None,
                    path: self.path,
                })
                .map_err(|e| self.locate(e)),
            _ => Err(self.err(
                format!("found {}", self.found()),
                "a mapping of keys to values",
            )),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match &self.node.value {
            Value::Map(_) => self.deserialize_map(visitor),
            _ => Err(self.err(
                format!("found {}", self.found()),
                format!(
                    "a mapping with keys such as {}",
                    super::error::one_of(fields)
                ),
            )),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match &self.node.value {
            Value::Scalar { .. } => visitor
                .visit_enum(EnumDe {
                    key: self.node,
                    value: None,
                    path: self.path,
                })
                .map_err(|e| self.locate(e)),
            Value::Map(entries) if entries.len() == 1 => {
                let (k, v) = &entries[0];
                visitor
                    .visit_enum(EnumDe {
                        key: k,
                        value: Some(v),
                        path: self.path,
                    })
                    .map_err(|e| self.locate(e))
            }
            _ => Err(self.err(
                format!("found {}", self.found()),
                super::error::one_of(variants),
            )),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

struct SeqDe<'de, 'p> {
    items: std::slice::Iter<'de, Node>,
    index: usize,
    path: &'p Path<'p>,
}

impl<'de> de::SeqAccess<'de> for SeqDe<'de, '_> {
    type Error = ScenarioError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let Some(node) = self.items.next() else {
            return Ok(None);
        };
        let path = Path::Index(self.path, self.index);
        self.index += 1;
        seed.deserialize(NodeDe { node, path: &path })
            .map(Some)
            .map_err(|e| e.or_at(node.span, || path.render()))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapDe<'de, 'p> {
    entries: std::slice::Iter<'de, (Node, Node)>,
    value: Option<(&'de Node, &'de Node)>,
    path: &'p Path<'p>,
}

impl<'de> de::MapAccess<'de> for MapDe<'de, '_> {
    type Error = ScenarioError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((k, v)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some((k, v));
        let key = k.as_str().unwrap_or("");
        let path = Path::Key(self.path, key);
        seed.deserialize(NodeDe {
            node: k,
            path: &path,
        })
        .map(Some)
        .map_err(|e| e.or_at(k.span, || path.render()))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let (k, v) = self
            .value
            .take()
            .expect("serde asks for a value after its key");
        let key = k.as_str().unwrap_or("");
        let path = Path::Key(self.path, key);
        seed.deserialize(NodeDe {
            node: v,
            path: &path,
        })
        .map_err(|e| {
            // An error about the key itself ("`autoscale` is not supported yet")
            // points at the key, not at its value.
            let about_key = e.span.is_none() && e.message.starts_with(&format!("`{key}` "));
            e.or_at(if about_key { k.span } else { v.span }, || path.render())
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct EnumDe<'de, 'p> {
    key: &'de Node,
    value: Option<&'de Node>,
    path: &'p Path<'p>,
}

impl<'de, 'p> de::EnumAccess<'de> for EnumDe<'de, 'p> {
    type Error = ScenarioError;
    type Variant = VariantDe<'de, 'p>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self::Variant)> {
        let name = self.key.as_str().unwrap_or("");
        let key_path = match self.value {
            Some(_) => Path::Key(self.path, name),
            None => *self.path,
        };
        let v = seed
            .deserialize(name.into_deserializer())
            .map_err(|e: ScenarioError| e.or_at(self.key.span, || key_path.render()))?;
        Ok((
            v,
            VariantDe {
                key: self.key,
                value: self.value,
                path: self.path,
            },
        ))
    }
}

struct VariantDe<'de, 'p> {
    key: &'de Node,
    value: Option<&'de Node>,
    path: &'p Path<'p>,
}

impl<'de> VariantDe<'de, '_> {
    fn with_value<T>(self, f: impl FnOnce(NodeDe<'de, '_>) -> Result<T>) -> Result<T> {
        let name = self.key.as_str().unwrap_or("");
        let path = Path::Key(self.path, name);
        match self.value {
            Some(node) => {
                f(NodeDe { node, path: &path }).map_err(|e| e.or_at(node.span, || path.render()))
            }
            None => Err(ScenarioError::new(format!("`{name}` needs settings"))
                .expected(format!("`{{ {name}: {{ ... }} }}`"))
                .or_at(self.key.span, || self.path.render())),
        }
    }
}

impl<'de> de::VariantAccess<'de> for VariantDe<'de, '_> {
    type Error = ScenarioError;

    fn unit_variant(self) -> Result<()> {
        match self.value {
            None
            | Some(Node {
                value: Value::Null, ..
            }) => Ok(()),
            Some(v) => {
                let name = self.key.as_str().unwrap_or("");
                Err(ScenarioError::new(format!("`{name}` takes no settings"))
                    .expected(format!("just `{name}`"))
                    .or_at(v.span, || self.path.render()))
            }
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        self.with_value(|d| seed.deserialize(d))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.with_value(|d| de::Deserializer::deserialize_seq(d, visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.with_value(|d| de::Deserializer::deserialize_struct(d, "", fields, visitor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::source::Sources;
    use crate::scenario::yaml::parse;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, rename_all = "snake_case")]
    struct Inner {
        workers: u32,
        #[serde(default)]
        name: Option<String>,
        policy: Option<Pol>,
        ratio: Option<f64>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Pol {
        RoundRobin,
        Random,
        Weighted { weight: u32 },
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        items: indexmap::IndexMap<String, Inner>,
    }

    fn load(text: &str) -> std::result::Result<Outer, ScenarioError> {
        let mut s = Sources::new();
        let id = s.add("t.yaml", text);
        let root = parse(&s, id)?;
        from_node(&root, &[])
    }

    #[test]
    fn reads_typed_structs_in_order() {
        let o = load("items:\n  b: { workers: 2, policy: random }\n  a: { workers: 3, policy: { weighted: { weight: 4 } }, ratio: 0.5 }\n").unwrap();
        let keys: Vec<_> = o.items.keys().cloned().collect();
        assert_eq!(keys, ["b", "a"]);
        assert_eq!(o.items["a"].policy, Some(Pol::Weighted { weight: 4 }));
        assert_eq!(o.items["a"].ratio, Some(0.5));
    }

    #[test]
    fn unknown_keys_point_at_the_key_with_a_suggestion() {
        let e = load("items:\n  web:\n    workrs: 2\n").unwrap_err();
        assert_eq!(e.path.as_deref(), Some("items.web.workrs"));
        assert_eq!(e.span.map(|s| (s.line, s.col)), Some((3, 5)));
        assert_eq!(e.help.as_deref(), Some("did you mean `workers`?"));
    }

    #[test]
    fn wrong_types_point_at_the_value() {
        let e = load("items:\n  web: { workers: many }\n").unwrap_err();
        assert_eq!(e.path.as_deref(), Some("items.web.workers"));
        assert_eq!(e.span.map(|s| (s.line, s.col)), Some((2, 19)));
        assert!(e.expected.as_deref().unwrap().contains("whole number"));

        let e = load("items:\n  web: { workers: -2 }\n").unwrap_err();
        assert!(
            e.expected.as_deref().unwrap().contains("not negative"),
            "{e:?}"
        );

        let e = load("items:\n  web: { workers: \"2\" }\n").unwrap_err();
        assert!(
            e.expected.as_deref().unwrap().contains("remove the quotes"),
            "{e:?}"
        );

        let e = load("items:\n  web: { workers: 2, ratio: .nan }\n").unwrap_err();
        assert!(e.expected.as_deref().unwrap().contains("finite"), "{e:?}");
    }

    #[test]
    fn missing_keys_point_at_the_mapping() {
        let e = load("items:\n  web: { name: x }\n").unwrap_err();
        assert_eq!(e.message, "missing key `workers`");
        assert_eq!(e.path.as_deref(), Some("items.web"));
        assert_eq!(e.span.map(|s| s.line), Some(2));
    }

    #[test]
    fn unknown_enum_values_are_suggested() {
        let e = load("items:\n  web: { workers: 1, policy: round_robn }\n").unwrap_err();
        assert_eq!(e.path.as_deref(), Some("items.web.policy"));
        assert_eq!(e.help.as_deref(), Some("did you mean `round_robin`?"));
    }

    #[test]
    fn plain_scalars_resolve_by_yaml_1_2() {
        assert!(matches!(resolve_plain("yes"), Plain::Str));
        assert!(matches!(resolve_plain("0x10"), Plain::Int(16)));
        assert!(matches!(resolve_plain("1e3"), Plain::Float(_)));
        assert!(matches!(resolve_plain("inf"), Plain::Str));
        assert!(matches!(resolve_plain("250ms"), Plain::Str));
    }
}
