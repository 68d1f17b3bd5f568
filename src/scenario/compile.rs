//! Checks a scenario and compiles it into the plain model: names become ids,
//! durations nanoseconds, and everything the engine would otherwise have to
//! check at run time is checked here, with the key path and location of the
//! offending value.

mod faults;
mod resilience;
mod resilience_scaling;
mod resilience_sessions;
mod usl;

pub use faults::{
    DEFAULT_HEALTH_FAILURES, DEFAULT_HOLD, MAX_FAULT_INSTANCES, MAX_FAULTS, MAX_HEALTH_FAILURES,
    MAX_HOLD, MAX_SLOW_FACTOR,
};

use indexmap::IndexMap;

use super::de::from_node;
use super::error::{ScenarioError, one_of};
use super::inputs::Inputs;
use super::source::SourceId;
use super::spec::{
    ArrivalsKind, CacheSpec, DatabaseSpec, DistSpec, EvictionSpec, KeySpec, LoadBalancerSpec,
    OpSpec, PartitionSpec, PolicySpec, QueueSpec, RateSpec, ReadFromSpec, ReplicationModeSpec,
    ScenarioSpec, ServiceSpec,
};
use super::yaml::{Node, PathSeg, Value};
use crate::engine::{NANOS_PER_SEC, SimDuration};
use crate::model::{self, Arrivals, ComponentId, Dist, KeyDist, Model, Op, RateSchedule, RateStep};

/// Longest simulated run: ten years.
pub const MAX_DURATION: SimDuration = SimDuration(10 * 365 * 86_400 * NANOS_PER_SEC);
/// Most time-series windows in one run.
pub const MAX_WINDOWS: u64 = 10_000_000;
/// Highest rate, requests per second.
pub const MAX_RATE: f64 = 100_000_000.0;
/// Most instances in one pool.
pub const MAX_INSTANCES: u64 = 100_000;
/// Most workers per instance.
pub const MAX_WORKERS: u64 = 100_000;
/// Most workers in one pool, all instances together.
pub const MAX_POOL_WORKERS: u64 = 10_000_000;
/// Most waiting slots per instance.
pub const MAX_QUEUE: u64 = 1_000_000_000;
/// Most closed-loop users.
pub const MAX_USERS: u64 = 10_000_000;
/// Most request classes.
pub const MAX_CLASSES: usize = 1_000;
/// Most components.
pub const MAX_COMPONENTS: usize = 10_000;
/// Most keys in a key space.
pub const MAX_KEYS: u64 = 1_000_000_000_000;
/// Most entries per cache node.
pub const MAX_CACHE_ENTRIES: u64 = 1_000_000_000;
/// Most shards of a database.
pub const MAX_SHARDS: u64 = 100_000;
/// Most replicas per shard.
pub const MAX_REPLICAS: u64 = 100;
/// Most ring points per shard.
pub const MAX_VNODES: u64 = 10_000;
/// Most messages a queue holds.
pub const MAX_QUEUE_CAPACITY: u64 = 1_000_000_000;
/// Most points on a consistent-hashing ring, all shards together.
pub const MAX_RING_POINTS: u64 = 10_000_000;
/// Ring points per shard when `vnodes` is absent.
pub const DEFAULT_VNODES: u32 = 100;
/// Longest duration in a distribution: one year.
pub const MAX_DIST: SimDuration = SimDuration(365 * 86_400 * NANOS_PER_SEC);

/// The built-in catalogue, used when a scenario has no `sizes`: typical
/// general-purpose cloud instances (on-demand, about $0.048 per core-hour),
/// named as the large providers name them.
pub const BUILT_IN_SIZES: &[(&str, u32, f64)] = &[
    ("large", 2, 0.096),
    ("xlarge", 4, 0.192),
    ("2xlarge", 8, 0.384),
    ("4xlarge", 16, 0.768),
    ("8xlarge", 32, 1.536),
    ("12xlarge", 48, 2.304),
    ("16xlarge", 64, 3.072),
    ("24xlarge", 96, 4.608),
];

/// The instance catalogue: the scenario's `sizes`, or the built-in one.
fn catalogue(ck: &Checker, spec: &ScenarioSpec) -> Result<Vec<model::Size>, ScenarioError> {
    let Some(sizes) = &spec.sizes else {
        return Ok(BUILT_IN_SIZES
            .iter()
            .map(|&(name, cores, cost)| model::Size {
                name: name.to_string(),
                cores,
                speed: 1.0,
                cost_per_hour: cost,
                usl: None,
            })
            .collect());
    };
    if sizes.is_empty() {
        return Err(ck.err("sizes", "an empty catalogue").expected("at least one size, such as `large: { cores: 8, cost_per_hour: 0.4 }`, or no `sizes` for the built-in catalogue"));
    }
    let mut out = Vec::new();
    for (name, sz) in sizes {
        let path = format!("sizes.{name}");
        if !is_name(name) {
            return Err(ck
                .err_key(&path, format!("`{name}` is not a valid size name"))
                .expected(NAME_RULE));
        }
        check_count(ck, &format!("{path}.cores"), sz.cores, MAX_WORKERS, "core")?;
        let speed = sz.speed.unwrap_or(1.0);
        if !(speed > 0.0 && speed <= 1000.0) {
            return Err(ck
                .err(&format!("{path}.speed"), format!("a speed of {speed}"))
                .expected(
                    "a positive speed relative to 1.0 (2.0 halves service times), at most 1000",
                ));
        }
        if !(sz.cost_per_hour >= 0.0 && sz.cost_per_hour <= 1e6) {
            return Err(ck
                .err(
                    &format!("{path}.cost_per_hour"),
                    format!("a cost of {}", sz.cost_per_hour),
                )
                .expected("a price per instance-hour of zero or more"));
        }
        let usl = match &sz.usl {
            None => None,
            Some(u) => Some(usl::compile_usl(ck, &format!("{path}.usl"), u)?),
        };
        out.push(model::Size {
            name: name.clone(),
            cores: sz.cores as u32,
            speed,
            cost_per_hour: sz.cost_per_hour,
            usl,
        });
    }
    Ok(out)
}

/// Component kinds of the language, in the order capabilities bring them.
const KINDS: &[&str] = &["service", "load_balancer", "cache", "database", "queue"];

/// Parses a written path (`components.web.calls[1].to`) into segments.
fn segs(path: &str) -> Vec<PathSeg> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(b) = rest.find('[') {
            out.push(PathSeg::Key(rest[..b].to_string()));
            rest = &rest[b..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let close = stripped.find(']').unwrap_or(stripped.len());
                out.push(PathSeg::Index(stripped[..close].parse().unwrap_or(0)));
                rest = stripped.get(close + 1..).unwrap_or("");
            }
        } else if !part.is_empty() {
            out.push(PathSeg::Key(part.to_string()));
        }
    }
    out
}

/// Builds errors located at a key path of the document.
struct Checker<'a> {
    root: &'a Node,
    /// Recorded input files (traces, empirical samples).
    inputs: &'a Inputs,
}

