//! `kind: database`: its spec checked and compiled into [`Database`].

use super::model::{Database, ReadFrom, ReplicationMode};
use super::spec::{DatabaseSpec, FailoverSpec, PartitionSpec, ReadFromSpec, ReplicationModeSpec};
use crate::engine::SimDuration;
use crate::model::{Dist, Failover, Partition};
use crate::scenario::compile::cx::KindCx;
use crate::scenario::compile::kinds::{KindRules, KindSpec};
use crate::scenario::compile::{
    Checker, DEFAULT_VNODES, MAX_INSTANCES, MAX_POOL_WORKERS, MAX_REPLICAS, MAX_RING_POINTS,
    MAX_SHARDS, MAX_VNODES, MAX_WORKERS, at_most_max,
};
use crate::scenario::error::ScenarioError;

impl KindSpec for DatabaseSpec {}

/// What the compiler asks of a database: it works on real keys, and its
/// node names (`shard0.primary`, `shard0.replica0`, ...) are no range to
/// write as `first to last`.
pub(crate) struct Rules;

impl KindRules for Rules {
    fn needs_key(&self) -> bool {
        true
    }

    fn elide_instances(&self, names: &[String]) -> String {
        format!(
            "`{}`, `{}`, ... `{}` ({} nodes)",
            names[0],
            names[1],
            names[names.len() - 1],
            names.len()
        )
    }
}

/// Compiles a database.
pub(crate) fn compile(cx: &mut KindCx, d: &DatabaseSpec) -> Result<Database, ScenarioError> {
    let shards = d.shards.unwrap_or(1);
    cx.count("shards", shards, MAX_SHARDS, "shard")?;
    let replicas = d.replicas.unwrap_or(0);
    if replicas > MAX_REPLICAS {
        return Err(cx
            .err(
                "replicas",
                format!("{replicas} replicas per shard is too many to simulate"),
            )
            .expected(format!("at most {MAX_REPLICAS}")));
    }
    let partition = compile_partition(cx, d, shards)?;
    let (read_from, replication, lag) = compile_replication(cx, d, replicas)?;
    let size = cx.size(d.size.as_ref())?;
    let workers = d
        .workers
        .unwrap_or(size.as_ref().map(|z| z.cores as u64).unwrap_or(1));
    cx.count("workers", workers, MAX_WORKERS, "worker")?;
    let nodes = shards * (1 + replicas);
    if nodes > MAX_INSTANCES {
        let at = if d.replicas.is_some() {
            "replicas"
        } else {
            "shards"
        };
        return Err(cx
            .err(
                at,
                format!(
                    "{shards} shards of {} nodes each ({nodes} nodes) is too many to simulate",
                    1 + replicas
                ),
            )
            .expected(format!(
                "at most {MAX_INSTANCES} nodes (shards x (1 + replicas))"
            )));
    }
    if nodes * workers > MAX_POOL_WORKERS {
        return Err(cx
            .err(
                "workers",
                format!("{nodes} nodes of {workers} workers is too many to simulate"),
            )
            .expected(format!(
                "at most {MAX_POOL_WORKERS} workers in one database"
            )));
    }
    let failover = match &d.failover {
        None => None,
        Some(f) => Some(compile_failover(
            cx.ck(),
            &cx.at("failover"),
            cx.name(),
            replicas,
            f,
        )?),
    };
    let mut read_time = cx.dist("read_time", &d.read_time)?;
    let mut write_time = cx.dist("write_time", &d.write_time)?;
    if let Some(z) = &size
        && z.speed != 1.0
    {
        read_time = read_time.scaled_by_speed(z.speed);
        write_time = write_time.scaled_by_speed(z.speed);
    }
    Ok(Database {
        shards: shards as u32,
        partition,
        replicas: replicas as u32,
        read_from,
        replication,
        lag,
        workers: workers as u32,
        read_time,
        write_time,
        size,
        failover,
        topology: super::model::Topology::PrimaryReplica,
    })
}

/// How keys are spread over the `shards` shards: `partition` and `vnodes`.
fn compile_partition(
    cx: &KindCx,
    d: &DatabaseSpec,
    shards: u64,
) -> Result<Partition, ScenarioError> {
    let kind = d.partition.unwrap_or(PartitionSpec::Hash);
    if d.vnodes.is_some() && kind != PartitionSpec::ConsistentHash {
        return Err(cx
            .err_key(
                "vnodes",
                "`vnodes` applies to `partition: consistent_hash` only",
            )
            .help("remove `vnodes`, or set `partition: consistent_hash`"));
    }
    Ok(match kind {
        PartitionSpec::Hash => Partition::Hash,
        PartitionSpec::Range => Partition::Range {
            key_space: cx.key_space(),
        },
        PartitionSpec::ConsistentHash => {
            let vnodes = d.vnodes.unwrap_or(DEFAULT_VNODES as u64);
            cx.count("vnodes", vnodes, MAX_VNODES, "vnode")?;
            if vnodes * shards > MAX_RING_POINTS {
                return Err(cx
                    .err(
                        "vnodes",
                        format!(
                            "{shards} shards of {vnodes} ring points each is too many to simulate"
                        ),
                    )
                    .expected(format!(
                        "at most {MAX_RING_POINTS} points on the ring (shards x vnodes)"
                    )));
            }
            Partition::ConsistentHash {
                vnodes: vnodes as u32,
            }
        }
    })
}

