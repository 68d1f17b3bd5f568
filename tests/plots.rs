//! The PNG plots of a run and of a comparison: real runs rendered, then the
//! images decoded and checked: 1600x900, not blank, drawn from the data (the
//! plot area changes when the data do), warm-up shaded, one colour per
//! variant, text rendered from the embedded font with no system font.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use capsim::engine::SimTime;
use capsim::model::Kind;
use capsim::model::Model;
use capsim::report::plots::{self, ComponentKinds, Marker, MarkerKind, RunPlots, VariantRun};
use capsim::scenario::{self, LoadOptions};
use capsim::simulation::RunResult;
use image::RgbImage;

const RUN_PLOTS: [&str; 4] = [
    "latency.png",
    "throughput.png",
    "components.png",
    "latency_cdf.png",
];
const COMPARISON_PLOTS: [&str; 3] = ["latency_p99.png", "throughput.png", "errors.png"];

/// Two classes, a load balancer and two pools, a warm-up and a step in the
/// rate that overloads `web` for a while.
const SCENARIO: &str = "
name: plots
seed: 7
duration: 60s
warmup: 10s
window: 1s
traffic:
  to: lb
  rate:
    - { at: 0s, rps: 300 }
    - { at: 30s, rps: 900 }
    - { at: 45s, rps: 300 }
  requests:
    browse: { weight: 3 }
    buy: { weight: 1, op: write }
  client:
    timeout: 1s
components:
  lb:
    kind: load_balancer
    to: web
  web:
    kind: service
    instances: 2
    workers: 4
    queue: 50
    service_time: { lognormal: { median: 8ms, p99: 40ms } }
    calls:
      - { to: api, when: write }
  api:
    kind: service
    workers: 4
    service_time: { exponential: { mean: 10ms } }
";

fn model(yaml: &str, sets: &[&str]) -> Model {
    let opts = LoadOptions {
        sets: sets.iter().map(|s| s.to_string()).collect(),
        ..LoadOptions::default()
    };
    scenario::load_str("plots.yaml", "plots", yaml, &opts)
        .unwrap_or_else(|f| panic!("{}", f.render(false)))
}

fn markers(m: &Model) -> Vec<Marker> {
    Marker::rate_changes(m)
}

/// Runs `m` into `dir` (CSVs, and plots as the CLI does), then renders the
/// run's plots again here and returns what `write_run_plots` wrote.
fn run(m: &Model, dir: &Path) -> (RunResult, Vec<PathBuf>) {
    std::fs::create_dir_all(dir).unwrap();
    let result =
        capsim::cli::run_to_dir(m, dir, true, &AtomicBool::new(false)).expect("the run succeeds");
    let written = plots::write_run_plots(&RunPlots {
        dir,
        scenario: &m.name,
        variant: &m.variant,
        warmup: m.warmup,
        duration: m.duration,
        markers: &markers(m),
        latency_by_class: &result.latency_by_class,
        kinds: &ComponentKinds::of(m),
    })
    .expect("plots are written");
    (result, written)
}

fn decode(path: &Path) -> RgbImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

/// The region where data are drawn in every full-width time plot: right of
/// the y labels (96 px + margin), below title, legend and marker strip, above
/// the x labels. (It cuts through the panel gap of two-panel plots, which
/// only adds white.)
const PLOT: (u32, u32, u32, u32) = (110, 130, 1540, 820);

fn luminance(p: &image::Rgb<u8>) -> f64 {
    0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64
}

/// Colourfulness: 0 for white, black and every grey.
fn chroma(p: &image::Rgb<u8>) -> f64 {
    (p.0.iter().max().unwrap() - p.0.iter().min().unwrap()) as f64
}

/// Variance of `f` of the pixels of a region `(x0, y0, x1, y1)`.
fn variance(
    img: &RgbImage,
    f: fn(&image::Rgb<u8>) -> f64,
    (x0, y0, x1, y1): (u32, u32, u32, u32),
) -> f64 {
    let (mut n, mut sum, mut sum2) = (0.0, 0.0, 0.0);
    for y in y0..y1.min(img.height()) {
        for x in x0..x1.min(img.width()) {
            let l = f(img.get_pixel(x, y));
            n += 1.0;
            sum += l;
            sum2 += l * l;
        }
    }
    let mean = sum / n;
    sum2 / n - mean * mean
}