impl Checker<'_> {
    /// An error about the value at `path`.
    fn err(&self, path: &str, message: impl Into<String>) -> ScenarioError {
        let (node, _) = self.root.locate(&segs(path));
        ScenarioError::at(node.span, message).path(path)
    }

    /// The node at `path`, when there is one.
    fn node(&self, path: &str) -> Option<&Node> {
        let (node, found) = self.root.locate(&segs(path));
        found.then_some(node)
    }

    /// An error about the key at `path` (the name, not its value).
    fn err_key(&self, path: &str, message: impl Into<String>) -> ScenarioError {
        let s = segs(path);
        if let Some((PathSeg::Key(last), parent)) = s.split_last() {
            let (p, found) = self.root.locate(parent);
            if found && let Some(k) = p.get_key(last) {
                return ScenarioError::at(k.span, message).path(path);
            }
        }
        self.err(path, message)
    }
}

/// Whether `s` is a valid name of a component, class, size or variant.
pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && s.len() <= 64
}

const NAME_RULE: &str =
    "a name of letters, digits, `_` and `-`, starting with a letter, at most 64 characters";

/// A component's kind and spec, read in a second pass.
enum ComponentSpec {
    Service(ServiceSpec),
    LoadBalancer(LoadBalancerSpec),
    Cache(CacheSpec),
    Database(DatabaseSpec),
    Queue(QueueSpec),
}

impl ComponentSpec {
    /// The kind as written, with an article, for messages.
    fn a_kind(&self) -> &'static str {
        match self {
            ComponentSpec::Service(_) => "a service",
            ComponentSpec::LoadBalancer(_) => "a load balancer",
            ComponentSpec::Cache(_) => "a cache",
            ComponentSpec::Database(_) => "a database",
            ComponentSpec::Queue(_) => "a queue",
        }
    }
}

/// Checks and compiles the document `root`; recorded input files are read
/// relative to the working directory, and an error in one of them carries its
/// location in its message.
pub fn compile(
    root: &Node,
    stem: &str,
    variant: &str,
    seed_override: Option<u64>,
) -> Result<Model, ScenarioError> {
    // Ids far above any load's own texts: an error in a file is recognised.
    let inputs = Inputs::with_first_id(None, SourceId::MAX / 2);
    compile_with(root, stem, variant, seed_override, &inputs).map_err(|e| inputs.detach(e))
}

