//! How the report shows a CSV's table: the columns of each known file in
//! the reader's order (response times first) under headers in the reader's
//! words with their units (`p99 (ms)`, `error rate`), shares as
//! percentages, every cell of a column with the same decimals and its
//! thousands grouped, a figure's `_lo`/`_hi` folded into `mean ± half-width`
//! (the terminal's form), and the columns empty in every row left out. The
//! CSV keeps every column under its documented name; the report links it.
//!
//! Which column means what comes from the files' schema
//! ([`crate::report::schema`]), never from which cells happen to be filled.

use super::Table;
use crate::report::format::{grouped_fixed, percent, significant_decimals};

pub use crate::report::format::CURRENCY;

/// Which file a table comes from, which says what its columns mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A run's `summary.csv`.
    Summary,
    /// The origins' rows of `summary.csv` (`origin:NAME`).
    Origins,
    /// `comparison/comparison.csv`.
    Comparison,
    /// `recovery.csv`.
    Recovery,
    /// `datacenters_summary.csv`.
    Datacenters,
    /// `links_summary.csv`.
    Links,
    /// `replication_summary.csv`.
    Replication,
    /// `calls_summary.csv`.
    Calls,
}

/// How a column's cells read, which sets their format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A name or a word, left-aligned, as printed.
    Text,
    /// A count (a mean per run across replications may have a decimal).
    Count,
    /// Milliseconds, three significant digits in the column's smallest.
    Ms,
    /// A fraction shown as a percentage.
    Share,
    /// Per second.
    Rate,
    /// Seconds, as many decimals as the file gives.
    Seconds,
    /// Money, at least cents.
    Money,
    /// Any other number, three significant digits in the smallest, at most
    /// the decimals the file gives.
    Number,
}

/// A column the report shows: its name in the file, its header, its unit,
/// and what an empty cell says (a dash unless the column says more).
#[derive(Clone, Copy)]
struct Column {
    csv: &'static str,
    header: &'static str,
    unit: Unit,
    empty: Option<&'static str>,
}

const fn col(csv: &'static str, header: &'static str, unit: Unit) -> Column {
    Column {
        csv,
        header,
        unit,
        empty: None,
    }
}

/// The response times, in the order the percentiles are read.
const LATENCIES: [Column; 6] = [
    col("latency_p50_ms", "p50 (ms)", Unit::Ms),
    col("latency_p90_ms", "p90 (ms)", Unit::Ms),
    col("latency_p99_ms", "p99 (ms)", Unit::Ms),
    col("latency_p999_ms", "p99.9 (ms)", Unit::Ms),
    col("latency_max_ms", "max (ms)", Unit::Ms),
    col("latency_mean_ms", "mean (ms)", Unit::Ms),
];

const SUMMARY: &[Column] = &[
    col("class", "class", Unit::Text),
    LATENCIES[0],
    LATENCIES[1],
    LATENCIES[2],
    LATENCIES[3],
    LATENCIES[4],
    LATENCIES[5],
    col("requests", "requests", Unit::Count),
    col("ok", "ok", Unit::Count),
    col("rejected", "rejected", Unit::Count),
    col("timed_out", "timed out", Unit::Count),
    col("failed", "failed", Unit::Count),
    col("error_rate", "error rate", Unit::Share),
    col("throughput_rps", "throughput (req/s)", Unit::Rate),
    col("goodput_rps", "goodput (req/s)", Unit::Rate),
    col("cost_per_hour", "cost ($/hour)", Unit::Money),
    col("cost_per_million", "cost per million ($)", Unit::Money),
    col("cost_total", "run cost ($)", Unit::Money),
    col("sessions_lost", "sessions lost", Unit::Count),
];

/// Columns of `summary.csv` said once in the note, not on every row: the
/// section names the variant; every row has the same replications and
/// warm-up.
const SUMMARY_NOTED: &[&str] = &["variant", "replications", "warmup_s"];

