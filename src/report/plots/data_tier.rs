//! The plots of a run's data tier, each written only when the run has that
//! kind of component: `hit_ratio.png` (caches), `shard_load.png`
//! (databases), `replication_lag.png` (databases with replicas) and
//! `queue_backlog.png` (queues). Same look as the other time plots: title,
//! a subtitle saying what to look at, a legend band, the warm-up shaded,
//! rate changes marked, time along the whole width.

use std::io;
use std::path::{Path, PathBuf};

use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::chart::{self, Axes, Chart, Ticked};
use super::data::{self, CacheSeries, DataTier, DatabaseSeries, QueueSeries, Series};
use super::markers::{draw_markers, draw_strip};
use super::run::{Ctx, header, num_label, pct_label, per_point, points_note, time_label};
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

/// Gap between stacked panels.
const GAP: i32 = 16;

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

/// Panels stacked from `top` to `bottom`, their heights in proportion to
/// `shares`, 16 px apart; the lowest has room for time labels under it when
/// `labels`.
fn stack<'b>(
    root: &Area<'b>,
    top: i32,
    bottom: i32,
    shares: &[f64],
    labels: bool,
) -> Vec<Area<'b>> {
    let n = shares.len() as i32;
    let room = if labels { chart::BOTTOM as i32 } else { 0 };
    let plot = (bottom - top - room - GAP * (n - 1)).max(n);
    let total: f64 = shares.iter().sum();
    let mut y = top;
    let mut out = Vec::with_capacity(shares.len());
    for (i, share) in shares.iter().enumerate() {
        let last = i + 1 == shares.len();
        let h = if last {
            bottom - y
        } else {
            (plot as f64 * share / total) as i32
        };
        out.push(root.clone().shrink((0, y), (WIDTH, h.max(1) as u32)));
        y += h + GAP;
    }
    out
}

/// Axes of a time panel: tick labels when `labels`, the axis name too when
/// `lowest`.
fn axes<'s>(
    labels: bool,
    lowest: bool,
    y_desc: &'s str,
    y_fmt: &'s dyn Fn(f64) -> String,
) -> Axes<'s> {
    Axes {
        x_labels: labels,
        x_fmt: &time_label,
        x_desc: (labels && lowest).then_some("time since start"),
        y_fmt,
        y_desc,
    }
}

/// Where a panel sits in its image.
#[derive(Clone, Copy)]
struct Place {
    /// The top panel: the warm-up and the markers are labelled above it.
    top: bool,
    /// Time tick labels under it.
    labels: bool,
    /// The lowest panel: the time axis is named under it.
    lowest: bool,
}

/// A time panel's chart (linear time along x) and where it is drawn.
type TimePanel<'a, 'b, RY> = (Chart<'a, 'b, Ticked<RangedCoordf64>, Ticked<RY>>, Frame);

/// A time panel on `area`: built, warm-up shaded, grid and labels drawn,
/// markers drawn across it.
fn time_panel<'a, 'b, RY: Ranged<ValueType = f64>>(
    root: &Area,
    area: &'a Area<'b>,
    ctx: &Ctx,
    y: Ticked<RY>,
    at: Place,
    y_desc: &str,
    y_fmt: &dyn Fn(f64) -> String,
) -> Drawn<TimePanel<'a, 'b, RY>> {
    let mut c = chart::build(area, ctx.axis.coord(), y, at.labels, false)?;
    let f = chart::frame(&c, ctx.axis.end);
    shade_warmup(root, &f, ctx.warmup)?;
    chart::mesh(root, &mut c, &axes(at.labels, at.lowest, y_desc, y_fmt))?;
    draw_markers(root, &f, &ctx.markers)?;
    if at.top {
        draw_strip(root, &f, ctx.warmup, &ctx.markers)?;
    }
    Ok((c, f))
}

/// A share from 0 to 100% (a little headroom so that 100% stays visible).
fn share_axis() -> Ticked<RangedCoordf64> {
    Ticked::linear(0.0..1.08, vec![0.0, 0.25, 0.5, 0.75, 1.0])
}

