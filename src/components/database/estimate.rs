//! `kind: database` in the analytic estimate: the keys reaching it mapped
//! to shards by its own partitioner, each shard's primary and replicas an
//! M/G/c.

use super::model::Database;
use crate::engine::name_hash;
use crate::model::{Partition, Partitioner};
use crate::queueing::{KindEstimate, Net};

/// Reads and writes per shard, per class.
pub struct DbFlow {
    /// `per_class[class][shard]`: requests a second at unit total rate.
    pub per_class: Vec<Vec<f64>>,
}

impl KindEstimate for Database {
    fn route(&self, x: usize, net: &mut Net) {
        let model = net.model;
        let keys = &net.keys;
        let shards = self.shards as usize;
        let part = Partitioner::new(
            &self.partition,
            self.shards,
            name_hash(&model.components[x].name),
        );
        // Each segment's shard, or `None`: spread evenly.
        let shard_of: Vec<Option<usize>> = (0..keys.segments())
            .map(|s| {
                let (a, n) = (keys.start[s], keys.count[s] as u64);
                if n == 1 {
                    Some(part.shard_of(a) as usize)
                } else if matches!(self.partition, Partition::Range { .. }) {
                    Some(part.shard_of(a + n / 2) as usize)
                } else {
                    None
                }
            })
            .collect();
        let mut per_class = Vec::new();
        for c in 0..model.traffic.classes.len() {
            let mut v = vec![0.0; shards];
            if let Some(f) = net.flow(x, c) {
                let p = &keys.p[c];
                let mut even = 0.0;
                for s in 0..keys.segments() {
                    let rate =
                        f.scale * p[s] * keys.count[s] * f.thin.as_ref().map_or(1.0, |t| t[s]);
                    match shard_of[s] {
                        Some(i) => v[i] += rate,
                        None => even += rate,
                    }
                }
                for x in &mut v {
                    *x += even / shards as f64;
                }
            }
            per_class.push(v);
        }
        net.keep(x, DbFlow { per_class });
    }
}
