//! Replication topologies against theory, each with a tolerance from its
//! run length (replications: a Student-t interval; or counts: Poisson
//! standard deviations):
//!
//! - `multi_primary`, two primaries a constant `d` apart, Poisson writes of
//!   `w` per key per primary: a write is concurrent with one of the other
//!   primary's in `(t - d, t + d)`, so conflicts per write are
//!   `1 - e^(-2wd)`; it is lost when the other primary commits a newer write
//!   of its key before it arrives there, within `d` after it:
//!   `1 - e^(-wd)`.
//! - `quorum` at low load: a write's latency is the `w`-th smallest of `n`
//!   service times, a read's the `r`-th; for exponential times of mean `s`,
//!   `E[X_(k)] = s (1/n + 1/(n-1) + ... + 1/(n-k+1))`. `r + w > n` gives no
//!   stale read, exactly; `r + w <= n` some.
//! - `ring` of 3 with hop `d`, reads and writes at random nodes, `w`
//!   writes per key per second in all: a read is stale when the latest
//!   write of its key has not reached its node; that write is `h` hops away
//!   (0, 1, 2 equally likely) and younger than `h d` with probability
//!   `1 - e^(-w h d)`: `(2 - e^(-wd) - e^(-2wd)) / 3`. (The issue's
//!   `1 - e^(-wd)` is the chance that the node misses *some* write of the
//!   key, a different event; the test shows the two apart.)
//! - Faults: a dead primary's callers go to the other; a dead ring node
//!   holds what it has not forwarded; fewer than `w` live nodes fail every
//!   write; a partition between primaries piles conflicts up and delivers
//!   its backlog in order when it heals.
//!
//! `cargo test --test main repl_theory:: -- --nocapture` prints every figure.

use crate::common::*;
use capsim::metrics::{EventKind, ReplicationRow, ReplicationTotals};
use capsim::simulation::RunResult;

/// Replications per figure.
const REPS: u64 = 20;

fn totals(r: &RunResult) -> &ReplicationTotals {
    &r.replication
        .as_ref()
        .expect("a replicated database")
        .totals[0]
}

/// Checks `xs` (one figure per replication) against `theory` within 4
/// standard errors, and that the interval is tight enough to tell `theory`
/// from `theory x (1 +- rel)` (a test that could not fail is no test).
fn check(what: &str, xs: &[f64], theory: f64, rel: f64) {
    let e = estimate(xs);
    println!(
        "{what}: {:.5} +- {:.5} (se, {} replications), theory {theory:.5}",
        e.mean, e.se, e.n
    );
    assert!(
        4.0 * e.se < rel * theory,
        "{what}: se {:.5} too wide to test {theory:.5} to {rel}",
        e.se
    );
    assert!(
        (e.mean - theory).abs() <= 4.0 * e.se,
        "{what}: {:.5} is {:.1} se from {theory:.5}",
        e.mean,
        (e.mean - theory).abs() / e.se
    );
}

/// 1000 writes a second over 100 keys, at one of two primaries at random:
/// 5 writes per key per primary per second; replication takes 50 ms
/// exactly. Writes take 1 us on 1000 workers: commits are the Poisson
/// arrivals, shifted.
const TWO_PRIMARIES: &str = "
duration: 101s
warmup: 1s
traffic:
  to: db
  rate: 1000
  requests:
    put: { weight: 1, op: write, key: { uniform: { keys: 100 } } }
components:
  db:
    kind: database
    replication: { topology: multi_primary, primaries: 2, lag: 50ms }
    workers: 1000
    read_time: 1us
    write_time: 1us
";

#[test]
fn multi_primary_conflicts_and_lost_updates_follow_the_poisson_windows() {
    let (mut conflicts, mut lost) = (Vec::new(), Vec::new());
    for seed in 1..=REPS {
        let r = run(TWO_PRIMARIES, seed);
        let t = totals(&r);
        assert!(t.writes > 90_000, "{} writes", t.writes);
        conflicts.push(t.conflicts.expect("counted") as f64 / t.writes as f64);
        lost.push(t.lost_updates.expect("counted") as f64 / t.writes as f64);
    }
    let wd: f64 = 5.0 * 0.05;
    check(
        "conflicts per write",
        &conflicts,
        1.0 - (-2.0 * wd).exp(),
        0.02,
    );
    check("lost updates per write", &lost, 1.0 - (-wd).exp(), 0.02);
}

