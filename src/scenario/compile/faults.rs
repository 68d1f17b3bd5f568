//! `faults`, `slo`, a load balancer's `health_check` and a database's
//! `failover`: checked and compiled into the model's fault types.

use super::{Checker, MAX_DURATION, compile_dist};
use crate::engine::{SimDuration, SimTime};
use crate::model::{
    ComponentId, ComponentKind, Failover, Fault, FaultKind, HealthCheck, Model, Slo,
};
use crate::scenario::error::{ScenarioError, one_of};
use crate::scenario::spec::{
    ComponentPair, DurationValue, FailoverSpec, FaultSpec, HealthCheckSpec, RandomFaultSpec,
    SloSpec,
};

/// Most entries in `faults`.
pub const MAX_FAULTS: usize = 10_000;
/// Most instances struck by all faults together (each fault lists its own).
pub const MAX_FAULT_INSTANCES: usize = 10_000_000;
/// Largest `factor` of a `slow` fault.
pub const MAX_SLOW_FACTOR: f64 = 1000.0;
/// Most failed checks in a row a health check may wait for.
pub const MAX_HEALTH_FAILURES: u64 = 1000;
/// Failed checks in a row that mark an instance down when `failures` is absent.
pub const DEFAULT_HEALTH_FAILURES: u32 = 2;
/// Most good windows in a row an SLO may ask for.
pub const MAX_HOLD: u64 = 1_000_000;
/// Good windows in a row that count as recovered when `hold` is absent.
pub const DEFAULT_HOLD: u32 = 3;

/// The kinds of fault, each a key naming what it strikes.
const FAULT_KINDS: &[&str] = &[
    "crash",
    "slow",
    "errors",
    "flush",
    "partition",
    "delay",
    "random",
];

/// The settings a fault entry may have besides its kind.
const SETTINGS: &[&str] = &[
    "at",
    "for",
    "instances",
    "factor",
    "share",
    "extra",
    "target",
    "mttf",
    "mttr",
];

/// The settings each kind of fault takes.
fn settings_of(kind: &str) -> &'static [&'static str] {
    match kind {
        "crash" => &["at", "for", "instances"],
        "slow" => &["at", "for", "instances", "factor"],
        "errors" => &["at", "for", "instances", "share"],
        "flush" => &["at", "instances"],
        "partition" => &["at", "for"],
        "delay" => &["at", "for", "extra"],
        _ => &["at", "target", "mttf", "mttr"],
    }
}

/// `a service`, `a cache`, ... for messages.
fn a_kind(kind: &ComponentKind) -> &'static str {
    match kind {
        ComponentKind::Service(_) => "a service",
        ComponentKind::LoadBalancer(_) => "a load balancer",
        ComponentKind::Cache(_) => "a cache",
        ComponentKind::Database(_) => "a database",
        ComponentKind::Queue(_) => "a queue",
    }
}

/// Instances a fault can strike: a load balancer or a queue is one.
fn instance_count(kind: &ComponentKind) -> u32 {
    match kind {
        ComponentKind::Service(s) => s.instances,
        ComponentKind::Cache(c) => c.instances,
        ComponentKind::Database(d) => d.nodes(),
        ComponentKind::LoadBalancer(_) | ComponentKind::Queue(_) => 1,
    }
}

/// What an instance of the kind is called in messages.
fn instance_noun(kind: &ComponentKind) -> &'static str {
    match kind {
        ComponentKind::Cache(_) | ComponentKind::Database(_) => "node",
        _ => "instance",
    }
}

/// A decimal index as [`Model::instance_names`] writes it (no sign, no
/// leading zero).
fn parse_index(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// The index of the instance called `name` (as in [`Model::instance_names`],
/// without building the list: a database may have 100,000 nodes).
pub(super) fn instance_index(kind: &ComponentKind, name: &str) -> Option<u32> {
    match kind {
        ComponentKind::Service(s) => parse_index(name).filter(|&i| i < s.instances),
        ComponentKind::Cache(c) => name
            .strip_prefix("node")
            .and_then(parse_index)
            .filter(|&i| i < c.instances),
        ComponentKind::Database(d) => {
            let (shard, role) = name.split_once('.')?;
            let s = shard
                .strip_prefix("shard")
                .and_then(parse_index)
                .filter(|&s| s < d.shards)?;
            let primary = s * (1 + d.replicas);
            if role == "primary" {
                return Some(primary);
            }
            let r = role
                .strip_prefix("replica")
                .and_then(parse_index)
                .filter(|&r| r < d.replicas)?;
            Some(primary + 1 + r)
        }
        ComponentKind::LoadBalancer(_) | ComponentKind::Queue(_) => None,
    }
}

/// The instance names of a component, shortened when there are many.
fn describe_instances(kind: &ComponentKind, names: &[String]) -> String {
    if names.len() <= 8 {
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        return one_of(&refs);
    }
    let last = &names[names.len() - 1];
    match kind {
        ComponentKind::Database(_) => format!(
            "`{}`, `{}`, ... `{last}` ({} nodes)",
            names[0],
            names[1],
            names.len()
        ),
        _ => format!("`{}` to `{last}`", names[0]),
    }
}

/// A fault target: a component, and one of its instances when named.
struct Target<'a> {
    /// The component's name.
    name: &'a str,
    component: ComponentId,
    instance: Option<u32>,
}

