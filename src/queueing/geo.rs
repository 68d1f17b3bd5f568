//! Data centers in the analytic estimate ([geo]): what each call pays to
//! cross the network, what each link's directions carry, and how long a
//! message waits for its direction to transmit it. Only models with
//! `datacenters` come here: without them every hop takes no time and no
//! figure changes.
//!
//! - **A hop.** A call from component X (in data center a) to Y (in b) and
//!   its reply each cross once: `within` when a = b, else the link's
//!   latency (mean and variance of its distribution). Where Y serves a
//!   call (a database's nodes) is asked of Y's kind
//!   ([`KindEstimate::places`](super::KindEstimate::places)) and the crossings mixed by it.
//! - **Bandwidth.** Each direction of a link with `bandwidth` is one FIFO
//!   transmitter fed Poisson: an M/D/1 at the direction's mean message size
//!   (exact for equal-sized messages, approximate for mixed sizes). A
//!   message of `s` bytes pays the Pollaczek-Khinchine wait
//!   `W = rho S / (2 (1 - rho))`, then `s x 8 / bandwidth`, then the
//!   latency; `rho >= 1` has no steady state (the link is saturated).

use super::moments::Mom;
use super::net::Net;
use crate::model::{DcId, Geo, Model, NO_DC};

/// What one direction of a link carries at unit total rate.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DirLoad {
    /// Messages a second (calls and replies).
    pub messages: f64,
    /// Bytes a second.
    pub bytes: f64,
}

/// One direction of a link at the estimated rate.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkEstimate {
    /// The direction's name, `us-east -> eu-west`.
    pub name: String,
    /// The link's index in [`Geo::links`].
    pub link: usize,
    /// 0: `a` to `b`; 1: back.
    pub direction: usize,
    /// Messages a second.
    pub messages_rps: f64,
    /// Bytes a second.
    pub bytes_ps: f64,
    /// Share of the time it transmits (`bytes x 8 / bandwidth` a second);
    /// `None` without `bandwidth`.
    pub utilization: Option<f64>,
    /// Mean wait for the transmitter, seconds (M/D/1 at the mean message
    /// size); `None` past saturation, 0 without `bandwidth`.
    pub wait_s: Option<f64>,
    /// Whether it is at or past saturation.
    pub saturated: bool,
}

/// The data centers where component `y` serves class `c`'s calls from a
/// caller in `from`, with their shares: `y`'s kind decides.
pub fn places(net: &Net, y: usize, c: usize, from: DcId) -> Vec<(DcId, f64)> {
    net.model.components[y]
        .kind
        .estimate()
        .places(y, net, c, from)
}

/// Where component `y` stands (a kind serving in one place).
pub fn placement(model: &Model, y: usize) -> DcId {
    model
        .geo
        .as_ref()
        .map_or(NO_DC, |g| g.placement.get(y).copied().unwrap_or(NO_DC))
}

/// Per link and direction: the messages and bytes the call edges send
/// across it at unit total rate (a call one way with its class's request
/// bytes, its reply back with the response bytes).
pub fn link_loads(net: &Net) -> Vec<[DirLoad; 2]> {
    let Some(geo) = &net.model.geo else {
        return Vec::new();
    };
    let mut loads = vec![[DirLoad::default(); 2]; geo.links.len()];
    for (x, y, rates) in &net.edges {
        let from = placement(net.model, *x);
        if from == NO_DC {
            // A DNS hands its calls on at no cost.
            continue;
        }
        for (c, &r) in rates.iter().enumerate() {
            if r <= 0.0 {
                continue;
            }
            let b = geo.bytes.get(c).copied().unwrap_or_default();
            for (to, share) in places(net, *y, c, from) {
                if to == NO_DC || to == from {
                    continue;
                }
                let Some((l, d)) = geo.link_between(from, to) else {
                    continue;
                };
                let m = r * share;
                loads[l][d].messages += m;
                loads[l][d].bytes += m * b.request as f64;
                loads[l][1 - d].messages += m;
                loads[l][1 - d].bytes += m * b.response as f64;
            }
        }
    }
    loads
}

