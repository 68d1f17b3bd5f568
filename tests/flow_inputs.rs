//! Bad [flow] input: `priority`, a service's `queue` long form, and a
//! call's `parallel`, `join`, `hedge`, `pool` and `bulkhead`, each refused
//! with exit 2, its file, line and column, its key path and its message,
//! and nothing written (the shared checks of `cli::expect_rejected`); and
//! the good fixture using every key, compiled through the library.

use std::path::Path;

use capsim::engine::SimDuration;
use capsim::model::{
    CallFlow, ComponentId, ComponentKind, ConnectionLimit, Discipline, Model, Service,
};
use capsim::scenario::{LoadOptions, load_str};

use super::cli::expect_rejected;

#[test]
fn rejects_join_above_branches() {
    expect_rejected(
        "bad-flow-join-above-branches.yaml",
        9,
        "4",
        Some("components.web.calls[0].join"),
        &["join: 4 of 3 branches"],
    );
}

#[test]
fn rejects_join_zero() {
    expect_rejected(
        "bad-flow-join-zero.yaml",
        9,
        "0",
        Some("components.web.calls[0].join"),
        &["`join: 0` waits for no reply"],
    );
}

#[test]
fn rejects_join_fractional() {
    expect_rejected(
        "bad-flow-join-fractional.yaml",
        9,
        "1.5",
        Some("components.web.calls[0].join"),
        &["a whole number of replies"],
    );
}

#[test]
fn rejects_join_without_parallel() {
    expect_rejected(
        "bad-flow-join-without-parallel.yaml",
        9,
        "join",
        Some("components.web.calls[0].join"),
        &["`join` without `parallel`"],
    );
}

#[test]
fn rejects_parallel_empty() {
    expect_rejected(
        "bad-flow-parallel-empty.yaml",
        9,
        "[]",
        Some("components.web.calls[0].parallel"),
        &["an empty `parallel` calls nothing"],
    );
}

#[test]
fn rejects_parallel_and_to() {
    expect_rejected(
        "bad-flow-parallel-and-to.yaml",
        9,
        "parallel",
        Some("components.web.calls[0].parallel"),
        &["`to` and `parallel` on one call"],
    );
}

#[test]
fn rejects_call_neither() {
    expect_rejected(
        "bad-flow-call-neither.yaml",
        9,
        "{",
        Some("components.web.calls[0]"),
        &["neither `to` nor `parallel`"],
    );
}

#[test]
fn rejects_parallel_unknown() {
    expect_rejected(
        "bad-flow-parallel-unknown.yaml",
        9,
        "nope",
        Some("components.web.calls[0].parallel[1]"),
        &["no component is called `nope`"],
    );
}

#[test]
fn rejects_parallel_timeout() {
    expect_rejected(
        "bad-flow-parallel-timeout.yaml",
        9,
        "timeout",
        Some("components.web.calls[0].timeout"),
        &["`timeout` is not supported on a `parallel` call"],
    );
}

#[test]
fn rejects_hedge_no_timeout() {
    expect_rejected(
        "bad-flow-hedge-no-timeout.yaml",
        9,
        "50ms",
        Some("components.web.calls[0].hedge"),
        &[
            "`hedge` without a timeout budget that can hold it",
            "has no `timeout`",
        ],
    );
}

#[test]
fn rejects_hedge_not_below_timeout() {
    expect_rejected(
        "bad-flow-hedge-not-below-timeout.yaml",
        9,
        "80ms",
        Some("components.web.calls[0].hedge"),
        &[
            "`hedge` without a timeout budget that can hold it",
            "is not below `timeout: 50ms`",
        ],
    );
}

#[test]
fn rejects_pool_zero() {
    expect_rejected(
        "bad-flow-pool-zero.yaml",
        9,
        "0",
        Some("components.web.calls[0].pool"),
        &["a pool of 0 connections never sends"],
    );
}

#[test]
fn rejects_pool_fractional() {
    expect_rejected(
        "bad-flow-pool-fractional.yaml",
        9,
        "2.5",
        Some("components.web.calls[0].pool"),
        &["a whole number"],
    );
}

