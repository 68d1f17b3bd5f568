//! Instants marked across every time plot: rate changes, and faults with
//! what noticed and repaired them, each kind with its own line and colour,
//! labelled in the strip above the top panel.

use std::ops::Range;

use plotters::prelude::*;

use super::style::*;
use crate::engine::SimTime;
use crate::metrics::{EventKind, LoggedEvent, RecoveryRow};
use crate::model::{Arrivals, FaultKind, Model};

/// What a marker marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MarkerKind {
    /// The offered rate changes: a grey dashed line.
    RateChange,
    /// A ramp of the offered rate arrives at its rate: drawn as a rate
    /// change.
    RateReached,
    /// A fault strikes: a solid red line.
    FaultStart,
    /// A fault ends: a dashed red line.
    FaultEnd,
    /// Something is marked down (a health check, a failover's detection):
    /// a dotted orange line.
    Detected,
    /// A replica becomes its shard's primary: a dotted purple line.
    Promoted,
    /// An instance is marked up again: a dotted green line.
    Restored,
    /// The DNS marks an entry point down (`geo.png` only): a dashed blue
    /// line.
    DnsDown,
    /// The DNS marks an entry point up again (`geo.png` only): a dashed
    /// green line.
    DnsUp,
    /// A partition holds replication between nodes of a database, a split
    /// brain (`replication.png` only): a solid magenta line.
    ReplicationHeld,
    /// Replication held by a partition goes on (`replication.png` only): a
    /// dashed magenta line.
    ReplicationResumed,
    /// A ring's node stops forwarding (`replication.png` only): a solid
    /// brown line.
    RingBroken,
    /// The ring forwards again (`replication.png` only): a dashed brown
    /// line.
    RingRepaired,
    /// Fewer nodes up than a quorum needs (`replication.png` only): a solid
    /// navy line.
    QuorumLost,
    /// Enough nodes up again (`replication.png` only): a dashed navy line.
    QuorumRegained,
}

/// An instant to mark on the time plots.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// When.
    pub time: SimTime,
    /// What happened, which sets the line's look.
    pub kind: MarkerKind,
    /// A short label for the strip above the plot (`crash web.3`).
    pub label: String,
}

impl MarkerKind {
    /// A change of the offered rate (or the end of its ramp), not a fault.
    fn is_rate(self) -> bool {
        matches!(self, MarkerKind::RateChange | MarkerKind::RateReached)
    }
}

impl Marker {
    /// A marker.
    pub fn new(time: SimTime, kind: MarkerKind, label: impl Into<String>) -> Marker {
        Marker {
            time,
            kind,
            label: label.into(),
        }
    }

