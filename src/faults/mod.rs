//! The fault injector: replays the model's faults on their schedule, draws
//! random failures, carries load balancers' health checks, fails or delays
//! calls across partitioned or slowed links, and logs what happened for
//! `events.csv` and `recovery.csv`.
//!
//! It only injects: it acts through the hooks every kind has (crash,
//! restore, impairments, flush) and the assembly's wiring, which tells
//! those listening; what components' own timers saw (health checks marking
//! instances, failover steps) it is told, to log. A run without faults
//! never calls it on the hot path.

use crate::components::kind::FailoverEvent;
use crate::components::kind::{Cut, Happened};
use crate::components::{CallId, Ctx, Event, System};
use crate::engine::{SimTime, Stream};
use crate::metrics::{EventKind, LoggedEvent, Outcome, RecoveryRow, RecoveryTracker};
use crate::model::{ComponentId, Dist, FaultKind, Model};

/// A call's `step` while a `delay` fault holds it back: it is delivered
/// again, once, when the delay is over.
const DELAYED: u16 = u16::MAX;

/// A link fault in force.
struct Link {
    a: ComponentId,
    b: ComponentId,
    /// `None` for a partition, the extra time for a delay.
    extra: Option<Dist>,
    fault: u32,
}

/// One random fault's instances: the occurrence each one is down for.
struct Random {
    stream: Stream,
    down: Vec<Option<u32>>,
}

/// An occurrence of a fault on some instances, for linking detections and
/// lost writes to it.
struct Occurrence {
    row: u32,
    /// What it struck: components and their instances (several for an
    /// outage).
    targets: Vec<(ComponentId, Vec<u32>)>,
    open: bool,
}

/// Replays faults and health checks.
pub struct Injector {
    links: Vec<Link>,
    link_stream: Stream,
    random: Vec<Option<Random>>,
    /// Per fault of the model: its occurrence (not for random faults).
    occurrence_of: Vec<Option<usize>>,
    occurrences: Vec<Occurrence>,
    log: Vec<LoggedEvent>,
    /// Recovery and SLO judgement.
    pub recovery: RecoveryTracker,
}

/// `component.instance` as outputs and fault targets name it.
pub fn instance_name(model: &Model, component: ComponentId, i: u32) -> String {
    model.instance_name(component, i).to_string()
}

impl Injector {
    /// The injector of `model`'s faults.
    pub fn new(model: &Model) -> Injector {
        let random = model
            .faults
            .iter()
            .enumerate()
            .map(|(i, f)| match &f.kind {
                FaultKind::RandomCrash { instances, .. } => Some(Random {
                    stream: Stream::new(model.seed, &format!("faults.{i}"), "random"),
                    down: vec![None; instances.len()],
                }),
                _ => None,
            })
            .collect();
        Injector {
            links: Vec::new(),
            link_stream: Stream::new(model.seed, "faults", "links"),
            random,
            occurrence_of: vec![None; model.faults.len()],
            occurrences: Vec::new(),
            log: Vec::new(),
            recovery: RecoveryTracker::new(
                model.slo,
                SimTime::ZERO + model.warmup,
                !model.faults.is_empty(),
            ),
        }
    }

    /// Schedules every fault of `model` (before the components' first
    /// timers and the first arrival, so a fault at an instant comes before
    /// that instant's requests).
    pub fn start(&mut self, model: &Model, ctx: &mut Ctx) {
        let end = SimTime::ZERO + model.duration;
        for (i, f) in model.faults.iter().enumerate() {
            if f.at < end {
                ctx.events.schedule(f.at, Event::Fault { index: i as u32 });
            }
        }
    }

    /// Whether some link fault is in force (then every delivery is checked).
    #[inline(always)]
    pub fn links_active(&self) -> bool {
        !self.links.is_empty()
    }

    /// A call is about to be delivered across a link: fails it (partition)
    /// or holds it back (delay). True if the call was dealt with.
    #[cold]
    #[inline(never)]
    pub fn intercept(&mut self, call: CallId, ctx: &mut Ctx) -> bool {
        let c = ctx.calls[call];
        if c.step == DELAYED {
            // Back from its delay: deliver it now.
            ctx.calls[call].step = 0;
            return false;
        }
        let Some(parent) = c.parent else {
            return false;
        };
        let from = ctx.calls[parent].component;
        let to = c.component;
        let Some(link) = self
            .links
            .iter()
            .find(|l| (l.a == from && l.b == to) || (l.a == to && l.b == from))
        else {
            return false;
        };
        match &link.extra {
            None => ctx.reply(call, Outcome::Failed),
            Some(extra) => {
                let t = extra.sample(&mut self.link_stream);
                ctx.calls[call].step = DELAYED;
                ctx.events.schedule(ctx.now + t, Event::Deliver { call });
            }
        }
        true
    }