const ORIGINS: &[Column] = &[
    col("class", "origin", Unit::Text),
    LATENCIES[0],
    LATENCIES[2],
    LATENCIES[5],
    col("requests", "requests", Unit::Count),
    col("error_rate", "error rate", Unit::Share),
];

const COMPARISON: &[Column] = &[
    col("variant", "variant", Unit::Text),
    LATENCIES[0],
    LATENCIES[1],
    LATENCIES[2],
    LATENCIES[3],
    col("error_rate", "error rate", Unit::Share),
    col("requests", "requests", Unit::Count),
    col("throughput_rps", "throughput (req/s)", Unit::Rate),
    col("goodput_rps", "goodput (req/s)", Unit::Rate),
    col("busiest", "busiest", Unit::Text),
    col("max_utilization", "its utilisation", Unit::Share),
    col("cost_per_hour", "cost ($/hour)", Unit::Money),
    col("cost_per_million", "cost per million ($)", Unit::Money),
    col("cost_total", "run cost ($)", Unit::Money),
];

const RECOVERY: &[Column] = &[
    col("fault", "fault", Unit::Text),
    col("target", "target", Unit::Text),
    col("start_s", "at (s)", Unit::Seconds),
    col("end_s", "ended (s)", Unit::Seconds),
    Column {
        empty: Some("not detected"),
        ..col("time_to_detect_s", "detected after (s)", Unit::Seconds)
    },
    Column {
        empty: Some("not recovered"),
        ..col("time_to_recover_s", "recovered after (s)", Unit::Seconds)
    },
    col("requests_failed", "failed", Unit::Count),
    col("requests_timed_out", "timed out", Unit::Count),
    col("lost_writes", "lost writes", Unit::Count),
    col("sessions_lost", "sessions lost", Unit::Count),
];

/// Columns of `recovery.csv` the table leaves to the file: the instants of
/// detection and recovery are the start plus the times after it shown.
const RECOVERY_LEFT: &[&str] = &["detected_s", "recovered_s"];

const DATACENTERS: &[Column] = &[
    col("datacenter", "data center", Unit::Text),
    col("requests_in", "requests in", Unit::Count),
    col("ok", "ok", Unit::Count),
    col("failed", "failed", Unit::Count),
    col("utilization", "utilisation", Unit::Share),
    col("outage_s", "outage (s)", Unit::Seconds),
];

const LINKS: &[Column] = &[
    col("link", "link", Unit::Text),
    col("messages", "messages", Unit::Count),
    col("gb", "GB", Unit::Number),
    col("delay_ms_mean", "mean delay (ms)", Unit::Ms),
    col("utilization", "utilisation", Unit::Share),
    col("egress_cost", "egress cost ($)", Unit::Money),
];

const REPLICATION: &[Column] = &[
    col("component", "database", Unit::Text),
    col("topology", "topology", Unit::Text),
    col("writes", "writes", Unit::Count),
    col("conflicts", "conflicts", Unit::Count),
    col(
        "conflicts_per_1000_writes",
        "conflicts per 1000 writes",
        Unit::Number,
    ),
    col("lost_updates", "lost updates", Unit::Count),
    col("reads", "reads", Unit::Count),
    col("stale_reads", "stale reads", Unit::Count),
    col("stale_read_rate", "stale share of reads", Unit::Share),
    col("unavailable", "unavailable", Unit::Count),
];

const CALLS: &[Column] = &[
    col("caller", "caller", Unit::Text),
    col("call", "call", Unit::Text),
    col("options", "options", Unit::Text),
    col("made", "made", Unit::Count),
    col("sent", "sent", Unit::Count),
    col("hedges", "hedges", Unit::Count),
    col("hedge_wins", "hedge wins", Unit::Count),
    col("abandoned", "abandoned", Unit::Count),
    col("ok", "ok", Unit::Count),
    col("failed", "failed", Unit::Count),
    col("pool_waits", "pool waits", Unit::Count),
    col("pool_wait_ms", "mean pool wait (ms)", Unit::Ms),
    col("bulkhead_rejected", "bulkhead rejected", Unit::Count),
    col("hedge_rate", "hedges per call", Unit::Number),
    col("abandoned_per_call", "abandoned per call", Unit::Number),
    col("cancelled", "cancelled", Unit::Count),
];

