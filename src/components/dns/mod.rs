//! `kind: dns`: GeoDNS. It serves nothing: a request delivered to it is
//! handed on, as the same call, to the entry point its policy picks among
//! those its resolver believes up, and the network charges the origin's
//! latency to that entry point's data center.
//!
//! Each origin has `resolvers` resolvers; resolver `i` refreshes its view
//! at `(k + i/resolvers) x ttl` and a request uses one drawn at random, so
//! once the health check marks an entry point down, the share of requests
//! still sent to it falls linearly to zero over one `ttl`. The view a
//! refresh gets is the health check's marks at that instant: the DNS keeps
//! the history of its marks (a few entries: marks change only when an
//! entry point goes down or comes back), so no resolver needs an event.

pub mod estimate;
pub mod model;

use self::model::{Dns as DnsModel, DnsPolicy};
use super::kind::{Happened, Notice};
use super::{ANY_INSTANCE, CallId, Ctx, Event, Impairments};
use crate::engine::{SimTime, Stream};
use crate::metrics::ComponentRow;
use crate::model::{ComponentId, Model};

/// What share of the requests each entry point gets with every entry point
/// up (for the estimate): origin shares for `nearest`, weights for
/// `weighted`, all to the first for `failover`.
pub fn entry_shares(m: &DnsModel, model: &Model) -> Vec<f64> {
    let mut shares = vec![0.0; m.to.len()];
    match &m.policy {
        DnsPolicy::Failover => shares[0] = 1.0,
        DnsPolicy::Weighted(w) => {
            let total: f64 = w.iter().sum();
            for (s, w) in shares.iter_mut().zip(w) {
                *s = w / total;
            }
        }
        DnsPolicy::Nearest => {
            let Some(geo) = &model.geo else {
                shares[0] = 1.0;
                return shares;
            };
            for (o, order) in geo.origins.iter().zip(nearest_orders(m, model)) {
                shares[order[0] as usize] += o.share;
            }
        }
    }
    shares
}

/// Per origin: the entry points (indices into `to`) by latency from it,
/// lowest first (ties: the order of `to`).
pub fn nearest_orders(m: &DnsModel, model: &Model) -> Vec<Vec<u32>> {
    let Some(geo) = &model.geo else {
        return vec![(0..m.to.len() as u32).collect()];
    };
    geo.origins
        .iter()
        .map(|o| {
            let mut order: Vec<u32> = (0..m.to.len() as u32).collect();
            // Stable: equal latencies keep the order of `to`.
            order.sort_by_key(|&e| {
                let dc = geo.dc_of(m.to[e as usize], ANY_INSTANCE);
                o.latency.get(dc as usize).copied().unwrap_or_default()
            });
            order
        })
        .collect()
}

/// A running DNS.
pub struct Dns {
    id: ComponentId,
    to: Vec<ComponentId>,
    policy: DnsPolicy,
    /// Per origin: entry points by latency (`nearest`).
    nearest: Vec<Vec<u32>>,
    ttl_ns: u64,
    resolvers: u32,
    health: Option<crate::model::HealthCheck>,
    /// Per entry point: its instances and how many are down now (what the
    /// health check sees).
    instances: Vec<u32>,
    down: Vec<u32>,
    /// Per entry point: failed checks in a row.
    failed_checks: Vec<u32>,
    /// The marks over time: from each instant on, which entry points the
    /// health check holds up (bit `e`). The first is at 0, all up.
    marks: Vec<(u64, u64)>,
    /// Which resolver a request uses, and the weighted policy's draws.
    stream: Stream,
    end: SimTime,
    faults: Impairments,
}

impl Dns {
    /// The DNS `at` describes.
    pub fn build(m: &DnsModel, at: &super::Assembly) -> Dns {
        let instances: Vec<u32> = m.to.iter().map(|&e| at.other(e).fault_instances()).collect();
        let all_up = if m.to.len() >= 64 {
            u64::MAX
        } else {
            (1u64 << m.to.len()) - 1
        };
        Dns {
            id: at.id,
            to: m.to.clone(),
            policy: m.policy.clone(),
            nearest: nearest_orders(m, at.model),
            ttl_ns: m.ttl.nanos(),
            resolvers: m.resolvers.max(1),
            health: m.health_check,
            down: vec![0; instances.len()],
            failed_checks: vec![0; instances.len()],
            instances,
            marks: vec![(0, all_up)],
            stream: Stream::new(at.seed(), at.name, "resolvers"),
            end: at.end(),
            faults: Impairments::new(1, Stream::new(at.seed(), at.name, "faults")),
        }
    }

    /// The marks resolver `i` last fetched, as of `now`.
    fn view(&self, now: u64, i: u32) -> u64 {
        let refreshed = if self.ttl_ns == 0 {
            now
        } else {
            let phase = (i as u128 * self.ttl_ns as u128 / self.resolvers as u128) as u64;
            if now < phase {
                0
            } else {
                phase + (now - phase) / self.ttl_ns * self.ttl_ns
            }
        };
        // Marks change rarely: the last one at or before the refresh.
        self.marks
            .iter()
            .rev()
            .find(|(t, _)| *t <= refreshed)
            .map_or(self.marks[0].1, |m| m.1)
    }

