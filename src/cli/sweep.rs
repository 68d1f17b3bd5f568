//! `capsim sweep` (every point of a grid, with replications) and
//! `capsim plan` (the cheapest point that meets the SLO, by search).
//!
//! A point is the scenario with one `--set` per varied key. Replication k of
//! every point has the same seed (common random numbers), so neighbouring
//! points differ by their configuration, not by their luck.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use super::series::SHARD_FILE;
use super::{
    EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_IO, GridArgs, PlanArgs, SweepArgs, report_failure,
};
use crate::engine::name_hash;
use crate::metrics::NullSink;
use crate::model::{Model, Replications};
use crate::planning::interval::Figure;
use crate::planning::plan::{Verdict, search};
use crate::planning::replications::{
    Replicated, SAMPLE_COLUMNS, Sample, Share, consistent, read_samples, replication_model,
    run_series, runs_needed, write_samples,
};
use crate::planning::sweep::{Axis, check_grid, point_index, points};
use crate::planning::warmup::find_warmup;
use crate::report::csv::fixed;
use crate::report::{atomic, plots};
use crate::scenario::{self, LoadOptions};
use crate::simulation::{RunError, Simulation};

/// Replications per point when neither the file nor `--replications` says:
/// enough for an interval.
pub const DEFAULT_REPLICATIONS: u32 = 5;

/// The objective a point is judged against: the upper ends of its 95%
/// intervals of p99 and error rate (over the run after warm-up).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Objective {
    /// Most p99, in milliseconds.
    pub p99_ms: Option<f64>,
    /// Most error rate, a fraction.
    pub error_rate: Option<f64>,
}

impl Objective {
    /// Reads `p99=600ms,error_rate=1%`.
    pub fn parse(text: &str) -> Result<Objective, String> {
        let mut o = Objective {
            p99_ms: None,
            error_rate: None,
        };
        for part in text.split(',') {
            let (k, v) = part.split_once('=').ok_or_else(|| {
                format!("`{part}` is not `key=value`: write `--slo p99=600ms,error_rate=1%`")
            })?;
            match k.trim() {
                "p99" => {
                    let d = scenario::spec::parse_duration(v.trim())?;
                    o.p99_ms = Some(d.as_millis_f64());
                }
                "error_rate" => {
                    let v = v.trim();
                    let x = match v.strip_suffix('%') {
                        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
                        None => v.parse::<f64>(),
                    }
                    .map_err(|_| format!("`{v}` is not an error rate: write `1%` or `0.01`"))?;
                    if !(0.0..=1.0).contains(&x) {
                        return Err(format!("`{v}`: an error rate is between 0% and 100%"));
                    }
                    o.error_rate = Some(x);
                }
                other => {
                    return Err(format!(
                        "`{other}` is not a bound of the SLO: expected `p99` or `error_rate`"
                    ));
                }
            }
        }
        Ok(o)
    }

    /// The file's `slo`.
    pub fn of_model(m: &Model) -> Option<Objective> {
        let s = m.slo.as_ref()?;
        Some(Objective {
            p99_ms: s.p99.map(|d| d.as_millis_f64()),
            error_rate: s.error_rate,
        })
    }

    /// Whether figures meet it: their intervals' upper ends within bounds.
    pub fn met_by(&self, r: &Replicated) -> bool {
        let a = r.all();
        let p99 = self
            .p99_ms
            .is_none_or(|b| a.latency_ms[3].is_some_and(|f| f.upper() <= b));
        let err = self.error_rate.is_none_or(|b| a.error_rate.upper() <= b);
        p99 && err
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = self.p99_ms {
            parts.push(format!("p99 <= {} ms", fixed(p, 3)));
        }
        if let Some(e) = self.error_rate {
            parts.push(format!("error rate <= {}%", fixed(e * 100.0, 4)));
        }
        parts.join(", ")
    }
}

/// One point's outcome.
struct Point {
    /// Value indices.
    at: Vec<usize>,
    /// Samples in replication order (its share of them in a share).
    samples: Vec<Sample>,
}

impl Point {
    /// Its figures; `None` when a run was overloaded without bound.
    fn figures(&self) -> Option<Replicated> {
        if self.samples.is_empty() || self.samples.iter().any(Sample::unbounded) {
            None
        } else {
            Some(Replicated::of(&self.samples))
        }
    }
}

/// Loads the scenario with the point's `--set`s.
fn point_model(
    file: &Path,
    base: &LoadOptions,
    axes: &[Axis],
    at: &[usize],
    replications: Option<u32>,
) -> Result<Model, scenario::LoadFailure> {
    let mut opts = base.clone();
    opts.sets
        .extend(axes.iter().zip(at).map(|(a, &i)| a.set(i)));
    let mut m = scenario::load_file(file, &opts)?.remove(0);
    if let Some(n) = replications {
        m.replications = Replications {
            min: n,
            max: n,
            precision: None,
        };
    } else if m.replications.max < 2 {
        m.replications = Replications {
            min: DEFAULT_REPLICATIONS,
            max: DEFAULT_REPLICATIONS,
            precision: None,
        };
    }
    Ok(m)
}

