//! Bulk writes on SQLite without the driver's per-statement thread hop.
//!
//! sqlx runs each SQLite connection on a worker thread and hands every
//! statement, and every row it returns, across a channel: profiling the
//! national-scale demo build showed most of the time in those hand-overs,
//! not in SQLite. For the bulk paths (imports, the demo generator) the
//! transaction's own connection handle is locked and driven here through
//! rusqlite, with statements prepared once and stepped row by row in this
//! thread. Everything stays inside the caller's transaction.

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::SqliteConnection;

use crate::{StoreError, StoreResult};

/// Rows handled per lock of the connection: large enough that the lock
/// costs nothing per row, small enough that a long import gives the
/// runtime back every few milliseconds.
pub(crate) const ROWS_PER_LOCK: usize = 5_000;

/// A timestamp written exactly as sqlx writes a `DateTime<Utc>` to SQLite,
/// so rows written here read back like any other.
pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// Runs `f` on the SQLite handle of a transaction's connection. Refused
/// when the connection is not inside a transaction (SQLite can end one
/// by itself after a severe error): rows written then would each commit
/// on their own.
pub(crate) async fn run_in_tx<R>(
    conn: &mut SqliteConnection,
    f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<R>,
) -> StoreResult<R> {
    with_handle(conn, |direct| {
        if direct.is_autocommit() {
            return Err(StoreError::Other(
                "the transaction ended before a bulk write".into(),
            ));
        }
        Ok(f(direct)?)
    })
    .await
}

/// Runs the reads of `f` on the SQLite handle of `conn` in one read
/// transaction (outside one, every statement would open and close its own:
/// shared-memory locks and system calls each time), always rolled back.
pub(crate) async fn read<R>(
    conn: &mut SqliteConnection,
    f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<R>,
) -> StoreResult<R> {
    with_handle(conn, |direct| {
        if !direct.is_autocommit() {
            return Ok(f(direct)?);
        }
        direct.execute_batch("BEGIN")?;
        let out = f(direct);
        direct.execute_batch("ROLLBACK")?;
        Ok(out?)
    })
    .await
}

async fn with_handle<R>(
    conn: &mut SqliteConnection,
    f: impl FnOnce(&rusqlite::Connection) -> StoreResult<R>,
) -> StoreResult<R> {
    let mut locked = conn.lock_handle().await?;
    // SAFETY: while `locked` lives, sqlx's worker makes no call on this
    // handle (LockedSqliteHandle's guarantee). `from_handle` borrows the
    // handle without taking ownership (dropping it does not close the
    // database), and it is dropped, with every statement it prepared,
    // before `locked` is.
    let direct = unsafe { rusqlite::Connection::from_handle(locked.as_raw_handle().as_ptr()) }?;
    let out = f(&direct);
    drop(direct);
    drop(locked);
    out
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Sqlite(e)
    }
}

/// Whether `e` is a violated UNIQUE or PRIMARY KEY constraint.
pub(crate) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error().map(|e| e.extended_code),
        Some(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
    )
}

/// Rows per multi-row `INSERT` on the bulk paths: a statement's fixed cost
/// (reset, cursors, and for a `CHECK (x IN (…))` a lookup table built
/// each time it runs) is paid once per this many rows instead of per row.
pub(crate) const ROWS_PER_STATEMENT: usize = 25;

/// `{head} VALUES (…), (…)` for `rows` rows of `width` parameters after
/// the `shared` ones, each followed by `tail` (see [`crate::db::numbered_rows`]).
pub(crate) fn multi_row_insert(
    head: &str,
    rows: usize,
    width: usize,
    shared: usize,
    tail: &str,
) -> String {
    format!(
        "{head} VALUES {}",
        crate::db::numbered_rows(rows, width, shared, tail, '?')
    )
}

#[cfg(test)]
mod tests {
    use super::multi_row_insert;

    #[test]
    fn multi_row_insert_numbers_rows_after_the_shared_parameters() {
        assert_eq!(
            multi_row_insert("INSERT INTO t (a, b, at)", 2, 2, 1, "?1"),
            "INSERT INTO t (a, b, at) VALUES (?2, ?3, ?1), (?4, ?5, ?1)"
        );
        assert_eq!(
            multi_row_insert("INSERT INTO t (a)", 1, 1, 0, ""),
            "INSERT INTO t (a) VALUES (?1)"
        );
    }
}
