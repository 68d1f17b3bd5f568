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

/// `kind: database`: shards, each a primary with replicas; every node has
/// workers and a FCFS queue.
#[derive(Clone, Debug)]
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
}

impl Database {
    /// Nodes: a primary and its replicas per shard.
    pub fn nodes(&self) -> u32 {
        self.shards * (1 + self.replicas)
    }
}

impl crate::components::kind::KindModel for Database {
    fn takes_size(&self) -> bool {
        true
    }
    fn crash_loses_writes(&self) -> bool {
        true
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
        let per = 1 + self.replicas;
        let (shard, slot) = (i / per, i % per);
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
