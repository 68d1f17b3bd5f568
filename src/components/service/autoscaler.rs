//! A service's `autoscale`: target tracking on a metric, as Kubernetes'
//! Horizontal Pod Autoscaler does it, with a provisioning delay, draining
//! before removal, and billing from provisioning start to removal.
//!
//! The rule, every `every` (the first decision at `every`):
//! - `total` = the pool's measure of `metric`, over the instances serving:
//!   - `utilization`: `demand` = busy worker-time of the pool over the last
//!     `every` / (`workers` x `every`): the instances' worth of work it did,
//!     which is `serving x mean utilisation` while the pool did not change;
//!   - `rps_per_instance`: requests the pool received over the last `every`
//!     / `every` in seconds (every arrival counts, rejected ones too);
//!   - `queue_len`: requests waiting in the instances' queues at the tick
//!     (sampled, as the HPA reads the latest sample of a pods metric);
//!   - `backlog`: messages the consumed queue holds (waiting or being
//!     consumed) at the tick, asked of the queue by an event;
//! - `desired` = `ceil(total / target)`, clamped to `min..=max`: the HPA's
//!   `ceil(currentReplicas x currentMetricValue / desiredMetricValue)` with
//!   the current value `total / serving`;
//! - `tolerance` (0 by default): when `|total / serving / target - 1| <=
//!   tolerance`, `desired` = `committed` (no change), as the HPA's
//!   replica calculator (`pkg/controller/podautoscaler/replica_calculator.go`:
//!   `if math.Abs(1.0-usageRatio) <= c.tolerance { return currentReplicas }`);
//! - `stabilization` (both 0s by default): each tick's `desired` is kept
//!   with its time; the pool goes to `committed` raised to the lowest
//!   recommendation of the last `up` and lowered to the highest of the last
//!   `down` (`stabilizeRecommendationWithBehaviors` in
//!   `pkg/controller/podautoscaler/horizontal.go`; the Kubernetes docs,
//!   "Horizontal Pod Autoscaling", *Stabilization window*): a scale-in
//!   waits until every recommendation of the last `down` agrees with it;
//! - `committed` = instances serving + provisioning (draining ones are on
//!   their way out and do not count);
//! - `desired > committed`: start `desired - committed` instances (the
//!   lowest free ids), each taking traffic `provision` later (`scale_out`,
//!   then `ready` per instance);
//! - `desired < committed`: stop `committed - desired`, first those still
//!   provisioning (newest first, removed at once), then serving ones with
//!   the highest ids, which drain: no new requests, they finish what they
//!   hold, then are removed (`scale_in`, then `removed` per instance);
//! - after a change in either direction, no decision until `cooldown` has
//!   passed (a tick inside it only measures, and records its
//!   recommendation for the stabilization windows).
//!
//! With `tolerance: 0` and zero windows the decisions are exactly those of
//! plain target tracking (the checks are skipped, not evaluated at 0).
//!
//! A crashed instance still counts as serving: the autoscaler sizes for
//! load, it does not replace dead instances (that is a health check's
//! and a fault's business).

use crate::engine::{SimDuration, SimTime};
use crate::metrics::{EventKind, Level, LoggedEvent, ScalingTrace};
use crate::model::{Autoscale, ComponentId};
use std::collections::VecDeque;

use super::autoscale::ScaleMetric;

/// The timer tag of a decision; any other tag is an instance done
/// provisioning.
pub const DECIDE: u32 = u32::MAX;

/// `held` of an [`crate::components::Event::Backlog`] that asks the queue
/// rather than answers (an answer is at most `ASK - 1`, saturated).
pub const ASK: u32 = u32::MAX;

/// Where an instance slot is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Not running, not billed.
    Off,
    /// Started, billed, taking traffic from `ready_at`.
    Provisioning { ready_at: SimTime },
    /// Taking traffic.
    Serving,
    /// Taking no new traffic; `waiting` balancers have yet to say they
    /// stopped sending to it.
    Draining { waiting: u32 },
}

