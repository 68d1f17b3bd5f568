//! A service's [flow] calls: `parallel` branches joined by `join`, the
//! connections of `pool` and `bulkhead`, and the bookkeeping `hedge` shares
//! with them (its timers live with the guarded calls, `guarded.rs`, since a
//! hedge needs a timeout). Only services with such a call carry this
//! state; the others never reach this code.
//!
//! *Decided:*
//! - A parallel call holds the caller's worker until its join: `join` k of
//!   n succeeds at the k-th success and fails as soon as more than n - k
//!   branches failed (with the last failure's outcome). The branches still
//!   out are abandoned: each is marked `cancelled`, so that where it still
//!   waits in a service's line it is taken out unserved; one in service
//!   runs on (wasted work, counted `abandoned`).
//! - A connection of `pool`/`bulkhead` is taken when a call is sent and
//!   given back when its reply comes, or when the caller stops waiting for
//!   it (a hedge's loser, a try past its timeout: the stream is reset, as
//!   HTTP/2 does). A call waiting for a connection waits FIFO per caller
//!   instance; its timeout and hedge clocks start when it is sent.
//! - A caller instance that crashes gives its connections back at once:
//!   the replies of what it had in flight are dropped on the way.

use std::collections::VecDeque;

use super::Service;
use crate::components::{ANY_INSTANCE, CallId, Ctx};
use crate::engine::{SimDuration, SimTime};
use crate::metrics::{CallRow, Outcome};
use crate::model::{self, ComponentId};

/// The [flow] calls of a service.
pub(super) struct Flows {
    /// Per call entry: its options; `None` for a call without any.
    entries: Vec<Option<Entry>>,
    /// By the caller's call slot: its parallel call in progress.
    fans: Vec<Fan>,
    /// By the caller's call slot, `width` each: the branches still out.
    kids: Vec<Option<CallId>>,
    /// Most branches of one entry.
    width: usize,
    /// By a sent call's slot: the connection it holds.
    held: Vec<Option<Held>>,
    /// Per call entry: the window's counts.
    stats: Vec<CallRow>,
    /// Closed windows' rows.
    rows: Vec<CallRow>,
}

/// One call entry's options.
struct Entry {
    branches: Box<[ComponentId]>,
    join: u32,
    to: ComponentId,
    limit: Option<Limit>,
}

/// `pool` or `bulkhead`: per caller instance, its connections.
struct Limit {
    size: u32,
    wait: bool,
    conns: Vec<Conns>,
}

#[derive(Default)]
struct Conns {
    in_use: u32,
    waiting: VecDeque<Waiter>,
}

/// A call waiting for a connection.
#[derive(Clone, Copy)]
struct Waiter {
    call: CallId,
    since: SimTime,
    hedge: bool,
}

/// The connection a sent call holds.
#[derive(Clone, Copy)]
struct Held {
    child: CallId,
    entry: u16,
    instance: u32,
}

/// A parallel call in progress.
#[derive(Clone, Copy, Default)]
struct Fan {
    /// The caller's call while its join is awaited; `None` once over.
    owner: Option<CallId>,
    ok: u32,
    failed: u32,
}

/// What became of a call sent through a connection limit.
pub(super) enum Sent {
    /// Sent now.
    Now(CallId),
    /// Waiting for a connection (`pool`).
    Waiting,
    /// Refused at once (`bulkhead`).
    Refused,
}

