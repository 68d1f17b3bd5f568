//! What `report.html` and `report.md` show, gathered once from a scenario's
//! output folder: the comparison table and plots when there are variants,
//! then each variant's summary table, faults and recovery (when it wrote
//! `recovery.csv`), data centers (when it had some), replication (when a
//! database had another topology than primary/replica), calls (when a
//! service had [flow] calls), plots (those of the data tier apart) and
//! data files.
//! Only files that
//! exist are listed, in a fixed order, so that the same folder always gives
//! the same report, byte for byte.
//!
//! The tables are the CSVs' rows, shown for reading ([`view`]): response
//! times first, headers in words with their units, shares as percentages,
//! the columns empty in every row left out; each links its file, which
//! keeps every column under its documented name.

use std::fs;
use std::io;
use std::path::Path;

use super::geo::ORIGIN_PREFIX;

pub mod view;

use view::{CURRENCY, FaultHeadline, Source, Unit, View};

/// What the report needs that is not in the files.
pub struct ReportInput<'a> {
    /// The scenario's output folder, `OUT/<scenario>/`; the reports are
    /// written into it and link the files in it by relative paths.
    pub scenario_dir: &'a Path,
    /// The scenario's name.
    pub scenario: &'a str,
    /// The scenario's description; may be empty.
    pub description: &'a str,
    /// The run folders in order, e.g. `["base", "scale-up"]`.
    pub variants: &'a [String],
    /// Facts of the run, e.g. `[("duration", "10m"), ("seed", "7")]`.
    pub facts: &'a [(String, String)],
    /// Per variant with an SLO: its name and verdict, e.g. `("base", "SLO
    /// p99 <= 300 ms: held in all 570 windows after warm-up")`. (The
    /// verdict counts windows no output file lists.)
    pub slo: &'a [(String, String)],
}

/// Rows of `recovery.csv` the report shows; the rest are in the file.
pub const RECOVERY_ROWS_SHOWN: usize = 100;

/// The run plots, in the order they are shown, with what each shows.
const RUN_PLOTS: &[(&str, &str)] = &[
    (
        "latency.png",
        "Response time per window: p50, p90, p99 and p99.9 (log scale), the offered rate below.",
    ),
    (
        "throughput.png",
        "Offered, completed and goodput per second; errors by kind below.",
    ),
    (
        "components.png",
        "Utilisation and queue length of each component pool.",
    ),
    (
        "latency_cdf.png",
        "Distribution of response times after the warm-up, per class: cumulative, and the tail.",
    ),
    (
        "retries.png",
        "Attempts per second against first tries (the retry amplification), their ratio, and each circuit breaker's state (with retries or breakers only).",
    ),
    (
        "autoscale.png",
        "Instances serving, and serving or provisioning, over time; below, the utilisation each autoscaling decision measured against the target.",
    ),
];

/// The plots of a run's data tier, shown under their own heading; each
/// exists only when the run has that kind of component.
const RUN_DATA_TIER_PLOTS: &[(&str, &str)] = &[
    (
        "hit_ratio.png",
        "Hit ratio of each cache per window (hits / lookups); below, the misses per second it passes on.",
    ),
    (
        "shard_load.png",
        "Operations per second of each database shard against the even share, so that a hot shard stands out; below, each shard's busiest node's utilisation.",
    ),
    (
        "replication_lag.png",
        "How long replicas take to apply writes (mean, slowest, and the range of replicas); below, stale reads per second.",
    ),
    (
        "queue_backlog.png",
        "Messages each queue holds: a line that keeps rising means the consumers fall behind; below, consumed and refused per second.",
    ),
];

