//! A circuit breaker on a downstream call: closed, it lets calls through and
//! watches their outcomes over a sliding window; when the error share reaches
//! its threshold (over at least `min_calls` calls) it opens and fails calls at
//! once, without sending them; after `open_for` one probe call goes through,
//! whose success closes it and whose failure opens it again.
//!
//! *Decided:* the window is ten slots of a tenth of `window` each, so it
//! slides in steps of a tenth. Half-open is entered lazily, by the first call
//! after `open_for`. A probe that has not answered `open_for` after it went
//! (its caller crashed, say) is given up, and the next call probes again.

use crate::engine::{SimDuration, SimTime};
use crate::metrics::{EventKind, LoggedEvent};
use crate::model::Breaker;

/// Slots of a breaker's window.
const SLOTS: usize = 10;

/// Where a breaker is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Closed,
    Open { until: SimTime },
    HalfOpen { probe_sent: SimTime },
}

/// Calls and errors of one slot of the window.
#[derive(Clone, Copy, Debug)]
struct Slot {
    index: u64,
    calls: u64,
    errors: u64,
}

const EMPTY: Slot = Slot {
    index: u64::MAX,
    calls: 0,
    errors: 0,
};

/// One breaker's state and what it logged.
pub struct CircuitBreaker {
    errors: f64,
    open_for: SimDuration,
    min_calls: u64,
    name: String,
    slot_ns: u64,
    slots: [Slot; SLOTS],
    state: State,
    /// `circuit_open` and `circuit_closed` events, in time order.
    pub log: Vec<LoggedEvent>,
}

impl CircuitBreaker {
    /// A closed breaker as `m` describes it.
    pub fn new(m: &Breaker) -> CircuitBreaker {
        CircuitBreaker {
            errors: m.errors,
            open_for: m.open_for,
            min_calls: m.min_calls as u64,
            name: m.name.clone(),
            slot_ns: (m.window.nanos() / SLOTS as u64).max(1),
            slots: [EMPTY; SLOTS],
            state: State::Closed,
            log: Vec::new(),
        }
    }

    /// Whether a call may go at `now`: `None` fails it fast; `Some(true)`
    /// lets it go as the half-open probe, `Some(false)` as an ordinary call.
    pub fn admit(&mut self, now: SimTime) -> Option<bool> {
        match self.state {
            State::Closed => Some(false),
            State::Open { until } if now < until => None,
            State::HalfOpen { probe_sent } if now < probe_sent + self.open_for => None,
            State::Open { .. } | State::HalfOpen { .. } => {
                self.state = State::HalfOpen { probe_sent: now };
                Some(true)
            }
        }
    }

    /// A call let through at `now` ended, well (`ok`) or not; `probe` as
    /// [`CircuitBreaker::admit`] said.
    pub fn record(&mut self, now: SimTime, ok: bool, probe: bool) {
        match self.state {
            State::HalfOpen { .. } if probe => {
                if ok {
                    self.state = State::Closed;
                    self.slots = [EMPTY; SLOTS];
                    self.log(
                        now,
                        EventKind::CircuitClosed,
                        "the probe call succeeded".into(),
                    );
                } else {
                    self.open(now, "the probe call failed".into());
                }
            }
            State::Closed => {
                let index = now.nanos() / self.slot_ns;
                let s = &mut self.slots[(index % SLOTS as u64) as usize];
                if s.index != index {
                    *s = Slot {
                        index,
                        calls: 0,
                        errors: 0,
                    };
                }
                s.calls += 1;
                if ok {
                    return;
                }
                s.errors += 1;
                let (mut calls, mut errors) = (0, 0);
                for s in &self.slots {
                    if s.index != u64::MAX && s.index + SLOTS as u64 > index {
                        calls += s.calls;
                        errors += s.errors;
                    }
                }
                if calls >= self.min_calls && errors as f64 >= self.errors * calls as f64 {
                    self.open(now, format!("{errors} of the last {calls} calls failed"));
                }
            }
            // Calls let through before it opened, ending late: not judged.
            State::Open { .. } | State::HalfOpen { .. } => {}
        }
    }

    fn open(&mut self, now: SimTime, why: String) {
        self.state = State::Open {
            until: now + self.open_for,
        };
        self.log(
            now,
            EventKind::CircuitOpen,
            format!("{why}: calls fail at once for {}", self.open_for),
        );
    }

    fn log(&mut self, time: SimTime, kind: EventKind, detail: String) {
        self.log.push(LoggedEvent {
            time,
            kind,
            target: self.name.clone(),
            detail,
            fault: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> CircuitBreaker {
        CircuitBreaker::new(&Breaker {
            errors: 0.5,
            window: SimDuration(10_000_000_000),
            open_for: SimDuration(5_000_000_000),
            min_calls: 20,
            name: "a -> b".into(),
        })
    }

    #[test]
    fn opens_at_the_error_share_fails_fast_and_a_probe_closes_it() {
        let mut b = breaker();
        let t = |ms: u64| SimTime(ms * 1_000_000);
        // 19 failures: too few calls to judge.
        for i in 0..19 {
            assert_eq!(b.admit(t(i)), Some(false));
            b.record(t(i), false, false);
        }
        assert_eq!(b.state, State::Closed);
        b.record(t(19), false, false);
        assert_eq!(b.state, State::Open { until: t(5019) });
        assert_eq!(b.admit(t(5018)), None);
        assert_eq!(b.admit(t(5019)), Some(true));
        assert_eq!(b.admit(t(5020)), None, "one probe at a time");
        b.record(t(5100), false, true);
        assert_eq!(b.admit(t(6000)), None, "a failed probe opens it again");
        assert_eq!(b.admit(t(10_100)), Some(true));
        b.record(t(10_200), true, true);
        assert_eq!(b.state, State::Closed);
        let kinds: Vec<_> = b.log.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                EventKind::CircuitOpen,
                EventKind::CircuitOpen,
                EventKind::CircuitClosed
            ]
        );
    }

    #[test]
    fn stays_closed_below_the_error_share() {
        let mut b = breaker();
        for i in 0..1000u64 {
            b.record(SimTime(i * 1_000_000), i % 3 != 0, false);
        }
        assert_eq!(b.state, State::Closed);
    }
}
