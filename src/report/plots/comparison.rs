//! The comparison plots: one series per variant, overlaid.

use std::io;
use std::path::{Path, PathBuf};

use super::chart::{self, Axes};
use super::data::{self, Timeseries};
use super::style::*;
use crate::engine::{SimDuration, SimTime};

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
    markers: &'a [(f64, String)],
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
        if !o.markers.is_empty() {
            entries.push(Entry::new("rate change", Swatch::Dashed(MARKER)));
        }
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

/// Writes the comparison plots of `variants` into `dir`.
pub(crate) fn write_all(
    dir: &Path,
    scenario: &str,
    variants: &[super::VariantRun],
    warmup: SimDuration,
    markers: &[(SimTime, String)],
) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let runs: Vec<Timeseries> = variants
        .iter()
        .map(|v| data::read_timeseries(&v.dir.join("timeseries.csv"), None))
        .collect::<io::Result<_>>()?;
    let end = runs.iter().map(|r| r.end_s).fold(0.0, f64::max);
    let axis = TimeAxis::new(end);
    let warmup = warmup.as_secs_f64();
    let markers = marker_secs(markers);
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
    Ok(vec![
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
    ])
}
