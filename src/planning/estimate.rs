//! `capsim estimate`: a closed-form estimate of a scenario's steady state,
//! per component and end to end, to set beside the simulation.
//!
//! The model of the estimate, and every approximation it makes:
//! - **Rate.** Open arrivals (`poisson`, `uniform`) are estimated at the
//!   schedule's highest level (capacity is planned for the peak); uniform
//!   arrivals are treated as Poisson (evenly spaced arrivals wait less, so
//!   the estimate is an upper bound on waiting). Classes split the rate by
//!   weight and `calls` with `when` split it again (Poisson splitting, exact).
//! - **Pools.** A balancer or a random pick spreads a pool's load evenly over
//!   its instances, each an independent M/G/c (exact for `random`; the other
//!   policies balance better, so their waits are overstated). An autoscaled
//!   pool is estimated at the count its rule settles on at that rate:
//!   `ceil(busy workers / (workers x target))` within `min..max`.
//! - **Service.** Per instance M/G/c, c = workers, holding time = service
//!   time PLUS the response times of the downstream calls made while the
//!   worker is held (computed bottom-up through the call graph). Waiting by
//!   Erlang C with the Allen-Cunneen factor `(1 + cs^2) / 2` (cs^2: the
//!   holding time's squared coefficient of variation; exact for M/M/c and,
//!   by Pollaczek-Khinchine, for M/G/1). The wait is taken as 0 with
//!   probability `1 - C` and exponential otherwise (for its variance). A
//!   bounded `queue` is M/M/c/K on the mean holding time (exact for
//!   exponential holding; `queue: 0`, Erlang B, is exact for any): the
//!   blocking probability is reported, and the callee's load is not thinned
//!   by it (conservative).
//! - **Cache.** Hit ratio by Che's approximation for LRU, extended to
//!   writes (a write deletes its key): a read of key k hits when the key's
//!   previous access was a read less than the characteristic time T ago,
//!   `h_k = r_k / (r_k + w_k) (1 - exp(-(r_k + w_k) T))`, with T such that the
//!   expected entries fill the capacity (instances x capacity: keys are
//!   hashed evenly over nodes). FIFO and RANDOM use the RANDOM-eviction
//!   chain `h_k = r_k T / (1 + (r_k + w_k) T)`; LFU is estimated as LRU (it
//!   keeps popular keys at least as well: conservative). TTL is ignored.
//!   Key spaces: the first 4,096 keys exactly, then buckets of 0.2% relative
//!   width (Zipf averaged over each bucket by its integral).
//! - **Database.** Reads and writes per shard from the keys reaching it (the
//!   first 4,096 keys mapped by the database's own partitioner; keys past
//!   them spread evenly for `hash` and `consistent_hash`, by their bucket's
//!   middle for `range`); reads split by `read_from` over the primary and
//!   the replicas; each node an M/G/c. `sync` and `semi_sync` add the lag's
//!   mean to a write's response (exact with one replica).
//! - **Queue.** Only `publish_time` is in the caller's path; the consumers
//!   pull, so the pool is one M/G/(instances x workers) fed at the publish
//!   rate, M/M/c/K when `capacity` bounds it.
//! - **Closed arrivals.** Exact mean-value analysis over the stations'
//!   own service demands (single-server stations exact; multi-server by
//!   Seidmann's approximation: a queue of demand D/m plus a delay of
//!   D (m-1)/m), Schweitzer's fixed point past 20 million steps. A worker
//!   held during a downstream call is not modelled by MVA (simultaneous
//!   possession). The component table then shows the MVA waits.
//! - **End to end.** The mean sums along each class's path, weighted by class
//!   and by cache hits; the variance sums the tiers' variances (independent
//!   tiers). p50 and p99 are those of a gamma distribution with that mean
//!   and variance (exact for M/M/1's exponential response time).
//! - Client timeouts and retries, call guards, breakers, rate limits,
//!   faults, sessions and health checks are ignored (and said so).

use std::collections::HashMap;

use crate::components::cache::estimate::CacheFlow;
use crate::components::database::estimate::DbFlow;
use crate::model::{
    Arrivals, ComponentKind, Dist, Eviction, Model, Op, Partition, Policy, ReadFrom,
    ReplicationMode,
};
use crate::queueing::{EXACT_KEYS, Mom, Net, Station, mix, station};
pub use crate::queueing::{erlang_c, gamma_quantile};

/// MVA steps (users x stations) done exactly before Schweitzer's fixed point.
const EXACT_MVA_STEPS: u64 = 20_000_000;

