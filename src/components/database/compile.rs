//! `kind: database`: its spec checked and compiled into [`Database`].

use super::model::{Database, ReadFrom, ReplicationMode, Topology};
use super::spec::{
    DatabaseSpec, FailoverSpec, PartitionSpec, ReadFromSpec, ReplicationModeSpec, TopologySpec,
};
use crate::engine::SimDuration;
use crate::model::{Dist, Failover, Partition};
use crate::scenario::compile::cx::KindCx;
use crate::scenario::compile::kinds::{KindRules, KindSpec};
use crate::scenario::compile::{
    Checker, DEFAULT_VNODES, MAX_INSTANCES, MAX_POOL_WORKERS, MAX_PRIMARIES, MAX_QUORUM_NODES,
    MAX_REPLICAS, MAX_RING_POINTS, MAX_SHARDS, MAX_VNODES, MAX_WORKERS, at_most_max,
};
use crate::scenario::error::ScenarioError;
use crate::scenario::yaml::Node;

impl KindSpec for DatabaseSpec {}

/// What the compiler asks of a database: it works on real keys, and its
/// node names (`shard0.primary`, `shard0.replica0`, ...) are no range to
/// write as `first to last`.
pub(crate) struct Rules;

impl KindRules for Rules {
    fn needs_key(&self) -> bool {
        true
    }

    /// Placement is read before a kind's spec (`dcs` makes copies, and
    /// each copy compiles the spec afresh), but a database of equal nodes
    /// (`multi_primary`, `ring`, `quorum`) has its nodes placed by `dcs`
    /// instead. So its `replication.topology` is peeked at here, as
    /// written: a value that names no topology makes copies, and the spec's
    /// own error then refuses it.
    fn dcs_place_nodes(&self, node: &Node) -> bool {
        node.get("replication")
            .and_then(|r| r.get("topology"))
            .and_then(Node::as_str)
            .and_then(TopologySpec::from_name)
            .is_some_and(TopologySpec::has_nodes)
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
    let written = d
        .replication
        .as_ref()
        .and_then(|r| r.topology)
        .unwrap_or(TopologySpec::PrimaryReplica);
    let (topology, replicas) = if written.has_nodes() {
        (compile_topology(cx, d, written)?, 0)
    } else {
        refuse_topology_keys(cx, d, written)?;
        let replicas = d.replicas.unwrap_or(0);
        if replicas > MAX_REPLICAS {
            return Err(cx
                .err(
                    "replicas",
                    format!("{replicas} replicas per shard is too many to simulate"),
                )
                .expected(format!("at most {MAX_REPLICAS}")));
        }
        (Topology::PrimaryReplica, replicas)
    };
    let partition = compile_partition(cx, d, shards)?;
    let (read_from, replication, lag) = if written.has_nodes() {
        // The other keys of primary_replica were refused by compile_topology.
        (
            ReadFrom::Primary,
            ReplicationMode::Async,
            compile_lag(cx, d)?,
        )
    } else {
        compile_replication(cx, d, replicas)?
    };
    let size = cx.size(d.size.as_ref())?;
    let workers = d
        .workers
        .unwrap_or(size.as_ref().map(|z| z.cores as u64).unwrap_or(1));
    cx.count("workers", workers, MAX_WORKERS, "worker")?;
    let per_shard = match topology {
        Topology::PrimaryReplica => 1 + replicas,
        Topology::MultiPrimary { primaries } | Topology::Ring { primaries } => primaries as u64,
        Topology::Quorum { nodes, .. } => nodes as u64,
    };
    let nodes = shards * per_shard;
    if nodes > MAX_INSTANCES {
        let (at, per) = match topology {
            Topology::PrimaryReplica if d.replicas.is_some() => ("replicas", "(1 + replicas)"),
            Topology::PrimaryReplica => ("shards", "(1 + replicas)"),
            Topology::Quorum { .. } => ("shards", "nodes"),
            _ => ("shards", "primaries"),
        };
        return Err(cx
            .err(
                at,
                format!(
                    "{shards} shards of {per_shard} nodes each ({nodes} nodes) is too many to simulate"
                ),
            )
            .expected(format!("at most {MAX_INSTANCES} nodes (shards x {per})")));
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
        topology,
    })
}

