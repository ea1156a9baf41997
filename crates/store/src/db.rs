use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

use crate::changes::Change;
use crate::group_commit::{SqliteWrite, WriteTurn};

use crate::{StoreError, StoreResult};

/// The SQL dialect of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// The embedded engine.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Dialect {
    /// Short name for logs and `config show`.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }
}

/// A pool of connections to one database, of either engine.
#[derive(Clone, Debug)]
pub enum Db {
    /// Embedded SQLite, with the turn its writers of this process take.
    Sqlite(SqlitePool, WriteTurn),
    /// PostgreSQL.
    Postgres(PgPool),
}

/// A connection borrowed from the pool, for reads.
pub enum Conn {
    /// SQLite connection.
    Sqlite(PoolConnection<Sqlite>),
    /// PostgreSQL connection.
    Postgres(PoolConnection<Postgres>),
}

/// A write transaction. On SQLite, a writer's part of the transaction
/// the writers of this process share, holding their turn until it ends
/// (see [`crate::group_commit`]).
pub enum Tx {
    /// SQLite write.
    Sqlite(SqliteWrite),
    /// PostgreSQL transaction.
    Postgres(Transaction<'static, Postgres>),
}

/// A borrowed connection of either engine; repository code matches on it
/// through the `on_ex!` macro and writes each query once.
pub enum Ex<'c> {
    /// SQLite.
    Sqlite(&'c mut SqliteConnection),
    /// PostgreSQL.
    Postgres(&'c mut PgConnection),
}

/// Anything a query can run on: a pooled connection or a transaction.
pub trait DbConn: Send {
    /// Borrows the underlying connection.
    fn ex(&mut self) -> Ex<'_>;
    /// The dialect of the connection.
    fn dialect(&self) -> Dialect;
}

impl DbConn for Conn {
    fn ex(&mut self) -> Ex<'_> {
        match self {
            Conn::Sqlite(c) => Ex::Sqlite(c),
            Conn::Postgres(c) => Ex::Postgres(c),
        }
    }
    fn dialect(&self) -> Dialect {
        match self {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Postgres(_) => Dialect::Postgres,
        }
    }
}

impl Tx {
    /// Suffix that locks the selected rows for update until the end of
    /// the transaction. Only PostgreSQL needs it: a SQLite write
    /// transaction already holds the whole database (`BEGIN IMMEDIATE`).
    pub fn for_update(&self) -> &'static str {
        match self {
            Tx::Sqlite(..) => "",
            Tx::Postgres(_) => " FOR UPDATE",
        }
    }

    /// The engine this transaction runs on.
    pub fn dialect(&self) -> Dialect {
        match self {
            Tx::Sqlite(..) => Dialect::Sqlite,
            Tx::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Like [`Tx::for_update`], a shared lock: others may read, not change.
    pub fn for_share(&self) -> &'static str {
        match self {
            Tx::Sqlite(..) => "",
            Tx::Postgres(_) => " FOR SHARE",
        }
    }
}

impl DbConn for Tx {
    fn ex(&mut self) -> Ex<'_> {
        match self {
            Tx::Sqlite(c) => Ex::Sqlite(c),
            Tx::Postgres(c) => Ex::Postgres(c),
        }
    }
    fn dialect(&self) -> Dialect {
        match self {
            Tx::Sqlite(..) => Dialect::Sqlite,
            Tx::Postgres(_) => Dialect::Postgres,
        }
    }
}

/// Runs the same query code on whichever engine `$c` is connected to.
/// The body is compiled once per engine; `$e` is `&mut SqliteConnection`
/// or `&mut PgConnection`.
#[macro_export]
macro_rules! on_ex {
    ($c:expr, |$e:ident| $body:expr) => {
        match $crate::DbConn::ex($c) {
            $crate::Ex::Sqlite($e) => $body,
            $crate::Ex::Postgres($e) => $body,
        }
    };
}

/// sqlx keeps each connection's statements prepared on the server, and
/// after five runs PostgreSQL may switch a prepared statement to a generic
/// plan made without the parameter values; for subtree queries (the size
/// of a subtree, optional filters) that plan can be many times slower.
/// Every statement is planned for its values instead (measured in
/// docs/benchmarks.md).
const PLAN_CACHE_MODE: (&str, &str) = ("plan_cache_mode", "force_custom_plan");

/// How long a statement on SQLite waits for the write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// When the embedded database counts a write as done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSync {
    /// Once the write-ahead log is synced to the disk, at every commit:
    /// nothing acknowledged is lost on a power cut.
    #[default]
    Full,
    /// Once written to the log; the log is synced at checkpoints. A crash
    /// of the process loses nothing, a power cut may lose the last
    /// acknowledged writes.
    Normal,
}

impl Db {
    /// Connects to `url`: `sqlite://path` (created if missing, every
    /// commit synced to the disk) or `postgres://…`.
    pub async fn connect(url: &str) -> StoreResult<Db> {
        Self::connect_with(url, SqliteSync::Full).await
    }

