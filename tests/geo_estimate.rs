//! `capsim estimate` with data centers ([geo]) against closed forms: the
//! hop latencies with constant latencies (exact, to 1e-9 relative: the
//! stations are so lightly loaded that their waits vanish below 1e-100 s,
//! so each response time is a sum of constants), the Pollaczek-Khinchine
//! wait of a link direction (to 1e-9: the estimate computes the same
//! formula), the origins' split by the DNS's policy (exact) and egress
//! cost (to 1e-9).
//!
//! The language of [geo] is written in parallel, so the models are a
//! scenario of today's language compiled, then given their data centers,
//! origins and DNS by hand.

use crate::common::model;
use capsim::components::ComponentKind;
use capsim::components::dns::model::{Dns, DnsPolicy};
use capsim::engine::SimDuration;
use capsim::model::{
    Arrivals, Bytes, Component, Datacenter, Dist, Geo, Link, Model, NO_DC, Origin, RateSchedule,
    ReadFrom,
};
use capsim::planning::estimate::{Estimate, estimate};
use capsim::planning::estimate_table::estimate_table;

const US: u8 = 0;
const EU: u8 = 1;

/// Two entry balancers, a web pool per data center and one database
/// (primary and replica0 in us, replica1 in eu), at a rate so low that no
/// station waits: reads (weight 3) and writes (weight 1), constant times.
fn base() -> Model {
    let mut m = model(
        "
duration: 100s
traffic:
  to: lb-us
  rate: 1
  requests:
    view: { weight: 3, op: read, key: { uniform: { keys: 1000 } } }
    buy:  { weight: 1, op: write, key: { uniform: { keys: 1000 } } }
components:
  lb-us: { kind: load_balancer, to: web-us }
  lb-eu: { kind: load_balancer, to: web-eu }
  web-us: { kind: service, workers: 64, service_time: { constant: 10ms }, calls: [db] }
  web-eu: { kind: service, workers: 64, service_time: { constant: 10ms }, calls: [db] }
  db:
    kind: database
    replicas: 2
    workers: 64
    read_time: { constant: 5ms }
    write_time: { constant: 8ms }
",
        1,
    );
    if let ComponentKind::Database(d) = &mut m.components[4].kind {
        d.read_from = ReadFrom::Nearest;
    }
    m
}

fn ms(x: u64) -> SimDuration {
    SimDuration::from_millis(x)
}

/// `base` with a DNS (component 5) in front, by `policy`, two data centers
/// `within` 1 ms and 40 ms apart, origins na (60%) and eu (40%).
fn geo_model(policy: DnsPolicy, link: Link, bytes: Bytes) -> Model {
    let mut m = base();
    m.components.push(Component {
        name: "dns".into(),
        kind: ComponentKind::Dns(Dns {
            to: vec![0, 1],
            policy,
            ttl: ms(60_000),
            resolvers: 1000,
            health_check: None,
        }),
    });
    m.traffic.to = 5;
    let origin = |name: &str, share: f64, us: u64, eu: u64| Origin {
        name: name.into(),
        share,
        latency: vec![ms(us), ms(eu)],
        to: 5,
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
        links: vec![link],
        origins: vec![origin("na", 0.6, 15, 85), origin("eu", 0.4, 80, 12)],
        placement: vec![US, EU, US, EU, US, NO_DC],
        node_dcs: vec![vec![], vec![], vec![], vec![], vec![US, US, EU], vec![]],
        bytes: vec![bytes; 2],
    }));
    m
}

fn link(bandwidth_bps: Option<f64>, egress_per_gb: Option<f64>) -> Link {
    Link {
        a: US,
        b: EU,
        latency: Dist::Constant(ms(40)),
        bandwidth_bps,
        egress_per_gb,
    }
}

fn close(what: &str, got: f64, want: f64, tol: f64) {
    println!("{what}: estimate {got:.9}, closed form {want:.9}");
    assert!(
        (got / want - 1.0).abs() <= tol,
        "{what}: estimate {got} vs closed form {want}"
    );
}