/// Checks and compiles the document `root`, reading recorded input files
/// through `inputs`.
pub fn compile_with(
    root: &Node,
    stem: &str,
    variant: &str,
    seed_override: Option<u64>,
    inputs: &Inputs,
) -> Result<Model, ScenarioError> {
    let ck = Checker { root, inputs };
    if !matches!(root.value, Value::Map(_)) {
        return Err(
            ScenarioError::at(root.span, format!("the scenario is {}", root.type_name()))
                .expected("a mapping with `duration`, `traffic` and `components`"),
        );
    }
    let spec: ScenarioSpec = from_node(root, &[])?;

    // Components, read by kind.
    let comp_node = root.get("components").expect("checked by ScenarioSpec");
    let Value::Map(entries) = &comp_node.value else {
        unreachable!("ScenarioSpec read components as a mapping")
    };
    if entries.is_empty() {
        return Err(ck
            .err("components", "there are no components")
            .expected("at least one component, such as a `service`"));
    }
    if entries.len() > MAX_COMPONENTS {
        return Err(ck
            .err(
                "components",
                format!("{} components is too many to simulate", entries.len()),
            )
            .expected(format!("at most {MAX_COMPONENTS}")));
    }
    let mut specs: IndexMap<String, ComponentSpec> = IndexMap::new();
    for (k, v) in entries {
        let name = k.as_str().unwrap_or("");
        let path = format!("components.{name}");
        if !is_name(name) {
            return Err(ck
                .err_key(&path, format!("`{name}` is not a valid component name"))
                .expected(NAME_RULE));
        }
        let base = vec![PathSeg::Key("components".into()), PathSeg::Key(name.into())];
        if !matches!(v.value, Value::Map(_)) {
            return Err(
                ScenarioError::at(v.span, format!("found {}", v.type_name()))
                    .path(path)
                    .expected("a mapping with `kind` and the component's settings"),
            );
        }
        let Some(kind_node) = v.get("kind") else {
            return Err(ScenarioError::at(v.span, "missing key `kind`")
                .path(path)
                .expected(one_of(KINDS)));
        };
        let kind = kind_node.as_str().unwrap_or("");
        let spec = match kind {
            "service" => ComponentSpec::Service(from_node(v, &base)?),
            "load_balancer" => ComponentSpec::LoadBalancer(from_node(v, &base)?),
            "cache" => ComponentSpec::Cache(from_node(v, &base)?),
            "database" => ComponentSpec::Database(from_node(v, &base)?),
            "queue" => ComponentSpec::Queue(from_node(v, &base)?),
            other => {
                return Err(
                    ScenarioError::at(kind_node.span, format!("unknown kind `{other}`"))
                        .path(format!("{path}.kind"))
                        .expected(one_of(KINDS))
                        .suggest(other, KINDS.iter().copied()),
                );
            }
        };
        specs.insert(name.to_string(), spec);
    }

    let names: Vec<&str> = specs.keys().map(String::as_str).collect();
    let lookup = |path: &str, target: &str| -> Result<ComponentId, ScenarioError> {
        specs
            .get_index_of(target)
            .map(|i| i as ComponentId)
            .ok_or_else(|| {
                ck.err(path, format!("no component is called `{target}`"))
                    .expected(format!("the name of a component: {}", one_of(&names)))
                    .suggest(target, names.iter().copied())
            })
    };

    // Top level.
    let name = match &spec.name {
        Some(n) => {
            let ok = !n.is_empty()
                && n.len() <= 100
                && !n.starts_with('.')
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !ok {
                return Err(ck
                    .err("name", format!("`{n}` cannot name an output folder"))
                    .expected("letters, digits, `_`, `-` and `.`, not starting with `.`"));
            }
            n.clone()
        }
        None => {
            let cleaned: String = stem
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            if cleaned.is_empty() || cleaned.starts_with('.') {
                "scenario".to_string()
            } else {
                cleaned
            }
        }
    };

    let duration = spec.duration.0;
    if duration == SimDuration::ZERO {
        return Err(ck
            .err("duration", "the run lasts no time")
            .expected("a positive duration, such as `10m`"));
    }
    if duration > MAX_DURATION {
        return Err(ck
            .err("duration", format!("{duration} is too long to simulate"))
            .expected("at most 10 years"));
    }
    let window = spec
        .window
        .map(|w| w.0)
        .unwrap_or(SimDuration::from_secs(1));
    if window == SimDuration::ZERO {
        return Err(ck
            .err("window", "a window of no time")
            .expected("a positive duration, such as `1s`"));
    }
    if window > duration {
        return Err(ck
            .err(
                "window",
                format!("the window ({window}) is longer than the run ({duration})"),
            )
            .expected("a window no longer than `duration`"));
    }
    if duration.nanos().div_ceil(window.nanos()) > MAX_WINDOWS {
        return Err(ck
            .err(
                "window",
                format!("{window} windows over {duration} is more than {MAX_WINDOWS} rows"),
            )
            .expected("a longer window"));
    }
    let (warmup, warmup_auto) = match spec.warmup {
        None => (SimDuration::ZERO, false),
        Some(super::spec::Warmup::Fixed(w)) => (w, false),
        // Found later from a pilot run; nothing is excluded until then.
        Some(super::spec::Warmup::Auto) => (SimDuration::ZERO, true),
    };
    if warmup >= duration {
        return Err(ck
            .err(
                "warmup",
                format!("the warm-up ({warmup}) leaves nothing of the run ({duration}) to measure"),
            )
            .expected("a warm-up shorter than `duration`"));
    }

    // Traffic.
    let t = &spec.traffic;
    let to = lookup("traffic.to", &t.to)?;
    let arrivals_kind = t.arrivals.unwrap_or(ArrivalsKind::Poisson);
    let arrivals = match arrivals_kind {
        ArrivalsKind::Poisson | ArrivalsKind::Uniform => {
            if t.think_time.is_some() {
                return Err(ck
                    .err_key(
                        "traffic.think_time",
                        "`think_time` applies to `arrivals: closed` only",
                    )
                    .help("remove it, or set `arrivals: closed` and `users`"));
            }
            let Some(rate) = &t.rate else {
                return Err(ck
                    .err("traffic", "missing key `rate`")
                    .expected("requests per second (`500`) or a list of steps"));
            };
            let schedule = compile_rate(&ck, rate)?;
            if arrivals_kind == ArrivalsKind::Poisson {
                Arrivals::Poisson(schedule)
            } else {
                Arrivals::Uniform(schedule)
            }
        }
        ArrivalsKind::Closed => {
            if t.rate.is_some() {
                return Err(ck
                    .err_key(
                        "traffic.rate",
                        "closed arrivals have no `rate`: the users and their think time set it",
                    )
                    .help("remove `rate`, or use `arrivals: poisson`"));
            }
            let Some(users) = t.users else {
                return Err(ck
                    .err("traffic", "missing key `users`")
                    .expected("the number of users of `arrivals: closed`"));
            };
            if users == 0 {
                return Err(ck
                    .err("traffic.users", "no users")
                    .expected("at least 1 user"));
            }
            if users > MAX_USERS {
                return Err(ck
                    .err(
                        "traffic.users",
                        format!("{users} users is too many to simulate"),
                    )
                    .expected(format!("at most {MAX_USERS}")));
            }
            let Some(think) = &t.think_time else {
                return Err(ck.err("traffic", "missing key `think_time`")
                    .expected("the time a user waits between requests, such as `5s` or `{ exponential: { mean: 5s } }`"));
            };
            Arrivals::Closed {
                users: users as u32,
                think_time: compile_dist(&ck, "traffic.think_time", think)?,
            }
        }
    };

    // Open arrivals with `users`: who sent each request (sessions, sticky).
    let open_users = match (arrivals_kind, t.users) {
        (ArrivalsKind::Closed, _) | (_, None) => None,
        (_, Some(u)) => Some(resilience_sessions::compile_open_users(&ck, u)?),
    };

    let mut classes = Vec::new();
    match &t.requests {
        None => classes.push(model::RequestClass {
            name: "default".to_string(),
            weight: 1.0,
            op: Op::Read,
            key: None,
        }),
        Some(reqs) => {
            if reqs.is_empty() {
                return Err(ck
                    .err("traffic.requests", "no request classes")
                    .expected("at least one class, such as `browse: { weight: 1 }`"));
            }
            if reqs.len() > MAX_CLASSES {
                return Err(ck
                    .err("traffic.requests", "too many request classes")
                    .expected(format!("at most {MAX_CLASSES}")));
            }
            for (cname, c) in reqs {
                let path = format!("traffic.requests.{cname}");
                if !is_name(cname) {
                    return Err(ck
                        .err_key(&path, format!("`{cname}` is not a valid class name"))
                        .expected(NAME_RULE));
                }
                if cname == "all" {
                    return Err(ck
                        .err_key(&path, "`all` is reserved for the summary's total row")
                        .expected("another class name"));
                }
                let weight = c.weight.unwrap_or(1.0);
                if !(weight > 0.0 && weight <= 1e12) {
                    return Err(ck
                        .err(&format!("{path}.weight"), format!("weight {weight}"))
                        .expected("a positive weight (weights are relative)"));
                }
                let key = match &c.key {
                    None => None,
                    Some(k) => Some(compile_key(&ck, &format!("{path}.key"), k)?),
                };
                classes.push(model::RequestClass {
                    name: cname.clone(),
                    weight,
                    op: match c.op.unwrap_or(OpSpec::Read) {
                        OpSpec::Read => Op::Read,
                        OpSpec::Write => Op::Write,
                    },
                    key,
                });
            }
        }
    }
    let class_names: Vec<&str> = classes.iter().map(|c| c.name.as_str()).collect();

    let timeout = match t.client.as_ref().and_then(|c| c.timeout) {
        None => None,
        Some(d) if d.0 == SimDuration::ZERO => {
            return Err(ck
                .err(
                    "traffic.client.timeout",
                    "a timeout of no time fails every request",
                )
                .expected("a positive duration, such as `2s`"));
        }
        Some(d) => Some(d.0),
    };
    let retry = match &t.client {
        None => None,
        Some(c) => resilience::compile_retry(
            &ck,
            "traffic.client",
            timeout,
            c.retries,
            c.backoff.as_ref(),
            c.retry_budget,
        )?,
    };

    let kind_of = |id: ComponentId| {
        specs
            .get_index(id as usize)
            .map(|(_, s)| s)
            .expect("valid id")
    };
    let sizes = catalogue(&ck, &spec)?;
    let find_size = |path: &str, name: &str| -> Result<model::Size, ScenarioError> {
        match sizes.iter().find(|z| z.name == name) {
            Some(z) => Ok(z.clone()),
            None => {
                let names: Vec<&str> = sizes.iter().map(|z| z.name.as_str()).collect();
                let largest = sizes
                    .iter()
                    .max_by_key(|z| z.cores)
                    .map(|z| z.name.as_str())
                    .unwrap_or("");
                Err(ck
                    .err(path, format!("no size is called `{name}`"))
                    .expected(format!(
                        "a size of the {} catalogue: {} (the largest, `{largest}`, is as far as scaling up goes)",
                        if spec.sizes.is_some() { "scenario's" } else { "built-in" },
                        one_of(&names)
                    ))
                    .suggest(name, names.iter().copied()))
            }
        }
    };
    // Range partitioning splits the largest key space of any class.
    let key_space = classes
        .iter()
        .filter_map(|c| c.key.as_ref().map(KeyDist::keys))
        .max()
        .unwrap_or(1);
    // Services that consume a queue, and the queue they consume.
    let mut consumed_by: Vec<Option<&str>> = vec![None; specs.len()];
    for (qname, cs) in &specs {
        if let ComponentSpec::Queue(q) = cs
            && let Some(i) = specs.get_index_of(&q.consumers)
        {
            consumed_by[i] = Some(qname.as_str());
        }
    }

    // Components.
    let mut components = Vec::new();
    let mut edges: Vec<Vec<(ComponentId, String)>> = vec![Vec::new(); specs.len()];
    for (idx, (cname, cs)) in specs.iter().enumerate() {
        let path = format!("components.{cname}");
        let kind = match cs {
            ComponentSpec::Service(s) => {
                let size = match &s.size {
                    None => None,
                    Some(name) => Some(find_size(&format!("{path}.size"), name)?),
                };
                let mut instances = s.instances.unwrap_or(1);
                // A size sets the workers to its cores; an explicit `workers`
                // (a thread pool smaller than the machine) wins.
                let workers = s
                    .workers
                    .unwrap_or(size.as_ref().map(|z| z.cores as u64).unwrap_or(1));
                check_count(
                    &ck,
                    &format!("{path}.instances"),
                    instances,
                    MAX_INSTANCES,
                    "instance",
                )?;
                let autoscale = match &s.autoscale {
                    None => None,
                    Some(a) => {
                        if let Some(queue) = consumed_by[idx] {
                            return Err(ck
                                .err_key(
                                    &format!("{path}.autoscale"),
                                    format!("autoscaling the consumers of a queue (`{queue}`) is not supported yet"),
                                )
                                .expected("a fixed `instances` for a queue's consumers"));
                        }
                        let (a, start) = resilience_scaling::compile_autoscale(
                            &ck,
                            &format!("{path}.autoscale"),
                            a,
                            s.instances,
                        )?;
                        instances = start;
                        Some(a)
                    }
                };
                if s.rate_limit.is_some()
                    && let Some(queue) = consumed_by[idx]
                {
                    return Err(ck
                        .err_key(
                            &format!("{path}.rate_limit"),
                            format!("a rate limit on the consumers of a queue (`{queue}`) is not supported yet: they pull their work"),
                        )
                        .expected("a `rate_limit` on a load balancer or a service that is called"));
                }
                let rate_limit = match &s.rate_limit {
                    None => None,
                    Some(r) => Some(resilience_scaling::compile_rate_limit(
                        &ck,
                        &format!("{path}.rate_limit"),
                        r,
                    )?),
                };
                // The pool's workers at its largest.
                let slots = autoscale.map_or(instances, |a| a.max as u64);
                check_count(
                    &ck,
                    &format!("{path}.workers"),
                    workers,
                    MAX_WORKERS,
                    "worker",
                )?;
                if slots * workers > MAX_POOL_WORKERS {
                    return Err(ck
                        .err(
                            &format!("{path}.workers"),
                            format!(
                                "{slots} instances of {workers} workers is too many to simulate"
                            ),
                        )
                        .expected(format!("at most {MAX_POOL_WORKERS} workers in one pool")));
                }
                if let Some(q) = s.queue
                    && q > MAX_QUEUE
                {
                    return Err(ck
                        .err(
                            &format!("{path}.queue"),
                            format!("a queue of {q} is too large to simulate"),
                        )
                        .expected(format!("at most {MAX_QUEUE}, or no `queue` for unbounded")));
                }
                let mut service_time =
                    compile_dist(&ck, &format!("{path}.service_time"), &s.service_time)?;
                if let Some(z) = &size
                    && z.speed != 1.0
                {
                    service_time = service_time.scaled_by_speed(z.speed);
                }
                let mut calls = Vec::new();
                for (i, c) in s.calls.iter().flatten().enumerate() {
                    let cpath = format!("{path}.calls[{i}]");
                    let to_path = if c.when.is_some() || c.options.is_some() {
                        format!("{cpath}.to")
                    } else {
                        cpath.clone()
                    };
                    let target = lookup(&to_path, &c.to)?;
                    if target as usize == idx {
                        return Err(ck
                            .err(&to_path, format!("`{cname}` calls itself"))
                            .expected("a call to another component"));
                    }
                    if let Some(queue) = consumed_by[target as usize] {
                        return Err(ck
                            .err(
                                &to_path,
                                format!(
                                    "`{}` consumes the queue `{queue}`: its workers take their work from the queue, not from calls",
                                    c.to
                                ),
                            )
                            .expected(format!(
                                "a call to `{queue}` (the request is done once the message is stored), or a service that is not a queue's consumer"
                            )));
                    }
                    edges[idx].push((target, to_path.clone()));
                    let when = match &c.when {
                        None => None,
                        Some(list) => Some(compile_when(
                            &ck,
                            &format!("{cpath}.when"),
                            list,
                            &class_names,
                        )?),
                    };
                    let guard = resilience::compile_call_guard(
                        &ck,
                        &cpath,
                        c.options.as_deref(),
                        cname,
                        &c.to,
                    )?;
                    calls.push(model::Call {
                        to: target,
                        when,
                        guard,
                    });
                }
                let sessions = match &s.sessions {
                    None => None,
                    Some(ss) => {
                        let store_kind = |id: ComponentId| match kind_of(id) {
                            ComponentSpec::Cache(_) | ComponentSpec::Database(_) => {
                                resilience_sessions::StoreKind::Data
                            }
                            other => resilience_sessions::StoreKind::Other(other.a_kind()),
                        };
                        let sessions = resilience_sessions::compile_sessions(
                            &ck,
                            &path,
                            ss,
                            &names,
                            &store_kind,
                            consumed_by[idx],
                        )?;
                        if let model::Sessions::Store(store) = sessions {
                            // The store call is a call like the others: no cycles.
                            edges[idx].push((store, format!("{path}.sessions.store")));
                        }
                        Some(sessions)
                    }
                };
                model::ComponentKind::Service(model::Service {
                    instances: instances as u32,
                    workers: workers as u32,
                    queue: s.queue.map(|q| q as u32),
                    service_time,
                    calls,
                    size,
                    sessions,
                    autoscale,
                    rate_limit,
                })
            }
            ComponentSpec::LoadBalancer(lb) => {
                let target = lookup(&format!("{path}.to"), &lb.to)?;
                match kind_of(target) {
                    ComponentSpec::Service(_) => {}
                    other => {
                        return Err(ck.err(&format!("{path}.to"), format!("`{}` is {}", lb.to, other.a_kind()))
                            .expected("a service: a load balancer spreads requests over a service's instances"));
                    }
                }
                if let Some(queue) = consumed_by[target as usize] {
                    return Err(ck
                        .err(
                            &format!("{path}.to"),
                            format!("`{}` consumes the queue `{queue}`: its workers take their work from the queue", lb.to),
                        )
                        .expected("a service that is not a queue's consumer"));
                }
                edges[idx].push((target, format!("{path}.to")));
                let policy = match lb.policy.unwrap_or(PolicySpec::RoundRobin) {
                    PolicySpec::RoundRobin => model::Policy::RoundRobin,
                    PolicySpec::Random => model::Policy::Random,
                    PolicySpec::LeastConnections => model::Policy::LeastConnections,
                    PolicySpec::PowerOfTwo => model::Policy::PowerOfTwo,
                    PolicySpec::Sticky => model::Policy::Sticky,
                };
                let health_check = match &lb.health_check {
                    None => None,
                    Some(h) => Some(faults::compile_health_check(
                        &ck,
                        &format!("{path}.health_check"),
                        h,
                    )?),
                };
                let rate_limit = match &lb.rate_limit {
                    None => None,
                    Some(r) => Some(resilience_scaling::compile_rate_limit(
                        &ck,
                        &format!("{path}.rate_limit"),
                        r,
                    )?),
                };
                model::ComponentKind::LoadBalancer(model::LoadBalancer {
                    to: target,
                    policy,
                    health_check,
                    rate_limit,
                })
            }
            ComponentSpec::Cache(c) => {
                let instances = c.instances.unwrap_or(1);
                let workers = c.workers.unwrap_or(1);
                check_count(
                    &ck,
                    &format!("{path}.instances"),
                    instances,
                    MAX_INSTANCES,
                    "instance",
                )?;
                check_count(
                    &ck,
                    &format!("{path}.workers"),
                    workers,
                    MAX_WORKERS,
                    "worker",
                )?;
                if let Some(cap) = c.capacity {
                    if cap == 0 {
                        return Err(ck
                            .err(
                                &format!("{path}.capacity"),
                                "a capacity of zero entries caches nothing",
                            )
                            .expected(
                                "at least 1 entry per node, or no `capacity` for unbounded",
                            ));
                    }
                    if cap > MAX_CACHE_ENTRIES {
                        return Err(ck
                            .err(
                                &format!("{path}.capacity"),
                                format!("{cap} entries per node is too many to simulate"),
                            )
                            .expected(format!("at most {MAX_CACHE_ENTRIES}")));
                    }
                }
                let ttl = match c.ttl {
                    Some(t) if t.0 == SimDuration::ZERO => {
                        return Err(ck
                            .err(&format!("{path}.ttl"), "a TTL of no time expires every entry at once")
                            .expected("a positive duration such as `5m`, or no `ttl` for entries that never expire"));
                    }
                    Some(t) if t.0 > MAX_DURATION => {
                        return Err(ck
                            .err(&format!("{path}.ttl"), format!("{} is too long", t.0))
                            .expected("at most 10 years, or no `ttl`"));
                    }
                    t => t.map(|t| t.0),
                };
                let hit_time = compile_dist(&ck, &format!("{path}.hit_time"), &c.hit_time)?;
                let on_miss = lookup(&format!("{path}.on_miss"), &c.on_miss)?;
                if on_miss as usize == idx {
                    return Err(ck
                        .err(
                            &format!("{path}.on_miss"),
                            format!("`{cname}` is its own `on_miss`"),
                        )
                        .expected("the database or service that holds the data"));
                }
                if let ComponentSpec::Queue(_) = kind_of(on_miss) {
                    return Err(ck
                        .err(&format!("{path}.on_miss"), format!("`{}` is a queue: a queue holds messages, not the data a cache reads", c.on_miss))
                        .expected("the database or service (or load balancer) that holds the data"));
                }
                if let Some(queue) = consumed_by[on_miss as usize] {
                    return Err(ck
                        .err(&format!("{path}.on_miss"), format!("`{}` consumes the queue `{queue}`: its workers take their work from the queue", c.on_miss))
                        .expected("the database or service that holds the data"));
                }
                edges[idx].push((on_miss, format!("{path}.on_miss")));
                model::ComponentKind::Cache(model::Cache {
                    instances: instances as u32,
                    workers: workers as u32,
                    capacity: c.capacity,
                    eviction: match c.eviction.unwrap_or(EvictionSpec::Lru) {
                        EvictionSpec::Lru => model::Eviction::Lru,
                        EvictionSpec::Lfu => model::Eviction::Lfu,
                        EvictionSpec::Fifo => model::Eviction::Fifo,
                        EvictionSpec::Random => model::Eviction::Random,
                    },
                    ttl,
                    hit_time,
                    on_miss,
                })
            }
            ComponentSpec::Database(d) => compile_database(&ck, &path, d, key_space, &find_size)?,
            ComponentSpec::Queue(q) => {
                if let Some(cap) = q.capacity {
                    check_count(
                        &ck,
                        &format!("{path}.capacity"),
                        cap,
                        MAX_QUEUE_CAPACITY,
                        "message",
                    )?;
                }
                let consumers = lookup(&format!("{path}.consumers"), &q.consumers)?;
                match kind_of(consumers) {
                    ComponentSpec::Service(_) => {}
                    other => {
                        return Err(ck
                            .err(
                                &format!("{path}.consumers"),
                                format!("`{}` is {}", q.consumers, other.a_kind()),
                            )
                            .expected("a service: its workers take the messages"));
                    }
                }
                let others: Vec<&str> = specs
                    .iter()
                    .filter(|(n, s)| {
                        *n != cname
                            && matches!(s, ComponentSpec::Queue(o) if o.consumers == q.consumers)
                    })
                    .map(|(n, _)| n.as_str())
                    .collect();
                if let Some(other) = others.first() {
                    return Err(ck
                        .err(&format!("{path}.consumers"), format!("`{}` already consumes the queue `{other}`", q.consumers))
                        .expected("a service that consumes only this queue (give each queue its own consumer pool)"));
                }
                edges[idx].push((consumers, format!("{path}.consumers")));
                let publish_time = match &q.publish_time {
                    None => Dist::Constant(SimDuration::ZERO),
                    Some(p) => compile_dist(&ck, &format!("{path}.publish_time"), p)?,
                };
                model::ComponentKind::Queue(model::Queue {
                    capacity: q.capacity,
                    consumers,
                    publish_time,
                })
            }
        };
        components.push(model::Component {
            name: cname.clone(),
            kind,
        });
    }
    check_cycles(&ck, &names, &edges)?;
    check_keys(&ck, &components, to, &classes, t.requests.is_some())?;
    let slo = match &spec.slo {
        None => None,
        Some(s) => Some(faults::compile_slo(&ck, s)?),
    };

    let mut model = Model {
        name,
        variant: variant.to_string(),
        description: spec.description.clone().unwrap_or_default(),
        seed: seed_override.or(spec.seed).unwrap_or(1),
        duration,
        warmup,
        window,
        traffic: model::Traffic {
            to,
            arrivals,
            classes,
            timeout,
            users: open_users,
            retry,
        },
        components,
        faults: Vec::new(),
        slo,
        replications: match &spec.replications {
            None => model::Replications::default(),
            Some(r) => compile_replications(&ck, r)?,
        },
        warmup_auto,
    };
    resilience_sessions::check_users(&ck, &model)?;
    // Targets name instances, so faults are read once the components are built.
    if let Some(f) = &spec.faults {
        model.faults = faults::compile_faults(&ck, &model, f, &lookup)?;
    }
    Ok(model)
}

