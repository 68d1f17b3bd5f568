//! [replication] input: the topologies a database's `replication` writes
//! compile into their `Topology`, node counts, node names, node places and
//! node partitions; and every error class of the new keys is refused with
//! exit 2, its file, line and column, its key path and its message, and
//! nothing written (the shared checks of `cli::expect_rejected`).

use capsim::components::database::model::{Database, ReadFrom, ReplicationMode, Topology};
use capsim::engine::SimDuration;
use capsim::model::{ComponentKind, Dist, FaultKind, Model};
use capsim::scenario::{LoadOptions, load_str};

use super::cli::expect_rejected;

fn load(text: &str) -> Model {
    load_str("t.yaml", "t", text, &LoadOptions::default())
        .unwrap_or_else(|f| panic!("{}", f.render(false)))
}

/// The database called `name` and its id.
fn db<'a>(m: &'a Model, name: &str) -> (usize, &'a Database) {
    let id = m
        .components
        .iter()
        .position(|c| c.name == name)
        .unwrap_or_else(|| panic!("no component `{name}`"));
    let ComponentKind::Database(d) = &m.components[id].kind else {
        panic!("`{name}` is a database")
    };
    (id, d)
}

/// One database `db` (its keys indented under it) behind the traffic,
/// without data centers.
fn one_db(keys: &str) -> String {
    format!(
        "
duration: 1m
traffic:
  to: db
  rate: 10
  requests: {{ get: {{ key: {{ uniform: {{ keys: 1000 }} }} }} }}
components:
  db:
    kind: database
    read_time: 1ms
    write_time: 2ms
{keys}"
    )
}

/// Three data centers, each pair joined, a service in each calling `db`.
fn three_dcs(keys: &str) -> String {
    format!(
        "
duration: 1m
datacenters: {{ us-east: {{}}, eu-west: {{}}, ap-south: {{}} }}
network:
  links:
    - {{ between: [us-east, eu-west], latency: 40ms }}
    - {{ between: [us-east, ap-south], latency: 90ms }}
    - {{ between: [eu-west, ap-south], latency: 120ms }}
traffic:
  to: web
  rate: 10
  requests: {{ get: {{ key: {{ uniform: {{ keys: 1000 }} }} }} }}
components:
  web: {{ kind: service, dcs: [us-east, eu-west, ap-south], service_time: 1ms, calls: [db] }}
  db:
    kind: database
    read_time: 1ms
    write_time: 2ms
{keys}"
    )
}

#[test]
fn the_topologies_fixture_compiles_every_key() {
    let m = load(include_str!("fixtures/repl-topologies.yaml"));
    let names: Vec<&str> = m.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["web@us-east", "web@eu-west", "db", "feed", "ledger"]
    );
    let g = m.geo.as_deref().unwrap();
    let (id, d) = db(&m, "db");
    assert_eq!(d.topology, Topology::MultiPrimary { primaries: 2 });
    assert_eq!(
        (g.placement[id], g.node_dcs[id].as_slice()),
        (0, &[0, 1][..])
    );
    let (id, d) = db(&m, "feed");
    assert_eq!(d.topology, Topology::Ring { primaries: 3 });
    assert_eq!(g.placement[id], 1);
    assert!(g.node_dcs[id].is_empty());
    let (id, d) = db(&m, "ledger");
    assert_eq!(
        d.topology,
        Topology::Quorum {
            nodes: 4,
            n: 3,
            w: 2,
            r: 2
        }
    );
    assert_eq!(d.nodes(), 8);
    assert_eq!(d.workers, 4, "the size's cores");
    assert_eq!(g.node_dcs[id], [0, 1, 0, 1, 0, 1, 0, 1]);
    let f: Vec<(&str, &str)> = m
        .faults
        .iter()
        .map(|f| (f.label.as_str(), f.target.as_str()))
        .collect();
    assert_eq!(
        f,
        [
            ("partition", "db.shard0.node0 <-> db.shard0.node1"),
            ("crash", "ledger.shard1.node3"),
            ("partition", "feed.shard0.node2 <-> feed.shard0.node0"),
            ("partition", "us-east <-> eu-west"),
        ]
    );
    assert!(matches!(
        m.faults[0].kind,
        FaultKind::NodePartition {
            component: 2,
            a: 0,
            b: 1
        }
    ));
    assert!(
        matches!(&m.faults[1].kind, FaultKind::Crash { component: 4, instances } if instances == &[7])
    );
    assert!(matches!(
        m.faults[2].kind,
        FaultKind::NodePartition {
            component: 3,
            a: 2,
            b: 0
        }
    ));
    assert!(matches!(
        m.faults[3].kind,
        FaultKind::LinkPartition { link: 0 }
    ));
}

