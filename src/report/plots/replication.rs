//! `replication.png`, written only with a database of another topology
//! than primary and replicas (`multi_primary`, `ring`, `quorum`): per such
//! database (the two busiest when there are more), over time, the conflicts
//! and lost updates per second (with `quorum`: the calls failed for want of
//! live nodes), the share of the reads that were stale, and each node's
//! mean apply lag, so that a split brain's pile of conflicts, a broken
//! ring's growing staleness or a lost quorum's failures show at a glance.
//! What replication did (split brain held and resumed, ring broken and
//! repaired, quorum lost and regained) is marked across it, beside the
//! run's faults and rate changes, as on every time plot.

use std::io;
use std::path::PathBuf;

use plotters::prelude::RGBColor;

use super::chart;
use super::data::{Agg, Downsampler, MAX_POINTS, Series};
use super::figure::{self, Block, Layer, Panel, TimeFigure, YAxis};
use super::markers::Marker;
use super::run::{Ctx, num_label, pct_label, per_point, points_note};
use super::style::*;
use crate::metrics::{LoggedEvent, ReplicationResult, ReplicationTotals};
use crate::model::{ComponentId, Model, Topology};
use crate::report::replication::{PLOT, replication_clause};

/// Most databases drawn in one image: each needs three panels of readable
/// height.
const MAX_DATABASES: usize = 2;
/// Nodes drawn one lag line each; past this the database's mean lag is a
/// line over a band from the least to the most lagging node.
const MAX_NODE_LINES: usize = 8;

/// A band between the least and the most lagging node: a light tint,
/// distinct from the warm-up's grey.
const BAND: RGBColor = RGBColor(200, 222, 240);

const CONFLICTS: RGBColor = OI_VERMILLION;
const LOST: RGBColor = OI_PURPLE;
const UNAVAILABLE: RGBColor = OI_ORANGE;
const STALE: RGBColor = OI_BLUE;

/// Columns of a database's whole (`*`) series.
const CONFLICTS_PS: usize = 0;
const LOST_PS: usize = 1;
const UNAVAILABLE_PS: usize = 2;
const STALE_SHARE: usize = 3;

/// Columns of a database's lag spread: the `*` mean, the least and the most
/// lagging node.
const LAG_MEAN: usize = 0;
const LAG_LEAST: usize = 1;
const LAG_MOST: usize = 2;

/// One database's series, downsampled.
struct DbSeries<'a> {
    name: &'a str,
    totals: &'a ReplicationTotals,
    /// Its nodes' names (`shard0.node1`), by index.
    nodes: Vec<String>,
    /// Per window of its `*` rows: conflicts, lost updates and unavailable
    /// calls per second, and stale reads over reads (a gap without reads).
    whole: Series<4>,
    /// Per node, its mean apply lag (ms) per window (a gap when it applied
    /// nothing).
    lags: Vec<Series<1>>,
    /// The `*` row's mean lag, and the least and most lagging node's.
    spread: Series<3>,
    /// Windows of its `*` rows.
    windows: usize,
}

/// A database's rows folded as they come (in window order, each window's
/// nodes then `*`).
struct Acc {
    whole: Downsampler<4>,
    lags: Vec<Downsampler<1>>,
    spread: Downsampler<3>,
    /// The least and most lag of the current window's nodes.
    open: (f64, f64),
    half: f64,
    windows: usize,
}

impl Acc {
    fn new(nodes: usize) -> Acc {
        Acc {
            whole: Downsampler::new([Agg::Mean; 4], MAX_POINTS),
            lags: (0..nodes)
                .map(|_| Downsampler::new([Agg::Mean], MAX_POINTS))
                .collect(),
            spread: Downsampler::new([Agg::Mean, Agg::Min, Agg::Max], MAX_POINTS),
            open: (f64::INFINITY, f64::NEG_INFINITY),
            half: 0.0,
            windows: 0,
        }
    }
}

