//! `kind: load_balancer`: spreads requests over the instances of one service.
//! It takes no time itself; it counts the requests it has outstanding on each
//! instance, which is what `least_connections` and `power_of_two` look at.

pub mod compile;
pub mod estimate;
mod flow;
pub mod model;
pub mod ring;
pub mod spec;

use flow::{Flow, Outliers};
use model::HashBy;

use super::rate_limit::TokenBucket;
use super::{Call, CallId, Ctx, Event, Impairments};
use crate::engine::{SimTime, Stream};
use crate::metrics::{ComponentRow, EventKind, Level, Outcome};
use crate::model::{ComponentId, HealthCheck, Policy, RateLimit};

/// A load balancer in front of a service.
pub struct LoadBalancer {
    id: ComponentId,
    target: ComponentId,
    policy: Policy,
    outstanding: Vec<u32>,
    next: usize,
    stream: Stream,
    in_flight: Level,
    completed: u64,
    rejected: u64,
    health_check: Option<HealthCheck>,
    /// Per instance: marked down by the health check.
    marked_down: Vec<bool>,
    /// Per instance: failed checks in a row.
    failed_checks: Vec<u32>,
    /// Instances not marked down, in order (kept only while some are).
    healthy: Vec<u32>,
    /// What faults do to the balancer itself (one instance).
    faults: Impairments,
    /// `sticky`: per user, the instance it was last sent to (the balancer's
    /// own affinity table, as a cookie names a server; grown on demand).
    sticky: Vec<u32>,
    /// Per instance: not taking traffic (not started, provisioning or
    /// draining in an autoscaled pool), as the pool has told it.
    inactive: Vec<bool>,
    /// One token bucket for everything the balancer receives.
    limit: Option<Box<TokenBucket>>,
    /// Per instance of the pool: up, as the pool has told it (what a
    /// health check's probe finds).
    target_up: Vec<bool>,
    /// The end of the run: no check is set past it.
    end: SimTime,
    /// The [flow] policies' and outlier detection's state; `None` for the
    /// other policies without outlier detection.
    flow: Option<Box<Flow>>,
}

impl LoadBalancer {
    /// Balancer `id`, named `name`, over the `instances` of service `target`.
    pub fn new(
        id: ComponentId,
        name: &str,
        target: ComponentId,
        instances: u32,
        policy: Policy,
        health_check: Option<HealthCheck>,
        seed: u64,
    ) -> LoadBalancer {
        LoadBalancer {
            id,
            target,
            policy,
            outstanding: vec![0; instances as usize],
            next: 0,
            stream: Stream::new(seed, name, "routing"),
            in_flight: Level::default(),
            completed: 0,
            rejected: 0,
            health_check,
            marked_down: vec![false; instances as usize],
            failed_checks: vec![0; instances as usize],
            healthy: Vec::new(),
            faults: Impairments::new(1, Stream::new(seed, name, "faults")),
            sticky: Vec::new(),
            inactive: vec![false; instances as usize],
            limit: None,
            target_up: vec![true; instances as usize],
            end: SimTime::NEVER,
            flow: None,
        }
    }

    /// Fronts an autoscaled pool whose instances `serving..` do not take
    /// traffic at the start.
    pub fn with_serving(mut self, serving: u32) -> LoadBalancer {
        for (i, off) in self.inactive.iter_mut().enumerate() {
            *off = i as u32 >= serving;
        }
        self.rebuild_healthy();
        self
    }

    /// Puts a token bucket in front of everything it receives.
    pub fn with_rate_limit(mut self, limit: Option<RateLimit>) -> LoadBalancer {
        self.limit = limit.map(|l| Box::new(TokenBucket::new(l)));
        self
    }

    /// The pool says instance `i` starts or stops taking traffic. When it
    /// stops, the balancer answers that it no longer sends to it (the pool
    /// removes a draining instance only then). Sessions pinned to `i` would
    /// be released here. The engine carries [`Event::Serving`] here.
    #[cold]
    #[inline(never)]
    pub fn set_serving(&mut self, i: usize, serving: bool, ctx: &mut Ctx) {
        self.inactive[i] = !serving;
        self.rebuild_healthy();
        if !serving {
            ctx.events.schedule_now(Event::Released {
                to: self.target,
                instance: i as u32,
            });
        }
    }