/// Two data centers 40 ms apart, a primary in each; callers in both write
/// at their nearest primary. The delay between primaries is `lag` (10 ms)
/// plus the link's 40 ms: conflicts `1 - e^(-2 w 0.05)` with `w` the
/// writes per key per primary (5).
const TWO_REGIONS: &str = "
duration: 101s
warmup: 1s
datacenters:
  us-east: {}
  eu-west: {}
network:
  links:
    - { between: [us-east, eu-west], latency: 40ms }
traffic:
  to: dns
  rate: 1000
  origins:
    na: { share: 50%, latency: { us-east: 1ms, eu-west: 80ms } }
    eu: { share: 50%, latency: { us-east: 80ms, eu-west: 1ms } }
  requests:
    put: { weight: 1, op: write, key: { uniform: { keys: 100 } } }
components:
  dns: { kind: dns, to: [app], policy: nearest }
  app: { kind: service, dcs: [us-east, eu-west], instances: 1, workers: 1000, service_time: 1us, calls: [db] }
  db:
    kind: database
    dcs: [us-east, eu-west]
    replication: { topology: multi_primary, lag: 10ms }
    workers: 1000
    read_time: 1us
    write_time: 1us
";

#[test]
fn multi_primary_across_a_link_adds_its_latency_to_the_window() {
    let mut conflicts = Vec::new();
    for seed in 1..=REPS / 2 {
        let r = run(TWO_REGIONS, seed);
        let t = totals(&r);
        conflicts.push(t.conflicts.expect("counted") as f64 / t.writes as f64);
    }
    check(
        "conflicts per write across 40 ms",
        &conflicts,
        1.0 - (-2.0 * 5.0 * 0.05f64).exp(),
        0.03,
    );
}

/// Reads and writes, 100 a second, at low load (1000 workers per node):
/// latency is the order statistic of the nodes' exponential times.
fn quorum(n: u32, w: u32, r: u32) -> String {
    format!(
        "
duration: 101s
warmup: 1s
traffic:
  to: db
  rate: 100
  requests:
    get: {{ weight: 1, op: read, key: {{ uniform: {{ keys: 100 }} }} }}
    put: {{ weight: 1, op: write, key: {{ uniform: {{ keys: 100 }} }} }}
components:
  db:
    kind: database
    replication: {{ topology: quorum, n: {n}, w: {w}, r: {r} }}
    workers: 1000
    read_time: {{ exponential: {{ mean: 10ms }} }}
    write_time: {{ exponential: {{ mean: 10ms }} }}
"
    )
}

/// `E[X_(k)]` of `n` exponentials of mean `s`.
fn order_statistic(n: u32, k: u32, s: f64) -> f64 {
    (0..k).map(|i| s / (n - i) as f64).sum()
}

fn class_mean_ms(r: &RunResult, class: &str) -> f64 {
    let l = &r
        .latency_by_class
        .iter()
        .find(|(c, _)| c == class)
        .expect("class")
        .1;
    l.mean().expect("some").nanos() as f64 / 1e6
}

#[test]
fn quorum_latency_is_the_order_statistic_of_its_nodes() {
    for (n, w, r) in [(3, 2, 2), (3, 3, 1), (5, 2, 4)] {
        let (mut writes, mut reads) = (Vec::new(), Vec::new());
        for seed in 1..=REPS / 2 {
            let res = run(&quorum(n, w, r), seed);
            writes.push(class_mean_ms(&res, "put"));
            reads.push(class_mean_ms(&res, "get"));
        }
        check(
            &format!("{n}/{w}/{r} write ms"),
            &writes,
            order_statistic(n, w, 10.0),
            0.03,
        );
        check(
            &format!("{n}/{w}/{r} read ms"),
            &reads,
            order_statistic(n, r, 10.0),
            0.03,
        );
    }
}

/// Many writes of few keys, so that a read often overlaps a recent write.
fn busy_quorum(n: u32, w: u32, r: u32) -> String {
    quorum(n, w, r)
        .replace("rate: 100", "rate: 2000")
        .replace("keys: 100", "keys: 20")
}

