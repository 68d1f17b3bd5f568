//! The command line as clap reads it: the commands and their arguments,
//! nothing else (what they do is in the other files of `cli/`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::planning::replications::Share;
use crate::report::metrics_export::{Epoch, ExportFormat};

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
    /// Print the JSON Schema of the scenario language, for editors and
    /// validators.
    Schema(SchemaArgs),
    /// Print the completion script of a shell.
    Completions(CompletionsArgs),
    /// Print the man page capsim(1), or write one page per command into a
    /// folder.
    Man(ManArgs),
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
    /// Run even when the run is estimated at over an hour of wall time
    /// (without it such a run is refused, with the estimate).
    #[arg(long)]
    pub yes: bool,
}

/// `capsim sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub grid: GridArgs,
    /// Run only share I of N of the sweep's runs (I from 0 to N-1);
    /// combine the shares' folders with `capsim merge`.
    #[arg(long, value_name = "I/N", value_parser = Share::parse)]
    pub shard: Option<Share>,
    /// Print nothing but errors; the exit status tells the verdict (0
    /// met, 1 an SLO breached, 2 bad input, 3 an output not written).
    #[arg(short, long)]
    pub quiet: bool,
}

/// `capsim plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub grid: GridArgs,
    /// Print nothing but errors; the exit status tells the verdict (0
    /// met, 1 an SLO breached, 2 bad input, 3 an output not written).
    #[arg(short, long)]
    pub quiet: bool,
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
    /// Print nothing but errors; the exit status tells the verdict (0
    /// met, 1 an SLO breached, 2 bad input, 3 an output not written).
    #[arg(short, long)]
    pub quiet: bool,
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
    #[arg(long, value_name = "I/N", value_parser = Share::parse)]
    pub shard: Option<Share>,
    /// Also write the run's time series for other tools, in each variant's
    /// folder: `openmetrics` writes `metrics.om` (OpenMetrics text, for
    /// `promtool tsdb create-blocks-from openmetrics`). Repeatable; a
    /// single run only (one replication, no `--shard`).
    #[arg(long = "export", value_name = "FORMAT", value_enum)]
    pub export: Vec<ExportFormat>,
    /// Run even when the run is estimated at over an hour of wall time
    /// (without it such a run is refused, with the estimate).
    #[arg(long)]
    pub yes: bool,
    /// Where the run's simulated start lies in the exported series: RFC
    /// 3339 in UTC (`2026-01-01T00:00:00Z`) or unix seconds
    /// (`1767225600`); default 2026-01-01T00:00:00Z.
    #[arg(long, value_name = "WHEN", value_parser = Epoch::parse, requires = "export")]
    pub epoch: Option<Epoch>,
    /// Print nothing but errors; the exit status tells the verdict (0
    /// met, 1 an SLO breached, 2 bad input, 3 an output not written).
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
    /// Print nothing but errors; the exit status tells whether every file
    /// is good (0) or not (2).
    #[arg(short, long)]
    pub quiet: bool,
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
    /// Print nothing but errors: only checks that every variant can be
    /// estimated (exit 0, or 2 on bad input).
    #[arg(short, long)]
    pub quiet: bool,
}

/// `capsim schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {}

/// `capsim completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `capsim man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write capsim.1 and a page per command (capsim-run.1, ...) into DIR
    /// instead of printing capsim.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}
