//! `retries.png`: the retry amplification of a run with retries or circuit
//! breakers: attempts per second against first tries per second, their
//! ratio, and each breaker's state over time.

use std::io;
use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::chart::{self, Ticked};
use super::data::{Agg, Downsampler, MAX_POINTS, Series};
use super::figure::{self, Block, Layer, Panel, TimeFigure, YAxis};
use super::run::{Ctx, num_label, per_point, points_note};
use super::style::*;
use crate::metrics::{EventKind, LoggedEvent};
use crate::report::schema::timeseries as ts;

/// First tries and attempts per second, downsampled; windows read.
fn read(path: &Path) -> io::Result<(Series<2>, usize)> {
    let bad = |e: &dyn std::fmt::Display| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {e}", path.display()),
        )
    };
    let mut rdr = csv::Reader::from_path(path).map_err(|e| bad(&e))?;
    let headers = rdr.byte_headers().map_err(|e| bad(&e))?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name.as_bytes())
            .ok_or_else(|| bad(&format_args!("no column `{name}`")))
    };
    let cols = [col(ts::TIME)?, col(ts::OFFERED)?, col(ts::ATTEMPTS)?];
    let mut ds = Downsampler::new([Agg::Mean, Agg::Mean], MAX_POINTS);
    let mut rec = csv::ByteRecord::new();
    let (mut windows, mut step, mut last) = (0usize, f64::INFINITY, None::<f64>);
    while rdr.read_byte_record(&mut rec).map_err(|e| bad(&e))? {
        let v: Vec<f64> = cols
            .iter()
            .map(|&c| {
                std::str::from_utf8(rec.get(c).unwrap_or(b""))
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(f64::NAN)
            })
            .collect();
        if let Some(l) = last
            && v[0] > l
        {
            step = step.min(v[0] - l);
        }
        last = Some(v[0]);
        windows += 1;
        ds.push(v[0], &[v[1], v[2]]);
    }
    let w = if step.is_finite() { step } else { 1.0 };
    Ok((ds.finish(w / 2.0), windows))
}

/// Spans of time, `(start, end)` in seconds.
type Periods = Vec<(f64, f64)>;

/// Each breaker's open periods, `(start, end)` in seconds (`end` the end of
/// the run when it never closed), by breaker in order of first opening.
fn open_periods(log: &[LoggedEvent], end: f64) -> Vec<(String, Periods)> {
    // Per breaker: its name, its closed-off open periods, and since when it
    // has been open.
    let mut out: Vec<(String, Periods, Option<f64>)> = Vec::new();
    for e in log {
        if !matches!(e.kind, EventKind::CircuitOpen | EventKind::CircuitClosed) {
            continue;
        }
        let i = match out.iter().position(|b| b.0 == e.target) {
            Some(i) => i,
            None => {
                out.push((e.target.clone(), Vec::new(), None));
                out.len() - 1
            }
        };
        let t = e.time.as_secs_f64();
        let b = &mut out[i];
        match (e.kind, b.2) {
            // A failed probe opens it again: the same open period goes on.
            (EventKind::CircuitOpen, None) => b.2 = Some(t),
            (EventKind::CircuitClosed, Some(s)) => {
                b.1.push((s, t));
                b.2 = None;
            }
            _ => {}
        }
    }
    out.into_iter()
        .map(|(n, mut p, open)| {
            if let Some(s) = open {
                p.push((s, end));
            }
            (n, p)
        })
        .collect()
}

