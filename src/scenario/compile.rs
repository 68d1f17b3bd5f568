//! Checks a scenario and compiles it into the plain model: names become ids,
//! durations nanoseconds, and everything the engine would otherwise have to
//! check at run time is checked here, with the key path and location of the
//! offending value.
//!
//! Each kind of component compiles itself (`components/<kind>/compile.rs`,
//! listed in `kinds.rs`) with a `KindCx` (`cx.rs`); the rules between kinds
//! are in `graph.rs`; this module reads the rest of the file and puts it
//! together.

pub(crate) mod cx;
mod faults;
mod geo;
pub(crate) mod graph;
pub(crate) mod kinds;
pub(crate) mod resilience;
pub(crate) mod resilience_scaling;
mod resilience_sessions;
mod traffic;
mod usl;

pub use faults::{
    DEFAULT_HEALTH_FAILURES, DEFAULT_HOLD, MAX_FAULT_INSTANCES, MAX_FAULTS, MAX_HEALTH_FAILURES,
    MAX_HOLD, MAX_SLOW_FACTOR,
};

use super::de::from_node;
use super::error::{Errors, ScenarioError, one_of};
use super::inputs::Inputs;
use super::source::SourceId;
use super::spec::{DistSpec, DurationValue, ScenarioSpec};
use super::yaml::{Node, PathSeg, Value};
use crate::engine::{NANOS_PER_SEC, SimDuration};
use crate::model::{self, Dist, KeyDist, Model};

/// Longest simulated run: ten years.
pub const MAX_DURATION: SimDuration = SimDuration(10 * 365 * 86_400 * NANOS_PER_SEC);
/// Most time-series windows in one run.
pub const MAX_WINDOWS: u64 = 10_000_000;
/// Shortest period of a timer that fires again and again for the whole run
/// (an autoscaler's `every`, a health check's `interval`): 1 ms. No real
/// autoscaler decides, and no real prober checks, more often than every
/// few seconds (Kubernetes: 15 s and 10 s by default; load balancers: 5 s
/// to 30 s); a millisecond is far below any of them, and above it a
/// period cannot make a run do more than a thousand timer events a
/// simulated second per timer. Below it, `every: 1ns` meant a billion
/// decisions a simulated second, and a run that never finished.
pub const MIN_PERIOD: SimDuration = SimDuration::from_millis(1);
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
/// Most primaries per shard of a `multi_primary` or `ring` database (each
/// write is sent to every other primary).
pub const MAX_PRIMARIES: u64 = 16;
/// Most nodes per shard of a `quorum` database (`nodes`, and so `n`).
pub const MAX_QUORUM_NODES: u64 = 64;
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

/// The instance catalogue, and whether the scenario wrote it.
pub(crate) struct Catalogue {
    sizes: Vec<model::Size>,
    written: bool,
}

impl Catalogue {
    /// The scenario's `sizes`, or the built-in catalogue.
    fn new(ck: &Checker, spec: &ScenarioSpec) -> Result<Catalogue, ScenarioError> {
        Ok(Catalogue {
            sizes: catalogue(ck, spec)?,
            written: spec.sizes.is_some(),
        })
    }

    /// The size called `name`, or an error at `path` listing those there are.
    fn find(&self, ck: &Checker, path: &str, name: &str) -> Result<model::Size, ScenarioError> {
        let sizes = &self.sizes;
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
                        if self.written { "scenario's" } else { "built-in" },
                        one_of(&names)
                    ))
                    .suggest(name, names.iter().copied()))
            }
        }
    }
}

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
pub(crate) struct Checker<'a> {
    root: &'a Node,
    /// Recorded input files (traces, empirical samples).
    inputs: &'a Inputs,
}

