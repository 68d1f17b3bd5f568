//! The command line: `capsim run`, `validate`, `estimate`, and the planning
//! commands `sweep`, `plan` and `merge` (in `cli/`).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

use indicatif::MultiProgress;
use rayon::prelude::*;

use crate::metrics::Sink;
use crate::model::Model;
use crate::planning::replications::{Replicated, Sample};
use crate::report::comparison::{self, ComparisonRow};
use crate::report::document::ReportInput;
use crate::report::{atomic, csv, html, markdown, plots, progress::Progress, table};
use crate::scenario::{self, LoadFailure, LoadOptions};
use crate::simulation::{RunError, RunResult, Simulation};

pub mod series;
pub mod sweep;

/// Exit status when every output was written but a run missed its SLO in
/// a window after the warm-up.
pub const EXIT_SLO_BREACHED: u8 = 1;
/// Exit status for bad input: a scenario, an option or an output folder.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit status when outputs could not be written.
pub const EXIT_IO: u8 = 3;
/// Exit status after Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// capsim: a capacity-planning and scaling simulator.
///
/// Describe a system and its traffic in a YAML scenario, and get the latency,
/// throughput and errors it will see, request by request.
#[derive(Debug, Parser)]
#[command(name = "capsim", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario (the built-in demo without FILE) and write its CSVs.
    Run(RunArgs),
    /// Check scenario files without running them.
    Validate(ValidateArgs),
    /// Estimate a scenario's steady state analytically (queueing theory),
    /// per component and end to end, without simulating.
    Estimate(EstimateArgs),
    /// Simulate every point of a grid of configurations (`--vary`), with
    /// replications, and write `sweep.csv` and plots against each key.
    Sweep(SweepArgs),
    /// Find the cheapest configuration of a grid whose 95% intervals meet
    /// the SLO, by bisection from an analytic estimate.
    Plan(PlanArgs),
    /// Combine the shares of a run made with `--shard i/n` on several
    /// machines into the outputs one machine would have written.
    Merge(MergeArgs),
}

/// What `capsim sweep` and `capsim plan` share: the scenario, the grid
/// and the objective.
#[derive(Debug, Args)]
pub struct GridArgs {
    /// The scenario file.
    pub file: PathBuf,
    /// A key to vary and its values: `KEY=a,b,c` or an integer range
    /// `KEY=lo..hi` (inclusive); any key path `--set` takes (repeatable:
    /// the grid of every combination). `plan` bisects the last range.
    #[arg(long = "vary", value_name = "KEY=LIST", required = true)]
    pub vary: Vec<String>,
    /// The objective: `p99=600ms,error_rate=1%` (default: the file's `slo`).
    #[arg(long, value_name = "BOUNDS")]
    pub slo: Option<String>,
    /// Where it writes: OUT/<name>/sweep/ or OUT/<name>/plan/.
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,
    /// Seed of every random stream (overrides the file's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Use this variant instead of the base scenario.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub scenario: ScenarioArgs,
    /// Runs per configuration (default: the file's `replications`, else 5).
    #[arg(long, value_name = "N")]
    pub replications: Option<u32>,
}

/// `capsim sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub grid: GridArgs,
    /// Run only share I of N of the sweep's runs (I from 0 to N-1);
    /// combine the shares' folders with `capsim merge`.
    #[arg(long, value_name = "I/N", value_parser = series::parse_share)]
    pub shard: Option<crate::planning::replications::Share>,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `capsim plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub grid: GridArgs,
}

/// `capsim merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The `--out` folders of the shares (every share of a run, once).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where the merged outputs go: OUT/<name>/<variant>/.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Options shared by commands that read a scenario.
#[derive(Debug, Args)]
pub struct ScenarioArgs {
    /// Override any key: `--set components.web.instances=4` (repeatable; the
    /// value is YAML, so `--set 'traffic.rate=[{at: 0s, rps: 50}]'` works).
    #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
    pub sets: Vec<String>,
}

