//! `kind: queue`: its spec checked and compiled into [`Queue`]. Who its
//! consumers may be is a rule between kinds, asked of
//! `scenario::compile::graph`.

use super::model::Queue;
use super::spec::QueueSpec;
use crate::engine::SimDuration;
use crate::model::Dist;
use crate::scenario::compile::MAX_QUEUE_CAPACITY;
use crate::scenario::compile::cx::KindCx;
use crate::scenario::compile::graph::{self, Carries};
use crate::scenario::compile::kinds::{KindRules, KindSpec};
use crate::scenario::error::ScenarioError;

impl KindSpec for QueueSpec {
    fn consumers(&self) -> Option<&str> {
        Some(&self.consumers)
    }
}

/// What the compiler asks of a queue: the defaults.
pub(crate) struct Rules;

impl KindRules for Rules {}

/// Compiles a queue.
pub(crate) fn compile(cx: &mut KindCx, q: &QueueSpec) -> Result<Queue, ScenarioError> {
    if let Some(cap) = q.capacity {
        cx.count("capacity", cap, MAX_QUEUE_CAPACITY, "message")?;
    }
    let consumers = graph::consumers(cx, &q.consumers)?;
    cx.edge(consumers, cx.at("consumers"), Carries::All);
    let publish_time = match &q.publish_time {
        None => Dist::Constant(SimDuration::ZERO),
        Some(p) => cx.dist("publish_time", p)?,
    };
    Ok(Queue {
        capacity: q.capacity,
        consumers,
        publish_time,
    })
}
