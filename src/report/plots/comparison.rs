//! The comparison plots: one series per variant, overlaid.

use std::io;
use std::path::{Path, PathBuf};

use super::chart::{self, Axes};
use super::data::{self, Timeseries};
use super::markers::{Marker, Marks, draw_markers, draw_strip};
use super::style::*;
use crate::engine::SimDuration;
use crate::report::schema::timeseries as ts;

/// How the y axis of an overlay reads.
enum YAxis {
    /// Milliseconds on a log scale.
    LogMs,
    /// Requests per second from 0.
    Rate,
    /// A share from 0, as a percentage.
    Share,
}

struct Overlay<'a> {
    title: String,
    subtitle: String,
    y: YAxis,
    y_desc: &'a str,
    /// Per variant: name and points (NaN y is a gap).
    series: Vec<(&'a str, Vec<(f64, f64)>)>,
    warmup: f64,
    markers: &'a Marks,
    axis: &'a TimeAxis,
}

fn pct_label(v: f64) -> String {
    format!("{}%", fmt_num(v * 100.0))
}

fn num_label(v: f64) -> String {
    fmt_num(v)
}

fn time_label(v: f64) -> String {
    fmt_time(v)
}

/// Line width of the `i`th of `n` variants: earlier ones a little wider, and
/// drawn first, so that variants with equal results still all show.
fn width_of(i: usize, n: usize) -> u32 {
    2 + (n - 1 - i).min(2) as u32
}

