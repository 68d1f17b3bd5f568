//! A run's time series for other tools (`capsim run --export FORMAT`), as
//! hyperfine's `export/`: one small trait ([`SeriesExporter`]) and one file
//! per format ([`openmetrics`]), each rendering the same typed rows the CSV
//! writer streamed ([`RecordedRun`]), never re-reading a CSV. A later format
//! is one file and one [`ExportFormat`] value.
//!
//! (`super::export` is the report's formats, HTML and Markdown, rendered
//! from a scenario's folder; these are a run's series, rendered from its
//! rows.)

pub mod openmetrics;

use std::io::{self, Write};
use std::path::Path;
use std::time::UNIX_EPOCH;

use super::atomic::AtomicFile;
use crate::metrics::{ComponentRow, MemorySink, ScalingTrace, Sink, WindowRow};
use crate::model::Model;

/// A format `--export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// OpenMetrics 1.0 text (`metrics.om`), for `promtool tsdb
    /// create-blocks-from openmetrics`.
    Openmetrics,
}

impl ExportFormat {
    /// The format's exporter.
    pub fn exporter(self) -> &'static dyn SeriesExporter {
        match self {
            ExportFormat::Openmetrics => &openmetrics::OpenMetrics,
        }
    }
}

/// The file of every format, which a run that does not write it removes
/// from its folder (it would describe an earlier run).
pub const FILES: [&str; 1] = [openmetrics::FILE];

/// A format of a run's series.
pub trait SeriesExporter {
    /// The file it writes into the run's folder (`metrics.om`).
    fn file_name(&self) -> &'static str;

    /// Writes the run's series in the format.
    fn write(&self, run: &RecordedRun, out: &mut dyn Write) -> io::Result<()>;
}

/// Where the run's simulated time 0 lies on the wall clock of the exported
/// series: nanoseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Epoch(pub u64);

impl Epoch {
    /// The default: 2026-01-01T00:00:00Z, fixed so that the same run always
    /// exports the same bytes, and in the past, where `promtool` backfills.
    pub const DEFAULT: Epoch = Epoch(1_767_225_600 * 1_000_000_000);

    /// `--epoch`'s value: RFC 3339 in UTC (`2026-01-01T00:00:00Z`, a
    /// fraction of a second allowed) or unix seconds (`1767225600`,
    /// `1767225600.5`).
    pub fn parse(s: &str) -> Result<Epoch, String> {
        let expected =
            "expected RFC 3339 in UTC, as 2026-01-01T00:00:00Z, or unix seconds, as 1767225600";
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return unix_seconds(s).ok_or_else(|| format!("`{s}`: {expected}"));
        }
        let t = humantime::parse_rfc3339(s).map_err(|e| format!("`{s}`: {e}; {expected}"))?;
        let ns = t
            .duration_since(UNIX_EPOCH)
            .map_err(|_| format!("`{s}`: before 1970; {expected}"))?
            .as_nanos();
        u64::try_from(ns)
            .map(Epoch)
            .map_err(|_| format!("`{s}`: after 2554, which nanoseconds since 1970 cannot hold"))
    }
}

/// `digits[.digits]` unix seconds as nanoseconds (at most 9 decimals).
fn unix_seconds(s: &str) -> Option<Epoch> {
    let (whole, frac) = match s.split_once('.') {
        Some((_, "")) => return None,
        Some(parts) => parts,
        None => (s, ""),
    };
    if whole.is_empty() || frac.len() > 9 || frac.contains('.') {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let frac: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse().ok()?
    };
    whole
        .checked_mul(1_000_000_000)?
        .checked_add(frac)
        .map(Epoch)
}

/// What `--export` asks of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// The formats, each once, in the order given.
    pub formats: Vec<ExportFormat>,
    /// Where the run's start lies.
    pub epoch: Epoch,
}

