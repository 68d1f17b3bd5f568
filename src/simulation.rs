//! A run: the model's components wired together, the event loop, and the
//! windows of the time series closing as simulated time passes.

use crate::components::kind::Ending;
use crate::components::sessions::RequestUsers;
use crate::components::{Client, Ctx, Event, System};
use crate::engine::{Arena, EventList, SimTime};
use crate::faults::Injector;
use crate::metrics::{ComponentRow, DataSummary, Sink, SummaryRow, WindowRow};
use crate::model::{Arrivals, Kind, Model};

/// How often (in events) the progress callback is told how far the run is,
/// and the run checks that it is not growing without bound.
const PROGRESS_EVERY: u64 = 1 << 16;

/// Most requests in the system at once (about 140 bytes each with their calls
/// and events, so some 1.5 GB): past this a scenario is overloaded without
/// bound and would exhaust memory long before it ends.
pub const MAX_IN_SYSTEM: usize = 10_000_000;

/// Progress checks (of [`PROGRESS_EVERY`] events) in a row at one instant
/// after which a run is stuck: some 10 million events without time moving.
const STILL_LIMIT: u32 = 160;

/// Think times of a mean below this count as none for [`still_message`]:
/// a user that thinks a microsecond sends again at the same instant in
/// all but name.
const NO_THINK_SECS: f64 = 1e-6;

/// Why time stands still at `now`, naming the likely cause: closed-loop
/// users who think no time send again the instant their answer comes (and
/// with answers that take no time, such as rejections, they never let time
/// move); otherwise work failed and retried at once.
fn still_message(model: &Model, now: SimTime) -> String {
    let head = format!(
        "time stands still at {}: more than {} million events happened at that instant",
        crate::engine::SimDuration(now.nanos()),
        (STILL_LIMIT as u64 * PROGRESS_EVERY) / 1_000_000
    );
    match &model.traffic.arrivals {
        Arrivals::Closed { users, think_time } if think_time.mean() < NO_THINK_SECS => format!(
            "{head} ({users} closed-loop users with zero think time (`traffic.think_time`): each \
             sends again the instant its answer comes, and answers that take no time, such as \
             rejections, keep them all at one instant). Give the users a think time, or fewer users."
        ),
        _ => format!(
            "{head} (work that fails and is retried at once, taking no time, such as a queue's \
             consumer with a zero service time whose calls fail). Give that work some time."
        ),
    }
}

/// Whether a model has faults, health checks or an SLO to look after.
fn needs_injector(model: &Model) -> bool {
    !model.faults.is_empty()
        || model.slo.is_some()
        // What health checks and autoscalers do is logged by the injector.
        || model.components.iter().any(|c| c.kind.model().sets_timers())
}

