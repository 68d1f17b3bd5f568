//! `kind: service` as written in a scenario: the pool, its calls (with
//! their options), sessions and autoscaling.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor, value::MapAccessDeserializer};

use crate::scenario::spec::*;

pub use super::autoscale::AutoscaleSpec;

/// `kind: service`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// Always `service`.
    pub kind: String,
    /// Instances in the pool (1).
    #[serde(default)]
    pub instances: Option<u64>,
    /// Workers per instance (1).
    #[serde(default)]
    pub workers: Option<u64>,
    /// Waiting slots per instance (unbounded).
    #[serde(default)]
    pub queue: Option<u64>,
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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionsSpec {
    /// `local` (on the instance that served the user) or the name of the
    /// cache or database that keeps them shared.
    pub store: String,
}

/// A downstream call: a component name, or a mapping with options.
#[derive(Debug)]
pub struct CallSpec {
    /// The component called.
    pub to: String,
    /// Which requests make it.
    pub when: Option<Vec<String>>,
    /// Timeout, retries and breaker; `None` when written as a bare name.
    pub options: Option<Box<CallOptionsSpec>>,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallMap {
    to: String,
    #[serde(default)]
    when: Option<StringOrList>,
    #[serde(default)]
    timeout: Option<DurationValue>,
    #[serde(default)]
    retries: Option<u64>,
    #[serde(default)]
    backoff: Option<BackoffSpec>,
    #[serde(default)]
    retry_budget: Option<PercentValue>,
    #[serde(default)]
    circuit_breaker: Option<BreakerSpec>,
}

/// One name or a list of names.
#[derive(Debug)]
pub struct StringOrList(pub Vec<String>);

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

impl<'de> Deserialize<'de> for CallSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CallSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a component name, or `{ to: NAME, when: read | write | CLASS }`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CallSpec, E> {
                Ok(CallSpec {
                    to: v.to_string(),
                    when: None,
                    options: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<CallSpec, A::Error> {
                let m = CallMap::deserialize(MapAccessDeserializer::new(map))?;
                let any = m.timeout.is_some()
                    || m.retries.is_some()
                    || m.backoff.is_some()
                    || m.retry_budget.is_some()
                    || m.circuit_breaker.is_some();
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
                })
            }
        }
        d.deserialize_any(V)
    }
}
