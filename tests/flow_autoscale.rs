//! Autoscaling as Kubernetes' HPA does it ([flow]): the tolerance band, the
//! scale-down stabilization window, `rps_per_instance` settling at
//! `ceil(R / T)`, a queue's consumers scaling on its backlog, and the bad
//! inputs of the new keys.
//!
//! Each check states its expectation and why its margin holds; run with
//! `--nocapture` to see the figures.

use crate::cli::expect_rejected;
use crate::common;
use crate::common::conserved;

use capsim::engine::SimTime;
use capsim::metrics::{EventKind, LoggedEvent};
use capsim::simulation::RunResult;

fn secs(t: SimTime) -> f64 {
    t.as_secs_f64()
}

fn kind_events(r: &RunResult, kind: EventKind) -> Vec<&LoggedEvent> {
    r.log.iter().filter(|e| e.kind == kind).collect()
}

/// A pool of 4-worker instances, 40 ms constant work, reached directly.
const POOL: &str = r#"
duration: DURATION
warmup: 0s
window: 10s
traffic: { to: web, rate: RATE }
components:
  web:
    kind: service
    workers: 4
    instances: START
    service_time: { constant: 40ms }
    autoscale: { min: 1, max: 12, target_utilization: 0.6, every: EVERY, provision: 10s, HPA }
"#;

fn pool(duration: &str, rate: &str, start: u32, every: &str, hpa: &str) -> String {
    POOL.replace("DURATION", duration)
        .replace("RATE", rate)
        .replace("START", &start.to_string())
        .replace("EVERY", every)
        .replace("HPA", hpa)
}

#[test]
fn a_ratio_inside_the_tolerance_band_makes_no_change() {
    // 315/s x 40 ms = 12.6 busy workers = 3.15 instances' worth; 5 serving
    // at a 0.6 target: ratio 3.15 / 5 / 0.6 = 1.05. With tolerance 0 the
    // rule wants ceil(3.15 / 0.6) = ceil(5.25) = 6; with 10% the ratio is
    // inside 1 +/- 0.1 and nothing changes. Noise: over 120 s the work done
    // is 40 ms x Poisson(37,800) arrivals, sd 194 x 0.04 = 7.8 s of 480
    // worker-seconds, 0.016 instance: the ratio's sd is 0.0054, and 0.05
    // (to 1.0 and to 1.1 alike) is 9 sd. At 6 instances the ratio is 0.875,
    // outside the band, but the rule's ceil(5.25) = 6 holds it there.
    let hpa = pool("20m", "315", 5, "120s", "tolerance: 10%");
    let plain = pool("20m", "315", 5, "120s", "tolerance: 0");
    let r = common::run(&hpa, 3);
    let outs = kind_events(&r, EventKind::ScaleOut).len();
    let ins = kind_events(&r, EventKind::ScaleIn).len();
    println!(
        "tolerance 10%: {outs} scale_out, {ins} scale_in; utilisation seen {:?}",
        r.scaling[0].utilization
    );
    assert_eq!((outs, ins), (0, 0), "the band holds the pool: {:?}", r.log);
    assert_eq!(r.scaling[0].steps.len(), 1);
    conserved(&r);
    let r = common::run(&plain, 3);
    let outs = kind_events(&r, EventKind::ScaleOut);
    println!(
        "tolerance 0: {} scale_out at {:?}",
        outs.len(),
        outs.iter().map(|e| secs(e.time)).collect::<Vec<_>>()
    );
    assert_eq!(outs.len(), 1, "{:?}", r.log);
    assert_eq!(secs(outs[0].time), 120.0);
    assert_eq!(r.scaling[0].steps.last().unwrap().1, 6);
    assert!(kind_events(&r, EventKind::ScaleIn).is_empty());
}

