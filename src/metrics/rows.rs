//! The rows a run produces, independent of any output format: one per window
//! for the time series, one per window and component instance, and the
//! summary. Reports turn them into CSV, tables and plots.

use super::by_class::ClassWindow;
use super::requests::WindowCounts;
use crate::engine::{SimDuration, SimTime};

/// One window of the request time series.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowRow {
    /// Start of the window.
    pub start: SimTime,
    /// Length of the window (the last one may be shorter).
    pub len: SimDuration,
    /// What happened to requests in the window.
    pub counts: WindowCounts,
    /// Requests in flight at the window's end.
    pub in_flight: u64,
    /// Latency quantiles of successful replies: p50, p90, p99, p99.9, max.
    pub latency: Option<[SimDuration; 5]>,
    /// Sessions lost in the window; `None` when no service keeps sessions.
    pub sessions_lost: Option<u64>,
    /// Mean latency of successful replies (what `warmup: auto` looks at).
    pub latency_mean: Option<SimDuration>,
    /// Each class's counts and latency buckets, in class order, when the
    /// run exports its series (`--export`); `None` otherwise.
    pub by_class: Option<Box<[ClassWindow]>>,
}

/// One window of one component instance (or the whole pool).
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentRow {
    /// Start of the window.
    pub start: SimTime,
    /// Index of the component in the model.
    pub component: u32,
    /// The instance, or `None` for the whole pool (`*`).
    pub instance: Option<u32>,
    /// 1/0 for an instance, instances up for the pool.
    pub up: u32,
    /// Busy workers over workers, time-averaged.
    pub utilization: Option<f64>,
    /// Waiting requests, time-averaged.
    pub queue_len: Option<f64>,
    /// Requests in service (or outstanding, for a load balancer), time-averaged.
    pub in_service: Option<f64>,
    /// Requests finished successfully in the window.
    pub completed: u64,
    /// Requests refused in the window.
    pub rejected: u64,
    /// Cache lookups that found the key (caches only).
    pub hits: Option<u64>,
    /// Cache lookups that did not (caches only).
    pub misses: Option<u64>,
    /// Messages held, waiting or being consumed, time-averaged (queues only).
    pub backlog: Option<f64>,
    /// Mean time replicas took to apply the writes they applied in the
    /// window, in milliseconds (database replicas; none when none applied).
    pub lag_ms: Option<f64>,
    /// Replica reads that missed the latest acknowledged write of their key
    /// (databases only).
    pub stale_reads: Option<u64>,
}

impl ComponentRow {
    /// A row of `component` (`instance`, or `*` when `None`) with every
    /// measure empty, for a kind to fill in.
    pub fn empty(start: SimTime, component: u32, instance: Option<u32>) -> ComponentRow {
        ComponentRow {
            start,
            component,
            instance,
            up: 0,
            utilization: None,
            queue_len: None,
            in_service: None,
            completed: 0,
            rejected: 0,
            hits: None,
            misses: None,
            backlog: None,
            lag_ms: None,
            stale_reads: None,
        }
    }
}

/// What the terminal summary says of a data component, counted after the
/// warm-up.
#[derive(Clone, Debug, PartialEq)]
pub enum DataSummary {
    /// A cache.
    Cache {
        /// The component.
        component: u32,
        /// Lookups that hit.
        hits: u64,
        /// Lookups that missed.
        misses: u64,
        /// Entries dropped to make room.
        evictions: u64,
    },
    /// A database.
    Database {
        /// The component.
        component: u32,
        /// Reads and writes served per shard (all its nodes).
        shard_ops: Vec<u64>,
        /// Reads served.
        reads: u64,
        /// Reads served by replicas.
        replica_reads: u64,
        /// Stale replica reads.
        stale_reads: u64,
        /// Writes acknowledged.
        writes: u64,
    },
    /// A message queue.
    Queue {
        /// The component.
        component: u32,
        /// Messages stored.
        published: u64,
        /// Publishes refused because the queue was full.
        rejected: u64,
        /// Messages consumers finished.
        consumed: u64,
        /// Most messages held at once.
        peak_backlog: u64,
        /// When the peak was reached.
        peak_at: SimTime,
        /// When nothing was waiting any more after the peak; `None` if the
        /// queue had not drained by the end.
        drained_at: Option<SimTime>,
        /// Messages held at the end.
        held_at_end: u64,
        /// Messages handed to a consumer again after its work on them
        /// failed or its instance crashed (at-least-once delivery).
        redelivered: u64,
    },
}

/// One row of the summary: a request class or `all`.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryRow {
    /// Class name or `all`.
    pub class: String,
    /// Requests sent after warm-up.
    pub requests: u64,
    /// Ended `ok`.
    pub ok: u64,
    /// Ended `rejected`.
    pub rejected: u64,
    /// Ended `timed_out`.
    pub timed_out: u64,
    /// Ended `failed`.
    pub failed: u64,
    /// Errors over requests that ended.
    pub error_rate: f64,
    /// Successful replies per second, late ones included.
    pub throughput_rps: f64,
    /// Successful replies in time per second.
    pub goodput_rps: f64,
    /// Mean, p50, p90, p99, p99.9 and max latency of `ok` requests.
    pub latency_mean: Option<SimDuration>,
    /// Quantiles p50, p90, p99, p99.9, max.
    pub latency: Option<[SimDuration; 5]>,
    /// Sessions lost after warm-up, on the `all` row of a run whose
    /// services keep sessions; `None` otherwise (sessions are users', not
    /// a class's).
    pub sessions_lost: Option<u64>,
}

/// Where a run sends rows as windows close: CSV files, or memory in tests.
pub trait Sink {
    /// A window closed.
    fn window(&mut self, row: &WindowRow, components: &[ComponentRow]) -> std::io::Result<()>;
}

/// A sink that keeps every row in memory (tests and benchmarks).
#[derive(Default, Debug)]
pub struct MemorySink {
    /// Request rows.
    pub windows: Vec<WindowRow>,
    /// Component rows.
    pub components: Vec<ComponentRow>,
}

impl Sink for MemorySink {
    fn window(&mut self, row: &WindowRow, components: &[ComponentRow]) -> std::io::Result<()> {
        self.windows.push(row.clone());
        self.components.extend_from_slice(components);
        Ok(())
    }
}

/// A sink that drops every row (benchmarks of the engine alone).
#[derive(Default, Debug)]
pub struct NullSink;

impl Sink for NullSink {
    fn window(&mut self, _: &WindowRow, _: &[ComponentRow]) -> std::io::Result<()> {
        Ok(())
    }
}
