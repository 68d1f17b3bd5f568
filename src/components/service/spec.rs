//! `kind: service` as written in a scenario: the pool, its calls (with
//! their options), sessions and autoscaling.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor, value::MapAccessDeserializer};

use crate::scenario::spec::*;

pub use super::autoscale::AutoscaleSpec;

/// `kind: service`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// Always `service`.
    #[schemars(extend("const" = "service"))]
    pub kind: String,
    /// Instances in the pool (1).
    #[serde(default)]
    pub instances: Option<u64>,
    /// Workers per instance (1).
    #[serde(default)]
    pub workers: Option<u64>,
    /// Waiting slots per instance (unbounded), or `{ capacity, discipline,
    /// target, interval }` ([flow]).
    #[serde(default)]
    pub queue: Option<ServiceQueueSpec>,
    /// Time a request holds a worker.
    pub service_time: DistSpec,
    /// Synchronous downstream calls, in order.
    #[serde(default)]
    pub calls: Option<Vec<CallSpec>>,
    /// An instance size of the catalogue: sets workers and speed.
    #[serde(default)]
    pub size: Option<String>,
    /// Target-tracking autoscaling of the pool.
    #[serde(default)]
    pub autoscale: Option<AutoscaleSpec>,
    /// A token bucket per instance.
    #[serde(default)]
    pub rate_limit: Option<RateLimitSpec>,
    /// Where users' sessions live: `local` or a store component.
    #[serde(default)]
    pub sessions: Option<SessionsSpec>,
}

/// `sessions` of a service.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionsSpec {
    /// `local` (on the instance that served the user) or the name of the
    /// cache or database that keeps them shared.
    pub store: String,
}

/// A service's `queue`: an integer (waiting slots per instance, the short
/// form) or a mapping (the long form, [flow]).
#[derive(Debug, Default)]
pub struct ServiceQueueSpec {
    /// Waiting slots per instance; `None` is unbounded.
    pub capacity: Option<u64>,
    /// Which waiting request a freed worker takes (fifo when absent).
    pub discipline: Option<DisciplineSpec>,
    /// `codel`'s standing wait tolerated, as written: a text parsed by the
    /// compiler, so a missing, zero or negative one gets one message.
    pub target: Option<String>,
    /// `codel`'s time above `target` before drops start (100ms).
    pub interval: Option<DurationValue>,
    /// Written as a mapping: the capacity's key path is then
    /// `queue.capacity`, not `queue`.
    pub long: bool,
}

/// `queue: { discipline }` as written.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DisciplineSpec {
    /// First come, first served.
    Fifo,
    /// The newest waiting request first.
    Lifo,
    /// The highest priority level (lowest number) first.
    Priority,
    /// FIFO with CoDel's drops.
    Codel,
}

/// A service's `queue` as a mapping ([flow]).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct QueueMap {
    /// Waiting slots per instance (unbounded).
    #[serde(default)]
    capacity: Option<u64>,
    /// Which waiting request a freed worker takes (fifo).
    #[serde(default)]
    discipline: Option<DisciplineSpec>,
    /// `codel`: the standing wait tolerated (required with codel, positive).
    #[serde(default)]
    #[schemars(with = "Option<DurationValue>")]
    target: Option<String>,
    /// `codel`: the time above `target` before drops start (100ms).
    #[serde(default)]
    interval: Option<DurationValue>,
}

impl JsonSchema for ServiceQueueSpec {
    fn schema_name() -> Cow<'static, str> {
        "ServiceQueueSpec".into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let long = g.subschema_for::<QueueMap>();
        json_schema!({
            "description": "Waiting slots per instance, such as `100`, or `{ capacity, discipline, target, interval }`.",
            "oneOf": [
                { "type": "integer", "minimum": 0, "description": "Waiting slots per instance." },
                long
            ]
        })
    }
}