/// Where reads go and how writes reach the `replicas` replicas of a shard:
/// `read_from`, `replication.mode` and `replication.lag`.
fn compile_replication(
    cx: &KindCx,
    d: &DatabaseSpec,
    replicas: u64,
) -> Result<(ReadFrom, ReplicationMode, Dist), ScenarioError> {
    let read_from = match d.read_from.unwrap_or(ReadFromSpec::Primary) {
        ReadFromSpec::Primary => ReadFrom::Primary,
        ReadFromSpec::Replicas if replicas == 0 => {
            return Err(cx
                .err(
                    "read_from",
                    "`read_from: replicas` with no replicas to read from",
                )
                .expected("`replicas: 1` or more, or `read_from: primary`"));
        }
        ReadFromSpec::Replicas => ReadFrom::Replicas,
        ReadFromSpec::Any => ReadFrom::Any,
        // Nearest is measured in link latency: with one place it would
        // silently mean "the primary".
        ReadFromSpec::Nearest if !cx.has_geo() => {
            return Err(cx
                .err("read_from", "`read_from: nearest` without `datacenters`")
                .expected("`datacenters` (and `replica_dcs` to place replicas), or `read_from: primary`, `replicas` or `any`"));
        }
        ReadFromSpec::Nearest => ReadFrom::Nearest,
    };
    let (mode, lag) = match &d.replication {
        None => (ReplicationModeSpec::Async, None),
        Some(r) => (r.mode.unwrap_or(ReplicationModeSpec::Async), r.lag.as_ref()),
    };
    let replication = match mode {
        ReplicationModeSpec::Async => ReplicationMode::Async,
        m if replicas == 0 => {
            let name = if m == ReplicationModeSpec::Sync {
                "sync"
            } else {
                "semi_sync"
            };
            return Err(cx
                .err(
                    "replication.mode",
                    format!("`mode: {name}` with no replicas: a write would wait for nobody"),
                )
                .expected("`replicas: 1` or more, or `mode: async`"));
        }
        ReplicationModeSpec::Sync => ReplicationMode::Sync,
        ReplicationModeSpec::SemiSync => ReplicationMode::SemiSync,
    };
    let lag = match lag {
        None => Dist::Constant(SimDuration::ZERO),
        Some(l) => cx.dist("replication.lag", l)?,
    };
    Ok((read_from, replication, lag))
}

/// Compiles a database's `failover` at `path`; `name` is the database's
/// name.
fn compile_failover(
    ck: &Checker,
    path: &str,
    name: &str,
    replicas: u64,
    f: &FailoverSpec,
) -> Result<Failover, ScenarioError> {
    if replicas == 0 {
        return Err(ck
            .err_key(
                path,
                format!("failover promotes a replica, and `{name}` has none"),
            )
            .expected("`replicas: 1` or more, or no `failover`"));
    }
    Ok(Failover {
        detect: at_most_max(ck, &format!("{path}.detect"), f.detect)?,
        promote: at_most_max(ck, &format!("{path}.promote"), f.promote)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ComponentKind;
    use crate::scenario::{LoadOptions, load_str};

    const SYSTEM: &str = "
duration: 1m
traffic:
  to: db
  rate: 10
  requests:
    get: { key: { uniform: { keys: 1000 } } }
components:
  db:
    kind: database
    shards: 2
    replicas: 2
    read_time: 2ms
    write_time: 4ms
    failover: { detect: 10s, promote: 0s }
";

    fn load(text: &str) -> Result<Database, ScenarioError> {
        let m = load_str("t.yaml", "t", text, &LoadOptions::default()).map_err(|f| f.error)?;
        let ComponentKind::Database(d) = &m.components[0].kind else {
            panic!("db is a database")
        };
        Ok(d.clone())
    }

    #[test]
    fn a_failover_compiles_into_its_times() {
        assert_eq!(
            load(SYSTEM).unwrap().failover,
            Some(Failover {
                detect: SimDuration::from_secs(10),
                promote: SimDuration::ZERO
            })
        );
    }

    #[test]
    fn bad_failovers_are_refused() {
        for (from, to, path, phrase) in [
            (
                "promote: 0s }",
                "promote: 0s, detct: 1s }",
                "components.db.failover.detct",
                "unknown key `detct`",
            ),
            (
                "promote: 0s }",
                "promote: 11y }",
                "components.db.failover.promote",
                "too long",
            ),
            (
                "    replicas: 2\n",
                "",
                "components.db.failover",
                "and `db` has none",
            ),
        ] {
            let e = load(&SYSTEM.replace(from, to)).unwrap_err();
            assert_eq!(e.path.as_deref(), Some(path), "{e}");
            assert!(e.message.contains(phrase), "{e}");
        }
    }
}
