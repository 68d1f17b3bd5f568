//! [flow] against closed forms: parallel joins (order statistics of
//! exponential branches), a hedged call (E[min(S1, h + S2)]), a pool of k
//! connections (Erlang C with c = k), a bulkhead (Erlang B), non-preemptive
//! priorities (Cobham's formula), LIFO's mean (that of FIFO), and CoDel
//! holding the wait down under overload.
//!
//! The models are compiled from YAML and given their [flow] settings in
//! code, so that these checks test the engine alone (the language has its
//! own tests, `flow_inputs.rs`).
//!
//! Tolerances: each check runs independent replications and asserts
//! (through `common::check`) that 4 standard errors fit in its tolerance,
//! so a failure means a model error, not chance (a 4-se excursion has
//! probability 6e-5).

use crate::common::{self, Estimate, check, estimate};
use capsim::engine::SimDuration;
use capsim::metrics::NullSink;
use capsim::model::{CallFlow, ComponentKind, ConnectionLimit, Discipline, Model, Service};
use capsim::simulation::{self, RunResult};

/// A scenario `name`: a gateway `gw` (one instance, ample workers, no
/// work of its own) calling the first of `backends`, each an exponential
/// 10 ms service with ample workers (no queueing), at `rate` requests per
/// second; the tests give the call its [flow] options.
fn gateway(name: &str, backends: &[&str], rate: u32, secs: u32, warmup: u32) -> String {
    let mut yaml = format!(
        "
name: {name}
duration: {secs}s
warmup: {warmup}s
traffic: {{ to: gw, rate: {rate} }}
components:
  gw: {{ kind: service, workers: 1000, service_time: 0s, calls: [{}] }}
",
        backends[0]
    );
    for b in backends {
        yaml += &format!(
            "  {b}: {{ kind: service, workers: 200, service_time: {{ exponential: {{ mean: 10ms }} }} }}\n"
        );
    }
    yaml
}

/// Three branches `a`, `b`, `c` behind the gateway.
fn fan(rate: u32, secs: u32) -> String {
    gateway("fan", &["a", "b", "c"], rate, secs, 5)
}

fn service<'m>(m: &'m mut Model, name: &str) -> &'m mut Service {
    let c = m
        .components
        .iter_mut()
        .find(|c| c.name == name)
        .expect("a component of the scenario");
    match &mut c.kind {
        ComponentKind::Service(s) => s,
        _ => panic!("{name} is not a service"),
    }
}

fn id(m: &Model, name: &str) -> u32 {
    m.components
        .iter()
        .position(|c| c.name == name)
        .expect("a component") as u32
}

fn flow(branches: Vec<u32>, join: u32) -> Option<Box<CallFlow>> {
    Some(Box::new(CallFlow {
        branches,
        join,
        hedge: None,
        limit: None,
    }))
}

/// Runs `reps` replications of `yaml` changed by `change`, measuring `f`.
fn replicate(
    yaml: &str,
    reps: u64,
    change: impl Fn(&mut Model),
    f: impl Fn(&RunResult) -> f64,
) -> (Estimate, Vec<RunResult>) {
    let runs: Vec<RunResult> = (1..=reps)
        .map(|seed| {
            let mut m = common::model(yaml, seed);
            change(&mut m);
            simulation::run(&m, &mut NullSink).expect("in memory")
        })
        .collect();
    let xs: Vec<f64> = runs.iter().map(&f).collect();
    (estimate(&xs), runs)
}

fn mean_ms(r: &RunResult, class: &str) -> f64 {
    let row = r
        .summary
        .iter()
        .find(|s| s.class == class)
        .expect("a class");
    row.latency_mean.expect("requests ended ok").as_millis_f64()
}

