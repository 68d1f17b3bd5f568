//! The compiled model: what a scenario becomes before the first event. Plain
//! data with ids instead of names and nanoseconds instead of strings, so the
//! hot loop never looks anything up.

pub mod distribution;
pub mod empirical;
pub mod faults;
pub mod geo;
pub mod keys;
pub mod partition;
pub mod rate;
pub mod resilience;
pub mod usl;

pub use distribution::Dist;
pub use faults::{Failover, Fault, FaultKind, HealthCheck, Slo};
pub use geo::{Bytes, Datacenter, DcId, Geo, Link, NO_DC, Origin};
pub use keys::KeyDist;
pub use partition::{Partition, Partitioner};
pub use rate::{RateSchedule, RateStep};
pub use resilience::{Backoff, Breaker, CallGuard, Jitter, RetryPolicy};
pub use usl::Usl;

use crate::engine::SimDuration;

// Each kind's compiled form lives in its folder; the model names them here.
pub use crate::components::cache::model::{Cache, Eviction};
pub use crate::components::database::model::{Database, ReadFrom, ReplicationMode, Topology};
pub use crate::components::load_balancer::model::{LoadBalancer, Policy};
pub use crate::components::queue::model::Queue;
pub use crate::components::service::autoscale::{Autoscale, ScaleMetric, Stabilization};
pub use crate::components::service::model::{
    Call, CallFilter, CallFlow, ConnectionLimit, Discipline, Service, Sessions,
};
pub use crate::components::{ComponentKind, Kind};

/// A component's index in [`Model::components`].
pub type ComponentId = u32;
/// A request class's index in [`Traffic::classes`].
pub type ClassId = u16;

/// A whole scenario, ready to simulate.
#[derive(Clone)]
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
    /// Faults, in the order of the file.
    pub faults: Vec<Fault>,
    /// The objective windows are judged against, when there is one.
    pub slo: Option<Slo>,
    /// Independent runs of the scenario and when to stop adding them.
    pub replications: Replications,
    /// `warmup: auto`: `warmup` is found from a pilot run by MSER-5.
    pub warmup_auto: bool,
    /// Data centers, links and origins; `None` without `datacenters` (one
    /// unnamed data center over a free network).
    pub geo: Option<Box<Geo>>,
}

/// Field by field, as derived, except that `geo` shows only when there is
/// one: a share's fingerprint hashes this text, and a scenario without data
/// centers keeps the fingerprint it had before they existed.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Model");
        d.field("name", &self.name)
            .field("variant", &self.variant)
            .field("description", &self.description)
            .field("seed", &self.seed)
            .field("duration", &self.duration)
            .field("warmup", &self.warmup)
            .field("window", &self.window)
            .field("traffic", &self.traffic)
            .field("components", &self.components)
            .field("faults", &self.faults)
            .field("slo", &self.slo)
            .field("replications", &self.replications)
            .field("warmup_auto", &self.warmup_auto);
        if let Some(g) = &self.geo {
            d.field("geo", g);
        }
        d.finish()
    }
}

/// How many independent runs (replications) a scenario gets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Replications {
    /// Fewest runs.
    pub min: u32,
    /// Most runs (equal to `min` without `precision`).
    pub max: u32,
    /// Stop once every headline figure's 95% interval is within this
    /// fraction of its value; `None`: run `min`.
    pub precision: Option<f64>,
}

impl Default for Replications {
    fn default() -> Self {
        Replications {
            min: 1,
            max: 1,
            precision: None,
        }
    }
}

impl Model {
    /// What the services and databases with a size cost per hour, all
    /// instances together; `None` when nothing has a size.
    pub fn cost_per_hour(&self) -> Option<f64> {
        let mut total = None;
        for (id, c) in self.components.iter().enumerate() {
            if let Some((size, n)) = c.kind.model().sized() {
                *total.get_or_insert(0.0) +=
                    n as f64 * size.cost_per_hour * self.price_factor(id as ComponentId);
            }
        }
        total
    }

    /// How many times its catalogue price a size of component `id` costs
    /// where it stands (its data center's `price_factor`; for a database
    /// with nodes in several, their mean); 1 without data centers.
    pub fn price_factor(&self, id: ComponentId) -> f64 {
        let Some(geo) = &self.geo else { return 1.0 };
        let factor = |dc: DcId| {
            geo.datacenters
                .get(dc as usize)
                .map_or(1.0, |d| d.price_factor)
        };
        let nodes = &geo.node_dcs[id as usize];
        if nodes.is_empty() {
            factor(geo.placement[id as usize])
        } else {
            nodes.iter().map(|&dc| factor(dc)).sum::<f64>() / nodes.len() as f64
        }
    }

