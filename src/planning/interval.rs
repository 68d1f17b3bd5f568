//! Confidence intervals across independent runs: the Student t interval of
//! a mean, which is what replications of a simulation call for (a handful of
//! independent, roughly normal run means).

/// Two-sided 95% quantiles of Student's t, t(0.975, df), for df 1 to 30.
const T975: [f64; 30] = [
    12.706_204_7,
    4.302_652_7,
    3.182_446_3,
    2.776_445_1,
    2.570_581_8,
    2.446_911_9,
    2.364_624_3,
    2.306_004_1,
    2.262_157_2,
    2.228_138_9,
    2.200_985_2,
    2.178_812_8,
    2.160_368_7,
    2.144_786_7,
    2.131_449_5,
    2.119_905_3,
    2.109_815_5,
    2.100_922_0,
    2.093_024_1,
    2.085_963_4,
    2.079_613_8,
    2.073_873_1,
    2.068_657_6,
    2.063_898_6,
    2.059_538_6,
    2.055_529_4,
    2.051_830_5,
    2.048_407_1,
    2.045_229_6,
    2.042_272_5,
];

/// t(0.975, df): the table up to 30 degrees of freedom, then the
/// Cornish-Fisher expansion around the normal quantile (error under 1e-6).
pub fn t975(df: u32) -> f64 {
    if df == 0 {
        return f64::INFINITY;
    }
    if let Some(&t) = T975.get(df as usize - 1) {
        return t;
    }
    let z = 1.959_963_984_540_054_f64;
    let v = df as f64;
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v * v * v)
}

/// The figure type lives with the reports that render it; its statistics
/// are computed here.
pub use crate::report::figures::Figure;

impl Figure {
    /// The mean and t interval of `values`; `None` when there are none.
    /// The sum runs in the order given, so the same values in the same
    /// order give the same bits.
    pub fn of(values: &[f64]) -> Option<Figure> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        if n == 1 {
            return Some(Figure {
                mean,
                lo: None,
                hi: None,
                half: None,
                n: 1,
            });
        }
        let var = values.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
        let half = t975(n as u32 - 1) * (var / n as f64).sqrt();
        let (lo, hi) = (mean - half, mean + half);
        Some(Figure {
            mean,
            lo: Some(lo),
            hi: Some(hi),
            // As the width was measured before the ends could be cut, so
            // that the precision rule stops at the same run it always did.
            half: Some((hi - lo) / 2.0),
            n: n as u32,
        })
    }

    /// [`Figure::of`] with the interval's ends cut to `floor..=ceiling`,
    /// the values the quantity can take: the t interval of a mean near a
    /// bound reaches past it (an error rate of 0 in all but one run gives
    /// a negative `lo`), which no run could have measured.
    pub fn of_within(values: &[f64], floor: f64, ceiling: f64) -> Option<Figure> {
        Figure::of(values).map(|f| Figure {
            lo: f.lo.map(|x| x.clamp(floor, ceiling)),
            hi: f.hi.map(|x| x.clamp(floor, ceiling)),
            ..f
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_meet_the_table_and_the_normal() {
        assert_eq!(t975(1), 12.706_204_7);
        assert!((t975(30) - 2.042_272_5).abs() < 1e-9);
        // Known values: t(0.975, 40) = 2.021075, 60: 2.000298, 120: 1.979930.
        for (df, t) in [
            (31, 2.039_513_4),
            (40, 2.021_075_4),
            (60, 2.000_297_8),
            (120, 1.979_930_4),
        ] {
            assert!((t975(df) - t).abs() < 2e-6, "df {df}: {} vs {t}", t975(df));
        }
        assert!((t975(1_000_000) - 1.959_964).abs() < 1e-5);
    }

    #[test]
    fn interval_of_known_values() {
        let f = Figure::of(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(f.mean, 2.5);
        // s = 1.290994, se = 0.645497, t(3) = 3.182446.
        let h = 3.182_446_3 * (5.0f64 / 3.0 / 4.0).sqrt();
        assert!((f.half_width().unwrap() - h).abs() < 1e-9);
        let one = Figure::of(&[7.0]).unwrap();
        assert_eq!((one.lo, one.hi, one.upper()), (None, None, 7.0));
        assert!(!one.within(0.5));
        assert!(Figure::of(&[0.0, 0.0, 0.0]).unwrap().within(0.05));
        assert!(Figure::of(&[]).is_none());
    }

    #[test]
    fn a_cut_interval_keeps_its_width_for_the_precision_rule() {
        // One error in four runs: the t interval runs from below 0.
        let values = [0.0, 0.0, 0.0, 0.004];
        let raw = Figure::of(&values).unwrap();
        assert!(raw.lo.unwrap() < 0.0);
        let cut = Figure::of_within(&values, 0.0, 1.0).unwrap();
        assert_eq!(cut.lo, Some(0.0));
        assert_eq!(cut.hi, raw.hi);
        assert_eq!(cut.half_width(), raw.half_width());
        assert_eq!(cut.mean, raw.mean);
        let high = Figure::of_within(&[1.0, 1.0, 0.9], 0.0, 1.0).unwrap();
        assert_eq!(high.hi, Some(1.0));
        assert!(high.lo.unwrap() < 1.0);
    }
}