/// Runs a point's replications (its share of them): an overloaded run is a
/// sample without figures, not an error.
fn run_point(
    model: &Model,
    share: Option<Share>,
    offset: u64,
    stop: &AtomicBool,
) -> Result<Vec<Sample>, RunError> {
    let mut model = model.clone();
    if model.warmup_auto {
        model.warmup = find_warmup(&model, stop)?.warmup;
    }
    run_series(&model.replications, share, offset, |k| {
        let m = replication_model(&model, k);
        match Simulation::new(&m).run(&mut NullSink, &mut |_, _| !stop.load(Ordering::Relaxed)) {
            Ok(r) => Ok(Sample::of_run(k, &m, &r)),
            Err(RunError::Unbounded(_)) => Ok(Sample::unbounded_run(k, m.seed, m.warmup)),
            Err(e) => Err(e),
        }
    })
}

/// Columns of `sweep.csv` and `plan.csv` after the varied keys.
const POINT_COLUMNS: &[&str] = &[
    "replications",
    "warmup_s",
    "requests",
    "error_rate",
    "error_rate_lo",
    "error_rate_hi",
    "throughput_rps",
    "throughput_rps_lo",
    "throughput_rps_hi",
    "goodput_rps",
    "goodput_rps_lo",
    "goodput_rps_hi",
    "latency_mean_ms",
    "latency_mean_ms_lo",
    "latency_mean_ms_hi",
    "latency_p50_ms",
    "latency_p50_ms_lo",
    "latency_p50_ms_hi",
    "latency_p90_ms",
    "latency_p90_ms_lo",
    "latency_p90_ms_hi",
    "latency_p99_ms",
    "latency_p99_ms_lo",
    "latency_p99_ms_hi",
    "latency_p999_ms",
    "latency_p999_ms_lo",
    "latency_p999_ms_hi",
    "cost_per_hour",
    "cost_per_million",
    "status",
    "meets",
];

/// `sweep.csv` / `plan.csv`: one row per point in grid order.
fn points_csv(
    axes: &[Axis],
    pts: &[(Vec<usize>, Option<Replicated>, u32)],
    objective: Option<Objective>,
    chosen: Option<&[usize]>,
) -> std::io::Result<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = axes.iter().map(|a| a.key.as_str()).collect();
    header.extend(POINT_COLUMNS);
    if chosen.is_some() {
        header.push("chosen");
    }
    w.write_record(&header)?;
    for (at, figures, runs) in pts {
        let mut rec: Vec<String> = axes
            .iter()
            .zip(at)
            .map(|(a, &i)| a.values[i].clone())
            .collect();
        match figures {
            Some(r) => {
                let a = r.all();
                rec.extend([
                    r.runs.to_string(),
                    fixed(r.warmup.as_secs_f64(), 3),
                    fixed(a.counts[0], 1),
                ]);
                rec.extend(crate::report::csv::figure_cells(a, 5));
                rec.push(r.cost_per_hour.map(|c| fixed(c, 4)).unwrap_or_default());
                rec.push(
                    crate::report::comparison::cost_per_million(
                        r.cost_per_hour,
                        a.goodput_rps.mean,
                    )
                    .map(|c| fixed(c, 4))
                    .unwrap_or_default(),
                );
                rec.push("ok".into());
                rec.push(
                    objective
                        .map(|o| (if o.met_by(r) { "yes" } else { "no" }).to_string())
                        .unwrap_or_default(),
                );
            }
            None => {
                rec.push(runs.to_string());
                rec.resize(axes.len() + POINT_COLUMNS.len() - 2, String::new());
                rec.push("unbounded".into());
                rec.push(objective.map(|_| "no".to_string()).unwrap_or_default());
            }
        }
        if let Some(c) = chosen {
            rec.push(if c == at.as_slice() { "yes" } else { "" }.to_string());
        }
        w.write_record(&rec)?;
    }
    w.into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// The plots' view of the points.
