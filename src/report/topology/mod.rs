//! `topology.svg` and `topology.png`: the system a variant ran, drawn from
//! its compiled [`Model`] (after variants and `--set`), not from the YAML:
//! a box per component with what sizes and steers it, an arrow per call
//! (labelled with its filter and [flow] options), a balancer's pool, a
//! queue's consumers, a DNS's entry points, the traffic's source, and with
//! data centers a frame around each one's components.
//!
//! The parts: this file builds the [`Topology`] (plain boxes, edges and
//! frames, no geometry); `text` measures labels on the embedded DejaVu Sans;
//! `layout` places them (layered, with `layout-rs`); `svg` writes the
//! drawing; `png` renders that SVG with `resvg`, so the two files are one
//! drawing.

mod layout;
mod png;
mod svg;
mod text;

use std::io;
use std::path::Path;

use crate::model::{
    Arrivals, CallFilter, ComponentId, ComponentKind, Eviction, Kind, Model, NO_DC, Op, ReadFrom,
    ReplicationMode, Sessions, Topology as DbTopology,
};
use crate::report::atomic;

/// The files [`write_topology`] writes into a run's folder.
pub const FILES: [&str; 2] = ["topology.svg", "topology.png"];

/// What a box stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// Where requests come from: the client, or one origin with data
    /// centers.
    Source,
    /// A component of the model.
    Component {
        /// Its index in the model.
        id: ComponentId,
        /// What it is.
        kind: Kind,
    },
}

/// One box: a title (the component's name) and lines saying what it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What it stands for.
    pub kind: NodeKind,
    /// Its name, shown bold on the first line.
    pub title: String,
    /// The lines under the title: its kind, then sizes and policies.
    pub lines: Vec<String>,
    /// The frame (index into [`Topology::frames`]) it stands in; `None`
    /// outside any (the source, a DNS, a component with nodes in several
    /// data centers, or every box without data centers).
    pub frame: Option<usize>,
}

/// What an arrow means, which sets how it is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// Requests entering the system (source to entry point).
    Traffic,
    /// A service's downstream call (to a queue: a publish).
    Call,
    /// A balancer to the pool it spreads over.
    Balance,
    /// A cache to the component that holds the data (its misses).
    Miss,
    /// A queue to its consumers.
    Consume,
    /// A DNS to an entry point it answers with.
    Resolve,
    /// A service to the store its sessions live in.
    Sessions,
}

/// One arrow from `from` to `to` (indices into [`Topology::nodes`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    /// The caller (or sender).
    pub from: usize,
    /// The callee (or receiver).
    pub to: usize,
    /// What it means.
    pub kind: EdgeKind,
    /// Its label (filter, [flow] options), when it has one.
    pub label: Option<String>,
    /// Calls it stands for (a `parallel` may name a callee twice).
    pub count: u32,
}

/// A data center's frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    /// The data center's name.
    pub name: String,
    /// Its title: the data center's name (and price factor when not 1).
    pub title: String,
}

/// The system as drawn, before layout.
#[derive(Clone, Debug, PartialEq)]
pub struct Topology {
    /// The diagram's title: scenario and variant.
    pub title: String,
    /// Boxes: sources first, then components in model order.
    pub nodes: Vec<Node>,
    /// Arrows, each distinct (from, to, kind, label) once.
    pub edges: Vec<Edge>,
    /// Data centers' frames, in the order of the file.
    pub frames: Vec<Frame>,
}

/// Writes `topology.svg` and `topology.png` of `model` into `dir`, each
/// atomically.
pub fn write_topology(model: &Model, dir: &Path) -> io::Result<()> {
    let topo = Topology::of(model);
    let drawing = layout::layout(&topo);
    let svg = svg::render(&topo, &drawing);
    let png = png::render(&svg)?;
    atomic::write_atomic(&dir.join(FILES[0]), svg.as_bytes())?;
    atomic::write_atomic(&dir.join(FILES[1]), &png)
}

/// The SVG of `model`'s topology, as [`write_topology`] writes it.
pub fn topology_svg(model: &Model) -> String {
    let topo = Topology::of(model);
    svg::render(&topo, &layout::layout(&topo))
}

/// The width in pixels of `text` as the diagrams draw it (DejaVu Sans at
/// `size` pixels, `bold` or regular), for checking that labels fit.
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    text::width(text, size, bold)
}

