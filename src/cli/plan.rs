//! `capsim plan`: the cheapest point of a grid whose 95% intervals meet the
//! objective, by bisection of the last range from the analytic estimate
//! (`planning::plan`); `plan.csv` and the plots of the points it tried,
//! then the choice and its margin on the terminal.

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use super::args::PlanArgs;
use super::exit::{EXIT_INTERRUPTED, EXIT_IO, EXIT_SLO_BREACHED};
use super::grid::{Prepared, prepare};
use super::options::stop_on_interrupt;
use super::outputs::GridOutputs;
use super::run::commit;
use super::transaction::shown;
use crate::planning::objective::Objective;
use crate::planning::plan::{Guess, Verdict, analytic_guess, search};
use crate::planning::sweep::{Axis, Point, PointFigures, point_index, report_points, run_point};
use crate::report::format::fixed;
use crate::report::table::points_table;
use crate::simulation::RunError;

/// Each combination of the other axes the bisection started at, and the
/// estimate's guess there.
type Guesses = Vec<(Vec<usize>, Option<Guess>)>;

/// What a plan's search found.
struct Searched {
    /// The cheapest point that meets the objective, if any does.
    chosen: Option<Vec<usize>>,
    /// The points tried, in grid order.
    pts: Vec<PointFigures>,
    /// Where the estimate started the bisections.
    guesses: Guesses,
}

/// `capsim plan`.
pub fn plan(args: &PlanArgs) -> ExitCode {
    let (p, tx) = match prepare(&args.grid, "plan", true) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let objective = p.objective.expect("`prepare` requires one for a plan");
    let stop = stop_on_interrupt();
    let started = std::time::Instant::now();
    let Searched {
        chosen,
        pts,
        guesses,
    } = match search_grid(&p, objective, &stop) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let outputs = GridOutputs { dir: p.dir.clone() };
    let written = outputs.write_plan(
        &p.name,
        &p.axes,
        &pts,
        objective,
        chosen.as_deref().unwrap_or(&[]),
    );
    if let Err(e) = written {
        eprintln!(
            "error: writing to `{}` failed: {e}\nnothing was written: the earlier outputs are as they were",
            shown(&p.dir).display()
        );
        return ExitCode::from(EXIT_IO);
    }
    if let Err(code) = commit(tx, &p.dir) {
        return code;
    }
    if !args.quiet {
        print_plan(&p, objective, &pts, chosen.as_deref(), &guesses, started);
    }
    // The exit status tells the verdict, quiet or not.
    if chosen.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_SLO_BREACHED)
    }
}

/// The terminal's account of a plan: the points tried, the objective, where
/// the estimate started, and the choice (or that none meets it).
fn print_plan(
    p: &Prepared,
    objective: Objective,
    pts: &[PointFigures],
    chosen: Option<&[usize]>,
    guesses: &Guesses,
    started: std::time::Instant,
) {
    let points = report_points(&p.axes, pts, Some(objective), Some(chosen.unwrap_or(&[])));
    print!("{}", points_table(&p.name, &points));
    println!(
        "\nobjective: {} (upper ends of the 95% intervals); tried {} of {} points in {:.1} s",
        objective.describe(),
        pts.len(),
        p.grid.len(),
        started.elapsed().as_secs_f64()
    );
    let bisected = p.axes.iter().rposition(|a| a.range);
    if let Some(b) = bisected {
        print_guesses(&p.axes, b, guesses);
    }
    let Some(c) = chosen else {
        println!("no configuration tried meets the objective: widen the ranges");
        println!("wrote {}/", shown(&p.dir).display());
        return;
    };
    print_choice(&p.axes, bisected, pts, &objective, c);
    println!("wrote {}/plan.csv", shown(&p.dir).display());
}