impl Source {
    /// The columns shown, in order, and those left out on purpose.
    fn columns(self) -> (&'static [Column], &'static [&'static str]) {
        match self {
            Source::Summary => (SUMMARY, SUMMARY_NOTED),
            Source::Origins => (ORIGINS, &[]),
            Source::Comparison => (COMPARISON, &[]),
            Source::Recovery => (RECOVERY, RECOVERY_LEFT),
            Source::Datacenters => (DATACENTERS, &[]),
            Source::Links => (LINKS, &[]),
            Source::Replication => (REPLICATION, &[]),
            Source::Calls => (CALLS, &[]),
        }
    }
}

/// A cell as shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// Its text; for an empty cell, what the column says of it.
    pub text: String,
    /// Nothing measured: shown muted.
    pub empty: bool,
}

/// A row as shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// One cell per column.
    pub cells: Vec<Cell>,
    /// The `all` row of a summary: the total.
    pub total: bool,
}

/// A table as the report shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    /// The headers, in the reader's words.
    pub header: Vec<String>,
    /// Per column, its unit.
    pub units: Vec<Unit>,
    /// Per column: right-aligned (a number).
    pub numeric: Vec<bool>,
    /// The rows in the file's order.
    pub rows: Vec<Row>,
    /// The column of variant names (linked to their sections in the
    /// comparison).
    pub variant_column: Option<usize>,
    /// Some figure has an interval across replications (`±`).
    pub intervals: bool,
    /// Some column is a response time (p50 ... max, mean).
    pub latencies: bool,
    /// Replications behind each figure (`summary.csv`'s column), when more
    /// than one.
    pub replications: Option<u64>,
}

/// A column being built: its header, unit, and cells.
struct Built {
    header: String,
    unit: Unit,
    cells: Vec<Cell>,
}

impl View {
    /// The view of `table`, a file of kind `source`: its known columns in
    /// order, then any other column of the file under its own name.
    pub fn of(source: Source, table: &Table) -> View {
        let (known, left) = source.columns();
        let at = |name: &str| table.header.iter().position(|h| h == name);
        let mut used = vec![false; table.header.len()];
        let mut built = Vec::new();
        let mut intervals = false;
        let mut latencies = false;
        for c in known {
            let Some(i) = at(c.csv) else { continue };
            latencies |= LATENCIES.iter().any(|l| l.csv == c.csv);
            used[i] = true;
            let lo = at(&format!("{}_lo", c.csv));
            let hi = at(&format!("{}_hi", c.csv));
            for j in [lo, hi].into_iter().flatten() {
                used[j] = true;
            }
            let b = build_column(table, c, i, lo.zip(hi));
            intervals |= b.cells.iter().any(|c| c.text.contains(" ± "));
            built.push(b);
        }
        for name in left {
            if let Some(i) = at(name) {
                used[i] = true;
            }
        }
        // A column the schema does not describe yet, as printed.
        for (i, h) in table.header.iter().enumerate() {
            if used[i] || h.is_empty() {
                continue;
            }
            let unit = if table.numeric[i] {
                Unit::Number
            } else {
                Unit::Text
            };
            let c = Column {
                csv: "",
                header: "",
                unit,
                empty: None,
            };
            let mut b = build_column(table, &c, i, None);
            b.header = h.replace('_', " ");
            built.push(b);
        }
        // Nothing in any row: nothing to show.
        built.retain(|b| b.cells.iter().any(|c| !c.empty));
        if source == Source::Comparison {
            merge_busiest(&mut built);
        }
        let replications = match source {
            Source::Summary => at("replications").and_then(|i| {
                table
                    .rows
                    .iter()
                    .filter_map(|r| r[i].trim().parse::<u64>().ok())
                    .max()
                    .filter(|&n| n > 1)
            }),
            _ => None,
        };
        let variant_column = match source {
            Source::Comparison => built.iter().position(|b| b.header == "variant"),
            _ => None,
        };
        let total = |r: usize| matches!(source, Source::Summary) && table.is_total(&table.rows[r]);
        // One class and `all`: the same figures twice; `all` alone says
        // them, as on the terminal.
        let class_rows: Vec<usize> = match (source, table.class_column) {
            (Source::Summary, Some(c)) => (0..table.rows.len())
                .filter(|&r| {
                    let class = &table.rows[r][c];
                    class != "all" && !class.starts_with(crate::report::geo::ORIGIN_PREFIX)
                })
                .collect(),
            _ => Vec::new(),
        };
        let twice = class_rows.len() == 1 && table.rows.iter().any(|r| table.is_total(r));
        let rows = (0..table.rows.len())
            .filter(|r| !(twice && class_rows[0] == *r))
            .map(|r| Row {
                cells: built.iter().map(|b| b.cells[r].clone()).collect(),
                total: total(r),
            })
            .collect();
        View {
            header: built.iter().map(|b| b.header.clone()).collect(),
            units: built.iter().map(|b| b.unit).collect(),
            numeric: built.iter().map(|b| b.unit != Unit::Text).collect(),
            rows,
            variant_column,
            intervals,
            latencies,
            replications,
        }
    }

