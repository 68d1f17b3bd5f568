//! `multi_primary` and `ring`: every node of a shard takes writes.
//!
//! A write commits at the node its call reached (the nearest live node to
//! the caller with data centers, one at random without) and is acknowledged
//! at once. With `multi_primary` it then travels to each other node of its
//! shard, `lag` (plus the link's latency) after the commit; with `ring` to
//! the next node, which applies it and forwards it `lag` later, and so on
//! until the node before its origin. Each channel (node to node) delivers
//! in order: a message never overtakes the one sent before it.
//!
//! Every node keeps, per key, the version (commit time, then node) of the
//! newest write it applied: an arriving write older than that is discarded
//! (last writer wins), so all nodes converge on the same value.
//!
//! Counted exactly:
//! - **conflicts**: writes A (at node i) and B (at node j) of one key are
//!   concurrent when each committed before the other reached the other's
//!   node. When B commits, every write A it finds still on its way to j is
//!   concurrent with it (A committed before B, so before B can reach i);
//!   this is the only moment a pair can be found, so each write concurrent
//!   with at least one other is flagged once.
//! - **lost updates**: a write discarded at a node because that node holds
//!   a newer write concurrent with it (acknowledged, overwritten
//!   everywhere): the newer write H, committed at node o at t, is
//!   concurrent with A exactly when A had not reached o by t.
//! - **stale reads**: a read at a node that does not hold the newest
//!   acknowledged version of its key.
//!
//! Faults: a crashed node fails what it holds and takes no calls (callers
//! go to the next nearest live node); writes reaching it wait and are
//! applied (and, on a ring, forwarded) in order when it is back. A
//! partition (between the data centers of two nodes, or between two nodes
//! named in `faults`) holds what is sent across it until it heals, then
//! sends it in order; what was already on its way arrives.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use super::super::kind::{Cut, Ending, Happened, held_calls};
use super::super::station::Station;
use super::super::{ANY_INSTANCE, CallId, Ctx, Event, Impairments, Label};
use super::placement::Placement;
use super::serving::Serving;
use crate::engine::{SimTime, Stream, name_hash};
use crate::metrics::{
    ComponentRow, DataSummary, EventKind, LoggedEvent, Outcome, ReplicationRow, ReplicationTotals,
};
use crate::model::{ComponentId, Dist, Op, Partitioner, Topology};

/// Phase of a call at the database, kept in the call's `step`.
const SERVE: u16 = 0;

/// A slot index meaning "none" in the write and message slabs.
const NONE: u32 = u32::MAX;

/// "Not arrived yet" in a write's arrival times.
const NOT_YET: u64 = u64::MAX;

/// A write's version: the later commit wins; on the same nanosecond, the
/// higher node (within the shard).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Version {
    at: u64,
    node: u32,
}

/// A committed write still on its way to some node of its shard.
#[derive(Clone, Copy, Debug)]
struct Write {
    key: u64,
    version: Version,
    /// The node (index in the database) that committed it.
    origin: u32,
    /// Nodes it has yet to reach.
    remaining: u32,
    conflict: bool,
    lost: bool,
    /// The previous and next write of the same key still on its way
    /// (the shard's list per key), or [`NONE`].
    prev: u32,
    next: u32,
}

/// A write on its way from one node to another.
#[derive(Clone, Copy, Debug)]
struct Message {
    write: u32,
    from: u32,
    to: u32,
}

/// What a node counts over one window.
#[derive(Clone, Copy, Debug, Default)]
struct Window {
    writes: u64,
    applied: u64,
    lag_sum_ns: u128,
    lag_count: u64,
    conflicts: u64,
    lost: u64,
    reads: u64,
    stale: u64,
    completed: u64,
}

/// One node.
#[derive(Default)]
struct Node {
    station: Station,
    /// Per key: the newest version it applied.
    held: FxHashMap<u64, Version>,
    /// Messages that reached it while it was down, in order of arrival.
    waiting: VecDeque<u32>,
    /// Messages sent to it not yet applied (on their way, held, waiting).
    inbound: u64,
    window: Window,
}

/// One shard's keys.
#[derive(Default)]
struct Shard {
    /// Per key: the newest acknowledged version.
    latest: FxHashMap<u64, Version>,
    /// Per key: the first of its writes still on their way.
    on_the_way: FxHashMap<u64, u32>,
}