fn overlay(path: &Path, o: &Overlay) -> io::Result<PathBuf> {
    let finite = || {
        o.series
            .iter()
            .flat_map(|s| s.1.iter().map(|p| p.1))
            .filter(|v| v.is_finite())
    };
    let max = finite().reduce(f64::max);
    let n = o.series.len();
    write_png(path, |root| {
        let mut entries: Vec<Entry> = o
            .series
            .iter()
            .enumerate()
            .map(|(i, (name, _))| Entry::new(*name, Swatch::Line(series_color(i), width_of(i, n))))
            .collect();
        if o.warmup > 0.0 {
            entries.push(Entry::new("warm-up (not in summary)", Swatch::Fill(SHADE)));
        }
        entries.extend(o.markers.entries());
        let mut top = draw_title(root, &o.title, &o.subtitle)? + 2;
        top += draw_legend(
            root,
            &entries,
            chart::LEFT as i32 + 8..WIDTH as i32 - chart::RIGHT_MARGIN as i32,
            top,
        )?;
        top += STRIP;
        let area = root
            .clone()
            .shrink((0, top), (WIDTH, HEIGHT - top as u32 - 8));
        let axes = |y_fmt: &'static dyn Fn(f64) -> String| Axes {
            x_labels: true,
            x_fmt: &time_label,
            x_desc: Some("time since start"),
            y_fmt,
            y_desc: o.y_desc,
        };
        let decorate = |f: &Frame| -> Drawn {
            draw_markers(root, f, o.markers)?;
            draw_strip(root, f, o.warmup, o.markers)?;
            if max.is_none() {
                note_in(root, f, "no data")?;
            }
            Ok(())
        };
        match o.y {
            YAxis::LogMs => {
                let lo = finite().filter(|v| *v > 0.0).reduce(f64::min);
                let log = LogAxis::new(lo.unwrap_or(f64::NAN), max.unwrap_or(f64::NAN));
                let mut c = chart::build(&area, o.axis.coord(), log.coord(), true, false)?;
                let f = chart::frame(&c, o.axis.end);
                shade_warmup(root, &f, o.warmup)?;
                chart::mesh(root, &mut c, &axes(&num_label))?;
                decorate(&f)?;
                for (i, (_, pts)) in o.series.iter().enumerate() {
                    chart::line(
                        &mut c,
                        pts.iter().copied(),
                        |v| log.clamp(v),
                        series_color(i),
                        width_of(i, n),
                    )?;
                }
            }
            YAxis::Rate | YAxis::Share => {
                let fmt: &'static dyn Fn(f64) -> String = match o.y {
                    YAxis::Share => &pct_label,
                    _ => &num_label,
                };
                let y = chart::y_linear(max);
                let top_y = y.range_end();
                let mut c = chart::build(&area, o.axis.coord(), y, true, false)?;
                let f = chart::frame(&c, o.axis.end);
                shade_warmup(root, &f, o.warmup)?;
                chart::mesh(root, &mut c, &axes(fmt))?;
                decorate(&f)?;
                for (i, (_, pts)) in o.series.iter().enumerate() {
                    chart::line(
                        &mut c,
                        pts.iter().copied(),
                        |v| v.min(top_y),
                        series_color(i),
                        width_of(i, n),
                    )?;
                }
            }
        }
        Ok(())
    })
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
    let markers = Marks::new(markers, axis.end, "base/events.csv");
    let names: Vec<&str> = variants.iter().map(|v| v.name).collect();
    let column = |col: usize| -> Vec<(&str, Vec<(f64, f64)>)> {
        names
            .iter()
            .zip(&runs)
            .map(|(n, r)| (*n, r.series.points(col).collect()))
            .collect()
    };
    let errors: Vec<(&str, Vec<(f64, f64)>)> = names
        .iter()
        .zip(&runs)
        .map(|(n, r)| {
            let s = &r.series;
            let pts = (0..s.x.len())
                .map(|i| {
                    let offered = s.cols[data::OFFERED][i];
                    let errs: f64 = [data::REJECTED, data::TIMED_OUT, data::FAILED]
                        .iter()
                        .map(|&c| s.cols[c][i])
                        .filter(|v| v.is_finite())
                        .sum();
                    // No requests, no rate: a gap.
                    let rate = if offered > 0.0 {
                        errs / offered
                    } else {
                        f64::NAN
                    };
                    (s.x[i], rate)
                })
                .collect();
            (*n, pts)
        })
        .collect();
    let windows = runs
        .iter()
        .map(|r| r.windows as f64 / r.series.x.len().max(1) as f64)
        .fold(1.0, f64::max);
    let note = |how: &str| {
        if windows > 1.05 {
            format!(
                "; each point is the {how} of about {} windows",
                fmt_count(windows.round() as u64)
            )
        } else {
            String::new()
        }
    };
    let title = |what: &str| format!("{what} by variant — {scenario}");
    let base = |what: &str, y: YAxis, y_desc: &'static str, subtitle: String, series| Overlay {
        title: title(what),
        subtitle,
        y,
        y_desc,
        series,
        warmup,
        markers: &markers,
        axis: &axis,
    };
    let mut written = vec![
        overlay(
            &dir.join("latency_p99.png"),
            &base(
                "p99 response time",
                YAxis::LogMs,
                "p99 response time (ms, log scale)",
                format!(
                    "99th percentile of the successful replies arriving in each window{}",
                    note("maximum")
                ),
                column(data::P99),
            ),
        )?,
        overlay(
            &dir.join("throughput.png"),
            &base(
                "Goodput",
                YAxis::Rate,
                "goodput (req/s)",
                format!(
                    "successful replies within the client's deadline, per second{}",
                    note("mean")
                ),
                column(data::GOODPUT),
            ),
        )?,
        overlay(
            &dir.join("errors.png"),
            &base(
                "Error rate",
                YAxis::Share,
                "errors / offered",
                format!(
                    "(rejected + timed out + failed) / offered, per window{}",
                    note("mean")
                ),
                errors,
            ),
        )?,
    ];
    // Sessions: drawn when some variant keeps them, as a running total so
    // that a crash's loss shows as a step and steady losses as a slope.
    let sessions: Vec<Option<Vec<(f64, f64)>>> = variants
        .iter()
        .map(|v| cumulative_sessions_lost(&v.dir.join("timeseries.csv")))
        .collect::<io::Result<_>>()?;
    if sessions.iter().any(Option::is_some) {
        let series = names
            .iter()
            .zip(sessions)
            .map(|(n, s)| (*n, s.unwrap_or_default()))
            .collect();
        written.push(overlay(
            &dir.join("sessions_lost.png"),
            &base(
                "Sessions lost",
                YAxis::Rate,
                "sessions lost since the start",
                "local sessions lost so far (a crash, a scale-in, or a user sent to another instance); \
                 none for a shared store or a variant without sessions"
                    .to_string(),
                series,
            ),
        )?);
    }
    // The data tier: read only as far as the first window of each variant
    // without one.
    let tiers: Vec<data::DataTier> = variants
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
    let stacked = |what: &str, noun: &str, shown: &[String], hidden: usize, subtitle: String| {
        let mut t = title(what);
        if hidden > 0 {
            t.push_str(&format!(
                " — first {} of {} {noun}",
                shown.len(),
                shown.len() + hidden
            ));
        }
        Stacked {
            title: t,
            subtitle,
            variants: &names,
            noun: "",
            warmup,
            markers: &markers,
            axis: &axis,
            y: YAxis::Rate,
            y_desc: "",
            panels: Vec::new(),
        }
    };
    let (caches, hidden) = panel_names(
        tiers
            .iter()
            .map(|t| t.caches.iter().map(|c| c.name.as_str())),
    );
    if !caches.is_empty() {
        let mut o = stacked(
            "Cache hit ratio",
            "caches",
            &caches,
            hidden,
            format!(
                "hits / lookups per window, all the cache's nodes together: higher is better{}",
                note("mean")
            ),
        );
        o.y = YAxis::Share;
        o.y_desc = "hit ratio";
        o.noun = "cache";
        o.panels = caches
            .iter()
            .map(|name| StackedPanel {
                caption: format!("{name}: hit ratio"),
                series: tiers
                    .iter()
                    .enumerate()
                    .filter_map(|(i, t)| {
                        let c = t.caches.iter().find(|c| &c.name == name)?;
                        Some((i, c.hit_ratio()))
                    })
                    .collect(),
            })
            .collect();
        written.push(stacked_overlay(&dir.join("hit_ratio.png"), &o)?);
    }
    let (queues, hidden) = panel_names(
        tiers
            .iter()
            .map(|t| t.queues.iter().map(|q| q.name.as_str())),
    );
    if !queues.is_empty() {
        let mut o = stacked(
            "Queue backlog",
            "queues",
            &queues,
            hidden,
            format!(
                "messages held (waiting or being consumed): a line that keeps rising means \
                 publishers outpace the consumers{}",
                note("mean")
            ),
        );
        o.y_desc = "held (messages)";
        o.noun = "queue";
        o.panels = queues
            .iter()
            .map(|name| StackedPanel {
                caption: format!("{name}: messages held"),
                series: tiers
                    .iter()
                    .enumerate()
                    .filter_map(|(i, t)| {
                        let q = t.queues.iter().find(|q| &q.name == name)?;
                        Some((i, q.series.points(data::HELD).collect()))
                    })
                    .collect(),
            })
            .collect();
        written.push(stacked_overlay(&dir.join("queue_backlog.png"), &o)?);
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

/// One panel of a [`Stacked`] plot: a component, the variants' points.
struct StackedPanel {
    caption: String,
    /// Per variant that has the component: its index and points.
    series: Vec<(usize, Vec<(f64, f64)>)>,
}

/// Variants overlaid in panels stacked one above the other, one per
/// component, all sharing the time axis.
struct Stacked<'a> {
    title: String,
    subtitle: String,
    variants: &'a [&'a str],
    /// What a variant without a line lacks, for its legend entry.
    noun: &'a str,
    warmup: f64,
    markers: &'a Marks,
    axis: &'a TimeAxis,
    y: YAxis,
    y_desc: &'a str,
    panels: Vec<StackedPanel>,
}

