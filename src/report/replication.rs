//! The files a run with a database of another topology than primary and
//! replicas (`multi_primary`, `ring`, `quorum`) adds (SCENARIO-next.md,
//! [replication] "Outputs"): `replication.csv`, one row per window and
//! node of each such database and one for the database as a whole (`*`),
//! and `replication_summary.csv`, each database's totals over the measured
//! run, which the report's "Replication" section shows as written (the
//! report is built from the files, as `links_summary.csv` is for data
//! centers). Numbers are printed as in every other CSV, so the same run
//! prints the same bytes. A run without such a database writes neither.

use super::format::grouped;
use std::borrow::Cow;
use std::io;

use super::csv::{opt, opt_count};
use super::format::fixed;
use super::schema;
use crate::engine::format_seconds;
use crate::metrics::{ReplicationResult, ReplicationTotals};
use crate::model::{ComponentId, ComponentKind, Model, Topology};

/// The CSV files such a run writes into its folder, in that order; a run
/// without removes any an earlier run left.
pub const FILES: &[&str] = &["replication.csv", "replication_summary.csv"];

/// The plot such a run writes.
pub const PLOT: &str = "replication.png";

/// What the `node` column says of the database as a whole.
pub const WHOLE: &str = "*";

/// Conflicts per 1000 writes acknowledged: `None` with `quorum` (no
/// conflicts) or without writes.
pub fn conflicts_per_1000(t: &ReplicationTotals) -> Option<f64> {
    let c = t.conflicts?;
    (t.writes > 0).then(|| c as f64 * 1000.0 / t.writes as f64)
}

/// The share of the reads answered that were stale; `None` without reads.
pub fn stale_rate(t: &ReplicationTotals) -> Option<f64> {
    (t.reads > 0).then(|| t.stale_reads as f64 / t.reads as f64)
}

/// The topology of database `id` in `model`, when it is a database.
pub fn topology_of(model: &Model, id: ComponentId) -> Option<Topology> {
    match &model.components.get(id as usize)?.kind {
        ComponentKind::Database(d) => Some(d.topology),
        _ => None,
    }
}

/// The topology of `id`: its totals' (the run's word), else the model's.
fn topology_name(model: &Model, result: &ReplicationResult, id: ComponentId) -> &'static str {
    result
        .totals
        .iter()
        .find(|t| t.component == id)
        .map(|t| t.topology)
        .or_else(|| topology_of(model, id))
        .map_or("", Topology::name)
}

