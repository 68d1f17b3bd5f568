//! Autoscaling and rate limits against what their rules imply: the instance
//! count a steady load settles at, the provisioning delay, `min` and the
//! cooldown, draining without failures, the token bucket's admissions, the
//! bill against the events, and determinism.
//!
//! Each check states its expectation and why its tolerance holds; run with
//! `--nocapture` to see the figures.

use crate::common;
use crate::common::conserved;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use capsim::engine::SimTime;
use capsim::metrics::{EventKind, LoggedEvent};
use capsim::simulation::RunResult;

/// A pool behind `FRONT` (`lb` or the pool itself) with an autoscaler.
const POOL: &str = r#"
duration: DURATION
warmup: 0s
window: 10s
traffic: { to: FRONT, rate: RATE }
sizes: { m: { cores: 4, cost_per_hour: 0.36 } }
components:
  lb: { kind: load_balancer, to: web, policy: least_connections }
  web:
    kind: service
    size: m
    service_time: { exponential: { mean: 40ms } }
    autoscale: { min: MIN, max: MAX, target_utilization: 0.6, every: 30s, provision: 90s, cooldown: COOLDOWN }
"#;

fn pool(duration: &str, rate: &str, min: u32, max: u32, cooldown: &str, lb: bool) -> String {
    POOL.replace("DURATION", duration)
        .replace("RATE", rate)
        .replace("MIN", &min.to_string())
        .replace("MAX", &max.to_string())
        .replace("COOLDOWN", cooldown)
        .replace("FRONT", if lb { "lb" } else { "web" })
}

fn secs(t: SimTime) -> f64 {
    t.as_secs_f64()
}

fn kind_events(r: &RunResult, kind: EventKind) -> Vec<&LoggedEvent> {
    r.log.iter().filter(|e| e.kind == kind).collect()
}

