//! Faults against what they must cost: health-check detection times, the
//! requests sent to a dead instance before it is detected, writes lost in a
//! failover, the availability of randomly failing instances, the drain of a
//! backlog after a slowdown and after a consumer crash, and conservation of
//! requests and messages through every kind of fault.
//!
//! Each check states its expectation, its noise and why the tolerance is
//! several standard errors wide, as the other theory checks do.

use crate::common;

use capsim::engine::{SimDuration, SimTime};
use capsim::metrics::{DataSummary, EventKind, RecoveryRow};
use capsim::simulation::RunResult;

fn secs(t: SimTime) -> f64 {
    t.as_secs_f64()
}

fn only_row(r: &RunResult) -> &RecoveryRow {
    assert_eq!(r.recovery.len(), 1, "{:?}", r.recovery);
    &r.recovery[0]
}

const POOL: &str = r#"
duration: DURATION
traffic: { to: lb, rate: RATE }
components:
  lb:
    kind: load_balancer
    to: web
    policy: POLICY
    HEALTH
  web: { kind: service, instances: 4, workers: 8, service_time: { exponential: { mean: 2ms } } }
faults:
  - { at: AT, crash: web.2, FOR }
"#;

fn pool(
    duration: &str,
    rate: f64,
    policy: &str,
    health: Option<(&str, u32)>,
    at: &str,
    for_: Option<&str>,
) -> String {
    POOL.replace("DURATION", duration)
        .replace("RATE", &rate.to_string())
        .replace("POLICY", policy)
        .replace(
            "HEALTH",
            &match health {
                Some((i, f)) => format!("health_check: {{ interval: {i}, failures: {f} }}"),
                None => String::new(),
            },
        )
        .replace("AT", at)
        .replace(
            ", FOR",
            &for_.map(|d| format!(", for: {d}")).unwrap_or_default(),
        )
}

/// Checks run at k x interval; a crash at t is seen by the first check after
/// it and marked down by the `failures`-th: (failures - 1) x interval <
/// time to detect <= failures x interval, exactly.
#[test]
fn detection_takes_failures_checks_within_one_interval() {
    for (interval, failures, at) in [
        (2.0f64, 3u32, 10.3f64),
        (5.0, 2, 31.0),
        (1.0, 1, 7.999),
        (10.0, 3, 40.0001),
    ] {
        let y = pool(
            "120s",
            200.0,
            "round_robin",
            Some((&format!("{interval}s"), failures)),
            &format!("{at}s"),
            None,
        );
        let r = common::run(&y, 1);
        let row = only_row(&r);
        let ttd = row.time_to_detect().expect("detected");
        let expected = (at / interval).floor() * interval + failures as f64 * interval - at;
        println!(
            "interval {interval} s, failures {failures}, crash at {at} s: detected after {ttd:.4} s \
             (checks at k x interval: {expected:.4} s; bounds ({:.1}, {:.1}] s)",
            (failures - 1) as f64 * interval,
            failures as f64 * interval
        );
        assert!((ttd - expected).abs() < 1e-6, "{ttd} vs {expected}");
        assert!(ttd > (failures - 1) as f64 * interval && ttd <= failures as f64 * interval);
        let detected: Vec<_> = r
            .log
            .iter()
            .filter(|e| e.kind == EventKind::Detected)
            .collect();
        assert_eq!(detected.len(), 1);
        assert_eq!(detected[0].target, "web.2");
    }
}

/// Until the balancer marks the dead instance down, the share of requests
/// it sends there fails: with `random` picks, failures in [crash, detect)
/// are Poisson with mean rate x 1/4 x time to detect. After detection none
/// fail. Without a health check they fail for the whole outage.
#[test]
fn requests_fail_at_the_dead_share_until_detection() {
    let rate = 1000.0;
    // interval 10 s x 3 failures, crash at 100.5 s: detected at 130 s.
    let y = pool("200s", rate, "random", Some(("10s", 3)), "100.5s", None);
    let r = common::run(&y, 3);
    let row = only_row(&r);
    let ttd = row.time_to_detect().unwrap();
    let expected = rate * 0.25 * ttd;
    let failed = r.summary.last().unwrap().failed as f64;
    let sd = expected.sqrt();
    println!(
        "failed before detection: {failed} vs rate x 1/4 x {ttd} s = {expected:.0} \
         (Poisson sd {sd:.1}; tolerance 4 sd)"
    );
    assert!((failed - expected).abs() <= 4.0 * sd);
    assert_eq!(row.requests_failed as f64, failed);

    // No health check: the whole 60 s outage.
    let y = pool("200s", rate, "random", None, "100.5s", Some("60s"));
    let r = common::run(&y, 3);
    let failed = r.summary.last().unwrap().failed as f64;
    let expected = rate * 0.25 * 60.0;
    let sd = expected.sqrt();
    println!(
        "failed without a health check: {failed} vs rate x 1/4 x 60 s = {expected:.0} (sd {sd:.1})"
    );
    assert!((failed - expected).abs() <= 4.0 * sd);
    assert!(only_row(&r).detected.is_none());
}