/// Whether a plot area is blank, or holds a frame only, or data.
///
/// Blank (all white) has luminance variance 0; any frame (axes, grid lines,
/// the warm-up shade, a "no data" note) measures tens (85 for an empty
/// `latency.png` with a 10 s warm-up of 60 s). `LUMA_FLOOR` sits well below
/// a frame and above blank.
///
/// Everything but data is drawn in greys (text, axes, grid, shade, markers),
/// which have no chroma; data are drawn in Okabe-Ito colours, chroma 83
/// (reddish purple) to 230 (orange). So the chroma variance of a plot
/// without data is exactly 0, and one 2-px line of the palest colour across
/// the area (about 0.3% of its pixels) already gives 0.003 * 83^2 ~ 20.
/// `CHROMA_FLOOR` is a quarter of that.
const LUMA_FLOOR: f64 = 10.0;
const CHROMA_FLOOR: f64 = 5.0;

/// Asserts the plot area of `path` is not blank and holds data.
fn assert_drawn(path: &Path) -> RgbImage {
    let img = decode(path);
    assert_eq!(img.dimensions(), (1600, 900), "{}", path.display());
    let luma = variance(&img, luminance, PLOT);
    let color = variance(&img, chroma, PLOT);
    println!(
        "{}: luminance variance {luma:.1}, chroma variance {color:.1}",
        path.display()
    );
    assert!(
        luma > LUMA_FLOOR,
        "{}: luminance variance {luma:.1}: blank",
        path.display()
    );
    assert!(
        color > CHROMA_FLOOR,
        "{}: chroma variance {color:.1}: no data drawn",
        path.display()
    );
    img
}

/// Pixels of `img` within `tol` of `rgb` in the region.
fn count_color(
    img: &RgbImage,
    rgb: [u8; 3],
    tol: i32,
    (x0, y0, x1, y1): (u32, u32, u32, u32),
) -> usize {
    let mut n = 0;
    for y in y0..y1.min(img.height()) {
        for x in x0..x1.min(img.width()) {
            let p = img.get_pixel(x, y);
            if (0..3).all(|i| (p[i] as i32 - rgb[i] as i32).abs() <= tol) {
                n += 1;
            }
        }
    }
    n
}

/// Share of pixels of the region that differ between two images.
fn changed(a: &RgbImage, b: &RgbImage, (x0, y0, x1, y1): (u32, u32, u32, u32)) -> f64 {
    let (mut n, mut diff) = (0.0, 0.0);
    for y in y0..y1 {
        for x in x0..x1 {
            n += 1.0;
            if a.get_pixel(x, y) != b.get_pixel(x, y) {
                diff += 1.0;
            }
        }
    }
    diff / n
}

#[test]
fn rate_changes_are_labelled_with_the_rate_they_go_to() {
    let m = model(SCENARIO, &[]);
    let labels: Vec<(u64, String)> = Marker::rate_changes(&m)
        .into_iter()
        .map(|k| (k.time.nanos() / 1_000_000_000, k.label))
        .collect();
    assert_eq!(
        labels,
        [
            (30, "rate -> 900/s".to_string()),
            (45, "rate -> 300/s".to_string())
        ]
    );
    // A ramp is labelled with where it arrives; its end is a change too.
    let ramp = SCENARIO.replace("{ at: 30s, rps: 900 }", "{ at: 30s, rps: 900, ramp: 10s }");
    let labels: Vec<String> = Marker::rate_changes(&model(&ramp, &[]))
        .into_iter()
        .map(|k| k.label)
        .collect();
    assert_eq!(labels, ["ramp -> 900/s", "900/s reached", "rate -> 300/s"]);
}