/// One direction between two nodes of a shard.
#[derive(Default)]
struct Channel {
    /// Partitions in force across it.
    cuts: u16,
    /// The arrival time of the last message sent on it (order is kept).
    last: u64,
    /// Messages sent while cut, in order.
    held: VecDeque<u32>,
}

/// Totals since the warm-up.
#[derive(Clone, Copy, Debug, Default)]
struct Totals {
    writes: u64,
    conflicts: u64,
    lost: u64,
    reads: u64,
    stale: u64,
    unavailable: u64,
}

/// A database whose every node takes writes.
pub struct Writers {
    id: ComponentId,
    name: String,
    topology: Topology,
    ring: bool,
    per_shard: usize,
    serving: Serving,
    lag: Dist,
    partitioner: Partitioner,
    nodes: Vec<Node>,
    shards: Vec<Shard>,
    /// Per shard, `per_shard x per_shard` channels (`from x per + to`).
    channels: Vec<Channel>,
    writes: Vec<Write>,
    free_writes: Vec<u32>,
    /// Per write slot, `per_shard` arrival times (the commit time at its
    /// origin; [`NOT_YET`] where it has not arrived).
    arrivals: Vec<u64>,
    messages: Vec<Message>,
    free_messages: Vec<u32>,
    lag_stream: Stream,
    routing_stream: Stream,
    faults: Impairments,
    geo: Option<Box<Placement>>,
    /// Since the warm-up: operations per shard.
    shard_ops: Vec<u64>,
    totals: Totals,
    /// The database's own window: calls failed for want of a live node.
    unavailable: u64,
    rows: Vec<ReplicationRow>,
    log: Vec<LoggedEvent>,
}

impl Writers {
    /// The running database of `m` (`multi_primary` or `ring`).
    pub(super) fn new(
        m: &crate::model::Database,
        at: &super::super::Assembly,
        geo: Option<Box<Placement>>,
    ) -> Writers {
        let seed = at.seed();
        let name = at.name;
        let per_shard = m.per_shard() as usize;
        let nodes = m.nodes() as usize;
        Writers {
            id: at.id,
            name: name.to_string(),
            topology: m.topology,
            ring: matches!(m.topology, Topology::Ring { .. }),
            per_shard,
            serving: Serving::new(m, seed, name),
            lag: m.lag.clone(),
            partitioner: Partitioner::new(&m.partition, m.shards, name_hash(name)),
            nodes: (0..nodes).map(|_| Node::default()).collect(),
            shards: (0..m.shards).map(|_| Shard::default()).collect(),
            channels: (0..nodes * per_shard).map(|_| Channel::default()).collect(),
            writes: Vec::new(),
            free_writes: Vec::new(),
            arrivals: Vec::new(),
            messages: Vec::new(),
            free_messages: Vec::new(),
            lag_stream: Stream::new(seed, name, "replication"),
            routing_stream: Stream::new(seed, name, "routing"),
            faults: Impairments::new(nodes, Stream::new(seed, name, "faults")),
            geo,
            shard_ops: vec![0; m.shards as usize],
            totals: Totals::default(),
            unavailable: 0,
            rows: Vec::new(),
            log: Vec::new(),
        }
    }

    /// The node's name in outputs: `db.shard0.node1`.
    fn node_name(&self, node: u32) -> String {
        let per = self.per_shard as u32;
        let label = Label::ShardNode {
            shard: node / per,
            node: node % per,
        };
        format!("{}.{label}", self.name)
    }

    /// The live node of `shard` a call from `caller` (a data center) goes
    /// to: the nearest (ties at random), or one at random without data
    /// centers; the first node when none is up (the call then fails).
    fn pick_node(&mut self, shard: usize, caller: Option<crate::model::DcId>) -> usize {
        let base = shard * self.per_shard;
        if !self.faults.active() && caller.is_none() {
            return base + self.routing_stream.index(self.per_shard);
        }
        let geo = self.geo.as_deref();
        let rank = |node: usize| -> u64 {
            match (geo, caller) {
                (Some(g), Some(from)) => {
                    g.distance[from as usize * g.datacenters + g.node_dc[node] as usize]
                }
                _ => 0,
            }
        };
        let mut best = u64::MAX;
        let mut ties = 0;
        for n in base..base + self.per_shard {
            if self.faults.is_up(n) {
                let r = rank(n);
                if r < best {
                    (best, ties) = (r, 1);
                } else if r == best {
                    ties += 1;
                }
            }
        }
        if ties == 0 {
            return base;
        }
        let k = self.routing_stream.index(ties);
        (base..base + self.per_shard)
            .filter(|&n| self.faults.is_up(n) && rank(n) == best)
            .nth(k)
            .expect("k < ties")
    }

