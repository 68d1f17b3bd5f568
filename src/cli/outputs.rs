//! The outputs manager: which files each command writes, and which files an
//! earlier command left that would now describe another run and are
//! removed. Every file is written atomically (see `report::atomic`); the
//! bytes come from `report/` and `planning/`.
//!
//! - a run folder (`OUT/<scenario>/<variant>/`): [`write_run_outputs`];
//! - a scenario (`OUT/<scenario>/`): [`ScenarioOutputs`], the comparison of
//!   variants, the reports, and a series' summaries or a share's samples;
//! - a sweep or a plan (`OUT/<scenario>/sweep/`, `.../plan/`): [`GridOutputs`].

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::exit::EXIT_BAD_INPUT;
use crate::metrics::MemorySink;
use crate::model::{Kind, Model};
use crate::planning::manifest::{Manifest, SHARD_FILE, SweepManifest};
use crate::planning::objective::Objective;
use crate::planning::replications::{Replicated, Sample, replications_csv};
use crate::planning::sweep::{Axis, Point, PointFigures, plot_axes, point_index, report_points};
use crate::report::comparison::ComparisonRow;
use crate::report::document::ReportInput;
use crate::report::export::export;
use crate::report::html::Html;
use crate::report::markdown::Markdown;
use crate::report::metrics_export::{self, Export, RecordedRun};
use crate::report::schema::replications::{POINT, VARIANT};
use crate::report::{atomic, csv, flow, geo, plots, replication, table};
use crate::simulation::RunResult;

/// Makes `dir` ready for outputs; exits 2 when it cannot be written.
pub fn prepare_output_dir(dir: &Path) -> Result<(), ExitCode> {
    atomic::prepare_dir(dir).map_err(|e| {
        eprintln!(
            "error: cannot write outputs to `{}`: {e}",
            super::transaction::shown(dir).display()
        );
        ExitCode::from(EXIT_BAD_INPUT)
    })
}

/// Removes `path`, left by an earlier run that wrote it: it would describe
/// this one. Nothing to remove is fine.
fn remove_stale(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Writes what a finished run adds to the streamed `timeseries.csv` and
/// `components.csv` in `dir` (which the plots read): `summary.csv`, with
/// faults or an SLO `events.csv` and `recovery.csv`, then the plots;
/// `retries.png` with retries or breakers, `autoscale.png` when it scaled;
/// `topology.svg` and `topology.png` (the compiled model drawn);
/// with data centers the files of [`write_geo_outputs`], with a database of
/// another topology than primary/replica those of
/// [`write_replication_outputs`], with [flow] calls those of
/// [`write_flow_outputs`].
pub fn write_run_outputs(model: &Model, result: &RunResult, dir: &Path) -> io::Result<()> {
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
        for name in ["events.csv", "recovery.csv"] {
            remove_stale(&dir.join(name))?;
        }
    }
    let mut markers = plots::Marker::rate_changes(model);
    markers.extend(plots::Marker::from_run(&result.log, &result.recovery));
    let kinds = plots::ComponentKinds::of(model);
    let input = plots::RunPlots {
        dir,
        scenario: &model.name,
        variant: &model.variant,
        warmup: model.warmup,
        duration: model.duration,
        markers: &markers,
        latency_by_class: &result.latency_by_class,
        kinds: &kinds,
    };
    // The drawing needs only the model: drawn beside the plots, on another
    // core when one is free.
    let (topology, run_plots) = rayon::join(
        || crate::report::topology::write_topology(model, dir),
        || plots::write_run_plots(&input),
    );
    topology?;
    run_plots?;
    let retrying = model.has_retries_or_breakers();
    plots::write_retries_plot(&input, retrying.then_some(&result.log[..]))?;
    if !result.scaling.is_empty() {
        plots::write_autoscale_plot(&input, &result.scaling)?;
    } else {
        remove_stale(&dir.join("autoscale.png"))?;
    }
    write_geo_outputs(model, result, &input)?;
    write_replication_outputs(model, result, &input)?;
    write_flow_outputs(model, result, &input)
}