    /// Takes a token for a call; false when the bucket is empty (the call
    /// is rejected).
    #[cold]
    #[inline(never)]
    fn admit(&mut self, now: SimTime) -> bool {
        self.limit.as_mut().is_none_or(|b| b.admit(now))
    }

    /// Reacts to a call arriving or a reply from an instance.
    #[inline]
    pub fn on(&mut self, event: Event, ctx: &mut Ctx) {
        match event {
            Event::Deliver { call } => self.forward(call, ctx),
            Event::Reply { call, outcome } => self.replied(call, outcome, ctx),
            _ => {
                unreachable!("a load balancer only forwards calls and replies")
            }
        }
    }

    /// Picks an instance by the policy.
    #[inline]
    fn pick(&mut self) -> usize {
        let n = self.outstanding.len();
        if n == 1 {
            return 0;
        }
        match self.policy {
            Policy::RoundRobin => {
                let i = self.next;
                self.next = (i + 1) % n;
                i
            }
            Policy::Random => self.stream.index(n),
            // Sticky places new users, and consistent hashing calls
            // without a key or user, by least connections.
            Policy::LeastConnections | Policy::Sticky | Policy::ConsistentHash { .. } => {
                // Scan from a rotating start so that ties do not always favour
                // the first instance.
                let start = self.next;
                self.next = (start + 1) % n;
                let mut best = start;
                for k in 1..n {
                    let i = (start + k) % n;
                    if self.outstanding[i] < self.outstanding[best] {
                        best = i;
                    }
                }
                best
            }
            Policy::PowerOfTwo => {
                let a = self.stream.index(n);
                let mut b = self.stream.index(n - 1);
                if b >= a {
                    b += 1;
                }
                if self.outstanding[b] < self.outstanding[a] {
                    b
                } else {
                    a
                }
            }
            Policy::Weighted | Policy::LeastResponseTime { .. } => {
                unreachable!("picked by pick_flow")
            }
        }
    }

    /// Picks among the instances not marked down (some are): the same
    /// policies over the healthy ones.
    #[cold]
    fn pick_healthy(&mut self) -> usize {
        let h = &self.healthy;
        let n = h.len();
        if n == 1 {
            return if h[0] == u32::MAX {
                usize::MAX
            } else {
                h[0] as usize
            };
        }
        match self.policy {
            Policy::RoundRobin => {
                // The next instance in turn that is not marked down: the
                // first in the (sorted) list from `next` on, else the first.
                // A search, not a walk over the instances out, which are
                // most of an autoscaled pool's `max` slots.
                let k = h.partition_point(|&x| (x as usize) < self.next);
                let i = h.get(k).copied().unwrap_or(h[0]) as usize;
                self.next = (i + 1) % self.outstanding.len();
                i
            }
            Policy::Random => h[self.stream.index(n)] as usize,
            Policy::LeastConnections | Policy::Sticky | Policy::ConsistentHash { .. } => {
                let start = self.next % n;
                self.next = (self.next + 1) % self.outstanding.len();
                let mut best = h[start] as usize;
                for k in 1..n {
                    let i = h[(start + k) % n] as usize;
                    if self.outstanding[i] < self.outstanding[best] {
                        best = i;
                    }
                }
                best
            }
            Policy::PowerOfTwo => {
                let a = self.stream.index(n);
                let mut b = self.stream.index(n - 1);
                if b >= a {
                    b += 1;
                }
                let (a, b) = (h[a] as usize, h[b] as usize);
                if self.outstanding[b] < self.outstanding[a] {
                    b
                } else {
                    a
                }
            }
            Policy::Weighted | Policy::LeastResponseTime { .. } => {
                unreachable!("picked by pick_flow")
            }
        }
    }

    /// Whether instance `i` takes no new calls: marked down, not serving,
    /// or ejected.
    #[inline]
    fn out(&self, i: usize) -> bool {
        self.marked_down[i] || self.inactive[i] || self.flow.as_ref().is_some_and(|f| f.ejected(i))
    }

