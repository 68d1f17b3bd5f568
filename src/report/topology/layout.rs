//! Where every box, frame and arrow of a [`Topology`] goes: a layered
//! (Sugiyama) drawing by `layout-rs`, top to bottom in the direction of the
//! calls.
//!
//! `layout-rs` knows no clusters, so data centers are laid out in two
//! levels: each frame's own components first (their sizes known, a graph of
//! their own), then the top level, where each frame is one box of its
//! size among the boxes outside frames (sources, a DNS, a database spread
//! over data centers). An arrow between levels follows the top level's
//! route to the frame's border, then a straight stub to its box inside.
//!
//! An arrow's label is a box of its own in the layered graph (between the
//! caller and the callee, as Graphviz does with its labels), sized by the
//! label's measured width, so that no label overlaps a box. Cycles
//! (there are none among calls, but a drawing must not depend on that) are
//! broken by `layout-rs`, which reverses back edges; the route is turned
//! back to run from caller to callee.

use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::StyleAttr;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::Topology;
use super::text::width;

/// Font size of a box's title (bold).
pub const TITLE_SIZE: f64 = 14.0;
/// Font size of a box's other lines.
pub const LINE_SIZE: f64 = 12.0;
/// Font size of an arrow's label.
pub const LABEL_SIZE: f64 = 11.0;
/// Font size of a frame's title (bold).
pub const FRAME_SIZE: f64 = 13.0;
/// Height of one line of a box.
pub const LINE_HEIGHT: f64 = 16.0;
/// Space between a box's border and its text, left and right.
pub const PAD_X: f64 = 10.0;
/// Space between a box's border and its text, above and below.
pub const PAD_Y: f64 = 7.0;
/// Space between a label's text and its box's sides.
const LABEL_PAD: f64 = 4.0;
/// Height of a label's box.
const LABEL_HEIGHT: f64 = 16.0;
/// Space between a frame's border and its boxes.
const FRAME_PAD: f64 = 16.0;
/// Height of a frame's title band.
const FRAME_TITLE: f64 = 22.0;
/// Space around the whole drawing.
const MARGIN: f64 = 16.0;
/// Height of the drawing's title band.
pub const TITLE_BAND: f64 = 30.0;

/// An axis-aligned rectangle: top-left corner and size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl Rect {
    /// Its centre.
    pub fn center(&self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    fn moved(&self, dx: f64, dy: f64) -> Rect {
        Rect {
            x: self.x + dx,
            y: self.y + dy,
            ..*self
        }
    }

    /// The point of its border on the segment from its centre to `p` (its
    /// centre when `p` is).
    fn border_towards(&self, p: (f64, f64)) -> (f64, f64) {
        let (cx, cy) = self.center();
        let (dx, dy) = (p.0 - cx, p.1 - cy);
        let tx = if dx == 0.0 {
            f64::INFINITY
        } else {
            (self.w / 2.0) / dx.abs()
        };
        let ty = if dy == 0.0 {
            f64::INFINITY
        } else {
            (self.h / 2.0) / dy.abs()
        };
        let t = tx.min(ty).min(1.0);
        if !t.is_finite() {
            return (cx, cy);
        }
        (cx + dx * t, cy + dy * t)
    }
}

/// A cubic Bézier segment: start, two control points, end.
pub type Cubic = [(f64, f64); 4];

/// An arrow as drawn: its path from caller to callee, and its label's box.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    /// Segments end to end, from the caller's border to the callee's.
    pub path: Vec<Cubic>,
    /// Where its label goes, when it has one.
    pub label: Option<Rect>,
}

/// A box with its lines, as placed.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    /// Its rectangle.
    pub rect: Rect,
}

/// Everything placed: absolute pixels, the origin at the top left.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawing {
    /// Width of the drawing (whole pixels).
    pub width: f64,
    /// Height of the drawing (whole pixels).
    pub height: f64,
    /// One per node of the topology, in its order.
    pub boxes: Vec<Placed>,
    /// One per frame of the topology, in its order.
    pub frames: Vec<Rect>,
    /// One per edge of the topology, in its order.
    pub routes: Vec<Route>,
}