fn origin_mean(e: &Estimate, o: usize) -> f64 {
    e.geo.as_ref().unwrap().origins[o].response.unwrap().mean
}

/// Read and write response times (seconds) through an entry in `dc` for an
/// origin `one_way` ms from it: entry both ways, balancer to web (within,
/// both ways), web 10 ms, web to db (reads: within, to the nearest replica
/// in the caller's DC; writes: the primary in us), db 5 or 8 ms.
fn path(dc: u8, one_way: f64) -> (f64, f64) {
    let write_hop = if dc == US { 2.0 } else { 80.0 };
    let read = 2.0 * one_way + 2.0 + 10.0 + 2.0 + 5.0;
    let write = 2.0 * one_way + 2.0 + 10.0 + write_hop + 8.0;
    (read / 1e3, write / 1e3)
}

fn classes((read, write): (f64, f64)) -> f64 {
    (3.0 * read + write) / 4.0
}

#[test]
fn nearest_sends_each_origin_to_its_nearest_entry_and_sums_its_hops() {
    let e = estimate(&geo_model(
        DnsPolicy::Nearest,
        link(None, None),
        Bytes::default(),
    ));
    let g = e.geo.as_ref().expect("geo");
    assert_eq!(g.origins[0].entries, vec![("lb-us".to_string(), 1.0)]);
    assert_eq!(g.origins[1].entries, vec![("lb-eu".to_string(), 1.0)]);
    let na = classes(path(US, 15.0));
    let eu = classes(path(EU, 12.0));
    close("na mean", origin_mean(&e, 0), na, 1e-9);
    close("eu mean", origin_mean(&e, 1), eu, 1e-9);
    let t = e.end_to_end.expect("stable");
    close("end-to-end mean", t.mean_s, 0.6 * na + 0.4 * eu, 1e-9);
    // Constant times: the variance is the mixture's alone.
    let (nr, nw) = path(US, 15.0);
    let (er, ew) = path(EU, 12.0);
    let parts = [(0.45, nr), (0.15, nw), (0.3, er), (0.1, ew)];
    let mean: f64 = parts.iter().map(|(w, x)| w * x).sum();
    let var: f64 = parts.iter().map(|(w, x)| w * x * x).sum::<f64>() - mean * mean;
    close("end-to-end sd", t.sd_s, var.sqrt(), 1e-6);
    // The only crossing: eu's writes to the primary, a call one way and
    // its reply back, each at 0.4 x 1/4 of the rate.
    let l = &g.links;
    close("eu -> us messages", l[1].messages_rps, 0.1, 1e-12);
    close("us -> eu messages", l[0].messages_rps, 0.1, 1e-12);
    assert!(l[0].utilization.is_none());
}

#[test]
fn weighted_and_failover_split_every_origin_alike() {
    let e = estimate(&geo_model(
        DnsPolicy::Weighted(vec![70.0, 30.0]),
        link(None, None),
        Bytes::default(),
    ));
    let g = e.geo.as_ref().unwrap();
    for o in &g.origins {
        assert_eq!(
            o.entries,
            vec![("lb-us".to_string(), 0.7), ("lb-eu".to_string(), 0.3)]
        );
    }
    let na = 0.7 * classes(path(US, 15.0)) + 0.3 * classes(path(EU, 85.0));
    let eu = 0.7 * classes(path(US, 80.0)) + 0.3 * classes(path(EU, 12.0));
    close("weighted na", origin_mean(&e, 0), na, 1e-9);
    close("weighted eu", origin_mean(&e, 1), eu, 1e-9);
    close(
        "weighted entry latency na",
        g.origins[0].entry_latency_s,
        0.7 * 0.015 + 0.3 * 0.085,
        1e-12,
    );

    let e = estimate(&geo_model(
        DnsPolicy::Failover,
        link(None, None),
        Bytes::default(),
    ));
    let g = e.geo.as_ref().unwrap();
    assert!(
        g.origins
            .iter()
            .all(|o| o.entries == vec![("lb-us".to_string(), 1.0)])
    );
    close(
        "failover eu",
        origin_mean(&e, 1),
        classes(path(US, 80.0)),
        1e-9,
    );
    // Nothing enters in eu: nothing crosses.
    assert!(g.links.iter().all(|l| l.messages_rps == 0.0));
    let lb_eu = &e.components[1];
    assert_eq!(lb_eu.offered_rps, 0.0);
}

