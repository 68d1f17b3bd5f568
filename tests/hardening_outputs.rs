//! Outputs keep their promise under Ctrl-C, kill -9, a full disk, a folder
//! planted where a file goes and planted symbolic links: the earlier
//! outputs stay byte for byte, and no temporary file or staging folder is
//! left once a command (or the next one, after kill -9) has ended.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_capsim");

/// A short base (a few milliseconds of work) and a variant of minutes
/// (10 simulated hours at 400x the rate): the base's files are complete
/// long before the variant could end, which is when an interrupted command
/// used to replace them. Only the base is ever run to its end.
const TWO_SPEEDS: &str = "\
name: speeds
seed: 1
duration: 2m
window: 10s
traffic: { to: web, rate: 50 }
components:
  web: { kind: service, instances: 4, workers: 8, service_time: { exponential: { mean: 10ms } } }
variants:
  busy: { duration: 10h, traffic: { rate: 20000 }, components: { web: { instances: 40 } } }
";

/// A run of a second or less, for the cases that need no timing.
const SMALL: &str = "\
name: small
seed: 1
duration: 20s
window: 1s
traffic: { to: web, rate: 100 }
components:
  web: { kind: service, instances: 2, workers: 4, service_time: { exponential: { mean: 20ms } } }
";

fn capsim(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

/// `text` written to `dir`, named after its first line (`name: ...`).
fn scenario(dir: &Path, text: &str) -> String {
    let name = text.lines().next().unwrap().trim_start_matches("name: ");
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// Every file under `dir` (links not followed) with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, root: &Path, into: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let md = std::fs::symlink_metadata(&p).unwrap();
            if md.is_dir() {
                walk(&p, root, into);
            } else {
                let bytes = if md.is_file() {
                    std::fs::read(&p).unwrap()
                } else {
                    Vec::new()
                };
                into.insert(p.strip_prefix(root).unwrap().to_path_buf(), bytes);
            }
        }
    }
    let mut m = BTreeMap::new();
    walk(dir, dir, &mut m);
    m
}

/// Names under `dir`, at any depth, that are capsim's temporary files or
/// staging folders.
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_name().to_string_lossy().starts_with(".capsim-") {
                found.push(e.path());
            } else if e.file_type().unwrap().is_dir() {
                todo.push(e.path());
            }
        }
    }
    found
}

/// The staging folder of a command writing into `out`, once its file
/// `rel` (relative to the staged `--out`) exists.
fn wait_for_staged(child: &mut Child, out: &Path, rel: &str) -> PathBuf {
    let start = Instant::now();
    loop {
        if let Ok(entries) = std::fs::read_dir(out) {
            for e in entries.flatten() {
                let staged = e.path().join(rel);
                if e.file_name()
                    .to_string_lossy()
                    .starts_with(".capsim-stage-")
                    && staged.exists()
                {
                    return e.path();
                }
            }
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "capsim ended before `{rel}` was staged"
        );
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "`{rel}` never staged"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} failed");
}

