//! Order statistics of node response times: a quorum's write is
//! acknowledged by the `w`-th of its `n` nodes to apply it, a read answered
//! by the `r`-th to reply. Closed forms for exponential times; for a node
//! time made of a delay, the estimate's M/G/c wait and a holding time of
//! any distribution, the `k`-th order statistic's moments by integrating
//! its survival function, `P(X_(k) > t) = P(fewer than k nodes done by t)`.

use super::gamma::gamma_p;
use super::moments::Mom;
use crate::model::Dist;

/// The mean of the `k`-th smallest of `n` independent exponential times
/// of rate `theta`: `(1/theta) sum_{i=0}^{k-1} 1/(n-i)` (Rényi: the
/// spacings are independent exponentials of rates `n theta`, `(n-1) theta`,
/// ...).
pub fn exp_order_mean(n: u32, k: u32, theta: f64) -> f64 {
    (0..k.min(n)).map(|i| 1.0 / f64::from(n - i)).sum::<f64>() / theta
}

/// The variance of the `k`-th smallest of `n` independent exponential
/// times of rate `theta`: `(1/theta^2) sum_{i=0}^{k-1} 1/(n-i)^2`.
pub fn exp_order_var(n: u32, k: u32, theta: f64) -> f64 {
    (0..k.min(n))
        .map(|i| 1.0 / f64::from(n - i).powi(2))
        .sum::<f64>()
        / (theta * theta)
}

/// A recorded sample as the estimate sees it (it does not keep the
/// values): the gamma of the sample's mean and squared coefficient of
/// variation, `None` when it has no variance (a constant at its mean).
pub(crate) fn empirical_gamma(d: &Dist) -> Option<(f64, f64)> {
    let (mean, scv) = (d.mean(), d.scv());
    (scv > 0.0 && mean > 0.0).then(|| (1.0 / scv, mean * scv))
}

/// The distribution function of `d` at `t` seconds (a recorded sample by
/// [`empirical_gamma`]).
pub fn cdf(d: &Dist, t: f64) -> f64 {
    let step = |at: f64| f64::from(u8::from(t >= at));
    match d {
        Dist::Constant(c) => step(c.as_secs_f64()),
        Dist::Exponential { mean } if *mean <= 0.0 => step(0.0),
        Dist::Exponential { .. } | Dist::LogNormal { .. } | Dist::Gamma { .. } if t <= 0.0 => 0.0,
        Dist::Exponential { mean } => -(-t / mean).exp_m1(),
        Dist::LogNormal { mu, sigma } if *sigma <= 0.0 => step(mu.exp()),
        Dist::LogNormal { mu, sigma } => {
            0.5 * libm::erfc(-(t.ln() - mu) / (sigma * std::f64::consts::SQRT_2))
        }
        Dist::Gamma { shape, scale, .. } => gamma_p(*shape, t / scale),
        Dist::Uniform { min, max } if max <= min => step(*min),
        Dist::Uniform { min, max } => ((t - min) / (max - min)).clamp(0.0, 1.0),
        Dist::Pareto { min, .. } if t < *min => 0.0,
        Dist::Pareto { min, alpha } => 1.0 - (min / t).powf(*alpha),
        Dist::Empirical(_) => match empirical_gamma(d) {
            None => step(d.mean()),
            Some(_) if t <= 0.0 => 0.0,
            Some((shape, scale)) => gamma_p(shape, t / scale),
        },
    }
}

/// The least value `d` takes (0 for the distributions whose support starts
/// at 0).
pub fn support_min(d: &Dist) -> f64 {
    match d {
        Dist::Constant(c) => c.as_secs_f64(),
        Dist::Uniform { min, .. } | Dist::Pareto { min, .. } => *min,
        Dist::LogNormal { mu, sigma } if *sigma <= 0.0 => mu.exp(),
        Dist::Empirical(_) if empirical_gamma(d).is_none() => d.mean(),
        _ => 0.0,
    }
}

/// One node's response time: a fixed `delay`, then a wait for a worker
/// with the moments `wait` (taken, as the estimate's M/G/c does, as 0 with
/// probability `1 - C` and exponential otherwise: `C` and the exponential's
/// mean are recovered from the two moments), then a holding time `hold`;
/// the three independent.
#[derive(Clone, Copy, Debug)]
pub struct NodeTime<'a> {
    /// Seconds before the node's queue (a one-way message).
    pub delay: f64,
    /// The wait for a worker.
    pub wait: Mom,
    /// The holding time.
    pub hold: &'a Dist,
}

