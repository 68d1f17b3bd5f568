//! `kind: service`: a pool of identical stateless instances. Each instance has
//! `workers` servers and a FCFS queue of `queue` waiting slots. A request holds
//! its worker for its service time, then for each downstream call in turn,
//! then replies.

pub mod compile;
pub mod estimate;
pub mod model;
pub mod spec;

pub mod autoscale;
pub mod autoscaler;
mod flow;
mod guarded;
mod lines;

use super::rate_limit::TokenBucket;
use super::sessions::{LocalSessions, SESSION_KEYS};
use super::station::{Admit, Station, Workers};
use super::{ANY_INSTANCE, CallId, Ctx, Event, Impairments};
use crate::engine::{SimTime, Stream};
use crate::metrics::ScalingTrace;
use crate::metrics::{ComponentRow, LoggedEvent, Outcome};
use crate::model::{ComponentId, Dist};
use autoscaler::Autoscaler;

/// One instance of the pool.
struct Instance {
    station: Station,
    completed: u64,
    rejected: u64,
}

/// A pool of service instances.
pub struct Service {
    id: ComponentId,
    workers: Workers,
    service_time: Dist,
    calls: Vec<crate::model::Call>,
    instances: Vec<Instance>,
    service_stream: Stream,
    routing_stream: Stream,
    faults: Impairments,
    /// Its users' sessions; `None` (the common case) when it keeps none.
    sessions: Option<Box<Sessions>>,
    /// Timeouts, retries and breakers of its calls; `None` when no call has
    /// any (then replies and sends take the plain path).
    guarded: Option<Box<guarded::Guarded>>,
    /// Autoscaling or a rate limit: arrivals take the slow path.
    extras: bool,
    /// The autoscaler, when the pool scales.
    scaling: Option<Box<Autoscaler>>,
    /// Per instance, its token bucket (empty without a `rate_limit`).
    limits: Vec<TokenBucket>,
    /// Its [flow] calls (parallel, hedged, pooled); `None` when it has none.
    flows: Option<Box<flow::Flows>>,
    /// Its instances' lines when the discipline is not FIFO; `None` (the
    /// common case): the stations' FIFO lines.
    lined: Option<Box<lines::Lined>>,
    /// Some call of the model abandons calls (a hedge's loser, a branch
    /// past its join): a freed worker skips the abandoned ones waiting.
    skips_abandoned: bool,
    /// Abandoned requests taken out of its lines unserved: since the
    /// start, and at the end of the warm-up.
    cancelled: [u64; 2],
}

/// Where a pool keeps its users' sessions.
enum Sessions {
    /// On its instances.
    Local(LocalSessions),
    /// In a shared cache or database, read before each request's work.
    Store(ComponentId),
}

/// A call's `step` while it waits for its session to be read from the store.
const SESSION_READ: u16 = u16::MAX - 1;

impl Service {
    /// The pool `id`, named `name`, as the model describes it.
    pub fn new(id: ComponentId, name: &str, m: &crate::model::Service, seed: u64) -> Service {
        Service {
            id,
            workers: Workers::new(
                m.workers,
                m.queue.map(|q| q as usize),
                m.size
                    .as_ref()
                    .and_then(|z| z.usl)
                    .map(|u| u.table(m.workers)),
            ),
            service_time: m.service_time.clone(),
            calls: m.calls.clone(),
            instances: (0..m.slots())
                .map(|_| Instance {
                    station: Station::default(),
                    completed: 0,
                    rejected: 0,
                })
                .collect(),
            service_stream: Stream::new(seed, name, "service"),
            routing_stream: Stream::new(seed, name, "routing"),
            sessions: m.sessions.map(|s| {
                Box::new(match s {
                    crate::model::Sessions::Local => {
                        Sessions::Local(LocalSessions::new(m.slots() as usize))
                    }
                    crate::model::Sessions::Store(store) => Sessions::Store(store),
                })
            }),
            guarded: guarded::Guarded::new(&m.calls, name, seed),
            faults: Impairments::new(m.slots() as usize, Stream::new(seed, name, "faults")),
            extras: m.autoscale.is_some() || m.rate_limit.is_some(),
            scaling: m
                .autoscale
                .map(|a| Box::new(Autoscaler::new(name, a, m.workers, m.instances))),
            limits: m
                .rate_limit
                .map(|r| vec![TokenBucket::new(r); m.slots() as usize])
                .unwrap_or_default(),
            flows: flow::Flows::new(&m.calls, m.slots()),
            lined: None,
            skips_abandoned: false,
            cancelled: [0; 2],
        }
    }

