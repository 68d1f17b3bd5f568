//! `-q` on every command means quiet: nothing on stdout or stderr but
//! errors, the verdict in the exit status alone; and a file's errors are
//! all told at once, not the first only.

use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_capsim");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const PLAN: &str = "tests/fixtures/snapshots/plan.yaml";

fn capsim(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(ROOT)
        .stdin(Stdio::null())
        .output()
        .expect("cannot start the capsim binary")
}

/// Asserts `args` ran with status `code` and printed nothing at all.
fn silent(args: &[&str], code: i32) {
    let o = capsim(args);
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert_eq!(o.status.code(), Some(code), "capsim {args:?}: {err}");
    assert_eq!(out, "", "capsim {args:?} printed on stdout");
    assert_eq!(err, "", "capsim {args:?} printed on stderr");
}

fn dir(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

#[test]
fn every_command_is_silent_with_q_and_its_status_tells_the_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = dir(&out);
    // The fixture's faults breach its SLO: status 1, yet not a word.
    silent(&["run", "tests/fixtures/faults.yaml", "--out", o, "-q"], 1);
    silent(&["run", PLAN, "--out", o, "-q"], 0);
    silent(&["validate", "-q", PLAN, "tests/fixtures/small.yaml"], 0);
    silent(&["estimate", "-q", PLAN], 0);
    let vary = "components.api.instances=2..6";
    silent(&["sweep", PLAN, "--vary", vary, "--out", o, "-q"], 0);
    silent(&["plan", PLAN, "--vary", vary, "--out", o, "-q"], 0);
    // No point meets a 1 µs p99: the plan's status says so, silently.
    let none = [
        "plan", PLAN, "--vary", vary, "--slo", "p99=1us", "--out", o, "-q",
    ];
    silent(&none, 1);
    // Shares and their merge.
    let (s0, s1) = (tmp.path().join("s0"), tmp.path().join("s1"));
    for (i, s) in [&s0, &s1].iter().enumerate() {
        let share = format!("{i}/2");
        silent(&["run", PLAN, "--shard", &share, "--out", dir(s), "-q"], 0);
    }
    let merged = tmp.path().join("merged");
    silent(
        &["merge", dir(&s0), dir(&s1), "--out", dir(&merged), "-q"],
        0,
    );
    assert!(merged.join("plan/base/summary.csv").is_file());
}

#[test]
fn quiet_still_tells_errors() {
    let o = capsim(&["validate", "-q", "tests/fixtures/bad-cache-capacity.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("error: tests/fixtures/bad-cache-capacity.yaml:"),
        "{err}"
    );
}

#[test]
fn every_independent_error_of_a_file_is_told_in_the_order_of_the_file() {
    let f = "tests/fixtures/bad-many-errors.yaml";
    let never = "/nonexistent/never-written";
    for args in [
        vec!["validate", f],
        vec!["run", f, "--out", never],
        vec!["estimate", f],
    ] {
        let o = capsim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        let firsts: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
        // One per independent mistake: the duration, a service's key, a
        // kind, a cache's capacity, a variant's value; each at its line.
        let lines: Vec<&str> = firsts
            .iter()
            .map(|l| l.split(':').nth(2).unwrap_or(""))
            .collect();
        assert_eq!(lines, ["3", "11", "15", "18", "25"], "{args:?}: {err}");
        assert!(firsts[1].contains("components.web.workrs"), "{err}");
        assert!(
            firsts[4].contains("variants.big.components.web.instances"),
            "{err}"
        );
        assert!(err.contains(&format!("5 errors in {f}\n")), "{err}");
    }
    assert!(!Path::new("/nonexistent/never-written").exists());
}

#[test]
fn errors_a_variant_only_repeats_from_the_base_are_told_once() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("v.yaml");
    std::fs::write(
        &f,
        "duration: 10s\ntraffic: { to: web, rate: 10 }\ncomponents:\n  web:\n    kind: service\n    workrs: 2\n    service_time: { constant: 1ms }\nvariants:\n  a: { seed: 2 }\n  b: { seed: 3 }\n",
    )
    .unwrap();
    let o = capsim(&["validate", dir(&f)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(err.matches("error: ").count(), 1, "{err}");
    assert!(!err.contains("errors in"), "{err}");
}