/// Direction `d` of link `l` at `lambda` requests a second: its load, its
/// utilisation and the M/D/1 wait for its transmitter.
pub fn direction(net: &Net, l: usize, d: usize, lambda: f64) -> LinkEstimate {
    let geo = net.model.geo.as_ref().expect("links exist only with geo");
    let load = net.link_loads.get(l).map_or(DirLoad::default(), |x| x[d]);
    let (messages, bytes) = (load.messages * lambda, load.bytes * lambda);
    let mut est = LinkEstimate {
        name: geo.direction_name(l, d),
        link: l,
        direction: d,
        messages_rps: messages,
        bytes_ps: bytes,
        utilization: None,
        wait_s: Some(0.0),
        saturated: false,
    };
    if let Some(bps) = geo.links[l].bandwidth_bps {
        let rho = bytes * 8.0 / bps;
        est.utilization = Some(rho);
        est.saturated = rho >= 1.0;
        est.wait_s = md1_wait(messages, bytes, bps).map(|w| w.mean);
    }
    est
}

/// The Pollaczek-Khinchine wait of an M/D/1 fed `messages` a second of
/// `bytes` a second in all (each the mean size) over `bps`: mean
/// `rho S / (2 (1 - rho))`, variance `W^2 + lambda S^3 / (3 (1 - rho))`
/// (from `E[W^2] = 2 W^2 + lambda E[S^3] / (3 (1 - rho))`); `None` at or
/// past saturation.
pub fn md1_wait(messages: f64, bytes: f64, bps: f64) -> Option<Mom> {
    let rho = bytes * 8.0 / bps;
    if rho >= 1.0 {
        return None;
    }
    if messages <= 0.0 || rho <= 0.0 {
        return Some(Mom::ZERO);
    }
    let s = bytes / messages * 8.0 / bps;
    let mean = rho * s / (2.0 * (1.0 - rho));
    let var = mean * mean + messages * s.powi(3) / (3.0 * (1.0 - rho));
    Some(Mom { mean, var })
}

/// One message of `bytes` from data center `from` to `to` at `lambda`:
/// `within` inside one, else the transmitter's wait, the transmission and
/// the link's latency; `None` when the direction is saturated. A pair with
/// no link takes no time (the compiler refuses calls across one).
pub fn crossing(net: &Net, from: DcId, to: DcId, bytes: u64, lambda: f64) -> Option<Mom> {
    let geo: &Geo = net.model.geo.as_ref()?;
    if from == NO_DC || to == NO_DC {
        return Some(Mom::ZERO);
    }
    if from == to {
        return Some(Mom {
            mean: geo.within.as_secs_f64(),
            var: 0.0,
        });
    }
    let Some((l, d)) = geo.link_between(from, to) else {
        return Some(Mom::ZERO);
    };
    let link = &geo.links[l];
    let mut t = Mom::of(&link.latency);
    if let Some(bps) = link.bandwidth_bps {
        let load = net.link_loads.get(l).map_or(DirLoad::default(), |x| x[d]);
        let wait = md1_wait(load.messages * lambda, load.bytes * lambda, bps)?;
        let tx = Mom {
            mean: bytes as f64 * 8.0 / bps,
            var: 0.0,
        };
        t = t + wait + tx;
    }
    Some(t)
}

/// The round trip of one class-`c` call from component `x` to `y` at
/// `lambda` (the call, then its reply), mixed over where `y` serves it;
/// `None` when a link it crosses is saturated.
pub fn round_trip(net: &Net, x: usize, y: usize, c: usize, lambda: f64) -> Option<Mom> {
    let geo = net.model.geo.as_ref()?;
    let from = placement(net.model, x);
    if from == NO_DC {
        return Some(Mom::ZERO);
    }
    let b = geo.bytes.get(c).copied().unwrap_or_default();
    let mut parts = Vec::new();
    for (to, share) in places(net, y, c, from) {
        let there = crossing(net, from, to, b.request, lambda)?;
        let back = crossing(net, to, from, b.response, lambda)?;
        parts.push((share, there + back));
    }
    Some(if parts.len() == 1 {
        parts[0].1
    } else {
        super::moments::mix(&parts)
    })
}