/// Most replications a scenario may ask for.
const MAX_REPLICATIONS: u64 = 10_000;

fn compile_replications(
    ck: &Checker,
    r: &super::spec::ReplicationsSpec,
) -> Result<model::Replications, ScenarioError> {
    for (key, v) in [("min", r.min), ("max", r.max)] {
        if let Some(v) = v {
            check_count(
                ck,
                &format!("replications.{key}"),
                v,
                MAX_REPLICATIONS,
                "run",
            )?;
        }
    }
    let precision = match r.precision {
        None => None,
        Some(p) if p.0 > 0.0 && p.0 < 1.0 => Some(p.0),
        Some(p) => {
            return Err(ck
                .err("replications.precision", format!("a precision of {}", p.0))
                .expected("a fraction of the figure strictly between 0% and 100%, such as `5%`"));
        }
    };
    let (min, max) = match (r.min, r.max, precision) {
        (Some(min), Some(max), _) => (min, max),
        // With a precision the interval needs a few runs to start from.
        (Some(min), None, Some(_)) => (min, MAX_REPLICATIONS.min(min.max(100))),
        (None, Some(max), Some(_)) => (2.min(max), max),
        (Some(n), None, None) | (None, Some(n), None) => (n, n),
        (None, None, Some(_)) => (5, 100),
        (None, None, None) => (1, 1),
    };
    if min > max {
        return Err(ck
            .err(
                "replications",
                format!("`min` ({min}) is more than `max` ({max})"),
            )
            .expected("`min` no more than `max`"));
    }
    if precision.is_some() && min < 2 {
        return Err(ck
            .err(
                "replications.min",
                "a precision needs an interval, so at least 2 runs",
            )
            .expected("`min: 2` or more"));
    }
    if precision.is_none() && min != max {
        return Err(ck
            .err(
                "replications",
                format!("`min` {min} and `max` {max} without `precision`"),
            )
            .expected("`precision` (what decides when to stop between them), or one count"));
    }
    Ok(model::Replications {
        min: min as u32,
        max: max as u32,
        precision,
    })
}

