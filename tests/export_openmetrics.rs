//! `capsim run --export openmetrics`: `metrics.om` parsed by the rules of
//! OpenMetrics 1.0 text (families and series not interleaved, TYPE, UNIT,
//! HELP, counters monotone from 0, the same buckets at every point, `# EOF`
//! last) and every series compared with the run's `timeseries.csv`,
//! `components.csv` and `summary.csv`, cell by cell, through the CSVs' own
//! number formatting; then the same series backfilled into a Prometheus
//! TSDB by `promtool` and read back; the bad inputs `--export` and
//! `--epoch` refuse; and the shipped Grafana dashboard's queries, each
//! naming only series the export writes.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use capsim::engine::SimDuration;
use capsim::report::format::{fixed, ms};

const BIN: &str = env!("CARGO_BIN_EXE_capsim");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// 2026-01-01T00:00:00Z, the default epoch, in milliseconds.
const DEFAULT_EPOCH_MS: i64 = 1_767_225_600_000;

/// Every component kind with a measure of its own (balancer, services,
/// cache, replicated database, queue), two classes, warm-up 0 (so that the
/// summary's totals are the series' last values), and a spike past the web
/// tier's capacity: rejections, timeouts, late replies and retries.
const SCENARIO: &str = "
name: export
seed: 7
duration: 20s
warmup: 0s
window: 1s
traffic:
  to: lb
  rate:
    - { at: 0s, rps: 400 }
    - { at: 8s, rps: 1800 }
    - { at: 12s, rps: 400 }
  requests:
    browse: { weight: 8, op: read, key: { zipf: { keys: 10000, exponent: 1.0 } } }
    order:  { weight: 2, op: write, key: { uniform: { keys: 10000 } } }
  client:
    timeout: 60ms
    retries: 1
components:
  lb: { kind: load_balancer, to: web }
  web:
    kind: service
    instances: 2
    workers: 4
    queue: 30
    service_time: { lognormal: { median: 4ms, p99: 20ms } }
    calls:
      - { to: cache, when: browse }
      - { to: orders, when: order }
  cache:
    kind: cache
    capacity: 2000
    eviction: lru
    workers: 16
    hit_time: 200us
    on_miss: db
  db:
    kind: database
    replicas: 1
    read_from: replicas
    replication: { mode: async, lag: { exponential: { mean: 20ms } } }
    workers: 4
    read_time: { exponential: { mean: 3ms } }
    write_time: { exponential: { mean: 6ms } }
  orders: { kind: queue, consumers: fulfil }
  fulfil:
    kind: service
    instances: 1
    workers: 4
    service_time: { exponential: { mean: 5ms } }
    calls: [db]
";

fn capsim(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(ROOT)
        .output()
        .expect("capsim runs")
}

/// Runs SCENARIO with `extra` arguments into a fresh folder; returns the
/// folder (kept alive) and the run's folder `OUT/export/base`.
fn run_scenario(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let file = tmp.path().join("export.yaml");
    std::fs::write(&file, SCENARIO).unwrap();
    let out = tmp.path().join("out");
    let mut args = vec![
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ];
    args.extend_from_slice(extra);
    let o = capsim(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let dir = out.join("export").join("base");
    (tmp, dir)
}

/// A series: its sample name and labels (sorted).
type Key = (String, BTreeMap<String, String>);

/// A series' points: (timestamp in ms, value).
type Points = Vec<(i64, f64)>;

/// The series of a file or a TSDB.
type Series = BTreeMap<Key, Points>;

/// A metric family's metadata as the file gave it.
#[derive(Debug, Default)]
struct Meta {
    kind: String,
    unit: Option<String>,
    help: Option<String>,
}

/// `{a="x",b="y"}` (or Go's `{a="x", b="y"}`) from `s`, which starts with
/// `{`; returns the labels and the rest after `}`.
fn parse_labels(s: &str) -> (BTreeMap<String, String>, &str) {
    let mut labels = BTreeMap::new();
    let mut rest = s.strip_prefix('{').expect("labels start with {");
    loop {
        rest = rest.trim_start_matches([' ', ',']);
        if let Some(after) = rest.strip_prefix('}') {
            return (labels, after);
        }
        let eq = rest.find('=').expect("label=value");
        let name = rest[..eq].to_string();
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "label name {name}"
        );
        let mut chars = rest[eq + 1..]
            .strip_prefix('"')
            .expect("quoted")
            .char_indices();
        let mut value = String::new();
        let end = loop {
            let (i, c) = chars.next().expect("closing quote");
            match c {
                '"' => break i,
                '\\' => match chars.next().expect("escaped").1 {
                    'n' => value.push('\n'),
                    c => value.push(c),
                },
                c => value.push(c),
            }
        };
        assert!(labels.insert(name, value).is_none(), "duplicate label");
        rest = &rest[eq + 3 + end..];
    }
}

