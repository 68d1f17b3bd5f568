//! Retries and circuit breakers against what they must do: attempts and
//! successes under independent failures against the truncated geometric law,
//! a retry budget's cap, the metastable retry storm and its fixes, a breaker
//! opening, failing fast and closing, determinism and conservation.
//!
//! Each check states its expectation, its noise and its tolerance (at least
//! four standard errors), as the other theory checks do; run with
//! `--nocapture` to see the figures.

use crate::common;

use capsim::engine::SimTime;
use capsim::metrics::{EventKind, MemorySink, Outcome};
use capsim::model::Model;
use capsim::scenario::{self, LoadOptions};
use capsim::simulation::{self, RunResult};

const ERRORS: &str = r#"
duration: 100s
traffic:
  to: web
  rate: 2000
  client: { timeout: 10s, retries: RETRIES }
components:
  web: { kind: service, workers: 200, service_time: 1ms }
faults:
  - { at: 0s, errors: web, share: SHARE }
"#;

fn errors(p: f64, r: u32, extra: &str) -> String {
    ERRORS
        .replace("SHARE", &p.to_string())
        .replace("RETRIES", &format!("{r}{extra}"))
}

fn ok(r: &RunResult) -> u64 {
    r.requests_ended[Outcome::Ok as usize]
}

fn ended(r: &RunResult) -> u64 {
    r.requests_ended.iter().sum()
}

/// With each attempt failing independently with probability p and r retries
/// at once, attempts per request are truncated geometric:
/// E[A] = (1 - p^(r+1)) / (1 - p), and a request succeeds with probability
/// 1 - p^(r+1). The standard errors come from the laws themselves (with
/// P(A >= k) = p^(k-1), E[A^2] = sum of (2k - 1) P(A >= k) over k = 1..=r+1);
/// the tolerance is 4.5 of them, for about 200,000 requests a case.
#[test]
fn attempts_and_success_follow_the_truncated_geometric_law() {
    for (p, r) in [(0.3, 1u32), (0.5, 2), (0.5, 3), (0.2, 4), (0.8, 3)] {
        let res = common::run(&errors(p, r, ""), 1);
        let n = ended(&res) as f64;
        // P(A >= k) = p^(k-1) for k = 1..=r+1.
        let mean: f64 = (1..=r + 1).map(|k| p.powi(k as i32 - 1)).sum();
        let second: f64 = (1..=r + 1)
            .map(|k| (2.0 * k as f64 - 1.0) * p.powi(k as i32 - 1))
            .sum();
        let se_a = ((second - mean * mean) / n).sqrt();
        let theory_a = (1.0 - p.powi(r as i32 + 1)) / (1.0 - p);
        assert!((mean - theory_a).abs() < 1e-12);
        // Requests still in flight at the end have their attempts counted
        // but no outcome: a handful, well inside the tolerance.
        let a = (res.requests_sent + res.retries) as f64 / res.requests_sent as f64;
        let q = 1.0 - p.powi(r as i32 + 1);
        let se_q = (q * (1.0 - q) / n).sqrt();
        let s = ok(&res) as f64 / n;
        println!(
            "p = {p}, r = {r}: attempts/request {a:.5} (theory {theory_a:.5}, SE {se_a:.5}, error {:+.2} SE); \
             success {s:.5} (theory {q:.5}, SE {se_q:.5}, error {:+.2} SE); {n} requests",
            (a - theory_a) / se_a,
            (s - q) / se_q
        );
        assert!(
            (a - theory_a).abs() <= 4.5 * se_a,
            "attempts {a} vs {theory_a}"
        );
        assert!((s - q).abs() <= 4.5 * se_q, "success {s} vs {q}");
        assert_eq!(
            res.requests_ended[Outcome::Failed as usize] + ok(&res),
            ended(&res),
            "only failures and successes"
        );
    }
}

/// p = 0.5 with 3 retries would make 1.875 attempts per request; a 10%
/// budget caps attempts at 1.10 x first tries. The cap is a hard bound per
/// 10-second window, so the ratio over the run is at most 1.10 (plus the
/// first window's rounding) and, since retries are always wanted, close to
/// it: within 0.5%.
#[test]
fn a_retry_budget_caps_attempts_at_its_share_of_first_tries() {
    for budget in [0.1, 0.25] {
        let y = errors(0.5, 3, &format!(", retry_budget: {}%", budget * 100.0));
        let res = common::run(&y, 2);
        let ratio = (res.requests_sent + res.retries) as f64 / res.requests_sent as f64;
        println!(
            "budget {budget}: attempts / first tries = {ratio:.5} (cap {:.2}); {} first tries, {} retries",
            1.0 + budget,
            res.requests_sent,
            res.retries
        );
        assert!(ratio <= 1.0 + budget + 1e-4, "{ratio}");
        assert!(ratio >= (1.0 + budget) * 0.995, "{ratio}");
    }
}

