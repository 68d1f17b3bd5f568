//! What happened to the system during a run, as `events.csv` lists it, and
//! one row per fault of how the system coped (`recovery.csv`).

use crate::engine::SimTime;

/// The kinds of event in `events.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    /// A fault struck.
    Fault,
    /// A fault ended (an instance repaired, a slowdown over).
    FaultEnd,
    /// A health check or failover marked something down.
    Detected,
    /// A health check marked an instance up again.
    Restored,
    /// A replica became its shard's primary.
    Promoted,
    /// A window after warm-up missed the SLO after one that met it.
    SloBreach,
    /// The SLO held again for `hold` windows.
    SloRecovered,
    /// A circuit breaker opened: its calls fail at once.
    CircuitOpen,
    /// A circuit breaker closed after a successful probe.
    CircuitClosed,
    /// An autoscaler decided to start instances.
    ScaleOut,
    /// An autoscaler decided to stop instances (they drain first).
    ScaleIn,
    /// An instance finished provisioning and takes traffic.
    Ready,
    /// An instance drained (or was cancelled while provisioning) and
    /// stopped: it is no longer billed.
    Removed,
    /// A DNS's health check marked an entry point down: resolvers drop it
    /// as they refresh.
    DnsDown,
    /// A DNS's health check marked an entry point up again.
    DnsUp,
    /// Replication between two nodes of a database stopped: a partition
    /// holds it (a split brain, with `multi_primary` or `ring`).
    ReplicationHeld,
    /// Replication held by a partition goes on, the backlog in order.
    ReplicationResumed,
    /// A ring node crashed: writes stop at it until it is back.
    RingBroken,
    /// The ring's node is back: it applies and forwards what waited.
    RingRepaired,
    /// Fewer nodes of a quorum shard are up than a write (or a read) needs:
    /// those fail.
    QuorumLost,
    /// Enough nodes are up again for writes and reads.
    QuorumRegained,
    /// A balancer's outlier detection took an instance out of its pool
    /// after errors in a row (a gray failure a health check may miss).
    Ejected,
    /// An ejected instance takes traffic again (its `eject_for` is over).
    Returned,
}

impl EventKind {
    /// The kind's name in `events.csv`.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Fault => "fault",
            EventKind::FaultEnd => "fault_end",
            EventKind::Detected => "detected",
            EventKind::Restored => "restored",
            EventKind::Promoted => "promoted",
            EventKind::SloBreach => "slo_breach",
            EventKind::SloRecovered => "slo_recovered",
            EventKind::CircuitOpen => "circuit_open",
            EventKind::CircuitClosed => "circuit_closed",
            EventKind::ScaleOut => "scale_out",
            EventKind::ScaleIn => "scale_in",
            EventKind::Ready => "ready",
            EventKind::Removed => "removed",
            EventKind::DnsDown => "dns_down",
            EventKind::DnsUp => "dns_up",
            EventKind::ReplicationHeld => "replication_held",
            EventKind::ReplicationResumed => "replication_resumed",
            EventKind::RingBroken => "ring_broken",
            EventKind::RingRepaired => "ring_repaired",
            EventKind::QuorumLost => "quorum_lost",
            EventKind::QuorumRegained => "quorum_regained",
            EventKind::Ejected => "ejected",
            EventKind::Returned => "returned",
        }
    }
}

/// One line of `events.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct LoggedEvent {
    /// When it happened.
    pub time: SimTime,
    /// What happened.
    pub kind: EventKind,
    /// What it happened to: `web.3`, `db.shard0.replica1`, `lb <-> web`,
    /// `slo`.
    pub target: String,
    /// A few words more: `crash`, `factor 5`, `37 writes lost`.
    pub detail: String,
    /// The fault occurrence it belongs to (an index into
    /// [`crate::simulation::RunResult::recovery`]), when it belongs to one.
    pub fault: Option<u32>,
}

/// How the system coped with one fault (one occurrence of a random fault).
#[derive(Clone, Debug, PartialEq)]
pub struct RecoveryRow {
    /// The fault's kind as written (`crash`, `slow`, `random crash`, ...).
    pub fault: String,
    /// Its target (`web`, `web.3`, `db.shard0.primary`, `lb <-> web`).
    pub target: String,
    /// When it struck.
    pub start: SimTime,
    /// When it ended; `None` when it lasts to the end of the run.
    pub end: Option<SimTime>,
    /// When something noticed it (a health check marked an instance down,
    /// a failover declared the primary dead); `None` when nothing did.
    pub detected: Option<SimTime>,
    /// The start of the first window from which the SLO held for `hold`
    /// windows in a row, at or after the fault's start; `None` if that
    /// never happened before the run ended.
    pub recovered: Option<SimTime>,
    /// Requests that failed in the windows the fault affected: from its
    /// start to the later of its end and its recovery.
    pub requests_failed: u64,
    /// Requests that timed out in the same windows.
    pub requests_timed_out: u64,
    /// Acknowledged writes lost when a replica was promoted in its place
    /// (database primaries only; `None` for every other fault).
    pub lost_writes: Option<u64>,
    /// Sessions the crashed instances held, lost at the crash (services
    /// that keep local sessions only; `None` for every other fault).
    pub sessions_lost: Option<u64>,
}

impl RecoveryRow {
    /// Seconds from the fault to its detection.
    pub fn time_to_detect(&self) -> Option<f64> {
        self.detected.map(|d| (d - self.start).as_secs_f64())
    }

    /// Seconds from the fault to the SLO holding again.
    pub fn time_to_recover(&self) -> Option<f64> {
        self.recovered.map(|r| (r - self.start).as_secs_f64())
    }
}

/// How the run did against its SLO, after warm-up.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SloVerdict {
    /// Windows judged (those that end after the warm-up).
    pub windows: u64,
    /// Windows that missed the SLO.
    pub breached: u64,
    /// The start of the first window that missed it.
    pub first_breach: Option<SimTime>,
}
