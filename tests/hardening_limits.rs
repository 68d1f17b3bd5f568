//! Input that would exhaust memory or never end: alias bombs, fault and
//! timer rates that explode a run, runs of hours, and recorded inputs that
//! are not what they say. Each is refused before any work, with exit 2, a
//! located message that says the limit, and nothing written.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_capsim");

fn capsim(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

/// capsim under a 4 GB address-space limit, so that an allocation a bound
/// failed to prevent aborts (`memory allocation failed`, a signal) instead
/// of swapping: the test then sees no exit status 2.
fn capsim_limited(args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 4000000; exec \"$0\" \"$@\"")
        .arg(BIN)
        .args(args)
        .output()
        .unwrap()
}

/// Writes `text` as `name` in `dir`; its path.
fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// A small valid scenario, to which a test appends or substitutes.
const BASE: &str = "name: limits\nduration: 1m\nwindow: 1s\n\
    traffic: { to: lb, rate: 50 }\n\
    components:\n  \
    lb: { kind: load_balancer, to: web }\n  \
    web: { kind: service, instances: 4, service_time: 10ms }\n";

/// Runs `args` (a `run` with `--out OUT` appended) under the memory limit
/// and checks the refusal: exit 2, the first line `error: FILE:LINE:COL:
/// PATH: ...` containing `message`, no panic, nothing written. The first
/// line, for further checks.
fn refused(file: &str, extra: &[&str], located: &str, message: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut args = vec!["run", file, "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = capsim_limited(&args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    let first = err.lines().next().unwrap_or_default().to_string();
    assert!(
        first.starts_with(&format!("error: {file}:{located}: ")),
        "{first}"
    );
    assert!(first.contains(message), "{first}");
    assert!(!out.exists(), "wrote {}", out.display());
    first
}

/// Aliases to a long string: a 10 KB file (10 GB expanded) and a 1 MB one
/// (which aborted on a failed allocation) are refused at the alias that
/// passes 16 MiB of text, quickly and within the memory limit.
#[test]
fn alias_bombs_are_refused_by_the_bytes_they_expand_to() {
    let tmp = tempfile::tempdir().unwrap();
    // 8 KB, then lists of ten aliases to the one before: 80 KB, 800 KB,
    // 8 MB; the first alias of `x4` passes 16 MiB (line 12, column 10).
    let mut small = format!("{BASE}x0: &x0 {}\n", "x".repeat(8_000));
    for i in 1..=6 {
        let p = format!("*x{}", i - 1);
        small.push_str(&format!("x{i}: &x{i} [{}]\n", [p.as_str(); 10].join(", ")));
    }
    assert!(small.len() < 10_000, "{}", small.len());
    let file = write(tmp.path(), "small.yaml", &small);
    let first = refused(
        &file,
        &[],
        "12:10",
        "x4[0]: with this alias the document expands to more than 16 MiB of text",
    );
    assert!(first.contains("the alias adds 8000000 bytes"), "{first}");
    // 1 MiB, then lists of twenty aliases to the one before (8 GB in
    // all): the fifteenth alias of `x1` passes 16 MiB.
    let mut big = format!("{BASE}x0: &x0 {}\n", "y".repeat(1 << 20));
    for i in 1..=3 {
        let p = format!("*x{}", i - 1);
        big.push_str(&format!("x{i}: &x{i} [{}]\n", [p.as_str(); 20].join(", ")));
    }
    let file = write(tmp.path(), "big.yaml", &big);
    refused(&file, &[], "9:80", "x1[14]: with this alias");
    // The same check for `validate`.
    let o = capsim_limited(&["validate", &file]);
    assert_eq!(o.status.code(), Some(2));
}

/// A random crash every nanosecond, an autoscaler deciding every
/// nanosecond and a health check every 100 microseconds are refused with
/// the limit and why, before the run starts.
#[test]
fn fault_and_timer_rates_that_explode_a_run_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let crash = write(
        tmp.path(),
        "crash.yaml",
        &format!("{BASE}faults:\n  - {{ random: crash, target: web, mttf: 1ns, mttr: 1ns }}\n"),
    );
    let first = refused(
        &crash,
        &[],
        "9:41",
        "faults[0].mttf: about 120,000,000,000 crashes expected (4 instances failing once per mttf + mttr = 2ns over 1m)",
    );
    assert!(first.contains("too many to simulate"), "{first}");
    // Two faults within the bound on their own, over it together.
    let two = write(
        tmp.path(),
        "two.yaml",
        &format!(
            "{BASE}faults:\n  - {{ random: crash, target: web, mttf: 200us, mttr: 100us }}\n  \
             - {{ random: crash, target: web.0, mttf: 100us, mttr: 100us }}\n"
        ),
    );
    let first = refused(
        &two,
        &[],
        "10:43",
        "faults[1].mttf: about 1,100,000 crashes expected (1 instance failing once per mttf + mttr = 200us over 1m, with the random faults before this one)",
    );
    assert!(first.contains("too many to simulate"), "{first}");

    let every = write(
        tmp.path(),
        "every.yaml",
        &BASE.replace(
            "instances: 4,",
            "autoscale: { min: 1, max: 8, target_utilization: 0.5, every: 1ns, provision: 0s },",
        ),
    );
    refused(
        &every,
        &[],
        "7:86",
        "components.web.autoscale.every: 1ns is too short a period to simulate: the autoscaler would decide every 1ns",
    );
    let probe = write(
        tmp.path(),
        "probe.yaml",
        &BASE.replace("to: web }", "to: web, health_check: { interval: 100us } }"),
    );
    refused(
        &probe,
        &[],
        "6:65",
        "components.lb.health_check.interval: 100us is too short a period",
    );
}

