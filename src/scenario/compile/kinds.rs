//! The kinds of component, in one table: how each is read (its spec, in
//! `components/<kind>/spec.rs`), compiled (`components/<kind>/compile.rs`)
//! and what the rest of the compiler asks of it ([`KindRules`]). Nothing
//! else in the compiler names a kind's types.

use indexmap::IndexMap;
use serde::de::DeserializeOwned;

use super::cx::{KindCx, NeedsUsers};
use super::graph::Graph;
use super::{Catalogue, Checker, NAME_RULE, is_name};
use crate::components::{cache, database, dns, load_balancer, queue, service};
use crate::model::{Component, ComponentId, ComponentKind, DcId, Geo, Kind, Model, RequestClass};
use crate::scenario::de::from_node;
use crate::scenario::error::{Errors, ScenarioError, one_of};
use crate::scenario::yaml::{Node, PathSeg, Value};

/// A kind's spec as written, as the first pass needs it.
pub(crate) trait KindSpec: DeserializeOwned + 'static {
    /// The service whose workers take this component's messages (a queue's
    /// `consumers`), as written: the other kinds' compile steps need it
    /// before the queue is compiled.
    fn consumers(&self) -> Option<&str> {
        None
    }
}

/// What the compiler asks of a kind beyond its compile step.
pub(crate) trait KindRules {
    /// Whether the requests reaching it must carry a key (caches and
    /// databases work on real keys).
    fn needs_key(&self) -> bool {
        false
    }

    /// Whether a `flush` fault may strike it.
    fn flushable(&self) -> bool {
        false
    }

    /// Refuses a `slow` fault on component `id` of `model`, written at
    /// `path` as `name`, when the kind cannot be slowed.
    fn refuse_slow(
        &self,
        _ck: &Checker,
        _path: &str,
        _model: &Model,
        _id: ComponentId,
        _name: &str,
    ) -> Result<(), ScenarioError> {
        Ok(())
    }

    /// Whether `dcs` on the component written `node` (its settings as
    /// written, placement keys included) places its nodes instead of making
    /// one copy per data center.
    fn dcs_place_nodes(&self, _node: &Node) -> bool {
        false
    }

    /// Its instance names, when there are too many to list (more than 8):
    /// numbered names (`web.0` ... `web.99`) read as a range.
    fn elide_instances(&self, names: &[String]) -> String {
        format!("`{}` to `{}`", names[0], names[names.len() - 1])
    }
}

/// A kind's compile step, with its spec read.
type Compile = Box<dyn Fn(&mut KindCx<'_>) -> Result<ComponentKind, ScenarioError>>;

/// A component as the first pass read it.
pub(crate) struct Read {
    /// Its kind.
    pub(super) kind: Kind,
    /// The service it feeds, for a queue ([`KindSpec::consumers`]).
    pub(super) consumers: Option<String>,
    /// Its compile step.
    compile: Compile,
    /// Its name as written: the component's, or for a copy (`web@us-east`)
    /// the name of the component it is a copy of (`web`).
    pub(super) written: String,
    /// The data center it stands in ([geo]; 0 without `datacenters`).
    pub(super) dc: DcId,
    /// A database's `replica_dcs`.
    pub(super) replica_dcs: Option<Vec<DcId>>,
    /// `dcs` that place its nodes rather than make copies
    /// ([`KindRules::dcs_place_nodes`]).
    pub(super) node_dcs: Option<Vec<DcId>>,
}

/// What reading a spec gives: its [`KindSpec::consumers`] and its compile
/// step.
type Spec = (Option<String>, Compile);

/// Reads the spec `S` at `node` and keeps it for the kind's compile step,
/// whose result `wrap` makes a [`ComponentKind`].
fn read<S: KindSpec, X: 'static>(
    node: &Node,
    at: &[PathSeg],
    compile: fn(&mut KindCx<'_>, &S) -> Result<X, ScenarioError>,
    wrap: fn(X) -> ComponentKind,
) -> Result<Spec, ScenarioError> {
    let spec: S = from_node(node, at)?;
    let consumers = spec.consumers().map(str::to_string);
    Ok((consumers, Box::new(move |cx| compile(cx, &spec).map(wrap))))
}

/// One kind of the table.
struct Entry {
    /// Its tag (and so its name, `kind: NAME`).
    kind: Kind,
    /// Reads its spec.
    read: fn(&Node, &[PathSeg]) -> Result<Spec, ScenarioError>,
    /// What the compiler asks of it.
    rules: &'static dyn KindRules,
}

/// Every kind, in the order capabilities brought them (and messages list
/// them): the one place the compiler names them.
const KINDS: [Entry; 6] = [
    Entry {
        kind: Kind::Service,
        read: |n, at| read(n, at, service::compile::compile, ComponentKind::Service),
        rules: &service::compile::Rules,
    },
    Entry {
        kind: Kind::LoadBalancer,
        read: |n, at| {
            read(
                n,
                at,
                load_balancer::compile::compile,
                ComponentKind::LoadBalancer,
            )
        },
        rules: &load_balancer::compile::Rules,
    },
    Entry {
        kind: Kind::Cache,
        read: |n, at| read(n, at, cache::compile::compile, ComponentKind::Cache),
        rules: &cache::compile::Rules,
    },
    Entry {
        kind: Kind::Database,
        read: |n, at| read(n, at, database::compile::compile, ComponentKind::Database),
        rules: &database::compile::Rules,
    },
    Entry {
        kind: Kind::Queue,
        read: |n, at| read(n, at, queue::compile::compile, ComponentKind::Queue),
        rules: &queue::compile::Rules,
    },
    Entry {
        kind: Kind::Dns,
        read: |n, at| read(n, at, dns::compile::compile, ComponentKind::Dns),
        rules: &dns::compile::Rules,
    },
];

/// What the compiler asks of `kind`.
pub(super) fn rules(kind: Kind) -> &'static dyn KindRules {
    KINDS
        .iter()
        .find(|e| e.kind == kind)
        .expect("every kind is in the table")
        .rules
}

