//! `topology: primary_replica` (the default): shards, each a primary with
//! `replicas` read replicas; every node has `workers` and a FCFS queue. Keys pick the shard (by the
//! partitioner); writes go to the shard's primary, reads where `read_from`
//! says. A replica applies the primary's writes in the primary's order, each
//! `lag` after the primary wrote it (and never before the previous one), so
//! replication lag and stale reads emerge from the writes themselves.
//!
//! A write is acknowledged when the primary has written it (`async`), when
//! every replica has applied it (`sync`) or the first one has (`semi_sync`).
//! A replica read is stale when the replica has not yet applied the latest
//! acknowledged write of its key: each shard numbers its writes, remembers
//! the number of the latest acknowledged write of each key written, and each
//! replica how far it has applied.
//!
//! Faults: a crashed node fails the calls it holds and every call sent to
//! it. When a primary dies, writes to its shard fail; with `failover`, after
//! `detect` and `promote` the most up-to-date live replica becomes the
//! primary, and the acknowledged writes it never received are lost writes.
//! Reads meant for a dead replica go to the live ones.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use super::super::kind::FailoverEvent;
use super::super::station::{Admit, Station, Workers};
use super::super::{CallId, Ctx, Event, Impairments};
use super::placement::Placement;
use crate::engine::{SimTime, Stream, name_hash};
use crate::metrics::{ComponentRow, DataSummary, Outcome};
use crate::model::{ComponentId, Dist, Failover, Op, Partitioner, ReadFrom, ReplicationMode};

/// Phases of a call at the database, kept in the call's `step`.
const SERVE: u16 = 0;
const AWAIT_ACK: u16 = 1;

/// One node: a primary or a replica.
struct Node {
    station: Station,
    completed: u64,
    stale: u64,
    /// Sum and count of apply delays of writes applied in the window.
    lag_sum_ns: u128,
    lag_count: u64,
}

/// A write on its way to one replica.
#[derive(Clone, Copy, Debug)]
struct Pending {
    apply_at: u64,
    seq: u64,
    committed_at: u64,
}

/// What one replica has applied (one per node slot of a shard; the
/// primary's is unused while it is the primary).
#[derive(Default)]
struct Replica {
    pending: VecDeque<Pending>,
    applied: u64,
    last_apply_at: u64,
}

/// The next step of a shard's failover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FailoverStep {
    /// Declare the primary dead.
    Detect,
    /// Make a replica the primary.
    Promote,
}

/// One shard's replication state.
#[derive(Default)]
struct Shard {
    /// Writes committed by the primary, numbered from 1.
    committed: u64,
    /// The latest write acknowledged (acknowledgements come in order).
    acked_upto: u64,
    /// Per key written: the number of its latest acknowledged write.
    latest_acked: FxHashMap<u64, u64>,
    /// Writes waiting for replicas before their acknowledgement, in order.
    awaiting_ack: VecDeque<u64>,
    /// Per slot (0 = the first primary, then the replicas).
    slots: Vec<Replica>,
    /// The slot serving as primary.
    primary: usize,
    /// Slot 0 is primary and every slot is up: reads route as without
    /// faults (same draws).
    normal: bool,
    /// While the primary is down awaiting failover: replicas have exactly
    /// what they had applied when it died.
    frozen_at: Option<u64>,
    /// The failover step due, and when.
    failover: Option<(u64, FailoverStep)>,
}

/// A sharded database of primaries and replicas.
pub struct PrimaryReplica {
    id: ComponentId,
    workers: Workers,
    replicas: u32,
    read_from: ReadFrom,
    mode: ReplicationMode,
    lag: Dist,
    read_time: Dist,
    write_time: Dist,
    partitioner: Partitioner,
    /// Whether some replica read can be stale, so acknowledgements are
    /// remembered per key (not with `read_from: primary` or `sync`).
    track_stale: bool,
    nodes: Vec<Node>,
    shards: Vec<Shard>,
    time_stream: Stream,
    lag_stream: Stream,
    routing_stream: Stream,
    /// Since the warm-up: operations per shard.
    shard_ops: Vec<u64>,
    /// Since the warm-up: reads, replica reads, stale reads, writes.
    measured: [u64; 4],
    failover: Option<Failover>,
    faults: Impairments,
    /// Where its nodes and its callers stand, with data centers; `None`
    /// without them.
    geo: Option<Box<Placement>>,
}

