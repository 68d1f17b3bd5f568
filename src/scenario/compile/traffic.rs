//! `traffic`: where requests go, how they arrive, their classes and the
//! client's timeout and retries, checked and compiled into the model's
//! [`Traffic`].

use super::{Checker, MAX_CLASSES, MAX_DURATION, MAX_KEYS, MAX_RATE, MAX_USERS, NAME_RULE};
use super::{check_count, compile_dist, is_name, resilience, resilience_sessions};
use crate::engine::SimDuration;
use crate::model::{self, Arrivals, ComponentId, KeyDist, Op, RateSchedule, RateStep, Traffic};
use crate::scenario::error::ScenarioError;
use crate::scenario::spec::{ArrivalsKind, KeySpec, OpSpec, RateSpec, TrafficSpec};

/// Compiles `traffic`; `lookup` finds the component `to` names.
pub(super) fn compile_traffic(
    ck: &Checker,
    t: &TrafficSpec,
    lookup: &dyn Fn(&str, &str) -> Result<ComponentId, ScenarioError>,
) -> Result<Traffic, ScenarioError> {
    let to = lookup("traffic.to", &t.to)?;
    let arrivals_kind = t.arrivals.unwrap_or(ArrivalsKind::Poisson);
    let arrivals = compile_arrivals(ck, t, arrivals_kind)?;

    // Open arrivals with `users`: who sent each request (sessions, sticky).
    let open_users = match (arrivals_kind, t.users) {
        (ArrivalsKind::Closed, _) | (_, None) => None,
        (_, Some(u)) => Some(resilience_sessions::compile_open_users(ck, u)?),
    };

    let classes = compile_classes(ck, t)?;

    let timeout = match t.client.as_ref().and_then(|c| c.timeout) {
        None => None,
        Some(d) if d.0 == SimDuration::ZERO => {
            return Err(ck
                .err(
                    "traffic.client.timeout",
                    "a timeout of no time fails every request",
                )
                .expected("a positive duration, such as `2s`"));
        }
        Some(d) => Some(d.0),
    };
    let retry = match &t.client {
        None => None,
        Some(c) => resilience::compile_retry(
            ck,
            "traffic.client",
            timeout,
            c.retries,
            c.backoff.as_ref(),
            c.retry_budget,
        )?,
    };
    Ok(Traffic {
        to,
        arrivals,
        classes,
        timeout,
        users: open_users,
        retry,
    })
}

/// How requests arrive: open (`rate`) or closed (`users` and `think_time`).
fn compile_arrivals(
    ck: &Checker,
    t: &TrafficSpec,
    arrivals_kind: ArrivalsKind,
) -> Result<Arrivals, ScenarioError> {
    Ok(match arrivals_kind {
        ArrivalsKind::Poisson | ArrivalsKind::Uniform => {
            if t.think_time.is_some() {
                return Err(ck
                    .err_key(
                        "traffic.think_time",
                        "`think_time` applies to `arrivals: closed` only",
                    )
                    .help("remove it, or set `arrivals: closed` and `users`"));
            }
            let Some(rate) = &t.rate else {
                return Err(ck
                    .err("traffic", "missing key `rate`")
                    .expected("requests per second (`500`) or a list of steps"));
            };
            let schedule = compile_rate(ck, rate)?;
            if arrivals_kind == ArrivalsKind::Poisson {
                Arrivals::Poisson(schedule)
            } else {
                Arrivals::Uniform(schedule)
            }
        }
        ArrivalsKind::Closed => {
            if t.rate.is_some() {
                return Err(ck
                    .err_key(
                        "traffic.rate",
                        "closed arrivals have no `rate`: the users and their think time set it",
                    )
                    .help("remove `rate`, or use `arrivals: poisson`"));
            }
            let Some(users) = t.users else {
                return Err(ck
                    .err("traffic", "missing key `users`")
                    .expected("the number of users of `arrivals: closed`"));
            };
            if users == 0 {
                return Err(ck
                    .err("traffic.users", "no users")
                    .expected("at least 1 user"));
            }
            if users > MAX_USERS {
                return Err(ck
                    .err(
                        "traffic.users",
                        format!("{users} users is too many to simulate"),
                    )
                    .expected(format!("at most {MAX_USERS}")));
            }
            let Some(think) = &t.think_time else {
                return Err(ck.err("traffic", "missing key `think_time`")
                    .expected("the time a user waits between requests, such as `5s` or `{ exponential: { mean: 5s } }`"));
            };
            Arrivals::Closed {
                users: users as u32,
                think_time: compile_dist(ck, "traffic.think_time", think)?,
            }
        }
    })
}

