//! `kind: service` as written in a scenario.

use serde::Deserialize;

use crate::scenario::spec::*;

/// `kind: service`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// Always `service`.
    pub kind: String,
    /// Instances in the pool (1).
    #[serde(default)]
    pub instances: Option<u64>,
    /// Workers per instance (1).
    #[serde(default)]
    pub workers: Option<u64>,
    /// Waiting slots per instance (unbounded).
    #[serde(default)]
    pub queue: Option<u64>,
    /// Time a request holds a worker.
    pub service_time: DistSpec,
    /// Synchronous downstream calls, in order.
    #[serde(default)]
    pub calls: Option<Vec<CallSpec>>,
    /// An instance size of the catalogue: sets workers and speed.
    #[serde(default)]
    pub size: Option<String>,
    /// Target-tracking autoscaling of the pool.
    #[serde(default)]
    pub autoscale: Option<AutoscaleSpec>,
    /// A token bucket per instance.
    #[serde(default)]
    pub rate_limit: Option<RateLimitSpec>,
    /// Where users' sessions live: `local` or a store component.
    #[serde(default)]
    pub sessions: Option<SessionsSpec>,
}

/// `sessions` of a service.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionsSpec {
    /// `local` (on the instance that served the user) or the name of the
    /// cache or database that keeps them shared.
    pub store: String,
}

/// `autoscale` of a service.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoscaleSpec {
    /// Fewest instances.
    pub min: u64,
    /// Most instances.
    pub max: u64,
    /// Mean utilisation to size the pool for, in (0, 1].
    pub target_utilization: Share,
    /// Time between decisions.
    pub every: DurationValue,
    /// Time from starting an instance to its first request.
    pub provision: DurationValue,
    /// Time after a change with no decision (0s).
    #[serde(default)]
    pub cooldown: Option<DurationValue>,
}
