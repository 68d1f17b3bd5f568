//! Retries: when a failed attempt is tried again, and after how long.
//! Shared by the client and by services' downstream calls.
//!
//! *Decided:* the budget is a sliding window of [`BUDGET_WINDOW`] (10 s, as
//! Finagle's `RetryBudget`), kept as ten one-second slots: a retry goes only
//! if, counting it, the retries of the last ten slots stay within the budget's
//! share of the first tries of the same slots. A running count since the start
//! would let a long calm bank credit that a storm then spends; there is no
//! minimum allowance (Finagle's 10 per second), so the cap is exactly the
//! share written.

use crate::engine::{SimDuration, SimTime, Stream};
use crate::model::resilience::BUDGET_WINDOW;
use crate::model::{Backoff, Jitter, RetryPolicy};

/// Slots of a retry budget's window.
const SLOTS: usize = 10;

/// Counts of one slot of a budget's window.
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    /// Which slot of time (its start over the slot length); `u64::MAX` unused.
    index: u64,
    firsts: u64,
    retries: u64,
}

/// Retries at most a share of first tries over a sliding window.
#[derive(Debug)]
struct Budget {
    share: f64,
    slot_ns: u64,
    slots: [Slot; SLOTS],
}

impl Budget {
    fn new(share: f64) -> Budget {
        Budget {
            share,
            slot_ns: BUDGET_WINDOW.nanos() / SLOTS as u64,
            slots: [Slot {
                index: u64::MAX,
                ..Slot::default()
            }; SLOTS],
        }
    }

    /// The slot for `now`, cleared if it last held an older slot of time.
    fn slot(&mut self, now: SimTime) -> &mut Slot {
        let index = now.nanos() / self.slot_ns;
        let s = &mut self.slots[(index % SLOTS as u64) as usize];
        if s.index != index {
            *s = Slot {
                index,
                firsts: 0,
                retries: 0,
            };
        }
        s
    }

    fn first(&mut self, now: SimTime) {
        self.slot(now).firsts += 1;
    }

    /// Spends one retry if the budget allows it now.
    fn spend(&mut self, now: SimTime) -> bool {
        let index = now.nanos() / self.slot_ns;
        let (mut firsts, mut retries) = (0u64, 0u64);
        for s in &self.slots {
            if s.index != u64::MAX && s.index + SLOTS as u64 > index {
                firsts += s.firsts;
                retries += s.retries;
            }
        }
        if (retries + 1) as f64 > self.share * firsts as f64 {
            return false;
        }
        self.slot(now).retries += 1;
        true
    }
}

/// Decides a failed attempt's retry.
pub struct Retrier {
    retries: u32,
    backoff: Option<Backoff>,
    budget: Option<Budget>,
    stream: Stream,
}

impl Retrier {
    /// Retries by `policy`, jitter drawn from `stream`.
    pub fn new(policy: &RetryPolicy, stream: Stream) -> Retrier {
        Retrier {
            retries: policy.retries,
            backoff: policy.backoff,
            budget: policy.budget.map(Budget::new),
            stream,
        }
    }

    /// A first try was sent (the budget counts them).
    #[inline]
    pub fn first_try(&mut self, now: SimTime) {
        if let Some(b) = &mut self.budget {
            b.first(now);
        }
    }

    /// Attempt number `made` (1 for the first try) failed at `now`: the wait
    /// before the next attempt, or `None` to give up (no retries left, or
    /// the budget spent).
    pub fn retry(&mut self, now: SimTime, made: u32) -> Option<SimDuration> {
        if made > self.retries {
            return None;
        }
        if let Some(b) = &mut self.budget
            && !b.spend(now)
        {
            return None;
        }
        Some(self.wait(made))
    }

    /// The wait before retry `k` (1-based): `base x 2^(k-1)` capped at `max`,
    /// then jittered.
    fn wait(&mut self, k: u32) -> SimDuration {
        let Some(b) = self.backoff else {
            return SimDuration::ZERO;
        };
        let d = b
            .base
            .nanos()
            .saturating_mul(1u64 << (k - 1).min(62))
            .min(b.max.nanos());
        SimDuration(match b.jitter {
            Jitter::None => d,
            Jitter::Full => (self.stream.uniform() * d as f64) as u64,
            Jitter::Equal => d / 2 + (self.stream.uniform() * (d - d / 2) as f64) as u64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retrier(retries: u32, backoff: Option<Backoff>, budget: Option<f64>) -> Retrier {
        Retrier::new(
            &RetryPolicy {
                retries,
                backoff,
                budget,
            },
            Stream::new(1, "t", "backoff"),
        )
    }

    #[test]
    fn exponential_backoff_doubles_to_its_cap() {
        let b = Backoff {
            base: SimDuration(100_000_000),
            max: SimDuration(500_000_000),
            jitter: Jitter::None,
        };
        let mut r = retrier(10, Some(b), None);
        let waits: Vec<u64> = (1..=5)
            .map(|k| r.retry(SimTime::ZERO, k).unwrap().nanos() / 1_000_000)
            .collect();
        assert_eq!(waits, [100, 200, 400, 500, 500]);
        assert_eq!(r.retry(SimTime::ZERO, 11), None);
    }

    #[test]
    fn jitter_stays_in_its_range() {
        for (jitter, lo) in [(Jitter::Full, 0.0), (Jitter::Equal, 0.5)] {
            let b = Backoff {
                base: SimDuration(1_000_000_000),
                max: SimDuration(1_000_000_000),
                jitter,
            };
            let mut r = retrier(1, Some(b), None);
            let mut sum = 0.0;
            for _ in 0..10_000 {
                let w = r.wait(1).as_secs_f64();
                assert!((lo..=1.0).contains(&w), "{w}");
                sum += w;
            }
            let mean = sum / 10_000.0;
            assert!((mean - (1.0 + lo) / 2.0).abs() < 0.01, "{mean}");
        }
    }

    #[test]
    fn budget_caps_retries_at_its_share_of_first_tries() {
        let mut r = retrier(3, None, Some(0.1));
        let mut retries = 0;
        for i in 0..100_000u64 {
            let now = SimTime(i * 1_000_000);
            r.first_try(now);
            if r.retry(now, 1).is_some() {
                retries += 1;
            }
        }
        assert!((9_900..=10_000).contains(&retries), "{retries}");
    }
}
