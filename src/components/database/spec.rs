//! `kind: database` as written in a scenario.

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::scenario::spec::*;

/// `kind: database`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSpec {
    /// Always `database`.
    #[schemars(extend("const" = "database"))]
    pub kind: String,
    /// Shards (1).
    #[serde(default)]
    pub shards: Option<u64>,
    /// How keys are spread over shards (hash).
    #[serde(default)]
    pub partition: Option<PartitionSpec>,
    /// Ring points per shard with `partition: consistent_hash` (100).
    #[serde(default)]
    pub vnodes: Option<u64>,
    /// Read replicas per shard (0).
    #[serde(default)]
    pub replicas: Option<u64>,
    /// Where reads go (primary).
    #[serde(default)]
    pub read_from: Option<ReadFromSpec>,
    /// How writes reach replicas (async, no lag).
    #[serde(default)]
    pub replication: Option<ReplicationSpec>,
    /// Workers per node (1, or the size's cores).
    #[serde(default)]
    pub workers: Option<u64>,
    /// Time a read holds a worker.
    pub read_time: DistSpec,
    /// Time a write holds a worker of the primary.
    pub write_time: DistSpec,
    /// A node size of the catalogue: sets workers, speed and cost.
    #[serde(default)]
    pub size: Option<String>,
    /// What happens when a primary dies (writes to its shard fail until it
    /// comes back).
    #[serde(default)]
    pub failover: Option<FailoverSpec>,
    #[serde(default, deserialize_with = "autoscale_on_non_service")]
    #[doc(hidden)]
    #[schemars(skip)]
    pub autoscale: Option<IgnoredAny>,
}

/// Partitioning schemes as written.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PartitionSpec {
    /// By key hash.
    Hash,
    /// By contiguous key range.
    Range,
    /// On a hash ring with virtual nodes.
    ConsistentHash,
}

/// `read_from` as written.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReadFromSpec {
    /// The primary.
    Primary,
    /// A replica.
    Replicas,
    /// Any node of the shard.
    Any,
    /// [geo] The node nearest the caller.
    Nearest,
}

/// `replication`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplicationSpec {
    /// How the shard's nodes share its writes (primary_replica).
    #[serde(default)]
    pub topology: Option<TopologySpec>,
    /// When a write is acknowledged (async); primary_replica only.
    #[serde(default)]
    pub mode: Option<ReplicationModeSpec>,
    /// Time a replica takes to apply a write (0s); for multi_primary the
    /// time until another primary applies it, for ring per hop, for quorum
    /// the one-way time from the coordinator to each node.
    #[serde(default)]
    pub lag: Option<DistSpec>,
    /// Writable nodes per shard, multi_primary and ring (without `dcs`).
    #[serde(default)]
    pub primaries: Option<u64>,
    /// How concurrent writes resolve, multi_primary (last_writer_wins).
    #[serde(default)]
    pub conflicts: Option<ConflictsSpec>,
    /// Nodes holding each key, quorum (required).
    #[serde(default)]
    pub n: Option<u64>,
    /// Nodes whose apply acknowledges a write, quorum (a majority of n).
    #[serde(default)]
    pub w: Option<u64>,
    /// Nodes whose reply answers a read, quorum (a majority of n).
    #[serde(default)]
    pub r: Option<u64>,
    /// Nodes per shard, quorum (n).
    #[serde(default)]
    pub nodes: Option<u64>,
}

/// `replication.topology` as written.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TopologySpec {
    /// One primary and its read replicas.
    PrimaryReplica,
    /// Every node a primary, each write sent to every other.
    MultiPrimary,
    /// Every node a primary, writes passed round a ring.
    Ring,
    /// Leaderless: writes and reads to `n` nodes, `w` and `r` answering.
    Quorum,
}

impl TopologySpec {
    /// The name as written.
    pub fn name(self) -> &'static str {
        match self {
            TopologySpec::PrimaryReplica => "primary_replica",
            TopologySpec::MultiPrimary => "multi_primary",
            TopologySpec::Ring => "ring",
            TopologySpec::Quorum => "quorum",
        }
    }

    /// Whether the topology's shard is several equal nodes (not a primary
    /// and replicas), which a database's `dcs` places instead of copying
    /// the database.
    pub fn has_nodes(self) -> bool {
        self != TopologySpec::PrimaryReplica
    }

    /// The topology written `name`, if it is one.
    pub fn from_name(name: &str) -> Option<TopologySpec> {
        [
            TopologySpec::PrimaryReplica,
            TopologySpec::MultiPrimary,
            TopologySpec::Ring,
            TopologySpec::Quorum,
        ]
        .into_iter()
        .find(|t| t.name() == name)
    }
}

/// `replication.conflicts` as written: the one policy there is.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ConflictsSpec {
    /// The write with the later commit time wins on every node.
    LastWriterWins,
}

/// Replication modes as written.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReplicationModeSpec {
    /// Acknowledged by the primary.
    Async,
    /// Acknowledged when every replica has applied it.
    Sync,
    /// Acknowledged when one replica has applied it.
    SemiSync,
}

/// `failover` of a database.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailoverSpec {
    /// Time from the crash until the primary is declared dead.
    pub detect: DurationValue,
    /// Time from then until a replica serves as the new primary.
    pub promote: DurationValue,
}