    /// The entry point (index into `to`) for a request of `origin` whose
    /// resolver holds `view` up; with none up, as if all were.
    fn pick(&mut self, origin: usize, view: u64) -> usize {
        let up = |e: usize| e >= 64 || view & (1 << e) != 0;
        match &self.policy {
            DnsPolicy::Failover => (0..self.to.len()).find(|&e| up(e)).unwrap_or(0),
            DnsPolicy::Nearest => {
                let order = &self.nearest[origin.min(self.nearest.len() - 1)];
                order
                    .iter()
                    .map(|&e| e as usize)
                    .find(|&e| up(e))
                    .unwrap_or(order[0] as usize)
            }
            DnsPolicy::Weighted(w) => {
                let any = (0..self.to.len()).any(|e| up(e) && w[e] > 0.0);
                let weight = |e: usize| if !any || up(e) { w[e] } else { 0.0 };
                let total: f64 = (0..self.to.len()).map(weight).sum();
                let mut u = self.stream.uniform() * total;
                for e in 0..self.to.len() {
                    u -= weight(e);
                    if u < 0.0 {
                        return e;
                    }
                }
                (0..self.to.len()).rev().find(|&e| weight(e) > 0.0).unwrap_or(0)
            }
        }
    }

    fn answer(&mut self, call: CallId, ctx: &mut Ctx) {
        let origin = ctx.calls[call].origin as usize;
        let resolver = self.stream.index(self.resolvers as usize) as u32;
        let view = self.view(ctx.now.nanos(), resolver);
        let e = self.pick(origin, view);
        let c = &mut ctx.calls[call];
        c.component = self.to[e];
        c.instance = ANY_INSTANCE;
        // The hop from the origin to the entry point is still to pay.
        c.crossed = false;
        ctx.send(call);
    }

    fn check(&mut self, ctx: &mut Ctx, seen: &mut Vec<Happened>) {
        let Some(h) = self.health else { return };
        let mut marks = self.marks.last().expect("marks start at 0").1;
        for e in 0..self.to.len().min(64) {
            let healthy = self.down[e] < self.instances[e];
            let marked_up = marks & (1 << e) != 0;
            if healthy {
                self.failed_checks[e] = 0;
                if !marked_up {
                    marks |= 1 << e;
                    seen.push(Happened::Dns {
                        entry: self.to[e],
                        up: true,
                        failures: h.failures,
                    });
                }
            } else {
                self.failed_checks[e] += 1;
                if marked_up && self.failed_checks[e] >= h.failures {
                    marks &= !(1 << e);
                    seen.push(Happened::Dns {
                        entry: self.to[e],
                        up: false,
                        failures: h.failures,
                    });
                }
            }
        }
        if marks != self.marks.last().expect("marks start at 0").1 {
            self.marks.push((ctx.now.nanos(), marks));
        }
        let next = ctx.now + h.interval;
        if next < self.end {
            ctx.events.schedule(
                next,
                Event::Timer {
                    component: self.id,
                    tag: 0,
                },
            );
        }
    }
}

impl super::Runtime for Dns {
    fn on(&mut self, event: Event, ctx: &mut Ctx) {
        match event {
            Event::Deliver { call } => self.answer(call, ctx),
            // Replies go from the entry point straight to the client.
            _ => unreachable!("a DNS hands its calls on and hears no reply"),
        }
    }

    fn on_timer(&mut self, event: Event, ctx: &mut Ctx, seen: &mut Vec<Happened>) {
        match event {
            Event::Timer { .. } => self.check(ctx, seen),
            _ => unreachable!("{event:?} is not for a DNS"),
        }
    }

    fn hear(&mut self, notice: Notice, _: &mut Ctx) {
        let (from, up) = match notice {
            Notice::InstanceDown { from, .. } => (from, false),
            Notice::InstanceUp { from, .. } => (from, true),
        };
        for (e, &to) in self.to.iter().enumerate() {
            if to == from {
                if up {
                    self.down[e] = self.down[e].saturating_sub(1);
                } else {
                    self.down[e] = (self.down[e] + 1).min(self.instances[e]);
                }
            }
        }
    }

    fn start(&mut self, ctx: &mut Ctx) {
        if let Some(h) = self.health {
            let first = SimTime::ZERO + h.interval;
            if first < self.end {
                ctx.events.schedule(
                    first,
                    Event::Timer {
                        component: self.id,
                        tag: 0,
                    },
                );
            }
        }
    }

    fn report_window(&mut self, start: SimTime, _: SimTime, out: &mut Vec<ComponentRow>) {
        let mut row = ComponentRow::empty(start, self.id, None);
        row.up = 1;
        out.push(row);
    }

    fn impairments(&mut self) -> &mut Impairments {
        &mut self.faults
    }

    fn crash(&mut self, _: u32, _: &mut Ctx) -> (bool, u64) {
        // Validated: faults cannot name a DNS.
        (false, 0)
    }

    fn restore(&mut self, _: u32, _: &mut Ctx) -> bool {
        false
    }
}