/// A health check's detection shows in the log and the instance is marked
/// up at the first check after its repair.
#[test]
fn an_instance_is_marked_up_after_a_passing_check() {
    let y = pool(
        "120s",
        100.0,
        "round_robin",
        Some(("5s", 2)),
        "20.5s",
        Some("30s"),
    );
    let r = common::run(&y, 1);
    let kinds: Vec<(EventKind, f64)> = r.log.iter().map(|e| (e.kind, secs(e.time))).collect();
    assert_eq!(
        kinds,
        vec![
            (EventKind::Fault, 20.5),
            (EventKind::Detected, 30.0),
            (EventKind::FaultEnd, 50.5),
            (EventKind::Restored, 55.0),
        ]
    );
}

const FAILOVER: &str = r#"
duration: 30s
traffic:
  to: db
  arrivals: ARRIVALS
  rate: RATE
  requests:
    w: { weight: 1, op: write, key: { uniform: { keys: 100000 } } }
    READS
components:
  db:
    kind: database
    replicas: 2
    read_from: replicas
    replication: { mode: MODE, lag: LAG }
    failover: { detect: 2s, promote: 3s }
    workers: 64
    read_time: 1ms
    write_time: 1ms
faults:
  - { at: 10s, crash: db.shard0.primary }
"#;

/// Writes only at 1000/s, or writes and reads at 1000/s each.
fn failover(arrivals: &str, mode: &str, lag: &str) -> String {
    let (rate, reads) = if arrivals == "uniform" {
        ("1000", "")
    } else {
        (
            "2000",
            "r: { weight: 1, op: read, key: { uniform: { keys: 100000 } } }",
        )
    };
    FAILOVER
        .replace("RATE", rate)
        .replace("READS", reads)
        .replace("ARRIVALS", arrivals)
        .replace("MODE", mode)
        .replace("LAG", lag)
}

/// Under async replication with a constant lag L, the replicas have every
/// write committed more than L before the crash: the writes lost are those
/// acknowledged in the last L. With evenly spaced writes only (1000/s, a
/// constant 1 ms write, no queueing) that is exactly 1000 x L, give or take
/// the one write on the boundary.
#[test]
fn lost_writes_are_those_acknowledged_in_the_last_lag() {
    for (lag, expected) in [("100ms", 100.0), ("250ms", 250.0), ("1s", 1000.0)] {
        let r = common::run(&failover("uniform", "async", lag), 1);
        let row = only_row(&r);
        let lost = row.lost_writes.unwrap() as f64;
        println!("async, lag {lag}: {lost} writes lost, expected {expected} (+-1)");
        assert!((lost - expected).abs() <= 1.0);
        assert_eq!(row.time_to_detect(), Some(2.0));
        let promoted = r
            .log
            .iter()
            .find(|e| e.kind == EventKind::Promoted)
            .expect("promoted");
        assert_eq!(secs(promoted.time), 15.0);
        assert_eq!(promoted.target, "db.shard0.replica0");
    }
    // Poisson writes (1000/s of 2000/s): lost ~ Poisson(100) per crash, a
    // standard error of 10% a run, 1.1% over 80.
    let (est, _) = common::replicate(&failover("poisson", "async", "100ms"), 80, |r| {
        only_row(r).lost_writes.unwrap() as f64
    });
    common::check(
        "lost writes, Poisson writes, lag 100 ms",
        "writes",
        &est,
        100.0,
        0.05,
    );
}

/// Sync and semi-sync acknowledge only what a replica has, and the most
/// up-to-date replica is promoted: nothing acknowledged is lost. Writes fail
/// from the crash to the promotion (5 s at 1000 writes/s), reads carry on.
#[test]
fn no_writes_are_lost_under_sync_or_semi_sync() {
    for mode in ["sync", "semi_sync"] {
        for lag in ["100ms", "{ exponential: { mean: 50ms } }"] {
            let r = common::run(&failover("poisson", mode, lag), 2);
            let row = only_row(&r);
            println!(
                "{mode}, lag {lag}: lost {:?}, writes failed {}, reads failed {}",
                row.lost_writes, r.summary[0].failed, r.summary[1].failed
            );
            assert_eq!(row.lost_writes, Some(0));
            assert_eq!(r.summary[1].failed, 0, "reads go on from the replicas");
            // 5 s of writes at 1000/s fail: Poisson sd 71, 4 sd.
            assert!((r.summary[0].failed as f64 - 5000.0).abs() <= 4.0 * 5000f64.sqrt() + 64.0);
        }
    }
}