    /// Wires the balancers in front of the pool: they are told which
    /// instances take traffic as the autoscaler changes it.
    pub fn set_balancers(&mut self, balancers: Vec<crate::model::ComponentId>) {
        if let Some(a) = &mut self.scaling {
            a.balancers = balancers;
        }
    }

    /// Reacts to an event for one of its calls.
    #[inline]
    pub fn on(&mut self, event: Event, ctx: &mut Ctx) {
        match event {
            Event::Deliver { call } => self.arrive(call, ctx),
            Event::ServiceDone { call } => self.next_call(call, ctx),
            Event::Reply { call, outcome } => self.downstream_replied(call, outcome, ctx),
            _ => {
                unreachable!("only calls, their work and replies reach a service")
            }
        }
    }

    #[inline]
    fn arrive(&mut self, call: CallId, ctx: &mut Ctx) {
        if self.extras && self.arrive_extras(call, ctx) {
            return;
        }
        let n = self.instances.len();
        let c = &mut ctx.calls[call];
        if c.instance == ANY_INSTANCE {
            // No balancer in front: pick one at random, as a service proxy does.
            c.instance = if n == 1 {
                0
            } else {
                self.routing_stream.index(n) as u32
            };
        }
        let i = c.instance as usize;
        if self.faults.active()
            && let Some(outcome) = self.faults.refuse(i)
        {
            ctx.reply(call, outcome);
            return;
        }
        if self.lined.is_some() {
            return self.arrive_lined(i, call, ctx);
        }
        let inst = &mut self.instances[i];
        match inst.station.admit(&self.workers, call, ctx.now) {
            Admit::Start => self.begin(i, call, ctx),
            Admit::Queued => {}
            Admit::Full => {
                inst.rejected += 1;
                ctx.reply(call, Outcome::Rejected);
            }
        }
    }

    /// A worker of instance `i` takes `call`: its session first, if the
    /// pool keeps sessions, then its service time.
    #[inline(always)]
    fn begin(&mut self, i: usize, call: CallId, ctx: &mut Ctx) {
        if self.sessions.is_some() && self.session(i, call, ctx) {
            return;
        }
        self.work(i, call, ctx);
    }

    #[inline(always)]
    fn work(&mut self, i: usize, call: CallId, ctx: &mut Ctx) {
        let mut t = self.service_time.sample(&mut self.service_stream);
        if self.workers.has_usl() {
            t = self.workers.stretch(&self.instances[i].station, t);
        }
        let t = self.faults.scale(i, t);
        ctx.events
            .schedule(ctx.now + t, Event::ServiceDone { call });
    }

    /// Finds or creates the session of the call's user on instance `i`
    /// (local), or reads it from the store: true if the call now waits for
    /// that read.
    #[inline(never)]
    fn session(&mut self, i: usize, call: CallId, ctx: &mut Ctx) -> bool {
        let c = ctx.calls[call];
        // Work a crash orphaned has no user any more: no session either.
        let Some(user) = ctx.users.get(c.request) else {
            return false;
        };
        match self.sessions.as_deref_mut() {
            Some(Sessions::Local(local)) => {
                local.serve(user, i);
                false
            }
            Some(Sessions::Store(store)) => {
                ctx.calls[call].step = SESSION_READ;
                let mut read = c.child(call, *store, ANY_INSTANCE);
                read.op = crate::model::Op::Read;
                read.key = (SESSION_KEYS + user as u64).into();
                let read = ctx.calls.insert(read);
                ctx.send(read);
                true
            }
            None => false,
        }
    }

    /// The store answered a call's session read: its own work starts.
    #[cold]
    fn session_read(&mut self, call: CallId, ctx: &mut Ctx) {
        ctx.calls[call].step = 0;
        let i = ctx.calls[call].instance as usize;
        self.work(i, call, ctx);
    }

