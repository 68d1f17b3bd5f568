//! `report.md`: the content of `report.html` as GitHub-flavoured Markdown,
//! to paste into a design document: the same tables (as the report shows
//! them, numbers right-aligned) and the plots as relative image links.
//!
//! Text taken from a file or the scenario is escaped so that it shows as
//! written: no `|` splits a cell, no `<b>` becomes markup.

use std::io;
use std::path::PathBuf;

pub use super::document::ReportInput;
use super::document::{
    CallsPart, Document, FaultsPart, GeoPart, Inline, Link, ReplicationPart, Sourced, VariantPart,
    faults_note, url_path,
};
use super::export::{Exporter, export};

/// `report.md`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Markdown;

impl Exporter for Markdown {
    fn file_name(&self) -> &'static str {
        "report.md"
    }

    fn render(&self, doc: &Document) -> String {
        render(doc)
    }
}

/// Writes `report.md` into the scenario's folder, atomically; returns its
/// path.
pub fn write_markdown(input: &ReportInput) -> io::Result<PathBuf> {
    let mut written = export(input, &[&Markdown])?;
    Ok(written.remove(0))
}

/// The text `write_markdown` writes.
pub fn render_markdown(input: &ReportInput) -> io::Result<String> {
    Ok(render(&Document::load(input)?))
}