/// What `replication`'s key `key`, which belongs to another topology than
/// `written`, means, and what to write instead.
fn foreign_key(key: &str, written: TopologySpec) -> (String, String) {
    let name = written.name();
    match key {
        "primaries" if written == TopologySpec::Quorum => (
            "`primaries` applies to `topology: multi_primary` or `ring`: a quorum has no primaries"
                .to_string(),
            "`nodes: N` for the nodes of a shard (default `n`), and no `primaries`".to_string(),
        ),
        "primaries" => (
            "`primaries` applies to `topology: multi_primary` or `ring`: a primary_replica shard has one primary".to_string(),
            "`topology: multi_primary` (or `ring`) for several writable nodes, or no `primaries`".to_string(),
        ),
        "conflicts" => {
            let why = match written {
                TopologySpec::PrimaryReplica => {
                    "a primary_replica shard has one writer, so writes never conflict"
                }
                TopologySpec::Ring => "a ring always resolves by last writer wins",
                _ => "a quorum read takes the newest value among its replies",
            };
            (
                format!("`conflicts` applies to `topology: multi_primary`: {why}"),
                if written == TopologySpec::PrimaryReplica {
                    "`topology: multi_primary`, or no `conflicts`".to_string()
                } else {
                    "no `conflicts`".to_string()
                },
            )
        }
        _ => (
            format!("`{key}` applies to `topology: quorum`, and this is {name}"),
            if key == "nodes" && written != TopologySpec::PrimaryReplica {
                "`primaries: N` for the nodes of a shard, and no `nodes`".to_string()
            } else {
                format!("`topology: quorum` (with `n`, and optionally `w`, `r`, `nodes`), or no `{key}`")
            },
        ),
    }
}

/// Refuses the keys of `replication` that belong to another topology than
/// `written`: `primaries` (multi_primary, ring), `conflicts`
/// (multi_primary), `n`, `w`, `r`, `nodes` (quorum).
fn refuse_topology_keys(
    cx: &KindCx,
    d: &DatabaseSpec,
    written: TopologySpec,
) -> Result<(), ScenarioError> {
    let Some(r) = &d.replication else {
        return Ok(());
    };
    let present = [
        ("primaries", r.primaries.is_some()),
        ("conflicts", r.conflicts.is_some()),
        ("n", r.n.is_some()),
        ("w", r.w.is_some()),
        ("r", r.r.is_some()),
        ("nodes", r.nodes.is_some()),
    ];
    for (key, given) in present {
        let belongs = match key {
            "primaries" => matches!(written, TopologySpec::MultiPrimary | TopologySpec::Ring),
            "conflicts" => written == TopologySpec::MultiPrimary,
            _ => written == TopologySpec::Quorum,
        };
        if given && !belongs {
            let (message, expected) = foreign_key(key, written);
            return Err(cx
                .err_key(&format!("replication.{key}"), message)
                .expected(expected));
        }
    }
    Ok(())
}

/// A database of equal nodes (`written` is multi_primary, ring or quorum):
/// the keys of primary_replica refused, and its topology compiled.
fn compile_topology(
    cx: &KindCx,
    d: &DatabaseSpec,
    written: TopologySpec,
) -> Result<Topology, ScenarioError> {
    refuse_topology_keys(cx, d, written)?;
    let name = written.name();
    let quorum = written == TopologySpec::Quorum;
    // The keys of primary_replica, whether written, and why each means
    // nothing here with what to write instead: with quorum, then with
    // multi_primary and ring.
    let refused = [
        (
            "replicas",
            d.replicas.is_some(),
            [
                (
                    "every node of a quorum is equal",
                    "`replication.nodes: N` for the nodes of a shard (default `n`), and no `replicas`",
                ),
                (
                    "every node of a shard is a primary",
                    "`replication.primaries: N` (or `dcs`) for the nodes of a shard, and no `replicas`",
                ),
            ],
        ),
        (
            "read_from",
            d.read_from.is_some(),
            [
                (
                    "a quorum read asks all n nodes",
                    "no `read_from` (`replication.r` sets how many replies a read waits for)",
                ),
                (
                    "reads go to the nearest primary, or one at random without data centers",
                    "no `read_from`",
                ),
            ],
        ),
        (
            "replication.mode",
            d.replication.as_ref().is_some_and(|r| r.mode.is_some()),
            [
                (
                    "a write is acknowledged when `w` nodes have applied it",
                    "`w: N` for the nodes that acknowledge a write, and no `mode`",
                ),
                (
                    "a write is acknowledged when its primary has committed it",
                    "no `mode` (the other nodes apply a write after `lag`)",
                ),
            ],
        ),
        (
            "failover",
            d.failover.is_some(),
            [
                (
                    "nothing to promote: no node leads, a write needs any `w` nodes",
                    "no `failover`",
                ),
                (
                    "nothing to promote: every node takes writes",
                    "no `failover`",
                ),
            ],
        ),
        (
            "replica_dcs",
            cx.has_replica_dcs(),
            [
                (
                    "a shard has no replicas to place",
                    "`dcs: [..]` to place the nodes: node i of each shard stands in dcs[i mod len]",
                ),
                (
                    "a shard has no replicas to place",
                    "`dcs: [..]` to place the nodes: node i of each shard stands in dcs[i]",
                ),
            ],
        ),
    ];
    for (key, given, why) in refused {
        if given {
            let (why, expected) = why[if quorum { 0 } else { 1 }];
            let shown = key.trim_start_matches("replication.");
            return Err(cx
                .err_key(key, format!("`{shown}` with `topology: {name}`: {why}"))
                .expected(expected));
        }
    }
    let r = d
        .replication
        .as_ref()
        .expect("a topology is written in `replication`");
    if quorum {
        return compile_quorum(cx, r);
    }
    let primaries = compile_primaries(cx, r.primaries, name)?;
    Ok(if written == TopologySpec::Ring {
        Topology::Ring { primaries }
    } else {
        Topology::MultiPrimary { primaries }
    })
}

