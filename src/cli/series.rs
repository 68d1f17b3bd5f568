//! `capsim run` with replications (`--replications`, the `replications`
//! key, `warmup: auto`), its shares (`--shard i/n`) and `capsim merge`.
//!
//! Replication 0 of every variant (the scenario's own seed) writes the time
//! series, events and plots, as a single run does; the summary, the
//! comparison and the report come from the samples of every replication.
//! Shares run every n-th replication; share 0 always has replication 0, so
//! merging is: share 0's files, then the summary, comparison and report
//! computed from all shares' samples by the same code as a single machine.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::MultiProgress;
use rayon::prelude::*;

use super::{EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_IO, EXIT_SLO_BREACHED, MergeArgs};
use crate::engine::name_hash;
use crate::metrics::NullSink;
use crate::model::{Model, Replications};
use crate::planning::replications::{
    Replicated, SAMPLE_COLUMNS, Sample, Share, consistent, read_samples, replication_model,
    run_series, runs_needed, write_samples,
};
use crate::planning::warmup::{AutoWarmup, find_warmup};
use crate::report::comparison::{self, ComparisonRow};
use crate::report::document::ReportInput;
use crate::report::{atomic, csv, html, markdown, table};
use crate::simulation::{RunError, RunResult, Simulation};

/// The file a share writes beside its variants' folders.
pub const SHARD_FILE: &str = "shard.txt";

/// What the outputs of a series need besides its samples: written by each
/// share, so that a merge rebuilds exactly what one machine writes.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// This share; `None` on one machine.
    pub share: Option<Share>,
    /// A hash of the compiled scenario and options: shares of different
    /// runs must not merge.
    pub fingerprint: String,
    /// The scenario's name.
    pub scenario: String,
    /// Its description.
    pub description: String,
    /// Duration, warm-up, window, seed (the report's facts).
    pub facts: Vec<(String, String)>,
    /// Replications asked for.
    pub spec: Replications,
    /// Variants in order, with their SLO's bounds when they have one.
    pub variants: Vec<(String, Option<String>)>,
}

impl Manifest {
    /// The manifest of `models` (base first) run as `share`.
    pub fn of(models: &[Model], share: Option<Share>) -> Manifest {
        let base = &models[0];
        Manifest {
            share,
            fingerprint: format!("{:016x}", name_hash(&format!("{models:?}"))),
            scenario: base.name.clone(),
            description: base.description.clone(),
            facts: vec![
                ("duration".into(), base.duration.to_string()),
                (
                    "warm-up".into(),
                    if base.warmup_auto {
                        "auto (MSER-5)".to_string()
                    } else {
                        base.warmup.to_string()
                    },
                ),
                ("window".into(), base.window.to_string()),
                ("seed".into(), base.seed.to_string()),
            ],
            spec: base.replications,
            variants: models
                .iter()
                .map(|m| {
                    (
                        m.variant.clone(),
                        m.slo.as_ref().map(|_| table::slo_bounds(m)),
                    )
                })
                .collect(),
        }
    }

    /// As written to [`SHARD_FILE`]: a line per item, values to the end
    /// of the line (newlines escaped).
    pub fn to_text(&self) -> String {
        let esc = |s: &str| s.replace('\\', "\\\\").replace('\n', "\\n");
        let mut out =
            String::from("# a share of a capsim run: combine the shares with `capsim merge`\n");
        if let Some(s) = self.share {
            let _ = writeln!(out, "share {}/{}", s.index, s.count);
        }
        let _ = writeln!(out, "fingerprint {}", self.fingerprint);
        let _ = writeln!(out, "scenario {}", esc(&self.scenario));
        let _ = writeln!(out, "description {}", esc(&self.description));
        for (k, v) in &self.facts {
            let _ = writeln!(out, "fact {}={}", esc(k), esc(v));
        }
        let _ = writeln!(out, "replications {}", spec_text(&self.spec));
        for (v, slo) in &self.variants {
            let _ = writeln!(
                out,
                "variant {}={}",
                esc(v),
                slo.as_deref().map(esc).unwrap_or_default()
            );
        }
        out
    }

