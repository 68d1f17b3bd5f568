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
        match self.policy {
            Policy::Random => {}
            // The service is one station of `instances` servers: it cannot
            // be given unequal shares, so the heaviest instance's load is
            // named instead.
            Policy::Weighted => {
                let total: f64 = self.weights.iter().sum();
                let top = self.weights.iter().copied().fold(0.0, f64::max);
                left.uneven_splits.push(format!(
                    "`{name}` (weighted: its heaviest instance takes {:.0}% of the load, {:.2}x an even share; the estimate spreads it evenly, so that instance's utilization and waits are understated)",
                    100.0 * top / total,
                    top / total * self.weights.len() as f64
                ));
            }
            _ => left
                .uneven_splits
                .push(format!("`{name}` ({})", self.policy.name())),
        }
    }
}
