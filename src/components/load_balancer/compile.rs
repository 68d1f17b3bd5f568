//! `kind: load_balancer`: its spec checked and compiled into
//! [`LoadBalancer`]. What it may front is a rule between kinds, asked of
//! `scenario::compile::graph`.

use super::model::{HashBy, LoadBalancer, OutlierDetection, Policy};
use super::spec::{HashBySpec, HealthCheckSpec, LoadBalancerSpec, OutlierSpec, PolicySpec};
use crate::engine::SimDuration;
use crate::model::{ComponentId, ComponentKind, HealthCheck, Model};
use crate::scenario::compile::cx::KindCx;
use crate::scenario::compile::graph::{self, Carries};
use crate::scenario::compile::kinds::{KindRules, KindSpec};
use crate::scenario::compile::resilience_scaling::compile_rate_limit;
use crate::scenario::compile::{
    Checker, DEFAULT_HEALTH_FAILURES, MAX_HEALTH_FAILURES, period, positive,
};
use crate::scenario::error::ScenarioError;
use crate::scenario::spec::PercentValue;

/// Finagle's default decay time for peak EWMA (`Balancers.p2cPeakEwma`).
pub const DEFAULT_DECAY: SimDuration = SimDuration::from_secs(10);
/// Envoy's defaults for outlier detection: `consecutive_5xx: 5`,
/// `base_ejection_time: 30s`, `max_ejection_percent: 10`.
pub const DEFAULT_CONSECUTIVE_ERRORS: u32 = 5;
/// See [`DEFAULT_CONSECUTIVE_ERRORS`].
pub const DEFAULT_EJECT_FOR: SimDuration = SimDuration::from_secs(30);
/// See [`DEFAULT_CONSECUTIVE_ERRORS`].
pub const DEFAULT_MAX_EJECTED: f64 = 0.1;
/// The most errors in a row an outlier detection may wait for.
const MAX_CONSECUTIVE_ERRORS: u64 = 1_000_000;

impl KindSpec for LoadBalancerSpec {}

/// What the compiler asks of a load balancer: it takes no time, so a
/// `slow` fault cannot strike it.
pub(crate) struct Rules;

impl KindRules for Rules {
    fn refuse_slow(
        &self,
        ck: &Checker,
        path: &str,
        model: &Model,
        id: ComponentId,
        name: &str,
    ) -> Result<(), ScenarioError> {
        let to = model.components[id as usize].kind.model().downstream()[0];
        let behind = &model.components[to as usize].name;
        Err(ck
            .err(
                path,
                format!(
                    "`{name}` is a load balancer: a load balancer takes no time, so it cannot be slowed; slow the service behind it, `{behind}`"
                ),
            )
            .expected("a service, cache, database or queue"))
    }
}

/// Compiles a load balancer.
pub(crate) fn compile(
    cx: &mut KindCx,
    lb: &LoadBalancerSpec,
) -> Result<LoadBalancer, ScenarioError> {
    let target = graph::balanced(cx, &lb.to)?;
    cx.edge(target, cx.at("to"), Carries::All);
    let policy = compile_policy(cx, lb)?;
    let health_check = match &lb.health_check {
        None => None,
        Some(h) => Some(compile_health_check(cx.ck(), &cx.at("health_check"), h)?),
    };
    let rate_limit = match &lb.rate_limit {
        None => None,
        Some(r) => Some(compile_rate_limit(cx.ck(), &cx.at("rate_limit"), r)?),
    };
    let outlier = match &lb.outlier_detection {
        None => None,
        Some(o) => Some(compile_outlier(cx, o)?),
    };
    let weights = match policy {
        Policy::Weighted => compile_weights(cx, lb)?,
        _ => Vec::new(),
    };
    Ok(LoadBalancer {
        to: target,
        policy,
        health_check,
        rate_limit,
        weights,
        outlier,
    })
}

