//! Data centers, the network between them and where requests come from
//! (`datacenters`, `network`, `traffic.origins`), compiled. A scenario
//! without `datacenters` has none of it ([`Model::geo`](super::Model) is
//! `None`) and every hop takes no time, as before.

use super::{ComponentId, Dist};
use crate::engine::SimDuration;

/// A data center's index in [`Geo::datacenters`].
pub type DcId = u8;

/// Most data centers a scenario may name (a data center is a byte in hot
/// paths).
pub const MAX_DATACENTERS: usize = 64;

/// Most origins a scenario may name.
pub const MAX_ORIGINS: usize = 64;

/// The [geo] part of a model.
#[derive(Clone, Debug)]
pub struct Geo {
    /// The data centers, in the order of the file.
    pub datacenters: Vec<Datacenter>,
    /// One-way latency of a hop inside a data center.
    pub within: SimDuration,
    /// The links between data centers, in the order of the file.
    pub links: Vec<Link>,
    /// Where requests come from, in the order of the file (at least one:
    /// without `traffic.origins`, one named `local` inside the first data
    /// center at latency 0).
    pub origins: Vec<Origin>,
    /// Per component: the data center it stands in (a database's primary's,
    /// and every node's unless [`Geo::node_dcs`] says otherwise; a DNS's is
    /// [`NO_DC`]).
    pub placement: Vec<DcId>,
    /// Per component: the data center of each of its slots when they differ
    /// (a database with `replica_dcs`, or one of equal nodes with `dcs`: one
    /// per node, in slot order); empty: every slot stands in the
    /// component's [`Geo::placement`].
    pub node_dcs: Vec<Vec<DcId>>,
    /// Per request class, in the order of `traffic.classes`: what its calls
    /// and replies weigh.
    pub bytes: Vec<Bytes>,
}

/// Where a component that stands in no data center is (the DNS): a hop to
/// it takes no time.
pub const NO_DC: DcId = DcId::MAX;

/// One entry of `datacenters`.
#[derive(Clone, Debug, PartialEq)]
pub struct Datacenter {
    /// Its name, as in the file.
    pub name: String,
    /// Sizes standing in it cost this many times their catalogue price.
    pub price_factor: f64,
}

/// One entry of `network.links`: both directions between two data centers.
#[derive(Clone, Debug)]
pub struct Link {
    /// One end (direction 0 is `a` to `b`).
    pub a: DcId,
    /// The other end.
    pub b: DcId,
    /// One-way latency, drawn per crossing.
    pub latency: Dist,
    /// Bits per second each direction transmits, one message at a time;
    /// `None`: messages take no transmission time.
    pub bandwidth_bps: Option<f64>,
    /// Price per GB (10^9 bytes) crossing the link, either way; `None`: free.
    pub egress_per_gb: Option<f64>,
}

/// One entry of `traffic.origins`.
#[derive(Clone, Debug)]
pub struct Origin {
    /// Its name, as in the file (`origin:NAME` in `summary.csv`).
    pub name: String,
    /// Its share of the requests, from 0 to 1 (the shares sum to 1).
    pub share: f64,
    /// Per data center: one-way latency from a client of this origin to it.
    pub latency: Vec<SimDuration>,
    /// Where its requests go first: `traffic.to`, or when that names a
    /// component with `dcs`, the copy with the lowest latency from here.
    pub to: ComponentId,
}

/// A class's `bytes`: what each of its calls and each reply weighs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bytes {
    /// Bytes of a call (and of a write's replication message).
    pub request: u64,
    /// Bytes of a reply.
    pub response: u64,
}

impl Geo {
    /// The data center of slot `instance` of component `id` (its placement
    /// for an instance not yet picked or a kind without per-slot places).
    #[inline]
    pub fn dc_of(&self, id: ComponentId, instance: u32) -> DcId {
        let nodes = &self.node_dcs[id as usize];
        match nodes.get(instance as usize) {
            Some(&dc) => dc,
            None => self.placement[id as usize],
        }
    }

    /// The link between data centers `from` and `to` and the direction
    /// `from` to `to` takes on it (0: `a` to `b`); `None` without one (or
    /// when they are the same).
    pub fn link_between(&self, from: DcId, to: DcId) -> Option<(usize, usize)> {
        self.links
            .iter()
            .position(|l| l.a == from && l.b == to)
            .map(|i| (i, 0))
            .or_else(|| {
                self.links
                    .iter()
                    .position(|l| l.a == to && l.b == from)
                    .map(|i| (i, 1))
            })
    }

    /// Mean one-way latency from data center `from` to `to`, in seconds:
    /// `within` for the same one, `None` without a link.
    pub fn mean_latency(&self, from: DcId, to: DcId) -> Option<f64> {
        if from == to {
            return Some(self.within.as_secs_f64());
        }
        self.link_between(from, to)
            .map(|(l, _)| self.links[l].latency.mean())
    }

    /// A link's name in outputs and fault targets: `us-east <-> eu-west`.
    pub fn link_name(&self, link: usize) -> String {
        let l = &self.links[link];
        format!(
            "{} <-> {}",
            self.datacenters[l.a as usize].name, self.datacenters[l.b as usize].name
        )
    }

    /// A direction's name in `links.csv`: `us-east -> eu-west`.
    pub fn direction_name(&self, link: usize, direction: usize) -> String {
        let l = &self.links[link];
        let (from, to) = if direction == 0 {
            (l.a, l.b)
        } else {
            (l.b, l.a)
        };
        format!(
            "{} -> {}",
            self.datacenters[from as usize].name, self.datacenters[to as usize].name
        )
    }
}
