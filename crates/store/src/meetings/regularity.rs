//! Meeting regularity: for every open unit and every meeting type with a
//! cadence at the unit's level, the day its next meeting is due
//! (`meeting_regularity`). A unit is overdue for a type once that day has
//! passed without a closed meeting of the type; the server's job marks
//! rows as the date moves. Counters (`meetings.expected`,
//! `meetings.overdue`, and `attendance.marked` / `attendance.present`,
//! added when a meeting closes) make any subtree's regularity a row read.

use chrono::{Duration, NaiveDate};
use grassroots_core::{Read, Scope, UnitId};
use serde::Serialize;

use crate::tree::unit_condition;
use crate::{DbConn, Dialect, StoreResult, Tx, aggregates, on_ex};

/// Metric: (unit, meeting type) pairs expected to meet on a cadence.
pub const EXPECTED: &str = "meetings.expected";
/// Metric: of which overdue.
pub const OVERDUE: &str = "meetings.overdue";
/// Metric: participants of closed meetings whose attendance was recorded,
/// by the unit they came from (a meeting whose attendance was not taken
/// counts for nothing, rather than as everyone absent).
pub const MARKED: &str = "attendance.marked";
/// Metric: of which present.
pub const PRESENT: &str = "attendance.present";

/// SQL for the ISO date `days` after the ISO date `date` (both SQL
/// expressions), on the engine of `tx`.
fn plus_days(tx: &Tx, date: &str, days: &str) -> String {
    match tx.dialect() {
        Dialect::Sqlite => format!("date({date}, '+' || {days} || ' days')"),
        Dialect::Postgres => {
            format!("to_char(CAST({date} AS date) + CAST({days} AS integer), 'YYYY-MM-DD')")
        }
    }
}

/// Adds `sign` × the rows of `meeting_regularity` matching `filter` (on
/// `r`, and `u` = the row's unit; `$1`, `$2`, … bound to `binds`) to each
/// `(metric, condition)` of `metrics`.
async fn count_rows(
    tx: &mut Tx,
    filter: &str,
    binds: &[&str],
    sign: i64,
    metrics: &[(&str, &str)],
) -> StoreResult<()> {
    crate::aggregates::serialize_counters(tx).await?;
    for (metric, which) in metrics {
        let sql = format!(
            "INSERT INTO unit_aggregates (unit_id, metric, own, subtree)
             SELECT c.ancestor_id, '{metric}',
                    {sign} * sum(CASE WHEN c.ancestor_id = r.unit_id THEN 1 ELSE 0 END), {sign} * count(*)
             FROM meeting_regularity r JOIN units u ON u.id = r.unit_id
             JOIN unit_closure c ON c.descendant_id = r.unit_id
             WHERE {filter} AND {which}
             GROUP BY c.ancestor_id
             ON CONFLICT (unit_id, metric) DO UPDATE SET
               own = unit_aggregates.own + excluded.own,
               subtree = unit_aggregates.subtree + excluded.subtree"
        );
        on_ex!(tx, |e| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for b in binds {
                q = q.bind(*b);
            }
            q.execute(&mut *e).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// Both regularity metrics: every row, and the overdue ones.
const BOTH: &[(&str, &str)] = &[(EXPECTED, "1 = 1"), (OVERDUE, "r.overdue = 1")];

/// Inserts the missing rows of the open units `u` and cadences `c`
/// matching `filter` (`$1`, `$2`, … bound to `binds`, then `today`): each
/// is expected from `today`, so its next meeting is due one interval after
/// its last closed meeting of the type, or after `today`.
async fn insert_rows(tx: &mut Tx, filter: &str, binds: &[&str], today: &str) -> StoreResult<()> {
    let today_bind = format!("${}", binds.len() + 1);
    let due = plus_days(
        tx,
        &format!("coalesce(x.last_held_on, {today_bind})"),
        "x.every_days",
    );
    let sql = format!(
        "INSERT INTO meeting_regularity (unit_id, meeting_type, since, every_days, last_held_on, due_on, overdue)
         SELECT x.id, x.meeting_type, {today_bind}, x.every_days, x.last_held_on, {due},
                CASE WHEN {due} < {today_bind} THEN 1 ELSE 0 END
         FROM (SELECT u.id, c.meeting_type, c.every_days,
                      (SELECT max(m.ends_on) FROM meetings m
                       WHERE m.unit_id = u.id AND m.meeting_type = c.meeting_type
                         AND m.closed_at IS NOT NULL) AS last_held_on
               FROM units u JOIN meeting_cadences c ON c.level = u.level
               WHERE u.closed_at IS NULL AND {filter}
                 AND NOT EXISTS (SELECT 1 FROM meeting_regularity g
                                 WHERE g.unit_id = u.id AND g.meeting_type = c.meeting_type)) x"
    );
    on_ex!(tx, |e| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for b in binds {
            q = q.bind(*b);
        }
        q.bind(today).execute(&mut *e).await.map(|_| ())
    })?;
    Ok(())
}

/// Runs `sql` (an UPDATE or DELETE of `meeting_regularity` whose rows are
/// those of `(unit_id, meeting_type) IN ({rows})`) with `binds`.
async fn change_rows(tx: &mut Tx, sql: &str, binds: &[&str]) -> StoreResult<()> {
    on_ex!(tx, |e| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(*b);
        }
        q.execute(&mut *e).await.map(|_| ())
    })?;
    Ok(())
}