    fn arrive(&mut self, call: CallId, ctx: &mut Ctx) {
        let c = ctx.calls[call];
        let node = if c.instance != ANY_INSTANCE && self.faults.is_up(c.instance as usize) {
            c.instance as usize
        } else {
            let shard = self.partitioner.shard_of(c.key.get()) as usize;
            let caller = self.geo.as_ref().and_then(|g| g.caller_dc(call, ctx));
            self.pick_node(shard, caller)
        };
        let c = &mut ctx.calls[call];
        c.instance = node as u32;
        c.step = SERVE;
        if self.faults.active()
            && let Some(outcome) = self.faults.refuse(node)
        {
            if !self.faults.is_up(node) {
                self.unavailable += 1;
                self.totals.unavailable += 1;
            }
            ctx.reply(call, outcome);
            return;
        }
        self.serving
            .admit(&mut self.nodes[node].station, node, call, &self.faults, ctx);
    }

    /// A node finished a call: the worker moves on; a read is answered
    /// (stale or not), a write commits.
    fn served(&mut self, call: CallId, ctx: &mut Ctx) {
        let c = ctx.calls[call];
        let node = c.instance as usize;
        self.serving
            .release(&mut self.nodes[node].station, node, &self.faults, ctx);
        let shard = node / self.per_shard;
        self.shard_ops[shard] += 1;
        let key = c.key.get();
        match c.op {
            Op::Read => {
                let held = self.nodes[node].held.get(&key);
                let stale = self.shards[shard]
                    .latest
                    .get(&key)
                    .is_some_and(|l| held.is_none_or(|h| h < l));
                let w = &mut self.nodes[node].window;
                w.reads += 1;
                self.totals.reads += 1;
                if stale {
                    w.stale += 1;
                    self.totals.stale += 1;
                }
            }
            Op::Write => self.commit(node, key, ctx),
        }
        self.nodes[node].window.completed += 1;
        ctx.reply(call, Outcome::Ok);
    }

    /// `node` commits a write of `key` now: it is acknowledged, found
    /// concurrent with the writes of the key still on their way to `node`,
    /// and sent on.
    fn commit(&mut self, node: usize, key: u64, ctx: &mut Ctx) {
        let now = ctx.now.nanos();
        let per = self.per_shard;
        let (shard, slot) = (node / per, node % per);
        let version = Version {
            at: now,
            node: slot as u32,
        };
        let w = self.new_write(key, version, node as u32);
        // Concurrent with every write of the key not yet at this node.
        let mut a = self.shards[shard]
            .on_the_way
            .get(&key)
            .copied()
            .unwrap_or(NONE);
        while a != NONE {
            let other = self.writes[a as usize];
            if other.origin != node as u32 && self.arrivals[a as usize * per + slot] == NOT_YET {
                self.flag_conflict(a);
                self.flag_conflict(w);
            }
            a = other.next;
        }
        // First in the key's list.
        let s = &mut self.shards[shard];
        let head = s.on_the_way.insert(key, w).unwrap_or(NONE);
        self.writes[w as usize].next = head;
        if head != NONE {
            self.writes[head as usize].prev = w;
        }
        let latest = s.latest.entry(key).or_insert(version);
        *latest = (*latest).max(version);
        let held = self.nodes[node].held.entry(key).or_insert(version);
        *held = (*held).max(version);
        self.nodes[node].window.writes += 1;
        self.totals.writes += 1;
        if self.ring {
            self.send(w, node, shard * per + (slot + 1) % per, ctx);
        } else {
            for to in shard * per..(shard + 1) * per {
                if to != node {
                    self.send(w, node, to, ctx);
                }
            }
        }
    }

    fn new_write(&mut self, key: u64, version: Version, origin: u32) -> u32 {
        let write = Write {
            key,
            version,
            origin,
            remaining: self.per_shard as u32 - 1,
            conflict: false,
            lost: false,
            prev: NONE,
            next: NONE,
        };
        let per = self.per_shard;
        let slot = origin as usize % per;
        let w = match self.free_writes.pop() {
            Some(w) => {
                self.writes[w as usize] = write;
                w
            }
            None => {
                self.writes.push(write);
                self.arrivals.resize(self.writes.len() * per, NOT_YET);
                self.writes.len() as u32 - 1
            }
        };
        let arr = &mut self.arrivals[w as usize * per..(w as usize + 1) * per];
        arr.fill(NOT_YET);
        arr[slot] = version.at;
        w
    }

