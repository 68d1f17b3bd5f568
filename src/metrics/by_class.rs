//! Per-class counts and latency buckets of one time-series window, recorded
//! only when a run exports its series for other tools (`--export`): the
//! time series proper (`timeseries.csv`) counts all classes together and
//! keeps latencies in a log-linear histogram whose bucket edges fall between
//! round numbers, so neither gives a class's outcomes or the exact count of
//! replies at or under 1 ms. Runs that do not export record none of this
//! (one untaken branch per request).

use super::requests::Outcome;
use crate::engine::SimDuration;

/// Upper bounds of the exported latency histogram's buckets, in
/// nanoseconds: 0.5 ms to 60 s in 1-2.5-5 steps, so that a cache hit, a web
/// request and a slow batch call each fall in buckets of their own; the
/// `+Inf` bucket (every `ok` reply) is implicit.
pub const LATENCY_BOUNDS_NS: [u64; 16] = [
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000,
    5_000_000_000,
    10_000_000_000,
    30_000_000_000,
    60_000_000_000,
];

/// What happened to one request class in one window, counted as
/// [`super::WindowCounts`] counts all classes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClassWindow {
    /// Requests sent (first tries).
    pub sent: u64,
    /// Requests that ended, by [`Outcome`] (`ok`, rejected, timed out,
    /// failed).
    pub ended: [u64; 4],
    /// Successful replies that came after the client had given up.
    pub late_ok: u64,
    /// `ok` latencies per bucket of [`LATENCY_BOUNDS_NS`], not cumulative:
    /// bucket `i` holds those above bound `i - 1` and at most bound `i`;
    /// those above the last bound are `ended[0]` less their sum.
    pub buckets: [u64; LATENCY_BOUNDS_NS.len()],
    /// Sum of the `ok` latencies, in nanoseconds (exact).
    pub latency_sum_ns: u128,
}

/// Every class's [`ClassWindow`] of the window in progress.
#[derive(Clone, Debug)]
pub struct ByClass {
    classes: Box<[ClassWindow]>,
}

impl ByClass {
    /// Empty counts for `classes` classes.
    pub fn new(classes: usize) -> ByClass {
        ByClass {
            classes: vec![ClassWindow::default(); classes].into_boxed_slice(),
        }
    }

    /// A request of `class` was sent.
    #[inline]
    pub fn sent(&mut self, class: usize) {
        self.classes[class].sent += 1;
    }

    /// A request of `class` ended with `outcome` after `latency`.
    #[inline]
    pub fn ended(&mut self, class: usize, outcome: Outcome, latency: SimDuration) {
        let c = &mut self.classes[class];
        c.ended[outcome as usize] += 1;
        if outcome == Outcome::Ok {
            let v = latency.nanos();
            // The first bound at or above the latency: `le` is inclusive.
            let i = LATENCY_BOUNDS_NS.partition_point(|&b| b < v);
            if let Some(b) = c.buckets.get_mut(i) {
                *b += 1;
            }
            c.latency_sum_ns += v as u128;
        }
    }

    /// A successful reply of `class` came after its client had given up.
    #[inline]
    pub fn late_ok(&mut self, class: usize) {
        self.classes[class].late_ok += 1;
    }

    /// The window's counts, in class order, reset for the next window.
    pub fn take(&mut self) -> Box<[ClassWindow]> {
        let fresh = vec![ClassWindow::default(); self.classes.len()].into_boxed_slice();
        std::mem::replace(&mut self.classes, fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_inclusive_and_overflow_counts_only_in_ended() {
        let mut b = ByClass::new(2);
        for ns in [0, 500_000, 500_001, 60_000_000_000, 60_000_000_001] {
            b.ended(1, Outcome::Ok, SimDuration(ns));
        }
        b.ended(1, Outcome::Rejected, SimDuration(7));
        b.sent(0);
        b.late_ok(0);
        let w = b.take();
        assert_eq!(w[0].sent, 1);
        assert_eq!(w[0].late_ok, 1);
        assert_eq!(w[1].ended, [5, 1, 0, 0]);
        assert_eq!(
            w[1].buckets[0], 2,
            "0 and exactly 0.5 ms are at most 0.5 ms"
        );
        assert_eq!(w[1].buckets[1], 1);
        assert_eq!(w[1].buckets[15], 1, "exactly 60 s is in the last bucket");
        assert_eq!(w[1].buckets.iter().sum::<u64>(), 4, "one above 60 s");
        assert_eq!(
            w[1].latency_sum_ns,
            500_000 + 500_001 + 60_000_000_000 + 60_000_000_001
        );
        assert_eq!(b.take()[1], ClassWindow::default(), "reset after take");
    }
}