/// The primaries per shard of a multi_primary or ring database (`name`):
/// `primaries` as written (with `dcs`, at least one per data center: they
/// stand round them in order), or one per data center of `dcs`.
fn compile_primaries(cx: &KindCx, written: Option<u64>, name: &str) -> Result<u32, ScenarioError> {
    let dcs = cx.node_dcs().map(|d| d.len() as u64);
    let range = format!(
        "from 2 to {MAX_PRIMARIES} primaries (one primary with replicas is `topology: primary_replica`)"
    );
    let p = match (written, dcs) {
        (Some(p), Some(k)) if p < k => {
            let some = if k - p == 1 {
                "one would"
            } else {
                "some would"
            };
            return Err(cx
                .err(
                    "replication.primaries",
                    format!("`primaries: {p}`, and `dcs` names {k} data centers: {some} hold no primary"),
                )
                .expected(format!(
                    "`primaries: {k}` or more (placed round the data centers of `dcs` in order), or no `primaries` (one per data center)"
                )));
        }
        (Some(p), _) => {
            if p < 2 {
                return Err(cx
                    .err(
                        "replication.primaries",
                        format!("`primaries: {p}`: a {name} shard needs at least 2 primaries"),
                    )
                    .expected(range));
            }
            if p > MAX_PRIMARIES {
                return Err(cx
                    .err(
                        "replication.primaries",
                        format!("{p} primaries per shard is too many to simulate"),
                    )
                    .expected(range));
            }
            p
        }
        (None, Some(k)) => {
            if k < 2 {
                return Err(cx
                    .err(
                        "dcs",
                        format!("`dcs` names one data center, one primary each: a {name} shard needs at least 2 primaries"),
                    )
                    .expected("two data centers or more in `dcs`, or `dc: NAME` with `primaries: N`"));
            }
            if k > MAX_PRIMARIES {
                return Err(cx
                    .err(
                        "dcs",
                        format!("`dcs` names {k} data centers, one primary each: too many primaries per shard to simulate"),
                    )
                    .expected(format!("at most {MAX_PRIMARIES} data centers in `dcs`")));
            }
            k
        }
        (None, None) => {
            return Err(cx
                .err(
                    "replication.topology",
                    format!("`topology: {name}` with no `primaries` and no `dcs`: how many primaries has a shard?"),
                )
                .expected(format!(
                    "`primaries: N` (from 2 to {MAX_PRIMARIES}), or `dcs: [..]` for one primary per data center"
                )));
        }
    };
    Ok(p as u32)
}

