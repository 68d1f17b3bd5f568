//! PNG plots of a run and of a comparison of variants, drawn with plotters
//! into memory (1600x900, text in DejaVu Sans embedded in the binary, no
//! system font needed) and written atomically.
//!
//! The series are read back from the run's CSVs, streaming, and downsampled
//! to at most about 1600 points (means for rates, utilisation and levels,
//! maxima for latency quantiles), so that a run of millions of windows plots
//! in bounded memory and time.

use std::io;
use std::path::{Path, PathBuf};

use crate::engine::SimDuration;
use crate::metrics::Latencies;
use crate::model::{Kind, Model};

mod autoscale;
mod chart;
mod comparison;
mod data;
mod data_tier;
mod figure;
mod flow;
mod geo;
mod markers;
mod replication;
mod retries;
mod run;
mod style;
pub mod sweep;
mod text;

pub use autoscale::ScalingVariant;
pub use markers::{Marker, MarkerKind};
pub use sweep::{Figure, SweepAxis, SweepPlots, SweepPoint, write_sweep_plots};

/// The kind of each component of a run, by name, in model order (the order
/// of `components.csv`): what the plots draw for it, as the model says
/// rather than guessed from the columns a component fills.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ComponentKinds(Vec<(String, Kind)>);

impl ComponentKinds {
    /// The components of `model`.
    pub fn of(model: &Model) -> ComponentKinds {
        ComponentKinds(
            model
                .components
                .iter()
                .enumerate()
                .map(|(id, c)| (c.name.clone(), model.kind_of(id as u32)))
                .collect(),
        )
    }

    /// Components by name and kind (for files written without a model).
    pub fn new<S: Into<String>>(components: impl IntoIterator<Item = (S, Kind)>) -> ComponentKinds {
        ComponentKinds(components.into_iter().map(|(n, k)| (n.into(), k)).collect())
    }

    /// The kind of the component named `name` (as a CSV cell).
    pub(crate) fn get(&self, name: &[u8]) -> Option<Kind> {
        self.0
            .iter()
            .find(|(n, _)| n.as_bytes() == name)
            .map(|(_, k)| *k)
    }

    /// Whether some component is of the data tier: a cache, a database or
    /// a queue.
    pub(crate) fn any_data_tier(&self) -> bool {
        self.0
            .iter()
            .any(|(_, k)| matches!(k, Kind::Cache | Kind::Database | Kind::Queue))
    }
}

/// What the plots of one run are drawn from: the run's folder (its
/// `timeseries.csv` and `components.csv` are read back, downsampled) and the
/// few facts that are not in those files.
pub struct RunPlots<'a> {
    /// The run's folder: CSVs are read from it and PNGs written into it.
    pub dir: &'a Path,
    /// Scenario name, for titles.
    pub scenario: &'a str,
    /// Variant name, for titles.
    pub variant: &'a str,
    /// Warm-up to shade.
    pub warmup: SimDuration,
    /// Length of the run.
    pub duration: SimDuration,
    /// Instants to mark: rate changes, and the faults of the run's log
    /// with their detections, promotions and restorations.
    pub markers: &'a [Marker],
    /// Response times after warm-up per class, then `all`.
    pub latency_by_class: &'a [(String, Latencies)],
    /// The run's components and their kinds.
    pub kinds: &'a ComponentKinds,
}

/// One variant in a comparison: its name and run folder.
pub struct VariantRun<'a> {
    /// Variant name.
    pub name: &'a str,
    /// Its folder (with `timeseries.csv`).
    pub dir: &'a Path,
    /// Its components and their kinds.
    pub kinds: &'a ComponentKinds,
}

/// Writes `latency.png`, `throughput.png`, `components.png` and
/// `latency_cdf.png` into the run's folder, atomically, then the data-tier
/// plots of the kinds of component the run has (`input.kinds`): `hit_ratio.png` with a cache, `shard_load.png` with a
/// database, `replication_lag.png` with a replicated database,
/// `queue_backlog.png` with a queue. Returns the paths written, in that
/// order.
pub fn write_run_plots(input: &RunPlots) -> io::Result<Vec<PathBuf>> {
    run::write_all(input)
}

