//! The client: the traffic source. It sends requests (open loop at the
//! scheduled rate, or a closed population of users who think between
//! requests), picks each request's class, enforces the client timeout, and
//! records every request's single outcome.

use super::{ANY_INSTANCE, Call, CallId, Ctx, Event};
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
            component: self.to,
            instance: ANY_INSTANCE,
            class,
            op: self.ops[class as usize],
            step: 0,
            key,
            replied: false,
        });
        ctx.send(root);
        if let Some(t) = self.timeout {
            ctx.events.schedule(ctx.now + t, Event::Timeout { request });
        }
    }

    #[inline]
    fn end(&mut self, request: Handle, outcome: Outcome, ctx: &mut Ctx) {
        let r = &mut self.requests[request];
        r.ended = true;
        let r = *r;
        self.stats
            .ended(r.class, r.measured, outcome, ctx.now - r.sent);
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
            Some(r) if !r.ended => self.end(request, Outcome::TimedOut, ctx),
            _ => {}
        }
    }

    #[inline]
    fn replied(&mut self, call: CallId, outcome: Outcome, ctx: &mut Ctx) {
        let c = ctx.calls.remove(call).expect("a live call");
        let r = self.requests[c.request];
        if r.ended {
            // The client gave up; the system finished anyway.
            if outcome == Outcome::Ok {
                self.stats.late_ok(r.class, r.measured);
            }
        } else {
            self.end(c.request, outcome, ctx);
        }
        self.requests.remove(c.request);
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
