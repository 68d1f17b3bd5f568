//! `kind: load_balancer` in the analytic estimate: no station of its own;
//! its service's load is spread evenly over the instances (exact for
//! `random`; the other policies balance better, so waits are overstated).

use super::model::{LoadBalancer, Policy};
use crate::queueing::{Eval, EvalCtx, Ignored, KindEstimate, Net};

impl KindEstimate for LoadBalancer {
    fn route(&self, x: usize, net: &mut Net) {
        net.pass(x, self.to as usize);
    }

    fn evaluate(&self, at: &EvalCtx, out: &mut Eval, _notes: &mut Vec<String>) {
        let to = self.to as usize;
        for (c, r) in out.resp.iter_mut().enumerate() {
            *r = at.call_resp(to, c);
        }
        out.row.detail = format!("to {}", at.name_of(to));
    }

    fn ignored(&self, name: &str, left: &mut Ignored) {
        left.rate_limits |= self.rate_limit.is_some();
        if self.policy != Policy::Random {
            left.uneven_splits
                .push(format!("`{name}` ({})", self.policy.name()));
        }
    }
}
