//! USL sizes against the Universal Scalability Law: a saturated instance of
//! `N` workers completes `C(N) = N / (1 + s (N - 1) + k N (N - 1))` times one
//! core's rate, and an idle one serves a request at full speed.
//!
//! Figures: `cargo test --test main usl_theory:: -- --nocapture`.

use crate::common::*;
use capsim::model::Usl;

/// Mean service time of one core, seconds.
const S: f64 = 0.010;

/// One instance of `cores` workers with a USL size, offered 1.5 times its
/// USL capacity, with a bounded queue so the overload is shed, not stored.
fn saturated(cores: u32, s: f64, k: f64) -> String {
    let capacity = Usl {
        contention: s,
        coherency: k,
    }
    .capacity(f64::from(cores))
        / S;
    format!(
        "duration: 210s
warmup: 10s
window: 10s
traffic:
  to: db
  rate: {rate}
sizes:
  box:
    cores: {cores}
    cost_per_hour: 1
    usl: {{ contention: {s}, coherency: {k} }}
components:
  db:
    kind: service
    size: box
    queue: 200
    service_time: {{ exponential: {{ mean: 10ms }} }}
",
        rate = 1.5 * capacity
    )
}

/// Completions per second of replications: the pool's throughput.
fn throughput(yaml: &str) -> Estimate {
    replicate(yaml, 5, |r| r.summary.last().unwrap().throughput_rps).0
}

#[test]
fn a_saturated_usl_size_completes_c_of_n_times_one_core_s_rate() {
    // Completions in 200 s of N exponential servers: about C(N)/S x 200 >=
    // 100,000 per run, so the standard error of a run's throughput is about
    // 0.3%, and of 5 runs' mean 0.15%: 1.5% is 10 standard errors.
    let cases = [
        (8, 0.05, 0.0),
        (32, 0.02, 0.0005),
        (16, 0.05, 0.002),
        // Past the peak N* = sqrt(0.95 / 0.002) = 21.8: more cores, less work.
        (64, 0.05, 0.002),
    ];
    let mut measured = Vec::new();
    for (n, s, k) in cases {
        let usl = Usl {
            contention: s,
            coherency: k,
        };
        let theory = usl.capacity(f64::from(n)) / S;
        let est = throughput(&saturated(n, s, k));
        check(
            &format!("N={n} s={s} k={k} (peak N*={:.1}) throughput", usl.peak()),
            "rps",
            &est,
            theory,
            0.015,
        );
        measured.push(est.mean);
    }
    assert!(
        measured[3] < 0.8 * measured[2],
        "64 cores past the peak must do less than 16: {measured:?}"
    );
}

#[test]
fn an_idle_usl_size_serves_at_full_speed() {
    // Evenly spaced arrivals 100 ms apart and 10 ms of work never overlap:
    // every request is served alone, so exactly in 10 ms.
    let yaml = "duration: 100s
traffic:
  to: db
  arrivals: uniform
  rate: 10
sizes:
  box:
    cores: 32
    cost_per_hour: 1
    usl: { contention: 0.1, coherency: 0.01 }
components:
  db:
    kind: service
    size: box
    service_time: 10ms
";
    let r = run(yaml, 1);
    let all = r.summary.last().unwrap();
    println!(
        "uniform low load: mean {:?}, max {:?}",
        all.latency_mean, all.latency
    );
    assert_eq!(all.latency_mean.unwrap().as_millis_f64(), 10.0);
    assert_eq!(all.latency.unwrap()[4].as_millis_f64(), 10.0);

    // Poisson at 1 rps against 8 workers of 10 ms: a request finds another
    // in service with probability about 1%, and is then 5% slower, so the
    // mean response is within 0.1% of 10 ms. 10,000 s per run gives 10,000
    // requests (standard error 1% per run, 0.45% over 5): 2% is 4.5
    // standard errors.
    let poisson = "duration: 10000s
traffic:
  to: db
  rate: 1
sizes:
  box:
    cores: 8
    cost_per_hour: 1
    usl: { contention: 0.05, coherency: 0.001 }
components:
  db:
    kind: service
    size: box
    service_time: { exponential: { mean: 10ms } }
";
    let (est, _) = replicate(poisson, 5, |r| {
        r.summary
            .last()
            .unwrap()
            .latency_mean
            .unwrap()
            .as_millis_f64()
    });
    check("Poisson low load mean response", "ms", &est, 10.0, 0.02);
}
