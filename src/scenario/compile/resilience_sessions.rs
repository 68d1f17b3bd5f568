//! Sessions: `traffic.users` with open arrivals, a service's `sessions`
//! (`local` or a shared store) and the balancer's `policy: sticky`, checked
//! and compiled into the model.

use super::{Checker, MAX_USERS};
use crate::model::{ComponentId, ComponentKind, Model, Policy, Sessions};
use crate::scenario::error::{ScenarioError, one_of};
use crate::scenario::spec::SessionsSpec;

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

/// What a component is, as far as a session store cares.
pub(super) enum StoreKind<'a> {
    /// A cache or a database: it can hold sessions.
    Data,
    /// Anything else, with its kind and an article (`a queue`).
    Other(&'a str),
}

/// A service's `sessions` at `path`: `local`, or a cache or database named
/// by `store` (one of `names`, its kind told by `kind_of`). `consumes` is
/// the queue the service consumes, if any.
pub(super) fn compile_sessions<'a>(
    ck: &Checker,
    path: &str,
    spec: &SessionsSpec,
    names: &[&str],
    kind_of: &dyn Fn(ComponentId) -> StoreKind<'a>,
    consumes: Option<&str>,
) -> Result<Sessions, ScenarioError> {
    let spath = format!("{path}.sessions");
    if let Some(queue) = consumes {
        return Err(ck
            .err(&spath, format!("this service consumes the queue `{queue}`: it serves messages, not users with sessions"))
            .expected("`sessions` on a service that users' requests reach"));
    }
    let store_path = format!("{spath}.store");
    if spec.store == "local" {
        return Ok(Sessions::Local);
    }
    let Some(store) = names.iter().position(|n| *n == spec.store) else {
        let stores: Vec<&str> = std::iter::once("local")
            .chain(
                (0..names.len())
                    .filter(|&i| matches!(kind_of(i as ComponentId), StoreKind::Data))
                    .map(|i| names[i]),
            )
            .collect();
        return Err(ck
            .err(
                &store_path,
                format!("no component is called `{}`", spec.store),
            )
            .expected(format!(
                "`local`, or the cache or database that keeps the sessions: {}",
                one_of(&stores)
            ))
            .suggest(&spec.store, names.iter().copied().chain(["local"])));
    };
    let store = store as ComponentId;
    match kind_of(store) {
        StoreKind::Data => Ok(Sessions::Store(store)),
        StoreKind::Other(a_kind) => Err(ck
            .err(
                &store_path,
                format!("`{}` is {a_kind}: it cannot keep sessions", spec.store),
            )
            .expected("`local`, or a cache or a database (sessions are read from it by key)")),
    }
}

/// Refuses what needs users when the traffic has none: a sticky balancer
/// and a service that keeps sessions.
pub(super) fn check_users(ck: &Checker, model: &Model) -> Result<(), ScenarioError> {
    let has_users = model.traffic.users.is_some()
        || matches!(
            model.traffic.arrivals,
            crate::model::Arrivals::Closed { .. }
        );
    if has_users {
        return Ok(());
    }
    for c in &model.components {
        match &c.kind {
            ComponentKind::LoadBalancer(lb) if lb.policy == Policy::Sticky => {
                return Err(ck
                    .err(
                        &format!("components.{}.policy", c.name),
                        "`policy: sticky` sends each user back to its instance, but the traffic has no `users`",
                    )
                    .expected("`traffic.users`: the number of distinct users requests come from")
                    .help("add `users: 10000` (say) under `traffic`, or use another policy"));
            }
            ComponentKind::Service(s) if s.sessions.is_some() => {
                return Err(ck
                    .err(
                        &format!("components.{}.sessions", c.name),
                        "sessions belong to users, but the traffic has no `users`",
                    )
                    .expected("`traffic.users`: the number of distinct users requests come from")
                    .help("add `users: 10000` (say) under `traffic`, or remove `sessions`"));
            }
            _ => {}
        }
    }
    Ok(())
}
