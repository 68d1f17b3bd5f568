//! A service's `autoscale` and a balancer's or service's `rate_limit`:
//! checked and compiled into the model's [`Autoscale`] and [`RateLimit`].

use super::faults::{at_most_max, positive};
use super::{Checker, MAX_INSTANCES};
use crate::engine::SimDuration;
use crate::model::{Autoscale, RateLimit};
use crate::scenario::error::ScenarioError;
use crate::scenario::spec::{AutoscaleSpec, RateLimitSpec};

/// Highest `rate_limit.rps` (the highest arrival rate capsim simulates).
pub const MAX_LIMIT_RPS: f64 = 100_000_000.0;
/// Smallest `rate_limit.rps`: the bucket counts thousandths of a token.
pub const MIN_LIMIT_RPS: f64 = 0.001;
/// Largest `rate_limit.burst`.
pub const MAX_BURST: i64 = 1_000_000_000;

/// Compiles a service's `autoscale` at `path`; `instances` is the pool's
/// `instances` when written. Returns the settings and the instances the
/// run starts with (`instances`, or `min` without it).
pub(super) fn compile_autoscale(
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
        },
        start,
    ))
}

/// Compiles a `rate_limit` at `path`.
pub(super) fn compile_rate_limit(
    ck: &Checker,
    path: &str,
    r: &RateLimitSpec,
) -> Result<RateLimit, ScenarioError> {
    if !r.rps.is_finite() || r.rps < MIN_LIMIT_RPS {
        return Err(ck
            .err(
                &format!("{path}.rps"),
                format!(
                    "a rate limit of {} requests per second admits nothing",
                    r.rps
                ),
            )
            .expected(format!(
                "a rate of at least {MIN_LIMIT_RPS} requests per second, such as `rps: 100`"
            )));
    }
    if r.rps > MAX_LIMIT_RPS {
        return Err(ck
            .err(
                &format!("{path}.rps"),
                format!("{} requests per second is too high to simulate", r.rps),
            )
            .expected(format!("at most {MAX_LIMIT_RPS}")));
    }
    if r.burst < 1 || r.burst > MAX_BURST {
        return Err(ck
            .err(
                &format!("{path}.burst"),
                format!("a burst of {} tokens", r.burst),
            )
            .expected(format!(
                "from 1 to {MAX_BURST} tokens: the requests admitted at once after a quiet spell"
            )));
    }
    Ok(RateLimit {
        milli_rps: (r.rps * 1000.0).round() as u64,
        burst: r.burst as u64,
    })
}
