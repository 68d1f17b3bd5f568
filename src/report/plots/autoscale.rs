//! `autoscale.png`, written only when the run autoscales: per autoscaled
//! service, the instances serving and those serving or provisioning over
//! time (step lines: the gap between them is the boot delay at work), and
//! below, the mean utilisation each decision measured over the interval
//! before it, against the target. Faults and rate changes are marked as on
//! every time plot.

use crate::model::ScaleMetric;
use std::io;
use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::chart;
use super::figure::{self, Block, Layer, Panel, TimeFigure, Timeline, YAxis};
use super::markers::Marks;
use super::run::{Ctx, num_label, pct_label};
use super::style::*;
use crate::metrics::ScalingTrace;
use crate::report::format::CURRENCY;

/// The trace's steps as a step line from 0 to `end` seconds: `pick` chooses
/// the count drawn from `(serving, provisioning)`.
fn steps(t: &ScalingTrace, end: f64, pick: impl Fn(u32, u32) -> u32) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(t.steps.len() * 2 + 1);
    for (k, &(at, s, p)) in t.steps.iter().enumerate() {
        let x = at.as_secs_f64().min(end);
        let v = pick(s, p) as f64;
        if k > 0 {
            let prev = out.last().map(|p: &(f64, f64)| p.1).unwrap_or(v);
            out.push((x, prev));
        }
        out.push((x, v));
    }
    if let Some(&(_, v)) = out.last() {
        out.push((end, v));
    }
    out
}

/// Each decision's utilisation held over the interval it measured.
fn utilisation(t: &ScalingTrace) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(t.utilization.len() * 2);
    let mut from = 0.0;
    for &(at, u) in &t.utilization {
        let x = at.as_secs_f64();
        out.push((from, u));
        out.push((x, u));
        from = x;
    }
    out
}

/// The utilisation line's colour: green beside one pool's blue instances,
/// each pool's own colour when there are several (named in the legend).
fn util_color(k: usize, many: bool) -> RGBColor {
    if many { series_color(k) } else { OI_GREEN }
}

