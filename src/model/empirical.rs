//! `{ empirical: { file } }`: recorded durations, drawn uniformly at random
//! (a bootstrap of the sample). Its mean and second moment are the sample's.

use std::fmt;
use std::sync::Arc;

use crate::engine::{SimDuration, Stream};

/// A recorded sample of durations (at least one), shared between the
/// variants and components that draw from it.
#[derive(Clone, PartialEq)]
pub struct Empirical {
    values: Arc<[u64]>,
    mean: f64,
    second_moment: f64,
}

impl Empirical {
    /// The sample `values`, in nanoseconds (not empty).
    pub fn new(values: Arc<[u64]>) -> Empirical {
        assert!(!values.is_empty(), "an empirical sample needs a value");
        let n = values.len() as f64;
        let secs = || values.iter().map(|&v| v as f64 / 1e9);
        let mean = secs().sum::<f64>() / n;
        let second_moment = secs().map(|x| x * x).sum::<f64>() / n;
        Empirical {
            values,
            mean,
            second_moment,
        }
    }

    /// How many values were recorded.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Never true: a sample has at least one value.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The sample mean, seconds.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The sample's mean square, seconds squared.
    pub fn second_moment(&self) -> f64 {
        self.second_moment
    }

    /// One recorded value, chosen uniformly (one index draw).
    // Out of line: keeps `Dist::sample` small enough to inline for the
    // parametric distributions of the hot path.
    #[inline(never)]
    pub fn sample(&self, s: &mut Stream) -> SimDuration {
        SimDuration(self.values[s.index(self.values.len())])
    }

    /// Every value divided by `speed` (> 0).
    pub fn scaled_by_speed(&self, speed: f64) -> Empirical {
        Empirical::new(
            self.values
                .iter()
                .map(|&v| (v as f64 / speed).round() as u64)
                .collect(),
        )
    }
}

impl fmt::Debug for Empirical {
    // The values can number millions: show their summary.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Empirical {{ n: {}, mean: {}s }}",
            self.values.len(),
            self.mean
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_are_the_sample_s_and_draws_cover_it() {
        let e = Empirical::new(vec![1_000_000, 3_000_000].into());
        assert!((e.mean() - 0.002).abs() < 1e-15);
        assert!((e.second_moment() - 5e-6).abs() < 1e-15);
        let mut s = Stream::new(1, "t", "e");
        let ones = (0..10_000)
            .filter(|_| e.sample(&mut s) == SimDuration(1_000_000))
            .count();
        // Binomial(10000, 1/2): sd 50, so 4000..6000 is 20 sd wide.
        assert!((4_000..6_000).contains(&ones), "{ones}");
        let fast = e.scaled_by_speed(2.0);
        assert!((fast.mean() - 0.001).abs() < 1e-15);
    }
}
