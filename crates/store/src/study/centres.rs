//! Learning centres: places a unit runs for study, with sessions on dates
//! and, once a session is held, how many attended (a count, no names).
//! Counted at the centre's unit: centres open (`learning.centres`),
//! sessions held with their attendance recorded (`learning.sessions`) and
//! the attendance summed (`learning.attendance`).

use chrono::{DateTime, Utc};
use grassroots_core::{Capability, Manage, Scope, UnitId};
use serde::Serialize;

use crate::tree::unit_condition;
use crate::{DbConn, StoreError, StoreResult, Tx, aggregates, on_ex};

/// Metric: open learning centres.
pub const CENTRES: &str = "learning.centres";
/// Metric: sessions held whose attendance is recorded.
pub const SESSIONS: &str = "learning.sessions";
/// Metric: people who attended them, summed.
pub const ATTENDANCE: &str = "learning.attendance";

/// A learning centre with what its sessions add up to.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Centre {
    /// Identifier.
    pub id: i64,
    /// The unit that runs it.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// The centre's name.
    pub name: String,
    /// Where it is.
    pub place: String,
    /// When it meets, as the unit puts it (e.g. "Tuesdays 18:00").
    pub schedule: String,
    /// When it closed, if it did.
    pub closed_on: Option<String>,
    /// Sessions held with their attendance recorded.
    pub sessions_held: i64,
    /// Their attendance, summed.
    pub attendance: i64,
}

const SELECT: &str = "SELECT l.id, l.unit_id, u.name AS unit_name, l.name, l.place, l.schedule,
        l.closed_on,
        (SELECT count(*) FROM learning_sessions s WHERE s.centre_id = l.id
           AND s.attendance IS NOT NULL) AS sessions_held,
        (SELECT CAST(coalesce(sum(s.attendance), 0) AS BIGINT) FROM learning_sessions s
          WHERE s.centre_id = l.id) AS attendance
     FROM learning_centres l JOIN units u ON u.id = l.unit_id";

/// Opens a centre at `unit_id` (Manage there); returns its id.
pub async fn create(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    unit_id: UnitId,
    (name, place, schedule): (&str, &str, &str),
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    crate::tree::require_in(tx, scope, unit_id).await?;
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO learning_centres (unit_id, name, place, schedule, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
    )
    .bind(unit_id)
    .bind(name)
    .bind(place)
    .bind(schedule)
    .bind(now)
    .bind(actor)
    .fetch_one(&mut *e)
    .await)?;
    aggregates::add(tx, unit_id, CENTRES, 1).await?;
    Ok(id)
}

