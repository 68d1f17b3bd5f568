//! `kind: service`: its spec checked and compiled into [`Service`]. The
//! rules it shares with other kinds (what a call may name, what a queue's
//! consumers may not do, what may keep sessions) are asked of
//! `scenario::compile::graph` at the point they were always checked.

use super::autoscale::compile_autoscale;
use super::model::{Call, CallFilter, CallFlow, ConnectionLimit, Discipline, Service, Sessions};
use super::spec::{
    CallFlowSpec, CallOptionsSpec, CallSpec, DisciplineSpec, JoinSpec, ServiceQueueSpec,
    ServiceSpec, SessionsSpec,
};
use crate::engine::SimDuration;
use crate::model::{self, CallGuard, ComponentId, Op};
use crate::scenario::compile::cx::KindCx;
use crate::scenario::compile::graph::{self, Carries};
use crate::scenario::compile::kinds::{KindRules, KindSpec};
use crate::scenario::compile::resilience::{compile_breaker, compile_retry};
use crate::scenario::compile::resilience_scaling::compile_rate_limit;
use crate::scenario::compile::{
    Checker, MAX_INSTANCES, MAX_POOL_WORKERS, MAX_QUEUE, MAX_WORKERS, at_most_max, positive,
};
use crate::scenario::error::{ScenarioError, one_of};
use crate::scenario::spec::{DurationValue, parse_duration};

/// CoDel's `interval` when none is written: the value of RFC 8289.
const CODEL_INTERVAL: SimDuration = SimDuration(100_000_000);

impl KindSpec for ServiceSpec {}

/// What the compiler asks of a service: the defaults.
pub(crate) struct Rules;

impl KindRules for Rules {}

/// Compiles a service.
pub(crate) fn compile(cx: &mut KindCx, s: &ServiceSpec) -> Result<Service, ScenarioError> {
    let size = cx.size(s.size.as_ref())?;
    let mut instances = s.instances.unwrap_or(1);
    // A size sets the workers to its cores; an explicit `workers` (a thread
    // pool smaller than the machine) wins.
    let workers = s
        .workers
        .unwrap_or(size.as_ref().map(|z| z.cores as u64).unwrap_or(1));
    cx.count("instances", instances, MAX_INSTANCES, "instance")?;
    let autoscale = match &s.autoscale {
        None => None,
        Some(a) => {
            graph::refuse_autoscaled_consumer(cx, a)?;
            let (a, start) = compile_autoscale(cx.ck(), &cx.at("autoscale"), a, s.instances)?;
            instances = start;
            Some(a)
        }
    };
    if s.rate_limit.is_some() {
        graph::refuse_rate_limited_consumer(cx)?;
    }
    let rate_limit = match &s.rate_limit {
        None => None,
        Some(r) => Some(compile_rate_limit(cx.ck(), &cx.at("rate_limit"), r)?),
    };
    // The pool's workers at its largest.
    let slots = autoscale.map_or(instances, |a| a.max as u64);
    cx.count("workers", workers, MAX_WORKERS, "worker")?;
    if slots * workers > MAX_POOL_WORKERS {
        return Err(cx
            .err(
                "workers",
                format!("{slots} instances of {workers} workers is too many to simulate"),
            )
            .expected(format!("at most {MAX_POOL_WORKERS} workers in one pool")));
    }
    let (queue, discipline) = compile_queue(cx.ck(), &cx.at("queue"), s.queue.as_ref())?;
    let mut service_time = cx.dist("service_time", &s.service_time)?;
    if let Some(z) = &size
        && z.speed != 1.0
    {
        service_time = service_time.scaled_by_speed(z.speed);
    }
    let calls = compile_calls(cx, s)?;
    let sessions = match &s.sessions {
        None => None,
        Some(ss) => Some(compile_sessions(cx, ss)?),
    };
    if sessions.is_some() {
        cx.needs_users(
            "sessions",
            "sessions belong to users, but the traffic has no `users`",
            "add `users: 10000` (say) under `traffic`, or remove `sessions`",
        );
    }
    Ok(Service {
        instances: instances as u32,
        workers: workers as u32,
        queue,
        discipline,
        service_time,
        calls,
        size,
        sessions,
        autoscale,
        rate_limit,
    })
}

