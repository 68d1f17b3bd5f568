//! The series plots are drawn from: `timeseries.csv` and `components.csv`
//! read back from a run's folder, streaming, and downsampled on the way to at
//! most [`MAX_POINTS`] points per series, so that memory and drawing time do
//! not grow with the number of windows.

use std::io;
use std::path::Path;

/// Most points kept per series: about one per horizontal pixel.
pub(crate) const MAX_POINTS: usize = 1600;

/// How consecutive windows are combined into one point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Agg {
    /// The mean of the windows' values: rates, utilisation, levels.
    Mean,
    /// The largest value: latency quantiles (a short spike stays visible).
    Max,
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
            (Agg::Max, _) => self.acc[i],
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
/// order: the ones the CSV writer declares.
pub(crate) const TS_COLUMNS: [&str; 12] = {
    let all = crate::report::csv::TIMESERIES_COLUMNS;
    [
        all[1], all[2], all[3], all[4], all[5], all[6], all[7], all[8], all[9], all[10], all[11],
        all[12],
    ]
};
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
    let t_col = column(path, &headers, "time_s")?;
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
    })
}

/// Column indices of a component's series.
pub(crate) const UTILIZATION: usize = 0;
pub(crate) const QUEUE_LEN: usize = 1;
pub(crate) const IN_SERVICE: usize = 2;
pub(crate) const UP: usize = 3;

/// One component's pool (`*` rows of `components.csv`), downsampled.
#[derive(Clone, Debug)]
pub(crate) struct ComponentSeries {
    pub(crate) name: String,
    /// Utilisation, queue length, in service, instances up.
    pub(crate) series: Series<4>,
    /// Whether it has no utilisation at all (a load balancer).
    pub(crate) no_utilization: bool,
    /// Mean utilisation over the windows after warm-up (all windows if the
    /// warm-up covers them all).
    pub(crate) mean_utilization: Option<f64>,
}

struct ComponentAcc {
    name: String,
    ds: Downsampler<4>,
    any_util: bool,
    after: (f64, u64),
    all: (f64, u64),
}

/// Reads the `*` rows of `components.csv`, in the order components first
/// appear.
pub(crate) fn read_components(
    path: &Path,
    warmup_s: f64,
    duration_s: Option<f64>,
) -> io::Result<Vec<ComponentSeries>> {
    let mut rdr = open(path)?;
    let headers = rdr.byte_headers().map_err(|e| bad(path, e))?.clone();
    let t_col = column(path, &headers, "time_s")?;
    let comp_col = column(path, &headers, "component")?;
    let inst_col = column(path, &headers, "instance")?;
    let cols = [
        column(path, &headers, "utilization")?,
        column(path, &headers, "queue_len")?,
        column(path, &headers, "in_service")?,
        column(path, &headers, "up")?,
    ];
    let mut accs: Vec<ComponentAcc> = Vec::new();
    let mut rec = csv::ByteRecord::new();
    let mut window = WindowLength::default();
    let mut values = [0f64; 4];
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
                    ds: Downsampler::new([Agg::Mean; 4], MAX_POINTS),
                    any_util: false,
                    after: (0.0, 0),
                    all: (0.0, 0),
                });
                accs.len() - 1
            }
        };
        let acc = &mut accs[idx];
        let u = values[UTILIZATION];
        if u.is_finite() {
            acc.any_util = true;
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
                series,
                no_utilization: !a.any_util,
                mean_utilization: (n > 0).then(|| sum / n as f64),
            }
        })
        .collect())
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
    fn few_windows_are_kept_as_they_are() {
        let mut ds = Downsampler::new([Agg::Mean], MAX_POINTS);
        for i in 0..600 {
            ds.push(i as f64, &[i as f64]);
        }
        let s = ds.finish(0.0);
        assert_eq!(s.x.len(), 600);
        assert_eq!(s.cols[0][599], 599.0);
    }
}
