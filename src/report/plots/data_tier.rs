//! The plots of a run's data tier, each written only when the run has that
//! kind of component: `hit_ratio.png` (caches), `shard_load.png`
//! (databases), `replication_lag.png` (databases with replicas) and
//! `queue_backlog.png` (queues). Same look as the other time plots: title,
//! a subtitle saying what to look at, a legend band, the warm-up shaded,
//! rate changes marked, time along the whole width.

use std::io;
use std::path::{Path, PathBuf};

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::chart::{self, Ticked};
use super::data::{self, CacheSeries, DataTier, DatabaseSeries, QueueSeries, Series};
use super::figure::{self, Block, Layer, Panel, TimeFigure, YAxis};
use super::run::{Ctx, num_label, pct_label, per_point, points_note};
use super::style::*;

/// File names, in the order they are written.
const HIT_RATIO: &str = "hit_ratio.png";
const SHARD_LOAD: &str = "shard_load.png";
const REPLICATION_LAG: &str = "replication_lag.png";
const QUEUE_BACKLOG: &str = "queue_backlog.png";

/// Most databases drawn in one image: each needs two panels of readable
/// height.
const MAX_DATABASES: usize = 2;
/// Shards drawn one line each; past this the hottest [`HOTTEST`] are lines
/// and the others a band.
const MAX_SHARD_LINES: usize = 8;
/// Shards drawn as lines when there are too many for all.
const HOTTEST: usize = 4;

/// A band around the other shards or between the fastest and slowest
/// replica: a light tint, distinct from the warm-up's grey, with lines
/// drawn over it.
const BAND: RGBColor = RGBColor(200, 222, 240);

/// Writes the data-tier plots the run has components for; none without a
/// data tier.
pub(crate) fn write_all(dir: &Path, ctx: &Ctx, tier: &DataTier) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if !tier.caches.is_empty() {
        out.push(hit_ratio(
            &dir.join(HIT_RATIO),
            ctx,
            &tier.caches,
            tier.windows,
        )?);
    }
    if !tier.databases.is_empty() {
        out.push(shard_load(
            &dir.join(SHARD_LOAD),
            ctx,
            &tier.databases,
            tier.windows,
        )?);
    }
    let replicated: Vec<&DatabaseSeries> =
        tier.databases.iter().filter(|d| d.replicas > 0).collect();
    if !replicated.is_empty() {
        out.push(replication_lag(
            &dir.join(REPLICATION_LAG),
            ctx,
            &replicated,
            tier.windows,
        )?);
    }
    if !tier.queues.is_empty() {
        out.push(queue_backlog(
            &dir.join(QUEUE_BACKLOG),
            ctx,
            &tier.queues,
            tier.windows,
        )?);
    }
    Ok(out)
}

/// A share from 0 to 100% (a little headroom so that 100% stays visible).
fn share_axis() -> Ticked<RangedCoordf64> {
    Ticked::linear(0.0..1.08, vec![0.0, 0.25, 0.5, 0.75, 1.0])
}

/// The largest finite value of some columns of several series.
fn max_of<'s, const N: usize>(
    series: impl IntoIterator<Item = &'s Series<N>>,
    cols: &[usize],
) -> Option<f64> {
    series
        .into_iter()
        .flat_map(|s| cols.iter().filter_map(|&c| s.max(c)))
        .reduce(f64::max)
}

/// "after warm-up" when there is one, to say what a figure counts.
fn after_warmup(ctx: &Ctx) -> &'static str {
    if ctx.warmup > 0.0 {
        " after warm-up"
    } else {
        ""
    }
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

/// Points per series of the first of `series`.
fn points_of<const N: usize>(series: Option<&Series<N>>) -> usize {
    series.map_or(0, |s| s.x.len())
}