/// The rows matching `filter` (on `r` and its unit `u`), as a subquery of
/// (unit, type) pairs.
fn rows_of(filter: &str) -> String {
    format!(
        "SELECT r.unit_id, r.meeting_type FROM meeting_regularity r
         JOIN units u ON u.id = r.unit_id WHERE {filter}"
    )
}

/// Takes the row locks of the rows matching `filter` before they are
/// counted and changed: the job that marks rows overdue cannot change one
/// in between (on SQLite the write transaction already excludes it).
async fn lock_rows(tx: &mut Tx, filter: &str, binds: &[&str]) -> StoreResult<()> {
    if tx.dialect() == Dialect::Postgres {
        crate::aggregates::serialize_counters(tx).await?;
        let sql = format!(
            "UPDATE meeting_regularity SET overdue = overdue
             WHERE (unit_id, meeting_type) IN ({})",
            rows_of(filter)
        );
        change_rows(tx, &sql, binds).await?;
    }
    Ok(())
}

/// Drops the rows matching `filter` (on `r` and its unit `u`) and takes
/// them out of the counters.
async fn delete_rows(tx: &mut Tx, filter: &str, binds: &[&str]) -> StoreResult<()> {
    lock_rows(tx, filter, binds).await?;
    count_rows(tx, filter, binds, -1, BOTH).await?;
    let sql = format!(
        "DELETE FROM meeting_regularity WHERE (unit_id, meeting_type) IN ({})",
        rows_of(filter)
    );
    change_rows(tx, &sql, binds).await
}

