//! `kind: service` in the analytic estimate: per instance an M/G/c whose
//! holding time is the service time plus the response times of the calls
//! made while a worker is held; a USL size slows its own work, an
//! autoscaled pool is estimated at the count its rule settles on, and a
//! pool consuming a queue is one station of every worker.

use super::model::{Call, Service};
use crate::model::{Dist, Op};
use crate::queueing::{
    ComponentEstimate, Eval, EvalCtx, Ignored, KindEstimate, Mom, MvaNet, MvaStation, Net,
    fmt_rate, mix, station,
};

/// Whether a request of class `c` doing `op` makes `call`.
fn makes(call: &Call, c: usize, op: Op) -> bool {
    call.when.as_ref().is_none_or(|w| w.matches(c as u16, op))
}

impl Service {
    /// Per class: the time a request holds a worker, its own work `own`
    /// plus the calls it makes; `None` when no such request arrives or a
    /// callee has no response time (past saturation).
    fn holding(&self, at: &EvalCtx, own: Mom) -> Vec<Option<Mom>> {
        let mut hold: Vec<Option<Mom>> = vec![None; at.classes().len()];
        for (c, class) in at.classes().iter().enumerate() {
            if at.rates[c] <= 0.0 {
                continue;
            }
            let mut h = Some(own);
            for call in &self.calls {
                if makes(call, c, class.op) {
                    h = match (h, at.call_resp(call.to as usize, c)) {
                        (Some(h), Some(r)) => Some(h + r),
                        _ => None,
                    };
                }
            }
            hold[c] = h;
        }
        hold
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

    /// The instances it is estimated at: an autoscaled pool (open arrivals,
    /// every holding time known) at the count its rule settles on for
    /// mean holding time `h`.
    fn settled(&self, at: &EvalCtx, h: Mom, known: bool, notes: &mut Vec<String>) -> u32 {
        let mut inst = self.instances;
        if let Some(a) = self.autoscale
            && !at.closed()
            && known
        {
            let w = u64::from(self.workers);
            let busy = at.total * h.mean / w as f64;
            let want = (busy / a.target).ceil().max(1.0);
            inst = (want.min(a.max as f64) as u32).max(a.min);
            notes.push(format!(
                "`{}` autoscales: estimated at {inst} instances, what its rule settles on \
                 at this rate (ceil({busy:.2} instances busy / target {}) within {}..{})",
                at.name(),
                a.target,
                a.min,
                a.max
            ));
        }
        inst
    }
}

impl KindEstimate for Service {
    fn callees(&self) -> Vec<usize> {
        // Sessions are left out of the estimate (and said so): their store
        // is no callee.
        self.calls.iter().map(|c| c.to as usize).collect()
    }

    fn route(&self, x: usize, net: &mut Net) {
        let model = net.model;
        for (c, class) in model.traffic.classes.iter().enumerate() {
            let Some(f) = net.flow(x, c).cloned() else {
                continue;
            };
            for call in &self.calls {
                if makes(call, c, class.op) {
                    net.send(call.to as usize, c, f.clone());
                }
            }
        }
    }

    fn evaluate(&self, at: &EvalCtx, out: &mut Eval, notes: &mut Vec<String>) {
        let classes = at.classes().len();
        let rates = at.rates;
        let own = Mom::of(&self.service_time);
        let mut hold = self.holding(at, own);
        let known = (0..classes).all(|c| rates[c] <= 0.0 || hold[c].is_some());
        let parts: Vec<(f64, Mom)> = (0..classes)
            .filter_map(|c| hold[c].map(|h| (rates[c], h)))
            .collect();
        let mut h = if parts.is_empty() { own } else { mix(&parts) };
        let w = u64::from(self.workers);
        if let Some(f) = self.slow_down(at, own, &mut h, &mut hold) {
            notes.push(format!(
                "`{}` has a USL size: its own work is estimated {f:.2}x slower, \
                 n / C(n) at the mean number of busy workers",
                at.name()
            ));
        }
        let inst = self.settled(at, h, known, notes);
        let row = &mut out.row;
        row.instances = inst;
        if !known {
            // A callee past saturation: no station to speak of.
            return;
        }
        let consumer = at.net.line(at.x);
        let st = if let Some(line) = consumer {
            // Consumers pull from one line: one station of every worker.
            let servers = u64::from(inst) * w;
            let room = line.capacity.map(|k| k.saturating_sub(servers));
            at.fixed(0, station(at.total, servers, h, room))
        } else {
            let queue = self.queue.map(u64::from);
            at.fixed(0, station(at.total / inst as f64, w, h, queue))
        };
        row.utilization = Some(st.util);
        row.capacity_rps = Some(st.capacity);
        row.saturated = st.saturated;
        if self.queue.is_some() || consumer.is_some() {
            row.rejected_share = Some(st.blocked);
        }
        if let Some(wait) = st.wait {
            row.mean_wait_s = Some(wait.mean);
            for (r, h) in out.resp.iter_mut().zip(&hold) {
                *r = h.map(|h| h + wait);
            }
        }
        if consumer.is_some() {
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