/// What the service must do after a decision.
#[derive(Debug, Default)]
pub struct Actions {
    /// Instances that started provisioning, with the instant they are ready.
    pub started: Vec<(u32, SimTime)>,
    /// Serving instances that now drain: the balancers must be told.
    pub draining: Vec<u32>,
}

/// The autoscaler of one service.
pub struct Autoscaler {
    name: String,
    settings: Autoscale,
    workers: u64,
    state: Vec<State>,
    /// Serving instances in id order: the pool's own random pick draws
    /// from them when no balancer is in front.
    pub serving: Vec<u32>,
    provisioning: u32,
    /// Balancers in front, told of every change in who takes traffic.
    pub balancers: Vec<ComponentId>,
    /// Instances billed (provisioning, serving, draining).
    billed: Level,
    /// Instances that can hold work (serving, draining).
    active: Level,
    /// Busy worker-nanoseconds of windows already closed.
    busy_closed: u128,
    /// Busy and active areas at the last decision.
    last_busy: u128,
    last_active: u128,
    active_closed: u128,
    /// No decision before this instant.
    quiet_until: SimTime,
    /// Requests received since the start, and at the last decision
    /// (`rps_per_instance`).
    arrivals: u64,
    last_arrivals: u64,
    /// Recent `(time, desired)` recommendations, kept only while a
    /// stabilization window is set (empty, and never allocated, without).
    recommendations: VecDeque<(SimTime, u32)>,
    /// Per instance: not serving at some point of the current window.
    off_in_window: Vec<bool>,
    /// The slots in use, in id order: not off, or off since the current
    /// window began (their busy time is still to be counted). A decision
    /// looks at these only, so its cost follows the instances that exist,
    /// not `max` (with `max: 100000`, a walk of every slot per decision).
    live: Vec<u32>,
    /// Per slot: whether it is in `live`.
    in_live: Vec<bool>,
    log: Vec<LoggedEvent>,
    trace: ScalingTrace,
}

impl Autoscaler {
    /// The autoscaler of service `name` with `workers` per instance,
    /// starting with instances `0..initial` serving.
    pub fn new(name: &str, settings: Autoscale, workers: u32, initial: u32) -> Autoscaler {
        let slots = settings.max as usize;
        let state = (0..slots)
            .map(|i| {
                if (i as u32) < initial {
                    State::Serving
                } else {
                    State::Off
                }
            })
            .collect();
        let mut billed = Level::default();
        billed.set(SimTime::ZERO, initial as u64);
        let mut active = Level::default();
        active.set(SimTime::ZERO, initial as u64);
        Autoscaler {
            name: name.to_string(),
            settings,
            workers: workers as u64,
            state,
            serving: (0..initial).collect(),
            provisioning: 0,
            balancers: Vec::new(),
            billed,
            active,
            busy_closed: 0,
            last_busy: 0,
            last_active: 0,
            active_closed: 0,
            quiet_until: SimTime::ZERO,
            arrivals: 0,
            last_arrivals: 0,
            recommendations: VecDeque::new(),
            off_in_window: (0..slots).map(|i| i as u32 >= initial).collect(),
            live: (0..initial).collect(),
            in_live: (0..slots).map(|i| (i as u32) < initial).collect(),
            log: Vec::new(),
            trace: ScalingTrace {
                component: name.to_string(),
                metric: settings.metric,
                target: settings.target,
                bounds: (settings.min, settings.max),
                steps: vec![(SimTime::ZERO, initial, 0)],
                utilization: Vec::new(),
                billed_ns: 0,
            },
        }
    }

    /// Time between decisions.
    pub fn every(&self) -> SimDuration {
        self.settings.every
    }

    /// What the autoscaler measures.
    pub fn metric(&self) -> ScaleMetric {
        self.settings.metric
    }

    /// A request reached the pool (counted for `rps_per_instance`).
    #[inline]
    pub fn arrived(&mut self) {
        self.arrivals += 1;
    }

    /// The slots in use, in id order: every instance not off, and those
    /// off since the current window began. Sums over the pool (busy time,
    /// waiting requests) need only these: an idle slot off all window adds
    /// nothing.
    pub fn live(&self) -> &[u32] {
        &self.live
    }

