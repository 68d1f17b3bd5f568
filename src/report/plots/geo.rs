//! `geo.png`, written only with data centers: above, the p99 response time
//! of each origin's successful replies per window (log scale), so that "the
//! EU waits 80 ms more" and an outage's detour show at a glance; below, the
//! share of the requests entering each data center per window, which moves
//! as the DNS marks entry points down and up. Faults (outages, partitions,
//! delays), detections and what the DNS did are marked as on every time
//! plot.

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;

use super::chart;
use super::data::{Agg, Downsampler, MAX_POINTS, Series};
use super::figure::{self, Block, Layer, Panel, TimeFigure, YAxis};
use super::markers::Marker;
use super::run::{Ctx, num_label, pct_label, per_point, points_note};
use super::style::*;
use crate::metrics::{GeoResult, LoggedEvent};
use crate::model::Geo;

/// Per origin, its p99 in milliseconds per window, downsampled (maxima);
/// and the number of windows.
fn origin_p99(geo: &Geo, result: &GeoResult) -> (Vec<Series<1>>, usize) {
    let mut lines: Vec<Downsampler<1>> = (0..geo.origins.len())
        .map(|_| Downsampler::new([Agg::Max], MAX_POINTS))
        .collect();
    let mut half = 0.0;
    let mut windows = vec![0usize; geo.origins.len()];
    for r in &result.origins {
        let Some(line) = lines.get_mut(r.origin as usize) else {
            continue;
        };
        half = r.len.as_secs_f64() / 2.0;
        windows[r.origin as usize] += 1;
        let p99 = r.latency.map_or(f64::NAN, |q| q[2].as_millis_f64());
        line.push(r.start.as_secs_f64(), &[p99]);
    }
    let n = windows.into_iter().max().unwrap_or(0);
    (lines.into_iter().map(|d| d.finish(half)).collect(), n)
}

/// Per data center, the share of the window's requests that entered it,
/// downsampled (means); a window without requests is a gap.
fn entry_shares(geo: &Geo, result: &GeoResult) -> Vec<Series<1>> {
    let n = geo.datacenters.len();
    let mut windows: BTreeMap<u64, (f64, Vec<u64>)> = BTreeMap::new();
    for r in &result.datacenters {
        let w = windows
            .entry(r.start.nanos())
            .or_insert_with(|| (r.len.as_secs_f64(), vec![0; n]));
        if let Some(c) = w.1.get_mut(r.datacenter as usize) {
            *c += r.requests_in;
        }
    }
    let mut lines: Vec<Downsampler<1>> = (0..n)
        .map(|_| Downsampler::new([Agg::Mean], MAX_POINTS))
        .collect();
    let mut half = 0.0;
    for (&start, (len, counts)) in &windows {
        half = len / 2.0;
        let total: u64 = counts.iter().sum();
        for (line, &c) in lines.iter_mut().zip(counts) {
            let share = if total == 0 {
                f64::NAN
            } else {
                c as f64 / total as f64
            };
            line.push(start as f64 / 1e9, &[share]);
        }
    }
    lines.into_iter().map(|d| d.finish(half)).collect()
}

/// The upper block: each origin's p99.
fn latency_block<'a>(geo: &Geo, lines: &[Series<1>], windows: usize) -> Block<'a> {
    let lo = lines
        .iter()
        .filter_map(|s| s.min(0))
        .filter(|v| *v > 0.0)
        .reduce(f64::min);
    let hi = lines.iter().filter_map(|s| s.max(0)).reduce(f64::max);
    let log = LogAxis::new(lo.unwrap_or(f64::NAN), hi.unwrap_or(f64::NAN));
    let mut panel = Panel::new(
        1.0,
        YAxis::Log(log.clone()),
        "p99 response time (ms, log scale)",
        &num_label,
    );
    if hi.is_none() {
        panel = panel.with(Layer::note("no successful replies"));
    }
    let layers = lines.iter().enumerate().map(|(k, s)| {
        let log = log.clone();
        Layer::fixed_line(s.points(0), move |v| log.clamp(v), series_color(k), 2)
    });
    let panel = panel.with_all(layers.collect::<Vec<_>>());
    let points = lines.first().map_or(0, |s| s.x.len());
    Block {
        caption: Some(format!(
            "p99 response time of each origin's successful replies, per window{}",
            points_note(per_point(windows, points), "maximum")
        )),
        legend: geo
            .origins
            .iter()
            .enumerate()
            .map(|(k, o)| {
                Entry::new(
                    format!("origin {}", o.name),
                    Swatch::Line(series_color(k), 2),
                )
            })
            .collect(),
        x_labels: true,
        panels: vec![panel],
    }
}

/// The lower block: the share of requests entering each data center.
fn share_block<'a>(geo: &Geo, lines: &[Series<1>]) -> Block<'a> {
    let mut panel = Panel::new(
        1.0,
        YAxis::Linear(chart::y_linear(Some(1.0))),
        "share of requests entering",
        &pct_label,
    );
    if lines.iter().all(|s| s.max(0).is_none()) {
        panel = panel.with(Layer::note("no requests entered"));
    }
    // Each data center in its own colour, after the origins' (the panels
    // sit apart, each with its legend).
    let offset = geo.origins.len();
    let panel = panel.with_all(
        lines
            .iter()
            .enumerate()
            .map(|(k, s)| Layer::line(s.points(0), series_color(offset + k), 3))
            .collect::<Vec<_>>(),
    );
    Block {
        caption: Some(
            "share of the requests entering each data center (requests_in over their sum), per window"
                .to_string(),
        ),
        legend: geo
            .datacenters
            .iter()
            .enumerate()
            .map(|(k, d)| Entry::new(d.name.clone(), Swatch::Line(series_color(offset + k), 3)))
            .collect(),
        x_labels: true,
        panels: vec![panel],
    }
}

/// Writes `geo.png` into the run's folder, atomically: the origins' p99
/// above, the data centers' shares of the requests below, the run's
/// markers (`input.markers`) and what the DNS did (`log`'s `dns_down` and
/// `dns_up`) across both.
pub(crate) fn write(
    input: &super::RunPlots,
    geo: &Geo,
    result: &GeoResult,
    log: &[LoggedEvent],
) -> io::Result<PathBuf> {
    let ctx = Ctx::of_run(input, input.duration.as_secs_f64(), Marker::dns(log));
    let (p99, windows) = origin_p99(geo, result);
    let shares = entry_shares(geo, result);
    let fig = TimeFigure {
        title: ctx.title("Data centers"),
        subtitle: format!(
            "{} origins, {} data centers: where users wait and where their requests enter",
            geo.origins.len(),
            geo.datacenters.len()
        ),
        legend: Vec::new(),
        blocks: vec![latency_block(geo, &p99, windows), share_block(geo, &shares)],
    };
    figure::draw(&input.dir.join("geo.png"), fig, &ctx.timeline())
}
