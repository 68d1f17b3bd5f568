//! The series plots are drawn from: `timeseries.csv` and `components.csv`
//! read back from a run's folder, streaming, and downsampled on the way to at
//! most [`MAX_POINTS`] points per series, so that memory and drawing time do
//! not grow with the number of windows.

use std::io;
use std::path::Path;

use super::ComponentKinds;
use crate::model::Kind;
use crate::report::schema::{components as col, timeseries as ts};

/// Most points kept per series: about one per horizontal pixel.
pub(crate) const MAX_POINTS: usize = 1600;

/// How consecutive windows are combined into one point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Agg {
    /// The mean of the windows' values: rates, utilisation, levels.
    Mean,
    /// The largest value: latency quantiles (a short spike stays visible).
    Max,
    /// The smallest value: the lower edge of a band (the least lagging
    /// replica).
    Min,
}

/// Consecutive windows folded into one point.
#[derive(Clone, Debug)]
struct Bucket<const N: usize> {
    t_sum: f64,
    windows: u32,
    acc: [f64; N],
    present: [u32; N],
}

impl<const N: usize> Bucket<N> {
    fn new() -> Self {
        Bucket {
            t_sum: 0.0,
            windows: 0,
            acc: [0.0; N],
            present: [0; N],
        }
    }

    /// Folds `v` (a sum of `n` values, or their maximum) into column `i`.
    fn fold(&mut self, agg: Agg, i: usize, v: f64, n: u32) {
        self.acc[i] = match (agg, self.present[i]) {
            (_, 0) => v,
            (Agg::Mean, _) => self.acc[i] + v,
            (Agg::Max, _) => self.acc[i].max(v),
            (Agg::Min, _) => self.acc[i].min(v),
        };
        self.present[i] += n;
    }

    fn add(&mut self, aggs: &[Agg; N], t: f64, values: &[f64; N]) {
        self.t_sum += t;
        self.windows += 1;
        for (i, (&agg, &v)) in aggs.iter().zip(values).enumerate() {
            if !v.is_nan() {
                self.fold(agg, i, v, 1);
            }
        }
    }

    fn merge(&mut self, aggs: &[Agg; N], o: &Bucket<N>) {
        self.t_sum += o.t_sum;
        self.windows += o.windows;
        for (i, &agg) in aggs.iter().enumerate() {
            if o.present[i] > 0 {
                self.fold(agg, i, o.acc[i], o.present[i]);
            }
        }
    }

    fn value(&self, aggs: &[Agg; N], i: usize) -> f64 {
        match (aggs[i], self.present[i]) {
            (_, 0) => f64::NAN,
            (Agg::Mean, n) => self.acc[i] / n as f64,
            (Agg::Max | Agg::Min, _) => self.acc[i],
        }
    }
}

/// Streaming downsampler of rows of `N` values: keeps at most `max` buckets
/// of equally many consecutive windows, doubling the windows per bucket (by
/// merging neighbours) whenever they would exceed `max`. A NaN value is a gap:
/// it is left out of its bucket, and a bucket with no value is a gap too.
#[derive(Clone, Debug)]
pub(crate) struct Downsampler<const N: usize> {
    aggs: [Agg; N],
    max: usize,
    per_bucket: u32,
    done: Vec<Bucket<N>>,
    open: Bucket<N>,
}

impl<const N: usize> Downsampler<N> {
    /// Keeps at most `max` (even, at least 2) points.
    pub(crate) fn new(aggs: [Agg; N], max: usize) -> Self {
        let max = (max.max(2) / 2) * 2;
        Downsampler {
            aggs,
            max,
            per_bucket: 1,
            done: Vec::with_capacity(max),
            open: Bucket::new(),
        }
    }

    /// Adds the window starting at `t` (seconds).
    pub(crate) fn push(&mut self, t: f64, values: &[f64; N]) {
        self.open.add(&self.aggs, t, values);
        if self.open.windows >= self.per_bucket {
            let full = std::mem::replace(&mut self.open, Bucket::new());
            self.done.push(full);
            if self.done.len() >= self.max {
                let aggs = self.aggs;
                let merged: Vec<Bucket<N>> = self
                    .done
                    .chunks(2)
                    .map(|pair| {
                        let mut b = pair[0].clone();
                        if let Some(o) = pair.get(1) {
                            b.merge(&aggs, o);
                        }
                        b
                    })
                    .collect();
                self.done = merged;
                self.per_bucket *= 2;
            }
        }
    }

    /// The points: x is the mean start of the bucket's windows plus
    /// `x_shift` (half a window puts each point at the middle of its windows).
    pub(crate) fn finish(mut self, x_shift: f64) -> Series<N> {
        if self.open.windows > 0 {
            let open = std::mem::replace(&mut self.open, Bucket::new());
            self.done.push(open);
        }
        let mut x = Vec::with_capacity(self.done.len());
        let mut cols: [Vec<f64>; N] = std::array::from_fn(|_| Vec::with_capacity(self.done.len()));
        for b in &self.done {
            x.push(b.t_sum / b.windows as f64 + x_shift);
            for (i, col) in cols.iter_mut().enumerate() {
                col.push(b.value(&self.aggs, i));
            }
        }
        Series { x, cols }
    }
}

