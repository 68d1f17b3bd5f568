//! `topology.svg` and `topology.png`: every shipped scenario's drawing (each
//! variant, from the compiled model) read back as XML and checked against
//! the model it was drawn from: a box per component and source, an arrow
//! per distinct call edge, a frame per data center, no two boxes
//! overlapping, every line fitting its box; then three scenarios run by the
//! binary: the PNG decodes at the SVG's size, the report shows the
//! SVG, and a second run writes the same bytes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use capsim::model::{ComponentKind, Model};
use capsim::report::topology::{text_width, topology_svg};
use capsim::scenario::{LoadOptions, load_file};

const BIN: &str = env!("CARGO_BIN_EXE_capsim");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every shipped scenario's models (base and variants).
fn shipped() -> Vec<(PathBuf, Vec<Model>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let models = load_file(&p, &LoadOptions::default())
                .unwrap_or_else(|f| panic!("{}", f.render(false)));
            (p, models)
        })
        .collect()
}

/// A rectangle read from the SVG.
#[derive(Clone, Copy, Debug)]
struct R {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

fn rect(n: roxmltree::Node) -> R {
    let a = |k: &str| n.attribute(k).unwrap().parse::<f64>().unwrap();
    R {
        x: a("x"),
        y: a("y"),
        w: a("width"),
        h: a("height"),
    }
}

fn overlap(a: R, b: R) -> bool {
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

fn has_class(n: &roxmltree::Node, class: &str) -> bool {
    n.attribute("class")
        .is_some_and(|c| c.split(' ').any(|w| w == class))
}

/// The (from, to) pairs of the model's edges, by name: each component's
/// downstream components, and the traffic's sources to their entries.
fn model_edges(m: &Model) -> BTreeSet<(String, String)> {
    let name = |i: u32| m.components[i as usize].name.clone();
    let mut out = BTreeSet::new();
    for c in &m.components {
        for to in c.kind.model().downstream() {
            out.insert((c.name.clone(), name(to)));
        }
    }
    match m.geo.as_ref().map(|g| &g.origins[..]) {
        Some(os) if os.len() > 1 => {
            for o in os {
                out.insert((o.name.clone(), name(o.to)));
            }
        }
        Some(os) => {
            out.insert(("client".into(), name(os[0].to)));
        }
        None => {
            out.insert(("client".into(), name(m.traffic.to)));
        }
    }
    out
}

/// Checks one model's drawing against the model; returns the SVG.
fn check_drawing(what: &str, m: &Model) -> String {
    let svg = topology_svg(m);
    let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{what}: not XML: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{what}");
    let (w, h) = (
        root.attribute("width").unwrap(),
        root.attribute("height").unwrap(),
    );
    assert_eq!(
        root.attribute("viewBox"),
        Some(&*format!("0 0 {w} {h}")),
        "{what}"
    );
    // Self-contained: nothing fetched from elsewhere.
    assert!(!svg.contains("href=\"http") && !svg.contains("<image") && !svg.contains("<script"));

    let boxes: Vec<_> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "g" && has_class(n, "box"))
        .collect();
    let names: BTreeSet<&str> = boxes
        .iter()
        .map(|b| b.attribute("data-name").unwrap())
        .collect();
    for c in &m.components {
        assert!(
            names.contains(c.name.as_str()),
            "{what}: no box for {}",
            c.name
        );
        // The name is the box's text, not only an attribute.
        let b = boxes
            .iter()
            .find(|b| b.attribute("data-name") == Some(&c.name))
            .unwrap();
        let texts: Vec<&str> = b.descendants().filter_map(|t| t.text()).collect();
        assert!(
            texts.contains(&c.name.as_str()),
            "{what}: {} not written",
            c.name
        );
    }
    let sources = match m.geo.as_ref().map(|g| g.origins.len()) {
        Some(n) if n > 1 => n,
        _ => 1,
    };
    assert_eq!(boxes.len(), m.components.len() + sources, "{what}: boxes");

    // Every line fits its box (by the font's measure), and no two boxes
    // (components' or labels') overlap.
    let mut placed: Vec<(String, R)> = Vec::new();
    for b in &boxes {
        let r = rect(
            b.children()
                .find(|n| n.tag_name().name() == "rect")
                .unwrap(),
        );
        for t in b.children().filter(|n| n.tag_name().name() == "text") {
            let size: f64 = t.attribute("font-size").unwrap().parse().unwrap();
            let bold = t.attribute("font-weight") == Some("bold");
            let tw = text_width(t.text().unwrap(), size, bold);
            assert!(
                tw <= r.w - 8.0,
                "{what}: {:?} ({tw:.1} px) in a {:.1} px box",
                t.text(),
                r.w
            );
        }
        placed.push((b.attribute("data-name").unwrap().to_string(), r));
    }
    for l in doc
        .descendants()
        .filter(|n| n.tag_name().name() == "g" && has_class(n, "label"))
    {
        let r = rect(
            l.children()
                .find(|n| n.tag_name().name() == "rect")
                .unwrap(),
        );
        let t = l
            .children()
            .find(|n| n.tag_name().name() == "text")
            .unwrap();
        let size: f64 = t.attribute("font-size").unwrap().parse().unwrap();
        assert!(
            text_width(t.text().unwrap(), size, false) <= r.w,
            "{what}: label {:?}",
            t.text()
        );
        placed.push((format!("label {:?}", t.text().unwrap()), r));
    }
    for (i, (a, ra)) in placed.iter().enumerate() {
        for (b, rb) in &placed[i + 1..] {
            assert!(!overlap(*ra, *rb), "{what}: {a} {ra:?} overlaps {b} {rb:?}");
        }
    }

    // One arrow per distinct edge of the model; at least one per pair.
    let arrows: Vec<(String, String)> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "path" && has_class(n, "edge"))
        .map(|n| {
            (
                n.attribute("data-from").unwrap().into(),
                n.attribute("data-to").unwrap().into(),
            )
        })
        .collect();
    let drawn: BTreeSet<(String, String)> = arrows.iter().cloned().collect();
    assert_eq!(drawn, model_edges(m), "{what}: arrows");
    let calls: usize = m
        .components
        .iter()
        .map(|c| match &c.kind {
            ComponentKind::Service(s) => s.calls.iter().map(|k| k.targets().len()).sum(),
            _ => 0,
        })
        .sum();
    let call_arrows = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "path" && has_class(n, "call"))
        .count();
    // A `parallel` naming a callee twice is one arrow marked `x2`.
    assert!(
        call_arrows <= calls && call_arrows > 0 || calls == 0,
        "{what}: {call_arrows} of {calls}"
    );

    // A frame per data center, each around its components' boxes.
    let frames: Vec<_> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "g" && has_class(n, "frame"))
        .collect();
    let dcs = m.geo.as_ref().map_or(0, |g| g.datacenters.len());
    assert_eq!(frames.len(), dcs, "{what}: frames");
    if let Some(g) = &m.geo {
        for (c, &dc) in m.components.iter().zip(&g.placement) {
            let spread = g.node_dcs[m.components.iter().position(|x| x.name == c.name).unwrap()]
                .iter()
                .any(|&d| d != dc);
            if dc == capsim::model::NO_DC || spread {
                continue;
            }
            let name = &g.datacenters[dc as usize].name;
            let f = frames
                .iter()
                .find(|f| f.attribute("data-dc") == Some(name.as_str()))
                .unwrap();
            let fr = rect(
                f.children()
                    .find(|n| n.tag_name().name() == "rect")
                    .unwrap(),
            );
            let br = placed.iter().find(|(n, _)| n == &c.name).unwrap().1;
            assert!(
                br.x >= fr.x
                    && br.y >= fr.y
                    && br.x + br.w <= fr.x + fr.w
                    && br.y + br.h <= fr.y + fr.h,
                "{what}: {} outside its frame {name}",
                c.name
            );
        }
    }
    svg
}

