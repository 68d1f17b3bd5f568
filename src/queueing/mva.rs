//! Mean-value analysis of a closed network: exact over the stations' own
//! service demands (multi-server stations by Seidmann's approximation),
//! Schweitzer's fixed point when exact would take too long.

use std::collections::HashMap;

/// MVA steps (users x stations) done exactly before Schweitzer's fixed point.
const EXACT_MVA_STEPS: u64 = 20_000_000;

/// The stations' waits fixed by MVA (closed arrivals), keyed by component
/// and node (services and caches: node 0).
pub type Waits = HashMap<(usize, usize), f64>;

/// One MVA station: `mult` identical copies, demand per request per copy,
/// `servers` per copy.
pub struct MvaStation {
    /// The component and node whose wait it fixes.
    pub key: (usize, usize),
    /// Identical copies (instances or replicas).
    pub mult: f64,
    /// Service demand per request on one copy, seconds.
    pub demand: f64,
    /// Servers per copy.
    pub servers: f64,
    /// Mean holding time of one visit.
    pub service: f64,
}

/// The closed network at unit throughput (demands per request): its
/// stations, and the pure delay every request spends outside them.
#[derive(Default)]
pub struct MvaNet {
    /// The stations, in routing order.
    pub stations: Vec<MvaStation>,
    /// Seconds of delay per request (no queueing).
    pub delay: f64,
}

/// Mean-value analysis of `users` over `stations` with think time `z`:
/// throughput and the queue lengths each station's queueing part sees.
pub fn mva(stations: &[MvaStation], delay: f64, z: f64, users: u32) -> (f64, Vec<f64>) {
    // Seidmann: a queue of demand D/m and a delay of D (m - 1)/m.
    let dq: Vec<f64> = stations.iter().map(|s| s.demand / s.servers).collect();
    let fixed_delay: f64 = delay
        + stations
            .iter()
            .map(|s| s.mult * s.demand * (s.servers - 1.0) / s.servers)
            .sum::<f64>();
    let mut q = vec![0.0; stations.len()];
    let mut x = 0.0;
    let exact = u64::from(users) * (stations.len() as u64).max(1) <= EXACT_MVA_STEPS;
    if exact {
        for n in 1..=users {
            let r: Vec<f64> = dq.iter().zip(&q).map(|(d, q)| d * (1.0 + q)).collect();
            let total: f64 =
                r.iter().zip(stations).map(|(r, s)| r * s.mult).sum::<f64>() + fixed_delay;
            x = n as f64 / (z + total);
            if n < users {
                q = r.iter().map(|r| x * r).collect();
            } else {
                // The queues an arrival sees are those of n - 1 users.
                return (x, q);
            }
        }
        (x, q)
    } else {
        // Schweitzer: an arrival sees (N - 1)/N of the queues of N users.
        let nf = users as f64;
        let mut qn: Vec<f64> = vec![nf / (stations.len() as f64 + 1.0); stations.len()];
        for _ in 0..10_000 {
            let r: Vec<f64> = dq
                .iter()
                .zip(&qn)
                .map(|(d, q)| d * (1.0 + q * (nf - 1.0) / nf))
                .collect();
            let total: f64 =
                r.iter().zip(stations).map(|(r, s)| r * s.mult).sum::<f64>() + fixed_delay;
            x = nf / (z + total);
            let next: Vec<f64> = r.iter().map(|r| x * r).collect();
            let change = next
                .iter()
                .zip(&qn)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            qn = next;
            if change < 1e-9 * nf {
                break;
            }
        }
        (x, qn.iter().map(|q| q * (nf - 1.0) / nf).collect())
    }
}
