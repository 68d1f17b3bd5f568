//! `quorum`: leaderless replication, Dynamo style.
//!
//! Each key lives on `n` of its shard's nodes: `n` consecutive nodes from
//! the key's hash. A write is numbered by its shard when it arrives (its
//! version: later arrivals win) and sent to all `n`; each node serves it
//! (`write_time`, on its workers, in its FCFS line) and applies it unless it
//! holds a newer version; the write is acknowledged when the `w`-th node
//! has applied it. A read is sent to all `n` too; each node serves it
//! (`read_time`) and replies with the version it holds; the read is
//! answered by the `r`-th reply, with the newest version among those `r`.
//! Nodes not needed still do the work (their load is real).
//!
//! A read is stale when the version it returns is older than the latest
//! write of its key acknowledged before the read arrived (a write
//! acknowledged while the read was on its way may or may not be seen, as
//! in any store): with `r + w > n` every read's `r` nodes share one with
//! each earlier write's `w`, so none is.
//!
//! `lag` is the one-way time from the coordinator to each node before the
//! node's line; with data centers the coordinator stands in the data center
//! of the node nearest the caller, and a node across a link adds a draw of
//! the link's latency each way.
//!
//! Faults: a crashed node fails the work it holds or is sent; once more
//! nodes of a key have failed than `n - w` (`n - r`) the write (read)
//! fails at once. A node that was down lacks the writes it missed (no
//! hinted handoff or read repair).

use rustc_hash::FxHashMap;

use super::super::kind::{Cut, Ending, held_calls};
use super::super::station::Station;
use super::super::{ANY_INSTANCE, Call, CallId, Ctx, Event, Impairments};
use super::placement::Placement;
use super::serving::Serving;
use crate::engine::{SimDuration, SimTime, Stream, name_hash};
use crate::metrics::{
    ComponentRow, DataSummary, EventKind, LoggedEvent, Outcome, ReplicationRow, ReplicationTotals,
};
use crate::model::{ComponentId, DcId, Dist, Op, Partitioner, Topology};

/// Phases of a node's work (a call the database makes to one node, kept in
/// its `step`): on its way to or at the node, then its reply on its way
/// back.
const AT_NODE: u16 = 1;
const BACK: u16 = 2;

/// A read or write waiting for its quorum.
#[derive(Clone, Copy, Debug)]
struct Pending {
    key: u64,
    shard: u32,
    op: Op,
    /// A write's version.
    version: u64,
    /// For a read: the latest acknowledged version of its key when it
    /// arrived.
    latest: u64,
    /// Replies that answer it (`w` or `r`).
    need: u32,
    ok: u32,
    failed: u32,
    /// Nodes whose work is not over.
    left: u32,
    /// The newest version among a read's first `need` replies.
    newest: u64,
    answered: bool,
    /// The coordinator's data center (with data centers).
    coordinator: DcId,
}

/// What a node counts over one window.
#[derive(Clone, Copy, Debug, Default)]
struct Window {
    writes: u64,
    reads: u64,
}

/// One node.
#[derive(Default)]
struct Node {
    station: Station,
    /// Per key: the newest version it applied.
    held: FxHashMap<u64, u64>,
    window: Window,
}

/// One shard's versions.
#[derive(Default)]
struct Shard {
    /// Writes numbered so far.
    versions: u64,
    /// Per key: the newest acknowledged version.
    acked: FxHashMap<u64, u64>,
    /// Whether every key's nodes can answer writes and reads.
    whole: bool,
}

/// Totals since the warm-up, and over the current window (`*` row).
#[derive(Clone, Copy, Debug, Default)]
struct Totals {
    writes: u64,
    reads: u64,
    stale: u64,
    unavailable: u64,
}

/// A leaderless database.
pub struct Quorum {
    id: ComponentId,
    name: String,
    topology: Topology,
    per_shard: usize,
    n: u32,
    w: u32,
    r: u32,
    serving: Serving,
    lag: Dist,
    partitioner: Partitioner,
    nodes: Vec<Node>,
    shards: Vec<Shard>,
    /// Per read or write being served: its state, by its call.
    pending: FxHashMap<CallId, Pending>,
    lag_stream: Stream,
    faults: Impairments,
    geo: Option<Box<Placement>>,
    shard_ops: Vec<u64>,
    totals: Totals,
    window: Totals,
    rows: Vec<ReplicationRow>,
    log: Vec<LoggedEvent>,
}