fn storm() -> Vec<Model> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/retry-storm.yaml");
    scenario::load_file(&path, &LoadOptions::default())
        .unwrap_or_else(|f| panic!("{}", f.render(false)))
}

fn goodput_share_from(rows: &MemorySink, from_s: f64) -> (f64, f64) {
    // Per window after `from_s`: goodput over the requests offered; the worst
    // window and the whole span.
    let mut worst = f64::INFINITY;
    let (mut good, mut offered) = (0u64, 0u64);
    for w in &rows.windows {
        if w.start.as_secs_f64() >= from_s {
            let share = w.counts.goodput as f64 / w.counts.offered.max(1) as f64;
            worst = worst.min(share);
            good += w.counts.goodput;
            offered += w.counts.offered;
        }
    }
    (worst, good as f64 / offered.max(1) as f64)
}

/// The slowdown is over at 2m30s. The base never recovers: from 3m to the
/// end (5 minutes), goodput stays under 1% of what is offered and the
/// attempts stay at more than 3.5x the first tries. Each fix recovers: from
/// 3m30s on every window serves at least 95% of what is offered. The margins
/// are wide (the base serves 0%, the fixes about 99-100%): no chance decides.
#[test]
fn the_retry_storm_never_recovers_without_a_fix_and_does_with_each_fix() {
    for m in storm() {
        let mut rows = MemorySink::default();
        let res = simulation::run(&m, &mut rows).expect("in memory");
        let (worst_late, late) = goodput_share_from(&rows, 210.0);
        let after: Vec<_> = rows
            .windows
            .iter()
            .filter(|w| w.start.as_secs_f64() >= 180.0)
            .collect();
        let amplification = after
            .iter()
            .map(|w| (w.counts.offered + w.counts.retries) as f64)
            .sum::<f64>()
            / after.iter().map(|w| w.counts.offered as f64).sum::<f64>();
        let (_, base_late) = goodput_share_from(&rows, 180.0);
        println!(
            "{}: goodput share from 3m {base_late:.4}, from 3m30s {late:.4} (worst window {worst_late:.4}); attempts/first tries from 3m {amplification:.3}; recovered {:?}",
            m.variant,
            res.recovery
                .first()
                .and_then(|r| r.recovered)
                .map(|t| t.as_secs_f64())
        );
        if m.variant == "base" {
            assert!(base_late < 0.01, "{base_late}");
            assert!(amplification > 3.5, "{amplification}");
            assert_eq!(res.recovery[0].recovered, None);
        } else {
            assert!(worst_late >= 0.95, "{}: {worst_late}", m.variant);
            let rec = res.recovery[0].recovered.expect("recovered");
            assert!(rec < SimTime::ZERO + capsim::engine::SimDuration(210_000_000_000));
        }
    }
}

const BREAKER: &str = r#"
duration: 60s
traffic:
  to: api
  rate: 1000
  client: { timeout: 5s }
components:
  api:
    kind: service
    workers: 1000
    service_time: 1ms
    calls:
      - { to: backend, circuit_breaker: { errors: 50%, window: 5s, open_for: 2s } }
  backend: { kind: service, workers: 100, service_time: 2ms }
faults:
  - { at: 10s, errors: backend, share: 100%, for: 20s }
"#;

