//! The figures of a configuration across its runs, as the reports render
//! them: each figure's mean with its 95% confidence interval, per request
//! class, and what the runs cost.
//!
//! These are plain data. Planning computes them from the runs' samples
//! (`Figure::of` in `planning/interval.rs`, `Replicated::of` and the
//! precision rule in `planning/replications.rs`); the reports only read
//! them, so that `report/` needs nothing from `planning/`.

use crate::engine::SimDuration;
use crate::metrics::SummaryRow;

/// A figure across runs: its mean and, with two runs or more, the 95%
/// confidence interval of that mean.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figure {
    /// Mean over the runs that have the figure.
    pub mean: f64,
    /// Lower end of the 95% interval; `None` from a single run.
    pub lo: Option<f64>,
    /// Upper end of the 95% interval; `None` from a single run.
    pub hi: Option<f64>,
    /// Half the width of the t interval before its ends were cut to the
    /// range the quantity can take (`lo` and `hi` are: a rate's within
    /// 0..1): the precision rule judges the interval the runs gave, which
    /// the cut would narrow. `None` from a single run.
    pub half: Option<f64>,
    /// Runs that had the figure (a run with no reply has no latency).
    pub n: u32,
}

impl Figure {
    /// Half the t interval's width (before the cut, see [`Figure::half`]);
    /// `None` from a single run.
    pub fn half_width(&self) -> Option<f64> {
        self.half
    }

    /// Whether the interval is within `precision` (a fraction) of the mean:
    /// its half-width at most `precision` x |mean|. A figure that is the same
    /// in every run (an error rate of 0) has a zero-width interval and is.
    pub fn within(&self, precision: f64) -> bool {
        self.half_width()
            .is_some_and(|h| h <= precision * self.mean.abs())
    }

    /// The upper end, or the mean from a single run.
    pub fn upper(&self) -> f64 {
        self.hi.unwrap_or(self.mean)
    }
}

/// One request class's figures across runs.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassFigures {
    /// Class name or `all`.
    pub class: String,
    /// Mean counts per run: requests, ok, rejected, timed out, failed.
    pub counts: [f64; 5],
    /// Errors over requests that ended.
    pub error_rate: Figure,
    /// Successful replies per second.
    pub throughput_rps: Figure,
    /// Successful replies in time per second.
    pub goodput_rps: Figure,
    /// Latency in milliseconds: mean, p50, p90, p99, p99.9, max (`None`
    /// when no run had a successful reply).
    pub latency_ms: [Option<Figure>; 6],
    /// Mean sessions lost per run (the `all` row of runs with sessions).
    pub sessions_lost: Option<f64>,
}

/// The figures of a configuration across its runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Replicated {
    /// Runs.
    pub runs: u32,
    /// One per request class, then `all`.
    pub classes: Vec<ClassFigures>,
    /// With data centers, one per origin (`origin:NAME`), in the model's
    /// order; empty without.
    pub origins: Vec<ClassFigures>,
    /// Mean cost per hour.
    pub cost_per_hour: Option<f64>,
    /// Mean cost of a run.
    pub cost_total: Option<f64>,
    /// Runs that missed the SLO in some window; `None` without an SLO.
    pub slo_breached_runs: Option<u32>,
    /// The warm-up (the same in every run).
    pub warmup: SimDuration,
    /// Per service, its mean utilisation across runs.
    pub utilization: Vec<(String, f64)>,
}

impl Replicated {
    /// The `all` row.
    pub fn all(&self) -> &ClassFigures {
        self.classes.last().expect("an `all` row")
    }

    /// The `all` row as one run's summary row: means rounded to a request
    /// and a nanosecond (for the comparison of variants).
    pub fn mean_row(&self) -> SummaryRow {
        let a = self.all();
        let ns = |f: Option<Figure>| f.map(|f| SimDuration((f.mean * 1e6).round() as u64));
        SummaryRow {
            class: a.class.clone(),
            requests: a.counts[0].round() as u64,
            ok: a.counts[1].round() as u64,
            rejected: a.counts[2].round() as u64,
            timed_out: a.counts[3].round() as u64,
            failed: a.counts[4].round() as u64,
            error_rate: a.error_rate.mean,
            throughput_rps: a.throughput_rps.mean,
            goodput_rps: a.goodput_rps.mean,
            latency_mean: ns(a.latency_ms[0]),
            latency: a.latency_ms[1..6]
                .iter()
                .map(|f| ns(*f))
                .collect::<Option<Vec<_>>>()
                .map(|v| [v[0], v[1], v[2], v[3], v[4]]),
            sessions_lost: a.sessions_lost.map(|n| n.round() as u64),
        }
    }

    /// The busiest service and its mean utilisation.
    pub fn busiest(&self) -> Option<(f64, String)> {
        self.utilization
            .iter()
            .map(|(n, u)| (*u, n.clone()))
            .max_by(|a, b| a.0.total_cmp(&b.0))
    }
}
