//! The outputs of the [replication] topologies, from a run whose
//! replication rows are made here (the runtime fills them in real runs):
//! `replication.csv` and `replication_summary.csv` exactly (golden
//! snapshots), the summary's data-tier lines, `summary.csv` untouched,
//! `replication.png` rendered the same twice and drawn from the data, the
//! report's "Replication" section, and no such file from a run without
//! such a database (removed again when an earlier run left them).

use std::path::Path;
use std::sync::atomic::AtomicBool;

use capsim::cli::outputs::ScenarioOutputs;
use capsim::cli::{run_to_dir, write_run_outputs};
use capsim::engine::{SimDuration, SimTime};
use capsim::metrics::{
    EventKind, LoggedEvent, ReplicationResult, ReplicationRow, ReplicationTotals,
};
use capsim::model::{ComponentKind, Fault, FaultKind, Model, Topology};
use capsim::report::table;
use capsim::scenario::{self, LoadOptions};
use capsim::simulation::RunResult;

const SCENARIO: &str = "
name: repl
seed: 5
duration: 30s
warmup: 10s
window: 10s
traffic:
  to: web
  rate: 50
  requests:
    read: { weight: 3, op: read, key: { uniform: { keys: 1000 } } }
    write: { weight: 1, op: write, key: { uniform: { keys: 1000 } } }
components:
  web:
    kind: service
    instances: 2
    workers: 4
    service_time: { exponential: { mean: 2ms } }
    calls: [db, { to: ledger, when: write }]
  db:
    kind: database
    workers: 4
    read_time: { exponential: { mean: 1ms } }
    write_time: { exponential: { mean: 2ms } }
  ledger:
    kind: database
    workers: 4
    read_time: { exponential: { mean: 1ms } }
    write_time: { exponential: { mean: 2ms } }
";

fn secs(s: f64) -> SimTime {
    SimTime((s * 1e9).round() as u64)
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.set_snapshot_path("snapshots/repl");
    s.set_omit_expression(true);
    s
}

fn plain_model() -> Model {
    scenario::load_str("repl.yaml", "repl", SCENARIO, &LoadOptions::default())
        .unwrap_or_else(|f| panic!("{}", f.render(false)))
}

fn set_topology(m: &mut Model, name: &str, topology: Topology) {
    let c = m
        .components
        .iter_mut()
        .find(|c| c.name == name)
        .expect("the database");
    let ComponentKind::Database(d) = &mut c.kind else {
        panic!("{name} is not a database");
    };
    d.topology = topology;
    d.replicas = 0;
}

/// `db` multi-primary with 2 primaries, `ledger` a quorum of 3 (n 3, w 2,
/// r 2).
fn repl_model(mut m: Model) -> Model {
    set_topology(&mut m, "db", Topology::MultiPrimary { primaries: 2 });
    set_topology(
        &mut m,
        "ledger",
        Topology::Quorum {
            nodes: 3,
            n: 3,
            w: 2,
            r: 2,
        },
    );
    m
}

fn id(m: &Model, name: &str) -> u32 {
    m.components.iter().position(|c| c.name == name).unwrap() as u32
}

#[allow(clippy::too_many_arguments)]
fn row(
    start: f64,
    component: u32,
    node: Option<u32>,
    writes: u64,
    applied: u64,
    lag_ms: Option<f64>,
    backlog: u64,
    lost: Option<(u64, u64)>,
    reads: (u64, u64),
    unavailable: u64,
) -> ReplicationRow {
    ReplicationRow {
        start: secs(start),
        len: SimDuration::from_secs(10),
        component,
        node,
        writes,
        applied,
        lag_ms,
        backlog,
        conflicts: lost.map(|c| c.0),
        lost_updates: lost.map(|c| c.1),
        reads: reads.0,
        stale_reads: reads.1,
        unavailable,
    }
}