/// The comparison plots, in the order they are shown.
const COMPARISON_PLOTS: &[(&str, &str)] = &[
    (
        "latency_p99.png",
        "The p99 response time per window, by variant.",
    ),
    (
        "throughput.png",
        "Goodput (successful replies within the client's deadline) per second, by variant.",
    ),
    (
        "errors.png",
        "Error rate per window: (rejected + timed out + failed) / offered, by variant.",
    ),
    (
        "instances.png",
        "Instances of the autoscaled pool serving over time, by variant (flat where a variant does not scale), with each variant's total cost.",
    ),
    (
        "sessions_lost.png",
        "Local sessions lost since the start, by variant: a crash or a scale-in is a step, users moved between instances a slope.",
    ),
];

/// The comparison plots of the data tier, shown under their own heading.
const COMPARISON_DATA_TIER_PLOTS: &[(&str, &str)] = &[
    (
        "hit_ratio.png",
        "Hit ratio of each cache per window, by variant.",
    ),
    (
        "queue_backlog.png",
        "Messages each queue holds per window, by variant.",
    ),
];

/// A run's data files, linked when present.
const RUN_DATA: &[&str] = &[
    "summary.csv",
    "timeseries.csv",
    "components.csv",
    "events.csv",
    "recovery.csv",
    "links.csv",
    "datacenters.csv",
    "links_summary.csv",
    "datacenters_summary.csv",
    "replication.csv",
    "replication_summary.csv",
    "calls.csv",
    "calls_summary.csv",
];

/// The plot of a run with data centers, shown in its "Data centers"
/// section.
const GEO_PLOT: (&str, &str) = (
    "geo.png",
    "The p99 response time of each origin per window (log scale); below, the share of the requests entering each data center, which moves as the DNS marks entry points down and up.",
);

/// The plot of a run with a database of another topology than
/// primary/replica, shown in its "Replication" section.
const REPLICATION_PLOT: (&str, &str) = (
    "replication.png",
    "Per database of another topology than primary/replica, over time: conflicts and lost updates per second (with quorum, the calls unavailable for want of live nodes), the share of reads that were stale, and each node's mean apply lag; split brains, broken rings and lost quorums marked.",
);

/// The drawing of a run's system, shown at the top of its section (its PNG
/// copy is not listed among the plots).
const TOPOLOGY: (&str, &str, &str) = (
    "topology.svg",
    "topology.png",
    "The system as it was simulated (the compiled model, after variants and overrides): a box per component, an arrow per call with its filter and options, data centers as frames; topology.png is the same drawing as a picture.",
);

/// The plot of a run with [flow] calls, shown in its "Calls" section.
const CALLS_PLOT: (&str, &str) = (
    "calls.png",
    "Per call entry with parallel, hedge, pool or bulkhead options, over time: hedges (solid) and abandoned calls (dashed) per call made, the mean wait for a pool connection, and the calls a bulkhead rejected per second; each panel only when some entry has that option.",
);

/// The columns of `summary.csv` the origins' table shows.
const ORIGIN_COLUMNS: &[&str] = &[
    "class",
    "requests",
    "error_rate",
    "latency_p50_ms",
    "latency_p99_ms",
    "latency_mean_ms",
];

/// A piece of running text: plain, or a name to show as code.
#[derive(Clone, Debug, PartialEq)]
pub enum Inline {
    /// Plain text.
    Text(String),
    /// A column or file name.
    Code(String),
}

/// A CSV file as read: its header and rows, every cell as printed.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
    /// Per column: every non-empty cell is a number (right-aligned).
    pub numeric: Vec<bool>,
    /// The index of the `class` column, whose `all` row is the total.
    pub class_column: Option<usize>,
}