fn check_count(
    ck: &Checker,
    path: &str,
    v: u64,
    max: u64,
    what: &str,
) -> Result<(), ScenarioError> {
    if v == 0 {
        return Err(ck
            .err(path, format!("zero {what}s"))
            .expected(format!("at least 1 {what}")));
    }
    if v > max {
        return Err(ck
            .err(path, format!("{v} {what}s is too many to simulate"))
            .expected(format!("at most {max}")));
    }
    Ok(())
}

fn compile_when(
    ck: &Checker,
    path: &str,
    list: &[String],
    classes: &[&str],
) -> Result<model::CallFilter, ScenarioError> {
    match list {
        [] => Err(ck
            .err(path, "an empty `when` never makes the call")
            .expected("`read`, `write`, or request classes")),
        [one] if one == "read" => Ok(model::CallFilter::Op(Op::Read)),
        [one] if one == "write" => Ok(model::CallFilter::Op(Op::Write)),
        _ => {
            let mut ids = Vec::new();
            for (i, c) in list.iter().enumerate() {
                let p = if list.len() == 1 {
                    path.to_string()
                } else {
                    format!("{path}[{i}]")
                };
                if c == "read" || c == "write" {
                    return Err(ck
                        .err(&p, format!("`{c}` mixed with request classes"))
                        .expected("either `read` or `write` alone, or a list of request classes"));
                }
                match classes.iter().position(|n| n == c) {
                    Some(id) => ids.push(id as model::ClassId),
                    None => {
                        let mut options: Vec<&str> = vec!["read", "write"];
                        options.extend(classes.iter().copied());
                        return Err(ck
                            .err(
                                &p,
                                format!("`{c}` is neither `read`, `write` nor a request class"),
                            )
                            .expected(one_of(&options))
                            .suggest(c, options.iter().copied()));
                    }
                }
            }
            Ok(model::CallFilter::Classes(ids))
        }
    }
}

