//! `kind: queue` in the analytic estimate: only `publish_time` is in the
//! caller's path; the consumers pull, so their pool is one station of
//! every worker fed at the publish rate (M/M/c/K when `capacity` bounds
//! it), and the queue reports their wait.

use super::model::Queue;
use crate::queueing::{Eval, EvalCtx, KindEstimate, Line, Mom, MvaNet, Net, fmt_ms};

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

    fn evaluate(&self, at: &EvalCtx, out: &mut Eval, _notes: &mut Vec<String>) {
        let publish = Mom::of(&self.publish_time);
        for c in 0..at.classes().len() {
            if at.rates[c] > 0.0 {
                out.resp[c] = Some(publish);
            }
        }
        let row = &mut out.row;
        row.mean_wait_s = Some(0.0);
        let cons = self.consumers as usize;
        if let Some(e) = at.row_of(cons) {
            row.rejected_share = e.rejected_share;
            row.detail = match e.mean_wait_s {
                Some(w) => format!("messages wait {} for `{}`", fmt_ms(w), at.name_of(cons)),
                None => format!("`{}` cannot keep up", at.name_of(cons)),
            };
        }
    }

    fn mva(&self, _x: usize, _net: &Net, rate: f64, into: &mut MvaNet) {
        // Publishing takes time but no worker anyone waits for.
        into.delay += rate * self.publish_time.mean();
    }
}