/// Reads `web`, `web.3` or `db.shard0.primary` (names have no `.`, so the
/// component ends at the first one).
fn resolve_target<'a>(
    ck: &Checker,
    model: &Model,
    path: &str,
    text: &'a str,
    lookup: &dyn Fn(&str, &str) -> Result<ComponentId, ScenarioError>,
) -> Result<Target<'a>, ScenarioError> {
    let (name, inst) = match text.split_once('.') {
        Some((n, i)) => (n, Some(i)),
        None => (text, None),
    };
    let component = lookup(path, name)?;
    let Some(inst) = inst else {
        return Ok(Target {
            name,
            component,
            instance: None,
        });
    };
    let kind = &model.components[component as usize].kind;
    if let Some(i) = instance_index(kind, inst) {
        return Ok(Target {
            name,
            component,
            instance: Some(i),
        });
    }
    if matches!(
        kind,
        ComponentKind::LoadBalancer(_) | ComponentKind::Queue(_)
    ) {
        return Err(ck
            .err(
                path,
                format!(
                    "`{name}` has no instance `{inst}`: {} is one whole, with no instances to name",
                    a_kind(kind)
                ),
            )
            .expected(format!("just `{name}`")));
    }
    let names = model.instance_names(component);
    let full: Vec<String> = names.iter().map(|n| format!("{name}.{n}")).collect();
    let message = if inst.is_empty() {
        format!("`{text}` names no instance after the dot")
    } else {
        format!("`{name}` has no instance `{inst}`")
    };
    Err(ck
        .err(path, message)
        .expected(format!(
            "an instance of `{name}`: {} (as in `{}`), or `{name}` for all of them",
            describe_instances(kind, &names),
            full[0]
        ))
        .suggest(text, full.iter().map(String::as_str)))
}

/// A positive duration of at most ten years, or an error at `path`.
pub(super) fn positive(
    ck: &Checker,
    path: &str,
    d: DurationValue,
    zero: &str,
    example: &str,
) -> Result<SimDuration, ScenarioError> {
    if d.0 == SimDuration::ZERO {
        return Err(ck
            .err(path, zero.to_string())
            .expected(format!("a positive duration, such as {example}")));
    }
    at_most_max(ck, path, d)
}

/// A duration of at most ten years, or an error at `path`.
pub(super) fn at_most_max(
    ck: &Checker,
    path: &str,
    d: DurationValue,
) -> Result<SimDuration, ScenarioError> {
    if d.0 > MAX_DURATION {
        return Err(ck
            .err(path, format!("{} is too long to simulate", d.0))
            .expected("at most 10 years"));
    }
    Ok(d.0)
}

/// Compiles `faults`, in the order written.
pub(super) fn compile_faults(
    ck: &Checker,
    model: &Model,
    specs: &[FaultSpec],
    lookup: &dyn Fn(&str, &str) -> Result<ComponentId, ScenarioError>,
) -> Result<Vec<Fault>, ScenarioError> {
    if specs.len() > MAX_FAULTS {
        return Err(ck
            .err(
                "faults",
                format!("{} faults is too many to simulate", specs.len()),
            )
            .expected(format!("at most {MAX_FAULTS}")));
    }
    let mut out = Vec::with_capacity(specs.len());
    let mut struck = 0usize;
    for (i, f) in specs.iter().enumerate() {
        let path = format!("faults[{i}]");
        let fault = compile_fault(ck, model, &path, f, lookup)?;
        struck += match &fault.kind {
            FaultKind::Crash { instances, .. }
            | FaultKind::Slow { instances, .. }
            | FaultKind::Errors { instances, .. }
            | FaultKind::Flush { instances, .. }
            | FaultKind::RandomCrash { instances, .. } => instances.len(),
            FaultKind::Partition { .. } | FaultKind::Delay { .. } => 0,
        };
        // Each fault holds its list of instances: bound the memory they take.
        if struck > MAX_FAULT_INSTANCES {
            return Err(ck
                .err(
                    &path,
                    format!("the faults up to this one strike {struck} instances in all, too many to simulate"),
                )
                .expected(format!(
                    "at most {MAX_FAULT_INSTANCES} instances struck by all faults together"
                )));
        }
        out.push(fault);
    }
    Ok(out)
}