/// A service's `queue` at `path`: its waiting slots per instance and its
/// discipline (the short form, an integer, is FIFO).
fn compile_queue(
    ck: &Checker,
    path: &str,
    q: Option<&ServiceQueueSpec>,
) -> Result<(Option<u32>, Discipline), ScenarioError> {
    let Some(q) = q else {
        return Ok((None, Discipline::Fifo));
    };
    let (cap_path, unbounded) = if q.long {
        (format!("{path}.capacity"), "no `capacity`")
    } else {
        (path.to_string(), "no `queue`")
    };
    if let Some(c) = q.capacity
        && c > MAX_QUEUE
    {
        return Err(ck
            .err(
                &cap_path,
                format!("a queue of {c} is too large to simulate"),
            )
            .expected(format!("at most {MAX_QUEUE}, or {unbounded} for unbounded")));
    }
    let spec = q.discipline.unwrap_or(DisciplineSpec::Fifo);
    if spec != DisciplineSpec::Codel {
        for (key, written) in [
            ("target", q.target.is_some()),
            ("interval", q.interval.is_some()),
        ] {
            if written {
                return Err(ck
                    .err_key(
                        &format!("{path}.{key}"),
                        format!(
                            "`{key}` without `discipline: codel`: only CoDel has a target wait"
                        ),
                    )
                    .expected(format!(
                        "`discipline: codel` with `target: 5ms` (say), or no `{key}`"
                    )));
            }
        }
    }
    let discipline = match spec {
        DisciplineSpec::Fifo => Discipline::Fifo,
        DisciplineSpec::Lifo => Discipline::Lifo,
        // With every class at priority 0 this is FIFO in effect: allowed,
        // as a file may set the discipline before it sets priorities.
        DisciplineSpec::Priority => Discipline::Priority,
        DisciplineSpec::Codel => {
            let target = codel_target(ck, path, q.target.as_deref())?;
            let interval = match q.interval {
                None => CODEL_INTERVAL,
                Some(i) => positive(
                    ck,
                    &format!("{path}.interval"),
                    i,
                    "a CoDel interval of no time drops at the first long wait",
                    "`interval: 100ms`",
                )?,
            };
            Discipline::Codel { target, interval }
        }
    };
    Ok((q.capacity.map(|c| c as u32), discipline))
}

/// `codel`'s `target` under the queue at `path`: a positive duration. One
/// message for a missing, zero or negative one: each drops every request
/// that waits at all.
fn codel_target(
    ck: &Checker,
    path: &str,
    target: Option<&str>,
) -> Result<SimDuration, ScenarioError> {
    const MESSAGE: &str = "codel without a positive target";
    const EXPECTED: &str =
        "a positive `target`, the standing wait tolerated, such as `target: 5ms`";
    let Some(text) = target else {
        return Err(ck
            .err(&format!("{path}.discipline"), MESSAGE)
            .expected(EXPECTED));
    };
    let tpath = format!("{path}.target");
    match parse_duration(text) {
        Err(why) => Err(ck
            .err(&tpath, format!("{MESSAGE}: {why}"))
            .expected(EXPECTED)),
        Ok(d) if d == SimDuration::ZERO => Err(ck
            .err(&tpath, format!("{MESSAGE}: `{}` is no time", text.trim()))
            .expected(EXPECTED)),
        Ok(d) => at_most_max(ck, &tpath, DurationValue(d)),
    }
}

