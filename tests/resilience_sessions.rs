//! Sessions against what they must be: the sessions a crash loses are
//! exactly those the crashed instance held; the distinct users seen follow
//! the occupancy law; a shared store loses none and costs exactly one read
//! per request; a sticky balancer keeps every user on one live instance;
//! runs repeat; every request is counted once.
//!
//! Run with `--nocapture` to see the figures.

use crate::common;

use capsim::metrics::DataSummary;
use capsim::simulation::RunResult;

/// `U` users, uniform arrivals at `RATE`/s (a gap of 10 ms), four instances
/// behind a sticky balancer with a check every second; a request takes 1 ms,
/// so nothing is outstanding when the next one comes and least connections
/// places new users in turn: the k-th new user goes to instance k mod 4.
const STICKY: &str = r#"
duration: DURATION
traffic: { to: lb, arrivals: uniform, rate: RATE, users: USERS }
components:
  lb:
    kind: load_balancer
    to: web
    policy: POLICY
    health_check: { interval: 1s, failures: 1 }
  web:
    kind: service
    instances: 4
    workers: 4
    service_time: 1ms
    sessions: { store: STORE }
  sessions: { kind: cache, hit_time: 1ms, on_miss: accounts }
  accounts: { kind: database, workers: 4, read_time: 1ms, write_time: 1ms }
FAULTS
"#;

fn sticky(
    duration: &str,
    rate: f64,
    users: u32,
    policy: &str,
    store: &str,
    faults: &str,
) -> String {
    STICKY
        .replace("DURATION", duration)
        .replace("RATE", &rate.to_string())
        .replace("USERS", &users.to_string())
        .replace("POLICY", policy)
        .replace("STORE", store)
        .replace("FAULTS", faults)
}

fn all(r: &RunResult) -> &capsim::metrics::SummaryRow {
    r.summary.last().expect("an `all` row")
}

fn cache(r: &RunResult) -> (u64, u64) {
    r.data
        .iter()
        .find_map(|d| match d {
            DataSummary::Cache { hits, misses, .. } => Some((*hits, *misses)),
            _ => None,
        })
        .expect("a cache")
}

fn conserved(r: &RunResult) {
    let a = all(r);
    assert_eq!(
        a.requests,
        a.ok + a.rejected + a.timed_out + a.failed + r.in_flight,
        "every request counted once: {a:?}"
    );
}

/// 50 users, 6,000 requests before the crash at 60 s: all 50 have been seen
/// (the chance that one has not is 50 x 0.98^6000, about 1e-51), placed in
/// turn over 4 instances, so web.0 holds users 0, 4, ..., 48: 13 sessions,
/// all lost at its crash. Its users move to the three others after the
/// next check; at 120 s every instance crashes: the three live ones hold all
/// 50 users (web.0, dead, holds none). Exact counts.
#[test]
fn a_crash_loses_exactly_the_sessions_its_instance_held() {
    let y = sticky(
        "150s",
        100.0,
        50,
        "sticky",
        "local",
        "faults:\n  - { at: 60s, crash: web.0 }\n  - { at: 120s, crash: web }",
    );
    let r = common::run(&y, 1);
    let lost: Vec<Option<u64>> = r.recovery.iter().map(|x| x.sessions_lost).collect();
    println!(
        "sessions lost per crash: {lost:?} (expected [13, 50]); summary {:?} (expected 63)",
        all(&r).sessions_lost
    );
    assert_eq!(lost, vec![Some(13), Some(50)]);
    assert_eq!(all(&r).sessions_lost, Some(63));
    conserved(&r);
}

/// Occupancy: with `U` users drawn uniformly, the distinct users among `n`
/// requests number `U (1 - (1 - 1/U)^n)` on average, with variance
/// `U q1 + U (U - 1) q2 - U^2 q1^2` (`q1 = (1 - 1/U)^n`, `q2 = (1 - 2/U)^n`).
/// Each has a session on its instance when every instance crashes at 10 s,
/// after exactly n = 1,000 requests (uniform arrivals, 100/s, the first at
/// 5 ms). U = 1,000: 632.3 expected, a standard deviation of 9.9 per run;
/// 40 runs give a standard error of 0.25%: tolerance 1.5% (> 4 standard
/// errors).
#[test]
fn the_sessions_lost_when_all_crash_follow_the_distinct_users_seen() {
    let (u, n) = (1000.0f64, 1000.0f64);
    let q1 = (1.0 - 1.0 / u).powf(n);
    let q2 = (1.0 - 2.0 / u).powf(n);
    let mean = u * (1.0 - q1);
    let sd = (u * q1 + u * (u - 1.0) * q2 - u * u * q1 * q1).sqrt();
    let y = sticky(
        "12s",
        100.0,
        1000,
        "sticky",
        "local",
        "faults:\n  - { at: 10s, crash: web }",
    );
    let (est, runs) = common::replicate(&y, 40, |r| {
        r.recovery[0].sessions_lost.expect("local sessions") as f64
    });
    println!("distinct users: theory standard deviation {sd:.2} per run");
    common::check(
        "sessions lost = distinct users seen",
        "sessions",
        &est,
        mean,
        0.015,
    );
    for r in &runs {
        assert_eq!(all(r).sessions_lost, r.recovery[0].sessions_lost);
        conserved(r);
    }
}

