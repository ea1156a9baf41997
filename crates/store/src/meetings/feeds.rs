//! Personal calendar subscriptions: one per account, found by the SHA-256
//! of the secret in its URL.

use chrono::{DateTime, Utc};
use grassroots_core::AccountId;

use crate::{DbConn, StoreResult, Tx, on_ex};

/// Sets the account's feed secret (replacing any earlier one, whose URL
/// then stops working).
pub async fn replace(
    tx: &mut Tx,
    account_id: AccountId,
    secret_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    revoke(tx, account_id).await?;
    on_ex!(tx, |e| sqlx::query(
        "INSERT INTO calendar_feeds (account_id, secret_hash, created_at) VALUES ($1, $2, $3)"
    )
    .bind(account_id)
    .bind(secret_hash)
    .bind(now)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ends the account's feed; whether there was one.
pub async fn revoke(tx: &mut Tx, account_id: AccountId) -> StoreResult<bool> {
    let n = on_ex!(tx, |e| sqlx::query(
        "DELETE FROM calendar_feeds WHERE account_id = $1"
    )
    .bind(account_id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// When the account's feed was made, if it has one.
pub async fn created(
    c: &mut impl DbConn,
    account_id: AccountId,
) -> StoreResult<Option<DateTime<Utc>>> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT created_at FROM calendar_feeds WHERE account_id = $1"
    )
    .bind(account_id)
    .fetch_optional(&mut *e)
    .await)?)
}

/// The person of the enabled account whose feed has this secret hash.
pub async fn person_of(c: &mut impl DbConn, secret_hash: &str) -> StoreResult<Option<i64>> {
    let v: Option<Option<i64>> = on_ex!(c, |e| sqlx::query_scalar(
        "SELECT a.person_id FROM calendar_feeds f JOIN accounts a ON a.id = f.account_id
         WHERE f.secret_hash = $1 AND NOT a.disabled"
    )
    .bind(secret_hash)
    .fetch_optional(&mut *e)
    .await)?;
    Ok(v.flatten())
}
