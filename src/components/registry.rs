//! The registry: one line per component kind. From it come the compiled
//! form's enum ([`ComponentKind`], what the model holds), the running
//! component's enum ([`Component`], what the simulation holds) and their
//! dispatch: statically, by `match`, so the hot path pays no trait object.
//! A new kind is its folder plus one line here.

use super::assembly::Assembly;
use super::kind::{Ending, Happened, KindModel, Notice, Runtime};
use super::{Ctx, Event, Impairments};
use crate::engine::SimTime;
use crate::metrics::{ComponentRow, DataSummary};

macro_rules! registry {
    ($d:tt $( $(#[$doc:meta])* $Variant:ident = $name:literal, $article:literal => $module:ident :: { $Model:ident, $Runtime:ident } ),* $(,)?) => {
        /// What a component is: a tag for reports, plots and messages, which
        /// need to know the kind of a component but none of its settings.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Kind {
            $( $(#[$doc])* $Variant, )*
        }

        impl Kind {
            /// Every kind, in the registry's order.
            pub const ALL: &'static [Kind] = &[$( Kind::$Variant, )*];

            /// The kind's name in the scenario language (`kind: ...`).
            pub fn name(self) -> &'static str {
                match self {
                    $( Kind::$Variant => $name, )*
                }
            }

            /// The kind with an article, for messages (`a service`).
            pub fn a_kind(self) -> &'static str {
                match self {
                    $( Kind::$Variant => $article, )*
                }
            }
        }

        /// The kinds of component, each as compiled.
        #[derive(Clone, Debug)]
        pub enum ComponentKind {
            $( $(#[$doc])* $Variant(super::$module::model::$Model), )*
        }

        impl ComponentKind {
            /// The kind's compiled form behind the trait every kind
            /// implements (cold paths: compiling, faults, the estimate,
            /// reports).
            pub fn model(&self) -> &dyn KindModel {
                match self {
                    $( ComponentKind::$Variant(m) => m, )*
                }
            }

            /// The kind's compiled form behind the estimate's trait.
            pub fn estimate(&self) -> &dyn crate::queueing::kind::KindEstimate {
                match self {
                    $( ComponentKind::$Variant(m) => m, )*
                }
            }

            /// The running component of this compiled form: the
            /// assembly step, once before the run.
            pub fn build(&self, at: &Assembly) -> Component {
                match self {
                    $( ComponentKind::$Variant(m) => Component::$Variant(super::$module::$Runtime::build(m, at)), )*
                }
            }
        }

        /// Every kind of running component.
        pub enum Component {
            $( $(#[$doc])* $Variant(super::$module::$Runtime), )*
        }

        /// `each!(component, c => expr)`: `expr` with `c` bound to the
        /// kind's runtime, for every kind.
        macro_rules! each {
            ($d x:expr, $d c:ident => $d body:expr) => {
                match $d x {
                    $( Component::$Variant($d c) => $d body, )*
                }
            };
        }
    };
}

registry! {$
    /// A pool of identical stateless instances.
    Service = "service", "a service" => service::{Service, Service},
    /// Spreads requests over the instances of a service.
    LoadBalancer = "load_balancer", "a load balancer" => load_balancer::{LoadBalancer, LoadBalancer},
    /// A cache in front of the component holding the data (cache-aside).
    Cache = "cache", "a cache" => cache::{Cache, Cache},
    /// A sharded, replicated database.
    Database = "database", "a database" => database::{Database, Database},
    /// A durable message queue feeding a consumer service.
    Queue = "queue", "a queue" => queue::{Queue, Queue},
    /// GeoDNS: picks each request's entry point by origin and health.
    Dns = "dns", "a dns" => dns::{Dns, Dns},
}

impl Component {
    /// Reacts to an event addressed to this component.
    #[inline]
    pub fn on(&mut self, event: Event, ctx: &mut Ctx) {
        each!(self, c => Runtime::on(c, event, ctx))
    }

    /// Reacts to a timer or message addressed to it (cold).
    #[cold]
    #[inline(never)]
    pub fn on_timer(&mut self, event: Event, ctx: &mut Ctx, seen: &mut Vec<Happened>) {
        each!(self, c => Runtime::on_timer(c, event, ctx, seen))
    }

    /// Picks where a call goes before its hop (see [`Runtime::place`]).
    pub fn place(&mut self, call: super::CallId, ctx: &mut Ctx) -> Option<crate::model::DcId> {
        each!(self, c => Runtime::place(c, call, ctx))
    }

    /// Hears a notice from a component it is wired to.
    pub fn hear(&mut self, notice: Notice, ctx: &mut Ctx) {
        each!(self, c => Runtime::hear(c, notice, ctx))
    }

    /// Schedules its first timers.
    pub fn start(&mut self, ctx: &mut Ctx) {
        each!(self, c => Runtime::start(c, ctx))
    }

    /// Requests (or messages) waiting in this component's lines now.
    pub fn queued(&self) -> usize {
        each!(self, c => Runtime::queued(c))
    }

    /// The warm-up is over: totals for the summary count from now on.
    pub fn start_measuring(&mut self, now: SimTime) {
        each!(self, c => Runtime::start_measuring(c, now))
    }

    /// What the summary says of a data component, measured after warm-up.
    pub fn data_summary(&self) -> Option<DataSummary> {
        each!(self, c => Runtime::data_summary(c))
    }

    /// Appends this component's rows for the window `[start, end)`.
    pub fn report_window(&mut self, start: SimTime, end: SimTime, out: &mut Vec<ComponentRow>) {
        each!(self, c => Runtime::report_window(c, start, end, out))
    }

    /// Sessions lost in the window now closing; `None` when it keeps none.
    pub fn take_sessions_lost_window(&mut self) -> Option<u64> {
        each!(self, c => Runtime::take_sessions_lost_window(c))
    }

    /// What faults are doing to its instances.
    pub fn impairments(&mut self) -> &mut Impairments {
        each!(self, c => Runtime::impairments(c))
    }

    /// Instance `i` crashes; returns whether it went down now and the
    /// sessions lost.
    pub fn crash(&mut self, i: u32, ctx: &mut Ctx) -> (bool, u64) {
        each!(self, c => Runtime::crash(c, i, ctx))
    }

    /// Instance `i` is repaired; true if it serves again.
    pub fn restore(&mut self, i: u32, ctx: &mut Ctx) -> bool {
        each!(self, c => Runtime::restore(c, i, ctx))
    }

    /// A partition starts or heals between parts of it.
    pub fn cut(&mut self, what: super::kind::Cut, cut: bool, ctx: &mut Ctx) {
        each!(self, c => Runtime::cut(c, what, cut, ctx))
    }

    /// Instance `i` loses every entry it holds.
    pub fn flush(&mut self, i: u32) {
        each!(self, c => Runtime::flush(c, i))
    }

    /// The run ends: hands over what it kept for the outputs.
    pub fn finish(&mut self, end: SimTime, out: &mut Ending) {
        each!(self, c => Runtime::finish(c, end, out))
    }
}