#[test]
fn a_scale_in_waits_for_the_stabilization_window() {
    // 400/s (16 busy workers: ceil(4 / 0.6) = 7 instances) drops to 100/s
    // (1 instance's worth: ceil(1.67) = 2) at 10m; decisions every 30 s.
    // Without a window the first scale-in is at the first tick after the
    // drop, 10m30s. With `down: 5m` a tick scales in only when every
    // recommendation newer than 5m ago says so: the 10m tick (its window
    // all at 400/s) said 7, so 14m30s still holds and 15m goes to 2.
    // Noise: the 30 s measure of 400/s is 7 +/- 0.06 in instances before
    // the ceiling (0.33 to 7 is 5 sd), of 100/s 1.67 +/- 0.03.
    let rate = "[ { at: 0s, rps: 400 }, { at: 10m, rps: 100 } ]";
    for (down, first) in [("0s", 630.0), ("5m", 900.0)] {
        let yaml = pool(
            "20m",
            rate,
            7,
            "30s",
            &format!("stabilization: {{ down: {down} }}"),
        );
        let r = common::run(&yaml, 5);
        let ins = kind_events(&r, EventKind::ScaleIn);
        println!(
            "down {down}: scale_in at {:?}; steps {:?}",
            ins.iter().map(|e| secs(e.time)).collect::<Vec<_>>(),
            r.scaling[0]
                .steps
                .iter()
                .map(|s| (secs(s.0), s.1, s.2))
                .collect::<Vec<_>>()
        );
        assert!(
            kind_events(&r, EventKind::ScaleOut).is_empty(),
            "{:?}",
            r.log
        );
        assert_eq!(ins.len(), 1, "one scale-in, to 2: {:?}", r.log);
        assert_eq!(secs(ins[0].time), first);
        assert!(ins[0].detail.contains("7 -> 2"), "{}", ins[0].detail);
        assert_eq!(r.scaling[0].steps.last().unwrap().1, 2);
        conserved(&r);
    }
}

#[test]
fn a_scale_out_waits_for_the_up_window() {
    // The mirror image: 150/s (6 busy workers: ceil(1.5 / 0.6) = 3
    // instances) steps to 270/s (10.8 busy workers, under the 12 of 3
    // instances, so the measure is not capped: ceil(2.7 / 0.6) = ceil(4.5)
    // = 5) at 5m. Without a window the 5m30s tick starts 2 instances; with
    // `up: 1m` a tick scales out only to the lowest recommendation newer
    // than 1m ago: at 5m30s the 5m tick's 3 still counts, at 6m only 5s
    // do. Noise: 2.5 +/- 0.037 and 4.5 +/- 0.05 instances before the
    // ceiling (30 s windows), 10 sd or more from an integer.
    let rate = "[ { at: 0s, rps: 150 }, { at: 5m, rps: 270 } ]";
    for (up, first) in [("0s", 330.0), ("1m", 360.0)] {
        let yaml = pool(
            "10m",
            rate,
            3,
            "30s",
            &format!("stabilization: {{ up: {up} }}"),
        );
        let r = common::run(&yaml, 5);
        let outs = kind_events(&r, EventKind::ScaleOut);
        println!(
            "up {up}: scale_out at {:?}",
            outs.iter()
                .map(|e| (secs(e.time), e.detail.as_str()))
                .collect::<Vec<_>>()
        );
        assert_eq!(outs.len(), 1, "{:?}", r.log);
        assert_eq!(secs(outs[0].time), first);
        assert!(outs[0].detail.contains("3 -> 5"), "{}", outs[0].detail);
        assert!(
            kind_events(&r, EventKind::ScaleIn).is_empty(),
            "{:?}",
            r.log
        );
    }
}

