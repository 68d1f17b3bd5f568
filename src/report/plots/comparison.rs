//! The comparison plots: one series per variant, overlaid.

use std::io;
use std::path::{Path, PathBuf};

use super::chart;
use super::data::{self, DataTier, Timeseries};
use super::figure::{self, Block, Layer, Panel, TimeFigure, Timeline, YAxis};
use super::markers::{Marker, Marks};
use super::style::*;
use crate::engine::SimDuration;
use crate::report::schema::timeseries as ts;

/// How the y axis of an overlay reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scale {
    /// Milliseconds on a log scale.
    LogMs,
    /// From 0 to a little above the largest value.
    Linear,
    /// The same, as a percentage (an error rate).
    Percent,
    /// 0 to 100%, whatever the values (a hit ratio).
    Share,
}

fn pct_label(v: f64) -> String {
    format!("{}%", fmt_num(v * 100.0))
}

fn num_label(v: f64) -> String {
    fmt_num(v)
}

/// Line width of the `i`th of `n` variants: earlier ones a little wider, and
/// drawn first, so that variants with equal results still all show.
fn width_of(i: usize, n: usize) -> u32 {
    2 + (n - 1 - i).min(2) as u32
}

/// How a value is put into its panel.
#[derive(Clone, Copy)]
enum Clamp {
    /// Into `lo..=hi`.
    Within(f64, f64),
    /// At most the top.
    Below(f64),
}

impl Clamp {
    fn apply(self, v: f64) -> f64 {
        match self {
            Clamp::Within(lo, hi) => v.clamp(lo, hi),
            Clamp::Below(hi) => v.min(hi),
        }
    }
}

/// Per variant (by index): its points, NaN y a gap.
type Lines = Vec<(usize, Vec<(f64, f64)>)>;

/// Whether two lines have the same points (gaps where the other has gaps).
fn same_points(a: &[(f64, f64)], b: &[(f64, f64)]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(p, q)| p.0 == q.0 && (p.1 == q.1 || (p.1.is_nan() && q.1.is_nan())))
}

/// Per variant, the earlier variant whose line it repeats in every panel
/// (`panels`, each the variants' lines): the later line is drawn over the
/// earlier, which would otherwise seem missing. A variant without a line in
/// some panel repeats nobody's.
fn repeats(panels: &[&Lines], n: usize) -> Vec<Option<usize>> {
    fn line(p: &Lines, i: usize) -> Option<&[(f64, f64)]> {
        p.iter().find(|s| s.0 == i).map(|s| s.1.as_slice())
    }
    (0..n)
        .map(|i| {
            (0..i).find(|&j| {
                panels.iter().all(|p| match (line(p, i), line(p, j)) {
                    (Some(a), Some(b)) => same_points(a, b),
                    _ => false,
                })
            })
        })
        .collect()
}

/// The largest finite value of the lines.
fn max_of(lines: &Lines) -> Option<f64> {
    lines
        .iter()
        .flat_map(|s| s.1.iter().map(|p| p.1))
        .filter(|v| v.is_finite())
        .reduce(f64::max)
}

/// What the comparison plots share: the variants, the time axis, the
/// warm-up and the base's markers, and how many windows a point holds.
struct Comparison<'a> {
    dir: &'a Path,
    scenario: &'a str,
    names: Vec<&'a str>,
    timeline: Timeline<'a>,
    /// Windows per drawn point of the most downsampled variant.
    windows: f64,
}