/// A decimal timestamp in seconds as exact milliseconds (Prometheus keeps
/// milliseconds; the export's are whole milliseconds).
fn ts_ms(s: &str) -> i64 {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    assert!(frac.len() <= 3, "timestamp {s} finer than a millisecond");
    let frac = format!("{frac:0<3}");
    whole.parse::<i64>().unwrap() * 1000 + frac.parse::<i64>().unwrap()
}

/// The family a sample name belongs to, given the families' types.
fn family_of<'a>(name: &str, families: &'a BTreeMap<String, Meta>) -> Option<(&'a str, &'a Meta)> {
    for suffix in ["", "_total", "_bucket", "_count", "_sum"] {
        if let Some(base) = name.strip_suffix(suffix)
            && let Some((n, m)) = families.get_key_value(base)
        {
            let ok = match m.kind.as_str() {
                "counter" => suffix == "_total",
                "gauge" => suffix.is_empty(),
                "histogram" => ["_bucket", "_count", "_sum"].contains(&suffix),
                _ => false,
            };
            if ok {
                return Some((n.as_str(), m));
            }
        }
    }
    None
}

/// Parses `metrics.om` of `scenario`'s `variant`, asserting the text
/// format's rules as it goes; returns its families and series.
fn parse_om(text: &str, scenario: &str, variant: &str) -> (BTreeMap<String, Meta>, Series) {
    assert!(text.ends_with("# EOF\n"), "ends with # EOF");
    let body = text.strip_suffix("# EOF\n").unwrap();
    assert!(!body.contains("# EOF"), "# EOF only once, last");
    let mut families: BTreeMap<String, Meta> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut done_families: HashSet<String> = HashSet::new();
    let mut series: Series = BTreeMap::new();
    // The metric (family, labels without `le`) being written, and those
    // finished: a metric must not reappear (no interleaving).
    let mut metric: Option<(String, BTreeMap<String, String>)> = None;
    let mut done_metrics: HashSet<(String, BTreeMap<String, String>)> = HashSet::new();
    for line in body.lines() {
        assert!(!line.is_empty() && !line.contains('\r'), "line {line:?}");
        if let Some(meta) = line.strip_prefix("# ") {
            let mut parts = meta.splitn(3, ' ');
            let (what, name, rest) = (parts.next().unwrap(), parts.next().unwrap(), parts.next());
            if what == "TYPE" {
                assert!(!families.contains_key(name), "family {name} twice");
                if let Some(prev) = current.replace(name.to_string()) {
                    done_families.insert(prev);
                }
                if let Some(m) = metric.take() {
                    done_metrics.insert(m);
                }
                let kind = rest.expect("a type").to_string();
                assert!(["counter", "gauge", "histogram"].contains(&kind.as_str()));
                families.insert(
                    name.to_string(),
                    Meta {
                        kind,
                        ..Meta::default()
                    },
                );
                continue;
            }
            assert_eq!(
                current.as_deref(),
                Some(name),
                "{what} after its family's TYPE"
            );
            let m = families.get_mut(name).unwrap();
            match what {
                "UNIT" => {
                    assert!(
                        m.unit.is_none() && m.help.is_none(),
                        "TYPE, UNIT, HELP in order"
                    );
                    m.unit = rest.map(str::to_string);
                }
                "HELP" => {
                    assert!(m.help.is_none(), "one HELP");
                    m.help = rest.map(str::to_string);
                }
                _ => panic!("unexpected metadata {line}"),
            }
            continue;
        }
        let brace = line.find('{').expect("every sample has labels");
        let name = &line[..brace];
        let (labels, rest) = parse_labels(&line[brace..]);
        let mut fields = rest.trim_start().split(' ');
        let (value, ts) = (fields.next().unwrap(), fields.next().expect("a timestamp"));
        assert!(fields.next().is_none(), "{line}");
        let (fam, meta) = family_of(name, &families).unwrap_or_else(|| panic!("{name}: no family"));
        assert_eq!(
            current.as_deref(),
            Some(fam),
            "{name} outside its family's block"
        );
        assert!(
            meta.help.as_deref().is_some_and(|h| !h.is_empty()),
            "{fam} has HELP"
        );
        assert_eq!(
            meta.unit.as_deref(),
            fam.ends_with("_seconds").then_some("seconds"),
            "{fam}'s UNIT"
        );
        assert_eq!(labels.get("scenario").map(String::as_str), Some(scenario));
        assert_eq!(labels.get("variant").map(String::as_str), Some(variant));
        let mut own = labels.clone();
        own.remove("le");
        let m = (fam.to_string(), own);
        if metric.as_ref() != Some(&m) {
            assert!(!done_metrics.contains(&m), "{m:?} interleaved");
            if let Some(prev) = metric.replace(m) {
                done_metrics.insert(prev);
            }
        }
        if ["counter", "histogram"].contains(&meta.kind.as_str()) && !name.ends_with("_sum") {
            assert!(
                !value.contains(['.', 'e']),
                "{name} counts are integers: {value}"
            );
        }
        let v: f64 = value.parse().unwrap_or_else(|_| panic!("{line}: value"));
        let points = series.entry((name.to_string(), labels)).or_default();
        let t = ts_ms(ts);
        assert!(
            points.last().is_none_or(|p| p.0 < t),
            "{line}: time goes forward"
        );
        points.push((t, v));
    }
    assert!(!done_families.is_empty());
    (families, series)
}

