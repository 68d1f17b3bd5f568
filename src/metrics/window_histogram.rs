//! Latencies of one time-series window. A log-linear histogram (128 linear
//! sub-buckets per power of two: under 0.8% relative error, like HDR at two
//! significant figures) that remembers the range of buckets it touched, so a
//! window's quantiles and its reset cost what the window used, not the whole
//! 1 ns..584 years range. A 1-minute window of a slow queue would otherwise
//! scan and clear some 30 KB each time.

use crate::engine::SimDuration;

const SUB_BITS: u32 = 7;
const SUB: u64 = 1 << SUB_BITS; // 128
const BUCKETS: usize = ((64 - SUB_BITS as usize) * SUB as usize) + SUB as usize;

/// A window's latency histogram.
#[derive(Clone, Debug)]
pub struct WindowHistogram {
    counts: Box<[u32]>,
    lo: usize,
    hi: usize,
    count: u64,
    max: u64,
    /// Sum of the latencies in nanoseconds (a u128: no window overflows it).
    sum: u128,
}

impl Default for WindowHistogram {
    fn default() -> Self {
        Self::new()
    }
}

#[inline]
fn index(v: u64) -> usize {
    if v < 2 * SUB {
        v as usize
    } else {
        let shift = 63 - v.leading_zeros() - SUB_BITS;
        (shift as usize) * SUB as usize + (v >> shift) as usize
    }
}

/// The highest value that falls in bucket `i`.
#[inline]
fn highest(i: usize) -> u64 {
    if i < 2 * SUB as usize {
        i as u64
    } else {
        let shift = (i / SUB as usize - 1) as u32;
        let sub = (i % SUB as usize) as u64 + SUB;
        (sub << shift) + ((1u64 << shift) - 1)
    }
}

impl WindowHistogram {
    /// An empty histogram.
    pub fn new() -> WindowHistogram {
        WindowHistogram {
            counts: vec![0u32; BUCKETS].into_boxed_slice(),
            lo: usize::MAX,
            hi: 0,
            count: 0,
            max: 0,
            sum: 0,
        }
    }

    /// Records one latency.
    #[inline]
    pub fn record(&mut self, d: SimDuration) {
        let v = d.nanos();
        let i = index(v);
        self.counts[i] = self.counts[i].saturating_add(1);
        self.lo = self.lo.min(i);
        self.hi = self.hi.max(i);
        self.count += 1;
        self.max = self.max.max(v);
        self.sum += v as u128;
    }

    /// The exact mean latency, if anything was recorded.
    pub fn mean(&self) -> Option<SimDuration> {
        (self.count > 0).then(|| SimDuration((self.sum / self.count as u128) as u64))
    }

    /// Latencies recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// p50, p90, p99, p99.9 and the exact max, if anything was recorded. A
    /// quantile is the upper edge of the bucket holding the ceil(q * n)-th
    /// latency, capped at the max.
    pub fn headline(&self) -> Option<[SimDuration; 5]> {
        if self.count == 0 {
            return None;
        }
        let ranks =
            [0.5, 0.9, 0.99, 0.999].map(|q: f64| ((q * self.count as f64).ceil() as u64).max(1));
        let mut out = [SimDuration(self.max); 5];
        let mut next = 0;
        let mut seen = 0u64;
        for (offset, &c) in self.counts[self.lo..=self.hi].iter().enumerate() {
            if c == 0 {
                continue;
            }
            seen += c as u64;
            while seen >= ranks[next] {
                out[next] = SimDuration(highest(self.lo + offset).min(self.max));
                next += 1;
                if next == 4 {
                    return Some(out);
                }
            }
        }
        Some(out)
    }

    /// Adds every latency of `other`.
    pub fn merge(&mut self, other: &WindowHistogram) {
        if other.count == 0 {
            return;
        }
        for i in other.lo..=other.hi {
            self.counts[i] = self.counts[i].saturating_add(other.counts[i]);
        }
        self.lo = self.lo.min(other.lo);
        self.hi = self.hi.max(other.hi);
        self.count += other.count;
        self.max = self.max.max(other.max);
        self.sum += other.sum;
    }

    /// Forgets everything, clearing only the buckets that were used.
    pub fn clear(&mut self) {
        if self.count > 0 {
            self.counts[self.lo..=self.hi].fill(0);
        }
        self.lo = usize::MAX;
        self.hi = 0;
        self.count = 0;
        self.max = 0;
        self.sum = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_tight() {
        let mut prev = 0;
        for v in (0..4096u64).chain([1 << 20, (1 << 40) + 12345, u64::MAX / 3, u64::MAX]) {
            let i = index(v);
            assert!(i < BUCKETS);
            assert!(highest(i) >= v, "{v}");
            assert!(i == 0 || highest(i - 1) < v, "{v}");
            // Relative width of a bucket is under 1/128.
            assert!((highest(i) - v) as f64 <= v as f64 / 128.0 + 1.0, "{v}");
            if v < 4096 {
                assert!(i >= prev);
                prev = i;
            }
        }
    }

    #[test]
    fn quantiles_match_exact_ones_within_a_bucket() {
        let mut h = WindowHistogram::new();
        let mut xs: Vec<u64> = (1..=10_000u64).map(|i| i * i * 37 + 1000).collect();
        for &x in &xs {
            h.record(SimDuration(x));
        }
        xs.sort_unstable();
        let q = h.headline().unwrap();
        for (k, p) in [0.5, 0.9, 0.99, 0.999].iter().enumerate() {
            let exact = xs[((p * xs.len() as f64).ceil() as usize) - 1] as f64;
            let got = q[k].nanos() as f64;
            assert!(
                got >= exact && got <= exact * (1.0 + 1.0 / 128.0),
                "q{p}: {got} vs {exact}"
            );
        }
        assert_eq!(q[4].nanos(), *xs.last().unwrap());
        h.clear();
        assert_eq!(h.headline(), None);
        assert!(h.counts.iter().all(|&c| c == 0));
        h.record(SimDuration(5));
        assert_eq!(h.headline().unwrap()[0], SimDuration(5));
    }
}