/// The totals of `rows`' `*` rows from `warmup` on, as the runtime reports
/// them.
fn totals_of(m: &Model, rows: &[ReplicationRow], warmup: f64) -> Vec<ReplicationTotals> {
    let mut out = Vec::new();
    for (name, topology) in [
        ("db", Topology::MultiPrimary { primaries: 2 }),
        (
            "ledger",
            Topology::Quorum {
                nodes: 3,
                n: 3,
                w: 2,
                r: 2,
            },
        ),
    ] {
        let c = id(m, name);
        let whole = rows
            .iter()
            .filter(|r| r.component == c && r.node.is_none() && r.start >= secs(warmup));
        let mut t = ReplicationTotals {
            component: c,
            topology,
            writes: 0,
            conflicts: topology.has_writers().then_some(0),
            lost_updates: topology.has_writers().then_some(0),
            reads: 0,
            stale_reads: 0,
            unavailable: 0,
        };
        for r in whole {
            t.writes += r.writes;
            t.conflicts = t.conflicts.map(|n| n + r.conflicts.unwrap_or(0));
            t.lost_updates = t.lost_updates.map(|n| n + r.lost_updates.unwrap_or(0));
            t.reads += r.reads;
            t.stale_reads += r.stale_reads;
            t.unavailable += r.unavailable;
        }
        out.push(t);
    }
    out
}

/// Three windows of 10 s of `db` (2 nodes: the second applies nothing in
/// the middle window, a split brain) and `ledger` (3 nodes).
fn repl_result(m: &Model) -> ReplicationResult {
    let (db, ledger) = (id(m, "db"), id(m, "ledger"));
    let mut rows = Vec::new();
    for k in 0..3u64 {
        let t = 10.0 * k as f64;
        let kf = k as f64;
        // db: nodes 0 and 1, then `*`.
        let n0 = row(
            t,
            db,
            Some(0),
            100 + 10 * k,
            90 + 10 * k,
            Some(5.0 + kf * 0.125),
            k,
            Some((2 * k, k)),
            (400, 4 * k),
            0,
        );
        let held = k == 1;
        let n1 = row(
            t,
            db,
            Some(1),
            90 + 10 * k,
            if held { 0 } else { 100 + 10 * k },
            (!held).then_some(6.5),
            if held { 110 } else { 2 * k },
            Some((k, 0)),
            (380, 2 * k + 1),
            0,
        );
        let whole = row(
            t,
            db,
            None,
            n0.writes + n1.writes,
            n0.applied + n1.applied,
            Some(if held { 5.125 } else { 5.8125 + kf * 0.0625 }),
            n0.backlog + n1.backlog,
            Some((
                n0.conflicts.unwrap() + n1.conflicts.unwrap(),
                n0.lost_updates.unwrap() + n1.lost_updates.unwrap(),
            )),
            (n0.reads + n1.reads, n0.stale_reads + n1.stale_reads),
            if held { 3 } else { 0 },
        );
        rows.extend([n0, n1, whole]);
        // ledger: nodes 0 to 2 (node 2 down in the last window), then `*`.
        let mut reads = (0, 0);
        for n in 0..3u32 {
            let down = k == 2 && n == 2;
            let r = row(
                t,
                ledger,
                Some(n),
                if down { 0 } else { 50 + k },
                0,
                (!down).then_some(1.25 + n as f64 * 0.5),
                if down { 51 } else { 0 },
                None,
                if down { (0, 0) } else { (120, k) },
                0,
            );
            reads = (reads.0 + r.reads, reads.1 + r.stale_reads);
            rows.push(r);
        }
        rows.push(row(
            t,
            ledger,
            None,
            52 + k,
            0,
            Some(1.75),
            if k == 2 { 51 } else { 0 },
            None,
            (reads.0 / 2, reads.1),
            5 * k,
        ));
    }
    let totals = totals_of(m, &rows, 10.0);
    ReplicationResult { rows, totals }
}

fn event(s: f64, kind: EventKind, target: &str) -> LoggedEvent {
    LoggedEvent {
        time: secs(s),
        kind,
        target: target.into(),
        detail: String::new(),
        fault: None,
    }
}