#[test]
fn every_run_plot_is_a_1600x900_png_drawn_from_the_data() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, written) = run(&model(SCENARIO, &[]), tmp.path());
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, RUN_PLOTS, "the paths written, in order");
    for path in &written {
        assert_eq!(path.parent(), Some(tmp.path()), "{}", path.display());
        assert_drawn(path);
    }
    // Written atomically: no temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_run_without_data_draws_frames_and_measures_as_no_data() {
    // CSV headers only and no latencies: every plot still renders (axes,
    // grid, titles, "no data" notes): not blank, but no data.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("timeseries.csv"),
        "time_s,offered_rps,completed_rps,goodput_rps,rejected_rps,timed_out_rps,failed_rps,in_flight,\
latency_p50_ms,latency_p90_ms,latency_p99_ms,latency_p999_ms,latency_max_ms\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("components.csv"),
        "time_s,component,instance,up,utilization,queue_len,in_service,completed,rejected,hits,misses,backlog,lag_ms,stale_reads\n",
    )
    .unwrap();
    let written = plots::write_run_plots(&RunPlots {
        dir: tmp.path(),
        scenario: "empty",
        variant: "base",
        warmup: capsim::engine::SimDuration::from_secs(10),
        duration: capsim::engine::SimDuration::from_secs(60),
        markers: &[Marker::new(
            SimTime(30_000_000_000),
            MarkerKind::RateChange,
            "rate -> 200/s",
        )],
        latency_by_class: &[],
        kinds: &ComponentKinds::default(),
    })
    .expect("empty runs plot too");
    assert_eq!(written.len(), 4);
    for path in &written {
        let img = decode(path);
        assert_eq!(img.dimensions(), (1600, 900));
        let luma = variance(&img, luminance, PLOT);
        let color = variance(&img, chroma, PLOT);
        println!(
            "{}: luminance variance {luma:.1}, chroma variance {color:.1}",
            path.display()
        );
        // (Without components there is no panel to frame: just a note.)
        if !path.ends_with("components.png") {
            assert!(
                luma > LUMA_FLOOR,
                "{}: a frame is drawn: {luma:.1}",
                path.display()
            );
        }
        assert!(
            color < CHROMA_FLOOR,
            "{}: no data, yet chroma variance {color:.1}",
            path.display()
        );
    }
}

#[test]
fn the_plot_area_changes_when_the_data_change() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&model(SCENARIO, &[]), &a);
    // Slower service and a higher rate: other latencies, rates, utilisation.
    let slower = model(
        SCENARIO,
        &[
            "components.web.service_time={ lognormal: { median: 20ms, p99: 80ms } }",
            "traffic.rate=350",
        ],
    );
    run(&slower, &b);
    for name in RUN_PLOTS {
        let (ia, ib) = (decode(&a.join(name)), decode(&b.join(name)));
        let share = changed(&ia, &ib, PLOT);
        // The same frame around other lines: a few percent of the area at
        // least (lines, and the axes' labels where the scales differ).
        assert!(
            share > 0.01,
            "{name}: only {:.3}% of the plot area changed",
            share * 100.0
        );
    }
    // And the same data draw the same image.
    let again = tmp.path().join("again");
    run(&model(SCENARIO, &[]), &again);
    for name in RUN_PLOTS {
        assert!(
            decode(&a.join(name)) == decode(&again.join(name)),
            "{name} is not deterministic"
        );
    }
}

/// Okabe-Ito colours of the first three series (blue, vermillion, bluish
/// green) and the warm-up shade.
const VARIANT_COLORS: [[u8; 3]; 3] = [[0, 114, 178], [213, 94, 0], [0, 158, 115]];
const SHADE: [u8; 3] = [236, 236, 236];

#[test]
fn warm_up_is_shaded_and_single_class_runs_plot_one_class() {
    let tmp = tempfile::tempdir().unwrap();
    let one_class = SCENARIO.replace("    buy: { weight: 1, op: write }\n", "");
    let (with, without) = (tmp.path().join("with"), tmp.path().join("without"));
    run(&model(&one_class, &[]), &with);
    run(&model(&one_class, &["warmup=0s"]), &without);
    for name in ["latency.png", "throughput.png", "components.png"] {
        let shaded = count_color(&decode(&with.join(name)), SHADE, 0, PLOT);
        let plain = count_color(&decode(&without.join(name)), SHADE, 0, PLOT);
        // 10 s of 60 s, over the panels' height: tens of thousands of pixels.
        assert!(shaded > 20_000, "{name}: {shaded} shaded pixels");
        assert!(
            plain < shaded / 10,
            "{name}: {plain} shade-coloured pixels without a warm-up"
        );
    }
    // One class: its line only, not a second one for `all`.
    let cdf = decode(&with.join("latency_cdf.png"));
    assert!(count_color(&cdf, VARIANT_COLORS[0], 0, PLOT) > 500);
    assert_eq!(
        count_color(&cdf, VARIANT_COLORS[1], 0, (0, 0, 1600, 900)),
        0,
        "a second series"
    );
    // Two classes and `all`: three.
    let two = tmp.path().join("two");
    run(&model(SCENARIO, &[]), &two);
    let cdf = decode(&two.join("latency_cdf.png"));
    for c in VARIANT_COLORS {
        assert!(count_color(&cdf, c, 0, PLOT) > 500, "{c:?}");
    }
}

