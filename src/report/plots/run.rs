//! The plots of one run: latency, throughput, components, latency CDF.

use std::io;
use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::chart::{self, Axes, Side};
use super::data::{self, ComponentSeries, Timeseries};
use super::figure::{self, Block, Layer, Panel, Place, TimeFigure, Timeline, YAxis};
use super::markers::Marks;
use super::style::*;
use crate::metrics::Latencies;
use crate::model::Kind;

/// What every time plot of a run shares.
pub(crate) struct Ctx<'a> {
    pub(crate) scenario: &'a str,
    pub(crate) variant: &'a str,
    pub(crate) warmup: f64,
    pub(crate) axis: TimeAxis,
    pub(crate) markers: Marks,
}

impl<'a> Ctx<'a> {
    /// The run's time plots' context: its scenario, variant and warm-up, a
    /// time axis to `end_s` seconds, and the run's markers with `extra`
    /// (what a plot marks besides faults and rate changes).
    pub(crate) fn of_run(
        input: &super::RunPlots<'a>,
        end_s: f64,
        extra: Vec<super::markers::Marker>,
    ) -> Ctx<'a> {
        let axis = TimeAxis::new(end_s);
        let markers = if extra.is_empty() {
            Marks::new(input.markers, axis.end, "events.csv")
        } else {
            let mut all = input.markers.to_vec();
            all.extend(extra);
            Marks::new(&all, axis.end, "events.csv")
        };
        Ctx {
            scenario: input.scenario,
            variant: input.variant,
            warmup: input.warmup.as_secs_f64(),
            axis,
            markers,
        }
    }

    /// A plot's title: what it shows, then the scenario and variant.
    pub(crate) fn title(&self, what: &str) -> String {
        format!("{what} — {}, variant {}", self.scenario, self.variant)
    }

    /// The time axis, warm-up and markers every time figure of the run draws.
    pub(crate) fn timeline(&self) -> Timeline<'_> {
        Timeline {
            axis: &self.axis,
            warmup: self.warmup,
            markers: &self.markers,
        }
    }
}

/// How a subtitle describes the points of a downsampled series.
pub(crate) fn points_note(windows_per_point: f64, how: &str) -> String {
    if windows_per_point > 1.05 {
        format!(
            "; each point is the {how} of about {} windows",
            fmt_count(windows_per_point.round() as u64)
        )
    } else {
        String::new()
    }
}

/// Windows per drawn point (about).
pub(crate) fn per_point(windows: usize, points: usize) -> f64 {
    if points == 0 {
        1.0
    } else {
        windows as f64 / points as f64
    }
}

pub(crate) fn num_label(v: f64) -> String {
    fmt_num(v)
}

pub(crate) fn pct_label(v: f64) -> String {
    format!("{}%", fmt_num(v * 100.0))
}