/// `hit_ratio.png`: each cache's hit ratio per window, the misses per second
/// (the load passed on to the data's owner) below.
pub(crate) fn hit_ratio(
    path: &Path,
    ctx: &Ctx,
    caches: &[CacheSeries],
    windows: usize,
) -> io::Result<PathBuf> {
    let ratios: Vec<Vec<(f64, f64)>> = caches.iter().map(CacheSeries::hit_ratio).collect();
    let any_lookup = ratios.iter().flatten().any(|p| p.1.is_finite());
    let miss_max = max_of(caches.iter().map(|c| &c.series), &[data::MISSES_PS]);
    let subtitle = format!(
        "hits / lookups of each cache per window, all its nodes together: a cold cache climbs \
         as it fills; below, the misses passed on to the data's owner{}",
        points_note(
            per_point(windows, points_of(caches.first().map(|c| &c.series))),
            "mean"
        )
    );
    let legend: Vec<Entry> = caches
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let text = match c.ratio_after() {
                Some(r) => format!("{}: hit ratio {}{}", c.name, pct(r), after_warmup(ctx)),
                None => format!("{}: no lookups", c.name),
            };
            Entry::new(text, Swatch::Line(series_color(i), 2))
        })
        .collect();
    let mut upper = Panel::new(
        0.62,
        YAxis::Linear(share_axis()),
        "hit ratio (hits / lookups)",
        &pct_label,
    );
    if !any_lookup {
        upper = upper.with(Layer::note("no lookups"));
    }
    let upper = upper.with_all(
        ratios
            .into_iter()
            .enumerate()
            .map(|(i, r)| Layer::fixed_line(r, |v| v.clamp(0.0, 1.08), series_color(i), 2)),
    );
    let lower = Panel::new(
        0.38,
        YAxis::Linear(chart::y_linear(miss_max)),
        "misses per second",
        &num_label,
    );
    let lower = if miss_max.is_none_or(|m| m <= 0.0) {
        // A line along the axis would only hide it.
        lower.with(Layer::note("no misses"))
    } else {
        lower.with_all(caches.iter().enumerate().map(|(i, cache)| {
            Layer::line(cache.series.points(data::MISSES_PS), series_color(i), 2)
        }))
    };
    let fig = TimeFigure {
        title: ctx.title("Cache hit ratio"),
        subtitle,
        legend,
        blocks: vec![Block::of(vec![upper, lower])],
    };
    figure::draw(path, fig, &ctx.timeline())
}

/// The shards of a database to draw as lines, hottest first when not all
/// are, with their colours; the others go into a band.
fn shown_shards(db: &DatabaseSeries) -> (Vec<(usize, RGBColor)>, Vec<usize>) {
    let n = db.shards.len();
    if n <= MAX_SHARD_LINES {
        return ((0..n).map(|i| (i, series_color(i))).collect(), Vec::new());
    }
    let mut order: Vec<usize> = (0..n).collect();
    // Hottest first; equal ones by number, so that the choice is stable.
    order.sort_by(|&a, &b| {
        db.shards[b]
            .ops_after
            .total_cmp(&db.shards[a].ops_after)
            .then(a.cmp(&b))
    });
    let lines = order[..HOTTEST]
        .iter()
        .enumerate()
        .map(|(rank, &i)| (i, series_color(rank)))
        .collect();
    let mut rest = order[HOTTEST..].to_vec();
    rest.sort_unstable();
    (lines, rest)
}

/// Per point, the mean, lowest and highest of column `col` over `shards`
/// (NaN where none has a value).
fn across(db: &DatabaseSeries, shards: &[usize], col: usize) -> [Vec<(f64, f64)>; 3] {
    let Some(first) = db.shards.first() else {
        return Default::default();
    };
    let mut out: [Vec<(f64, f64)>; 3] = Default::default();
    for (p, &x) in first.series.x.iter().enumerate() {
        let vals = shards
            .iter()
            .filter_map(|&s| db.shards[s].series.cols[col].get(p).copied())
            .filter(|v| v.is_finite());
        let (mut n, mut sum, mut lo, mut hi) = (0usize, 0.0, f64::INFINITY, f64::NEG_INFINITY);
        for v in vals {
            n += 1;
            sum += v;
            lo = lo.min(v);
            hi = hi.max(v);
        }
        let none = n == 0;
        out[0].push((x, if none { f64::NAN } else { sum / n as f64 }));
        out[1].push((x, if none { f64::NAN } else { lo }));
        out[2].push((x, if none { f64::NAN } else { hi }));
    }
    out
}