/// Why a run stopped before its end.
#[derive(Debug)]
pub enum RunError {
    /// Writing rows failed.
    Io(std::io::Error),
    /// The progress callback asked to stop (Ctrl-C).
    Interrupted,
    /// More than [`MAX_IN_SYSTEM`] requests were in the system: the message
    /// says when and where they pile up.
    Unbounded(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Io(e) => write!(f, "{e}"),
            RunError::Interrupted => write!(f, "interrupted"),
            RunError::Unbounded(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for RunError {}

impl From<std::io::Error> for RunError {
    fn from(e: std::io::Error) -> Self {
        RunError::Io(e)
    }
}

/// What a run produced besides the rows it streamed to its sink.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// One row per request class, then `all`.
    pub summary: Vec<SummaryRow>,
    /// Events processed.
    pub events: u64,
    /// Requests sent, warm-up included.
    pub requests_sent: u64,
    /// Requests ended, warm-up included: ok, rejected, timed out, failed.
    pub requests_ended: [u64; 4],
    /// Requests without an outcome when the run stopped.
    pub in_flight: u64,
    /// The most requests whose work was going on at once.
    pub peak_requests: usize,
    /// Per component: mean utilisation after warm-up (services only).
    pub utilization: Vec<Option<f64>>,
    /// Response times of `ok` requests after warm-up, per class then `all`,
    /// in the order of `summary`.
    pub latency_by_class: Vec<(String, crate::metrics::Latencies)>,
    /// Per cache, database and queue, in the order of the model: what the
    /// summary says of it.
    pub data: Vec<DataSummary>,
    /// Faults, detections, promotions and SLO breaches, in time order
    /// (`events.csv`).
    pub log: Vec<crate::metrics::LoggedEvent>,
    /// One row per fault occurrence, in the order they struck
    /// (`recovery.csv`).
    pub recovery: Vec<crate::metrics::RecoveryRow>,
    /// How the run did against the SLO; `None` without one.
    pub slo: Option<crate::metrics::SloVerdict>,
    /// Attempts the client sent again, warm-up included (attempts are
    /// `requests_sent + retries`).
    pub retries: u64,
    /// Per autoscaled service, its instances over time (`autoscale.png`).
    pub scaling: Vec<crate::metrics::ScalingTrace>,
    /// What the sized services and databases cost per hour on average over
    /// the run (autoscaled pools billed from provisioning to removal);
    /// `None` when nothing has a size.
    pub cost_per_hour: Option<f64>,
    /// What they cost over the whole run, warm-up included.
    pub cost_total: Option<f64>,
    /// Links, data centers and origins; `None` without `datacenters`.
    pub geo: Option<Box<crate::metrics::GeoResult>>,
    /// Databases of another topology than primary/replica (`multi_primary`,
    /// `ring`, `quorum`); `None` without one.
    pub replication: Option<Box<crate::metrics::ReplicationResult>>,
    /// Services' [flow] calls (`calls.csv`); `None` without any.
    pub flow: Option<Box<crate::metrics::FlowResult>>,
}

/// A run in progress.
pub struct Simulation<'m> {
    model: &'m Model,
    client: Client,
    /// The components, built and wired once (the assembly step).
    system: System,
    events: EventList<Event>,
    calls: Arena<crate::components::Call>,
    rows: Vec<ComponentRow>,
    busy_after_warmup: Vec<(f64, f64)>,
    /// Faults, health checks and the SLO; `None` when the model has none.
    injector: Option<Box<Injector>>,
    /// Who sent each request (filled only when the model tracks users).
    users: RequestUsers,
    /// Per window and origin, with data centers.
    origin_rows: Vec<crate::metrics::OriginRow>,
}

impl<'m> Simulation<'m> {
    /// Builds and wires the components of `model`.
    pub fn new(model: &'m Model) -> Simulation<'m> {
        let seed = model.seed;
        Simulation {
            model,
            client: {
                let mut c = Client::new(&model.traffic, seed, SimTime::ZERO + model.warmup);
                if model.tracks_users() {
                    c.track_users(&model.traffic, seed);
                }
                if let Some(geo) = &model.geo {
                    c.from_origins(geo, seed, SimTime::ZERO + model.warmup);
                }
                c
            },
            system: System::assemble(model),
            events: EventList::new(),
            calls: Arena::new(),
            rows: Vec::new(),
            busy_after_warmup: vec![(0.0, 0.0); model.components.len()],
            injector: needs_injector(model).then(|| Box::new(Injector::new(model))),
            users: RequestUsers::default(),
            origin_rows: Vec::new(),
        }
    }

    /// Also counts each window's requests and latency buckets per class
    /// into [`WindowRow::by_class`], for `--export`; without it the rows
    /// have none and the run costs what it did.
    pub fn record_by_class(mut self) -> Simulation<'m> {
        self.client.stats.record_by_class();
        self
    }