/// Searches the grid: the points tried with their figures (in grid order),
/// the choice, and the analytic guesses the bisections started from. A run
/// that fails stops the search and exits.
fn search_grid(
    p: &Prepared,
    objective: Objective,
    stop: &AtomicBool,
) -> Result<Searched, ExitCode> {
    let model_at = |at: &[usize]| &p.models[point_index(&p.axes, at)];
    let bisected = p.axes.iter().rposition(|a| a.range);
    let mut guesses: Guesses = Vec::new();
    let mut start = |combo: &[usize]| -> Option<usize> {
        let b = bisected?;
        let along = (0..p.axes[b].values.len()).map(|i| {
            let mut at = combo.to_vec();
            at[b] = i;
            model_at(&at)
        });
        let guess = analytic_guess(along, &objective);
        guesses.push((combo.to_vec(), guess));
        guess.map(|g| g.index)
    };
    let mut failed: Option<RunError> = None;
    let mut figures: Vec<PointFigures> = Vec::new();
    let mut evaluate = |at: &[usize]| -> Verdict {
        let miss = Verdict {
            meets: false,
            cost: None,
        };
        if failed.is_some() {
            return miss;
        }
        match run_point(model_at(at), None, 0, stop) {
            Ok(samples) => {
                let point = Point {
                    at: at.to_vec(),
                    samples,
                };
                let r = point.figures();
                let v = Verdict {
                    meets: r.as_ref().is_some_and(|r| objective.met_by(r)),
                    cost: r.as_ref().and_then(|r| r.cost_per_hour),
                };
                figures.push(PointFigures {
                    at: at.to_vec(),
                    figures: r,
                    runs: point.samples.len() as u32,
                });
                v
            }
            Err(e) => {
                failed = Some(e);
                miss
            }
        }
    };
    let found = search(&p.axes, &mut start, &mut evaluate);
    match failed {
        Some(RunError::Interrupted) => {
            eprintln!(
                "interrupted: nothing was written to `{}`",
                shown(&p.dir).display()
            );
            return Err(ExitCode::from(EXIT_INTERRUPTED));
        }
        Some(e) => {
            eprintln!("error: {e}");
            return Err(ExitCode::from(EXIT_IO));
        }
        None => {}
    }
    figures.sort_by_key(|f| point_index(&p.axes, &f.at));
    Ok(Searched {
        chosen: found.chosen,
        pts: figures,
        guesses,
    })
}

/// Where the estimate started each bisection of axis `b`, and why.
fn print_guesses(axes: &[Axis], b: usize, guesses: &Guesses) {
    for (combo, g) in guesses {
        let others: Vec<String> = axes
            .iter()
            .zip(combo)
            .enumerate()
            .filter(|(i, _)| *i != b)
            .map(|(_, (a, &i))| format!("{}={}", a.key, a.values[i]))
            .collect();
        let at = if others.is_empty() {
            String::new()
        } else {
            format!(" at {}", others.join(", "))
        };
        let (key, values) = (&axes[b].key, &axes[b].values);
        match g {
            Some(Guess {
                index,
                meets_p99: true,
            }) => println!(
                "analytic estimate{at}: {key}={} is the fewest that meets p99",
                values[*index]
            ),
            Some(Guess {
                index,
                meets_p99: false,
            }) => println!(
                "analytic estimate{at}: no value of {key} meets p99, {key}={} is the fewest below saturation: started there",
                values[*index]
            ),
            None => println!(
                "analytic estimate{at}: every value of {key} is saturated: started mid-range"
            ),
        }
    }
}

/// The choice, its margin to the objective, and the point with one fewer
/// of the bisected count, which misses it.
fn print_choice(
    axes: &[Axis],
    bisected: Option<usize>,
    pts: &[PointFigures],
    objective: &Objective,
    c: &[usize],
) {
    let chosen = pts
        .iter()
        .find(|p| p.at == c)
        .expect("the chosen point was tried");
    let r = chosen
        .figures
        .as_ref()
        .expect("a point that meets has figures");
    let a = r.all();
    let choice: Vec<String> = axes
        .iter()
        .zip(c)
        .map(|(ax, &i)| format!("{}={}", ax.key, ax.values[i]))
        .collect();
    println!(
        "\nchoice: {}{}",
        choice.join(", "),
        r.cost_per_hour
            .map(|c| format!(" at {c:.2} per hour"))
            .unwrap_or_default()
    );
    if let (Some(bound), Some(p99)) = (objective.p99_ms, a.latency_ms[3]) {
        println!(
            "  p99 {} ms (95% interval up to {} ms) against {} ms: margin {}%",
            fixed(p99.mean, 1),
            fixed(p99.upper(), 1),
            fixed(bound, 1),
            fixed((1.0 - p99.upper() / bound) * 100.0, 1)
        );
    }
    if let Some(bound) = objective.error_rate {
        println!(
            "  error rate {}% (up to {}%) against {}%",
            fixed(a.error_rate.mean * 100.0, 3),
            fixed(a.error_rate.upper() * 100.0, 3),
            fixed(bound * 100.0, 3)
        );
    }
    let Some(b) = bisected.filter(|&b| c[b] > 0) else {
        return;
    };
    let mut below = c.to_vec();
    below[b] -= 1;
    if let Some(p) = pts.iter().find(|p| p.at == below) {
        let what = match &p.figures {
            None => "is overloaded".to_string(),
            Some(r) => format!(
                "misses it: p99 up to {} ms, error rate up to {}%",
                r.all().latency_ms[3]
                    .map(|f| fixed(f.upper(), 1))
                    .unwrap_or_else(|| "-".into()),
                fixed(r.all().error_rate.upper() * 100.0, 3)
            ),
        };
        println!(
            "  one fewer ({}={}) {what}",
            axes[b].key, axes[b].values[below[b]]
        );
    }
}
