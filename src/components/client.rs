//! The client: the traffic source. It sends requests (open loop at the
//! scheduled rate, or a closed population of users who think between
//! requests), picks each request's class, enforces the client timeout, and
//! records every request's single outcome.

use super::retry::Retrier;
use super::{ANY_INSTANCE, Call, CallId, Ctx, Event, Key};
use crate::engine::{Arena, Handle, SimDuration, SimTime, Stream};
use crate::metrics::{Outcome, RequestStats};
use crate::model::{Arrivals, ClassId, Dist, KeyDist, Op, RateSchedule, Traffic};

/// A client request in flight.
#[derive(Clone, Copy, Debug)]
struct Request {
    sent: SimTime,
    class: ClassId,
    measured: bool,
    /// Has an outcome (ok, rejected, timed out or failed). The slot lives on
    /// until the call chain replies, since work goes on after a timeout.
    ended: bool,
    /// The closed-loop user who sent it.
    user: u32,
}

/// Where requests come from, with data centers: each request's origin is
/// drawn by share from its own stream (runs without origins draw nothing).
struct Origins {
    cumulative: Vec<f64>,
    /// Per origin: where its requests go first.
    to: Vec<u32>,
    stream: Stream,
    /// Per origin: what happened to its requests (one class each).
    stats: Vec<RequestStats>,
    /// By request slot: its origin (a side table, so that a request stays
    /// 16 bytes in runs without origins).
    of_request: Vec<u8>,
}

enum Source {
    Open {
        schedule: RateSchedule,
        poisson: bool,
        cursor: usize,
        /// No arrival yet: uniform arrivals start half a gap in, so that
        /// they sit in the middle of their slots.
        first: bool,
    },
    Closed {
        users: u32,
        think_time: Dist,
    },
}

/// The traffic source of a run.
pub struct Client {
    to: u32,
    source: Source,
    cumulative_weights: Vec<f64>,
    ops: Vec<Op>,
    /// Per class: its key distribution and its own stream of keys; empty
    /// when no class has keys (the common case without a data tier).
    keys: Vec<Option<(KeyDist, Stream)>>,
    timeout: Option<SimDuration>,
    arrival_stream: Stream,
    class_stream: Stream,
    think_stream: Stream,
    requests: Arena<Request>,
    /// What happened to the requests.
    pub stats: RequestStats,
    /// Records who sent each request (sticky balancing, sessions): open
    /// arrivals draw a user uniformly among this many from this stream.
    users: Option<(u32, Stream)>,
    /// Retries; `None` when the client never retries (the common case pays
    /// one check per send, timeout and reply).
    retrying: Option<Box<Retrying>>,
    /// Origins; `None` without data centers.
    origins: Option<Box<Origins>>,
}

/// The attempts of one request of a retrying client.
#[derive(Clone, Copy, Debug, Default)]
struct Attempts {
    /// Attempts sent so far.
    made: u32,
    /// The root call of the attempt being waited for; `None` between
    /// attempts (backing off) and after the last.
    current: Option<CallId>,
    /// When the current attempt times out.
    deadline: SimTime,
    /// Root calls of this request not yet replied to (abandoned attempts'
    /// work goes on): the request's slot lives until they are all back.
    outstanding: u32,
    /// The request's key, sent again with every attempt.
    key: Key,
}

/// A retrying client's state.
struct Retrying {
    retrier: Retrier,
    timeout: SimDuration,
    /// By request slot index.
    attempts: Vec<Attempts>,
}

impl Client {
    /// The client of `traffic`, measuring requests sent from `warmup_end` on.
    pub fn new(traffic: &Traffic, seed: u64, warmup_end: SimTime) -> Client {
        let source = match &traffic.arrivals {
            Arrivals::Poisson(s) => Source::Open {
                schedule: s.clone(),
                poisson: true,
                cursor: 0,
                first: true,
            },
            Arrivals::Uniform(s) => Source::Open {
                schedule: s.clone(),
                poisson: false,
                cursor: 0,
                first: true,
            },
            Arrivals::Closed { users, think_time } => Source::Closed {
                users: *users,
                think_time: think_time.clone(),
            },
        };
        let mut acc = 0.0;
        let cumulative_weights = traffic
            .classes
            .iter()
            .map(|c| {
                acc += c.weight;
                acc
            })
            .collect();
        Client {
            to: traffic.to,
            source,
            cumulative_weights,
            ops: traffic.classes.iter().map(|c| c.op).collect(),
            keys: if traffic.classes.iter().any(|c| c.key.is_some()) {
                traffic
                    .classes
                    .iter()
                    .map(|c| {
                        c.key.clone().map(|k| {
                            let name = format!("traffic.requests.{}", c.name);
                            (k, Stream::new(seed, &name, "keys"))
                        })
                    })
                    .collect()
            } else {
                Vec::new()
            },
            timeout: traffic.timeout,
            arrival_stream: Stream::new(seed, "traffic", "arrivals"),
            class_stream: Stream::new(seed, "traffic", "classes"),
            think_stream: Stream::new(seed, "traffic", "think"),
            requests: Arena::new(),
            stats: RequestStats::new(traffic.classes.len(), warmup_end),
            users: None,
            retrying: traffic.retry.as_ref().map(|p| {
                Box::new(Retrying {
                    retrier: Retrier::new(p, Stream::new(seed, "traffic", "backoff")),
                    timeout: traffic.timeout.expect("validated: retries need a timeout"),
                    attempts: Vec::new(),
                })
            }),
            origins: None,
        }
    }

