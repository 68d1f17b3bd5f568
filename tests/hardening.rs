//! Hostile or odd input: capsim refuses it with exit 2 and a located,
//! plain message, never a panic, and writes nothing.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_capsim");

fn capsim(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

/// A scenario whose `components` line is over 70,000 characters long, with
/// `key` in its component `web` past column 65,535.
fn long_line_scenario(dir: &Path, name: &str, key: &str) -> String {
    let path = dir.join(name);
    let pad = " ".repeat(70_000);
    std::fs::write(
        &path,
        format!(
            "name: long\nduration: 1m\ntraffic: {{ to: web, rate: 10 }}\n\
             components: {{{pad}web: {{ kind: service, {key}: 1 }} }}\n"
        ),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

/// An error past column 65,535 (where miette's snippet renderer panics) is
/// told with its location, key path and a short excerpt of the line
/// instead of the line itself; with `run`, nothing is written.
#[test]
fn an_error_past_column_65535_is_told_without_a_snippet_of_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let cases = [
        ("bogus", "unknown key `bogus`", None),
        (
            "workrs",
            "unknown key `workrs`",
            Some("did you mean `workers`?"),
        ),
    ];
    for (key, message, help) in cases {
        let file = long_line_scenario(tmp.path(), &format!("{key}.yaml"), key);
        for args in [
            vec!["validate", file.as_str()],
            vec!["run", file.as_str(), "--out", out.to_str().unwrap()],
        ] {
            let o = capsim(&args);
            let err = String::from_utf8(o.stderr).unwrap();
            assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
            assert!(!err.contains("panicked"), "{err}");
            let first = err.lines().next().unwrap();
            assert_eq!(
                first,
                format!("error: {file}:4:70036: components.web.{key}: {message}")
            );
            assert!(
                err.contains(&format!(
                    "  = line 4 is {} characters long, too long to show; at the spot: \
                     `\u{2026}{}web: {{ kind: service, {key}: 1 }} }}`\n",
                    70_042 + key.len(),
                    " ".repeat(8)
                )),
                "{err}"
            );
            if let Some(h) = help {
                assert!(err.contains(&format!("  = {h}\n")), "{err}");
            }
            // The 70,000 spaces are not printed.
            assert!(err.len() < 1_000, "{} bytes: {err}", err.len());
            assert!(!out.exists(), "{args:?} wrote {}", out.display());
        }
    }
}

/// A span over several lines, one of them too long to show (a missing key
/// marks the whole mapping), and a YAML syntax error at column 100,001:
/// located, told, no panic.
#[test]
fn a_long_line_inside_a_marked_span_or_under_a_syntax_error_is_not_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing.yaml");
    let pad = " ".repeat(70_000);
    std::fs::write(
        &missing,
        format!("name: long\nduration: 1m\ncomponents: {{{pad}web: {{ kind: service }} }}\n"),
    )
    .unwrap();
    let syntax = tmp.path().join("syntax.yaml");
    std::fs::write(&syntax, format!("name: x\n{}: 1\n", "a".repeat(100_000))).unwrap();
    for (file, first) in [
        (&missing, ":1:1: missing key `traffic`"),
        (&syntax, ":2:100001: YAML syntax error"),
    ] {
        let o = capsim(&["validate", file.to_str().unwrap()]);
        let err = String::from_utf8(o.stderr).unwrap();
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        let line = err.lines().next().unwrap();
        assert!(
            line.starts_with(&format!("error: {}{first}", file.display())),
            "{line}"
        );
        assert!(err.contains("characters long, too long to show"), "{err}");
        assert!(err.len() < 1_000, "{} bytes: {err}", err.len());
    }
}

/// `--replications` keeps the `replications` key's cap of 10,000: above
/// it, run, sweep and plan refuse before anything is queued or written.
#[test]
fn replications_on_the_command_line_keep_the_cap_of_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = out.to_str().unwrap();
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/small.yaml");
    let vary = "components.web.instances=1,2";
    for n in ["10001", "4294967295"] {
        for args in [
            vec!["run", file, "--replications", n, "--out", o],
            vec![
                "sweep",
                file,
                "--vary",
                vary,
                "--replications",
                n,
                "--out",
                o,
            ],
            vec![
                "plan",
                file,
                "--vary",
                vary,
                "--replications",
                n,
                "--out",
                o,
            ],
        ] {
            let r = capsim(&args);
            let err = String::from_utf8(r.stderr).unwrap();
            assert_eq!(r.status.code(), Some(2), "{args:?}: {err}");
            assert_eq!(
                err,
                format!(
                    "error: `--replications {n}`: {n} runs is too many to simulate \
                     (at most 10000, as the `replications` key)\n"
                ),
                "{args:?}"
            );
            assert!(!out.exists(), "{args:?}");
        }
    }
}

