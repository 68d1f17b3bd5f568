//! One component's evaluation: the row it fills in, the response times it
//! hands its callers, and what it sees of the network while doing so.

use super::moments::Mom;
use super::mva::Waits;
use super::net::{CallLoad, Net};
use super::station::Station;
use crate::model::{Model, RequestClass};

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
    /// A database whose nodes share writes another way than primary and
    /// replicas: its replication figures (`None` for every other row).
    pub replication: Option<ReplicationEstimate>,
    /// A service's [flow] figures (parallel joins, hedges, pools,
    /// bulkheads, priority levels); `None` for every row without them.
    pub flow: Option<Box<FlowEstimate>>,
}

/// What the estimate says of a service's [flow] settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlowEstimate {
    /// Its calls with a flow, in the order written.
    pub calls: Vec<CallEstimate>,
    /// With `discipline: priority`: per level (lowest number first), its
    /// mean wait for a worker, seconds (`None` past saturation).
    pub levels: Vec<(u32, Option<f64>)>,
}

/// One call with a flow: its time as the caller waits for it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallEstimate {
    /// The callee, or the parallel branches joined by `+`.
    pub to: String,
    /// `parallel`: replies joined of the branches (`k`, `n`).
    pub join: Option<(u32, u32)>,
    /// `hedge`: the delay before the second try, seconds.
    pub hedge_s: Option<f64>,
    /// The call's mean time (the join's, the hedged time), without the
    /// wait for a connection, seconds; `None` when a callee has none.
    pub time_s: Option<f64>,
    /// `hedge`: the share of calls that send a second try (the callee's
    /// extra load).
    pub hedged_share: Option<f64>,
    /// `pool`: its size.
    pub pool: Option<u32>,
    /// `pool`: the mean wait for a connection, seconds (`None` past the
    /// pool's saturation or without a time).
    pub pool_wait_s: Option<f64>,
    /// `pool`: whether its connections are at or past saturation.
    pub pool_saturated: bool,
    /// `bulkhead`: its size.
    pub bulkhead: Option<u32>,
    /// `bulkhead`: the share of calls rejected (Erlang B).
    pub rejected: Option<f64>,
}

/// Whether a database's reads can be stale, and how often.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StaleReads {
    /// This share of reads (a closed form).
    Share(f64),
    /// None can be (`quorum` with `r + w > n`).
    Never,
    /// Some can be, with no closed form the estimate trusts (`quorum` with
    /// `r + w <= n`).
    Possible,
}

/// What the estimate says of the replication of a database with topology
/// `multi_primary`, `ring` or `quorum`.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicationEstimate {
    /// The topology and its sizes: `multi_primary (2)`, `quorum (n=3, w=2,
    /// r=2)`.
    pub topology: String,
    /// Writes a second (all nodes).
    pub writes_rps: f64,
    /// Reads a second (all nodes).
    pub reads_rps: f64,
    /// The share of writes concurrent with a write of their key at another
    /// node (`None` with `quorum`).
    pub conflicts: Option<f64>,
    /// The share of writes discarded by last-writer-wins (`None` with
    /// `quorum`).
    pub lost_updates: Option<f64>,
    /// Stale reads.
    pub stale_reads: StaleReads,
    /// A write's mean response at the database, seconds (`quorum`: the
    /// `w`-th fastest node); `None` past saturation or without writes.
    pub write_s: Option<f64>,
    /// A read's, seconds (`quorum`: the `r`-th fastest); `None` past
    /// saturation or without reads.
    pub read_s: Option<f64>,
}

impl ComponentEstimate {
    /// A row of `kind` with `offered_rps` and nothing estimated yet.
    pub fn new(name: &str, kind: &'static str, offered_rps: f64) -> ComponentEstimate {
        ComponentEstimate {
            name: name.to_string(),
            kind,
            offered_rps,
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
            replication: None,
            flow: None,
        }
    }
}