/// The request classes of `requests`, or the one `default` class.
fn compile_classes(
    ck: &Checker,
    t: &TrafficSpec,
) -> Result<Vec<model::RequestClass>, ScenarioError> {
    let mut classes = Vec::new();
    match &t.requests {
        None => classes.push(model::RequestClass {
            name: "default".to_string(),
            weight: 1.0,
            op: Op::Read,
            key: None,
            priority: 0,
        }),
        Some(reqs) => {
            if reqs.is_empty() {
                return Err(ck
                    .err("traffic.requests", "no request classes")
                    .expected("at least one class, such as `browse: { weight: 1 }`"));
            }
            if reqs.len() > MAX_CLASSES {
                return Err(ck
                    .err("traffic.requests", "too many request classes")
                    .expected(format!("at most {MAX_CLASSES}")));
            }
            for (cname, c) in reqs {
                let path = format!("traffic.requests.{cname}");
                if !is_name(cname) {
                    return Err(ck
                        .err_key(&path, format!("`{cname}` is not a valid class name"))
                        .expected(NAME_RULE));
                }
                if cname == "all" {
                    return Err(ck
                        .err_key(&path, "`all` is reserved for the summary's total row")
                        .expected("another class name"));
                }
                let weight = c.weight.unwrap_or(1.0);
                if !(weight > 0.0 && weight <= 1e12) {
                    return Err(ck
                        .err(&format!("{path}.weight"), format!("weight {weight}"))
                        .expected("a positive weight (weights are relative)"));
                }
                let key = match &c.key {
                    None => None,
                    Some(k) => Some(compile_key(ck, &format!("{path}.key"), k)?),
                };
                classes.push(model::RequestClass {
                    name: cname.clone(),
                    weight,
                    op: match c.op.unwrap_or(OpSpec::Read) {
                        OpSpec::Read => Op::Read,
                        OpSpec::Write => Op::Write,
                    },
                    key,
                    priority: compile_priority(ck, &path, c.priority)?,
                });
            }
        }
    }
    Ok(classes)
}

/// Lowest priority level (highest number) a class may have: a bound well
/// past any real scheme, so a typo such as `priority: 10000` is caught.
pub(crate) const MAX_PRIORITY: u64 = 1_000;

/// A class's `priority` under `path` (0 when absent). The deserializer
/// already refused negative, fractional and non-numeric values.
fn compile_priority(ck: &Checker, path: &str, p: Option<u64>) -> Result<u32, ScenarioError> {
    let p = p.unwrap_or(0);
    if p > MAX_PRIORITY {
        return Err(ck
            .err(
                &format!("{path}.priority"),
                format!("`priority: {p}` is past the lowest level"),
            )
            .expected(format!("a level from 0 (served first) to {MAX_PRIORITY}")));
    }
    Ok(p as u32)
}

