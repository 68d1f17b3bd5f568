//! Careful clients: retries with backoff and a budget, per-call timeouts and
//! circuit breakers, as the engine needs them (durations in nanoseconds,
//! shares as fractions).

use crate::engine::SimDuration;

/// How a failed attempt is tried again.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts after the first one, at most.
    pub retries: u32,
    /// The wait before each retry; `None` retries at once.
    pub backoff: Option<Backoff>,
    /// Retries allowed as a share of first tries over the last
    /// [`BUDGET_WINDOW`]; `None` is no limit.
    pub budget: Option<f64>,
}

/// Over how long a retry budget compares retries with first tries (as
/// Finagle's `RetryBudget` does, by default).
pub const BUDGET_WINDOW: SimDuration = SimDuration(10_000_000_000);

/// Exponential backoff: `base x 2^(k-1)` before the k-th retry, capped at
/// `max`, then jittered.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    /// The wait before the first retry.
    pub base: SimDuration,
    /// The longest wait.
    pub max: SimDuration,
    /// How the wait is randomised.
    pub jitter: Jitter,
}

/// How a backoff wait `d` is randomised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    /// Exactly `d`.
    None,
    /// Uniform in `[0, d]`.
    Full,
    /// `d/2` plus uniform in `[0, d/2]`.
    Equal,
}

/// A circuit breaker on a call.
#[derive(Clone, Debug, PartialEq)]
pub struct Breaker {
    /// Error share of the calls over `window` that opens it.
    pub errors: f64,
    /// How far back it looks.
    pub window: SimDuration,
    /// How long it stays open before letting a probe through.
    pub open_for: SimDuration,
    /// Calls over `window` below which it never opens.
    pub min_calls: u32,
    /// Its name in `events.csv`: `caller -> callee`.
    pub name: String,
}

/// Calls over a breaker's window below which it does not open: too few to
/// judge an error share by.
pub const BREAKER_MIN_CALLS: u32 = 20;

/// What a service does about one of its downstream calls besides making it.
#[derive(Clone, Debug, PartialEq)]
pub struct CallGuard {
    /// The worker stops waiting for an attempt after this long.
    pub timeout: Option<SimDuration>,
    /// How failed attempts are retried; `None`: never.
    pub retry: Option<RetryPolicy>,
    /// Fails calls fast while the callee is failing.
    pub breaker: Option<Breaker>,
}

impl super::Model {
    /// The guards of every service's calls, with the calling component.
    fn guards(&self) -> impl Iterator<Item = &CallGuard> {
        self.components.iter().flat_map(|c| c.kind.model().guards())
    }

    /// Whether some call has a circuit breaker (then the run logs its
    /// openings and closings in `events.csv`).
    pub fn has_breakers(&self) -> bool {
        self.guards().any(|g| g.breaker.is_some())
    }

    /// Whether the client or some call retries, or some call has a breaker
    /// (then the run draws `retries.png`).
    pub fn has_retries_or_breakers(&self) -> bool {
        self.traffic.retry.is_some()
            || self
                .guards()
                .any(|g| g.retry.is_some() || g.breaker.is_some())
    }
}