    /// The rate changes of `model`'s traffic, each labelled with the rate
    /// it goes to: `rate -> 200/s`, or `ramp -> 200/s` for a ramp (the rate
    /// it reaches at the ramp's end, or at the run's end if that is first).
    pub fn rate_changes(model: &Model) -> Vec<Marker> {
        let schedule = match &model.traffic.arrivals {
            Arrivals::Poisson(s) | Arrivals::Uniform(s) => s,
            Arrivals::Closed { .. } => return Vec::new(),
        };
        let times = model.rate_changes();
        let end = SimTime(model.duration.nanos());
        times
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                let next = times.get(i + 1).copied().unwrap_or(end).max(t);
                let now = schedule.rate_at(t);
                // Just before the next change: where a ramp arrives.
                let then = schedule.rate_at(SimTime(next.nanos().saturating_sub(1).max(t.nanos())));
                let ramp = (then - now).abs() > 1e-9 * now.abs().max(1.0);
                // The end of a ramp: the rate no longer changes there.
                let before = schedule.rate_at(SimTime(t.nanos().saturating_sub(1)));
                let reached = t.nanos() > 0 && (before - now).abs() <= 1e-9 * now.abs().max(1.0);
                if ramp {
                    Marker::new(
                        t,
                        MarkerKind::RateChange,
                        format!("ramp -> {}/s", fmt_num(then)),
                    )
                } else if reached {
                    Marker::new(
                        t,
                        MarkerKind::RateReached,
                        format!("{}/s reached", fmt_num(now)),
                    )
                } else {
                    Marker::new(
                        t,
                        MarkerKind::RateChange,
                        format!("rate -> {}/s", fmt_num(now)),
                    )
                }
            })
            .collect()
    }

    /// Fault starts and ends, detections, promotions and restorations of a
    /// run's log (SLO events are not marked); `recovery` names the faults.
    pub fn from_run(log: &[LoggedEvent], recovery: &[RecoveryRow]) -> Vec<Marker> {
        log.iter()
            .filter_map(|e| {
                let kind = match e.kind {
                    EventKind::Fault => MarkerKind::FaultStart,
                    EventKind::FaultEnd => MarkerKind::FaultEnd,
                    EventKind::Detected => MarkerKind::Detected,
                    EventKind::Promoted => MarkerKind::Promoted,
                    EventKind::Restored => MarkerKind::Restored,
                    // An ejection takes an instance out as a detection does.
                    EventKind::Ejected => MarkerKind::Detected,
                    EventKind::Returned => MarkerKind::Restored,
                    // Breakers may flip often: `retries.png` draws their
                    // state; scaling has its own plot (`autoscale.png`).
                    EventKind::SloBreach
                    | EventKind::SloRecovered
                    | EventKind::CircuitOpen
                    | EventKind::CircuitClosed
                    | EventKind::ScaleOut
                    | EventKind::ScaleIn
                    | EventKind::Ready
                    | EventKind::Removed
                    // `geo.png` marks what the DNS did.
                    | EventKind::DnsDown
                    | EventKind::DnsUp
                    // `replication.png` marks what replication did.
                    | EventKind::ReplicationHeld
                    | EventKind::ReplicationResumed
                    | EventKind::RingBroken
                    | EventKind::RingRepaired
                    | EventKind::QuorumLost
                    | EventKind::QuorumRegained => return None,
                };
                let label = match kind {
                    MarkerKind::FaultStart => {
                        // The fault's kind as written (`slow`), not its detail (`factor 5`).
                        let what = e
                            .fault
                            .and_then(|i| recovery.get(i as usize))
                            .map(|r| r.fault.as_str())
                            .or(Some(e.detail.as_str()).filter(|d| !d.is_empty()))
                            .unwrap_or("fault");
                        format!("{what} {}", e.target)
                    }
                    MarkerKind::FaultEnd => format!("end {}", e.target),
                    MarkerKind::Detected if e.kind == EventKind::Ejected => {
                        format!("ejected {}", e.target)
                    }
                    MarkerKind::Detected => format!("down {}", e.target),
                    MarkerKind::Promoted => format!("promoted {}", e.target),
                    MarkerKind::Restored if e.kind == EventKind::Returned => {
                        format!("returned {}", e.target)
                    }
                    MarkerKind::Restored => format!("up {}", e.target),
                    MarkerKind::RateChange
                    | MarkerKind::RateReached
                    | MarkerKind::DnsDown
                    | MarkerKind::DnsUp
                    | MarkerKind::ReplicationHeld
                    | MarkerKind::ReplicationResumed
                    | MarkerKind::RingBroken
                    | MarkerKind::RingRepaired
                    | MarkerKind::QuorumLost
                    | MarkerKind::QuorumRegained => {
                        unreachable!("not from this part of the log")
                    }
                };
                Some(Marker::new(e.time, kind, label))
            })
            .collect()
    }

    /// What the DNS did in a run's log: each `dns_down` and `dns_up` (the
    /// DNS marks an entry point down or up), for `geo.png`.
    pub fn dns(log: &[LoggedEvent]) -> Vec<Marker> {
        log.iter()
            .filter_map(|e| {
                let (kind, what) = match e.kind {
                    EventKind::DnsDown => (MarkerKind::DnsDown, "DNS down"),
                    EventKind::DnsUp => (MarkerKind::DnsUp, "DNS up"),
                    _ => return None,
                };
                Some(Marker::new(e.time, kind, format!("{what} {}", e.target)))
            })
            .collect()
    }

    /// What replication did in a run's log (`replication_held` and
    /// `_resumed`, `ring_broken` and `_repaired`, `quorum_lost` and
    /// `_regained`), for `replication.png`.
    pub fn replication(log: &[LoggedEvent]) -> Vec<Marker> {
        log.iter()
            .filter_map(|e| {
                let (kind, what) = match e.kind {
                    EventKind::ReplicationHeld => (MarkerKind::ReplicationHeld, "held"),
                    EventKind::ReplicationResumed => (MarkerKind::ReplicationResumed, "resumed"),
                    EventKind::RingBroken => (MarkerKind::RingBroken, "ring broken"),
                    EventKind::RingRepaired => (MarkerKind::RingRepaired, "ring repaired"),
                    EventKind::QuorumLost => (MarkerKind::QuorumLost, "quorum lost"),
                    EventKind::QuorumRegained => (MarkerKind::QuorumRegained, "quorum regained"),
                    _ => return None,
                };
                Some(Marker::new(e.time, kind, format!("{what} {}", e.target)))
            })
            .collect()
    }

    /// The starts and ends of the faults `model` plans (`at`, `at + for`).
    /// Random faults are left out: when they strike is up to the run.
    pub fn planned_faults(model: &Model) -> Vec<Marker> {
        let mut out = Vec::new();
        for f in &model.faults {
            if matches!(f.kind, FaultKind::RandomCrash { .. }) {
                continue;
            }
            out.push(Marker::new(
                f.at,
                MarkerKind::FaultStart,
                format!("{} {}", f.label, f.target),
            ));
            if let Some(d) = f.duration
                && !matches!(f.kind, FaultKind::Flush { .. })
            {
                out.push(Marker::new(
                    f.at + d,
                    MarkerKind::FaultEnd,
                    format!("end {}", f.target),
                ));
            }
        }
        out
    }
}

