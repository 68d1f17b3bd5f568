//! A service's guarded downstream calls: a per-call `timeout`, `retries`
//! with backoff and budget, and a `circuit_breaker`. Only services with a
//! guarded call carry this state; the others never reach this code.
//!
//! *Decided:* a call that times out (the worker stops waiting; the callee's
//! work goes on for nobody) counts as an error for the call's breaker and is
//! retried like a rejection or failure; when the caller gives up on it, the
//! caller answers `failed` (a gateway timeout is an error reply, not the
//! client's own deadline). A call failed fast by an open breaker is
//! `rejected` (refused at once, never sent) and may be retried too. The
//! worker is held through every attempt and backoff. One breaker per call
//! entry, shared by the pool's instances, as a service mesh keeps it.
//!
//! *Decided* ([flow]): `hedge: D` sends a second try when the first has no
//! reply D after it was sent; the attempt succeeds with the first success
//! (the other try is abandoned, `flow.rs`), fails when both failed (or the
//! first failed before the hedge went: then the retry rules apply), and
//! times out `timeout` after the first try went, abandoning both. The
//! breaker hears the attempt's outcome once.

use super::Service;
use crate::components::breaker::CircuitBreaker;
use crate::components::retry::Retrier;
use crate::components::{ANY_INSTANCE, CallId, Ctx, Event};
use crate::engine::{SimDuration, SimTime, Stream};
use crate::metrics::{LoggedEvent, Outcome};
use crate::model;

/// What one call entry does besides being made.
struct Guard {
    timeout: Option<SimDuration>,
    hedge: Option<SimDuration>,
    retrier: Option<Retrier>,
    breaker: Option<CircuitBreaker>,
}

/// Where a caller's current downstream call is.
#[derive(Clone, Copy, Debug, Default)]
struct Pending {
    /// The attempt being waited for; `None` between attempts.
    child: Option<CallId>,
    /// Attempts of the current call entry made so far.
    made: u32,
    /// When the current attempt times out.
    deadline: SimTime,
    /// The attempt is its breaker's half-open probe.
    probe: bool,
    /// The attempt's `hedge` try being waited for.
    hedge: Option<CallId>,
    /// When the hedge goes; `NEVER` once it has or cannot.
    hedge_at: SimTime,
    /// Tries waiting for a connection: 1 the first, 2 the hedge.
    for_connection: u8,
}

/// The guarded calls of a service.
pub(super) struct Guarded {
    /// Per call entry.
    guards: Vec<Option<Guard>>,
    /// By the caller's call slot.
    pending: Vec<Pending>,
}

impl Guarded {
    /// The guards of `calls` of the service `name`; `None` when no call has
    /// one.
    pub(super) fn new(calls: &[model::Call], name: &str, seed: u64) -> Option<Box<Guarded>> {
        if calls.iter().all(|c| c.guard.is_none()) {
            return None;
        }
        let guards = calls
            .iter()
            .enumerate()
            .map(|(i, c)| {
                c.guard.as_deref().map(|g| Guard {
                    timeout: g.timeout,
                    hedge: c.flow.as_deref().and_then(|f| f.hedge),
                    retrier: g.retry.as_ref().map(|p| {
                        Retrier::new(
                            p,
                            Stream::new(seed, &format!("{name}.calls[{i}]"), "backoff"),
                        )
                    }),
                    breaker: g.breaker.as_ref().map(CircuitBreaker::new),
                })
            })
            .collect();
        Some(Box::new(Guarded {
            guards,
            pending: Vec::new(),
        }))
    }

    fn pending(&mut self, call: CallId) -> &mut Pending {
        let i = call.index();
        if i >= self.pending.len() {
            self.pending.resize(i + 1, Pending::default());
        }
        &mut self.pending[i]
    }
}

impl Service {
    fn guarded(&mut self) -> &mut Guarded {
        self.guarded.as_mut().expect("a service with guarded calls")
    }

    /// The breakers' `circuit_open` and `circuit_closed` events, in time order
    /// per breaker.
    pub fn take_breaker_log(&mut self) -> Vec<LoggedEvent> {
        let Some(g) = &mut self.guarded else {
            return Vec::new();
        };
        g.guards
            .iter_mut()
            .flatten()
            .filter_map(|g| g.breaker.as_mut())
            .flat_map(|b| std::mem::take(&mut b.log))
            .collect()
    }

    /// Reacts to a guarded call's timeout or the end of its backoff (kept
    /// apart from [`Service::on`], so that services without guarded calls
    /// never see these arms).
    #[cold]
    #[inline(never)]
    pub fn on_guarded(&mut self, event: Event, ctx: &mut Ctx) {
        match event {
            Event::CallTimeout { call } => self.call_timed_out(call, ctx),
            Event::CallRetry { call } => self.call_retry(call, ctx),
            _ => unreachable!("only guarded calls' timers come here"),
        }
    }

