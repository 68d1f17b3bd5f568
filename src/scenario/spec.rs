//! The scenario language as typed structs, read from the YAML tree. These are
//! what the user wrote (names, strings, optional keys); `compile` checks them
//! and turns them into the plain [`crate::model::Model`].

use std::borrow::Cow;
use std::fmt;

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{
    self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor, value::MapAccessDeserializer,
};

use crate::engine::SimDuration;

pub use super::geo_spec::{
    Bandwidth, ByteSize, BytesSpec, DatacenterSpec, LinkSpec, NetworkSpec, OriginSpec,
};

// Each kind's spec lives in its folder.
pub use crate::components::cache::spec::{CacheSpec, EvictionSpec};
pub use crate::components::database::spec::{
    DatabaseSpec, FailoverSpec, PartitionSpec, ReadFromSpec, ReplicationModeSpec, ReplicationSpec,
};
pub use crate::components::load_balancer::spec::{HealthCheckSpec, LoadBalancerSpec, PolicySpec};
pub use crate::components::queue::spec::QueueSpec;
pub use crate::components::service::spec::{
    AutoscaleSpec, CallFlowSpec, CallOptionsSpec, CallSpec, DisciplineSpec, JoinSpec,
    ServiceQueueSpec, ServiceSpec, SessionsSpec, StringOrList,
};

/// Refuses `autoscale` on a component that is not a service.
#[allow(clippy::unnecessary_wraps)]
pub(crate) fn autoscale_on_non_service<'de, D: Deserializer<'de>>(
    _: D,
) -> Result<Option<IgnoredAny>, D::Error> {
    Err(de::Error::custom(
        "`autoscale` is a service's key: only a pool of service instances grows and shrinks",
    ))
}

/// A whole scenario file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    /// The output folder's name; the file's stem when absent.
    #[serde(default)]
    #[schemars(with = "Option<super::schema::Text>")]
    pub name: Option<String>,
    /// One line saying what the scenario shows.
    #[serde(default)]
    #[schemars(with = "Option<super::schema::Text>")]
    pub description: Option<String>,
    /// Seed of every random stream.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Simulated time.
    pub duration: DurationValue,
    /// Time excluded from summary statistics.
    #[serde(default)]
    pub warmup: Option<Warmup>,
    /// Resolution of every time series.
    #[serde(default)]
    pub window: Option<DurationValue>,
    /// Who sends requests.
    pub traffic: TrafficSpec,
    /// The system, by name; read kind by kind in a second pass.
    #[schemars(
        schema_with = "super::schema::components",
        description = "The system: each component by name, with its `kind` and that kind's settings."
    )]
    pub components: IndexMap<String, IgnoredAny>,
    /// The instance catalogue (replaces the built-in one).
    #[serde(default)]
    pub sizes: Option<IndexMap<String, SizeSpec>>,
    /// Variants by name; merged over the base in a pass before this one.
    #[serde(default)]
    #[schemars(
        schema_with = "super::schema::variants",
        description = "Variants by name, each run beside the base: the keys it changes, merged over the base scenario (mappings key by key; lists and values replace)."
    )]
    pub variants: Option<IndexMap<String, IgnoredAny>>,
    /// The objective windows are judged against.
    #[serde(default)]
    pub slo: Option<SloSpec>,
    /// What breaks, where and when.
    #[serde(default)]
    pub faults: Option<Vec<FaultSpec>>,
    /// Independent runs and when to stop adding them.
    #[serde(default)]
    pub replications: Option<ReplicationsSpec>,
    /// [geo] The data centers, by name, in order.
    #[serde(default)]
    pub datacenters: Option<IndexMap<String, DatacenterSpec>>,
    /// [geo] The links between data centers.
    #[serde(default)]
    pub network: Option<NetworkSpec>,
}

/// `replications: { min, max, precision }`, or a count.
#[derive(Debug)]
pub struct ReplicationsSpec {
    /// Fewest runs (at least 2 for an interval).
    pub min: Option<u64>,
    /// Most runs.
    pub max: Option<u64>,
    /// Relative half-width of the 95% interval at which to stop.
    pub precision: Option<PercentValue>,
}

/// `replications: { min, max, precision }`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ReplicationsMap {
    /// Fewest runs (at least 2 for an interval).
    #[serde(default)]
    min: Option<u64>,
    /// Most runs.
    #[serde(default)]
    max: Option<u64>,
    /// Relative half-width of the 95% interval at which to stop.
    #[serde(default)]
    precision: Option<PercentValue>,
}

