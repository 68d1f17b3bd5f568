//! The points of a sweep or a plan as the reports show them: `sweep.csv`
//! and `plan.csv` (in [`super::csv`]), the terminal table (in
//! [`super::table`]) and the plots against each key (in [`super::plots`]),
//! all from the same rows, filled by the command that ran the points.

use super::figures::{Figure, Replicated};
use super::plots::sweep as plot;

/// One point of the grid, as run.
#[derive(Clone, Debug, PartialEq)]
pub struct PointRow<'a> {
    /// Its value of each varied key, as typed.
    pub values: Vec<String>,
    /// Its figures across replications; `None` when a run was overloaded
    /// without bound.
    pub figures: Option<&'a Replicated>,
    /// Runs it kept.
    pub runs: u32,
    /// Whether the upper ends of its intervals meet the objective; `None`
    /// without an objective.
    pub meets: Option<bool>,
    /// Whether it is the plan's choice (never in a sweep).
    pub chosen: bool,
}

/// The points of a sweep or a plan, in grid order.
#[derive(Clone, Debug, PartialEq)]
pub struct Points<'a> {
    /// The varied keys, in the grid's order.
    pub keys: Vec<String>,
    /// The points run (a plan runs only some of the grid).
    pub rows: Vec<PointRow<'a>>,
    /// Whether there is an objective to meet (a `meets` column).
    pub objective: bool,
    /// Whether a plan chose among them (a `chosen` column, and the plots
    /// tell the points that meet from those that miss).
    pub plan: bool,
}

impl Points<'_> {
    /// The plots' view of the points: means and intervals of p99 and error
    /// rate, cost, and in a plan whether each meets the objective.
    pub fn plot_points(&self) -> Vec<plot::SweepPoint> {
        let fig = |f: Figure| plot::Figure {
            mean: f.mean,
            lo: f.lo.unwrap_or(f.mean),
            hi: f.hi.unwrap_or(f.mean),
        };
        self.rows
            .iter()
            .map(|p| {
                let r = p.figures;
                plot::SweepPoint {
                    values: p.values.clone(),
                    p99_ms: r.and_then(|r| r.all().latency_ms[3]).map(fig),
                    error_rate: r.map(|r| fig(r.all().error_rate)),
                    cost_per_hour: r.and_then(|r| r.cost_per_hour),
                    meets: if self.plan { p.meets } else { None },
                    chosen: p.chosen,
                }
            })
            .collect()
    }
}