/// Fills between `lo` and `hi` (the same x), broken where either is a gap.
fn band(
    chart: &mut Chart<Ticked<RangedCoordf64>, Ticked<RangedCoordf64>>,
    lo: &[(f64, f64)],
    hi: &[(f64, f64)],
    top: f64,
    color: RGBColor,
) -> Drawn {
    // Runs of (x, low, high) between gaps.
    let mut run: Vec<(f64, f64, f64)> = Vec::new();
    let mut flush = |run: &mut Vec<(f64, f64, f64)>| -> Drawn {
        if run.len() >= 2 {
            let mut poly: Vec<(f64, f64)> = run.iter().map(|p| (p.0, p.1)).collect();
            poly.extend(run.iter().rev().map(|p| (p.0, p.2)));
            chart.draw_series(std::iter::once(Polygon::new(poly, color.filled())))?;
        } else if let Some(&(x, l, h)) = run.first() {
            // A lone point: a short upright stroke from low to high.
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, l), (x, h)],
                color.stroke_width(3),
            )))?;
        }
        run.clear();
        Ok(())
    };
    for (&(x, l), &(_, h)) in lo.iter().zip(hi) {
        if l.is_finite() && h.is_finite() {
            run.push((x, l.min(top), h.min(top)));
        } else {
            flush(&mut run)?;
        }
    }
    flush(&mut run)
}

/// Draws `points` as a dashed line, broken at gaps.
fn dashed<X, Y>(
    chart: &mut ChartContext<BitMapBackend, Cartesian2d<X, Y>>,
    points: impl Iterator<Item = (f64, f64)>,
    fix: impl Fn(f64) -> f64,
    color: RGBColor,
) -> Drawn
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    for run in runs(points) {
        chart.draw_series(DashedLineSeries::new(
            run.into_iter().map(|(x, y)| (x, fix(y))),
            6,
            5,
            color.stroke_width(2),
        ))?;
    }
    Ok(())
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

/// Draws a caption at the left of a block, above its panels; returns the
/// height it takes.
fn caption(root: &Area, text: &str, y: i32) -> Drawn<i32> {
    let left = chart::LEFT as i32 + 8;
    let room = WIDTH as i32 - left - chart::RIGHT_MARGIN as i32;
    label(
        root,
        &fit(text, PANEL_TITLE_SIZE, room),
        PANEL_TITLE_SIZE,
        TEXT,
        (left, y),
        HPos::Left,
        VPos::Top,
    )?;
    Ok(PANEL_TITLE_SIZE as i32 + 8)
}