#[test]
fn multi_primary_with_primaries_has_equal_nodes_per_shard() {
    let m = load(&one_db(
        "    shards: 2\n    replication: { topology: multi_primary, primaries: 3, conflicts: last_writer_wins, lag: 5ms }\n",
    ));
    let (id, d) = db(&m, "db");
    assert_eq!(d.topology, Topology::MultiPrimary { primaries: 3 });
    assert_eq!((d.per_shard(), d.nodes()), (3, 6));
    assert_eq!(d.replicas, 0);
    assert_eq!(d.read_from, ReadFrom::Primary);
    assert_eq!(d.replication, ReplicationMode::Async);
    assert!(d.failover.is_none());
    assert!(matches!(d.lag, Dist::Constant(l) if l == SimDuration::from_millis(5)));
    assert_eq!(
        m.instance_names(id as u32),
        [
            "shard0.node0",
            "shard0.node1",
            "shard0.node2",
            "shard1.node0",
            "shard1.node1",
            "shard1.node2"
        ]
    );
    assert!(m.geo.is_none());
    // Its debug text shows the topology (a primary/replica database's does not).
    assert!(format!("{d:?}").contains("topology: MultiPrimary"));
}

#[test]
fn ring_and_quorum_compile_their_counts() {
    let m = load(&one_db(
        "    replication: { topology: ring, primaries: 4, lag: 1ms }\n",
    ));
    assert_eq!(db(&m, "db").1.topology, Topology::Ring { primaries: 4 });
    assert_eq!(db(&m, "db").1.nodes(), 4);

    // w and r default to a majority of n, nodes to n.
    for (n, majority) in [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (64, 33)] {
        let m = load(&one_db(&format!(
            "    replication: {{ topology: quorum, n: {n} }}\n"
        )));
        assert_eq!(
            db(&m, "db").1.topology,
            Topology::Quorum {
                nodes: n,
                n,
                w: majority,
                r: majority
            },
            "n: {n}"
        );
    }
    let m = load(&one_db(
        "    shards: 3\n    replication: { topology: quorum, n: 3, w: 3, r: 1, nodes: 5, lag: 1ms }\n",
    ));
    let (id, d) = db(&m, "db");
    assert_eq!(
        d.topology,
        Topology::Quorum {
            nodes: 5,
            n: 3,
            w: 3,
            r: 1
        }
    );
    assert_eq!(d.nodes(), 15);
    assert_eq!(m.instance_names(id as u32)[14], "shard2.node4");
}

#[test]
fn dcs_place_the_nodes_of_a_multi_primary_database_without_copies() {
    let m = load(&three_dcs(
        "    shards: 2\n    dcs: [eu-west, us-east, ap-south]\n    replication: { topology: multi_primary }\n",
    ));
    let names: Vec<&str> = m.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["web@us-east", "web@eu-west", "web@ap-south", "db"],
        "no copies of db"
    );
    let (id, d) = db(&m, "db");
    assert_eq!(d.topology, Topology::MultiPrimary { primaries: 3 });
    let g = m.geo.as_deref().unwrap();
    // The database stands in dcs[0]; node i of each shard in dcs[i].
    assert_eq!(g.placement[id], 1);
    assert_eq!(g.node_dcs[id], [1, 0, 2, 1, 0, 2]);
    assert!(g.node_dcs[..id].iter().all(Vec::is_empty));
    assert_eq!(g.dc_of(id as u32, 5), 2);
    // Every copy of web calls the one database.
    for c in &m.components[..3] {
        let ComponentKind::Service(s) = &c.kind else {
            panic!()
        };
        assert_eq!(s.calls[0].to as usize, id);
    }
}

