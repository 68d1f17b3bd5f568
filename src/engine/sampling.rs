//! The samplers behind every random duration: exponential, normal and gamma
//! draws from a [`Stream`]'s bits, with every transcendental function taken
//! from the pure-Rust `libm` (a port of musl's), never the platform's math
//! library, so a seed gives the same draws on every machine and libc (issue
//! 19). Only IEEE arithmetic (`+ - * /` and `sqrt`, exactly rounded
//! everywhere) and `libm` are used; Rust never contracts `a * b + c` into
//! a fused multiply-add by itself, so the arithmetic is the same on every
//! target too.
//!
//! The exponential and normal samplers are Marsaglia and Tsang's ziggurat
//! ("The Ziggurat Method for Generating Random Variables", JSS 2000) with
//! 256 layers, as `rand_distr` draws them (its Exp1 and StandardNormal),
//! but the tables are built here with `libm` at first use, and the rare
//! wedge and tail steps call `libm`: about 99% of draws cost one 64-bit
//! word, a table lookup, a multiply and a comparison. These draws equal
//! `rand_distr`'s but in the last bits, which rounding to whole nanoseconds
//! almost always hides: moving here changed few results (Pareto and gamma
//! of shape below 1, drawn by a different route, changed more).

use std::sync::OnceLock;

use super::Stream;

/// Layers of each ziggurat: the low 8 bits of a word pick one.
const LAYERS: usize = 256;

/// Right edge of the exponential ziggurat's base layer (Marsaglia and
/// Tsang's `r` for 256 layers): beyond it lies the tail.
const EXP_R: f64 = 7.697_117_470_131_05;

/// Right edge of the normal ziggurat's base layer (Marsaglia and Tsang's
/// `r` for 256 layers, one side of the symmetric density).
const NORM_R: f64 = 3.654_152_885_361_009;

/// One ziggurat: the layers' right edges `x` (`x[0]` the base layer's
/// virtual width `v / f(r)`, `x[1] = r`, decreasing to `x[256] = 0`) and the
/// density at each, `f[i] = f(x[i])`.
struct Ziggurat {
    x: [f64; LAYERS + 1],
    f: [f64; LAYERS + 1],
}

/// Both ziggurats, built once per process.
struct Tables {
    exp: Ziggurat,
    norm: Ziggurat,
}

impl Ziggurat {
    /// The layers of equal area `v` under the (unnormalized, decreasing)
    /// density `f`, with base edge `r`, by Marsaglia and Tsang's recurrence
    /// `x[i+1] = f⁻¹(f(x[i]) + v / x[i])`.
    fn build(r: f64, v: f64, f: impl Fn(f64) -> f64, f_inv: impl Fn(f64) -> f64) -> Ziggurat {
        let mut x = [0.0; LAYERS + 1];
        x[0] = v / f(r);
        x[1] = r;
        for i in 2..LAYERS {
            // Rounding in the recurrence can carry the last layer's top just
            // above the density's peak; capped there its edge is 0, not NaN.
            x[i] = f_inv((f(x[i - 1]) + v / x[i - 1]).min(1.0));
        }
        x[LAYERS] = 0.0;
        let mut fx = [0.0; LAYERS + 1];
        for (fi, &xi) in fx.iter_mut().zip(&x) {
            *fi = f(xi);
        }
        Ziggurat { x, f: fx }
    }
}

/// The ziggurats, built at the first draw (a few microseconds): `libm`
/// makes them the same bits on every machine, which a table built with the
/// platform's `exp` and `ln` would not be.
fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let exp_v = (EXP_R + 1.0) * libm::exp(-EXP_R);
        let norm_f = |x: f64| libm::exp(-0.5 * x * x);
        // Area of each layer: the base rectangle r f(r) plus the tail beyond
        // r, ∫ exp(-x²/2) = sqrt(π/2) erfc(r/√2).
        let norm_v = NORM_R * norm_f(NORM_R)
            + (std::f64::consts::PI / 2.0).sqrt() * libm::erfc(NORM_R / std::f64::consts::SQRT_2);
        Tables {
            exp: Ziggurat::build(EXP_R, exp_v, |x| libm::exp(-x), |y| -libm::log(y)),
            norm: Ziggurat::build(NORM_R, norm_v, norm_f, |y| (-2.0 * libm::log(y)).sqrt()),
        }
    })
}

/// `2^-53`: a 53-bit integer times it is a uniform in [0, 1), exactly.
const TWO_POW_M53: f64 = 1.0 / (1u64 << 53) as f64;