#[test]
fn comparison_plots_overlay_one_colour_per_variant() {
    let tmp = tempfile::tempdir().unwrap();
    let variants = [
        ("base", vec![]),
        ("more-web", vec!["components.web.instances=4"]),
        (
            "slow-api",
            vec!["components.api.service_time={ exponential: { mean: 30ms } }"],
        ),
    ];
    let mut dirs = Vec::new();
    let mut kinds = Vec::new();
    for (name, sets) in &variants {
        let dir = tmp.path().join(name);
        let m = model(SCENARIO, sets);
        run(&m, &dir);
        dirs.push(dir);
        kinds.push(ComponentKinds::of(&m));
    }
    let runs: Vec<VariantRun> = variants
        .iter()
        .zip(dirs.iter().zip(&kinds))
        .map(|((name, _), (dir, kinds))| VariantRun { name, dir, kinds })
        .collect();
    let base = model(SCENARIO, &[]);
    let out = tmp.path().join("comparison");
    let written =
        plots::write_comparison_plots(&out, &base.name, &runs, base.warmup, &markers(&base))
            .unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, COMPARISON_PLOTS);
    for path in &written {
        let img = assert_drawn(path);
        for (i, c) in VARIANT_COLORS.iter().enumerate() {
            // Each variant's line (or at least its legend swatch and some of
            // its line, where the lines do not coincide).
            let n = count_color(&img, *c, 0, (0, 0, 1600, 900));
            assert!(
                n > 200,
                "{}: variant {} ({c:?}) has {n} pixels",
                path.display(),
                variants[i].0
            );
        }
    }
    // Two variants differ from three.
    let two = tmp.path().join("two");
    plots::write_comparison_plots(&two, &base.name, &runs[..2], base.warmup, &markers(&base))
        .unwrap();
    for name in COMPARISON_PLOTS {
        let img = decode(&two.join(name));
        assert_eq!(
            count_color(&img, VARIANT_COLORS[2], 0, (0, 0, 1600, 900)),
            0,
            "{name}"
        );
    }
}

#[test]
fn text_renders_from_the_embedded_font() {
    // No system font is involved (plotters is built without `ttf`): the
    // title band of a plot holds dark text pixels.
    let tmp = tempfile::tempdir().unwrap();
    let (_, written) = run(&model(SCENARIO, &[]), tmp.path());
    for path in &written {
        let img = decode(path);
        let mut dark = 0;
        for y in 0..50 {
            for x in 0..1600 {
                if luminance(img.get_pixel(x, y)) < 100.0 {
                    dark += 1;
                }
            }
        }
        // A title of some 40 characters at 26 px: thousands of pixels.
        assert!(
            dark > 1000,
            "{}: {dark} dark pixels in the title band",
            path.display()
        );
    }
}

#[test]
fn long_runs_are_downsampled_and_still_plot() {
    // 20 000 windows of 5 ms: more than the 1600 points a series keeps.
    let tmp = tempfile::tempdir().unwrap();
    let m = model(
        SCENARIO,
        &["duration=100s", "window=5ms", "traffic.rate=100"],
    );
    let (_, written) = run(&m, tmp.path());
    for path in &written {
        assert_drawn(path);
    }
}

// ---------------------------------------------------------------------------
// The data tier: caches, databases, queues.

/// A service in front of a cache, a database of 4 shards with 2 replicas
/// each, and a queue drained by a worker pool.
const DATA_TIER: &str = include_str!("fixtures/data-tier.yaml");

/// The data-tier plots, in the order they are written.
const DATA_TIER_PLOTS: [&str; 4] = [
    "hit_ratio.png",
    "shard_load.png",
    "replication_lag.png",
    "queue_backlog.png",
];