    /// The instance by a [flow] policy, or by the others' pickers when
    /// only outlier detection is set; `usize::MAX` when none takes traffic.
    #[inline(never)]
    fn pick_flow(&mut self, call: CallId, ctx: &mut Ctx) -> usize {
        match self.policy {
            Policy::Weighted => {
                let u = self.stream.uniform();
                let f = self.flow.as_ref().expect("a weighted balancer's state");
                f.weighted(u).unwrap_or(usize::MAX)
            }
            Policy::LeastResponseTime { .. } => self.pick_ewma(ctx.now),
            Policy::ConsistentHash { .. } => self.pick_hashed(call, ctx),
            _ if self.healthy.is_empty() => self.pick(),
            _ => self.pick_healthy(),
        }
    }

    /// `least_response_time`: power of two choices over peak EWMA's cost,
    /// as Finagle's `Balancers.p2cPeakEwma` (two distinct instances at
    /// random among those taking traffic, the cheaper; a tie goes to the
    /// first drawn).
    fn pick_ewma(&mut self, now: SimTime) -> usize {
        let all = self.healthy.is_empty();
        let n = if all {
            self.outstanding.len()
        } else {
            self.healthy.len()
        };
        let at = |k: usize, h: &[u32]| if all { k } else { h[k] as usize };
        if n == 1 {
            let i = if all { 0 } else { self.healthy[0] };
            return if i == u32::MAX {
                usize::MAX
            } else {
                i as usize
            };
        }
        let a = self.stream.index(n);
        let mut b = self.stream.index(n - 1);
        if b >= a {
            b += 1;
        }
        let (a, b) = (at(a, &self.healthy), at(b, &self.healthy));
        let f = self
            .flow
            .as_mut()
            .expect("a least_response_time balancer's state");
        let ca = f.cost(a, now, self.outstanding[a]);
        let cb = f.cost(b, now, self.outstanding[b]);
        if cb < ca { b } else { a }
    }

    /// `consistent_hash`: the ring's instance for the call's key (or
    /// user), walking on past instances that take no traffic; a call
    /// without one (a class without keys, a request without a user) is
    /// placed by least connections.
    fn pick_hashed(&mut self, call: CallId, ctx: &mut Ctx) -> usize {
        let c = &ctx.calls[call];
        let f = self
            .flow
            .as_ref()
            .expect("a consistent_hash balancer's state");
        let (ring, by) = f.ring.as_ref().expect("its ring");
        let value = match by {
            HashBy::Key => f
                .keyed
                .get(c.class as usize)
                .copied()
                .unwrap_or(false)
                .then(|| c.key.get()),
            HashBy::User => ctx.users.get(c.request).map(u64::from),
        };
        match value {
            Some(v) => ring
                .owner(ring::mix(v), |i| self.out(i))
                .unwrap_or(usize::MAX),
            None if self.healthy.is_empty() => self.pick(),
            None => self.pick_healthy(),
        }
    }

    /// `sticky`: the instance the call's user was sent to before, unless it
    /// is marked down; otherwise (a new user, a dead instance, a call
    /// without a user) the least connected instance, remembered for the user.
    #[inline(never)]
    fn pick_sticky(&mut self, call: CallId, ctx: &mut Ctx) -> usize {
        let user = ctx.users.get(ctx.calls[call].request);
        if let Some(u) = user
            && let Some(&i) = self.sticky.get(u as usize)
            && i != u32::MAX
            && !self.out(i as usize)
        {
            return i as usize;
        }
        let i = if self.healthy.is_empty() {
            self.pick()
        } else {
            self.pick_healthy()
        };
        if let Some(u) = user
            && i != usize::MAX
        {
            let u = u as usize;
            if u >= self.sticky.len() {
                self.sticky.resize(u + 1, u32::MAX);
            }
            self.sticky[u] = i as u32;
        }
        i
    }

