//! Recorded inputs against what they record: a trace's rate is followed
//! window by window (per second and per minute, Poisson and uniform), and an
//! M/G/1 queue whose service time is an empirical sample matches
//! Pollaczek-Khinchine with the sample's moments.
//!
//! Figures: `cargo test --test main inputs_theory:: -- --nocapture`.

use std::fmt::Write as _;
use std::path::Path;

use crate::common::*;
use capsim::metrics::MemorySink;
use capsim::simulation;

/// Writes `text` to `name` in `dir` and returns its absolute path.
fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// A trace of `rows` steps of `step_s` seconds each, a deterministic
/// zigzag of rates between 20 and 400 rps.
fn zigzag(rows: usize, step_s: u64) -> (String, Vec<f64>) {
    let mut text = String::from("time_s,rps\n");
    let mut rates = Vec::new();
    for i in 0..rows {
        let rps = 20.0 + ((i * 37) % 20) as f64 * 20.0;
        writeln!(text, "{},{rps}", i as u64 * step_s).unwrap();
        rates.push(rps);
    }
    (text, rates)
}

/// Runs a single fast service fed by the trace at `trace` and returns the
/// offered requests per window.
fn offered(trace: &str, arrivals: &str, duration_s: u64, window_s: u64, seed: u64) -> Vec<u64> {
    let yaml = format!(
        "duration: {duration_s}s
window: {window_s}s
traffic:
  to: web
  arrivals: {arrivals}
  rate: {{ trace: {{ file: {trace} }} }}
components:
  web:
    kind: service
    workers: 1000
    service_time: 1ms
"
    );
    let mut sink = MemorySink::default();
    simulation::run(&model(&yaml, seed), &mut sink).unwrap();
    sink.windows.iter().map(|w| w.counts.offered).collect()
}

/// Asserts each window's count is within 4.5 Poisson standard deviations of
/// the trace's rate times the window (a correct window falls outside with
/// probability about 7e-6, so one of 60 with about 4e-4).
fn check_followed(label: &str, counts: &[u64], rates: &[f64], window_s: f64) {
    assert_eq!(counts.len(), rates.len(), "{label}: windows");
    let mut worst: f64 = 0.0;
    for (i, (&c, &r)) in counts.iter().zip(rates).enumerate() {
        let expected = r * window_s;
        let z = (c as f64 - expected) / expected.sqrt();
        worst = worst.max(z.abs());
        assert!(
            z.abs() <= 4.5,
            "{label}: window {i} offered {c}, trace says {expected} (z = {z:.2})"
        );
    }
    println!(
        "{label}: {} windows follow the trace, worst |z| = {worst:.2} (limit 4.5)",
        counts.len()
    );
}

#[test]
fn a_per_second_trace_is_followed_window_by_window() {
    let dir = tempfile::tempdir().unwrap();
    // 60 rows of one second, read in one-second windows.
    let (text, rates) = zigzag(60, 1);
    let trace = write(dir.path(), "per-second.csv", &text);
    let counts = offered(&trace, "poisson", 60, 1, 7);
    check_followed("per-second trace, Poisson", &counts, &rates, 1.0);
    // Uniform arrivals are spaced by the rate: every window within one.
    let counts = offered(&trace, "uniform", 60, 1, 7);
    for (i, (&c, &r)) in counts.iter().zip(&rates).enumerate() {
        assert!(
            (c as f64 - r).abs() <= 1.0,
            "uniform window {i}: {c} against {r}"
        );
    }
    println!("per-second trace, uniform: every window within 1 request of the trace");
}

#[test]
fn a_per_minute_trace_is_followed_window_by_window() {
    let dir = tempfile::tempdir().unwrap();
    // 30 rows of one minute; a window of one minute each.
    let (text, rates) = zigzag(30, 60);
    let trace = write(dir.path(), "per-minute.csv", &text);
    let counts = offered(&trace, "poisson", 1800, 60, 11);
    check_followed("per-minute trace, Poisson", &counts, &rates, 60.0);
}

