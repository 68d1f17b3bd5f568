//! A service instance's line when its `discipline` is not FIFO: the newest
//! first (`lifo`), by the request class's priority (`priority`), or FIFO
//! with CoDel's drops (`codel`). A FIFO pool never builds one: its
//! station's own line serves it, as before.
//!
//! CoDel follows RFC 8289's pseudocode (section 5), with "bytes in the
//! queue at most one MTU" read as "nothing waits behind the request taken":
//! a wait above `target` that has lasted `interval` starts a dropping
//! state, in which the request at the head is dropped at intervals
//! `interval / sqrt(count)` until a wait is below `target` again.

use std::collections::VecDeque;

use crate::components::CallId;
use crate::engine::{SimDuration, SimTime};
use crate::model::Discipline;

/// One instance's waiting requests.
pub(super) enum Line {
    /// `lifo`: the newest is taken first.
    Lifo(Vec<CallId>),
    /// `priority`: one FIFO per level, level 0 first.
    Priority(Box<[VecDeque<CallId>]>),
    /// `codel`: FIFO with the time each request joined.
    Codel(Box<Codel>),
}

/// CoDel's state for one line (RFC 8289's variable names).
pub(super) struct Codel {
    line: VecDeque<(CallId, SimTime)>,
    target: SimDuration,
    interval: SimDuration,
    /// When the wait first stayed above target long enough to drop
    /// (`first_above_time`); `None`: it is below.
    first_above: Option<SimTime>,
    dropping: bool,
    drop_next: SimTime,
    count: u32,
    last_count: u32,
}

impl Line {
    /// An empty line of `discipline` with `levels` priority levels.
    pub(super) fn new(discipline: Discipline, levels: usize) -> Line {
        match discipline {
            Discipline::Fifo | Discipline::Lifo => Line::Lifo(Vec::new()),
            Discipline::Priority => {
                Line::Priority((0..levels.max(1)).map(|_| VecDeque::new()).collect())
            }
            Discipline::Codel { target, interval } => Line::Codel(Box::new(Codel {
                line: VecDeque::new(),
                target,
                interval,
                first_above: None,
                dropping: false,
                drop_next: SimTime::ZERO,
                count: 0,
                last_count: 0,
            })),
        }
    }

    /// Requests waiting.
    pub(super) fn len(&self) -> usize {
        match self {
            Line::Lifo(v) => v.len(),
            Line::Priority(levels) => levels.iter().map(VecDeque::len).sum(),
            Line::Codel(c) => c.line.len(),
        }
    }

    /// `call` (of priority level `level`) joins the line at `now`.
    pub(super) fn push(&mut self, call: CallId, level: usize, now: SimTime) {
        match self {
            Line::Lifo(v) => v.push(call),
            Line::Priority(levels) => levels[level].push_back(call),
            Line::Codel(c) => c.line.push_back((call, now)),
        }
    }

    /// A full `priority` line makes room for a request of level `level`:
    /// the newest request of the lowest level below it leaves (returned, to
    /// be rejected); `None` when nothing waiting ranks below `level` (or
    /// the discipline is not `priority`: the arrival is turned away).
    pub(super) fn push_out(&mut self, level: usize) -> Option<CallId> {
        match self {
            Line::Priority(levels) => levels[level + 1..]
                .iter_mut()
                .rev()
                .find_map(VecDeque::pop_back),
            _ => None,
        }
    }

    /// The request a freed worker takes at `now`, if any; CoDel's drops on
    /// the way go to `dropped` (the pool rejects them).
    pub(super) fn pop(&mut self, now: SimTime, dropped: &mut Vec<CallId>) -> Option<CallId> {
        match self {
            Line::Lifo(v) => v.pop(),
            Line::Priority(levels) => levels.iter_mut().find_map(VecDeque::pop_front),
            Line::Codel(c) => c.dequeue(now, dropped),
        }
    }

    /// Everything waiting is gone (the instance crashed; the pool fails
    /// the calls).
    pub(super) fn clear(&mut self) {
        match self {
            Line::Lifo(v) => v.clear(),
            Line::Priority(levels) => levels.iter_mut().for_each(VecDeque::clear),
            Line::Codel(c) => {
                c.line.clear();
                c.first_above = None;
                c.dropping = false;
            }
        }
    }
}

impl Codel {
    /// RFC 8289's `dodequeue`: the head and whether it may be dropped.
    fn head(&mut self, now: SimTime) -> Option<(CallId, bool)> {
        let Some((call, since)) = self.line.pop_front() else {
            self.first_above = None;
            return None;
        };
        let sojourn = now.since(since);
        let ok_to_drop = if sojourn < self.target || self.line.is_empty() {
            self.first_above = None;
            false
        } else {
            match self.first_above {
                None => {
                    self.first_above = Some(now + self.interval);
                    false
                }
                Some(t) => now >= t,
            }
        };
        Some((call, ok_to_drop))
    }

    /// `t + interval / sqrt(count)`.
    fn control_law(&self, t: SimTime, count: u32) -> SimTime {
        let step = self.interval.nanos() as f64 / (count.max(1) as f64).sqrt();
        t + SimDuration(step as u64)
    }

