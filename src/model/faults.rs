//! Faults, health checks, failover and the SLO, compiled: what breaks, where
//! and when, in ids and nanoseconds.

use super::{ComponentId, Dist};
use crate::engine::{SimDuration, SimTime};

/// One entry of `faults:`.
#[derive(Clone, Debug)]
pub struct Fault {
    /// When it strikes (for a random fault: from when instances may fail).
    pub at: SimTime,
    /// How long it lasts; `None` is for ever (and for `flush`, an instant).
    pub duration: Option<SimDuration>,
    /// What it does.
    pub kind: FaultKind,
    /// The fault's kind as written: `crash`, `slow`, `errors`, `flush`,
    /// `partition`, `delay` or `random crash`.
    pub label: String,
    /// The target as written (`web`, `db.shard0.primary`, `lb <-> web`).
    pub target: String,
}

/// What a fault does.
#[derive(Clone, Debug)]
pub enum FaultKind {
    /// The instances stop: work in service on them fails, new work sent to
    /// them fails at once, a cache node loses its entries.
    Crash {
        /// The component.
        component: ComponentId,
        /// Its instances that crash (node indices for a database; `[0]` for
        /// a load balancer or a queue).
        instances: Vec<u32>,
    },
    /// Service times of the instances are multiplied by `factor`.
    Slow {
        /// The component.
        component: ComponentId,
        /// Its instances that slow down.
        instances: Vec<u32>,
        /// At least 1 (or below 1: faster).
        factor: f64,
    },
    /// A share of the calls the instances receive fail at once.
    Errors {
        /// The component.
        component: ComponentId,
        /// Its instances that fail calls.
        instances: Vec<u32>,
        /// From 0 to 1.
        share: f64,
    },
    /// Cache nodes lose every entry (an instant).
    Flush {
        /// The cache.
        component: ComponentId,
        /// Its nodes flushed.
        instances: Vec<u32>,
    },
    /// Calls between two components (either way) fail at once.
    Partition {
        /// One side.
        a: ComponentId,
        /// The other.
        b: ComponentId,
    },
    /// Calls between two components (either way) take `extra` longer to
    /// arrive.
    Delay {
        /// One side.
        a: ComponentId,
        /// The other.
        b: ComponentId,
        /// The added time, drawn per call.
        extra: Dist,
    },
    /// `outage: DC`: every instance of every component (and every database
    /// node) standing in the data center crashes; primaries in it fail over
    /// by their database's `failover`.
    Outage {
        /// The data center.
        dc: super::DcId,
    },
    /// `partition: [DC1, DC2]`: the link carries nothing; calls and replies
    /// across it fail at once, replication across it waits.
    LinkPartition {
        /// The link's index in the model's `geo.links`.
        link: u16,
    },
    /// `delay: [DC1, DC2]`: every crossing of the link, either way, takes
    /// `extra` longer.
    LinkDelay {
        /// The link's index in the model's `geo.links`.
        link: u16,
        /// The added time, drawn per crossing.
        extra: Dist,
    },
    /// `partition: [db.shard0.node0, db.shard0.node1]`: two nodes of one
    /// database whose nodes replicate to each other (`multi_primary`,
    /// `ring`) stop reaching each other; replication between them waits
    /// until it heals (a split brain without data centers).
    NodePartition {
        /// The database.
        component: ComponentId,
        /// One node (its index).
        a: u32,
        /// The other.
        b: u32,
    },
    /// Each instance fails after an exponential time to failure (mean
    /// `mttf`) and is repaired after an exponential time (mean `mttr`),
    /// again and again, independently.
    RandomCrash {
        /// The component.
        component: ComponentId,
        /// Its instances that may fail.
        instances: Vec<u32>,
        /// Mean time to failure.
        mttf: SimDuration,
        /// Mean time to repair.
        mttr: SimDuration,
    },
}

/// A load balancer's health check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthCheck {
    /// Time between checks of each instance (checks at `k * interval`).
    pub interval: SimDuration,
    /// Failed checks in a row that mark an instance down.
    pub failures: u32,
}

/// A database's failover when a primary dies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failover {
    /// Time from the crash until the primary is declared dead.
    pub detect: SimDuration,
    /// Time from then until a replica serves as the new primary.
    pub promote: SimDuration,
}

/// The service-level objective windows are judged against.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slo {
    /// Highest acceptable p99 of a window's successful replies.
    pub p99: Option<SimDuration>,
    /// Highest acceptable share of a window's ended requests that failed,
    /// timed out or were rejected.
    pub error_rate: Option<f64>,
    /// Good windows in a row that count as recovered.
    pub hold: u32,
}
