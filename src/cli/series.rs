//! `capsim run` with replications (`--replications`, the `replications`
//! key, `warmup: auto`) and its shares (`--shard i/n`).
//!
//! Replication 0 of every variant (the scenario's own seed) writes the time
//! series, events and plots, as a single run does; the summary, the
//! comparison and the report come from the samples of every replication.
//! Shares run every n-th replication; share 0 always has replication 0, so
//! merging ([`super::merge`]) is: share 0's files, then the summary,
//! comparison and report computed from all shares' samples by the same code
//! as a single machine.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::MultiProgress;
use rayon::prelude::*;

use super::exit::{EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_IO, EXIT_SLO_BREACHED};
use super::options::stop_on_interrupt;
use super::outputs::{ScenarioOutputs, comparison_rows};
use super::run::commit;
use super::simulate::run_in_group;
use super::transaction::{Transaction, shown};
use crate::metrics::NullSink;
use crate::model::Model;
use crate::planning::estimate::estimate;
use crate::planning::estimate_table::beside_figures;
use crate::planning::manifest::Manifest;
use crate::planning::replications::{Replicated, Sample, Share, replication_model, run_series};
use crate::planning::warmup::{AutoWarmup, find_warmup};
use crate::report::comparison::ComparisonRow;
use crate::report::format::fixed;
use crate::report::metrics_export::Export;
use crate::report::table;
use crate::simulation::{RunError, RunResult, Simulation};

/// One variant's series, as run.
pub struct VariantSeries {
    /// The model, with its warm-up found when it is `auto`.
    pub model: Model,
    /// What `warmup: auto` found.
    pub auto: Option<AutoWarmup>,
    /// Samples in replication order.
    pub samples: Vec<Sample>,
    /// Replication 0's result, when this machine ran it.
    pub first: Option<RunResult>,
}

/// Runs `model`'s replications (its share of them), replication 0 writing
/// its outputs into `dir` (and `export`'s files: `capsim run` exports only
/// a series of one replication, such as a single run with `warmup: auto`).
pub fn run_variant(
    model: &Model,
    dir: &Path,
    share: Option<Share>,
    quiet: bool,
    stop: &AtomicBool,
    group: Option<&MultiProgress>,
    export: Option<&Export>,
) -> Result<VariantSeries, RunError> {
    let mut model = model.clone();
    let auto = if model.warmup_auto {
        let a = find_warmup(&model, stop)?;
        model.warmup = a.warmup;
        Some(a)
    } else {
        None
    };
    let first = Mutex::new(None);
    let samples = run_series(&model.replications, share, 0, |k| {
        let m = replication_model(&model, k);
        if k == 0 {
            let r = run_in_group(&m, dir, quiet, stop, group, export)?;
            let s = Sample::of_run(0, &m, &r);
            *first.lock().expect("not poisoned") = Some(r);
            Ok(s)
        } else {
            let r = Simulation::new(&m)
                .run(&mut NullSink, &mut |_, _| !stop.load(Ordering::Relaxed))?;
            Ok(Sample::of_run(k, &m, &r))
        }
    })?;
    Ok(VariantSeries {
        model,
        auto,
        samples,
        first: first.into_inner().expect("not poisoned"),
    })
}

/// `capsim run` of a series: replications, `warmup: auto` or a share.
pub fn run_series_command(
    models: &[Model],
    tx: Transaction,
    share: Option<Share>,
    quiet: bool,
    export: Option<&Export>,
) -> ExitCode {
    let outputs = ScenarioOutputs::new(tx.staged_out(), models);
    let dirs = match outputs.prepare(models) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let started = std::time::Instant::now();
    let done = match run_variants(models, &dirs, &outputs.dir, share, quiet, export) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let manifest = Manifest::of(models, share);
    if let Err(code) = write_comparison(&outputs, &done) {
        return code;
    }
    let samples: Vec<Vec<Sample>> = done.iter().map(|v| v.samples.clone()).collect();
    if let Some(s) = share {
        return write_share(tx, &outputs, &manifest, &samples, s, quiet);
    }
    outputs.forget_share();
    let single: Vec<Option<String>> = done
        .iter()
        .map(|v| match (&v.first, v.samples.len()) {
            (Some(r), 1) => r.slo.as_ref().map(|s| table::slo_verdict(&v.model, s)),
            _ => None,
        })
        .collect();
    let scaled: Vec<bool> = done.iter().map(|v| v.model.autoscales()).collect();
    let figures = match outputs.write_series(&manifest, &samples, &single, &scaled) {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "error: writing the summaries to `{}` failed: {e}\nnothing was written: the earlier outputs are as they were",
                shown(&outputs.dir).display()
            );
            return ExitCode::from(EXIT_IO);
        }
    };
    if let Err(code) = commit(tx, &outputs.dir) {
        return code;
    }
    if !quiet {
        print_series(&done, &figures, &manifest, &scaled);
        let runs: u32 = figures.iter().map(|f| f.runs).sum();
        println!(
            "\nwrote {}/\n{runs} runs in {:.2} s on {} threads",
            shown(&outputs.dir).display(),
            started.elapsed().as_secs_f64(),
            rayon::current_num_threads()
        );
    }
    if figures.iter().any(|f| f.slo_breached_runs.unwrap_or(0) > 0) {
        ExitCode::from(EXIT_SLO_BREACHED)
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs every variant's series, in parallel; the first failure, in variant
/// order, is told and exits.
fn run_variants(
    models: &[Model],
    dirs: &[std::path::PathBuf],
    scenario_dir: &Path,
    share: Option<Share>,
    quiet: bool,
    export: Option<&Export>,
) -> Result<Vec<VariantSeries>, ExitCode> {
    let stop = stop_on_interrupt();
    let group = (models.len() > 1).then(MultiProgress::new);
    let results: Vec<Result<VariantSeries, RunError>> = models
        .par_iter()
        .zip(dirs)
        .map(|(m, dir)| run_variant(m, dir, share, quiet, &stop, group.as_ref(), export))
        .collect();
    let mut done = Vec::new();
    for (m, r) in models.iter().zip(results) {
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
                eprintln!("error: variant `{}`: {msg}", m.variant);
                return Err(ExitCode::from(EXIT_BAD_INPUT));
            }
            Err(RunError::Io(e)) => {
                eprintln!(
                    "error: writing outputs to `{}` failed: {e}\nnothing was written: the earlier outputs are as they were",
                    shown(scenario_dir).display()
                );
                return Err(ExitCode::from(EXIT_IO));
            }
        }
    }
    Ok(done)
}

