//! `kind: database` in the analytic estimate: the keys reaching it mapped
//! to shards by its own partitioner, each shard's primary and replicas an
//! M/G/c (the other topologies in [`topology`]).

mod topology;

use super::model::{Database, ReadFrom, ReplicationMode, Topology};
use crate::engine::name_hash;
use crate::model::{ComponentId, DcId, Dist, Geo, Op, Partition, Partitioner};
use crate::queueing::geo::add_place;
use crate::queueing::{
    EXACT_KEYS, Eval, EvalCtx, KindEstimate, Mom, MvaNet, MvaStation, Net, Station, fmt_rate, mix,
    station,
};

/// Reads and writes per shard, per class.
pub struct DbFlow {
    /// `per_class[class][shard]`: requests a second at unit total rate.
    pub per_class: Vec<Vec<f64>>,
    /// With data centers: where reads go within a shard, by slot (0: the
    /// primary), per class and (last) of all reads, from the callers' data
    /// centers; `None` without them (reads split by `read_from` alone).
    pub read_slots: Option<Vec<Vec<f64>>>,
    /// With another topology than primary/replica: what its estimate
    /// needs; `None` for primary/replica.
    pub topo: Option<topology::TopoFlow>,
}

impl DbFlow {
    /// The share of a shard's reads at its primary and at its busiest
    /// replica, of class `c` or (`None`) of all reads; `even` without data
    /// centers.
    fn split(&self, c: Option<usize>, even: (f64, f64)) -> (f64, f64) {
        let Some(slots) = &self.read_slots else {
            return even;
        };
        let s = &slots[c.unwrap_or(slots.len() - 1)];
        let busiest = s.iter().skip(1).copied().fold(0.0, f64::max);
        (s[0], busiest)
    }
}

/// A database's nodes as stations, shard by shard.
struct Nodes {
    /// Each shard's primary.
    prim: Vec<Station>,
    /// Each shard's replicas (one stands for all: they share its reads).
    repl: Vec<Station>,
    /// The busiest node: its utilisation, name and capacity.
    busiest: (f64, String, f64),
    /// Whether some node that takes requests is past saturation.
    saturated: bool,
}

impl Database {
    /// With data centers: the slots of a shard (0: its primary) a class-`op`
    /// call from a caller in `from` goes to, each taken alike, as the
    /// runtime picks with every node up: writes the primary; reads by
    /// `read_from`, `nearest` the nodes of least mean latency from the
    /// caller (`within` in its own data center), replicas before the
    /// primary.
    fn slots_for(&self, geo: &Geo, y: usize, shard: u32, op: Op, from: DcId) -> Vec<u32> {
        let per = 1 + self.replicas;
        let replicas: Vec<u32> = (1..per).collect();
        match (op, self.read_from) {
            (Op::Write, _) | (Op::Read, ReadFrom::Primary) => vec![0],
            (Op::Read, ReadFrom::Replicas) if self.replicas > 0 => replicas,
            (Op::Read, ReadFrom::Replicas) => vec![0],
            (Op::Read, ReadFrom::Any) => (0..per).collect(),
            (Op::Read, ReadFrom::Nearest) => {
                // As the runtime ranks: whole nanoseconds of mean latency,
                // no link farthest, then the primary after the replicas.
                let rank = |slot: u32| {
                    let dc = geo.dc_of(y as ComponentId, shard * per + slot);
                    let dist = geo
                        .mean_latency(from, dc)
                        .map_or(u64::MAX, |s| (s * 1e9) as u64);
                    (dist, slot == 0)
                };
                let best = (0..per).map(rank).min().unwrap_or((0, true));
                (0..per).filter(|&s| rank(s) == best).collect()
            }
        }
    }

