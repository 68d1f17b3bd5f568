//! [`KindCx`]: what a kind's compile step (`components/<kind>/compile.rs`)
//! is given. It knows the component being compiled (its path, name and id)
//! and, of the rest of the scenario, only what a kind may need: the names
//! and kinds of the other components, the request classes, the key space
//! and the size catalogue. It collects what the checks that need every
//! component compiled look at: the component's calls (for cycles, keys and
//! faults on links) and whether it needs the traffic to have users.

use super::graph::{Carries, Edge, Graph};
use super::kinds::Read;
use super::{Catalogue, Checker, check_count, compile_dist};
use crate::model::{ComponentId, DcId, Dist, Kind, RequestClass, Size};
use crate::scenario::error::ScenarioError;
use crate::scenario::spec::DistSpec;

/// What a kind's compile step knows and fills, for one component.
pub(crate) struct KindCx<'a> {
    /// Builds located errors.
    pub(super) ck: &'a Checker<'a>,
    /// The components as the first pass read them.
    pub(super) graph: &'a Graph<'a>,
    /// `components.NAME`.
    pub(super) path: String,
    /// The component's name.
    pub(super) name: &'a str,
    /// The component's id.
    pub(super) id: ComponentId,
    /// The data center it stands in (names of components with copies
    /// resolve from it).
    pub(super) dc: DcId,
    /// [geo] `dcs` that place its nodes (a database of equal nodes).
    node_dcs: Option<&'a [DcId]>,
    /// [geo] Whether it has `replica_dcs`.
    replica_dcs: bool,
    /// The request classes, compiled.
    classes: &'a [RequestClass],
    /// The largest key space of any class (1 without keys).
    key_space: u64,
    /// The instance catalogue.
    sizes: &'a Catalogue,
    /// The calls it makes, in the order written.
    edges: Vec<Edge>,
    /// What in it needs the traffic to have users, if anything.
    users: Option<NeedsUsers>,
}

/// A setting that only works when the traffic says who sent each request
/// (a sticky balancer, a service's sessions): refused by
/// `check_users` once the whole scenario is read, with this message.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NeedsUsers {
    /// The component's key that needs them (`policy`, `sessions`).
    pub key: &'static str,
    /// What is wrong.
    pub message: &'static str,
    /// How to fix it.
    pub help: &'static str,
}

impl<'a> KindCx<'a> {
    /// The context of component `id`, called `name`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        ck: &'a Checker<'a>,
        graph: &'a Graph<'a>,
        name: &'a str,
        read: &'a Read,
        id: ComponentId,
        classes: &'a [RequestClass],
        key_space: u64,
        sizes: &'a Catalogue,
    ) -> KindCx<'a> {
        KindCx {
            ck,
            graph,
            // A copy's keys are written under the component it copies.
            path: format!("components.{}", read.written),
            name,
            id,
            dc: graph.placement()[id as usize],
            node_dcs: read.node_dcs.as_deref(),
            replica_dcs: read.replica_dcs.is_some(),
            classes,
            key_space,
            sizes,
            edges: Vec::new(),
            users: None,
        }
    }

    /// What the checks after the last component need: its calls and its
    /// need for users.
    pub(super) fn finish(self) -> (Vec<Edge>, Option<NeedsUsers>) {
        (self.edges, self.users)
    }

    /// The located-error builder, for the shared compile steps.
    pub(crate) fn ck(&self) -> &'a Checker<'a> {
        self.ck
    }

    /// The component's name.
    pub(crate) fn name(&self) -> &'a str {
        self.name
    }

    /// The path of the component's key `key` (`components.web.workers`).
    pub(crate) fn at(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    /// An error about the value of the component's key `key`.
    pub(crate) fn err(&self, key: &str, message: impl Into<String>) -> ScenarioError {
        self.ck.err(&self.at(key), message)
    }

    /// An error about the component's key `key` itself (the name, not its value).
    pub(crate) fn err_key(&self, key: &str, message: impl Into<String>) -> ScenarioError {
        self.ck.err_key(&self.at(key), message)
    }

    /// Checks the count `v` of the component's key `key`: 1 to `max`.
    pub(crate) fn count(
        &self,
        key: &str,
        v: u64,
        max: u64,
        what: &str,
    ) -> Result<(), ScenarioError> {
        check_count(self.ck, &self.at(key), v, max, what)
    }

    /// Compiles the distribution of the component's key `key`.
    pub(crate) fn dist(&self, key: &str, d: &DistSpec) -> Result<Dist, ScenarioError> {
        compile_dist(self.ck, &self.at(key), d)
    }

    /// The size `size` names, from the catalogue; `None` without one.
    pub(crate) fn size(&self, size: Option<&String>) -> Result<Option<Size>, ScenarioError> {
        match size {
            None => Ok(None),
            Some(name) => Ok(Some(self.sizes.find(self.ck, &self.at("size"), name)?)),
        }
    }

    /// The component called `target` (for a component with copies, the
    /// copy nearest this one's data center), or an error at `path` naming
    /// the components there are. Nothing but `traffic.to` sends to a dns.
    pub(crate) fn lookup(&self, path: &str, target: &str) -> Result<ComponentId, ScenarioError> {
        let id = self.graph.lookup_from(self.ck, path, target, self.dc)?;
        if self.kind_of(id) == Kind::Dns {
            return Err(self
                .ck
                .err(path, format!("`{target}` is a dns: only `traffic.to` sends to a dns"))
                .expected("a component that serves requests: a dns only picks the entry point of requests arriving from outside"));
        }
        Ok(id)
    }

    /// The copies of the component written `name` with `dcs`, in the order
    /// of its `dcs`; `None` for a name without copies.
    pub(crate) fn copies(&self, name: &str) -> Option<&[ComponentId]> {
        self.graph.copies(name)
    }

    /// Whether the scenario has `datacenters`.
    pub(crate) fn has_geo(&self) -> bool {
        self.graph.has_geo()
    }

    /// [geo] The data centers of `dcs` when they place the component's
    /// nodes instead of making copies, in the order written.
    pub(crate) fn node_dcs(&self) -> Option<&'a [DcId]> {
        self.node_dcs
    }

    /// [geo] Whether the component has `replica_dcs`.
    pub(crate) fn has_replica_dcs(&self) -> bool {
        self.replica_dcs
    }

    /// The kind of component `id`.
    pub(crate) fn kind_of(&self, id: ComponentId) -> Kind {
        self.graph.kind_of(id)
    }

    /// The request classes.
    pub(crate) fn classes(&self) -> &'a [RequestClass] {
        self.classes
    }

    /// The largest key space of any class: what range partitioning splits.
    pub(crate) fn key_space(&self) -> u64 {
        self.key_space
    }

    /// Records a call to `to`, written at `path`, and which requests it
    /// carries.
    pub(crate) fn edge(&mut self, to: ComponentId, path: String, carries: Carries) {
        self.edges.push(Edge { to, path, carries });
    }

    /// Records that the component's `key` needs the traffic to have users.
    pub(crate) fn needs_users(
        &mut self,
        key: &'static str,
        message: &'static str,
        help: &'static str,
    ) {
        self.users = Some(NeedsUsers { key, message, help });
    }
}
