//! `capsim estimate` for replication topologies ([replication]) against
//! closed forms: multi_primary's conflicts `1 - e^(-2wd)` and lost updates
//! `1 - e^(-wd)` (two primaries, Poisson writes of rate `w` per key at
//! each, one-way delay `d`), averaged over keys by their writes (uniform
//! and Zipf); a ring's stale reads `(1/P) sum_h (1 - e^(-w h d))`; with
//! data centers, uneven primaries (the callers' nearest) and the link's
//! latency in the delay; quorum latencies as order statistics of M/M/1
//! nodes (`(1/theta) sum_{i<k} 1/(n-i)`), each node taking `n/nodes` of
//! the load. All to 1e-9 (closed forms computed alike) or 1e-5 (numerical
//! order statistics). Primary/replica estimates print as before.
//!
//! The language of [replication] is written in parallel, so the models are
//! a primary/replica scenario compiled, then given their topology by hand.

use crate::common::model;
use capsim::components::ComponentKind;
use capsim::components::database::model::{Database, Topology};
use capsim::engine::SimDuration;
use capsim::model::{Datacenter, Dist, Geo, Link, Model, Origin, ReadFrom};
use capsim::planning::estimate::{ComponentEstimate, estimate};
use capsim::planning::estimate_table::estimate_table;
use capsim::queueing::StaleReads;
use capsim::queueing::order::{exp_order_mean, exp_order_var};

/// A web tier calling `db` (component 1): reads (weight 3) and writes
/// (weight 1) at `rate`, over `keys`; `db` with the given `workers`, times
/// and lag.
fn scenario(rate: f64, keys: &str, workers: u32, times: &str, lag: &str) -> Model {
    model(
        &format!(
            "
duration: 100s
traffic:
  to: web
  rate: {rate}
  requests:
    view: {{ weight: 3, op: read, key: {keys} }}
    buy:  {{ weight: 1, op: write, key: {keys} }}
components:
  web: {{ kind: service, workers: 64, service_time: {{ constant: 1ms }}, calls: [db] }}
  db:
    kind: database
    replicas: 1
    workers: {workers}
    replication: {{ mode: async, lag: {lag} }}
    {times}
"
        ),
        1,
    )
}

const CONSTANT_TIMES: &str = "read_time: { constant: 2ms }\n    write_time: { constant: 3ms }";
const UNIFORM_10: &str = "{ uniform: { keys: 10 } }";

fn db(m: &mut Model, x: usize) -> &mut Database {
    match &mut m.components[x].kind {
        ComponentKind::Database(d) => d,
        _ => panic!("component {x} is not a database"),
    }
}

/// `m`'s database `x` given `topology`, as the language will compile it.
fn with_topology(mut m: Model, x: usize, topology: Topology) -> Model {
    let d = db(&mut m, x);
    d.topology = topology;
    d.replicas = 0;
    d.read_from = ReadFrom::Primary;
    m
}

fn close(what: &str, got: f64, want: f64, tol: f64) {
    println!("{what}: estimate {got:.12}, closed form {want:.12}");
    assert!(
        (got - want).abs() <= tol * want.abs(),
        "{what}: estimate {got} vs closed form {want}"
    );
}

fn row<'a>(e: &'a capsim::planning::estimate::Estimate, name: &str) -> &'a ComponentEstimate {
    e.components.iter().find(|c| c.name == name).unwrap()
}

fn stale_share(s: StaleReads) -> f64 {
    match s {
        StaleReads::Share(x) => x,
        other => panic!("no stale share: {other:?}"),
    }
}