/// The pure delay of the network per request at unit throughput, for
/// mean-value analysis: every call's round trip without transmitter waits
/// (they depend on the rate MVA is finding), plus the origins' latency to
/// their entry points both ways.
pub fn pure_delay(net: &Net) -> f64 {
    let model = net.model;
    let Some(geo) = &model.geo else { return 0.0 };
    let mut delay = 0.0;
    for (x, y, rates) in &net.edges {
        for (c, &r) in rates.iter().enumerate() {
            if r > 0.0 {
                delay += r * round_trip(net, *x, *y, c, 0.0).map_or(0.0, |m| m.mean);
            }
        }
    }
    for (o, origin) in geo.origins.iter().enumerate() {
        for (e, share) in entries(model, o) {
            let dc = placement(model, e);
            let one_way = origin
                .latency
                .get(dc as usize)
                .map_or(0.0, |d| d.as_secs_f64());
            delay += origin.share * share * 2.0 * one_way;
        }
    }
    delay
}

/// The components origin `o`'s requests enter at, with their shares: a
/// DNS's policy for that origin, else the origin's `to`.
pub fn entries(model: &Model, o: usize) -> Vec<(usize, f64)> {
    let Some(geo) = &model.geo else {
        return vec![(model.traffic.to as usize, 1.0)];
    };
    let to = geo.origins[o].to as usize;
    model.components[to]
        .kind
        .estimate()
        .entry_split(model, o)
        .unwrap_or_else(|| vec![(to, 1.0)])
}

/// Adds to `place` share `w` at data center `dc` (one entry per place, in
/// the order first met).
pub fn add_place(place: &mut Vec<(DcId, f64)>, dc: DcId, w: f64) {
    match place.iter_mut().find(|p| p.0 == dc) {
        Some(p) => p.1 += w,
        None => place.push((dc, w)),
    }
}

/// One origin's requests, end to end.
#[derive(Clone, Debug, PartialEq)]
pub struct OriginEstimate {
    /// Its name, as in the file.
    pub name: String,
    /// Its share of the requests.
    pub share: f64,
    /// Where its requests enter (by the DNS's policy, or its `to`), with
    /// their shares.
    pub entries: Vec<(String, f64)>,
    /// Its one-way latency to its entry points, mean over them, seconds.
    pub entry_latency_s: f64,
    /// The moments of its response time (entry latency both ways
    /// included); `None` when some tier or link on its path is saturated.
    pub response: Option<Mom>,
}

/// One call edge: what a request pays for its hops between two components.
#[derive(Clone, Debug, PartialEq)]
pub struct HopEstimate {
    /// The caller.
    pub from: String,
    /// The callee.
    pub to: String,
    /// Calls per request of the network.
    pub calls_per_request: f64,
    /// Mean round trip of one call (the call and its reply), seconds;
    /// `None` when a link it crosses is saturated.
    pub round_trip_s: Option<f64>,
}

/// What the data centers add to an estimate.
#[derive(Clone, Debug, PartialEq)]
pub struct GeoEstimate {
    /// Per origin, in the order of the file.
    pub origins: Vec<OriginEstimate>,
    /// Per call edge whose caller stands somewhere, in routing order.
    pub hops: Vec<HopEstimate>,
    /// Per link and direction.
    pub links: Vec<LinkEstimate>,
    /// Mean time a request spends on the network (its hops, entry
    /// latency both ways included), seconds; `None` past saturation.
    pub network_s: Option<f64>,
    /// What the sizes cost per hour (price factors applied), when some
    /// component has a size.
    pub sizes_per_hour: Option<f64>,
    /// What the bytes across priced links cost per hour, when some link
    /// has `egress`.
    pub egress_per_hour: Option<f64>,
}

impl GeoEstimate {
    /// Whether some link direction is at or past saturation.
    pub fn saturated(&self) -> bool {
        self.links.iter().any(|l| l.saturated)
    }

    /// Sizes and egress together, when either costs something.
    pub fn cost_per_hour(&self) -> Option<f64> {
        match (self.sizes_per_hour, self.egress_per_hour) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
        }
    }
}

