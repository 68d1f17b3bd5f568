//! The offered rate over time: a piecewise-linear function built from steps
//! (`at`, `rps`, `ramp`), and the inversion of its integral that turns unit
//! exponential gaps into non-homogeneous Poisson arrivals exactly (no thinning,
//! one draw per arrival, so variants see the same arrivals).

use crate::engine::{NANOS_PER_SEC, SimTime};

/// A step of the rate schedule, compiled.
#[derive(Clone, Debug, PartialEq)]
pub struct RateStep {
    /// When the change starts, in nanoseconds.
    pub at: u64,
    /// The new rate, requests per second.
    pub rps: f64,
    /// How long the linear change from the previous rate takes, nanoseconds.
    pub ramp: u64,
}

/// A linear piece of the rate function, `[start, end)`.
#[derive(Clone, Debug)]
struct Piece {
    start: u64,
    end: u64,
    rate0: f64,
    /// Change of rate per second.
    slope: f64,
}

/// The rate of arrivals as a function of time.
#[derive(Clone, Debug)]
pub struct RateSchedule {
    pieces: Vec<Piece>,
    /// For a constant rate, nanoseconds per expected arrival: the common case
    /// skips the piece walk.
    constant_gap_ns: Option<f64>,
    /// Replayed from a recorded trace: its many changes are not marked on
    /// plots.
    recorded: bool,
}

impl RateSchedule {
    /// A constant rate.
    pub fn constant(rps: f64) -> RateSchedule {
        RateSchedule::from_steps(&[RateStep {
            at: 0,
            rps,
            ramp: 0,
        }])
    }

    /// Builds the function from validated steps (sorted by `at`, each ramp
    /// ending by the next step). Before the first step the rate is zero.
    pub fn from_steps(steps: &[RateStep]) -> RateSchedule {
        let mut pieces = Vec::new();
        let mut t = 0u64;
        let mut level = 0.0f64;
        for s in steps {
            if s.at > t {
                pieces.push(Piece {
                    start: t,
                    end: s.at,
                    rate0: level,
                    slope: 0.0,
                });
                t = s.at;
            }
            if s.ramp > 0 {
                let end = s.at + s.ramp;
                pieces.push(Piece {
                    start: t,
                    end,
                    rate0: level,
                    slope: (s.rps - level) / (s.ramp as f64 / NANOS_PER_SEC as f64),
                });
                t = end;
            }
            level = s.rps;
        }
        pieces.push(Piece {
            start: t,
            end: u64::MAX,
            rate0: level,
            slope: 0.0,
        });
        let constant_gap_ns =
            (pieces.len() == 1 && level > 0.0).then(|| NANOS_PER_SEC as f64 / level);
        RateSchedule {
            pieces,
            constant_gap_ns,
            recorded: false,
        }
    }

    /// A recorded trace replayed as a piecewise constant rate: `rows` are
    /// `(time in ns, rps)`, times strictly increasing from 0; each rate holds
    /// until the next row's time, the last one until the end of the run.
    pub fn from_trace(rows: &[(u64, f64)]) -> RateSchedule {
        let steps: Vec<RateStep> = rows
            .iter()
            .map(|&(at, rps)| RateStep { at, rps, ramp: 0 })
            .collect();
        RateSchedule {
            recorded: true,
            ..RateSchedule::from_steps(&steps)
        }
    }

    /// The rate at `t`, requests per second.
    pub fn rate_at(&self, t: SimTime) -> f64 {
        let p = &self.pieces[self.piece_index(t.0, 0)];
        p.rate0 + p.slope * ((t.0 - p.start) as f64 / NANOS_PER_SEC as f64)
    }

    /// The expected number of arrivals in `[a, b)`.
    pub fn expected_between(&self, a: SimTime, b: SimTime) -> f64 {
        let mut total = 0.0;
        for p in &self.pieces {
            let lo = a.0.max(p.start);
            let hi = b.0.min(p.end);
            if lo >= hi {
                continue;
            }
            let x0 = (lo - p.start) as f64 / NANOS_PER_SEC as f64;
            let x1 = (hi - p.start) as f64 / NANOS_PER_SEC as f64;
            total += p.rate0 * (x1 - x0) + p.slope * (x1 * x1 - x0 * x0) / 2.0;
        }
        total
    }

    /// The times at which the rate starts to change, for reports (none for
    /// a recorded trace: a mark every second would hide the plot).
    pub fn change_points(&self) -> Vec<SimTime> {
        if self.recorded {
            return Vec::new();
        }
        self.pieces
            .iter()
            .skip(1)
            .map(|p| SimTime(p.start))
            .collect()
    }

    /// The highest rate the schedule reaches.
    pub fn peak(&self) -> f64 {
        self.pieces
            .iter()
            .map(|p| {
                let end_rate = if p.end == u64::MAX {
                    p.rate0
                } else {
                    p.rate0 + p.slope * ((p.end - p.start) as f64 / NANOS_PER_SEC as f64)
                };
                p.rate0.max(end_rate)
            })
            .fold(0.0, f64::max)
    }

    fn piece_index(&self, t: u64, from: usize) -> usize {
        // The cursor only helps callers that move forward in time.
        let mut i = if t < self.pieces[from].start { 0 } else { from };
        while t >= self.pieces[i].end {
            i += 1;
        }
        i
    }

