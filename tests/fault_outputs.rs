//! The outputs of the faults capability, from runs whose log, recovery rows
//! and SLO verdict are made here (the engine fills them in real runs):
//! `events.csv` and `recovery.csv` written exactly when a scenario has
//! faults or an SLO, the terminal's recovery table and SLO line, the exit
//! status, and fault markers on the plots.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use capsim::cli::{EXIT_SLO_BREACHED, exit_status, run_to_dir, write_run_outputs};
use capsim::engine::{SimDuration, SimTime};
use capsim::metrics::{EventKind, LoggedEvent, RecoveryRow, SloVerdict};
use capsim::model::{Fault, FaultKind, Model, Slo};
use capsim::report::plots::{self, ComponentKinds, Marker, MarkerKind, RunPlots, VariantRun};
use capsim::report::table;
use capsim::scenario::{self, LoadOptions};
use capsim::simulation::RunResult;
use image::RgbImage;

const SCENARIO: &str = "
name: faulty
seed: 3
duration: 60s
warmup: 5s
traffic:
  to: lb
  rate:
    - { at: 0s, rps: 200 }
    - { at: 40s, rps: 300 }
components:
  lb:
    kind: load_balancer
    to: web
  web:
    kind: service
    instances: 4
    workers: 2
    service_time: { exponential: { mean: 5ms } }
";

fn model() -> Model {
    scenario::load_str("faulty.yaml", "faulty", SCENARIO, &LoadOptions::default())
        .unwrap_or_else(|f| panic!("{}", f.render(false)))
}

fn secs(s: f64) -> SimTime {
    SimTime((s * 1e9).round() as u64)
}

/// `m` with a crash of two `web` instances at 20s for 15s, a flush-like
/// instant fault at 30s, and an SLO.
fn with_faults(mut m: Model) -> Model {
    let web = m.components.iter().position(|c| c.name == "web").unwrap() as u32;
    m.faults = vec![
        Fault {
            at: secs(20.0),
            duration: Some(SimDuration::from_secs(15)),
            kind: FaultKind::Crash {
                component: web,
                instances: vec![0, 1],
            },
            label: "crash".into(),
            target: "web".into(),
        },
        Fault {
            at: secs(30.0),
            duration: Some(SimDuration::from_secs(5)),
            kind: FaultKind::Slow {
                component: web,
                instances: vec![2],
                factor: 5.0,
            },
            label: "slow".into(),
            target: "web.2".into(),
        },
    ];
    m.slo = Some(Slo {
        p99: Some(SimDuration::from_millis(300)),
        error_rate: Some(0.01),
        hold: 3,
    });
    m
}

fn event(s: f64, kind: EventKind, target: &str, detail: &str, fault: Option<u32>) -> LoggedEvent {
    LoggedEvent {
        time: secs(s),
        kind,
        target: target.into(),
        detail: detail.into(),
        fault,
    }
}

fn recovery_row(fault: &str, target: &str, start: f64) -> RecoveryRow {
    RecoveryRow {
        fault: fault.into(),
        target: target.into(),
        start: secs(start),
        end: None,
        detected: None,
        recovered: None,
        requests_failed: 0,
        requests_timed_out: 0,
        lost_writes: None,
        sessions_lost: None,
    }
}

/// What the engine would report of `with_faults`.
fn fill(result: &mut RunResult) {
    result.log = vec![
        event(20.0, EventKind::Fault, "web.0", "crash", Some(0)),
        event(20.0, EventKind::Fault, "web.1", "crash", Some(0)),
        event(
            25.0,
            EventKind::Detected,
            "web.0",
            "2 failed checks",
            Some(0),
        ),
        event(
            25.0,
            EventKind::Detected,
            "web.1",
            "2 failed checks",
            Some(0),
        ),
        event(26.0, EventKind::SloBreach, "slo", "p99 412 ms", None),
        event(30.0, EventKind::Fault, "web.2", "factor 5", Some(1)),
        event(35.0, EventKind::FaultEnd, "web.0", "", Some(0)),
        event(35.0, EventKind::FaultEnd, "web.2", "", Some(1)),
        event(40.0, EventKind::Restored, "web.0", "", Some(0)),
        event(44.0, EventKind::SloRecovered, "slo", "", None),
    ];
    result.recovery = vec![
        RecoveryRow {
            end: Some(secs(35.0)),
            detected: Some(secs(25.0)),
            recovered: Some(secs(44.0)),
            requests_failed: 1234,
            requests_timed_out: 56,
            ..recovery_row("crash", "web", 20.0)
        },
        RecoveryRow {
            end: Some(secs(35.0)),
            requests_timed_out: 7,
            ..recovery_row("slow", "web.2", 30.0)
        },
    ];
    result.slo = Some(SloVerdict {
        windows: 55,
        breached: 18,
        first_breach: Some(secs(26.0)),
    });
}

