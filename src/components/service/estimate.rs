//! `kind: service` in the analytic estimate: per instance an M/G/c whose
//! holding time is the service time plus the calls made while a worker is
//! held.

use super::model::{Call, Service};
use crate::model::Op;
use crate::queueing::{KindEstimate, Net};

/// Whether a request of class `c` doing `op` makes `call`.
fn makes(call: &Call, c: usize, op: Op) -> bool {
    call.when.as_ref().is_none_or(|w| w.matches(c as u16, op))
}

impl KindEstimate for Service {
    fn callees(&self) -> Vec<usize> {
        // Sessions are left out of the estimate (and said so): their store
        // is no callee.
        self.calls.iter().map(|c| c.to as usize).collect()
    }

    fn route(&self, x: usize, net: &mut Net) {
        let model = net.model;
        for (c, class) in model.traffic.classes.iter().enumerate() {
            let Some(f) = net.flow(x, c).cloned() else {
                continue;
            };
            for call in &self.calls {
                if makes(call, c, class.op) {
                    net.send(call.to as usize, c, f.clone());
                }
            }
        }
    }
}
