//! The closed forms of a call's [flow] settings: a parallel join's time
//! (the `k`-th of `n` branch response times), a hedged call's time
//! (`min(R1, h + R2)`) and the share of calls that send a second try, and
//! a priority queue's per-level waits (Cobham; M/M/c non-preemptive).
//!
//! A response time is known to the estimate by its mean and variance only:
//! where a distribution is needed it is taken as the gamma of those two
//! moments (the exponential at cv = 1, where the closed forms are used as
//! they are; a constant at variance 0), the same family the end-to-end
//! percentiles use.

use super::gamma::gamma_p;
use super::moments::Mom;
use super::order::{NodeTime, exp_order_mean, exp_order_var, order_stat};
use crate::engine::SimDuration;
use crate::model::Dist;

/// How close to 1 a squared coefficient of variation is taken as exactly
/// exponential: the moments the estimate carries for an exponential
/// response (M/M/1's) are 1 to rounding, and the closed forms are then
/// exact where the numerical integrals are within about 1e-5.
const EXP_SCV: f64 = 1e-9;

/// Whether moments `m` are those of an exponential (to rounding).
fn exponential(m: Mom) -> bool {
    m.mean > 0.0 && (m.scv() - 1.0).abs() < EXP_SCV
}

/// The survival function at `t` of the gamma with moments `m` (a constant
/// at variance 0).
pub fn gamma_survival(m: Mom, t: f64) -> f64 {
    if m.var <= 0.0 || m.mean <= 0.0 {
        return f64::from(u8::from(t < m.mean));
    }
    if t <= 0.0 {
        return 1.0;
    }
    if exponential(m) {
        return (-t / m.mean).exp();
    }
    let (shape, scale) = (m.mean * m.mean / m.var, m.var / m.mean);
    1.0 - gamma_p(shape, t / scale)
}

/// The time of a parallel call that completes at the `k`-th of its
/// branches' replies, the branches' response times `branches` independent:
/// Rényi's closed form when they are identical exponentials (`(1/mu)
/// sum_{i<k} 1/(n-i)`: `H_n / mu` for all, `1/(n mu)` for any), else the
/// numerical order statistic of [`order_stat`] over the gamma fits (within
/// about 1e-5). `k` is clamped to `1..=n`; no branches take no time.
pub fn join_time(branches: &[Mom], k: usize) -> Mom {
    let n = branches.len();
    if n == 0 {
        return Mom::ZERO;
    }
    let k = k.clamp(1, n);
    let first = branches[0];
    if branches.iter().all(|b| *b == first) && exponential(first) {
        let theta = 1.0 / first.mean;
        return Mom {
            mean: exp_order_mean(n as u32, k as u32, theta),
            var: exp_order_var(n as u32, k as u32, theta),
        };
    }
    if branches
        .iter()
        .any(|b| !b.mean.is_finite() || !b.var.is_finite())
    {
        return Mom {
            mean: f64::INFINITY,
            var: f64::INFINITY,
        };
    }
    // A branch of no variance is a delay before no time at all.
    let none = Dist::Constant(SimDuration(0));
    let dists: Vec<Option<Dist>> = branches
        .iter()
        .map(|b| {
            if b.var <= 0.0 || b.mean <= 0.0 {
                None
            } else if exponential(*b) {
                Some(Dist::Exponential { mean: b.mean })
            } else {
                Some(Dist::gamma(b.mean, b.scv().sqrt()))
            }
        })
        .collect();
    let nodes: Vec<NodeTime> = branches
        .iter()
        .zip(&dists)
        .map(|(b, d)| match d {
            Some(d) => NodeTime {
                delay: 0.0,
                wait: Mom::ZERO,
                hold: d,
            },
            None => NodeTime {
                delay: b.mean.max(0.0),
                wait: Mom::ZERO,
                hold: &none,
            },
        })
        .collect();
    order_stat(&nodes, k)
}

/// The share of hedged calls that send their second try: `P(R > h)`, `R`
/// the callee's response time (its gamma fit).
pub fn hedge_share(r: Mom, h: f64) -> f64 {
    gamma_survival(r, h)
}

