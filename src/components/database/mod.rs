//! `kind: database`: shards of nodes, each node with `workers` and a FCFS
//! queue; keys pick the shard (by the partitioner). How a shard's nodes
//! share its writes is its `replication.topology`, one file each:
//!
//! - [`primary_replica`] (the default): writes go to the shard's primary,
//!   replicas apply them after `lag`; a dead primary may fail over.
//! - [`writers`]: `multi_primary` and `ring`, where every node takes writes
//!   and the later commit wins where two meet.
//! - [`quorum`]: leaderless; a write (read) goes to the `n` nodes holding
//!   its key and is answered by the `w`-th (`r`-th).

pub mod compile;
pub mod estimate;
pub mod model;
mod placement;
pub mod primary_replica;
pub mod quorum;
mod serving;
pub mod spec;
pub mod writers;

use super::kind::{Cut, Ending, Happened};
use super::{CallId, Ctx, Event, Impairments, Runtime};
use crate::engine::SimTime;
use crate::metrics::{ComponentRow, DataSummary};
use crate::model::Topology;
use placement::Placement;
pub use primary_replica::PrimaryReplica;
pub use quorum::Quorum;
pub use writers::Writers;

/// A running database, by topology.
// Primary/replica, the common case, stays inline: no pointer to follow on
// its hot path (the other two are boxed).
#[allow(clippy::large_enum_variant)]
pub enum Database {
    /// `primary_replica`.
    PrimaryReplica(PrimaryReplica),
    /// `multi_primary` or `ring`.
    Writers(Box<Writers>),
    /// `quorum`.
    Quorum(Box<Quorum>),
}

/// `$body` with `$d` bound (`&mut`) to whichever topology `$x` runs.
macro_rules! topology {
    ($x:expr, $d:ident => $body:expr) => {
        match $x {
            Database::PrimaryReplica($d) => $body,
            Database::Writers(b) => {
                let $d = &mut **b;
                $body
            }
            Database::Quorum(b) => {
                let $d = &mut **b;
                $body
            }
        }
    };
}

/// `$body` with `$d` bound (`&`) to whichever topology `$x` runs.
macro_rules! topology_ref {
    ($x:expr, $d:ident => $body:expr) => {
        match $x {
            Database::PrimaryReplica($d) => $body,
            Database::Writers(b) => {
                let $d = &**b;
                $body
            }
            Database::Quorum(b) => {
                let $d = &**b;
                $body
            }
        }
    };
}

impl Database {
    /// The running database of `m` (the assembly step).
    pub fn build(m: &crate::model::Database, at: &super::Assembly) -> Database {
        let geo = || {
            at.model
                .geo
                .as_ref()
                .map(|g| Box::new(Placement::new(g, at.id, m.nodes())))
        };
        match m.topology {
            Topology::PrimaryReplica => Database::PrimaryReplica(PrimaryReplica::build(m, at)),
            Topology::MultiPrimary { .. } | Topology::Ring { .. } => {
                Database::Writers(Box::new(Writers::new(m, at, geo())))
            }
            Topology::Quorum { .. } => Database::Quorum(Box::new(Quorum::new(m, at, geo()))),
        }
    }
}

impl Runtime for Database {
    #[inline]
    fn on(&mut self, event: Event, ctx: &mut Ctx) {
        topology!(self, d => Runtime::on(d, event, ctx))
    }

    fn on_timer(&mut self, event: Event, ctx: &mut Ctx, seen: &mut Vec<Happened>) {
        topology!(self, d => Runtime::on_timer(d, event, ctx, seen))
    }

    fn place(&mut self, call: CallId, ctx: &mut Ctx) -> Option<crate::model::DcId> {
        topology!(self, d => Runtime::place(d, call, ctx))
    }

    fn queued(&self) -> usize {
        topology_ref!(self, d => Runtime::queued(d))
    }

    fn start_measuring(&mut self, now: SimTime) {
        topology!(self, d => Runtime::start_measuring(d, now))
    }

    fn data_summary(&self) -> Option<DataSummary> {
        topology_ref!(self, d => Runtime::data_summary(d))
    }

    fn report_window(&mut self, start: SimTime, end: SimTime, out: &mut Vec<ComponentRow>) {
        topology!(self, d => Runtime::report_window(d, start, end, out))
    }

    fn impairments(&mut self) -> &mut Impairments {
        topology!(self, d => Runtime::impairments(d, ))
    }

    fn crash(&mut self, i: u32, ctx: &mut Ctx) -> (bool, u64) {
        topology!(self, d => Runtime::crash(d, i, ctx))
    }

    fn restore(&mut self, i: u32, ctx: &mut Ctx) -> bool {
        topology!(self, d => Runtime::restore(d, i, ctx))
    }

    fn cut(&mut self, what: Cut, cut: bool, ctx: &mut Ctx) {
        topology!(self, d => Runtime::cut(d, what, cut, ctx))
    }

    fn finish(&mut self, end: SimTime, out: &mut Ending) {
        topology!(self, d => Runtime::finish(d, end, out))
    }
}