    /// Makes the next downstream call that applies to this request, or
    /// finishes the request if none is left.
    #[inline]
    fn next_call(&mut self, call: CallId, ctx: &mut Ctx) {
        let c = ctx.calls[call];
        let mut step = c.step as usize;
        while let Some(spec) = self.calls.get(step) {
            step += 1;
            if spec.when.as_ref().is_none_or(|w| w.matches(c.class, c.op)) {
                ctx.calls[call].step = step as u16;
                if let Some(f) = &self.flows
                    && (f.is_parallel(step - 1) || (self.guarded.is_none() && f.has(step - 1)))
                {
                    return self.flow_send(call, step - 1, ctx);
                }
                if self.guarded.is_some() {
                    return self.guarded_send(call, step - 1, ctx);
                }
                let child = ctx.calls.insert(c.child(call, spec.to, ANY_INSTANCE));
                ctx.send(child);
                return;
            }
        }
        self.finish(call, Outcome::Ok, ctx);
    }

    #[inline]
    fn downstream_replied(&mut self, child: CallId, outcome: Outcome, ctx: &mut Ctx) {
        if self.flows.is_some() && self.flow_replied(child, outcome, ctx) {
            return;
        }
        if self.guarded.is_some() {
            return self.guarded_reply(child, outcome, ctx);
        }
        let parent = ctx
            .calls
            .remove(child)
            .and_then(|c| c.parent)
            .expect("a reply to a service call has a parent");
        match outcome {
            Outcome::Ok if self.sessions.is_some() && ctx.calls[parent].step == SESSION_READ => {
                self.session_read(parent, ctx)
            }
            Outcome::Ok => self.next_call(parent, ctx),
            // A failed dependency fails the request; the worker is freed.
            _ => self.finish(parent, outcome, ctx),
        }
    }

    #[inline]
    fn finish(&mut self, call: CallId, outcome: Outcome, ctx: &mut Ctx) {
        let i = ctx.calls[call].instance as usize;
        let now = ctx.now;
        let inst = &mut self.instances[i];
        if outcome == Outcome::Ok {
            inst.completed += 1;
        }
        ctx.reply(call, outcome);
        if self.lined.is_some() || self.skips_abandoned {
            return self.next_waiting(i, ctx);
        }
        match inst.station.release(now) {
            // The worker goes straight to the next waiting request.
            Some(next) => self.begin(i, next, ctx),
            None => {
                if self.extras && inst.station.busy() == 0 {
                    self.drained(i, now);
                }
            }
        }
    }

    /// An arrival at a pool that scales or limits its rate: picks a serving
    /// instance when no balancer has, and takes a token from the instance's
    /// bucket. True if the call was rejected.
    #[cold]
    #[inline(never)]
    fn arrive_extras(&mut self, call: CallId, ctx: &mut Ctx) -> bool {
        let c = &mut ctx.calls[call];
        if let Some(a) = &mut self.scaling {
            a.arrived();
            if c.instance == ANY_INSTANCE {
                // No balancer in front: a random one of those serving.
                let n = a.serving.len();
                if n == 0 {
                    ctx.reply(call, Outcome::Rejected);
                    return true;
                }
                c.instance = if n == 1 {
                    a.serving[0]
                } else {
                    a.serving[self.routing_stream.index(n)]
                };
            } else {
                a.revive(c.instance as usize, ctx.now);
            }
        }
        if self.limits.is_empty() {
            return false;
        }
        let i = if c.instance == ANY_INSTANCE {
            let n = self.instances.len();
            let i = if n == 1 {
                0
            } else {
                self.routing_stream.index(n) as u32
            };
            c.instance = i;
            i as usize
        } else {
            c.instance as usize
        };
        if self.limits[i].admit(ctx.now) {
            return false;
        }
        self.instances[i].rejected += 1;
        ctx.reply(call, Outcome::Rejected);
        true
    }

    /// Instance `i` may have drained: removes it when it is draining, idle,
    /// and no balancer may still send to it.
    #[cold]
    #[inline(never)]
    fn drained(&mut self, i: usize, now: SimTime) {
        let inst = &self.instances[i];
        let line_empty = self.lined.as_ref().is_none_or(|l| l.lines[i].len() == 0);
        if let Some(a) = &mut self.scaling
            && a.may_remove(i)
            && inst.station.is_idle()
            && line_empty
        {
            a.remove(i, now);
            // Its local sessions go with it: their users log in again.
            self.drop_sessions(i);
        }
    }

    /// A balancer has stopped sending to instance `i` (the engine carries
    /// [`Event::Released`] here).
    #[cold]
    #[inline(never)]
    pub fn released(&mut self, i: usize, now: SimTime) {
        if let Some(a) = &mut self.scaling
            && a.released(i)
        {
            self.drained(i, now);
        }
    }

