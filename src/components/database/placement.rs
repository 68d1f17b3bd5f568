//! A database's view of the data centers, whatever its topology.

use super::super::{CallId, Ctx};
use crate::model::{ComponentId, DcId, Dist, Geo};

/// A database's view of the data centers: where each node and each caller
/// stands, how far apart they are, and what a replica across a link adds
/// to its lag.
pub(super) struct Placement {
    /// Per node: its data center.
    pub(super) node_dc: Vec<DcId>,
    /// Per component of the model: its data center (the caller's, for
    /// `read_from: nearest`).
    pub(super) component_dc: Vec<DcId>,
    /// Per pair of data centers (`from * n + to`): mean one-way latency in
    /// nanoseconds (`u64::MAX` without a link), to rank nodes by nearness.
    pub(super) distance: Vec<u64>,
    /// Per pair of data centers: the latency a replication message across
    /// their link takes (`None` inside one data center).
    pub(super) crossing: Vec<Option<Dist>>,
    pub(super) datacenters: usize,
    /// Per pair of data centers: the link joining them (`None` inside one
    /// data center or without a link), to know which node pairs a link's
    /// partition cuts.
    pub(super) link: Vec<Option<u16>>,
}

impl Placement {
    pub(super) fn new(geo: &Geo, id: ComponentId, nodes: u32) -> Placement {
        let n = geo.datacenters.len();
        let mut distance = vec![u64::MAX; n * n];
        let mut crossing = vec![None; n * n];
        let mut link = vec![None; n * n];
        for a in 0..n {
            for b in 0..n {
                let (a8, b8) = (a as DcId, b as DcId);
                if let Some(s) = geo.mean_latency(a8, b8) {
                    distance[a * n + b] = (s * 1e9) as u64;
                }
                if a != b
                    && let Some((l, _)) = geo.link_between(a8, b8)
                {
                    crossing[a * n + b] = Some(geo.links[l].latency.clone());
                    link[a * n + b] = Some(l as u16);
                }
            }
        }
        Placement {
            node_dc: (0..nodes).map(|i| geo.dc_of(id, i)).collect(),
            component_dc: geo.placement.clone(),
            distance,
            crossing,
            datacenters: n,
            link,
        }
    }
}

impl Placement {
    /// The latency of a message from node `a` to node `b` (`None` inside
    /// one data center).
    pub(super) fn node_crossing(&self, a: usize, b: usize) -> Option<&Dist> {
        self.crossing[self.node_dc[a] as usize * self.datacenters + self.node_dc[b] as usize]
            .as_ref()
    }

    /// The link between node `a`'s and node `b`'s data centers.
    pub(super) fn node_link(&self, a: usize, b: usize) -> Option<u16> {
        self.link[self.node_dc[a] as usize * self.datacenters + self.node_dc[b] as usize]
    }

    /// The data center of the component that made `call` (`None` for the
    /// client's own call).
    pub(super) fn caller_dc(&self, call: CallId, ctx: &Ctx) -> Option<DcId> {
        let parent = ctx.calls[call].parent?;
        Some(self.component_dc[ctx.calls[parent].component as usize])
    }
}