/// One centre, when its unit is in `scope`.
pub async fn get<C: Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    id: i64,
) -> StoreResult<Centre> {
    let sql = format!(
        "{SELECT} WHERE l.id = $1 AND {}",
        unit_condition(scope, "l.unit_id")
    );
    on_ex!(c, |e| sqlx::query_as::<_, Centre>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// The centres a unit runs, open ones first, by name (the caller read
/// the unit).
pub async fn of_unit(c: &mut impl DbConn, unit_id: UnitId) -> StoreResult<Vec<Centre>> {
    let sql = format!(
        "{SELECT} WHERE l.unit_id = $1 ORDER BY l.closed_on IS NOT NULL, l.name, l.id LIMIT 200"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Centre>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Closes an open centre (the caller read it under Manage); its sessions
/// stay as history.
pub async fn close(tx: &mut Tx, centre: &Centre, on: &str) -> StoreResult<()> {
    if centre.closed_on.is_some() {
        return Ok(());
    }
    let closed = on_ex!(tx, |e| sqlx::query(
        "UPDATE learning_centres SET closed_on = $2 WHERE id = $1 AND closed_on IS NULL"
    )
    .bind(centre.id)
    .bind(on)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    if closed == 0 {
        return Ok(());
    }
    aggregates::add(tx, centre.unit_id, CENTRES, -1).await
}

/// A session of a centre.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Session {
    /// Identifier.
    pub id: i64,
    /// The centre.
    pub centre_id: i64,
    /// The day (YYYY-MM-DD).
    pub held_on: String,
    /// Its starting time (HH:MM), or empty.
    pub starts_at: String,
    /// What it takes up.
    pub topic: String,
    /// How many attended; none until recorded.
    pub attendance: Option<i64>,
}

/// Plans a session of a centre (the caller read it under Manage).
pub async fn plan(
    tx: &mut Tx,
    centre_id: i64,
    (held_on, starts_at, topic): (&str, &str, &str),
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    Ok(on_ex!(tx, |e| {
        sqlx::query_scalar(
        "INSERT INTO learning_sessions (centre_id, held_on, starts_at, topic, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
    )
    .bind(centre_id)
    .bind(held_on)
    .bind(starts_at)
    .bind(topic)
    .bind(now)
    .bind(actor)
    .fetch_one(&mut *e)
    .await
    })?)
}

/// One session, when its centre's unit is in `scope`.
pub async fn session<C: Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    id: i64,
) -> StoreResult<(Session, UnitId)> {
    let sql = format!(
        "SELECT s.id, s.centre_id, s.held_on, s.starts_at, s.topic, s.attendance, l.unit_id
         FROM learning_sessions s JOIN learning_centres l ON l.id = s.centre_id
         WHERE s.id = $1 AND {}",
        unit_condition(scope, "l.unit_id")
    );
    type Row = (i64, i64, String, String, String, Option<i64>, i64);
    let row: Option<Row> = on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(&mut *e)
        .await)?;
    let (id, centre_id, held_on, starts_at, topic, attendance, unit) =
        row.ok_or(StoreError::NotFound)?;
    Ok((
        Session {
            id,
            centre_id,
            held_on,
            starts_at,
            topic,
            attendance,
        },
        unit,
    ))
}

/// Records (or corrects) how many attended a held session of a centre of
/// `unit_id`, and counts the change.
pub async fn record_attendance(
    tx: &mut Tx,
    session: &Session,
    unit_id: UnitId,
    count: i64,
) -> StoreResult<()> {
    // Changed only from the value read, so that two corrections at once
    // never count from the same old value.
    let changed = on_ex!(tx, |e| sqlx::query(
        "UPDATE learning_sessions SET attendance = $2
         WHERE id = $1 AND attendance IS NOT DISTINCT FROM $3"
    )
    .bind(session.id)
    .bind(count)
    .bind(session.attendance)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    if changed == 0 {
        return Err(StoreError::Conflict {
            field: "attendance",
        });
    }
    let mut deltas = vec![(
        ATTENDANCE.to_string(),
        count - session.attendance.unwrap_or(0),
    )];
    if session.attendance.is_none() {
        deltas.push((SESSIONS.to_string(), 1));
    }
    aggregates::add_many(tx, unit_id, &deltas).await
}

/// A centre's sessions, the latest first (at most 200).
pub async fn sessions(c: &mut impl DbConn, centre_id: i64) -> StoreResult<Vec<Session>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Session>(
        "SELECT id, centre_id, held_on, starts_at, topic, attendance FROM learning_sessions
         WHERE centre_id = $1 ORDER BY held_on DESC, starts_at DESC, id DESC LIMIT 200"
    )
    .bind(centre_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Counter family: learning centres open, sessions held with attendance,
/// attendance summed, at the centre's unit; history that stays with it.
pub const COUNTERS: aggregates::CounterFamily = aggregates::CounterFamily {
    name: "learning",
    metrics: &["learning."],
    follows_rows: false,
    recompute_sql: "SELECT c.ancestor_id, m.metric,
                CAST(sum(CASE WHEN m.unit_id = c.ancestor_id THEN m.n ELSE 0 END) AS BIGINT),
                CAST(sum(m.n) AS BIGINT)
         FROM (SELECT l.unit_id, 'learning.centres' AS metric, count(*) AS n
               FROM learning_centres l WHERE l.closed_on IS NULL GROUP BY l.unit_id
               UNION ALL
               SELECT l.unit_id, 'learning.sessions', count(*)
               FROM learning_sessions s JOIN learning_centres l ON l.id = s.centre_id
               WHERE s.attendance IS NOT NULL GROUP BY l.unit_id
               UNION ALL
               SELECT l.unit_id, 'learning.attendance', sum(s.attendance)
               FROM learning_sessions s JOIN learning_centres l ON l.id = s.centre_id
               WHERE s.attendance IS NOT NULL GROUP BY l.unit_id) m
         JOIN unit_closure c ON c.descendant_id = m.unit_id
         GROUP BY c.ancestor_id, m.metric",
};

/// When a unit ends, its open centres close that day (their sessions stay
/// as the ended unit's history, as its counts do).
pub const UNIT_END: crate::lifecycle::UnitEndHook = crate::lifecycle::UnitEndHook {
    feature: "learning_centres",
    run: |tx, ending, _successor, now| {
        Box::pin(async move {
            let closed = on_ex!(tx, |e| {
                sqlx::query(
                "UPDATE learning_centres SET closed_on = $2 WHERE unit_id = $1 AND closed_on IS NULL"
            )
            .bind(ending)
            .bind(now.date_naive().to_string())
            .execute(&mut *e)
            .await
            .map(|r| r.rows_affected())
            })?;
            if closed > 0 {
                aggregates::add(tx, ending, CENTRES, -(closed as i64)).await?;
            }
            Ok(())
        })
    },
};
