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
//! - **Replication topologies** (`components/database/estimate/topology.rs`).
//!   `multi_primary` and `ring`: a request at its nearest node (at random
//!   without data centers), each node an M/G/c, replication taking no
//!   worker; conflicts, lost updates and stale reads in closed form from
//!   each key's Poisson writes at each node (`queueing::lww`: exact for
//!   constant delays; a random lag through the channel's commit order by
//!   its steady-state delay), averaged over keys by their writes (reads).
//!   `quorum`: each node takes `n / nodes` of its shard's reads and writes;
//!   a write's time is the `w`-th order statistic of its `n` nodes' times
//!   (lag, the M/G/c wait, the holding time), a read's the `r`-th
//!   (`queueing::order`); stale reads none when `r + w > n`, else possible
//!   (no estimate).
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
//! - **Data centers** (only with `datacenters`; see `queueing::geo`). Each
//!   call and its reply cross once: `within` inside a data center, the
//!   link's latency (its mean, its variance added per crossing) between
//!   two; a database's calls mixed over the nodes they go to (`nearest`
//!   from the caller's data center). Each origin's requests enter where
//!   its DNS's policy sends them (`nearest`: its nearest entry point;
//!   `weighted`: by weight; `failover`: the first, every entry point up)
//!   and pay the origin's latency both ways; the end-to-end figures mix
//!   the origins by share. A link direction with `bandwidth` is an M/D/1
//!   at its mean message size (Pollaczek-Khinchine wait; approximate for
//!   mixed sizes). Cost: the sizes (price factors applied) plus the bytes
//!   across priced links.
//! - **Flow** ([flow], `queueing::flow`). A `parallel` call holds the
//!   worker for the `join`-th fastest of its branches' response times
//!   (independent; Rényi's closed form for identical exponentials, else
//!   the order statistic of gamma fits), every branch taking the whole
//!   call rate (abandoned ones too: conservative). A `hedge: h` call takes
//!   `min(R1, h + R2)` (closed form for an exponential response, else the
//!   gamma fit integrated) and sends `P(R > h)` more calls to its callee;
//!   a `bulkhead: K` rejects Erlang B(K, a) of its calls (per caller
//!   instance, `a` = calls x the call's mean time), failing their requests
//!   and thinning the later calls. Both loads change the callee's response
//!   time, so the network is routed again until they settle. A `pool: K`
//!   adds the wait of an M/G/K queue per caller instance (Erlang C,
//!   Allen-Cunneen; holding time: the call's). `discipline: priority`
//!   multiplies each class's wait by `(1 - rho) / ((1 - s_{k-1}) (1 -
//!   s_k))` (Cobham: exact for M/G/1 and M/M/c; the M/G/c wait so scaled
//!   otherwise); `lifo` keeps FIFO's mean wait, `codel`'s drops are not
//!   modelled. Autoscaling on `rps_per_instance` settles at `ceil(rate /
//!   target)`, on `queue_len` at the fewest instances whose mean requests
//!   waiting per instance are within the target; `backlog` is not
//!   estimated (the starting count).
//! - Client timeouts and retries, call guards, breakers, rate limits,
//!   faults, sessions and health checks are ignored (and said so).

use crate::model::{Arrivals, Model};
use crate::queueing::{
    CallLoads, Eval, EvalCtx, Ignored, Mom, MvaNet, Net, Waits, fmt_ms, fmt_rate, mix, mva,
};
pub use crate::queueing::{
    ComponentEstimate, GeoEstimate, HopEstimate, LinkEstimate, OriginEstimate, erlang_c,
    gamma_quantile,
};

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
    /// With data centers: the origins, hops, links and cost; `None`
    /// without them.
    pub geo: Option<GeoEstimate>,
}

impl Estimate {
    /// Whether some tier is at or past saturation (no steady state).
    pub fn saturated(&self) -> bool {
        self.components.iter().any(|c| c.saturated)
            || self.geo.as_ref().is_some_and(|g| g.saturated())
    }