#[test]
fn every_shipped_scenario_draws_its_model() {
    let mut drawn = 0;
    for (path, models) in shipped() {
        for m in &models {
            let what = format!("{} ({})", path.display(), m.variant);
            let svg = check_drawing(&what, m);
            assert_eq!(svg, topology_svg(m), "{what}: not deterministic");
            drawn += 1;
        }
    }
    assert!(drawn >= 30, "{drawn}");
}

#[test]
fn a_variant_changes_the_drawing_of_what_it_changes() {
    let (_, models) = shipped()
        .into_iter()
        .find(|(p, _)| p.ends_with("flash-sale.yaml"))
        .unwrap();
    let base = topology_svg(&models[0]);
    let up = models.iter().find(|m| m.variant == "scale-up").unwrap();
    let svg = topology_svg(up);
    assert!(base.contains("8 instances x 8 workers") && base.contains("size large"));
    assert!(svg.contains("2 instances x 32 workers") && svg.contains("size xlarge"));
    assert!(svg.contains("flash-sale (scale-up)"));
}

/// Runs `capsim run` on a shipped scenario, shortened, into `out`.
fn run(scenario: &str, out: &Path) {
    let status = Command::new(BIN)
        .current_dir(ROOT)
        .args(["run", &format!("scenarios/{scenario}.yaml"), "--out"])
        .arg(out)
        .args([
            "--set",
            "duration=20s",
            "--set",
            "warmup=2s",
            "--set",
            "faults=[]",
            "-q",
        ])
        .status()
        .unwrap();
    assert!(
        status.code().is_some_and(|c| c == 0 || c == 1),
        "{scenario}: {status}"
    );
}

#[test]
fn runs_write_the_svg_and_its_png_and_the_report_shows_it() {
    for scenario in ["flash-sale", "geo-failover", "replication-topologies"] {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        run(scenario, &a);
        run(scenario, &b);
        let dir = a.join(scenario);
        let base = dir.join("base");
        let svg = std::fs::read_to_string(base.join("topology.svg")).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let num = |k: &str| {
            doc.root_element()
                .attribute(k)
                .unwrap()
                .parse::<f64>()
                .unwrap()
        };
        let png = image::open(base.join("topology.png")).unwrap();
        assert_eq!(
            (png.width(), png.height()),
            (num("width").round() as u32, num("height").round() as u32),
            "{scenario}"
        );
        // Not blank: the boxes' borders and text are drawn.
        let rgb = png.to_rgb8();
        let dark = rgb
            .pixels()
            .filter(|p| p.0.iter().all(|&c| c < 100))
            .count();
        assert!(dark > 1000, "{scenario}: {dark} dark pixels");
        let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
        assert!(
            html.contains("<img src=\"base/topology.svg\""),
            "{scenario}"
        );
        let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
        assert!(md.contains("![topology](base/topology.svg)"), "{scenario}");
        // The PNG is the drawing, not a plot: the report lists it nowhere.
        assert!(!html.contains("topology.png\"") && !md.contains("(base/topology.png)"));
        for f in ["topology.svg", "topology.png"] {
            for v in std::fs::read_dir(&dir).unwrap() {
                let v = v.unwrap().path();
                if v.join("summary.csv").is_file() {
                    let other = b.join(scenario).join(v.file_name().unwrap()).join(f);
                    assert_eq!(
                        std::fs::read(v.join(f)).unwrap(),
                        std::fs::read(other).unwrap(),
                        "{scenario}: {f} differs between runs"
                    );
                }
            }
        }
    }
}