#[test]
fn two_primaries_conflict_and_lose_writes_by_the_closed_forms() {
    // 50 writes/s over 10 keys: 5/s per key, 2.5/s at each primary; d = 5 ms.
    let m = with_topology(
        scenario(200.0, UNIFORM_10, 64, CONSTANT_TIMES, "5ms"),
        1,
        Topology::MultiPrimary { primaries: 2 },
    );
    let e = estimate(&m);
    let db = row(&e, "db");
    let r = db.replication.as_ref().expect("replication figures");
    let (w, d): (f64, f64) = (2.5, 0.005);
    close(
        "conflicts",
        r.conflicts.unwrap(),
        1.0 - (-2.0 * w * d).exp(),
        1e-9,
    );
    close("lost", r.lost_updates.unwrap(), 1.0 - (-w * d).exp(), 1e-9);
    // A read is stale when the newest write (the other primary's half the
    // time) is younger than d: (1/2)(1 - e^(-2wd)).
    close(
        "stale",
        stale_share(r.stale_reads),
        0.5 * (1.0 - (-2.0 * w * d).exp()),
        1e-9,
    );
    assert_eq!(r.topology, "multi_primary (2)");
    close("writes/s", r.writes_rps, 50.0, 1e-12);
    close("reads/s", r.reads_rps, 150.0, 1e-12);
    // Each primary takes half of everything; no worker applies replication.
    assert_eq!(db.instances, 2);
    close(
        "utilisation",
        db.utilization.unwrap(),
        (75.0 * 0.002 + 25.0 * 0.003) / 64.0,
        1e-9,
    );
    // Writes are acknowledged at commit: no lag in their response.
    close("write ms", r.write_s.unwrap(), 0.003, 1e-9);
    close("read ms", r.read_s.unwrap(), 0.002, 1e-9);
    assert!(
        db.detail
            .starts_with("busiest shard0.node0; all nodes: 150 reads/s, 50 writes/s")
    );
    let text = estimate_table(&m, &e);
    println!("{text}");
    assert!(text.contains("replication (conflicts and lost updates: shares of writes;"));
    assert!(text.contains("db        multi_primary (2)"), "{text}");
    assert!(text.contains("note: `db` (multi_primary): each request at its nearest node"));
}

#[test]
fn popular_keys_conflict_more_averaged_by_their_writes() {
    // Zipf 1.0 over 100 keys: key k written at 50 p_k a second.
    let keys = "{ zipf: { keys: 100, exponent: 1.0 } }";
    let m = with_topology(
        scenario(200.0, keys, 64, CONSTANT_TIMES, "20ms"),
        1,
        Topology::MultiPrimary { primaries: 3 },
    );
    let e = estimate(&m);
    let r = row(&e, "db").replication.clone().unwrap();
    let h: f64 = (1..=100).map(|k| 1.0 / k as f64).sum();
    let d = 0.02;
    let (mut c, mut l, mut s) = (0.0, 0.0, 0.0);
    for k in 1..=100 {
        let p = 1.0 / k as f64 / h;
        // Three primaries of rate w = 50 p / 3 each: two others.
        let w = 50.0 * p / 3.0;
        c += p * (1.0 - (-2.0 * w * 2.0 * d).exp());
        l += p * (1.0 - (-2.0 * w * d).exp());
        // Reads (same key popularity): the newest write elsewhere 2/3 of
        // the time, younger than d.
        s += p * (2.0 / 3.0) * (1.0 - (-3.0 * w * d).exp());
    }
    close("zipf conflicts", r.conflicts.unwrap(), c, 1e-9);
    close("zipf lost", r.lost_updates.unwrap(), l, 1e-9);
    close("zipf stale", stale_share(r.stale_reads), s, 1e-9);
    // A uniform key space of the same size conflicts less.
    let u = with_topology(
        scenario(
            200.0,
            "{ uniform: { keys: 100 } }",
            64,
            CONSTANT_TIMES,
            "20ms",
        ),
        1,
        Topology::MultiPrimary { primaries: 3 },
    );
    let ru = row(&estimate(&u), "db").replication.clone().unwrap();
    assert!(ru.conflicts.unwrap() < r.conflicts.unwrap());
}