/// A hedged call's time `T = min(R1, h + R2)`, `R1` and `R2` independent
/// copies of the response time `r`: `P(T > t) = S(t)` before `h`, `S(t)
/// S(t - h)` after, so `E[T] = int_0^h S + int_h^inf S(t) S(t-h) dt` and
/// `E[T^2] = 2 int t P(T > t) dt`. Exponential `r` (rate `mu`):
/// `E[T] = (1 - e^(-mu h)) / mu + e^(-mu h) / (2 mu)` and
/// `E[T^2] = 2 (1 - e^(-mu h) (1 + mu h)) / mu^2 + e^(-mu h) (1 + 2 mu h)
/// / (2 mu^2)`; otherwise the gamma fit integrated numerically (adaptive
/// Simpson, to about 1e-10 of the mean).
pub fn hedged(r: Mom, h: f64) -> Mom {
    let h = h.max(0.0);
    if !r.mean.is_finite() || !r.var.is_finite() {
        return r;
    }
    if r.var <= 0.0 || r.mean <= 0.0 {
        // A constant: the first try always answers first (or with the
        // second try at once when h = 0, at the same time).
        return Mom {
            mean: r.mean.max(0.0),
            var: 0.0,
        };
    }
    if exponential(r) {
        let mu = 1.0 / r.mean;
        let e = (-mu * h).exp();
        let mean = -(-mu * h).exp_m1() / mu + e / (2.0 * mu);
        let second = 2.0 * (1.0 - e * (1.0 + mu * h)) / (mu * mu)
            + e * (1.0 + 2.0 * mu * h) / (2.0 * mu * mu);
        return Mom {
            mean,
            var: (second - mean * mean).max(0.0),
        };
    }
    let s = |t: f64| gamma_survival(r, t);
    let tail = |t: f64| s(t) * s(t - h);
    // The gamma's survival is below 1e-16 past mean + 40 (mean + scale).
    let end = h + 40.0 * (r.mean + r.var / r.mean);
    let tol = 1e-12 * r.mean;
    let m1 = simpson(&s, 0.0, h, tol) + simpson(&tail, h, end, tol);
    let m2 = 2.0
        * (simpson(&|t: f64| t * s(t), 0.0, h, tol * r.mean)
            + simpson(&|t: f64| t * tail(t), h, end, tol * r.mean));
    Mom {
        mean: m1,
        var: (m2 - m1 * m1).max(0.0),
    }
}

/// `int_a^b f` by adaptive Simpson to about `tol`, on a first split into
/// 64 panels so that no narrow peak is missed.
fn simpson(f: &dyn Fn(f64) -> f64, a: f64, b: f64, tol: f64) -> f64 {
    if b <= a {
        return 0.0;
    }
    const PANELS: usize = 64;
    let w = (b - a) / PANELS as f64;
    (0..PANELS)
        .map(|i| {
            let (x0, x1) = (a + w * i as f64, a + w * (i + 1) as f64);
            let (f0, f1, fm) = (f(x0), f(x1), f(0.5 * (x0 + x1)));
            let whole = (x1 - x0) / 6.0 * (f0 + 4.0 * fm + f1);
            refine(f, x0, x1, f0, fm, f1, whole, tol / PANELS as f64, 40)
        })
        .sum()
}

/// One step of adaptive Simpson on `[a, b]` (`fa`, `fm`, `fb` its ends'
/// and middle's values, `whole` its estimate).
#[allow(clippy::too_many_arguments)]
fn refine(
    f: &dyn Fn(f64) -> f64,
    a: f64,
    b: f64,
    fa: f64,
    fm: f64,
    fb: f64,
    whole: f64,
    tol: f64,
    depth: u32,
) -> f64 {
    let m = 0.5 * (a + b);
    let (lm, rm) = (0.5 * (a + m), 0.5 * (m + b));
    let (flm, frm) = (f(lm), f(rm));
    let left = (m - a) / 6.0 * (fa + 4.0 * flm + fm);
    let right = (b - m) / 6.0 * (fm + 4.0 * frm + fb);
    let diff = left + right - whole;
    if depth == 0 || diff.abs() <= 15.0 * tol {
        return left + right + diff / 15.0;
    }
    refine(f, a, m, fa, flm, fm, left, tol / 2.0, depth - 1)
        + refine(f, m, b, fm, frm, fb, right, tol / 2.0, depth - 1)
}