impl Flows {
    /// The [flow] state of a service with `calls` and `slots` instances;
    /// `None` when no call has [flow] options.
    pub(super) fn new(calls: &[model::Call], slots: u32) -> Option<Box<Flows>> {
        if calls.iter().all(|c| c.flow.is_none()) {
            return None;
        }
        let entries: Vec<Option<Entry>> = calls
            .iter()
            .map(|c| {
                c.flow.as_deref().map(|f| Entry {
                    branches: f.branches.clone().into_boxed_slice(),
                    join: f.join,
                    to: c.to,
                    limit: f.limit.map(|l| Limit {
                        size: l.size,
                        wait: l.wait,
                        conns: (0..slots).map(|_| Conns::default()).collect(),
                    }),
                })
            })
            .collect();
        let width = entries
            .iter()
            .flatten()
            .map(|e| e.branches.len())
            .max()
            .unwrap_or(0);
        Some(Box::new(Flows {
            stats: vec![CallRow::default(); entries.len()],
            entries,
            fans: Vec::new(),
            kids: Vec::new(),
            width,
            held: Vec::new(),
            rows: Vec::new(),
        }))
    }

    /// Whether call entry `entry` has [flow] options.
    #[inline]
    pub(super) fn has(&self, entry: usize) -> bool {
        // `get`: a session read's step is no call entry.
        self.entries.get(entry).is_some_and(Option::is_some)
    }

    /// Whether entry `entry` is a parallel call.
    #[inline]
    pub(super) fn is_parallel(&self, entry: usize) -> bool {
        self.entries
            .get(entry)
            .and_then(Option::as_ref)
            .is_some_and(|e| !e.branches.is_empty())
    }

    /// The window's counts of entry `entry`.
    pub(super) fn stats(&mut self, entry: usize) -> &mut CallRow {
        &mut self.stats[entry]
    }

    /// The parallel call `parent` awaits, if `child` is one of its
    /// branches still out.
    fn fan_of(&self, parent: CallId) -> Option<usize> {
        let slot = parent.index();
        self.fans
            .get(slot)
            .is_some_and(|f| f.owner == Some(parent))
            .then_some(slot)
    }

    /// Closes the window `[start, start + len)`: one row per entry with
    /// options, for the service `caller`.
    pub(super) fn close_window(&mut self, caller: ComponentId, start: SimTime, len: SimDuration) {
        for (e, entry) in self.entries.iter().enumerate() {
            if entry.is_none() {
                continue;
            }
            let counts = std::mem::take(&mut self.stats[e]);
            self.rows.push(CallRow {
                start,
                len,
                caller,
                entry: e as u32,
                ..counts
            });
        }
    }

    /// The rows of every window closed.
    pub(super) fn take_rows(&mut self) -> Vec<CallRow> {
        std::mem::take(&mut self.rows)
    }

    /// Instance `i` of the caller crashed: its connections are free and
    /// nothing of it waits for one.
    pub(super) fn crashed(&mut self, i: usize) {
        for e in self.entries.iter_mut().flatten() {
            if let Some(l) = &mut e.limit {
                l.conns[i] = Conns::default();
            }
        }
    }
}

/// Whether nobody waits for `call` any more: it, or a call it works for,
/// was abandoned by its caller (or is gone).
pub(super) fn abandoned(
    calls: &crate::engine::Arena<crate::components::Call>,
    call: CallId,
) -> bool {
    let mut at = call;
    loop {
        let Some(c) = calls.get(at) else { return true };
        if c.cancelled {
            return true;
        }
        match c.parent {
            Some(p) => at = p,
            None => return false,
        }
    }
}

impl Service {
    pub(super) fn flows(&mut self) -> &mut Flows {
        self.flows.as_mut().expect("a service with flow calls")
    }

    /// `call` makes its entry `entry`, which has [flow] options but no
    /// guard: a parallel fan-out, or one call through its connections.
    #[cold]
    #[inline(never)]
    pub(super) fn flow_send(&mut self, call: CallId, entry: usize, ctx: &mut Ctx) {
        self.flows().stats[entry].made += 1;
        if self.flows().is_parallel(entry) {
            return self.fan_out(call, entry, ctx);
        }
        match self.try_send(call, entry, false, ctx) {
            Sent::Now(_) | Sent::Waiting => {}
            Sent::Refused => {
                self.flows().stats[entry].failed += 1;
                self.finish(call, Outcome::Rejected, ctx);
            }
        }
    }

