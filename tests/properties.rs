//! Property tests (proptest), through the public API only, of pieces with a
//! reference to hold them to:
//! - the event list against a sorted list (time, then scheduling order);
//! - Erlang C against the direct sum in log space, and the gamma quantile
//!   against a numerically integrated CDF and the exponential case;
//! - random small scenarios: every request sent ends once or is in flight,
//!   and the same seed gives the same run; and the whole command writes
//!   the same bytes on one thread as on two.
//!
//! The cases are drawn from a fixed seed, so `cargo test` is the same every
//! time; `PROPTEST_RNG_SEED=<n>` explores others and `PROPTEST_CASES=<n>`
//! runs more (a failure prints the smallest case it shrank to).

use capsim::engine::{EventList, SimTime};
use capsim::metrics::NullSink;
use capsim::planning::estimate::{erlang_c, gamma_quantile};
use capsim::scenario::{self, LoadOptions};
use capsim::simulation::Simulation;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// `cases` cases from a fixed seed, unless the environment names one.
fn config(cases: u32) -> Config {
    let mut c = Config::with_cases(cases);
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        c.rng_seed = RngSeed::Fixed(0x00ca_9517);
    }
    if let Some(n) = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        c.cases = n;
    }
    c
}

// ---------------------------------------------------------------------------
// The event list.

#[derive(Clone, Debug)]
enum Op {
    /// Schedule at `now + dt` (`dt` may be 0).
    After(u64),
    /// Schedule at an absolute time, possibly in the past (then: now).
    At(u64),
    Now,
    Pop,
    PopBefore(u64),
}

fn op() -> impl Strategy<Value = Op> {
    // Small times, so that equal times (FIFO ties) and times in the past
    // are common.
    prop_oneof![
        3 => (0u64..6).prop_map(Op::After),
        2 => (0u64..40).prop_map(Op::At),
        2 => Just(Op::Now),
        2 => Just(Op::Pop),
        2 => (0u64..45).prop_map(Op::PopBefore),
    ]
}

/// The reference: every pending event with its time and insertion number;
/// the next is the smallest (time, number).
#[derive(Default)]
struct Reference {
    pending: Vec<(u64, u64)>,
    now: u64,
    inserted: u64,
    popped: u64,
}

impl Reference {
    fn schedule(&mut self, time: u64) -> u64 {
        let id = self.inserted;
        self.inserted += 1;
        self.pending.push((time.max(self.now), id));
        id
    }

