//! What `capsim merge` checks in the shares before it trusts a byte of
//! them. A share is a folder someone handed over: merge copies share 0's
//! files into the merged outputs and computes the summaries from every
//! share's samples, so a symbolic link would copy whatever it points at, a
//! garbled CSV would pass on as a capsim output, and an edited sample would
//! turn into a confident interval (a p99 of -5342..10452 ms). Everything is
//! checked before anything is written, and a refusal names the file, the
//! line and the column, and what was expected there.
//!
//! The checks are those the files and the manifests allow: every CSV
//! against its schema (`report::schema`), and the samples against the
//! manifest of their share (its variants, its replications, the seeds they
//! derive from the scenario's).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::engine::derived_seed;
use crate::planning::manifest::{Manifest, SHARD_FILE, SweepManifest};
use crate::planning::replications::Share;
use crate::planning::sweep::{Axis, points};
use crate::report::schema;
use crate::report::schema::replications::{COLUMNS as SAMPLE, POINT, VARIANT};

/// Refuses `path` (an entry of a folder given to `capsim merge`) unless it
/// and everything under it are regular files and folders. Nothing is
/// followed (`symlink_metadata`): a link in a share copied what it pointed
/// at into the merged outputs, with the merge's permissions (a file only
/// its owner could read came out readable by all).
pub fn regular_tree(path: &Path) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let kind = meta.file_type();
    if kind.is_symlink() {
        return Err(format!(
            "`{}` is a symbolic link: a share holds regular files and folders only, and merge follows no link",
            path.display()
        ));
    }
    if kind.is_file() {
        return Ok(());
    }
    if !kind.is_dir() {
        return Err(format!(
            "`{}` is {}, not a regular file: a share holds regular files and folders only",
            path.display(),
            special(&kind)
        ));
    }
    let entries =
        std::fs::read_dir(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    paths.sort();
    paths.iter().try_for_each(|p| regular_tree(p))
}