/// `capsim run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file; the built-in demo (`scenarios/demo.yaml`) when absent.
    pub file: Option<PathBuf>,
    /// Where runs write: FILE's outputs go to OUT/<name>/<variant>/.
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,
    /// Seed of every random stream (overrides the file's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Run only this variant (repeatable; `base` is the scenario itself).
    /// Without it, the base and every declared variant run.
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub scenario: ScenarioArgs,
    /// Independent runs of each variant, on all cores; `summary.csv` then
    /// gives 95% confidence intervals (overrides the file's `replications`).
    #[arg(long, value_name = "N")]
    pub replications: Option<u32>,
    /// Run only share I of N of the replications (I from 0 to N-1, as
    /// `$SLURM_ARRAY_TASK_ID` or `$JOB_COMPLETION_INDEX`); combine the
    /// shares' folders with `capsim merge`.
    #[arg(long, value_name = "I/N", value_parser = series::parse_share)]
    pub shard: Option<crate::planning::replications::Share>,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `capsim validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub scenario: ScenarioArgs,
}

/// `capsim estimate`.
#[derive(Debug, Args)]
pub struct EstimateArgs {
    /// The scenario file.
    pub file: PathBuf,
    /// Estimate only this variant (repeatable; `base` is the scenario
    /// itself). Without it, the base and every declared variant.
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub scenario: ScenarioArgs,
}

/// Runs the command line and returns the exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(&args),
        Command::Validate(args) => validate(&args),
        Command::Merge(args) => series::merge(&args),
        Command::Sweep(args) => sweep::sweep(&args),
        Command::Plan(args) => sweep::plan(&args),
        Command::Estimate(args) => estimate(&args),
    }
}

/// Makes `dir` ready for outputs; exits 2 when it cannot be written.
fn prepare_output_dir(dir: &Path) -> Result<(), ExitCode> {
    atomic::prepare_dir(dir).map_err(|e| {
        eprintln!("error: cannot write outputs to `{}`: {e}", dir.display());
        ExitCode::from(EXIT_BAD_INPUT)
    })
}

/// The folder of each variant under `scenario_dir`, then `comparison/`
/// when there are several, all made ready for outputs.
fn prepare_variant_dirs(scenario_dir: &Path, models: &[Model]) -> Result<Vec<PathBuf>, ExitCode> {
    let mut dirs: Vec<PathBuf> = models
        .iter()
        .map(|m| scenario_dir.join(&m.variant))
        .collect();
    if models.len() > 1 {
        dirs.push(scenario_dir.join("comparison"));
    }
    for dir in &dirs {
        prepare_output_dir(dir)?;
    }
    Ok(dirs)
}

/// A flag Ctrl-C sets: runs stop between events, their temporary files are
/// removed and earlier outputs stay as they were.
fn stop_on_interrupt() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    stop
}

fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn report_failure(f: &LoadFailure) -> ExitCode {
    eprint!("{}", f.render(color()));
    ExitCode::from(EXIT_BAD_INPUT)
}

fn load(file: Option<&Path>, opts: &LoadOptions) -> Result<Vec<Model>, LoadFailure> {
    match file {
        Some(path) => scenario::load_file(path, opts),
        None => scenario::load_all(
            "scenarios/demo.yaml (built in)",
            "demo",
            scenario::DEMO,
            opts,
        ),
    }
}

fn run(args: &RunArgs) -> ExitCode {
    let opts = LoadOptions {
        sets: args.scenario.sets.clone(),
        seed: args.seed,
        variants: args.variants.clone(),
    };
    let mut models = match load(args.file.as_deref(), &opts) {
        Ok(m) => m,
        Err(f) => return report_failure(&f),
    };
    if let Some(n) = args.replications {
        if n == 0 {
            eprintln!("error: `--replications 0`: a run needs at least one replication");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
        for m in &mut models {
            m.replications = crate::model::Replications {
                min: n,
                max: n,
                precision: None,
            };
        }
    }
    if args.shard.is_some() && models[0].replications.max < 2 {
        eprintln!(
            "error: `--shard` splits the replications of a run, and this one has one: add `--replications N` or a `replications` key"
        );
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    if args.shard.is_some()
        || models
            .iter()
            .any(|m| m.replications.max > 1 || m.warmup_auto)
    {
        return series::run_series_command(&models, &args.out, args.shard, args.quiet);
    }
    let scenario_dir = args.out.join(&models[0].name);
    let compare = models.len() > 1;
    let dirs = match prepare_variant_dirs(&scenario_dir, &models) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let stop = stop_on_interrupt();
    let started = Instant::now();
    let group = compare.then(MultiProgress::new);
    // Variants run in parallel, one per core: each run is deterministic and
    // independent, so the outputs are those of a sequential run.
    let results: Vec<Result<RunResult, RunError>> = models
        .par_iter()
        .zip(&dirs)
        .map(|(m, dir)| run_in_group(m, dir, args.quiet, &stop, group.as_ref()))
        .collect();
    let mut done = Vec::new();
    for (m, r) in models.iter().zip(results) {
        let dir = scenario_dir.join(&m.variant);
        match r {
            Ok(r) => done.push(r),
            Err(RunError::Interrupted) => {
                eprintln!(
                    "interrupted: nothing was written to `{}`",
                    scenario_dir.display()
                );
                return ExitCode::from(EXIT_INTERRUPTED);
            }
            Err(RunError::Unbounded(msg)) => {
                let which = if compare {
                    format!("variant `{}`: ", m.variant)
                } else {
                    String::new()
                };
                eprintln!(
                    "error: {which}{msg}\nnothing was written to `{}`",
                    dir.display()
                );
                return ExitCode::from(EXIT_BAD_INPUT);
            }
            Err(RunError::Io(e)) => {
                eprintln!("error: writing outputs to `{}` failed: {e}", dir.display());
                return ExitCode::from(EXIT_IO);
            }
        }
    }
    let rows: Vec<ComparisonRow> = models
        .iter()
        .zip(&done)
        .map(|(m, r)| ComparisonRow::new(m, r))
        .collect();
    if compare && let Err(e) = write_comparison(&scenario_dir, &models, &rows) {
        eprintln!(
            "error: writing the comparison to `{}` failed: {e}",
            scenario_dir.display()
        );
        return ExitCode::from(EXIT_IO);
    }
    if compare && let Err(e) = write_scaling_comparison(&scenario_dir, &models, &done) {
        eprintln!(
            "error: writing the comparison to `{}` failed: {e}",
            scenario_dir.display()
        );
        return ExitCode::from(EXIT_IO);
    }
    if let Err(e) = write_reports(&scenario_dir, &models, &done) {
        eprintln!(
            "error: writing the report to `{}` failed: {e}",
            scenario_dir.display()
        );
        return ExitCode::from(EXIT_IO);
    }
    let wall = started.elapsed().as_secs_f64();
    if !args.quiet {
        if compare {
            for (m, r) in models.iter().zip(&done) {
                print!("{}", table::summary_table(m, r));
                print!("{}", estimate_line(m, r));
                print!("{}", table::faults_table(m, r));
                println!();
            }
            println!("comparison ({} variants, same arrivals):", models.len());
            print!("{}", comparison::comparison_table(&rows));
        } else {
            print!("{}", table::summary_table(&models[0], &done[0]));
            print!("{}", estimate_line(&models[0], &done[0]));
            print!("{}", table::faults_table(&models[0], &done[0]));
        }
        let events: u64 = done.iter().map(|r| r.events).sum();
        let requests: u64 = done.iter().map(|r| r.requests_sent).sum();
        println!(
            "\nwrote {}/\n{} requests, {} events in {:.2} s ({:.1}M events/s)",
            scenario_dir.display(),
            requests,
            events,
            wall,
            events as f64 / wall.max(1e-9) / 1e6
        );
    } else {
        // Quiet, yet a script seeing status 1 should learn why.
        for (m, r) in models.iter().zip(&done) {
            if let Some(v) = r.slo.as_ref().filter(|v| v.breached > 0) {
                eprintln!("{} ({}): {}", m.name, m.variant, table::slo_verdict(m, v));
            }
        }
    }
    ExitCode::from(exit_status(&done))
}

/// The analytic estimate's line under a run's summary table.
fn estimate_line(model: &Model, result: &RunResult) -> String {
    let est = crate::planning::estimate::estimate(model);
    crate::report::estimate::beside_simulated(&est, result)
}

/// The exit status of runs that all finished and wrote their outputs:
/// [`EXIT_SLO_BREACHED`] when any of them missed its SLO in a window after
/// the warm-up, 0 otherwise.
pub fn exit_status(results: &[RunResult]) -> u8 {
    if results
        .iter()
        .any(|r| r.slo.as_ref().is_some_and(|v| v.breached > 0))
    {
        EXIT_SLO_BREACHED
    } else {
        0
    }
}

/// Writes `comparison/`: `comparison.csv` and the overlaid plots.
fn write_comparison(
    scenario_dir: &Path,
    models: &[Model],
    rows: &[ComparisonRow],
) -> std::io::Result<()> {
    let dir = scenario_dir.join("comparison");
    atomic::write_atomic(
        &dir.join("comparison.csv"),
        &comparison::comparison_csv(rows)?,
    )?;
    let variant_dirs: Vec<PathBuf> = models
        .iter()
        .map(|m| scenario_dir.join(&m.variant))
        .collect();
    let variants: Vec<plots::VariantRun> = models
        .iter()
        .zip(&variant_dirs)
        .map(|(m, d)| plots::VariantRun {
            name: &m.variant,
            dir: d,
        })
        .collect();
    let base = &models[0];
    // Detections differ between variants: only the base's planned faults.
    let mut markers = plots::Marker::rate_changes(base);
    markers.extend(plots::Marker::planned_faults(base));
    plots::write_comparison_plots(&dir, &base.name, &variants, base.warmup, &markers)?;
    Ok(())
}

/// Writes `comparison/instances.png` when a variant autoscales: the
/// instances serving of the first autoscaled pool, variant by variant.
fn write_scaling_comparison(
    scenario_dir: &Path,
    models: &[Model],
    results: &[RunResult],
) -> std::io::Result<()> {
    let dir = scenario_dir.join("comparison");
    let Some(pool) = results
        .iter()
        .find_map(|r| r.scaling.first())
        .map(|t| t.component.clone())
    else {
        // Left by an earlier run that scaled, it would describe this one.
        return match std::fs::remove_file(dir.join("instances.png")) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
    };
    let variants: Vec<plots::ScalingVariant> = models
        .iter()
        .zip(results)
        .map(|(m, r)| plots::ScalingVariant {
            name: &m.variant,
            traces: &r.scaling,
            fixed: m
                .components
                .iter()
                .position(|c| c.name == pool)
                .filter(|&i| m.kind_of(i as u32) == crate::model::Kind::Service)
                .map(|i| m.initial_instances(i as u32)),
            cost_total: r.cost_total,
        })
        .collect();
    let base = &models[0];
    let mut markers = plots::Marker::rate_changes(base);
    markers.extend(plots::Marker::planned_faults(base));
    plots::write_scaling_comparison(
        &dir,
        &base.name,
        &pool,
        &variants,
        base.warmup,
        base.duration,
        &markers,
    )?;
    Ok(())
}

/// Writes `report.html` and `report.md` for the scenario's runs.
fn write_reports(
    scenario_dir: &Path,
    models: &[Model],
    results: &[RunResult],
) -> std::io::Result<()> {
    let base = &models[0];
    let variants: Vec<String> = models.iter().map(|m| m.variant.clone()).collect();
    let facts: Vec<(String, String)> = vec![
        ("duration".into(), base.duration.to_string()),
        ("warm-up".into(), base.warmup.to_string()),
        ("window".into(), base.window.to_string()),
        ("seed".into(), base.seed.to_string()),
    ];
    let slo: Vec<(String, String)> = models
        .iter()
        .zip(results)
        .filter_map(|(m, r)| Some((m.variant.clone(), table::slo_verdict(m, r.slo.as_ref()?))))
        .collect();
    let input = ReportInput {
        scenario_dir,
        scenario: &base.name,
        description: &base.description,
        variants: &variants,
        facts: &facts,
        slo: &slo,
    };
    html::write_html(&input)?;
    markdown::write_markdown(&input)?;
    Ok(())
}

/// Simulates `model` and writes its CSVs and its plots into `dir`,
/// atomically; stops early, writing nothing, when `stop` is set.
pub fn run_to_dir(
    model: &Model,
    dir: &Path,
    quiet: bool,
    stop: &AtomicBool,
) -> Result<RunResult, RunError> {
    run_in_group(model, dir, quiet, stop, None)
}

/// [`run_to_dir`] for runs going on at once, sharing a progress `group`.
pub fn run_in_group(
    model: &Model,
    dir: &Path,
    quiet: bool,
    stop: &AtomicBool,
    group: Option<&MultiProgress>,
) -> Result<RunResult, RunError> {
    let names = model.components.iter().map(|c| c.name.clone()).collect();
    let instances = (0..model.components.len() as u32)
        .map(|id| model.instance_names(id))
        .collect();
    let mut sink = csv::CsvSink::create(dir, names, instances)?;
    let mut progress = Progress::new(
        &format!("{} ({})", model.name, model.variant),
        model.duration,
        quiet,
        group,
    );
    let result = Simulation::new(model).run(&mut sink as &mut dyn Sink, &mut |now, events| {
        progress.update(now, events);
        !stop.load(Ordering::Relaxed)
    });
    progress.finish();
    let result = result?;
    sink.commit()?;
    write_run_outputs(model, &result, dir)?;
    Ok(result)
}

/// Writes what a finished run adds to the streamed `timeseries.csv` and
/// `components.csv` in `dir` (which the plots read): `summary.csv`, with
/// faults or an SLO `events.csv` and `recovery.csv`, then the plots.
pub fn write_run_outputs(model: &Model, result: &RunResult, dir: &Path) -> std::io::Result<()> {
    let one = Sample::of_run(0, model, result);
    let summary = csv::summary_csv(&model.variant, &Replicated::of(&[one]))?;
    atomic::write_atomic(&dir.join("summary.csv"), &summary)?;
    if csv::writes_fault_files(model) {
        atomic::write_atomic(&dir.join("events.csv"), &csv::events_csv(&result.log)?)?;
        atomic::write_atomic(
            &dir.join("recovery.csv"),
            &csv::recovery_csv(&result.recovery)?,
        )?;
    } else {
        // Left by an earlier run with faults, they would describe this one.
        for name in ["events.csv", "recovery.csv"] {
            match std::fs::remove_file(dir.join(name)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
    }
    let mut markers = plots::Marker::rate_changes(model);
    markers.extend(plots::Marker::from_run(&result.log, &result.recovery));
    let input = plots::RunPlots {
        dir,
        scenario: &model.name,
        variant: &model.variant,
        warmup: model.warmup,
        duration: model.duration,
        markers: &markers,
        latency_by_class: &result.latency_by_class,
    };
    plots::write_run_plots(&input)?;
    let retrying = model.has_retries_or_breakers();
    plots::write_retries_plot(&input, retrying.then_some(&result.log[..]))?;
    if !result.scaling.is_empty() {
        plots::write_autoscale_plot(&input, &result.scaling)?;
    } else {
        // Left by an earlier run that scaled, it would describe this one.
        match std::fs::remove_file(dir.join("autoscale.png")) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// `capsim estimate`: the analytic estimate of each model, exit 0 (a
/// saturated tier is a finding, not an error) or 2 on bad input.
fn estimate(args: &EstimateArgs) -> ExitCode {
    let opts = LoadOptions {
        sets: args.scenario.sets.clone(),
        seed: None,
        variants: args.variants.clone(),
    };
    let models = match load(Some(&args.file), &opts) {
        Ok(m) => m,
        Err(f) => return report_failure(&f),
    };
    for (i, m) in models.iter().enumerate() {
        if i > 0 {
            println!();
        }
        let est = crate::planning::estimate::estimate(m);
        print!("{}", crate::report::estimate::estimate_table(m, &est));
    }
    ExitCode::SUCCESS
}

fn validate(args: &ValidateArgs) -> ExitCode {
    let opts = LoadOptions {
        sets: args.scenario.sets.clone(),
        seed: None,
        variants: Vec::new(),
    };
    let mut failed = 0;
    for file in &args.files {
        match scenario::load_file(file, &opts) {
            Ok(models) => {
                let m = &models[0];
                let variants = if models.len() > 1 {
                    format!(
                        ", variants {}",
                        models[1..]
                            .iter()
                            .map(|v| v.variant.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                } else {
                    String::new()
                };
                println!(
                    "ok: {} ({}: {} components, {} simulated{variants})",
                    file.display(),
                    m.name,
                    m.components.len(),
                    m.duration
                )
            }
            Err(f) => {
                failed += 1;
                eprint!("{}", f.render(color()));
            }
        }
    }
    if failed > 0 {
        let n = args.files.len();
        eprintln!(
            "{failed} of {n} file{} {} errors",
            if n == 1 { "" } else { "s" },
            if failed == 1 { "has" } else { "have" }
        );
        ExitCode::from(EXIT_BAD_INPUT)
    } else {
        ExitCode::SUCCESS
    }
}
