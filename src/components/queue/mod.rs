//! `kind: queue`: a durable message queue. A publish takes `publish_time`,
//! then the message is stored (or refused when the queue holds `capacity`
//! messages: back pressure) and the publisher is done. The consumer
//! service's workers take messages in order as they become free; a message
//! leaves the queue only when its consumer has finished it, and goes back to
//! the head of the line if the consumer's work failed.

pub mod compile;
pub mod estimate;
pub mod model;
pub mod spec;

use std::collections::VecDeque;

use super::{ANY_INSTANCE, Call, CallId, Ctx, Event, Impairments};
use crate::components::service::autoscaler::ASK;
use crate::engine::{SimTime, Stream};
use crate::metrics::{ComponentRow, DataSummary, Level, Outcome};
use crate::model::{ComponentId, Dist};

/// [`Queue::blocked`]: the consumer instance crashed.
const DOWN: u8 = 1;
/// [`Queue::blocked`]: the consumer instance is not serving (an autoscaled
/// pool's instance off, provisioning or draining).
const OFF: u8 = 2;

/// A message queue and its consumers' free workers.
pub struct Queue {
    id: ComponentId,
    capacity: u64,
    consumers: ComponentId,
    publish_time: Dist,
    /// Publishing takes no time: store at once, without an event.
    instant_publish: bool,
    publish_stream: Stream,
    /// One entry per free consumer worker: the instance it belongs to.
    free_workers: VecDeque<u32>,
    waiting: VecDeque<CallId>,
    waiting_level: Level,
    in_progress: Level,
    backlog: Level,
    rejected: u64,
    consumed: u64,
    /// Since the warm-up: published, rejected, consumed.
    measured: [u64; 3],
    peak: u64,
    peak_at: SimTime,
    drained_at: Option<SimTime>,
    /// Workers per consumer instance.
    workers: u32,
    /// Per consumer instance (every slot of an autoscaled pool): why its
    /// workers take nothing, [`DOWN`] and [`OFF`] bits; 0 when they pull.
    blocked: Vec<u8>,
    /// What faults do to the queue itself (one instance).
    faults: Impairments,
    /// Since the warm-up: messages handed out again after their consumer
    /// failed.
    measured_redelivered: u64,
}

impl Queue {
    /// The queue `id`, named `name`, feeding `consumer_instances` instances
    /// of `workers` workers, of `slots` the pool may have (more when it
    /// autoscales: the others start off).
    pub fn new(
        id: ComponentId,
        name: &str,
        m: &crate::model::Queue,
        (consumer_instances, slots): (u32, u32),
        workers: u32,
        seed: u64,
    ) -> Queue {
        // Workers of all instances interleaved, so that messages spread.
        let mut free_workers = VecDeque::new();
        for _ in 0..workers {
            free_workers.extend(0..consumer_instances);
        }
        Queue {
            id,
            capacity: m.capacity.unwrap_or(u64::MAX),
            consumers: m.consumers,
            instant_publish: matches!(m.publish_time, Dist::Constant(d) if d.nanos() == 0),
            publish_time: m.publish_time.clone(),
            publish_stream: Stream::new(seed, name, "publish"),
            free_workers,
            waiting: VecDeque::new(),
            waiting_level: Level::default(),
            in_progress: Level::default(),
            backlog: Level::default(),
            rejected: 0,
            consumed: 0,
            measured: [0; 3],
            peak: 0,
            peak_at: SimTime::ZERO,
            drained_at: None,
            workers,
            blocked: (0..slots.max(consumer_instances))
                .map(|i| if i < consumer_instances { 0 } else { OFF })
                .collect(),
            faults: Impairments::new(1, Stream::new(seed, name, "faults")),
            measured_redelivered: 0,
        }
    }

    /// Reacts to a publish arriving or stored, or a consumer finishing.
    // Out of line: keeps the service and balancer hot path small.
    #[inline(never)]
    pub fn on(&mut self, event: Event, ctx: &mut Ctx) {
        match event {
            Event::Deliver { call } => {
                if self.faults.active()
                    && let Some(outcome) = self.faults.refuse(0)
                {
                    ctx.reply(call, outcome);
                } else if self.instant_publish {
                    self.store(call, ctx);
                } else {
                    let t = self.publish_time.sample(&mut self.publish_stream);
                    let t = self.faults.scale(0, t);
                    ctx.events
                        .schedule(ctx.now + t, Event::ServiceDone { call });
                }
            }
            Event::ServiceDone { call } => self.store(call, ctx),
            Event::Reply { call, outcome } => self.consumer_replied(call, outcome, ctx),
            _ => {
                unreachable!("only calls, their work and replies reach a queue")
            }
        }
    }