    #[inline]
    fn forward(&mut self, call: CallId, ctx: &mut Ctx) {
        if self.faults.active()
            && let Some(outcome) = self.faults.refuse(0)
        {
            ctx.reply(call, outcome);
            return;
        }
        if self.limit.is_some() && !self.admit(ctx.now) {
            self.rejected += 1;
            ctx.reply(call, Outcome::Rejected);
            return;
        }
        let i = if self.policy == Policy::Sticky {
            self.pick_sticky(call, ctx)
        } else if self.flow.is_some() {
            self.pick_flow(call, ctx)
        } else if self.healthy.is_empty() {
            self.pick()
        } else {
            self.pick_healthy()
        };
        if i == usize::MAX {
            // Every instance is marked down: nothing to send to.
            self.rejected += 1;
            ctx.reply(call, Outcome::Rejected);
            return;
        }
        self.outstanding[i] += 1;
        self.in_flight.incr(ctx.now);
        let parent: Call = ctx.calls[call];
        let child = ctx.calls.insert(parent.child(call, self.target, i as u32));
        if let Some(f) = &mut self.flow
            && !f.ewma.is_empty()
        {
            let k = child.index();
            if k >= f.sent.len() {
                f.sent.resize(k + 1, SimTime::ZERO);
            }
            f.sent[k] = ctx.now;
        }
        ctx.send(child);
    }

    #[inline]
    fn replied(&mut self, child: CallId, outcome: Outcome, ctx: &mut Ctx) {
        let c = ctx.calls.remove(child).expect("a live call");
        self.outstanding[c.instance as usize] -= 1;
        self.in_flight.decr(ctx.now);
        match outcome {
            Outcome::Ok => self.completed += 1,
            Outcome::Rejected => self.rejected += 1,
            _ => {}
        }
        let parent = c.parent.expect("a balancer's call has a parent");
        if self.flow.is_some() {
            self.learn(child, &c, parent, outcome, ctx);
        }
        ctx.reply(parent, outcome);
    }

    /// What a reply teaches the [flow] state: its latency (peak EWMA) and
    /// whether it was an error (outlier detection). A call its caller
    /// abandoned (its own `cancelled` flag, or its parent's) teaches
    /// nothing: it may come back failed without having been served.
    #[inline(never)]
    fn learn(&mut self, child: CallId, c: &Call, parent: CallId, outcome: Outcome, ctx: &mut Ctx) {
        if c.cancelled || ctx.calls.get(parent).is_some_and(|p| p.cancelled) {
            return;
        }
        let i = c.instance as usize;
        let f = self.flow.as_mut().expect("learning with flow state");
        // Only replies that carry a latency: a fast failure (an `errors`
        // fault, a full queue) would make a broken instance look fast and
        // draw more calls to it.
        if !f.ewma.is_empty() && matches!(outcome, Outcome::Ok | Outcome::TimedOut) {
            let sent = f.sent[child.index()];
            f.observe(i, ctx.now, ctx.now - sent);
        }
        let Some(o) = &mut f.outlier else {
            return;
        };
        if o.ejected[i] {
            // Replies of calls sent before the ejection: it is out already.
            return;
        }
        if outcome == Outcome::Ok {
            o.errors[i] = 0;
            return;
        }
        o.errors[i] = o.errors[i].saturating_add(1);
        if o.errors[i] < o.od.consecutive_errors {
            return;
        }
        // Envoy's max_ejection_percent: eject only while the share out is
        // below the cap, so one instance can always go.
        let pool = self.inactive.iter().filter(|&&off| !off).count();
        if (o.count as f64) < o.od.max_ejected * pool as f64 {
            o.ejected[i] = true;
            o.count += 1;
            o.errors[i] = 0;
            o.log.push((ctx.now, EventKind::Ejected, i as u32));
            let back = ctx.now + o.od.eject_for;
            if back < self.end {
                ctx.events.schedule(
                    back,
                    Event::Timer {
                        component: self.id,
                        tag: i as u32,
                    },
                );
            }
            self.rebuild_healthy();
        }
    }

    /// An ejection is over: instance `i` takes traffic again.
    fn returned(&mut self, i: usize, now: SimTime) {
        let Some(o) = self.flow.as_mut().and_then(|f| f.outlier.as_mut()) else {
            unreachable!("a timer of outlier detection")
        };
        o.ejected[i] = false;
        o.count -= 1;
        o.errors[i] = 0;
        o.log.push((now, EventKind::Returned, i as u32));
        self.rebuild_healthy();
    }

