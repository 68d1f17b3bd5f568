//! The compiled model: what a scenario becomes before the first event. Plain
//! data with ids instead of names and nanoseconds instead of strings, so the
//! hot loop never looks anything up.

pub mod distribution;
pub mod rate;

pub use distribution::Dist;
pub use rate::{RateSchedule, RateStep};

use crate::engine::SimDuration;

/// A component's index in [`Model::components`].
pub type ComponentId = u32;
/// A request class's index in [`Traffic::classes`].
pub type ClassId = u16;

/// A whole scenario, ready to simulate.
#[derive(Clone, Debug)]
pub struct Model {
    /// The scenario's name (the output folder).
    pub name: String,
    /// The variant being run (`base` without variants).
    pub variant: String,
    /// One line saying what the scenario shows.
    pub description: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// Simulated time of the run.
    pub duration: SimDuration,
    /// Time excluded from summary statistics.
    pub warmup: SimDuration,
    /// Length of one time-series window.
    pub window: SimDuration,
    /// Who sends requests, how often, and of which classes.
    pub traffic: Traffic,
    /// Every component, in the order of the file.
    pub components: Vec<Component>,
}

impl Model {
    /// What the services with a size cost per hour, all instances together;
    /// `None` when no service has a size.
    pub fn cost_per_hour(&self) -> Option<f64> {
        let mut total = None;
        for c in &self.components {
            if let ComponentKind::Service(s) = &c.kind
                && let Some(size) = &s.size
            {
                *total.get_or_insert(0.0) += s.instances as f64 * size.cost_per_hour;
            }
        }
        total
    }

    /// Services that have no size, so no cost (when others do).
    pub fn uncosted_services(&self) -> Vec<&str> {
        if self.cost_per_hour().is_none() {
            return Vec::new();
        }
        self.components
            .iter()
            .filter(|c| matches!(&c.kind, ComponentKind::Service(s) if s.size.is_none()))
            .map(|c| c.name.as_str())
            .collect()
    }

    /// The instants at which the offered rate starts to change (steps and
    /// ramps), for marking plots.
    pub fn rate_changes(&self) -> Vec<crate::engine::SimTime> {
        match &self.traffic.arrivals {
            Arrivals::Poisson(s) | Arrivals::Uniform(s) => s
                .change_points()
                .into_iter()
                .filter(|t| t.nanos() < self.duration.nanos())
                .collect(),
            Arrivals::Closed { .. } => Vec::new(),
        }
    }
}

/// Read or write: what a request does to data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Reads data.
    Read,
    /// Changes data.
    Write,
}

/// The traffic source.
#[derive(Clone, Debug)]
pub struct Traffic {
    /// Where requests are sent.
    pub to: ComponentId,
    /// How requests arrive.
    pub arrivals: Arrivals,
    /// Request classes, chosen by weight.
    pub classes: Vec<RequestClass>,
    /// The client gives up on a request after this long.
    pub timeout: Option<SimDuration>,
}

/// How requests arrive.
#[derive(Clone, Debug)]
pub enum Arrivals {
    /// Open loop, exponential gaps at the scheduled rate (non-homogeneous
    /// Poisson when the rate changes).
    Poisson(RateSchedule),
    /// Open loop, evenly spaced at the scheduled rate.
    Uniform(RateSchedule),
    /// Closed loop: each user sends, waits for the outcome, thinks, sends again.
    Closed {
        /// Number of users.
        users: u32,
        /// Time between an outcome and the user's next request.
        think_time: Dist,
    },
}

/// A request class.
#[derive(Clone, Debug)]
pub struct RequestClass {
    /// The class name, as in the file.
    pub name: String,
    /// Relative weight.
    pub weight: f64,
    /// What the class does to data.
    pub op: Op,
}

/// A component of the system.
#[derive(Clone, Debug)]
pub struct Component {
    /// Its name, as in the file.
    pub name: String,
    /// What it is.
    pub kind: ComponentKind,
}

/// The kinds of component.
#[derive(Clone, Debug)]
pub enum ComponentKind {
    /// A pool of identical stateless instances.
    Service(Service),
    /// Spreads requests over the instances of a service.
    LoadBalancer(LoadBalancer),
}

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
}

/// An instance size of the catalogue.
#[derive(Clone, Debug, PartialEq)]
pub struct Size {
    /// Its name in the catalogue.
    pub name: String,
    /// Cores (the default workers).
    pub cores: u32,
    /// Speed: service times are divided by it.
    pub speed: f64,
    /// Price of one instance per hour.
    pub cost_per_hour: f64,
}

/// A synchronous downstream call.
#[derive(Clone, Debug)]
pub struct Call {
    /// The component called.
    pub to: ComponentId,
    /// Which requests make the call; `None` is all.
    pub when: Option<CallFilter>,
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

/// A load balancer in front of a service.
#[derive(Clone, Debug)]
pub struct LoadBalancer {
    /// The service whose instances it spreads requests over.
    pub to: ComponentId,
    /// How it picks an instance.
    pub policy: Policy,
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
}

impl Policy {
    /// The policy's name in the scenario language.
    pub fn name(self) -> &'static str {
        match self {
            Policy::RoundRobin => "round_robin",
            Policy::Random => "random",
            Policy::LeastConnections => "least_connections",
            Policy::PowerOfTwo => "power_of_two",
        }
    }
}
