//! capsim against closed-form queueing theory.
//!
//! Each check runs independent replications (seeds 1..=R), estimates a figure
//! as the mean over replications with a 95% confidence interval (Student t),
//! and asserts two things:
//! - the estimate is within the stated tolerance of theory, and
//! - the run is long enough that the tolerance is at least 4 standard errors
//!   (so a correct model fails with probability below 1e-4, and a model off
//!   by the tolerance is caught).
//!
//! Every check prints its figures: `cargo test --test main theory:: -- --nocapture`.
//!
//! The checks share seeds 1..=R and component names, so by design (common
//! random numbers) they share draws: their errors are correlated with each
//! other, not independent evidence. Independent seeds were checked separately
//! (40 seeds of the M/M/1 case: W 49.98 +- 0.29 ms against 50 ms).

use crate::common::*;
use capsim::engine::SimDuration;
use capsim::simulation::RunResult;

fn all(r: &RunResult) -> &capsim::metrics::SummaryRow {
    r.summary.last().expect("an `all` row")
}

fn mean_ms(r: &RunResult) -> f64 {
    all(r).latency_mean.expect("some requests").as_millis_f64()
}

fn p99_ms(r: &RunResult) -> f64 {
    all(r).latency.expect("some requests")[2].as_millis_f64()
}

/// Checks the p99 and the first component's utilisation of replications.
fn check_p99_and_utilization(
    label: &str,
    runs: &[RunResult],
    p99_ms_theory: f64,
    utilization: f64,
) {
    let p = estimate(&runs.iter().map(p99_ms).collect::<Vec<_>>());
    check(
        &format!("{label} p99 response"),
        "ms",
        &p,
        p99_ms_theory,
        0.05,
    );
    let u = estimate(
        &runs
            .iter()
            .map(|r| r.utilization[0].unwrap())
            .collect::<Vec<_>>(),
    );
    check(&format!("{label} utilization"), "", &u, utilization, 0.01);
}

// ---------------------------------------------------------------- theory

/// M/M/c/K blocking probability.
fn mmck_blocking(c: u32, k: u32, a: f64) -> f64 {
    let mut p = vec![1.0f64];
    for n in 1..=k {
        let servers = n.min(c) as f64;
        let prev = p[n as usize - 1];
        p.push(prev * a / servers);
    }
    let total: f64 = p.iter().sum();
    p[k as usize] / total
}

/// Pollaczek-Khinchine mean response of M/G/1 (seconds).
fn mg1(lambda: f64, es: f64, es2: f64) -> f64 {
    let rho = lambda * es;
    lambda * es2 / (2.0 * (1.0 - rho)) + es
}

#[test]
fn theory_formulas_match_known_values() {
    // The peers' M/M/8 at rho 0.9 (shared/peers/README.md).
    let (w, p99) = mmc(8, 7.2, 1.0);
    assert!((erlang_c(8, 7.2) - 0.7015).abs() < 1e-4);
    assert!((w - 1.8769).abs() < 1e-4, "{w}");
    assert!((p99 - 7.087).abs() < 1e-3, "{p99}");
    // M/M/1: W = 1/(mu - lambda), p99 = ln(100)/(mu - lambda).
    let (w, p99) = mmc(1, 80.0, 100.0);
    assert!((w - 0.05).abs() < 1e-12);
    assert!((p99 - 100f64.ln() / 20.0).abs() < 1e-9);
    assert!((mmck_blocking(2, 5, 2.0) - 2.0 / 11.0).abs() < 1e-12);
}

// ---------------------------------------------------------------- M/M/1, M/M/c

const MM1: &str = "
duration: 2520s
warmup: 20s
window: 10s
traffic: { to: server, rate: 80 }
components:
  server: { kind: service, service_time: { exponential: { mean: 10ms } } }
";

#[test]
fn mm1_response_time_p99_and_utilization() {
    // rho 0.8, 10 x 200k customers.
    let (w, p99) = mmc(1, 80.0, 100.0);
    let (est, runs) = replicate(MM1, 10, mean_ms);
    check("M/M/1 mean response", "ms", &est, w * 1e3, 0.05);
    check_p99_and_utilization("M/M/1", &runs, p99 * 1e3, 0.8);
}