/// `latency.png`: p50, p90, p99, p99.9 per window on a log scale, the
/// offered rate below.
pub(crate) fn latency(
    path: &Path,
    ctx: &Ctx,
    ts: &Timeseries,
    windows: usize,
) -> io::Result<PathBuf> {
    let s = &ts.series;
    let quantiles = [
        (data::P50, "p50", OI_SKY),
        (data::P90, "p90", OI_BLUE),
        (data::P99, "p99", OI_ORANGE),
        (data::P999, "p99.9", OI_VERMILLION),
    ];
    let lo = quantiles
        .iter()
        .filter_map(|q| s.min(q.0))
        .filter(|v| *v > 0.0)
        .reduce(f64::min);
    let hi = quantiles.iter().filter_map(|q| s.max(q.0)).reduce(f64::max);
    let log = LogAxis::new(lo.unwrap_or(f64::NAN), hi.unwrap_or(f64::NAN));
    let subtitle = format!(
        "response time of the successful replies arriving in each window, log scale{}",
        points_note(per_point(windows, s.x.len()), "maximum")
    );
    let mut legend: Vec<Entry> = quantiles
        .iter()
        .map(|(_, l, c)| Entry::new(*l, Swatch::Line(*c, 2)))
        .collect();
    legend.push(Entry::new(
        "offered rate (lower panel)",
        Swatch::Line(OFFERED, 2),
    ));
    let mut upper = Panel::new(
        0.66,
        YAxis::Log(log.clone()),
        "response time (ms, log scale)",
        &num_label,
    );
    if hi.is_none() {
        upper = upper.with(Layer::note("no successful replies"));
    }
    let upper = upper.with_all(
        quantiles
            .iter()
            .map(|&(col, _, color)| Layer::fixed_line(s.points(col), |v| log.clamp(v), color, 2)),
    );
    let lower = Panel::new(
        0.34,
        YAxis::Linear(chart::y_linear(s.max(data::OFFERED))),
        "offered (req/s)",
        &num_label,
    )
    .with(Layer::line(s.points(data::OFFERED), OFFERED, 2));
    let fig = TimeFigure {
        title: ctx.title("Response time"),
        subtitle,
        legend,
        blocks: vec![Block::of(vec![upper, lower])],
    };
    figure::draw(path, fig, &ctx.timeline())
}

/// `throughput.png`: offered, completed and goodput per second, errors by
/// kind stacked below.
pub(crate) fn throughput(
    path: &Path,
    ctx: &Ctx,
    ts: &Timeseries,
    windows: usize,
) -> io::Result<PathBuf> {
    let s = &ts.series;
    let top_max = [data::OFFERED, data::COMPLETED, data::GOODPUT]
        .iter()
        .filter_map(|&c| s.max(c))
        .reduce(f64::max);
    // Stacked: rejected, then timed out on it, then failed on both.
    let mut stack: [Vec<(f64, f64)>; 3] = Default::default();
    for (i, &x) in s.x.iter().enumerate() {
        let mut sum = 0.0;
        for (k, col) in [data::REJECTED, data::TIMED_OUT, data::FAILED]
            .iter()
            .enumerate()
        {
            let v = s.cols[*col][i];
            sum += if v.is_finite() { v } else { 0.0 };
            stack[k].push((x, sum));
        }
    }
    let err_max = stack[2]
        .iter()
        .map(|p| p.1)
        .reduce(f64::max)
        .filter(|m| *m > 0.0);
    let errs = [
        ("rejected", OI_VERMILLION),
        ("timed out", OI_ORANGE),
        ("failed", OI_PURPLE),
    ];
    let subtitle = format!(
        "requests per second in each window{}",
        points_note(per_point(windows, s.x.len()), "mean")
    );
    let mut legend = vec![
        Entry::new("offered", Swatch::Line(OFFERED, 1)),
        Entry::new("completed (late replies included)", Swatch::Line(OI_SKY, 7)),
        Entry::new("goodput (in time)", Swatch::Line(OI_GREEN, 3)),
    ];
    for (l, c) in errs {
        legend.push(Entry::new(l, Swatch::Fill(c)));
    }
    // Widest below: where they coincide all three stay visible.
    let upper = Panel::new(
        0.6,
        YAxis::Linear(chart::y_linear(top_max)),
        "requests per second",
        &num_label,
    )
    .with(Layer::line(s.points(data::COMPLETED), OI_SKY, 7))
    .with(Layer::line(s.points(data::GOODPUT), OI_GREEN, 3))
    .with(Layer::line(s.points(data::OFFERED), OFFERED, 1));
    let lower = Panel::new(
        0.4,
        YAxis::Linear(chart::y_linear(err_max)),
        "errors per second",
        &num_label,
    );
    let lower = if err_max.is_none() {
        lower.with(Layer::note("no errors"))
    } else {
        // Highest first, so that each band shows above the one below.
        let [rejected, timed_out, failed] = stack;
        lower.with_all(
            [(failed, 2), (timed_out, 1), (rejected, 0)].map(|(points, k)| Layer::Area {
                points,
                color: errs[k].1,
            }),
        )
    };
    let fig = TimeFigure {
        title: ctx.title("Throughput"),
        subtitle,
        legend,
        blocks: vec![Block::of(vec![upper, lower])],
    };
    figure::draw(path, fig, &ctx.timeline())
}

