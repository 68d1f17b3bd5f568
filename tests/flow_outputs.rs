//! The outputs of [flow] calls, from a run of a small scenario given its
//! [flow] options in code (the language has its own tests): `calls.csv`
//! and `calls_summary.csv` exactly (golden snapshots) and consistent with
//! each other and with the run, the summary's "calls" lines, `calls.png`
//! rendered the same twice and drawn from the data, the report's "Calls"
//! section, and no such file from a run without [flow] calls (removed
//! again when an earlier run left them).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use capsim::cli::outputs::ScenarioOutputs;
use capsim::cli::run_to_dir;
use capsim::engine::SimDuration;
use capsim::model::{CallFlow, CallGuard, ComponentKind, ConnectionLimit, Model, Service};
use capsim::report::format::fixed;
use capsim::report::{schema, table};
use capsim::scenario::{self, LoadOptions};
use capsim::simulation::RunResult;

/// A gateway making four calls per request: `a` (to become a parallel call
/// to `a`, `b` and `c`), `search` (hedged), `payments` (through a pool)
/// and `inventory` (behind a bulkhead); `search` has two workers, so that
/// a hedge's losing try may still wait in its line. 30 s of 10 s windows after a 10 s
/// warm-up, 40 requests per second.
const SCENARIO: &str = "
name: flow
seed: 9
duration: 30s
warmup: 10s
window: 10s
traffic: { to: gw, rate: 40 }
components:
  gw:
    kind: service
    workers: 200
    service_time: 1ms
    calls: [a, search, payments, inventory]
  a: { kind: service, workers: 50, service_time: { exponential: { mean: 5ms } } }
  b: { kind: service, workers: 50, service_time: { exponential: { mean: 5ms } } }
  c: { kind: service, workers: 50, service_time: { exponential: { mean: 5ms } } }
  search: { kind: service, workers: 2, service_time: { exponential: { mean: 10ms } } }
  payments: { kind: service, workers: 50, service_time: { exponential: { mean: 20ms } } }
  inventory: { kind: service, workers: 50, service_time: { exponential: { mean: 20ms } } }
";

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.set_snapshot_path("snapshots/flow");
    s.set_omit_expression(true);
    s
}

fn plain_model() -> Model {
    scenario::load_str("flow.yaml", "flow", SCENARIO, &LoadOptions::default())
        .unwrap_or_else(|f| panic!("{}", f.render(false)))
}

fn id(m: &Model, name: &str) -> u32 {
    m.components.iter().position(|c| c.name == name).unwrap() as u32
}

fn gw(m: &mut Model) -> &mut Service {
    let c = m.components.iter_mut().find(|c| c.name == "gw").unwrap();
    match &mut c.kind {
        ComponentKind::Service(s) => s,
        _ => panic!("gw is a service"),
    }
}

fn flow(
    branches: Vec<u32>,
    join: u32,
    hedge: Option<SimDuration>,
    limit: Option<(u32, bool)>,
) -> Option<Box<CallFlow>> {
    Some(Box::new(CallFlow {
        branches,
        join,
        hedge,
        limit: limit.map(|(size, wait)| ConnectionLimit { size, wait }),
    }))
}

/// The scenario with its [flow] options: `[a, b, c]` joined 2 of 3,
/// `search` hedged after 20 ms (within a 1 s timeout), `payments` through
/// a pool of 1, `inventory` behind a bulkhead of 1.
fn flow_model() -> Model {
    let mut m = plain_model();
    let branches = vec![id(&m, "a"), id(&m, "b"), id(&m, "c")];
    let g = gw(&mut m);
    g.calls[0].flow = flow(branches, 2, None, None);
    g.calls[1].guard = Some(Box::new(CallGuard {
        timeout: Some(SimDuration::from_secs(1)),
        retry: None,
        breaker: None,
    }));
    g.calls[1].flow = flow(Vec::new(), 1, Some(SimDuration::from_millis(20)), None);
    g.calls[2].flow = flow(Vec::new(), 1, None, Some((1, true)));
    g.calls[3].flow = flow(Vec::new(), 1, None, Some((1, false)));
    m
}

fn run(m: &Model, dir: &Path) -> RunResult {
    run_to_dir(m, dir, true, &AtomicBool::new(false)).expect("runs")
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn base_dir(tmp: &tempfile::TempDir) -> PathBuf {
    let dir = tmp.path().join("base");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

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

fn cell<'r>(row: &'r [String], header: &[String], col: &str) -> &'r str {
    let i = header
        .iter()
        .position(|h| h == col)
        .unwrap_or_else(|| panic!("no column {col}"));
    &row[i]
}

