//! What the fuzz targets share: a sandbox for recorded-input files, a guard
//! that keeps the loader inside it, and the checks run on every load.
//!
//! A scenario can name files (`rate: { trace: { file } }`, `{ empirical: {
//! file } }`). The targets load with recorded inputs read relative to a
//! temporary folder holding only copies of the fixtures' recorded inputs
//! (`load_all_in`; `load_str` only for inputs that name no file), and skip any input whose `file` values could leave
//! it (a `/`, `\` or NUL in the name), so a fuzzer never reads anything else
//! and never writes anywhere (the loader writes nothing). The working
//! directory is left alone: libFuzzer writes corpora and artifacts there.

// As in capsim: a load's error is large and built once, off any hot path.
#![allow(clippy::result_large_err)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use capsim::model::Model;
use capsim::scenario::yaml::{Node, Value};
use capsim::scenario::{LoadFailure, LoadOptions, Sources, overrides, yaml};

/// The recorded inputs the sandbox holds, as the fixtures name them.
const INPUTS: &[(&str, &[u8])] = &[
    (
        "trace.csv",
        include_bytes!("../../tests/fixtures/trace.csv"),
    ),
    (
        "empirical.txt",
        include_bytes!("../../tests/fixtures/empirical.txt"),
    ),
    (
        "bad-trace-empty.csv",
        include_bytes!("../../tests/fixtures/bad-trace-empty.csv"),
    ),
    (
        "bad-trace-header.csv",
        include_bytes!("../../tests/fixtures/bad-trace-header.csv"),
    ),
    (
        "bad-trace-negative.csv",
        include_bytes!("../../tests/fixtures/bad-trace-negative.csv"),
    ),
    (
        "bad-trace-no-header.csv",
        include_bytes!("../../tests/fixtures/bad-trace-no-header.csv"),
    ),
    (
        "bad-trace-not-a-number.csv",
        include_bytes!("../../tests/fixtures/bad-trace-not-a-number.csv"),
    ),
    (
        "bad-trace-not-increasing.csv",
        include_bytes!("../../tests/fixtures/bad-trace-not-increasing.csv"),
    ),
    (
        "bad-empirical-duration.txt",
        include_bytes!("../../tests/fixtures/bad-empirical-duration.txt"),
    ),
    (
        "bad-empirical-empty.txt",
        include_bytes!("../../tests/fixtures/bad-empirical-empty.txt"),
    ),
];

/// The sandbox: a folder under the system's temporary folder holding
/// [`INPUTS`] and nothing else, shared by every fuzzing process (libFuzzer's
/// `-fork` and `-jobs` start many). Each process writes every file to a name
/// of its own and renames it into place, so a load never sees a file half
/// written.
pub fn sandbox() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join("capsim-fuzz-inputs");
        std::fs::create_dir_all(&dir).expect("create the sandbox");
        let pid = std::process::id();
        for (name, bytes) in INPUTS {
            let part = dir.join(format!(".{name}.{pid}"));
            std::fs::write(&part, bytes).expect("fill the sandbox");
            std::fs::rename(&part, dir.join(name)).expect("fill the sandbox");
        }
        dir
    })
}

/// Loads `text` as the CLI would, with its recorded inputs in the sandbox.
pub fn load(
    name: &str,
    stem: &str,
    text: &str,
    opts: &LoadOptions,
) -> Result<Vec<Model>, LoadFailure> {
    capsim::scenario::load_all_in(name, stem, text, opts, sandbox())
}

/// The files a load could read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Files {
    /// None: the tree has no `file` key, or the load fails before compiling.
    None,
    /// Only bare names, resolved in the sandbox.
    Sandboxed,
    /// A name with a folder in it: the input is skipped.
    Outside,
}

/// The files the tree under `node` names.
pub fn files_in(node: &Node) -> Files {
    let mut files = Files::None;
    visit(node, &mut files);
    files
}

fn visit(node: &Node, files: &mut Files) {
    match &node.value {
        Value::Null | Value::Scalar { .. } => {}
        Value::Seq(items) => items.iter().for_each(|n| visit(n, files)),
        Value::Map(entries) => {
            for (k, v) in entries {
                if k.as_str() == Some("file") {
                    if *files == Files::None {
                        *files = Files::Sandboxed;
                    }
                    if !bare_names(v) {
                        *files = Files::Outside;
                    }
                } else {
                    visit(v, files);
                }
            }
        }
    }
}

fn bare_names(node: &Node) -> bool {
    match &node.value {
        Value::Null => true,
        Value::Scalar { text, .. } => !text.contains(['/', '\\', '\0']),
        Value::Seq(items) => items.iter().all(bare_names),
        Value::Map(entries) => entries.iter().all(|(k, v)| bare_names(k) && bare_names(v)),
    }
}

/// The files loading `text` with `sets` could read: those named in the tree
/// the compiler would see (the file with the overrides applied). An input
/// that fails before compiling reads nothing.
pub fn files_read(text: &str, sets: &[String]) -> Files {
    let mut sources = Sources::new();
    let id = sources.add("fuzz.yaml", text);
    let Ok(mut root) = yaml::parse(&sources, id) else {
        return Files::None;
    };
    for arg in sets {
        if overrides::apply(&mut root, &mut sources, arg).is_err() {
            return Files::None;
        }
    }
    files_in(&root)
}

/// What the CLI does with a load's result short of simulating: an error is
/// rendered (plain and in colour); with `estimate`, each model gets its
/// analytic estimate and the estimate's table (`capsim estimate`). Whether
/// the load succeeded.
pub fn check(result: Result<Vec<Model>, LoadFailure>, estimate: bool) -> bool {
    match result {
        Ok(models) => {
            assert!(!models.is_empty(), "a successful load returned no model");
            if estimate {
                for m in &models {
                    let est = capsim::planning::estimate::estimate(m);
                    let _ = capsim::planning::estimate_table::estimate_table(m, &est);
                }
            }
            true
        }
        Err(failure) => {
            let plain = failure.render(false);
            assert!(plain.starts_with("error: "), "{plain}");
            let _ = failure.render(true);
            false
        }
    }
}

/// The options of a load with these overrides.
pub fn options(sets: Vec<String>, seed: Option<u64>, variants: Vec<String>) -> LoadOptions {
    LoadOptions {
        sets,
        seed,
        variants,
        check_work: false,
    }
}
