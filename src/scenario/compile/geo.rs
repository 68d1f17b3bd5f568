//! [geo]: `datacenters`, `network`, each component's `dc` / `dcs` /
//! `replica_dcs`, `traffic.origins` and the classes' `bytes`, checked and
//! compiled into [`Geo`].
//!
//! It runs in three steps because the rest of the compiler needs it in
//! between: the data centers and links first ([`compile_network`]: a
//! component's placement and the resolution of names to copies need them),
//! each component's placement while the components are read
//! ([`read_placement`]), and the rest once every component is compiled
//! ([`finish`]: origins name copies, a database's nodes need its shards and
//! replicas, or its topology's nodes, and a call between data centers
//! needs a link).

use indexmap::IndexMap;

use super::graph::Graph;
use super::kinds::Read;
use super::{Checker, NAME_RULE, at_most_max, compile_dist, is_name};
use crate::components::database::model::Database;
use crate::engine::SimDuration;
use crate::model::geo::{MAX_DATACENTERS, MAX_ORIGINS};
use crate::model::{Bytes, ComponentKind, Datacenter, DcId, Geo, Kind, Link, Model, NO_DC, Origin};
use crate::scenario::de::from_node;
use crate::scenario::error::{ScenarioError, one_of};
use crate::scenario::spec::{ScenarioSpec, TrafficSpec};
use crate::scenario::yaml::{Node, Value};

/// The keys of a component that place it, read here for every kind.
pub(super) const PLACEMENT_KEYS: [&str; 3] = ["dc", "dcs", "replica_dcs"];

/// Highest `price_factor`.
const MAX_PRICE_FACTOR: f64 = 1000.0;
/// Highest `egress`, per GB.
const MAX_EGRESS: f64 = 1e6;
/// Highest `bandwidth`, bits per second (10 Pbps).
const MAX_BANDWIDTH: f64 = 1e16;

/// `datacenters` and `network`, compiled: a [`Geo`] whose origins,
/// placement, node places and bytes [`finish`] fills. `None` without
/// `datacenters`.
pub(super) fn compile_network(
    ck: &Checker,
    spec: &ScenarioSpec,
) -> Result<Option<Geo>, ScenarioError> {
    let Some(dcs) = &spec.datacenters else {
        if spec.network.is_some() {
            return Err(ck
                .err_key("network", "a `network` without `datacenters`")
                .expected("`datacenters` naming the data centers the links join, such as `datacenters: { us-east: {}, eu-west: {} }`"));
        }
        return Ok(None);
    };
    if dcs.is_empty() {
        return Err(ck
            .err("datacenters", "no data centers")
            .expected("at least one data center, such as `us-east: {}`, or no `datacenters`"));
    }
    if dcs.len() > MAX_DATACENTERS {
        return Err(ck
            .err(
                "datacenters",
                format!("{} data centers is too many", dcs.len()),
            )
            .expected(format!("at most {MAX_DATACENTERS}")));
    }
    let mut datacenters = Vec::with_capacity(dcs.len());
    for (name, d) in dcs {
        let path = format!("datacenters.{name}");
        if !is_name(name) {
            return Err(ck
                .err_key(&path, format!("`{name}` is not a valid data center name"))
                .expected(NAME_RULE));
        }
        let price_factor = d.price_factor.unwrap_or(1.0);
        if !(price_factor > 0.0 && price_factor <= MAX_PRICE_FACTOR) {
            return Err(ck
                .err(
                    &format!("{path}.price_factor"),
                    format!("a price factor of {price_factor}"),
                )
                .expected(format!(
                    "a positive factor on the catalogue's prices (1.15: 15% dearer), at most {MAX_PRICE_FACTOR}"
                )));
        }
        datacenters.push(Datacenter {
            name: name.clone(),
            price_factor,
        });
    }
    let mut geo = Geo {
        datacenters,
        within: SimDuration::ZERO,
        links: Vec::new(),
        origins: Vec::new(),
        placement: Vec::new(),
        node_dcs: Vec::new(),
        bytes: Vec::new(),
    };
    if let Some(net) = &spec.network {
        if let Some(w) = net.within {
            geo.within = at_most_max(ck, "network.within", w)?;
        }
        for (i, l) in net.links.iter().flatten().enumerate() {
            let link = compile_link(ck, &geo, &format!("network.links[{i}]"), l)?;
            geo.links.push(link);
        }
    }
    Ok(Some(geo))
}