#[test]
fn a_ring_of_three_reads_stale_by_its_distance_to_the_newest_write() {
    // 5 writes/s per key over the ring, 5 ms a hop.
    let m = with_topology(
        scenario(200.0, UNIFORM_10, 64, CONSTANT_TIMES, "5ms"),
        1,
        Topology::Ring { primaries: 3 },
    );
    let e = estimate(&m);
    let r = row(&e, "db").replication.clone().unwrap();
    let (w, d): (f64, f64) = (5.0, 0.005);
    let stale = (0..3).map(|h| 1.0 - (-w * h as f64 * d).exp()).sum::<f64>() / 3.0;
    close("ring stale", stale_share(r.stale_reads), stale, 1e-9);
    // Every other node's two paths add up to the ring, 3 d: rate w/3 each.
    close(
        "ring conflicts",
        r.conflicts.unwrap(),
        1.0 - (-2.0 * (w / 3.0) * 3.0 * d).exp(),
        1e-9,
    );
    // Lost: the others commit before the write gets there (1 and 2 hops).
    close(
        "ring lost",
        r.lost_updates.unwrap(),
        1.0 - (-(w / 3.0) * 3.0 * d).exp(),
        1e-9,
    );
    assert_eq!(r.topology, "ring (3)");
    assert_eq!(row(&e, "db").instances, 3);
}

#[test]
fn an_exponential_lag_is_applied_in_commit_order() {
    // Two primaries, lag exponential of mean 10 ms (rate mu), each
    // primary's 25 writes/s (all keys) applied at the other in commit
    // order: a write's delay E has P(E <= x) = (1 - e^(-mu x)) G(x) with
    // G(x) = exp(-(25/mu) e^(-mu x)), and the oldest write on its way has
    // an age U of distribution G (U = 0: none). Per key w = 2.5 a second:
    // lost 1 - E[e^(-wE)]; conflicts 1 - (q G(0) + (1 - q) E[e^(-wU)])
    // E[e^(-wE)] with q = w / 25; stale (1/2)(1 - E[e^(-2wE)]).
    let m = with_topology(
        scenario(
            200.0,
            UNIFORM_10,
            64,
            CONSTANT_TIMES,
            "{ exponential: { mean: 10ms } }",
        ),
        1,
        Topology::MultiPrimary { primaries: 2 },
    );
    let r = row(&estimate(&m), "db").replication.clone().unwrap();
    let (w, mu, rate): (f64, f64, f64) = (2.5, 100.0, 25.0);
    let g = |x: f64| (-(rate / mu) * (-mu * x).exp()).exp();
    let f_e = |x: f64| (1.0 - (-mu * x).exp()) * g(x);
    // E[e^(-sX)] = F(0) + int e^(-sx) dF, by a fine midpoint sum.
    let laplace = |f: &dyn Fn(f64) -> f64, s: f64| {
        let (n, top) = (400_000, 1.0);
        let h = top / n as f64;
        let mut sum = f(0.0);
        for k in 0..n {
            let (a, b) = (k as f64 * h, (k + 1) as f64 * h);
            sum += (-s * (a + h / 2.0)).exp() * (f(b) - f(a));
        }
        sum
    };
    let le = laplace(&f_e, w);
    let q = w / rate;
    let clear = q * g(0.0) + (1.0 - q) * laplace(&g, w);
    close("lost", r.lost_updates.unwrap(), 1.0 - le, 1e-4);
    close("conflicts", r.conflicts.unwrap(), 1.0 - clear * le, 1e-4);
    close(
        "stale",
        stale_share(r.stale_reads),
        0.5 * (1.0 - laplace(&f_e, 2.0 * w)),
        1e-4,
    );
    // Longer than each write on its own: 1 - 1/(1 + w 10 ms).
    assert!(r.lost_updates.unwrap() > 1.0 - 1.0 / (1.0 + w * 0.01));
}