/// The service's `calls`, in order.
fn compile_calls(cx: &mut KindCx, s: &ServiceSpec) -> Result<Vec<Call>, ScenarioError> {
    let class_names: Vec<&str> = cx.classes().iter().map(|c| c.name.as_str()).collect();
    let mut calls = Vec::new();
    for (i, c) in s.calls.iter().flatten().enumerate() {
        let cpath = format!("{}[{i}]", cx.at("calls"));
        let targets = call_targets(cx, &cpath, c)?;
        let when = match &c.when {
            None => None,
            Some(list) => Some(compile_when(
                cx.ck(),
                &format!("{cpath}.when"),
                list,
                &class_names,
            )?),
        };
        // A parallel entry has no options (refused above): the breaker's
        // name only ever takes `to`.
        let callee = c.to.as_deref().unwrap_or_default();
        let guard = compile_call_guard(cx.ck(), &cpath, c.options.as_deref(), cx.name(), callee)?;
        let flow = match c.flow.as_deref() {
            None => None,
            Some(f) => compile_flow(cx.ck(), &cpath, f, &targets, guard.as_deref())?,
        };
        for (target, path) in &targets {
            let carries = match when.clone() {
                None => Carries::All,
                Some(w) => Carries::Filtered(Box::new(move |class, op| w.matches(class, op))),
            };
            cx.edge(*target, path.clone(), carries);
        }
        calls.push(Call {
            to: targets[0].0,
            when,
            guard,
            flow,
        });
    }
    Ok(calls)
}

/// The components the call at `cpath` names, each with its key path:
/// `to`, or each branch of `parallel` (never empty). Refuses both or
/// neither, an empty `parallel`, and a parallel entry's unsupported keys.
fn call_targets(
    cx: &KindCx,
    cpath: &str,
    c: &CallSpec,
) -> Result<Vec<(ComponentId, String)>, ScenarioError> {
    let ck = cx.ck();
    let parallel = c.flow.as_deref().and_then(|f| f.parallel.as_ref());
    match (&c.to, parallel) {
        (Some(_), Some(_)) => Err(ck
            .err_key(&format!("{cpath}.parallel"), "`to` and `parallel` on one call")
            .expected(
                "either `to: NAME` (a call to one component) or `parallel: [A, B]` (calls sent at once)",
            )),
        (None, None) => Err(ck
            .err(cpath, "a call with neither `to` nor `parallel` calls nothing")
            .expected("`to: NAME`, or `parallel: [A, B]`")),
        (Some(to), None) => {
            let path = if c.when.is_some() || c.options.is_some() || c.flow.is_some() {
                format!("{cpath}.to")
            } else {
                cpath.to_string()
            };
            Ok(vec![(graph::callee(cx, &path, to)?, path)])
        }
        (None, Some(branches)) => {
            refuse_parallel_options(ck, cpath, c)?;
            let ppath = format!("{cpath}.parallel");
            if branches.is_empty() {
                return Err(ck
                    .err(&ppath, "an empty `parallel` calls nothing")
                    .expected("a list of components, such as `parallel: [profile, orders]`"));
            }
            let mut out = Vec::with_capacity(branches.len());
            for (j, name) in branches.iter().enumerate() {
                let path = format!("{ppath}[{j}]");
                out.push((graph::callee(cx, &path, name)?, path));
            }
            Ok(out)
        }
    }
}

/// Refuses, on the `parallel` entry at `cpath`, the keys a parallel call
/// does not take (decided for now: a timeout, retries, a breaker, a hedge
/// or a limit would each need a meaning per branch or for the whole).
fn refuse_parallel_options(ck: &Checker, cpath: &str, c: &CallSpec) -> Result<(), ScenarioError> {
    let mut written: Vec<&str> = Vec::new();
    if let Some(o) = c.options.as_deref() {
        for (key, on) in [
            ("timeout", o.timeout.is_some()),
            ("retries", o.retries.is_some()),
            ("backoff", o.backoff.is_some()),
            ("retry_budget", o.retry_budget.is_some()),
            ("circuit_breaker", o.circuit_breaker.is_some()),
        ] {
            if on {
                written.push(key);
            }
        }
    }
    if let Some(f) = c.flow.as_deref() {
        for (key, on) in [
            ("hedge", f.hedge.is_some()),
            ("pool", f.pool.is_some()),
            ("bulkhead", f.bulkhead.is_some()),
        ] {
            if on {
                written.push(key);
            }
        }
    }
    match written.first() {
        None => Ok(()),
        Some(key) => Err(ck
            .err_key(
                &format!("{cpath}.{key}"),
                format!("`{key}` is not supported on a `parallel` call"),
            )
            .expected("only `parallel`, `join` and `when` on a parallel call; write it on a call with `to`")),
    }
}

