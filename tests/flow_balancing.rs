//! [flow] balancing against what it must do: `weighted` splits by its
//! weights (binomial); outlier detection ejects an instance failing
//! everything after exactly `consecutive_errors` failures per cycle, and
//! never takes more than `max_ejected` of the pool out; a health check
//! alone leaves a quarter of the requests failing; `least_response_time`
//! (peak EWMA) steers away from a slow instance; a consistent-hash ring
//! moves about 1/n of the keys when one of n instances leaves, and by user
//! it keeps every user's local session; and each bad input is refused
//! where it is written.
//!
//! Run with `--nocapture` to see the figures.

use crate::common;

use capsim::components::load_balancer::ring::{self, Ring, VNODES};
use capsim::metrics::{EventKind, MemorySink, SummaryRow};
use capsim::simulation::RunResult;

use super::cli::expect_rejected;

fn all(r: &RunResult) -> &SummaryRow {
    r.summary.last().expect("an `all` row")
}

/// Calls completed by each instance of component `id` over the whole run.
fn per_instance(rows: &MemorySink, id: u32, n: usize) -> Vec<u64> {
    let mut out = vec![0; n];
    for row in rows.components.iter().filter(|c| c.component == id) {
        if let Some(i) = row.instance {
            out[i as usize] += row.completed;
        }
    }
    out
}

/// `weighted: [3, 1, 1]`: each instance's share of ~60,000 requests is
/// binomial, within 4 standard deviations (sqrt(p(1-p)/N) = 0.2% for 0.6)
/// of 0.6, 0.2 and 0.2; the few calls in flight at the end (a handful at
/// 2 ms each) are far inside that.
#[test]
fn weighted_splits_by_its_weights() {
    let yaml = r#"
duration: 60s
warmup: 0s
traffic: { to: lb, rate: 1000 }
components:
  lb: { kind: load_balancer, to: web, policy: weighted, weights: [3, 1, 1] }
  web: { kind: service, instances: 3, workers: 4, service_time: 2ms }
"#;
    let (_, rows) = common::run_rows(yaml, 5);
    let counts = per_instance(&rows, 1, 3);
    let n: u64 = counts.iter().sum();
    for (c, p) in counts.iter().zip([0.6, 0.2, 0.2]) {
        let share = *c as f64 / n as f64;
        let sd = (p * (1.0 - p) / n as f64).sqrt();
        println!("weighted: share {share:.4} against {p} (sd {sd:.4}) of {n}");
        assert!((share - p).abs() < 4.0 * sd, "{share} against {p}");
    }
}

/// One of four instances fails everything (`errors` at 100%) for the whole
/// run, behind a random balancer.
const GRAY: &str = r#"
duration: 60s
warmup: 0s
traffic: { to: lb, rate: 200 }
components:
  lb:
    kind: load_balancer
    to: web
    policy: random
    health_check: { interval: 1s }
OUTLIER
  web: { kind: service, instances: 4, workers: 4, service_time: 1ms }
faults:
  - { at: 0s, errors: BAD, share: 100% }
"#;

fn gray(outlier: &str, bad: &str) -> String {
    GRAY.replace("OUTLIER", outlier).replace("BAD", bad)
}

/// With `consecutive_errors: 5`: the `errors` fault fails a call the
/// instant it arrives, so nothing else is ever in flight on the bad
/// instance when its fifth error comes back: each cycle (ejection, 5 s out,
/// return) costs exactly 5 failures, and the run's failures are
/// `5 x ejections + r`, `r` in 0..=4 the errors after the last return.
/// Without outlier detection the health check passes (the instance is up):
/// a quarter of the requests fail, binomially (4 sd of ~12,000 requests
/// is 1.6% of the share).
#[test]
fn outlier_detection_ejects_after_consecutive_errors() {
    let od = "    outlier_detection: { consecutive_errors: 5, eject_for: 5s, max_ejected: 50% }";
    let r = common::run(&gray(od, "web.0"), 3);
    let ejected: Vec<_> = r
        .log
        .iter()
        .filter(|e| e.kind == EventKind::Ejected)
        .collect();
    let returned = r
        .log
        .iter()
        .filter(|e| e.kind == EventKind::Returned)
        .count();
    let failed = all(&r).failed;
    println!(
        "outlier detection: {} ejections, {returned} returns, {failed} failed of {}",
        ejected.len(),
        all(&r).requests
    );
    assert!(ejected.iter().all(|e| e.target == "web.0"));
    // 60 s of 5 s ejections, each a fraction of a second after a return.
    assert!((11..=12).contains(&ejected.len()), "{}", ejected.len());
    assert!(returned == ejected.len() || returned + 1 == ejected.len());
    let cycles = ejected.len() as u64;
    assert!(failed >= 5 * cycles && failed <= 5 * cycles + 4, "{failed}");

    let r = common::run(&gray("", "web.0"), 3);
    let n = all(&r).requests as f64;
    let share = all(&r).failed as f64 / n;
    let sd = (0.25 * 0.75 / n).sqrt();
    println!("health check only: {share:.4} failed (sd {sd:.4})");
    assert!((share - 0.25).abs() < 4.0 * sd, "{share}");
    assert!(!r.log.iter().any(|e| e.kind == EventKind::Detected));
}