    /// With data centers: per class (then of all reads), the share of a
    /// shard's reads at each of its slots, from the calls reaching
    /// component `x` and where each caller stands (shard 0's layout: every
    /// shard's nodes stand alike).
    fn read_slots(&self, x: usize, net: &Net) -> Option<Vec<Vec<f64>>> {
        let geo = net.model.geo.as_ref()?;
        let per = (1 + self.replicas) as usize;
        let classes = &net.model.traffic.classes;
        let mut out = vec![vec![0.0; per]; classes.len() + 1];
        let mut totals = vec![0.0; classes.len() + 1];
        for (from, _, rates) in net.edges.iter().filter(|e| e.1 == x) {
            let dc = crate::queueing::geo::placement(net.model, *from);
            for (c, &r) in rates.iter().enumerate() {
                if classes[c].op != Op::Read || r <= 0.0 {
                    continue;
                }
                let slots = self.slots_for(geo, x, 0, Op::Read, dc);
                for &slot in &slots {
                    let w = r / slots.len() as f64;
                    out[c][slot as usize] += w;
                    out[classes.len()][slot as usize] += w;
                }
                totals[c] += r;
                totals[classes.len()] += r;
            }
        }
        let even = self.read_shares();
        for (shares, total) in out.iter_mut().zip(&totals) {
            if *total > 0.0 {
                shares.iter_mut().for_each(|s| *s /= total);
            } else {
                // No reads from anywhere: as without data centers.
                shares[0] = even.0;
                shares.iter_mut().skip(1).for_each(|s| *s = even.1);
            }
        }
        Some(out)
    }

    /// With data centers: what the link between a shard's primary and its
    /// replicas adds to the lag a write's reply waits for, mean seconds:
    /// `sync` the farthest replica's, `semi_sync` the nearest's (the mean
    /// of the max or min of the draws is taken as the max or min of the
    /// means: exact for constant latencies); 0 inside one data center.
    fn crossing_lag(&self, at: &EvalCtx) -> f64 {
        let Some(geo) = &at.model().geo else {
            return 0.0;
        };
        let y = at.x as ComponentId;
        let primary = geo.dc_of(y, 0);
        let extra = (1..=self.replicas).map(|slot| {
            let dc = geo.dc_of(y, slot);
            match geo.link_between(primary, dc) {
                Some((l, _)) if dc != primary => geo.links[l].latency.mean(),
                _ => 0.0,
            }
        });
        match self.replication {
            ReplicationMode::Sync => extra.fold(0.0, f64::max),
            ReplicationMode::SemiSync => extra.fold(f64::INFINITY, f64::min).min(f64::MAX),
            ReplicationMode::Async => 0.0,
        }
    }

    /// The share of a shard's reads at its primary, and at each replica.
    fn read_shares(&self) -> (f64, f64) {
        let reps = self.replicas as f64;
        match self.read_from {
            ReadFrom::Primary => (1.0, 0.0),
            ReadFrom::Replicas | ReadFrom::Nearest if self.replicas > 0 => (0.0, 1.0 / reps),
            ReadFrom::Replicas | ReadFrom::Nearest => (1.0, 0.0),
            ReadFrom::Any => (1.0 / (1.0 + reps), 1.0 / (1.0 + reps)),
        }
    }

    /// Reads and writes a second per shard, all classes together.
    fn shard_loads(&self, at: &EvalCtx, df: &DbFlow) -> (Vec<f64>, Vec<f64>) {
        let shards = self.shards as usize;
        let (mut reads, mut writes) = (vec![0.0; shards], vec![0.0; shards]);
        for (c, class) in at.classes().iter().enumerate() {
            for s in 0..shards {
                let r = df.per_class[c][s] * at.lambda;
                match class.op {
                    Op::Read => reads[s] += r,
                    Op::Write => writes[s] += r,
                }
            }
        }
        (reads, writes)
    }

