//! The files a run with [flow] calls (`parallel`, `hedge`, `pool`,
//! `bulkhead`) adds: `calls.csv`, one row per window and call entry with
//! such options, and `calls_summary.csv`, each entry's totals over the
//! measured run and, after them, the abandoned calls each service took out
//! of its lines unserved; the report's "Calls" section shows the summary
//! as written (the report is built from the files, as for replication).
//! Numbers are printed as in every other CSV, so the same run prints the
//! same bytes. A run without such calls writes neither.

use super::format::grouped;
use std::io;

use super::csv::opt;
use super::format::fixed;
use super::schema;
use crate::engine::{SimDuration, format_seconds};
use crate::metrics::{CallEntry, CallRow, FlowResult};
use crate::model::{CallFlow, ComponentId, ComponentKind, Model};

/// The CSV files such a run writes into its folder, in that order; a run
/// without removes any an earlier run left.
pub const FILES: &[&str] = &["calls.csv", "calls_summary.csv"];

/// The plot such a run writes.
pub const PLOT: &str = "calls.png";

/// Second tries per call made: `None` when none was made.
pub fn hedge_rate(r: &CallRow) -> Option<f64> {
    (r.made > 0).then(|| r.hedges as f64 / r.made as f64)
}

/// Calls sent whose reply nobody waited for, per call made: `None` when
/// none was made.
pub fn abandoned_per_call(r: &CallRow) -> Option<f64> {
    (r.made > 0).then(|| r.abandoned as f64 / r.made as f64)
}

/// The share of the hedges whose reply won: `None` without hedges.
pub fn hedge_win_rate(r: &CallRow) -> Option<f64> {
    (r.hedges > 0).then(|| r.hedge_wins as f64 / r.hedges as f64)
}

/// The [flow] options of `entry` in `model`, when the model has them (the
/// words of `entry.options` are the outputs'; these say what to state).
pub fn flow_of<'m>(model: &'m Model, entry: &CallEntry) -> Option<&'m CallFlow> {
    match &model.components.get(entry.caller as usize)?.kind {
        ComponentKind::Service(s) => s.calls.get(entry.entry as usize)?.flow.as_deref(),
        _ => None,
    }
}

/// What an entry does, for the lines and panels that state only what
/// applies: from the model's options, else (an entry the model does not
/// know) from its words.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EntryKind {
    /// A parallel call.
    pub parallel: bool,
    /// With `hedge`.
    pub hedge: bool,
    /// With `pool` (calls wait for a connection).
    pub pool: bool,
    /// With `bulkhead` (the excess is rejected).
    pub bulkhead: bool,
}

impl EntryKind {
    /// The kind of `entry` of `model`.
    pub fn of(model: &Model, entry: &CallEntry) -> EntryKind {
        match flow_of(model, entry) {
            Some(f) => EntryKind {
                parallel: !f.branches.is_empty(),
                hedge: f.hedge.is_some(),
                pool: f.limit.is_some_and(|l| l.wait),
                bulkhead: f.limit.is_some_and(|l| !l.wait),
            },
            None => EntryKind::from_words(&entry.options),
        }
    }

    /// The kind an entry's `options` words say (`parallel join 2 of 3,
    /// hedge 10ms`).
    pub fn from_words(options: &str) -> EntryKind {
        let has = |w: &str| options.split(", ").any(|o| o.starts_with(w));
        EntryKind {
            parallel: has("parallel"),
            hedge: has("hedge"),
            pool: has("pool"),
            bulkhead: has("bulkhead"),
        }
    }
}

/// Each entry of `result` with its counts summed over the windows that
/// start at or after `warmup`, in entry order.
pub fn entry_totals(result: &FlowResult, warmup: SimDuration) -> Vec<(&CallEntry, CallRow)> {
    let mut totals: Vec<CallRow> = result
        .entries
        .iter()
        .map(|e| CallRow {
            caller: e.caller,
            entry: e.entry,
            ..CallRow::default()
        })
        .collect();
    let from = crate::engine::SimTime(warmup.nanos());
    for r in result.rows.iter().filter(|r| r.start >= from) {
        if let Some(k) = entry_index(result, r) {
            totals[k].add(r);
        }
    }
    result.entries.iter().zip(totals).collect()
}

/// The index in `result.entries` of `row`'s entry (they are in caller then
/// entry order).
pub(crate) fn entry_index(result: &FlowResult, row: &CallRow) -> Option<usize> {
    result
        .entries
        .binary_search_by_key(&(row.caller, row.entry), |e| (e.caller, e.entry))
        .ok()
}

/// The services `calls_summary.csv` states the cancelled calls of, in
/// model order, with their counts after the warm-up: every one some
/// [flow] entry calls, and any other that took some out of its lines
/// (every service of such a run counts them; most would say 0).
pub fn cancelled_shown(model: &Model, result: &FlowResult) -> Vec<(ComponentId, u64)> {
    let called = |id: ComponentId| {
        result.entries.iter().any(|e| {
            flow_of(model, e).is_some_and(|f| {
                f.branches.contains(&id) || (f.branches.is_empty() && called_to(model, e) == id)
            })
        })
    };
    let mut out: Vec<(ComponentId, u64)> = result
        .cancelled
        .iter()
        .copied()
        .filter(|&(id, n)| n > 0 || called(id))
        .collect();
    out.sort_by_key(|c| c.0);
    out
}

