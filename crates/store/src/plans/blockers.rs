//! Blockers: obstacles raised by a unit (often with a check-in), with an
//! owner and a deadline. One left open past its deadline escalates to the
//! parent unit, and on upward while it stays open; the counters
//! `blockers.*` in the aggregates follow it, so open blockers, their mean
//! age and the time to resolve are row reads for any subtree.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use grassroots_core::{Capability, Edit, Read, Scope, UnitId};
use serde::Serialize;

use crate::aggregates::{
    BLOCKERS_OPEN, BLOCKERS_OPEN_DAYS, BLOCKERS_RESOLVE_HOURS, BLOCKERS_RESOLVED,
};
use crate::plans::ymd;
use crate::tree::unit_condition;
use crate::{DbConn, StoreError, StoreResult, Tx, aggregates, on_ex};

/// A blocker.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Blocker {
    /// Identifier.
    pub id: i64,
    /// Unit that raised it.
    pub origin_unit_id: i64,
    /// Unit responsible now (the origin, or above after escalation).
    pub unit_id: i64,
    /// Target it holds up, if any.
    pub target_id: Option<i64>,
    /// What is in the way.
    pub title: String,
    /// Person expected to remove it.
    pub owner_person_id: Option<i64>,
    /// Day by which it must be resolved (moved on at each escalation).
    pub deadline_on: String,
    /// When raised.
    pub opened_at: DateTime<Utc>,
    /// By whom.
    pub opened_by: String,
    /// How many times it went up.
    pub escalations: i64,
    /// When resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// By whom.
    pub resolved_by: Option<String>,
    /// How.
    pub resolution: Option<String>,
}

const COLUMNS: &str = "b.id, b.origin_unit_id, b.unit_id, b.target_id, b.title, \
     b.owner_person_id, b.deadline_on, b.opened_at, b.opened_by, b.escalations, \
     b.resolved_at, b.resolved_by, b.resolution";

fn epoch_day(d: NaiveDate) -> i64 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days()
}

/// A new blocker, validated by the caller.
pub struct NewBlocker<'a> {
    /// Unit raising it.
    pub unit_id: UnitId,
    /// Target it holds up.
    pub target_id: Option<i64>,
    /// What is in the way.
    pub title: &'a str,
    /// Person to remove it (of the unit's subtree).
    pub owner_person_id: Option<i64>,
    /// Deadline.
    pub deadline_on: NaiveDate,
}