#[test]
fn the_last_row_holds_until_the_end_and_runs_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let trace = write(dir.path(), "t.csv", "time_s,rps\n0,100\n10,300\n");
    let counts = offered(&trace, "poisson", 30, 10, 3);
    check_followed("last row held", &counts, &[100.0, 300.0, 300.0], 10.0);
    assert_eq!(counts, offered(&trace, "poisson", 30, 10, 3), "determinism");
    assert_ne!(
        counts,
        offered(&trace, "poisson", 30, 10, 4),
        "another seed"
    );
}

/// A recorded service-time sample: deterministic and lumpy (a fast mode, a
/// slow mode and a long tail), so its moments are far from an exponential's.
fn recorded_sample() -> (String, Vec<f64>) {
    let mut text = String::from("# recorded service times\n");
    let mut secs = Vec::new();
    for i in 0..2000u64 {
        let us = match i % 10 {
            0..=6 => 1_000 + (i * 7919) % 2_000,
            7 | 8 => 8_000 + (i * 104_729) % 4_000,
            _ => 20_000 + (i * 15_485_863) % 30_000,
        };
        writeln!(text, "{us}us").unwrap();
        if i % 250 == 0 {
            text.push_str("\n# a comment between values\n");
        }
        secs.push(us as f64 / 1e6);
    }
    (text, secs)
}

#[test]
fn mg1_with_an_empirical_service_time_matches_pollaczek_khinchine() {
    let dir = tempfile::tempdir().unwrap();
    let (text, secs) = recorded_sample();
    let file = write(dir.path(), "service.txt", &text);
    // The moments from the file's values, computed here independently.
    let n = secs.len() as f64;
    let es = secs.iter().sum::<f64>() / n;
    let es2 = secs.iter().map(|x| x * x).sum::<f64>() / n;
    let rho = 0.6;
    let lambda = rho / es;
    let theory_ms = (lambda * es2 / (2.0 * (1.0 - rho)) + es) * 1e3;
    let yaml = format!(
        "duration: 5000s
warmup: 100s
traffic:
  to: web
  rate: {lambda}
components:
  web:
    kind: service
    workers: 1
    service_time: {{ empirical: {{ file: {file} }} }}
"
    );
    println!(
        "sample: {} values, mean {:.4} ms, E[S^2] {:.4} ms^2, scv {:.3}; lambda {lambda:.2}/s",
        secs.len(),
        es * 1e3,
        es2 * 1e6,
        es2 / (es * es) - 1.0
    );
    // 10 runs of 5,000 s (about 430,000 requests each): the standard error
    // of the mean over runs measured 0.25%; 2.5% is 10 of them (`check`
    // asserts at least 4).
    let (est, _) = replicate(&yaml, 10, |r| {
        r.summary
            .last()
            .unwrap()
            .latency_mean
            .unwrap()
            .as_millis_f64()
    });
    check(
        "M/G/1 empirical mean response",
        "ms",
        &est,
        theory_ms,
        0.025,
    );
}

#[test]
fn empirical_draws_are_the_recorded_values_and_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "s.txt", "3ms\n5ms\n");
    let yaml = format!(
        "duration: 100s
traffic:
  to: web
  arrivals: uniform
  rate: 5
components:
  web:
    kind: service
    workers: 1
    service_time: {{ empirical: {{ file: {file} }} }}
"
    );
    let r = run(&yaml, 5);
    let all = r.summary.last().unwrap();
    let lat = all.latency.unwrap();
    // No queueing at 5 rps: every response is 3 ms or 5 ms.
    for q in lat {
        let ms = q.as_millis_f64().round();
        assert!(ms == 3.0 || ms == 5.0, "{lat:?}");
    }
    assert_eq!(lat[4].as_millis_f64().round(), 5.0, "{lat:?}");
    let mean = all.latency_mean.unwrap().as_millis_f64();
    // 500 draws of 3 or 5 ms: mean 4 ms, standard deviation 1/sqrt(500) ms.
    assert!((mean - 4.0).abs() < 4.5 / 500f64.sqrt(), "{mean}");
    let (_, a) = run_rows(&yaml, 5);
    let (_, b) = run_rows(&yaml, 5);
    assert_eq!(a.windows, b.windows, "determinism");
}
