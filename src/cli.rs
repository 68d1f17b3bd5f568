//! The command line: `capsim run`, `validate`, `estimate`, the planning
//! commands `sweep`, `plan` and `merge`, and the tools around them:
//! `schema`, `completions` and `man`.
//!
//! As in hyperfine, the clap definitions are in one file ([`args`]) and
//! what the commands do in others, one per command, with what they share:
//! [`options`] turns arguments into models, [`outputs`] owns which files a
//! command writes and removes, [`exit`] the exit statuses. This file only
//! dispatches; no file of `cli/` imports it, so the files' imports form no
//! cycle.

use std::process::ExitCode;

use clap::Parser;

pub mod args;
pub mod completions;
pub mod estimate;
pub mod exit;
pub mod grid;
pub mod merge;
pub mod merge_check;
pub mod options;
pub mod outputs;
pub mod plan;
pub mod run;
pub mod schema;
pub mod series;
pub mod simulate;
pub mod sweep;
pub mod transaction;
pub mod validate;

pub use args::{Cli, Command};
pub use exit::{EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_IO, EXIT_SLO_BREACHED, exit_status};
pub use outputs::write_run_outputs;
pub use simulate::{run_in_group, run_to_dir};

/// Runs the command line and returns the exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Validate(args) => validate::validate(&args),
        Command::Merge(args) => merge::merge(&args),
        Command::Sweep(args) => sweep::sweep(&args),
        Command::Plan(args) => plan::plan(&args),
        Command::Estimate(args) => estimate::estimate(&args),
        Command::Schema(_) => schema::schema(),
        Command::Completions(args) => completions::completions(&args),
        Command::Man(args) => completions::man(&args),
    }
}