#[test]
fn mmc_matches_erlang_c() {
    // c = 4, rho 0.8, 10 x 200k customers.
    let yaml = "
duration: 2520s
warmup: 20s
window: 10s
traffic: { to: pool, rate: 80 }
components:
  pool: { kind: service, workers: 4, service_time: { exponential: { mean: 40ms } } }
";
    let (w, p99) = mmc(4, 80.0, 25.0);
    let (est, runs) = replicate(yaml, 10, mean_ms);
    check("M/M/4 mean response (Erlang C)", "ms", &est, w * 1e3, 0.05);
    check_p99_and_utilization("M/M/4", &runs, p99 * 1e3, 0.8);
}

#[test]
fn peers_mmc8_at_rho_09_matches_erlang_c() {
    // The peers' model (shared/peers/mmc8.yaml): 10 x 400k customers.
    let yaml = "
duration: 55600s
warmup: 100s
window: 1m
traffic: { to: pool, rate: 7.2 }
components:
  pool: { kind: service, workers: 8, service_time: { exponential: { mean: 1s } } }
";
    let (w, p99) = mmc(8, 7.2, 1.0);
    let (est, runs) = replicate(yaml, 10, |r| mean_ms(r) / 1e3);
    check("M/M/8 rho 0.9 mean response (Erlang C)", "s", &est, w, 0.05);
    let p = estimate(&runs.iter().map(|r| p99_ms(r) / 1e3).collect::<Vec<_>>());
    check("M/M/8 rho 0.9 p99 response", "s", &p, p99, 0.05);
}

#[test]
fn mmck_blocking_probability() {
    // c = 2 servers, 3 waiting slots (K = 5), a = 2 Erlangs: P_K = 2/11.
    let yaml = "
duration: 10010s
warmup: 10s
window: 10s
traffic: { to: pool, rate: 20 }
components:
  pool: { kind: service, workers: 2, queue: 3, service_time: { exponential: { mean: 100ms } } }
";
    let theory = mmck_blocking(2, 5, 2.0);
    let (est, runs) = replicate(yaml, 10, |r| {
        let a = all(r);
        a.rejected as f64 / (a.ok + a.rejected) as f64
    });
    check("M/M/2/5 blocking probability", "", &est, theory, 0.05);
    let u = estimate(
        &runs
            .iter()
            .map(|r| r.utilization[0].unwrap())
            .collect::<Vec<_>>(),
    );
    check(
        "M/M/2/5 utilization, lambda (1 - P_K) / (c mu)",
        "",
        &u,
        20.0 * (1.0 - theory) / 20.0,
        0.02,
    );
}

// ---------------------------------------------------------------- M/G/1

#[test]
fn md1_matches_pollaczek_khinchine() {
    // Constant 10 ms service, rho 0.8: Wq = rho / (2 mu (1 - rho)) = 20 ms.
    let yaml = "
duration: 2520s
warmup: 20s
window: 10s
traffic: { to: server, rate: 80 }
components:
  server: { kind: service, service_time: 10ms }
";
    let (est, _) = replicate(yaml, 10, mean_ms);
    check(
        "M/D/1 mean response (P-K)",
        "ms",
        &est,
        mg1(80.0, 0.010, 0.0001) * 1e3,
        0.05,
    );
}

#[test]
fn mg1_lognormal_matches_pollaczek_khinchine() {
    let yaml = "
duration: 2520s
warmup: 20s
window: 10s
traffic: { to: server, rate: 70 }
components:
  server: { kind: service, service_time: { lognormal: { median: 8ms, p99: 30ms } } }
";
    let d = capsim::model::Dist::lognormal(0.008, 0.030);
    let theory = mg1(70.0, d.mean(), d.second_moment());
    let (est, _) = replicate(yaml, 10, mean_ms);
    check(
        "M/G/1 lognormal service mean response (P-K)",
        "ms",
        &est,
        theory * 1e3,
        0.05,
    );
}