#[test]
fn rps_per_instance_settles_at_the_rate_over_the_target() {
    // Poisson 270/s, target 60/s per instance: ceil(270 / 60) = ceil(4.5) =
    // 5. A decision counts N ~ Poisson(270 x 30 = 8,100) arrivals over 30 s
    // and wants ceil(N / (30 x 60)) = 5 iff 7,200 < N <= 9,000: 900 either
    // side of the mean is 10 standard deviations (sqrt(8,100) = 90), so
    // every decision of the run says 5, from the first (at 30 s) on.
    let yaml = r#"
duration: 15m
warmup: 0s
window: 10s
traffic: { to: web, rate: 270 }
components:
  web:
    kind: service
    workers: 2
    queue: 200
    service_time: { exponential: { mean: 10ms } }
    autoscale: { min: 1, max: 20, metric: rps_per_instance, target: 60, every: 30s, provision: 10s }
"#;
    let want = (270.0_f64 / 60.0).ceil() as u32;
    let r = common::run(yaml, 9);
    let t = &r.scaling[0];
    let outs = kind_events(&r, EventKind::ScaleOut);
    println!(
        "rps 270 / target 60: steps {:?}; first scale_out: {}",
        t.steps
            .iter()
            .map(|s| (secs(s.0), s.1, s.2))
            .collect::<Vec<_>>(),
        outs.first().map_or("", |e| e.detail.as_str())
    );
    assert_eq!(outs.len(), 1, "{:?}", r.log);
    assert_eq!(secs(outs[0].time), 30.0);
    assert!(
        kind_events(&r, EventKind::ScaleIn).is_empty(),
        "{:?}",
        r.log
    );
    let last = *t.steps.last().unwrap();
    assert_eq!((secs(last.0), last.1, last.2), (40.0, want, 0));
    conserved(&r);
}

#[test]
fn a_queues_consumers_scale_out_on_its_backlog_and_back_in() {
    // 50 messages/s, a burst of 400/s from 2m to 4m, then 50/s again.
    // Each consumer instance has 2 workers at 20 ms: 100 messages/s. At
    // 50/s one instance holds about 1 message (M/D/2 at 25% per worker):
    // ceil(1 / 20) = 1. In the burst the backlog grows by 300/s on one
    // instance: about 3,000 at the 2m10s tick, ceil(3,000 / 20) = 150,
    // clamped to 10 (1,000/s): it scales out at once and drains.
    // A backlog is a level, not a rate: at 10 instances it falls to the
    // ~8 messages in progress, which asks for 1, and 1 instance lets it
    // grow back: without a window the pool flaps every few ticks (as KEDA
    // users see). `down: 3m` holds the recommendations of 10 (2m10s, and
    // 2m20s, when the new instances only start) until 5m20s (one counts
    // while newer than now - 3m), past the burst; then every one says 1. Each drained instance is
    // removed only once the queue has stopped handing it messages (it
    // answers `released`) and it is idle.
    let yaml = r#"
duration: 10m
warmup: 0s
window: 5s
traffic:
  to: q
  rate: [ { at: 0s, rps: 50 }, { at: 2m, rps: 400 }, { at: 4m, rps: 50 } ]
components:
  q: { kind: queue, consumers: worker }
  worker:
    kind: service
    workers: 2
    service_time: { constant: 20ms }
    autoscale: { min: 1, max: 10, metric: backlog, target: 20, every: 10s, provision: 10s,
                 stabilization: { down: 3m } }
"#;
    let r = common::run(yaml, 13);
    let t = &r.scaling[0];
    let outs = kind_events(&r, EventKind::ScaleOut);
    let ins = kind_events(&r, EventKind::ScaleIn);
    let removed = kind_events(&r, EventKind::Removed);
    println!(
        "backlog: steps {:?}\n  first scale_out: {}\n  scale_in at {:?}; removed {}",
        t.steps
            .iter()
            .map(|s| (secs(s.0), s.1, s.2))
            .collect::<Vec<_>>(),
        outs.first().map_or("", |e| e.detail.as_str()),
        ins.iter().map(|e| secs(e.time)).collect::<Vec<_>>(),
        removed.len()
    );
    assert_eq!(outs.len(), 1, "{:?}", r.log);
    assert_eq!(secs(outs[0].time), 130.0);
    assert!(outs[0].detail.contains("1 -> 10"), "{}", outs[0].detail);
    let first_in = secs(ins.first().expect("a scale-in after the burst").time);
    assert!(
        (310.0..=320.0).contains(&first_in),
        "first scale_in at {first_in}"
    );
    assert_eq!(t.steps.last().unwrap().1, 1, "back to one instance");
    assert_eq!(removed.len(), 9, "every added instance drained and removed");
    let all = r.summary.last().unwrap();
    assert_eq!(all.failed + all.rejected + all.timed_out, 0, "{all:?}");
    conserved(&r);
}