/// Refuses call cycles: a request would hold workers for ever.
fn check_cycles(
    ck: &Checker,
    names: &[&str],
    edges: &[Vec<(ComponentId, String)>],
) -> Result<(), ScenarioError> {
    // Iterative DFS with colours; on a back edge, report the cycle's path.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let n = names.len();
    let mut mark = vec![Mark::New; n];
    for start in 0..n {
        if mark[start] != Mark::New {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        mark[start] = Mark::Active;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if *next < edges[node].len() {
                let (to, ref path) = edges[node][*next];
                *next += 1;
                let to = to as usize;
                match mark[to] {
                    Mark::New => {
                        mark[to] = Mark::Active;
                        stack.push((to, 0));
                    }
                    Mark::Active => {
                        let pos = stack.iter().position(|(s, _)| *s == to).unwrap_or(0);
                        let mut cycle: Vec<&str> =
                            stack[pos..].iter().map(|(s, _)| names[*s]).collect();
                        cycle.push(names[to]);
                        return Err(ck.err(path, format!("call cycle: {}", cycle.join(" -> ")))
                            .expected("calls that never lead back to the caller (each call holds the caller's worker)"));
                    }
                    Mark::Done => {}
                }
            } else {
                mark[node] = Mark::Done;
                stack.pop();
            }
        }
    }
    Ok(())
}

fn compile_rate(ck: &Checker, rate: &RateSpec) -> Result<RateSchedule, ScenarioError> {
    let check_rps = |path: &str, rps: f64, allow_zero: bool| -> Result<(), ScenarioError> {
        if !rps.is_finite() {
            return Err(ck
                .err(path, format!("a rate of `{rps}` requests per second"))
                .expected("a finite number of requests per second"));
        }
        if rps < 0.0 || (!allow_zero && rps == 0.0) {
            return Err(ck
                .err(path, format!("a rate of {rps} requests per second"))
                .expected(if allow_zero {
                    "zero or more requests per second"
                } else {
                    "a positive number of requests per second"
                }));
        }
        if rps > MAX_RATE {
            return Err(ck
                .err(
                    path,
                    format!("{rps} requests per second is too many to simulate"),
                )
                .expected("at most 100 million per second"));
        }
        Ok(())
    };
    match rate {
        RateSpec::Trace { file } => {
            let at = "traffic.rate.trace.file";
            let rows = ck
                .inputs
                .trace(file, |m| ck.err(at, m).path(at), MAX_RATE, MAX_DURATION)?;
            Ok(RateSchedule::from_trace(&rows))
        }
        RateSpec::Constant(r) => {
            check_rps("traffic.rate", *r, false)?;
            Ok(RateSchedule::constant(*r))
        }
        RateSpec::Steps(steps) => {
            if steps.is_empty() {
                return Err(ck
                    .err("traffic.rate", "an empty list of steps")
                    .expected("at least one step, such as `- { at: 0s, rps: 100 }`"));
            }
            let mut out = Vec::new();
            let mut free_from = 0u64; // the previous step's ramp ends here
            for (i, s) in steps.iter().enumerate() {
                let p = format!("traffic.rate[{i}]");
                check_rps(&format!("{p}.rps"), s.rps, true)?;
                let at = s.at.0.nanos();
                if at > MAX_DURATION.nanos() {
                    return Err(ck
                        .err(&format!("{p}.at"), "too late to simulate")
                        .expected("at most 10 years"));
                }
                if i > 0 && at < free_from {
                    let prev = SimDuration(free_from);
                    return Err(ck
                        .err(
                            &format!("{p}.at"),
                            format!(
                                "this step starts at {}, before the previous step is done ({prev})",
                                s.at.0
                            ),
                        )
                        .expected("steps in time order, each after the previous step's ramp"));
                }
                // Two jumps at one instant: the first would never take effect.
                if i > 0
                    && s.ramp.is_none()
                    && steps[i - 1].ramp.is_none()
                    && at == steps[i - 1].at.0.nanos()
                {
                    return Err(ck
                        .err(&format!("{p}.at"), format!("two steps at {}", s.at.0))
                        .expected("one step per instant"));
                }
                let ramp = s.ramp.map(|r| r.0.nanos()).unwrap_or(0);
                if ramp > MAX_DURATION.nanos() {
                    return Err(ck
                        .err(&format!("{p}.ramp"), "too long to simulate")
                        .expected("at most 10 years"));
                }
                free_from = at + ramp;
                out.push(RateStep {
                    at,
                    rps: s.rps,
                    ramp,
                });
            }
            if out.iter().all(|s| s.rps == 0.0) {
                return Err(ck
                    .err(
                        "traffic.rate",
                        "every step has a rate of zero: nothing would be sent",
                    )
                    .expected("at least one step with a positive `rps`"));
            }
            Ok(RateSchedule::from_steps(&out))
        }
    }
}