/// Writes `retries.png` into the run's folder when `log` is given (the run
/// has retries or circuit breakers; `log` is its event log, for the
/// breakers' states), and removes one left by an earlier run otherwise.
/// Returns the path written.
pub fn write_retries_plot(
    input: &RunPlots,
    log: Option<&[crate::metrics::LoggedEvent]>,
) -> io::Result<Option<PathBuf>> {
    let path = input.dir.join("retries.png");
    let Some(log) = log else {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(None),
        };
    };
    let ctx = run::Ctx::of_run(input, input.duration.as_secs_f64(), Vec::new());
    retries::write(input.dir, &ctx, log).map(Some)
}

/// Writes `autoscale.png` (instances serving and provisioning over time,
/// beside the utilisation each decision measured and the target) into the
/// run's folder, atomically; nothing when no service autoscales.
pub fn write_autoscale_plot(
    input: &RunPlots,
    traces: &[crate::metrics::ScalingTrace],
) -> io::Result<Option<PathBuf>> {
    if traces.is_empty() {
        return Ok(None);
    }
    autoscale::write(input.dir, input, traces).map(Some)
}

/// Writes `geo.png` (with data centers) into the run's folder, atomically:
/// each origin's p99 over time, and below the share of the requests
/// entering each data center, with the run's markers and what the DNS did
/// (`log`'s `dns_down` and `dns_up`) marked.
pub fn write_geo_plot(
    input: &RunPlots,
    geo: &crate::model::Geo,
    result: &crate::metrics::GeoResult,
    log: &[crate::metrics::LoggedEvent],
) -> io::Result<PathBuf> {
    geo::write(input, geo, result, log)
}

/// Writes `replication.png` (with a database of another topology than
/// primary and replicas) into the run's folder, atomically: per such
/// database, its conflicts and lost updates per second (with `quorum`, the
/// calls unavailable), its stale share of reads and each node's apply lag
/// over time, with the run's markers and what replication did (`log`'s
/// `replication_held`/`_resumed`, `ring_broken`/`_repaired`,
/// `quorum_lost`/`_regained`) marked.
pub fn write_replication_plot(
    input: &RunPlots,
    model: &Model,
    result: &crate::metrics::ReplicationResult,
    log: &[crate::metrics::LoggedEvent],
) -> io::Result<PathBuf> {
    replication::write(input, model, result, log)
}

/// Writes `calls.png` (with [flow] calls) into the run's folder,
/// atomically: per window and call entry, hedges and abandoned calls per
/// call made, the mean wait for a pool connection and the calls a bulkhead
/// rejected per second (each panel only with entries it applies to), with
/// the run's markers.
pub fn write_calls_plot(
    input: &RunPlots,
    model: &Model,
    result: &crate::metrics::FlowResult,
) -> io::Result<PathBuf> {
    flow::write(input, model, result)
}

/// Writes `comparison/instances.png` into `dir` when some variant
/// autoscales: the instances of the first autoscaled pool (`pool`) serving
/// over time in each variant, its total cost in the legend.
pub fn write_scaling_comparison(
    dir: &Path,
    scenario: &str,
    pool: &str,
    variants: &[ScalingVariant],
    warmup: SimDuration,
    duration: SimDuration,
    markers: &[Marker],
) -> io::Result<PathBuf> {
    autoscale::write_comparison(
        dir,
        scenario,
        pool,
        variants,
        warmup.as_secs_f64(),
        duration.as_secs_f64(),
        markers,
    )
}

/// Writes `latency_p99.png`, `throughput.png` and `errors.png` with the
/// variants overlaid into `dir`, atomically; then `hit_ratio.png` when a
/// variant has a cache and `queue_backlog.png` when one has a queue, a
/// panel per cache or queue. `markers` are the base's rate changes and
/// planned faults (detections differ between variants).
pub fn write_comparison_plots(
    dir: &Path,
    scenario: &str,
    variants: &[VariantRun],
    warmup: SimDuration,
    markers: &[Marker],
) -> io::Result<Vec<PathBuf>> {
    comparison::write_all(dir, scenario, variants, warmup, markers)
}