#[test]
fn quorums_that_overlap_never_read_stale_and_others_do() {
    for (n, w, r) in [(3, 2, 2), (3, 3, 1), (3, 1, 3), (5, 3, 3)] {
        let t = totals(&run(&busy_quorum(n, w, r), 1)).clone();
        println!("{n}/{w}/{r}: {} stale of {} reads", t.stale_reads, t.reads);
        assert!(t.reads > 90_000);
        assert_eq!(t.stale_reads, 0, "{n}/{w}/{r}: r + w > n");
    }
    for (n, w, r) in [(3, 1, 1), (3, 2, 1), (5, 2, 3)] {
        let t = totals(&run(&busy_quorum(n, w, r), 1)).clone();
        println!("{n}/{w}/{r}: {} stale of {} reads", t.stale_reads, t.reads);
        // Thousands expected: none would be a broken model.
        assert!(t.stale_reads > 100, "{n}/{w}/{r}: r + w <= n");
    }
}

/// A ring of three, 50 ms a hop; 500 writes and 500 reads a second over
/// 100 keys at random nodes: w = 5 writes per key per second.
const RING: &str = "
duration: 101s
warmup: 1s
traffic:
  to: db
  rate: 1000
  requests:
    get: { weight: 1, op: read, key: { uniform: { keys: 100 } } }
    put: { weight: 1, op: write, key: { uniform: { keys: 100 } } }
components:
  db:
    kind: database
    replication: { topology: ring, primaries: 3, lag: 50ms }
    workers: 1000
    read_time: 1us
    write_time: 1us
";

#[test]
fn a_ring_of_three_reads_stale_while_the_latest_write_goes_round() {
    let mut stale = Vec::new();
    for seed in 1..=REPS {
        let t = totals(&run(RING, seed)).clone();
        stale.push(t.stale_reads as f64 / t.reads as f64);
    }
    let wd: f64 = 5.0 * 0.05;
    let latest = (2.0 - (-wd).exp() - (-2.0 * wd).exp()) / 3.0;
    check("ring stale reads", &stale, latest, 0.02);
    // "Misses some write" would be 1 - e^(-wd): 8% higher, far outside.
    let e = estimate(&stale);
    assert!((1.0 - (-wd).exp() - e.mean) > 10.0 * e.se);
}

/// Writes and reads at random primaries; faults added per test.
const FAULTY: &str = "
duration: 60s
window: 5s
traffic:
  to: db
  rate: 1000
  requests:
    get: { weight: 1, op: read, key: { uniform: { keys: 1000 } } }
    put: { weight: 1, op: write, key: { uniform: { keys: 1000 } } }
components:
  db:
    kind: database
    replication: { topology: TOPOLOGY, lag: 10ms }
    workers: 100
    read_time: 1ms
    write_time: 1ms
faults:
  - FAULT
";

/// The replication row of the window starting at `s` seconds, of `node`
/// (`None`: the whole database).
fn window(r: &RunResult, s: u64, node: Option<u32>) -> ReplicationRow {
    let rows = &r.replication.as_ref().expect("rows").rows;
    rows.iter()
        .find(|x| x.start.nanos() == s * 1_000_000_000 && x.node == node)
        .expect("a row")
        .clone()
}

/// Whether the run logged an event of `kind`.
fn logged(r: &RunResult, kind: EventKind) -> bool {
    r.log.iter().any(|e| e.kind == kind)
}

fn faulty(topology: &str, fault: &str) -> RunResult {
    run(
        &FAULTY.replace("TOPOLOGY", topology).replace("FAULT", fault),
        3,
    )
}

#[test]
fn a_dead_primary_sends_its_callers_to_another() {
    let r = faulty(
        "multi_primary, primaries: 2",
        "{ at: 20s, crash: db.shard0.node0, for: 20s }",
    );
    // Only what node0 held when it died fails (about 0.5 calls in service
    // on average: 500 a second of 1 ms).
    let failed = r.requests_ended[3];
    println!("failed {failed} of {}", r.requests_sent);
    assert!(failed <= 10, "{failed} failed");
    assert_eq!(totals(&r).unavailable, 0);
    // Replication to node0 waited and was applied when it came back.
    let at = |s: u64, node: Option<u32>| window(&r, s, node);
    // At 35 s, node1's 7,500 writes since the crash wait for node0.
    assert!(at(30, Some(0)).backlog > 5000, "{:?}", at(30, Some(0)));
    assert!(at(45, Some(0)).backlog < 50, "{:?}", at(45, Some(0)));
}