    fn log(
        &mut self,
        time: SimTime,
        kind: EventKind,
        target: String,
        detail: String,
        fault: Option<u32>,
    ) {
        self.log.push(LoggedEvent {
            time,
            kind,
            target,
            detail,
            fault,
        });
    }

    /// Handles a fault or random failure event.
    // Out of line and cold: keeps the engine's dispatch small for runs
    // without faults.
    #[cold]
    #[inline(never)]
    pub fn on(&mut self, model: &Model, event: Event, system: &mut System, ctx: &mut Ctx) {
        match event {
            Event::Fault { index } => self.strike(model, index, system, ctx),
            Event::FaultEnd { index } => self.end(model, index, system, ctx),
            Event::RandomFlip { index, which } => self.flip(model, index, which, system, ctx),
            _ => unreachable!("not a fault event"),
        }
    }

    /// What `from`'s timers saw at `now`: a health check marking instances,
    /// a failover step. Logged, and tied to the fault that caused it.
    #[cold]
    #[inline(never)]
    pub fn observe(&mut self, model: &Model, from: ComponentId, seen: &[Happened], now: SimTime) {
        for h in seen {
            match *h {
                Happened::Health {
                    target,
                    instance,
                    kind,
                    failures,
                } => self.health_changed(model, from, (target, instance), kind, failures, now),
                Happened::Failover(step) => self.failover(model, from, step, now),
                Happened::Dns {
                    entry,
                    up,
                    failures,
                } => self.dns_marked(model, from, entry, up, failures, now),
            }
        }
    }

    fn occurrence(
        &mut self,
        model: &Model,
        index: u32,
        (component, instances): (ComponentId, Vec<u32>),
        target: String,
        (now, end): (SimTime, Option<SimTime>),
    ) -> u32 {
        let f = &model.faults[index as usize];
        // What it struck: an outage strikes everything in its data center.
        let targets = match f.kind {
            FaultKind::Outage { dc } => in_datacenter(model, dc),
            _ => vec![(component, instances)],
        };
        let crashes = matches!(
            f.kind,
            FaultKind::Crash { .. } | FaultKind::RandomCrash { .. } | FaultKind::Outage { .. }
        );
        let any = |what: fn(&dyn crate::components::KindModel) -> bool| {
            crashes
                && targets
                    .iter()
                    .any(|(c, _)| what(model.components[*c as usize].kind.model()))
        };
        let row = self.recovery.fault_started(RecoveryRow {
            fault: f.label.clone(),
            target,
            start: now,
            end,
            detected: None,
            recovered: None,
            requests_failed: 0,
            requests_timed_out: 0,
            // A crash of a primary can lose acknowledged writes; of a
            // service keeping sessions on its instances, sessions.
            lost_writes: any(|k| k.crash_loses_writes()).then_some(0),
            sessions_lost: any(|k| k.crash_loses_sessions()).then_some(0),
        });
        self.occurrences.push(Occurrence {
            row,
            targets,
            open: true,
        });
        row
    }