    /// Every shard's primary and replicas at these loads.
    fn stations(&self, at: &EvalCtx, reads: &[f64], writes: &[f64]) -> Nodes {
        let (rt, wt) = (Mom::of(&self.read_time), Mom::of(&self.write_time));
        let (p_share, r_share) = at.net.kept::<DbFlow>(at.x).split(None, self.read_shares());
        let shards = self.shards as usize;
        let workers = u64::from(self.workers);
        let mut prim = Vec::with_capacity(shards);
        let mut repl = Vec::with_capacity(shards);
        let mut busiest = (-1.0, String::new(), 0.0);
        let mut saturated = false;
        for s in 0..shards {
            let pr = writes[s] + reads[s] * p_share;
            let ph = mix(&[(writes[s], wt), (reads[s] * p_share, rt)]);
            let node = s * (1 + self.replicas as usize);
            let sp = at.fixed(node, station(pr, workers, ph, None));
            if sp.util > busiest.0 {
                busiest = (sp.util, format!("shard{s}.primary"), sp.capacity);
            }
            saturated |= sp.saturated;
            prim.push(sp);
            let rr = reads[s] * r_share;
            let sr = at.fixed(node + 1, station(rr, workers, rt, None));
            if r_share > 0.0 {
                if sr.util > busiest.0 {
                    busiest = (sr.util, format!("shard{s}.replica0"), sr.capacity);
                }
                saturated |= sr.saturated;
            }
            repl.push(sr);
        }
        Nodes {
            prim,
            repl,
            busiest,
            saturated,
        }
    }

    /// Each class's response time through the shards' nodes, and the mean
    /// wait of all requests.
    fn responses(&self, at: &EvalCtx, df: &DbFlow, nodes: &Nodes, out: &mut Eval) {
        let (rt, wt) = (Mom::of(&self.read_time), Mom::of(&self.write_time));
        let lag = match self.replication {
            ReplicationMode::Async => Mom::ZERO,
            _ => Mom {
                mean: self.lag.mean() + self.crossing_lag(at),
                var: 0.0,
            },
        };
        let lambda = at.lambda;
        let mut wait_parts = Vec::new();
        for (c, class) in at.classes().iter().enumerate() {
            if at.rates[c] <= 0.0 {
                continue;
            }
            let (p_share, _) = df.split(Some(c), self.read_shares());
            let mut parts = Vec::new();
            for s in 0..self.shards as usize {
                let r = df.per_class[c][s];
                match class.op {
                    Op::Write => {
                        let w = nodes.prim[s].wait.unwrap_or(Mom::ZERO);
                        parts.push((r, w + wt + lag));
                        wait_parts.push((r * lambda, w));
                    }
                    Op::Read => {
                        let (wp, wr) = (
                            nodes.prim[s].wait.unwrap_or(Mom::ZERO),
                            nodes.repl[s].wait.unwrap_or(Mom::ZERO),
                        );
                        parts.push((r * p_share, wp + rt));
                        parts.push((r * (1.0 - p_share), wr + rt));
                        wait_parts.push((r * p_share * lambda, wp));
                        wait_parts.push((r * (1.0 - p_share) * lambda, wr));
                    }
                }
            }
            out.resp[c] = Some(mix(&parts));
        }
        out.row.mean_wait_s = Some(mix(&wait_parts).mean);
    }
}

impl KindEstimate for Database {
    fn places(&self, y: usize, net: &Net, c: usize, from: DcId) -> Vec<(DcId, f64)> {
        let Some(geo) = &net.model.geo else {
            return Vec::new();
        };
        if self.topology != Topology::PrimaryReplica {
            return self.topo_places(y, net, c, from, geo);
        }
        let op = net.model.traffic.classes[c].op;
        // Shards weighted by the class's calls to each (equal when none).
        let per_shard = &net.kept::<DbFlow>(y).per_class[c];
        let total: f64 = per_shard.iter().sum();
        let mut out = Vec::new();
        for shard in 0..self.shards {
            let w = if total > 0.0 {
                per_shard[shard as usize] / total
            } else {
                1.0 / self.shards as f64
            };
            let slots = self.slots_for(geo, y, shard, op, from);
            for &slot in &slots {
                let dc = geo.dc_of(y as ComponentId, shard * (1 + self.replicas) + slot);
                add_place(&mut out, dc, w / slots.len() as f64);
            }
        }
        out
    }