    fn flag_conflict(&mut self, w: u32) {
        let write = &mut self.writes[w as usize];
        if !write.conflict {
            write.conflict = true;
            self.nodes[write.origin as usize].window.conflicts += 1;
            self.totals.conflicts += 1;
        }
    }

    /// Channel index of `from` to `to` (nodes of one shard).
    fn channel(&self, from: usize, to: usize) -> usize {
        from * self.per_shard + to % self.per_shard
    }

    /// Sends write `w` from node `from` to node `to`: on its way now, or
    /// held while the channel is cut.
    fn send(&mut self, w: u32, from: usize, to: usize, ctx: &mut Ctx) {
        let m = Message {
            write: w,
            from: from as u32,
            to: to as u32,
        };
        let id = match self.free_messages.pop() {
            Some(id) => {
                self.messages[id as usize] = m;
                id
            }
            None => {
                self.messages.push(m);
                self.messages.len() as u32 - 1
            }
        };
        self.nodes[to].inbound += 1;
        let ch = self.channel(from, to);
        if self.channels[ch].cuts > 0 {
            self.channels[ch].held.push_back(id);
        } else {
            self.dispatch(id, ctx);
        }
    }

    /// Puts message `id` on its way: it arrives after `lag` (plus the
    /// link's latency), never before the one sent before it.
    fn dispatch(&mut self, id: u32, ctx: &mut Ctx) {
        let m = self.messages[id as usize];
        let (from, to) = (m.from as usize, m.to as usize);
        let mut delay = self.lag.sample(&mut self.lag_stream).nanos();
        if let Some(g) = &self.geo
            && let Some(d) = g.node_crossing(from, to)
        {
            delay = delay.saturating_add(d.sample(&mut self.lag_stream).nanos());
        }
        let ch = self.channel(from, to);
        let at = ctx
            .now
            .nanos()
            .saturating_add(delay)
            .max(self.channels[ch].last);
        self.channels[ch].last = at;
        ctx.events.schedule(
            SimTime(at),
            Event::Timer {
                component: self.id,
                tag: id,
            },
        );
    }

    /// Message `id` reaches its node: applied now, or waiting while the
    /// node is down.
    fn arrived(&mut self, id: u32, ctx: &mut Ctx) {
        let to = self.messages[id as usize].to as usize;
        if !self.faults.is_up(to) {
            self.nodes[to].waiting.push_back(id);
        } else {
            self.apply(id, ctx);
        }
    }

    /// Node `to` applies message `id`'s write now (or discards it, older
    /// than what it holds); a ring node forwards it.
    fn apply(&mut self, id: u32, ctx: &mut Ctx) {
        let now = ctx.now.nanos();
        let per = self.per_shard;
        let m = self.messages[id as usize];
        self.free_messages.push(id);
        let (to, w) = (m.to as usize, m.write);
        let slot = to % per;
        let write = self.writes[w as usize];
        self.arrivals[w as usize * per + slot] = now;
        let node = &mut self.nodes[to];
        node.inbound -= 1;
        node.window.applied += 1;
        node.window.lag_sum_ns += (now - write.version.at) as u128;
        node.window.lag_count += 1;
        let held = node.held.entry(write.key).or_insert(write.version);
        if *held > write.version {
            // Discarded. A lost update when the newer write it meets was
            // committed before this one reached its node.
            let h = *held;
            let reached = self.arrivals[w as usize * per + h.node as usize];
            if (reached == NOT_YET || reached > h.at) && !write.lost {
                self.writes[w as usize].lost = true;
                self.nodes[write.origin as usize].window.lost += 1;
                self.totals.lost += 1;
            }
        } else {
            *held = write.version;
        }
        if self.ring {
            let next = to / per * per + (slot + 1) % per;
            if next != write.origin as usize {
                self.send(w, to, next, ctx);
            }
        }
        let left = &mut self.writes[w as usize].remaining;
        *left -= 1;
        if *left == 0 {
            self.retire(w, to / per);
        }
    }

    /// Write `w` has reached every node: out of its key's list, its slot
    /// free.
    fn retire(&mut self, w: u32, shard: usize) {
        let Write {
            key, prev, next, ..
        } = self.writes[w as usize];
        if prev == NONE {
            let s = &mut self.shards[shard];
            if next == NONE {
                s.on_the_way.remove(&key);
            } else {
                s.on_the_way.insert(key, next);
            }
        } else {
            self.writes[prev as usize].next = next;
        }
        if next != NONE {
            self.writes[next as usize].prev = prev;
        }
        self.free_writes.push(w);
    }

