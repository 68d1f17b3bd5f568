//! `kind: load_balancer`'s compiled form.

use crate::model::{ComponentId, HealthCheck, RateLimit};

/// A load balancer in front of a service.
#[derive(Clone, Debug)]
pub struct LoadBalancer {
    /// The service whose instances it spreads requests over.
    pub to: ComponentId,
    /// How it picks an instance.
    pub policy: Policy,
    /// How it finds dead instances; `None`: it keeps sending to them.
    pub health_check: Option<HealthCheck>,
    /// One token bucket for every request the balancer receives.
    pub rate_limit: Option<RateLimit>,
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
        }
    }
}

impl crate::components::kind::KindModel for LoadBalancer {
    fn balances(&self) -> Option<ComponentId> {
        Some(self.to)
    }
    fn sets_timers(&self) -> bool {
        self.health_check.is_some()
    }
    fn needs_users(&self) -> bool {
        self.policy == Policy::Sticky
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