impl Checker<'_> {
    /// An error about the value at `path`.
    pub(crate) fn err(&self, path: &str, message: impl Into<String>) -> ScenarioError {
        let (node, _) = self.root.locate(&segs(path));
        ScenarioError::at(node.span, message).path(path)
    }

    /// The node at `path`, when there is one.
    pub(crate) fn node(&self, path: &str) -> Option<&Node> {
        let (node, found) = self.root.locate(&segs(path));
        found.then_some(node)
    }

    /// An error about the key at `path` (the name, not its value).
    pub(crate) fn err_key(&self, path: &str, message: impl Into<String>) -> ScenarioError {
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

/// Checks and compiles the document `root`; recorded input files are read
/// relative to the working directory, and an error in one of them carries its
/// location in its message.
pub fn compile(
    root: &Node,
    stem: &str,
    variant: &str,
    seed_override: Option<u64>,
) -> Result<Model, Errors> {
    // Ids far above any load's own texts: an error in a file is recognised.
    let inputs = Inputs::with_first_id(None, SourceId::MAX / 2);
    compile_with(root, stem, variant, seed_override, &inputs)
        .map_err(|e| Errors(e.0.into_iter().map(|e| inputs.detach(e)).collect()))
}

/// Checks and compiles the document `root`, reading recorded input files
/// through `inputs`. Every independent error is found (see [`Errors`]): the
/// sections that need nothing else are all checked, then the components,
/// each on its own, then what needs them.
pub fn compile_with(
    root: &Node,
    stem: &str,
    variant: &str,
    seed_override: Option<u64>,
    inputs: &Inputs,
) -> Result<Model, Errors> {
    let ck = Checker { root, inputs };
    if !matches!(root.value, Value::Map(_)) {
        return Err(
            ScenarioError::at(root.span, format!("the scenario is {}", root.type_name()))
                .expected("a mapping with `duration`, `traffic` and `components`")
                .into(),
        );
    }
    let spec: ScenarioSpec = from_node(root, &[])?;
    let mut errs = Errors::new();
    let name = errs.keep(compile_name(&ck, &spec, stem));
    let times = errs.keep(compile_times(&ck, &spec));
    let sizes = errs.keep(Catalogue::new(&ck, &spec));
    let slo = errs.keep(
        spec.slo
            .as_ref()
            .map(|s| faults::compile_slo(&ck, s))
            .transpose(),
    );
    let replications = errs.keep(
        spec.replications
            .as_ref()
            .map(|r| compile_replications(&ck, r))
            .transpose(),
    );
    // Data centers and links come first: placing components and resolving
    // names to copies need them.
    let geo = errs.keep(compile_network(&ck, &spec));
    // Every component's spec is read before anything is compiled: a kind's
    // rules look at the others' kinds.
    let read = geo
        .as_ref()
        .and_then(|g| errs.keep(read_components(&ck, root, g.as_ref())));
    let (Some(geo), Some(read)) = (geo, read) else {
        return Err(errs);
    };
    let mut graph = graph::Graph::new(&read, geo.as_ref());
    let lookup = |path: &str, target: &str| graph.lookup(&ck, path, target);
    let traffic = errs.keep(traffic::compile_traffic(&ck, &spec.traffic, &lookup));
    let (Some(name), Some(times), Some(sizes), Some(slo), Some(replications), Some(traffic)) =
        (name, times, sizes, slo, replications, traffic)
    else {
        return Err(errs);
    };
    // Range partitioning splits the largest key space of any class.
    let key_space = traffic
        .classes
        .iter()
        .filter_map(|c| c.key.as_ref().map(KeyDist::keys))
        .max()
        .unwrap_or(1);
    let (components, users) =
        kinds::compile_components(&ck, &read, &mut graph, &traffic.classes, key_space, &sizes)?;
    graph::check_cycles(&ck, &graph)?;
    let written = spec.traffic.requests.is_some();
    graph::check_keys(&ck, &graph, traffic.to, &traffic.classes, written)?;

    let mut model = Model {
        name,
        variant: variant.to_string(),
        description: spec.description.clone().unwrap_or_default(),
        seed: seed_override.or(spec.seed).unwrap_or(1),
        duration: times.duration,
        warmup: times.warmup,
        window: times.window,
        traffic,
        components,
        faults: Vec::new(),
        slo,
        replications: replications.unwrap_or_default(),
        warmup_auto: times.warmup_auto,
        geo: None,
    };
    if let Some(g) = geo.clone() {
        model.geo = Some(Box::new(geo::finish(&ck, &spec, g, &graph, &read, &model)?));
    }
    // These look at the finished components, not at each other.
    errs.keep(resilience_sessions::check_users(&ck, &model, &users));
    errs.keep(crate::components::load_balancer::compile::check_weights(
        &ck, &model,
    ));
    // Targets name instances, so faults are read once the components are built.
    if let Some(f) = &spec.faults
        && let Some(faults) = errs.keep(faults::compile_faults(&ck, &model, f, &graph))
    {
        model.faults = faults;
    }
    errs.or_ok(model)
}

/// The data centers and links, or, without `datacenters`, the refusal of
/// the keys that need them.
fn compile_network(ck: &Checker, spec: &ScenarioSpec) -> Result<Option<model::Geo>, ScenarioError> {
    let geo = geo::compile_network(ck, spec)?;
    if geo.is_none() {
        geo::refuse_without_datacenters(ck, &spec.traffic)?;
    }
    Ok(geo)
}

/// The first pass over `components`: how many there are, then each one's
/// name, kind and spec ([`kinds::read_components`]).
fn read_components(
    ck: &Checker,
    root: &Node,
    geo: Option<&model::Geo>,
) -> Result<indexmap::IndexMap<String, kinds::Read>, Errors> {
    let comp_node = root.get("components").expect("checked by ScenarioSpec");
    let Value::Map(entries) = &comp_node.value else {
        unreachable!("ScenarioSpec read components as a mapping")
    };
    if entries.is_empty() {
        return Err(ck
            .err("components", "there are no components")
            .expected("at least one component, such as a `service`")
            .into());
    }
    if entries.len() > MAX_COMPONENTS {
        return Err(ck
            .err(
                "components",
                format!("{} components is too many to simulate", entries.len()),
            )
            .expected(format!("at most {MAX_COMPONENTS}"))
            .into());
    }
    kinds::read_components(ck, entries, geo)
}

/// The scenario's name: `name`, or the file's stem made fit to name a folder.
fn compile_name(ck: &Checker, spec: &ScenarioSpec, stem: &str) -> Result<String, ScenarioError> {
    Ok(match &spec.name {
        Some(n) => {
            let ok = !n.is_empty()
                && n.len() <= 100
                && !n.starts_with('.')
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !ok {
                return Err(ck
                    .err("name", format!("`{n}` cannot name an output folder"))
                    .expected(
                        "at most 100 letters, digits, `_`, `-` and `.`, not starting with `.`",
                    ));
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
    })
}

/// `duration`, `window` and `warmup`, checked against each other.
struct Times {
    duration: SimDuration,
    window: SimDuration,
    warmup: SimDuration,
    /// `warmup: auto`.
    warmup_auto: bool,
}

fn compile_times(ck: &Checker, spec: &ScenarioSpec) -> Result<Times, ScenarioError> {
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
    Ok(Times {
        duration,
        window,
        warmup,
        warmup_auto,
    })
}

/// Most replications a scenario (its `replications` key, or
/// `--replications`) may ask for.
pub const MAX_REPLICATIONS: u64 = 10_000;

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

/// A positive duration of at most ten years, or an error at `path`.
pub(crate) fn positive(
    ck: &Checker,
    path: &str,
    d: DurationValue,
    zero: &str,
    example: &str,
) -> Result<SimDuration, ScenarioError> {
    if d.0 == SimDuration::ZERO {
        return Err(ck
            .err(path, zero.to_string())
            .expected(format!("a positive duration, such as {example}")));
    }
    at_most_max(ck, path, d)
}

/// A period (positive, at most ten years) of a timer that fires all run
/// long, no shorter than [`MIN_PERIOD`], or an error at `path` naming the
/// timer (`what`: "an autoscaler decides", "a health check runs").
pub(crate) fn period(
    ck: &Checker,
    path: &str,
    d: DurationValue,
    (zero, example): (&str, &str),
    what: &str,
) -> Result<SimDuration, ScenarioError> {
    let p = positive(ck, path, d, zero, example)?;
    if p < MIN_PERIOD {
        return Err(ck
            .err(
                path,
                format!(
                    "{p} is too short a period to simulate: {what} every {p}, more than a \
                     thousand times per simulated second"
                ),
            )
            .expected(format!(
                "at least {MIN_PERIOD} (real systems use seconds), such as {example}"
            )));
    }
    Ok(p)
}

/// A duration of at most ten years, or an error at `path`.
pub(crate) fn at_most_max(
    ck: &Checker,
    path: &str,
    d: DurationValue,
) -> Result<SimDuration, ScenarioError> {
    if d.0 > MAX_DURATION {
        return Err(ck
            .err(path, format!("{} is too long to simulate", d.0))
            .expected("at most 10 years"));
    }
    Ok(d.0)
}

/// Checks a count at `path`: at least 1, at most `max`, of `what`s.
pub(crate) fn check_count(
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

/// Compiles the distribution of durations at `path`.
pub(crate) fn compile_dist(ck: &Checker, path: &str, d: &DistSpec) -> Result<Dist, ScenarioError> {
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