/// The data center called `name`, or an error at `path` naming those there
/// are.
pub(super) fn find_dc(
    ck: &Checker,
    geo: &Geo,
    path: &str,
    name: &str,
) -> Result<DcId, ScenarioError> {
    match geo.datacenters.iter().position(|d| d.name == name) {
        Some(i) => Ok(i as DcId),
        None => {
            let names: Vec<&str> = geo.datacenters.iter().map(|d| d.name.as_str()).collect();
            Err(ck
                .err(path, format!("no data center is called `{name}`"))
                .expected(format!(
                    "a data center of `datacenters`: {}",
                    one_of(&names)
                ))
                .suggest(name, names.iter().copied()))
        }
    }
}

/// One entry of `network.links`, checked against the links before it.
fn compile_link(
    ck: &Checker,
    geo: &Geo,
    path: &str,
    l: &crate::scenario::spec::LinkSpec,
) -> Result<Link, ScenarioError> {
    let between = format!("{path}.between");
    if l.between.len() != 2 {
        return Err(ck
            .err(
                &between,
                format!(
                    "a link joins two data centers, and this names {}",
                    l.between.len()
                ),
            )
            .expected("two data centers, such as `[us-east, eu-west]`"));
    }
    let a = find_dc(ck, geo, &format!("{between}[0]"), &l.between[0])?;
    let b = find_dc(ck, geo, &format!("{between}[1]"), &l.between[1])?;
    if a == b {
        return Err(ck
            .err(
                &format!("{between}[1]"),
                format!("a link between `{}` and itself", l.between[1]),
            )
            .expected("two different data centers (a hop inside one takes `network.within`)"));
    }
    if let Some((i, _)) = geo.link_between(a, b) {
        return Err(ck
            .err(
                &between,
                format!(
                    "`{}` and `{}` are already joined by `network.links[{i}]`",
                    l.between[0], l.between[1]
                ),
            )
            .expected("each pair of data centers joined once (a link carries both directions)"));
    }
    let latency = compile_dist(ck, &format!("{path}.latency"), &l.latency)?;
    let bandwidth_bps = match l.bandwidth {
        None => None,
        Some(bw) if bw.0 > 0.0 && bw.0 <= MAX_BANDWIDTH => Some(bw.0),
        Some(bw) => {
            let what = if bw.0 == 0.0 {
                "a bandwidth of zero: the link would carry nothing".to_string()
            } else if bw.0 < 0.0 {
                format!("a negative bandwidth ({} bps)", bw.0)
            } else {
                format!("{} bps is too much to simulate", bw.0)
            };
            return Err(ck.err(&format!("{path}.bandwidth"), what).expected(
                "a positive bandwidth such as `1Gbps` (at most 10000000Gbps), or no `bandwidth` for no transmission time",
            ));
        }
    };
    let egress_per_gb = match l.egress {
        None => None,
        Some(e) if (0.0..=MAX_EGRESS).contains(&e) => Some(e),
        Some(e) => {
            return Err(ck
                .err(&format!("{path}.egress"), format!("an egress price of {e}"))
                .expected("a price per GB of zero or more, such as `0.02`"));
        }
    };
    Ok(Link {
        a,
        b,
        latency,
        bandwidth_bps,
        egress_per_gb,
    })
}

