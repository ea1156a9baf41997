//! Inspection schedules: every open unit of a level is to complete an
//! inspection from a template once per calendar period. `inspections_due`
//! holds a row per unit and schedule for the current period; whether it
//! is done is always derived again from the unit's completed inspections,
//! so every change (a schedule added or removed, a unit created, closed or
//! re-levelled, an inspection completed, a period ending) is the same
//! step for the units it touches: take their rows out of the counters,
//! derive the rows again, count them back in.
//!
//! Counters: `inspections.due` (rows), `inspections.done`,
//! `inspections.behind` (units with a row not done), and per schedule
//! `inspections.<id>.due` / `.done`.

use chrono::NaiveDate;
use grassroots_core::safety::period;
use grassroots_core::vocab::InspectionCadence;
use grassroots_core::{Read, Scope, UnitId};
use serde::Serialize;

use crate::plans::ymd;
use crate::tree::unit_condition;
use crate::{DbConn, StoreError, StoreResult, Tx, aggregates, on_ex};

/// Metric: scheduled inspections due this period (unit × schedule).
pub const DUE: &str = "inspections.due";
/// Metric: of which done.
pub const DONE: &str = "inspections.done";
/// Metric: units with a scheduled inspection not done this period.
pub const BEHIND: &str = "inspections.behind";

/// The cadences, in the order their periods are bound: month, quarter,
/// year.
const CADENCES: [InspectionCadence; 3] = [
    InspectionCadence::Month,
    InspectionCadence::Quarter,
    InspectionCadence::Year,
];

/// Metric of one schedule's rows due (`due`) or done (`done`).
pub fn schedule_metric(schedule_id: i64, which: &str) -> String {
    format!("inspections.{schedule_id}.{which}")
}

/// A schedule.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Schedule {
    /// Id.
    pub id: i64,
    /// The level whose units it asks.
    pub level: String,
    /// The checklist template.
    pub template_id: i64,
    /// The template's name.
    pub template_name: String,
    /// How often: `month`, `quarter` or `year`.
    pub every: String,
    /// The day it was set.
    pub created_on: String,
}

/// Every unit's contributions to the counters, per metric, from the rows
/// matching the filter `r.unit_id = r.unit_id` (a caller replaces it with
/// its own; left as it is, every row, which is what `recompute` reads).
macro_rules! per_unit {
    () => {
        "SELECT r.unit_id, 'inspections.due' AS metric, count(*) AS n
         FROM inspections_due r WHERE r.unit_id = r.unit_id GROUP BY r.unit_id
         UNION ALL SELECT r.unit_id, 'inspections.done', sum(r.done)
         FROM inspections_due r WHERE r.unit_id = r.unit_id GROUP BY r.unit_id
         UNION ALL SELECT r.unit_id, 'inspections.behind', 1 - min(r.done)
         FROM inspections_due r WHERE r.unit_id = r.unit_id GROUP BY r.unit_id
         UNION ALL SELECT r.unit_id, 'inspections.' || CAST(r.schedule_id AS TEXT) || '.due', count(*)
         FROM inspections_due r WHERE r.unit_id = r.unit_id GROUP BY r.unit_id, r.schedule_id
         UNION ALL SELECT r.unit_id, 'inspections.' || CAST(r.schedule_id AS TEXT) || '.done', sum(r.done)
         FROM inspections_due r WHERE r.unit_id = r.unit_id GROUP BY r.unit_id, r.schedule_id"
    };
}

