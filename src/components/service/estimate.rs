//! `kind: service` in the analytic estimate: per instance an M/G/c whose
//! holding time is the service time plus the response times of the calls
//! made while a worker is held; a USL size slows its own work, an
//! autoscaled pool is estimated at the count its rule settles on, and a
//! pool consuming a queue is one station of every worker.
//!
//! [flow]: a parallel call holds the worker for the `join`-th of its
//! branches' response times, a hedged call for `min(R1, h + R2)`
//! (`queueing::flow`); a `pool` adds the wait of an M/G/K queue per caller
//! instance (holding time: the call's), a `bulkhead` rejects Erlang B's
//! share; `discipline: priority` scales each class's wait by Cobham's
//! factor, `lifo` and `codel` keep FIFO's mean wait.

use super::autoscale::ScaleMetric;
use super::model::{Call, Discipline, Service};
use crate::model::{Dist, Op};
use crate::queueing::flow::{hedge_share, hedged, join_time, priority_factors};
use crate::queueing::{
    CallEstimate, CallLoad, ComponentEstimate, Eval, EvalCtx, FlowEstimate, Ignored, KindEstimate,
    Mom, MvaNet, MvaStation, Net, Station, erlang_b, fmt_rate, mix, station,
};

/// Whether a request of class `c` doing `op` makes `call`.
fn makes(call: &Call, c: usize, op: Op) -> bool {
    call.when.as_ref().is_none_or(|w| w.matches(c as u16, op))
}

/// A call's time for one class, as the caller waits for it.
#[derive(Clone, Copy, Debug)]
enum Time {
    /// The class does not make the call (or none of it arrives).
    NotMade,
    /// A callee has no response time (past saturation).
    Unknown,
    /// Its moments (the join's, the hedged time's), without a pool's wait.
    Known(Mom),
}

/// What a call's connection limit does at the settled instance count.
#[derive(Clone, Copy, Debug)]
struct Limit {
    /// The wait for a connection (`pool`); `Some(ZERO)` without one,
    /// `None` past the pool's saturation.
    wait: Option<Mom>,
    /// The share of calls rejected (`bulkhead`).
    rejected: f64,
}

impl Limit {
    /// No limit: no wait, no rejection.
    const NONE: Limit = Limit {
        wait: Some(Mom::ZERO),
        rejected: 0.0,
    };
}

/// A service's calls with a flow as the table shows them, what they send
/// on per (call, class), and the share of its requests its bulkheads
/// reject.
type FlowFigures = (Vec<CallEstimate>, Vec<((usize, usize), CallLoad)>, f64);

/// One pass over the holding times at a given set of limits.
struct Pass {
    /// Per class: its holding time (`None`: not arriving, or unknown).
    hold: Vec<Option<Mom>>,
    /// The holding times mixed by rate.
    h: Mom,
    /// Whether every arriving class has a holding time.
    known: bool,
    /// A USL size's slowdown.
    usl: Option<f64>,
    /// The instances the pool is estimated at, and the note saying why.
    inst: (u32, Option<String>),
}

impl Service {
    /// Call `call`'s time for class `c` (its join or hedge), without a
    /// pool's wait; `None` when a callee has no response time.
    fn call_time(&self, at: &EvalCtx, call: &Call, c: usize) -> Option<Mom> {
        let flow = call.flow.as_deref();
        let hedge = flow.and_then(|f| f.hedge).map(|d| d.as_secs_f64());
        let one = |y: usize| {
            at.call_resp(y, c)
                .map(|r| hedge.map_or(r, |h| hedged(r, h)))
        };
        match flow {
            Some(f) if !f.branches.is_empty() => {
                let rs: Option<Vec<Mom>> = f.branches.iter().map(|&y| one(y as usize)).collect();
                Some(join_time(&rs?, f.join as usize))
            }
            _ => one(call.to as usize),
        }
    }