/// With `--export` (`export` and the rows the run recorded), writes each
/// format's file (`metrics.om`) into the run's folder; removes the files of
/// the formats it does not write, which an earlier run left there.
pub fn write_export_outputs(
    model: &Model,
    result: &RunResult,
    export: Option<(&Export, &MemorySink)>,
    dir: &Path,
) -> io::Result<()> {
    let formats = export.map_or(&[][..], |(e, _)| &e.formats[..]);
    for f in metrics_export::FILES {
        if !formats.iter().any(|x| x.exporter().file_name() == f) {
            remove_stale(&dir.join(f))?;
        }
    }
    let Some((e, rows)) = export else {
        return Ok(());
    };
    let run = RecordedRun {
        model,
        windows: &rows.windows,
        components: &rows.components,
        scaling: &result.scaling,
        epoch: e.epoch,
    };
    metrics_export::write_exports(&run, &e.formats, dir)
}

/// With [flow] calls (`parallel`, `hedge`, `pool`, `bulkhead`: the
/// result's flow), writes `calls.csv`, `calls_summary.csv` and `calls.png`
/// into the run's folder; without, removes any an earlier run left there.
pub fn write_flow_outputs(
    model: &Model,
    result: &RunResult,
    input: &plots::RunPlots,
) -> io::Result<()> {
    let dir = input.dir;
    let Some(f) = result.flow.as_deref() else {
        for name in flow::FILES.iter().chain(&[flow::PLOT]) {
            remove_stale(&dir.join(name))?;
        }
        return Ok(());
    };
    let files = [
        flow::calls_csv(model, f)?,
        flow::calls_summary_csv(model, f, model.warmup)?,
    ];
    for (name, bytes) in flow::FILES.iter().zip(&files) {
        atomic::write_atomic(&dir.join(name), bytes)?;
    }
    plots::write_calls_plot(input, model, f)?;
    Ok(())
}

/// With a database of another topology than primary/replica (the result's
/// replication), writes `replication.csv`, `replication_summary.csv` and
/// `replication.png` into the run's folder; without, removes any an
/// earlier run left there.
pub fn write_replication_outputs(
    model: &Model,
    result: &RunResult,
    input: &plots::RunPlots,
) -> io::Result<()> {
    let dir = input.dir;
    let Some(r) = result.replication.as_deref() else {
        for name in replication::FILES.iter().chain(&[replication::PLOT]) {
            remove_stale(&dir.join(name))?;
        }
        return Ok(());
    };
    let files = [
        replication::replication_csv(model, r)?,
        replication::replication_summary_csv(model, r)?,
    ];
    for (name, bytes) in replication::FILES.iter().zip(&files) {
        atomic::write_atomic(&dir.join(name), bytes)?;
    }
    plots::write_replication_plot(input, model, r, &result.log)?;
    Ok(())
}

/// With data centers (the model's and the result's), writes `links.csv`,
/// `datacenters.csv`, `links_summary.csv`, `datacenters_summary.csv` and
/// `geo.png` into the run's folder; without, removes any an earlier run
/// left there.
pub fn write_geo_outputs(
    model: &Model,
    result: &RunResult,
    input: &plots::RunPlots,
) -> io::Result<()> {
    let dir = input.dir;
    let (Some(geo), Some(g)) = (model.geo.as_deref(), result.geo.as_deref()) else {
        for name in geo::FILES.iter().chain(&["geo.png"]) {
            remove_stale(&dir.join(name))?;
        }
        return Ok(());
    };
    let files = [
        geo::links_csv(geo, &g.links)?,
        geo::datacenters_csv(geo, &g.datacenters)?,
        geo::links_summary_csv(geo, g, model.warmup)?,
        geo::datacenters_summary_csv(geo, g, &result.recovery, model.warmup, model.duration)?,
    ];
    for (name, bytes) in geo::FILES.iter().zip(&files) {
        atomic::write_atomic(&dir.join(name), bytes)?;
    }
    plots::write_geo_plot(input, geo, g, &result.log)?;
    Ok(())
}

