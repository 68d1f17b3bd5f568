//! From arguments to what the commands run: the scenario's models with the
//! command line's overrides applied, the Ctrl-C flag, and how bad input is
//! told (every such error exits [`EXIT_BAD_INPUT`]).

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::args::{EstimateArgs, RunArgs, ScenarioArgs};
use super::exit::EXIT_BAD_INPUT;
use crate::model::{Model, Replications};
use crate::scenario::{self, LoadFailure, LoadOptions};

/// Whether errors are coloured: on a terminal, unless `NO_COLOR` is set.
pub fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Prints a scenario that failed to load, exit status 2.
pub fn report_failure(f: &LoadFailure) -> ExitCode {
    eprint!("{}", f.render(color()));
    ExitCode::from(EXIT_BAD_INPUT)
}

/// Prints `msg` as an error, exit status 2.
pub fn bad_input(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(EXIT_BAD_INPUT)
}

/// `--replications N` above [`MAX_REPLICATIONS`] is refused as the
/// `replications` key is: billions of runs would be queued before the first
/// one ended.
///
/// [`MAX_REPLICATIONS`]: crate::scenario::compile::MAX_REPLICATIONS
pub fn check_replications_cap(n: u32) -> Result<(), ExitCode> {
    let max = crate::scenario::compile::MAX_REPLICATIONS;
    if u64::from(n) > max {
        return Err(bad_input(format!(
            "`--replications {n}`: {n} runs is too many to simulate (at most {max}, as the `replications` key)"
        )));
    }
    Ok(())
}

/// The load options of `--set`, `--seed` and the variants asked for.
pub fn load_options(
    scenario: &ScenarioArgs,
    seed: Option<u64>,
    variants: Vec<String>,
) -> LoadOptions {
    LoadOptions {
        sets: scenario.sets.clone(),
        seed,
        variants,
        check_work: false,
    }
}

/// The models of `file` (the built-in demo without one).
pub fn load(file: Option<&Path>, opts: &LoadOptions) -> Result<Vec<Model>, LoadFailure> {
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

/// The models `capsim run` runs: the file's variants with `--replications`
/// applied; a series (`--shard`) needs two replications at least.
pub fn run_models(args: &RunArgs) -> Result<Vec<Model>, ExitCode> {
    let opts = LoadOptions {
        check_work: !args.yes,
        ..load_options(&args.scenario, args.seed, args.variants.clone())
    };
    let mut models = load(args.file.as_deref(), &opts).map_err(|f| report_failure(&f))?;
    if let Some(n) = args.replications {
        if n == 0 {
            return Err(bad_input(
                "`--replications 0`: a run needs at least one replication",
            ));
        }
        check_replications_cap(n)?;
        for m in &mut models {
            m.replications = Replications {
                min: n,
                max: n,
                precision: None,
            };
        }
    }
    if args.shard.is_some() && models[0].replications.max < 2 {
        return Err(bad_input(
            "`--shard` splits the replications of a run, and this one has one: add `--replications N` or a `replications` key",
        ));
    }
    Ok(models)
}

/// The models `capsim estimate` estimates.
pub fn estimate_models(args: &EstimateArgs) -> Result<Vec<Model>, ExitCode> {
    let opts = load_options(&args.scenario, None, args.variants.clone());
    load(Some(&args.file), &opts).map_err(|f| report_failure(&f))
}

/// A flag Ctrl-C sets: runs stop between events, their temporary files are
/// removed and earlier outputs stay as they were.
pub fn stop_on_interrupt() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    stop
}
