//! Positions held by people in units, with start and end dates. Three
//! position types carry a `lead` role (party, administrative, technical):
//! together they are the unit's lead trio, and each has at most one
//! current holder per unit.

use chrono::{DateTime, Utc};
use grassroots_core::{Manage, Read, Scope, UnitId};
use serde::Serialize;

use crate::aggregates;
use crate::tree::unit_condition;
use crate::{DbConn, StoreError, StoreResult, Tx, on_ex};

/// Metric of positions currently held.
pub const CURRENT: &str = "positions.current";
/// Metric: lead seats (party, administrative, technical) without a holder
/// in open primary units.
pub const SEATS_VACANT: &str = "seats.vacant";

/// Counts position `id` as held (`sign` = 1) or no longer held (-1): the
/// held-positions counter, and the vacant lead seats of a primary unit.
pub(crate) async fn count_held(tx: &mut Tx, id: i64, sign: i64) -> StoreResult<()> {
    let (unit, seat): (i64, i64) = on_ex!(tx, |e| sqlx::query_as(
        "SELECT p.unit_id,
                CAST(CASE WHEN t.lead IS NOT NULL AND l.kind = 'primary' AND u.closed_at IS NULL
                     THEN 1 ELSE 0 END AS BIGINT)
         FROM positions p JOIN position_types t ON t.id = p.position_type_id
         JOIN units u ON u.id = p.unit_id LEFT JOIN unit_levels l ON l.key = u.level
         WHERE p.id = $1"
    )
    .bind(id)
    .fetch_one(&mut *e)
    .await)?;
    aggregates::add(tx, unit, CURRENT, sign).await?;
    if seat == 1 {
        aggregates::add(tx, unit, SEATS_VACANT, -sign).await?;
    }
    Ok(())
}

/// Ends the term of position `id` on `ended_on` and takes it off the
/// counters. The caller has checked that it is current.
pub(crate) async fn end_term(tx: &mut Tx, id: i64, ended_on: &str) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE positions SET ended_on = $1 WHERE id = $2"
    )
    .bind(ended_on)
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    count_held(tx, id, -1).await
}

/// Ends, on `ended_on`, the current positions of `person_id` in units that
/// do not contain `unit_id` (the person's new unit); returns how many.
pub(crate) async fn end_outside(
    tx: &mut Tx,
    person_id: i64,
    unit_id: UnitId,
    ended_on: &str,
) -> StoreResult<u64> {
    let ending: Vec<i64> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT id FROM positions
         WHERE person_id = $1 AND ended_on IS NULL
           AND unit_id NOT IN (SELECT ancestor_id FROM unit_closure WHERE descendant_id = $2)"
    )
    .bind(person_id)
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?;
    for id in &ending {
        end_term(tx, *id, ended_on).await?;
    }
    Ok(ending.len() as u64)
}

/// Lead seats of unit `id` without a current holder.
pub(crate) async fn open_seats(tx: &mut Tx, id: UnitId) -> StoreResult<i64> {
    Ok(on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM position_types WHERE lead IS NOT NULL)
              - (SELECT count(*) FROM positions p JOIN position_types t ON t.id = p.position_type_id
                 WHERE p.unit_id = $1 AND p.ended_on IS NULL AND t.lead IS NOT NULL)"
    )
    .bind(id)
    .fetch_one(&mut *e)
    .await)?)
}

/// A configurable position type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PositionType {
    /// Identifier.
    pub id: i64,
    /// Stable key (`secretary`, `cell_secretary`, …).
    pub key: String,
    /// Display name in the organization's language.
    pub name: String,
    /// `party`, `administrative` or `technical` for the lead trio.
    pub lead: Option<String>,
    /// Display order.
    pub sort: i32,
}

/// A position held (or once held) by a person in a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Position {
    /// Identifier.
    pub id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Unit name.
    pub unit_name: String,
    /// Position type.
    pub position_type_id: i64,
    /// Its key.
    pub type_key: String,
    /// Its name.
    pub type_name: String,
    /// Lead role of the type, if any.
    pub lead: Option<String>,
    /// Holder.
    pub person_id: i64,
    /// Holder's name.
    pub person_name: String,
    /// First day (YYYY-MM-DD).
    pub started_on: String,
    /// Last day, if the term ended.
    pub ended_on: Option<String>,
}