/// Writes `autoscale.png` into `dir`.
pub(crate) fn write(
    dir: &Path,
    input: &super::RunPlots,
    traces: &[ScalingTrace],
) -> io::Result<PathBuf> {
    let duration = input.duration.as_secs_f64();
    let ctx = Ctx::of_run(input, duration, Vec::new());
    let many = traces.len() > 1;
    let name = |t: &ScalingTrace, what: &str| {
        if many {
            format!("{} {what}", t.component)
        } else {
            what.to_string()
        }
    };
    let top_max = traces
        .iter()
        .flat_map(|t| t.steps.iter().map(|&(_, s, p)| (s + p) as f64))
        .fold(1.0, f64::max);
    let util_max = traces
        .iter()
        .flat_map(|t| {
            t.utilization
                .iter()
                .map(|p| p.1)
                .chain(utilization_target(t))
        })
        .fold(1.0, f64::max);
    let subtitle = traces
        .iter()
        .map(|t| {
            format!(
                "{}: {}..{} instances, target {}",
                t.component,
                t.bounds.0,
                t.bounds.1,
                target_label(t)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
        + "; the gap between the lines is instances still provisioning";
    let mut legend = Vec::new();
    for (k, t) in traces.iter().enumerate() {
        let c = series_color(k);
        legend.push(Entry::new(name(t, "serving"), Swatch::Line(c, 4)));
        legend.push(Entry::new(
            name(t, "serving + provisioning"),
            Swatch::Line(OI_ORANGE, 2),
        ));
        legend.push(Entry::new(
            name(t, "mean utilisation (each decision's interval)"),
            Swatch::Line(util_color(k, many), 2),
        ));
        if utilization_target(t).is_some() {
            legend.push(Entry::new(
                name(t, "target utilisation"),
                Swatch::Dashed(OI_VERMILLION),
            ));
        }
    }
    let mut instances = Panel::new(
        0.55,
        YAxis::Linear(chart::y_linear(Some(top_max))),
        "instances",
        &num_label,
    );
    let mut util = Panel::new(
        0.45,
        YAxis::Linear(chart::y_linear(Some(util_max))),
        "mean utilisation",
        &pct_label,
    );
    for (k, t) in traces.iter().enumerate() {
        instances = instances
            .with(Layer::line(steps(t, duration, |s, p| s + p), OI_ORANGE, 2))
            .with(Layer::line(
                steps(t, duration, |s, _| s),
                series_color(k),
                4,
            ));
        // Another metric's target is in another unit: no line on this axis.
        if let Some(target) = utilization_target(t) {
            util = util.with(Layer::Dashed {
                points: vec![(0.0, target), (duration, target)],
                fix: Box::new(|v| v),
                color: OI_VERMILLION,
                on: 10,
                off: 6,
                width: 2,
            });
        }
        util = util.with(Layer::line(utilisation(t), util_color(k, many), 2));
    }
    let fig = TimeFigure {
        title: ctx.title("Autoscaling"),
        subtitle,
        legend,
        blocks: vec![Block::of(vec![instances, util])],
    };
    figure::draw(&dir.join("autoscale.png"), fig, &ctx.timeline())
}

/// One variant in `comparison/instances.png`: its name, its autoscaled
/// pools' traces (none for a variant that does not scale: then `fixed`,
/// the instances of the pools that were autoscaled elsewhere), and what it
/// cost in total.
pub struct ScalingVariant<'a> {
    /// Variant name.
    pub name: &'a str,
    /// Its autoscaled pools (those of the first name are drawn).
    pub traces: &'a [ScalingTrace],
    /// Instances of the pool when this variant does not scale it.
    pub fixed: Option<u32>,
    /// The run's total cost, when something has a size.
    pub cost_total: Option<f64>,
}

/// A variant's line width: widest first, so that where variants coincide
/// every one still shows.
fn line_width(k: usize) -> u32 {
    (6 - 2 * k.min(2)) as u32
}

/// Writes `comparison/instances.png`: the instances serving over time in
/// each variant (the first autoscaled pool), with each variant's total cost
/// in the legend.
pub(crate) fn write_comparison(
    dir: &Path,
    scenario: &str,
    pool: &str,
    variants: &[ScalingVariant],
    warmup: f64,
    duration: f64,
    markers: &[super::Marker],
) -> io::Result<PathBuf> {
    let axis = TimeAxis::new(duration);
    let marks = Marks::new(markers, axis.end, "events.csv");
    let lines: Vec<Vec<(f64, f64)>> = variants
        .iter()
        .map(|v| match v.traces.iter().find(|t| t.component == pool) {
            Some(t) => steps(t, duration, |s, _| s),
            None => {
                let n = v.fixed.unwrap_or(0) as f64;
                vec![(0.0, n), (duration, n)]
            }
        })
        .collect();
    let top = lines
        .iter()
        .flat_map(|l| l.iter().map(|p| p.1))
        .fold(1.0, f64::max);
    let legend: Vec<Entry> = variants
        .iter()
        .enumerate()
        .map(|(k, v)| {
            let cost = v
                .cost_total
                .map(|c| format!(", total cost {CURRENCY}{c:.2}"))
                .unwrap_or_default();
            // A line another variant repeats lies under it: say so.
            let same = (0..k)
                .find(|&j| lines[j] == lines[k])
                .map(|j| format!(", = {}", variants[j].name))
                .unwrap_or_default();
            let text = if cost.is_empty() && same.is_empty() {
                v.name.to_string()
            } else {
                format!(
                    "{} ({})",
                    v.name,
                    format!("{same}{cost}").trim_start_matches(", ")
                )
            };
            Entry::new(text, Swatch::Line(series_color(k), line_width(k)))
        })
        .collect();
    let panel = Panel::new(
        1.0,
        YAxis::Linear(chart::y_linear(Some(top))),
        "instances serving",
        &num_label,
    )
    .with_all(
        lines
            .into_iter()
            .enumerate()
            .map(|(k, l)| Layer::line(l, series_color(k), line_width(k))),
    );
    let fig = TimeFigure {
        title: format!("Instances of {pool} serving, by variant — {scenario}"),
        subtitle: "instances taking traffic (provisioning and draining ones not counted)".into(),
        legend,
        blocks: vec![Block::of(vec![panel])],
    };
    let timeline = Timeline {
        axis: &axis,
        warmup,
        markers: &marks,
    };
    figure::draw(&dir.join("instances.png"), fig, &timeline)
}

/// The target, when the pool scales on utilisation (the panel's unit).
fn utilization_target(t: &ScalingTrace) -> Option<f64> {
    (t.metric == ScaleMetric::Utilization).then_some(t.target)
}

/// The target as the subtitle says it, in its metric's unit.
fn target_label(t: &ScalingTrace) -> String {
    let n = crate::report::format::fixed(t.target, 3);
    match t.metric {
        ScaleMetric::Utilization => pct_label(t.target),
        ScaleMetric::RpsPerInstance => format!("{n} requests/s per instance"),
        ScaleMetric::QueueLen => format!("{n} requests waiting per instance"),
        ScaleMetric::Backlog => format!("{n} messages held per instance"),
    }
}
