//! A YAML document as a tree of nodes that remember where they came from.
//!
//! capsim parses YAML into this tree (with `saphyr-parser`, YAML 1.2) instead
//! of straight into typed structs because overrides (`--set`, and variants
//! merged over the base) edit the tree first: every node keeps the source and
//! span it was written in, so an error in an override points at the override.

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};

use super::error::ScenarioError;
use super::source::{SourceId, Sources, Span};

/// Most nodes a document may expand to (aliases can multiply nodes): a guard
/// against "billion laughs" documents.
const MAX_NODES: usize = 1_000_000;
/// Deepest nesting accepted.
const MAX_DEPTH: usize = 128;
/// Most bytes of scalar text a document may expand to, aliases expanded.
/// An alias only saves typing: the expanded document is one that could have
/// been written out, and a written one is read to 16 MiB at most
/// (`MAX_SCENARIO_BYTES`). Without it, a 10 KB file of aliases to a long
/// string expanded (within the node guard) to gigabytes, and a 1 MB one
/// aborted on a failed allocation.
pub const MAX_EXPANDED_BYTES: usize = 16 << 20;

/// A node and its location.
#[derive(Clone, Debug)]
pub struct Node {
    /// What the node holds.
    pub value: Value,
    /// Where it was written.
    pub span: Span,
}

/// The content of a node.
#[derive(Clone, Debug)]
pub enum Value {
    /// `~`, `null` or nothing.
    Null,
    /// A scalar; `quoted` scalars are always strings.
    Scalar {
        /// The text after YAML unescaping.
        text: String,
        /// Written in quotes or as a block literal.
        quoted: bool,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in the order written; keys are scalars.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A short name of the node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "nothing (null)",
            Value::Scalar { .. } => "a scalar",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The text of a scalar node.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The key node for `key` in a mapping.
    pub fn get_key(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, _)| k),
            _ => None,
        }
    }

    /// Follows a key path (`components.web.calls.0.to`) as far as it goes and
    /// returns the deepest node reached and whether it reached the end.
    pub fn locate(&self, path: &[PathSeg]) -> (&Node, bool) {
        let mut node = self;
        for seg in path {
            let next = match (seg, &node.value) {
                (PathSeg::Key(k), Value::Map(_)) => node.get(k),
                (PathSeg::Index(i), Value::Seq(items)) => items.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return (node, false),
            }
        }
        (node, true)
    }
}

/// One step of a key path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSeg {
    /// A mapping key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// Formats a key path as users write it: `components.web.calls[1].to`.
pub fn format_path(path: &[PathSeg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            PathSeg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathSeg::Index(i) => {
                out.push_str(&format!("[{i}]"));
            }
        }
    }
    out
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: Span,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        pending_key: Option<Node>,
        start: Span,
        anchor: usize,
    },
}

/// The key path of the node being built, from the builder's stack.
fn stack_path(stack: &[Frame]) -> Vec<PathSeg> {
    let mut path = Vec::new();
    for f in stack {
        match f {
            Frame::Seq { items, .. } => path.push(PathSeg::Index(items.len())),
            Frame::Map { pending_key, .. } => {
                if let Some(k) = pending_key.as_ref().and_then(|k| k.as_str()) {
                    path.push(PathSeg::Key(k.to_string()));
                }
            }
        }
    }
    path
}

fn scan_error(sources: &Sources, source: SourceId, e: &ScanError) -> ScenarioError {
    let m = e.marker();
    let span = sources.span(
        source,
        m.line().max(1),
        m.col(),
        m.line().max(1),
        m.col() + 1,
    );
    let info = e.info();
    ScenarioError::at(span, format!("YAML syntax error: {info}")).expected(
        "valid YAML (check indentation, colons after keys, and closing brackets or quotes)",
    )
}

/// Parses the text of `source` into one document tree.
pub fn parse(sources: &Sources, source: SourceId) -> Result<Node, ScenarioError> {
    let text = sources.get(source).text.clone();
    let mut parser = Parser::new_from_str(&text);
    let mut builder = Builder::new(sources, source);
    while let Some(item) = parser.next_event() {
        let (event, raw_span) = item.map_err(|e| scan_error(sources, source, &e))?;
        let span = builder.span_of(&raw_span);
        if let Some((node, anchor)) = builder.event(event, span)? {
            builder.add(node, anchor)?;
        }
    }
    builder.finish()
}

