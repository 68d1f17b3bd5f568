//! `kind: dns` in the analytic estimate: no station of its own; what
//! reaches it is split over its entry points as its policy sends it with
//! every entry point up (by origin share for `nearest`, by weight for
//! `weighted`, all to the first for `failover`).

use super::model::{Dns, DnsPolicy};
use crate::model::{DcId, Model};
use crate::queueing::geo::{add_place, placement};
use crate::queueing::net::Flow;
use crate::queueing::{Eval, EvalCtx, KindEstimate, Net};

impl KindEstimate for Dns {
    fn route(&self, x: usize, net: &mut Net) {
        let shares = super::entry_shares(self, net.model);
        for c in 0..net.model.traffic.classes.len() {
            let Some(f) = net.flow(x, c).cloned() else {
                continue;
            };
            for (e, &share) in self.to.iter().zip(&shares) {
                if share > 0.0 {
                    let g = Flow {
                        scale: f.scale * share,
                        thin: f.thin.clone(),
                    };
                    net.send(*e as usize, c, g);
                }
            }
        }
    }

    fn places(&self, _y: usize, net: &Net, _c: usize, _from: DcId) -> Vec<(DcId, f64)> {
        // A call to it goes on to an entry point: the hop is to there.
        let shares = super::entry_shares(self, net.model);
        let mut out = Vec::new();
        for (e, &s) in self.to.iter().zip(&shares) {
            if s > 0.0 {
                add_place(&mut out, placement(net.model, *e as usize), s);
            }
        }
        out
    }

    fn entry_split(&self, model: &Model, o: usize) -> Option<Vec<(usize, f64)>> {
        let to = |e: usize| self.to[e] as usize;
        Some(match &self.policy {
            DnsPolicy::Failover => vec![(to(0), 1.0)],
            DnsPolicy::Nearest => {
                let first = super::nearest_orders(self, model)
                    .get(o)
                    .and_then(|order| order.first().copied())
                    .unwrap_or(0);
                vec![(to(first as usize), 1.0)]
            }
            DnsPolicy::Weighted(w) => {
                let total: f64 = w.iter().sum();
                w.iter()
                    .enumerate()
                    .filter(|(_, w)| **w > 0.0)
                    .map(|(e, w)| (to(e), w / total))
                    .collect()
            }
        })
    }

    fn evaluate(&self, at: &EvalCtx, out: &mut Eval, _notes: &mut Vec<String>) {
        let shares = super::entry_shares(self, at.model());
        for (c, r) in out.resp.iter_mut().enumerate() {
            let parts: Vec<(f64, crate::queueing::moments::Mom)> = self
                .to
                .iter()
                .zip(&shares)
                .filter(|(_, s)| **s > 0.0)
                .filter_map(|(e, &s)| at.resp_of(*e as usize, c).map(|m| (s, m)))
                .collect();
            *r = (!parts.is_empty()).then(|| crate::queueing::moments::mix(&parts));
        }
        let names: Vec<String> = self
            .to
            .iter()
            .zip(&shares)
            .map(|(e, s)| format!("{:.0}% to {}", s * 100.0, at.name_of(*e as usize)))
            .collect();
        out.row.detail = names.join(", ");
    }
}