impl Comparison<'_> {
    fn title(&self, what: &str) -> String {
        format!("{what} by variant — {}", self.scenario)
    }

    /// How a subtitle describes the points of a downsampled series.
    fn note(&self, how: &str) -> String {
        if self.windows > 1.05 {
            format!(
                "; each point is the {how} of about {} windows",
                fmt_count(self.windows.round() as u64)
            )
        } else {
            String::new()
        }
    }

    /// One legend entry per variant, in its colour; `missing` tells the
    /// variants that drew no line; a variant whose line is another's
    /// (`repeats`) says so, `fast (= base)`, since one hides the other.
    fn legend(
        &self,
        missing: &dyn Fn(usize, &str) -> Option<String>,
        repeats: &[Option<usize>],
    ) -> Vec<Entry> {
        let n = self.names.len();
        self.names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let text =
                    missing(i, name).unwrap_or_else(|| match repeats.get(i).copied().flatten() {
                        Some(j) => format!("{name} (= {})", self.names[j]),
                        None => name.to_string(),
                    });
                Entry::new(text, Swatch::Line(series_color(i), width_of(i, n)))
            })
            .collect()
    }

    /// A panel of the variants' lines on `scale`, "no data" when none has a
    /// value; values above the axis drawn at its top (and, `floored`, below
    /// 0 at 0).
    fn panel<'p>(&self, scale: Scale, y_desc: &'p str, lines: Lines, floored: bool) -> Panel<'p> {
        let n = self.names.len();
        let max = max_of(&lines);
        let (y, fmt, clamp): (YAxis, &'p dyn Fn(f64) -> String, Clamp) = match scale {
            Scale::LogMs => {
                let lo = lines
                    .iter()
                    .flat_map(|s| s.1.iter().map(|p| p.1))
                    .filter(|v| v.is_finite() && *v > 0.0)
                    .reduce(f64::min);
                let log = LogAxis::new(lo.unwrap_or(f64::NAN), max.unwrap_or(f64::NAN));
                let clamp = Clamp::Within(log.lo, log.hi);
                (YAxis::Log(log), &num_label, clamp)
            }
            Scale::Linear | Scale::Percent | Scale::Share => {
                let y = if scale == Scale::Share {
                    chart::Ticked::linear(0.0..1.08, vec![0.0, 0.25, 0.5, 0.75, 1.0])
                } else {
                    chart::y_linear(max)
                };
                let top = y.range_end();
                let fmt: &'p dyn Fn(f64) -> String = match scale {
                    Scale::Linear => &num_label,
                    _ => &pct_label,
                };
                let clamp = if floored {
                    Clamp::Within(0.0, top)
                } else {
                    Clamp::Below(top)
                };
                (YAxis::Linear(y), fmt, clamp)
            }
        };
        let mut panel = Panel::new(1.0, y, y_desc, fmt);
        if max.is_none() {
            panel = panel.with(Layer::note("no data"));
        }
        panel.with_all(lines.into_iter().map(|(i, pts)| {
            Layer::fixed_line(
                pts,
                move |v| clamp.apply(v),
                series_color(i),
                width_of(i, n),
            )
        }))
    }

    /// One panel of all the variants overlaid, in `file`.
    fn overlay(
        &self,
        file: &str,
        what: &str,
        scale: Scale,
        y_desc: &str,
        subtitle: String,
        lines: Lines,
    ) -> io::Result<PathBuf> {
        let same = repeats(&[&lines], self.names.len());
        let fig = TimeFigure {
            title: self.title(what),
            subtitle,
            legend: self.legend(&|_, _| None, &same),
            blocks: vec![Block::of(vec![self.panel(scale, y_desc, lines, false)])],
        };
        figure::draw(&self.dir.join(file), fig, &self.timeline)
    }
}

/// The error rate of each point of a run: errors over offered, a gap where
/// nothing was offered.
fn error_rates(r: &Timeseries) -> Vec<(f64, f64)> {
    let s = &r.series;
    (0..s.x.len())
        .map(|i| {
            let offered = s.cols[data::OFFERED][i];
            let errs: f64 = [data::REJECTED, data::TIMED_OUT, data::FAILED]
                .iter()
                .map(|&c| s.cols[c][i])
                .filter(|v| v.is_finite())
                .sum();
            let rate = if offered > 0.0 {
                errs / offered
            } else {
                f64::NAN
            };
            (s.x[i], rate)
        })
        .collect()
}

