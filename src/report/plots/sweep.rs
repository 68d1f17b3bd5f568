//! The plots of `capsim sweep` and `capsim plan`: per varied key, three
//! panels sharing its x axis (p99, error rate, cost per hour), one line per
//! combination of the other keys' values, each figure's 95% interval as a
//! band, the SLO as a dashed line; in a plan, the points that meet the SLO
//! filled, those that miss it hollow, the choice ringed.
//!
//! The input is plain data (strings as typed, figures already reduced across
//! replications), so that the plots know nothing of how the grid was run.

use std::io;
use std::ops::Range;
use std::path::Path;

use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::chart::{self, Axes, Ticked};
use super::style::*;
use crate::report::format::CURRENCY;

/// A figure across replications: its mean and 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figure {
    /// Mean across replications.
    pub mean: f64,
    /// Lower bound of the 95% interval.
    pub lo: f64,
    /// Upper bound of the 95% interval.
    pub hi: f64,
}

/// A varied key and its values, as typed (`components.web.instances`,
/// `["2", "3", "4"]`), in the grid's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepAxis {
    /// The key path, as `--set` takes it.
    pub key: String,
    /// Its values, as typed.
    pub values: Vec<String>,
}

/// One configuration of the grid and its figures.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPoint {
    /// One value per axis, in axis order, as typed.
    pub values: Vec<String>,
    /// p99 response time in milliseconds; `None` when there is no data.
    pub p99_ms: Option<Figure>,
    /// Error rate as a fraction (0.012 = 1.2%); `None` when there is no data.
    pub error_rate: Option<Figure>,
    /// Cost per hour; `None` when nothing has a price.
    pub cost_per_hour: Option<f64>,
    /// Plan only: whether the interval's upper bounds meet the SLO.
    pub meets: Option<bool>,
    /// Plan only: whether this is the plan's answer.
    pub chosen: bool,
}

/// What the plots of a sweep or a plan are drawn from.
pub struct SweepPlots<'a> {
    /// The folder the PNGs are written into.
    pub dir: &'a Path,
    /// Scenario name, for titles.
    pub scenario: &'a str,
    /// `sweep` or `plan`: starts the titles and the file names.
    pub title: &'a str,
    /// The varied keys, in the grid's order.
    pub axes: &'a [SweepAxis],
    /// The points run (a plan runs only some of the grid).
    pub points: &'a [SweepPoint],
    /// The SLO's p99 bound in milliseconds, drawn when given.
    pub slo_p99_ms: Option<f64>,
    /// The SLO's error-rate bound as a fraction, drawn when given.
    pub slo_error_rate: Option<f64>,
}

/// Writes one PNG per axis into `p.dir`, atomically, named
/// `<title>_<key>.png` with every character of the key other than a letter,
/// digit, `-` or `_` (the dots) written `_`; returns the file names, in axis
/// order.
pub fn write_sweep_plots(p: &SweepPlots) -> io::Result<Vec<String>> {
    std::fs::create_dir_all(p.dir)?;
    let mut names: Vec<String> = Vec::new();
    for a in 0..p.axes.len() {
        let base = format!("{}_{}", file_part(p.title), file_part(&p.axes[a].key));
        // Two keys that differ only in punctuation would share a name.
        let mut name = format!("{base}.png");
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{base}_{k}.png");
            k += 1;
        }
        write_axis(&p.dir.join(&name), p, a)?;
        names.push(name);
    }
    Ok(names)
}

/// `s` with every character but ASCII letters, digits, `-` and `_` as `_`.
fn file_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Most lines in a plot: one per combination of the other keys' values.
const MAX_LINES: usize = 8;

/// The x axis of one varied key: where each of its values sits, and the
/// labelled ticks.
struct XScale {
    /// Position of each value of the axis, by index.
    pos: Vec<f64>,
    /// Labelled ticks: position and text.
    ticks: Vec<(f64, String)>,
    range: Range<f64>,
    /// How the values are spaced, for the axis name.
    how: &'static str,
}

/// A value read as a number, or as a duration in seconds (`250ms`).
fn as_number(v: &str) -> Option<f64> {
    v.trim().parse::<f64>().ok().filter(|x| x.is_finite())
}