impl PrimaryReplica {
    /// The database `id`, named `name`, as the model describes it.
    pub fn new(
        id: ComponentId,
        name: &str,
        m: &crate::model::Database,
        seed: u64,
    ) -> PrimaryReplica {
        let replicas = m.replicas;
        let track_stale = replicas > 0
            && m.read_from != ReadFrom::Primary
            && m.replication != ReplicationMode::Sync;
        PrimaryReplica {
            id,
            workers: Workers::new(
                m.workers,
                None,
                m.size
                    .as_ref()
                    .and_then(|z| z.usl)
                    .map(|u| u.table(m.workers)),
            ),
            replicas,
            read_from: m.read_from,
            mode: m.replication,
            lag: m.lag.clone(),
            read_time: m.read_time.clone(),
            write_time: m.write_time.clone(),
            partitioner: Partitioner::new(&m.partition, m.shards, name_hash(name)),
            track_stale,
            nodes: (0..m.nodes())
                .map(|_| Node {
                    station: Station::default(),
                    completed: 0,
                    stale: 0,
                    lag_sum_ns: 0,
                    lag_count: 0,
                })
                .collect(),
            shards: (0..m.shards)
                .map(|_| Shard {
                    slots: (0..=replicas).map(|_| Replica::default()).collect(),
                    normal: true,
                    ..Shard::default()
                })
                .collect(),
            time_stream: Stream::new(seed, name, "service"),
            lag_stream: Stream::new(seed, name, "replication"),
            routing_stream: Stream::new(seed, name, "routing"),
            shard_ops: vec![0; m.shards as usize],
            measured: [0; 4],
            failover: m.failover,
            faults: Impairments::new(m.nodes() as usize, Stream::new(seed, name, "faults")),
            geo: None,
        }
    }

    /// Reacts to a call arriving or a node finishing it.
    // Out of line: keeps the service and balancer hot path small.
    #[inline(never)]
    pub fn on(&mut self, event: Event, ctx: &mut Ctx) {
        match event {
            Event::Deliver { call } => self.arrive(call, ctx),
            Event::ServiceDone { call } => match ctx.calls[call].step {
                SERVE => self.served(call, ctx),
                _ => self.acknowledged(call, ctx),
            },
            _ => {
                unreachable!("a database makes no calls")
            }
        }
    }

    /// Node index of replica `r` (0 = primary) of `shard`.
    #[inline]
    fn node(&self, shard: u32, r: u32) -> usize {
        (shard * (1 + self.replicas) + r) as usize
    }

    /// The node call `c` goes to.
    #[inline]
    fn pick_node(&mut self, c: &super::super::Call, ctx: &Ctx) -> usize {
        let shard = self.partitioner.shard_of(c.key.get());
        let r = if self.shards[shard as usize].normal {
            match (c.op, self.read_from) {
                (Op::Write, _) | (Op::Read, ReadFrom::Primary) => 0,
                (Op::Read, ReadFrom::Replicas) => {
                    1 + self.routing_stream.index(self.replicas as usize) as u32
                }
                (Op::Read, ReadFrom::Nearest) => {
                    let caller = match (&self.geo, c.parent) {
                        (Some(g), Some(p)) => Some(g.component_dc[ctx.calls[p].component as usize]),
                        _ => None,
                    };
                    self.route_nearest(shard as usize, caller)
                }
                (Op::Read, ReadFrom::Any) => {
                    self.routing_stream.index(1 + self.replicas as usize) as u32
                }
            }
        } else {
            self.route_degraded(shard as usize, c.op)
        };
        self.node(shard, r)
    }

    #[inline]
    fn arrive(&mut self, call: CallId, ctx: &mut Ctx) {
        let c = ctx.calls[call];
        // With nodes in several data centers the node was picked before the
        // hop to it ([`Runtime::place`]); it serves unless it died since.
        let node =
            if c.instance != super::super::ANY_INSTANCE && self.faults.is_up(c.instance as usize) {
                c.instance as usize
            } else {
                self.pick_node(&c, ctx)
            };
        let c = &mut ctx.calls[call];
        c.instance = node as u32;
        c.step = SERVE;
        let op = c.op;
        if self.faults.active()
            && let Some(outcome) = self.faults.refuse(node)
        {
            ctx.reply(call, outcome);
            return;
        }
        if self.nodes[node].station.admit(&self.workers, call, ctx.now) == Admit::Start {
            let t = self.time_of(op, node);
            ctx.events
                .schedule(ctx.now + t, Event::ServiceDone { call });
        }
    }