/// Origin `o`'s class-`c` response time: per entry point, the entry's
/// response time plus the origin's latency to its data center both ways,
/// mixed by the entry shares; `None` when one is missing. `resp` gives a
/// component's class-`c` response time.
pub fn origin_response(
    model: &Model,
    o: usize,
    c: usize,
    resp: &dyn Fn(usize, usize) -> Option<Mom>,
) -> Option<Mom> {
    let geo = model.geo.as_ref()?;
    let origin = &geo.origins[o];
    let mut parts = Vec::new();
    for (e, share) in entries(model, o) {
        let r = resp(e, c)?;
        let dc = placement(model, e);
        let one_way = origin
            .latency
            .get(dc as usize)
            .map_or(0.0, |d| d.as_secs_f64());
        let entry = Mom {
            mean: 2.0 * one_way,
            var: 0.0,
        };
        parts.push((share, r + entry));
    }
    Some(super::moments::mix(&parts))
}

/// What the data centers add to the estimate of `net` at `lambda`: the
/// origins' response times (`resp` gives a component's per-class response
/// time), the hops, the links and the cost.
pub fn estimate(
    net: &Net,
    lambda: f64,
    resp: &dyn Fn(usize, usize) -> Option<Mom>,
) -> Option<GeoEstimate> {
    let model = net.model;
    let geo = model.geo.as_ref()?;
    let classes = &model.traffic.classes;
    let total_w: f64 = classes.iter().map(|c| c.weight).sum();
    let mut origins = Vec::new();
    for (o, origin) in geo.origins.iter().enumerate() {
        let split = entries(model, o);
        let parts: Option<Vec<(f64, Mom)>> = (0..classes.len())
            .map(|c| origin_response(model, o, c, resp).map(|m| (classes[c].weight / total_w, m)))
            .collect();
        let entry_latency_s = split
            .iter()
            .map(|&(e, s)| {
                let dc = placement(model, e);
                s * origin
                    .latency
                    .get(dc as usize)
                    .map_or(0.0, |d| d.as_secs_f64())
            })
            .sum();
        origins.push(OriginEstimate {
            name: origin.name.clone(),
            share: origin.share,
            entries: split
                .iter()
                .map(|&(e, s)| (model.components[e].name.clone(), s))
                .collect(),
            entry_latency_s,
            response: parts.map(|p| super::moments::mix(&p)),
        });
    }
    let mut hops = Vec::new();
    let mut network = Some(0.0);
    for (x, y, rates) in &net.edges {
        if placement(model, *x) == NO_DC {
            continue;
        }
        let calls: f64 = rates.iter().sum();
        let parts: Option<Vec<(f64, Mom)>> = (0..rates.len())
            .filter(|&c| rates[c] > 0.0)
            .map(|c| round_trip(net, *x, *y, c, lambda).map(|m| (rates[c], m)))
            .collect();
        let round_trip_s = parts
            .filter(|p| !p.is_empty())
            .map(|p| super::moments::mix(&p).mean);
        network = match (network, round_trip_s) {
            (Some(n), Some(t)) => Some(n + calls * t),
            _ => None,
        };
        hops.push(HopEstimate {
            from: model.components[*x].name.clone(),
            to: model.components[*y].name.clone(),
            calls_per_request: calls,
            round_trip_s,
        });
    }
    let entry: f64 = origins
        .iter()
        .map(|o| o.share * 2.0 * o.entry_latency_s)
        .sum();
    let links: Vec<LinkEstimate> = (0..geo.links.len())
        .flat_map(|l| [0, 1].map(|d| direction(net, l, d, lambda)))
        .collect();
    Some(GeoEstimate {
        origins,
        hops,
        network_s: network.map(|n| n + entry),
        sizes_per_hour: model.cost_per_hour(),
        egress_per_hour: egress_per_hour(geo, &links),
        links,
    })
}

/// What the bytes crossing priced links cost per hour: bytes a second both
/// ways x 3600 / 10^9 x the price per GB; `None` when no link is priced.
pub fn egress_per_hour(geo: &Geo, links: &[LinkEstimate]) -> Option<f64> {
    let mut total = None;
    for l in links {
        if let Some(price) = geo.links[l.link].egress_per_gb {
            *total.get_or_insert(0.0) += l.bytes_ps * 3600.0 / 1e9 * price;
        }
    }
    total
}