/// A scenario's estimated steady state.
#[derive(Clone, Debug)]
pub struct Estimate {
    /// The offered rate the estimate is for (open: the schedule's peak;
    /// closed: the MVA throughput), requests per second.
    pub rate_rps: f64,
    /// One row per component, in model order.
    pub components: Vec<ComponentEstimate>,
    /// End-to-end latency; `None` when some tier is saturated.
    pub end_to_end: Option<EndToEnd>,
    /// Tiers past saturation, and figures that cannot be trusted.
    pub warnings: Vec<String>,
    /// The approximations this scenario's estimate makes.
    pub notes: Vec<String>,
    /// The closed population, when arrivals are closed.
    pub closed: Option<ClosedEstimate>,
    /// Whether the open rate changes over the run (the estimate is then for
    /// its peak only, and a whole run's figures are lower).
    pub varying_rate: bool,
}

impl Estimate {
    /// Whether some tier is at or past saturation (no steady state).
    pub fn saturated(&self) -> bool {
        self.components.iter().any(|c| c.saturated)
    }

    /// The method and the rate, for one-line reports: `M/G/c, 1200 rps`,
    /// `M/G/c at the 4200 rps peak` or `MVA, N users, 190 rps`.
    pub fn method(&self) -> String {
        let rate = crate::report::csv::fixed(self.rate_rps, 1);
        match &self.closed {
            Some(c) => format!("MVA, {} users, {rate} rps", c.users),
            None if self.varying_rate => format!("M/G/c at the {rate} rps peak"),
            None => format!("M/G/c, {rate} rps"),
        }
    }
}

/// The estimate of a closed population.
#[derive(Clone, Debug)]
pub struct ClosedEstimate {
    /// Users.
    pub users: u32,
    /// Mean think time, seconds.
    pub think_s: f64,
    /// Throughput, requests per second.
    pub throughput_rps: f64,
    /// Mean response time, seconds.
    pub response_s: f64,
}

/// End-to-end latency of a request.
#[derive(Clone, Copy, Debug)]
pub struct EndToEnd {
    /// Mean, seconds.
    pub mean_s: f64,
    /// Median, seconds (gamma fit).
    pub p50_s: f64,
    /// 99th percentile, seconds (gamma fit).
    pub p99_s: f64,
    /// Standard deviation, seconds.
    pub sd_s: f64,
}

/// One component's estimate.
#[derive(Clone, Debug)]
pub struct ComponentEstimate {
    /// Its name.
    pub name: String,
    /// Its kind, as in the scenario.
    pub kind: &'static str,
    /// Requests (calls, lookups and stores for a cache, operations for a
    /// database, publishes for a queue) per second.
    pub offered_rps: f64,
    /// Instances or nodes the estimate uses.
    pub instances: u32,
    /// Utilisation per instance or node (the busiest where load is uneven);
    /// `None` for kinds that take no time (balancers, queues).
    pub utilization: Option<f64>,
    /// Mean time waiting for a worker, seconds; `None` past saturation.
    pub mean_wait_s: Option<f64>,
    /// Mean response time as a caller sees it (downstream work included),
    /// seconds; `None` past saturation (here or downstream).
    pub mean_response_s: Option<f64>,
    /// What the busiest instance or node can take, requests per second.
    pub capacity_rps: Option<f64>,
    /// Share of requests refused by a full bounded queue.
    pub rejected_share: Option<f64>,
    /// A cache's read hit ratio.
    pub hit_ratio: Option<f64>,
    /// The busiest node of a database (`shard3.primary`).
    pub busiest: Option<String>,
    /// Whether it is at or past saturation.
    pub saturated: bool,
    /// A database's reads and writes per second, shard by shard (empty for
    /// other kinds).
    pub shard_rps: Vec<f64>,
    /// What the kind adds, in words.
    pub detail: String,
}

/// What the bottom-up pass found of one component.
struct Eval {
    /// Per class: its response time as a caller sees it; `None` when not
    /// reached or past saturation.
    resp: Vec<Option<Mom>>,
    row: ComponentEstimate,
}

/// The stations' waits fixed by MVA (closed arrivals), keyed by component
/// and node (services and caches: node 0).
type Waits = HashMap<(usize, usize), f64>;