    /// Adds a column after the others: `header`, `unit`, one cell per row.
    pub fn push_column(&mut self, header: &str, unit: Unit, cells: Vec<Cell>) {
        debug_assert_eq!(cells.len(), self.rows.len());
        self.header.push(header.to_string());
        self.units.push(unit);
        self.numeric.push(unit != Unit::Text);
        for (row, cell) in self.rows.iter_mut().zip(cells) {
            row.cells.push(cell);
        }
    }

    /// Whether some column is in `unit`.
    pub fn has(&self, unit: Unit) -> bool {
        self.units.contains(&unit)
    }

    /// Whether some cell is empty and shows the dash.
    pub fn has_dash(&self) -> bool {
        self.rows
            .iter()
            .flat_map(|r| &r.cells)
            .any(|c| c.empty && c.text == super::EMPTY)
    }
}

/// The busiest component and its utilisation in one column, `web (37.44%)`,
/// as the terminal shows them: one figure, not two columns to read across.
fn merge_busiest(built: &mut Vec<Built>) {
    let at = |h: &str| built.iter().position(|b| b.header == h);
    let (Some(mut name), Some(util)) = (at("busiest"), at("its utilisation")) else {
        return;
    };
    let util = {
        if util < name {
            name -= 1;
        }
        built.remove(util)
    };
    let name = &mut built[name];
    name.header = "busiest (utilisation)".to_string();
    for (cell, u) in name.cells.iter_mut().zip(util.cells) {
        if !cell.empty && !u.empty {
            cell.text = format!("{} ({})", cell.text, u.text);
        }
    }
}

/// A number as the file prints it, when it is one.
fn number(s: &str) -> Option<f64> {
    let s = s.trim();
    (!s.is_empty())
        .then(|| s.parse::<f64>().ok())
        .flatten()
        .filter(|v| v.is_finite())
}

/// Decimals as printed in the file (`12.35` has 2).
fn printed_decimals(s: &str) -> usize {
    let s = s.trim();
    match s.split_once('.') {
        Some((_, f)) if !s.contains(['e', 'E']) => f.len(),
        _ => 0,
    }
}