fn entries(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn fault_files_are_written_exactly_when_the_scenario_has_faults_or_an_slo() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let plain = model();
    let mut result = run_to_dir(&plain, dir, true, &AtomicBool::new(false)).unwrap();
    let before = entries(dir);
    assert!(!before.contains("events.csv") && !before.contains("recovery.csv"));
    assert!(before.contains("summary.csv") && before.contains("latency.png"));

    // With faults: both files, as the run's log and rows say.
    let faulty = with_faults(plain.clone());
    fill(&mut result);
    write_run_outputs(&faulty, &result, dir).unwrap();
    let mut want = before.clone();
    want.insert("events.csv".into());
    want.insert("recovery.csv".into());
    assert_eq!(entries(dir), want);
    let events = std::fs::read_to_string(dir.join("events.csv")).unwrap();
    let lines: Vec<&str> = events.lines().collect();
    assert_eq!(lines[0], "time_s,kind,target,detail");
    assert_eq!(lines.len(), 11, "one row per logged event");
    assert_eq!(lines[1], "20,fault,web.0,crash");
    assert_eq!(lines[5], "26,slo_breach,slo,p99 412 ms");
    assert_eq!(lines[10], "44,slo_recovered,slo,");
    let recovery = std::fs::read_to_string(dir.join("recovery.csv")).unwrap();
    assert_eq!(
        recovery,
        "fault,target,start_s,end_s,detected_s,recovered_s,time_to_detect_s,\
         time_to_recover_s,requests_failed,requests_timed_out,lost_writes,sessions_lost\n\
         crash,web,20,35,25,44,5,24,1234,56,,\n\
         slow,web.2,30,35,,,,,0,7,,\n"
    );

    // An SLO alone is enough; the files then hold headers only.
    let slo_only = Model {
        faults: Vec::new(),
        ..with_faults(plain.clone())
    };
    let bare = run_to_dir(&slo_only, dir, true, &AtomicBool::new(false)).unwrap();
    assert_eq!(entries(dir), want);
    assert_eq!(
        std::fs::read_to_string(dir.join("events.csv")).unwrap(),
        "time_s,kind,target,detail\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("recovery.csv"))
            .unwrap()
            .lines()
            .count(),
        1
    );
    assert!(bare.log.is_empty());

    // Without either, the files of an earlier run do not linger.
    run_to_dir(&plain, dir, true, &AtomicBool::new(false)).unwrap();
    assert_eq!(entries(dir), before);
}

#[test]
fn the_terminal_shows_a_recovery_table_and_the_slo_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let m = with_faults(model());
    let mut result = run_to_dir(&model(), tmp.path(), true, &AtomicBool::new(false)).unwrap();
    assert_eq!(
        table::faults_table(&model(), &result),
        "",
        "nothing without faults or an SLO"
    );
    fill(&mut result);
    let text = table::faults_table(&m, &result);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "",
            "faults and recovery:",
            "fault  target   at  ended  detected after  recovered after  failed  timed out  lost writes",
            "crash  web     20s    35s              5s              24s   1,234         56",
            "slow   web.2   30s    35s    not detected    not recovered       0          7",
            "",
            "SLO p99 <= 300 ms, errors <= 1%: breached in 18 of 55 windows after warm-up \
             (first at 26s): exit status 1",
        ],
        "{text}"
    );

    // Lost writes, a fault for ever, times past a minute, and a held SLO.
    result.recovery = vec![RecoveryRow {
        detected: Some(secs(253.0)),
        recovered: Some(secs(310.5)),
        lost_writes: Some(37),
        ..recovery_row("crash", "db.shard0.primary", 243.0)
    }];
    result.slo = Some(SloVerdict {
        windows: 570,
        breached: 0,
        first_breach: None,
    });
    let text = table::faults_table(&m, &result);
    let row: Vec<&str> = text.lines().nth(3).unwrap().split_whitespace().collect();
    assert_eq!(
        row,
        [
            "crash",
            "db.shard0.primary",
            "4m03s",
            "never",
            "10s",
            "1m07.5s",
            "0",
            "0",
            "37"
        ],
        "{text}"
    );
    assert!(
        text.ends_with(
            "\nSLO p99 <= 300 ms, errors <= 1%: held in all 570 windows after warm-up\n"
        ),
        "{text}"
    );

    // Hundreds of rows: the first 20, and where the others are.
    result.recovery = (0..250)
        .map(|i| recovery_row("random crash", &format!("web.{}", i % 4), i as f64))
        .collect();
    let text = table::faults_table(&m, &result);
    assert_eq!(text.matches("random crash").count(), 20);
    assert!(
        text.contains("\n... and 230 more in recovery.csv\n"),
        "{text}"
    );

    // Faults that never struck (random ones in a short run).
    result.recovery.clear();
    result.slo = None;
    assert_eq!(
        table::faults_table(&m, &result),
        "\nfaults and recovery: no fault struck during the run\n"
    );
}

