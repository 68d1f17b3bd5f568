//! `kind: cache` in the analytic estimate: hit ratios by Che's
//! approximation (LRU, extended to writes) or the random-eviction chain
//! (FIFO, RANDOM); misses and writes go on to `on_miss` thinned key by key.

use std::rc::Rc;

use super::model::{Cache, Eviction};
use crate::model::{Dist, Op};
use crate::queueing::{
    Eval, EvalCtx, Flow, KindEstimate, Mom, MvaNet, MvaStation, Net, mix, station,
};

/// What the walk down the call graph learns of a cache.
pub struct CacheFlow {
    /// Read hit ratio per class (reads only).
    pub hit: Vec<f64>,
    /// Read hit ratio of all reads.
    pub overall: f64,
}

impl KindEstimate for Cache {
    fn route(&self, x: usize, net: &mut Net) {
        let (r, w) = net.key_rates(x);
        let capacity = self.capacity.map(|c| c as f64 * self.instances as f64);
        let hit = hit_ratios(&r, &w, &net.keys.count, capacity, self.eviction);
        let miss: Vec<f64> = hit.iter().map(|h| 1.0 - h).collect();
        let reads: f64 = (0..r.len()).map(|s| r[s] * net.keys.count[s]).sum();
        let hits: f64 = (0..r.len())
            .map(|s| r[s] * net.keys.count[s] * hit[s])
            .sum();
        let model = net.model;
        let mut per_class = vec![0.0; model.traffic.classes.len()];
        // One thinned vector per distinct incoming one (usually one in all).
        let mut made: Vec<(usize, Rc<Vec<f64>>)> = Vec::new();
        let on_miss = self.on_miss as usize;
        for (c, class) in model.traffic.classes.iter().enumerate() {
            let Some(f) = net.flow(x, c).cloned() else {
                continue;
            };
            if class.op == Op::Write {
                net.send(on_miss, c, f);
                continue;
            }
            let key = f.thin.as_ref().map_or(0, |t| Rc::as_ptr(t) as usize);
            let thin = match made.iter().find(|m| m.0 == key) {
                Some(m) => m.1.clone(),
                None => {
                    let t: Vec<f64> = match &f.thin {
                        None => miss.clone(),
                        Some(t) => t.iter().zip(&miss).map(|(a, b)| a * b).collect(),
                    };
                    let t = Rc::new(t);
                    made.push((key, t.clone()));
                    t
                }
            };
            let out = Flow {
                scale: f.scale,
                thin: Some(thin),
            };
            let before = net.keys.rate(c, &f);
            let after = net.keys.rate(c, &out);
            per_class[c] = if before > 0.0 {
                1.0 - after / before
            } else {
                0.0
            };
            net.send(on_miss, c, out);
        }
        net.keep(
            x,
            CacheFlow {
                hit: per_class,
                overall: if reads > 0.0 { hits / reads } else { 0.0 },
            },
        );
    }

    fn evaluate(&self, at: &EvalCtx, out: &mut Eval, _notes: &mut Vec<String>) {
        let rates = at.rates;
        let row = &mut out.row;
        row.instances = self.instances;
        let cf = at.net.kept::<CacheFlow>(at.x);
        row.hit_ratio = Some(cf.overall);
        let hit = Mom::of(&self.hit_time);
        // Lookups and deletes, plus a store per read miss.
        let mut ops = 0.0;
        for (c, class) in at.classes().iter().enumerate() {
            ops += match class.op {
                Op::Read => rates[c] * (2.0 - cf.hit[c]),
                Op::Write => rates[c],
            };
        }
        row.offered_rps = ops;
        let st = at.fixed(
            0,
            station(
                ops / self.instances as f64,
                u64::from(self.workers),
                hit,
                None,
            ),
        );
        row.utilization = Some(st.util);
        row.capacity_rps = Some(st.capacity);
        row.saturated = st.saturated;
        if let Some(wait) = st.wait {
            row.mean_wait_s = Some(wait.mean);
            let look = hit + wait;
            let miss_to = self.on_miss as usize;
            for (c, class) in at.classes().iter().enumerate() {
                if rates[c] <= 0.0 {
                    continue;
                }
                let h = cf.hit[c];
                out.resp[c] = match class.op {
                    Op::Write => at.call_resp(miss_to, c).map(|r| look + r),
                    Op::Read if h >= 1.0 => Some(look),
                    Op::Read => at
                        .call_resp(miss_to, c)
                        .map(|r| mix(&[(h, look), (1.0 - h, look + r + look)])),
                };
            }
        }
        row.detail = format!(
            "hit ratio {:.1}% ({}{})",
            cf.overall * 100.0,
            if matches!(self.eviction, Eviction::Lru) {
                "Che, LRU".to_string()
            } else if matches!(self.eviction, Eviction::Lfu) {
                "Che's LRU figure for lfu".to_string()
            } else {
                format!("{}: random-eviction approximation", self.eviction.name())
            },
            if self.ttl.is_some() {
                ", ttl ignored"
            } else {
                ""
            }
        );
    }