/// What a file that is neither a regular file, a folder nor a link is.
#[cfg(unix)]
fn special(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a named pipe"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

/// See the Unix version.
#[cfg(not(unix))]
fn special(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

/// Checks every share `merge` found (runs' manifests with their folders,
/// sweeps' folders with their manifests' text) before anything is merged:
/// the shares of each run or sweep of one series, each once; their samples
/// against their manifests, no replication in two places; share 0's files
/// (those merge copies) against their schemas.
pub fn check_shares(
    runs: &[(Manifest, PathBuf)],
    sweeps: &[(PathBuf, String)],
) -> Result<(), String> {
    let mut names: Vec<&str> = runs.iter().map(|r| r.0.scenario.as_str()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let mut parts: Vec<&(Manifest, PathBuf)> =
            runs.iter().filter(|r| r.0.scenario == name).collect();
        parts.sort_by_key(|r| r.0.share.map(|s| s.index));
        let shares: Vec<(Share, &Path)> = parts
            .iter()
            .filter_map(|(m, p)| m.share.map(|s| (s, p.as_path())))
            .collect();
        same_series(&format!("`{name}`"), &shares)?;
        same_run(name, &parts)?;
        let mut seen = Seen::new();
        for (m, dir) in &parts {
            let Some(share) = m.share else { continue };
            let seed = fact(m, "seed").and_then(|s| s.parse::<u64>().ok());
            for (v, _) in &m.variants {
                let expect = Expect {
                    path: dir.join(v).join("replications.csv"),
                    labels: Labels::Variant(v),
                    max: m.spec.max,
                    share,
                    seed,
                };
                check_samples(&expect, &mut seen)?;
            }
            if share.index == 0 {
                check_copied(dir, m)?;
            }
        }
    }
    check_sweeps(sweeps)
}

/// The shares of the sweeps among `sweeps`: the same checks as a run's,
/// the samples labelled by the grid's points.
fn check_sweeps(sweeps: &[(PathBuf, String)]) -> Result<(), String> {
    let mut found: Vec<(SweepManifest, &Path)> = Vec::new();
    for (dir, text) in sweeps {
        match SweepManifest::parse(text) {
            None => {}
            Some(Ok(m)) => found.push((m, dir)),
            Some(Err(e)) => return Err(format!("`{}`: {e}", dir.join(SHARD_FILE).display())),
        }
    }
    let mut names: Vec<&str> = found.iter().map(|f| f.0.scenario.as_str()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let mut parts: Vec<&(SweepManifest, &Path)> =
            found.iter().filter(|f| f.0.scenario == name).collect();
        parts.sort_by_key(|p| p.0.share.index);
        let shares: Vec<(Share, &Path)> = parts.iter().map(|(m, p)| (m.share, *p)).collect();
        same_series(&format!("the sweep of `{name}`"), &shares)?;
        let first = &parts[0];
        for (m, dir) in &parts {
            let mut a = m.clone();
            a.share = first.0.share;
            if a != first.0 {
                return Err(format!(
                    "`{}` is a share of another sweep of `{name}` than `{}`: {}",
                    dir.display(),
                    first.1.display(),
                    if m.fingerprint != first.0.fingerprint {
                        "their manifests' fingerprints differ (another scenario, seed or options)"
                    } else {
                        "their manifests differ"
                    }
                ));
            }
        }
        let grid = points(&first.0.axes);
        let mut seen = Seen::new();
        for (m, dir) in &parts {
            let expect = Expect {
                path: dir.join("replications.csv"),
                labels: Labels::Point {
                    axes: &m.axes,
                    grid: &grid,
                },
                max: m.spec.max,
                share: m.share,
                seed: None,
            };
            check_samples(&expect, &mut seen)?;
        }
    }
    Ok(())
}

/// Whether `shares` (sorted by index) split `what` into the same number of
/// shares, each given once.
fn same_series(what: &str, shares: &[(Share, &Path)]) -> Result<(), String> {
    let Some(&(first, first_dir)) = shares.first() else {
        return Ok(());
    };
    let count = first.count;
    for (s, dir) in shares {
        if s.count != count {
            return Err(format!(
                "`{}` splits {what} in {} shares, `{}` in {count}",
                dir.display(),
                s.count,
                first_dir.display()
            ));
        }
    }
    for i in 0..count {
        match shares.iter().filter(|(s, _)| s.index == i).count() {
            0 => return Err(format!("share {i}/{count} of {what} is missing")),
            1 => {}
            _ => return Err(format!("share {i}/{count} of {what} is given twice")),
        }
    }
    Ok(())
}

/// Whether the manifests of `parts` are those of one run (all but the
/// share the same), and which item differs when not.
fn same_run(scenario: &str, parts: &[&(Manifest, PathBuf)]) -> Result<(), String> {
    let (first, first_dir) = (&parts[0].0, &parts[0].1);
    for (m, dir) in parts {
        let differs = if m.fingerprint != first.fingerprint {
            Some(format!(
                "their manifests' fingerprints differ ({} and {}: another scenario, seed or options)",
                m.fingerprint, first.fingerprint
            ))
        } else if let Some((k, v)) = m.facts.iter().find(|f| !first.facts.contains(f)) {
            Some(format!(
                "its manifest says {k} {v}, that of `{}` {}",
                first_dir.display(),
                fact(first, k).unwrap_or("nothing")
            ))
        } else if m.spec != first.spec {
            Some("their manifests ask for other replications".to_string())
        } else if m.variants != first.variants {
            Some("their manifests list other variants or SLOs".to_string())
        } else if m.description != first.description || m.facts != first.facts {
            Some("their manifests differ".to_string())
        } else {
            None
        };
        if let Some(why) = differs {
            return Err(format!(
                "`{}` is a share of another run of `{scenario}` than `{}`: {why}",
                dir.display(),
                first_dir.display()
            ));
        }
    }
    Ok(())
}

/// The value of fact `key` in `m`'s manifest.
fn fact<'m>(m: &'m Manifest, key: &str) -> Option<&'m str> {
    m.facts
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// What labels a file of samples: a run's variant, or a sweep's point.
enum Labels<'a> {
    /// The variant whose folder holds the file.
    Variant(&'a str),
    /// The sweep's grid: a point's index, then its value of each key.
    Point {
        /// The keys varied.
        axes: &'a [Axis],
        /// Every point, as value indices.
        grid: &'a [Vec<usize>],
    },
}

impl Labels<'_> {
    /// The label columns' names.
    fn columns(&self) -> Vec<&str> {
        match self {
            Labels::Variant(_) => vec![VARIANT],
            Labels::Point { axes, .. } => {
                let mut c = vec![POINT];
                c.extend(axes.iter().map(|a| a.key.as_str()));
                c
            }
        }
    }
}

