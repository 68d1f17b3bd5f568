//! One run simulated into its folder: `timeseries.csv` and
//! `components.csv` streamed as windows close, under the progress bar, then
//! what the finished run adds ([`write_run_outputs`]). Used by single runs
//! ([`super::run`]) and by replication 0 of a series ([`super::series`]).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::MultiProgress;

use super::outputs::write_run_outputs;
use crate::metrics::Sink;
use crate::model::Model;
use crate::report::{csv, progress::Progress};
use crate::simulation::{RunError, RunResult, Simulation};

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
