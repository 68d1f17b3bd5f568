//! The summary as a table on the terminal, to paste into a design document.

use std::fmt::Write;

use super::csv::fixed;
use crate::engine::SimDuration;
use crate::metrics::{DataSummary, SummaryRow};
use crate::model::Model;
use crate::simulation::RunResult;

/// A latency for the terminal: 3 significant digits, `-` when there is none.
pub fn ms(d: Option<SimDuration>) -> String {
    match d {
        None => "-".to_string(),
        Some(d) => {
            let v = d.as_millis_f64();
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

fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A time in seconds with a tenth, for summary lines (`140.8 s`).
fn seconds(nanos: u64) -> String {
    format!("{} s", fixed(nanos as f64 / 1e9, 1))
}

fn pct(x: f64) -> String {
    if x == 0.0 {
        "0%".to_string()
    } else if x < 0.0001 {
        "<0.01%".to_string()
    } else {
        format!("{}%", fixed(x * 100.0, 2))
    }
}

/// Lays out rows of cells with the first column left-aligned, the rest right.
pub fn layout(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c == 0 {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str("  ");
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The summary table of a run.
pub fn summary_table(model: &Model, result: &RunResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}): {} simulated, warm-up {}, window {}, seed {}",
        model.name, model.variant, model.duration, model.warmup, model.window, model.seed
    );
    if !model.description.is_empty() {
        let _ = writeln!(out, "{}", model.description);
    }
    out.push('\n');
    let mut rows = vec![
        [
            "class",
            "requests",
            "ok",
            "rejected",
            "timed_out",
            "failed",
            "errors",
            "thru/s",
            "good/s",
            "mean",
            "p50",
            "p90",
            "p99",
            "p99.9",
            "max ms",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>(),
    ];
    let body = |r: &SummaryRow| -> Vec<String> {
        let q = r.latency;
        vec![
            r.class.clone(),
            count(r.requests),
            count(r.ok),
            count(r.rejected),
            count(r.timed_out),
            count(r.failed),
            pct(r.error_rate),
            fixed(r.throughput_rps, 1),
            fixed(r.goodput_rps, 1),
            ms(r.latency_mean),
            ms(q.map(|q| q[0])),
            ms(q.map(|q| q[1])),
            ms(q.map(|q| q[2])),
            ms(q.map(|q| q[3])),
            ms(q.map(|q| q[4])),
        ]
    };
    let single = result.summary.len() == 2;
    for r in &result.summary {
        if single && r.class != "all" {
            continue;
        }
        rows.push(body(r));
    }
    out.push_str(&layout(&rows));

    let utils: Vec<String> = model
        .components
        .iter()
        .zip(&result.utilization)
        .filter_map(|(c, u)| u.map(|u| format!("{} {}", c.name, pct(u))))
        .collect();
    if !utils.is_empty() {
        let _ = writeln!(out, "\nutilisation after warm-up: {}", utils.join(", "));
    }
    let data = data_lines(model, result);
    if !data.is_empty() {
        let _ = writeln!(out, "\ndata tier after warm-up:");
        for line in data {
            let _ = writeln!(out, "  {line}");
        }
    }
    if let Some(cost) = model.cost_per_hour() {
        let sized: Vec<String> = model
            .components
            .iter()
            .filter_map(|c| match &c.kind {
                crate::model::ComponentKind::Service(s) => s
                    .size
                    .as_ref()
                    .map(|z| format!("{} {} x {}", c.name, s.instances, z.name)),
                crate::model::ComponentKind::Database(d) => d
                    .size
                    .as_ref()
                    .map(|z| format!("{} {} x {}", c.name, d.nodes(), z.name)),
                _ => None,
            })
            .collect();
        let all = result.summary.last().expect("an `all` row");
        let per_million = super::comparison::cost_per_million(Some(cost), all.goodput_rps)
            .map(|c| format!(", {c:.3} per million requests served in time"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "cost: {cost:.2} per hour ({}){per_million}",
            sized.join(", ")
        );
        let uncosted = model.uncosted_services();
        if !uncosted.is_empty() {
            let _ = writeln!(
                out,
                "      services without a `size` are not costed: {}",
                uncosted.join(", ")
            );
        }
    }
    if result.in_flight > 0 {
        let _ = writeln!(out, "in flight at the end: {}", count(result.in_flight));
    }
    out
}

/// One line per cache, database and queue: hit ratio; hottest shard's
/// share of the load and stale reads; peak backlog and drain time.
pub fn data_lines(model: &Model, result: &RunResult) -> Vec<String> {
    let name = |id: u32| model.components[id as usize].name.as_str();
    result
        .data
        .iter()
        .map(|d| match d {
            DataSummary::Cache {
                component,
                hits,
                misses,
                evictions,
            } => {
                let lookups = hits + misses;
                if lookups == 0 {
                    return format!("{}: no lookups", name(*component));
                }
                format!(
                    "{}: hit ratio {} ({} hits, {} misses), {} evictions",
                    name(*component),
                    pct(*hits as f64 / lookups as f64),
                    count(*hits),
                    count(*misses),
                    count(*evictions)
                )
            }
            DataSummary::Database {
                component,
                shard_ops,
                reads,
                replica_reads,
                stale_reads,
                writes,
            } => {
                let total: u64 = shard_ops.iter().sum();
                let (hot, ops) = shard_ops
                    .iter()
                    .enumerate()
                    .max_by_key(|&(i, &o)| (o, std::cmp::Reverse(i)))
                    .map(|(i, &o)| (i, o))
                    .unwrap_or((0, 0));
                let load = if shard_ops.len() == 1 {
                    "1 shard".to_string()
                } else if total > 0 {
                    format!(
                        "hottest shard shard{hot} {} of the load ({} shards, even {})",
                        pct(ops as f64 / total as f64),
                        shard_ops.len(),
                        pct(1.0 / shard_ops.len() as f64)
                    )
                } else {
                    format!("{} shards, no load", shard_ops.len())
                };
                let stale = if *replica_reads == 0 {
                    "no replica reads".to_string()
                } else {
                    format!(
                        "stale reads {} of reads ({} of {}; {} from replicas)",
                        pct(*stale_reads as f64 / (*reads).max(1) as f64),
                        count(*stale_reads),
                        count(*reads),
                        count(*replica_reads)
                    )
                };
                format!(
                    "{}: {load}; {} reads, {} writes; {stale}",
                    name(*component),
                    count(*reads),
                    count(*writes)
                )
            }
            DataSummary::Queue {
                component,
                published,
                rejected,
                consumed,
                peak_backlog,
                peak_at,
                drained_at,
                held_at_end,
                redelivered: _,
            } => {
                let drained = match drained_at {
                    Some(t) if *t == *peak_at => "nothing waiting at the peak".to_string(),
                    Some(t) => format!(
                        "drained {} after the peak",
                        seconds(t.nanos() - peak_at.nanos())
                    ),
                    None => format!("not drained by the end ({} held)", count(*held_at_end)),
                };
                format!(
                    "{}: peak backlog {} messages at {}, {drained}; {} published, {} consumed, {} refused",
                    name(*component),
                    count(*peak_backlog),
                    seconds(peak_at.nanos()),
                    count(*published),
                    count(*consumed),
                    count(*rejected)
                )
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_group_thousands_and_columns_align() {
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(count(12), "12");
        let t = layout(&[
            vec!["a".into(), "1".into()],
            vec!["long".into(), "100".into()],
        ]);
        assert_eq!(t, "a       1\nlong  100\n");
    }
}
