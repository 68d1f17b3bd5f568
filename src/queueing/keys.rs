//! The key space as the estimate sees it: the most popular keys one by
//! one, then buckets of keys of about the same popularity, with each
//! request class's probability per key of every segment.

use super::net::Flow;
use crate::model::{KeyDist, Model};

/// Keys of a key space taken one by one before buckets start.
pub const EXACT_KEYS: u64 = 4096;
/// Relative width of a key bucket past [`EXACT_KEYS`].
const BUCKET_RATIO: f64 = 1.002;

/// The key space cut into segments, with each class's per-key probability.
pub struct KeySpace {
    /// The first key of each segment.
    pub start: Vec<u64>,
    /// Keys in each segment.
    pub count: Vec<f64>,
    /// `p[class][segment]`: probability of one key of the segment.
    pub p: Vec<Vec<f64>>,
    /// Whether segments past the exact head are buckets of many keys.
    pub bucketed: bool,
}

impl KeySpace {
    /// The segments of every class's key space (one segment, key 0, when
    /// no class has keys).
    pub fn new(model: &Model) -> KeySpace {
        let classes = &model.traffic.classes;
        let mut breaks = vec![0u64];
        for c in classes {
            if let Some(k) = &c.key {
                breaks.push(k.keys());
                if let KeyDist::Hotspot { hot_keys, .. } = k {
                    breaks.push(*hot_keys);
                }
            }
        }
        let top = breaks.iter().copied().max().unwrap_or(0).max(1);
        breaks.push(top);
        breaks.sort_unstable();
        breaks.dedup();
        let (mut start, mut count) = (Vec::new(), Vec::new());
        let mut cur = 0u64;
        let mut b = 0usize;
        while cur < top {
            while breaks[b] <= cur {
                b += 1;
            }
            let step = if cur < EXACT_KEYS {
                cur + 1
            } else {
                ((cur as f64 * BUCKET_RATIO).ceil() as u64).max(cur + 1)
            };
            let next = step.min(breaks[b]);
            start.push(cur);
            count.push((next - cur) as f64);
            cur = next;
        }
        let p = classes
            .iter()
            .map(|c| {
                start
                    .iter()
                    .zip(&count)
                    .map(|(&a, &n)| match &c.key {
                        None => f64::from(u8::from(a == 0)),
                        Some(k) => per_key(k, a, n as u64),
                    })
                    .collect()
            })
            .collect();
        KeySpace {
            bucketed: top > EXACT_KEYS,
            start,
            count,
            p,
        }
    }

    /// Segments.
    pub fn segments(&self) -> usize {
        self.start.len()
    }

    /// Requests per second of class `c` under `flow`.
    pub fn rate(&self, c: usize, f: &Flow) -> f64 {
        let p = &self.p[c];
        let mass: f64 = match &f.thin {
            None => p.iter().zip(&self.count).map(|(p, n)| p * n).sum(),
            Some(t) => p
                .iter()
                .zip(&self.count)
                .zip(t.iter())
                .map(|((p, n), t)| p * n * t)
                .sum(),
        };
        f.scale * mass
    }
}

/// Mean probability of one key of `[a, a + n)` (a segment inside or outside
/// the key space, never across its end).
fn per_key(k: &KeyDist, a: u64, n: u64) -> f64 {
    match k {
        KeyDist::Zipf {
            exponent, harmonic, ..
        } if n > 1 && a < k.keys() => {
            // The bucket's mean of (k + 1)^-s, by the integral over
            // [a + 1/2, a + n + 1/2]: exact to far below the bucket's width.
            let (lo, hi, s) = (a as f64 + 0.5, (a + n) as f64 + 0.5, *exponent);
            let integral = if (s - 1.0).abs() < 1e-12 {
                (hi / lo).ln()
            } else {
                (hi.powf(1.0 - s) - lo.powf(1.0 - s)) / (1.0 - s)
            };
            integral / n as f64 / harmonic
        }
        _ => k.probability(a),
    }
}