    /// `call` makes its downstream call `entry` (first attempt).
    #[cold]
    #[inline(never)]
    pub(super) fn guarded_send(&mut self, call: CallId, entry: usize, ctx: &mut Ctx) {
        *self.guarded().pending(call) = Pending::default();
        self.attempt(call, entry, ctx);
    }

    /// The next attempt of `call`'s downstream call `entry`.
    fn attempt(&mut self, call: CallId, entry: usize, ctx: &mut Ctx) {
        let now = ctx.now;
        let to = self.calls[entry].to;
        let flow_entry = self.flows.as_ref().is_some_and(|f| f.has(entry));
        let g = self.guarded();
        let made = {
            let p = g.pending(call);
            p.made += 1;
            p.probe = false;
            p.hedge = None;
            p.hedge_at = SimTime::NEVER;
            p.for_connection = 0;
            p.made
        };
        let mut timeout = None;
        if let Some(guard) = &mut g.guards[entry] {
            if made == 1
                && let Some(r) = &mut guard.retrier
            {
                r.first_try(now);
            }
            if let Some(b) = &mut guard.breaker {
                match b.admit(now) {
                    None => return self.attempt_failed(call, entry, Outcome::Rejected, ctx),
                    Some(probe) => g.pending[call.index()].probe = probe,
                }
            }
            timeout = guard.timeout;
        }
        if flow_entry {
            return self.flow_attempt(call, entry, ctx);
        }
        let c = ctx.calls[call];
        let child = ctx.calls.insert(c.child(call, to, ANY_INSTANCE));
        let p = &mut g.pending[call.index()];
        p.child = Some(child);
        if let Some(t) = timeout {
            p.deadline = now + t;
            ctx.events.schedule(now + t, Event::CallTimeout { call });
        }
        ctx.send(child);
    }

    /// An attempt of `call`'s downstream call `entry` ended with `outcome`
    /// (not ok): retry after its backoff, or give up and answer.
    fn attempt_failed(&mut self, call: CallId, entry: usize, outcome: Outcome, ctx: &mut Ctx) {
        let g = self.guarded();
        let made = g.pending(call).made;
        let wait = match &mut g.guards[entry] {
            Some(Guard {
                retrier: Some(r), ..
            }) => r.retry(ctx.now, made),
            _ => None,
        };
        match wait {
            None => {
                if let Some(f) = self.flows.as_mut()
                    && f.has(entry)
                {
                    f.stats(entry).failed += 1;
                }
                let up = match outcome {
                    Outcome::TimedOut => Outcome::Failed,
                    other => other,
                };
                self.finish(call, up, ctx);
            }
            Some(w) if w == SimDuration::ZERO => self.attempt(call, entry, ctx),
            Some(w) => ctx.events.schedule(ctx.now + w, Event::CallRetry { call }),
        }
    }

    /// A reply from a downstream call of a service with guarded calls: only
    /// the current attempt's reply counts; an abandoned one's is dropped.
    #[cold]
    #[inline(never)]
    pub(super) fn guarded_reply(&mut self, child: CallId, outcome: Outcome, ctx: &mut Ctx) {
        let parent = ctx
            .calls
            .remove(child)
            .and_then(|c| c.parent)
            .expect("a reply to a service call has a parent");
        let p = self.guarded().pending(parent);
        let is_hedge = p.hedge == Some(child);
        if p.child != Some(child) && !is_hedge {
            return;
        }
        let entry = ctx.calls[parent].step as usize - 1;
        if self.flows.is_some() {
            if !self.try_ended(parent, is_hedge, entry, outcome, ctx) {
                return;
            }
        } else {
            self.guarded().pending(parent).child = None;
        }
        let g = self.guarded();
        let probe = g.pending[parent.index()].probe;
        if let Some(Guard {
            breaker: Some(b), ..
        }) = &mut g.guards[entry]
        {
            b.record(ctx.now, outcome == Outcome::Ok, probe);
        }
        match outcome {
            Outcome::Ok => {
                if let Some(f) = self.flows.as_mut()
                    && f.has(entry)
                {
                    f.stats(entry).ok += 1;
                }
                self.next_call(parent, ctx)
            }
            _ => self.attempt_failed(parent, entry, outcome, ctx),
        }
    }

    /// `call`'s per-call timeout may have come: it ends the current attempt
    /// only if that attempt's deadline is now.
    fn call_timed_out(&mut self, call: CallId, ctx: &mut Ctx) {
        let p = self.guarded().pending(call);
        if p.hedge_at == ctx.now && p.child.is_some() {
            return self.send_hedge(call, ctx);
        }
        if (p.child.is_none() && p.hedge.is_none()) || p.deadline != ctx.now {
            return;
        }
        let entry = ctx.calls[call].step as usize - 1;
        if self.flows.is_some() {
            self.abandon_tries(call, entry, ctx);
        } else {
            self.guarded().pending(call).child = None;
        }
        let g = self.guarded();
        let probe = g.pending[call.index()].probe;
        if let Some(Guard {
            breaker: Some(b), ..
        }) = &mut g.guards[entry]
        {
            b.record(ctx.now, false, probe);
        }
        self.attempt_failed(call, entry, Outcome::TimedOut, ctx);
    }