#[test]
fn synchronous_call_is_mg1_with_the_summed_service() {
    // `front` (1 worker, exp 6 ms) calls `back` (1000 workers: never queues,
    // exp 4 ms) while holding its worker: front is M/G/1 with S = X + Y.
    let yaml = "
duration: 2520s
warmup: 20s
window: 10s
traffic: { to: front, rate: 70 }
components:
  front:
    kind: service
    service_time: { exponential: { mean: 6ms } }
    calls: [back]
  back: { kind: service, workers: 1000, service_time: { exponential: { mean: 4ms } } }
";
    let es = 0.010;
    let es2 = 2.0 * 0.006f64.powi(2) + 2.0 * 0.004f64.powi(2) + 2.0 * 0.006 * 0.004;
    let (est, runs) = replicate(yaml, 10, mean_ms);
    check(
        "synchronous call: M/G/1 mean response (P-K)",
        "ms",
        &est,
        mg1(70.0, es, es2) * 1e3,
        0.05,
    );
    // The caller's worker is busy for both services: utilisation lambda E[S].
    let u = estimate(
        &runs
            .iter()
            .map(|r| r.utilization[0].unwrap())
            .collect::<Vec<_>>(),
    );
    check("synchronous call: caller utilization", "", &u, 0.7, 0.01);
}

// ---------------------------------------------------------------- balancing

fn balanced(policy: &str) -> String {
    format!(
        "
duration: 1270s
warmup: 20s
window: 10s
traffic: {{ to: lb, rate: 320 }}
components:
  lb: {{ kind: load_balancer, to: pool, policy: {policy} }}
  pool: {{ kind: service, instances: 4, service_time: {{ exponential: {{ mean: 10ms }} }} }}
"
    )
}

#[test]
fn random_balancer_splits_poisson_traffic_into_mm1_queues() {
    // Poisson splitting: each of 4 instances is M/M/1 at rho 0.8.
    let yaml = balanced("random");
    let mut per_instance_util = Vec::new();
    let mut shares = Vec::new();
    let mut means = Vec::new();
    for seed in 1..=10 {
        let (r, rows) = run_rows(&yaml, seed);
        means.push(mean_ms(&r));
        let warm = capsim::engine::SimTime(20_000_000_000);
        let mut completed = [0u64; 4];
        let mut util = [0f64; 4];
        let mut windows = 0;
        for row in rows
            .components
            .iter()
            .filter(|c| c.component == 1 && c.start >= warm)
        {
            if let Some(i) = row.instance {
                completed[i as usize] += row.completed;
                util[i as usize] += row.utilization.unwrap();
                if i == 0 {
                    windows += 1;
                }
            }
        }
        let total: u64 = completed.iter().sum();
        for i in 0..4 {
            per_instance_util.push(util[i] / windows as f64);
            shares.push(completed[i] as f64 / total as f64);
        }
    }
    check(
        "random balancer: mean response = M/M/1 at rho 0.8",
        "ms",
        &estimate(&means),
        50.0,
        0.05,
    );
    check(
        "random balancer: per-instance utilization",
        "",
        &estimate(&per_instance_util),
        0.8,
        0.01,
    );
    check(
        "random balancer: per-instance share of requests",
        "",
        &estimate(&shares),
        0.25,
        0.01,
    );
}

#[test]
fn every_other_policy_beats_random_at_the_same_load() {
    let random = estimate(
        &(1..=5)
            .map(|s| mean_ms(&run(&balanced("random"), s)))
            .collect::<Vec<_>>(),
    );
    println!(
        "random: mean response {:.2} ms ± {:.2}",
        random.mean, random.half_width
    );
    for policy in ["round_robin", "least_connections", "power_of_two"] {
        let est = estimate(
            &(1..=5)
                .map(|s| mean_ms(&run(&balanced(policy), s)))
                .collect::<Vec<_>>(),
        );
        println!(
            "{policy}: mean response {:.2} ms ± {:.2}, {:.0}% of random's",
            est.mean,
            est.half_width,
            est.mean / random.mean * 100.0
        );
        // Each is well clear of random: far more than the intervals' widths.
        assert!(
            est.mean + est.half_width < 0.8 * (random.mean - random.half_width),
            "{policy} does not beat random"
        );
    }
}

// ---------------------------------------------------------------- closed loop