/// `policy` and the keys that belong to one policy only (`weights`,
/// `decay`, `hash_by`), each refused with another policy.
fn compile_policy(cx: &mut KindCx, lb: &LoadBalancerSpec) -> Result<Policy, ScenarioError> {
    let written = lb.policy.unwrap_or(PolicySpec::RoundRobin);
    for (set, key, wants, policy) in [
        (
            lb.weights.is_some(),
            "weights",
            PolicySpec::Weighted,
            "weighted",
        ),
        (
            lb.decay.is_some(),
            "decay",
            PolicySpec::LeastResponseTime,
            "least_response_time",
        ),
        (
            lb.hash_by.is_some(),
            "hash_by",
            PolicySpec::ConsistentHash,
            "consistent_hash",
        ),
    ] {
        if set && written != wants {
            return Err(cx
                .err_key(key, format!("`{key}` without `policy: {policy}`"))
                .expected(format!("`policy: {policy}`, or no `{key}`")));
        }
    }
    let policy = match written {
        PolicySpec::RoundRobin => Policy::RoundRobin,
        PolicySpec::Random => Policy::Random,
        PolicySpec::LeastConnections => Policy::LeastConnections,
        PolicySpec::PowerOfTwo => Policy::PowerOfTwo,
        PolicySpec::Sticky => Policy::Sticky,
        PolicySpec::Weighted => Policy::Weighted,
        PolicySpec::LeastResponseTime => Policy::LeastResponseTime {
            decay: match lb.decay {
                None => DEFAULT_DECAY,
                Some(d) => positive(
                    cx.ck(),
                    &cx.at("decay"),
                    d,
                    "a decay of no time",
                    "`decay: 10s`",
                )?,
            },
        },
        PolicySpec::ConsistentHash => Policy::ConsistentHash {
            by: match lb.hash_by.unwrap_or(HashBySpec::Key) {
                HashBySpec::Key => HashBy::Key,
                HashBySpec::User => HashBy::User,
            },
        },
    };
    match policy {
        Policy::Sticky => cx.needs_users(
            "policy",
            "`policy: sticky` sends each user back to its instance, but the traffic has no `users`",
            "add `users: 10000` (say) under `traffic`, or use another policy",
        ),
        Policy::ConsistentHash { by: HashBy::User } => cx.needs_users(
            "hash_by",
            "`hash_by: user` hashes the user who sent each request, but the traffic has no `users`",
            "add `users: 10000` (say) under `traffic`, or `hash_by: key`",
        ),
        _ => {}
    }
    Ok(policy)
}

/// `weights` of `policy: weighted`: each positive and finite. Their count
/// is checked against the target's instances once every component is
/// compiled ([`check_weights`]).
fn compile_weights(cx: &KindCx, lb: &LoadBalancerSpec) -> Result<Vec<f64>, ScenarioError> {
    let Some(w) = &lb.weights else {
        return Err(cx
            .err("policy", "`policy: weighted` without `weights`")
            .expected(format!(
                "`weights` giving each instance of `{}` a weight, such as `weights: [3, 1, 1]`",
                lb.to
            )));
    };
    if w.is_empty() {
        return Err(cx
            .err("weights", "no weights")
            .expected("one positive weight per instance, such as `weights: [3, 1, 1]`"));
    }
    for (i, &v) in w.iter().enumerate() {
        if !(v > 0.0 && v <= 1e12) {
            return Err(cx
                .ck()
                .err(&cx.at(&format!("weights[{i}]")), format!("a weight of {v}"))
                .expected("a positive weight (weights are relative), such as `3`"));
        }
    }
    Ok(w.clone())
}

/// Every `weights` against the instances of its balancer's target, once
/// all components are compiled: one weight per instance, and no weights
/// in front of an autoscaled pool (its instances come and go; a weight per
/// slot would weigh instances that do not exist yet).
pub(crate) fn check_weights(ck: &Checker, model: &Model) -> Result<(), ScenarioError> {
    for c in &model.components {
        let ComponentKind::LoadBalancer(b) = &c.kind else {
            continue;
        };
        if b.weights.is_empty() {
            continue;
        }
        // A copy (`lb@us-east`) reports at the keys of the one written.
        let written = c.name.split('@').next().unwrap_or(&c.name);
        let path = format!("components.{written}.weights");
        let target = &model.components[b.to as usize];
        let pool = target.kind.model();
        if pool.autoscales() {
            return Err(ck
                .err(
                    &path,
                    format!(
                        "`{}` autoscales: its instances come and go, so a weight per instance cannot be given",
                        target.name
                    ),
                )
                .expected("a service with a fixed `instances`, or another policy (`least_connections`)"));
        }
        let n = pool.fault_instances() as usize;
        if b.weights.len() != n {
            return Err(ck
                .err(
                    &path,
                    format!(
                        "{} weights for `{}`, which has {n} instance{}",
                        b.weights.len(),
                        target.name,
                        if n == 1 { "" } else { "s" }
                    ),
                )
                .expected(format!("one weight per instance of `{}`: {n}", target.name)));
        }
    }
    Ok(())
}

