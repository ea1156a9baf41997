//! Server-side sessions. The cookie carries a random token; only its
//! SHA-256 is stored, so a copy of the database cannot be used to log in.

use chrono::{DateTime, Utc};
use grassroots_core::AccountId;
use serde::Serialize;

use crate::{DbConn, StoreResult, Tx, on_ex};

/// A stored session.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Session {
    /// SHA-256 (hex) of the cookie token.
    #[serde(skip)]
    pub id: String,
    /// The signed-in account.
    pub account_id: AccountId,
    /// Synchronizer token for CSRF protection.
    #[serde(skip)]
    pub csrf_token: String,
    /// Login time.
    pub created_at: DateTime<Utc>,
    /// Last request seen (for the idle timeout).
    pub last_seen_at: DateTime<Utc>,
    /// Absolute end of the session.
    pub expires_at: DateTime<Utc>,
    /// Client address at login.
    pub ip: String,
    /// Client user agent at login.
    pub user_agent: String,
}

/// Stores a new session.
pub async fn create(tx: &mut Tx, s: &Session) -> StoreResult<()> {
    on_ex!(tx, |e| {
        sqlx::query(
        "INSERT INTO sessions (id, account_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(&s.id)
    .bind(s.account_id)
    .bind(&s.csrf_token)
    .bind(s.created_at)
    .bind(s.last_seen_at)
    .bind(s.expires_at)
    .bind(&s.ip)
    .bind(&s.user_agent)
    .execute(&mut *e).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// A session by the hash of its token, if the account is still enabled.
pub async fn get(c: &mut impl DbConn, id: &str) -> StoreResult<Option<Session>> {
    Ok(on_ex!(c, |e| {
        sqlx::query_as::<_, Session>(
        "SELECT s.id, s.account_id, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent
         FROM sessions s JOIN accounts a ON a.id = s.account_id
         WHERE s.id = $1 AND a.disabled = FALSE"
    )
    .bind(id)
    .fetch_optional(&mut *e)
    .await
    })?)
}

/// Records activity on a session.
pub async fn touch(tx: &mut Tx, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE sessions SET last_seen_at = $1 WHERE id = $2"
    )
    .bind(now)
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ends one session.
pub async fn delete(tx: &mut Tx, id: &str) -> StoreResult<u64> {
    Ok(on_ex!(tx, |e| sqlx::query(
        "DELETE FROM sessions WHERE id = $1"
    )
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?)
}

/// Ends every session of an account except `keep` (if given).
pub async fn delete_for_account(
    tx: &mut Tx,
    account_id: AccountId,
    keep: Option<&str>,
) -> StoreResult<u64> {
    Ok(on_ex!(tx, |e| sqlx::query(
        "DELETE FROM sessions WHERE account_id = $1 AND ($2 IS NULL OR id <> $2)"
    )
    .bind(account_id)
    .bind(keep)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?)
}

/// The live sessions of an account, newest first.
pub async fn of_account(
    c: &mut impl DbConn,
    account_id: AccountId,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Session>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Session>(
        "SELECT id, account_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent
         FROM sessions WHERE account_id = $1 AND expires_at > $2 ORDER BY created_at DESC"
    )
    .bind(account_id)
    .bind(now)
    .fetch_all(&mut *e)
    .await)?)
}

/// Deletes sessions past their absolute end or idle since `idle_before`.
pub async fn delete_expired(
    tx: &mut Tx,
    now: DateTime<Utc>,
    idle_before: DateTime<Utc>,
) -> StoreResult<u64> {
    Ok(on_ex!(tx, |e| sqlx::query(
        "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2"
    )
    .bind(now)
    .bind(idle_before)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?)
}