#[test]
fn a_link_direction_waits_as_an_md1() {
    // 10 KB each way, 1 Mbps: S = 80 ms a message; 0.1 messages/s each
    // way (eu's writes): rho = 0.008.
    let bytes = Bytes {
        request: 10_000,
        response: 10_000,
    };
    let m = geo_model(DnsPolicy::Nearest, link(Some(1e6), Some(0.02)), bytes);
    let e = estimate(&m);
    let g = e.geo.as_ref().unwrap();
    let (lambda, s) = (0.1, 0.08);
    let rho = lambda * s;
    let w = rho * s / (2.0 * (1.0 - rho));
    for l in &g.links {
        close("utilisation", l.utilization.unwrap(), rho, 1e-12);
        close("P-K wait", l.wait_s.unwrap(), w, 1e-9);
        close("bytes/s", l.bytes_ps, 1_000.0, 1e-12);
    }
    // eu's writes pay the wait and the transmission both ways.
    let (er, ew) = path(EU, 12.0);
    let eu = (3.0 * er + ew + 2.0 * (w + s)) / 4.0;
    close(
        "eu mean with the link's queue",
        origin_mean(&e, 1),
        eu,
        1e-9,
    );
    // 2 x 1000 bytes/s x 3600 / 1e9 x 0.02 per GB.
    close(
        "egress per hour",
        g.egress_per_hour.unwrap(),
        2.0 * 1000.0 * 3600.0 / 1e9 * 0.02,
        1e-9,
    );
    let table = estimate_table(&m, &e);
    println!("{table}");
    assert!(table.contains("per origin"), "{table}");
    assert!(table.contains("us -> eu"), "{table}");
    assert!(table.contains("cost:"), "{table}");

    // 50 Kbps at 20 rps: 2 messages/s of 1.6 s each way, rho = 3.2.
    let mut m = geo_model(DnsPolicy::Nearest, link(Some(5e4), None), bytes);
    m.traffic.arrivals = Arrivals::Poisson(RateSchedule::constant(20.0));
    let e = estimate(&m);
    assert!(e.saturated());
    assert!(e.end_to_end.is_none());
    assert!(
        e.warnings.iter().any(|w| w.contains("link `")),
        "{:?}",
        e.warnings
    );
}

#[test]
fn without_datacenters_there_is_no_geo_estimate() {
    let e = estimate(&base());
    assert!(e.geo.is_none());
    // The origin paths with no latency: the no-geo figures (reads at the
    // replicas, writes at the primary, nothing on the network).
    let t = e.end_to_end.unwrap();
    close("no geo mean", t.mean_s, (3.0 * 0.015 + 0.018) / 4.0, 1e-9);
}

#[test]
fn nearest_reads_load_the_replica_in_the_callers_dc_and_sync_waits_for_the_link() {
    // Reads: na's 0.45/s to replica0 (us), eu's 0.3/s to replica1 (eu);
    // the replica station stands for the busiest, 60% of the reads.
    let m = geo_model(DnsPolicy::Nearest, link(None, None), Bytes::default());
    let e = estimate(&m);
    let db = &e.components[4];
    close(
        "busiest replica",
        db.utilization.unwrap(),
        0.45 * 0.005 / 64.0,
        1e-9,
    );
    assert_eq!(db.busiest.as_deref(), Some("shard0.replica0"));
    // Sync: a write waits for the lag and the farthest replica's link
    // (replica1 in eu, 40 ms from the primary).
    let mut m = m;
    if let ComponentKind::Database(d) = &mut m.components[4].kind {
        d.replication = capsim::model::ReplicationMode::Sync;
        d.lag = Dist::Constant(ms(2));
    }
    let e = estimate(&m);
    let na = classes(path(US, 15.0)) + 0.25 * 0.042;
    close("sync na mean", origin_mean(&e, 0), na, 1e-9);
}
