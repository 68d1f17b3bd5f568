//! Engine speed: events per second and simulated requests per second, for the
//! peers' M/M/8 model and for the demo scenario, single-threaded, metrics
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
    } else {
        measure("mmc8", MMC8, runs);
    }
    measure("demo", scenario::DEMO, runs);
}
