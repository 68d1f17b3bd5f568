//! Recorded inputs a scenario names by file: `rate: { trace: { file } }` (a
//! `time_s,rps` CSV) and `{ empirical: { file } }` distributions (one
//! duration a line). Paths are relative to the scenario file (to the working
//! directory for a scenario without one). Each file is read once per load,
//! whatever the number of variants, and its text joins the load's
//! [`Sources`], so a bad row is shown with a caret like a YAML error.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::ScenarioError;
use super::source::{ReadError, SourceId, Sources, Span, read_text};
use super::spec::parse_duration;
use crate::engine::{NANOS_PER_SEC, SimDuration};

/// Most rows of a trace: a per-second trace of eleven days.
pub const MAX_TRACE_ROWS: usize = 1_000_000;
/// Most values of an empirical distribution.
pub const MAX_EMPIRICAL_VALUES: usize = 10_000_000;
/// Largest file read as a recorded input (256 MiB).
const MAX_FILE_BYTES: u64 = 256 << 20;

/// A file read for this load: its name in messages, its text, and the id
/// its text will have in the load's sources.
struct Loaded {
    path: PathBuf,
    id: SourceId,
    name: String,
    text: Arc<str>,
}

/// The recorded inputs of one load: where relative paths start, and the
/// files read so far (added to the load's sources by [`Inputs::finish`]).
pub struct Inputs {
    base: Option<PathBuf>,
    /// The id the first file read will have.
    first_id: SourceId,
    loaded: RefCell<Vec<Loaded>>,
}

impl Inputs {
    /// Inputs resolved against `base` (the scenario file's folder; the
    /// working directory when `None`), whose texts will follow those already
    /// in `sources`.
    pub fn new(base: Option<&Path>, sources: &Sources) -> Inputs {
        Inputs::with_first_id(base, sources.len() as SourceId)
    }

    /// Inputs whose texts will get ids from `first_id` on.
    pub(crate) fn with_first_id(base: Option<&Path>, first_id: SourceId) -> Inputs {
        Inputs {
            base: base.map(Path::to_path_buf),
            first_id,
            loaded: RefCell::new(Vec::new()),
        }
    }

    /// Adds every text read to `sources`, in the order of their ids.
    pub fn finish(self, sources: &mut Sources) {
        for l in self.loaded.into_inner() {
            let id = sources.add(l.name, l.text);
            debug_assert_eq!(id, l.id);
        }
    }

    /// Whether `span` is in a file this load read.
    pub(crate) fn owns(&self, span: &Span) -> bool {
        span.source >= self.first_id
    }

    /// An error about a span of one of the files read, with no source to show
    /// it from: the location moves into the message.
    pub(crate) fn detach(&self, e: ScenarioError) -> ScenarioError {
        let Some(span) = e.span.filter(|s| self.owns(s)) else {
            return e;
        };
        let loaded = self.loaded.borrow();
        let name = loaded
            .iter()
            .find(|l| l.id == span.source)
            .map(|l| l.name.clone())
            .unwrap_or_default();
        ScenarioError {
            message: format!("{name}:{}:{}: {}", span.line, span.col, e.message),
            span: None,
            ..e
        }
    }

    /// Reads `file` (as written in the scenario): its id and text, or an
    /// error message (the caller locates it at the `file` key).
    fn read(&self, file: &str) -> Result<(SourceId, String, Arc<str>), String> {
        let path = match &self.base {
            Some(b) => b.join(file),
            None => PathBuf::from(file),
        };
        let name = path.display().to_string();
        if let Some(l) = self.loaded.borrow().iter().find(|l| l.path == path) {
            return Ok((l.id, l.name.clone(), l.text.clone()));
        }
        let meta = std::fs::metadata(&path).map_err(|e| format!("cannot read `{name}`: {e}"))?;
        if meta.is_dir() {
            return Err(format!("cannot read `{name}`: it is a folder"));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(format!(
                "`{name}` is {} MiB: recorded inputs are read whole, at most 256 MiB",
                meta.len() >> 20
            ));
        }
        let text = read_text(&path, MAX_FILE_BYTES).map_err(|e| match e {
            ReadError::TooLarge => format!(
                "`{name}` holds more than {} MiB: recorded inputs are read whole, at most {0} MiB",
                MAX_FILE_BYTES >> 20
            ),
            ReadError::Unreadable(why) => format!("cannot read `{name}`: {why}"),
        })?;
        let mut loaded = self.loaded.borrow_mut();
        let id = self
            .first_id
            .checked_add(loaded.len() as SourceId)
            .ok_or_else(|| format!("`{name}`: too many recorded input files"))?;
        let text: Arc<str> = text.into();
        loaded.push(Loaded {
            path,
            id,
            name: name.clone(),
            text: text.clone(),
        });
        Ok((id, name, text))
    }

