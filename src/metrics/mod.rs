//! Measurements: time-weighted levels, latency histograms, request outcomes,
//! and the rows a run hands to reports as each window closes.

pub mod by_class;
pub mod events;
pub mod flow;
pub mod geo;
pub mod latency;
pub mod level;
pub mod recovery;
pub mod replication;
pub mod requests;
pub mod rows;
pub mod scaling;
pub mod window_histogram;

pub use by_class::{ClassWindow, LATENCY_BOUNDS_NS};
pub use events::{EventKind, LoggedEvent, RecoveryRow, SloVerdict};
pub use flow::{CallEntry, CallRow, FlowResult};
pub use geo::{DatacenterRow, GeoResult, LinkRow, OriginRow};
pub use latency::Latencies;
pub use level::Level;
pub use recovery::RecoveryTracker;
pub use replication::{ReplicationResult, ReplicationRow, ReplicationTotals};
pub use requests::{ClassTotals, Outcome, RequestStats, WindowCounts};
pub use rows::{ComponentRow, DataSummary, MemorySink, NullSink, Sink, SummaryRow, WindowRow};
pub use scaling::ScalingTrace;
pub use window_histogram::WindowHistogram;
