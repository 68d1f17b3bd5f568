//! A service's `autoscale` as written, checked and compiled: its keys, its
//! rules, and the settings the autoscaler (`autoscaler.rs`) runs by.

use serde::Deserialize;

use crate::engine::SimDuration;
use crate::scenario::compile::{Checker, MAX_INSTANCES, at_most_max, period};
use crate::scenario::error::ScenarioError;
use crate::scenario::spec::*;

/// `autoscale` of a service: how the pool grows and shrinks with its load.
#[derive(Clone, Copy, PartialEq)]
pub struct Autoscale {
    /// Fewest instances serving or provisioning (at least 1).
    pub min: u32,
    /// Most instances serving or provisioning.
    pub max: u32,
    /// The value of `metric` per instance the pool is sized for (a mean
    /// utilisation in (0, 1] for `utilization`).
    pub target: f64,
    /// Time between decisions (positive).
    pub every: SimDuration,
    /// Time from starting an instance to its first request.
    pub provision: SimDuration,
    /// Time after a change during which no decision is made.
    pub cooldown: SimDuration,
    /// What is measured against `target`.
    pub metric: ScaleMetric,
    /// No change while the measured / target ratio is within 1 +/- this
    /// (Kubernetes' HPA: 0.1); 0 acts on any difference.
    pub tolerance: f64,
    /// Windows over which recommendations are smoothed before acting.
    pub stabilization: Stabilization,
}

/// Field by field, as derived, except that the [flow] settings show only
/// when they are not today's (a share's fingerprint hashes the model's
/// debug text).
impl std::fmt::Debug for Autoscale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Autoscale");
        d.field("min", &self.min)
            .field("max", &self.max)
            .field("target", &self.target)
            .field("every", &self.every)
            .field("provision", &self.provision)
            .field("cooldown", &self.cooldown);
        if self.metric != ScaleMetric::Utilization {
            d.field("metric", &self.metric);
        }
        if self.tolerance != 0.0 {
            d.field("tolerance", &self.tolerance);
        }
        if self.stabilization != Stabilization::default() {
            d.field("stabilization", &self.stabilization);
        }
        d.finish()
    }
}

/// What an autoscaler measures against its target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ScaleMetric {
    /// Mean utilisation of the pool's workers.
    #[default]
    Utilization,
    /// Requests received per second per serving instance.
    RpsPerInstance,
    /// Requests waiting per serving instance.
    QueueLen,
    /// Messages held by the queue the pool consumes, per instance.
    Backlog,
}

/// `stabilization: { up, down }`: a scale-out (scale-in) goes only to the
/// lowest (highest) recommendation of the last `up` (`down`), as
/// Kubernetes' HPA; zero windows act on the latest one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stabilization {
    /// Window of scale-out recommendations.
    pub up: SimDuration,
    /// Window of scale-in recommendations.
    pub down: SimDuration,
}

/// `autoscale` of a service.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoscaleSpec {
    /// Fewest instances.
    pub min: u64,
    /// Most instances.
    pub max: u64,
    /// Mean utilisation to size the pool for, in (0, 1]: an alias of
    /// `metric: utilization, target:`.
    #[serde(default)]
    pub target_utilization: Option<Share>,
    /// What is measured against `target` (`utilization`).
    #[serde(default)]
    pub metric: Option<String>,
    /// The metric's value per instance the pool is sized for.
    #[serde(default)]
    pub target: Option<Number>,
    /// No change while measured / target is within 1 +/- this (0).
    #[serde(default)]
    pub tolerance: Option<Number>,
    /// Windows that smooth recommendations (both 0s).
    #[serde(default)]
    pub stabilization: Option<StabilizationSpec>,
    /// Time between decisions.
    pub every: DurationValue,
    /// Time from starting an instance to its first request.
    pub provision: DurationValue,
    /// Time after a change with no decision (0s).
    #[serde(default)]
    pub cooldown: Option<DurationValue>,
}