fn compile_dist(ck: &Checker, path: &str, d: &DistSpec) -> Result<Dist, ScenarioError> {
    let secs = |x: SimDuration| x.as_secs_f64();
    let too_big = |sub: &str, x: SimDuration| -> Result<(), ScenarioError> {
        if x > MAX_DIST {
            let p = if sub.is_empty() {
                path.to_string()
            } else {
                format!("{path}.{sub}")
            };
            Err(ck
                .err(&p, format!("{x} is too long to simulate"))
                .expected("at most one year"))
        } else {
            Ok(())
        }
    };
    let positive = |sub: &str, x: SimDuration| -> Result<(), ScenarioError> {
        too_big(sub, x)?;
        if x == SimDuration::ZERO {
            let p = format!("{path}.{sub}");
            Err(ck
                .err(&p, format!("`{sub}` is zero"))
                .expected("a positive duration"))
        } else {
            Ok(())
        }
    };
    Ok(match d {
        DistSpec::Empirical { file } => {
            let at = format!("{path}.empirical.file");
            let values = ck
                .inputs
                .empirical(file, |m| ck.err(&at, m).path(&at), MAX_DIST)?;
            Dist::Empirical(model::empirical::Empirical::new(values.into()))
        }
        DistSpec::Constant(c) => {
            too_big("", *c)?;
            Dist::Constant(*c)
        }
        DistSpec::Exponential { mean } => {
            positive("exponential.mean", *mean)?;
            Dist::Exponential { mean: secs(*mean) }
        }
        DistSpec::LogNormal { median, p99 } => {
            positive("lognormal.median", *median)?;
            too_big("lognormal.p99", *p99)?;
            if p99 <= median {
                return Err(ck
                    .err(
                        &format!("{path}.lognormal.p99"),
                        format!("the p99 ({p99}) is not above the median ({median})"),
                    )
                    .expected("a p99 above the median: a lognormal's tail is above its middle"));
            }
            Dist::lognormal(secs(*median), secs(*p99))
        }
        DistSpec::Gamma { mean, cv } => {
            positive("gamma.mean", *mean)?;
            if !(*cv > 0.0 && *cv <= 100.0) {
                return Err(ck
                    .err(
                        &format!("{path}.gamma.cv"),
                        format!("a coefficient of variation of {cv}"),
                    )
                    .expected("a positive `cv` up to 100 (1 is as variable as exponential)"));
            }
            Dist::gamma(secs(*mean), *cv)
        }
        DistSpec::Uniform { min, max } => {
            too_big("uniform.max", *max)?;
            if min >= max {
                return Err(ck
                    .err(
                        &format!("{path}.uniform.max"),
                        format!("`max` ({max}) is not above `min` ({min})"),
                    )
                    .expected("`max` above `min` (for a fixed time write just the duration)"));
            }
            Dist::Uniform {
                min: secs(*min),
                max: secs(*max),
            }
        }
        DistSpec::Pareto { min, alpha } => {
            positive("pareto.min", *min)?;
            if !(*alpha > 1.0 && *alpha <= 1000.0) {
                return Err(ck.err(&format!("{path}.pareto.alpha"), format!("alpha {alpha}"))
                    .expected("alpha above 1 (at or below 1 the mean is infinite: no capacity is ever enough)"));
            }
            Dist::Pareto {
                min: secs(*min),
                alpha: *alpha,
            }
        }
    })
}

fn compile_key(ck: &Checker, path: &str, k: &KeySpec) -> Result<KeyDist, ScenarioError> {
    let keys_at = |sub: &str, keys: u64| -> Result<(), ScenarioError> {
        check_count(ck, &format!("{path}.{sub}.keys"), keys, MAX_KEYS, "key")
    };
    Ok(match k {
        KeySpec::Uniform { keys } => {
            keys_at("uniform", *keys)?;
            KeyDist::uniform(*keys)
        }
        KeySpec::Zipf { keys, exponent } => {
            keys_at("zipf", *keys)?;
            if !(exponent.is_finite() && (0.0..=10.0).contains(exponent)) {
                return Err(ck
                    .err(
                        &format!("{path}.zipf.exponent"),
                        format!("an exponent of {exponent}"),
                    )
                    .expected(
                        "an exponent from 0 (uniform) to 10; 0.8 to 1.2 is typical of web traffic",
                    ));
            }
            KeyDist::zipf(*keys, *exponent)
        }
        KeySpec::Hotspot {
            keys,
            hot_keys,
            hot_share,
        } => {
            keys_at("hotspot", *keys)?;
            if *hot_keys == 0 || hot_keys > keys {
                return Err(ck
                    .err(
                        &format!("{path}.hotspot.hot_keys"),
                        format!("{hot_keys} hot keys of {keys}"),
                    )
                    .expected(format!("from 1 to `keys` ({keys}) hot keys")));
            }
            KeyDist::hotspot(*keys, *hot_keys, hot_share.0)
        }
    })
}

