//! Replication topologies against theory (scratch: topologies set on the
//! compiled model until the language lands).

use crate::common::*;
use capsim::model::{ComponentKind, Topology};
use capsim::simulation::{self, RunResult};

fn run_topology(yaml: &str, seed: u64, t: Topology) -> RunResult {
    let mut m = model(yaml, seed);
    for c in &mut m.components {
        if let ComponentKind::Database(d) = &mut c.kind {
            d.topology = t;
            d.replicas = 0;
        }
    }
    simulation::run(&m, &mut capsim::metrics::NullSink).expect("in memory")
}

const WRITES: &str = "
duration: 21s
warmup: 1s
traffic:
  to: db
  rate: 1000
  requests:
    put: { weight: 1, op: write, key: { uniform: { keys: 100 } } }
components:
  db:
    kind: database
    replicas: 1
    workers: 1000
    read_time: 1us
    write_time: 1us
    replication: { lag: 50ms }
";

#[test]
fn scratch_multi_primary() {
    let (mut cs, mut ls) = (vec![], vec![]);
    for seed in 1..41 {
        let r = run_topology(
            &WRITES.replace("21s", "101s"),
            seed,
            Topology::MultiPrimary { primaries: 2 },
        );
        let t = &r.replication.as_ref().unwrap().totals[0];
        let w = 1000.0 / 200.0 * 0.05;
        cs.push(t.conflicts.unwrap() as f64 / t.writes as f64);
        ls.push(t.lost_updates.unwrap() as f64 / t.writes as f64);
        if seed > 3 {
            continue;
        }
        println!(
            "writes {} conflicts {:.4} (theory {:.4}) lost {:.4} (theory {:.4})",
            t.writes,
            t.conflicts.unwrap() as f64 / t.writes as f64,
            1.0 - (-2.0 * w as f64).exp(),
            t.lost_updates.unwrap() as f64 / t.writes as f64,
            1.0 - (-w as f64).exp()
        );
    }
    let (c, l) = (estimate(&cs), estimate(&ls));
    println!(
        "conflicts {:.5} +- {:.5}, lost {:.5} +- {:.5}",
        c.mean, c.se, l.mean, l.se
    );
}

const MIXED: &str = "
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
    replicas: 1
    workers: 1000
    read_time: 1us
    write_time: 1us
    replication: { lag: 50ms }
";

#[test]
fn scratch_ring() {
    let mut xs = vec![];
    for seed in 1..21 {
        let r = run_topology(MIXED, seed, Topology::Ring { primaries: 3 });
        let t = &r.replication.as_ref().unwrap().totals[0];
        xs.push(t.stale_reads as f64 / t.reads as f64);
    }
    let e = estimate(&xs);
    let wd: f64 = 5.0 * 0.05;
    println!(
        "ring stale {:.5} +- {:.5}; latest theory {:.5}; any {:.5}",
        e.mean,
        e.se,
        (2.0 - (-wd).exp() - (-2.0 * wd).exp()) / 3.0,
        1.0 - (-wd).exp()
    );
}

const QUORUM: &str = "
duration: 101s
warmup: 1s
traffic:
  to: db
  rate: 100
  requests:
    get: { weight: 1, op: read, key: { uniform: { keys: 100 } } }
    put: { weight: 1, op: write, key: { uniform: { keys: 100 } } }
components:
  db:
    kind: database
    replicas: 1
    workers: 1000
    read_time: { exponential: { mean: 10ms } }
    write_time: { exponential: { mean: 10ms } }
";

#[test]
fn scratch_quorum() {
    for (n, w, r) in [(3, 2, 2), (3, 1, 1), (3, 3, 1)] {
        let res = run_topology(QUORUM, 1, Topology::Quorum { nodes: n, n, w, r });
        let t = &res.replication.as_ref().unwrap().totals[0];
        let lat: Vec<_> = res
            .latency_by_class
            .iter()
            .map(|(c, l)| format!("{c} {:.3}ms", l.mean().unwrap().nanos() as f64 / 1e6))
            .collect();
        println!(
            "{n}/{w}/{r}: writes {} reads {} stale {} unavailable {}; {:?}",
            t.writes, t.reads, t.stale_reads, t.unavailable, lat
        );
    }
}