/// Where a component stands, as its `dc`, `dcs` and `replica_dcs` say.
pub(super) struct Placement {
    /// One data center per copy: `dcs` (copies named `NAME@DC`), or one,
    /// the component itself ([`NO_DC`] for a DNS, 0 without `datacenters`,
    /// `dcs[0]` when `dcs` places its nodes).
    pub dcs: Vec<DcId>,
    /// Whether it has copies (`dcs`).
    pub copies: bool,
    /// A database's `replica_dcs`.
    pub replica_dcs: Option<Vec<DcId>>,
    /// `dcs` when they place the component's nodes instead of making
    /// copies (a database of equal nodes: `multi_primary`, `ring`,
    /// `quorum`); the component itself then stands in the first.
    pub node_dcs: Option<Vec<DcId>>,
}

/// Whether `key` is written in `node` with a value: a variant's `~` unsets
/// a key (the merge leaves it, null), as it does every other.
fn written(node: &Node, key: &str) -> bool {
    node.get(key)
        .is_some_and(|v| !matches!(v.value, crate::scenario::yaml::Value::Null))
}

/// Reads a component's placement keys from `node` (the component at
/// `path`, of kind `kind`) and returns the node without them, for the
/// kind's own spec (which knows nothing of placement). With `places_nodes`
/// (the kind's [`KindRules::dcs_place_nodes`](super::kinds::KindRules)),
/// `dcs` places the component's nodes instead of making copies.
pub(super) fn read_placement(
    ck: &Checker,
    geo: Option<&Geo>,
    path: &str,
    node: &Node,
    kind: Kind,
    places_nodes: bool,
) -> Result<(Placement, Node), ScenarioError> {
    let present: Vec<&str> = PLACEMENT_KEYS
        .iter()
        .copied()
        .filter(|k| written(node, k))
        .collect();
    let mut placement = Placement {
        dcs: vec![if kind == Kind::Dns { NO_DC } else { 0 }],
        copies: false,
        replica_dcs: None,
        node_dcs: None,
    };
    let Some(&first) = present.first() else {
        return Ok((placement, node.clone()));
    };
    let Some(geo) = geo else {
        return Err(ck
            .err_key(&format!("{path}.{first}"), format!("`{first}` without `datacenters`"))
            .expected("`datacenters` naming the data centers, such as `datacenters: { us-east: {}, eu-west: {} }`"));
    };
    if kind == Kind::Dns {
        return Err(ck
            .err_key(&format!("{path}.{first}"), "a dns stands in no data center")
            .expected("a dns without `dc` or `dcs`: it answers from everywhere, and a hop to it takes no time"));
    }
    if present.contains(&"dc") && present.contains(&"dcs") {
        return Err(ck
            .err_key(&format!("{path}.dcs"), "both `dc` and `dcs`")
            .expected(
                "`dc: NAME` for one data center, or `dcs: [..]` for one copy in each, not both",
            ));
    }
    let names = |key: &str| -> Result<Vec<DcId>, ScenarioError> {
        let at = format!("{path}.{key}");
        let segs = super::segs(&at);
        let n = node.get(key).expect("present");
        let list: Vec<String> = from_node(n, &segs)?;
        if list.is_empty() {
            return Err(ck
                .err(&at, "an empty list")
                .expected("at least one data center, such as `[us-east]`"));
        }
        let mut out = Vec::with_capacity(list.len());
        for (j, name) in list.iter().enumerate() {
            let dc = find_dc(ck, geo, &format!("{at}[{j}]"), name)?;
            if key == "dcs" && out.contains(&dc) {
                return Err(ck
                    .err(&format!("{at}[{j}]"), format!("`{name}` is listed twice"))
                    .expected("each data center once"));
            }
            out.push(dc);
        }
        Ok(out)
    };
    if let Some(n) = node.get("dc").filter(|_| written(node, "dc")) {
        let at = format!("{path}.dc");
        let name: String = from_node(n, &super::segs(&at))?;
        placement.dcs = vec![find_dc(ck, geo, &at, &name)?];
    }
    if written(node, "dcs") {
        let dcs = names("dcs")?;
        if places_nodes {
            placement.dcs = vec![dcs[0]];
            placement.node_dcs = Some(dcs);
        } else {
            placement.dcs = dcs;
            placement.copies = true;
        }
    }
    if written(node, "replica_dcs") {
        if kind != Kind::Database {
            return Err(ck
                .err_key(
                    &format!("{path}.replica_dcs"),
                    format!("`replica_dcs` on {}", kind.a_kind()),
                )
                .expected("`replica_dcs` on a database, which has replicas"));
        }
        placement.replica_dcs = Some(names("replica_dcs")?);
    }
    Ok((placement, without_placement(node)))
}