impl Topology {
    /// The topology of `model`.
    pub fn of(model: &Model) -> Topology {
        let mut t = Topology {
            title: format!("{} ({})", model.name, model.variant),
            nodes: Vec::new(),
            edges: Vec::new(),
            frames: Vec::new(),
        };
        if let Some(geo) = &model.geo {
            t.frames = geo
                .datacenters
                .iter()
                .map(|d| Frame {
                    name: d.name.clone(),
                    title: if d.price_factor == 1.0 {
                        d.name.clone()
                    } else {
                        format!("{} (price x{})", d.name, d.price_factor)
                    },
                })
                .collect();
        }
        let sources = t.add_sources(model);
        let first = t.nodes.len();
        for (id, c) in model.components.iter().enumerate() {
            let (frame, spread) = placement(model, id as ComponentId);
            let mut lines = describe(model, &c.kind);
            if let Some(dcs) = spread {
                lines.push(format!("nodes in {dcs}"));
            }
            t.nodes.push(Node {
                kind: NodeKind::Component {
                    id: id as ComponentId,
                    kind: c.kind.model().kind(),
                },
                title: c.name.clone(),
                lines,
                frame,
            });
        }
        for (from, to) in sources {
            t.add_edge(from, first + to as usize, EdgeKind::Traffic, None);
        }
        for (id, c) in model.components.iter().enumerate() {
            t.add_component_edges(model, first, id, &c.kind);
        }
        t
    }

    /// The source boxes (the client, or one per origin) and the component
    /// each sends to.
    fn add_sources(&mut self, model: &Model) -> Vec<(usize, ComponentId)> {
        let tr = &model.traffic;
        // What a source sends: `share` of the whole traffic.
        let how = |share: f64| {
            let mut lines = vec![match &tr.arrivals {
                Arrivals::Poisson(s) => format!("poisson, peak {} rps", rps(s.peak() * share)),
                Arrivals::Uniform(s) => format!("uniform, peak {} rps", rps(s.peak() * share)),
                Arrivals::Closed { users, .. } => format!("closed loop, {users} users"),
            }];
            let classes: Vec<&str> = tr.classes.iter().map(|c| c.name.as_str()).collect();
            lines.push(format!("classes {}", classes.join(", ")));
            if let Some(t) = tr.timeout {
                lines.push(format!("timeout {t}"));
            }
            if let Some(r) = &tr.retry {
                lines.push(format!("retries {}", r.retries));
            }
            lines
        };
        let origins = model.geo.as_ref().map(|g| &g.origins[..]).unwrap_or(&[]);
        // Without `traffic.origins` the one origin is `local`: the client.
        if origins.len() <= 1 {
            self.nodes.push(Node {
                kind: NodeKind::Source,
                title: "client".into(),
                lines: how(1.0),
                frame: None,
            });
            let to = origins.first().map_or(tr.to, |o| o.to);
            return vec![(0, to)];
        }
        let mut out = Vec::new();
        for o in origins {
            let mut lines = vec![format!("origin, {}% of requests", fixed_pct(o.share))];
            lines.extend(how(o.share));
            out.push((self.nodes.len(), o.to));
            self.nodes.push(Node {
                kind: NodeKind::Source,
                title: o.name.clone(),
                lines,
                frame: None,
            });
        }
        out
    }

    /// The arrows out of component `id` (box `first + id`).
    fn add_component_edges(
        &mut self,
        model: &Model,
        first: usize,
        id: usize,
        kind: &ComponentKind,
    ) {
        let me = first + id;
        let node = |c: ComponentId| first + c as usize;
        match kind {
            ComponentKind::Service(s) => {
                for call in &s.calls {
                    let label = call_label(model, call);
                    for &t in call.targets() {
                        self.add_edge(me, node(t), EdgeKind::Call, label.clone());
                    }
                }
                if let Some(Sessions::Store(store)) = s.sessions {
                    self.add_edge(me, node(store), EdgeKind::Sessions, Some("sessions".into()));
                }
            }
            ComponentKind::LoadBalancer(b) => {
                self.add_edge(me, node(b.to), EdgeKind::Balance, None)
            }
            ComponentKind::Cache(c) => {
                self.add_edge(me, node(c.on_miss), EdgeKind::Miss, Some("on miss".into()))
            }
            ComponentKind::Queue(q) => self.add_edge(
                me,
                node(q.consumers),
                EdgeKind::Consume,
                Some("consumers".into()),
            ),
            ComponentKind::Dns(d) => {
                for (i, &t) in d.to.iter().enumerate() {
                    let label = match &d.policy {
                        crate::components::dns::model::DnsPolicy::Weighted(w) => {
                            Some(format!("weight {}", w[i]))
                        }
                        crate::components::dns::model::DnsPolicy::Failover if i > 0 => {
                            Some(format!("failover {i}"))
                        }
                        _ => None,
                    };
                    self.add_edge(me, node(t), EdgeKind::Resolve, label);
                }
            }
            ComponentKind::Database(_) => {}
        }
    }