    /// `call`'s backoff is over: the next attempt goes.
    fn call_retry(&mut self, call: CallId, ctx: &mut Ctx) {
        let entry = ctx.calls[call].step as usize - 1;
        self.attempt(call, entry, ctx);
    }
}

impl Service {
    /// The attempt of `call`'s entry `entry`, which has [flow] options: its
    /// first try through the entry's connections.
    #[cold]
    #[inline(never)]
    fn flow_attempt(&mut self, call: CallId, entry: usize, ctx: &mut Ctx) {
        if self.guarded().pending(call).made == 1 {
            self.flows().stats(entry).made += 1;
        }
        match self.try_send(call, entry, false, ctx) {
            super::flow::Sent::Now(child) => self.granted(call, entry, false, child, ctx),
            super::flow::Sent::Waiting => self.guarded().pending(call).for_connection |= 1,
            super::flow::Sent::Refused => self.attempt_failed(call, entry, Outcome::Rejected, ctx),
        }
    }

    /// A try of `call`'s entry `entry` (its hedge when `hedge`) was sent as
    /// `child`: the first try's timeout and hedge clocks start.
    pub(super) fn granted(
        &mut self,
        call: CallId,
        entry: usize,
        hedge: bool,
        child: CallId,
        ctx: &mut Ctx,
    ) {
        let now = ctx.now;
        let g = self.guarded();
        let (timeout, hedge_after) = match &g.guards[entry] {
            Some(guard) => (guard.timeout, guard.hedge),
            None => (None, None),
        };
        let p = g.pending(call);
        if hedge {
            p.for_connection &= !2;
            p.hedge = Some(child);
            return;
        }
        p.for_connection &= !1;
        p.child = Some(child);
        if let Some(t) = timeout {
            p.deadline = now + t;
            ctx.events.schedule(now + t, Event::CallTimeout { call });
        }
        if let Some(h) = hedge_after {
            p.hedge_at = now + h;
            ctx.events.schedule(now + h, Event::CallTimeout { call });
        }
    }

    /// Whether `call`'s try (its hedge when `hedge`) still waits for a
    /// connection.
    pub(super) fn awaits_connection(&mut self, call: CallId, hedge: bool) -> bool {
        let bit = if hedge { 2 } else { 1 };
        self.guarded().pending(call).for_connection & bit != 0
    }

    /// The hedge's time came with no reply to the first try: the second
    /// try goes (or waits for a connection; a bulkhead may refuse it).
    fn send_hedge(&mut self, call: CallId, ctx: &mut Ctx) {
        let entry = ctx.calls[call].step as usize - 1;
        self.guarded().pending(call).hedge_at = SimTime::NEVER;
        match self.try_send(call, entry, true, ctx) {
            super::flow::Sent::Now(child) => self.granted(call, entry, true, child, ctx),
            super::flow::Sent::Waiting => self.guarded().pending(call).for_connection |= 2,
            super::flow::Sent::Refused => {}
        }
    }

    /// A try of `parent`'s attempt replied (the hedge when `is_hedge`): true if the attempt is over (a success, or no try
    /// left), in which case the other try is abandoned.
    fn try_ended(
        &mut self,
        parent: CallId,
        is_hedge: bool,
        entry: usize,
        outcome: Outcome,
        ctx: &mut Ctx,
    ) -> bool {
        let p = self.guarded().pending(parent);
        if is_hedge {
            p.hedge = None;
        } else {
            p.child = None;
        }
        let other_out = p.child.is_some() || p.hedge.is_some() || p.for_connection & 2 != 0;
        if outcome != Outcome::Ok && other_out {
            return false;
        }
        self.abandon_tries(parent, entry, ctx);
        if self.flows().has(entry) {
            let s = self.flows().stats(entry);
            s.hedge_wins += (outcome == Outcome::Ok && is_hedge) as u64;
        }
        true
    }

    /// `call`'s attempt is over: its tries still out are abandoned, and
    /// nothing of it waits for a connection or a hedge any more.
    fn abandon_tries(&mut self, call: CallId, entry: usize, ctx: &mut Ctx) {
        let p = self.guarded().pending(call);
        let tries = [p.child.take(), p.hedge.take()];
        p.hedge_at = SimTime::NEVER;
        p.for_connection = 0;
        let flow = self.flows.as_ref().is_some_and(|f| f.has(entry));
        for t in tries.into_iter().flatten() {
            if flow {
                self.abandon(t, entry, ctx);
            }
        }
    }
}