/// What one share's `replications.csv` must hold.
struct Expect<'a> {
    /// The file.
    path: PathBuf,
    /// Its label columns.
    labels: Labels<'a>,
    /// Replications of each variant or point in the whole series.
    max: u32,
    /// The share: it ran every `count`-th replication from `index`.
    share: Share,
    /// The scenario's seed (a run's manifest says it): replication k's
    /// seed derives from it.
    seed: Option<u64>,
}

/// Where each run (label, replication) was first seen, across the shares.
type Seen = HashMap<(String, u32), (PathBuf, u64)>;

/// A refusal at `line` of `path`, in `column`.
fn at(path: &Path, line: u64, column: &str, msg: impl std::fmt::Display) -> String {
    format!("`{}`:{line}: column `{column}`: {msg}", path.display())
}

/// Reads `path` as text, told plainly when it is not.
fn read_text(path: &Path) -> Result<String, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "`{}` is not UTF-8 text (byte {} is not): not a CSV file capsim writes",
            path.display(),
            e.utf8_error().valid_up_to() + 1
        )
    })
}

/// The records of the CSV `text` of `path` with their line numbers, the
/// header first; each must have the header's number of fields.
fn records(path: &Path, text: &str) -> Result<Vec<(u64, csv::StringRecord)>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out: Vec<(u64, csv::StringRecord)> = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| format!("`{}`: not a CSV file: {e}", path.display()))?;
        let line = rec.position().map_or(0, |p| p.line());
        if let Some((_, header)) = out.first()
            && rec.len() != header.len()
        {
            return Err(format!(
                "`{}`:{line}: {} fields, where the header has {}",
                path.display(),
                rec.len(),
                header.len()
            ));
        }
        out.push((line, rec));
    }
    if out.is_empty() {
        return Err(format!("`{}` is empty: it has no header", path.display()));
    }
    Ok(out)
}

/// Refuses a header other than `want`, exactly.
fn header_is(path: &Path, header: &csv::StringRecord, want: &[&str]) -> Result<(), String> {
    if header.iter().eq(want.iter().copied()) {
        return Ok(());
    }
    let got: Vec<&str> = header.iter().collect();
    let which = got
        .iter()
        .zip(want)
        .position(|(g, w)| g != w)
        .unwrap_or(got.len().min(want.len()));
    Err(format!(
        "`{}`:1: not the header of `{}`: column {} is `{}` where `{}` was expected (the columns are {})",
        path.display(),
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        which + 1,
        got.get(which).copied().unwrap_or("(none)"),
        want.get(which).copied().unwrap_or("(none)"),
        want.join(",")
    ))
}

/// A finite number at least 0, as every figure of a sample is.
fn non_negative(cell: &str) -> Option<f64> {
    cell.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x >= 0.0)
}