/// Draws `retries.png` into `dir` from its `timeseries.csv` and the run's
/// `log` (for breakers).
pub(crate) fn write(dir: &Path, ctx: &Ctx, log: &[LoggedEvent]) -> io::Result<PathBuf> {
    let (s, windows) = read(&dir.join("timeseries.csv"))?;
    let ratio: Vec<(f64, f64)> =
        s.x.iter()
            .zip(s.cols[0].iter().zip(&s.cols[1]))
            .map(|(&x, (&o, &a))| (x, if o > 0.0 { a / o } else { f64::NAN }))
            .collect();
    let (first, attempts): (f64, f64) = (
        s.cols[0].iter().filter(|v| v.is_finite()).sum(),
        s.cols[1].iter().filter(|v| v.is_finite()).sum(),
    );
    let overall = if first > 0.0 { attempts / first } else { 1.0 };
    let breakers = open_periods(log, ctx.axis.end);
    let top_max = s.max(1).into_iter().chain(s.max(0)).reduce(f64::max);
    let ratio_max = ratio
        .iter()
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .reduce(f64::max)
        .unwrap_or(1.0)
        .max(1.0);
    let subtitle = format!(
        "attempts (first tries and retries) against first tries, per second; {:.2} attempts per first try over the run{}",
        overall,
        points_note(per_point(windows, s.x.len()), "mean")
    );
    let mut legend = vec![
        Entry::new("first tries", Swatch::Line(OFFERED, 2)),
        Entry::new("attempts", Swatch::Line(OI_VERMILLION, 3)),
        Entry::new("attempts / first tries", Swatch::Line(OI_BLUE, 2)),
    ];
    if !breakers.is_empty() {
        legend.push(Entry::new(
            "breaker open (fails fast)",
            Swatch::Fill(OI_VERMILLION),
        ));
        legend.push(Entry::new("closed", Swatch::Fill(OI_GREEN)));
    }
    let shares: &[f64] = if breakers.is_empty() {
        &[0.65, 0.35]
    } else {
        &[0.5, 0.25, 0.25]
    };
    let rates = Panel::new(
        shares[0],
        YAxis::Linear(chart::y_linear(top_max)),
        "per second",
        &num_label,
    )
    .with(Layer::line(s.points(1), OI_VERMILLION, 3))
    .with(Layer::line(s.points(0), OFFERED, 2));
    let fmt = |v: f64| format!("{}x", fmt_num(v));
    let ratio = Panel::new(
        shares[1],
        YAxis::Linear(chart::y_linear(Some(ratio_max))),
        "attempts / first try",
        &fmt,
    )
    .with(Layer::line(ratio, OI_BLUE, 2));
    let mut panels = vec![rates, ratio];
    if !breakers.is_empty() {
        panels.push(breakers_panel(shares[2], &breakers, ctx.axis.end));
    }
    let fig = TimeFigure {
        title: ctx.title("Retries"),
        subtitle,
        legend,
        blocks: vec![Block::of(panels)],
    };
    figure::draw(&dir.join("retries.png"), fig, &ctx.timeline())
}

fn no_label(_: f64) -> String {
    String::new()
}

/// A row per breaker, named on the left where a y axis' name would go:
/// green where it is closed, red where it is open (fails fast). The warm-up
/// is not shaded behind the rows.
fn breakers_panel(share: f64, breakers: &[(String, Periods)], end: f64) -> Panel<'_> {
    let n = breakers.len() as f64;
    let mut panel = Panel::new(
        share,
        YAxis::Linear(Ticked::linear(0.0..n, Vec::new())),
        "",
        &no_label,
    );
    panel.shade = false;
    panel.with(Layer::Custom(Box::new(move |root, plot, f| {
        for (i, (name, open)) in breakers.iter().enumerate() {
            // Breaker i is row i from the top.
            let (lo, hi) = (n - i as f64 - 0.8, n - i as f64 - 0.2);
            plot.rect(
                [(0.0, lo + 0.25), (end, hi - 0.25)],
                OI_GREEN.mix(0.6).filled(),
            )?;
            for &(a, b) in open {
                // At least a pixel or two wide, so a short opening shows.
                let b = b.max(a + end / 800.0);
                plot.rect([(a, lo), (b, hi)], OI_VERMILLION.filled())?;
            }
            let row =
                (f.y.start as f64 + (f.y.end - f.y.start) as f64 * (i as f64 + 0.5) / n) as i32;
            label(
                root,
                &fit(name, LEGEND_SIZE, chart::LEFT as i32 - 12),
                LEGEND_SIZE,
                TEXT,
                (f.x.start - 8, row),
                HPos::Right,
                VPos::Center,
            )?;
        }
        Ok(())
    })))
}