/// `node` without its placement keys.
fn without_placement(node: &Node) -> Node {
    let mut out = node.clone();
    if let Value::Map(entries) = &mut out.value {
        entries.retain(|(k, _)| !k.as_str().is_some_and(|k| PLACEMENT_KEYS.contains(&k)));
    }
    out
}

/// Refuses the [geo] keys of `traffic` (`origins`, a class's `bytes`) in a
/// scenario without `datacenters`: they mean nothing with one place.
pub(super) fn refuse_without_datacenters(
    ck: &Checker,
    t: &TrafficSpec,
) -> Result<(), ScenarioError> {
    let help = "`datacenters` naming the data centers, such as `datacenters: { us-east: {}, eu-west: {} }`";
    if t.origins.is_some() {
        return Err(ck
            .err_key("traffic.origins", "`origins` without `datacenters`")
            .expected(help));
    }
    for (name, c) in t.requests.iter().flatten() {
        if c.bytes.is_some() {
            return Err(ck
                .err_key(
                    &format!("traffic.requests.{name}.bytes"),
                    "`bytes` without `datacenters`: with no network they take no time",
                )
                .expected(help));
        }
    }
    Ok(())
}

/// Fills `geo`'s origins, placement, node places and bytes once every
/// component is compiled (`read` as the first pass read them), and refuses
/// a call between data centers that no link joins.
pub(super) fn finish(
    ck: &Checker,
    spec: &ScenarioSpec,
    mut geo: Geo,
    graph: &Graph,
    read: &IndexMap<String, Read>,
    model: &Model,
) -> Result<Geo, ScenarioError> {
    geo.placement = graph.placement().to_vec();
    geo.node_dcs = node_dcs(ck, &geo, graph, read, model)?;
    check_calls(ck, &geo, graph, model)?;
    geo.origins = compile_origins(ck, &geo, &spec.traffic, graph, model)?;
    geo.bytes = model
        .traffic
        .classes
        .iter()
        .map(|c| {
            spec.traffic
                .requests
                .as_ref()
                .and_then(|r| r.get(&c.name))
                .and_then(|c| c.bytes.as_ref())
                .map_or(Bytes::default(), |b| Bytes {
                    request: b.request.map_or(0, |s| s.0),
                    response: b.response.map_or(0, |s| s.0),
                })
        })
        .collect();
    Ok(geo)
}