    /// Runs to the end, streaming window rows into `sink` and telling
    /// `progress` (simulated time, events so far) every so often; `progress`
    /// returns false to stop the run ([`RunError::Interrupted`]).
    pub fn run(
        mut self,
        sink: &mut dyn Sink,
        progress: &mut dyn FnMut(SimTime, u64) -> bool,
    ) -> Result<RunResult, RunError> {
        let end = SimTime::ZERO + self.model.duration;
        let window = self.model.window.nanos();
        let mut window_start = SimTime::ZERO;
        let mut window_end = SimTime(window.min(end.0));

        {
            let mut ctx = Ctx {
                now: SimTime::ZERO,
                events: &mut self.events,
                calls: &mut self.calls,
                users: &mut self.users,
            };
            if let Some(inj) = &mut self.injector {
                inj.start(self.model, &mut ctx);
            }
            self.system.start(&mut ctx);
            self.client.start(&mut ctx);
        }

        let mut next_progress = PROGRESS_EVERY;
        // Progress checks in a row at one instant: a loop that takes no time.
        let (mut still_at, mut still_checks) = (SimTime::NEVER, 0u32);
        let warm = SimTime::ZERO + self.model.warmup;
        let mut measuring = false;
        if warm == SimTime::ZERO {
            self.start_measuring(warm);
            measuring = true;
        }
        // One comparison per event covers both rare stops: a window's end
        // and the end of the warm-up.
        let mut next_stop = if measuring {
            window_end
        } else {
            window_end.min(warm)
        };
        while let Some((now, event)) = self.events.pop_before(end) {
            if now >= next_stop {
                // Windows close before the first event at or after their end.
                while now >= window_end {
                    self.close_window(window_start, window_end, sink)?;
                    window_start = window_end;
                    window_end = SimTime((window_end.0 + window).min(end.0));
                }
                if !measuring && now >= warm {
                    self.start_measuring(warm);
                    measuring = true;
                }
                next_stop = if measuring {
                    window_end
                } else {
                    window_end.min(warm)
                };
            }
            self.dispatch(now, event);
            if self.events.popped() >= next_progress {
                next_progress += PROGRESS_EVERY;
                if !progress(now, self.events.popped()) {
                    return Err(RunError::Interrupted);
                }
                if self.client.requests_working() > MAX_IN_SYSTEM
                    || self.calls.len() > MAX_IN_SYSTEM
                {
                    return Err(RunError::Unbounded(self.unbounded(now)));
                }
                if now == still_at {
                    still_checks += 1;
                    if still_checks >= STILL_LIMIT {
                        return Err(RunError::Unbounded(still_message(self.model, now)));
                    }
                } else {
                    (still_at, still_checks) = (now, 0);
                }
            }
        }
        while window_start < end {
            self.close_window(window_start, window_end, sink)?;
            window_start = window_end;
            window_end = SimTime((window_end.0 + window).min(end.0));
        }
        let _ = progress(end, self.events.popped());
        Ok(self.finish())
    }

    fn start_measuring(&mut self, now: SimTime) {
        for c in &mut self.system.parts {
            c.start_measuring(now);
        }
    }

    #[inline]
    fn dispatch(&mut self, now: SimTime, event: Event) {
        let mut ctx = Ctx {
            now,
            events: &mut self.events,
            calls: &mut self.calls,
            users: &mut self.users,
        };
        match event {
            Event::Arrival | Event::ThinkDone { .. } | Event::Timeout { .. } => {
                self.client.on(event, &mut ctx)
            }
            Event::Deliver { call } => {
                // A call failed by a crash (or gone since) is not delivered.
                let Some(c) = ctx.calls.get(call) else { return };
                if c.replied {
                    return;
                }
                let comp = c.component;
                // Its hop first (once), then any fault on the way.
                if let Some(net) = &mut self.system.network
                    && cross(net, call, &mut ctx, &mut self.system.parts)
                {
                    return;
                }
                if let Some(inj) = &mut self.injector
                    && inj.links_active()
                    && inj.intercept(call, &mut ctx)
                {
                    return;
                }
                self.system.parts[comp as usize].on(event, &mut ctx);
            }
            Event::ServiceDone { call } => {
                // Work of a call a crash has failed is dropped.
                let Some(c) = ctx.calls.get(call) else { return };
                if c.replied {
                    return;
                }
                let comp = c.component;
                self.system.parts[comp as usize].on(event, &mut ctx);
            }
            Event::Reply { call, outcome } => {
                if let Some(net) = &mut self.system.network
                    && cross_back(net, call, outcome, &mut ctx)
                {
                    return;
                }
                hand_reply(
                    &mut self.client,
                    &mut self.system.parts,
                    call,
                    event,
                    &mut ctx,
                )
            }
            Event::Retry { .. } | Event::CallTimeout { .. } | Event::CallRetry { .. } => {
                self.dispatch_retries(now, event)
            }
            Event::Fault { .. } | Event::FaultEnd { .. } | Event::RandomFlip { .. } => {
                let inj = self
                    .injector
                    .as_mut()
                    .expect("fault events come from the injector");
                inj.on(self.model, event, &mut self.system, &mut ctx);
            }
            Event::HealthCheck { balancer: to }
            | Event::Timer { component: to, .. }
            | Event::Serving { to, .. }
            | Event::Released { to, .. }
            | Event::Backlog { to, .. } => self.timer(now, to, event),
        }
    }

