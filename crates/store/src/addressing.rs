//! Things a unit sends down its subtree that each receiving unit then
//! answers once: decisions (adopted) and bulletins (acknowledged). The
//! receiving units are fixed when it is sent, as rows of an addressee
//! table `(key_column, unit_id, <done>_at, <done>_by)`, and counted in
//! `unit_aggregates` under an `addressed` and a `done` metric, so the
//! answer rate of any subtree, and of each of its children, is a row read.

use chrono::{DateTime, Utc};
use grassroots_core::{Read, Scope, UnitId};

use crate::tree::unit_condition;
use crate::{DbConn, StoreError, StoreResult, Tx, aggregates, on_ex};

/// An addressee table.
pub(crate) struct Addressees {
    /// Table name.
    pub table: &'static str,
    /// Column holding the sent thing's id.
    pub key_column: &'static str,
    /// Prefix of the answer columns (`adopted`, `acknowledged`).
    pub done: &'static str,
}

/// Addresses `key` to every open unit strictly below `issuer` (of the
/// comma-separated `levels`, every level when empty) and counts them under
/// `addressed_metric`, in the caller's transaction; returns how many.
pub(crate) async fn address(
    tx: &mut Tx,
    to: &Addressees,
    key: i64,
    issuer: UnitId,
    levels: &str,
    addressed_metric: &str,
) -> StoreResult<u64> {
    let (table, key_column) = (to.table, to.key_column);
    let sql = format!(
        "INSERT INTO {table} ({key_column}, unit_id)
         SELECT $1, u.id FROM unit_closure c JOIN units u ON u.id = c.descendant_id
         WHERE c.ancestor_id = $2 AND c.depth > 0 AND u.closed_at IS NULL
           AND ($3 = '' OR (',' || $3 || ',') LIKE ('%,' || u.level || ',%'))"
    );
    let addressed = on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(key)
        .bind(issuer)
        .bind(levels)
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected()))?;
    // Every addressee counts once in itself and in each ancestor.
    crate::aggregates::serialize_counters(tx).await?;
    let sql = format!(
        "INSERT INTO unit_aggregates (unit_id, metric, own, subtree)
         SELECT c.ancestor_id, $2,
                sum(CASE WHEN c.ancestor_id = a.unit_id THEN 1 ELSE 0 END), count(*)
         FROM {table} a JOIN unit_closure c ON c.descendant_id = a.unit_id
         WHERE a.{key_column} = $1
         GROUP BY c.ancestor_id
         ON CONFLICT (unit_id, metric) DO UPDATE SET
           own = unit_aggregates.own + excluded.own,
           subtree = unit_aggregates.subtree + excluded.subtree"
    );
    on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(key)
        .bind(addressed_metric)
        .execute(&mut *e)
        .await
        .map(|_| ()))?;
    Ok(addressed)
}

/// Records `unit_id`'s answer; `NotFound` when it is not an addressee,
/// false when it had already answered.
pub(crate) async fn answer(
    tx: &mut Tx,
    to: &Addressees,
    key: i64,
    unit_id: UnitId,
    done_metric: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let (table, key_column, done) = (to.table, to.key_column, to.done);
    let sql = format!("SELECT count(*) FROM {table} WHERE {key_column} = $1 AND unit_id = $2");
    let addressed: i64 = on_ex!(tx, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(key)
    .bind(unit_id)
    .fetch_one(&mut *e)
    .await)?;
    if addressed == 0 {
        return Err(StoreError::NotFound);
    }
    let sql = format!(
        "UPDATE {table} SET {done}_at = $3, {done}_by = $4
         WHERE {key_column} = $1 AND unit_id = $2 AND {done}_at IS NULL"
    );
    let changed = on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(key)
        .bind(unit_id)
        .bind(now)
        .bind(actor)
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected()))?;
    if changed > 0 {
        aggregates::add(tx, unit_id, done_metric, 1).await?;
    }
    Ok(changed > 0)
}

/// (unit, name, addressed, answered) for `unit_id` and, after it, each of
/// its children in `scope` that has addressees, from the maintained
/// counters. `NotFound` when `unit_id` is outside `scope`.
pub(crate) async fn rollup(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    addressed_metric: &str,
    done_metric: &str,
) -> StoreResult<Vec<(i64, String, i64, i64)>> {
    let sql = format!(
        "SELECT u.id, u.name, coalesce(a.subtree, 0), coalesce(d.subtree, 0)
         FROM units u
         LEFT JOIN unit_aggregates a ON a.unit_id = u.id AND a.metric = $2
         LEFT JOIN unit_aggregates d ON d.unit_id = u.id AND d.metric = $3
         WHERE (u.id = $1 OR u.parent_id = $1) AND {}
         ORDER BY CASE WHEN u.id = $1 THEN 0 ELSE 1 END, u.name, u.id",
        unit_condition(scope, "u.id")
    );
    let mut rows: Vec<(i64, String, i64, i64)> =
        on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(unit_id)
            .bind(addressed_metric)
            .bind(done_metric)
            .fetch_all(&mut *e)
            .await)?;
    if rows.first().is_none_or(|r| r.0 != unit_id) {
        return Err(StoreError::NotFound);
    }
    let mut i = 0;
    rows.retain(|r| {
        i += 1;
        i == 1 || r.2 > 0
    });
    Ok(rows)
}

/// Addressees below `unit_id` (in `scope`) that have not answered, by
/// depth and name, at most `limit`.
pub(crate) async fn unanswered(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    to: &Addressees,
    key: i64,
    unit_id: UnitId,
    limit: i64,
) -> StoreResult<Vec<(i64, String)>> {
    let (table, key_column, done) = (to.table, to.key_column, to.done);
    let sql = format!(
        "SELECT u.id, u.name FROM {table} a
         JOIN unit_closure c ON c.descendant_id = a.unit_id
         JOIN units u ON u.id = a.unit_id
         WHERE a.{key_column} = $1 AND c.ancestor_id = $2 AND a.{done}_at IS NULL AND {}
         ORDER BY u.depth, u.name, u.id LIMIT $3",
        unit_condition(scope, "a.unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(key)
    .bind(unit_id)
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}
