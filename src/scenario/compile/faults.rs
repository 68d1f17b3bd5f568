//! `faults` and `slo`: checked and compiled into the model's fault types.
//! What a fault may strike is asked of the struck component's kind: its
//! instances and their names through [`KindModel`], what only some kinds
//! allow (a flush, a slowdown) through [`KindRules`].

use super::graph::Graph;
use super::kinds::{self, KindRules};
use super::{Checker, compile_dist, positive};
use crate::components::Label;
use crate::components::database::model::Topology;
use crate::components::kind::KindModel;
use crate::engine::{SimDuration, SimTime};
use crate::model::{ComponentId, ComponentKind, Fault, FaultKind, Model, Slo};
use crate::scenario::error::{Errors, ScenarioError, one_of};
use crate::scenario::spec::{ComponentPair, DurationValue, FaultSpec, RandomFaultSpec, SloSpec};
use crate::scenario::work::count;

/// Most entries in `faults`.
pub const MAX_FAULTS: usize = 10_000;
/// Most instances struck by all faults together (each fault lists its own).
pub const MAX_FAULT_INSTANCES: usize = 10_000_000;
/// Largest `factor` of a `slow` fault.
pub const MAX_SLOW_FACTOR: f64 = 1000.0;
/// Most crashes all `random: crash` faults together are expected to make
/// in a run: each costs two events, a row of `faults.csv` and `events.csv`
/// and the requests it fails, so a million is a large, still quick,
/// history (a thousand instances failing every few hours for a year is
/// some thousands). `mttf: 1ns, mttr: 1ns` made 6 million rows of one
/// simulated millisecond and ran out of memory.
pub const MAX_RANDOM_CRASHES: f64 = 1_000_000.0;
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
    "outage",
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
        "outage" => &["at", "for"],
        _ => &["at", "target", "mttf", "mttr"],
    }
}

/// The instance names of a component, shortened (as its kind says) when
/// there are many.
fn describe_instances(rules: &dyn KindRules, names: &[String]) -> String {
    if names.len() <= 8 {
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        return one_of(&refs);
    }
    rules.elide_instances(names)
}

/// A fault target: a component, and one of its instances when named.
struct Target<'a> {
    /// The component's name.
    name: &'a str,
    component: ComponentId,
    instance: Option<u32>,
}

/// Reads `web`, `web.3` or `db.shard0.primary`: the component ends at the
/// first `.` (names have none, as [`crate::components::InstanceName`]
/// reads them) and the rest is the instance's [`Label`], which the
/// component's kind finds among its instances.
fn resolve_target<'a>(
    ck: &Checker,
    model: &Model,
    graph: &Graph,
    path: &str,
    text: &'a str,
) -> Result<Target<'a>, ScenarioError> {
    let (name, inst) = match text.split_once('.') {
        Some((n, i)) => (n, Some(i)),
        None => (text, None),
    };
    let component = whole(ck, model, graph, path, name)?;
    let Some(inst) = inst else {
        return Ok(Target {
            name,
            component,
            instance: None,
        });
    };
    let kind = model.components[component as usize].kind.model();
    if let Some(i) = inst.parse::<Label>().ok().and_then(|l| kind.index_of(l)) {
        return Ok(Target {
            name,
            component,
            instance: Some(i),
        });
    }
    // A kind that is one whole labels no instance.
    if kind.label(0).is_none() {
        return Err(ck
            .err(
                path,
                format!(
                    "`{name}` has no instance `{inst}`: {} is one whole, with no instances to name",
                    kind.kind().a_kind()
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
            describe_instances(kinds::rules(kind.kind()), &names),
            full[0]
        ))
        .suggest(text, full.iter().map(String::as_str)))
}