/// What entry `e` of a call to one component calls.
fn called_to(model: &Model, e: &CallEntry) -> ComponentId {
    match &model.components[e.caller as usize].kind {
        ComponentKind::Service(s) => s.calls.get(e.entry as usize).map_or(u32::MAX, |c| c.to),
        _ => u32::MAX,
    }
}

fn finish(w: csv::Writer<Vec<u8>>) -> io::Result<Vec<u8>> {
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// The name of component `id` (empty for one the model does not have).
fn name(model: &Model, id: ComponentId) -> &str {
    model
        .components
        .get(id as usize)
        .map_or("", |c| c.name.as_str())
}

/// The counts of a row as cells, in the schema's order (`made` to
/// `bulkhead_rejected`).
fn count_cells(r: &CallRow) -> [String; 10] {
    [
        r.made.to_string(),
        r.sent.to_string(),
        r.hedges.to_string(),
        r.hedge_wins.to_string(),
        r.abandoned.to_string(),
        r.ok.to_string(),
        r.failed.to_string(),
        r.pool_waits.to_string(),
        opt(r.pool_wait_ms(), 3),
        r.bulkhead_rejected.to_string(),
    ]
}

/// `calls.csv` as bytes: one row per row of `result`, in its order (each
/// window's entries in caller then entry order). `pool_wait_ms` is the
/// mean wait for a connection per call sent, empty when none was sent.
pub fn calls_csv(model: &Model, result: &FlowResult) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(schema::calls::COLUMNS)?;
    for r in &result.rows {
        let Some(e) = entry_index(result, r).map(|k| &result.entries[k]) else {
            continue;
        };
        let mut record = vec![
            format_seconds(r.start.nanos()),
            name(model, e.caller).to_string(),
            e.to.clone(),
            e.options.clone(),
        ];
        record.extend(count_cells(r));
        w.write_record(&record)?;
    }
    finish(w)
}

/// `calls_summary.csv` as bytes: one row per entry over the windows after
/// `warmup`, in entry order (`hedge_rate` and `abandoned_per_call` per
/// call made, empty when none was; `cancelled` empty), then one per
/// service of [`cancelled_shown`]: `caller`, `options` and the counts
/// empty, `call` the service, `cancelled` the abandoned calls to it taken
/// out of its lines unserved.
pub fn calls_summary_csv(
    model: &Model,
    result: &FlowResult,
    warmup: SimDuration,
) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(schema::calls_summary::COLUMNS)?;
    for (e, t) in entry_totals(result, warmup) {
        let mut record = vec![
            name(model, e.caller).to_string(),
            e.to.clone(),
            e.options.clone(),
        ];
        record.extend(count_cells(&t));
        record.push(opt(hedge_rate(&t), 6));
        record.push(opt(abandoned_per_call(&t), 6));
        record.push(String::new());
        w.write_record(&record)?;
    }
    let width = schema::calls_summary::COLUMNS.len();
    for (id, n) in cancelled_shown(model, result) {
        let mut record = vec![String::new(); width];
        record[1] = name(model, id).to_string();
        record[width - 1] = n.to_string();
        w.write_record(&record)?;
    }
    finish(w)
}

/// A mean wait in milliseconds for the terminal: 3 significant digits.
fn wait_ms(v: f64) -> String {
    if v >= 100.0 {
        fixed(v, 0)
    } else if v >= 10.0 {
        fixed(v, 1)
    } else {
        fixed(v, 2)
    }
}

/// A share for the terminal: `12.3%`, `<0.1%` below a thousandth.
fn share(x: f64) -> String {
    if x == 0.0 {
        "0%".to_string()
    } else if x < 0.001 {
        "<0.1%".to_string()
    } else {
        format!("{}%", fixed(x * 100.0, 1))
    }
}

