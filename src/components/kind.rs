//! What every component kind tells the rest of capsim about its compiled
//! form, so that the compiler, the fault injector, the estimate and the
//! reports ask the kind instead of matching on kinds. The hot path does not
//! use this trait: the running components are dispatched by `match` on
//! [`super::Component`] (see `registry.rs`).

use super::instance_name::{InstanceName, Label};
use crate::model::{ComponentId, Kind, Size};

/// A kind's compiled form (`components/<kind>/model.rs`).
pub trait KindModel {
    /// Which kind it is.
    fn kind(&self) -> Kind;

    /// Instance slots it reports in `components.csv` (an autoscaled pool's
    /// `max`); 0 for a kind that is one whole and reports only `*`.
    fn slots(&self) -> u32;

    /// Instances a fault can strike: those running from the start (1 for a
    /// kind that is one whole).
    fn fault_instances(&self) -> u32 {
        self.slots().max(1)
    }

    /// The label of slot `i`, `None` for a kind that is one whole.
    fn label(&self, i: u32) -> Option<Label>;

    /// The slot `label` names among [`KindModel::fault_instances`], if any.
    fn index_of(&self, label: Label) -> Option<u32>;

    /// What one of its instances is called in messages.
    fn noun(&self) -> &'static str {
        "instance"
    }

    /// Its instance size and how many instances it is billed for, when it
    /// has a size.
    fn sized(&self) -> Option<(&Size, u32)> {
        None
    }

    /// How it is sized, for the cost line (`web 6 x large`), when it has a
    /// size; `name` is its name.
    fn sizing(&self, name: &str) -> Option<String> {
        self.sized()
            .map(|(z, n)| format!("{name} {n} x {}", z.name))
    }

    /// The timeouts, retries and breakers of the calls it makes.
    fn guards(&self) -> Vec<&crate::model::CallGuard> {
        Vec::new()
    }

    /// Whether the kind can have an instance size (and so a cost).
    fn takes_size(&self) -> bool {
        false
    }

    /// The components it sends work to (for the cycle check and the
    /// estimate's order).
    fn downstream(&self) -> Vec<ComponentId>;

    /// The pool whose instances it picks among, for a balancer.
    fn balances(&self) -> Option<ComponentId> {
        None
    }

    /// The pool whose workers take its messages, for a queue.
    fn feeds(&self) -> Option<ComponentId> {
        None
    }

    /// Components whose instances going down and coming back it hears of
    /// (a DNS, its entry points), besides [`KindModel::balances`] and
    /// [`KindModel::feeds`].
    fn watches(&self) -> Vec<ComponentId> {
        Vec::new()
    }

    /// Workers per instance, for a kind with workers.
    fn workers(&self) -> u32 {
        0
    }

    /// Whether it grows and shrinks with its load.
    fn autoscales(&self) -> bool {
        false
    }

    /// Whether it sets timers of its own (health checks, autoscaling
    /// decisions): the run then keeps a fault injector to log what they do.
    fn sets_timers(&self) -> bool {
        false
    }

    /// Whether it needs to know which user sent a request (a sticky
    /// balancer, a service keeping sessions).
    fn needs_users(&self) -> bool {
        false
    }

    /// Whether some of its calls have [flow] options (`parallel`, `hedge`,
    /// `pool`, `bulkhead`): then its callers may abandon calls, and the
    /// run writes `calls.csv`.
    fn has_flow_calls(&self) -> bool {
        false
    }

    /// Whether it keeps its users' sessions (anywhere).
    fn keeps_sessions(&self) -> bool {
        false
    }

    /// Whether a crash of one of its instances loses sessions (kept on
    /// the instance).
    fn crash_loses_sessions(&self) -> bool {
        false
    }

    /// Whether a crash of one of its instances can lose acknowledged
    /// writes (a primary replaced by a replica that never had them).
    fn crash_loses_writes(&self) -> bool {
        false
    }
}

/// The name of slot `i` of component `name` (`web.3`, `db.shard0.primary`,
/// `lb`).
pub fn instance_name(name: &str, kind: &dyn KindModel, i: u32) -> InstanceName {
    InstanceName::new(name, kind.label(i))
}

/// What a running component's cold hooks saw happen, for the run's event
/// log and recovery figures (the fault injector records them; nothing in
/// the run depends on them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Happened {
    /// A balancer's health check marked instance `instance` of `target`
    /// down ([`crate::metrics::EventKind::Detected`]) or up again
    /// ([`crate::metrics::EventKind::Restored`]).
    Health {
        /// The pool checked.
        target: ComponentId,
        /// Its instance.
        instance: u32,
        /// Detected or restored.
        kind: crate::metrics::EventKind,
        /// Failed checks in a row that mark an instance down.
        failures: u32,
    },
    /// A step of a database's failover.
    Failover(FailoverEvent),
    /// A DNS's health check marked entry point `entry` down
    /// ([`crate::metrics::EventKind::DnsDown`]) or up again
    /// ([`crate::metrics::EventKind::DnsUp`]).
    Dns {
        /// The entry point.
        entry: ComponentId,
        /// Up again (else down).
        up: bool,
        /// Failed checks in a row that mark it down.
        failures: u32,
    },
}

/// What a failover did (a database's primary replaced by a replica), for
/// the run's event log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailoverEvent {
    /// The primary `node` was declared dead.
    Detected {
        /// The node index.
        node: u32,
    },
    /// Replica `node` became its shard's primary; `lost` acknowledged writes
    /// it never received are gone.
    Promoted {
        /// The dead primary's node index.
        old: u32,
        /// The promoted node's index.
        node: u32,
        /// Lost writes.
        lost: u64,
    },
    /// No live replica could be promoted in place of `node`.
    NoReplica {
        /// The dead primary's node index.
        node: u32,
    },
}

