//! Golden snapshots: every output file of capsim, byte for byte, from the
//! real binary, for small scenarios (`tests/fixtures/snapshots/`) that
//! together touch every component kind, fault kind, resilience feature and
//! planning command; and every rendered error message of bad input.
//!
//! A snapshot holds the command, its exit status, its stdout and stderr
//! (wall-clock timings, thread counts and the temporary output folder
//! redacted, nothing else), then the list of every file written with its
//! size and SHA-256 (so every byte is pinned, line ends included), then the
//! CSV, Markdown and text files verbatim (PNG and HTML by digest only: a
//! change shows as a new digest, to be looked at in the file itself).
//!
//! Review a change with `cargo insta review` (or `INSTA_UPDATE=always cargo
//! test --test main golden::` then `git diff tests/snapshots/`); see the
//! README's development section.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_capsim");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const FIXTURES: &str = "tests/fixtures/snapshots";

/// Runs the binary from the package root (so messages name files as
/// `tests/fixtures/...`), with no terminal and an environment that cannot
/// turn on colours or change the width of help text. (Checked by hand: on a
/// terminal capsim colours scenario errors and clap its usage errors, and
/// draws a progress bar; with `NO_COLOR` a terminal gets the same bytes as
/// a pipe; `CLICOLOR_FORCE=1` colours clap's errors even through a pipe.)
fn capsim(args: &[String]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args)
        .current_dir(ROOT)
        .stdin(Stdio::null())
        .env("NO_COLOR", "1");
    for var in [
        "CLICOLOR_FORCE",
        "CLICOLOR",
        "FORCE_COLOR",
        "COLUMNS",
        "LINES",
        "TERM",
    ] {
        c.env_remove(var);
    }
    c.output().expect("the capsim binary runs")
}

/// Replaces what varies from run to run, and only that: the temporary
/// folder, wall-clock timings and rates, and the number of threads (it
/// follows the machine or `RAYON_NUM_THREADS`; the outputs do not).
fn redact(text: &str, out: &Path) -> String {
    let text = text.replace(&out.display().to_string(), "[OUT]");
    let mut lines = Vec::new();
    for line in text.split('\n') {
        let timed = line.contains(" events in ")
            || line.contains(" runs in ")
            || (line.contains("tried ") && line.contains(" points in "));
        if !timed {
            lines.push(line.to_string());
            continue;
        }
        let words: Vec<&str> = line.split(' ').collect();
        let mut red = Vec::with_capacity(words.len());
        for (i, w) in words.iter().enumerate() {
            let prev = if i > 0 { words[i - 1] } else { "" };
            let next = words.get(i + 1).copied().unwrap_or("");
            let numeric =
                |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.');
            if prev == "in" && numeric(w) && (next == "s" || next.starts_with("s,")) {
                red.push("[secs]".to_string());
            } else if next == "events/s)" && w.starts_with('(') && w.ends_with('M') {
                red.push("([rate]M".to_string());
            } else if prev == "on" && (next == "threads" || next == "thread") && numeric(w) {
                red.push("[n]".to_string());
            } else {
                red.push(w.to_string());
            }
        }
        lines.push(red.join(" "));
    }
    lines.join("\n")
}

/// Every file under `dir`, by path relative to it, in sorted order.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Carriage returns made visible: insta compares text with `\r\n` taken
/// as `\n`, and a snapshot must still catch a change of line ends.
fn visible(text: &str) -> String {
    text.replace('\r', "\u{240d}")
}

/// A file's contents as they go into a snapshot: text verbatim (CSV,
/// Markdown, `shard.txt`); PNG and HTML only by the digest in the listing.
fn render_file(path: &Path, bytes: &[u8], out: &Path) -> Option<String> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if matches!(ext, "png" | "html") {
        return None;
    }
    let text = String::from_utf8(bytes.to_vec())
        .unwrap_or_else(|_| panic!("{} is not UTF-8", path.display()));
    // A text file never names the temporary folder today: if one ever
    // does, the snapshot shows it redacted rather than failing by chance on
    // the next run (the digest in the listing is of the bytes as written,
    // so it would then change from run to run and say so).
    let text = visible(&text.replace(&out.display().to_string(), "[OUT]"));
    Some(if text.ends_with('\n') || text.is_empty() {
        text
    } else {
        format!("{text}\n[no newline at end of file]\n")
    })
}