    /// Reads [`Manifest::to_text`] back.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let unesc = |s: &str| {
            let mut out = String::new();
            let mut chars = s.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    match chars.next() {
                        Some('n') => out.push('\n'),
                        Some(o) => out.push(o),
                        None => {}
                    }
                } else {
                    out.push(c);
                }
            }
            out
        };
        let mut m = Manifest {
            share: None,
            fingerprint: String::new(),
            scenario: String::new(),
            description: String::new(),
            facts: Vec::new(),
            spec: Replications::default(),
            variants: Vec::new(),
        };
        let mut seen_spec = false;
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let bad = || {
                format!(
                    "line {}: `{line}` is not a line of a share's manifest",
                    i + 1
                )
            };
            let (key, value) = line.split_once(' ').unwrap_or((line, ""));
            match key {
                "share" => {
                    m.share = Some(parse_share(value).map_err(|_| bad())?);
                }
                "fingerprint" => m.fingerprint = value.to_string(),
                "scenario" => m.scenario = unesc(value),
                "description" => m.description = unesc(value),
                "fact" => {
                    let (k, v) = value.split_once('=').ok_or_else(bad)?;
                    m.facts.push((unesc(k), unesc(v)));
                }
                "replications" => {
                    m.spec = parse_spec(value).ok_or_else(bad)?;
                    seen_spec = true;
                }
                "variant" => {
                    let (v, slo) = value.split_once('=').ok_or_else(bad)?;
                    m.variants
                        .push((unesc(v), (!slo.is_empty()).then(|| unesc(slo))));
                }
                _ => return Err(bad()),
            }
        }
        if m.fingerprint.is_empty() || m.scenario.is_empty() || m.variants.is_empty() || !seen_spec
        {
            return Err("an incomplete manifest".to_string());
        }
        Ok(m)
    }
}

/// A replications spec as a manifest writes it: `min max precision`
/// (`-` without one; the precision as Rust prints it, so it reads back).
pub(super) fn spec_text(spec: &Replications) -> String {
    let p = spec
        .precision
        .map(|p| format!("{p}"))
        .unwrap_or_else(|| "-".into());
    format!("{} {} {p}", spec.min, spec.max)
}

/// Reads [`spec_text`] back.
pub(super) fn parse_spec(text: &str) -> Option<Replications> {
    let parts: Vec<&str> = text.split(' ').collect();
    let [min, max, p] = parts[..] else {
        return None;
    };
    Some(Replications {
        min: min.parse().ok()?,
        max: max.parse().ok()?,
        precision: if p == "-" {
            None
        } else {
            Some(p.parse().ok()?)
        },
    })
}