impl Table {
    /// Reads a CSV with a header; `None` when the file does not exist.
    pub fn read(path: &Path) -> io::Result<Option<Table>> {
        let bytes = match fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let bad = |e: csv::Error| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(bytes.as_slice());
        let header: Vec<String> = reader
            .headers()
            .map_err(bad)?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(bad)?;
            rows.push(record.iter().map(str::to_string).collect::<Vec<_>>());
        }
        Ok(Some(Table::new(header, rows)))
    }

    /// A table of `header` and `rows`; ragged rows are padded with empty
    /// cells (and the header with empty names).
    pub fn new(mut header: Vec<String>, mut rows: Vec<Vec<String>>) -> Table {
        let width = rows.iter().map(Vec::len).fold(header.len(), usize::max);
        header.resize(width, String::new());
        for row in &mut rows {
            row.resize(width, String::new());
        }
        let numeric = (0..width)
            .map(|c| {
                let mut cells = rows.iter().map(|r| r[c].trim()).filter(|s| !s.is_empty());
                let mut any = false;
                let all = cells.all(|s| {
                    any = true;
                    is_number(s)
                });
                any && all
            })
            .collect();
        let class_column = header.iter().position(|h| h == "class");
        Table {
            header,
            rows,
            numeric,
            class_column,
        }
    }

    /// Whether `row` is the `all` row of a summary.
    pub fn is_total(&self, row: &[String]) -> bool {
        self.class_column.is_some_and(|c| row[c] == "all")
    }
}

/// How to read the tables, in a few sentences: what their figures measure
/// and in what unit, what `±` and a dash mean. Empty when there is no
/// table.
pub fn legend(views: &[&View]) -> Vec<Inline> {
    if views.is_empty() {
        return Vec::new();
    }
    let header = |h: &str| views.iter().any(|v| v.header.iter().any(|x| x == h));
    let mut parts: Vec<String> = Vec::new();
    if views.iter().any(|v| v.latencies) {
        parts.push(
            "response times (the percentiles p50 to p99.9, the max and the mean) run from the \
             client's send to the reply, in milliseconds"
                .into(),
        );
    }
    if header("error rate") {
        parts.push("the error rate is (rejected + timed out + failed) / requests".into());
    }
    if header("goodput (req/s)") {
        parts.push(
            "throughput counts every reply per second, goodput only the successful replies \
             within the client's deadline"
                .into(),
        );
    }
    if header("at (s)") {
        parts.push(
            "a fault's times are seconds since the start of the run; detected and recovered \
             after, seconds since it struck"
                .into(),
        );
    }
    if views.iter().any(|v| v.has(Unit::Money)) {
        parts.push(format!(
            "costs are in the size catalogue's currency ({CURRENCY} for the built-in one), per \
             hour of the sized services; cost per million is per million successful replies in \
             time; the run cost includes the warm-up (an autoscaled instance from its \
             provisioning to its removal)"
        ));
    }
    let mut out = vec![text(
        "Each table links its CSV file, which keeps every column under its documented name (see \"What a run writes\" in capsim's README).",
    )];
    if !parts.is_empty() {
        let mut sentence = parts.join("; ");
        sentence[..1].make_ascii_uppercase();
        out.push(text(format!(" {sentence}.")));
    }
    if views.iter().any(|v| v.intervals) {
        out.push(text(
            " A figure a \u{b1} b is the mean across replications and the half-width of its 95% \
             confidence interval.",
        ));
    }
    if views.iter().any(|v| v.has_dash()) {
        out.push(text(format!(
            " A {EMPTY} is an empty cell: nothing to measure."
        )));
    }
    out
}

/// The comparison's note on its faults headline, `; the last five columns,
/// ...` (`code` formats the file name); empty without one.
pub fn faults_note(columns: usize, code: &dyn Fn(&str) -> String) -> String {
    if columns == 0 {
        return String::new();
    }
    let n = match columns {
        3 => "three",
        4 => "four",
        5 => "five",
        _ => "",
    };
    let n = if n.is_empty() {
        columns.to_string()
    } else {
        n.to_string()
    };
    format!(
        "; the last {n} columns, how each fared under its faults (from its {}: the faults \
         that struck, the requests failed or timed out while one lasted, and the longest \
         times to detect and to recover)",
        code("recovery.csv")
    )
}

/// What an empty cell shows: an en dash.
pub const EMPTY: &str = "\u{2013}";

fn text(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}

/// Whether a cell is a plain decimal number as the CSVs print them (not
/// `inf`, `NaN` or a word that Rust would also parse).
fn is_number(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        && s.parse::<f64>().is_ok()
}