/// Per component, the data center of each slot when they differ: a
/// database's with `replica_dcs` (slot `shard x (1 + replicas)` is the
/// shard's primary, then its replicas in order), or a database of equal
/// nodes with `dcs` ([`equal_node_dcs`]).
fn node_dcs(
    ck: &Checker,
    geo: &Geo,
    graph: &Graph,
    read: &IndexMap<String, Read>,
    model: &Model,
) -> Result<Vec<Vec<DcId>>, ScenarioError> {
    let mut out = Vec::with_capacity(model.components.len());
    for (id, (c, r)) in model.components.iter().zip(read.values()).enumerate() {
        if let (Some(dcs), ComponentKind::Database(db)) = (&r.node_dcs, &c.kind) {
            let path = format!("{}.dcs", graph.written_path(id as u32));
            out.push(equal_node_dcs(ck, geo, &path, &c.name, db, dcs)?);
            continue;
        }
        let (Some(rdcs), ComponentKind::Database(db)) = (&r.replica_dcs, &c.kind) else {
            out.push(Vec::new());
            continue;
        };
        let path = format!("{}.replica_dcs", graph.written_path(id as u32));
        if db.replicas == 0 {
            return Err(ck
                .err_key(&path, "`replica_dcs` with no replicas to place")
                .expected("`replicas: 1` or more, or no `replica_dcs`"));
        }
        let primary = geo.placement[id];
        // Replication crosses a link: refuse a replica no link reaches.
        for (j, &dc) in rdcs.iter().enumerate() {
            if dc != primary && geo.link_between(primary, dc).is_none() {
                let (p, r) = (
                    &geo.datacenters[primary as usize].name,
                    &geo.datacenters[dc as usize].name,
                );
                return Err(ck
                    .err(
                        &format!("{path}[{j}]"),
                        format!("`{}`'s primary stands in {p}, and no link joins {p} and {r}: writes could not reach this replica", c.name),
                    )
                    .expected(format!("a link `between: [{p}, {r}]` in `network.links`, or a replica in {p}")));
            }
        }
        let mut slots = Vec::with_capacity(db.nodes() as usize);
        for _ in 0..db.shards {
            slots.push(primary);
            for j in 0..db.replicas as usize {
                slots.push(rdcs[j % rdcs.len()]);
            }
        }
        out.push(slots);
    }
    Ok(out)
}

/// The data center of each node of database `db` (called `name`), whose
/// `dcs` (written at `path`) place its equal nodes: node i of each shard
/// (slot `shard x per_shard + i`) stands in `dcs[i mod len]`: one node per
/// data center in order, round again while there are more. Every
/// two of those data centers must be joined by a link: replication
/// crosses it.
fn equal_node_dcs(
    ck: &Checker,
    geo: &Geo,
    path: &str,
    name: &str,
    db: &Database,
    dcs: &[DcId],
) -> Result<Vec<DcId>, ScenarioError> {
    let per = db.per_shard() as usize;
    let shard: Vec<DcId> = (0..per).map(|i| dcs[i % dcs.len()]).collect();
    let used = dcs.len().min(per);
    for j in 1..used {
        for i in 0..j {
            let (a, b) = (dcs[i], dcs[j]);
            if a != b && geo.link_between(a, b).is_none() {
                let (na, nb) = (
                    &geo.datacenters[a as usize].name,
                    &geo.datacenters[b as usize].name,
                );
                return Err(ck
                    .err(
                        &format!("{path}[{j}]"),
                        format!("`{name}`'s nodes stand in {na} and {nb}, and no link joins them: replication could not cross"),
                    )
                    .expected(format!(
                        "a link `between: [{na}, {nb}]` in `network.links`, or data centers in `dcs` that links join"
                    )));
            }
        }
    }
    Ok(shard
        .iter()
        .copied()
        .cycle()
        .take(db.nodes() as usize)
        .collect())
}

/// Refuses a call (or a balancer's `to`, a cache's `on_miss`, ...) between
/// components in two data centers that no link joins.
fn check_calls(ck: &Checker, geo: &Geo, graph: &Graph, model: &Model) -> Result<(), ScenarioError> {
    let dc_name = |d: DcId| geo.datacenters[d as usize].name.as_str();
    for (from, edges) in graph.edges.iter().enumerate() {
        let a = geo.placement[from];
        for e in edges {
            let b = geo.placement[e.to as usize];
            if a == NO_DC || b == NO_DC || a == b || geo.link_between(a, b).is_some() {
                continue;
            }
            let (na, nb) = (
                &model.components[from].name,
                &model.components[e.to as usize].name,
            );
            return Err(ck
                .err(
                    &e.path,
                    format!(
                        "`{na}` (in {}) calls `{nb}` (in {}), but no link joins {} and {}",
                        dc_name(a),
                        dc_name(b),
                        dc_name(a),
                        dc_name(b)
                    ),
                )
                .expected(format!(
                    "a link `between: [{}, {}]` in `network.links`, or both components in one data center",
                    dc_name(a),
                    dc_name(b)
                )));
        }
    }
    Ok(())
}