    /// An autoscaler timer: a decision ([`autoscaler::DECIDE`]) or instance
    /// `tag` done provisioning; or the consumed queue's answer to a
    /// `backlog` decision's question ([`Event::Backlog`]). Tells the
    /// balancers in front (or the queue) what changed.
    pub fn timer(&mut self, event: Event, ctx: &mut Ctx) {
        let now = ctx.now;
        let Some(a) = &mut self.scaling else {
            unreachable!("only an autoscaled pool sets timers")
        };
        let (tag, answer) = match event {
            Event::Timer { tag, .. } => (tag, None),
            Event::Backlog { held, .. } => (autoscaler::DECIDE, Some(held as u64)),
            _ => unreachable!("{event:?} is not an autoscaler's"),
        };
        if tag != autoscaler::DECIDE {
            if a.ready(tag as usize, now) {
                for &b in &a.balancers {
                    ctx.events.schedule_now(Event::Serving {
                        to: b,
                        instance: tag,
                        serving: true,
                    });
                }
            }
            return;
        }
        let next = Event::Timer {
            component: self.id,
            tag: autoscaler::DECIDE,
        };
        let metric = a.metric();
        if metric == autoscale::ScaleMetric::Backlog && answer.is_none() {
            // The queue holds the figure: ask it, decide on its answer.
            for &b in &a.balancers {
                ctx.events.schedule_now(Event::Backlog {
                    to: b,
                    held: autoscaler::ASK,
                });
            }
            ctx.events.schedule(now + a.every(), next);
            return;
        }
        // Over the slots in use only (exact: integer sums, and a slot off
        // all window holds nothing and was busy for no time).
        let live = a.live();
        let level = match metric {
            autoscale::ScaleMetric::QueueLen => live
                .iter()
                .map(|&i| self.instances[i as usize].station.waiting() as u64)
                .sum(),
            _ => answer.unwrap_or(0),
        };
        let busy: u128 = live
            .iter()
            .map(|&i| self.instances[i as usize].station.busy_area_to(now))
            .sum();
        let actions = a.decide(now, busy, level);
        for &(i, at) in &actions.started {
            ctx.events.schedule(
                at,
                Event::Timer {
                    component: self.id,
                    tag: i,
                },
            );
        }
        for &i in &actions.draining {
            for &b in &a.balancers {
                ctx.events.schedule_now(Event::Serving {
                    to: b,
                    instance: i,
                    serving: false,
                });
            }
        }
        // A backlog answer's tick set the next one when it asked.
        if answer.is_none() {
            ctx.events.schedule(now + a.every(), next);
        }
        for i in actions.draining {
            self.drained(i as usize, now);
        }
    }

    /// The autoscaler's log and trace at the end of the run (`end`); `None`
    /// when the pool does not scale.
    pub fn finish_scaling(&mut self, end: SimTime) -> Option<(Vec<LoggedEvent>, ScalingTrace)> {
        self.scaling.as_mut().map(|a| a.finish(end))
    }

    /// Instance `i` crashes: `active` are the calls it holds (waiting, in
    /// service, or waiting on a downstream call); they fail now.
    pub fn crash(&mut self, i: usize, active: &[CallId], ctx: &mut Ctx) {
        if !self.faults.crash(i) {
            return;
        }
        for &call in active {
            ctx.reply(call, Outcome::Failed);
        }
        let inst = &mut self.instances[i];
        inst.station.crash(ctx.now);
        if let Some(l) = &mut self.lined {
            l.lines[i].clear();
        }
        if let Some(f) = &mut self.flows {
            f.crashed(i);
        }
        if self.extras {
            self.drained(i, ctx.now);
        }
    }

    /// Instance `i` is gone (crashed, or removed by a scale-in): the
    /// sessions it holds are lost. Returns how many (0 when the pool keeps
    /// no local sessions).
    pub fn drop_sessions(&mut self, i: usize) -> u64 {
        match self.sessions.as_deref_mut() {
            Some(Sessions::Local(local)) => local.drop_instance(i),
            _ => 0,
        }
    }

    /// Sessions lost in the window now closing, warm-up or not; `None` when
    /// the pool keeps none.
    pub fn take_sessions_lost_window(&mut self) -> Option<u64> {
        match self.sessions.as_deref_mut()? {
            Sessions::Local(local) => Some(local.take_window_lost()),
            Sessions::Store(_) => Some(0),
        }
    }