/// Rate changes past which the legend counts them rather than list each.
const MAX_LISTED_RATES: usize = 3;

/// Fault markers (every kind but rate changes) past which a plot draws them
/// as short unlabelled ticks: a line and a label each would bury the data.
pub(crate) const MAX_LABELLED_FAULTS: usize = 30;

/// Height of a fault tick at the top of a panel.
const TICK: i32 = 8;

pub(crate) const FAULT_RED: RGBColor = RGBColor(204, 0, 0);
pub(crate) const DETECTED_ORANGE: RGBColor = RGBColor(230, 120, 0);
pub(crate) const PROMOTED_PURPLE: RGBColor = RGBColor(120, 40, 170);
pub(crate) const RESTORED_GREEN: RGBColor = RGBColor(0, 140, 60);
pub(crate) const DNS_BLUE: RGBColor = RGBColor(0, 90, 170);
pub(crate) const DNS_TEAL: RGBColor = RGBColor(0, 140, 140);
pub(crate) const SPLIT_MAGENTA: RGBColor = RGBColor(170, 0, 120);
pub(crate) const RING_BROWN: RGBColor = RGBColor(140, 80, 0);
pub(crate) const QUORUM_NAVY: RGBColor = RGBColor(40, 40, 140);

/// How a kind of marker is drawn.
struct Look {
    color: RGBColor,
    dash: Dash,
    width: u32,
    legend: &'static str,
}

