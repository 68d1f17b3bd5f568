//! Helpers shared by the theory checks: loading a scenario from a string,
//! running replications, Student-t confidence intervals, and the checks
//! that a run is long enough for its tolerance.
#![allow(dead_code)]

use capsim::metrics::{MemorySink, NullSink};
use capsim::model::Model;
use capsim::scenario::{self, LoadOptions};
use capsim::simulation::{self, RunResult};

pub fn model(yaml: &str, seed: u64) -> Model {
    let opts = LoadOptions {
        seed: Some(seed),
        ..LoadOptions::default()
    };
    scenario::load_str("theory.yaml", "theory", yaml, &opts)
        .unwrap_or_else(|f| panic!("{}", f.render(false)))
}

pub fn run(yaml: &str, seed: u64) -> RunResult {
    simulation::run(&model(yaml, seed), &mut NullSink).expect("in memory")
}

pub fn run_rows(yaml: &str, seed: u64) -> (RunResult, MemorySink) {
    let mut sink = MemorySink::default();
    let r = simulation::run(&model(yaml, seed), &mut sink).expect("in memory");
    (r, sink)
}

/// Two-sided 95% Student t quantiles by degrees of freedom.
pub fn t95(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    if df == 0 {
        f64::INFINITY
    } else {
        T.get(df - 1).copied().unwrap_or(1.96)
    }
}

pub struct Estimate {
    pub mean: f64,
    pub se: f64,
    pub half_width: f64,
    pub n: usize,
}

pub fn estimate(xs: &[f64]) -> Estimate {
    let n = xs.len();
    let mean = xs.iter().sum::<f64>() / n as f64;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
    let se = (var / n as f64).sqrt();
    Estimate {
        mean,
        se,
        half_width: t95(n - 1) * se,
        n,
    }
}

/// Asserts `est` is within `tol` (relative) of `theory`, and that the run was
/// long enough for that tolerance to mean something.
pub fn check(what: &str, unit: &str, est: &Estimate, theory: f64, tol: f64) {
    let err = (est.mean - theory) / theory;
    println!(
        "{what}: {:.4} {unit} ± {:.4} (95% CI, {} replications), theory {:.4} {unit}, error {:+.2}%, tolerance {:.1}%, \
         standard error {:.2}%",
        est.mean,
        est.half_width,
        est.n,
        theory,
        err * 100.0,
        tol * 100.0,
        est.se / theory * 100.0
    );
    assert!(
        4.0 * est.se <= tol * theory.abs(),
        "{what}: the run is too short for a {:.1}% tolerance (standard error {:.2}%)",
        tol * 100.0,
        est.se / theory * 100.0
    );
    assert!(
        err.abs() <= tol,
        "{what}: {:.4} is {:+.2}% from theory {theory:.4}",
        est.mean,
        err * 100.0
    );
}

pub fn replicate<F: Fn(&RunResult) -> f64>(
    yaml: &str,
    reps: u64,
    f: F,
) -> (Estimate, Vec<RunResult>) {
    let runs: Vec<RunResult> = (1..=reps).map(|seed| run(yaml, seed)).collect();
    let xs: Vec<f64> = runs.iter().map(&f).collect();
    (estimate(&xs), runs)
}

/// Erlang C: probability that an arrival waits in M/M/c with offered load `a`.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    // Erlang B by the stable recursion, then C from B.
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (k as f64 + a * b);
    }
    let rho = a / c as f64;
    b / (1.0 - rho + rho * b)
}

/// M/M/c mean response time and the p99 of the response time, in seconds.
pub fn mmc(c: u32, lambda: f64, mu: f64) -> (f64, f64) {
    let a = lambda / mu;
    let pw = erlang_c(c, a);
    let theta = c as f64 * mu - lambda;
    let w = pw / theta + 1.0 / mu;
    // T = Wq + S: P(T > t) = (1 - C) e^{-mu t} + C (theta e^{-mu t} - mu e^{-theta t}) / (theta - mu).
    let tail = |t: f64| {
        let s = (-mu * t).exp();
        if (theta - mu).abs() < 1e-12 {
            (1.0 - pw) * s + pw * (1.0 + mu * t) * s
        } else {
            (1.0 - pw) * s + pw * (theta * s - mu * (-theta * t).exp()) / (theta - mu)
        }
    };
    let (mut lo, mut hi) = (0.0, 1.0);
    while tail(hi) > 0.01 {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if tail(mid) > 0.01 { lo = mid } else { hi = mid }
    }
    (w, (lo + hi) / 2.0)
}

/// Requests = ok + rejected + timed out + failed + in flight.
pub fn conserved(r: &RunResult) {
    let all = r.summary.last().unwrap();
    assert_eq!(
        all.requests,
        all.ok + all.rejected + all.timed_out + all.failed + r.in_flight,
        "conservation: {all:?}, in flight {}",
        r.in_flight
    );
}