/// The running total of `sessions_lost` in a run's `timeseries.csv`, at
/// each window's end (at most about [`data::MAX_POINTS`] points); `None`
/// when the column is empty (no service keeps sessions).
fn cumulative_sessions_lost(path: &Path) -> io::Result<Option<Vec<(f64, f64)>>> {
    let bad = |e: csv::Error| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {e}", path.display()),
        )
    };
    let mut rdr = csv::Reader::from_path(path).map_err(bad)?;
    let headers = rdr.headers().map_err(bad)?.clone();
    let (Some(t_col), Some(s_col)) = (
        headers.iter().position(|h| h == ts::TIME),
        headers.iter().position(|h| h == ts::SESSIONS_LOST),
    ) else {
        return Ok(None);
    };
    let mut rows: Vec<(f64, f64)> = Vec::new();
    let mut total = 0.0;
    let mut any = false;
    for rec in rdr.records() {
        let rec = rec.map_err(bad)?;
        let t: f64 = rec
            .get(t_col)
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN);
        if let Some(n) = rec.get(s_col).filter(|v| !v.is_empty()) {
            any = true;
            total += n.parse::<f64>().unwrap_or(0.0);
        }
        rows.push((t, total));
    }
    if !any {
        return Ok(None);
    }
    // Each point is plotted at its window's end: the total reached by then.
    let window = match rows.as_slice() {
        [a, b, ..] => b.0 - a.0,
        _ => 0.0,
    };
    let step = rows.len().div_ceil(data::MAX_POINTS).max(1);
    let last = rows.len().saturating_sub(1);
    Ok(Some(
        rows.iter()
            .enumerate()
            .filter(|(i, _)| i % step == 0 || *i == last)
            .map(|(_, &(t, v))| (t + window, v))
            .collect(),
    ))
}

/// Writes the comparison plots of `variants` into `dir`.
pub(crate) fn write_all(
    dir: &Path,
    scenario: &str,
    variants: &[super::VariantRun],
    warmup: SimDuration,
    markers: &[Marker],
) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let runs: Vec<Timeseries> = variants
        .iter()
        .map(|v| data::read_timeseries(&v.dir.join("timeseries.csv"), None))
        .collect::<io::Result<_>>()?;
    let end = runs.iter().map(|r| r.end_s).fold(0.0, f64::max);
    let axis = TimeAxis::new(end);
    let warmup = warmup.as_secs_f64();
    let marks = Marks::new(markers, axis.end, "base/events.csv");
    let c = Comparison {
        dir,
        scenario,
        names: variants.iter().map(|v| v.name).collect(),
        timeline: Timeline {
            axis: &axis,
            warmup,
            markers: &marks,
        },
        windows: runs
            .iter()
            .map(|r| r.windows as f64 / r.series.x.len().max(1) as f64)
            .fold(1.0, f64::max),
    };
    let mut written = headline_plots(&c, &runs)?;
    written.extend(sessions_plot(&c, variants)?);
    // The data tier: read only where a variant has one.
    let tiers: Vec<DataTier> = variants
        .iter()
        .zip(&runs)
        .map(|(v, r)| {
            data::read_data_tier(
                &v.dir.join("components.csv"),
                warmup,
                None,
                r.window_s,
                v.kinds,
            )
        })
        .collect::<io::Result<_>>()?;
    written.extend(tier_plots(&c, &tiers)?);
    Ok(written)
}