/// The decimals every cell of a column of `unit` gets, from its cells as
/// printed and the half-widths of their intervals (`widths`): three
/// significant digits in the smallest value, or more where the smallest
/// half-width needs them to show one (`320.9 ± 0.3`), never more than the
/// file prints.
fn decimals(unit: Unit, cells: &[&str], widths: &[f64]) -> usize {
    let smallest = |values: &mut dyn Iterator<Item = f64>| {
        values
            .map(f64::abs)
            .filter(|v| *v > 0.0 && v.is_finite())
            .reduce(f64::min)
    };
    let value = smallest(&mut cells.iter().filter_map(|c| number(c)));
    let width = smallest(&mut widths.iter().copied());
    let printed = cells.iter().map(|c| printed_decimals(c)).max().unwrap_or(0);
    let sig =
        |lo, hi| significant_decimals(value, 3, lo, hi).max(significant_decimals(width, 1, lo, hi));
    match unit {
        Unit::Ms => sig(0, 3).min(printed),
        Unit::Rate => sig(1, 3).min(printed.max(1)),
        Unit::Money => sig(2, 4).min(printed.max(2)),
        Unit::Share => 2,
        // A mean per run across replications has a decimal; where the
        // counts run to hundreds it is noise.
        Unit::Count if value.is_some_and(|v| v >= 100.0) => 0,
        Unit::Count => printed.min(1),
        Unit::Seconds => printed.min(3),
        Unit::Number => sig(0, 4).min(printed),
        Unit::Text => 0,
    }
}

/// A number of `unit` with `d` decimals.
fn show(unit: Unit, v: f64, d: usize) -> String {
    match unit {
        Unit::Share => percent(v, d),
        _ => grouped_fixed(v, d),
    }
}

/// Column `i` of `table` as shown by `c`; with `interval` (the indices of
/// its `_lo` and `_hi` columns), a row with both ends is `mean ± half-width`.
fn build_column(table: &Table, c: &Column, i: usize, interval: Option<(usize, usize)>) -> Built {
    let origin = |s: &str| -> String {
        s.strip_prefix(crate::report::geo::ORIGIN_PREFIX)
            .unwrap_or(s)
            .to_string()
    };
    let half = |r: &[String]| -> Option<f64> {
        let (lo, hi) = interval?;
        Some((number(&r[hi])? - number(&r[lo])?) / 2.0)
    };
    let printed: Vec<&str> = table.rows.iter().map(|r| r[i].as_str()).collect();
    let widths: Vec<f64> = table.rows.iter().filter_map(|r| half(r)).collect();
    let d = decimals(c.unit, &printed, &widths);
    let cells = table
        .rows
        .iter()
        .map(|r| {
            let raw = r[i].trim();
            if raw.is_empty() {
                return Cell {
                    text: c.empty.unwrap_or(super::EMPTY).to_string(),
                    empty: true,
                };
            }
            let text = match (c.unit, number(raw)) {
                (Unit::Text, _) if c.csv == "class" && c.header == "origin" => origin(raw),
                (Unit::Text, _) | (_, None) => raw.to_string(),
                (unit, Some(v)) => match half(r) {
                    Some(h) => format!("{} ± {}", show(unit, v, d), show(unit, h, d)),
                    None => show(unit, v, d),
                },
            };
            Cell { text, empty: false }
        })
        .collect();
    Built {
        header: c.header.to_string(),
        unit: c.unit,
        cells,
    }
}

/// How a variant fared under its faults, from every row of its
/// `recovery.csv` (by the schema's column names): the comparison's faults
/// headline.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultHeadline {
    /// Faults that struck.
    pub faults: usize,
    /// Requests that failed while a fault lasted, summed over the faults.
    pub failed: f64,
    /// Requests that timed out meanwhile.
    pub timed_out: f64,
    /// The longest time to detect a fault, and how many were never detected.
    pub detect: Longest,
    /// The longest time to recover, and how many never recovered.
    pub recover: Longest,
}

/// The longest of a set of times after a fault struck, as printed, and how
/// many faults have none (never detected, never recovered).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Longest {
    /// Seconds, as the file prints them.
    pub seconds: Option<String>,
    /// Faults without the time.
    pub missing: usize,
}

impl Longest {
    fn of(cells: impl Iterator<Item = String>) -> Longest {
        let mut out = Longest::default();
        let mut best = f64::NEG_INFINITY;
        for c in cells {
            match number(&c) {
                Some(v) if v > best => {
                    best = v;
                    out.seconds = Some(c.trim().to_string());
                }
                Some(_) => {}
                None => out.missing += 1,
            }
        }
        out
    }

