//! The assembly step: the model's components built and wired together once,
//! before the first event, as nexosim connects its models' ports. Who hears
//! that an instance went down or came back (a queue its consumers, a
//! balancer its pool) is wiring decided here; a component never learns who
//! listens to it, and never reaches into another.

use super::kind::{Happened, KindModel, Notice};
use super::{Component, Ctx, Event};
use crate::engine::SimTime;
use crate::model::{ComponentId, Model};

/// What a kind's `build` gets: its place in the model and what it needs to
/// know of the run.
pub struct Assembly<'m> {
    /// The component's id.
    pub id: crate::model::ComponentId,
    /// Its name, as in the file (random streams are named after it).
    pub name: &'m str,
    /// The whole model: a kind may read its neighbours' compiled forms
    /// (through [`KindModel`]) to size its own state.
    pub model: &'m Model,
}

impl Assembly<'_> {
    /// The run's seed.
    pub fn seed(&self) -> u64 {
        self.model.seed
    }

    /// The end of the run: timers past it are not set.
    pub fn end(&self) -> SimTime {
        SimTime::ZERO + self.model.duration
    }

    /// The compiled form of component `id`.
    pub fn other(&self, id: crate::model::ComponentId) -> &dyn KindModel {
        self.model.components[id as usize].kind.model()
    }

    /// Those that hand work to this component's instances and must hear
    /// which of them take it: the balancers that pick among them, and the
    /// queue whose consumers they are (it gives messages only to serving
    /// instances, and answers the pool's backlog questions).
    pub fn balancers(&self) -> Vec<crate::model::ComponentId> {
        (0..self.model.components.len() as u32)
            .filter(|&b| {
                let k = self.other(b);
                k.balances() == Some(self.id) || k.feeds() == Some(self.id)
            })
            .collect()
    }
}

/// The running components of a run and their wiring.
pub struct System {
    /// The components, by id.
    pub parts: Vec<Component>,
    /// Per component: those that hear of its instances going down and
    /// coming back.
    listeners: Vec<Vec<ComponentId>>,
    /// The network between data centers; `None` without them (every hop
    /// takes no time).
    pub network: Option<Box<super::network::Network>>,
}

impl System {
    /// Builds every component of `model` and wires them.
    pub fn assemble(model: &Model) -> System {
        let parts = model
            .components
            .iter()
            .enumerate()
            .map(|(i, c)| {
                c.kind.build(&Assembly {
                    id: i as ComponentId,
                    name: &c.name,
                    model,
                })
            })
            .collect();
        let mut listeners = vec![Vec::new(); model.components.len()];
        for (i, c) in model.components.iter().enumerate() {
            let k = c.kind.model();
            for pool in [k.feeds(), k.balances()].into_iter().flatten() {
                listeners[pool as usize].push(i as ComponentId);
            }
            for entry in k.watches() {
                listeners[entry as usize].push(i as ComponentId);
            }
        }
        let network = model
            .geo
            .as_ref()
            .map(|g| Box::new(super::network::Network::new(g, model)));
        System {
            parts,
            listeners,
            network,
        }
    }

    /// Every component sets its first timers, in the model's order.
    pub fn start(&mut self, ctx: &mut Ctx) {
        for c in &mut self.parts {
            c.start(ctx);
        }
    }

    /// Carries `notice` from `from` to the components wired to hear it.
    fn tell(&mut self, from: ComponentId, notice: Notice, ctx: &mut Ctx) {
        for k in 0..self.listeners[from as usize].len() {
            let to = self.listeners[from as usize][k];
            self.parts[to as usize].hear(notice, ctx);
        }
    }

    /// Instance `i` of `component` crashes; those wired to it hear of it
    /// at once. Returns the sessions lost with it.
    pub fn crash(&mut self, component: ComponentId, i: u32, ctx: &mut Ctx) -> u64 {
        let (_, lost) = self.parts[component as usize].crash(i, ctx);
        // Told even when it was down already: hearing it twice changes
        // nothing, and a listener is never left thinking it is up.
        self.tell(
            component,
            Notice::InstanceDown {
                from: component,
                instance: i,
            },
            ctx,
        );
        lost
    }

    /// Instance `i` of `component` is repaired; those wired to it hear of
    /// it once it serves again.
    pub fn restore(&mut self, component: ComponentId, i: u32, ctx: &mut Ctx) {
        if self.parts[component as usize].restore(i, ctx) {
            self.tell(
                component,
                Notice::InstanceUp {
                    from: component,
                    instance: i,
                },
                ctx,
            );
        }
    }

    /// Delivers a timer or message to `to`; what it saw goes into `seen`.
    pub fn timer(
        &mut self,
        to: ComponentId,
        event: Event,
        ctx: &mut Ctx,
        seen: &mut Vec<Happened>,
    ) {
        self.parts[to as usize].on_timer(event, ctx, seen);
    }
}