#[test]
fn a_dead_ring_node_holds_what_it_has_not_forwarded() {
    let r = faulty(
        "ring, primaries: 3",
        "{ at: 20s, crash: db.shard0.node1, for: 20s }",
    );
    let row = |s: u64, node: u32| window(&r, s, Some(node));
    // Node 2 hears only from node 1: nothing while node 1 is down.
    let before = row(10, 2);
    let during = row(30, 2);
    println!(
        "node2 applied {} before, {} during",
        before.applied, during.applied
    );
    assert!(before.applied > 1000);
    assert_eq!(during.applied, 0);
    // Node 1's backlog grows while it is down and drains when it is back.
    assert!(row(30, 1).backlog > 1000);
    assert!(row(45, 1).backlog < 50);
    // Reads at node 2 go stale meanwhile: every key whose latest write was
    // at node 0 (about half of them, 10 s after the crash).
    assert!(during.stale_reads * 3 > during.reads, "{during:?}");
    assert!(logged(&r, EventKind::RingBroken));
    assert!(logged(&r, EventKind::RingRepaired));
}

#[test]
fn a_quorum_without_w_live_nodes_fails_writes() {
    // One of three down: 2/2 quorums still answer.
    let one = faulty(
        "quorum, n: 3, w: 2, r: 2",
        "{ at: 20s, crash: db.shard0.node0, for: 20s }",
    );
    assert_eq!(totals(&one).unavailable, 0);
    // Two of three down from 20 s to 40 s: every write and read fails
    // (about 20,000), nothing else does.
    let two = faulty(
        "quorum, n: 3, w: 2, r: 2",
        "{ at: 20s, crash: db.shard0.node0, for: 20s }\n  - { at: 20s, crash: db.shard0.node1, for: 20s }",
    );
    let u = totals(&two).unavailable as f64;
    println!("unavailable {u} (expected 20000 +- 4 sd)");
    assert!((u - 20_000.0).abs() < 4.0 * 20_000f64.sqrt() + 200.0, "{u}");
    assert!(logged(&two, EventKind::QuorumLost));
    assert!(logged(&two, EventKind::QuorumRegained));
}

#[test]
fn a_split_brain_piles_conflicts_up_and_heals_in_order() {
    let r = faulty(
        "multi_primary, primaries: 2",
        "{ at: 20s, partition: [db.shard0.node0, db.shard0.node1], for: 20s }",
    );
    let whole = |s: u64| window(&r, s, None);
    let (before, during, after) = (whole(10), whole(30), whole(50));
    println!(
        "conflicts per window: {:?} before, {:?} during, {:?} after; backlog {} during",
        before.conflicts, during.conflicts, after.conflicts, during.backlog
    );
    assert!(during.conflicts.unwrap() > 10 * before.conflicts.unwrap().max(1));
    assert!(during.backlog > 1000);
    assert!(after.backlog < 50);
    assert!(logged(&r, EventKind::ReplicationHeld));
    assert!(logged(&r, EventKind::ReplicationResumed));
}

#[test]
fn a_partition_between_data_centers_is_a_split_brain() {
    let yaml = TWO_REGIONS.replace("duration: 101s", "duration: 60s\nwindow: 5s")
        + "faults:\n  - { at: 20s, partition: [us-east, eu-west], for: 20s }\n";
    let r = run(&yaml, 1);
    let whole = |s: u64| window(&r, s, None);
    let (before, during, after) = (whole(10), whole(30), whole(50));
    println!(
        "conflicts per window: {:?} before, {:?} during, {:?} after; backlog {} during, {} after",
        before.conflicts, during.conflicts, after.conflicts, during.backlog, after.backlog
    );
    // Writes of every key at both primaries, none reaching the other.
    assert!(during.conflicts.unwrap() > 2 * before.conflicts.unwrap());
    assert!(during.conflicts.unwrap() * 10 > 9 * during.writes);
    assert!(during.backlog > 5000);
    assert!(after.backlog < 100);
    let held: Vec<_> = r
        .log
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::ReplicationHeld | EventKind::ReplicationResumed
            )
        })
        .map(|e| (e.time.nanos() / 1_000_000_000, e.kind))
        .collect();
    assert_eq!(
        held,
        [
            (20, EventKind::ReplicationHeld),
            (40, EventKind::ReplicationResumed)
        ]
    );
}
