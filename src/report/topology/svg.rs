//! The drawing as SVG: self-contained (no stylesheet, script, image or web
//! font; presentation attributes only, which every renderer and `resvg`
//! read alike), with `width`, `height` and `viewBox`, every name escaped,
//! and numbers printed to one decimal so that the same model always gives
//! the same bytes.
//!
//! Elements carry classes (`frame`, `edge`, `label`, `box`) and the names
//! they stand for (`data-from`, `data-to`, `data-name`, `data-dc`) so that
//! the file can be read back, as the tests do.

use std::fmt::Write as _;

use super::layout::{
    Drawing, FRAME_SIZE, LABEL_SIZE, LINE_HEIGHT, LINE_SIZE, PAD_Y, Rect, TITLE_BAND, TITLE_SIZE,
};
use super::{EdgeKind, NodeKind, Topology};
use crate::model::Kind;

/// The fonts named: DejaVu Sans (which the boxes are measured in and the
/// PNG is rendered with), then Verdana, of near-identical widths.
const FONTS: &str = "DejaVu Sans, Verdana, sans-serif";

/// The colour of arrows and text.
const INK: &str = "#3c4043";

/// The SVG of `t` placed as `d`.
pub fn render(t: &Topology, d: &Drawing) -> String {
    let mut s = String::with_capacity(16 * 1024);
    let (w, h) = (num(d.width), num(d.height));
    let _ = writeln!(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         font-family=\"{FONTS}\">"
    );
    let _ = writeln!(
        s,
        "<title>{}</title>",
        esc(&format!("topology of {}", t.title))
    );
    let _ = writeln!(
        s,
        "<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" \
         markerHeight=\"7\" markerUnits=\"userSpaceOnUse\" orient=\"auto\">\
         <path d=\"M0,0 L10,5 L0,10 z\" fill=\"{INK}\"/></marker></defs>"
    );
    let _ = writeln!(s, "<rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>");
    let _ = writeln!(
        s,
        "<text x=\"16\" y=\"{}\" font-size=\"{}\" font-weight=\"bold\" fill=\"{INK}\">{}</text>",
        num(16.0 + TITLE_BAND / 2.0 + 2.0),
        num(TITLE_SIZE + 2.0),
        esc(&t.title)
    );
    frames(&mut s, t, d);
    edges(&mut s, t, d);
    boxes(&mut s, t, d);
    s.push_str("</svg>\n");
    s
}

fn frames(s: &mut String, t: &Topology, d: &Drawing) {
    for (f, r) in t.frames.iter().zip(&d.frames) {
        let _ = writeln!(
            s,
            "<g class=\"frame\" data-dc=\"{}\"><rect class=\"frame\" {} rx=\"8\" fill=\"#f8f9fa\" \
             stroke=\"#9aa0a6\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"{}\" font-weight=\"bold\" fill=\"#5f6368\">{}</text></g>",
            esc(&f.name),
            rect_attrs(r),
            num(r.x + 12.0),
            num(r.y + 18.0),
            num(FRAME_SIZE),
            esc(&f.title)
        );
    }
}

fn edges(s: &mut String, t: &Topology, d: &Drawing) {
    for (e, r) in t.edges.iter().zip(&d.routes) {
        let Some(first) = r.path.first() else {
            continue;
        };
        let mut path = format!("M{},{}", num(first[0].0), num(first[0].1));
        for c in &r.path {
            let _ = write!(
                path,
                " C{},{} {},{} {},{}",
                num(c[1].0),
                num(c[1].1),
                num(c[2].0),
                num(c[2].1),
                num(c[3].0),
                num(c[3].1)
            );
        }
        let (stroke, width, dash) = edge_style(e.kind);
        let dash = dash.map_or(String::new(), |p| format!(" stroke-dasharray=\"{p}\""));
        let _ = writeln!(
            s,
            "<path class=\"edge {}\" data-from=\"{}\" data-to=\"{}\" d=\"{path}\" fill=\"none\" \
             stroke=\"{stroke}\" stroke-width=\"{width}\"{dash} marker-end=\"url(#head)\"/>",
            edge_class(e.kind),
            esc(&t.nodes[e.from].title),
            esc(&t.nodes[e.to].title)
        );
    }
    for (e, r) in t.edges.iter().zip(&d.routes) {
        let (Some(text), Some(l)) = (e.text(), r.label) else {
            continue;
        };
        let (cx, cy) = l.center();
        let _ = writeln!(
            s,
            "<g class=\"label\"><rect class=\"label\" {} rx=\"3\" fill=\"#ffffff\" stroke=\"#dadce0\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"middle\" fill=\"{INK}\">{}</text></g>",
            rect_attrs(&l),
            num(cx),
            num(cy + LABEL_SIZE * 0.36),
            num(LABEL_SIZE),
            esc(&text)
        );
    }
}

