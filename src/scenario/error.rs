//! Errors in scenarios: what went wrong, where (file, line, column, key path),
//! what was expected, and a "did you mean" when a near miss is likely.

use std::fmt;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan};

use super::source::{Sources, Span};

/// A problem with a scenario, found before anything is simulated.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioError {
    /// What is wrong, in one line.
    pub message: String,
    /// The key path (`components.web.workers`), when known.
    pub path: Option<String>,
    /// Where, when known.
    pub span: Option<Span>,
    /// What would have been accepted.
    pub expected: Option<String>,
    /// A suggestion, such as "did you mean `workers`?".
    pub help: Option<String>,
}

impl ScenarioError {
    /// An error without a location yet (the deserializer adds one).
    pub fn new(message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            message: message.into(),
            path: None,
            span: None,
            expected: None,
            help: None,
        }
    }

    /// An error at a location.
    pub fn at(span: Span, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            span: Some(span),
            ..ScenarioError::new(message)
        }
    }

    /// Sets the key path.
    pub fn path(mut self, path: impl Into<String>) -> ScenarioError {
        self.path = Some(path.into());
        self
    }

    /// Says what would have been accepted.
    pub fn expected(mut self, expected: impl Into<String>) -> ScenarioError {
        self.expected = Some(expected.into());
        self
    }

    /// Adds a suggestion.
    pub fn help(mut self, help: impl Into<String>) -> ScenarioError {
        self.help = Some(help.into());
        self
    }

    /// Adds a "did you mean" from `candidates` when one is close to `word`.
    pub fn suggest<'a>(
        self,
        word: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> ScenarioError {
        match did_you_mean(word, candidates) {
            Some(s) => self.help(format!("did you mean `{s}`?")),
            None => self,
        }
    }

    /// Fills location and path if the error has none yet.
    pub fn or_at(mut self, span: Span, path: impl FnOnce() -> String) -> ScenarioError {
        if self.span.is_none() {
            self.span = Some(span);
        }
        if self.path.is_none() {
            let p = path();
            if !p.is_empty() {
                self.path = Some(p);
            }
        }
        self
    }

    /// `file:line:column` of the error, when known.
    pub fn location(&self, sources: &Sources) -> Option<String> {
        let span = self.span?;
        let src = sources.get(span.source);
        Some(format!("{}:{}:{}", src.name, span.line, span.col))
    }

    /// The error as the terminal shows it: a first line with location, key
    /// path and message (`error: file.yaml:9:5: components.web.workrs: ...`),
    /// then a snippet of the source with the spot marked, then what was
    /// expected.
    pub fn render(&self, sources: &Sources, color: bool) -> String {
        let mut out = String::from("error: ");
        if let Some(loc) = self.location(sources) {
            out.push_str(&loc);
            out.push_str(": ");
        }
        if let Some(p) = &self.path {
            out.push_str(p);
            out.push_str(": ");
        }
        out.push_str(&self.message);
        out.push('\n');

        let mut notes = Vec::new();
        if let Some(e) = &self.expected {
            notes.push(format!("expected {e}"));
        }
        match self.span {
            Some(span) => {
                let src = sources.get(span.source);
                match long_line(&src.text, span) {
                    None => {
                        let label = self.help.clone().unwrap_or_else(|| "here".to_string());
                        out.push_str(&snippet(&src.name, &src.text, span, label, color));
                    }
                    Some((line, chars)) => {
                        notes.push(format!(
                            "line {line} is {chars} characters long, too long to show; at the spot: `{}`",
                            excerpt(&src.text, span.start)
                        ));
                        notes.extend(self.help.clone());
                    }
                }
            }
            None => {
                if let Some(h) = &self.help {
                    notes.push(h.clone());
                }
            }
        }
        for n in notes {
            out.push_str("  = ");
            out.push_str(&n);
            out.push('\n');
        }
        out
    }
}

/// Lines longer than this (in bytes) are not shown in a snippet: a
/// terminal cannot show them usefully, and miette panics on a mark at
/// column 65,536 or beyond.
const SNIPPET_LINE_BYTES: usize = 400;

/// The first line a snippet of `span` would show (the span's lines and one
/// either side) that is longer than [`SNIPPET_LINE_BYTES`]: its number and
/// length in characters.
fn long_line(text: &str, span: Span) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let start = span.start.min(bytes.len());
    let end = span.end.clamp(start, bytes.len());
    let newlines = |b: &[u8]| b.iter().filter(|&&c| c == b'\n').count();
    let first = newlines(&bytes[..start]) + 1;
    let last = first + newlines(&bytes[start..end]);
    text.split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .skip(first.saturating_sub(2))
        .take_while(|&(n, _)| n <= last + 1)
        .find(|(_, l)| l.len() > SNIPPET_LINE_BYTES)
        .map(|(n, l)| (n, l.chars().count()))
}

