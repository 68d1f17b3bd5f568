//! The rules between components, in one place, so that each kind's compile
//! step holds only its own: what a call, a balancer's `to`, a cache's
//! `on_miss`, a queue's `consumers` and a session store may name; who owns
//! a queue's consumers (a consumer is not called, balanced, used as
//! `on_miss`, autoscaled or rate-limited, and keeps no sessions; two queues
//! do not share one); and, once every component is compiled, that no call
//! leads back to its caller and that the requests reaching a cache or a
//! database carry a key.
//!
//! The kinds' compile steps call these rules at the point of their own
//! checks where the rules were always checked, so a file with several
//! problems is still refused for the same one first.

use super::Checker;
use super::kinds::{self, Read};
use crate::model::{ClassId, ComponentId, DcId, Geo, Kind, NO_DC, Op, RequestClass};
use crate::scenario::error::{ScenarioError, one_of};

use super::cx::KindCx;

/// Which of the requests reaching a component travel one of its calls.
pub(crate) enum Carries {
    /// All of them (a balancer's `to`, a queue's `consumers`, a cache's
    /// `on_miss`, a call without `when`).
    All,
    /// Those of a class and op the filter passes (a call with `when`).
    Filtered(Box<dyn Fn(ClassId, Op) -> bool>),
    /// None: the call is a read of the component's own (a session store's),
    /// not the request passed on.
    Nothing,
}

impl Carries {
    /// Whether requests of `class` doing `op` travel the call.
    fn carries(&self, class: ClassId, op: Op) -> bool {
        match self {
            Carries::All => true,
            Carries::Filtered(f) => f(class, op),
            Carries::Nothing => false,
        }
    }
}

/// One call of a component: to whom, where it is written, what it carries.
pub(crate) struct Edge {
    /// The component called.
    pub(super) to: ComponentId,
    /// Where the call is written, for the cycle message.
    pub(super) path: String,
    /// Which requests travel it.
    pub(super) carries: Carries,
}

/// The components as the first pass read them (names, kinds, the queues'
/// consumers), and their calls once compiled.
pub(crate) struct Graph<'a> {
    /// Names, in the order of the file.
    names: Vec<&'a str>,
    /// Kinds, by id.
    kinds: Vec<Kind>,
    /// A queue's `consumers` resolved (the copy nearest the queue), by id;
    /// `None` for other kinds or a name that is not a component.
    consumers: Vec<Option<ComponentId>>,
    /// Names as written (a copy's: the component it copies), by id.
    written: Vec<&'a str>,
    /// The data center each stands in, by id ([geo]; 0 without).
    placement: Vec<DcId>,
    /// The components written with `dcs`: their copies, in `dcs` order.
    groups: indexmap::IndexMap<&'a str, Vec<ComponentId>>,
    /// The data centers and links, to find the copy nearest a caller.
    geo: Option<&'a Geo>,
    /// The queue consuming each component, by id (the last one written,
    /// when two queues share it).
    consumed_by: Vec<Option<&'a str>>,
    /// Each compiled component's calls, by id.
    pub(super) edges: Vec<Vec<Edge>>,
}

