//! `calls.png`, written only with [flow] calls (`parallel`, `hedge`,
//! `pool`, `bulkhead`): per window, for each call entry with such options
//! (the eight busiest when there are more), what its options cost or
//! saved: the hedges and abandoned calls per call made (a hedge that fires
//! too often, a fan-out that wastes its branches), the mean wait for a pool
//! connection (a pool too small for the load), and the calls a bulkhead
//! rejected per second. A panel is drawn only when some entry has what it
//! shows, so that a run of pools alone is not two empty panels and one
//! line. Drawn from the run's rows, as `calls.csv` is written.

use std::io;
use std::path::PathBuf;

use super::chart;
use super::data::{Agg, Downsampler, MAX_POINTS, Series};
use super::figure::{self, Block, Layer, Panel, TimeFigure, YAxis};
use super::run::{Ctx, num_label, per_point, points_note};
use super::style::*;
use crate::metrics::{CallEntry, CallRow, FlowResult};
use crate::model::Model;
use crate::report::flow::{
    EntryKind, PLOT, abandoned_per_call, entry_index, entry_totals, hedge_rate,
};

/// Most entries drawn: one colour each, and a legend that fits.
const MAX_ENTRIES: usize = 8;

/// Columns of an entry's series.
const HEDGES_PER_CALL: usize = 0;
const ABANDONED_PER_CALL: usize = 1;
const POOL_WAIT_MS: usize = 2;
const REJECTED_PS: usize = 3;

/// One entry's series, downsampled.
struct EntrySeries<'a> {
    /// `gw -> search hedge 50ms`.
    label: String,
    kind: EntryKind,
    /// Over the whole run (for the busiest and what applies).
    whole: CallRow,
    /// Per window: hedges and abandoned calls per call made (gaps without
    /// calls), the mean pool wait per call sent in ms (a gap when none was
    /// sent), bulkhead rejections per second.
    s: Series<4>,
    entry: &'a CallEntry,
}

impl EntrySeries<'_> {
    /// Whether the per-call panel draws it: it hedges, fans out, or
    /// abandoned some call (past a timeout).
    fn per_call(&self) -> bool {
        self.kind.hedge || self.kind.parallel || self.whole.abandoned > 0
    }
}

/// The series of each entry of `result`, in entry order; the windows read.
fn series<'a>(model: &Model, result: &'a FlowResult) -> (Vec<EntrySeries<'a>>, usize) {
    let n = result.entries.len();
    let mut ds: Vec<Downsampler<4>> = (0..n)
        .map(|_| Downsampler::new([Agg::Mean; 4], MAX_POINTS))
        .collect();
    let mut half = 0.0;
    let mut windows = vec![0usize; n];
    for r in &result.rows {
        let Some(k) = entry_index(result, r) else {
            continue;
        };
        let secs = r.len.as_secs_f64();
        let rejected = if secs > 0.0 {
            r.bulkhead_rejected as f64 / secs
        } else {
            f64::NAN
        };
        ds[k].push(
            r.start.as_secs_f64(),
            &[
                hedge_rate(r).unwrap_or(f64::NAN),
                abandoned_per_call(r).unwrap_or(f64::NAN),
                r.pool_wait_ms().unwrap_or(f64::NAN),
                rejected,
            ],
        );
        half = secs / 2.0;
        windows[k] += 1;
    }
    let whole = entry_totals(result, crate::engine::SimDuration::ZERO);
    let out = whole
        .into_iter()
        .zip(ds)
        .map(|((entry, whole), d)| {
            let caller = model
                .components
                .get(entry.caller as usize)
                .map_or("", |c| c.name.as_str());
            EntrySeries {
                label: format!("{caller} -> {} {}", entry.to, entry.options),
                kind: EntryKind::of(model, entry),
                whole,
                s: d.finish(half),
                entry,
            }
        })
        .collect();
    (out, windows.into_iter().max().unwrap_or(0))
}

/// The largest finite value of column `col` among `entries`.
fn max_of<'e, 'a: 'e>(
    entries: impl Iterator<Item = &'e EntrySeries<'a>>,
    col: usize,
) -> Option<f64> {
    entries.filter_map(|e| e.s.max(col)).reduce(f64::max)
}