    /// Draws every request's origin from now on (with data centers).
    pub fn from_origins(&mut self, geo: &crate::model::Geo, seed: u64, warmup_end: SimTime) {
        let mut acc = 0.0;
        self.origins = Some(Box::new(Origins {
            cumulative: geo
                .origins
                .iter()
                .map(|o| {
                    acc += o.share;
                    acc
                })
                .collect(),
            to: geo.origins.iter().map(|o| o.to).collect(),
            stream: Stream::new(seed, "traffic", "origins"),
            stats: geo
                .origins
                .iter()
                .map(|_| RequestStats::new(1, warmup_end))
                .collect(),
            of_request: Vec::new(),
        }));
    }

    /// A request's origin, drawn by share, and where it goes first. Out of
    /// line: the statistics' hot calls keep one call site each, inlined.
    #[cold]
    #[inline(never)]
    fn pick_origin(&mut self, request: Handle, measured: bool) -> (u8, u32) {
        let o = self.origins.as_mut().expect("origins");
        let n = o.cumulative.len();
        let u = o.stream.uniform() * o.cumulative[n - 1];
        let i = o.cumulative.partition_point(|&w| w <= u).min(n - 1);
        o.stats[i].sent(0, measured);
        let slot = request.index();
        if slot >= o.of_request.len() {
            o.of_request.resize(slot + 1, 0);
        }
        o.of_request[slot] = i as u8;
        (i as u8, o.to[i])
    }

    /// Request `r` ended with `outcome` at `now`: its origin's count.
    #[cold]
    #[inline(never)]
    fn origin_ended(&mut self, request: Handle, r: Request, outcome: Outcome, now: SimTime) {
        let o = self.origins.as_mut().expect("origins");
        let origin = o.of_request[request.index()] as usize;
        o.stats[origin].ended(0, r.measured, outcome, now - r.sent);
    }

    /// Request `r` of an origin succeeded after its client gave up.
    #[cold]
    #[inline(never)]
    fn origin_late_ok(&mut self, request: Handle, r: Request) {
        let o = self.origins.as_mut().expect("origins");
        let origin = o.of_request[request.index()] as usize;
        o.stats[origin].late_ok(0, r.measured);
    }

    /// Per origin, what happened to its requests; empty without origins.
    pub fn origin_stats(&mut self) -> &mut [RequestStats] {
        match &mut self.origins {
            Some(o) => &mut o.stats,
            None => &mut [],
        }
    }

    /// Records the user of every request from now on (its own stream, so
    /// that runs without users keep all their draws).
    pub fn track_users(&mut self, traffic: &Traffic, seed: u64) {
        let n = traffic.users.unwrap_or(0);
        self.users = Some((n, Stream::new(seed, "traffic", "users")));
    }

    /// Schedules the first arrivals.
    pub fn start(&mut self, ctx: &mut Ctx) {
        match &self.source {
            Source::Open { .. } => self.schedule_arrival(ctx),
            Source::Closed { users, think_time } => {
                // Users start after a first think, so they do not all send at 0.
                for user in 0..*users {
                    let t = think_time.sample(&mut self.think_stream);
                    ctx.events.schedule(ctx.now + t, Event::ThinkDone { user });
                }
            }
        }
    }

    /// Reacts to arrivals, think times, timeouts and replies to its requests.
    #[inline]
    pub fn on(&mut self, event: Event, ctx: &mut Ctx) {
        match event {
            Event::Arrival => {
                self.send(u32::MAX, ctx);
                self.schedule_arrival(ctx);
            }
            Event::ThinkDone { user } => self.send(user, ctx),
            Event::Timeout { request } => self.timeout(request, ctx),
            Event::Reply { call, outcome } => self.replied(call, outcome, ctx),
            _ => {
                unreachable!("the client serves no calls")
            }
        }
    }

