//! `capsim merge DIR... --out DIR`: the shares of runs and sweeps made with
//! `--shard i/n`, combined into what one machine would have written. Every
//! share is checked (same run, every share once, every replication) before
//! anything is written.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::args::MergeArgs;
use super::exit::{EXIT_BAD_INPUT, EXIT_IO, EXIT_SLO_BREACHED};
use super::merge_check;
use super::options::bad_input;
use super::outputs::{GridOutputs, ScenarioOutputs};
use super::transaction::{Transaction, shown};
use crate::planning::manifest::{Manifest, SHARD_FILE, SweepManifest};
use crate::planning::replications::{Sample, consistent, read_samples, runs_needed};
use crate::planning::sweep::{Point, points, summarise};
use crate::report::atomic;

/// A failed merge: the exit status and what to tell.
type Failure = (u8, String);

/// The shares found under the folders given.
struct Found {
    /// Runs' shares: manifest and scenario folder.
    runs: Vec<(Manifest, PathBuf)>,
    /// Sweeps' shares: folder and manifest text.
    sweeps: Vec<(PathBuf, String)>,
}

/// `capsim merge DIR... --out DIR`: one transaction per scenario folder
/// written, all committed when every merge is written.
pub fn merge(args: &MergeArgs) -> ExitCode {
    let Found {
        runs: shares,
        sweeps,
    } = match find_shares(&args.dirs) {
        Ok(found) => found,
        Err(msg) => return bad_input(msg),
    };
    // Every share checked before anything is written.
    if let Err(msg) = merge_check::check_shares(&shares, &sweeps) {
        return bad_input(msg);
    }
    let mut staging = Staging {
        out: &args.out,
        open: Vec::new(),
    };
    let mut told = Vec::new();
    let fail = |(code, msg): Failure| {
        eprintln!("error: {msg}");
        ExitCode::from(code)
    };
    if let Err(f) = merge_sweeps(&sweeps, &mut staging, &mut told) {
        return fail(f);
    }
    let mut scenarios: Vec<String> = shares.iter().map(|s| s.0.scenario.clone()).collect();
    scenarios.sort();
    scenarios.dedup();
    let mut status = ExitCode::SUCCESS;
    for scenario in scenarios {
        let mut parts: Vec<&(Manifest, PathBuf)> =
            shares.iter().filter(|s| s.0.scenario == scenario).collect();
        parts.sort_by_key(|s| s.0.share.map(|s| s.index));
        match merge_run(&scenario, &parts, &mut staging, &mut told) {
            Ok(false) => {}
            Ok(true) => status = ExitCode::from(EXIT_SLO_BREACHED),
            Err(f) => return fail(f),
        }
    }
    for (name, tx) in staging.open {
        let dir = args.out.join(&name);
        if let Err(e) = tx.commit() {
            return fail((
                EXIT_IO,
                format!(
                    "putting the merged outputs in place in `{}` failed: {e}\nthe earlier outputs are as they were",
                    dir.display()
                ),
            ));
        }
    }
    if !args.quiet {
        for line in told {
            println!("{line}");
        }
    }
    status
}

/// The scenario folders a merge writes, each staged in its transaction
/// (see [`Transaction`]) until every merge is written.
struct Staging<'a> {
    /// `--out`.
    out: &'a Path,
    /// The scenario folders begun, by name.
    open: Vec<(String, Transaction)>,
}

impl Staging<'_> {
    /// The staged `--out` that holds scenario `name`'s folder.
    fn out_for(&mut self, name: &str) -> Result<PathBuf, Failure> {
        if let Some((_, tx)) = self.open.iter().find(|(n, _)| n == name) {
            return Ok(tx.staged_out().to_path_buf());
        }
        let tx = Transaction::begin(self.out, name).map_err(|msg| (EXIT_BAD_INPUT, msg))?;
        let out = tx.staged_out().to_path_buf();
        self.open.push((name.to_string(), tx));
        Ok(out)
    }
}

