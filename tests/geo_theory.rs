//! Data centers against theory: a request's latency is the sum of its hops
//! (exact with constant latencies), origins split by the DNS policy within
//! sampling error, an outage behind a DNS fails `rate x (detection +
//! TTL/2)` requests, a replica across a link of latency `d` serves stale
//! reads with probability `1 - exp(-w d)`, a link with `bandwidth` queues
//! as M/D/1 (Pollaczek-Khinchine), and egress costs bytes x price.
//! `cargo test --test main geo_theory:: -- --nocapture` prints every figure.

use crate::common::*;
use capsim::simulation::RunResult;

const REPS: u64 = 5;

/// Two data centers 40 ms apart, 1 ms hops inside each; users in the EU 12
/// ms from eu-west. A request: origin -> lb (12) -> web (1) -> 5 ms of work
/// -> db across the ocean (40) -> 2 ms -> back (40) -> lb (1) -> user
/// (12): 113 ms, every time.
const HOPS: &str = "
duration: 60s
traffic:
  to: lb
  rate: 200
  origins:
    eu: { share: 100%, latency: { us-east: 80ms, eu-west: 12ms } }
  requests:
    get: { weight: 1, op: read, key: { uniform: { keys: 100 } } }
datacenters:
  us-east: {}
  eu-west: {}
network:
  within: 1ms
  links:
    - { between: [us-east, eu-west], latency: 40ms }
components:
  lb: { kind: load_balancer, dc: eu-west, to: web }
  web: { kind: service, dc: eu-west, instances: 2, workers: 1000, service_time: 5ms, calls: [db] }
  db: { kind: database, dc: us-east, workers: 1000, read_time: 2ms, write_time: 2ms }
";

/// Constant latencies: every request takes exactly the sum of its hops.
#[test]
fn a_request_takes_the_sum_of_its_hops() {
    let r = run(HOPS, 1);
    let all = r.latency_by_class.last().expect("all").1.clone();
    assert!(all.count() > 10_000, "{} requests", all.count());
    let expected = 113_000_000u64;
    let mean = all.mean().expect("some").nanos();
    let max = all.max().expect("some").nanos();
    println!("mean {mean} ns, max {max} ns, expected {expected} ns");
    assert_eq!(mean, expected);
    assert_eq!(max, expected);
    let geo = r.geo.as_ref().expect("geo");
    // One call and one reply per request cross the link (a request still
    // in flight at the end has sent its call, maybe its reply).
    let crossings: u64 = geo.links.iter().map(|l| l.messages).sum();
    let ended = r.requests_ended[0];
    assert!(
        crossings >= 2 * ended && crossings <= 2 * (ended + r.in_flight),
        "{crossings} crossings for {ended} requests ({} in flight)",
        r.in_flight
    );
}

fn two_regions(policy: &str, extra: &str) -> String {
    format!(
        "
duration: 300s
traffic:
  to: dns
  rate: 400
  origins:
    na: {{ share: 60%, latency: {{ us-east: 15ms, eu-west: 85ms }} }}
    eu: {{ share: 40%, latency: {{ us-east: 80ms, eu-west: 12ms }} }}
datacenters:
  us-east: {{}}
  eu-west: {{}}
network:
  links:
    - {{ between: [us-east, eu-west], latency: 40ms }}
components:
  dns: {{ kind: dns, to: [lb-us, lb-eu], policy: {policy}, ttl: 60s {extra} }}
  lb-us: {{ kind: load_balancer, dc: us-east, to: web }}
  lb-eu: {{ kind: load_balancer, dc: eu-west, to: web }}
  web: {{ kind: service, dcs: [us-east, eu-west], instances: 2, workers: 100, service_time: 5ms }}
"
    )
}

/// Requests entering each data center over the run.
fn entered(r: &RunResult) -> Vec<u64> {
    let geo = r.geo.as_ref().expect("geo");
    let n = geo
        .datacenters
        .iter()
        .map(|d| d.datacenter)
        .max()
        .unwrap_or(0) as usize
        + 1;
    let mut v = vec![0; n];
    for d in &geo.datacenters {
        v[d.datacenter as usize] += d.requests_in;
    }
    v
}

/// A share of `n` trials drawn with probability `p` is within 4 standard
/// deviations of `p`.
fn check_share(what: &str, hits: u64, n: u64, p: f64) {
    let share = hits as f64 / n as f64;
    let sd = (p * (1.0 - p) / n as f64).sqrt();
    println!("{what}: {share:.5} of {n}, expected {p:.5} (sd {sd:.5}, tolerance 4 sd)");
    assert!((share - p).abs() <= 4.0 * sd, "{what}: {share} vs {p}");
}