/// A shared store: every request reads its session there once (lookups =
/// requests, all of which end ok), the first read of each of the 50 users
/// misses (misses = 50), and a crash loses nothing. The read costs its
/// latency: 1 ms of service becomes 1 ms of lookup + 1 ms (p50 of 2 ms;
/// local: 1 ms).
#[test]
fn a_shared_store_loses_nothing_and_costs_one_read_per_request() {
    // The rate stops at 100 s so that every request ends before the run.
    let y = sticky("110s", 100.0, 50, "sticky", "sessions", "").replace(
        "rate: 100",
        "rate: [{ at: 0s, rps: 100 }, { at: 100s, rps: 0 }]",
    );
    let r = common::run(&y, 3);
    let (hits, misses) = cache(&r);
    let a = all(&r);
    println!(
        "store: {} requests, {} ok, {hits} hits + {misses} misses (expected {} and 50); sessions lost {:?}; p50 {:?}",
        a.requests,
        a.ok,
        a.requests,
        a.sessions_lost,
        a.latency.map(|q| q[0])
    );
    assert_eq!(a.ok, a.requests);
    assert_eq!(hits + misses, a.requests);
    assert_eq!(misses, 50);
    assert_eq!(a.sessions_lost, Some(0));
    let p50 = a.latency.expect("ok replies")[0].as_secs_f64();
    assert!((p50 - 0.002).abs() < 0.002 * 0.01, "p50 {p50}");
    let local = common::run(&y.replace("store: sessions", "store: local"), 3);
    let p50_local = all(&local).latency.expect("ok replies")[0].as_secs_f64();
    assert!((p50_local - 0.001).abs() < 0.001 * 0.01, "p50 {p50_local}");
    assert_eq!(cache(&local), (0, 0), "local sessions never call the store");

    // A crash: the store keeps every session.
    let y = sticky(
        "150s",
        100.0,
        50,
        "sticky",
        "sessions",
        "faults:\n  - { at: 60s, crash: web.0 }\n  - { at: 120s, crash: web }",
    );
    let r = common::run(&y, 1);
    assert_eq!(all(&r).sessions_lost, Some(0));
    assert!(r.recovery.iter().all(|x| x.sessions_lost.is_none()));
    conserved(&r);
}

/// Sticky keeps each user on one instance while it lives: under Poisson
/// load (least connections placing new users by load, not in turn) no
/// session is ever left behind, while round robin with local sessions
/// sends users away from theirs on most requests. With a crash, the only
/// losses are the crash's own: the users moved off the dead instance after
/// detection are never moved again.
#[test]
fn sticky_sends_every_later_request_of_a_user_to_the_same_instance() {
    let poisson = |policy: &str, faults: &str| {
        sticky("60s", 2000.0, 5000, policy, "local", faults)
            .replace("arrivals: uniform", "arrivals: poisson")
            .replace(
                "service_time: 1ms",
                "service_time: { exponential: { mean: 1500us } }",
            )
    };
    let r = common::run(&poisson("sticky", ""), 7);
    let rr = common::run(&poisson("round_robin", ""), 7);
    println!(
        "sessions lost without faults: sticky {:?}, round robin {:?} of {} requests",
        all(&r).sessions_lost,
        all(&rr).sessions_lost,
        all(&rr).requests
    );
    assert_eq!(all(&r).sessions_lost, Some(0));
    // Round robin: a later request lands on its user's instance 1 time in 4,
    // so 3/4 of the requests after each user's first leave a session behind
    // (all 5,000 users are seen: 5,000 e^-24 are not). Binomial noise is
    // 0.2%: tolerance 2%.
    let expected = 0.75 * (all(&rr).requests - 5000) as f64;
    let got = all(&rr).sessions_lost.unwrap() as f64;
    println!("round robin: {got} lost, expected {expected:.0}");
    assert!((got - expected).abs() < 0.02 * expected);

    let r = common::run(
        &poisson("sticky", "faults:\n  - { at: 20s, crash: web.1, for: 10s }"),
        7,
    );
    let at_crash: u64 = r.recovery.iter().filter_map(|x| x.sessions_lost).sum();
    println!(
        "with a crash: {at_crash} lost at the crash, {:?} in all",
        all(&r).sessions_lost
    );
    assert!(at_crash > 0);
    assert_eq!(all(&r).sessions_lost, Some(at_crash));
    conserved(&r);
}