/// Counter family: scheduled inspections due and done this period, and
/// the units behind; a unit that ends is no longer asked.
pub const COUNTERS: aggregates::CounterFamily = aggregates::CounterFamily {
    name: "inspections",
    metrics: &["inspections."],
    follows_rows: false,
    recompute_sql: concat!(
        "SELECT c.ancestor_id, m.metric,
                CAST(sum(CASE WHEN m.unit_id = c.ancestor_id THEN m.n ELSE 0 END) AS BIGINT),
                CAST(sum(m.n) AS BIGINT)
         FROM (",
        per_unit!(),
        ") m JOIN unit_closure c ON c.descendant_id = m.unit_id
         GROUP BY c.ancestor_id, m.metric"
    ),
};

/// Adds `sign` × the contributions of the rows of the units `list` (ids
/// joined by commas) to the counters of them and their ancestors.
async fn count(tx: &mut Tx, list: &str, sign: i64) -> StoreResult<()> {
    let per_unit = per_unit!().replace("r.unit_id = r.unit_id", &format!("r.unit_id IN ({list})"));
    let sql = format!(
        "INSERT INTO unit_aggregates (unit_id, metric, own, subtree)
         SELECT c.ancestor_id, m.metric,
                CAST({sign} * sum(CASE WHEN c.ancestor_id = m.unit_id THEN m.n ELSE 0 END) AS BIGINT),
                CAST({sign} * sum(m.n) AS BIGINT)
         FROM ({per_unit}) m JOIN unit_closure c ON c.descendant_id = m.unit_id
         GROUP BY c.ancestor_id, m.metric
         ON CONFLICT (unit_id, metric) DO UPDATE SET
           own = unit_aggregates.own + excluded.own,
           subtree = unit_aggregates.subtree + excluded.subtree"
    );
    on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .execute(&mut *e)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Whether the units are still to be asked (`Keep`) or are leaving
/// (`Drop`: a unit ending, before it is marked closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rows {
    Keep,
    Drop,
}

/// Derives the rows of `units` again as of `today`: out of the counters,
/// deleted, inserted for every schedule of each open unit's level (done
/// when the unit completed an inspection from the template within the
/// period), counted back in. Callers hold the counters lock.
async fn resync(tx: &mut Tx, units: &[UnitId], today: NaiveDate, rows: Rows) -> StoreResult<()> {
    let periods = CADENCES.map(|c| period(c, today));
    for chunk in units.chunks(500) {
        let list = crate::tree::join(chunk);
        count(tx, &list, -1).await?;
        let delete = format!("DELETE FROM inspections_due WHERE unit_id IN ({list})");
        on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(delete.as_str()))
            .execute(&mut *e)
            .await
            .map(|_| ()))?;
        if rows == Rows::Drop {
            continue;
        }
        // $1–$3: the month's key, first and last day; $4–$6 the quarter's;
        // $7–$9 the year's.
        let pick = |at: usize| {
            format!(
                "CASE s.cadence WHEN 'month' THEN ${} WHEN 'quarter' THEN ${} ELSE ${} END",
                at,
                at + 3,
                at + 6
            )
        };
        let insert = format!(
            "INSERT INTO inspections_due (unit_id, schedule_id, period, done)
             SELECT u.id, s.id, {key},
                    CASE WHEN EXISTS (
                      SELECT 1 FROM inspections i JOIN checklist_versions v ON v.id = i.version_id
                      WHERE i.unit_id = u.id AND i.status = 'completed' AND v.template_id = s.template_id
                        AND i.completed_on >= {starts} AND i.completed_on <= {ends}) THEN 1 ELSE 0 END
             FROM units u JOIN inspection_schedules s ON s.level = u.level
             WHERE u.id IN ({list}) AND u.closed_at IS NULL",
            key = pick(1),
            starts = pick(2),
            ends = pick(3),
        );
        on_ex!(tx, |e| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(insert.as_str()));
            for p in &periods {
                q = q.bind(&p.key).bind(ymd(p.starts)).bind(ymd(p.ends));
            }
            q.execute(&mut *e).await.map(|_| ())
        })?;
        count(tx, &list, 1).await?;
    }
    Ok(())
}

/// Ids of a query's single column, the query taking one bind.
async fn ids<T>(tx: &mut Tx, sql: &str, bind: T) -> StoreResult<Vec<UnitId>>
where
    T: for<'q> sqlx::Encode<'q, sqlx::Sqlite>
        + for<'q> sqlx::Encode<'q, sqlx::Postgres>
        + sqlx::Type<sqlx::Sqlite>
        + sqlx::Type<sqlx::Postgres>
        + Send
        + Clone,
{
    Ok(on_ex!(tx, |e| sqlx::query_scalar::<_, i64>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(bind.clone())
    .fetch_all(&mut *e)
    .await)?)
}

/// Every schedule, by level and template.
pub async fn list(c: &mut impl DbConn) -> StoreResult<Vec<Schedule>> {
    Ok(on_ex!(c, |e| {
        sqlx::query_as(
        "SELECT s.id, s.level, s.template_id, t.name AS template_name, s.cadence AS every, s.created_on
         FROM inspection_schedules s JOIN checklist_templates t ON t.id = s.template_id
         ORDER BY s.level, t.name, s.id"
    )
    .fetch_all(&mut *e)
    .await
    })?)
}

/// Sets a schedule (a level and template already scheduled take the new
/// cadence) and asks the level's open units from `today`.
pub async fn set(
    tx: &mut Tx,
    level: &str,
    template_id: i64,
    cadence: InspectionCadence,
    today: NaiveDate,
) -> StoreResult<i64> {
    aggregates::serialize_counters(tx).await?;
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO inspection_schedules (level, template_id, cadence, created_on)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (level, template_id) DO UPDATE SET cadence = excluded.cadence
         RETURNING id"
    )
    .bind(level)
    .bind(template_id)
    .bind(cadence.as_str())
    .bind(ymd(today))
    .fetch_one(&mut *e)
    .await)?;
    let units = ids(
        tx,
        "SELECT id FROM units WHERE level = $1 AND closed_at IS NULL ORDER BY id",
        level.to_string(),
    )
    .await?;
    resync(tx, &units, today, Rows::Keep).await?;
    Ok(id)
}

