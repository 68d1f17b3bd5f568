//! `kind: cache`: a cache-aside cache. Keys are spread over nodes by hash;
//! each node has `workers` for lookups, stores and deletes (each takes
//! `hit_time`) and its own [`Store`] of entries. A read looks its key up; on
//! a miss the read goes on to `on_miss` and, when the data comes back, stores
//! it (another `hit_time`) before replying. A write deletes the key, then
//! goes on to `on_miss`. The cache's workers are busy only for its own
//! operations, never while `on_miss` works.

pub mod compile;
pub mod estimate;
pub mod model;
pub mod spec;

pub mod store;

use super::station::{Admit, Station, Workers};
use super::{ANY_INSTANCE, CallId, Ctx, Event, Impairments};
use crate::engine::{SimTime, Stream, name_hash};
use crate::metrics::{ComponentRow, DataSummary, Outcome};
use crate::model::{ComponentId, Dist, Op, keys::key_hash};
use store::{Eviction, Store};

/// Phases of a call at the cache, kept in the call's `step`.
const LOOKUP: u16 = 0;
const AWAIT_DATA: u16 = 1;
const STORE: u16 = 2;

/// One cache node.
struct Node {
    station: Station,
    entries: Store,
    completed: u64,
    hits: u64,
    misses: u64,
}

/// A cache of one or more nodes.
pub struct Cache {
    id: ComponentId,
    workers: Workers,
    hit_time: Dist,
    on_miss: ComponentId,
    salt: u64,
    nodes: Vec<Node>,
    time_stream: Stream,
    evict_stream: Stream,
    /// Totals since the warm-up: hits, misses, evictions.
    measured: [u64; 3],
    faults: Impairments,
}

impl Cache {
    /// The cache `id`, named `name`, as the model describes it.
    pub fn new(id: ComponentId, name: &str, m: &crate::model::Cache, seed: u64) -> Cache {
        let eviction = match m.eviction {
            crate::model::Eviction::Lru => Eviction::Lru,
            crate::model::Eviction::Lfu => Eviction::Lfu,
            crate::model::Eviction::Fifo => Eviction::Fifo,
            crate::model::Eviction::Random => Eviction::Random,
        };
        let capacity = m.capacity.map(|c| c as usize);
        let ttl = m.ttl.map(|t| t.nanos());
        Cache {
            id,
            // A cache node's line is unbounded and its speed fixed.
            workers: Workers::new(m.workers, None, None),
            hit_time: m.hit_time.clone(),
            on_miss: m.on_miss,
            salt: name_hash(name),
            nodes: (0..m.instances)
                .map(|_| Node {
                    station: Station::default(),
                    entries: Store::new(capacity, eviction, ttl),
                    completed: 0,
                    hits: 0,
                    misses: 0,
                })
                .collect(),
            time_stream: Stream::new(seed, name, "service"),
            evict_stream: Stream::new(seed, name, "eviction"),
            measured: [0; 3],
            faults: Impairments::new(m.instances as usize, Stream::new(seed, name, "faults")),
        }
    }

    /// Reacts to a call arriving, an operation done, or `on_miss` replying.
    // Out of line: keeps the service and balancer hot path small.
    #[inline(never)]
    pub fn on(&mut self, event: Event, ctx: &mut Ctx) {
        match event {
            Event::Deliver { call } => self.arrive(call, ctx),
            Event::ServiceDone { call } => self.done(call, ctx),
            Event::Reply { call, outcome } => self.data_replied(call, outcome, ctx),
            _ => {
                unreachable!("only calls, their work and replies reach a cache")
            }
        }
    }

    #[inline]
    fn arrive(&mut self, call: CallId, ctx: &mut Ctx) {
        let n = self.nodes.len() as u64;
        let c = &mut ctx.calls[call];
        let node = if n == 1 {
            0
        } else {
            (key_hash(c.key.get(), self.salt) % n) as usize
        };
        c.instance = node as u32;
        c.step = LOOKUP;
        if self.faults.active() && self.impaired(node, call, ctx) {
            return;
        }
        self.enqueue(node, call, ctx);
    }

