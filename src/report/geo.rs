//! The files a run with data centers adds (SCENARIO-next.md, [geo]
//! "Outputs"): `links.csv` and `datacenters.csv`, one row per window, and
//! their totals over the measured run, `links_summary.csv` and
//! `datacenters_summary.csv`, which the report's "Data centers" section
//! shows as written. Numbers are printed as in every other CSV
//! ([`fixed`](super::format::fixed)), so the same run prints the same
//! bytes.

use std::io;

use super::format::fixed;
use super::schema;
use crate::engine::{SimDuration, SimTime, format_seconds};
use crate::metrics::{DatacenterRow, GeoResult, LinkRow, RecoveryRow};
use crate::model::Geo;

/// The CSV files a run with data centers writes into its folder, in that
/// order; a run without them removes any an earlier run left.
pub const FILES: &[&str] = &[
    "links.csv",
    "datacenters.csv",
    "links_summary.csv",
    "datacenters_summary.csv",
];

/// How an origin's row of `summary.csv` (and `replications.csv`) names it:
/// `origin:eu`. A request class's name cannot begin so (names are letters,
/// digits, `_` and `-`).
pub const ORIGIN_PREFIX: &str = "origin:";

/// An optional number with `decimals` decimals, empty for `None`.
fn opt(x: Option<f64>, decimals: usize) -> String {
    x.map(|v| fixed(v, decimals)).unwrap_or_default()
}

fn finish(w: csv::Writer<Vec<u8>>) -> io::Result<Vec<u8>> {
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// `links.csv` as bytes: one row per window, link and direction, in the
/// order of `rows`; `utilization` and `delay_ms_mean` empty when `None`.
pub fn links_csv(geo: &Geo, rows: &[LinkRow]) -> io::Result<Vec<u8>> {
    let names: Vec<[String; 3]> = (0..geo.links.len())
        .map(|l| {
            [
                geo.link_name(l),
                geo.direction_name(l, 0),
                geo.direction_name(l, 1),
            ]
        })
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(schema::links::COLUMNS)?;
    for r in rows {
        let n = &names[r.link as usize];
        w.write_record([
            format_seconds(r.start.nanos()).as_str(),
            &n[0],
            &n[1 + (r.direction as usize).min(1)],
            &r.messages.to_string(),
            &r.bytes.to_string(),
            &opt(r.utilization, 4),
            &opt(r.delay_ms_mean, 3),
        ])?;
    }
    finish(w)
}

/// `datacenters.csv` as bytes: one row per window and data center, in the
/// order of `rows`; `up` is 1 or 0.
pub fn datacenters_csv(geo: &Geo, rows: &[DatacenterRow]) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(schema::datacenters::COLUMNS)?;
    for r in rows {
        w.write_record([
            format_seconds(r.start.nanos()).as_str(),
            &geo.datacenters[r.datacenter as usize].name,
            if r.up { "1" } else { "0" },
            &r.requests_in.to_string(),
            &r.ok.to_string(),
            &r.failed.to_string(),
            &opt(r.utilization, 4),
        ])?;
    }
    finish(w)
}

/// A mean weighted by `w`: `None` when no weight.
#[derive(Clone, Copy, Debug, Default)]
struct Weighted {
    sum: f64,
    weight: f64,
}

impl Weighted {
    fn add(&mut self, value: Option<f64>, weight: f64) {
        if let Some(v) = value
            && weight > 0.0
        {
            self.sum += v * weight;
            self.weight += weight;
        }
    }

    fn mean(&self) -> Option<f64> {
        (self.weight > 0.0).then(|| self.sum / self.weight)
    }
}

/// The length of the union of `spans` (start, end), in nanoseconds.
fn union_nanos(mut spans: Vec<(u64, u64)>) -> u64 {
    spans.sort_unstable();
    let mut total = 0;
    let mut open: Option<(u64, u64)> = None;
    for (a, b) in spans {
        match open {
            Some((s, e)) if a <= e => open = Some((s, e.max(b))),
            _ => {
                if let Some((s, e)) = open {
                    total += e - s;
                }
                open = Some((a, b));
            }
        }
    }
    total + open.map_or(0, |(s, e)| e - s)
}

