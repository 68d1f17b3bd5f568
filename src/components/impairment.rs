//! What faults are doing to a component's instances right now: crashed,
//! slowed, failing a share of calls. Shared by every kind with instances, so
//! that a crash or a slowdown means the same thing everywhere.

use crate::engine::{SimDuration, Stream};
use crate::metrics::Outcome;

/// One instance's impairment.
#[derive(Clone, Copy, Debug)]
struct Impairment {
    /// Crashes in force (overlapping crash faults nest).
    down: u32,
    /// Service-time factor (1 when not slowed).
    slow: f64,
    /// Share of calls failed at once (0 when none).
    errors: f64,
    /// Down at some moment of the current window.
    down_in_window: bool,
}

const NONE: Impairment = Impairment {
    down: 0,
    slow: 1.0,
    errors: 0.0,
    down_in_window: false,
};

/// The impairments of a component's instances.
pub struct Impairments {
    per: Vec<Impairment>,
    /// Some fault has touched this component: the hot path checks only this.
    active: bool,
    stream: Stream,
}

impl Impairments {
    /// No impairment on `instances` instances; `stream` draws which calls an
    /// `errors` fault fails (used only while one is in force).
    pub fn new(instances: usize, stream: Stream) -> Impairments {
        Impairments {
            per: vec![NONE; instances],
            active: false,
            stream,
        }
    }

    /// Whether any fault has touched the component (then look closer).
    #[inline(always)]
    pub fn active(&self) -> bool {
        self.active
    }

    /// Whether instance `i` is up.
    #[inline]
    pub fn is_up(&self, i: usize) -> bool {
        !self.active || self.per[i].down == 0
    }

    /// How a call arriving at instance `i` ends at once, if it does: failed
    /// on a crashed instance, or failed by an `errors` fault's draw. Out of
    /// line: callers check [`Impairments::active`] first.
    #[inline(never)]
    pub fn refuse(&mut self, i: usize) -> Option<Outcome> {
        if !self.active {
            return None;
        }
        let p = self.per[i];
        if p.down > 0 || (p.errors > 0.0 && self.stream.uniform() < p.errors) {
            Some(Outcome::Failed)
        } else {
            None
        }
    }

    /// A service time `t` on instance `i`, slowed if it is.
    #[inline(always)]
    pub fn scale(&self, i: usize, t: SimDuration) -> SimDuration {
        if !self.active {
            return t;
        }
        self.scale_slow(i, t)
    }

    #[inline(never)]
    fn scale_slow(&self, i: usize, t: SimDuration) -> SimDuration {
        let f = self.per[i].slow;
        if f == 1.0 {
            t
        } else {
            SimDuration::from_secs_f64(t.as_secs_f64() * f)
        }
    }

    /// Instance `i` crashes; true if it was up until now.
    pub fn crash(&mut self, i: usize) -> bool {
        self.active = true;
        let p = &mut self.per[i];
        p.down += 1;
        p.down_in_window = true;
        p.down == 1
    }

    /// Instance `i` is repaired; true if it is up again (no other crash in
    /// force).
    pub fn restore(&mut self, i: usize) -> bool {
        let p = &mut self.per[i];
        p.down = p.down.saturating_sub(1);
        p.down == 0
    }

    /// Instance `i`'s service times are multiplied by `factor` (1 ends it).
    pub fn set_slow(&mut self, i: usize, factor: f64) {
        self.active = true;
        self.per[i].slow = factor;
    }

    /// Instance `i` fails `share` of its calls at once (0 ends it).
    pub fn set_errors(&mut self, i: usize, share: f64) {
        self.active = true;
        self.per[i].errors = share;
    }

    /// 1 if instance `i` was up throughout the window now closing, else 0;
    /// starts the next window.
    pub fn take_up(&mut self, i: usize) -> u32 {
        if !self.active {
            return 1;
        }
        let p = &mut self.per[i];
        let up = !p.down_in_window && p.down == 0;
        p.down_in_window = p.down > 0;
        up as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crashes_nest_and_windows_remember_downtime() {
        let mut m = Impairments::new(2, Stream::new(1, "x", "faults"));
        assert!(m.is_up(0) && m.refuse(0).is_none());
        assert!(m.crash(0));
        assert!(!m.crash(0));
        assert_eq!(m.refuse(0), Some(Outcome::Failed));
        assert!(m.refuse(1).is_none());
        assert!(!m.restore(0));
        assert!(m.restore(0));
        assert!(m.is_up(0));
        // Down during the window that closes now, up for the next one.
        assert_eq!(m.take_up(0), 0);
        assert_eq!(m.take_up(0), 1);
        assert_eq!(m.take_up(1), 1);
    }

    #[test]
    fn errors_fail_their_share_and_slowdowns_scale() {
        let mut m = Impairments::new(1, Stream::new(1, "x", "faults"));
        m.set_errors(0, 0.3);
        let n = 100_000;
        let failed = (0..n).filter(|_| m.refuse(0).is_some()).count() as f64;
        // Binomial: sd = sqrt(0.3 * 0.7 / n) = 0.00145; 5 sd.
        assert!((failed / n as f64 - 0.3).abs() < 0.0073, "{failed}");
        m.set_slow(0, 5.0);
        assert_eq!(
            m.scale(0, SimDuration::from_millis(10)),
            SimDuration::from_millis(50)
        );
        m.set_slow(0, 1.0);
        assert_eq!(
            m.scale(0, SimDuration::from_millis(10)),
            SimDuration::from_millis(10)
        );
    }
}