/// `nearest`: each origin goes to its closest entry point, so the data
/// centers get the origins' shares (60/40), binomially.
#[test]
fn nearest_splits_by_origin_share() {
    let r = run(&two_regions("nearest", ""), 1);
    let v = entered(&r);
    let n = v[0] + v[1];
    assert!(n > 100_000);
    check_share("nearest: share entering us-east", v[0], n, 0.6);
    let geo = r.geo.as_ref().expect("geo");
    // Each origin's latency is its own: 2 x 15 ms + 5 ms for na, 2 x 12 + 5 for eu.
    let mean = |o: usize| geo.origin_latency[o].1.mean().expect("some").as_secs_f64();
    assert!((mean(0) - 0.035).abs() < 1e-6, "na {}", mean(0));
    assert!((mean(1) - 0.029).abs() < 1e-6, "eu {}", mean(1));
}

/// `weighted` 70/30: the data centers get 70/30 whatever the origins.
#[test]
fn weighted_splits_by_weight() {
    let r = run(
        &two_regions("weighted", ", weights: { lb-us: 70, lb-eu: 30 }"),
        2,
    );
    let v = entered(&r);
    check_share("weighted: share entering us-east", v[0], v[0] + v[1], 0.7);
}

/// An outage of eu-west at 95 s behind a DNS checking every 10 s, 3
/// failures: checks at 100, 110, 120 s fail, so it is marked down at 120 s
/// (detection 25 s). Every EU request sent from 95 s fails until the mark,
/// then a share falling linearly to 0 over one TTL: `rate_eu x (25 + TTL/2)`
/// failures (plus the few in service at 95 s). Poisson counts: the
/// tolerance is 4 standard deviations of the expected count.
fn outage(ttl: u64) -> (f64, u64, RunResult) {
    let yaml = format!(
        "
duration: 400s
window: 1s
traffic:
  to: dns
  rate: 200
  origins:
    eu: {{ share: 100%, latency: {{ us-east: 80ms, eu-west: 12ms }} }}
datacenters:
  us-east: {{}}
  eu-west: {{}}
network:
  links:
    - {{ between: [us-east, eu-west], latency: 40ms }}
components:
  dns: {{ kind: dns, to: [lb-eu, lb-us], policy: failover, ttl: {ttl}s, health_check: {{ interval: 10s, failures: 3 }} }}
  lb-us: {{ kind: load_balancer, dc: us-east, to: web }}
  lb-eu: {{ kind: load_balancer, dc: eu-west, to: web }}
  web: {{ kind: service, dcs: [us-east, eu-west], instances: 2, workers: 100, service_time: 5ms }}
faults:
  - {{ at: 95s, outage: eu-west, for: 200s }}
"
    );
    let r = run(&yaml, 3);
    let failed = r.summary.last().expect("all").failed;
    let expected = 200.0 * (25.0 + ttl as f64 / 2.0);
    (expected, failed, r)
}

#[test]
fn an_outage_behind_dns_fails_rate_times_detection_plus_half_a_ttl() {
    for ttl in [30, 60] {
        let (expected, failed, r) = outage(ttl);
        let sd = expected.sqrt();
        println!(
            "ttl {ttl}s: {failed} failed, expected {expected:.0} (sd {sd:.1}, tolerance 4 sd + 5 in service)"
        );
        assert!(
            (failed as f64 - expected).abs() <= 4.0 * sd + 5.0,
            "ttl {ttl}: {failed} vs {expected}"
        );
        // None once the TTL has passed after the mark at 120 s.
        let geo = r.geo.as_ref().expect("geo");
        let late: u64 = geo
            .datacenters
            .iter()
            .filter(|d| d.start.as_secs_f64() >= 121.0 + ttl as f64)
            .map(|d| d.failed)
            .sum();
        assert_eq!(late, 0, "failures after the TTL");
        let marked = r
            .log
            .iter()
            .find(|e| e.kind == capsim::metrics::EventKind::DnsDown)
            .expect("dns_down");
        assert_eq!(marked.time.as_secs_f64(), 120.0);
    }
}