#[test]
fn dcs_place_ring_nodes_in_order_and_quorum_nodes_round_robin() {
    let m = load(&three_dcs(
        "    dcs: [ap-south, us-east]\n    replication: { topology: ring }\n",
    ));
    let (id, d) = db(&m, "db");
    assert_eq!(d.topology, Topology::Ring { primaries: 2 });
    let g = m.geo.as_deref().unwrap();
    assert_eq!(
        (g.placement[id], g.node_dcs[id].as_slice()),
        (2, &[2, 0][..])
    );

    // More primaries than data centers: they stand round them in order.
    let m = load(&three_dcs(
        "    dcs: [us-east, eu-west]\n    replication: { topology: ring, primaries: 3 }\n",
    ));
    let (id, d) = db(&m, "db");
    assert_eq!(d.topology, Topology::Ring { primaries: 3 });
    let g = m.geo.as_deref().unwrap();
    assert_eq!(g.node_dcs[id], [0, 1, 0]);

    let m = load(&three_dcs(
        "    shards: 2\n    dcs: [us-east, eu-west]\n    replication: { topology: quorum, n: 3, nodes: 5 }\n",
    ));
    let (id, d) = db(&m, "db");
    assert_eq!(d.nodes(), 10);
    let g = m.geo.as_deref().unwrap();
    assert_eq!(g.placement[id], 0);
    assert_eq!(g.node_dcs[id], [0, 1, 0, 1, 0, 0, 1, 0, 1, 0]);

    // `dc` puts every node in one data center: no per-node places.
    let m = load(&three_dcs(
        "    dc: eu-west\n    replication: { topology: quorum, n: 3 }\n",
    ));
    let (id, _) = db(&m, "db");
    let g = m.geo.as_deref().unwrap();
    assert_eq!(g.placement[id], 1);
    assert!(g.node_dcs[id].is_empty());
}

#[test]
fn a_primary_replica_database_keeps_its_copies_and_its_model() {
    let implicit = load(&three_dcs(
        "    dcs: [us-east, eu-west]\n    replicas: 1\n    replication: { mode: sync, lag: 1ms }\n",
    ));
    let explicit = load(&three_dcs(
        "    dcs: [us-east, eu-west]\n    replicas: 1\n    replication: { topology: primary_replica, mode: sync, lag: 1ms }\n",
    ));
    let names: Vec<&str> = implicit
        .components
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names[3..], ["db@us-east", "db@eu-west"]);
    assert_eq!(format!("{implicit:?}"), format!("{explicit:?}"));
    let (id, d) = db(&implicit, "db@eu-west");
    assert_eq!(d.topology, Topology::PrimaryReplica);
    assert!(!format!("{d:?}").contains("topology"));
    assert_eq!(
        implicit.instance_names(id as u32),
        ["shard0.primary", "shard0.replica0"]
    );
}

#[test]
fn a_partition_between_two_nodes_of_a_shard_is_a_node_partition() {
    let m = load(&format!(
        "{}faults:
  - {{ at: 10s, partition: [db.shard1.node2, db.shard1.node0], for: 5s }}
  - {{ at: 20s, crash: db.shard0.node1, for: 5s }}
  - {{ at: 30s, slow: db.shard1.node1, factor: 3 }}
  - {{ at: 40s, errors: db.shard0.node2, share: 10% }}
  - {{ random: crash, target: db.shard1.node0, mttf: 1h, mttr: 1m }}
",
        one_db("    shards: 2\n    replication: { topology: ring, primaries: 3 }\n")
    ));
    let (id, _) = db(&m, "db");
    let f = &m.faults;
    assert!(
        matches!(f[0].kind, FaultKind::NodePartition { component, a: 5, b: 3 } if component as usize == id),
        "{:?}",
        f[0].kind
    );
    assert_eq!(f[0].label, "partition");
    assert_eq!(f[0].target, "db.shard1.node2 <-> db.shard1.node0");
    assert_eq!(f[0].duration, Some(SimDuration::from_secs(5)));
    // Crash, slow, errors and random crashes name nodes by their labels.
    let struck: Vec<Vec<u32>> = f[1..]
        .iter()
        .map(|f| match &f.kind {
            FaultKind::Crash { instances, .. }
            | FaultKind::Slow { instances, .. }
            | FaultKind::Errors { instances, .. }
            | FaultKind::RandomCrash { instances, .. } => instances.clone(),
            k => panic!("{k:?}"),
        })
        .collect();
    assert_eq!(struck, [vec![1], vec![4], vec![2], vec![3]]);
    assert_eq!(f[1].target, "db.shard0.node1");

    // multi_primary too, and the other partitions keep their meaning.
    let m = load(&format!(
        "{}faults:
  - {{ at: 10s, partition: [db.shard0.node0, db.shard0.node1] }}
",
        one_db("    replication: { topology: multi_primary, primaries: 2 }\n")
    ));
    assert!(matches!(
        m.faults[0].kind,
        FaultKind::NodePartition { a: 0, b: 1, .. }
    ));
}

