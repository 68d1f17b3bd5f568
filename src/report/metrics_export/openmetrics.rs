//! `metrics.om`: a run's series in OpenMetrics 1.0 text, for `promtool tsdb
//! create-blocks-from openmetrics`. Every series carries `scenario` and
//! `variant` labels and one sample per window, stamped at the window's end
//! (epoch + simulated seconds); counters and histograms also start with a 0
//! at their first window's start, so that `increase()` over the run is its
//! total. The format forbids interleaving series, so each family is written
//! whole, series by series, each series' windows in time order, from the
//! rows the run recorded ([`RecordedRun`]). Families without a sample (a run
//! without caches has no cache hits) are left out.

use std::fmt::Write as _;
use std::io::{self, Write};

use indexmap::IndexMap;

use super::{RecordedRun, SeriesExporter};
use crate::engine::format_seconds;
use crate::metrics::{ClassWindow, ComponentRow, LATENCY_BOUNDS_NS, WindowRow};

/// The file written.
pub const FILE: &str = "metrics.om";

/// OpenMetrics text.
pub struct OpenMetrics;

impl SeriesExporter for OpenMetrics {
    fn file_name(&self) -> &'static str {
        FILE
    }

    fn write(&self, run: &RecordedRun, out: &mut dyn Write) -> io::Result<()> {
        let mut w = Om::new(run, out);
        requests(&mut w, run.windows, &class_names(run))?;
        window_gauges(&mut w, run.windows)?;
        components(&mut w, run)?;
        scaling(&mut w, run)?;
        w.out.write_all(b"# EOF\n")
    }
}

/// The type of a family.
#[derive(Clone, Copy)]
enum Type {
    Counter,
    Gauge,
    Histogram,
}

/// A metric family's metadata.
struct Family {
    /// Its name (a counter's samples add `_total`).
    name: &'static str,
    kind: Type,
    /// The unit, the name's suffix (`seconds`), if it has one.
    unit: Option<&'static str>,
    help: &'static str,
}

/// A sample's value: a count, a measured float, or nanoseconds printed as
/// exact decimal seconds.
#[derive(Clone, Copy)]
enum Value {
    Count(u64),
    Float(f64),
    Nanos(u128),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match *self {
            Value::Count(n) => write!(f, "{n}"),
            // Shortest text that reads back as the same float; never an
            // exponent, so always a valid OpenMetrics number.
            Value::Float(x) => write!(f, "{x}"),
            Value::Nanos(ns) => {
                let (whole, frac) = (ns / 1_000_000_000, ns % 1_000_000_000);
                if frac == 0 {
                    write!(f, "{whole}")
                } else {
                    let digits = format!("{frac:09}");
                    write!(f, "{whole}.{}", digits.trim_end_matches('0'))
                }
            }
        }
    }
}

/// The writer: the labels every series carries, the epoch, and the family
/// whose metadata is written before its first sample.
struct Om<'o> {
    out: &'o mut dyn Write,
    /// `scenario="..",variant=".."`.
    base: String,
    epoch_ns: u64,
    /// Simulated end of the run, in nanoseconds.
    end_ns: u64,
    window_ns: u64,
    pending: Option<&'static Family>,
}

