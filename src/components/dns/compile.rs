//! `kind: dns`: its spec checked and compiled into [`Dns`]. What it may
//! send to (entry points, each in a data center) is checked here; that
//! nothing but `traffic.to` sends to a dns is a rule of
//! `scenario::compile::cx`'s lookup.

use super::model::{Dns, DnsPolicy};
use super::spec::{DnsPolicySpec, DnsSpec};
use crate::components::load_balancer::compile::compile_health_check;
use crate::engine::SimDuration;
use crate::model::{ComponentId, Kind};
use crate::scenario::compile::cx::KindCx;
use crate::scenario::compile::graph::Carries;
use crate::scenario::compile::kinds::{KindRules, KindSpec};
use crate::scenario::compile::{MAX_INSTANCES, positive};
use crate::scenario::error::ScenarioError;

impl KindSpec for DnsSpec {}

/// A resolver's cache lifetime when `ttl` is absent.
pub const DEFAULT_TTL: SimDuration = SimDuration::from_secs(60);
/// Resolvers per origin when `resolvers` is absent.
pub const DEFAULT_RESOLVERS: u32 = 1000;

/// What the compiler asks of a dns: nothing beyond the defaults (faults
/// refuse it by kind).
pub(crate) struct Rules;

impl KindRules for Rules {}

/// Compiles a dns.
pub(crate) fn compile(cx: &mut KindCx, d: &DnsSpec) -> Result<Dns, ScenarioError> {
    if !cx.has_geo() {
        return Err(cx
            .err("kind", "a dns without `datacenters`")
            .expected("`datacenters` naming the data centers its entry points stand in, such as `datacenters: { us-east: {}, eu-west: {} }`"));
    }
    let (to, written) = entry_points(cx, d)?;
    let policy = match d.policy.unwrap_or(DnsPolicySpec::Nearest) {
        DnsPolicySpec::Nearest => DnsPolicy::Nearest,
        DnsPolicySpec::Failover => DnsPolicy::Failover,
        DnsPolicySpec::Weighted => DnsPolicy::Weighted(weights(cx, d, &to, &written)?),
    };
    if d.weights.is_some() && !matches!(policy, DnsPolicy::Weighted(_)) {
        return Err(cx
            .err_key("weights", "`weights` without `policy: weighted`")
            .expected("`policy: weighted`, or no `weights`"));
    }
    let ttl = match d.ttl {
        None => DEFAULT_TTL,
        Some(t) => positive(cx.ck(), &cx.at("ttl"), t, "a ttl of no time", "`ttl: 60s`")?,
    };
    let resolvers = d.resolvers.unwrap_or(DEFAULT_RESOLVERS as u64);
    cx.count("resolvers", resolvers, MAX_INSTANCES, "resolver")?;
    let health_check = match &d.health_check {
        None => None,
        Some(h) => Some(compile_health_check(cx.ck(), &cx.at("health_check"), h)?),
    };
    Ok(Dns {
        to,
        policy,
        ttl,
        resolvers: resolvers as u32,
        health_check,
    })
}

/// The entry points of `to`, each a load balancer or a service (a name
/// with copies: all of them, in `dcs` order), with the index in `to` each
/// was written at.
fn entry_points(
    cx: &mut KindCx,
    d: &DnsSpec,
) -> Result<(Vec<ComponentId>, Vec<usize>), ScenarioError> {
    if d.to.is_empty() {
        return Err(cx
            .err("to", "no entry points")
            .expected("at least one load balancer or service, such as `to: [lb-us, lb-eu]`"));
    }
    let (mut to, mut written) = (Vec::new(), Vec::new());
    for (j, name) in d.to.iter().enumerate() {
        let path = cx.at(&format!("to[{j}]"));
        let ids = match cx.copies(name) {
            Some(copies) => copies.to_vec(),
            None => vec![cx.lookup(&path, name)?],
        };
        for id in ids {
            let kind = cx.kind_of(id);
            if !matches!(kind, Kind::LoadBalancer | Kind::Service) {
                return Err(cx
                    .ck()
                    .err(&path, format!("`{name}` is {}", kind.a_kind()))
                    .expected("a load balancer or a service: the entry point a request from outside reaches first"));
            }
            if to.contains(&id) {
                return Err(cx
                    .ck()
                    .err(&path, format!("`{name}` is listed twice"))
                    .expected("each entry point once"));
            }
            to.push(id);
            written.push(j);
            cx.edge(id, path.clone(), Carries::All);
        }
    }
    Ok((to, written))
}

/// `weights` for `policy: weighted`: one per entry point of `to` (a name
/// with copies gives its weight to each copy), not all zero.
fn weights(
    cx: &KindCx,
    d: &DnsSpec,
    to: &[ComponentId],
    written: &[usize],
) -> Result<Vec<f64>, ScenarioError> {
    let Some(w) = &d.weights else {
        return Err(cx
            .err("policy", "`policy: weighted` without `weights`")
            .expected(format!(
                "`weights` giving each entry point of `to` a weight, such as `weights: {{ {}: 70 }}`",
                d.to[0]
            )));
    };
    for (name, &v) in w {
        let at = cx.at(&format!("weights.{name}"));
        if !d.to.contains(name) {
            return Err(cx
                .ck()
                .err_key(&at, format!("`{name}` is not an entry point of this dns"))
                .expected(format!(
                    "a name listed in `to`: {}",
                    crate::scenario::error::one_of(
                        &d.to.iter().map(String::as_str).collect::<Vec<_>>()
                    )
                ))
                .suggest(name, d.to.iter().map(String::as_str)));
        }
        if !(0.0..=1e12).contains(&v) {
            return Err(cx
                .ck()
                .err(&at, format!("a weight of {v}"))
                .expected("a weight of zero or more (weights are relative)"));
        }
    }
    if let Some(missing) = d.to.iter().find(|n| !w.contains_key(*n)) {
        return Err(cx
            .err("weights", format!("no weight for `{missing}`"))
            .expected(format!(
                "a weight for every entry point of `to`, such as `{missing}: 30`"
            )));
    }
    if w.values().all(|&v| v == 0.0) {
        return Err(cx
            .err(
                "weights",
                "every weight is zero: no request could be answered",
            )
            .expected("at least one positive weight"));
    }
    Ok(to.iter().zip(written).map(|(_, &j)| w[&d.to[j]]).collect())
}