const NAMES: [&str; 3] = ["calls.csv", "calls_summary.csv", "calls.png"];

#[test]
fn calls_csv_and_its_summary_are_exact() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = base_dir(&tmp);
    let r = run(&flow_model(), &dir);
    assert!(r.flow.is_some(), "a run with [flow] calls");
    let csv = read(&dir, "calls.csv");
    assert!(csv.starts_with(
        "time_s,caller,call,options,made,sent,hedges,hedge_wins,abandoned,ok,failed,\
         pool_waits,pool_wait_ms,bulkhead_rejected\n"
    ));
    settings().bind(|| insta::assert_snapshot!("calls_csv", csv));
    let summary = read(&dir, "calls_summary.csv");
    settings().bind(|| insta::assert_snapshot!("calls_summary_csv", summary));
}

#[test]
fn the_summary_adds_up_the_measured_windows_of_calls_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = base_dir(&tmp);
    let m = flow_model();
    let r = run(&m, &dir);
    let (h, rows) = parse(&read(&dir, "calls.csv"));
    assert_eq!(h, schema::calls::COLUMNS);
    // 3 windows of 4 entries, window by window.
    assert_eq!(rows.len(), 12);
    let (sh, srows) = parse(&read(&dir, "calls_summary.csv"));
    assert_eq!(sh, schema::calls_summary::COLUMNS);
    let calls = ["[a, b, c]", "search", "payments", "inventory"];
    let options = ["parallel join 2 of 3", "hedge 20ms", "pool 1", "bulkhead 1"];
    for (k, s) in srows.iter().take(4).enumerate() {
        assert_eq!(
            (s[0].as_str(), s[1].as_str(), s[2].as_str()),
            ("gw", calls[k], options[k])
        );
        let mine: Vec<&Vec<String>> = rows
            .iter()
            .filter(|r| r[2] == calls[k] && r[0] != "0")
            .collect();
        assert_eq!(mine.len(), 2, "two windows after the warm-up");
        for col in [
            "made",
            "sent",
            "hedges",
            "hedge_wins",
            "abandoned",
            "ok",
            "failed",
            "pool_waits",
            "bulkhead_rejected",
        ] {
            let sum: u64 = mine
                .iter()
                .map(|r| cell(r, &h, col).parse::<u64>().unwrap())
                .sum();
            assert_eq!(cell(s, &sh, col), sum.to_string(), "{col} of {}", calls[k]);
        }
        let made: f64 = cell(s, &sh, "made").parse().unwrap();
        let rate = |col: &str| cell(s, &sh, col).parse::<f64>().unwrap();
        let hedges: f64 = cell(s, &sh, "hedges").parse().unwrap();
        let abandoned: f64 = cell(s, &sh, "abandoned").parse().unwrap();
        assert!((rate("hedge_rate") - hedges / made).abs() < 1e-6);
        assert!((rate("abandoned_per_call") - abandoned / made).abs() < 1e-6);
        assert_eq!(cell(s, &sh, "cancelled"), "");
    }
    // What each option does shows in its counts: 3 branches sent per
    // parallel call, one abandoned per call joined (a failure aside);
    // hedges; pool waits; bulkhead rejections.
    let total = |k: usize, col: &str| cell(&srows[k], &sh, col).parse::<u64>().unwrap();
    assert_eq!(total(0, "sent"), 3 * total(0, "made"));
    assert!(total(0, "abandoned") >= total(0, "made") - 2);
    assert!(total(1, "hedges") > 0 && total(1, "hedge_wins") > 0);
    assert_eq!(total(1, "sent"), total(1, "made") + total(1, "hedges"));
    assert!(total(2, "pool_waits") > 0);
    assert!(cell(&srows[2], &sh, "pool_wait_ms").parse::<f64>().unwrap() > 0.0);
    assert!(total(3, "bulkhead_rejected") > 0);
    // Then one row per service an entry calls, `call` naming it, with the
    // abandoned calls to it its lines dropped: the run's.
    let f = r.flow.as_deref().unwrap();
    let services: Vec<(&str, &str)> = srows[4..]
        .iter()
        .map(|s| (s[1].as_str(), s[15].as_str()))
        .collect();
    let expect: Vec<(&str, String)> = ["a", "b", "c", "search", "payments", "inventory"]
        .iter()
        .map(|n| {
            let c = f
                .cancelled
                .iter()
                .find(|c| c.0 == id(&m, n))
                .map_or(0, |c| c.1);
            (*n, c.to_string())
        })
        .collect();
    assert_eq!(
        services,
        expect
            .iter()
            .map(|(n, c)| (*n, c.as_str()))
            .collect::<Vec<_>>()
    );
    for s in &srows[4..] {
        assert!(
            s[0].is_empty() && s[2].is_empty() && s[3].is_empty(),
            "{s:?}"
        );
    }
    // Two workers at `search`: some losing tries still waited in its line.
    assert!(expect[3].1.parse::<u64>().unwrap() > 0, "{expect:?}");
}

