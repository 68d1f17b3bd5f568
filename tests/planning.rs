//! Planning against theory: the 95% interval across replications covers
//! the M/M/1 mean response time about 95% of the time, narrows like
//! 1/sqrt(N), MSER-5 cuts a transient of known length, and `plan` finds the
//! Erlang C answer. Run with `--nocapture` to see the figures.

use crate::common;

use std::sync::atomic::AtomicBool;

use capsim::metrics::NullSink;
use capsim::model::{Model, Replications};
use capsim::planning::interval::{Figure, t975};
use capsim::planning::replications::{Replicated, Sample, replication_model, run_series};
use capsim::planning::warmup::find_warmup;
use capsim::simulation::Simulation;

/// M/M/1 at rho 0.5: lambda 100/s, mu 200/s, mean response 1/(mu - lambda)
/// = 10 ms.
fn mm1(duration: &str, warmup: &str) -> String {
    format!(
        "name: mm1\nduration: {duration}\nwarmup: {warmup}\ntraffic:\n  to: s\n  rate: 100\ncomponents:\n  s:\n    kind: service\n    service_time: {{ exponential: {{ mean: 5ms }} }}\n"
    )
}

/// The samples of `n` replications of `model` (seeds derived from its own).
fn series(model: &Model, n: u32) -> Vec<Sample> {
    let spec = Replications {
        min: n,
        max: n,
        precision: None,
    };
    run_series(&spec, None, 0, |k| {
        let m = replication_model(model, k);
        let r = Simulation::new(&m)
            .run(&mut NullSink, &mut |_, _| true)
            .expect("runs");
        Ok(Sample::of_run(k, &m, &r))
    })
    .expect("runs")
}

fn mean_latency(r: &Replicated) -> Figure {
    r.all().latency_ms[0].expect("replies")
}

/// 400 independent series of 10 replications (each 60 s after a 5 s
/// warm-up, some 6,000 customers): the t interval of the mean response time
/// should cover 10 ms in 95% of them. The count is binomial: sd
/// sqrt(400 x 0.95 x 0.05) = 4.4 series (1.1%); the tolerance is 4 sd each
/// side, 95% +- 4.4%. An interval with 1/N instead of 1/sqrt(N) would
/// cover about 35%; a halved one about 66%.
#[test]
fn the_interval_of_the_mm1_mean_covers_theory_95_percent_of_the_time() {
    let yaml = mm1("65s", "5s");
    let series_count = 400u64;
    let mut covered = 0;
    let mut widths = 0.0;
    for s in 0..series_count {
        let m = common::model(&yaml, 1_000 + s * 7_919);
        let f = mean_latency(&Replicated::of(&series(&m, 10)));
        widths += f.half_width().unwrap();
        if f.lo.unwrap() <= 10.0 && 10.0 <= f.hi.unwrap() {
            covered += 1;
        }
    }
    let share = covered as f64 / series_count as f64;
    let sd = (0.95f64 * 0.05 / series_count as f64).sqrt();
    println!(
        "coverage of 10 ms: {covered} of {series_count} series = {:.2}% (expected 95%, sd {:.2}%, tolerance +-{:.2}%); mean half-width {:.3} ms",
        share * 100.0,
        sd * 100.0,
        4.0 * sd * 100.0,
        widths / series_count as f64
    );
    assert!((share - 0.95).abs() <= 4.0 * sd, "coverage {share}");
}