fn plot_points(
    pts: &[(Vec<usize>, Option<Replicated>, u32)],
    axes: &[Axis],
    objective: Option<Objective>,
    chosen: Option<&[usize]>,
) -> Vec<plots::sweep::SweepPoint> {
    let fig = |f: Figure| plots::sweep::Figure {
        mean: f.mean,
        lo: f.lo.unwrap_or(f.mean),
        hi: f.hi.unwrap_or(f.mean),
    };
    pts.iter()
        .map(|(at, r, _)| plots::sweep::SweepPoint {
            values: axes
                .iter()
                .zip(at)
                .map(|(a, &i)| a.values[i].clone())
                .collect(),
            p99_ms: r.as_ref().and_then(|r| r.all().latency_ms[3]).map(fig),
            error_rate: r.as_ref().map(|r| fig(r.all().error_rate)),
            cost_per_hour: r.as_ref().and_then(|r| r.cost_per_hour),
            meets: chosen
                .and(objective)
                .map(|o| r.as_ref().is_some_and(|r| o.met_by(r))),
            chosen: chosen.is_some_and(|c| c == at.as_slice()),
        })
        .collect()
}

fn write_plots(
    dir: &Path,
    scenario: &str,
    title: &str,
    axes: &[Axis],
    pts: &[(Vec<usize>, Option<Replicated>, u32)],
    objective: Option<Objective>,
    chosen: Option<&[usize]>,
) -> std::io::Result<Vec<String>> {
    let plot_axes: Vec<plots::sweep::SweepAxis> = axes
        .iter()
        .map(|a| plots::sweep::SweepAxis {
            key: a.key.clone(),
            values: a.values.clone(),
        })
        .collect();
    let points = plot_points(pts, axes, objective, chosen);
    let written = plots::sweep::write_sweep_plots(&plots::sweep::SweepPlots {
        dir,
        scenario,
        title,
        axes: &plot_axes,
        points: &points,
        slo_p99_ms: objective.and_then(|o| o.p99_ms),
        slo_error_rate: objective.and_then(|o| o.error_rate),
    })?;
    // Plots of keys an earlier sweep here varied would describe another grid.
    let prefix = format!("{title}_");
    for e in std::fs::read_dir(dir)?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && name.ends_with(".png") && !written.contains(&name) {
            std::fs::remove_file(e.path())?;
        }
    }
    Ok(written)
}

/// A share of a sweep: what `capsim merge` needs besides the samples.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepManifest {
    /// This share.
    pub share: Share,
    /// Hash of the points' compiled models.
    pub fingerprint: String,
    /// The scenario's name.
    pub scenario: String,
    /// Replications per point.
    pub spec: Replications,
    /// The grid.
    pub axes: Vec<Axis>,
    /// The SLO `meets` is judged on.
    pub objective: Option<Objective>,
}

impl SweepManifest {
    /// As written to the share's `shard.txt`.
    pub fn to_text(&self) -> String {
        let mut out = String::from(
            "# a share of a capsim sweep: combine the shares with `capsim merge`\nkind sweep\n",
        );
        let _ = writeln!(out, "share {}/{}", self.share.index, self.share.count);
        let _ = writeln!(out, "fingerprint {}", self.fingerprint);
        let _ = writeln!(out, "scenario {}", self.scenario);
        let _ = writeln!(out, "replications {}", super::series::spec_text(&self.spec));
        for a in &self.axes {
            // Values hold no newline: they come from one command-line word.
            let _ = writeln!(
                out,
                "axis {} {} {}",
                if a.range { "range" } else { "list" },
                a.key,
                a.values.join("\u{1f}")
            );
        }
        if let Some(o) = self.objective {
            let f = |x: Option<f64>| x.map(|v| format!("{v}")).unwrap_or_else(|| "-".into());
            let _ = writeln!(out, "slo {} {}", f(o.p99_ms), f(o.error_rate));
        }
        out
    }

    /// Reads [`SweepManifest::to_text`] back; `None` when the text is not a
    /// sweep's.
    pub fn parse(text: &str) -> Option<Result<SweepManifest, String>> {
        if !text.lines().any(|l| l == "kind sweep") {
            return None;
        }
        let mut share = None;
        let mut fingerprint = String::new();
        let mut scenario = String::new();
        let mut spec = None;
        let mut axes = Vec::new();
        let mut objective = None;
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.is_empty() || line == "kind sweep" {
                continue;
            }
            let bad = || {
                format!(
                    "line {}: `{line}` is not a line of a sweep share's manifest",
                    i + 1
                )
            };
            let (key, value) = line.split_once(' ').unwrap_or((line, ""));
            let r: Result<(), String> = (|| {
                match key {
                    "share" => share = Some(super::series::parse_share(value).map_err(|_| bad())?),
                    "fingerprint" => fingerprint = value.to_string(),
                    "scenario" => scenario = value.to_string(),
                    "replications" => {
                        spec = Some(super::series::parse_spec(value).ok_or_else(bad)?);
                    }
                    "axis" => {
                        let mut parts = value.splitn(3, ' ');
                        let (kind, key, values) = (parts.next(), parts.next(), parts.next());
                        let (Some(kind), Some(key), Some(values)) = (kind, key, values) else {
                            return Err(bad());
                        };
                        axes.push(Axis {
                            key: key.to_string(),
                            values: values.split('\u{1f}').map(str::to_string).collect(),
                            range: kind == "range",
                        });
                    }
                    "slo" => {
                        let parts: Vec<&str> = value.split(' ').collect();
                        let [p, e] = parts[..] else { return Err(bad()) };
                        let f = |s: &str| -> Result<Option<f64>, String> {
                            if s == "-" {
                                Ok(None)
                            } else {
                                s.parse().map(Some).map_err(|_| bad())
                            }
                        };
                        objective = Some(Objective {
                            p99_ms: f(p)?,
                            error_rate: f(e)?,
                        });
                    }
                    _ => return Err(bad()),
                }
                Ok(())
            })();
            if let Err(e) = r {
                return Some(Err(e));
            }
        }
        Some(match (share, spec) {
            (Some(share), Some(spec)) if !axes.is_empty() && !scenario.is_empty() => {
                Ok(SweepManifest {
                    share,
                    fingerprint,
                    scenario,
                    spec,
                    axes,
                    objective,
                })
            }
            _ => Err("an incomplete manifest".to_string()),
        })
    }
}