fn stacked_overlay(path: &Path, o: &Stacked) -> io::Result<PathBuf> {
    let n = o.variants.len();
    write_png(path, |root| {
        // Every variant keeps its colour of the other comparison plots; one
        // without the component says so rather than leave the reader
        // looking for its line.
        let mut entries: Vec<Entry> = o
            .variants
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let drawn = o.panels.iter().any(|p| p.series.iter().any(|s| s.0 == i));
                let text = if drawn {
                    name.to_string()
                } else {
                    format!("{name} (no {})", o.noun)
                };
                Entry::new(text, Swatch::Line(series_color(i), width_of(i, n)))
            })
            .collect();
        if o.warmup > 0.0 {
            entries.push(Entry::new("warm-up (not in summary)", Swatch::Fill(SHADE)));
        }
        entries.extend(o.markers.entries());
        let mut top = draw_title(root, &o.title, &o.subtitle)? + 2;
        top += draw_legend(
            root,
            &entries,
            chart::LEFT as i32 + 8..WIDTH as i32 - chart::RIGHT_MARGIN as i32,
            top,
        )?;
        let bottom = HEIGHT as i32 - 8;
        let k = o.panels.len().max(1) as i32;
        let block = (bottom - top) / k;
        for (p, panel) in o.panels.iter().enumerate() {
            let first = p == 0;
            let lowest = p + 1 == o.panels.len();
            let mut y = top + p as i32 * block + if first { 0 } else { 10 };
            // The panel's name, then (first panel only) the warm-up strip.
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
            y += PANEL_TITLE_SIZE as i32 + 8;
            if first {
                y += STRIP;
            }
            let h = if lowest {
                bottom - y
            } else {
                top + (p as i32 + 1) * block - y
            };
            let area = root.clone().shrink((0, y), (WIDTH, h.max(1) as u32));
            let max = panel
                .series
                .iter()
                .flat_map(|s| s.1.iter().map(|p| p.1))
                .filter(|v| v.is_finite())
                .reduce(f64::max);
            let (fmt, y_axis): (&dyn Fn(f64) -> String, _) = match o.y {
                YAxis::Share => (
                    &pct_label,
                    chart::Ticked::linear(0.0..1.08, vec![0.0, 0.25, 0.5, 0.75, 1.0]),
                ),
                _ => (&num_label, chart::y_linear(max)),
            };
            let top_y = y_axis.range_end();
            let mut c = chart::build(&area, o.axis.coord(), y_axis, lowest, false)?;
            let f = chart::frame(&c, o.axis.end);
            shade_warmup(root, &f, o.warmup)?;
            chart::mesh(
                root,
                &mut c,
                &Axes {
                    x_labels: lowest,
                    x_fmt: &time_label,
                    x_desc: lowest.then_some("time since start"),
                    y_fmt: fmt,
                    y_desc: o.y_desc,
                },
            )?;
            draw_markers(root, &f, o.markers)?;
            if first {
                draw_strip(root, &f, o.warmup, o.markers)?;
            }
            if max.is_none() {
                note_in(root, &f, "no data")?;
            }
            for (i, pts) in &panel.series {
                chart::line(
                    &mut c,
                    pts.iter().copied(),
                    |v| v.clamp(0.0, top_y),
                    series_color(*i),
                    width_of(*i, n),
                )?;
            }
        }
        Ok(())
    })
}