impl NodeTime<'_> {
    /// Whether two nodes' times have the same distribution.
    fn same(&self, o: &NodeTime) -> bool {
        self.delay == o.delay && self.wait == o.wait && std::ptr::eq(self.hold, o.hold)
    }
}

/// The probability `C` that a wait of moments `w` is not 0, and the mean
/// of the exponential it is then: `E[W] = C m`, `E[W^2] = 2 C m^2`.
pub fn wait_parts(w: Mom) -> (f64, f64) {
    if w.mean <= 0.0 {
        return (0.0, 0.0);
    }
    let m = (w.var + w.mean * w.mean) / (2.0 * w.mean);
    if m <= w.mean {
        // Less variance than any such mixture: an exponential of its mean.
        return (1.0, w.mean);
    }
    (w.mean / m, m)
}

/// Grid steps over the smallest scale of a node time (its wait's
/// exponential or its holding time above its least value), per node of the
/// order statistic (the fastest of n falls n times faster), before the
/// grid grows geometrically.
const STEPS_PER_SCALE: f64 = 400.0;
/// The geometric grid's relative step.
const RATIO: f64 = 0.002;
/// The grid ends where the node is done with probability `1 - TAIL`.
const TAIL: f64 = 1e-14;
/// ... or at this many scales (a heavy tail).
const LIMIT_SCALES: f64 = 1e8;
/// ... or at this many points.
const MAX_GRID: usize = 1_000_000;

/// One node's distribution function on a grid of its own, from `shift` on
/// (its delay and its holding time's least value): `f[i]` at `shift +
/// u[i]`, linear between points, 0 before `shift`.
struct Curve {
    shift: f64,
    u: Vec<f64>,
    f: Vec<f64>,
}

impl Curve {
    /// The distribution function of `node`'s time: the holding time above
    /// its least value `S'`, its convolution `G` with the wait's exponential
    /// (of mean `m`) by `G' = (F_S' - G) / m` integrated exactly over each
    /// step with `F_S'` linear on it, then `(1 - C) F_S' + C G`.
    fn new(node: &NodeTime, nodes: usize) -> Curve {
        let min = support_min(node.hold);
        let shift = node.delay + min;
        let rest = (node.hold.mean() - min).max(0.0);
        let rest = if rest > 1e-12 * node.hold.mean() {
            rest
        } else {
            0.0
        };
        let (pw, m) = wait_parts(node.wait);
        let scale = [if pw > 0.0 { m } else { 0.0 }, rest]
            .into_iter()
            .filter(|x| *x > 0.0)
            .fold(f64::INFINITY, f64::min);
        if !scale.is_finite() {
            // A constant time.
            return Curve {
                shift,
                u: vec![0.0],
                f: vec![1.0],
            };
        }
        let fs = |u: f64| {
            if rest > 0.0 {
                cdf(node.hold, u + min)
            } else {
                1.0
            }
        };
        let h0 = scale / (STEPS_PER_SCALE * nodes as f64);
        // A uniform holding time's distribution function bends at its
        // largest value: a grid point there keeps it exact.
        let kink = match node.hold {
            Dist::Uniform { max, .. } if rest > 0.0 => max - min,
            _ => f64::INFINITY,
        };
        let (mut uk, mut fk, mut g) = (0.0, fs(0.0), 0.0);
        let mut u = vec![0.0];
        let mut f = vec![(1.0 - pw) * fk];
        loop {
            let mut h = h0.max(RATIO * uk);
            if uk < kink && uk + h > kink {
                h = kink - uk;
            }
            let next = uk + h;
            let fnext = fs(next);
            if pw > 0.0 {
                let x = h / m;
                let a = -(-x).exp_m1();
                // (h - m a) / h = 1 - a / x, by its series when x is small.
                let c = if x < 1e-3 {
                    x / 2.0 - x * x / 6.0 + x * x * x / 24.0
                } else {
                    1.0 - a / x
                };
                g = (-x).exp() * g + fk * a + (fnext - fk) * c;
            }
            uk = next;
            fk = fnext;
            let total = (1.0 - pw) * fk + pw * g;
            u.push(uk);
            f.push(total);
            if 1.0 - total < TAIL || uk > LIMIT_SCALES * scale || u.len() > MAX_GRID {
                break;
            }
        }
        Curve { shift, u, f }
    }