    /// A partition starts or heals between `pairs` of nodes (both ways).
    fn cut_pairs(&mut self, pairs: &[(usize, usize)], cut: bool, ctx: &mut Ctx) -> u64 {
        let mut released = 0;
        for &(a, b) in pairs {
            for (from, to) in [(a, b), (b, a)] {
                let ch = self.channel(from, to);
                let c = &mut self.channels[ch];
                if cut {
                    c.cuts += 1;
                    continue;
                }
                c.cuts = c.cuts.saturating_sub(1);
                if c.cuts == 0 {
                    let held = std::mem::take(&mut c.held);
                    released += held.len() as u64;
                    for id in held {
                        self.dispatch(id, ctx);
                    }
                }
            }
        }
        released
    }

    /// The node pairs of every shard that replicate across link `l`.
    fn pairs_across(&self, l: u16) -> Vec<(usize, usize)> {
        let Some(g) = &self.geo else {
            return Vec::new();
        };
        let per = self.per_shard;
        let mut out = Vec::new();
        for base in (0..self.nodes.len()).step_by(per) {
            for a in base..base + per {
                for b in a + 1..base + per {
                    if g.node_link(a, b) == Some(l) {
                        out.push((a, b));
                    }
                }
            }
        }
        out
    }

    fn event(&mut self, now: SimTime, kind: EventKind, target: String, detail: String) {
        self.log.push(LoggedEvent {
            time: now,
            kind,
            target,
            detail,
            fault: None,
        });
    }

    /// Node `node` crashes: what it holds fails; writes reaching it wait.
    fn crash_node(&mut self, node: usize, ctx: &mut Ctx) -> bool {
        let held = held_calls(ctx.calls, self.id, Some(node as u32));
        if !self.faults.crash(node) {
            return false;
        }
        for call in held {
            ctx.reply(call, Outcome::Failed);
        }
        self.nodes[node].station.crash(ctx.now);
        if self.ring {
            let name = self.node_name(node as u32);
            self.event(
                ctx.now,
                EventKind::RingBroken,
                name,
                "writes stop here until it is back".to_string(),
            );
        }
        true
    }

    /// Node `node` is back: it applies (a ring node also forwards) what
    /// reached it meanwhile, in order.
    fn restore_node(&mut self, node: usize, ctx: &mut Ctx) -> bool {
        if !self.faults.restore(node) {
            return false;
        }
        let waiting = std::mem::take(&mut self.nodes[node].waiting);
        let n = waiting.len();
        for id in waiting {
            self.apply(id, ctx);
        }
        if self.ring {
            let name = self.node_name(node as u32);
            self.event(
                ctx.now,
                EventKind::RingRepaired,
                name,
                format!("{n} writes that waited applied and forwarded"),
            );
        }
        true
    }
}

impl super::super::Runtime for Writers {
    fn on(&mut self, event: Event, ctx: &mut Ctx) {
        match event {
            Event::Deliver { call } => self.arrive(call, ctx),
            Event::ServiceDone { call } => self.served(call, ctx),
            _ => unreachable!("a database makes no calls"),
        }
    }

    /// A message's arrival.
    fn on_timer(&mut self, event: Event, ctx: &mut Ctx, _: &mut Vec<Happened>) {
        let Event::Timer { tag, .. } = event else {
            unreachable!("{event:?} is not a database's")
        };
        self.arrived(tag, ctx);
    }

    fn place(&mut self, call: CallId, ctx: &mut Ctx) -> Option<crate::model::DcId> {
        self.geo.as_ref()?;
        let shard = self.partitioner.shard_of(ctx.calls[call].key.get()) as usize;
        let caller = self.geo.as_ref().and_then(|g| g.caller_dc(call, ctx));
        let node = self.pick_node(shard, caller);
        ctx.calls[call].instance = node as u32;
        self.geo.as_ref().map(|g| g.node_dc[node])
    }

    fn queued(&self) -> usize {
        self.nodes.iter().map(|n| n.station.waiting()).sum()
    }

    fn start_measuring(&mut self, _: SimTime) {
        self.shard_ops.iter_mut().for_each(|x| *x = 0);
        self.totals = Totals::default();
    }