impl Export {
    /// The export of `formats` (repeats dropped) from `epoch` (the default
    /// without one); `None` without formats.
    pub fn of(formats: &[ExportFormat], epoch: Option<Epoch>) -> Option<Export> {
        let mut unique: Vec<ExportFormat> = Vec::new();
        for f in formats {
            if !unique.contains(f) {
                unique.push(*f);
            }
        }
        (!unique.is_empty()).then(|| Export {
            formats: unique,
            epoch: epoch.unwrap_or(Epoch::DEFAULT),
        })
    }

    /// Why `model`'s run cannot be exported, if it cannot: Prometheus keeps
    /// milliseconds, so two windows' ends must be a millisecond apart at
    /// least, and the last end must be a time the epoch can carry.
    pub fn problem(&self, model: &Model) -> Option<String> {
        const MS: u64 = 1_000_000;
        let window = model.window.nanos();
        let last = model.duration.nanos() % window;
        if window < MS || (last != 0 && last < MS) {
            return Some(format!(
                "`--export`: Prometheus keeps time in milliseconds, and {} ({}) has a window {} under 1ms: \
                 use a `window` of 1ms or more that leaves no shorter last window",
                model.name,
                model.variant,
                if window < MS { "of" } else { "ending" }
            ));
        }
        if self.epoch.0.checked_add(model.duration.nanos()).is_none() {
            return Some(format!(
                "`--epoch`: a run of {} from there ends after 2554, which nanoseconds since 1970 cannot hold",
                model.duration
            ));
        }
        None
    }
}

/// One run as the exporters read it: the rows its sink received, in order,
/// and what the run's result adds.
pub struct RecordedRun<'a> {
    /// The model that ran (names of the scenario, variant, classes,
    /// components and instances).
    pub model: &'a Model,
    /// Every window's row, in time order, with its per-class counts.
    pub windows: &'a [WindowRow],
    /// Every window's component rows, windows in time order.
    pub components: &'a [ComponentRow],
    /// The autoscaled pools' instances over time.
    pub scaling: &'a [ScalingTrace],
    /// Where the run's time 0 lies.
    pub epoch: Epoch,
}

/// A sink that streams each window into `sink` (the CSV files) and keeps
/// it in `rows` for the exports, which write every series whole and so
/// need the run's rows at its end.
pub struct Recording<'a> {
    /// Where rows stream to.
    pub sink: &'a mut dyn Sink,
    /// Every row, kept.
    pub rows: MemorySink,
}

impl Sink for Recording<'_> {
    fn window(&mut self, row: &WindowRow, components: &[ComponentRow]) -> io::Result<()> {
        self.sink.window(row, components)?;
        self.rows.window(row, components)
    }
}

/// Writes each format's file of `run` into `dir`, atomically.
pub fn write_exports(run: &RecordedRun, formats: &[ExportFormat], dir: &Path) -> io::Result<()> {
    for f in formats {
        let e = f.exporter();
        let mut file = AtomicFile::create(&dir.join(e.file_name()))?;
        e.write(run, &mut file)?;
        file.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_parse_from_rfc3339_and_unix_seconds() {
        assert_eq!(Epoch::parse("2026-01-01T00:00:00Z"), Ok(Epoch::DEFAULT));
        assert_eq!(Epoch::parse("1767225600"), Ok(Epoch::DEFAULT));
        assert_eq!(
            Epoch::parse("1767225600.25"),
            Ok(Epoch(Epoch::DEFAULT.0 + 250_000_000))
        );
        assert_eq!(
            Epoch::parse("2026-01-01T00:00:01.5Z"),
            Ok(Epoch(Epoch::DEFAULT.0 + 1_500_000_000))
        );
        for bad in [
            "",
            "yesterday",
            "1.2.3",
            "12.",
            ".5",
            "1767225600.0000000001",
            "2026-01-01",
        ] {
            assert!(Epoch::parse(bad).is_err(), "{bad}");
        }
        assert!(Epoch::parse("99999999999999999999").is_err());
    }

    #[test]
    fn repeated_formats_export_once() {
        let f = ExportFormat::Openmetrics;
        assert_eq!(Export::of(&[], None), None);
        let e = Export::of(&[f, f], None).unwrap();
        assert_eq!(e.formats, vec![f]);
        assert_eq!(e.epoch, Epoch::DEFAULT);
    }
}