#[test]
fn a_node_that_is_not_there_is_refused_by_its_name() {
    for (target, phrase) in [
        ("db.shard0.node2", "has no instance `shard0.node2`"),
        ("db.shard0.primary", "has no instance `shard0.primary`"),
    ] {
        let text = format!(
            "{}faults:\n  - {{ at: 10s, crash: {target} }}\n",
            one_db("    replication: { topology: multi_primary, primaries: 2 }\n")
        );
        let e = load_str("t.yaml", "t", &text, &LoadOptions::default())
            .expect_err("refused")
            .into_first();
        assert_eq!(e.path.as_deref(), Some("faults[0].crash"));
        assert!(e.message.contains(phrase), "{e}");
        assert!(
            e.expected
                .as_deref()
                .is_some_and(|x| x.contains("`shard0.node0`, `shard0.node1`")),
            "{e}"
        );
    }
}

#[test]
fn bad_node_partitions_are_refused() {
    let text = |pair: &str| {
        format!(
            "{}  other: {{ kind: database, read_time: 1ms, write_time: 1ms, replicas: 1 }}
faults:
  - {{ at: 10s, partition: {pair} }}
",
            one_db("    shards: 2\n    replication: { topology: multi_primary, primaries: 2 }\n")
        )
    };
    for (pair, path, phrase) in [
        (
            "[db.shard0.node1, db.shard0.node1]",
            "faults[0].partition[1]",
            "a partition between `db.shard0.node1` and itself",
        ),
        (
            "[db.shard0.node0, other.shard0.primary]",
            "faults[0].partition[1]",
            "nodes of two components",
        ),
        (
            "[other.shard0.primary, other.shard0.replica0]",
            "faults[0].partition",
            "`other` is a primary_replica database",
        ),
        (
            "[db.shard0.node0, db.shard0.node2]",
            "faults[0].partition[1]",
            "has no instance `shard0.node2`",
        ),
        // A node and a whole component: the error of a partition between
        // components, as before.
        (
            "[db, other.shard0.primary]",
            "faults[0].partition[1]",
            "is one instance",
        ),
    ] {
        let e = load_str("t.yaml", "t", &text(pair), &LoadOptions::default())
            .err()
            .unwrap_or_else(|| panic!("{pair} compiled"))
            .into_first();
        assert_eq!(e.path.as_deref(), Some(path), "{pair}: {e}");
        assert!(e.message.contains(phrase), "{pair}: {e}");
    }
}

// ---------------------------------------------------------------------------
// Bad fixtures: one per rule.

#[test]
fn rejects_w_above_n() {
    expect_rejected(
        "bad-repl-w-above-n.yaml",
        11,
        "4 }",
        Some("components.db.replication.w"),
        &[
            "w above n: `w: 4` with `n: 3`",
            "from 1 to 3 (default 2, a majority of n)",
        ],
    );
}

#[test]
fn rejects_r_above_n() {
    expect_rejected(
        "bad-repl-r-above-n.yaml",
        11,
        "5 }",
        Some("components.db.replication.r"),
        &["r above n: `r: 5` with `n: 3`"],
    );
}

#[test]
fn rejects_n_above_nodes() {
    expect_rejected(
        "bad-repl-n-above-nodes.yaml",
        11,
        "3 }",
        Some("components.db.replication.nodes"),
        &["n above the nodes available", "`nodes: 5` or more"],
    );
}

#[test]
fn rejects_quorum_without_n() {
    expect_rejected(
        "bad-repl-quorum-no-n.yaml",
        11,
        "{",
        Some("components.db.replication"),
        &["missing key `n`", "such as `n: 3`"],
    );
}

#[test]
fn rejects_conflicts_with_ring() {
    expect_rejected(
        "bad-repl-conflicts-ring.yaml",
        11,
        "conflicts",
        Some("components.db.replication.conflicts"),
        &[
            "`conflicts` applies to `topology: multi_primary`",
            "a ring always resolves by last writer wins",
        ],
    );
}