/// Brings the rows matching `filter` (on `r`/`u`; `filter_new`, the same
/// on units `u` and cadences `c`) in line with the cadences: rows without
/// a cadence any more go, the others take the cadence's interval and their
/// due day again from their last meeting or the day they were first
/// expected, and units newly held to a cadence get their rows from
/// `today`.
async fn reconcile(
    tx: &mut Tx,
    filter: &str,
    filter_new: &str,
    binds: &[&str],
    today: &str,
) -> StoreResult<()> {
    lock_rows(tx, filter, binds).await?;
    count_rows(tx, filter, binds, -1, BOTH).await?;
    let gone = format!(
        "DELETE FROM meeting_regularity WHERE (unit_id, meeting_type) IN ({} AND (u.closed_at IS NOT NULL
            OR NOT EXISTS (SELECT 1 FROM meeting_cadences c
                           WHERE c.meeting_type = r.meeting_type AND c.level = u.level)))",
        rows_of(filter)
    );
    change_rows(tx, &gone, binds).await?;
    let interval = format!(
        "UPDATE meeting_regularity SET every_days =
           (SELECT c.every_days FROM meeting_cadences c JOIN units u ON u.level = c.level
            WHERE u.id = meeting_regularity.unit_id AND c.meeting_type = meeting_regularity.meeting_type)
         WHERE (unit_id, meeting_type) IN ({})",
        rows_of(filter)
    );
    change_rows(tx, &interval, binds).await?;
    let today_bind = format!("${}", binds.len() + 1);
    let due = plus_days(tx, "coalesce(last_held_on, since)", "every_days");
    let due_day = format!(
        "UPDATE meeting_regularity SET due_on = {due},
                overdue = CASE WHEN {due} < {today_bind} THEN 1 ELSE 0 END
         WHERE (unit_id, meeting_type) IN ({})",
        rows_of(filter)
    );
    let mut with_today: Vec<&str> = binds.to_vec();
    with_today.push(today);
    change_rows(tx, &due_day, &with_today).await?;
    insert_rows(tx, filter_new, binds, today).await?;
    count_rows(tx, filter, binds, 1, BOTH).await
}

/// Starts tracking one open unit of `level` against the cadences of its
/// level (a new unit, or one whose level changed after [`untrack_unit`]).
pub(crate) async fn track_unit(
    tx: &mut Tx,
    unit_id: UnitId,
    level: &str,
    today: &str,
) -> StoreResult<()> {
    // Most levels have no cadence; a unit of one costs a single read.
    let cadences: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT count(*) FROM meeting_cadences WHERE level = $1"
    )
    .bind(level)
    .fetch_one(&mut *e)
    .await)?;
    if cadences == 0 {
        return Ok(());
    }
    let filter = format!("u.id = {unit_id}");
    insert_rows(tx, &filter, &[], today).await?;
    count_rows(tx, &filter, &[], 1, BOTH).await
}

/// [`track_unit`] for several new units at once.
pub(crate) async fn track_units(tx: &mut Tx, ids: &[UnitId], today: &str) -> StoreResult<()> {
    for chunk in ids.chunks(500) {
        let list = crate::tree::join(chunk);
        let cadences: i64 = on_ex!(tx, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM meeting_cadences c
             WHERE c.level IN (SELECT u.level FROM units u WHERE u.id IN ({list}))"
        )))
        .fetch_one(&mut *e)
        .await)?;
        if cadences == 0 {
            continue;
        }
        let filter = format!("u.id IN ({list})");
        insert_rows(tx, &filter, &[], today).await?;
        count_rows(tx, &filter, &[], 1, BOTH).await?;
    }
    Ok(())
}

/// Stops tracking a unit (it closes, or its level changes).
pub(crate) async fn untrack_unit(tx: &mut Tx, unit_id: UnitId) -> StoreResult<()> {
    let rows: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT count(*) FROM meeting_regularity WHERE unit_id = $1"
    )
    .bind(unit_id)
    .fetch_one(&mut *e)
    .await)?;
    if rows == 0 {
        return Ok(());
    }
    delete_rows(tx, &format!("u.id = {unit_id}"), &[]).await
}

/// Re-derives the rows of one meeting type at one level after its cadence
/// changed or was removed. A unit keeps the day it was first expected to
/// hold the meeting: changing the interval never wipes an overdue unit.
pub async fn rebuild(tx: &mut Tx, meeting_type: &str, level: &str, today: &str) -> StoreResult<()> {
    reconcile(
        tx,
        "r.meeting_type = $1 AND u.level = $2",
        "c.meeting_type = $1 AND u.level = $2",
        &[meeting_type, level],
        today,
    )
    .await
}

/// Re-derives every row (after the organization's levels changed).
pub async fn rebuild_all(tx: &mut Tx, today: &str) -> StoreResult<()> {
    reconcile(tx, "1 = 1", "1 = 1", &[], today).await
}

