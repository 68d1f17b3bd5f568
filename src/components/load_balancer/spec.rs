//! `kind: load_balancer` as written in a scenario.

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::scenario::spec::*;

/// `kind: load_balancer`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancerSpec {
    /// Always `load_balancer`.
    #[schemars(extend("const" = "load_balancer"))]
    pub kind: String,
    /// The service behind it.
    pub to: String,
    /// How it picks an instance (round_robin).
    #[serde(default)]
    pub policy: Option<PolicySpec>,
    /// How it finds dead instances (it does not).
    #[serde(default)]
    pub health_check: Option<HealthCheckSpec>,
    /// One token bucket for everything the balancer receives.
    #[serde(default)]
    pub rate_limit: Option<RateLimitSpec>,
    /// `policy: weighted`: a weight per instance of `to`.
    #[serde(default)]
    pub weights: Option<Vec<f64>>,
    /// `policy: least_response_time`: the latency EWMA's time constant (10s).
    #[serde(default)]
    pub decay: Option<DurationValue>,
    /// `policy: consistent_hash`: what is hashed (`key`).
    #[serde(default)]
    pub hash_by: Option<HashBySpec>,
    /// Ejects instances after errors in a row.
    #[serde(default)]
    pub outlier_detection: Option<OutlierSpec>,
    #[serde(default, deserialize_with = "autoscale_on_non_service")]
    #[doc(hidden)]
    #[schemars(skip)]
    pub autoscale: Option<IgnoredAny>,
}

/// Load-balancing policies as written.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PolicySpec {
    /// Each instance in turn.
    RoundRobin,
    /// Uniformly at random.
    Random,
    /// Fewest outstanding requests.
    LeastConnections,
    /// Best of two random picks.
    PowerOfTwo,
    /// Users go back to the instance that served them.
    Sticky,
    /// At random, in proportion to `weights`.
    Weighted,
    /// Peak EWMA of latency times outstanding, best of two.
    LeastResponseTime,
    /// A hash ring by key or user.
    ConsistentHash,
}

/// `hash_by` of a `consistent_hash` balancer.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum HashBySpec {
    /// The request's key.
    Key,
    /// The user who sent it.
    User,
}

/// `outlier_detection` of a load balancer.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutlierSpec {
    /// Replies that are not ok in a row that eject an instance (5).
    #[serde(default)]
    pub consecutive_errors: Option<u64>,
    /// How long it stays out (30s).
    #[serde(default)]
    pub eject_for: Option<DurationValue>,
    /// The largest share of the pool out at once (10%).
    #[serde(default)]
    pub max_ejected: Option<PercentValue>,
}

/// `health_check` of a load balancer.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckSpec {
    /// Time between checks of each instance.
    pub interval: DurationValue,
    /// Failed checks in a row that mark an instance down (2).
    #[serde(default)]
    pub failures: Option<u64>,
}