/// The backend fails every call from 10s to 30s. The breaker's window holds
/// the last 5 s (in ten slots of 0.5 s) of calls at 1,000 calls/s; half of
/// them fail once about 2.5 s of failures face as many earlier successes, so
/// it opens between 12s and 13s (the slots' granularity and Poisson noise of
/// a few dozen calls move it by well under 0.5 s). While open, calls fail
/// fast as `rejected` without reaching the backend; each probe (every 2 s)
/// fails until the fault ends; the first probe after 30s succeeds and closes
/// it, at most 2 s later. Before 10s and after it closes every request
/// succeeds.
#[test]
fn a_breaker_opens_at_its_error_share_fails_fast_and_a_probe_closes_it() {
    let mut rows = MemorySink::default();
    let res = simulation::run(&common::model(BREAKER, 1), &mut rows).expect("in memory");
    let log: Vec<_> = res
        .log
        .iter()
        .filter(|e| matches!(e.kind, EventKind::CircuitOpen | EventKind::CircuitClosed))
        .collect();
    for e in &log {
        println!(
            "{:.3}s {} {} {}",
            e.time.as_secs_f64(),
            e.kind.name(),
            e.target,
            e.detail
        );
    }
    let first = log.first().expect("it opened");
    assert_eq!(first.kind, EventKind::CircuitOpen);
    assert_eq!(first.target, "api -> backend");
    let t0 = first.time.as_secs_f64();
    assert!((12.0..13.0).contains(&t0), "{t0}");
    let last = log.last().unwrap();
    assert_eq!(last.kind, EventKind::CircuitClosed);
    let t1 = last.time.as_secs_f64();
    assert!((30.0..=32.01).contains(&t1), "{t1}");
    // Reopenings are the failed probes, one per open period.
    let opens = log
        .iter()
        .filter(|e| e.kind == EventKind::CircuitOpen)
        .count();
    assert_eq!(opens, 1 + ((30.0 - t0) / 2.0).floor() as usize);
    assert_eq!(log.len(), opens + 1);
    // Failed calls are only those before it opened and the probes; the rest
    // were refused at once.
    let failed = res.requests_ended[Outcome::Failed as usize];
    let rejected = res.requests_ended[Outcome::Rejected as usize];
    println!("failed {failed}, rejected (fast) {rejected}");
    // Calls fail from 10s until it opens (about 2,500), then only probes.
    let before = ((t0 - 10.0) * 1000.0) as u64;
    assert!(failed <= before + 200 + opens as u64, "{failed}");
    assert!(rejected > 1000 * (30 - 13), "{rejected}");
    for w in &rows.windows {
        let t = w.start.as_secs_f64();
        if !(10.0..33.0).contains(&t) {
            assert_eq!(w.counts.rejected + w.counts.failed, 0, "window {t}");
        }
    }
}

/// Requests are conserved through retries, abandoned attempts and breakers:
/// every request sent ends in exactly one outcome or is still in flight, and
/// the summary's `requests = ok + rejected + timed_out + failed + in flight`
/// (no warm-up here, so the summary counts them all).
#[test]
fn every_request_ends_once_through_retries_and_breakers() {
    for m in storm() {
        let mut m = m;
        m.warmup = capsim::engine::SimDuration::ZERO;
        let res = simulation::run(&m, &mut capsim::metrics::NullSink).expect("in memory");
        let ended: u64 = res.requests_ended.iter().sum();
        assert_eq!(res.requests_sent, ended + res.in_flight, "{}", m.variant);
        let all = res.summary.last().unwrap();
        assert_eq!(
            all.requests,
            all.ok + all.rejected + all.timed_out + all.failed + res.in_flight,
            "{}",
            m.variant
        );
        println!(
            "{}: sent {}, ended {ended}, in flight {}, retries {}",
            m.variant, res.requests_sent, res.in_flight, res.retries
        );
    }
}

/// The same file and seed give byte-identical outputs, retries, backoff
/// jitter and breakers included.
#[test]
fn retries_and_breakers_are_deterministic() {
    let bin = env!("CARGO_BIN_EXE_capsim");
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/retry-storm.yaml");
    let dirs: Vec<_> = (0..2)
        .map(|i| {
            let d =
                std::env::temp_dir().join(format!("capsim-retries-det-{}-{i}", std::process::id()));
            let _ = std::fs::remove_dir_all(&d);
            let out = std::process::Command::new(bin)
                .args([
                    "run",
                    file.to_str().unwrap(),
                    "--out",
                    d.to_str().unwrap(),
                    "-q",
                    "--set",
                    "duration=4m",
                ])
                .output()
                .expect("runs");
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            d
        })
        .collect();
    for v in ["base", "retry-budget", "backoff", "breaker"] {
        for f in [
            "timeseries.csv",
            "components.csv",
            "summary.csv",
            "events.csv",
            "recovery.csv",
        ] {
            let a = std::fs::read(dirs[0].join("retry-storm").join(v).join(f)).expect(f);
            let b = std::fs::read(dirs[1].join("retry-storm").join(v).join(f)).expect(f);
            assert!(a == b, "{v}/{f} differs between two runs");
        }
    }
    for d in dirs {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// A scenario without retries writes `attempts_rps` equal to `offered_rps`.
#[test]
fn attempts_equal_offered_without_retries() {
    let (_, rows) = common::run_rows(
        "duration: 20s\ntraffic: { to: web, rate: 500, client: { timeout: 1s } }\ncomponents: { web: { kind: service, workers: 1, service_time: 3ms } }\n",
        1,
    );
    assert!(rows.windows.iter().all(|w| w.counts.retries == 0));
}
