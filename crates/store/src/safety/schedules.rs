//! Inspection schedules: every open unit of a level is to complete an
//! inspection from a template once per calendar period. `inspections_due`
//! holds a row per unit and schedule for the current period; whether it
//! is done is always derived again from the unit's completed inspections,
//! so every change (a unit created, re-levelled or ended, an inspection
//! completed, a period ending, a schedule set or removed) is the same step
//! for the units it touches: take their rows out of the counters, derive
//! the rows again, count them back in. Changes that touch a whole level
//! (a schedule set or removed, a new period) go in batches of a few
//! hundred units, one transaction each ([`reconcile`]), so that no writer
//! waits long on the counters.
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

/// The bind of schedule `s`'s period in SQL: `at` = 1 for the key, 2 for
/// its first day, 3 for its last, with the month's bound as $1–$3, the
/// quarter's as $4–$6 and the year's as $7–$9.
fn pick(at: usize) -> String {
    format!(
        "CASE s.cadence WHEN 'month' THEN ${} WHEN 'quarter' THEN ${} ELSE ${} END",
        at,
        at + 3,
        at + 6
    )
}

/// Whether the unit in `unit` has done schedule `s` this period, as 1 or
/// 0: an inspection from its template completed within the period (bound
/// as [`pick`] says). The one derivation `resync` writes and `check`
/// compares with.
fn done_of(unit: &str) -> String {
    format!(
        "CASE WHEN EXISTS (
           SELECT 1 FROM inspections i JOIN checklist_versions v ON v.id = i.version_id
           WHERE i.unit_id = {unit} AND i.status = 'completed' AND v.template_id = s.template_id
             AND i.completed_on >= {starts} AND i.completed_on <= {ends}) THEN 1 ELSE 0 END",
        starts = pick(2),
        ends = pick(3),
    )
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
        let insert = format!(
            "INSERT INTO inspections_due (unit_id, schedule_id, period, done)
             SELECT u.id, s.id, {key},
                    {done}
             FROM units u JOIN inspection_schedules s ON s.level = u.level AND s.state <> 'removing'
             WHERE u.id IN ({list}) AND u.closed_at IS NULL",
            key = pick(1),
            done = done_of("u.id"),
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

/// Units in a batch of [`reconcile`].
const BATCH: usize = 500;

/// Every schedule in use (those being removed are left out), by level
/// and template.
pub async fn list(c: &mut impl DbConn) -> StoreResult<Vec<Schedule>> {
    Ok(on_ex!(c, |e| {
        sqlx::query_as(
        "SELECT s.id, s.level, s.template_id, t.name AS template_name, s.cadence AS every, s.created_on
         FROM inspection_schedules s JOIN checklist_templates t ON t.id = s.template_id
         WHERE s.state <> 'removing'
         ORDER BY s.level, t.name, s.id"
    )
    .fetch_all(&mut *e)
    .await
    })?)
}

/// Sets a schedule (a level and template already scheduled take the new
/// cadence). Its units are given their rows by [`reconcile`], in batches.
pub async fn set(
    tx: &mut Tx,
    level: &str,
    template_id: i64,
    cadence: InspectionCadence,
    today: NaiveDate,
) -> StoreResult<i64> {
    aggregates::serialize_counters(tx).await?;
    Ok(on_ex!(tx, |e| {
        sqlx::query_scalar(
        "INSERT INTO inspection_schedules (level, template_id, cadence, created_on, state, synced_to)
         VALUES ($1, $2, $3, $4, 'syncing', 0)
         ON CONFLICT (level, template_id) DO UPDATE SET cadence = excluded.cadence,
           state = 'syncing', synced_to = 0
         RETURNING id"
    )
    .bind(level)
    .bind(template_id)
    .bind(cadence.as_str())
    .bind(ymd(today))
    .fetch_one(&mut *e)
    .await
    })?)
}

/// Marks a schedule for removal: [`reconcile`] takes its rows away in
/// batches and then the schedule.
pub async fn remove(tx: &mut Tx, id: i64) -> StoreResult<()> {
    aggregates::serialize_counters(tx).await?;
    let n = on_ex!(tx, |e| {
        sqlx::query(
        "UPDATE inspection_schedules SET state = 'removing' WHERE id = $1 AND state <> 'removing'"
    )
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected())
    })?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Whether any schedule is set. Read under the counters lock, so a
/// schedule set at the same moment either is seen or sees the unit.
async fn any(tx: &mut Tx) -> StoreResult<bool> {
    aggregates::serialize_counters(tx).await?;
    let n: Option<i64> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT id FROM inspection_schedules LIMIT 1"
    )
    .fetch_optional(&mut *e)
    .await)?;
    Ok(n.is_some())
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
    resync(tx, units, today, Rows::Keep).await
}