    /// The rows `(time ns, rps)` of the trace `file`; `at_file` locates
    /// errors about the file as a whole (the `file` key).
    pub fn trace(
        &self,
        file: &str,
        at_file: impl Fn(String) -> ScenarioError,
        max_rate: f64,
        max_time: SimDuration,
    ) -> Result<Vec<(u64, f64)>, ScenarioError> {
        let (id, name, text) = self.read(file).map_err(&at_file)?;
        parse_trace(id, &name, &text, max_rate, max_time).map_err(|e| match e {
            Located::Row(e) => e,
            Located::File(m) => at_file(m),
        })
    }

    /// The values (ns) of the empirical distribution `file`.
    pub fn empirical(
        &self,
        file: &str,
        at_file: impl Fn(String) -> ScenarioError,
        max: SimDuration,
    ) -> Result<Vec<u64>, ScenarioError> {
        let (id, name, text) = self.read(file).map_err(&at_file)?;
        parse_empirical(id, &name, &text, max).map_err(|e| match e {
            Located::Row(e) => e,
            Located::File(m) => at_file(m),
        })
    }
}

/// An error in a row (located in the file), or about the file as a whole.
enum Located {
    Row(ScenarioError),
    File(String),
}

/// The lines of `text` that hold data: 1-based line number, byte offset of
/// the line, and the line without its end (`\r\n` or `\n`). Blank lines and
/// `#` comments are skipped; a leading byte-order mark is ignored.
fn data_lines(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut offset = 0;
    text.split('\n').enumerate().filter_map(move |(i, raw)| {
        let start = offset;
        offset += raw.len() + 1;
        let skip = if i == 0 { bom } else { 0 };
        let line = raw[skip..].strip_suffix('\r').unwrap_or(&raw[skip..]);
        let t = line.trim();
        (!t.is_empty() && !t.starts_with('#')).then_some((i + 1, start + skip, line))
    })
}

/// A span over `len` bytes from byte `at` of `line` (1-based), which starts
/// at byte `line_start` of the text.
fn span_in(
    id: SourceId,
    line: usize,
    line_start: usize,
    text: &str,
    at: usize,
    len: usize,
) -> Span {
    Span {
        source: id,
        start: line_start + at,
        end: line_start + at + len.max(1),
        line: line as u32,
        col: text[..at].chars().count() as u32 + 1,
    }
}

/// A field of a row: its text trimmed and its byte offset in the line.
fn fields(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut at = 0;
    for f in line.split(',') {
        let lead = f.len() - f.trim_start().len();
        out.push((at + lead, f.trim()));
        at += f.len() + 1;
    }
    out
}