/// Same file and seed, same results; and users draw from their own stream:
/// adding `users` and local sessions behind round robin (which changes no
/// timing) leaves every other figure as it was.
#[test]
fn sessions_are_deterministic_and_leave_other_draws_alone() {
    let y = sticky(
        "60s",
        500.0,
        2000,
        "sticky",
        "local",
        "faults:\n  - { at: 20s, crash: web.2, for: 10s }",
    )
    .replace("arrivals: uniform", "arrivals: poisson");
    let a = common::run(&y, 11);
    let b = common::run(&y, 11);
    assert_eq!(a.summary, b.summary);
    assert_eq!(a.recovery, b.recovery);

    let plain = y
        .replace(", users: 2000", "")
        .replace("policy: sticky", "policy: round_robin")
        .replace("    sessions: { store: local }\n", "");
    let with = y.replace("policy: sticky", "policy: round_robin");
    let (p, w) = (common::run(&plain, 11), common::run(&with, 11));
    let strip = |r: &RunResult| {
        let mut s = r.summary.clone();
        s.iter_mut().for_each(|x| x.sessions_lost = None);
        s
    };
    assert_eq!(strip(&p), strip(&w));
    assert_eq!(all(&p).sessions_lost, None);
    assert!(all(&w).sessions_lost.unwrap() > 0);
}

/// `timeseries.csv`'s `sessions_lost`: each loss lands in the window it
/// happened in (the crashes at 60 s and 120 s: 13 and 50), and the windows
/// add up to the run's total. A scenario without sessions has no series.
#[test]
fn sessions_lost_per_window_fall_in_the_crash_windows() {
    let y = sticky(
        "150s",
        100.0,
        50,
        "sticky",
        "local",
        "faults:\n  - { at: 60s, crash: web.0 }\n  - { at: 120s, crash: web }",
    );
    let (r, rows) = common::run_rows(&y, 1);
    let lost: Vec<(f64, u64)> = rows
        .windows
        .iter()
        .filter_map(|w| {
            let n = w.sessions_lost.expect("a pool keeps sessions");
            (n > 0).then(|| (w.start.nanos() as f64 / 1e9, n))
        })
        .collect();
    println!("windows with sessions lost: {lost:?} (expected [(60, 13), (120, 50)])");
    assert_eq!(lost, vec![(60.0, 13), (120.0, 50)]);
    assert_eq!(
        rows.windows
            .iter()
            .map(|w| w.sessions_lost.unwrap())
            .sum::<u64>(),
        all(&r).sessions_lost.unwrap()
    );
    let plain = y
        .replace("    sessions: { store: local }\n", "")
        .replace("policy: sticky", "policy: round_robin");
    let (_, rows) = common::run_rows(&plain, 1);
    assert!(rows.windows.iter().all(|w| w.sessions_lost.is_none()));
}

/// A scale-in removes instances, and the local sessions on them are lost
/// at the removal, in that window, once.
#[test]
fn a_scale_in_loses_the_sessions_of_the_instances_it_removes() {
    let y = r#"
duration: 200s
traffic:
  to: lb
  arrivals: uniform
  rate: [{ at: 0s, rps: 400 }, { at: 60s, rps: 10 }]
  users: 40
components:
  lb: { kind: load_balancer, to: web, policy: sticky }
  web:
    kind: service
    instances: 4
    workers: 1
    service_time: 2ms
    sessions: { store: local }
    autoscale: { min: 1, max: 4, target_utilization: 0.5, every: 30s, provision: 10s }
"#;
    let (r, rows) = common::run_rows(y, 1);
    let lost: u64 = rows.windows.iter().map(|w| w.sessions_lost.unwrap()).sum();
    let when: Vec<(u64, u64)> = rows
        .windows
        .iter()
        .filter(|w| w.sessions_lost.unwrap() > 0)
        .map(|w| (w.start.nanos() / 1_000_000_000, w.sessions_lost.unwrap()))
        .collect();
    println!("sessions lost with a scale-in from 4 to 1: {lost} of 40 users, by window {when:?}");
    // 400/s x 2 ms is 0.8 busy workers: at 30 s the rule keeps
    // ceil(0.8 / 0.5) = 2 and drains web.2 and web.3, whose 20 users (10
    // each: new users are placed in turn) lose their sessions at once; they
    // start again on web.0 and web.1 (20 each). The decision at 90 s, over
    // 30 s at 10/s, keeps 1: web.1's 20 go then.
    assert_eq!(when, vec![(30, 20), (90, 20)]);
    assert_eq!(all(&r).sessions_lost, Some(lost));
    conserved(&r);
}