/// The light blue of the bands (other shards, fastest to slowest replica).
const BAND: [u8; 3] = [200, 222, 240];

fn file_names(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// The data-tier PNGs in `dir`.
fn data_tier_pngs(dir: &Path) -> Vec<String> {
    DATA_TIER_PLOTS
        .iter()
        .filter(|n| dir.join(n).exists())
        .map(|n| n.to_string())
        .collect()
}

#[test]
fn a_data_tier_gets_its_plots_drawn_from_the_data() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, written) = run(&model(DATA_TIER, &[]), tmp.path());
    let mut want: Vec<&str> = RUN_PLOTS.to_vec();
    want.extend(DATA_TIER_PLOTS);
    assert_eq!(file_names(&written), want, "the paths written, in order");
    for path in &written {
        assert_drawn(path);
    }
    // Warm-up shaded in each; the replicas' band drawn.
    for name in DATA_TIER_PLOTS {
        let img = decode(&tmp.path().join(name));
        let shaded = count_color(&img, SHADE, 0, PLOT);
        assert!(shaded > 5_000, "{name}: {shaded} shaded pixels");
    }
    let lag = decode(&tmp.path().join("replication_lag.png"));
    assert!(count_color(&lag, BAND, 0, PLOT) > 10_000, "no replica band");
    // 4 shards: one line each, no band of other shards.
    let shards = decode(&tmp.path().join("shard_load.png"));
    assert_eq!(count_color(&shards, BAND, 0, (0, 0, 1600, 900)), 0);
    for c in [[0, 114, 178], [213, 94, 0], [0, 158, 115], [204, 121, 167]] {
        assert!(count_color(&shards, c, 0, PLOT) > 500, "shard colour {c:?}");
    }
    // The same run draws the same images.
    let again = tmp.path().join("again");
    run(&model(DATA_TIER, &[]), &again);
    for name in DATA_TIER_PLOTS {
        assert!(
            decode(&tmp.path().join(name)) == decode(&again.join(name)),
            "{name} is not deterministic"
        );
    }
    // A cache ten times larger: another hit ratio, another plot.
    let bigger = tmp.path().join("bigger");
    run(
        &model(DATA_TIER, &["components.cache.capacity=20000"]),
        &bigger,
    );
    let share = changed(
        &decode(&tmp.path().join("hit_ratio.png")),
        &decode(&bigger.join("hit_ratio.png")),
        PLOT,
    );
    assert!(
        share > 0.01,
        "hit_ratio.png: only {:.3}% changed",
        share * 100.0
    );
}

/// Only a cache (in front of a service), only a queue, a database without
/// replicas.
const CACHE_ONLY: &str = "
name: cache-only
duration: 20s
traffic:
  to: web
  rate: 200
  requests:
    read: { weight: 1, op: read, key: { zipf: { keys: 1000, exponent: 1.1 } } }
components:
  web:
    kind: service
    workers: 8
    service_time: { exponential: { mean: 2ms } }
    calls: [cache]
  cache:
    kind: cache
    capacity: 100
    hit_time: 200us
    on_miss: origin
  origin:
    kind: service
    workers: 8
    service_time: { exponential: { mean: 5ms } }
";

const QUEUE_ONLY: &str = "
name: queue-only
duration: 20s
warmup: 2s
traffic:
  to: web
  rate: 200
components:
  web:
    kind: service
    workers: 8
    service_time: { exponential: { mean: 2ms } }
    calls: [jobs]
  jobs:
    kind: queue
    capacity: 50
    consumers: worker
  worker:
    kind: service
    workers: 1
    service_time: { exponential: { mean: 6ms } }
";

const DATABASE_ONLY: &str = "
name: database-only
duration: 20s
traffic:
  to: web
  rate: 300
  requests:
    read: { weight: 4, op: read, key: { uniform: { keys: 10000 } } }
    write: { weight: 1, op: write, key: { uniform: { keys: 10000 } } }
components:
  web:
    kind: service
    workers: 8
    service_time: { exponential: { mean: 1ms } }
    calls: [db]
  db:
    kind: database
    shards: 3
    workers: 4
    read_time: { exponential: { mean: 2ms } }
    write_time: { exponential: { mean: 4ms } }
";