/// The size of node `i`'s box: its widest line plus padding, its lines'
/// height.
pub fn box_size(t: &Topology, i: usize) -> (f64, f64) {
    let n = &t.nodes[i];
    let widest = n
        .lines
        .iter()
        .map(|l| width(l, LINE_SIZE, false))
        .fold(width(&n.title, TITLE_SIZE, true), f64::max);
    (
        (widest + 2.0 * PAD_X).ceil(),
        (n.lines.len() + 1) as f64 * LINE_HEIGHT + 2.0 * PAD_Y,
    )
}

fn label_size(text: &str) -> (f64, f64) {
    (
        (width(text, LABEL_SIZE, false) + 2.0 * LABEL_PAD).ceil(),
        LABEL_HEIGHT,
    )
}

/// One graph for `layout-rs`: boxes of given sizes and arrows between them.
#[derive(Default)]
struct Layered {
    sizes: Vec<(f64, f64)>,
    arrows: Vec<(usize, usize)>,
}

impl Layered {
    fn node(&mut self, size: (f64, f64)) -> usize {
        self.sizes.push(size);
        self.sizes.len() - 1
    }

    /// The arrow `from -> to`, shared by every caller asking for the same
    /// pair (an arrow between two frames stands for all calls between
    /// them).
    fn arrow(&mut self, from: usize, to: usize) -> usize {
        match self.arrows.iter().position(|&a| a == (from, to)) {
            Some(i) => i,
            None => {
                self.arrows.push((from, to));
                self.arrows.len() - 1
            }
        }
    }

    /// Runs the layout: each box's rectangle (top left at or past 0, 0),
    /// and each arrow's route from its first box to its second.
    fn run(&self) -> (Vec<Rect>, Vec<Vec<Cubic>>) {
        if self.sizes.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let mut vg = VisualGraph::new(Orientation::TopToBottom);
        let handles: Vec<_> = self
            .sizes
            .iter()
            .map(|&(w, h)| {
                vg.add_node(Element::create(
                    ShapeKind::Box(String::new()),
                    StyleAttr::simple(),
                    Orientation::TopToBottom,
                    Point::new(w, h),
                ))
            })
            .collect();
        for (k, &(a, b)) in self.arrows.iter().enumerate() {
            // A box's arrow to itself would need a loop: there is none
            // among components, and the drawing would not show one.
            if a != b {
                let arrow = Arrow::simple_with_properties("", k.to_string());
                vg.add_edge(arrow, handles[a], handles[b]);
            }
        }
        let mut rec = Recorder::default();
        vg.do_it(false, false, false, &mut rec);
        let rects: Vec<Rect> = handles
            .iter()
            .map(|&h| {
                let (tl, br) = vg.pos(h).bbox(false);
                Rect {
                    x: tl.x,
                    y: tl.y,
                    w: br.x - tl.x,
                    h: br.y - tl.y,
                }
            })
            .collect();
        let mut routes = vec![Vec::new(); self.arrows.len()];
        for (k, path) in rec.arrows {
            if k < routes.len()
                && path
                    .iter()
                    .flatten()
                    .all(|p| p.0.is_finite() && p.1.is_finite())
            {
                routes[k] = path;
            }
        }
        for (k, &(a, b)) in self.arrows.iter().enumerate() {
            if routes[k].is_empty() {
                // No route from the layout (a loop, or degenerate geometry):
                // a straight line between the two borders.
                routes[k] = vec![straight(
                    rects[a].border_towards(rects[b].center()),
                    rects[b].border_towards(rects[a].center()),
                )];
            }
        }
        (rects, routes)
    }
}

/// Collects the arrows' routes `layout-rs` draws; boxes and text are drawn
/// by `svg.rs` from the positions.
#[derive(Default)]
struct Recorder {
    arrows: Vec<(usize, Vec<Cubic>)>,
}

