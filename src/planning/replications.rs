//! Replications: independent runs of one configuration, what each
//! contributes (a [`Sample`]), the figures with 95% intervals across them
//! ([`Replicated`]), and when to stop adding runs.
//!
//! Samples are written to `replications.csv` in a form that reads back to
//! the same bits, and every figure is computed from samples in replication
//! order, so a run on one machine and shards merged from several give the
//! same bytes.

use std::io;

use rayon::prelude::*;

use super::interval::Figure;
use crate::engine::{SimDuration, derived_seed};
use crate::metrics::SummaryRow;
use crate::model::{Model, Replications};
use crate::report::format::fixed;
use crate::report::geo::ORIGIN_PREFIX;
use crate::report::schema::replications::COLUMNS as SAMPLE_COLUMNS;
use crate::simulation::{RunError, RunResult};

/// What one run contributes to the figures across runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Its index in the series, from 0.
    pub replication: u32,
    /// Its seed ([`derived_seed`] of the scenario's).
    pub seed: u64,
    /// The warm-up it excluded.
    pub warmup: SimDuration,
    /// Its summary: one row per request class, then `all`.
    pub rows: Vec<SummaryRow>,
    /// With data centers, its summary per origin (`origin:NAME`), in the
    /// model's order; empty without.
    pub origins: Vec<SummaryRow>,
    /// What the sized components cost per hour on average.
    pub cost_per_hour: Option<f64>,
    /// What they cost over the run.
    pub cost_total: Option<f64>,
    /// Windows after the warm-up that missed the SLO; `None` without one.
    pub slo_breached: Option<u64>,
    /// Mean utilisation after warm-up of each service, by name.
    pub utilization: Vec<(String, f64)>,
}

impl Sample {
    /// The sample of a finished run of `model`.
    pub fn of_run(replication: u32, model: &Model, result: &RunResult) -> Sample {
        Sample {
            replication,
            seed: model.seed,
            warmup: model.warmup,
            rows: result.summary.clone(),
            origins: result
                .geo
                .as_ref()
                .map(|g| g.origin_summary.clone())
                .unwrap_or_default(),
            cost_per_hour: result.cost_per_hour,
            cost_total: result.cost_total,
            slo_breached: result.slo.as_ref().map(|v| v.breached),
            utilization: model
                .components
                .iter()
                .zip(&result.utilization)
                .filter_map(|(c, u)| u.map(|u| (c.name.clone(), u)))
                .collect(),
        }
    }

    /// The `all` row.
    pub fn all(&self) -> &SummaryRow {
        self.rows.last().expect("a summary has an `all` row")
    }

    /// The sample of a run that stopped because requests piled up without
    /// bound (the configuration is overloaded): it has no figures.
    pub fn unbounded_run(replication: u32, seed: u64, warmup: SimDuration) -> Sample {
        Sample {
            replication,
            seed,
            warmup,
            rows: Vec::new(),
            origins: Vec::new(),
            cost_per_hour: None,
            cost_total: None,
            slo_breached: None,
            utilization: Vec::new(),
        }
    }