fn compile_fault(
    ck: &Checker,
    model: &Model,
    path: &str,
    f: &FaultSpec,
    lookup: &dyn Fn(&str, &str) -> Result<ComponentId, ScenarioError>,
) -> Result<Fault, ScenarioError> {
    // Keys are looked up in the tree, so that `crash: ~` still counts as a kind.
    let node = ck.node(path);
    let present = |key: &str| node.is_some_and(|n| n.get_key(key).is_some());
    let kinds: Vec<&str> = FAULT_KINDS.iter().copied().filter(|k| present(k)).collect();
    let kind = match kinds.as_slice() {
        [] => {
            return Err(ck.err(path, "a fault of no kind").expected(format!(
                "{} with what it strikes, such as `{{ at: 1m, crash: web }}`",
                one_of(FAULT_KINDS)
            )));
        }
        [one] => *one,
        [first, second, ..] => {
            return Err(ck
                .err_key(
                    &format!("{path}.{second}"),
                    format!("one fault with two kinds, `{first}` and `{second}`"),
                )
                .expected(format!(
                    "one kind per entry, {}: write two entries for two faults",
                    one_of(FAULT_KINDS)
                )));
        }
    };
    let allowed = settings_of(kind);
    for key in SETTINGS.iter().copied().filter(|k| present(k)) {
        if allowed.contains(&key) {
            continue;
        }
        let why = match (kind, key) {
            ("flush", "for") => "a flush is an instant (the entries are gone at once)".to_string(),
            ("random", "for") => {
                "each failure lasts an exponential time of mean `mttr`".to_string()
            }
            ("random", "instances") => {
                "each instance of the target fails on its own; name one instance as the target (`web.3`) to have only it fail".to_string()
            }
            (_, "instances") => format!("a {kind} is between whole components"),
            _ => {
                let owner = FAULT_KINDS
                    .iter()
                    .find(|k| settings_of(k).contains(&key))
                    .copied()
                    .unwrap_or("another kind");
                format!("it belongs to `{owner}`")
            }
        };
        let mut keys = vec![kind];
        keys.extend_from_slice(allowed);
        let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
        return Err(ck
            .err_key(
                &format!("{path}.{key}"),
                format!("`{key}` does not apply to `{kind}`: {why}"),
            )
            .expected(format!("the keys of `{kind}`: {}", keys.join(", "))));
    }

    let at = match f.at {
        Some(a) => a.0,
        None if kind == "random" => SimDuration::ZERO,
        None => {
            return Err(ck
                .err(path, "missing key `at`")
                .expected("when the fault strikes, such as `at: 2m`"));
        }
    };
    if at >= model.duration {
        return Err(ck
            .err(
                &format!("{path}.at"),
                format!(
                    "the fault would strike after the run ends: at {at}, and the run lasts {}",
                    model.duration
                ),
            )
            .expected(format!(
                "a time before the end of the run (`duration: {}`)",
                model.duration
            )));
    }
    let lasts = match f.for_ {
        None => None,
        Some(d) => Some(positive(
            ck,
            &format!("{path}.for"),
            d,
            "a fault that lasts no time",
            "`for: 1m`, or no `for` for a fault that lasts to the end of the run",
        )?),
    };
    let kind_path = format!("{path}.{kind}");
    let text_of = |value: Option<&String>| -> Result<String, ScenarioError> {
        value.cloned().ok_or_else(|| {
            ck.err(&kind_path, format!("`{kind}` names nothing"))
                .expected("a component, such as `web`, or one instance, such as `web.0`")
        })
    };

    let (fault_kind, target) = match kind {
        "crash" | "slow" | "errors" | "flush" => {
            let value = match kind {
                "crash" => &f.crash,
                "slow" => &f.slow,
                "errors" => &f.errors,
                _ => &f.flush,
            };
            let text = text_of(value.as_ref())?;
            let t = resolve_target(ck, model, &kind_path, &text, lookup)?;
            let comp = &model.components[t.component as usize];
            if kind == "slow"
                && let ComponentKind::LoadBalancer(lb) = &comp.kind
            {
                let behind = &model.components[lb.to as usize].name;
                return Err(ck
                    .err(
                        &kind_path,
                        format!(
                            "`{}` is a load balancer: a load balancer takes no time, so it cannot be slowed; slow the service behind it, `{behind}`",
                            t.name
                        ),
                    )
                    .expected("a service, cache, database or queue"));
            }
            if kind == "flush" && !matches!(comp.kind, ComponentKind::Cache(_)) {
                return Err(ck
                    .err(
                        &kind_path,
                        format!(
                            "`{}` is {}: only a cache can be flushed",
                            t.name,
                            a_kind(&comp.kind)
                        ),
                    )
                    .expected("a cache, or one of its nodes (`cache.node0`)"));
            }
            let count = instance_count(&comp.kind);
            let (instances, target) = match (t.instance, f.instances) {
                (Some(i), None) => (vec![i], text.clone()),
                (Some(_), Some(_)) => {
                    return Err(ck
                        .err_key(
                            &format!("{path}.instances"),
                            format!(
                                "`instances` picks among the instances of a whole component, and `{text}` is one instance"
                            ),
                        )
                        .expected(format!(
                            "`{kind}: {}` with `instances: N`, or `{kind}: {text}` alone",
                            t.name
                        )));
                }
                (None, None) => ((0..count).collect(), text.clone()),
                (None, Some(n)) => {
                    if n == 0 || n > count as u64 {
                        let noun = instance_noun(&comp.kind);
                        let message = if n == 0 {
                            format!("zero {noun}s")
                        } else {
                            format!(
                                "{n} {noun}s of `{}`, which has {count} {noun}{}",
                                t.name,
                                if count == 1 { "" } else { "s" }
                            )
                        };
                        return Err(ck.err(&format!("{path}.instances"), message).expected(
                            format!(
                                "from 1 to {count} (the first N {noun}s of `{}` are struck)",
                                t.name
                            ),
                        ));
                    }
                    ((0..n as u32).collect(), format!("{text} ({n} of {count})"))
                }
            };
            let component = t.component;
            let fk = match kind {
                "crash" => FaultKind::Crash {
                    component,
                    instances,
                },
                "slow" => {
                    let Some(factor) = f.factor else {
                        return Err(ck.err(path, "missing key `factor`").expected(
                            "how many times longer its service times become, such as `factor: 5`",
                        ));
                    };
                    if !(factor.is_finite() && factor > 0.0 && factor <= MAX_SLOW_FACTOR) {
                        return Err(ck
                            .err(&format!("{path}.factor"), format!("a factor of {factor}"))
                            .expected(format!(
                                "a factor above 0 and at most {MAX_SLOW_FACTOR} (5 is five times slower; below 1 is faster)"
                            )));
                    }
                    FaultKind::Slow {
                        component,
                        instances,
                        factor,
                    }
                }
                "errors" => {
                    let Some(share) = f.share else {
                        return Err(ck
                            .err(path, "missing key `share`")
                            .expected("the share of calls that fail, such as `share: 30%`"));
                    };
                    if share.0 == 0.0 {
                        return Err(ck
                            .err(&format!("{path}.share"), "a share of 0 does nothing")
                            .expected("a share above 0, up to 100%"));
                    }
                    FaultKind::Errors {
                        component,
                        instances,
                        share: share.0,
                    }
                }
                _ => FaultKind::Flush {
                    component,
                    instances,
                },
            };
            (fk, target)
        }
        "partition" | "delay" => {
            let pair = if kind == "partition" {
                &f.partition
            } else {
                &f.delay
            };
            let (a, b) = compile_pair(ck, &kind_path, kind, pair.as_ref(), lookup)?;
            // A link no call crosses would silently do nothing.
            if !calls_between(model, a, b) {
                let (na, nb) = (
                    &model.components[a as usize].name,
                    &model.components[b as usize].name,
                );
                return Err(ck
                    .err(
                        &kind_path,
                        format!("no call goes between `{na}` and `{nb}`: this {kind} would change nothing"),
                    )
                    .expected(
                        "two components one of which calls the other (`calls`, a balancer's `to`, a cache's `on_miss`, a queue's `consumers`)",
                    ));
            }
            let target = format!(
                "{} <-> {}",
                model.components[a as usize].name, model.components[b as usize].name
            );
            let fk = if kind == "partition" {
                FaultKind::Partition { a, b }
            } else {
                let Some(extra) = &f.extra else {
                    return Err(ck.err(path, "missing key `extra`").expected(
                        "the time added to each call, such as `extra: 50ms` or `{ exponential: { mean: 50ms } }`",
                    ));
                };
                FaultKind::Delay {
                    a,
                    b,
                    extra: compile_dist(ck, &format!("{path}.extra"), extra)?,
                }
            };
            (fk, target)
        }
        _ => {
            // `random`: its value is the only kind there is, `crash`.
            let Some(RandomFaultSpec::Crash) = f.random else {
                return Err(ck
                    .err(&kind_path, "`random` names no kind of failure")
                    .expected("`random: crash`"));
            };
            let Some(text) = &f.target else {
                return Err(ck
                    .err(path, "missing key `target`")
                    .expected("what may fail, such as `target: web` or `target: web.0`"));
            };
            let t = resolve_target(ck, model, &format!("{path}.target"), text, lookup)?;
            let instances = match t.instance {
                Some(i) => vec![i],
                None => (0..instance_count(&model.components[t.component as usize].kind)).collect(),
            };
            let mean = |key: &str, v: Option<DurationValue>, example: &str| {
                let Some(v) = v else {
                    return Err(ck
                        .err(path, format!("missing key `{key}`"))
                        .expected(format!("a duration, such as `{key}: {example}`")));
                };
                positive(
                    ck,
                    &format!("{path}.{key}"),
                    v,
                    &format!("`{key}` is zero"),
                    &format!("`{key}: {example}`"),
                )
            };
            let mttf = mean("mttf", f.mttf, "1h")?;
            let mttr = mean("mttr", f.mttr, "5m")?;
            (
                FaultKind::RandomCrash {
                    component: t.component,
                    instances,
                    mttf,
                    mttr,
                },
                text.clone(),
            )
        }
    };
    Ok(Fault {
        at: SimTime(at.nanos()),
        duration: lasts,
        kind: fault_kind,
        label: if kind == "random" {
            "random crash".to_string()
        } else {
            kind.to_string()
        },
        target,
    })
}