    fn pop_before(&mut self, end: u64) -> Option<(u64, u64)> {
        let i = (0..self.pending.len()).min_by_key(|&i| self.pending[i])?;
        if self.pending[i].0 >= end {
            return None;
        }
        let e = self.pending.remove(i);
        self.now = e.0;
        self.popped += 1;
        Some(e)
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// Any interleaving of schedule, schedule_now, pop and pop_before gives
    /// exactly the reference's events, times, clock and counts.
    #[test]
    fn event_list_pops_in_time_then_insertion_order(ops in prop::collection::vec(op(), 0..200)) {
        let mut list: EventList<u64> = EventList::new();
        let mut r = Reference::default();
        for op in &ops {
            match *op {
                Op::After(dt) => {
                    let t = r.now + dt;
                    let id = r.schedule(t);
                    list.schedule(SimTime(t), id);
                }
                Op::At(t) => {
                    let id = r.schedule(t);
                    list.schedule(SimTime(t), id);
                }
                Op::Now => {
                    let now = r.now;
                    let id = r.schedule(now);
                    list.schedule_now(id);
                }
                Op::Pop => {
                    let want = r.pop_before(u64::MAX);
                    let got = list.pop_before(SimTime::NEVER).map(|(t, e)| (t.0, e));
                    prop_assert_eq!(got, want);
                }
                Op::PopBefore(end) => {
                    let want = r.pop_before(end);
                    let got = list.pop_before(SimTime(end)).map(|(t, e)| (t.0, e));
                    prop_assert_eq!(got, want);
                }
            }
            prop_assert_eq!(list.now().0, r.now);
            prop_assert_eq!(list.len(), r.pending.len());
            prop_assert_eq!(list.is_empty(), r.pending.is_empty());
            prop_assert_eq!(list.popped(), r.popped);
        }
        // Drained, the rest come out in order too.
        while let Some(want) = r.pop_before(u64::MAX) {
            let got = list.pop_before(SimTime::NEVER).map(|(t, e)| (t.0, e));
            prop_assert_eq!(got, Some(want));
        }
        prop_assert_eq!(list.pop_before(SimTime::NEVER).map(|(t, e)| (t.0, e)), None);
    }
}

// ---------------------------------------------------------------------------
// Erlang C and the gamma quantile.

/// ln(a^k / k!) for k = 0..=c.
fn log_terms(c: u64, a: f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(c as usize + 1);
    let mut log_fact = 0.0;
    for k in 0..=c {
        if k > 0 {
            log_fact += (k as f64).ln();
        }
        out.push(k as f64 * a.ln() - log_fact);
    }
    out
}

/// Erlang C by the textbook sum, in log space (no recursion shared with the
/// code under test):
/// C = (a^c/c! · c/(c-a)) / (Σ_{k<c} a^k/k! + a^c/c! · c/(c-a)).
fn erlang_c_direct(c: u64, a: f64) -> f64 {
    let t = log_terms(c, a);
    let last = t[c as usize] + (c as f64 / (c as f64 - a)).ln();
    let max = t.iter().copied().fold(last, f64::max);
    let below: f64 = t[..c as usize].iter().map(|x| (x - max).exp()).sum();
    let top = (last - max).exp();
    top / (below + top)
}

/// The regularised lower incomplete gamma function P(k, x), by composite
/// Simpson in log space: with t = e^u, ∫_0^x t^(k-1) e^-t dt =
/// ∫_-∞^ln x exp(k u - e^u) du, an integrand smooth everywhere that falls
/// off exponentially on the left and doubly exponentially on the right.
/// Normalised by the same integral to far past the mode, so no Γ(k) is
/// needed.
fn gamma_cdf_numeric(k: f64, x: f64) -> f64 {
    // exp(k u - e^u) peaks at u = ln k with value k ln k - k: subtract it.
    let peak = k * k.ln() - k;
    let f = |u: f64| (k * u - u.exp() - peak).exp();
    // Left: at u = ln k - 60/k the integrand is exp(-60 + k - k e^(-60/k)) of
    // the peak, at most e^-25 for shapes up to 50, and it falls
    // exponentially further left: the tail is negligible.
    let lo = k.ln() - 60.0 / k;
    // Right: t = k + 40 sqrt(k) + 60 is far past any quantile asked for.
    let hi = (k + 40.0 * k.sqrt() + 60.0).ln();
    let simpson = |a: f64, b: f64| {
        if b <= a {
            return 0.0;
        }
        let n = 20_000;
        let h = (b - a) / n as f64;
        let mut s = f(a) + f(b);
        for i in 1..n {
            let w = if i % 2 == 1 { 4.0 } else { 2.0 };
            s += w * f(a + i as f64 * h);
        }
        s * h / 3.0
    };
    let ux = x.ln().min(hi);
    simpson(lo, ux) / simpson(lo, hi)
}

proptest! {
    #![proptest_config(config(300))]

    /// Erlang C equals the direct sum, to 1e-9 relative. Both are f64
    /// computations of the same closed form by different routes (a
    /// stable recursion, and a log-sum-exp over c + 1 terms whose logs are
    /// at most about c·ln(a) + 1 ≈ 1,100 for c ≤ 200): each is good to
    /// about c · 1e-16 ≈ 1e-13, so 1e-9 leaves a large margin and still
    /// catches any error in the formula.
    #[test]
    fn erlang_c_matches_the_direct_sum(c in 1u64..=200, rho in 0.001f64..0.999) {
        let a = rho * c as f64;
        let got = erlang_c(c, a);
        let want = erlang_c_direct(c, a);
        if want >= 1e-250 {
            prop_assert!(
                (got - want).abs() <= 1e-9 * want,
                "c {c}, a {a}: erlang_c {got:e}, direct sum {want:e}"
            );
        } else {
            // Near f64's underflow relative precision is lost: both must
            // then be all but zero.
            prop_assert!(got <= 1e-240, "c {c}, a {a}: erlang_c {got:e}, direct sum {want:e}");
        }
        // A probability, and at least Erlang B's (waiting is at least as
        // likely as loss would be); one server: exactly rho.
        prop_assert!((0.0..=1.0).contains(&got));
        if c == 1 {
            prop_assert!((got - rho).abs() <= 1e-12, "M/M/1: {got} vs rho {rho}");
        }
    }

    /// The exponential case (variance = mean², shape 1): the quantile is
    /// -mean·ln(1-q). Tolerance 1e-9 relative: the code bisects 200 times
    /// (to the last bit) on a CDF good to about 1e-15, and for q ≤ 0.999
    /// an error dP in the CDF moves the quantile by dP / ((1-q)·ln(1/(1-q)))
    /// relative, under 1e-12.
    #[test]
    fn gamma_quantile_of_an_exponential(mean in 1e-4f64..1e4, q in 0.001f64..0.999) {
        let got = gamma_quantile(mean, mean * mean, q);
        let want = -mean * (1.0 - q).ln();
        prop_assert!(
            (got - want).abs() <= 1e-9 * want,
            "mean {mean}, q {q}: {got} vs {want}"
        );
    }

    /// Any shape from 0.2 to 50: the numerically integrated CDF at the
    /// quantile is q. Tolerance 1e-8 in probability: Simpson's rule with
    /// 20,000 steps on this smooth integrand is good to far better than
    /// 1e-10 (halving the step changes the result by less than that over
    /// this range), the cut-off tails are below e^-25, and the code's own
    /// CDF is good to about 1e-15.
    #[test]
    fn gamma_quantile_inverts_the_integrated_cdf(
        log_shape in (0.2f64).ln()..(50.0f64).ln(),
        mean in 1e-3f64..1e3,
        q in 0.01f64..0.99,
    ) {
        let shape = log_shape.exp();
        // shape = mean² / var, scale = var / mean.
        let var = mean * mean / shape;
        let scale = var / mean;
        let x = gamma_quantile(mean, var, q);
        let p = gamma_cdf_numeric(shape, x / scale);
        prop_assert!(
            (p - q).abs() <= 1e-8,
            "shape {shape}, mean {mean}: quantile {x} has CDF {p}, not {q}"
        );
        // Scaling the distribution scales the quantile (1e-12: the shape
        // is recomputed from the scaled moments, which can move it by an
        // ulp, and bisection lands on a neighbouring float).
        let scaled = gamma_quantile(10.0 * mean, 100.0 * var, q);
        prop_assert!((scaled - 10.0 * x).abs() <= 1e-12 * 10.0 * x, "{scaled} vs {}", 10.0 * x);
    }

    /// Quantiles grow with q; no variance gives the mean itself.
    #[test]
    fn gamma_quantile_is_monotone(mean in 1e-3f64..1e3, cv in 0.05f64..3.0, q1 in 0.01f64..0.99, q2 in 0.01f64..0.99) {
        let var = (cv * mean).powi(2);
        let (lo, hi) = if q1 <= q2 { (q1, q2) } else { (q2, q1) };
        prop_assert!(gamma_quantile(mean, var, lo) <= gamma_quantile(mean, var, hi));
        prop_assert_eq!(gamma_quantile(mean, 0.0, q1), mean);
    }
}

/// The reference integration itself, on closed forms: P(1, x) = 1 - e^-x,
/// P(2, x) = 1 - (1 + x) e^-x, P(1/2, x) = erf(sqrt x). If these failed,
/// the property above would be checking against a broken reference.
#[test]
fn the_reference_cdf_matches_closed_forms() {
    for &x in &[0.01f64, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0] {
        let e = f64::exp(-x);
        for (k, want) in [
            (1.0, 1.0 - e),
            (2.0, 1.0 - (1.0 + x) * e),
            (0.5, libm::erf(f64::sqrt(x))),
        ] {
            let got = gamma_cdf_numeric(k, x);
            assert!(
                (got - want).abs() <= 1e-10,
                "P({k}, {x}): integrated {got}, closed form {want}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Random small scenarios: conservation and determinism.

/// What a random scenario is made of, before it is written as YAML.
#[derive(Clone, Debug)]
struct Spec {
    seed: u64,
    duration_s: u64,
    rate: u32,
    arrivals: &'static str,
    balancer: Option<&'static str>,
    instances: u32,
    workers: u32,
    queue: Option<u32>,
    service_ms: u32,
    timeout_ms: Option<u32>,
    retries: u32,
    /// A second service called by the first (`Some(workers)`).
    backend: Option<u32>,
    /// A cache in front of a database, called by the first service.
    data: Option<(u32, &'static str)>,
    /// A queue drained by a consumer pool, for writes.
    queue_consumers: Option<u32>,
    faults: Vec<FaultSpec>,
}

#[derive(Clone, Debug)]
enum FaultSpec {
    Crash {
        at_ms: u64,
        for_ms: u64,
    },
    Slow {
        at_ms: u64,
        for_ms: u64,
        factor: u32,
    },
    Errors {
        at_ms: u64,
        for_ms: u64,
        share: u32,
    },
    Random {
        mttf_ms: u64,
        mttr_ms: u64,
    },
}

fn fault() -> impl Strategy<Value = FaultSpec> {
    prop_oneof![
        (0u64..900, 1u64..1500).prop_map(|(at_ms, for_ms)| FaultSpec::Crash { at_ms, for_ms }),
        (0u64..900, 1u64..1500, 2u32..10).prop_map(|(at_ms, for_ms, factor)| FaultSpec::Slow {
            at_ms,
            for_ms,
            factor
        }),
        (0u64..900, 1u64..1500, 1u32..100).prop_map(|(at_ms, for_ms, share)| FaultSpec::Errors {
            at_ms,
            for_ms,
            share
        }),
        (100u64..3000, 10u64..500)
            .prop_map(|(mttf_ms, mttr_ms)| FaultSpec::Random { mttf_ms, mttr_ms }),
    ]
}

prop_compose! {
    fn spec()(
        seed in 0u64..1_000_000,
        duration_s in 1u64..=3,
        rate in 10u32..600,
        arrivals in prop_oneof![Just("poisson"), Just("uniform")],
        balancer in prop_oneof![
            Just(None),
            Just(Some("round_robin")),
            Just(Some("random")),
            Just(Some("least_connections")),
            Just(Some("power_of_two")),
        ],
        instances in 1u32..=4,
        workers in 1u32..=4,
        queue in prop::option::of(0u32..20),
        service_ms in 1u32..20,
        timeout_ms in prop::option::of(5u32..200),
        retries in 0u32..3,
        backend in prop::option::of(1u32..4),
        data in prop::option::of((10u32..200, prop_oneof![Just("lru"), Just("lfu"), Just("fifo"), Just("random")])),
        queue_consumers in prop::option::of(1u32..3),
        faults in prop::collection::vec(fault(), 0..3),
    ) -> Spec {
        Spec {
            seed, duration_s, rate, arrivals, balancer, instances, workers, queue,
            service_ms, timeout_ms, retries, backend, data, queue_consumers, faults,
        }
    }
}

fn yaml(s: &Spec) -> String {
    let mut y = format!(
        "name: random\nseed: {}\nduration: {}s\nwindow: 250ms\ntraffic:\n  to: {}\n  arrivals: {}\n  rate: {}\n",
        s.seed,
        s.duration_s,
        if s.balancer.is_some() { "lb" } else { "web" },
        s.arrivals,
        s.rate
    );
    y.push_str("  requests:\n    r: { weight: 3, op: read, key: { zipf: { keys: 1000, exponent: 0.9 } } }\n");
    y.push_str("    w: { weight: 1, op: write, key: { uniform: { keys: 1000 } } }\n");
    if let Some(t) = s.timeout_ms {
        y.push_str(&format!(
            "  client: {{ timeout: {t}ms, retries: {} }}\n",
            s.retries
        ));
    }
    y.push_str("components:\n");
    if let Some(policy) = s.balancer {
        y.push_str(&format!(
            "  lb: {{ kind: load_balancer, to: web, policy: {policy} }}\n"
        ));
    }
    let mut calls = Vec::new();
    if s.backend.is_some() {
        calls.push("api".to_string());
    }
    if s.data.is_some() {
        calls.push("cache".to_string());
    }
    if s.queue_consumers.is_some() {
        calls.push("{ to: jobs, when: write }".to_string());
    }
    y.push_str(&format!(
        "  web:\n    kind: service\n    instances: {}\n    workers: {}\n    service_time: {{ exponential: {{ mean: {}ms }} }}\n",
        s.instances, s.workers, s.service_ms
    ));
    if let Some(q) = s.queue {
        y.push_str(&format!("    queue: {q}\n"));
    }
    if !calls.is_empty() {
        y.push_str(&format!("    calls: [{}]\n", calls.join(", ")));
    }
    if let Some(w) = s.backend {
        y.push_str(&format!(
            "  api: {{ kind: service, workers: {w}, queue: 10, service_time: {{ uniform: {{ min: 1ms, max: 5ms }} }} }}\n"
        ));
    }
    if let Some((capacity, eviction)) = s.data {
        y.push_str(&format!(
            "  cache: {{ kind: cache, capacity: {capacity}, eviction: {eviction}, hit_time: 100us, on_miss: db }}\n"
        ));
        y.push_str("  db: { kind: database, shards: 2, replicas: 1, workers: 2, read_time: 1ms, write_time: 2ms }\n");
    }
    if let Some(n) = s.queue_consumers {
        y.push_str(&format!(
            "  jobs: {{ kind: queue, capacity: 50, consumers: worker }}\n  worker: {{ kind: service, instances: {n}, service_time: 3ms }}\n"
        ));
    }
    if !s.faults.is_empty() {
        y.push_str("faults:\n");
        for f in &s.faults {
            y.push_str(&match *f {
                FaultSpec::Crash { at_ms, for_ms } => {
                    format!("  - {{ at: {at_ms}ms, crash: web, instances: 1, for: {for_ms}ms }}\n")
                }
                FaultSpec::Slow { at_ms, for_ms, factor } => {
                    format!("  - {{ at: {at_ms}ms, slow: web, factor: {factor}, for: {for_ms}ms }}\n")
                }
                FaultSpec::Errors { at_ms, for_ms, share } => {
                    format!("  - {{ at: {at_ms}ms, errors: web, share: {share}%, for: {for_ms}ms }}\n")
                }
                FaultSpec::Random { mttf_ms, mttr_ms } => {
                    format!("  - {{ random: crash, target: web, mttf: {mttf_ms}ms, mttr: {mttr_ms}ms }}\n")
                }
            });
        }
    }
    y
}

proptest! {
    #![proptest_config(config(64))]

    /// Every request sent ends in exactly one outcome or is still in
    /// flight, exactly; and a second run of the same model is the same run.
    #[test]
    fn random_scenarios_conserve_requests_and_repeat(s in spec()) {
        let text = yaml(&s);
        let model = scenario::load_str("random.yaml", "random", &text, &LoadOptions::default())
            .unwrap_or_else(|f| panic!("the generator made a bad scenario:\n{text}\n{}", f.render(false)));
        let run = || {
            Simulation::new(&model)
                .run(&mut NullSink, &mut |_, _| true)
                .expect("the run succeeds")
        };
        let r = run();
        let ended: u64 = r.requests_ended.iter().sum();
        prop_assert_eq!(
            r.requests_sent,
            ended + r.in_flight,
            "sent {} = ended {:?} + in flight {}?\n{}",
            r.requests_sent,
            r.requests_ended,
            r.in_flight,
            text
        );
        prop_assert!(r.requests_sent > 0, "no traffic:\n{}", text);
        let again = run();
        prop_assert_eq!(format!("{r:?}"), format!("{again:?}"), "{}", text);
    }
}

/// Every file under `dir`, by path relative to it, with its bytes.
fn output_files(dir: &std::path::Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                files.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    files
}

proptest! {
    #![proptest_config(config(8))]

    /// The whole command (`capsim run` of a random scenario with a variant,
    /// every CSV, plot and report) writes the same bytes on one thread as
    /// on two: the variants run in parallel and the plots beside the
    /// drawing, and none of that may show in an output.
    #[test]
    fn random_scenarios_write_the_same_bytes_on_one_thread_or_two(s in spec()) {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("random.yaml");
        let text = format!(
            "{}variants:\n  more: {{ components: {{ web: {{ instances: {} }} }} }}\n",
            yaml(&s),
            s.instances + 1
        );
        std::fs::write(&file, &text).unwrap();
        let run = |threads: &str| {
            let out = tmp.path().join(format!("out-{threads}"));
            let o = std::process::Command::new(env!("CARGO_BIN_EXE_capsim"))
                .args(["run", file.to_str().unwrap(), "-q", "--out", out.to_str().unwrap()])
                .env("RAYON_NUM_THREADS", threads)
                .output()
                .unwrap();
            assert!(o.status.code().is_some_and(|c| c <= 1), "{}\n{text}", String::from_utf8_lossy(&o.stderr));
            output_files(&out)
        };
        let (one, two) = (run("1"), run("2"));
        prop_assert_eq!(one.keys().collect::<Vec<_>>(), two.keys().collect::<Vec<_>>());
        for (path, bytes) in &one {
            prop_assert!(bytes == &two[path], "{} differs on 1 and 2 threads\n{}", path.display(), text);
        }
    }
}