/// The upper panel: each entry's hedges (solid) and abandoned calls
/// (dashed) per call made.
fn per_call_panel<'a>(entries: &'a [EntrySeries<'a>]) -> Panel<'a> {
    let shown = || entries.iter().filter(|e| e.per_call());
    let max = max_of(shown(), HEDGES_PER_CALL)
        .into_iter()
        .chain(max_of(shown(), ABANDONED_PER_CALL))
        .reduce(f64::max)
        .filter(|m| *m > 0.0);
    let panel = Panel::new(
        0.4,
        YAxis::Linear(chart::y_linear(max)),
        "per call made",
        &num_label,
    );
    if max.is_none() {
        return panel.with(Layer::note("no call hedged or abandoned"));
    }
    let mut layers = Vec::new();
    for (i, e) in entries.iter().enumerate().filter(|(_, e)| e.per_call()) {
        let color = series_color(i);
        layers.push(Layer::dashed(e.s.points(ABANDONED_PER_CALL), color));
        if e.kind.hedge {
            layers.push(Layer::line(e.s.points(HEDGES_PER_CALL), color, 2));
        }
    }
    panel.with_all(layers)
}

/// A panel of column `col` of the entries `of` selects, one line each in
/// the entry's colour; `empty` noted when nothing is above zero.
fn lines_panel<'a>(
    entries: &'a [EntrySeries<'a>],
    of: fn(&EntrySeries) -> bool,
    col: usize,
    y_desc: &'a str,
    empty: &str,
) -> Panel<'a> {
    let max = max_of(entries.iter().filter(|e| of(e)), col).filter(|m| *m > 0.0);
    let panel = Panel::new(0.3, YAxis::Linear(chart::y_linear(max)), y_desc, &num_label);
    if max.is_none() {
        return panel.with(Layer::note(empty));
    }
    panel.with_all(
        entries
            .iter()
            .enumerate()
            .filter(|(_, e)| of(e))
            .map(|(i, e)| Layer::line(e.s.points(col), series_color(i), 2))
            .collect::<Vec<_>>(),
    )
}

/// Writes `calls.png` into the run's folder, atomically: the panels that
/// apply to `result`'s entries (the [`MAX_ENTRIES`] busiest by calls made
/// when there are more), the run's markers (`input.markers`) across them.
pub(crate) fn write(
    input: &super::RunPlots,
    model: &Model,
    result: &FlowResult,
) -> io::Result<PathBuf> {
    let ctx = Ctx::of_run(input, input.duration.as_secs_f64(), Vec::new());
    let (mut entries, windows) = series(model, result);
    let all = entries.len();
    if all > MAX_ENTRIES {
        // The busiest first (a stable sort: entry order among equals),
        // then back in entry order so that colours follow the model.
        entries.sort_by_key(|e| std::cmp::Reverse(e.whole.made));
        entries.truncate(MAX_ENTRIES);
        entries.sort_by_key(|e| (e.entry.caller, e.entry.entry));
    }
    let mut title = ctx.title("Calls");
    if all > MAX_ENTRIES {
        title.push_str(&format!(" — {MAX_ENTRIES} busiest of {all} entries"));
    }
    let mut legend: Vec<Entry> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| Entry::new(e.label.clone(), Swatch::Line(series_color(i), 2)))
        .collect();
    let mut panels = Vec::new();
    let mut shows = Vec::new();
    if entries.iter().any(EntrySeries::per_call) {
        panels.push(per_call_panel(&entries));
        if entries.iter().any(|e| e.kind.hedge) {
            legend.push(Entry::new("hedges per call", Swatch::Line(TEXT, 2)));
        }
        legend.push(Entry::new("abandoned per call", Swatch::Dashed(TEXT)));
        shows.push("hedges and abandoned calls per call made");
    }
    if entries.iter().any(|e| e.kind.pool) {
        panels.push(lines_panel(
            &entries,
            |e| e.kind.pool,
            POOL_WAIT_MS,
            "pool wait (ms)",
            "no call waited for a connection",
        ));
        shows.push("the mean wait for a pool connection per call sent");
    }
    if entries.iter().any(|e| e.kind.bulkhead) {
        panels.push(lines_panel(
            &entries,
            |e| e.kind.bulkhead,
            REJECTED_PS,
            "bulkhead rejected/s",
            "no call rejected by a bulkhead",
        ));
        shows.push("calls a bulkhead rejected per second");
    }
    if panels.is_empty() {
        // Entries the model does not describe: say so rather than draw
        // an image without panels.
        panels.push(
            Panel::new(1.0, YAxis::Linear(chart::y_linear(None)), "", &num_label)
                .with(Layer::note("no hedge, parallel call, pool or bulkhead")),
        );
    }
    let points = entries.first().map_or(0, |e| e.s.x.len());
    let subtitle = format!(
        "per window and call entry: {}{}",
        shows.join("; "),
        points_note(per_point(windows, points), "mean")
    );
    let fig = TimeFigure {
        title,
        subtitle,
        legend,
        blocks: vec![Block::of(panels)],
    };
    figure::draw(&input.dir.join(PLOT), fig, &ctx.timeline())
}