#[test]
fn parallel_joins_take_the_order_statistics_of_their_branches() {
    // Three iid exponential branches of mean 10 ms: the k-th of 3 replies
    // comes at 10 ms x (1/3 + 1/2 + 1) summed up to k: 3.333, 8.333 and
    // 18.333 ms. 10 x 100 s at 100 requests/s: se about 0.25% of the mean.
    let yaml = fan(100, 105);
    for (join, theory, what) in [
        (3, 10.0 * (1.0 + 0.5 + 1.0 / 3.0), "join all (maximum)"),
        (1, 10.0 / 3.0, "join any (minimum)"),
        (2, 10.0 * (1.0 / 3.0 + 0.5), "join 2 of 3"),
    ] {
        let (est, runs) = replicate(
            &yaml,
            10,
            |m| {
                let branches = vec![id(m, "a"), id(m, "b"), id(m, "c")];
                service(m, "gw").calls[0].flow = flow(branches, join);
            },
            |r| mean_ms(r, "all"),
        );
        check(what, "ms", &est, theory, 0.015);
        let f = runs[0].flow.as_ref().expect("calls.csv data");
        let sent: u64 = f.rows.iter().map(|r| r.sent).sum();
        let made: u64 = f.rows.iter().map(|r| r.made).sum();
        let abandoned: u64 = f.rows.iter().map(|r| r.abandoned).sum();
        assert_eq!(sent, 3 * made, "{what}: every branch is sent");
        // Branches past the join are abandoned: 3 - join per call (the
        // last few still out at the end excepted).
        let expect = (3 - join) as f64 * made as f64;
        assert!(
            (abandoned as f64 - expect).abs() <= 0.001 * made as f64 + 5.0,
            "{what}: {abandoned} abandoned of {made} calls"
        );
    }
}

#[test]
fn a_hedged_call_takes_the_minimum_of_the_first_try_and_the_hedge_after_its_delay() {
    // E[min(S1, h + S2)] with S exponential of mean m and h = m:
    // m (1 - e^-1) + e^-1 m / 2 = 8.161 ms. The hedge goes for the
    // e^-1 = 36.8% of calls still out after h.
    let yaml = fan(100, 105);
    let m_ms = 10.0_f64;
    let theory = m_ms * (1.0 - (-1.0f64).exp()) + (-1.0f64).exp() * m_ms / 2.0;
    let (est, runs) = replicate(
        &yaml,
        10,
        |m| {
            let gw = service(m, "gw");
            gw.calls[0].guard = Some(Box::new(capsim::model::CallGuard {
                timeout: Some(SimDuration::from_secs(1)),
                retry: None,
                breaker: None,
            }));
            gw.calls[0].flow = Some(Box::new(CallFlow {
                branches: Vec::new(),
                join: 1,
                hedge: Some(SimDuration::from_millis(10)),
                limit: None,
            }));
        },
        |r| mean_ms(r, "all"),
    );
    check("hedged call, h = mean", "ms", &est, theory, 0.015);
    let f = runs[0].flow.as_ref().expect("calls.csv data");
    let made: u64 = f.rows.iter().map(|r| r.made).sum();
    let hedges: u64 = f.rows.iter().map(|r| r.hedges).sum();
    let wins: u64 = f.rows.iter().map(|r| r.hedge_wins).sum();
    let share = hedges as f64 / made as f64;
    // Binomial: sd of the share over ~10,500 calls is 0.0047.
    assert!(
        (share - (-1.0f64).exp()).abs() < 4.0 * 0.0047,
        "hedges per call {share:.4} against e^-1"
    );
    // Once the hedge is out both tries are memoryless, each with rate
    // 1/m: the hedge wins half of those races.
    let win_share = wins as f64 / hedges as f64;
    assert!(
        (win_share - 0.5).abs() < 0.03,
        "hedge wins {win_share:.3} of hedges"
    );
}

/// One `backend` behind the gateway.
fn pooled(rate: u32, secs: u32) -> String {
    gateway("pool", &["backend"], rate, secs, 10)
}

