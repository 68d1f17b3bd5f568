//! Queueing theory for `capsim estimate`, below both the components and
//! planning: the moments of times, single stations (M/G/c, M/M/c/K), the
//! gamma quantiles of end-to-end times, the key space, the request flow
//! through the call graph, mean-value analysis, order statistics (quorums,
//! parallel joins), hedged calls and priority queues ([flow]),
//! last-writer-wins replication among writers, and the trait each kind
//! implements in `components/<kind>/estimate.rs` to take part.
//! `planning::estimate` puts the network together; nothing here knows one
//! kind from another.

pub mod eval;
pub mod flow;
pub mod gamma;
pub mod geo;
pub mod keys;
pub mod kind;
pub mod lww;
pub mod moments;
pub mod mva;
pub mod net;
pub mod order;
pub mod station;

pub use eval::{
    CallEstimate, ComponentEstimate, Eval, EvalCtx, FlowEstimate, ReplicationEstimate, StaleReads,
    fmt_ms, fmt_rate,
};
pub use gamma::gamma_quantile;
pub use geo::{DirLoad, GeoEstimate, HopEstimate, LinkEstimate, OriginEstimate};
pub use keys::{EXACT_KEYS, KeySpace};
pub use kind::{Ignored, KindEstimate};
pub use moments::{Mom, mix};
pub use mva::{MvaNet, MvaStation, Waits, mva};
pub use net::{CallLoad, CallLoads, Flow, Line, Net};
pub use station::{Station, erlang_b, erlang_c, station};