    fn strike(&mut self, model: &Model, index: u32, system: &mut System, ctx: &mut Ctx) {
        let f = &model.faults[index as usize];
        let now = ctx.now;
        // A flush is an instant: it ends as it strikes.
        let end = match f.kind {
            FaultKind::Flush { .. } => Some(now),
            _ => f.duration.map(|d| now + d),
        };
        if let Some(e) = end
            && e > now
            && e < SimTime::ZERO + model.duration
        {
            ctx.events.schedule(e, Event::FaultEnd { index });
        }
        let mut sessions_lost = 0;
        let (component, instances, detail) = match &f.kind {
            FaultKind::Crash {
                component,
                instances,
            } => {
                for &i in instances {
                    sessions_lost += system.crash(*component, i, ctx);
                }
                (
                    *component,
                    instances.clone(),
                    "instances stopped".to_string(),
                )
            }
            FaultKind::Slow {
                component,
                instances,
                factor,
            } => {
                for &i in instances {
                    system.parts[*component as usize]
                        .impairments()
                        .set_slow(i as usize, *factor);
                }
                (
                    *component,
                    instances.clone(),
                    format!("service times x{factor}"),
                )
            }
            FaultKind::Errors {
                component,
                instances,
                share,
            } => {
                for &i in instances {
                    system.parts[*component as usize]
                        .impairments()
                        .set_errors(i as usize, *share);
                }
                (
                    *component,
                    instances.clone(),
                    format!("{}% of calls fail", (share * 1e6).round() / 1e4),
                )
            }
            FaultKind::Flush {
                component,
                instances,
            } => {
                for &i in instances {
                    system.parts[*component as usize].flush(i);
                }
                (
                    *component,
                    instances.clone(),
                    "every entry dropped".to_string(),
                )
            }
            FaultKind::Partition { a, b } => {
                self.links.push(Link {
                    a: *a,
                    b: *b,
                    extra: None,
                    fault: index,
                });
                (*a, Vec::new(), "calls between them fail".to_string())
            }
            FaultKind::Delay { a, b, extra } => {
                self.links.push(Link {
                    a: *a,
                    b: *b,
                    extra: Some(extra.clone()),
                    fault: index,
                });
                (*a, Vec::new(), "calls between them delayed".to_string())
            }
            FaultKind::Outage { .. }
            | FaultKind::LinkPartition { .. }
            | FaultKind::LinkDelay { .. }
            | FaultKind::NodePartition { .. } => {
                let (target, detail, lost) = strike_place(model, index, &f.kind, system, ctx);
                sessions_lost += lost;
                (target.0, target.1, detail)
            }
            FaultKind::RandomCrash {
                instances, mttf, ..
            } => {
                let r = self.random[index as usize]
                    .as_mut()
                    .expect("a random fault");
                for which in 0..instances.len() as u32 {
                    let t = SimDuration::from_secs_f64(r.stream.exp1() * mttf.as_secs_f64());
                    ctx.events
                        .schedule(now + t, Event::RandomFlip { index, which });
                }
                return;
            }
        };
        let row = self.occurrence(
            model,
            index,
            (component, instances),
            f.target.clone(),
            (now, end),
        );
        self.occurrence_of[index as usize] = Some(self.occurrences.len() - 1);
        if sessions_lost > 0 {
            self.recovery.sessions_lost(row, sessions_lost);
        }
        self.log(
            now,
            EventKind::Fault,
            f.target.clone(),
            format!("{}: {detail}", f.label),
            Some(row),
        );
    }

    fn end(&mut self, model: &Model, index: u32, system: &mut System, ctx: &mut Ctx) {
        let f = &model.faults[index as usize];
        match &f.kind {
            FaultKind::Crash {
                component,
                instances,
            } => {
                for &i in instances {
                    system.restore(*component, i, ctx);
                }
            }
            FaultKind::Slow {
                component,
                instances,
                ..
            } => {
                for &i in instances {
                    system.parts[*component as usize]
                        .impairments()
                        .set_slow(i as usize, 1.0);
                }
            }
            FaultKind::Errors {
                component,
                instances,
                ..
            } => {
                for &i in instances {
                    system.parts[*component as usize]
                        .impairments()
                        .set_errors(i as usize, 0.0);
                }
            }
            FaultKind::Partition { .. } | FaultKind::Delay { .. } => {
                self.links.retain(|l| l.fault != index);
            }
            FaultKind::Flush { .. } | FaultKind::RandomCrash { .. } => return,
            FaultKind::Outage { dc } => {
                for (component, instances) in in_datacenter(model, *dc) {
                    for i in instances {
                        system.restore(component, i, ctx);
                    }
                }
                if let Some(net) = &mut system.network {
                    net.outage(*dc, false);
                }
            }
            FaultKind::LinkPartition { link } => {
                if let Some(net) = &mut system.network {
                    net.partition(*link, false);
                }
                for part in &mut system.parts {
                    part.cut(Cut::Link(*link), false, ctx);
                }
            }
            FaultKind::NodePartition { component, a, b } => {
                system.parts[*component as usize].cut(Cut::Nodes(*a, *b), false, ctx);
            }
            FaultKind::LinkDelay { link, .. } => {
                if let Some(net) = &mut system.network {
                    net.delay(*link, index, None);
                }
            }
        }
        let occurrence = self.occurrence_of[index as usize].expect("a fault that struck");
        self.occurrences[occurrence].open = false;
        let row = self.occurrences[occurrence].row;
        self.log(
            ctx.now,
            EventKind::FaultEnd,
            f.target.clone(),
            f.label.clone(),
            Some(row),
        );
    }