/// Most panels of `components.png`.
pub(crate) const MAX_PANELS: usize = 12;

/// `components.png`: utilisation and queue length per component pool, one
/// panel each (outstanding requests for load balancers).
pub(crate) fn components(
    path: &Path,
    ctx: &Ctx,
    comps: &[ComponentSeries],
    windows: usize,
) -> io::Result<PathBuf> {
    let mut shown: Vec<&ComponentSeries> = comps.iter().collect();
    let hidden = comps.len().saturating_sub(MAX_PANELS);
    if hidden > 0 {
        // Busiest first; load balancers (no utilisation) last.
        shown.sort_by(|a, b| {
            let ua = a.mean_utilization.unwrap_or(-1.0);
            let ub = b.mean_utilization.unwrap_or(-1.0);
            ub.total_cmp(&ua)
        });
        shown.truncate(MAX_PANELS);
    }
    let n = shown.len();
    let cols = match n {
        0..=3 => 1,
        4..=8 => 2,
        _ => 3,
    };
    let rows = n.div_ceil(cols).max(1);
    let mut title = ctx.title("Components");
    if hidden > 0 {
        title.push_str(&format!(
            " — {MAX_PANELS} busiest of {}, {hidden} not shown",
            comps.len()
        ));
    }
    let pts = shown.first().map_or(0, |c| c.series.x.len());
    let subtitle = format!(
        "each pool as a whole (instances combined), averaged over each window{}",
        points_note(per_point(windows, pts), "mean")
    );
    // Fewer time ticks in narrower panels.
    let panel_w = (WIDTH as f64 / cols as f64) - (chart::LEFT + chart::RIGHT) as f64;
    let axis = TimeAxis::with_ticks(ctx.axis.end, (panel_w / 75.0).floor());
    let tl = ctx.timeline();
    write_png(path, |root| {
        let mut entries = components_legend(&shown);
        entries.extend(tl.common_entries());
        let top = figure::header(root, &title, &subtitle, &entries)? + 6;
        if n == 0 {
            label(
                root,
                "no components",
                NOTE_SIZE + 2,
                MUTED,
                (WIDTH as i32 / 2, HEIGHT as i32 / 2),
                HPos::Center,
                VPos::Center,
            )?;
            return Ok(());
        }
        let body = root
            .clone()
            .shrink((0, top), (WIDTH, HEIGHT - top as u32 - 4));
        let cells = body.split_evenly((rows, cols));
        for (i, (cell, comp)) in cells.iter().zip(&shown).enumerate() {
            let lowest = i + cols >= n;
            panel_caption(root, cell, comp, ctx.warmup)?;
            let plot = cell.margin(PANEL_TITLE_SIZE + 12, 10, 0, 0);
            let at = Place {
                strip: false,
                labels: true,
                name: lowest,
            };
            figure::draw_panel(root, &plot, &tl, &axis, true, component_panel(comp), at)?;
        }
        Ok(())
    })
}

/// The legend of `components.png`: what the panels of the kinds shown draw.
fn components_legend(shown: &[&ComponentSeries]) -> Vec<Entry> {
    let mut entries = Vec::new();
    if shown.iter().any(|c| c.has_utilization()) {
        entries.push(Entry::new(
            "utilisation (left axis)",
            Swatch::Line(OI_BLUE, 2),
        ));
        entries.push(Entry::new(
            "requests queued (right axis)",
            Swatch::Line(OI_VERMILLION, 2),
        ));
    }
    if shown.iter().any(|c| c.kind == Kind::LoadBalancer) {
        entries.push(Entry::new(
            "requests outstanding (load balancer)",
            Swatch::Line(OI_PURPLE, 2),
        ));
    }
    if shown.iter().any(|c| c.kind == Kind::Queue) {
        entries.push(Entry::new(
            "messages held (queue)",
            Swatch::Line(OI_GREEN, 2),
        ));
    }
    entries
}