/// The open network evaluated at `lambda` requests a second.
fn evaluate(
    net: &Net,
    lambda: f64,
    waits: Option<&Waits>,
    notes: &mut Vec<String>,
) -> Vec<Option<Eval>> {
    let model = net.model;
    let n = model.components.len();
    let classes = model.traffic.classes.len();
    let mut out: Vec<Option<Eval>> = (0..n).map(|_| None).collect();
    let fixed = |x: usize, node: usize, st: Station| -> Station {
        match waits.and_then(|w| w.get(&(x, node))) {
            Some(&w) => Station {
                wait: Some(Mom {
                    mean: w,
                    var: w * w,
                }),
                saturated: false,
                ..st
            },
            None => st,
        }
    };
    for &x in net.order.iter().rev() {
        let comp = &model.components[x];
        let rates: Vec<f64> = net.rates[x].iter().map(|r| r * lambda).collect();
        let total: f64 = rates.iter().sum();
        let resp_of = |callee: usize, c: usize, out: &Vec<Option<Eval>>| -> Option<Mom> {
            out[callee].as_ref().and_then(|e| e.resp[c])
        };
        let mut row = ComponentEstimate {
            name: comp.name.clone(),
            kind: "",
            offered_rps: total,
            instances: 1,
            utilization: None,
            mean_wait_s: None,
            mean_response_s: None,
            capacity_rps: None,
            rejected_share: None,
            hit_ratio: None,
            busiest: None,
            saturated: false,
            shard_rps: Vec::new(),
            detail: String::new(),
        };
        let mut resp: Vec<Option<Mom>> = vec![None; classes];
        match &comp.kind {
            ComponentKind::Service(s) => {
                row.kind = "service";
                let own = Mom::of(&s.service_time);
                // Holding time per class: own work plus the calls it makes.
                let mut hold: Vec<Option<Mom>> = vec![None; classes];
                for (c, class) in model.traffic.classes.iter().enumerate() {
                    if rates[c] <= 0.0 {
                        continue;
                    }
                    let mut h = Some(own);
                    for call in &s.calls {
                        if call
                            .when
                            .as_ref()
                            .is_none_or(|w| w.matches(c as u16, class.op))
                        {
                            h = match (h, resp_of(call.to as usize, c, &out)) {
                                (Some(h), Some(r)) => Some(h.add(r)),
                                _ => None,
                            };
                        }
                    }
                    hold[c] = h;
                }
                let known = (0..classes).all(|c| rates[c] <= 0.0 || hold[c].is_some());
                let parts: Vec<(f64, Mom)> = (0..classes)
                    .filter_map(|c| hold[c].map(|h| (rates[c], h)))
                    .collect();
                let mut h = if parts.is_empty() { own } else { mix(&parts) };
                let w = u64::from(s.workers);
                // A USL size slows its own work by n / C(n) with n workers
                // busy: the mean-field fixed point of n = load x holding time.
                if let Some(u) = s.size.as_ref().and_then(|z| z.usl) {
                    let per = total / s.instances.max(1) as f64;
                    let mut f = 1.0;
                    for _ in 0..200 {
                        let busy = (per * (h.mean + own.mean * (f - 1.0))).clamp(1.0, w as f64);
                        f = u.slowdown(busy);
                    }
                    let extra = Mom {
                        mean: own.mean * (f - 1.0),
                        var: own.var * (f * f - 1.0),
                    };
                    h = h.add(extra);
                    for hc in hold.iter_mut().flatten() {
                        *hc = hc.add(extra);
                    }
                    notes.push(format!(
                        "`{}` has a USL size: its own work is estimated {f:.2}x slower, \
                         n / C(n) at the mean number of busy workers",
                        comp.name
                    ));
                }
                let mut inst = s.instances;
                if let Some(a) = s.autoscale
                    && waits.is_none()
                    && known
                {
                    let busy = total * h.mean / w as f64;
                    let want = (busy / a.target).ceil().max(1.0);
                    inst = (want.min(a.max as f64) as u32).max(a.min);
                    notes.push(format!(
                        "`{}` autoscales: estimated at {inst} instances, what its rule settles on \
                         at this rate (ceil({busy:.2} instances busy / target {}) within {}..{})",
                        comp.name, a.target, a.min, a.max
                    ));
                }
                row.instances = inst;
                let consumer = net.line(x);
                let st = if !known {
                    None
                } else if let Some(line) = consumer {
                    // Consumers pull from one line: one station of every worker.
                    let servers = u64::from(inst) * w;
                    let room = line.capacity.map(|k| k.saturating_sub(servers));
                    Some(fixed(x, 0, station(total, servers, h, room)))
                } else {
                    Some(fixed(
                        x,
                        0,
                        station(total / inst as f64, w, h, s.queue.map(u64::from)),
                    ))
                };
                if let Some(st) = st {
                    row.utilization = Some(st.util);
                    row.capacity_rps = Some(st.capacity);
                    row.saturated = st.saturated;
                    if s.queue.is_some() || consumer.is_some() {
                        row.rejected_share = Some(st.blocked);
                    }
                    if let Some(wait) = st.wait {
                        row.mean_wait_s = Some(wait.mean);
                        for c in 0..classes {
                            resp[c] = hold[c].map(|h| h.add(wait));
                        }
                    }
                    if consumer.is_some() {
                        row.capacity_rps = Some(st.capacity);
                        row.detail = "consumers: one line for all workers".into();
                    }
                }
            }
            ComponentKind::LoadBalancer(lb) => {
                row.kind = "load_balancer";
                for (c, r) in resp.iter_mut().enumerate() {
                    *r = resp_of(lb.to as usize, c, &out);
                }
                row.detail = format!("to {}", model.components[lb.to as usize].name);
            }
            ComponentKind::Queue(q) => {
                row.kind = "queue";
                let publish = Mom::of(&q.publish_time);
                for c in 0..classes {
                    if rates[c] > 0.0 {
                        resp[c] = Some(publish);
                    }
                }
                row.mean_wait_s = Some(0.0);
                let cons = q.consumers as usize;
                if let Some(e) = &out[cons] {
                    row.rejected_share = e.row.rejected_share;
                    row.detail = match e.row.mean_wait_s {
                        Some(w) => format!(
                            "messages wait {} for `{}`",
                            fmt_ms(w),
                            model.components[cons].name
                        ),
                        None => format!("`{}` cannot keep up", model.components[cons].name),
                    };
                }
            }
            ComponentKind::Cache(cache) => {
                row.kind = "cache";
                row.instances = cache.instances;
                let cf = net.kept::<CacheFlow>(x);
                row.hit_ratio = Some(cf.overall);
                let hit = Mom::of(&cache.hit_time);
                // Lookups and deletes, plus a store per read miss.
                let mut ops = 0.0;
                for (c, class) in model.traffic.classes.iter().enumerate() {
                    ops += match class.op {
                        Op::Read => rates[c] * (2.0 - cf.hit[c]),
                        Op::Write => rates[c],
                    };
                }
                row.offered_rps = ops;
                let st = fixed(
                    x,
                    0,
                    station(
                        ops / cache.instances as f64,
                        u64::from(cache.workers),
                        hit,
                        None,
                    ),
                );
                row.utilization = Some(st.util);
                row.capacity_rps = Some(st.capacity);
                row.saturated = st.saturated;
                if let Some(wait) = st.wait {
                    row.mean_wait_s = Some(wait.mean);
                    let look = hit.add(wait);
                    let miss_to = cache.on_miss as usize;
                    for (c, class) in model.traffic.classes.iter().enumerate() {
                        if rates[c] <= 0.0 {
                            continue;
                        }
                        let h = cf.hit[c];
                        resp[c] = match class.op {
                            Op::Write => resp_of(miss_to, c, &out).map(|r| look.add(r)),
                            Op::Read if h >= 1.0 => Some(look),
                            Op::Read => resp_of(miss_to, c, &out)
                                .map(|r| mix(&[(h, look), (1.0 - h, look.add(r).add(look))])),
                        };
                    }
                }
                row.detail = format!(
                    "hit ratio {:.1}% ({}{})",
                    cf.overall * 100.0,
                    if matches!(cache.eviction, Eviction::Lru) {
                        "Che, LRU".to_string()
                    } else if matches!(cache.eviction, Eviction::Lfu) {
                        "Che's LRU figure for lfu".to_string()
                    } else {
                        format!("{}: random-eviction approximation", cache.eviction.name())
                    },
                    if cache.ttl.is_some() {
                        ", ttl ignored"
                    } else {
                        ""
                    }
                );
            }
            ComponentKind::Database(d) => {
                row.kind = "database";
                row.instances = d.nodes();
                let df = net.kept::<DbFlow>(x);
                let (rt, wt) = (Mom::of(&d.read_time), Mom::of(&d.write_time));
                let lag = match d.replication {
                    ReplicationMode::Async => Mom::ZERO,
                    _ => Mom {
                        mean: d.lag.mean(),
                        var: 0.0,
                    },
                };
                let reps = d.replicas as f64;
                // Share of a shard's reads at its primary, and at each replica.
                let (p_share, r_share) = match d.read_from {
                    ReadFrom::Primary => (1.0, 0.0),
                    ReadFrom::Replicas if d.replicas > 0 => (0.0, 1.0 / reps),
                    ReadFrom::Replicas => (1.0, 0.0),
                    ReadFrom::Any => (1.0 / (1.0 + reps), 1.0 / (1.0 + reps)),
                };
                let shards = d.shards as usize;
                let (mut reads, mut writes) = (vec![0.0; shards], vec![0.0; shards]);
                for (c, class) in model.traffic.classes.iter().enumerate() {
                    for s in 0..shards {
                        let r = df.per_class[c][s] * lambda;
                        match class.op {
                            Op::Read => reads[s] += r,
                            Op::Write => writes[s] += r,
                        }
                    }
                }
                let workers = u64::from(d.workers);
                let mut prim = Vec::with_capacity(shards);
                let mut repl = Vec::with_capacity(shards);
                let mut busiest = (-1.0, String::new(), 0.0);
                let mut saturated = false;
                for s in 0..shards {
                    let pr = writes[s] + reads[s] * p_share;
                    let ph = mix(&[(writes[s], wt), (reads[s] * p_share, rt)]);
                    let node = s * (1 + d.replicas as usize);
                    let sp = fixed(x, node, station(pr, workers, ph, None));
                    if sp.util > busiest.0 {
                        busiest = (sp.util, format!("shard{s}.primary"), sp.capacity);
                    }
                    saturated |= sp.saturated;
                    prim.push(sp);
                    let rr = reads[s] * r_share;
                    let sr = fixed(x, node + 1, station(rr, workers, rt, None));
                    if r_share > 0.0 {
                        if sr.util > busiest.0 {
                            busiest = (sr.util, format!("shard{s}.replica0"), sr.capacity);
                        }
                        saturated |= sr.saturated;
                    }
                    repl.push(sr);
                }
                row.utilization = Some(busiest.0.max(0.0));
                row.capacity_rps = Some(busiest.2);
                row.shard_rps = (0..shards).map(|s| reads[s] + writes[s]).collect();
                row.saturated = saturated;
                row.detail = format!(
                    "busiest {}; all nodes: {} reads/s, {} writes/s over {} shard{}",
                    busiest.1,
                    fixed_rate(reads.iter().sum()),
                    fixed_rate(writes.iter().sum()),
                    shards,
                    if shards == 1 { "" } else { "s" }
                );
                row.busiest = Some(busiest.1);
                if !saturated {
                    let mut wait_parts = Vec::new();
                    for (c, class) in model.traffic.classes.iter().enumerate() {
                        if rates[c] <= 0.0 {
                            continue;
                        }
                        let mut parts = Vec::new();
                        for s in 0..shards {
                            let r = df.per_class[c][s];
                            match class.op {
                                Op::Write => {
                                    let w = prim[s].wait.unwrap_or(Mom::ZERO);
                                    parts.push((r, w.add(wt).add(lag)));
                                    wait_parts.push((r * lambda, w));
                                }
                                Op::Read => {
                                    let (wp, wr) = (
                                        prim[s].wait.unwrap_or(Mom::ZERO),
                                        repl[s].wait.unwrap_or(Mom::ZERO),
                                    );
                                    parts.push((r * p_share, wp.add(rt)));
                                    parts.push((r * (1.0 - p_share), wr.add(rt)));
                                    wait_parts.push((r * p_share * lambda, wp));
                                    wait_parts.push((r * (1.0 - p_share) * lambda, wr));
                                }
                            }
                        }
                        resp[c] = Some(mix(&parts));
                    }
                    row.mean_wait_s = Some(mix(&wait_parts).mean);
                }
            }
        }
        if total <= 0.0 && row.offered_rps <= 0.0 {
            row.detail = "no traffic reaches it".into();
            row.mean_wait_s = None;
        }
        let parts: Vec<(f64, Mom)> = (0..classes)
            .filter_map(|c| resp[c].map(|r| (rates[c], r)))
            .collect();
        let complete = (0..classes).all(|c| rates[c] <= 0.0 || resp[c].is_some());
        if complete && total > 0.0 {
            row.mean_response_s = Some(mix(&parts).mean);
        }
        out[x] = Some(Eval { resp, row });
    }
    out
}

