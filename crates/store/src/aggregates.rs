//! Per-unit aggregates: for each unit and metric, the count in the unit
//! itself (`own`) and in its whole subtree (`subtree`). They are changed in
//! the same transaction as the records they count, so a subtree counter
//! on any unit of a national tree is one row read. [`recompute`] derives
//! them from scratch, for `grassroots check` and the tests.

use std::collections::BTreeMap;

use grassroots_core::{Capability, Scope, UnitId};
use serde::Serialize;

use crate::tree::unit_condition;
use crate::{DbConn, StoreResult, Tx, on_ex};

/// Metric: units in the subtree (each unit counts itself once).
pub const UNITS: &str = "units";
/// Metric: cells in the subtree.
pub const CELLS: &str = "cells";

/// Metric: open blockers (counted where they are now, after escalation).
pub const BLOCKERS_OPEN: &str = "blockers.open";
/// Metric: sum of the opening days (days since 1970) of open blockers,
/// from which their mean age on any day follows.
pub const BLOCKERS_OPEN_DAYS: &str = "blockers.open_days";
/// Metric: resolved blockers.
pub const BLOCKERS_RESOLVED: &str = "blockers.resolved";
/// Metric: sum of hours from opening to resolution.
pub const BLOCKERS_RESOLVE_HOURS: &str = "blockers.resolve_hours";

/// Metric of people with a given status.
pub fn people_metric(status: &str) -> String {
    format!("people.{status}")
}

/// Metric of people with a skill.
pub fn skill_metric(skill_id: i64) -> String {
    format!("skill.{skill_id}")
}

/// Key of the PostgreSQL advisory lock under which counters change.
const COUNTERS_LOCK: i64 = 0x6772_6173_7300_0001;

/// Makes this transaction's counter changes wait for those of any other
/// transaction on PostgreSQL (SQLite has one writer at a time already).
/// Every change of a counter changes the root's row too, so two writers
/// serialize there in any case; without one lock taken first, they could
/// take the rows of different metrics and ancestors in opposite orders
/// and deadlock (seen with concurrent check-ins). The lock is held until
/// the transaction ends; taking it again within one is free of waiting.
pub(crate) async fn serialize_counters(tx: &mut Tx) -> StoreResult<()> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(COUNTERS_LOCK)
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}