/// The axes, the points (value indices) and each point's model.
type Grid = (Vec<Axis>, Vec<Vec<usize>>, Vec<Model>);

/// Parses the `--vary` flags and the points' models; an error exits 2.
fn load_points(
    file: &Path,
    opts: &LoadOptions,
    vary: &[String],
    replications: Option<u32>,
) -> Result<Grid, ExitCode> {
    let mut axes = Vec::new();
    for v in vary {
        match Axis::parse(v) {
            Ok(a) => axes.push(a),
            Err(e) => {
                eprintln!("error: `--vary {v}`: {e}");
                return Err(ExitCode::from(EXIT_BAD_INPUT));
            }
        }
    }
    if let Err(e) = check_grid(&axes) {
        eprintln!("error: {e}");
        return Err(ExitCode::from(EXIT_BAD_INPUT));
    }
    if replications == Some(0) {
        eprintln!("error: `--replications 0`: a point needs at least one run");
        return Err(ExitCode::from(EXIT_BAD_INPUT));
    }
    let grid = points(&axes);
    // Every point is checked before the first runs: a bad value fails fast.
    let models: Result<Vec<Model>, _> = grid
        .iter()
        .map(|at| point_model(file, opts, &axes, at, replications))
        .collect();
    match models {
        Ok(m) => Ok((axes, grid, m)),
        Err(f) => Err(report_failure(&f)),
    }
}

fn fingerprint(models: &[Model]) -> String {
    format!("{:016x}", name_hash(&format!("{models:?}")))
}

/// Writes `sweep.csv` and its plots from the points' samples.
fn write_sweep(
    dir: &Path,
    scenario: &str,
    axes: &[Axis],
    pts: &[(Vec<usize>, Option<Replicated>, u32)],
    objective: Option<Objective>,
) -> std::io::Result<Vec<String>> {
    atomic::write_atomic(
        &dir.join("sweep.csv"),
        &points_csv(axes, pts, objective, None)?,
    )?;
    write_plots(dir, scenario, "sweep", axes, pts, objective, None)
}

fn samples_file(axes: &[Axis], points: &[Point]) -> std::io::Result<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = vec!["point"];
    header.extend(axes.iter().map(|a| a.key.as_str()));
    header.extend(SAMPLE_COLUMNS);
    w.write_record(&header)?;
    for p in points {
        let mut label = vec![point_index(axes, &p.at).to_string()];
        label.extend(axes.iter().zip(&p.at).map(|(a, &i)| a.values[i].clone()));
        write_samples(&mut w, &label, &p.samples)?;
    }
    w.into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

fn summarise(
    points: &[Point],
    spec_of: &dyn Fn(usize) -> Replications,
) -> Vec<(Vec<usize>, Option<Replicated>, u32)> {
    points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let spec = spec_of(i);
            let mut samples = p.samples.clone();
            if !samples.iter().any(Sample::unbounded) {
                let keep = runs_needed(&samples, &spec);
                samples.truncate(keep);
            }
            let point = Point {
                at: p.at.clone(),
                samples,
            };
            let n = point.samples.len() as u32;
            (p.at.clone(), point.figures(), n)
        })
        .collect()
}

/// What sweep and plan start from: the grid, each point's model, the
/// objective, and the output folder, made ready.
struct Prepared {
    axes: Vec<Axis>,
    grid: Vec<Vec<usize>>,
    models: Vec<Model>,
    objective: Option<Objective>,
    name: String,
    dir: PathBuf,
}

