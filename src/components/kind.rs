//! What every component kind tells the rest of capsim about its compiled
//! form, so that the compiler, the fault injector, the estimate and the
//! reports ask the kind instead of matching on kinds. The hot path does not
//! use this trait: the running components are dispatched by `match` on
//! [`super::Component`] (see `registry.rs`).

use super::instance_name::{InstanceName, Label};
use crate::model::{ComponentId, Kind, Size};

/// A kind's compiled form (`components/<kind>/model.rs`).
pub trait KindModel {
    /// Which kind it is.
    fn kind(&self) -> Kind;

    /// Instance slots it reports in `components.csv` (an autoscaled pool's
    /// `max`); 0 for a kind that is one whole and reports only `*`.
    fn slots(&self) -> u32;

    /// Instances a fault can strike: those running from the start (1 for a
    /// kind that is one whole).
    fn fault_instances(&self) -> u32 {
        self.slots().max(1)
    }

    /// The label of slot `i`, `None` for a kind that is one whole.
    fn label(&self, i: u32) -> Option<Label>;

    /// The slot `label` names among [`KindModel::fault_instances`], if any.
    fn index_of(&self, label: Label) -> Option<u32>;

    /// What one of its instances is called in messages.
    fn noun(&self) -> &'static str {
        "instance"
    }

    /// Its instance size and how many instances it is billed for, when it
    /// has a size.
    fn sized(&self) -> Option<(&Size, u32)> {
        None
    }

    /// The components it sends work to, with the key that says so (for the
    /// cycle check and the estimate's order).
    fn downstream(&self) -> Vec<ComponentId>;
}

/// `a service`, `a cache`, ... for messages.
pub fn a_kind(kind: Kind) -> &'static str {
    match kind {
        Kind::Service => "a service",
        Kind::LoadBalancer => "a load balancer",
        Kind::Cache => "a cache",
        Kind::Database => "a database",
        Kind::Queue => "a queue",
    }
}

/// The name of slot `i` of component `name` (`web.3`, `db.shard0.primary`,
/// `lb`).
pub fn instance_name(name: &str, kind: &dyn KindModel, i: u32) -> InstanceName {
    InstanceName::new(name, kind.label(i))
}