/// Builds the tree from the parser's events: the open sequences and
/// mappings, the anchored nodes, and the guards on size and documents.
struct Builder<'s> {
    sources: &'s Sources,
    source: SourceId,
    stack: Vec<Frame>,
    anchors: Vec<Option<Anchored>>,
    root: Option<Node>,
    documents: usize,
    nodes: usize,
    /// Bytes of scalar text so far, aliases expanded.
    bytes: usize,
}

/// An anchored node and what an alias to it adds: its nodes and the bytes
/// of its scalars, known before it is copied.
struct Anchored {
    node: Node,
    nodes: usize,
    bytes: usize,
}

impl<'s> Builder<'s> {
    fn new(sources: &'s Sources, source: SourceId) -> Builder<'s> {
        Builder {
            sources,
            source,
            stack: Vec::new(),
            anchors: Vec::new(),
            root: None,
            documents: 0,
            nodes: 0,
            bytes: 0,
        }
    }

    /// The span in the source of a parser's span.
    fn span_of(&self, s: &saphyr_parser::Span) -> Span {
        self.sources.span(
            self.source,
            s.start.line().max(1),
            s.start.col(),
            s.end.line().max(1),
            s.end.col(),
        )
    }

    /// Takes one event: the node it completes (with its anchor id, 0 for
    /// none), if any.
    fn event(&mut self, event: Event, span: Span) -> Result<Option<(Node, usize)>, ScenarioError> {
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => Ok(None),
            Event::DocumentStart(_) => self.document_start(span).map(|()| None),
            Event::Alias(id) => self.alias(id, span).map(Some),
            Event::Scalar(text, style, anchor, tag) => {
                let quoted = !matches!(style, ScalarStyle::Plain)
                    || tag.as_ref().is_some_and(|t| t.suffix == "str");
                let value = if !quoted && is_null(&text) {
                    Value::Null
                } else {
                    self.bytes += text.len();
                    Value::Scalar {
                        text: text.into_owned(),
                        quoted,
                    }
                };
                Ok(Some((Node { value, span }, anchor)))
            }
            Event::SequenceStart(anchor, _) => {
                let frame = Frame::Seq {
                    items: Vec::new(),
                    start: span,
                    anchor,
                };
                self.open(frame, span).map(|()| None)
            }
            Event::MappingStart(anchor, _) => {
                let frame = Frame::Map {
                    entries: Vec::new(),
                    pending_key: None,
                    start: span,
                    anchor,
                };
                self.open(frame, span).map(|()| None)
            }
            Event::SequenceEnd => self.close_seq(span).map(Some),
            Event::MappingEnd => self.close_map(span).map(Some),
        }
    }

    /// Counts a document: a second one is refused.
    fn document_start(&mut self, span: Span) -> Result<(), ScenarioError> {
        self.documents += 1;
        if self.documents > 1 {
            return Err(ScenarioError::at(
                span,
                "a scenario file holds one YAML document, this is a second one",
            )
            .expected("a single document (remove the extra `---`)"));
        }
        Ok(())
    }

    /// A copy of the anchored node, located at the alias. What the copy
    /// adds is checked first, so an alias bomb is refused before it takes
    /// the memory.
    fn alias(&mut self, id: usize, span: Span) -> Result<(Node, usize), ScenarioError> {
        let anchored = self
            .anchors
            .get(id)
            .and_then(|a| a.as_ref())
            .ok_or_else(|| ScenarioError::at(span, "alias to an unknown anchor"))?;
        let (nodes, bytes) = (anchored.nodes, anchored.bytes);
        if self.bytes.saturating_add(bytes) > MAX_EXPANDED_BYTES {
            return Err(ScenarioError::at(
                span,
                format!(
                    "with this alias the document expands to more than {} MiB of text \
                     (the alias adds {bytes} bytes, {} are there already)",
                    MAX_EXPANDED_BYTES >> 20,
                    self.bytes
                ),
            )
            .path(format_path(&stack_path(&self.stack)))
            .expected(format!(
                "at most {} MiB once aliases are expanded, as much as a scenario file may hold \
                 written out (an alias saves typing, not size)",
                MAX_EXPANDED_BYTES >> 20
            )));
        }
        if self.nodes.saturating_add(nodes) > MAX_NODES {
            return Err(ScenarioError::at(
                span,
                format!("with this alias the document expands to more than {MAX_NODES} nodes"),
            )
            .path(format_path(&stack_path(&self.stack))));
        }
        self.bytes += bytes;
        // `add` counts the copy's root.
        self.nodes += nodes - 1;
        Ok((
            Node {
                value: anchored.node.value.clone(),
                span,
            },
            0,
        ))
    }

