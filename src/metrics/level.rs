//! A time-weighted level (busy workers, queue length): its average over a
//! window is the area under it divided by the window's length.

use crate::engine::SimTime;

/// A gauge whose time average is kept exactly.
#[derive(Clone, Debug, Default)]
pub struct Level {
    value: u64,
    since: SimTime,
    area: u128,
}

impl Level {
    /// The current value.
    #[inline]
    pub fn value(&self) -> u64 {
        self.value
    }

    /// Sets the value at `now`.
    #[inline]
    pub fn set(&mut self, now: SimTime, value: u64) {
        self.area += self.value as u128 * (now.0 - self.since.0) as u128;
        self.since = now;
        self.value = value;
    }

    /// Adds one at `now`.
    #[inline]
    pub fn incr(&mut self, now: SimTime) {
        let v = self.value + 1;
        self.set(now, v);
    }

    /// Takes one away at `now`.
    #[inline]
    pub fn decr(&mut self, now: SimTime) {
        let v = self.value - 1;
        self.set(now, v);
    }

    /// The area (value x nanoseconds) since the last
    /// [`Level::take_average`] (or the start) up to `now`, without changing
    /// anything: for readers that keep their own running totals.
    pub fn area_to(&self, now: SimTime) -> u128 {
        self.area + self.value as u128 * (now.0 - self.since.0) as u128
    }

    /// The average since the last call (or the start) up to `end`, over a
    /// window of `len_ns`; starts the next window at `end`.
    pub fn take_average(&mut self, end: SimTime, len_ns: u64) -> f64 {
        self.set(end, self.value);
        let avg = if len_ns == 0 {
            self.value as f64
        } else {
            self.area as f64 / len_ns as f64
        };
        self.area = 0;
        avg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_are_time_weighted() {
        let mut l = Level::default();
        l.set(SimTime(0), 2);
        l.set(SimTime(25), 4);
        l.decr(SimTime(75));
        // 2 for 25, 4 for 50, 3 for 25: (50 + 200 + 75) / 100.
        assert!((l.take_average(SimTime(100), 100) - 3.25).abs() < 1e-12);
        // The next window starts at 100 with the value 3.
        assert!((l.take_average(SimTime(200), 100) - 3.0).abs() < 1e-12);
    }
}