fn as_seconds(v: &str) -> Option<f64> {
    if v.trim() == "0" {
        return Some(0.0);
    }
    crate::scenario::spec::parse_duration(v)
        .ok()
        .map(|d| d.as_secs_f64())
}

/// Most values labelled one by one; past that, round ticks.
const MAX_VALUE_TICKS: usize = 16;

impl XScale {
    fn new(values: &[String]) -> XScale {
        let numbers: Option<Vec<f64>> = values.iter().map(|v| as_number(v)).collect();
        let (nums, duration) = match numbers {
            Some(n) => (Some(n), false),
            None => (values.iter().map(|v| as_seconds(v)).collect(), true),
        };
        match nums {
            Some(n) if !values.is_empty() => XScale::numeric(values, n, duration),
            _ => XScale::categorical(values),
        }
    }

    /// Values evenly spaced in the given order.
    fn categorical(values: &[String]) -> XScale {
        let n = values.len();
        let every = n.div_ceil(MAX_VALUE_TICKS).max(1);
        XScale {
            pos: (0..n).map(|i| i as f64).collect(),
            ticks: values
                .iter()
                .enumerate()
                .filter(|(i, _)| i % every == 0)
                .map(|(i, v)| (i as f64, v.clone()))
                .collect(),
            range: -0.5..(n.max(1) as f64 - 0.5),
            how: "",
        }
    }

    /// Values at their numbers (seconds for durations), on a log scale when
    /// they grow geometrically (1, 2, 4, 8...).
    fn numeric(values: &[String], n: Vec<f64>, duration: bool) -> XScale {
        let mut sorted = n.clone();
        sorted.sort_by(f64::total_cmp);
        sorted.dedup();
        let (min, max) = (sorted[0], sorted[sorted.len() - 1]);
        let log = sorted.len() >= 4 && min > 0.0 && max / min >= 10.0 && {
            // Evenly spread in log space, unevenly in linear space.
            let spread = |f: &dyn Fn(f64) -> f64| {
                let gaps: Vec<f64> = sorted.windows(2).map(|w| f(w[1]) - f(w[0])).collect();
                let hi = gaps.iter().copied().fold(0.0, f64::max);
                let lo = gaps.iter().copied().fold(f64::INFINITY, f64::min);
                hi / lo
            };
            spread(&|v| v) > 3.0 * spread(&|v: f64| v.ln())
        };
        let to_pos = |v: f64| if log { v.log10() } else { v };
        let pos: Vec<f64> = n.iter().map(|&v| to_pos(v)).collect();
        let (p0, p1) = (to_pos(min), to_pos(max));
        let pad = if p1 > p0 { (p1 - p0) * 0.04 } else { 1.0 };
        let fmt = |v: f64| if duration { fmt_time(v) } else { fmt_num(v) };
        let ticks: Vec<(f64, String)> = if sorted.len() <= MAX_VALUE_TICKS {
            // Each value, labelled as typed (its first spelling).
            sorted
                .iter()
                .map(|&v| {
                    let i = n.iter().position(|&x| x == v).unwrap_or(0);
                    (to_pos(v), values[i].trim().to_string())
                })
                .collect()
        } else if log {
            let mut t = Vec::new();
            let mut k = min.log10().floor() as i32;
            while 10f64.powi(k) <= max * 1.0001 {
                for m in [1.0, 2.0, 5.0] {
                    let v = m * 10f64.powi(k);
                    if v >= min * 0.9999 && v <= max * 1.0001 {
                        t.push((v.log10(), fmt(v)));
                    }
                }
                k += 1;
            }
            t
        } else {
            let step = nice_ceil((max - min) / 10.0);
            let first = (min / step).ceil() as i64;
            let last = (max / step + 1e-9).floor() as i64;
            (first..=last)
                .map(|i| {
                    let v = i as f64 * step;
                    (v, fmt(v))
                })
                .collect()
        };
        XScale {
            pos,
            ticks,
            range: p0 - pad..p1 + pad,
            how: match (log, duration) {
                (true, _) => " (log scale)",
                (false, true) => " (duration)",
                (false, false) => "",
            },
        }
    }

    fn coord(&self) -> Ticked<RangedCoordf64> {
        Ticked::linear(self.range.clone(), self.ticks.iter().map(|t| t.0).collect())
    }

