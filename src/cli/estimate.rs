//! `capsim estimate`: the analytic estimate of each model, without
//! simulating.

use std::process::ExitCode;

use super::args::EstimateArgs;
use super::options::estimate_models;
use crate::planning::estimate::estimate as analytic;
use crate::planning::estimate_table::estimate_table;

/// `capsim estimate`: exit 0 (a saturated tier is a finding, not an error)
/// or 2 on bad input.
pub fn estimate(args: &EstimateArgs) -> ExitCode {
    let models = match estimate_models(args) {
        Ok(m) => m,
        Err(code) => return code,
    };
    for (i, m) in models.iter().enumerate() {
        let table = estimate_table(m, &analytic(m));
        if args.quiet {
            continue;
        }
        if i > 0 {
            println!();
        }
        print!("{table}");
    }
    ExitCode::SUCCESS
}