const SELECT: &str = "SELECT p.id, p.unit_id, u.name AS unit_name, p.position_type_id, t.key AS type_key,
        t.name AS type_name, t.lead, p.person_id, pe.full_name AS person_name, p.started_on, p.ended_on
     FROM positions p
     JOIN units u ON u.id = p.unit_id
     JOIN position_types t ON t.id = p.position_type_id
     JOIN people pe ON pe.id = p.person_id";

/// Every position type, in display order.
pub async fn types(c: &mut impl DbConn) -> StoreResult<Vec<PositionType>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, PositionType>(
        "SELECT id, key, name, lead, sort FROM position_types ORDER BY sort, id"
    )
    .fetch_all(&mut *e)
    .await)?)
}

async fn get_any(c: &mut impl DbConn, scope_sql: &str, id: i64) -> StoreResult<Position> {
    let sql = format!("{SELECT} WHERE p.id = $1 AND {scope_sql}");
    on_ex!(c, |e| sqlx::query_as::<_, Position>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// Appoints `person_id` to a position of type `type_id` in `unit_id`.
/// The unit must lie in `scope`; the person must belong to the unit or a
/// unit below it. A lead position with a current holder, or the same
/// person already holding the same position, is a conflict.
pub async fn assign(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    unit_id: UnitId,
    type_id: i64,
    person_id: i64,
    started_on: &str,
    now: DateTime<Utc>,
) -> StoreResult<Position> {
    if !crate::tree::in_scope(tx, scope, unit_id).await? {
        return Err(StoreError::NotFound);
    }
    let person_ok: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT count(*) FROM people pe JOIN unit_closure c ON c.descendant_id = pe.unit_id
         WHERE pe.id = $1 AND c.ancestor_id = $2"
    )
    .bind(person_id)
    .bind(unit_id)
    .fetch_one(&mut *e)
    .await)?;
    if person_ok == 0 {
        return Err(StoreError::Conflict { field: "person_id" });
    }
    let lead: Option<Option<String>> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT lead FROM position_types WHERE id = $1"
    )
    .bind(type_id)
    .fetch_optional(&mut *e)
    .await)?;
    let Some(lead) = lead else {
        return Err(StoreError::Conflict {
            field: "position_type_id",
        });
    };
    let taken: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT count(*) FROM positions
         WHERE unit_id = $1 AND position_type_id = $2 AND ended_on IS NULL
           AND ($3 OR person_id = $4)"
    )
    .bind(unit_id)
    .bind(type_id)
    .bind(lead.is_some())
    .bind(person_id)
    .fetch_one(&mut *e)
    .await)?;
    if taken > 0 {
        return Err(StoreError::Conflict {
            field: "position_type_id",
        });
    }
    let id: i64 = on_ex!(tx, |e| {
        sqlx::query_scalar(
        "INSERT INTO positions (unit_id, position_type_id, person_id, started_on, ended_on, created_at)
         VALUES ($1, $2, $3, $4, NULL, $5) RETURNING id"
    )
    .bind(unit_id)
    .bind(type_id)
    .bind(person_id)
    .bind(started_on)
    .bind(now)
    .fetch_one(&mut *e)
    .await
    })?;
    count_held(tx, id, 1).await?;
    // A study task for holders of this position reaches the new holder.
    crate::study::resync_person(tx, person_id, &now.date_naive().to_string()).await?;
    get_any(tx, &unit_condition(scope, "p.unit_id"), id).await
}

/// One appointment for [`assign_many`].
pub struct NewPosition<'a> {
    /// Unit.
    pub unit_id: UnitId,
    /// Position type.
    pub position_type_id: i64,
    /// Person appointed.
    pub person_id: i64,
    /// First day of the term.
    pub started_on: &'a str,
}

