//! The texts a scenario is read from (the file, each `--set`), and locations in
//! them.

use std::sync::Arc;

/// Which text a location is in. Wide enough that no load has more texts
/// than ids (each `--set` adds one or two): a narrower id wrapped around and
/// read an earlier text instead.
pub type SourceId = u32;

/// A location in one of the sources: byte range for snippets, line and column
/// (1-based) for messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    /// The source.
    pub source: SourceId,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Line of `start`, from 1.
    pub line: u32,
    /// Column of `start` in characters, from 1.
    pub col: u32,
}

/// One text.
#[derive(Debug)]
pub struct Source {
    /// How messages name it: a path, or `--set <arg>`.
    pub name: String,
    /// The text.
    pub text: Arc<str>,
    line_starts: Vec<usize>,
}

impl Source {
    fn new(name: String, text: Arc<str>) -> Source {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Source {
            name,
            text,
            line_starts,
        }
    }

    /// The byte offset of a 1-based line and 0-based character column,
    /// clamped to the text.
    pub fn offset(&self, line: usize, col0: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        let within = rest
            .char_indices()
            .nth(col0)
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        start + within
    }

    /// Whether this text came from the command line.
    pub fn is_override(&self) -> bool {
        self.name.starts_with("--set ")
    }
}

/// Every text of one scenario load.
#[derive(Debug, Default)]
pub struct Sources {
    list: Vec<Source>,
}

impl Sources {
    /// No sources yet.
    pub fn new() -> Sources {
        Sources::default()
    }

    /// Adds a text and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> SourceId {
        let id = self.list.len() as SourceId;
        self.list.push(Source::new(name.into(), text.into()));
        id
    }

    /// How many texts there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// How the first text (the scenario file) is named, if there is one.
    pub fn first_name(&self) -> Option<&str> {
        self.list.first().map(|s| s.name.as_str())
    }

    /// The source with this id.
    pub fn get(&self, id: SourceId) -> &Source {
        &self.list[id as usize]
    }

    /// A span from a 1-based line and 0-based column pair in `source`, covering
    /// the characters up to `end_line`/`end_col0`.
    pub fn span(
        &self,
        source: SourceId,
        line: usize,
        col0: usize,
        end_line: usize,
        end_col0: usize,
    ) -> Span {
        let s = self.get(source);
        let start = s.offset(line, col0);
        let end = s.offset(end_line, end_col0).max(start);
        // Line and column from the offset, so that a position past the end of
        // the text (a parser's end-of-input marker) names a real place.
        let line_index = s
            .line_starts
            .partition_point(|&ls| ls <= start)
            .saturating_sub(1);
        let col = s.text[s.line_starts[line_index]..start].chars().count();
        Span {
            source,
            start,
            end,
            line: line_index as u32 + 1,
            col: col as u32 + 1,
        }
    }
}

/// Why [`read_text`] has no text.
#[derive(Debug)]
pub enum ReadError {
    /// More than the limit: nothing kept.
    TooLarge,
    /// Not there, not readable, a folder, or not UTF-8: the reason, ready
    /// to follow "cannot read `FILE`: ".
    Unreadable(String),
}

/// The UTF-8 text of the file at `path`, read whole, but never more than
/// `max` bytes: a file larger than that (a device such as `/dev/zero`
/// included, whose size the file system does not know) is
/// [`ReadError::TooLarge`] after `max + 1` bytes. A pipe or `/dev/stdin` is
/// read as a file.
pub fn read_text(path: &std::path::Path, max: u64) -> Result<String, ReadError> {
    use std::io::Read;
    let io = |e: std::io::Error| ReadError::Unreadable(e.to_string());
    let file = std::fs::File::open(path).map_err(io)?;
    if file.metadata().map_err(io)?.len() > max {
        return Err(ReadError::TooLarge);
    }
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge);
    }
    String::from_utf8(bytes).map_err(|e| {
        ReadError::Unreadable(format!(
            "it is not UTF-8 text ({})",
            not_utf8(e.as_bytes(), &e.utf8_error())
        ))
    })
}

/// Where `bytes` stop being UTF-8, for a person: `invalid byte 0xFF at line
/// 3, column 7` (the column counted in characters, as every location is).
fn not_utf8(bytes: &[u8], e: &std::str::Utf8Error) -> String {
    let valid = &bytes[..e.valid_up_to()];
    let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
    // The prefix is valid UTF-8, so this counts its characters.
    let col = std::str::from_utf8(&valid[line_start..]).map_or(0, |t| t.chars().count()) + 1;
    let byte = bytes.get(e.valid_up_to()).copied().unwrap_or(0);
    format!("invalid byte 0x{byte:02X} at line {line}, column {col}")
}
