//! One queueing station: M/G/c by Erlang C with the Allen-Cunneen factor,
//! or M/M/c/K when its waiting room is bounded.

use super::moments::Mom;

/// What a queueing station does: M/G/c or M/M/c/K.
#[derive(Clone, Copy, Debug)]
pub struct Station {
    /// Utilisation of its servers (offered, unbounded; carried, bounded).
    pub util: f64,
    /// `None`: past saturation (or an infinite-variance holding time).
    pub wait: Option<Mom>,
    /// Share of arrivals refused by a full waiting room.
    pub blocked: f64,
    /// Whether it is at or past saturation (no steady state).
    pub saturated: bool,
    /// Arrivals per second the station can serve.
    pub capacity: f64,
}

/// Erlang B: the probability that an arrival finds all `c` servers busy
/// in M/G/c/c at load `a` (insensitive to the holding time's
/// distribution), by the stable recursion.
pub fn erlang_b(c: u64, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (k as f64 + a * b);
    }
    b
}

/// Erlang C: the probability that an arrival waits in M/M/c at load `a`.
pub fn erlang_c(c: u64, a: f64) -> f64 {
    let b = erlang_b(c, a);
    let rho = a / c as f64;
    b / (1.0 - rho + rho * b)
}

/// A station of `c` servers fed `lambda` a second, holding times `hold`,
/// waiting room `queue` (`None`: unbounded).
pub fn station(lambda: f64, c: u64, hold: Mom, queue: Option<u64>) -> Station {
    let c = c.max(1);
    let a = lambda * hold.mean;
    let rho = a / c as f64;
    let capacity = if hold.mean > 0.0 {
        c as f64 / hold.mean
    } else {
        f64::INFINITY
    };
    if lambda <= 0.0 || hold.mean <= 0.0 {
        return Station {
            util: rho.max(0.0),
            wait: Some(Mom::ZERO),
            blocked: 0.0,
            saturated: false,
            capacity,
        };
    }
    let exp_wait = |pw: f64, m: f64| Mom {
        mean: pw * m,
        var: (2.0 * pw - pw * pw) * m * m,
    };
    match queue {
        None => {
            if rho >= 1.0 {
                return Station {
                    util: rho,
                    wait: None,
                    blocked: 0.0,
                    saturated: true,
                    capacity,
                };
            }
            let pw = erlang_c(c, a);
            let cs2 = hold.scv();
            let wait = if cs2.is_finite() {
                Some(exp_wait(pw, hold.mean / (c as f64 - a) * (1.0 + cs2) / 2.0))
            } else {
                None
            };
            Station {
                util: rho,
                wait,
                blocked: 0.0,
                saturated: false,
                capacity,
            }
        }
        Some(q) => {
            let (blocked, wq, pw) = mmck(c, a, q);
            let m = if pw > 0.0 { wq * hold.mean / pw } else { 0.0 };
            Station {
                util: a * (1.0 - blocked) / c as f64,
                wait: Some(exp_wait(pw, m)),
                blocked,
                saturated: false,
                capacity,
            }
        }
    }
}

/// M/M/c/K with `c` servers, `q` waiting places and offered load `a`
/// (arrival rate x mean holding time): the blocking probability, the mean
/// wait of accepted arrivals in mean holding times, and the probability
/// that an accepted arrival waits.
fn mmck(c: u64, a: f64, q: u64) -> (f64, f64, f64) {
    let b = erlang_b(c, a);
    if q == 0 {
        return (b, 0.0, 0.0);
    }
    let rho = a / c as f64;
    let qf = q as f64;
    // Sums over the waiting places j = 1..=q of rho^j and j rho^j, divided by
    // rho^q when rho > 1 so that nothing overflows: (z, blocked, lq, waiting)
    // all carry the same factor.
    let (z, top, lq, wait_states) = if (rho - 1.0).abs() < 1e-9 {
        (1.0 + b * qf, b, b * qf * (qf + 1.0) / 2.0, b * qf)
    } else if rho < 1.0 {
        let rq = rho.powf(qf);
        let s0 = rho * (1.0 - rq) / (1.0 - rho);
        let s1 = rho * (1.0 - (qf + 1.0) * rq + qf * rq * rho) / (1.0 - rho).powi(2);
        // States c..c+q-1 (an arrival waits): rho^0..rho^(q-1).
        (1.0 + b * s0, b * rq, b * s1, b * (1.0 - rq) / (1.0 - rho))
    } else {
        let r = 1.0 / rho;
        let rq = r.powf(qf);
        let geo = (1.0 - rq) / (1.0 - r); // sum_{i=0}^{q-1} r^i
        let ir = r * (1.0 - qf * r.powf(qf - 1.0) + (qf - 1.0) * rq) / (1.0 - r).powi(2);
        (rq + b * geo, b, b * (qf * geo - ir), b * r * geo)
    };
    let blocked = top / z;
    let accepted = 1.0 - blocked;
    let lq = lq / z;
    let pw = if accepted > 0.0 {
        (wait_states / z) / accepted
    } else {
        1.0
    };
    // Little: Wq = Lq / (lambda (1 - Pb)); in holding times, lambda = a.
    let wq_units = if accepted > 0.0 && a > 0.0 {
        lq / (a * accepted)
    } else {
        0.0
    };
    (blocked, wq_units, pw.min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_matches_a_known_value() {
        // M/M/2 at a = 1 (rho = 0.5): C = 1/3.
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        // M/M/1: C = rho.
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
    }

    #[test]
    fn mmck_with_one_place_matches_the_chain() {
        // M/M/1/2 at a = 1: states 0, 1, 2 equally likely.
        let (b, wq, pw) = mmck(1, 1.0, 1);
        assert!((b - 1.0 / 3.0).abs() < 1e-12, "{b}");
        // Accepted arrivals find 0 or 1 (equally): wait 1/2 service on average.
        assert!((wq - 0.5).abs() < 1e-12, "{wq}");
        assert!((pw - 0.5).abs() < 1e-12, "{pw}");
        // Above and below rho = 1 agree with a direct sum.
        for (c, a, q) in [(2u64, 3.0f64, 5u64), (3, 1.5, 4), (1, 0.5, 3)] {
            let probs: Vec<f64> = (0..=c + q)
                .map(|n| {
                    let n = n as f64;
                    let cf = c as f64;
                    if n <= cf {
                        a.powf(n) / (1..=n as u64).map(|k| k as f64).product::<f64>()
                    } else {
                        a.powf(cf) / (1..=c).map(|k| k as f64).product::<f64>()
                            * (a / cf).powf(n - cf)
                    }
                })
                .collect();
            let z: f64 = probs.iter().sum();
            let block = probs[(c + q) as usize] / z;
            let lq: f64 = probs
                .iter()
                .enumerate()
                .skip(c as usize)
                .map(|(n, p)| (n - c as usize) as f64 * p / z)
                .sum();
            let (b, wq, _) = mmck(c, a, q);
            assert!((b - block).abs() < 1e-12, "{c} {a} {q}: {b} vs {block}");
            assert!((wq * a * (1.0 - b) - lq).abs() < 1e-9, "{c} {a} {q}");
        }
    }
}