/// `latency_p99.png`, `throughput.png` (goodput) and `errors.png`.
fn headline_plots(c: &Comparison, runs: &[Timeseries]) -> io::Result<Vec<PathBuf>> {
    let column = |col: usize| -> Lines {
        runs.iter()
            .enumerate()
            .map(|(i, r)| (i, r.series.points(col).collect()))
            .collect()
    };
    Ok(vec![
        c.overlay(
            "latency_p99.png",
            "p99 response time",
            Scale::LogMs,
            "p99 response time (ms, log scale)",
            format!(
                "99th percentile of the successful replies arriving in each window{}",
                c.note("maximum")
            ),
            column(data::P99),
        )?,
        c.overlay(
            "throughput.png",
            "Goodput",
            Scale::Linear,
            "goodput (req/s)",
            format!(
                "successful replies within the client's deadline, per second{}",
                c.note("mean")
            ),
            column(data::GOODPUT),
        )?,
        c.overlay(
            "errors.png",
            "Error rate",
            Scale::Percent,
            "errors / offered",
            format!(
                "(rejected + timed out + failed) / offered, per window{}",
                c.note("mean")
            ),
            runs.iter()
                .enumerate()
                .map(|(i, r)| (i, error_rates(r)))
                .collect(),
        )?,
    ])
}

/// `sessions_lost.png` when some variant keeps sessions: a running total,
/// so that a crash's loss shows as a step and steady losses as a slope.
fn sessions_plot(c: &Comparison, variants: &[super::VariantRun]) -> io::Result<Option<PathBuf>> {
    let sessions: Vec<Option<Vec<(f64, f64)>>> = variants
        .iter()
        .map(|v| cumulative_sessions_lost(&v.dir.join("timeseries.csv")))
        .collect::<io::Result<_>>()?;
    if !sessions.iter().any(Option::is_some) {
        return Ok(None);
    }
    let lines = sessions
        .into_iter()
        .enumerate()
        .map(|(i, s)| (i, s.unwrap_or_default()))
        .collect();
    c.overlay(
        "sessions_lost.png",
        "Sessions lost",
        Scale::Linear,
        "sessions lost since the start",
        "local sessions lost so far (a crash, a scale-in, or a user sent to another instance); \
         none for a shared store or a variant without sessions"
            .to_string(),
        lines,
    )
    .map(Some)
}

/// `hit_ratio.png` when a variant has a cache and `queue_backlog.png` when
/// one has a queue: a panel per cache or queue, the variants overlaid.
fn tier_plots(c: &Comparison, tiers: &[DataTier]) -> io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let (caches, hidden) = panel_names(
        tiers
            .iter()
            .map(|t| t.caches.iter().map(|c| c.name.as_str())),
    );
    if !caches.is_empty() {
        let panels = caches
            .iter()
            .map(|name| {
                let lines = tiers
                    .iter()
                    .enumerate()
                    .filter_map(|(i, t)| {
                        let c = t.caches.iter().find(|c| &c.name == name)?;
                        Some((i, c.hit_ratio()))
                    })
                    .collect();
                (format!("{name}: hit ratio"), lines)
            })
            .collect();
        written.push(stacked(
            c,
            Stacked {
                file: "hit_ratio.png",
                what: "Cache hit ratio",
                noun: ("cache", "caches"),
                hidden,
                subtitle: format!(
                    "hits / lookups per window, all the cache's nodes together: higher is better{}",
                    c.note("mean")
                ),
                scale: Scale::Share,
                y_desc: "hit ratio",
                panels,
            },
        )?);
    }
    let (queues, hidden) = panel_names(
        tiers
            .iter()
            .map(|t| t.queues.iter().map(|q| q.name.as_str())),
    );
    if !queues.is_empty() {
        let panels = queues
            .iter()
            .map(|name| {
                let lines = tiers
                    .iter()
                    .enumerate()
                    .filter_map(|(i, t)| {
                        let q = t.queues.iter().find(|q| &q.name == name)?;
                        Some((i, q.series.points(data::HELD).collect()))
                    })
                    .collect();
                (format!("{name}: messages held"), lines)
            })
            .collect();
        written.push(stacked(
            c,
            Stacked {
                file: "queue_backlog.png",
                what: "Queue backlog",
                noun: ("queue", "queues"),
                hidden,
                subtitle: format!(
                    "messages held (waiting or being consumed): a line that keeps rising means \
                     publishers outpace the consumers{}",
                    c.note("mean")
                ),
                scale: Scale::Linear,
                y_desc: "held (messages)",
                panels,
            },
        )?);
    }
    Ok(written)
}