/// The scenario folders with a manifest under each of `dirs`: runs' (in
/// `<scenario>/`) with their manifests, and sweeps' (in `<scenario>/sweep/`)
/// with their manifests' text. Every folder must hold one.
fn find_shares(dirs: &[PathBuf]) -> Result<Found, String> {
    let mut shares: Vec<(Manifest, PathBuf)> = Vec::new();
    let mut sweeps: Vec<(PathBuf, String)> = Vec::new();
    for dir in dirs {
        let entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
        let mut found = false;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            merge_check::regular_tree(&p)?;
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
                Ok(_) => return Err(format!("`{}` is not a share's manifest", file.display())),
                Err(e) => return Err(format!("`{}`: {e}", file.display())),
            }
        }
        if !found {
            return Err(format!(
                "`{}` holds no share (no `<scenario>/{SHARD_FILE}`): give the `--out` folders of runs made with `--shard i/n`",
                dir.display()
            ));
        }
    }
    Ok(Found {
        runs: shares,
        sweeps,
    })
}

/// Checks that `parts` (sorted by index) are every share of one run, once.
fn check_run_shares(scenario: &str, parts: &[&(Manifest, PathBuf)]) -> Result<u32, String> {
    let first = &parts[0].0;
    let count = first.share.map_or(1, |s| s.count);
    for (m, p) in parts {
        let mut a = m.clone();
        let mut b = first.clone();
        a.share = None;
        b.share = None;
        if a != b {
            return Err(format!(
                "`{}` is a share of another run of `{scenario}` (different scenario, options or replications) than `{}`",
                p.display(),
                parts[0].1.display()
            ));
        }
        if m.share.map(|s| s.count) != Some(count) {
            return Err(format!(
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
            0 => return Err(format!("share {i}/{count} of `{scenario}` is missing")),
            1 => {}
            _ => return Err(format!("share {i}/{count} of `{scenario}` is given twice")),
        }
    }
    Ok(count)
}

/// Every variant's samples from all `parts`, checked complete and kept as
/// the precision rule says.
fn gather_run_samples(
    scenario: &str,
    parts: &[&(Manifest, PathBuf)],
) -> Result<Vec<Vec<Sample>>, String> {
    let first = &parts[0].0;
    let mut series = Vec::new();
    for (v, _) in &first.variants {
        let mut samples: Vec<Sample> = Vec::new();
        for (_, p) in parts {
            let path = p.join(v).join("replications.csv");
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            let rows = read_samples(&text, 1).map_err(|e| format!("`{}`: {e}", path.display()))?;
            samples.extend(rows.into_iter().map(|(_, s)| s));
        }
        samples.sort_by_key(|s| s.replication);
        if !consistent(&samples) || samples.iter().any(Sample::unbounded) {
            return Err(format!(
                "the shares' samples of variant `{v}` of `{scenario}` do not agree on the request classes: were the files edited?"
            ));
        }
        if !complete(&samples, first.spec.max) {
            return Err(format!(
                "the shares of `{scenario}` hold {} samples of variant `{v}`, not replications 1 to {}",
                samples.len(),
                first.spec.max
            ));
        }
        let keep = runs_needed(&samples, &first.spec);
        samples.truncate(keep);
        series.push(samples);
    }
    Ok(series)
}

/// Whether `samples` (sorted) are replications `0..max`, each once.
fn complete(samples: &[Sample], max: u32) -> bool {
    samples.len() == max as usize
        && samples
            .iter()
            .enumerate()
            .all(|(i, s)| s.replication as usize == i)
}

/// Merges the shares of one run into `out`; returns whether a replication
/// missed the SLO.
fn merge_run(
    scenario: &str,
    parts: &[&(Manifest, PathBuf)],
    staging: &mut Staging,
    told: &mut Vec<String>,
) -> Result<bool, Failure> {
    let bad = |msg: String| (EXIT_BAD_INPUT, msg);
    let count = check_run_shares(scenario, parts).map_err(bad)?;
    let series = gather_run_samples(scenario, parts).map_err(bad)?;
    let outputs = ScenarioOutputs {
        dir: staging.out_for(scenario)?.join(scenario),
    };
    // Every sample checked, share 0 (which ran replication 0) gives its
    // time series, events and plots.
    copy_tree(&parts[0].1, &outputs.dir).map_err(|e| {
        (
            EXIT_IO,
            format!(
                "copying share 0 into `{}` failed: {e}",
                shown(&outputs.dir).display()
            ),
        )
    })?;
    let mut manifest = parts[0].0.clone();
    manifest.share = None;
    let single = vec![None; series.len()];
    // Autoscaling shows in the comparison's terminal table only.
    let scaled = vec![false; series.len()];
    let figures = outputs
        .write_series(&manifest, &series, &single, &scaled)
        .map_err(|e| {
            (
                EXIT_IO,
                format!("writing `{}` failed: {e}", shown(&outputs.dir).display()),
            )
        })?;
    told.push(format!(
        "merged {count} shares of {scenario}: {} replications per variant into {}/",
        figures.first().map_or(0, |f| f.runs),
        shown(&outputs.dir).display()
    ));
    Ok(figures.iter().any(|f| f.slo_breached_runs.unwrap_or(0) > 0))
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
        // The entry's own type, links not followed: a link planted after
        // the checks is refused here, not copied through.
        let kind = e.file_type()?;
        if kind.is_dir() {
            copy_tree(&path, &to.join(&name))?;
        } else if !kind.is_file() {
            return Err(std::io::Error::other(format!(
                "`{}` is not a regular file",
                path.display()
            )));
        } else if name != SHARD_FILE && name != "replications.csv" {
            atomic::write_atomic(&to.join(&name), &std::fs::read(&path)?)?;
        }
    }
    Ok(())
}

/// Merges the shares of sweeps found among `shares` (folder, manifest
/// text) into their staged folders, what was merged told into `told`;
/// returns whether any were found.
fn merge_sweeps(
    shares: &[(PathBuf, String)],
    staging: &mut Staging,
    told: &mut Vec<String>,
) -> Result<bool, Failure> {
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
        let out = staging.out_for(&name)?;
        merge_sweep(&name, &parts, &out, told)?;
    }
    Ok(true)
}