/// A non-preemptive priority queue's wait of each class relative to the
/// FIFO wait of the same station: `(1 - rho) / ((1 - s_{k-1}) (1 - s_k))`,
/// `s_k` the utilisation of the levels up to the class's (`levels`: per
/// class, its level, lower first, and its utilisation). With the FIFO wait
/// of an M/G/1 (Pollaczek-Khinchine, `W0 / (1 - rho)`) this is Cobham's
/// `W_k = W0 / ((1 - s_{k-1}) (1 - s_k))`, exact; with M/M/c's (`C / (c mu
/// - lambda)`, equal service rates) the exact M/M/c non-preemptive result
/// `C / (c mu (1 - s_{k-1}) (1 - s_k))`; with the Allen-Cunneen M/G/c wait,
/// the usual approximation scaled by the M/M/c ratio. Infinite for a level
/// at or past saturation (`s_k >= 1`).
pub fn priority_factors(levels: &[(u32, f64)]) -> Vec<f64> {
    let rho: f64 = levels.iter().map(|l| l.1).sum();
    levels
        .iter()
        .map(|&(k, _)| {
            let above: f64 = levels.iter().filter(|l| l.0 < k).map(|l| l.1).sum();
            let upto: f64 = levels.iter().filter(|l| l.0 <= k).map(|l| l.1).sum();
            if upto >= 1.0 {
                f64::INFINITY
            } else {
                (1.0 - rho) / ((1.0 - above) * (1.0 - upto))
            }
        })
        .collect()
}

