//! Plot rendering speed: the figures that used to be printed (or bounded) by
//! timing tests in `tests/plots.rs`, `tests/fault_outputs.rs` and
//! `tests/sweep_plots.rs`. Machines differ, so nothing here asserts a time:
//! it prints the median of a few renders.
//!
//! Run with `cargo bench --bench render`.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use capsim::engine::SimTime;
use capsim::model::Model;
use capsim::report::plots::{
    self, Figure, Marker, MarkerKind, RunPlots, SweepAxis, SweepPlots, SweepPoint,
};
use capsim::scenario::{self, LoadOptions};
use capsim::simulation::RunResult;

const DATA_TIER: &str = include_str!("../tests/fixtures/data-tier.yaml");

fn model(yaml: &str, sets: &[&str]) -> Model {
    let opts = LoadOptions {
        sets: sets.iter().map(|s| s.to_string()).collect(),
        ..LoadOptions::default()
    };
    scenario::load_str("bench.yaml", "bench", yaml, &opts)
        .unwrap_or_else(|f| panic!("{}", f.render(false)))
}

/// Runs `m` into `dir` as the CLI does (CSVs and plots).
fn run(m: &Model, dir: &Path) -> RunResult {
    std::fs::create_dir_all(dir).unwrap();
    capsim::cli::run_to_dir(m, dir, true, &AtomicBool::new(false)).expect("the run succeeds")
}

/// The median of `n` timings of `f`.
fn median(n: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[n / 2]
}

fn report(what: &str, n: usize, t: Duration) {
    println!(
        "{what:<58} median {:>7.1} ms of {n}",
        t.as_secs_f64() * 1000.0
    );
}

/// The run plots of `m` (run once first), rendered again `n` times, with
/// `markers`.
fn run_plots(what: &str, m: &Model, n: usize, extra: impl Fn(&Model) -> Vec<Marker>) {
    let tmp = tempfile::tempdir().unwrap();
    let result = run(m, tmp.path());
    let mut markers = Marker::rate_changes(m);
    markers.extend(extra(m));
    let input = RunPlots {
        dir: tmp.path(),
        scenario: &m.name,
        variant: &m.variant,
        warmup: m.warmup,
        duration: m.duration,
        markers: &markers,
        latency_by_class: &result.latency_by_class,
        kinds: &plots::ComponentKinds::of(m),
    };
    let t = median(n, || {
        plots::write_run_plots(&input).unwrap();
    });
    report(what, n, t);
}

/// A sweep point as in `tests/sweep_plots.rs`: a pool of `n` instances
/// (`speed` times a small one's) at 900 req/s.
fn point(values: Vec<String>, n: f64, speed: f64) -> SweepPoint {
    let rho = 900.0 / (n * speed * 100.0);
    let (p99, err) = if rho >= 1.0 {
        let over = ((rho - 1.0) / 0.3).min(1.0);
        (2000.0 + 3000.0 * over, 0.3 * over.max(0.05))
    } else {
        let p99 = 40.0 * (1.0 + 4.0 * rho.powi(20) / (1.0 - rho).max(0.02));
        let err = if rho > 0.85 {
            0.02 * (rho - 0.85) / 0.15
        } else {
            0.0
        };
        (p99.min(2000.0), err)
    };
    let rel = 0.05 + 0.15 * rho.min(1.0);
    let half = 0.15 * err + if rho > 0.85 { 0.002 } else { 0.0 };
    SweepPoint {
        values,
        p99_ms: Some(Figure {
            mean: p99,
            lo: p99 * (1.0 - rel),
            hi: p99 * (1.0 + rel),
        }),
        error_rate: Some(Figure {
            mean: err,
            lo: (err - half).max(0.0),
            hi: err + half,
        }),
        cost_per_hour: None,
        meets: None,
        chosen: false,
    }
}

/// The plan plots of a 7 x 3 x 4 grid (84 points, three keys).
fn large_grid(n: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let inst: Vec<String> = [1, 2, 4, 8, 16, 32, 64]
        .iter()
        .map(|n| n.to_string())
        .collect();
    let axis = |key: &str, values: &[&str]| SweepAxis {
        key: key.to_string(),
        values: values.iter().map(|v| v.to_string()).collect(),
    };
    let axes = vec![
        SweepAxis {
            key: "components.web.instances".into(),
            values: inst.clone(),
        },
        axis("components.web.size", &["small", "large", "xlarge"]),
        axis("traffic.region", &["eu", "us", "ap", "sa"]),
    ];
    let mut pts = Vec::new();
    for i in &inst {
        let count: f64 = i.parse().unwrap();
        for (s, speed, price) in [
            ("small", 1.0, 0.10),
            ("large", 1.6, 0.40),
            ("xlarge", 2.4, 1.70),
        ] {
            for (r, load) in [("eu", 1.0), ("us", 1.3), ("ap", 0.6), ("sa", 0.3)] {
                let mut p = point(
                    vec![i.clone(), s.to_string(), r.to_string()],
                    count / load,
                    speed,
                );
                p.cost_per_hour = Some(count * price);
                p.meets = Some(p.p99_ms.unwrap().hi <= 600.0 && p.error_rate.unwrap().hi <= 0.01);
                pts.push(p);
            }
        }
    }
    let best = (0..pts.len())
        .filter(|&i| pts[i].meets == Some(true))
        .min_by(|&a, &b| {
            pts[a]
                .cost_per_hour
                .unwrap()
                .total_cmp(&pts[b].cost_per_hour.unwrap())
        })
        .unwrap();
    pts[best].chosen = true;
    let t = median(n, || {
        plots::write_sweep_plots(&SweepPlots {
            dir: tmp.path(),
            scenario: "checkout",
            title: "plan",
            axes: &axes,
            points: &pts,
            slo_p99_ms: Some(600.0),
            slo_error_rate: Some(0.01),
        })
        .unwrap();
    });
    report(&format!("plan plots of {} points, 3 keys", pts.len()), n, t);
}

fn main() {
    // The built-in demo (a load balancer and two pools, a 3x spike), made 10
    // minutes long: four plots.
    run_plots(
        "run plots, demo for 10m (4 plots, 1 s windows)",
        &model(scenario::DEMO, &["duration=10m"]),
        5,
        |_| Vec::new(),
    );
    // A cache, a database of 4 shards x 3 nodes and a queue: eight plots.
    run_plots(
        "run plots, data tier for 10m (8 plots, 1 s windows)",
        &model(DATA_TIER, &["duration=10m"]),
        3,
        |_| Vec::new(),
    );
    // A chaos run's thousand fault markers: drawn as ticks.
    run_plots(
        "run plots, demo for 1m with 1000 fault markers",
        &model(scenario::DEMO, &["duration=1m"]),
        5,
        |_| {
            (0..1000)
                .map(|i| {
                    Marker::new(
                        SimTime(1_000_000_000 + i as u64 * 50_000_000),
                        MarkerKind::FaultStart,
                        format!("random crash web.{}", i % 4),
                    )
                })
                .collect()
        },
    );
    large_grid(3);
}