fn render(doc: &Document) -> String {
    // Blocks, separated by blank lines.
    let mut blocks: Vec<String> = Vec::new();
    blocks.push(format!("# {}", text(&doc.scenario)));
    for p in &doc.description {
        blocks.push(paragraph(p));
    }
    if !doc.facts.is_empty() {
        blocks.push(
            doc.facts
                .iter()
                .map(|(k, v)| format!("- **{}:** {}", text(k), text(v)))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }

    if !doc.legend.is_empty() {
        blocks.push(inline(&doc.legend));
    }

    if let Some(c) = &doc.comparison {
        blocks.push("## Comparison of variants".into());
        match &c.table {
            Some(t) => {
                let faults = faults_note(c.faults, &|f| format!("`{f}`"));
                blocks.push(format!(
                    "One row per variant; every variant runs with the same arrivals{faults}. \
                     From {}.",
                    file_link(&t.source)
                ));
                table(&mut blocks, t);
            }
            None => blocks.push("No `comparison.csv` in `comparison/`.".into()),
        }
        images(&mut blocks, &c.plots);
        data_tier(&mut blocks, &c.data_tier);
    }

    for v in &doc.variants {
        variant(&mut blocks, v);
    }

    let mut out = blocks.join("\n\n");
    out.push('\n');
    out
}

/// A variant's section: its heading, then (when its folder exists) its
/// summary, faults, data centers, replication, calls, plots and data files.
fn variant(blocks: &mut Vec<String>, v: &VariantPart) {
    blocks.push(format!("## Variant: {}", text(&v.name)));
    if !v.found {
        blocks.push(format!(
            "No outputs: the folder {} does not exist.",
            code(&format!("{}/", v.name), false)
        ));
        return;
    }
    if let Some(t) = &v.topology {
        blocks.push("### Topology".into());
        images(blocks, std::slice::from_ref(t));
    }
    blocks.push("### Summary".into());
    match &v.summary {
        Some(t) => {
            let origins = if v.geo.as_ref().is_some_and(|g| g.origins.is_some()) {
                ", then one per origin (`origin:…`)"
            } else {
                ""
            };
            let replications = t
                .view
                .replications
                .map(|n| format!("; each figure the mean of {n} replications"))
                .unwrap_or_default();
            blocks.push(format!(
                "One row per request class and `all`{origins}, counting the requests sent after \
                 the warm-up{replications}. From {}.",
                file_link(&t.source)
            ));
            table(blocks, t);
        }
        None => blocks.push("No `summary.csv` in this run's folder.".into()),
    }
    if let Some(f) = &v.faults {
        faults(blocks, f, v);
    }
    if let Some(g) = &v.geo {
        geo(blocks, g, v);
    }
    if let Some(r) = &v.replication {
        replication(blocks, r, v);
    }
    if let Some(c) = &v.calls {
        calls(blocks, c, v);
    }
    if !v.plots.is_empty() {
        blocks.push("### Plots".into());
        images(blocks, &v.plots);
    }
    data_tier(blocks, &v.data_tier);
    data_links(blocks, &v.data);
}

/// A variant's faults: the recovery table, then the SLO verdict.
fn faults(blocks: &mut Vec<String>, f: &FaultsPart, v: &VariantPart) {
    blocks.push("### Faults and recovery".into());
    let events = in_file(v, "events.csv", "every event");
    if f.recovery.table.rows.is_empty() {
        blocks.push(format!(
            "No fault struck during the run ({}{events}).",
            file_link(&f.recovery.source)
        ));
    } else {
        blocks.push(format!(
            "One row per fault: when it struck and ended, how long until something noticed it \
             and until the service recovered, and the requests that failed or timed out meanwhile. \
             From {}{events}.",
            file_link(&f.recovery.source)
        ));
        table(blocks, &f.recovery);
        if f.more > 0 {
            blocks.push(format!(
                "\u{2026} and {} more rows in {}.",
                f.more,
                file_link(&f.recovery.source)
            ));
        }
    }
    if let Some(slo) = &f.slo {
        blocks.push(format!("**{}**", text(slo)));
    }
}

/// A variant's data centers: the origins', data centers' and links'
/// tables, then `geo.png`.
fn geo(blocks: &mut Vec<String>, g: &GeoPart, v: &VariantPart) {
    blocks.push("### Data centers".into());
    let every = |name: &str| in_file(v, name, "every window");
    if let Some(t) = &g.origins {
        blocks.push(format!(
            "One row per origin (where requests come from): its requests after the warm-up, \
             their error rate and response times, the origin's own latency to its data center \
             both ways included. From the `origin:…` rows of {}.",
            file_link(&t.source)
        ));
        table(blocks, t);
    }
    if let Some(t) = &g.datacenters {
        blocks.push(format!(
            "One row per data center: the requests that entered it after the warm-up and how \
             they ended, the mean utilisation of its components, and `outage_s`, how long it \
             was under an outage. From {}{}.",
            file_link(&t.source),
            every("datacenters.csv")
        ));
        table(blocks, t);
    }
    if let Some(t) = &g.links {
        blocks.push(format!(
            "One row per link, both directions together: the messages that crossed it after \
             the warm-up, their `gb` (10^9 bytes), their mean delay across it in ms (queueing, \
             transmission, latency, any `delay` fault), its mean utilisation (with `bandwidth`), \
             and `egress_cost`, what its bytes cost over the whole run, warm-up included, as \
             `cost_total`. From {}{}.",
            file_link(&t.source),
            every("links.csv")
        ));
        table(blocks, t);
    }
    if let Some(p) = &g.plot {
        images(blocks, std::slice::from_ref(p));
    }
}

/// A variant's replication: each database's totals, then
/// `replication.png`.
fn replication(blocks: &mut Vec<String>, r: &ReplicationPart, v: &VariantPart) {
    blocks.push("### Replication".into());
    if let Some(t) = &r.totals {
        let every = in_file(v, "replication.csv", "every window and node");
        blocks.push(format!(
            "One row per database whose nodes share writes another way than primary and \
             replicas, after the warm-up: the writes acknowledged, the writes concurrent with \
             another of their key (`conflicts`, and per 1000 writes) and those last-writer-wins \
             discarded (`lost_updates`; both empty with `quorum`), the reads answered and how \
             many were stale (any node's read may be), and the calls that failed for want of \
             live nodes. From {}{every}.",
            file_link(&t.source)
        ));
        table(blocks, t);
    }
    if let Some(p) = &r.plot {
        images(blocks, std::slice::from_ref(p));
    }
}

/// A variant's [flow] calls: each entry's totals and the services' calls
/// taken out of their lines, then `calls.png`.
fn calls(blocks: &mut Vec<String>, c: &CallsPart, v: &VariantPart) {
    blocks.push("### Calls".into());
    if let Some(t) = &c.totals {
        let every = in_file(v, "calls.csv", "every window and entry");
        blocks.push(format!(
            "One row per call entry with `parallel`, `hedge`, `pool` or `bulkhead` \
             options, after the warm-up: the calls made, the calls sent for them (every branch, \
             retry and hedge), the hedges and how many won, the calls abandoned (a hedge's \
             loser, a branch past its join, a try past its timeout), how the calls ended, the \
             calls that waited for a pool connection and the mean wait per call sent \
             (`pool_wait_ms`), the calls a bulkhead rejected, and hedges and abandoned calls per \
             call made; then one row per service called, with the abandoned calls taken out of \
             its lines unserved (`cancelled`). From {}{every}.",
            file_link(&t.source)
        ));
        table(blocks, t);
    }
    if let Some(p) = &c.plot {
        images(blocks, std::slice::from_ref(p));
    }
}

/// A CSV's table as the report shows it ([`super::document::view`]); in
/// the `all` row of a summary, `all` is in bold.
fn table(blocks: &mut Vec<String>, t: &Sourced) {
    let v = &t.view;
    let mut lines = Vec::with_capacity(v.rows.len() + 2);
    let row = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
    lines.push(row(v.header.iter().map(|h| text(h)).collect()));
    lines.push(row(v
        .numeric
        .iter()
        .map(|&n| if n { "---:" } else { ":---" }.to_string())
        .collect()));
    for r in &v.rows {
        lines.push(row(r
            .cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if r.total && i == 0 && !c.empty {
                    format!("**{}**", text(&c.text))
                } else {
                    text(&c.text)
                }
            })
            .collect()));
    }
    blocks.push(lines.join("\n"));
}

