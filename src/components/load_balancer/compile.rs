//! `kind: load_balancer`: its spec checked and compiled into
//! [`LoadBalancer`]. What it may front is a rule between kinds, asked of
//! `scenario::compile::graph`.

use super::model::{LoadBalancer, Policy};
use super::spec::{HealthCheckSpec, LoadBalancerSpec, PolicySpec};
use crate::model::{ComponentId, HealthCheck, Model};
use crate::scenario::compile::cx::KindCx;
use crate::scenario::compile::graph::{self, Carries};
use crate::scenario::compile::kinds::{KindRules, KindSpec};
use crate::scenario::compile::resilience_scaling::compile_rate_limit;
use crate::scenario::compile::{Checker, DEFAULT_HEALTH_FAILURES, MAX_HEALTH_FAILURES, positive};
use crate::scenario::error::ScenarioError;

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
    let policy = match lb.policy.unwrap_or(PolicySpec::RoundRobin) {
        PolicySpec::RoundRobin => Policy::RoundRobin,
        PolicySpec::Random => Policy::Random,
        PolicySpec::LeastConnections => Policy::LeastConnections,
        PolicySpec::PowerOfTwo => Policy::PowerOfTwo,
        PolicySpec::Sticky => Policy::Sticky,
    };
    let health_check = match &lb.health_check {
        None => None,
        Some(h) => Some(compile_health_check(cx.ck(), &cx.at("health_check"), h)?),
    };
    let rate_limit = match &lb.rate_limit {
        None => None,
        Some(r) => Some(compile_rate_limit(cx.ck(), &cx.at("rate_limit"), r)?),
    };
    if policy == Policy::Sticky {
        cx.needs_users(
            "policy",
            "`policy: sticky` sends each user back to its instance, but the traffic has no `users`",
            "add `users: 10000` (say) under `traffic`, or use another policy",
        );
    }
    Ok(LoadBalancer {
        to: target,
        policy,
        health_check,
        rate_limit,
    })
}

/// Compiles a load balancer's `health_check` at `path`.
pub(crate) fn compile_health_check(
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
        let m = load_str("t.yaml", "t", text, &LoadOptions::default()).map_err(|f| f.error)?;
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