/// `outlier_detection: { consecutive_errors, eject_for, max_ejected }`.
fn compile_outlier(cx: &KindCx, o: &OutlierSpec) -> Result<OutlierDetection, ScenarioError> {
    let path = cx.at("outlier_detection");
    let errors = o
        .consecutive_errors
        .unwrap_or(DEFAULT_CONSECUTIVE_ERRORS as u64);
    if errors == 0 || errors > MAX_CONSECUTIVE_ERRORS {
        return Err(cx
            .ck()
            .err(
                &format!("{path}.consecutive_errors"),
                format!("{errors} errors in a row"),
            )
            .expected(format!(
                "from 1 to {MAX_CONSECUTIVE_ERRORS} errors in a row that eject an instance, such as `consecutive_errors: 5`"
            )));
    }
    let eject_for = match o.eject_for {
        None => DEFAULT_EJECT_FOR,
        Some(d) => positive(
            cx.ck(),
            &format!("{path}.eject_for"),
            d,
            "an ejection of no time",
            "`eject_for: 30s`",
        )?,
    };
    let PercentValue(max_ejected) = o.max_ejected.unwrap_or(PercentValue(DEFAULT_MAX_EJECTED));
    if !(max_ejected > 0.0 && max_ejected <= 1.0) {
        return Err(cx
            .ck()
            .err(
                &format!("{path}.max_ejected"),
                format!(
                    "max_ejected outside (0, 100%]: {}%",
                    (max_ejected * 1e6).round() / 1e4
                ),
            )
            .expected(
                "a share of the pool above 0% and at most 100%, such as `max_ejected: 50%`",
            ));
    }
    Ok(OutlierDetection {
        consecutive_errors: errors as u32,
        eject_for,
        max_ejected,
    })
}

/// Compiles a load balancer's `health_check` at `path`.
pub(crate) fn compile_health_check(
    ck: &Checker,
    path: &str,
    h: &HealthCheckSpec,
) -> Result<HealthCheck, ScenarioError> {
    let interval = period(
        ck,
        &format!("{path}.interval"),
        h.interval,
        ("a health-check interval of no time", "`interval: 5s`"),
        "each instance would be checked",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;
    use crate::model::ComponentKind;
    use crate::scenario::{LoadOptions, load_str};

    const SYSTEM: &str = "
duration: 1m
traffic: { to: lb, rate: 10 }
components:
  lb: { kind: load_balancer, to: web, health_check: { interval: 5s } }
  web: { kind: service, instances: 2, service_time: 1ms }
";

    fn load(text: &str) -> Result<LoadBalancer, ScenarioError> {
        let m =
            load_str("t.yaml", "t", text, &LoadOptions::default()).map_err(|f| f.into_first())?;
        let ComponentKind::LoadBalancer(b) = &m.components[0].kind else {
            panic!("lb is a load balancer")
        };
        Ok(b.clone())
    }

    #[test]
    fn a_health_check_compiles_with_its_default_failures() {
        assert_eq!(
            load(SYSTEM).unwrap().health_check,
            Some(HealthCheck {
                interval: SimDuration::from_secs(5),
                failures: DEFAULT_HEALTH_FAILURES
            })
        );
        let none = SYSTEM.replace(", health_check: { interval: 5s }", "");
        assert_eq!(load(&none).unwrap().health_check, None);
    }

    #[test]
    fn bad_health_checks_are_refused() {
        for (from, to, path, phrase) in [
            (
                "{ interval: 5s }",
                "{ interval: 5s, failures: 0 }",
                "components.lb.health_check.failures",
                "0 failed checks",
            ),
            (
                "{ interval: 5s }",
                "{ interval: 5s, failures: 1001 }",
                "components.lb.health_check.failures",
                "1001 failed checks",
            ),
            (
                "{ interval: 5s }",
                "{ failures: 2 }",
                "components.lb.health_check",
                "missing key `interval`",
            ),
            (
                "{ interval: 5s }",
                "{ interval: 0s }",
                "components.lb.health_check.interval",
                "a health-check interval of no time",
            ),
        ] {
            let e = load(&SYSTEM.replace(from, to)).unwrap_err();
            assert_eq!(e.path.as_deref(), Some(path), "{e}");
            assert!(e.message.contains(phrase), "{e}");
        }
    }
}