/// The legend band of a block, left-aligned text under its caption.
fn block_legend(root: &Area, entries: &[Entry], y: i32) -> Drawn<i32> {
    draw_legend(
        root,
        entries,
        chart::LEFT as i32 + 8..WIDTH as i32 - chart::RIGHT_MARGIN as i32,
        y,
    )
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
    write_png(path, |root| {
        let mut entries: Vec<Entry> = caches
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
        entries.extend(ctx.common_entries());
        let top = header(root, &ctx.title("Cache hit ratio"), &subtitle, &entries)?;
        let panels = stack(root, top, HEIGHT as i32 - 8, &[0.62, 0.38], true);

        let at = Place {
            top: true,
            labels: false,
            lowest: false,
        };
        let (mut c, f) = time_panel(
            root,
            &panels[0],
            ctx,
            share_axis(),
            at,
            "hit ratio (hits / lookups)",
            &pct_label,
        )?;
        if !any_lookup {
            note_in(root, &f, "no lookups")?;
        }
        for (i, r) in ratios.iter().enumerate() {
            chart::line(
                &mut c,
                r.iter().copied(),
                |v| v.clamp(0.0, 1.08),
                series_color(i),
                2,
            )?;
        }

        let at = Place {
            top: false,
            labels: true,
            lowest: true,
        };
        let (mut c, f) = time_panel(
            root,
            &panels[1],
            ctx,
            chart::y_linear(miss_max),
            at,
            "misses per second",
            &num_label,
        )?;
        if miss_max.is_none_or(|m| m <= 0.0) {
            // A line along the axis would only hide it.
            return note_in(root, &f, "no misses");
        }
        for (i, cache) in caches.iter().enumerate() {
            chart::line(
                &mut c,
                cache.series.points(data::MISSES_PS),
                |v| v,
                series_color(i),
                2,
            )?;
        }
        Ok(())
    })
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
    let any_band = shown.iter().any(|d| d.shards.len() > MAX_SHARD_LINES);
    // One shard is its own mean: no even share to compare with.
    let any_sharded = shown.iter().any(|d| d.shards.len() > 1);
    write_png(path, |root| {
        let mut entries = Vec::new();
        if any_sharded {
            entries.push(Entry::new(
                "even share (mean of the shards)",
                Swatch::Dashed(OFFERED),
            ));
        }
        if any_band {
            entries.push(Entry::new(
                "other shards (lowest to highest)",
                Swatch::Fill(BAND),
            ));
        }
        entries.extend(ctx.common_entries());
        let top = header(root, &title, &subtitle, &entries)?;
        let (start, bottom) = (top - STRIP, HEIGHT as i32 - 8);
        let block_h = (bottom - start) / shown.len().max(1) as i32;
        for (b, db) in shown.iter().enumerate() {
            let first = b == 0;
            let last = b + 1 == shown.len();
            // The first block's caption takes the place of the warm-up
            // strip, which moves down above its panels.
            let mut y = start + b as i32 * block_h + if first { 0 } else { 10 };
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
            y += caption(root, &text, y)?;
            let shard_entries: Vec<Entry> = lines
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
            y += block_legend(root, &shard_entries, y)?;
            if first {
                y += STRIP;
            }
            let block_bottom = if last {
                bottom
            } else {
                start + (b as i32 + 1) * block_h
            };
            let panels = stack(root, y, block_bottom, &[0.58, 0.42], true);
            let everyone: Vec<usize> = (0..db.shards.len()).collect();

            // Operations per second.
            let [mean, _, _] = across(db, &everyone, data::OPS_PS);
            let ops_max = max_of(db.shards.iter().map(|s| &s.series), &[data::OPS_PS]);
            let at = Place {
                top: first,
                labels: false,
                lowest: false,
            };
            let y_axis = chart::y_linear(ops_max);
            let y_top = y_axis.range_end();
            let (mut c, f) = time_panel(
                root,
                &panels[0],
                ctx,
                y_axis,
                at,
                "operations per second",
                &num_label,
            )?;
            if ops_max.is_none_or(|m| m <= 0.0) {
                note_in(root, &f, "no operations")?;
            } else {
                if !others.is_empty() {
                    let [_, olo, ohi] = across(db, &others, data::OPS_PS);
                    band(&mut c, &olo, &ohi, y_top, BAND)?;
                }
                // The even share under the shards' lines, so that they show
                // where they run along it.
                if db.shards.len() > 1 {
                    dashed(&mut c, mean.iter().copied(), |v| v, OFFERED)?;
                }
                for &(i, color) in lines.iter().rev() {
                    chart::line(
                        &mut c,
                        db.shards[i].series.points(data::OPS_PS),
                        |v| v,
                        color,
                        2,
                    )?;
                }
            }

            // Utilisation of the busiest node.
            let at = Place {
                top: false,
                labels: true,
                lowest: last,
            };
            let (mut c, _) = time_panel(
                root,
                &panels[1],
                ctx,
                share_axis(),
                at,
                "utilisation (busiest node)",
                &pct_label,
            )?;
            if !others.is_empty() {
                let [_, olo, ohi] = across(db, &others, data::BUSIEST);
                band(&mut c, &olo, &ohi, 1.08, BAND)?;
            }
            for &(i, color) in lines.iter().rev() {
                chart::line(
                    &mut c,
                    db.shards[i].series.points(data::BUSIEST),
                    |v| v.clamp(0.0, 1.08),
                    color,
                    2,
                )?;
            }
        }
        Ok(())
    })
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
    write_png(path, |root| {
        let mut entries = vec![
            Entry::new("mean of all replicas", Swatch::Line(OI_BLUE, 2)),
            Entry::new("slowest replica", Swatch::Line(OI_VERMILLION, 2)),
            Entry::new("fastest to slowest replica", Swatch::Fill(BAND)),
            Entry::new("stale reads (lower panel)", Swatch::Line(OI_PURPLE, 2)),
        ];
        entries.extend(ctx.common_entries());
        let top = header(root, &title, &subtitle, &entries)?;
        let several = shown.len() > 1;
        // With several databases each is named above its panels; the first
        // name takes the place of the warm-up strip, which moves down.
        let (start, bottom) = (if several { top - STRIP } else { top }, HEIGHT as i32 - 8);
        let block_h = (bottom - start) / shown.len().max(1) as i32;
        for (b, db) in shown.iter().enumerate() {
            let first = b == 0;
            let last = b + 1 == shown.len();
            let mut y = start + b as i32 * block_h;
            if several {
                if !first {
                    y += 10;
                }
                y += caption(root, &format!("{}: {}", db.name, layout_of(db)), y)?;
                if first {
                    y += STRIP;
                }
            }
            let block_bottom = if last {
                bottom
            } else {
                start + (b as i32 + 1) * block_h
            };
            let panels = stack(root, y, block_bottom, &[0.62, 0.38], true);
            let s = &db.replication;
            let lag_max = max_of([s], &[data::LAG_MEAN, data::LAG_WORST]);
            let at = Place {
                top: first,
                labels: false,
                lowest: false,
            };
            let y_axis = chart::y_linear(lag_max);
            let y_top = y_axis.range_end();
            let (mut c, f) = time_panel(
                root,
                &panels[0],
                ctx,
                y_axis,
                at,
                "replication lag (ms)",
                &num_label,
            )?;
            if lag_max.is_none() {
                note_in(root, &f, "no writes applied by replicas")?;
            }
            let lo: Vec<(f64, f64)> = s.points(data::LAG_BEST).collect();
            let hi: Vec<(f64, f64)> = s.points(data::LAG_WORST).collect();
            band(&mut c, &lo, &hi, y_top, BAND)?;
            chart::line(
                &mut c,
                hi.iter().copied(),
                |v| v.min(y_top),
                OI_VERMILLION,
                2,
            )?;
            chart::line(
                &mut c,
                s.points(data::LAG_MEAN),
                |v| v.min(y_top),
                OI_BLUE,
                2,
            )?;

            let stale_max = s.max(data::STALE_PS).filter(|m| *m > 0.0);
            let at = Place {
                top: false,
                labels: true,
                lowest: last,
            };
            let (mut c, f) = time_panel(
                root,
                &panels[1],
                ctx,
                chart::y_linear(stale_max),
                at,
                "stale reads per second",
                &num_label,
            )?;
            match stale_max {
                None => note_in(root, &f, "no stale reads")?,
                Some(_) => chart::line(&mut c, s.points(data::STALE_PS), |v| v, OI_PURPLE, 2)?,
            }
        }
        Ok(())
    })
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
    write_png(path, |root| {
        let mut entries: Vec<Entry> = queues
            .iter()
            .enumerate()
            .map(|(i, q)| Entry::new(q.name.as_str(), Swatch::Line(series_color(i), 2)))
            .collect();
        entries.push(Entry::new(
            "being consumed (upper panel)",
            Swatch::Dashed(MUTED),
        ));
        entries.extend(ctx.common_entries());
        let top = header(root, &ctx.title("Queue backlog"), &subtitle, &entries)?;
        let panels = stack(root, top, HEIGHT as i32 - 8, &[0.5, 0.25, 0.25], true);

        let at = Place {
            top: true,
            labels: false,
            lowest: false,
        };
        let (mut c, f) = time_panel(
            root,
            &panels[0],
            ctx,
            chart::y_linear(held_max),
            at,
            "held (messages)",
            &num_label,
        )?;
        if held_max.is_none_or(|m| m <= 0.0) {
            note_in(root, &f, "nothing held")?;
        }
        for (i, q) in queues.iter().enumerate() {
            dashed(
                &mut c,
                q.series.points(data::CONSUMING),
                |v| v,
                series_color(i),
            )?;
            chart::line(
                &mut c,
                q.series.points(data::HELD),
                |v| v,
                series_color(i),
                2,
            )?;
        }

        let at = Place {
            top: false,
            labels: false,
            lowest: false,
        };
        let (mut c, f) = time_panel(
            root,
            &panels[1],
            ctx,
            chart::y_linear(consumed_max),
            at,
            "consumed (msg/s)",
            &num_label,
        )?;
        if consumed_max.is_none() {
            note_in(root, &f, "nothing consumed")?;
        } else {
            for (i, q) in queues.iter().enumerate() {
                chart::line(
                    &mut c,
                    q.series.points(data::CONSUMED_PS),
                    |v| v,
                    series_color(i),
                    2,
                )?;
            }
        }

        let at = Place {
            top: false,
            labels: true,
            lowest: true,
        };
        let (mut c, f) = time_panel(
            root,
            &panels[2],
            ctx,
            chart::y_linear(refused_max),
            at,
            "refused (msg/s)",
            &num_label,
        )?;
        if refused_max.is_none() {
            note_in(root, &f, "no publish refused: the queue never filled")?;
        } else {
            for (i, q) in queues.iter().enumerate() {
                chart::line(
                    &mut c,
                    q.series.points(data::REFUSED_PS),
                    |v| v,
                    series_color(i),
                    2,
                )?;
            }
        }
        Ok(())
    })
}