#[test]
fn rejects_conflicts_with_primary_replica() {
    expect_rejected(
        "bad-repl-conflicts-primary-replica.yaml",
        12,
        "conflicts",
        Some("components.db.replication.conflicts"),
        &[
            "`conflicts` applies to `topology: multi_primary`",
            "one writer",
        ],
    );
}

#[test]
fn rejects_one_primary_for_multi_primary() {
    expect_rejected(
        "bad-repl-primaries-one.yaml",
        11,
        "1 }",
        Some("components.db.replication.primaries"),
        &[
            "a multi_primary shard needs at least 2 primaries",
            "from 2 to 16",
        ],
    );
}

#[test]
fn rejects_one_primary_for_ring() {
    expect_rejected(
        "bad-repl-ring-primaries-one.yaml",
        11,
        "1 }",
        Some("components.db.replication.primaries"),
        &["a ring shard needs at least 2 primaries"],
    );
}

#[test]
fn rejects_multi_primary_without_primaries_or_dcs() {
    expect_rejected(
        "bad-repl-no-primaries.yaml",
        11,
        "multi_primary",
        Some("components.db.replication.topology"),
        &["with no `primaries` and no `dcs`"],
    );
}

#[test]
fn rejects_fewer_primaries_than_the_dcs() {
    expect_rejected(
        "bad-repl-primaries-not-dcs.yaml",
        21,
        "2 }",
        Some("components.db.replication.primaries"),
        &["`primaries: 2`, and `dcs` names 3 data centers: one would hold no primary"],
    );
}

#[test]
fn rejects_read_from_with_quorum() {
    expect_rejected(
        "bad-repl-read-from-quorum.yaml",
        11,
        "read_from",
        Some("components.db.read_from"),
        &["a quorum read asks all n nodes"],
    );
}

#[test]
fn rejects_failover_with_multi_primary() {
    expect_rejected(
        "bad-repl-failover-multi-primary.yaml",
        12,
        "failover",
        Some("components.db.failover"),
        &["nothing to promote: every node takes writes"],
    );
}

#[test]
fn rejects_failover_with_quorum() {
    expect_rejected(
        "bad-repl-failover-quorum.yaml",
        12,
        "failover",
        Some("components.db.failover"),
        &["`failover` with `topology: quorum`: nothing to promote"],
    );
}

#[test]
fn rejects_replicas_with_multi_primary() {
    expect_rejected(
        "bad-repl-replicas-multi-primary.yaml",
        11,
        "replicas",
        Some("components.db.replicas"),
        &[
            "every node of a shard is a primary",
            "`replication.primaries: N` (or `dcs`)",
        ],
    );
}

#[test]
fn rejects_replica_dcs_with_ring() {
    expect_rejected(
        "bad-repl-replica-dcs.yaml",
        20,
        "replica_dcs",
        Some("components.db.replica_dcs"),
        &["`replica_dcs` with `topology: ring`", "`dcs: [..]`"],
    );
}

#[test]
fn rejects_mode_with_quorum() {
    expect_rejected(
        "bad-repl-mode-quorum.yaml",
        11,
        "mode",
        Some("components.db.replication.mode"),
        &["`mode` with `topology: quorum`"],
    );
}

#[test]
fn rejects_n_without_quorum() {
    expect_rejected(
        "bad-repl-n-without-quorum.yaml",
        11,
        "n: 3",
        Some("components.db.replication.n"),
        &["`n` applies to `topology: quorum`"],
    );
}

#[test]
fn rejects_partition_between_two_shards() {
    expect_rejected(
        "bad-repl-partition-two-shards.yaml",
        16,
        "db.shard1.node1",
        Some("faults[0].partition[1]"),
        &["are in two shards: nodes replicate only within their shard"],
    );
}

#[test]
fn rejects_partition_between_quorum_nodes() {
    expect_rejected(
        "bad-repl-partition-quorum.yaml",
        15,
        "[db",
        Some("faults[0].partition"),
        &["`db` is a quorum database", "multi_primary or ring"],
    );
}

#[test]
fn rejects_dcs_no_link_joins() {
    expect_rejected(
        "bad-repl-dcs-no-link.yaml",
        19,
        "ap-south",
        Some("components.db.dcs[2]"),
        &[
            "`db`'s nodes stand in eu-west and ap-south, and no link joins them",
            "a link `between: [eu-west, ap-south]`",
        ],
    );
}