/// Reads `i/n` (i from 0 to n - 1).
pub fn parse_share(text: &str) -> Result<Share, String> {
    let (i, n) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not a share: write `i/n`, such as `0/4`"))?;
    let i: u32 = i
        .trim()
        .parse()
        .map_err(|_| format!("`{i}` is not a share index: write `i/n` with i from 0 to n-1"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("`{n}` is not a number of shares"))?;
    if n == 0 || i >= n {
        return Err(format!(
            "share {i}/{n} does not exist: i runs from 0 to n-1 (0/{} to {}/{})",
            n.max(1),
            n.max(1) - 1,
            n.max(1)
        ));
    }
    Ok(Share { index: i, count: n })
}

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
/// its outputs into `dir`.
pub fn run_variant(
    model: &Model,
    dir: &Path,
    share: Option<Share>,
    quiet: bool,
    stop: &AtomicBool,
    group: Option<&MultiProgress>,
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
            let r = super::run_in_group(&m, dir, quiet, stop, group)?;
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

/// The SLO line of a variant's report and terminal from its samples.
fn slo_line(bounds: &str, runs: &Replicated) -> Option<String> {
    let missed = runs.slo_breached_runs?;
    Some(if missed == 0 {
        format!(
            "{bounds}: held in every window after warm-up in all {} replications",
            runs.runs
        )
    } else {
        format!(
            "{bounds}: missed in some window after warm-up in {missed} of {} replications",
            runs.runs
        )
    })
}

/// `replications.csv` of one variant.
fn samples_csv(variant: &str, samples: &[Sample]) -> std::io::Result<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut header = vec!["variant"];
    header.extend(SAMPLE_COLUMNS);
    w.write_record(&header)?;
    write_samples(&mut w, &[variant.to_string()], samples)?;
    w.into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// Writes what a whole series adds to replication 0's files:
/// `replications.csv` and `summary.csv` per variant, the comparison and the
/// report. `slo_single` overrides a variant's SLO line (one run on one
/// machine: the detailed window verdict). Returns each variant's figures.
fn write_series(
    scenario_dir: &Path,
    manifest: &Manifest,
    series: &[Vec<Sample>],
    slo_single: &[Option<String>],
    autoscaled: &[bool],
) -> std::io::Result<Vec<Replicated>> {
    let figures: Vec<Replicated> = series.iter().map(|s| Replicated::of(s)).collect();
    for ((v, _), (samples, runs)) in manifest.variants.iter().zip(series.iter().zip(&figures)) {
        let dir = scenario_dir.join(v);
        atomic::write_atomic(&dir.join("summary.csv"), &csv::summary_csv(v, runs)?)?;
        atomic::write_atomic(&dir.join("replications.csv"), &samples_csv(v, samples)?)?;
    }
    if manifest.variants.len() > 1 {
        let rows = comparison_rows(manifest, &figures, autoscaled);
        atomic::write_atomic(
            &scenario_dir.join("comparison").join("comparison.csv"),
            &comparison::comparison_csv(&rows)?,
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
                .or_else(|| slo_line(bounds.as_deref()?, runs))?;
            Some((v.clone(), line))
        })
        .collect();
    let input = ReportInput {
        scenario_dir,
        scenario: &manifest.scenario,
        description: &manifest.description,
        variants: &variants,
        facts: &manifest.facts,
        slo: &slo,
    };
    html::write_html(&input)?;
    markdown::write_markdown(&input)?;
    Ok(figures)
}

fn comparison_rows(
    manifest: &Manifest,
    figures: &[Replicated],
    autoscaled: &[bool],
) -> Vec<ComparisonRow> {
    manifest
        .variants
        .iter()
        .zip(figures)
        .zip(autoscaled)
        .map(|(((v, _), r), scaled)| ComparisonRow {
            variant: v.clone(),
            all: r.mean_row(),
            max_utilization: r.busiest(),
            cost_per_hour: r.cost_per_hour,
            cost_total: r.cost_total,
            scaled: *scaled,
        })
        .collect()
}

/// `capsim run` of a series: replications, `warmup: auto` or a share.
pub fn run_series_command(
    models: &[Model],
    out: &Path,
    share: Option<Share>,
    quiet: bool,
) -> ExitCode {
    let scenario_dir = out.join(&models[0].name);
    let compare = models.len() > 1;
    let dirs = match super::prepare_variant_dirs(&scenario_dir, models) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let stop = super::stop_on_interrupt();
    let started = std::time::Instant::now();
    let group = compare.then(MultiProgress::new);
    let results: Vec<Result<VariantSeries, RunError>> = models
        .par_iter()
        .zip(&dirs)
        .map(|(m, dir)| run_variant(m, dir, share, quiet, &stop, group.as_ref()))
        .collect();
    let mut done = Vec::new();
    for (m, r) in models.iter().zip(results) {
        match r {
            Ok(r) => done.push(r),
            Err(RunError::Interrupted) => {
                eprintln!(
                    "interrupted: the series' summaries were not written to `{}`",
                    scenario_dir.display()
                );
                return ExitCode::from(EXIT_INTERRUPTED);
            }
            Err(RunError::Unbounded(msg)) => {
                eprintln!("error: variant `{}`: {msg}", m.variant);
                return ExitCode::from(EXIT_BAD_INPUT);
            }
            Err(RunError::Io(e)) => {
                eprintln!(
                    "error: writing outputs to `{}` failed: {e}",
                    scenario_dir.display()
                );
                return ExitCode::from(EXIT_IO);
            }
        }
    }
    let manifest = Manifest::of(models, share);
    let has_first = done.iter().all(|v| v.first.is_some());
    // Plots over variants read replication 0's files: only where it ran.
    if compare && has_first {
        let firsts: Vec<RunResult> = done.iter().map(|v| v.first.clone().expect("ran")).collect();
        let ran: Vec<Model> = done.iter().map(|v| v.model.clone()).collect();
        let rows: Vec<ComparisonRow> = ran
            .iter()
            .zip(&firsts)
            .map(|(m, r)| ComparisonRow::new(m, r))
            .collect();
        if let Err(e) = super::write_comparison(&scenario_dir, &ran, &rows)
            .and_then(|_| super::write_scaling_comparison(&scenario_dir, &ran, &firsts))
        {
            eprintln!(
                "error: writing the comparison to `{}` failed: {e}",
                scenario_dir.display()
            );
            return ExitCode::from(EXIT_IO);
        }
    }
    let samples: Vec<Vec<Sample>> = done.iter().map(|v| v.samples.clone()).collect();
    if let Some(s) = share {
        // A share's summary would describe part of the series: only its
        // samples and the manifest are written, for `capsim merge`.
        for (v, series) in manifest.variants.iter().zip(&samples) {
            let path = scenario_dir.join(&v.0).join("replications.csv");
            if let Err(e) = samples_csv(&v.0, series).and_then(|b| atomic::write_atomic(&path, &b))
            {
                eprintln!("error: writing `{}` failed: {e}", path.display());
                return ExitCode::from(EXIT_IO);
            }
        }
        let path = scenario_dir.join(SHARD_FILE);
        if let Err(e) = atomic::write_atomic(&path, manifest.to_text().as_bytes()) {
            eprintln!("error: writing `{}` failed: {e}", path.display());
            return ExitCode::from(EXIT_IO);
        }
        if !quiet {
            let ks: Vec<String> = samples[0]
                .iter()
                .map(|s| (s.replication + 1).to_string())
                .collect();
            println!(
                "share {}/{} of {} ({} replications): ran replications {} of each variant\nwrote {}/ (merge the shares with `capsim merge DIR... --out DIR`)",
                s.index,
                s.count,
                manifest.scenario,
                manifest.spec.max,
                ks.join(", "),
                scenario_dir.display()
            );
        }
        return ExitCode::SUCCESS;
    }
    // Stale from an earlier share run here, it would be merged again.
    let _ = std::fs::remove_file(scenario_dir.join(SHARD_FILE));
    let single: Vec<Option<String>> = done
        .iter()
        .map(|v| match (&v.first, v.samples.len()) {
            (Some(r), 1) => r.slo.as_ref().map(|s| table::slo_verdict(&v.model, s)),
            _ => None,
        })
        .collect();
    let scaled: Vec<bool> = done.iter().map(|v| v.model.autoscales()).collect();
    let figures = match write_series(&scenario_dir, &manifest, &samples, &single, &scaled) {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "error: writing the summaries to `{}` failed: {e}",
                scenario_dir.display()
            );
            return ExitCode::from(EXIT_IO);
        }
    };
    if !quiet {
        for (v, runs) in done.iter().zip(&figures) {
            print!("{}", table::replicated_table(&v.model, runs));
            let est = crate::planning::estimate::estimate(&v.model);
            let all = runs.all();
            print!(
                "{}",
                crate::report::estimate::beside_figures(
                    &est,
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
                        crate::report::csv::fixed(p * 100.0, 2),
                        runs.runs,
                        imprecise.join(", ")
                    );
                }
            }
            if let Some(bounds) = &v.model.slo.as_ref().map(|_| table::slo_bounds(&v.model))
                && let Some(line) = slo_line(bounds, runs)
            {
                println!("{line}");
            }
            println!(
                "time series, events and plots: replication 1 (seed {})\n",
                v.model.seed
            );
        }
        if compare {
            println!(
                "comparison ({} variants, same seeds, means of the replications):",
                models.len()
            );
            print!(
                "{}",
                comparison::comparison_table(&comparison_rows(&manifest, &figures, &scaled))
            );
        }
        let runs: u32 = figures.iter().map(|f| f.runs).sum();
        println!(
            "\nwrote {}/\n{runs} runs in {:.2} s on {} threads",
            scenario_dir.display(),
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

/// Copies the files of `from` into `to`, folders included, except the
/// manifest and the files the merge computes.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    atomic::prepare_dir(to)?;
    let mut entries: Vec<_> = std::fs::read_dir(from)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        let path = e.path();
        if e.file_type()?.is_dir() {
            copy_tree(&path, &to.join(&name))?;
        } else if name != SHARD_FILE && name != "replications.csv" {
            atomic::write_atomic(&to.join(&name), &std::fs::read(&path)?)?;
        }
    }
    Ok(())
}

