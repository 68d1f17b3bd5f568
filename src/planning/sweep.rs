//! The grid of a sweep: `--vary KEY=LIST` axes (any key path `--set`
//! takes), their values, the points of every combination, and running a
//! point's replications.
//!
//! A point is the scenario with one `--set` per varied key. Replication k of
//! every point has the same seed (common random numbers), so neighbouring
//! points differ by their configuration, not by their luck.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::objective::Objective;
use super::replications::{Replicated, Sample, Share, replication_model, run_series, runs_needed};
use super::warmup::find_warmup;
use crate::metrics::NullSink;
use crate::model::{Model, Replications};
use crate::report::plots::sweep::SweepAxis;
use crate::report::points::{PointRow, Points};
use crate::scenario::{self, LoadOptions};
use crate::simulation::{RunError, Simulation};

/// Most points a sweep or a plan may span.
pub const MAX_POINTS: usize = 10_000;

/// One varied key.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The key path, as `--set` takes it (`components.web.instances`).
    pub key: String,
    /// Its values as typed (YAML, like `--set`'s).
    pub values: Vec<String>,
    /// Whether the values are an integer range `lo..hi`: a count that
    /// figures are monotone in, which `plan` bisects.
    pub range: bool,
}

impl Axis {
    /// Reads `KEY=a,b,c` or `KEY=lo..hi` (integers, inclusive).
    pub fn parse(text: &str) -> Result<Axis, String> {
        let Some((key, list)) = text.split_once('=') else {
            return Err(format!(
                "`{text}` is not `KEY=LIST`: write `components.web.instances=2..12` or `components.web.size=large,xlarge`"
            ));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(format!("`{text}` has no key before `=`"));
        }
        let list = list.trim();
        if let Some((lo, hi)) = list.split_once("..") {
            let lo: i64 = lo
                .trim()
                .parse()
                .map_err(|_| format!("`{list}`: a range is two integers, such as `2..12`"))?;
            let hi: i64 = hi
                .trim()
                .parse()
                .map_err(|_| format!("`{list}`: a range is two integers, such as `2..12`"))?;
            if lo > hi {
                return Err(format!(
                    "`{list}`: the range is empty ({lo} is more than {hi})"
                ));
            }
            if (hi - lo) as usize >= MAX_POINTS {
                return Err(format!("`{list}`: more than {MAX_POINTS} values"));
            }
            return Ok(Axis {
                key: key.to_string(),
                values: (lo..=hi).map(|v| v.to_string()).collect(),
                range: true,
            });
        }
        let values: Vec<String> = list.split(',').map(|v| v.trim().to_string()).collect();
        if values.iter().any(String::is_empty) {
            return Err(format!("`{list}`: an empty value in the list"));
        }
        let mut seen = values.clone();
        seen.sort();
        seen.dedup();
        if seen.len() != values.len() {
            return Err(format!("`{list}`: a value is listed twice"));
        }
        Ok(Axis {
            key: key.to_string(),
            values,
            range: false,
        })
    }

    /// The `--set` of value `i`.
    pub fn set(&self, i: usize) -> String {
        format!("{}={}", self.key, self.values[i])
    }
}

/// Checks a grid: distinct keys, at most [`MAX_POINTS`] points.
pub fn check_grid(axes: &[Axis]) -> Result<usize, String> {
    for (i, a) in axes.iter().enumerate() {
        if axes[..i].iter().any(|b| b.key == a.key) {
            return Err(format!("`--vary {}` is given twice", a.key));
        }
    }
    let mut n: usize = 1;
    for a in axes {
        n = n.saturating_mul(a.values.len());
    }
    if n > MAX_POINTS {
        return Err(format!(
            "{n} points: a grid of at most {MAX_POINTS} points is allowed"
        ));
    }
    Ok(n)
}

/// Every point of the grid, as value indices, the last axis varying fastest.
pub fn points(axes: &[Axis]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new()];
    for a in axes {
        let mut next = Vec::with_capacity(out.len() * a.values.len());
        for p in &out {
            for i in 0..a.values.len() {
                let mut q = p.clone();
                q.push(i);
                next.push(q);
            }
        }
        out = next;
    }
    out
}

/// The index of a point in [`points`]' order.
pub fn point_index(axes: &[Axis], point: &[usize]) -> usize {
    axes.iter()
        .zip(point)
        .fold(0, |acc, (a, &i)| acc * a.values.len() + i)
}

/// The axes as the plots take them.
pub fn plot_axes(axes: &[Axis]) -> Vec<SweepAxis> {
    axes.iter()
        .map(|a| SweepAxis {
            key: a.key.clone(),
            values: a.values.clone(),
        })
        .collect()
}

/// Replications per point when neither the file nor `--replications` says:
/// enough for an interval.
pub const DEFAULT_REPLICATIONS: u32 = 5;