/// Databases to draw, busiest first when not all fit, and how many are
/// left out.
fn busiest<'d>(dbs: &[&'d DatabaseSeries]) -> (Vec<&'d DatabaseSeries>, usize) {
    let mut shown: Vec<&DatabaseSeries> = dbs.to_vec();
    let hidden = shown.len().saturating_sub(MAX_DATABASES);
    if hidden > 0 {
        let ops = |d: &DatabaseSeries| d.shards.iter().map(|s| s.ops_after).sum::<f64>();
        shown.sort_by(|a, b| ops(b).total_cmp(&ops(a)));
        shown.truncate(MAX_DATABASES);
    }
    (shown, hidden)
}

/// How a database is laid out, for its caption.
fn layout_of(db: &DatabaseSeries) -> String {
    if db.peers > 0 {
        let nodes = match db.peers {
            1 => "1 node".to_string(),
            p => format!("{p} equal nodes"),
        };
        return match db.shards.len() {
            1 => format!("1 shard of {nodes}"),
            n => format!("{n} shards, each of {nodes}"),
        };
    }
    let replicas = match db.replicas {
        0 => "a primary".to_string(),
        1 => "a primary and 1 replica".to_string(),
        r => format!("a primary and {r} replicas"),
    };
    match db.shards.len() {
        1 if db.replicas == 0 => "1 shard, a primary only".to_string(),
        1 => format!("1 shard: {replicas}"),
        n => format!("{n} shards, each {replicas}"),
    }
}

/// `shard_load.png`: per database, the operations per second of each shard
/// (the hottest few and a band of the others when there are many), the even
/// share dashed; below, the utilisation of each shard's busiest node.
pub(crate) fn shard_load(
    path: &Path,
    ctx: &Ctx,
    dbs: &[DatabaseSeries],
    windows: usize,
) -> io::Result<PathBuf> {
    let all: Vec<&DatabaseSeries> = dbs.iter().collect();
    let (shown, hidden) = busiest(&all);
    let mut title = ctx.title("Database load per shard");
    if hidden > 0 {
        title.push_str(&format!(" — {} busiest of {}", MAX_DATABASES, dbs.len()));
    }
    let pts = points_of(
        shown
            .first()
            .and_then(|d| d.shards.first())
            .map(|s| &s.series),
    );
    let subtitle = format!(
        "reads and writes finished per second by each shard's nodes: a shard well above the even \
         share is hot; below, the utilisation of each shard's busiest node{}",
        points_note(per_point(windows, pts), "mean")
    );
    let mut legend = Vec::new();
    // One shard is its own mean: no even share to compare with.
    if shown.iter().any(|d| d.shards.len() > 1) {
        legend.push(Entry::new(
            "even share (mean of the shards)",
            Swatch::Dashed(OFFERED),
        ));
    }
    if shown.iter().any(|d| d.shards.len() > MAX_SHARD_LINES) {
        legend.push(Entry::new(
            "other shards (lowest to highest)",
            Swatch::Fill(BAND),
        ));
    }
    let fig = TimeFigure {
        title,
        subtitle,
        legend,
        blocks: shown.iter().map(|db| shard_block(ctx, db)).collect(),
    };
    figure::draw(path, fig, &ctx.timeline())
}