/// A quorum's `n`, `w`, `r` and `nodes`, checked against each other and
/// against `dcs`.
fn compile_quorum(
    cx: &KindCx,
    r: &super::spec::ReplicationSpec,
) -> Result<Topology, ScenarioError> {
    let Some(n) = r.n else {
        return Err(cx.err("replication", "missing key `n`").expected(format!(
            "with `topology: quorum`, the nodes holding each key, such as `n: 3` (from 1 to {MAX_QUORUM_NODES})"
        )));
    };
    if n == 0 || n > MAX_QUORUM_NODES {
        let message = if n == 0 {
            "`n: 0`: each key on no node".to_string()
        } else {
            format!("each key on {n} nodes is too many to simulate")
        };
        return Err(cx.err("replication.n", message).expected(format!(
            "from 1 to {MAX_QUORUM_NODES} nodes holding each key"
        )));
    }
    let nodes = r.nodes.unwrap_or(n);
    if nodes > MAX_QUORUM_NODES {
        return Err(cx
            .err(
                "replication.nodes",
                format!("{nodes} nodes per shard is too many to simulate"),
            )
            .expected(format!("at most {MAX_QUORUM_NODES}")));
    }
    if nodes < n {
        return Err(cx
            .err(
                "replication.nodes",
                format!("n above the nodes available: `n: {n}` puts each key on {n} nodes, and a shard has {nodes}"),
            )
            .expected(format!(
                "`nodes: {n}` or more (at most {MAX_QUORUM_NODES}), or no `nodes` for as many as `n`"
            )));
    }
    let majority = n / 2 + 1;
    let mut answer = [0u32; 2];
    for (j, (key, v, op, verb)) in [
        ("w", r.w, "write", "acknowledged"),
        ("r", r.r, "read", "answered"),
    ]
    .into_iter()
    .enumerate()
    {
        let v = v.unwrap_or(majority);
        let expected = format!("from 1 to {n} (default {majority}, a majority of n)");
        if v == 0 {
            return Err(cx
                .err(
                    &format!("replication.{key}"),
                    format!("`{key}: 0`: a {op} {verb} by no node"),
                )
                .expected(expected));
        }
        if v > n {
            return Err(cx
                .err(
                    &format!("replication.{key}"),
                    format!("{key} above n: `{key}: {v}` with `n: {n}`: a {op} would wait for more nodes than hold its key"),
                )
                .expected(expected));
        }
        answer[j] = v as u32;
    }
    if let Some(dcs) = cx.node_dcs()
        && dcs.len() as u64 > nodes
    {
        let k = dcs.len() as u64;
        return Err(cx
            .err(
                "dcs",
                format!(
                    "`dcs` names {k} data centers, and a shard has {nodes} nodes: {} would hold none",
                    k - nodes
                ),
            )
            .expected(format!(
                "at most {nodes} data centers (node i stands in dcs[i mod len]), or `nodes: {k}` or more"
            )));
    }
    Ok(Topology::Quorum {
        nodes: nodes as u32,
        n: n as u32,
        w: answer[0],
        r: answer[1],
    })
}