fn look(kind: MarkerKind) -> Look {
    let (color, dash, width, legend) = match kind {
        MarkerKind::RateChange | MarkerKind::RateReached => {
            (MARKER, Dash::Dashed, 1, "rate change")
        }
        MarkerKind::FaultStart => (FAULT_RED, Dash::Solid, 2, "fault"),
        MarkerKind::FaultEnd => (FAULT_RED, Dash::Dashed, 2, "fault ends"),
        MarkerKind::Detected => (DETECTED_ORANGE, Dash::Dotted, 2, "detected (marked down)"),
        MarkerKind::Promoted => (PROMOTED_PURPLE, Dash::Dotted, 2, "replica promoted"),
        MarkerKind::Restored => (RESTORED_GREEN, Dash::Dotted, 2, "restored (marked up)"),
        MarkerKind::DnsDown => (DNS_BLUE, Dash::Dashed, 2, "DNS marks down"),
        MarkerKind::DnsUp => (DNS_TEAL, Dash::Dashed, 2, "DNS marks up"),
        MarkerKind::ReplicationHeld => (SPLIT_MAGENTA, Dash::Solid, 2, "replication held"),
        MarkerKind::ReplicationResumed => (SPLIT_MAGENTA, Dash::Dashed, 2, "replication resumed"),
        MarkerKind::RingBroken => (RING_BROWN, Dash::Solid, 2, "ring broken"),
        MarkerKind::RingRepaired => (RING_BROWN, Dash::Dashed, 2, "ring repaired"),
        MarkerKind::QuorumLost => (QUORUM_NAVY, Dash::Solid, 2, "quorum lost"),
        MarkerKind::QuorumRegained => (QUORUM_NAVY, Dash::Dashed, 2, "quorum regained"),
    };
    Look {
        color,
        dash,
        width,
        legend,
    }
}

/// Which labels win a place in the strip first.
fn rank(kind: MarkerKind) -> u8 {
    match kind {
        MarkerKind::FaultStart => 0,
        MarkerKind::RateChange => 1,
        MarkerKind::RateReached => 14,
        MarkerKind::Promoted => 2,
        MarkerKind::Detected => 3,
        MarkerKind::FaultEnd => 4,
        MarkerKind::Restored => 5,
        MarkerKind::DnsDown => 6,
        MarkerKind::DnsUp => 7,
        MarkerKind::ReplicationHeld => 8,
        MarkerKind::RingBroken => 9,
        MarkerKind::QuorumLost => 10,
        MarkerKind::ReplicationResumed => 11,
        MarkerKind::RingRepaired => 12,
        MarkerKind::QuorumRegained => 13,
    }
}

/// A marker in seconds.
#[derive(Clone, Debug)]
pub(crate) struct Mark {
    pub(crate) t: f64,
    pub(crate) kind: MarkerKind,
    pub(crate) label: String,
}

/// The markers of a set of plots, in seconds, ready to draw.
#[derive(Clone, Debug, Default)]
pub(crate) struct Marks {
    /// Within the plots' time range, in the order labels are placed.
    list: Vec<Mark>,
    /// How many are faults (every kind but rate changes).
    faults: usize,
    /// Where the faults are listed, for the note of a dense plot.
    source: &'static str,
}

impl Marks {
    /// The markers between 0 and `end` seconds; `source` is the file that
    /// lists the faults (`events.csv`).
    pub(crate) fn new(markers: &[Marker], end: f64, source: &'static str) -> Marks {
        let mut list: Vec<Mark> = markers
            .iter()
            .map(|m| Mark {
                t: m.time.as_secs_f64(),
                kind: m.kind,
                label: m.label.clone(),
            })
            .filter(|m| m.t >= 0.0 && m.t <= end)
            .collect();
        list.sort_by(|a, b| rank(a.kind).cmp(&rank(b.kind)).then(a.t.total_cmp(&b.t)));
        let faults = list.iter().filter(|m| !m.kind.is_rate()).count();
        Marks {
            list,
            faults,
            source,
        }
    }

    /// Too many faults to label: they are drawn as ticks.
    pub(crate) fn dense(&self) -> bool {
        self.faults > MAX_LABELLED_FAULTS
    }