#[test]
fn a_pool_of_k_connections_queues_as_erlang_c_with_c_k() {
    // 300 calls/s holding a connection 10 ms each: a = 3 on 4
    // connections, an M/M/4: Wq = C(4, 3) / (4 mu - lambda) = 5.094 ms.
    let yaml = pooled(300, 410);
    let wq = common::erlang_c(4, 3.0) / (400.0 - 300.0) * 1e3;
    let (est, runs) = replicate(
        &yaml,
        20,
        |m| {
            service(m, "gw").calls[0].flow = Some(Box::new(CallFlow {
                branches: Vec::new(),
                join: 1,
                hedge: None,
                limit: Some(ConnectionLimit {
                    size: 4,
                    wait: true,
                }),
            }));
        },
        |r| mean_ms(r, "all"),
    );
    check("response through a pool of 4", "ms", &est, wq + 10.0, 0.02);
    // `pool_wait_ms` is the same wait, measured where it happens.
    let waits: Vec<f64> = runs
        .iter()
        .map(|r| {
            let f = r.flow.as_ref().expect("calls.csv data");
            let measured: Vec<_> = f
                .rows
                .iter()
                .filter(|x| x.start.as_secs_f64() >= 10.0)
                .collect();
            let ns: u128 = measured.iter().map(|x| x.pool_wait_ns).sum();
            let sent: u64 = measured.iter().map(|x| x.sent).sum();
            ns as f64 / sent as f64 / 1e6
        })
        .collect();
    check("pool_wait_ms", "ms", &estimate(&waits), wq, 0.04);
}

#[test]
fn a_bulkhead_of_k_rejects_as_erlang_b() {
    // The same load against a bulkhead of 4: an M/M/4/4 loss system,
    // rejected share B(4, 3) = 0.2061.
    let yaml = pooled(300, 110);
    let b = {
        let mut b = 1.0;
        for k in 1..=4 {
            b = 3.0 * b / (k as f64 + 3.0 * b);
        }
        b
    };
    let (est, _) = replicate(
        &yaml,
        10,
        |m| {
            service(m, "gw").calls[0].flow = Some(Box::new(CallFlow {
                branches: Vec::new(),
                join: 1,
                hedge: None,
                limit: Some(ConnectionLimit {
                    size: 4,
                    wait: false,
                }),
            }));
        },
        |r| {
            let all = r.summary.last().expect("all");
            all.rejected as f64 / all.requests as f64
        },
    );
    check("rejected by a bulkhead of 4", "", &est, b, 0.03);
}

/// One exponential 10 ms server (M/M/1) at 70 requests/s, two classes of
/// equal weight.
fn mm1(secs: u32) -> String {
    format!(
        "
name: prio
duration: {secs}s
warmup: 20s
traffic:
  to: s
  rate: 70
  requests:
    high: {{ weight: 1 }}
    low: {{ weight: 1 }}
components:
  s: {{ kind: service, workers: 1, service_time: {{ exponential: {{ mean: 10ms }} }} }}
"
    )
}

#[test]
fn non_preemptive_priorities_match_cobhams_formula() {
    // W0 = lambda E[S^2] / 2 = 70 x 2 (0.01)^2 / 2 = 7 ms; sigma = 0.35,
    // 0.70: W_high = W0 / (1 - 0.35) = 10.77 ms, W_low = W0 / (0.65 x
    // 0.30) = 35.90 ms; responses add the 10 ms of service.
    let yaml = mm1(620);
    let w0 = 70.0 * 2.0 * 0.01f64.powi(2) / 2.0 * 1e3;
    let high = w0 / (1.0 - 0.35) + 10.0;
    let low = w0 / ((1.0 - 0.35) * (1.0 - 0.70)) + 10.0;
    let change = |m: &mut Model| {
        m.traffic.classes[1].priority = 1;
        service(m, "s").discipline = Discipline::Priority;
    };
    let (h, _) = replicate(&yaml, 20, change, |r| mean_ms(r, "high"));
    check("priority 0 response", "ms", &h, high, 0.03);
    let (l, _) = replicate(&yaml, 20, change, |r| mean_ms(r, "low"));
    check("priority 1 response", "ms", &l, low, 0.04);
}

#[test]
fn lifo_keeps_the_mean_response_of_fifo() {
    // Work-conserving and blind to service times: the M/M/1 mean
    // 1 / (mu - lambda) = 33.33 ms holds for LIFO too (its tail is longer).
    let yaml = mm1(620);
    let (est, runs) = replicate(
        &yaml,
        10,
        |m| service(m, "s").discipline = Discipline::Lifo,
        |r| mean_ms(r, "all"),
    );
    check("LIFO mean response", "ms", &est, 1e3 / (100.0 - 70.0), 0.05);
    let fifo = common::run(&yaml, 1);
    let p99 = |r: &RunResult| r.summary.last().unwrap().latency.unwrap()[3];
    assert!(
        p99(&runs[0]) > p99(&fifo),
        "LIFO's tail is longer than FIFO's"
    );
}