/// Whether `a` calls `b` or `b` calls `a`: a balancer's `to`, a service's
/// `calls`, a cache's `on_miss`, a queue's `consumers`.
fn calls_between(model: &Model, a: ComponentId, b: ComponentId) -> bool {
    let calls = |from: ComponentId, to: ComponentId| match &model.components[from as usize].kind {
        ComponentKind::Service(s) => s.calls.iter().any(|c| c.to == to),
        ComponentKind::LoadBalancer(lb) => lb.to == to,
        ComponentKind::Cache(c) => c.on_miss == to,
        ComponentKind::Queue(q) => q.consumers == to,
        ComponentKind::Database(_) => false,
    };
    calls(a, b) || calls(b, a)
}

/// The two different whole components of a `partition` or `delay`.
fn compile_pair(
    ck: &Checker,
    path: &str,
    kind: &str,
    pair: Option<&ComponentPair>,
    lookup: &dyn Fn(&str, &str) -> Result<ComponentId, ScenarioError>,
) -> Result<(ComponentId, ComponentId), ScenarioError> {
    let names = pair.map(|p| p.0.as_slice()).unwrap_or(&[]);
    if names.len() != 2 {
        return Err(ck
            .err(
                path,
                format!(
                    "a {kind} is between two components, and this names {}",
                    names.len()
                ),
            )
            .expected("two components, such as `[web, db]`"));
    }
    let mut ids = [0; 2];
    for (j, name) in names.iter().enumerate() {
        let p = format!("{path}[{j}]");
        if let Some((whole, _)) = name.split_once('.') {
            return Err(ck
                .err(
                    &p,
                    format!("`{name}` is one instance: a {kind} is between whole components"),
                )
                .expected(format!("a component name, such as `{whole}`")));
        }
        ids[j] = lookup(&p, name)?;
    }
    if ids[0] == ids[1] {
        return Err(ck
            .err(
                &format!("{path}[1]"),
                format!("a {kind} between `{}` and itself", names[1]),
            )
            .expected("two different components"));
    }
    Ok((ids[0], ids[1]))
}

