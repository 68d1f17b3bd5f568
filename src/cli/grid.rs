//! What `capsim sweep` and `capsim plan` share before they run: the grid of
//! `--vary` axes, each point's model (all loaded and checked before the
//! first run: a bad value fails fast), the objective, and the output folder.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::args::GridArgs;
use super::options::{bad_input, check_replications_cap, load_options, report_failure};
use super::outputs::prepare_output_dir;
use super::transaction::Transaction;
use crate::model::Model;
use crate::planning::objective::Objective;
use crate::planning::sweep::{Axis, check_grid, point_model, points};
use crate::scenario::LoadOptions;

/// What sweep and plan start from: the grid, each point's model, the
/// objective, and the output folder, made ready.
pub struct Prepared {
    /// The varied keys.
    pub axes: Vec<Axis>,
    /// Every point, as value indices, in grid order.
    pub grid: Vec<Vec<usize>>,
    /// Each point's model, in grid order.
    pub models: Vec<Model>,
    /// `--slo`, else the scenario's `slo`.
    pub objective: Option<Objective>,
    /// The scenario's name.
    pub name: String,
    /// `OUT/<name>/sweep/` or `.../plan/`, as staged by the command's
    /// transaction.
    pub dir: PathBuf,
}

/// The axes, the points (value indices) and each point's model.
type Grid = (Vec<Axis>, Vec<Vec<usize>>, Vec<Model>);

/// Parses the `--vary` flags and loads every point's model; bad input
/// exits 2.
fn load_points(
    file: &Path,
    opts: &LoadOptions,
    vary: &[String],
    replications: Option<u32>,
) -> Result<Grid, ExitCode> {
    let mut axes = Vec::new();
    for v in vary {
        axes.push(Axis::parse(v).map_err(|e| bad_input(format!("`--vary {v}`: {e}")))?);
    }
    check_grid(&axes).map_err(bad_input)?;
    if replications == Some(0) {
        return Err(bad_input(
            "`--replications 0`: a point needs at least one run",
        ));
    }
    if let Some(n) = replications {
        check_replications_cap(n)?;
    }
    let grid = points(&axes);
    let models: Vec<Model> = grid
        .iter()
        .map(|at| point_model(file, opts, &axes, at, replications))
        .collect::<Result<_, _>>()
        .map_err(|f| report_failure(&f))?;
    Ok((axes, grid, models))
}

/// Loads every point, reads `--slo` (else the file's `slo`; a plan needs
/// one) and prepares `OUT/<name>/<folder>/` in the command's transaction
/// (returned beside); bad input exits 2 and makes no folder.
pub fn prepare(
    args: &GridArgs,
    folder: &str,
    needs_objective: bool,
) -> Result<(Prepared, Transaction), ExitCode> {
    let variant = args.variant.clone().unwrap_or_else(|| "base".to_string());
    let opts = LoadOptions {
        check_work: !args.yes,
        ..load_options(&args.scenario, args.seed, vec![variant])
    };
    let (axes, grid, models) = load_points(&args.file, &opts, &args.vary, args.replications)?;
    let objective = match &args.slo {
        Some(s) => Some(Objective::parse(s).map_err(|e| bad_input(format!("`--slo {s}`: {e}")))?),
        None => Objective::of_model(&models[0]),
    };
    if needs_objective && objective.is_none_or(|o| o.p99_ms.is_none() && o.error_rate.is_none()) {
        return Err(bad_input(
            "`capsim plan` needs an objective that bounds p99 or the error rate: give `--slo p99=600ms,error_rate=1%` or an `slo` in the scenario",
        ));
    }
    let name = models[0].name.clone();
    let tx = Transaction::begin(&args.out, &name).map_err(bad_input)?;
    let dir = tx.staged_out().join(&name).join(folder);
    prepare_output_dir(&dir)?;
    Ok((
        Prepared {
            axes,
            grid,
            models,
            objective,
            name,
            dir,
        },
        tx,
    ))
}
