//! `kind: load_balancer`'s compiled form.

use std::fmt;

use crate::engine::SimDuration;
use crate::model::{ComponentId, HealthCheck, RateLimit};

/// A load balancer in front of a service.
#[derive(Clone)]
pub struct LoadBalancer {
    /// The service whose instances it spreads requests over.
    pub to: ComponentId,
    /// How it picks an instance.
    pub policy: Policy,
    /// How it finds dead instances; `None`: it keeps sending to them.
    pub health_check: Option<HealthCheck>,
    /// One token bucket for every request the balancer receives.
    pub rate_limit: Option<RateLimit>,
    /// `policy: weighted`: one positive weight per instance of `to`, in
    /// instance order (empty for the other policies).
    pub weights: Vec<f64>,
    /// Ejects instances after errors in a row; `None`: it never does.
    pub outlier: Option<OutlierDetection>,
}

/// Hand-written so that a balancer using none of the [flow] keys prints
/// (and so fingerprints) exactly as before they existed: `weights` and
/// `outlier` appear only when set.
impl fmt::Debug for LoadBalancer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("LoadBalancer");
        s.field("to", &self.to)
            .field("policy", &self.policy)
            .field("health_check", &self.health_check)
            .field("rate_limit", &self.rate_limit);
        if !self.weights.is_empty() {
            s.field("weights", &self.weights);
        }
        if let Some(o) = &self.outlier {
            s.field("outlier", o);
        }
        s.finish()
    }
}

/// Load-balancing policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Each instance in turn.
    RoundRobin,
    /// Uniformly at random.
    Random,
    /// The instance with the fewest requests outstanding from this balancer.
    LeastConnections,
    /// Two instances at random, the one with fewer outstanding.
    PowerOfTwo,
    /// A user goes back to the instance it was sent to before; a new user,
    /// or one whose instance is marked down, is placed by least connections.
    Sticky,
    /// At random, instance `i` with probability `weights[i]` over the sum
    /// of the weights of the instances taking traffic.
    Weighted,
    /// Finagle's peak EWMA: the better of two random instances by
    /// `latency EWMA x (outstanding + 1)`.
    LeastResponseTime {
        /// The EWMA's time constant.
        decay: SimDuration,
    },
    /// A hash ring over the instances: a key (or user) always goes to the
    /// same instance while it takes traffic.
    ConsistentHash {
        /// What is hashed.
        by: HashBy,
    },
}

/// What `consistent_hash` hashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashBy {
    /// The request's key (a class without keys falls back to least
    /// connections).
    Key,
    /// The user who sent the request (needs `traffic.users`).
    User,
}

/// `outlier_detection`: Envoy's consecutive-errors ejection.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OutlierDetection {
    /// Replies that are not ok in a row that eject an instance.
    pub consecutive_errors: u32,
    /// How long an ejected instance stays out.
    pub eject_for: SimDuration,
    /// The largest share of the pool out at once (in (0, 1]).
    pub max_ejected: f64,
}

impl Policy {
    /// The policy's name in the scenario language.
    pub fn name(self) -> &'static str {
        match self {
            Policy::RoundRobin => "round_robin",
            Policy::Random => "random",
            Policy::LeastConnections => "least_connections",
            Policy::PowerOfTwo => "power_of_two",
            Policy::Sticky => "sticky",
            Policy::Weighted => "weighted",
            Policy::LeastResponseTime { .. } => "least_response_time",
            Policy::ConsistentHash { .. } => "consistent_hash",
        }
    }
}

impl crate::components::kind::KindModel for LoadBalancer {
    fn balances(&self) -> Option<ComponentId> {
        Some(self.to)
    }
    fn sets_timers(&self) -> bool {
        // Outlier detection's timers log through the balancer's own
        // `finish`, not the injector: only health checks need it.
        self.health_check.is_some()
    }
    fn needs_users(&self) -> bool {
        matches!(
            self.policy,
            Policy::Sticky | Policy::ConsistentHash { by: HashBy::User }
        )
    }
    fn kind(&self) -> crate::model::Kind {
        crate::model::Kind::LoadBalancer
    }
    fn slots(&self) -> u32 {
        0
    }
    fn label(&self, _: u32) -> Option<crate::components::Label> {
        None
    }
    fn index_of(&self, _: crate::components::Label) -> Option<u32> {
        None
    }
    fn downstream(&self) -> Vec<ComponentId> {
        vec![self.to]
    }
}
