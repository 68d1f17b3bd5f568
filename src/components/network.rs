//! The network between components, with data centers: the one place where
//! a message pays its hop. Every call is held here once on its way to its
//! component, and every reply once on its way back: `network.within`
//! inside a data center, a draw of the link's latency between two (after
//! waiting for the link's direction to transmit it, with `bandwidth`), the
//! origin's latency between a client and its entry point. A partitioned
//! link fails what would cross it; a `delay` adds to every crossing.
//!
//! Runs without `datacenters` have no network and never come here.

use super::{CallId, Component, Ctx, Event};
use crate::engine::{SimTime, Stream};
use crate::metrics::{ComponentRow, DatacenterRow, LinkRow, Outcome, SummaryRow};
use crate::model::{Bytes, ComponentId, DcId, Dist, Geo, Model, NO_DC};

/// One direction of a link in the window being measured.
#[derive(Clone, Copy, Debug, Default)]
struct DirWindow {
    messages: u64,
    bytes: u64,
    /// Transmission time scheduled since the last window closed.
    busy_ns: u64,
    delay_sum_ns: u128,
}

/// A link's state.
struct LinkState {
    latency: Dist,
    /// Nanoseconds to transmit one byte; `None` without `bandwidth`.
    ns_per_byte: Option<f64>,
    egress_per_gb: Option<f64>,
    /// Per direction: when its transmitter is next free.
    free_at: [u64; 2],
    /// Per direction: transmission that the last closed window left for
    /// the next (the FIFO's tail beyond its end).
    carry_ns: [u64; 2],
    window: [DirWindow; 2],
    /// Partitions in force on it.
    partitions: u32,
    /// Delays in force on it: the fault's index and its extra time.
    delays: Vec<(u32, Dist)>,
    /// Bytes over the run, both ways.
    total_bytes: u64,
}

/// A data center's state in the window being measured.
#[derive(Clone, Copy, Debug, Default)]
struct DcWindow {
    requests_in: u64,
    ok: u64,
    failed: u64,
}

/// The running network of a model with data centers.
pub struct Network {
    within_ns: u64,
    dcs: usize,
    /// `from * dcs + to`: the link and direction between two data centers.
    route: Vec<Option<(u16, u8)>>,
    links: Vec<LinkState>,
    placement: Vec<DcId>,
    node_dcs: Vec<Vec<DcId>>,
    /// Per origin, per data center: one-way latency in nanoseconds.
    origin_ns: Vec<Vec<u64>>,
    bytes: Vec<Bytes>,
    stream: Stream,
    /// Per data center: not under an outage.
    up: Vec<u32>,
    window: Vec<DcWindow>,
    /// Per component: workers of all its instances (what its utilisation
    /// weighs in its data center's).
    capacity: Vec<f64>,
    /// Rows of the windows closed so far.
    link_rows: Vec<LinkRow>,
    dc_rows: Vec<DatacenterRow>,
}

impl Network {
    /// The network of `geo`, for `model`.
    pub fn new(geo: &Geo, model: &Model) -> Network {
        let n = geo.datacenters.len();
        let mut route = vec![None; n * n];
        for a in 0..n {
            for b in 0..n {
                if a != b {
                    route[a * n + b] = geo
                        .link_between(a as DcId, b as DcId)
                        .map(|(l, d)| (l as u16, d as u8));
                }
            }
        }
        Network {
            within_ns: geo.within.nanos(),
            dcs: n,
            route,
            links: geo
                .links
                .iter()
                .map(|l| LinkState {
                    latency: l.latency.clone(),
                    ns_per_byte: l.bandwidth_bps.map(|bps| 8e9 / bps),
                    egress_per_gb: l.egress_per_gb,
                    free_at: [0; 2],
                    carry_ns: [0; 2],
                    window: Default::default(),
                    partitions: 0,
                    delays: Vec::new(),
                    total_bytes: 0,
                })
                .collect(),
            placement: geo.placement.clone(),
            node_dcs: geo.node_dcs.clone(),
            origin_ns: geo
                .origins
                .iter()
                .map(|o| o.latency.iter().map(|d| d.nanos()).collect())
                .collect(),
            bytes: geo.bytes.clone(),
            stream: Stream::new(model.seed, "network", "latency"),
            up: vec![0; n],
            window: vec![DcWindow::default(); n],
            capacity: model
                .components
                .iter()
                .map(|c| {
                    let k = c.kind.model();
                    k.workers() as f64 * k.fault_instances() as f64
                })
                .collect(),
            link_rows: Vec::new(),
            dc_rows: Vec::new(),
        }
    }

