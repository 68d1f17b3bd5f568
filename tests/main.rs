//! The integration tests, one binary (`autotests = false` in Cargo.toml, as
//! ripgrep does): each former `tests/*.rs` file is a module here, so the
//! crate and its dependencies are linked once, not once per file.
//!
//! Run one module with a filter: `cargo test --test main fault_theory::`
//! (a filter is a substring: `theory::` also runs the `*_theory` modules).

mod common;

mod cli;
mod cli_tools;
mod data_theory;
mod determinism;
mod estimate_theory;
mod export_openmetrics;
mod fault_outputs;
mod fault_theory;
mod flow_autoscale;
mod flow_balancing;
mod flow_estimate;
mod flow_inputs;
mod flow_outputs;
mod flow_theory;
mod geo_estimate;
mod geo_inputs;
mod geo_outputs;
mod geo_theory;
mod golden;
mod hardening;
mod hardening_limits;
mod hardening_merge;
mod hardening_outputs;
mod inputs_theory;
mod planning;
mod planning_cli;
mod plots;
mod properties;
mod quiet;
mod readme;
mod repl_estimate;
mod repl_inputs;
mod repl_outputs;
mod repl_theory;
mod report;
mod resilience_autoscale;
mod resilience_retries;
mod resilience_sessions;
mod schema;
mod sweep_plots;
mod theory;
mod topology;
mod usl_theory;
mod variants;
