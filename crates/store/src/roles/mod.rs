//! Role assignments: (account, role, unit, scope).

use chrono::{DateTime, Utc};
use grassroots_core::{AccountId, Administer, Assignment, Role, Scope, ScopeKind, UnitId};
use serde::Serialize;

use crate::tree::unit_condition;
use crate::{DbConn, StoreError, StoreResult, Tx, on_ex};

/// A role assignment with names, for administration screens.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RoleAssignmentRow {
    /// Identifier of the assignment.
    pub id: i64,
    /// The account holding the role.
    pub account_id: i64,
    /// Its login name.
    pub username: String,
    /// Role name.
    pub role: String,
    /// Unit where it is held.
    pub unit_id: i64,
    /// The unit's name.
    pub unit_name: String,
    /// `unit` or `subtree`.
    pub scope: String,
}

fn parse(role: &str, unit_id: UnitId, scope: &str) -> Option<Assignment> {
    Some(Assignment {
        role: Role::parse(role)?,
        unit_id,
        scope: ScopeKind::parse(scope)?,
    })
}

/// The assignments an account holds (to build its principal). Disabled
/// accounts hold none.
pub async fn of_account(
    c: &mut impl DbConn,
    account_id: AccountId,
) -> StoreResult<Vec<Assignment>> {
    assignments(c, account_id, true).await
}

/// Every assignment an account holds, enabled or not (to decide who may
/// administer it).
pub async fn of_account_all(
    c: &mut impl DbConn,
    account_id: AccountId,
) -> StoreResult<Vec<Assignment>> {
    assignments(c, account_id, false).await
}

async fn assignments(
    c: &mut impl DbConn,
    account_id: AccountId,
    enabled_only: bool,
) -> StoreResult<Vec<Assignment>> {
    let rows: Vec<(String, i64, String)> = on_ex!(c, |e| sqlx::query_as(
        "SELECT r.role, r.unit_id, r.scope FROM role_assignments r
         JOIN accounts a ON a.id = r.account_id
         WHERE r.account_id = $1 AND (a.disabled = FALSE OR NOT $2)"
    )
    .bind(account_id)
    .bind(enabled_only)
    .fetch_all(&mut *e)
    .await)?;
    Ok(rows
        .iter()
        .filter_map(|(r, u, s)| parse(r, *u, s))
        .collect())
}

const ROW: &str = "SELECT r.id, r.account_id, a.username, r.role, r.unit_id, u.name AS unit_name, r.scope
     FROM role_assignments r JOIN accounts a ON a.id = r.account_id JOIN units u ON u.id = r.unit_id";

/// Assignments held at units inside `scope`, optionally of one account.
pub async fn list(
    c: &mut impl DbConn,
    scope: &Scope<Administer>,
    account_id: Option<AccountId>,
) -> StoreResult<Vec<RoleAssignmentRow>> {
    let sql = format!(
        "{ROW} WHERE {} AND ($1 IS NULL OR r.account_id = $1) ORDER BY a.username, u.depth, u.name",
        unit_condition(scope, "r.unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, RoleAssignmentRow>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(account_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// One assignment at a unit inside `scope`.
pub async fn get(
    c: &mut impl DbConn,
    scope: &Scope<Administer>,
    id: i64,
) -> StoreResult<RoleAssignmentRow> {
    let sql = format!(
        "{ROW} WHERE r.id = $1 AND {}",
        unit_condition(scope, "r.unit_id")
    );
    on_ex!(c, |e| sqlx::query_as::<_, RoleAssignmentRow>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// Assigns a role at a unit inside `scope`. The caller has checked the
/// finer rule (subtree grants need the whole subtree) with the policy.
pub async fn assign(
    tx: &mut Tx,
    scope: &Scope<Administer>,
    account_id: AccountId,
    grant: &Assignment,
    now: DateTime<Utc>,
) -> StoreResult<RoleAssignmentRow> {
    if !crate::tree::in_scope(tx, scope, grant.unit_id).await? {
        return Err(StoreError::NotFound);
    }
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO role_assignments (account_id, role, unit_id, scope, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id"
    )
    .bind(account_id)
    .bind(grant.role.as_str())
    .bind(grant.unit_id)
    .bind(grant.scope.as_str())
    .bind(now)
    .fetch_one(&mut *e)
    .await)
    .map_err(|e| StoreError::from(e).conflict_on("role"))?;
    get(tx, scope, id).await
}

/// Removes an assignment at a unit inside `scope`; returns what it was.
pub async fn revoke(
    tx: &mut Tx,
    scope: &Scope<Administer>,
    id: i64,
) -> StoreResult<RoleAssignmentRow> {
    let row = get(tx, scope, id).await?;
    on_ex!(tx, |e| sqlx::query(
        "DELETE FROM role_assignments WHERE id = $1"
    )
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(row)
}