    #[inline]
    fn dc_of(&self, id: ComponentId, instance: u32) -> DcId {
        match self.node_dcs[id as usize].get(instance as usize) {
            Some(&dc) => dc,
            None => self.placement[id as usize],
        }
    }

    /// The time a message of `bytes` sent now from `from` to `to` takes to
    /// arrive; `None` when a partition stops it.
    fn hop(&mut self, from: DcId, to: DcId, bytes: u64, now: u64) -> Option<u64> {
        if from == to {
            return Some(self.within_ns);
        }
        let (l, d) = self.route[from as usize * self.dcs + to as usize]
            .expect("validated: data centers that talk have a link");
        let link = &mut self.links[l as usize];
        if link.partitions > 0 {
            return None;
        }
        let d = d as usize;
        let mut t = link.latency.sample(&mut self.stream).nanos();
        for (_, extra) in &link.delays {
            t = t.saturating_add(extra.sample(&mut self.stream).nanos());
        }
        if let Some(per_byte) = link.ns_per_byte {
            // FIFO: transmission starts when the previous message is out.
            let tx = (bytes as f64 * per_byte).round() as u64;
            let start = link.free_at[d].max(now);
            link.free_at[d] = start + tx;
            link.window[d].busy_ns += tx;
            t = t.saturating_add(link.free_at[d] - now);
        }
        let w = &mut link.window[d];
        w.messages += 1;
        w.bytes += bytes;
        w.delay_sum_ns += t as u128;
        link.total_bytes += bytes;
        Some(t)
    }

    /// A call is about to be delivered: holds it for its hop (true), or
    /// lets it through now (false: no time to pay). A call a partition
    /// stops fails at once.
    pub fn deliver(&mut self, call: CallId, ctx: &mut Ctx, parts: &mut [Component]) -> bool {
        let c = ctx.calls[call];
        ctx.calls[call].crossed = true;
        let to = if self.node_dcs[c.component as usize].is_empty() {
            self.placement[c.component as usize]
        } else {
            match parts[c.component as usize].place(call, ctx) {
                Some(dc) => dc,
                None => self.placement[c.component as usize],
            }
        };
        if to == NO_DC {
            return false;
        }
        let t = match c.parent {
            None => {
                self.window[to as usize].requests_in += 1;
                Some(self.origin_ns[c.origin as usize][to as usize])
            }
            Some(p) => {
                // A caller failed by a crash is gone: nothing to pay.
                let Some(&p) = ctx.calls.get(p) else {
                    return false;
                };
                let from = self.dc_of(p.component, p.instance);
                let bytes = self.bytes.get(c.class as usize).map_or(0, |b| b.request);
                self.hop(from, to, bytes, ctx.now.nanos())
            }
        };
        match t {
            Some(0) => false,
            Some(t) => {
                ctx.events.schedule(
                    ctx.now + crate::engine::SimDuration(t),
                    Event::Deliver { call },
                );
                true
            }
            None => {
                ctx.reply(call, Outcome::Failed);
                // The failure is known at once: no hop back to pay.
                ctx.calls[call].crossed = true;
                true
            }
        }
    }

    /// A reply is about to reach its caller: holds it for its hop (true),
    /// or lets it through now (false). A reply a partition stops arrives
    /// at once as a failure.
    pub fn reply(&mut self, call: CallId, outcome: Outcome, ctx: &mut Ctx) -> bool {
        let c = ctx.calls[call];
        ctx.calls[call].crossed = true;
        let from = self.dc_of(c.component, c.instance);
        if from == NO_DC {
            return false;
        }
        let t = match c.parent {
            None => {
                let w = &mut self.window[from as usize];
                if outcome == Outcome::Ok {
                    w.ok += 1;
                } else {
                    w.failed += 1;
                }
                Some(self.origin_ns[c.origin as usize][from as usize])
            }
            Some(p) => {
                let Some(&p) = ctx.calls.get(p) else {
                    return false;
                };
                let to = self.dc_of(p.component, p.instance);
                let bytes = self.bytes.get(c.class as usize).map_or(0, |b| b.response);
                self.hop(from, to, bytes, ctx.now.nanos())
            }
        };
        let (t, outcome) = match t {
            Some(0) => return false,
            Some(t) => (t, outcome),
            None => (0, Outcome::Failed),
        };
        ctx.events.schedule(
            ctx.now + crate::engine::SimDuration(t),
            Event::Reply { call, outcome },
        );
        true
    }