/// The snapshot of one invocation and of what it left under `out`.
fn describe(args: &[String], o: &Output, out: &Path) -> String {
    let mut s = String::new();
    let shown: Vec<String> = args
        .iter()
        .map(|a| a.replace(&out.display().to_string(), "[OUT]"))
        .collect();
    writeln!(s, "$ capsim {}", shown.join(" ")).unwrap();
    writeln!(s, "exit status: {:?}", o.status.code()).unwrap();
    let stdout = visible(&redact(&String::from_utf8_lossy(&o.stdout), out));
    let stderr = visible(&redact(&String::from_utf8_lossy(&o.stderr), out));
    writeln!(s, "--- stdout\n{stdout}").unwrap();
    writeln!(s, "--- stderr\n{stderr}").unwrap();
    if !out.exists() {
        writeln!(s, "--- nothing written (no output folder)\n--- end").unwrap();
        return s;
    }
    let written = files(out);
    writeln!(s, "--- {} files (bytes, SHA-256)", written.len()).unwrap();
    for (p, bytes) in &written {
        writeln!(s, "{} {} {}", p.display(), bytes.len(), sha256(bytes)).unwrap();
    }
    for (p, bytes) in &written {
        if let Some(text) = render_file(p, bytes, out) {
            writeln!(s, "\n=== {}", p.display()).unwrap();
            s.push_str(&text);
        }
    }
    s.push_str("--- end\n");
    s
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|a| a.to_string()).collect()
}

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

/// Runs `capsim ARGS --out TMP` (or `ARGS` alone when `out` is false) and
/// returns the snapshot text.
fn invocation(list: &[&str], with_out: bool) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut a = args(list);
    if with_out {
        a.push("--out".into());
        a.push(out.display().to_string());
    }
    let o = capsim(&a);
    describe(&a, &o, &out)
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.set_snapshot_path("snapshots/golden");
    s.set_omit_expression(true);
    s
}

macro_rules! golden {
    ($name:expr, $text:expr) => {
        settings().bind(|| insta::assert_snapshot!($name, $text))
    };
}

// ---------------------------------------------------------------------------
// Runs: every output file of every scenario.

#[test]
fn run_web() {
    golden!("run_web", invocation(&["run", &fixture("web.yaml")], true));
}

#[test]
fn run_data() {
    golden!(
        "run_data",
        invocation(&["run", &fixture("data.yaml")], true)
    );
}

#[test]
fn run_sessions() {
    golden!(
        "run_sessions",
        invocation(&["run", &fixture("sessions.yaml")], true)
    );
}

#[test]
fn run_recorded() {
    golden!(
        "run_recorded",
        invocation(&["run", &fixture("recorded.yaml")], true)
    );
}

#[test]
fn run_closed_with_a_precision() {
    golden!(
        "run_closed",
        invocation(&["run", &fixture("closed.yaml")], true)
    );
}

#[test]
fn run_one_variant_with_a_seed_and_a_set() {
    golden!(
        "run_web_variant",
        invocation(
            &[
                "run",
                &fixture("web.yaml"),
                "--variant",
                "round-robin",
                "--seed",
                "12",
                "--set",
                "components.web.instances=5",
            ],
            true
        )
    );
}

#[test]
fn run_quiet() {
    golden!(
        "run_quiet",
        invocation(
            &["run", &fixture("plan.yaml"), "--replications", "1", "-q"],
            true
        )
    );
}

#[test]
fn run_replications() {
    golden!(
        "run_plan_replications",
        invocation(&["run", &fixture("plan.yaml"), "--replications", "4"], true)
    );
}

/// Two shares of a replicated run, each snapshotted, then merged: the merge
/// is snapshotted too (and other tests check it equals one machine's run).
#[test]
fn run_shards_and_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::new();
    let mut dirs = Vec::new();
    for i in 0..2 {
        let out = tmp.path().join(format!("share{i}"));
        let a = args(&[
            "run",
            &fixture("plan.yaml"),
            "--replications",
            "4",
            "--shard",
            &format!("{i}/2"),
            "--out",
            &out.display().to_string(),
        ]);
        let o = capsim(&a);
        // Each share is described relative to its own folder.
        text.push_str(&describe(&a, &o, &out));
        text.push('\n');
        dirs.push(out);
    }
    let merged = tmp.path().join("merged");
    let mut a = args(&["merge"]);
    a.extend(dirs.iter().map(|d| d.display().to_string()));
    a.extend(["--out".to_string(), merged.display().to_string()]);
    let o = capsim(&a);
    let described = describe(&a, &o, &merged);
    text.push_str(&described.replace(&tmp.path().display().to_string(), "[TMP]"));
    golden!("run_shards_and_merge", text);
}