    /// The legend's text for the rate changes: each with its time when
    /// there are a few (`rate -> 600/s at 1m; ramp -> 200/s over 3m–4m`, a
    /// ramp with the time it arrives), so that a change whose label found
    /// no room above the plot is still said; past [`MAX_LISTED_RATES`],
    /// how many.
    fn rate_legend(&self) -> String {
        let mut rates: Vec<&Mark> = self.list.iter().filter(|m| m.kind.is_rate()).collect();
        rates.sort_by(|a, b| a.t.total_cmp(&b.t));
        let mut items: Vec<String> = Vec::new();
        let mut i = 0;
        while i < rates.len() {
            let m = rates[i];
            match rates.get(i + 1) {
                Some(end)
                    if m.kind == MarkerKind::RateChange && end.kind == MarkerKind::RateReached =>
                {
                    items.push(format!(
                        "{} over {}\u{2013}{}",
                        m.label,
                        fmt_time(m.t),
                        fmt_time(end.t)
                    ));
                    i += 2;
                }
                _ => {
                    items.push(format!("{} at {}", m.label, fmt_time(m.t)));
                    i += 1;
                }
            }
        }
        if items.len() > MAX_LISTED_RATES {
            return format!("{} rate changes", items.len());
        }
        items.join("; ")
    }

    /// Legend entries of the kinds present, in a fixed order.
    pub(crate) fn entries(&self) -> Vec<Entry> {
        // A ramp's end is one of the rate changes: one entry for both.
        let mut kinds: Vec<MarkerKind> = self
            .list
            .iter()
            .map(|m| match m.kind {
                MarkerKind::RateReached => MarkerKind::RateChange,
                k => k,
            })
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
            .into_iter()
            .map(|k| {
                let l = look(k);
                match k {
                    // As rate changes always looked.
                    MarkerKind::RateChange => {
                        Entry::new(self.rate_legend(), Swatch::Dashed(MARKER))
                    }
                    _ => Entry::new(l.legend, Swatch::Rule(l.color, l.dash, l.width)),
                }
            })
            .collect()
    }
}

/// Draws each marker across the panel: rate changes as grey dashed lines,
/// faults in their kind's line; when there are too many faults to label,
/// short ticks at the panel's top instead (one per pixel column and kind).
pub(crate) fn draw_markers(root: &Area, f: &Frame, marks: &Marks) -> Drawn {
    let dense = marks.dense();
    // Sorted by kind then time: a tick is a repeat only of the one before.
    let mut last_tick: Option<(i32, MarkerKind)> = None;
    // Reversed: fault starts are drawn last, over the others.
    for m in marks.list.iter().rev() {
        if m.t < 0.0 || m.t > f.end {
            continue;
        }
        let x = f.px(m.t);
        let l = look(m.kind);
        if m.kind.is_rate() {
            dashed_vline(root, x, f.y.clone(), MARKER)?;
        } else if dense {
            if last_tick == Some((x, m.kind)) {
                continue;
            }
            last_tick = Some((x, m.kind));
            let y1 = (f.y.start + TICK).min(f.y.end);
            rule(root, (x, f.y.start), (x, y1), l.color, Dash::Solid, 1)?;
        } else {
            rule(root, (x, f.y.start), (x, f.y.end), l.color, l.dash, l.width)?;
        }
    }
    Ok(())
}