/// Records that `unit_id` held a meeting of `meeting_type` ending on
/// `held_on` (a meeting closed): the next one is due an interval later.
pub(crate) async fn held(
    tx: &mut Tx,
    unit_id: UnitId,
    meeting_type: &str,
    held_on: NaiveDate,
    today: NaiveDate,
) -> StoreResult<()> {
    // Locked: the job marking rows overdue must not change it in between
    // (after the counters lock, as every row lock before a count).
    crate::aggregates::serialize_counters(tx).await?;
    let sql = format!(
        "SELECT every_days, last_held_on, overdue FROM meeting_regularity
         WHERE unit_id = $1 AND meeting_type = $2{}",
        tx.for_update()
    );
    let row: Option<(i64, Option<String>, i64)> =
        on_ex!(tx, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(unit_id)
            .bind(meeting_type)
            .fetch_optional(&mut *e)
            .await)?;
    let Some((every_days, last, overdue)) = row else {
        return Ok(());
    };
    let held_text = held_on.to_string();
    if last.as_deref().is_some_and(|l| l >= held_text.as_str()) {
        return Ok(());
    }
    let due = held_on + Duration::days(every_days);
    let now_overdue = i64::from(due < today);
    on_ex!(tx, |e| sqlx::query(
        "UPDATE meeting_regularity SET last_held_on = $3, due_on = $4, overdue = $5
         WHERE unit_id = $1 AND meeting_type = $2"
    )
    .bind(unit_id)
    .bind(meeting_type)
    .bind(&held_text)
    .bind(due.to_string())
    .bind(now_overdue)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    let before = i64::from(overdue != 0);
    if now_overdue != before {
        aggregates::add(tx, unit_id, OVERDUE, now_overdue - before).await?;
    }
    Ok(())
}

/// Adds the attendance of a closing meeting to the counters of the units
/// its participants came from.
pub(crate) async fn count_attendance(tx: &mut Tx, meeting_id: i64) -> StoreResult<()> {
    crate::aggregates::serialize_counters(tx).await?;
    for (metric, which) in [
        (MARKED, "p.attendance IS NOT NULL"),
        (PRESENT, "p.attendance = 'present'"),
    ] {
        let sql = format!(
            "INSERT INTO unit_aggregates (unit_id, metric, own, subtree)
             SELECT c.ancestor_id, '{metric}',
                    sum(CASE WHEN c.ancestor_id = p.unit_id THEN 1 ELSE 0 END), count(*)
             FROM meeting_participants p JOIN unit_closure c ON c.descendant_id = p.unit_id
             WHERE p.meeting_id = $1 AND {which}
             GROUP BY c.ancestor_id
             ON CONFLICT (unit_id, metric) DO UPDATE SET
               own = unit_aggregates.own + excluded.own,
               subtree = unit_aggregates.subtree + excluded.subtree"
        );
        on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(meeting_id)
            .execute(&mut *e)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

/// Marks the rows whose due day is before `today` overdue and counts them;
/// returns how many. Rows are claimed first (flag 2), so two servers never
/// count one twice.
pub async fn refresh(tx: &mut Tx, today: &str) -> StoreResult<u64> {
    let n = on_ex!(tx, |e| sqlx::query(
        "UPDATE meeting_regularity SET overdue = 2 WHERE overdue = 0 AND due_on < $1"
    )
    .bind(today)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Ok(0);
    }
    count_rows(tx, "1 = 1", &[], 1, &[(OVERDUE, "r.overdue = 2")]).await?;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE meeting_regularity SET overdue = 1 WHERE overdue = 2"
    )
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(n)
}

/// A unit overdue for a meeting type.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Overdue {
    /// Unit.
    pub unit_id: i64,
    /// Its name.
    pub name: String,
    /// Meeting type key.
    pub meeting_type: String,
    /// Its last closed meeting of the type, if any.
    pub last_held_on: Option<String>,
    /// The day the meeting was due.
    pub due_on: String,
}

/// Units of `unit_id`'s subtree (in `scope`) overdue for a meeting, the
/// longest overdue first, at most `limit`.
pub async fn overdue_under(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    limit: i64,
) -> StoreResult<Vec<Overdue>> {
    let sql = format!(
        "SELECT r.unit_id, u.name, r.meeting_type, r.last_held_on, r.due_on
         FROM meeting_regularity r JOIN units u ON u.id = r.unit_id
         WHERE r.overdue = 1
           AND EXISTS (SELECT 1 FROM unit_closure c WHERE c.ancestor_id = $1 AND c.descendant_id = r.unit_id)
           AND {}
         ORDER BY r.due_on, u.name, r.unit_id LIMIT $2",
        unit_condition(scope, "r.unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Overdue>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// Regularity counters of one unit's subtree.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegularityRow {
    /// Unit.
    pub unit_id: i64,
    /// Its name.
    pub name: String,
    /// (unit, meeting type) pairs expected to meet on a cadence.
    pub expected: i64,
    /// Of which overdue.
    pub overdue: i64,
    /// Participants of closed meetings from the subtree whose attendance
    /// was recorded.
    pub marked: i64,
    /// Of which present.
    pub present: i64,
}

/// The counters of `unit_id` and of each of its open children in `scope`,
/// read from the maintained aggregates.
pub async fn rollup(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
) -> StoreResult<Vec<RegularityRow>> {
    let sql = format!(
        "SELECT u.id, u.name,
                coalesce(max(CASE WHEN a.metric = '{EXPECTED}' THEN a.subtree END), 0),
                coalesce(max(CASE WHEN a.metric = '{OVERDUE}' THEN a.subtree END), 0),
                coalesce(max(CASE WHEN a.metric = '{MARKED}' THEN a.subtree END), 0),
                coalesce(max(CASE WHEN a.metric = '{PRESENT}' THEN a.subtree END), 0)
         FROM units u LEFT JOIN unit_aggregates a ON a.unit_id = u.id
              AND a.metric IN ('{EXPECTED}', '{OVERDUE}', '{MARKED}', '{PRESENT}')
         WHERE (u.id = $1 OR (u.parent_id = $1 AND u.closed_at IS NULL)) AND {}
         GROUP BY u.id, u.name
         ORDER BY CASE WHEN u.id = $1 THEN 0 ELSE 1 END, u.name, u.id",
        unit_condition(scope, "u.id")
    );
    let rows: Vec<(i64, String, i64, i64, i64, i64)> =
        on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(unit_id)
            .fetch_all(&mut *e)
            .await)?;
    Ok(rows
        .into_iter()
        .map(
            |(unit_id, name, expected, overdue, marked, present)| RegularityRow {
                unit_id,
                name,
                expected,
                overdue,
                marked,
                present,
            },
        )
        .collect())
}

/// Counter family: Meetings expected of each unit and those overdue; a unit that ends is no longer expected to meet.
pub const COUNTERS: crate::aggregates::CounterFamily = crate::aggregates::CounterFamily {
    name: "meetings",
    metrics: &["meetings."],
    follows_rows: false,
    recompute_sql: "SELECT c.ancestor_id, 'meetings.expected',
                sum(CASE WHEN g.unit_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
         FROM meeting_regularity g JOIN unit_closure c ON c.descendant_id = g.unit_id
         GROUP BY c.ancestor_id
         UNION ALL
         SELECT c.ancestor_id, 'meetings.overdue',
                sum(CASE WHEN g.unit_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
         FROM meeting_regularity g JOIN unit_closure c ON c.descendant_id = g.unit_id
         WHERE g.overdue = 1
         GROUP BY c.ancestor_id",
};

/// A unit that ends is no longer expected to meet.
pub const UNIT_END: crate::lifecycle::UnitEndHook = crate::lifecycle::UnitEndHook {
    feature: "meetings",
    run: |tx, ending, _successor, _now| Box::pin(untrack_unit(tx, ending)),
};