fn compile_database(
    ck: &Checker,
    path: &str,
    d: &DatabaseSpec,
    key_space: u64,
    find_size: &dyn Fn(&str, &str) -> Result<model::Size, ScenarioError>,
) -> Result<model::ComponentKind, ScenarioError> {
    let shards = d.shards.unwrap_or(1);
    check_count(ck, &format!("{path}.shards"), shards, MAX_SHARDS, "shard")?;
    let replicas = d.replicas.unwrap_or(0);
    if replicas > MAX_REPLICAS {
        return Err(ck
            .err(
                &format!("{path}.replicas"),
                format!("{replicas} replicas per shard is too many to simulate"),
            )
            .expected(format!("at most {MAX_REPLICAS}")));
    }
    let kind = d.partition.unwrap_or(PartitionSpec::Hash);
    if let Some(v) = d.vnodes
        && kind != PartitionSpec::ConsistentHash
    {
        let _ = v;
        return Err(ck
            .err_key(
                &format!("{path}.vnodes"),
                "`vnodes` applies to `partition: consistent_hash` only",
            )
            .help("remove `vnodes`, or set `partition: consistent_hash`"));
    }
    let partition = match kind {
        PartitionSpec::Hash => model::Partition::Hash,
        PartitionSpec::Range => model::Partition::Range { key_space },
        PartitionSpec::ConsistentHash => {
            let vnodes = d.vnodes.unwrap_or(DEFAULT_VNODES as u64);
            check_count(ck, &format!("{path}.vnodes"), vnodes, MAX_VNODES, "vnode")?;
            if vnodes * shards > MAX_RING_POINTS {
                return Err(ck
                    .err(
                        &format!("{path}.vnodes"),
                        format!(
                            "{shards} shards of {vnodes} ring points each is too many to simulate"
                        ),
                    )
                    .expected(format!(
                        "at most {MAX_RING_POINTS} points on the ring (shards x vnodes)"
                    )));
            }
            model::Partition::ConsistentHash {
                vnodes: vnodes as u32,
            }
        }
    };
    let read_from = match d.read_from.unwrap_or(ReadFromSpec::Primary) {
        ReadFromSpec::Primary => model::ReadFrom::Primary,
        ReadFromSpec::Replicas if replicas == 0 => {
            return Err(ck
                .err(
                    &format!("{path}.read_from"),
                    "`read_from: replicas` with no replicas to read from",
                )
                .expected("`replicas: 1` or more, or `read_from: primary`"));
        }
        ReadFromSpec::Replicas => model::ReadFrom::Replicas,
        ReadFromSpec::Any => model::ReadFrom::Any,
    };
    let (mode, lag) = match &d.replication {
        None => (ReplicationModeSpec::Async, None),
        Some(r) => (r.mode.unwrap_or(ReplicationModeSpec::Async), r.lag.as_ref()),
    };
    let replication = match mode {
        ReplicationModeSpec::Async => model::ReplicationMode::Async,
        m if replicas == 0 => {
            let name = if m == ReplicationModeSpec::Sync {
                "sync"
            } else {
                "semi_sync"
            };
            return Err(ck
                .err(
                    &format!("{path}.replication.mode"),
                    format!("`mode: {name}` with no replicas: a write would wait for nobody"),
                )
                .expected("`replicas: 1` or more, or `mode: async`"));
        }
        ReplicationModeSpec::Sync => model::ReplicationMode::Sync,
        ReplicationModeSpec::SemiSync => model::ReplicationMode::SemiSync,
    };
    let lag = match lag {
        None => Dist::Constant(SimDuration::ZERO),
        Some(l) => compile_dist(ck, &format!("{path}.replication.lag"), l)?,
    };
    let size = match &d.size {
        None => None,
        Some(name) => Some(find_size(&format!("{path}.size"), name)?),
    };
    let workers = d
        .workers
        .unwrap_or(size.as_ref().map(|z| z.cores as u64).unwrap_or(1));
    check_count(
        ck,
        &format!("{path}.workers"),
        workers,
        MAX_WORKERS,
        "worker",
    )?;
    let nodes = shards * (1 + replicas);
    if nodes > MAX_INSTANCES {
        let at = if d.replicas.is_some() {
            "replicas"
        } else {
            "shards"
        };
        return Err(ck
            .err(
                &format!("{path}.{at}"),
                format!(
                    "{shards} shards of {} nodes each ({nodes} nodes) is too many to simulate",
                    1 + replicas
                ),
            )
            .expected(format!(
                "at most {MAX_INSTANCES} nodes (shards x (1 + replicas))"
            )));
    }
    if nodes * workers > MAX_POOL_WORKERS {
        return Err(ck
            .err(
                &format!("{path}.workers"),
                format!("{nodes} nodes of {workers} workers is too many to simulate"),
            )
            .expected(format!(
                "at most {MAX_POOL_WORKERS} workers in one database"
            )));
    }
    let failover = match &d.failover {
        None => None,
        Some(f) => {
            let name = path.strip_prefix("components.").unwrap_or(path);
            Some(faults::compile_failover(
                ck,
                &format!("{path}.failover"),
                name,
                replicas,
                f,
            )?)
        }
    };
    let mut read_time = compile_dist(ck, &format!("{path}.read_time"), &d.read_time)?;
    let mut write_time = compile_dist(ck, &format!("{path}.write_time"), &d.write_time)?;
    if let Some(z) = &size
        && z.speed != 1.0
    {
        read_time = read_time.scaled_by_speed(z.speed);
        write_time = write_time.scaled_by_speed(z.speed);
    }
    Ok(model::ComponentKind::Database(model::Database {
        shards: shards as u32,
        partition,
        replicas: replicas as u32,
        read_from,
        replication,
        lag,
        workers: workers as u32,
        read_time,
        write_time,
        size,
        failover,
    }))
}

/// Refuses request classes that reach a cache or a database without a key:
/// caches and shards work on real keys.
fn check_keys(
    ck: &Checker,
    components: &[model::Component],
    entry: ComponentId,
    classes: &[model::RequestClass],
    written: bool,
) -> Result<(), ScenarioError> {
    use model::ComponentKind as K;
    for (id, class) in classes.iter().enumerate() {
        if class.key.is_some() {
            continue;
        }
        let mut seen = vec![false; components.len()];
        let mut stack = vec![entry];
        while let Some(c) = stack.pop() {
            if std::mem::replace(&mut seen[c as usize], true) {
                continue;
            }
            let comp = &components[c as usize];
            match &comp.kind {
                K::Service(s) => stack.extend(
                    s.calls
                        .iter()
                        .filter(|call| {
                            call.when
                                .as_ref()
                                .is_none_or(|w| w.matches(id as model::ClassId, class.op))
                        })
                        .map(|call| call.to),
                ),
                K::LoadBalancer(lb) => stack.push(lb.to),
                K::Queue(q) => stack.push(q.consumers),
                K::Cache(_) | K::Database(_) => {
                    let what = if matches!(comp.kind, K::Cache(_)) {
                        "a cache"
                    } else {
                        "a database"
                    };
                    let example = "`key: { uniform: { keys: 100000 } }` or `{ zipf: { keys: 100000, exponent: 1.0 } }`";
                    return Err(if written {
                        ck.err_key(
                            &format!("traffic.requests.{}", class.name),
                            format!(
                                "requests of class `{}` reach `{}` ({what}), which needs their key, but the class has no `key`",
                                class.name, comp.name
                            ),
                        )
                        .expected(format!("a `key` for the class, such as {example}"))
                    } else {
                        ck.err_key(
                            "traffic",
                            format!(
                                "requests reach `{}` ({what}), which needs their key, but no request class says which keys",
                            comp.name
                            ),
                        )
                        .expected(format!(
                            "`requests` with a `key`, such as `requests: {{ get: {{ key: {{ uniform: {{ keys: 100000 }} }} }} }}`; for example {example}"
                        ))
                    });
                }
            }
        }
    }
    Ok(())
}