/// Loads every point, reads `--slo` (else the file's `slo`; a plan needs
/// one) and prepares `OUT/<name>/<folder>/`; bad input exits 2 and makes
/// no folder.
fn prepare(args: &GridArgs, folder: &str, needs_objective: bool) -> Result<Prepared, ExitCode> {
    let opts = LoadOptions {
        sets: args.scenario.sets.clone(),
        seed: args.seed,
        variants: vec![args.variant.clone().unwrap_or_else(|| "base".to_string())],
    };
    let (axes, grid, models) = load_points(&args.file, &opts, &args.vary, args.replications)?;
    let objective = match &args.slo {
        Some(s) => Some(Objective::parse(s).map_err(|e| {
            eprintln!("error: `--slo {s}`: {e}");
            ExitCode::from(EXIT_BAD_INPUT)
        })?),
        None => Objective::of_model(&models[0]),
    };
    if needs_objective && objective.is_none_or(|o| o.p99_ms.is_none() && o.error_rate.is_none()) {
        eprintln!(
            "error: `capsim plan` needs an objective that bounds p99 or the error rate: give `--slo p99=600ms,error_rate=1%` or an `slo` in the scenario"
        );
        return Err(ExitCode::from(EXIT_BAD_INPUT));
    }
    let name = models[0].name.clone();
    let dir = args.out.join(&name).join(folder);
    super::prepare_output_dir(&dir)?;
    Ok(Prepared {
        axes,
        grid,
        models,
        objective,
        name,
        dir,
    })
}

/// `capsim sweep`.
pub fn sweep(args: &SweepArgs) -> ExitCode {
    let Prepared {
        axes,
        grid,
        models,
        objective,
        name,
        dir,
    } = match prepare(&args.grid, "sweep", false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let stop = super::stop_on_interrupt();
    let started = std::time::Instant::now();
    let counter = crate::report::progress::Counter::new(
        &format!("{name}: sweep"),
        grid.len() as u64,
        args.quiet,
    );
    let max = models.iter().map(|m| m.replications.max).max().unwrap_or(1) as u64;
    let ran: Result<Vec<Point>, RunError> = grid
        .par_iter()
        .zip(&models)
        .enumerate()
        .map(|(i, (at, m))| {
            let samples = run_point(m, args.shard, i as u64 * max, &stop)?;
            counter.inc();
            Ok(Point {
                at: at.clone(),
                samples,
            })
        })
        .collect();
    counter.finish();
    let ran = match ran {
        Ok(r) => r,
        Err(RunError::Interrupted) => {
            eprintln!("interrupted: nothing was written to `{}`", dir.display());
            return ExitCode::from(EXIT_INTERRUPTED);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_IO);
        }
    };
    if let Some(share) = args.shard {
        let manifest = SweepManifest {
            share,
            fingerprint: fingerprint(&models),
            scenario: name.clone(),
            spec: models[0].replications,
            axes: axes.clone(),
            objective,
        };
        let r = samples_file(&axes, &ran)
            .and_then(|b| atomic::write_atomic(&dir.join("replications.csv"), &b))
            .and_then(|_| {
                atomic::write_atomic(&dir.join(SHARD_FILE), manifest.to_text().as_bytes())
            });
        if let Err(e) = r {
            eprintln!("error: writing to `{}` failed: {e}", dir.display());
            return ExitCode::from(EXIT_IO);
        }
        if !args.quiet {
            println!(
                "share {}/{} of the sweep of {name}: {} runs\nwrote {}/ (merge the shares with `capsim merge DIR... --out DIR`)",
                share.index,
                share.count,
                ran.iter().map(|p| p.samples.len()).sum::<usize>(),
                dir.display()
            );
        }
        return ExitCode::SUCCESS;
    }
    let _ = std::fs::remove_file(dir.join(SHARD_FILE));
    let pts = summarise(&ran, &|i| models[i].replications);
    let written = samples_file(&axes, &ran)
        .and_then(|b| atomic::write_atomic(&dir.join("replications.csv"), &b))
        .and_then(|_| write_sweep(&dir, &name, &axes, &pts, objective));
    let pngs = match written {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: writing to `{}` failed: {e}", dir.display());
            return ExitCode::from(EXIT_IO);
        }
    };
    if !args.quiet {
        print!("{}", points_table(&name, &axes, &pts, objective, None));
        let runs: u32 = pts.iter().map(|p| p.2).sum();
        println!(
            "\nwrote {}/ (sweep.csv, {})\n{} points, {runs} runs in {:.2} s on {} threads",
            dir.display(),
            pngs.join(", "),
            pts.len(),
            started.elapsed().as_secs_f64(),
            rayon::current_num_threads()
        );
    }
    ExitCode::SUCCESS
}