/// Downsampled columns sharing one x (seconds since the start).
#[derive(Clone, Debug)]
pub(crate) struct Series<const N: usize> {
    pub(crate) x: Vec<f64>,
    pub(crate) cols: [Vec<f64>; N],
}

impl<const N: usize> Series<N> {
    /// `(x, y)` points of column `i`.
    pub(crate) fn points(&self, i: usize) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.x.iter().copied().zip(self.cols[i].iter().copied())
    }

    /// The largest finite value of column `i`.
    pub(crate) fn max(&self, i: usize) -> Option<f64> {
        self.cols[i]
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .reduce(f64::max)
    }

    /// The smallest finite value of column `i`.
    pub(crate) fn min(&self, i: usize) -> Option<f64> {
        self.cols[i]
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .reduce(f64::min)
    }
}

/// Columns of `timeseries.csv` after `time_s`, in [`Timeseries::series`]
/// order.
pub(crate) const TS_COLUMNS: [&str; 12] = [
    ts::OFFERED,
    ts::COMPLETED,
    ts::GOODPUT,
    ts::REJECTED,
    ts::TIMED_OUT,
    ts::FAILED,
    ts::IN_FLIGHT,
    ts::P50,
    ts::P90,
    ts::P99,
    ts::P999,
    ts::MAX,
];
pub(crate) const OFFERED: usize = 0;
pub(crate) const COMPLETED: usize = 1;
pub(crate) const GOODPUT: usize = 2;
pub(crate) const REJECTED: usize = 3;
pub(crate) const TIMED_OUT: usize = 4;
pub(crate) const FAILED: usize = 5;
pub(crate) const P50: usize = 7;
pub(crate) const P90: usize = 8;
pub(crate) const P99: usize = 9;
pub(crate) const P999: usize = 10;

const TS_AGGS: [Agg; 12] = [
    Agg::Mean,
    Agg::Mean,
    Agg::Mean,
    Agg::Mean,
    Agg::Mean,
    Agg::Mean,
    Agg::Mean,
    Agg::Max,
    Agg::Max,
    Agg::Max,
    Agg::Max,
    Agg::Max,
];

/// A run's `timeseries.csv`, downsampled.
#[derive(Clone, Debug)]
pub(crate) struct Timeseries {
    pub(crate) series: Series<12>,
    /// Start of the last window plus one window: where the data end.
    pub(crate) end_s: f64,
    /// Windows read.
    pub(crate) windows: usize,
    /// Length of a window in seconds (the smallest step between windows;
    /// the whole run when there is a single window).
    pub(crate) window_s: f64,
}

fn bad(path: &Path, what: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {what}", path.display()),
    )
}

fn open(path: &Path) -> io::Result<csv::Reader<std::fs::File>> {
    let file = std::fs::File::open(path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(file))
}

fn column(path: &Path, headers: &csv::ByteRecord, name: &str) -> io::Result<usize> {
    headers
        .iter()
        .position(|h| h == name.as_bytes())
        .ok_or_else(|| bad(path, format_args!("no column `{name}`")))
}

/// A cell as a number; empty is NaN (a gap).
fn number(path: &Path, rec: &csv::ByteRecord, i: usize) -> io::Result<f64> {
    let cell = rec.get(i).unwrap_or(b"");
    if cell.is_empty() {
        return Ok(f64::NAN);
    }
    std::str::from_utf8(cell)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .ok_or_else(|| {
            bad(
                path,
                format_args!(
                    "line {}: not a number: {:?}",
                    rec.position().map_or(0, |p| p.line()),
                    String::from_utf8_lossy(cell)
                ),
            )
        })
}

/// Tracks the window length: the smallest positive step between the times
/// of consecutive distinct windows.
#[derive(Default)]
struct WindowLength {
    last: Option<f64>,
    step: Option<f64>,
}

impl WindowLength {
    fn see(&mut self, t: f64) {
        if let Some(last) = self.last
            && t > last
        {
            let d = t - last;
            self.step = Some(self.step.map_or(d, |s| s.min(d)));
        }
        self.last = Some(t);
    }

    /// The window, or `fallback` when there was a single window.
    fn get(&self, fallback: f64) -> f64 {
        self.step.unwrap_or(fallback)
    }
}

/// Reads `timeseries.csv`; `duration_s`, if known, bounds the last window.
pub(crate) fn read_timeseries(path: &Path, duration_s: Option<f64>) -> io::Result<Timeseries> {
    let mut rdr = open(path)?;
    let headers = rdr.byte_headers().map_err(|e| bad(path, e))?.clone();
    let t_col = column(path, &headers, ts::TIME)?;
    let mut cols = [0usize; 12];
    for (c, name) in cols.iter_mut().zip(TS_COLUMNS) {
        *c = column(path, &headers, name)?;
    }
    let mut ds = Downsampler::new(TS_AGGS, MAX_POINTS);
    let mut rec = csv::ByteRecord::new();
    let mut window = WindowLength::default();
    let mut values = [0f64; 12];
    let mut windows = 0;
    while rdr.read_byte_record(&mut rec).map_err(|e| bad(path, e))? {
        windows += 1;
        let t = number(path, &rec, t_col)?;
        if !t.is_finite() {
            return Err(bad(path, "empty time_s"));
        }
        window.see(t);
        for (v, &c) in values.iter_mut().zip(&cols) {
            *v = number(path, &rec, c)?;
        }
        ds.push(t, &values);
    }
    let w = window.get(duration_s.unwrap_or(1.0));
    let mut end_s = window.last.map_or(0.0, |t| t + w);
    if let Some(d) = duration_s {
        end_s = end_s.min(d).max(window.last.unwrap_or(0.0));
    }
    let mut series = ds.finish(w / 2.0);
    for x in &mut series.x {
        *x = x.min(end_s);
    }
    Ok(Timeseries {
        series,
        end_s,
        windows,
        window_s: w,
    })
}