    fn held(&self) -> u64 {
        self.waiting.len() as u64 + self.in_progress.value()
    }

    #[inline]
    fn store(&mut self, call: CallId, ctx: &mut Ctx) {
        if self.held() >= self.capacity {
            self.rejected += 1;
            self.measured[1] += 1;
            ctx.reply(call, Outcome::Rejected);
            return;
        }
        // The message lives on after the publisher is done: its own call,
        // made by nobody, that the consumer's work reports back to.
        let message = Call {
            parent: None,
            component: self.id,
            instance: ANY_INSTANCE,
            step: 0,
            replied: false,
            crossed: false,
            cancelled: false,
            ..ctx.calls[call]
        };
        let message = ctx.calls.insert(message);
        self.waiting.push_back(message);
        self.measured[0] += 1;
        ctx.reply(call, Outcome::Ok);
        self.dispatch(ctx);
        self.levels_changed(ctx.now);
    }

    /// Hands waiting messages to free consumer workers, in order.
    #[inline]
    fn dispatch(&mut self, ctx: &mut Ctx) {
        if !self.faults.is_up(0) {
            return;
        }
        while !self.waiting.is_empty() {
            let Some(instance) = self.free_workers.pop_front() else {
                break;
            };
            let message = self.waiting.pop_front().expect("checked non-empty");
            let child = ctx.calls[message].child(message, self.consumers, instance);
            let child = ctx.calls.insert(child);
            ctx.send(child);
            self.in_progress.incr(ctx.now);
        }
    }

    #[inline]
    fn consumer_replied(&mut self, child: CallId, outcome: Outcome, ctx: &mut Ctx) {
        let c = ctx.calls.remove(child).expect("a live call");
        let message = c.parent.expect("a consumer's call has its message");
        // A crashed consumer's workers pull nothing until it is back.
        if self.blocked[c.instance as usize] == 0 {
            self.free_workers.push_back(c.instance);
        }
        self.in_progress.decr(ctx.now);
        if outcome == Outcome::Ok {
            ctx.calls.remove(message);
            self.consumed += 1;
            self.measured[2] += 1;
        } else {
            // Not done: the message goes back to the head of the line, to
            // be delivered again (at least once).
            self.waiting.push_front(message);
            self.measured_redelivered += 1;
        }
        self.dispatch(ctx);
        self.levels_changed(ctx.now);
    }

    /// Keeps the time averages, the peak and the drain time up to date.
    #[inline]
    fn levels_changed(&mut self, now: SimTime) {
        let waiting = self.waiting.len() as u64;
        self.waiting_level.set(now, waiting);
        let held = waiting + self.in_progress.value();
        self.backlog.set(now, held);
        if held > self.peak {
            self.peak = held;
            self.peak_at = now;
            self.drained_at = None;
        }
        if waiting == 0 && self.drained_at.is_none() {
            self.drained_at = Some(now);
        }
    }

    /// Consumer instance `i` crashed: its free workers stop pulling (the
    /// messages it held come back as failures).
    pub fn consumer_crashed(&mut self, i: u32) {
        self.blocked[i as usize] |= DOWN;
        self.free_workers.retain(|&x| x != i);
    }

    /// Consumer instance `i` is back: its workers pull again (if it serves).
    pub fn consumer_restored(&mut self, i: u32, ctx: &mut Ctx) {
        let was = self.blocked[i as usize];
        self.blocked[i as usize] &= !DOWN;
        if was != DOWN {
            return;
        }
        for _ in 0..self.workers {
            self.free_workers.push_back(i);
        }
        self.dispatch(ctx);
        self.levels_changed(ctx.now);
    }

    /// The autoscaled consumer pool says instance `i` starts (done
    /// provisioning) or stops (draining) taking messages, as it tells a
    /// balancer. A draining instance's workers stop pulling at once, and the
    /// queue answers that it no longer hands it anything: the pool removes
    /// it once it has finished what it holds.
    #[cold]
    pub fn consumer_serving(&mut self, i: u32, serving: bool, ctx: &mut Ctx) {
        if serving {
            let was = self.blocked[i as usize];
            self.blocked[i as usize] &= !OFF;
            if was == OFF {
                for _ in 0..self.workers {
                    self.free_workers.push_back(i);
                }
                self.dispatch(ctx);
                self.levels_changed(ctx.now);
            }
        } else {
            self.blocked[i as usize] |= OFF;
            self.free_workers.retain(|&x| x != i);
            ctx.events.schedule_now(Event::Released {
                to: self.consumers,
                instance: i,
            });
        }
    }