    #[inline]
    fn schedule_arrival(&mut self, ctx: &mut Ctx) {
        let Source::Open {
            schedule,
            poisson,
            cursor,
            first,
        } = &mut self.source
        else {
            return;
        };
        let area = if *poisson {
            self.arrival_stream.exp1()
        } else if *first {
            0.5
        } else {
            1.0
        };
        *first = false;
        if let Some(t) = schedule.advance(ctx.now, area, cursor) {
            ctx.events.schedule(t, Event::Arrival);
        }
    }

    #[inline]
    fn pick_class(&mut self) -> ClassId {
        let n = self.cumulative_weights.len();
        if n == 1 {
            return 0;
        }
        let u = self.class_stream.uniform() * self.cumulative_weights[n - 1];
        self.cumulative_weights
            .partition_point(|&w| w <= u)
            .min(n - 1) as ClassId
    }

    #[inline]
    fn send(&mut self, user: u32, ctx: &mut Ctx) {
        let class = self.pick_class();
        let measured = self.stats.measured(ctx.now);
        let request = self.requests.insert(Request {
            sent: ctx.now,
            class,
            measured,
            ended: false,
            user,
        });
        let (origin, to) = match self.origins {
            None => (0, self.to),
            Some(_) => self.pick_origin(request, measured),
        };
        self.stats.sent(class, measured);
        if let Some((n, stream)) = &mut self.users {
            // Open arrivals: any of the users, uniformly; closed: the sender.
            let user = if user == u32::MAX && *n > 0 {
                stream.index(*n as usize) as u32
            } else {
                user
            };
            ctx.users.set(request, user);
        }
        let key = match self.keys.get_mut(class as usize) {
            Some(Some((dist, stream))) => dist.sample(stream).into(),
            _ => Default::default(),
        };
        let root = ctx.calls.insert(Call {
            request,
            parent: None,
            component: to,
            instance: ANY_INSTANCE,
            class,
            op: self.ops[class as usize],
            step: 0,
            key,
            replied: false,
            crossed: false,
            origin,
            cancelled: false,
        });
        ctx.send(root);
        if let Some(t) = self.timeout {
            ctx.events.schedule(ctx.now + t, Event::Timeout { request });
        }
        if self.retrying.is_some() {
            self.first_attempt(request, root, key, ctx.now);
        }
    }

    #[inline(always)]
    fn end(&mut self, request: Handle, outcome: Outcome, ctx: &mut Ctx) {
        let r = &mut self.requests[request];
        r.ended = true;
        let r = *r;
        self.stats
            .ended(r.class, r.measured, outcome, ctx.now - r.sent);
        if self.origins.is_some() {
            self.origin_ended(request, r, outcome, ctx.now);
        }
        if let Source::Closed { think_time, .. } = &self.source {
            let t = think_time.sample(&mut self.think_stream);
            ctx.events
                .schedule(ctx.now + t, Event::ThinkDone { user: r.user });
        }
    }

    #[inline]
    fn timeout(&mut self, request: Handle, ctx: &mut Ctx) {
        // The request may have ended (and its slot been reused) long ago.
        match self.requests.get(request) {
            Some(r) if !r.ended => {
                if self.retrying.is_some() {
                    self.attempt_timed_out(request, ctx);
                } else {
                    self.end(request, Outcome::TimedOut, ctx);
                }
            }
            _ => {}
        }
    }

    #[inline]
    fn replied(&mut self, call: CallId, outcome: Outcome, ctx: &mut Ctx) {
        if self.retrying.is_some() {
            return self.attempt_replied(call, outcome, ctx);
        }
        let c = ctx.calls.remove(call).expect("a live call");
        let r = self.requests[c.request];
        if r.ended {
            // The client gave up; the system finished anyway.
            if outcome == Outcome::Ok {
                self.stats.late_ok(r.class, r.measured);
                if self.origins.is_some() {
                    self.origin_late_ok(c.request, r);
                }
            }
        } else {
            self.end(c.request, outcome, ctx);
        }
        self.requests.remove(c.request);
    }

    /// The attempts of `request`, by its slot.
    fn attempts(&mut self, request: Handle) -> &mut Attempts {
        let r = self.retrying.as_mut().expect("a retrying client");
        let i = request.index();
        if i >= r.attempts.len() {
            r.attempts.resize(i + 1, Attempts::default());
        }
        &mut r.attempts[i]
    }