/// Column indices of a component's series.
pub(crate) const UTILIZATION: usize = 0;
pub(crate) const QUEUE_LEN: usize = 1;
pub(crate) const IN_SERVICE: usize = 2;
pub(crate) const UP: usize = 3;
pub(crate) const BACKLOG: usize = 4;

/// One component's pool (`*` rows of `components.csv`), downsampled.
#[derive(Clone, Debug)]
pub(crate) struct ComponentSeries {
    pub(crate) name: String,
    /// Its kind, from the model.
    pub(crate) kind: Kind,
    /// Utilisation, queue length, in service, instances up, messages held.
    pub(crate) series: Series<5>,
    /// Mean utilisation over the windows after warm-up (all windows if the
    /// warm-up covers them all).
    pub(crate) mean_utilization: Option<f64>,
}

impl ComponentSeries {
    /// Whether its kind has workers to be busy: load balancers and queues
    /// have none (their level is what they hold instead).
    pub(crate) fn has_utilization(&self) -> bool {
        !matches!(self.kind, Kind::LoadBalancer | Kind::Queue)
    }
}

struct ComponentAcc {
    name: String,
    kind: Kind,
    ds: Downsampler<5>,
    after: (f64, u64),
    all: (f64, u64),
}

/// The kind of the component `name` of a row, which the run must have.
fn kind_of(path: &Path, kinds: &ComponentKinds, name: &[u8]) -> io::Result<Kind> {
    kinds.get(name).ok_or_else(|| {
        bad(
            path,
            format_args!(
                "component `{}` is not one of the run's",
                String::from_utf8_lossy(name)
            ),
        )
    })
}

/// Reads the `*` rows of `components.csv`, in the order components first
/// appear.
pub(crate) fn read_components(
    path: &Path,
    warmup_s: f64,
    duration_s: Option<f64>,
    kinds: &ComponentKinds,
) -> io::Result<Vec<ComponentSeries>> {
    let mut rdr = open(path)?;
    let headers = rdr.byte_headers().map_err(|e| bad(path, e))?.clone();
    let t_col = column(path, &headers, col::TIME)?;
    let comp_col = column(path, &headers, col::COMPONENT)?;
    let inst_col = column(path, &headers, col::INSTANCE)?;
    let cols = [
        column(path, &headers, col::UTILIZATION)?,
        column(path, &headers, col::QUEUE_LEN)?,
        column(path, &headers, col::IN_SERVICE)?,
        column(path, &headers, col::UP)?,
        column(path, &headers, col::BACKLOG)?,
    ];
    let mut accs: Vec<ComponentAcc> = Vec::new();
    let mut rec = csv::ByteRecord::new();
    let mut window = WindowLength::default();
    let mut values = [0f64; 5];
    while rdr.read_byte_record(&mut rec).map_err(|e| bad(path, e))? {
        if rec.get(inst_col) != Some(b"*") {
            continue;
        }
        let t = number(path, &rec, t_col)?;
        if !t.is_finite() {
            return Err(bad(path, "empty time_s"));
        }
        window.see(t);
        for (v, &c) in values.iter_mut().zip(&cols) {
            *v = number(path, &rec, c)?;
        }
        let name = rec.get(comp_col).unwrap_or(b"");
        // Components come in the same order every window: the last one
        // looked up is usually the one before this.
        let idx = match accs.iter().position(|a| a.name.as_bytes() == name) {
            Some(i) => i,
            None => {
                accs.push(ComponentAcc {
                    name: String::from_utf8_lossy(name).into_owned(),
                    kind: kind_of(path, kinds, name)?,
                    ds: Downsampler::new([Agg::Mean; 5], MAX_POINTS),
                    after: (0.0, 0),
                    all: (0.0, 0),
                });
                accs.len() - 1
            }
        };
        let acc = &mut accs[idx];
        let u = values[UTILIZATION];
        if u.is_finite() {
            acc.all.0 += u;
            acc.all.1 += 1;
            if t >= warmup_s {
                acc.after.0 += u;
                acc.after.1 += 1;
            }
        }
        acc.ds.push(t, &values);
    }
    let w = window.get(duration_s.unwrap_or(1.0));
    let end = duration_s.unwrap_or(f64::INFINITY);
    Ok(accs
        .into_iter()
        .map(|a| {
            let mut series = a.ds.finish(w / 2.0);
            for x in &mut series.x {
                *x = x.min(end);
            }
            let (sum, n) = if a.after.1 > 0 { a.after } else { a.all };
            ComponentSeries {
                name: a.name,
                kind: a.kind,
                series,
                mean_utilization: (n > 0).then(|| sum / n as f64),
            }
        })
        .collect())
}

/// Column indices of a cache's series: lookups that hit and that missed,
/// per second.
pub(crate) const HITS_PS: usize = 0;
pub(crate) const MISSES_PS: usize = 1;