fn fixed_rate(x: f64) -> String {
    crate::report::csv::fixed(x, 1)
}

fn fmt_ms(s: f64) -> String {
    format!("{} ms", crate::report::csv::fixed(s * 1e3, 3))
}

/// One MVA station: `mult` identical copies, demand per request per copy,
/// `servers` per copy.
struct MvaStation {
    key: (usize, usize),
    mult: f64,
    demand: f64,
    servers: f64,
    /// Mean holding time of one visit.
    service: f64,
}

/// Stations of the closed network at unit throughput (demands per request).
fn mva_stations(net: &Net) -> (Vec<MvaStation>, f64) {
    let model = net.model;
    let mut st = Vec::new();
    let mut delay = 0.0;
    for &x in &net.order {
        if net.line(x).is_some() {
            continue;
        }
        let rate: f64 = net.rates[x].iter().sum();
        if rate <= 0.0 {
            continue;
        }
        match &model.components[x].kind {
            ComponentKind::Service(s) => {
                let n = s.instances as f64;
                let sm = s.service_time.mean();
                st.push(MvaStation {
                    key: (x, 0),
                    mult: n,
                    demand: rate / n * sm,
                    servers: s.workers as f64,
                    service: sm,
                });
            }
            ComponentKind::Cache(c) => {
                let cf = net.kept::<CacheFlow>(x);
                let ops: f64 = model
                    .traffic
                    .classes
                    .iter()
                    .enumerate()
                    .map(|(i, cl)| match cl.op {
                        Op::Read => net.rates[x][i] * (2.0 - cf.hit[i]),
                        Op::Write => net.rates[x][i],
                    })
                    .sum();
                let n = c.instances as f64;
                let hm = c.hit_time.mean();
                st.push(MvaStation {
                    key: (x, 0),
                    mult: n,
                    demand: ops / n * hm,
                    servers: c.workers as f64,
                    service: hm,
                });
            }
            ComponentKind::Database(d) => {
                let df = net.kept::<DbFlow>(x);
                let reps = d.replicas as f64;
                let (p_share, r_share) = match d.read_from {
                    ReadFrom::Primary => (1.0, 0.0),
                    ReadFrom::Replicas if d.replicas > 0 => (0.0, 1.0 / reps),
                    ReadFrom::Replicas => (1.0, 0.0),
                    ReadFrom::Any => (1.0 / (1.0 + reps), 1.0 / (1.0 + reps)),
                };
                let (rm, wm) = (d.read_time.mean(), d.write_time.mean());
                for s in 0..d.shards as usize {
                    let (mut r, mut w) = (0.0, 0.0);
                    for (c, cl) in model.traffic.classes.iter().enumerate() {
                        match cl.op {
                            Op::Read => r += df.per_class[c][s],
                            Op::Write => w += df.per_class[c][s],
                        }
                    }
                    let node = s * (1 + d.replicas as usize);
                    let pr = w + r * p_share;
                    if pr > 0.0 {
                        let demand = w * wm + r * p_share * rm;
                        st.push(MvaStation {
                            key: (x, node),
                            mult: 1.0,
                            demand,
                            servers: d.workers as f64,
                            service: demand / pr,
                        });
                    }
                    if r * r_share > 0.0 {
                        st.push(MvaStation {
                            key: (x, node + 1),
                            mult: reps,
                            demand: r * r_share * rm,
                            servers: d.workers as f64,
                            service: rm,
                        });
                    }
                }
            }
            ComponentKind::Queue(q) => delay += rate * q.publish_time.mean(),
            ComponentKind::LoadBalancer(_) => {}
        }
    }
    (st, delay)
}