    /// [`Db::connect`], with SQLite's commits synced as `sync` says.
    pub async fn connect_with(url: &str, sync: SqliteSync) -> StoreResult<Db> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::BadUrl(e.to_string()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(match sync {
                    SqliteSync::Full => SqliteSynchronous::Full,
                    SqliteSync::Normal => SqliteSynchronous::Normal,
                })
                .foreign_keys(true)
                .busy_timeout(BUSY_TIMEOUT)
                .pragma("temp_store", "memory")
                // 64 MiB of pages per connection (SQLite's default is
                // 2 MiB): a county's part of the people index is about
                // 13 MB, and a bulk load that writes it spills to the log
                // page by page when it does not fit.
                .pragma("cache_size", "-65536")
                // A checkpoint copies the log into the database and syncs
                // it: every 8,000 pages (about 32 MB) rather than SQLite's
                // 1,000, so one write in several hundred pays for it
                // instead of one in a few dozen; the log stays bounded.
                .pragma("wal_autocheckpoint", "8000")
                // A log grown past this (readers kept a checkpoint from
                // starting over at its beginning) is cut back to it once
                // a checkpoint has copied it (the job `sqlite.checkpoint`
                // makes sure one does).
                .pragma("journal_size_limit", "67108864");
            // A local file cannot drop a connection: skip the ping that
            // would otherwise precede every acquire.
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .min_connections(1)
                .test_before_acquire(false)
                .connect_with(opts)
                .await?;
            Ok(Db::Sqlite(pool, WriteTurn::default()))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url)
                .map_err(|e| StoreError::BadUrl(e.to_string()))?
                .application_name("grassroots")
                .options([PLAN_CACHE_MODE]);
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            Err(StoreError::BadUrl(format!(
                "{}: the URL must start with sqlite:// or postgres://",
                redact_url(url)
            )))
        }
    }

    /// Connects to PostgreSQL with every connection's `search_path` set to
    /// `schema` (used to give each test its own schema).
    pub async fn connect_postgres_schema(url: &str, schema: &str) -> StoreResult<Db> {
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::BadUrl(e.to_string()))?
            .options([("search_path", schema), PLAN_CACHE_MODE]);
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await?;
        Ok(Db::Postgres(pool))
    }

    /// On SQLite, copies the write-ahead log into the database and starts
    /// it over from its beginning (cut back to `journal_size_limit`),
    /// waiting at most `wait` for readers still using it and for writers;
    /// returns whether it had to give up (readers or a writer stayed
    /// longer; the next call tries again) and the log's pages before. A
    /// log that readers never leave otherwise only grows. Nothing to do on
    /// PostgreSQL (`None`).
    pub async fn checkpoint(&self, wait: Duration) -> StoreResult<Option<(bool, i64)>> {
        let Db::Sqlite(pool, _) = self else {
            return Ok(None);
        };
        let mut c = pool.acquire().await?;
        // What the log holds, copied first without waiting for anyone
        // (a checkpoint that starts the log over reports none).
        let (_, pages, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&mut *c)
            .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA busy_timeout = {}",
            wait.as_millis()
        )))
        .execute(&mut *c)
        .await?;
        let done: Result<(i64, i64, i64), sqlx::Error> =
            sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&mut *c)
                .await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA busy_timeout = {}",
            BUSY_TIMEOUT.as_millis()
        )))
        .execute(&mut *c)
        .await?;
        match done {
            Ok((busy, _, _)) => Ok(Some((busy != 0, pages))),
            // The write lock stayed taken: a try for the next run.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("5") => {
                Ok(Some((true, pages)))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The dialect of this database.
    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(..) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Borrows a connection for reads.
    pub async fn conn(&self) -> StoreResult<Conn> {
        Ok(match self {
            Db::Sqlite(p, _) => Conn::Sqlite(p.acquire().await?),
            Db::Postgres(p) => Conn::Postgres(p.acquire().await?),
        })
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(match self {
            Db::Sqlite(p, turn) => Tx::Sqlite(turn.begin(p, false).await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Starts a long write transaction (an import, a job over the whole
    /// tree). On SQLite the writers grouped before it are committed first
    /// instead of waiting for it, and it is grouped with nobody (see
    /// [`crate::group_commit`]).
    pub async fn begin_alone(&self) -> StoreResult<Tx> {
        Ok(match self {
            Db::Sqlite(p, turn) => Tx::Sqlite(turn.begin(p, true).await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Refreshes the planner's statistics of `tables` after a bulk load.
    /// PostgreSQL plans with them, and its autovacuum gathers them only
    /// some time after a load: until then it plans for nearly empty tables
    /// (measured: a subtree list 129 ms before, 0.17 ms after). SQLite here
    /// plans without statistics, as it always has, so nothing is done.
    pub async fn analyze(&self, tables: &[&str]) -> StoreResult<()> {
        self.on_each_postgres_table("ANALYZE", tables).await
    }

    /// After a bulk load (PostgreSQL): `VACUUM (ANALYZE)` of `tables`, what
    /// autovacuum would do some time later. Counters upserted many times
    /// over leave dead row versions that every read of them steps over
    /// (12 ms against 3 ms for a province's children at national scale),
    /// and index-only scans need the pages marked all-visible.
    pub async fn vacuum_analyze(&self, tables: &[&str]) -> StoreResult<()> {
        self.on_each_postgres_table("VACUUM (ANALYZE)", tables)
            .await
    }

    /// Runs `command table` for each of `tables` on PostgreSQL (nothing on
    /// SQLite).
    async fn on_each_postgres_table(&self, command: &str, tables: &[&str]) -> StoreResult<()> {
        if let Db::Postgres(p) = self {
            for table in tables {
                // Table names are the caller's constants, never input.
                debug_assert!(table.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
                sqlx::query(sqlx::AssertSqlSafe(format!("{command} {table}")))
                    .execute(p)
                    .await?;
            }
        }
        Ok(())
    }

    /// Closes every connection of the pool.
    pub async fn close(&self) {
        match self {
            Db::Sqlite(p, _) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    /// Commits the transaction; results kept between requests are read
    /// anew (see [`crate::changes`]).
    pub async fn commit(self) -> StoreResult<()> {
        self.commit_as(Some(Change::Broad)).await
    }

    /// Commits a transaction that changed only the progress of plans
    /// (targets, check-ins, blockers, their roll-ups and the audit log) of
    /// `units`: a unit and every unit above it. Kept results of other
    /// subtrees, and those that never show progress, stay kept.
    pub async fn commit_progress(self, units: Vec<grassroots_core::UnitId>) -> StoreResult<()> {
        self.commit_as(Some(Change::Progress(units))).await
    }

    /// Commits a write that kept results need not follow (when a session
    /// or a token was last used: kept sign-ins hold the time before it,
    /// and the server remembers its own stamps), without counting it
    /// among the commits that make kept results be read anew: with one such stamp a minute per
    /// active reader, a thousand readers would otherwise drop every kept
    /// dashboard and listing many times a second.
    pub async fn commit_unseen(self) -> StoreResult<()> {
        self.commit_as(None).await
    }

    /// Commits, then records `change` for kept results (on SQLite, whoever
    /// commits the group records it, even if this writer stopped waiting).
    async fn commit_as(self, change: Option<Change>) -> StoreResult<()> {
        match self {
            Tx::Sqlite(t) => t.commit(change).await?,
            Tx::Postgres(t) => {
                t.commit().await?;
                change.iter().for_each(crate::changes::record);
            }
        }
        Ok(())
    }

    /// Rolls the transaction back (a dry run). Dropping it does the same,
    /// but this waits for the database to confirm.
    pub async fn rollback(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(t) => t.rollback().await?,
            Tx::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }
}

/// Hides the password of a database URL, for logs and `config show`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("REDACTED"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// `n` new ids of `table`'s identity column (PostgreSQL), taken before
/// the rows are written so that rows pointing at each other go in one
/// statement.
pub(crate) async fn reserve_ids(
    conn: &mut sqlx::PgConnection,
    table: &str,
    n: usize,
) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)",
    )
    .bind(table)
    .bind(n as i64)
    .fetch_all(conn)
    .await?)
}

/// A case-insensitive `LIKE` pattern matching `text` anywhere, with the
/// wildcards of `text` taken literally.
pub fn contains_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Rows per statement of PostgreSQL bulk writes, which send whole columns
/// as arrays (`UNNEST`): one round trip per few thousand rows.
pub(crate) const PG_ROWS: usize = 5_000;

/// The rows of a multi-row `VALUES` list, `(…), (…)`: each row is `width`
/// parameters numbered after the `shared` ones (bound once per statement)
/// and written with `marker` (`$` for sqlx on both engines, `?` for
/// rusqlite), followed by `tail` (which may name the shared ones, e.g.
/// `$1`).
pub(crate) fn numbered_rows(
    rows: usize,
    width: usize,
    shared: usize,
    tail: &str,
    marker: char,
) -> String {
    use std::fmt::Write;
    let mut sql = String::new();
    let mut n = shared;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..width {
            n += 1;
            let _ = write!(sql, "{}{marker}{n}", if c == 0 { "" } else { ", " });
        }
        if !tail.is_empty() {
            let _ = write!(sql, ", {tail}");
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod numbered_rows_tests {
    use super::numbered_rows;

    #[test]
    fn rows_are_numbered_after_the_shared_parameters() {
        assert_eq!(
            numbered_rows(2, 2, 1, "$1", '$'),
            "($2, $3, $1), ($4, $5, $1)"
        );
        assert_eq!(numbered_rows(1, 3, 0, "", '?'), "(?1, ?2, ?3)");
    }
}
