//! The CSV outputs of a run, exactly as SCENARIO.md's "What a run writes"
//! says: `timeseries.csv` and `components.csv` stream a row per window as
//! windows close (memory stays flat however long the run), `summary.csv` is
//! written at the end. Numbers are printed in fixed decimals with trailing
//! zeros trimmed, so the same run always prints the same bytes.

use std::io;
use std::path::{Path, PathBuf};

use super::atomic::AtomicFile;
use super::comparison::{ComparisonRow, cost_per_million};
use super::figures::{ClassFigures, Figure, Replicated};
/// Where number formatting used to live; kept for the callers that still
/// name it here.
pub use super::format::{fixed, ms};
use super::points::Points;
use super::schema;
use crate::engine::format_seconds;
use crate::metrics::{ComponentRow, LoggedEvent, RecoveryRow, Sink, WindowRow};
use crate::model::Model;

/// Whether a run of `model` writes `events.csv` and `recovery.csv`: only
/// with faults or an SLO (or breakers, autoscaling, outlier detection, which
/// log events), so that other scenarios write what they always did.
pub fn writes_fault_files(model: &Model) -> bool {
    !model.faults.is_empty()
        || model.slo.is_some()
        || model.has_breakers()
        || model.autoscales()
        || model.ejects_outliers()
}

/// An optional number with `decimals` decimals, empty for `None`.
pub(crate) fn opt(x: Option<f64>, decimals: usize) -> String {
    x.map(|v| fixed(v, decimals)).unwrap_or_default()
}