/// Compiles `faults`, in the order written.
pub(super) fn compile_faults(
    ck: &Checker,
    model: &Model,
    specs: &[FaultSpec],
    graph: &Graph,
) -> Result<Vec<Fault>, Errors> {
    if specs.len() > MAX_FAULTS {
        return Err(ck
            .err(
                "faults",
                format!("{} faults is too many to simulate", specs.len()),
            )
            .expected(format!("at most {MAX_FAULTS}"))
            .into());
    }
    let mut out = Vec::with_capacity(specs.len());
    let mut errs = Errors::new();
    let mut struck = 0usize;
    let mut crashes = 0.0;
    // Each fault is read on its own, so every bad one is told.
    for (i, f) in specs.iter().enumerate() {
        let path = format!("faults[{i}]");
        let Some(fault) = errs.keep(compile_fault(ck, model, graph, &path, f)) else {
            continue;
        };
        if let Err(e) = check_random_crashes(ck, model, &path, &fault, &mut crashes) {
            errs.push(e);
            return Err(errs);
        }
        struck += match &fault.kind {
            FaultKind::Crash { instances, .. }
            | FaultKind::Slow { instances, .. }
            | FaultKind::Errors { instances, .. }
            | FaultKind::Flush { instances, .. }
            | FaultKind::RandomCrash { instances, .. } => instances.len(),
            FaultKind::Partition { .. }
            | FaultKind::Delay { .. }
            | FaultKind::Outage { .. }
            | FaultKind::LinkPartition { .. }
            | FaultKind::LinkDelay { .. } => 0,
            FaultKind::NodePartition { .. } => 2,
        };
        // Each fault holds its list of instances: bound the memory they take.
        if struck > MAX_FAULT_INSTANCES {
            errs.push(ck
                .err(
                    &path,
                    format!("the faults up to this one strike {struck} instances in all, too many to simulate"),
                )
                .expected(format!(
                    "at most {MAX_FAULT_INSTANCES} instances struck by all faults together"
                )));
            return Err(errs);
        }
        out.push(fault);
    }
    errs.or_ok(out)
}

/// Adds the crashes a `random: crash` fault is expected to make to
/// `crashes` (each instance fails once per `mttf + mttr` on average, from
/// `at` to the end), refusing it when all of them together pass
/// [`MAX_RANDOM_CRASHES`].
fn check_random_crashes(
    ck: &Checker,
    model: &Model,
    path: &str,
    fault: &Fault,
    crashes: &mut f64,
) -> Result<(), ScenarioError> {
    let FaultKind::RandomCrash {
        instances,
        mttf,
        mttr,
        ..
    } = &fault.kind
    else {
        return Ok(());
    };
    let span = model.duration.nanos() - fault.at.nanos();
    let cycle = (mttf.nanos() + mttr.nanos()) as f64;
    let these = instances.len() as f64 * span as f64 / cycle;
    *crashes += these;
    if *crashes <= MAX_RANDOM_CRASHES {
        return Ok(());
    }
    let n = instances.len();
    Err(ck
        .err(
            &format!("{path}.mttf"),
            format!(
                "about {} crashes expected ({n} instance{} failing once per mttf + mttr = {} \
                 over {}{}), too many to simulate",
                count(*crashes),
                if n == 1 { "" } else { "s" },
                SimDuration(mttf.nanos() + mttr.nanos()),
                SimDuration(span),
                if *crashes > these {
                    ", with the random faults before this one"
                } else {
                    ""
                }
            ),
        )
        .expected(format!(
            "at most {} expected crashes in a run: a longer `mttf` or `mttr` (real machines \
             run for days between failures), or fewer instances",
            count(MAX_RANDOM_CRASHES)
        )))
}