/// `scenario` with a balancer per data center in front of a web pool per
/// data center (lb-us 0, lb-eu 1, web-us 2, web-eu 3, db 4, standing in
/// us), its nodes in `node_dcs` (0: us, 1: eu, 40 ms apart), origins na
/// (60%, entering in us) and eu (40%, in eu).
fn two_dcs(topology: Topology, node_dcs: Vec<u8>) -> Model {
    let ms = SimDuration::from_millis;
    let mut m = model(
        "
duration: 100s
traffic:
  to: lb-us
  rate: 200
  requests:
    view: { weight: 3, op: read, key: { uniform: { keys: 10 } } }
    buy:  { weight: 1, op: write, key: { uniform: { keys: 10 } } }
components:
  lb-us: { kind: load_balancer, to: web-us }
  lb-eu: { kind: load_balancer, to: web-eu }
  web-us: { kind: service, workers: 64, service_time: { constant: 1ms }, calls: [db] }
  web-eu: { kind: service, workers: 64, service_time: { constant: 1ms }, calls: [db] }
  db:
    kind: database
    replicas: 1
    workers: 64
    replication: { mode: async, lag: 5ms }
    read_time: { constant: 2ms }
    write_time: { constant: 3ms }
",
        1,
    );
    let origin = |name: &str, share: f64, to| Origin {
        name: name.into(),
        share,
        latency: vec![ms(0), ms(0)],
        to,
    };
    m.geo = Some(Box::new(Geo {
        datacenters: ["us", "eu"]
            .iter()
            .map(|n| Datacenter {
                name: n.to_string(),
                price_factor: 1.0,
            })
            .collect(),
        within: ms(1),
        links: vec![Link {
            a: 0,
            b: 1,
            latency: Dist::Constant(ms(40)),
            bandwidth_bps: None,
            egress_per_gb: None,
        }],
        origins: vec![origin("na", 0.6, 0), origin("eu", 0.4, 1)],
        placement: vec![0, 1, 0, 1, 0],
        node_dcs: vec![vec![], vec![], vec![], vec![], node_dcs],
        bytes: vec![Default::default(); 2],
    }));
    with_topology(m, 4, topology)
}

#[test]
fn with_data_centers_each_caller_writes_at_its_nearest_primary() {
    let m = two_dcs(Topology::MultiPrimary { primaries: 2 }, vec![0, 1]);
    let e = estimate(&m);
    let db = row(&e, "db");
    let r = db.replication.clone().unwrap();
    // Per key: 5 writes/s, 60% at us, 40% at eu; d = 5 ms lag + 40 ms link.
    let (us, eu, d): (f64, f64, f64) = (3.0, 2.0, 0.045);
    let conflicts = 0.6 * (1.0 - (-eu * 2.0 * d).exp()) + 0.4 * (1.0 - (-us * 2.0 * d).exp());
    let lost = 0.6 * (1.0 - (-eu * d).exp()) + 0.4 * (1.0 - (-us * d).exp());
    // Reads at us (60%) are stale when the newest write is eu's (40%) and
    // younger than d; at eu the other way round.
    let stale = 2.0 * 0.6 * 0.4 * (1.0 - (-5.0 * d).exp());
    close("geo conflicts", r.conflicts.unwrap(), conflicts, 1e-9);
    close("geo lost", r.lost_updates.unwrap(), lost, 1e-9);
    close("geo stale", stale_share(r.stale_reads), stale, 1e-9);
    // The busiest node is us's, with 60% of the calls.
    assert_eq!(db.busiest.as_deref(), Some("shard0.node0"));
    close(
        "us utilisation",
        db.utilization.unwrap(),
        0.6 * (150.0 * 0.002 + 50.0 * 0.003) / 64.0,
        1e-9,
    );
    // Every call stays in its data center: no link carries anything, and
    // a request takes its hops (1 ms each way), 1 ms of web and the node.
    let g = e.geo.as_ref().unwrap();
    assert!(g.links.iter().all(|l| l.messages_rps == 0.0));
    let want = 2.0 * 0.001 + 0.001 + 2.0 * 0.001 + (3.0 * 0.002 + 0.003) / 4.0;
    close("end to end", e.end_to_end.unwrap().mean_s, want, 1e-9);
}

/// `scenario` with M/M/1 nodes (one worker, reads and writes exponential
/// of mean 2 ms), lag 1 ms, as a quorum.
fn quorum(rate: f64, nodes: u32, n: u32, w: u32, r: u32) -> Model {
    let times =
        "read_time: { exponential: { mean: 2ms } }\n    write_time: { exponential: { mean: 2ms } }";
    with_topology(
        scenario(rate, UNIFORM_10, 1, times, "1ms"),
        1,
        Topology::Quorum { nodes, n, w, r },
    )
}