/// The most instances out at once over a run's log.
fn most_ejected(r: &RunResult) -> i32 {
    let (mut now, mut most) = (0, 0);
    for e in &r.log {
        match e.kind {
            EventKind::Ejected => now += 1,
            EventKind::Returned => now -= 1,
            _ => {}
        }
        most = most.max(now);
    }
    most
}

/// Three of four instances fail everything: `max_ejected: 50%` lets two
/// out at once, never three; 10% still lets one go (Envoy ejects while the
/// share out is below the cap).
#[test]
fn max_ejected_caps_the_instances_out_at_once() {
    let bad = "web, instances: 3";
    let cap = |p: &str| {
        format!(
            "    outlier_detection: {{ consecutive_errors: 3, eject_for: 5s, max_ejected: {p} }}"
        )
    };
    let half = common::run(&gray(&cap("50%"), bad), 3);
    let tenth = common::run(&gray(&cap("10%"), bad), 3);
    println!(
        "most out at once: {} with 50%, {} with 10%",
        most_ejected(&half),
        most_ejected(&tenth)
    );
    assert_eq!(most_ejected(&half), 2);
    assert_eq!(most_ejected(&tenth), 1);
}

/// Four instances of 4 workers (10 ms exponential), `web.0` slowed five
/// times (its capacity 80/s against 400/s) at 240 req/s: round robin gives
/// it a quarter (60/s, 75% busy, long waits); peak EWMA sees its latency
/// and sends it far less, and the p99 of all requests drops.
#[test]
fn least_response_time_avoids_a_slow_instance() {
    let yaml = |policy: &str| {
        format!(
            r#"
duration: 60s
warmup: 0s
traffic: {{ to: lb, rate: 240 }}
components:
  lb: {{ kind: load_balancer, to: web, policy: {policy} }}
  web: {{ kind: service, instances: 4, workers: 4, service_time: {{ exponential: {{ mean: 10ms }} }} }}
faults:
  - {{ at: 0s, slow: web.0, factor: 5 }}
"#
        )
    };
    let share = |rows: &MemorySink| {
        let c = per_instance(rows, 1, 4);
        c[0] as f64 / c.iter().sum::<u64>() as f64
    };
    let p99 = |r: &RunResult| all(r).latency.expect("latencies")[3];
    let (rr, rr_rows) = common::run_rows(&yaml("round_robin"), 9);
    let (ewma, ewma_rows) = common::run_rows(&yaml("least_response_time"), 9);
    println!(
        "slow instance's share: round robin {:.3}, least_response_time {:.3}; p99 {} against {}",
        share(&rr_rows),
        share(&ewma_rows),
        p99(&rr),
        p99(&ewma)
    );
    // Round robin: a quarter, exactly up to the calls in flight at the end.
    assert!((share(&rr_rows) - 0.25).abs() < 0.01);
    assert!(share(&ewma_rows) < 0.5 * share(&rr_rows));
    assert!(p99(&ewma) < p99(&rr));
}

/// When one of n instances leaves the ring, only the keys it owned move
/// (exactly: the ring walks on past it), and their share is its share of
/// the circle, 1/n with a relative standard deviation of about
/// 1/sqrt(VNODES) (a sum of VNODES arcs), 7.9% at 160 points: 4 of those,
/// plus 4 binomial sd of sampling 100,000 keys, bound each of the n
/// removals (the mean over the n removals is 1/n identically, the shares
/// summing to 1, so only each one is tested).
#[test]
fn consistent_hash_moves_about_one_nth_of_the_keys() {
    let keys = 100_000u64;
    for n in [4u32, 8, 10] {
        let ring = Ring::new(n);
        let owners: Vec<usize> = (0..keys)
            .map(|k| ring.owner(ring::mix(k), |_| false).unwrap())
            .collect();
        let p = 1.0 / n as f64;
        let arc = p / (VNODES as f64).sqrt();
        let sample = (p * (1.0 - p) / keys as f64).sqrt();
        let mut worst: f64 = 0.0;
        for gone in 0..n as usize {
            let mut moved = 0u64;
            for (k, &before) in owners.iter().enumerate() {
                let after = ring.owner(ring::mix(k as u64), |i| i == gone).unwrap();
                if after != before {
                    assert_eq!(before, gone, "key {k} moved off a staying instance");
                    moved += 1;
                }
            }
            let share = moved as f64 / keys as f64;
            assert!((share - p).abs() < 4.0 * (arc + sample), "n {n}: {share}");
            worst = worst.max((share - p).abs() / p);
        }
        println!(
            "n {n}: largest relative deviation of the share moved {worst:.3} (bound {:.3})",
            4.0 * (arc + sample) / p
        );
    }
}