/// Compiles the fault at `path`: its kind, its settings, when it strikes,
/// then what it strikes.
fn compile_fault(
    ck: &Checker,
    model: &Model,
    graph: &Graph,
    path: &str,
    f: &FaultSpec,
) -> Result<Fault, ScenarioError> {
    let kind = fault_kind(ck, path)?;
    let (at, lasts) = compile_timing(ck, model, path, f, kind)?;
    let (fault_kind, target) = match kind {
        "crash" | "slow" | "errors" | "flush" => compile_strike(ck, model, graph, path, kind, f)?,
        "partition" | "delay" if between_dcs(model, kind, f) => {
            compile_dc_link(ck, model, path, kind, f)?
        }
        "partition" if between_db_nodes(model, graph, f) => {
            compile_node_partition(ck, model, graph, path, f)?
        }
        "partition" | "delay" => compile_link(ck, model, graph, path, kind, f)?,
        "outage" => compile_outage(ck, model, path, f)?,
        _ => compile_random(ck, model, graph, path, f)?,
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

/// The fault's one kind, and no key that does not belong to it.
fn fault_kind(ck: &Checker, path: &str) -> Result<&'static str, ScenarioError> {
    // Keys are looked up in the tree, so that `crash: ~` still counts as a kind.
    let node = ck.node(path);
    let present = |key: &str| node.is_some_and(|n| n.get_key(key).is_some());
    let kinds: Vec<&'static str> = FAULT_KINDS.iter().copied().filter(|k| present(k)).collect();
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
    Ok(kind)
}

/// When a fault of `kind` strikes (`at`, before the end of the run) and for
/// how long (`for`; `None`: to the end).
fn compile_timing(
    ck: &Checker,
    model: &Model,
    path: &str,
    f: &FaultSpec,
    kind: &str,
) -> Result<(SimDuration, Option<SimDuration>), ScenarioError> {
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
    Ok((at, lasts))
}

/// A `crash`, `slow`, `errors` or `flush` fault: what it strikes and how.
fn compile_strike(
    ck: &Checker,
    model: &Model,
    graph: &Graph,
    path: &str,
    kind: &str,
    f: &FaultSpec,
) -> Result<(FaultKind, String), ScenarioError> {
    let kind_path = format!("{path}.{kind}");
    let value = match kind {
        "crash" => &f.crash,
        "slow" => &f.slow,
        "errors" => &f.errors,
        _ => &f.flush,
    };
    let Some(text) = value else {
        return Err(ck
            .err(&kind_path, format!("`{kind}` names nothing"))
            .expected("a component, such as `web`, or one instance, such as `web.0`"));
    };
    let t = resolve_target(ck, model, graph, &kind_path, text)?;
    let struck = model.components[t.component as usize].kind.model();
    let rules = kinds::rules(struck.kind());
    if kind == "slow" {
        rules.refuse_slow(ck, &kind_path, model, t.component, t.name)?;
    }
    if kind == "flush" && !rules.flushable() {
        return Err(ck
            .err(
                &kind_path,
                format!(
                    "`{}` is {}: only a cache can be flushed",
                    t.name,
                    struck.kind().a_kind()
                ),
            )
            .expected("a cache, or one of its nodes (`cache.node0`)"));
    }
    let (instances, target) = strike_instances(ck, path, kind, text, &t, struck, f.instances)?;
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
    Ok((fk, target))
}

/// The instances a `kind` fault on `text` strikes (one named instance, the
/// first `instances` of the component, or all of them) and the target as
/// the outputs show it.
fn strike_instances(
    ck: &Checker,
    path: &str,
    kind: &str,
    text: &str,
    t: &Target,
    struck: &dyn KindModel,
    n: Option<u64>,
) -> Result<(Vec<u32>, String), ScenarioError> {
    let count = struck.fault_instances();
    match (t.instance, n) {
        (Some(i), None) => Ok((vec![i], text.to_string())),
        (Some(_), Some(_)) => Err(ck
            .err_key(
                &format!("{path}.instances"),
                format!(
                    "`instances` picks among the instances of a whole component, and `{text}` is one instance"
                ),
            )
            .expected(format!(
                "`{kind}: {}` with `instances: N`, or `{kind}: {text}` alone",
                t.name
            ))),
        (None, None) => Ok(((0..count).collect(), text.to_string())),
        (None, Some(n)) => {
            if n == 0 || n > count as u64 {
                let noun = struck.noun();
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
            Ok(((0..n as u32).collect(), format!("{text} ({n} of {count})")))
        }
    }
}

/// A `partition` or `delay` fault: the link between two components that
/// call one another.
fn compile_link(
    ck: &Checker,
    model: &Model,
    graph: &Graph,
    path: &str,
    kind: &str,
    f: &FaultSpec,
) -> Result<(FaultKind, String), ScenarioError> {
    let kind_path = format!("{path}.{kind}");
    let pair = if kind == "partition" {
        &f.partition
    } else {
        &f.delay
    };
    let (a, b) = compile_pair(ck, model, &kind_path, kind, pair.as_ref(), graph)?;
    let (na, nb) = (
        &model.components[a as usize].name,
        &model.components[b as usize].name,
    );
    // A link no call crosses would silently do nothing.
    if !graph.calls_between(a, b) {
        return Err(ck
            .err(
                &kind_path,
                format!("no call goes between `{na}` and `{nb}`: this {kind} would change nothing"),
            )
            .expected(
                "two components one of which calls the other (`calls`, a balancer's `to`, a cache's `on_miss`, a queue's `consumers`)",
            ));
    }
    let target = format!("{na} <-> {nb}");
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
    Ok((fk, target))
}

/// A `random: crash` fault: what may fail, and how often and for how long.
fn compile_random(
    ck: &Checker,
    model: &Model,
    graph: &Graph,
    path: &str,
    f: &FaultSpec,
) -> Result<(FaultKind, String), ScenarioError> {
    // `random`: its value is the only kind there is, `crash`.
    let Some(RandomFaultSpec::Crash) = f.random else {
        return Err(ck
            .err(
                &format!("{path}.random"),
                "`random` names no kind of failure",
            )
            .expected("`random: crash`"));
    };
    let Some(text) = &f.target else {
        return Err(ck
            .err(path, "missing key `target`")
            .expected("what may fail, such as `target: web` or `target: web.0`"));
    };
    let t = resolve_target(ck, model, graph, &format!("{path}.target"), text)?;
    let instances = match t.instance {
        Some(i) => vec![i],
        None => {
            let struck = model.components[t.component as usize].kind.model();
            (0..struck.fault_instances()).collect()
        }
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
    Ok((
        FaultKind::RandomCrash {
            component: t.component,
            instances,
            mttf,
            mttr,
        },
        text.clone(),
    ))
}

/// The two different whole components of a `partition` or `delay`.
fn compile_pair(
    ck: &Checker,
    model: &Model,
    path: &str,
    kind: &str,
    pair: Option<&ComponentPair>,
    graph: &Graph,
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
        ids[j] = whole(ck, model, graph, &p, name)?;
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

/// The component a fault names, `web` or a copy's `web@us-east`: not a
/// component with copies as a whole (which copy?), not a dns (it serves
/// nothing that could fail).
fn whole(
    ck: &Checker,
    model: &Model,
    graph: &Graph,
    path: &str,
    name: &str,
) -> Result<ComponentId, ScenarioError> {
    if let Some(copies) = graph.copies(name) {
        let names: Vec<&str> = copies
            .iter()
            .map(|&c| model.components[c as usize].name.as_str())
            .collect();
        return Err(ck
            .err(path, format!("`{name}` has one copy per data center"))
            .expected(format!(
                "one copy: {} (or `outage: DC` for a whole data center)",
                one_of(&names)
            )));
    }
    let id = graph.lookup(ck, path, name)?;
    if model.components[id as usize].kind.model().kind() == crate::model::Kind::Dns {
        return Err(ck
            .err(
                path,
                format!("`{name}` is a dns: it serves nothing, so it cannot fail"),
            )
            .expected("a service, load balancer, cache, database or queue; or `outage: DC`"));
    }
    Ok(id)
}

/// Whether a `partition` or `delay` names two data centers (then it acts
/// on their link): with `datacenters`, when both names are data centers.
fn between_dcs(model: &Model, kind: &str, f: &FaultSpec) -> bool {
    let pair = if kind == "partition" {
        &f.partition
    } else {
        &f.delay
    };
    match (&model.geo, pair) {
        (Some(geo), Some(p)) => {
            p.0.len() == 2
                && p.0
                    .iter()
                    .all(|n| geo.datacenters.iter().any(|d| &d.name == n))
        }
        _ => false,
    }
}

/// A `partition` or `delay` between two data centers: the link joining
/// them.
fn compile_dc_link(
    ck: &Checker,
    model: &Model,
    path: &str,
    kind: &str,
    f: &FaultSpec,
) -> Result<(FaultKind, String), ScenarioError> {
    let geo = model.geo.as_deref().expect("checked by between_dcs");
    let kind_path = format!("{path}.{kind}");
    let pair = if kind == "partition" {
        &f.partition
    } else {
        &f.delay
    };
    let names = &pair.as_ref().expect("checked by between_dcs").0;
    let a = super::geo::find_dc(ck, geo, &format!("{kind_path}[0]"), &names[0])?;
    let b = super::geo::find_dc(ck, geo, &format!("{kind_path}[1]"), &names[1])?;
    if a == b {
        return Err(ck
            .err(
                &format!("{kind_path}[1]"),
                format!("a {kind} between `{}` and itself", names[1]),
            )
            .expected("two different data centers, joined by a link"));
    }
    let Some((link, _)) = geo.link_between(a, b) else {
        return Err(ck
            .err(
                &kind_path,
                format!(
                    "no link joins `{}` and `{}`: this {kind} would change nothing",
                    names[0], names[1]
                ),
            )
            .expected("two data centers joined by one of `network.links`"));
    };
    let fk = if kind == "partition" {
        FaultKind::LinkPartition { link: link as u16 }
    } else {
        let Some(extra) = &f.extra else {
            return Err(ck.err(path, "missing key `extra`").expected(
                "the time added to each crossing, such as `extra: 50ms` or `{ exponential: { mean: 50ms } }`",
            ));
        };
        FaultKind::LinkDelay {
            link: link as u16,
            extra: compile_dist(ck, &format!("{path}.extra"), extra)?,
        }
    };
    Ok((fk, geo.link_name(link)))
}

/// Whether a `partition` names two instances of which one (or both) is a
/// database node (`[db.shard0.node0, db.shard0.node1]`): then it cuts the
/// replication between two nodes. Instances of other kinds keep the
/// error of a partition between components.
fn between_db_nodes(model: &Model, graph: &Graph, f: &FaultSpec) -> bool {
    let Some(p) = &f.partition else {
        return false;
    };
    let database = |name: &str| {
        name.split_once('.')
            .and_then(|(c, _)| graph.exact(c))
            .is_some_and(|id| {
                matches!(
                    model.components[id as usize].kind,
                    ComponentKind::Database(_)
                )
            })
    };
    p.0.len() == 2 && p.0.iter().all(|n| n.contains('.')) && p.0.iter().any(|n| database(n))
}

/// `partition: [db.shard0.node0, db.shard0.node1]`: two nodes of one shard
/// of a multi_primary or ring database stop replicating to each other.
fn compile_node_partition(
    ck: &Checker,
    model: &Model,
    graph: &Graph,
    path: &str,
    f: &FaultSpec,
) -> Result<(FaultKind, String), ScenarioError> {
    let at = format!("{path}.partition");
    let names = &f.partition.as_ref().expect("checked by between_db_nodes").0;
    let a = resolve_target(ck, model, graph, &format!("{at}[0]"), &names[0])?;
    let b = resolve_target(ck, model, graph, &format!("{at}[1]"), &names[1])?;
    let example = |db: &str| format!("`[{db}.shard0.node0, {db}.shard0.node1]`");
    if a.component != b.component {
        return Err(ck
            .err(
                &format!("{at}[1]"),
                format!(
                    "`{}` and `{}` are nodes of two components: a partition between nodes is inside one database",
                    names[0], names[1]
                ),
            )
            .expected(format!(
                "two nodes of one shard of `{}`, such as {}, or two whole components",
                a.name,
                example(a.name)
            )));
    }
    let ComponentKind::Database(db) = &model.components[a.component as usize].kind else {
        unreachable!("between_db_nodes found a database, and both name the same component")
    };
    let (Some(i), Some(j)) = (a.instance, b.instance) else {
        unreachable!("both names hold a `.`, and resolve_target found an instance for each")
    };
    if !db.topology.has_writers() {
        let why = match db.topology {
            Topology::Quorum { .. } => {
                "a quorum's nodes do not replicate to each other (each write is sent to its n nodes)"
            }
            _ => "replication flows from each primary to its replicas",
        };
        return Err(ck
            .err(
                &at,
                format!(
                    "`{}` is a {} database: {why}; a partition between nodes is for a multi_primary or ring database",
                    a.name,
                    db.topology.name()
                ),
            )
            .expected(format!(
                "two nodes of one shard of a multi_primary or ring database, or `crash: {}` to take one node down",
                names[1]
            )));
    }
    if i == j {
        return Err(ck
            .err(
                &format!("{at}[1]"),
                format!("a partition between `{}` and itself", names[1]),
            )
            .expected("two different nodes of one shard"));
    }
    let per = db.per_shard();
    if i / per != j / per {
        return Err(ck
            .err(
                &format!("{at}[1]"),
                format!(
                    "`{}` and `{}` are in two shards: nodes replicate only within their shard",
                    names[0], names[1]
                ),
            )
            .expected(format!(
                "two nodes of one shard, such as {}",
                example(a.name)
            )));
    }
    Ok((
        FaultKind::NodePartition {
            component: a.component,
            a: i,
            b: j,
        },
        format!("{} <-> {}", names[0], names[1]),
    ))
}

/// `outage: DC`: everything standing in the data center.
fn compile_outage(
    ck: &Checker,
    model: &Model,
    path: &str,
    f: &FaultSpec,
) -> Result<(FaultKind, String), ScenarioError> {
    let at = format!("{path}.outage");
    let Some(geo) = model.geo.as_deref() else {
        return Err(ck
            .err_key(&at, "an `outage` without `datacenters`")
            .expected("`datacenters` naming the data centers, or `crash: COMPONENT`"));
    };
    let Some(name) = &f.outage else {
        return Err(ck
            .err(&at, "`outage` names no data center")
            .expected("a data center, such as `outage: eu-west`"));
    };
    let dc = super::geo::find_dc(ck, geo, &at, name)?;
    Ok((FaultKind::Outage { dc }, name.clone()))
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
        .map_err(|f| f.into_first())
    }

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    /// One fault of each kind, with the instances and settings each takes.
    const FAULTS: &str = "
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
";

    #[test]
    fn a_faults_block_compiles_into_labels_targets_and_times() {
        let m = load(FAULTS).unwrap();
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
    }

    #[test]
    fn each_fault_kind_compiles_into_its_instances_and_settings() {
        let m = load(FAULTS).unwrap();
        let (lb, web, cache, db, jobs, worker) = (0, 1, 2, 3, 4, 5);
        let f = &m.faults;
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
    }

    #[test]
    fn an_slo_compiles_with_its_default_hold() {
        let m = load(FAULTS).unwrap();
        assert_eq!(
            m.slo,
            Some(Slo {
                p99: Some(ms(300)),
                error_rate: Some(0.01),
                hold: DEFAULT_HOLD
            })
        );
    }

    #[test]
    fn without_the_keys_there_are_no_faults_or_slo() {
        let m = load_str(
            "t.yaml",
            "t",
            "duration: 1m\ntraffic: { to: web, rate: 10 }\ncomponents:\n  lb: { kind: load_balancer, to: web }\n  web: { kind: service, service_time: 1ms }\n",
            &LoadOptions::default(),
        )
        .unwrap();
        assert!(m.faults.is_empty());
        assert_eq!(m.slo, None);
    }

    /// The index of the instance `label` names in component `id`, as a
    /// fault target finds it.
    fn index_of(m: &Model, id: usize, label: &str) -> Option<u32> {
        let kind = m.components[id].kind.model();
        label.parse::<Label>().ok().and_then(|l| kind.index_of(l))
    }

    #[test]
    fn instance_names_and_indices_agree() {
        let m = load("").unwrap();
        for id in 0..m.components.len() as ComponentId {
            for (i, name) in m.instance_names(id).iter().enumerate() {
                assert_eq!(index_of(&m, id as usize, name), Some(i as u32), "{name}");
            }
        }
        assert_eq!(m.components[3].kind.model().fault_instances(), 6);
        for bad in [
            "shard2.primary",
            "shard0.replica2",
            "shard0",
            "shard00.primary",
            "shard-1.primary",
            "shard0.replica",
            "0",
        ] {
            assert_eq!(index_of(&m, 3, bad), None, "{bad}");
        }
        for bad in ["8", "08", "+1", "-1", "", "node0"] {
            assert_eq!(index_of(&m, 1, bad), None, "{bad}");
        }
    }

    /// Loads each fault list of `cases` and checks it is refused at its path
    /// with a message containing its phrase.
    fn assert_refused(cases: &[(&str, &str, &str)]) {
        for (faults, path, phrase) in cases {
            let e = load(&format!("faults: {faults}\n")).unwrap_err();
            assert_eq!(e.path.as_deref(), Some(*path), "{faults}: {e}");
            assert!(e.message.contains(phrase), "{faults}: {e}");
            assert!(e.span.is_some(), "{faults}");
        }
    }

    #[test]
    fn a_fault_needs_one_kind_and_only_its_keys() {
        assert_refused(&[
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
            (
                "[{ random: crsh, target: web, mttf: 1h, mttr: 1m }]",
                "faults[0].random",
                "unknown value `crsh`",
            ),
            (
                "[{ at: 1s, crsh: web }]",
                "faults[0].crsh",
                "unknown key `crsh`",
            ),
        ]);
    }

    #[test]
    fn missing_or_zero_settings_are_refused() {
        assert_refused(&[
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
        ]);
    }

    #[test]
    fn bad_targets_instances_and_settings_are_refused() {
        assert_refused(&[
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
        ]);
    }

    #[test]
    fn bad_links_and_times_are_refused() {
        assert_refused(&[
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
                "[{ at: 1s, partition: [web, db] }]",
                "faults[0].partition",
                "no call goes between `web` and `db`",
            ),
            (
                "[{ at: 1s, delay: [jobs, lb], extra: 1ms }]",
                "faults[0].delay",
                "this delay would change nothing",
            ),
        ]);
    }

    #[test]
    fn bad_slos_are_refused() {
        let cases: Vec<(String, &str, &str)> = vec![
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
                .map_err(|f| f.into_first())
                .unwrap_err();
            assert_eq!(e.path.as_deref(), Some(path), "{e}");
            assert!(e.message.contains(phrase), "{e}");
        }
        // `hold` has a default; `error_rate` alone is an SLO.
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
            .map_err(|f| f.into_first())
            .unwrap();
        let counts: Vec<(&str, usize)> = models
            .iter()
            .map(|m| (m.variant.as_str(), m.faults.len()))
            .collect();
        assert_eq!(counts, [("base", 1), ("calm", 0), ("two", 2)]);
        assert_eq!(models[2].faults[1].target, "web.7");

        let bad = text.replace("web.7", "web.8");
        let e = crate::scenario::load_all("t.yaml", "t", &bad, &LoadOptions::default())
            .map_err(|f| f.into_first())
            .unwrap_err();
        assert_eq!(e.path.as_deref(), Some("variants.two.faults[1].crash"));
        // A base fault that a variant's smaller pool cannot take is reported
        // at the base, naming the variant.
        let shrink = format!(
            "{SYSTEM}faults:\n  - {{ at: 1m, crash: web.7 }}\nvariants:\n  small: {{ components: {{ web: {{ instances: 2 }} }} }}\n"
        );
        let e = crate::scenario::load_all("t.yaml", "t", &shrink, &LoadOptions::default())
            .map_err(|f| f.into_first())
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
            .map_err(|f| f.into_first())
            .unwrap_err();
        assert_eq!(e.path.as_deref(), Some("faults[100]"), "{e}");
        assert!(e.message.contains("10100000 instances in all"), "{e}");
    }
}