/// Raises a blocker in a unit of `scope` and counts it.
pub async fn open(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    new: &NewBlocker<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<Blocker> {
    let allowed = crate::tree::in_scope(tx, scope, new.unit_id).await?;
    open_checked(tx, allowed, new, actor, now).await
}

/// Raises a blocker on a target the writer owns (the caller read the
/// target through [`crate::plans::get_owned_target`]).
pub async fn open_on_owned_target(
    tx: &mut Tx,
    target: &crate::plans::Target,
    new: &NewBlocker<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<Blocker> {
    let ok = new.unit_id == target.unit_id && new.target_id == Some(target.id);
    open_checked(tx, ok, new, actor, now).await
}

async fn open_checked(
    tx: &mut Tx,
    allowed: bool,
    new: &NewBlocker<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<Blocker> {
    if !allowed {
        return Err(StoreError::NotFound);
    }
    if let Some(person) = new.owner_person_id {
        let inside: i64 = on_ex!(tx, |e| sqlx::query_scalar(
            "SELECT count(*) FROM people p JOIN unit_closure c ON c.descendant_id = p.unit_id
             WHERE p.id = $1 AND c.ancestor_id = $2"
        )
        .bind(person)
        .bind(new.unit_id)
        .fetch_one(&mut *e)
        .await)?;
        if inside == 0 {
            return Err(StoreError::Conflict {
                field: "owner_person_id",
            });
        }
    }
    let opened_day = epoch_day(now.date_naive());
    let sql = format!(
        "INSERT INTO blockers (origin_unit_id, unit_id, target_id, title, owner_person_id,
             deadline_on, opened_day, opened_at, opened_by)
         VALUES ($1, $1, $2, $3, $4, $5, $6, $7, $8) RETURNING {}",
        COLUMNS.replace("b.", "")
    );
    let blocker = on_ex!(tx, |e| sqlx::query_as::<_, Blocker>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(new.unit_id)
    .bind(new.target_id)
    .bind(new.title)
    .bind(new.owner_person_id)
    .bind(ymd(new.deadline_on))
    .bind(opened_day)
    .bind(now)
    .bind(actor)
    .fetch_one(&mut *e)
    .await)?;
    aggregates::add_many(
        tx,
        new.unit_id,
        &[
            (BLOCKERS_OPEN.to_string(), 1),
            (BLOCKERS_OPEN_DAYS.to_string(), opened_day),
        ],
    )
    .await?;
    Ok(blocker)
}

/// Raises many blockers without owners, in units the caller has checked
/// against its scope (a plan load), and counts them; returns their ids in
/// the order given.
pub(crate) async fn open_many_checked(
    tx: &mut Tx,
    rows: &[NewBlocker<'_>],
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<Vec<i64>> {
    if rows.iter().any(|r| r.owner_person_id.is_some()) {
        return Err(StoreError::Conflict {
            field: "owner_person_id",
        });
    }
    let opened_day = epoch_day(now.date_naive());
    let ids = match tx {
        Tx::Sqlite(t) => {
            let at = crate::sqlite_direct::timestamp(now);
            crate::sqlite_direct::run_in_tx(t, |c| {
                let mut insert = c.prepare_cached(
                    "INSERT INTO blockers (origin_unit_id, unit_id, target_id, title,
                         deadline_on, opened_day, opened_at, opened_by)
                     VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?;
                rows.iter()
                    .map(|r| {
                        insert.execute(rusqlite::params![
                            r.unit_id,
                            r.target_id,
                            r.title,
                            ymd(r.deadline_on),
                            opened_day,
                            at,
                            actor
                        ])?;
                        Ok(c.last_insert_rowid())
                    })
                    .collect::<rusqlite::Result<Vec<i64>>>()
            })
            .await?
        }
        Tx::Postgres(t) => {
            let ids = crate::db::reserve_ids(t, "blockers", rows.len()).await?;
            for (chunk, chunk_ids) in rows
                .chunks(crate::db::PG_ROWS)
                .zip(ids.chunks(crate::db::PG_ROWS))
            {
                sqlx::query(
                    "INSERT INTO blockers (id, origin_unit_id, unit_id, target_id, title,
                         deadline_on, opened_day, opened_at, opened_by)
                     SELECT v.id, v.unit_id, v.unit_id, v.target_id, v.title, v.deadline_on,
                            $6, $7, $8
                     FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[])
                          AS v (id, unit_id, target_id, title, deadline_on)",
                )
                .bind(chunk_ids)
                .bind(chunk.iter().map(|r| r.unit_id).collect::<Vec<_>>())
                .bind(chunk.iter().map(|r| r.target_id).collect::<Vec<_>>())
                .bind(chunk.iter().map(|r| r.title).collect::<Vec<_>>())
                .bind(chunk.iter().map(|r| ymd(r.deadline_on)).collect::<Vec<_>>())
                .bind(opened_day)
                .bind(now)
                .bind(actor)
                .execute(&mut **t)
                .await?;
            }
            ids
        }
    };
    let deltas: Vec<(UnitId, &str, i64)> = rows
        .iter()
        .flat_map(|r| {
            [
                (r.unit_id, BLOCKERS_OPEN, 1),
                (r.unit_id, BLOCKERS_OPEN_DAYS, opened_day),
            ]
        })
        .collect();
    aggregates::add_bulk(tx, &deltas).await?;
    Ok(ids)
}

/// A blocker whose current or originating unit lies in `scope`.
pub async fn get<C: Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    id: i64,
) -> StoreResult<Blocker> {
    let sql = format!(
        "SELECT {COLUMNS} FROM blockers b WHERE b.id = $1 AND ({} OR {})",
        unit_condition(scope, "b.unit_id"),
        unit_condition(scope, "b.origin_unit_id")
    );
    on_ex!(c, |e| sqlx::query_as::<_, Blocker>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// A blocker assigned to the person `person_id`.
pub async fn get_owned(c: &mut impl DbConn, person_id: i64, id: i64) -> StoreResult<Blocker> {
    let sql =
        format!("SELECT {COLUMNS} FROM blockers b WHERE b.id = $1 AND b.owner_person_id = $2");
    on_ex!(c, |e| sqlx::query_as::<_, Blocker>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .bind(person_id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

async fn lock(tx: &mut Tx, id: i64) -> StoreResult<Blocker> {
    // The counters lock first, as every row lock before a count.
    crate::aggregates::serialize_counters(tx).await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM blockers b WHERE b.id = $1{}",
        tx.for_update()
    );
    on_ex!(tx, |e| sqlx::query_as::<_, Blocker>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// Resolves a blocker (read through a scoped getter); returns `false` when
/// it was already resolved.
pub async fn resolve(
    tx: &mut Tx,
    blocker: &Blocker,
    resolution: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let b = lock(tx, blocker.id).await?;
    if b.resolved_at.is_some() {
        return Ok(false);
    }
    let hours = (now - b.opened_at).num_hours().max(0);
    on_ex!(tx, |e| {
        sqlx::query(
        "UPDATE blockers SET resolved_at = $2, resolved_by = $3, resolution = $4, resolve_hours = $5
         WHERE id = $1"
    )
    .bind(b.id)
    .bind(now)
    .bind(actor)
    .bind(resolution)
    .bind(hours)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected())
    })?;
    let opened_day = epoch_day(b.opened_at.date_naive());
    aggregates::add_many(
        tx,
        b.unit_id,
        &[
            (BLOCKERS_OPEN.to_string(), -1),
            (BLOCKERS_OPEN_DAYS.to_string(), -opened_day),
            (BLOCKERS_RESOLVED.to_string(), 1),
            (BLOCKERS_RESOLVE_HOURS.to_string(), hours),
        ],
    )
    .await?;
    Ok(true)
}

/// Open blockers past their deadline on `today` whose unit has a parent,
/// at most `limit`.
pub async fn due_for_escalation(
    c: &mut impl DbConn,
    today: NaiveDate,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT b.id FROM blockers b JOIN units u ON u.id = b.unit_id
         WHERE b.resolved_at IS NULL AND b.deadline_on < $1 AND u.parent_id IS NOT NULL
         ORDER BY b.deadline_on, b.id LIMIT $2"
    )
    .bind(ymd(today))
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// Escalates one blocker to the parent of its unit if it is still open and
/// past its deadline, giving the parent `grace_days` from today. Returns
/// the unit it went to. The row lock (PostgreSQL) or the write lock
/// (SQLite) and the step's primary key make each step happen once, however
/// many servers run the job.
pub async fn escalate(
    tx: &mut Tx,
    id: i64,
    today: NaiveDate,
    grace_days: i64,
    now: DateTime<Utc>,
) -> StoreResult<Option<UnitId>> {
    let b = lock(tx, id).await?;
    if b.resolved_at.is_some() || b.deadline_on.as_str() >= ymd(today).as_str() {
        return Ok(None);
    }
    let parent: Option<i64> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT parent_id FROM units WHERE id = $1"
    )
    .bind(b.unit_id)
    .fetch_one(&mut *e)
    .await)?;
    let Some(parent) = parent else {
        return Ok(None);
    };
    on_ex!(tx, |e| sqlx::query(
        "INSERT INTO blocker_escalations (blocker_id, step, from_unit_id, to_unit_id, escalated_at)
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(b.id)
    .bind(b.escalations + 1)
    .bind(b.unit_id)
    .bind(parent)
    .bind(now)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE blockers SET unit_id = $2, escalations = escalations + 1, deadline_on = $3
         WHERE id = $1"
    )
    .bind(b.id)
    .bind(parent)
    .bind(ymd(today + Duration::days(grace_days)))
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    let opened_day = epoch_day(b.opened_at.date_naive());
    aggregates::add_many(
        tx,
        b.unit_id,
        &[
            (BLOCKERS_OPEN.to_string(), -1),
            (BLOCKERS_OPEN_DAYS.to_string(), -opened_day),
        ],
    )
    .await?;
    aggregates::add_many(
        tx,
        parent,
        &[
            (BLOCKERS_OPEN.to_string(), 1),
            (BLOCKERS_OPEN_DAYS.to_string(), opened_day),
        ],
    )
    .await?;
    Ok(Some(parent))
}

/// Escalation steps of a blocker: (step, from, to, when).
pub async fn escalations_of(
    c: &mut impl DbConn,
    id: i64,
) -> StoreResult<Vec<(i64, i64, i64, DateTime<Utc>)>> {
    Ok(on_ex!(c, |e| sqlx::query_as(
        "SELECT step, from_unit_id, to_unit_id, escalated_at FROM blocker_escalations
         WHERE blocker_id = $1 ORDER BY step"
    )
    .bind(id)
    .fetch_all(&mut *e)
    .await)?)
}

/// A blocker with the names of its units.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct BlockerListing {
    /// The blocker.
    #[sqlx(flatten)]
    pub blocker: Blocker,
    /// Name of the unit responsible now.
    pub unit_name: String,
    /// Name of the unit that raised it.
    pub origin_name: String,
}

/// Open blockers now held in `unit_id`'s subtree (inside `scope`), oldest
/// first, at most `limit`.
pub async fn open_in_subtree(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    limit: i64,
) -> StoreResult<Vec<BlockerListing>> {
    let counts = aggregates::of_unit(c, scope, unit_id).await?;
    if counts.get(BLOCKERS_OPEN).is_none_or(|v| v.1 <= 0) {
        return Ok(Vec::new());
    }
    // A small subtree is walked; in a large one the open blockers are
    // taken oldest first and kept when below the unit (an index probe
    // each) until the page is full.
    let walk = counts.get(aggregates::UNITS).map_or(0, |v| v.1) <= crate::plans::WALK_UP_TO_UNITS;
    open_in_subtree_by(c, scope, unit_id, limit, walk).await
}

/// [`open_in_subtree`] with the query plan chosen by the caller (both
/// give the same rows; the tests compare them).
pub async fn open_in_subtree_by(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    limit: i64,
    walk: bool,
) -> StoreResult<Vec<BlockerListing>> {
    let from = if walk {
        "unit_closure c JOIN blockers b ON b.unit_id = c.descendant_id
         JOIN units u ON u.id = b.unit_id JOIN units o ON o.id = b.origin_unit_id
         WHERE c.ancestor_id = $1"
    } else {
        "blockers b JOIN units u ON u.id = b.unit_id JOIN units o ON o.id = b.origin_unit_id
         WHERE EXISTS (SELECT 1 FROM unit_closure c
                       WHERE c.descendant_id = b.unit_id AND c.ancestor_id = $1)"
    };
    let inside = crate::tree::condition_below(c, scope, unit_id, "b.unit_id").await?;
    let sql = format!(
        "SELECT {COLUMNS}, u.name AS unit_name, o.name AS origin_name
         FROM {from} AND b.resolved_at IS NULL AND {inside}
         ORDER BY b.opened_at, b.id LIMIT $2"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, BlockerListing>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// Blockers of a target (open first).
pub async fn of_target(c: &mut impl DbConn, target_id: i64) -> StoreResult<Vec<BlockerListing>> {
    let sql = format!(
        "SELECT {COLUMNS}, u.name AS unit_name, o.name AS origin_name
         FROM blockers b JOIN units u ON u.id = b.unit_id JOIN units o ON o.id = b.origin_unit_id
         WHERE b.target_id = $1
         ORDER BY CASE WHEN b.resolved_at IS NULL THEN 0 ELSE 1 END, b.opened_at DESC LIMIT 100"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, BlockerListing>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(target_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Open blockers assigned to a person, oldest first.
pub async fn assigned_to(c: &mut impl DbConn, person_id: i64) -> StoreResult<Vec<BlockerListing>> {
    let sql = format!(
        "SELECT {COLUMNS}, u.name AS unit_name, o.name AS origin_name
         FROM blockers b JOIN units u ON u.id = b.unit_id JOIN units o ON o.id = b.origin_unit_id
         WHERE b.owner_person_id = $1 AND b.resolved_at IS NULL
         ORDER BY b.opened_at LIMIT 200"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, BlockerListing>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(person_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Counter family: Open and resolved blockers, with their ages; they follow their plans.
pub const COUNTERS: crate::aggregates::CounterFamily = crate::aggregates::CounterFamily {
    name: "blockers",
    metrics: &["blockers."],
    follows_rows: true,
    recompute_sql: "SELECT c.ancestor_id, 'blockers.open',
                sum(CASE WHEN b.unit_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
         FROM blockers b JOIN unit_closure c ON c.descendant_id = b.unit_id
         WHERE b.resolved_at IS NULL GROUP BY c.ancestor_id
         UNION ALL
         SELECT c.ancestor_id, 'blockers.open_days',
                CAST(sum(CASE WHEN b.unit_id = c.ancestor_id THEN b.opened_day ELSE 0 END) AS BIGINT),
                CAST(sum(b.opened_day) AS BIGINT)
         FROM blockers b JOIN unit_closure c ON c.descendant_id = b.unit_id
         WHERE b.resolved_at IS NULL GROUP BY c.ancestor_id
         UNION ALL
         SELECT c.ancestor_id, 'blockers.resolved',
                sum(CASE WHEN b.unit_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
         FROM blockers b JOIN unit_closure c ON c.descendant_id = b.unit_id
         WHERE b.resolved_at IS NOT NULL GROUP BY c.ancestor_id
         UNION ALL
         SELECT c.ancestor_id, 'blockers.resolve_hours',
                CAST(sum(CASE WHEN b.unit_id = c.ancestor_id THEN b.resolve_hours ELSE 0 END) AS BIGINT),
                CAST(sum(b.resolve_hours) AS BIGINT)
         FROM blockers b JOIN unit_closure c ON c.descendant_id = b.unit_id
         WHERE b.resolved_at IS NOT NULL GROUP BY c.ancestor_id",
};