    /// Services and databases that have no size, so no cost (when others do).
    pub fn uncosted_services(&self) -> Vec<&str> {
        if self.cost_per_hour().is_none() {
            return Vec::new();
        }
        self.components
            .iter()
            .filter(|c| c.kind.model().takes_size() && c.kind.model().sized().is_none())
            .map(|c| c.name.as_str())
            .collect()
    }

    /// The names of a component's instances in outputs (`0`, `node1`,
    /// `shard0.replica1`), none for a kind that is one whole (it reports
    /// only `*`).
    pub fn instance_names(&self, id: ComponentId) -> Vec<String> {
        let k = self.components[id as usize].kind.model();
        (0..k.slots())
            .filter_map(|i| k.label(i).map(|l| l.to_string()))
            .collect()
    }

    /// The name of instance `i` of component `id` in events and fault
    /// targets (`web.3`, `db.shard0.primary`, `lb`).
    pub fn instance_name(&self, id: ComponentId, i: u32) -> crate::components::InstanceName {
        let c = &self.components[id as usize];
        crate::components::kind::instance_name(&c.name, c.kind.model(), i)
    }

    /// Whether some component needs to know which user sent a request (a
    /// sticky balancer or a service that keeps sessions): only then does
    /// the client record it.
    pub fn tracks_users(&self) -> bool {
        self.components.iter().any(|c| c.kind.model().needs_users())
    }

    /// Whether some service's calls have [flow] options: callers may then
    /// abandon calls (a freed worker skips those nobody waits for), and the
    /// run measures them (`calls.csv`).
    pub fn abandons_calls(&self) -> bool {
        self.components
            .iter()
            .any(|c| c.kind.model().has_flow_calls())
    }

    /// Whether some balancer has `outlier_detection` (its `ejected` and
    /// `returned` events go into `events.csv`).
    pub fn ejects_outliers(&self) -> bool {
        self.components.iter().any(|c| {
            matches!(&c.kind, crate::components::ComponentKind::LoadBalancer(b) if b.outlier.is_some())
        })
    }

    /// Whether some service keeps sessions (the summary then counts those
    /// lost).
    pub fn has_sessions(&self) -> bool {
        self.components
            .iter()
            .any(|c| c.kind.model().keeps_sessions())
    }

    /// What component `id` is, as a tag reports and plots can match on
    /// without knowing the kind's own types.
    pub fn kind_of(&self, id: ComponentId) -> Kind {
        self.components[id as usize].kind.model().kind()
    }

    /// Whether some pool autoscales.
    pub fn autoscales(&self) -> bool {
        self.components.iter().any(|c| c.kind.model().autoscales())
    }

    /// The instances component `id` starts the run with (a database's
    /// nodes; 1 for a balancer or a queue).
    pub fn initial_instances(&self, id: ComponentId) -> u32 {
        self.components[id as usize].kind.model().fault_instances()
    }

    /// How component `id` is sized, for the cost line: `web 6 x large`,
    /// `web 2..8 x large` when it autoscales; `None` without a size.
    pub fn sizing(&self, id: ComponentId) -> Option<String> {
        let c = &self.components[id as usize];
        c.kind.model().sizing(&c.name)
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
    /// Open arrivals: the distinct users requests come from (each request
    /// from one drawn uniformly); `None` without `users` or for closed
    /// arrivals (whose users are in [`Arrivals::Closed`]).
    pub users: Option<u32>,
    /// How the client retries a failed attempt; `None`: never.
    pub retry: Option<RetryPolicy>,
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
#[derive(Clone)]
pub struct RequestClass {
    /// The class name, as in the file.
    pub name: String,
    /// Relative weight.
    pub weight: f64,
    /// What the class does to data.
    pub op: Op,
    /// Which keys its requests touch; `None` when no cache or database
    /// sees the class.
    pub key: Option<KeyDist>,
    /// Its level for a `discipline: priority` queue: 0 is served first
    /// (the default for every class).
    pub priority: u32,
}

/// Field by field, as derived, except that `priority` shows only when it
/// is not 0: a share's fingerprint hashes the model's debug text, and a
/// scenario without priorities keeps the fingerprint it had before them.
impl std::fmt::Debug for RequestClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("RequestClass");
        d.field("name", &self.name)
            .field("weight", &self.weight)
            .field("op", &self.op)
            .field("key", &self.key);
        if self.priority != 0 {
            d.field("priority", &self.priority);
        }
        d.finish()
    }
}

/// A component of the system.
#[derive(Clone, Debug)]
pub struct Component {
    /// Its name, as in the file.
    pub name: String,
    /// What it is.
    pub kind: ComponentKind,
}

/// `rate_limit: { rps, burst }`: a token bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Refill rate in thousandths of a token per second (`rps` x 1000).
    pub milli_rps: u64,
    /// Capacity in tokens; the bucket starts full.
    pub burst: u64,
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
    /// How its cores scale together; `None`: linearly.
    pub usl: Option<Usl>,
}