/// Checks one share's `replications.csv` (see [`Expect`]) and records its
/// runs in `seen`, refusing one already seen in this or another share.
fn check_samples(expect: &Expect, seen: &mut Seen) -> Result<(), String> {
    let path = &expect.path;
    let text = read_text(path)?;
    let rows = records(path, &text)?;
    let labels = expect.labels.columns();
    let mut want = labels.clone();
    want.extend(SAMPLE);
    header_is(path, &rows[0].1, &want)?;
    let n = labels.len();
    let mut open: Option<(String, u32)> = None;
    for (line, rec) in &rows[1..] {
        let line = *line;
        let cell = |c: usize| rec.get(n + c).unwrap_or("");
        let bad = |c: usize, what: &str| not_a(path, line, c, cell(c), what);
        let label = check_label(expect, line, rec)?;
        let k: u32 = cell(0)
            .parse()
            .map_err(|_| bad(0, "a replication number (a whole number from 0)"))?;
        let unit = match expect.labels {
            Labels::Variant(_) => k as u64,
            Labels::Point { .. } => {
                label.parse::<u64>().unwrap_or(0) * expect.max as u64 + k as u64
            }
        };
        if k >= expect.max || !expect.share.has(unit) {
            return Err(bad(
                0,
                &format!(
                    "a replication of share {}/{} (the series has replications 0 to {})",
                    expect.share.index,
                    expect.share.count,
                    expect.max.saturating_sub(1)
                ),
            ));
        }
        let seed: u64 = cell(1)
            .parse()
            .map_err(|_| bad(1, "a seed (a whole number)"))?;
        if let Some(s) = expect.seed
            && seed != derived_seed(s, k as u64)
        {
            return Err(bad(
                1,
                &format!(
                    "the seed of replication {k} under the manifest's seed {s} ({})",
                    derived_seed(s, k as u64)
                ),
            ));
        }
        let key = (label, k);
        if open.as_ref() != Some(&key) {
            if let Some((p, l)) = seen.get(&key) {
                return Err(at(
                    path,
                    line,
                    SAMPLE[0],
                    format!(
                        "replication {k} of {} is given twice: it is at `{}`:{l} already",
                        what_of(&expect.labels, &key.0),
                        p.display()
                    ),
                ));
            }
            seen.insert(key.clone(), (path.clone(), line));
            open = Some(key);
        }
        check_figures(path, line, &|c| cell(c))?;
    }
    Ok(())
}

/// How a message names the series a label stands for.
fn what_of(labels: &Labels, label: &str) -> String {
    match labels {
        Labels::Variant(v) => format!("variant `{v}`"),
        Labels::Point { .. } => format!("point {label}"),
    }
}

/// Checks a sample row's label columns against the manifest; returns the
/// label that identifies the series (the variant, or the point's index).
fn check_label(expect: &Expect, line: u64, rec: &csv::StringRecord) -> Result<String, String> {
    let path = &expect.path;
    let got = |c: usize| rec.get(c).unwrap_or("");
    match &expect.labels {
        Labels::Variant(v) => {
            if got(0) != *v {
                return Err(at(
                    path,
                    line,
                    VARIANT,
                    format!(
                        "`{}` is not `{v}`, the variant whose folder holds the file",
                        got(0)
                    ),
                ));
            }
            Ok(v.to_string())
        }
        Labels::Point { axes, grid } => {
            let i = got(0)
                .parse::<usize>()
                .ok()
                .filter(|&i| i < grid.len())
                .ok_or_else(|| {
                    at(
                        path,
                        line,
                        POINT,
                        format!(
                            "`{}` is not a point of the grid (0 to {})",
                            got(0),
                            grid.len().saturating_sub(1)
                        ),
                    )
                })?;
            for (j, a) in axes.iter().enumerate() {
                let want = &a.values[grid[i][j]];
                if got(1 + j) != want {
                    return Err(at(
                        path,
                        line,
                        &a.key,
                        format!("`{}` is not point {i}'s value, `{want}`", got(1 + j)),
                    ));
                }
            }
            Ok(i.to_string())
        }
    }
}

/// The message for `value`, in column `c` of [`SAMPLE`] at `line` of
/// `path`, not being `what` it must be.
fn not_a(path: &Path, line: u64, c: usize, value: &str, what: &str) -> String {
    at(path, line, SAMPLE[c], format!("`{value}` is not {what}"))
}

