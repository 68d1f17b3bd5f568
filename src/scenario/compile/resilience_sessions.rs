//! Users: `traffic.users` with open arrivals, and what needs them (a
//! service's `sessions`, a balancer's `policy: sticky`), checked once every
//! component is compiled.

use super::cx::NeedsUsers;
use super::{Checker, MAX_USERS};
use crate::model::Model;
use crate::scenario::error::ScenarioError;

/// The distinct users of open arrivals, checked.
pub(super) fn compile_open_users(ck: &Checker, users: u64) -> Result<u32, ScenarioError> {
    if users == 0 {
        return Err(ck.err("traffic.users", "no users").expected(
            "at least 1 user, or no `users` when nothing needs to know who sent a request",
        ));
    }
    if users > MAX_USERS {
        return Err(ck
            .err(
                "traffic.users",
                format!("{users} users is too many to simulate"),
            )
            .expected(format!("at most {MAX_USERS}")));
    }
    Ok(users as u32)
}

/// Refuses what needs users when the traffic has none (a sticky balancer,
/// a service that keeps sessions): `users` holds, by component, what its
/// kind's compile step said needs them.
pub(super) fn check_users(
    ck: &Checker,
    model: &Model,
    users: &[Option<NeedsUsers>],
) -> Result<(), ScenarioError> {
    let has_users = model.traffic.users.is_some()
        || matches!(
            model.traffic.arrivals,
            crate::model::Arrivals::Closed { .. }
        );
    if has_users {
        return Ok(());
    }
    for (c, needs) in model.components.iter().zip(users) {
        if let Some(n) = needs {
            return Err(ck
                .err(
                    // A copy's keys are written under the component it copies.
                    &format!(
                        "components.{}.{}",
                        c.name.split('@').next().unwrap_or(&c.name),
                        n.key
                    ),
                    n.message,
                )
                .expected("`traffic.users`: the number of distinct users requests come from")
                .help(n.help));
        }
    }
    Ok(())
}