    /// Opens a sequence or a mapping, unless the document is too deep.
    fn open(&mut self, frame: Frame, span: Span) -> Result<(), ScenarioError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(ScenarioError::at(span, "the document is nested too deeply"));
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Closes the open sequence.
    fn close_seq(&mut self, span: Span) -> Result<(Node, usize), ScenarioError> {
        match self.stack.pop() {
            Some(Frame::Seq {
                items,
                start,
                anchor,
            }) => Ok((
                Node {
                    value: Value::Seq(items),
                    span: Span {
                        end: span.end.max(start.end),
                        ..start
                    },
                },
                anchor,
            )),
            _ => Err(ScenarioError::at(span, "unbalanced YAML sequence")),
        }
    }

    /// Closes the open mapping.
    fn close_map(&mut self, span: Span) -> Result<(Node, usize), ScenarioError> {
        match self.stack.pop() {
            Some(Frame::Map {
                entries,
                start,
                anchor,
                ..
            }) => Ok((
                Node {
                    value: Value::Map(entries),
                    span: Span {
                        end: span.end.max(start.end),
                        ..start
                    },
                },
                anchor,
            )),
            _ => Err(ScenarioError::at(span, "unbalanced YAML mapping")),
        }
    }

    /// Adds a completed node: counted, remembered under its anchor, and put
    /// in its parent (as the root, a list item, a key or a value).
    fn add(&mut self, node: Node, anchor: usize) -> Result<(), ScenarioError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(ScenarioError::at(
                node.span,
                format!("the document expands to more than {MAX_NODES} nodes"),
            ));
        }
        if anchor > 0 {
            if self.anchors.len() <= anchor {
                self.anchors.resize_with(anchor + 1, || None);
            }
            let (nodes, bytes) = measure(&node);
            self.anchors[anchor] = Some(Anchored {
                node: node.clone(),
                nodes,
                bytes,
            });
        }
        let depth_path = if matches!(
            self.stack.last(),
            Some(Frame::Map {
                pending_key: None,
                ..
            })
        ) {
            Some(stack_path(&self.stack))
        } else {
            None
        };
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => {
                    check_key(entries, &node, depth_path)?;
                    *pending_key = Some(node);
                }
                Some(key) => entries.push((key, node)),
            },
        }
        Ok(())
    }

    /// The document's root, once every event is taken.
    fn finish(self) -> Result<Node, ScenarioError> {
        self.root.ok_or_else(|| {
            let span = self.sources.span(self.source, 1, 0, 1, 0);
            ScenarioError::at(span, "the scenario is empty")
                .expected("a mapping with at least `duration`, `traffic` and `components`")
        })
    }
}

/// Checks that `key`, about to become a key of the mapping holding `entries`
/// (whose key path is `path`), is a plain name not already there.
fn check_key(
    entries: &[(Node, Node)],
    key: &Node,
    path: Option<Vec<PathSeg>>,
) -> Result<(), ScenarioError> {
    match &key.value {
        Value::Scalar { text, .. } => {
            if let Some((first, _)) = entries.iter().find(|(k, _)| k.as_str() == Some(text)) {
                let mut path = path.unwrap_or_default();
                path.push(PathSeg::Key(text.clone()));
                return Err(ScenarioError::at(
                    key.span,
                    format!(
                        "duplicate key `{text}` (first written on line {})",
                        first.span.line
                    ),
                )
                .path(format_path(&path))
                .expected("each key once per mapping"));
            }
            Ok(())
        }
        _ => Err(ScenarioError::at(
            key.span,
            format!(
                "a mapping key must be a plain name, found {}",
                key.type_name()
            ),
        )),
    }
}

