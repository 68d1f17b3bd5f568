//! The request flow through the call graph: a unit total rate pushed from
//! the entry down to every component, class by class and key by key, each
//! kind passing it on its own way ([`KindEstimate::route`]).

use std::any::Any;
use std::collections::HashMap;
use std::rc::Rc;

use super::keys::KeySpace;
use super::kind::KindEstimate;
use crate::model::{Model, Op};

/// A class's flow at a component: key `k` is asked for `scale x p(k) x
/// thin(k)` times a second (`thin` absent: 1).
#[derive(Clone, Debug)]
pub struct Flow {
    /// The class's rate before thinning, at unit total rate.
    pub scale: f64,
    /// Per key segment, the share of the class's requests for its keys
    /// that get this far (what a cache misses); `None`: all of them.
    /// Shared, so that flows thinned alike add up by their scales alone.
    pub thin: Option<Rc<Vec<f64>>>,
}

/// Adds flow `f` to `into`: by scale alone when both are thinned alike,
/// else key segment by key segment (the result then has scale 1).
fn merge(into: &mut Option<Flow>, f: Flow) {
    match into {
        None => *into = Some(f),
        Some(g) => {
            let same = match (&g.thin, &f.thin) {
                (None, None) => true,
                (Some(a), Some(b)) => Rc::ptr_eq(a, b),
                _ => false,
            };
            if same {
                g.scale += f.scale;
            } else {
                let n = g.thin.as_ref().or(f.thin.as_ref()).map_or(0, |t| t.len());
                let part = |h: &Flow, i: usize| h.scale * h.thin.as_ref().map_or(1.0, |t| t[i]);
                let t: Vec<f64> = (0..n).map(|i| part(g, i) + part(&f, i)).collect();
                *g = Flow {
                    scale: 1.0,
                    thin: Some(Rc::new(t)),
                };
            }
        }
    }
}

/// What a call sends on for one class besides its plain flow ([flow]),
/// relative to the requests that reach the caller.
#[derive(Clone, Debug, PartialEq)]
pub struct CallLoad {
    /// Per target of the call (each parallel branch), calls sent per
    /// request making it: `1 + P(R > h)` with a hedge, `1 - B` behind a
    /// bulkhead that rejects `B`.
    pub sent: Vec<f64>,
    /// The share of requests going on to the caller's later calls (`1 -
    /// B`: a rejected call fails its request).
    pub kept: f64,
}

/// Per (component, call, class): what its call sends on ([`CallLoad`]);
/// empty without hedges and bulkheads.
pub type CallLoads = HashMap<(usize, usize, usize), CallLoad>;

/// A line whose consumers pull from it (a queue): its pool is then one
/// station of every worker.
#[derive(Clone, Copy, Debug)]
pub struct Line {
    /// The pool whose workers take from the line.
    pub consumers: usize,
    /// Messages held at most (waiting or being taken); `None`: unbounded.
    pub capacity: Option<u64>,
}

/// The routed network: where a unit total rate goes, and what each kind
/// learnt on the way (a cache's hit ratios, a database's shard loads).
pub struct Net<'m> {
    /// The model estimated.
    pub model: &'m Model,
    /// The key space of every class.
    pub keys: KeySpace,
    /// Per component, per class: the flow at unit total rate.
    flows: Vec<Vec<Option<Flow>>>,
    /// Components in an order where every caller comes before its callees.
    pub order: Vec<usize>,
    /// Per component: what its kind kept while routing, of a type only
    /// the kind knows (the network stays blind to kinds).
    kept: Vec<Option<Box<dyn Any>>>,
    /// Pool -> the line it consumes.
    lines: HashMap<usize, Line>,
    /// Per component, per class: requests a second at unit total rate.
    pub rates: Vec<Vec<f64>>,
    /// With data centers: every call edge (caller, callee) and its calls a
    /// second per class at unit total rate, in the order first sent.
    pub edges: Vec<(usize, usize, Vec<f64>)>,
    /// With data centers: per link, per direction, what crosses it at unit
    /// total rate.
    pub link_loads: Vec<[super::geo::DirLoad; 2]>,
    /// The component being routed (the caller of what is sent now);
    /// `None` while the entry is fed.
    current: Option<usize>,
    /// What calls send on besides their plain flow, as last evaluated.
    loads: CallLoads,
}

