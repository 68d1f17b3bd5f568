//! Which key a request touches: uniform, Zipf or hotspot popularity over a key
//! space of up to 10^12 keys, drawn in O(1) without allocating, with the exact
//! probability of each key for checking caches and shards against theory.
//!
//! Zipf draws (and the exact probabilities) use only IEEE arithmetic and the
//! pure-Rust `libm`, never the platform's math library, so a seed gives the
//! same keys on every machine.

use crate::engine::Stream;

/// Largest key space whose generalized harmonic number is summed term by term;
/// above it the Euler–Maclaurin formula is used.
const EXACT_HARMONIC_MAX: u64 = 10_000;

/// Terms summed exactly before the Euler–Maclaurin tail starts: at 32 the
/// first omitted correction is below 1e-20 of the sum for exponents up to 10.
const EM_HEAD: u64 = 32;

/// `B_2j / (2j)!` for j = 1..=6: the Euler–Maclaurin correction coefficients.
const EM_COEFFS: [f64; 6] = [
    1.0 / 12.0,
    -1.0 / 720.0,
    1.0 / 30_240.0,
    -1.0 / 1_209_600.0,
    1.0 / 47_900_160.0,
    -691.0 / 1_307_674_368_000.0,
];

/// The keys a request class touches. Keys are `0..keys`; key 0 is the most
/// popular (Zipf) and the hot keys are `0..hot_keys` (hotspot).
#[derive(Clone, Debug)]
pub enum KeyDist {
    /// Every key equally likely.
    Uniform {
        /// Size of the key space.
        keys: u64,
    },
    /// Key `k` with probability proportional to `1 / (k + 1)^exponent`; build
    /// it with [`KeyDist::zipf`], which caches the normalizing constant and
    /// the sampler's constants.
    ///
    /// Ranks `r = k + 1` are drawn by Hörmann and Derflinger's
    /// rejection-inversion ("Rejection-inversion to generate variates from
    /// monotone discrete distributions", 1996): the hat `h(x) = x^-s` is
    /// inverted through its integral `I(x) = (x^(1-s) - 1) / (1-s)` (`ln x`
    /// at `s` = 1), and a proposal rounding to rank `r` is kept with
    /// probability `h(r) / ∫ h` over `[r - 1/2, r + 1/2]`.
    Zipf {
        /// Size of the key space.
        keys: u64,
        /// The Zipf exponent `s` (> 0).
        exponent: f64,
        /// The generalized harmonic number `H(keys, exponent)`.
        harmonic: f64,
        /// `I(3/2) - 1`: the bottom of the proposals' range, whose first
        /// `h(1) = 1` is rank 1's and never rejected.
        integral_low: f64,
        /// `I(keys + 1/2)`: the top of the proposals' range.
        integral_high: f64,
        /// A proposal `x` rounding to rank `r` with `r - x <= squeeze` is
        /// accepted without evaluating `h`: `2 - I⁻¹(I(5/2) - h(2))`.
        squeeze: f64,
        /// `1 / (1 - s)`, unused at `s` = 1.
        inverse_slope: f64,
    },
    /// A share of the requests spread uniformly over a hot set, the rest
    /// uniformly over the other keys; build it with [`KeyDist::hotspot`].
    Hotspot {
        /// Size of the key space.
        keys: u64,
        /// Keys `0..hot_keys` are hot.
        hot_keys: u64,
        /// Share of requests that go to the hot keys.
        hot_share: f64,
    },
}

impl KeyDist {
    /// Every key of `0..keys` (`keys` >= 1) equally likely.
    pub fn uniform(keys: u64) -> KeyDist {
        debug_assert!(keys >= 1, "a key space needs a key");
        KeyDist::Uniform { keys }
    }

    /// Zipf popularity over `0..keys` (`keys` >= 1, `exponent` >= 0); an
    /// exponent of 0 gives [`KeyDist::Uniform`], draw for draw.
    pub fn zipf(keys: u64, exponent: f64) -> KeyDist {
        debug_assert!(keys >= 1, "a key space needs a key");
        debug_assert!(exponent >= 0.0 && exponent.is_finite(), "bad exponent");
        if exponent == 0.0 {
            // The uniform sampler is exact and cheaper than a degenerate Zipf.
            return KeyDist::uniform(keys);
        }
        let s = exponent;
        let q = if s == 1.0 { 0.0 } else { 1.0 / (1.0 - s) };
        KeyDist::Zipf {
            keys,
            exponent,
            harmonic: harmonic_number(keys, exponent),
            integral_low: hat_integral(1.5, s) - 1.0,
            integral_high: hat_integral(keys as f64 + 0.5, s),
            squeeze: 2.0 - hat_integral_inverse(hat_integral(2.5, s) - hat(2.0, s), s, q),
            inverse_slope: q,
        }
    }

