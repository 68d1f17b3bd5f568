//! `kind: dns`'s compiled form.

use crate::engine::SimDuration;
use crate::model::{ComponentId, HealthCheck};

/// How a DNS picks a request's entry point among those its resolver
/// believes up.
#[derive(Clone, Debug, PartialEq)]
pub enum DnsPolicy {
    /// The one with the lowest latency from the request's origin (ties:
    /// the order of `to`).
    Nearest,
    /// At random, by weight (one per entry point, in the order of `to`).
    Weighted(Vec<f64>),
    /// The first in the order of `to`.
    Failover,
}

/// `kind: dns`: GeoDNS. Picks each request's entry point and serves
/// nothing itself; a hop to it takes no time.
#[derive(Clone, Debug)]
pub struct Dns {
    /// The entry points (load balancers or services), each in some data
    /// center, in the order of the file.
    pub to: Vec<ComponentId>,
    /// How it picks.
    pub policy: DnsPolicy,
    /// How long a resolver keeps its answer.
    pub ttl: SimDuration,
    /// Resolvers per origin; resolver `i` refreshes at `(k + i/resolvers) x
    /// ttl`.
    pub resolvers: u32,
    /// Marks an entry point down after `failures` failed checks in a row,
    /// up after one good one; `None`: the DNS never learns of an outage.
    pub health_check: Option<HealthCheck>,
}

impl crate::components::kind::KindModel for Dns {
    fn kind(&self) -> crate::model::Kind {
        crate::model::Kind::Dns
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
        self.to.clone()
    }
    fn watches(&self) -> Vec<ComponentId> {
        if self.health_check.is_some() {
            self.to.clone()
        } else {
            Vec::new()
        }
    }
    fn sets_timers(&self) -> bool {
        self.health_check.is_some()
    }
}