    /// The distribution function at `t` (`left`: its limit from below).
    fn at(&self, t: f64, left: bool) -> f64 {
        if t < self.shift || (left && t == self.shift) {
            return 0.0;
        }
        let x = t - self.shift;
        let i = self.u.partition_point(|&v| v <= x);
        if i >= self.u.len() {
            return self.f[self.f.len() - 1];
        }
        if i == 0 {
            return self.f[0];
        }
        let (u0, u1) = (self.u[i - 1], self.u[i]);
        let w = (x - u0) / (u1 - u0);
        self.f[i - 1] + (self.f[i] - self.f[i - 1]) * w
    }
}

/// The mean and variance of the `k`-th smallest (1-based) of the
/// independent node times `nodes`: the integrals of the survival function
/// `S(t) = P(fewer than k nodes done by t)` (by the count's distribution,
/// node by node) and of `2 t S(t)`, by the trapezoid rule on the union of
/// the nodes' grids (each node's jump at its shift taken exactly). Within
/// about 1e-5 of the exact moments, relative (the grid's steps are 1/(400
/// n) of the smallest scale, then 0.2% of the time).
pub fn order_stat(nodes: &[NodeTime], k: usize) -> Mom {
    let n = nodes.len();
    assert!((1..=n).contains(&k), "the {k}-th of {n} nodes");
    let finite = |x: f64| x.is_finite();
    if !nodes.iter().all(|v| {
        finite(v.delay) && finite(v.wait.mean) && finite(v.wait.var) && finite(v.hold.mean())
    }) {
        return Mom {
            mean: f64::INFINITY,
            var: f64::INFINITY,
        };
    }
    // Nodes alike share one curve.
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        match groups.iter_mut().find(|g| nodes[g.0].same(node)) {
            Some(g) => g.1 += 1,
            None => groups.push((i, 1)),
        }
    }
    let curves: Vec<(Curve, usize)> = groups
        .iter()
        .map(|&(i, mult)| (Curve::new(&nodes[i], n), mult))
        .collect();
    let base = curves
        .iter()
        .map(|c| c.0.shift)
        .fold(f64::INFINITY, f64::min);
    let mut pts: Vec<(f64, bool)> = Vec::new();
    for (c, _) in &curves {
        pts.push((c.shift, true));
        pts.extend(c.u.iter().map(|&u| (c.shift + u, false)));
    }
    // The limit from below first where two points meet.
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    pts.dedup();
    let mut count = vec![0.0; k];
    let mut survival = |t: f64, left: bool| {
        count.iter_mut().for_each(|c| *c = 0.0);
        count[0] = 1.0;
        for (c, mult) in &curves {
            let p = c.at(t, left);
            for _ in 0..*mult {
                for j in (0..k).rev() {
                    let below = if j > 0 { count[j - 1] } else { 0.0 };
                    count[j] = count[j] * (1.0 - p) + below * p;
                }
            }
        }
        count.iter().sum::<f64>()
    };
    // Moments of the time past `base`, where S is 1 before.
    let (mut py, mut ps) = (0.0, 1.0);
    let (mut m1, mut m2) = (0.0, 0.0);
    for &(t, left) in &pts {
        let y = t - base;
        let s = survival(t, left);
        let h = y - py;
        m1 += h * (s + ps) / 2.0;
        m2 += h * (y * s + py * ps);
        py = y;
        ps = s;
    }
    Mom {
        mean: base + m1,
        var: (m2 - m1 * m1).max(0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300)
    }

    #[test]
    fn exponential_order_statistics_by_hand() {
        // n = 3, k = 2, theta = 1: 1/3 + 1/2; variance 1/9 + 1/4.
        assert!((exp_order_mean(3, 2, 1.0) - (1.0 / 3.0 + 0.5)).abs() < 1e-15);
        assert!((exp_order_var(3, 2, 1.0) - (1.0 / 9.0 + 0.25)).abs() < 1e-15);
        // The fastest of n: 1 / (n theta); the slowest of 2 at rate 2: 3/4.
        assert!((exp_order_mean(5, 1, 2.0) - 0.1).abs() < 1e-15);
        assert!((exp_order_mean(2, 2, 2.0) - 0.75).abs() < 1e-15);
    }

    #[test]
    fn numerical_order_statistics_of_exponentials_match_the_closed_form() {
        let hold = Dist::Exponential { mean: 0.01 };
        for (n, k) in [(3, 2), (3, 1), (3, 3), (5, 3), (1, 1)] {
            let nodes = vec![
                NodeTime {
                    delay: 0.0,
                    wait: Mom::ZERO,
                    hold: &hold,
                };
                n
            ];
            let got = order_stat(&nodes, k);
            let (m, v) = (
                exp_order_mean(n as u32, k as u32, 100.0),
                exp_order_var(n as u32, k as u32, 100.0),
            );
            assert!(close(got.mean, m, 1e-5), "{n} {k}: {} vs {m}", got.mean);
            assert!(close(got.var, v, 1e-4), "{n} {k}: {} vs {v}", got.var);
        }
    }

    #[test]
    fn an_mm1_wait_and_service_make_an_exponential_response() {
        // M/M/1 at rho = 0.6, service mean 10 ms: the wait is 0 with
        // probability 0.4, else exponential of mean 25 ms; the response is
        // exponential of rate (1 - rho) / s = 40/s.
        let (s, rho) = (0.01, 0.6);
        let m = s / (1.0 - rho);
        let wait = Mom {
            mean: rho * m,
            var: (2.0 * rho - rho * rho) * m * m,
        };
        assert!(close(wait_parts(wait).0, rho, 1e-12));
        assert!(close(wait_parts(wait).1, m, 1e-12));
        let hold = Dist::Exponential { mean: s };
        let nodes = [NodeTime {
            delay: 0.002,
            wait,
            hold: &hold,
        }; 3];
        let got = order_stat(&nodes, 2);
        let want = 0.002 + exp_order_mean(3, 2, 40.0);
        assert!(close(got.mean, want, 1e-5), "{} vs {want}", got.mean);
        assert!(close(got.var, exp_order_var(3, 2, 40.0), 1e-4));
    }

    #[test]
    fn constant_times_are_exact() {
        let hold = Dist::Constant(SimDuration::from_millis(5));
        let mk = |delay| NodeTime {
            delay,
            wait: Mom::ZERO,
            hold: &hold,
        };
        // Delays 1, 3, 2 ms: the 2nd fastest is 5 + 2 ms, the fastest 6.
        let nodes = [mk(0.001), mk(0.003), mk(0.002)];
        let got = order_stat(&nodes, 2);
        assert!(
            (got.mean - 0.007).abs() < 1e-15 && got.var < 1e-20,
            "{got:?}"
        );
        assert!((order_stat(&nodes, 1).mean - 0.006).abs() < 1e-15);
        assert!((order_stat(&nodes, 3).mean - 0.008).abs() < 1e-15);
    }

    #[test]
    fn a_constant_hold_behind_an_exponential_wait() {
        // All nodes wait (C = 1) an exponential of mean 4 ms, then hold 5 ms:
        // 5 ms + the exponential order statistic.
        let hold = Dist::Constant(SimDuration::from_millis(5));
        let wait = Mom {
            mean: 0.004,
            var: 0.004 * 0.004,
        };
        let nodes = [NodeTime {
            delay: 0.0,
            wait,
            hold: &hold,
        }; 4];
        let got = order_stat(&nodes, 3);
        let want = 0.005 + exp_order_mean(4, 3, 250.0);
        assert!(close(got.mean, want, 1e-6), "{} vs {want}", got.mean);
    }

    #[test]
    fn uniform_order_statistics() {
        // U(0, 1): E[X_(k)] = k / (n + 1), Var = k (n - k + 1) / ((n+1)^2 (n+2)).
        let hold = Dist::Uniform { min: 0.0, max: 1.0 };
        let nodes = [NodeTime {
            delay: 0.0,
            wait: Mom::ZERO,
            hold: &hold,
        }; 5];
        for k in 1..=5 {
            let got = order_stat(&nodes, k);
            let kf = k as f64;
            assert!(close(got.mean, kf / 6.0, 1e-5), "{k}: {}", got.mean);
            let var = kf * (6.0 - kf) / (36.0 * 7.0);
            assert!(close(got.var, var, 1e-4), "{k}: {} vs {var}", got.var);
        }
    }

    #[test]
    fn distribution_functions() {
        let ln = Dist::lognormal(0.02, 0.08);
        assert!(close(cdf(&ln, 0.02), 0.5, 1e-12));
        assert!(close(cdf(&ln, 0.08), 0.99, 1e-9));
        let g = Dist::gamma(0.01, 1.0);
        assert!(close(cdf(&g, 0.01), 1.0 - (-1.0f64).exp(), 1e-12));
        let p = Dist::Pareto {
            min: 1.0,
            alpha: 2.0,
        };
        assert!(close(cdf(&p, 2.0), 0.75, 1e-15) && cdf(&p, 0.5) == 0.0);
    }
}