/// Most panels of a stacked comparison plot.
pub(crate) const MAX_STACKED: usize = 3;

/// The names of the components of any variant, in the order they first
/// appear, at most [`MAX_STACKED`]; and how many more there are.
fn panel_names<'a, I>(per_variant: impl Iterator<Item = I>) -> (Vec<String>, usize)
where
    I: Iterator<Item = &'a str>,
{
    let mut names: Vec<String> = Vec::new();
    for v in per_variant {
        for n in v {
            if !names.iter().any(|m| m == n) {
                names.push(n.to_string());
            }
        }
    }
    let hidden = names.len().saturating_sub(MAX_STACKED);
    names.truncate(MAX_STACKED);
    (names, hidden)
}

/// Variants overlaid in panels stacked one above the other, one per
/// component, all sharing the time axis.
struct Stacked<'a> {
    file: &'a str,
    what: &'a str,
    /// The component's kind, one and several: what a variant without a
    /// line lacks (its legend says so), what the title counts.
    noun: (&'a str, &'a str),
    /// Components left out.
    hidden: usize,
    subtitle: String,
    scale: Scale,
    y_desc: &'a str,
    /// Per component: its caption and the variants' lines.
    panels: Vec<(String, Lines)>,
}

fn stacked(c: &Comparison, o: Stacked) -> io::Result<PathBuf> {
    let mut title = c.title(o.what);
    if o.hidden > 0 {
        title.push_str(&format!(
            " — first {} of {} {}",
            o.panels.len(),
            o.panels.len() + o.hidden,
            o.noun.1
        ));
    }
    // Every variant keeps its colour of the other comparison plots; one
    // without the component says so rather than leave the reader looking
    // for its line.
    let drawn = |i: usize| o.panels.iter().any(|p| p.1.iter().any(|s| s.0 == i));
    let all: Vec<&Lines> = o.panels.iter().map(|p| &p.1).collect();
    let same = repeats(&all, c.names.len());
    let legend = c.legend(
        &|i, name| (!drawn(i)).then(|| format!("{name} (no {})", o.noun.0)),
        &same,
    );
    let k = o.panels.len();
    let blocks = o
        .panels
        .into_iter()
        .enumerate()
        .map(|(p, (caption, lines))| Block {
            caption: Some(caption),
            legend: Vec::new(),
            x_labels: p + 1 == k,
            panels: vec![c.panel(o.scale, o.y_desc, lines, true)],
        })
        .collect();
    let fig = TimeFigure {
        title,
        subtitle: o.subtitle,
        legend,
        blocks,
    };
    figure::draw(&c.dir.join(o.file), fig, &c.timeline)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_another_variant_repeats_is_found() {
        let a = vec![(0.0, 1.0), (1.0, f64::NAN), (2.0, 3.0)];
        let b = vec![(0.0, 1.0), (1.0, 2.0), (2.0, 3.0)];
        let p1: Lines = vec![(0, a.clone()), (1, b.clone()), (2, a.clone())];
        assert_eq!(repeats(&[&p1], 3), [None, None, Some(0)]);
        // Repeated in one panel only: not the same.
        let p2: Lines = vec![(0, a.clone()), (1, b.clone()), (2, b.clone())];
        assert_eq!(repeats(&[&p1, &p2], 3), [None, None, None]);
        // Without a line in a panel: nobody's repeat.
        let p3: Lines = vec![(0, a.clone()), (1, b)];
        assert_eq!(repeats(&[&p1, &p3], 3), [None, None, None]);
    }
}