impl JsonSchema for ReplicationsSpec {
    fn schema_name() -> Cow<'static, str> {
        "ReplicationsSpec".into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let map = g.subschema_for::<ReplicationsMap>();
        json_schema!({
            "description": "Independent runs: a count, or `{ min, max, precision }` such as `{ min: 5, max: 50, precision: 5% }`.",
            "oneOf": [
                { "type": "integer", "minimum": 0, "description": "This many runs." },
                map
            ]
        })
    }
}

impl<'de> Deserialize<'de> for ReplicationsSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ReplicationsSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a count of runs, or `{ min, max, precision }` such as `{ min: 5, max: 50, precision: 5% }`")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ReplicationsSpec, E> {
                Ok(ReplicationsSpec {
                    min: Some(v),
                    max: Some(v),
                    precision: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ReplicationsSpec, A::Error> {
                let m = ReplicationsMap::deserialize(MapAccessDeserializer::new(map))?;
                Ok(ReplicationsSpec {
                    min: m.min,
                    max: m.max,
                    precision: m.precision,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// An instance size.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SizeSpec {
    /// Cores: the workers of a service of this size.
    pub cores: u64,
    /// Speed relative to 1.0: service times are divided by it.
    #[serde(default)]
    pub speed: Option<f64>,
    /// Price of one instance per hour.
    pub cost_per_hour: f64,
    /// How its cores scale together (Universal Scalability Law); linear
    /// when absent.
    #[serde(default)]
    pub usl: Option<UslSpec>,
}

/// `usl: { contention, coherency }` of a size: `N` cores do the work of
/// `N / (1 + contention (N - 1) + coherency N (N - 1))` independent ones.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UslSpec {
    /// Serial fraction `s` (queueing for shared resources), in [0, 1).
    pub contention: f64,
    /// Crosstalk `k` (keeping shared data coherent), >= 0.
    pub coherency: f64,
}

/// The traffic section.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrafficSpec {
    /// The component requests are sent to.
    pub to: String,
    /// How requests arrive.
    #[serde(default)]
    pub arrivals: Option<ArrivalsKind>,
    /// Requests per second (open arrivals).
    #[serde(default)]
    pub rate: Option<RateSpec>,
    /// The closed population, or the distinct users of open arrivals.
    #[serde(default)]
    pub users: Option<u64>,
    /// Think time between a user's requests (closed arrivals).
    #[serde(default)]
    pub think_time: Option<DistSpec>,
    /// Request classes by name.
    #[serde(default)]
    pub requests: Option<IndexMap<String, ClassSpec>>,
    /// Client behaviour.
    #[serde(default)]
    pub client: Option<ClientSpec>,
    /// [geo] Where requests come from, by name.
    #[serde(default)]
    pub origins: Option<IndexMap<String, OriginSpec>>,
}

/// Arrival processes.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ArrivalsKind {
    /// Exponential gaps.
    Poisson,
    /// Evenly spaced.
    Uniform,
    /// A fixed population of users with think times.
    Closed,
}

/// A request class.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassSpec {
    /// Relative weight (1 when absent).
    #[serde(default)]
    pub weight: Option<f64>,
    /// Read or write (read when absent).
    #[serde(default)]
    pub op: Option<OpSpec>,
    /// Which keys its requests touch (caches and databases need one).
    #[serde(default)]
    pub key: Option<KeySpec>,
    /// [geo] What its calls and replies weigh.
    #[serde(default)]
    pub bytes: Option<BytesSpec>,
    /// [flow] Its level for a `discipline: priority` queue: 0 (the
    /// default) is served first.
    #[serde(default)]
    pub priority: Option<u64>,
}

/// A key distribution as written.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum KeySpec {
    /// `{ uniform: { keys } }`.
    Uniform {
        /// Size of the key space.
        keys: u64,
    },
    /// `{ zipf: { keys, exponent } }`: key 0 the most popular.
    Zipf {
        /// Size of the key space.
        keys: u64,
        /// Skew: 0 is uniform, 1 is classic Zipf.
        exponent: f64,
    },
    /// `{ hotspot: { keys, hot_keys, hot_share } }`.
    Hotspot {
        /// Size of the key space.
        keys: u64,
        /// Keys `0..hot_keys` are hot.
        hot_keys: u64,
        /// Share of requests that go to the hot keys.
        hot_share: Share,
    },
}