/// A cache (`*` rows with `hits`), downsampled.
#[derive(Clone, Debug)]
pub(crate) struct CacheSeries {
    pub(crate) name: String,
    /// Hits and misses per second.
    pub(crate) series: Series<2>,
    /// Hits and misses after the warm-up (all windows if the warm-up covers
    /// them all).
    pub(crate) after: (f64, f64),
}

impl CacheSeries {
    /// The hit ratio of each point: hits / lookups, NaN (a gap) without
    /// lookups. A ratio of the point's mean rates, so of its windows' sums:
    /// a busy window weighs more than a quiet one.
    pub(crate) fn hit_ratio(&self) -> Vec<(f64, f64)> {
        let s = &self.series;
        s.x.iter()
            .zip(s.cols[HITS_PS].iter().zip(&s.cols[MISSES_PS]))
            .map(|(&x, (&h, &m))| {
                let lookups = h + m;
                (x, if lookups > 0.0 { h / lookups } else { f64::NAN })
            })
            .collect()
    }

    /// The hit ratio after the warm-up.
    pub(crate) fn ratio_after(&self) -> Option<f64> {
        let (h, m) = self.after;
        (h + m > 0.0).then(|| h / (h + m))
    }
}

/// Column indices of a shard's series: operations per second (all its
/// nodes), utilisation of its busiest node.
pub(crate) const OPS_PS: usize = 0;
pub(crate) const BUSIEST: usize = 1;

/// One shard of a database: the sum of its nodes (`shard<i>.primary`,
/// `shard<i>.replica<j>`).
#[derive(Clone, Debug)]
pub(crate) struct ShardSeries {
    /// Its number, `i` of `shard<i>`.
    pub(crate) index: usize,
    /// Operations per second, busiest node's utilisation.
    pub(crate) series: Series<2>,
    /// Operations after the warm-up (all windows if the warm-up covers them
    /// all), to rank the shards by.
    pub(crate) ops_after: f64,
}

/// Column indices of a database's replication series.
pub(crate) const LAG_MEAN: usize = 0;
pub(crate) const LAG_WORST: usize = 1;
pub(crate) const LAG_BEST: usize = 2;
pub(crate) const STALE_PS: usize = 3;

/// A database (rows with `stale_reads`), downsampled.
#[derive(Clone, Debug)]
pub(crate) struct DatabaseSeries {
    pub(crate) name: String,
    /// Its shards, by number.
    pub(crate) shards: Vec<ShardSeries>,
    /// Replicas per shard.
    pub(crate) replicas: usize,
    /// Equal nodes per shard (`shard0.node1`: `multi_primary`, `ring`,
    /// `quorum`); 0 for a primary with replicas.
    pub(crate) peers: usize,
    /// Mean lag of all replicas (the `*` row), of the most and of the least
    /// lagging replica (ms), stale reads per second.
    pub(crate) replication: Series<4>,
}

/// Column indices of a queue's series.
pub(crate) const HELD: usize = 0;
pub(crate) const CONSUMING: usize = 1;
pub(crate) const CONSUMED_PS: usize = 2;
pub(crate) const REFUSED_PS: usize = 3;

/// A message queue (`*` rows with `backlog`), downsampled.
#[derive(Clone, Debug)]
pub(crate) struct QueueSeries {
    pub(crate) name: String,
    /// Messages held (waiting + being consumed) and being consumed (time
    /// averages); consumed and refused per second.
    pub(crate) series: Series<4>,
}

/// The caches, databases and queues of a run, in the order they first
/// appear in `components.csv`.
#[derive(Clone, Debug, Default)]
pub(crate) struct DataTier {
    pub(crate) caches: Vec<CacheSeries>,
    pub(crate) databases: Vec<DatabaseSeries>,
    pub(crate) queues: Vec<QueueSeries>,
    /// Windows read.
    pub(crate) windows: usize,
}

/// What a database node is within its shard.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    /// The shard's primary.
    Primary,
    /// Its replica, by number.
    Replica(usize),
    /// One of its equal nodes (`multi_primary`, `ring`, `quorum`), by
    /// number.
    Peer(usize),
}

/// A database node's instance name: its shard and its role
/// (`shard3.primary`, `shard3.replica1`, `shard3.node0`).
fn parse_node(instance: &[u8]) -> Option<(usize, Role)> {
    use crate::components::Label;
    // The one reader of instance names (components/instance_name.rs).
    match std::str::from_utf8(instance).ok()?.parse::<Label>().ok()? {
        Label::Primary { shard } => Some((shard as usize, Role::Primary)),
        Label::Replica { shard, replica } => {
            Some((shard as usize, Role::Replica(replica as usize)))
        }
        Label::ShardNode { shard, node } => Some((shard as usize, Role::Peer(node as usize))),
        _ => None,
    }
}

/// A database's current window, summed over its nodes as their rows come.
struct DbWindow {
    t: f64,
    len: f64,
    /// Per shard: operations, busiest node's utilisation.
    shards: Vec<(f64, f64)>,
    lag_max: f64,
    lag_min: f64,
    star_lag: f64,
    star_stale: f64,
}

