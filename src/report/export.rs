//! The formats of a scenario's report, after hyperfine's exporters: each
//! turns the one [`Document`] gathered from the scenario's folder into the
//! text of its file ([`super::html`], [`super::markdown`]); [`export`]
//! gathers the document once and writes every format's file.

use std::io;
use std::path::PathBuf;

use super::atomic::write_atomic;
use super::document::{Document, ReportInput};

/// A format the report is written in.
pub trait Exporter {
    /// The file it writes into the scenario's folder (`report.html`).
    fn file_name(&self) -> &'static str;

    /// The document as the file's text.
    fn render(&self, doc: &Document) -> String;
}

/// Writes each of `exporters`' files into the scenario's folder, in order,
/// atomically, from one reading of the folder; returns their paths.
pub fn export(input: &ReportInput, exporters: &[&dyn Exporter]) -> io::Result<Vec<PathBuf>> {
    let doc = Document::load(input)?;
    let mut written = Vec::with_capacity(exporters.len());
    for e in exporters {
        let path = input.scenario_dir.join(e.file_name());
        write_atomic(&path, e.render(&doc).as_bytes())?;
        written.push(path);
    }
    Ok(written)
}
