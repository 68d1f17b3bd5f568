//! capsim: a capacity-planning and scaling simulator.
//!
//! A scenario (YAML, see `SCENARIO.md`) is read and checked by [`scenario`],
//! compiled into a plain [`model::Model`], and simulated request by request by
//! [`simulation`], on the discrete-event [`engine`], with the [`components`]
//! of the system reacting to events and [`faults`] breaking them on schedule.
//! [`metrics`] measures, [`report`] writes
//! CSV files and the terminal table, and [`cli`] is the command line.

// Scenario errors carry location, key path, expectation and suggestion; they
// are built once, on the cold path of loading a file, so their size is no cost.
#![allow(clippy::result_large_err)]

pub mod cli;
pub mod components;
pub mod engine;
pub mod faults;
pub mod metrics;
pub mod model;
pub mod planning;
pub mod queueing;
pub mod report;
pub mod scenario;
pub mod simulation;
