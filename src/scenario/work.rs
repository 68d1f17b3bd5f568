//! The work a run implies, estimated before it starts, so that a run of
//! hours (ten years at 1,000 requests a second) is refused unless asked
//! for (`--yes`) instead of starting and appearing to hang.
//!
//! The estimate is cheap and errs low (it must never stop a run that would
//! be quick): the events of the requests (the closed-form estimate's
//! offered rate at each component, scaled from the schedule's peak to its
//! mean over the run), one row per window per instance and component, and
//! one event per firing of each periodic timer (health checks, autoscaler
//! decisions). Retries, hedges and timeouts add events it does not count.

use crate::components::ComponentKind;
use crate::engine::{SimDuration, SimTime};
use crate::model::{Arrivals, Model};
use crate::planning::estimate::estimate;

/// Events a second this build is taken to run. Measured (release build,
/// one core of the project's 2-core machine under load): 6 to 11 million
/// events a second (an hour at 1,000 requests/s through a balancer and a
/// pool: 21.6 million events in 1.9 s; `autoscaling.yaml`'s base: 5.7
/// million a second). Twice the fastest, with [`EVENTS_PER_CALL`] above
/// the 2 to 3 measured, puts that hour at 1.4 s: the estimate errs low,
/// towards running.
pub const EVENTS_PER_SEC: f64 = 20_000_000.0;
/// Longest estimated wall time run without `--yes`: an hour.
pub const MAX_WALL_SECS: f64 = 3600.0;
/// Events per call a component takes: its delivery, the end of its work,
/// the reply (a balancer takes fewer, a service with a queue more).
const EVENTS_PER_CALL: f64 = 3.0;
/// Events per request at the client: its arrival and its outcome.
const EVENTS_PER_REQUEST: f64 = 2.0;

/// What a run implies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Work {
    /// Requests sent over the run.
    pub requests: f64,
    /// Time-series windows.
    pub windows: u64,
    /// Events, rows of every window counted as one each.
    pub events: f64,
}

impl Work {
    /// The estimated wall time in seconds, at [`EVENTS_PER_SEC`].
    pub fn wall_secs(&self) -> f64 {
        self.events / EVENTS_PER_SEC
    }
}

/// The work of one run of `model`.
pub fn work(model: &Model) -> Work {
    let secs = model.duration.as_secs_f64();
    let end = SimTime::ZERO + model.duration;
    let est = estimate(model);
    // The estimate is for an open schedule's peak: scale it to the run's
    // mean rate. A closed population's throughput holds all run long.
    let requests = match &model.traffic.arrivals {
        Arrivals::Poisson(s) | Arrivals::Uniform(s) => s.expected_between(SimTime::ZERO, end),
        Arrivals::Closed { .. } => est.rate_rps * secs,
    };
    let scale = if est.rate_rps > 0.0 {
        requests / (est.rate_rps * secs)
    } else {
        0.0
    };
    let calls: f64 = est
        .components
        .iter()
        .map(|c| c.offered_rps)
        .filter(|r| r.is_finite())
        .sum::<f64>()
        * secs
        * scale;
    let windows = model.duration.nanos().div_ceil(model.window.nanos().max(1));
    let rows_per_window: f64 = model
        .components
        .iter()
        .map(|c| 1.0 + f64::from(c.kind.model().slots()))
        .sum();
    let timers: f64 = model
        .components
        .iter()
        .filter_map(|c| timer_period(&c.kind))
        .map(|p| secs / p.as_secs_f64())
        .sum();
    let events = requests * EVENTS_PER_REQUEST
        + calls * EVENTS_PER_CALL
        + windows as f64 * rows_per_window
        + timers;
    Work {
        requests,
        windows,
        events,
    }
}

/// The period of a component's own timer, if it has one: a health check's
/// `interval`, an autoscaler's `every`.
fn timer_period(kind: &ComponentKind) -> Option<SimDuration> {
    match kind {
        ComponentKind::LoadBalancer(b) => b.health_check.map(|h| h.interval),
        ComponentKind::Dns(d) => d.health_check.map(|h| h.interval),
        ComponentKind::Service(s) => s.autoscale.map(|a| a.every),
        _ => None,
    }
}

/// Why a run is refused: its estimate, and how to go ahead; `None` when it
/// is estimated at an hour or less.
pub fn too_long(model: &Model) -> Option<String> {
    let w = work(model);
    if w.wall_secs() <= MAX_WALL_SECS {
        return None;
    }
    Some(format!(
        "this run is estimated at about {} events ({} requests over {}, {} windows), some {} \
         at {} million events a second, longer than the hour capsim runs without asking",
        count(w.events),
        count(w.requests),
        model.duration,
        count(w.windows as f64),
        hours(w.wall_secs()),
        EVENTS_PER_SEC / 1e6
    ))
}

/// A count for messages, rounded, with thousands separators: `3.2e12` as
/// `3,200,000,000,000`.
pub(crate) fn count(x: f64) -> String {
    let digits = format!("{:.0}", x.clamp(0.0, 1e21));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A wall time in hours, days or years, for messages.
fn hours(secs: f64) -> String {
    let h = secs / 3600.0;
    if h < 48.0 {
        format!("{h:.1} hours")
    } else if h < 24.0 * 730.0 {
        format!("{:.0} days", h / 24.0)
    } else {
        format!("{:.0} years", h / (24.0 * 365.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{LoadOptions, load_str};

    fn model(yaml: &str) -> Model {
        load_str("w.yaml", "w", yaml, &LoadOptions::default())
            .unwrap_or_else(|f| panic!("{}", f.render(false)))
    }

    #[test]
    fn the_work_counts_requests_calls_windows_and_timers() {
        let m = model(
            "duration: 1h\nwindow: 1m\ntraffic: { to: lb, rate: 100 }\ncomponents:\n  \
             lb: { kind: load_balancer, to: web, health_check: { interval: 1s } }\n  \
             web: { kind: service, instances: 2, service_time: 10ms }\n",
        );
        let w = work(&m);
        assert_eq!(w.windows, 60);
        assert!((w.requests - 360_000.0).abs() < 1e-6, "{w:?}");
        // 2 events a request, 3 a call at each of lb and web, 60 windows of
        // 1 + (1 + 2) rows, 3600 checks.
        let expected = 360_000.0 * (2.0 + 3.0 * 2.0) + 60.0 * 4.0 + 3600.0;
        assert!((w.events - expected).abs() < 1.0, "{w:?}, {expected}");
        assert!(too_long(&m).is_none());
    }

    #[test]
    fn ten_years_at_a_thousand_a_second_is_too_long() {
        let m = model(
            "duration: 3650d\nwindow: 1m\ntraffic: { to: web, rate: 1000 }\ncomponents:\n  \
             web: { kind: service, service_time: 1ms }\n",
        );
        // 315 billion requests, 5 events each, at 20 million a second.
        let why = too_long(&m).expect("refused");
        assert!(why.contains("315,360,000,000 requests"), "{why}");
        assert!(why.contains("some 21.9 hours"), "{why}");
    }
}