/// `traffic.origins`, or the one `local` origin inside the first data
/// center.
fn compile_origins(
    ck: &Checker,
    geo: &Geo,
    t: &TrafficSpec,
    graph: &Graph,
    model: &Model,
) -> Result<Vec<Origin>, ScenarioError> {
    let Some(origins) = &t.origins else {
        return Ok(vec![Origin {
            name: "local".to_string(),
            share: 1.0,
            latency: vec![SimDuration::ZERO; geo.datacenters.len()],
            to: model.traffic.to,
        }]);
    };
    if origins.is_empty() {
        return Err(ck
            .err("traffic.origins", "no origins")
            .expected("at least one origin, such as `na: { share: 100%, latency: { us-east: 15ms } }`, or no `origins`"));
    }
    if origins.len() > MAX_ORIGINS {
        return Err(ck
            .err(
                "traffic.origins",
                format!("{} origins is too many", origins.len()),
            )
            .expected(format!("at most {MAX_ORIGINS}")));
    }
    let mut out = Vec::with_capacity(origins.len());
    for (name, o) in origins {
        let path = format!("traffic.origins.{name}");
        if !is_name(name) {
            return Err(ck
                .err_key(&path, format!("`{name}` is not a valid origin name"))
                .expected(NAME_RULE));
        }
        let latency = origin_latency(ck, geo, &path, &o.latency)?;
        // Without a DNS, each origin enters at the copy nearest it.
        let to = match graph.copies(&t.to) {
            Some(copies) => *copies
                .iter()
                .min_by_key(|&&c| latency[geo.placement[c as usize] as usize])
                .expect("a component with `dcs` has copies"),
            None => model.traffic.to,
        };
        out.push(Origin {
            name: name.clone(),
            share: o.share.0,
            latency,
            to,
        });
    }
    let sum: f64 = out.iter().map(|o| o.share).sum();
    // Shares are written as percentages: allow for their rounding in f64.
    if (sum - 1.0).abs() > 1e-9 {
        return Err(ck
            .err(
                "traffic.origins",
                format!("the origins' shares sum to {}%", fmt_pct(sum)),
            )
            .expected("shares that sum to 100%"));
    }
    Ok(out)
}

/// A share as a percentage for messages: `90`, `112.5`.
fn fmt_pct(x: f64) -> String {
    let p = (x * 100.0 * 1e6).round() / 1e6;
    format!("{p}")
}

/// An origin's `latency`: one duration per data center, in their order.
fn origin_latency(
    ck: &Checker,
    geo: &Geo,
    path: &str,
    written: &IndexMap<String, crate::scenario::spec::DurationValue>,
) -> Result<Vec<SimDuration>, ScenarioError> {
    let at = format!("{path}.latency");
    let mut latency = vec![None; geo.datacenters.len()];
    for (dc, d) in written {
        let i = find_dc_key(ck, geo, &format!("{at}.{dc}"), dc)?;
        latency[i as usize] = Some(at_most_max(ck, &format!("{at}.{dc}"), *d)?);
    }
    let mut out = Vec::with_capacity(latency.len());
    for (i, l) in latency.into_iter().enumerate() {
        match l {
            Some(l) => out.push(l),
            None => {
                let missing = &geo.datacenters[i].name;
                return Err(ck
                    .err(&at, format!("no latency to `{missing}`"))
                    .expected(format!(
                        "a one-way latency from this origin to every data center, such as `{missing}: 80ms`"
                    )));
            }
        }
    }
    Ok(out)
}

/// [`find_dc`] for a name written as a key: the error points at the key.
fn find_dc_key(ck: &Checker, geo: &Geo, path: &str, name: &str) -> Result<DcId, ScenarioError> {
    find_dc(ck, geo, path, name).map_err(|e| {
        let located = ck.err_key(path, e.message.clone());
        ScenarioError {
            span: located.span,
            ..e
        }
    })
}