    /// A call reaching a crashed node goes on to `on_miss` as the caller's
    /// cache client does (a read as a miss, not stored); one an `errors`
    /// fault picks fails. True if the call was dealt with.
    #[cold]
    fn impaired(&mut self, node: usize, call: CallId, ctx: &mut Ctx) -> bool {
        if !self.faults.is_up(node) {
            if ctx.calls[call].op == Op::Read {
                self.nodes[node].misses += 1;
                self.measured[1] += 1;
            }
            self.fetch(call, ctx);
            return true;
        }
        if let Some(outcome) = self.faults.refuse(node) {
            ctx.reply(call, outcome);
            return true;
        }
        false
    }

    /// Starts an operation on a free worker of `node`, or queues it.
    #[inline]
    fn enqueue(&mut self, node: usize, call: CallId, ctx: &mut Ctx) {
        if self.nodes[node].station.admit(&self.workers, call, ctx.now) == Admit::Start {
            let t = self.hit_time.sample(&mut self.time_stream);
            let t = self.faults.scale(node, t);
            ctx.events
                .schedule(ctx.now + t, Event::ServiceDone { call });
        }
    }

    /// A worker of `node` is done: it takes the next operation or goes idle.
    #[inline]
    fn release(&mut self, node: usize, ctx: &mut Ctx) {
        if let Some(next) = self.nodes[node].station.release(ctx.now) {
            let t = self.hit_time.sample(&mut self.time_stream);
            let t = self.faults.scale(node, t);
            ctx.events
                .schedule(ctx.now + t, Event::ServiceDone { call: next });
        }
    }

    #[inline]
    fn done(&mut self, call: CallId, ctx: &mut Ctx) {
        let c = ctx.calls[call];
        let node = c.instance as usize;
        let now = ctx.now.nanos();
        match (c.step, c.op) {
            (LOOKUP, Op::Read) => {
                let n = &mut self.nodes[node];
                if n.entries.lookup(c.key.get(), now) {
                    n.hits += 1;
                    n.completed += 1;
                    self.measured[0] += 1;
                    ctx.reply(call, Outcome::Ok);
                } else {
                    n.misses += 1;
                    self.measured[1] += 1;
                    self.fetch(call, ctx);
                }
            }
            (LOOKUP, Op::Write) => {
                // Cache-aside write: drop the cached copy, then change the data.
                self.nodes[node].entries.remove(c.key.get());
                self.fetch(call, ctx);
            }
            _ => {
                let up = self.faults.is_up(node);
                let n = &mut self.nodes[node];
                // A node that crashed meanwhile stores nothing.
                if up && n.entries.store(c.key.get(), now, &mut self.evict_stream) {
                    self.measured[2] += 1;
                }
                n.completed += 1;
                ctx.reply(call, Outcome::Ok);
            }
        }
        self.release(node, ctx);
    }

    /// Sends the call on to the component that holds the data.
    #[inline]
    fn fetch(&mut self, call: CallId, ctx: &mut Ctx) {
        let c = &mut ctx.calls[call];
        c.step = AWAIT_DATA;
        let child = c.child(call, self.on_miss, ANY_INSTANCE);
        let child = ctx.calls.insert(child);
        ctx.send(child);
    }

    #[inline]
    fn data_replied(&mut self, child: CallId, outcome: Outcome, ctx: &mut Ctx) {
        let parent = ctx
            .calls
            .remove(child)
            .and_then(|c| c.parent)
            .expect("a reply to a cache call has a parent");
        let c = &mut ctx.calls[parent];
        let node = c.instance as usize;
        if c.op == Op::Read && outcome == Outcome::Ok && self.faults.is_up(node) {
            // Cache-aside: the reader stores what it read.
            c.step = STORE;
            self.enqueue(node, parent, ctx);
        } else {
            if outcome == Outcome::Ok {
                self.nodes[node].completed += 1;
            }
            ctx.reply(parent, outcome);
        }
    }

