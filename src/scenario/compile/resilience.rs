//! A client's and a call's `retries`, `backoff`, `retry_budget` and
//! `circuit_breaker`: checked and compiled into the model's retry policies
//! and breakers. (A call's guard as a whole is the service's, in
//! `components/service/compile.rs`.)

use super::{Checker, MAX_DURATION, positive};
use crate::engine::SimDuration;
use crate::model::{Backoff, Breaker, Jitter, RetryPolicy, resilience::BREAKER_MIN_CALLS};
use crate::scenario::error::ScenarioError;
use crate::scenario::spec::{BackoffSpec, BreakerSpec, JitterSpec, PercentValue};

/// Most retries of one attempt: past a few, retries only add load.
pub const MAX_RETRIES: u64 = 100;
/// Most calls a breaker may wait for before judging.
pub const MAX_MIN_CALLS: u64 = 1_000_000;

/// The retry policy of `retries`, `backoff` and `retry_budget` under `path`
/// (`traffic.client` or a call); `timeout` is the attempt's timeout, which
/// retries need.
pub(crate) fn compile_retry(
    ck: &Checker,
    path: &str,
    timeout: Option<SimDuration>,
    retries: Option<u64>,
    backoff: Option<&BackoffSpec>,
    budget: Option<PercentValue>,
) -> Result<Option<RetryPolicy>, ScenarioError> {
    let Some(n) = retries else {
        for (key, present) in [
            ("backoff", backoff.is_some()),
            ("retry_budget", budget.is_some()),
        ] {
            if present {
                return Err(ck
                    .err_key(
                        &format!("{path}.{key}"),
                        format!("`{key}` without `retries`"),
                    )
                    .help("add `retries: N` (attempts after the first), or remove it"));
            }
        }
        return Ok(None);
    };
    if n > MAX_RETRIES {
        return Err(ck
            .err(&format!("{path}.retries"), format!("{n} retries"))
            .expected(format!("at most {MAX_RETRIES} retries")));
    }
    if timeout.is_none() {
        // Without a timeout an attempt that hangs is never given up on, so
        // only fast failures would be retried: almost surely a mistake.
        return Err(ck
            .err_key(&format!("{path}.retries"), "`retries` without a `timeout`")
            .help(format!(
                "add `timeout` to `{path}` (per attempt, such as `timeout: 1s`): an attempt that hangs is only retried once it is given up on"
            )));
    }
    let backoff = match backoff {
        None => None,
        Some(b) => Some(compile_backoff(ck, &format!("{path}.backoff"), b)?),
    };
    let budget = match budget {
        None => None,
        Some(PercentValue(p)) => {
            if !(0.0..=1.0).contains(&p) {
                return Err(ck
                    .err(
                        &format!("{path}.retry_budget"),
                        format!("a retry budget of {}%", (p * 1e6).round() / 1e4),
                    )
                    .expected("a share of first tries from 0% to 100%, such as `10%` (retries at most 10% of first tries)"));
            }
            Some(p)
        }
    };
    Ok(Some(RetryPolicy {
        retries: n as u32,
        backoff,
        budget,
    }))
}

fn compile_backoff(ck: &Checker, path: &str, b: &BackoffSpec) -> Result<Backoff, ScenarioError> {
    let base = positive(
        ck,
        &format!("{path}.base"),
        b.base,
        "a backoff base of no time",
        "`base: 100ms` (or no `backoff` to retry at once)",
    )?;
    let max = match b.max {
        None => MAX_DURATION,
        Some(m) => {
            if m.0 < base {
                return Err(ck
                    .err(
                        &format!("{path}.max"),
                        format!("a longest wait of {} below the base of {base}", m.0),
                    )
                    .expected("`max` at least `base`"));
            }
            positive(
                ck,
                &format!("{path}.max"),
                m,
                "a longest wait of no time",
                "`max: 5s`",
            )?
        }
    };
    Ok(Backoff {
        base,
        max,
        jitter: match b.jitter.unwrap_or(JitterSpec::None) {
            JitterSpec::None => Jitter::None,
            JitterSpec::Full => Jitter::Full,
            JitterSpec::Equal => Jitter::Equal,
        },
    })
}

/// The circuit breaker of a call at `path`, called `name` in outputs.
pub(crate) fn compile_breaker(
    ck: &Checker,
    path: &str,
    b: &BreakerSpec,
    name: String,
) -> Result<Breaker, ScenarioError> {
    let PercentValue(errors) = b.errors;
    if !(errors > 0.0 && errors <= 1.0) {
        return Err(ck
            .err(
                &format!("{path}.errors"),
                format!("an error share of {}%", (errors * 1e6).round() / 1e4),
            )
            .expected("a share above 0% and at most 100%, such as `errors: 50%`"));
    }
    let window = positive(
        ck,
        &format!("{path}.window"),
        b.window,
        "a window of no time holds no calls to judge",
        "`window: 10s`",
    )?;
    let open_for = positive(
        ck,
        &format!("{path}.open_for"),
        b.open_for,
        "an open time of no time never fails a call fast",
        "`open_for: 5s`",
    )?;
    let min_calls = b.min_calls.unwrap_or(BREAKER_MIN_CALLS as u64);
    if min_calls == 0 || min_calls > MAX_MIN_CALLS {
        return Err(ck
            .err(&format!("{path}.min_calls"), format!("{min_calls} calls"))
            .expected(format!("from 1 to {MAX_MIN_CALLS} calls over the window")));
    }
    Ok(Breaker {
        errors,
        window,
        open_for,
        min_calls: min_calls as u32,
        name,
    })
}
