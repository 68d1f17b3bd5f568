//! Recovery and the SLO, judged window by window as the run goes: which
//! windows breach the SLO, and for each fault when the SLO holds again for
//! `hold` windows in a row and how many requests failed or timed out
//! meanwhile. Streaming: it keeps only the faults still being judged (and,
//! without an SLO, the last minute of latency histograms for the baseline).

use std::collections::VecDeque;

use super::events::{EventKind, LoggedEvent, RecoveryRow, SloVerdict};
use super::requests::WindowCounts;
use super::window_histogram::WindowHistogram;
use crate::engine::{SimDuration, SimTime};
use crate::model::Slo;

/// Without an SLO a window is good when at most this share of its requests
/// failed...
const DEFAULT_ERROR_RATE: f64 = 0.01;
/// ...and its p99 is at most this many times the p99 of the minute before
/// the fault.
const DEFAULT_P99_FACTOR: f64 = 2.0;
/// Without an SLO: good windows in a row that count as recovered.
const DEFAULT_HOLD: u32 = 3;
/// The baseline before a fault.
const BASELINE: SimDuration = SimDuration::from_secs(60);

/// A fault still being judged.
struct Open {
    row: usize,
    /// Without an SLO: the p99 bound (2x the minute before), if there were
    /// replies then.
    p99_bound: Option<SimDuration>,
    /// Good windows in a row so far, and where the streak began.
    streak: u32,
    streak_start: SimTime,
}

/// Judges windows against the SLO and faults' recoveries.
pub struct RecoveryTracker {
    slo: Option<Slo>,
    warmup_end: SimTime,
    rows: Vec<RecoveryRow>,
    open: Vec<Open>,
    verdict: SloVerdict,
    /// The SLO is breached and has not yet held for `hold` windows.
    in_breach: bool,
    good_streak: u32,
    good_since: SimTime,
    log: Vec<LoggedEvent>,
    /// Without an SLO: the windows of the last minute, for baselines.
    recent: Option<VecDeque<(SimTime, WindowHistogram)>>,
}

/// Errors over ended requests, and whether the window had any.
fn error_rate(c: &WindowCounts) -> Option<f64> {
    let errors = c.rejected + c.timed_out + c.failed;
    let ended = c.goodput + errors;
    (ended > 0).then(|| errors as f64 / ended as f64)
}

impl RecoveryTracker {
    /// A tracker for a run with `slo` whose statistics start at
    /// `warmup_end`; `faults` says whether faults may strike (then, without
    /// an SLO, the last minute is kept for baselines).
    pub fn new(slo: Option<Slo>, warmup_end: SimTime, faults: bool) -> RecoveryTracker {
        RecoveryTracker {
            slo,
            warmup_end,
            rows: Vec::new(),
            open: Vec::new(),
            verdict: SloVerdict::default(),
            in_breach: false,
            good_streak: 0,
            good_since: SimTime::ZERO,
            log: Vec::new(),
            recent: (faults && slo.is_none()).then(VecDeque::new),
        }
    }

    /// Good windows in a row that make a recovery.
    fn hold(&self) -> u32 {
        self.slo.map_or(DEFAULT_HOLD, |s| s.hold)
    }

    /// A fault struck: judge its recovery from now. Returns its index.
    pub fn fault_started(&mut self, row: RecoveryRow) -> u32 {
        let p99_bound = self.recent.as_ref().and_then(|recent| {
            let mut h = WindowHistogram::new();
            for (_, w) in recent {
                h.merge(w);
            }
            h.headline()
                .map(|q| SimDuration::from_secs_f64(q[2].as_secs_f64() * DEFAULT_P99_FACTOR))
        });
        let idx = self.rows.len();
        self.open.push(Open {
            row: idx,
            p99_bound,
            streak: 0,
            streak_start: row.start,
        });
        self.rows.push(row);
        idx as u32
    }

    /// The fault occurrence `idx` ended at `t` (a repaired random crash).
    pub fn fault_ended(&mut self, idx: u32, t: SimTime) {
        self.rows[idx as usize].end = Some(t);
    }

    /// Something noticed fault `idx` at `t` (the first notice counts).
    pub fn detected(&mut self, idx: u32, t: SimTime) {
        let r = &mut self.rows[idx as usize];
        if r.detected.is_none() {
            r.detected = Some(t);
        }
    }

    /// Fault `idx` cost `n` lost writes.
    pub fn lost_writes(&mut self, idx: u32, n: u64) {
        let r = &mut self.rows[idx as usize];
        r.lost_writes = Some(r.lost_writes.unwrap_or(0) + n);
    }