impl DbWindow {
    fn new(t: f64, len: f64, shards: usize) -> DbWindow {
        DbWindow {
            t,
            len,
            shards: vec![(0.0, f64::NAN); shards],
            lag_max: f64::NAN,
            lag_min: f64::NAN,
            star_lag: f64::NAN,
            star_stale: f64::NAN,
        }
    }
}

/// A shard's series as its windows close.
struct ShardAcc {
    ds: Downsampler<2>,
    /// Operations after the warm-up, and in all.
    after: f64,
    all: f64,
}

struct DbAcc {
    name: String,
    /// Shards seen: from the first window (every node reports every window).
    shards: Vec<ShardAcc>,
    replicas: usize,
    peers: usize,
    replication: Downsampler<4>,
    open: Option<DbWindow>,
    warmup_s: f64,
}

impl DbAcc {
    fn flush(&mut self) {
        let Some(w) = self.open.take() else {
            return;
        };
        for (acc, &(ops, util)) in self.shards.iter_mut().zip(&w.shards) {
            acc.ds.push(w.t, &[ops / w.len, util]);
            acc.all += ops;
            if w.t >= self.warmup_s {
                acc.after += ops;
            }
        }
        self.replication.push(
            w.t,
            &[w.star_lag, w.lag_max, w.lag_min, w.star_stale / w.len],
        );
    }

    /// The window of the row at `t`, flushing the previous one.
    fn window(&mut self, t: f64, len: f64) -> &mut DbWindow {
        if self.open.as_ref().is_some_and(|w| w.t != t) {
            self.flush();
        }
        let shards = self.shards.len();
        self.open
            .get_or_insert_with(|| DbWindow::new(t, len, shards))
    }
}

/// A cache's series as its rows come.
struct CacheAcc {
    name: String,
    ds: Downsampler<2>,
    /// Hits and misses after the warm-up, and in all.
    after: (f64, f64),
    all: (f64, f64),
}

/// The columns of `components.csv` the data tier reads.
struct TierColumns {
    time: usize,
    component: usize,
    instance: usize,
    utilization: usize,
    in_service: usize,
    completed: usize,
    rejected: usize,
    hits: usize,
    misses: usize,
    backlog: usize,
    lag: usize,
    stale: usize,
}

impl TierColumns {
    fn find(path: &Path, headers: &csv::ByteRecord) -> io::Result<TierColumns> {
        let c = |name| column(path, headers, name);
        Ok(TierColumns {
            time: c(col::TIME)?,
            component: c(col::COMPONENT)?,
            instance: c(col::INSTANCE)?,
            utilization: c(col::UTILIZATION)?,
            in_service: c(col::IN_SERVICE)?,
            completed: c(col::COMPLETED)?,
            rejected: c(col::REJECTED)?,
            hits: c(col::HITS)?,
            misses: c(col::MISSES)?,
            backlog: c(col::BACKLOG)?,
            lag: c(col::LAG_MS)?,
            stale: c(col::STALE_READS)?,
        })
    }
}

/// One row of `components.csv` being read.
struct Row<'r> {
    path: &'r Path,
    rec: &'r csv::ByteRecord,
    cols: &'r TierColumns,
    /// The window's start, seconds.
    t: f64,
    /// The window's length (the last may be cut short by the run's end).
    len: f64,
    /// Whether it is the first window.
    first: bool,
}

impl Row<'_> {
    fn number(&self, col: usize) -> io::Result<f64> {
        number(self.path, self.rec, col)
    }
}

/// The index of the accumulator of `name` in `list`, added by `new` the
/// first time (components come in the same order every window).
fn position_or_add<T>(
    list: &mut Vec<T>,
    is: impl Fn(&T) -> bool,
    new: impl FnOnce() -> T,
) -> usize {
    match list.iter().position(is) {
        Some(i) => i,
        None => {
            list.push(new());
            list.len() - 1
        }
    }
}

/// The data tier's series as the rows come.
struct TierAcc {
    caches: Vec<CacheAcc>,
    dbs: Vec<DbAcc>,
    queues: Vec<(String, Downsampler<4>)>,
    warmup_s: f64,
}

impl TierAcc {
    /// A row of a database: its nodes' rows are summed per shard, its `*`
    /// row gives the mean lag and the stale reads.
    fn database(&mut self, row: &Row, name: &[u8], instance: &[u8]) -> io::Result<()> {
        let warmup_s = self.warmup_s;
        let i = position_or_add(
            &mut self.dbs,
            |d| d.name.as_bytes() == name,
            || DbAcc {
                name: String::from_utf8_lossy(name).into_owned(),
                shards: Vec::new(),
                replicas: 0,
                peers: 0,
                replication: Downsampler::new(
                    [Agg::Mean, Agg::Max, Agg::Min, Agg::Mean],
                    MAX_POINTS,
                ),
                open: None,
                warmup_s,
            },
        );
        let db = &mut self.dbs[i];
        let star = instance == b"*";
        let node = if star { None } else { parse_node(instance) };
        // The shards and replicas are those of the first window.
        if let Some((shard, role)) = node
            && row.first
        {
            while db.shards.len() <= shard {
                db.shards.push(ShardAcc {
                    ds: Downsampler::new([Agg::Mean, Agg::Mean], MAX_POINTS),
                    after: 0.0,
                    all: 0.0,
                });
            }
            match role {
                Role::Replica(r) => db.replicas = db.replicas.max(r + 1),
                Role::Peer(p) => db.peers = db.peers.max(p + 1),
                Role::Primary => {}
            }
        }
        let c = row.cols;
        let (util, completed, lag, stale) = (
            row.number(c.utilization)?,
            row.number(c.completed)?,
            row.number(c.lag)?,
            row.number(c.stale)?,
        );
        let shards = db.shards.len();
        let w = db.window(row.t, row.len);
        if w.shards.len() < shards {
            w.shards.resize(shards, (0.0, f64::NAN));
        }
        if star {
            w.star_lag = lag;
            w.star_stale = stale;
        } else if let Some((shard, role)) = node {
            // A node that appears later than the first window is left
            // out: its series would not line up with the others.
            if let Some(s) = w.shards.get_mut(shard) {
                if completed.is_finite() {
                    s.0 += completed;
                }
                if util.is_finite() {
                    s.1 = if s.1.is_nan() { util } else { s.1.max(util) };
                }
            }
            if matches!(role, Role::Replica(_)) && lag.is_finite() {
                w.lag_max = if w.lag_max.is_nan() {
                    lag
                } else {
                    w.lag_max.max(lag)
                };
                w.lag_min = if w.lag_min.is_nan() {
                    lag
                } else {
                    w.lag_min.min(lag)
                };
            }
        }
        Ok(())
    }