    fn flip(&mut self, model: &Model, index: u32, which: u32, system: &mut System, ctx: &mut Ctx) {
        let f = &model.faults[index as usize];
        let FaultKind::RandomCrash {
            component,
            instances,
            mttf,
            mttr,
        } = &f.kind
        else {
            unreachable!("flips belong to random faults")
        };
        let i = instances[which as usize];
        let name = instance_name(model, *component, i);
        let now = ctx.now;
        let r = self.random[index as usize]
            .as_mut()
            .expect("a random fault");
        match r.down[which as usize].take() {
            None => {
                let repair = SimDuration::from_secs_f64(r.stream.exp1() * mttr.as_secs_f64());
                ctx.events
                    .schedule(now + repair, Event::RandomFlip { index, which });
                let sessions_lost = system.crash(*component, i, ctx);
                let end = Some(now + repair).filter(|e| *e < SimTime::ZERO + model.duration);
                let row = self.occurrence(
                    model,
                    index,
                    (*component, vec![i]),
                    name.clone(),
                    (now, end),
                );
                let r = self.random[index as usize]
                    .as_mut()
                    .expect("a random fault");
                r.down[which as usize] = Some(self.occurrences.len() as u32 - 1);
                if sessions_lost > 0 {
                    self.recovery.sessions_lost(row, sessions_lost);
                }
                self.log(
                    now,
                    EventKind::Fault,
                    name,
                    "random crash".into(),
                    Some(row),
                );
            }
            Some(occurrence) => {
                let fail = SimDuration::from_secs_f64(r.stream.exp1() * mttf.as_secs_f64());
                ctx.events
                    .schedule(now + fail, Event::RandomFlip { index, which });
                system.restore(*component, i, ctx);
                let o = &mut self.occurrences[occurrence as usize];
                o.open = false;
                let row = o.row;
                self.log(now, EventKind::FaultEnd, name, "repaired".into(), Some(row));
            }
        }
    }

    /// A balancer's health check marked an instance of its pool down or up.
    fn health_changed(
        &mut self,
        model: &Model,
        balancer: ComponentId,
        (target, i): (ComponentId, u32),
        kind: EventKind,
        failures: u32,
        now: SimTime,
    ) {
        let name = instance_name(model, target, i);
        let detail = match kind {
            EventKind::Detected => format!(
                "marked down by `{}` after {} failed checks",
                model.components[balancer as usize].name, failures
            ),
            _ => format!(
                "marked up by `{}` after a passing check",
                model.components[balancer as usize].name
            ),
        };
        let fault = self.link_detection(target, i, now, kind);
        self.log(now, kind, name, detail, fault);
    }

    /// A DNS's health check marked entry point `entry` down or up.
    fn dns_marked(
        &mut self,
        model: &Model,
        dns: ComponentId,
        entry: ComponentId,
        up: bool,
        failures: u32,
        now: SimTime,
    ) {
        let dns_name = &model.components[dns as usize].name;
        let dc = model
            .geo
            .as_ref()
            .and_then(|g| {
                let d = g.dc_of(entry, crate::components::ANY_INSTANCE);
                g.datacenters.get(d as usize)
            })
            .map_or(String::new(), |d| format!(" (in {})", d.name));
        let (kind, detail) = if up {
            (
                EventKind::DnsUp,
                format!("marked up by `{dns_name}` after a passing check{dc}"),
            )
        } else {
            (
                EventKind::DnsDown,
                format!("marked down by `{dns_name}` after {failures} failed checks{dc}"),
            )
        };
        // A DNS marking its entry point down is the outage's detection.
        let as_detection = if up {
            EventKind::Restored
        } else {
            EventKind::Detected
        };
        let fault = self.link_detection(entry, 0, now, as_detection);
        let name = model.components[entry as usize].name.clone();
        self.log(now, kind, name, detail, fault);
    }

    /// Ties a detection of `component.instance` to the open crash it
    /// noticed; returns the occurrence's row.
    fn link_detection(
        &mut self,
        component: ComponentId,
        instance: u32,
        now: SimTime,
        kind: EventKind,
    ) -> Option<u32> {
        let o = self.occurrences.iter().rev().find(|o| {
            o.targets
                .iter()
                .any(|(c, is)| *c == component && is.contains(&instance))
                && (o.open || kind == EventKind::Restored)
        })?;
        if kind == EventKind::Detected {
            self.recovery.detected(o.row, now);
        }
        Some(o.row)
    }