/// A component's panel caption: its name, instances and mean utilisation
/// (shortened to fit the cell).
fn panel_caption(root: &Area, cell: &Area, comp: &ComponentSeries, warmup: f64) -> Drawn {
    let up = comp.series.max(data::UP).unwrap_or(0.0).round() as u64;
    let name = match up {
        1 => format!("{}, 1 instance", comp.name),
        n => format!("{}, {n} instances", comp.name),
    };
    let (caption, shorter) = match (comp.has_utilization(), comp.mean_utilization) {
        (false, _) if comp.kind == Kind::Queue => {
            (format!("{} (queue)", comp.name), comp.name.clone())
        }
        (false, _) => (format!("{} (load balancer)", comp.name), comp.name.clone()),
        (true, Some(u)) => {
            let mean = format!("{name}: mean utilisation {:.0}%", u * 100.0);
            let full = if warmup > 0.0 {
                format!("{mean} after warm-up")
            } else {
                mean.clone()
            };
            (full, mean)
        }
        (true, None) => (name.clone(), name),
    };
    let (cx, cy) = cell.get_base_pixel();
    let room = cell.dim_in_pixel().0 as i32 - chart::LEFT as i32 - 16;
    let caption = if width(&caption, PANEL_TITLE_SIZE) <= room {
        caption
    } else {
        fit(&shorter, PANEL_TITLE_SIZE, room)
    };
    label(
        root,
        &caption,
        PANEL_TITLE_SIZE,
        TEXT,
        (cx + chart::LEFT as i32 + 8, cy + 4),
        HPos::Left,
        VPos::Top,
    )
}

/// A component's panel: its level (a queue's messages held, a balancer's
/// requests passed on and not yet answered), or its utilisation with the
/// requests queued on a right axis.
fn component_panel(comp: &ComponentSeries) -> Panel<'_> {
    let s = &comp.series;
    if !comp.has_utilization() {
        let (col, desc, color) = if comp.kind == Kind::Queue {
            (data::BACKLOG, "held (messages)", OI_GREEN)
        } else {
            (data::IN_SERVICE, "outstanding (requests)", OI_PURPLE)
        };
        return Panel::new(
            1.0,
            YAxis::Linear(chart::y_linear(s.max(col))),
            desc,
            &num_label,
        )
        .with(Layer::line(s.points(col), color, 2));
    }
    let util = chart::Ticked::linear(0.0..1.08, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    let qmax = s.max(data::QUEUE_LEN).filter(|q| *q > 0.0);
    // At least one request: a queue of a thousandth is no queue.
    let qtop = qmax.map_or(1.0, |q| 4.0 * nice_ceil(q / 4.0)).max(1.0);
    // The queue's axis on the right, its ticks at the utilisation grid
    // lines so that one grid serves both.
    let right_axis = Layer::Custom(Box::new(move |root, plot, f| {
        let ticks: Vec<(f64, i32)> = [0.0, 0.25, 0.5, 0.75, 1.0]
            .iter()
            .map(|&u| (u * qtop, plot.pixel((0.0, u)).1))
            .collect();
        chart::y_labels(
            root,
            f,
            Side::Right,
            &ticks,
            &num_label,
            "queued (requests)",
        )
    }));
    Panel::new(1.0, YAxis::Linear(util), "utilisation", &pct_label)
        .with(right_axis)
        .with(Layer::fixed_line(
            s.points(data::QUEUE_LEN),
            move |q| (q / qtop).min(1.08),
            OI_VERMILLION,
            2,
        ))
        .with(Layer::fixed_line(
            s.points(data::UTILIZATION),
            |u| u.clamp(0.0, 1.08),
            OI_BLUE,
            2,
        ))
}