/// Checks that `parts` (sorted by index) are every share of one sweep, once.
fn check_sweep_shares(name: &str, parts: &[&(SweepManifest, &PathBuf)]) -> Result<(), Failure> {
    let first = &parts[0].0;
    let count = first.share.count;
    for (m, p) in parts {
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
    Ok(())
}

/// Every point's samples from all `parts`, checked complete.
fn gather_sweep_points(
    name: &str,
    parts: &[&(SweepManifest, &PathBuf)],
) -> Result<Vec<Point>, Failure> {
    let first = &parts[0].0;
    let grid = points(&first.axes);
    let mut by_point: Vec<Vec<Sample>> = vec![Vec::new(); grid.len()];
    for (_, p) in parts {
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
        if !complete(&samples, first.spec.max) {
            return Err((
                EXIT_BAD_INPUT,
                format!(
                    "the shares of the sweep of `{name}` do not hold every replication of every point"
                ),
            ));
        }
        ran.push(Point { at, samples });
    }
    Ok(ran)
}

/// Merges the shares of one sweep into `OUT/<name>/sweep/`.
fn merge_sweep(
    name: &str,
    parts: &[&(SweepManifest, &PathBuf)],
    out: &Path,
    told: &mut Vec<String>,
) -> Result<(), Failure> {
    check_sweep_shares(name, parts)?;
    let ran = gather_sweep_points(name, parts)?;
    let first = &parts[0].0;
    let outputs = GridOutputs {
        dir: out.join(name).join("sweep"),
    };
    let io = |e: std::io::Error| {
        (
            EXIT_IO,
            format!("writing `{}` failed: {e}", shown(&outputs.dir).display()),
        )
    };
    atomic::prepare_dir(&outputs.dir).map_err(io)?;
    let pts = summarise(&ran, &|_| first.spec);
    outputs
        .write_samples(&first.axes, &ran)
        .and_then(|_| outputs.write_sweep(name, &first.axes, &pts, first.objective))
        .map_err(io)?;
    told.push(format!(
        "merged {} shares of the sweep of {name} into {}/",
        first.share.count,
        shown(&outputs.dir).display()
    ));
    Ok(())
}
