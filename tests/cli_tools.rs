//! `capsim completions SHELL` and `capsim man`, through the real binary:
//! the scripts are what each shell accepts (bash's `-n` parses without
//! running), the man pages render with man-db without a warning and list
//! every command, and a shell clap does not know is refused with its
//! error and exit status 2.
//!
//! The man tests need `man` (Debian's `man-db`); they fail, naming the
//! package, where it is missing.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_capsim");

/// Every command, as `capsim --help` lists them (less `help`).
const COMMANDS: [&str; 9] = [
    "run",
    "validate",
    "estimate",
    "sweep",
    "plan",
    "merge",
    "schema",
    "completions",
    "man",
];

fn capsim(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("capsim runs")
}

/// Renders the roff page `file` as `man -l` shows it, 80 columns wide,
/// with groff's warnings on; returns the text. Fails on any warning.
fn render(file: &Path) -> String {
    let o = Command::new("man")
        .args(["--warnings", "-l"])
        .arg(file)
        .env("MANWIDTH", "80")
        .output()
        .unwrap_or_else(|e| panic!("`man` is needed (apt-get install man-db): {e}"));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{}: {stderr}", file.display());
    assert!(stderr.is_empty(), "{}: warnings: {stderr}", file.display());
    plain(&String::from_utf8(o.stdout).unwrap())
}

/// `text` without the overstrikes of bold and underline (`N\x08N`) that
/// grotty writes when its output is not a terminal.
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\u{8}' {
            out.pop();
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn every_shell_gets_a_script_and_bash_parses_its_own() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = capsim(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(o.stdout).unwrap();
        for c in COMMANDS {
            assert!(script.contains(c), "{shell}: no `{c}`");
        }
        // Options of a subcommand are completed too.
        assert!(script.contains("replications"), "{shell}");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("capsim.bash");
    fs::write(&file, capsim(&["completions", "bash"]).stdout).unwrap();
    let o = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn an_unknown_shell_is_refused_by_clap() {
    let o = capsim(&["completions", "nonsense"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.contains("invalid value 'nonsense'") && err.contains("bash") && err.contains("zsh"),
        "{err}"
    );
}

#[test]
fn the_man_page_renders_and_lists_every_command() {
    let o = capsim(&["man"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.starts_with(b".ie"), "roff");
    assert_eq!(o.stdout, capsim(&["man"]).stdout, "the same every time");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("capsim.1");
    fs::write(&file, &o.stdout).unwrap();
    let page = render(&file);
    assert!(page.contains("SUBCOMMANDS"), "{page}");
    for c in COMMANDS {
        assert!(page.contains(&format!("capsim-{c}(1)")), "no {c}:\n{page}");
    }
}

#[test]
fn man_out_writes_a_page_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man");
    let o = capsim(&["man", "--out", out.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = COMMANDS.iter().map(|c| format!("capsim-{c}.1")).collect();
    expected.push("capsim.1".to_string());
    expected.sort();
    assert_eq!(names, expected, "only the pages, no temporary file left");
    let run = render(&out.join("capsim-run.1"));
    assert!(run.contains("--replications"), "{run}");
    for name in &names {
        render(&out.join(name));
    }
    // The top page is the one `capsim man` prints.
    assert_eq!(
        fs::read(out.join("capsim.1")).unwrap(),
        capsim(&["man"]).stdout
    );
}

#[test]
fn man_out_into_a_file_is_a_bad_out_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    fs::write(&file, "x").unwrap();
    let o = capsim(&["man", "--out", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("cannot write man pages"), "{err}");
}