    /// The method and the rate, for one-line reports: `M/G/c, 1200 rps`,
    /// `M/G/c at the 4200 rps peak` or `MVA, N users, 190 rps`.
    pub fn method(&self) -> String {
        let rate = fmt_rate(self.rate_rps);
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

/// The open network evaluated at `lambda` requests a second, callees
/// before callers, each component by its kind.
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
    for &x in net.order.iter().rev() {
        let comp = &model.components[x];
        let kind = comp.kind.estimate();
        let rates: Vec<f64> = net.rates[x].iter().map(|r| r * lambda).collect();
        let at = EvalCtx::new(net, x, lambda, &rates, waits, &out);
        let total = at.total;
        let mut e = Eval {
            resp: vec![None; classes],
            row: ComponentEstimate::new(&comp.name, kind.kind().name(), total),
            loads: Vec::new(),
        };
        kind.evaluate(&at, &mut e, notes);
        let row = &mut e.row;
        if total <= 0.0 && row.offered_rps <= 0.0 {
            row.detail = "no traffic reaches it".into();
            row.mean_wait_s = None;
        }
        let parts: Vec<(f64, Mom)> = (0..classes)
            .filter_map(|c| e.resp[c].map(|r| (rates[c], r)))
            .collect();
        let complete = (0..classes).all(|c| rates[c] <= 0.0 || e.resp[c].is_some());
        if complete && total > 0.0 {
            row.mean_response_s = Some(mix(&parts).mean);
        }
        out[x] = Some(e);
    }
    out
}

/// The closed network at unit throughput, each component's kind adding its
/// stations (a pool consuming a queue is in no request's path).
fn mva_net(net: &Net) -> MvaNet {
    let mut into = MvaNet::default();
    for &x in &net.order {
        if net.line(x).is_some() {
            continue;
        }
        let rate: f64 = net.rates[x].iter().sum();
        if rate <= 0.0 {
            continue;
        }
        net.model.components[x]
            .kind
            .estimate()
            .mva(x, net, rate, &mut into);
    }
    if net.model.geo.is_some() {
        // The network's latency is a pure delay to MVA.
        into.delay += crate::queueing::geo::pure_delay(net);
    }
    into
}

/// The rate the network is estimated at, with the waits MVA fixes and the
/// closed population (users, think time, throughput) for closed arrivals.
type Arrival = (f64, Option<Waits>, Option<(u32, f64, f64)>);

/// The rate the estimate is for: an open schedule's peak, or the MVA
/// throughput of a closed population.
fn arrival(net: &Net, notes: &mut Vec<String>) -> Arrival {
    let model = net.model;
    match &model.traffic.arrivals {
        Arrivals::Poisson(s) | Arrivals::Uniform(s) => {
            let peak = s.peak();
            notes.push(format!(
                "open arrivals: estimated at the schedule's peak, {} rps (capacity is planned for the peak)",
                fmt_rate(peak)
            ));
            if matches!(model.traffic.arrivals, Arrivals::Uniform(_)) {
                notes.push(
                    "uniform arrivals treated as Poisson: evenly spaced arrivals wait less".into(),
                );
            }
            (peak, None, None)
        }
        Arrivals::Closed { users, think_time } => {
            let closed = mva_net(net);
            let st = &closed.stations;
            let z = think_time.mean();
            let (x, q) = mva(st, closed.delay, z, *users);
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
    }
}

/// Every component's row in model order (those no traffic reaches too),
/// warning of saturated tiers and full queues.
fn rows(
    model: &Model,
    evals: &[Option<Eval>],
    warnings: &mut Vec<String>,
) -> Vec<ComponentEstimate> {
    let mut components = Vec::with_capacity(model.components.len());
    for (i, e) in evals.iter().enumerate() {
        let kind = model.components[i].kind.estimate();
        let row = match e {
            Some(e) => e.row.clone(),
            None => {
                let mut row =
                    ComponentEstimate::new(&model.components[i].name, kind.kind().name(), 0.0);
                row.detail = "no traffic reaches it".into();
                row
            }
        };
        let pools = row.flow.as_ref().map_or(Vec::new(), |f| {
            f.calls
                .iter()
                .filter(|c| c.pool_saturated)
                .map(|c| c.to.clone())
                .collect()
        });
        for to in &pools {
            warnings.push(format!(
                "`{}`'s pool to `{to}` is past saturation: its calls wait without bound",
                row.name
            ));
        }
        if row.saturated && pools.is_empty() {
            warnings.push(format!(
                "`{}` is past saturation: {}{} rps offered, {} rps of capacity{}",
                row.name,
                row.busiest
                    .as_ref()
                    .map(|b| format!("its busiest node {b} gets "))
                    .unwrap_or_default(),
                fmt_rate(busiest_offered(&row)),
                fmt_rate(row.capacity_rps.unwrap_or(0.0)),
                if kind.capacity_per_instance() && row.instances > 1 {
                    " per instance"
                } else {
                    ""
                }
            ));
        }
        if let Some(b) = row.rejected_share.filter(|b| *b >= 0.01) {
            let bulkheads = row
                .flow
                .as_ref()
                .is_some_and(|f| f.calls.iter().any(|c| c.rejected.is_some_and(|r| r > 0.0)));
            warnings.push(format!(
                "`{}` rejects {:.1}% of its requests ({})",
                row.name,
                b * 100.0,
                if bulkheads {
                    "its queue or a bulkhead is full"
                } else {
                    "its queue is full"
                }
            ));
        }
        components.push(row);
    }
    components
}

/// The end-to-end latency at the entry, classes mixed by weight (with
/// data centers, origins by share too, each through its entry points);
/// `None` when some class has no response time or the moments are not
/// finite.
fn end_to_end(model: &Model, evals: &[Option<Eval>]) -> Option<EndToEnd> {
    let root = model.traffic.to as usize;
    let total_w: f64 = model.traffic.classes.iter().map(|c| c.weight).sum();
    let mut parts = Vec::new();
    match &model.geo {
        None => {
            let e = evals[root].as_ref()?;
            for (c, class) in model.traffic.classes.iter().enumerate() {
                parts.push((class.weight / total_w, e.resp[c]?));
            }
        }
        Some(geo) => {
            let resp = |x: usize, c: usize| evals[x].as_ref().and_then(|e| e.resp[c]);
            for (o, origin) in geo.origins.iter().enumerate() {
                for (c, class) in model.traffic.classes.iter().enumerate() {
                    let m = crate::queueing::geo::origin_response(model, o, c, &resp)?;
                    parts.push((origin.share * class.weight / total_w, m));
                }
            }
        }
    }
    fit(mix(&parts))
}

/// The gamma fit of a response time's moments; `None` when they are not
/// finite.
fn fit(m: Mom) -> Option<EndToEnd> {
    if !m.mean.is_finite() || !m.var.is_finite() {
        return None;
    }
    Some(EndToEnd {
        mean_s: m.mean,
        p50_s: gamma_quantile(m.mean, m.var, 0.5),
        p99_s: gamma_quantile(m.mean, m.var, 0.99),
        sd_s: m.var.sqrt(),
    })
}

/// With data centers: the origins, hops, links and cost at `lambda`,
/// warning of saturated links and noting the approximations.
fn geo(
    net: &Net,
    lambda: f64,
    evals: &[Option<Eval>],
    warnings: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Option<GeoEstimate> {
    let resp = |x: usize, c: usize| evals[x].as_ref().and_then(|e| e.resp[c]);
    let g = crate::queueing::geo::estimate(net, lambda, &resp)?;
    let model = net.model;
    let geo = model.geo.as_ref()?;
    for l in g.links.iter().filter(|l| l.saturated) {
        warnings.push(format!(
            "link `{}` is past saturation: {} bytes/s offered, {} bytes/s of bandwidth",
            l.name,
            fmt_rate(l.bytes_ps),
            fmt_rate(geo.links[l.link].bandwidth_bps.unwrap_or(0.0) / 8.0)
        ));
    }
    notes.push(
        "data centers: each call and its reply cross once (`within`, or the link's latency); \
         origins enter by the DNS's policy with every entry point up and pay their latency \
         both ways"
            .into(),
    );
    if geo.links.iter().any(|l| l.bandwidth_bps.is_some()) {
        notes.push(
            "links: each direction an M/D/1 at its mean message size (Pollaczek-Khinchine; \
             approximate when sizes are mixed)"
                .into(),
        );
    }
    Some(g)
}

/// Rounds of routing again with the hedges' and bulkheads' loads before
/// the estimate stops looking for their fixed point.
const LOAD_ROUNDS: usize = 200;
/// Loads settled: no call's share moved by more than this in a round.
const LOAD_TOLERANCE: f64 = 1e-12;

/// The loads the evaluation `evals` found its calls send on (hedges'
/// second tries, bulkheads' rejections), keyed as the network routes them.
fn loads_of(evals: &[Option<Eval>]) -> CallLoads {
    let mut out = CallLoads::new();
    for (x, e) in evals.iter().enumerate() {
        for ((i, c), l) in e.iter().flat_map(|e| &e.loads) {
            out.insert((x, *i, *c), l.clone());
        }
    }
    out
}

/// Whether two sets of loads are the same to [`LOAD_TOLERANCE`].
fn settled(a: &CallLoads, b: &CallLoads) -> bool {
    a.len() == b.len()
        && a.iter().all(|(k, l)| {
            b.get(k).is_some_and(|m| {
                (l.kept - m.kept).abs() <= LOAD_TOLERANCE
                    && l.sent.len() == m.sent.len()
                    && l.sent
                        .iter()
                        .zip(&m.sent)
                        .all(|(x, y)| (x - y).abs() <= LOAD_TOLERANCE)
            })
        })
}

/// The rate, the closed population and every component's evaluation.
type Settled = (f64, Option<(u32, f64, f64)>, Vec<Option<Eval>>);

/// The arrival rate, the closed population and the evaluation of `net`;
/// with hedges or bulkheads, routed again with the loads their calls send
/// on at the response times found, until they settle (a callee's load sets
/// its response time, which sets the share of calls hedged or rejected).
/// The notes are those of the last round.
fn evaluate_settled(net: &mut Net, notes: &mut Vec<String>) -> Settled {
    let mut round = 0;
    // The loads routed two rounds ago, for the extrapolation.
    let mut before: Option<CallLoads> = None;
    loop {
        let mut n = Vec::new();
        let (lambda, waits, closed) = arrival(net, &mut n);
        let evals = evaluate(net, lambda, waits.as_ref(), &mut n);
        let loads = loads_of(&evals);
        round += 1;
        if settled(&loads, net.loads()) || round >= LOAD_ROUNDS {
            if !loads.is_empty() && !settled(&loads, net.loads()) {
                n.push(format!(
                    "the hedges' and bulkheads' loads did not settle within {LOAD_ROUNDS} \
                     rounds: figures of the last round"
                ));
            }
            notes.append(&mut n);
            return (lambda, closed, evals);
        }
        let used = net.loads().clone();
        let next = match &before {
            Some(b) if round >= ACCELERATE_FROM && round % 3 == 0 => aitken(b, &used, loads),
            _ => loads,
        };
        before = Some(used);
        net.reroute(next);
    }
}

/// Rounds of plain iteration before [`aitken`] extrapolates every third
/// round: loads that settle by then are found exactly as before.
const ACCELERATE_FROM: usize = 10;

/// Aitken's extrapolation of each load from three successive iterates
/// (`x0` routed two rounds ago, `x1` last round, `x2` what it gave):
/// `x2 - d2^2 / (d2 - d1)`. Near a saturated callee the iteration contracts
/// slowly (the error shrinks by 7% a round in a fuzzed scenario, which took
/// 200 rounds of numerical integrals, 2 s, to get within 1e-9); where it
/// moves steadily towards a limit this jumps to it. A value that turns
/// back, or would move more than 100 steps or below 0 (or `kept` past 1),
/// keeps its plain iterate; whether the result is a fixed point is still
/// judged by routing with it.
fn aitken(x0: &CallLoads, x1: &CallLoads, mut x2: CallLoads) -> CallLoads {
    let jump = |a: f64, b: f64, c: f64, hi: f64| {
        let (d1, d2) = (b - a, c - b);
        if d1 == 0.0 || d2 == 0.0 || d1.signum() != d2.signum() || d2.abs() >= d1.abs() {
            return c;
        }
        let step = -d2 * d2 / (d2 - d1);
        if !step.is_finite() || step.abs() > 100.0 * d2.abs() {
            return c;
        }
        (c + step).clamp(0.0, hi)
    };
    for (k, l2) in x2.iter_mut() {
        let (Some(l0), Some(l1)) = (x0.get(k), x1.get(k)) else {
            continue;
        };
        if l0.sent.len() != l2.sent.len() || l1.sent.len() != l2.sent.len() {
            continue;
        }
        l2.kept = jump(l0.kept, l1.kept, l2.kept, 1.0);
        for (i, v) in l2.sent.iter_mut().enumerate() {
            *v = jump(l0.sent[i], l1.sent[i], *v, f64::INFINITY);
        }
    }
    x2
}

/// Estimates `model`'s steady state (see the module's notes).
pub fn estimate(model: &Model) -> Estimate {
    let mut net = Net::new(model);
    let mut notes = Vec::new();
    let mut warnings = Vec::new();
    let (lambda, closed, evals) = evaluate_settled(&mut net, &mut notes);
    let components = rows(model, &evals, &mut warnings);
    if let Some((_, _, x)) = closed {
        possession(model, &components, x, &mut warnings);
    }
    infinite_variance(model, &mut warnings);
    ignored(model, &mut notes);
    if net.keys.bucketed
        && let Some(note) = net
            .order
            .iter()
            .find_map(|&x| model.components[x].kind.estimate().bucket_note())
    {
        notes.push(note);
    }
    let geo = geo(&net, lambda, &evals, &mut warnings, &mut notes);
    let end_to_end = end_to_end(model, &evals);
    let links_saturated = geo.as_ref().is_some_and(|g| g.saturated());
    let end_to_end = if components.iter().any(|c| c.saturated) || links_saturated {
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
        geo,
    }
}

/// The offered rate of a row's busiest instance or node.
fn busiest_offered(row: &ComponentEstimate) -> f64 {
    match (row.utilization, row.capacity_rps) {
        (Some(u), Some(c)) if c.is_finite() => u * c,
        _ => row.offered_rps,
    }
}

/// Closed arrivals: warns of components whose figures at the MVA
/// throughput `x` are optimistic because MVA leaves out what they do
/// (a service's workers, held through its calls, more than busy).
fn possession(model: &Model, rows: &[ComponentEstimate], x: f64, warnings: &mut Vec<String>) {
    for (c, row) in model.components.iter().zip(rows) {
        warnings.extend(c.kind.estimate().possession(row, x));
    }
}

/// Warns of holding times with infinite variance (pareto with alpha <= 2).
fn infinite_variance(model: &Model, warnings: &mut Vec<String>) {
    for c in &model.components {
        let dists = c.kind.estimate().holding_times();
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
    let mut kinds = Ignored::default();
    for c in &model.components {
        c.kind.estimate().ignored(&c.name, &mut kinds);
    }
    if kinds.guards {
        left.push("call timeouts, retries and breakers");
    }
    if kinds.rate_limits {
        left.push("rate limits");
    }
    if kinds.sessions {
        left.push("sessions (and their store reads)");
    }
    if !model.faults.is_empty() {
        left.push("faults");
    }
    if !left.is_empty() {
        notes.push(format!("ignored: {}", left.join(", ")));
    }
    if !kinds.uneven_splits.is_empty() {
        notes.push(format!(
            "{} estimated as an even random split: the policy balances better, so waits are overstated",
            kinds.uneven_splits.join(", ")
        ));
    }
}