/// Asserts the counters start at 0 and never fall, and that every
/// histogram point has the same buckets, cumulative, its `+Inf` its count.
fn check_counters_and_histograms(families: &BTreeMap<String, Meta>, series: &Series) {
    for ((name, labels), points) in series {
        let (fam, meta) = family_of(name, families).unwrap();
        if meta.kind == "gauge" {
            continue;
        }
        assert_eq!(points[0].1, 0.0, "{name}{labels:?} starts at 0");
        assert!(
            points.windows(2).all(|w| w[0].1 <= w[1].1),
            "{name}{labels:?} is monotone"
        );
        if name.ends_with("_count") {
            let mut inf = labels.clone();
            inf.insert("le".into(), "+Inf".into());
            let inf_points = &series[&(format!("{fam}_bucket"), inf)];
            assert_eq!(inf_points, points, "{fam}: +Inf bucket is the count");
            // The same bounds at every point: each bucket series has a
            // sample at every time the count has one.
            let buckets: Vec<(&BTreeMap<String, String>, &Points)> = series
                .iter()
                .filter(|((n, l), _)| {
                    *n == format!("{fam}_bucket") && {
                        let mut own = (*l).clone();
                        own.remove("le");
                        own == *labels
                    }
                })
                .map(|((_, l), p)| (l, p))
                .collect();
            assert_eq!(buckets.len(), 17, "16 bounds and +Inf");
            let mut by_le: Vec<(f64, &Vec<(i64, f64)>)> = buckets
                .iter()
                .map(|(l, p)| (l["le"].parse::<f64>().unwrap(), *p))
                .collect();
            by_le.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (_, p) in &by_le {
                let times: Vec<i64> = p.iter().map(|x| x.0).collect();
                let count_times: Vec<i64> = points.iter().map(|x| x.0).collect();
                assert_eq!(times, count_times, "{fam}: same buckets at every point");
            }
            for k in 0..points.len() {
                assert!(
                    by_le.windows(2).all(|w| w[0].1[k].1 <= w[1].1[k].1),
                    "{fam}: buckets cumulative"
                );
            }
        }
    }
}

