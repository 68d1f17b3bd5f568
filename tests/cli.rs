//! The command line, driven through the real `capsim` binary: what a run
//! writes, determinism, conservation of requests in the CSVs, and how every
//! class of bad input is refused (exit status 2, `file:line:column`, key path,
//! "did you mean", nothing written, never a panic).
//!
//! Fixtures live in `tests/fixtures/`; the binary runs with the package root
//! as its working folder so messages name fixtures as `tests/fixtures/...`.

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_capsim");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Longest any single invocation may take before the test fails (a hang is a
/// bug too; this keeps it from hanging the test suite).
const INVOCATION_LIMIT: Duration = Duration::from_secs(60);

/// Exit status for bad input.
const BAD_INPUT: i32 = 2;

// Column lists copied from SCENARIO.md, "What a run writes".
const TIMESERIES_HEADER: &str = "time_s,offered_rps,completed_rps,goodput_rps,rejected_rps,\
timed_out_rps,failed_rps,in_flight,latency_p50_ms,latency_p90_ms,latency_p99_ms,\
latency_p999_ms,latency_max_ms,attempts_rps,sessions_lost";
const COMPONENTS_HEADER: &str = "time_s,component,instance,up,utilization,queue_len,\
in_service,completed,rejected,hits,misses,backlog,lag_ms,stale_reads";
const SUMMARY_HEADER: &str = "variant,class,requests,ok,rejected,timed_out,failed,\
error_rate,error_rate_lo,error_rate_hi,throughput_rps,throughput_rps_lo,throughput_rps_hi,\
goodput_rps,goodput_rps_lo,goodput_rps_hi,latency_mean_ms,latency_mean_ms_lo,latency_mean_ms_hi,\
latency_p50_ms,latency_p50_ms_lo,latency_p50_ms_hi,latency_p90_ms,latency_p90_ms_lo,latency_p90_ms_hi,\
latency_p99_ms,latency_p99_ms_lo,latency_p99_ms_hi,latency_p999_ms,latency_p999_ms_lo,latency_p999_ms_hi,\
latency_max_ms,latency_max_ms_lo,latency_max_ms_hi,cost_per_hour,cost_per_million,cost_total,\
sessions_lost,replications,warmup_s";

/// The [data] columns of `components.csv`: empty for services and load
/// balancers ("empty where a kind has none").
const DATA_COLUMNS: &[&str] = &["hits", "misses", "backlog", "lag_ms", "stale_reads"];

/// What one invocation of the binary did.
#[derive(Debug)]
struct Outcome {
    /// Exit code; `None` when killed by a signal.
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn first_stderr_line(&self) -> &str {
        self.stderr.lines().next().unwrap_or("")
    }
}