/// How long each data center was under an `outage`, by `recovery`'s rows
/// (`fault` = `outage`, `target` = its name), overlapping outages counted
/// once, one still going at `end` counted up to it; in nanoseconds.
pub fn outage_nanos(geo: &Geo, recovery: &[RecoveryRow], end: SimTime) -> Vec<u64> {
    geo.datacenters
        .iter()
        .map(|dc| {
            let spans = recovery
                .iter()
                .filter(|r| r.fault == "outage" && r.target == dc.name)
                .map(|r| {
                    let to = r.end.unwrap_or(end).min(end).max(r.start);
                    (r.start.nanos(), to.nanos())
                })
                .collect();
            union_nanos(spans)
        })
        .collect()
}

/// `datacenters_summary.csv` as bytes: per data center, in the model's
/// order, its windows from `warmup` on summed (`requests_in`, `ok`,
/// `failed`) and its `utilization` averaged over them (weighted by their
/// lengths, empty when it has none); `outage_s` is how long it was under an
/// outage over the whole run ([`outage_nanos`]).
pub fn datacenters_summary_csv(
    geo: &Geo,
    result: &GeoResult,
    recovery: &[RecoveryRow],
    warmup: SimDuration,
    duration: SimDuration,
) -> io::Result<Vec<u8>> {
    let n = geo.datacenters.len();
    let mut counts = vec![[0u64; 3]; n];
    let mut util = vec![Weighted::default(); n];
    let from = SimTime::ZERO + warmup;
    for r in result.datacenters.iter().filter(|r| r.start >= from) {
        let d = r.datacenter as usize;
        counts[d][0] += r.requests_in;
        counts[d][1] += r.ok;
        counts[d][2] += r.failed;
        util[d].add(r.utilization, r.len.as_secs_f64());
    }
    let outage = outage_nanos(geo, recovery, SimTime::ZERO + duration);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(schema::datacenters_summary::COLUMNS)?;
    for (d, dc) in geo.datacenters.iter().enumerate() {
        w.write_record([
            dc.name.as_str(),
            &counts[d][0].to_string(),
            &counts[d][1].to_string(),
            &counts[d][2].to_string(),
            &opt(util[d].mean(), 4),
            &format_seconds(outage[d]),
        ])?;
    }
    finish(w)
}

/// `links_summary.csv` as bytes: per link, in the model's order, both
/// directions of its windows from `warmup` on together: `messages` summed,
/// `gb` their bytes in 10^9, `delay_ms_mean` the mean of the windows'
/// means weighted by their messages, `utilization` the mean of the
/// directions' (weighted by the windows' lengths; empty without
/// `bandwidth`); `egress_cost` what the link's bytes over the whole run
/// ([`GeoResult::link_bytes`]) cost at its `egress` price (empty when
/// free).
pub fn links_summary_csv(
    geo: &Geo,
    result: &GeoResult,
    warmup: SimDuration,
) -> io::Result<Vec<u8>> {
    let n = geo.links.len();
    let mut messages = vec![0u64; n];
    let mut bytes = vec![0u64; n];
    let mut all_bytes = vec![0u64; n];
    let mut delay = vec![Weighted::default(); n];
    let mut util = vec![Weighted::default(); n];
    let from = SimTime::ZERO + warmup;
    for r in &result.links {
        let l = r.link as usize;
        all_bytes[l] += r.bytes;
        if r.start < from {
            continue;
        }
        messages[l] += r.messages;
        bytes[l] += r.bytes;
        delay[l].add(r.delay_ms_mean, r.messages as f64);
        util[l].add(r.utilization, r.len.as_secs_f64());
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(schema::links_summary::COLUMNS)?;
    for (l, link) in geo.links.iter().enumerate() {
        // The run's own count of what crossed; the windows' sum without it.
        let crossed = result.link_bytes.get(l).copied().unwrap_or(all_bytes[l]);
        let egress = link.egress_per_gb.map(|p| crossed as f64 / 1e9 * p);
        w.write_record([
            geo.link_name(l),
            messages[l].to_string(),
            fixed(bytes[l] as f64 / 1e9, 6),
            opt(delay[l].mean(), 3),
            opt(util[l].mean(), 4),
            opt(egress, 4),
        ])?;
    }
    finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_outages_count_once() {
        assert_eq!(union_nanos(vec![]), 0);
        assert_eq!(union_nanos(vec![(10, 20), (15, 30), (40, 45)]), 25);
        assert_eq!(union_nanos(vec![(40, 45), (10, 20)]), 15);
    }
}
