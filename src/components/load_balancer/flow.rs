//! What the [flow] policies (`weighted`, `least_response_time`,
//! `consistent_hash`) and `outlier_detection` keep, apart from the
//! balancer's own state: a balancer using none of them holds `None` and
//! pays one branch.

use super::model::{HashBy, OutlierDetection};
use super::ring::Ring;
use crate::engine::{SimDuration, SimTime};
use crate::metrics::EventKind;

/// A balancer's [flow] state.
pub(super) struct Flow {
    /// `weighted`: each instance's weight (empty otherwise).
    pub weights: Vec<f64>,
    /// `weighted`: cumulative weights over the instances taking traffic,
    /// each with its instance: rebuilt only when that set changes, so that
    /// a pick is one draw and a binary search.
    pub cumulative: Vec<(f64, u32)>,
    /// `least_response_time`: per instance, the peak EWMA of latency (ns)
    /// and when it was last updated.
    pub ewma: Vec<(f64, SimTime)>,
    /// `least_response_time`: the EWMA's time constant, in ns.
    pub tau: f64,
    /// `least_response_time`: when each call the balancer forwarded left,
    /// by the call's arena slot (grown on demand, reused with the slots).
    pub sent: Vec<SimTime>,
    /// `consistent_hash`: the ring, and what it hashes.
    pub ring: Option<(Ring, HashBy)>,
    /// `consistent_hash` by key: per request class, whether it has keys
    /// (a class without keys is placed by least connections).
    pub keyed: Vec<bool>,
    /// Outlier detection, and its per-instance state.
    pub outlier: Option<Outliers>,
}

/// `outlier_detection`'s state.
pub(super) struct Outliers {
    /// The settings.
    pub od: OutlierDetection,
    /// Per instance: replies not ok in a row.
    pub errors: Vec<u32>,
    /// Per instance: ejected now.
    pub ejected: Vec<bool>,
    /// How many are ejected now.
    pub count: u32,
    /// What happened, for `events.csv`: when, ejected or returned, which
    /// instance (formatted only at the end of the run).
    pub log: Vec<(SimTime, EventKind, u32)>,
    /// The pool's instance names (`web.2`) and the balancer's name, for
    /// the log.
    pub names: Vec<String>,
    /// The balancer's name.
    pub balancer: String,
}

impl Flow {
    /// Peak EWMA's cost of instance `i` at `now` with `pending` calls
    /// outstanding on it, as Finagle's `PeakEwma.Metric.get` computes it
    /// (finagle-core `loadbalancer/PeakEwma.scala`): the average first
    /// decays towards 0 over the time since its last update (an
    /// observation of 0), then `cost x (pending + 1)`; an instance never
    /// measured costs 0 (it is tried first) unless calls are already
    /// outstanding on it, then a large penalty (`Long.MaxValue >> 16` ns).
    #[inline]
    pub fn cost(&mut self, i: usize, now: SimTime, pending: u32) -> f64 {
        let (cost, stamp) = &mut self.ewma[i];
        let td = now.0.saturating_sub(stamp.0) as f64;
        // `libm`, not the platform's `exp`: the cost picks the instance, so
        // it must round the same on every machine (issue 19).
        *cost *= libm::exp(-td / self.tau);
        *stamp = now;
        if *cost == 0.0 && pending != 0 {
            (i64::MAX >> 16) as f64 + pending as f64
        } else {
            *cost * (pending as f64 + 1.0)
        }
    }

    /// Peak EWMA's update with a round trip of `rtt` observed at `now`
    /// (Finagle's `observe`): a sample above the average replaces it at
    /// once; one below is blended in with weight `1 - exp(-td/tau)`, `td`
    /// the time since the last update (the series is unevenly spaced).
    #[inline]
    pub fn observe(&mut self, i: usize, now: SimTime, rtt: SimDuration) {
        let (cost, stamp) = &mut self.ewma[i];
        let rtt = rtt.nanos() as f64;
        let td = now.0.saturating_sub(stamp.0) as f64;
        let w = libm::exp(-td / self.tau);
        *cost = if rtt > *cost {
            rtt
        } else {
            *cost * w + rtt * (1.0 - w)
        };
        *stamp = now;
    }

    /// `weighted`: rebuilds the cumulative table over the instances taking
    /// traffic: not `down` (marked down), not `inactive`, not ejected.
    pub fn rebuild_cumulative(&mut self, down: &[bool], inactive: &[bool]) {
        self.cumulative.clear();
        let mut sum = 0.0;
        for i in 0..self.weights.len() {
            if !(down[i] || inactive[i] || self.ejected(i)) {
                sum += self.weights[i];
                self.cumulative.push((sum, i as u32));
            }
        }
    }

    /// `weighted`: the instance whose slice of the cumulative table holds
    /// `u` in [0, 1) of the total; `None` when none takes traffic.
    #[inline]
    pub fn weighted(&self, u: f64) -> Option<usize> {
        let total = self.cumulative.last()?.0;
        let x = u * total;
        let k = self.cumulative.partition_point(|c| c.0 <= x);
        let k = k.min(self.cumulative.len() - 1);
        Some(self.cumulative[k].1 as usize)
    }

    /// Whether instance `i` is ejected now.
    #[inline]
    pub fn ejected(&self, i: usize) -> bool {
        self.outlier.as_ref().is_some_and(|o| o.ejected[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(weights: Vec<f64>) -> Flow {
        Flow {
            weights,
            cumulative: Vec::new(),
            ewma: vec![(0.0, SimTime::ZERO); 2],
            tau: 10e9,
            sent: Vec::new(),
            ring: None,
            keyed: Vec::new(),
            outlier: None,
        }
    }

    #[test]
    fn weighted_picks_slices_of_the_cumulative_table() {
        let mut f = flow(vec![3.0, 1.0, 1.0]);
        let none = [false; 3];
        f.rebuild_cumulative(&none, &none);
        assert_eq!(f.weighted(0.0), Some(0));
        assert_eq!(f.weighted(0.59), Some(0));
        assert_eq!(f.weighted(0.61), Some(1));
        assert_eq!(f.weighted(0.999), Some(2));
        f.rebuild_cumulative(&[true, false, false], &none);
        assert_eq!(f.weighted(0.4), Some(1));
        assert_eq!(f.weighted(0.6), Some(2));
        f.rebuild_cumulative(&[true; 3], &none);
        assert_eq!(f.weighted(0.5), None);
    }

    #[test]
    fn peak_ewma_jumps_up_and_decays_down() {
        let mut f = flow(Vec::new());
        let t = |s: f64| SimTime::ZERO + SimDuration::from_secs_f64(s);
        // Never measured: free when idle, penalised with calls on it.
        assert_eq!(f.cost(0, t(0.0), 0), 0.0);
        assert!(f.cost(0, t(0.0), 1) > 1e14);
        f.observe(0, t(1.0), SimDuration::from_secs_f64(0.1));
        assert_eq!(f.ewma[0].0, 1e8);
        // A lower sample one tau later: weight 1 - 1/e.
        f.observe(0, t(11.0), SimDuration::from_secs_f64(0.0));
        assert!((f.ewma[0].0 - 1e8 / std::f64::consts::E).abs() < 1.0);
        // Cost: decayed by one more tau, times outstanding + 1.
        let c = f.cost(0, t(21.0), 2);
        assert!(
            (c - 3.0 * 1e8 / std::f64::consts::E.powi(2)).abs() < 10.0,
            "{c}"
        );
    }
}
