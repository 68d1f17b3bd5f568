//! A balancer's or service's `rate_limit`: checked and compiled into the
//! model's [`RateLimit`]. (A service's `autoscale` is the service's own, in
//! `components/service/compile.rs`.)

use super::Checker;
use crate::model::RateLimit;
use crate::scenario::error::ScenarioError;
use crate::scenario::spec::RateLimitSpec;

/// Highest `rate_limit.rps` (the highest arrival rate capsim simulates).
pub const MAX_LIMIT_RPS: f64 = 100_000_000.0;
/// Smallest `rate_limit.rps`: the bucket counts thousandths of a token.
pub const MIN_LIMIT_RPS: f64 = 0.001;
/// Largest `rate_limit.burst`.
pub const MAX_BURST: i64 = 1_000_000_000;

/// Compiles a `rate_limit` at `path`.
pub(crate) fn compile_rate_limit(
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
