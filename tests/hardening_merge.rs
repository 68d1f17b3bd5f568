//! `capsim merge` trusts nothing it is handed: a link or a special file in
//! a share, a CSV file that is not its schema, samples that disagree with
//! their share's manifest (non-finite or negative figures, replications
//! outside the share, a replication twice, another variant's rows) are
//! refused with exit 2, a located message and nothing written. And two
//! neighbours of the merge: the interval of a rate near 0 starts at 0,
//! never below; `capsim run ... | head -1` ends quietly, its outputs
//! written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_capsim");

fn capsim(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A few short runs: two variants, an SLO (so `events.csv` is written).
const TINY: &str = "name: tiny
duration: 5s
warmup: 1s
traffic: { to: web, rate: 60 }
components:
  web: { kind: service, workers: 2, service_time: { exponential: { mean: 10ms } } }
slo: { p99: 500ms }
variants:
  big: { components: { web: { workers: 4 } } }
";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

/// Runs `args` (a `run` or `sweep` of `file`) as shares 0/2 and 1/2 into
/// `DIR/share0` and `DIR/share1`.
fn make_shares(dir: &Path, args: &[&str]) -> [PathBuf; 2] {
    [0, 1].map(|i| {
        let out = dir.join(format!("share{i}"));
        let share = format!("{i}/2");
        let mut a = args.to_vec();
        a.extend(["--shard", &share, "--out", out.to_str().unwrap(), "-q"]);
        let o = capsim(&a);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        out
    })
}

/// Copies the folder `from` to `to` (regular files and folders).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// A fresh copy of `shares` under `dir/case`, for one case to spoil.
fn fresh(dir: &Path, case: &str, shares: &[PathBuf; 2]) -> [PathBuf; 2] {
    let base = dir.join(case);
    [0, 1].map(|i| {
        let to = base.join(format!("share{i}"));
        copy_dir(&shares[i], &to);
        to
    })
}

/// Merges `shares` into `out`; asserts it is refused (exit 2, no panic,
/// nothing written) with a message containing every one of `want`.
fn refused(shares: &[PathBuf; 2], out: &Path, want: &[&str]) {
    let o = capsim(&[
        "merge",
        shares[0].to_str().unwrap(),
        shares[1].to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for w in want {
        assert!(err.contains(w), "wanted `{w}` in: {err}");
    }
    assert!(!out.exists(), "a refused merge wrote {}", out.display());
}

/// Sets column `column` of line `line` (1 = the header) of the CSV file
/// `path`, whose cells hold no commas, to `value`.
fn set_cell(path: &Path, line: usize, column: &str, value: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let c = lines[0]
        .split(',')
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no column `{column}` in {}", path.display()));
    let mut cells: Vec<&str> = lines[line - 1].split(',').collect();
    cells[c] = value;
    lines[line - 1] = cells.join(",");
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// A share holding a link (to a file only its owner reads, or to a
/// folder) or a named pipe is refused by path; the link is not followed.
#[cfg(unix)]
#[test]
fn a_link_or_a_special_file_in_a_share_is_refused() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "tiny.yaml", TINY);
    let shares = make_shares(tmp.path(), &["run", &file, "--replications", "4"]);
    let out = tmp.path().join("merged");

    let secret = tmp.path().join("secret.txt");
    std::fs::write(&secret, "root only\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let s = fresh(tmp.path(), "file-link", &shares);
    let ts = s[0].join("tiny/base/timeseries.csv");
    std::fs::remove_file(&ts).unwrap();
    symlink(&secret, &ts).unwrap();
    refused(
        &s,
        &out,
        &[&format!("`{}` is a symbolic link", ts.display())],
    );

    let s = fresh(tmp.path(), "dir-link", &shares);
    let link = s[0].join("tiny/base/more");
    symlink(tmp.path(), &link).unwrap();
    refused(
        &s,
        &out,
        &[&format!("`{}` is a symbolic link", link.display())],
    );

    // A scenario folder that is a link to another share's is not followed
    // either.
    let s = fresh(tmp.path(), "share-link", &shares);
    std::fs::rename(s[1].join("tiny"), tmp.path().join("elsewhere")).unwrap();
    symlink(tmp.path().join("elsewhere"), s[1].join("tiny")).unwrap();
    refused(&s, &out, &["share1/tiny` is a symbolic link"]);

    let s = fresh(tmp.path(), "fifo", &shares);
    let fifo = s[0].join("tiny/big/events.csv");
    std::fs::remove_file(&fifo).unwrap();
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates the file.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    refused(
        &s,
        &out,
        &[&format!(
            "`{}` is a named pipe, not a regular file",
            fifo.display()
        )],
    );

    // The shares themselves merge.
    let o = capsim(&[
        "merge",
        shares[0].to_str().unwrap(),
        shares[1].to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    assert!(out.join("tiny/base/summary.csv").is_file());
}

/// A file merge copies from share 0 is checked against its schema (the
/// header exactly, every row's fields, numbers that parse) and the share's
/// manifest (times within the run, the manifest's variants); a CSV file
/// capsim does not write is refused.
#[test]
fn a_copied_file_that_is_not_its_schema_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "tiny.yaml", TINY);
    let shares = make_shares(tmp.path(), &["run", &file, "--replications", "4"]);
    let out = tmp.path().join("merged");
    let ts = |s: &[PathBuf; 2]| s[0].join("tiny/base/timeseries.csv");

    let s = fresh(tmp.path(), "garbage", &shares);
    std::fs::write(ts(&s), "garbage\n\u{1}\u{2}\u{3}\n").unwrap();
    refused(
        &s,
        &out,
        &[
            &format!(
                "`{}`:1: not the header of `timeseries.csv`",
                ts(&s).display()
            ),
            "column 1 is `garbage` where `time_s` was expected",
        ],
    );

    let s = fresh(tmp.path(), "short-row", &shares);
    let text = std::fs::read_to_string(ts(&s)).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let cut = lines[2].rsplit_once(',').unwrap().0.to_string();
    lines[2] = &cut;
    std::fs::write(ts(&s), lines.join("\n") + "\n").unwrap();
    refused(
        &s,
        &out,
        &[&format!(
            "`{}`:3: 14 fields, where the header has 15",
            ts(&s).display()
        )],
    );

    let s = fresh(tmp.path(), "not-a-number", &shares);
    set_cell(&ts(&s), 4, "offered_rps", "lots");
    refused(
        &s,
        &out,
        &[&format!(
            "`{}`:4: column `offered_rps`: `lots` is not a number",
            ts(&s).display()
        )],
    );

    let s = fresh(tmp.path(), "nan", &shares);
    set_cell(&ts(&s), 2, "latency_p99_ms", "NaN");
    refused(
        &s,
        &out,
        &[":2: column `latency_p99_ms`: `NaN` is not a number"],
    );

    // A time series of a longer run (another scenario) is not this one's.
    let s = fresh(tmp.path(), "late", &shares);
    set_cell(&ts(&s), 3, "time_s", "3600");
    refused(
        &s,
        &out,
        &[":3: column `time_s`: `3600` is not a time", "at 5 s"],
    );

    let s = fresh(tmp.path(), "variant", &shares);
    let summary = s[0].join("tiny/base/summary.csv");
    set_cell(&summary, 2, "variant", "other");
    refused(
        &s,
        &out,
        &["summary.csv`:2: column `variant`: `other` is not a variant"],
    );

    let s = fresh(tmp.path(), "unknown", &shares);
    let notes = s[0].join("tiny/base/notes.csv");
    std::fs::write(&notes, "a,b\n1,2\n").unwrap();
    refused(
        &s,
        &out,
        &[&format!(
            "`{}` is not a file capsim writes",
            notes.display()
        )],
    );

    // A share of another run (another seed) is told by its fingerprint.
    let other = tmp.path().join("seed7");
    let o = capsim(&[
        "run",
        &file,
        "--replications",
        "4",
        "--seed",
        "7",
        "--shard",
        "1/2",
        "--out",
        other.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    refused(
        &[shares[0].clone(), other],
        &out,
        &["is a share of another run of `tiny`", "fingerprints differ"],
    );
}

/// Samples that are not what their share ran are refused by file, line
/// and column: a non-finite or negative figure, an error rate above 1,
/// quantiles out of order, a replication of another share, one given
/// twice, another variant's rows, a seed the manifest's does not give.
#[test]
fn edited_samples_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "tiny.yaml", TINY);
    let shares = make_shares(tmp.path(), &["run", &file, "--replications", "4"]);
    let out = tmp.path().join("merged");
    let rep = |s: &[PathBuf; 2], i: usize| s[i].join("tiny/base/replications.csv");
    let cases: [(&str, usize, &str, &str, &str); 9] = [
        (
            "nan",
            2,
            "latency_p99_ms",
            "NaN",
            "column `latency_p99_ms`: `NaN` is not a latency",
        ),
        (
            "inf",
            2,
            "throughput_rps",
            "inf",
            "column `throughput_rps`: `inf` is not a rate",
        ),
        (
            "negative-latency",
            2,
            "latency_p50_ms",
            "-5342",
            "column `latency_p50_ms`: `-5342` is not a latency (milliseconds, 0 or more)",
        ),
        (
            "negative-count",
            2,
            "requests",
            "-3",
            "column `requests`: `-3` is not a count",
        ),
        (
            "rate-above-1",
            2,
            "error_rate",
            "1.5",
            "column `error_rate`: `1.5` is not an error rate (a fraction from 0 to 1)",
        ),
        (
            "quantiles",
            2,
            "latency_p99_ms",
            "10452",
            "column `latency_p999_ms`",
        ),
        (
            "other-share",
            2,
            "replication",
            "1",
            "column `replication`: `1` is not a replication of share 0/2",
        ),
        (
            "variant",
            2,
            "variant",
            "big",
            "column `variant`: `big` is not `base`, the variant whose folder holds the file",
        ),
        (
            "seed",
            2,
            "seed",
            "12345",
            "column `seed`: `12345` is not the seed of replication 0",
        ),
    ];
    for (case, line, column, value, want) in cases {
        let s = fresh(tmp.path(), case, &shares);
        set_cell(&rep(&s, 0), line, column, value);
        let located = format!("`{}`:{line}: {want}", rep(&s, 0).display());
        refused(&s, &out, &[&located]);
    }

    // A replication given twice (share 1's rows repeated) is told with
    // where it was first.
    let s = fresh(tmp.path(), "twice", &shares);
    let text = std::fs::read_to_string(rep(&s, 1)).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    std::fs::write(rep(&s, 1), format!("{text}{}\n", rows.join("\n"))).unwrap();
    refused(
        &s,
        &out,
        &[
            &format!(
                "`{}`:{}: column `replication`",
                rep(&s, 1).display(),
                2 + rows.len()
            ),
            &format!(
                "is given twice: it is at `{}`:2 already",
                rep(&s, 1).display()
            ),
        ],
    );
}

/// A sweep's samples are checked against its grid: a point outside it, or
/// a row whose key value is not its point's.
#[test]
fn edited_samples_of_a_sweep_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "tiny.yaml", TINY);
    let shares = make_shares(
        tmp.path(),
        &[
            "sweep",
            &file,
            "--vary",
            "components.web.workers=2,3",
            "--replications",
            "2",
        ],
    );
    let out = tmp.path().join("merged");
    let rep = |s: &[PathBuf; 2]| s[1].join("tiny/sweep/replications.csv");
    let s = fresh(tmp.path(), "point", &shares);
    set_cell(&rep(&s), 2, "point", "7");
    refused(
        &s,
        &out,
        &[&format!(
            "`{}`:2: column `point`: `7` is not a point of the grid (0 to 1)",
            rep(&s).display()
        )],
    );
    let s = fresh(tmp.path(), "value", &shares);
    set_cell(&rep(&s), 2, "components.web.workers", "9");
    refused(
        &s,
        &out,
        &["column `components.web.workers`: `9` is not point 0's value, `2`"],
    );
    let s = fresh(tmp.path(), "nan", &shares);
    set_cell(&rep(&s), 2, "goodput_rps", "NaN");
    refused(&s, &out, &[":2: column `goodput_rps`: `NaN` is not a rate"]);
}

/// Every `*_lo` column of a CSV file (`None` when it has none), by row.
fn lows(path: &Path) -> Vec<Vec<(String, f64)>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .filter(|(h, v)| (h.ends_with("_lo") || h.ends_with("_hi")) && !v.is_empty())
                .map(|(h, v)| (h.to_string(), v.parse().unwrap()))
                .collect()
        })
        .collect()
}

