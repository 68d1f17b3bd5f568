//! Means and variances of times, and their mixtures: what the estimate
//! carries along a request's path (independent tiers add; a choice between
//! paths mixes).

use crate::model::Dist;

/// Mean and variance of a time, seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mom {
    /// Mean, seconds.
    pub mean: f64,
    /// Variance, seconds squared.
    pub var: f64,
}

impl Mom {
    /// No time at all.
    pub const ZERO: Mom = Mom {
        mean: 0.0,
        var: 0.0,
    };

    /// The moments of a distribution (a negative variance from rounding is 0).
    pub fn of(d: &Dist) -> Mom {
        let mean = d.mean();
        Mom {
            mean,
            var: (d.second_moment() - mean * mean).max(0.0),
        }
    }

    /// The squared coefficient of variation (0 for no time).
    pub fn scv(self) -> f64 {
        if self.mean > 0.0 {
            self.var / (self.mean * self.mean)
        } else {
            0.0
        }
    }
}

/// The sum of two independent times: means and variances add.
impl std::ops::Add for Mom {
    type Output = Mom;

    fn add(self, o: Mom) -> Mom {
        Mom {
            mean: self.mean + o.mean,
            var: self.var + o.var,
        }
    }
}

/// The mixture of times chosen with weights `w` (not normalised).
pub fn mix(parts: &[(f64, Mom)]) -> Mom {
    let total: f64 = parts.iter().map(|p| p.0).sum();
    if total <= 0.0 {
        return Mom::ZERO;
    }
    let mean = parts.iter().map(|(w, m)| w * m.mean).sum::<f64>() / total;
    let second = parts
        .iter()
        .map(|(w, m)| w * (m.var + m.mean * m.mean))
        .sum::<f64>()
        / total;
    Mom {
        mean,
        var: (second - mean * mean).max(0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixtures_keep_their_moments() {
        let m = mix(&[
            (
                1.0,
                Mom {
                    mean: 1.0,
                    var: 0.0,
                },
            ),
            (
                1.0,
                Mom {
                    mean: 3.0,
                    var: 0.0,
                },
            ),
        ]);
        assert!((m.mean - 2.0).abs() < 1e-12 && (m.var - 1.0).abs() < 1e-12);
    }
}
