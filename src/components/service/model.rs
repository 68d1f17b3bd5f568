//! `kind: service`'s compiled form: a pool's settings, its calls, sessions and autoscaling.

use crate::engine::SimDuration;
use crate::model::{Autoscale, CallGuard, ClassId, ComponentId, Dist, Op, RateLimit, Size};

/// A pool of identical instances, each with workers and a queue.
#[derive(Clone)]
pub struct Service {
    /// Instances in the pool.
    pub instances: u32,
    /// Workers (concurrent requests in service) per instance.
    pub workers: u32,
    /// Waiting slots per instance; `None` is unbounded.
    pub queue: Option<u32>,
    /// Which waiting request a freed worker takes.
    pub discipline: Discipline,
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

/// Field by field, as derived, except that `discipline` shows only when it
/// is not FIFO: a share's fingerprint hashes the model's debug text, and a
/// scenario without [flow] keeps the fingerprint it had before them.
impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Service");
        d.field("instances", &self.instances)
            .field("workers", &self.workers)
            .field("queue", &self.queue);
        if self.discipline != Discipline::Fifo {
            d.field("discipline", &self.discipline);
        }
        d.field("service_time", &self.service_time)
            .field("calls", &self.calls)
            .field("size", &self.size)
            .field("sessions", &self.sessions)
            .field("autoscale", &self.autoscale)
            .field("rate_limit", &self.rate_limit)
            .finish()
    }
}

/// Which waiting request an instance's freed worker takes (`queue: {
/// discipline }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discipline {
    /// The oldest (first come, first served).
    Fifo,
    /// The newest.
    Lifo,
    /// The oldest of the highest priority level waiting (lowest number):
    /// non-preemptive, FIFO within a level.
    Priority,
    /// FIFO, with CoDel's drops: while the waits of the requests taken have
    /// stayed above `target` for at least `interval`, the one at the head
    /// is dropped (`rejected`) instead, at intervals shrinking as
    /// `interval / sqrt(drops)`, until a wait is below `target` again.
    Codel {
        /// The standing wait tolerated.
        target: SimDuration,
        /// How long the wait may stay above `target` before drops start.
        interval: SimDuration,
    },
}

impl Discipline {
    /// Its name in the scenario language.
    pub fn name(self) -> &'static str {
        match self {
            Discipline::Fifo => "fifo",
            Discipline::Lifo => "lifo",
            Discipline::Priority => "priority",
            Discipline::Codel { .. } => "codel",
        }
    }
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

/// A synchronous downstream call.
#[derive(Clone)]
pub struct Call {
    /// The component called (with `parallel`, the first branch).
    pub to: ComponentId,
    /// Which requests make the call; `None` is all.
    pub when: Option<CallFilter>,
    /// Timeout, retries and breaker; `None` for a plain call.
    pub guard: Option<Box<CallGuard>>,
    /// Parallel branches, hedging, a connection pool or a bulkhead; `None`
    /// (the common case) for a plain call.
    pub flow: Option<Box<CallFlow>>,
}

impl Call {
    /// Every component the call may reach: `to`, or each parallel branch.
    pub fn targets(&self) -> &[ComponentId] {
        match &self.flow {
            Some(f) if !f.branches.is_empty() => &f.branches,
            _ => std::slice::from_ref(&self.to),
        }
    }
}

/// Field by field, as derived, except that `flow` shows only when there is
/// one (a share's fingerprint hashes the model's debug text).
impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Call");
        d.field("to", &self.to)
            .field("when", &self.when)
            .field("guard", &self.guard);
        if let Some(flow) = &self.flow {
            d.field("flow", flow);
        }
        d.finish()
    }
}

/// What a call does besides being made once and waited for ([flow]).
#[derive(Clone, Debug, PartialEq)]
pub struct CallFlow {
    /// `parallel`: the components called at once, in the order written
    /// (`to` is the first); empty for a call to one component.
    pub branches: Vec<ComponentId>,
    /// With `branches`: replies that must succeed for the call to succeed
    /// (`all` is `branches.len()`, `any` is 1); it fails as soon as more
    /// than `branches.len() - join` have failed. The rest are abandoned.
    pub join: u32,
    /// `hedge`: a second try goes if no reply came within this long; the
    /// first success wins and the other try is abandoned.
    pub hedge: Option<SimDuration>,
    /// `pool` or `bulkhead`: at most this many calls of this entry in
    /// flight from each instance of the caller.
    pub limit: Option<ConnectionLimit>,
}

/// At most `size` calls in flight from each instance of the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimit {
    /// Connections per caller instance (at least 1).
    pub size: u32,
    /// `pool`: a call waits (FIFO) for a free connection; `bulkhead`
    /// (false): the excess is rejected at once.
    pub wait: bool,
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
    fn has_flow_calls(&self) -> bool {
        self.calls.iter().any(|c| c.flow.is_some())
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
        let mut out: Vec<ComponentId> = self
            .calls
            .iter()
            .flat_map(|c| c.targets().iter().copied())
            .collect();
        if let Some(Sessions::Store(store)) = self.sessions {
            out.push(store);
        }
        out
    }
}