/// The half-width shrinks like t(N-1) s / sqrt(N). Averaged over 24
/// independent groups, the half-width at N = 64 over that at N = 16 should
/// be (t(63) c4(64) / 8) / (t(15) c4(16) / 4) = 0.4748. The relative sd of
/// a mean half-width over 24 groups is about 0.18/sqrt(24) = 3.7% at N = 16
/// and 1.8% at 64, so the ratio's is about 4.1%: tolerance 16.5% (4 sd).
/// A 1/N law would give about 0.24, no narrowing about 0.95.
#[test]
fn the_interval_narrows_like_one_over_root_n() {
    let yaml = mm1("10s", "1s");
    let groups = 24u64;
    let (mut h16, mut h64) = (0.0, 0.0);
    for g in 0..groups {
        let a = common::model(&yaml, 50_000 + g);
        h16 += mean_latency(&Replicated::of(&series(&a, 16)))
            .half_width()
            .unwrap();
        let b = common::model(&yaml, 90_000 + g);
        h64 += mean_latency(&Replicated::of(&series(&b, 64)))
            .half_width()
            .unwrap();
    }
    // c4(n) = sqrt(2/(n-1)) Gamma(n/2) / Gamma((n-1)/2).
    let c4 = |n: f64| {
        let lg = |x: f64| libm::lgamma(x);
        (2.0 / (n - 1.0)).sqrt() * (lg(n / 2.0) - lg((n - 1.0) / 2.0)).exp()
    };
    let expected = (t975(63) * c4(64.0) / 8.0) / (t975(15) * c4(16.0) / 4.0);
    let ratio = h64 / h16;
    println!(
        "mean half-width: N=16 {:.4} ms, N=64 {:.4} ms; ratio {ratio:.4}, expected {expected:.4} (1/sqrt(N) law), tolerance 16.5%",
        h16 / groups as f64,
        h64 / groups as f64
    );
    assert!((ratio / expected - 1.0).abs() <= 0.165, "ratio {ratio}");
}

/// A transient of known length: 60 s at rho 0.9 (M/M/4, 2 ms service, mean
/// response 4.1 ms by Erlang C), then rho 0.5 (2.04 ms) for the rest of a
/// 10-minute run. The queue relaxes within a second of the drop, so the
/// transient ends at 60 s: MSER-5 (batches of five 1 s windows) must cut
/// all of it and, on every one of 8 seeds, at most six batches (30 s) more:
/// noise makes the rule overshoot a little, never stop short.
#[test]
fn mser5_cuts_a_transient_of_known_length() {
    let yaml = "name: transient\nduration: 10m\nwarmup: auto\ntraffic:\n  to: s\n  rate:\n    - { at: 0s, rps: 1800 }\n    - { at: 60s, rps: 1000 }\ncomponents:\n  s:\n    kind: service\n    workers: 4\n    service_time: { exponential: { mean: 2ms } }\n";
    for seed in 1..=8 {
        let m = common::model(yaml, seed);
        assert!(m.warmup_auto);
        let a = find_warmup(&m, &AtomicBool::new(false)).unwrap();
        println!(
            "seed {seed}: MSER-5 warm-up {} (transient ends at 60 s)",
            a.warmup
        );
        assert!(a.settled);
        let s = a.warmup.as_secs_f64();
        assert!((60.0..=90.0).contains(&s), "warm-up {s} s");
    }
    // A steady M/M/1 from empty needs next to nothing.
    let m = common::model(&mm1("10m", "auto"), 3);
    let a = find_warmup(&m, &AtomicBool::new(false)).unwrap();
    println!("steady M/M/1: MSER-5 warm-up {}", a.warmup);
    assert!(a.warmup.as_secs_f64() <= 30.0, "{}", a.warmup);
}

/// Replications with a precision stop at the first N from `min` at which
/// every headline interval is within it, and a series of one is the plain
/// run.
#[test]
fn precision_stops_as_soon_as_every_headline_interval_is_narrow_enough() {
    let m = common::model(&mm1("60s", "2s"), 5);
    let spec = Replications {
        min: 3,
        max: 60,
        precision: Some(0.05),
    };
    let samples = run_series(&spec, None, 0, |k| {
        let m = replication_model(&m, k);
        let r = Simulation::new(&m)
            .run(&mut NullSink, &mut |_, _| true)
            .unwrap();
        Ok(Sample::of_run(k, &m, &r))
    })
    .unwrap();
    let n = samples.len();
    let r = Replicated::of(&samples);
    println!(
        "precision 5%: stopped after {n} replications; imprecise: {:?}",
        r.imprecise(0.05)
    );
    assert!((3..60).contains(&n));
    assert!(r.precise(0.05));
    assert!(!Replicated::of(&samples[..n - 1]).precise(0.05) || n == 3);
    // Replication 0 is the scenario's own seed.
    let plain = capsim::simulation::run(&m, &mut NullSink).unwrap();
    assert_eq!(samples[0].rows, plain.summary);
}