    /// `read_from: nearest`: a live replica in the caller's data center,
    /// else the primary if it is there, else a live node of the data
    /// center nearest the caller (replicas before the primary); at random
    /// among equals.
    fn route_nearest(&mut self, shard: usize, caller: Option<crate::model::DcId>) -> u32 {
        let per_shard = 1 + self.replicas as usize;
        let base = shard * per_shard;
        let primary = self.shards[shard].primary;
        let geo = self.geo.as_deref();
        // Rank of a slot: (distance from the caller, primary after replicas).
        let rank = |slot: usize| -> (u64, bool) {
            let dist = match (geo, caller) {
                (Some(g), Some(from)) => {
                    let to = g.node_dc[base + slot] as usize;
                    g.distance[from as usize * g.datacenters + to]
                }
                _ => 0,
            };
            (dist, slot == primary)
        };
        let live: Vec<usize> = (0..per_shard)
            .filter(|&s| self.faults.is_up(base + s))
            .collect();
        let Some(best) = live.iter().map(|&s| rank(s)).min() else {
            return primary as u32;
        };
        let ties: Vec<usize> = live.into_iter().filter(|&s| rank(s) == best).collect();
        ties[self.routing_stream.index(ties.len())] as u32
    }

    /// The slot a call goes to when a node of its shard is down or a
    /// replica has been promoted: writes to the primary (dead or not),
    /// reads to a live node `read_from` allows (the primary if none is).
    #[cold]
    fn route_degraded(&mut self, shard: usize, op: Op) -> u32 {
        let per_shard = 1 + self.replicas as usize;
        let base = shard * per_shard;
        let primary = self.shards[shard].primary;
        let allowed = |slot: usize, faults: &Impairments| {
            faults.is_up(base + slot)
                && match (op, self.read_from) {
                    (Op::Write, _) | (Op::Read, ReadFrom::Primary) => false,
                    (Op::Read, ReadFrom::Replicas) => slot != primary,
                    (Op::Read, ReadFrom::Any) | (Op::Read, ReadFrom::Nearest) => true,
                }
        };
        let live = (0..per_shard).filter(|&s| allowed(s, &self.faults)).count();
        if live == 0 {
            return primary as u32;
        }
        let k = self.routing_stream.index(live);
        (0..per_shard)
            .filter(|&s| allowed(s, &self.faults))
            .nth(k)
            .expect("k < live") as u32
    }

    #[inline]
    fn time_of(&mut self, op: Op, node: usize) -> crate::engine::SimDuration {
        let mut t = match op {
            Op::Read => self.read_time.sample(&mut self.time_stream),
            Op::Write => self.write_time.sample(&mut self.time_stream),
        };
        if self.workers.has_usl() {
            t = self.workers.stretch(&self.nodes[node].station, t);
        }
        self.faults.scale(node, t)
    }

    /// A node finished serving a call: the worker moves on, and the read or
    /// write takes effect.
    #[inline]
    fn served(&mut self, call: CallId, ctx: &mut Ctx) {
        let c = ctx.calls[call];
        let node = c.instance as usize;
        let per_shard = 1 + self.replicas as usize;
        let shard = node / per_shard;
        let r = node % per_shard;
        // The worker takes the next call in line, or goes idle.
        if let Some(next) = self.nodes[node].station.release(ctx.now) {
            let op = ctx.calls[next].op;
            let t = self.time_of(op, node);
            ctx.events
                .schedule(ctx.now + t, Event::ServiceDone { call: next });
        }
        self.shard_ops[shard] += 1;
        match c.op {
            Op::Read => {
                self.measured[0] += 1;
                if r != self.shards[shard].primary {
                    self.measured[1] += 1;
                    if self.track_stale && self.is_stale(shard, r, c.key.get(), ctx.now.nanos()) {
                        self.nodes[node].stale += 1;
                        self.measured[2] += 1;
                    }
                }
                self.nodes[node].completed += 1;
                ctx.reply(call, Outcome::Ok);
            }
            Op::Write => self.commit(shard, call, ctx),
        }
    }