#[cfg(test)]
mod tests {
    use crate::components::dns::model::DnsPolicy;
    use crate::model::{ComponentKind, FaultKind, Model, NO_DC};
    use crate::scenario::{LoadOptions, ScenarioError, load_str};

    fn load(text: &str) -> Result<Model, ScenarioError> {
        load_str("t.yaml", "t", text, &LoadOptions::default()).map_err(|f| f.into_first())
    }

    const FIXTURE: &str = include_str!("../../../tests/fixtures/geo-two-regions.yaml");

    #[test]
    fn the_two_region_fixture_compiles_every_key() {
        let m = load(FIXTURE).unwrap();
        let names: Vec<&str> = m.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["dns", "lb-us", "lb-eu", "web@us-east", "web@eu-west", "db"]
        );
        let g = m.geo.as_deref().unwrap();
        assert_eq!(g.datacenters[1].price_factor, 1.15);
        assert_eq!(g.within.nanos(), 250_000);
        assert_eq!(g.links[0].bandwidth_bps, Some(1e9));
        assert_eq!(g.links[0].egress_per_gb, Some(0.02));
        assert_eq!(g.placement, [NO_DC, 0, 1, 0, 1, 0]);
        assert_eq!(g.node_dcs[5], [0, 0, 1]);
        assert!(g.node_dcs[..5].iter().all(Vec::is_empty));
        assert_eq!(g.origins.len(), 2);
        assert_eq!(g.origins[0].share, 0.6);
        assert_eq!(g.origins[1].latency[1].nanos(), 12_000_000);
        assert!(g.origins.iter().all(|o| o.to == 0));
        assert_eq!(g.bytes[0].request, 2000);
        assert_eq!(g.bytes[0].response, 40_000);
        // Each balancer fronts the copy in its own data center.
        let ComponentKind::LoadBalancer(eu) = &m.components[2].kind else {
            panic!()
        };
        assert_eq!(eu.to, 4);
        let ComponentKind::Dns(d) = &m.components[0].kind else {
            panic!()
        };
        assert_eq!(d.to, [1, 2]);
        assert_eq!(d.policy, DnsPolicy::Weighted(vec![70.0, 30.0]));
        assert!(matches!(m.faults[0].kind, FaultKind::Outage { dc: 1 }));
        assert!(matches!(
            m.faults[1].kind,
            FaultKind::LinkPartition { link: 0 }
        ));
        assert!(matches!(
            m.faults[2].kind,
            FaultKind::LinkDelay { link: 0, .. }
        ));
        assert_eq!(m.faults[1].target, "us-east <-> eu-west");
        assert_eq!(m.faults[1].label, "partition");
        assert_eq!(m.faults[0].target, "eu-west");
        let FaultKind::Crash {
            component,
            instances,
        } = &m.faults[3].kind
        else {
            panic!()
        };
        assert_eq!((*component, instances.as_slice()), (3, &[3][..]));
    }

    #[test]
    fn without_origins_one_local_origin_enters_at_the_nearest_copy() {
        let text = "
duration: 1m
datacenters: { a: {}, b: {} }
network: { links: [ { between: [a, b], latency: 30ms } ] }
traffic: { to: web, rate: 10 }
components:
  web: { kind: service, dcs: [b, a], service_time: 1ms, calls: [api] }
  api: { kind: service, dcs: [a, b], service_time: 1ms }
";
        let m = load(text).unwrap();
        let g = m.geo.as_deref().unwrap();
        assert_eq!(g.origins.len(), 1);
        assert_eq!(g.origins[0].name, "local");
        assert_eq!(g.origins[0].to, 1, "web@a, in the first data center");
        assert_eq!(m.traffic.to, 1);
        let ComponentKind::Service(s) = &m.components[0].kind else {
            panic!()
        };
        assert_eq!(m.components[0].name, "web@b");
        assert_eq!(s.calls[0].to, 3, "web@b calls api@b");
    }

    #[test]
    fn origins_pick_the_copy_nearest_them() {
        let text = "
duration: 1m
datacenters: { a: {}, b: {} }
traffic:
  to: web
  rate: 10
  origins:
    x: { share: 50%, latency: { a: 5ms, b: 50ms } }
    y: { share: 50%, latency: { a: 50ms, b: 5ms } }
components:
  web: { kind: service, dcs: [a, b], service_time: 1ms }
";
        let m = load(text).unwrap();
        let g = m.geo.as_deref().unwrap();
        assert_eq!((g.origins[0].to, g.origins[1].to), (0, 1));
    }

    #[test]
    fn without_datacenters_there_is_no_geo() {
        let m = load("duration: 1m\ntraffic: { to: web, rate: 1 }\ncomponents:\n  web: { kind: service, service_time: 1ms }\n").unwrap();
        assert!(m.geo.is_none());
    }

    #[test]
    fn bad_geo_is_refused_at_its_key() {
        let base = "
duration: 1m
datacenters: { a: {}, b: {} }
network: { links: [ { between: [a, b], latency: 30ms } ] }
traffic: { to: web, rate: 10 }
components:
  web: { kind: service, dc: a, service_time: 1ms }
";
        for (from, to, path, phrase) in [
            (
                "dc: a",
                "dc: c",
                "components.web.dc",
                "no data center is called `c`",
            ),
            (
                "dc: a",
                "dcs: [a, c]",
                "components.web.dcs[1]",
                "no data center is called `c`",
            ),
            (
                "dc: a",
                "dcs: [a, a]",
                "components.web.dcs[1]",
                "listed twice",
            ),
            (
                "dc: a",
                "dc: a, dcs: [a]",
                "components.web.dcs",
                "both `dc` and `dcs`",
            ),
            (
                "[a, b], latency",
                "[a, a], latency",
                "network.links[0].between[1]",
                "and itself",
            ),
            (
                "30ms } ]",
                "30ms }, { between: [b, a], latency: 1ms } ]",
                "network.links[1].between",
                "already joined",
            ),
            (
                "30ms }",
                "30ms, bandwidth: 0Gbps }",
                "network.links[0].bandwidth",
                "zero",
            ),
            (
                "30ms }",
                "30ms, bandwidth: -1Gbps }",
                "network.links[0].bandwidth",
                "negative",
            ),
            (
                "30ms }",
                "30ms, bandwidth: 100 }",
                "network.links[0].bandwidth",
                "has no unit",
            ),
            (
                "rate: 10",
                "rate: 10, origins: { x: { share: 50%, latency: { a: 1ms, b: 1ms } } }",
                "traffic.origins",
                "sum to 50%",
            ),
            (
                "rate: 10",
                "rate: 10, origins: { x: { share: 100%, latency: { a: 1ms } } }",
                "traffic.origins.x.latency",
                "no latency to `b`",
            ),
            (
                "rate: 10",
                "rate: 10, origins: { x: { share: 100%, latency: { a: 1ms, c: 1ms } } }",
                "traffic.origins.x.latency.c",
                "no data center is called `c`",
            ),
            (
                "rate: 10",
                "rate: 10, requests: { r: { bytes: { request: 2048 } } }",
                "traffic.requests.r.bytes.request",
                "has no unit",
            ),
        ] {
            let text = base.replace(from, to);
            assert_ne!(text, base, "{from}");
            let e = load(&text).unwrap_err();
            assert_eq!(e.path.as_deref(), Some(path), "{e}");
            assert!(e.message.contains(phrase), "{e}");
        }
        let no_dc = "duration: 1m\ntraffic: { to: web, rate: 1 }\ncomponents:\n  web: { kind: service, dc: a, service_time: 1ms }\n";
        let e = load(no_dc).unwrap_err();
        assert!(e.message.contains("without `datacenters`"), "{e}");
    }
}
