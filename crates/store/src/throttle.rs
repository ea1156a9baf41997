//! Counters of failed logins per key (an account name or a client
//! address), in fixed windows. Kept in the database so that several
//! application servers share them.

use chrono::{DateTime, Utc};

use crate::{DbConn, StoreResult, Tx, on_ex};

/// Failures counted for `key` in the window that started after
/// `window_start`.
pub async fn failures(
    c: &mut impl DbConn,
    key: &str,
    window_start: DateTime<Utc>,
) -> StoreResult<i32> {
    let n: Option<i32> = on_ex!(c, |e| sqlx::query_scalar(
        "SELECT failures FROM login_failures WHERE key = $1 AND window_start > $2"
    )
    .bind(key)
    .bind(window_start)
    .fetch_optional(&mut *e)
    .await)?;
    Ok(n.unwrap_or(0))
}

/// Counts one failure for `key`, starting a new window if the old one
/// began before `window_start`.
pub async fn record_failure(
    tx: &mut Tx,
    key: &str,
    now: DateTime<Utc>,
    window_start: DateTime<Utc>,
) -> StoreResult<()> {
    on_ex!(tx, |e| {
        sqlx::query(
        "INSERT INTO login_failures (key, window_start, failures) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN login_failures.window_start > $3 THEN login_failures.failures + 1 ELSE 1 END,
           window_start = CASE WHEN login_failures.window_start > $3 THEN login_failures.window_start ELSE $2 END"
    )
    .bind(key)
    .bind(now)
    .bind(window_start)
    .execute(&mut *e).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Forgets the failures of `key` (after a successful login).
pub async fn clear(tx: &mut Tx, key: &str) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "DELETE FROM login_failures WHERE key = $1"
    )
    .bind(key)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}