/// Cobham's M/G/1 non-preemptive priority waits, per class: `W_k = W0 /
/// ((1 - s_{k-1}) (1 - s_k))`, `W0 = sum_i lambda_i E[S_i^2] / 2` (each
/// class: its level, arrival rate and service time's moments). For checks:
/// the estimate gets the same by [`priority_factors`].
pub fn cobham(classes: &[(u32, f64, Mom)]) -> Vec<f64> {
    let w0: f64 = classes
        .iter()
        .map(|(_, l, s)| l * (s.var + s.mean * s.mean) / 2.0)
        .sum();
    let rho = |keep: &dyn Fn(u32) -> bool| -> f64 {
        classes
            .iter()
            .filter(|c| keep(c.0))
            .map(|(_, l, s)| l * s.mean)
            .sum()
    };
    classes
        .iter()
        .map(|&(k, _, _)| w0 / ((1.0 - rho(&|j| j < k)) * (1.0 - rho(&|j| j <= k))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queueing::station::erlang_c;

    fn exp(mean: f64) -> Mom {
        Mom {
            mean,
            var: mean * mean,
        }
    }

    #[test]
    fn iid_exponential_joins_are_harmonic() {
        let r = exp(0.02);
        let h3 = 1.0 + 0.5 + 1.0 / 3.0;
        assert!((join_time(&[r; 3], 3).mean - h3 * 0.02).abs() < 1e-15);
        assert!((join_time(&[r; 3], 1).mean - 0.02 / 3.0).abs() < 1e-15);
        assert!((join_time(&[r; 3], 2).mean - 0.02 * (1.0 / 3.0 + 0.5)).abs() < 1e-15);
        // Out of range joins clamp; none is no time.
        assert_eq!(join_time(&[r; 2], 9), join_time(&[r; 2], 2));
        assert_eq!(join_time(&[], 1), Mom::ZERO);
    }

    #[test]
    fn unequal_exponentials_by_inclusion_exclusion() {
        // Rates 50 and 100: min 1/150; max 1/50 + 1/100 - 1/150.
        let b = [exp(0.02), exp(0.01)];
        let min = join_time(&b, 1).mean;
        let max = join_time(&b, 2).mean;
        assert!((min / (1.0 / 150.0) - 1.0).abs() < 1e-5, "{min}");
        let want = 0.02 + 0.01 - 1.0 / 150.0;
        assert!((max / want - 1.0).abs() < 1e-5, "{max}");
        // A constant branch and an exponential: max(c, X) = c + E[(X-c)+].
        let c = Mom {
            mean: 0.01,
            var: 0.0,
        };
        let got = join_time(&[c, exp(0.01)], 2).mean;
        let want = 0.01 + 0.01 * (-1.0f64).exp();
        assert!((got / want - 1.0).abs() < 1e-5, "{got} vs {want}");
    }

    #[test]
    fn hedges_of_exponentials_by_the_closed_form_and_numerically() {
        let (mean, h) = (0.02, 0.015);
        let mu = 1.0 / mean;
        let got = hedged(exp(mean), h);
        let e = (-mu * h).exp();
        let want = (1.0 - e) / mu + e / (2.0 * mu);
        assert!((got.mean - want).abs() < 1e-15);
        // h = 0: the fastest of two; h large: the first try.
        assert!((hedged(exp(mean), 0.0).mean - mean / 2.0).abs() < 1e-15);
        assert!((hedged(exp(mean), 0.0).var - mean * mean / 4.0).abs() < 1e-15);
        assert!((hedged(exp(mean), 100.0).var - mean * mean).abs() < 1e-15);
        // The numerical path (a gamma just off cv 1) meets the closed form.
        let near = Mom {
            mean,
            var: mean * mean * (1.0 + 1e-8),
        };
        let num = hedged(near, h);
        assert!(
            (num.mean / want - 1.0).abs() < 1e-7,
            "{} vs {want}",
            num.mean
        );
        assert!(
            (num.var / got.var - 1.0).abs() < 1e-6,
            "{} vs {}",
            num.var,
            got.var
        );
        assert!((hedge_share(exp(mean), h) - e).abs() < 1e-15);
    }

    #[test]
    fn the_fastest_of_two_erlang_2_times() {
        // Erlang-2 of rate mu: S(t) = e^(-mu t)(1 + mu t); E[min] = int S^2 =
        // 5 / (4 mu).
        let mu = 100.0;
        let r = Mom {
            mean: 2.0 / mu,
            var: 2.0 / (mu * mu),
        };
        let got = hedged(r, 0.0).mean;
        assert!((got / (1.25 / mu) - 1.0).abs() < 1e-9, "{got}");
        let j = join_time(&[r, r], 1).mean;
        assert!((j / (1.25 / mu) - 1.0).abs() < 1e-5, "{j}");
    }

    #[test]
    fn cobham_and_the_mmc_priority_result() {
        // M/M/1, two classes: the factors times P-K's FIFO wait are Cobham's.
        let s = exp(0.01);
        let (l0, l1) = (15.0, 45.0);
        let rho = (l0 + l1) * 0.01;
        let fifo = (l0 + l1) * 2.0 * 0.01 * 0.01 / 2.0 / (1.0 - rho);
        let f = priority_factors(&[(0, l0 * 0.01), (1, l1 * 0.01)]);
        let c = cobham(&[(0, l0, s), (1, l1, s)]);
        for k in 0..2 {
            assert!((fifo * f[k] - c[k]).abs() < 1e-15, "{k}");
        }
        assert!((c[0] - 0.006 / 0.85).abs() < 1e-15);
        assert!((c[1] - 0.006 / (0.85 * 0.4)).abs() < 1e-15);
        // M/M/2: C / (c mu - lambda) scaled is C / (c mu (1 - s_{k-1})(1 - s_k)).
        let (mu, l) = (100.0, [60.0, 90.0]);
        let lam: f64 = l.iter().sum();
        let pc = erlang_c(2, lam / mu);
        let f = priority_factors(&[(0, l[0] / 200.0), (1, l[1] / 200.0)]);
        let want = [
            pc / (200.0 * (1.0 - l[0] / 200.0)),
            pc / (200.0 * (1.0 - l[0] / 200.0) * (1.0 - lam / 200.0)),
        ];
        for k in 0..2 {
            let got = pc / (200.0 - lam) * f[k];
            assert!((got / want[k] - 1.0).abs() < 1e-12, "{k}");
        }
        // A level at saturation waits without bound.
        assert!(priority_factors(&[(0, 0.5), (1, 0.6)])[1].is_infinite());
    }
}
