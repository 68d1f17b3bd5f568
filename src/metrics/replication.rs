//! What a run measures of the databases whose nodes share writes another
//! way than primary and replicas (`multi_primary`, `ring`, `quorum`): per
//! window and node, and per database over the run. Reports turn them into
//! `replication.csv`, the summary's data-tier lines and `replication.png`.
//! A run without such a database has none of this (its outputs are those of
//! before).

use crate::engine::{SimDuration, SimTime};
use crate::model::{ComponentId, Topology};

/// One window of one node of such a database, or of the whole database
/// (`node: None`, written `*`) (`replication.csv`).
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicationRow {
    /// Start of the window.
    pub start: SimTime,
    /// Length of the window.
    pub len: SimDuration,
    /// The database.
    pub component: ComponentId,
    /// The node (an index, named by the kind's label); `None`: the whole
    /// database.
    pub node: Option<u32>,
    /// Writes committed at this node in the window (`multi_primary`,
    /// `ring`), or writes this node applied (`quorum`); at `*`: writes
    /// acknowledged.
    pub writes: u64,
    /// Writes committed at other nodes that this node applied in the window
    /// (`multi_primary`, `ring`; 0 with `quorum`, whose nodes are written
    /// directly); at `*`: all nodes' sum.
    pub applied: u64,
    /// Mean time from a write's commit to its apply here, of the writes
    /// applied in the window, in milliseconds; `None` when none was.
    pub lag_ms: Option<f64>,
    /// Writes committed elsewhere that have not reached this node at the
    /// window's end (on their way, or held by a partition or by a crashed
    /// node); at `*`: the sum.
    pub backlog: u64,
    /// Writes that turned out concurrent with a write of the same key at
    /// another node, counted in the window that found them, at the node
    /// that committed them (`None` with `quorum`).
    pub conflicts: Option<u64>,
    /// Acknowledged writes that last-writer-wins discarded (each counted
    /// once, in the window that discarded it first, at the node that
    /// committed it) (`None` with `quorum`).
    pub lost_updates: Option<u64>,
    /// Reads served by this node (`quorum`: read requests it answered); at
    /// `*`: reads answered.
    pub reads: u64,
    /// Of those, reads that did not return the latest write acknowledged
    /// (before the read arrived, with `quorum`) of their key.
    pub stale_reads: u64,
    /// Calls that failed for want of live nodes: no live primary, or fewer
    /// live nodes than a quorum needs (at `*` only; 0 on node rows).
    pub unavailable: u64,
}

/// Over the run after warm-up, per such database: what the summary says.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicationTotals {
    /// The database.
    pub component: ComponentId,
    /// Its topology.
    pub topology: Topology,
    /// Writes acknowledged.
    pub writes: u64,
    /// Writes concurrent with another (`None` with `quorum`).
    pub conflicts: Option<u64>,
    /// Writes discarded by last-writer-wins (`None` with `quorum`).
    pub lost_updates: Option<u64>,
    /// Reads answered.
    pub reads: u64,
    /// Of those, stale.
    pub stale_reads: u64,
    /// Calls failed for want of live nodes.
    pub unavailable: u64,
}

/// What the run hands to reports of its replication: rows in window order
/// (each window's node rows in node order, then `*`, database by
/// database), and each database's totals in model order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplicationResult {
    /// `replication.csv`'s rows.
    pub rows: Vec<ReplicationRow>,
    /// Per database, over the run after warm-up.
    pub totals: Vec<ReplicationTotals>,
}