fn boxes(s: &mut String, t: &Topology, d: &Drawing) {
    for (n, p) in t.nodes.iter().zip(&d.boxes) {
        let r = &p.rect;
        let (fill, stroke, kind) = match n.kind {
            NodeKind::Source => ("#f1f3f4", "#5f6368", "source"),
            NodeKind::Component { kind, .. } => {
                let (f, s) = kind_colours(kind);
                (f, s, kind.name())
            }
        };
        let _ = write!(
            s,
            "<g class=\"box\" data-name=\"{}\" data-kind=\"{}\"><rect class=\"box\" {} rx=\"5\" \
             fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"/>",
            esc(&n.title),
            esc(kind),
            rect_attrs(r)
        );
        let cx = num(r.x + r.w / 2.0);
        let baseline = |k: usize| num(r.y + PAD_Y + (k + 1) as f64 * LINE_HEIGHT - 4.0);
        let _ = write!(
            s,
            "<text x=\"{cx}\" y=\"{}\" font-size=\"{}\" font-weight=\"bold\" text-anchor=\"middle\" \
             fill=\"#202124\">{}</text>",
            baseline(0),
            num(TITLE_SIZE),
            esc(&n.title)
        );
        for (k, line) in n.lines.iter().enumerate() {
            // The kind in italics, the settings plain.
            let style = if k == 0 { " font-style=\"italic\"" } else { "" };
            let _ = write!(
                s,
                "<text x=\"{cx}\" y=\"{}\" font-size=\"{}\"{style} text-anchor=\"middle\" \
                 fill=\"{INK}\">{}</text>",
                baseline(k + 1),
                num(LINE_SIZE),
                esc(line)
            );
        }
        s.push_str("</g>\n");
    }
}

/// A component's box's fill and border by its kind.
fn kind_colours(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Service => ("#e8f0fe", "#1a73e8"),
        Kind::LoadBalancer => ("#fef7e0", "#e37400"),
        Kind::Cache => ("#e6f4ea", "#188038"),
        Kind::Database => ("#fce8e6", "#c5221f"),
        Kind::Queue => ("#f3e8fd", "#8430ce"),
        Kind::Dns => ("#e4f7fb", "#007b83"),
    }
}

fn edge_class(k: EdgeKind) -> &'static str {
    match k {
        EdgeKind::Traffic => "traffic",
        EdgeKind::Call => "call",
        EdgeKind::Balance => "balance",
        EdgeKind::Miss => "miss",
        EdgeKind::Consume => "consume",
        EdgeKind::Resolve => "resolve",
        EdgeKind::Sessions => "sessions",
    }
}

/// Colour, width and dash pattern of an arrow by what it means.
fn edge_style(k: EdgeKind) -> (&'static str, &'static str, Option<&'static str>) {
    match k {
        EdgeKind::Traffic => (INK, "2", None),
        EdgeKind::Call | EdgeKind::Balance => (INK, "1.4", None),
        EdgeKind::Consume => ("#8430ce", "1.4", None),
        EdgeKind::Miss => (INK, "1.4", Some("5 3")),
        EdgeKind::Resolve => ("#007b83", "1.4", Some("5 3")),
        EdgeKind::Sessions => (INK, "1.2", Some("2 3")),
    }
}

fn rect_attrs(r: &Rect) -> String {
    format!(
        "x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"",
        num(r.x),
        num(r.y),
        num(r.w),
        num(r.h)
    )
}

/// A coordinate to one decimal, without a minus on zero.
fn num(x: f64) -> String {
    let s = format!("{:.1}", x);
    match s.as_str() {
        "-0.0" => "0.0".to_string(),
        _ => s,
    }
}

/// Text escaped for XML content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 forbids (controls) never reach a name, but
            // a drawing must stay well-formed whatever it is given.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_and_numbers_stable() {
        assert_eq!(esc("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(num(-0.01), "0.0");
        assert_eq!(num(12.345), "12.3");
    }
}