/// Labels the warm-up and the markers in the strip just above a panel,
/// fault starts first, leaving out labels that would overlap one already
/// drawn (the line is drawn regardless). With too many faults to label,
/// says how many there are instead.
pub(crate) fn draw_strip(root: &Area, f: &Frame, warmup: f64, marks: &Marks) -> Drawn {
    let y = f.y.start - 5;
    let mut taken: Vec<Range<i32>> = Vec::new();
    if warmup > 0.0 {
        let x1 = f.px(warmup.min(f.end));
        let w = width("warm-up", NOTE_SIZE);
        let mid = (f.x.start + x1) / 2;
        let left = (mid - w / 2).max(f.x.start);
        label(
            root,
            "warm-up",
            NOTE_SIZE,
            MUTED,
            (left, y),
            HPos::Left,
            VPos::Bottom,
        )?;
        taken.push(left - 6..left + w + 6);
    }
    let dense = marks.dense();
    if dense {
        let text = format!(
            "{} fault events (see {})",
            fmt_count(marks.faults as u64),
            marks.source
        );
        let w = width(&text, NOTE_SIZE);
        let left = (f.x.end - w).max(f.x.start);
        label(
            root,
            &text,
            NOTE_SIZE,
            FAULT_RED,
            (left, y),
            HPos::Left,
            VPos::Bottom,
        )?;
        taken.push(left - 8..f.x.end);
    }
    for m in &marks.list {
        if m.t < 0.0 || m.t > f.end || (dense && !m.kind.is_rate()) {
            continue;
        }
        let x = f.px(m.t);
        let w = width(&m.label, NOTE_SIZE);
        // Right of the line, or left of it near the right edge.
        let span = if x + 4 + w <= f.x.end {
            x + 4..x + 4 + w
        } else {
            x - 4 - w..x - 4
        };
        if span.start < f.x.start
            || taken
                .iter()
                .any(|r| r.start < span.end && span.start < r.end)
        {
            continue;
        }
        label(
            root,
            &m.label,
            NOTE_SIZE,
            look(m.kind).color,
            (span.start, y),
            HPos::Left,
            VPos::Bottom,
        )?;
        taken.push(span.start - 8..span.end + 8);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(s: u64, kind: EventKind, target: &str, detail: &str, fault: Option<u32>) -> LoggedEvent {
        LoggedEvent {
            time: SimTime(s * 1_000_000_000),
            kind,
            target: target.into(),
            detail: detail.into(),
            fault,
        }
    }

    #[test]
    fn a_run_log_gives_fault_markers_but_not_slo_events() {
        let row = RecoveryRow {
            fault: "slow".into(),
            target: "cache".into(),
            start: SimTime(0),
            end: None,
            detected: None,
            recovered: None,
            requests_failed: 0,
            requests_timed_out: 0,
            lost_writes: None,
            sessions_lost: None,
        };
        let log = vec![
            ev(10, EventKind::Fault, "cache", "factor 5", Some(0)),
            ev(11, EventKind::SloBreach, "slo", "", None),
            ev(12, EventKind::Detected, "web.1", "", None),
            ev(
                20,
                EventKind::Promoted,
                "db.shard0.replica1",
                "3 writes lost",
                None,
            ),
            ev(30, EventKind::FaultEnd, "cache", "", Some(0)),
            ev(31, EventKind::Restored, "web.1", "", None),
            ev(32, EventKind::SloRecovered, "slo", "", None),
            ev(40, EventKind::Fault, "web", "crash", None),
        ];
        let m = Marker::from_run(&log, &[row]);
        let got: Vec<(u64, MarkerKind, &str)> = m
            .iter()
            .map(|m| (m.time.nanos() / 1_000_000_000, m.kind, m.label.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (10, MarkerKind::FaultStart, "slow cache"),
                (12, MarkerKind::Detected, "down web.1"),
                (20, MarkerKind::Promoted, "promoted db.shard0.replica1"),
                (30, MarkerKind::FaultEnd, "end cache"),
                (31, MarkerKind::Restored, "up web.1"),
                (40, MarkerKind::FaultStart, "crash web"),
            ]
        );
    }

    #[test]
    fn replication_events_are_marked_only_by_their_own_list() {
        let log = vec![
            ev(5, EventKind::Fault, "db.shard0.node1", "crash", None),
            ev(6, EventKind::RingBroken, "db.shard0.node1", "", None),
            ev(7, EventKind::ReplicationHeld, "db.shard0", "", None),
            ev(8, EventKind::QuorumLost, "ledger.shard0", "", None),
            ev(9, EventKind::QuorumRegained, "ledger.shard0", "", None),
            ev(10, EventKind::ReplicationResumed, "db.shard0", "", None),
            ev(11, EventKind::RingRepaired, "db.shard0.node1", "", None),
            ev(12, EventKind::DnsDown, "lb-eu", "", None),
        ];
        let m = Marker::replication(&log);
        let got: Vec<(u64, MarkerKind, &str)> = m
            .iter()
            .map(|m| (m.time.nanos() / 1_000_000_000, m.kind, m.label.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (6, MarkerKind::RingBroken, "ring broken db.shard0.node1"),
                (7, MarkerKind::ReplicationHeld, "held db.shard0"),
                (8, MarkerKind::QuorumLost, "quorum lost ledger.shard0"),
                (
                    9,
                    MarkerKind::QuorumRegained,
                    "quorum regained ledger.shard0"
                ),
                (10, MarkerKind::ReplicationResumed, "resumed db.shard0"),
                (
                    11,
                    MarkerKind::RingRepaired,
                    "ring repaired db.shard0.node1"
                ),
            ]
        );
        // The generic markers keep to faults.
        let generic = Marker::from_run(&log, &[]);
        assert_eq!(generic.len(), 1);
        assert_eq!(generic[0].kind, MarkerKind::FaultStart);
        let legend: Vec<String> = Marks::new(&m, 60.0, "events.csv")
            .entries()
            .into_iter()
            .map(|e| e.label)
            .collect();
        assert_eq!(
            legend,
            [
                "replication held",
                "replication resumed",
                "ring broken",
                "ring repaired",
                "quorum lost",
                "quorum regained"
            ]
        );
    }

    #[test]
    fn marks_keep_the_range_put_faults_first_and_turn_dense_past_the_limit() {
        let mut markers = vec![
            Marker::new(SimTime(5_000_000_000), MarkerKind::RateChange, "rate"),
            Marker::new(SimTime(99_000_000_000), MarkerKind::FaultStart, "late"),
        ];
        for i in 0..MAX_LABELLED_FAULTS {
            markers.push(Marker::new(
                SimTime(i as u64 * 1_000_000_000),
                MarkerKind::Detected,
                "down",
            ));
        }
        let marks = Marks::new(&markers, 60.0, "events.csv");
        assert_eq!(
            marks.faults, MAX_LABELLED_FAULTS,
            "the one past the end is left out"
        );
        assert!(!marks.dense());
        assert_eq!(marks.list[0].kind, MarkerKind::RateChange);
        markers.push(Marker::new(
            SimTime(7_000_000_000),
            MarkerKind::FaultStart,
            "crash web",
        ));
        let marks = Marks::new(&markers, 60.0, "events.csv");
        assert!(marks.dense());
        assert_eq!(marks.list[0].label, "crash web", "fault starts label first");
        let legend: Vec<String> = marks.entries().into_iter().map(|e| e.label).collect();
        assert_eq!(legend, ["rate at 5s", "fault", "detected (marked down)"]);
        // A few rate changes are listed with their times; more are counted.
        let mut rates: Vec<Marker> = [(120, "rate -> 600/s"), (60, "ramp -> 300/s")]
            .iter()
            .map(|&(s, l)| Marker::new(SimTime(s * 1_000_000_000), MarkerKind::RateChange, l))
            .collect();
        let text = |m: &[Marker]| {
            Marks::new(m, 600.0, "events.csv").entries()[0]
                .label
                .clone()
        };
        assert_eq!(text(&rates), "ramp -> 300/s at 1m; rate -> 600/s at 2m");
        // A ramp and where it arrives are one item, with both times.
        rates.push(Marker::new(
            SimTime(90_000_000_000),
            MarkerKind::RateReached,
            "300/s reached",
        ));
        assert_eq!(
            text(&rates),
            "ramp -> 300/s over 1m\u{2013}1m30s; rate -> 600/s at 2m"
        );
        let entries = Marks::new(&rates, 600.0, "events.csv").entries();
        assert_eq!(entries.len(), 1, "one entry for the rate changes");
        for s in [180, 240, 300] {
            rates.push(Marker::new(
                SimTime(s * 1_000_000_000),
                MarkerKind::RateChange,
                "r",
            ));
        }
        assert_eq!(text(&rates), "5 rate changes");
    }
}
