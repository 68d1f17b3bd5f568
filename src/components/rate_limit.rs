//! `rate_limit: { rps, burst }`: a token bucket. It holds at most `burst`
//! tokens and starts full; it gains `rps` tokens per second; a request that
//! finds a whole token takes it, one that does not is rejected at once.
//!
//! The content is kept in integers, in units of a thousandth of a token
//! times a nanosecond, so a refill of `rps` x 1000 units per nanosecond is
//! exact: no rounding accumulates however long the run or however the
//! arrivals fall.

use crate::engine::SimTime;
use crate::model::RateLimit;

/// Units of one token: a thousandth of a token-per-second, for a second.
const TOKEN: u128 = 1000 * 1_000_000_000;

/// One token bucket.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    /// Units gained per nanosecond (`rps` x 1000).
    per_ns: u128,
    /// Most units it holds (`burst` tokens).
    capacity: u128,
    /// Units held at `since`.
    level: u128,
    since: SimTime,
    /// Requests rejected for want of a token, since the last [`TokenBucket::take_rejected`].
    rejected: u64,
}

impl TokenBucket {
    /// A full bucket of `limit`.
    pub fn new(limit: RateLimit) -> TokenBucket {
        let capacity = limit.burst as u128 * TOKEN;
        TokenBucket {
            per_ns: limit.milli_rps as u128,
            capacity,
            level: capacity,
            since: SimTime::ZERO,
            rejected: 0,
        }
    }

    /// Takes a token at `now` if there is one; false means reject.
    pub fn admit(&mut self, now: SimTime) -> bool {
        let elapsed = (now.0 - self.since.0) as u128;
        self.since = now;
        self.level = (self.level + elapsed * self.per_ns).min(self.capacity);
        if self.level >= TOKEN {
            self.level -= TOKEN;
            true
        } else {
            self.rejected += 1;
            false
        }
    }

    /// Requests it has rejected since the last call.
    pub fn take_rejected(&mut self) -> u64 {
        std::mem::take(&mut self.rejected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(milli_rps: u64, burst: u64) -> TokenBucket {
        TokenBucket::new(RateLimit { milli_rps, burst })
    }

    #[test]
    fn starts_full_then_admits_the_rate() {
        let mut b = bucket(10_000, 5); // 10 per second, burst 5
        let t = SimTime(0);
        assert_eq!((0..8).filter(|_| b.admit(t)).count(), 5);
        // 100 ms later exactly one token has come back.
        assert!(b.admit(SimTime(100_000_000)));
        assert!(!b.admit(SimTime(100_000_000)));
        assert!(!b.admit(SimTime(199_999_999)));
        assert!(b.admit(SimTime(200_000_000)));
        assert_eq!(b.take_rejected(), 5);
    }

    #[test]
    fn fractional_rates_do_not_drift() {
        // 0.3 tokens per second: over 1000 s, 300 tokens, to the token.
        // A burst of 2, emptied at the start and drained every millisecond,
        // never fills, so no refill is lost to the cap.
        let mut b = bucket(300, 2);
        assert!(b.admit(SimTime(0)) && b.admit(SimTime(0)));
        let mut admitted = 0;
        for ms in 1..=1_000_000u64 {
            if b.admit(SimTime(ms * 1_000_000)) {
                admitted += 1;
            }
        }
        assert_eq!(admitted, 300);
    }
}