/// Compiles a load balancer's `health_check`.
pub(super) fn compile_health_check(
    ck: &Checker,
    path: &str,
    h: &HealthCheckSpec,
) -> Result<HealthCheck, ScenarioError> {
    let interval = positive(
        ck,
        &format!("{path}.interval"),
        h.interval,
        "a health-check interval of no time",
        "`interval: 5s`",
    )?;
    let failures = h.failures.unwrap_or(DEFAULT_HEALTH_FAILURES as u64);
    if failures == 0 || failures > MAX_HEALTH_FAILURES {
        return Err(ck
            .err(
                &format!("{path}.failures"),
                format!("{failures} failed checks in a row"),
            )
            .expected(format!(
                "from 1 to {MAX_HEALTH_FAILURES} failed checks in a row that mark an instance down"
            )));
    }
    Ok(HealthCheck {
        interval,
        failures: failures as u32,
    })
}

/// Compiles a database's `failover`; `name` is the database's name.
pub(super) fn compile_failover(
    ck: &Checker,
    path: &str,
    name: &str,
    replicas: u64,
    f: &FailoverSpec,
) -> Result<Failover, ScenarioError> {
    if replicas == 0 {
        return Err(ck
            .err_key(
                path,
                format!("failover promotes a replica, and `{name}` has none"),
            )
            .expected("`replicas: 1` or more, or no `failover`"));
    }
    Ok(Failover {
        detect: at_most_max(ck, &format!("{path}.detect"), f.detect)?,
        promote: at_most_max(ck, &format!("{path}.promote"), f.promote)?,
    })
}