    fn mva(&self, x: usize, net: &Net, _rate: f64, into: &mut MvaNet) {
        let cf = net.kept::<CacheFlow>(x);
        let ops: f64 = net
            .model
            .traffic
            .classes
            .iter()
            .enumerate()
            .map(|(i, cl)| match cl.op {
                Op::Read => net.rates[x][i] * (2.0 - cf.hit[i]),
                Op::Write => net.rates[x][i],
            })
            .sum();
        let n = self.instances as f64;
        let hm = self.hit_time.mean();
        into.stations.push(MvaStation {
            key: (x, 0),
            mult: n,
            demand: ops / n * hm,
            servers: self.workers as f64,
            service: hm,
        });
    }

    fn holding_times(&self) -> Vec<&Dist> {
        vec![&self.hit_time]
    }
}

/// Per-segment read hit ratios of a cache (see `planning::estimate`'s notes).
fn hit_ratios(r: &[f64], w: &[f64], n: &[f64], capacity: Option<f64>, ev: Eviction) -> Vec<f64> {
    let lru = !matches!(ev, Eviction::Fifo | Eviction::Random);
    let hit = |s: usize, t: f64| -> f64 {
        let (r, w) = (r[s], w[s]);
        if r <= 0.0 {
            return 0.0;
        }
        if t.is_infinite() {
            return r / (r + w);
        }
        if lru {
            r / (r + w) * (1.0 - (-(r + w) * t).exp())
        } else {
            r * t / (1.0 + (r + w) * t)
        }
    };
    // Expected entries held at characteristic time t.
    let occupancy = |t: f64| -> f64 {
        (0..r.len())
            .map(|s| {
                let (rs, ws) = (r[s], w[s]);
                if rs <= 0.0 {
                    return 0.0;
                }
                let held = if t.is_infinite() {
                    rs / (rs + ws)
                } else if lru {
                    rs / (rs + ws) * (1.0 - (-(rs + ws) * t).exp())
                } else {
                    rs * t / (1.0 + (rs + ws) * t)
                };
                n[s] * held
            })
            .sum()
    };
    let t = match capacity {
        None => f64::INFINITY,
        Some(cap) if occupancy(f64::INFINITY) <= cap => f64::INFINITY,
        Some(cap) => {
            let (mut lo, mut hi) = (0.0, 1.0);
            while occupancy(hi) < cap {
                hi *= 2.0;
            }
            for _ in 0..100 {
                let mid = 0.5 * (lo + hi);
                if occupancy(mid) < cap {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            0.5 * (lo + hi)
        }
    };
    (0..r.len()).map(|s| hit(s, t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn che_without_writes_reduces_to_che() {
        // Two keys, 0.75 and 0.25, capacity 1: T solves
        // (1 - e^-0.75T) + (1 - e^-0.25T) = 1.
        let r = [0.75, 0.25];
        let h = hit_ratios(&r, &[0.0, 0.0], &[1.0, 1.0], Some(1.0), Eviction::Lru);
        let t = -(1.0 - h[0]).ln() / 0.75;
        assert!(((1.0 - (-0.75 * t).exp()) + (1.0 - (-0.25 * t).exp()) - 1.0).abs() < 1e-9);
        // A key written as often as read hits at most half the time.
        let h = hit_ratios(&[1.0], &[1.0], &[1.0], None, Eviction::Lru);
        assert!((h[0] - 0.5).abs() < 1e-12);
    }
}