/// Runs the plain scenario into `dir`, then gives the model its topologies
/// and the result its replication rows and events, and writes the outputs
/// again.
fn repl_run(dir: &Path) -> (Model, RunResult) {
    let plain = plain_model();
    let mut r = run_to_dir(&plain, dir, true, &AtomicBool::new(false)).expect("runs");
    assert!(
        r.replication.is_none(),
        "primary/replica only: no replication"
    );
    let m = repl_model(plain);
    r.replication = Some(Box::new(repl_result(&m)));
    r.log = vec![
        event(11.0, EventKind::ReplicationHeld, "db.shard0"),
        event(19.0, EventKind::ReplicationResumed, "db.shard0"),
        event(21.0, EventKind::QuorumLost, "ledger.shard0"),
        event(27.5, EventKind::QuorumRegained, "ledger.shard0"),
    ];
    write_run_outputs(&m, &r, dir).expect("writes");
    (m, r)
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn base_dir(tmp: &tempfile::TempDir) -> std::path::PathBuf {
    let dir = tmp.path().join("base");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn replication_csv_and_its_summary_are_exact() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = base_dir(&tmp);
    repl_run(&dir);
    let csv = read(&dir, "replication.csv");
    assert!(csv.starts_with(
        "time_s,component,node,topology,writes,applied,lag_ms_mean,backlog,conflicts,\
         lost_updates,reads,stale_reads,unavailable\n"
    ));
    settings().bind(|| insta::assert_snapshot!("replication_csv", csv));
    let summary = read(&dir, "replication_summary.csv");
    settings().bind(|| insta::assert_snapshot!("replication_summary_csv", summary));
}

#[test]
fn the_summary_says_conflicts_per_thousand_writes_and_the_quorum_calls_unavailable() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = base_dir(&tmp);
    let (m, r) = repl_run(&dir);
    let out = table::summary_table(&m, &r);
    let line = |name: &str| -> String {
        out.lines()
            .find(|l| l.starts_with(&format!("  {name}: ")))
            .unwrap_or_else(|| panic!("no line of {name} in\n{out}"))
            .to_string()
    };
    // db after warm-up: 210 + 230 writes, 3 + 6 conflicts (9 / 440 = 20.45
    // per 1000), 1 + 2 lost updates, 1,560 reads of which 7 + 13 stale.
    let db = line("db");
    assert!(
        db.ends_with(
            "; multi_primary: conflicts 20.45 per 1000 writes, lost updates 3, 3 calls \
             unavailable; stale reads 1.28% of all reads (20 of 1,560)"
        ),
        "{db}"
    );
    assert!(!db.contains("replica"), "{db}");
    let ledger = line("ledger");
    assert!(
        ledger.ends_with(
            "; quorum n=3 w=2 r=2: 15 calls unavailable; stale reads 2.33% of all reads \
             (7 of 300)"
        ),
        "{ledger}"
    );
    // The same run as primary/replica databases says what it always did.
    let plain = plain_model();
    let mut before = r.clone();
    before.replication = None;
    let lines = table::data_lines(&plain, &before);
    assert!(
        lines.iter().all(|l| l.ends_with("no replica reads")),
        "{lines:?}"
    );
}

#[test]
fn summary_csv_keeps_its_rows_and_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = base_dir(&tmp);
    let plain = plain_model();
    run_to_dir(&plain, &dir, true, &AtomicBool::new(false)).expect("runs");
    let before = read(&dir, "summary.csv");
    repl_run(&dir);
    assert_eq!(read(&dir, "summary.csv"), before);
}

#[test]
fn replication_png_renders_the_same_twice_and_draws_the_data() {
    let tmp = tempfile::tempdir().unwrap();
    let mut pngs = Vec::new();
    for name in ["a", "b"] {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        repl_run(&dir);
        pngs.push(std::fs::read(dir.join("replication.png")).unwrap());
    }
    assert!(pngs[0].starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(pngs[0].len() > 10_000);
    assert!(
        pngs[0] == pngs[1],
        "replication.png differs between two renders"
    );
    let img = image::load_from_memory(&pngs[0]).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (1600, 900));
    // Data are drawn in colour, everything else in greys (see plots.rs):
    // the plot area holds coloured pixels, and the split brain's magenta
    // and the lost quorum's navy markers.
    let count = |rgb: [i32; 3]| {
        img.pixels()
            .filter(|p| (0..3).all(|i| (p[i] as i32 - rgb[i]).abs() <= 12))
            .count()
    };
    assert!(count([213, 94, 0]) > 100, "conflicts drawn");
    assert!(count([0, 114, 178]) > 100, "stale share drawn");
    assert!(count([170, 0, 120]) > 100, "split brain marked");
    assert!(count([40, 40, 140]) > 100, "lost quorum marked");
    if let Ok(keep) = std::env::var("CAPSIM_KEEP_REPL_PNG") {
        std::fs::write(keep, &pngs[0]).unwrap();
    }
}