/// The outputs of one scenario's run or series: `OUT/<scenario>/`, a folder
/// per variant, `comparison/` when there are several, the reports.
pub struct ScenarioOutputs {
    /// `OUT/<scenario>/`.
    pub dir: PathBuf,
}

impl ScenarioOutputs {
    /// The outputs of `models` (base first) under `out`.
    pub fn new(out: &Path, models: &[Model]) -> ScenarioOutputs {
        ScenarioOutputs {
            dir: out.join(&models[0].name),
        }
    }

    /// The folder of each variant, then `comparison/` when there are
    /// several, all made ready for outputs.
    pub fn prepare(&self, models: &[Model]) -> Result<Vec<PathBuf>, ExitCode> {
        let mut dirs: Vec<PathBuf> = models.iter().map(|m| self.dir.join(&m.variant)).collect();
        if models.len() > 1 {
            dirs.push(self.dir.join("comparison"));
        }
        for dir in &dirs {
            prepare_output_dir(dir)?;
        }
        Ok(dirs)
    }

    /// Writes `comparison/`: `comparison.csv` and the overlaid plots, then
    /// `instances.png` when a variant autoscales (see
    /// [`ScenarioOutputs::write_scaling_comparison`]).
    pub fn write_comparison(
        &self,
        models: &[Model],
        rows: &[ComparisonRow],
        results: &[RunResult],
    ) -> io::Result<()> {
        let dir = self.dir.join("comparison");
        atomic::write_atomic(&dir.join("comparison.csv"), &csv::comparison_csv(rows)?)?;
        let variant_dirs: Vec<PathBuf> = models.iter().map(|m| self.dir.join(&m.variant)).collect();
        let kinds: Vec<plots::ComponentKinds> =
            models.iter().map(plots::ComponentKinds::of).collect();
        let variants: Vec<plots::VariantRun> = models
            .iter()
            .zip(variant_dirs.iter().zip(&kinds))
            .map(|(m, (d, k))| plots::VariantRun {
                name: &m.variant,
                dir: d,
                kinds: k,
            })
            .collect();
        let base = &models[0];
        plots::write_comparison_plots(
            &dir,
            &base.name,
            &variants,
            base.warmup,
            &planned_markers(base),
        )?;
        self.write_scaling_comparison(models, results)
    }

