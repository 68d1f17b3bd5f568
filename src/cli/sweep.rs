//! `capsim sweep`: every point of a grid, with replications, on all cores;
//! `sweep.csv`, the samples and a plot against each key (or, as a share,
//! the samples and a manifest for `capsim merge`).

use std::process::ExitCode;

use rayon::prelude::*;

use super::args::SweepArgs;
use super::exit::{EXIT_INTERRUPTED, EXIT_IO};
use super::grid::{Prepared, prepare};
use super::options::stop_on_interrupt;
use super::outputs::GridOutputs;
use super::run::commit;
use super::transaction::{Transaction, shown};
use crate::planning::manifest::{SweepManifest, fingerprint};
use crate::planning::replications::Share;
use crate::planning::sweep::{Point, report_points, run_point, summarise};
use crate::report::progress::Counter;
use crate::report::table::points_table;
use crate::simulation::RunError;

/// `capsim sweep`.
pub fn sweep(args: &SweepArgs) -> ExitCode {
    let (p, tx) = match prepare(&args.grid, "sweep", false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let started = std::time::Instant::now();
    let ran = match run_points(&p, args.shard, args.quiet) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let outputs = GridOutputs { dir: p.dir.clone() };
    if let Some(share) = args.shard {
        return write_share(&p, tx, &outputs, &ran, share, args.quiet);
    }
    outputs.forget_share();
    let pts = summarise(&ran, &|i| p.models[i].replications);
    let written = outputs
        .write_samples(&p.axes, &ran)
        .and_then(|_| outputs.write_sweep(&p.name, &p.axes, &pts, p.objective));
    let pngs = match written {
        Ok(names) => names,
        Err(e) => {
            eprintln!(
                "error: writing to `{}` failed: {e}\nnothing was written: the earlier outputs are as they were",
                shown(&p.dir).display()
            );
            return ExitCode::from(EXIT_IO);
        }
    };
    if let Err(code) = commit(tx, &p.dir) {
        return code;
    }
    if !args.quiet {
        let points = report_points(&p.axes, &pts, p.objective, None);
        print!("{}", points_table(&p.name, &points));
        let runs: u32 = pts.iter().map(|p| p.runs).sum();
        println!(
            "\nwrote {}/ (sweep.csv, {})\n{} points, {runs} runs in {:.2} s on {} threads",
            shown(&p.dir).display(),
            pngs.join(", "),
            pts.len(),
            started.elapsed().as_secs_f64(),
            rayon::current_num_threads()
        );
    }
    ExitCode::SUCCESS
}

/// Runs every point (its share of each), in parallel, counting them on the
/// terminal. Replication k of point i is unit i x max + k of the shares.
fn run_points(p: &Prepared, share: Option<Share>, quiet: bool) -> Result<Vec<Point>, ExitCode> {
    let stop = stop_on_interrupt();
    let counter = Counter::new(&format!("{}: sweep", p.name), p.grid.len() as u64, quiet);
    let max = p
        .models
        .iter()
        .map(|m| m.replications.max)
        .max()
        .unwrap_or(1) as u64;
    let ran: Result<Vec<Point>, RunError> = p
        .grid
        .par_iter()
        .zip(&p.models)
        .enumerate()
        .map(|(i, (at, m))| {
            let samples = run_point(m, share, i as u64 * max, &stop)?;
            counter.inc();
            Ok(Point {
                at: at.clone(),
                samples,
            })
        })
        .collect();
    counter.finish();
    ran.map_err(|e| match e {
        RunError::Interrupted => {
            eprintln!(
                "interrupted: nothing was written to `{}`",
                shown(&p.dir).display()
            );
            ExitCode::from(EXIT_INTERRUPTED)
        }
        e => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_IO)
        }
    })
}

/// A share's end: its samples and manifest written, what it ran told.
fn write_share(
    p: &Prepared,
    tx: Transaction,
    outputs: &GridOutputs,
    ran: &[Point],
    share: Share,
    quiet: bool,
) -> ExitCode {
    let manifest = SweepManifest {
        share,
        fingerprint: fingerprint(&p.models),
        scenario: p.name.clone(),
        spec: p.models[0].replications,
        axes: p.axes.clone(),
        objective: p.objective,
    };
    let r = outputs
        .write_samples(&p.axes, ran)
        .and_then(|_| outputs.write_share(&manifest));
    if let Err(e) = r {
        eprintln!(
            "error: writing to `{}` failed: {e}\nnothing was written: the earlier outputs are as they were",
            shown(&p.dir).display()
        );
        return ExitCode::from(EXIT_IO);
    }
    if let Err(code) = commit(tx, &p.dir) {
        return code;
    }
    if !quiet {
        println!(
            "share {}/{} of the sweep of {}: {} runs\nwrote {}/ (merge the shares with `capsim merge DIR... --out DIR`)",
            share.index,
            share.count,
            p.name,
            ran.iter().map(|p| p.samples.len()).sum::<usize>(),
            shown(&p.dir).display()
        );
    }
    ExitCode::SUCCESS
}