    /// The label of the tick nearest `x`.
    fn label(&self, x: f64) -> String {
        self.ticks
            .iter()
            .min_by(|a, b| (a.0 - x).abs().total_cmp(&(b.0 - x).abs()))
            .map(|t| t.1.clone())
            .unwrap_or_default()
    }
}

/// One drawn point of a line.
#[derive(Clone, Copy)]
struct Pt {
    x: f64,
    fig: Figure,
    meets: Option<bool>,
    chosen: bool,
}

/// A figure with its interval made drawable: `None` without a finite mean;
/// a bound that is not finite is taken as the mean.
fn clean(f: Option<Figure>) -> Option<Figure> {
    let f = f?;
    if !f.mean.is_finite() {
        return None;
    }
    let or_mean = |v: f64| if v.is_finite() { v } else { f.mean };
    Some(Figure {
        mean: f.mean,
        lo: or_mean(f.lo).min(f.mean),
        hi: or_mean(f.hi).max(f.mean),
    })
}

/// A line's points: x position and index into the plot's points.
type LinePoints = Vec<(f64, usize)>;

/// The points of a plot grouped into lines (one per combination of the
/// other axes' values, in grid order), at most [`MAX_LINES`] of them.
struct Lines {
    /// Per line: its legend label and points (sorted by x), as indices into
    /// the points of the plot.
    lines: Vec<(String, LinePoints)>,
    /// How many combinations exist in all.
    total: usize,
    /// Whether the chosen point's line took the place of one of the evenly
    /// spread ones.
    chosen_kept: bool,
}

/// The short name of each key in a legend: its last segment, or the whole
/// key when two axes share that last segment.
fn short_keys(axes: &[SweepAxis]) -> Vec<String> {
    let last = |k: &str| k.rsplit('.').next().unwrap_or(k).to_string();
    axes.iter()
        .map(|a| {
            let l = last(&a.key);
            if axes.iter().filter(|b| last(&b.key) == l).count() > 1 {
                a.key.clone()
            } else {
                l
            }
        })
        .collect()
}

/// Each valid point's index of its value on each axis; `None` for a point
/// that does not fit the axes (left out).
fn grid_index(axes: &[SweepAxis], pt: &SweepPoint) -> Option<Vec<usize>> {
    if pt.values.len() != axes.len() {
        return None;
    }
    axes.iter()
        .zip(&pt.values)
        .map(|(a, v)| a.values.iter().position(|x| x == v))
        .collect()
}

fn group(p: &SweepPlots, a: usize, x: &XScale) -> Lines {
    let shorts = short_keys(p.axes);
    // Combination (other axes' value indices) -> points on it.
    let mut combos: Vec<(Vec<usize>, LinePoints)> = Vec::new();
    for (i, pt) in p.points.iter().enumerate() {
        let Some(idx) = grid_index(p.axes, pt) else {
            continue;
        };
        let other: Vec<usize> = (0..idx.len()).filter(|&k| k != a).map(|k| idx[k]).collect();
        let xv = x.pos[idx[a]];
        match combos.iter_mut().find(|c| c.0 == other) {
            Some(c) => {
                // The same configuration twice: the first counts.
                if !c.1.iter().any(|&(px, _)| px == xv) {
                    c.1.push((xv, i));
                }
            }
            None => combos.push((other, vec![(xv, i)])),
        }
    }
    combos.sort_by(|l, r| l.0.cmp(&r.0));
    let total = combos.len();
    let chosen = combos
        .iter()
        .position(|c| c.1.iter().any(|&(_, i)| p.points[i].chosen));
    let mut chosen_kept = false;
    if total > MAX_LINES {
        let keep = spread(total, MAX_LINES, chosen);
        chosen_kept = chosen.is_some_and(|c| !spread(total, MAX_LINES, None).contains(&c));
        combos = combos
            .into_iter()
            .enumerate()
            .filter(|(i, _)| keep.contains(i))
            .map(|(_, c)| c)
            .collect();
    }
    let others: Vec<usize> = (0..p.axes.len()).filter(|&k| k != a).collect();
    let lines = combos
        .into_iter()
        .map(|(other, mut pts)| {
            pts.sort_by(|l, r| l.0.total_cmp(&r.0));
            let label = others
                .iter()
                .zip(&other)
                .map(|(&k, &v)| format!("{}={}", shorts[k], p.axes[k].values[v]))
                .collect::<Vec<_>>()
                .join(", ");
            (label, pts)
        })
        .collect();
    Lines {
        lines,
        total,
        chosen_kept,
    }
}