#[test]
fn an_slo_breach_in_any_run_exits_with_status_1() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = run_to_dir(&model(), tmp.path(), true, &AtomicBool::new(false)).unwrap();
    let verdict = |breached| {
        let mut r = plain.clone();
        r.slo = Some(SloVerdict {
            windows: 100,
            breached,
            first_breach: (breached > 0).then_some(secs(12.0)),
        });
        r
    };
    assert_eq!(EXIT_SLO_BREACHED, 1);
    assert_eq!(exit_status(&[]), 0);
    assert_eq!(exit_status(std::slice::from_ref(&plain)), 0, "no SLO");
    assert_eq!(exit_status(&[verdict(0)]), 0, "held");
    assert_eq!(exit_status(&[verdict(1)]), EXIT_SLO_BREACHED);
    assert_eq!(
        exit_status(&[verdict(0), plain.clone(), verdict(3)]),
        EXIT_SLO_BREACHED,
        "any variant"
    );
}

// ---------------------------------------------------------------------------
// Plots.

fn decode(path: &Path) -> RgbImage {
    image::open(path).unwrap().to_rgb8()
}

/// Pixels of exactly `rgb` in the region `(x0, y0, x1, y1)`.
fn count_color(img: &RgbImage, rgb: [u8; 3], (x0, y0, x1, y1): (u32, u32, u32, u32)) -> usize {
    let mut n = 0;
    for y in y0..y1.min(img.height()) {
        for x in x0..x1.min(img.width()) {
            if img.get_pixel(x, y).0 == rgb {
                n += 1;
            }
        }
    }
    n
}

const FAULT_RED: [u8; 3] = [204, 0, 0];
const DETECTED_ORANGE: [u8; 3] = [230, 120, 0];
const PROMOTED_PURPLE: [u8; 3] = [120, 40, 170];
/// The plot area of the full-width time plots (as in tests/plots.rs).
const PLOT: (u32, u32, u32, u32) = (110, 130, 1540, 820);

fn run_plots(m: &Model, result: &RunResult, dir: &Path, markers: &[Marker]) {
    plots::write_run_plots(&RunPlots {
        dir,
        scenario: &m.name,
        variant: &m.variant,
        warmup: m.warmup,
        duration: m.duration,
        markers,
        latency_by_class: &result.latency_by_class,
        kinds: &ComponentKinds::of(m),
    })
    .unwrap();
}

#[test]
fn run_plots_mark_faults_detections_and_promotions() {
    let tmp = tempfile::tempdir().unwrap();
    let (plain_dir, faulty_dir) = (tmp.path().join("plain"), tmp.path().join("faulty"));
    std::fs::create_dir_all(&plain_dir).unwrap();
    let m = model();
    let mut result = run_to_dir(&m, &plain_dir, true, &AtomicBool::new(false)).unwrap();
    // The same CSVs, plotted with the log's markers.
    std::fs::create_dir_all(&faulty_dir).unwrap();
    for f in ["timeseries.csv", "components.csv"] {
        std::fs::copy(plain_dir.join(f), faulty_dir.join(f)).unwrap();
    }
    fill(&mut result);
    result.log.push(event(
        38.0,
        EventKind::Promoted,
        "db.shard0.replica1",
        "",
        None,
    ));
    let mut markers = Marker::rate_changes(&m);
    markers.extend(Marker::from_run(&result.log, &result.recovery));
    run_plots(&m, &result, &faulty_dir, &markers);
    for name in ["latency.png", "throughput.png", "components.png"] {
        let (plain, faulty) = (
            decode(&plain_dir.join(name)),
            decode(&faulty_dir.join(name)),
        );
        assert!(plain != faulty, "{name}: no marker drawn");
        // Rate changes only: no fault colours at all.
        for c in [FAULT_RED, DETECTED_ORANGE, PROMOTED_PURPLE] {
            assert_eq!(count_color(&plain, c, (0, 0, 1600, 900)), 0, "{name}");
        }
        // Full-height lines (two panels of several hundred pixels each).
        let red = count_color(&faulty, FAULT_RED, PLOT);
        assert!(red > 1000, "{name}: {red} fault-red pixels");
        let orange = count_color(&faulty, DETECTED_ORANGE, PLOT);
        assert!(orange > 200, "{name}: {orange} detected-orange pixels");
        let purple = count_color(&faulty, PROMOTED_PURPLE, PLOT);
        assert!(purple > 200, "{name}: {purple} promoted-purple pixels");
    }
    // The latency CDF has no time axis: no markers.
    assert!(
        decode(&plain_dir.join("latency_cdf.png")) == decode(&faulty_dir.join("latency_cdf.png"))
    );
}

