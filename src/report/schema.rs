//! The columns of every CSV file capsim writes, one module per file, in the
//! order they are written: the writers write these headers and the readers
//! (the plots, `capsim merge`) find their columns by these names, so that a
//! column renamed here is renamed everywhere at once. SCENARIO.md's "What a
//! run writes" documents each of them.
//!
//! Columns shared by several files are declared once and the lists are
//! joined at compile time ([`join`]): `summary.csv`, `sweep.csv` and
//! `plan.csv` carry the same figure columns.

/// The parts concatenated into one list of `N` columns; fails the build when
/// `N` is not their total length.
const fn join<const N: usize>(parts: &[&[&'static str]]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut k = 0;
    let mut i = 0;
    while i < parts.len() {
        let mut j = 0;
        while j < parts[i].len() {
            out[k] = parts[i][j];
            k += 1;
            j += 1;
        }
        i += 1;
    }
    assert!(k == N, "the parts do not add up to the list's length");
    out
}

/// A figure across replications as three columns: the mean, then the ends
/// of its 95% confidence interval (`_lo`, `_hi`; empty from a single run).
/// The error rate, throughput and goodput, in that order.
const RATE_FIGURES: &[&str] = &[
    "error_rate",
    "error_rate_lo",
    "error_rate_hi",
    "throughput_rps",
    "throughput_rps_lo",
    "throughput_rps_hi",
    "goodput_rps",
    "goodput_rps_lo",
    "goodput_rps_hi",
];

/// The latency figures (mean, p50, p90, p99, p99.9), three columns each.
const LATENCY_FIGURES: &[&str] = &[
    "latency_mean_ms",
    "latency_mean_ms_lo",
    "latency_mean_ms_hi",
    "latency_p50_ms",
    "latency_p50_ms_lo",
    "latency_p50_ms_hi",
    "latency_p90_ms",
    "latency_p90_ms_lo",
    "latency_p90_ms_hi",
    "latency_p99_ms",
    "latency_p99_ms_lo",
    "latency_p99_ms_hi",
    "latency_p999_ms",
    "latency_p999_ms_lo",
    "latency_p999_ms_hi",
];

/// The largest latency as a figure (in `summary.csv` only: a sweep's points
/// stop at p99.9).
const MAX_LATENCY_FIGURE: &[&str] = &["latency_max_ms", "latency_max_ms_lo", "latency_max_ms_hi"];

/// How many latency figures [`LATENCY_FIGURES`] holds, for the writers.
pub const LATENCIES_WITHOUT_MAX: usize = LATENCY_FIGURES.len() / 3;

/// `timeseries.csv`: one row per window.
pub mod timeseries {
    /// The window's start, in seconds.
    pub const TIME: &str = "time_s";
    /// Requests sent per second.
    pub const OFFERED: &str = "offered_rps";
    /// Replies per second, late ones included.
    pub const COMPLETED: &str = "completed_rps";
    /// Successful replies in time per second.
    pub const GOODPUT: &str = "goodput_rps";
    /// Requests refused per second.
    pub const REJECTED: &str = "rejected_rps";
    /// Requests that timed out per second.
    pub const TIMED_OUT: &str = "timed_out_rps";
    /// Requests that failed per second.
    pub const FAILED: &str = "failed_rps";
    /// Requests in flight at the window's end.
    pub const IN_FLIGHT: &str = "in_flight";
    /// Response-time quantiles of the window, in milliseconds.
    pub const P50: &str = "latency_p50_ms";
    /// See [`P50`].
    pub const P90: &str = "latency_p90_ms";
    /// See [`P50`].
    pub const P99: &str = "latency_p99_ms";
    /// See [`P50`].
    pub const P999: &str = "latency_p999_ms";
    /// See [`P50`].
    pub const MAX: &str = "latency_max_ms";
    /// First tries and retries sent per second.
    pub const ATTEMPTS: &str = "attempts_rps";
    /// Local sessions lost in the window.
    pub const SESSIONS_LOST: &str = "sessions_lost";

    /// Every column, in order.
    pub const COLUMNS: &[&str] = &[
        TIME,
        OFFERED,
        COMPLETED,
        GOODPUT,
        REJECTED,
        TIMED_OUT,
        FAILED,
        IN_FLIGHT,
        P50,
        P90,
        P99,
        P999,
        MAX,
        ATTEMPTS,
        SESSIONS_LOST,
    ];
}

/// `components.csv`: one row per window, component and instance (`*` for
/// the whole pool).
pub mod components {
    /// The window's start, in seconds.
    pub const TIME: &str = "time_s";
    /// The component's name.
    pub const COMPONENT: &str = "component";
    /// The instance's name, `*` for the pool.
    pub const INSTANCE: &str = "instance";
    /// 0/1 for an instance, instances up for the pool.
    pub const UP: &str = "up";
    /// Busy workers over workers, time-averaged.
    pub const UTILIZATION: &str = "utilization";
    /// Requests waiting, time-averaged.
    pub const QUEUE_LEN: &str = "queue_len";
    /// Requests in service (outstanding, for a balancer), time-averaged.
    pub const IN_SERVICE: &str = "in_service";
    /// Requests finished in the window.
    pub const COMPLETED: &str = "completed";
    /// Requests refused in the window.
    pub const REJECTED: &str = "rejected";
    /// Cache lookups that found the key.
    pub const HITS: &str = "hits";
    /// Cache lookups that did not.
    pub const MISSES: &str = "misses";
    /// Messages a queue holds, time-averaged.
    pub const BACKLOG: &str = "backlog";
    /// Mean replication lag of the writes applied in the window.
    pub const LAG_MS: &str = "lag_ms";
    /// Replica reads that missed the latest write of their key.
    pub const STALE_READS: &str = "stale_reads";

    /// Every column, in order.
    pub const COLUMNS: &[&str] = &[
        TIME,
        COMPONENT,
        INSTANCE,
        UP,
        UTILIZATION,
        QUEUE_LEN,
        IN_SERVICE,
        COMPLETED,
        REJECTED,
        HITS,
        MISSES,
        BACKLOG,
        LAG_MS,
        STALE_READS,
    ];
}

/// `summary.csv`: one row per request class, then `all`. Every latency,
/// throughput and error-rate figure is followed by the 95% confidence
/// interval of its mean across replications.
pub mod summary {
    use super::{LATENCY_FIGURES, MAX_LATENCY_FIGURE, RATE_FIGURES, join};

    /// Every column, in order.
    pub const COLUMNS: &[&str] = &join::<40>(&[
        &[
            "variant",
            "class",
            "requests",
            "ok",
            "rejected",
            "timed_out",
            "failed",
        ],
        RATE_FIGURES,
        LATENCY_FIGURES,
        MAX_LATENCY_FIGURE,
        &[
            "cost_per_hour",
            "cost_per_million",
            "cost_total",
            "sessions_lost",
            "replications",
            "warmup_s",
        ],
    ]);
}

/// `sweep.csv` and `plan.csv`: one row per point, the varied keys first
/// (their names are the keys), then these; `plan.csv` ends with [`CHOSEN`].
pub mod points {
    use super::{LATENCY_FIGURES, RATE_FIGURES, join};

    /// The columns after the varied keys, in order.
    pub const COLUMNS: &[&str] = &join::<31>(&[
        &["replications", "warmup_s", "requests"],
        RATE_FIGURES,
        LATENCY_FIGURES,
        &["cost_per_hour", "cost_per_million", "status", "meets"],
    ]);

    /// `plan.csv`'s last column: `yes` on the point the plan chose.
    pub const CHOSEN: &str = "chosen";
}

/// `replications.csv`: one row per run and class, after label columns: the
/// variant ([`VARIANT`]) of a run, or the point's index ([`POINT`]) and
/// its varied keys in a sweep.
pub mod replications {
    /// The label column of a run's samples.
    pub const VARIANT: &str = "variant";
    /// The first label column of a sweep's samples.
    pub const POINT: &str = "point";

    /// The columns after the labels, in order.
    pub const COLUMNS: &[&str] = &[
        "replication",
        "seed",
        "warmup_s",
        "class",
        "requests",
        "ok",
        "rejected",
        "timed_out",
        "failed",
        "error_rate",
        "throughput_rps",
        "goodput_rps",
        "latency_mean_ms",
        "latency_p50_ms",
        "latency_p90_ms",
        "latency_p99_ms",
        "latency_p999_ms",
        "latency_max_ms",
        "sessions_lost",
        "cost_per_hour",
        "cost_total",
        "slo_windows_breached",
        "utilization",
    ];
}

/// `comparison/comparison.csv`: one row per variant.
pub mod comparison {
    /// Every column, in order.
    pub const COLUMNS: &[&str] = &[
        "variant",
        "requests",
        "error_rate",
        "throughput_rps",
        "goodput_rps",
        "latency_p50_ms",
        "latency_p90_ms",
        "latency_p99_ms",
        "latency_p999_ms",
        "max_utilization",
        "busiest",
        "cost_per_hour",
        "cost_per_million",
        "cost_total",
    ];
}

/// `events.csv`: one row per event, in time order.
pub mod events {
    /// Every column, in order.
    pub const COLUMNS: &[&str] = &["time_s", "kind", "target", "detail"];
}

/// `recovery.csv`: one row per fault occurrence.
pub mod recovery {
    /// Every column, in order.
    pub const COLUMNS: &[&str] = &[
        "fault",
        "target",
        "start_s",
        "end_s",
        "detected_s",
        "recovered_s",
        "time_to_detect_s",
        "time_to_recover_s",
        "requests_failed",
        "requests_timed_out",
        "lost_writes",
        "sessions_lost",
    ];
}

/// `links.csv` (with data centers): one row per window, link and
/// direction.
pub mod links {
    /// The window's start, in seconds.
    pub const TIME: &str = "time_s";
    /// The link, `us-east <-> eu-west`.
    pub const LINK: &str = "link";
    /// The direction, `us-east -> eu-west`.
    pub const DIRECTION: &str = "direction";
    /// Messages that started crossing in the window.
    pub const MESSAGES: &str = "messages";
    /// Their bytes.
    pub const BYTES: &str = "bytes";
    /// Share of the window spent transmitting (empty without `bandwidth`).
    pub const UTILIZATION: &str = "utilization";
    /// Mean time from send to arrival, in milliseconds (empty when none
    /// crossed).
    pub const DELAY_MS_MEAN: &str = "delay_ms_mean";

    /// Every column, in order.
    pub const COLUMNS: &[&str] = &[
        TIME,
        LINK,
        DIRECTION,
        MESSAGES,
        BYTES,
        UTILIZATION,
        DELAY_MS_MEAN,
    ];
}

/// `datacenters.csv` (with data centers): one row per window and data
/// center.
pub mod datacenters {
    /// The window's start, in seconds.
    pub const TIME: &str = "time_s";
    /// The data center's name.
    pub const DATACENTER: &str = "datacenter";
    /// 1 when not under an `outage` at the window's end, else 0.
    pub const UP: &str = "up";
    /// Requests that entered through an entry point in it.
    pub const REQUESTS_IN: &str = "requests_in";
    /// Of those, replies in the window that were a success.
    pub const OK: &str = "ok";
    /// Replies in the window that were not.
    pub const FAILED: &str = "failed";
    /// Busy workers over workers of its components, time-averaged (empty
    /// when it has none).
    pub const UTILIZATION: &str = "utilization";

    /// Every column, in order.
    pub const COLUMNS: &[&str] = &[TIME, DATACENTER, UP, REQUESTS_IN, OK, FAILED, UTILIZATION];
}

/// `datacenters_summary.csv` (with data centers): one row per data center
/// over the measured run (after the warm-up); `outage_s` over the whole
/// run.
pub mod datacenters_summary {
    /// Every column, in order.
    pub const COLUMNS: &[&str] = &[
        "datacenter",
        "requests_in",
        "ok",
        "failed",
        "utilization",
        "outage_s",
    ];
}

/// `links_summary.csv` (with data centers): one row per link, both
/// directions together, over the measured run (after the warm-up);
/// `egress_cost` over the whole run, warm-up included, as `cost_total`.
pub mod links_summary {
    /// Every column, in order.
    pub const COLUMNS: &[&str] = &[
        "link",
        "messages",
        "gb",
        "delay_ms_mean",
        "utilization",
        "egress_cost",
    ];
}

/// `replication.csv` (with a database of another topology than
/// `primary_replica`): one row per window, such database and node, then
/// the database as a whole (`*`).
pub mod replication {
    /// The window's start, in seconds.
    pub const TIME: &str = "time_s";
    /// The database's name.
    pub const COMPONENT: &str = "component";
    /// The node (`shard0.node1`), `*` for the database as a whole.
    pub const NODE: &str = "node";
    /// The database's topology: `multi_primary`, `ring` or `quorum`.
    pub const TOPOLOGY: &str = "topology";
    /// Writes committed at the node (`quorum`: applied by it); at `*`,
    /// writes acknowledged.
    pub const WRITES: &str = "writes";
    /// Writes committed at other nodes that the node applied (0 with
    /// `quorum`); at `*`, the nodes' sum.
    pub const APPLIED: &str = "applied";
    /// Mean time from a write's commit to its apply, of the writes applied
    /// in the window, in milliseconds (empty when none was).
    pub const LAG_MS_MEAN: &str = "lag_ms_mean";
    /// Writes committed elsewhere not yet applied at the window's end.
    pub const BACKLOG: &str = "backlog";
    /// Writes found concurrent with another of their key (empty with
    /// `quorum`).
    pub const CONFLICTS: &str = "conflicts";
    /// Acknowledged writes discarded by last-writer-wins (empty with
    /// `quorum`).
    pub const LOST_UPDATES: &str = "lost_updates";
    /// Reads served (at `*`: answered).
    pub const READS: &str = "reads";
    /// Of those, reads that missed the latest acknowledged write of their
    /// key.
    pub const STALE_READS: &str = "stale_reads";
    /// Calls failed for want of live nodes (at `*` only; 0 on node rows).
    pub const UNAVAILABLE: &str = "unavailable";

    /// Every column, in order.
    pub const COLUMNS: &[&str] = &[
        TIME,
        COMPONENT,
        NODE,
        TOPOLOGY,
        WRITES,
        APPLIED,
        LAG_MS_MEAN,
        BACKLOG,
        CONFLICTS,
        LOST_UPDATES,
        READS,
        STALE_READS,
        UNAVAILABLE,
    ];
}

/// `replication_summary.csv` (with a database of another topology than
/// `primary_replica`): one row per such database over the measured run
/// (after the warm-up), what the summary's data-tier line says.
pub mod replication_summary {
    /// Every column, in order.
    pub const COLUMNS: &[&str] = &[
        "component",
        "topology",
        "writes",
        "conflicts",
        "conflicts_per_1000_writes",
        "lost_updates",
        "reads",
        "stale_reads",
        "stale_read_rate",
        "unavailable",
    ];
}

/// `calls.csv` (with [flow] calls: `parallel`, `hedge`, `pool`,
/// `bulkhead`): one row per window and call entry with such options, the
/// entries of each window in caller then entry order.
pub mod calls {
    /// The window's start, in seconds.
    pub const TIME: &str = "time_s";
    /// The calling service.
    pub const CALLER: &str = "caller";
    /// What the entry calls: `search`, or `[profile, orders, recommendations]`
    /// for a parallel call.
    pub const CALL: &str = "call";
    /// What it does: `parallel join all` (`join any`, `join 2 of 3`),
    /// `hedge 50ms`, `pool 20`, `bulkhead 10`, joined by `, `.
    pub const OPTIONS: &str = "options";
    /// Times the entry was made (a parallel call counts once; retries and
    /// hedges do not count).
    pub const MADE: &str = "made";
    /// Calls sent on its behalf: every branch, retry and hedge.
    pub const SENT: &str = "sent";
    /// Of those, second tries sent by `hedge`.
    pub const HEDGES: &str = "hedges";
    /// Entries whose first success was a hedge's.
    pub const HEDGE_WINS: &str = "hedge_wins";
    /// Calls sent whose reply nobody waited for any more: a hedge's losing
    /// try, a branch past its join, a try past its timeout.
    pub const ABANDONED: &str = "abandoned";
    /// Entries that ended successful.
    pub const OK: &str = "ok";
    /// Entries that ended failed (the request fails with them).
    pub const FAILED: &str = "failed";
    /// Calls that found every connection of `pool` in use and waited.
    pub const POOL_WAITS: &str = "pool_waits";
    /// Mean wait for a connection per call sent, in milliseconds (0 without
    /// `pool`; empty when none was sent).
    pub const POOL_WAIT_MS: &str = "pool_wait_ms";
    /// Calls `bulkhead` refused at once (every connection in use).
    pub const BULKHEAD_REJECTED: &str = "bulkhead_rejected";

    /// Every column, in order.
    pub const COLUMNS: &[&str] = &[
        TIME,
        CALLER,
        CALL,
        OPTIONS,
        MADE,
        SENT,
        HEDGES,
        HEDGE_WINS,
        ABANDONED,
        OK,
        FAILED,
        POOL_WAITS,
        POOL_WAIT_MS,
        BULKHEAD_REJECTED,
    ];
}

/// `calls_summary.csv` (with [flow] calls): one row per call entry over
/// the measured run (the windows that start after the warm-up), with the
/// columns of `calls.csv` after `time_s`, then [`HEDGE_RATE`](calls_summary::HEDGE_RATE)
/// and [`ABANDONED_PER_CALL`](calls_summary::ABANDONED_PER_CALL); then one
/// row per service called by such an entry (and any other that took some
/// out of its lines) with only `call`, the service, and
/// [`CANCELLED`](calls_summary::CANCELLED).
pub mod calls_summary {
    /// Hedges per call made (empty when none was made).
    pub const HEDGE_RATE: &str = "hedge_rate";
    /// Calls abandoned per call made (empty when none was made).
    pub const ABANDONED_PER_CALL: &str = "abandoned_per_call";
    /// On a service's row: the abandoned calls to it taken out of its lines
    /// before any work (empty on an entry's row).
    pub const CANCELLED: &str = "cancelled";

    /// Every column, in order: `calls.csv`'s after `time_s`, then these.
    pub const COLUMNS: &[&str] = &super::join::<16>(&[
        super::calls::COLUMNS.split_at(1).1,
        &[HEDGE_RATE, ABANDONED_PER_CALL, CANCELLED],
    ]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_figure_columns_are_spelled_once() {
        // summary.csv and sweep.csv carry the same figure columns, the
        // summary's with the maximum latency besides.
        let figures = |cols: &'static [&'static str]| -> Vec<&'static str> {
            cols.iter()
                .copied()
                .filter(|c| {
                    c.starts_with("error_rate") || c.contains("_rps") || c.starts_with("latency")
                })
                .collect()
        };
        let mut summary = figures(summary::COLUMNS);
        summary.retain(|c| !c.starts_with("latency_max"));
        assert_eq!(summary, figures(points::COLUMNS));
        assert_eq!(summary::COLUMNS[0], "variant");
        assert_eq!(summary::COLUMNS[39], "warmup_s");
        assert_eq!(points::COLUMNS[30], "meets");
        assert_eq!(LATENCIES_WITHOUT_MAX, 5);
    }

    #[test]
    fn the_calls_summary_has_the_columns_of_calls_after_the_time() {
        assert_eq!(calls_summary::COLUMNS[..13], calls::COLUMNS[1..]);
        assert_eq!(calls_summary::COLUMNS[0], "caller");
        assert_eq!(calls_summary::COLUMNS[15], "cancelled");
    }
}