/// Reads a CSV file as rows of named cells.
fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// Looks series up by name and some of their labels, remembering which
/// were looked at, so that a check can assert none was left unchecked.
struct Lookup<'a> {
    series: &'a Series,
    epoch_ms: i64,
    seen: Mutex<BTreeSet<Key>>,
}

impl Lookup<'_> {
    /// The series of `name` whose labels include `labels`.
    fn matching(&self, name: &str, labels: &[(&str, &str)]) -> Vec<(&Key, &Vec<(i64, f64)>)> {
        let found: Vec<_> = self
            .series
            .iter()
            .filter(|((n, l), _)| {
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
            })
            .collect();
        let mut seen = self.seen.lock().unwrap();
        for (k, _) in &found {
            seen.insert((*k).clone());
        }
        found
    }

    /// The value at simulated second `t` of the one series matching, if
    /// it has a sample then.
    fn at(&self, name: &str, labels: &[(&str, &str)], t: f64) -> Option<f64> {
        let found = self.matching(name, labels);
        assert!(found.len() <= 1, "{name}{labels:?}: {} series", found.len());
        let ms = self.epoch_ms + (t * 1000.0).round() as i64;
        let (_, points) = found.first()?;
        points.iter().find(|p| p.0 == ms).map(|p| p.1)
    }

    /// The sum over the series matching of their increase from simulated
    /// second `from` to `to` (a series not yet started counts 0).
    fn increase(&self, name: &str, labels: &[(&str, &str)], from: f64, to: f64) -> f64 {
        let (a, b) = (
            self.epoch_ms + (from * 1000.0).round() as i64,
            self.epoch_ms + (to * 1000.0).round() as i64,
        );
        let found = self.matching(name, labels);
        assert!(!found.is_empty(), "{name}{labels:?}: no series");
        found
            .iter()
            .map(|(_, p)| {
                let v = |t| p.iter().find(|x| x.0 == t).map_or(0.0, |x| x.1);
                v(b) - v(a)
            })
            .sum()
    }
}

/// Seconds as exact nanoseconds (the export prints at most 9 decimals).
fn nanos(seconds: f64) -> SimDuration {
    SimDuration((seconds * 1e9).round() as u64)
}