/// Fewer points for a CDF: one per pixel column of a log x axis is enough.
fn thin_cdf(points: &[(f64, f64)], log: &LogAxis, columns: f64) -> Vec<(f64, f64)> {
    let span = (log.hi / log.lo).ln();
    let mut out: Vec<(f64, f64)> = Vec::new();
    let mut last_col = i64::MIN;
    for (i, &(x, y)) in points.iter().enumerate() {
        let col = ((log.clamp(x) / log.lo).ln() / span * columns) as i64;
        if col != last_col || i + 1 == points.len() {
            // Within one column keep the highest fraction: replace.
            if col == last_col {
                out.pop();
            }
            out.push((x, y));
            last_col = col;
        }
    }
    out
}

fn cdf_axes(y_desc: &str) -> Axes<'_> {
    Axes {
        x_labels: true,
        x_fmt: &num_label,
        x_desc: Some("response time (ms, log scale)"),
        y_fmt: &pct_label,
        y_desc,
    }
}

/// A class, its latencies, and their CDF in milliseconds.
struct ClassCdf<'a>(&'a str, &'a Latencies, Vec<(f64, f64)>);

/// `latency_cdf.png`: the distribution of response times after warm-up per
/// class (and `all` when there are several), cumulative on the left and the
/// tail (share slower than x, log scale) on the right.
pub(crate) fn latency_cdf(
    path: &Path,
    scenario: &str,
    variant: &str,
    classes: &[(String, Latencies)],
    warmup: f64,
) -> io::Result<PathBuf> {
    // `all` equals the only class of a single-class run: skip it then.
    let shown: Vec<&(String, Latencies)> = if classes.len() == 2 && classes[1].0 == "all" {
        vec![&classes[0]]
    } else {
        classes.iter().collect()
    };
    let shown: Vec<ClassCdf> = shown
        .into_iter()
        .filter(|(_, l)| l.count() > 0)
        .map(|(n, l)| {
            ClassCdf(
                n,
                l,
                l.cdf()
                    .into_iter()
                    .map(|(d, f)| (d.as_millis_f64(), f))
                    .collect(),
            )
        })
        .collect();
    let lo = shown
        .iter()
        .filter_map(|s| s.2.iter().map(|p| p.0).find(|v| *v > 0.0))
        .reduce(f64::min);
    let hi = shown
        .iter()
        .filter_map(|s| s.2.last().map(|p| p.0))
        .reduce(f64::max);
    let log_x = LogAxis::new(lo.unwrap_or(f64::NAN), hi.unwrap_or(f64::NAN));
    // Smallest share to show: one request in the largest class.
    let n_max = shown.iter().map(|s| s.1.count()).max().unwrap_or(1).max(1);
    let tail = LogAxis::new(1.0 / n_max as f64, 1.0);
    let tail = LogAxis {
        lo: tail.lo,
        hi: 1.0,
    };
    let title = format!("Response time distribution — {scenario}, variant {variant}");
    let subtitle = if warmup > 0.0 {
        format!(
            "successful replies to requests sent after the warm-up ({}), by class",
            fmt_time(warmup)
        )
    } else {
        "successful replies, by class".to_string()
    };
    write_png(path, |root| {
        let entries: Vec<Entry> = shown
            .iter()
            .enumerate()
            .map(|(i, ClassCdf(name, l, _))| {
                let p99 = l
                    .quantile(0.99)
                    .map(|d| d.as_millis_f64())
                    .unwrap_or(f64::NAN);
                Entry::new(
                    format!(
                        "{name} (n = {}, p99 {} ms)",
                        fmt_count(l.count()),
                        fmt_num(p99)
                    ),
                    Swatch::Line(series_color(i), 2),
                )
            })
            .collect();
        let top = figure::header(root, &title, &subtitle, &entries)? + 8;
        let body = root
            .clone()
            .shrink((0, top), (WIDTH, HEIGHT - top as u32 - 8));
        let (left, right) = body.split_horizontally(WIDTH / 2);
        let panel_title = |area: &Area, text: &str| -> Drawn {
            let (x, y) = area.get_base_pixel();
            label(
                root,
                text,
                PANEL_TITLE_SIZE,
                TEXT,
                (x + chart::LEFT as i32 + 8, y),
                HPos::Left,
                VPos::Top,
            )
        };
        panel_title(&left, "cumulative: share of replies at or below")?;
        panel_title(&right, "tail: share of replies slower than (log scale)")?;
        let left = left.margin(PANEL_TITLE_SIZE + 10, 0, 0, 0);
        let right = right.margin(PANEL_TITLE_SIZE + 10, 0, 0, 0);

        let pct = chart::Ticked::linear(0.0..1.0, (0..=10).map(|i| i as f64 / 10.0).collect());
        let mut c = chart::build(&left, log_x.coord(), pct, true, false)?;
        let (px, _) = c.plotting_area().get_pixel_range();
        let columns = (px.end - px.start) as f64;
        chart::mesh(root, &mut c, &cdf_axes("share of replies"))?;
        if shown.is_empty() {
            let (x, y) = c.plotting_area().get_pixel_range();
            note_in(
                root,
                &Frame { x, y, end: 1.0 },
                "no successful replies after warm-up",
            )?;
        }
        for (i, ClassCdf(_, _, cdf)) in shown.iter().enumerate() {
            let pts = thin_cdf(cdf, &log_x, columns);
            c.draw_series(LineSeries::new(
                pts.into_iter().map(|(x, y)| (log_x.clamp(x), y)),
                series_color(i).stroke_width(2),
            ))?;
        }

        let mut c = chart::build(&right, log_x.coord(), tail.coord(), true, false)?;
        chart::mesh(
            root,
            &mut c,
            &cdf_axes("share of replies slower (log scale)"),
        )?;
        for (i, ClassCdf(_, _, cdf)) in shown.iter().enumerate() {
            let pts = thin_cdf(cdf, &log_x, columns);
            // 1 - F is 0 at the largest value: not on a log scale.
            let pts: Vec<(f64, f64)> = pts
                .into_iter()
                .filter(|p| 1.0 - p.1 > 1e-12)
                .map(|(x, y)| (log_x.clamp(x), tail.clamp(1.0 - y)))
                .collect();
            c.draw_series(LineSeries::new(pts, series_color(i).stroke_width(2)))?;
        }
        Ok(())
    })
}

