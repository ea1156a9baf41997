//! API tokens. Like sessions, only the SHA-256 of a token is stored. A
//! token carries one role assignment, which is in force only while its
//! owner still holds a covering one.

use chrono::{DateTime, Utc};
use grassroots_core::{AccountId, Assignment, Role, ScopeKind};
use serde::Serialize;

use crate::{DbConn, StoreError, StoreResult, Tx, on_ex};

/// A stored API token (without its secret).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ApiToken {
    /// Identifier.
    pub id: i64,
    /// Owner.
    pub account_id: i64,
    /// Name given by the owner.
    pub name: String,
    /// Role carried.
    pub role: String,
    /// Unit where the role applies.
    pub unit_id: i64,
    /// `unit` or `subtree`.
    pub scope: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Optional end of validity.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last use.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revocation time, if revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    /// The role assignment the token carries.
    pub fn grant(&self) -> Option<Assignment> {
        Some(Assignment {
            role: Role::parse(&self.role)?,
            unit_id: self.unit_id,
            scope: ScopeKind::parse(&self.scope)?,
        })
    }
}

const COLUMNS: &str =
    "id, account_id, name, role, unit_id, scope, created_at, expires_at, last_used_at, revoked_at";

/// Stores a token for `account_id` under its secret's hash.
pub async fn create(
    tx: &mut Tx,
    account_id: AccountId,
    name: &str,
    token_hash: &str,
    grant: &Assignment,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> StoreResult<ApiToken> {
    let sql = format!(
        "INSERT INTO api_tokens (account_id, name, token_hash, role, unit_id, scope, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    );
    Ok(on_ex!(tx, |e| sqlx::query_as::<_, ApiToken>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(account_id)
    .bind(name)
    .bind(token_hash)
    .bind(grant.role.as_str())
    .bind(grant.unit_id)
    .bind(grant.scope.as_str())
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *e)
    .await)?)
}

/// A usable token by the hash of its secret: not revoked, not expired, and
/// its owner enabled.
pub async fn get_active(
    c: &mut impl DbConn,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<ApiToken>> {
    let sql = "SELECT t.id, t.account_id, t.name, t.role, t.unit_id, t.scope, t.created_at, t.expires_at, t.last_used_at, t.revoked_at
         FROM api_tokens t JOIN accounts a ON a.id = t.account_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)
           AND a.disabled = FALSE".to_string();
    Ok(on_ex!(c, |e| sqlx::query_as::<_, ApiToken>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&mut *e)
    .await)?)
}

/// Records that a token was used.
pub async fn touch(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2"
    )
    .bind(now)
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The tokens of an account, newest first.
pub async fn of_account(c: &mut impl DbConn, account_id: AccountId) -> StoreResult<Vec<ApiToken>> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE account_id = $1 ORDER BY id DESC");
    Ok(on_ex!(c, |e| sqlx::query_as::<_, ApiToken>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(account_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Revokes a token of `account_id`; returns it as it was.
pub async fn revoke(
    tx: &mut Tx,
    account_id: AccountId,
    id: i64,
    now: DateTime<Utc>,
) -> StoreResult<ApiToken> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1 AND account_id = $2");
    let token = on_ex!(tx, |e| sqlx::query_as::<_, ApiToken>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .bind(account_id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)?;
    if token.revoked_at.is_some() {
        return Err(StoreError::Conflict { field: "id" });
    }
    on_ex!(tx, |e| sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL"
    )
    .bind(now)
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(token)
}

/// Revokes every live token of an account (after a password reset).
pub async fn revoke_all(tx: &mut Tx, account_id: i64, now: DateTime<Utc>) -> StoreResult<u64> {
    Ok(on_ex!(tx, |e| sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL"
    )
    .bind(now)
    .bind(account_id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?)
}