/// The instances a `scale_out` event starts, from its detail.
fn started(e: &LoggedEvent) -> Vec<String> {
    e.detail
        .split("starting ")
        .nth(1)
        .unwrap_or("")
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn a_steady_load_settles_at_the_count_the_rule_implies() {
    // Offered load 500/s x 40 ms = 20 busy workers; 4 workers per instance
    // at a 60% target: 20 / (4 x 0.6) = 8.33, so 9 instances. The measured
    // demand over a 30 s interval has a standard deviation of about 0.25
    // busy workers (0.1 instance after dividing by 2.4), so the 0.67
    // instance to either integer is more than 6 standard deviations: a
    // settled pool never moves.
    let cases = [
        // (rate, min, max, expected)
        (500.0_f64, 2, 20, 9),
        // Clamped at max: 6 instances (24 workers) carry the 20.
        (500.0, 2, 6, 6),
        // Clamped at min: 50/s is 2 busy workers, 1 instance by the rule.
        (50.0, 3, 20, 3),
    ];
    for (rate, min, max, want) in cases {
        let implied = (rate * 0.040 / (4.0 * 0.6)).ceil() as u32;
        assert_eq!(implied.clamp(min, max), want);
        for lb in [true, false] {
            let r = common::run(&pool("30m", &rate.to_string(), min, max, "0s", lb), 7);
            let t = &r.scaling[0];
            let (_, serving, provisioning) = *t.steps.last().unwrap();
            // Settled: no change in the last 15 minutes.
            let last_change = secs(t.steps.last().unwrap().0);
            println!(
                "rate {rate}/s, {min}..{max}, balancer {lb}: settled at {serving} \
                 (+{provisioning} provisioning) from {last_change} s; rule: {want}; steps {:?}",
                t.steps
                    .iter()
                    .map(|s| (secs(s.0), s.1, s.2))
                    .collect::<Vec<_>>()
            );
            assert_eq!((serving, provisioning), (want, 0));
            assert!(last_change <= 900.0, "still changing at {last_change} s");
            conserved(&r);
        }
    }
}

#[test]
fn no_instance_takes_traffic_before_its_provisioning_delay() {
    // A step from 100/s to 900/s at 5m and back at 15m: several scale-outs.
    let yaml = pool(
        "25m",
        "[ { at: 0s, rps: 100 }, { at: 5m, rps: 900 }, { at: 15m, rps: 100 } ]",
        2,
        30,
        "0s",
        true,
    );
    let r = common::run(&yaml, 11);
    let mut decided: BTreeMap<String, SimTime> = BTreeMap::new();
    let mut checked = 0;
    for e in &r.log {
        match e.kind {
            EventKind::ScaleOut => {
                for i in started(e) {
                    decided.insert(i, e.time);
                }
            }
            EventKind::Ready => {
                let at = decided
                    .remove(&e.target)
                    .unwrap_or_else(|| panic!("{} ready without a scale_out", e.target));
                let waited = secs(e.time) - secs(at);
                assert!(
                    e.time.nanos() >= at.nanos() + 90_000_000_000,
                    "{} ready {waited} s after its scale_out",
                    e.target
                );
                checked += 1;
            }
            _ => {}
        }
    }
    println!("{checked} instances became ready, each 90 s after its scale_out");
    assert!(checked >= 5, "the step must start several instances");
    conserved(&r);
}

#[test]
fn never_below_min_and_no_decision_during_cooldown() {
    // Up and down twice with a 3-minute cooldown and decisions every 30 s.
    let yaml = pool(
        "40m",
        "[ { at: 0s, rps: 100 }, { at: 5m, rps: 800 }, { at: 12m, rps: 50 }, { at: 22m, rps: 800 }, { at: 30m, rps: 50 } ]",
        3,
        30,
        "3m",
        true,
    );
    let r = common::run(&yaml, 5);
    let t = &r.scaling[0];
    for &(at, s, p) in &t.steps {
        assert!(
            s + p >= 3,
            "{} instances committed at {} s",
            s + p,
            secs(at)
        );
    }
    let decisions: Vec<&LoggedEvent> = r
        .log
        .iter()
        .filter(|e| matches!(e.kind, EventKind::ScaleOut | EventKind::ScaleIn))
        .collect();
    let gaps: Vec<f64> = decisions
        .windows(2)
        .map(|w| secs(w[1].time) - secs(w[0].time))
        .collect();
    println!(
        "{} decisions, gaps {gaps:?} s (cooldown 180 s); lowest committed {}",
        decisions.len(),
        t.steps.iter().map(|s| s.1 + s.2).min().unwrap()
    );
    assert!(decisions.len() >= 4, "both directions, twice");
    assert!(kind_events(&r, EventKind::ScaleIn).len() >= 2);
    assert!(gaps.iter().all(|&g| g >= 180.0), "{gaps:?}");
    conserved(&r);
}

#[test]
fn scale_in_drains_without_failing_a_request() {
    // A long peak then a trough: many instances drain, with and without a
    // balancer; no queue limit and no timeout, so any request lost by a
    // removal would show as failed or rejected (or never end).
    for lb in [true, false] {
        let yaml = pool(
            "30m",
            "[ { at: 0s, rps: 900 }, { at: 10m, rps: 60 } ]",
            1,
            40,
            "0s",
            lb,
        );
        let r = common::run(&yaml, 3);
        let all = r.summary.last().unwrap();
        let drained = r
            .log
            .iter()
            .filter(|e| e.kind == EventKind::Removed && e.detail.starts_with("drained"))
            .count();
        println!(
            "balancer {lb}: {drained} instances drained and removed; requests {}, ok {}, \
             failed {}, rejected {}, in flight {}",
            all.requests, all.ok, all.failed, all.rejected, r.in_flight
        );
        assert!(drained >= 5, "the trough must drain instances");
        assert_eq!(all.failed, 0);
        assert_eq!(all.rejected, 0);
        conserved(&r);
        // Every drained instance was draining (a scale_in named it) first.
        for e in kind_events(&r, EventKind::Removed) {
            assert!(
                r.log.iter().any(|d| d.kind == EventKind::ScaleIn
                    && d.time <= e.time
                    && d.detail.split([' ', ';']).any(|w| w == e.target)),
                "{} removed without a scale_in",
                e.target
            );
        }
    }
}

#[test]
fn instances_that_do_not_serve_get_no_requests() {
    // components.csv rows exist for every slot up to max; a slot never
    // started completes nothing, with a balancer and with the pool's own pick.
    for lb in [true, false] {
        let (r, sink) = common::run_rows(&pool("10m", "100", 2, 12, "0s", lb), 9);
        let ever: u32 = r.scaling[0].steps.iter().map(|s| s.1 + s.2).max().unwrap();
        let web = 1;
        let mut per: BTreeMap<u32, u64> = BTreeMap::new();
        for row in sink.components.iter().filter(|c| c.component == web) {
            if let Some(i) = row.instance {
                *per.entry(i).or_default() += row.completed;
            }
        }
        println!("balancer {lb}: at most {ever} instances ran; completed per slot {per:?}");
        assert_eq!(per.len(), 12, "a row per slot up to max");
        for (&i, &done) in &per {
            if i >= ever {
                assert_eq!(done, 0, "slot {i} never ran");
            } else {
                assert!(done > 0, "slot {i} served");
            }
        }
    }
}

#[test]
fn the_bill_is_the_instance_time_between_provisioning_and_removal() {
    let yaml = pool(
        "25m",
        "[ { at: 0s, rps: 100 }, { at: 5m, rps: 900 }, { at: 15m, rps: 100 } ]",
        2,
        30,
        "0s",
        true,
    );
    let r = common::run(&yaml, 13);
    let end = 25.0 * 60.0;
    // Billing per instance from the events: the two first from 0; others
    // from their scale_out; each until `removed` or the end.
    let mut since: BTreeMap<String, f64> = BTreeMap::new();
    since.insert("web.0".into(), 0.0);
    since.insert("web.1".into(), 0.0);
    let mut billed = 0.0;
    for e in &r.log {
        match e.kind {
            EventKind::ScaleOut => {
                for i in started(e) {
                    assert!(since.insert(i, secs(e.time)).is_none());
                }
            }
            EventKind::Removed => {
                let from = since.remove(&e.target).expect("a running instance");
                billed += secs(e.time) - from;
            }
            _ => {}
        }
    }
    billed += since.values().map(|from| end - from).sum::<f64>();
    let expected = billed / 3600.0 * 0.36;
    let got = r.cost_total.unwrap();
    println!(
        "billed {billed:.3} instance-seconds: {expected:.6} at 0.36/hour; capsim says {got:.6} \
         ({:.4} per hour on average)",
        r.cost_per_hour.unwrap()
    );
    assert!((got - expected).abs() < 1e-9 * expected.max(1.0));
    assert!((r.cost_per_hour.unwrap() - got / (end / 3600.0)).abs() < 1e-12);
}

/// A pool of one big instance behind `lb` with a token bucket.
const LIMITED: &str = r#"
duration: DURATION
warmup: 0s
window: 10s
traffic: { to: lb, rate: RATE, arrivals: ARRIVALS }
components:
  lb: { kind: load_balancer, to: web, rate_limit: { rps: 50, burst: 20 } }
  web: { kind: service, workers: 1000, service_time: { exponential: { mean: 1ms } } }
"#;

#[test]
fn the_token_bucket_admits_its_rate_plus_its_burst() {
    // Evenly spaced arrivals at 200/s for 100 s against 50/s with a burst of
    // 20: the bucket starts full and every token is taken as soon as it is
    // whole, so exactly 50 x 100 + 20 = 5020 get in, give or take the last
    // token's fraction.
    let yaml = LIMITED
        .replace("DURATION", "100s")
        .replace("RATE", "200")
        .replace("ARRIVALS", "uniform");
    let r = common::run(&yaml, 1);
    let all = r.summary.last().unwrap();
    let admitted = all.requests - all.rejected;
    println!(
        "uniform 200/s for 100 s: {} sent, {admitted} admitted, expected 5020 (-1)",
        all.requests
    );
    assert!((5019..=5020).contains(&admitted), "{admitted}");
    conserved(&r);

    // Poisson at 200/s for 1000 s: the bucket (20 tokens, 0.4 s to refill)
    // is full only after a gap of 0.4 s without arrivals, which at 200/s
    // has probability e^-80: no token is wasted. The shortfall is the
    // tokens left at the end, 50 x (time since the last arrival), mean
    // 0.25 token: admitted is 50,020 or 50,019 in all but freak runs; allow
    // 3.
    let yaml = LIMITED
        .replace("DURATION", "1000s")
        .replace("RATE", "200")
        .replace("ARRIVALS", "poisson");
    for seed in [1, 2, 3] {
        let r = common::run(&yaml, seed);
        let all = r.summary.last().unwrap();
        let admitted = all.requests - all.rejected;
        println!(
            "poisson 200/s for 1000 s, seed {seed}: {} sent, {admitted} admitted, expected 50020",
            all.requests
        );
        assert!((50_017..=50_020).contains(&admitted), "{admitted}");
        conserved(&r);
    }
}

#[test]
fn a_services_rate_limit_is_per_instance() {
    // Four instances each allowing 25/s (burst 5), picked at random for
    // 400/s: each sees about 100/s, four times its limit, so each admits
    // 25 x 200 + 5 = 5005 over 200 s: 20,020 in all (each bucket may keep
    // a fraction of a token at the end: allow 4 each).
    let yaml = r#"
duration: 200s
warmup: 0s
traffic: { to: web, rate: 400 }
components:
  web:
    kind: service
    instances: 4
    workers: 100
    service_time: { exponential: { mean: 1ms } }
    rate_limit: { rps: 25, burst: 5 }
"#;
    let r = common::run(yaml, 4);
    let all = r.summary.last().unwrap();
    let admitted = all.requests - all.rejected;
    println!(
        "4 instances at 25/s each: {} sent, {admitted} admitted, expected 20020",
        all.requests
    );
    assert!((20_004..=20_020).contains(&admitted), "{admitted}");
    conserved(&r);
}

#[test]
fn autoscaled_runs_repeat_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("scaling.yaml");
    let yaml = format!(
        "name: scaling\n{}\nfaults:\n  - {{ at: 6m, crash: web.1, for: 1m }}\n",
        pool(
            "15m",
            "[ { at: 0s, rps: 100 }, { at: 4m, rps: 700 }, { at: 10m, rps: 100 } ]",
            2,
            20,
            "1m",
            true
        )
        .replace(
            "policy: least_connections",
            "policy: least_connections, health_check: { interval: 5s }"
        )
    );
    std::fs::write(&file, yaml).unwrap();
    let run = |out: &Path| {
        let o = Command::new(env!("CARGO_BIN_EXE_capsim"))
            .args([
                "run".as_ref(),
                file.as_os_str(),
                "--out".as_ref(),
                out.as_os_str(),
                "-q".as_ref(),
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&a);
    run(&b);
    let dir = |d: &Path| d.join("scaling").join("base");
    let mut names: Vec<String> = std::fs::read_dir(dir(&a))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for f in [
        "events.csv",
        "summary.csv",
        "components.csv",
        "autoscale.png",
    ] {
        assert!(names.iter().any(|n| n == f), "{f} missing: {names:?}");
    }
    for f in &names {
        let (x, y) = (
            std::fs::read(dir(&a).join(f)).unwrap(),
            std::fs::read(dir(&b).join(f)).unwrap(),
        );
        assert!(x == y, "{f} differs between two runs");
    }
    let events = std::fs::read_to_string(dir(&a).join("events.csv")).unwrap();
    for kind in [
        "scale_out",
        "ready",
        "scale_in",
        "removed",
        "fault",
        "detected",
    ] {
        assert!(
            events.contains(&format!(",{kind},")),
            "no {kind} in events.csv"
        );
    }
    println!("{} files identical across two runs", names.len());
}