/// `k` of `0..n` spread evenly, first and last included, in order; with
/// `must` among them (in place of the nearest).
fn spread(n: usize, k: usize, must: Option<usize>) -> Vec<usize> {
    if n <= k {
        return (0..n).collect();
    }
    let mut out: Vec<usize> = (0..k)
        .map(|i| ((i * (n - 1)) as f64 / (k - 1) as f64).round() as usize)
        .collect();
    if let Some(m) = must.filter(|m| !out.contains(m)) {
        let nearest = (0..k).min_by_key(|&i| out[i].abs_diff(m)).unwrap_or(0);
        out[nearest] = m;
        out.sort_unstable();
    }
    out
}

/// One of the three panels.
struct Panel<'a> {
    caption: String,
    y_desc: String,
    fmt: &'a dyn Fn(f64) -> String,
    /// The SLO's bound and its label.
    slo: Option<(f64, String)>,
    /// Per line (in the order of [`Lines`]): its points.
    series: Vec<Vec<Pt>>,
    /// Whether the intervals are drawn as bands (besides bars).
    band: bool,
    /// Whether the points have intervals at all.
    intervals: bool,
}

fn pct_label(v: f64) -> String {
    format!("{}%", fmt_num(v * 100.0))
}

fn num_label(v: f64) -> String {
    fmt_num(v)
}

/// `v` milliseconds as a bound's label: `600ms`, `2.5s`.
fn ms_label(v: f64) -> String {
    if v >= 1000.0 {
        format!("{}s", fmt_num(v / 1000.0))
    } else {
        format!("{}ms", fmt_num(v))
    }
}

/// The p99 panel spans more than this ratio (two decades) of values: log scale.
const LOG_SPAN: f64 = 100.0;

/// Whether the p99 panel is on a log scale, and the smallest positive mean
/// (or bound) it shows.
#[derive(Clone, Copy)]
struct P99Scale {
    log: bool,
    lo: f64,
}

/// Each line's drawable points of the figure `f` of the points.
fn line_points(
    p: &SweepPlots,
    lines: &Lines,
    f: &dyn Fn(&SweepPoint) -> Option<Figure>,
) -> Vec<Vec<Pt>> {
    lines
        .lines
        .iter()
        .map(|(_, l)| {
            l.iter()
                .filter_map(|&(xv, i)| {
                    let sp = &p.points[i];
                    clean(f(sp)).map(|fig| Pt {
                        x: xv,
                        fig,
                        meets: sp.meets,
                        chosen: sp.chosen,
                    })
                })
                .collect()
        })
        .collect()
}