#[test]
fn data_tier_plots_exist_exactly_when_their_kinds_do() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &[&str], &[&str]); 6] = [
        ("none", SCENARIO, &[], &[]),
        ("cache", CACHE_ONLY, &[], &["hit_ratio.png"]),
        ("queue", QUEUE_ONLY, &[], &["queue_backlog.png"]),
        ("database", DATABASE_ONLY, &[], &["shard_load.png"]),
        (
            "replicated",
            DATABASE_ONLY,
            &["components.db.replicas=1"],
            &["shard_load.png", "replication_lag.png"],
        ),
        (
            "no-replicas",
            DATA_TIER,
            &[
                "components.db.replicas=0",
                "components.db.read_from=primary",
            ],
            &["hit_ratio.png", "shard_load.png", "queue_backlog.png"],
        ),
    ];
    for (name, yaml, sets, want) in cases {
        let dir = tmp.path().join(name);
        let (_, written) = run(&model(yaml, sets), &dir);
        let names = file_names(&written);
        assert_eq!(&names[..4], RUN_PLOTS, "{name}");
        assert_eq!(&names[4..], want, "{name}: the data-tier plots written");
        // And on disk: as the CLI wrote them, no others.
        assert_eq!(data_tier_pngs(&dir), want, "{name}: on disk");
        for w in want {
            assert_drawn(&dir.join(w));
        }
    }
    // A queue that fills refuses publishes: its third panel has a line
    // (chroma), not the "never filled" note.
    let q = decode(&tmp.path().join("queue").join("queue_backlog.png"));
    let refused = (110, 700, 1540, 820);
    assert!(
        variance(&q, chroma, refused) > CHROMA_FLOOR,
        "no refused line"
    );
}

/// `components.csv` of 12 windows of a database with `shards` shards of one
/// primary each, shard 0 five times as loaded as the others; and an empty
/// `timeseries.csv` of the same windows.
fn synthetic_database(dir: &Path, databases: usize, shards: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let mut ts = String::from(
        "time_s,offered_rps,completed_rps,goodput_rps,rejected_rps,timed_out_rps,failed_rps,in_flight,\
latency_p50_ms,latency_p90_ms,latency_p99_ms,latency_p999_ms,latency_max_ms\n",
    );
    let mut cs = String::from(
        "time_s,component,instance,up,utilization,queue_len,in_service,completed,rejected,hits,misses,backlog,lag_ms,stale_reads\n",
    );
    for t in 0..12 {
        ts.push_str(&format!("{t},100,100,100,0,0,0,1,1,2,3,4,5\n"));
        for d in 0..databases {
            let mut total = 0;
            for s in 0..shards {
                let ops = if s == 0 { 500 } else { 100 + 5 * s + t };
                total += ops;
                cs.push_str(&format!(
                    "{t},db{d},shard{s}.primary,1,{:.3},0,1,{ops},0,,,,,0\n",
                    ops as f64 / 1000.0
                ));
            }
            cs.push_str(&format!("{t},db{d},*,{shards},0.2,0,1,{total},0,,,,,0\n"));
        }
    }
    std::fs::write(dir.join("timeseries.csv"), ts).unwrap();
    std::fs::write(dir.join("components.csv"), cs).unwrap();
}

fn plots_of(dir: &Path) -> Vec<PathBuf> {
    plots::write_run_plots(&RunPlots {
        dir,
        scenario: "synthetic",
        variant: "base",
        warmup: capsim::engine::SimDuration::from_secs(2),
        duration: capsim::engine::SimDuration::from_secs(12),
        markers: &[],
        latency_by_class: &[],
        // `synthetic_database` names its databases db0, db1...
        kinds: &ComponentKinds::new((0..3).map(|d| (format!("db{d}"), Kind::Database))),
    })
    .expect("plots are written")
}

