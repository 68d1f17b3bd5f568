//! `kind: database` with another topology than primary/replica in the
//! analytic estimate. `multi_primary` and `ring`: every node of a shard a
//! primary, a request served at its nearest node (at random without data
//! centers), replication taking no worker; the conflicts, lost updates and
//! stale reads of last-writer-wins in closed form per key
//! ([`crate::queueing::lww`]). `quorum`: each node takes the requests of
//! the keys it holds, and a request's latency is an order statistic of its
//! key's `n` nodes' times ([`crate::queueing::order`]).

use super::super::model::{Database, Topology};
use super::DbFlow;
use crate::engine::name_hash;
use crate::model::{ComponentId, DcId, Dist, Geo, Op, Partition, Partitioner};
use crate::queueing::geo::{add_place, placement};
use crate::queueing::lww::{self, Delay, Paths};
use crate::queueing::order::{NodeTime, order_stat};
use crate::queueing::{
    Eval, EvalCtx, Mom, MvaNet, MvaStation, Net, ReplicationEstimate, StaleReads, Station,
    fmt_rate, mix, station,
};

/// `1st`, `2nd`, `3rd`, `4th`, ... `11th`, `21st`.
fn ordinal(k: u32) -> String {
    let suffix = match (k % 10, k % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{k}{suffix}")
}

/// The first of the `n` nodes (within its shard) holding `key`, as the
/// runtime hashes it (`quorum.rs`'s `first_node`): a multiplicative hash,
/// spreading keys over start nodes evenly whatever the partitioner did.
fn first_node(key: u64, per_shard: usize) -> usize {
    ((key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % per_shard as u64) as usize
}

/// A `quorum` time's case: shard, start node, coordinator's data center
/// and whether a read.
type QuorumCase = (usize, usize, Option<DcId>, bool);

/// What routing learns of such a database.
pub struct TopoFlow {
    /// `multi_primary`, `ring`: per class, the share of a shard's calls at
    /// each of its nodes (shard 0's layout: every shard's nodes stand
    /// alike); empty with `quorum`.
    pub shares: Vec<Vec<f64>>,
    /// `multi_primary`, `ring`: per key segment, its reads and writes at
    /// each node.
    pub keys: Vec<KeyLoad>,
    /// `quorum`: per class, shard and start node (the first of a key's `n`
    /// nodes), requests a second at unit total rate.
    pub starts: Vec<Vec<Vec<f64>>>,
    /// `quorum` with data centers, per class: the callers' data centers
    /// and their shares of its calls (empty: no calls from a component).
    pub callers: Vec<Vec<(DcId, f64)>>,
}

/// One key segment's load on one shard's nodes, at unit total rate.
pub struct KeyLoad {
    /// Keys in the segment.
    pub count: f64,
    /// Per node: reads a second of one of its keys.
    pub reads: Vec<f64>,
    /// Per node: writes a second of one of its keys.
    pub writes: Vec<f64>,
}

/// Every shard's nodes as stations, one per node.
struct Nodes {
    /// Per shard: the stations, and each one's requests a second.
    st: Vec<Vec<(Station, f64)>>,
    /// The busiest node: its utilisation, name and capacity.
    busiest: (f64, String, f64),
    /// Whether some node is past saturation.
    saturated: bool,
}

impl Database {
    /// With data centers: the nodes of a shard a caller in `from` is served
    /// at, ranked as [`Database::slots_for`] ranks `nearest` (whole
    /// nanoseconds of mean latency, no link farthest); ties share alike.
    fn nearest_nodes(&self, geo: &Geo, y: usize, from: DcId) -> Vec<u32> {
        let per = self.per_shard();
        let rank = |slot: u32| {
            geo.mean_latency(from, geo.dc_of(y as ComponentId, slot))
                .map_or(u64::MAX, |s| (s * 1e9) as u64)
        };
        let best = (0..per).map(rank).min().unwrap_or(0);
        (0..per).filter(|&s| rank(s) == best).collect()
    }

    /// What routing keeps for a topology other than primary/replica.
    pub(super) fn topo_flow(&self, x: usize, net: &Net) -> TopoFlow {
        if matches!(self.topology, Topology::Quorum { .. }) {
            return self.quorum_flow(x, net);
        }
        let classes = &net.model.traffic.classes;
        let per = self.per_shard() as usize;
        let mut shares = vec![vec![1.0 / per as f64; per]; classes.len()];
        if let Some(geo) = &net.model.geo {
            let mut acc = vec![vec![0.0; per]; classes.len()];
            let mut totals = vec![0.0; classes.len()];
            for (from, _, rates) in net.edges.iter().filter(|e| e.1 == x) {
                let slots = self.nearest_nodes(geo, x, placement(net.model, *from));
                for (c, &r) in rates.iter().enumerate().filter(|e| *e.1 > 0.0) {
                    for &s in &slots {
                        acc[c][s as usize] += r / slots.len() as f64;
                    }
                    totals[c] += r;
                }
            }
            for (c, total) in totals.iter().enumerate() {
                if *total > 0.0 {
                    shares[c] = acc[c].iter().map(|a| a / total).collect();
                }
            }
        }
        let keys = &net.keys;
        let mut out = Vec::with_capacity(keys.segments());
        for s in 0..keys.segments() {
            let (mut reads, mut writes) = (vec![0.0; per], vec![0.0; per]);
            for (c, class) in classes.iter().enumerate() {
                let Some(f) = net.flow(x, c) else { continue };
                let rate = f.scale * keys.p[c][s] * f.thin.as_ref().map_or(1.0, |t| t[s]);
                if rate <= 0.0 {
                    continue;
                }
                let into = if class.op == Op::Read {
                    &mut reads
                } else {
                    &mut writes
                };
                for (v, share) in into.iter_mut().zip(&shares[c]) {
                    *v += rate * share;
                }
            }
            out.push(KeyLoad {
                count: keys.count[s],
                reads,
                writes,
            });
        }
        TopoFlow {
            shares,
            keys: out,
            starts: Vec::new(),
            callers: Vec::new(),
        }
    }

    /// `quorum`: each class's requests by shard and start node: the most
    /// popular keys by the database's partitioner and the runtime's hash of
    /// a key to its first node, the bucketed ones spread evenly (over
    /// shards as [`Database::route`] spreads them, and over start nodes).
    fn quorum_flow(&self, x: usize, net: &Net) -> TopoFlow {
        let model = net.model;
        let keys = &net.keys;
        let (shards, per) = (self.shards as usize, self.per_shard() as usize);
        let part = Partitioner::new(
            &self.partition,
            self.shards,
            name_hash(&model.components[x].name),
        );
        let classes = &model.traffic.classes;
        let mut starts = vec![vec![vec![0.0; per]; shards]; classes.len()];
        for (c, into) in starts.iter_mut().enumerate() {
            let Some(f) = net.flow(x, c) else { continue };
            for s in 0..keys.segments() {
                let rate =
                    f.scale * keys.p[c][s] * keys.count[s] * f.thin.as_ref().map_or(1.0, |t| t[s]);
                if rate <= 0.0 {
                    continue;
                }
                let (a, n) = (keys.start[s], keys.count[s] as u64);
                let shard = if n == 1 {
                    Some(part.shard_of(a) as usize)
                } else if matches!(self.partition, Partition::Range { .. }) {
                    Some(part.shard_of(a + n / 2) as usize)
                } else {
                    None
                };
                let start = (n == 1).then(|| first_node(a, per));
                let sh: Vec<usize> = shard.map_or_else(|| (0..shards).collect(), |s| vec![s]);
                let st: Vec<usize> = start.map_or_else(|| (0..per).collect(), |p| vec![p]);
                let each = rate / (sh.len() * st.len()) as f64;
                for &i in &sh {
                    for &p in &st {
                        into[i][p] += each;
                    }
                }
            }
        }
        let mut callers = vec![Vec::new(); classes.len()];
        if model.geo.is_some() {
            for (from, _, rates) in net.edges.iter().filter(|e| e.1 == x) {
                let dc = placement(model, *from);
                for (c, &r) in rates.iter().enumerate().filter(|e| *e.1 > 0.0) {
                    add_place(&mut callers[c], dc, r);
                }
            }
            for v in &mut callers {
                let total: f64 = v.iter().map(|p| p.1).sum();
                v.iter_mut().for_each(|p| p.1 /= total);
            }
        }
        TopoFlow {
            shares: Vec::new(),
            keys: Vec::new(),
            starts,
            callers,
        }
    }

    /// `quorum` with data centers: where the coordinator of a call from
    /// `from` to shard `s` stands, as the runtime places it: the data
    /// center of the node nearest the caller (the lowest node on ties).
    fn coordinator(&self, geo: &Geo, y: usize, s: usize, from: DcId) -> DcId {
        let per = self.per_shard();
        let dcs = (0..per).map(|j| geo.dc_of(y as ComponentId, s as u32 * per + j));
        dcs.min_by_key(|&dc| {
            geo.mean_latency(from, dc)
                .map_or(u64::MAX, |l| (l * 1e9) as u64)
        })
        .unwrap_or(from)
    }

    /// With data centers: where class `c`'s calls from `from` are served,
    /// shares per data center (`quorum`: where the database stands).
    pub(super) fn topo_places(
        &self,
        y: usize,
        net: &Net,
        c: usize,
        from: DcId,
        geo: &Geo,
    ) -> Vec<(DcId, f64)> {
        let per_shard = &net.kept::<DbFlow>(y).per_class[c];
        let total: f64 = per_shard.iter().sum();
        if matches!(self.topology, Topology::Quorum { .. }) {
            // The call goes to its coordinator.
            let mut out = Vec::new();
            for (s, rate) in per_shard.iter().enumerate() {
                let w = if total > 0.0 {
                    rate / total
                } else {
                    1.0 / self.shards as f64
                };
                add_place(&mut out, self.coordinator(geo, y, s, from), w);
            }
            return out;
        }
        let per = self.per_shard();
        let slots = self.nearest_nodes(geo, y, from);
        let mut out = Vec::new();
        for shard in 0..self.shards {
            let w = if total > 0.0 {
                per_shard[shard as usize] / total
            } else {
                1.0 / self.shards as f64
            };
            for &slot in &slots {
                let dc = geo.dc_of(y as ComponentId, shard * per + slot);
                add_place(&mut out, dc, w / slots.len() as f64);
            }
        }
        out
    }

    /// Every shard's nodes at these loads.
    fn topo_stations(&self, at: &EvalCtx, df: &DbFlow) -> Nodes {
        let (rt, wt) = (Mom::of(&self.read_time), Mom::of(&self.write_time));
        let workers = u64::from(self.workers);
        let per = self.per_shard() as usize;
        let topo = df.topo.as_ref().expect("kept for this topology");
        let mut nodes = Nodes {
            st: Vec::with_capacity(self.shards as usize),
            busiest: (-1.0, String::new(), 0.0),
            saturated: false,
        };
        for s in 0..self.shards as usize {
            let loads: Vec<(f64, f64)> = match self.topology {
                Topology::Quorum { n, .. } => (0..per)
                    .map(|j| {
                        let (mut r, mut w) = (0.0, 0.0);
                        for (c, class) in at.classes().iter().enumerate() {
                            // The start nodes whose keys node j holds.
                            let rate: f64 = (0..per)
                                .filter(|p| (j + per - p) % per < n as usize)
                                .map(|p| topo.starts[c][s][p])
                                .sum::<f64>()
                                * at.lambda;
                            match class.op {
                                Op::Read => r += rate,
                                Op::Write => w += rate,
                            }
                        }
                        (r, w)
                    })
                    .collect(),
                _ => (0..per)
                    .map(|j| {
                        let (mut r, mut w) = (0.0, 0.0);
                        for (c, class) in at.classes().iter().enumerate() {
                            let rate = df.per_class[c][s] * at.lambda * topo.shares[c][j];
                            match class.op {
                                Op::Read => r += rate,
                                Op::Write => w += rate,
                            }
                        }
                        (r, w)
                    })
                    .collect(),
            };
            let mut row = Vec::with_capacity(loads.len());
            for (j, (r, w)) in loads.into_iter().enumerate() {
                let hold = mix(&[(w, wt), (r, rt)]);
                let st = at.fixed(s * per + j, station(r + w, workers, hold, None));
                if st.util > nodes.busiest.0 {
                    nodes.busiest = (st.util, format!("shard{s}.node{j}"), st.capacity);
                }
                nodes.saturated |= st.saturated;
                row.push((st, r + w));
            }
            nodes.st.push(row);
        }
        nodes
    }

    /// `quorum`: what a node of shard `s` adds to its time away from the
    /// coordinator: the lag's mean, and with data centers a link's mean
    /// latency each way between the coordinator's data center and the
    /// node's.
    fn quorum_delay(&self, at: &EvalCtx, s: usize, j: usize, coordinator: Option<DcId>) -> f64 {
        let lag = self.lag.mean();
        let (Some(geo), Some(from)) = (&at.model().geo, coordinator) else {
            return lag;
        };
        let dc = geo.dc_of(at.x as ComponentId, s as u32 * self.per_shard() + j as u32);
        let link = |a: DcId, b: DcId| match geo.link_between(a, b) {
            Some((l, _)) if a != b => geo.links[l].latency.mean(),
            _ => 0.0,
        };
        lag + link(from, dc) + link(dc, from)
    }

    /// `quorum`: the time of an `op` at shard `s` for a key whose first node
    /// is `p`: the `w`-th (`r`-th) fastest of its `n` nodes, each `delay +
    /// its wait + hold`, independent.
    fn quorum_time(
        &self,
        at: &EvalCtx,
        nodes: &Nodes,
        (s, p): (usize, usize),
        coordinator: Option<DcId>,
        op: Op,
    ) -> Mom {
        let Topology::Quorum { n, w, r, .. } = self.topology else {
            unreachable!("quorum only");
        };
        let (k, hold) = match op {
            Op::Write => (w, &self.write_time),
            Op::Read => (r, &self.read_time),
        };
        let per = self.per_shard() as usize;
        let set: Vec<NodeTime> = (0..n as usize)
            .map(|i| {
                let j = (p + i) % per;
                NodeTime {
                    delay: self.quorum_delay(at, s, j, coordinator),
                    wait: nodes.st[s][j].0.wait.unwrap_or(Mom::ZERO),
                    hold,
                }
            })
            .collect();
        order_stat(&set, k as usize)
    }

    /// `quorum`: class `c`'s time at the database, over its callers' data
    /// centers, shards and start nodes (each distinct case computed once,
    /// kept in `cache`).
    fn quorum_class(
        &self,
        at: &EvalCtx,
        topo: &TopoFlow,
        nodes: &Nodes,
        c: usize,
        cache: &mut Vec<(QuorumCase, Mom)>,
    ) -> Mom {
        let op = at.classes()[c].op;
        let geo = at.model().geo.as_deref();
        let callers: Vec<(Option<DcId>, f64)> = match geo {
            Some(_) if !topo.callers[c].is_empty() => {
                topo.callers[c].iter().map(|&(d, w)| (Some(d), w)).collect()
            }
            Some(_) => vec![(Some(placement(at.model(), at.x)), 1.0)],
            None => vec![(None, 1.0)],
        };
        let mut parts = Vec::new();
        for (from, share) in callers {
            for (s, starts) in topo.starts[c].iter().enumerate() {
                let coordinator = geo.zip(from).map(|(g, f)| self.coordinator(g, at.x, s, f));
                for (p, &rate) in starts.iter().enumerate() {
                    if rate <= 0.0 {
                        continue;
                    }
                    let key = (s, p, coordinator, op == Op::Read);
                    let t = match cache.iter().find(|e| e.0 == key) {
                        Some(e) => e.1,
                        None => {
                            let t = self.quorum_time(at, nodes, (s, p), coordinator, op);
                            cache.push((key, t));
                            t
                        }
                    };
                    parts.push((share * rate, t));
                }
            }
        }
        mix(&parts)
    }

    /// Each class's response time at the database, and the mean wait of
    /// all node visits.
    fn topo_responses(&self, at: &EvalCtx, df: &DbFlow, nodes: &Nodes, out: &mut Eval) {
        let (rt, wt) = (Mom::of(&self.read_time), Mom::of(&self.write_time));
        let topo = df.topo.as_ref().expect("kept for this topology");
        let shards = self.shards as usize;
        let mut waits = Vec::new();
        for row in &nodes.st {
            for (st, rate) in row {
                waits.push((*rate, st.wait.unwrap_or(Mom::ZERO)));
            }
        }
        let quorum = matches!(self.topology, Topology::Quorum { .. });
        let mut cache = Vec::new();
        for (c, class) in at.classes().iter().enumerate() {
            if at.rates[c] <= 0.0 {
                continue;
            }
            if quorum {
                out.resp[c] = Some(self.quorum_class(at, topo, nodes, c, &mut cache));
                continue;
            }
            let mut parts = Vec::new();
            for s in 0..shards {
                let share = df.per_class[c][s];
                if share <= 0.0 {
                    continue;
                }
                let hold = if class.op == Op::Read { rt } else { wt };
                for (j, (st, _)) in nodes.st[s].iter().enumerate() {
                    let w = st.wait.unwrap_or(Mom::ZERO);
                    parts.push((share * topo.shares[c][j], w + hold));
                }
            }
            out.resp[c] = Some(mix(&parts));
        }
        out.row.mean_wait_s = Some(mix(&waits).mean);
    }

    /// `multi_primary`, `ring`: how writes travel between a shard's nodes
    /// (shard 0's data centers) at total rate `lambda`: each hop the lag
    /// plus, between data centers, the link's latency, through a channel
    /// applying in commit order every write it carries (a primary's to
    /// another: all it commits; a ring's hop: all but its next node's),
    /// the shard's share of them.
    fn paths(&self, at: &EvalCtx, topo: &TopoFlow) -> Paths {
        let geo = at.model().geo.as_deref();
        let x = at.x;
        let per = self.per_shard() as usize;
        let mut commits = vec![0.0; per];
        for seg in &topo.keys {
            for (c, w) in commits.iter_mut().zip(&seg.writes) {
                *c += seg.count * w * at.lambda / self.shards as f64;
            }
        }
        let link = |i: usize, j: usize| {
            geo.and_then(|g| {
                let (a, b) = (
                    g.dc_of(x as ComponentId, i as u32),
                    g.dc_of(x as ComponentId, j as u32),
                );
                if a == b {
                    return None;
                }
                g.link_between(a, b).map(|(l, _)| &g.links[l].latency)
            })
        };
        // Hops alike (the same link, the same rate) computed once.
        let mut made: Vec<(Option<*const Dist>, u64, Delay)> = Vec::new();
        let mut delay = |i: usize, j: usize, rate: f64| {
            let l = link(i, j);
            let key = (l.map(|d| d as *const Dist), rate.to_bits());
            if let Some(m) = made.iter().find(|m| (m.0, m.1) == key) {
                return m.2.clone();
            }
            let parts: Vec<&Dist> = std::iter::once(&self.lag).chain(l).collect();
            let d = Delay::in_order(&parts, rate);
            made.push((key.0, key.1, d.clone()));
            d
        };
        let total: f64 = commits.iter().sum();
        match self.topology {
            Topology::Ring { .. } => Paths::Ring(
                (0..per)
                    .map(|i| {
                        let next = (i + 1) % per;
                        delay(i, next, total - commits[next])
                    })
                    .collect(),
            ),
            _ => Paths::Mesh(
                (0..per)
                    .map(|i| {
                        (0..per)
                            .map(|j| {
                                if i == j {
                                    Delay::drawn(&[])
                                } else {
                                    delay(i, j, commits[i])
                                }
                            })
                            .collect()
                    })
                    .collect(),
            ),
        }
    }

    /// `multi_primary`, `ring`: the shares of writes conflicting and lost,
    /// and of reads stale, at total rate `lambda`, key segment by segment
    /// (each key's writes at each node Poisson).
    fn lww_shares(&self, at: &EvalCtx, topo: &TopoFlow) -> (f64, f64, f64) {
        let paths = self.paths(at, topo);
        let per = paths.writers();
        let (mut conflicts, mut lost, mut writes) = (0.0, 0.0, 0.0);
        let (mut stale, mut reads) = (0.0, 0.0);
        let mut w = vec![0.0; per];
        for seg in &topo.keys {
            let any_writes = seg.writes.iter().any(|v| *v > 0.0);
            if !any_writes {
                reads += seg.count * seg.reads.iter().sum::<f64>() * at.lambda;
                continue;
            }
            for (v, s) in w.iter_mut().zip(&seg.writes) {
                *v = s * at.lambda;
            }
            for (i, f) in lww::figures(&paths, &w).iter().enumerate() {
                if w[i] > 0.0 {
                    let n = seg.count * w[i];
                    conflicts += n * f.conflict;
                    lost += n * f.lost;
                    writes += n;
                }
                let r = seg.reads[i] * at.lambda;
                if r > 0.0 {
                    stale += seg.count * r * f.stale;
                    reads += seg.count * r;
                }
            }
        }
        let share = |x: f64, of: f64| if of > 0.0 { x / of } else { 0.0 };
        (
            share(conflicts, writes),
            share(lost, writes),
            share(stale, reads),
        )
    }

    /// The replication figures of the row.
    fn topo_figures(
        &self,
        at: &EvalCtx,
        df: &DbFlow,
        reads: f64,
        writes: f64,
        resp: &[Option<Mom>],
    ) -> ReplicationEstimate {
        let by_op = |op: Op| {
            let mut parts = Vec::new();
            for (c, class) in at.classes().iter().enumerate() {
                if class.op == op && at.rates[c] > 0.0 {
                    parts.push((at.rates[c], resp[c]?));
                }
            }
            (!parts.is_empty()).then(|| mix(&parts).mean)
        };
        let (topology, conflicts, lost_updates, stale_reads) = match self.topology {
            Topology::Quorum { nodes, n, w, r } => (
                if nodes == n {
                    format!("quorum (n={n}, w={w}, r={r})")
                } else {
                    format!("quorum (n={n} of {nodes}, w={w}, r={r})")
                },
                None,
                None,
                if r + w > n {
                    StaleReads::Never
                } else {
                    StaleReads::Possible
                },
            ),
            Topology::MultiPrimary { primaries } | Topology::Ring { primaries } => {
                let topo = df.topo.as_ref().expect("kept for this topology");
                let (c, l, s) = self.lww_shares(at, topo);
                (
                    format!("{} ({primaries})", self.topology.name()),
                    Some(c),
                    Some(l),
                    StaleReads::Share(s),
                )
            }
            Topology::PrimaryReplica => unreachable!("other topologies only"),
        };
        ReplicationEstimate {
            topology,
            writes_rps: writes,
            reads_rps: reads,
            conflicts,
            lost_updates,
            stale_reads,
            write_s: by_op(Op::Write),
            read_s: by_op(Op::Read),
        }
    }

    /// The estimate of a database with another topology than
    /// primary/replica.
    pub(super) fn topo_evaluate(&self, at: &EvalCtx, out: &mut Eval, notes: &mut Vec<String>) {
        out.row.instances = self.nodes();
        let df = at.net.kept::<DbFlow>(at.x);
        let (reads, writes) = self.shard_loads(at, df);
        let nodes = self.topo_stations(at, df);
        let shards = self.shards as usize;
        let (total_r, total_w): (f64, f64) = (reads.iter().sum(), writes.iter().sum());
        let row = &mut out.row;
        let busiest = &nodes.busiest;
        row.utilization = Some(busiest.0.max(0.0));
        row.capacity_rps = Some(busiest.2);
        row.shard_rps = (0..shards).map(|s| reads[s] + writes[s]).collect();
        row.saturated = nodes.saturated;
        let s = if shards == 1 { "" } else { "s" };
        row.detail = match self.topology {
            Topology::Quorum { nodes, n, .. } => {
                let f = f64::from(n);
                format!(
                    "busiest {}; all nodes: {} reads/s, {} writes/s over {shards} shard{s} \
                     (each request at {n} of {nodes} nodes)",
                    busiest.1,
                    fmt_rate(total_r * f),
                    fmt_rate(total_w * f),
                )
            }
            _ => format!(
                "busiest {}; all nodes: {} reads/s, {} writes/s over {shards} shard{s}",
                busiest.1,
                fmt_rate(total_r),
                fmt_rate(total_w),
            ),
        };
        row.busiest = Some(busiest.1.clone());
        if !nodes.saturated {
            self.topo_responses(at, df, &nodes, out);
        }
        out.row.replication = Some(self.topo_figures(at, df, total_r, total_w, &out.resp));
        self.topo_notes(at, notes);
    }

    /// What this database's estimate approximates, said once per database.
    fn topo_notes(&self, at: &EvalCtx, notes: &mut Vec<String>) {
        let name = at.name();
        let note = match self.topology {
            Topology::Quorum { n, w, r, .. } => {
                let mut s = format!(
                    "`{name}` (quorum): each node takes the reads and writes of the keys it holds \
                     (the most popular placed by the runtime's hash of a key to its first node, \
                     the others spread evenly); a write's time is the {} fastest of its {n} \
                     nodes' (the lag's mean, with data centers the link's both ways between the \
                     coordinator and the node, the node's M/G/c wait and write_time), a read's \
                     the {} (with read_time), order statistics of independent nodes",
                    ordinal(w),
                    ordinal(r)
                );
                if r + w <= n {
                    s.push_str("; r + w <= n: stale reads possible, not estimated");
                }
                if at.closed() {
                    s.push_str(
                        "; mean-value analysis counts every one of the n node visits \
                         (no fork and join): pessimistic",
                    );
                }
                s
            }
            _ => format!(
                "`{name}` ({}): each request at its nearest node (at random without data \
                 centers), replication taking no worker; conflicts, lost updates and stale \
                 reads from each key's Poisson writes at each node (a conflict: another node \
                 commits within the two one-way delays; lost: within the delay to it; stale: \
                 the key's newest write not there yet), averaged over keys by their writes \
                 (stale: reads)",
                self.topology.name()
            ),
        };
        if !notes.contains(&note) {
            notes.push(note);
        }
    }

    /// The stations for mean-value analysis.
    pub(super) fn topo_mva(&self, x: usize, net: &Net, into: &mut MvaNet) {
        let df = net.kept::<DbFlow>(x);
        let (rm, wm) = (self.read_time.mean(), self.write_time.mean());
        let per = self.per_shard() as usize;
        let classes = &net.model.traffic.classes;
        let topo = df.topo.as_ref().expect("kept for this topology");
        for s in 0..self.shards as usize {
            let mut add = |node: usize, mult: f64, r: f64, w: f64| {
                if r + w > 0.0 {
                    let demand = r * rm + w * wm;
                    into.stations.push(MvaStation {
                        key: (x, node),
                        mult,
                        demand,
                        servers: self.workers as f64,
                        service: demand / (r + w),
                    });
                }
            };
            match self.topology {
                Topology::Quorum { n, .. } => {
                    for j in 0..per {
                        let (mut r, mut w) = (0.0, 0.0);
                        for (c, cl) in classes.iter().enumerate() {
                            let v: f64 = (0..per)
                                .filter(|p| (j + per - p) % per < n as usize)
                                .map(|p| topo.starts[c][s][p])
                                .sum();
                            match cl.op {
                                Op::Read => r += v,
                                Op::Write => w += v,
                            }
                        }
                        add(s * per + j, 1.0, r, w);
                    }
                }
                _ => {
                    for j in 0..per {
                        let (mut r, mut w) = (0.0, 0.0);
                        for (c, cl) in classes.iter().enumerate() {
                            let v = df.per_class[c][s] * topo.shares[c][j];
                            match cl.op {
                                Op::Read => r += v,
                                Op::Write => w += v,
                            }
                        }
                        add(s * per + j, 1.0, r, w);
                    }
                }
            }
        }
    }
}