    fn data_summary(&self) -> Option<DataSummary> {
        Some(DataSummary::Database {
            component: self.id,
            shard_ops: self.shard_ops.clone(),
            reads: self.totals.reads,
            replica_reads: 0,
            stale_reads: self.totals.stale,
            writes: self.totals.writes,
        })
    }

    /// Appends a row per node and one for the database (`*`) to
    /// components.csv's, and keeps the window's replication rows (the
    /// same, with what replication did).
    fn report_window(&mut self, start: SimTime, end: SimTime, out: &mut Vec<ComponentRow>) {
        let len = end - start;
        let mut all = Serving::whole_row(start, self.id);
        let mut whole = ReplicationRow {
            start,
            len,
            component: self.id,
            node: None,
            writes: 0,
            applied: 0,
            lag_ms: None,
            backlog: 0,
            conflicts: Some(0),
            lost_updates: Some(0),
            reads: 0,
            stale_reads: 0,
            unavailable: std::mem::take(&mut self.unavailable),
        };
        let (mut lag_sum, mut lag_count) = (0u128, 0u64);
        for (i, n) in self.nodes.iter_mut().enumerate() {
            let w = std::mem::take(&mut n.window);
            lag_sum += w.lag_sum_ns;
            lag_count += w.lag_count;
            let lag_ms = (w.lag_count > 0).then(|| w.lag_sum_ns as f64 / w.lag_count as f64 / 1e6);
            out.push(self.serving.node_row(
                &mut n.station,
                (self.id, i as u32),
                (start, end),
                self.faults.take_up(i),
                (w.completed, w.stale, lag_ms),
                &mut all,
            ));
            let row = ReplicationRow {
                node: Some(i as u32),
                writes: w.writes,
                applied: w.applied,
                lag_ms,
                backlog: n.inbound,
                conflicts: Some(w.conflicts),
                lost_updates: Some(w.lost),
                reads: w.reads,
                stale_reads: w.stale,
                unavailable: 0,
                ..whole
            };
            whole.writes += w.writes;
            whole.applied += w.applied;
            whole.backlog += n.inbound;
            whole.conflicts = whole.conflicts.map(|c| c + w.conflicts);
            whole.lost_updates = whole.lost_updates.map(|c| c + w.lost);
            whole.reads += w.reads;
            whole.stale_reads += w.stale;
            self.rows.push(row);
        }
        let lag = (lag_count > 0).then(|| lag_sum as f64 / lag_count as f64 / 1e6);
        all.lag_ms = lag;
        whole.lag_ms = lag;
        self.serving.finish_whole(&mut all, self.nodes.len());
        out.push(all);
        self.rows.push(whole);
    }

    fn impairments(&mut self) -> &mut Impairments {
        &mut self.faults
    }

    fn crash(&mut self, i: u32, ctx: &mut Ctx) -> (bool, u64) {
        (self.crash_node(i as usize, ctx), 0)
    }

    fn restore(&mut self, i: u32, ctx: &mut Ctx) -> bool {
        self.restore_node(i as usize, ctx)
    }

    fn cut(&mut self, what: Cut, cut: bool, ctx: &mut Ctx) {
        let (pairs, target) = match what {
            Cut::Link(l) => {
                let pairs = self.pairs_across(l);
                if pairs.is_empty() {
                    return;
                }
                (pairs, self.name.clone())
            }
            Cut::Nodes(a, b) => (
                vec![(a as usize, b as usize)],
                format!("{} <-> {}", self.node_name(a), self.node_name(b)),
            ),
        };
        let released = self.cut_pairs(&pairs, cut, ctx);
        let (kind, detail) = if cut {
            (
                EventKind::ReplicationHeld,
                format!("{} node pairs cannot reach each other", pairs.len()),
            )
        } else {
            (
                EventKind::ReplicationResumed,
                format!("{released} held writes sent in order"),
            )
        };
        self.event(ctx.now, kind, target, detail);
    }

    fn finish(&mut self, _: SimTime, out: &mut Ending) {
        out.replication.rows.append(&mut self.rows);
        out.replication.totals.push(ReplicationTotals {
            component: self.id,
            topology: self.topology,
            writes: self.totals.writes,
            conflicts: Some(self.totals.conflicts),
            lost_updates: Some(self.totals.lost),
            reads: self.totals.reads,
            stale_reads: self.totals.stale,
            unavailable: self.totals.unavailable,
        });
        out.replication_log.append(&mut self.log);
    }
}