    /// `hot_share` of requests go uniformly to keys `0..hot_keys`, the rest
    /// uniformly to `hot_keys..keys` (YCSB's hotspot); `1 <= hot_keys <= keys`,
    /// `0 <= hot_share <= 1`, and when `hot_keys == keys` all go uniformly.
    pub fn hotspot(keys: u64, hot_keys: u64, hot_share: f64) -> KeyDist {
        debug_assert!(1 <= hot_keys && hot_keys <= keys, "bad hot set");
        debug_assert!((0.0..=1.0).contains(&hot_share), "bad hot share");
        // With no cold keys every request must go to the hot set.
        let hot_share = if hot_keys == keys { 1.0 } else { hot_share };
        KeyDist::Hotspot {
            keys,
            hot_keys,
            hot_share,
        }
    }

    /// Draws a key, in O(1) whatever the number of keys.
    #[inline]
    pub fn sample(&self, stream: &mut Stream) -> u64 {
        match self {
            KeyDist::Uniform { keys } => stream.index(*keys as usize) as u64,
            KeyDist::Zipf {
                keys,
                exponent,
                integral_low,
                integral_high,
                squeeze,
                inverse_slope,
                ..
            } => {
                sample_zipf_rank(
                    stream,
                    *keys,
                    *exponent,
                    *integral_low,
                    *integral_high,
                    *squeeze,
                    *inverse_slope,
                ) - 1
            }
            KeyDist::Hotspot {
                keys,
                hot_keys,
                hot_share,
            } => {
                if stream.uniform() < *hot_share {
                    stream.index(*hot_keys as usize) as u64
                } else {
                    hot_keys + stream.index((keys - hot_keys) as usize) as u64
                }
            }
        }
    }

    /// Size of the key space.
    pub fn keys(&self) -> u64 {
        match self {
            KeyDist::Uniform { keys }
            | KeyDist::Zipf { keys, .. }
            | KeyDist::Hotspot { keys, .. } => *keys,
        }
    }

    /// Exact probability of `key` (0 outside the key space).
    pub fn probability(&self, key: u64) -> f64 {
        if key >= self.keys() {
            return 0.0;
        }
        match self {
            KeyDist::Uniform { keys } => 1.0 / *keys as f64,
            KeyDist::Zipf {
                exponent, harmonic, ..
            } => libm::pow((key + 1) as f64, -exponent) / harmonic,
            KeyDist::Hotspot {
                keys,
                hot_keys,
                hot_share,
            } => {
                if key < *hot_keys {
                    hot_share / *hot_keys as f64
                } else {
                    (1.0 - hot_share) / (keys - hot_keys) as f64
                }
            }
        }
    }

    /// Probability mass of the `n` most popular keys (`n` clamped to the key
    /// space): O(1), or O(n) for a Zipf with `n` <= 10^7.
    pub fn top_mass(&self, n: u64) -> f64 {
        let keys = self.keys();
        if n == 0 {
            return 0.0;
        }
        if n >= keys {
            // Exactly 1, not 1 plus the rounding of a sum.
            return 1.0;
        }
        match self {
            KeyDist::Uniform { keys } => n as f64 / *keys as f64,
            KeyDist::Zipf {
                exponent, harmonic, ..
            } => harmonic_number(n, *exponent) / harmonic,
            KeyDist::Hotspot {
                keys,
                hot_keys,
                hot_share,
            } => {
                let cold_keys = keys - hot_keys;
                let p_hot = hot_share / *hot_keys as f64;
                let p_cold = (1.0 - hot_share) / cold_keys as f64;
                // A small hot share over a big hot set makes cold keys the
                // popular ones: take whichever group is more popular per key.
                let (first, first_mass, p_first, p_second) = if p_hot >= p_cold {
                    (*hot_keys, *hot_share, p_hot, p_cold)
                } else {
                    (cold_keys, 1.0 - hot_share, p_cold, p_hot)
                };
                if n <= first {
                    n as f64 * p_first
                } else {
                    first_mass + (n - first) as f64 * p_second
                }
            }
        }
    }
}

