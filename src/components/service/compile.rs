//! `kind: service`: its spec checked and compiled into [`Service`]. The
//! rules it shares with other kinds (what a call may name, what a queue's
//! consumers may not do, what may keep sessions) are asked of
//! `scenario::compile::graph` at the point they were always checked.

use super::autoscale::compile_autoscale;
use super::model::{Call, CallFilter, Service, Sessions};
use super::spec::{CallOptionsSpec, ServiceSpec, SessionsSpec};
use crate::model::{self, CallGuard, Op};
use crate::scenario::compile::cx::KindCx;
use crate::scenario::compile::graph::{self, Carries};
use crate::scenario::compile::kinds::{KindRules, KindSpec};
use crate::scenario::compile::resilience::{compile_breaker, compile_retry};
use crate::scenario::compile::resilience_scaling::compile_rate_limit;
use crate::scenario::compile::{
    Checker, MAX_INSTANCES, MAX_POOL_WORKERS, MAX_QUEUE, MAX_WORKERS, positive,
};
use crate::scenario::error::{ScenarioError, one_of};

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
    if let Some(q) = s.queue
        && q > MAX_QUEUE
    {
        return Err(cx
            .err("queue", format!("a queue of {q} is too large to simulate"))
            .expected(format!("at most {MAX_QUEUE}, or no `queue` for unbounded")));
    }
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
        queue: s.queue.map(|q| q as u32),
        // Written by the language of [flow] (`queue: { discipline }`).
        discipline: super::model::Discipline::Fifo,
        service_time,
        calls,
        size,
        sessions,
        autoscale,
        rate_limit,
    })
}

/// The service's `calls`, in order.
fn compile_calls(cx: &mut KindCx, s: &ServiceSpec) -> Result<Vec<Call>, ScenarioError> {
    let class_names: Vec<&str> = cx.classes().iter().map(|c| c.name.as_str()).collect();
    let mut calls = Vec::new();
    for (i, c) in s.calls.iter().flatten().enumerate() {
        let cpath = format!("{}[{i}]", cx.at("calls"));
        let to_path = if c.when.is_some() || c.options.is_some() {
            format!("{cpath}.to")
        } else {
            cpath.clone()
        };
        let target = graph::callee(cx, &to_path, &c.to)?;
        let when = match &c.when {
            None => None,
            Some(list) => Some(compile_when(
                cx.ck(),
                &format!("{cpath}.when"),
                list,
                &class_names,
            )?),
        };
        let guard = compile_call_guard(cx.ck(), &cpath, c.options.as_deref(), cx.name(), &c.to)?;
        let carries = match when.clone() {
            None => Carries::All,
            Some(w) => Carries::Filtered(Box::new(move |class, op| w.matches(class, op))),
        };
        cx.edge(target, to_path, carries);
        calls.push(Call {
            to: target,
            when,
            guard,
            // Written by the language of [flow].
            flow: None,
        });
    }
    Ok(calls)
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