#[test]
fn hundreds_of_faults_become_ticks_and_leave_the_data_readable() {
    let tmp = tempfile::tempdir().unwrap();
    let (few_dir, many_dir) = (tmp.path().join("few"), tmp.path().join("many"));
    std::fs::create_dir_all(&few_dir).unwrap();
    let m = model();
    let result = run_to_dir(&m, &few_dir, true, &AtomicBool::new(false)).unwrap();
    std::fs::create_dir_all(&many_dir).unwrap();
    for f in ["timeseries.csv", "components.csv"] {
        std::fs::copy(few_dir.join(f), many_dir.join(f)).unwrap();
    }
    let crash = |i: usize| {
        Marker::new(
            secs(1.0 + i as f64 * 0.05),
            MarkerKind::FaultStart,
            format!("random crash web.{}", i % 4),
        )
    };
    // The limit (30) with full lines; a chaos run's thousands as ticks.
    let few: Vec<Marker> = (0..30).map(|i| crash(i * 30)).collect();
    let many: Vec<Marker> = (0..1000).map(crash).collect();
    run_plots(&m, &result, &few_dir, &few);
    run_plots(&m, &result, &many_dir, &many);
    // Far from the panels' tops, a tick leaves no red.
    let middle = (110, 300, 1540, 420);
    let few_img = decode(&few_dir.join("throughput.png"));
    let many_img = decode(&many_dir.join("throughput.png"));
    assert!(count_color(&few_img, FAULT_RED, middle) > 30 * 2 * 100);
    assert_eq!(count_color(&many_img, FAULT_RED, middle), 0);
    // Yet the ticks are there, and the strip says how many faults.
    assert!(count_color(&many_img, FAULT_RED, PLOT) > 500);
    assert!(
        count_color(&many_img, FAULT_RED, (800, 90, 1560, 140)) > 100,
        "no red note in the strip"
    );
}

#[test]
fn comparison_plots_mark_the_base_faults_planned() {
    let tmp = tempfile::tempdir().unwrap();
    let m = with_faults(model());
    let dir = tmp.path().join("base");
    std::fs::create_dir_all(&dir).unwrap();
    run_to_dir(&model(), &dir, true, &AtomicBool::new(false)).unwrap();
    let planned = Marker::planned_faults(&m);
    let got: Vec<(SimTime, MarkerKind, &str)> = planned
        .iter()
        .map(|p| (p.time, p.kind, p.label.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (secs(20.0), MarkerKind::FaultStart, "crash web"),
            (secs(35.0), MarkerKind::FaultEnd, "end web"),
            (secs(30.0), MarkerKind::FaultStart, "slow web.2"),
            (secs(35.0), MarkerKind::FaultEnd, "end web.2"),
        ]
    );
    let kinds = ComponentKinds::of(&m);
    let runs = [VariantRun {
        name: "base",
        dir: &dir,
        kinds: &kinds,
    }];
    let (with, without) = (tmp.path().join("with"), tmp.path().join("without"));
    let mut markers = Marker::rate_changes(&m);
    plots::write_comparison_plots(&without, &m.name, &runs, m.warmup, &markers).unwrap();
    markers.extend(planned);
    plots::write_comparison_plots(&with, &m.name, &runs, m.warmup, &markers).unwrap();
    for name in ["latency_p99.png", "throughput.png", "errors.png"] {
        let img = decode(&with.join(name));
        assert_eq!(
            count_color(&decode(&without.join(name)), FAULT_RED, PLOT),
            0
        );
        assert!(count_color(&img, FAULT_RED, PLOT) > 1000, "{name}");
    }
}
