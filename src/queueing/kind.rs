//! What every component kind is to the analytic estimate: how it passes
//! requests on, and (later) which stations it is. Each kind implements
//! [`KindEstimate`] in `components/<kind>/estimate.rs`; the network asks
//! the kind instead of matching on kinds.

use super::net::{Line, Net};
use crate::components::KindModel;
use crate::model::ComponentKind;

/// A kind's part in the estimate, on top of its compiled form.
pub trait KindEstimate: KindModel {
    /// The components its requests go on to, in the order they do: the
    /// routing visits them depth first in this order, which fixes the order
    /// of every row's notes.
    fn callees(&self) -> Vec<usize> {
        self.downstream().into_iter().map(|c| c as usize).collect()
    }

    /// The line it is, when its consumers pull from it.
    fn line(&self) -> Option<Line> {
        None
    }

    /// Passes what reaches component `x` on to its callees, keeping in
    /// `net` what its evaluation needs.
    fn route(&self, x: usize, net: &mut Net);
}

// Beside the trait rather than beside `ComponentKind::model()`: the one
// place that turns a compiled component into its estimate.
impl ComponentKind {
    /// The kind's compiled form behind the estimate's trait.
    pub fn estimate(&self) -> &dyn KindEstimate {
        match self {
            ComponentKind::Service(m) => m,
            ComponentKind::LoadBalancer(m) => m,
            ComponentKind::Cache(m) => m,
            ComponentKind::Database(m) => m,
            ComponentKind::Queue(m) => m,
        }
    }
}
