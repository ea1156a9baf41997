//! Commendations conferred on people by a unit, optionally at one of its
//! meetings, and model units designated by a higher unit. A commendation
//! counts (metric `commendations`) at the unit the person belonged to when
//! it was conferred, so a subtree's roll of honour has a maintained count.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use grassroots_core::{Manage, Read, Scope, UnitId};
use serde::Serialize;

use crate::tree::{join, unit_condition};
use crate::{DbConn, StoreError, StoreResult, Tx, aggregates, on_ex};

/// Kinds of commendation.
pub const KINDS: &[&str] = grassroots_core::vocab::CommendationKind::KEYS;

/// Metric: commendations conferred on people of a unit.
pub const METRIC: &str = "commendations";

/// A commendation.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Commendation {
    /// Identifier.
    pub id: i64,
    /// Who received it.
    pub person_id: i64,
    /// Their name.
    pub full_name: String,
    /// The unit they belonged to then.
    pub recipient_unit_id: i64,
    /// Its name.
    pub recipient_unit_name: String,
    /// The conferring unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// The meeting it was conferred at, if any.
    pub meeting_id: Option<i64>,
    /// `citation`, `honorary_title`, `order`, `medal`, `letter_of_thanks`
    /// or `other`.
    pub kind: String,
    /// Its name as conferred (e.g. "Citation of the Central Committee").
    pub title: String,
    /// Why.
    pub reason: String,
    /// When (YYYY-MM-DD).
    pub conferred_on: String,
}

const SELECT: &str =
    "SELECT k.id, k.person_id, p.full_name, k.recipient_unit_id, r.name AS recipient_unit_name,
        k.unit_id, u.name AS unit_name, k.meeting_id, k.kind, k.title, k.reason, k.conferred_on
     FROM commendations k JOIN people p ON p.id = k.person_id
     JOIN units r ON r.id = k.recipient_unit_id JOIN units u ON u.id = k.unit_id";

/// Commendations conferred together.
pub struct NewCommendations<'a> {
    /// Conferring unit.
    pub unit_id: UnitId,
    /// Recipients (people of the unit's subtree; checked by [`outside`]).
    pub person_ids: &'a [i64],
    /// Meeting of the conferring unit, if conferred at one.
    pub meeting_id: Option<i64>,
    /// Kind.
    pub kind: &'a str,
    /// Title.
    pub title: &'a str,
    /// Reason.
    pub reason: &'a str,
    /// Date.
    pub conferred_on: &'a str,
}

/// The ids among `person_ids` that are not people of `unit_id`'s subtree
/// who still belong to the organization.
pub async fn outside(
    c: &mut impl DbConn,
    unit_id: UnitId,
    person_ids: &[i64],
) -> StoreResult<Vec<i64>> {
    let sql = format!(
        "SELECT p.id FROM people p JOIN unit_closure c ON c.descendant_id = p.unit_id
         WHERE c.ancestor_id = $1 AND p.id IN ({})
           AND p.status NOT IN ('left', 'transferred_out')",
        join(person_ids)
    );
    let inside: Vec<i64> = on_ex!(c, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(unit_id)
        .fetch_all(&mut *e)
        .await)?;
    Ok(person_ids
        .iter()
        .copied()
        .filter(|p| !inside.contains(p))
        .collect())
}

