//! `warmup: auto`: the MSER-5 truncation rule (White, 1997; Franklin and
//! White, 2008). The output series is batched in means of 5 observations,
//! and the warm-up is the number of leading batches d that minimises the
//! marginal standard error of the mean of what is left,
//! MSER(d) = sum_{j>d} (Z_j - mean_d)^2 / (k - d)^2,
//! searched over the first half of the run only: a minimum in the second
//! half means the run never settled and is reported as such.

/// Observations per batch.
pub const BATCH: usize = 5;

/// What MSER-5 found in a series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Truncation {
    /// Leading observations to drop (a multiple of [`BATCH`]).
    pub drop: usize,
    /// Whether the minimum fell inside the first half of the series, as the
    /// rule requires; otherwise `drop` is the half-way point and the run is
    /// too short (or never settles) for its steady state to be measured.
    pub settled: bool,
}

/// MSER-5 over `series` (one value per window, in time order; a window
/// without a value carries the previous one so gaps do not shift batches).
/// `None` when the series has fewer than two batches.
pub fn mser5(series: &[Option<f64>]) -> Option<Truncation> {
    let mut last = series.iter().flatten().next().copied()?;
    let filled: Vec<f64> = series
        .iter()
        .map(|v| {
            if let Some(v) = v {
                last = *v;
            }
            last
        })
        .collect();
    let batches: Vec<f64> = filled
        .chunks_exact(BATCH)
        .map(|c| c.iter().sum::<f64>() / BATCH as f64)
        .collect();
    let k = batches.len();
    if k < 2 {
        return None;
    }
    // Suffix sums give every MSER(d) in one pass.
    let mut sum = 0.0;
    let mut sum_sq = 0.0;
    let mut mser = vec![0.0; k];
    for d in (0..k).rev() {
        sum += batches[d];
        sum_sq += batches[d] * batches[d];
        let n = (k - d) as f64;
        let ss = (sum_sq - sum * sum / n).max(0.0);
        mser[d] = ss / (n * n);
    }
    // Over the first half only: near the end MSER(d) is computed from a few
    // batches and falls towards 0 whatever the data, the rule's known
    // artefact. The first minimum wins ties, keeping as much as it can.
    let half = k / 2;
    let mut best = 0;
    for d in 1..=half {
        if mser[d] < mser[best] {
            best = d;
        }
    }
    // A minimum at the half-way bound means the series still drifts there.
    Some(Truncation {
        drop: best * BATCH,
        settled: best < half,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_series_keeps_everything() {
        let s: Vec<Option<f64>> = (0..100)
            .map(|i| Some(10.0 + (i % 7) as f64 * 0.1))
            .collect();
        let t = mser5(&s).unwrap();
        assert!(t.settled);
        assert!(t.drop <= 10, "{t:?}");
    }

    #[test]
    fn a_decaying_transient_is_cut_where_it_ends() {
        // 40 windows of a high level falling to steady state at 10, then
        // 360 windows of noise around 10.
        let mut x: u64 = 12345;
        let mut noise = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 2.0
        };
        let s: Vec<Option<f64>> = (0..400)
            .map(|i| {
                let base = if i < 40 { 50.0 - i as f64 } else { 10.0 };
                Some(base + noise())
            })
            .collect();
        let t = mser5(&s).unwrap();
        assert!(t.settled);
        assert!((40..=50).contains(&t.drop), "{t:?}");
    }

    #[test]
    fn a_series_that_never_settles_says_so() {
        let s: Vec<Option<f64>> = (0..100).map(|i| Some(i as f64)).collect();
        let t = mser5(&s).unwrap();
        assert!(!t.settled);
        assert_eq!(t.drop, 50);
    }

    #[test]
    fn gaps_carry_the_last_value_and_short_series_have_none() {
        assert_eq!(mser5(&[Some(1.0); 9]), None);
        assert_eq!(mser5(&[None; 20]), None);
        let mut s = vec![Some(1.0); 30];
        s[3] = None;
        assert!(mser5(&s).unwrap().settled);
    }
}
