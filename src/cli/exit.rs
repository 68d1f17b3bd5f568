//! The exit statuses of every command, as scripts and CI read them.

use crate::simulation::RunResult;

/// Exit status when every output was written but a run missed its SLO in
/// a window after the warm-up.
pub const EXIT_SLO_BREACHED: u8 = 1;
/// Exit status for bad input: a scenario, an option or an output folder.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit status when outputs could not be written.
pub const EXIT_IO: u8 = 3;
/// Exit status after Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// The exit status of runs that all finished and wrote their outputs:
/// [`EXIT_SLO_BREACHED`] when any of them missed its SLO in a window after
/// the warm-up, 0 otherwise.
pub fn exit_status(results: &[RunResult]) -> u8 {
    if results
        .iter()
        .any(|r| r.slo.as_ref().is_some_and(|v| v.breached > 0))
    {
        EXIT_SLO_BREACHED
    } else {
        0
    }
}
