//! `grassroots check`: database integrity, tree consistency and the audit
//! chain.

use serde::Serialize;

use crate::aggregates::AggregateRow;
use crate::audit::{ChainReport, verify};
use crate::{DbConn, Dialect, StoreResult, on_ex};

/// Everything `check` found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// Problems reported by the engine's own integrity check.
    pub engine_problems: Vec<String>,
    /// Units whose closure rows do not match their parent links.
    pub tree_problems: Vec<String>,
    /// Aggregates that differ from a recomputation from scratch (and
    /// experiences whose count of applying units differs from theirs).
    pub aggregate_problems: Vec<String>,
    /// Targets whose stored status or completion differs from a
    /// derivation from their check-ins and children (at most 20).
    pub target_problems: Vec<String>,
    /// Scheduled inspections whose rows differ from a derivation from the
    /// units and their inspections (at most 20).
    pub schedule_problems: Vec<String>,
    /// People missing from the search index, or index rows of no person
    /// (at most 20).
    pub search_problems: Vec<String>,
    /// The audit chain.
    pub audit: ChainReport,
}

impl CheckReport {
    /// True when nothing is wrong.
    pub fn ok(&self) -> bool {
        self.engine_problems.is_empty()
            && self.tree_problems.is_empty()
            && self.aggregate_problems.is_empty()
            && self.target_problems.is_empty()
            && self.schedule_problems.is_empty()
            && self.search_problems.is_empty()
            && self.audit.first_break.is_none()
    }
}

/// Runs every check; target statuses are judged for `today`.
pub async fn run(c: &mut impl DbConn, today: chrono::NaiveDate) -> StoreResult<CheckReport> {
    let mut engine_problems = Vec::new();
    if c.dialect() == Dialect::Sqlite {
        crate::search::refresh(c).await?;
        let rows: Vec<String> = on_ex!(c, |e| sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&mut *e)
            .await)?;
        engine_problems.extend(rows.into_iter().filter(|r| r != "ok"));
        let fk: Vec<(String, i64)> = on_ex!(c, |e| sqlx::query_as(
            "SELECT \"table\", rowid FROM pragma_foreign_key_check"
        )
        .fetch_all(&mut *e)
        .await)?;
        engine_problems.extend(
            fk.into_iter()
                .map(|(t, id)| format!("table {t}, row {id}: broken foreign key")),
        );
    }
    let mut tree_problems = Vec::new();
    let no_self: Vec<i64> = on_ex!(c, |e| {
        sqlx::query_scalar(
        "SELECT u.id FROM units u WHERE NOT EXISTS
           (SELECT 1 FROM unit_closure c WHERE c.ancestor_id = u.id AND c.descendant_id = u.id AND c.depth = 0)
         ORDER BY u.id LIMIT 20"
    )
    .fetch_all(&mut *e)
    .await
    })?;
    tree_problems.extend(
        no_self
            .iter()
            .map(|id| format!("unit {id}: no closure row for itself")),
    );
    let wrong_count: Vec<i64> = on_ex!(c, |e| {
        sqlx::query_scalar(
        "SELECT u.id FROM units u
         WHERE (SELECT count(*) FROM unit_closure c WHERE c.descendant_id = u.id) <> u.depth + 1
            OR (u.parent_id IS NOT NULL AND NOT EXISTS
                (SELECT 1 FROM unit_closure c WHERE c.ancestor_id = u.parent_id AND c.descendant_id = u.id AND c.depth = 1))
         ORDER BY u.id LIMIT 20"
    )
    .fetch_all(&mut *e)
    .await
    })?;
    tree_problems.extend(wrong_count.iter().map(|id| {
        format!("unit {id}: ancestors in the closure table do not match its parent links")
    }));
    let stored = crate::aggregates::stored(c).await?;
    let fresh = crate::aggregates::recompute(c, crate::registry::COUNTER_FAMILIES).await?;
    let aggregate_problems = diff_aggregates(&stored, &fresh);
    let target_problems = crate::plans::stale_targets(c, today)
        .await?
        .into_iter()
        .take(20)
        .map(|t| {
            format!(
                "target {}: stored {} ({:?} ppm), derived {} ({:?} ppm)",
                t.id, t.stored, t.stored_completion_ppm, t.derived, t.derived_completion_ppm
            )
        })
        .collect();
    let schedule_problems = crate::safety::schedules::stale_rows(c, today).await?;
    // Each experience keeps how many units applied it.
    let aggregate_problems = [
        aggregate_problems,
        crate::experiences::stale_applied(c).await?,
    ]
    .concat();
    let mut search_problems = crate::search::problems(c).await?;
    search_problems.extend(crate::people::name_key_problems(c).await?);
    let audit = verify(c).await?;
    Ok(CheckReport {
        engine_problems,
        tree_problems,
        aggregate_problems,
        target_problems,
        schedule_problems,
        search_problems,
        audit,
    })
}

/// Differences between stored and recomputed aggregates (at most 20).
fn diff_aggregates(stored: &[AggregateRow], fresh: &[AggregateRow]) -> Vec<String> {
    use std::collections::BTreeMap;
    let key = |r: &AggregateRow| (r.unit_id, r.metric.clone());
    let a: BTreeMap<_, _> = stored
        .iter()
        .map(|r| (key(r), (r.own, r.subtree)))
        .collect();
    let b: BTreeMap<_, _> = fresh.iter().map(|r| (key(r), (r.own, r.subtree))).collect();
    let mut out = Vec::new();
    for k in a
        .keys()
        .chain(b.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let x = a.get(k).copied().unwrap_or((0, 0));
        let y = b.get(k).copied().unwrap_or((0, 0));
        if x != y {
            out.push(format!(
                "unit {}, {}: stored {}/{} (own/subtree), actual {}/{}",
                k.0, k.1, x.0, x.1, y.0, y.1
            ));
            if out.len() == 20 {
                break;
            }
        }
    }
    out
}
