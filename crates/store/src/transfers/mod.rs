//! Transfers: the sending unit issues one, the receiving unit acknowledges
//! it (the person then moves), or it expires or is cancelled. Both units
//! see their pending transfers.

use chrono::{DateTime, Utc};
use grassroots_core::{Edit, Read, Scope, UnitId};
use serde::Serialize;

use crate::tree::unit_condition;
use crate::{DbConn, StoreError, StoreResult, Tx, on_ex};

/// A transfer with names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Transfer {
    /// Identifier.
    pub id: i64,
    /// The person.
    pub person_id: i64,
    /// The person's name.
    pub person_name: String,
    /// Sending unit.
    pub from_unit_id: i64,
    /// Its name.
    pub from_unit_name: String,
    /// Receiving unit.
    pub to_unit_id: i64,
    /// Its name.
    pub to_unit_name: String,
    /// `pending`, `acknowledged`, `expired` or `cancelled`.
    pub state: String,
    /// When issued.
    pub issued_at: DateTime<Utc>,
    /// By whom.
    pub issued_by: String,
    /// When it expires unless acknowledged.
    pub expires_at: DateTime<Utc>,
    /// When it was acknowledged, cancelled or expired.
    pub closed_at: Option<DateTime<Utc>>,
    /// By whom (`system` for expiry).
    pub closed_by: Option<String>,
}

impl Transfer {
    /// Translation key of the state.
    pub fn state_key(&self) -> String {
        format!("state-{}", self.state)
    }
}

/// The select list; `state` is the expression that yields the state
/// column (reads compute "expired" for overdue transfers without writing).
fn select(state: &str) -> String {
    format!(
        "SELECT t.id, t.person_id, p.full_name AS person_name, t.from_unit_id, f.name AS from_unit_name,
                t.to_unit_id, d.name AS to_unit_name, {state} AS state, t.issued_at, t.issued_by, t.expires_at,
                t.closed_at, t.closed_by
         FROM transfers t JOIN people p ON p.id = t.person_id
         JOIN units f ON f.id = t.from_unit_id JOIN units d ON d.id = t.to_unit_id"
    )
}

async fn by_id(c: &mut impl DbConn, id: i64) -> StoreResult<Transfer> {
    let sql = format!("{} WHERE t.id = $1", select("t.state"));
    on_ex!(c, |e| sqlx::query_as::<_, Transfer>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// Marks pending transfers past their expiry as expired.
pub async fn expire_due(tx: &mut Tx, now: DateTime<Utc>) -> StoreResult<u64> {
    Ok(on_ex!(tx, |e| sqlx::query(
        "UPDATE transfers SET state = 'expired', closed_at = $1, closed_by = 'system'
         WHERE state = 'pending' AND expires_at <= $1"
    )
    .bind(now)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?)
}

/// Issues a transfer of a person of a unit inside `scope` to `to_unit`.
pub async fn issue(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    person_id: i64,
    to_unit: UnitId,
    actor: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<Transfer> {
    let person = crate::people::get(tx, scope, person_id).await?;
    let exists: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT count(*) FROM units WHERE id = $1"
    )
    .bind(to_unit)
    .fetch_one(&mut *e)
    .await)?;
    if exists == 0 || to_unit == person.unit_id {
        return Err(StoreError::Conflict {
            field: "to_unit_id",
        });
    }
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO transfers (person_id, from_unit_id, to_unit_id, state, issued_at, issued_by, expires_at)
         VALUES ($1, $2, $3, 'pending', $4, $5, $6) RETURNING id"
    )
    .bind(person_id)
    .bind(person.unit_id)
    .bind(to_unit)
    .bind(now)
    .bind(actor)
    .bind(expires_at)
    .fetch_one(&mut *e)
    .await)
    .map_err(|e| StoreError::from(e).conflict_on("person_id"))?;
    by_id(tx, id).await
}

/// Closes a pending transfer: acknowledged by the receiving unit (which
/// must lie in `scope`; the person then moves) or cancelled by the sending
/// unit (likewise). Returns the transfer after.
pub async fn close(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    id: i64,
    acknowledge: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<Transfer> {
    let t = by_id(tx, id).await?;
    let side = if acknowledge {
        t.to_unit_id
    } else {
        t.from_unit_id
    };
    if !crate::tree::in_scope(tx, scope, side).await? {
        return Err(StoreError::NotFound);
    }
    if t.state != "pending" || t.expires_at <= now {
        return Err(StoreError::Conflict { field: "state" });
    }
    let state = if acknowledge {
        "acknowledged"
    } else {
        "cancelled"
    };
    on_ex!(tx, |e| sqlx::query(
        "UPDATE transfers SET state = $1, closed_at = $2, closed_by = $3 WHERE id = $4"
    )
    .bind(state)
    .bind(now)
    .bind(actor)
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    if acknowledge {
        crate::people::relocate(tx, t.person_id, t.to_unit_id, actor, now).await?;
    }
    by_id(tx, id).await
}

/// Transfers into or out of a unit inside `scope` that are pending and not
/// yet overdue at `now`.
pub async fn pending_of_unit(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Transfer>> {
    crate::units::get(c, scope, unit_id).await?;
    let sql = format!(
        "{} WHERE t.state = 'pending' AND t.expires_at > $2
           AND (t.from_unit_id = $1 OR t.to_unit_id = $1)
         ORDER BY t.issued_at, t.id",
        select("t.state")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Transfer>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .bind(now)
    .fetch_all(&mut *e)
    .await)?)
}

/// Transfers of a person, as seen from units inside `scope` (either end);
/// a pending transfer overdue at `now` reads as expired.
pub async fn of_person(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    person_id: i64,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Transfer>> {
    let sql = format!(
        "{} WHERE t.person_id = $1 AND ({} OR {}) ORDER BY t.issued_at DESC, t.id DESC",
        select(
            "CASE WHEN t.state = 'pending' AND t.expires_at <= $2 THEN 'expired' ELSE t.state END"
        ),
        unit_condition(scope, "t.from_unit_id"),
        unit_condition(scope, "t.to_unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Transfer>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(person_id)
    .bind(now)
    .fetch_all(&mut *e)
    .await)?)
}