    /// RFC 8289's `dequeue`.
    fn dequeue(&mut self, now: SimTime, dropped: &mut Vec<CallId>) -> Option<CallId> {
        let Some((mut call, mut ok)) = self.head(now) else {
            self.dropping = false;
            return None;
        };
        if self.dropping {
            if !ok {
                self.dropping = false;
            }
            while self.dropping && now >= self.drop_next {
                dropped.push(call);
                self.count += 1;
                match self.head(now) {
                    None => {
                        self.dropping = false;
                        return None;
                    }
                    Some((next, next_ok)) => (call, ok) = (next, next_ok),
                }
                if ok {
                    self.drop_next = self.control_law(self.drop_next, self.count);
                } else {
                    self.dropping = false;
                }
            }
        } else if ok {
            dropped.push(call);
            let next = self.head(now);
            self.dropping = true;
            // Back into dropping soon after leaving it: resume near the
            // drop rate it had reached.
            let delta = self.count.saturating_sub(self.last_count);
            self.count = if delta > 1
                && now.0.saturating_sub(self.drop_next.0) < self.interval.nanos() * 16
            {
                delta
            } else {
                1
            };
            self.drop_next = self.control_law(now, self.count);
            self.last_count = self.count;
            match next {
                None => return None,
                Some((n, _)) => call = n,
            }
        }
        Some(call)
    }
}

/// The lines of a pool whose discipline is not FIFO, one per instance.
pub(super) struct Lined {
    /// Per instance.
    pub(super) lines: Vec<Line>,
    /// Per request class: its priority level's index (0 first).
    pub(super) levels: Box<[u16]>,
    /// CoDel's drops of the current dequeue (kept to reuse its memory).
    pub(super) dropped: Vec<CallId>,
}

impl Lined {
    /// The lines of `slots` instances of `discipline`, for request classes
    /// of `priorities`; `None` for FIFO (the station's line serves).
    pub(super) fn new(
        discipline: Discipline,
        slots: u32,
        priorities: &[u32],
    ) -> Option<Box<Lined>> {
        if discipline == Discipline::Fifo {
            return None;
        }
        let mut distinct: Vec<u32> = priorities.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        let levels = priorities
            .iter()
            .map(|p| distinct.binary_search(p).unwrap_or(0) as u16)
            .collect();
        Some(Box::new(Lined {
            lines: (0..slots)
                .map(|_| Line::new(discipline, distinct.len()))
                .collect(),
            levels,
            dropped: Vec::new(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Arena;

    fn calls(n: usize) -> (Arena<u32>, Vec<CallId>) {
        let mut a = Arena::new();
        let ids = (0..n as u32).map(|i| a.insert(i)).collect();
        (a, ids)
    }

    #[test]
    fn lifo_takes_the_newest_and_priority_the_lowest_level_first() {
        let (_, ids) = calls(4);
        let mut out = Vec::new();
        let mut l = Line::new(Discipline::Lifo, 1);
        for &c in &ids {
            l.push(c, 0, SimTime::ZERO);
        }
        assert_eq!(l.pop(SimTime::ZERO, &mut out), Some(ids[3]));
        let mut p = Line::new(Discipline::Priority, 2);
        p.push(ids[0], 1, SimTime::ZERO);
        p.push(ids[1], 0, SimTime::ZERO);
        p.push(ids[2], 1, SimTime::ZERO);
        p.push(ids[3], 0, SimTime::ZERO);
        // Full: a level-0 arrival pushes out the newest of level 1.
        assert_eq!(p.push_out(0), Some(ids[2]));
        assert_eq!(p.push_out(1), None);
        let order: Vec<_> = std::iter::from_fn(|| p.pop(SimTime::ZERO, &mut out)).collect();
        assert_eq!(order, vec![ids[1], ids[3], ids[0]]);
        assert!(out.is_empty());
    }

    #[test]
    fn codel_drops_only_after_the_wait_stays_above_target_for_an_interval() {
        let ms = |m: u64| SimTime(m * 1_000_000);
        let (_, ids) = calls(40);
        let mut out = Vec::new();
        let mut l = Line::new(
            Discipline::Codel {
                target: SimDuration::from_millis(5),
                interval: SimDuration::from_millis(100),
            },
            1,
        );
        for &c in &ids {
            l.push(c, 0, SimTime::ZERO);
        }
        // Waits of 50 ms: above target, but not yet for an interval.
        assert_eq!(l.pop(ms(50), &mut out), Some(ids[0]));
        assert_eq!(l.pop(ms(120), &mut out), Some(ids[1]));
        assert!(out.is_empty());
        // 100 ms after the first wait above target: the head is dropped.
        assert_eq!(l.pop(ms(151), &mut out), Some(ids[3]));
        assert_eq!(out, vec![ids[2]]);
        // The next drop is due interval / sqrt(1) later.
        assert_eq!(l.pop(ms(200), &mut out), Some(ids[4]));
        assert_eq!(out.len(), 1);
        assert_eq!(l.pop(ms(252), &mut out), Some(ids[6]));
        assert_eq!(out, vec![ids[2], ids[5]]);
    }
}