impl RenderBackend for Recorder {
    fn draw_rect(
        &mut self,
        _: Point,
        _: Point,
        _: &StyleAttr,
        _: Option<String>,
        _: Option<ClipHandle>,
    ) {
    }
    fn draw_line(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}
    fn draw_circle(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}
    fn draw_text(&mut self, _: Point, _: &str, _: &StyleAttr) {}
    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _: bool,
        head: (bool, bool),
        _: &StyleAttr,
        properties: Option<String>,
        _: &str,
    ) {
        let Some(k) = properties.and_then(|p| p.parse::<usize>().ok()) else {
            return;
        };
        let mut cubics = cubics(path);
        // A reversed back edge has its head at the start: turn it round.
        if head.0 && !head.1 {
            cubics.reverse();
            for c in &mut cubics {
                c.reverse();
            }
        }
        self.arrows.push((k, cubics));
    }
    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        0
    }
}

/// `layout-rs`'s path (`M p0 C c0 c1 p1 S c2 p2 ...`: the first pair is a
/// point and its exit control, each next pair an entry control and a
/// point) as explicit cubic segments.
fn cubics(path: &[(Point, Point)]) -> Vec<Cubic> {
    let xy = |p: Point| (p.x, p.y);
    let mut out: Vec<Cubic> = Vec::new();
    for i in 1..path.len() {
        let start = xy(if i == 1 { path[0].0 } else { path[i - 1].1 });
        let c1 = if i == 1 {
            xy(path[0].1)
        } else {
            // `S` mirrors the previous entry control about the point.
            let (c, p) = (path[i - 1].0, path[i - 1].1);
            (2.0 * p.x - c.x, 2.0 * p.y - c.y)
        };
        out.push([start, c1, xy(path[i].0), xy(path[i].1)]);
    }
    out
}

/// The routes of `arrows` end to end: caller to label, a straight line
/// through the label's box (where its text sits), label to callee.
fn joined(arrows: &[usize], paths: &[Vec<Cubic>]) -> Vec<Cubic> {
    let mut path: Vec<Cubic> = Vec::new();
    for &a in arrows {
        let seg = &paths[a];
        if let (Some(last), Some(next)) = (path.last(), seg.first()) {
            path.push(straight(last[3], next[0]));
        }
        path.extend(seg.iter().copied());
    }
    path
}

/// A straight segment as a cubic.
fn straight(a: (f64, f64), b: (f64, f64)) -> Cubic {
    let at = |t: f64| (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
    [a, at(1.0 / 3.0), at(2.0 / 3.0), b]
}

/// Where an edge's end sits for the top level: a node outside frames, or
/// the frame it is in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Node(usize),
    Frame(usize),
}

/// One frame's own layout, relative to the frame's top left.
struct FrameLayout {
    size: (f64, f64),
    /// (node, rect) of its members.
    members: Vec<(usize, Rect)>,
    /// (edge, route, label) of the edges inside it.
    routes: Vec<(usize, Route)>,
}

