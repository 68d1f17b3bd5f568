//! The Universal Scalability Law of an instance size, modelled as
//! load-dependent service: a request that starts service while `n` workers of
//! its instance are busy (itself included) takes `n / C(n)` times as long,
//! where `C(n) = n / (1 + s (n - 1) + k n (n - 1))`. An idle machine serves
//! one request at full speed; a saturated one of `N` workers completes `C(N)`
//! times one core's rate. The factor is fixed when service starts (a
//! request does not speed up when others leave): simple, and exact at both
//! ends, which is where capacity is decided.

use crate::engine::SimDuration;

/// `usl: { contention, coherency }` of a size, validated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Usl {
    /// Serial fraction `s`, in [0, 1).
    pub contention: f64,
    /// Crosstalk `k`, >= 0.
    pub coherency: f64,
}

impl Usl {
    /// `C(n)`: the throughput of `n` busy cores in units of one core's.
    pub fn capacity(&self, n: f64) -> f64 {
        n / self.slowdown(n)
    }

    /// `n / C(n) = 1 + s (n - 1) + k n (n - 1)`: how much longer a request
    /// takes when `n` workers are busy.
    pub fn slowdown(&self, n: f64) -> f64 {
        1.0 + self.contention * (n - 1.0) + self.coherency * n * (n - 1.0)
    }

    /// The core count of highest throughput, `sqrt((1 - s) / k)` (infinite
    /// without coherency).
    pub fn peak(&self) -> f64 {
        if self.coherency > 0.0 {
            ((1.0 - self.contention) / self.coherency).sqrt()
        } else {
            f64::INFINITY
        }
    }

    /// The slowdown for every busy count `0..=workers` (index 0 is unused
    /// but keeps the look-up a plain index).
    pub fn table(&self, workers: u32) -> Box<[f64]> {
        (0..=workers)
            .map(|n| self.slowdown(f64::from(n.max(1))))
            .collect()
    }
}

/// Stretches a service time by `factor` (>= 1), rounding to the nanosecond.
#[inline]
pub fn stretch(t: SimDuration, factor: f64) -> SimDuration {
    // `as` saturates: a huge factor cannot wrap around.
    SimDuration((t.nanos() as f64 * factor).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_peaks_at_the_closed_form() {
        let u = Usl {
            contention: 0.05,
            coherency: 0.001,
        };
        assert!((u.capacity(1.0) - 1.0).abs() < 1e-12);
        let peak = u.peak();
        assert!((peak - (0.95f64 / 0.001).sqrt()).abs() < 1e-9);
        assert!(u.capacity(peak) > u.capacity(peak - 1.0));
        assert!(u.capacity(peak) > u.capacity(peak + 1.0));
        let t = u.table(4);
        assert_eq!(t.len(), 5);
        assert!((t[4] - 4.0 / u.capacity(4.0)).abs() < 1e-12);
        assert_eq!(t[0], 1.0);
    }
}