/// A file the report links, by its path relative to the scenario folder.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// `/`-separated, not yet encoded: see [`url_path`].
    pub path: String,
    /// Its file name.
    pub name: String,
    /// What it shows, for a known plot.
    pub caption: Option<&'static str>,
    /// Width and height, read from a PNG's header when it has one.
    pub size: Option<(u32, u32)>,
}

impl Link {
    /// The file name without its extension: the plot's short name.
    pub fn stem(&self) -> &str {
        self.name.rsplit_once('.').map_or(&self.name, |(s, _)| s)
    }
}

/// A table with the file it comes from.
#[derive(Clone, Debug, PartialEq)]
pub struct Sourced {
    /// The file, relative to the scenario folder.
    pub source: String,
    /// Its content, as read.
    pub table: Table,
    /// How the report shows it.
    pub view: View,
}

impl Sourced {
    /// `table`, read from `source`, a file of kind `kind`.
    pub fn new(source: String, kind: Source, table: Table) -> Sourced {
        let view = View::of(kind, &table);
        Sourced {
            source,
            table,
            view,
        }
    }

    /// Reads `folder/name` of `dir` as a file of kind `kind`; `None` when
    /// it does not exist.
    fn read(dir: &Path, folder: &str, name: &str, kind: Source) -> io::Result<Option<Sourced>> {
        Ok(Table::read(&dir.join(folder).join(name))?
            .map(|t| Sourced::new(format!("{folder}/{name}"), kind, t)))
    }
}

/// The comparison of variants.
#[derive(Clone, Debug, PartialEq)]
pub struct ComparisonPart {
    /// `comparison/comparison.csv`, when it exists.
    pub table: Option<Sourced>,
    /// Its plots that exist.
    pub plots: Vec<Link>,
    /// Its data-tier plots that exist.
    pub data_tier: Vec<Link>,
    /// How many columns of the faults headline end the table (0 unless the
    /// variants fared differently under their faults).
    pub faults: usize,
}

/// One variant's run.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantPart {
    /// The variant (its folder's name).
    pub name: String,
    /// The anchor of its section in the HTML page.
    pub anchor: String,
    /// Whether its folder exists.
    pub found: bool,
    /// Its `summary.csv`, when it exists.
    pub summary: Option<Sourced>,
    /// Its faults and recovery, when it wrote `recovery.csv`.
    pub faults: Option<FaultsPart>,
    /// Its plots that exist (those of the data tier apart).
    pub plots: Vec<Link>,
    /// Its data-tier plots that exist: caches, databases, queues.
    pub data_tier: Vec<Link>,
    /// Its data centers, when it had some.
    pub geo: Option<GeoPart>,
    /// Its replication, when a database had another topology than
    /// primary/replica.
    pub replication: Option<ReplicationPart>,
    /// Its [flow] calls, when a service had some.
    pub calls: Option<CallsPart>,
    /// `topology.svg`, when the run drew it.
    pub topology: Option<Link>,
    /// Its data files that exist.
    pub data: Vec<Link>,
}

impl VariantPart {
    /// Its data file `name`, when the run wrote it.
    pub fn data_file(&self, name: &str) -> Option<&Link> {
        self.data.iter().find(|l| l.name == name)
    }
}

/// What a run with data centers shows in its "Data centers" section, each
/// part when its file has it.
#[derive(Clone, Debug, PartialEq)]
pub struct GeoPart {
    /// The origins' rows of `summary.csv` (`origin:NAME`), a few columns.
    pub origins: Option<Sourced>,
    /// `datacenters_summary.csv`.
    pub datacenters: Option<Sourced>,
    /// `links_summary.csv`.
    pub links: Option<Sourced>,
    /// `geo.png`.
    pub plot: Option<Link>,
}