impl<'a> Graph<'a> {
    /// The graph of the components read, before any is compiled.
    pub(super) fn new(
        read: &'a indexmap::IndexMap<String, Read>,
        geo: Option<&'a Geo>,
    ) -> Graph<'a> {
        let names: Vec<&str> = read.keys().map(String::as_str).collect();
        let mut groups: indexmap::IndexMap<&str, Vec<ComponentId>> = indexmap::IndexMap::new();
        for (i, (name, r)) in read.iter().enumerate() {
            if *name != r.written {
                groups
                    .entry(r.written.as_str())
                    .or_default()
                    .push(i as ComponentId);
            }
        }
        let mut g = Graph {
            kinds: read.values().map(|r| r.kind).collect(),
            written: read.values().map(|r| r.written.as_str()).collect(),
            placement: read.values().map(|r| r.dc).collect(),
            names,
            consumers: Vec::new(),
            consumed_by: Vec::new(),
            groups,
            geo,
            edges: Vec::new(),
        };
        g.consumers = read
            .values()
            .enumerate()
            .map(|(i, r)| {
                let c = r.consumers.as_deref()?;
                g.resolve(c, g.placement[i])
            })
            .collect();
        g.consumed_by = vec![None; g.names.len()];
        for (queue, c) in g.consumers.iter().enumerate() {
            if let Some(c) = c {
                g.consumed_by[*c as usize] = Some(g.names[queue]);
            }
        }
        g
    }

    /// The component called `target` from data center `from`: the one of
    /// that name, or for a name written with `dcs`, the copy in `from`,
    /// else the copy whose data center has the lowest mean link latency
    /// from `from` (ties, and no link at all: the order of `dcs`).
    fn resolve(&self, target: &str, from: DcId) -> Option<ComponentId> {
        if let Some(i) = self.exact(target) {
            return Some(i);
        }
        let copies = self.groups.get(target)?;
        let here = copies.iter().find(|&&c| self.placement[c as usize] == from);
        if let Some(&c) = here {
            return Some(c);
        }
        let mut best: Option<(f64, ComponentId)> = None;
        if let Some(geo) = self.geo.filter(|_| from != NO_DC) {
            for &c in copies {
                let Some(l) = geo.mean_latency(from, self.placement[c as usize]) else {
                    continue;
                };
                if best.is_none_or(|(b, _)| l < b) {
                    best = Some((l, c));
                }
            }
        }
        Some(best.map_or(copies[0], |(_, c)| c))
    }

    /// The component called exactly `name` (a copy's `NAME@DC` included).
    pub(super) fn exact(&self, name: &str) -> Option<ComponentId> {
        self.names
            .iter()
            .position(|n| *n == name)
            .map(|i| i as ComponentId)
    }

    /// The copies of the component written `name` with `dcs`, in `dcs`
    /// order; `None` for a name without copies.
    pub(super) fn copies(&self, name: &str) -> Option<&[ComponentId]> {
        self.groups.get(name).map(Vec::as_slice)
    }

    /// Whether the scenario has `datacenters`.
    pub(super) fn has_geo(&self) -> bool {
        self.geo.is_some()
    }

    /// The data center each component stands in, by id.
    pub(super) fn placement(&self) -> &[DcId] {
        &self.placement
    }

    /// `components.NAME` of component `id` as written (a copy's keys are
    /// under the component it copies).
    pub(super) fn written_path(&self, id: ComponentId) -> String {
        format!("components.{}", self.written[id as usize])
    }

    /// The component called `target`, resolved from the first data center
    /// (where `traffic.to` and faults look from), or an error at `path`
    /// naming the components there are.
    pub(super) fn lookup(
        &self,
        ck: &Checker,
        path: &str,
        target: &str,
    ) -> Result<ComponentId, ScenarioError> {
        self.lookup_from(ck, path, target, 0)
    }

    /// The component called `target` as resolved from data center `from`
    /// ([`Graph::resolve`]), or an error at `path` naming the components
    /// there are.
    pub(super) fn lookup_from(
        &self,
        ck: &Checker,
        path: &str,
        target: &str,
        from: DcId,
    ) -> Result<ComponentId, ScenarioError> {
        self.resolve(target, from).ok_or_else(|| {
            // The names as written, then the copies' full names.
            let mut listed: Vec<&str> = Vec::with_capacity(self.names.len());
            for (n, w) in self.names.iter().zip(&self.written) {
                if n == w {
                    listed.push(n);
                } else if !listed.contains(w) {
                    listed.push(w);
                }
            }
            let all: Vec<&str> = listed
                .iter()
                .copied()
                .chain(self.names.iter().copied().filter(|n| !listed.contains(n)))
                .collect();
            ck.err(path, format!("no component is called `{target}`"))
                .expected(format!("the name of a component: {}", one_of(&listed)))
                .suggest(target, all.iter().copied())
        })
    }

    /// The kind of component `id`.
    pub(super) fn kind_of(&self, id: ComponentId) -> Kind {
        self.kinds[id as usize]
    }

    /// Whether `a` calls `b` or `b` calls `a` with the requests themselves
    /// (a balancer's `to`, a service's `calls`, a cache's `on_miss`, a
    /// queue's `consumers`; not a session store's read).
    pub(super) fn calls_between(&self, a: ComponentId, b: ComponentId) -> bool {
        let calls = |from: ComponentId, to: ComponentId| {
            self.edges[from as usize]
                .iter()
                .any(|e| e.to == to && !matches!(e.carries, Carries::Nothing))
        };
        calls(a, b) || calls(b, a)
    }
}