/// Up to 30 characters either side of byte `at`, on its line, control
/// characters shown as U+FFFD, `…` where the line goes on.
fn excerpt(text: &str, at: usize) -> String {
    let at = (0..=at.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let before: Vec<char> = text[line_start..at].chars().collect();
    let after: Vec<char> = text[at..line_end].chars().collect();
    let mut out = String::new();
    if before.len() > 30 {
        out.push('\u{2026}');
    }
    let shown = before[before.len().saturating_sub(30)..]
        .iter()
        .chain(after.iter().take(30));
    out.extend(shown.map(|&c| if c.is_control() { '\u{fffd}' } else { c }));
    if after.len() > 30 {
        out.push('\u{2026}');
    }
    out
}

/// miette's snippet of `text` around `span`, marked with `label`: the lines
/// from its frame on (miette's header line for the empty message dropped).
fn snippet(
    name: &str,
    text: &std::sync::Arc<str>,
    span: Span,
    label: String,
    color: bool,
) -> String {
    let start = span.start.min(text.len());
    let len = span
        .end
        .saturating_sub(start)
        .max(1)
        .min(text.len() - start);
    let diag = Snippet {
        source_code: NamedSource::new(name, text.clone()),
        label: miette::LabeledSpan::new_with_span(Some(label), SourceSpan::new(start.into(), len)),
    };
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut rendered = String::new();
    let mut out = String::new();
    if GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .render_report(&mut rendered, &diag)
        .is_ok()
    {
        // miette opens with a header line for the (empty) message: the
        // caller's first line stands for it, so keep only the snippet.
        let body = rendered
            .lines()
            .skip_while(|l| !l.contains("\u{256d}\u{2500}["));
        for l in body {
            out.push_str(l.trim_end());
            out.push('\n');
        }
    }
    out
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path {
            write!(f, "{p}: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(e) = &self.expected {
            write!(f, " (expected {e})")?;
        }
        if let Some(h) = &self.help {
            write!(f, "; {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

impl serde::de::Error for ScenarioError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ScenarioError::new(msg.to_string())
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        ScenarioError::new(format!("unknown key `{field}`"))
            .expected(one_of(expected))
            .suggest(field, expected.iter().copied())
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        ScenarioError::new(format!("unknown value `{variant}`"))
            .expected(one_of(expected))
            .suggest(variant, expected.iter().copied())
    }

    fn missing_field(field: &'static str) -> Self {
        ScenarioError::new(format!("missing key `{field}`"))
    }

    fn invalid_type(unexp: serde::de::Unexpected, exp: &dyn serde::de::Expected) -> Self {
        ScenarioError::new(format!("found {unexp}")).expected(exp.to_string())
    }

    fn invalid_value(unexp: serde::de::Unexpected, exp: &dyn serde::de::Expected) -> Self {
        ScenarioError::new(format!("invalid value {unexp}")).expected(exp.to_string())
    }
}

/// Every independent problem found in one scenario, in the order of the
/// file: a user fixing a file should see all of them at once, not one per
/// run. Parts of a scenario that can be checked without each other
/// (components, faults, variants, the top-level sections) each add theirs;
/// a part that needs another's result is checked only when that one passed,
/// so no error is a consequence of another.
#[derive(Clone, Debug, PartialEq)]
pub struct Errors(pub Vec<ScenarioError>);

impl Errors {
    /// No errors yet.
    pub fn new() -> Errors {
        Errors(Vec::new())
    }

    /// Keeps `r`'s value, or records its error(s) and gives `None`.
    pub fn keep<T, E: Into<Errors>>(&mut self, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.extend(e.into());
                None
            }
        }
    }

    /// Adds `more`, leaving out any already here (the same problem found
    /// twice: in each copy of a component placed in several data centers,
    /// or in the base and a variant that does not change that part).
    pub fn extend(&mut self, more: Errors) {
        for e in more.0 {
            self.push(e);
        }
    }

    /// Adds one, unless the same message at the same place is here.
    pub fn push(&mut self, e: ScenarioError) {
        if !self.0.iter().any(|o| same_problem(o, &e)) {
            self.0.push(e);
        }
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(v)` when nothing was found, else every error.
    pub fn or_ok<T>(self, v: T) -> Result<T, Errors> {
        if self.0.is_empty() { Ok(v) } else { Err(self) }
    }

    /// Sorts by place in the file (errors without a place first, in the
    /// order found), so that the terminal reads top to bottom.
    pub fn sort(&mut self) {
        self.0
            .sort_by_key(|e| e.span.map(|s| (s.source, s.start, s.end)));
    }
}

impl Default for Errors {
    fn default() -> Errors {
        Errors::new()
    }
}

impl From<ScenarioError> for Errors {
    fn from(e: ScenarioError) -> Errors {
        Errors(vec![e])
    }
}

/// The same problem: message, key path and place alike.
fn same_problem(a: &ScenarioError, b: &ScenarioError) -> bool {
    a.message == b.message && a.path == b.path && a.span == b.span
}

/// `one of: a, b, c`, with backquotes.
pub fn one_of(options: &[&str]) -> String {
    let list: Vec<String> = options.iter().map(|o| format!("`{o}`")).collect();
    match list.len() {
        0 => "nothing here".to_string(),
        1 => list[0].clone(),
        _ => format!("one of {}", list.join(", ")),
    }
}

/// The candidate closest to `word`, if close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (c, strsim::jaro_winkler(&lower, &c.to_lowercase())))
        .filter(|(c, score)| *score >= 0.8 && *c != word)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

#[derive(Debug)]
struct Snippet {
    source_code: NamedSource<std::sync::Arc<str>>,
    label: miette::LabeledSpan,
}

impl fmt::Display for Snippet {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

impl std::error::Error for Snippet {}

impl Diagnostic for Snippet {
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source_code)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(self.label.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_suggested_and_far_ones_are_not() {
        let keys = ["instances", "workers", "queue", "service_time", "calls"];
        assert_eq!(did_you_mean("workrs", keys), Some("workers"));
        assert_eq!(did_you_mean("instance", keys), Some("instances"));
        assert_eq!(did_you_mean("Service_Time", keys), Some("service_time"));
        assert_eq!(did_you_mean("banana", keys), None);
    }

    #[test]
    fn rendering_names_file_line_column_path_and_expectation() {
        let mut sources = Sources::new();
        let id = sources.add("s.yaml", "a: 1\nworkrs: 2\n");
        let span = sources.span(id, 2, 0, 2, 6);
        let e = ScenarioError::at(span, "unknown key `workrs`")
            .path("components.web.workrs")
            .expected("one of `workers`, `queue`")
            .suggest("workrs", ["workers", "queue"]);
        let text = e.render(&sources, false);
        assert!(
            text.starts_with("error: s.yaml:2:1: components.web.workrs: unknown key `workrs`\n"),
            "{text}"
        );
        assert!(text.contains("did you mean `workers`?"), "{text}");
        assert!(
            text.contains("  = expected one of `workers`, `queue`"),
            "{text}"
        );
        assert_eq!(text.matches("did you mean").count(), 1, "{text}");
        assert!(text.contains("workrs: 2"), "{text}");
    }

    #[test]
    fn a_line_is_shown_up_to_its_limit_and_told_of_beyond() {
        let mut sources = Sources::new();
        let fits = format!("a: 1\nb: {}\nc: 2\n", "x".repeat(SNIPPET_LINE_BYTES - 3));
        let id = sources.add("fits.yaml", fits.as_str());
        // The line after the marked one is context: it counts too.
        let span = sources.span(id, 1, 0, 1, 1);
        assert_eq!(long_line(&fits, span), None);
        let over = format!("a: 1\nb: {}\nc: 2\n", "x".repeat(SNIPPET_LINE_BYTES - 2));
        let id = sources.add("over.yaml", over.as_str());
        let span = sources.span(id, 1, 0, 1, 1);
        assert_eq!(long_line(&over, span), Some((2, SNIPPET_LINE_BYTES + 1)));
        // Two lines away from the mark: not shown, so not counted.
        let far = format!("a: 1\nb: 2\nc: {}\n", "x".repeat(1_000));
        let id = sources.add("far.yaml", far.as_str());
        let span = sources.span(id, 1, 0, 1, 1);
        assert_eq!(long_line(&far, span), None);
        let text = ScenarioError::at(span, "m").render(&sources, false);
        assert!(text.contains("\u{256d}\u{2500}[far.yaml:1:1]"), "{text}");
    }

    #[test]
    fn an_excerpt_keeps_to_its_line_and_to_whole_characters() {
        let text = format!(
            "k: 1\n{}\u{e9}t\u{e9}: x{}\nnext\n",
            "\u{e9}".repeat(40),
            "y".repeat(40)
        );
        let at = text.find(": x").unwrap();
        let shown = excerpt(&text, at);
        assert_eq!(
            shown,
            format!(
                "\u{2026}{}\u{e9}t\u{e9}: x{}\u{2026}",
                "\u{e9}".repeat(27),
                "y".repeat(27)
            )
        );
        // Inside a character: from the character's start; a tab is shown as
        // U+FFFD; a short line has no ellipsis.
        assert_eq!(excerpt("k\u{e9}\tv", 2), "k\u{e9}\u{fffd}v");
        assert_eq!(excerpt("", 5), "");
    }
}