impl<'m> Net<'m> {
    /// Routes a unit total rate through `model`.
    pub fn new(model: &'m Model) -> Net<'m> {
        let n = model.components.len();
        let classes = model.traffic.classes.len();
        // Depth-first post-order from the entry, reversed: callers first.
        let mut order = Vec::new();
        let mut seen = vec![false; n];
        // With data centers each origin may enter somewhere else: every
        // entry is a root (the first, `traffic.to`, as without them).
        let mut stack: Vec<(usize, bool)> =
            roots(model).into_iter().rev().map(|r| (r, false)).collect();
        while let Some((x, done)) = stack.pop() {
            if done {
                order.push(x);
                continue;
            }
            if seen[x] {
                continue;
            }
            seen[x] = true;
            stack.push((x, true));
            for ch in kind(model, x).callees().into_iter().rev() {
                if !seen[ch] {
                    stack.push((ch, false));
                }
            }
        }
        order.reverse();
        let mut lines = HashMap::new();
        for c in &model.components {
            if let Some(line) = c.kind.estimate().line() {
                lines.insert(line.consumers, line);
            }
        }
        let mut net = Net {
            model,
            keys: KeySpace::new(model),
            flows: vec![vec![None; classes]; n],
            order,
            kept: (0..n).map(|_| None).collect(),
            lines,
            rates: vec![vec![0.0; classes]; n],
            edges: Vec::new(),
            link_loads: Vec::new(),
            current: None,
            loads: CallLoads::new(),
        };
        net.route();
        if model.geo.is_some() {
            net.link_loads = super::geo::link_loads(&net);
        }
        net
    }

    /// Routes the unit total rate again, calls sending on `loads` (the
    /// hedges' and bulkheads' loads at the last evaluation's times).
    pub fn reroute(&mut self, loads: CallLoads) {
        let (n, classes) = (
            self.model.components.len(),
            self.model.traffic.classes.len(),
        );
        self.loads = loads;
        self.flows = vec![vec![None; classes]; n];
        self.kept = (0..n).map(|_| None).collect();
        self.rates = vec![vec![0.0; classes]; n];
        self.edges.clear();
        self.route();
        if self.model.geo.is_some() {
            self.link_loads = super::geo::link_loads(self);
        }
    }

    /// What call `call` of component `x` sends on for class `c` besides its
    /// plain flow; `None`: just the plain flow.
    pub fn call_load(&self, x: usize, call: usize, c: usize) -> Option<&CallLoad> {
        if self.loads.is_empty() {
            return None;
        }
        self.loads.get(&(x, call, c))
    }

    /// The loads the network was last routed with.
    pub fn loads(&self) -> &CallLoads {
        &self.loads
    }

    /// Pushes a unit total rate down the call graph.
    fn route(&mut self) {
        let model = self.model;
        let total_w: f64 = model.traffic.classes.iter().map(|c| c.weight).sum();
        let root = model.traffic.to as usize;
        for (c, class) in model.traffic.classes.iter().enumerate() {
            match &model.geo {
                None => {
                    self.flows[root][c] = Some(Flow {
                        scale: class.weight / total_w,
                        thin: None,
                    })
                }
                // Each origin's share enters where its requests go first.
                Some(geo) => {
                    for o in &geo.origins {
                        let f = Flow {
                            scale: class.weight / total_w * o.share,
                            thin: None,
                        };
                        merge(&mut self.flows[o.to as usize][c], f);
                    }
                }
            }
        }
        for &x in &self.order.clone() {
            for c in 0..model.traffic.classes.len() {
                self.rates[x][c] = self.flows[x][c]
                    .as_ref()
                    .map_or(0.0, |f| self.keys.rate(c, f));
            }
            self.current = Some(x);
            kind(model, x).route(x, self);
        }
        self.current = None;
    }

    /// With data centers: counts `f` as calls of class `c` from the
    /// component being routed to `to`.
    fn record(&mut self, to: usize, c: usize, f: &Flow) {
        let Some(from) = self.current.filter(|_| self.model.geo.is_some()) else {
            return;
        };
        let rate = self.keys.rate(c, f);
        let classes = self.model.traffic.classes.len();
        let i = match self.edges.iter().position(|e| e.0 == from && e.1 == to) {
            Some(i) => i,
            None => {
                self.edges.push((from, to, vec![0.0; classes]));
                self.edges.len() - 1
            }
        };
        self.edges[i].2[c] += rate;
    }

    /// Class `c`'s flow at component `x`, if any reaches it.
    pub fn flow(&self, x: usize, c: usize) -> Option<&Flow> {
        self.flows[x][c].as_ref()
    }

    /// Adds `f` to class `c`'s flow at component `to`.
    pub fn send(&mut self, to: usize, c: usize, f: Flow) {
        self.record(to, c, &f);
        merge(&mut self.flows[to][c], f);
    }

    /// Sends on to `to` everything that reaches `from`.
    pub fn pass(&mut self, from: usize, to: usize) {
        for c in 0..self.model.traffic.classes.len() {
            if let Some(f) = self.flows[from][c].clone() {
                self.record(to, c, &f);
                merge(&mut self.flows[to][c], f);
            }
        }
    }

    /// Per-key read and write rates (per key of each segment) at `x`.
    pub fn key_rates(&self, x: usize) -> (Vec<f64>, Vec<f64>) {
        let segs = self.keys.segments();
        let (mut r, mut w) = (vec![0.0; segs], vec![0.0; segs]);
        for (c, class) in self.model.traffic.classes.iter().enumerate() {
            let Some(f) = &self.flows[x][c] else { continue };
            let out = if class.op == Op::Read { &mut r } else { &mut w };
            let p = &self.keys.p[c];
            for s in 0..segs {
                out[s] += f.scale * p[s] * f.thin.as_ref().map_or(1.0, |t| t[s]);
            }
        }
        (r, w)
    }

    /// Keeps what component `x`'s kind learnt while routing, for its
    /// evaluation.
    pub fn keep<T: Any>(&mut self, x: usize, what: T) {
        self.kept[x] = Some(Box::new(what));
    }

    /// What component `x`'s kind kept while routing. Panics when it kept
    /// nothing of type `T`: a kind asks only for what it keeps itself.
    pub fn kept<T: Any>(&self, x: usize) -> &T {
        self.kept[x]
            .as_ref()
            .and_then(|k| k.downcast_ref())
            .expect("a kind reads back only what it kept while routing")
    }

    /// The line component `x`'s workers consume, when it consumes one.
    pub fn line(&self, x: usize) -> Option<&Line> {
        self.lines.get(&x)
    }
}

/// Where requests enter: `traffic.to`, then (with data centers) each
/// origin's first component not named yet.
fn roots(model: &Model) -> Vec<usize> {
    let mut roots = vec![model.traffic.to as usize];
    if let Some(geo) = &model.geo {
        for o in &geo.origins {
            if !roots.contains(&(o.to as usize)) {
                roots.push(o.to as usize);
            }
        }
    }
    roots
}

/// Component `x`'s kind, as the estimate sees it.
fn kind(model: &Model, x: usize) -> &dyn KindEstimate {
    model.components[x].kind.estimate()
}