#[test]
fn codel_holds_the_wait_near_its_target_under_overload() {
    // 120 requests/s at one 10 ms server: 1/6 of the work must go. FIFO's
    // line grows without bound; CoDel (target 5 ms, interval 100 ms) drops
    // at the head until the standing wait is near its target.
    let yaml = "
name: codel
duration: 120s
warmup: 20s
traffic: { to: s, rate: 120 }
components:
  s: { kind: service, workers: 1, queue: 10000, service_time: { exponential: { mean: 10ms } } }
";
    let mut m = common::model(yaml, 1);
    service(&mut m, "s").discipline = Discipline::Codel {
        target: SimDuration::from_millis(5),
        interval: SimDuration::from_millis(100),
    };
    let r = simulation::run(&m, &mut NullSink).expect("in memory");
    let all = r.summary.last().unwrap();
    let rejected = all.rejected as f64 / all.requests as f64;
    assert!(
        (0.16..0.30).contains(&rejected),
        "CoDel drops {rejected:.3} of requests (at least 1/6 must go)"
    );
    // Not a closed form: CoDel's control law lets the standing wait swing
    // around its target (73 ms mean response measured, p50 printed), a
    // bound far below FIFO's.
    let mean = all.latency_mean.unwrap().as_millis_f64();
    println!(
        "CoDel under 120% load: {rejected:.4} rejected, mean {mean:.1} ms, p50 {} p99 {}",
        all.latency.unwrap()[0],
        all.latency.unwrap()[3]
    );
    assert!(mean < 100.0, "CoDel's mean response {mean:.1} ms");
    let fifo = common::run(yaml, 1);
    let fifo_mean = fifo
        .summary
        .last()
        .unwrap()
        .latency_mean
        .unwrap()
        .as_millis_f64();
    assert!(fifo_mean > 1000.0, "FIFO's line grows: {fifo_mean:.0} ms");
}

#[test]
fn a_hedges_losing_try_still_waiting_is_taken_out_of_the_line_unserved() {
    // One 10 ms worker at 50% load, hedged after 20 ms through a pool of 2:
    // a loser still in the line is dropped before any work, so the
    // backend serves fewer calls than were sent; every request succeeds.
    let yaml = "
name: cancel
duration: 60s
warmup: 5s
traffic: { to: gw, rate: 50 }
components:
  gw: { kind: service, workers: 100, service_time: 0s, calls: [backend] }
  backend: { kind: service, workers: 1, service_time: { exponential: { mean: 10ms } } }
";
    let mut m = common::model(yaml, 3);
    let gw = service(&mut m, "gw");
    gw.calls[0].guard = Some(Box::new(capsim::model::CallGuard {
        timeout: Some(SimDuration::from_secs(2)),
        retry: None,
        breaker: None,
    }));
    gw.calls[0].flow = Some(Box::new(CallFlow {
        branches: Vec::new(),
        join: 1,
        hedge: Some(SimDuration::from_millis(20)),
        limit: Some(ConnectionLimit {
            size: 2,
            wait: true,
        }),
    }));
    let r = simulation::run(&m, &mut NullSink).expect("in memory");
    let f = r.flow.as_ref().expect("calls.csv data");
    let sum = |g: fn(&capsim::metrics::CallRow) -> u64| f.rows.iter().map(g).sum::<u64>();
    let (made, sent, hedges, abandoned) = (
        sum(|x| x.made),
        sum(|x| x.sent),
        sum(|x| x.hedges),
        sum(|x| x.abandoned),
    );
    assert_eq!(
        sent,
        made + hedges,
        "each call is its first try plus its hedge"
    );
    assert_eq!(abandoned, hedges, "every hedged call abandons one try");
    let backend = id(&m, "backend");
    let cancelled = f
        .cancelled
        .iter()
        .find(|c| c.0 == backend)
        .map_or(0, |c| c.1);
    println!("made {made}, hedges {hedges}, cancelled in line {cancelled}");
    assert!(
        cancelled > hedges / 10,
        "{cancelled} of {hedges} losers taken out of the line"
    );
    let all = r.summary.last().unwrap();
    assert_eq!(all.ok, all.requests, "every request succeeds");
}
