//! The analytic estimate on the terminal: the per-component table of
//! `capsim estimate`, and the line `capsim run` prints under its summary.
//!
//! Here rather than in `report/`: the reports know nothing of planning, and
//! the estimate's types are planning's.

use std::fmt::Write;

use super::estimate::Estimate;
use crate::model::Model;
use crate::report::format::fixed;
use crate::report::table::layout_left;
use crate::simulation::RunResult;

/// Milliseconds for the terminal: 3 significant digits, `-` when unknown.
fn ms(s: Option<f64>) -> String {
    match s {
        None => "-".to_string(),
        Some(s) if !s.is_finite() => "inf".to_string(),
        Some(s) => {
            let v = s * 1e3;
            if v >= 100.0 {
                format!("{v:.0}")
            } else if v >= 10.0 {
                format!("{v:.1}")
            } else {
                format!("{v:.2}")
            }
        }
    }
}

fn pct(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |x| format!("{}%", fixed(x * 100.0, 1)))
}

/// `capsim estimate`'s output for one model: a heading, the per-component
/// table, the end-to-end line, the notes and the warnings.
pub fn estimate_table(model: &Model, est: &Estimate) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}): analytic estimate ({})",
        model.name,
        model.variant,
        est.method()
    );
    out.push('\n');
    let mut rows = vec![
        [
            "component",
            "kind",
            "n",
            "offered/s",
            "util",
            "wait ms",
            "resp ms",
            "notes",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>(),
    ];
    for c in &est.components {
        let mut notes = c.detail.clone();
        // A share below 0.01% reads as noise next to the other figures.
        if let Some(b) = c.rejected_share.filter(|b| *b >= 1e-4) {
            if !notes.is_empty() {
                notes.push_str("; ");
            }
            let _ = write!(notes, "rejects {}", pct(Some(b)));
        }
        if c.saturated {
            notes = if notes.is_empty() {
                "SATURATED".to_string()
            } else {
                format!("SATURATED; {notes}")
            };
        }
        rows.push(vec![
            c.name.clone(),
            c.kind.to_string(),
            c.instances.to_string(),
            fixed(c.offered_rps, 1),
            pct(c.utilization),
            ms(c.mean_wait_s),
            ms(c.mean_response_s),
            notes,
        ]);
    }
    // Name and kind left, figures right, then the notes left-aligned.
    let notes: Vec<String> = rows
        .iter_mut()
        .map(|r| r.pop().unwrap_or_default())
        .collect();
    let table = layout_left(&rows, 2);
    for (line, note) in table.lines().zip(&notes) {
        let _ = writeln!(out, "{}", format!("{line}  {note}").trim_end());
    }
    out.push('\n');
    match &est.end_to_end {
        Some(e) => {
            let _ = writeln!(
                out,
                "end to end: mean {} ms, p50 {} ms, p99 {} ms (gamma fit to mean and variance)",
                ms(Some(e.mean_s)),
                ms(Some(e.p50_s)),
                ms(Some(e.p99_s))
            );
        }
        None => {
            let _ = writeln!(out, "end to end: no steady state (a tier is saturated)");
        }
    }
    if let Some(c) = &est.closed {
        let _ = writeln!(
            out,
            "closed loop: {} users, throughput {} rps",
            c.users,
            fixed(c.throughput_rps, 2)
        );
    }
    for n in &est.notes {
        let _ = writeln!(out, "note: {n}");
    }
    for w in &est.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    out
}

/// The line `capsim run` prints under a summary table: the estimate's p50
/// and mean beside the simulated ones, or why there is no estimate.
pub fn beside_simulated(est: &Estimate, result: &RunResult) -> String {
    let all = result.summary.last();
    let p50 = all.and_then(|r| r.latency).map(|q| q[0].as_secs_f64());
    let mean = all.and_then(|r| r.latency_mean).map(|d| d.as_secs_f64());
    beside_figures(est, p50, mean)
}

/// [`beside_simulated`] with the simulated p50 and mean given (in seconds),
/// such as the means across replications.
pub fn beside_figures(est: &Estimate, p50: Option<f64>, mean: Option<f64>) -> String {
    let head = format!("analytic estimate ({})", est.method());
    let Some(e) = &est.end_to_end else {
        let why = est
            .warnings
            .first()
            .cloned()
            .unwrap_or_else(|| "no steady state".to_string());
        return format!("{head}: {why}\n");
    };
    format!(
        "{head}: p50 {} ms (simulated {}), mean {} ms (simulated {})\n",
        ms(Some(e.p50_s)),
        ms(p50),
        ms(Some(e.mean_s)),
        ms(mean)
    )
}
