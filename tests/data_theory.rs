//! The data tier against theory: cache hit ratios (Che's approximation for
//! LRU, the FIFO/RANDOM approximation, LFU's bounds, TTL renewal), keys over
//! shards, database nodes as M/M/c queues, a queue's backlog against the
//! fluid model, stale reads against `1 - exp(-wL)`, and conservation.
//!
//! Checks run independent replications (seeds 1..=R) and assert, as in
//! `theory.rs`, that the estimate is within the stated tolerance and that the
//! tolerance is at least 4 standard errors. Approximations that are not
//! exact (Che, FIFO/RANDOM) get the approximation's own error on top, stated
//! where used. `cargo test --test main data_theory:: -- --nocapture` prints every
//! figure.

use crate::common::*;
use capsim::metrics::DataSummary;
use capsim::simulation::RunResult;

/// Zipf probabilities of keys 0..n (key 0 the most popular).
fn zipf(n: usize, s: f64) -> Vec<f64> {
    let w: Vec<f64> = (1..=n).map(|k| (k as f64).powf(-s)).collect();
    let h: f64 = w.iter().sum();
    w.into_iter().map(|x| x / h).collect()
}

/// Bisection for the increasing function `f` reaching `target`.
fn solve(f: impl Fn(f64) -> f64, target: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 1.0);
    while f(hi) < target {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// LRU hit ratio by Che's approximation.
fn che_lru(p: &[f64], c: f64) -> f64 {
    let t = solve(|t| p.iter().map(|q| 1.0 - (-q * t).exp()).sum(), c);
    p.iter().map(|q| q * (1.0 - (-q * t).exp())).sum()
}

/// FIFO and RANDOM hit ratio (equal under independent references).
fn fifo_random(p: &[f64], c: f64) -> f64 {
    let t = solve(|t| p.iter().map(|q| q * t / (1.0 + q * t)).sum(), c);
    p.iter().map(|q| q * q * t / (1.0 + q * t)).sum()
}

fn cache_summary(r: &RunResult) -> (u64, u64) {
    r.data
        .iter()
        .find_map(|d| match d {
            DataSummary::Cache { hits, misses, .. } => Some((*hits, *misses)),
            _ => None,
        })
        .expect("a cache")
}

fn hit_ratio(r: &RunResult) -> f64 {
    let (h, m) = cache_summary(r);
    h as f64 / (h + m) as f64
}

/// A client reading Zipf keys through a one-node cache in front of a
/// database fast enough never to queue: the independent reference model.
fn cache_yaml(
    keys: usize,
    s: f64,
    capacity: &str,
    eviction: &str,
    ttl: &str,
    rate: f64,
    secs: f64,
) -> String {
    format!(
        "
duration: {secs}s
warmup: 10s
window: 10s
traffic:
  to: cache
  rate: {rate}
  requests:
    get: {{ op: read, key: {{ zipf: {{ keys: {keys}, exponent: {s} }} }} }}
components:
  cache:
    kind: cache
    workers: 1000
    {capacity}
    eviction: {eviction}
    {ttl}
    hit_time: 1us
    on_miss: db
  db:
    kind: database
    workers: 1000
    read_time: 1us
    write_time: 1us
"
    )
}

const REPS: u64 = 5;

/// Che's approximation is accurate to a fraction of a percent at these sizes
/// (Fricker, Robert, Roberts 2012); 1.5% relative covers it and 4 standard
/// errors of 5 replications of 400,000 lookups.
#[test]
fn lru_hit_ratio_matches_che() {
    for &(c, n, s) in &[
        (100usize, 10_000usize, 0.8),
        (1_000, 100_000, 1.0),
        (1_000, 10_000, 1.2),
    ] {
        let p = zipf(n, s);
        let theory = che_lru(&p, c as f64);
        // Warm-up: 20 times the capacity's worth of lookups, at least 10 s.
        let yaml = cache_yaml(n, s, &format!("capacity: {c}"), "lru", "", 20_000.0, 30.0);
        let (est, _) = replicate(&yaml, REPS, hit_ratio);
        check(
            &format!("LRU hit ratio C={c} N={n} s={s}"),
            "",
            &est,
            theory,
            0.015,
        );
    }
}

/// FIFO and RANDOM share one approximation under independent references; it
/// is as accurate as Che's for LRU.
#[test]
fn fifo_and_random_match_their_shared_approximation() {
    let (c, n, s) = (1_000usize, 100_000usize, 1.0);
    let p = zipf(n, s);
    let theory = fifo_random(&p, c as f64);
    let mut both = Vec::new();
    for policy in ["fifo", "random"] {
        let yaml = cache_yaml(n, s, &format!("capacity: {c}"), policy, "", 20_000.0, 30.0);
        let (est, _) = replicate(&yaml, REPS, hit_ratio);
        check(
            &format!("{policy} hit ratio C={c} N={n} s={s}"),
            "",
            &est,
            theory,
            0.015,
        );
        both.push(est.mean);
    }
    // And they are below LRU, which keeps popular keys better.
    let lru = che_lru(&p, c as f64);
    println!(
        "FIFO {:.4}, RANDOM {:.4}, LRU (Che) {lru:.4}",
        both[0], both[1]
    );
    assert!(both[0] < lru && both[1] < lru);
}

/// LFU keeps the most popular keys: above LRU, at most the popularity mass of
/// the top `capacity` keys.
#[test]
fn lfu_is_above_lru_and_at_most_the_top_keys_mass() {
    let (c, n, s) = (1_000usize, 100_000usize, 1.0);
    let p = zipf(n, s);
    let top: f64 = p[..c].iter().sum();
    let yaml = |e: &str| cache_yaml(n, s, &format!("capacity: {c}"), e, "", 20_000.0, 30.0);
    let (lfu, _) = replicate(&yaml("lfu"), REPS, hit_ratio);
    let (lru, _) = replicate(&yaml("lru"), REPS, hit_ratio);
    println!(
        "LFU {:.4} ± {:.4}, LRU {:.4} ± {:.4}, top-{c} mass {top:.4}",
        lfu.mean, lfu.half_width, lru.mean, lru.half_width
    );
    assert!(
        lfu.mean - lfu.half_width > lru.mean + lru.half_width,
        "LFU not above LRU"
    );
    assert!(
        lfu.mean - lfu.half_width <= top,
        "LFU above the top-{c} mass"
    );
}

/// With a TTL and no capacity limit each key renews: a miss stores it, the
/// next `lambda T` lookups on average hit. Hit ratio of key i:
/// `l_i T / (1 + l_i T)`; the aggregate weighs keys by popularity.
#[test]
fn ttl_only_caching_matches_the_renewal_formula() {
    let (n, s, rate, ttl) = (1_000usize, 0.8, 2_000.0, 1.0);
    let p = zipf(n, s);
    let theory: f64 = p
        .iter()
        .map(|q| {
            let lt = rate * q * ttl;
            q * lt / (1.0 + lt)
        })
        .sum();
    let yaml = cache_yaml(n, s, "", "lru", "ttl: 1s", rate, 110.0);
    let (est, _) = replicate(&yaml, REPS, hit_ratio);
    check("TTL-only hit ratio", "", &est, theory, 0.01);
}

fn database_summary(r: &RunResult) -> (Vec<u64>, u64, u64, u64) {
    r.data
        .iter()
        .find_map(|d| match d {
            DataSummary::Database {
                shard_ops,
                reads,
                replica_reads,
                stale_reads,
                ..
            } => Some((shard_ops.clone(), *reads, *replica_reads, *stale_reads)),
            _ => None,
        })
        .expect("a database")
}

fn shard_yaml(key: &str, shards: u32, partition: &str) -> String {
    format!(
        "
duration: 50s
traffic:
  to: db
  rate: 2000
  requests:
    get: {{ op: read, key: {key} }}
components:
  db:
    kind: database
    shards: {shards}
    partition: {partition}
    workers: 100
    read_time: 1us
    write_time: 1us
"
    )
}

/// Uniform keys over hash shards: each shard's count is binomial; the
/// chi-square statistic over 8 shards (7 degrees of freedom) stays below its
/// 99.99% quantile, 29.88.
#[test]
fn uniform_keys_spread_over_hash_shards_within_binomial_noise() {
    for partition in ["hash", "consistent_hash"] {
        let r = run(
            &shard_yaml("{ uniform: { keys: 1000000 } }", 8, partition),
            1,
        );
        let (ops, ..) = database_summary(&r);
        let total: u64 = ops.iter().sum();
        let expected = total as f64 / 8.0;
        let chi2: f64 = ops
            .iter()
            .map(|&o| (o as f64 - expected).powi(2) / expected)
            .sum();
        println!("{partition}: shard loads {ops:?}, chi-square {chi2:.2} (7 df)");
        if partition == "hash" {
            assert!(chi2 < 29.88, "hash shards uneven: chi-square {chi2:.1}");
        } else {
            // 100 points per shard on a ring: shares vary by about 10%, by design.
            for &o in &ops {
                assert!(
                    (o as f64 / expected - 1.0).abs() < 0.3,
                    "ring share {o} vs {expected}"
                );
            }
        }
    }
}

/// A Zipf-hot key puts its whole share on one shard: the hottest shard
/// carries at least the top key's share (and with range partitioning the
/// popular low keys all share shard 0).
#[test]
fn the_hottest_zipf_shard_carries_at_least_the_top_keys_share() {
    let (n, s) = (100_000usize, 1.2);
    let p = zipf(n, s);
    for partition in ["hash", "range"] {
        let r = run(
            &shard_yaml(
                &format!("{{ zipf: {{ keys: {n}, exponent: {s} }} }}"),
                4,
                partition,
            ),
            1,
        );
        let (ops, ..) = database_summary(&r);
        let total: u64 = ops.iter().sum();
        let hottest = *ops.iter().max().unwrap() as f64 / total as f64;
        println!(
            "{partition}: hottest shard {hottest:.4}, top key {:.4}, shard loads {ops:?}",
            p[0]
        );
        // 100,000 draws: the share's standard error is below 0.0016.
        assert!(hottest >= p[0] - 0.005);
        if partition == "range" {
            let first: f64 = p[..n / 4].iter().sum();
            let share0 = ops[0] as f64 / total as f64;
            println!(
                "range: shard 0 {share0:.4}, mass of keys 0..{} {first:.4}",
                n / 4
            );
            assert!((share0 - first).abs() < 0.01);
        }
    }
}

/// Poisson traffic split over hash shards by key is Poisson per shard, so
/// each shard's primary with 2 workers is an M/M/2 queue (Erlang C).
#[test]
fn database_shards_are_mmc_queues() {
    let yaml = "
duration: 1010s
warmup: 10s
traffic:
  to: db
  rate: 1600
  requests:
    get: { op: read, key: { uniform: { keys: 1000000 } } }
components:
  db:
    kind: database
    shards: 4
    workers: 2
    read_time: { exponential: { mean: 4ms } }
    write_time: 4ms
";
    // 400/s per shard, 2 workers at 250/s each: rho 0.8.
    let (w, _) = mmc(2, 400.0, 250.0);
    let (est, _) = replicate(yaml, REPS, |r| {
        r.summary
            .last()
            .unwrap()
            .latency_mean
            .unwrap()
            .as_millis_f64()
    });
    check(
        "sharded database mean response (M/M/2 per shard)",
        "ms",
        &est,
        w * 1000.0,
        0.03,
    );
}

fn stale_yaml(mode: &str, lag: &str, read_from: &str, replicas: u32) -> String {
    format!(
        "
duration: 210s
warmup: 10s
traffic:
  to: db
  rate: 2400
  requests:
    get: {{ weight: 5, op: read, key: {{ uniform: {{ keys: 100 }} }} }}
    put: {{ weight: 1, op: write, key: {{ uniform: {{ keys: 100 }} }} }}
components:
  db:
    kind: database
    replicas: {replicas}
    read_from: {read_from}
    replication: {{ mode: {mode}, lag: {lag} }}
    workers: 1000
    read_time: 1us
    write_time: 1us
"
    )
}

fn stale_share(r: &RunResult) -> f64 {
    let (_, _, replica_reads, stale) = database_summary(r);
    stale as f64 / replica_reads as f64
}

/// Writes to a key arrive at rate `w` (400/s over 100 keys: 4/s each); with
/// a constant lag `L` (100 ms) a replica read is stale exactly when the key
/// was written in the last `L`: probability `1 - exp(-wL)` = 0.3297.
#[test]
fn stale_reads_match_one_minus_exp_of_minus_wl() {
    let theory = 1.0 - (-4.0f64 * 0.1).exp();
    let (est, _) = replicate(
        &stale_yaml("async", "100ms", "replicas", 2),
        REPS,
        stale_share,
    );
    check("stale-read share, async, lag 100ms", "", &est, theory, 0.02);
}

/// No stale reads when every replica has the write before it is
/// acknowledged, or when nobody reads a replica; semi-sync sits between.
#[test]
fn no_stale_reads_under_sync_or_from_the_primary() {
    let lag = "{ exponential: { mean: 100ms } }";
    let sync = run(&stale_yaml("sync", lag, "replicas", 2), 1);
    let primary = run(&stale_yaml("async", lag, "primary", 2), 1);
    let semi = run(&stale_yaml("semi_sync", lag, "replicas", 2), 1);
    let asynchronous = run(&stale_yaml("async", lag, "replicas", 2), 1);
    let (_, _, sync_replica_reads, sync_stale) = database_summary(&sync);
    let (_, _, primary_replica_reads, primary_stale) = database_summary(&primary);
    println!(
        "stale shares: sync {sync_stale} of {sync_replica_reads}, primary {primary_stale} of {primary_replica_reads} replica reads, semi-sync {:.4}, async {:.4}",
        stale_share(&semi),
        stale_share(&asynchronous)
    );
    assert_eq!(sync_stale, 0);
    assert!(sync_replica_reads > 100_000);
    assert_eq!(primary_stale, 0);
    assert_eq!(primary_replica_reads, 0);
    assert!(stale_share(&semi) > 0.0);
    assert!(stale_share(&semi) < 0.8 * stale_share(&asynchronous));
}

fn queue_summary(r: &RunResult) -> (u64, u64, u64, u64, f64, Option<f64>, u64) {
    r.data
        .iter()
        .find_map(|d| match d {
            DataSummary::Queue {
                published,
                rejected,
                consumed,
                peak_backlog,
                peak_at,
                drained_at,
                held_at_end,
                ..
            } => Some((
                *published,
                *rejected,
                *consumed,
                *peak_backlog,
                peak_at.nanos() as f64 / 1e9,
                drained_at.map(|t| t.nanos() as f64 / 1e9),
                *held_at_end,
            )),
            _ => None,
        })
        .expect("a queue")
}

const QUEUE: &str = "
duration: 60s
window: 1s
traffic:
  to: jobs
  rate:
    - { at: 0s, rps: 1000 }
    - { at: 10s, rps: 200 }
  requests:
    job: { op: write }
components:
  jobs:
    kind: queue
    consumers: worker
  worker:
    kind: service
    instances: 5
    workers: 10
    service_time: { exponential: { mean: 100ms } }
";

/// Fluid model: consumers finish 500/s. From 0 to 10 s 1000/s arrive, so
/// the backlog grows at 500/s (to 5,000); then 200/s arrive and it drains at
/// 300/s, in 16.7 s. The backlog's time average over the window [9 s, 10 s)
/// is 4,750 messages; nothing waits any more once the backlog is down to the
/// 50 messages in progress, 16.5 s after the peak.
#[test]
fn queue_backlog_follows_the_fluid_model() {
    let mut backlog = Vec::new();
    let mut drain = Vec::new();
    // 20 replications: one run's backlog at 10 s varies by about 2%.
    for seed in 1..=20 {
        let (r, rows) = run_rows(QUEUE, seed);
        let row = rows
            .components
            .iter()
            .find(|c| c.start.nanos() == 9_000_000_000 && c.backlog.is_some())
            .expect("the queue's row");
        backlog.push(row.backlog.unwrap());
        let (_, _, _, _, peak_at, drained_at, _) = queue_summary(&r);
        drain.push(drained_at.expect("drained") - peak_at);
    }
    check(
        "queue backlog over [9s, 10s)",
        "messages",
        &estimate(&backlog),
        4750.0,
        0.03,
    );
    check(
        "queue drain time after the peak",
        "s",
        &estimate(&drain),
        4950.0 / 300.0,
        0.05,
    );
}

/// Every published message is consumed or still held; none is lost or
/// counted twice. A full queue refuses publishes (back pressure).
#[test]
fn queue_conserves_messages_and_pushes_back_when_full() {
    let (r, _) = run_rows(QUEUE, 1);
    let (published, rejected, consumed, _, _, _, held) = queue_summary(&r);
    println!("published {published}, consumed {consumed}, held at end {held}, refused {rejected}");
    assert_eq!(published, consumed + held);
    assert_eq!(rejected, 0);
    let bounded = QUEUE.replace("consumers: worker", "consumers: worker\n    capacity: 1000");
    let (r, _) = run_rows(&bounded, 1);
    let (published, rejected, consumed, peak, _, _, held) = queue_summary(&r);
    println!("capacity 1000: published {published}, refused {rejected}, peak {peak}");
    assert_eq!(published, consumed + held);
    assert!(peak <= 1000);
    // About 10 s at 500/s too many, less the 1,000 slots.
    assert!(
        (rejected as f64 - 4000.0).abs() < 400.0,
        "refused {rejected}"
    );
    let all = r.summary.last().unwrap();
    assert_eq!(all.rejected, rejected);
}