/// The terminal table of points: p99 and error rate with intervals, cost.
fn points_table(
    name: &str,
    axes: &[Axis],
    pts: &[(Vec<usize>, Option<Replicated>, u32)],
    objective: Option<Objective>,
    chosen: Option<&[usize]>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{name}: {} points, 95% intervals across replications",
        pts.len()
    );
    let mut rows = Vec::new();
    let mut head: Vec<String> = axes
        .iter()
        .map(|a| a.key.rsplit('.').next().unwrap_or(&a.key).to_string())
        .collect();
    head.extend(["runs", "errors", "p50 ms", "p99 ms", "$/hour"].map(String::from));
    if objective.is_some() {
        head.push("meets".into());
    }
    rows.push(head);
    let pm = |f: Option<Figure>, scale: f64, d: usize| match f {
        None => "-".to_string(),
        Some(f) => match f.half_width() {
            Some(h) => format!("{} ± {}", fixed(f.mean * scale, d), fixed(h * scale, d)),
            None => fixed(f.mean * scale, d),
        },
    };
    for (at, r, n) in pts {
        let mut row: Vec<String> = axes
            .iter()
            .zip(at)
            .map(|(a, &i)| a.values[i].clone())
            .collect();
        row.push(n.to_string());
        match r {
            Some(r) => {
                let a = r.all();
                row.push(format!("{}%", pm(Some(a.error_rate), 100.0, 2)));
                row.push(pm(a.latency_ms[1], 1.0, 1));
                row.push(pm(a.latency_ms[3], 1.0, 1));
                row.push(
                    r.cost_per_hour
                        .map(|c| format!("{c:.2}"))
                        .unwrap_or_else(|| "-".into()),
                );
                if let Some(o) = objective {
                    let mut m = if o.met_by(r) { "yes" } else { "no" }.to_string();
                    if chosen == Some(at.as_slice()) {
                        m.push_str("  <- chosen");
                    }
                    row.push(m);
                }
            }
            None => {
                row.extend(["overloaded", "-", "-", "-"].map(String::from));
                if objective.is_some() {
                    row.push("no".into());
                }
            }
        }
        rows.push(row);
    }
    out.push_str(&crate::report::table::layout_left(&rows, axes.len()));
    out
}

/// Where the estimate starts a bisection: the value index, and whether the
/// estimate meets p99 there (else it is the fewest that keeps up).
type Guess = (usize, bool);