/// Parses a trace: a `time_s,rps` header, then rows of seconds since the
/// start (strictly increasing, the first 0) and requests per second.
fn parse_trace(
    id: SourceId,
    name: &str,
    text: &str,
    max_rate: f64,
    max_time: SimDuration,
) -> Result<Vec<(u64, f64)>, Located> {
    let mut lines = data_lines(text);
    let Some((_, _, header)) = lines.next() else {
        return Err(Located::File(format!(
            "`{name}` is empty: a trace needs the header `time_s,rps` and at least one row"
        )));
    };
    let names: Vec<&str> = fields(header).into_iter().map(|(_, f)| f).collect();
    if names != ["time_s", "rps"] {
        // Nothing of the file is shown: a path to any readable file (say
        // `/etc/passwd`) must not print its first lines. Only a file that
        // starts like a trace is shown around its bad rows.
        let looks_like_row = names.first().is_some_and(|f| f.parse::<f64>().is_ok());
        let why = if looks_like_row {
            "its first line looks like a row, the header is missing"
        } else {
            "its first line is not that header"
        };
        return Err(Located::File(format!(
            "`{name}` is not a trace of the expected form, a CSV whose first line is the header \
             `time_s,rps` then one row per time (`0,120`): {why}"
        )));
    }
    let mut rows: Vec<(u64, f64)> = Vec::new();
    for (n, start, line) in lines {
        let at = |pos: usize, len: usize, message: String| {
            ScenarioError::at(span_in(id, n, start, line, pos, len), message)
        };
        let f = fields(line);
        if f.len() != 2 {
            let (pos, len) = match f.get(2) {
                Some(&(p, _)) => (p.saturating_sub(1), line.len() - p + 1),
                None => (0, line.len()),
            };
            return Err(Located::Row(
                at(pos, len, format!("a row of {} field(s)", f.len()))
                    .expected("two fields, `time_s,rps`, such as `60,250`"),
            ));
        }
        let (tpos, ttext) = f[0];
        let (rpos, rtext) = f[1];
        let time: f64 = ttext.parse().map_err(|_| {
            Located::Row(
                at(tpos, ttext.len(), format!("`{ttext}` is not a number"))
                    .expected("a time in seconds since the start, such as `60` or `0.5`"),
            )
        })?;
        if !time.is_finite() || time < 0.0 {
            return Err(Located::Row(
                at(tpos, ttext.len(), format!("a time of {ttext} seconds"))
                    .expected("a time of zero or more seconds"),
            ));
        }
        if time > max_time.as_secs_f64() {
            return Err(Located::Row(
                at(
                    tpos,
                    ttext.len(),
                    format!("a time of {ttext} seconds is too late to simulate"),
                )
                .expected("at most ten years"),
            ));
        }
        let ns = (time * NANOS_PER_SEC as f64).round() as u64;
        match rows.last() {
            None if ns != 0 => {
                return Err(Located::Row(
                    at(tpos, ttext.len(), format!("the first row is at {ttext} s"))
                        .expected("a first row at time 0: the trace says the rate from the start"),
                ));
            }
            Some(&(prev, _)) if ns <= prev => {
                return Err(Located::Row(
                    at(
                        tpos,
                        ttext.len(),
                        format!(
                            "a time of {ttext} s after {} s: times are not increasing",
                            prev as f64 / NANOS_PER_SEC as f64
                        ),
                    )
                    .expected("strictly increasing times, one row per time"),
                ));
            }
            _ => {}
        }
        let rps: f64 = rtext.parse().map_err(|_| {
            Located::Row(
                at(rpos, rtext.len(), format!("`{rtext}` is not a number"))
                    .expected("requests per second, such as `250` or `12.5`"),
            )
        })?;
        if !rps.is_finite() || rps < 0.0 {
            return Err(Located::Row(
                at(
                    rpos,
                    rtext.len(),
                    format!("a rate of {rtext} requests per second"),
                )
                .expected("zero or more requests per second"),
            ));
        }
        if rps > max_rate {
            return Err(Located::Row(
                at(
                    rpos,
                    rtext.len(),
                    format!("{rtext} requests per second is too many to simulate"),
                )
                .expected("at most 100 million per second"),
            ));
        }
        if rows.len() == MAX_TRACE_ROWS {
            return Err(Located::Row(
                at(0, line.len(), format!("more than {MAX_TRACE_ROWS} rows")).expected(format!(
                    "at most {MAX_TRACE_ROWS} rows (per minute, not per second, for long traces)"
                )),
            ));
        }
        rows.push((ns, rps));
    }
    if rows.is_empty() {
        return Err(Located::File(format!(
            "`{name}` has a header but no rows: a trace needs at least one `time_s,rps` row"
        )));
    }
    if rows.iter().all(|&(_, r)| r == 0.0) {
        return Err(Located::File(format!(
            "every row of `{name}` has a rate of zero: nothing would be sent"
        )));
    }
    Ok(rows)
}

