//! The summary as a table on the terminal, to paste into a design document.

use super::format::grouped as count;
use std::fmt::Write;

use super::comparison::ComparisonRow;
use super::figures::{Figure, Replicated};
use super::format::fixed;
use super::points::Points;
use crate::engine::SimDuration;
use crate::metrics::{DataSummary, RecoveryRow, SloVerdict, SummaryRow};
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

/// A time since the start, or a span, for the terminal: `0.25s`, `37s`,
/// `4m03s`, `1h02m`, `1h00m07.5s` (tenths of a second past a minute).
pub fn clock(nanos: u64) -> String {
    if nanos < 59_950_000_000 {
        let s = nanos as f64 / 1e9;
        return format!("{}s", fixed(s, if s < 1.0 { 3 } else { 1 }));
    }
    let tenths = (nanos + 50_000_000) / 100_000_000;
    let (h, m, st) = (tenths / 36_000, tenths / 600 % 60, tenths % 600);
    let sec = if st % 10 == 0 {
        format!("{:02}", st / 10)
    } else {
        format!("{:02}.{}", st / 10, st % 10)
    };
    match (h, st) {
        (0, 0) => format!("{m}m"),
        (0, _) => format!("{m}m{sec}s"),
        (_, 0) if m == 0 => format!("{h}h"),
        (_, 0) => format!("{h}h{m:02}m"),
        _ => format!("{h}h{m:02}m{sec}s"),
    }
}

/// Lays out rows of cells with the first column left-aligned, the rest right.
pub fn layout(rows: &[Vec<String>]) -> String {
    layout_left(rows, 1)
}

