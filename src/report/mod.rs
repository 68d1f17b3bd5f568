//! Reports of a run, all from the rows and results the run produced, none
//! reaching into the engine: CSV files, the terminal table, the progress bar,
//! and the atomic writing they share.

pub mod atomic;
pub mod comparison;
pub mod csv;
pub mod document;
pub mod figures;
pub mod format;
pub mod html;
pub mod markdown;
pub mod plots;
pub mod points;
pub mod progress;
pub mod schema;
pub mod table;
