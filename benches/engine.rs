//! Engine speed: events per second and simulated requests per second, for the
//! peers' M/M/8 model, the demo scenario and a data tier (a load balancer, a
//! web pool, a cache and a sharded, replicated database under Zipf keys),
//! single-threaded, metrics
//! included (rows go to a sink that drops them, so file I/O is not measured
//! here; `capsim run` on the whole process is measured in the README).
//!
//! Run with `cargo bench`. Prints the median of several runs.

use std::time::Instant;

use capsim::metrics::NullSink;
use capsim::scenario::{self, LoadOptions};
use capsim::simulation::{RunResult, Simulation};

const MMC8: &str = "name: mmc8
seed: 12345
duration: 277780s
window: 1m
traffic: { to: pool, arrivals: poisson, rate: 7.2 }
components:
  pool: { kind: service, workers: 8, service_time: { exponential: { mean: 1s } } }
";

/// The data-tier benchmark: every request crosses the balancer and a web
/// instance, looks its Zipf key up in a 4-node LRU cache, and on a miss (or a
/// write) goes to one of 8 shards with 2 async replicas each.
const DATA_TIER: &str = "name: data-tier
seed: 12345
duration: 200s
window: 1s
traffic:
  to: lb
  rate: 10000
  requests:
    read:  { weight: 9, op: read,  key: { zipf: { keys: 1000000, exponent: 1.0 } } }
    write: { weight: 1, op: write, key: { zipf: { keys: 1000000, exponent: 1.0 } } }
components:
  lb: { kind: load_balancer, to: web, policy: least_connections }
  web:
    kind: service
    instances: 8
    workers: 16
    service_time: { exponential: { mean: 2ms } }
    calls: [cache]
  cache:
    kind: cache
    instances: 4
    workers: 8
    capacity: 25000
    eviction: lru
    hit_time: 200us
    on_miss: db
  db:
    kind: database
    shards: 8
    replicas: 2
    read_from: replicas
    replication: { mode: async, lag: { exponential: { mean: 10ms } } }
    workers: 8
    read_time: { exponential: { mean: 2ms } }
    write_time: { exponential: { mean: 5ms } }
";

fn measure(label: &str, yaml: &str, runs: usize) {
    let model = scenario::load_str(label, label, yaml, &LoadOptions::default())
        .unwrap_or_else(|f| panic!("{}", f.render(false)));
    let mut times = Vec::new();
    let mut last: Option<RunResult> = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = Simulation::new(&model)
            .run(&mut NullSink, &mut |_, _| true)
            .expect("in memory");
        times.push(t.elapsed().as_secs_f64());
        last = Some(r);
    }
    times.sort_by(f64::total_cmp);
    let wall = times[runs / 2];
    let r = last.expect("at least one run");
    println!(
        "{label:<10} {:>12} events {:>11} requests  median {:>7.3} s of {runs}  {:>6.2} M events/s  {:>6.2} M requests/s",
        r.events,
        r.requests_sent,
        wall,
        r.events as f64 / wall / 1e6,
        r.requests_sent as f64 / wall / 1e6
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this too,
    // briefly.
    let quick = std::env::args().any(|a| a == "--test" || a == "--quick");
    let runs = if quick { 1 } else { 5 };
    if quick {
        measure("mmc8", &MMC8.replace("277780s", "2778s"), runs);
        measure("data-tier", &DATA_TIER.replace("200s", "5s"), runs);
    } else {
        measure("mmc8", MMC8, runs);
        measure("data-tier", DATA_TIER, runs);
    }
    measure("demo", scenario::DEMO, runs);
}
