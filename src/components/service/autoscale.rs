//! A service's `autoscale` as written, checked and compiled: its keys, its
//! rules, and the settings the autoscaler (`autoscaler.rs`) runs by.

use serde::Deserialize;

use crate::engine::SimDuration;
use crate::scenario::compile::{Checker, MAX_INSTANCES, at_most_max, positive};
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScaleMetric {
    /// Mean utilisation of the pool's workers.
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
    /// Mean utilisation to size the pool for, in (0, 1].
    pub target_utilization: Share,
    /// Time between decisions.
    pub every: DurationValue,
    /// Time from starting an instance to its first request.
    pub provision: DurationValue,
    /// Time after a change with no decision (0s).
    #[serde(default)]
    pub cooldown: Option<DurationValue>,
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
    let target = a.target_utilization.0;
    if target <= 0.0 {
        return Err(ck
            .err(
                &format!("{path}.target_utilization"),
                "a target utilisation of 0 asks for infinitely many instances",
            )
            .expected("a share above 0 and at most 1, such as `60%` or `0.6`"));
    }
    let every = positive(
        ck,
        &format!("{path}.every"),
        a.every,
        "no time between decisions",
        "`30s`",
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
            metric: ScaleMetric::Utilization,
            tolerance: 0.0,
            stabilization: Stabilization::default(),
        },
        start,
    ))
}