    /// Sends one call of entry `entry` for `call` (a `hedge` try when
    /// `hedge`), through the entry's connections if it has a limit.
    pub(super) fn try_send(
        &mut self,
        call: CallId,
        entry: usize,
        hedge: bool,
        ctx: &mut Ctx,
    ) -> Sent {
        let instance = ctx.calls[call].instance as usize;
        let now = ctx.now;
        let f = self.flows();
        let e = f.entries[entry].as_mut().expect("an entry with options");
        if let Some(l) = &mut e.limit {
            let conns = &mut l.conns[instance];
            if conns.in_use >= l.size {
                if !l.wait {
                    f.stats[entry].bulkhead_rejected += 1;
                    return Sent::Refused;
                }
                conns.waiting.push_back(Waiter {
                    call,
                    since: now,
                    hedge,
                });
                f.stats[entry].pool_waits += 1;
                return Sent::Waiting;
            }
            conns.in_use += 1;
        }
        Sent::Now(self.send_one(call, entry, hedge, instance, ctx))
    }

    /// Makes and sends the call (its connection, if any, already taken).
    fn send_one(
        &mut self,
        call: CallId,
        entry: usize,
        hedge: bool,
        instance: usize,
        ctx: &mut Ctx,
    ) -> CallId {
        let f = self.flows();
        let e = f.entries[entry].as_ref().expect("an entry with options");
        let limited = e.limit.is_some();
        let c = ctx.calls[call];
        let child = ctx.calls.insert(c.child(call, e.to, ANY_INSTANCE));
        let s = &mut f.stats[entry];
        s.sent += 1;
        s.hedges += hedge as u64;
        if limited {
            let slot = child.index();
            if slot >= f.held.len() {
                f.held.resize(slot + 1, None);
            }
            f.held[slot] = Some(Held {
                child,
                entry: entry as u16,
                instance: instance as u32,
            });
        }
        ctx.send(child);
        child
    }

    /// `child` no longer holds its connection (its reply came, or its
    /// caller stopped waiting): the first valid waiter takes it.
    pub(super) fn release(&mut self, child: CallId, ctx: &mut Ctx) {
        let f = self.flows();
        let Some(h) = f.held.get(child.index()).copied().flatten() else {
            return;
        };
        if h.child != child {
            return;
        }
        f.held[child.index()] = None;
        let entry = h.entry as usize;
        let e = f.entries[entry].as_mut().expect("an entry with options");
        let l = e.limit.as_mut().expect("a limited entry");
        let conns = &mut l.conns[h.instance as usize];
        conns.in_use -= 1;
        while let Some(w) = self.flows().waiter(entry, h.instance as usize) {
            if !self.still_waits(w, entry, ctx) {
                continue;
            }
            let f = self.flows();
            f.stats[entry].pool_wait_ns += ctx.now.since(w.since).nanos() as u128;
            let l = f.entries[entry].as_mut().and_then(|e| e.limit.as_mut());
            l.expect("a limited entry").conns[h.instance as usize].in_use += 1;
            let sent = self.send_one(w.call, entry, w.hedge, h.instance as usize, ctx);
            if self.guarded.is_some() {
                self.granted(w.call, entry, w.hedge, sent, ctx);
            }
            return;
        }
    }

    /// Whether waiter `w` of entry `entry` still wants its connection.
    fn still_waits(&mut self, w: Waiter, entry: usize, ctx: &Ctx) -> bool {
        let live = ctx
            .calls
            .get(w.call)
            .is_some_and(|c| !c.replied && c.step as usize == entry + 1);
        live && (self.guarded.is_none() || self.awaits_connection(w.call, w.hedge))
    }