/// Lays out `t`.
pub fn layout(t: &Topology) -> Drawing {
    let end = |i: usize| match t.nodes[i].frame {
        Some(f) => End::Frame(f),
        None => End::Node(i),
    };
    let frames: Vec<FrameLayout> = (0..t.frames.len()).map(|f| frame_layout(t, f)).collect();

    // The top level: nodes outside frames, frames as boxes, labels of the
    // edges between them.
    let mut top = Layered::default();
    let mut top_of_node = vec![usize::MAX; t.nodes.len()];
    for (i, n) in t.nodes.iter().enumerate() {
        if n.frame.is_none() {
            top_of_node[i] = top.node(box_size(t, i));
        }
    }
    let top_of_frame: Vec<usize> = frames.iter().map(|f| top.node(f.size)).collect();
    let at = |e: End| match e {
        End::Node(i) => top_of_node[i],
        End::Frame(f) => top_of_frame[f],
    };
    // Per edge between levels: its arrows in the top level and its label.
    let mut crossing: Vec<Option<(Vec<usize>, Option<usize>)>> = vec![None; t.edges.len()];
    for (k, e) in t.edges.iter().enumerate() {
        let (a, b) = (end(e.from), end(e.to));
        if a == b {
            continue;
        }
        crossing[k] = Some(match e.text() {
            Some(text) => {
                let l = top.node(label_size(&text));
                (vec![top.arrow(at(a), l), top.arrow(l, at(b))], Some(l))
            }
            None => (vec![top.arrow(at(a), at(b))], None),
        });
    }
    let (rects, paths) = top.run();

    let mut boxes = vec![
        Placed {
            rect: Rect {
                x: 0.0,
                y: 0.0,
                w: 0.0,
                h: 0.0
            }
        };
        t.nodes.len()
    ];
    let mut routes = vec![
        Route {
            path: Vec::new(),
            label: None
        };
        t.edges.len()
    ];
    for (i, &ti) in top_of_node.iter().enumerate() {
        if ti != usize::MAX {
            boxes[i].rect = rects[ti];
        }
    }
    let frame_rects: Vec<Rect> = top_of_frame.iter().map(|&ti| rects[ti]).collect();
    for (f, fl) in frames.iter().enumerate() {
        let o = frame_rects[f];
        for &(i, r) in &fl.members {
            boxes[i].rect = r.moved(o.x, o.y);
        }
        for (k, r) in &fl.routes {
            routes[*k] = Route {
                path: r
                    .path
                    .iter()
                    .map(|c| c.map(|p| (p.0 + o.x, p.1 + o.y)))
                    .collect(),
                label: r.label.map(|l| l.moved(o.x, o.y)),
            };
        }
    }
    for (k, c) in crossing.iter().enumerate() {
        let Some((arrows, label)) = c else { continue };
        let e = &t.edges[k];
        let mut path = joined(arrows, &paths);
        stub_ends(
            &mut path,
            boxes[e.from].rect,
            boxes[e.to].rect,
            end(e.from),
            end(e.to),
        );
        routes[k] = Route {
            path,
            label: label.map(|l| rects[l]),
        };
    }
    finish(t, boxes, frame_rects, routes)
}

/// Joins a route that ends at a frame's border to the box inside: the end
/// moved to the box's side facing the route (its bottom or top when the
/// route leaves downwards or comes from above), the control point beside it
/// turned to leave or enter square.
fn stub_ends(path: &mut [Cubic], from: Rect, to: Rect, a: End, b: End) {
    const PULL: f64 = 30.0;
    if let (End::Frame(_), Some(first)) = (a, path.first_mut()) {
        let toward = first[3];
        let (p, dir) = port(&from, toward);
        first[0] = p;
        first[1] = (p.0 + dir.0 * PULL, p.1 + dir.1 * PULL);
    }
    if let (End::Frame(_), Some(last)) = (b, path.last_mut()) {
        let toward = last[0];
        let (p, dir) = port(&to, toward);
        last[3] = p;
        last[2] = (p.0 + dir.0 * PULL, p.1 + dir.1 * PULL);
    }
}

/// Where an arrow to or from `r` meets it, coming from or going to `p`:
/// the middle of its bottom or top when `p` is below or above it, else its
/// border towards `p`; and the direction out of the box there.
fn port(r: &Rect, p: (f64, f64)) -> ((f64, f64), (f64, f64)) {
    let (cx, _) = r.center();
    if p.1 > r.y + r.h {
        ((cx, r.y + r.h), (0.0, 1.0))
    } else if p.1 < r.y {
        ((cx, r.y), (0.0, -1.0))
    } else {
        let q = r.border_towards(p);
        let d = ((q.0 - cx).signum(), 0.0);
        (q, d)
    }
}