/// The [flow] of the call at `cpath` to `targets` (its `guard` compiled):
/// `None` when it has no `parallel`, `hedge`, `pool` nor `bulkhead`.
fn compile_flow(
    ck: &Checker,
    cpath: &str,
    f: &CallFlowSpec,
    targets: &[(ComponentId, String)],
    guard: Option<&CallGuard>,
) -> Result<Option<Box<CallFlow>>, ScenarioError> {
    let n = targets.len() as u64;
    let join = match (f.join, f.parallel.is_some()) {
        (Some(_), false) => {
            return Err(ck
                .err_key(&format!("{cpath}.join"), "`join` without `parallel`")
                .expected(
                    "`join` with `parallel: [A, B]`, or no `join` on a call to one component",
                ));
        }
        // Not a parallel call: no branch to join (0, as `branches` is empty).
        (None, false) => 0,
        (None, true) | (Some(JoinSpec::All), _) => n,
        (Some(JoinSpec::Any), _) => 1,
        (Some(JoinSpec::Count(k)), _) => {
            let jpath = format!("{cpath}.join");
            if k == 0 {
                return Err(ck
                    .err(&jpath, "`join: 0` waits for no reply")
                    .expected(format!("from 1 to {n} replies, `all` or `any`")));
            }
            if k > n {
                return Err(ck
                    .err(&jpath, format!("join: {k} of {n} branches"))
                    .expected(format!(
                        "at most {n} replies (one per branch), `all` or `any`"
                    )));
            }
            k
        }
    };
    let hedge = match f.hedge {
        None => None,
        Some(h) => Some(compile_hedge(ck, cpath, h, guard)?),
    };
    let limit = compile_limit(ck, cpath, f)?;
    if f.parallel.is_none() && hedge.is_none() && limit.is_none() {
        return Ok(None);
    }
    Ok(Some(Box::new(CallFlow {
        branches: if f.parallel.is_some() {
            targets.iter().map(|t| t.0).collect()
        } else {
            Vec::new()
        },
        join: join as u32,
        hedge,
        limit,
    })))
}

/// The call's `hedge` (`h`): positive, and below the same call's timeout,
/// without which the first try never gives way to the second.
fn compile_hedge(
    ck: &Checker,
    cpath: &str,
    h: DurationValue,
    guard: Option<&CallGuard>,
) -> Result<SimDuration, ScenarioError> {
    let hpath = format!("{cpath}.hedge");
    let h = positive(
        ck,
        &hpath,
        h,
        "a hedge of no time sends every call twice at once",
        "`hedge: 50ms`",
    )?;
    let message = "`hedge` without a timeout budget that can hold it";
    match guard.and_then(|g| g.timeout) {
        None => Err(ck
            .err(&hpath, format!("{message}: the call has no `timeout`"))
            .expected(format!(
                "a `timeout` on the same call longer than the hedge, such as `timeout: {}`",
                SimDuration(h.0.saturating_mul(10))
            ))),
        Some(t) if h >= t => Err(ck
            .err(
                &hpath,
                format!("{message}: `hedge: {h}` is not below `timeout: {t}`"),
            )
            .expected(format!("a hedge shorter than the timeout of {t}"))),
        Some(_) => Ok(h),
    }
}

