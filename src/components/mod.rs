//! The components of a system, one file per kind. Each owns its state and
//! reacts to the events the engine delivers to it in one `on` method; they
//! talk only through events (a call sent, a reply returned), never by reaching
//! into each other.
//!
//! A request travels as a chain of [`Call`]s: the client's call to the entry
//! component, a load balancer's call to the instance it picked, a service's
//! call to each downstream component in turn. Each call knows the call that
//! waits for it (`parent`), so a reply finds its way back up the chain.

pub mod assembly;
pub mod breaker;
pub mod cache;
pub mod client;
pub mod database;
pub mod dns;
pub mod impairment;
pub mod instance_name;
pub mod kind;
pub mod load_balancer;
pub mod network;
pub mod queue;
pub mod rate_limit;
pub mod registry;
pub mod retry;
pub mod service;
pub mod sessions;
pub mod station;

pub use assembly::{Assembly, System};
pub use client::Client;
pub use impairment::Impairments;
pub use instance_name::{InstanceName, Label};
pub use kind::{KindModel, Runtime};
pub use registry::{Component, ComponentKind, Kind};

use crate::engine::{Arena, EventList, Handle, SimTime};
use crate::metrics::Outcome;
use crate::model::{ClassId, ComponentId, Op};

/// A call's instance before anyone has picked one.
pub const ANY_INSTANCE: u32 = u32::MAX;

/// A handle to a call in flight.
pub type CallId = Handle;

/// Everything that happens in a run.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// The client's next open-loop arrival.
    Arrival,
    /// A closed-loop user has finished thinking.
    ThinkDone {
        /// The user.
        user: u32,
    },
    /// A request's client deadline.
    Timeout {
        /// The client's request.
        request: Handle,
    },
    /// A call arrives at its component.
    Deliver {
        /// The call.
        call: CallId,
    },
    /// A worker has finished a call's own service time.
    ServiceDone {
        /// The call.
        call: CallId,
    },
    /// A call ended; delivered to whoever made it.
    Reply {
        /// The call that ended.
        call: CallId,
        /// How it ended.
        outcome: Outcome,
    },
    /// A fault of the model strikes (handled by the run's fault injector).
    Fault {
        /// Its index in the model's faults.
        index: u32,
    },
    /// A fault of the model is over.
    FaultEnd {
        /// Its index in the model's faults.
        index: u32,
    },
    /// An instance under a random fault fails or is repaired.
    RandomFlip {
        /// The random fault's index in the model's faults.
        index: u32,
        /// Which of its instances (an index into the fault's instances).
        which: u32,
    },
    /// A load balancer checks the health of its service's instances.
    HealthCheck {
        /// The balancer.
        balancer: ComponentId,
    },
    /// A timer a component set for itself (a database's failover steps).
    Timer {
        /// The component.
        component: ComponentId,
        /// What the timer is for, as the component numbers it.
        tag: u32,
    },
    /// A client request's backoff is over: its next attempt goes.
    Retry {
        /// The client's request.
        request: Handle,
    },
    /// A service's wait for the current attempt of a guarded downstream
    /// call may be over (its per-call timeout).
    CallTimeout {
        /// The caller's call, waiting on the downstream call.
        call: CallId,
    },
    /// A guarded downstream call's backoff is over: its next attempt goes.
    CallRetry {
        /// The caller's call.
        call: CallId,
    },
    /// An autoscaled pool tells a balancer in front of it that an instance
    /// starts (done provisioning) or stops (draining) taking traffic.
    Serving {
        /// The balancer.
        to: ComponentId,
        /// The pool's instance.
        instance: u32,
        /// Whether it takes traffic from now.
        serving: bool,
    },
    /// A balancer tells the pool it no longer sends to a draining instance:
    /// once idle, the instance can go.
    Released {
        /// The pool.
        to: ComponentId,
        /// The pool's instance.
        instance: u32,
    },
    /// A queue's autoscaled consumer pool asks the queue how many messages
    /// it holds (`held` is `service::autoscaler::ASK`), or the queue
    /// answers it (the pool decides on the answer, at the same instant).
    Backlog {
        /// The queue asked, or the pool answered.
        to: ComponentId,
        /// Messages held (waiting or being consumed), saturated below `ASK`.
        held: u32,
    },
}