    /// Adds an arrow, or counts it again when the same one is there (a
    /// `parallel` naming a component twice is one arrow, `x2`).
    fn add_edge(&mut self, from: usize, to: usize, kind: EdgeKind, label: Option<String>) {
        let same =
            |e: &&mut Edge| e.from == from && e.to == to && e.kind == kind && e.label == label;
        if let Some(e) = self.edges.iter_mut().find(same) {
            e.count += 1;
            return;
        }
        self.edges.push(Edge {
            from,
            to,
            kind,
            label,
            count: 1,
        });
    }
}

impl Edge {
    /// The label as drawn: the label, and `x N` when the same arrow stands
    /// for N calls; `None` for a plain single arrow.
    pub fn text(&self) -> Option<String> {
        match (&self.label, self.count) {
            (None, 1) => None,
            (None, n) => Some(format!("x{n}")),
            (Some(l), 1) => Some(l.clone()),
            (Some(l), n) => Some(format!("{l} x{n}")),
        }
    }
}

/// The frame component `id` stands in, and when its nodes stand in several
/// data centers their names (it is then drawn outside the frames).
fn placement(model: &Model, id: ComponentId) -> (Option<usize>, Option<String>) {
    let Some(geo) = &model.geo else {
        return (None, None);
    };
    let mut dcs: Vec<u8> = geo.node_dcs[id as usize].clone();
    dcs.sort_unstable();
    dcs.dedup();
    if dcs.len() > 1 {
        let names: Vec<&str> = dcs
            .iter()
            .map(|&d| geo.datacenters[d as usize].name.as_str())
            .collect();
        return (None, Some(names.join(", ")));
    }
    let dc = dcs.first().copied().unwrap_or(geo.placement[id as usize]);
    if dc == NO_DC {
        (None, None)
    } else {
        (Some(dc as usize), None)
    }
}

/// The lines describing a component: its kind, then what sizes and steers
/// it.
fn describe(model: &Model, kind: &ComponentKind) -> Vec<String> {
    let mut lines = vec![kind.model().kind().name().replace('_', " ")];
    match kind {
        ComponentKind::Service(s) => {
            let count = match &s.autoscale {
                Some(a) => format!(
                    "{}..{} instances (autoscale from {})",
                    a.min, a.max, s.instances
                ),
                None => plural(s.instances, "instance"),
            };
            lines.push(format!("{count} x {}", plural(s.workers, "worker")));
            if let Some(z) = &s.size {
                lines.push(format!("size {}", z.name));
            }
            let capacity = s.queue.map_or("unbounded".into(), |q| q.to_string());
            lines.push(format!("queue {capacity}, {}", s.discipline.name()));
            if let Some(r) = &s.rate_limit {
                lines.push(format!(
                    "rate limit {} rps",
                    rps(r.milli_rps as f64 / 1000.0)
                ));
            }
            if let Some(a) = &s.autoscale {
                lines.push(format!(
                    "autoscale on {}, target {}",
                    metric(a.metric),
                    a.target
                ));
            }
            match s.sessions {
                Some(Sessions::Local) => lines.push("sessions local".into()),
                Some(Sessions::Store(_)) | None => {}
            }
        }
        ComponentKind::LoadBalancer(b) => {
            lines.push(format!("policy {}", b.policy.name()));
            if let Some(h) = &b.health_check {
                lines.push(format!("health check every {}", h.interval));
            }
            if let Some(o) = &b.outlier {
                lines.push(format!(
                    "outlier ejection after {} errors",
                    o.consecutive_errors
                ));
            }
            if let Some(r) = &b.rate_limit {
                lines.push(format!(
                    "rate limit {} rps",
                    rps(r.milli_rps as f64 / 1000.0)
                ));
            }
        }
        ComponentKind::Cache(c) => {
            lines.push(format!(
                "{} x {}",
                plural(c.instances, "node"),
                plural(c.workers, "worker")
            ));
            let mut policy = vec![format!("eviction {}", eviction(c.eviction))];
            if let Some(cap) = c.capacity {
                policy.push(format!("capacity {cap}"));
            }
            if let Some(ttl) = c.ttl {
                policy.push(format!("ttl {ttl}"));
            }
            lines.push(policy.join(", "));
        }
        ComponentKind::Database(d) => database_lines(d, &mut lines),
        ComponentKind::Queue(q) => {
            let cap = q.capacity.map_or("unbounded".into(), |c| c.to_string());
            lines.push(format!("capacity {cap}"));
            let name = &model.components[q.consumers as usize].name;
            lines.push(format!("consumers {name}"));
        }
        ComponentKind::Dns(d) => {
            let policy = match &d.policy {
                crate::components::dns::model::DnsPolicy::Nearest => "nearest",
                crate::components::dns::model::DnsPolicy::Weighted(_) => "weighted",
                crate::components::dns::model::DnsPolicy::Failover => "failover",
            };
            lines.push(format!("policy {policy}, ttl {}", d.ttl));
            if let Some(h) = &d.health_check {
                lines.push(format!("health check every {}", h.interval));
            }
        }
    }
    lines
}