/// Confers commendations (the caller checked the recipients with
/// [`outside`]); returns how many were conferred.
pub async fn confer(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    new: &NewCommendations<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    if !crate::tree::in_scope(tx, scope, new.unit_id).await? {
        return Err(StoreError::NotFound);
    }
    // One row per person in the order given, so that ids (and every list
    // ordered by them) keep the order in which they were conferred.
    let rows = new
        .person_ids
        .iter()
        .map(|p| {
            format!(
                "({p}, (SELECT unit_id FROM people WHERE id = {p}), $1, $2, $3, $4, $5, $6, $7, $8)"
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO commendations (person_id, recipient_unit_id, unit_id, meeting_id, kind, title,
                                    reason, conferred_on, created_at, created_by)
         VALUES {rows}
         RETURNING recipient_unit_id"
    );
    let units: Vec<i64> = on_ex!(tx, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(new.unit_id)
    .bind(new.meeting_id)
    .bind(new.kind)
    .bind(new.title)
    .bind(new.reason)
    .bind(new.conferred_on)
    .bind(now)
    .bind(actor)
    .fetch_all(&mut *e)
    .await)?;
    let mut per_unit: BTreeMap<i64, i64> = BTreeMap::new();
    for u in &units {
        *per_unit.entry(*u).or_default() += 1;
    }
    for (unit, n) in per_unit {
        aggregates::add(tx, unit, METRIC, n).await?;
    }
    Ok(units.len() as u64)
}

/// A person's commendations (the caller has read the person), newest first.
pub async fn of_person(c: &mut impl DbConn, person_id: i64) -> StoreResult<Vec<Commendation>> {
    let sql = format!("{SELECT} WHERE k.person_id = $1 ORDER BY k.conferred_on DESC, k.id DESC");
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Commendation>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(person_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Commendations conferred at a meeting (the caller has read it), in the
/// order they were conferred.
pub async fn of_meeting(c: &mut impl DbConn, meeting_id: i64) -> StoreResult<Vec<Commendation>> {
    let sql = format!("{SELECT} WHERE k.meeting_id = $1 ORDER BY k.id");
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Commendation>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(meeting_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// The roll of honour of `unit_id`'s subtree (people of units in `scope`),
/// newest first, at most `limit`.
pub async fn roll(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    limit: i64,
) -> StoreResult<Vec<Commendation>> {
    let sql = format!(
        "{SELECT} JOIN unit_closure c ON c.descendant_id = k.recipient_unit_id
         WHERE c.ancestor_id = $1 AND {}
         ORDER BY k.conferred_on DESC, k.id DESC LIMIT $2",
        unit_condition(scope, "k.recipient_unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Commendation>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// A designation of a unit as a model whose experience is to be followed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ModelUnit {
    /// Identifier.
    pub id: i64,
    /// The model unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// The higher unit that designated it.
    pub designated_by: i64,
    /// Its name.
    pub designated_by_name: String,
    /// Why: the experience to follow.
    pub reason: String,
    /// From (YYYY-MM-DD).
    pub starts_on: String,
    /// Until (YYYY-MM-DD), open-ended when none.
    pub ends_on: Option<String>,
}

const MODEL_SELECT: &str = "SELECT m.id, m.unit_id, u.name AS unit_name, m.designated_by,
        d.name AS designated_by_name, m.reason, m.starts_on, m.ends_on
     FROM model_units m JOIN units u ON u.id = m.unit_id JOIN units d ON d.id = m.designated_by";

/// Designates `unit_id`, strictly below `designated_by` (in `scope`), a
/// model unit; returns the designation's id.
#[allow(clippy::too_many_arguments)]
pub async fn designate(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    designated_by: UnitId,
    unit_id: UnitId,
    reason: &str,
    starts_on: &str,
    ends_on: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    if !crate::tree::in_scope(tx, scope, designated_by).await? {
        return Err(StoreError::NotFound);
    }
    on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO model_units (unit_id, designated_by, reason, starts_on, ends_on, created_at, created_by)
         SELECT $1, $2, $3, $4, $5, $6, $7 FROM unit_closure
         WHERE ancestor_id = $2 AND descendant_id = $1 AND depth > 0
         RETURNING id"
    )
    .bind(unit_id)
    .bind(designated_by)
    .bind(reason)
    .bind(starts_on)
    .bind(ends_on)
    .bind(now)
    .bind(actor)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// One designation, if its designating unit lies in `scope`.
pub async fn designation<C: grassroots_core::Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    id: i64,
) -> StoreResult<ModelUnit> {
    let sql = format!(
        "{MODEL_SELECT} WHERE m.id = $1 AND {}",
        unit_condition(scope, "m.designated_by")
    );
    on_ex!(c, |e| sqlx::query_as::<_, ModelUnit>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// Ends a designation on `ends_on` (the caller read it under scope).
pub async fn end_designation(tx: &mut Tx, id: i64, ends_on: &str) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE model_units SET ends_on = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(ends_on)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Model units in force on `today` in `unit_id`'s subtree (itself
/// included; units in `scope`), by name.
pub async fn models_under(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    today: &str,
) -> StoreResult<Vec<ModelUnit>> {
    let sql = format!(
        "{MODEL_SELECT} JOIN unit_closure c ON c.descendant_id = m.unit_id
         WHERE c.ancestor_id = $1 AND m.starts_on <= $2 AND (m.ends_on IS NULL OR m.ends_on >= $2)
           AND u.closed_at IS NULL AND {}
         ORDER BY u.depth, u.name, m.id LIMIT 500",
        unit_condition(scope, "m.unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, ModelUnit>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .bind(today)
    .fetch_all(&mut *e)
    .await)?)
}

/// Every designation of one unit (the caller read it), newest first.
pub async fn designations_of(c: &mut impl DbConn, unit_id: UnitId) -> StoreResult<Vec<ModelUnit>> {
    let sql = format!("{MODEL_SELECT} WHERE m.unit_id = $1 ORDER BY m.starts_on DESC, m.id DESC");
    Ok(on_ex!(c, |e| sqlx::query_as::<_, ModelUnit>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Counter family: Commendations conferred on the unit's people; history that stays with the unit.
pub const COUNTERS: crate::aggregates::CounterFamily = crate::aggregates::CounterFamily {
    name: "commendations",
    metrics: &["commendations"],
    follows_rows: false,
    recompute_sql: "SELECT c.ancestor_id, 'commendations',
                sum(CASE WHEN k.recipient_unit_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
         FROM commendations k JOIN unit_closure c ON c.descendant_id = k.recipient_unit_id
         GROUP BY c.ancestor_id",
};