/// The series of each database of `result`'s totals, in their order.
fn series<'a>(model: &'a Model, result: &'a ReplicationResult) -> Vec<DbSeries<'a>> {
    let ids: Vec<ComponentId> = result.totals.iter().map(|t| t.component).collect();
    let names: Vec<Vec<String>> = ids.iter().map(|&id| model.instance_names(id)).collect();
    let mut accs: Vec<Acc> = names.iter().map(|n| Acc::new(n.len())).collect();
    for r in &result.rows {
        let Some(k) = ids.iter().position(|&id| id == r.component) else {
            continue;
        };
        let a = &mut accs[k];
        let t = r.start.as_secs_f64();
        let lag = r.lag_ms.unwrap_or(f64::NAN);
        match r.node {
            Some(i) => {
                let i = i as usize;
                while a.lags.len() <= i {
                    a.lags.push(Downsampler::new([Agg::Mean], MAX_POINTS));
                }
                a.lags[i].push(t, &[lag]);
                if lag.is_finite() {
                    a.open = (a.open.0.min(lag), a.open.1.max(lag));
                }
            }
            None => {
                let secs = r.len.as_secs_f64();
                let rate = |n: u64| {
                    if secs > 0.0 {
                        n as f64 / secs
                    } else {
                        f64::NAN
                    }
                };
                let stale = if r.reads == 0 {
                    f64::NAN
                } else {
                    r.stale_reads as f64 / r.reads as f64
                };
                a.whole.push(
                    t,
                    &[
                        r.conflicts.map_or(f64::NAN, rate),
                        r.lost_updates.map_or(f64::NAN, rate),
                        rate(r.unavailable),
                        stale,
                    ],
                );
                let (least, most) = if a.open.0 <= a.open.1 {
                    a.open
                } else {
                    (f64::NAN, f64::NAN)
                };
                a.spread.push(t, &[lag, least, most]);
                a.open = (f64::INFINITY, f64::NEG_INFINITY);
                a.half = secs / 2.0;
                a.windows += 1;
            }
        }
    }
    result
        .totals
        .iter()
        .zip(names)
        .zip(accs)
        .map(|((totals, nodes), a)| DbSeries {
            name: model
                .components
                .get(totals.component as usize)
                .map_or("", |c| c.name.as_str()),
            totals,
            nodes,
            whole: a.whole.finish(a.half),
            lags: a.lags.into_iter().map(|d| d.finish(a.half)).collect(),
            spread: a.spread.finish(a.half),
            windows: a.windows,
        })
        .collect()
}

/// Whether a database's first panel draws its unavailable calls: always
/// with `quorum`, with the others when some call was.
fn shows_unavailable(db: &DbSeries) -> bool {
    matches!(db.totals.topology, Topology::Quorum { .. })
        || db.whole.max(UNAVAILABLE_PS).is_some_and(|m| m > 0.0)
}

/// The upper panel: conflicts and lost updates per second (writers), the
/// calls unavailable per second (quorum, or when some were).
fn rates_panel<'a>(db: &DbSeries<'a>) -> Panel<'a> {
    let writers = db.totals.topology.has_writers();
    let mut cols: Vec<(usize, RGBColor)> = Vec::new();
    if writers {
        cols.push((CONFLICTS_PS, CONFLICTS));
        cols.push((LOST_PS, LOST));
    }
    if shows_unavailable(db) {
        cols.push((UNAVAILABLE_PS, UNAVAILABLE));
    }
    let max = cols
        .iter()
        .filter_map(|&(c, _)| db.whole.max(c))
        .reduce(f64::max)
        .filter(|m| *m > 0.0);
    // The legend says which line is which; the name must fit a short panel.
    let panel = Panel::new(
        0.32,
        YAxis::Linear(chart::y_linear(max)),
        "per second",
        &num_label,
    );
    match max {
        None if writers => panel.with(Layer::note("no conflicts and no lost updates")),
        None => panel.with(Layer::note("no call unavailable")),
        Some(_) => panel.with_all(
            cols.into_iter()
                .map(|(c, color)| Layer::line(db.whole.points(c), color, 2))
                .collect::<Vec<_>>(),
        ),
    }
}

/// The middle panel: the share of the reads that were stale.
fn stale_panel<'a>(db: &DbSeries<'a>) -> Panel<'a> {
    let max = db.whole.max(STALE_SHARE);
    let panel = Panel::new(
        0.28,
        YAxis::Linear(chart::y_linear(max.filter(|m| *m > 0.0))),
        "stale",
        &pct_label,
    );
    match max {
        None => panel.with(Layer::note("no reads")),
        Some(m) if m <= 0.0 => panel.with(Layer::note("no stale reads")),
        Some(_) => panel.with(Layer::line(db.whole.points(STALE_SHARE), STALE, 2)),
    }
}