    /// Fault `idx` lost `n` sessions.
    pub fn sessions_lost(&mut self, idx: u32, n: u64) {
        let r = &mut self.rows[idx as usize];
        r.sessions_lost = Some(r.sessions_lost.unwrap_or(0) + n);
    }

    /// The rows so far (faults still open have no recovery yet).
    pub fn rows(&self) -> &[RecoveryRow] {
        &self.rows
    }

    /// The window `[start, end)` closed with `counts` and the latencies
    /// `latency` of its successful replies.
    pub fn window(
        &mut self,
        start: SimTime,
        end: SimTime,
        counts: &WindowCounts,
        latency: &WindowHistogram,
    ) {
        let rate = error_rate(counts);
        let p99 = latency.headline().map(|q| q[2]);
        if let Some(slo) = self.slo {
            let good = slo_holds(&slo, rate, p99);
            if end > self.warmup_end {
                self.judge_slo(start, good, slo.hold);
            }
            for o in &mut self.open {
                advance(o, &mut self.rows, start, end, counts, good, slo.hold);
            }
        } else {
            let hold = self.hold();
            for o in &mut self.open {
                let good = rate.is_none_or(|r| r <= DEFAULT_ERROR_RATE)
                    && match (o.p99_bound, p99) {
                        (Some(b), Some(p)) => p <= b,
                        _ => true,
                    };
                advance(o, &mut self.rows, start, end, counts, good, hold);
            }
        }
        // A fault is judged until it has recovered and ended.
        let rows = &self.rows;
        self.open.retain(|o| {
            let r = &rows[o.row];
            match (r.recovered, r.end) {
                (Some(rec), Some(e)) => end < rec.max(e),
                (Some(_), None) => false,
                (None, _) => true,
            }
        });
        if let Some(recent) = &mut self.recent {
            recent.push_back((start, latency.clone()));
            while recent.front().is_some_and(|(s, _)| *s + BASELINE < end) {
                recent.pop_front();
            }
        }
    }

    fn judge_slo(&mut self, start: SimTime, good: bool, hold: u32) {
        self.verdict.windows += 1;
        if good {
            if self.good_streak == 0 {
                self.good_since = start;
            }
            self.good_streak += 1;
            if self.in_breach && self.good_streak >= hold {
                self.in_breach = false;
                self.log.push(LoggedEvent {
                    time: self.good_since,
                    kind: EventKind::SloRecovered,
                    target: "slo".into(),
                    detail: format!("held for {hold} windows"),
                    fault: None,
                });
            }
        } else {
            self.verdict.breached += 1;
            self.verdict.first_breach.get_or_insert(start);
            self.good_streak = 0;
            if !self.in_breach {
                self.in_breach = true;
                self.log.push(LoggedEvent {
                    time: start,
                    kind: EventKind::SloBreach,
                    target: "slo".into(),
                    detail: String::new(),
                    fault: None,
                });
            }
        }
    }

    /// The recovery rows, the SLO's events and its verdict.
    pub fn finish(self) -> (Vec<RecoveryRow>, Vec<LoggedEvent>, Option<SloVerdict>) {
        let verdict = self.slo.map(|_| self.verdict);
        (self.rows, self.log, verdict)
    }
}

/// Whether a window with this error rate and p99 meets `slo`.
fn slo_holds(slo: &Slo, rate: Option<f64>, p99: Option<SimDuration>) -> bool {
    let errors_ok = match (slo.error_rate, rate) {
        (Some(bound), Some(r)) => r <= bound,
        _ => true,
    };
    let p99_ok = match (slo.p99, p99) {
        (Some(bound), Some(p)) => p <= bound,
        _ => true,
    };
    errors_ok && p99_ok
}

