//! The comparison of variants: one row per variant, as `comparison.csv` and
//! as a table on the terminal.

use std::io;

use super::csv::{fixed, ms};
use super::table::layout;
use crate::model::Model;
use crate::simulation::RunResult;

/// Columns of `comparison.csv`.
pub const COMPARISON_COLUMNS: &[&str] = &[
    "variant",
    "requests",
    "error_rate",
    "throughput_rps",
    "goodput_rps",
    "latency_p50_ms",
    "latency_p90_ms",
    "latency_p99_ms",
    "latency_p999_ms",
    "max_utilization",
    "busiest",
    "cost_per_hour",
    "cost_per_million",
    "cost_total",
];

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

fn quantile(r: &ComparisonRow, i: usize) -> String {
    r.all.latency.map(|q| ms(q[i])).unwrap_or_default()
}

/// `comparison.csv` as bytes.
pub fn comparison_csv(rows: &[ComparisonRow]) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COMPARISON_COLUMNS)?;
    for r in rows {
        let (util, busiest) = match &r.max_utilization {
            Some((u, name)) => (fixed(*u, 4), name.clone()),
            None => (String::new(), String::new()),
        };
        w.write_record([
            r.variant.as_str(),
            &r.all.requests.to_string(),
            &fixed(r.all.error_rate, 6),
            &fixed(r.all.throughput_rps, 3),
            &fixed(r.all.goodput_rps, 3),
            &quantile(r, 0),
            &quantile(r, 1),
            &quantile(r, 2),
            &quantile(r, 3),
            &util,
            &busiest,
            &r.cost_per_hour.map(|c| fixed(c, 4)).unwrap_or_default(),
            &r.cost_per_million()
                .map(|c| fixed(c, 4))
                .unwrap_or_default(),
            &r.cost_total.map(|c| fixed(c, 4)).unwrap_or_default(),
        ])?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// The comparison as a terminal table.
pub fn comparison_table(rows: &[ComparisonRow]) -> String {
    let mut cells = vec![
        [
            "variant", "requests", "errors", "good/s", "p50", "p90", "p99", "p99.9 ms", "busiest",
            "$/hour", "$/M req",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>(),
    ];
    for r in rows {
        cells.push(vec![
            r.variant.clone(),
            r.all.requests.to_string(),
            format!("{}%", fixed(r.all.error_rate * 100.0, 2)),
            fixed(r.all.goodput_rps, 1),
            short_ms(r, 0),
            short_ms(r, 1),
            short_ms(r, 2),
            short_ms(r, 3),
            r.max_utilization
                .as_ref()
                .map(|(u, n)| format!("{n} {}%", fixed(u * 100.0, 1)))
                .unwrap_or_else(|| "-".into()),
            r.cost_per_hour
                .map(|c| format!("{c:.2}"))
                .unwrap_or_else(|| "-".into()),
            r.cost_per_million()
                .map(|c| format!("{c:.3}"))
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    // The run's total only where a variant autoscales: elsewhere it is the
    // hourly figure times the run's length.
    if rows.iter().any(|r| r.scaled) {
        cells[0].push("$ total".into());
        for (row, r) in cells[1..].iter_mut().zip(rows) {
            row.push(
                r.cost_total
                    .map(|c| format!("{c:.2}"))
                    .unwrap_or_else(|| "-".into()),
            );
        }
    }
    layout(&cells)
}

fn short_ms(r: &ComparisonRow, i: usize) -> String {
    super::table::ms(r.all.latency.map(|q| q[i]))
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