/// Checks the figures of a sample row, `cell(c)` its value of column `c`
/// of [`SAMPLE`]: counts whole and at least 0, the error rate within 0..1,
/// every other figure finite and at least 0, the quantiles in order; a
/// run overloaded without bound (class `-`) has none.
fn check_figures<'r>(
    path: &Path,
    line: u64,
    cell: &dyn Fn(usize) -> &'r str,
) -> Result<(), String> {
    let bad = |c: usize, what: &str| not_a(path, line, c, cell(c), what);
    if non_negative(cell(2)).is_none() {
        return Err(bad(2, "a warm-up (seconds, 0 or more)"));
    }
    if cell(3).is_empty() {
        return Err(bad(3, "a request class"));
    }
    if cell(3) == "-" {
        return match (4..SAMPLE.len()).find(|&c| !cell(c).is_empty()) {
            Some(c) => Err(bad(
                c,
                "empty, as in a run overloaded without bound (class `-`)",
            )),
            None => Ok(()),
        };
    }
    for c in [4, 5, 6, 7, 8, 18, 21] {
        let optional = c >= 18;
        if !(optional && cell(c).is_empty()) && cell(c).parse::<u64>().is_err() {
            return Err(bad(c, "a count (a whole number, 0 or more)"));
        }
    }
    if !non_negative(cell(9)).is_some_and(|r| r <= 1.0) {
        return Err(bad(9, "an error rate (a fraction from 0 to 1)"));
    }
    for c in [10, 11] {
        if non_negative(cell(c)).is_none() {
            return Err(bad(c, "a rate per second (0 or more)"));
        }
    }
    for c in [12, 13, 14, 15, 16, 17, 19, 20] {
        if !cell(c).is_empty() && non_negative(cell(c)).is_none() {
            return Err(bad(
                c,
                if c < 18 {
                    "a latency (milliseconds, 0 or more)"
                } else {
                    "a cost (0 or more)"
                },
            ));
        }
    }
    let q: Vec<Option<f64>> = (13..=17).map(|c| non_negative(cell(c))).collect();
    for j in 1..q.len() {
        if let (Some(a), Some(b)) = (q[j - 1], q[j])
            && b < a
        {
            return Err(bad(
                13 + j,
                &format!(
                    "at least `{}`, the {}: quantiles do not decrease",
                    cell(12 + j),
                    SAMPLE[12 + j]
                ),
            ));
        }
    }
    for kv in cell(22).split_whitespace() {
        if kv
            .rsplit_once('=')
            .and_then(|(_, u)| non_negative(u))
            .is_none()
        {
            return Err(at(
                path,
                line,
                SAMPLE[22],
                format!("`{kv}` is not `service=utilization` (a fraction, 0 or more)"),
            ));
        }
    }
    Ok(())
}

/// The schema of a CSV file merge copies, by name: its columns, and which
/// of them hold text (every other is a number, or empty where the figure
/// does not apply). `None` for a file capsim does not write.
fn schema_of(name: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    use schema::*;
    Some(match name {
        "timeseries.csv" => (timeseries::COLUMNS, &[]),
        "components.csv" => (components::COLUMNS, &["component", "instance"]),
        "summary.csv" => (summary::COLUMNS, &["variant", "class"]),
        "comparison.csv" => (comparison::COLUMNS, &["variant", "busiest"]),
        "events.csv" => (events::COLUMNS, &["kind", "target", "detail"]),
        "recovery.csv" => (recovery::COLUMNS, &["fault", "target"]),
        "links.csv" => (links::COLUMNS, &["link", "direction"]),
        "datacenters.csv" => (datacenters::COLUMNS, &["datacenter"]),
        "datacenters_summary.csv" => (datacenters_summary::COLUMNS, &["datacenter"]),
        "links_summary.csv" => (links_summary::COLUMNS, &["link"]),
        "replication.csv" => (replication::COLUMNS, &["component", "node", "topology"]),
        "replication_summary.csv" => (replication_summary::COLUMNS, &["component", "topology"]),
        "calls.csv" => (calls::COLUMNS, &["caller", "call", "options"]),
        "calls_summary.csv" => (calls_summary::COLUMNS, &["caller", "call", "options"]),
        _ => return None,
    })
}