/// Asserts `series` say what the run's CSVs in `dir` say: every window of
/// `timeseries.csv`, every row of `components.csv`, every class of
/// `summary.csv` (warm-up 0: its totals are the counters' last values);
/// and that no series was left unchecked.
fn check_against_csvs(series: &Series, dir: &Path, epoch_ms: i64) {
    let s = Lookup {
        series,
        epoch_ms,
        seen: Mutex::new(BTreeSet::new()),
    };
    let windows = read_csv(&dir.join("timeseries.csv"));
    assert_eq!(windows.len(), 20);
    let classes = ["browse", "order"];
    for w in &windows {
        let from: f64 = w["time_s"].parse().unwrap();
        let to = from + 1.0;
        let count = |col: &str| -> f64 { w[col].parse().unwrap() };
        let outcome = |o: &str| s.increase("capsim_requests_total", &[("outcome", o)], from, to);
        assert_eq!(outcome("ok"), count("goodput_rps"), "ok at {from}");
        assert_eq!(outcome("rejected"), count("rejected_rps"), "at {from}");
        assert_eq!(outcome("timed_out"), count("timed_out_rps"), "at {from}");
        assert_eq!(outcome("failed"), count("failed_rps"), "at {from}");
        let sent = s.increase("capsim_requests_sent_total", &[], from, to);
        assert_eq!(sent, count("offered_rps"));
        let late = s.increase("capsim_late_replies_total", &[], from, to);
        assert_eq!(outcome("ok") + late, count("completed_rps"));
        let retries = s.increase("capsim_retries_total", &[], from, to);
        assert_eq!(sent + retries, count("attempts_rps"));
        assert_eq!(
            s.at("capsim_requests_in_flight", &[], to),
            Some(count("in_flight"))
        );
        let ok_latencies = s.increase("capsim_latency_seconds_count", &[], from, to);
        assert_eq!(ok_latencies, count("goodput_rps"));
        for (q, col) in ["p50", "p90", "p99", "p999", "max"].iter().zip([
            "latency_p50_ms",
            "latency_p90_ms",
            "latency_p99_ms",
            "latency_p999_ms",
            "latency_max_ms",
        ]) {
            let gauge = s.at(&format!("capsim_latency_{q}_seconds"), &[], to);
            assert_eq!(
                gauge.map(|v| ms(nanos(v))),
                Some(w[col].clone()),
                "{col} at {from}"
            );
        }
        for c in classes {
            let inf = s.at(
                "capsim_latency_seconds_bucket",
                &[("class", c), ("le", "+Inf")],
                to,
            );
            assert_eq!(
                inf,
                s.at("capsim_latency_seconds_count", &[("class", c)], to)
            );
            for le in ["0.0005", "0.001", "0.005", "0.1", "1.0", "60.0"] {
                s.at(
                    "capsim_latency_seconds_bucket",
                    &[("class", c), ("le", le)],
                    to,
                )
                .expect("every bucket at every window");
            }
        }
    }
    check_components(&s, dir);
    check_summary(&s, dir, &classes);
    let seen = s.seen.lock().unwrap();
    let unchecked: Vec<&Key> = series
        .keys()
        .filter(|k| !seen.contains(*k) && k.0 != "capsim_latency_seconds_bucket")
        .collect();
    assert!(unchecked.is_empty(), "series no CSV checks: {unchecked:?}");
}

/// Every row of `components.csv` against its series at the window's end.
fn check_components(s: &Lookup, dir: &Path) {
    let rows = read_csv(&dir.join("components.csv"));
    let mut kinds_seen = BTreeSet::new();
    for r in &rows {
        let from: f64 = r["time_s"].parse().unwrap();
        let to = from + 1.0;
        let l = [
            ("component", r["component"].as_str()),
            ("instance", r["instance"].as_str()),
        ];
        let up = s.at("capsim_instances_up", &l, to);
        assert_eq!(up.map(|v| v.to_string()), Some(r["up"].clone()));
        for (name, col, decimals, scale) in [
            ("capsim_utilization", "utilization", 4, 1.0),
            ("capsim_queue_length", "queue_len", 3, 1.0),
            ("capsim_in_service", "in_service", 3, 1.0),
            ("capsim_queue_backlog", "backlog", 3, 1.0),
            ("capsim_replication_lag_seconds", "lag_ms", 3, 1000.0),
        ] {
            let v = s.at(name, &l, to).map(|v| fixed(v * scale, decimals));
            assert_eq!(v.unwrap_or_default(), r[col], "{col} of {l:?} at {from}");
        }
        for (name, col) in [
            ("capsim_completed_total", "completed"),
            ("capsim_rejected_total", "rejected"),
            ("capsim_cache_hits_total", "hits"),
            ("capsim_cache_misses_total", "misses"),
            ("capsim_stale_reads_total", "stale_reads"),
        ] {
            if r[col].is_empty() {
                assert!(s.matching(name, &l).is_empty(), "no {name} for {l:?}");
                continue;
            }
            kinds_seen.insert(col);
            let n = s.increase(name, &l, from, to);
            assert_eq!(n.to_string(), r[col], "{col} of {l:?} at {from}");
        }
    }
    assert_eq!(kinds_seen.len(), 5, "every counter family exercised");
}