impl GeoPart {
    /// The section of `folder`; `None` when the run had no data centers
    /// (none of its files, no origin in its summary).
    fn load(dir: &Path, folder: &str, summary: Option<&Sourced>) -> io::Result<Option<GeoPart>> {
        let origins = summary.and_then(origin_rows);
        let plot = link(dir, folder, GEO_PLOT.0)?.map(|mut l| {
            l.caption = Some(GEO_PLOT.1);
            l
        });
        let part = GeoPart {
            origins,
            datacenters: Sourced::read(
                dir,
                folder,
                "datacenters_summary.csv",
                Source::Datacenters,
            )?,
            links: Sourced::read(dir, folder, "links_summary.csv", Source::Links)?,
            plot,
        };
        let any = part.origins.is_some()
            || part.datacenters.is_some()
            || part.links.is_some()
            || part.plot.is_some();
        Ok(any.then_some(part))
    }
}

/// What a run with a database of another topology than primary/replica
/// shows in its "Replication" section, each part when its file exists.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicationPart {
    /// `replication_summary.csv`: each such database's totals.
    pub totals: Option<Sourced>,
    /// `replication.png`.
    pub plot: Option<Link>,
}

impl ReplicationPart {
    /// The section of `folder`; `None` when the run wrote neither file.
    fn load(dir: &Path, folder: &str) -> io::Result<Option<ReplicationPart>> {
        let totals = Sourced::read(dir, folder, "replication_summary.csv", Source::Replication)?;
        let plot = link(dir, folder, REPLICATION_PLOT.0)?.map(|mut l| {
            l.caption = Some(REPLICATION_PLOT.1);
            l
        });
        let any = totals.is_some() || plot.is_some();
        Ok(any.then_some(ReplicationPart { totals, plot }))
    }
}

/// What a run with [flow] calls shows in its "Calls" section, each part
/// when its file exists.
#[derive(Clone, Debug, PartialEq)]
pub struct CallsPart {
    /// `calls_summary.csv`: each entry's totals, then the services' calls
    /// taken out of their lines.
    pub totals: Option<Sourced>,
    /// `calls.png`.
    pub plot: Option<Link>,
}

impl CallsPart {
    /// The section of `folder`; `None` when the run wrote neither file.
    fn load(dir: &Path, folder: &str) -> io::Result<Option<CallsPart>> {
        let totals = Sourced::read(dir, folder, "calls_summary.csv", Source::Calls)?;
        let plot = link(dir, folder, CALLS_PLOT.0)?.map(|mut l| {
            l.caption = Some(CALLS_PLOT.1);
            l
        });
        let any = totals.is_some() || plot.is_some();
        Ok(any.then_some(CallsPart { totals, plot }))
    }
}

/// The origins' rows of a summary (`class` `origin:NAME`) under
/// [`ORIGIN_COLUMNS`], cells as printed; `None` without any.
fn origin_rows(summary: &Sourced) -> Option<Sourced> {
    let t = &summary.table;
    let class = t.class_column?;
    let columns: Vec<usize> = ORIGIN_COLUMNS
        .iter()
        .filter_map(|c| t.header.iter().position(|h| h == c))
        .collect();
    let rows: Vec<Vec<String>> = t
        .rows
        .iter()
        .filter(|r| r[class].starts_with(ORIGIN_PREFIX))
        .map(|r| columns.iter().map(|&c| r[c].clone()).collect())
        .collect();
    if rows.is_empty() {
        return None;
    }
    let header = columns.iter().map(|&c| t.header[c].clone()).collect();
    Some(Sourced::new(
        summary.source.clone(),
        Source::Origins,
        Table::new(header, rows),
    ))
}

/// How a variant coped with its faults.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultsPart {
    /// `recovery.csv`, its first [`RECOVERY_ROWS_SHOWN`] rows.
    pub recovery: Sourced,
    /// Rows of the file not shown.
    pub more: usize,
    /// The SLO verdict, when the run had an SLO.
    pub slo: Option<String>,
    /// The faults headline of every row of the file; `None` when no fault
    /// struck.
    pub headline: Option<FaultHeadline>,
}