    /// The time at which `area` more expected arrivals have accumulated after
    /// `from` (the inverse of the integrated rate), or `None` if the rate stays
    /// zero for ever after. `cursor` remembers the piece for the next call.
    #[inline]
    pub fn advance(&self, from: SimTime, area: f64, cursor: &mut usize) -> Option<SimTime> {
        if let Some(gap) = self.constant_gap_ns {
            return Some(SimTime(from.0.saturating_add((area * gap) as u64)));
        }
        let mut i = self.piece_index(from.0, *cursor);
        let mut t = from.0;
        let mut left = area;
        loop {
            let p = &self.pieces[i];
            let x0 = (t - p.start) as f64 / NANOS_PER_SEC as f64;
            let r0 = p.rate0 + p.slope * x0;
            if p.end == u64::MAX {
                *cursor = i;
                if r0 <= 0.0 {
                    return None;
                }
                return Some(SimTime(t.saturating_add(secs_to_ns(left / r0))));
            }
            let span = (p.end - t) as f64 / NANOS_PER_SEC as f64;
            let r1 = p.rate0 + p.slope * ((p.end - p.start) as f64 / NANOS_PER_SEC as f64);
            let here = (r0 + r1) / 2.0 * span;
            if left < here {
                // Solve r0 x + slope x^2 / 2 = left for the smallest x >= 0, in
                // the form that stays accurate when the slope is tiny.
                let x = if p.slope == 0.0 {
                    left / r0
                } else {
                    let disc = (r0 * r0 + 2.0 * p.slope * left).max(0.0);
                    2.0 * left / (r0 + disc.sqrt())
                };
                *cursor = i;
                let at = t.saturating_add(secs_to_ns(x)).min(p.end - 1).max(t);
                return Some(SimTime(at));
            }
            left -= here;
            t = p.end;
            i += 1;
        }
    }
}

#[inline]
fn secs_to_ns(s: f64) -> u64 {
    let ns = s * NANOS_PER_SEC as f64;
    if ns >= u64::MAX as f64 {
        u64::MAX
    } else {
        ns.round().max(0.0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = NANOS_PER_SEC;

    #[test]
    fn constant_rate_spaces_unit_areas_evenly() {
        let r = RateSchedule::constant(4.0);
        let mut c = 0;
        assert_eq!(r.advance(SimTime(0), 1.0, &mut c), Some(SimTime(S / 4)));
        assert!((r.expected_between(SimTime(0), SimTime(10 * S)) - 40.0).abs() < 1e-9);
    }

    #[test]
    fn ramps_integrate_and_invert() {
        // 0..10s at 10 rps, then a ramp to 30 rps over 10 s, then 30 rps.
        let r = RateSchedule::from_steps(&[
            RateStep {
                at: 0,
                rps: 10.0,
                ramp: 0,
            },
            RateStep {
                at: 10 * S,
                rps: 30.0,
                ramp: 10 * S,
            },
        ]);
        assert!((r.rate_at(SimTime(15 * S)) - 20.0).abs() < 1e-9);
        assert!((r.expected_between(SimTime(10 * S), SimTime(20 * S)) - 200.0).abs() < 1e-6);
        assert!((r.peak() - 30.0).abs() < 1e-12);
        // 100 arrivals bring us to 10 s; 50 more inside the ramp: 10x + x^2 = 50.
        let mut c = 0;
        let t = r.advance(SimTime(0), 150.0, &mut c).unwrap();
        let x = (-10.0 + (100.0f64 + 200.0).sqrt()) / 2.0;
        assert!((t.as_secs_f64() - (10.0 + x)).abs() < 1e-6, "{t:?}");
        // Round trip anywhere.
        for k in 1..50 {
            let a = k as f64 * 13.7;
            let mut c = 0;
            let t = r.advance(SimTime(0), a, &mut c).unwrap();
            assert!((r.expected_between(SimTime(0), t) - a).abs() < 1e-4);
        }
    }

    #[test]
    fn zero_rate_before_first_step_and_after_traffic_stops() {
        let r = RateSchedule::from_steps(&[
            RateStep {
                at: 5 * S,
                rps: 2.0,
                ramp: 0,
            },
            RateStep {
                at: 10 * S,
                rps: 0.0,
                ramp: 0,
            },
        ]);
        let mut c = 0;
        assert_eq!(
            r.advance(SimTime(0), 1.0, &mut c),
            Some(SimTime(5 * S + S / 2))
        );
        assert_eq!(r.advance(SimTime(0), 11.0, &mut c), None);
        assert_eq!(r.change_points(), vec![SimTime(5 * S), SimTime(10 * S)]);
    }

    #[test]
    fn ramp_down_to_zero_is_solved_inside_the_piece() {
        let r = RateSchedule::from_steps(&[
            RateStep {
                at: 0,
                rps: 10.0,
                ramp: 0,
            },
            RateStep {
                at: 0,
                rps: 0.0,
                ramp: 10 * S,
            },
        ]);
        // The total area of the ramp is 50.
        let mut c = 0;
        let t = r.advance(SimTime(0), 49.999, &mut c).unwrap();
        assert!(t.0 < 10 * S);
        assert_eq!(r.advance(SimTime(0), 50.001, &mut c), None);
    }
}