/// Stops asking a unit that ends (before it is marked closed).
pub(crate) async fn untrack_unit(tx: &mut Tx, unit: UnitId, today: NaiveDate) -> StoreResult<()> {
    if !any(tx).await? {
        return Ok(());
    }
    resync(tx, &[unit], today, Rows::Drop).await
}

/// The organization's levels changed (only the root's level can change
/// that way): its rows are derived again.
pub async fn rebuild_root(tx: &mut Tx, root: UnitId, today: NaiveDate) -> StoreResult<()> {
    track_units(tx, &[root], today).await
}

/// A unit completed an inspection on `today`: its rows are derived again
/// (the one of the inspection's template is now done).
pub(crate) async fn completed(tx: &mut Tx, unit: UnitId, today: NaiveDate) -> StoreResult<()> {
    aggregates::serialize_counters(tx).await?;
    let rows: Option<i64> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT schedule_id FROM inspections_due WHERE unit_id = $1 LIMIT 1"
    )
    .bind(unit)
    .fetch_optional(&mut *e)
    .await)?;
    if rows.is_none() {
        return Ok(());
    }
    resync(tx, &[unit], today, Rows::Keep).await
}

/// A schedule's state, as [`reconcile`] reads it.
#[derive(sqlx::FromRow)]
struct State {
    id: i64,
    level: String,
    cadence: String,
    state: String,
    synced_to: i64,
}