#[test]
fn the_report_has_a_replication_section() {
    let tmp = tempfile::tempdir().unwrap();
    let outputs = ScenarioOutputs {
        dir: tmp.path().join("repl"),
    };
    let dir = outputs.dir.join("base");
    std::fs::create_dir_all(&dir).unwrap();
    let (m, r) = repl_run(&dir);
    outputs.write_run_reports(&[m], &[r]).unwrap();
    let md = read(&outputs.dir, "report.md");
    let at = md.find("### Replication").expect("a Replication section");
    let section = &md[at..];
    assert!(
        section.contains("| database | topology | writes | conflicts |"),
        "{section}"
    );
    assert!(
        section.contains("| db | multi_primary | 440 | 9 | 20.5 | 3 | 1,560 | 20 | 1.28% | 3 |"),
        "{section}"
    );
    assert!(
        section.contains("| ledger | quorum | 107 | – | – | – | 300 | 7 | 2.33% | 15 |"),
        "{section}"
    );
    assert!(section.contains("](base/replication.png)"), "{section}");
    assert_eq!(
        md.matches("base/replication.png)").count(),
        1,
        "replication.png only in its section"
    );
    assert!(md.contains("base/replication.csv"));
    let html = read(&outputs.dir, "report.html");
    assert!(html.contains("<h3>Replication</h3>"));
    assert!(html.contains("replication_summary.csv"));
}

#[test]
fn a_run_without_such_a_database_writes_none_and_removes_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = base_dir(&tmp);
    // An existing scenario with a primary/replica database.
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/data-tier.yaml");
    let data = scenario::load_file(Path::new(fixture), &LoadOptions::default())
        .unwrap_or_else(|f| panic!("{}", f.render(false)))
        .remove(0);
    let r = run_to_dir(&data, &dir, true, &AtomicBool::new(false)).expect("runs");
    assert!(r.replication.is_none());
    let names = [
        "replication.csv",
        "replication_summary.csv",
        "replication.png",
    ];
    for name in names {
        assert!(!dir.join(name).exists(), "{name} written");
    }
    // An earlier run's files are removed by a run without.
    repl_run(&dir);
    for name in names {
        assert!(dir.join(name).exists(), "{name} not written");
    }
    let plain = plain_model();
    run_to_dir(&plain, &dir, true, &AtomicBool::new(false)).expect("runs");
    for name in names {
        assert!(!dir.join(name).exists(), "{name} left behind");
    }
}

#[test]
fn many_nodes_draw_their_mean_over_a_band() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = base_dir(&tmp);
    let plain = plain_model();
    let mut r = run_to_dir(&plain, &dir, true, &AtomicBool::new(false)).expect("runs");
    let mut m = plain;
    let quorum = Topology::Quorum {
        nodes: 12,
        n: 3,
        w: 2,
        r: 2,
    };
    set_topology(&mut m, "db", quorum);
    let db = id(&m, "db");
    let mut rows = Vec::new();
    for k in 0..3u64 {
        let t = 10.0 * k as f64;
        for n in 0..12u32 {
            let lag = 1.0 + n as f64 * (1.0 + k as f64);
            rows.push(row(t, db, Some(n), 10, 0, Some(lag), 0, None, (30, 0), 0));
        }
        rows.push(row(t, db, None, 40, 0, Some(7.0), 0, None, (180, k), k));
    }
    let totals = vec![ReplicationTotals {
        component: db,
        topology: quorum,
        writes: 80,
        conflicts: None,
        lost_updates: None,
        reads: 360,
        stale_reads: 3,
        unavailable: 3,
    }];
    r.replication = Some(Box::new(ReplicationResult { rows, totals }));
    write_run_outputs(&m, &r, &dir).expect("writes");
    let csv = read(&dir, "replication.csv");
    assert!(
        csv.contains("\n20,db,shard0.node11,quorum,10,0,34,0,,,30,0,0\n"),
        "{csv}"
    );
    let img = image::open(dir.join("replication.png")).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (1600, 900));
    let band = img.pixels().filter(|p| p.0 == [200, 222, 240]).count();
    assert!(band > 10_000, "the band of 12 nodes: {band} pixels");
}

// ---------------------------------------------------------------------------
// End to end: the runtime's rows and totals (topologies set on the compiled
// model until the scenario language has them).

/// Reads and writes straight to one database, 12 s of 1 s windows after a
/// 2 s warm-up.
const E2E: &str = "
name: repl-e2e
seed: 11
duration: 12s
warmup: 2s
window: 1s
traffic:
  to: db
  rate: 400
  requests:
    get: { weight: 1, op: read, key: { uniform: { keys: 50 } } }
    put: { weight: 1, op: write, key: { uniform: { keys: 50 } } }