/// The comparison's plots over variants read replication 0's files: written
/// only where it ran (share 0, or one machine).
fn write_comparison(outputs: &ScenarioOutputs, done: &[VariantSeries]) -> Result<(), ExitCode> {
    if done.len() < 2 || !done.iter().all(|v| v.first.is_some()) {
        return Ok(());
    }
    let firsts: Vec<RunResult> = done.iter().map(|v| v.first.clone().expect("ran")).collect();
    let ran: Vec<Model> = done.iter().map(|v| v.model.clone()).collect();
    let rows: Vec<ComparisonRow> = ran
        .iter()
        .zip(&firsts)
        .map(|(m, r)| ComparisonRow::new(m, r))
        .collect();
    outputs.write_comparison(&ran, &rows, &firsts).map_err(|e| {
        eprintln!(
            "error: writing the comparison to `{}` failed: {e}\nnothing was written: the earlier outputs are as they were",
            shown(&outputs.dir).display()
        );
        ExitCode::from(EXIT_IO)
    })
}

/// A share's end: its samples and manifest written, what it ran told.
fn write_share(
    tx: Transaction,
    outputs: &ScenarioOutputs,
    manifest: &Manifest,
    samples: &[Vec<Sample>],
    share: Share,
    quiet: bool,
) -> ExitCode {
    if let Err((path, e)) = outputs.write_share(manifest, samples) {
        eprintln!(
            "error: writing `{}` failed: {e}\nnothing was written: the earlier outputs are as they were",
            shown(&path).display()
        );
        return ExitCode::from(EXIT_IO);
    }
    if let Err(code) = commit(tx, &outputs.dir) {
        return code;
    }
    if !quiet {
        let ks: Vec<String> = samples[0]
            .iter()
            .map(|s| (s.replication + 1).to_string())
            .collect();
        println!(
            "share {}/{} of {} ({} replications): ran replications {} of each variant\nwrote {}/ (merge the shares with `capsim merge DIR... --out DIR`)",
            share.index,
            share.count,
            manifest.scenario,
            manifest.spec.max,
            ks.join(", "),
            shown(&outputs.dir).display()
        );
    }
    ExitCode::SUCCESS
}

/// The terminal's account of a series: each variant's figures with their
/// intervals, the estimate beside them, the warm-up found, the precision
/// and the SLO; then the comparison.
fn print_series(
    done: &[VariantSeries],
    figures: &[Replicated],
    manifest: &Manifest,
    scaled: &[bool],
) {
    for (v, runs) in done.iter().zip(figures) {
        print!("{}", table::replicated_table(&v.model, runs));
        let all = runs.all();
        print!(
            "{}",
            beside_figures(
                &estimate(&v.model),
                all.latency_ms[1].map(|f| f.mean / 1e3),
                all.latency_ms[0].map(|f| f.mean / 1e3)
            )
        );
        if let Some(a) = v.auto {
            println!(
                "warm-up: auto -> {} (MSER-5 on the mean response time of each window of a pilot run){}",
                v.model.warmup,
                if a.settled {
                    ""
                } else {
                    "; no steady state in the first half of the run: make it longer"
                }
            );
        }
        if let Some(p) = v.model.replications.precision {
            let imprecise = runs.imprecise(p);
            if !imprecise.is_empty() {
                println!(
                    "precision {}% not reached after {} replications (the most asked): {}",
                    fixed(p * 100.0, 2),
                    runs.runs,
                    imprecise.join(", ")
                );
            }
        }
        if let Some(bounds) = &v.model.slo.as_ref().map(|_| table::slo_bounds(&v.model))
            && let Some(line) = table::replicated_slo_line(bounds, runs)
        {
            println!("{line}");
        }
        println!(
            "time series, events and plots: replication 1 (seed {})\n",
            v.model.seed
        );
    }
    if done.len() > 1 {
        println!(
            "comparison ({} variants, same seeds, means of the replications):",
            done.len()
        );
        print!(
            "{}",
            table::comparison_table(&comparison_rows(manifest, figures, scaled))
        );
    }
}