    /// A parallel call: every branch goes now.
    fn fan_out(&mut self, call: CallId, entry: usize, ctx: &mut Ctx) {
        let f = self.flows();
        let e = f.entries[entry].as_ref().expect("an entry with options");
        let slot = call.index();
        if slot >= f.fans.len() {
            f.fans.resize(slot + 1, Fan::default());
            f.kids.resize((slot + 1) * f.width, None);
        }
        f.fans[slot] = Fan {
            owner: Some(call),
            ok: 0,
            failed: 0,
        };
        let c = ctx.calls[call];
        for (j, &b) in e.branches.iter().enumerate() {
            let child = ctx.calls.insert(c.child(call, b, ANY_INSTANCE));
            f.kids[slot * f.width + j] = Some(child);
            ctx.send(child);
        }
        f.stats[entry].sent += e.branches.len() as u64;
    }

    /// A reply to a call of a service with [flow] calls: true if handled
    /// here (an abandoned call's, a branch's), false for the guarded or
    /// plain path to go on with.
    #[cold]
    #[inline(never)]
    pub(super) fn flow_replied(&mut self, child: CallId, outcome: Outcome, ctx: &mut Ctx) -> bool {
        self.release(child, ctx);
        let c = ctx.calls[child];
        if c.cancelled {
            // Abandoned: nobody waits for it.
            ctx.calls.remove(child);
            return true;
        }
        let parent = c.parent.expect("a reply to a service call has a parent");
        if let Some(slot) = self.flows().fan_of(parent) {
            ctx.calls.remove(child);
            self.branch_replied(parent, slot, child, outcome, ctx);
            return true;
        }
        if self.guarded.is_none() {
            // An unguarded call through a connection limit ends here.
            let entry = ctx.calls[parent].step as usize - 1;
            let f = self.flows();
            if f.has(entry) {
                let s = &mut f.stats[entry];
                if outcome == Outcome::Ok {
                    s.ok += 1;
                } else {
                    s.failed += 1;
                }
            }
        }
        false
    }

    /// A branch of `parent`'s parallel call replied: the join is met, can
    /// no longer be met, or waits on.
    fn branch_replied(
        &mut self,
        parent: CallId,
        slot: usize,
        child: CallId,
        outcome: Outcome,
        ctx: &mut Ctx,
    ) {
        let entry = ctx.calls[parent].step as usize - 1;
        let f = self.flows();
        let e = f.entries[entry].as_ref().expect("an entry with options");
        let (n, k) = (e.branches.len() as u32, e.join);
        let kids = &mut f.kids[slot * f.width..slot * f.width + n as usize];
        if let Some(k) = kids.iter_mut().find(|k| **k == Some(child)) {
            *k = None;
        }
        let fan = &mut f.fans[slot];
        if outcome == Outcome::Ok {
            fan.ok += 1;
        } else {
            fan.failed += 1;
        }
        let done = if fan.ok >= k {
            Some(true)
        } else if fan.failed > n - k {
            Some(false)
        } else {
            None
        };
        let Some(ok) = done else { return };
        fan.owner = None;
        let mut abandoned = 0;
        for k in kids.iter_mut() {
            if let Some(kid) = k.take() {
                ctx.calls[kid].cancelled = true;
                abandoned += 1;
            }
        }
        let s = &mut f.stats[entry];
        s.abandoned += abandoned;
        if ok {
            s.ok += 1;
            self.next_call(parent, ctx);
        } else {
            s.failed += 1;
            self.finish(parent, outcome, ctx);
        }
    }

    /// The caller stops waiting for `child`, sent for entry `entry`: it is
    /// marked cancelled (taken out of a line where it still waits) and its
    /// connection is given back.
    pub(super) fn abandon(&mut self, child: CallId, entry: usize, ctx: &mut Ctx) {
        if let Some(c) = ctx.calls.get_mut(child) {
            c.cancelled = true;
        }
        self.flows().stats[entry].abandoned += 1;
        self.release(child, ctx);
    }
}

impl Flows {
    /// The next waiter for a connection of `entry` at caller instance `i`.
    fn waiter(&mut self, entry: usize, i: usize) -> Option<Waiter> {
        let l = self.entries[entry].as_mut()?.limit.as_mut()?;
        l.conns[i].waiting.pop_front()
    }
}
