//! Duties held at a unit by named accounts: handling the welfare cases or
//! the appeals routed there. A unit's secretary gives and takes them; the
//! holders are the only readers of what is routed to the unit.

use chrono::{DateTime, Utc};
use grassroots_core::{AccountId, Manage, Read, Scope, UnitId};
use serde::Serialize;

use crate::{DbConn, StoreError, StoreResult, Tx, on_ex};

/// A duty a unit gives to accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// Handling welfare cases.
    Welfare,
    /// Receiving appeals and suggestions.
    Appeals,
}

impl Duty {
    /// The table of its holders.
    pub const fn table(self) -> &'static str {
        match self {
            Duty::Welfare => "welfare_handlers",
            Duty::Appeals => "appeal_handlers",
        }
    }
}

/// A holder of a duty.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Handler {
    /// The account.
    pub account_id: i64,
    /// Its display name.
    pub display_name: String,
    /// Its login.
    pub username: String,
}

/// The holders of `duty` at a unit of `scope`.
pub async fn holders_of(
    c: &mut impl DbConn,
    duty: Duty,
    scope: &Scope<Read>,
    unit_id: UnitId,
) -> StoreResult<Vec<Handler>> {
    if !crate::tree::in_scope(c, scope, unit_id).await? {
        return Err(StoreError::NotFound);
    }
    holders_at(c, duty, unit_id).await
}

/// The holders of `duty` at a unit, for a reader the caller has already
/// admitted (a handler of a record there).
pub async fn holders_at(
    c: &mut impl DbConn,
    duty: Duty,
    unit_id: UnitId,
) -> StoreResult<Vec<Handler>> {
    let sql = format!(
        "SELECT a.id AS account_id, a.display_name, a.username
         FROM {} h JOIN accounts a ON a.id = h.account_id
         WHERE h.unit_id = $1 ORDER BY a.display_name, a.id",
        duty.table()
    );
    Ok(on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Whether an account holds `duty` at a unit.
pub async fn holds_at(
    c: &mut impl DbConn,
    duty: Duty,
    account_id: AccountId,
    unit_id: UnitId,
) -> StoreResult<bool> {
    let sql = format!(
        "SELECT count(*) FROM {} WHERE account_id = $1 AND unit_id = $2",
        duty.table()
    );
    let n: i64 = on_ex!(c, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(account_id)
        .bind(unit_id)
        .fetch_one(&mut *e)
        .await)?;
    Ok(n > 0)
}

/// Gives an account `duty` at a unit `scope` manages; not found when the
/// unit is outside `scope`, a conflict on `account_id` when there is no
/// such account. Whether it was new.
pub async fn grant(
    tx: &mut Tx,
    duty: Duty,
    scope: &Scope<Manage>,
    unit_id: UnitId,
    account_id: AccountId,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    if !crate::tree::in_scope(tx, scope, unit_id).await? {
        return Err(StoreError::NotFound);
    }
    let exists: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT count(*) FROM accounts WHERE id = $1"
    )
    .bind(account_id)
    .fetch_one(&mut *e)
    .await)?;
    if exists == 0 {
        return Err(StoreError::Conflict {
            field: "account_id",
        });
    }
    let sql = format!(
        "INSERT INTO {} (account_id, unit_id, granted_at, granted_by)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        duty.table()
    );
    let n = on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(account_id)
        .bind(unit_id)
        .bind(now)
        .bind(by)
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Takes `duty` at a unit `scope` manages from an account; whether it
/// was held.
pub async fn revoke(
    tx: &mut Tx,
    duty: Duty,
    scope: &Scope<Manage>,
    unit_id: UnitId,
    account_id: AccountId,
) -> StoreResult<bool> {
    if !crate::tree::in_scope(tx, scope, unit_id).await? {
        return Err(StoreError::NotFound);
    }
    let sql = format!(
        "DELETE FROM {} WHERE account_id = $1 AND unit_id = $2",
        duty.table()
    );
    let n = on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(account_id)
        .bind(unit_id)
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Ends every holding of `duty` at a unit that ends.
pub async fn end_at(tx: &mut Tx, duty: Duty, unit_id: UnitId) -> StoreResult<()> {
    let sql = format!("DELETE FROM {} WHERE unit_id = $1", duty.table());
    on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(unit_id)
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}