#[test]
fn many_shards_draw_the_hottest_and_a_band_of_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    let (few, many) = (tmp.path().join("few"), tmp.path().join("many"));
    synthetic_database(&few, 1, 8);
    synthetic_database(&many, 3, 12);
    assert_eq!(
        &file_names(&plots_of(&few))[4..],
        ["shard_load.png"],
        "no replicas: no replication_lag.png"
    );
    plots_of(&many);
    let few = assert_drawn(&few.join("shard_load.png"));
    let many = assert_drawn(&many.join("shard_load.png"));
    // Eight shards: eight lines, no band. Twelve: the band of the others.
    assert_eq!(count_color(&few, BAND, 0, (0, 0, 1600, 900)), 0);
    assert!(count_color(&many, BAND, 0, PLOT) > 2_000);
    // The hottest shard (shard0, blue: first of its rank) is drawn in both
    // databases shown, and the title says one database is left out (dark
    // text further right than the plain title reaches).
    assert!(count_color(&many, VARIANT_COLORS[0], 0, PLOT) > 1_000);
    let title_right = |img: &RgbImage| {
        (0..1600)
            .rev()
            .find(|&x| (10..45).any(|y| luminance(img.get_pixel(x, y)) < 100.0))
            .unwrap_or(0)
    };
    assert!(
        title_right(&many) > title_right(&few) + 50,
        "the title does not say databases are left out"
    );
}

#[test]
fn comparisons_overlay_hit_ratio_and_backlog_when_variants_have_them() {
    let tmp = tempfile::tempdir().unwrap();
    let variants = [
        ("base", vec![]),
        ("small-cache", vec!["components.cache.capacity=200"]),
    ];
    let mut dirs = Vec::new();
    let mut kinds = Vec::new();
    for (name, sets) in &variants {
        let dir = tmp.path().join(name);
        let m = model(DATA_TIER, sets);
        run(&m, &dir);
        dirs.push(dir);
        kinds.push(ComponentKinds::of(&m));
    }
    let runs: Vec<VariantRun> = variants
        .iter()
        .zip(dirs.iter().zip(&kinds))
        .map(|((name, _), (dir, kinds))| VariantRun { name, dir, kinds })
        .collect();
    let base = model(DATA_TIER, &[]);
    let out = tmp.path().join("comparison");
    let written =
        plots::write_comparison_plots(&out, &base.name, &runs, base.warmup, &markers(&base))
            .unwrap();
    let mut want: Vec<&str> = COMPARISON_PLOTS.to_vec();
    want.extend(["hit_ratio.png", "queue_backlog.png"]);
    assert_eq!(file_names(&written), want);
    for name in ["hit_ratio.png", "queue_backlog.png"] {
        let img = assert_drawn(&out.join(name));
        for c in &VARIANT_COLORS[..2] {
            assert!(count_color(&img, *c, 0, PLOT) > 200, "{name}: {c:?}");
        }
    }
}

/// The colours of a fault's start and of a detection.
const FAULT_RED: [u8; 3] = [204, 0, 0];
const DETECTED_ORANGE: [u8; 3] = [230, 120, 0];

#[test]
fn every_time_plot_marks_faults_and_the_cdf_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let m = model(DATA_TIER, &[]);
    let (result, written) = run(&m, tmp.path());
    let before: Vec<RgbImage> = written.iter().map(|p| decode(p)).collect();
    let at = |share: f64| SimTime((m.duration.nanos() as f64 * share) as u64);
    let mut with_faults = markers(&m);
    with_faults.push(Marker::new(
        at(0.5),
        MarkerKind::FaultStart,
        "crash db.shard0.primary",
    ));
    with_faults.push(Marker::new(
        at(0.6),
        MarkerKind::Detected,
        "down db.shard0.primary",
    ));
    let again = plots::write_run_plots(&RunPlots {
        dir: tmp.path(),
        scenario: &m.name,
        variant: &m.variant,
        warmup: m.warmup,
        duration: m.duration,
        markers: &with_faults,
        latency_by_class: &result.latency_by_class,
        kinds: &ComponentKinds::of(&m),
    })
    .unwrap();
    assert_eq!(again, written);
    for (path, before) in again.iter().zip(&before) {
        let img = decode(path);
        let whole = (0, 0, 1600, 900);
        for c in [FAULT_RED, DETECTED_ORANGE] {
            assert_eq!(count_color(before, c, 0, whole), 0, "{}", path.display());
            let n = count_color(&img, c, 0, whole);
            if path.ends_with("latency_cdf.png") {
                // No time axis: nothing to mark.
                assert_eq!(n, 0);
            } else {
                assert!(n > 300, "{}: {n} pixels of {c:?}", path.display());
            }
        }
    }
}
