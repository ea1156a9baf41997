//! Files uploaded for import, held between the mapping step and the
//! commit. Only the uploader can read one back.

use chrono::{DateTime, Utc};

use crate::{DbConn, StoreResult, Tx, on_ex};

/// An uploaded file.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Upload {
    /// Random identifier (also the capability to use it, with the owner).
    pub id: String,
    /// Uploader.
    pub account_id: i64,
    /// Unit imported into.
    pub unit_id: i64,
    /// `units` or `people`.
    pub kind: String,
    /// Original file name.
    pub file_name: String,
    /// `csv` or `xlsx`.
    pub format: String,
    /// The bytes.
    pub content: Vec<u8>,
    /// When uploaded.
    pub created_at: DateTime<Utc>,
}

/// An upload to store (borrowed: the file is not copied again).
pub struct NewUpload<'a> {
    /// Random identifier.
    pub id: &'a str,
    /// Uploader.
    pub account_id: i64,
    /// Unit imported into.
    pub unit_id: i64,
    /// `units` or `people`.
    pub kind: &'a str,
    /// Original file name.
    pub file_name: &'a str,
    /// `csv` or `xlsx`.
    pub format: &'a str,
    /// The bytes.
    pub content: &'a [u8],
    /// When uploaded.
    pub created_at: DateTime<Utc>,
}

/// Stores an upload.
pub async fn create(tx: &mut Tx, u: &NewUpload<'_>) -> StoreResult<()> {
    on_ex!(tx, |e| {
        sqlx::query(
        "INSERT INTO import_uploads (id, account_id, unit_id, kind, file_name, format, content, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(u.id)
    .bind(u.account_id)
    .bind(u.unit_id)
    .bind(u.kind)
    .bind(u.file_name)
    .bind(u.format)
    .bind(u.content)
    .bind(u.created_at)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// The upload `id` if `account_id` made it.
pub async fn get(c: &mut impl DbConn, id: &str, account_id: i64) -> StoreResult<Option<Upload>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Upload>(
        "SELECT id, account_id, unit_id, kind, file_name, format, content, created_at
         FROM import_uploads WHERE id = $1 AND account_id = $2"
    )
    .bind(id)
    .bind(account_id)
    .fetch_optional(&mut *e)
    .await)?)
}

/// The uploads of an account waiting for their mapping step, oldest
/// first: (id, bytes). The account's row is locked until the end of the
/// transaction, so two uploads at once cannot both pass its quota.
pub async fn of_account(tx: &mut Tx, account_id: i64) -> StoreResult<Vec<(String, i64)>> {
    let lock = format!("SELECT id FROM accounts WHERE id = $1{}", tx.for_update());
    on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(lock.as_str()))
        .bind(account_id)
        .fetch_optional(&mut *e)
        .await
        .map(|_| ()))?;
    Ok(on_ex!(tx, |e| sqlx::query_as(
        "SELECT id, CAST(length(content) AS BIGINT) FROM import_uploads
         WHERE account_id = $1 ORDER BY created_at, id"
    )
    .bind(account_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Removes an upload.
pub async fn delete(tx: &mut Tx, id: &str) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "DELETE FROM import_uploads WHERE id = $1"
    )
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Removes uploads made before `before`; returns how many.
pub async fn purge(tx: &mut Tx, before: DateTime<Utc>) -> StoreResult<u64> {
    Ok(on_ex!(tx, |e| sqlx::query(
        "DELETE FROM import_uploads WHERE created_at < $1"
    )
    .bind(before)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?)
}