    /// Writes `comparison/instances.png` when a variant autoscales: the
    /// instances serving of the first autoscaled pool, variant by variant;
    /// removes an earlier one otherwise.
    fn write_scaling_comparison(&self, models: &[Model], results: &[RunResult]) -> io::Result<()> {
        let dir = self.dir.join("comparison");
        let Some(pool) = results
            .iter()
            .find_map(|r| r.scaling.first())
            .map(|t| t.component.clone())
        else {
            return remove_stale(&dir.join("instances.png"));
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
                    .filter(|&i| m.kind_of(i as u32) == Kind::Service)
                    .map(|i| m.initial_instances(i as u32)),
                cost_total: r.cost_total,
            })
            .collect();
        let base = &models[0];
        plots::write_scaling_comparison(
            &dir,
            &base.name,
            &pool,
            &variants,
            base.warmup,
            base.duration,
            &planned_markers(base),
        )?;
        Ok(())
    }

    /// Writes `report.html` and `report.md` of single runs: the base's
    /// facts, each variant's SLO verdict.
    pub fn write_run_reports(&self, models: &[Model], results: &[RunResult]) -> io::Result<()> {
        let base = &models[0];
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
        let variants: Vec<String> = models.iter().map(|m| m.variant.clone()).collect();
        self.write_reports(&base.name, &base.description, &variants, &facts, &slo)
    }

    /// Writes `report.html` and `report.md` from the folder's files.
    fn write_reports(
        &self,
        scenario: &str,
        description: &str,
        variants: &[String],
        facts: &[(String, String)],
        slo: &[(String, String)],
    ) -> io::Result<()> {
        let input = ReportInput {
            scenario_dir: &self.dir,
            scenario,
            description,
            variants,
            facts,
            slo,
        };
        export(&input, &[&Html, &Markdown])?;
        Ok(())
    }

    /// Writes what a whole series adds to replication 0's files:
    /// `replications.csv` and `summary.csv` per variant, the comparison and
    /// the report. `slo_single` overrides a variant's SLO line (one run on
    /// one machine: the detailed window verdict); `autoscaled` says which
    /// variants scale. Returns each variant's figures.
    pub fn write_series(
        &self,
        manifest: &Manifest,
        series: &[Vec<Sample>],
        slo_single: &[Option<String>],
        autoscaled: &[bool],
    ) -> io::Result<Vec<Replicated>> {
        let figures: Vec<Replicated> = series.iter().map(|s| Replicated::of(s)).collect();
        for ((v, _), (samples, runs)) in manifest.variants.iter().zip(series.iter().zip(&figures)) {
            let dir = self.dir.join(v);
            atomic::write_atomic(&dir.join("summary.csv"), &csv::summary_csv(v, runs)?)?;
            atomic::write_atomic(&dir.join("replications.csv"), &samples_csv(v, samples)?)?;
        }
        if manifest.variants.len() > 1 {
            let rows = comparison_rows(manifest, &figures, autoscaled);
            atomic::write_atomic(
                &self.dir.join("comparison").join("comparison.csv"),
                &csv::comparison_csv(&rows)?,
            )?;
        }
        let variants: Vec<String> = manifest.variants.iter().map(|v| v.0.clone()).collect();
        let slo: Vec<(String, String)> = manifest
            .variants
            .iter()
            .zip(&figures)
            .zip(slo_single)
            .filter_map(|(((v, bounds), runs), single)| {
                let line = single
                    .clone()
                    .or_else(|| table::replicated_slo_line(bounds.as_deref()?, runs))?;
                Some((v.clone(), line))
            })
            .collect();
        self.write_reports(
            &manifest.scenario,
            &manifest.description,
            &variants,
            &manifest.facts,
            &slo,
        )?;
        Ok(figures)
    }

    /// Writes a share's outputs for `capsim merge`: its samples of each
    /// variant and the manifest (a share's summary would describe part of
    /// the series). On failure, the path that could not be written.
    pub fn write_share(
        &self,
        manifest: &Manifest,
        samples: &[Vec<Sample>],
    ) -> Result<(), (PathBuf, io::Error)> {
        for (v, series) in manifest.variants.iter().zip(samples) {
            let path = self.dir.join(&v.0).join("replications.csv");
            samples_csv(&v.0, series)
                .and_then(|b| atomic::write_atomic(&path, &b))
                .map_err(|e| (path, e))?;
        }
        let path = self.dir.join(SHARD_FILE);
        atomic::write_atomic(&path, manifest.to_text().as_bytes()).map_err(|e| (path, e))
    }

    /// Removes the manifest an earlier share run left here: it would be
    /// merged again.
    pub fn forget_share(&self) {
        let _ = std::fs::remove_file(self.dir.join(SHARD_FILE));
    }
}

/// The markers of the comparison plots: the base's rate changes and planned
/// faults (detections differ between variants).
fn planned_markers(base: &Model) -> Vec<plots::Marker> {
    let mut markers = plots::Marker::rate_changes(base);
    markers.extend(plots::Marker::planned_faults(base));
    markers
}

