//! Compiled duration distributions and their sampling.
//!
//! Every transcendental function here, in compiling a distribution as in
//! drawing from it, is the pure-Rust `libm`'s, never the platform's, so a
//! seed gives the same durations on every machine (issue 19).

use crate::engine::sampling::Gamma;
use crate::engine::{SimDuration, Stream};
use crate::model::empirical::Empirical;

/// The 99th percentile of the standard normal distribution.
pub const Z99: f64 = 2.326_347_874_040_840_8;

/// Longest duration a draw may give (about 3 years): heavy tails cannot push an
/// event past the end of time.
pub const MAX_SAMPLE_NS: u64 = 100_000_000_000_000_000;

/// A distribution of durations, parameters in seconds.
#[derive(Clone, Debug)]
pub enum Dist {
    /// Always the same.
    Constant(SimDuration),
    /// Exponential with this mean.
    Exponential {
        /// Mean in seconds.
        mean: f64,
    },
    /// Lognormal: `exp(mu + sigma * Z)`.
    LogNormal {
        /// Log of the median.
        mu: f64,
        /// Spread of the log.
        sigma: f64,
    },
    /// Gamma with shape and scale.
    Gamma {
        /// Shape `k`.
        shape: f64,
        /// Scale `theta`.
        scale: f64,
        /// The sampler.
        sampler: Gamma,
    },
    /// Uniform between two bounds.
    Uniform {
        /// Lower bound, seconds.
        min: f64,
        /// Upper bound, seconds.
        max: f64,
    },
    /// Pareto (type I): `min / U^(1/alpha)`.
    Pareto {
        /// Scale (the smallest value), seconds.
        min: f64,
        /// Tail index.
        alpha: f64,
    },
    /// Recorded values, drawn uniformly at random.
    Empirical(Empirical),
}

impl Dist {
    /// A lognormal from its median and 99th percentile (p99 > median > 0).
    pub fn lognormal(median: f64, p99: f64) -> Dist {
        let mu = libm::log(median);
        Dist::LogNormal {
            mu,
            sigma: (libm::log(p99) - mu) / Z99,
        }
    }

    /// A gamma from its mean and coefficient of variation (both > 0).
    pub fn gamma(mean: f64, cv: f64) -> Dist {
        let shape = 1.0 / (cv * cv);
        let scale = mean / shape;
        Dist::Gamma {
            shape,
            scale,
            sampler: Gamma::new(shape, scale),
        }
    }

    /// The same distribution with every draw divided by `speed` (> 0): a
    /// faster machine.
    pub fn scaled_by_speed(&self, speed: f64) -> Dist {
        match self {
            Dist::Constant(d) => {
                Dist::Constant(SimDuration((d.nanos() as f64 / speed).round() as u64))
            }
            Dist::Exponential { mean } => Dist::Exponential { mean: mean / speed },
            Dist::LogNormal { mu, sigma } => Dist::LogNormal {
                mu: mu - libm::log(speed),
                sigma: *sigma,
            },
            Dist::Gamma { shape, scale, .. } => {
                let scale = scale / speed;
                Dist::Gamma {
                    shape: *shape,
                    scale,
                    sampler: Gamma::new(*shape, scale),
                }
            }
            Dist::Uniform { min, max } => Dist::Uniform {
                min: min / speed,
                max: max / speed,
            },
            Dist::Pareto { min, alpha } => Dist::Pareto {
                min: min / speed,
                alpha: *alpha,
            },
            Dist::Empirical(e) => Dist::Empirical(e.scaled_by_speed(speed)),
        }
    }