/// Local sessions behind `consistent_hash` by user: each user always
/// hashes to the same instance, so no session is ever left behind, while
/// round robin leaves one behind on 3/4 of the requests after each user's
/// first (binomial noise 0.2%: tolerance 2%).
#[test]
fn consistent_hash_by_user_keeps_users_on_their_instance() {
    let yaml = |policy: &str| {
        format!(
            r#"
duration: 30s
traffic: {{ to: lb, rate: 1000, users: 2000 }}
components:
  lb: {{ kind: load_balancer, to: web, {policy} }}
  web: {{ kind: service, instances: 4, workers: 4, service_time: {{ exponential: {{ mean: 1500us }} }}, sessions: {{ store: local }} }}
"#
        )
    };
    let ch = common::run(&yaml("policy: consistent_hash, hash_by: user"), 4);
    let rr = common::run(&yaml("policy: round_robin"), 4);
    println!(
        "sessions lost: consistent_hash {:?}, round robin {:?} of {} requests",
        all(&ch).sessions_lost,
        all(&rr).sessions_lost,
        all(&rr).requests
    );
    assert_eq!(all(&ch).sessions_lost, Some(0));
    let got = all(&rr).sessions_lost.unwrap() as f64;
    assert!(got > 0.5 * all(&rr).requests as f64, "{got}");
}

// ---------------------------------------------------------------------------
// Bad fixtures: one per rule.

#[test]
fn refuses_weights_not_matching_the_instances() {
    expect_rejected(
        "bad-flow-lb-weights-count.yaml",
        9,
        "[3, 1, 1]",
        Some("components.lb.weights"),
        &[
            "3 weights for `web`, which has 4 instances",
            "one weight per instance of `web`: 4",
        ],
    );
}

#[test]
fn refuses_a_zero_weight() {
    expect_rejected(
        "bad-flow-lb-weight-zero.yaml",
        9,
        "0,",
        Some("components.lb.weights[1]"),
        &["a weight of 0", "a positive weight"],
    );
}

#[test]
fn refuses_a_weight_that_is_not_a_number() {
    expect_rejected(
        "bad-flow-lb-weight-text.yaml",
        9,
        "heavy",
        Some("components.lb.weights[1]"),
        &["heavy", "a number"],
    );
}

#[test]
fn refuses_weights_without_weighted() {
    expect_rejected(
        "bad-flow-lb-weights-no-policy.yaml",
        9,
        "weights",
        Some("components.lb.weights"),
        &["`weights` without `policy: weighted`"],
    );
}

#[test]
fn refuses_weighted_without_weights() {
    expect_rejected(
        "bad-flow-lb-weighted-no-weights.yaml",
        8,
        "weighted",
        Some("components.lb.policy"),
        &["`policy: weighted` without `weights`", "weights: [3, 1, 1]"],
    );
}

#[test]
fn refuses_weights_in_front_of_an_autoscaled_pool() {
    expect_rejected(
        "bad-flow-lb-weights-autoscaled.yaml",
        9,
        "[3, 1]",
        Some("components.lb.weights"),
        &["`web` autoscales", "a fixed `instances`"],
    );
}

#[test]
fn refuses_hash_by_with_another_policy() {
    expect_rejected(
        "bad-flow-lb-hash-by-policy.yaml",
        9,
        "hash_by",
        Some("components.lb.hash_by"),
        &["`hash_by` without `policy: consistent_hash`"],
    );
}

#[test]
fn refuses_hash_by_user_without_users() {
    expect_rejected(
        "bad-flow-lb-hash-by-user-no-users.yaml",
        9,
        "user",
        Some("components.lb.hash_by"),
        &["the traffic has no `users`", "users: 10000"],
    );
}

#[test]
fn refuses_a_decay_of_no_time() {
    expect_rejected(
        "bad-flow-lb-decay-zero.yaml",
        9,
        "0s",
        Some("components.lb.decay"),
        &["a decay of no time", "a positive duration"],
    );
}

#[test]
fn refuses_decay_with_another_policy() {
    expect_rejected(
        "bad-flow-lb-decay-no-policy.yaml",
        9,
        "decay",
        Some("components.lb.decay"),
        &["`decay` without `policy: least_response_time`"],
    );
}

#[test]
fn refuses_max_ejected_of_zero() {
    expect_rejected(
        "bad-flow-lb-max-ejected-zero.yaml",
        8,
        "0%",
        Some("components.lb.outlier_detection.max_ejected"),
        &["max_ejected outside (0, 100%]", "at most 100%"],
    );
}

#[test]
fn refuses_max_ejected_above_all() {
    expect_rejected(
        "bad-flow-lb-max-ejected-above.yaml",
        8,
        "150%",
        Some("components.lb.outlier_detection.max_ejected"),
        &["max_ejected outside (0, 100%]: 150%"],
    );
}

#[test]
fn refuses_zero_consecutive_errors() {
    expect_rejected(
        "bad-flow-lb-consecutive-zero.yaml",
        8,
        "0,",
        Some("components.lb.outlier_detection.consecutive_errors"),
        &["0 errors in a row", "from 1 to"],
    );
}

#[test]
fn refuses_an_ejection_of_no_time() {
    expect_rejected(
        "bad-flow-lb-eject-for-zero.yaml",
        8,
        "0s",
        Some("components.lb.outlier_detection.eject_for"),
        &["an ejection of no time", "a positive duration"],
    );
}