/// Makes several appointments as [`assign`] would one by one (the same
/// checks, the same counters), in a few statements: bulk loads.
pub async fn assign_many(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    rows: &[NewPosition<'_>],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    use std::collections::{HashMap, HashSet};
    if rows.is_empty() {
        return Ok(());
    }
    let units: Vec<UnitId> = rows.iter().map(|r| r.unit_id).collect();
    if !crate::tree::all_in_scope(tx, scope, &units).await? {
        return Err(StoreError::NotFound);
    }
    // Each person belongs to the unit or a unit below it (one closure
    // row at most per pair).
    for chunk in rows.chunks(500) {
        let pairs = chunk
            .iter()
            .map(|r| format!("({}, {})", r.person_id, r.unit_id))
            .collect::<Vec<_>>()
            .join(", ");
        let found: i64 = on_ex!(tx, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM (VALUES {pairs}) AS v
             JOIN people pe ON pe.id = v.column1
             JOIN unit_closure c ON c.descendant_id = pe.unit_id AND c.ancestor_id = v.column2"
        )))
        .fetch_one(&mut *e)
        .await)?;
        if found != chunk.len() as i64 {
            return Err(StoreError::Conflict { field: "person_id" });
        }
    }
    let leads: HashMap<i64, bool> = on_ex!(tx, |e| sqlx::query_as::<_, (i64, bool)>(
        "SELECT id, lead IS NOT NULL FROM position_types"
    )
    .fetch_all(&mut *e)
    .await)?
    .into_iter()
    .collect();
    // Seats already taken, in the database and earlier in the batch.
    let mut distinct = units.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let mut held: HashSet<(UnitId, i64, Option<i64>)> = HashSet::new();
    let mut primary_open: HashSet<UnitId> = HashSet::new();
    for chunk in distinct.chunks(500) {
        let list = crate::tree::join(chunk);
        let current: Vec<(UnitId, i64, i64)> =
            on_ex!(tx, |e| sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT unit_id, position_type_id, person_id FROM positions
                 WHERE ended_on IS NULL AND unit_id IN ({list})"
            )))
            .fetch_all(&mut *e)
            .await)?;
        for (unit, kind, person) in current {
            held.insert((unit, kind, None));
            held.insert((unit, kind, Some(person)));
        }
        let primaries: Vec<UnitId> =
            on_ex!(tx, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT u.id FROM units u JOIN unit_levels l ON l.key = u.level
                 WHERE u.id IN ({list}) AND l.kind = 'primary' AND u.closed_at IS NULL"
            )))
            .fetch_all(&mut *e)
            .await)?;
        primary_open.extend(primaries);
    }
    let mut deltas: Vec<(UnitId, &str, i64)> = Vec::new();
    for r in rows {
        let Some(lead) = leads.get(&r.position_type_id) else {
            return Err(StoreError::Conflict {
                field: "position_type_id",
            });
        };
        let key = (
            r.unit_id,
            r.position_type_id,
            (!lead).then_some(r.person_id),
        );
        if held.contains(&key) {
            return Err(StoreError::Conflict {
                field: "position_type_id",
            });
        }
        held.insert(key);
        held.insert((r.unit_id, r.position_type_id, None));
        deltas.push((r.unit_id, CURRENT, 1));
        if *lead && primary_open.contains(&r.unit_id) {
            deltas.push((r.unit_id, SEATS_VACANT, -1));
        }
    }
    for chunk in rows.chunks(200) {
        let values = crate::db::numbered_rows(chunk.len(), 4, 1, "NULL, $1", '$');
        let sql = format!(
            "INSERT INTO positions (unit_id, position_type_id, person_id, started_on, ended_on, created_at)
             VALUES {values}"
        );
        on_ex!(tx, |e| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(now);
            for r in chunk {
                q = q
                    .bind(r.unit_id)
                    .bind(r.position_type_id)
                    .bind(r.person_id)
                    .bind(r.started_on);
            }
            q.execute(&mut *e).await.map(|r| r.rows_affected())
        })?;
    }
    aggregates::add_bulk(tx, &deltas).await?;
    // A study task for holders of these positions reaches them; a bulk
    // load before any such task asks once.
    let today = now.date_naive().to_string();
    if crate::study::open_narrowed(tx, &today, crate::study::Narrowed::ByPosition).await? {
        let mut people: Vec<i64> = rows.iter().map(|r| r.person_id).collect();
        people.sort_unstable();
        people.dedup();
        for person in people {
            crate::study::resync_person(tx, person, &today).await?;
        }
    }
    Ok(())
}

/// Ends a current position in a unit inside `scope` on `ended_on`;
/// returns it as before and after. A study task open on `today` for
/// holders of the position no longer counts its former holder.
pub async fn end(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    id: i64,
    ended_on: &str,
    today: &str,
) -> StoreResult<(Position, Position)> {
    let before = get_any(tx, &unit_condition(scope, "p.unit_id"), id).await?;
    if before.ended_on.is_some() {
        return Err(StoreError::Conflict { field: "ended_on" });
    }
    if ended_on < before.started_on.as_str() {
        return Err(StoreError::Conflict { field: "ended_on" });
    }
    end_term(tx, id, ended_on).await?;
    crate::study::resync_person(tx, before.person_id, today).await?;
    let after = Position {
        ended_on: Some(ended_on.to_string()),
        ..before.clone()
    };
    Ok((before, after))
}