/// A Zipf rank in `1..=keys` by rejection-inversion (see [`KeyDist::Zipf`]):
/// under 1.02 proposals per draw for exponents up to 10 (the most near 3),
/// each costing one `log1p` and one `exp` (only the `exp` at `s` = 1) unless
/// it lands on rank 1.
#[inline]
fn sample_zipf_rank(
    stream: &mut Stream,
    keys: u64,
    s: f64,
    integral_low: f64,
    integral_high: f64,
    squeeze: f64,
    inverse_slope: f64,
) -> u64 {
    loop {
        // Uniform on (integral_low, integral_high].
        let u = integral_high + stream.uniform() * (integral_low - integral_high);
        if u < integral_low + 1.0 {
            // Rank 1's stretch of the hat (12% of draws at s = 1.1 over 10^6
            // keys, 61% at s = 2): always accepted, and a comparison is
            // cheaper than inverting.
            return 1;
        }
        let x = hat_integral_inverse(u, s, inverse_slope);
        // `as` saturates (an infinite x from rounding at the top becomes
        // u64::MAX), and the clamp keeps rounding inside the ranks.
        let rank = ((x + 0.5) as u64).clamp(1, keys);
        let r = rank as f64;
        // The squeeze accepts about 98% of proposals without the exact
        // test's two extra evaluations.
        if r - x <= squeeze || u >= hat_integral(r + 0.5, s) - hat(r, s) {
            return rank;
        }
    }
}

/// The hat `h(x) = x^-s`, as `exp(-s ln x)`: half the cost of `libm::pow`.
#[inline]
fn hat(x: f64, s: f64) -> f64 {
    libm::exp(-s * libm::log(x))
}

/// `I(x) = ∫_1^x h = (x^(1-s) - 1) / (1-s)`, written `ln x · expm1(t) / t`
/// with `t = (1-s) ln x` so that it tends to `ln x` as `s` tends to 1.
#[inline]
fn hat_integral(x: f64, s: f64) -> f64 {
    let log_x = libm::log(x);
    expm1_over_x((1.0 - s) * log_x) * log_x
}

/// The inverse of [`hat_integral`]: `exp(log1p(t) / (1-s))` with
/// `t = (1-s) u`, given `q = 1 / (1-s)`.
#[inline]
fn hat_integral_inverse(u: f64, s: f64, q: f64) -> f64 {
    // For s > 1, I is bounded by 1/(s-1); rounding near that bound can push t
    // below -1, where log1p is undefined. At -1 the result is +inf, which
    // the caller clamps to the last rank.
    let t = (u * (1.0 - s)).max(-1.0);
    if t.abs() > 1e-8 {
        // Multiplying by q rather than dividing by t shortens the
        // dependency chain that bounds a draw's latency.
        libm::exp(libm::log1p(t) * q)
    } else {
        // At s = 1 (t = 0) q is undefined: log1p(t)/t by its series, times
        // u, which is as accurate wherever t is this small.
        libm::exp(log1p_over_x(t) * u)
    }
}

/// `log1p(x) / x` for `|x| <= 1e-8`, by its series: 1 - x/2 + x²/3 - x³/4
/// (the next term is below 1e-32).
#[inline]
fn log1p_over_x(x: f64) -> f64 {
    1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x))
}

/// `expm1(x) / x`, by its series near 0, where the quotient would lose
/// precision (and at 0, where it is 1: the `s` = 1 case).
#[inline]
fn expm1_over_x(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        libm::expm1(x) / x
    } else {
        // 1 + x/2 + x²/6 + x³/24.
        1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + 0.25 * x))
    }
}

/// The generalized harmonic number `H(n, s) = sum_{k=1..n} k^-s`.
fn harmonic_number(n: u64, s: f64) -> f64 {
    if n <= EXACT_HARMONIC_MAX {
        harmonic_exact(n, s)
    } else {
        harmonic_euler_maclaurin(n, s)
    }
}

/// `H(n, s)` term by term: smallest terms first with Kahan compensation, so
/// 10^7 terms lose well under 1e-15 relative.
fn harmonic_exact(n: u64, s: f64) -> f64 {
    let mut sum = 0.0f64;
    let mut carry = 0.0f64;
    for k in (1..=n).rev() {
        let y = libm::pow(k as f64, -s) - carry;
        let t = sum + y;
        carry = (t - sum) - y;
        sum = t;
    }
    sum
}

/// `H(n, s)` for `n` > [`EM_HEAD`]: the first terms exactly, the rest by
/// Euler–Maclaurin with six Bernoulli corrections (error far below 1e-15).
fn harmonic_euler_maclaurin(n: u64, s: f64) -> f64 {
    debug_assert!(n > EM_HEAD);
    let head = harmonic_exact(EM_HEAD - 1, s);
    let (m, nf) = (EM_HEAD as f64, n as f64);
    // Integral of x^-s over [m, n] = m^(1-s) (e^u - 1) / (1 - s) with
    // u = (1 - s) ln(n/m); expm1 keeps it accurate for s near 1.
    let ln_ratio = libm::log(nf / m);
    let u = (1.0 - s) * ln_ratio;
    let growth = if u == 0.0 { 1.0 } else { libm::expm1(u) / u };
    let integral = libm::pow(m, 1.0 - s) * ln_ratio * growth;
    let ends = (libm::pow(m, -s) + libm::pow(nf, -s)) / 2.0;
    // f^(2j-1)(x) = -(s)_(2j-1) x^(-s-2j+1), (s)_k the rising factorial.
    let mut dm = -s * libm::pow(m, -s - 1.0);
    let mut dn = -s * libm::pow(nf, -s - 1.0);
    let mut corrections = 0.0;
    for (j, c) in EM_COEFFS.iter().enumerate() {
        if j > 0 {
            let a = s + (2 * j - 1) as f64;
            let b = s + (2 * j) as f64;
            dm *= a * b / (m * m);
            dn *= a * b / (nf * nf);
        }
        corrections += c * (dn - dm);
    }
    head + integral + ends + corrections
}