#[test]
fn rejects_bulkhead_zero() {
    expect_rejected(
        "bad-flow-bulkhead-zero.yaml",
        9,
        "0",
        Some("components.web.calls[0].bulkhead"),
        &["a bulkhead of 0 calls in flight never sends"],
    );
}

#[test]
fn rejects_pool_and_bulkhead() {
    expect_rejected(
        "bad-flow-pool-and-bulkhead.yaml",
        9,
        "bulkhead",
        Some("components.web.calls[0].bulkhead"),
        &["`pool` and `bulkhead` on one call"],
    );
}

#[test]
fn rejects_priority_negative() {
    expect_rejected(
        "bad-flow-priority-negative.yaml",
        8,
        "-1",
        Some("traffic.requests.checkout.priority"),
        &["not negative"],
    );
}

#[test]
fn rejects_priority_fractional() {
    expect_rejected(
        "bad-flow-priority-fractional.yaml",
        8,
        "1.5",
        Some("traffic.requests.checkout.priority"),
        &["a whole number"],
    );
}

#[test]
fn rejects_priority_too_high() {
    expect_rejected(
        "bad-flow-priority-too-high.yaml",
        8,
        "1001",
        Some("traffic.requests.checkout.priority"),
        &["past the lowest level", "to 1000"],
    );
}

#[test]
fn rejects_codel_no_target() {
    expect_rejected(
        "bad-flow-codel-no-target.yaml",
        8,
        "codel",
        Some("components.web.queue.discipline"),
        &["codel without a positive target"],
    );
}

#[test]
fn rejects_codel_target_zero() {
    expect_rejected(
        "bad-flow-codel-target-zero.yaml",
        8,
        "0ms",
        Some("components.web.queue.target"),
        &["codel without a positive target"],
    );
}

#[test]
fn rejects_codel_target_negative() {
    expect_rejected(
        "bad-flow-codel-target-negative.yaml",
        8,
        "-5ms",
        Some("components.web.queue.target"),
        &["codel without a positive target", "negative"],
    );
}

#[test]
fn rejects_target_without_codel() {
    expect_rejected(
        "bad-flow-target-without-codel.yaml",
        8,
        "target",
        Some("components.web.queue.target"),
        &["`target` without `discipline: codel`"],
    );
}

#[test]
fn rejects_discipline_unknown() {
    expect_rejected(
        "bad-flow-discipline-unknown.yaml",
        8,
        "prioity",
        Some("components.web.queue.discipline"),
        &["unknown value `prioity`", "did you mean `priority`?"],
    );
}

#[test]
fn rejects_queue_capacity_too_large() {
    expect_rejected(
        "bad-flow-queue-capacity-too-large.yaml",
        8,
        "2000000000",
        Some("components.web.queue.capacity"),
        &["a queue of 2000000000 is too large to simulate"],
    );
}

/// The service called `name`.
fn service<'a>(m: &'a Model, name: &str) -> &'a Service {
    let c = m
        .components
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no component `{name}`"));
    let ComponentKind::Service(s) = &c.kind else {
        panic!("`{name}` is not a service")
    };
    s
}

/// The id of the component called `name`.
fn id(m: &Model, name: &str) -> ComponentId {
    m.components
        .iter()
        .position(|c| c.name == name)
        .unwrap_or_else(|| panic!("no component `{name}`")) as ComponentId
}

fn ms(n: u64) -> SimDuration {
    SimDuration(n * 1_000_000)
}