components:
  db:
    kind: database
    workers: 64
    read_time: 1ms
    write_time: 1ms
    replication: { lag: 20ms }
";

/// A CSV as a header and rows of cells.
fn parse(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// A count cell (empty: `None`).
fn cell(row: &[String], header: &[String], col: &str) -> Option<u64> {
    let i = header.iter().position(|h| h == col).unwrap();
    (!row[i].is_empty()).then(|| row[i].parse().unwrap())
}

/// Runs `m` into a fresh folder and checks what every such run must: the
/// three files written, `replication.csv` under its schema with each
/// window's `*` row the sum of its nodes' counts, and the sums of the `*`
/// rows after the warm-up equal to the totals (the run's and
/// `replication_summary.csv`'s). Returns the folder's parent, the result
/// and the rows.
fn e2e(m: &Model) -> (tempfile::TempDir, RunResult, Vec<Vec<String>>) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = base_dir(&tmp);
    let r = run_to_dir(m, &dir, true, &AtomicBool::new(false)).expect("runs");
    let result = r.replication.as_deref().expect("replication rows");
    for name in [
        "replication.csv",
        "replication_summary.csv",
        "replication.png",
    ] {
        assert!(dir.join(name).is_file(), "{name} not written");
    }
    let img = image::open(dir.join("replication.png")).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (1600, 900));
    let (header, rows) = parse(&read(&dir, "replication.csv"));
    assert_eq!(header, capsim::report::schema::replication::COLUMNS);
    assert_eq!(rows.len(), result.rows.len());
    let counts = [
        "writes",
        "applied",
        "backlog",
        "conflicts",
        "lost_updates",
        "reads",
    ];
    let node_count = m.instance_names(0).len();
    // Windows: the nodes' rows then `*`.
    for window in rows.chunks(node_count + 1) {
        let (nodes, whole) = window.split_at(node_count);
        let whole = &whole[0];
        assert_eq!(whole[2], "*");
        for (k, n) in nodes.iter().enumerate() {
            assert_eq!(n[0], whole[0], "one window");
            assert_eq!(n[2], format!("shard0.node{k}"));
            assert_eq!(cell(n, &header, "unavailable"), Some(0));
        }
        for col in counts {
            let sum = nodes
                .iter()
                .map(|n| cell(n, &header, col))
                .reduce(|a, b| Some(a? + b?))
                .flatten();
            let at = cell(whole, &header, col);
            // A quorum's `*` writes are those acknowledged and its reads
            // those answered, not the nodes' sums.
            if !(result.totals[0].topology.has_writers() || col == "applied" || col == "backlog") {
                continue;
            }
            assert_eq!(at, sum, "{col} at {}", whole[0]);
        }
    }
    let warmup = m.warmup.as_secs_f64();
    let after: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[2] == "*" && r[0].parse::<f64>().unwrap() >= warmup)
        .collect();
    let sum = |col: &str| -> Option<u64> {
        after
            .iter()
            .map(|r| cell(r, &header, col))
            .reduce(|a, b| Some(a? + b?))
            .flatten()
    };
    let t = &result.totals[0];
    assert_eq!(sum("writes"), Some(t.writes), "writes");
    assert_eq!(sum("conflicts"), t.conflicts, "conflicts");
    assert_eq!(sum("lost_updates"), t.lost_updates, "lost updates");
    assert_eq!(sum("reads"), Some(t.reads), "reads");
    assert_eq!(sum("stale_reads"), Some(t.stale_reads), "stale reads");
    assert_eq!(sum("unavailable"), Some(t.unavailable), "unavailable");
    let (sh, srows) = parse(&read(&dir, "replication_summary.csv"));
    assert_eq!(sh, capsim::report::schema::replication_summary::COLUMNS);
    assert_eq!(srows.len(), 1);
    let s = &srows[0];
    assert_eq!(s[0], "db");
    assert_eq!(s[1], t.topology.name());
    for col in [
        "writes",
        "conflicts",
        "lost_updates",
        "reads",
        "stale_reads",
        "unavailable",
    ] {
        assert_eq!(cell(s, &sh, col), sum(col), "{col} of the summary");
    }
    (tmp, r, rows)
}