/// Mean-value analysis of `users` over `stations` with think time `z`:
/// throughput and the queue lengths each station's queueing part sees.
fn mva(stations: &[MvaStation], delay: f64, z: f64, users: u32) -> (f64, Vec<f64>) {
    // Seidmann: a queue of demand D/m and a delay of D (m - 1)/m.
    let dq: Vec<f64> = stations.iter().map(|s| s.demand / s.servers).collect();
    let fixed_delay: f64 = delay
        + stations
            .iter()
            .map(|s| s.mult * s.demand * (s.servers - 1.0) / s.servers)
            .sum::<f64>();
    let mut q = vec![0.0; stations.len()];
    let mut x = 0.0;
    let exact = u64::from(users) * (stations.len() as u64).max(1) <= EXACT_MVA_STEPS;
    if exact {
        for n in 1..=users {
            let r: Vec<f64> = dq.iter().zip(&q).map(|(d, q)| d * (1.0 + q)).collect();
            let total: f64 =
                r.iter().zip(stations).map(|(r, s)| r * s.mult).sum::<f64>() + fixed_delay;
            x = n as f64 / (z + total);
            if n < users {
                q = r.iter().map(|r| x * r).collect();
            } else {
                // The queues an arrival sees are those of n - 1 users.
                return (x, q);
            }
        }
        (x, q)
    } else {
        // Schweitzer: an arrival sees (N - 1)/N of the queues of N users.
        let nf = users as f64;
        let mut qn: Vec<f64> = vec![nf / (stations.len() as f64 + 1.0); stations.len()];
        for _ in 0..10_000 {
            let r: Vec<f64> = dq
                .iter()
                .zip(&qn)
                .map(|(d, q)| d * (1.0 + q * (nf - 1.0) / nf))
                .collect();
            let total: f64 =
                r.iter().zip(stations).map(|(r, s)| r * s.mult).sum::<f64>() + fixed_delay;
            x = nf / (z + total);
            let next: Vec<f64> = r.iter().map(|r| x * r).collect();
            let change = next
                .iter()
                .zip(&qn)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            qn = next;
            if change < 1e-9 * nf {
                break;
            }
        }
        (x, qn.iter().map(|q| q * (nf - 1.0) / nf).collect())
    }
}