/// A share written `25%` or `0.25`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Share(pub f64);

impl<'de> Deserialize<'de> for Share {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Share;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a share such as `25%` or `0.25`")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Share, E> {
                if (0.0..=1.0).contains(&v) {
                    Ok(Share(v))
                } else {
                    Err(E::custom(format!(
                        "a share of {v}: write a fraction from 0 to 1, or a percentage such as `25%`"
                    )))
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Share, E> {
                self.visit_f64(v as f64)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Share, E> {
                self.visit_f64(v as f64)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Share, E> {
                let Some(num) = v.trim().strip_suffix('%') else {
                    return Err(E::custom(format!(
                        "`{v}` is not a share: write a percentage such as `25%` or a fraction such as `0.25`"
                    )));
                };
                match num.trim().parse::<f64>() {
                    Ok(p) if (0.0..=100.0).contains(&p) => Ok(Share(p / 100.0)),
                    _ => Err(E::custom(format!(
                        "`{v}` is not a share: write a percentage from 0% to 100%"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Share {
    fn schema_name() -> Cow<'static, str> {
        "Share".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A share: a percentage from `0%` to `100%` such as `25%`, or a fraction from 0 to 1 such as `0.25`.",
            "oneOf": [
                { "type": "number", "minimum": 0, "maximum": 1 },
                { "type": "string", "pattern": super::schema::SHARE_PATTERN }
            ]
        })
    }
}

/// What a request does to data.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OpSpec {
    /// Reads.
    Read,
    /// Writes.
    Write,
}

/// Client behaviour.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// The client gives up after this long.
    #[serde(default)]
    pub timeout: Option<DurationValue>,
    /// Attempts after the first, at most (none).
    #[serde(default)]
    pub retries: Option<u64>,
    /// The wait before each retry (none: at once).
    #[serde(default)]
    pub backoff: Option<BackoffSpec>,
    /// Retries at most this share of first tries (no limit).
    #[serde(default)]
    pub retry_budget: Option<PercentValue>,
}

/// `backoff: { base, max, jitter }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackoffSpec {
    /// The wait before the first retry.
    pub base: DurationValue,
    /// The longest wait (no cap).
    #[serde(default)]
    pub max: Option<DurationValue>,
    /// How the wait is randomised (`none`).
    #[serde(default)]
    pub jitter: Option<JitterSpec>,
}

/// Backoff jitter as written.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum JitterSpec {
    /// The wait as computed.
    None,
    /// Uniform from zero to the wait.
    Full,
    /// Half the wait plus uniform up to the other half.
    Equal,
}

/// `circuit_breaker: { errors, window, open_for, min_calls }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakerSpec {
    /// Error share over `window` that opens it.
    pub errors: PercentValue,
    /// How far back it looks.
    pub window: DurationValue,
    /// How long it stays open before a probe.
    pub open_for: DurationValue,
    /// Calls over `window` below which it never opens (20).
    #[serde(default)]
    pub min_calls: Option<u64>,
}

/// A percentage `25%` or a fraction `0.25`, of any size: the compiler
/// checks the range, so that the message can say what the value is for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PercentValue(pub f64);

impl<'de> Deserialize<'de> for PercentValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = PercentValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a percentage such as `10%` or a fraction such as `0.1`")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<PercentValue, E> {
                Ok(PercentValue(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<PercentValue, E> {
                Ok(PercentValue(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<PercentValue, E> {
                Ok(PercentValue(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PercentValue, E> {
                match v.trim().strip_suffix('%').map(|n| n.trim().parse::<f64>()) {
                    Some(Ok(p)) if p.is_finite() => Ok(PercentValue(p / 100.0)),
                    _ => Err(E::custom(format!(
                        "`{v}` is not a percentage: write one such as `10%`, or a fraction such as `0.1`"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for PercentValue {
    fn schema_name() -> Cow<'static, str> {
        "PercentValue".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A percentage such as `10%`, or a fraction such as `0.1`.",
            "oneOf": [
                { "type": "number" },
                { "type": "string", "pattern": super::schema::PERCENT_PATTERN }
            ]
        })
    }
}

/// `rate_limit` of a load balancer or service: a token bucket.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSpec {
    /// Tokens added per second.
    pub rps: f64,
    /// The bucket's capacity (and its content at the start).
    pub burst: i64,
}

/// `slo`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SloSpec {
    /// Highest acceptable p99 of a window.
    #[serde(default)]
    pub p99: Option<DurationValue>,
    /// Highest acceptable error rate of a window.
    #[serde(default)]
    pub error_rate: Option<Share>,
    /// Good windows in a row that count as recovered (3).
    #[serde(default)]
    pub hold: Option<u64>,
}

/// One entry of `faults` as written: one kind key (`crash`, `slow`, ...)
/// naming what it strikes, and the settings of that kind. Which keys go with
/// which kind is checked when compiling, so that a misplaced key gets a
/// message that names its kind.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// When it strikes.
    #[serde(default)]
    pub at: Option<DurationValue>,
    /// `crash: TARGET`.
    #[serde(default)]
    pub crash: Option<String>,
    /// `slow: TARGET`.
    #[serde(default)]
    pub slow: Option<String>,
    /// `errors: TARGET`.
    #[serde(default)]
    pub errors: Option<String>,
    /// `flush: CACHE`.
    #[serde(default)]
    pub flush: Option<String>,
    /// `partition: [A, B]`.
    #[serde(default)]
    pub partition: Option<ComponentPair>,
    /// `delay: [A, B]`.
    #[serde(default)]
    pub delay: Option<ComponentPair>,
    /// `outage: DC` ([geo]).
    #[serde(default)]
    pub outage: Option<String>,
    /// `random: crash`.
    #[serde(default)]
    pub random: Option<RandomFaultSpec>,
    /// How long it lasts (for ever).
    #[serde(default, rename = "for")]
    pub for_: Option<DurationValue>,
    /// The first N instances of a whole component (all of them).
    #[serde(default)]
    pub instances: Option<u64>,
    /// `slow`: service times are multiplied by it.
    #[serde(default)]
    pub factor: Option<f64>,
    /// `errors`: the share of calls that fail.
    #[serde(default)]
    pub share: Option<Share>,
    /// `delay`: the time added to each call.
    #[serde(default)]
    pub extra: Option<DistSpec>,
    /// `random`: what may fail.
    #[serde(default)]
    pub target: Option<String>,
    /// `random`: mean time to failure.
    #[serde(default)]
    pub mttf: Option<DurationValue>,
    /// `random`: mean time to repair.
    #[serde(default)]
    pub mttr: Option<DurationValue>,
}

/// What a `random` fault does.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RandomFaultSpec {
    /// Instances crash and are repaired, again and again.
    Crash,
}

/// Two component names, `[A, B]`.
#[derive(Debug)]
pub struct ComponentPair(pub Vec<String>);

impl<'de> Deserialize<'de> for ComponentPair {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ComponentPair;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("two components, such as `[web, db]`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ComponentPair, E> {
                Err(E::custom(format!(
                    "`{v}` alone: name the two components it is between, such as `[{v}, db]`"
                )))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ComponentPair, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(ComponentPair(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for ComponentPair {
    fn schema_name() -> Cow<'static, str> {
        "ComponentPair".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Two components, such as `[web, db]`.",
            "type": "array",
            "items": { "type": "string" },
            "minItems": 2,
            "maxItems": 2
        })
    }
}

/// A duration written with a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DurationValue(pub SimDuration);

/// Parses `250ms`, `1.5s`, `1h 30m`; the error says what to write instead.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!("`{t}` is negative: durations are zero or more"));
    }
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(format!(
            "`{t}` has no unit: write `{t}s`, `{t}ms` or another unit (ns, us, ms, s, m, h, d)"
        ));
    }
    match humantime::parse_duration(t) {
        Ok(d) => {
            let ns = d.as_nanos();
            if ns > u64::MAX as u128 {
                Err(format!("`{t}` is too long to simulate"))
            } else {
                Ok(SimDuration(ns as u64))
            }
        }
        Err(_) => Err(format!(
            "`{t}` is not a duration: write a number and a unit, such as `250ms`, `1.5s`, `5m` or `1h 30m`"
        )),
    }
}

impl<'de> Deserialize<'de> for DurationValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_duration(&text)
            .map(DurationValue)
            .map_err(de::Error::custom)
    }
}

impl JsonSchema for DurationValue {
    fn schema_name() -> Cow<'static, str> {
        "DurationValue".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A duration: a number and a unit, such as `250ms`, `1.5s`, `5m` or `1h 30m` (ns, us, ms, s, m, h, d, w and their long names).",
            "type": "string",
            "pattern": super::schema::DURATION_PATTERN
        })
    }
}

