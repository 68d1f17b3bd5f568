//! `report.html`: one static page of a scenario's results, to open in a
//! browser or print. No script and nothing from the network: the style is
//! inline and the plots and data files are linked by paths relative to the
//! scenario's folder, so the folder can be moved, zipped or mailed whole.
//!
//! Every text taken from a file or the scenario is escaped.

use std::fmt::Write as _;
use std::io;
use std::path::PathBuf;

pub use super::document::ReportInput;
use super::document::{
    CallsPart, Document, FaultsPart, GeoPart, Inline, Link, ReplicationPart, Sourced, VariantPart,
    faults_note, url_path,
};
use super::export::{Exporter, export};

/// `report.html`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Html;

impl Exporter for Html {
    fn file_name(&self) -> &'static str {
        "report.html"
    }

    fn render(&self, doc: &Document) -> String {
        render(doc)
    }
}

/// Writes `report.html` into the scenario's folder, atomically; returns its
/// path.
pub fn write_html(input: &ReportInput) -> io::Result<PathBuf> {
    let mut written = export(input, &[&Html])?;
    Ok(written.remove(0))
}

/// The page `write_html` writes.
pub fn render_html(input: &ReportInput) -> io::Result<String> {
    Ok(render(&Document::load(input)?))
}

/// The page's style: readable on a laptop and on a phone. On a screen
/// 600 px wide or less, a table of more than [`CARD_COLUMNS`] columns shows
/// each row as a card (`.cards`): the row's cells one under the other, each
/// with its column's name, so that a comparison of 14 columns is read whole
/// on a phone rather than scrolled through a window a third as wide; in the
/// same order of figures in every card, so that cards still compare. Any
/// table still wider than the page scrolls inside its own box
/// (`.table-wrap`), never the page. Plots sit two abreast when there is
/// room and shrink with the page below 560 px (`min(560px, 100%)`), keeping
/// their proportions.
/// Headers wrap between words only. Printed in landscape with each variant
/// on a new page.
const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body {
  margin: 0 auto; max-width: 1440px; padding: 24px 20px 48px;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1f2328; background: #fff;
}
a { color: #0b5cad; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
code { font-size: .88em; }
header { border-bottom: 1px solid #d0d7de; padding-bottom: 14px; }
.kicker { margin: 0; color: #59636e; font-size: .8rem; letter-spacing: .08em; text-transform: uppercase; }
h1 { margin: 2px 0 8px; font-size: 1.9rem; line-height: 1.2; overflow-wrap: anywhere; }
h2 { margin: 34px 0 10px; padding-bottom: 4px; font-size: 1.4rem; border-bottom: 1px solid #d0d7de; overflow-wrap: anywhere; }
h2 .label { color: #59636e; font-weight: 400; font-size: .75em; }
h3 { margin: 22px 0 8px; font-size: 1.05rem; }
.description { max-width: 75ch; margin: 0 0 10px; }
dl.facts { display: flex; flex-wrap: wrap; gap: 6px 26px; margin: 12px 0; padding: 9px 14px;
  background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; }
dl.facts div { display: flex; gap: 6px; }
dl.facts dt { color: #59636e; }
dl.facts dt::after { content: ":"; }
dl.facts dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
nav { font-size: .9rem; color: #59636e; }
nav a { margin-right: 14px; }
.note, .legend, .data, footer { color: #59636e; font-size: .88rem; }
.note { margin: 0 0 8px; }
.legend { margin: 14px 0 0; max-width: 110ch; }
.missing { color: #9a6700; }
.verdict { margin: 10px 0 0; font-weight: 600; }
.note, .data, .legend { overflow-wrap: anywhere; }
.table-wrap { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; font-size: .8rem; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 6px; border-bottom: 1px solid #e4e8ec; }
th { text-align: left; vertical-align: bottom; font-weight: 600; font-size: .74rem; line-height: 1.25;
  background: #f6f8fa; border-bottom: 2px solid #d0d7de;
  overflow-wrap: normal; hyphens: manual; }
td { white-space: nowrap; }
td .pm { display: block; color: #59636e; font-size: .85em; }
.num { text-align: right; }
tbody tr:nth-child(even) { background: #fafbfc; }
tr.total td { font-weight: 600; border-top: 2px solid #d0d7de; }
td.empty { color: #8c959f; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(560px, 100%), 1fr)); gap: 18px 22px; }
figure { margin: 0; min-width: 0; break-inside: avoid; }
figure img { display: block; width: 100%; max-width: 100%; height: auto; border: 1px solid #d0d7de; border-radius: 4px; }
.topology .figures { display: block; }
.topology figure img { width: auto; max-width: 100%; }
figcaption { margin-top: 5px; color: #59636e; font-size: .85rem; }
footer { margin-top: 40px; padding-top: 10px; border-top: 1px solid #d0d7de; }
@page { size: landscape; margin: 12mm; }
@media (max-width: 600px) {
  body { padding: 16px 12px 32px; }
  h1 { font-size: 1.5rem; }
  .cards table, .cards tbody, .cards tr, .cards td { display: block; }
  .cards table { width: 100%; font-size: .85rem; }
  .cards thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  .cards tr { margin: 0 0 10px; border: 1px solid #d0d7de; border-radius: 6px; padding: 2px 10px; }
  .cards tbody tr:nth-child(even) { background: none; }
  .cards td { white-space: normal; text-align: right; padding: 3px 0; overflow: hidden; }
  .cards td:last-child { border-bottom: 0; }
  .cards td::before { content: attr(data-label); float: left; max-width: 62%; padding-right: 10px;
    text-align: left; color: #59636e; }
  .cards td:first-child { font-weight: 600; }
  .cards tr.total td { border-top: 0; }
  .cards tr.total { border-width: 2px; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  a { color: inherit; text-decoration: none; }
  nav { display: none; }
  .table-wrap { overflow: visible; }
  table { font-size: 7.5pt; }
  th { font-size: 6.5pt; }
  th, td { padding: 2px 5px; }
  tbody tr:nth-child(even) { background: none; }
  section.variant { break-before: page; }
  h2, h3 { break-after: avoid; }
  tr { break-inside: avoid; }
  .figures { grid-template-columns: 1fr 1fr; gap: 10px; }
}
"#;

fn render(doc: &Document) -> String {
    let mut h = String::new();
    let title = esc(&doc.scenario);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<meta name=\"generator\" content=\"capsim\">\n");
    let _ = writeln!(h, "<title>{title} \u{2014} capsim report</title>");
    let _ = writeln!(h, "<style>{STYLE}</style>\n</head>\n<body>");

    h.push_str("<header id=\"top\">\n<p class=\"kicker\">capsim report</p>\n");
    let _ = writeln!(h, "<h1>{title}</h1>");
    for p in &doc.description {
        let _ = writeln!(h, "<p class=\"description\">{}</p>", esc(p));
    }
    if !doc.facts.is_empty() {
        h.push_str("<dl class=\"facts\">\n");
        for (k, v) in &doc.facts {
            let _ = writeln!(h, "<div><dt>{}</dt><dd>{}</dd></div>", esc(k), esc(v));
        }
        h.push_str("</dl>\n");
    }
    if doc.variants.len() > 1 || doc.comparison.is_some() {
        h.push_str("<nav>Contents: ");
        if doc.comparison.is_some() {
            h.push_str("<a href=\"#comparison\">comparison</a>");
        }
        for v in &doc.variants {
            let _ = write!(h, "<a href=\"#{}\">{}</a>", esc(&v.anchor), esc(&v.name));
        }
        h.push_str("</nav>\n");
    }
    h.push_str("</header>\n<main>\n");
    if !doc.legend.is_empty() {
        let _ = writeln!(h, "<p class=\"legend\">{}</p>", inline(&doc.legend));
    }

    if let Some(c) = &doc.comparison {
        h.push_str("<section id=\"comparison\">\n<h2>Comparison of variants</h2>\n");
        match &c.table {
            Some(t) => {
                let faults = faults_note(c.faults, &|f| format!("<code>{f}</code>"));
                let _ = writeln!(
                    h,
                    "<p class=\"note\">One row per variant; every variant runs with the same \
                     arrivals{faults}. From {}.</p>",
                    file_link(&t.source)
                );
                table(&mut h, t, doc);
            }
            None => h.push_str(
                "<p class=\"note missing\">No <code>comparison.csv</code> in \
                 <code>comparison/</code>.</p>\n",
            ),
        }
        figures(&mut h, &c.plots);
        data_tier(&mut h, &c.data_tier);
        h.push_str("</section>\n");
    }

    for v in &doc.variants {
        variant(&mut h, v, doc);
    }

    h.push_str(
        "</main>\n<footer>Written by capsim. The plots and data files sit next to this page \
         and are linked by relative paths: keep the folder together.</footer>\n</body>\n</html>\n",
    );
    h
}

/// A variant's section: its heading, then (when its folder exists) its
/// summary, faults, data centers, replication, calls, plots and data files.
fn variant(h: &mut String, v: &VariantPart, doc: &Document) {
    let _ = writeln!(
        h,
        "<section class=\"variant\" id=\"{}\">\n<h2><span class=\"label\">Variant</span> {}</h2>",
        esc(&v.anchor),
        esc(&v.name)
    );
    if !v.found {
        let _ = writeln!(
            h,
            "<p class=\"missing\">No outputs: the folder <code>{}/</code> does not exist.</p>",
            esc(&v.name)
        );
        h.push_str("</section>\n");
        return;
    }
    if let Some(t) = &v.topology {
        h.push_str("<h3>Topology</h3>\n<div class=\"topology\">\n");
        figures(h, std::slice::from_ref(t));
        h.push_str("</div>\n");
    }
    h.push_str("<h3>Summary</h3>\n");
    match &v.summary {
        Some(t) => {
            let origins = if v.geo.as_ref().is_some_and(|g| g.origins.is_some()) {
                ", then one per origin (<code>origin:…</code>)"
            } else {
                ""
            };
            let _ = writeln!(
                h,
                "<p class=\"note\">One row per request class and <code>all</code>{origins}, \
                 counting the requests sent after the warm-up{}. From {}.</p>",
                replications(t),
                file_link(&t.source)
            );
            table(h, t, doc);
        }
        None => h.push_str(
            "<p class=\"missing\">No <code>summary.csv</code> in this run's folder.</p>\n",
        ),
    }
    if let Some(f) = &v.faults {
        faults(h, f, v, doc);
    }
    if let Some(g) = &v.geo {
        geo(h, g, v, doc);
    }
    if let Some(r) = &v.replication {
        replication(h, r, v, doc);
    }
    if let Some(c) = &v.calls {
        calls(h, c, v, doc);
    }
    if !v.plots.is_empty() {
        h.push_str("<h3>Plots</h3>\n");
        figures(h, &v.plots);
    }
    data_tier(h, &v.data_tier);
    data_links(h, &v.data);
    h.push_str("</section>\n");
}

/// `; each figure the mean of N replications` when a summary has several.
fn replications(t: &Sourced) -> String {
    t.view
        .replications
        .map(|n| format!("; each figure the mean of {n} replications"))
        .unwrap_or_default()
}

/// A variant's faults: the recovery table, then the SLO verdict.
fn faults(h: &mut String, f: &FaultsPart, v: &VariantPart, doc: &Document) {
    h.push_str("<h3>Faults and recovery</h3>\n");
    let events = in_file(v, "events.csv", "every event");
    if f.recovery.table.rows.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">No fault struck during the run ({}{events}).</p>",
            file_link(&f.recovery.source)
        );
    } else {
        let _ = writeln!(
            h,
            "<p class=\"note\">One row per fault: when it struck and ended, how long until \
             something noticed it and until the service recovered, and the requests that failed \
             or timed out meanwhile. From {}{events}.</p>",
            file_link(&f.recovery.source)
        );
        table(h, &f.recovery, doc);
        if f.more > 0 {
            let _ = writeln!(
                h,
                "<p class=\"note\">\u{2026} and {} more rows in {}.</p>",
                f.more,
                file_link(&f.recovery.source)
            );
        }
    }
    if let Some(slo) = &f.slo {
        let _ = writeln!(h, "<p class=\"verdict\">{}</p>", esc(slo));
    }
}

/// A variant's data centers: the origins', data centers' and links'
/// tables, then `geo.png`.
fn geo(h: &mut String, g: &GeoPart, v: &VariantPart, doc: &Document) {
    h.push_str("<h3>Data centers</h3>\n");
    let every = |name: &str| in_file(v, name, "every window");
    if let Some(t) = &g.origins {
        let _ = writeln!(
            h,
            "<p class=\"note\">One row per origin (where requests come from): its requests after \
             the warm-up, their error rate and response times, the origin's own latency to its \
             data center both ways included. From the <code>origin:…</code> rows of {}.</p>",
            file_link(&t.source)
        );
        table(h, t, doc);
    }
    if let Some(t) = &g.datacenters {
        let _ = writeln!(
            h,
            "<p class=\"note\">One row per data center: the requests that entered it after the \
             warm-up and how they ended, the mean utilisation of its components, and \
             <code>outage_s</code>, how long it was under an outage. From {}{}.</p>",
            file_link(&t.source),
            every("datacenters.csv")
        );
        table(h, t, doc);
    }
    if let Some(t) = &g.links {
        let _ = writeln!(
            h,
            "<p class=\"note\">One row per link, both directions together: the messages that \
             crossed it after the warm-up, their <code>gb</code> (10^9 bytes), their mean delay \
             across it in ms (queueing, transmission, latency, any <code>delay</code> fault), its \
             mean utilisation (with <code>bandwidth</code>), and <code>egress_cost</code>, what \
             its bytes cost over the whole run, warm-up included, as <code>cost_total</code>. \
             From {}{}.</p>",
            file_link(&t.source),
            every("links.csv")
        );
        table(h, t, doc);
    }
    if let Some(p) = &g.plot {
        figures(h, std::slice::from_ref(p));
    }
}

/// A variant's replication: each database's totals, then
/// `replication.png`.
fn replication(h: &mut String, r: &ReplicationPart, v: &VariantPart, doc: &Document) {
    h.push_str("<h3>Replication</h3>\n");
    if let Some(t) = &r.totals {
        let every = in_file(v, "replication.csv", "every window and node");
        let _ = writeln!(
            h,
            "<p class=\"note\">One row per database whose nodes share writes another way than \
             primary and replicas, after the warm-up: the writes acknowledged, the writes \
             concurrent with another of their key (<code>conflicts</code>, and per 1000 writes) \
             and those last-writer-wins discarded (<code>lost_updates</code>; both empty with \
             <code>quorum</code>), the reads answered and how many were stale (any node's read \
             may be), and the calls that failed for want of live nodes. From {}{every}.</p>",
            file_link(&t.source)
        );
        table(h, t, doc);
    }
    if let Some(p) = &r.plot {
        figures(h, std::slice::from_ref(p));
    }
}

/// A variant's [flow] calls: each entry's totals and the services' calls
/// taken out of their lines, then `calls.png`.
fn calls(h: &mut String, c: &CallsPart, v: &VariantPart, doc: &Document) {
    h.push_str("<h3>Calls</h3>\n");
    if let Some(t) = &c.totals {
        let every = in_file(v, "calls.csv", "every window and entry");
        let _ = writeln!(
            h,
            "<p class=\"note\">One row per call entry with <code>parallel</code>, <code>hedge</code>, \
             <code>pool</code> or <code>bulkhead</code> options, after the warm-up: the calls \
             made, the calls sent for them (every branch, retry and hedge), the hedges and how \
             many won, the calls abandoned (a hedge's loser, a branch past its join, a try past \
             its timeout), how the calls ended, the calls that waited for a pool connection and \
             the mean wait per call sent (<code>pool_wait_ms</code>), the calls a bulkhead \
             rejected, and hedges and abandoned calls per call made; then one row per service \
             called, with the abandoned calls taken out of its lines unserved \
             (<code>cancelled</code>). From {}{every}.</p>",
            file_link(&t.source)
        );
        table(h, t, doc);
    }
    if let Some(p) = &c.plot {
        figures(h, std::slice::from_ref(p));
    }
}

/// Columns beyond which a table shows as cards on a narrow screen: four
/// columns of figures fit 400 px; more do not.
const CARD_COLUMNS: usize = 4;

/// A CSV's table as the report shows it ([`super::document::view`]).
fn table(h: &mut String, t: &Sourced, doc: &Document) {
    let v = &t.view;
    h.push_str(if v.header.len() > CARD_COLUMNS {
        "<div class=\"table-wrap cards\">\n<table>\n<thead>\n<tr>"
    } else {
        "<div class=\"table-wrap\">\n<table>\n<thead>\n<tr>"
    });
    for (name, &numeric) in v.header.iter().zip(&v.numeric) {
        let _ = write!(h, "<th{}>{}</th>", num_class(numeric), esc(name));
    }
    h.push_str("</tr>\n</thead>\n<tbody>\n");
    for row in &v.rows {
        h.push_str(if row.total {
            "<tr class=\"total\">"
        } else {
            "<tr>"
        });
        for (i, cell) in row.cells.iter().enumerate() {
            let numeric = v.numeric[i];
            // The column's name, shown before the cell in a card.
            let label = esc(&v.header[i]);
            if cell.empty {
                let cls = if numeric { "num empty" } else { "empty" };
                let _ = write!(
                    h,
                    "<td class=\"{cls}\" data-label=\"{label}\">{}</td>",
                    esc(&cell.text)
                );
                continue;
            }
            // In the comparison, a variant's name leads to its section.
            let target = (v.variant_column == Some(i))
                .then(|| doc.variants.iter().find(|x| x.name == cell.text))
                .flatten();
            match target {
                Some(x) => {
                    let _ = write!(
                        h,
                        "<td{} data-label=\"{label}\"><a href=\"#{}\">{}</a></td>",
                        num_class(numeric),
                        esc(&x.anchor),
                        esc(&cell.text)
                    );
                }
                None => {
                    let _ = write!(
                        h,
                        "<td{} data-label=\"{label}\">{}</td>",
                        num_class(numeric),
                        shown(&cell.text)
                    );
                }
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n</div>\n");
}

/// A cell's text; a figure with its interval, `12.3 ± 0.4`, as the mean
/// over the interval's half-width (a column half as wide).
fn shown(text: &str) -> String {
    match text.split_once(" \u{b1} ") {
        Some((mean, half)) => format!(
            "{}<span class=\"pm\"> \u{b1} {}</span>",
            esc(mean),
            esc(half)
        ),
        None => esc(text),
    }
}

fn num_class(numeric: bool) -> &'static str {
    if numeric { " class=\"num\"" } else { "" }
}

/// The plots, each a figure linking to the full-size image.
fn figures(h: &mut String, plots: &[Link]) {
    if plots.is_empty() {
        return;
    }
    h.push_str("<div class=\"figures\">\n");
    for p in plots {
        let url = esc(&url_path(&p.path));
        let size = p
            .size
            .map(|(w, ht)| format!(" width=\"{w}\" height=\"{ht}\""))
            .unwrap_or_default();
        let _ = write!(
            h,
            "<figure><a href=\"{url}\"><img src=\"{url}\" alt=\"{}\"{size}></a>\
             <figcaption><code>{}</code>",
            esc(&p.caption.unwrap_or(p.stem()).replace('\n', " ")),
            esc(&p.name)
        );
        if let Some(c) = p.caption {
            let _ = write!(h, " \u{2014} {}", esc(c));
        }
        h.push_str("</figcaption></figure>\n");
    }
    h.push_str("</div>\n");
}

/// The data tier's plots under their own heading; nothing without any.
fn data_tier(h: &mut String, plots: &[Link]) {
    if plots.is_empty() {
        return;
    }
    h.push_str("<h3>Data tier</h3>\n");
    figures(h, plots);
}

/// Links to the data files.
fn data_links(h: &mut String, files: &[Link]) {
    if files.is_empty() {
        return;
    }
    h.push_str("<p class=\"data\">Data: ");
    for (i, f) in files.iter().enumerate() {
        if i > 0 {
            h.push_str(" \u{b7} ");
        }
        h.push_str(&file_link(&f.path));
    }
    h.push_str("</p>\n");
}

/// A link to a file, showing its relative path as code.
fn file_link(path: &str) -> String {
    format!(
        "<a href=\"{}\"><code>{}</code></a>",
        esc(&url_path(path)),
        esc(path)
    )
}

fn inline(parts: &[Inline]) -> String {
    parts
        .iter()
        .map(|p| match p {
            Inline::Text(t) => esc(t),
            Inline::Code(c) => format!("<code>{}</code>", esc(c)),
        })
        .collect()
}

/// Text for HTML content or a quoted attribute.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters have no place in the page.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
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
    use super::esc;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<b>\"a\" & 'b'</b>"),
            "&lt;b&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/b&gt;"
        );
    }
}