    fn route(&self, x: usize, net: &mut Net) {
        let model = net.model;
        let keys = &net.keys;
        let shards = self.shards as usize;
        let part = Partitioner::new(
            &self.partition,
            self.shards,
            name_hash(&model.components[x].name),
        );
        // Each segment's shard, or `None`: spread evenly.
        let shard_of: Vec<Option<usize>> = (0..keys.segments())
            .map(|s| {
                let (a, n) = (keys.start[s], keys.count[s] as u64);
                if n == 1 {
                    Some(part.shard_of(a) as usize)
                } else if matches!(self.partition, Partition::Range { .. }) {
                    Some(part.shard_of(a + n / 2) as usize)
                } else {
                    None
                }
            })
            .collect();
        let mut per_class = Vec::new();
        for c in 0..model.traffic.classes.len() {
            let mut v = vec![0.0; shards];
            if let Some(f) = net.flow(x, c) {
                let p = &keys.p[c];
                let mut even = 0.0;
                for s in 0..keys.segments() {
                    let rate =
                        f.scale * p[s] * keys.count[s] * f.thin.as_ref().map_or(1.0, |t| t[s]);
                    match shard_of[s] {
                        Some(i) => v[i] += rate,
                        None => even += rate,
                    }
                }
                for x in &mut v {
                    *x += even / shards as f64;
                }
            }
            per_class.push(v);
        }
        let (read_slots, topo) = if self.topology == Topology::PrimaryReplica {
            (self.read_slots(x, net), None)
        } else {
            (None, Some(self.topo_flow(x, net)))
        };
        net.keep(
            x,
            DbFlow {
                per_class,
                read_slots,
                topo,
            },
        );
    }
    fn evaluate(&self, at: &EvalCtx, out: &mut Eval, notes: &mut Vec<String>) {
        if self.topology != Topology::PrimaryReplica {
            return self.topo_evaluate(at, out, notes);
        }
        out.row.instances = self.nodes();
        let df = at.net.kept::<DbFlow>(at.x);
        let (reads, writes) = self.shard_loads(at, df);
        let nodes = self.stations(at, &reads, &writes);
        let shards = self.shards as usize;
        let row = &mut out.row;
        let busiest = &nodes.busiest;
        row.utilization = Some(busiest.0.max(0.0));
        row.capacity_rps = Some(busiest.2);
        row.shard_rps = (0..shards).map(|s| reads[s] + writes[s]).collect();
        row.saturated = nodes.saturated;
        row.detail = format!(
            "busiest {}; all nodes: {} reads/s, {} writes/s over {} shard{}",
            busiest.1,
            fmt_rate(reads.iter().sum()),
            fmt_rate(writes.iter().sum()),
            shards,
            if shards == 1 { "" } else { "s" }
        );
        row.busiest = Some(busiest.1.clone());
        if !nodes.saturated {
            self.responses(at, df, &nodes, out);
        }
    }

    fn mva(&self, x: usize, net: &Net, _rate: f64, into: &mut MvaNet) {
        if self.topology != Topology::PrimaryReplica {
            return self.topo_mva(x, net, into);
        }
        let df = net.kept::<DbFlow>(x);
        let reps = self.replicas as f64;
        let (p_share, r_share) = df.split(None, self.read_shares());
        let (rm, wm) = (self.read_time.mean(), self.write_time.mean());
        for s in 0..self.shards as usize {
            let (mut r, mut w) = (0.0, 0.0);
            for (c, cl) in net.model.traffic.classes.iter().enumerate() {
                match cl.op {
                    Op::Read => r += df.per_class[c][s],
                    Op::Write => w += df.per_class[c][s],
                }
            }
            let node = s * (1 + self.replicas as usize);
            let pr = w + r * p_share;
            if pr > 0.0 {
                let demand = w * wm + r * p_share * rm;
                into.stations.push(MvaStation {
                    key: (x, node),
                    mult: 1.0,
                    demand,
                    servers: self.workers as f64,
                    service: demand / pr,
                });
            }
            if r * r_share > 0.0 {
                into.stations.push(MvaStation {
                    key: (x, node + 1),
                    mult: reps,
                    demand: r * r_share * rm,
                    servers: self.workers as f64,
                    service: rm,
                });
            }
        }
    }

    fn holding_times(&self) -> Vec<&Dist> {
        vec![&self.read_time, &self.write_time]
    }

    fn bucket_note(&self) -> Option<String> {
        // Range partitions place a bucket by its middle key; the others
        // spread the keys past the exact head evenly.
        (!matches!(self.partition, Partition::Range { .. })).then(|| {
            format!(
                "database shards: the {EXACT_KEYS} most popular keys placed exactly, the others spread evenly"
            )
        })
    }
}
