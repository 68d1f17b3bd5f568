//! The analytic estimate on the terminal: the per-component table of
//! `capsim estimate`, and the line `capsim run` prints under its summary.
//!
//! Here rather than in `report/`: the reports know nothing of planning, and
//! the estimate's types are planning's.

use std::fmt::Write;

use super::estimate::{Estimate, GeoEstimate, gamma_quantile};
use crate::model::Model;
use crate::queueing::StaleReads;
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
        if let Some(f) = &c.flow {
            for part in flow_notes(f) {
                if !notes.is_empty() {
                    notes.push_str("; ");
                }
                notes.push_str(&part);
            }
        }
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
    replication_table(&mut out, est);
    if let Some(g) = &est.geo {
        geo_tables(&mut out, g);
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

/// A service's [flow] figures for its row's notes: each call with a flow
/// (`parallel a+b+c all 12.3 ms`, `hedge search@50.0 ms 8.12 ms (+9.1%
/// calls)`, `payments 20.0 ms, pool 20 wait 1.23 ms`, `inventory 5.00 ms,
/// bulkhead 10 rejects 2.1%`)
/// and the waits by priority level (`waits by priority 0: 0.52 ms, 1:
/// 3.10 ms`).
fn flow_notes(f: &crate::queueing::FlowEstimate) -> Vec<String> {
    let mut out = Vec::new();
    for c in &f.calls {
        let mut words = Vec::new();
        if let Some((k, n)) = c.join {
            let join = match k {
                _ if k >= n => "all".to_string(),
                1 => "any".to_string(),
                k => format!("{k} of {n}"),
            };
            words.push(format!("parallel {} {join} {} ms", c.to, ms(c.time_s)));
        } else if let Some(h) = c.hedge_s {
            words.push(format!(
                "hedge {}@{} ms {} ms",
                c.to,
                ms(Some(h)),
                ms(c.time_s)
            ));
        } else {
            words.push(format!("{} {} ms", c.to, ms(c.time_s)));
        }
        if let (Some(_), Some(p)) = (c.join, c.hedge_s) {
            words.push(format!("hedged@{} ms", ms(Some(p))));
        }
        if let Some(s) = c.hedged_share {
            words.push(format!("(+{} calls)", pct(Some(s))));
        }
        // The connection limit after the call's time: `db 20.0 ms, pool ..`.
        let mut words = vec![words.join(" ")];
        if let Some(k) = c.pool {
            let wait = if c.pool_saturated {
                "SATURATED".to_string()
            } else {
                format!("{} ms", ms(c.pool_wait_s))
            };
            words.push(format!("pool {k} wait {wait}"));
        }
        if let Some(k) = c.bulkhead {
            words.push(format!("bulkhead {k} rejects {}", pct(c.rejected)));
        }
        out.push(words.join(", "));
    }
    if !f.levels.is_empty() {
        let levels: Vec<String> = f
            .levels
            .iter()
            .map(|(k, w)| format!("{k}: {} ms", ms(*w)))
            .collect();
        out.push(format!("waits by priority {}", levels.join(", ")));
    }
    out
}

/// A share of writes or reads to 3 significant digits (`1.23%`,
/// `0.00123%`), `-` when unknown.
fn share(x: Option<f64>) -> String {
    match x {
        None => "-".to_string(),
        Some(x) if x <= 0.0 => "0%".to_string(),
        Some(x) => {
            let p = x * 100.0;
            let decimals = (2 - p.log10().floor() as i64).clamp(1, 9) as usize;
            format!("{}%", fixed(p, decimals))
        }
    }
}

/// The databases with another topology than primary/replica: their
/// replication's closed forms, one line each (nothing when there are none).
fn replication_table(out: &mut String, est: &Estimate) {
    let dbs: Vec<_> = est
        .components
        .iter()
        .filter_map(|c| c.replication.as_ref().map(|r| (c, r)))
        .collect();
    if dbs.is_empty() {
        return;
    }
    let mut rows = vec![
        [
            "database",
            "topology",
            "writes/s",
            "conflicts",
            "lost updates",
            "stale reads",
            "write ms",
            "read ms",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>(),
    ];
    for (c, r) in dbs {
        rows.push(vec![
            c.name.clone(),
            r.topology.clone(),
            fixed(r.writes_rps, 1),
            share(r.conflicts),
            share(r.lost_updates),
            match r.stale_reads {
                _ if r.reads_rps <= 0.0 => "-".to_string(),
                StaleReads::Share(s) => share(Some(s)),
                StaleReads::Never => "none".to_string(),
                StaleReads::Possible => "possible".to_string(),
            },
            ms(r.write_s),
            ms(r.read_s),
        ]);
    }
    block(
        out,
        "replication (conflicts and lost updates: shares of writes; stale: of reads; \
         times at the database):",
        &rows,
        2,
    );
}

/// Lays `rows` out (the first `left` columns left-aligned) under `head`,
/// indented by two.
fn block(out: &mut String, head: &str, rows: &[Vec<String>], left: usize) {
    let _ = writeln!(out, "{head}");
    for line in layout_left(rows, left).lines() {
        let _ = writeln!(out, "{}", format!("  {line}").trim_end());
    }
}

/// With data centers: a line per origin (its entry points and response
/// time), the round trip of each call edge, each link direction's load and
/// the cost with egress.
fn geo_tables(out: &mut String, g: &GeoEstimate) {
    let head = |cells: &[&str]| cells.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut rows = vec![head(&[
        "origin",
        "enters at",
        "share",
        "latency ms",
        "mean ms",
        "p99 ms",
    ])];
    for o in &g.origins {
        let entries: Vec<String> = o
            .entries
            .iter()
            .map(|(e, s)| {
                if o.entries.len() == 1 {
                    e.clone()
                } else {
                    format!("{e} {}", pct(Some(*s)))
                }
            })
            .collect();
        let fit = o
            .response
            .filter(|m| m.mean.is_finite() && m.var.is_finite());
        rows.push(vec![
            o.name.clone(),
            entries.join(", "),
            pct(Some(o.share)),
            ms(Some(o.entry_latency_s)),
            ms(fit.map(|m| m.mean)),
            ms(fit.map(|m| gamma_quantile(m.mean, m.var, 0.99))),
        ]);
    }
    block(
        out,
        "per origin (its latency to the entry point both ways; p99 by the gamma fit):",
        &rows,
        2,
    );
    if !g.hops.is_empty() {
        let mut rows = vec![head(&["from", "to", "calls/req", "round trip ms"])];
        for h in &g.hops {
            rows.push(vec![
                h.from.clone(),
                h.to.clone(),
                fixed(h.calls_per_request, 3),
                ms(h.round_trip_s),
            ]);
        }
        block(out, "hops (a call and its reply):", &rows, 2);
    }
    if let Some(n) = g.network_s {
        let _ = writeln!(
            out,
            "network: {} ms per request on hops and entry latency",
            ms(Some(n))
        );
    }
    if !g.links.is_empty() {
        let mut rows = vec![head(&[
            "direction",
            "messages/s",
            "bytes/s",
            "util",
            "wait ms",
            "",
        ])];
        for l in &g.links {
            rows.push(vec![
                l.name.clone(),
                fixed(l.messages_rps, 1),
                fixed(l.bytes_ps, 0),
                pct(l.utilization),
                ms(l.wait_s),
                if l.saturated { "SATURATED" } else { "" }.to_string(),
            ]);
        }
        block(
            out,
            "links (per direction; wait: M/D/1 at the mean message size, approximate for mixed sizes):",
            &rows,
            1,
        );
    }
    if let Some(total) = g.cost_per_hour() {
        let mut parts = Vec::new();
        if let Some(s) = g.sizes_per_hour {
            parts.push(format!("sizes {}/h with price factors", fixed(s, 4)));
        }
        if let Some(e) = g.egress_per_hour {
            parts.push(format!("egress {}/h", fixed(e, 4)));
        }
        let _ = writeln!(out, "cost: {}/h ({})", fixed(total, 4), parts.join(", "));
    }
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