impl<'o> Om<'o> {
    fn new(run: &RecordedRun, out: &'o mut dyn Write) -> Om<'o> {
        let base = format!(
            "scenario=\"{}\",variant=\"{}\"",
            escape(&run.model.name),
            escape(&run.model.variant)
        );
        Om {
            out,
            base,
            epoch_ns: run.epoch.0,
            end_ns: run.model.duration.nanos(),
            window_ns: run.model.window.nanos(),
            pending: None,
        }
    }

    /// Starts a family: its metadata is written with its first sample.
    fn family(&mut self, f: &'static Family) {
        self.pending = Some(f);
    }

    /// Writes one sample of the current family at simulated time `t_ns`:
    /// `name` is the sample's name, `labels` its own labels after the
    /// common ones (`,class="browse"`).
    fn sample(&mut self, name: &str, labels: &str, v: Value, t_ns: u64) -> io::Result<()> {
        if let Some(f) = self.pending.take() {
            let kind = match f.kind {
                Type::Counter => "counter",
                Type::Gauge => "gauge",
                Type::Histogram => "histogram",
            };
            writeln!(self.out, "# TYPE {} {kind}", f.name)?;
            if let Some(u) = f.unit {
                writeln!(self.out, "# UNIT {} {u}", f.name)?;
            }
            writeln!(self.out, "# HELP {} {}", f.name, escape(f.help))?;
        }
        let ts = format_seconds(self.epoch_ns + t_ns);
        writeln!(self.out, "{name}{{{}{labels}}} {v} {ts}", self.base)
    }

    /// A counter series: 0 at `start_ns`, then the running sum of each
    /// point's count at its end; points without a count are skipped (the
    /// series is left out when none has one).
    fn counter<I>(&mut self, name: &str, labels: &str, start_ns: u64, points: I) -> io::Result<()>
    where
        I: IntoIterator<Item = (u64, Option<u64>)>,
    {
        let mut total = 0u64;
        let mut started = false;
        for (end, n) in points {
            let Some(n) = n else { continue };
            if !started {
                self.sample(name, labels, Value::Count(0), start_ns)?;
                started = true;
            }
            total += n;
            self.sample(name, labels, Value::Count(total), end)?;
        }
        Ok(())
    }

    /// A gauge series: each point's value at its end, points without one
    /// skipped.
    fn gauge<I>(&mut self, name: &str, labels: &str, points: I) -> io::Result<()>
    where
        I: IntoIterator<Item = (u64, Option<Value>)>,
    {
        for (end, v) in points {
            if let Some(v) = v {
                self.sample(name, labels, v, end)?;
            }
        }
        Ok(())
    }

    /// The end of the window starting at `start_ns` (the last one may be
    /// shorter).
    fn window_end(&self, start_ns: u64) -> u64 {
        (start_ns + self.window_ns).min(self.end_ns)
    }
}

/// `s` escaped for a label value or a HELP text.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// The run's request classes' names, escaped, in class order.
fn class_names(run: &RecordedRun) -> Vec<String> {
    run.model
        .traffic
        .classes
        .iter()
        .map(|c| escape(&c.name))
        .collect()
}

/// A window's end, in simulated nanoseconds.
fn end_of(w: &WindowRow) -> u64 {
    (w.start + w.len).nanos()
}

const REQUESTS: Family = Family {
    name: "capsim_requests",
    kind: Type::Counter,
    unit: None,
    help: "Requests that ended, by class and outcome: ok (replied in time), rejected (refused at once), \
           timed_out (the client gave up), failed (a crash or an injected error); as timeseries.csv counts them.",
};
const SENT: Family = Family {
    name: "capsim_requests_sent",
    kind: Type::Counter,
    unit: None,
    help: "Requests sent (first tries), by class: timeseries.csv's offered_rps.",
};
const LATE: Family = Family {
    name: "capsim_late_replies",
    kind: Type::Counter,
    unit: None,
    help: "Successful replies that came after the client had given up (counted timed_out), by class.",
};
const LATENCY: Family = Family {
    name: "capsim_latency_seconds",
    kind: Type::Histogram,
    unit: Some("seconds"),
    help: "Response time of ok requests, by class, from the first send to the final reply.",
};
const RETRIES: Family = Family {
    name: "capsim_retries",
    kind: Type::Counter,
    unit: None,
    help: "Attempts the client sent again after a failed one (attempts are sent plus retries).",
};
const SESSIONS_LOST: Family = Family {
    name: "capsim_sessions_lost",
    kind: Type::Counter,
    unit: None,
    help: "Local sessions lost with their instance.",
};

/// The outcomes of `capsim_requests`, in [`crate::metrics::Outcome`] order.
const OUTCOMES: [&str; 4] = ["ok", "rejected", "timed_out", "failed"];

/// `le` of each bound of [`LATENCY_BOUNDS_NS`], in OpenMetrics' canonical
/// rendering (Go's `%g`, `.0` added to whole numbers).
fn le_labels() -> Vec<String> {
    LATENCY_BOUNDS_NS
        .iter()
        .map(|&ns| {
            let s = Value::Nanos(ns as u128).to_string();
            if s.contains('.') { s } else { s + ".0" }
        })
        .collect()
}

/// The request families of the windows' per-class counts (none when the
/// run did not record them), then the retries and lost sessions.
fn requests(w: &mut Om, windows: &[WindowRow], classes: &[String]) -> io::Result<()> {
    let Some(first) = windows.first() else {
        return Ok(());
    };
    let start = first.start.nanos();
    let by_class = |c: usize| {
        windows.iter().filter_map(move |r| {
            let cw: &ClassWindow = r.by_class.as_deref()?.get(c)?;
            Some((end_of(r), cw))
        })
    };
    w.family(&REQUESTS);
    for (c, class) in classes.iter().enumerate() {
        for (o, outcome) in OUTCOMES.iter().enumerate() {
            let labels = format!(",class=\"{class}\",outcome=\"{outcome}\"");
            let points = by_class(c).map(|(t, cw)| (t, Some(cw.ended[o])));
            w.counter("capsim_requests_total", &labels, start, points)?;
        }
    }
    w.family(&SENT);
    for (c, class) in classes.iter().enumerate() {
        let labels = format!(",class=\"{class}\"");
        let points = by_class(c).map(|(t, cw)| (t, Some(cw.sent)));
        w.counter("capsim_requests_sent_total", &labels, start, points)?;
    }
    w.family(&LATE);
    for (c, class) in classes.iter().enumerate() {
        let labels = format!(",class=\"{class}\"");
        let points = by_class(c).map(|(t, cw)| (t, Some(cw.late_ok)));
        w.counter("capsim_late_replies_total", &labels, start, points)?;
    }
    w.family(&LATENCY);
    for (c, class) in classes.iter().enumerate() {
        histogram(w, class, start, by_class(c))?;
    }
    w.family(&RETRIES);
    let points = windows.iter().map(|r| (end_of(r), Some(r.counts.retries)));
    w.counter("capsim_retries_total", "", start, points)?;
    w.family(&SESSIONS_LOST);
    let points = windows.iter().map(|r| (end_of(r), r.sessions_lost));
    w.counter("capsim_sessions_lost_total", "", start, points)
}

/// One class's latency histogram: all buckets 0 at `start_ns`, then the
/// cumulative buckets, count and sum at each window's end.
fn histogram<'a, I>(w: &mut Om, class: &str, start_ns: u64, points: I) -> io::Result<()>
where
    I: Iterator<Item = (u64, &'a ClassWindow)>,
{
    let les = le_labels();
    let mut buckets = [0u64; LATENCY_BOUNDS_NS.len()];
    let (mut count, mut sum) = (0u64, 0u128);
    let mut label = String::new();
    let mut point = |w: &mut Om, t: u64, buckets: &[u64], count: u64, sum: u128| {
        // Cumulative counts, the last (`+Inf`) being every request.
        let mut below = 0;
        let cumulative = buckets.iter().map(|n| {
            below += n;
            below
        });
        let les = les.iter().map(String::as_str).chain(["+Inf"]);
        for (le, n) in les.zip(cumulative.chain([count])) {
            label.clear();
            let _ = write!(label, ",class=\"{class}\",le=\"{le}\"");
            w.sample("capsim_latency_seconds_bucket", &label, Value::Count(n), t)?;
        }
        let own = format!(",class=\"{class}\"");
        w.sample("capsim_latency_seconds_count", &own, Value::Count(count), t)?;
        w.sample("capsim_latency_seconds_sum", &own, Value::Nanos(sum), t)
    };
    let mut started = false;
    for (t, cw) in points {
        if !started {
            point(w, start_ns, &buckets, 0, 0)?;
            started = true;
        }
        for (b, n) in buckets.iter_mut().zip(&cw.buckets) {
            *b += n;
        }
        count += cw.ended[0];
        sum += cw.latency_sum_ns;
        point(w, t, &buckets, count, sum)?;
    }
    Ok(())
}

const IN_FLIGHT: Family = Family {
    name: "capsim_requests_in_flight",
    kind: Type::Gauge,
    unit: None,
    help: "Requests sent and not yet ended at the window's end.",
};

/// The window quantiles of timeseries.csv, each a gauge: name, quantile
/// index in [`WindowRow::latency`].
const QUANTILES: [Family; 5] = [
    quantile(
        "capsim_latency_p50_seconds",
        "The window's median response time of ok requests, all classes (timeseries.csv's latency_p50_ms).",
    ),
    quantile(
        "capsim_latency_p90_seconds",
        "The window's 90th percentile response time of ok requests, all classes (latency_p90_ms).",
    ),
    quantile(
        "capsim_latency_p99_seconds",
        "The window's 99th percentile response time of ok requests, all classes (latency_p99_ms).",
    ),
    quantile(
        "capsim_latency_p999_seconds",
        "The window's 99.9th percentile response time of ok requests, all classes (latency_p999_ms).",
    ),
    quantile(
        "capsim_latency_max_seconds",
        "The window's longest response time of an ok request, all classes (latency_max_ms).",
    ),
];

const fn quantile(name: &'static str, help: &'static str) -> Family {
    Family {
        name,
        kind: Type::Gauge,
        unit: Some("seconds"),
        help,
    }
}

/// Requests in flight and the window quantiles (no sample for a window
/// without an ok reply, as the CSV's empty cell).
fn window_gauges(w: &mut Om, windows: &[WindowRow]) -> io::Result<()> {
    w.family(&IN_FLIGHT);
    let points = windows
        .iter()
        .map(|r| (end_of(r), Some(Value::Count(r.in_flight))));
    w.gauge("capsim_requests_in_flight", "", points)?;
    for (q, f) in QUANTILES.iter().enumerate() {
        w.family(f);
        let points = windows.iter().map(|r| {
            let v = r.latency.map(|l| Value::Nanos(l[q].nanos() as u128));
            (end_of(r), v)
        });
        w.gauge(f.name, "", points)?;
    }
    Ok(())
}

/// A component family: its metadata and what it reads from a row.
struct ComponentFamily {
    family: Family,
    measure: Measure,
}

/// What a component family reads from a row.
enum Measure {
    /// A gauge.
    Level(fn(&ComponentRow) -> Option<Value>),
    /// A counter of per-window counts.
    Count(fn(&ComponentRow) -> Option<u64>),
}

const fn level(
    name: &'static str,
    unit: Option<&'static str>,
    help: &'static str,
    f: fn(&ComponentRow) -> Option<Value>,
) -> ComponentFamily {
    ComponentFamily {
        family: Family {
            name,
            kind: Type::Gauge,
            unit,
            help,
        },
        measure: Measure::Level(f),
    }
}

const fn count(
    name: &'static str,
    help: &'static str,
    f: fn(&ComponentRow) -> Option<u64>,
) -> ComponentFamily {
    ComponentFamily {
        family: Family {
            name,
            kind: Type::Counter,
            unit: None,
            help,
        },
        measure: Measure::Count(f),
    }
}

/// components.csv's columns, one family each, in its order.
const COMPONENT_FAMILIES: [ComponentFamily; 11] = [
    level(
        "capsim_instances_up",
        None,
        "1 while an instance is up, 0 while down; for instance * the whole pool's instances up (components.csv's up).",
        |r| Some(Value::Count(r.up as u64)),
    ),
    level(
        "capsim_utilization",
        None,
        "Busy workers over workers, time-averaged over the window; instance * is the whole pool.",
        |r| r.utilization.map(Value::Float),
    ),
    level(
        "capsim_queue_length",
        None,
        "Requests waiting, time-averaged over the window.",
        |r| r.queue_len.map(Value::Float),
    ),
    level(
        "capsim_in_service",
        None,
        "Requests in service (outstanding, for a load balancer), time-averaged over the window.",
        |r| r.in_service.map(Value::Float),
    ),
    count(
        "capsim_completed",
        "Requests the component finished successfully (a queue: messages consumed).",
        |r| Some(r.completed),
    ),
    count(
        "capsim_rejected",
        "Requests the component refused (a queue: publishes refused).",
        |r| Some(r.rejected),
    ),
    count(
        "capsim_cache_hits",
        "Cache lookups that found the key.",
        |r| r.hits,
    ),
    count(
        "capsim_cache_misses",
        "Cache lookups that did not find the key.",
        |r| r.misses,
    ),
    level(
        "capsim_queue_backlog",
        None,
        "Messages held by a queue, waiting or being consumed, time-averaged over the window.",
        |r| r.backlog.map(Value::Float),
    ),
    level(
        "capsim_replication_lag_seconds",
        Some("seconds"),
        "Mean time replicas took to apply the writes they applied in the window (no sample when none).",
        |r| r.lag_ms.map(|ms| Value::Float(ms / 1000.0)),
    ),
    count(
        "capsim_stale_reads",
        "Replica reads that missed the latest acknowledged write of their key.",
        |r| r.stale_reads,
    ),
];

/// components.csv's families, a series per component and instance
/// (`instance="*"` the whole pool, as in the CSV), in the order the rows
/// first name them.
fn components(w: &mut Om, run: &RecordedRun) -> io::Result<()> {
    let names: Vec<Vec<String>> = (0..run.model.components.len() as u32)
        .map(|id| run.model.instance_names(id))
        .collect();
    let mut series: IndexMap<(u32, Option<u32>), Vec<&ComponentRow>> = IndexMap::new();
    for r in run.components {
        series.entry((r.component, r.instance)).or_default().push(r);
    }
    let labels: Vec<String> = series
        .keys()
        .map(|&(c, i)| {
            let instance = match i {
                Some(i) => names[c as usize].get(i as usize).map_or("", String::as_str),
                None => "*",
            };
            format!(
                ",component=\"{}\",instance=\"{}\"",
                escape(&run.model.components[c as usize].name),
                escape(instance)
            )
        })
        .collect();
    for cf in &COMPONENT_FAMILIES {
        w.family(&cf.family);
        let total = format!("{}_total", cf.family.name);
        for (rows, labels) in series.values().zip(&labels) {
            let at = |r: &ComponentRow| w.window_end(r.start.nanos());
            match cf.measure {
                Measure::Level(f) => {
                    let points: Vec<_> = rows.iter().map(|r| (at(r), f(r))).collect();
                    w.gauge(cf.family.name, labels, points)?;
                }
                Measure::Count(f) => {
                    let start = rows[0].start.nanos();
                    let points: Vec<_> = rows.iter().map(|r| (at(r), f(r))).collect();
                    w.counter(&total, labels, start, points)?;
                }
            }
        }
    }
    Ok(())
}

const AUTOSCALER: Family = Family {
    name: "capsim_autoscaler_instances",
    kind: Type::Gauge,
    unit: None,
    help: "An autoscaled pool's instances at the window's end: serving (taking work) or provisioning (booting).",
};

/// Each autoscaled pool's instances serving and provisioning at every
/// window's end (the step in force then), as `autoscale.png` draws them.
fn scaling(w: &mut Om, run: &RecordedRun) -> io::Result<()> {
    w.family(&AUTOSCALER);
    for t in run.scaling {
        for (state, pick) in [("serving", 0), ("provisioning", 1)] {
            let labels = format!(",component=\"{}\",state=\"{state}\"", escape(&t.component));
            let points = run.windows.iter().map(|r| {
                let end = r.start + r.len;
                let step = t.steps.iter().rev().find(|s| s.0 <= end);
                let v = step.map(|s| Value::Count(if pick == 0 { s.1 } else { s.2 } as u64));
                (end_of(r), v)
            });
            w.gauge(AUTOSCALER.name, &labels, points)?;
        }
    }
    Ok(())
}