#[test]
fn an_event_stays_as_small_as_before() {
    // 12 bytes at the start commit: a handle (8 bytes, 4-aligned) and an
    // outcome, or two ids and a flag, plus the tag. `Backlog` is two ids,
    // as `Released`: the event list must not grow.
    assert_eq!(std::mem::size_of::<capsim::components::Event>(), 12);
}

// ---------------------------------------------------------------------------
// Bad fixtures: one per rule.

#[test]
fn rejects_a_tolerance_of_one() {
    expect_rejected(
        "bad-flow-scale-tolerance.yaml",
        8,
        "100%",
        Some("components.web.autoscale.tolerance"),
        &["HPA tolerance outside [0, 1)", "such as `10%`"],
    );
}

#[test]
fn rejects_an_unknown_metric() {
    expect_rejected(
        "bad-flow-scale-metric.yaml",
        8,
        "latency",
        Some("components.web.autoscale.metric"),
        &[
            "`latency` is not a metric",
            "`rps_per_instance`, `queue_len`",
        ],
    );
}

#[test]
fn rejects_target_with_target_utilization() {
    expect_rejected(
        "bad-flow-scale-both-targets.yaml",
        8,
        "0.6, every",
        Some("components.web.autoscale.target_utilization"),
        &["both `target` and `target_utilization`", "one of `target`"],
    );
}

#[test]
fn rejects_no_target() {
    expect_rejected(
        "bad-flow-scale-no-target.yaml",
        8,
        "{ min",
        Some("components.web.autoscale"),
        &["no `target`", "`target_utilization: 60%`"],
    );
}

#[test]
fn rejects_target_utilization_with_another_metric() {
    expect_rejected(
        "bad-flow-scale-alias-other-metric.yaml",
        8,
        "0.6",
        Some("components.web.autoscale.target_utilization"),
        &[
            "a metric other than `utilization`",
            "`target:` for this metric",
        ],
    );
}

#[test]
fn rejects_a_negative_rps_target() {
    expect_rejected(
        "bad-flow-scale-rps-target.yaml",
        8,
        "-5",
        Some("components.web.autoscale.target"),
        &[
            "a target of -5 per instance",
            "a positive value per instance",
        ],
    );
}

#[test]
fn rejects_a_utilization_target_above_one() {
    expect_rejected(
        "bad-flow-scale-utilization-above-one.yaml",
        8,
        "1.5",
        Some("components.web.autoscale.target"),
        &["a target utilisation of 1.5 is above 1", "at most 1"],
    );
}

#[test]
fn rejects_backlog_without_a_queue() {
    expect_rejected(
        "bad-flow-scale-backlog-no-queue.yaml",
        8,
        "backlog",
        Some("components.web.autoscale.metric"),
        &[
            "no queue has this service as its `consumers`",
            "`queue_len`",
        ],
    );
}

#[test]
fn rejects_rps_on_a_queues_consumers() {
    expect_rejected(
        "bad-flow-scale-consumer-rps.yaml",
        9,
        "rps_per_instance",
        Some("components.worker.autoscale.metric"),
        &["consumes the queue `q`", "`metric: backlog`"],
    );
}

#[test]
fn rejects_a_negative_stabilization_window() {
    expect_rejected(
        "bad-flow-scale-stabilization-negative.yaml",
        8,
        "-5m",
        Some("components.web.autoscale.stabilization.down"),
        &["`-5m` is negative"],
    );
}
