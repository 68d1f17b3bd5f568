//! `kind: dns` as written in a scenario.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::scenario::spec::*;

/// `kind: dns`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsSpec {
    /// Always `dns`.
    #[schemars(extend("const" = "dns"))]
    pub kind: String,
    /// The entry points (load balancers or services).
    pub to: Vec<String>,
    /// How it picks an entry point (nearest).
    #[serde(default)]
    pub policy: Option<DnsPolicySpec>,
    /// `policy: weighted`: a weight per entry point.
    #[serde(default)]
    pub weights: Option<IndexMap<String, f64>>,
    /// How long a resolver keeps its answer (60s).
    #[serde(default)]
    pub ttl: Option<DurationValue>,
    /// Resolvers per origin (1000).
    #[serde(default)]
    pub resolvers: Option<u64>,
    /// How it learns that an entry point is down (it does not).
    #[serde(default)]
    pub health_check: Option<HealthCheckSpec>,
    #[serde(default, deserialize_with = "autoscale_on_non_service")]
    #[doc(hidden)]
    #[schemars(skip)]
    pub autoscale: Option<IgnoredAny>,
}

/// A DNS's policies as written.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DnsPolicySpec {
    /// The lowest latency from the request's origin.
    Nearest,
    /// At random, by `weights`.
    Weighted,
    /// The first up, in the order of `to`.
    Failover,
}
