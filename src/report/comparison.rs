//! The comparison of variants: one row per variant, the data of
//! `comparison.csv` (written by [`super::csv::comparison_csv`]) and of the
//! terminal's table ([`super::table::comparison_table`]).

use super::figures::Replicated;
use crate::model::Model;
use crate::simulation::RunResult;

/// One variant's headline figures.
#[derive(Clone, Debug, PartialEq)]
pub struct ComparisonRow {
    /// The variant.
    pub variant: String,
    /// The `all` row of its summary.
    pub all: crate::metrics::SummaryRow,
    /// The busiest component's mean utilisation after warm-up, and its name.
    pub max_utilization: Option<(f64, String)>,
    /// What the sized services cost per hour (the run's average).
    pub cost_per_hour: Option<f64>,
    /// What they cost over the whole run.
    pub cost_total: Option<f64>,
    /// Whether the variant autoscales (the terminal then shows the total).
    pub scaled: bool,
}

impl ComparisonRow {
    /// The row of one variant's run.
    pub fn new(model: &Model, result: &RunResult) -> ComparisonRow {
        let max_utilization = model
            .components
            .iter()
            .zip(&result.utilization)
            .filter_map(|(c, u)| u.map(|u| (u, c.name.clone())))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        ComparisonRow {
            variant: model.variant.clone(),
            all: result.summary.last().expect("an `all` row").clone(),
            max_utilization,
            cost_per_hour: result.cost_per_hour,
            cost_total: result.cost_total,
            scaled: !result.scaling.is_empty(),
        }
    }

    /// The row of a variant run several times: the means of its
    /// replications; `scaled` when it autoscales.
    pub fn of_replicated(variant: &str, runs: &Replicated, scaled: bool) -> ComparisonRow {
        ComparisonRow {
            variant: variant.to_string(),
            all: runs.mean_row(),
            max_utilization: runs.busiest(),
            cost_per_hour: runs.cost_per_hour,
            cost_total: runs.cost_total,
            scaled,
        }
    }

    /// Cost per million successful replies in time.
    pub fn cost_per_million(&self) -> Option<f64> {
        cost_per_million(self.cost_per_hour, self.all.goodput_rps)
    }
}

/// Dollars (or whatever `cost_per_hour` is in) per million successful replies
/// in time, at `goodput_rps`.
pub fn cost_per_million(cost_per_hour: Option<f64>, goodput_rps: f64) -> Option<f64> {
    let c = cost_per_hour?;
    (goodput_rps > 0.0).then(|| c / (goodput_rps * 3600.0) * 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_per_million_is_cost_over_served_millions() {
        // $3.60 an hour serving 1,000 req/s = 3.6 M req/hour: $1 per million.
        assert!((cost_per_million(Some(3.6), 1000.0).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(cost_per_million(None, 1000.0), None);
        assert_eq!(cost_per_million(Some(1.0), 0.0), None);
    }
}