    fn failover(&mut self, model: &Model, db: ComponentId, step: FailoverEvent, now: SimTime) {
        match step {
            FailoverEvent::Detected { node } => {
                let fault = self.link_detection(db, node, now, EventKind::Detected);
                self.log(
                    now,
                    EventKind::Detected,
                    instance_name(model, db, node),
                    "primary declared dead".into(),
                    fault,
                );
            }
            FailoverEvent::Promoted { old, node, lost } => {
                let fault = self.link_detection(db, old, now, EventKind::Promoted);
                if let Some(row) = fault {
                    self.recovery.lost_writes(row, lost);
                }
                let old_name = instance_name(model, db, old);
                let shard = match model.instance_name(db, old).label {
                    Some(crate::components::Label::Primary { shard })
                    | Some(crate::components::Label::Replica { shard, .. }) => {
                        format!("shard{shard}")
                    }
                    _ => String::new(),
                };
                self.log(
                    now,
                    EventKind::Promoted,
                    instance_name(model, db, node),
                    format!("new primary of {shard} in place of {old_name}; {lost} acknowledged writes lost"),
                    fault,
                );
            }
            FailoverEvent::NoReplica { node } => {
                let fault = self.link_detection(db, node, now, EventKind::Promoted);
                self.log(
                    now,
                    EventKind::Detected,
                    instance_name(model, db, node),
                    "no live replica to promote: writes fail until it is back".into(),
                    fault,
                );
            }
        }
    }

    /// The event log in time order, with the SLO's events; the recovery rows
    /// and the SLO verdict.
    pub fn finish(
        self,
    ) -> (
        Vec<LoggedEvent>,
        Vec<RecoveryRow>,
        Option<crate::metrics::SloVerdict>,
    ) {
        let (rows, slo_log, verdict) = self.recovery.finish();
        let mut log = self.log;
        log.extend(slo_log);
        // Stable: events at one instant keep the order they happened in.
        log.sort_by_key(|e| e.time);
        (log, rows, verdict)
    }
}

use crate::engine::SimDuration;

/// What an outage of data center `dc` strikes: every component standing in
/// it with all its instances, and the nodes of databases standing in it.
fn in_datacenter(model: &Model, dc: crate::model::DcId) -> Vec<(ComponentId, Vec<u32>)> {
    let Some(geo) = &model.geo else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (id, c) in model.components.iter().enumerate() {
        let k = c.kind.model();
        if k.kind() == crate::model::Kind::Dns {
            continue;
        }
        let id = id as ComponentId;
        let instances: Vec<u32> = (0..k.fault_instances())
            .filter(|&i| geo.dc_of(id, i) == dc)
            .collect();
        if !instances.is_empty() {
            out.push((id, instances));
        }
    }
    out
}

/// Strikes a fault on a place rather than on instances of one component: a
/// data center's outage, a link's partition or delay, a partition between
/// two nodes of a database. Returns the occurrence's first target, the
/// detail for the log and the sessions lost.
fn strike_place(
    model: &Model,
    index: u32,
    kind: &FaultKind,
    system: &mut System,
    ctx: &mut Ctx,
) -> ((ComponentId, Vec<u32>), String, u64) {
    let mut lost = 0;
    let (component, instances, detail) = match kind {
        FaultKind::Outage { dc } => {
            let targets = in_datacenter(model, *dc);
            for (component, instances) in &targets {
                for &i in instances {
                    lost += system.crash(*component, i, ctx);
                }
            }
            if let Some(net) = &mut system.network {
                net.outage(*dc, true);
            }
            let (component, instances) = targets.into_iter().next().unwrap_or((0, Vec::new()));
            (component, instances, "everything in it stopped".to_string())
        }
        FaultKind::LinkPartition { link } => {
            if let Some(net) = &mut system.network {
                net.partition(*link, true);
            }
            for part in &mut system.parts {
                part.cut(Cut::Link(*link), true, ctx);
            }
            (0, Vec::new(), "the link carries nothing".to_string())
        }
        FaultKind::NodePartition { component, a, b } => {
            system.parts[*component as usize].cut(Cut::Nodes(*a, *b), true, ctx);
            (
                *component,
                vec![*a, *b],
                "replication between them held".to_string(),
            )
        }
        FaultKind::LinkDelay { link, extra } => {
            if let Some(net) = &mut system.network {
                net.delay(*link, index, Some(extra));
            }
            (0, Vec::new(), "crossings delayed".to_string())
        }
        _ => unreachable!("not a fault on a place"),
    };
    ((component, instances), detail, lost)
}