/// How the terminal states one entry over the measured run (`t`): `gw ->
/// [a, b, c] parallel join all: 10,000 calls, 0 failed, 20,000 abandoned`,
/// then what applies of `; 12.3% hedged, 48% of hedges won`, `; pool
/// wait 4.21 ms mean, 1,234 waited` and `; bulkhead rejected 56 (0.5% of
/// tries)`.
pub fn entry_line(caller: &str, e: &CallEntry, kind: EntryKind, t: &CallRow) -> String {
    let mut out = format!(
        "{caller} -> {} {}: {} calls, {} failed",
        e.to,
        e.options,
        grouped(t.made),
        grouped(t.failed)
    );
    if kind.parallel || kind.hedge || t.abandoned > 0 {
        out.push_str(&format!(", {} abandoned", grouped(t.abandoned)));
    }
    if kind.hedge {
        match (hedge_rate(t), hedge_win_rate(t)) {
            (Some(r), Some(w)) => out.push_str(&format!(
                "; {} hedged, {} of hedges won",
                share(r),
                share(w)
            )),
            _ => out.push_str("; none hedged"),
        }
    }
    if kind.pool {
        match t.pool_wait_ms() {
            Some(ms) => out.push_str(&format!(
                "; pool wait {} ms mean, {} waited",
                wait_ms(ms),
                grouped(t.pool_waits)
            )),
            None => out.push_str("; no call sent through the pool"),
        }
    }
    if kind.bulkhead {
        let tries = t.sent + t.bulkhead_rejected;
        let of = if tries > 0 {
            format!(
                " ({} of tries)",
                share(t.bulkhead_rejected as f64 / tries as f64)
            )
        } else {
            String::new()
        };
        out.push_str(&format!(
            "; bulkhead rejected {}{of}",
            grouped(t.bulkhead_rejected)
        ));
    }
    out
}

/// The terminal's lines of a run's [flow] calls over the measured run: one
/// per entry ([`entry_line`]), then, when some service took abandoned
/// calls out of its lines, which and how many.
pub fn call_lines(model: &Model, result: &FlowResult) -> Vec<String> {
    let mut lines: Vec<String> = entry_totals(result, model.warmup)
        .into_iter()
        .map(|(e, t)| entry_line(name(model, e.caller), e, EntryKind::of(model, e), &t))
        .collect();
    let taken: Vec<String> = cancelled_shown(model, result)
        .into_iter()
        .filter(|&(_, n)| n > 0)
        .map(|(id, n)| format!("{} {}", name(model, id), grouped(n)))
        .collect();
    if !taken.is_empty() {
        lines.push(format!(
            "abandoned calls taken out of a line unserved: {}",
            taken.join(", ")
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(to: &str, options: &str) -> CallEntry {
        CallEntry {
            caller: 0,
            entry: 0,
            to: to.into(),
            options: options.into(),
        }
    }

    fn counts(made: u64, hedges: u64, wins: u64, abandoned: u64) -> CallRow {
        CallRow {
            made,
            sent: made + hedges,
            hedges,
            hedge_wins: wins,
            abandoned,
            ok: made.saturating_sub(3),
            failed: made.min(3),
            ..CallRow::default()
        }
    }

    #[test]
    fn each_line_states_what_its_entry_does() {
        let e = entry("[a, b, c]", "parallel join all");
        let kind = EntryKind {
            parallel: true,
            ..EntryKind::default()
        };
        let mut t = counts(10_000, 0, 0, 20_000);
        t.sent = 30_000;
        assert_eq!(
            entry_line("gw", &e, kind, &t),
            "gw -> [a, b, c] parallel join all: 10,000 calls, 3 failed, 20,000 abandoned"
        );
        let e = entry("search", "hedge 50ms");
        let kind = EntryKind {
            hedge: true,
            ..EntryKind::default()
        };
        let t = counts(10_000, 1234, 592, 1234);
        assert_eq!(
            entry_line("gw", &e, kind, &t),
            "gw -> search hedge 50ms: 10,000 calls, 3 failed, 1,234 abandoned; 12.3% hedged, \
             48% of hedges won"
        );
        assert_eq!(
            entry_line("gw", &e, kind, &counts(0, 0, 0, 0))
                .split("; ")
                .nth(1),
            Some("none hedged")
        );
        let e = entry("payments", "pool 20");
        let kind = EntryKind {
            pool: true,
            ..EntryKind::default()
        };
        let mut t = counts(2000, 0, 0, 0);
        t.pool_waits = 1234;
        t.pool_wait_ns = 8_420_000_000;
        assert_eq!(
            entry_line("gw", &e, kind, &t),
            "gw -> payments pool 20: 2,000 calls, 3 failed; pool wait 4.21 ms mean, 1,234 waited"
        );
        let e = entry("inventory", "bulkhead 10");
        let kind = EntryKind {
            bulkhead: true,
            ..EntryKind::default()
        };
        let mut t = counts(1000, 0, 0, 0);
        t.sent = 995;
        t.bulkhead_rejected = 5;
        assert_eq!(
            entry_line("gw", &e, kind, &t),
            "gw -> inventory bulkhead 10: 1,000 calls, 3 failed; bulkhead rejected 5 (0.5% of \
             tries)"
        );
    }

    #[test]
    fn kinds_are_read_from_the_words_when_the_model_has_no_such_entry() {
        assert_eq!(
            EntryKind::from_words("parallel join 2 of 3, hedge 10ms, pool 4"),
            EntryKind {
                parallel: true,
                hedge: true,
                pool: true,
                bulkhead: false
            }
        );
        let r = counts(4, 1, 1, 2);
        assert_eq!(hedge_rate(&r), Some(0.25));
        assert_eq!(abandoned_per_call(&r), Some(0.5));
        assert_eq!(hedge_win_rate(&r), Some(1.0));
        assert_eq!(hedge_rate(&CallRow::default()), None);
    }
}