/// The comparison rows of a series: each variant's means.
pub fn comparison_rows(
    manifest: &Manifest,
    figures: &[Replicated],
    autoscaled: &[bool],
) -> Vec<ComparisonRow> {
    manifest
        .variants
        .iter()
        .zip(figures)
        .zip(autoscaled)
        .map(|(((v, _), r), scaled)| ComparisonRow::of_replicated(v, r, *scaled))
        .collect()
}

/// `replications.csv` of one variant.
fn samples_csv(variant: &str, samples: &[Sample]) -> io::Result<Vec<u8>> {
    replications_csv(&[VARIANT], [(vec![variant.to_string()], samples)])
}

/// The outputs of a sweep or a plan: `OUT/<scenario>/sweep/` or `plan/`.
pub struct GridOutputs {
    /// The folder.
    pub dir: PathBuf,
}

impl GridOutputs {
    /// Writes `replications.csv`: every run of every point, labelled by the
    /// point's index and values.
    pub fn write_samples(&self, axes: &[Axis], points: &[Point]) -> io::Result<()> {
        let mut labels: Vec<&str> = vec![POINT];
        labels.extend(axes.iter().map(|a| a.key.as_str()));
        let groups = points.iter().map(|p| {
            let mut label = vec![point_index(axes, &p.at).to_string()];
            label.extend(axes.iter().zip(&p.at).map(|(a, &i)| a.values[i].clone()));
            (label, &p.samples[..])
        });
        atomic::write_atomic(
            &self.dir.join("replications.csv"),
            &replications_csv(&labels, groups)?,
        )
    }

    /// Writes a share's manifest beside its samples.
    pub fn write_share(&self, manifest: &SweepManifest) -> io::Result<()> {
        atomic::write_atomic(&self.dir.join(SHARD_FILE), manifest.to_text().as_bytes())
    }

    /// Removes the manifest an earlier share run left here.
    pub fn forget_share(&self) {
        let _ = std::fs::remove_file(self.dir.join(SHARD_FILE));
    }

    /// Writes `sweep.csv` and its plots; returns the plots' file names.
    pub fn write_sweep(
        &self,
        scenario: &str,
        axes: &[Axis],
        pts: &[PointFigures],
        objective: Option<Objective>,
    ) -> io::Result<Vec<String>> {
        self.write_points("sweep", scenario, axes, pts, objective, None)
    }

    /// Writes `plan.csv` and its plots, `chosen` marked (empty when no
    /// point met the objective).
    pub fn write_plan(
        &self,
        scenario: &str,
        axes: &[Axis],
        pts: &[PointFigures],
        objective: Objective,
        chosen: &[usize],
    ) -> io::Result<()> {
        self.write_points("plan", scenario, axes, pts, Some(objective), Some(chosen))
            .map(|_| ())
    }

    /// Writes `<title>.csv` and the plots against each key, and removes the
    /// plots of keys an earlier command here varied: they would describe
    /// another grid.
    fn write_points(
        &self,
        title: &str,
        scenario: &str,
        axes: &[Axis],
        pts: &[PointFigures],
        objective: Option<Objective>,
        chosen: Option<&[usize]>,
    ) -> io::Result<Vec<String>> {
        let points = report_points(axes, pts, objective, chosen);
        atomic::write_atomic(
            &self.dir.join(format!("{title}.csv")),
            &csv::points_csv(&points)?,
        )?;
        let plot_axes = plot_axes(axes);
        let plot_points = points.plot_points();
        let written = plots::sweep::write_sweep_plots(&plots::sweep::SweepPlots {
            dir: &self.dir,
            scenario,
            title,
            axes: &plot_axes,
            points: &plot_points,
            slo_p99_ms: objective.and_then(|o| o.p99_ms),
            slo_error_rate: objective.and_then(|o| o.error_rate),
        })?;
        let prefix = format!("{title}_");
        for e in std::fs::read_dir(&self.dir)?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(&prefix) && name.ends_with(".png") && !written.contains(&name) {
                std::fs::remove_file(e.path())?;
            }
        }
        Ok(written)
    }
}