/// Lays out rows of cells with the first `left` columns left-aligned, the
/// rest right.
pub fn layout_left(rows: &[Vec<String>], left: usize) -> String {
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
            } else if c < left {
                line.push_str("  ");
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

/// What a run's traffic across priced links cost, for its cost line
/// (empty when no link has an `egress` price).
fn egress_clause(result: &RunResult) -> String {
    match result.geo.as_ref().and_then(|g| g.egress_cost) {
        Some(e) => format!("; egress {e:.2} over the run (included)"),
        None => String::new(),
    }
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
    // With data centers, each origin after `all`.
    if let Some(g) = &result.geo {
        rows.extend(g.origin_summary.iter().map(body));
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
    // With [flow] calls only: a run without says what it always did.
    if let Some(f) = result.flow.as_deref() {
        let _ = writeln!(out, "\ncalls after warm-up:");
        for line in super::flow::call_lines(model, f) {
            let _ = writeln!(out, "  {line}");
        }
    }
    if let Some(cost) = result.cost_per_hour {
        let sized: Vec<String> = (0..model.components.len() as u32)
            .filter_map(|id| model.sizing(id))
            .collect();
        let all = result.summary.last().expect("an `all` row");
        let per_million = super::comparison::cost_per_million(Some(cost), all.goodput_rps)
            .map(|c| format!(", {c:.3} per million requests served in time"))
            .unwrap_or_default();
        // An autoscaled pool's hourly cost is the run's average: its total
        // says what the run cost.
        let total = match result.cost_total {
            Some(t) if !result.scaling.is_empty() => {
                format!(", {t:.2} in total over {}", model.duration)
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "cost: {cost:.2} per hour ({}){per_million}{total}{}",
            sized.join(", "),
            egress_clause(result)
        );
        let uncosted = model.uncosted_services();
        if !uncosted.is_empty() {
            let _ = writeln!(
                out,
                "      services without a `size` are not costed: {}",
                uncosted.join(", ")
            );
        }
    } else if let Some(e) = result.geo.as_ref().and_then(|g| g.egress_cost) {
        let _ = writeln!(out, "cost: egress {e:.2} over the run (no size is costed)");
    }
    if result.in_flight > 0 {
        let _ = writeln!(out, "in flight at the end: {}", count(result.in_flight));
    }
    if let Some(lost) = result.summary.last().and_then(|r| r.sessions_lost) {
        let _ = writeln!(out, "sessions lost after warm-up: {}", count(lost));
    }
    out
}

/// Recovery rows shown on the terminal; the others are in `recovery.csv`.
pub const RECOVERY_ROWS_SHOWN: usize = 20;

/// How a run did under its faults, for the terminal (after its summary
/// table): a row per fault (the first [`RECOVERY_ROWS_SHOWN`]), then the SLO
/// verdict. Empty for a scenario without faults or an SLO.
pub fn faults_table(model: &Model, result: &RunResult) -> String {
    let mut out = String::new();
    if !model.faults.is_empty() || !result.recovery.is_empty() {
        out.push('\n');
        if result.recovery.is_empty() {
            out.push_str("faults and recovery: no fault struck during the run\n");
        } else {
            out.push_str("faults and recovery:\n");
            out.push_str(&recovery_rows(&result.recovery));
        }
    }
    if let Some(v) = &result.slo {
        let _ = write!(out, "\n{}", slo_verdict(model, v));
        if v.breached > 0 {
            out.push_str(": exit status 1");
        }
        out.push('\n');
    }
    out
}

fn recovery_rows(rows: &[RecoveryRow]) -> String {
    let mut cells = vec![
        [
            "fault",
            "target",
            "at",
            "ended",
            "detected after",
            "recovered after",
            "failed",
            "timed out",
            "lost writes",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>(),
    ];
    // Sessions only where some service keeps them on its instances.
    let sessions = rows.iter().any(|r| r.sessions_lost.is_some());
    if sessions {
        cells[0].push("sessions lost".into());
    }
    for r in rows.iter().take(RECOVERY_ROWS_SHOWN) {
        let ended = match r.end {
            // An instant (a flush): nothing to end.
            Some(e) if e == r.start => "\u{2014}".to_string(),
            Some(e) => clock(e.nanos()),
            None if r.fault == "flush" => "\u{2014}".to_string(),
            None => "never".to_string(),
        };
        cells.push(vec![
            r.fault.clone(),
            r.target.clone(),
            clock(r.start.nanos()),
            ended,
            r.detected
                .map(|d| clock((d - r.start).nanos()))
                .unwrap_or_else(|| "not detected".into()),
            r.recovered
                .map(|d| clock((d - r.start).nanos()))
                .unwrap_or_else(|| "not recovered".into()),
            count(r.requests_failed),
            count(r.requests_timed_out),
            r.lost_writes.map(count).unwrap_or_default(),
        ]);
        if sessions {
            let row = cells.last_mut().expect("just pushed");
            row.push(r.sessions_lost.map(count).unwrap_or_default());
        }
    }
    let mut out = layout_left(&cells, 2);
    if rows.len() > RECOVERY_ROWS_SHOWN {
        let _ = writeln!(
            out,
            "... and {} more in recovery.csv",
            count((rows.len() - RECOVERY_ROWS_SHOWN) as u64)
        );
    }
    out
}

/// The SLO verdict of a run in a sentence: `SLO p99 <= 300 ms, errors <=
/// 1%: breached in 37 of 570 windows after warm-up (first at 4m03s)`, or
/// `... held in all 570 windows after warm-up`.
pub fn slo_verdict(model: &Model, v: &SloVerdict) -> String {
    let what = slo_bounds(model);
    let after = if model.warmup.nanos() > 0 {
        " after warm-up"
    } else {
        ""
    };
    let windows = |n: u64| if n == 1 { "window" } else { "windows" };
    if v.windows == 0 {
        format!("{what}: no window{after} to judge")
    } else if v.breached == 0 {
        format!(
            "{what}: held in all {} {}{after}",
            count(v.windows),
            windows(v.windows)
        )
    } else {
        let first = v
            .first_breach
            .map(|t| format!(" (first at {})", clock(t.nanos())))
            .unwrap_or_default();
        format!(
            "{what}: breached in {} of {} {}{after}{first}",
            count(v.breached),
            count(v.windows),
            windows(v.windows)
        )
    }
}

/// The SLO's bounds, as `SLO p99 <= 600 ms, errors <= 1%`.
pub fn slo_bounds(model: &Model) -> String {
    let mut bounds = Vec::new();
    if let Some(slo) = &model.slo {
        if let Some(p99) = slo.p99 {
            bounds.push(format!("p99 <= {} ms", ms(Some(p99))));
        }
        if let Some(e) = slo.error_rate {
            bounds.push(format!("errors <= {}", pct(e)));
        }
    }
    if bounds.is_empty() {
        "SLO".to_string()
    } else {
        format!("SLO {}", bounds.join(", "))
    }
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
                // A database of another topology: its replication, and
                // stale reads of every read (any node may serve a stale
                // one), from the run's replication totals.
                let repl = result
                    .replication
                    .as_ref()
                    .and_then(|r| r.totals.iter().find(|t| t.component == *component));
                if let Some(t) = repl {
                    let stale = if t.reads == 0 {
                        "no reads answered".to_string()
                    } else {
                        format!(
                            "stale reads {} of all reads ({} of {})",
                            pct(t.stale_reads as f64 / t.reads as f64),
                            count(t.stale_reads),
                            count(t.reads)
                        )
                    };
                    return format!(
                        "{}: {load}; {} reads, {} writes; {}; {stale}",
                        name(*component),
                        count(*reads),
                        count(*writes),
                        super::replication::replication_clause(t)
                    );
                }
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

/// `value ± half-width` of a figure across replications, each part shown
/// by `show`; the value alone from one run.
fn plus_minus(f: Option<Figure>, show: &dyn Fn(f64) -> String) -> String {
    match f {
        None => "-".to_string(),
        Some(f) => match f.half_width() {
            Some(h) => format!("{} ± {}", show(f.mean), show(h)),
            None => show(f.mean),
        },
    }
}

fn ms_value(v: f64) -> String {
    ms(Some(SimDuration((v.max(0.0) * 1e6).round() as u64)))
}

/// The summary of a configuration run several times: each figure as its
/// mean ± the half-width of its 95% confidence interval.
pub fn replicated_table(model: &Model, runs: &Replicated) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}): {} simulated, warm-up {}, window {}, {} replications (seeds from {}), 95% intervals",
        model.name, model.variant, model.duration, runs.warmup, model.window, runs.runs, model.seed
    );
    if !model.description.is_empty() {
        let _ = writeln!(out, "{}", model.description);
    }
    out.push('\n');
    let mut rows = vec![
        [
            "class", "requests", "errors", "thru/s", "mean", "p50", "p99", "p99.9 ms",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>(),
    ];
    let single = runs.classes.len() == 2;
    let shown = runs.classes.iter().filter(|c| !single || c.class == "all");
    // With data centers, each origin after `all`.
    for c in shown.chain(&runs.origins) {
        rows.push(vec![
            c.class.clone(),
            count(c.counts[0].round() as u64),
            plus_minus(Some(c.error_rate), &|x| pct(x.max(0.0))),
            plus_minus(Some(c.throughput_rps), &|x| fixed(x, 1)),
            plus_minus(c.latency_ms[0], &ms_value),
            plus_minus(c.latency_ms[1], &ms_value),
            plus_minus(c.latency_ms[3], &ms_value),
            plus_minus(c.latency_ms[4], &ms_value),
        ]);
    }
    out.push_str(&layout(&rows));
    let utils: Vec<String> = runs
        .utilization
        .iter()
        .map(|(n, u)| format!("{n} {}", pct(*u)))
        .collect();
    if !utils.is_empty() {
        let _ = writeln!(
            out,
            "\nutilisation after warm-up (mean): {}",
            utils.join(", ")
        );
    }
    if let Some(cost) = runs.cost_per_hour {
        let _ = writeln!(out, "cost: {cost:.2} per hour");
    }
    out
}

/// The comparison as a terminal table.
pub fn comparison_table(rows: &[ComparisonRow]) -> String {
    let mut cells = vec![
        [
            "variant", "requests", "errors", "good/s", "p50", "p90", "p99", "p99.9 ms", "busiest",
            "$/hour", "$/M req",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>(),
    ];
    for r in rows {
        cells.push(vec![
            r.variant.clone(),
            r.all.requests.to_string(),
            format!("{}%", fixed(r.all.error_rate * 100.0, 2)),
            fixed(r.all.goodput_rps, 1),
            short_ms(r, 0),
            short_ms(r, 1),
            short_ms(r, 2),
            short_ms(r, 3),
            r.max_utilization
                .as_ref()
                .map(|(u, n)| format!("{n} {}%", fixed(u * 100.0, 1)))
                .unwrap_or_else(|| "-".into()),
            r.cost_per_hour
                .map(|c| format!("{c:.2}"))
                .unwrap_or_else(|| "-".into()),
            r.cost_per_million()
                .map(|c| format!("{c:.3}"))
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    // The run's total only where a variant autoscales: elsewhere it is the
    // hourly figure times the run's length.
    if rows.iter().any(|r| r.scaled) {
        cells[0].push("$ total".into());
        for (row, r) in cells[1..].iter_mut().zip(rows) {
            row.push(
                r.cost_total
                    .map(|c| format!("{c:.2}"))
                    .unwrap_or_else(|| "-".into()),
            );
        }
    }
    layout(&cells)
}

fn short_ms(r: &ComparisonRow, i: usize) -> String {
    ms(r.all.latency.map(|q| q[i]))
}

/// The SLO line of a variant run several times, for its report and the
/// terminal: in how many replications `bounds` held; `None` without an SLO.
pub fn replicated_slo_line(bounds: &str, runs: &Replicated) -> Option<String> {
    let missed = runs.slo_breached_runs?;
    Some(if missed == 0 {
        format!(
            "{bounds}: held in every window after warm-up in all {} replications",
            runs.runs
        )
    } else {
        format!(
            "{bounds}: missed in some window after warm-up in {missed} of {} replications",
            runs.runs
        )
    })
}

/// The terminal table of a sweep's or a plan's points: p99 and error rate
/// with their intervals, cost, and whether each meets the objective.
pub fn points_table(name: &str, points: &Points) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{name}: {} points, 95% intervals across replications",
        points.rows.len()
    );
    let mut rows = Vec::new();
    let mut head: Vec<String> = points
        .keys
        .iter()
        .map(|k| k.rsplit('.').next().unwrap_or(k).to_string())
        .collect();
    head.extend(["runs", "errors", "p50 ms", "p99 ms", "$/hour"].map(String::from));
    if points.objective {
        head.push("meets".into());
    }
    rows.push(head);
    let pm = |f: Option<Figure>, scale: f64, d: usize| match f {
        None => "-".to_string(),
        Some(f) => match f.half_width() {
            Some(h) => format!("{} ± {}", fixed(f.mean * scale, d), fixed(h * scale, d)),
            None => fixed(f.mean * scale, d),
        },
    };
    for p in &points.rows {
        let mut row: Vec<String> = p.values.clone();
        row.push(p.runs.to_string());
        match p.figures {
            Some(r) => {
                let a = r.all();
                row.push(format!("{}%", pm(Some(a.error_rate), 100.0, 2)));
                row.push(pm(a.latency_ms[1], 1.0, 1));
                row.push(pm(a.latency_ms[3], 1.0, 1));
                row.push(
                    r.cost_per_hour
                        .map(|c| format!("{c:.2}"))
                        .unwrap_or_else(|| "-".into()),
                );
                if let Some(meets) = p.meets {
                    let mut m = if meets { "yes" } else { "no" }.to_string();
                    if p.chosen {
                        m.push_str("  <- chosen");
                    }
                    row.push(m);
                }
            }
            None => {
                row.extend(["overloaded", "-", "-", "-"].map(String::from));
                if p.meets.is_some() {
                    row.push("no".into());
                }
            }
        }
        rows.push(row);
    }
    out.push_str(&layout_left(&rows, points.keys.len()));
    out
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
        let t = layout_left(
            &[
                vec!["a".into(), "b".into(), "1".into()],
                vec!["aa".into(), "bbb".into(), "100".into()],
            ],
            2,
        );
        assert_eq!(t, "a   b      1\naa  bbb  100\n");
    }

    #[test]
    fn clock_reads_like_a_stopwatch() {
        let s = 1_000_000_000;
        assert_eq!(clock(0), "0s");
        assert_eq!(clock(250_000_000), "0.25s");
        assert_eq!(clock(37 * s), "37s");
        assert_eq!(clock(37 * s + 450_000_000), "37.5s");
        assert_eq!(clock(60 * s), "1m");
        assert_eq!(clock(243 * s), "4m03s");
        assert_eq!(clock(243 * s + 500_000_000), "4m03.5s");
        assert_eq!(clock(3600 * s), "1h");
        assert_eq!(clock(3720 * s), "1h02m");
        assert_eq!(clock(3607 * s), "1h00m07s");
        assert_eq!(clock(59_999_000_000), "1m");
    }
}