/// One position, in a unit inside `scope`.
pub async fn get(c: &mut impl DbConn, scope: &Scope<Read>, id: i64) -> StoreResult<Position> {
    get_any(c, &unit_condition(scope, "p.unit_id"), id).await
}

/// Positions of a unit inside `scope`: current ones, or all ("who held
/// what, when"), newest first within each type.
pub async fn of_unit(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    include_past: bool,
) -> StoreResult<Vec<Position>> {
    let sql = format!(
        "{SELECT} WHERE p.unit_id = $1 AND {} AND ($2 OR p.ended_on IS NULL)
         ORDER BY t.sort, p.ended_on IS NOT NULL, p.started_on DESC, p.id DESC",
        unit_condition(scope, "p.unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Position>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .bind(include_past)
    .fetch_all(&mut *e)
    .await)?)
}

/// Positions a person held in units inside `scope`, newest first.
pub async fn of_person(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    person_id: i64,
) -> StoreResult<Vec<Position>> {
    let sql = format!(
        "{SELECT} WHERE p.person_id = $1 AND {} ORDER BY p.started_on DESC, p.id DESC",
        unit_condition(scope, "p.unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Position>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(person_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// A lead position without a current holder.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Vacancy {
    /// Unit.
    pub unit_id: i64,
    /// Unit name.
    pub unit_name: String,
    /// Unit level.
    pub level: String,
    /// The vacant position type.
    pub type_key: String,
    /// Its name.
    pub type_name: String,
}

/// Vacant lead positions in the subtree of `root` (within `scope`), for
/// open units whose level is of kind `primary`, by depth and name, at most
/// `limit`.
pub async fn vacancies(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    root: UnitId,
    limit: i64,
) -> StoreResult<Vec<Vacancy>> {
    // The units with an open seat come from their maintained counter
    // (`seats.vacant`, own), nearest first; each has at least one, so the
    // first `limit` seats lie in the first `limit` of them, and only their
    // seats are looked up instead of every seat of the subtree.
    let sql = format!(
        "SELECT u.id AS unit_id, u.name AS unit_name, u.level, t.key AS type_key, t.name AS type_name
         FROM (SELECT u.id, u.name, u.level, u.depth
               FROM unit_closure c
               JOIN unit_aggregates a ON a.unit_id = c.descendant_id
                    AND a.metric = 'seats.vacant' AND a.own > 0
               JOIN units u ON u.id = c.descendant_id
               WHERE c.ancestor_id = $1 AND u.closed_at IS NULL AND {}
               ORDER BY u.depth, u.name, u.id LIMIT $2) u
         CROSS JOIN position_types t
         WHERE t.lead IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM positions p
                           WHERE p.unit_id = u.id AND p.position_type_id = t.id AND p.ended_on IS NULL)
         ORDER BY u.depth, u.name, u.id, t.sort LIMIT $2",
        unit_condition(scope, "u.id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Vacancy>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(root)
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// Counter family: Positions held; they follow their holders to the unit that takes over.
pub const HELD_COUNTERS: crate::aggregates::CounterFamily = crate::aggregates::CounterFamily {
    name: "positions",
    metrics: &["positions.current"],
    follows_rows: true,
    recompute_sql: "SELECT c.ancestor_id, 'positions.current',
                sum(CASE WHEN p.unit_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
         FROM positions p JOIN unit_closure c ON c.descendant_id = p.unit_id
         WHERE p.ended_on IS NULL
         GROUP BY c.ancestor_id",
};

/// Counter family: Lead seats without a holder in open primary units.
pub const SEAT_COUNTERS: crate::aggregates::CounterFamily = crate::aggregates::CounterFamily {
    name: "seats",
    metrics: &["seats.vacant"],
    follows_rows: false,
    recompute_sql: "SELECT c.ancestor_id, 'seats.vacant',
                CAST(sum(CASE WHEN u.id = c.ancestor_id THEN s.open ELSE 0 END) AS BIGINT),
                CAST(sum(s.open) AS BIGINT)
         FROM (SELECT u.id,
                      (SELECT count(*) FROM position_types WHERE lead IS NOT NULL)
                      - (SELECT count(*) FROM positions p JOIN position_types t ON t.id = p.position_type_id
                         WHERE p.unit_id = u.id AND p.ended_on IS NULL AND t.lead IS NOT NULL) AS open
               FROM units u JOIN unit_levels l ON l.key = u.level
               WHERE l.kind = 'primary' AND u.closed_at IS NULL) s
         JOIN units u ON u.id = s.id
         JOIN unit_closure c ON c.descendant_id = s.id
         GROUP BY c.ancestor_id",
};