/// One database's block of `shard_load.png`: its layout and hottest shard
/// in the caption, its shards' colours in its legend, the operations and
/// the busiest nodes' utilisation.
fn shard_block<'a>(ctx: &Ctx, db: &'a DatabaseSeries) -> Block<'a> {
    let (lines, others) = shown_shards(db);
    let total: f64 = db.shards.iter().map(|s| s.ops_after).sum();
    let mut text = format!("{}: {}", db.name, layout_of(db));
    if let Some(hot) = db
        .shards
        .iter()
        .max_by(|a, b| {
            a.ops_after
                .total_cmp(&b.ops_after)
                .then(b.index.cmp(&a.index))
        })
        .filter(|_| total > 0.0 && db.shards.len() > 1)
    {
        text.push_str(&format!(
            "; the hottest, shard{}, did {} of the operations{} (even share {})",
            hot.index,
            pct(hot.ops_after / total),
            after_warmup(ctx),
            pct(1.0 / db.shards.len() as f64)
        ));
    }
    let legend: Vec<Entry> = lines
        .iter()
        .map(|&(i, color)| {
            let s = &db.shards[i];
            let label = if total > 0.0 {
                format!("shard{} ({})", s.index, pct(s.ops_after / total))
            } else {
                format!("shard{}", s.index)
            };
            Entry::new(label, Swatch::Line(color, 2))
        })
        .collect();
    let everyone: Vec<usize> = (0..db.shards.len()).collect();

    // Operations per second.
    let [mean, _, _] = across(db, &everyone, data::OPS_PS);
    let ops_max = max_of(db.shards.iter().map(|s| &s.series), &[data::OPS_PS]);
    let y_axis = chart::y_linear(ops_max);
    let y_top = y_axis.range_end();
    let ops = Panel::new(
        0.58,
        YAxis::Linear(y_axis),
        "operations per second",
        &num_label,
    );
    let ops =
        if ops_max.is_none_or(|m| m <= 0.0) {
            ops.with(Layer::note("no operations"))
        } else {
            let mut layers = Vec::new();
            if !others.is_empty() {
                let [_, lo, hi] = across(db, &others, data::OPS_PS);
                layers.push(Layer::Band {
                    lo,
                    hi,
                    top: y_top,
                    color: BAND,
                });
            }
            // The even share under the shards' lines, so that they show where
            // they run along it.
            if db.shards.len() > 1 {
                layers.push(Layer::dashed(mean, OFFERED));
            }
            layers.extend(lines.iter().rev().map(|&(i, color)| {
                Layer::line(db.shards[i].series.points(data::OPS_PS), color, 2)
            }));
            ops.with_all(layers)
        };

    // Utilisation of the busiest node.
    let mut util = Panel::new(
        0.42,
        YAxis::Linear(share_axis()),
        "utilisation (busiest node)",
        &pct_label,
    );
    if !others.is_empty() {
        let [_, lo, hi] = across(db, &others, data::BUSIEST);
        util = util.with(Layer::Band {
            lo,
            hi,
            top: 1.08,
            color: BAND,
        });
    }
    let util = util.with_all(lines.iter().rev().map(|&(i, color)| {
        Layer::fixed_line(
            db.shards[i].series.points(data::BUSIEST),
            |v| v.clamp(0.0, 1.08),
            color,
            2,
        )
    }));
    Block {
        // The first block's caption takes the place of the warm-up strip,
        // which moves down above its panels.
        caption: Some(text),
        legend,
        x_labels: true,
        panels: vec![ops, util],
    }
}

/// `replication_lag.png`: per database with replicas, the mean lag of its
/// replicas per window, the slowest and the range from the fastest; below,
/// the stale reads per second.
pub(crate) fn replication_lag(
    path: &Path,
    ctx: &Ctx,
    dbs: &[&DatabaseSeries],
    windows: usize,
) -> io::Result<PathBuf> {
    let (shown, hidden) = busiest(dbs);
    let mut title = ctx.title("Replication lag");
    if hidden > 0 {
        title.push_str(&format!(
            " — {} busiest of {} replicated databases",
            MAX_DATABASES,
            dbs.len()
        ));
    }
    let pts = points_of(shown.first().map(|d| &d.replication));
    let subtitle = format!(
        "how long replicas took to apply the writes they applied in each window; below, replica \
         reads that missed the latest acknowledged write of their key{}",
        points_note(per_point(windows, pts), "mean")
    );
    let legend = vec![
        Entry::new("mean of all replicas", Swatch::Line(OI_BLUE, 2)),
        Entry::new("slowest replica", Swatch::Line(OI_VERMILLION, 2)),
        Entry::new("fastest to slowest replica", Swatch::Fill(BAND)),
        Entry::new("stale reads (lower panel)", Swatch::Line(OI_PURPLE, 2)),
    ];
    // With several databases each is named above its panels.
    let several = shown.len() > 1;
    let fig = TimeFigure {
        title,
        subtitle,
        legend,
        blocks: shown
            .iter()
            .map(|db| {
                lag_block(
                    db,
                    several.then(|| format!("{}: {}", db.name, layout_of(db))),
                )
            })
            .collect(),
    };
    figure::draw(path, fig, &ctx.timeline())
}

