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