/// `2^-52`.
const TWO_POW_M52: f64 = 1.0 / (1u64 << 52) as f64;

/// A uniform draw in (0, 1): `(k + 1/2) 2^-52` for a 52-bit `k`, exact,
/// never 0 or 1, so its logarithm is finite.
#[inline]
pub(super) fn open01(bits: u64) -> f64 {
    ((bits >> 12) as f64 + 0.5) * TWO_POW_M52
}

/// A standard exponential draw (mean 1) by the ziggurat (see the module
/// documentation); the tail beyond `r` is `r + Exp(1)` (memorylessness),
/// drawn by inversion, `r - ln U` with `libm::log`.
#[inline]
pub fn exp1(s: &mut Stream) -> f64 {
    let z = &tables().exp;
    loop {
        let bits = s.bits();
        // The layer from the low 8 bits, the position from the top 53: no
        // bit serves both.
        let i = (bits & 0xff) as usize;
        let x = (bits >> 11) as f64 * TWO_POW_M53 * z.x[i];
        if x < z.x[i + 1] {
            return x;
        }
        if i == 0 {
            return EXP_R - libm::log(s.open01());
        }
        if z.f[i + 1] + (z.f[i] - z.f[i + 1]) * s.uniform() < libm::exp(-x) {
            return x;
        }
    }
}

/// A standard normal draw by the ziggurat (see the module documentation)
/// over the symmetric density; the tail beyond `r` by Marsaglia's method
/// (1964): `x = -ln(U1) / r`, `y = -ln(U2)`, kept when `2y >= x²`, giving
/// `r + x`, with `libm::log`.
#[inline]
pub fn normal(s: &mut Stream) -> f64 {
    let z = &tables().norm;
    loop {
        let bits = s.bits();
        let i = (bits & 0xff) as usize;
        // Uniform in [-1, 1) from the top 53 bits (exact: a multiple of
        // 2^-52 below 2, less 1); its sign is the draw's.
        let u = (bits >> 11) as f64 * TWO_POW_M52 - 1.0;
        let x = u * z.x[i];
        if x.abs() < z.x[i + 1] {
            return x;
        }
        if i == 0 {
            let tail = normal_tail(s);
            return if u < 0.0 { -tail } else { tail };
        }
        if z.f[i + 1] + (z.f[i] - z.f[i + 1]) * s.uniform() < libm::exp(-0.5 * x * x) {
            return x;
        }
    }
}

/// The normal's tail beyond [`NORM_R`] (0.026% of draws), by Marsaglia's
/// method; cold, so kept out of [`normal`]'s inlined body.
#[cold]
fn normal_tail(s: &mut Stream) -> f64 {
    loop {
        let x = -libm::log(s.open01()) / NORM_R;
        let y = -libm::log(s.open01());
        if 2.0 * y >= x * x {
            return NORM_R + x;
        }
    }
}

/// A gamma distribution's sampler with its constants computed once.
#[derive(Clone, Copy, Debug)]
pub struct Gamma {
    /// Scale `theta`.
    scale: f64,
    /// Which method draws it, with its constants.
    method: GammaMethod,
}

/// How a [`Gamma`] is drawn, by its shape `k`.
#[derive(Clone, Copy, Debug)]
enum GammaMethod {
    /// `k = 1`: an exponential, one ziggurat draw.
    Exponential,
    /// `k > 1`: Marsaglia and Tsang's method with `d = k - 1/3` and
    /// `c = 1 / sqrt(9 d)`.
    Large {
        /// `k - 1/3`.
        d: f64,
        /// `1 / sqrt(9 d)`.
        c: f64,
    },
    /// `k < 1`: `Gamma(k + 1) U^(1/k)` (Marsaglia and Tsang's boost), with
    /// the constants of `k + 1` and `1 / k`.
    Small {
        /// `k + 1 - 1/3`.
        d: f64,
        /// `1 / sqrt(9 d)`.
        c: f64,
        /// `1 / k`.
        inv_shape: f64,
    },
}

impl Gamma {
    /// The gamma of `shape` `k` and `scale` `theta` (both finite, > 0).
    pub fn new(shape: f64, scale: f64) -> Gamma {
        debug_assert!(shape > 0.0 && shape.is_finite() && scale > 0.0, "bad gamma");
        let constants = |k: f64| {
            let d = k - 1.0 / 3.0;
            (d, 1.0 / (9.0 * d).sqrt())
        };
        let method = if shape == 1.0 {
            GammaMethod::Exponential
        } else if shape > 1.0 {
            let (d, c) = constants(shape);
            GammaMethod::Large { d, c }
        } else {
            let (d, c) = constants(shape + 1.0);
            GammaMethod::Small {
                d,
                c,
                inv_shape: 1.0 / shape,
            }
        };
        Gamma { scale, method }
    }