    /// The primary has written `call`'s write: it goes to every replica, and
    /// is acknowledged now or when the replicas the mode waits for have it.
    #[inline]
    fn commit(&mut self, shard: usize, call: CallId, ctx: &mut Ctx) {
        let now = ctx.now.nanos();
        let key = ctx.calls[call].key.get();
        let per_shard = 1 + self.replicas as usize;
        let primary = shard * per_shard + self.shards[shard].primary;
        let faults = &self.faults;
        let s = &mut self.shards[shard];
        s.committed += 1;
        let seq = s.committed;
        let (mut first, mut last) = (u64::MAX, now);
        for (slot, rep) in s.slots.iter_mut().enumerate() {
            if slot == s.primary {
                continue;
            }
            let mut lag = self.lag.sample(&mut self.lag_stream).nanos();
            if let Some(g) = &self.geo {
                // Across a link the write also travels its latency.
                let (from, to) = (g.node_dc[primary], g.node_dc[shard * per_shard + slot]);
                if let Some(d) = &g.crossing[from as usize * g.datacenters + to as usize] {
                    lag = lag.saturating_add(d.sample(&mut self.lag_stream).nanos());
                }
            }
            // In the primary's order: never before the previous write.
            let at = now.saturating_add(lag).max(rep.last_apply_at);
            rep.last_apply_at = at;
            rep.pending.push_back(Pending {
                apply_at: at,
                seq,
                committed_at: now,
            });
            // A dead replica gets the write when it is back; acknowledgements
            // wait only for live ones.
            if faults.is_up(shard * per_shard + slot) {
                first = first.min(at);
                last = last.max(at);
            }
        }
        let ack_at = match self.mode {
            ReplicationMode::Async => now,
            ReplicationMode::Sync => last,
            ReplicationMode::SemiSync if first == u64::MAX => now,
            ReplicationMode::SemiSync => first,
        };
        if ack_at == now {
            s.acked_upto = seq;
            if self.track_stale {
                s.latest_acked.insert(key, seq);
            }
            self.measured[3] += 1;
            self.nodes[primary].completed += 1;
            ctx.reply(call, Outcome::Ok);
        } else {
            // Acknowledgements come in commit order: apply times only grow.
            s.awaiting_ack.push_back(seq);
            ctx.calls[call].step = AWAIT_ACK;
            ctx.events
                .schedule(SimTime(ack_at), Event::ServiceDone { call });
        }
    }

    /// The replicas a synchronous write waits for have applied it.
    #[inline]
    fn acknowledged(&mut self, call: CallId, ctx: &mut Ctx) {
        let c = ctx.calls[call];
        let node = c.instance as usize;
        let shard = node / (1 + self.replicas as usize);
        let s = &mut self.shards[shard];
        let seq = s
            .awaiting_ack
            .pop_front()
            .expect("an acknowledgement was awaited");
        s.acked_upto = seq;
        if self.track_stale {
            s.latest_acked.insert(c.key.get(), seq);
        }
        self.measured[3] += 1;
        self.nodes[node].completed += 1;
        ctx.reply(call, Outcome::Ok);
    }

    /// Applies what replica slot `r` of `shard` has applied by `now` (by
    /// its primary's death, while a failover is pending).
    #[inline]
    fn catch_up(&mut self, shard: usize, r: usize, now: u64) {
        let node = shard * (1 + self.replicas as usize) + r;
        let s = &mut self.shards[shard];
        let now = s.frozen_at.map_or(now, |f| f.min(now));
        let rep = &mut s.slots[r];
        while let Some(p) = rep.pending.front() {
            if p.apply_at > now {
                break;
            }
            rep.applied = p.seq;
            let n = &mut self.nodes[node];
            n.lag_sum_ns += (p.apply_at - p.committed_at) as u128;
            n.lag_count += 1;
            rep.pending.pop_front();
        }
    }

    #[inline]
    fn is_stale(&mut self, shard: usize, r: usize, key: u64, now: u64) -> bool {
        self.catch_up(shard, r, now);
        let s = &self.shards[shard];
        s.latest_acked
            .get(&key)
            .is_some_and(|&seq| seq > s.slots[r].applied)
    }