    /// A timer or message for component `to` (health checks, autoscaling,
    /// failover steps, serving changes, guarded calls' timers): delivered
    /// to it; what it saw, the injector logs. Out of line and cold: runs
    /// without them never come here.
    #[cold]
    #[inline(never)]
    fn timer(&mut self, now: SimTime, to: crate::model::ComponentId, event: Event) {
        let mut ctx = Ctx {
            now,
            events: &mut self.events,
            calls: &mut self.calls,
            users: &mut self.users,
        };
        let mut seen = Vec::new();
        self.system.timer(to, event, &mut ctx, &mut seen);
        if !seen.is_empty()
            && let Some(inj) = &mut self.injector
        {
            inj.observe(self.model, to, &seen, now);
        }
    }

    /// Retries' and guarded calls' timers, out of line: runs without them
    /// never come here.
    #[cold]
    #[inline(never)]
    fn dispatch_retries(&mut self, now: SimTime, event: Event) {
        let mut ctx = Ctx {
            now,
            events: &mut self.events,
            calls: &mut self.calls,
            users: &mut self.users,
        };
        match event {
            Event::Retry { request } => self.client.retry(request, &mut ctx),
            Event::CallTimeout { call } | Event::CallRetry { call } => {
                // The caller was failed by a crash (or is gone): nothing waits.
                let Some(c) = ctx.calls.get(call) else { return };
                if c.replied {
                    return;
                }
                let to = c.component;
                self.timer(now, to, event);
            }
            _ => unreachable!("not a retry timer"),
        }
    }

    fn unbounded(&self, now: SimTime) -> String {
        let worst = self
            .system
            .parts
            .iter()
            .zip(&self.model.components)
            .max_by_key(|(c, _)| c.queued())
            .map(|(c, m)| {
                let what = if m.kind.model().kind() == Kind::Queue {
                    "messages"
                } else {
                    "requests"
                };
                format!("`{}` has {} {what} waiting", m.name, c.queued())
            })
            .unwrap_or_default();
        format!(
            "more than 10 million requests are in the system at {} of {}: it is overloaded without bound ({worst}). \
             Give that pool more capacity or a `queue` limit, or shorten the run.",
            crate::engine::SimDuration(now.nanos() / 1_000_000_000 * 1_000_000_000),
            self.model.duration
        )
    }

    fn close_window(
        &mut self,
        start: SimTime,
        end: SimTime,
        sink: &mut dyn Sink,
    ) -> std::io::Result<()> {
        let len = end - start;
        let in_flight = self.client.stats.in_flight();
        let (counts, latency) = self.client.stats.take_window();
        let quantiles = latency.headline();
        let latency_mean = latency.mean();
        if let Some(inj) = &mut self.injector {
            inj.recovery.window(start, end, &counts, latency);
        }
        latency.clear();
        let sessions_lost = if self.model.has_sessions() {
            let mut n = 0;
            for c in &mut self.system.parts {
                n += c.take_sessions_lost_window().unwrap_or(0);
            }
            Some(n)
        } else {
            None
        };
        let row = WindowRow {
            start,
            len,
            counts,
            in_flight,
            latency: quantiles,
            sessions_lost,
            latency_mean,
            by_class: self.client.stats.take_by_class(),
        };
        self.rows.clear();
        for c in &mut self.system.parts {
            c.report_window(start, end, &mut self.rows);
        }
        if let Some(net) = &mut self.system.network {
            net.close_window(start, end, &self.rows);
            self.origin_window(start, end);
        }
        // Utilisation after warm-up, weighted by the measured part of the window.
        let warm = SimTime::ZERO + self.model.warmup;
        if end > warm {
            let measured = (end - start.max(warm)).as_secs_f64();
            let fraction = measured / len.as_secs_f64().max(f64::MIN_POSITIVE);
            for r in &self.rows {
                if r.instance.is_none()
                    && let Some(u) = r.utilization
                {
                    let acc = &mut self.busy_after_warmup[r.component as usize];
                    acc.0 += u * len.as_secs_f64() * fraction;
                    acc.1 += measured;
                }
            }
        }
        sink.window(&row, &self.rows)
    }