fn e2e_model(topology: Topology, fault: FaultKind, label: &str, target: &str) -> Model {
    let mut m = scenario::load_str("e2e.yaml", "repl-e2e", E2E, &LoadOptions::default())
        .unwrap_or_else(|f| panic!("{}", f.render(false)));
    set_topology(&mut m, "db", topology);
    m.faults = vec![Fault {
        at: secs(5.0),
        duration: Some(SimDuration::from_secs(3)),
        kind: fault,
        label: label.into(),
        target: target.into(),
    }];
    m
}

#[test]
fn a_multi_primary_run_writes_files_whose_rows_add_up_to_its_totals() {
    // A split brain from 5 s to 8 s: replication between the primaries is
    // held, and conflicts pile up.
    let m = e2e_model(
        Topology::MultiPrimary { primaries: 2 },
        FaultKind::NodePartition {
            component: 0,
            a: 0,
            b: 1,
        },
        "partition",
        "db.shard0.node0 <-> db.shard0.node1",
    );
    let (tmp, r, rows) = e2e(&m);
    if let Ok(keep) = std::env::var("CAPSIM_KEEP_REPL_E2E") {
        let dir = tmp.path().join("base");
        for name in [
            "replication.csv",
            "replication_summary.csv",
            "replication.png",
        ] {
            std::fs::copy(dir.join(name), Path::new(&keep).join(name)).unwrap();
        }
        println!("{}", table::summary_table(&m, &r));
    }
    let t = &r.replication.as_ref().unwrap().totals[0];
    assert!(t.conflicts.unwrap() > 0, "{t:?}");
    assert!(t.lost_updates.unwrap() > 0, "{t:?}");
    assert!(t.stale_reads > 0, "{t:?}");
    // The split brain's windows hold writes: the backlog grows in them.
    let backlog_at = |s: &str| {
        rows.iter()
            .find(|r| r[0] == s && r[2] == "*")
            .map(|r| r[7].parse::<u64>().unwrap())
            .unwrap()
    };
    assert!(backlog_at("7") > backlog_at("3"), "held writes at 7 s");
    let dir = tmp.path().join("base");
    let events = read(&dir, "events.csv");
    assert!(events.contains(",replication_held,"), "{events}");
    assert!(events.contains(",replication_resumed,"), "{events}");
    let out = table::summary_table(&m, &r);
    let line = out
        .lines()
        .find(|l| l.starts_with("  db: "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.contains("; multi_primary: conflicts ")
            && line.contains(" per 1000 writes, lost updates "),
        "{line}"
    );
    assert!(line.contains("% of all reads ("), "{line}");
}

#[test]
fn a_quorum_run_writes_files_whose_rows_add_up_to_its_totals() {
    // Two of three nodes down from 5 s to 8 s: fewer than w = 2 up.
    let m = e2e_model(
        Topology::Quorum {
            nodes: 3,
            n: 3,
            w: 2,
            r: 2,
        },
        FaultKind::Crash {
            component: 0,
            instances: vec![1, 2],
        },
        "crash",
        "db.shard0.node1",
    );
    let (tmp, r, _) = e2e(&m);
    let t = &r.replication.as_ref().unwrap().totals[0];
    assert!(t.unavailable > 0, "{t:?}");
    assert_eq!((t.conflicts, t.lost_updates), (None, None));
    let events = read(&tmp.path().join("base"), "events.csv");
    assert!(events.contains(",quorum_lost,"), "{events}");
    assert!(events.contains(",quorum_regained,"), "{events}");
    let out = table::summary_table(&m, &r);
    assert!(out.contains("; quorum n=3 w=2 r=2: "), "{out}");
}

#[test]
fn a_ring_run_writes_files_whose_rows_add_up_to_its_totals() {
    // Node 1 of 3 down from 5 s to 8 s: the ring is broken behind it.
    let m = e2e_model(
        Topology::Ring { primaries: 3 },
        FaultKind::Crash {
            component: 0,
            instances: vec![1],
        },
        "crash",
        "db.shard0.node1",
    );
    let (tmp, r, _) = e2e(&m);
    let t = &r.replication.as_ref().unwrap().totals[0];
    assert!(t.conflicts.is_some() && t.lost_updates.is_some(), "{t:?}");
    let events = read(&tmp.path().join("base"), "events.csv");
    assert!(events.contains(",ring_broken,"), "{events}");
    assert!(events.contains(",ring_repaired,"), "{events}");
    let out = table::summary_table(&m, &r);
    assert!(out.contains("; ring: conflicts "), "{out}");
}