impl Quorum {
    /// The running database of `m` (`quorum`).
    pub(super) fn new(
        m: &crate::model::Database,
        at: &super::super::Assembly,
        geo: Option<Box<Placement>>,
    ) -> Quorum {
        let Topology::Quorum { n, w, r, .. } = m.topology else {
            unreachable!("a quorum database")
        };
        let (seed, name) = (at.seed(), at.name);
        let nodes = m.nodes() as usize;
        Quorum {
            id: at.id,
            name: name.to_string(),
            topology: m.topology,
            per_shard: m.per_shard() as usize,
            n,
            w,
            r,
            serving: Serving::new(m, seed, name),
            lag: m.lag.clone(),
            partitioner: Partitioner::new(&m.partition, m.shards, name_hash(name)),
            nodes: (0..nodes).map(|_| Node::default()).collect(),
            shards: (0..m.shards)
                .map(|_| Shard {
                    whole: true,
                    ..Shard::default()
                })
                .collect(),
            pending: FxHashMap::default(),
            lag_stream: Stream::new(seed, name, "replication"),
            faults: Impairments::new(nodes, Stream::new(seed, name, "faults")),
            geo,
            shard_ops: vec![0; m.shards as usize],
            totals: Totals::default(),
            window: Totals::default(),
            rows: Vec::new(),
            log: Vec::new(),
        }
    }

