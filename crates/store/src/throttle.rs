//! Counters of failed logins per key (an account name or a client
//! address), in fixed windows. Kept in the database so that several
//! application servers share them.

use chrono::{DateTime, Utc};

use crate::{StoreResult, Tx, on_ex};

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

/// Counts one attempt for `key` and returns the attempts in the current
/// window, atomically (the upsert holds the row lock), so concurrent
/// guesses cannot all slip under the limit.
pub async fn hit(
    tx: &mut Tx,
    key: &str,
    now: DateTime<Utc>,
    window_start: DateTime<Utc>,
) -> StoreResult<i32> {
    Ok(on_ex!(tx, |e| {
        sqlx::query_scalar(
        "INSERT INTO login_failures (key, window_start, failures) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN login_failures.window_start > $3 THEN login_failures.failures + 1 ELSE 1 END,
           window_start = CASE WHEN login_failures.window_start > $3 THEN login_failures.window_start ELSE $2 END
         RETURNING failures"
    )
    .bind(key)
    .bind(now)
    .bind(window_start)
    .fetch_one(&mut *e)
    .await
    })?)
}

/// Takes back one attempt of `key` (a login from that address succeeded).
pub async fn release(tx: &mut Tx, key: &str) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE login_failures SET failures = failures - 1 WHERE key = $1 AND failures > 0"
    )
    .bind(key)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The attempts counted for `key` in the window that started after
/// `window_start` (0 when its window is older).
pub async fn failures(
    c: &mut impl crate::DbConn,
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