/// Checks every CSV file under share 0's folder `dir` (manifest `m`) that
/// merge copies: every file but the samples (checked apart) and the
/// manifest.
fn check_copied(dir: &Path, m: &Manifest) -> Result<(), String> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).map_err(|e| format!("cannot read `{}`: {e}", d.display()))?;
        let mut paths: Vec<PathBuf> = entries
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("cannot read `{}`: {e}", d.display()))?;
        paths.sort();
        for p in paths.into_iter().rev() {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            let name = name.unwrap_or_default();
            // `regular_tree` has refused links: this is a folder or a file.
            if p.is_dir() {
                stack.push(p);
            } else if name.ends_with(".csv") && name != "replications.csv" && name != SHARD_FILE {
                check_csv(&p, &name, m)?;
            }
        }
    }
    Ok(())
}

/// Checks a copied CSV file against its schema and its share's manifest.
fn check_csv(path: &Path, name: &str, m: &Manifest) -> Result<(), String> {
    let text = read_text(path)?;
    let rows = records(path, &text)?;
    let header = &rows[0].1;
    let (want, text_cols): (Vec<&str>, Vec<&str>) = match schema_of(name) {
        Some((cols, text)) => (cols.to_vec(), text.to_vec()),
        None if name == "sweep.csv" || name == "plan.csv" => {
            grid_schema(header, name == "plan.csv")
        }
        None => {
            return Err(format!(
                "`{}` is not a file capsim writes: a share holds only capsim's outputs",
                path.display()
            ));
        }
    };
    header_is(path, header, &want)?;
    let duration = fact(m, "duration").and_then(|d| humantime::parse_duration(d).ok());
    let mut last_time = 0.0;
    for (line, rec) in &rows[1..] {
        for (c, cell) in rec.iter().enumerate() {
            let col = want[c];
            if text_cols.contains(&col) {
                if col == "variant" && !m.variants.iter().any(|(v, _)| v == cell) {
                    return Err(at(
                        path,
                        *line,
                        col,
                        format!("`{cell}` is not a variant of the manifest's"),
                    ));
                }
                continue;
            }
            if cell.is_empty() {
                continue;
            }
            let Some(x) = cell.parse::<f64>().ok().filter(|x| x.is_finite()) else {
                return Err(at(path, *line, col, format!("`{cell}` is not a number")));
            };
            if col == "time_s" {
                let end = duration.map_or(f64::INFINITY, |d| d.as_secs_f64());
                if x < last_time || x > end {
                    return Err(at(
                        path,
                        *line,
                        col,
                        format!(
                            "`{cell}` is not a time from {last_time} s (the row before) to the run's end at {end} s (the manifest's duration)"
                        ),
                    ));
                }
                last_time = x;
            }
        }
    }
    Ok(())
}

/// The columns of `sweep.csv` or `plan.csv` (`plan`) under `header`: the
/// keys varied (any names, before `replications`), then the figures; the
/// keys, `status`, `meets` and `chosen` hold text.
fn grid_schema(header: &csv::StringRecord, plan: bool) -> (Vec<&str>, Vec<&str>) {
    let mut tail: Vec<&str> = schema::points::COLUMNS.to_vec();
    if plan {
        tail.push(schema::points::CHOSEN);
    }
    let keys = header.len().saturating_sub(tail.len());
    let mut want: Vec<&str> = header.iter().take(keys).collect();
    let mut text = want.clone();
    want.extend(&tail);
    text.extend(["status", "meets", schema::points::CHOSEN]);
    (want, text)
}