/// Runs `capsim ARGS...` in the package root, stdin closed and both outputs
/// captured (so neither is a terminal), and returns what it did.
fn capsim<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Outcome {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(ROOT)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start the capsim binary");
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_reader = thread::spawn(move || {
        let mut v = Vec::new();
        out.read_to_end(&mut v).map(|_| v)
    });
    let err_reader = thread::spawn(move || {
        let mut v = Vec::new();
        err.read_to_end(&mut v).map(|_| v)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("waiting for capsim") {
            break s;
        }
        if started.elapsed() > INVOCATION_LIMIT {
            // Only the child we started, by its handle.
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "capsim {:?} did not finish within {INVOCATION_LIMIT:?}",
                args.iter().map(|a| a.as_ref()).collect::<Vec<_>>()
            );
        }
        thread::sleep(Duration::from_millis(2));
    };
    let stdout = out_reader.join().unwrap().expect("reading stdout");
    let stderr = err_reader.join().unwrap().expect("reading stderr");
    Outcome {
        code: status.code(),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

/// A fixture's path as passed to the binary (relative to the package root).
fn fixture(name: &str) -> String {
    format!("tests/fixtures/{name}")
}

/// `tests/fixtures/NAME:LINE:COL`, where COL is the 1-based character column
/// of `token` on line `line` of the fixture (the token must occur once there).
fn location(name: &str, line: usize, token: &str) -> String {
    let rel = fixture(name);
    let text = fs::read_to_string(Path::new(ROOT).join(&rel))
        .unwrap_or_else(|e| panic!("cannot read {rel}: {e}"));
    let l = text
        .lines()
        .nth(line - 1)
        .unwrap_or_else(|| panic!("{rel} has no line {line}"));
    assert_eq!(
        l.matches(token).count(),
        1,
        "fixture {rel} line {line} ({l:?}) must contain {token:?} exactly once"
    );
    let byte = l.find(token).unwrap();
    let col = l[..byte].chars().count() + 1;
    format!("{rel}:{line}:{col}")
}

/// An output folder inside a fresh temporary folder, not created yet.
fn fresh_out() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let out = tmp.path().join("out");
    (tmp, out)
}

/// Asserts that `o` is a refusal of bad input: exit status 2, nothing on
/// stdout, a first stderr line `error: ` with `loc` (when given) and the key
/// `path` (when given), every one of `contains` somewhere on stderr, no panic,
/// and `out` (which did not exist before) still does not exist.
fn assert_rejected(
    o: &Outcome,
    out: &Path,
    loc: Option<&str>,
    path: Option<&str>,
    contains: &[&str],
) {
    let show = || {
        format!(
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            o.code, o.stdout, o.stderr
        )
    };
    assert!(
        !o.stderr.contains("panicked"),
        "capsim panicked\n{}",
        show()
    );
    assert_eq!(o.code, Some(BAD_INPUT), "exit status\n{}", show());
    assert!(o.stdout.is_empty(), "stdout must be empty\n{}", show());
    let first = o.first_stderr_line();
    assert!(first.starts_with("error: "), "first line\n{}", show());
    if let Some(loc) = loc {
        assert!(
            first.starts_with(&format!("error: {loc}: ")),
            "first line must start with `error: {loc}: `\n{}",
            show()
        );
    }
    if let Some(path) = path {
        assert!(
            first.contains(&format!(" {path}: ")),
            "first line must name the key path `{path}`\n{}",
            show()
        );
    }
    for c in contains {
        assert!(
            o.stderr.contains(c),
            "stderr must contain {c:?}\n{}",
            show()
        );
    }
    assert!(
        !out.exists(),
        "a refused run must create nothing, but {} exists\n{}",
        out.display(),
        show()
    );
}

/// `capsim run tests/fixtures/NAME --out <fresh>` must be refused at line
/// `line`, at the column of `token`, naming `path` and mentioning `contains`.
pub(super) fn expect_rejected(
    name: &str,
    line: usize,
    token: &str,
    path: Option<&str>,
    contains: &[&str],
) {
    let loc = location(name, line, token);
    let (_tmp, out) = fresh_out();
    let o = capsim(&[
        "run".as_ref(),
        fixture(name).as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_rejected(&o, &out, Some(&loc), path, contains);
}

/// A CSV file as a header line and rows of fields (capsim's CSVs never quote:
/// names are restricted to letters, digits, `_`, `-` and `.`).
struct Csv {
    header: String,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(path: &Path) -> Csv {
        let text = fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        assert!(
            text.ends_with('\n'),
            "{} must end with a newline",
            path.display()
        );
        assert!(
            !text.contains('\r'),
            "{} must use LF line ends",
            path.display()
        );
        let mut lines = text.lines();
        let header = lines.next().unwrap_or("").to_string();
        let columns: Vec<String> = header.split(',').map(str::to_string).collect();
        let rows: Vec<Vec<String>> = lines
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect();
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(
                r.len(),
                columns.len(),
                "{} row {} has {} fields, the header {}",
                path.display(),
                i + 2,
                r.len(),
                columns.len()
            );
        }
        Csv {
            header,
            columns,
            rows,
        }
    }

    fn col(&self, name: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("no column {name} in {}", self.header))
    }

    fn num(&self, row: &[String], name: &str) -> f64 {
        let f = &row[self.col(name)];
        f.parse()
            .unwrap_or_else(|_| panic!("{name} = {f:?} is not a number"))
    }

    /// The value of a whole-number column, checked to be whole.
    fn count(&self, row: &[String], name: &str) -> u64 {
        let x = self.num(row, name);
        assert!(x >= 0.0 && x.fract() == 0.0, "{name} = {x} is not a count");
        x as u64
    }
}

/// The names in a folder.
fn entries(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Runs a good scenario quietly into `out` and returns the run folder.
fn run_ok(args: &[&str], out: &Path, run_dir: &str) -> PathBuf {
    let mut full: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
    full.push("--out".as_ref());
    full.push(out.as_os_str());
    full.push("-q".as_ref());
    let o = capsim(&full);
    assert_eq!(o.code, Some(0), "capsim {args:?} failed:\n{}", o.stderr);
    out.join(run_dir)
}

// ---------------------------------------------------------------------------
// Runs that succeed.
// ---------------------------------------------------------------------------

#[test]
fn demo_run_writes_three_csvs_with_the_documented_columns_and_four_plots() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = capsim(&["run".as_ref(), "--out".as_ref(), out.as_os_str()]);
    assert_eq!(o.code, Some(0), "stderr:\n{}", o.stderr);
    assert!(!o.stderr.contains("panicked"), "{}", o.stderr);

    // The demo's request classes (scenarios/demo.yaml), then the total.
    let classes = ["browse", "checkout", "all"];
    for class in classes {
        assert!(
            o.stdout
                .lines()
                .any(|l| l.split_whitespace().next() == Some(class)),
            "the summary table must have a `{class}` row:\n{}",
            o.stdout
        );
    }

    // The run's folder and the reports under OUT/demo, nothing else anywhere.
    assert_eq!(entries(&out), set(&["demo"]));
    assert_eq!(
        entries(&out.join("demo")),
        set(&["base", "report.html", "report.md"])
    );
    let dir = out.join("demo").join("base");
    let files = entries(&dir);
    assert!(
        files.iter().all(|f| !f.starts_with(".capsim-")),
        "temporary files left behind: {files:?}"
    );
    assert_eq!(
        files,
        set(&[
            "timeseries.csv",
            "components.csv",
            "summary.csv",
            "latency.png",
            "throughput.png",
            "components.png",
            "latency_cdf.png",
            "topology.svg",
            "topology.png",
        ])
    );

    // timeseries.csv: the header, and one row per window, in order (demo:
    // 5m in 1s windows).
    let ts = Csv::read(&dir.join("timeseries.csv"));
    assert_eq!(ts.header, TIMESERIES_HEADER);
    assert_eq!(ts.rows.len(), 300, "one row per 1s window of 5m");
    for (i, r) in ts.rows.iter().enumerate() {
        assert_eq!(
            ts.num(r, "time_s"),
            i as f64,
            "row {} of timeseries.csv",
            i + 2
        );
    }

    // components.csv: the header including the [data] columns, empty for the
    // demo's services and load balancer; rows for every window.
    let comp = Csv::read(&dir.join("components.csv"));
    assert_eq!(comp.header, COMPONENTS_HEADER);
    assert!(!comp.rows.is_empty());
    for r in &comp.rows {
        for c in DATA_COLUMNS {
            assert_eq!(r[comp.col(c)], "", "{c} must be empty for a {}", r[1]);
        }
    }
    let windows: BTreeSet<u64> = comp.rows.iter().map(|r| comp.count(r, "time_s")).collect();
    assert_eq!(windows, (0..300).collect::<BTreeSet<u64>>());
    let components: BTreeSet<String> = comp.rows.iter().map(|r| r[1].clone()).collect();
    assert_eq!(components, set(&["lb", "web", "api"]));

    // summary.csv: one row per class plus `all`; no sizes, so no cost.
    let sum = Csv::read(&dir.join("summary.csv"));
    assert_eq!(sum.header, SUMMARY_HEADER);
    let rows: Vec<&str> = sum
        .rows
        .iter()
        .map(|r| r[sum.col("class")].as_str())
        .collect();
    assert_eq!(rows, classes);
    for r in &sum.rows {
        assert_eq!(r[sum.col("variant")], "base");
        assert_eq!(r[sum.col("cost_per_hour")], "", "no sizes: no cost");
    }
    let all = sum.rows.last().unwrap();
    let total: u64 = sum.rows[..2].iter().map(|r| sum.count(r, "requests")).sum();
    assert_eq!(sum.count(all, "requests"), total, "`all` sums the classes");
    assert!(total > 0);
}

#[test]
fn quiet_prints_nothing_and_no_progress_bar_when_stderr_is_not_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let f = fixture("small.yaml");

    let out = tmp.path().join("quiet");
    let o = capsim(&[
        "run".as_ref(),
        f.as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        "-q".as_ref(),
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert_eq!(o.stdout, "", "-q prints nothing on stdout");
    assert_eq!(o.stderr, "", "-q prints nothing on stderr");
    assert!(out.join("small/base/summary.csv").is_file());

    // Without -q: the table on stdout, but stderr is a pipe, so no progress
    // bar (nor anything else) on stderr.
    let out = tmp.path().join("loud");
    let o = capsim(&[
        "run".as_ref(),
        f.as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(o.stdout.contains("browse"), "{}", o.stdout);
    assert_eq!(
        o.stderr, "",
        "no progress bar when stderr is not a terminal"
    );
}

#[test]
fn same_file_and_seed_give_byte_identical_csvs_and_another_seed_differs() {
    let tmp = tempfile::tempdir().unwrap();
    let f = fixture("small.yaml"); // seed: 3
    let a = run_ok(&["run", &f], &tmp.path().join("a"), "small/base");
    let b = run_ok(&["run", &f], &tmp.path().join("b"), "small/base");
    let c = run_ok(
        &["run", &f, "--seed", "3"],
        &tmp.path().join("c"),
        "small/base",
    );
    let d = run_ok(
        &["run", &f, "--seed", "4"],
        &tmp.path().join("d"),
        "small/base",
    );
    for name in ["timeseries.csv", "components.csv", "summary.csv"] {
        let first = fs::read(a.join(name)).unwrap();
        assert!(first.len() > 100, "{name} is nearly empty");
        assert!(
            first == fs::read(b.join(name)).unwrap(),
            "{name} differs between two runs of the same file and seed"
        );
        assert!(
            first == fs::read(c.join(name)).unwrap(),
            "{name}: `--seed 3` must equal the file's `seed: 3`"
        );
    }
    assert!(
        fs::read(a.join("timeseries.csv")).unwrap() != fs::read(d.join("timeseries.csv")).unwrap(),
        "another --seed must give another timeseries.csv"
    );
}

#[test]
fn every_request_is_counted_once_with_rejections_and_timeouts() {
    let tmp = tempfile::tempdir().unwrap();
    // warmup: 0s, so the summary counts every request sent; window 1s, so
    // each *_rps field of timeseries.csv is the window's count.
    let dir = run_ok(
        &["run", &fixture("overload.yaml")],
        &tmp.path().join("out"),
        "overload/base",
    );
    let sum = Csv::read(&dir.join("summary.csv"));
    let all = sum
        .rows
        .iter()
        .find(|r| r[sum.col("class")] == "all")
        .expect("an `all` row");
    let requests = sum.count(all, "requests");
    let ok = sum.count(all, "ok");
    let rejected = sum.count(all, "rejected");
    let timed_out = sum.count(all, "timed_out");
    let failed = sum.count(all, "failed");

    let ts = Csv::read(&dir.join("timeseries.csv"));
    assert_eq!(ts.rows.len(), 20);
    let in_flight = ts.count(ts.rows.last().unwrap(), "in_flight");
    assert_eq!(
        requests,
        ok + rejected + timed_out + failed + in_flight,
        "requests = ok + rejected + timed_out + failed + in flight at the end \
         ({ok} + {rejected} + {timed_out} + {failed} + {in_flight})"
    );
    assert!(rejected > 0, "the fixture must exercise rejections");
    assert!(timed_out > 0, "the fixture must exercise timeouts");

    // The time series add up to the same totals.
    let total = |col: &str| -> u64 { ts.rows.iter().map(|r| ts.count(r, col)).sum() };
    assert_eq!(total("offered_rps"), requests, "offered over the run");
    assert_eq!(total("rejected_rps"), rejected, "rejected over the run");
    assert_eq!(total("timed_out_rps"), timed_out, "timed out over the run");
    assert_eq!(total("failed_rps"), failed, "failed over the run");
}

#[test]
fn every_shipped_scenario_validates() {
    let dir = Path::new(ROOT).join("scenarios");
    let mut files: Vec<String> = entries(&dir)
        .into_iter()
        .filter(|f| f.ends_with(".yaml") || f.ends_with(".yml"))
        .map(|f| format!("scenarios/{f}"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenarios/*.yaml");
    let mut args = vec!["validate".to_string()];
    args.extend(files.iter().cloned());
    let o = capsim(&args);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert_eq!(o.stderr, "");
    for f in &files {
        assert!(
            o.stdout.contains(&format!("ok: {f} ")),
            "{f} not reported ok:\n{}",
            o.stdout
        );
    }
}

// ---------------------------------------------------------------------------
// Bad input: one test per class of refusal.
// ---------------------------------------------------------------------------

#[test]
fn rejects_yaml_syntax_errors() {
    // `workers: 2: 3`: the second colon is where the YAML stops making sense.
    expect_rejected("bad-syntax.yaml", 9, ": 3", None, &["YAML syntax error"]);
}

#[test]
fn rejects_unknown_keys_with_did_you_mean() {
    expect_rejected(
        "bad-unknown-key.yaml",
        9,
        "workrs",
        Some("components.web.workrs"),
        &["unknown key `workrs`", "did you mean `workers`?"],
    );
}

#[test]
fn rejects_wrong_types() {
    expect_rejected(
        "bad-wrong-type.yaml",
        9,
        "many",
        Some("components.web.workers"),
        &["`many`", "expected a whole number"],
    );
}

#[test]
fn rejects_bare_numbers_where_a_duration_is_needed() {
    expect_rejected(
        "bad-bare-duration.yaml",
        2,
        "60",
        Some("duration"),
        &["no unit", "`60s`"],
    );
}

#[test]
fn rejects_references_to_missing_components_with_did_you_mean() {
    expect_rejected(
        "bad-unknown-component.yaml",
        11,
        "apii",
        Some("components.web.calls[0]"),
        &["no component is called `apii`", "did you mean `api`?"],
    );
}

#[test]
fn rejects_call_cycles_naming_the_cycle() {
    expect_rejected(
        "bad-cycle.yaml",
        15,
        "a",
        Some("components.b.calls[0]"),
        &["call cycle: a -> b -> a"],
    );
}

#[test]
fn rejects_zero_counts() {
    expect_rejected(
        "bad-zero-count.yaml",
        9,
        "0",
        Some("components.web.instances"),
        &["zero instances"],
    );
}

#[test]
fn rejects_negative_counts() {
    expect_rejected(
        "bad-negative-count.yaml",
        9,
        "-4",
        Some("components.web.workers"),
        &["-4"],
    );
}

#[test]
fn rejects_zero_rates() {
    expect_rejected(
        "bad-zero-rate.yaml",
        5,
        "0",
        Some("traffic.rate"),
        &["a rate of 0 requests per second"],
    );
}

#[test]
fn rejects_negative_rates_in_a_step() {
    expect_rejected(
        "bad-negative-rate-step.yaml",
        7,
        "-50",
        Some("traffic.rate[1].rps"),
        &["-50"],
    );
}

// A rate that is not a number is as impossible as a negative one (it once
// passed validation and made `run` spin for ever). Checked with `validate` so
// that a regression cannot hang the suite.
#[test]
fn rejects_a_rate_that_is_not_a_number() {
    let name = "bad-nan-rate.yaml";
    let loc = location(name, 5, ".nan");
    let (_tmp, out) = fresh_out();
    let o = capsim(&["validate", &fixture(name)]);
    assert_rejected(&o, &out, Some(&loc), Some("traffic.rate"), &[]);
}

#[test]
fn rejects_zero_durations() {
    expect_rejected(
        "bad-zero-duration.yaml",
        2,
        "0s",
        Some("duration"),
        &["no time"],
    );
}

#[test]
fn rejects_impossible_distributions() {
    expect_rejected(
        "bad-lognormal.yaml",
        9,
        "10ms",
        Some("components.web.service_time.lognormal.p99"),
        &["the p99 (10ms) is not above the median (20ms)"],
    );
}

#[test]
fn rejects_values_too_large_to_simulate() {
    expect_rejected(
        "bad-too-large.yaml",
        9,
        "100000000",
        Some("components.web.instances"),
        &["too many to simulate"],
    );
}

// A key of a later capability is located at the key (line 10,
// `replications`), as an unknown key is, not at its value.
#[test]
fn rejects_a_replication_precision_of_zero() {
    expect_rejected(
        "bad-replications.yaml",
        10,
        "0%",
        Some("replications.precision"),
        &["strictly between 0% and 100%"],
    );
}

/// `capsim run tests/fixtures/trace.yaml --set KEY=FILE` must be refused; at
/// `line` of the fixture `file`, at the column of `token`, when given.
fn expect_input_rejected(key: &str, file: &str, at: Option<(usize, &str)>, contains: &[&str]) {
    let loc = at.map(|(line, token)| location(file, line, token));
    let (_tmp, out) = fresh_out();
    let set = format!("{key}={file}");
    let o = capsim(&[
        "run".as_ref(),
        fixture("trace.yaml").as_ref(),
        "--set".as_ref(),
        set.as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_rejected(&o, &out, loc.as_deref(), None, contains);
    assert!(o.stderr.contains(&fixture(file)), "{}", o.stderr);
}

const TRACE: &str = "traffic.rate.trace.file";
const EMPIRICAL: &str = "components.web.service_time.empirical.file";

#[test]
fn rejects_bad_trace_rows_naming_file_line_and_column() {
    expect_input_rejected(
        TRACE,
        "bad-trace-not-a-number.csv",
        Some((3, "sixty")),
        &["`sixty` is not a number"],
    );
    expect_input_rejected(
        TRACE,
        "bad-trace-negative.csv",
        Some((3, "-5")),
        &["a rate of -5 requests per second", "zero or more"],
    );
    expect_input_rejected(
        TRACE,
        "bad-trace-not-increasing.csv",
        Some((4, "30")),
        &["not increasing"],
    );
    // A file without the header is not shown (it may be any file): told
    // at the `file` key.
    expect_input_rejected(
        TRACE,
        "bad-trace-header.csv",
        None,
        &["is not a trace of the expected form", "`time_s,rps`", TRACE],
    );
    expect_input_rejected(
        TRACE,
        "bad-trace-no-header.csv",
        None,
        &["the header is missing", TRACE],
    );
}

#[test]
fn rejects_an_empty_or_missing_trace_at_its_file_key() {
    expect_input_rejected(TRACE, "bad-trace-empty.csv", None, &["is empty", TRACE]);
    expect_input_rejected(TRACE, "no-such-trace.csv", None, &["cannot read", TRACE]);
}

#[test]
fn rejects_bad_empirical_values_naming_file_and_line() {
    expect_input_rejected(
        EMPIRICAL,
        "bad-empirical-duration.txt",
        Some((3, "12")),
        &["`12` has no unit"],
    );
    expect_input_rejected(
        EMPIRICAL,
        "bad-empirical-empty.txt",
        None,
        &["has no values", EMPIRICAL],
    );
}

#[test]
fn a_trace_and_an_empirical_sample_run_and_repeat_byte_for_byte() {
    let (_tmp, out) = fresh_out();
    let a = run_ok(&["run", &fixture("trace.yaml")], &out, "trace");
    let first = fs::read(a.join("base/timeseries.csv")).unwrap();
    let (_tmp2, out2) = fresh_out();
    let b = run_ok(&["run", &fixture("trace.yaml")], &out2, "trace");
    assert_eq!(first, fs::read(b.join("base/timeseries.csv")).unwrap());
    // `--set traffic.rate` still replaces the trace with a number.
    let o = capsim(&[
        "validate",
        &fixture("trace.yaml"),
        "--set",
        "traffic.rate=50",
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
}

#[test]
fn rejects_a_usl_contention_outside_zero_to_one() {
    expect_rejected(
        "bad-usl-contention.yaml",
        10,
        "1.5",
        Some("sizes.big.usl.contention"),
        &["a contention of 1.5", "[0, 1)"],
    );
}

#[test]
fn rejects_an_unknown_eviction_policy_with_did_you_mean() {
    expect_rejected(
        "bad-eviction.yaml",
        12,
        "lfru",
        Some("components.cache.eviction"),
        &["did you mean `lfu`?", "`lru`, `lfu`, `fifo`, `random`"],
    );
}

#[test]
fn rejects_a_cache_of_zero_capacity() {
    expect_rejected(
        "bad-cache-capacity.yaml",
        11,
        "0",
        Some("components.cache.capacity"),
        &["zero entries"],
    );
}

#[test]
fn rejects_on_miss_naming_a_queue() {
    expect_rejected(
        "bad-on-miss-kind.yaml",
        12,
        "jobs",
        Some("components.cache.on_miss"),
        &["`jobs` is a queue"],
    );
}

#[test]
fn rejects_consumers_that_are_not_a_service() {
    expect_rejected(
        "bad-consumers-kind.yaml",
        11,
        "db",
        Some("components.jobs.consumers"),
        &["`db` is a database", "a service"],
    );
}

#[test]
fn rejects_reading_from_replicas_that_do_not_exist() {
    expect_rejected(
        "bad-read-from.yaml",
        12,
        "replicas",
        Some("components.db.read_from"),
        &["no replicas", "`replicas: 1` or more"],
    );
}

#[test]
fn rejects_a_write_routed_to_a_queue_consumer_directly() {
    expect_rejected(
        "bad-consumer-call.yaml",
        13,
        "worker",
        Some("components.web.calls[0].to"),
        &["consumes the queue `orders`", "a call to `orders`"],
    );
}

#[test]
fn rejects_cycles_through_on_miss() {
    expect_rejected(
        "bad-on-miss-cycle.yaml",
        16,
        "api",
        Some("components.cache.on_miss"),
        &["call cycle: api -> cache -> api"],
    );
}

#[test]
fn rejects_a_class_reaching_a_database_without_a_key() {
    expect_rejected(
        "bad-missing-key.yaml",
        7,
        "browse",
        Some("traffic.requests.browse"),
        &["reach `db` (a database)", "no `key`"],
    );
}

#[test]
fn rejects_a_negative_zipf_exponent() {
    expect_rejected(
        "bad-zipf.yaml",
        7,
        "-1",
        Some("traffic.requests.get.key.zipf.exponent"),
        &["an exponent of -1"],
    );
}

#[test]
fn rejects_unknown_kinds_with_did_you_mean() {
    expect_rejected(
        "bad-unknown-kind.yaml",
        8,
        "servce",
        Some("components.web.kind"),
        &["unknown kind `servce`", "did you mean `service`?"],
    );
}

// The duplicate-key error, found while reading YAML, still names the key path.
#[test]
fn rejects_duplicate_keys() {
    expect_rejected(
        "bad-duplicate-key.yaml",
        11,
        "workers",
        Some("components.web.workers"),
        &["duplicate key `workers`", "line 9"],
    );
}

#[test]
fn rejects_misspelt_enum_values_with_did_you_mean() {
    expect_rejected(
        "bad-enum-typo.yaml",
        10,
        "round_robn",
        Some("components.lb.policy"),
        &["unknown value `round_robn`", "did you mean `round_robin`?"],
    );
}

#[test]
fn rejects_a_warmup_not_shorter_than_the_run() {
    expect_rejected("bad-warmup.yaml", 3, "10s", Some("warmup"), &["warm-up"]);
}

// ---------------------------------------------------------------------------
// Faults, health checks, failover and the SLO [faults].
// ---------------------------------------------------------------------------

#[test]
fn validates_a_scenario_with_every_kind_of_fault() {
    let f = fixture("faults.yaml");
    let o = capsim(&["validate", &f]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert_eq!(o.stderr, "");
    assert!(o.stdout.starts_with(&format!("ok: {f} ")), "{}", o.stdout);
}

#[test]
fn rejects_a_fault_on_an_unknown_component_with_did_you_mean() {
    expect_rejected(
        "bad-fault-unknown-target.yaml",
        12,
        "chekout.1",
        Some("faults[0].crash"),
        &[
            "no component is called `chekout`",
            "did you mean `checkout`?",
        ],
    );
}

#[test]
fn rejects_a_fault_on_an_unknown_instance_listing_the_instances() {
    expect_rejected(
        "bad-fault-unknown-instance.yaml",
        12,
        "web.9",
        Some("faults[0].crash"),
        &["`web` has no instance `9`", "one of `0`, `1`, `2`, `3`"],
    );
}

#[test]
fn rejects_a_fault_on_an_unknown_database_node_with_did_you_mean() {
    expect_rejected(
        "bad-fault-unknown-node.yaml",
        17,
        "db.shard7.primary",
        Some("faults[0].crash"),
        &[
            "`db` has no instance `shard7.primary`",
            "did you mean `db.shard1.primary`?",
            "`shard1.replica0`",
        ],
    );
}

#[test]
fn rejects_flushing_what_is_not_a_cache() {
    expect_rejected(
        "bad-fault-flush-non-cache.yaml",
        17,
        "db",
        Some("faults[0].flush"),
        &["`db` is a database: only a cache can be flushed"],
    );
}

#[test]
fn rejects_a_fault_after_the_end_of_the_run() {
    expect_rejected(
        "bad-fault-after-end.yaml",
        12,
        "30s",
        Some("faults[0].at"),
        &["the fault would strike after the run ends"],
    );
}

#[test]
fn rejects_a_fault_of_negative_length() {
    expect_rejected(
        "bad-fault-negative-for.yaml",
        12,
        "-5s",
        Some("faults[0].for"),
        &["`-5s` is negative"],
    );
}

#[test]
fn rejects_a_fault_that_lasts_no_time() {
    expect_rejected(
        "bad-fault-zero-for.yaml",
        12,
        "0s",
        Some("faults[0].for"),
        &["a fault that lasts no time", "no `for`"],
    );
}

#[test]
fn rejects_a_health_check_of_no_interval() {
    expect_rejected(
        "bad-health-check-interval.yaml",
        10,
        "0s",
        Some("components.lb.health_check.interval"),
        &["a health-check interval of no time"],
    );
}

#[test]
fn rejects_striking_more_instances_than_the_pool_has() {
    expect_rejected(
        "bad-fault-instances.yaml",
        12,
        "9",
        Some("faults[0].instances"),
        &["9 instances of `web`, which has 4", "from 1 to 4"],
    );
}

#[test]
fn rejects_failover_without_replicas() {
    expect_rejected(
        "bad-failover-no-replicas.yaml",
        14,
        "failover",
        Some("components.db.failover"),
        &[
            "failover promotes a replica, and `db` has none",
            "`replicas: 1`",
        ],
    );
}

#[test]
fn rejects_an_slo_with_neither_bound() {
    expect_rejected(
        "bad-slo-no-bound.yaml",
        11,
        "{ hold: 5 }",
        Some("slo"),
        &["neither `p99` nor `error_rate`"],
    );
}

#[test]
fn rejects_a_fault_of_two_kinds_at_the_second() {
    expect_rejected(
        "bad-fault-two-kinds.yaml",
        13,
        "slow",
        Some("faults[1].slow"),
        &[
            "one fault with two kinds, `crash` and `slow`",
            "`partition`, `delay`, `random`",
        ],
    );
}

#[test]
fn rejects_slowing_a_load_balancer() {
    expect_rejected(
        "bad-fault-slow-lb.yaml",
        15,
        "lb",
        Some("faults[0].slow"),
        &[
            "a load balancer takes no time, so it cannot be slowed",
            "`web`",
        ],
    );
}

// A variant's faults replace the base's list; an error in them is reported
// at the variant's own lines, under `variants.NAME`.
#[test]
fn rejects_a_bad_fault_in_a_variant_at_the_variant() {
    expect_rejected(
        "bad-variant-fault.yaml",
        17,
        "web.4",
        Some("variants.worse.faults[0].crash"),
        &["`web` has no instance `4`"],
    );
}

#[test]
fn rejects_bad_set_values_pointing_into_the_argument() {
    let arg = "components.web.workers=many";
    let col = arg.find("many").unwrap() + 1;
    let (_tmp, out) = fresh_out();
    let o = capsim(&[
        "run".as_ref(),
        fixture("good.yaml").as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        "--set".as_ref(),
        arg.as_ref(),
    ]);
    assert_rejected(
        &o,
        &out,
        Some(&format!("--set {arg}:1:{col}")),
        Some("components.web.workers"),
        &["expected a whole number"],
    );

    // A typo in the key path of a --set gets its "did you mean" too.
    let arg = "components.web.workrs=3";
    let col = arg.find("workrs").unwrap() + 1;
    let o = capsim(&[
        "run".as_ref(),
        fixture("good.yaml").as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        "--set".as_ref(),
        arg.as_ref(),
    ]);
    assert_rejected(
        &o,
        &out,
        Some(&format!("--set {arg}:1:{col}")),
        Some("components.web.workrs"),
        &["did you mean `workers`?"],
    );
}

#[test]
fn rejects_missing_files_naming_them() {
    let (_tmp, out) = fresh_out();
    let missing = fixture("does-not-exist.yaml");
    let o = capsim(&[
        "run".as_ref(),
        missing.as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_rejected(&o, &out, None, None, &[]);
    assert!(
        o.first_stderr_line().contains(&missing),
        "the message must name {missing}:\n{}",
        o.stderr
    );
}

#[test]
fn validate_reports_good_files_ok_and_fails_on_a_bad_one() {
    let (_tmp, out) = fresh_out();
    let bad = fixture("bad-zero-rate.yaml");
    let good = fixture("good.yaml");
    // The bad file first: validation goes on to the next file.
    let o = capsim(&["validate", &bad, &good]);
    assert_eq!(o.code, Some(BAD_INPUT), "{}", o.stderr);
    assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
    assert!(
        o.stdout
            .lines()
            .any(|l| l.starts_with(&format!("ok: {good} "))),
        "the good file must be reported ok:\n{}",
        o.stdout
    );
    assert!(!o.stdout.contains(&bad), "{}", o.stdout);
    let loc = location("bad-zero-rate.yaml", 5, "0");
    assert!(
        o.first_stderr_line()
            .starts_with(&format!("error: {loc}: traffic.rate: ")),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("1 of 2 files"), "{}", o.stderr);
    assert!(!out.exists());
}

// ---------------------------------------------------------------------------
// No input panics.
// ---------------------------------------------------------------------------

#[test]
fn garbage_never_panics() {
    let tmp = tempfile::tempdir().unwrap();
    let mut doubling = String::from("a0: &a0 [x, x]\n");
    let mut chain = String::from("a0: &a0 x\n");
    for i in 1..50 {
        doubling.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}]\n", p = i - 1));
        chain.push_str(&format!("a{i}: &a{i} [*a{p}]\n", p = i - 1));
    }
    let mut nested_maps = String::from("a:\n");
    for depth in 1..200 {
        nested_maps.push_str(&format!("{}k:\n", "  ".repeat(depth)));
    }
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("open-bracket", b"[".to_vec()),
        ("binary", (0u8..=255).rev().cycle().take(1000).collect()),
        ("nul-in-utf8", b"name: a\0b\nduration: 1s\n".to_vec()),
        ("scalar", b"42\n".to_vec()),
        ("list", b"- a\n".to_vec()),
        (
            "nested-200",
            format!("{}{}\n", "[".repeat(200), "]".repeat(200)).into_bytes(),
        ),
        ("nested-maps-200", nested_maps.into_bytes()),
        ("alias-doubling-50", doubling.into_bytes()),
        ("alias-chain-50", chain.into_bytes()),
        ("undefined-alias", b"a: *nowhere\n".to_vec()),
        ("only-a-comment", b"# nothing\n".to_vec()),
        ("tab-indent", b"traffic:\n\tto: web\n".to_vec()),
    ];
    for (name, bytes) in cases {
        let path = tmp.path().join(format!("{name}.yaml"));
        fs::write(&path, &bytes).unwrap();
        let o = capsim(&["validate".as_ref(), path.as_os_str()]);
        assert!(
            !o.stderr.contains("panicked"),
            "{name}: capsim panicked:\n{}",
            o.stderr
        );
        assert_eq!(o.code, Some(BAD_INPUT), "{name}: exit status\n{}", o.stderr);
        assert!(
            o.first_stderr_line().starts_with("error: "),
            "{name}: {}",
            o.stderr
        );
        assert!(o.stdout.is_empty(), "{name}: {}", o.stdout);
    }
}

/// Ctrl-C stops a run cleanly: exit 130, its temporary files gone, and the
/// previous outputs in the folder exactly as they were.
#[cfg(unix)]
#[test]
fn interrupting_a_run_writes_nothing_and_keeps_earlier_outputs() {
    let (_tmp, out) = fresh_out();
    let first = capsim(&[
        "run",
        "-q",
        "--out",
        out.to_str().unwrap(),
        "--set",
        "duration=60s",
    ]);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let dir = out.join("demo").join("base");
    let before: Vec<Vec<u8>> = ["timeseries.csv", "components.csv", "summary.csv"]
        .iter()
        .map(|f| fs::read(dir.join(f)).unwrap())
        .collect();

    // A run long enough never to finish by itself here.
    let mut child = Command::new(BIN)
        .args([
            "run",
            "-q",
            "--out",
            out.to_str().unwrap(),
            "--set",
            "duration=100h",
        ])
        .current_dir(ROOT)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start the capsim binary");
    // The Ctrl-C handler is installed before the run creates its temporary
    // files (in the command's staging folder): wait for them, so the
    // signal never arrives too early.
    let started = Instant::now();
    let temporaries = || {
        fs::read_dir(&out)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".capsim-stage-")
            })
            .filter_map(|e| fs::read_dir(e.path().join("demo").join("base")).ok())
            .flat_map(|d| d.filter_map(|e| e.ok()))
            .filter(|e| e.file_name().to_string_lossy().starts_with(".capsim-"))
            .count()
    };
    while temporaries() == 0 {
        assert!(
            started.elapsed() < INVOCATION_LIMIT,
            "the run never started writing"
        );
        thread::sleep(Duration::from_millis(5));
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let status = child.wait().expect("waiting for capsim");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(temporaries(), 0, "temporary files left behind");
    let staging = fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().starts_with(".capsim-"));
    assert!(!staging, "the staging folder was left behind");
    for (f, old) in ["timeseries.csv", "components.csv", "summary.csv"]
        .iter()
        .zip(&before)
    {
        assert_eq!(&fs::read(dir.join(f)).unwrap(), old, "{f} changed");
    }
}

/// A scenario overloaded without bound stops with a clear error before it
/// exhausts memory, and writes nothing.
#[test]
fn a_system_overloaded_without_bound_is_stopped_with_an_error() {
    let (_tmp, out) = fresh_out();
    let o = capsim(&[
        "run",
        "scenarios/spike.yaml",
        "--out",
        out.to_str().unwrap(),
        "--set",
        "traffic.rate.1.rps=1000000",
        "--set",
        "duration=10m",
        "--set",
        "traffic.client.timeout=1h",
    ]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(
        o.stderr.starts_with("error: more than 10 million requests"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("`app` has"), "{}", o.stderr);
    assert!(!out.join("spike").exists());
}

#[test]
fn rejects_a_database_with_too_many_nodes_at_its_replicas() {
    expect_rejected(
        "bad-too-many-nodes.yaml",
        12,
        "100",
        Some("components.db.replicas"),
        &["10100000 nodes", "shards x (1 + replicas)"],
    );
}

#[test]
fn run_exits_1_on_a_breached_slo_with_every_output_written_and_0_when_it_holds() {
    let scenario = fixture("faults.yaml");
    // The fixture's faults fail requests: its 1% error-rate SLO is breached.
    let (_tmp, out) = fresh_out();
    let o = capsim(&[
        "run".as_ref(),
        scenario.as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        "-q".as_ref(),
    ]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    let base = out.join("faults/base");
    for f in [
        "timeseries.csv",
        "components.csv",
        "summary.csv",
        "events.csv",
        "recovery.csv",
    ] {
        assert!(base.join(f).is_file(), "{f} missing after a breach");
    }
    let events = fs::read_to_string(base.join("events.csv")).unwrap();
    assert!(events.contains(",slo_breach,"), "{events}");

    // The same faults against an SLO loose enough to hold: status 0.
    let (_tmp2, out2) = fresh_out();
    let o = capsim(&[
        "run".as_ref(),
        scenario.as_ref(),
        "--set".as_ref(),
        "slo={ p99: 1h, error_rate: 100% }".as_ref(),
        "--out".as_ref(),
        out2.as_os_str(),
        "-q".as_ref(),
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let events = fs::read_to_string(out2.join("faults/base/events.csv")).unwrap();
    assert!(!events.contains(",slo_breach,"), "{events}");
}

#[test]
fn rejects_a_partition_between_components_no_call_connects() {
    expect_rejected(
        "bad-fault-partition-no-call.yaml",
        19,
        "[web, db]",
        Some("faults[0].partition"),
        &["no call goes between `web` and `db`: this partition would change nothing"],
    );
}

#[test]
fn rejects_sticky_balancing_without_users() {
    expect_rejected(
        "bad-sticky-no-users.yaml",
        10,
        "sticky",
        Some("components.lb.policy"),
        &["`policy: sticky`", "no `users`", "traffic.users"],
    );
}

#[test]
fn rejects_a_session_store_that_does_not_exist_with_did_you_mean() {
    expect_rejected(
        "bad-sessions-store-unknown.yaml",
        12,
        "sesions",
        Some("components.web.sessions.store"),
        &[
            "no component is called `sesions`",
            "did you mean `sessions`?",
        ],
    );
}

#[test]
fn rejects_a_session_store_that_is_not_a_cache_or_database() {
    expect_rejected(
        "bad-sessions-store-kind.yaml",
        12,
        "auth",
        Some("components.web.sessions.store"),
        &["`auth` is a service", "a cache or a database"],
    );
}

#[test]
fn rejects_zero_users() {
    expect_rejected(
        "bad-users-zero.yaml",
        6,
        "0",
        Some("traffic.users"),
        &["no users"],
    );
}

// Retries and circuit breakers: a retry needs a per-attempt timeout, a
// budget is a share of first tries, a backoff grows from a positive base to
// a cap at least as large, a breaker opens at an error share in (0, 100%]
// over a positive window for a positive time.
#[test]
fn rejects_retries_without_a_timeout() {
    expect_rejected(
        "bad-retries-no-timeout.yaml",
        7,
        "retries",
        Some("traffic.client.retries"),
        &["`retries` without a `timeout`", "add `timeout`"],
    );
    expect_rejected(
        "bad-call-retries-no-timeout.yaml",
        11,
        "retries",
        Some("components.api.calls[0].retries"),
        &["`retries` without a `timeout`"],
    );
}

#[test]
fn rejects_a_retry_budget_above_100_percent() {
    expect_rejected(
        "bad-retry-budget.yaml",
        9,
        "150%",
        Some("traffic.client.retry_budget"),
        &["a retry budget of 150%", "from 0% to 100%"],
    );
}

#[test]
fn rejects_a_zero_or_negative_backoff_base_and_a_cap_below_it() {
    expect_rejected(
        "bad-backoff-base.yaml",
        9,
        "0s",
        Some("traffic.client.backoff.base"),
        &["a backoff base of no time"],
    );
    expect_rejected(
        "bad-backoff-negative.yaml",
        9,
        "-100ms",
        Some("traffic.client.backoff.base"),
        &["negative"],
    );
    expect_rejected(
        "bad-backoff-max.yaml",
        9,
        "100ms",
        Some("traffic.client.backoff.max"),
        &["below the base of 500ms", "`max` at least `base`"],
    );
}

#[test]
fn rejects_an_unknown_jitter_with_did_you_mean() {
    expect_rejected(
        "bad-jitter.yaml",
        9,
        "ful ",
        Some("traffic.client.backoff.jitter"),
        &["unknown value `ful`", "did you mean `full`?"],
    );
}

#[test]
fn rejects_a_breaker_error_share_outside_0_to_100_and_zero_times() {
    expect_rejected(
        "bad-breaker-errors.yaml",
        12,
        "0%",
        Some("components.api.calls[0].circuit_breaker.errors"),
        &["an error share of 0%", "above 0% and at most 100%"],
    );
    expect_rejected(
        "bad-breaker-window.yaml",
        12,
        "0s",
        Some("components.api.calls[0].circuit_breaker.window"),
        &["a window of no time"],
    );
    expect_rejected(
        "bad-breaker-open-for.yaml",
        12,
        "0s ",
        Some("components.api.calls[0].circuit_breaker.open_for"),
        &["an open time of no time"],
    );
}

// ---------------------------------------------------------------------------
// Bad input: autoscaling and rate limits.
// ---------------------------------------------------------------------------

#[test]
fn rejects_an_autoscale_min_above_its_max() {
    expect_rejected(
        "bad-autoscale-min-above-max.yaml",
        10,
        "8, max",
        Some("components.web.autoscale.min"),
        &["`min: 8` is above `max: 4`"],
    );
}

#[test]
fn rejects_a_target_utilisation_of_zero() {
    expect_rejected(
        "bad-autoscale-target-zero.yaml",
        10,
        "0, every",
        Some("components.web.autoscale.target_utilization"),
        &["a target utilisation of 0", "above 0 and at most 1"],
    );
}

#[test]
fn rejects_a_target_utilisation_above_one() {
    expect_rejected(
        "bad-autoscale-target-above-one.yaml",
        10,
        "150%",
        Some("components.web.autoscale.target_utilization"),
        &["`150%` is not a share"],
    );
}

#[test]
fn rejects_autoscale_decisions_with_no_time_between_them() {
    expect_rejected(
        "bad-autoscale-every-zero.yaml",
        10,
        "0s, provision",
        Some("components.web.autoscale.every"),
        &["no time between decisions"],
    );
}

#[test]
fn rejects_a_negative_provisioning_delay() {
    expect_rejected(
        "bad-autoscale-provision-negative.yaml",
        10,
        "-90s",
        Some("components.web.autoscale.provision"),
        &["negative"],
    );
}

#[test]
fn rejects_starting_instances_outside_the_autoscalers_range() {
    expect_rejected(
        "bad-autoscale-instances-outside.yaml",
        10,
        "12",
        Some("components.web.instances"),
        &["12 instances to start with, outside the autoscaler's 2..8"],
    );
}

#[test]
fn rejects_autoscale_on_what_is_not_a_service() {
    expect_rejected(
        "bad-autoscale-not-service.yaml",
        10,
        "autoscale",
        Some("components.lb.autoscale"),
        &["`autoscale` is a service's key"],
    );
}

#[test]
fn rejects_a_rate_limit_of_no_rate() {
    expect_rejected(
        "bad-rate-limit-rps.yaml",
        10,
        "0, burst",
        Some("components.web.rate_limit.rps"),
        &["admits nothing"],
    );
}

#[test]
fn rejects_a_rate_limit_burst_below_one() {
    expect_rejected(
        "bad-rate-limit-burst.yaml",
        10,
        "0 }",
        Some("components.lb.rate_limit.burst"),
        &["a burst of 0 tokens", "from 1 to"],
    );
}

#[test]
fn estimate_warns_of_a_saturated_tier_and_exits_zero() {
    let o = capsim(&["estimate", "scenarios/spike.yaml"]);
    assert_eq!(o.code, Some(0), "{o:?}");
    assert!(
        o.stdout
            .contains("warning: `app` is past saturation: 100 rps offered, 80 rps of capacity"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("end to end: no steady state"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("SATURATED"), "{}", o.stdout);
    // Writes nothing: an estimate is not a run.
    assert!(o.stderr.is_empty(), "{}", o.stderr);
}

#[test]
fn estimate_prints_the_component_table_and_the_end_to_end_line() {
    let o = capsim(&["estimate", "scenarios/cache-aside.yaml"]);
    assert_eq!(o.code, Some(0), "{o:?}");
    for s in [
        "component  kind",
        "catalogue  cache",
        "hit ratio",
        "end to end: mean",
        "note: open arrivals: estimated at the schedule's peak",
    ] {
        assert!(o.stdout.contains(s), "missing {s:?}\n{}", o.stdout);
    }
}

#[test]
fn estimate_refuses_bad_input_with_status_two() {
    let (_tmp, out) = fresh_out();
    let o = capsim(&["estimate", &fixture("bad-cycle.yaml")]);
    let loc = location("bad-cycle.yaml", 15, "a");
    assert_rejected(
        &o,
        &out,
        Some(&loc),
        Some("components.b.calls[0]"),
        &["call cycle: a -> b -> a"],
    );
    let o = capsim(&[
        "estimate",
        "scenarios/spike.yaml",
        "--set",
        "components.app.workers=0",
    ]);
    assert_rejected(&o, &out, None, Some("components.app.workers"), &[]);
    let o = capsim(&["estimate", "scenarios/no-such-file.yaml"]);
    assert_rejected(&o, &out, None, None, &["no-such-file.yaml"]);
}

#[test]
fn run_prints_the_estimate_beside_the_simulated_figures() {
    let (_tmp, out) = fresh_out();
    let o = capsim(&[
        "run".as_ref(),
        "scenarios/cache-aside.yaml".as_ref(),
        "--set".as_ref(),
        "duration=20s".as_ref(),
        "--set".as_ref(),
        "warmup=5s".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(
        o.stdout
            .contains("analytic estimate (M/G/c at the 6000 rps peak): p50 ")
            && o.stdout.contains("(simulated "),
        "{}",
        o.stdout
    );
}