#[test]
fn closed_loop_matches_mean_value_analysis() {
    // 20 users thinking exp(1 s) in front of one exp(50 ms) server: exact MVA.
    let yaml = "
duration: 20020s
warmup: 20s
window: 10s
traffic:
  to: server
  arrivals: closed
  users: 20
  think_time: { exponential: { mean: 1s } }
components:
  server: { kind: service, service_time: { exponential: { mean: 50ms } } }
";
    let (s, z) = (0.050, 1.0);
    let (mut q, mut r, mut x) = (0.0, 0.0, 0.0);
    for n in 1..=20 {
        r = s * (1.0 + q);
        x = n as f64 / (z + r);
        q = x * r;
    }
    let (est, runs) = replicate(yaml, 10, mean_ms);
    check("closed loop (MVA) mean response", "ms", &est, r * 1e3, 0.05);
    let thr = estimate(
        &runs
            .iter()
            .map(|r| all(r).throughput_rps)
            .collect::<Vec<_>>(),
    );
    check("closed loop (MVA) throughput", "req/s", &thr, x, 0.02);
}

// ---------------------------------------------------------------- rate schedule

const SCHEDULE: &str = "
duration: 120s
window: 1s
traffic:
  to: pool
  arrivals: ARRIVALS
  rate:
    - { at: 0s, rps: 200 }
    - { at: 20s, rps: 1000 }
    - { at: 50s, rps: 400, ramp: 20s }
    - { at: 90s, rps: 1400, ramp: 10s }
components:
  pool: { kind: service, workers: 1000, service_time: 1ms }
";

fn expected_rate(t: f64) -> f64 {
    match t {
        t if t < 20.0 => 200.0,
        t if t < 50.0 => 1000.0,
        t if t < 70.0 => 1000.0 - 600.0 * (t - 50.0) / 20.0,
        t if t < 90.0 => 400.0,
        t if t < 100.0 => 400.0 + 1000.0 * (t - 90.0) / 10.0,
        _ => 1400.0,
    }
}

/// Expected arrivals in [a, b): the exact integral of the piecewise-linear rate.
fn expected_between(a: f64, b: f64) -> f64 {
    // The rate is linear within each second here, so the midpoint rule is exact.
    let n = ((b - a) * 1000.0).round() as usize;
    (0..n)
        .map(|i| expected_rate(a + (i as f64 + 0.5) / 1000.0) / 1000.0)
        .sum()
}

#[test]
fn uniform_arrivals_follow_steps_and_ramps_exactly() {
    let (_, rows) = run_rows(&SCHEDULE.replace("ARRIVALS", "uniform"), 1);
    assert_eq!(rows.windows.len(), 120);
    for w in &rows.windows {
        let t = w.start.as_secs_f64();
        let expected = expected_between(t, t + 1.0);
        // Evenly spaced arrivals: each window holds the integral, give or take one.
        assert!(
            (w.counts.offered as f64 - expected).abs() <= 1.0,
            "window at {t}s: {} offered, {expected:.1} expected",
            w.counts.offered
        );
    }
    println!("uniform arrivals: every 1 s window within 1 request of the rate's integral");
}

#[test]
fn poisson_arrivals_follow_steps_and_ramps() {
    let (_, rows) = run_rows(&SCHEDULE.replace("ARRIVALS", "poisson"), 1);
    // Per phase (steady and ramps), the count is Poisson with the integral as
    // its mean: within 4 standard deviations.
    for (a, b) in [(0, 20), (20, 50), (50, 70), (70, 90), (90, 100), (100, 120)] {
        let got: u64 = rows.windows[a..b].iter().map(|w| w.counts.offered).sum();
        let expected = expected_between(a as f64, b as f64);
        let z = (got as f64 - expected) / expected.sqrt();
        println!("poisson arrivals {a}-{b}s: {got} offered, {expected:.0} expected, z = {z:+.2}");
        assert!(z.abs() < 4.0, "{a}-{b}s: z = {z}");
    }
    // Inside the ramps, the count rises or falls with the rate: a least-squares
    // slope per second within 4 standard errors of the ramp's slope.
    for (a, b, slope) in [(50usize, 70usize, -30.0f64), (90, 100, 100.0)] {
        let xs: Vec<f64> = (a..b).map(|t| t as f64 + 0.5).collect();
        let ys: Vec<f64> = rows.windows[a..b]
            .iter()
            .map(|w| w.counts.offered as f64)
            .collect();
        let mx = xs.iter().sum::<f64>() / xs.len() as f64;
        let my = ys.iter().sum::<f64>() / ys.len() as f64;
        let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
        let fitted = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| (x - mx) * (y - my))
            .sum::<f64>()
            / sxx;
        let se = (my / sxx).sqrt(); // Poisson variance ~ the mean count
        println!("poisson ramp {a}-{b}s: slope {fitted:.1}/s, expected {slope:.1}/s, se {se:.1}");
        assert!((fitted - slope).abs() < 4.0 * se);
    }
}