/// `stabilization: { up, down }` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StabilizationSpec {
    /// Window of scale-out recommendations (0s).
    #[serde(default)]
    pub up: Option<DurationValue>,
    /// Window of scale-in recommendations (0s).
    #[serde(default)]
    pub down: Option<DurationValue>,
}

/// A number written plainly or as a percentage (`10%` is 0.1); its range
/// is checked where it is compiled, so that the message names the rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Number(pub f64);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Number;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number such as `0.6` or a percentage such as `60%`")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Number, E> {
                Ok(Number(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Number, E> {
                Ok(Number(v as f64))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(Number(v as f64))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Number, E> {
                match v.trim().strip_suffix('%').map(|n| n.trim().parse::<f64>()) {
                    Some(Ok(p)) if p.is_finite() => Ok(Number(p / 100.0)),
                    _ => Err(E::custom(format!(
                        "`{v}` is not a number: write one such as `0.6`, or a percentage such as `60%`"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// The names `metric` takes, in the order the messages list them.
const METRICS: [(&str, ScaleMetric); 4] = [
    ("utilization", ScaleMetric::Utilization),
    ("rps_per_instance", ScaleMetric::RpsPerInstance),
    ("queue_len", ScaleMetric::QueueLen),
    ("backlog", ScaleMetric::Backlog),
];

/// The metric a spec names (`utilization` without `metric`), checked by
/// name; whether the pool may use it (`backlog` only on a queue's
/// consumers) is the graph's rule, asked by the service's compiler.
pub(crate) fn spec_metric(
    ck: &Checker,
    path: &str,
    a: &AutoscaleSpec,
) -> Result<ScaleMetric, ScenarioError> {
    let Some(name) = a.metric.as_deref() else {
        return Ok(ScaleMetric::Utilization);
    };
    match METRICS.iter().find(|(n, _)| *n == name) {
        Some(&(_, m)) => Ok(m),
        None => Err(ck
            .err(
                &format!("{path}.metric"),
                format!("`{name}` is not a metric the autoscaler measures"),
            )
            .expected(crate::scenario::error::one_of(&METRICS.map(|(n, _)| n)))),
    }
}

/// The target of `metric` and its key path: `target`, or the alias
/// `target_utilization`; exactly one of them, and the alias only with
/// `utilization`. A utilisation is a share in (0, 1]; the others any
/// positive value.
fn compile_target(
    ck: &Checker,
    path: &str,
    a: &AutoscaleSpec,
    metric: ScaleMetric,
) -> Result<f64, ScenarioError> {
    let (key, target) = match (a.target, a.target_utilization) {
        (Some(_), Some(_)) => {
            return Err(ck
                .err(
                    &format!("{path}.target_utilization"),
                    "both `target` and `target_utilization`: the second is an alias of the first",
                )
                .expected("one of `target` or `target_utilization`"));
        }
        (None, None) => {
            return Err(ck
                .err(
                    path,
                    "no `target`: the autoscaler needs a value to size the pool for",
                )
                .expected("`target: 0.6` (with `metric`), or `target_utilization: 60%`"));
        }
        (None, Some(_)) if metric != ScaleMetric::Utilization => {
            return Err(ck
                .err(
                    &format!("{path}.target_utilization"),
                    "`target_utilization` with a metric other than `utilization`",
                )
                .expected("`target:` for this metric (or `metric: utilization`)"));
        }
        (Some(t), None) => ("target", t.0),
        (None, Some(t)) => ("target_utilization", t.0),
    };
    let tpath = format!("{path}.{key}");
    if metric == ScaleMetric::Utilization {
        if target <= 0.0 {
            return Err(ck
                .err(
                    &tpath,
                    "a target utilisation of 0 asks for infinitely many instances",
                )
                .expected("a share above 0 and at most 1, such as `60%` or `0.6`"));
        }
        if target > 1.0 {
            return Err(ck
                .err(
                    &tpath,
                    format!("a target utilisation of {target} is above 1"),
                )
                .expected("a share above 0 and at most 1, such as `60%` or `0.6`"));
        }
    } else if !(target > 0.0 && target <= 1e9) {
        return Err(ck
            .err(
                &tpath,
                format!("a target of {target} per instance: the autoscaler needs a positive one"),
            )
            .expected("a positive value per instance, at most a billion, such as `50`"));
    }
    Ok(target)
}

/// `tolerance` (a share in [0, 1), default 0: act on any difference) and
/// `stabilization` (durations, default 0s).
fn compile_hpa(
    ck: &Checker,
    path: &str,
    a: &AutoscaleSpec,
) -> Result<(f64, Stabilization), ScenarioError> {
    let tolerance = match a.tolerance {
        None => 0.0,
        Some(Number(t)) if (0.0..1.0).contains(&t) => t,
        Some(Number(t)) => {
            return Err(ck
                .err(
                    &format!("{path}.tolerance"),
                    format!(
                        "HPA tolerance outside [0, 1): {} ({}%)",
                        crate::report::format::fixed(t, 6),
                        crate::report::format::fixed(t * 100.0, 4)
                    ),
                )
                .expected("a share from 0 up to (not including) 1, such as `10%`"));
        }
    };
    let mut stabilization = Stabilization::default();
    if let Some(s) = &a.stabilization {
        if let Some(up) = s.up {
            stabilization.up = at_most_max(ck, &format!("{path}.stabilization.up"), up)?;
        }
        if let Some(down) = s.down {
            stabilization.down = at_most_max(ck, &format!("{path}.stabilization.down"), down)?;
        }
    }
    Ok((tolerance, stabilization))
}

/// Compiles a service's `autoscale` at `path`; `instances` is the pool's
/// `instances` when written. Returns the settings and the instances the
/// run starts with (`instances`, or `min` without it).
pub(crate) fn compile_autoscale(
    ck: &Checker,
    path: &str,
    a: &AutoscaleSpec,
    instances: Option<u64>,
) -> Result<(Autoscale, u64), ScenarioError> {
    for (key, v) in [("min", a.min), ("max", a.max)] {
        if v == 0 {
            return Err(ck
                .err(
                    &format!("{path}.{key}"),
                    format!("`{key}: 0`: a pool scaled to no instance rejects every request"),
                )
                .expected("at least 1 instance"));
        }
        if v > MAX_INSTANCES {
            return Err(ck
                .err(
                    &format!("{path}.{key}"),
                    format!("{v} instances is too many to simulate"),
                )
                .expected(format!("at most {MAX_INSTANCES}")));
        }
    }
    if a.min > a.max {
        return Err(ck
            .err(
                &format!("{path}.min"),
                format!("`min: {}` is above `max: {}`", a.min, a.max),
            )
            .expected(format!("a `min` of at most {}", a.max)));
    }
    let metric = spec_metric(ck, path, a)?;
    let target = compile_target(ck, path, a, metric)?;
    let (tolerance, stabilization) = compile_hpa(ck, path, a)?;
    let every = period(
        ck,
        &format!("{path}.every"),
        a.every,
        ("no time between decisions", "`30s`"),
        "the autoscaler would decide",
    )?;
    let provision = at_most_max(ck, &format!("{path}.provision"), a.provision)?;
    let cooldown = match a.cooldown {
        None => SimDuration::ZERO,
        Some(c) => at_most_max(ck, &format!("{path}.cooldown"), c)?,
    };
    let start = instances.unwrap_or(a.min);
    if start < a.min || start > a.max {
        return Err(ck
            .err(
                &path.replace(".autoscale", ".instances"),
                format!(
                    "{start} instances to start with, outside the autoscaler's {}..{}",
                    a.min, a.max
                ),
            )
            .expected(format!(
                "from {} to {} instances, or no `instances` to start at `min`",
                a.min, a.max
            )));
    }
    Ok((
        Autoscale {
            min: a.min as u32,
            max: a.max as u32,
            target,
            every,
            provision,
            cooldown,
            metric,
            tolerance,
            stabilization,
        },
        start,
    ))
}