/// `capsim plan`.
pub fn plan(args: &PlanArgs) -> ExitCode {
    let Prepared {
        axes,
        grid,
        models,
        objective,
        name,
        dir,
    } = match prepare(&args.grid, "plan", true) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let objective = objective.expect("`prepare` requires one for a plan");
    let stop = super::stop_on_interrupt();
    let started = std::time::Instant::now();
    let model_at = |at: &[usize]| &models[point_index(&axes, at)];
    let bisected = axes.iter().rposition(|a| a.range);
    let mut guesses: Vec<(Vec<usize>, Option<Guess>)> = Vec::new();
    // The analytic start: the fewest of the bisected count whose estimate
    // is below saturation and meets the p99 bound.
    let mut start = |combo: &[usize]| -> Option<usize> {
        let b = bisected?;
        let len = axes[b].values.len();
        // Per count: (below saturation, meets p99), from the estimate.
        let verdicts: Vec<(bool, bool)> = (0..len)
            .map(|i| {
                let mut at = combo.to_vec();
                at[b] = i;
                let e = crate::planning::estimate::estimate(model_at(&at));
                // A bounded queue is never "saturated": it rejects instead.
                let rejected: f64 = e.components.iter().filter_map(|c| c.rejected_share).sum();
                let keeps_up = !e.saturated()
                    && e.components
                        .iter()
                        .all(|c| c.utilization.is_none_or(|u| u < 1.0))
                    && rejected <= objective.error_rate.unwrap_or(0.01);
                let meets = keeps_up
                    && e.end_to_end
                        .as_ref()
                        .is_some_and(|x| objective.p99_ms.is_none_or(|p| x.p99_s * 1e3 <= p));
                (keeps_up, meets)
            })
            .collect();
        // The fewest that meets p99; else the fewest below saturation (the
        // estimate's even split can be pessimistic about the tail).
        let guess = match verdicts.iter().position(|v| v.1) {
            Some(i) => Some((i, true)),
            None => verdicts.iter().position(|v| v.0).map(|i| (i, false)),
        };
        guesses.push((combo.to_vec(), guess));
        guess.map(|g| g.0)
    };
    let mut failed: Option<RunError> = None;
    let mut figures: Vec<(Vec<usize>, Option<Replicated>, u32)> = Vec::new();
    let mut evaluate = |at: &[usize]| -> Verdict {
        if failed.is_some() {
            return Verdict {
                meets: false,
                cost: None,
            };
        }
        let m = model_at(at);
        match run_point(m, None, 0, &stop) {
            Ok(samples) => {
                let p = Point {
                    at: at.to_vec(),
                    samples,
                };
                let r = p.figures();
                let v = Verdict {
                    meets: r.as_ref().is_some_and(|r| objective.met_by(r)),
                    cost: r.as_ref().and_then(|r| r.cost_per_hour),
                };
                figures.push((at.to_vec(), r, p.samples.len() as u32));
                v
            }
            Err(e) => {
                failed = Some(e);
                Verdict {
                    meets: false,
                    cost: None,
                }
            }
        }
    };
    let found = search(&axes, &mut start, &mut evaluate);
    match failed {
        Some(RunError::Interrupted) => {
            eprintln!("interrupted: nothing was written to `{}`", dir.display());
            return ExitCode::from(EXIT_INTERRUPTED);
        }
        Some(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_IO);
        }
        None => {}
    }
    figures.sort_by_key(|f| point_index(&axes, &f.0));
    let pts = figures;
    let chosen = found.chosen.clone();
    let written = atomic::write_atomic(
        &dir.join("plan.csv"),
        &match points_csv(
            &axes,
            &pts,
            Some(objective),
            Some(chosen.as_deref().unwrap_or(&[])),
        ) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_IO);
            }
        },
    )
    .and_then(|_| {
        write_plots(
            &dir,
            &name,
            "plan",
            &axes,
            &pts,
            Some(objective),
            Some(chosen.as_deref().unwrap_or(&[])),
        )
    });
    if let Err(e) = written {
        eprintln!("error: writing to `{}` failed: {e}", dir.display());
        return ExitCode::from(EXIT_IO);
    }
    print!(
        "{}",
        points_table(&name, &axes, &pts, Some(objective), chosen.as_deref())
    );
    println!(
        "\nobjective: {} (upper ends of the 95% intervals); tried {} of {} points in {:.1} s",
        objective.describe(),
        pts.len(),
        grid.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(b) = bisected {
        for (combo, g) in &guesses {
            let others: Vec<String> = axes
                .iter()
                .zip(combo)
                .enumerate()
                .filter(|(i, _)| *i != b)
                .map(|(_, (a, &i))| format!("{}={}", a.key, a.values[i]))
                .collect();
            let at = if others.is_empty() {
                String::new()
            } else {
                format!(" at {}", others.join(", "))
            };
            match g {
                Some((i, true)) => println!(
                    "analytic estimate{at}: {}={} is the fewest that meets p99",
                    axes[b].key, axes[b].values[*i]
                ),
                Some((i, false)) => println!(
                    "analytic estimate{at}: no value of {} meets p99, {}={} is the fewest below saturation: started there",
                    axes[b].key, axes[b].key, axes[b].values[*i]
                ),
                None => println!(
                    "analytic estimate{at}: every value of {} is saturated: started mid-range",
                    axes[b].key
                ),
            }
        }
    }
    let Some(c) = chosen else {
        println!("no configuration tried meets the objective: widen the ranges");
        println!("wrote {}/", dir.display());
        return ExitCode::from(super::EXIT_SLO_BREACHED);
    };
    let (_, r, _) = pts
        .iter()
        .find(|p| p.0 == c)
        .expect("the chosen point was tried");
    let r = r.as_ref().expect("a point that meets has figures");
    let a = r.all();
    let choice: Vec<String> = axes
        .iter()
        .zip(&c)
        .map(|(ax, &i)| format!("{}={}", ax.key, ax.values[i]))
        .collect();
    println!(
        "\nchoice: {}{}",
        choice.join(", "),
        r.cost_per_hour
            .map(|c| format!(" at {c:.2} per hour"))
            .unwrap_or_default()
    );
    if let (Some(bound), Some(p99)) = (objective.p99_ms, a.latency_ms[3]) {
        println!(
            "  p99 {} ms (95% interval up to {} ms) against {} ms: margin {}%",
            fixed(p99.mean, 1),
            fixed(p99.upper(), 1),
            fixed(bound, 1),
            fixed((1.0 - p99.upper() / bound) * 100.0, 1)
        );
    }
    if let Some(bound) = objective.error_rate {
        println!(
            "  error rate {}% (up to {}%) against {}%",
            fixed(a.error_rate.mean * 100.0, 3),
            fixed(a.error_rate.upper() * 100.0, 3),
            fixed(bound * 100.0, 3)
        );
    }
    if let Some(b) = bisected
        && c[b] > 0
    {
        let mut below = c.clone();
        below[b] -= 1;
        if let Some((_, r, _)) = pts.iter().find(|p| p.0 == below) {
            let what = match r {
                None => "is overloaded".to_string(),
                Some(r) => format!(
                    "misses it: p99 up to {} ms, error rate up to {}%",
                    r.all().latency_ms[3]
                        .map(|f| fixed(f.upper(), 1))
                        .unwrap_or_else(|| "-".into()),
                    fixed(r.all().error_rate.upper() * 100.0, 3)
                ),
            };
            println!(
                "  one fewer ({}={}) {what}",
                axes[b].key, axes[b].values[below[b]]
            );
        }
    }
    println!("wrote {}/plan.csv", dir.display());
    ExitCode::SUCCESS
}