/// Everything a report shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The scenario's name.
    pub scenario: String,
    /// Paragraphs of the description.
    pub description: Vec<String>,
    /// Facts of the run.
    pub facts: Vec<(String, String)>,
    /// How to read the tables (see [`legend`]).
    pub legend: Vec<Inline>,
    /// The comparison, when its folder has anything to show.
    pub comparison: Option<ComparisonPart>,
    /// The variants, in the order given.
    pub variants: Vec<VariantPart>,
}

impl Document {
    /// Gathers what the report shows from the scenario's folder.
    pub fn load(input: &ReportInput) -> io::Result<Document> {
        let dir = input.scenario_dir;
        let mut comparison = {
            let table = Sourced::read(dir, "comparison", "comparison.csv", Source::Comparison)?;
            let (plots, data_tier) = plots(
                dir,
                "comparison",
                COMPARISON_PLOTS,
                COMPARISON_DATA_TIER_PLOTS,
            )?;
            (table.is_some() || !plots.is_empty() || !data_tier.is_empty()).then_some(
                ComparisonPart {
                    table,
                    plots,
                    data_tier,
                    faults: 0,
                },
            )
        };
        let mut anchors: Vec<String> = vec!["top".into(), "comparison".into()];
        let mut variants = Vec::new();
        // Every row of each variant's recovery.csv, to tell whether they
        // fared differently.
        let mut recoveries: Vec<Option<Table>> = Vec::new();
        for name in input.variants {
            let anchor = unique_anchor(&format!("variant-{}", anchor_text(name)), &anchors);
            anchors.push(anchor.clone());
            let (part, recovery) = VariantPart::load(input, name, anchor)?;
            variants.push(part);
            recoveries.push(recovery);
        }
        if let Some(view) = comparison
            .as_mut()
            .and_then(|c| c.table.as_mut().map(|t| &mut t.view))
        {
            let struck = recoveries.iter().flatten().any(|t| !t.rows.is_empty());
            let differ = recoveries.windows(2).any(|w| w[0] != w[1]);
            if struck && differ {
                let headlines: Vec<(String, Option<FaultHeadline>)> = variants
                    .iter()
                    .map(|v| {
                        let h = v.faults.as_ref().and_then(|f| f.headline.clone());
                        (v.name.clone(), h)
                    })
                    .collect();
                let added = view::add_fault_columns(view, &headlines);
                comparison.as_mut().expect("a comparison").faults = added;
            }
        }
        let views: Vec<&View> = comparison
            .iter()
            .filter_map(|c| c.table.as_ref())
            .chain(variants.iter().flat_map(VariantPart::tables))
            .map(|s| &s.view)
            .collect();
        Ok(Document {
            scenario: input.scenario.to_string(),
            description: paragraphs(input.description),
            facts: input.facts.to_vec(),
            legend: legend(&views),
            comparison,
            variants,
        })
    }
}

impl VariantPart {
    /// The part of variant `name` (its folder), with every row of its
    /// `recovery.csv` (the part keeps the first [`RECOVERY_ROWS_SHOWN`]).
    fn load(
        input: &ReportInput,
        name: &str,
        anchor: String,
    ) -> io::Result<(VariantPart, Option<Table>)> {
        let dir = input.scenario_dir;
        let summary = Sourced::read(dir, name, "summary.csv", Source::Summary)?;
        let (mut plots, data_tier) = plots(dir, name, RUN_PLOTS, RUN_DATA_TIER_PLOTS)?;
        // Shown in their own sections.
        plots.retain(|p| {
            p.name != GEO_PLOT.0
                && p.name != REPLICATION_PLOT.0
                && p.name != CALLS_PLOT.0
                && p.name != TOPOLOGY.1
        });
        let topology = link(dir, name, TOPOLOGY.0)?.map(|mut l| {
            l.caption = Some(TOPOLOGY.2);
            l
        });
        let geo = GeoPart::load(dir, name, summary.as_ref())?;
        let replication = ReplicationPart::load(dir, name)?;
        let calls = CallsPart::load(dir, name)?;
        let recovery = Table::read(&dir.join(name).join("recovery.csv"))?;
        let faults = recovery.clone().map(|mut t| {
            let headline = FaultHeadline::of(&t);
            let more = t.rows.len().saturating_sub(RECOVERY_ROWS_SHOWN);
            t.rows.truncate(RECOVERY_ROWS_SHOWN);
            FaultsPart {
                recovery: Sourced::new(format!("{name}/recovery.csv"), Source::Recovery, t),
                more,
                slo: input
                    .slo
                    .iter()
                    .find(|(v, _)| v == name)
                    .map(|(_, s)| s.clone()),
                headline,
            }
        });
        let part = VariantPart {
            name: name.to_string(),
            anchor,
            found: dir.join(name).is_dir(),
            summary,
            faults,
            plots,
            data_tier,
            geo,
            replication,
            calls,
            topology,
            data: files(dir, name, RUN_DATA)?,
        };
        Ok((part, recovery))
    }