    /// Slot `i` leaves the off state: it joins `live`.
    fn wake(&mut self, i: usize) {
        if !self.in_live[i] {
            self.in_live[i] = true;
            let at = self.live.partition_point(|&s| s < i as u32);
            self.live.insert(at, i as u32);
        }
    }

    /// Whether instance `i` takes new traffic.
    pub fn is_serving(&self, i: usize) -> bool {
        self.state[i] == State::Serving
    }

    fn event(&mut self, now: SimTime, kind: EventKind, target: String, detail: String) {
        self.log.push(LoggedEvent {
            time: now,
            kind,
            target,
            detail,
            fault: None,
        });
    }

    fn step(&mut self, now: SimTime) {
        let row = (now, self.serving.len() as u32, self.provisioning);
        match self.trace.steps.last_mut() {
            Some(last) if last.0 == now => *last = row,
            _ => self.trace.steps.push(row),
        }
    }

    /// A decision at `now`; `busy` is the pool's busy worker-nanoseconds
    /// since the start (closed windows included); `level` is the waiting
    /// requests (`queue_len`) or the queue's backlog (`backlog`) at `now`,
    /// unused by the other metrics.
    pub fn decide(&mut self, now: SimTime, busy_open: u128, level: u64) -> Actions {
        let busy = self.busy_closed + busy_open;
        let active = self.active_closed + self.active.area_to(now);
        let every = self.settings.every.nanos() as f64;
        let demand = (busy - self.last_busy) as f64 / (self.workers as f64 * every);
        let active_ns = (active - self.last_active) as f64;
        let mean_util = if active_ns > 0.0 {
            (busy - self.last_busy) as f64 / (self.workers as f64 * active_ns)
        } else {
            0.0
        };
        self.last_busy = busy;
        self.last_active = active;
        self.trace.utilization.push((now, mean_util));
        let received = self.arrivals - self.last_arrivals;
        self.last_arrivals = self.arrivals;
        let total = match self.settings.metric {
            ScaleMetric::Utilization => demand,
            ScaleMetric::RpsPerInstance => received as f64 / self.settings.every.as_secs_f64(),
            ScaleMetric::QueueLen | ScaleMetric::Backlog => level as f64,
        };
        let committed = self.serving.len() as u32 + self.provisioning;
        let raw = self.recommend(total, committed);
        let desired = self.stabilize(now, raw, committed);
        let mut actions = Actions::default();
        if now < self.quiet_until {
            return actions;
        }
        let why = self.why(mean_util, total, committed, desired, raw);
        if desired > committed {
            let ready_at = now + self.settings.provision;
            let mut names = Vec::new();
            // The lowest free ids: a walk past the slots in use only.
            for i in 0..self.state.len() {
                if actions.started.len() as u32 == desired - committed {
                    break;
                }
                if self.state[i] == State::Off {
                    self.state[i] = State::Provisioning { ready_at };
                    self.wake(i);
                    self.billed.incr(now);
                    self.provisioning += 1;
                    actions.started.push((i as u32, ready_at));
                    names.push(format!("{}.{i}", self.name));
                }
            }
            self.step(now);
            self.quiet_until = now + self.settings.cooldown;
            self.event(
                now,
                EventKind::ScaleOut,
                self.name.clone(),
                format!("{why}; starting {}", names.join(" ")),
            );
        } else if desired < committed {
            let mut stop = committed - desired;
            let mut cancelled = Vec::new();
            let mut drained = Vec::new();
            // Highest ids first, among the slots in use (every one
            // provisioning or serving is there).
            let live = std::mem::take(&mut self.live);
            for &i in live.iter().rev() {
                let i = i as usize;
                if stop == 0 {
                    break;
                }
                if matches!(self.state[i], State::Provisioning { .. }) {
                    self.state[i] = State::Off;
                    self.provisioning -= 1;
                    self.billed.decr(now);
                    cancelled.push(i as u32);
                    stop -= 1;
                }
            }
            for &i in live.iter().rev() {
                let i = i as usize;
                if stop == 0 {
                    break;
                }
                if self.state[i] == State::Serving {
                    self.state[i] = State::Draining {
                        waiting: self.balancers.len() as u32,
                    };
                    self.off_in_window[i] = true;
                    actions.draining.push(i as u32);
                    drained.push(i as u32);
                    stop -= 1;
                }
            }
            self.live = live;
            self.serving.retain(|i| !actions.draining.contains(i));
            self.step(now);
            self.quiet_until = now + self.settings.cooldown;
            let mut what = Vec::new();
            if !drained.is_empty() {
                what.push(format!(
                    "draining {}",
                    drained
                        .iter()
                        .map(|i| format!("{}.{i}", self.name))
                        .collect::<Vec<_>>()
                        .join(" ")
                ));
            }
            if !cancelled.is_empty() {
                what.push(format!(
                    "cancelling {}",
                    cancelled
                        .iter()
                        .map(|i| format!("{}.{i}", self.name))
                        .collect::<Vec<_>>()
                        .join(" ")
                ));
            }
            self.event(
                now,
                EventKind::ScaleIn,
                self.name.clone(),
                format!("{why}; {}", what.join("; ")),
            );
            for i in cancelled {
                self.event(
                    now,
                    EventKind::Removed,
                    format!("{}.{i}", self.name),
                    "cancelled while provisioning".into(),
                );
            }
        }
        actions
    }

