//! `kind: queue`'s compiled form.

use crate::model::{ComponentId, Dist};

/// `kind: queue`: keeps every message until its consumer has finished it.
#[derive(Clone, Debug)]
pub struct Queue {
    /// Messages held at most (waiting or being consumed); `None` is unbounded.
    pub capacity: Option<u64>,
    /// The service whose workers take the messages.
    pub consumers: ComponentId,
    /// Time to store a published message.
    pub publish_time: Dist,
}

impl crate::components::kind::KindModel for Queue {
    fn feeds(&self) -> Option<ComponentId> {
        Some(self.consumers)
    }
    fn kind(&self) -> crate::model::Kind {
        crate::model::Kind::Queue
    }
    fn slots(&self) -> u32 {
        0
    }
    fn label(&self, _: u32) -> Option<crate::components::Label> {
        None
    }
    fn index_of(&self, _: crate::components::Label) -> Option<u32> {
        None
    }
    fn downstream(&self) -> Vec<ComponentId> {
        vec![self.consumers]
    }
}
