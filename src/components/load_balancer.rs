//! `kind: load_balancer`: spreads requests over the instances of one service.
//! It takes no time itself; it counts the requests it has outstanding on each
//! instance, which is what `least_connections` and `power_of_two` look at.

use super::{Call, CallId, Ctx, Event};
use crate::engine::{SimTime, Stream};
use crate::metrics::{ComponentRow, Level, Outcome};
use crate::model::{ComponentId, Policy};

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
}

impl LoadBalancer {
    /// Balancer `id`, named `name`, over the `instances` of service `target`.
    pub fn new(
        id: ComponentId,
        name: &str,
        target: ComponentId,
        instances: u32,
        policy: Policy,
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
        }
    }

    /// Reacts to a call arriving or a reply from an instance.
    #[inline]
    pub fn on(&mut self, event: Event, ctx: &mut Ctx) {
        match event {
            Event::Deliver { call } => self.forward(call, ctx),
            Event::Reply { call, outcome } => self.replied(call, outcome, ctx),
            Event::ServiceDone { .. }
            | Event::Arrival
            | Event::ThinkDone { .. }
            | Event::Timeout { .. } => {
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
            Policy::LeastConnections => {
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
        }
    }

    #[inline]
    fn forward(&mut self, call: CallId, ctx: &mut Ctx) {
        let i = self.pick();
        self.outstanding[i] += 1;
        self.in_flight.incr(ctx.now);
        let parent: Call = ctx.calls[call];
        let child = ctx.calls.insert(parent.child(call, self.target, i as u32));
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
        ctx.reply(c.parent.expect("a balancer's call has a parent"), outcome);
    }

    /// Appends the balancer's row (`*`): requests outstanding on average,
    /// replies passed back, and rejections seen.
    pub fn report_window(&mut self, start: SimTime, end: SimTime, out: &mut Vec<ComponentRow>) {
        let outstanding = self.in_flight.take_average(end, end.0 - start.0);
        out.push(ComponentRow {
            up: 1,
            in_service: Some(outstanding),
            completed: std::mem::take(&mut self.completed),
            rejected: std::mem::take(&mut self.rejected),
            ..ComponentRow::empty(start, self.id, None)
        });
    }
}
