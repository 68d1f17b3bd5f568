//! The outputs of the [geo] capability, from a run whose data centers'
//! rows are made here (the runtime fills them in real runs): `links.csv`,
//! `datacenters.csv` and their summaries exactly, the origins' rows of
//! `summary.csv` and `replications.csv`, `geo.png` rendered the same twice,
//! the report's "Data centers" section, and the files removed again by a
//! run without data centers.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use capsim::cli::outputs::ScenarioOutputs;
use capsim::cli::{run_to_dir, write_run_outputs};
use capsim::engine::{SimDuration, SimTime};
use capsim::metrics::{
    DatacenterRow, EventKind, GeoResult, LinkRow, LoggedEvent, OriginRow, RecoveryRow, SummaryRow,
};
use capsim::model::{Bytes, Datacenter, Dist, Fault, FaultKind, Geo, Link, Model, Origin};
use capsim::planning::replications::{Replicated, Sample, read_samples, replications_csv};
use capsim::report::{csv, table};
use capsim::scenario::{self, LoadOptions};
use capsim::simulation::RunResult;

const SCENARIO: &str = "
name: geo
seed: 5
duration: 30s
warmup: 10s
window: 10s
traffic:
  to: lb
  rate: 50
components:
  lb:
    kind: load_balancer
    to: web
  web:
    kind: service
    instances: 2
    workers: 2
    service_time: { exponential: { mean: 5ms } }
";

fn secs(s: f64) -> SimTime {
    SimTime((s * 1e9).round() as u64)
}

fn ms(x: f64) -> SimDuration {
    SimDuration((x * 1e6).round() as u64)
}

fn plain_model() -> Model {
    scenario::load_str("geo.yaml", "geo", SCENARIO, &LoadOptions::default())
        .unwrap_or_else(|f| panic!("{}", f.render(false)))
}

/// Two data centers, one priced link with a bandwidth, two origins; an
/// outage of `eu-west` from 12s to 18s.
fn geo_model(mut m: Model) -> Model {
    let n = m.components.len();
    m.geo = Some(Box::new(Geo {
        datacenters: vec![
            Datacenter {
                name: "us-east".into(),
                price_factor: 1.0,
            },
            Datacenter {
                name: "eu-west".into(),
                price_factor: 1.15,
            },
        ],
        within: SimDuration::ZERO,
        links: vec![Link {
            a: 0,
            b: 1,
            latency: Dist::Constant(ms(40.0)),
            bandwidth_bps: Some(1e9),
            egress_per_gb: Some(0.02),
        }],
        origins: vec![
            Origin {
                name: "na".into(),
                share: 0.6,
                latency: vec![ms(15.0), ms(85.0)],
                to: 0,
            },
            Origin {
                name: "eu".into(),
                share: 0.4,
                latency: vec![ms(80.0), ms(12.0)],
                to: 0,
            },
        ],
        placement: vec![0; n],
        node_dcs: vec![Vec::new(); n],
        bytes: vec![Bytes::default()],
    }));
    m.faults = vec![Fault {
        at: secs(12.0),
        duration: Some(SimDuration::from_secs(6)),
        kind: FaultKind::Outage { dc: 1 },
        label: "outage".into(),
        target: "eu-west".into(),
    }];
    m
}

fn origin_summary(name: &str, ok: u64, p50: f64) -> SummaryRow {
    SummaryRow {
        class: format!("origin:{name}"),
        requests: ok + 2,
        ok,
        rejected: 0,
        timed_out: 0,
        failed: 2,
        error_rate: 2.0 / (ok + 2) as f64,
        throughput_rps: ok as f64 / 20.0,
        goodput_rps: ok as f64 / 20.0,
        latency_mean: Some(ms(p50 + 1.5)),
        latency: Some([
            ms(p50),
            ms(p50 * 1.5),
            ms(p50 * 2.0),
            ms(p50 * 3.0),
            ms(p50 * 4.0),
        ]),
        sessions_lost: None,
    }
}

