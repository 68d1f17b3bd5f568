//! `kind: cache`'s compiled form.

use crate::engine::SimDuration;
use crate::model::{ComponentId, Dist};

/// How a full cache node chooses the entry to drop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eviction {
    /// Least recently used.
    Lru,
    /// Least frequently used (ties: least recently used).
    Lfu,
    /// First stored, first dropped.
    Fifo,
    /// A random entry.
    Random,
}

impl Eviction {
    /// The policy's name in the scenario language.
    pub fn name(self) -> &'static str {
        match self {
            Eviction::Lru => "lru",
            Eviction::Lfu => "lfu",
            Eviction::Fifo => "fifo",
            Eviction::Random => "random",
        }
    }
}

/// `kind: cache`: nodes chosen by key hash, each with workers for lookups and
/// stores and its own entries.
#[derive(Clone, Debug)]
pub struct Cache {
    /// Nodes; a key lives on one node, chosen by its hash.
    pub instances: u32,
    /// Lookups and stores in progress at once per node.
    pub workers: u32,
    /// Entries per node; `None` is unbounded.
    pub capacity: Option<u64>,
    /// Which entry a full node drops.
    pub eviction: Eviction,
    /// How long an entry lives after it is stored.
    pub ttl: Option<SimDuration>,
    /// Time of one lookup, store or delete.
    pub hit_time: Dist,
    /// The component that holds the data.
    pub on_miss: ComponentId,
}

impl crate::components::kind::KindModel for Cache {
    fn workers(&self) -> u32 {
        self.workers
    }
    fn kind(&self) -> crate::model::Kind {
        crate::model::Kind::Cache
    }
    fn slots(&self) -> u32 {
        self.instances
    }
    fn label(&self, i: u32) -> Option<crate::components::Label> {
        Some(crate::components::Label::Node(i))
    }
    fn index_of(&self, label: crate::components::Label) -> Option<u32> {
        match label {
            crate::components::Label::Node(i) if i < self.instances => Some(i),
            _ => None,
        }
    }
    fn noun(&self) -> &'static str {
        "node"
    }
    fn downstream(&self) -> Vec<ComponentId> {
        vec![self.on_miss]
    }
}