/// Estimates `model`'s steady state (see the module's notes).
pub fn estimate(model: &Model) -> Estimate {
    let net = Net::new(model);
    let mut notes = Vec::new();
    let mut warnings = Vec::new();
    let (lambda, waits, closed) = match &model.traffic.arrivals {
        Arrivals::Poisson(s) | Arrivals::Uniform(s) => {
            let peak = s.peak();
            notes.push(format!(
                "open arrivals: estimated at the schedule's peak, {} rps (capacity is planned for the peak)",
                fixed_rate(peak)
            ));
            if matches!(model.traffic.arrivals, Arrivals::Uniform(_)) {
                notes.push(
                    "uniform arrivals treated as Poisson: evenly spaced arrivals wait less".into(),
                );
            }
            (peak, None, None)
        }
        Arrivals::Closed { users, think_time } => {
            let (st, delay) = mva_stations(&net);
            let z = think_time.mean();
            let (x, q) = mva(&st, delay, z, *users);
            let mut waits = Waits::new();
            for (s, q) in st.iter().zip(&q) {
                waits.insert(s.key, s.service * q / s.servers);
            }
            notes.push(format!(
                "closed arrivals: {users} users thinking {} on average; mean-value analysis \
                 (Seidmann for multi-server stations; workers held during calls not modelled)",
                fmt_ms(z)
            ));
            (x, Some(waits), Some((*users, z, x)))
        }
    };
    let evals = evaluate(&net, lambda, waits.as_ref(), &mut notes);
    let mut components = Vec::with_capacity(model.components.len());
    for (i, e) in evals.iter().enumerate() {
        let row = match e {
            Some(e) => e.row.clone(),
            None => ComponentEstimate {
                name: model.components[i].name.clone(),
                kind: kind_name(&model.components[i].kind),
                offered_rps: 0.0,
                instances: 1,
                utilization: None,
                mean_wait_s: None,
                mean_response_s: None,
                capacity_rps: None,
                rejected_share: None,
                hit_ratio: None,
                busiest: None,
                saturated: false,
                shard_rps: Vec::new(),
                detail: "no traffic reaches it".into(),
            },
        };
        if row.saturated {
            warnings.push(format!(
                "`{}` is past saturation: {}{} rps offered, {} rps of capacity{}",
                row.name,
                row.busiest
                    .as_ref()
                    .map(|b| format!("its busiest node {b} gets "))
                    .unwrap_or_default(),
                fixed_rate(busiest_offered(&row)),
                fixed_rate(row.capacity_rps.unwrap_or(0.0)),
                if row.instances > 1 && row.busiest.is_none() && row.kind != "service" {
                    String::new()
                } else if row.kind == "service" && row.instances > 1 {
                    " per instance".to_string()
                } else {
                    String::new()
                }
            ));
        }
        if let Some(b) = row.rejected_share.filter(|b| *b >= 0.01) {
            warnings.push(format!(
                "`{}` rejects {:.1}% of its requests (its queue is full)",
                row.name,
                b * 100.0
            ));
        }
        components.push(row);
    }
    if let Some((_, _, x)) = closed {
        possession(&components, x, &mut warnings);
    }
    infinite_variance(model, &mut warnings);
    ignored(model, &mut notes);
    if net.keys.bucketed
        && net.order.iter().any(|&x| {
            matches!(&model.components[x].kind,
                ComponentKind::Database(d) if !matches!(d.partition, Partition::Range { .. }))
        })
    {
        notes.push(format!(
            "database shards: the {EXACT_KEYS} most popular keys placed exactly, the others spread evenly"
        ));
    }
    let root = model.traffic.to as usize;
    let total_w: f64 = model.traffic.classes.iter().map(|c| c.weight).sum();
    let end_to_end = evals[root].as_ref().and_then(|e| {
        let mut parts = Vec::new();
        for (c, class) in model.traffic.classes.iter().enumerate() {
            parts.push((class.weight / total_w, e.resp[c]?));
        }
        let m = mix(&parts);
        if !m.mean.is_finite() || !m.var.is_finite() {
            return None;
        }
        Some(EndToEnd {
            mean_s: m.mean,
            p50_s: gamma_quantile(m.mean, m.var, 0.5),
            p99_s: gamma_quantile(m.mean, m.var, 0.99),
            sd_s: m.var.sqrt(),
        })
    });
    let end_to_end = if components.iter().any(|c| c.saturated) {
        None
    } else {
        end_to_end
    };
    Estimate {
        rate_rps: lambda,
        components,
        closed: closed.map(|(users, think_s, x)| ClosedEstimate {
            users,
            think_s,
            throughput_rps: x,
            response_s: end_to_end.map_or(f64::NAN, |e| e.mean_s),
        }),
        end_to_end,
        warnings,
        notes,
        varying_rate: match &model.traffic.arrivals {
            Arrivals::Poisson(s) | Arrivals::Uniform(s) => !s.change_points().is_empty(),
            Arrivals::Closed { .. } => false,
        },
    }
}

