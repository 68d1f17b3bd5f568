//! What a run with data centers measures besides the usual rows: per window
//! and link direction, per window and data center, per window and origin;
//! and per origin over the run. Reports turn them into `links.csv`,
//! `datacenters.csv`, the `origin:NAME` rows of `summary.csv` and
//! `geo.png`.

use super::SummaryRow;
use crate::engine::{SimDuration, SimTime};
use crate::model::DcId;

/// One window of one direction of one link (`links.csv`).
#[derive(Clone, Debug, PartialEq)]
pub struct LinkRow {
    /// Start of the window.
    pub start: SimTime,
    /// Length of the window.
    pub len: SimDuration,
    /// The link's index in the model's `geo.links`.
    pub link: u16,
    /// 0: from its `a` end to `b`; 1: back.
    pub direction: u8,
    /// Messages (calls, replies, replication) that started crossing in the
    /// window.
    pub messages: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Share of the window the direction spent transmitting; `None`
    /// without `bandwidth`.
    pub utilization: Option<f64>,
    /// Mean time from a message's send to its arrival (queueing for the
    /// link, transmission, latency and any `delay`), in milliseconds;
    /// `None` when none crossed.
    pub delay_ms_mean: Option<f64>,
}

/// One window of one data center (`datacenters.csv`).
#[derive(Clone, Debug, PartialEq)]
pub struct DatacenterRow {
    /// Start of the window.
    pub start: SimTime,
    /// Length of the window.
    pub len: SimDuration,
    /// The data center.
    pub datacenter: DcId,
    /// Not under an `outage` at the window's end.
    pub up: bool,
    /// Requests (attempts) that entered through an entry point in it in the
    /// window.
    pub requests_in: u64,
    /// Of the attempts that entered it, those whose reply in the window was
    /// a success.
    pub ok: u64,
    /// Those whose reply in the window was not (failed, rejected).
    pub failed: u64,
    /// Busy workers over workers of its services, caches and databases,
    /// time-averaged; `None` when it has none.
    pub utilization: Option<f64>,
}

/// One window of one origin (`geo.png`).
#[derive(Clone, Debug, PartialEq)]
pub struct OriginRow {
    /// Start of the window.
    pub start: SimTime,
    /// Length of the window.
    pub len: SimDuration,
    /// The origin's index in the model's `geo.origins`.
    pub origin: u8,
    /// Requests it sent in the window.
    pub sent: u64,
    /// Requests of it that ended in the window, and how: ok.
    pub ok: u64,
    /// Ended badly (rejected, timed out, failed).
    pub errors: u64,
    /// Latency quantiles of its successful replies: p50, p90, p99, p99.9,
    /// max; `None` when none.
    pub latency: Option<[SimDuration; 5]>,
}

/// Everything a run with data centers adds to its result.
#[derive(Clone, Debug, Default)]
pub struct GeoResult {
    /// Per window, per link, per direction.
    pub links: Vec<LinkRow>,
    /// Per window, per data center.
    pub datacenters: Vec<DatacenterRow>,
    /// Per window, per origin.
    pub origins: Vec<OriginRow>,
    /// Per origin over the measured run, `class` = `origin:NAME`, in the
    /// order of the model's origins.
    pub origin_summary: Vec<SummaryRow>,
    /// Response times of `ok` requests after warm-up, per origin, in that
    /// order.
    pub origin_latency: Vec<(String, super::Latencies)>,
    /// Per link: bytes that crossed it (both ways) over the whole run,
    /// warm-up included.
    pub link_bytes: Vec<u64>,
    /// What the bytes across priced links cost over the run; `None` when no
    /// link has an `egress` price.
    pub egress_cost: Option<f64>,
}