#[test]
fn every_flow_key_compiles_into_the_model() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flow-language.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let m = load_str(
        "flow-language.yaml",
        "flow-language",
        &text,
        &LoadOptions::default(),
    )
    .unwrap_or_else(|f| panic!("{}", f.render(false)));
    let prio: Vec<(&str, u32)> = m
        .traffic
        .classes
        .iter()
        .map(|c| (c.name.as_str(), c.priority))
        .collect();
    assert_eq!(prio, [("checkout", 0), ("browse", 2)]);

    let gw = service(&m, "gateway");
    assert_eq!((gw.queue, gw.discipline), (Some(200), Discipline::Priority));
    let (profile, orders, search) = (id(&m, "profile"), id(&m, "orders"), id(&m, "search"));
    let flows: Vec<Option<CallFlow>> = gw
        .calls
        .iter()
        .map(|c| c.flow.as_deref().cloned())
        .collect();
    let flow = |branches: Vec<ComponentId>, join, hedge, limit| {
        Some(CallFlow {
            branches,
            join,
            hedge,
            limit,
        })
    };
    let expected = vec![
        // The same name twice is two branches; `any` is 1.
        flow(vec![profile, orders, profile], 1, None, None),
        flow(vec![profile, orders], 2, None, None),
        // `join` absent is `all`.
        flow(vec![orders, search], 2, None, None),
        flow(vec![], 0, Some(ms(50)), None),
        flow(
            vec![],
            0,
            None,
            Some(ConnectionLimit {
                size: 20,
                wait: true,
            }),
        ),
        flow(
            vec![],
            0,
            None,
            Some(ConnectionLimit {
                size: 10,
                wait: false,
            }),
        ),
        // No [flow] key: no flow, as before.
        None,
    ];
    assert_eq!(flows, expected);
    // `to` is the first branch of a parallel call; `when` and the guard
    // are compiled as for any call.
    let to: Vec<ComponentId> = gw.calls.iter().map(|c| c.to).collect();
    assert_eq!(to[..4], [profile, profile, orders, search]);
    assert!(gw.calls[1].when.is_some() && gw.calls[4].when.is_some());
    let timeout = gw.calls[3].guard.as_ref().and_then(|g| g.timeout);
    assert_eq!(timeout, Some(ms(500)));
    assert!(gw.calls[..3].iter().all(|c| c.guard.is_none()));

    // The short form is FIFO; each long form its discipline, CoDel's
    // interval 100ms when absent.
    assert_eq!(
        (
            service(&m, "profile").queue,
            service(&m, "profile").discipline
        ),
        (Some(50), Discipline::Fifo)
    );
    assert_eq!(
        (
            service(&m, "orders").queue,
            service(&m, "orders").discipline
        ),
        (None, Discipline::Lifo)
    );
    let s = service(&m, "search");
    assert_eq!(
        (s.queue, s.discipline),
        (
            Some(100),
            Discipline::Codel {
                target: ms(5),
                interval: ms(50)
            }
        )
    );
    let p = service(&m, "payments");
    assert_eq!(
        (p.queue, p.discipline),
        (
            None,
            Discipline::Codel {
                target: ms(10),
                interval: ms(100)
            }
        )
    );
    let inv = service(&m, "inventory");
    assert_eq!((inv.queue, inv.discipline), (None, Discipline::Fifo));
    // A discipline shows in the model's debug text (hashed for a share's
    // fingerprint) only when it is not FIFO, a priority only when not 0.
    assert!(format!("{s:?}").contains("discipline: Codel"));
    assert!(!format!("{inv:?}").contains("discipline"));
    assert!(format!("{:?}", m.traffic.classes[1]).contains("priority: 2"));
    assert!(!format!("{:?}", m.traffic.classes[0]).contains("priority"));
}

/// The scenario `web -> {a, b}`, with `web`'s extra keys `web_keys` and
/// `b`'s calls `b_calls` (each indented in place).
fn small(web_keys: &str, b_calls: &str) -> String {
    format!(
        "
duration: 1m
traffic: {{ to: web, rate: 10 }}
components:
  web:
    kind: service
    service_time: 1ms
{web_keys}
  a: {{ kind: service, service_time: 1ms }}
  b: {{ kind: service, service_time: 1ms, calls: {b_calls} }}
"
    )
}

