//! `kind: service`'s compiled form: a pool's settings, its calls, sessions and autoscaling.

use crate::engine::SimDuration;
use crate::model::{CallGuard, ClassId, ComponentId, Dist, Op, RateLimit, Size};

/// A pool of identical instances, each with workers and a FCFS queue.
#[derive(Clone, Debug)]
pub struct Service {
    /// Instances in the pool.
    pub instances: u32,
    /// Workers (concurrent requests in service) per instance.
    pub workers: u32,
    /// Waiting slots per instance; `None` is unbounded.
    pub queue: Option<u32>,
    /// Time a request holds a worker, before any downstream call.
    pub service_time: Dist,
    /// Downstream calls made in order while holding the worker.
    pub calls: Vec<Call>,
    /// The instance size, when the service has one.
    pub size: Option<Size>,
    /// Where its users' sessions live; `None`: it keeps none.
    pub sessions: Option<Sessions>,
    /// How the pool grows and shrinks with its load; `None`: `instances`
    /// for the whole run.
    pub autoscale: Option<Autoscale>,
    /// A token bucket each instance enforces on the requests it receives.
    pub rate_limit: Option<RateLimit>,
}

impl Service {
    /// Instance slots the pool needs: `autoscale.max` when it scales,
    /// else `instances`. Ids stay stable, so outputs list every slot.
    pub fn slots(&self) -> u32 {
        self.autoscale.map_or(self.instances, |a| a.max)
    }
}

/// Where a service keeps its users' sessions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sessions {
    /// On the instance that served the user: a crash (or scale-in) of that
    /// instance loses them.
    Local,
    /// In a shared cache or database: each request reads its session there
    /// first, and no crash of the service loses one.
    Store(ComponentId),
}

/// `autoscale` of a service: target tracking on mean utilisation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Autoscale {
    /// Fewest instances serving or provisioning (at least 1).
    pub min: u32,
    /// Most instances serving or provisioning.
    pub max: u32,
    /// The mean utilisation the pool is sized for, in (0, 1].
    pub target: f64,
    /// Time between decisions (positive).
    pub every: SimDuration,
    /// Time from starting an instance to its first request.
    pub provision: SimDuration,
    /// Time after a change during which no decision is made.
    pub cooldown: SimDuration,
}

/// A synchronous downstream call.
#[derive(Clone, Debug)]
pub struct Call {
    /// The component called.
    pub to: ComponentId,
    /// Which requests make the call; `None` is all.
    pub when: Option<CallFilter>,
    /// Timeout, retries and breaker; `None` for a plain call.
    pub guard: Option<Box<CallGuard>>,
}

/// Which requests make a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallFilter {
    /// Requests of this op.
    Op(Op),
    /// Requests of these classes.
    Classes(Vec<ClassId>),
}

impl CallFilter {
    /// Whether a request of `class` doing `op` makes the call.
    #[inline]
    pub fn matches(&self, class: ClassId, op: Op) -> bool {
        match self {
            CallFilter::Op(o) => *o == op,
            CallFilter::Classes(cs) => cs.contains(&class),
        }
    }
}

impl crate::components::kind::KindModel for Service {
    fn takes_size(&self) -> bool {
        true
    }
    fn guards(&self) -> Vec<&CallGuard> {
        self.calls
            .iter()
            .filter_map(|c| c.guard.as_deref())
            .collect()
    }
    fn sizing(&self, name: &str) -> Option<String> {
        self.size.as_ref().map(|z| match self.autoscale {
            Some(a) => format!("{name} {}..{} x {}", a.min, a.max, z.name),
            None => format!("{name} {} x {}", self.instances, z.name),
        })
    }
    fn workers(&self) -> u32 {
        self.workers
    }
    fn autoscales(&self) -> bool {
        self.autoscale.is_some()
    }
    fn sets_timers(&self) -> bool {
        self.autoscale.is_some()
    }
    fn needs_users(&self) -> bool {
        self.sessions.is_some()
    }
    fn keeps_sessions(&self) -> bool {
        self.sessions.is_some()
    }
    fn crash_loses_sessions(&self) -> bool {
        self.sessions == Some(Sessions::Local)
    }
    fn kind(&self) -> crate::model::Kind {
        crate::model::Kind::Service
    }
    fn slots(&self) -> u32 {
        Service::slots(self)
    }
    fn fault_instances(&self) -> u32 {
        self.instances
    }
    fn label(&self, i: u32) -> Option<crate::components::Label> {
        Some(crate::components::Label::Index(i))
    }
    fn index_of(&self, label: crate::components::Label) -> Option<u32> {
        match label {
            crate::components::Label::Index(i) if i < self.instances => Some(i),
            _ => None,
        }
    }
    fn sized(&self) -> Option<(&Size, u32)> {
        self.size.as_ref().map(|z| (z, self.instances))
    }
    fn downstream(&self) -> Vec<ComponentId> {
        let mut out: Vec<ComponentId> = self.calls.iter().map(|c| c.to).collect();
        if let Some(Sessions::Store(store)) = self.sessions {
            out.push(store);
        }
        out
    }
}