    /// The `*` row of a cache: hits and misses become rates.
    fn cache(&mut self, row: &Row, name: &[u8]) -> io::Result<()> {
        // `max` turns an empty cell (NaN) into no misses.
        let (hits, misses) = (
            row.number(row.cols.hits)?,
            row.number(row.cols.misses)?.max(0.0),
        );
        let i = position_or_add(
            &mut self.caches,
            |c| c.name.as_bytes() == name,
            || CacheAcc {
                name: String::from_utf8_lossy(name).into_owned(),
                ds: Downsampler::new([Agg::Mean, Agg::Mean], MAX_POINTS),
                after: (0.0, 0.0),
                all: (0.0, 0.0),
            },
        );
        let c = &mut self.caches[i];
        c.ds.push(row.t, &[hits / row.len, misses / row.len]);
        c.all.0 += hits;
        c.all.1 += misses;
        if row.t >= self.warmup_s {
            c.after.0 += hits;
            c.after.1 += misses;
        }
        Ok(())
    }

    /// The `*` row of a queue: messages held and being consumed, consumed
    /// and refused per second.
    fn queue(&mut self, row: &Row, name: &[u8]) -> io::Result<()> {
        let i = position_or_add(
            &mut self.queues,
            |q| q.0.as_bytes() == name,
            || {
                (
                    String::from_utf8_lossy(name).into_owned(),
                    Downsampler::new([Agg::Mean; 4], MAX_POINTS),
                )
            },
        );
        let c = row.cols;
        let values = [
            row.number(c.backlog)?,
            row.number(c.in_service)?,
            row.number(c.completed)? / row.len,
            row.number(c.rejected)? / row.len,
        ];
        self.queues[i].1.push(row.t, &values);
        Ok(())
    }

    /// The series, points at the middle of their windows, none past the
    /// run's end.
    fn finish(mut self, window_s: f64, duration_s: Option<f64>, windows: usize) -> DataTier {
        for db in &mut self.dbs {
            db.flush();
        }
        let half = window_s / 2.0;
        let end = duration_s.unwrap_or(f64::INFINITY);
        fn clip<const N: usize>(mut s: Series<N>, end: f64) -> Series<N> {
            for x in &mut s.x {
                *x = x.min(end);
            }
            s
        }
        DataTier {
            caches: self
                .caches
                .into_iter()
                .map(|c| CacheSeries {
                    name: c.name,
                    series: clip(c.ds.finish(half), end),
                    after: if c.after.0 + c.after.1 > 0.0 {
                        c.after
                    } else {
                        c.all
                    },
                })
                .collect(),
            databases: self
                .dbs
                .into_iter()
                .map(|db| {
                    let any_after = db.shards.iter().any(|s| s.after > 0.0);
                    DatabaseSeries {
                        name: db.name,
                        shards: db
                            .shards
                            .into_iter()
                            .enumerate()
                            .map(|(index, s)| ShardSeries {
                                index,
                                series: clip(s.ds.finish(half), end),
                                ops_after: if any_after { s.after } else { s.all },
                            })
                            .collect(),
                        replicas: db.replicas,
                        peers: db.peers,
                        replication: clip(db.replication.finish(half), end),
                    }
                })
                .collect(),
            queues: self
                .queues
                .into_iter()
                .map(|(name, ds)| QueueSeries {
                    name,
                    series: clip(ds.finish(half), end),
                })
                .collect(),
            windows,
        }
    }
}