/// What the runtime would report of `geo_model`: three windows of 10s.
fn geo_result() -> GeoResult {
    let w = SimDuration::from_secs(10);
    let mut links = Vec::new();
    let mut datacenters = Vec::new();
    let mut origins = Vec::new();
    for k in 0..3u64 {
        let start = secs(10.0 * k as f64);
        for direction in 0..2u8 {
            links.push(LinkRow {
                start,
                len: w,
                link: 0,
                direction,
                messages: 100 * (k + 1) + direction as u64,
                bytes: 2_000_000 * (k + 1),
                utilization: Some(0.0016 * (k + 1) as f64),
                delay_ms_mean: (k != 1 || direction == 0).then_some(40.0 + k as f64 * 0.25),
            });
        }
        for dc in 0..2u8 {
            datacenters.push(DatacenterRow {
                start,
                len: w,
                datacenter: dc,
                up: !(dc == 1 && k == 1),
                requests_in: if dc == 1 && k == 1 {
                    0
                } else {
                    200 + 100 * dc as u64
                },
                ok: 190 + k,
                failed: 10 - k,
                utilization: (dc == 0 || k != 1).then_some(0.25 + 0.125 * k as f64),
            });
        }
        for origin in 0..2u8 {
            origins.push(OriginRow {
                start,
                len: w,
                origin,
                sent: 250,
                ok: 245,
                errors: 5,
                latency: (k != 2 || origin == 0).then(|| {
                    let p = 30.0 + 70.0 * origin as f64 + 20.0 * k as f64;
                    [ms(p), ms(p * 1.2), ms(p * 2.0), ms(p * 3.0), ms(p * 4.0)]
                }),
            });
        }
    }
    GeoResult {
        links,
        datacenters,
        origins,
        origin_summary: vec![
            origin_summary("na", 600, 31.0),
            origin_summary("eu", 398, 102.0),
        ],
        origin_latency: Vec::new(),
        link_bytes: vec![12_000_000],
        egress_cost: Some(12_000_000.0 / 1e9 * 0.02),
    }
}

fn event(s: f64, kind: EventKind, target: &str, fault: Option<u32>) -> LoggedEvent {
    LoggedEvent {
        time: secs(s),
        kind,
        target: target.into(),
        detail: String::new(),
        fault,
    }
}

/// Runs the plain scenario into `dir`, then gives the model and the result
/// their data centers, outage and DNS events.
fn geo_run(dir: &Path) -> (Model, RunResult) {
    let plain = plain_model();
    let mut r = run_to_dir(&plain, dir, true, &AtomicBool::new(false)).expect("runs");
    r.geo = Some(Box::new(geo_result()));
    r.log = vec![
        event(12.0, EventKind::Fault, "eu-west", Some(0)),
        event(13.5, EventKind::DnsDown, "lb-eu", None),
        event(18.0, EventKind::FaultEnd, "eu-west", Some(0)),
        event(21.0, EventKind::DnsUp, "lb-eu", None),
    ];
    r.recovery = vec![RecoveryRow {
        fault: "outage".into(),
        target: "eu-west".into(),
        start: secs(12.0),
        end: Some(secs(18.0)),
        detected: Some(secs(13.5)),
        recovered: None,
        requests_failed: 20,
        requests_timed_out: 0,
        lost_writes: None,
        sessions_lost: None,
    }];
    let m = geo_model(plain);
    write_run_outputs(&m, &r, dir).expect("writes");
    (m, r)
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn links_and_datacenters_csv_are_exact() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("base");
    std::fs::create_dir_all(&dir).unwrap();
    geo_run(&dir);
    assert_eq!(
        read(&dir, "links.csv"),
        "time_s,link,direction,messages,bytes,utilization,delay_ms_mean\n\
         0,us-east <-> eu-west,us-east -> eu-west,100,2000000,0.0016,40\n\
         0,us-east <-> eu-west,eu-west -> us-east,101,2000000,0.0016,40\n\
         10,us-east <-> eu-west,us-east -> eu-west,200,4000000,0.0032,40.25\n\
         10,us-east <-> eu-west,eu-west -> us-east,201,4000000,0.0032,\n\
         20,us-east <-> eu-west,us-east -> eu-west,300,6000000,0.0048,40.5\n\
         20,us-east <-> eu-west,eu-west -> us-east,301,6000000,0.0048,40.5\n"
    );
    assert_eq!(
        read(&dir, "datacenters.csv"),
        "time_s,datacenter,up,requests_in,ok,failed,utilization\n\
         0,us-east,1,200,190,10,0.25\n\
         0,eu-west,1,300,190,10,0.25\n\
         10,us-east,1,200,191,9,0.375\n\
         10,eu-west,0,0,191,9,\n\
         20,us-east,1,200,192,8,0.5\n\
         20,eu-west,1,300,192,8,0.5\n"
    );
    // After the 10s warm-up: the windows at 10s and 20s.
    assert_eq!(
        read(&dir, "datacenters_summary.csv"),
        "datacenter,requests_in,ok,failed,utilization,outage_s\n\
         us-east,400,383,17,0.4375,0\n\
         eu-west,300,383,17,0.5,6\n"
    );
    // Delay weighted by messages: (200 x 40.25 + 300 x 40.5 + 301 x 40.5) /
    // 801; the egress on the whole run's 12 MB.
    assert_eq!(
        read(&dir, "links_summary.csv"),
        "link,messages,gb,delay_ms_mean,utilization,egress_cost\n\
         us-east <-> eu-west,1002,0.02,40.438,0.004,0.0002\n"
    );
}