/// Removes a schedule; its units are no longer asked.
pub async fn remove(tx: &mut Tx, id: i64) -> StoreResult<()> {
    aggregates::serialize_counters(tx).await?;
    let found: Option<i64> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT id FROM inspection_schedules WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?;
    if found.is_none() {
        return Err(StoreError::NotFound);
    }
    let units = ids(
        tx,
        "SELECT unit_id FROM inspections_due WHERE schedule_id = $1 ORDER BY unit_id",
        id,
    )
    .await?;
    for chunk in units.chunks(500) {
        let list = crate::tree::join(chunk);
        count(tx, &list, -1).await?;
        let delete =
            format!("DELETE FROM inspections_due WHERE schedule_id = $1 AND unit_id IN ({list})");
        on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(delete.as_str()))
            .bind(id)
            .execute(&mut *e)
            .await
            .map(|_| ()))?;
        count(tx, &list, 1).await?;
    }
    on_ex!(tx, |e| sqlx::query(
        "DELETE FROM inspection_schedules WHERE id = $1"
    )
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Starts asking new open units (or units whose level changed) for the
/// schedules of their level.
pub(crate) async fn track_units(
    tx: &mut Tx,
    units: &[UnitId],
    today: NaiveDate,
) -> StoreResult<()> {
    if !any(tx).await? {
        return Ok(());
    }
    aggregates::serialize_counters(tx).await?;
    resync(tx, units, today, Rows::Keep).await
}

/// Stops asking a unit that ends (before it is marked closed).
pub(crate) async fn untrack_unit(tx: &mut Tx, unit: UnitId, today: NaiveDate) -> StoreResult<()> {
    if !any(tx).await? {
        return Ok(());
    }
    aggregates::serialize_counters(tx).await?;
    resync(tx, &[unit], today, Rows::Drop).await
}

/// Whether any schedule is set (most organizations' units then cost
/// nothing more when created or changed).
async fn any(tx: &mut Tx) -> StoreResult<bool> {
    let n: Option<i64> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT id FROM inspection_schedules LIMIT 1"
    )
    .fetch_optional(&mut *e)
    .await)?;
    Ok(n.is_some())
}

/// Derives every row again (after the organization's levels changed).
pub async fn rebuild_all(tx: &mut Tx, today: NaiveDate) -> StoreResult<()> {
    aggregates::serialize_counters(tx).await?;
    let units: Vec<UnitId> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT unit_id FROM inspections_due
         UNION SELECT u.id FROM units u JOIN inspection_schedules s ON s.level = u.level
         WHERE u.closed_at IS NULL"
    )
    .fetch_all(&mut *e)
    .await)?;
    resync(tx, &units, today, Rows::Keep).await
}

/// A unit completed an inspection on `today`: its rows are derived again
/// (the one of the inspection's template is now done).
pub(crate) async fn completed(tx: &mut Tx, unit: UnitId, today: NaiveDate) -> StoreResult<()> {
    let rows: Option<i64> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT schedule_id FROM inspections_due WHERE unit_id = $1 LIMIT 1"
    )
    .bind(unit)
    .fetch_optional(&mut *e)
    .await)?;
    if rows.is_none() {
        return Ok(());
    }
    aggregates::serialize_counters(tx).await?;
    resync(tx, &[unit], today, Rows::Keep).await
}

/// Starts the new period for every row still in an earlier one (the
/// server's job); returns how many units it derived again. The rows are
/// read under the counters lock, so a second server finds none left.
pub async fn roll(tx: &mut Tx, today: NaiveDate) -> StoreResult<usize> {
    aggregates::serialize_counters(tx).await?;
    let [m, q, y] = CADENCES.map(|c| period(c, today).key);
    let units: Vec<UnitId> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT DISTINCT r.unit_id FROM inspections_due r
         JOIN inspection_schedules s ON s.id = r.schedule_id
         WHERE r.period <> CASE s.cadence WHEN 'month' THEN $1 WHEN 'quarter' THEN $2 ELSE $3 END
         ORDER BY r.unit_id"
    )
    .bind(&m)
    .bind(&q)
    .bind(&y)
    .fetch_all(&mut *e)
    .await)?;
    resync(tx, &units, today, Rows::Keep).await?;
    Ok(units.len())
}

/// A unit behind on its scheduled inspections this period.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Behind {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub name: String,
    /// The schedule not done.
    pub schedule_id: i64,
    /// The period.
    pub period: String,
}

/// Units of `unit_id`'s subtree (in `scope`) with a scheduled inspection
/// not done this period, by name, at most `limit`.
pub async fn behind_under(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    limit: i64,
) -> StoreResult<Vec<Behind>> {
    let sql = format!(
        "SELECT r.unit_id, u.name, r.schedule_id, r.period
         FROM inspections_due r JOIN units u ON u.id = r.unit_id
         JOIN unit_closure c ON c.descendant_id = r.unit_id AND c.ancestor_id = $1
         WHERE r.done = 0 AND {}
         ORDER BY u.name, r.unit_id, r.schedule_id LIMIT $2",
        unit_condition(scope, "r.unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(unit_id)
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}