/// One window's effect on an open fault: its failures count while the
/// fault lasts or has not recovered; good windows build up to a recovery.
fn advance(
    o: &mut Open,
    rows: &mut [RecoveryRow],
    start: SimTime,
    end: SimTime,
    counts: &WindowCounts,
    good: bool,
    hold: u32,
) {
    let r = &mut rows[o.row];
    if end <= r.start {
        return;
    }
    let affected_until = match (r.recovered, r.end) {
        (Some(rec), Some(e)) => Some(rec.max(e)),
        (Some(rec), None) => Some(rec),
        (None, _) => None,
    };
    if affected_until.is_none_or(|t| start < t) {
        r.requests_failed += counts.failed;
        r.requests_timed_out += counts.timed_out;
    }
    if r.recovered.is_some() {
        return;
    }
    if good {
        if o.streak == 0 {
            o.streak_start = start.max(r.start);
        }
        o.streak += 1;
        if o.streak >= hold {
            r.recovered = Some(o.streak_start);
        }
    } else {
        o.streak = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(start: u64, end: Option<u64>) -> RecoveryRow {
        RecoveryRow {
            fault: "crash".into(),
            target: "web".into(),
            start: SimTime(start * 1_000_000_000),
            end: end.map(|e| SimTime(e * 1_000_000_000)),
            detected: None,
            recovered: None,
            requests_failed: 0,
            requests_timed_out: 0,
            lost_writes: None,
            sessions_lost: None,
        }
    }

    fn counts(ok: u64, failed: u64) -> WindowCounts {
        WindowCounts {
            offered: ok + failed,
            completed: ok,
            goodput: ok,
            failed,
            ..WindowCounts::default()
        }
    }

    fn feed(t: &mut RecoveryTracker, bad: &[u64], secs: u64) {
        let mut h = WindowHistogram::new();
        h.record(SimDuration::from_millis(10));
        for s in 0..secs {
            let c = if bad.contains(&s) {
                counts(90, 10)
            } else {
                counts(100, 0)
            };
            t.window(
                SimTime(s * 1_000_000_000),
                SimTime((s + 1) * 1_000_000_000),
                &c,
                &h,
            );
        }
    }

    #[test]
    fn recovery_is_the_start_of_the_first_good_streak() {
        let slo = Slo {
            p99: None,
            error_rate: Some(0.01),
            hold: 3,
        };
        let mut t = RecoveryTracker::new(Some(slo), SimTime::ZERO, true);
        let i = t.fault_started(row(5, Some(7)));
        // Bad 5..=8, a good window at 9, bad 10, then good for ever.
        feed(&mut t, &[5, 6, 7, 8, 10], 20);
        let (rows, log, verdict) = t.finish();
        let r = &rows[i as usize];
        assert_eq!(r.recovered, Some(SimTime(11_000_000_000)));
        assert_eq!(r.time_to_recover(), Some(6.0));
        // Failures in windows 5..11: five bad windows of 10.
        assert_eq!(r.requests_failed, 50);
        let v = verdict.unwrap();
        assert_eq!((v.windows, v.breached), (20, 5));
        assert_eq!(v.first_breach, Some(SimTime(5_000_000_000)));
        let kinds: Vec<_> = log
            .iter()
            .map(|e| (e.kind, e.time.nanos() / 1_000_000_000))
            .collect();
        assert_eq!(
            kinds,
            vec![(EventKind::SloBreach, 5), (EventKind::SloRecovered, 11)]
        );
    }

    #[test]
    fn an_absorbed_fault_recovers_at_once_and_counts_its_failures_while_it_lasts() {
        let slo = Slo {
            p99: None,
            error_rate: Some(0.2),
            hold: 2,
        };
        let mut t = RecoveryTracker::new(Some(slo), SimTime::ZERO, true);
        let i = t.fault_started(row(3, Some(6)));
        feed(&mut t, &[3, 4, 5], 10);
        let (rows, _, verdict) = t.finish();
        assert_eq!(rows[i as usize].recovered, Some(SimTime(3_000_000_000)));
        assert_eq!(rows[i as usize].requests_failed, 30);
        assert_eq!(verdict.unwrap().breached, 0);
    }

    #[test]
    fn without_an_slo_the_baseline_is_the_minute_before() {
        let mut t = RecoveryTracker::new(None, SimTime::ZERO, true);
        feed(&mut t, &[], 70);
        let i = t.fault_started(row(70, None));
        let mut h = WindowHistogram::new();
        // p99 of 25 ms: above 2x the 10 ms before, so not recovered.
        h.record(SimDuration::from_millis(25));
        for s in 70..80 {
            t.window(
                SimTime(s * 1_000_000_000),
                SimTime((s + 1) * 1_000_000_000),
                &counts(100, 0),
                &h,
            );
        }
        assert_eq!(t.rows()[i as usize].recovered, None);
        let mut h = WindowHistogram::new();
        h.record(SimDuration::from_millis(19));
        for s in 80..85 {
            t.window(
                SimTime(s * 1_000_000_000),
                SimTime((s + 1) * 1_000_000_000),
                &counts(100, 0),
                &h,
            );
        }
        let (rows, _, verdict) = t.finish();
        assert_eq!(rows[i as usize].recovered, Some(SimTime(80_000_000_000)));
        assert!(verdict.is_none());
    }
}