/// The call's `pool` or `bulkhead`: at most one, of 1 to `MAX_WORKERS`
/// calls in flight per caller instance.
fn compile_limit(
    ck: &Checker,
    cpath: &str,
    f: &CallFlowSpec,
) -> Result<Option<ConnectionLimit>, ScenarioError> {
    let (key, size, wait, noun) = match (f.pool, f.bulkhead) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(ck
                .err_key(&format!("{cpath}.bulkhead"), "`pool` and `bulkhead` on one call")
                .expected(
                    "`pool: K` (the excess waits for a connection) or `bulkhead: K` (the excess is rejected), not both",
                ));
        }
        (Some(k), None) => ("pool", k, true, "connections"),
        (None, Some(k)) => ("bulkhead", k, false, "calls in flight"),
    };
    let path = format!("{cpath}.{key}");
    if size == 0 {
        return Err(ck
            .err(&path, format!("a {key} of 0 {noun} never sends"))
            .expected(format!("at least 1 {noun} per instance of the caller")));
    }
    if size > MAX_WORKERS {
        return Err(ck
            .err(
                &path,
                format!("a {key} of {size} {noun} is too many to simulate"),
            )
            .expected(format!("at most {MAX_WORKERS}")));
    }
    Ok(Some(ConnectionLimit {
        size: size as u32,
        wait,
    }))
}

/// A call's `when`: `read`, `write`, or request classes (of `classes`).
fn compile_when(
    ck: &Checker,
    path: &str,
    list: &[String],
    classes: &[&str],
) -> Result<CallFilter, ScenarioError> {
    match list {
        [] => Err(ck
            .err(path, "an empty `when` never makes the call")
            .expected("`read`, `write`, or request classes")),
        [one] if one == "read" => Ok(CallFilter::Op(Op::Read)),
        [one] if one == "write" => Ok(CallFilter::Op(Op::Write)),
        _ => {
            let mut ids = Vec::new();
            for (i, c) in list.iter().enumerate() {
                let p = if list.len() == 1 {
                    path.to_string()
                } else {
                    format!("{path}[{i}]")
                };
                if c == "read" || c == "write" {
                    return Err(ck
                        .err(&p, format!("`{c}` mixed with request classes"))
                        .expected("either `read` or `write` alone, or a list of request classes"));
                }
                match classes.iter().position(|n| n == c) {
                    Some(id) => ids.push(id as model::ClassId),
                    None => {
                        let mut options: Vec<&str> = vec!["read", "write"];
                        options.extend(classes.iter().copied());
                        return Err(ck
                            .err(
                                &p,
                                format!("`{c}` is neither `read`, `write` nor a request class"),
                            )
                            .expected(one_of(&options))
                            .suggest(c, options.iter().copied()));
                    }
                }
            }
            Ok(CallFilter::Classes(ids))
        }
    }
}

/// The guard of a call written at `path` from `caller` to `callee`; `None`
/// when it has no options.
fn compile_call_guard(
    ck: &Checker,
    path: &str,
    o: Option<&CallOptionsSpec>,
    caller: &str,
    callee: &str,
) -> Result<Option<Box<CallGuard>>, ScenarioError> {
    let Some(o) = o else { return Ok(None) };
    let timeout = match o.timeout {
        None => None,
        Some(t) => Some(positive(
            ck,
            &format!("{path}.timeout"),
            t,
            "a timeout of no time fails every call",
            "`timeout: 500ms`",
        )?),
    };
    let retry = compile_retry(
        ck,
        path,
        timeout,
        o.retries,
        o.backoff.as_ref(),
        o.retry_budget,
    )?;
    let breaker = match &o.circuit_breaker {
        None => None,
        Some(b) => Some(compile_breaker(
            ck,
            &format!("{path}.circuit_breaker"),
            b,
            format!("{caller} -> {callee}"),
        )?),
    };
    Ok(Some(Box::new(CallGuard {
        timeout,
        retry,
        breaker,
    })))
}

/// The service's `sessions`: `local`, or a shared store (a call like the
/// others, so it counts for cycles).
fn compile_sessions(cx: &mut KindCx, spec: &SessionsSpec) -> Result<Sessions, ScenarioError> {
    graph::refuse_sessions_on_consumer(cx)?;
    if spec.store == "local" {
        return Ok(Sessions::Local);
    }
    let store = graph::session_store(cx, &spec.store)?;
    cx.edge(store, cx.at("sessions.store"), Carries::Nothing);
    Ok(Sessions::Store(store))
}