    /// The first of the `n` nodes (within its shard) holding `key`.
    fn first_node(&self, key: u64) -> usize {
        // A multiplicative hash: spreads keys over start nodes evenly
        // whatever the partitioner did with them.
        (((key.wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> 32) % self.per_shard as u64) as usize
    }

    /// The node whose data center a call from `caller` is coordinated
    /// in: the shard's node nearest the caller (the lowest on ties). The
    /// call's hop goes to it and its reply comes back from it.
    fn coordinator(&self, shard: usize, caller: Option<DcId>) -> Option<usize> {
        let (Some(g), Some(from)) = (&self.geo, caller) else {
            return None;
        };
        let base = shard * self.per_shard;
        (base..base + self.per_shard)
            .min_by_key(|&i| g.distance[from as usize * g.datacenters + g.node_dc[i] as usize])
    }

    /// A one-way hop between the coordinator's data center and node `node`
    /// (plus `lag` going there).
    fn hop(&mut self, coordinator: DcId, node: usize, going: bool) -> u64 {
        let mut t = if going {
            self.lag.sample(&mut self.lag_stream).nanos()
        } else {
            0
        };
        if let Some(g) = &self.geo {
            let (a, b) = (coordinator as usize, g.node_dc[node] as usize);
            let (a, b) = if going { (a, b) } else { (b, a) };
            if let Some(d) = &g.crossing[a * g.datacenters + b] {
                t = t.saturating_add(d.sample(&mut self.lag_stream).nanos());
            }
        }
        t
    }

    /// A read or write arrives: it goes to each of its key's `n` nodes.
    fn arrive(&mut self, call: CallId, ctx: &mut Ctx) {
        let c = ctx.calls[call];
        let key = c.key.get();
        let shard = self.partitioner.shard_of(key) as usize;
        let caller = self.geo.as_ref().and_then(|g| g.caller_dc(call, ctx));
        let at = self.coordinator(shard, caller);
        // The call stands at its coordinator (for its reply's hop); a crash
        // there fails only the nodes' work, never the call itself.
        ctx.calls[call].instance = at.map_or(ANY_INSTANCE, |i| i as u32);
        let coordinator = match (&self.geo, at) {
            (Some(g), Some(i)) => g.node_dc[i],
            _ => 0,
        };
        let s = &mut self.shards[shard];
        let version = if c.op == Op::Write {
            s.versions += 1;
            s.versions
        } else {
            0
        };
        let p = Pending {
            key,
            shard: shard as u32,
            op: c.op,
            version,
            latest: s.acked.get(&key).copied().unwrap_or(0),
            need: if c.op == Op::Write { self.w } else { self.r },
            ok: 0,
            failed: 0,
            left: self.n,
            newest: 0,
            answered: false,
            coordinator,
        };
        self.pending.insert(call, p);
        let first = self.first_node(key);
        let base = shard * self.per_shard;
        for i in 0..self.n as usize {
            let node = base + (first + i) % self.per_shard;
            let job = Call {
                step: AT_NODE,
                crossed: true,
                ..c.child(call, self.id, node as u32)
            };
            let job = ctx.calls.insert(job);
            let t = self.hop(coordinator, node, true);
            if t == 0 {
                self.at_node(job, ctx);
            } else {
                ctx.events
                    .schedule(ctx.now + SimDuration(t), Event::Deliver { call: job });
            }
        }
    }

    /// A node's work reaches it.
    fn at_node(&mut self, job: CallId, ctx: &mut Ctx) {
        let node = ctx.calls[job].instance as usize;
        if self.faults.active()
            && let Some(_) = self.faults.refuse(node)
        {
            self.failed(job, ctx);
            return;
        }
        self.serving
            .admit(&mut self.nodes[node].station, node, job, &self.faults, ctx);
    }

    /// A node served its part: it applies the write or reads its version,
    /// and replies.
    fn served(&mut self, job: CallId, ctx: &mut Ctx) {
        let c = ctx.calls[job];
        let node = c.instance as usize;
        self.serving
            .release(&mut self.nodes[node].station, node, &self.faults, ctx);
        let parent = c.parent.expect("a node's work has its call");
        let p = self.pending[&parent];
        let n = &mut self.nodes[node];
        // The version the node holds after its part: a read's answer.
        let version = match p.op {
            Op::Write => {
                n.window.writes += 1;
                let held = n.held.entry(p.key).or_insert(0);
                *held = (*held).max(p.version);
                *held
            }
            Op::Read => {
                n.window.reads += 1;
                n.held.get(&p.key).copied().unwrap_or(0)
            }
        };
        let back = self.hop(p.coordinator, node, false);
        if back == 0 {
            self.replied(job, version, ctx);
        } else {
            // On its way back the reply is no longer the node's to fail.
            let j = &mut ctx.calls[job];
            j.step = BACK;
            j.instance = ANY_INSTANCE;
            // Carried in the key field of the node's work: the version.
            j.key = version.into();
            ctx.events.schedule(
                ctx.now + SimDuration(back),
                Event::ServiceDone { call: job },
            );
        }
    }

    /// A node's reply (holding `version`) reaches the coordinator.
    fn replied(&mut self, job: CallId, version: u64, ctx: &mut Ctx) {
        let parent = ctx.calls[job].parent.expect("a node's work has its call");
        ctx.calls.remove(job);
        let p = self.pending.get_mut(&parent).expect("pending");
        p.ok += 1;
        if !p.answered {
            p.newest = p.newest.max(version);
            if p.ok == p.need {
                p.answered = true;
                let p = *p;
                self.answer(parent, &p, ctx);
            }
        }
        self.one_less(parent);
    }

    /// A node could not do its part.
    fn failed(&mut self, job: CallId, ctx: &mut Ctx) {
        let parent = ctx.calls[job].parent.expect("a node's work has its call");
        ctx.calls.remove(job);
        let p = self.pending.get_mut(&parent).expect("pending");
        p.failed += 1;
        if !p.answered && p.failed > self.n - p.need {
            p.answered = true;
            self.totals.unavailable += 1;
            self.window.unavailable += 1;
            ctx.reply(parent, Outcome::Failed);
        }
        self.one_less(parent);
    }

    fn one_less(&mut self, parent: CallId) {
        let p = self.pending.get_mut(&parent).expect("pending");
        p.left -= 1;
        if p.left == 0 {
            self.pending.remove(&parent);
        }
    }

    /// The quorum is reached: the write is acknowledged, the read answered
    /// (stale or not).
    fn answer(&mut self, call: CallId, p: &Pending, ctx: &mut Ctx) {
        let s = &mut self.shards[p.shard as usize];
        self.shard_ops[p.shard as usize] += 1;
        match p.op {
            Op::Write => {
                let a = s.acked.entry(p.key).or_insert(0);
                *a = (*a).max(p.version);
                self.totals.writes += 1;
                self.window.writes += 1;
            }
            Op::Read => {
                self.totals.reads += 1;
                self.window.reads += 1;
                if p.newest < p.latest {
                    self.totals.stale += 1;
                    self.window.stale += 1;
                }
            }
        }
        ctx.reply(call, Outcome::Ok);
    }

    /// After a crash or a repair in `shard`: logs when its keys' writes or
    /// reads start or stop failing for want of live nodes.
    fn check_quorum(&mut self, shard: usize, now: SimTime) {
        let base = shard * self.per_shard;
        let per = self.per_shard;
        let worst = (0..per)
            .map(|first| {
                (0..self.n as usize)
                    .filter(|i| self.faults.is_up(base + (first + i) % per))
                    .count() as u32
            })
            .min()
            .unwrap_or(0);
        let whole = worst >= self.w && worst >= self.r;
        if whole == self.shards[shard].whole {
            return;
        }
        self.shards[shard].whole = whole;
        let (kind, detail) = if whole {
            (
                EventKind::QuorumRegained,
                format!("every key has {} of its {} nodes up", worst, self.n),
            )
        } else {
            let what = match (worst < self.w, worst < self.r) {
                (true, true) => "writes and reads",
                (true, false) => "writes",
                _ => "reads",
            };
            (
                EventKind::QuorumLost,
                format!(
                    "{what} of some keys fail: {worst} of their {} nodes up (w {}, r {})",
                    self.n, self.w, self.r
                ),
            )
        };
        let target = if self.shards.len() == 1 {
            self.name.clone()
        } else {
            format!("{}.shard{shard}", self.name)
        };
        self.log.push(LoggedEvent {
            time: now,
            kind,
            target,
            detail,
            fault: None,
        });
    }
}

impl super::super::Runtime for Quorum {
    fn on(&mut self, event: Event, ctx: &mut Ctx) {
        match event {
            Event::Deliver { call } => match ctx.calls[call].step {
                AT_NODE => self.at_node(call, ctx),
                _ => self.arrive(call, ctx),
            },
            Event::ServiceDone { call } => match ctx.calls[call].step {
                BACK => {
                    let version = ctx.calls[call].key.get();
                    self.replied(call, version, ctx)
                }
                _ => self.served(call, ctx),
            },
            _ => unreachable!("a quorum database hears no replies"),
        }
    }