    /// The answer of instance `i` to a health check: marks it down after
    /// `failures` failed checks in a row, up after a passing one. Returns
    /// what changed.
    pub fn checked(&mut self, i: usize, up: bool) -> Option<EventKind> {
        let hc = self.health_check?;
        if up {
            self.failed_checks[i] = 0;
            if self.marked_down[i] {
                self.marked_down[i] = false;
                self.rebuild_healthy();
                return Some(EventKind::Restored);
            }
        } else {
            self.failed_checks[i] = self.failed_checks[i].saturating_add(1);
            if !self.marked_down[i] && self.failed_checks[i] >= hc.failures {
                self.marked_down[i] = true;
                self.rebuild_healthy();
                return Some(EventKind::Detected);
            }
        }
        None
    }

    fn rebuild_healthy(&mut self) {
        let mut healthy = std::mem::take(&mut self.healthy);
        healthy.clear();
        // Instances that do not take traffic, or ejected, are left out like
        // those marked down: the same pickers serve all.
        let n = self.marked_down.len();
        if (0..n).any(|i| self.out(i)) {
            healthy.extend((0..n as u32).filter(|&i| !self.out(i as usize)));
            if healthy.is_empty() {
                // All down: a sentinel the picker turns into a rejection.
                healthy.push(u32::MAX);
            }
        }
        self.healthy = healthy;
        if let Some(f) = &mut self.flow
            && !f.weights.is_empty()
        {
            f.rebuild_cumulative(&self.marked_down, &self.inactive);
        }
    }

    /// The balancer crashes: the calls it holds fail now.
    pub fn crash(&mut self, active: &[CallId], ctx: &mut Ctx) {
        if !self.faults.crash(0) {
            return;
        }
        for &call in active {
            ctx.reply(call, Outcome::Failed);
        }
        // Replies to the calls it forwarded will be dropped: nothing is
        // outstanding any more.
        self.outstanding.iter_mut().for_each(|o| *o = 0);
        self.in_flight.set(ctx.now, 0);
    }

    /// The balancer is repaired.
    pub fn restore(&mut self) -> bool {
        self.faults.restore(0)
    }
}

impl LoadBalancer {
    /// The running balancer of `m` (the assembly step), over its pool's
    /// instance slots; in front of an autoscaled pool only the instances
    /// serving at the start take traffic.
    pub fn build(m: &crate::model::LoadBalancer, at: &super::Assembly) -> LoadBalancer {
        let pool = at.other(m.to);
        let mut balancer = LoadBalancer::new(
            at.id,
            at.name,
            m.to,
            pool.slots(),
            m.policy,
            m.health_check,
            at.seed(),
        );
        if pool.autoscales() {
            balancer = balancer.with_serving(pool.fault_instances());
        }
        if m.rate_limit.is_some() {
            balancer = balancer.with_rate_limit(m.rate_limit);
        }
        balancer.end = at.end();
        let flow_policy = matches!(
            m.policy,
            Policy::Weighted | Policy::LeastResponseTime { .. } | Policy::ConsistentHash { .. }
        );
        if flow_policy || m.outlier.is_some() {
            balancer.flow = Some(Box::new(Self::flow_state(m, at, pool)));
            balancer.rebuild_healthy();
        }
        balancer
    }

    /// The [flow] state of balancer `m`, over the slots of `pool`.
    #[cold]
    fn flow_state(
        m: &crate::model::LoadBalancer,
        at: &super::Assembly,
        pool: &dyn super::kind::KindModel,
    ) -> Flow {
        let n = pool.slots();
        let (ewma, tau) = match m.policy {
            Policy::LeastResponseTime { decay } => {
                (vec![(0.0, SimTime::ZERO); n as usize], decay.nanos() as f64)
            }
            _ => (Vec::new(), 1.0),
        };
        let ring = match m.policy {
            Policy::ConsistentHash { by } => Some((ring::Ring::new(n), by)),
            _ => None,
        };
        let keyed = at
            .model
            .traffic
            .classes
            .iter()
            .map(|c| c.key.is_some())
            .collect();
        let outlier = m.outlier.map(|od| {
            let target = &at.model.components[m.to as usize].name;
            Outliers {
                od,
                errors: vec![0; n as usize],
                ejected: vec![false; n as usize],
                count: 0,
                log: Vec::new(),
                names: (0..n)
                    .map(|i| super::kind::instance_name(target, pool, i).to_string())
                    .collect(),
                balancer: at.name.to_string(),
            }
        });
        Flow {
            weights: m.weights.clone(),
            cumulative: Vec::new(),
            ewma,
            tau,
            sent: Vec::new(),
            ring,
            keyed,
            outlier,
        }
    }