    /// One draw.
    #[inline]
    pub fn sample(&self, s: &mut Stream) -> f64 {
        let standard = match self.method {
            GammaMethod::Exponential => exp1(s),
            GammaMethod::Large { d, c } => marsaglia_tsang(s, d, c),
            // U^(1/k) = exp(-E / k) with E = -ln U exponential: one
            // ziggurat draw and one `libm::exp` instead of `pow`.
            GammaMethod::Small { d, c, inv_shape } => {
                marsaglia_tsang(s, d, c) * libm::exp(-exp1(s) * inv_shape)
            }
        };
        standard * self.scale
    }
}

/// A standard gamma draw of shape `k >= 1` (given `d = k - 1/3` and
/// `c = 1 / sqrt(9 d)`) by Marsaglia and Tsang ("A Simple Method for
/// Generating Gamma Variables", ACM TOMS 2000): `d (1 + c Z)^3` for a normal
/// `Z`, kept by a cheap squeeze (`U < 1 - 0.0331 Z^4`, most draws) or the
/// exact test `ln U < Z²/2 + d (1 - V + ln V)` with `libm::log`; under 1.05
/// normals per draw for `k >= 1`.
#[inline]
fn marsaglia_tsang(s: &mut Stream, d: f64, c: f64) -> f64 {
    loop {
        let z = normal(s);
        let v = 1.0 + c * z;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = s.open01();
        let z2 = z * z;
        if u < 1.0 - 0.0331 * z2 * z2 || libm::log(u) < 0.5 * z2 + d * (1.0 - v + libm::log(v)) {
            return d * v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sample mean and variance and the sorted draws.
    fn draws(n: usize, mut draw: impl FnMut(&mut Stream) -> f64) -> (f64, f64, Vec<f64>) {
        let mut s = Stream::new(11, "sampling", "test");
        let mut xs: Vec<f64> = (0..n).map(|_| draw(&mut s)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
        xs.sort_by(f64::total_cmp);
        (mean, var, xs)
    }

    /// The empirical CDF at `q`'s theoretical quantile `x` is within 5
    /// binomial standard errors `sqrt(q (1 - q) / n)` of `q`.
    fn check_quantile(xs: &[f64], q: f64, x: f64) {
        let n = xs.len() as f64;
        let below = xs.partition_point(|&v| v < x) as f64 / n;
        let se = (q * (1.0 - q) / n).sqrt();
        assert!(
            (below - q).abs() < 5.0 * se,
            "P(X < {x}) = {below}, want {q} ± {}",
            5.0 * se
        );
    }

    // n = 10^6 throughout. The mean of n draws has standard error
    // sigma / sqrt(n) = sigma / 1000: 4 of them is 0.004 sigma. The sample
    // variance's standard error is sigma² sqrt((kurtosis - 1) / n): for the
    // exponential (kurtosis 9) 0.0028 sigma², so 4 SE is 0.012; for the
    // normal (kurtosis 3) 0.0014, 4 SE 0.0057. A quantile's empirical CDF
    // is checked at 5 binomial SEs. Each check fails by chance with
    // probability under 1e-4, and the seed is fixed: a pass is not luck
    // that can change run to run.
    const N: usize = 1_000_000;

    #[test]
    fn exponential_has_mean_1_variance_1_and_its_quantiles() {
        let (mean, var, xs) = draws(N, exp1);
        assert!((mean - 1.0).abs() < 0.004, "mean {mean}");
        assert!((var - 1.0).abs() < 0.012, "variance {var}");
        assert!(xs[0] >= 0.0);
        // Quantiles x = -ln(1 - q), including beyond the base layer's edge
        // (7.70: the tail, drawn by inversion).
        for q in [0.01, 0.25, 0.5, 0.9, 0.99, 0.999] {
            check_quantile(&xs, q, -(1.0f64 - q).ln());
        }
        let tail = xs.iter().filter(|&&x| x > EXP_R).count() as f64 / N as f64;
        // P(X > 7.697) = 4.54e-4: 454 expected, sd 21.
        assert!((tail - 4.54e-4).abs() < 5.0 * 2.13e-5, "tail share {tail}");
    }

    #[test]
    fn normal_has_mean_0_variance_1_and_its_quantiles() {
        let (mean, var, xs) = draws(N, normal);
        assert!(mean.abs() < 0.004, "mean {mean}");
        assert!((var - 1.0).abs() < 0.0057, "variance {var}");
        // Standard normal quantiles, both tails, and the share beyond the
        // base layer's edge 3.654 (P = 2 x 1.29e-4, each side drawn by the
        // tail method).
        for (q, x) in [
            (0.001, -3.090_232_306),
            (0.025, -1.959_963_985),
            (0.5, 0.0),
            (0.841_344_746, 1.0),
            (0.99, 2.326_347_874),
            (0.999_870_999, NORM_R),
        ] {
            check_quantile(&xs, q, x);
        }
        check_quantile(&xs, 1.0 - 0.999_870_999, -NORM_R);
    }

    #[test]
    fn gamma_has_its_mean_and_variance() {
        // Shape k, scale 2: mean 2k, variance 4k. Mean: 4 SE is
        // 4 sqrt(4k / n). Variance: SE is var sqrt((kurtosis - 1) / n) with
        // excess kurtosis 6/k, so 4 SE is 4 var sqrt((2 + 6/k) / n).
        for k in [0.25, 0.7, 1.0, 1.5, 4.0, 30.0] {
            let g = Gamma::new(k, 2.0);
            let (mean, var, xs) = draws(N, |s| g.sample(s));
            let (m, v) = (2.0 * k, 4.0 * k);
            let n = N as f64;
            assert!(
                (mean - m).abs() < 4.0 * (v / n).sqrt(),
                "k {k}: mean {mean}"
            );
            let var_tol = 4.0 * v * ((2.0 + 6.0 / k) / n).sqrt();
            assert!((var - v).abs() < var_tol, "k {k}: variance {var}");
            assert!(xs[0] >= 0.0, "k {k}");
        }
    }

    #[test]
    fn gamma_median_matches_the_exponential_and_erlang() {
        // Medians known in closed form: shape 1 is ln 2 (times the scale);
        // shape 2 (Erlang-2, scale 1) solves 1 - e^-x (1 + x) = 1/2 at
        // x = 1.678346990.
        let (_, _, xs) = draws(N, |s| Gamma::new(1.0, 3.0).sample(s));
        check_quantile(&xs, 0.5, 3.0 * std::f64::consts::LN_2);
        let (_, _, xs) = draws(N, |s| Gamma::new(2.0, 1.0).sample(s));
        check_quantile(&xs, 0.5, 1.678_346_990);
    }

    #[test]
    fn open01_is_strictly_inside_the_unit_interval() {
        assert_eq!(open01(0), 0.5 * TWO_POW_M52);
        assert_eq!(open01(u64::MAX), 1.0 - 0.5 * TWO_POW_M52);
    }

    #[test]
    fn ziggurat_layers_have_equal_areas() {
        // Each layer above the base: width x[i+1] times height f(x[i+1]) -
        // f(x[i]) is v, and the top layer reaches the peak f(0) = 1; a
        // recurrence gone wrong would show as layers of unequal area.
        let t = tables();
        for (z, name) in [(&t.exp, "exp"), (&t.norm, "normal")] {
            let v = z.x[0] * z.f[1];
            for i in 1..LAYERS {
                assert!(z.x[i + 1] < z.x[i], "{name}: edges decrease at {i}");
                let area = z.x[i] * (z.f[i + 1] - z.f[i]);
                assert!(
                    (area / v - 1.0).abs() < 1e-6,
                    "{name}: layer {i} area {area} vs {v}"
                );
            }
            assert_eq!(z.f[LAYERS], 1.0);
        }
    }

    #[test]
    fn draws_are_pinned() {
        // The bits of the first draws, fixed because only IEEE arithmetic and
        // libm make them: a change here changes every simulation's results
        // and must be deliberate (then this pin and tests/determinism.rs are
        // updated together).
        let mut s = Stream::new(1, "web", "service");
        let bits: Vec<u64> = [
            exp1(&mut s),
            normal(&mut s),
            Gamma::new(0.5, 1.0).sample(&mut s),
        ]
        .iter()
        .map(|x| x.to_bits())
        .collect();
        assert_eq!(bits, PINNED_DRAWS);
    }

    /// The bits of exp1 = 1.3243199992950634, normal = 1.5965415037958883 and gamma(1/2) = 0.031390603638502136.
    const PINNED_DRAWS: [u64; 3] = [
        0x3ff5_306a_2ae6_939f,
        0x3ff9_8b6f_1a98_28f6,
        0x3fa0_126d_e00e_e1a5,
    ];
}