/// Compiles `slo`.
pub(super) fn compile_slo(ck: &Checker, s: &SloSpec) -> Result<Slo, ScenarioError> {
    if s.p99.is_none() && s.error_rate.is_none() {
        return Err(ck
            .err(
                "slo",
                "an SLO with neither `p99` nor `error_rate` judges nothing",
            )
            .expected("`p99`, `error_rate` or both, such as `{ p99: 300ms, error_rate: 1% }`"));
    }
    let p99 = match s.p99 {
        None => None,
        Some(d) => Some(positive(
            ck,
            "slo.p99",
            d,
            "a p99 of no time: every window would breach",
            "`p99: 300ms`",
        )?),
    };
    let hold = s.hold.unwrap_or(DEFAULT_HOLD as u64);
    if hold == 0 || hold > MAX_HOLD {
        return Err(ck
            .err("slo.hold", format!("a hold of {hold} windows"))
            .expected(format!(
                "from 1 to {MAX_HOLD} good windows in a row that count as recovered"
            )));
    }
    Ok(Slo {
        p99,
        error_rate: s.error_rate.map(|e| e.0),
        hold: hold as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Dist;
    use crate::scenario::{LoadOptions, load_str};

    const SYSTEM: &str = "
duration: 10m
traffic:
  to: lb
  rate: 100
  requests:
    get: { key: { uniform: { keys: 1000 } } }
components:
  lb: { kind: load_balancer, to: web, health_check: { interval: 5s } }
  web:
    kind: service
    instances: 8
    service_time: 5ms
    calls: [cache, jobs]
  cache: { kind: cache, instances: 3, hit_time: 1ms, on_miss: db }
  db:
    kind: database
    shards: 2
    replicas: 2
    read_time: 2ms
    write_time: 4ms
    failover: { detect: 10s, promote: 0s }
  jobs: { kind: queue, consumers: worker }
  worker: { kind: service, instances: 2, service_time: 5ms }
";

    fn load(extra: &str) -> Result<Model, ScenarioError> {
        load_str(
            "t.yaml",
            "t",
            &format!("{SYSTEM}{extra}"),
            &LoadOptions::default(),
        )
        .map_err(|f| f.error)
    }

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    #[test]
    fn a_faults_block_compiles_into_exact_model_values() {
        let m = load(
            "
slo: { p99: 300ms, error_rate: 1% }
faults:
  - { at: 4m, crash: web, instances: 3, for: 2m }
  - { at: 5m, crash: db.shard1.replica0 }
  - { at: 6m, slow: cache.node2, factor: 2.5, for: 30s }
  - { at: 6m, errors: worker, share: 30% }
  - { at: 7m, flush: cache }
  - { at: 7m, partition: [web, jobs], for: 10s }
  - { at: 8m, delay: [cache, db], extra: 50ms }
  - { random: crash, target: db, mttf: 1h, mttr: 5m }
  - { at: 1m, random: crash, target: lb, mttf: 2h, mttr: 1s }
  - { at: 9m, crash: jobs }
",
        )
        .unwrap();
        let (lb, web, cache, db, jobs, worker) = (0, 1, 2, 3, 4, 5);
        let f = &m.faults;
        assert_eq!(f.len(), 10);
        let labels: Vec<(&str, &str)> = f
            .iter()
            .map(|f| (f.label.as_str(), f.target.as_str()))
            .collect();
        assert_eq!(
            labels,
            [
                ("crash", "web (3 of 8)"),
                ("crash", "db.shard1.replica0"),
                ("slow", "cache.node2"),
                ("errors", "worker"),
                ("flush", "cache"),
                ("partition", "web <-> jobs"),
                ("delay", "cache <-> db"),
                ("random crash", "db"),
                ("random crash", "lb"),
                ("crash", "jobs"),
            ]
        );
        let at: Vec<u64> = f.iter().map(|f| f.at.nanos()).collect();
        let s = 1_000_000_000;
        assert_eq!(
            at,
            [
                240 * s,
                300 * s,
                360 * s,
                360 * s,
                420 * s,
                420 * s,
                480 * s,
                0,
                60 * s,
                540 * s
            ]
        );
        let lasts: Vec<Option<u64>> = f.iter().map(|f| f.duration.map(|d| d.nanos())).collect();
        assert_eq!(
            lasts,
            [
                Some(120 * s),
                None,
                Some(30 * s),
                None,
                None,
                Some(10 * s),
                None,
                None,
                None,
                None
            ]
        );
        assert!(
            matches!(&f[0].kind, FaultKind::Crash { component, instances } if *component == web && instances == &[0, 1, 2])
        );
        // Node order: shard0.primary, shard0.replica0, shard0.replica1, shard1.primary, ...
        assert!(
            matches!(&f[1].kind, FaultKind::Crash { component, instances } if *component == db && instances == &[4])
        );
        assert!(
            matches!(&f[2].kind, FaultKind::Slow { component, instances, factor } if *component == cache && instances == &[2] && *factor == 2.5)
        );
        assert!(
            matches!(&f[3].kind, FaultKind::Errors { component, instances, share } if *component == worker && instances == &[0, 1] && (*share - 0.3).abs() < 1e-12)
        );
        assert!(
            matches!(&f[4].kind, FaultKind::Flush { component, instances } if *component == cache && instances == &[0, 1, 2])
        );
        assert!(matches!(&f[5].kind, FaultKind::Partition { a, b } if *a == web && *b == jobs));
        assert!(
            matches!(&f[6].kind, FaultKind::Delay { a, b, extra: Dist::Constant(d) } if *a == cache && *b == db && *d == ms(50))
        );
        assert!(
            matches!(&f[7].kind, FaultKind::RandomCrash { component, instances, mttf, mttr } if *component == db && instances == &[0, 1, 2, 3, 4, 5] && *mttf == SimDuration::from_secs(3600) && *mttr == SimDuration::from_secs(300))
        );
        assert!(
            matches!(&f[8].kind, FaultKind::RandomCrash { component, instances, .. } if *component == lb && instances == &[0])
        );
        assert!(
            matches!(&f[9].kind, FaultKind::Crash { component, instances } if *component == jobs && instances == &[0])
        );

        assert_eq!(
            m.slo,
            Some(Slo {
                p99: Some(ms(300)),
                error_rate: Some(0.01),
                hold: DEFAULT_HOLD
            })
        );
        let ComponentKind::LoadBalancer(b) = &m.components[lb as usize].kind else {
            panic!()
        };
        assert_eq!(
            b.health_check,
            Some(HealthCheck {
                interval: SimDuration::from_secs(5),
                failures: DEFAULT_HEALTH_FAILURES
            })
        );
        let ComponentKind::Database(d) = &m.components[db as usize].kind else {
            panic!()
        };
        assert_eq!(
            d.failover,
            Some(Failover {
                detect: SimDuration::from_secs(10),
                promote: SimDuration::ZERO
            })
        );
    }

    #[test]
    fn without_the_keys_there_are_no_faults_slo_or_checks() {
        let m = load_str(
            "t.yaml",
            "t",
            "duration: 1m\ntraffic: { to: web, rate: 10 }\ncomponents:\n  lb: { kind: load_balancer, to: web }\n  web: { kind: service, service_time: 1ms }\n",
            &LoadOptions::default(),
        )
        .unwrap();
        assert!(m.faults.is_empty());
        assert_eq!(m.slo, None);
        let ComponentKind::LoadBalancer(b) = &m.components[0].kind else {
            panic!()
        };
        assert_eq!(b.health_check, None);
    }

    #[test]
    fn instance_names_and_indices_agree() {
        let m = load("").unwrap();
        for id in 0..m.components.len() as ComponentId {
            let kind = &m.components[id as usize].kind;
            for (i, name) in m.instance_names(id).iter().enumerate() {
                assert_eq!(instance_index(kind, name), Some(i as u32), "{name}");
            }
        }
        let ComponentKind::Database(d) = &m.components[3].kind else {
            panic!()
        };
        assert_eq!(d.nodes(), 6);
        let db = &m.components[3].kind;
        for bad in [
            "shard2.primary",
            "shard0.replica2",
            "shard0",
            "shard00.primary",
            "shard-1.primary",
            "shard0.replica",
            "0",
        ] {
            assert_eq!(instance_index(db, bad), None, "{bad}");
        }
        let web = &m.components[1].kind;
        for bad in ["8", "08", "+1", "-1", "", "node0"] {
            assert_eq!(instance_index(web, bad), None, "{bad}");
        }
    }

    #[test]
    fn misplaced_and_missing_keys_are_refused_at_their_path() {
        let cases: &[(&str, &str, &str)] = &[
            ("[{ at: 1s }]", "faults[0]", "a fault of no kind"),
            (
                "[{ at: 1s, crash: web, factor: 2 }]",
                "faults[0].factor",
                "it belongs to `slow`",
            ),
            (
                "[{ at: 1s, flush: cache, for: 1s }]",
                "faults[0].for",
                "a flush is an instant",
            ),
            (
                "[{ random: crash, target: web, mttf: 1h, mttr: 1m, for: 1m }]",
                "faults[0].for",
                "`for` does not apply to `random`",
            ),
            (
                "[{ random: crash, target: web, mttf: 1h, mttr: 1m, instances: 2 }]",
                "faults[0].instances",
                "`instances` does not apply to `random`",
            ),
            (
                "[{ at: 1s, partition: [web, cache], instances: 1 }]",
                "faults[0].instances",
                "between whole components",
            ),
            ("[{ crash: web }]", "faults[0]", "missing key `at`"),
            (
                "[{ at: 1s, slow: web }]",
                "faults[0]",
                "missing key `factor`",
            ),
            (
                "[{ at: 1s, errors: web }]",
                "faults[0]",
                "missing key `share`",
            ),
            (
                "[{ at: 1s, delay: [web, cache] }]",
                "faults[0]",
                "missing key `extra`",
            ),
            (
                "[{ random: crash, mttf: 1h, mttr: 1m }]",
                "faults[0]",
                "missing key `target`",
            ),
            (
                "[{ random: crash, target: web, mttr: 1m }]",
                "faults[0]",
                "missing key `mttf`",
            ),
            (
                "[{ random: crash, target: web, mttf: 0s, mttr: 1m }]",
                "faults[0].mttf",
                "`mttf` is zero",
            ),
            (
                "[{ random: crsh, target: web, mttf: 1h, mttr: 1m }]",
                "faults[0].random",
                "unknown value `crsh`",
            ),
            (
                "[{ at: 1s, crash: web.3, instances: 2 }]",
                "faults[0].instances",
                "`web.3` is one instance",
            ),
            (
                "[{ at: 1s, crash: web, instances: 0 }]",
                "faults[0].instances",
                "zero instances",
            ),
            (
                "[{ at: 1s, flush: cache, instances: 4 }]",
                "faults[0].instances",
                "4 nodes of `cache`, which has 3 nodes",
            ),
            (
                "[{ at: 1s, crash: lb.0 }]",
                "faults[0].crash",
                "`lb` has no instance `0`",
            ),
            (
                "[{ at: 1s, crash: cache.3 }]",
                "faults[0].crash",
                "`cache` has no instance `3`",
            ),
            (
                "[{ at: 1s, slow: web, factor: 1001 }]",
                "faults[0].factor",
                "a factor of 1001",
            ),
            (
                "[{ at: 1s, errors: web, share: 0% }]",
                "faults[0].share",
                "a share of 0 does nothing",
            ),
            (
                "[{ at: 1s, partition: [web] }]",
                "faults[0].partition",
                "names 1",
            ),
            (
                "[{ at: 1s, partition: [web, web] }]",
                "faults[0].partition[1]",
                "and itself",
            ),
            (
                "[{ at: 1s, partition: [web, db.shard0.primary] }]",
                "faults[0].partition[1]",
                "is one instance",
            ),
            (
                "[{ at: 1s, delay: [web, dbb], extra: 5ms }]",
                "faults[0].delay[1]",
                "no component is called `dbb`",
            ),
            (
                "[{ at: 1s, delay: [web, cache], extra: { exponential: { mean: 0s } } }]",
                "faults[0].extra.exponential.mean",
                "is zero",
            ),
            (
                "[{ at: 1s, crash: web, for: 11y }]",
                "faults[0].for",
                "too long to simulate",
            ),
            (
                "[{ at: 10m, crash: web }]",
                "faults[0].at",
                "after the run ends",
            ),
            (
                "[{ at: 1s, crsh: web }]",
                "faults[0].crsh",
                "unknown key `crsh`",
            ),
            (
                "[{ at: 1s, partition: [web, db] }]",
                "faults[0].partition",
                "no call goes between `web` and `db`",
            ),
            (
                "[{ at: 1s, delay: [jobs, lb], extra: 1ms }]",
                "faults[0].delay",
                "this delay would change nothing",
            ),
        ];
        for (faults, path, phrase) in cases {
            let e = load(&format!("faults: {faults}\n")).unwrap_err();
            assert_eq!(e.path.as_deref(), Some(*path), "{faults}: {e}");
            assert!(e.message.contains(phrase), "{faults}: {e}");
            assert!(e.span.is_some(), "{faults}");
        }
    }

    #[test]
    fn bad_health_checks_failovers_and_slos_are_refused() {
        let sys = |from: &str, to: &str| SYSTEM.replace(from, to);
        let cases: Vec<(String, &str, &str)> = vec![
            (
                sys("{ interval: 5s }", "{ interval: 5s, failures: 0 }"),
                "components.lb.health_check.failures",
                "0 failed checks",
            ),
            (
                sys("{ interval: 5s }", "{ interval: 5s, failures: 1001 }"),
                "components.lb.health_check.failures",
                "1001 failed checks",
            ),
            (
                sys("{ interval: 5s }", "{ failures: 2 }"),
                "components.lb.health_check",
                "missing key `interval`",
            ),
            (
                sys("promote: 0s }", "promote: 0s, detct: 1s }"),
                "components.db.failover.detct",
                "unknown key `detct`",
            ),
            (
                sys("promote: 0s }", "promote: 11y }"),
                "components.db.failover.promote",
                "too long",
            ),
            (
                sys("    replicas: 2\n", ""),
                "components.db.failover",
                "and `db` has none",
            ),
            (
                format!("{SYSTEM}slo: {{ p99: 0s }}\n"),
                "slo.p99",
                "a p99 of no time",
            ),
            (
                format!("{SYSTEM}slo: {{ error_rate: 1%, hold: 0 }}\n"),
                "slo.hold",
                "a hold of 0 windows",
            ),
            (format!("{SYSTEM}slo: {{}}\n"), "slo", "judges nothing"),
        ];
        for (text, path, phrase) in cases {
            let e = load_str("t.yaml", "t", &text, &LoadOptions::default())
                .map_err(|f| f.error)
                .unwrap_err();
            assert_eq!(e.path.as_deref(), Some(path), "{e}");
            assert!(e.message.contains(phrase), "{e}");
        }
        // `hold` and `failures` have defaults; `error_rate` alone is an SLO.
        let m = load("slo: { error_rate: 0.5%, hold: 10 }\n").unwrap();
        assert_eq!(
            m.slo,
            Some(Slo {
                p99: None,
                error_rate: Some(0.005),
                hold: 10
            })
        );
    }

    #[test]
    fn a_variant_replaces_the_faults_of_the_base() {
        let text = format!(
            "{SYSTEM}faults:\n  - {{ at: 1m, crash: web }}\nvariants:\n  calm: {{ faults: [] }}\n  two:\n    faults:\n      - {{ at: 2m, flush: cache }}\n      - {{ at: 3m, crash: web.7 }}\n"
        );
        let models = crate::scenario::load_all("t.yaml", "t", &text, &LoadOptions::default())
            .map_err(|f| f.error)
            .unwrap();
        let counts: Vec<(&str, usize)> = models
            .iter()
            .map(|m| (m.variant.as_str(), m.faults.len()))
            .collect();
        assert_eq!(counts, [("base", 1), ("calm", 0), ("two", 2)]);
        assert_eq!(models[2].faults[1].target, "web.7");

        let bad = text.replace("web.7", "web.8");
        let e = crate::scenario::load_all("t.yaml", "t", &bad, &LoadOptions::default())
            .map_err(|f| f.error)
            .unwrap_err();
        assert_eq!(e.path.as_deref(), Some("variants.two.faults[1].crash"));
        // A base fault that a variant's smaller pool cannot take is reported
        // at the base, naming the variant.
        let shrink = format!(
            "{SYSTEM}faults:\n  - {{ at: 1m, crash: web.7 }}\nvariants:\n  small: {{ components: {{ web: {{ instances: 2 }} }} }}\n"
        );
        let e = crate::scenario::load_all("t.yaml", "t", &shrink, &LoadOptions::default())
            .map_err(|f| f.error)
            .unwrap_err();
        assert_eq!(e.path.as_deref(), Some("faults[0].crash"));
        assert!(
            e.help.as_deref().unwrap_or("").contains("variant `small`"),
            "{e}"
        );
    }

    #[test]
    fn too_many_faults_are_refused() {
        let mut text = String::from("faults:\n");
        for _ in 0..=MAX_FAULTS {
            text.push_str("  - { at: 1s, crash: web }\n");
        }
        let e = load(&text).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("faults"));
        assert!(e.message.contains("too many"), "{e}");
        text.truncate(text.rfind("  - ").unwrap());
        assert_eq!(load(&text).unwrap().faults.len(), MAX_FAULTS);

        // 101 faults on every node of a 100,000-node database: 10.1 million.
        let big = SYSTEM.replace(
            "shards: 2\n    replicas: 2",
            "shards: 50000\n    replicas: 1",
        );
        let mut text = format!("{big}faults:\n");
        for _ in 0..101 {
            text.push_str("  - { at: 1s, crash: db }\n");
        }
        let e = load_str("t.yaml", "t", &text, &LoadOptions::default())
            .map_err(|f| f.error)
            .unwrap_err();
        assert_eq!(e.path.as_deref(), Some("faults[100]"), "{e}");
        assert!(e.message.contains("10100000 instances in all"), "{e}");
    }
}