#[test]
fn the_summary_says_what_each_entry_did() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = base_dir(&tmp);
    let m = flow_model();
    let r = run(&m, &dir);
    let out = table::summary_table(&m, &r);
    let at = out.find("\ncalls after warm-up:\n").expect("a calls part");
    let lines: Vec<&str> = out[at..].lines().skip(2).take(4).collect();
    let (sh, srows) = parse(&read(&dir, "calls_summary.csv"));
    let n = |k: usize, col: &str| -> u64 { cell(&srows[k], &sh, col).parse().unwrap() };
    let grouped = |v: u64| {
        let s = v.to_string();
        if s.len() > 3 {
            format!("{},{}", &s[..s.len() - 3], &s[s.len() - 3..])
        } else {
            s
        }
    };
    let head = |k: usize, what: &str| {
        format!(
            "  gw -> {what}: {} calls, {} failed",
            grouped(n(k, "made")),
            grouped(n(k, "failed"))
        )
    };
    assert_eq!(
        lines[0],
        format!(
            "{}, {} abandoned",
            head(0, "[a, b, c] parallel join 2 of 3"),
            grouped(n(0, "abandoned"))
        )
    );
    assert!(
        lines[1].starts_with(&head(1, "search hedge 20ms")),
        "{}",
        lines[1]
    );
    let hedged = fixed(n(1, "hedges") as f64 / n(1, "made") as f64 * 100.0, 1);
    let won = fixed(n(1, "hedge_wins") as f64 / n(1, "hedges") as f64 * 100.0, 1);
    assert!(
        lines[1].ends_with(&format!("; {hedged}% hedged, {won}% of hedges won")),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with(&head(2, "payments pool 1")));
    assert!(
        lines[2].ends_with(&format!(" ms mean, {} waited", grouped(n(2, "pool_waits")))),
        "{}",
        lines[2]
    );
    assert!(lines[3].starts_with(&head(3, "inventory bulkhead 1")));
    assert!(
        lines[3].contains(&format!(
            "; bulkhead rejected {} (",
            grouped(n(3, "bulkhead_rejected"))
        )),
        "{}",
        lines[3]
    );
    let taken = out[at..].lines().nth(6).unwrap_or_default();
    assert_eq!(
        taken,
        format!(
            "  abandoned calls taken out of a line unserved: search {}",
            cell(&srows[7], &sh, "cancelled")
        )
    );
    // A run without [flow] calls says what it always did.
    let plain = plain_model();
    let r = run(&plain, &dir);
    assert!(r.flow.is_none());
    assert!(!table::summary_table(&plain, &r).contains("calls after warm-up"));
}

#[test]
fn calls_png_renders_the_same_twice_and_draws_the_data() {
    let tmp = tempfile::tempdir().unwrap();
    let mut pngs = Vec::new();
    let mut csvs = Vec::new();
    for name in ["a", "b"] {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        run(&flow_model(), &dir);
        pngs.push(std::fs::read(dir.join("calls.png")).unwrap());
        csvs.push(read(&dir, "calls.csv") + &read(&dir, "calls_summary.csv"));
    }
    assert_eq!(csvs[0], csvs[1], "the same run writes the same files");
    assert!(pngs[0].starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(pngs[0].len() > 10_000);
    assert!(pngs[0] == pngs[1], "calls.png differs between two renders");
    let img = image::load_from_memory(&pngs[0]).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (1600, 900));
    // Data are drawn in colour, everything else in greys: each entry's
    // colour (series 0 to 3: blue, vermillion, green, purple) beyond what
    // its legend swatch takes.
    let count = |rgb: [i32; 3]| {
        img.pixels()
            .filter(|p| (0..3).all(|i| (p[i] as i32 - rgb[i]).abs() <= 12))
            .count()
    };
    assert!(count([0, 114, 178]) > 150, "the parallel call drawn");
    assert!(count([213, 94, 0]) > 150, "the hedged call drawn");
    assert!(count([0, 158, 115]) > 150, "the pool's wait drawn");
    assert!(
        count([204, 121, 167]) > 150,
        "the bulkhead's rejections drawn"
    );
    if let Ok(keep) = std::env::var("CAPSIM_KEEP_CALLS_PNG") {
        std::fs::write(keep, &pngs[0]).unwrap();
    }
}

