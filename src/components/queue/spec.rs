//! `kind: queue` as written in a scenario.

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::scenario::spec::*;

/// `kind: queue`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    /// Always `queue`.
    #[schemars(extend("const" = "queue"))]
    pub kind: String,
    /// Messages held at most (unbounded).
    #[serde(default)]
    pub capacity: Option<u64>,
    /// The service that consumes the messages.
    pub consumers: String,
    /// Time to store a published message (0s).
    #[serde(default)]
    pub publish_time: Option<DistSpec>,
    #[serde(default, deserialize_with = "autoscale_on_non_service")]
    #[doc(hidden)]
    #[schemars(skip)]
    pub autoscale: Option<IgnoredAny>,
}