/// `warmup`: a duration, or `auto` (found from the data by MSER-5).
#[derive(Clone, Copy, Debug)]
pub enum Warmup {
    /// A fixed warm-up.
    Fixed(SimDuration),
    /// `auto`.
    Auto,
}

impl<'de> Deserialize<'de> for Warmup {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.trim() == "auto" {
            return Ok(Warmup::Auto);
        }
        parse_duration(&text)
            .map(Warmup::Fixed)
            .map_err(de::Error::custom)
    }
}

impl JsonSchema for Warmup {
    fn schema_name() -> Cow<'static, str> {
        "Warmup".into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let fixed = g.subschema_for::<DurationValue>();
        json_schema!({
            "description": "A duration, or `auto` (found from the data by MSER-5).",
            "oneOf": [
                { "type": "string", "pattern": "^\\s*auto\\s*$" },
                fixed
            ]
        })
    }
}

/// A distribution of durations as written.
#[derive(Clone, Debug, PartialEq)]
pub enum DistSpec {
    /// `250ms` or `{ constant: 250ms }`.
    Constant(SimDuration),
    /// `{ exponential: { mean } }`.
    Exponential {
        /// Mean.
        mean: SimDuration,
    },
    /// `{ lognormal: { median, p99 } }`.
    LogNormal {
        /// Median.
        median: SimDuration,
        /// 99th percentile.
        p99: SimDuration,
    },
    /// `{ gamma: { mean, cv } }`.
    Gamma {
        /// Mean.
        mean: SimDuration,
        /// Coefficient of variation.
        cv: f64,
    },
    /// `{ uniform: { min, max } }`.
    Uniform {
        /// Lower bound.
        min: SimDuration,
        /// Upper bound.
        max: SimDuration,
    },
    /// `{ pareto: { min, alpha } }`.
    Pareto {
        /// Scale.
        min: SimDuration,
        /// Tail index.
        alpha: f64,
    },
    /// `{ empirical: { file } }`: recorded durations, one a line, drawn
    /// uniformly at random.
    Empirical {
        /// The file as written (relative to the scenario file).
        file: String,
    },
}