/// Adds `delta` to `metric` of `unit_id` (own) and of it and every
/// ancestor (subtree).
pub async fn add(tx: &mut Tx, unit_id: UnitId, metric: &str, delta: i64) -> StoreResult<()> {
    serialize_counters(tx).await?;
    on_ex!(tx, |e| sqlx::query(
        "INSERT INTO unit_aggregates (unit_id, metric, own, subtree)
         SELECT c.ancestor_id, $2, CASE WHEN c.ancestor_id = $1 THEN $3 ELSE 0 END, $3
         FROM unit_closure c WHERE c.descendant_id = $1
         ON CONFLICT (unit_id, metric) DO UPDATE SET
           own = unit_aggregates.own + excluded.own,
           subtree = unit_aggregates.subtree + excluded.subtree"
    )
    .bind(unit_id)
    .bind(metric)
    .bind(delta)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Adds several deltas to the metrics of `unit_id` (own) and of it and
/// every ancestor (subtree), in one statement.
pub async fn add_many(tx: &mut Tx, unit_id: UnitId, deltas: &[(String, i64)]) -> StoreResult<()> {
    if deltas.is_empty() {
        return Ok(());
    }
    serialize_counters(tx).await?;
    let values = crate::db::numbered_rows(deltas.len(), 2, 1, "", '$');
    // VALUES in FROM names its columns column1, column2 on both engines.
    let sql = format!(
        "INSERT INTO unit_aggregates (unit_id, metric, own, subtree)
         SELECT c.ancestor_id, v.column1, CASE WHEN c.ancestor_id = $1 THEN v.column2 ELSE 0 END, v.column2
         FROM unit_closure c CROSS JOIN (VALUES {values}) AS v
         WHERE c.descendant_id = $1
         ON CONFLICT (unit_id, metric) DO UPDATE SET
           own = unit_aggregates.own + excluded.own,
           subtree = unit_aggregates.subtree + excluded.subtree"
    );
    on_ex!(tx, |e| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(unit_id);
        for (metric, delta) in deltas {
            q = q.bind(metric.as_str()).bind(*delta);
        }
        q.execute(&mut *e).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Deltas of many units at once: `(unit, metric, delta)`, summed per
/// unit and metric first. Each unit's own row and every ancestor's
/// subtree row change as [`add`] would change them, in one statement per
/// few hundred deltas instead of one per delta (bulk loads; on
/// PostgreSQL every statement is a round trip).
pub async fn add_bulk(tx: &mut Tx, deltas: &[(UnitId, &str, i64)]) -> StoreResult<()> {
    let mut summed: BTreeMap<(UnitId, &str), i64> = BTreeMap::new();
    for (unit, metric, delta) in deltas {
        *summed.entry((*unit, *metric)).or_default() += delta;
    }
    summed.retain(|_, delta| *delta != 0);
    if summed.is_empty() {
        return Ok(());
    }
    serialize_counters(tx).await?;
    let summed: Vec<((UnitId, &str), i64)> = summed.into_iter().collect();
    for chunk in summed.chunks(BULK_DELTAS) {
        let values = crate::db::numbered_rows(chunk.len(), 3, 0, "", '$');
        // Grouped by (ancestor, metric) so that no row is upserted twice
        // by one statement (PostgreSQL refuses that).
        let sql = format!(
            "INSERT INTO unit_aggregates (unit_id, metric, own, subtree)
             SELECT c.ancestor_id, v.column2,
                    CAST(sum(CASE WHEN c.ancestor_id = v.column1 THEN v.column3 ELSE 0 END) AS BIGINT),
                    CAST(sum(v.column3) AS BIGINT)
             FROM (VALUES {values}) AS v JOIN unit_closure c ON c.descendant_id = v.column1
             WHERE true
             GROUP BY c.ancestor_id, v.column2
             ON CONFLICT (unit_id, metric) DO UPDATE SET
               own = unit_aggregates.own + excluded.own,
               subtree = unit_aggregates.subtree + excluded.subtree"
        );
        on_ex!(tx, |e| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for ((unit, metric), delta) in chunk {
                q = q.bind(*unit).bind(*metric).bind(*delta);
            }
            q.execute(&mut *e).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// Deltas per statement of [`add_bulk`]: three parameters each, far below
/// either engine's limit.
const BULK_DELTAS: usize = 500;

/// Takes the subtree totals of `unit_id` off (`sign` = -1) or onto
/// (`sign` = 1) every strict ancestor, as the closure table stands now.
/// Used around a move.
pub async fn shift_subtree(tx: &mut Tx, unit_id: UnitId, sign: i64) -> StoreResult<()> {
    serialize_counters(tx).await?;
    on_ex!(tx, |e| sqlx::query(
        "INSERT INTO unit_aggregates (unit_id, metric, own, subtree)
         SELECT c.ancestor_id, x.metric, 0, $2 * x.subtree
         FROM unit_closure c JOIN unit_aggregates x ON x.unit_id = c.descendant_id
         WHERE c.descendant_id = $1 AND c.ancestor_id <> $1
         ON CONFLICT (unit_id, metric) DO UPDATE SET
           subtree = unit_aggregates.subtree + excluded.subtree"
    )
    .bind(unit_id)
    .bind(sign)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The counters of one unit inside `scope`: metric → (own, subtree).
pub async fn of_unit<C: Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    unit_id: UnitId,
) -> StoreResult<BTreeMap<String, (i64, i64)>> {
    let sql = format!(
        "SELECT metric, own, subtree FROM unit_aggregates WHERE unit_id = $1 AND {}",
        unit_condition(scope, "unit_id")
    );
    let rows: Vec<(String, i64, i64)> =
        on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(unit_id)
            .fetch_all(&mut *e)
            .await)?;
    Ok(rows.into_iter().map(|(m, o, s)| (m, (o, s))).collect())
}

/// One aggregate row, stored or recomputed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AggregateRow {
    /// Unit.
    pub unit_id: UnitId,
    /// Metric name.
    pub metric: String,
    /// Count in the unit itself.
    pub own: i64,
    /// Count in the subtree.
    pub subtree: i64,
}

fn sorted_rows(rows: Vec<(i64, String, i64, i64)>) -> Vec<AggregateRow> {
    let mut out: Vec<AggregateRow> = rows
        .into_iter()
        .map(|(unit_id, metric, own, subtree)| AggregateRow {
            unit_id,
            metric,
            own,
            subtree,
        })
        .collect();
    // All-zero rows mean nothing (a counter that went up and down again).
    out.retain(|r| r.own != 0 || r.subtree != 0);
    out.sort();
    out
}

/// Every stored aggregate row that is not all zeros, sorted.
pub async fn stored(c: &mut impl DbConn) -> StoreResult<Vec<AggregateRow>> {
    let rows: Vec<(i64, String, i64, i64)> = on_ex!(c, |e| sqlx::query_as(
        "SELECT unit_id, metric, own, subtree FROM unit_aggregates
         WHERE own <> 0 OR subtree <> 0 ORDER BY unit_id, metric"
    )
    .fetch_all(&mut *e)
    .await)?;
    Ok(sorted_rows(rows))
}

/// One feature's maintained counters: the metrics it keeps, how to derive
/// them from scratch, and whether a unit's own counts follow its rows to
/// the unit that takes them over when it merges or closes. Each feature
/// declares its families next to the rows they count; the store's
/// registry lists them.
pub struct CounterFamily {
    /// The family's name.
    pub name: &'static str,
    /// Its metrics: an exact name, or a prefix ending in `.`.
    pub metrics: &'static [&'static str],
    /// Whether a unit's own counts move with its rows when it ends.
    pub follows_rows: bool,
    /// `SELECT ancestor_id, metric, own, subtree`: the family derived from
    /// the rows it counts.
    pub recompute_sql: &'static str,
}

impl CounterFamily {
    /// Whether `metric` belongs to this family.
    pub fn has(&self, metric: &str) -> bool {
        self.metrics.iter().any(|m| {
            if m.ends_with('.') {
                metric.starts_with(m)
            } else {
                metric == *m
            }
        })
    }
}

/// Every aggregate of `families` derived from scratch from the rows they
/// count and the closure table, sorted like [`stored`].
pub async fn recompute(
    c: &mut impl DbConn,
    families: &[CounterFamily],
) -> StoreResult<Vec<AggregateRow>> {
    let mut rows: Vec<(i64, String, i64, i64)> = Vec::new();
    for family in families {
        let found: Vec<(i64, String, i64, i64)> = on_ex!(c, |e| {
            sqlx::query_as(family.recompute_sql)
                .fetch_all(&mut *e)
                .await
        })?;
        rows.extend(found);
    }
    Ok(sorted_rows(rows))
}

/// Upper bounds (days) of the buckets that count finished records by the
/// days they took, from which a median follows without reading records.
pub const DAY_BUCKETS: [i64; 14] = [0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 60, 90, 180, 365];

/// The bucket key of a record finished in `days` (`over` past the last).
pub fn day_bucket(days: i64) -> String {
    DAY_BUCKETS
        .iter()
        .find(|b| days <= **b)
        .map_or_else(|| "over".to_string(), |b| b.to_string())
}

/// The median of `total` records counted in buckets `<prefix><bound>`,
/// as the upper bound of the bucket that holds it ("at most N days");
/// none when nothing was counted or the median lies past the last bound.
pub fn median_at_most(get: impl Fn(&str) -> i64, prefix: &str, total: i64) -> Option<i64> {
    if total <= 0 {
        return None;
    }
    let half = (total + 1) / 2;
    let mut seen = 0;
    for b in DAY_BUCKETS {
        seen += get(&format!("{prefix}{b}"));
        if seen >= half {
            return Some(b);
        }
    }
    None
}

/// The counters of one family prefix (`welfare.`, `appeals.`) at a unit:
/// metric → (own, subtree); nothing for a unit outside `scope` (the
/// caller tells the reader so).
pub async fn family_at(
    c: &mut impl DbConn,
    scope: &Scope<grassroots_core::Read>,
    unit_id: UnitId,
    prefix: &str,
) -> StoreResult<BTreeMap<String, (i64, i64)>> {
    families_at(c, scope, unit_id, &[prefix]).await
}

/// [`family_at`] for several prefixes, in one read.
pub async fn families_at(
    c: &mut impl DbConn,
    scope: &Scope<grassroots_core::Read>,
    unit_id: UnitId,
    prefixes: &[&str],
) -> StoreResult<BTreeMap<String, (i64, i64)>> {
    let like = (0..prefixes.len())
        .map(|i| format!("metric LIKE ${}", i + 2))
        .collect::<Vec<_>>()
        .join(" OR ");
    let sql = format!(
        "SELECT metric, own, subtree FROM unit_aggregates
         WHERE unit_id = $1 AND ({like}) AND {}",
        unit_condition(scope, "unit_id")
    );
    let rows: Vec<(String, i64, i64)> = on_ex!(c, |e| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(unit_id);
        for p in prefixes {
            q = q.bind(format!("{p}%"));
        }
        q.fetch_all(&mut *e).await
    })?;
    Ok(rows.into_iter().map(|(m, o, s)| (m, (o, s))).collect())
}

/// Subtree values of `metrics` for several units of `scope` at once (a
/// dashboard's rows): unit → metric → value; units outside `scope` and
/// metrics never counted are absent.
pub async fn subtree_of_units(
    c: &mut impl DbConn,
    scope: &Scope<grassroots_core::Read>,
    units: &[UnitId],
    metrics: &[String],
) -> StoreResult<BTreeMap<UnitId, BTreeMap<String, i64>>> {
    let mut out: BTreeMap<UnitId, BTreeMap<String, i64>> = BTreeMap::new();
    if units.is_empty() || metrics.is_empty() {
        return Ok(out);
    }
    let ids = units
        .iter()
        .map(|u| u.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let names = (0..metrics.len())
        .map(|i| format!("${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT unit_id, metric, subtree FROM unit_aggregates
         WHERE unit_id IN ({ids}) AND metric IN ({names}) AND {}",
        unit_condition(scope, "unit_id")
    );
    let rows: Vec<(i64, String, i64)> = on_ex!(c, |e| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for m in metrics {
            q = q.bind(m);
        }
        q.fetch_all(&mut *e).await
    })?;
    for (unit, metric, value) in rows {
        out.entry(unit).or_default().insert(metric, value);
    }
    Ok(out)
}