/// An optional count, empty for `None`.
pub(crate) fn opt_count(x: Option<u64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

/// Streams `timeseries.csv` and `components.csv` of one run.
pub struct CsvSink {
    timeseries: csv::Writer<AtomicFile>,
    components: csv::Writer<AtomicFile>,
    names: Vec<String>,
    instances: Vec<Vec<String>>,
}

impl CsvSink {
    /// Starts both files in `dir`; `names` are the components' names by id,
    /// `instances` their instances' names (`shard0.primary`, `node1`, `2`).
    pub fn create(
        dir: &Path,
        names: Vec<String>,
        instances: Vec<Vec<String>>,
    ) -> io::Result<CsvSink> {
        let mut timeseries =
            csv::Writer::from_writer(AtomicFile::create(&dir.join("timeseries.csv"))?);
        timeseries.write_record(schema::timeseries::COLUMNS)?;
        let mut components =
            csv::Writer::from_writer(AtomicFile::create(&dir.join("components.csv"))?);
        components.write_record(schema::components::COLUMNS)?;
        Ok(CsvSink {
            timeseries,
            components,
            names,
            instances,
        })
    }

    /// Finishes both files and moves them into place.
    pub fn commit(self) -> io::Result<Vec<PathBuf>> {
        let mut paths = Vec::new();
        for w in [self.timeseries, self.components] {
            let f = w
                .into_inner()
                .map_err(|e| io::Error::other(e.to_string()))?;
            paths.push(f.commit()?);
        }
        Ok(paths)
    }
}

impl Sink for CsvSink {
    fn window(&mut self, row: &WindowRow, components: &[ComponentRow]) -> io::Result<()> {
        let secs = row.len.as_secs_f64();
        let rate = |n: u64| fixed(n as f64 / secs, 3);
        let time = format_seconds(row.start.nanos());
        let lat: [String; 5] = match row.latency {
            Some(q) => q.map(ms),
            None => Default::default(),
        };
        let offered = rate(row.counts.offered);
        // Without retries attempts are the offered requests: no second
        // formatting per window for runs that never retry.
        let attempts =
            (row.counts.retries > 0).then(|| rate(row.counts.offered + row.counts.retries));
        self.timeseries.write_record([
            time.as_str(),
            &offered,
            &rate(row.counts.completed),
            &rate(row.counts.goodput),
            &rate(row.counts.rejected),
            &rate(row.counts.timed_out),
            &rate(row.counts.failed),
            &row.in_flight.to_string(),
            &lat[0],
            &lat[1],
            &lat[2],
            &lat[3],
            &lat[4],
            attempts.as_deref().unwrap_or(&offered),
            &row.sessions_lost.map(|n| n.to_string()).unwrap_or_default(),
        ])?;
        for c in components {
            let instance = match c.instance {
                Some(i) => self.instances[c.component as usize]
                    .get(i as usize)
                    .map(String::as_str)
                    .unwrap_or(""),
                None => "*",
            };
            let count = |x: Option<u64>| x.map(|v| v.to_string()).unwrap_or_default();
            self.components.write_record([
                time.as_str(),
                &self.names[c.component as usize],
                instance,
                &c.up.to_string(),
                &opt(c.utilization, 4),
                &opt(c.queue_len, 3),
                &opt(c.in_service, 3),
                &c.completed.to_string(),
                &c.rejected.to_string(),
                &count(c.hits),
                &count(c.misses),
                &opt(c.backlog, 3),
                &opt(c.lag_ms, 3),
                &count(c.stale_reads),
            ])?;
        }
        Ok(())
    }
}

/// The cells of a class's figures, each as mean, `_lo`, `_hi` (the interval
/// empty from one run): error rate, throughput, goodput, then the first
/// `latencies` of mean, p50, p90, p99, p99.9 and max latency.
pub fn figure_cells(c: &ClassFigures, latencies: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(3 * (3 + latencies));
    let mut figure = |f: Option<Figure>, decimals: usize| {
        let show = |x: Option<f64>| x.map(|v| fixed(v, decimals)).unwrap_or_default();
        out.push(show(f.map(|f| f.mean)));
        out.push(show(f.and_then(|f| f.lo)));
        out.push(show(f.and_then(|f| f.hi)));
    };
    figure(Some(c.error_rate), 6);
    figure(Some(c.throughput_rps), 3);
    figure(Some(c.goodput_rps), 3);
    for l in &c.latency_ms[..latencies] {
        figure(*l, 3);
    }
    out
}

/// `summary.csv` as bytes: the figures of `runs` (one run, or the means
/// and intervals across replications). Counts are means per run.
/// `cost_per_hour` is what the sized services cost (the same on every row;
/// empty when no service has a size); `cost_per_million` is per million
/// successful replies in time, on the `all` row only (a shared system's cost
/// is not split between classes); `cost_total` is what a run cost, warm-up
/// included (the same on every row). With autoscaling `cost_per_hour` is the
/// run's average. With data centers a row per origin (`origin:NAME`)
/// follows `all`, by the same rules as a class's.
pub fn summary_csv(variant: &str, runs: &Replicated) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(schema::summary::COLUMNS)?;
    let warmup = fixed(runs.warmup.as_secs_f64(), 3);
    let replications = runs.runs.to_string();
    for r in runs.classes.iter().chain(&runs.origins) {
        let mut rec: Vec<String> = vec![variant.to_string(), r.class.clone()];
        rec.extend(r.counts.iter().map(|c| fixed(*c, 1)));
        rec.extend(figure_cells(r, 6));
        rec.push(runs.cost_per_hour.map(|c| fixed(c, 4)).unwrap_or_default());
        rec.push(if r.class == "all" {
            cost_per_million(runs.cost_per_hour, r.goodput_rps.mean)
                .map(|c| fixed(c, 4))
                .unwrap_or_default()
        } else {
            String::new()
        });
        rec.push(runs.cost_total.map(|c| fixed(c, 4)).unwrap_or_default());
        rec.push(r.sessions_lost.map(|n| fixed(n, 1)).unwrap_or_default());
        rec.push(replications.clone());
        rec.push(warmup.clone());
        w.write_record(&rec)?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// `events.csv` as bytes: one row per event, in the order given.
pub fn events_csv(log: &[LoggedEvent]) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(schema::events::COLUMNS)?;
    for e in log {
        w.write_record([
            format_seconds(e.time.nanos()).as_str(),
            e.kind.name(),
            &e.target,
            &e.detail,
        ])?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// `recovery.csv` as bytes: one row per fault occurrence, empty cells for
/// what did not happen (no end, no detection, no recovery, no lost writes).
pub fn recovery_csv(rows: &[RecoveryRow]) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(schema::recovery::COLUMNS)?;
    let at = |t: Option<crate::engine::SimTime>| t.map(|t| format_seconds(t.nanos()));
    // Exact nanoseconds, not the float seconds of `time_to_detect`.
    let after = |r: &RecoveryRow, t: Option<crate::engine::SimTime>| {
        t.map(|t| format_seconds((t - r.start).nanos()))
    };
    for r in rows {
        w.write_record([
            r.fault.clone(),
            r.target.clone(),
            format_seconds(r.start.nanos()),
            at(r.end).unwrap_or_default(),
            at(r.detected).unwrap_or_default(),
            at(r.recovered).unwrap_or_default(),
            after(r, r.detected).unwrap_or_default(),
            after(r, r.recovered).unwrap_or_default(),
            r.requests_failed.to_string(),
            r.requests_timed_out.to_string(),
            r.lost_writes.map(|n| n.to_string()).unwrap_or_default(),
            r.sessions_lost.map(|n| n.to_string()).unwrap_or_default(),
        ])?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

fn quantile(r: &ComparisonRow, i: usize) -> String {
    r.all.latency.map(|q| ms(q[i])).unwrap_or_default()
}

/// `comparison.csv` as bytes.
pub fn comparison_csv(rows: &[ComparisonRow]) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(schema::comparison::COLUMNS)?;
    for r in rows {
        let (util, busiest) = match &r.max_utilization {
            Some((u, name)) => (fixed(*u, 4), name.clone()),
            None => (String::new(), String::new()),
        };
        w.write_record([
            r.variant.as_str(),
            &r.all.requests.to_string(),
            &fixed(r.all.error_rate, 6),
            &fixed(r.all.throughput_rps, 3),
            &fixed(r.all.goodput_rps, 3),
            &quantile(r, 0),
            &quantile(r, 1),
            &quantile(r, 2),
            &quantile(r, 3),
            &util,
            &busiest,
            &r.cost_per_hour.map(|c| fixed(c, 4)).unwrap_or_default(),
            &r.cost_per_million()
                .map(|c| fixed(c, 4))
                .unwrap_or_default(),
            &r.cost_total.map(|c| fixed(c, 4)).unwrap_or_default(),
        ])?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// `sweep.csv` or `plan.csv` as bytes: one row per point in grid order,
/// the varied keys' values first; an overloaded point has only its runs
/// and status (`unbounded`), and misses any objective.
pub fn points_csv(points: &Points) -> io::Result<Vec<u8>> {
    let columns = schema::points::COLUMNS;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = points.keys.iter().map(String::as_str).collect();
    header.extend(columns);
    if points.plan {
        header.push(schema::points::CHOSEN);
    }
    w.write_record(&header)?;
    let yes_no = |m: bool| (if m { "yes" } else { "no" }).to_string();
    for p in &points.rows {
        let mut rec: Vec<String> = p.values.clone();
        match p.figures {
            Some(r) => {
                let a = r.all();
                rec.extend([
                    r.runs.to_string(),
                    fixed(r.warmup.as_secs_f64(), 3),
                    fixed(a.counts[0], 1),
                ]);
                rec.extend(figure_cells(a, schema::LATENCIES_WITHOUT_MAX));
                rec.push(r.cost_per_hour.map(|c| fixed(c, 4)).unwrap_or_default());
                rec.push(
                    cost_per_million(r.cost_per_hour, a.goodput_rps.mean)
                        .map(|c| fixed(c, 4))
                        .unwrap_or_default(),
                );
                rec.push("ok".into());
                rec.push(p.meets.map(yes_no).unwrap_or_default());
            }
            None => {
                rec.push(p.runs.to_string());
                // Empty up to the status and `meets`.
                rec.resize(points.keys.len() + columns.len() - 2, String::new());
                rec.push("unbounded".into());
                rec.push(p.meets.map(|_| "no".to_string()).unwrap_or_default());
            }
        }
        if points.plan {
            rec.push(if p.chosen { "yes" } else { "" }.to_string());
        }
        w.write_record(&rec)?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;
    use crate::metrics::EventKind;

    fn secs(s: f64) -> SimTime {
        SimTime((s * 1e9).round() as u64)
    }

    #[test]
    fn events_csv_lists_events_in_order_and_quotes_what_needs_it() {
        let log = vec![
            LoggedEvent {
                time: secs(240.0),
                kind: EventKind::Fault,
                target: "web.3".into(),
                detail: "crash".into(),
                fault: Some(0),
            },
            LoggedEvent {
                time: secs(245.5),
                kind: EventKind::Detected,
                target: "lb <-> web".into(),
                detail: "2 failed checks, \"timeout\"".into(),
                fault: None,
            },
            LoggedEvent {
                time: secs(0.001),
                kind: EventKind::SloRecovered,
                target: "slo".into(),
                detail: String::new(),
                fault: None,
            },
        ];
        let text = String::from_utf8(events_csv(&log).unwrap()).unwrap();
        assert_eq!(
            text,
            "time_s,kind,target,detail\n\
             240,fault,web.3,crash\n\
             245.5,detected,lb <-> web,\"2 failed checks, \"\"timeout\"\"\"\n\
             0.001,slo_recovered,slo,\n"
        );
        assert_eq!(
            String::from_utf8(events_csv(&[]).unwrap()).unwrap(),
            "time_s,kind,target,detail\n"
        );
    }

    #[test]
    fn recovery_csv_leaves_what_did_not_happen_empty() {
        let rows = vec![
            RecoveryRow {
                fault: "crash".into(),
                target: "db.shard0.primary".into(),
                start: secs(300.0),
                end: Some(secs(420.0)),
                detected: Some(secs(310.0)),
                recovered: Some(secs(333.25)),
                requests_failed: 1234,
                requests_timed_out: 56,
                lost_writes: Some(37),
                sessions_lost: None,
            },
            RecoveryRow {
                fault: "random crash".into(),
                target: "web.2".into(),
                start: secs(12.5),
                end: None,
                detected: None,
                recovered: None,
                requests_failed: 0,
                requests_timed_out: 0,
                lost_writes: None,
                sessions_lost: Some(1250),
            },
        ];
        let text = String::from_utf8(recovery_csv(&rows).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "fault,target,start_s,end_s,detected_s,recovered_s,time_to_detect_s,\
             time_to_recover_s,requests_failed,requests_timed_out,lost_writes,sessions_lost"
        );
        assert_eq!(
            lines[1],
            "crash,db.shard0.primary,300,420,310,333.25,10,33.25,1234,56,37,"
        );
        assert_eq!(lines[2], "random crash,web.2,12.5,,,,,,0,0,,1250");
        assert_eq!(lines.len(), 3);
    }
}
