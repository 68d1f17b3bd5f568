//! `kind: cache` as written in a scenario.

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::scenario::spec::*;

/// `kind: cache`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CacheSpec {
    /// Always `cache`.
    #[schemars(extend("const" = "cache"))]
    pub kind: String,
    /// Nodes (1).
    #[serde(default)]
    pub instances: Option<u64>,
    /// Workers per node (1).
    #[serde(default)]
    pub workers: Option<u64>,
    /// Entries per node (unbounded).
    #[serde(default)]
    pub capacity: Option<u64>,
    /// Which entry a full node drops (lru).
    #[serde(default)]
    pub eviction: Option<EvictionSpec>,
    /// Entry lifetime from its store (none).
    #[serde(default)]
    pub ttl: Option<DurationValue>,
    /// Time of one lookup or store.
    pub hit_time: DistSpec,
    /// The component holding the data.
    pub on_miss: String,
    #[serde(default, deserialize_with = "autoscale_on_non_service")]
    #[doc(hidden)]
    #[schemars(skip)]
    pub autoscale: Option<IgnoredAny>,
}

/// Eviction policies as written.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EvictionSpec {
    /// Least recently used.
    Lru,
    /// Least frequently used.
    Lfu,
    /// First in, first out.
    Fifo,
    /// A random entry.
    Random,
}