fn inline(parts: &[Inline]) -> String {
    parts
        .iter()
        .map(|p| match p {
            Inline::Text(s) => text(s),
            Inline::Code(s) => code(s, false),
        })
        .collect()
}

/// The plots, each an image link and a line saying what it shows.
fn images(blocks: &mut Vec<String>, plots: &[Link]) {
    for p in plots {
        blocks.push(format!("![{}]({})", text(p.stem()), url_path(&p.path)));
        match p.caption {
            Some(c) => blocks.push(format!("{} \u{2014} {}", code(&p.name, false), text(c))),
            None => blocks.push(code(&p.name, false)),
        }
    }
}

/// The data tier's plots under their own heading; nothing without any.
fn data_tier(blocks: &mut Vec<String>, plots: &[Link]) {
    if plots.is_empty() {
        return;
    }
    blocks.push("### Data tier".into());
    images(blocks, plots);
}

/// Links to the data files.
fn data_links(blocks: &mut Vec<String>, files: &[Link]) {
    if files.is_empty() {
        return;
    }
    let links: Vec<String> = files.iter().map(|f| file_link(&f.path)).collect();
    blocks.push(format!("Data: {}", links.join(" \u{b7} ")));
}

/// A link to a file, showing its relative path as code.
fn file_link(path: &str) -> String {
    format!("[{}]({})", code(path, false), url_path(path))
}

/// A code span showing `s` as written; in a table, `|` is escaped (GFM
/// unescapes it inside code spans in cells).
fn code(s: &str, in_table: bool) -> String {
    let mut s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if in_table {
        s = s.replace('|', "\\|");
    }
    if s.is_empty() {
        return String::new();
    }
    // A fence longer than any run of backticks inside.
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.starts_with(' ') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Inline text shown as written: the characters that could start markup are
/// escaped with a backslash (`_` only where it could emphasise, not inside
/// a word like `p99_ms`), line breaks become spaces.
fn text(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '_' => {
                let inside = i > 0
                    && chars[i - 1].is_alphanumeric()
                    && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
                if !inside {
                    out.push('\\');
                }
                out.push('_');
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A paragraph of text that cannot turn into a list, a heading or a rule.
fn paragraph(s: &str) -> String {
    let mut t = text(s.trim());
    if t.starts_with(['-', '+', '=']) {
        t.insert(0, '\\');
    } else {
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && matches!(t.as_bytes().get(digits), Some(b'.' | b')')) {
            t.insert(digits, '\\');
        }
    }
    t
}

/// `; WHAT in FILE` (a link) when the variant wrote data file `name`,
/// else nothing: how a section points to its per-window file.
fn in_file(v: &VariantPart, name: &str, what: &str) -> String {
    v.data_file(name)
        .map(|l| format!("; {what} in {}", file_link(&l.path)))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_shown_as_written() {
        assert_eq!(text("a|b"), "a\\|b");
        assert_eq!(text("<b>x</b>"), "\\<b\\>x\\</b\\>");
        assert_eq!(text("latency_p99_ms"), "latency_p99_ms");
        assert_eq!(text("_x_"), "\\_x\\_");
        assert_eq!(text("a\nb"), "a b");
        assert_eq!(paragraph("- not a list"), "\\- not a list");
        assert_eq!(paragraph("1. not a list"), "1\\. not a list");
    }

    #[test]
    fn code_spans_hold_any_name() {
        assert_eq!(code("latency_p50_ms", true), "`latency_p50_ms`");
        assert_eq!(code("a|b", true), "`a\\|b`");
        assert_eq!(code("a`b", false), "``a`b``");
        assert_eq!(code("`a", false), "`` `a ``");
        assert_eq!(code("", true), "");
    }
}
