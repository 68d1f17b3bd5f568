//! `kind: load_balancer` in the analytic estimate: no station of its own;
//! it spreads its service's load evenly over the instances (exact for
//! `random`, overstated waits for the policies that balance better).

use super::model::LoadBalancer;
use crate::queueing::{KindEstimate, Net};

impl KindEstimate for LoadBalancer {
    fn route(&self, x: usize, net: &mut Net) {
        net.pass(x, self.to as usize);
    }
}