impl<'de> Deserialize<'de> for ServiceQueueSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ServiceQueueSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "waiting slots per instance, such as `100`, or `{ capacity: 100, discipline: fifo | lifo | priority | codel }`",
                )
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ServiceQueueSpec, E> {
                Ok(ServiceQueueSpec {
                    capacity: Some(v),
                    ..ServiceQueueSpec::default()
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ServiceQueueSpec, E> {
                Err(E::custom(format!(
                    "a queue of {v} slots: a queue holds zero or more requests"
                )))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ServiceQueueSpec, A::Error> {
                let m = QueueMap::deserialize(MapAccessDeserializer::new(map))?;
                Ok(ServiceQueueSpec {
                    capacity: m.capacity,
                    discipline: m.discipline,
                    target: m.target,
                    interval: m.interval,
                    long: true,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// A downstream call: a component name, or a mapping with options.
#[derive(Debug)]
pub struct CallSpec {
    /// The component called; `None` for a `parallel` entry (or for a
    /// mapping with neither, which the compiler refuses).
    pub to: Option<String>,
    /// Which requests make it.
    pub when: Option<Vec<String>>,
    /// Timeout, retries and breaker; `None` when written as a bare name.
    pub options: Option<Box<CallOptionsSpec>>,
    /// `parallel`, `join`, `hedge`, `pool`, `bulkhead` ([flow]); `None`
    /// when none is written.
    pub flow: Option<Box<CallFlowSpec>>,
}

/// The resilience options of a call, as written.
#[derive(Debug, Default)]
pub struct CallOptionsSpec {
    /// The worker stops waiting for an attempt after this long.
    pub timeout: Option<DurationValue>,
    /// Attempts after the first, at most.
    pub retries: Option<u64>,
    /// The wait before each retry.
    pub backoff: Option<BackoffSpec>,
    /// Retries at most this share of first tries.
    pub retry_budget: Option<PercentValue>,
    /// Fails calls fast while the callee is failing.
    pub circuit_breaker: Option<BreakerSpec>,
}

/// The [flow] keys of a call, as written.
#[derive(Debug, Default)]
pub struct CallFlowSpec {
    /// Components called at once, instead of `to`.
    pub parallel: Option<Vec<String>>,
    /// Successful replies a `parallel` call waits for (all).
    pub join: Option<JoinSpec>,
    /// A second try goes after this long without a reply.
    pub hedge: Option<DurationValue>,
    /// Connections per caller instance; the excess waits.
    pub pool: Option<u64>,
    /// Calls in flight per caller instance; the excess is rejected.
    pub bulkhead: Option<u64>,
}

impl JsonSchema for JoinSpec {
    fn schema_name() -> Cow<'static, str> {
        "JoinSpec".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Successful replies a `parallel` call waits for: `all`, `any` (the first), or a number such as `2`.",
            "oneOf": [
                { "type": "string", "enum": ["all", "any"] },
                { "type": "integer", "minimum": 0 }
            ]
        })
    }
}

/// `join` of a `parallel` call: `all`, `any`, or a count of replies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinSpec {
    /// Every branch.
    All,
    /// The first success.
    Any,
    /// This many successes (checked against the branches by the compiler).
    Count(u64),
}

impl<'de> Deserialize<'de> for JoinSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = JoinSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`all`, `any`, or a number of replies, such as `2`")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<JoinSpec, E> {
                Ok(JoinSpec::Count(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<JoinSpec, E> {
                Err(E::custom(format!(
                    "`join: {v}`: a call waits for a number of replies that is not negative"
                )))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<JoinSpec, E> {
                Err(E::custom(format!(
                    "`join: {v}`: a call waits for a whole number of replies"
                )))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<JoinSpec, E> {
                match v {
                    "all" => Ok(JoinSpec::All),
                    "any" => Ok(JoinSpec::Any),
                    _ => Err(E::unknown_variant(v, &["all", "any"])),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A call as a mapping: where it goes, which requests make it, and its
/// options.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CallMap {
    /// The component called (or `parallel`).
    #[serde(default)]
    to: Option<String>,
    /// [flow] Components called at once, instead of `to`.
    #[serde(default)]
    parallel: Option<Vec<String>>,
    /// [flow] Successful replies a `parallel` call waits for (all).
    #[serde(default)]
    join: Option<JoinSpec>,
    /// Which requests make it: `read`, `write`, a request class or a list
    /// of classes (all).
    #[serde(default)]
    when: Option<StringOrList>,
    /// The worker stops waiting for an attempt after this long.
    #[serde(default)]
    timeout: Option<DurationValue>,
    /// Attempts after the first, at most (needs `timeout`).
    #[serde(default)]
    retries: Option<u64>,
    /// The wait before each retry.
    #[serde(default)]
    backoff: Option<BackoffSpec>,
    /// Retries at most this share of first tries.
    #[serde(default)]
    retry_budget: Option<PercentValue>,
    /// Fails calls fast while the callee is failing.
    #[serde(default)]
    circuit_breaker: Option<BreakerSpec>,
    /// [flow] A second try goes after this long without a reply.
    #[serde(default)]
    hedge: Option<DurationValue>,
    /// [flow] Connections per caller instance; the excess waits.
    #[serde(default)]
    pool: Option<u64>,
    /// [flow] Calls in flight per caller instance; the excess is rejected.
    #[serde(default)]
    bulkhead: Option<u64>,
}

/// One name or a list of names.
#[derive(Debug)]
pub struct StringOrList(pub Vec<String>);

impl JsonSchema for StringOrList {
    fn schema_name() -> Cow<'static, str> {
        "StringOrList".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "One name, or a list of names.",
            "oneOf": [
                { "type": "string" },
                { "type": "array", "items": { "type": "string" } }
            ]
        })
    }
}

impl<'de> Deserialize<'de> for StringOrList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StringOrList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`read`, `write`, a request class, or a list of request classes")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StringOrList, E> {
                Ok(StringOrList(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StringOrList, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(StringOrList(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for CallSpec {
    fn schema_name() -> Cow<'static, str> {
        "CallSpec".into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let long = g.subschema_for::<CallMap>();
        json_schema!({
            "description": "A downstream call: a component name, `{ to: NAME, when: read | write | CLASS, ... }`, or `{ parallel: [A, B], join: all | any | K }`.",
            "oneOf": [
                { "type": "string", "description": "The component called." },
                long
            ]
        })
    }
}

impl<'de> Deserialize<'de> for CallSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CallSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a component name, `{ to: NAME, when: read | write | CLASS }`, or `{ parallel: [A, B], join: all | any | K }`",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CallSpec, E> {
                Ok(CallSpec {
                    to: Some(v.to_string()),
                    when: None,
                    options: None,
                    flow: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<CallSpec, A::Error> {
                let m = CallMap::deserialize(MapAccessDeserializer::new(map))?;
                let any = m.timeout.is_some()
                    || m.retries.is_some()
                    || m.backoff.is_some()
                    || m.retry_budget.is_some()
                    || m.circuit_breaker.is_some();
                let flow = m.parallel.is_some()
                    || m.join.is_some()
                    || m.hedge.is_some()
                    || m.pool.is_some()
                    || m.bulkhead.is_some();
                Ok(CallSpec {
                    to: m.to,
                    when: m.when.map(|w| w.0),
                    options: any.then(|| {
                        Box::new(CallOptionsSpec {
                            timeout: m.timeout,
                            retries: m.retries,
                            backoff: m.backoff,
                            retry_budget: m.retry_budget,
                            circuit_breaker: m.circuit_breaker,
                        })
                    }),
                    flow: flow.then(|| {
                        Box::new(CallFlowSpec {
                            parallel: m.parallel,
                            join: m.join,
                            hedge: m.hedge,
                            pool: m.pool,
                            bulkhead: m.bulkhead,
                        })
                    }),
                })
            }
        }
        d.deserialize_any(V)
    }
}