    /// A partition of link `link` starts (true) or ends.
    pub fn partition(&mut self, link: u16, on: bool) {
        let p = &mut self.links[link as usize].partitions;
        *p = if on { *p + 1 } else { p.saturating_sub(1) };
    }

    /// A delay of fault `fault` on link `link` starts (with its extra
    /// time) or ends (`None`).
    pub fn delay(&mut self, link: u16, fault: u32, extra: Option<&Dist>) {
        let delays = &mut self.links[link as usize].delays;
        match extra {
            Some(e) => delays.push((fault, e.clone())),
            None => delays.retain(|(f, _)| *f != fault),
        }
    }

    /// An outage of data center `dc` starts (true) or ends.
    pub fn outage(&mut self, dc: DcId, on: bool) {
        let u = &mut self.up[dc as usize];
        *u = if on { *u + 1 } else { u.saturating_sub(1) };
    }

    /// The window `[start, end)` closed: keeps its link and data-center
    /// rows (the components' rows of the window give utilisations).
    pub fn close_window(&mut self, start: SimTime, end: SimTime, components: &[ComponentRow]) {
        let len = end - start;
        let len_ns = len.nanos().max(1);
        for (l, link) in self.links.iter_mut().enumerate() {
            for d in 0..2 {
                let w = std::mem::take(&mut link.window[d]);
                let carry = link.free_at[d].saturating_sub(end.nanos());
                let busy = (w.busy_ns + link.carry_ns[d]).saturating_sub(carry);
                link.carry_ns[d] = carry;
                self.link_rows.push(LinkRow {
                    start,
                    len,
                    link: l as u16,
                    direction: d as u8,
                    messages: w.messages,
                    bytes: w.bytes,
                    utilization: link
                        .ns_per_byte
                        .map(|_| (busy as f64 / len_ns as f64).min(1.0)),
                    delay_ms_mean: (w.messages > 0)
                        .then(|| w.delay_sum_ns as f64 / w.messages as f64 / 1e6),
                });
            }
        }
        let mut busy = vec![(0.0, 0.0); self.dcs];
        for r in components {
            let id = r.component as usize;
            let Some(u) = r.utilization else { continue };
            let per_node = !self.node_dcs[id].is_empty();
            let (dc, weight) = match (r.instance, per_node) {
                (None, false) => (self.placement[id], self.capacity[id]),
                (Some(i), true) => (self.node_dcs[id][i as usize], 1.0),
                _ => continue,
            };
            if dc != NO_DC && weight > 0.0 {
                busy[dc as usize].0 += u * weight;
                busy[dc as usize].1 += weight;
            }
        }
        for (dc, &(weighted, weight)) in busy.iter().enumerate() {
            let w = std::mem::take(&mut self.window[dc]);
            self.dc_rows.push(DatacenterRow {
                start,
                len,
                datacenter: dc as DcId,
                up: self.up[dc] == 0,
                requests_in: w.requests_in,
                ok: w.ok,
                failed: w.failed,
                utilization: (weight > 0.0).then(|| weighted / weight),
            });
        }
    }

    /// The rows kept, the bytes per link and what the priced ones cost.
    pub fn finish(self) -> crate::metrics::GeoResult {
        let mut egress = None;
        for l in &self.links {
            if let Some(price) = l.egress_per_gb {
                *egress.get_or_insert(0.0) += l.total_bytes as f64 / 1e9 * price;
            }
        }
        crate::metrics::GeoResult {
            links: self.link_rows,
            datacenters: self.dc_rows,
            link_bytes: self.links.iter().map(|l| l.total_bytes).collect(),
            egress_cost: egress,
            origins: Vec::new(),
            origin_summary: Vec::<SummaryRow>::new(),
            origin_latency: Vec::new(),
        }
    }
}