/// Whether [`reconcile`] has anything to do (read without the lock, from
/// the indexes: a schedule not settled, or rows of an earlier period).
pub async fn unsettled(c: &mut impl DbConn, today: NaiveDate) -> StoreResult<bool> {
    let states: Vec<State> = on_ex!(c, |e| sqlx::query_as(
        "SELECT id, level, cadence, state, synced_to FROM inspection_schedules"
    )
    .fetch_all(&mut *e)
    .await)?;
    for s in states {
        if s.state != "active" {
            return Ok(true);
        }
        let key = current_key(&s.cadence, today);
        let stale: Option<i64> = on_ex!(c, |e| {
            sqlx::query_scalar(
                "SELECT unit_id FROM inspections_due
             WHERE schedule_id = $1 AND (period < $2 OR period > $2) LIMIT 1",
            )
            .bind(s.id)
            .bind(&key)
            .fetch_optional(&mut *e)
            .await
        })?;
        if stale.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

fn current_key(cadence: &str, today: NaiveDate) -> String {
    period(
        InspectionCadence::parse(cadence).unwrap_or(InspectionCadence::Month),
        today,
    )
    .key
}

/// One batch of settling the schedules, in the caller's transaction:
/// up to [`BATCH`] units whose rows are of an earlier period, belong to a
/// schedule being removed, or are missing from a schedule being set, are
/// derived again; a schedule whose units are all done with becomes active
/// (or, being removed, goes). Returns how many units it took (0: settled).
/// Everything is read under the counters lock, so two servers never take
/// the same unit twice.
pub async fn reconcile(tx: &mut Tx, today: NaiveDate) -> StoreResult<usize> {
    aggregates::serialize_counters(tx).await?;
    let states: Vec<State> = on_ex!(tx, |e| sqlx::query_as(
        "SELECT id, level, cadence, state, synced_to FROM inspection_schedules ORDER BY id"
    )
    .fetch_all(&mut *e)
    .await)?;
    let mut units: Vec<UnitId> = Vec::new();
    let mut settled: Vec<(i64, &str)> = Vec::new();
    let mut cursors: Vec<(i64, i64)> = Vec::new();
    for s in &states {
        let room = (BATCH - units.len()) as i64;
        if room <= 0 {
            break;
        }
        let found: Vec<i64> = match s.state.as_str() {
            // No order: each batch takes whichever rows are left, through
            // the (schedule, period) index, without walking past the rows
            // already done.
            "removing" => on_ex!(tx, |e| {
                sqlx::query_scalar(
                    "SELECT unit_id FROM inspections_due WHERE schedule_id = $1 LIMIT $2",
                )
                .bind(s.id)
                .bind(room)
                .fetch_all(&mut *e)
                .await
            })?,
            _ => {
                let key = current_key(&s.cadence, today);
                on_ex!(tx, |e| sqlx::query_scalar(
                    "SELECT unit_id FROM inspections_due
                     WHERE schedule_id = $1 AND (period < $2 OR period > $2) LIMIT $3"
                )
                .bind(s.id)
                .bind(&key)
                .bind(room)
                .fetch_all(&mut *e)
                .await)?
            }
        };
        let stale = found.len() as i64;
        units.extend(found);
        if s.state == "syncing" && stale < room {
            // The level's open units after the cursor, by id: a batch at a
            // time, each unit once (units made meanwhile are tracked as
            // they are made).
            let next: Vec<i64> = on_ex!(tx, |e| sqlx::query_scalar(
                "SELECT id FROM units WHERE level = $1 AND closed_at IS NULL AND id > $2
                 ORDER BY id LIMIT $3"
            )
            .bind(&s.level)
            .bind(s.synced_to)
            .bind(room - stale)
            .fetch_all(&mut *e)
            .await)?;
            match next.last() {
                Some(last) if next.len() as i64 == room - stale => cursors.push((s.id, *last)),
                _ => settled.push((s.id, "active")),
            }
            units.extend(next);
        } else if s.state == "removing" && stale < room {
            settled.push((s.id, "gone"));
        }
    }
    units.sort_unstable();
    units.dedup();
    resync(tx, &units, today, Rows::Keep).await?;
    for (id, to) in cursors {
        on_ex!(tx, |e| sqlx::query(
            "UPDATE inspection_schedules SET synced_to = $2 WHERE id = $1"
        )
        .bind(id)
        .bind(to)
        .execute(&mut *e)
        .await
        .map(|_| ()))?;
    }
    for (id, to) in settled {
        let sql = if to == "gone" {
            "DELETE FROM inspection_schedules WHERE id = $1 AND state = 'removing'"
        } else {
            "UPDATE inspection_schedules SET state = 'active' WHERE id = $1 AND state = 'syncing'"
        };
        on_ex!(tx, |e| sqlx::query(sql)
            .bind(id)
            .execute(&mut *e)
            .await
            .map(|_| ()))?;
    }
    Ok(units.len())
}

/// Rows that differ from a derivation from scratch (at most 20): an open
/// unit of an active schedule's level without its row, a row of a closed
/// unit, or a row of the current period whose `done` differs from the
/// unit's completed inspections (`grassroots check`).
pub async fn stale_rows(c: &mut impl DbConn, today: NaiveDate) -> StoreResult<Vec<String>> {
    let mut out = Vec::new();
    let missing: Vec<(i64, i64)> = on_ex!(c, |e| {
        sqlx::query_as(
        "SELECT u.id, s.id FROM units u JOIN inspection_schedules s ON s.level = u.level
         WHERE s.state = 'active' AND u.closed_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM inspections_due d WHERE d.unit_id = u.id AND d.schedule_id = s.id)
         ORDER BY u.id LIMIT 20"
    )
    .fetch_all(&mut *e)
    .await
    })?;
    out.extend(
        missing
            .into_iter()
            .map(|(u, s)| format!("unit {u}: no row for inspection schedule {s}")),
    );
    let closed: Vec<(i64, i64)> = on_ex!(c, |e| {
        sqlx::query_as(
        "SELECT d.unit_id, d.schedule_id FROM inspections_due d JOIN units u ON u.id = d.unit_id
         WHERE u.closed_at IS NOT NULL ORDER BY d.unit_id LIMIT 20"
    )
    .fetch_all(&mut *e)
    .await
    })?;
    out.extend(
        closed
            .into_iter()
            .map(|(u, s)| format!("unit {u}: closed, still asked by inspection schedule {s}")),
    );
    let sql = format!(
        "SELECT d.unit_id, d.schedule_id FROM inspections_due d
         JOIN inspection_schedules s ON s.id = d.schedule_id
         WHERE d.period = {key}
           AND d.done <> {done}
         ORDER BY d.unit_id LIMIT 20",
        key = pick(1),
        done = done_of("d.unit_id"),
    );
    let periods = CADENCES.map(|c| period(c, today));
    let wrong: Vec<(i64, i64)> = on_ex!(c, |e| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for p in &periods {
            q = q.bind(&p.key).bind(ymd(p.starts)).bind(ymd(p.ends));
        }
        q.fetch_all(&mut *e).await
    })?;
    out.extend(wrong.into_iter().map(|(u, s)| {
        format!("unit {u}: inspection schedule {s} marked otherwise than its inspections say")
    }));
    out.truncate(20);
    Ok(out)
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
/// not done this period, by id, at most `limit`: the subtree's closure
/// rows in index order, each unit's rows by its key.
pub async fn behind_under(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    limit: i64,
) -> StoreResult<Vec<Behind>> {
    let scoped = crate::tree::condition_below(c, scope, unit_id, "r.unit_id").await?;
    let sql = format!(
        "SELECT r.unit_id, u.name, r.schedule_id, r.period
         FROM unit_closure c JOIN inspections_due r ON r.unit_id = c.descendant_id
         JOIN units u ON u.id = r.unit_id
         WHERE c.ancestor_id = $1 AND r.done = 0 AND {scoped}
         ORDER BY c.descendant_id, r.schedule_id LIMIT $2"
    );
    Ok(on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(unit_id)
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}