/// A distribution of durations as a mapping: one kind and its parameters.
// An unknown parameter (`sd` on an exponential) is refused, by the loader
// and the schema alike: ignoring it would run another model than written.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[schemars(rename = "Distribution")]
enum DistForm {
    /// `{ constant: 250ms }`: always this long.
    Constant(DurationValue),
    /// `{ exponential: { mean } }`.
    Exponential {
        /// Mean.
        mean: DurationValue,
    },
    /// `{ lognormal: { median, p99 } }`.
    Lognormal {
        /// Median.
        median: DurationValue,
        /// 99th percentile.
        p99: DurationValue,
    },
    /// `{ gamma: { mean, cv } }`.
    Gamma {
        /// Mean.
        mean: DurationValue,
        /// Coefficient of variation.
        cv: f64,
    },
    /// `{ uniform: { min, max } }`.
    Uniform {
        /// Lower bound.
        min: DurationValue,
        /// Upper bound.
        max: DurationValue,
    },
    /// `{ pareto: { min, alpha } }`.
    Pareto {
        /// Scale.
        min: DurationValue,
        /// Tail index.
        alpha: f64,
    },
    /// `{ empirical: { file } }`: recorded durations, one a line, drawn
    /// uniformly at random.
    Empirical {
        /// The file (relative to the scenario file).
        file: String,
    },
}

impl JsonSchema for DistSpec {
    fn schema_name() -> Cow<'static, str> {
        "DistSpec".into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let constant = g.subschema_for::<DurationValue>();
        let form = g.subschema_for::<DistForm>();
        json_schema!({
            "description": "A duration (`250ms`, always this long) or a distribution such as `{ exponential: { mean: 10ms } }`.",
            "oneOf": [constant, form]
        })
    }
}

