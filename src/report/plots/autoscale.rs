//! `autoscale.png`, written only when the run autoscales: per autoscaled
//! service, the instances serving and those serving or provisioning over
//! time (step lines: the gap between them is the boot delay at work), and
//! below, the mean utilisation each decision measured over the interval
//! before it, against the target. Faults and rate changes are marked as on
//! every time plot.

use std::io;
use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::chart::{self, Axes, BOTTOM};
use super::markers::{Marks, draw_markers, draw_strip};
use super::run::{Ctx, header, num_label, pct_label, time_label};
use super::style::*;
use crate::metrics::ScalingTrace;

/// Gap between the two panels.
const GAP: i32 = 16;

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

fn time_axes<'s>(lowest: bool, y_desc: &'s str, y_fmt: &'s dyn Fn(f64) -> String) -> Axes<'s> {
    Axes {
        x_labels: lowest,
        x_fmt: &time_label,
        x_desc: lowest.then_some("time since start"),
        y_fmt,
        y_desc,
    }
}

/// Writes `autoscale.png` into `dir`.
pub(crate) fn write(
    dir: &Path,
    input: &super::RunPlots,
    traces: &[ScalingTrace],
) -> io::Result<PathBuf> {
    let duration = input.duration.as_secs_f64();
    let warmup = input.warmup.as_secs_f64();
    let axis = TimeAxis::new(duration);
    let ctx = Ctx {
        scenario: input.scenario,
        variant: input.variant,
        warmup,
        markers: Marks::new(input.markers, axis.end, "events.csv"),
        axis,
    };
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
                .chain(std::iter::once(t.target))
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
                pct_label(t.target)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
        + "; the gap between the lines is instances still provisioning";
    write_png(&dir.join("autoscale.png"), |root| {
        let mut entries = Vec::new();
        for (k, t) in traces.iter().enumerate() {
            let c = series_color(k);
            entries.push(Entry::new(name(t, "serving"), Swatch::Line(c, 4)));
            entries.push(Entry::new(
                name(t, "serving + provisioning"),
                Swatch::Line(OI_ORANGE, 2),
            ));
            entries.push(Entry::new(
                name(t, "mean utilisation (each decision's interval)"),
                Swatch::Line(util_color(k, many), 2),
            ));
            entries.push(Entry::new(
                name(t, "target utilisation"),
                Swatch::Dashed(OI_VERMILLION),
            ));
        }
        entries.extend(ctx.common_entries());
        let top = header(root, &ctx.title("Autoscaling"), &subtitle, &entries)?;
        let avail = HEIGHT as i32 - top - 8;
        let plot = avail - BOTTOM as i32 - GAP;
        let h1 = (plot as f64 * 0.55) as i32;
        let upper = root.clone().shrink((0, top), (WIDTH, h1 as u32));
        let lower = root
            .clone()
            .shrink((0, top + h1 + GAP), (WIDTH, (avail - h1 - GAP) as u32));

        let mut c = chart::build(
            &upper,
            ctx.axis.coord(),
            chart::y_linear(Some(top_max)),
            false,
            false,
        )?;
        let f = chart::frame(&c, ctx.axis.end);
        shade_warmup(root, &f, ctx.warmup)?;
        chart::mesh(root, &mut c, &time_axes(false, "instances", &num_label))?;
        draw_markers(root, &f, &ctx.markers)?;
        draw_strip(root, &f, ctx.warmup, &ctx.markers)?;
        for (k, t) in traces.iter().enumerate() {
            let committed = steps(t, duration, |s, p| s + p);
            chart::line(&mut c, committed.into_iter(), |v| v, OI_ORANGE, 2)?;
            let serving = steps(t, duration, |s, _| s);
            chart::line(&mut c, serving.into_iter(), |v| v, series_color(k), 4)?;
        }

        let mut c = chart::build(
            &lower,
            ctx.axis.coord(),
            chart::y_linear(Some(util_max)),
            true,
            false,
        )?;
        let f = chart::frame(&c, ctx.axis.end);
        shade_warmup(root, &f, ctx.warmup)?;
        chart::mesh(
            root,
            &mut c,
            &time_axes(true, "mean utilisation", &pct_label),
        )?;
        draw_markers(root, &f, &ctx.markers)?;
        for (k, t) in traces.iter().enumerate() {
            let target = t.target;
            c.draw_series(DashedLineSeries::new(
                [(0.0, target), (duration, target)],
                10,
                6,
                OI_VERMILLION.stroke_width(2),
            ))?;
            chart::line(
                &mut c,
                utilisation(t).into_iter(),
                |v| v,
                util_color(k, many),
                2,
            )?;
        }
        Ok(())
    })
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
    write_png(&dir.join("instances.png"), |root| {
        let mut entries: Vec<Entry> = variants
            .iter()
            .enumerate()
            .map(|(k, v)| {
                let cost = v
                    .cost_total
                    .map(|c| format!(" (total cost {c:.2})"))
                    .unwrap_or_default();
                Entry::new(
                    format!("{}{cost}", v.name),
                    Swatch::Line(series_color(k), line_width(k)),
                )
            })
            .collect();
        if warmup > 0.0 {
            entries.push(Entry::new("warm-up (not in summary)", Swatch::Fill(SHADE)));
        }
        entries.extend(marks.entries());
        let title = format!("Instances of `{pool}` serving, by variant — {scenario}");
        let top_y = header(
            root,
            &title,
            "instances taking traffic (provisioning and draining ones not counted)",
            &entries,
        )?;
        let area = root
            .clone()
            .shrink((0, top_y), (WIDTH, (HEIGHT as i32 - top_y - 8) as u32));
        let mut c = chart::build(&area, axis.coord(), chart::y_linear(Some(top)), true, false)?;
        let f = chart::frame(&c, axis.end);
        shade_warmup(root, &f, warmup)?;
        chart::mesh(
            root,
            &mut c,
            &time_axes(true, "instances serving", &num_label),
        )?;
        draw_markers(root, &f, &marks)?;
        draw_strip(root, &f, warmup, &marks)?;
        for (k, l) in lines.into_iter().enumerate() {
            chart::line(&mut c, l.into_iter(), |v| v, series_color(k), line_width(k))?;
        }
        Ok(())
    })
}