/// A database's lines: shards and nodes, replication, reads, size.
fn database_lines(d: &crate::model::Database, lines: &mut Vec<String>) {
    let shards = plural(d.shards, "shard");
    match d.topology {
        DbTopology::PrimaryReplica if d.replicas == 0 => {
            lines.push(format!("{shards}, no replicas"));
        }
        DbTopology::PrimaryReplica => {
            lines.push(format!(
                "{shards} x (primary + {})",
                plural(d.replicas, "replica")
            ));
            let mode = match d.replication {
                ReplicationMode::Async => "async",
                ReplicationMode::Sync => "sync",
                ReplicationMode::SemiSync => "semi_sync",
            };
            let from = match d.read_from {
                ReadFrom::Primary => "primary",
                ReadFrom::Replicas => "replicas",
                ReadFrom::Any => "any",
                ReadFrom::Nearest => "nearest",
            };
            lines.push(format!("replication {mode}, reads from {from}"));
        }
        DbTopology::MultiPrimary { primaries } | DbTopology::Ring { primaries } => {
            lines.push(format!("{shards} x {}", plural(primaries, "primary")));
            lines.push(format!("topology {}", d.topology.name()));
        }
        DbTopology::Quorum { nodes, n, w, r } => {
            lines.push(format!("{shards} x {}", plural(nodes, "node")));
            lines.push(format!("quorum n={n} w={w} r={r}"));
        }
    }
    let mut node = vec![plural(d.workers, "worker")];
    if let Some(z) = &d.size {
        node.push(format!("size {}", z.name));
    }
    lines.push(format!("{} per node", node.join(", ")));
    if d.failover.is_some() {
        lines.push("failover".into());
    }
}

/// A call's label: which requests make it, then its [flow] and guard
/// options; `None` for a plain call.
fn call_label(model: &Model, call: &crate::model::Call) -> Option<String> {
    let mut parts = Vec::new();
    match &call.when {
        Some(CallFilter::Op(Op::Read)) => parts.push("reads".to_string()),
        Some(CallFilter::Op(Op::Write)) => parts.push("writes".to_string()),
        Some(CallFilter::Classes(cs)) => {
            let names: Vec<&str> = cs
                .iter()
                .map(|&c| model.traffic.classes[c as usize].name.as_str())
                .collect();
            parts.push(names.join(", "));
        }
        None => {}
    }
    if let Some(f) = &call.flow {
        if !f.branches.is_empty() {
            let n = f.branches.len() as u32;
            let join = match f.join {
                j if j == n => "all".to_string(),
                1 => "any".to_string(),
                j => format!("{j} of {n}"),
            };
            parts.push(format!("parallel, join {join}"));
        }
        if let Some(h) = f.hedge {
            parts.push(format!("hedge {h}"));
        }
        if let Some(l) = f.limit {
            let what = if l.wait { "pool" } else { "bulkhead" };
            parts.push(format!("{what} {}", l.size));
        }
    }
    if let Some(g) = &call.guard {
        if let Some(t) = g.timeout {
            parts.push(format!("timeout {t}"));
        }
        if let Some(r) = &g.retry {
            parts.push(format!("retries {}", r.retries));
        }
        if g.breaker.is_some() {
            parts.push("breaker".to_string());
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn plural(n: u32, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else if let Some(stem) = what.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {what}s")
    }
}

/// A rate as the diagram prints it: a whole number when it is one.
fn rps(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:.1}")
    }
}

/// A share (0..1) in percent, without needless decimals.
fn fixed_pct(share: f64) -> String {
    let p = share * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{}", p.round() as i64)
    } else {
        format!("{p:.1}")
    }
}

fn eviction(e: Eviction) -> &'static str {
    e.name()
}

fn metric(m: crate::model::ScaleMetric) -> &'static str {
    use crate::model::ScaleMetric::*;
    match m {
        Utilization => "utilization",
        RpsPerInstance => "rps per instance",
        QueueLen => "queue length",
        Backlog => "backlog",
    }
}