/// The offered rate of a row's busiest instance or node.
fn busiest_offered(row: &ComponentEstimate) -> f64 {
    match (row.utilization, row.capacity_rps) {
        (Some(u), Some(c)) if c.is_finite() => u * c,
        _ => row.offered_rps,
    }
}

fn kind_name(k: &ComponentKind) -> &'static str {
    match k {
        ComponentKind::Service(_) => "service",
        ComponentKind::LoadBalancer(_) => "load_balancer",
        ComponentKind::Cache(_) => "cache",
        ComponentKind::Database(_) => "database",
        ComponentKind::Queue(_) => "queue",
    }
}

/// Closed arrivals: warns of services whose workers, held through their
/// calls, would be more than busy at the MVA throughput `x` (MVA leaves
/// simultaneous possession out, so its figures are then optimistic).
fn possession(components: &[ComponentEstimate], x: f64, warnings: &mut Vec<String>) {
    for c in components {
        if c.kind == "service"
            && let Some(u) = c.utilization
            && u >= 1.0
        {
            warnings.push(format!(
                "`{}`'s workers are held through its calls (which mean-value analysis leaves \
                 out): at {} rps they would be {}% busy, so the pool's workers, not the \
                 stations, limit throughput: the closed-loop figures are optimistic",
                c.name,
                fixed_rate(x),
                fixed_rate(u * 100.0),
            ));
        }
    }
}

