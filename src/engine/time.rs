//! Simulated time: integer nanoseconds, with an instant type distinct from a span
//! so that the two cannot be mixed by accident.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Nanoseconds in one second.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;

/// An instant of simulated time, in nanoseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// Later than any event a run can hold.
    pub const NEVER: SimTime = SimTime(u64::MAX);

    /// Nanoseconds since the start.
    #[inline]
    pub fn nanos(self) -> u64 {
        self.0
    }

    /// Seconds since the start, as a float (for reports only).
    #[inline]
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }

    /// The span from `earlier` to `self`, zero if `earlier` is later.
    #[inline]
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A span of whole seconds.
    pub const fn from_secs(s: u64) -> SimDuration {
        SimDuration(s * NANOS_PER_SEC)
    }

    /// A span of whole milliseconds.
    pub const fn from_millis(ms: u64) -> SimDuration {
        SimDuration(ms * 1_000_000)
    }

    /// A span from float seconds, rounded to the nearest nanosecond and
    /// saturating at `u64::MAX` (negative and NaN give zero).
    #[inline]
    pub fn from_secs_f64(s: f64) -> SimDuration {
        let ns = s * NANOS_PER_SEC as f64;
        if ns >= u64::MAX as f64 {
            SimDuration(u64::MAX)
        } else if ns > 0.0 {
            SimDuration((ns + 0.5) as u64)
        } else {
            SimDuration(0)
        }
    }

    /// Nanoseconds in the span.
    #[inline]
    pub fn nanos(self) -> u64 {
        self.0
    }

    /// The span in float seconds.
    #[inline]
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }

    /// The span in float milliseconds.
    #[inline]
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    /// Saturates, so that a huge sampled duration means "never" instead of wrapping.
    #[inline]
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    #[inline]
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    #[inline]
    fn sub(self, earlier: SimTime) -> SimDuration {
        self.since(earlier)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    #[inline]
    fn add(self, o: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(o.0))
    }
}

impl Sub for SimDuration {
    type Output = SimDuration;
    /// Saturates at zero.
    #[inline]
    fn sub(self, o: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(o.0))
    }
}

impl fmt::Display for SimDuration {
    /// Human form, as a user would write it in a scenario (`1m 30s`, `250ms`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}",
            humantime::format_duration(std::time::Duration::from_nanos(self.0))
        )
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", SimDuration(self.0))
    }
}

/// Seconds as the CSV outputs write them: exact decimal, no trailing zeros
/// (`0`, `1.5`, `0.001`), so that the same instant always prints the same way.
pub fn format_seconds(ns: u64) -> String {
    let whole = ns / NANOS_PER_SEC;
    let frac = ns % NANOS_PER_SEC;
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:09}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_print_exactly() {
        assert_eq!(format_seconds(0), "0");
        assert_eq!(format_seconds(1_500_000_000), "1.5");
        assert_eq!(format_seconds(1_000_000), "0.001");
        assert_eq!(format_seconds(60 * NANOS_PER_SEC), "60");
    }

    #[test]
    fn float_seconds_round_and_saturate() {
        assert_eq!(SimDuration::from_secs_f64(0.25).nanos(), 250_000_000);
        assert_eq!(SimDuration::from_secs_f64(-1.0).nanos(), 0);
        assert_eq!(SimDuration::from_secs_f64(f64::NAN).nanos(), 0);
        assert_eq!(SimDuration::from_secs_f64(1e30).nanos(), u64::MAX);
        assert_eq!((SimTime(5) + SimDuration(u64::MAX)).nanos(), u64::MAX);
    }
}