    /// Whether the run was overloaded without bound.
    pub fn unbounded(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Whether samples read from files can be summarised together: every run
/// that has figures has the same classes, in the same order, `all` last,
/// and the same origins after them.
pub fn consistent(samples: &[Sample]) -> bool {
    let mut bounded = samples.iter().filter(|s| !s.unbounded());
    let Some(first) = bounded.next() else {
        return true;
    };
    let classes = |s: &Sample| {
        s.rows
            .iter()
            .chain(&s.origins)
            .map(|r| r.class.clone())
            .collect::<Vec<_>>()
    };
    let want = classes(first);
    first.all().class == "all" && bounded.all(|s| classes(s) == want)
}

/// The model of replication `k` of `model`: the same scenario under the
/// `k`-th derived seed (replication 0 keeps the scenario's seed).
pub fn replication_model(model: &Model, k: u32) -> Model {
    let mut m = model.clone();
    m.seed = derived_seed(model.seed, k as u64);
    m
}

/// The figure types live with the reports that render them; they are
/// computed here.
pub use crate::report::figures::{ClassFigures, Replicated};

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut n = 0usize;
    let mut sum = 0.0;
    for v in values {
        n += 1;
        sum += v;
    }
    (n > 0).then(|| sum / n as f64)
}

/// One class's (or origin's) figures from its row in each run (at least
/// one).
fn class_figures(rows: &[&SummaryRow]) -> ClassFigures {
    // Every figure here is a rate, a throughput or a latency: none can be
    // negative, and a rate is at most 1, so their intervals are cut there.
    let within = |f: &dyn Fn(&SummaryRow) -> Option<f64>, ceiling: f64| {
        Figure::of_within(
            &rows.iter().filter_map(|r| f(r)).collect::<Vec<_>>(),
            0.0,
            ceiling,
        )
    };
    let fig = |f: &dyn Fn(&SummaryRow) -> Option<f64>| within(f, f64::INFINITY);
    let count =
        |f: &dyn Fn(&SummaryRow) -> u64| mean(rows.iter().map(|r| f(r) as f64)).unwrap_or(0.0);
    let q = |j: usize| fig(&|r| r.latency.map(|q| q[j].as_millis_f64()));
    ClassFigures {
        class: rows[0].class.clone(),
        counts: [
            count(&|r| r.requests),
            count(&|r| r.ok),
            count(&|r| r.rejected),
            count(&|r| r.timed_out),
            count(&|r| r.failed),
        ],
        error_rate: within(&|r| Some(r.error_rate), 1.0).expect("every run has a rate"),
        throughput_rps: fig(&|r| Some(r.throughput_rps)).expect("every run"),
        goodput_rps: fig(&|r| Some(r.goodput_rps)).expect("every run"),
        latency_ms: [
            fig(&|r| r.latency_mean.map(|d| d.as_millis_f64())),
            q(0),
            q(1),
            q(2),
            q(3),
            q(4),
        ],
        sessions_lost: mean(
            rows.iter()
                .filter_map(|r| r.sessions_lost.map(|n| n as f64)),
        ),
    }
}

impl Replicated {
    /// The figures of `samples` (in replication order; at least one).
    pub fn of(samples: &[Sample]) -> Replicated {
        let first = &samples[0];
        let classes = (0..first.rows.len())
            .map(|i| class_figures(&samples.iter().map(|s| &s.rows[i]).collect::<Vec<_>>()))
            .collect();
        // Samples read back are checked alike (`consistent`); a run's own
        // have the same origins in every replication.
        let origins = (0..first.origins.len())
            .map(|i| {
                class_figures(
                    &samples
                        .iter()
                        .filter_map(|s| s.origins.get(i))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let mut utilization: Vec<(String, f64)> = Vec::new();
        for (j, (name, _)) in first.utilization.iter().enumerate() {
            let m = mean(
                samples
                    .iter()
                    .filter_map(|s| s.utilization.get(j).map(|u| u.1)),
            );
            utilization.push((name.clone(), m.unwrap_or(0.0)));
        }
        Replicated {
            runs: samples.len() as u32,
            classes,
            origins,
            cost_per_hour: mean(samples.iter().filter_map(|s| s.cost_per_hour)),
            cost_total: mean(samples.iter().filter_map(|s| s.cost_total)),
            slo_breached_runs: first.slo_breached.map(|_| {
                samples
                    .iter()
                    .filter(|s| s.slo_breached.unwrap_or(0) > 0)
                    .count() as u32
            }),
            warmup: first.warmup,
            utilization,
        }
    }

    /// The headline figures `replications.precision` is judged on: p50,
    /// p99, error rate and throughput of all requests.
    pub fn headline(&self) -> [(&'static str, Option<Figure>); 4] {
        let a = self.all();
        [
            ("p50", a.latency_ms[1]),
            ("p99", a.latency_ms[3]),
            ("error rate", Some(a.error_rate)),
            ("throughput", Some(a.throughput_rps)),
        ]
    }

    /// Whether every headline interval is within `precision` of its value.
    pub fn precise(&self, precision: f64) -> bool {
        self.headline()
            .iter()
            .all(|(_, f)| f.is_none_or(|f| f.within(precision)))
    }

    /// The headline figures whose interval is still too wide.
    pub fn imprecise(&self, precision: f64) -> Vec<&'static str> {
        self.headline()
            .iter()
            .filter(|(_, f)| f.is_some_and(|f| !f.within(precision)))
            .map(|(n, _)| *n)
            .collect()
    }
}

/// How many of `samples` (in replication order, all of `0..len`) the series
/// keeps: `min` without a precision; with one, the fewest from `min` on at
/// which every headline interval is precise enough, else all of them. The
/// same rule on the same samples gives the same count however many extra
/// runs were made, so parallel and sharded series agree.
pub fn runs_needed(samples: &[Sample], spec: &Replications) -> usize {
    let len = samples.len();
    let Some(precision) = spec.precision else {
        return len.min(spec.min as usize);
    };
    for n in (spec.min as usize)..=len {
        if Replicated::of(&samples[..n]).precise(precision) {
            return n;
        }
    }
    len
}

/// Which replications a share of a series runs: `index` of `count` (from
/// 0) takes every `count`-th replication from `index`, so replication 0
/// (the one that writes time series and plots) is always in share 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    /// This share, from 0.
    pub index: u32,
    /// Shares in all.
    pub count: u32,
}

impl Share {
    /// Whether unit `k` (a replication, or a point's replication) is ours.
    pub fn has(&self, k: u64) -> bool {
        k % self.count as u64 == self.index as u64
    }

    /// Reads `i/n` (i from 0 to n - 1), as `--shard` takes it.
    pub fn parse(text: &str) -> Result<Share, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not a share: write `i/n`, such as `0/4`"))?;
        let i: u32 = i
            .trim()
            .parse()
            .map_err(|_| format!("`{i}` is not a share index: write `i/n` with i from 0 to n-1"))?;
        let n: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("`{n}` is not a number of shares"))?;
        if n == 0 || i >= n {
            return Err(format!(
                "share {i}/{n} does not exist: i runs from 0 to n-1 (0/{} to {}/{})",
                n.max(1),
                n.max(1) - 1,
                n.max(1)
            ));
        }
        Ok(Share { index: i, count: n })
    }
}

/// Runs a series of replications in parallel: `run(k)` makes replication
/// `k`. Without a share, the first `min`, then (with a precision) more in
/// batches of the cores until [`runs_needed`] is met or `max` is reached;
/// the samples kept are those [`runs_needed`] says. With a share, only its
/// replications of `0..max` (a precision is applied when shares merge).
///
/// `offset` numbers this series' replications among all a share splits
/// (a sweep's point p starts at p x max): replication k is unit offset + k.
pub fn run_series<F>(
    spec: &Replications,
    share: Option<Share>,
    offset: u64,
    run: F,
) -> Result<Vec<Sample>, RunError>
where
    F: Fn(u32) -> Result<Sample, RunError> + Sync,
{
    let all =
        |ks: Vec<u32>| -> Result<Vec<Sample>, RunError> { ks.into_par_iter().map(&run).collect() };
    if let Some(share) = share {
        let ks = (0..spec.max)
            .filter(|&k| share.has(offset + k as u64))
            .collect();
        return all(ks);
    }
    let mut samples = all((0..spec.min).collect())?;
    let Some(precision) = spec.precision else {
        return Ok(samples);
    };
    let batch = rayon::current_num_threads().max(1) as u32;
    loop {
        let n = runs_needed(&samples, spec);
        let done = samples.len() as u32;
        if done >= spec.max || Replicated::of(&samples[..n]).precise(precision) {
            samples.truncate(n);
            return Ok(samples);
        }
        let more = all((done..(done + batch).min(spec.max)).collect())?;
        samples.extend(more);
    }
}

/// A latency in milliseconds with nanosecond digits: reads back exactly.
fn exact_ms(d: SimDuration) -> String {
    fixed(d.as_millis_f64(), 6)
}

/// Writes `samples` as rows of `replications.csv`, each prefixed by `label`.
pub fn write_samples<W: io::Write>(
    w: &mut csv::Writer<W>,
    label: &[String],
    samples: &[Sample],
) -> io::Result<()> {
    for s in samples {
        if s.unbounded() {
            let mut rec: Vec<String> = label.to_vec();
            rec.extend([
                s.replication.to_string(),
                s.seed.to_string(),
                fixed(s.warmup.as_secs_f64(), 9),
                "-".to_string(),
            ]);
            rec.resize(label.len() + SAMPLE_COLUMNS.len(), String::new());
            w.write_record(&rec)?;
            continue;
        }
        // The origins' rows (with data centers) after `all`.
        for (i, r) in s.rows.iter().chain(&s.origins).enumerate() {
            let last = i + 1 == s.rows.len();
            let lat = |j: usize| r.latency.map(|q| exact_ms(q[j])).unwrap_or_default();
            // `{}` prints the shortest text that reads back to the same f64.
            let opt = |x: Option<f64>| x.map(|v| format!("{v}")).unwrap_or_default();
            let mut rec: Vec<String> = label.to_vec();
            rec.extend([
                s.replication.to_string(),
                s.seed.to_string(),
                fixed(s.warmup.as_secs_f64(), 9),
                r.class.clone(),
                r.requests.to_string(),
                r.ok.to_string(),
                r.rejected.to_string(),
                r.timed_out.to_string(),
                r.failed.to_string(),
                format!("{}", r.error_rate),
                format!("{}", r.throughput_rps),
                format!("{}", r.goodput_rps),
                r.latency_mean.map(exact_ms).unwrap_or_default(),
                lat(0),
                lat(1),
                lat(2),
                lat(3),
                lat(4),
                r.sessions_lost.map(|n| n.to_string()).unwrap_or_default(),
                if last {
                    opt(s.cost_per_hour)
                } else {
                    String::new()
                },
                if last {
                    opt(s.cost_total)
                } else {
                    String::new()
                },
                if last {
                    s.slo_breached.map(|n| n.to_string()).unwrap_or_default()
                } else {
                    String::new()
                },
                if last {
                    s.utilization
                        .iter()
                        .map(|(n, u)| format!("{n}={u}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                } else {
                    String::new()
                },
            ]);
            w.write_record(&rec)?;
        }
    }
    Ok(())
}

/// `replications.csv` as bytes: the `label_columns` (a variant's name, or a
/// sweep's point and keys), then one group of rows per `(label, samples)`.
pub fn replications_csv<'s>(
    label_columns: &[&str],
    groups: impl IntoIterator<Item = (Vec<String>, &'s [Sample])>,
) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = label_columns.to_vec();
    header.extend(SAMPLE_COLUMNS);
    w.write_record(&header)?;
    for (label, samples) in groups {
        write_samples(&mut w, &label, samples)?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// Reads back rows written by [`write_samples`] with `labels` label
/// columns: (label, sample) in file order, a sample's class rows together.
pub fn read_samples(text: &str, labels: usize) -> Result<Vec<(Vec<String>, Sample)>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| e.to_string())?.clone();
    let want: Vec<&str> = SAMPLE_COLUMNS.to_vec();
    let got: Vec<&str> = header.iter().skip(labels).collect();
    if got != want {
        return Err("its columns are not those of `replications.csv`".to_string());
    }
    let mut out: Vec<(Vec<String>, Sample)> = Vec::new();
    let mut open: Option<(Vec<String>, Sample)> = None;
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| format!("line {line}: {e}"))?;
        let f = |c: usize| rec.get(labels + c).unwrap_or("");
        let bad = |c: usize| {
            format!(
                "line {line}: `{}` is not a valid {}",
                f(c),
                SAMPLE_COLUMNS[c]
            )
        };
        let int = |c: usize| f(c).parse::<u64>().map_err(|_| bad(c));
        let float = |c: usize| f(c).parse::<f64>().map_err(|_| bad(c));
        let opt_float = |c: usize| {
            if f(c).is_empty() {
                Ok(None)
            } else {
                float(c).map(Some)
            }
        };
        let opt_int = |c: usize| {
            if f(c).is_empty() {
                Ok(None)
            } else {
                int(c).map(Some)
            }
        };
        let dur = |c: usize| -> Result<Option<SimDuration>, String> {
            Ok(opt_float(c)?.map(|ms| SimDuration((ms * 1e6).round() as u64)))
        };
        let label: Vec<String> = (0..labels)
            .map(|c| rec.get(c).unwrap_or("").to_string())
            .collect();
        let replication = int(0)? as u32;
        if f(3) == "-" {
            out.extend(open.take());
            out.push((
                label,
                Sample::unbounded_run(
                    replication,
                    int(1)?,
                    SimDuration((float(2)? * 1e9).round() as u64),
                ),
            ));
            continue;
        }
        let lat = [dur(13)?, dur(14)?, dur(15)?, dur(16)?, dur(17)?];
        let row = SummaryRow {
            class: f(3).to_string(),
            requests: int(4)?,
            ok: int(5)?,
            rejected: int(6)?,
            timed_out: int(7)?,
            failed: int(8)?,
            error_rate: float(9)?,
            throughput_rps: float(10)?,
            goodput_rps: float(11)?,
            latency_mean: dur(12)?,
            latency: match lat {
                [Some(a), Some(b), Some(c), Some(d), Some(e)] => Some([a, b, c, d, e]),
                _ => None,
            },
            sessions_lost: opt_int(18)?,
        };
        let same = open
            .as_ref()
            .is_some_and(|(l, s)| *l == label && s.replication == replication);
        if !same && let Some(done) = open.take() {
            out.push(done);
        }
        let (_, sample) = open.get_or_insert_with(|| {
            (
                label.clone(),
                Sample {
                    replication,
                    seed: 0,
                    warmup: SimDuration::ZERO,
                    rows: Vec::new(),
                    origins: Vec::new(),
                    cost_per_hour: None,
                    cost_total: None,
                    slo_breached: None,
                    utilization: Vec::new(),
                },
            )
        });
        sample.seed = int(1)?;
        sample.warmup = SimDuration((float(2)? * 1e9).round() as u64);
        if row.class.starts_with(ORIGIN_PREFIX) {
            sample.origins.push(row);
        } else {
            sample.rows.push(row);
        }
        if f(3) == "all" {
            sample.cost_per_hour = opt_float(19)?;
            sample.cost_total = opt_float(20)?;
            sample.slo_breached = opt_int(21)?;
            sample.utilization = f(22)
                .split_whitespace()
                .map(|kv| {
                    let (n, u) = kv.rsplit_once('=').ok_or_else(|| bad(22))?;
                    Ok((n.to_string(), u.parse::<f64>().map_err(|_| bad(22))?))
                })
                .collect::<Result<_, String>>()?;
        }
    }
    out.extend(open);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(class: &str, ok: u64, p50_ns: u64) -> SummaryRow {
        SummaryRow {
            class: class.into(),
            requests: ok + 3,
            ok,
            rejected: 1,
            timed_out: 1,
            failed: 1,
            error_rate: 3.0 / (ok as f64 + 3.0),
            throughput_rps: ok as f64 / 7.0,
            goodput_rps: ok as f64 / 7.0 - 0.1,
            latency_mean: Some(SimDuration(p50_ns + 17)),
            latency: Some([
                SimDuration(p50_ns),
                SimDuration(p50_ns * 2),
                SimDuration(p50_ns * 3 + 1),
                SimDuration(p50_ns * 4),
                SimDuration(p50_ns * 5),
            ]),
            sessions_lost: (class == "all").then_some(4),
        }
    }