    /// Per call, per class: the call's time.
    fn times(&self, at: &EvalCtx) -> Vec<Vec<Time>> {
        self.calls
            .iter()
            .map(|call| {
                at.classes()
                    .iter()
                    .enumerate()
                    .map(|(c, class)| {
                        if at.rates[c] <= 0.0 || !makes(call, c, class.op) {
                            Time::NotMade
                        } else if call.flow.is_none() {
                            // A plain call as before: the callee's response.
                            at.call_resp(call.to as usize, c)
                                .map_or(Time::Unknown, Time::Known)
                        } else {
                            self.call_time(at, call, c)
                                .map_or(Time::Unknown, Time::Known)
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// Per class: the time a request holds a worker, its own work `own`
    /// plus the calls it makes and their waits for a connection; `None`
    /// when no such request arrives or a time is unknown (past
    /// saturation).
    fn holding(
        &self,
        rates: &[f64],
        own: Mom,
        times: &[Vec<Time>],
        limits: &[Limit],
    ) -> Vec<Option<Mom>> {
        (0..rates.len())
            .map(|c| {
                if rates[c] <= 0.0 {
                    return None;
                }
                let mut h = Some(own);
                for (t, l) in times.iter().zip(limits) {
                    h = match (h, t[c], l.wait) {
                        (_, Time::NotMade, _) => h,
                        (Some(h), Time::Known(r), Some(w)) => Some(h + r + w),
                        _ => None,
                    };
                }
                h
            })
            .collect()
    }

    /// Per call: its connection limit's wait and rejections with `inst`
    /// instances, calls after a bulkhead thinned by its rejections.
    fn limits(&self, at: &EvalCtx, inst: u32, times: &[Vec<Time>]) -> Vec<Limit> {
        let mut alive = vec![1.0; at.rates.len()];
        let mut out = Vec::with_capacity(self.calls.len());
        for (call, t) in self.calls.iter().zip(times) {
            let Some(limit) = call.flow.as_ref().and_then(|f| f.limit) else {
                out.push(Limit::NONE);
                continue;
            };
            // Calls of this entry from one instance, and their time.
            let mut parts = Vec::new();
            let mut unknown = false;
            for (c, tc) in t.iter().enumerate() {
                match tc {
                    Time::NotMade => {}
                    Time::Unknown => unknown = true,
                    Time::Known(r) => parts.push((at.rates[c] * alive[c], *r)),
                }
            }
            let rate = parts.iter().map(|p| p.0).sum::<f64>() / f64::from(inst.max(1));
            let hold = mix(&parts);
            let k = u64::from(limit.size.max(1));
            let l = if unknown {
                Limit {
                    wait: None,
                    rejected: 0.0,
                }
            } else if limit.wait {
                Limit {
                    wait: station(rate, k, hold, None).wait,
                    rejected: 0.0,
                }
            } else {
                Limit {
                    wait: Some(Mom::ZERO),
                    rejected: erlang_b(k, rate * hold.mean),
                }
            };
            for (c, tc) in t.iter().enumerate() {
                if !matches!(tc, Time::NotMade) {
                    alive[c] *= 1.0 - l.rejected;
                }
            }
            out.push(l);
        }
        out
    }

    /// The holding times at `limits`: mixed, slowed by a USL size, and the
    /// instance count they settle an autoscaled pool at.
    fn pass(&self, at: &EvalCtx, own: Mom, times: &[Vec<Time>], limits: &[Limit]) -> Pass {
        let classes = at.classes().len();
        let rates = at.rates;
        let mut hold = self.holding(rates, own, times, limits);
        let known = (0..classes).all(|c| rates[c] <= 0.0 || hold[c].is_some());
        let parts: Vec<(f64, Mom)> = (0..classes)
            .filter_map(|c| hold[c].map(|h| (rates[c], h)))
            .collect();
        let mut h = if parts.is_empty() { own } else { mix(&parts) };
        let usl = self.slow_down(at, own, &mut h, &mut hold);
        let inst = self.settled(at, h, known);
        Pass {
            hold,
            h,
            known,
            usl,
            inst,
        }
    }

    /// A USL size slows its own work by n / C(n) with n workers busy: the
    /// mean-field fixed point of n = load x holding time `h`. Adds the
    /// extra time to `h` and to every class's holding time in `hold`, and
    /// gives the slowdown; `None` without a USL size.
    fn slow_down(
        &self,
        at: &EvalCtx,
        own: Mom,
        h: &mut Mom,
        hold: &mut [Option<Mom>],
    ) -> Option<f64> {
        let u = self.size.as_ref().and_then(|z| z.usl)?;
        let w = u64::from(self.workers);
        let per = at.total / self.instances.max(1) as f64;
        let mut f = 1.0;
        for _ in 0..200 {
            let busy = (per * (h.mean + own.mean * (f - 1.0))).clamp(1.0, w as f64);
            f = u.slowdown(busy);
        }
        let extra = Mom {
            mean: own.mean * (f - 1.0),
            var: own.var * (f * f - 1.0),
        };
        *h = *h + extra;
        for hc in hold.iter_mut().flatten() {
            *hc = *hc + extra;
        }
        Some(f)
    }

    /// Its station with `inst` instances and holding time `h`: per
    /// instance an M/G/c (M/M/c/K with a bounded queue), or one station of
    /// every worker when it consumes a queue's line.
    fn station_of(&self, at: &EvalCtx, inst: u32, h: Mom) -> Station {
        let w = u64::from(self.workers);
        if let Some(line) = at.net.line(at.x) {
            // Consumers pull from one line: one station of every worker.
            let servers = u64::from(inst) * w;
            let room = line.capacity.map(|k| k.saturating_sub(servers));
            at.fixed(0, station(at.total, servers, h, room))
        } else {
            let queue = self.queue.map(u64::from);
            at.fixed(0, station(at.total / inst as f64, w, h, queue))
        }
    }

    /// The instances it is estimated at, and the note saying why: an
    /// autoscaled pool (open arrivals, every holding time known) at the
    /// count its rule settles on for mean holding time `h` (tolerance and
    /// stabilization change when it moves, not where it settles).
    fn settled(&self, at: &EvalCtx, h: Mom, known: bool) -> (u32, Option<String>) {
        let Some(a) = self.autoscale.filter(|_| !at.closed() && known) else {
            return (self.instances, None);
        };
        let name = at.name();
        let clamp = |want: f64| (want.max(1.0).min(a.max as f64) as u32).max(a.min);
        match a.metric {
            ScaleMetric::Utilization => {
                let w = u64::from(self.workers);
                let busy = at.total * h.mean / w as f64;
                let inst = clamp((busy / a.target).ceil());
                let note = format!(
                    "`{name}` autoscales: estimated at {inst} instances, what its rule settles on \
                     at this rate (ceil({busy:.2} instances busy / target {}) within {}..{})",
                    a.target, a.min, a.max
                );
                (inst, Some(note))
            }
            ScaleMetric::RpsPerInstance => {
                let inst = clamp((at.total / a.target).ceil());
                let note = format!(
                    "`{name}` autoscales on rps_per_instance: estimated at {inst} instances \
                     (ceil({} rps / target {}) within {}..{})",
                    fmt_rate(at.total),
                    a.target,
                    a.min,
                    a.max
                );
                (inst, Some(note))
            }
            ScaleMetric::QueueLen => {
                // The fewest whose mean requests waiting per instance (Little:
                // rate x mean wait / instances) are within the target.
                let waiting = |n: u32| {
                    let st = self.station_of(at, n, h);
                    st.wait
                        .filter(|_| !st.saturated)
                        .map(|w| at.total * w.mean / n as f64)
                };
                let inst = (a.min.max(1)..=a.max.max(a.min))
                    .find(|&n| waiting(n).is_some_and(|q| q <= a.target))
                    .unwrap_or(a.max.max(a.min));
                let note = format!(
                    "`{name}` autoscales on queue_len: estimated at {inst} instances, the fewest \
                     within {}..{} whose mean requests waiting per instance are at most {}",
                    a.min, a.max, a.target
                );
                (inst, Some(note))
            }
            ScaleMetric::Backlog => {
                let note = format!(
                    "`{name}` autoscales on backlog: not estimated; estimated at its {} \
                     starting instances",
                    self.instances
                );
                (self.instances, Some(note))
            }
        }
    }

    /// With `discipline: priority` (open arrivals, an unbounded queue or
    /// one below saturation): per class, its wait relative to the FIFO
    /// wait (Cobham's factor, [`priority_factors`]); `None` otherwise.
    fn priority(&self, at: &EvalCtx, inst: u32, hold: &[Option<Mom>]) -> Option<Vec<f64>> {
        if self.discipline != Discipline::Priority || at.closed() {
            return None;
        }
        let servers = f64::from(inst.max(1)) * f64::from(self.workers.max(1));
        let levels: Vec<(u32, f64)> = at
            .classes()
            .iter()
            .zip(hold)
            .enumerate()
            .map(|(c, (class, h))| {
                (
                    class.priority,
                    at.rates[c] * h.map_or(0.0, |h| h.mean) / servers,
                )
            })
            .collect();
        let rho: f64 = levels.iter().map(|l| l.1).sum();
        (rho < 1.0).then(|| priority_factors(&levels))
    }

    /// The notes its [flow] settings need, once each.
    fn flow_notes(&self, name: &str, priority_applied: bool, closed: bool) -> Vec<String> {
        let mut notes = Vec::new();
        let has = |f: &dyn Fn(&super::model::CallFlow) -> bool| {
            self.calls.iter().any(|c| c.flow.as_deref().is_some_and(f))
        };
        if has(&|f| !f.branches.is_empty()) {
            notes.push(format!(
                "`{name}`'s parallel calls: the join's time is the k-th fastest of the branches' \
                 response times, independent, each the gamma of its mean and variance \
                 (exponential at cv 1); abandoned branches count as full load on their callees \
                 (conservative)"
            ));
        }
        if has(&|f| f.hedge.is_some()) {
            notes.push(format!(
                "`{name}`'s hedged calls: min(R1, h + R2) of independent gamma-fit responses; \
                 the callee also takes the second tries, P(R > h) of the calls"
            ));
        }
        if has(&|f| f.limit.is_some_and(|l| l.wait)) {
            notes.push(format!(
                "`{name}`'s pools: the wait for a connection is an M/G/K queue's per instance \
                 (Erlang C, Allen-Cunneen), each connection held for the call's time"
            ));
        }
        if has(&|f| f.limit.is_some_and(|l| !l.wait)) {
            notes.push(format!(
                "`{name}`'s bulkheads reject Erlang B's share of their calls, failing their \
                 requests (`rejected`); those requests are counted at their full holding time \
                 (conservative)"
            ));
        }
        match self.discipline {
            Discipline::Fifo => {}
            Discipline::Priority if priority_applied => notes.push(format!(
                "`{name}` serves by priority: per-level waits by Cobham's non-preemptive factor \
                 (1 - rho) / ((1 - s_(k-1)) (1 - s_k)) on its FIFO wait (exact for M/G/1 and \
                 M/M/c{})",
                if self.queue.is_some() {
                    "; with its bounded queue, approximate"
                } else {
                    ""
                }
            )),
            Discipline::Priority => notes.push(format!(
                "`{name}` serves by priority: not estimated {}; FIFO's waits shown",
                if closed {
                    "with closed arrivals"
                } else {
                    "past saturation"
                }
            )),
            Discipline::Lifo => notes.push(format!(
                "`{name}` serves lifo: the same mean wait as FIFO (only the tail differs)"
            )),
            Discipline::Codel { .. } => notes.push(format!(
                "`{name}` uses codel: its drops are not modelled (FIFO's wait)"
            )),
        }
        notes
    }

    /// Its calls with a flow, as the table shows them, what they send on
    /// besides the plain flow (per call and class), and the share of its
    /// requests its bulkheads reject.
    fn flow_figures(&self, at: &EvalCtx, times: &[Vec<Time>], limits: &[Limit]) -> FlowFigures {
        let rates = at.rates;
        let mut calls = Vec::new();
        let mut loads = Vec::new();
        let mut passed = vec![1.0; rates.len()];
        for (i, ((call, t), l)) in self.calls.iter().zip(times).zip(limits).enumerate() {
            let Some(flow) = call.flow.as_deref() else {
                continue;
            };
            let hedge = flow.hedge.map(|d| d.as_secs_f64());
            let (mut parts, mut hedged_parts) = (Vec::new(), Vec::new());
            for (c, tc) in t.iter().enumerate() {
                if matches!(tc, Time::NotMade) {
                    continue;
                }
                if let Time::Known(r) = tc {
                    parts.push((rates[c], *r));
                }
                let sent: Vec<f64> = call
                    .targets()
                    .iter()
                    .map(|&y| {
                        let p = hedge.map_or(0.0, |h| {
                            at.call_resp(y as usize, c)
                                .map_or(1.0, |r| hedge_share(r, h))
                        });
                        hedged_parts.push((rates[c], p));
                        (1.0 - l.rejected) * (1.0 + p)
                    })
                    .collect();
                if hedge.is_some() || l.rejected > 0.0 {
                    let kept = 1.0 - l.rejected;
                    loads.push(((i, c), CallLoad { sent, kept }));
                }
                passed[c] *= 1.0 - l.rejected;
            }
            let weight: f64 = hedged_parts.iter().map(|p| p.0).sum();
            let limit = flow.limit;
            let unknown = t.iter().any(|tc| matches!(tc, Time::Unknown));
            calls.push(CallEstimate {
                to: call
                    .targets()
                    .iter()
                    .map(|&y| at.name_of(y as usize))
                    .collect::<Vec<_>>()
                    .join("+"),
                join: (!flow.branches.is_empty())
                    .then_some((flow.join, flow.branches.len() as u32)),
                hedge_s: hedge,
                time_s: (!unknown && !parts.is_empty()).then(|| mix(&parts).mean),
                hedged_share: hedge
                    .filter(|_| weight > 0.0)
                    .map(|_| hedged_parts.iter().map(|(w, p)| w * p).sum::<f64>() / weight),
                pool: limit.filter(|l| l.wait).map(|l| l.size),
                pool_wait_s: limit
                    .filter(|l| l.wait)
                    .and_then(|_| l.wait.filter(|_| !unknown))
                    .map(|w| w.mean),
                pool_saturated: limit.is_some_and(|lim| lim.wait) && !unknown && l.wait.is_none(),
                bulkhead: limit.filter(|l| !l.wait).map(|l| l.size),
                rejected: limit.filter(|l| !l.wait).map(|_| l.rejected),
            });
        }
        let total = at.total;
        let rejected = if total > 0.0 {
            (0..rates.len())
                .map(|c| rates[c] * (1.0 - passed[c]))
                .sum::<f64>()
                / total
        } else {
            0.0
        };
        (calls, loads, rejected)
    }
}

impl KindEstimate for Service {
    fn callees(&self) -> Vec<usize> {
        // Sessions are left out of the estimate (and said so): their store
        // is no callee.
        self.calls
            .iter()
            .flat_map(|c| c.targets().iter().map(|&y| y as usize))
            .collect()
    }

    fn route(&self, x: usize, net: &mut Net) {
        let model = net.model;
        for (c, class) in model.traffic.classes.iter().enumerate() {
            let Some(f) = net.flow(x, c).cloned() else {
                continue;
            };
            // The share of requests still going on (past bulkheads).
            let mut alive = 1.0;
            for (i, call) in self.calls.iter().enumerate() {
                if !makes(call, c, class.op) {
                    continue;
                }
                let load = net.call_load(x, i, c).cloned();
                for (j, &y) in call.targets().iter().enumerate() {
                    let mut g = f.clone();
                    // x 1.0 without a load: the flow as before, exactly.
                    g.scale *= alive * load.as_ref().map_or(1.0, |l| l.sent[j]);
                    net.send(y as usize, c, g);
                }
                if let Some(l) = load {
                    alive *= l.kept;
                }
            }
        }
    }

    fn evaluate(&self, at: &EvalCtx, out: &mut Eval, notes: &mut Vec<String>) {
        let own = Mom::of(&self.service_time);
        let times = self.times(at);
        let mut limits = vec![Limit::NONE; self.calls.len()];
        let mut p = self.pass(at, own, &times, &limits);
        if self
            .calls
            .iter()
            .any(|c| c.flow.as_ref().is_some_and(|f| f.limit.is_some()))
        {
            // A pool's wait depends on the instances, an autoscaled count on
            // the holding time with the wait: until the count settles.
            for _ in 0..16 {
                limits = self.limits(at, p.inst.0, &times);
                let q = self.pass(at, own, &times, &limits);
                let done = q.inst.0 == p.inst.0;
                p = q;
                if done {
                    break;
                }
            }
        }
        if let Some(f) = p.usl {
            notes.push(format!(
                "`{}` has a USL size: its own work is estimated {f:.2}x slower, \
                 n / C(n) at the mean number of busy workers",
                at.name()
            ));
        }
        notes.extend(p.inst.1.take());
        let has_flow = self.calls.iter().any(|c| c.flow.is_some());
        let (calls, loads, bulk) = if has_flow {
            self.flow_figures(at, &times, &limits)
        } else {
            (Vec::new(), Vec::new(), 0.0)
        };
        out.loads = loads;
        let inst = p.inst.0;
        out.row.instances = inst;
        let factors = if p.known {
            self.priority(at, inst, &p.hold)
        } else {
            None
        };
        if has_flow || self.discipline != Discipline::Fifo {
            notes.extend(self.flow_notes(at.name(), factors.is_some(), at.closed()));
            out.row.flow = Some(Box::new(FlowEstimate {
                calls,
                levels: Vec::new(),
            }));
        }
        if !p.known {
            // A callee (or a pool) past saturation: no station to speak of.
            out.row.saturated |= out
                .row
                .flow
                .as_ref()
                .is_some_and(|f| f.calls.iter().any(|c| c.pool_saturated));
            return;
        }
        let st = self.station_of(at, inst, p.h);
        let consumer = at.net.line(at.x).is_some();
        let row = &mut out.row;
        row.utilization = Some(st.util);
        row.capacity_rps = Some(st.capacity);
        row.saturated = st.saturated;
        if self.queue.is_some() || consumer {
            row.rejected_share = Some(st.blocked);
        }
        if bulk > 0.0 {
            row.rejected_share = Some(1.0 - (1.0 - st.blocked) * (1.0 - bulk));
        }
        if let Some(wait) = st.wait {
            let scale = |c: usize| factors.as_ref().map_or(1.0, |f| f[c]);
            let waits: Vec<Mom> = (0..p.hold.len())
                .map(|c| {
                    let f = scale(c);
                    if f == 1.0 {
                        wait
                    } else {
                        Mom {
                            mean: wait.mean * f,
                            var: wait.var * f * f,
                        }
                    }
                })
                .collect();
            row.mean_wait_s = Some(match &factors {
                None => wait.mean,
                Some(_) => {
                    let parts: Vec<(f64, Mom)> =
                        (0..waits.len()).map(|c| (at.rates[c], waits[c])).collect();
                    mix(&parts).mean
                }
            });
            for (c, (r, h)) in out.resp.iter_mut().zip(&p.hold).enumerate() {
                *r = h.map(|h| h + waits[c]);
            }
            if factors.is_some()
                && let Some(flow) = row.flow.as_mut()
            {
                flow.levels = levels(at, &waits);
            }
        }
        if consumer {
            row.capacity_rps = Some(st.capacity);
            row.detail = "consumers: one line for all workers".into();
        }
    }

    fn mva(&self, x: usize, _net: &Net, rate: f64, into: &mut MvaNet) {
        let n = self.instances as f64;
        let sm = self.service_time.mean();
        into.stations.push(MvaStation {
            key: (x, 0),
            mult: n,
            demand: rate / n * sm,
            servers: self.workers as f64,
            service: sm,
        });
    }

    fn holding_times(&self) -> Vec<&Dist> {
        vec![&self.service_time]
    }

    fn ignored(&self, _name: &str, left: &mut Ignored) {
        left.guards |= self.calls.iter().any(|k| k.guard.is_some());
        left.rate_limits |= self.rate_limit.is_some();
        left.sessions |= self.sessions.is_some();
    }

    fn capacity_per_instance(&self) -> bool {
        true
    }

    fn possession(&self, row: &ComponentEstimate, x: f64) -> Option<String> {
        // Its workers are held through its calls, which MVA leaves out.
        let u = row.utilization.filter(|u| *u >= 1.0)?;
        Some(format!(
            "`{}`'s workers are held through its calls (which mean-value analysis leaves \
             out): at {} rps they would be {}% busy, so the pool's workers, not the \
             stations, limit throughput: the closed-loop figures are optimistic",
            row.name,
            fmt_rate(x),
            fmt_rate(u * 100.0),
        ))
    }
}

/// Per priority level reached (lowest number first): its mean wait, the
/// waits `waits` per class.
fn levels(at: &EvalCtx, waits: &[Mom]) -> Vec<(u32, Option<f64>)> {
    let mut out: Vec<(u32, Option<f64>)> = Vec::new();
    for (c, class) in at.classes().iter().enumerate() {
        if at.rates[c] > 0.0 && !out.iter().any(|l| l.0 == class.priority) {
            let w = waits[c].mean;
            out.push((class.priority, w.is_finite().then_some(w)));
        }
    }
    out.sort_by_key(|l| l.0);
    out
}