/// One database's block of `replication_lag.png`.
fn lag_block(db: &DatabaseSeries, caption: Option<String>) -> Block<'_> {
    let s = &db.replication;
    let lag_max = max_of([s], &[data::LAG_MEAN, data::LAG_WORST]);
    let y_axis = chart::y_linear(lag_max);
    let y_top = y_axis.range_end();
    let mut lag = Panel::new(
        0.62,
        YAxis::Linear(y_axis),
        "replication lag (ms)",
        &num_label,
    );
    if lag_max.is_none() {
        lag = lag.with(Layer::note("no writes applied by replicas"));
    }
    let hi: Vec<(f64, f64)> = s.points(data::LAG_WORST).collect();
    let lag = lag
        .with(Layer::Band {
            lo: s.points(data::LAG_BEST).collect(),
            hi: hi.clone(),
            top: y_top,
            color: BAND,
        })
        .with(Layer::fixed_line(
            hi,
            move |v| v.min(y_top),
            OI_VERMILLION,
            2,
        ))
        .with(Layer::fixed_line(
            s.points(data::LAG_MEAN),
            move |v| v.min(y_top),
            OI_BLUE,
            2,
        ));
    let stale_max = s.max(data::STALE_PS).filter(|m| *m > 0.0);
    let stale = Panel::new(
        0.38,
        YAxis::Linear(chart::y_linear(stale_max)),
        "stale reads per second",
        &num_label,
    )
    .with(match stale_max {
        None => Layer::note("no stale reads"),
        Some(_) => Layer::line(s.points(data::STALE_PS), OI_PURPLE, 2),
    });
    Block {
        caption,
        legend: Vec::new(),
        x_labels: true,
        panels: vec![lag, stale],
    }
}

/// `queue_backlog.png`: messages each queue holds (and how many of them are
/// being consumed); below, consumed and refused per second.
pub(crate) fn queue_backlog(
    path: &Path,
    ctx: &Ctx,
    queues: &[QueueSeries],
    windows: usize,
) -> io::Result<PathBuf> {
    let subtitle = format!(
        "messages held, waiting or being consumed: a line that keeps rising means publishers \
         outpace the consumers; below, messages consumed and publishes refused per second{}",
        points_note(
            per_point(windows, points_of(queues.first().map(|q| &q.series))),
            "mean"
        )
    );
    let series = || queues.iter().map(|q| &q.series);
    let held_max = max_of(series(), &[data::HELD, data::CONSUMING]);
    let consumed_max = max_of(series(), &[data::CONSUMED_PS]).filter(|m| *m > 0.0);
    let refused_max = max_of(series(), &[data::REFUSED_PS]).filter(|m| *m > 0.0);
    let mut legend: Vec<Entry> = queues
        .iter()
        .enumerate()
        .map(|(i, q)| Entry::new(q.name.as_str(), Swatch::Line(series_color(i), 2)))
        .collect();
    legend.push(Entry::new(
        "being consumed (upper panel)",
        Swatch::Dashed(MUTED),
    ));
    let mut held = Panel::new(
        0.5,
        YAxis::Linear(chart::y_linear(held_max)),
        "held (messages)",
        &num_label,
    );
    if held_max.is_none_or(|m| m <= 0.0) {
        held = held.with(Layer::note("nothing held"));
    }
    for (i, q) in queues.iter().enumerate() {
        held = held
            .with(Layer::dashed(
                q.series.points(data::CONSUMING),
                series_color(i),
            ))
            .with(Layer::line(q.series.points(data::HELD), series_color(i), 2));
    }
    // One panel of a rate per queue line, or a note when there is none.
    let rate = |max: Option<f64>, desc, col, none: &str| {
        let p = Panel::new(0.25, YAxis::Linear(chart::y_linear(max)), desc, &num_label);
        if max.is_none() {
            p.with(Layer::note(none))
        } else {
            p.with_all(
                queues
                    .iter()
                    .enumerate()
                    .map(|(i, q)| Layer::line(q.series.points(col), series_color(i), 2)),
            )
        }
    };
    let consumed = rate(
        consumed_max,
        "consumed (msg/s)",
        data::CONSUMED_PS,
        "nothing consumed",
    );
    let refused = rate(
        refused_max,
        "refused (msg/s)",
        data::REFUSED_PS,
        "no publish refused: the queue never filled",
    );
    let fig = TimeFigure {
        title: ctx.title("Queue backlog"),
        subtitle,
        legend,
        blocks: vec![Block::of(vec![held, consumed, refused])],
    };
    figure::draw(path, fig, &ctx.timeline())
}