/// The nodes of `n` and the bytes of its scalars (keys included): what an
/// alias to it adds.
fn measure(n: &Node) -> (usize, usize) {
    let own = match &n.value {
        Value::Scalar { text, .. } => text.len(),
        _ => 0,
    };
    let mut total = (1, own);
    let mut add = |(nodes, bytes): (usize, usize)| {
        total.0 += nodes;
        total.1 += bytes;
    };
    match &n.value {
        Value::Seq(items) => items.iter().for_each(|i| add(measure(i))),
        Value::Map(entries) => entries.iter().for_each(|(k, v)| {
            add(measure(k));
            add(measure(v));
        }),
        _ => {}
    }
    total
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Node, ScenarioError> {
        let mut sources = Sources::new();
        let id = sources.add("t.yaml", text);
        parse(&sources, id)
    }

    #[test]
    fn keeps_locations_of_nested_values() {
        let root = parse_str("a: 1\nb:\n  c: [x, 'y']\n").unwrap();
        let c = root.get("b").unwrap().get("c").unwrap();
        assert_eq!((c.span.line, c.span.col), (3, 6));
        let Value::Seq(items) = &c.value else {
            panic!()
        };
        assert!(matches!(
            &items[1].value,
            Value::Scalar { quoted: true, .. }
        ));
        assert_eq!((items[1].span.line, items[1].span.col), (3, 10));
    }

    #[test]
    fn rejects_duplicate_keys_with_both_lines() {
        let e = parse_str("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert!(e.message.contains("duplicate key `a`"), "{}", e.message);
        assert_eq!(e.path.as_deref(), Some("a"));
        assert!(e.message.contains("line 1"));
        assert_eq!(e.span.unwrap().line, 3);
        let e = parse_str("x:\n  - { k: 1 }\n  - { k: 1, k: 2 }\n").unwrap_err();
        assert_eq!(e.path.as_deref(), Some("x[1].k"));
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let e = parse_str("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.message.starts_with("YAML syntax error"), "{}", e.message);
        assert!(e.span.is_some());
    }

    #[test]
    fn aliases_expand_and_bombs_are_refused() {
        let root = parse_str("a: &x {k: 1}\nb: *x\n").unwrap();
        assert!(root.get("b").unwrap().get("k").is_some());
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse_str(&bomb).unwrap_err();
        assert!(e.message.contains("more than"), "{}", e.message);
    }

    #[test]
    fn aliases_to_long_strings_are_refused_by_their_bytes_at_the_alias() {
        // 1000 nodes a list, but 4 KiB each: 4 MB per list, 16 MiB passed
        // at the fourth alias of the third line.
        let long = "x".repeat(4096);
        let text = format!(
            "s: &s {long}\nl: &l [{}]\nm: [*l, *l, *l, *l, *l]\n",
            vec!["*s"; 1000].join(", ")
        );
        let e = parse_str(&text).unwrap_err();
        assert!(
            e.message.contains("more than 16 MiB of text"),
            "{}",
            e.message
        );
        let span = e.span.unwrap();
        assert_eq!((span.line, span.col), (3, 17));
        assert_eq!(e.path.as_deref(), Some("m[3]"));
        // Short of the bound, the same aliases expand.
        let fine = text.replace("*l, *l, *l, *l, *l", "*l, *l, *l");
        assert!(parse_str(&fine).is_ok());
    }

    #[test]
    fn empty_and_multi_document_files_are_refused() {
        assert!(parse_str("").unwrap_err().message.contains("empty"));
        assert!(
            parse_str("# only a comment\n")
                .unwrap_err()
                .message
                .contains("empty")
        );
        assert!(
            parse_str("a: 1\n---\nb: 2\n")
                .unwrap_err()
                .message
                .contains("one YAML document")
        );
    }

    #[test]
    fn paths_format_like_users_write_them() {
        let p = vec![
            PathSeg::Key("components".into()),
            PathSeg::Key("web".into()),
            PathSeg::Key("calls".into()),
            PathSeg::Index(1),
            PathSeg::Key("to".into()),
        ];
        assert_eq!(format_path(&p), "components.web.calls[1].to");
    }
}
