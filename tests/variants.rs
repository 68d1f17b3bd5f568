//! Variants and cost through the real binary: parallel runs identical to
//! sequential ones, a variant equal to the base identical to it, the
//! comparison's shape, and the cost columns.

use std::fs;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_capsim");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const CSVS: [&str; 3] = ["timeseries.csv", "components.csv", "summary.csv"];

fn run(out: &Path, threads: Option<&str>, extra: &[&str]) -> String {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(ROOT)
        .args(["run", "tests/fixtures/variants.yaml", "--out"])
        .arg(out)
        .args(extra);
    match threads {
        Some(n) => cmd.env("RAYON_NUM_THREADS", n),
        None => cmd.env_remove("RAYON_NUM_THREADS"),
    };
    let o = cmd.output().expect("capsim runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn read(p: &Path) -> Vec<u8> {
    fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn parallel_variants_write_what_a_sequential_run_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let (seq, par) = (tmp.path().join("seq"), tmp.path().join("par"));
    run(&seq, Some("1"), &[]);
    run(&par, Some("4"), &[]);
    for v in ["base", "up", "out", "same"] {
        for f in CSVS {
            let a = read(&seq.join("variants").join(v).join(f));
            let b = read(&par.join("variants").join(v).join(f));
            assert!(a == b, "{v}/{f} differs between 1 and 4 threads");
        }
    }
    let a = read(&seq.join("variants/comparison/comparison.csv"));
    assert_eq!(a, read(&par.join("variants/comparison/comparison.csv")));
}

#[test]
fn a_variant_equal_to_the_base_writes_the_same_results() {
    let tmp = tempfile::tempdir().unwrap();
    run(tmp.path(), None, &[]);
    let dir = tmp.path().join("variants");
    for f in ["timeseries.csv", "components.csv"] {
        assert!(
            read(&dir.join("base").join(f)) == read(&dir.join("same").join(f)),
            "{f}"
        );
    }
    // summary.csv names its variant in the first column; the rest is the same.
    let strip = |v: &str| {
        String::from_utf8(read(&dir.join(v).join("summary.csv")))
            .unwrap()
            .lines()
            .map(|l| l.split_once(',').unwrap().1.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(strip("base"), strip("same"));
}

#[test]
fn the_comparison_has_a_row_per_variant_with_fixed_columns_and_costs() {
    let tmp = tempfile::tempdir().unwrap();
    let stdout = run(tmp.path(), None, &[]);
    assert!(
        stdout.contains("comparison (4 variants, same arrivals)"),
        "{stdout}"
    );
    let text =
        String::from_utf8(read(&tmp.path().join("variants/comparison/comparison.csv"))).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "variant,requests,error_rate,throughput_rps,goodput_rps,latency_p50_ms,latency_p90_ms,\
         latency_p99_ms,latency_p999_ms,max_utilization,busiest,cost_per_hour,cost_per_million,\
         cost_total"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows.iter().map(|r| r[0]).collect::<Vec<_>>(),
        ["base", "up", "out", "same"]
    );
    assert!(rows.iter().all(|r| r.len() == 14));
    // Common random numbers: every variant sees the same arrivals.
    assert!(rows.iter().all(|r| r[1] == rows[0][1]), "{rows:?}");
    // Built-in catalogue: 4 x xlarge = 4 x 0.192; 1 x 4xlarge = 0.768; 8 x large = 8 x 0.096.
    for r in &rows {
        assert_eq!(r[11], "0.768", "{r:?}");
        // Per million requests in time: cost / (goodput x 3600) x 1e6.
        let goodput: f64 = r[4].parse().unwrap();
        let per_million: f64 = r[12].parse().unwrap();
        assert!(
            (per_million - 0.768 / (goodput * 3600.0) * 1e6).abs() < 1e-4,
            "{r:?}"
        );
        // The run's total: 40 s at 0.768 per hour.
        assert_eq!(r[13], "0.0085", "{r:?}");
    }
    // Utilisation of the one pool: the variants have the same cores, so about equal.
    let util: Vec<f64> = rows.iter().map(|r| r[9].parse().unwrap()).collect();
    assert!(util.iter().all(|u| (u - util[0]).abs() < 0.05), "{util:?}");
    // summary.csv carries the cost on every row, cost per million on `all` only.
    let summary = String::from_utf8(read(&tmp.path().join("variants/base/summary.csv"))).unwrap();
    for line in summary.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        // cost_per_hour, cost_per_million, cost_total: columns 34 to 36.
        assert_eq!(cells[34], "0.768");
        assert_eq!(cells[35].is_empty(), cells[1] != "all", "{line}");
        assert_eq!(cells[36], "0.0085", "{line}");
    }
}

#[test]
fn variant_selects_runs_and_speed_divides_service_times() {
    let tmp = tempfile::tempdir().unwrap();
    // A scenario catalogue with a faster size: the same cores at speed 2 halve
    // the service time, so at low load the mean response halves too.
    let sets = [
        "--set",
        "sizes={ slow: { cores: 16, cost_per_hour: 1 }, fast: { cores: 16, speed: 2, cost_per_hour: 2 } }",
        "--set",
        "components.web.size=slow",
        "--set",
        "variants.up.components.web.size=fast",
        "--set",
        "variants.up.components.web.instances=4",
        // Every variant is checked, run or not: `out` needs a size of this catalogue too.
        "--set",
        "variants.out.components.web.size=slow",
        "--variant",
        "base",
        "--variant",
        "up",
    ];
    run(tmp.path(), None, &sets);
    let dir = tmp.path().join("variants");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["base", "comparison", "report.html", "report.md", "up"]
    );
    let mean = |v: &str| -> f64 {
        let s = String::from_utf8(read(&dir.join(v).join("summary.csv"))).unwrap();
        let all = s
            .lines()
            .find(|l| l.starts_with(&format!("{v},all,")))
            .unwrap()
            .to_string();
        // latency_mean_ms (column 16, after the intervals of the rates).
        all.split(',').nth(16).unwrap().parse().unwrap()
    };
    let (slow, fast) = (mean("base"), mean("up"));
    // 64 workers at under 60% busy: nearly no queueing, so mean ~ service time.
    assert!((slow / 4.0 - 1.0).abs() < 0.15, "slow {slow} ms");
    assert!((fast / 2.0 - 1.0).abs() < 0.15, "fast {fast} ms");
    let cmp = String::from_utf8(read(&dir.join("comparison/comparison.csv"))).unwrap();
    assert!(cmp.contains("\nbase,") && cmp.contains("\nup,") && !cmp.contains("\nout,"));
}