/// The lower panel: each node's mean apply lag (or, with many nodes, the
/// database's mean over the band of its nodes); and the block's legend of
/// its nodes.
fn lag_panel<'a>(db: &DbSeries<'a>) -> (Panel<'a>, Vec<Entry>) {
    let lines = db.lags.len() <= MAX_NODE_LINES;
    let max = if lines {
        db.lags.iter().filter_map(|s| s.max(0)).reduce(f64::max)
    } else {
        [LAG_MEAN, LAG_MOST]
            .iter()
            .filter_map(|&c| db.spread.max(c))
            .reduce(f64::max)
    };
    let y = chart::y_linear(max);
    let top = y.range_end();
    let panel = Panel::new(0.40, YAxis::Linear(y), "apply lag (ms)", &num_label);
    let name = |i: usize| db.nodes.get(i).cloned().unwrap_or_else(|| i.to_string());
    if max.is_none() {
        let note = if matches!(db.totals.topology, Topology::Quorum { .. }) {
            // Its nodes are written directly: no write reaches one later.
            "no apply lag: a quorum's nodes are written directly"
        } else {
            "no write applied from another node"
        };
        return (panel.with(Layer::note(note)), Vec::new());
    }
    if lines {
        let legend = (0..db.lags.len())
            .map(|i| Entry::new(name(i), Swatch::Line(series_color(i), 2)))
            .collect();
        let layers: Vec<Layer> = db
            .lags
            .iter()
            .enumerate()
            .map(|(i, s)| Layer::fixed_line(s.points(0), move |v| v.min(top), series_color(i), 2))
            .collect();
        return (panel.with_all(layers), legend);
    }
    let legend = vec![
        Entry::new("mean of all nodes", Swatch::Line(OI_BLUE, 2)),
        Entry::new(
            format!("least to most lagging of {} nodes", db.lags.len()),
            Swatch::Fill(BAND),
        ),
    ];
    let panel = panel
        .with(Layer::Band {
            lo: db.spread.points(LAG_LEAST).collect(),
            hi: db.spread.points(LAG_MOST).collect(),
            top,
            color: BAND,
        })
        .with(Layer::fixed_line(
            db.spread.points(LAG_MEAN),
            move |v| v.min(top),
            OI_BLUE,
            2,
        ));
    (panel, legend)
}

/// One database's block: its caption (its name and totals), its nodes'
/// legend (the lower panel's lines), its three panels.
fn block<'a>(db: &DbSeries<'a>, warmup: bool) -> Block<'a> {
    let (lag, legend) = lag_panel(db);
    let after = if warmup { ", after warm-up" } else { "" };
    Block {
        caption: Some(format!(
            "{} — {}{after}",
            db.name,
            replication_clause(db.totals)
        )),
        legend,
        x_labels: true,
        panels: vec![rates_panel(db), stale_panel(db), lag],
    }
}

/// Writes `replication.png` into the run's folder, atomically: per such
/// database (the two busiest by writes and reads when there are more), its
/// conflicts, lost updates or unavailable calls per second, its stale share
/// of reads and its nodes' apply lag; the run's markers (`input.markers`)
/// and what replication did (`log`) across them.
pub(crate) fn write(
    input: &super::RunPlots,
    model: &Model,
    result: &ReplicationResult,
    log: &[LoggedEvent],
) -> io::Result<PathBuf> {
    let ctx = Ctx::of_run(
        input,
        input.duration.as_secs_f64(),
        Marker::replication(log),
    );
    let mut dbs = series(model, result);
    let all = dbs.len();
    if all > MAX_DATABASES {
        // The busiest first, the model's order among equals.
        dbs.sort_by_key(|d| std::cmp::Reverse(d.totals.writes + d.totals.reads));
        dbs.truncate(MAX_DATABASES);
    }
    let mut title = ctx.title("Replication");
    if all > MAX_DATABASES {
        title.push_str(&format!(" — {MAX_DATABASES} busiest of {all} databases"));
    }
    let windows = dbs.iter().map(|d| d.windows).max().unwrap_or(0);
    let points = dbs.first().map_or(0, |d| d.whole.x.len());
    let subtitle = format!(
        "per window: conflicts and lost updates per second (quorum: calls unavailable), the \
         share of reads that were stale, each node's mean apply lag{}",
        points_note(per_point(windows, points), "mean")
    );
    let mut legend = Vec::new();
    if dbs.iter().any(|d| d.totals.topology.has_writers()) {
        legend.push(Entry::new("conflicts/s", Swatch::Line(CONFLICTS, 2)));
        legend.push(Entry::new("lost updates/s", Swatch::Line(LOST, 2)));
    }
    if dbs.iter().any(shows_unavailable) {
        legend.push(Entry::new(
            "unavailable calls/s",
            Swatch::Line(UNAVAILABLE, 2),
        ));
    }
    legend.push(Entry::new("stale share of reads", Swatch::Line(STALE, 2)));
    let warmup = ctx.warmup > 0.0;
    let fig = TimeFigure {
        title,
        subtitle,
        legend,
        blocks: dbs.iter().map(|d| block(d, warmup)).collect(),
    };
    figure::draw(&input.dir.join(PLOT), fig, &ctx.timeline())
}