    /// The cell: the longest in seconds with `d` decimals, or how many
    /// faults never got there (`not detected`, `1 of 3 not detected`).
    fn cell(&self, faults: usize, never: &str, d: usize) -> Cell {
        if self.missing > 0 {
            let text = if faults == 1 {
                never.to_string()
            } else {
                format!("{} of {faults} {never}", self.missing)
            };
            return Cell { text, empty: false };
        }
        match self.seconds.as_deref().and_then(number) {
            Some(v) => Cell {
                text: grouped_fixed(v, d),
                empty: false,
            },
            None => Cell {
                text: super::EMPTY.to_string(),
                empty: true,
            },
        }
    }
}

impl FaultHeadline {
    /// The headline of a `recovery.csv`; `None` when no fault struck.
    pub fn of(recovery: &Table) -> Option<FaultHeadline> {
        use crate::report::schema::recovery::COLUMNS;
        if recovery.rows.is_empty() {
            return None;
        }
        let column = |name: &str| -> Vec<String> {
            debug_assert!(
                COLUMNS.contains(&name),
                "{name} is not a recovery.csv column"
            );
            match recovery.header.iter().position(|h| h == name) {
                Some(i) => recovery.rows.iter().map(|r| r[i].clone()).collect(),
                None => Vec::new(),
            }
        };
        let sum = |name: &str| column(name).iter().filter_map(|c| number(c)).sum();
        Some(FaultHeadline {
            faults: recovery.rows.len(),
            failed: sum("requests_failed"),
            timed_out: sum("requests_timed_out"),
            detect: Longest::of(column("time_to_detect_s").into_iter()),
            recover: Longest::of(column("time_to_recover_s").into_iter()),
        })
    }
}

/// A figure of a variant's faults headline.
type Figure<'a> = &'a dyn Fn(&FaultHeadline) -> f64;