/// Runs `file`'s base into `out` once (the earlier outputs), and returns
/// them.
fn earlier(file: &str, out: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let o = capsim(&[
        "run",
        file,
        "-q",
        "--variant",
        "base",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    files(out)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Ctrl-C after the base variant's files are complete (staged) and while
/// the busy one still runs: exit 130, and the base's earlier files as they
/// were (they used to be replaced).
#[test]
fn ctrl_c_after_a_variant_finished_leaves_every_earlier_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), TWO_SPEEDS);
    let out = tmp.path().join("out");
    let before = earlier(&file, &out);
    let mut child = Command::new(BIN)
        .args([
            "run",
            &file,
            "-q",
            "--seed",
            "2",
            "--out",
            out.to_str().unwrap(),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_staged(&mut child, &out, "speeds/base/summary.csv");
    signal(&child, "-INT");
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("interrupted: nothing was written"),
        "{}",
        stderr(&o)
    );
    assert!(files(&out) == before, "an earlier output changed");
    assert_eq!(leftovers(&out), Vec::<PathBuf>::new());
}

/// kill -9 mid-run leaves the earlier outputs and a hidden staging folder;
/// the next command in the same `--out` removes it (and any older
/// temporary file) and writes whole.
#[test]
fn kill_9_then_a_rerun_leaves_no_temporary_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), TWO_SPEEDS);
    let out = tmp.path().join("out");
    let before = earlier(&file, &out);
    // What a killed capsim from before staging left: a temporary file.
    std::fs::write(out.join("speeds/base/.capsim-Xy12Ab.tmp"), "half").unwrap();
    let mut child = Command::new(BIN)
        .args([
            "run",
            &file,
            "-q",
            "--seed",
            "2",
            "--out",
            out.to_str().unwrap(),
        ])
        .spawn()
        .unwrap();
    let staging = wait_for_staged(&mut child, &out, "speeds/base/summary.csv");
    signal(&child, "-KILL");
    child.wait().unwrap();
    let mut now = files(&out);
    now.retain(|p, _| !p.starts_with(staging.file_name().unwrap()));
    now.remove(Path::new("speeds/base/.capsim-Xy12Ab.tmp"));
    assert!(now == before, "an earlier output changed");
    assert!(staging.exists());
    let small = scenario(tmp.path(), SMALL);
    let o = capsim(&["run", &small, "-q", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        !staging.exists(),
        "the killed command's staging is still there"
    );
    let o = capsim(&[
        "run",
        &file,
        "-q",
        "--variant",
        "base",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(leftovers(&out), Vec::<PathBuf>::new());
}

/// A write that fails part-way (the file size limit of `ulimit -f`, as a
/// full disk fails a write): exit 3, the file named in a plain message,
/// every earlier output as it was, nothing temporary left.
#[cfg(unix)]
#[test]
fn a_failed_write_leaves_every_earlier_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), SMALL);
    let out = tmp.path().join("out");
    let before = earlier(&file, &out);
    let largest = before.values().map(|b| b.len()).max().unwrap();
    // In 512-byte blocks (POSIX sh): half the largest output, so one file
    // of the rerun cannot be written. SIGXFSZ ignored: the write fails with
    // EFBIG instead of killing the process, as ENOSPC would fail it.
    let blocks = largest / 2 / 512;
    let script = format!(
        "trap '' XFSZ; ulimit -f {blocks}; exec \"$0\" run \"$1\" -q --seed 2 --out \"$2\""
    );
    let o = Command::new("sh")
        .args(["-c", &script, BIN, &file, out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let msg = stderr(&o);
    assert!(msg.contains("File too large"), "{msg}");
    assert!(
        msg.contains("the earlier outputs are as they were"),
        "{msg}"
    );
    for dump in ["Custom {", "Os {", "kind:", "IoError("] {
        assert!(!msg.contains(dump), "a Debug dump in: {msg}");
    }
    assert!(files(&out) == before, "an earlier output changed");
    assert_eq!(leftovers(&out), Vec::<PathBuf>::new());
}

/// A folder where a plot goes: exit 3 naming the plot, in plain words;
/// every other earlier file as it was.
#[test]
fn a_folder_planted_where_a_plot_goes_leaves_every_earlier_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), SMALL);
    let out = tmp.path().join("out");
    earlier(&file, &out);
    let plot = out.join("small/base/latency.png");
    std::fs::remove_file(&plot).unwrap();
    std::fs::create_dir(&plot).unwrap();
    let before = files(&out);
    let o = capsim(&[
        "run",
        &file,
        "-q",
        "--seed",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let msg = stderr(&o);
    assert!(msg.contains(&format!("`{}`", plot.display())), "{msg}");
    assert!(msg.contains("Is a directory"), "{msg}");
    assert!(!msg.contains("Custom {") && !msg.contains("Os {"), "{msg}");
    assert!(files(&out) == before, "an earlier output changed");
    assert!(plot.is_dir());
    assert_eq!(leftovers(&out), Vec::<PathBuf>::new());
}

/// A symbolic link inside `--out` (a variant's folder pointing elsewhere,
/// or one output file pointing at another file) is refused with exit 2,
/// named, before any run: nothing is written or deleted through it.
#[cfg(unix)]
#[test]
fn a_planted_symlink_is_refused_and_nothing_goes_through_it() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), SMALL);
    let out = tmp.path().join("out");
    earlier(&file, &out);
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("events.csv"), "theirs").unwrap();
    std::fs::write(elsewhere.join("precious"), "theirs").unwrap();
    let base = out.join("small/base");
    std::fs::rename(&base, tmp.path().join("moved")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &base).unwrap();
    let o = capsim(&["run", &file, "-q", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("`{}` is a symbolic link", base.display())),
        "{}",
        stderr(&o)
    );
    let theirs = files(&elsewhere);
    assert_eq!(theirs.len(), 2);
    assert!(theirs.values().all(|b| b == b"theirs"));
    // A file link: summary.csv pointing at a file of someone else's.
    std::fs::remove_file(&base).unwrap();
    std::fs::rename(tmp.path().join("moved"), &base).unwrap();
    std::fs::remove_file(base.join("summary.csv")).unwrap();
    std::os::unix::fs::symlink(elsewhere.join("precious"), base.join("summary.csv")).unwrap();
    let before = files(&out);
    let o = capsim(&["run", &file, "-q", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("summary.csv` is a symbolic link"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read(elsewhere.join("precious")).unwrap(),
        b"theirs"
    );
    assert!(files(&out) == before);
    assert_eq!(leftovers(&out), Vec::<PathBuf>::new());
}

/// Sweep and plan are one transaction too: a failed sweep leaves the
/// earlier sweep's files.
#[test]
fn a_failed_sweep_leaves_the_earlier_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), SMALL);
    let out = tmp.path().join("out");
    let sweep = |seed: &str| {
        capsim(&[
            "sweep",
            &file,
            "--vary",
            "components.web.instances=2,3",
            "--replications",
            "2",
            "--seed",
            seed,
            "-q",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    assert_eq!(sweep("1").status.code(), Some(0));
    let png = std::fs::read_dir(out.join("small/sweep"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "png"))
        .expect("a sweep plot");
    std::fs::remove_file(&png).unwrap();
    std::fs::create_dir(&png).unwrap();
    let before = files(&out);
    let o = sweep("2");
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(files(&out) == before, "an earlier output changed");
    assert_eq!(leftovers(&out), Vec::<PathBuf>::new());
}
