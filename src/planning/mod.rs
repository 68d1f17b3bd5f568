//! Capacity planning on top of single runs: the analytic estimate,
//! replications with confidence intervals, the automatic warm-up, sweeps over a grid of configurations,
//! the search for the cheapest one that meets the SLO, and series split into
//! shares that run on several machines and merge into the same outputs.

pub mod estimate;
pub mod estimate_table;
pub mod interval;
pub mod manifest;
pub mod mser;
pub mod objective;
pub mod plan;
pub mod replications;
pub mod sweep;
pub mod warmup;