    /// A retrying client sent `request`'s first attempt, `root`.
    #[cold]
    #[inline(never)]
    fn first_attempt(&mut self, request: Handle, root: CallId, key: Key, now: SimTime) {
        let r = self.retrying.as_mut().expect("a retrying client");
        r.retrier.first_try(now);
        let deadline = now + r.timeout;
        *self.attempts(request) = Attempts {
            made: 1,
            current: Some(root),
            deadline,
            outstanding: 1,
            key,
        };
    }

    /// `request`'s backoff is over: its next attempt goes. (Not an arm of
    /// [`Client::on`]: the engine's dispatch keeps retries out of line.)
    #[cold]
    #[inline(never)]
    pub fn retry(&mut self, request: Handle, ctx: &mut Ctx) {
        self.resend(request, ctx);
    }

    /// `request`'s next attempt goes now.
    fn resend(&mut self, request: Handle, ctx: &mut Ctx) {
        let r = self.requests[request];
        let timeout = self.retrying.as_ref().expect("a retrying client").timeout;
        let a = *self.attempts(request);
        let to = match &self.origins {
            Some(o) => o.to[o.of_request[request.index()] as usize],
            None => self.to,
        };
        let root = ctx.calls.insert(Call {
            request,
            parent: None,
            component: to,
            instance: ANY_INSTANCE,
            class: r.class,
            op: self.ops[r.class as usize],
            step: 0,
            key: a.key,
            replied: false,
            crossed: false,
            origin: match &self.origins {
                Some(o) => o.of_request[request.index()],
                None => 0,
            },
            cancelled: false,
        });
        ctx.send(root);
        let deadline = ctx.now + timeout;
        ctx.events.schedule(deadline, Event::Timeout { request });
        *self.attempts(request) = Attempts {
            made: a.made + 1,
            current: Some(root),
            deadline,
            outstanding: a.outstanding + 1,
            key: a.key,
        };
    }

    /// `request`'s current attempt ended badly: retry it after its backoff,
    /// or end the request with that attempt's outcome.
    fn attempt_failed(&mut self, request: Handle, outcome: Outcome, ctx: &mut Ctx) {
        let made = self.attempts(request).made;
        let r = self.retrying.as_mut().expect("a retrying client");
        match r.retrier.retry(ctx.now, made) {
            None => self.end(request, outcome, ctx),
            Some(wait) => {
                self.stats.retried();
                if wait == SimDuration::ZERO {
                    self.resend(request, ctx);
                } else {
                    ctx.events
                        .schedule(ctx.now + wait, Event::Retry { request });
                }
            }
        }
    }

    /// A request's timeout fired: it ends its current attempt only if that
    /// attempt's deadline is now (earlier attempts' timeouts are stale).
    #[cold]
    #[inline(never)]
    fn attempt_timed_out(&mut self, request: Handle, ctx: &mut Ctx) {
        let a = self.attempts(request);
        if a.current.is_none() || a.deadline != ctx.now {
            return;
        }
        a.current = None;
        self.attempt_failed(request, Outcome::TimedOut, ctx);
    }

    /// A reply to one of a retrying client's attempts. Only the current
    /// attempt's reply counts; a late success of an abandoned attempt is work
    /// done for nobody (counted in `completed`, as a late reply is).
    #[cold]
    #[inline(never)]
    fn attempt_replied(&mut self, call: CallId, outcome: Outcome, ctx: &mut Ctx) {
        let c = ctx.calls.remove(call).expect("a live call");
        let request = c.request;
        let r = self.requests[request];
        let a = self.attempts(request);
        a.outstanding -= 1;
        if r.ended || a.current != Some(call) {
            if outcome == Outcome::Ok {
                self.stats.late_ok(r.class, r.measured);
                if self.origins.is_some() {
                    self.origin_late_ok(request, r);
                }
            }
        } else {
            a.current = None;
            if outcome == Outcome::Ok {
                self.end(request, outcome, ctx);
            } else {
                self.attempt_failed(request, outcome, ctx);
            }
        }
        if self.requests[request].ended && self.attempts(request).outstanding == 0 {
            self.requests.remove(request);
        }
    }

    /// Requests whose work is still going on (ended or not).
    pub fn requests_working(&self) -> usize {
        self.requests.len()
    }

    /// The most requests that were working at once.
    pub fn peak_requests(&self) -> usize {
        self.requests.capacity_used()
    }
}
