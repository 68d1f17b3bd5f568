//! `capsim run` of single runs: each variant simulated once, in parallel,
//! its files written as it runs, then the comparison, the reports and the
//! terminal's tables. Replications and shares are in [`super::series`].

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use indicatif::MultiProgress;
use rayon::prelude::*;

use super::args::RunArgs;
use super::exit::{EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_IO, exit_status};
use super::options::{bad_input, run_models, stop_on_interrupt};
use super::outputs::ScenarioOutputs;
use super::series;
use super::simulate::run_in_group;
use super::transaction::{Transaction, shown};
use crate::model::Model;
use crate::planning::estimate::estimate;
use crate::planning::estimate_table::beside_simulated;
use crate::report::comparison::ComparisonRow;
use crate::report::metrics_export::Export;
use crate::report::table;
use crate::simulation::{RunError, RunResult};

/// `capsim run`: single runs here, a series (replications, `warmup: auto`,
/// a share) in [`series::run_series_command`].
pub fn run(args: &RunArgs) -> ExitCode {
    let models = match run_models(args) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let export = Export::of(&args.export, args.epoch);
    if let Some(e) = &export
        && let Err(code) = check_export(e, &models, args)
    {
        return code;
    }
    let tx = match Transaction::begin(&args.out, &models[0].name) {
        Ok(tx) => tx,
        Err(msg) => return bad_input(msg),
    };
    if args.shard.is_some()
        || models
            .iter()
            .any(|m| m.replications.max > 1 || m.warmup_auto)
    {
        return series::run_series_command(&models, tx, args.shard, args.quiet, export.as_ref());
    }
    let outputs = ScenarioOutputs::new(tx.staged_out(), &models);
    let dirs = match outputs.prepare(&models) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let started = Instant::now();
    let done = match run_all(&models, &dirs, &outputs.dir, args.quiet, export.as_ref()) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let rows: Vec<ComparisonRow> = models
        .iter()
        .zip(&done)
        .map(|(m, r)| ComparisonRow::new(m, r))
        .collect();
    if let Err(code) = write_scenario(&outputs, &models, &done, &rows) {
        return code;
    }
    if let Err(code) = commit(tx, &outputs.dir) {
        return code;
    }
    let wall = started.elapsed().as_secs_f64();
    // Quiet means quiet: a script reads the verdict from the exit status,
    // and the reasons from summary.csv.
    if !args.quiet {
        print_runs(&models, &done, &rows, &outputs.dir, wall);
    }
    ExitCode::from(exit_status(&done))
}

/// Refuses, before anything runs or is written, an export of a series (the
/// folder's `summary.csv` then gives the means of every replication, which
/// one replication's exported series would contradict, and a share has
/// only some replications) or of a run whose windows Prometheus cannot
/// tell apart.
fn check_export(export: &Export, models: &[Model], args: &RunArgs) -> Result<(), ExitCode> {
    if args.shard.is_some() {
        return Err(bad_input(
            "`--export` needs a single run, and `--shard` splits replications: export a run without it",
        ));
    }
    if let Some(m) = models.iter().find(|m| m.replications.max > 1) {
        return Err(bad_input(format!(
            "`--export` needs a single run, and {} ({}) has {} replications: add `--replications 1` \
             (and `--seed N` to pick which one)",
            m.name, m.variant, m.replications.max
        )));
    }
    match models.iter().find_map(|m| export.problem(m)) {
        Some(msg) => Err(bad_input(msg)),
        None => Ok(()),
    }
}

/// Runs every variant into its folder, in parallel (one per core: each run
/// is deterministic and independent, so the outputs are those of a
/// sequential run); the first failure, in variant order, is told and exits.
fn run_all(
    models: &[Model],
    dirs: &[PathBuf],
    scenario_dir: &Path,
    quiet: bool,
    export: Option<&Export>,
) -> Result<Vec<RunResult>, ExitCode> {
    let stop = stop_on_interrupt();
    let compare = models.len() > 1;
    let group = compare.then(MultiProgress::new);
    let results: Vec<Result<RunResult, RunError>> = models
        .par_iter()
        .zip(dirs)
        .map(|(m, dir)| run_in_group(m, dir, quiet, &stop, group.as_ref(), export))
        .collect();
    let mut done = Vec::new();
    for (m, r) in models.iter().zip(results) {
        let dir = scenario_dir.join(&m.variant);
        match r {
            Ok(r) => done.push(r),
            Err(RunError::Interrupted) => {
                eprintln!(
                    "interrupted: nothing was written to `{}`",
                    shown(scenario_dir).display()
                );
                return Err(ExitCode::from(EXIT_INTERRUPTED));
            }
            Err(RunError::Unbounded(msg)) => {
                let which = if compare {
                    format!("variant `{}`: ", m.variant)
                } else {
                    String::new()
                };
                eprintln!(
                    "error: {which}{msg}\nnothing was written to `{}`",
                    shown(&dir).display()
                );
                return Err(ExitCode::from(EXIT_BAD_INPUT));
            }
            Err(RunError::Io(e)) => {
                eprintln!(
                    "error: writing outputs to `{}` failed: {e}\nnothing was written: the earlier outputs are as they were",
                    shown(&dir).display()
                );
                return Err(ExitCode::from(EXIT_IO));
            }
        }
    }
    Ok(done)
}

/// Puts the command's outputs in place (see [`Transaction`]); a failure
/// leaves the earlier ones and exits 3.
pub fn commit(tx: Transaction, dir: &Path) -> Result<(), ExitCode> {
    tx.commit().map_err(|e| {
        eprintln!(
            "error: putting the outputs in place in `{}` failed: {e}\nthe earlier outputs are as they were",
            shown(dir).display()
        );
        ExitCode::from(EXIT_IO)
    })
}

/// Writes what the runs share: the comparison when there are variants, and
/// the reports.
fn write_scenario(
    outputs: &ScenarioOutputs,
    models: &[Model],
    done: &[RunResult],
    rows: &[ComparisonRow],
) -> Result<(), ExitCode> {
    let failed = |what: &str, e: std::io::Error| {
        eprintln!(
            "error: writing the {what} to `{}` failed: {e}\nnothing was written: the earlier outputs are as they were",
            shown(&outputs.dir).display()
        );
        ExitCode::from(EXIT_IO)
    };
    if models.len() > 1 {
        outputs
            .write_comparison(models, rows, done)
            .map_err(|e| failed("comparison", e))?;
    }
    outputs
        .write_run_reports(models, done)
        .map_err(|e| failed("report", e))
}

/// The terminal's account of the runs: each one's summary, estimate and
/// faults, the comparison, and what was written.
fn print_runs(
    models: &[Model],
    done: &[RunResult],
    rows: &[ComparisonRow],
    scenario_dir: &Path,
    wall: f64,
) {
    let compare = models.len() > 1;
    for (m, r) in models.iter().zip(done) {
        print!("{}", table::summary_table(m, r));
        print!("{}", beside_simulated(&estimate(m), r));
        print!("{}", table::faults_table(m, r));
        if compare {
            println!();
        }
    }
    if compare {
        println!("comparison ({} variants, same arrivals):", models.len());
        print!("{}", table::comparison_table(rows));
    }
    let events: u64 = done.iter().map(|r| r.events).sum();
    let requests: u64 = done.iter().map(|r| r.requests_sent).sum();
    println!(
        "\nwrote {}/\n{} requests, {} events in {:.2} s ({:.1}M events/s)",
        shown(scenario_dir).display(),
        requests,
        events,
        wall,
        events as f64 / wall.max(1e-9) / 1e6
    );
}
