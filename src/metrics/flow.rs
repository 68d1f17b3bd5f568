//! What a run measures of the calls that do more than wait for one reply
//! ([flow]: `parallel`, `hedge`, `pool`, `bulkhead`): per window and call
//! entry (`calls.csv`), and the requests taken out of a line unserved
//! because nobody waited for them any more. A run without such calls has
//! none of this (its outputs are those of before).

use crate::engine::{SimDuration, SimTime};
use crate::model::ComponentId;

/// What one call entry of one service did in one window (`calls.csv`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallRow {
    /// Start of the window.
    pub start: SimTime,
    /// Length of the window.
    pub len: SimDuration,
    /// The calling service.
    pub caller: ComponentId,
    /// The entry's index in the caller's `calls`.
    pub entry: u32,
    /// Times the entry was made (a parallel fan-out counts once; retries
    /// and hedges do not count).
    pub made: u64,
    /// Calls sent on its behalf: every branch, retry and hedge.
    pub sent: u64,
    /// Of those, second tries sent by `hedge`.
    pub hedges: u64,
    /// Entries whose first success was a hedge's.
    pub hedge_wins: u64,
    /// Calls sent whose reply nobody waited for any more: a hedge's losing
    /// try, a branch past its join, a try past its timeout. One still
    /// waiting in a line is taken out unserved; one in service runs on.
    pub abandoned: u64,
    /// Entries that ended successful.
    pub ok: u64,
    /// Entries that ended failed (the request fails with them).
    pub failed: u64,
    /// Calls that found every connection of `pool` in use and waited.
    pub pool_waits: u64,
    /// Total wait for a connection of the calls sent, in nanoseconds (the
    /// mean over `sent` is `pool_wait_ms`).
    pub pool_wait_ns: u128,
    /// Calls `bulkhead` refused at once (every connection in use).
    pub bulkhead_rejected: u64,
}

impl CallRow {
    /// Mean wait for a connection per call sent, in milliseconds; `None`
    /// when none was sent.
    pub fn pool_wait_ms(&self) -> Option<f64> {
        (self.sent > 0).then(|| self.pool_wait_ns as f64 / self.sent as f64 / 1e6)
    }

    /// Adds `other`'s counts (same entry, another window) to this row's.
    pub fn add(&mut self, other: &CallRow) {
        self.made += other.made;
        self.sent += other.sent;
        self.hedges += other.hedges;
        self.hedge_wins += other.hedge_wins;
        self.abandoned += other.abandoned;
        self.ok += other.ok;
        self.failed += other.failed;
        self.pool_waits += other.pool_waits;
        self.pool_wait_ns += other.pool_wait_ns;
        self.bulkhead_rejected += other.bulkhead_rejected;
    }
}

/// One call entry with [flow] options, as the outputs name it.
#[derive(Clone, Debug, PartialEq)]
pub struct CallEntry {
    /// The calling service.
    pub caller: ComponentId,
    /// The entry's index in its `calls`.
    pub entry: u32,
    /// What it calls: `search`, or `[profile, orders, recommendations]`.
    pub to: String,
    /// What it does: `parallel join 2 of 3`, `hedge 50ms`, `pool 20`,
    /// `bulkhead 10`, joined by `, `.
    pub options: String,
}

/// The [flow] calls of a run: per window and entry, in window then entry
/// order, and per service the requests taken out of its lines unserved.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlowResult {
    /// The entries, in component then entry order.
    pub entries: Vec<CallEntry>,
    /// One row per window and entry.
    pub rows: Vec<CallRow>,
    /// Per service that took some (component, count after warm-up):
    /// abandoned requests taken out of a line before any work.
    pub cancelled: Vec<(ComponentId, u64)>,
}

impl FlowResult {
    /// The run's [flow] calls from what the services handed over (`rows`
    /// in any order; `cancelled` per service that skips abandoned calls),
    /// named after `model`; `None` when no call has [flow] options.
    pub fn of_run(
        model: &crate::model::Model,
        mut rows: Vec<CallRow>,
        cancelled: Vec<(ComponentId, u64)>,
    ) -> Option<Box<FlowResult>> {
        if !model.abandons_calls() {
            return None;
        }
        let name = |id: ComponentId| model.components[id as usize].name.as_str();
        let mut entries = Vec::new();
        for (id, c) in model.components.iter().enumerate() {
            let crate::components::ComponentKind::Service(s) = &c.kind else {
                continue;
            };
            for (e, call) in s.calls.iter().enumerate() {
                let Some(f) = call.flow.as_deref() else {
                    continue;
                };
                let mut options = Vec::new();
                let to = if f.branches.is_empty() {
                    name(call.to).to_string()
                } else {
                    let n = f.branches.len() as u32;
                    options.push(match f.join {
                        k if k == n => "parallel join all".to_string(),
                        1 => "parallel join any".to_string(),
                        k => format!("parallel join {k} of {n}"),
                    });
                    let names: Vec<&str> = f.branches.iter().map(|&b| name(b)).collect();
                    format!("[{}]", names.join(", "))
                };
                if let Some(h) = f.hedge {
                    options.push(format!("hedge {h}"));
                }
                if let Some(l) = f.limit {
                    let word = if l.wait { "pool" } else { "bulkhead" };
                    options.push(format!("{word} {}", l.size));
                }
                entries.push(CallEntry {
                    caller: id as ComponentId,
                    entry: e as u32,
                    to,
                    options: options.join(", "),
                });
            }
        }
        rows.sort_by_key(|r| (r.start, r.caller, r.entry));
        Some(Box::new(FlowResult {
            entries,
            rows,
            cancelled,
        }))
    }
}
