//! The README cannot go stale: every ```` ```console ```` block in it is run
//! and its output compared, as trycmd reads such blocks. A line `$ CMD` is a
//! command (run by `sh -c`, with this build's `capsim` first on `PATH`); an
//! optional `? N` after it is the exit status it must give (0 otherwise);
//! the lines up to the next command or the end of the block are what it
//! prints, stdout and stderr together, where `[..]` stands for any text
//! within a line and a line `...` for any lines (snapbox's patterns: wall
//! times and events per second vary, nothing else may).
//!
//! trycmd itself runs a README's commands in the README's own folder, so
//! `capsim run` would write into the user's `output/`; here each block runs
//! in a fresh folder where `scenarios/` and `tests/` are the repository's.

use std::path::Path;
use std::process::{Command, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_capsim");

/// One command of a block, with what it must print and its exit status.
struct Step {
    /// The README's line of the command.
    line: usize,
    command: String,
    status: i32,
    expected: String,
}

/// The `console` blocks of `text`, each its steps, in order.
fn blocks(text: &str) -> Vec<Vec<Step>> {
    let mut out = Vec::new();
    let mut current: Option<Vec<Step>> = None;
    // A block in a list item is indented: its lines lose the fence's indent.
    let mut indent = 0;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end();
        let fence = line.trim_start();
        match &mut current {
            None if fence == "```console" => {
                indent = line.len() - fence.len();
                current = Some(Vec::new());
            }
            None => {}
            Some(_) if fence == "```" => out.push(current.take().expect("in a block")),
            Some(steps) => {
                let l = line.get(indent..).unwrap_or("");
                if let Some(cmd) = l.strip_prefix("$ ") {
                    steps.push(Step {
                        line: i + 1,
                        command: cmd.to_string(),
                        status: 0,
                        expected: String::new(),
                    });
                } else {
                    let step = steps.last_mut().unwrap_or_else(|| {
                        panic!("README.md:{}: a console block opens with output", i + 1)
                    });
                    match l.strip_prefix("? ") {
                        Some(code) if step.expected.is_empty() => {
                            step.status = code.parse().expect("`? N`: an exit status");
                        }
                        _ => {
                            step.expected.push_str(l);
                            step.expected.push('\n');
                        }
                    }
                }
            }
        }
    }
    assert!(
        current.is_none(),
        "README.md: a console block is not closed"
    );
    out
}

/// Runs `cmd` in `dir` with stdout and stderr into one file, so that the
/// two interleave as on a terminal; returns the status and the text.
fn run(cmd: &str, dir: &Path, bin: &Path) -> (i32, String) {
    let log = dir.join(".readme-output");
    let file = std::fs::File::create(&log).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let status = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .status()
        .expect("cannot start sh");
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::remove_file(&log).unwrap();
    (status.code().unwrap_or(-1), text)
}

#[test]
fn every_console_example_in_the_readme_prints_what_it_shows() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let blocks = blocks(&readme);
    assert!(
        blocks.len() >= 5,
        "README.md has {} console blocks",
        blocks.len()
    );
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(BIN, bin.path().join("capsim")).unwrap();
    let mut failures = Vec::new();
    for steps in &blocks {
        // Each block in its own folder: a block's commands may read what
        // the earlier ones of the block wrote, never another block's.
        let dir = tempfile::tempdir().unwrap();
        for shared in ["scenarios", "tests"] {
            std::os::unix::fs::symlink(Path::new(ROOT).join(shared), dir.path().join(shared))
                .unwrap();
        }
        for s in steps {
            let (status, text) = run(&s.command, dir.path(), bin.path());
            let name = format!("README.md:{}: `{}`", s.line, s.command);
            if status != s.status {
                failures.push(format!(
                    "{name}: exit status {status}, the README says {}\n{text}",
                    s.status
                ));
                continue;
            }
            if let Err(e) =
                snapbox::Assert::new().try_eq(Some(&name), text.into(), s.expected.as_str().into())
            {
                failures.push(format!("{name}:\n{e}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_block_reader_takes_commands_statuses_and_output() {
    let text = "x\n```console\n$ capsim a\none\n...\n$ capsim b\n? 2\ntwo [..]\n```\n```\n$ not read\n```\n1. item\n   ```console\n   $ capsim c\n     three\n   ```\n";
    let b = blocks(text);
    assert_eq!(b.len(), 2);
    assert_eq!(b[1][0].command, "capsim c");
    assert_eq!(b[1][0].expected, "  three\n");
    let s = &b[0];
    assert_eq!(s.len(), 2);
    assert_eq!((s[0].line, s[0].command.as_str()), (3, "capsim a"));
    assert_eq!((s[0].status, s[0].expected.as_str()), (0, "one\n...\n"));
    assert_eq!((s[1].status, s[1].expected.as_str()), (2, "two [..]\n"));
}