    /// Its tables, in the order shown.
    fn tables(&self) -> impl Iterator<Item = &Sourced> {
        let geo = self.geo.iter().flat_map(|g| {
            [g.origins.as_ref(), g.datacenters.as_ref(), g.links.as_ref()]
                .into_iter()
                .flatten()
        });
        self.summary
            .iter()
            .chain(self.faults.iter().map(|f| &f.recovery))
            .chain(geo)
            .chain(self.replication.iter().filter_map(|r| r.totals.as_ref()))
            .chain(self.calls.iter().filter_map(|c| c.totals.as_ref()))
    }
}

/// Paragraphs of a text: separated by blank lines, lines joined by a space.
fn paragraphs(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for line in s.lines().map(str::trim) {
        if line.is_empty() {
            if !cur.is_empty() {
                out.push(cur.join(" "));
                cur.clear();
            }
        } else {
            cur.push(line);
        }
    }
    if !cur.is_empty() {
        out.push(cur.join(" "));
    }
    out
}

/// An HTML id from a name: letters, digits, `_` and `-` kept, anything else
/// as `.XX` hex bytes.
fn anchor_text(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            out.push(b as char);
        } else {
            out.push_str(&format!(".{b:02X}"));
        }
    }
    out
}

fn unique_anchor(base: &str, taken: &[String]) -> String {
    let mut a = base.to_string();
    let mut n = 2;
    while taken.contains(&a) {
        a = format!("{base}-{n}");
        n += 1;
    }
    a
}

