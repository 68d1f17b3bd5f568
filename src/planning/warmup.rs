//! `warmup: auto`: a pilot run with no warm-up records the mean response
//! time of every window, and MSER-5 says where its initial transient ends.

use std::sync::atomic::{AtomicBool, Ordering};

use super::mser::{Truncation, mser5};
use crate::engine::SimDuration;
use crate::metrics::{ComponentRow, Sink, WindowRow};
use crate::model::Model;
use crate::simulation::{RunError, Simulation};

/// The warm-up found for a model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AutoWarmup {
    /// The warm-up to use.
    pub warmup: SimDuration,
    /// Whether MSER-5 found the end of the transient in the first half of
    /// the run (else the warm-up is half the run and the run too short).
    pub settled: bool,
}

/// Keeps each window's mean latency and nothing else.
struct MeanSeries(Vec<Option<f64>>);

impl Sink for MeanSeries {
    fn window(&mut self, row: &WindowRow, _: &[ComponentRow]) -> std::io::Result<()> {
        // A last window shorter than the others would weigh like a full one.
        self.0.push(row.latency_mean.map(|d| d.as_millis_f64()));
        Ok(())
    }
}

/// Runs `model` without a warm-up and applies MSER-5 to its windows' mean
/// response times. A run too short for five batches gets no warm-up.
pub fn find_warmup(model: &Model, stop: &AtomicBool) -> Result<AutoWarmup, RunError> {
    let mut pilot = model.clone();
    pilot.warmup = SimDuration::ZERO;
    let mut series = MeanSeries(Vec::new());
    Simulation::new(&pilot).run(&mut series, &mut |_, _| !stop.load(Ordering::Relaxed))?;
    // Only whole windows: the last one may be short.
    let whole = (model.duration.nanos() / model.window.nanos()) as usize;
    series.0.truncate(whole);
    let t = mser5(&series.0).unwrap_or(Truncation {
        drop: 0,
        settled: true,
    });
    Ok(AutoWarmup {
        warmup: SimDuration(model.window.nanos() * t.drop as u64),
        settled: t.settled,
    })
}
