//! The plots of `capsim sweep` and `capsim plan`, drawn from plain figures
//! (a realistic one-key sweep, a two-key sweep, a plan with points it did
//! not try) and decoded: one 1600x900 PNG per varied key, named after it,
//! not blank, drawn from the data, the same bytes every time.
//!
//! Set `CAPSIM_SWEEP_DEMO=/some/dir` to keep the demo images there (to look
//! at them); otherwise they go to a temporary folder.

use std::path::{Path, PathBuf};

use capsim::report::plots::{Figure, SweepAxis, SweepPlots, SweepPoint, write_sweep_plots};
use image::RgbImage;

/// A figure with a relative half-width.
fn fig(mean: f64, rel: f64) -> Option<Figure> {
    Some(Figure {
        mean,
        lo: mean * (1.0 - rel),
        hi: mean * (1.0 + rel),
    })
}

/// An error rate with an absolute half-width (it can reach 0).
fn rate(mean: f64, half: f64) -> Option<Figure> {
    Some(Figure {
        mean,
        lo: (mean - half).max(0.0),
        hi: mean + half,
    })
}

fn axis(key: &str, values: &[&str]) -> SweepAxis {
    SweepAxis {
        key: key.to_string(),
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

/// A pool of `n` instances (`speed` times a small one's) at 900 req/s, each
/// small instance serving about 100/s: p99 about 5 s when saturated, down to
/// about 40 ms with room to spare; errors from 30% to 0; cost rising with
/// `n`.
fn point(values: Vec<String>, n: f64, speed: f64, price: f64) -> SweepPoint {
    let rho = 900.0 / (n * speed * 100.0);
    let (p99, err) = if rho >= 1.0 {
        let over = ((rho - 1.0) / 0.3).min(1.0);
        (2000.0 + 3000.0 * over, 0.3 * over.max(0.05))
    } else {
        let p99 = 40.0 * (1.0 + 4.0 * rho.powi(20) / (1.0 - rho).max(0.02));
        (
            p99.min(2000.0),
            if rho > 0.85 {
                0.02 * (rho - 0.85) / 0.15
            } else {
                0.0
            },
        )
    };
    SweepPoint {
        values,
        p99_ms: fig(p99, 0.05 + 0.15 * rho.min(1.0)),
        error_rate: rate(err, 0.15 * err + if rho > 0.85 { 0.002 } else { 0.0 }),
        cost_per_hour: Some(n * price),
        meets: None,
        chosen: false,
    }
}

fn one_axis() -> (Vec<SweepAxis>, Vec<SweepPoint>) {
    let values: Vec<String> = (2..=12).map(|n| n.to_string()).collect();
    let ax = SweepAxis {
        key: "components.web.instances".into(),
        values: values.clone(),
    };
    let pts = values
        .iter()
        .map(|v| point(vec![v.clone()], v.parse().unwrap(), 1.0, 0.10))
        .collect();
    (vec![ax], pts)
}

fn two_axes() -> (Vec<SweepAxis>, Vec<SweepPoint>) {
    let inst = axis(
        "components.web.instances",
        &["2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"],
    );
    let size = axis("components.web.size", &["small", "large", "xlarge"]);
    let mut pts = Vec::new();
    for n in &inst.values {
        for (s, speed, price) in [
            ("small", 1.0, 0.10),
            ("large", 1.6, 0.40),
            ("xlarge", 2.4, 1.70),
        ] {
            pts.push(point(
                vec![n.clone(), s.to_string()],
                n.parse().unwrap(),
                speed,
                price,
            ));
        }
    }
    (vec![inst, size], pts)
}

/// A plan over instances x size that bisected instances: only some points
/// tried, each judged against the SLO on its interval's upper bounds, the
/// cheapest that meets it chosen.
fn plan(slo_ms: f64, slo_err: f64) -> (Vec<SweepAxis>, Vec<SweepPoint>) {
    let (axes, all) = two_axes();
    let tried = [
        ("2", "small"),
        ("7", "small"),
        ("9", "small"),
        ("10", "small"),
        ("12", "small"),
        ("3", "large"),
        ("5", "large"),
        ("6", "large"),
        ("7", "large"),
        ("4", "xlarge"),
        ("2", "xlarge"),
    ];
    let mut pts: Vec<SweepPoint> = all
        .into_iter()
        .filter(|p| tried.contains(&(p.values[0].as_str(), p.values[1].as_str())))
        .map(|mut p| {
            let ok = p.p99_ms.unwrap().hi <= slo_ms && p.error_rate.unwrap().hi <= slo_err;
            p.meets = Some(ok);
            p
        })
        .collect();
    let best = pts
        .iter()
        .enumerate()
        .filter(|(_, p)| p.meets == Some(true))
        .min_by(|a, b| {
            a.1.cost_per_hour
                .unwrap()
                .total_cmp(&b.1.cost_per_hour.unwrap())
        })
        .map(|(i, _)| i)
        .expect("some point meets the SLO");
    pts[best].chosen = true;
    (axes, pts)
}

fn demo_dir(name: &str) -> (Option<tempfile::TempDir>, PathBuf) {
    match std::env::var_os("CAPSIM_SWEEP_DEMO") {
        Some(d) => {
            let p = PathBuf::from(d).join(name);
            std::fs::create_dir_all(&p).unwrap();
            (None, p)
        }
        None => {
            let t = tempfile::tempdir().unwrap();
            let p = t.path().to_path_buf();
            (Some(t), p)
        }
    }
}

fn render(
    dir: &Path,
    title: &str,
    axes: &[SweepAxis],
    points: &[SweepPoint],
    slo: (Option<f64>, Option<f64>),
) -> Vec<String> {
    write_sweep_plots(&SweepPlots {
        dir,
        scenario: "checkout",
        title,
        axes,
        points,
        slo_p99_ms: slo.0,
        slo_error_rate: slo.1,
    })
    .expect("the plots are written")
}

fn decode(path: &Path) -> RgbImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

/// The three panels' region: right of the y labels, below title and legend,
/// above the x labels.
const PLOT: (u32, u32, u32, u32) = (110, 150, 1540, 830);

/// Variance of the luminance and of the chroma (0 for any grey) of the
/// pixels of `PLOT`: a blank image has 0 and 0; frames, grid and text give
/// luminance variance only; the data are drawn in colour.
fn variances(img: &RgbImage) -> (f64, f64) {
    let (x0, y0, x1, y1) = PLOT;
    let (mut n, mut l1, mut l2, mut c1, mut c2) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for y in y0..y1 {
        for x in x0..x1 {
            let p = img.get_pixel(x, y);
            let l = 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64;
            let c = (p.0.iter().max().unwrap() - p.0.iter().min().unwrap()) as f64;
            n += 1.0;
            l1 += l;
            l2 += l * l;
            c1 += c;
            c2 += c * c;
        }
    }
    (l2 / n - (l1 / n).powi(2), c2 / n - (c1 / n).powi(2))
}

/// Pixels of `img` in `PLOT` within 12 of `rgb` on each channel.
fn count(img: &RgbImage, rgb: [u8; 3]) -> usize {
    let (x0, y0, x1, y1) = PLOT;
    let mut n = 0;
    for y in y0..y1 {
        for x in x0..x1 {
            let p = img.get_pixel(x, y);
            if (0..3).all(|i| (p[i] as i32 - rgb[i] as i32).abs() <= 12) {
                n += 1;
            }
        }
    }
    n
}

const BLUE: [u8; 3] = [0, 114, 178];
const VERMILLION: [u8; 3] = [213, 94, 0];
const GREEN: [u8; 3] = [0, 158, 115];

fn assert_drawn(path: &Path) -> RgbImage {
    let img = decode(path);
    assert_eq!(img.dimensions(), (1600, 900), "{}", path.display());
    let (luma, chroma) = variances(&img);
    println!(
        "{}: luminance variance {luma:.1}, chroma variance {chroma:.1}",
        path.display()
    );
    // Floors as in tests/plots.rs: a frame alone measures tens of luminance
    // variance and exactly 0 of chroma; one thin coloured line across the
    // panels about 20.
    assert!(luma > 10.0, "{}: blank ({luma:.1})", path.display());
    assert!(
        chroma > 5.0,
        "{}: no data drawn ({chroma:.1})",
        path.display()
    );
    img
}

#[test]
fn a_one_key_sweep_draws_one_plot_named_after_the_key() {
    let (_keep, dir) = demo_dir("sweep1");
    let (axes, pts) = one_axis();
    let names = render(&dir, "sweep", &axes, &pts, (Some(600.0), Some(0.01)));
    assert_eq!(names, vec!["sweep_components_web_instances.png"]);
    let img = assert_drawn(&dir.join(&names[0]));
    // One line: the first series colour, and no second one.
    let (blue, red) = (count(&img, BLUE), count(&img, VERMILLION));
    println!("blue {blue} px, vermillion {red} px");
    assert!(blue > 2000, "{blue}");
    assert_eq!(red, 0);
}

#[test]
fn a_two_key_sweep_draws_a_plot_per_key_and_a_line_per_other_value() {
    let (_keep, dir) = demo_dir("sweep2");
    let (axes, pts) = two_axes();
    let names = render(&dir, "sweep", &axes, &pts, (Some(600.0), Some(0.01)));
    assert_eq!(
        names,
        vec![
            "sweep_components_web_instances.png",
            "sweep_components_web_size.png"
        ]
    );
    // Against instances: one line per size (3 colours); against size: one
    // per instance count (11 > 8, so 8 lines shown).
    let by_instances = assert_drawn(&dir.join(&names[0]));
    for c in [BLUE, VERMILLION, GREEN] {
        assert!(count(&by_instances, c) > 500, "{c:?}");
    }
    let by_size = assert_drawn(&dir.join(&names[1]));
    let yellow = count(&by_size, [240, 228, 66]);
    println!("8th line (yellow) {yellow} px");
    assert!(yellow > 100, "the eighth line is drawn: {yellow}");
}

#[test]
fn a_plan_draws_the_points_tried_and_its_choice() {
    let (_keep, dir) = demo_dir("plan");
    let (axes, pts) = plan(600.0, 0.01);
    let names = render(&dir, "plan", &axes, &pts, (Some(600.0), Some(0.01)));
    assert_eq!(
        names,
        vec![
            "plan_components_web_instances.png",
            "plan_components_web_size.png"
        ]
    );
    for n in &names {
        assert_drawn(&dir.join(n));
    }
}

#[test]
fn the_same_figures_give_the_same_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (axes, pts) = plan(600.0, 0.01);
    let na = render(a.path(), "plan", &axes, &pts, (Some(600.0), Some(0.01)));
    let nb = render(b.path(), "plan", &axes, &pts, (Some(600.0), Some(0.01)));
    assert_eq!(na, nb);
    for n in &na {
        let (x, y) = (
            std::fs::read(a.path().join(n)).unwrap(),
            std::fs::read(b.path().join(n)).unwrap(),
        );
        assert!(x == y, "{n} differs between two renderings");
    }
    // And different figures give a different plot.
    let (axes2, mut pts2) = plan(600.0, 0.01);
    pts2[0].p99_ms = None;
    let c = tempfile::tempdir().unwrap();
    render(c.path(), "plan", &axes2, &pts2, (Some(600.0), Some(0.01)));
    assert_ne!(
        std::fs::read(a.path().join(&na[0])).unwrap(),
        std::fs::read(c.path().join(&na[0])).unwrap()
    );
}

#[test]
fn odd_inputs_plot_without_panicking() {
    let (_keep, dir) = demo_dir("odd");
    // No points; a point that does not fit the axes; figures that are not
    // finite; an error rate 0 everywhere; durations and categories; no SLO.
    let axes = vec![
        axis("client.timeout", &["250ms", "500ms", "1s", "2s"]),
        axis("components.db.kind", &["postgres", "mysql"]),
    ];
    let names = render(dir.as_path(), "sweep", &axes, &[], (None, None));
    assert_eq!(names.len(), 2);
    for n in &names {
        let img = decode(&dir.as_path().join(n));
        assert_eq!(img.dimensions(), (1600, 900));
    }
    let mut pts = vec![SweepPoint {
        values: vec!["250ms".into()],
        p99_ms: fig(10.0, 0.1),
        error_rate: rate(0.0, 0.0),
        cost_per_hour: None,
        meets: None,
        chosen: false,
    }];
    for (t, db) in [("250ms", "mysql"), ("1s", "postgres"), ("2s", "mysql")] {
        pts.push(SweepPoint {
            values: vec![t.into(), db.into()],
            p99_ms: Some(Figure {
                mean: 120.0,
                lo: f64::NAN,
                hi: f64::INFINITY,
            }),
            error_rate: rate(0.0, 0.0),
            cost_per_hour: Some(1.0),
            meets: None,
            chosen: false,
        });
    }
    pts.push(SweepPoint {
        values: vec!["500ms".into(), "postgres".into()],
        p99_ms: Some(Figure {
            mean: f64::NAN,
            lo: 0.0,
            hi: 0.0,
        }),
        error_rate: None,
        cost_per_hour: None,
        meets: None,
        chosen: false,
    });
    let names = render(dir.as_path(), "sweep", &axes, &pts, (Some(0.0), Some(0.0)));
    for n in &names {
        assert_drawn(&dir.as_path().join(n));
    }
}

#[test]
fn a_large_grid_plots_with_at_most_eight_lines() {
    let (_keep, dir) = demo_dir("large");
    let inst: Vec<String> = [1, 2, 4, 8, 16, 32, 64]
        .iter()
        .map(|n| n.to_string())
        .collect();
    let axes = vec![
        SweepAxis {
            key: "components.web.instances".into(),
            values: inst.clone(),
        },
        axis("components.web.size", &["small", "large", "xlarge"]),
        axis("traffic.region", &["eu", "us", "ap", "sa"]),
    ];
    let mut pts = Vec::new();
    for n in &inst {
        for (s, speed, price) in [
            ("small", 1.0, 0.10),
            ("large", 1.6, 0.40),
            ("xlarge", 2.4, 1.70),
        ] {
            for (r, load) in [("eu", 1.0), ("us", 1.3), ("ap", 0.6), ("sa", 0.3)] {
                let mut p = point(
                    vec![n.clone(), s.to_string(), r.to_string()],
                    n.parse::<f64>().unwrap() / load,
                    speed,
                    price * load,
                );
                p.cost_per_hour = Some(n.parse::<f64>().unwrap() * price);
                p.meets = Some(p.p99_ms.unwrap().hi <= 600.0 && p.error_rate.unwrap().hi <= 0.01);
                pts.push(p);
            }
        }
    }
    // The cheapest that meets the SLO, as a plan would choose.
    let best = (0..pts.len())
        .filter(|&i| pts[i].meets == Some(true))
        .min_by(|&a, &b| {
            pts[a]
                .cost_per_hour
                .unwrap()
                .total_cmp(&pts[b].cost_per_hour.unwrap())
        })
        .unwrap();
    pts[best].chosen = true;
    // How long this takes is measured by `cargo bench --bench render`.
    let names = render(&dir, "plan", &axes, &pts, (Some(600.0), Some(0.01)));
    println!(
        "{} points, {} plots; chosen {:?}",
        pts.len(),
        names.len(),
        pts[best].values
    );
    assert_eq!(
        names,
        vec![
            "plan_components_web_instances.png",
            "plan_components_web_size.png",
            "plan_traffic_region.png"
        ]
    );
    for n in &names {
        assert_drawn(&dir.join(n));
    }
}
