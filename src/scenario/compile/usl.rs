//! `usl` of a size: validated into [`model::Usl`].

use super::Checker;
use crate::model;
use crate::scenario::error::ScenarioError;
use crate::scenario::spec::UslSpec;

/// Checks `contention` in [0, 1) and `coherency` >= 0.
pub(super) fn compile_usl(
    ck: &Checker,
    path: &str,
    u: &UslSpec,
) -> Result<model::Usl, ScenarioError> {
    if !(0.0..1.0).contains(&u.contention) {
        return Err(ck
            .err(
                &format!("{path}.contention"),
                format!("a contention of {}", u.contention),
            )
            .expected("a serial fraction in [0, 1), such as 0.05 (1 would be one core's work at any size)"));
    }
    // At most 1: beyond that two cores already do less than one.
    if !(0.0..=1.0).contains(&u.coherency) {
        return Err(ck
            .err(
                &format!("{path}.coherency"),
                format!("a coherency of {}", u.coherency),
            )
            .expected("a crosstalk coefficient of 0 or more (at most 1), such as 0.001"));
    }
    Ok(model::Usl {
        contention: u.contention,
        coherency: u.coherency,
    })
}