    /// A health check: each instance's probe finds what the pool last told
    /// of it; the next check follows `interval` later.
    fn check_health(&mut self, ctx: &mut Ctx, seen: &mut Vec<super::kind::Happened>) {
        let hc = self.health_check.expect("scheduled for a health check");
        for i in 0..self.target_up.len() {
            if let Some(kind) = self.checked(i, self.target_up[i]) {
                seen.push(super::kind::Happened::Health {
                    target: self.target,
                    instance: i as u32,
                    kind,
                    failures: hc.failures,
                });
            }
        }
        let next = ctx.now + hc.interval;
        if next < self.end {
            ctx.events
                .schedule(next, Event::HealthCheck { balancer: self.id });
        }
    }
}

impl super::Runtime for LoadBalancer {
    #[inline]
    fn on(&mut self, event: Event, ctx: &mut Ctx) {
        LoadBalancer::on(self, event, ctx)
    }

    fn on_timer(&mut self, event: Event, ctx: &mut Ctx, seen: &mut Vec<super::kind::Happened>) {
        match event {
            Event::HealthCheck { .. } => self.check_health(ctx, seen),
            Event::Serving {
                instance, serving, ..
            } => self.set_serving(instance as usize, serving, ctx),
            Event::Timer { tag, .. } => self.returned(tag as usize, ctx.now),
            _ => unreachable!("{event:?} is not a balancer's"),
        }
    }

    /// Hands over outlier detection's ejections and returns for
    /// `events.csv`, through the log the run merges and sorts by time
    /// with the autoscalers' (the nearest general log `Ending` has).
    fn finish(&mut self, _: SimTime, out: &mut super::kind::Ending) {
        let Some(o) = self.flow.as_mut().and_then(|f| f.outlier.as_mut()) else {
            return;
        };
        for &(time, kind, i) in &o.log {
            let detail = match kind {
                EventKind::Ejected => format!(
                    "ejected by `{}` after {} errors in a row for {}",
                    o.balancer, o.od.consecutive_errors, o.od.eject_for
                ),
                _ => format!("back in `{}` after its ejection", o.balancer),
            };
            out.scaling_log.push(crate::metrics::LoggedEvent {
                time,
                kind,
                target: o.names[i as usize].clone(),
                detail,
                fault: None,
            });
        }
        o.log.clear();
    }

    /// Its pool's instances going down and coming back.
    fn hear(&mut self, notice: super::kind::Notice, _: &mut Ctx) {
        match notice {
            super::kind::Notice::InstanceDown { from, instance } if from == self.target => {
                self.target_up[instance as usize] = false
            }
            super::kind::Notice::InstanceUp { from, instance } if from == self.target => {
                self.target_up[instance as usize] = true
            }
            _ => {}
        }
    }

    fn start(&mut self, ctx: &mut Ctx) {
        if let Some(hc) = self.health_check {
            ctx.events.schedule(
                SimTime::ZERO + hc.interval,
                Event::HealthCheck { balancer: self.id },
            );
        }
    }

    /// Appends the balancer's row (`*`): requests outstanding on average,
    /// replies passed back, and rejections seen.
    fn report_window(&mut self, start: SimTime, end: SimTime, out: &mut Vec<ComponentRow>) {
        let outstanding = self.in_flight.take_average(end, end.0 - start.0);
        let up = self.faults.take_up(0);
        out.push(ComponentRow {
            up,
            in_service: Some(outstanding),
            completed: std::mem::take(&mut self.completed),
            rejected: std::mem::take(&mut self.rejected),
            ..ComponentRow::empty(start, self.id, None)
        });
    }

    fn impairments(&mut self) -> &mut Impairments {
        &mut self.faults
    }

    fn crash(&mut self, _: u32, ctx: &mut Ctx) -> (bool, u64) {
        let held = super::kind::held_calls(ctx.calls, self.id, None);
        let up = self.faults.is_up(0);
        LoadBalancer::crash(self, &held, ctx);
        (up, 0)
    }

    fn restore(&mut self, _: u32, _: &mut Ctx) -> bool {
        LoadBalancer::restore(self)
    }
}
