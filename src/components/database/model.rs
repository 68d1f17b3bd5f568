//! `kind: database`'s compiled form.

use crate::model::{Dist, Failover, Partition, Size};

/// Where a database's reads go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadFrom {
    /// The shard's primary only.
    Primary,
    /// One of the shard's replicas, at random.
    Replicas,
    /// The primary or a replica, at random.
    Any,
    /// `nearest` ([geo]): a replica (or the primary) in the caller's data
    /// center, else one in the data center nearest it (lowest mean link
    /// latency; ties: the primary, then replicas in order).
    Nearest,
}

/// When a write to a replicated shard is acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicationMode {
    /// When the primary has written it; replicas apply it later.
    Async,
    /// When every replica has applied it.
    Sync,
    /// When the first replica has applied it.
    SemiSync,
}

/// How a shard's nodes share its writes (`replication.topology`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topology {
    /// `primary_replica` (the default): one primary takes the writes,
    /// `replicas` read replicas apply them after `lag`.
    PrimaryReplica,
    /// `multi_primary`: every node of the shard is a primary; a write
    /// commits at one, is acknowledged, and reaches each other primary after
    /// `lag` (plus the link's latency); the later commit wins everywhere
    /// (`conflicts: last_writer_wins`).
    MultiPrimary {
        /// Primaries per shard (one per data center of `dcs`, or
        /// `primaries`), at least 2.
        primaries: u32,
    },
    /// `ring` (circular replication): every node is a primary; a write
    /// committed at node i is applied at node i+1 after `lag`, forwarded on
    /// round the ring, the later commit winning where two meet.
    Ring {
        /// Nodes on the ring per shard, at least 2.
        primaries: u32,
    },
    /// `quorum` (leaderless): each key lives on `n` of the shard's `nodes`
    /// (consecutive from the key's hash); a write is acknowledged when `w`
    /// of them have applied it, a read answered when `r` have replied, with
    /// the newest value among them.
    Quorum {
        /// Nodes per shard (`nodes`, default `n`).
        nodes: u32,
        /// Nodes holding each key.
        n: u32,
        /// Nodes whose apply acknowledges a write.
        w: u32,
        /// Nodes whose reply answers a read.
        r: u32,
    },
}

impl Topology {
    /// The name as written in a scenario.
    pub fn name(self) -> &'static str {
        match self {
            Topology::PrimaryReplica => "primary_replica",
            Topology::MultiPrimary { .. } => "multi_primary",
            Topology::Ring { .. } => "ring",
            Topology::Quorum { .. } => "quorum",
        }
    }

    /// Whether several nodes take writes of one key, so that concurrent
    /// writes conflict (`multi_primary`, `ring`).
    pub fn has_writers(self) -> bool {
        matches!(self, Topology::MultiPrimary { .. } | Topology::Ring { .. })
    }
}

/// `kind: database`: shards, each a primary with replicas (or, with another
/// [`Topology`], several equal nodes); every node has workers and a FCFS
/// queue.
#[derive(Clone)]
pub struct Database {
    /// Shards.
    pub shards: u32,
    /// How keys are spread over shards.
    pub partition: Partition,
    /// Read replicas per shard.
    pub replicas: u32,
    /// Where reads go.
    pub read_from: ReadFrom,
    /// When writes are acknowledged.
    pub replication: ReplicationMode,
    /// Time a replica takes to apply a write after the primary has.
    pub lag: Dist,
    /// Workers per node.
    pub workers: u32,
    /// Time a read holds a worker.
    pub read_time: Dist,
    /// Time a write holds a worker of the primary.
    pub write_time: Dist,
    /// The node size, when it has one.
    pub size: Option<Size>,
    /// What happens when a primary dies; `None`: writes to its shard fail
    /// until it comes back.
    pub failover: Option<Failover>,
    /// How the shard's nodes share its writes; with any but
    /// `PrimaryReplica`, `replicas` is 0, `read_from` is `Primary` and
    /// `replication` is `Async` (unused).
    pub topology: Topology,
}

/// Written by hand so that a primary/replica database prints as it did
/// before topologies existed: a share's fingerprint hashes the model's
/// debug text.
impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Database");
        d.field("shards", &self.shards)
            .field("partition", &self.partition)
            .field("replicas", &self.replicas)
            .field("read_from", &self.read_from)
            .field("replication", &self.replication)
            .field("lag", &self.lag)
            .field("workers", &self.workers)
            .field("read_time", &self.read_time)
            .field("write_time", &self.write_time)
            .field("size", &self.size)
            .field("failover", &self.failover);
        if self.topology != Topology::PrimaryReplica {
            d.field("topology", &self.topology);
        }
        d.finish()
    }
}

impl Database {
    /// Nodes: a primary and its replicas per shard (or the topology's
    /// nodes).
    pub fn nodes(&self) -> u32 {
        self.shards * self.per_shard()
    }

    /// Nodes per shard: `1 + replicas`, or the topology's primaries or
    /// quorum nodes.
    pub fn per_shard(&self) -> u32 {
        match self.topology {
            Topology::PrimaryReplica => 1 + self.replicas,
            Topology::MultiPrimary { primaries } | Topology::Ring { primaries } => primaries,
            Topology::Quorum { nodes, .. } => nodes,
        }
    }
}

impl crate::components::kind::KindModel for Database {
    fn takes_size(&self) -> bool {
        true
    }
    fn crash_loses_writes(&self) -> bool {
        // Only a promotion loses writes: no other topology promotes.
        self.topology == Topology::PrimaryReplica
    }
    fn workers(&self) -> u32 {
        self.workers
    }
    fn kind(&self) -> crate::model::Kind {
        crate::model::Kind::Database
    }
    fn slots(&self) -> u32 {
        self.nodes()
    }
    fn label(&self, i: u32) -> Option<crate::components::Label> {
        let per = self.per_shard();
        let (shard, slot) = (i / per, i % per);
        if self.topology != Topology::PrimaryReplica {
            return Some(crate::components::Label::ShardNode { shard, node: slot });
        }
        Some(if slot == 0 {
            crate::components::Label::Primary { shard }
        } else {
            crate::components::Label::Replica {
                shard,
                replica: slot - 1,
            }
        })
    }
    fn index_of(&self, label: crate::components::Label) -> Option<u32> {
        use crate::components::Label;
        if self.topology != Topology::PrimaryReplica {
            return match label {
                Label::ShardNode { shard, node }
                    if shard < self.shards && node < self.per_shard() =>
                {
                    Some(shard * self.per_shard() + node)
                }
                _ => None,
            };
        }
        match label {
            Label::Primary { shard } if shard < self.shards => Some(shard * (1 + self.replicas)),
            Label::Replica { shard, replica } if shard < self.shards && replica < self.replicas => {
                Some(shard * (1 + self.replicas) + 1 + replica)
            }
            _ => None,
        }
    }
    fn noun(&self) -> &'static str {
        "node"
    }
    fn sized(&self) -> Option<(&Size, u32)> {
        self.size.as_ref().map(|z| (z, self.nodes()))
    }
    fn downstream(&self) -> Vec<crate::model::ComponentId> {
        Vec::new()
    }
}
