//! The PNG plots of a run and of a comparison: real runs rendered, then the
//! images decoded and checked: 1600x900, not blank, drawn from the data (the
//! plot area changes when the data do), warm-up shaded, one colour per
//! variant, text rendered from the embedded font with no system font.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use capsim::engine::SimTime;
use capsim::model::Model;
use capsim::report::plots::{self, RunPlots, VariantRun};
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

fn markers(m: &Model) -> Vec<(SimTime, String)> {
    m.rate_changes()
        .into_iter()
        .map(|t| (t, format!("rate change at {t}")))
        .collect()
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
        markers: &[(SimTime(30_000_000_000), "rate change at 30s".into())],
        latency_by_class: &[],
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
    for (name, sets) in &variants {
        let dir = tmp.path().join(name);
        run(&model(SCENARIO, sets), &dir);
        dirs.push(dir);
    }
    let runs: Vec<VariantRun> = variants
        .iter()
        .zip(&dirs)
        .map(|((name, _), dir)| VariantRun { name, dir })
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

#[test]
fn render_time_of_a_ten_minute_run() {
    // Not an assertion (machines differ): the figure is printed, for
    // `cargo test --release --test plots -- --nocapture`.
    // The built-in demo (a load balancer and two pools, a 3x spike), made
    // 10 minutes long.
    let tmp = tempfile::tempdir().unwrap();
    let m = model(scenario::DEMO, &["duration=10m"]);
    let (result, _) = run(&m, tmp.path());
    let input = RunPlots {
        dir: tmp.path(),
        scenario: &m.name,
        variant: &m.variant,
        warmup: m.warmup,
        duration: m.duration,
        markers: &markers(&m),
        latency_by_class: &result.latency_by_class,
    };
    let start = Instant::now();
    let n = 5;
    for _ in 0..n {
        plots::write_run_plots(&input).unwrap();
    }
    let each = start.elapsed().as_secs_f64() / n as f64;
    println!(
        "plots of a 10-minute run, 1 s windows, 3 components: {:.0} ms",
        each * 1000.0
    );
}