    /// Node `node` crashes: the calls it holds (`active`) fail now. A dead
    /// primary's shard starts its failover, if the database has one.
    pub fn crash(&mut self, node: usize, active: &[CallId], ctx: &mut Ctx) {
        if !self.faults.crash(node) {
            return;
        }
        for &call in active {
            ctx.reply(call, Outcome::Failed);
        }
        self.nodes[node].station.crash(ctx.now);
        let per_shard = 1 + self.replicas as usize;
        let (shard, slot) = (node / per_shard, node % per_shard);
        let now = ctx.now.nanos();
        self.shards[shard].normal = false;
        if slot != self.shards[shard].primary {
            return;
        }
        // Writes waiting for their acknowledgement were among `active`.
        self.shards[shard].awaiting_ack.clear();
        if let Some(f) = self.failover {
            for r in 0..per_shard {
                if r != slot {
                    self.catch_up(shard, r, now);
                }
            }
            let s = &mut self.shards[shard];
            s.frozen_at = Some(now);
            let at = now.saturating_add(f.detect.nanos());
            s.failover = Some((at, FailoverStep::Detect));
            ctx.events.schedule(
                SimTime(at),
                Event::Timer {
                    component: self.id,
                    tag: shard as u32,
                },
            );
        }
    }

    /// Node `node` is repaired; true if it is up again. A primary back
    /// before its failover ends stays the primary; a replica (or a primary
    /// replaced meanwhile) catches up with the writes it missed.
    pub fn restore(&mut self, node: usize) -> bool {
        if !self.faults.restore(node) {
            return false;
        }
        let per_shard = 1 + self.replicas as usize;
        let (shard, slot) = (node / per_shard, node % per_shard);
        let s = &mut self.shards[shard];
        if slot == s.primary {
            s.frozen_at = None;
            s.failover = None;
        }
        let base = shard * per_shard;
        s.normal = s.primary == 0 && (0..per_shard).all(|r| self.faults.is_up(base + r));
        true
    }

    /// A failover timer of shard `tag` fired: declares its primary dead or
    /// promotes a replica. Returns what happened (nothing when the primary
    /// came back first).
    pub fn timer(&mut self, tag: u32, ctx: &mut Ctx) -> Option<FailoverEvent> {
        let shard = tag as usize;
        let now = ctx.now.nanos();
        let per_shard = 1 + self.replicas as usize;
        let base = shard * per_shard;
        let s = &mut self.shards[shard];
        let (at, step) = s.failover?;
        if at != now {
            return None;
        }
        let old = (base + s.primary) as u32;
        match step {
            FailoverStep::Detect => {
                let f = self.failover.expect("a failover was started");
                let at = now.saturating_add(f.promote.nanos());
                s.failover = Some((at, FailoverStep::Promote));
                ctx.events.schedule(
                    SimTime(at),
                    Event::Timer {
                        component: self.id,
                        tag,
                    },
                );
                Some(FailoverEvent::Detected { node: old })
            }
            FailoverStep::Promote => {
                s.failover = None;
                s.frozen_at = None;
                // The most up-to-date live replica (the lowest slot on ties).
                let mut best: Option<(usize, u64)> = None;
                for (r, rep) in s.slots.iter().enumerate() {
                    if r != s.primary
                        && self.faults.is_up(base + r)
                        && best.is_none_or(|(_, a)| rep.applied > a)
                    {
                        best = Some((r, rep.applied));
                    }
                }
                let Some((slot, applied)) = best else {
                    return Some(FailoverEvent::NoReplica { node: old });
                };
                let lost = s.acked_upto.saturating_sub(applied);
                s.committed = applied;
                s.acked_upto = s.acked_upto.min(applied);
                s.latest_acked.retain(|_, seq| *seq <= applied);
                for rep in &mut s.slots {
                    // Every other node resyncs from the new primary.
                    rep.pending.clear();
                    rep.applied = applied;
                    rep.last_apply_at = rep.last_apply_at.max(now);
                }
                s.primary = slot;
                s.normal = false;
                Some(FailoverEvent::Promoted {
                    old,
                    node: (base + slot) as u32,
                    lost,
                })
            }
        }
    }

    /// Load per shard, reads, stale reads and writes since the warm-up.
    pub fn summary(&self) -> DataSummary {
        DataSummary::Database {
            component: self.id,
            shard_ops: self.shard_ops.clone(),
            reads: self.measured[0],
            replica_reads: self.measured[1],
            stale_reads: self.measured[2],
            writes: self.measured[3],
        }
    }
}

impl PrimaryReplica {
    /// The running database of `m` (the assembly step).
    pub fn build(m: &crate::model::Database, at: &super::super::Assembly) -> PrimaryReplica {
        let mut db = PrimaryReplica::new(at.id, at.name, m, at.seed());
        if let Some(geo) = &at.model.geo {
            db.geo = Some(Box::new(Placement::new(geo, at.id, m.nodes())));
        }
        db
    }
}