/// A scenario file is read up to 16 MiB and a recorded input up to
/// 256 MiB, whatever the file system says of their size: `/dev/zero` as
/// either is refused after that many bytes, not read until memory runs
/// out. Standard input is still read as a file (`/dev/stdin`).
#[test]
fn a_file_without_end_is_read_only_to_its_limit() {
    let o = capsim(&["validate", "/dev/zero"]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(
            "error: `/dev/zero` holds more than 16 MiB: a scenario file is at most 16 MiB\n"
        ),
        "{err}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let trace = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/trace.yaml");
    for key in [
        "traffic.rate.trace.file",
        "components.web.service_time.empirical.file",
    ] {
        let set = format!("{key}=/dev/zero");
        let o = capsim(&["run", trace, "--set", &set, "--out", out.to_str().unwrap()]);
        let err = String::from_utf8(o.stderr).unwrap();
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!(
                "{key}: `/dev/zero` holds more than 256 MiB: recorded inputs are read whole, at most 256 MiB"
            )),
            "{err}"
        );
        assert!(!out.exists());
    }

    let small = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/small.yaml");
    let o = Command::new(BIN)
        .args(["validate", "/dev/stdin"])
        .stdin(std::fs::File::open(small).unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "ok: /dev/stdin (small: 3 components, 20s simulated)\n"
    );
}

/// A file that is not UTF-8 is told by line and column (in characters, as
/// every location), with the byte that broke it; a recorded input alike.
#[test]
fn a_file_not_utf8_is_told_by_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("latin1.yaml");
    std::fs::write(&file, b"name: x\nduration: 1m\n# caf\xc3\xa9 \xff bad\n").unwrap();
    let o = capsim(&["validate", file.to_str().unwrap()]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(
        err.lines().next().unwrap(),
        format!(
            "error: cannot read `{}`: it is not UTF-8 text (invalid byte 0xFF at line 3, column 8)",
            file.display()
        )
    );
    let trace = tmp.path().join("trace.csv");
    std::fs::write(&trace, b"time_s,rps\n0,10\n\xe9,20\n").unwrap();
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/trace.yaml");
    let set = format!("traffic.rate.trace.file={}", trace.display());
    let out = tmp.path().join("out");
    let o = capsim(&[
        "run",
        fixture,
        "--set",
        &set,
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("it is not UTF-8 text (invalid byte 0xE9 at line 3, column 1)"),
        "{err}"
    );
    assert!(!out.exists());
}

/// A name too long is refused with the limit said: 100 characters for the
/// scenario's `name` (it names a folder), 64 for a variant's.
#[test]
fn a_name_too_long_is_refused_with_its_limit() {
    let small = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/small.yaml");
    let set = format!("name={}", "a".repeat(101));
    let o = capsim(&["validate", small, "--set", &set]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "  = expected at most 100 letters, digits, `_`, `-` and `.`, not starting with `.`\n"
        ),
        "{err}"
    );
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("v.yaml");
    let text = std::fs::read_to_string(small).unwrap();
    std::fs::write(
        &file,
        format!("{text}\nvariants:\n  {}: {{ seed: 2 }}\n", "v".repeat(65)),
    )
    .unwrap();
    let o = capsim(&["validate", file.to_str().unwrap()]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot name a variant"), "{err}");
    assert!(err.contains("at most 64 characters, other than"), "{err}");
}