    /// The HPA's recommendation for a measured `total`: `ceil(total /
    /// target)` within `min..=max`, or `committed` when the per-instance
    /// value is within `tolerance` of the target.
    fn recommend(&self, total: f64, committed: u32) -> u32 {
        let s = &self.settings;
        let serving = self.serving.len();
        if s.tolerance > 0.0 && serving > 0 {
            let ratio = total / serving as f64 / s.target;
            // `<=`, as `replica_calculator.go`: a ratio on the band's edge
            // makes no change.
            if (1.0 - ratio).abs() <= s.tolerance {
                return committed;
            }
        }
        // A hair below an integer is that integer: float noise must not add
        // an instance.
        let wanted = (total / s.target - 1e-9).ceil().max(0.0);
        (wanted as u64).clamp(s.min as u64, s.max as u64) as u32
    }

    /// `raw` smoothed by the stabilization windows, as Kubernetes'
    /// `stabilizeRecommendationWithBehaviors` (horizontal.go): `committed`
    /// raised to the lowest recommendation newer than `now - up` and
    /// lowered to the highest newer than `now - down` (this one included).
    /// Without windows, `raw` itself.
    fn stabilize(&mut self, now: SimTime, raw: u32, committed: u32) -> u32 {
        let w = self.settings.stabilization;
        if w.up.nanos() == 0 && w.down.nanos() == 0 {
            return raw;
        }
        let longest = w.up.max(w.down);
        // Older than both windows: no longer counts (HPA's obsoleteCutoff).
        while let Some(&(t, _)) = self.recommendations.front() {
            if t + longest > now {
                break;
            }
            self.recommendations.pop_front();
        }
        let (mut up, mut down) = (raw, raw);
        for &(t, r) in &self.recommendations {
            // "After the cutoff": a window of 0 holds only this tick's.
            if t + w.up > now {
                up = up.min(r);
            }
            if t + w.down > now {
                down = down.max(r);
            }
        }
        self.recommendations.push_back((now, raw));
        committed.max(up).min(down)
    }

    /// The detail of a scaling event: what was measured, and the change.
    fn why(&self, mean_util: f64, total: f64, committed: u32, desired: u32, raw: u32) -> String {
        let s = &self.settings;
        let per = total / self.serving.len().max(1) as f64;
        let mut why = match s.metric {
            ScaleMetric::Utilization => format!(
                "mean utilisation {:.3} over the last {} (target {}): {committed} -> {desired}",
                mean_util, s.every, s.target
            ),
            ScaleMetric::RpsPerInstance => format!(
                "{per:.3} requests/s per instance over the last {} (target {}): {committed} -> {desired}",
                s.every, s.target
            ),
            ScaleMetric::QueueLen => format!(
                "{per:.3} requests waiting per instance (target {}): {committed} -> {desired}",
                s.target
            ),
            ScaleMetric::Backlog => format!(
                "{per:.3} messages held per instance (target {}): {committed} -> {desired}",
                s.target
            ),
        };
        if desired != raw {
            why.push_str(&format!(" (stabilized: {raw} recommended now)"));
        }
        why
    }