/// Loads the scenario with the point's `--set`s; `replications` (else the
/// file's, else [`DEFAULT_REPLICATIONS`]) runs each.
pub fn point_model(
    file: &Path,
    base: &LoadOptions,
    axes: &[Axis],
    at: &[usize],
    replications: Option<u32>,
) -> Result<Model, scenario::LoadFailure> {
    let mut opts = base.clone();
    opts.sets
        .extend(axes.iter().zip(at).map(|(a, &i)| a.set(i)));
    let mut m = scenario::load_file(file, &opts)?.remove(0);
    if let Some(n) = replications {
        m.replications = Replications {
            min: n,
            max: n,
            precision: None,
        };
    } else if m.replications.max < 2 {
        m.replications = Replications {
            min: DEFAULT_REPLICATIONS,
            max: DEFAULT_REPLICATIONS,
            precision: None,
        };
    }
    Ok(m)
}

/// One point's runs.
#[derive(Clone, Debug)]
pub struct Point {
    /// Value indices.
    pub at: Vec<usize>,
    /// Samples in replication order (its share of them in a share).
    pub samples: Vec<Sample>,
}

impl Point {
    /// Its figures; `None` when a run was overloaded without bound.
    pub fn figures(&self) -> Option<Replicated> {
        if self.samples.is_empty() || self.samples.iter().any(Sample::unbounded) {
            None
        } else {
            Some(Replicated::of(&self.samples))
        }
    }
}

/// Runs a point's replications (its share of them; `offset` numbers them
/// among all the share splits): an overloaded run is a sample without
/// figures, not an error.
pub fn run_point(
    model: &Model,
    share: Option<Share>,
    offset: u64,
    stop: &AtomicBool,
) -> Result<Vec<Sample>, RunError> {
    let mut model = model.clone();
    if model.warmup_auto {
        model.warmup = find_warmup(&model, stop)?.warmup;
    }
    run_series(&model.replications, share, offset, |k| {
        let m = replication_model(&model, k);
        match Simulation::new(&m).run(&mut NullSink, &mut |_, _| !stop.load(Ordering::Relaxed)) {
            Ok(r) => Ok(Sample::of_run(k, &m, &r)),
            Err(RunError::Unbounded(_)) => Ok(Sample::unbounded_run(k, m.seed, m.warmup)),
            Err(e) => Err(e),
        }
    })
}

/// A point as its outputs show it.
#[derive(Clone, Debug, PartialEq)]
pub struct PointFigures {
    /// Value indices.
    pub at: Vec<usize>,
    /// Its figures; `None` when a run was overloaded without bound.
    pub figures: Option<Replicated>,
    /// Runs it kept.
    pub runs: u32,
}

/// Each point's figures from the samples [`runs_needed`] keeps under
/// `spec_of(i)`, the replications of point `i`.
pub fn summarise(points: &[Point], spec_of: &dyn Fn(usize) -> Replications) -> Vec<PointFigures> {
    points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let spec = spec_of(i);
            let mut samples = p.samples.clone();
            if !samples.iter().any(Sample::unbounded) {
                let keep = runs_needed(&samples, &spec);
                samples.truncate(keep);
            }
            let point = Point {
                at: p.at.clone(),
                samples,
            };
            PointFigures {
                at: p.at.clone(),
                figures: point.figures(),
                runs: point.samples.len() as u32,
            }
        })
        .collect()
}

/// The rows the reports show: each point's values and figures, whether it
/// meets `objective`, and in a plan (`chosen` given, empty when nothing
/// met it) whether it is the choice.
pub fn report_points<'a>(
    axes: &[Axis],
    pts: &'a [PointFigures],
    objective: Option<Objective>,
    chosen: Option<&[usize]>,
) -> Points<'a> {
    Points {
        keys: axes.iter().map(|a| a.key.clone()).collect(),
        rows: pts
            .iter()
            .map(|p| PointRow {
                values: axes
                    .iter()
                    .zip(&p.at)
                    .map(|(a, &i)| a.values[i].clone())
                    .collect(),
                figures: p.figures.as_ref(),
                runs: p.runs,
                meets: objective.map(|o| p.figures.as_ref().is_some_and(|r| o.met_by(r))),
                chosen: chosen.is_some_and(|c| c == p.at.as_slice()),
            })
            .collect(),
        objective: objective.is_some(),
        plan: chosen.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_ranges() {
        let a = Axis::parse("components.web.instances=2..5").unwrap();
        assert_eq!(a.values, ["2", "3", "4", "5"]);
        assert!(a.range);
        let b = Axis::parse("components.web.size = large, xlarge").unwrap();
        assert_eq!(
            (b.key.as_str(), b.values.len(), b.range),
            ("components.web.size", 2, false)
        );
        assert_eq!(b.set(1), "components.web.size=xlarge");
        for bad in ["nokey", "=1,2", "k=5..2", "k=a..b", "k=1,,2", "k=1,1"] {
            assert!(Axis::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_grid_is_every_combination_in_order() {
        let axes = [
            Axis::parse("a=1..3").unwrap(),
            Axis::parse("b=x,y").unwrap(),
        ];
        let p = points(&axes);
        assert_eq!(p.len(), 6);
        assert_eq!(p[1], [0, 1]);
        for (i, q) in p.iter().enumerate() {
            assert_eq!(point_index(&axes, q), i);
        }
        assert!(check_grid(&[axes[0].clone(), axes[0].clone()]).is_err());
        assert_eq!(check_grid(&axes), Ok(6));
    }
}
