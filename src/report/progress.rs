//! The progress bar over simulated time, with events per second. Shown only
//! when stderr is a terminal; otherwise nothing of it is drawn or computed.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::engine::{SimDuration, SimTime};

/// Progress of one run.
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
}

impl Progress {
    /// A bar for a run of `duration`, unless `quiet` or stderr is not a
    /// terminal; runs going on at once share `group`, a bar each.
    pub fn new(
        label: &str,
        duration: SimDuration,
        quiet: bool,
        group: Option<&MultiProgress>,
    ) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(duration.nanos() / 1_000_000),
                ProgressDrawTarget::stderr(),
            );
            let bar = match group {
                Some(g) => g.add(bar),
                None => bar,
            };
            bar.set_style(
                ProgressStyle::with_template("{prefix} [{bar:30}] {percent:>3}% {msg}")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar.set_prefix(label.to_string());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
        }
    }

    /// Simulated time reached and events processed so far.
    pub fn update(&mut self, now: SimTime, events: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(now.nanos() / 1_000_000);
            let secs = self.started.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!(
                "{} simulated, {:.1}M events/s",
                SimDuration(now.nanos() / 1_000_000_000 * 1_000_000_000),
                events as f64 / secs / 1e6
            ));
        }
    }

    /// Removes the bar.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Progress over a count of jobs (a sweep's points), shared by threads.
pub struct Counter {
    bar: Option<ProgressBar>,
}

impl Counter {
    /// A bar for `total` jobs, unless `quiet` or stderr is not a terminal.
    pub fn new(label: &str, total: u64, quiet: bool) -> Counter {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {elapsed}")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar.set_prefix(label.to_string());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Counter { bar }
    }

    /// One job done.
    pub fn inc(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Removes the bar.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