#[test]
fn quorum_times_are_order_statistics_of_mm1_nodes() {
    // 100 requests/s each to all 3 nodes: a node is M/M/1 at 100/s, rho 0.2;
    // its time 1 ms + exponential of rate 500 - 100 = 400/s.
    let e = estimate(&quorum(100.0, 3, 3, 2, 2));
    let db = row(&e, "db");
    close("node utilisation", db.utilization.unwrap(), 0.2, 1e-9);
    let r = db.replication.clone().unwrap();
    let want = 0.001 + exp_order_mean(3, 2, 400.0);
    close("write (2 of 3)", r.write_s.unwrap(), want, 1e-5);
    close("read (2 of 3)", r.read_s.unwrap(), want, 1e-5);
    assert_eq!(r.stale_reads, StaleReads::Never);
    assert!(r.conflicts.is_none() && r.lost_updates.is_none());
    assert_eq!(r.topology, "quorum (n=3, w=2, r=2)");
    // The web tier holds its worker for the quorum's time: 1 ms + it.
    let web = row(&e, "web");
    close(
        "web response",
        web.mean_response_s.unwrap(),
        0.001 + want,
        1e-5,
    );
    // The variance reaches the end-to-end figures.
    let t = e.end_to_end.unwrap();
    close(
        "end-to-end sd",
        t.sd_s,
        exp_order_var(3, 2, 400.0).sqrt(),
        1e-4,
    );

    // w = 3, r = 1: the slowest write, the fastest read; stale possible.
    let e = estimate(&quorum(100.0, 3, 3, 3, 1));
    let r = row(&e, "db").replication.clone().unwrap();
    close(
        "write (3 of 3)",
        r.write_s.unwrap(),
        0.001 + exp_order_mean(3, 3, 400.0),
        1e-5,
    );
    close(
        "read (1 of 3)",
        r.read_s.unwrap(),
        0.001 + exp_order_mean(3, 1, 400.0),
        1e-5,
    );
    assert_eq!(r.stale_reads, StaleReads::Never);
    let m = quorum(100.0, 3, 3, 1, 1);
    let e = estimate(&m);
    let r = row(&e, "db").replication.clone().unwrap();
    assert_eq!(r.stale_reads, StaleReads::Possible);
    let text = estimate_table(&m, &e);
    println!("{text}");
    assert!(text.contains("possible"));
    assert!(text.contains("a write's time is the 1st fastest of its 3 nodes'"));
    assert!(text.contains("r + w <= n: stale reads possible, not estimated"));
}

#[test]
fn quorum_nodes_take_the_keys_they_hold() {
    // 5 nodes, each key on 3 consecutive from its first node, which the
    // runtime hashes: keys 0..9 start at nodes 0 4 2 2 0 4 3 2 1 0. Node j
    // holds the keys starting at j, j - 1 and j - 2: 6, 6, 7, 5, 6 of the
    // 10, so each M/M/1 node takes 10 requests/s per key, node 2 the most
    // (70/s, rho 0.14), each exponential of rate 500 - its load.
    let first = [0usize, 4, 2, 2, 0, 4, 3, 2, 1, 0];
    let mut held = [0.0; 5];
    for &p in &first {
        for i in 0..3 {
            held[(p + i) % 5] += 1.0;
        }
    }
    assert_eq!(held, [6.0, 6.0, 7.0, 5.0, 6.0]);
    let e = estimate(&quorum(100.0, 5, 3, 2, 2));
    let db = row(&e, "db");
    assert_eq!(db.instances, 5);
    assert_eq!(db.busiest.as_deref(), Some("shard0.node2"));
    close("node 2's utilisation", db.utilization.unwrap(), 0.14, 1e-9);
    // The 2nd fastest of independent exponentials of rates a, b, c: the
    // first after 1/(a+b+c), then the faster of the other two.
    let theta = |j: usize| 500.0 - 10.0 * held[j];
    let second = |p: usize| {
        let t: Vec<f64> = (0..3).map(|i| theta((p + i) % 5)).collect();
        let sum: f64 = t.iter().sum();
        1.0 / sum + t.iter().map(|x| x / sum / (sum - x)).sum::<f64>()
    };
    let want = 0.001 + first.iter().map(|&p| second(p)).sum::<f64>() / 10.0;
    let r = db.replication.clone().unwrap();
    close("write", r.write_s.unwrap(), want, 1e-5);
    close("read", r.read_s.unwrap(), want, 1e-5);
    assert_eq!(r.topology, "quorum (n=3 of 5, w=2, r=2)");
    // Past saturation (node 2 at 630 requests/s x 2 ms = 1.26): no
    // latency, the figures that need none still there.
    let e = estimate(&quorum(900.0, 5, 3, 2, 2));
    let db = row(&e, "db");
    assert!(db.saturated);
    let r = db.replication.clone().unwrap();
    assert!(r.write_s.is_none() && r.read_s.is_none());
    assert!(e.end_to_end.is_none());
}