/// `capsim merge DIR... --out DIR`.
pub fn merge(args: &MergeArgs) -> ExitCode {
    let fail = |msg: String| {
        eprintln!("error: {msg}");
        ExitCode::from(EXIT_BAD_INPUT)
    };
    // Every scenario folder with a manifest, under each DIR: a run's in
    // `<scenario>/`, a sweep's in `<scenario>/sweep/`.
    let mut shares: Vec<(Manifest, PathBuf)> = Vec::new();
    let mut sweeps: Vec<(PathBuf, String)> = Vec::new();
    for dir in &args.dirs {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => return fail(format!("cannot read `{}`: {e}", dir.display())),
        };
        let mut found = false;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            if let Ok(text) = std::fs::read_to_string(p.join("sweep").join(SHARD_FILE)) {
                sweeps.push((p.join("sweep"), text));
                found = true;
            }
            let file = p.join(SHARD_FILE);
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            match Manifest::parse(&text) {
                Ok(m) if m.share.is_some() => {
                    shares.push((m, p));
                    found = true;
                }
                Ok(_) => return fail(format!("`{}` is not a share's manifest", file.display())),
                Err(e) => return fail(format!("`{}`: {e}", file.display())),
            }
        }
        if !found {
            return fail(format!(
                "`{}` holds no share (no `<scenario>/{SHARD_FILE}`): give the `--out` folders of runs made with `--shard i/n`",
                dir.display()
            ));
        }
    }
    match super::sweep::merge_sweeps(&sweeps, &args.out) {
        Ok(_) => {}
        Err((code, msg)) => {
            eprintln!("error: {msg}");
            return ExitCode::from(code);
        }
    }
    let mut scenarios: Vec<String> = shares.iter().map(|s| s.0.scenario.clone()).collect();
    scenarios.sort();
    scenarios.dedup();
    let mut status = ExitCode::SUCCESS;
    for scenario in scenarios {
        let mut parts: Vec<&(Manifest, PathBuf)> =
            shares.iter().filter(|s| s.0.scenario == scenario).collect();
        parts.sort_by_key(|s| s.0.share.map(|s| s.index));
        let first = &parts[0].0;
        let count = first.share.map_or(1, |s| s.count);
        for (m, p) in &parts {
            let mut a = m.clone();
            let mut b = first.clone();
            a.share = None;
            b.share = None;
            if a != b {
                return fail(format!(
                    "`{}` is a share of another run of `{scenario}` (different scenario, options or replications) than `{}`",
                    p.display(),
                    parts[0].1.display()
                ));
            }
            if m.share.map(|s| s.count) != Some(count) {
                return fail(format!(
                    "`{}` splits `{scenario}` in a different number of shares",
                    p.display()
                ));
            }
        }
        let have: Vec<u32> = parts
            .iter()
            .filter_map(|p| p.0.share.map(|s| s.index))
            .collect();
        for i in 0..count {
            match have.iter().filter(|&&h| h == i).count() {
                0 => return fail(format!("share {i}/{count} of `{scenario}` is missing")),
                1 => {}
                _ => return fail(format!("share {i}/{count} of `{scenario}` is given twice")),
            }
        }
        let out_dir = args.out.join(&scenario);
        let mut series = Vec::new();
        for (v, _) in &first.variants {
            let mut samples: Vec<Sample> = Vec::new();
            for (_, p) in &parts {
                let path = p.join(v).join("replications.csv");
                let text = match std::fs::read_to_string(&path) {
                    Ok(t) => t,
                    Err(e) => return fail(format!("cannot read `{}`: {e}", path.display())),
                };
                match read_samples(&text, 1) {
                    Ok(rows) => samples.extend(rows.into_iter().map(|(_, s)| s)),
                    Err(e) => return fail(format!("`{}`: {e}", path.display())),
                }
            }
            samples.sort_by_key(|s| s.replication);
            if !consistent(&samples) || samples.iter().any(Sample::unbounded) {
                return fail(format!(
                    "the shares' samples of variant `{v}` of `{scenario}` do not agree on the request classes: were the files edited?"
                ));
            }
            let complete = samples.len() == first.spec.max as usize
                && samples
                    .iter()
                    .enumerate()
                    .all(|(i, s)| s.replication as usize == i);
            if !complete {
                return fail(format!(
                    "the shares of `{scenario}` hold {} samples of variant `{v}`, not replications 1 to {}",
                    samples.len(),
                    first.spec.max
                ));
            }
            let keep = runs_needed(&samples, &first.spec);
            samples.truncate(keep);
            series.push(samples);
        }
        // Every sample checked, share 0 (which ran replication 0) gives its
        // time series, events and plots.
        if let Err(e) = copy_tree(&parts[0].1, &out_dir) {
            eprintln!(
                "error: copying share 0 into `{}` failed: {e}",
                out_dir.display()
            );
            return ExitCode::from(EXIT_IO);
        }
        let mut manifest = first.clone();
        manifest.share = None;
        let single = vec![None; series.len()];
        // Autoscaling shows in the comparison's terminal table only.
        let scaled = vec![false; series.len()];
        let figures = match write_series(&out_dir, &manifest, &series, &single, &scaled) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("error: writing `{}` failed: {e}", out_dir.display());
                return ExitCode::from(EXIT_IO);
            }
        };
        println!(
            "merged {count} shares of {scenario}: {} replications per variant into {}/",
            figures.first().map_or(0, |f| f.runs),
            out_dir.display()
        );
        if figures.iter().any(|f| f.slo_breached_runs.unwrap_or(0) > 0) {
            status = ExitCode::from(EXIT_SLO_BREACHED);
        }
    }
    status
}