/// One hop of a request: work asked of one component.
#[derive(Clone, Copy, Debug)]
pub struct Call {
    /// The client request this work is for.
    pub request: Handle,
    /// The call waiting for this one; `None` when the client made it.
    pub parent: Option<CallId>,
    /// The component asked.
    pub component: ComponentId,
    /// The instance serving it, or [`ANY_INSTANCE`] until picked.
    pub instance: u32,
    /// The request's class.
    pub class: ClassId,
    /// The request's op.
    pub op: Op,
    /// Where the call is in its component's work: for a service, the next
    /// downstream call to consider; for a cache or database, its phase.
    pub step: u16,
    /// The key the request touches (0 when its class has none).
    pub key: Key,
    /// The call has replied (or been failed by a crash): events still
    /// scheduled for it are dropped. Fits in the struct's padding.
    pub replied: bool,
    /// With data centers: the call (or, once replied, its reply) has paid
    /// its hop across the network. Fits in the struct's padding.
    pub crossed: bool,
    /// With data centers: the origin its request came from (index into the
    /// model's `geo.origins`; 0 without them). Fits in the padding.
    pub origin: u8,
    /// Its caller no longer waits for it (a hedge's losing try, a parallel
    /// branch past its join): where it still waits in a line it is taken
    /// out unserved. Fits in the padding.
    pub cancelled: bool,
}

/// A request's key, stored as two halves so that a [`Call`] keeps 4-byte
/// alignment: 44 bytes instead of 48, which the arena's memory traffic feels
/// on every hop (a test holds it there).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Key([u32; 2]);

impl Key {
    /// The key as a number.
    #[inline]
    pub fn get(self) -> u64 {
        (self.0[0] as u64) | ((self.0[1] as u64) << 32)
    }
}

impl From<u64> for Key {
    #[inline]
    fn from(k: u64) -> Key {
        Key([k as u32, (k >> 32) as u32])
    }
}

impl Call {
    /// A call made on behalf of `self` to `component` (instance not yet picked).
    #[inline]
    pub fn child(&self, me: CallId, component: ComponentId, instance: u32) -> Call {
        Call {
            request: self.request,
            parent: Some(me),
            component,
            instance,
            class: self.class,
            op: self.op,
            step: 0,
            key: self.key,
            replied: false,
            crossed: false,
            origin: self.origin,
            cancelled: false,
        }
    }
}

/// What a component may touch while reacting to an event: the clock, the
/// event list, and the calls in flight.
pub struct Ctx<'a> {
    /// The current time.
    pub now: SimTime,
    /// The one event list.
    pub events: &'a mut EventList<Event>,
    /// Calls in flight.
    pub calls: &'a mut Arena<Call>,
    /// Who sent each request, when something needs to know.
    pub users: &'a mut sessions::RequestUsers,
}

impl Ctx<'_> {
    /// Sends a call to its component, now.
    #[inline]
    pub fn send(&mut self, call: CallId) {
        self.events.schedule_now(Event::Deliver { call });
    }

    /// Ends a call with `outcome`; its maker hears of it now.
    #[inline]
    pub fn reply(&mut self, call: CallId, outcome: Outcome) {
        let c = &mut self.calls[call];
        c.replied = true;
        // The reply has its own hop to pay.
        c.crossed = false;
        self.events.schedule_now(Event::Reply { call, outcome });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_call_stays_44_bytes() {
        assert_eq!(std::mem::size_of::<super::Call>(), 44);
    }
}