/// The first pass over `components`: each component's name and kind
/// checked, its placement and spec read, in the order of the file; a
/// component with `dcs` becomes one copy per data center, `NAME@DC`, in
/// its place.
pub(super) fn read_components(
    ck: &Checker,
    entries: &[(Node, Node)],
    geo: Option<&Geo>,
) -> Result<IndexMap<String, Read>, Errors> {
    let mut out = IndexMap::new();
    let mut errs = Errors::new();
    // Each component is read on its own: one's error says nothing of the
    // others, so all are reported.
    for (k, v) in entries {
        if let Err(e) = read_component(ck, k, v, geo, &mut out) {
            errs.push(e);
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    if out.len() > super::MAX_COMPONENTS {
        return Err(ck
            .err(
                "components",
                format!(
                    "{} components with their copies is too many to simulate",
                    out.len()
                ),
            )
            .expected(format!("at most {}", super::MAX_COMPONENTS))
            .into());
    }
    Ok(out)
}

/// Reads one component's name, kind, placement and spec into `out` (once
/// per data center it is copied into).
fn read_component(
    ck: &Checker,
    k: &Node,
    v: &Node,
    geo: Option<&Geo>,
    out: &mut IndexMap<String, Read>,
) -> Result<(), ScenarioError> {
    let names: Vec<&str> = KINDS.iter().map(|e| e.kind.name()).collect();
    let name = k.as_str().unwrap_or("");
    let path = format!("components.{name}");
    if !is_name(name) {
        return Err(ck
            .err_key(&path, format!("`{name}` is not a valid component name"))
            .expected(NAME_RULE));
    }
    let base = vec![PathSeg::Key("components".into()), PathSeg::Key(name.into())];
    if !matches!(v.value, Value::Map(_)) {
        return Err(
            ScenarioError::at(v.span, format!("found {}", v.type_name()))
                .path(path)
                .expected("a mapping with `kind` and the component's settings"),
        );
    }
    let Some(kind_node) = v.get("kind") else {
        return Err(ScenarioError::at(v.span, "missing key `kind`")
            .path(path)
            .expected(one_of(&names)));
    };
    let kind = kind_node.as_str().unwrap_or("");
    let Some(entry) = KINDS.iter().find(|e| e.kind.name() == kind) else {
        return Err(
            ScenarioError::at(kind_node.span, format!("unknown kind `{kind}`"))
                .path(format!("{path}.kind"))
                .expected(one_of(&names))
                .suggest(kind, names.iter().copied()),
        );
    };
    let places_nodes = entry.rules.dcs_place_nodes(v);
    let (placement, v) = super::geo::read_placement(ck, geo, &path, v, entry.kind, places_nodes)?;
    for &dc in &placement.dcs {
        // Each copy reads the spec afresh: its compile step owns it.
        let (consumers, compile) = (entry.read)(&v, &base)?;
        let read = Read {
            kind: entry.kind,
            consumers,
            compile,
            written: name.to_string(),
            dc,
            replica_dcs: placement.replica_dcs.clone(),
            node_dcs: placement.node_dcs.clone(),
        };
        let key = match geo {
            Some(g) if placement.copies => {
                format!("{name}@{}", g.datacenters[dc as usize].name)
            }
            _ => name.to_string(),
        };
        out.insert(key, read);
    }
    Ok(())
}

/// The second pass: each component compiled by its kind, in the order of
/// the file, its calls added to `graph`. Returns the components and what in
/// each needs the traffic to have users.
pub(super) fn compile_components(
    ck: &Checker,
    read: &IndexMap<String, Read>,
    graph: &mut Graph,
    classes: &[RequestClass],
    key_space: u64,
    sizes: &Catalogue,
) -> Result<(Vec<Component>, Vec<Option<NeedsUsers>>), Errors> {
    let mut errs = Errors::new();
    // Each component is compiled on its own; all their errors are told.
    let mut components = Vec::with_capacity(read.len());
    let mut users = Vec::with_capacity(read.len());
    for (idx, (name, r)) in read.iter().enumerate() {
        let mut cx = KindCx::new(
            ck,
            graph,
            name,
            r,
            idx as ComponentId,
            classes,
            key_space,
            sizes,
        );
        let kind = errs.keep((r.compile)(&mut cx));
        // The edges are kept even when the kind failed, so the graph's
        // rows stay one per component for the others' checks.
        let (edges, needs) = cx.finish();
        graph.edges.push(edges);
        users.push(needs);
        if let Some(kind) = kind {
            components.push(Component {
                name: name.clone(),
                kind,
            });
        }
    }
    errs.or_ok((components, users))
}
