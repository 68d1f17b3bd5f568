//! `kind: cache`: its spec checked and compiled into [`Cache`]. What its
//! `on_miss` may name is a rule between kinds, asked of
//! `scenario::compile::graph`.

use super::model::{Cache, Eviction};
use super::spec::{CacheSpec, EvictionSpec};
use crate::engine::SimDuration;
use crate::scenario::compile::cx::KindCx;
use crate::scenario::compile::graph::{self, Carries};
use crate::scenario::compile::kinds::{KindRules, KindSpec};
use crate::scenario::compile::{MAX_CACHE_ENTRIES, MAX_DURATION, MAX_INSTANCES, MAX_WORKERS};
use crate::scenario::error::ScenarioError;

impl KindSpec for CacheSpec {}

/// What the compiler asks of a cache: it works on real keys, and a `flush`
/// fault empties it.
pub(crate) struct Rules;

impl KindRules for Rules {
    fn needs_key(&self) -> bool {
        true
    }

    fn flushable(&self) -> bool {
        true
    }
}

/// Compiles a cache.
pub(crate) fn compile(cx: &mut KindCx, c: &CacheSpec) -> Result<Cache, ScenarioError> {
    let instances = c.instances.unwrap_or(1);
    let workers = c.workers.unwrap_or(1);
    cx.count("instances", instances, MAX_INSTANCES, "instance")?;
    cx.count("workers", workers, MAX_WORKERS, "worker")?;
    if let Some(cap) = c.capacity {
        if cap == 0 {
            return Err(cx
                .err("capacity", "a capacity of zero entries caches nothing")
                .expected("at least 1 entry per node, or no `capacity` for unbounded"));
        }
        if cap > MAX_CACHE_ENTRIES {
            return Err(cx
                .err(
                    "capacity",
                    format!("{cap} entries per node is too many to simulate"),
                )
                .expected(format!("at most {MAX_CACHE_ENTRIES}")));
        }
    }
    let ttl = match c.ttl {
        Some(t) if t.0 == SimDuration::ZERO => {
            return Err(cx
                .err("ttl", "a TTL of no time expires every entry at once")
                .expected(
                    "a positive duration such as `5m`, or no `ttl` for entries that never expire",
                ));
        }
        Some(t) if t.0 > MAX_DURATION => {
            return Err(cx
                .err("ttl", format!("{} is too long", t.0))
                .expected("at most 10 years, or no `ttl`"));
        }
        t => t.map(|t| t.0),
    };
    let hit_time = cx.dist("hit_time", &c.hit_time)?;
    let on_miss = graph::on_miss(cx, &c.on_miss)?;
    cx.edge(on_miss, cx.at("on_miss"), Carries::All);
    Ok(Cache {
        instances: instances as u32,
        workers: workers as u32,
        capacity: c.capacity,
        eviction: match c.eviction.unwrap_or(EvictionSpec::Lru) {
            EvictionSpec::Lru => Eviction::Lru,
            EvictionSpec::Lfu => Eviction::Lfu,
            EvictionSpec::Fifo => Eviction::Fifo,
            EvictionSpec::Random => Eviction::Random,
        },
        ttl,
        hit_time,
        on_miss,
    })
}