#[test]
fn sweep() {
    golden!(
        "sweep_plan",
        invocation(
            &[
                "sweep",
                &fixture("plan.yaml"),
                "--vary",
                "components.api.instances=3..5",
                "--vary",
                "components.api.size=small,large",
                "--replications",
                "2",
                "--slo",
                "p99=60ms,error_rate=1%",
            ],
            true
        )
    );
}

#[test]
fn sweep_shards_and_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::new();
    let mut dirs = Vec::new();
    for i in 0..2 {
        let out = tmp.path().join(format!("share{i}"));
        let a = args(&[
            "sweep",
            &fixture("plan.yaml"),
            "--vary",
            "components.api.instances=3,4",
            "--replications",
            "2",
            "--shard",
            &format!("{i}/2"),
            "--out",
            &out.display().to_string(),
        ]);
        let o = capsim(&a);
        text.push_str(&describe(&a, &o, &out));
        text.push('\n');
        dirs.push(out);
    }
    let merged = tmp.path().join("merged");
    let mut a = args(&["merge"]);
    a.extend(dirs.iter().map(|d| d.display().to_string()));
    a.extend(["--out".to_string(), merged.display().to_string()]);
    let o = capsim(&a);
    let described = describe(&a, &o, &merged);
    text.push_str(&described.replace(&tmp.path().display().to_string(), "[TMP]"));
    golden!("sweep_shards_and_merge", text);
}

#[test]
fn plan() {
    golden!(
        "plan_plan",
        invocation(
            &[
                "plan",
                &fixture("plan.yaml"),
                "--vary",
                "components.api.size=small,large",
                "--vary",
                "components.api.instances=1..12",
            ],
            true
        )
    );
}

#[test]
fn estimate() {
    let mut text = String::new();
    for f in [
        "web.yaml",
        "data.yaml",
        "sessions.yaml",
        "recorded.yaml",
        "closed.yaml",
        "plan.yaml",
    ] {
        text.push_str(&invocation(&["estimate", &fixture(f)], false));
        text.push('\n');
    }
    text.push_str(&invocation(
        &["estimate", &fixture("web.yaml"), "--variant", "no-retries"],
        false,
    ));
    golden!("estimate", text);
}

#[test]
fn validate() {
    golden!(
        "validate",
        invocation(
            &[
                "validate",
                &fixture("web.yaml"),
                &fixture("data.yaml"),
                &fixture("sessions.yaml"),
                &fixture("recorded.yaml"),
                &fixture("closed.yaml"),
                &fixture("plan.yaml"),
            ],
            false
        )
    );
}

// ---------------------------------------------------------------------------
// Bad input: the rendered messages and exit status, and nothing written.

/// Every `tests/fixtures/bad-*.yaml`, in name order.
fn bad_fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(Path::new(ROOT).join("tests/fixtures"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("bad-") && n.ends_with(".yaml"))
        .collect();
    names.sort();
    names
}

#[test]
fn validate_and_run_refuse_every_bad_fixture() {
    let names = bad_fixtures();
    assert!(names.len() >= 60, "only {} bad fixtures", names.len());
    let mut text = String::new();
    for n in &names {
        let path = format!("tests/fixtures/{n}");
        text.push_str(&invocation(&["validate", &path], false));
        // `run` must refuse the same way and write nothing: the snapshot
        // shows its message and an empty file list.
        let run = invocation(&["run", &path], true);
        text.push_str(&run);
        text.push('\n');
    }
    golden!("bad_fixtures", text);
}