/// The three panels of an axis' plot: p99, error rate, cost.
fn panels(p: &SweepPlots, lines: &Lines, bands: bool) -> ([Panel<'static>; 3], P99Scale) {
    let p99 = line_points(p, lines, &|s| s.p99_ms);
    let err = line_points(p, lines, &|s| s.error_rate);
    let cost = line_points(p, lines, &|s| {
        s.cost_per_hour.map(|c| Figure {
            mean: c,
            lo: c,
            hi: c,
        })
    });
    // p99 on a log scale when its means (and the bound) span more than two
    // decades: saturated points take seconds where good ones take
    // milliseconds, and a linear axis would flatten the good ones to zero.
    let slo_p99 = p.slo_p99_ms.filter(|v| v.is_finite() && *v > 0.0);
    let means = p99
        .iter()
        .flatten()
        .map(|q| q.fig.mean)
        .chain(slo_p99)
        .filter(|v| *v > 0.0);
    let (lo, hi) = means.fold((f64::INFINITY, 0.0f64), |(l, h), v| (l.min(v), h.max(v)));
    let log_p99 = hi > 0.0 && hi / lo > LOG_SPAN;
    let p99_caption = if log_p99 {
        format!(
            "p99 response time — log scale: the values span {:.1} decades",
            (hi / lo).log10()
        )
    } else {
        "p99 response time".to_string()
    };
    let slo_err = p.slo_error_rate.filter(|v| v.is_finite() && *v >= 0.0);
    let panels = [
        Panel {
            caption: p99_caption,
            y_desc: if log_p99 {
                "p99 (ms, log scale)"
            } else {
                "p99 (ms)"
            }
            .to_string(),
            fmt: &num_label,
            slo: slo_p99.map(|v| (v, format!("SLO {}", ms_label(v)))),
            series: p99,
            band: bands,
            intervals: true,
        },
        Panel {
            caption: "error rate: (rejected + timed out + failed) / offered".to_string(),
            y_desc: "error rate".to_string(),
            fmt: &pct_label,
            slo: slo_err.map(|v| (v, format!("SLO {}", pct_label(v)))),
            series: err,
            band: bands,
            intervals: true,
        },
        Panel {
            caption: format!("cost per hour of the sized services ({CURRENCY})"),
            y_desc: format!("cost ({CURRENCY}/hour)"),
            fmt: &num_label,
            slo: None,
            series: cost,
            band: false,
            intervals: false,
        },
    ];
    (panels, P99Scale { log: log_p99, lo })
}

/// Whether the points are a plan's (some meet or miss, one may be chosen).
fn is_plan(p: &SweepPlots) -> bool {
    p.points.iter().any(|s| s.meets.is_some() || s.chosen)
}

/// The title and subtitle of an axis' plot.
fn titles(p: &SweepPlots, key: &str, lines: &Lines, bands: bool) -> (String, String) {
    let what = {
        let mut c = p.title.chars();
        match c.next() {
            Some(f) => f.to_uppercase().chain(c).collect::<String>(),
            None => String::new(),
        }
    };
    let mut title = format!("{what}: p99, error rate and cost by {key} — {}", p.scenario);
    if lines.total > lines.lines.len() {
        title.push_str(&format!(
            " — {} of {} lines shown",
            lines.lines.len(),
            lines.total
        ));
    }
    let mut subtitle = format!(
        "points: means across replications; {}: their 95% confidence intervals",
        if bands { "shaded and bars" } else { "bars" }
    );
    if is_plan(p) {
        subtitle.push_str("; points the plan did not try are absent");
    }
    if lines.total > lines.lines.len() {
        subtitle = format!(
            "lines: the other keys' values spread evenly over the grid{} \
             (all in the CSV); {subtitle}",
            if lines.chosen_kept {
                ", and the chosen one's"
            } else {
                ""
            },
        );
    }
    (title, subtitle)
}

/// The legend of an axis' plot: the lines, the intervals, the SLO, and in
/// a plan what the points' marks mean and the choice.
fn legend(p: &SweepPlots, lines: &Lines, bands: bool, slo: bool) -> Vec<Entry> {
    let colour = |i: usize| series_color(i);
    let mut entries: Vec<Entry> = Vec::new();
    let single = lines.lines.len() == 1 && lines.lines[0].0.is_empty();
    for (i, (label, _)) in lines.lines.iter().enumerate() {
        let label = if label.is_empty() {
            "mean".to_string()
        } else {
            label.clone()
        };
        entries.push(Entry::new(label, Swatch::Line(colour(i), 2)));
    }
    if bands {
        entries.push(Entry::new(
            "95% interval",
            Swatch::Fill(if single { tint(colour(0)) } else { tint(MUTED) }),
        ));
    }
    if slo {
        entries.push(Entry::new("SLO", Swatch::Rule(SLO, Dash::Dashed, 2)));
    }
    if is_plan(p) {
        entries.push(Entry::new(
            "meets the SLO (upper bounds)",
            Swatch::Dot(MUTED, true),
        ));
        entries.push(Entry::new("misses it", Swatch::Dot(MUTED, false)));
    }
    if let Some(c) = p.points.iter().find(|s| s.chosen) {
        let shorts = short_keys(p.axes);
        let what = shorts
            .iter()
            .zip(&c.values)
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ");
        entries.push(Entry::new(format!("chosen: {what}"), Swatch::Ring(TEXT)));
    }
    entries
}

/// Writes the plot against axis `a`: three panels sharing its x axis.
fn write_axis(path: &Path, p: &SweepPlots, a: usize) -> io::Result<()> {
    let axis = &p.axes[a];
    let x = XScale::new(&axis.values);
    let lines = group(p, a, &x);
    // Bands of more than a few lines overlap into a blur: bars only then.
    let bands = lines.lines.len() <= MAX_BANDS;
    let (panels, p99) = panels(p, &lines, bands);
    let (title, subtitle) = titles(p, &axis.key, &lines, bands);
    let slo = panels.iter().any(|q| q.slo.is_some());
    let entries = legend(p, &lines, bands, slo);
    write_png(path, |root| {
        let mut top = draw_title(root, &title, &subtitle)? + 2;
        top += draw_legend(
            root,
            &entries,
            chart::LEFT as i32 + 8..WIDTH as i32 - chart::RIGHT_MARGIN as i32,
            top,
        )?;
        top += 6;
        let bottom = HEIGHT as i32 - 8;
        // The lowest panel also holds the x labels: give it their height;
        // the others are followed by the space before the next caption.
        let plot = (bottom - top - chart::BOTTOM as i32 - 2 * GAP) / 3;
        let mut y = top;
        for (k, panel) in panels.iter().enumerate() {
            let lowest = k == 2;
            label(
                root,
                &fit(
                    &panel.caption,
                    PANEL_TITLE_SIZE,
                    WIDTH as i32 - chart::LEFT as i32 - 48,
                ),
                PANEL_TITLE_SIZE,
                TEXT,
                (chart::LEFT as i32 + 8, y),
                HPos::Left,
                VPos::Top,
            )?;
            let py = y + PANEL_TITLE_SIZE as i32 + 8;
            let h = if lowest { bottom - py } else { y + plot - py };
            let area = root.clone().shrink((0, py), (WIDTH, h.max(1) as u32));
            let on = On {
                root,
                x: &x,
                key: &axis.key,
                lowest,
            };
            on.panel(&area, panel, (k == 0 && p99.log).then_some(p99.lo), k == 1)?;
            y += plot + GAP;
        }
        Ok(())
    })
    .map(|_| ())
}

/// Where a panel of an axis' plot is drawn: the image, the x axis, and
/// whether it is the lowest (which labels x).
struct On<'a, 'b> {
    root: &'a Area<'b>,
    x: &'a XScale,
    key: &'a str,
    lowest: bool,
}

impl On<'_, '_> {
    /// Builds `panel`'s chart on `area` and draws it: on a log scale from
    /// `log_from` (the lowest mean) when given, else linear from 0 (a rate,
    /// `rate`, that is 0 everywhere still gets a readable scale).
    fn panel(&self, area: &Area, panel: &Panel, log_from: Option<f64>, rate: bool) -> Drawn {
        let values = || {
            panel
                .series
                .iter()
                .flatten()
                .flat_map(|q| [q.fig.mean, q.fig.lo, q.fig.hi])
                .chain(panel.slo.as_ref().map(|s| s.0))
        };
        let empty = panel.series.iter().all(Vec::is_empty);
        let (x, key, lowest) = (self.x, self.key, self.lowest);
        if let Some(lo) = log_from {
            // Down to the lowest bound, but not more than a decade below
            // the lowest mean: a lower bound near 0 (a wide interval)
            // would squash the lines; its band stops at the bottom.
            let floor = lo / 10.0;
            let min = values()
                .filter(|v| *v > 0.0)
                .fold(f64::INFINITY, f64::min)
                .max(floor);
            let max = values().fold(0.0, f64::max);
            let log = LogAxis::new(min, max);
            let c = chart::build(area, x.coord(), log.coord(), lowest, false)?;
            draw_panel(self.root, c, x, key, lowest, panel, empty, &|v| {
                log.clamp(v)
            })
        } else {
            let max = values().fold(0.0, f64::max);
            let max = if rate && max <= 0.0 { 0.01 } else { max };
            let yl = chart::y_linear((max > 0.0).then_some(max));
            let top_y = yl.range_end();
            let c = chart::build(area, x.coord(), yl, lowest, false)?;
            draw_panel(self.root, c, x, key, lowest, panel, empty, &|v| {
                v.clamp(0.0, top_y)
            })
        }
    }
}

/// Space between a panel and the caption of the next: far more than
/// between a caption and its own panel (8 px), so that a caption reads as
/// the next panel's, clear of the tick label at the bottom of the one above.
const GAP: i32 = 40;

/// The colour of the SLO's line and label.
const SLO: RGBColor = RGBColor(60, 60, 60);

/// A pale version of `c`, for a band's legend swatch.
fn tint(c: RGBColor) -> RGBColor {
    let m = |v: u8| (255.0 - (255.0 - v as f64) * BAND_ALPHA).round() as u8;
    RGBColor(m(c.0), m(c.1), m(c.2))
}

/// Most lines whose intervals are drawn as bands (past that, bars only).
const MAX_BANDS: usize = 3;

/// Opacity of an interval's band.
const BAND_ALPHA: f64 = 0.18;

#[allow(clippy::too_many_arguments)]
fn draw_panel<RY: Ranged<ValueType = f64>>(
    root: &Area,
    mut c: chart::Chart<'_, '_, Ticked<RangedCoordf64>, Ticked<RY>>,
    x: &XScale,
    key: &str,
    lowest: bool,
    panel: &Panel,
    empty: bool,
    fix: &dyn Fn(f64) -> f64,
) -> Drawn {
    let x_fmt = |v: f64| x.label(v);
    let x_desc = format!("{key}{}", x.how);
    chart::mesh(
        root,
        &mut c,
        &Axes {
            x_labels: lowest,
            x_fmt: &x_fmt,
            x_desc: lowest.then_some(x_desc.as_str()),
            y_fmt: panel.fmt,
            y_desc: &panel.y_desc,
        },
    )?;
    let f = chart::frame(&c, 1.0);
    if empty {
        note_in(root, &f, "no data")?;
    }
    // Bands first, so that every line and point shows over them.
    if panel.intervals {
        for (i, pts) in panel.series.iter().enumerate() {
            let colour = series_color(i);
            if panel.band && pts.len() >= 2 {
                let mut poly: Vec<(f64, f64)> = pts.iter().map(|q| (q.x, fix(q.fig.hi))).collect();
                poly.extend(pts.iter().rev().map(|q| (q.x, fix(q.fig.lo))));
                c.draw_series(std::iter::once(Polygon::new(
                    poly,
                    colour.mix(BAND_ALPHA).filled(),
                )))?;
            }
            // Each interval also as a bar: a lone point has no band, and a
            // bar shows which point an interval belongs to.
            for q in pts {
                let (px, top) = c.backend_coord(&(q.x, fix(q.fig.hi)));
                let (_, bot) = c.backend_coord(&(q.x, fix(q.fig.lo)));
                if bot - top >= 2 {
                    let s = colour.mix(0.6).stroke_width(1);
                    root.draw(&PathElement::new(vec![(px, top), (px, bot)], s))?;
                    root.draw(&PathElement::new(vec![(px - 4, top), (px + 4, top)], s))?;
                    root.draw(&PathElement::new(vec![(px - 4, bot), (px + 4, bot)], s))?;
                }
            }
        }
    }
    if let Some((v, text)) = &panel.slo {
        let (_, py) = c.backend_coord(&(x.range.start, fix(*v)));
        rule(
            root,
            (f.x.start, py),
            (f.x.end - 1, py),
            SLO,
            Dash::Dashed,
            2,
        )?;
        // At the left end, where a count or a size is too small and the
        // lines are far from the bound; on a white ground.
        let w = width(text, TICK_SIZE);
        let (x0, y1) = (
            f.x.start + 8,
            (py - 4).max(f.y.start + TICK_SIZE as i32 + 2),
        );
        root.draw(&Rectangle::new(
            [(x0 - 3, y1 - TICK_SIZE as i32 - 1), (x0 + w + 3, y1 + 1)],
            WHITE.filled(),
        ))?;
        label(
            root,
            text,
            TICK_SIZE,
            SLO,
            (x0, y1),
            HPos::Left,
            VPos::Bottom,
        )?;
    }
    for (i, pts) in panel.series.iter().enumerate() {
        chart::line(
            &mut c,
            pts.iter().map(|q| (q.x, q.fig.mean)),
            fix,
            series_color(i),
            2,
        )?;
    }
    for (i, pts) in panel.series.iter().enumerate() {
        for q in pts {
            let at = c.backend_coord(&(q.x, fix(q.fig.mean)));
            point_marker(root, at, series_color(i), q.meets != Some(false))?;
        }
    }
    for pts in &panel.series {
        for q in pts.iter().filter(|q| q.chosen) {
            let at = c.backend_coord(&(q.x, fix(q.fig.mean)));
            point_ring(root, at, TEXT)?;
            // Beside the ring, on the side with room.
            // Above and beside the ring, on a white ground so that lines
            // behind it do not cross the word; inside the panel.
            let w = width("chosen", TICK_SIZE);
            let right = at.0 + 14 + w + 4 < f.x.end;
            let x0 = if right { at.0 + 12 } else { at.0 - 12 - w };
            let y1 = (at.1 - 8).max(f.y.start + TICK_SIZE as i32 + 4);
            root.draw(&Rectangle::new(
                [(x0 - 3, y1 - TICK_SIZE as i32 - 2), (x0 + w + 3, y1 + 1)],
                WHITE.filled(),
            ))?;
            label(
                root,
                "chosen",
                TICK_SIZE,
                TEXT,
                (x0, y1),
                HPos::Left,
                VPos::Bottom,
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn counts_are_numeric_and_labelled_as_typed() {
        let x = XScale::new(&strings(&["2", "3", "4", "10"]));
        assert_eq!(x.pos, vec![2.0, 3.0, 4.0, 10.0]);
        let labels: Vec<&str> = x.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, vec!["2", "3", "4", "10"]);
        assert_eq!(x.how, "");
        assert!(x.range.start < 2.0 && x.range.end > 10.0);
        assert_eq!(x.label(3.1), "3");
    }

    #[test]
    fn geometric_values_get_a_log_axis() {
        let x = XScale::new(&strings(&["1", "2", "4", "8", "16", "32"]));
        assert_eq!(x.how, " (log scale)");
        assert!((x.pos[5] - 32f64.log10()).abs() < 1e-12);
        // Evenly spaced counts stay linear, even over a decade.
        assert_eq!(
            XScale::new(&(2..=30).map(|n| n.to_string()).collect::<Vec<_>>()).how,
            ""
        );
    }

    #[test]
    fn durations_are_numeric_and_words_categorical() {
        let x = XScale::new(&strings(&["250ms", "500ms", "1s", "2s"]));
        assert_eq!(x.how, " (duration)");
        assert_eq!(x.pos, vec![0.25, 0.5, 1.0, 2.0]);
        assert_eq!(x.ticks[2].1, "1s");
        let c = XScale::new(&strings(&["small", "large", "xlarge"]));
        assert_eq!(c.pos, vec![0.0, 1.0, 2.0]);
        assert_eq!(c.ticks.len(), 3);
        // A mix of numbers and words is categorical, in the given order.
        let m = XScale::new(&strings(&["4", "auto", "2"]));
        assert_eq!(m.pos, vec![0.0, 1.0, 2.0]);
        assert_eq!(m.label(2.0), "2");
    }

    #[test]
    fn long_ranges_get_round_ticks() {
        let x = XScale::new(&(2..=100).map(|n| n.to_string()).collect::<Vec<_>>());
        let labels: Vec<&str> = x.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(
            labels,
            vec!["10", "20", "30", "40", "50", "60", "70", "80", "90", "100"]
        );
        let c = XScale::new(&(0..40).map(|n| format!("v{n}")).collect::<Vec<_>>());
        assert!(c.ticks.len() <= MAX_VALUE_TICKS, "{}", c.ticks.len());
    }

    #[test]
    fn many_lines_are_spread_over_the_grid_and_keep_the_choice() {
        assert_eq!(spread(5, 8, None), vec![0, 1, 2, 3, 4]);
        assert_eq!(spread(11, 8, None), vec![0, 1, 3, 4, 6, 7, 9, 10]);
        let s = spread(11, 8, Some(2));
        assert_eq!(s.len(), 8);
        assert!(s.contains(&2) && s.contains(&0) && s.contains(&10), "{s:?}");
        assert!(s.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn names_and_legends_read_well() {
        assert_eq!(
            file_part("components.web.instances"),
            "components_web_instances"
        );
        assert_eq!(file_part("a/b c[0]"), "a_b_c_0_");
        let axes = [
            SweepAxis {
                key: "components.web.instances".into(),
                values: vec![],
            },
            SweepAxis {
                key: "components.api.instances".into(),
                values: vec![],
            },
            SweepAxis {
                key: "components.web.size".into(),
                values: vec![],
            },
        ];
        assert_eq!(
            short_keys(&axes),
            vec![
                "components.web.instances",
                "components.api.instances",
                "size"
            ]
        );
    }
}