#[test]
fn closed_arrivals_estimate_every_topology() {
    for topology in [
        Topology::MultiPrimary { primaries: 2 },
        Topology::Ring { primaries: 3 },
        Topology::Quorum {
            nodes: 3,
            n: 3,
            w: 2,
            r: 2,
        },
    ] {
        let mut m = scenario(100.0, UNIFORM_10, 4, CONSTANT_TIMES, "5ms");
        m.traffic.arrivals = capsim::model::Arrivals::Closed {
            users: 20,
            think_time: Dist::Exponential { mean: 0.1 },
        };
        let m = with_topology(m, 1, topology);
        let e = estimate(&m);
        let c = e.closed.as_ref().expect("closed");
        assert!(c.throughput_rps > 0.0 && c.throughput_rps < 200.0, "{c:?}");
        assert!(row(&e, "db").replication.is_some());
    }
}

#[test]
fn primary_replica_estimates_are_as_before() {
    let m = scenario(200.0, UNIFORM_10, 64, CONSTANT_TIMES, "5ms");
    let e = estimate(&m);
    assert!(e.components.iter().all(|c| c.replication.is_none()));
    let text = estimate_table(&m, &e);
    assert!(!text.contains("replication"), "{text}");
    assert!(text.contains("busiest shard0.primary; all nodes: 150 reads/s, 50 writes/s"));
}

#[test]
fn with_data_centers_a_quorum_waits_for_its_far_nodes() {
    // Nodes in us, us, eu; each key on 2 consecutive ones from its first
    // (the runtime's hash: keys 0, 1, 3 start at node 0, the other 7 at
    // node 2): {0, 1} or {2, 0}. The coordinator stands with the node
    // nearest the caller: us for web-us (60%), eu for web-eu (40%); a node
    // across the link adds 40 ms each way to the 5 ms lag. Constant times
    // at a rate where nothing waits.
    let topology = |w, r| Topology::Quorum {
        nodes: 3,
        n: 2,
        w,
        r,
    };
    let e = estimate(&two_dcs(topology(2, 1), vec![0, 0, 1]));
    let r = row(&e, "db").replication.clone().unwrap();
    // Writes wait for both: from us 5 ms ({0, 1}) or 85 ms ({2, 0}); from
    // eu always 85 ms; then 3 ms of write.
    let us = 0.3 * 0.005 + 0.7 * 0.085;
    close(
        "write (2 of 2)",
        r.write_s.unwrap(),
        0.6 * us + 0.4 * 0.085 + 0.003,
        1e-9,
    );
    // Reads take the first: from us always 5 ms; from eu 85 ms for {0, 1},
    // else 5 ms; then 2 ms of read.
    let eu = 0.3 * 0.085 + 0.7 * 0.005;
    close(
        "read (1 of 2)",
        r.read_s.unwrap(),
        0.6 * 0.005 + 0.4 * eu + 0.002,
        1e-9,
    );
    // r + w = 3 > n = 2.
    assert_eq!(r.stale_reads, StaleReads::Never);
    // Each caller's call stays in its data center (the coordinator's).
    let g = e.geo.as_ref().unwrap();
    assert!(g.links.iter().all(|l| l.messages_rps == 0.0));
}

/// Against the simulator, where the closed forms approximate: three
/// primaries (lognormal lag, through channels in commit order), a ring of
/// four (exponential lag, each hop in order) and a quorum at half load
/// (its nodes' waits taken as independent), Zipf keys, moderate load.
const AGAINST: &str = "
duration: 61s
warmup: 1s
traffic:
  to: db
  rate: 2000
  requests:
    get: { weight: 1, op: read, key: { zipf: { keys: 1000, exponent: 1.0 } } }
    put: { weight: 1, op: write, key: { zipf: { keys: 1000, exponent: 1.0 } } }