    /// The consumer pool asks for the backlog (`metric: backlog`): the
    /// messages held, waiting or being consumed, at this instant.
    #[cold]
    pub fn backlog_asked(&mut self, ctx: &mut Ctx) {
        let held = self.held().min(ASK as u64 - 1) as u32;
        ctx.events.schedule_now(Event::Backlog {
            to: self.consumers,
            held,
        });
    }

    /// The queue crashes: publishes in progress (`active`) fail, new ones
    /// fail at once, nothing is handed out; stored messages are kept.
    pub fn crash(&mut self, active: &[CallId], ctx: &mut Ctx) {
        if !self.faults.crash(0) {
            return;
        }
        for &call in active {
            // Stored messages (made by nobody) survive: the queue is durable.
            if ctx.calls[call].parent.is_some() {
                ctx.reply(call, Outcome::Failed);
            }
        }
    }

    /// The queue is repaired and hands out messages again.
    pub fn restore(&mut self, ctx: &mut Ctx) -> bool {
        let up = self.faults.restore(0);
        if up {
            self.dispatch(ctx);
            self.levels_changed(ctx.now);
        }
        up
    }

    /// Messages, the peak backlog and when it drained, since the warm-up.
    pub fn summary(&self) -> DataSummary {
        DataSummary::Queue {
            component: self.id,
            published: self.measured[0],
            rejected: self.measured[1],
            consumed: self.measured[2],
            peak_backlog: self.peak,
            peak_at: self.peak_at,
            drained_at: self.drained_at,
            held_at_end: self.held(),
            redelivered: self.measured_redelivered,
        }
    }
}

impl Queue {
    /// The running queue of `m` (the assembly step), sized for its
    /// consumers' instances and workers.
    pub fn build(m: &crate::model::Queue, at: &super::Assembly) -> Queue {
        let consumers = at.other(m.consumers);
        Queue::new(
            at.id,
            at.name,
            m,
            (consumers.fault_instances(), consumers.slots()),
            consumers.workers(),
            at.seed(),
        )
    }
}

impl super::Runtime for Queue {
    #[inline]
    fn on(&mut self, event: Event, ctx: &mut Ctx) {
        Queue::on(self, event, ctx)
    }

    /// Its autoscaled consumers: which instances serve, and their
    /// questions about the backlog.
    fn on_timer(&mut self, event: Event, ctx: &mut Ctx, _: &mut Vec<super::kind::Happened>) {
        match event {
            Event::Serving {
                instance, serving, ..
            } => self.consumer_serving(instance, serving, ctx),
            Event::Backlog { held: ASK, .. } => self.backlog_asked(ctx),
            _ => unreachable!("{event:?} is not a queue's"),
        }
    }

    /// Its consumers' instances going down and coming back.
    fn hear(&mut self, notice: super::kind::Notice, ctx: &mut Ctx) {
        match notice {
            super::kind::Notice::InstanceDown { from, instance } if from == self.consumers => {
                self.consumer_crashed(instance)
            }
            super::kind::Notice::InstanceUp { from, instance } if from == self.consumers => {
                self.consumer_restored(instance, ctx)
            }
            _ => {}
        }
    }

    /// Messages waiting for a consumer.
    fn queued(&self) -> usize {
        self.waiting.len()
    }

    /// The warm-up is over: totals and the peak count from now.
    fn start_measuring(&mut self, now: SimTime) {
        self.measured = [0; 3];
        self.measured_redelivered = 0;
        self.peak = self.held();
        self.peak_at = now;
        self.drained_at = self.waiting.is_empty().then_some(now);
    }

    fn data_summary(&self) -> Option<DataSummary> {
        Some(self.summary())
    }

    /// Appends the queue's row (`*`): messages waiting (`queue_len`), being
    /// consumed (`in_service`), held in all (`backlog`), consumed
    /// (`completed`) and refused (`rejected`).
    fn report_window(&mut self, start: SimTime, end: SimTime, out: &mut Vec<ComponentRow>) {
        let len = end.0 - start.0;
        let up = self.faults.take_up(0);
        out.push(ComponentRow {
            up,
            queue_len: Some(self.waiting_level.take_average(end, len)),
            in_service: Some(self.in_progress.take_average(end, len)),
            backlog: Some(self.backlog.take_average(end, len)),
            completed: std::mem::take(&mut self.consumed),
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
        Queue::crash(self, &held, ctx);
        (up, 0)
    }

    fn restore(&mut self, _: u32, ctx: &mut Ctx) -> bool {
        Queue::restore(self, ctx)
    }
}