// ---------------------------------------------------------------- accounting

const OVERLOAD: &str = "
duration: 60s
window: 1s
traffic:
  to: lb
  rate:
    - { at: 0s, rps: 300 }
    - { at: 20s, rps: 900 }
  requests:
    read: { weight: 3 }
    write: { weight: 1, op: write }
  client: { timeout: 300ms }
components:
  lb: { kind: load_balancer, to: web, policy: power_of_two }
  web:
    kind: service
    instances: 3
    workers: 4
    queue: 20
    service_time: { exponential: { mean: 15ms } }
    calls: [{ to: db, when: write }]
  db: { kind: service, workers: 2, queue: 50, service_time: { exponential: { mean: 20ms } } }
";

#[test]
fn every_request_ends_in_exactly_one_outcome() {
    let (r, rows) = run_rows(OVERLOAD, 3);
    let [ok, rejected, timed_out, failed] = r.requests_ended;
    println!(
        "conservation: sent {} = ok {ok} + rejected {rejected} + timed out {timed_out} + failed {failed} + in flight {}",
        r.requests_sent, r.in_flight
    );
    assert!(
        rejected > 0 && timed_out > 0 && ok > 0,
        "the scenario must exercise every outcome"
    );
    assert_eq!(
        r.requests_sent,
        ok + rejected + timed_out + failed + r.in_flight
    );
    // No warm-up: the summary counts the same requests.
    let a = all(&r);
    assert_eq!(a.requests, r.requests_sent);
    assert_eq!(
        a.ok + a.rejected + a.timed_out + a.failed,
        ok + rejected + timed_out + failed
    );
    // Classes add up to `all`.
    let classes = &r.summary[..r.summary.len() - 1];
    assert_eq!(classes.iter().map(|c| c.requests).sum::<u64>(), a.requests);
    // Windows add up to the totals, and in flight at the end is the last window's.
    let sent: u64 = rows.windows.iter().map(|w| w.counts.offered).sum();
    let ended: u64 = rows
        .windows
        .iter()
        .map(|w| w.counts.goodput + w.counts.rejected + w.counts.timed_out + w.counts.failed)
        .sum();
    assert_eq!(sent, r.requests_sent);
    assert_eq!(ended, ok + rejected + timed_out + failed);
    assert_eq!(rows.windows.last().unwrap().in_flight, r.in_flight);
    // A timed-out request's work goes on: late successful replies are counted.
    let completed: u64 = rows.windows.iter().map(|w| w.counts.completed).sum();
    assert!(
        completed > ok,
        "late replies after timeouts should be counted as completed"
    );
    // A reply after the deadline is not `ok`: every ok latency is within it.
    assert!(
        a.latency.unwrap()[4] <= SimDuration::from_millis(300),
        "{:?}",
        a.latency
    );
}

#[test]
fn same_seed_same_results_other_seed_other_results() {
    let (a, ra) = run_rows(OVERLOAD, 7);
    let (b, rb) = run_rows(OVERLOAD, 7);
    let (c, rc) = run_rows(OVERLOAD, 8);
    assert_eq!(a.summary, b.summary);
    assert_eq!(ra.windows, rb.windows);
    assert_eq!(ra.components, rb.components);
    assert_ne!(a.summary, c.summary);
    assert_ne!(ra.windows, rc.windows);
}