/// Each instance alternates exponential up times (mean MTTF) and repairs
/// (mean MTTR): the long-run share of time up is MTTF / (MTTF + MTTR).
/// 200 instances over 10 hours, MTTF 100 s, MTTR 50 s: about 48,000
/// failures; the standard deviation of the measured share is
/// sqrt((sf^2 mr^2 + sr^2 mf^2) / (mf + mr)^3 / T) = 0.0014 (alternating
/// renewal process, T = 7.2 million instance-seconds).
#[test]
fn random_failures_leave_instances_up_mttf_over_mttf_plus_mttr() {
    let y = r#"
duration: 10h
window: 1m
traffic: { to: web, rate: 1 }
components:
  web: { kind: service, instances: 200, service_time: 1ms }
faults:
  - { random: crash, target: web, mttf: 100s, mttr: 50s }
"#;
    let r = common::run(y, 1);
    let end = SimTime::ZERO + SimDuration::from_secs(36_000);
    let down: f64 = r
        .recovery
        .iter()
        .map(|x| (x.end.unwrap_or(end) - x.start).as_secs_f64())
        .sum();
    let up = 1.0 - down / (200.0 * 36_000.0);
    let theory = 100.0 / 150.0;
    let sd = ((100f64.powi(2) * 50f64.powi(2) * 2.0) / 150f64.powi(3) / (200.0 * 36_000.0)).sqrt();
    println!(
        "{} failures; share of time up {up:.5} vs MTTF/(MTTF+MTTR) = {theory:.5} (sd {sd:.5}, tolerance 4 sd)",
        r.recovery.len()
    );
    assert!((up - theory).abs() <= 4.0 * sd);
    // About 7.2e6 / 150 = 48,000 failures.
    assert!((r.recovery.len() as f64 - 48_000.0).abs() < 48_000.0 * 0.03);
}

/// A slowdown of every instance below the arrival rate builds a backlog
/// that drains after it: 4 instances x 10 ms behind round robin, 300 evenly
/// spaced requests/s (75 each, capacity 100 each); slowed x2 for 20 s each
/// instance serves 50/s, so 25/s pile up: 500 each. Afterwards they drain at
/// 25/s; a request waits (backlog x 10 ms), so the SLO's p99 <= 100 ms holds
/// again once 10 are left: fluid recovery at end + (500 - 10) / 25 = 19.6 s,
/// seen from the first whole good window.
#[test]
fn recovery_after_a_backlog_matches_the_fluid_drain_time() {
    let y = r#"
duration: 120s
traffic: { to: lb, arrivals: uniform, rate: 300 }
components:
  lb: { kind: load_balancer, to: web, policy: round_robin }
  web: { kind: service, instances: 4, service_time: 10ms }
slo: { p99: 100ms, hold: 3 }
faults:
  - { at: 30s, slow: web, factor: 2, for: 20s }
"#;
    let r = common::run(y, 1);
    let row = only_row(&r);
    let fluid = 50.0 + (500.0 - 10.0) / 25.0;
    let recovered = secs(row.recovered.expect("recovered"));
    println!(
        "recovered at {recovered} s; fluid model {fluid} s (windows of 1 s: the first whole good one)"
    );
    assert!(recovered >= fluid && recovered <= fluid + 1.0);
    assert_eq!(row.time_to_recover(), Some(recovered - 30.0));
    assert_eq!(row.requests_failed, 0);
}

/// A consumer crash leaves a backlog in the queue that drains afterwards:
/// 500 messages/s into 4 consumers of 2 workers x 10 ms (800/s); 3 of them
/// down for 20 s leave 200/s, so 300/s pile up (6,000), then drain at
/// 300/s (20 s). Messages in progress on the crashed consumers come back
/// and are counted as redelivered; none is lost.
#[test]
fn a_consumer_crash_leaves_a_backlog_that_drains_like_the_fluid_model() {
    let y = r#"
duration: 120s
traffic:
  to: q
  rate: 500
  requests: { m: { key: { uniform: { keys: 10 } } } }
components:
  q: { kind: queue, consumers: worker }
  worker: { kind: service, instances: 4, workers: 2, service_time: 10ms }
faults:
  - { at: 30s, crash: worker, instances: 3, for: 20s }
"#;
    let (est_peak, runs) = common::replicate(y, 40, |r| queue(r).1 as f64);
    common::check(
        "backlog at the consumers' repair",
        "messages",
        &est_peak,
        6000.0,
        0.02,
    );
    let drains: Vec<f64> = runs
        .iter()
        .map(|r| queue(r).3.expect("drained") - 50.0)
        .collect();
    let est = common::estimate(&drains);
    common::check("drain after the repair", "s", &est, 20.0, 0.03);
    for r in &runs {
        let (published, _, consumed, _, held, _) = queue(r);
        assert_eq!(published, consumed + held, "conservation: {:?}", queue(r));
    }
    // Redelivered: the messages in progress on the 3 crashed consumers, by
    // Little's law 500/s x 3/4 x 10 ms = 3.75 a run (Poisson-like noise:
    // over 40 runs the standard error is about 8%).
    let redelivered: Vec<f64> = runs.iter().map(|r| queue(r).5 as f64).collect();
    common::check(
        "messages redelivered after the crash",
        "messages",
        &common::estimate(&redelivered),
        3.75,
        0.4,
    );
}