    /// Node `i` crashes: it loses its entries, and until it is repaired its
    /// callers go straight to `on_miss`. Operations already at the node end
    /// as misses.
    pub fn crash(&mut self, i: usize) {
        self.faults.crash(i);
        self.nodes[i].entries.clear();
    }

    /// Node `i` is repaired (empty); true if it is up again.
    pub fn restore(&mut self, i: usize) -> bool {
        self.faults.restore(i)
    }

    /// Node `i` loses every entry.
    pub fn flush(&mut self, i: usize) {
        self.nodes[i].entries.clear();
    }

    /// Hits, misses and evictions since the warm-up.
    pub fn summary(&self) -> DataSummary {
        DataSummary::Cache {
            component: self.id,
            hits: self.measured[0],
            misses: self.measured[1],
            evictions: self.measured[2],
        }
    }
}

impl Cache {
    /// The running cache of `m` (the assembly step).
    pub fn build(m: &crate::model::Cache, at: &super::Assembly) -> Cache {
        Cache::new(at.id, at.name, m, at.seed())
    }
}

impl super::Runtime for Cache {
    #[inline]
    fn on(&mut self, event: Event, ctx: &mut Ctx) {
        Cache::on(self, event, ctx)
    }

    /// Operations waiting for a worker, all nodes.
    fn queued(&self) -> usize {
        self.nodes.iter().map(|n| n.station.waiting()).sum()
    }

    /// The warm-up is over.
    fn start_measuring(&mut self, _: SimTime) {
        self.measured = [0; 3];
    }

    fn data_summary(&self) -> Option<DataSummary> {
        Some(self.summary())
    }

    /// Appends a row per node and one for the cache (`*`).
    fn report_window(&mut self, start: SimTime, end: SimTime, out: &mut Vec<ComponentRow>) {
        let len = end.0 - start.0;
        let workers = self.workers.per_station() as f64;
        let mut all = ComponentRow {
            in_service: Some(0.0),
            queue_len: Some(0.0),
            hits: Some(0),
            misses: Some(0),
            ..ComponentRow::empty(start, self.id, None)
        };
        for (i, n) in self.nodes.iter_mut().enumerate() {
            let (busy, queue) = n.station.take_window(end, len);
            let up = self.faults.take_up(i);
            let row = ComponentRow {
                up,
                utilization: Some(busy / workers),
                queue_len: Some(queue),
                in_service: Some(busy),
                completed: std::mem::take(&mut n.completed),
                hits: Some(std::mem::take(&mut n.hits)),
                misses: Some(std::mem::take(&mut n.misses)),
                ..ComponentRow::empty(start, self.id, Some(i as u32))
            };
            all.up += up;
            all.in_service = all.in_service.map(|v| v + busy);
            all.queue_len = all.queue_len.map(|v| v + queue);
            all.completed += row.completed;
            all.hits = all.hits.map(|v| v + row.hits.unwrap_or(0));
            all.misses = all.misses.map(|v| v + row.misses.unwrap_or(0));
            out.push(row);
        }
        all.utilization = all
            .in_service
            .map(|b| b / (workers * self.nodes.len() as f64));
        out.push(all);
    }

    fn impairments(&mut self) -> &mut Impairments {
        &mut self.faults
    }

    /// The node loses its entries; operations already at it end as misses.
    fn crash(&mut self, i: u32, _: &mut Ctx) -> (bool, u64) {
        let up = self.faults.is_up(i as usize);
        Cache::crash(self, i as usize);
        (up, 0)
    }

    fn restore(&mut self, i: u32, _: &mut Ctx) -> bool {
        Cache::restore(self, i as usize)
    }

    fn flush(&mut self, i: u32) {
        Cache::flush(self, i as usize)
    }
}