/// `replication.lag` (0s when absent).
fn compile_lag(cx: &KindCx, d: &DatabaseSpec) -> Result<Dist, ScenarioError> {
    match d.replication.as_ref().and_then(|r| r.lag.as_ref()) {
        None => Ok(Dist::Constant(SimDuration::ZERO)),
        Some(l) => cx.dist("replication.lag", l),
    }
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
    let mode = d
        .replication
        .as_ref()
        .and_then(|r| r.mode)
        .unwrap_or(ReplicationModeSpec::Async);
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
    Ok((read_from, replication, compile_lag(cx, d)?))
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
        let m =
            load_str("t.yaml", "t", text, &LoadOptions::default()).map_err(|f| f.into_first())?;
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

    /// [`SYSTEM`]'s database with `keys` instead of its replicas and
    /// failover, in three data centers of which two are joined.
    fn topology(keys: &str) -> String {
        SYSTEM
            .replace(
                "    replicas: 2\n",
                &format!("{keys}\n"),
            )
            .replace("    failover: { detect: 10s, promote: 0s }\n", "")
            .replace(
                "duration: 1m\n",
                "duration: 1m\ndatacenters: { a: {}, b: {}, c: {} }\nnetwork: { links: [ { between: [a, b], latency: 5ms } ] }\n",
            )
    }

    #[test]
    fn topologies_compile_with_their_defaults() {
        for (keys, want) in [
            (
                "    replication: { topology: primary_replica }",
                Topology::PrimaryReplica,
            ),
            (
                "    replication: { topology: multi_primary, primaries: 16 }",
                Topology::MultiPrimary { primaries: 16 },
            ),
            (
                "    dcs: [a, b]\n    replication: { topology: multi_primary, primaries: 2 }",
                Topology::MultiPrimary { primaries: 2 },
            ),
            (
                "    dcs: [b, a]\n    replication: { topology: ring }",
                Topology::Ring { primaries: 2 },
            ),
            (
                "    replication: { topology: quorum, n: 5, w: 1 }",
                Topology::Quorum {
                    nodes: 5,
                    n: 5,
                    w: 1,
                    r: 3,
                },
            ),
            (
                "    dcs: [a]\n    replication: { topology: quorum, n: 1 }",
                Topology::Quorum {
                    nodes: 1,
                    n: 1,
                    w: 1,
                    r: 1,
                },
            ),
        ] {
            let d = load(&topology(keys)).unwrap_or_else(|e| panic!("{keys}: {e}"));
            assert_eq!(d.topology, want, "{keys}");
        }
    }

    #[test]
    fn bad_topologies_are_refused() {
        for (keys, path, phrase) in [
            (
                "    replication: { topology: star }",
                "replication.topology",
                "unknown value",
            ),
            (
                "    replication: { topology: multi_primary, primaries: 2, conflicts: first_writer_wins }",
                "replication.conflicts",
                "unknown value",
            ),
            (
                "    replication: { topology: quorum, n: 3, conflicts: last_writer_wins }",
                "replication.conflicts",
                "a quorum read takes the newest value",
            ),
            (
                "    replication: { topology: quorum, n: 3, primaries: 3 }",
                "replication.primaries",
                "a quorum has no primaries",
            ),
            (
                "    replicas: 1\n    replication: { primaries: 2 }",
                "replication.primaries",
                "a primary_replica shard has one primary",
            ),
            (
                "    replication: { w: 2 }",
                "replication.w",
                "`w` applies to `topology: quorum`",
            ),
            (
                "    replication: { topology: ring, primaries: 3, nodes: 3 }",
                "replication.nodes",
                "`nodes` applies to `topology: quorum`",
            ),
            (
                "    replication: { topology: multi_primary, primaries: 0 }",
                "replication.primaries",
                "needs at least 2 primaries",
            ),
            (
                "    replication: { topology: ring, primaries: 17 }",
                "replication.primaries",
                "17 primaries per shard is too many",
            ),
            (
                "    replication: { topology: ring }",
                "replication.topology",
                "no `primaries` and no `dcs`",
            ),
            (
                "    dcs: [a]\n    replication: { topology: ring }",
                "dcs",
                "`dcs` names one data center",
            ),
            (
                "    dcs: [a, b]\n    replication: { topology: ring, primaries: 1 }",
                "replication.primaries",
                "`dcs` names 2 data centers: one would hold no primary",
            ),
            (
                "    read_from: primary\n    replication: { topology: ring, primaries: 2 }",
                "read_from",
                "reads go to the nearest primary",
            ),
            (
                "    replication: { topology: multi_primary, primaries: 2, mode: async }",
                "replication.mode",
                "acknowledged when its primary has committed it",
            ),
            (
                "    replicas: 0\n    replication: { topology: quorum, n: 3 }",
                "replicas",
                "every node of a quorum is equal",
            ),
            (
                "    dc: a\n    replica_dcs: [b]\n    replication: { topology: quorum, n: 3 }",
                "replica_dcs",
                "a shard has no replicas to place",
            ),
            (
                "    replication: { topology: quorum, n: 0 }",
                "replication.n",
                "each key on no node",
            ),
            (
                "    replication: { topology: quorum, n: 65, nodes: 65 }",
                "replication.n",
                "65 nodes is too many",
            ),
            (
                "    replication: { topology: quorum, n: 3, nodes: 65 }",
                "replication.nodes",
                "65 nodes per shard is too many",
            ),
            (
                "    replication: { topology: quorum, n: 3, w: 0 }",
                "replication.w",
                "a write acknowledged by no node",
            ),
            (
                "    replication: { topology: quorum, n: 3, r: 0 }",
                "replication.r",
                "a read answered by no node",
            ),
            (
                "    dcs: [a, b, c]\n    replication: { topology: quorum, n: 2 }",
                "dcs",
                "a shard has 2 nodes: 1 would hold none",
            ),
            (
                "    shards: 2000\n    replication: { topology: quorum, n: 64 }",
                "shards",
                "(128000 nodes) is too many",
            ),
            (
                "    replication: { topology: ring, primaries: 2, lag: -1ms }",
                "replication.lag",
                "",
            ),
        ] {
            let text = topology(keys).replace("    shards: 2\n    shards", "    shards");
            let e = load(&text)
                .err()
                .unwrap_or_else(|| panic!("{keys} compiled"));
            assert_eq!(
                e.path.as_deref(),
                Some(format!("components.db.{path}").as_str()),
                "{keys}: {e}"
            );
            assert!(e.message.contains(phrase), "{keys}: {e}");
        }
    }
}