/// SplitMix64's finalizer (Stafford's mix 13): a bijection with full
/// avalanche.
#[inline]
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The golden-ratio increment of SplitMix64.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// A well-mixed 64-bit hash of `key` under `salt`, for spreading keys over
/// cache nodes and shards: `key_hash(key, salt) % n` is close to uniform even
/// for sequential keys, and different salts give unrelated hashes.
#[inline]
pub fn key_hash(key: u64, salt: u64) -> u64 {
    // The key-th output of a SplitMix64 stream seeded from the mixed salt: a
    // sequence that passes BigCrush, so sequential keys spread well.
    mix64(mix64(salt.wrapping_add(GOLDEN)).wrapping_add(key.wrapping_add(1).wrapping_mul(GOLDEN)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// |z| bound per bin: P(|Z| > 4.5) = 6.8e-6, so with under 200 bins over
    /// all the cases a correct sampler fails with probability < 1.4e-3
    /// (Bonferroni); the seeds are fixed, so a pass is a pass for good.
    const Z_MAX: f64 = 4.5;

    /// Fewest expected draws in a tail bin: below it the normal
    /// approximation behind [`Z_MAX`] fails, so the rest of the tail is
    /// pooled into one bin.
    const MIN_EXPECTED: f64 = 100.0;

    /// Binomial z-score of `count` hits out of `draws` at probability `p`.
    fn z_score(count: u64, draws: u64, p: f64) -> f64 {
        let n = draws as f64;
        (count as f64 - n * p) / (n * p * (1.0 - p)).sqrt()
    }

    /// Pearson's chi-square statistic of `counts` against equal cells.
    fn chi_square_uniform(counts: &[u64]) -> f64 {
        let total: u64 = counts.iter().sum();
        let expected = total as f64 / counts.len() as f64;
        counts
            .iter()
            .map(|&c| (c as f64 - expected).powi(2) / expected)
            .sum()
    }

    /// Draws `draws` keys and checks the top 20 keys one by one and the tail
    /// in decades against `probability` and `top_mass`.
    fn check_zipf_frequencies(keys: u64, s: f64, draws: u64) {
        let d = KeyDist::zipf(keys, s);
        let mut stream = Stream::new(2024, "keys", "zipf");
        let top = 20u64.min(keys);
        let mut edges = vec![top];
        let mut e = 100u64;
        while e < keys && (1.0 - d.top_mass(e)) * draws as f64 >= MIN_EXPECTED {
            edges.push(e);
            e *= 10;
        }
        if top < keys {
            edges.push(keys);
        }
        let mut top_counts = vec![0u64; top as usize];
        let mut tail_counts = vec![0u64; edges.len().saturating_sub(1)];
        let start = std::time::Instant::now();
        for _ in 0..draws {
            let k = d.sample(&mut stream);
            assert!(k < keys, "key {k} outside 0..{keys}");
            if k < top {
                top_counts[k as usize] += 1;
            } else {
                tail_counts[edges.partition_point(|&e| e <= k) - 1] += 1;
            }
        }
        let ns = start.elapsed().as_nanos() as f64 / draws as f64;
        eprintln!("zipf keys={keys} s={s}: {draws} draws, {ns:.0} ns/draw");
        let mut chi2 = 0.0;
        let mut worst: f64 = 0.0;
        for (k, &c) in top_counts.iter().enumerate() {
            let p = d.probability(k as u64);
            let z = z_score(c, draws, p);
            chi2 += z * z * (1.0 - p);
            worst = worst.max(z.abs());
            if k < 3 {
                eprintln!(
                    "  key {k}: measured {:.6} expected {p:.6} z {z:+.2}",
                    c as f64 / draws as f64
                );
            }
            assert!(z.abs() < Z_MAX, "key {k}: {c} draws, p {p}, z {z}");
        }
        for (i, &c) in tail_counts.iter().enumerate() {
            let (lo, hi) = (edges[i], edges[i + 1]);
            let p = d.top_mass(hi) - d.top_mass(lo);
            let z = z_score(c, draws, p);
            chi2 += z * z * (1.0 - p);
            worst = worst.max(z.abs());
            eprintln!(
                "  keys {lo}..{hi}: measured {:.6} expected {p:.6} z {z:+.2}",
                c as f64 / draws as f64
            );
            assert!(z.abs() < Z_MAX, "keys {lo}..{hi}: {c} draws, p {p}, z {z}");
        }
        let cells = top_counts.len() + tail_counts.len();
        eprintln!(
            "  chi-square {chi2:.1} on {} df, worst |z| {worst:.2}",
            cells - 1
        );
    }

    #[test]
    fn zipf_frequencies_match_probabilities_small() {
        check_zipf_frequencies(1000, 0.8, 2_000_000);
    }

    #[test]
    fn zipf_frequencies_match_probabilities_million() {
        check_zipf_frequencies(1_000_000, 1.1, 2_000_000);
    }

    #[test]
    fn zipf_frequencies_match_probabilities_billion() {
        // 10^9 keys: H by Euler–Maclaurin, sampling still O(1).
        check_zipf_frequencies(1_000_000_000, 1.0, 2_000_000);
    }

    #[test]
    fn zipf_frequencies_match_probabilities_other_exponents() {
        // Below 1, exactly 1 with a small key space, and steep: the sampler's
        // s = 1 branch and both signs of 1 - s, where I is unbounded or not.
        check_zipf_frequencies(10_000, 0.5, 2_000_000);
        check_zipf_frequencies(1000, 1.0, 2_000_000);
        check_zipf_frequencies(1_000_000, 1.5, 2_000_000);
        check_zipf_frequencies(1000, 3.0, 2_000_000);
    }

    #[test]
    fn zipf_with_one_or_two_keys() {
        let one = KeyDist::zipf(1, 1.5);
        let mut stream = Stream::new(3, "keys", "zipf");
        for _ in 0..10_000 {
            assert_eq!(one.sample(&mut stream), 0);
        }
        assert_eq!(one.probability(0), 1.0);
        assert_eq!(one.top_mass(1), 1.0);
        // Two keys: the hat's two stretches and the clamp at the last rank.
        for s in [0.5, 1.0, 1.5, 3.0, 10.0] {
            check_zipf_frequencies(2, s, 2_000_000);
        }
    }

    #[test]
    fn zipf_draws_stay_in_range_at_extreme_parameters() {
        // A 10^12-key space, exponents at and within 1e-12 of 1 (the series
        // branches), and steep ones where I(keys + 1/2) rounds to its bound
        // 1/(s - 1), so the inversion can see t = -1 and return infinity.
        let mut stream = Stream::new(8, "keys", "zipf");
        for keys in [3u64, 1_000_000_000, 1_000_000_000_000] {
            for s in [0.01, 0.5, 1.0 - 1e-12, 1.0, 1.0 + 1e-12, 3.0, 10.0] {
                let d = KeyDist::zipf(keys, s);
                let mut top = 0u64;
                for _ in 0..20_000 {
                    let k = d.sample(&mut stream);
                    assert!(k < keys, "keys {keys} s {s}: key {k}");
                    top += u64::from(k == 0);
                }
                // Key 0's share: within 4.5 sd of 20 000 draws.
                let p = d.probability(0);
                let z = z_score(top, 20_000, p);
                assert!(
                    z.abs() < Z_MAX,
                    "keys {keys} s {s}: p {p}, {top} draws, z {z}"
                );
            }
        }
    }

    #[test]
    fn zipf_hat_integral_inverts() {
        // Across the series/libm switch at |t| = 1e-8 and on both sides of
        // s = 1, I⁻¹(I(x)) = x wherever I is well conditioned (x^(1-s) not
        // lost against 1).
        for s in [
            0.01,
            0.5,
            1.0 - 1e-9,
            1.0 - 1e-12,
            1.0,
            1.0 + 1e-12,
            1.0 + 1e-9,
            1.5,
            3.0,
            10.0,
        ] {
            let q = if s == 1.0 { 0.0 } else { 1.0 / (1.0 - s) };
            for x in [1.5, 2.5, 10.5, 1000.5, 1e6 + 0.5, 1e12 + 0.5] {
                if s > 1.0 && libm::exp((1.0 - s) * libm::log(x)) < 1e-3 {
                    continue;
                }
                let back = hat_integral_inverse(hat_integral(x, s), s, q);
                let rel = (back - x).abs() / x;
                assert!(rel < 1e-12, "s {s} x {x}: {back}, relative error {rel:e}");
            }
        }
    }

    #[test]
    fn zipf_squeeze_never_accepts_what_the_exact_test_rejects() {
        // A proposal x rounding to rank r >= 2 is accepted iff
        // x >= I⁻¹(I(r + 1/2) - h(r)); the squeeze accepts r - x <= squeeze,
        // so that threshold must not exceed r - squeeze (it equals it at r = 2).
        for s in [1e-6, 0.1, 0.5, 0.8, 1.0, 1.1, 1.5, 2.0, 3.0, 10.0] {
            let KeyDist::Zipf {
                squeeze,
                inverse_slope,
                ..
            } = KeyDist::zipf(1 << 20, s)
            else {
                unreachable!("a positive exponent gives a Zipf");
            };
            assert!(squeeze > 0.0 && squeeze <= 0.5, "s {s}: squeeze {squeeze}");
            let mut r = 2.0f64;
            // Only where I is well conditioned: for s > 1 it nears its bound
            // 1/(s-1) and the round trip loses digits (a fifth of a rank at
            // rank 2e5 for s = 3, whose ranks from there on carry 1e-11 of the
            // mass), which would test rounding rather than the squeeze.
            while r < 1e6 && (s <= 1.0 || libm::exp((1.0 - s) * libm::log(r)) >= 1e-3) {
                let threshold =
                    hat_integral_inverse(hat_integral(r + 0.5, s) - hat(r, s), s, inverse_slope);
                assert!(
                    threshold <= r - squeeze + 1e-12 * r,
                    "s {s} rank {r}: threshold {threshold}, squeeze {squeeze}"
                );
                r = (r * 1.5).ceil();
            }
        }
    }

    #[test]
    fn zipf_draws_are_pinned() {
        // Guards determinism: the draws depend only on IEEE arithmetic and
        // the pure-Rust libm, so these values hold on every machine. A change
        // here changes every user's results and must be deliberate.
        let fold = |keys: u64, s: f64| {
            let d = KeyDist::zipf(keys, s);
            let mut stream = Stream::new(1, "keys", "pinned");
            (0..10_000).fold(0u64, |h, _| mix64(h ^ d.sample(&mut stream)))
        };
        let got = [
            fold(1_000_000, 1.1),
            fold(1_000_000, 0.8),
            fold(1_000_000_000, 1.0),
            fold(1_000_000_000_000, 3.0),
        ];
        eprintln!("pinned zipf folds: {got:#018x?}");
        assert_eq!(got, PINNED_ZIPF);
    }

    const PINNED_ZIPF: [u64; 4] = [
        0x7081_5f06_6195_dc50,
        0x6c31_7302_fe43_ecd4,
        0x17cc_a0c9_d74f_16d2,
        0x76aa_6a08_785d_8bcf,
    ];

    #[test]
    fn zipf_probabilities_sum_to_one() {
        for (keys, s) in [(1000u64, 0.8), (1_000_000, 1.1), (100_000, 2.0), (1, 1.5)] {
            let d = KeyDist::zipf(keys, s);
            let total = harmonic_sum((0..keys).map(|k| d.probability(k)));
            eprintln!(
                "zipf keys={keys} s={s}: sum of probabilities - 1 = {:.2e}",
                total - 1.0
            );
            assert!((total - 1.0).abs() < 1e-12, "{total}");
            assert_eq!(d.probability(keys), 0.0);
            assert!(d.probability(0) > d.probability(keys - 1) || keys == 1);
        }
    }

    /// Kahan sum of an iterator, for checking sums of many small terms.
    fn harmonic_sum(terms: impl Iterator<Item = f64>) -> f64 {
        let (mut sum, mut carry) = (0.0f64, 0.0f64);
        for x in terms {
            let y = x - carry;
            let t = sum + y;
            carry = (t - sum) - y;
            sum = t;
        }
        sum
    }

    #[test]
    fn euler_maclaurin_matches_exact_sum_at_the_boundary() {
        let n = EXACT_HARMONIC_MAX;
        for s in [0.3, 0.8, 1.0, 1.1, 2.0, 10.0] {
            let exact = harmonic_exact(n, s);
            let em = harmonic_euler_maclaurin(n, s);
            let rel = (em - exact).abs() / exact;
            eprintln!("H(1e7, {s}): exact {exact:.15} EM {em:.15} relative difference {rel:.1e}");
            assert!(rel < 1e-9, "s={s}: {exact} vs {em}");
        }
    }

    #[test]
    fn euler_maclaurin_matches_reference_values() {
        // H(n, s) = zeta(s) - zeta(s, n + 1), by mpmath at 40 digits.
        let reference = [
            (1_000_000_000u64, 1.0, 21.300_481_502_347_944),
            (1_000_000_000_000, 1.0, 28.208_236_780_830_581),
            (1_000_000_000, 1.1, 9.325_523_053_219_59),
            (1_000_000_000_000, 0.8, 1_251.505_677_339_020_1),
            (100_000_000, 0.5, 19_998.539_695_491_19),
            (1_000_000_000_000, 10.0, 1.000_994_575_127_818_1),
            (10_000_000_000, 2.0, 1.644_934_066_748_226_4),
            (10_000_000, 1.1, 8.589_186_159_958_242),
        ];
        for (n, s, want) in reference {
            let got = harmonic_number(n, s);
            let rel = (got - want).abs() / want;
            eprintln!("H({n}, {s}) = {got:.15}, reference {want:.15}, relative error {rel:.1e}");
            // f64 rounding of a few hundred operations: 1e-13 is ample.
            assert!(rel < 1e-13, "H({n}, {s}) = {got}, want {want}");
        }
    }

    #[test]
    fn top_mass_is_cumulative_probability() {
        let d = KeyDist::zipf(1000, 0.8);
        let mut cumulative = 0.0;
        for k in 0..1000u64 {
            cumulative += d.probability(k);
            let tm = d.top_mass(k + 1);
            assert!(
                (tm - cumulative).abs() < 1e-12,
                "n={} {tm} {cumulative}",
                k + 1
            );
        }
        assert_eq!(d.top_mass(0), 0.0);
        assert_eq!(d.top_mass(1000), 1.0);
        assert_eq!(d.top_mass(u64::MAX), 1.0);
        // Across the exact/Euler–Maclaurin switch the step is one key's mass.
        let big = KeyDist::zipf(1_000_000_000, 1.0);
        let n = EXACT_HARMONIC_MAX;
        let step = big.top_mass(n + 1) - big.top_mass(n);
        let p = big.probability(n);
        eprintln!("zipf 1e9: top_mass step at 1e7 {step:.6e}, probability {p:.6e}");
        assert!((step - p).abs() < 1e-13, "{step} vs {p}");
        // 10% of 10^6 keys at s = 1 carry 84%: ln(n) + gamma approximates H(n, 1).
        let m = KeyDist::zipf(1_000_000, 1.0).top_mass(100_000);
        let want = (100_000f64.ln() + 0.577_215_664_9) / (1_000_000f64.ln() + 0.577_215_664_9);
        eprintln!("zipf 1e6 s=1: top 10% mass {m:.6}, approximation {want:.6}");
        assert!((m - want).abs() < 1e-5);
    }

    #[test]
    fn exponent_zero_is_uniform() {
        let z = KeyDist::zipf(1_000, 0.0);
        let u = KeyDist::uniform(1_000);
        assert!(matches!(z, KeyDist::Uniform { keys: 1_000 }));
        let (mut a, mut b) = (Stream::new(5, "k", "zipf"), Stream::new(5, "k", "zipf"));
        for _ in 0..10_000 {
            assert_eq!(z.sample(&mut a), u.sample(&mut b));
        }
        for k in [0, 1, 999] {
            assert_eq!(z.probability(k), 0.001);
        }
        assert_eq!(z.top_mass(250), 0.25);
    }

    #[test]
    fn uniform_covers_the_range_evenly() {
        let d = KeyDist::uniform(10);
        let mut stream = Stream::new(9, "keys", "uniform");
        let mut counts = [0u64; 10];
        for _ in 0..1_000_000 {
            counts[d.sample(&mut stream) as usize] += 1;
        }
        let chi2 = chi_square_uniform(&counts);
        eprintln!("uniform 10 keys: chi-square {chi2:.2} on 9 df, {counts:?}");
        // Chi-square(9): 1e-6 upper quantile 44.81.
        assert!(chi2 < 44.81, "{counts:?}");
        // A huge key space: every draw in range, the mean in the middle.
        let keys = 1_000_000_000_000u64;
        let d = KeyDist::uniform(keys);
        let draws = 1_000_000u64;
        let (mut sum, mut max) = (0.0, 0u64);
        for _ in 0..draws {
            let k = d.sample(&mut stream);
            assert!(k < keys);
            sum += k as f64;
            max = max.max(k);
        }
        let mean = sum / draws as f64 / keys as f64;
        // Mean of U(0,1) over 10^6 draws: sd 0.289/1000; 4.5 sd = 0.0013.
        eprintln!(
            "uniform 1e12 keys: mean/keys {mean:.5} (0.5), max/keys {:.7}",
            max as f64 / keys as f64
        );
        assert!((mean - 0.5).abs() < 0.0013, "{mean}");
        // P(max < (1 - 2e-5) keys) = (1 - 2e-5)^10^6 = e^-20.
        assert!(max as f64 > (1.0 - 2e-5) * keys as f64);
        assert_eq!(d.probability(0), 1e-12);
        assert_eq!(d.probability(keys), 0.0);
    }

    #[test]
    fn hotspot_shares_and_uniformity() {
        let (keys, hot, share) = (10_000u64, 100u64, 0.9);
        let d = KeyDist::hotspot(keys, hot, share);
        let mut stream = Stream::new(11, "keys", "hotspot");
        let draws = 1_000_000u64;
        let mut hot_counts = vec![0u64; hot as usize];
        let mut cold_counts = [0u64; 10];
        for _ in 0..draws {
            let k = d.sample(&mut stream);
            assert!(k < keys);
            if k < hot {
                hot_counts[k as usize] += 1;
            } else {
                cold_counts[((k - hot) * 10 / (keys - hot)) as usize] += 1;
            }
        }
        let hot_total: u64 = hot_counts.iter().sum();
        let z = z_score(hot_total, draws, share);
        eprintln!(
            "hotspot: hot share measured {:.5} expected {share} z {z:+.2}",
            hot_total as f64 / draws as f64
        );
        assert!(z.abs() < Z_MAX);
        let chi_hot = chi_square_uniform(&hot_counts);
        let chi_cold = chi_square_uniform(&cold_counts);
        eprintln!("hotspot: chi-square hot {chi_hot:.1} on 99 df, cold {chi_cold:.1} on 9 df");
        // 1e-6 upper quantiles: chi-square(99) 180.79, chi-square(9) 44.81.
        assert!(chi_hot < 180.79 && chi_cold < 44.81);
        assert!((d.probability(0) - 0.009).abs() < 1e-15);
        assert!((d.probability(hot) - 0.1 / 9_900.0).abs() < 1e-18);
        assert!((d.top_mass(50) - 0.45).abs() < 1e-12);
        assert!((d.top_mass(100) - 0.9).abs() < 1e-12);
        assert!((d.top_mass(5_050) - 0.95).abs() < 1e-12);
    }

    #[test]
    fn hotspot_edge_cases() {
        let mut stream = Stream::new(12, "keys", "hotspot");
        // All keys hot: uniform whatever the share said.
        let all = KeyDist::hotspot(50, 50, 0.3);
        let mut seen = [false; 50];
        for _ in 0..10_000 {
            seen[all.sample(&mut stream) as usize] = true;
        }
        // P(a key unseen in 10^4 draws) = (49/50)^10^4 < 1e-87.
        assert!(seen.iter().all(|&s| s));
        assert_eq!(all.probability(7), 0.02);
        assert_eq!(all.top_mass(25), 0.5);
        // A share of 0 or 1 never crosses over.
        let none = KeyDist::hotspot(1_000, 10, 0.0);
        let only = KeyDist::hotspot(1_000, 10, 1.0);
        for _ in 0..10_000 {
            assert!(none.sample(&mut stream) >= 10);
            assert!(only.sample(&mut stream) < 10);
        }
        // A small share over a big hot set: the cold keys are the popular
        // ones, and top_mass takes them first.
        let inverted = KeyDist::hotspot(100, 50, 0.1);
        assert!((inverted.top_mass(50) - 0.9).abs() < 1e-12);
        assert!((inverted.top_mass(60) - 0.92).abs() < 1e-12);
    }

    #[test]
    fn key_hash_spreads_sequential_keys() {
        for buckets in [7u64, 16] {
            for salt in [0u64, 1, 0xDEAD_BEEF] {
                let mut counts = vec![0u64; buckets as usize];
                for key in 0..1_000_000u64 {
                    counts[(key_hash(key, salt) % buckets) as usize] += 1;
                }
                let chi2 = chi_square_uniform(&counts);
                eprintln!(
                    "key_hash % {buckets}, salt {salt:#x}: chi-square {chi2:.2} on {} df",
                    buckets - 1
                );
                // Two-sided at 1e-6 per side: too even is as wrong as too
                // uneven (an identity hash gives chi-square ~0 here).
                // Chi-square(6): 0.0365..38.26; chi-square(15): 1.216..56.49.
                let (lo, hi) = if buckets == 7 {
                    (0.0365, 38.26)
                } else {
                    (1.216, 56.49)
                };
                assert!(
                    chi2 > lo && chi2 < hi,
                    "{buckets} buckets, salt {salt}: {counts:?}"
                );
            }
        }
    }

    #[test]
    fn key_hash_bits_are_balanced_and_salts_differ() {
        // Each output bit set for half of 2^16 sequential keys: sd 128, 4.5
        // sd = 576, over 64 bits (Bonferroni: failure < 5e-4).
        let n = 1u64 << 16;
        let mut ones = [0u64; 64];
        for key in 0..n {
            let h = key_hash(key, 3);
            for (b, count) in ones.iter_mut().enumerate() {
                *count += (h >> b) & 1;
            }
        }
        for (b, &c) in ones.iter().enumerate() {
            assert!((c as i64 - (n / 2) as i64).abs() < 576, "bit {b}: {c}");
        }
        // Another salt is another hash, and the same inputs the same hash.
        let same = (0..1000u64)
            .filter(|&k| key_hash(k, 1) == key_hash(k, 2))
            .count();
        assert_eq!(same, 0);
        assert_eq!(key_hash(42, 7), key_hash(42, 7));
    }
}