/// Each class's totals in `summary.csv` (warm-up 0) against the counters'
/// last values, and its mean latency against the histogram's sum / count.
fn check_summary(s: &Lookup, dir: &Path, classes: &[&str]) {
    let rows = read_csv(&dir.join("summary.csv"));
    for c in classes {
        let row = rows.iter().find(|r| r["class"] == *c).unwrap();
        let total = |col: &str| -> f64 { row[col].parse().unwrap() };
        let end = 20.0;
        let last =
            |name: &str, extra: (&str, &str)| s.at(name, &[("class", c), extra], end).unwrap();
        assert_eq!(
            last("capsim_requests_sent_total", ("class", c)),
            total("requests")
        );
        for o in ["ok", "rejected", "timed_out", "failed"] {
            assert_eq!(
                last("capsim_requests_total", ("outcome", o)),
                total(o),
                "{c} {o}"
            );
        }
        let count = last("capsim_latency_seconds_count", ("class", c));
        let sum = nanos(last("capsim_latency_seconds_sum", ("class", c)));
        assert_eq!(count, total("ok"));
        let mean = SimDuration(sum.nanos() / count as u64);
        assert_eq!(ms(mean), row["latency_mean_ms"], "{c}'s mean latency");
    }
}

#[test]
fn metrics_om_follows_openmetrics_and_equals_the_csvs() {
    let (_tmp, dir) = run_scenario(&["--export", "openmetrics"]);
    let text = std::fs::read_to_string(dir.join("metrics.om")).unwrap();
    let (families, series) = parse_om(&text, "export", "base");
    check_counters_and_histograms(&families, &series);
    // Every series starts at the epoch (counters with their 0, gauges at
    // the first window's end) and ends at the run's end.
    for ((name, _), points) in &series {
        let (fam, m) = family_of(name, &families).unwrap();
        let first = if m.kind == "gauge" { 1000 } else { 0 };
        assert_eq!(
            points[0].0,
            DEFAULT_EPOCH_MS + first,
            "{fam} starts at the epoch"
        );
        assert_eq!(points.last().unwrap().0, DEFAULT_EPOCH_MS + 20_000);
    }
    check_against_csvs(&series, &dir, DEFAULT_EPOCH_MS);
}

#[test]
fn exporting_changes_no_other_output_and_a_plain_run_removes_metrics_om() {
    let (tmp, dir) = run_scenario(&["--export", "openmetrics", "--export", "openmetrics"]);
    let (_plain_tmp, plain) = run_scenario(&[]);
    let names = |d: &Path| -> BTreeSet<String> {
        std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    let mut exported = names(&dir);
    assert!(exported.remove("metrics.om"));
    assert_eq!(exported, names(&plain));
    for f in &exported {
        assert!(
            std::fs::read(dir.join(f)).unwrap() == std::fs::read(plain.join(f)).unwrap(),
            "{f} differs with --export"
        );
    }
    // A run without --export into the same folder leaves no metrics.om
    // describing the earlier run.
    let file = tmp.path().join("export.yaml");
    let out = tmp.path().join("out");
    let o = capsim(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!dir.join("metrics.om").exists());
}

#[test]
fn bad_export_arguments_exit_2_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("export.yaml");
    std::fs::write(&file, SCENARIO).unwrap();
    let out = tmp.path().join("out");
    let (f, o) = (file.to_str().unwrap(), out.to_str().unwrap());
    let cases: [(&[&str], &str); 7] = [
        (
            &["--export", "openmetrics", "--epoch", "yesterday"],
            "--epoch",
        ),
        (
            &["--export", "openmetrics", "--epoch", "2026-01-01"],
            "--epoch",
        ),
        (&["--epoch", "1767225600"], "--export"),
        (&["--export", "prometheus"], "--export"),
        (
            &["--export", "openmetrics", "--replications", "3"],
            "needs a single run",
        ),
        (
            &[
                "--export",
                "openmetrics",
                "--replications",
                "2",
                "--shard",
                "0/2",
            ],
            "--shard",
        ),
        (
            &["--export", "openmetrics", "--set", "window=500us"],
            "under 1ms",
        ),
    ];
    for (extra, says) in cases {
        let mut args = vec!["run", f, "--out", o, "-q"];
        args.extend_from_slice(extra);
        let r = capsim(&args);
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(says), "{extra:?} should name {says}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!out.exists(), "{extra:?} wrote outputs");
    }
}