    /// Sessions lost since the warm-up; `None` when the pool keeps none.
    pub fn sessions_lost(&self) -> Option<u64> {
        match self.sessions.as_deref()? {
            Sessions::Local(local) => Some(local.lost()),
            Sessions::Store(_) => Some(0),
        }
    }

    /// Instance `i` is repaired; true if it is up again.
    pub fn restore(&mut self, i: usize) -> bool {
        self.faults.restore(i)
    }
}

impl Service {
    /// A request arrives at instance `i` of a pool whose line is not FIFO.
    #[cold]
    #[inline(never)]
    fn arrive_lined(&mut self, i: usize, call: CallId, ctx: &mut Ctx) {
        let now = ctx.now;
        let inst = &mut self.instances[i];
        if inst.station.try_start(&self.workers, now) {
            return self.begin(i, call, ctx);
        }
        let l = self.lined.as_mut().expect("a pool with its own lines");
        let line = &mut l.lines[i];
        let level = l.levels[ctx.calls[call].class as usize] as usize;
        if line.len() >= self.workers.room() {
            // A full priority line sheds its lowest level first.
            let out = line.push_out(level).unwrap_or(call);
            inst.rejected += 1;
            ctx.reply(out, Outcome::Rejected);
            if out == call {
                return;
            }
        }
        line.push(call, level, now);
        inst.station.line_holds(now, line.len());
    }

    /// A worker of instance `i` is free: it takes the next request its
    /// discipline picks, skipping those nobody waits for any more (taken
    /// out unserved) and rejecting CoDel's drops; or goes idle.
    #[cold]
    #[inline(never)]
    fn next_waiting(&mut self, i: usize, ctx: &mut Ctx) {
        let now = ctx.now;
        loop {
            let next = match self.lined.as_deref_mut() {
                Some(l) => {
                    let next = l.lines[i].pop(now, &mut l.dropped);
                    self.instances[i].station.line_holds(now, l.lines[i].len());
                    for d in l.dropped.drain(..) {
                        self.instances[i].rejected += 1;
                        ctx.reply(d, Outcome::Rejected);
                    }
                    if next.is_none() {
                        self.instances[i].station.idle_one(now);
                    }
                    next
                }
                None => self.instances[i].station.release(now),
            };
            let Some(next) = next else { break };
            if self.skips_abandoned && flow::abandoned(ctx.calls, next) {
                // Nobody waits for it: out of the line, unserved.
                self.cancelled[0] += 1;
                ctx.calls[next].cancelled = true;
                ctx.reply(next, Outcome::Failed);
                continue;
            }
            return self.begin(i, next, ctx);
        }
        if self.extras && self.instances[i].station.busy() == 0 {
            self.drained(i, now);
        }
    }

    /// The running pool of `m` (the assembly step): the balancers in front
    /// of an autoscaled pool are told who serves as it changes.
    pub fn build(m: &crate::model::Service, at: &super::Assembly) -> Service {
        let mut s = Service::new(at.id, at.name, m, at.seed());
        if m.autoscale.is_some() {
            s.set_balancers(at.balancers());
        }
        let priorities: Vec<u32> = at
            .model
            .traffic
            .classes
            .iter()
            .map(|c| c.priority)
            .collect();
        s.lined = lines::Lined::new(m.discipline, m.slots(), &priorities);
        s.skips_abandoned = at.model.abandons_calls();
        s
    }
}

impl super::Runtime for Service {
    #[inline]
    fn on(&mut self, event: Event, ctx: &mut Ctx) {
        Service::on(self, event, ctx)
    }

    fn on_timer(&mut self, event: Event, ctx: &mut Ctx, _: &mut Vec<super::kind::Happened>) {
        match event {
            Event::Timer { .. } | Event::Backlog { .. } => self.timer(event, ctx),
            Event::CallTimeout { .. } | Event::CallRetry { .. } => self.on_guarded(event, ctx),
            Event::Released { instance, .. } => self.released(instance as usize, ctx.now),
            _ => unreachable!("{event:?} is not a service's"),
        }
    }

    fn start(&mut self, ctx: &mut Ctx) {
        if let Some(a) = &self.scaling {
            ctx.events.schedule(
                SimTime::ZERO + a.every(),
                Event::Timer {
                    component: self.id,
                    tag: autoscaler::DECIDE,
                },
            );
        }
    }

