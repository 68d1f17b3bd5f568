//! One run simulated into its folder: `timeseries.csv` and
//! `components.csv` streamed as windows close, under the progress bar, then
//! what the finished run adds ([`write_run_outputs`]). Used by single runs
//! ([`super::run`]) and by replication 0 of a series ([`super::series`]),
//! with `--export` the exported series too.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::MultiProgress;

use super::outputs::{write_export_outputs, write_run_outputs};
use crate::metrics::{MemorySink, Sink};
use crate::model::Model;
use crate::report::metrics_export::{Export, Recording};
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
    run_in_group(model, dir, quiet, stop, None, None)
}

/// [`run_to_dir`] for runs going on at once, sharing a progress `group`;
/// with `export`, the run also records its rows and per-class counts and
/// writes the export's files ([`write_export_outputs`]).
pub fn run_in_group(
    model: &Model,
    dir: &Path,
    quiet: bool,
    stop: &AtomicBool,
    group: Option<&MultiProgress>,
    export: Option<&Export>,
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
    let mut on_progress = |now, events| {
        progress.update(now, events);
        !stop.load(Ordering::Relaxed)
    };
    // Without an export the run is exactly what it was: the CSV sink
    // alone, no per-class counting.
    let (result, recorded) = match export {
        None => (
            Simulation::new(model).run(&mut sink as &mut dyn Sink, &mut on_progress),
            None,
        ),
        Some(_) => {
            let mut rec = Recording {
                sink: &mut sink,
                rows: MemorySink::default(),
            };
            let r = Simulation::new(model)
                .record_by_class()
                .run(&mut rec, &mut on_progress);
            (r, Some(rec.rows))
        }
    };
    progress.finish();
    let result = result?;
    sink.commit()?;
    write_run_outputs(model, &result, dir)?;
    write_export_outputs(model, &result, export.zip(recorded.as_ref()), dir)?;
    Ok(result)
}
