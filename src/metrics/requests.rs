//! What happened to requests: per-window counts and latencies for the time
//! series, and per-class totals after warm-up for the summary.

use super::by_class::{ByClass, ClassWindow};
use super::latency::Latencies;
use super::window_histogram::WindowHistogram;
use crate::engine::{SimDuration, SimTime};
use crate::model::ClassId;

/// How a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Replied in time.
    Ok,
    /// A full queue or no instance to take it.
    Rejected,
    /// The client's deadline passed first.
    TimedOut,
    /// A crashed instance or another fault.
    Failed,
}

/// Totals of one request class after warm-up.
#[derive(Clone, Debug)]
pub struct ClassTotals {
    /// Requests sent after warm-up.
    pub requests: u64,
    /// Ended `ok`.
    pub ok: u64,
    /// Ended `rejected`.
    pub rejected: u64,
    /// Ended `timed_out`.
    pub timed_out: u64,
    /// Ended `failed`.
    pub failed: u64,
    /// Successful replies that came after the client had given up.
    pub late_ok: u64,
    /// Latencies of `ok` requests.
    pub latency: Latencies,
}

impl ClassTotals {
    fn new() -> ClassTotals {
        ClassTotals {
            requests: 0,
            ok: 0,
            rejected: 0,
            timed_out: 0,
            failed: 0,
            late_ok: 0,
            latency: Latencies::precise(),
        }
    }

    /// Requests that have an outcome.
    pub fn ended(&self) -> u64 {
        self.ok + self.rejected + self.timed_out + self.failed
    }

    /// Adds another class's totals into these.
    pub fn merge(&mut self, o: &ClassTotals) {
        self.requests += o.requests;
        self.ok += o.ok;
        self.rejected += o.rejected;
        self.timed_out += o.timed_out;
        self.failed += o.failed;
        self.late_ok += o.late_ok;
        self.latency.merge(&o.latency);
    }
}

/// Counts of one window of the time series.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WindowCounts {
    /// Requests sent.
    pub offered: u64,
    /// Successful replies, including those after the client gave up.
    pub completed: u64,
    /// Successful replies in time.
    pub goodput: u64,
    /// Requests rejected.
    pub rejected: u64,
    /// Requests timed out.
    pub timed_out: u64,
    /// Requests failed.
    pub failed: u64,
    /// Attempts sent again after a failed one (client retries): attempts
    /// are `offered + retries`.
    pub retries: u64,
}

/// Request statistics of a run.
#[derive(Debug)]
pub struct RequestStats {
    warmup_end: SimTime,
    window: WindowCounts,
    window_latency: WindowHistogram,
    in_flight: u64,
    classes: Vec<ClassTotals>,
    /// Every request sent, warm-up included.
    pub sent_total: u64,
    /// Every request ended, warm-up included, by outcome.
    pub ended_total: [u64; 4],
    /// Every retry the client sent, warm-up included.
    pub retries_total: u64,
    /// Per-class window counts, only when the run exports its series
    /// ([`RequestStats::record_by_class`]); `None` costs one untaken
    /// branch per request.
    by_class: Option<Box<ByClass>>,
}

impl RequestStats {
    /// Statistics for `classes` request classes, excluding requests sent before
    /// `warmup_end` from the totals.
    pub fn new(classes: usize, warmup_end: SimTime) -> RequestStats {
        RequestStats {
            warmup_end,
            window: WindowCounts::default(),
            window_latency: WindowHistogram::new(),
            in_flight: 0,
            classes: (0..classes).map(|_| ClassTotals::new()).collect(),
            sent_total: 0,
            ended_total: [0; 4],
            retries_total: 0,
            by_class: None,
        }
    }

    /// Also counts each window's requests and `ok` latencies per class
    /// (see [`super::by_class`]), for [`RequestStats::take_by_class`].
    pub fn record_by_class(&mut self) {
        self.by_class = Some(Box::new(ByClass::new(self.classes.len())));
    }

    /// Whether a request sent at `t` counts in the summary.
    #[inline]
    pub fn measured(&self, t: SimTime) -> bool {
        t >= self.warmup_end
    }

    /// A request was sent.
    #[inline]
    pub fn sent(&mut self, class: ClassId, measured: bool) {
        self.window.offered += 1;
        self.in_flight += 1;
        self.sent_total += 1;
        if let Some(b) = &mut self.by_class {
            b.sent(class as usize);
        }
        if measured {
            self.classes[class as usize].requests += 1;
        }
    }

    /// A request ended with `outcome` after `latency`.
    #[inline]
    pub fn ended(
        &mut self,
        class: ClassId,
        measured: bool,
        outcome: Outcome,
        latency: SimDuration,
    ) {
        self.in_flight -= 1;
        self.ended_total[outcome as usize] += 1;
        if let Some(b) = &mut self.by_class {
            b.ended(class as usize, outcome, latency);
        }
        let c = &mut self.classes[class as usize];
        match outcome {
            Outcome::Ok => {
                self.window.completed += 1;
                self.window.goodput += 1;
                self.window_latency.record(latency);
                if measured {
                    c.ok += 1;
                    c.latency.record(latency);
                }
            }
            Outcome::Rejected => {
                self.window.rejected += 1;
                if measured {
                    c.rejected += 1;
                }
            }
            Outcome::TimedOut => {
                self.window.timed_out += 1;
                if measured {
                    c.timed_out += 1;
                }
            }
            Outcome::Failed => {
                self.window.failed += 1;
                if measured {
                    c.failed += 1;
                }
            }
        }
    }

    /// A failed attempt is tried again.
    #[inline]
    pub fn retried(&mut self) {
        self.window.retries += 1;
        self.retries_total += 1;
    }

    /// A successful reply came after the client had given up on the request.
    #[inline]
    pub fn late_ok(&mut self, class: ClassId, measured: bool) {
        self.window.completed += 1;
        if let Some(b) = &mut self.by_class {
            b.late_ok(class as usize);
        }
        if measured {
            self.classes[class as usize].late_ok += 1;
        }
    }

    /// The window's per-class counts, reset for the next window; `None`
    /// unless [`RequestStats::record_by_class`] was called.
    pub fn take_by_class(&mut self) -> Option<Box<[ClassWindow]>> {
        self.by_class.as_mut().map(|b| b.take())
    }

    /// Requests sent and not yet ended.
    pub fn in_flight(&self) -> u64 {
        self.in_flight
    }

    /// Ends the current window: its counts and latencies, reset for the next.
    pub fn take_window(&mut self) -> (WindowCounts, &mut WindowHistogram) {
        (std::mem::take(&mut self.window), &mut self.window_latency)
    }

    /// Totals per class, in class order.
    pub fn classes(&self) -> &[ClassTotals] {
        &self.classes
    }

    /// Totals of all classes together.
    pub fn all(&self) -> ClassTotals {
        let mut all = ClassTotals::new();
        for c in &self.classes {
            all.merge(c);
        }
        all
    }
}
