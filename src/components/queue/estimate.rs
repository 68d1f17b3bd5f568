//! `kind: queue` in the analytic estimate: only `publish_time` is in the
//! caller's path; the consumers pull, so their pool is one station of
//! every worker fed at the publish rate.

use super::model::Queue;
use crate::queueing::{KindEstimate, Line, Net};

impl KindEstimate for Queue {
    fn line(&self) -> Option<Line> {
        Some(Line {
            consumers: self.consumers as usize,
            capacity: self.capacity,
        })
    }

    fn route(&self, x: usize, net: &mut Net) {
        net.pass(x, self.consumers as usize);
    }
}