    fn sample(k: u32) -> Sample {
        Sample {
            replication: k,
            seed: derived_seed(7, k as u64),
            warmup: SimDuration(1_500_000_001),
            rows: vec![
                row("browse", 1000 + k as u64, 12_345_678 + k as u64),
                row("all", 1500 + k as u64, 9_999_999),
            ],
            origins: vec![row("origin:eu", 700 + k as u64, 20_000_001 + k as u64)],
            cost_per_hour: Some(1.0 / 3.0),
            cost_total: Some(0.123_456_789_012_3),
            slo_breached: Some(k as u64 % 2),
            utilization: vec![
                ("web".into(), 0.1 + k as f64 / 3.0),
                ("db=x".into(), 2.0 / 3.0),
            ],
        }
    }

    #[test]
    fn samples_read_back_to_the_same_bits() {
        let samples: Vec<Sample> = (0..4).map(sample).collect();
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["variant".to_string()];
        header.extend(SAMPLE_COLUMNS.iter().map(|s| s.to_string()));
        w.write_record(&header).unwrap();
        write_samples(&mut w, &["base".to_string()], &samples).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let back = read_samples(&text, 1).unwrap();
        assert_eq!(back.len(), 4);
        for ((label, s), want) in back.iter().zip(&samples) {
            assert_eq!(label, &vec!["base".to_string()]);
            assert_eq!(s, want);
        }
        assert!(read_samples("a,b\n1,2\n", 1).is_err());
    }

    #[test]
    fn figures_across_samples() {
        let samples: Vec<Sample> = (0..4).map(sample).collect();
        let r = Replicated::of(&samples);
        assert_eq!(r.runs, 4);
        assert_eq!(r.all().counts[1], 1501.5);
        assert_eq!(r.slo_breached_runs, Some(2));
        assert_eq!(r.mean_row().ok, 1502);
        assert_eq!(r.busiest().unwrap().1, "db=x");
        let p50 = r.all().latency_ms[1].unwrap();
        assert_eq!((p50.lo, p50.hi), (Some(9.999_999), Some(9.999_999)));
    }

    #[test]
    fn the_stopping_rule_does_not_depend_on_extra_runs() {
        let spec = Replications {
            min: 2,
            max: 10,
            precision: Some(0.001),
        };
        let samples: Vec<Sample> = (0..10).map(sample).collect();
        let n = runs_needed(&samples, &spec);
        assert_eq!(runs_needed(&samples[..n.max(3)], &spec), n);
        let fixed = Replications {
            min: 3,
            max: 3,
            precision: None,
        };
        assert_eq!(runs_needed(&samples, &fixed), 3);
        let share = Share { index: 1, count: 3 };
        assert!(share.has(4) && !share.has(3));
    }
}