/// What the bottom-up pass found of one component.
pub struct Eval {
    /// Per class: its response time as a caller sees it; `None` when not
    /// reached or past saturation.
    pub resp: Vec<Option<Mom>>,
    /// Its row of the table.
    pub row: ComponentEstimate,
    /// What its calls send on besides the plain flow (hedges' second tries,
    /// bulkheads' rejections), per (call, class), at the response times
    /// found: the network is routed again with them until they settle.
    pub loads: Vec<((usize, usize), CallLoad)>,
}

/// What a kind sees while it evaluates component `x`: the rates reaching
/// it, and its callees, evaluated before it.
pub struct EvalCtx<'a> {
    /// The routed network.
    pub net: &'a Net<'a>,
    /// The component evaluated.
    pub x: usize,
    /// The total rate the network is evaluated at, requests a second.
    pub lambda: f64,
    /// Per class: requests a second reaching `x`.
    pub rates: &'a [f64],
    /// All classes together.
    pub total: f64,
    /// The waits fixed by mean-value analysis (closed arrivals).
    waits: Option<&'a Waits>,
    /// The components evaluated so far (every callee of `x`).
    done: &'a [Option<Eval>],
}

impl<'a> EvalCtx<'a> {
    /// The context of component `x`, its callees evaluated in `done`.
    pub fn new(
        net: &'a Net<'a>,
        x: usize,
        lambda: f64,
        rates: &'a [f64],
        waits: Option<&'a Waits>,
        done: &'a [Option<Eval>],
    ) -> EvalCtx<'a> {
        EvalCtx {
            net,
            x,
            lambda,
            rates,
            total: rates.iter().sum(),
            waits,
            done,
        }
    }

    /// The model estimated.
    pub fn model(&self) -> &'a Model {
        self.net.model
    }

    /// The request classes.
    pub fn classes(&self) -> &'a [RequestClass] {
        &self.net.model.traffic.classes
    }

    /// The component's name.
    pub fn name(&self) -> &'a str {
        &self.net.model.components[self.x].name
    }

    /// The name of component `y`.
    pub fn name_of(&self, y: usize) -> &'a str {
        &self.net.model.components[y].name
    }

    /// Whether the network is closed: its waits are fixed by mean-value
    /// analysis, not by the stations.
    pub fn closed(&self) -> bool {
        self.waits.is_some()
    }

    /// Station `st` of node `node` of the component, with its wait fixed
    /// by mean-value analysis when the network is closed.
    pub fn fixed(&self, node: usize, st: Station) -> Station {
        match self.waits.and_then(|w| w.get(&(self.x, node))) {
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
    }

    /// Class `c`'s response time at `callee`; `None` when not reached or
    /// past saturation.
    pub fn resp_of(&self, callee: usize, c: usize) -> Option<Mom> {
        self.done[callee].as_ref().and_then(|e| e.resp[c])
    }

    /// Class `c`'s response time of a call from the component to `callee`
    /// as the caller waits for it: the callee's response time plus, with
    /// data centers, the call's round trip over the network; `None` when
    /// not reached or past saturation (a link it crosses too).
    pub fn call_resp(&self, callee: usize, c: usize) -> Option<Mom> {
        let r = self.resp_of(callee, c)?;
        if self.net.model.geo.is_none() {
            return Some(r);
        }
        super::geo::round_trip(self.net, self.x, callee, c, self.lambda).map(|h| r + h)
    }

    /// The row of `callee`, once evaluated.
    pub fn row_of(&self, callee: usize) -> Option<&'a ComponentEstimate> {
        self.done[callee].as_ref().map(|e| &e.row)
    }
}

/// A rate in requests a second, as the estimate writes it (`1234.5`).
pub fn fmt_rate(x: f64) -> String {
    crate::report::csv::fixed(x, 1)
}

/// A time in seconds, written in milliseconds (`12.345 ms`).
pub fn fmt_ms(s: f64) -> String {
    format!("{} ms", crate::report::csv::fixed(s * 1e3, 3))
}