    /// Requests waiting in all instances' queues.
    fn queued(&self) -> usize {
        let own: usize = self
            .lined
            .as_ref()
            .map_or(0, |l| l.lines.iter().map(|l| l.len()).sum());
        own + self
            .instances
            .iter()
            .map(|i| i.station.waiting())
            .sum::<usize>()
    }

    /// The warm-up is over: sessions lost count from now on.
    fn start_measuring(&mut self, _: SimTime) {
        self.cancelled[1] = self.cancelled[0];
        if let Some(Sessions::Local(local)) = self.sessions.as_deref_mut() {
            local.start_measuring();
        }
    }

    /// Appends a row per instance and one for the pool (`*`). An autoscaled
    /// pool has a row for every slot, `up` only for those that took traffic
    /// for the whole window, and its utilisation is over the instances that
    /// could hold work.
    fn report_window(&mut self, start: SimTime, end: SimTime, out: &mut Vec<ComponentRow>) {
        let len = end.0 - start.0;
        if let Some(f) = &mut self.flows {
            f.close_window(self.id, start, crate::engine::SimDuration(len));
        }
        let workers = self.workers.per_station() as f64;
        let active = self.scaling.as_mut().map(|a| {
            let busy_area: u128 = self
                .instances
                .iter()
                .map(|i| i.station.busy_area_to(end))
                .sum();
            a.close_window(end, len, busy_area)
        });
        let mut pool = ComponentRow {
            queue_len: Some(0.0),
            in_service: Some(0.0),
            ..ComponentRow::empty(start, self.id, None)
        };
        for (i, inst) in self.instances.iter_mut().enumerate() {
            let (busy, queue) = inst.station.take_window(end, len);
            let mut up = self.faults.take_up(i);
            if let Some(a) = self.scaling.as_mut() {
                up *= a.take_serving(i) as u32;
            }
            let row = ComponentRow {
                up,
                utilization: Some(busy / workers),
                queue_len: Some(queue),
                in_service: Some(busy),
                completed: std::mem::take(&mut inst.completed),
                rejected: std::mem::take(&mut inst.rejected),
                ..ComponentRow::empty(start, self.id, Some(i as u32))
            };
            pool.up += up;
            pool.in_service = pool.in_service.map(|v| v + busy);
            pool.queue_len = pool.queue_len.map(|v| v + queue);
            pool.completed += row.completed;
            pool.rejected += row.rejected;
            out.push(row);
        }
        let in_service = pool.in_service.unwrap_or(0.0);
        pool.utilization = Some(match active {
            Some(active) if active > 0.0 => in_service / (workers * active),
            Some(_) => 0.0,
            None => in_service / (workers * self.instances.len() as f64),
        });
        out.push(pool);
    }

    fn take_sessions_lost_window(&mut self) -> Option<u64> {
        Service::take_sessions_lost_window(self)
    }

    fn impairments(&mut self) -> &mut Impairments {
        &mut self.faults
    }

    /// The calls the instance holds fail, and the sessions it kept are
    /// lost (the pool's queue, if it consumes one, hears of it).
    fn crash(&mut self, i: u32, ctx: &mut Ctx) -> (bool, u64) {
        let held = super::kind::held_calls(ctx.calls, self.id, Some(i));
        let up = self.faults.is_up(i as usize);
        Service::crash(self, i as usize, &held, ctx);
        let lost = self.drop_sessions(i as usize);
        (up, lost)
    }

    fn restore(&mut self, i: u32, _: &mut Ctx) -> bool {
        Service::restore(self, i as usize)
    }

    fn finish(&mut self, end: SimTime, out: &mut super::kind::Ending) {
        if let Some((log, trace)) = self.finish_scaling(end) {
            out.scaling_log.extend(log);
            out.scaling.push(trace);
        }
        out.breaker_log.extend(self.take_breaker_log());
        if let Some(f) = &mut self.flows {
            out.flow.rows.extend(f.take_rows());
        }
        if self.skips_abandoned {
            out.flow
                .cancelled
                .push((self.id, self.cancelled[0] - self.cancelled[1]));
        }
        if let Some(n) = self.sessions_lost() {
            *out.sessions_lost.get_or_insert(0) += n;
        }
    }
}