/// Parses an empirical distribution: one duration with its unit a line.
fn parse_empirical(
    id: SourceId,
    name: &str,
    text: &str,
    max: SimDuration,
) -> Result<Vec<u64>, Located> {
    let mut values = Vec::new();
    for (n, start, line) in data_lines(text) {
        let lead = line.len() - line.trim_start().len();
        let t = line.trim();
        let at = |message: String| {
            ScenarioError::at(span_in(id, n, start, line, lead, t.len()), message)
        };
        let d = match parse_duration(t) {
            Ok(d) => d,
            // As with a trace's header: a file whose first value is no
            // duration is not shown, whatever it holds.
            Err(_) if values.is_empty() => {
                return Err(Located::File(format!(
                    "`{name}` is not an empirical distribution of the expected form, one duration \
                     with its unit a line (`12ms`): its first line is not a duration"
                )));
            }
            Err(m) => {
                return Err(Located::Row(
                    at(m).expected("one duration with its unit a line, such as `12ms`"),
                ));
            }
        };
        if d > max {
            return Err(Located::Row(
                at(format!("{d} is too long to simulate")).expected("at most one year"),
            ));
        }
        if values.len() == MAX_EMPIRICAL_VALUES {
            return Err(Located::Row(
                at(format!("more than {MAX_EMPIRICAL_VALUES} values")).expected(format!(
                    "at most {MAX_EMPIRICAL_VALUES} values (a random subset keeps the shape)"
                )),
            ));
        }
        values.push(d.nanos());
    }
    if values.is_empty() {
        return Err(Located::File(format!(
            "`{name}` has no values: an empirical distribution needs at least one duration (`12ms`) a line"
        )));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace(text: &str) -> Result<Vec<(u64, f64)>, String> {
        parse_trace(0, "t.csv", text, 1e8, SimDuration::from_secs(1_000_000)).map_err(|e| match e {
            Located::Row(e) => format!(
                "{}:{}: {}",
                e.span.unwrap().line,
                e.span.unwrap().col,
                e.message
            ),
            Located::File(m) => m,
        })
    }

    #[test]
    fn traces_parse_and_bad_rows_are_located() {
        assert_eq!(
            trace("\u{feff}time_s,rps\r\n0,10\r\n# pause\r\n\r\n60, 2.5\r\n").unwrap(),
            vec![(0, 10.0), (60 * NANOS_PER_SEC, 2.5)]
        );
        assert!(trace("").unwrap_err().contains("is empty"));
        assert!(trace("time_s,rps\n").unwrap_err().contains("no rows"));
        assert!(
            trace("0,10\n")
                .unwrap_err()
                .contains("the header is missing")
        );
        // Nothing of a file not of the expected form is told.
        let e = trace("root:x:0:0:root:/root:/bin/bash\n0,1\n").unwrap_err();
        assert!(
            e.contains("`t.csv` is not a trace of the expected form"),
            "{e}"
        );
        assert!(!e.contains("root"), "{e}");
        assert_eq!(
            trace("time_s,rps\n0,1\n1,x\n").unwrap_err(),
            "3:3: `x` is not a number"
        );
        assert_eq!(
            trace("time_s,rps\n0,1\n1, -4\n").unwrap_err(),
            "3:4: a rate of -4 requests per second"
        );
        assert!(
            trace("time_s,rps\n0,1\n5,1\n5,2\n")
                .unwrap_err()
                .starts_with("4:1: a time of 5 s after 5 s")
        );
        assert!(
            trace("time_s,rps\n1,1\n")
                .unwrap_err()
                .contains("first row")
        );
        assert!(
            trace("time_s,rps\n0,1,2\n")
                .unwrap_err()
                .starts_with("2:4: a row of 3")
        );
        assert!(
            trace("time_s,rps\n0,0\n")
                .unwrap_err()
                .contains("rate of zero")
        );
    }

    #[test]
    fn empirical_values_parse_and_bad_lines_are_located() {
        let ok = parse_empirical(
            0,
            "e.txt",
            "# ms\n12ms\n\n 1.5s\n",
            SimDuration::from_secs(10),
        );
        assert!(matches!(ok, Ok(v) if v == vec![12_000_000, 1_500_000_000]));
        match parse_empirical(0, "e.txt", "12ms\n  7\n", SimDuration::from_secs(10)) {
            Err(Located::Row(e)) => {
                let s = e.span.unwrap();
                assert_eq!((s.line, s.col), (2, 3));
                assert!(e.message.contains("no unit"), "{}", e.message);
            }
            _ => panic!("expected a located error"),
        }
        assert!(matches!(
            parse_empirical(0, "e.txt", "# nothing\n", SimDuration::from_secs(1)),
            Err(Located::File(m)) if m.contains("no values")
        ));
        assert!(matches!(
            parse_empirical(0, "e.txt", "root:x:0:0\n12ms\n", SimDuration::from_secs(1)),
            Err(Located::File(m)) if m.contains("`e.txt` is not an empirical distribution") && !m.contains("root")
        ));
    }
}
