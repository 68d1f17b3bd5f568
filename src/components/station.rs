//! A station: one instance's workers and its FCFS line, written once for
//! every kind that serves work on workers (a service's instances, a cache's
//! nodes, a database's nodes). It keeps the busy and waiting levels whose
//! time averages become `utilization`, `in_service` and `queue_len`, clears
//! itself when its instance crashes, and stretches service times by the
//! size's USL slowdown at its busy count.
//!
//! What a call does once it holds a worker (its service time, its phases)
//! stays with the kind: the station only says whether a call starts now,
//! waits, or is turned away, and which waiting call a freed worker takes.

use std::collections::VecDeque;

use super::CallId;
use crate::engine::{SimDuration, SimTime};
use crate::metrics::Level;
use crate::model::usl;

/// What the stations of one pool share: workers per station, waiting room,
/// and the USL slowdown by busy workers.
pub struct Workers {
    /// Workers per station.
    per_station: u64,
    /// Waiting slots per station (`usize::MAX`: unbounded).
    room: usize,
    /// Slowdown by busy workers; `None` (the common case) when the cores
    /// scale linearly.
    usl: Option<Box<[f64]>>,
}

impl Workers {
    /// `per_station` workers with `room` waiting slots (`None`: unbounded)
    /// and, for a size with a USL, its slowdown table.
    pub fn new(per_station: u32, room: Option<usize>, usl: Option<Box<[f64]>>) -> Workers {
        Workers {
            per_station: per_station as u64,
            room: room.unwrap_or(usize::MAX),
            usl,
        }
    }

    /// Workers per station.
    #[inline]
    pub fn per_station(&self) -> u64 {
        self.per_station
    }

    /// Waiting slots per station (`usize::MAX`: unbounded).
    #[inline]
    pub fn room(&self) -> usize {
        self.room
    }

    /// Whether service times depend on the busy count (a USL size).
    #[inline(always)]
    pub fn has_usl(&self) -> bool {
        self.usl.is_some()
    }

    /// `t` stretched by the USL slowdown of `station`'s busy workers.
    // Out of line: pools without `usl` pay one test, not its code.
    #[cold]
    #[inline(never)]
    pub fn stretch(&self, station: &Station, t: SimDuration) -> SimDuration {
        match &self.usl {
            Some(table) => usl::stretch(t, table[station.busy.value() as usize]),
            None => t,
        }
    }
}

/// Where an arriving call goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admit {
    /// A worker took it (the busy count includes it now).
    Start,
    /// It waits in line.
    Queued,
    /// The line is full: it is turned away.
    Full,
}

/// One instance's workers and line.
#[derive(Clone, Debug, Default)]
pub struct Station {
    busy: Level,
    line: VecDeque<CallId>,
    line_level: Level,
}

impl Station {
    /// `call` arrives at `now`: a free worker takes it, or it waits, or
    /// (with no room left) it is turned away.
    #[inline]
    pub fn admit(&mut self, workers: &Workers, call: CallId, now: SimTime) -> Admit {
        if self.busy.value() < workers.per_station {
            self.busy.incr(now);
            Admit::Start
        } else if self.line.len() < workers.room {
            self.line.push_back(call);
            self.line_level.set(now, self.line.len() as u64);
            Admit::Queued
        } else {
            Admit::Full
        }
    }

    /// A worker is done at `now`: it takes the first call in line (returned;
    /// the worker stays busy) or goes idle.
    #[inline]
    pub fn release(&mut self, now: SimTime) -> Option<CallId> {
        match self.line.pop_front() {
            Some(next) => {
                self.line_level.set(now, self.line.len() as u64);
                Some(next)
            }
            None => {
                self.busy.decr(now);
                None
            }
        }
    }

    /// For a kind that keeps its own line (a discipline other than FIFO):
    /// a free worker takes a call at `now` (true; the busy count includes
    /// it), or none is free (the kind queues or turns the call away).
    #[inline]
    pub fn try_start(&mut self, workers: &Workers, now: SimTime) -> bool {
        if self.busy.value() < workers.per_station {
            self.busy.incr(now);
            true
        } else {
            false
        }
    }

    /// For a kind that keeps its own line: it holds `n` calls from `now`
    /// (the level behind `queue_len`).
    #[inline]
    pub fn line_holds(&mut self, now: SimTime, n: usize) {
        self.line_level.set(now, n as u64);
    }

    /// For a kind that keeps its own line: a worker is done at `now` and
    /// nothing waits, so it goes idle.
    #[inline]
    pub fn idle_one(&mut self, now: SimTime) {
        self.busy.decr(now);
    }

    /// The instance crashed at `now`: nothing is in service or waiting any
    /// more (the kind fails the calls it held).
    pub fn crash(&mut self, now: SimTime) {
        self.line.clear();
        self.line_level.set(now, 0);
        self.busy.set(now, 0);
    }

    /// Workers busy now.
    #[inline]
    pub fn busy(&self) -> u64 {
        self.busy.value()
    }

    /// Calls waiting now.
    #[inline]
    pub fn waiting(&self) -> usize {
        self.line.len()
    }

    /// Whether nothing is in service or waiting.
    pub fn is_idle(&self) -> bool {
        self.busy.value() == 0 && self.line.is_empty()
    }

    /// Busy worker-nanoseconds since the last window closed, up to `now`.
    pub fn busy_area_to(&self, now: SimTime) -> u128 {
        self.busy.area_to(now)
    }

    /// The window `[end - len_ns, end)` closes: mean busy workers and mean
    /// calls waiting over it; the next window starts.
    pub fn take_window(&mut self, end: SimTime, len_ns: u64) -> (f64, f64) {
        let busy = self.busy.take_average(end, len_ns);
        let waiting = self.line_level.take_average(end, len_ns);
        (busy, waiting)
    }
}
