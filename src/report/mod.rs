//! Reports of a run, all from the rows and results the run produced, none
//! reaching into the engine or into `planning/` (which builds on this):
//! one file per format (`csv`, `table` for the terminal, `html`, `markdown`
//! behind [`export::Exporter`], `plots`, the data centers' files in `geo`,
//! the replication topologies' in `replication`, the [flow] calls' in
//! `flow`), a run's series for other tools (`metrics_export`, behind its
//! own trait), the data they render
//! (`figures`, `comparison`, `points`), the columns of every CSV
//! (`schema`), number formatting (`format`), the progress bar, and the
//! atomic writing they share.

pub mod atomic;
pub mod comparison;
pub mod csv;
pub mod document;
pub mod export;
pub mod figures;
pub mod flow;
pub mod format;
pub mod geo;
pub mod html;
pub mod markdown;
pub mod metrics_export;
pub mod plots;
pub mod points;
pub mod progress;
pub mod replication;
pub mod schema;
pub mod table;
pub mod topology;