impl super::super::Runtime for PrimaryReplica {
    #[inline]
    fn on(&mut self, event: Event, ctx: &mut Ctx) {
        PrimaryReplica::on(self, event, ctx)
    }

    fn place(&mut self, call: CallId, ctx: &mut Ctx) -> Option<crate::model::DcId> {
        self.geo.as_ref()?;
        let c = ctx.calls[call];
        let node = self.pick_node(&c, ctx);
        ctx.calls[call].instance = node as u32;
        self.geo.as_ref().map(|g| g.node_dc[node])
    }

    /// A failover step's timer.
    fn on_timer(
        &mut self,
        event: Event,
        ctx: &mut Ctx,
        seen: &mut Vec<super::super::kind::Happened>,
    ) {
        let Event::Timer { tag, .. } = event else {
            unreachable!("{event:?} is not a database's")
        };
        if let Some(step) = self.timer(tag, ctx) {
            seen.push(super::super::kind::Happened::Failover(step));
        }
    }

    /// Calls waiting for a worker, all nodes.
    fn queued(&self) -> usize {
        self.nodes.iter().map(|n| n.station.waiting()).sum()
    }

    /// The warm-up is over.
    fn start_measuring(&mut self, _: SimTime) {
        self.shard_ops.iter_mut().for_each(|x| *x = 0);
        self.measured = [0; 4];
    }

    fn data_summary(&self) -> Option<DataSummary> {
        Some(self.summary())
    }

    /// Appends a row per node and one for the database (`*`).
    fn report_window(&mut self, start: SimTime, end: SimTime, out: &mut Vec<ComponentRow>) {
        // Replicas apply up to the window's end, so each applied write's lag
        // falls in the window where it was applied.
        let last = end.nanos().saturating_sub(1);
        for shard in 0..self.shards.len() {
            for r in 0..=self.replicas as usize {
                if r != self.shards[shard].primary {
                    self.catch_up(shard, r, last);
                }
            }
        }
        let len = end.0 - start.0;
        let workers = self.workers.per_station() as f64;
        let per_shard = 1 + self.replicas as usize;
        let mut all = ComponentRow {
            in_service: Some(0.0),
            queue_len: Some(0.0),
            stale_reads: Some(0),
            ..ComponentRow::empty(start, self.id, None)
        };
        let (mut lag_sum, mut lag_count) = (0u128, 0u64);
        for (i, n) in self.nodes.iter_mut().enumerate() {
            let (busy, queue) = n.station.take_window(end, len);
            let replica = i % per_shard != self.shards[i / per_shard].primary;
            let lag = std::mem::take(&mut n.lag_sum_ns);
            let count = std::mem::take(&mut n.lag_count);
            lag_sum += lag;
            lag_count += count;
            let up = self.faults.take_up(i);
            let row = ComponentRow {
                up,
                utilization: Some(busy / workers),
                queue_len: Some(queue),
                in_service: Some(busy),
                completed: std::mem::take(&mut n.completed),
                lag_ms: (replica && count > 0).then(|| lag as f64 / count as f64 / 1e6),
                stale_reads: Some(std::mem::take(&mut n.stale)),
                ..ComponentRow::empty(start, self.id, Some(i as u32))
            };
            all.up += up;
            all.in_service = all.in_service.map(|v| v + busy);
            all.queue_len = all.queue_len.map(|v| v + queue);
            all.completed += row.completed;
            all.stale_reads = all.stale_reads.map(|v| v + row.stale_reads.unwrap_or(0));
            out.push(row);
        }
        all.lag_ms = (lag_count > 0).then(|| lag_sum as f64 / lag_count as f64 / 1e6);
        all.utilization = all
            .in_service
            .map(|b| b / (workers * self.nodes.len() as f64));
        out.push(all);
    }

    fn impairments(&mut self) -> &mut Impairments {
        &mut self.faults
    }

    fn crash(&mut self, i: u32, ctx: &mut Ctx) -> (bool, u64) {
        let held = super::super::kind::held_calls(ctx.calls, self.id, Some(i));
        let up = self.faults.is_up(i as usize);
        PrimaryReplica::crash(self, i as usize, &held, ctx);
        (up, 0)
    }

    fn restore(&mut self, i: u32, _: &mut Ctx) -> bool {
        PrimaryReplica::restore(self, i as usize)
    }
}