/// `promtool` on PATH; without it, a notice and `None`, or a failure when
/// `CAPSIM_REQUIRE_PROMTOOL=1` (CI sets it: there the test must run).
fn promtool() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("promtool"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("CAPSIM_REQUIRE_PROMTOOL").as_deref() != Ok("1"),
            "CAPSIM_REQUIRE_PROMTOOL=1 and no promtool on PATH (Debian: apt-get install prometheus)"
        );
        eprintln!("notice: promtool is not on PATH; the backfill test did not run");
    }
    found
}

/// `promtool tsdb dump`'s lines (`{__name__="x", a="b"} value ms`) as
/// series.
fn parse_dump(text: &str) -> Series {
    let mut series: Series = BTreeMap::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let (mut labels, rest) = parse_labels(line);
        let name = labels.remove("__name__").expect("a metric name");
        let mut fields = rest.split_whitespace();
        let v: f64 = fields.next().unwrap().parse().unwrap();
        let t: i64 = fields.next().unwrap().parse().unwrap();
        series.entry((name, labels)).or_default().push((t, v));
    }
    for points in series.values_mut() {
        points.sort_by_key(|p| p.0);
    }
    series
}

#[test]
fn promtool_backfills_metrics_om_into_a_tsdb_that_reads_back_as_the_csvs() {
    let Some(promtool) = promtool() else {
        return;
    };
    let epoch_ms = 1_748_779_200_000; // 2025-06-01T12:00:00Z
    let (tmp, dir) = run_scenario(&["--export", "openmetrics", "--epoch", "2025-06-01T12:00:00Z"]);
    let om = dir.join("metrics.om");
    let tsdb = tmp.path().join("tsdb");
    // promtool with `args`, which must succeed: its standard output.
    let promtool = |args: &[&std::ffi::OsStr]| {
        let o = Command::new(&promtool).args(args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    promtool(&[
        "tsdb".as_ref(),
        "create-blocks-from".as_ref(),
        "openmetrics".as_ref(),
        om.as_os_str(),
        tsdb.as_os_str(),
    ]);
    // `tsdb dump` (promtool 2.42) opens the write-ahead log, which a
    // backfill does not create.
    std::fs::create_dir_all(tsdb.join("wal")).unwrap();
    let stored = parse_dump(&promtool(&[
        "tsdb".as_ref(),
        "dump".as_ref(),
        tsdb.as_os_str(),
    ]));
    let (_, written) = parse_om(&std::fs::read_to_string(&om).unwrap(), "export", "base");
    assert_eq!(
        stored.keys().collect::<Vec<_>>(),
        written.keys().collect::<Vec<_>>(),
        "the TSDB holds every series of metrics.om, and no other"
    );
    for (k, points) in &written {
        let back = &stored[k];
        assert_eq!(back.len(), points.len(), "{k:?}");
        for (a, b) in points.iter().zip(back) {
            assert_eq!(a.0, b.0, "{k:?}: timestamps");
            assert!(
                (a.1 - b.1).abs() <= 1e-9 * a.1.abs(),
                "{k:?} at {}: {} stored as {}",
                a.0,
                a.1,
                b.1
            );
        }
    }
    check_against_csvs(&stored, &dir, epoch_ms);
}

/// The sample names of `metrics.om` of `scenario`'s `variant` under `out`.
fn sample_names(out: &Path, scenario: &str, variant: &str) -> BTreeSet<String> {
    let text =
        std::fs::read_to_string(out.join(scenario).join(variant).join("metrics.om")).unwrap();
    let (_, series) = parse_om(&text, scenario, variant);
    series.into_keys().map(|(name, _)| name).collect()
}

/// Every `capsim_...` name in a PromQL expression.
fn metric_names(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = expr;
    while let Some(i) = rest.find("capsim_") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        names.push(tail[..end].to_string());
        rest = &tail[end..];
    }
    names
}

#[test]
fn the_grafana_dashboard_queries_only_series_the_export_writes() {
    let text =
        std::fs::read_to_string(Path::new(ROOT).join("grafana/capsim-dashboard.json")).unwrap();
    let d: serde_json::Value = serde_json::from_str(&text).expect("the dashboard is JSON");
    assert!(
        d["schemaVersion"].as_u64().unwrap() >= 39,
        "a current Grafana schema"
    );
    let vars = d["templating"]["list"].as_array().unwrap();
    let var = |name: &str| {
        vars.iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("${name}"))
    };
    assert_eq!(var("DS_PROMETHEUS")["type"], "datasource");
    assert_eq!(var("DS_PROMETHEUS")["query"], "prometheus");
    let mut exprs: Vec<String> = Vec::new();
    for v in ["scenario", "variant"] {
        let q = var(v)["query"]["query"].as_str().unwrap();
        assert!(
            q.starts_with("label_values(") && q.ends_with(&format!(", {v})")),
            "{q}"
        );
        exprs.push(q.to_string());
    }
    let panels: Vec<&serde_json::Value> = d["panels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] != "row")
        .collect();
    assert!(panels.len() >= 10);
    for p in &panels {
        assert_eq!(p["datasource"]["uid"], "${DS_PROMETHEUS}", "{}", p["title"]);
        for t in p["targets"].as_array().unwrap() {
            let e = t["expr"].as_str().unwrap();
            assert!(
                e.contains("scenario=\"$scenario\",variant=~\"$variant\""),
                "{e}"
            );
            exprs.push(e.to_string());
        }
    }
    // What the export writes for shipped scenarios that together have
    // every component kind: a balancer and services (demo), a cache and
    // a database (cache-aside), replicas (read-replicas), a durable queue
    // (queue-spike's `queued`) and an autoscaled pool (autoscaling).
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().to_str().unwrap();
    let mut written = BTreeSet::new();
    for (file, variant, name) in [
        ("demo", "base", "demo"),
        ("cache-aside", "base", "cache-aside"),
        ("read-replicas", "base", "read-replicas"),
        ("queue-spike", "queued", "queue-spike"),
        ("autoscaling", "base", "autoscaling"),
    ] {
        let path = format!("scenarios/{file}.yaml");
        let args = [
            "run",
            &path,
            "--variant",
            variant,
            "--set",
            "duration=20s",
            "--set",
            "warmup=0s",
            "--out",
            out,
            "-q",
            "--export",
            "openmetrics",
        ];
        let o = capsim(&args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        written.extend(sample_names(tmp.path(), name, variant));
    }
    let mut queried = BTreeSet::new();
    for e in &exprs {
        for n in metric_names(e) {
            assert!(
                written.contains(&n),
                "`{e}` queries {n}, which no export wrote"
            );
            queried.insert(n);
        }
    }
    for must in [
        "capsim_latency_seconds_bucket",
        "capsim_latency_p99_seconds",
        "capsim_requests_total",
        "capsim_utilization",
        "capsim_queue_length",
        "capsim_cache_hits_total",
        "capsim_cache_misses_total",
    ] {
        assert!(queried.contains(must), "the dashboard shows {must}");
    }
}