/// The target of a call written at `path` to `to`: not the caller, and not
/// a queue's consumer (its workers take their work from the queue).
pub(crate) fn callee(cx: &KindCx, path: &str, to: &str) -> Result<ComponentId, ScenarioError> {
    let target = cx.lookup(path, to)?;
    if target == cx.id {
        return Err(cx
            .ck
            .err(path, format!("`{}` calls itself", cx.name))
            .expected("a call to another component"));
    }
    if let Some(queue) = cx.graph.consumed_by[target as usize] {
        return Err(cx
            .ck
            .err(
                path,
                format!(
                    "`{to}` consumes the queue `{queue}`: its workers take their work from the queue, not from calls"
                ),
            )
            .expected(format!(
                "a call to `{queue}` (the request is done once the message is stored), or a service that is not a queue's consumer"
            )));
    }
    Ok(target)
}

/// What a load balancer's `to` names: a service, not a queue's consumer.
pub(crate) fn balanced(cx: &KindCx, to: &str) -> Result<ComponentId, ScenarioError> {
    let target = cx.lookup(&cx.at("to"), to)?;
    match cx.kind_of(target) {
        Kind::Service => {}
        other => {
            return Err(cx
                .err("to", format!("`{to}` is {}", other.a_kind()))
                .expected(
                    "a service: a load balancer spreads requests over a service's instances",
                ));
        }
    }
    if let Some(queue) = cx.graph.consumed_by[target as usize] {
        return Err(cx
            .err(
                "to",
                format!(
                    "`{to}` consumes the queue `{queue}`: its workers take their work from the queue"
                ),
            )
            .expected("a service that is not a queue's consumer"));
    }
    Ok(target)
}

/// What a cache's `on_miss` names: another component that holds data (not
/// a queue, not a queue's consumer).
pub(crate) fn on_miss(cx: &KindCx, on_miss: &str) -> Result<ComponentId, ScenarioError> {
    let target = cx.lookup(&cx.at("on_miss"), on_miss)?;
    if target == cx.id {
        return Err(cx
            .err("on_miss", format!("`{}` is its own `on_miss`", cx.name))
            .expected("the database or service that holds the data"));
    }
    if cx.kind_of(target) == Kind::Queue {
        return Err(cx
            .err(
                "on_miss",
                format!(
                    "`{on_miss}` is a queue: a queue holds messages, not the data a cache reads"
                ),
            )
            .expected("the database or service (or load balancer) that holds the data"));
    }
    if let Some(queue) = cx.graph.consumed_by[target as usize] {
        return Err(cx
            .err(
                "on_miss",
                format!(
                    "`{on_miss}` consumes the queue `{queue}`: its workers take their work from the queue"
                ),
            )
            .expected("the database or service that holds the data"));
    }
    Ok(target)
}