/// A notice the assembly carries from a component to those wired to hear
/// it, at once (in the same instant, before anything else happens).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Instance `instance` of `from` stopped serving (crashed).
    InstanceDown {
        /// The pool.
        from: ComponentId,
        /// Its instance.
        instance: u32,
    },
    /// Instance `instance` of `from` serves again (repaired).
    InstanceUp {
        /// The pool.
        from: ComponentId,
        /// Its instance.
        instance: u32,
    },
}

/// What the components hand over when a run ends.
#[derive(Debug, Default)]
pub struct Ending {
    /// Autoscaled pools' instances over time, in component order.
    pub scaling: Vec<crate::metrics::ScalingTrace>,
    /// The autoscalers' events, and the balancers' `ejected` / `returned`
    /// (outlier detection): events merged into the log in time order.
    pub scaling_log: Vec<crate::metrics::LoggedEvent>,
    /// The circuit breakers' events.
    pub breaker_log: Vec<crate::metrics::LoggedEvent>,
    /// Sessions lost after warm-up, when some component keeps sessions.
    pub sessions_lost: Option<u64>,
    /// Databases of another topology than primary/replica: their rows and
    /// totals (empty without one).
    pub replication: crate::metrics::ReplicationResult,
    /// Their events (held and resumed replication, ring and quorum state),
    /// in time order per database.
    pub replication_log: Vec<crate::metrics::LoggedEvent>,
    /// Services' [flow] calls (empty without any).
    pub flow: crate::metrics::FlowResult,
}

/// What a fault cut or healed between parts of a component: a link between
/// data centers, or two of its own nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// The link (index into the model's `geo.links`).
    Link(u16),
    /// Two nodes of the component (`partition: [db.shard0.node0, ...]`).
    Nodes(u32, u32),
}

/// A running component: what the simulation, the fault injector and the
/// reports ask of every kind (`components/<kind>/mod.rs`). Dispatched by
/// `match` on [`super::Component`], never through a trait object.
pub trait Runtime {
    /// Reacts to a call delivered to it, its own work done, or a reply to
    /// a call it made: the hot path.
    fn on(&mut self, event: super::Event, ctx: &mut super::Ctx);

    /// Reacts to a timer it set or a message addressed to it (health
    /// checks, autoscaling, failover steps, guarded calls' timeouts,
    /// serving changes): cold. What it saw goes into `seen`.
    fn on_timer(&mut self, event: super::Event, ctx: &mut super::Ctx, seen: &mut Vec<Happened>) {
        let _ = (ctx, seen);
        unreachable!("{event:?} is not for this kind")
    }

    /// With data centers, before a call's hop to it: picks where the call
    /// goes (setting its instance) and says which data center that is, for
    /// a kind whose slots stand in several (a database with
    /// `replica_dcs`); `None`: the component's own data center.
    fn place(&mut self, call: super::CallId, ctx: &mut super::Ctx) -> Option<crate::model::DcId> {
        let _ = (call, ctx);
        None
    }

    /// Hears a notice from a component it is wired to.
    fn hear(&mut self, notice: Notice, ctx: &mut super::Ctx) {
        let _ = (notice, ctx);
    }

    /// Schedules its first timers (before the first arrival).
    fn start(&mut self, ctx: &mut super::Ctx) {
        let _ = ctx;
    }

    /// Calls (or messages) waiting in its lines now.
    fn queued(&self) -> usize {
        0
    }

    /// The warm-up is over at `now`: totals count from now.
    fn start_measuring(&mut self, now: crate::engine::SimTime) {
        let _ = now;
    }

    /// What the summary says of it, for a data component.
    fn data_summary(&self) -> Option<crate::metrics::DataSummary> {
        None
    }

    /// Appends its rows for the window `[start, end)`.
    fn report_window(
        &mut self,
        start: crate::engine::SimTime,
        end: crate::engine::SimTime,
        out: &mut Vec<crate::metrics::ComponentRow>,
    );

    /// Sessions lost in the window now closing; `None` when it keeps none.
    fn take_sessions_lost_window(&mut self) -> Option<u64> {
        None
    }

    /// What faults are doing to its instances.
    fn impairments(&mut self) -> &mut super::Impairments;

    /// Instance `i` crashes: the calls it holds fail. Returns whether it
    /// went down now (not already down) and the sessions lost with it.
    fn crash(&mut self, i: u32, ctx: &mut super::Ctx) -> (bool, u64);

    /// Instance `i` is repaired; true if it serves again.
    fn restore(&mut self, i: u32, ctx: &mut super::Ctx) -> bool;

    /// A partition starts (`cut`) or heals between parts of it: a link its
    /// nodes replicate over, or two of its nodes. Only a database whose
    /// nodes replicate to each other cares.
    fn cut(&mut self, what: Cut, cut: bool, ctx: &mut super::Ctx) {
        let _ = (what, cut, ctx);
    }

    /// Instance `i` loses every entry it holds (a cache's `flush`).
    fn flush(&mut self, i: u32) {
        let _ = i;
    }

    /// The run ends at `end`: hands over what it kept for the outputs.
    fn finish(&mut self, end: crate::engine::SimTime, out: &mut Ending) {
        let _ = (end, out);
    }
}

/// The calls `component` holds (on `instance`, or all when `None`) that
/// have not replied yet, in slot order: what a crash fails.
pub fn held_calls(
    calls: &crate::engine::Arena<super::Call>,
    component: ComponentId,
    instance: Option<u32>,
) -> Vec<super::CallId> {
    calls
        .iter()
        .filter(|(_, c)| {
            c.component == component && !c.replied && instance.is_none_or(|i| c.instance == i)
        })
        .map(|(h, _)| h)
        .collect()
}
