//! The peers' M/M/8 model (arrival rate 7.2/s, 8 servers, mean service 1 s,
//! FCFS) in NeXosim 1.0, a Rust discrete-event framework, written as its
//! examples write models: one model whose input methods schedule its own
//! arrivals and departures on NeXosim's scheduler, on one thread (capsim's
//! simulation is single-threaded too).
//!
//! Usage: `capsim-peer-nexosim SECONDS SEED`. Prints one line: customers
//! served, their mean response time and the utilisation, so the harness can
//! check it simulated the same model as capsim and the bare loop.

use std::collections::VecDeque;
use std::time::Duration;

use nexosim::model::{Context, Model, schedulable};
use nexosim::ports::QuerySource;
use nexosim::simulation::{Mailbox, SimInit};
use nexosim::time::MonotonicTime;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

const LAMBDA: f64 = 7.2;
const SERVERS: u32 = 8;
const MEAN_SERVICE_S: f64 = 1.0;

/// The whole queue: servers in use, the waiting customers' arrival times,
/// and the running sums of what was measured.
#[derive(Serialize, Deserialize)]
struct Station {
    rng: Xoshiro256PlusPlus,
    busy: u32,
    waiting: VecDeque<MonotonicTime>,
    served: u64,
    response_sum_s: f64,
    busy_sum_s: f64,
}

/// An exponential draw by inversion, as the bare loop draws it.
fn exponential(rng: &mut Xoshiro256PlusPlus, mean: f64) -> Duration {
    let u = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
    Duration::from_secs_f64(-(1.0 - u).ln() * mean)
}

#[Model]
impl Station {
    #[nexosim(init)]
    async fn init(&mut self, cx: &Context<Self>, _: &mut ()) {
        let gap = exponential(&mut self.rng, 1.0 / LAMBDA);
        cx.schedule_event(gap, schedulable!(Self::arrive), ())
            .expect("a future time");
    }

    /// A customer arrives: served at once if a server is free, else queued;
    /// the next arrival is scheduled.
    #[nexosim(schedulable)]
    async fn arrive(&mut self, _: (), cx: &Context<Self>) {
        let now = cx.time();
        if self.busy < SERVERS {
            self.busy += 1;
            self.start(now, cx);
        } else {
            self.waiting.push_back(now);
        }
        let gap = exponential(&mut self.rng, 1.0 / LAMBDA);
        cx.schedule_event(gap, schedulable!(Self::arrive), ())
            .expect("a future time");
    }

    /// What was measured: customers served, the sum of their response
    /// times and of their service times, in seconds.
    async fn totals(&mut self, _: ()) -> (u64, f64, f64) {
        (self.served, self.response_sum_s, self.busy_sum_s)
    }

    /// A customer who arrived at `arrived` leaves; the next in line starts.
    #[nexosim(schedulable)]
    async fn depart(&mut self, arrived: MonotonicTime, cx: &Context<Self>) {
        let now = cx.time();
        self.served += 1;
        self.response_sum_s += now.duration_since(arrived).as_secs_f64();
        match self.waiting.pop_front() {
            Some(next) => self.start(next, cx),
            None => self.busy -= 1,
        }
    }
}

impl Station {
    /// A server starts on the customer who arrived at `arrived`.
    fn start(&mut self, arrived: MonotonicTime, cx: &Context<Self>) {
        let service = exponential(&mut self.rng, MEAN_SERVICE_S);
        self.busy_sum_s += service.as_secs_f64();
        cx.schedule_event(service, schedulable!(Self::depart), arrived)
            .expect("a future time");
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(277_780);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(12_345);
    let station = Station {
        rng: Xoshiro256PlusPlus::seed_from_u64(seed),
        busy: 0,
        waiting: VecDeque::new(),
        served: 0,
        response_sum_s: 0.0,
        busy_sum_s: 0.0,
    };
    let mbox = Mailbox::new();
    let mut bench = SimInit::with_num_threads(1);
    let totals = QuerySource::new()
        .connect(Station::totals, &mbox)
        .register(&mut bench);
    let t0 = MonotonicTime::EPOCH;
    let mut simu = bench
        .add_model(station, mbox, "station")
        .init(t0)
        .expect("the bench assembles");
    simu.step_until(Duration::from_secs(seconds))
        .expect("the run completes");
    let (served, w, busy) = simu.process_query(&totals, ()).expect("the model answers");
    println!(
        "customers {served} mean_response_s {:.4} utilisation {:.4}",
        w / served.max(1) as f64,
        busy / (SERVERS as f64 * seconds as f64)
    );
}