/// What a queue's `consumers` names: a service that consumes no other
/// queue.
pub(crate) fn consumers(cx: &KindCx, consumers: &str) -> Result<ComponentId, ScenarioError> {
    let target = cx.lookup(&cx.at("consumers"), consumers)?;
    match cx.kind_of(target) {
        Kind::Service => {}
        other => {
            return Err(cx
                .err("consumers", format!("`{consumers}` is {}", other.a_kind()))
                .expected("a service: its workers take the messages"));
        }
    }
    let other = (0..cx.graph.names.len())
        .find(|&i| i != cx.id as usize && cx.graph.consumers[i] == Some(target));
    if let Some(other) = other {
        return Err(cx
            .err(
                "consumers",
                format!(
                    "`{consumers}` already consumes the queue `{}`",
                    cx.graph.names[other]
                ),
            )
            .expected(
                "a service that consumes only this queue (give each queue its own consumer pool)",
            ));
    }
    Ok(target)
}

/// What `autoscale` may measure on this pool: a queue's consumers pull
/// their messages (no waiting line of their own, no request rate), so they
/// scale on the queue's `backlog` or on their `utilization`; `backlog`
/// needs a queue to read.
pub(crate) fn refuse_autoscaled_consumer(
    cx: &KindCx,
    a: &crate::components::service::autoscale::AutoscaleSpec,
) -> Result<(), ScenarioError> {
    use crate::components::service::autoscale::{ScaleMetric, spec_metric};
    let metric = spec_metric(cx.ck(), &cx.at("autoscale"), a)?;
    match (cx.graph.consumed_by[cx.id as usize], metric) {
        (Some(_), ScaleMetric::Utilization | ScaleMetric::Backlog) => Ok(()),
        (None, ScaleMetric::Backlog) => Err(cx
            .err(
                "autoscale.metric",
                "`metric: backlog` measures the queue a pool consumes, and no queue has this service as its `consumers`",
            )
            .expected("`utilization`, `rps_per_instance` or `queue_len` (or make the service a queue's `consumers`)")),
        (Some(queue), _) => Err(cx
            .err(
                "autoscale.metric",
                format!("this service consumes the queue `{queue}`: its workers pull messages, so it has no waiting line or request rate of its own to measure"),
            )
            .expected("`metric: backlog` (messages the queue holds per instance) or `utilization`")),
        (None, _) => Ok(()),
    }
}

/// Refuses `rate_limit` on a queue's consumers: they pull their work.
pub(crate) fn refuse_rate_limited_consumer(cx: &KindCx) -> Result<(), ScenarioError> {
    match cx.graph.consumed_by[cx.id as usize] {
        None => Ok(()),
        Some(queue) => Err(cx
            .err_key(
                "rate_limit",
                format!("a rate limit on the consumers of a queue (`{queue}`) is not supported yet: they pull their work"),
            )
            .expected("a `rate_limit` on a load balancer or a service that is called")),
    }
}

/// Refuses `sessions` on a queue's consumers: no user's request reaches them.
pub(crate) fn refuse_sessions_on_consumer(cx: &KindCx) -> Result<(), ScenarioError> {
    match cx.graph.consumed_by[cx.id as usize] {
        None => Ok(()),
        Some(queue) => Err(cx
            .err(
                "sessions",
                format!("this service consumes the queue `{queue}`: it serves messages, not users with sessions"),
            )
            .expected("`sessions` on a service that users' requests reach")),
    }
}

/// What can keep sessions: a cache or a database (they are read by key).
fn keeps_sessions(kind: Kind) -> bool {
    matches!(kind, Kind::Cache | Kind::Database)
}