/// A loss system (`queue: 0`) at a low load rejects a request now and
/// then: most runs have an error rate of 0, a few not, and the t interval
/// of the mean reached below 0. Every interval of a quantity that cannot
/// be negative starts at 0 or above; a rate's lies within 0..1.
#[test]
fn the_interval_of_a_rate_near_0_starts_at_0() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "loss.yaml",
        "name: loss
duration: 20s
traffic: { to: web, rate: 5 }
components:
  web: { kind: service, workers: 2, queue: 0, service_time: { exponential: { mean: 40ms } } }
",
    );
    let out = tmp.path().join("out");
    let vary = [
        "--vary",
        "components.web.workers=1..3",
        "--replications",
        "6",
    ];
    let mut sweep = vec!["sweep", file.as_str()];
    sweep.extend(vary);
    sweep.extend(["--out", out.to_str().unwrap(), "-q"]);
    let mut plan = vec!["plan", file.as_str()];
    plan.extend(vary);
    plan.extend([
        "--slo",
        "error_rate=5%",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    let mut run = vec!["run", file.as_str(), "--replications", "6"];
    run.extend(["--out", out.to_str().unwrap(), "-q"]);
    for args in [&sweep, &plan, &run] {
        let o = capsim(args);
        assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    }
    let mut cut = 0;
    for csv in [
        "loss/sweep/sweep.csv",
        "loss/plan/plan.csv",
        "loss/base/summary.csv",
    ] {
        let rows = lows(&out.join(csv));
        assert!(!rows.is_empty(), "{csv}");
        for row in rows {
            for (col, v) in &row {
                assert!(*v >= 0.0, "{csv}: {col} = {v}");
                if col.starts_with("error_rate") {
                    assert!(*v <= 1.0, "{csv}: {col} = {v}");
                }
            }
            let get = |c: &str| row.iter().find(|(h, _)| h == c).map(|x| x.1);
            if get("error_rate_lo") == Some(0.0) && get("error_rate_hi").is_some_and(|h| h > 0.0) {
                cut += 1;
            }
        }
    }
    // The case this is about happened: a rate above 0 whose interval was
    // cut at 0.
    assert!(cut > 0, "no interval of a rate near 0 in the outputs");
}

/// `capsim run ... | head -1`: stdout is a pipe whose reader is gone. The
/// run ends quietly (SIGPIPE, as Unix tools), not with a panic, and its
/// outputs are all written (the terminal's account comes after them).
#[cfg(unix)]
#[test]
fn a_closed_stdout_ends_the_run_quietly_with_its_outputs_written() {
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::os::unix::process::ExitStatusExt;
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "tiny.yaml", TINY);
    for (name, extra) in [("single", None), ("series", Some("3"))] {
        let out = tmp.path().join(name);
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe() returns.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: both descriptors were just opened and are owned here
        // only; the reader is closed at once, as `head` does when done.
        let (reader, writer) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        drop(reader);
        let mut c = Command::new(BIN);
        c.args(["run", &file, "--out", out.to_str().unwrap()]);
        if let Some(n) = extra {
            c.args(["--replications", n]);
        }
        let o = c.stdout(writer).output().unwrap();
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(
            o.status.success()
                || o.status.code() == Some(1)
                || o.status.signal() == Some(libc::SIGPIPE),
            "{name}: {:?}: {err}",
            o.status
        );
        for f in [
            "base/summary.csv",
            "base/timeseries.csv",
            "comparison/comparison.csv",
            "report.html",
        ] {
            let p = out.join("tiny").join(f);
            assert!(
                std::fs::metadata(&p).is_ok_and(|m| m.len() > 0),
                "{name}: {} not written",
                p.display()
            );
        }
    }
}