    fn place(&mut self, call: CallId, ctx: &mut Ctx) -> Option<DcId> {
        self.geo.as_ref()?;
        let shard = self.partitioner.shard_of(ctx.calls[call].key.get()) as usize;
        let caller = self.geo.as_ref().and_then(|g| g.caller_dc(call, ctx));
        let at = self.coordinator(shard, caller)?;
        self.geo.as_ref().map(|g| g.node_dc[at])
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

    /// Appends a row per node and one for the database (`*`), and keeps
    /// the window's replication rows.
    fn report_window(&mut self, start: SimTime, end: SimTime, out: &mut Vec<ComponentRow>) {
        let len = end - start;
        let window = std::mem::take(&mut self.window);
        // Stale reads are the database's (a read's, not a node's).
        let mut all = ComponentRow {
            stale_reads: Some(window.stale),
            ..Serving::whole_row(start, self.id)
        };
        let blank = ReplicationRow {
            start,
            len,
            component: self.id,
            node: None,
            writes: 0,
            applied: 0,
            lag_ms: None,
            backlog: 0,
            conflicts: None,
            lost_updates: None,
            reads: 0,
            stale_reads: 0,
            unavailable: 0,
        };
        for (i, n) in self.nodes.iter_mut().enumerate() {
            let w = std::mem::take(&mut n.window);
            out.push(self.serving.node_row(
                &mut n.station,
                (self.id, i as u32),
                (start, end),
                self.faults.take_up(i),
                (w.writes + w.reads, 0, None),
                &mut all,
            ));
            self.rows.push(ReplicationRow {
                node: Some(i as u32),
                writes: w.writes,
                reads: w.reads,
                ..blank
            });
        }
        self.serving.finish_whole(&mut all, self.nodes.len());
        out.push(all);
        self.rows.push(ReplicationRow {
            writes: window.writes,
            reads: window.reads,
            stale_reads: window.stale,
            unavailable: window.unavailable,
            ..blank
        });
    }

    fn impairments(&mut self) -> &mut Impairments {
        &mut self.faults
    }

    /// Node `i` crashes: its part of every read and write it holds (or that
    /// is on its way to it) fails.
    fn crash(&mut self, i: u32, ctx: &mut Ctx) -> (bool, u64) {
        // The nodes' work only: a call coordinated at this node is not its.
        let mut held = held_calls(ctx.calls, self.id, Some(i));
        held.retain(|&c| ctx.calls[c].step == AT_NODE);
        if !self.faults.crash(i as usize) {
            return (false, 0);
        }
        self.nodes[i as usize].station.crash(ctx.now);
        for job in held {
            self.failed(job, ctx);
        }
        self.check_quorum(i as usize / self.per_shard, ctx.now);
        (true, 0)
    }

    fn restore(&mut self, i: u32, ctx: &mut Ctx) -> bool {
        if !self.faults.restore(i as usize) {
            return false;
        }
        self.check_quorum(i as usize / self.per_shard, ctx.now);
        true
    }

    fn cut(&mut self, _: Cut, _: bool, _: &mut Ctx) {}

    fn finish(&mut self, _: SimTime, out: &mut Ending) {
        out.replication.rows.append(&mut self.rows);
        out.replication.totals.push(ReplicationTotals {
            component: self.id,
            topology: self.topology,
            writes: self.totals.writes,
            conflicts: None,
            lost_updates: None,
            reads: self.totals.reads,
            stale_reads: self.totals.stale,
            unavailable: self.totals.unavailable,
        });
        out.replication_log.append(&mut self.log);
    }
}