fn compile_rate(ck: &Checker, rate: &RateSpec) -> Result<RateSchedule, ScenarioError> {
    let check_rps = |path: &str, rps: f64, allow_zero: bool| -> Result<(), ScenarioError> {
        if !rps.is_finite() {
            return Err(ck
                .err(path, format!("a rate of `{rps}` requests per second"))
                .expected("a finite number of requests per second"));
        }
        if rps < 0.0 || (!allow_zero && rps == 0.0) {
            return Err(ck
                .err(path, format!("a rate of {rps} requests per second"))
                .expected(if allow_zero {
                    "zero or more requests per second"
                } else {
                    "a positive number of requests per second"
                }));
        }
        if rps > MAX_RATE {
            return Err(ck
                .err(
                    path,
                    format!("{rps} requests per second is too many to simulate"),
                )
                .expected("at most 100 million per second"));
        }
        Ok(())
    };
    match rate {
        RateSpec::Trace { file } => {
            let at = "traffic.rate.trace.file";
            let rows = ck
                .inputs
                .trace(file, |m| ck.err(at, m).path(at), MAX_RATE, MAX_DURATION)?;
            Ok(RateSchedule::from_trace(&rows))
        }
        RateSpec::Constant(r) => {
            check_rps("traffic.rate", *r, false)?;
            Ok(RateSchedule::constant(*r))
        }
        RateSpec::Steps(steps) => {
            if steps.is_empty() {
                return Err(ck
                    .err("traffic.rate", "an empty list of steps")
                    .expected("at least one step, such as `- { at: 0s, rps: 100 }`"));
            }
            let mut out = Vec::new();
            let mut free_from = 0u64; // the previous step's ramp ends here
            for (i, s) in steps.iter().enumerate() {
                let p = format!("traffic.rate[{i}]");
                check_rps(&format!("{p}.rps"), s.rps, true)?;
                let at = s.at.0.nanos();
                if at > MAX_DURATION.nanos() {
                    return Err(ck
                        .err(&format!("{p}.at"), "too late to simulate")
                        .expected("at most 10 years"));
                }
                if i > 0 && at < free_from {
                    let prev = SimDuration(free_from);
                    return Err(ck
                        .err(
                            &format!("{p}.at"),
                            format!(
                                "this step starts at {}, before the previous step is done ({prev})",
                                s.at.0
                            ),
                        )
                        .expected("steps in time order, each after the previous step's ramp"));
                }
                // Two jumps at one instant: the first would never take effect.
                if i > 0
                    && s.ramp.is_none()
                    && steps[i - 1].ramp.is_none()
                    && at == steps[i - 1].at.0.nanos()
                {
                    return Err(ck
                        .err(&format!("{p}.at"), format!("two steps at {}", s.at.0))
                        .expected("one step per instant"));
                }
                let ramp = s.ramp.map(|r| r.0.nanos()).unwrap_or(0);
                if ramp > MAX_DURATION.nanos() {
                    return Err(ck
                        .err(&format!("{p}.ramp"), "too long to simulate")
                        .expected("at most 10 years"));
                }
                free_from = at + ramp;
                out.push(RateStep {
                    at,
                    rps: s.rps,
                    ramp,
                });
            }
            if out.iter().all(|s| s.rps == 0.0) {
                return Err(ck
                    .err(
                        "traffic.rate",
                        "every step has a rate of zero: nothing would be sent",
                    )
                    .expected("at least one step with a positive `rps`"));
            }
            Ok(RateSchedule::from_steps(&out))
        }
    }
}

fn compile_key(ck: &Checker, path: &str, k: &KeySpec) -> Result<KeyDist, ScenarioError> {
    let keys_at = |sub: &str, keys: u64| -> Result<(), ScenarioError> {
        check_count(ck, &format!("{path}.{sub}.keys"), keys, MAX_KEYS, "key")
    };
    Ok(match k {
        KeySpec::Uniform { keys } => {
            keys_at("uniform", *keys)?;
            KeyDist::uniform(*keys)
        }
        KeySpec::Zipf { keys, exponent } => {
            keys_at("zipf", *keys)?;
            if !(exponent.is_finite() && (0.0..=10.0).contains(exponent)) {
                return Err(ck
                    .err(
                        &format!("{path}.zipf.exponent"),
                        format!("an exponent of {exponent}"),
                    )
                    .expected(
                        "an exponent from 0 (uniform) to 10; 0.8 to 1.2 is typical of web traffic",
                    ));
            }
            KeyDist::zipf(*keys, *exponent)
        }
        KeySpec::Hotspot {
            keys,
            hot_keys,
            hot_share,
        } => {
            keys_at("hotspot", *keys)?;
            if *hot_keys == 0 || hot_keys > keys {
                return Err(ck
                    .err(
                        &format!("{path}.hotspot.hot_keys"),
                        format!("{hot_keys} hot keys of {keys}"),
                    )
                    .expected(format!("from 1 to `keys` ({keys}) hot keys")));
            }
            KeyDist::hotspot(*keys, *hot_keys, hot_share.0)
        }
    })
}