/// Warns of holding times with infinite variance (pareto with alpha <= 2).
fn infinite_variance(model: &Model, warnings: &mut Vec<String>) {
    for c in &model.components {
        let dists: Vec<&Dist> = match &c.kind {
            ComponentKind::Service(s) => vec![&s.service_time],
            ComponentKind::Cache(k) => vec![&k.hit_time],
            ComponentKind::Database(d) => vec![&d.read_time, &d.write_time],
            _ => continue,
        };
        if dists.iter().any(|d| !d.scv().is_finite()) {
            warnings.push(format!(
                "`{}` has a pareto time with alpha <= 2: infinite variance, so its mean wait \
                 (and the percentiles) have no finite estimate",
                c.name
            ));
        }
    }
}

/// Notes what the estimate leaves out for this scenario.
fn ignored(model: &Model, notes: &mut Vec<String>) {
    let mut left = Vec::new();
    if model.traffic.timeout.is_some() || model.traffic.retry.is_some() {
        left.push("client timeouts and retries");
    }
    let mut guards = false;
    let mut limits = false;
    let mut sessions = false;
    let mut policies = Vec::new();
    for c in &model.components {
        match &c.kind {
            ComponentKind::Service(s) => {
                guards |= s.calls.iter().any(|k| k.guard.is_some());
                limits |= s.rate_limit.is_some();
                sessions |= s.sessions.is_some();
            }
            ComponentKind::LoadBalancer(lb) => {
                limits |= lb.rate_limit.is_some();
                if lb.policy != Policy::Random {
                    policies.push(format!("`{}` ({})", c.name, lb.policy.name()));
                }
            }
            _ => {}
        }
    }
    if guards {
        left.push("call timeouts, retries and breakers");
    }
    if limits {
        left.push("rate limits");
    }
    if sessions {
        left.push("sessions (and their store reads)");
    }
    if !model.faults.is_empty() {
        left.push("faults");
    }
    if !left.is_empty() {
        notes.push(format!("ignored: {}", left.join(", ")));
    }
    if !policies.is_empty() {
        notes.push(format!(
            "{} estimated as an even random split: the policy balances better, so waits are overstated",
            policies.join(", ")
        ));
    }
}
