//! The gamma distribution's quantiles: the estimate's end-to-end
//! percentiles are those of a gamma with the path's mean and variance.

/// The regularized lower incomplete gamma function P(a, x).
pub(crate) fn gamma_p(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let lnpre = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        // Series.
        let (mut sum, mut term, mut n) = (1.0 / a, 1.0 / a, a);
        for _ in 0..100_000 {
            n += 1.0;
            term *= x / n;
            sum += term;
            if term.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        (sum.ln() + lnpre).exp().min(1.0)
    } else {
        // Continued fraction (Lentz) for Q = 1 - P.
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..100_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-15 {
                break;
            }
        }
        (1.0 - (lnpre.exp() * h)).clamp(0.0, 1.0)
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 digits).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut s = G[0];
    for (i, g) in G.iter().enumerate().skip(1) {
        s += g / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + s.ln()
}

/// The `q` quantile of the gamma distribution with this mean and variance
/// (a constant when the variance is 0).
pub fn gamma_quantile(mean: f64, var: f64, q: f64) -> f64 {
    if var <= 0.0 || mean <= 0.0 {
        return mean.max(0.0);
    }
    let shape = mean * mean / var;
    let scale = var / mean;
    let (mut lo, mut hi) = (0.0, shape.max(1.0));
    while gamma_p(shape, hi) < q {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if gamma_p(shape, mid) < q {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi) * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gamma_quantiles_of_an_exponential() {
        // Shape 1: p50 = ln 2, p99 = ln 100 (mean 1).
        assert!((gamma_quantile(1.0, 1.0, 0.5) - 2f64.ln()).abs() < 1e-9);
        assert!((gamma_quantile(1.0, 1.0, 0.99) - 100f64.ln()).abs() < 1e-9);
        // Shape 4, scale 1: the median is 3.672 (tables).
        assert!((gamma_quantile(4.0, 4.0, 0.5) - 3.672_060_748).abs() < 1e-6);
    }
}