/// The error of loading `text` with `sets`: its key path and message.
fn refused(text: &str, sets: &[&str]) -> (String, String) {
    let opts = LoadOptions {
        sets: sets.iter().map(|s| s.to_string()).collect(),
        ..LoadOptions::default()
    };
    let e = load_str("t.yaml", "t", text, &opts)
        .expect_err("refused")
        .into_first();
    (e.path.clone().unwrap_or_default(), e.to_string())
}

fn loads(text: &str, sets: &[&str]) -> Model {
    let opts = LoadOptions {
        sets: sets.iter().map(|s| s.to_string()).collect(),
        ..LoadOptions::default()
    };
    load_str("t.yaml", "t", text, &opts).unwrap_or_else(|f| panic!("{}", f.render(false)))
}

#[test]
fn a_parallel_branch_counts_for_cycles() {
    // Each branch is an edge of the call graph: `b` calling back to `web`
    // closes a cycle through the second branch.
    let text = small("    calls: [{ parallel: [a, b] }]", "[web]");
    let (path, msg) = refused(&text, &[]);
    assert!(msg.contains("call cycle"), "{msg}");
    assert!(path.starts_with("components."), "{path}");
    // Without the call back, it loads, and `b` is reached through a branch
    // alone (no "never reached" refusal or warning stops it).
    let m = loads(&small("    calls: [{ parallel: [a, b] }]", "[]"), &[]);
    assert_eq!(
        service(&m, "web").calls[0].targets(),
        [id(&m, "a"), id(&m, "b")]
    );
}

#[test]
fn more_refusals_name_their_key() {
    let cases: [(&str, &str, &str); 5] = [
        (
            "    queue: { discipline: codel, target: 5ms, interval: 0s }",
            "components.web.queue.interval",
            "a CoDel interval of no time",
        ),
        (
            "    calls: [{ to: a, pool: -2 }]",
            "components.web.calls[0].pool",
            "not negative",
        ),
        (
            "    calls: [{ to: a, hedge: 0s, timeout: 1s }]",
            "components.web.calls[0].hedge",
            "a hedge of no time",
        ),
        (
            "    calls: [{ parallel: [a, b], pool: 3 }]",
            "components.web.calls[0].pool",
            "`pool` is not supported on a `parallel` call",
        ),
        (
            "    queue: -3",
            "components.web.queue",
            "a queue of -3 slots",
        ),
    ];
    for (keys, path, phrase) in cases {
        let (p, msg) = refused(&small(keys, "[]"), &[]);
        assert_eq!(p, path, "{keys}: {msg}");
        assert!(msg.contains(phrase), "{keys}: {msg}");
    }
}

#[test]
fn set_replaces_either_form_of_queue() {
    let long = small("    queue: { capacity: 10, discipline: lifo }", "[]");
    // The whole queue, long form to short form: FIFO again.
    let m = loads(&long, &["components.web.queue=5"]);
    let web = service(&m, "web");
    assert_eq!((web.queue, web.discipline), (Some(5), Discipline::Fifo));
    // One key of the long form.
    let m = loads(&long, &["components.web.queue.capacity=7"]);
    let web = service(&m, "web");
    assert_eq!((web.queue, web.discipline), (Some(7), Discipline::Lifo));
    // The short form turned into the long form.
    let short = small("    queue: 10", "[]");
    let m = loads(
        &short,
        &["components.web.queue={ discipline: codel, target: 2ms }"],
    );
    let web = service(&m, "web");
    assert_eq!(
        (web.queue, web.discipline),
        (
            None,
            Discipline::Codel {
                target: ms(2),
                interval: ms(100)
            }
        )
    );
}

#[test]
fn calls_without_flow_keys_compile_as_before() {
    // A plain call, a mapping with `to` only and one with a timeout: no
    // flow, and a debug text (hashed for fingerprints) without `flow`.
    let m = loads(
        &small("    calls: [a, { to: b }, { to: a, timeout: 1s }]", "[]"),
        &[],
    );
    let web = service(&m, "web");
    assert!(web.calls.iter().all(|c| c.flow.is_none()));
    let text = format!("{web:?}");
    assert!(
        !text.contains("flow") && !text.contains("discipline"),
        "{text}"
    );
}
