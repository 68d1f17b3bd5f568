//! Queueing theory for `capsim estimate`, below both the components and
//! planning: each kind's estimate (`components/<kind>/estimate.rs`) builds
//! its stations from these pieces, and `planning::estimate` puts the
//! network together. Nothing here knows one kind from another.

pub mod gamma;
pub mod moments;
pub mod station;

pub use gamma::gamma_quantile;
pub use moments::{Mom, mix};
pub use station::{Station, erlang_c, station};