#[test]
fn bad_command_lines() {
    let good = fixture("plan.yaml");
    let closed = fixture("closed.yaml");
    let cases: Vec<Vec<&str>> = vec![
        // --set
        vec!["run", &good, "--set", "components.api.workers"],
        vec!["run", &good, "--set", "components.api.wrokers=2"],
        vec!["run", &good, "--set", "components.api.instances=-1"],
        vec!["run", &good, "--set", "traffic.rate=[1, 2"],
        vec!["run", &good, "--set", "duration=5"],
        vec!["validate", &good, "--set", "components.nope.workers=2"],
        // --vary
        vec!["sweep", &good, "--vary", "components.api.instances"],
        vec!["sweep", &good, "--vary", "components.api.instances=5..2"],
        vec!["sweep", &good, "--vary", "components.api.instancs=1,2"],
        vec!["sweep", &good, "--vary", "components.api.instances=1,x"],
        vec!["plan", &good],
        vec!["plan", &good, "--vary", "components.api.size=small,huge"],
        // --slo
        vec![
            "sweep",
            &good,
            "--vary",
            "components.api.instances=2,3",
            "--slo",
            "p99",
        ],
        vec![
            "sweep",
            &good,
            "--vary",
            "components.api.instances=2,3",
            "--slo",
            "p99=fast",
        ],
        vec![
            "sweep",
            &good,
            "--vary",
            "components.api.instances=2,3",
            "--slo",
            "p42=1s",
        ],
        vec![
            "plan",
            &good,
            "--vary",
            "components.api.instances=2..3",
            "--slo",
            "error_rate=150%",
        ],
        // --shard
        vec!["run", &good, "--shard", "2/2"],
        vec!["run", &good, "--shard", "0/0"],
        vec!["run", &good, "--shard", "a/b"],
        vec!["run", &good, "--shard", "1"],
        vec!["run", &closed, "--replications", "0"],
        // other options and commands
        vec!["run", &good, "--variant", "nope"],
        vec!["run", &good, "--seed", "x"],
        vec!["run", "tests/fixtures/does-not-exist.yaml"],
        vec!["frobnicate"],
        vec!["validate"],
        vec!["merge"],
    ];
    let mut text = String::new();
    for c in &cases {
        let with_out = !matches!(c[0], "validate" | "frobnicate" | "merge");
        text.push_str(&invocation(c, with_out));
        text.push('\n');
    }
    golden!("bad_command_lines", text);
}

/// Every bad trace and empirical file of `tests/fixtures`, put into
/// `trace.yaml` by `--set`.
#[test]
fn bad_recorded_inputs() {
    let mut names: Vec<String> = std::fs::read_dir(Path::new(ROOT).join("tests/fixtures"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("bad-trace-") || n.starts_with("bad-empirical-"))
        .collect();
    names.sort();
    names.push("no-such-trace.csv".into());
    let mut text = String::new();
    for n in &names {
        let key = if n.starts_with("bad-empirical-") {
            "components.web.service_time.empirical.file"
        } else {
            "traffic.rate.trace.file"
        };
        let set = format!("{key}={n}");
        text.push_str(&invocation(
            &["run", "tests/fixtures/trace.yaml", "--set", &set],
            true,
        ));
        text.push('\n');
    }
    golden!("bad_recorded_inputs", text);
}

#[test]
fn merge_refuses_a_missing_share() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share0");
    let o = capsim(&args(&[
        "run",
        &fixture("plan.yaml"),
        "--replications",
        "2",
        "--shard",
        "0/2",
        "--out",
        &share.display().to_string(),
        "-q",
    ]));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let merged = tmp.path().join("merged");
    let a = args(&[
        "merge",
        &share.display().to_string(),
        "--out",
        &merged.display().to_string(),
    ]);
    let o = capsim(&a);
    let text = describe(&a, &o, &merged).replace(&tmp.path().display().to_string(), "[TMP]");
    golden!("merge_missing_share", text);
}

// ---------------------------------------------------------------------------
// The redaction itself: it must hide timings and nothing else.

#[test]
fn redaction_hides_timings_and_thread_counts_only() {
    let out = Path::new("/tmp/x");
    let text = "wrote /tmp/x/demo/base/{timeseries,components,summary}.csv\n\
                608519 requests, 4422670 events in 0.39 s (11.4M events/s)\n\
                6 runs in 0.45 s on 2 threads\n\
                5 points, 25 runs in 2.23 s on 1 threads\n\
                objective: p99 <= 100 ms (upper ends of the 95% intervals); tried 4 of 20 points in 0.5 s\n\
                p99 in 0.39 s windows, 2 threads";
    assert_eq!(
        redact(text, out),
        "wrote [OUT]/demo/base/{timeseries,components,summary}.csv\n\
         608519 requests, 4422670 events in [secs] s ([rate]M events/s)\n\
         6 runs in [secs] s on [n] threads\n\
         5 points, 25 runs in [secs] s on [n] threads\n\
         objective: p99 <= 100 ms (upper ends of the 95% intervals); tried 4 of 20 points in [secs] s\n\
         p99 in 0.39 s windows, 2 threads"
    );
}
