//! What the nodes of a `multi_primary`, `ring` or `quorum` database share
//! to serve calls: their workers, the read and write times and the stream
//! they are drawn from, and the rows a node's station gives
//! `components.csv`. (`primary_replica` keeps its own, older copy: its hot
//! path is measured to the instruction.)

use super::super::station::{Admit, Station, Workers};
use super::super::{CallId, Ctx, Event, Impairments};
use crate::engine::{SimDuration, SimTime, Stream};
use crate::metrics::ComponentRow;
use crate::model::{ComponentId, Dist, Op};

/// Workers and service times of a database's nodes.
pub(super) struct Serving {
    workers: Workers,
    read_time: Dist,
    write_time: Dist,
    stream: Stream,
}

impl Serving {
    /// The nodes of `m` (named `name`, for the stream `NAME`/`service`).
    pub(super) fn new(m: &crate::model::Database, seed: u64, name: &str) -> Serving {
        Serving {
            workers: Workers::new(
                m.workers,
                None,
                m.size
                    .as_ref()
                    .and_then(|z| z.usl)
                    .map(|u| u.table(m.workers)),
            ),
            read_time: m.read_time.clone(),
            write_time: m.write_time.clone(),
            stream: Stream::new(seed, name, "service"),
        }
    }

    /// `call` (doing `op`) reaches node `node`'s `station`: a free worker
    /// starts it (its end scheduled) or it waits in line.
    pub(super) fn admit(
        &mut self,
        station: &mut Station,
        node: usize,
        call: CallId,
        faults: &Impairments,
        ctx: &mut Ctx,
    ) {
        if station.admit(&self.workers, call, ctx.now) == Admit::Start {
            let op = ctx.calls[call].op;
            let t = self.time_of(op, station, node, faults);
            ctx.events
                .schedule(ctx.now + t, Event::ServiceDone { call });
        }
    }

    /// A worker of node `node`'s `station` is done: it takes the next call
    /// in line (its end scheduled) or goes idle.
    pub(super) fn release(
        &mut self,
        station: &mut Station,
        node: usize,
        faults: &Impairments,
        ctx: &mut Ctx,
    ) {
        if let Some(next) = station.release(ctx.now) {
            let op = ctx.calls[next].op;
            let t = self.time_of(op, station, node, faults);
            ctx.events
                .schedule(ctx.now + t, Event::ServiceDone { call: next });
        }
    }

    fn time_of(
        &mut self,
        op: Op,
        station: &Station,
        node: usize,
        faults: &Impairments,
    ) -> SimDuration {
        let mut t = match op {
            Op::Read => self.read_time.sample(&mut self.stream),
            Op::Write => self.write_time.sample(&mut self.stream),
        };
        if self.workers.has_usl() {
            t = self.workers.stretch(station, t);
        }
        faults.scale(node, t)
    }

    /// Node `node`'s row of `components.csv` for the window `[start,
    /// end)` (`completed` and `stale` as the kind counted them, `lag_ms`
    /// its mean apply lag), added into the database's `*` row `all`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn node_row(
        &self,
        station: &mut Station,
        (id, node): (ComponentId, u32),
        (start, end): (SimTime, SimTime),
        up: u32,
        (completed, stale, lag_ms): (u64, u64, Option<f64>),
        all: &mut ComponentRow,
    ) -> ComponentRow {
        let workers = self.workers.per_station() as f64;
        let (busy, queue) = station.take_window(end, (end - start).0);
        all.up += up;
        all.in_service = all.in_service.map(|v| v + busy);
        all.queue_len = all.queue_len.map(|v| v + queue);
        all.completed += completed;
        all.stale_reads = all.stale_reads.map(|v| v + stale);
        ComponentRow {
            up,
            utilization: Some(busy / workers),
            queue_len: Some(queue),
            in_service: Some(busy),
            completed,
            lag_ms,
            stale_reads: Some(stale),
            ..ComponentRow::empty(start, id, Some(node))
        }
    }

    /// The database's `*` row before its nodes are added in.
    pub(super) fn whole_row(start: SimTime, id: ComponentId) -> ComponentRow {
        ComponentRow {
            in_service: Some(0.0),
            queue_len: Some(0.0),
            stale_reads: Some(0),
            ..ComponentRow::empty(start, id, None)
        }
    }

    /// The `*` row's utilisation over `nodes` nodes, once they are in.
    pub(super) fn finish_whole(&self, all: &mut ComponentRow, nodes: usize) {
        let workers = self.workers.per_station() as f64;
        all.utilization = all.in_service.map(|b| b / (workers * nodes as f64));
    }
}