/// Reads the caches, databases and queues of `components.csv`, each by the
/// kind `kinds` gives its name. Counts become rates over `window_s` (the
/// last window over what is left of `duration_s`). A run without a data
/// tier reads nothing past the header.
pub(crate) fn read_data_tier(
    path: &Path,
    warmup_s: f64,
    duration_s: Option<f64>,
    window_s: f64,
    kinds: &ComponentKinds,
) -> io::Result<DataTier> {
    let mut rdr = open(path)?;
    let headers = rdr.byte_headers().map_err(|e| bad(path, e))?.clone();
    let cols = TierColumns::find(path, &headers)?;
    if !kinds.any_data_tier() {
        return Ok(DataTier::default());
    }
    let window_s = if window_s.is_finite() && window_s > 0.0 {
        window_s
    } else {
        1.0
    };
    let mut acc = TierAcc {
        caches: Vec::new(),
        dbs: Vec::new(),
        queues: Vec::new(),
        warmup_s,
    };
    let mut rec = csv::ByteRecord::new();
    let mut first: Option<f64> = None;
    let mut last: Option<f64> = None;
    let mut windows = 0;
    while rdr.read_byte_record(&mut rec).map_err(|e| bad(path, e))? {
        let t = number(path, &rec, cols.time)?;
        if !t.is_finite() {
            return Err(bad(path, "empty time_s"));
        }
        if last != Some(t) {
            windows += 1;
            last = Some(t);
        }
        let first_t = *first.get_or_insert(t);
        let len = match duration_s {
            Some(d) if d - t > 0.0 => window_s.min(d - t),
            _ => window_s,
        };
        let row = Row {
            path,
            rec: &rec,
            cols: &cols,
            t,
            len,
            first: t == first_t,
        };
        let name = rec.get(cols.component).unwrap_or(b"");
        let instance = rec.get(cols.instance).unwrap_or(b"");
        let star = instance == b"*";
        match kind_of(path, kinds, name)? {
            Kind::Database => acc.database(&row, name, instance)?,
            Kind::Cache if star => acc.cache(&row, name)?,
            Kind::Queue if star => acc.queue(&row, name)?,
            _ => {}
        }
    }
    Ok(acc.finish(window_s, duration_s, windows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsampling_keeps_at_most_max_points_means_and_maxima() {
        let mut ds = Downsampler::new([Agg::Mean, Agg::Max], 10);
        for i in 0..1000 {
            let spike = if i == 501 { 100.0 } else { 1.0 };
            let gap = if i < 500 { f64::NAN } else { spike };
            ds.push(i as f64, &[i as f64, gap]);
        }
        let s = ds.finish(0.5);
        assert!(s.x.len() <= 10 && s.x.len() >= 5, "{}", s.x.len());
        // Each bucket holds the mean of its windows; x is their middle.
        assert!(s.cols[0].windows(2).all(|w| w[0] < w[1]));
        assert!((s.x[0] - (s.cols[0][0] + 0.5)).abs() < 1e-9);
        // Gaps stay gaps; the spike survives as a maximum.
        assert!(s.cols[1][0].is_nan());
        assert_eq!(s.max(1), Some(100.0));
    }

    #[test]
    fn the_data_tier_is_told_by_its_kinds_and_counts_become_rates() {
        assert_eq!(parse_node(b"shard12.primary"), Some((12, Role::Primary)));
        assert_eq!(parse_node(b"shard0.replica3"), Some((0, Role::Replica(3))));
        assert_eq!(parse_node(b"shard2.node1"), Some((2, Role::Peer(1))));
        assert_eq!(parse_node(b"node0"), None);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("components.csv");
        let header = col::COLUMNS.join(",");
        // Windows of half a second, the last cut to 0.25 s by the end of
        // the run; a window without lookups; a database of 2 shards with a
        // replica each; a queue; a service (no data tier).
        let mut rows = vec![header];
        for (t, hits, misses) in [("0", 3, 1), ("0.5", 0, 0), ("1", 1, 1)] {
            rows.push(format!("{t},web,*,1,0.5,0,1,4,0,,,,,"));
            rows.push(format!("{t},c,node0,1,0.1,0,0.1,4,0,{hits},{misses},,,"));
            rows.push(format!("{t},c,*,1,0.1,0,0.1,4,0,{hits},{misses},,,"));
            rows.push(format!("{t},db,shard0.primary,1,0.2,0,1,3,0,,,,,0"));
            rows.push(format!("{t},db,shard0.replica0,1,0.6,0,1,1,0,,,,30,1"));
            rows.push(format!("{t},db,shard1.primary,1,0.1,0,1,1,0,,,,,0"));
            rows.push(format!("{t},db,shard1.replica0,1,0.1,0,1,1,0,,,,10,0"));
            rows.push(format!("{t},db,*,4,0.25,0,4,6,0,,,,20,1"));
            rows.push(format!("{t},q,*,1,,2,1,3,1,,,3,,"));
        }
        let text = rows.join("\n") + "\n";
        std::fs::write(&path, text).unwrap();
        let kinds = ComponentKinds::new([
            ("web", Kind::Service),
            ("c", Kind::Cache),
            ("db", Kind::Database),
            ("q", Kind::Queue),
        ]);
        let tier = read_data_tier(&path, 0.5, Some(1.25), 0.5, &kinds).unwrap();
        assert_eq!(tier.windows, 3);

        let [c] = &tier.caches[..] else {
            panic!("{:?}", tier.caches)
        };
        assert_eq!(c.series.cols[HITS_PS], [6.0, 0.0, 4.0]);
        let ratio: Vec<f64> = c.hit_ratio().into_iter().map(|p| p.1).collect();
        assert_eq!(ratio[0], 0.75);
        assert!(ratio[1].is_nan(), "no lookups: a gap");
        assert_eq!(c.ratio_after(), Some(0.5));

        let [db] = &tier.databases[..] else {
            panic!("{:?}", tier.databases)
        };
        assert_eq!((db.shards.len(), db.replicas), (2, 1));
        assert_eq!(db.shards[0].series.cols[OPS_PS], [8.0, 8.0, 16.0]);
        assert_eq!(db.shards[0].series.cols[BUSIEST], [0.6, 0.6, 0.6]);
        assert_eq!(db.shards[0].ops_after, 8.0);
        let r = &db.replication;
        assert_eq!(r.cols[LAG_MEAN], [20.0; 3]);
        assert_eq!(r.cols[LAG_WORST], [30.0; 3]);
        assert_eq!(r.cols[LAG_BEST], [10.0; 3]);
        assert_eq!(r.cols[STALE_PS], [2.0, 2.0, 4.0]);
        assert_eq!(r.x, [0.25, 0.75, 1.25]);

        let [q] = &tier.queues[..] else {
            panic!("{:?}", tier.queues)
        };
        assert_eq!(q.series.cols[HELD], [3.0; 3]);
        assert_eq!(q.series.cols[CONSUMED_PS], [6.0, 6.0, 12.0]);
        assert_eq!(q.series.cols[REFUSED_PS], [2.0, 2.0, 4.0]);
    }

    #[test]
    fn a_run_without_a_data_tier_reads_no_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("components.csv");
        let mut text = col::COLUMNS.join(",") + "\n";
        text.push_str("0,web,*,1,0.5,0,1,4,0,,,,,\n1,web,*,1,0.5,0,1,4,0,,,,,\n");
        // A broken row is never reached.
        text.push_str("2,web,*,1,oops,0,1,4,0,,,,,\n");
        std::fs::write(&path, text).unwrap();
        let kinds = ComponentKinds::new([("web", Kind::Service)]);
        let tier = read_data_tier(&path, 0.0, None, 1.0, &kinds).unwrap();
        assert!(tier.caches.is_empty() && tier.databases.is_empty() && tier.queues.is_empty());
    }

    #[test]
    fn few_windows_are_kept_as_they_are() {
        let mut ds = Downsampler::new([Agg::Mean], MAX_POINTS);
        for i in 0..600 {
            ds.push(i as f64, &[i as f64]);
        }
        let s = ds.finish(0.0);
        assert_eq!(s.x.len(), 600);
        assert_eq!(s.cols[0][599], 599.0);
    }
    /// How many consecutive windows each point of a downsampler of `max`
    /// points holds after `n` windows: it doubles whenever the points would
    /// exceed `max`.
    fn windows_per_point(n: usize, max: usize) -> usize {
        let max = (max.max(2) / 2) * 2;
        let (mut per, mut done, mut open) = (1usize, 0usize, 0usize);
        for _ in 0..n {
            open += 1;
            if open >= per {
                (done, open) = (done + 1, 0);
                if done >= max {
                    (done, per) = (done.div_ceil(2), per * 2);
                }
            }
        }
        per
    }

    proptest::proptest! {
        /// Against the naive reference, each point being its windows cut
        /// into consecutive groups: maxima and minima exactly, means and x
        /// (sums in another order) within 1e-9 of the mean magnitude of
        /// what they average. A gap (NaN) is left out; a group of gaps is
        /// a gap.
        #[test]
        fn downsampling_is_the_mean_and_extremes_of_consecutive_windows(
            rows in proptest::collection::vec(
                proptest::array::uniform3(proptest::option::of(-1e6f64..1e6)),
                0..3000,
            ),
            max in 2usize..80,
        ) {
            let aggs = [Agg::Mean, Agg::Max, Agg::Min];
            let t = |i: usize| i as f64 * 0.5;
            let mut ds = Downsampler::new(aggs, max);
            for (i, r) in rows.iter().enumerate() {
                ds.push(t(i), &r.map(|v| v.unwrap_or(f64::NAN)));
            }
            let got = ds.finish(0.25);
            let per = windows_per_point(rows.len(), max);
            let groups: Vec<&[[Option<f64>; 3]]> = rows.chunks(per).collect();
            proptest::prop_assert_eq!(got.x.len(), groups.len());
            proptest::prop_assert!(got.x.len() <= max);
            for (k, group) in groups.iter().enumerate() {
                let first = k * per;
                let x = (first..first + group.len()).map(t).sum::<f64>() / group.len() as f64;
                proptest::prop_assert!((got.x[k] - (x + 0.25)).abs() <= 1e-9 * x.max(1.0));
                for (c, agg) in aggs.iter().enumerate() {
                    let values: Vec<f64> = group.iter().filter_map(|r| r[c]).collect();
                    let g = got.cols[c][k];
                    if values.is_empty() {
                        proptest::prop_assert!(g.is_nan());
                        continue;
                    }
                    let n = values.len() as f64;
                    match agg {
                        Agg::Mean => {
                            let want = values.iter().sum::<f64>() / n;
                            let scale = values.iter().map(|v| v.abs()).sum::<f64>() / n;
                            proptest::prop_assert!((g - want).abs() <= 1e-9 * scale, "{g} vs {want}");
                        }
                        Agg::Max => proptest::prop_assert_eq!(g, values.iter().copied().fold(f64::MIN, f64::max)),
                        Agg::Min => proptest::prop_assert_eq!(g, values.iter().copied().fold(f64::MAX, f64::min)),
                    }
                }
            }
        }
    }
}
