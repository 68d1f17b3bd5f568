//! The command line: `capsim run` and `capsim validate`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

use crate::metrics::Sink;
use crate::model::Model;
use crate::report::{atomic, csv, progress::Progress, table};
use crate::scenario::{self, LoadFailure, LoadOptions};
use crate::simulation::{RunError, RunResult, Simulation};

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
    #[command(flatten)]
    #[allow(missing_docs)]
    pub scenario: ScenarioArgs,
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

/// Runs the command line and returns the exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(&args),
        Command::Validate(args) => validate(&args),
    }
}

fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn report_failure(f: &LoadFailure) -> ExitCode {
    eprint!("{}", f.render(color()));
    ExitCode::from(EXIT_BAD_INPUT)
}

fn load(file: Option<&Path>, opts: &LoadOptions) -> Result<Model, LoadFailure> {
    match file {
        Some(path) => scenario::load_file(path, opts),
        None => scenario::load_str(
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
    };
    let model = match load(args.file.as_deref(), &opts) {
        Ok(m) => m,
        Err(f) => return report_failure(&f),
    };
    let dir = args.out.join(&model.name).join(&model.variant);
    if let Err(e) = atomic::prepare_dir(&dir) {
        eprintln!("error: cannot write outputs to `{}`: {e}", dir.display());
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    // Ctrl-C stops the run between events: the temporary files are removed
    // and earlier outputs stay as they were.
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    let started = Instant::now();
    let result = match run_to_dir(&model, &dir, args.quiet, &stop) {
        Ok(r) => r,
        Err(RunError::Interrupted) => {
            eprintln!("interrupted: nothing was written to `{}`", dir.display());
            return ExitCode::from(EXIT_INTERRUPTED);
        }
        Err(RunError::Unbounded(m)) => {
            eprintln!("error: {m}\nnothing was written to `{}`", dir.display());
            return ExitCode::from(EXIT_BAD_INPUT);
        }
        Err(e) => {
            eprintln!("error: writing outputs to `{}` failed: {e}", dir.display());
            return ExitCode::from(EXIT_IO);
        }
    };
    let wall = started.elapsed().as_secs_f64();
    if !args.quiet {
        print!("{}", table::summary_table(&model, &result));
        println!(
            "\nwrote {}/{{timeseries,components,summary}}.csv\n{} requests, {} events in {:.2} s ({:.1}M events/s)",
            dir.display(),
            result.requests_sent,
            result.events,
            wall,
            result.events as f64 / wall.max(1e-9) / 1e6
        );
    }
    ExitCode::SUCCESS
}

/// Simulates `model` and writes its three CSVs into `dir` atomically; stops
/// early, writing nothing, when `stop` is set.
pub fn run_to_dir(
    model: &Model,
    dir: &Path,
    quiet: bool,
    stop: &AtomicBool,
) -> Result<RunResult, RunError> {
    let names = model.components.iter().map(|c| c.name.clone()).collect();
    let mut sink = csv::CsvSink::create(dir, names)?;
    let mut progress = Progress::new(
        &format!("{} ({})", model.name, model.variant),
        model.duration,
        quiet,
    );
    let result = Simulation::new(model).run(&mut sink as &mut dyn Sink, &mut |now, events| {
        progress.update(now, events);
        !stop.load(Ordering::Relaxed)
    });
    progress.finish();
    let result = result?;
    let summary = csv::summary_csv(&model.variant, &result.summary)?;
    sink.commit()?;
    atomic::write_atomic(&dir.join("summary.csv"), &summary)?;
    Ok(result)
}

fn validate(args: &ValidateArgs) -> ExitCode {
    let opts = LoadOptions {
        sets: args.scenario.sets.clone(),
        seed: None,
    };
    let mut failed = 0;
    for file in &args.files {
        match scenario::load_file(file, &opts) {
            Ok(m) => println!(
                "ok: {} ({}: {} components, {} simulated)",
                file.display(),
                m.name,
                m.components.len(),
                m.duration
            ),
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