/// Ten years at 1,000 requests a second with one-minute windows is refused
/// by `run`, `sweep` and `plan` with the estimate; `--yes` goes ahead
/// (shown by the next check, which then speaks); `validate` accepts it.
#[test]
fn a_run_estimated_at_hours_needs_yes() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "long.yaml",
        &BASE
            .replace("duration: 1m\nwindow: 1s", "duration: 3650d\nwindow: 1m")
            .replace("rate: 50", "rate: 1000"),
    );
    let first = refused(
        &file,
        &[],
        "2:11",
        "duration: this run is estimated at about",
    );
    assert!(first.contains("(315,360,000,000 requests over "), "{first}");
    assert!(
        first.contains("longer than the hour capsim runs without asking"),
        "{first}"
    );
    let o = capsim(&[
        "run",
        &file,
        "--replications",
        "0",
        "--out",
        "/nonexistent/x",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("estimated at about"), "{err}");
    let o = capsim(&[
        "run",
        &file,
        "--yes",
        "--replications",
        "0",
        "--out",
        "/nonexistent/x",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("`--replications 0`"), "{err}");
    assert!(!err.contains("estimated"), "{err}");
    let out = tmp.path().join("out");
    let o_ = out.to_str().unwrap();
    let vary = "components.web.instances=4,5";
    for cmd in ["sweep", "plan"] {
        let o = capsim(&[cmd, &file, "--vary", vary, "--out", o_]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains("duration: this run is estimated at about"),
            "{err}"
        );
        assert!(!out.exists());
    }
    // Past the check with `--yes`: plan then wants an objective.
    let o = capsim(&["plan", &file, "--vary", vary, "--out", o_, "--yes"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("needs an objective"), "{err}");
    assert!(capsim(&["validate", &file]).status.success());
}

/// An autoscaled pool behind a round-robin balancer with `max: 100000`
/// that never needs more than 40 instances scales and serves exactly as
/// with `max: 40` (the decisions and the balancer look at the instances in
/// use, not at every slot; before, this run walked 100,000 slots every few
/// requests and took 20 times as long).
#[test]
fn an_autoscaler_with_a_huge_max_acts_as_with_the_max_it_needs() {
    let tmp = tempfile::tempdir().unwrap();
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/autoscaling.yaml");
    let mut read = Vec::new();
    for max in ["40", "100000"] {
        let out = tmp.path().join(max);
        let set_max = format!("components.web.autoscale.max={max}");
        let o = capsim(&[
            "run",
            file,
            "--variant",
            "base",
            "-q",
            "--out",
            out.to_str().unwrap(),
            "--set",
            "duration=22m",
            "--set",
            "window=11m",
            "--set",
            "components.lb.policy=round_robin",
            "--set",
            &set_max,
        ]);
        // 1: the scenario's SLO is breached, as it shows.
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let dir = out.join("autoscaling/base");
        let events = std::fs::read_to_string(dir.join("events.csv")).unwrap();
        let summary = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
        read.push((events, summary));
    }
    // It did scale (out and in), so the equality says something.
    assert!(
        read[0].0.contains("scale_out") && read[0].0.contains("scale_in"),
        "{}",
        read[0].0
    );
    assert!(read[0].0.lines().count() > 10);
    assert_eq!(read[0], read[1]);
}

/// Closed-loop users with zero think time, rejected at once, keep time at
/// 0: the message names them, not retries.
#[test]
fn time_standing_still_names_users_with_no_think_time() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "users.yaml",
        "name: users\nduration: 10s\n\
         traffic: { to: web, arrivals: closed, users: 10, think_time: 0s }\n\
         components:\n  web: { kind: service, workers: 1, queue: 0, service_time: 10ms }\n",
    );
    let out = tmp.path().join("out");
    let o = capsim(&["run", &file, "--out", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("time stands still at 0s"), "{err}");
    assert!(
        err.contains("10 closed-loop users with zero think time (`traffic.think_time`)"),
        "{err}"
    );
    assert!(!err.contains("retried"), "{err}");
    // Nothing written (run.rs leaves the variant's folder, empty).
    let base = out.join("users/base");
    assert!(std::fs::read_dir(&base).map_or(true, |d| d.count() == 0));
}

/// A trace or an empirical file that is not of its form (here
/// `/etc/passwd`-like text) is named, and nothing of it is shown; one that
/// is shows its bad row.
#[test]
fn a_recorded_input_not_of_its_form_is_not_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let secret = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n";
    write(tmp.path(), "passwd", secret);
    write(tmp.path(), "rows.csv", "0,20\n30,40\n");
    write(tmp.path(), "bad.csv", "time_s,rps\n0,20\n30,forty\n");
    let trace = BASE.replace("rate: 50", "rate: { trace: { file: FILE } }");
    let empirical = BASE.replace(
        "service_time: 10ms",
        "service_time: { empirical: { file: FILE } }",
    );
    let cases = [
        (
            &trace,
            "passwd",
            "4:43: traffic.rate.trace.file",
            "is not a trace of the expected form",
        ),
        (
            &trace,
            "rows.csv",
            "4:43: traffic.rate.trace.file",
            "is not a trace of the expected form, a CSV whose first line is the header \
             `time_s,rps` then one row per time (`0,120`): its first line looks like a row, \
             the header is missing",
        ),
        (
            &empirical,
            "passwd",
            "7:74: components.web.service_time.empirical.file",
            "is not an empirical distribution of the expected form",
        ),
    ];
    for (text, input, located, message) in cases {
        let file = write(tmp.path(), "s.yaml", &text.replace("FILE", input));
        let o = capsim(&["validate", &file]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        let first = err.lines().next().unwrap();
        assert!(
            first.starts_with(&format!("error: {file}:{located}: `")),
            "{first}"
        );
        assert!(first.contains(&format!("{input}` {message}")), "{first}");
        for line in secret.lines().chain(["0,20", "30,40"]) {
            assert!(!err.contains(line), "{err}");
        }
    }
    // A trace of the form: its bad row is shown.
    let file = write(tmp.path(), "s.yaml", &trace.replace("FILE", "bad.csv"));
    let err = String::from_utf8_lossy(&capsim(&["validate", &file]).stderr).into_owned();
    assert!(
        err.contains("bad.csv:3:4: `forty` is not a number"),
        "{err}"
    );
    assert!(err.contains("30,forty"), "{err}");
}