/// Writes to a key arrive at 4/s (400/s over 100 keys); the primary is in
/// us-east and the read replica in eu-west, 50 ms away, with no lag of its
/// own: a read in eu-west is stale exactly when its key was written in the
/// last 50 ms, probability `1 - exp(-4 x 0.05)` = 0.1813.
#[test]
fn a_replica_across_a_link_is_stale_one_minus_exp_minus_w_d() {
    let yaml = "
duration: 210s
warmup: 10s
traffic:
  to: web
  rate: 2400
  requests:
    get: { weight: 5, op: read, key: { uniform: { keys: 100 } } }
    put: { weight: 1, op: write, key: { uniform: { keys: 100 } } }
datacenters:
  us-east: {}
  eu-west: {}
network:
  links:
    - { between: [us-east, eu-west], latency: 50ms }
components:
  web: { kind: service, dc: eu-west, workers: 10000, service_time: 0s, calls: [db] }
  db:
    kind: database
    dc: us-east
    replicas: 1
    replica_dcs: [eu-west]
    read_from: nearest
    replication: { mode: async, lag: 0s }
    workers: 10000
    read_time: 1us
    write_time: 1us
";
    let theory = 1.0 - (-4.0f64 * 0.05).exp();
    let (est, runs) = replicate(yaml, REPS, |r| {
        let (reads, stale) = r
            .data
            .iter()
            .find_map(|d| match d {
                capsim::metrics::DataSummary::Database {
                    replica_reads,
                    stale_reads,
                    ..
                } => Some((*replica_reads, *stale_reads)),
                _ => None,
            })
            .expect("a database");
        stale as f64 / reads as f64
    });
    assert!(runs[0].summary.last().expect("all").ok > 400_000);
    check(
        "stale-read share across a 50 ms link",
        "",
        &est,
        theory,
        0.03,
    );
}

/// A link of 10 Mbps carrying 12.5 KB calls (10 ms each) at 50/s, Poisson:
/// M/D/1 at load 0.5 waits `rho S / (2 (1 - rho))` = 5 ms before its 10 ms
/// transmission and 20 ms latency. The mean wait is measured from
/// `links.csv`'s mean delay less 30 ms.
#[test]
fn a_link_with_bandwidth_queues_as_m_d_1() {
    let yaml = "
duration: 2010s
window: 10s
traffic:
  to: web
  rate: 50
  requests:
    put: { weight: 1, op: read, bytes: { request: 12.5KB, response: 0B } }
datacenters:
  us-east: {}
  eu-west: {}
network:
  links:
    - { between: [us-east, eu-west], latency: 20ms, bandwidth: 10Mbps }
components:
  web: { kind: service, dc: us-east, workers: 1000, service_time: 0s, calls: [api] }
  api: { kind: service, dc: eu-west, workers: 1000, service_time: 0s }
";
    let (rho, s) = (0.5f64, 0.010f64);
    let theory = rho * s / (2.0 * (1.0 - rho));
    let (est, _) = replicate(yaml, REPS, |r| {
        let geo = r.geo.as_ref().expect("geo");
        let (mut sum, mut n) = (0.0, 0u64);
        for l in geo.links.iter().filter(|l| l.direction == 0) {
            if let Some(d) = l.delay_ms_mean {
                sum += d * l.messages as f64;
                n += l.messages;
            }
        }
        sum / n as f64 / 1000.0 - 0.030
    });
    check("M/D/1 wait for the link", "s", &est, theory, 0.06);
}

/// Bytes across a priced link cost bytes x price: 1,000 B calls and 9,000
/// B replies at $0.02 per GB.
#[test]
fn egress_costs_bytes_times_price() {
    let yaml = "
duration: 100s
traffic:
  to: web
  rate: 100
  requests:
    get: { weight: 1, op: read, bytes: { request: 1KB, response: 9KB } }
datacenters:
  us-east: {}
  eu-west: { price_factor: 1.5 }
network:
  links:
    - { between: [us-east, eu-west], latency: 1ms, egress: 0.02 }
sizes:
  small: { cores: 2, cost_per_hour: 0.1 }
components:
  web: { kind: service, dc: us-east, instances: 2, size: small, service_time: 1ms, calls: [api] }
  api: { kind: service, dc: eu-west, instances: 2, size: small, service_time: 1ms }
";
    let r = run(yaml, 1);
    let geo = r.geo.as_ref().expect("geo");
    let bytes = geo.link_bytes[0];
    let crossings: u64 = geo.links.iter().map(|l| l.messages).sum();
    // Every call crossed with 1,000 B and every reply with 9,000 B.
    assert_eq!(bytes, crossings / 2 * 10_000);
    let egress = bytes as f64 / 1e9 * 0.02;
    assert!((geo.egress_cost.expect("priced") - egress).abs() < 1e-12);
    // Instances: 2 x 0.1 in us-east, 2 x 0.15 in eu-west, for 100 s.
    let instances = (2.0 * 0.1 + 2.0 * 0.1 * 1.5) * 100.0 / 3600.0;
    let total = r.cost_total.expect("costed");
    println!("egress ${egress:.6}, instances ${instances:.6}, total ${total:.6}");
    assert!((total - (instances + egress)).abs() < 1e-12);
}