impl<'de> Deserialize<'de> for DistSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DistSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a duration (`250ms`) or a distribution such as `{ exponential: { mean: 10ms } }`",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DistSpec, E> {
                parse_duration(v).map(DistSpec::Constant).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DistSpec, E> {
                Err(E::custom(format!(
                    "`{v}` has no unit: write `{v}ms`, `{v}s` or another unit, or a distribution such as `{{ exponential: {{ mean: {v}ms }} }}`"
                )))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<DistSpec, E> {
                Err(E::custom(format!(
                    "`{v}` has no unit: write `{v}ms`, `{v}s` or another unit"
                )))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DistSpec, A::Error> {
                let form = DistForm::deserialize(MapAccessDeserializer::new(map))?;
                Ok(match form {
                    DistForm::Constant(c) => DistSpec::Constant(c.0),
                    DistForm::Exponential { mean } => DistSpec::Exponential { mean: mean.0 },
                    DistForm::Lognormal { median, p99 } => DistSpec::LogNormal {
                        median: median.0,
                        p99: p99.0,
                    },
                    DistForm::Gamma { mean, cv } => DistSpec::Gamma { mean: mean.0, cv },
                    DistForm::Uniform { min, max } => DistSpec::Uniform {
                        min: min.0,
                        max: max.0,
                    },
                    DistForm::Pareto { min, alpha } => DistSpec::Pareto { min: min.0, alpha },
                    DistForm::Empirical { file } => DistSpec::Empirical { file },
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// `rate`: a number or a list of steps.
#[derive(Clone, Debug, PartialEq)]
pub enum RateSpec {
    /// Requests per second, for the whole run.
    Constant(f64),
    /// Piecewise steps with optional ramps.
    Steps(Vec<StepSpec>),
    /// `{ trace: { file } }`: a recorded `time_s,rps` CSV, replayed as a
    /// piecewise constant rate.
    Trace {
        /// The file as written (relative to the scenario file).
        file: String,
    },
}

/// The body of `rate: { trace: ... }`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct TraceForm {
    /// The file (relative to the scenario file).
    file: String,
}

impl JsonSchema for RateSpec {
    fn schema_name() -> Cow<'static, str> {
        "RateSpec".into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let step = g.subschema_for::<StepSpec>();
        let trace = g.subschema_for::<TraceForm>();
        json_schema!({
            "description": "Requests per second (`500`), a list of steps (`- { at: 0s, rps: 500 }`), or `{ trace: { file } }`.",
            "oneOf": [
                { "type": "number", "description": "Requests per second, for the whole run." },
                { "type": "array", "items": step, "description": "Piecewise steps with optional ramps." },
                {
                    "type": "object",
                    "properties": { "trace": trace },
                    "required": ["trace"],
                    "additionalProperties": false,
                    "description": "A recorded `time_s,rps` CSV, replayed as a piecewise constant rate."
                }
            ]
        })
    }
}

/// One step of a rate schedule.
#[derive(Clone, Debug, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    /// When the change starts.
    pub at: DurationValue,
    /// The new rate.
    pub rps: f64,
    /// How long the linear change takes (a jump when absent).
    #[serde(default)]
    pub ramp: Option<DurationValue>,
}

impl<'de> Deserialize<'de> for RateSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RateSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "requests per second (`500`) or a list of steps (`- { at: 0s, rps: 500 }`)",
                )
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RateSpec, E> {
                Ok(RateSpec::Constant(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RateSpec, E> {
                Ok(RateSpec::Constant(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RateSpec, E> {
                Ok(RateSpec::Constant(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RateSpec, A::Error> {
                let mut steps = Vec::new();
                while let Some(s) = seq.next_element::<StepSpec>()? {
                    steps.push(s);
                }
                Ok(RateSpec::Steps(steps))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RateSpec, A::Error> {
                let key: String = map.next_key()?.unwrap_or_default();
                if key == "trace" {
                    let t: TraceForm = map.next_value()?;
                    if let Some(extra) = map.next_key::<String>()? {
                        return Err(de::Error::custom(format!(
                            "`{extra}` beside `trace`: a rate is either a trace or something else"
                        )));
                    }
                    Ok(RateSpec::Trace { file: t.file })
                } else {
                    Err(de::Error::custom(format!(
                        "`{key}` is not a kind of rate: write a number of requests per second or a list of steps"
                    )))
                }
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_units_and_are_not_negative() {
        assert_eq!(
            parse_duration("250ms").unwrap(),
            SimDuration::from_millis(250)
        );
        assert_eq!(
            parse_duration("1.5s").unwrap(),
            SimDuration::from_millis(1500)
        );
        assert_eq!(
            parse_duration("1h 30m").unwrap(),
            SimDuration::from_secs(5400)
        );
        assert!(parse_duration("90").unwrap_err().contains("no unit"));
        assert!(parse_duration("-5s").unwrap_err().contains("negative"));
        assert!(
            parse_duration("fast")
                .unwrap_err()
                .contains("not a duration")
        );
        assert!(
            parse_duration("100000000000d")
                .unwrap_err()
                .contains("too long")
        );
    }
}