#[test]
fn the_report_has_a_calls_section() {
    let tmp = tempfile::tempdir().unwrap();
    let outputs = ScenarioOutputs {
        dir: tmp.path().join("flow"),
    };
    let dir = outputs.dir.join("base");
    std::fs::create_dir_all(&dir).unwrap();
    let m = flow_model();
    let r = run(&m, &dir);
    outputs.write_run_reports(&[m], &[r]).unwrap();
    let md = read(&outputs.dir, "report.md");
    let at = md.find("### Calls").expect("a Calls section");
    let section = &md[at..];
    assert!(
        section.contains("| caller | call | options | made | sent |"),
        "{section}"
    );
    assert!(
        section.contains("| gw | \\[a, b, c\\] | parallel join 2 of 3 | "),
        "{section}"
    );
    assert!(
        section.contains("| gw | search | hedge 20ms | "),
        "{section}"
    );
    // A service's row: only its name and its cancelled calls.
    assert!(section.contains("| – | search | – | – |"), "{section}");
    // Readable cells: thousands grouped, one number of decimals per column.
    assert!(
        section.contains("| 835 | 2,505 | 0 | 0 | 835 |"),
        "{section}"
    );
    assert!(section.contains("| 0.121 | 0.121 | – |"), "{section}");
    assert!(section.contains("](base/calls.png)"), "{section}");
    assert_eq!(
        md.matches("base/calls.png)").count(),
        1,
        "calls.png only in its section"
    );
    assert!(md.contains("base/calls.csv"));
    let html = read(&outputs.dir, "report.html");
    assert!(html.contains("<h3>Calls</h3>"));
    assert!(html.contains("calls_summary.csv"));
    assert!(html.contains("base/calls.png"));
}

#[test]
fn a_run_without_flow_calls_writes_none_and_removes_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = base_dir(&tmp);
    let plain = plain_model();
    let r = run(&plain, &dir);
    assert!(r.flow.is_none());
    for name in NAMES {
        assert!(!dir.join(name).exists(), "{name} written");
    }
    let before: Vec<String> = ["summary.csv", "timeseries.csv", "components.csv"]
        .iter()
        .map(|n| read(&dir, n))
        .collect();
    // An earlier run's files are removed by a run without.
    run(&flow_model(), &dir);
    for name in NAMES {
        assert!(dir.join(name).exists(), "{name} not written");
    }
    run(&plain, &dir);
    for name in NAMES {
        assert!(!dir.join(name).exists(), "{name} left behind");
    }
    let after: Vec<String> = ["summary.csv", "timeseries.csv", "components.csv"]
        .iter()
        .map(|n| read(&dir, n))
        .collect();
    assert_eq!(before, after, "the plain run's files are as before");
}

#[test]
fn a_run_of_one_pool_writes_its_entry_and_the_service_it_calls() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = base_dir(&tmp);
    let mut m = plain_model();
    gw(&mut m).calls[2].flow = flow(Vec::new(), 1, None, Some((1, true)));
    run(&m, &dir);
    let (h, rows) = parse(&read(&dir, "calls.csv"));
    assert_eq!(rows.len(), 3, "one entry, three windows");
    assert!(rows.iter().all(|r| cell(r, &h, "options") == "pool 1"));
    let (sh, srows) = parse(&read(&dir, "calls_summary.csv"));
    // The entry, then `payments`, the one service it calls.
    assert_eq!(srows.len(), 2);
    assert_eq!(cell(&srows[1], &sh, "call"), "payments");
    let img = image::open(dir.join("calls.png")).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (1600, 900));
    // The pool's wait in the first series colour (its only panel).
    let blue = img.pixels().filter(|p| p.0 == [0, 114, 178]).count();
    assert!(blue > 300, "the pool's wait drawn: {blue} pixels");
}