components:
  db:
    kind: database
    replication: TOPOLOGY
    workers: WORKERS
    read_time: { exponential: { mean: 2ms } }
    write_time: { exponential: { mean: 3ms } }
";

/// The estimate's figures and the simulated ones (mean and standard error
/// over `reps` seeds): conflicts, lost updates, stale reads, write and read
/// ms.
fn against(topology: &str, workers: u32, rate: u32, reps: u64) -> Vec<(f64, f64, f64)> {
    let yaml = AGAINST
        .replace("TOPOLOGY", topology)
        .replace("WORKERS", &workers.to_string())
        .replace("rate: 2000", &format!("rate: {rate}"));
    let r = row(&estimate(&model(&yaml, 1)), "db")
        .replication
        .clone()
        .unwrap();
    let mut sim = vec![Vec::new(); 5];
    for seed in 1..=reps {
        let res = crate::common::run(&yaml, seed);
        let t = &res.replication.as_ref().expect("replicated").totals[0];
        let mean_ms = |class: &str| {
            let (_, h) = res
                .latency_by_class
                .iter()
                .find(|(c, _)| c == class)
                .unwrap();
            h.mean().unwrap().nanos() as f64 / 1e6
        };
        sim[0].push(t.conflicts.unwrap_or(0) as f64 / t.writes as f64);
        sim[1].push(t.lost_updates.unwrap_or(0) as f64 / t.writes as f64);
        sim[2].push(t.stale_reads as f64 / t.reads as f64);
        sim[3].push(mean_ms("put"));
        sim[4].push(mean_ms("get"));
    }
    let est = [
        r.conflicts.unwrap_or(0.0),
        r.lost_updates.unwrap_or(0.0),
        match r.stale_reads {
            StaleReads::Share(s) => s,
            _ => 0.0,
        },
        r.write_s.unwrap() * 1e3,
        r.read_s.unwrap() * 1e3,
    ];
    let names = ["conflicts", "lost", "stale", "write ms", "read ms"];
    est.iter()
        .zip(&sim)
        .zip(names)
        .map(|((e, xs), name)| {
            let s = crate::common::estimate(xs);
            println!(
                "{topology} {name}: estimate {e:.5}, simulated {:.5} +- {:.5} (se)",
                s.mean, s.se
            );
            (*e, s.mean, s.se)
        })
        .collect()
}

/// `est` within 4 standard errors plus `rel` of the simulated mean.
fn near((est, sim, se): (f64, f64, f64), rel: f64) {
    assert!(
        (est - sim).abs() <= 4.0 * se + rel * sim.abs(),
        "estimate {est} vs simulated {sim} +- {se}"
    );
}

#[test]
fn the_closed_forms_follow_the_simulator_with_random_lags() {
    // Measured (6 seeds of 120 s): conflicts 0.4314 vs 0.4315, lost
    // 0.3357 vs 0.3340, stale 0.2557 vs 0.2553.
    let f = against(
        "{ topology: multi_primary, primaries: 3, lag: { lognormal: { median: 20ms, p99: 80ms } } }",
        4,
        2000,
        3,
    );
    for x in &f {
        near(*x, 0.01);
    }
    // The ring's in-order hops are taken as independent: conflicts 0.4708
    // vs 0.4748, lost 0.3747 vs 0.3799 (1.4% low), stale 0.2976 vs 0.2987.
    let f = against(
        "{ topology: ring, primaries: 4, lag: { exponential: { mean: 10ms } } }",
        4,
        2000,
        3,
    );
    for x in &f {
        near(*x, 0.02);
    }
}

#[test]
fn quorum_times_follow_the_simulator_at_half_load() {
    // One worker per node, the busiest 49% busy: the key's nodes get the
    // same requests, so their waits go together and the w-th fastest is
    // slower than for independent nodes: the estimate is 2-3% low (write
    // 5.38 vs 5.49 ms, read 4.38 vs 4.51).
    let f = against(
        "{ topology: quorum, nodes: 5, n: 3, w: 2, r: 2, lag: 1ms }",
        1,
        300,
        3,
    );
    near(f[3], 0.04);
    near(f[4], 0.04);
    assert!(f[3].0 < f[3].1 && f[4].0 < f[4].1);
}
