//! `kind: load_balancer` as written in a scenario.

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::scenario::spec::*;

/// `kind: load_balancer`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancerSpec {
    /// Always `load_balancer`.
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
    #[serde(default, deserialize_with = "autoscale_on_non_service")]
    #[doc(hidden)]
    pub autoscale: Option<IgnoredAny>,
}

/// Load-balancing policies as written.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
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
}

/// `health_check` of a load balancer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckSpec {
    /// Time between checks of each instance.
    pub interval: DurationValue,
    /// Failed checks in a row that mark an instance down (2).
    #[serde(default)]
    pub failures: Option<u64>,
}