/// The session store `sessions.store` names (other than `local`): a cache
/// or a database.
pub(crate) fn session_store(cx: &KindCx, store: &str) -> Result<ComponentId, ScenarioError> {
    let names = &cx.graph.names;
    let Some(id) = cx.graph.resolve(store, cx.dc).map(|i| i as usize) else {
        let stores: Vec<&str> = std::iter::once("local")
            .chain(
                (0..names.len())
                    .filter(|&i| keeps_sessions(cx.graph.kinds[i]))
                    .map(|i| names[i]),
            )
            .collect();
        return Err(cx
            .err(
                "sessions.store",
                format!("no component is called `{store}`"),
            )
            .expected(format!(
                "`local`, or the cache or database that keeps the sessions: {}",
                one_of(&stores)
            ))
            .suggest(store, names.iter().copied().chain(["local"])));
    };
    let kind = cx.graph.kinds[id];
    if !keeps_sessions(kind) {
        return Err(cx
            .err(
                "sessions.store",
                format!("`{store}` is {}: it cannot keep sessions", kind.a_kind()),
            )
            .expected("`local`, or a cache or a database (sessions are read from it by key)"));
    }
    Ok(id as ComponentId)
}

/// Refuses call cycles: a request would hold workers for ever.
pub(super) fn check_cycles(ck: &Checker, graph: &Graph) -> Result<(), ScenarioError> {
    let (names, edges) = (&graph.names, &graph.edges);
    // Iterative DFS with colours; on a back edge, report the cycle's path.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let n = names.len();
    let mut mark = vec![Mark::New; n];
    for start in 0..n {
        if mark[start] != Mark::New {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        mark[start] = Mark::Active;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if *next < edges[node].len() {
                let Edge { to, ref path, .. } = edges[node][*next];
                *next += 1;
                let to = to as usize;
                match mark[to] {
                    Mark::New => {
                        mark[to] = Mark::Active;
                        stack.push((to, 0));
                    }
                    Mark::Active => {
                        let pos = stack.iter().position(|(s, _)| *s == to).unwrap_or(0);
                        let mut cycle: Vec<&str> =
                            stack[pos..].iter().map(|(s, _)| names[*s]).collect();
                        cycle.push(names[to]);
                        return Err(ck.err(path, format!("call cycle: {}", cycle.join(" -> ")))
                            .expected("calls that never lead back to the caller (each call holds the caller's worker)"));
                    }
                    Mark::Done => {}
                }
            } else {
                mark[node] = Mark::Done;
                stack.pop();
            }
        }
    }
    Ok(())
}

/// Refuses request classes that reach a component needing keys (a cache or
/// a database) without a key: caches and shards work on real keys.
pub(super) fn check_keys(
    ck: &Checker,
    graph: &Graph,
    entry: ComponentId,
    classes: &[RequestClass],
    written: bool,
) -> Result<(), ScenarioError> {
    for (id, class) in classes.iter().enumerate() {
        if class.key.is_some() {
            continue;
        }
        let mut seen = vec![false; graph.names.len()];
        let mut stack = vec![entry];
        while let Some(c) = stack.pop() {
            if std::mem::replace(&mut seen[c as usize], true) {
                continue;
            }
            let kind = graph.kinds[c as usize];
            if kinds::rules(kind).needs_key() {
                let (what, name) = (kind.a_kind(), graph.names[c as usize]);
                let example = "`key: { uniform: { keys: 100000 } }` or `{ zipf: { keys: 100000, exponent: 1.0 } }`";
                return Err(if written {
                    ck.err_key(
                        &format!("traffic.requests.{}", class.name),
                        format!(
                            "requests of class `{}` reach `{name}` ({what}), which needs their key, but the class has no `key`",
                            class.name
                        ),
                    )
                    .expected(format!("a `key` for the class, such as {example}"))
                } else {
                    ck.err_key(
                        "traffic",
                        format!(
                            "requests reach `{name}` ({what}), which needs their key, but no request class says which keys",
                        ),
                    )
                    .expected(format!(
                        "`requests` with a `key`, such as `requests: {{ get: {{ key: {{ uniform: {{ keys: 100000 }} }} }} }}`; for example {example}"
                    ))
                });
            }
            stack.extend(
                graph.edges[c as usize]
                    .iter()
                    .filter(|e| e.carries.carries(id as ClassId, class.op))
                    .map(|e| e.to),
            );
        }
    }
    Ok(())
}