    /// Each origin's row of the window `[start, end)`.
    #[cold]
    fn origin_window(&mut self, start: SimTime, end: SimTime) {
        for (o, stats) in self.client.origin_stats().iter_mut().enumerate() {
            let (counts, latency) = stats.take_window();
            let row = crate::metrics::OriginRow {
                start,
                len: end - start,
                origin: o as u8,
                sent: counts.offered,
                ok: counts.goodput,
                errors: counts.rejected + counts.timed_out + counts.failed,
                latency: latency.headline(),
            };
            latency.clear();
            self.origin_rows.push(row);
        }
    }

    /// What the network and the origins measured, for the outputs.
    fn geo_result(&mut self, measured: f64) -> Option<Box<crate::metrics::GeoResult>> {
        let net = self.system.network.take()?;
        let geo = self.model.geo.as_ref()?;
        let mut out = net.finish();
        out.origins = std::mem::take(&mut self.origin_rows);
        for (o, stats) in geo.origins.iter().zip(self.client.origin_stats().iter()) {
            let name = format!("origin:{}", o.name);
            let t = &stats.classes()[0];
            out.origin_summary.push(summary_row(&name, t, measured));
            out.origin_latency.push((name, t.latency.clone()));
        }
        Some(Box::new(out))
    }

    fn finish(mut self) -> RunResult {
        let end = SimTime::ZERO + self.model.duration;
        let mut ending = Ending::default();
        for c in &mut self.system.parts {
            c.finish(end, &mut ending);
        }
        let Ending {
            scaling,
            scaling_log,
            breaker_log,
            sessions_lost,
            replication,
            replication_log,
            flow,
        } = ending;
        let measured = (self.model.duration - self.model.warmup).as_secs_f64();
        let geo = self.geo_result(measured);
        let (cost_per_hour, cost_total) = run_cost(
            self.model,
            &scaling,
            geo.as_ref().and_then(|g| g.egress_cost),
        );
        let (mut log, recovery, slo) = match self.injector.take() {
            Some(inj) => (*inj).finish(),
            None => (Vec::new(), Vec::new(), None),
        };
        if self.model.has_breakers() {
            log.extend(breaker_log);
        }
        let mut replication = replication;
        let replicated = !replication.totals.is_empty();
        // Each database handed its rows over at once: window by window,
        // in model order within a window (stable).
        replication.rows.sort_by_key(|r| r.start);
        if replicated {
            log.extend(replication_log);
        }
        if self.model.has_breakers() || !scaling_log.is_empty() || replicated {
            log.extend(scaling_log);
            // Stable: each source's events at one instant keep their order.
            log.sort_by_key(|e| e.time);
        }
        let stats = &self.client.stats;
        let mut summary: Vec<SummaryRow> = stats
            .classes()
            .iter()
            .zip(&self.model.traffic.classes)
            .map(|(t, c)| summary_row(&c.name, t, measured))
            .collect();
        let all = stats.all();
        summary.push(SummaryRow {
            sessions_lost: self
                .model
                .has_sessions()
                .then(|| sessions_lost.unwrap_or(0)),
            ..summary_row("all", &all, measured)
        });
        let mut latency_by_class: Vec<(String, crate::metrics::Latencies)> = stats
            .classes()
            .iter()
            .zip(&self.model.traffic.classes)
            .map(|(t, c)| (c.name.clone(), t.latency.clone()))
            .collect();
        latency_by_class.push(("all".to_string(), all.latency));
        RunResult {
            summary,
            events: self.events.popped(),
            requests_sent: stats.sent_total,
            requests_ended: stats.ended_total,
            in_flight: stats.in_flight(),
            peak_requests: self.client.peak_requests(),
            utilization: self
                .busy_after_warmup
                .iter()
                .map(|&(busy, secs)| (secs > 0.0).then(|| busy / secs))
                .collect(),
            latency_by_class,
            data: self
                .system
                .parts
                .iter()
                .filter_map(crate::components::Component::data_summary)
                .collect(),
            log,
            recovery,
            slo,
            retries: stats.retries_total,
            scaling,
            cost_per_hour,
            cost_total,
            geo,
            replication: replicated.then(|| Box::new(replication)),
            flow: crate::metrics::FlowResult::of_run(self.model, flow.rows, flow.cancelled),
        }
    }
}

/// With data centers: a call on its way pays its hop, once (true: it is
/// held for it). Out of line: runs without data centers never come here.
#[cold]
#[inline(never)]
fn cross(
    net: &mut crate::components::network::Network,
    call: crate::components::CallId,
    ctx: &mut Ctx,
    parts: &mut [crate::components::Component],
) -> bool {
    !ctx.calls[call].crossed && net.deliver(call, ctx, parts)
}

/// With data centers: a reply on its way back pays its hop, once (true: it
/// is held for it).
#[cold]
#[inline(never)]
fn cross_back(
    net: &mut crate::components::network::Network,
    call: crate::components::CallId,
    outcome: crate::metrics::Outcome,
    ctx: &mut Ctx,
) -> bool {
    !ctx.calls[call].crossed && net.reply(call, outcome, ctx)
}

/// Hands a reply to whoever made the call: the client, or the component of
/// the waiting call.
#[inline(always)]
fn hand_reply(
    client: &mut Client,
    parts: &mut [crate::components::Component],
    call: crate::components::CallId,
    event: Event,
    ctx: &mut Ctx,
) {
    match ctx.calls[call].parent {
        None => client.on(event, ctx),
        Some(parent) => match ctx.calls.get(parent) {
            Some(p) if !p.replied => {
                let c = p.component;
                parts[c as usize].on(event, ctx);
            }
            // The waiting call was failed by a crash: nobody waits for this
            // reply any more.
            _ => {
                ctx.calls.remove(call);
            }
        },
    }
}

/// What the sized services and databases cost per hour on average over the
/// run and in total: an autoscaled pool's billed instance-time (provisioning
/// to removal, from its trace), every other instance for the whole run.
/// Without autoscaling the hourly figure is the model's, to the bit.
fn run_cost(
    model: &Model,
    scaling: &[crate::metrics::ScalingTrace],
    egress: Option<f64>,
) -> (Option<f64>, Option<f64>) {
    let hours = model.duration.as_secs_f64() / 3600.0;
    if let Some(e) = egress {
        // Bytes across links are paid over the run: spread over its hours.
        let (per_hour, total) = run_cost(model, scaling, None);
        let total = total.unwrap_or(0.0) + e;
        let per_hour = per_hour.unwrap_or(0.0) + if hours > 0.0 { e / hours } else { 0.0 };
        return (Some(per_hour), Some(total));
    }
    let per_hour = model.cost_per_hour();
    if scaling.is_empty() {
        return (per_hour, per_hour.map(|c| c * hours));
    }
    let mut total = None;
    let mut traces = scaling.iter();
    for (id, c) in model.components.iter().enumerate() {
        let k = c.kind.model();
        let instance_hours = if k.autoscales() {
            let t = traces.next().expect("a trace per autoscaled pool");
            t.billed_ns as f64 / 3.6e12
        } else if k.takes_size() {
            k.fault_instances() as f64 * hours
        } else {
            continue;
        };
        if let Some((size, _)) = k.sized() {
            *total.get_or_insert(0.0) += instance_hours
                * size.cost_per_hour
                * model.price_factor(id as crate::model::ComponentId);
        }
    }
    let per_hour = total.map(|t: f64| if hours > 0.0 { t / hours } else { 0.0 });
    (per_hour, total)
}

fn summary_row(class: &str, t: &crate::metrics::ClassTotals, measured_secs: f64) -> SummaryRow {
    let ended = t.ended();
    let errors = t.rejected + t.timed_out + t.failed;
    let l = &t.latency;
    SummaryRow {
        class: class.to_string(),
        requests: t.requests,
        ok: t.ok,
        rejected: t.rejected,
        timed_out: t.timed_out,
        failed: t.failed,
        error_rate: if ended > 0 {
            errors as f64 / ended as f64
        } else {
            0.0
        },
        throughput_rps: (t.ok + t.late_ok) as f64 / measured_secs,
        goodput_rps: t.ok as f64 / measured_secs,
        latency_mean: l.mean(),
        latency: l.headline(),
        sessions_lost: None,
    }
}

/// Runs `model` to the end with no progress reporting.
pub fn run(model: &Model, sink: &mut dyn Sink) -> Result<RunResult, RunError> {
    Simulation::new(model).run(sink, &mut |_, _| true)
}