/// The plots of a run folder.
pub(crate) fn write_all(input: &super::RunPlots) -> io::Result<Vec<PathBuf>> {
    let dir = input.dir;
    let duration = input.duration.as_secs_f64();
    let warmup = input.warmup.as_secs_f64();
    let ts = data::read_timeseries(&dir.join("timeseries.csv"), Some(duration))?;
    let comps = data::read_components(
        &dir.join("components.csv"),
        warmup,
        Some(duration),
        input.kinds,
    )?;
    let ctx = Ctx::of_run(input, duration.max(ts.end_s), Vec::new());
    let mut written = vec![
        latency(&dir.join("latency.png"), &ctx, &ts, ts.windows)?,
        throughput(&dir.join("throughput.png"), &ctx, &ts, ts.windows)?,
        components(&dir.join("components.png"), &ctx, &comps, ts.windows)?,
        latency_cdf(
            &dir.join("latency_cdf.png"),
            input.scenario,
            input.variant,
            input.latency_by_class,
            warmup,
        )?,
    ];
    let tier = data::read_data_tier(
        &dir.join("components.csv"),
        warmup,
        Some(duration),
        ts.window_s,
        input.kinds,
    )?;
    written.extend(super::data_tier::write_all(dir, &ctx, &tier)?);
    Ok(written)
}