fn finish(w: csv::Writer<Vec<u8>>) -> io::Result<Vec<u8>> {
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// `replication.csv` as bytes: one row per row of `result`, in its order
/// (each window's nodes in node order, then `*`, database by database).
/// A node is named as `components.csv` names the instance (`shard0.node1`);
/// `lag_ms_mean` is empty when no write was applied in the window,
/// `conflicts` and `lost_updates` with `quorum`.
pub fn replication_csv(model: &Model, result: &ReplicationResult) -> io::Result<Vec<u8>> {
    // Names and topologies once per database, not once per row.
    let mut names: Vec<Option<(Vec<String>, &'static str)>> = vec![None; model.components.len()];
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(schema::replication::COLUMNS)?;
    for r in &result.rows {
        let id = r.component;
        let Some(slot) = names.get_mut(id as usize) else {
            continue;
        };
        let (nodes, topology) = slot
            .get_or_insert_with(|| (model.instance_names(id), topology_name(model, result, id)));
        let node: Cow<str> = match r.node {
            None => WHOLE.into(),
            Some(i) => nodes
                .get(i as usize)
                .map_or_else(|| i.to_string().into(), |n| n.as_str().into()),
        };
        w.write_record([
            format_seconds(r.start.nanos()).as_str(),
            &model.components[id as usize].name,
            &node,
            topology,
            &r.writes.to_string(),
            &r.applied.to_string(),
            &opt(r.lag_ms, 3),
            &r.backlog.to_string(),
            &opt_count(r.conflicts),
            &opt_count(r.lost_updates),
            &r.reads.to_string(),
            &r.stale_reads.to_string(),
            &r.unavailable.to_string(),
        ])?;
    }
    finish(w)
}

/// `replication_summary.csv` as bytes: one row per database of `result`'s
/// totals, in model order, over the run after the warm-up.
/// `conflicts_per_1000_writes` is per 1000 writes acknowledged (empty with
/// `quorum` or without writes), `stale_read_rate` the stale share of the
/// reads answered (empty without reads); `conflicts` and `lost_updates`
/// are empty with `quorum`.
pub fn replication_summary_csv(model: &Model, result: &ReplicationResult) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(schema::replication_summary::COLUMNS)?;
    for t in &result.totals {
        let Some(c) = model.components.get(t.component as usize) else {
            continue;
        };
        w.write_record([
            c.name.as_str(),
            t.topology.name(),
            &t.writes.to_string(),
            &opt_count(t.conflicts),
            &opt(conflicts_per_1000(t), 3),
            &opt_count(t.lost_updates),
            &t.reads.to_string(),
            &t.stale_reads.to_string(),
            &opt(stale_rate(t), 6),
            &t.unavailable.to_string(),
        ])?;
    }
    finish(w)
}

/// How the terminal's data-tier line of such a database states its
/// replication: `multi_primary: conflicts 4.33 per 1000 writes, lost
/// updates 6` (`ring` alike; calls unavailable added when some were), or
/// `quorum n=3 w=2 r=2: 12 calls unavailable`.
pub fn replication_clause(t: &ReplicationTotals) -> String {
    let unavailable = |n: u64| {
        if n == 1 {
            "1 call unavailable".to_string()
        } else {
            format!("{} calls unavailable", grouped(n))
        }
    };
    match t.topology {
        Topology::Quorum { n, w, r, .. } => {
            format!("quorum n={n} w={w} r={r}: {}", unavailable(t.unavailable))
        }
        topology => {
            let conflicts = match conflicts_per_1000(t) {
                Some(x) => format!("conflicts {} per 1000 writes", fixed(x, 2)),
                None if t.writes == 0 => "no writes acknowledged".to_string(),
                None => "conflicts not counted".to_string(),
            };
            let lost = t
                .lost_updates
                .map(|l| format!(", lost updates {}", grouped(l)))
                .unwrap_or_default();
            let down = if t.unavailable > 0 {
                format!(", {}", unavailable(t.unavailable))
            } else {
                String::new()
            };
            format!("{}: {conflicts}{lost}{down}", topology.name())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(topology: Topology, conflicts: Option<u64>) -> ReplicationTotals {
        ReplicationTotals {
            component: 0,
            topology,
            writes: 3000,
            conflicts,
            lost_updates: conflicts.map(|c| c / 2),
            reads: 12_000,
            stale_reads: 144,
            unavailable: 0,
        }
    }

    #[test]
    fn the_clause_says_conflicts_per_thousand_or_the_quorum_calls_unavailable() {
        let mp = totals(Topology::MultiPrimary { primaries: 2 }, Some(13));
        assert_eq!(
            replication_clause(&mp),
            "multi_primary: conflicts 4.33 per 1000 writes, lost updates 6"
        );
        let mut ring = totals(Topology::Ring { primaries: 3 }, Some(0));
        ring.unavailable = 1234;
        assert_eq!(
            replication_clause(&ring),
            "ring: conflicts 0 per 1000 writes, lost updates 0, 1,234 calls unavailable"
        );
        ring.writes = 0;
        ring.unavailable = 1;
        assert_eq!(
            replication_clause(&ring),
            "ring: no writes acknowledged, lost updates 0, 1 call unavailable"
        );
        let mut q = totals(
            Topology::Quorum {
                nodes: 3,
                n: 3,
                w: 2,
                r: 2,
            },
            None,
        );
        q.unavailable = 17;
        assert_eq!(
            replication_clause(&q),
            "quorum n=3 w=2 r=2: 17 calls unavailable"
        );
        assert_eq!(conflicts_per_1000(&q), None);
        assert_eq!(stale_rate(&q), Some(0.012));
    }
}