/// Published, peak backlog, consumed, drained at (s), held at the end,
/// redelivered.
fn queue(r: &RunResult) -> (u64, u64, u64, Option<f64>, u64, u64) {
    r.data
        .iter()
        .find_map(|d| match d {
            DataSummary::Queue {
                published,
                consumed,
                peak_backlog,
                drained_at,
                held_at_end,
                redelivered,
                ..
            } => Some((
                *published,
                *peak_backlog,
                *consumed,
                drained_at.map(secs),
                *held_at_end,
                *redelivered,
            )),
            _ => None,
        })
        .expect("a queue")
}

/// Every kind of fault at once on a system with every kind of component:
/// every request sent has exactly one outcome or is still in flight, every
/// message published is consumed or still held, and the same seed gives the
/// same run.
#[test]
fn requests_and_messages_are_conserved_through_every_fault() {
    let y = r#"
duration: 90s
traffic:
  to: lb
  rate: 1500
  client: { timeout: 500ms }
  requests:
    read: { weight: 8, op: read, key: { zipf: { keys: 10000, exponent: 1.0 } } }
    write: { weight: 2, op: write, key: { uniform: { keys: 10000 } } }
components:
  lb: { kind: load_balancer, to: web, policy: least_connections, health_check: { interval: 2s, failures: 2 } }
  web:
    kind: service
    instances: 4
    workers: 16
    service_time: { exponential: { mean: 3ms } }
    calls: [cache, { to: events, when: write }]
  cache: { kind: cache, instances: 2, capacity: 2000, hit_time: 200us, on_miss: db }
  db:
    kind: database
    shards: 2
    replicas: 2
    read_from: replicas
    replication: { mode: async, lag: { exponential: { mean: 20ms } } }
    failover: { detect: 3s, promote: 2s }
    workers: 16
    read_time: { exponential: { mean: 2ms } }
    write_time: { exponential: { mean: 4ms } }
  events: { kind: queue, capacity: 5000, consumers: worker }
  worker: { kind: service, instances: 2, workers: 4, service_time: { exponential: { mean: 5ms } }, calls: [db] }
slo: { p99: 100ms, error_rate: 1% }
faults:
  - { at: 10s, crash: web, instances: 2, for: 15s }
  - { at: 15s, slow: db, factor: 4, for: 10s }
  - { at: 20s, errors: cache.node1, share: 30%, for: 10s }
  - { at: 30s, flush: cache }
  - { at: 35s, crash: db.shard1.primary }
  - { at: 40s, partition: [web, events], for: 5s }
  - { at: 45s, delay: [cache, db], extra: 20ms, for: 10s }
  - { at: 50s, crash: worker.1, for: 10s }
  - { at: 55s, crash: events, for: 5s }
  - { at: 60s, crash: cache.node0, for: 5s }
  - { at: 62s, crash: lb, for: 3s }
  - { at: 0s, random: crash, target: db.shard0.replica1, mttf: 10s, mttr: 3s }
"#;
    let a = common::run(y, 5);
    let b = common::run(y, 5);
    let ended: u64 = a.requests_ended.iter().sum();
    println!(
        "sent {}, ended {:?} (ok, rejected, timed out, failed), in flight {}; {} events logged, {} recovery rows",
        a.requests_sent,
        a.requests_ended,
        a.in_flight,
        a.log.len(),
        a.recovery.len()
    );
    assert_eq!(a.requests_sent, ended + a.in_flight);
    assert!(a.requests_ended[3] > 0, "faults fail requests");
    let (published, _, consumed, _, held, _) = queue(&a);
    assert_eq!(published, consumed + held);
    assert_eq!(a.summary, b.summary);
    assert_eq!(a.log, b.log);
    assert_eq!(a.recovery, b.recovery);
    let promoted = a
        .log
        .iter()
        .filter(|e| e.kind == EventKind::Promoted)
        .count();
    assert!(promoted >= 1);
    assert!(a.slo.as_ref().unwrap().breached > 0);
}