/// Merges the shares of sweeps found among `shares` (folder, manifest
/// text); returns whether any were found.
pub fn merge_sweeps(shares: &[(PathBuf, String)], out: &Path) -> Result<bool, (u8, String)> {
    let mut found: Vec<(SweepManifest, &PathBuf)> = Vec::new();
    for (dir, text) in shares {
        match SweepManifest::parse(text) {
            None => {}
            Some(Ok(m)) => found.push((m, dir)),
            Some(Err(e)) => {
                return Err((
                    EXIT_BAD_INPUT,
                    format!("`{}`: {e}", dir.join(SHARD_FILE).display()),
                ));
            }
        }
    }
    if found.is_empty() {
        return Ok(false);
    }
    let mut names: Vec<String> = found.iter().map(|f| f.0.scenario.clone()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let mut parts: Vec<&(SweepManifest, &PathBuf)> =
            found.iter().filter(|f| f.0.scenario == name).collect();
        parts.sort_by_key(|p| p.0.share.index);
        let first = &parts[0].0;
        let count = first.share.count;
        for (m, p) in &parts {
            let mut a = m.clone();
            a.share = first.share;
            if a != *first {
                return Err((
                    EXIT_BAD_INPUT,
                    format!(
                        "`{}` is a share of another sweep of `{name}` than `{}`",
                        p.display(),
                        parts[0].1.display()
                    ),
                ));
            }
        }
        for i in 0..count {
            let n = parts.iter().filter(|p| p.0.share.index == i).count();
            if n != 1 {
                return Err((
                    EXIT_BAD_INPUT,
                    format!(
                        "share {i}/{count} of the sweep of `{name}` is {}",
                        if n == 0 { "missing" } else { "given twice" }
                    ),
                ));
            }
        }
        let grid = points(&first.axes);
        let mut by_point: Vec<Vec<Sample>> = vec![Vec::new(); grid.len()];
        for (_, p) in &parts {
            let path = p.join("replications.csv");
            let text = std::fs::read_to_string(&path).map_err(|e| {
                (
                    EXIT_BAD_INPUT,
                    format!("cannot read `{}`: {e}", path.display()),
                )
            })?;
            let rows = read_samples(&text, 1 + first.axes.len())
                .map_err(|e| (EXIT_BAD_INPUT, format!("`{}`: {e}", path.display())))?;
            for (label, s) in rows {
                let i: usize = label[0]
                    .parse()
                    .ok()
                    .filter(|&i| i < grid.len())
                    .ok_or_else(|| {
                        (
                            EXIT_BAD_INPUT,
                            format!(
                                "`{}`: point `{}` is not in the grid",
                                path.display(),
                                label[0]
                            ),
                        )
                    })?;
                by_point[i].push(s);
            }
        }
        let mut ran = Vec::new();
        for (at, mut samples) in grid.into_iter().zip(by_point) {
            samples.sort_by_key(|s| s.replication);
            if !consistent(&samples) {
                return Err((
                    EXIT_BAD_INPUT,
                    format!(
                        "the shares' samples of a point of the sweep of `{name}` do not agree on the request classes: were the files edited?"
                    ),
                ));
            }
            let complete = samples.len() == first.spec.max as usize
                && samples
                    .iter()
                    .enumerate()
                    .all(|(i, s)| s.replication as usize == i);
            if !complete {
                return Err((
                    EXIT_BAD_INPUT,
                    format!(
                        "the shares of the sweep of `{name}` do not hold every replication of every point"
                    ),
                ));
            }
            ran.push(Point { at, samples });
        }
        let dir = out.join(&name).join("sweep");
        let io = |e: std::io::Error| (EXIT_IO, format!("writing `{}` failed: {e}", dir.display()));
        atomic::prepare_dir(&dir).map_err(io)?;
        let pts = summarise(&ran, &|_| first.spec);
        samples_file(&first.axes, &ran)
            .and_then(|b| atomic::write_atomic(&dir.join("replications.csv"), &b))
            .and_then(|_| write_sweep(&dir, &name, &first.axes, &pts, first.objective))
            .map_err(io)?;
        println!(
            "merged {count} shares of the sweep of {name} into {}/",
            dir.display()
        );
    }
    Ok(true)
}