    /// Instance `i`'s provisioning timer for `now` fired: true if it takes
    /// traffic from now (false for a timer of a cancelled start).
    pub fn ready(&mut self, i: usize, now: SimTime) -> bool {
        if self.state[i] != (State::Provisioning { ready_at: now }) {
            return false;
        }
        self.state[i] = State::Serving;
        self.provisioning -= 1;
        self.active.incr(now);
        let at = self.serving.partition_point(|&s| s < i as u32);
        self.serving.insert(at, i as u32);
        self.step(now);
        self.event(
            now,
            EventKind::Ready,
            format!("{}.{i}", self.name),
            format!("provisioned in {}: takes traffic", self.settings.provision),
        );
        true
    }

    /// A balancer stopped sending to instance `i`; true when none is left
    /// that might (then it may be removed once idle).
    pub fn released(&mut self, i: usize) -> bool {
        match &mut self.state[i] {
            State::Draining { waiting } => {
                *waiting = waiting.saturating_sub(1);
                *waiting == 0
            }
            _ => false,
        }
    }

    /// Whether instance `i` is draining and nothing may send to it any more.
    pub fn may_remove(&self, i: usize) -> bool {
        self.state[i] == State::Draining { waiting: 0 }
    }

    /// Instance `i` has drained (idle, nothing sends to it): it stops and
    /// is no longer billed. This is the hook for "instance `i` stops
    /// serving for good" (sessions it held are gone).
    pub fn remove(&mut self, i: usize, now: SimTime) {
        self.state[i] = State::Off;
        self.billed.decr(now);
        self.active.decr(now);
        self.event(
            now,
            EventKind::Removed,
            format!("{}.{i}", self.name),
            "drained and stopped".into(),
        );
    }

    /// A call reached instance `i` though it is off (a delivery held back by
    /// a `delay` fault across its removal): it runs again, draining, to serve
    /// it.
    pub fn revive(&mut self, i: usize, now: SimTime) {
        if self.state[i] == State::Off {
            self.state[i] = State::Draining { waiting: 0 };
            self.wake(i);
            self.billed.incr(now);
            self.active.incr(now);
            self.off_in_window[i] = true;
        }
    }

    /// A window closes at `end`: `busy` is the pool's busy area of the
    /// window (before it is reset). Returns the average number of instances
    /// that could hold work (serving or draining) over it.
    pub fn close_window(&mut self, end: SimTime, len_ns: u64, busy: u128) -> f64 {
        self.busy_closed += busy;
        // Slots off all of the next window add nothing to its sums.
        let (state, in_live) = (&self.state, &mut self.in_live);
        self.live.retain(|&i| {
            let keep = state[i as usize] != State::Off;
            in_live[i as usize] = keep;
            keep
        });
        // `take_average` resets the level's area: keep the running total.
        self.active_closed += self.active.area_to(end);
        self.active.take_average(end, len_ns)
    }

    /// Whether instance `i` took traffic for the whole window that closes
    /// now; starts the next window.
    pub fn take_serving(&mut self, i: usize) -> bool {
        let off = self.off_in_window[i];
        self.off_in_window[i] = self.state[i] != State::Serving;
        !off
    }

    /// The events the autoscaler logged, in the order they happened, and
    /// what `autoscale.png` draws; `end` closes the billing.
    pub fn finish(&mut self, end: SimTime) -> (Vec<LoggedEvent>, ScalingTrace) {
        let mut trace = std::mem::take(&mut self.trace);
        trace.billed_ns = self.billed.area_to(end);
        (std::mem::take(&mut self.log), trace)
    }
}