    /// The mean, in seconds.
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Constant(d) => d.as_secs_f64(),
            Dist::Exponential { mean } => *mean,
            Dist::LogNormal { mu, sigma } => libm::exp(mu + sigma * sigma / 2.0),
            Dist::Gamma { shape, scale, .. } => shape * scale,
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::Pareto { min, alpha } => {
                if *alpha > 1.0 {
                    alpha * min / (alpha - 1.0)
                } else {
                    f64::INFINITY
                }
            }
            Dist::Empirical(e) => e.mean(),
        }
    }

    /// The second moment `E[X^2]`, in seconds squared.
    pub fn second_moment(&self) -> f64 {
        match self {
            Dist::Constant(d) => d.as_secs_f64().powi(2),
            Dist::Exponential { mean } => 2.0 * mean * mean,
            Dist::LogNormal { mu, sigma } => libm::exp(2.0 * mu + 2.0 * sigma * sigma),
            Dist::Gamma { shape, scale, .. } => shape * (shape + 1.0) * scale * scale,
            Dist::Uniform { min, max } => (min * min + min * max + max * max) / 3.0,
            Dist::Pareto { min, alpha } => {
                if *alpha > 2.0 {
                    alpha * min * min / (alpha - 2.0)
                } else {
                    f64::INFINITY
                }
            }
            Dist::Empirical(e) => e.second_moment(),
        }
    }

    /// The squared coefficient of variation `Var[X] / E[X]^2` (0 for a
    /// constant, 1 for an exponential); infinite for a pareto with
    /// `alpha <= 2` (infinite variance), 0 for a distribution of mean 0.
    pub fn scv(&self) -> f64 {
        let m = self.mean();
        if m == 0.0 {
            return 0.0;
        }
        (self.second_moment() / (m * m) - 1.0).max(0.0)
    }

    /// One draw.
    #[inline]
    pub fn sample(&self, s: &mut Stream) -> SimDuration {
        let secs = match self {
            Dist::Constant(d) => return *d,
            Dist::Exponential { mean } => s.exp1() * mean,
            Dist::LogNormal { mu, sigma } => libm::exp(mu + sigma * s.normal()),
            Dist::Gamma { sampler, .. } => sampler.sample(s),
            Dist::Uniform { min, max } => min + (max - min) * s.uniform(),
            // Inversion, U^(-1/alpha) = exp(E / alpha) with E = -ln U a
            // standard exponential: a ziggurat draw and one `libm::exp`
            // rather than `pow`'s logarithm and exponential.
            Dist::Pareto { min, alpha } => min * libm::exp(s.exp1() / alpha),
            Dist::Empirical(e) => return e.sample(s),
        };
        // Float-to-integer `as` saturates (and maps NaN to 0): no branches.
        let ns = (secs * 1e9 + 0.5) as u64;
        SimDuration(ns.min(MAX_SAMPLE_NS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_mean_and_p99(d: &Dist, n: usize) -> (f64, f64) {
        let mut s = Stream::new(3, "test", "dist");
        let mut xs: Vec<f64> = (0..n).map(|_| d.sample(&mut s).as_secs_f64()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        xs.sort_by(f64::total_cmp);
        (mean, xs[(n as f64 * 0.99) as usize])
    }

    #[test]
    fn lognormal_hits_its_median_and_p99() {
        let d = Dist::lognormal(0.012, 0.060);
        let mut s = Stream::new(1, "t", "d");
        let mut xs: Vec<f64> = (0..200_000)
            .map(|_| d.sample(&mut s).as_secs_f64())
            .collect();
        xs.sort_by(f64::total_cmp);
        // Order statistics of 200k draws: the median is within 0.5% and the
        // p99 within 2% with overwhelming probability.
        assert!((xs[100_000] / 0.012 - 1.0).abs() < 0.005, "{}", xs[100_000]);
        assert!((xs[198_000] / 0.060 - 1.0).abs() < 0.02, "{}", xs[198_000]);
    }

    #[test]
    fn sample_means_match_the_stated_means() {
        // 400k draws: relative standard error of the mean is cv/632; cv <= 2
        // here, so 1.5% is more than 4.5 standard errors.
        for d in [
            Dist::Exponential { mean: 0.01 },
            Dist::gamma(0.02, 0.5),
            Dist::gamma(0.02, 2.0),
            Dist::Uniform {
                min: 0.001,
                max: 0.003,
            },
            Dist::Pareto {
                min: 0.001,
                alpha: 3.0,
            },
            Dist::lognormal(0.01, 0.05),
        ] {
            let (mean, _) = sample_mean_and_p99(&d, 400_000);
            assert!(
                (mean / d.mean() - 1.0).abs() < 0.015,
                "{d:?}: {mean} vs {}",
                d.mean()
            );
        }
    }

    #[test]
    fn speed_divides_every_draw() {
        for d in [
            Dist::Constant(SimDuration::from_millis(10)),
            Dist::Exponential { mean: 0.01 },
            Dist::lognormal(0.01, 0.05),
            Dist::gamma(0.01, 0.5),
            Dist::Uniform {
                min: 0.001,
                max: 0.003,
            },
            Dist::Pareto {
                min: 0.001,
                alpha: 3.0,
            },
        ] {
            let fast = d.scaled_by_speed(2.0);
            assert!((fast.mean() * 2.0 / d.mean() - 1.0).abs() < 1e-9, "{d:?}");
            assert!(
                (fast.second_moment() * 4.0 / d.second_moment() - 1.0).abs() < 1e-9,
                "{d:?}"
            );
        }
    }

    #[test]
    fn second_moments_are_consistent() {
        let d = Dist::Exponential { mean: 2.0 };
        assert!((d.second_moment() - 8.0).abs() < 1e-12);
        let c = Dist::Constant(SimDuration::from_secs(3));
        assert!((c.second_moment() - 9.0).abs() < 1e-12);
        let g = Dist::gamma(2.0, 0.5);
        // Var = (cv * mean)^2 = 1, so E[X^2] = 1 + 4.
        assert!((g.second_moment() - 5.0).abs() < 1e-9);
    }
}