/// Frame `f`'s members and inner edges, laid out on their own.
fn frame_layout(t: &Topology, f: usize) -> FrameLayout {
    let mut g = Layered::default();
    let mut local = vec![usize::MAX; t.nodes.len()];
    let mut members = Vec::new();
    for (i, n) in t.nodes.iter().enumerate() {
        if n.frame == Some(f) {
            local[i] = g.node(box_size(t, i));
            members.push(i);
        }
    }
    let mut inner = Vec::new();
    for (k, e) in t.edges.iter().enumerate() {
        if t.nodes[e.from].frame != Some(f) || t.nodes[e.to].frame != Some(f) {
            continue;
        }
        let (a, b) = (local[e.from], local[e.to]);
        inner.push(match e.text() {
            Some(text) => {
                let l = g.node(label_size(&text));
                (k, vec![g.arrow(a, l), g.arrow(l, b)], Some(l))
            }
            None => (k, vec![g.arrow(a, b)], None),
        });
    }
    let (rects, paths) = g.run();
    let title_w = width(&t.frames[f].title, FRAME_SIZE, true) + 2.0 * FRAME_PAD;
    if rects.is_empty() {
        return FrameLayout {
            size: (title_w.ceil(), FRAME_TITLE + 2.0 * FRAME_PAD),
            members: Vec::new(),
            routes: Vec::new(),
        };
    }
    let mut routes: Vec<(usize, Route)> = inner
        .into_iter()
        .map(|(k, arrows, label)| {
            let path = joined(&arrows, &paths);
            (
                k,
                Route {
                    path,
                    label: label.map(|l| rects[l]),
                },
            )
        })
        .collect();
    // The frame's content from its own bounds: boxes, and routes' control
    // points (a Bézier stays inside their hull).
    let mut bounds = Bounds::default();
    rects.iter().for_each(|r| bounds.rect(r));
    routes
        .iter()
        .flat_map(|(_, r)| &r.path)
        .flatten()
        .for_each(|&p| bounds.point(p));
    let (dx, dy) = (FRAME_PAD - bounds.x0, FRAME_PAD + FRAME_TITLE - bounds.y0);
    for (_, r) in &mut routes {
        for c in &mut r.path {
            *c = c.map(|p| (p.0 + dx, p.1 + dy));
        }
        r.label = r.label.map(|l| l.moved(dx, dy));
    }
    let w = (bounds.x1 - bounds.x0 + 2.0 * FRAME_PAD)
        .max(title_w)
        .ceil();
    let h = (bounds.y1 - bounds.y0 + 2.0 * FRAME_PAD + FRAME_TITLE).ceil();
    FrameLayout {
        size: (w, h),
        members: members
            .iter()
            .map(|&i| (i, rects[local[i]].moved(dx, dy)))
            .collect(),
        routes,
    }
}

/// The smallest rectangle holding what was added.
struct Bounds {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            x0: f64::INFINITY,
            y0: f64::INFINITY,
            x1: f64::NEG_INFINITY,
            y1: f64::NEG_INFINITY,
        }
    }
}

impl Bounds {
    fn point(&mut self, p: (f64, f64)) {
        self.x0 = self.x0.min(p.0);
        self.y0 = self.y0.min(p.1);
        self.x1 = self.x1.max(p.0);
        self.y1 = self.y1.max(p.1);
    }

    fn rect(&mut self, r: &Rect) {
        self.point((r.x, r.y));
        self.point((r.x + r.w, r.y + r.h));
    }
}

/// Moves everything so the drawing starts at the margin under the title,
/// and sizes it to whole pixels.
fn finish(
    t: &Topology,
    mut boxes: Vec<Placed>,
    mut frames: Vec<Rect>,
    mut routes: Vec<Route>,
) -> Drawing {
    let mut b = Bounds::default();
    boxes.iter().for_each(|p| b.rect(&p.rect));
    frames.iter().for_each(|r| b.rect(r));
    routes
        .iter()
        .flat_map(|r| &r.path)
        .flatten()
        .for_each(|&p| b.point(p));
    if !b.x0.is_finite() {
        b = Bounds {
            x0: 0.0,
            y0: 0.0,
            x1: 0.0,
            y1: 0.0,
        };
    }
    let (dx, dy) = (MARGIN - b.x0, MARGIN + TITLE_BAND - b.y0);
    for p in &mut boxes {
        p.rect = p.rect.moved(dx, dy);
    }
    for f in &mut frames {
        *f = f.moved(dx, dy);
    }
    for r in &mut routes {
        for c in &mut r.path {
            *c = c.map(|p| (p.0 + dx, p.1 + dy));
        }
        r.label = r.label.map(|l| l.moved(dx, dy));
    }
    let title_w = width(&t.title, TITLE_SIZE + 2.0, true) + 2.0 * MARGIN;
    Drawing {
        width: (b.x1 - b.x0 + 2.0 * MARGIN).max(title_w).ceil(),
        height: (b.y1 - b.y0 + 2.0 * MARGIN + TITLE_BAND).ceil(),
        boxes,
        frames,
        routes,
    }
}