/// Adds the faults headline to the comparison's view: per variant (by the
/// name in its variant column, `headlines`), the faults that struck, the
/// requests failed and timed out meanwhile, and the longest times to detect
/// and to recover (a count that is 0 for every variant left out). A
/// variant without faults shows `0` faults and dashes. Returns how many
/// columns it added.
pub fn add_fault_columns(view: &mut View, headlines: &[(String, Option<FaultHeadline>)]) -> usize {
    let Some(vc) = view.variant_column else {
        return 0;
    };
    let of_row: Vec<Option<&FaultHeadline>> = view
        .rows
        .iter()
        .map(|r| {
            headlines
                .iter()
                .find(|(v, _)| *v == r.cells[vc].text)
                .and_then(|(_, h)| h.as_ref())
        })
        .collect();
    let dash = || Cell {
        text: super::EMPTY.to_string(),
        empty: true,
    };
    let count = |f: &dyn Fn(&FaultHeadline) -> f64| -> Vec<Cell> {
        of_row
            .iter()
            .map(|h| Cell {
                text: grouped_fixed(h.map_or(0.0, f), 0),
                empty: false,
            })
            .collect()
    };
    view.push_column("faults", Unit::Count, count(&|h| h.faults as f64));
    let mut added = 1;
    // A count that is 0 for every variant says nothing to compare.
    let sums: [(&str, Figure); 2] = [
        ("failed in faults", &|h| h.failed),
        ("timed out in faults", &|h| h.timed_out),
    ];
    for (header, f) in sums {
        if of_row.iter().flatten().any(|h| f(h) != 0.0) {
            view.push_column(header, Unit::Count, count(f));
            added += 1;
        }
    }
    let times: Vec<&str> = of_row
        .iter()
        .flatten()
        .flat_map(|h| [h.detect.seconds.as_deref(), h.recover.seconds.as_deref()])
        .flatten()
        .collect();
    let d = decimals(Unit::Seconds, &times, &[]);
    let longest = |pick: &dyn Fn(&FaultHeadline) -> &Longest, never: &str| -> Vec<Cell> {
        of_row
            .iter()
            .map(|h| h.map_or_else(dash, |h| pick(h).cell(h.faults, never, d)))
            .collect()
    };
    view.push_column(
        "longest to detect (s)",
        Unit::Seconds,
        longest(&|h| &h.detect, "not detected"),
    );
    view.push_column(
        "longest to recover (s)",
        Unit::Seconds,
        longest(&|h| &h.recover, "not recovered"),
    );
    added + 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(header: &str, rows: &[&str]) -> Table {
        let split = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
        Table::new(split(header), rows.iter().map(|r| split(r)).collect())
    }

    #[test]
    fn a_single_run_summary_reads_percentiles_first_without_empty_intervals() {
        let t = table(
            "variant,class,requests,error_rate,error_rate_lo,error_rate_hi,latency_p50_ms,\
             latency_p50_ms_lo,latency_p50_ms_hi,latency_p99_ms,cost_per_hour,replications",
            &[
                "base,browse,3114,0.057198,,,4.653,,,166.986,1,1",
                "base,buy,726,0.086777,,,12.616,,,171.18,1,1",
                "base,all,3840,0.020641,,,5.943,,,1167.248,1,1",
            ],
        );
        let v = View::of(Source::Summary, &t);
        assert_eq!(
            v.header,
            [
                "class",
                "p50 (ms)",
                "p99 (ms)",
                "requests",
                "error rate",
                "cost ($/hour)"
            ]
        );
        let texts: Vec<Vec<&str>> = v
            .rows
            .iter()
            .map(|r| r.cells.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(
            texts,
            [
                ["browse", "4.65", "167", "3,114", "5.72%", "1.00"],
                ["buy", "12.62", "171", "726", "8.68%", "1.00"],
                ["all", "5.94", "1,167", "3,840", "2.06%", "1.00"],
            ]
        );
        assert!(v.rows[2].total && !v.rows[0].total);
        // With one class, `all` alone: the same figures are not shown twice.
        let one = Table::new(t.header.clone(), vec![t.rows[0].clone(), t.rows[2].clone()]);
        let v = View::of(Source::Summary, &one);
        assert_eq!(v.rows.len(), 1);
        assert_eq!(v.rows[0].cells[0].text, "all");
        assert!(!v.intervals && v.replications.is_none());
        assert_eq!(v.numeric, [false, true, true, true, true, true]);
    }

    #[test]
    fn replications_fold_the_interval_into_the_cell() {
        let t = table(
            "class,latency_p99_ms,latency_p99_ms_lo,latency_p99_ms_hi,error_rate,error_rate_lo,\
             error_rate_hi,replications",
            &["all,12.3,11.9,12.7,0.01,0.008,0.012,5"],
        );
        let v = View::of(Source::Summary, &t);
        assert_eq!(v.rows[0].cells[1].text, "12.3 ± 0.4");
        assert_eq!(v.rows[0].cells[2].text, "1.00% ± 0.20%");
        assert!(v.intervals);
        assert_eq!(v.replications, Some(5));
    }

    #[test]
    fn empty_cells_say_what_did_not_happen_and_unknown_columns_stay() {
        let t = table(
            "fault,target,start_s,end_s,detected_s,time_to_detect_s,requests_failed,new_thing",
            &["crash,web,3,6,4,1,2,x", "slow,web.2,6.5,8,,,1234,y"],
        );
        let v = View::of(Source::Recovery, &t);
        assert_eq!(
            v.header,
            [
                "fault",
                "target",
                "at (s)",
                "ended (s)",
                "detected after (s)",
                "failed",
                "new thing"
            ]
        );
        assert_eq!(v.rows[0].cells[2].text, "3.0");
        assert_eq!(v.rows[1].cells[4].text, "not detected");
        assert!(v.rows[1].cells[4].empty);
        assert_eq!(v.rows[1].cells[5].text, "1,234");
    }
}