#[test]
fn summary_gains_a_row_per_origin_and_the_terminal_shows_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("base");
    std::fs::create_dir_all(&dir).unwrap();
    let (m, r) = geo_run(&dir);
    let text = read(&dir, "summary.csv");
    let lines: Vec<&str> = text.lines().collect();
    let classes: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(classes, ["default", "all", "origin:na", "origin:eu"]);
    assert_eq!(
        lines[3],
        "base,origin:na,602,600,0,0,2,0.003322,,,30,,,30,,,32.5,,,31,,,46.5,,,62,,,93,,,124,,,,,,,1,10"
    );
    let out = table::summary_table(&m, &r);
    assert!(out.contains("origin:eu"), "{out}");
}

#[test]
fn origins_survive_replications_csv_and_get_intervals() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("base");
    std::fs::create_dir_all(&dir).unwrap();
    let (m, r) = geo_run(&dir);
    let mut samples = vec![Sample::of_run(0, &m, &r), Sample::of_run(1, &m, &r)];
    samples[1].origins[1] = origin_summary("eu", 402, 98.0);
    let bytes = replications_csv(&["variant"], [(vec!["base".to_string()], &samples[..])]).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains(",origin:eu,"), "{text}");
    let back: Vec<Sample> = read_samples(&text, 1)
        .unwrap()
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(back, samples);
    let figures = Replicated::of(&back);
    assert_eq!(figures.origins.len(), 2);
    let eu = &figures.origins[1];
    assert_eq!(eu.counts[0], 402.0);
    assert!(
        eu.latency_ms[1].unwrap().lo.is_some(),
        "an interval from two runs"
    );
    let summary = String::from_utf8(csv::summary_csv("base", &figures).unwrap()).unwrap();
    let last = summary.lines().last().unwrap();
    assert!(last.starts_with("base,origin:eu,402,400,"), "{last}");
    assert!(last.ends_with(",2,10"), "{last}");
}

#[test]
fn geo_png_renders_the_same_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let mut pngs = Vec::new();
    for name in ["a", "b"] {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        geo_run(&dir);
        pngs.push(std::fs::read(dir.join("geo.png")).unwrap());
    }
    assert!(pngs[0].starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(pngs[0].len() > 10_000);
    assert!(pngs[0] == pngs[1], "geo.png differs between two renders");
    let img = image::load_from_memory(&pngs[0]).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (1600, 900));
    if let Ok(keep) = std::env::var("CAPSIM_KEEP_GEO_PNG") {
        std::fs::write(keep, &pngs[0]).unwrap();
    }
}

#[test]
fn the_report_has_a_data_centers_section() {
    let tmp = tempfile::tempdir().unwrap();
    let outputs = ScenarioOutputs {
        dir: tmp.path().join("geo"),
    };
    let dir = outputs.dir.join("base");
    std::fs::create_dir_all(&dir).unwrap();
    let (m, r) = geo_run(&dir);
    outputs.write_run_reports(&[m], &[r]).unwrap();
    let md = read(&outputs.dir, "report.md");
    let at = md.find("### Data centers").expect("a Data centers section");
    let section = &md[at..];
    assert!(
        section.contains("| origin | p50 (ms) | p99 (ms) | mean (ms) | requests | error rate |"),
        "{section}"
    );
    assert!(
        section.contains("| na | 31 | 62 | 32.5 | 602 | 0.33% |"),
        "{section}"
    );
    assert!(
        section.contains("| eu-west | 300 | 383 | 17 | 50.00% | 6 |"),
        "{section}"
    );
    assert!(section.contains("us-east \\<-\\> eu-west"), "{section}");
    assert!(section.contains("](base/geo.png)"), "{section}");
    assert!(md.contains("then one per origin"));
    assert_eq!(
        md.matches("base/geo.png)").count(),
        1,
        "geo.png only in its section"
    );
    let html = read(&outputs.dir, "report.html");
    assert!(html.contains("<h3>Data centers</h3>"));
    assert!(html.contains("links_summary.csv"));
}

#[test]
fn a_run_without_data_centers_removes_their_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("base");
    std::fs::create_dir_all(&dir).unwrap();
    geo_run(&dir);
    let plain = plain_model();
    let r = run_to_dir(&plain, &dir, true, &AtomicBool::new(false)).expect("runs");
    assert!(r.geo.is_none());
    for name in [
        "links.csv",
        "datacenters.csv",
        "links_summary.csv",
        "datacenters_summary.csv",
        "geo.png",
    ] {
        assert!(!dir.join(name).exists(), "{name} left behind");
    }
    let summary = read(&dir, "summary.csv");
    assert!(!summary.contains("origin:"));
}