/// The plots of `folder` that exist: the `known` ones in their order, then
/// any other PNG in the folder by name (temporary files, whose names start
/// with a dot, never); and apart, the data tier's (`tier`) in their order.
fn plots(
    dir: &Path,
    folder: &str,
    known: &[(&str, &'static str)],
    tier: &[(&str, &'static str)],
) -> io::Result<(Vec<Link>, Vec<Link>)> {
    let captioned = |list: &[(&str, &'static str)]| -> io::Result<Vec<Link>> {
        let mut out = Vec::new();
        for (name, caption) in list {
            if let Some(mut link) = link(dir, folder, name)? {
                link.caption = Some(caption);
                out.push(link);
            }
        }
        Ok(out)
    };
    let mut out = captioned(known)?;
    let data_tier = captioned(tier)?;
    let mut others: Vec<String> = match fs::read_dir(dir.join(folder)) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| {
                !n.starts_with('.')
                    && n.len() > 4
                    && n[n.len() - 4..].eq_ignore_ascii_case(".png")
                    && !known.iter().chain(tier).any(|(k, _)| k == n)
            })
            .collect(),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            Vec::new()
        }
        Err(e) => return Err(e),
    };
    others.sort();
    for name in others {
        if let Some(link) = link(dir, folder, &name)? {
            out.push(link);
        }
    }
    Ok((out, data_tier))
}

/// The files of `names` in `folder` that exist.
fn files(dir: &Path, folder: &str, names: &[&str]) -> io::Result<Vec<Link>> {
    let mut out = Vec::new();
    for name in names {
        if let Some(link) = link(dir, folder, name)? {
            out.push(link);
        }
    }
    Ok(out)
}

/// A link to `folder/name` when it is a file.
fn link(dir: &Path, folder: &str, name: &str) -> io::Result<Option<Link>> {
    let path = dir.join(folder).join(name);
    if !path.is_file() {
        return Ok(None);
    }
    let lower = name.to_ascii_lowercase();
    let size = if lower.ends_with(".png") {
        png_size(&path)?
    } else if lower.ends_with(".svg") {
        svg_size(&path)?
    } else {
        None
    };
    Ok(Some(Link {
        path: format!("{folder}/{name}"),
        name: name.to_string(),
        caption: None,
        size,
    }))
}

/// A PNG's width and height from its header; `None` when it is not a PNG.
fn png_size(path: &Path) -> io::Result<Option<(u32, u32)>> {
    use std::io::Read;
    let mut head = [0u8; 24];
    let mut f = fs::File::open(path)?;
    let mut got = 0;
    while got < head.len() {
        match f.read(&mut head[got..])? {
            0 => return Ok(None),
            n => got += n,
        }
    }
    if &head[..8] != b"\x89PNG\r\n\x1a\n" || &head[12..16] != b"IHDR" {
        return Ok(None);
    }
    let w = u32::from_be_bytes([head[16], head[17], head[18], head[19]]);
    let h = u32::from_be_bytes([head[20], head[21], head[22], head[23]]);
    Ok((w > 0 && h > 0).then_some((w, h)))
}

/// An SVG's width and height in pixels from its root's `width` and
/// `height` attributes (as capsim writes them: whole numbers first in the
/// file); `None` when they are not there.
fn svg_size(path: &Path) -> io::Result<Option<(u32, u32)>> {
    let text = fs::read_to_string(path)?;
    let Some(root) = text.find("<svg").map(|i| &text[i..]) else {
        return Ok(None);
    };
    let root = &root[..root.find('>').unwrap_or(root.len())];
    let attr = |name: &str| -> Option<u32> {
        let v = root
            .split(&format!(" {name}=\""))
            .nth(1)?
            .split('"')
            .next()?;
        let x: f64 = v.parse().ok()?;
        (1.0..1e6).contains(&x).then(|| x.round() as u32)
    };
    Ok(attr("width").zip(attr("height")))
}

/// A relative path as a URL: each segment percent-encoded except for
/// letters, digits and `-._~`, segments joined by `/`.
pub fn url_path(path: &str) -> String {
    let mut out = String::new();
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        for b in seg.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_plain_decimals() {
        for s in ["0", "12", "-3.5", "0.0123", "1e-3", "1486692"] {
            assert!(is_number(s), "{s}");
        }
        for s in ["", "inf", "NaN", "all", "api", "1.2.3", "-", "e"] {
            assert!(!is_number(s), "{s}");
        }
    }

    #[test]
    fn ragged_rows_are_padded_and_numeric_columns_found() {
        let t = Table::new(
            vec!["class".into(), "n".into()],
            vec![
                vec!["a".into(), "1".into()],
                vec!["all".into(), "".into(), "x".into()],
            ],
        );
        assert_eq!(t.header.len(), 3);
        assert!(t.rows.iter().all(|r| r.len() == 3));
        assert_eq!(t.numeric, vec![false, true, false]);
        assert!(t.is_total(&t.rows[1]));
    }

    #[test]
    fn paths_and_anchors_are_safe() {
        assert_eq!(url_path("base/latency.png"), "base/latency.png");
        assert_eq!(url_path("a b/<x>.png"), "a%20b/%3Cx%3E.png");
        assert_eq!(anchor_text("scale-up_2"), "scale-up_2");
        assert_eq!(anchor_text("a b"), "a.20b");
        assert_eq!(
            paragraphs(" one\n two \n\n\nthree\n"),
            vec!["one two", "three"]
        );
    }
}
