//! Whole-run latency distributions: HDR histograms in nanoseconds with three
//! significant figures (quantile error under 0.1%). Windows use the cheaper
//! [`super::WindowHistogram`].

use hdrhistogram::Histogram;

use crate::engine::SimDuration;

/// Longest latency recorded exactly: ten years; longer ones count as this.
const MAX_LATENCY_NS: u64 = 10 * 365 * 86_400 * 1_000_000_000;

/// Latencies of one run or one window.
#[derive(Clone, Debug)]
pub struct Latencies {
    hist: Histogram<u64>,
    sum_ns: u128,
    /// Exact, unlike the histogram's bucket edges: a latency bounded by a
    /// timeout must not print as above it.
    max_ns: u64,
}

impl Latencies {
    /// An empty distribution, three significant figures.
    pub fn precise() -> Latencies {
        let sigfig = 3;
        // 1 ns to the longest run capsim simulates (10 years), fixed: no
        // resize checks on the hot path. About 400 KB, allocated lazily by
        // the OS as buckets are touched.
        let hist =
            Histogram::new_with_bounds(1, MAX_LATENCY_NS, sigfig).expect("valid histogram bounds");
        Latencies {
            hist,
            sum_ns: 0,
            max_ns: 0,
        }
    }

    /// Records one latency.
    #[inline]
    pub fn record(&mut self, d: SimDuration) {
        // Zero latency is possible (a constant 0 service time); HDR needs >= 1.
        let v = d.nanos().max(1);
        self.hist.saturating_record(v);
        self.sum_ns += d.nanos() as u128;
        self.max_ns = self.max_ns.max(d.nanos());
    }

    /// Number of latencies recorded.
    #[inline]
    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// The mean, exact (not from the histogram).
    pub fn mean(&self) -> Option<SimDuration> {
        let n = self.count();
        (n > 0).then(|| SimDuration((self.sum_ns / n as u128) as u64))
    }

    /// The `q` quantile (0..=1), if anything was recorded.
    pub fn quantile(&self, q: f64) -> Option<SimDuration> {
        (self.count() > 0).then(|| SimDuration(self.hist.value_at_quantile(q)))
    }

    /// p50, p90, p99, p99.9 and max in one pass over the histogram.
    pub fn headline(&self) -> Option<[SimDuration; 5]> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        // The same rank rule as `value_at_quantile`: the smallest value with
        // at least ceil(q * n) (and at least 1) values at or below it.
        let qs = [0.5, 0.9, 0.99, 0.999];
        let ranks = qs.map(|q: f64| ((q * n as f64).ceil() as u64).max(1));
        let mut out = [SimDuration::ZERO; 5];
        let mut next = 0;
        let mut seen = 0u64;
        for v in self.hist.iter_recorded() {
            seen += v.count_since_last_iteration();
            while next < 4 && seen >= ranks[next] {
                out[next] = SimDuration(self.hist.highest_equivalent(v.value_iterated_to()));
                next += 1;
            }
            if next == 4 {
                break;
            }
        }
        // Quantiles are bucket edges: none may print above the exact max.
        for q in &mut out[..4] {
            *q = (*q).min(SimDuration(self.max_ns));
        }
        out[4] = SimDuration(self.max_ns);
        Some(out)
    }

    /// The largest latency recorded, exactly.
    pub fn max(&self) -> Option<SimDuration> {
        (self.count() > 0).then_some(SimDuration(self.max_ns))
    }

    /// The distribution as (latency, fraction of latencies at or below it)
    /// points, one per distinct histogram bucket that holds any, in order.
    pub fn cdf(&self) -> Vec<(SimDuration, f64)> {
        let n = self.count();
        if n == 0 {
            return Vec::new();
        }
        let mut seen = 0u64;
        self.hist
            .iter_recorded()
            .map(|v| {
                seen += v.count_since_last_iteration();
                let at = self
                    .hist
                    .highest_equivalent(v.value_iterated_to())
                    .min(self.max_ns);
                (SimDuration(at), seen as f64 / n as f64)
            })
            .collect()
    }

    /// Adds every latency of `other`.
    pub fn merge(&mut self, other: &Latencies) {
        let _ = self.hist.add(&other.hist);
        self.sum_ns += other.sum_ns;
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// Forgets everything recorded.
    pub fn clear(&mut self) {
        if self.count() > 0 {
            self.hist.reset();
        }
        self.sum_ns = 0;
        self.max_ns = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_the_stated_precision() {
        let mut l = Latencies::precise();
        for ms in 1..=1000u64 {
            l.record(SimDuration::from_millis(ms));
        }
        let p99 = l.quantile(0.99).unwrap().as_millis_f64();
        let h = l.headline().unwrap();
        for (i, q) in [0.5, 0.9, 0.99, 0.999].iter().enumerate() {
            assert_eq!(h[i], l.quantile(*q).unwrap().min(l.max().unwrap()), "q {q}");
        }
        assert_eq!(h[4], SimDuration::from_millis(1000));
        let cdf = l.cdf();
        assert_eq!(cdf.last().unwrap().1, 1.0);
        assert!(cdf.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
        let below_100ms = cdf
            .iter()
            .rev()
            .find(|(d, _)| d.as_millis_f64() <= 100.0)
            .unwrap()
            .1;
        assert!((below_100ms - 0.1).abs() < 0.002, "{below_100ms}");
        assert!((p99 - 990.0).abs() / 990.0 < 0.001, "{p99}");
        assert_eq!(l.mean().unwrap(), SimDuration(500_500_000));
        let mut c = Latencies::precise();
        c.record(SimDuration::from_secs(7200));
        assert_eq!(c.max().unwrap(), SimDuration::from_secs(7200));
        c.clear();
        assert_eq!(c.count(), 0);
        assert_eq!(c.quantile(0.5), None);
    }
}
