//! Forward-only migrations, one folder per engine, embedded in the binary.
//!
//! Each migration runs in its own transaction together with the row that
//! records it, so a failed migration leaves nothing behind. A checksum
//! catches a migration edited after it was applied.

use sha2::{Digest, Sha256};

use crate::{Db, DbConn, Dialect, StoreError, StoreResult, on_ex};

/// One migration script.
pub struct Migration {
    /// Increasing version number.
    pub version: i64,
    /// Short name.
    pub name: &'static str,
    /// The SQL of this engine.
    pub sql: &'static str,
}

/// Declares the migrations once; each engine has its own file of the same
/// name under `migrations/<engine>/`.
macro_rules! migrations {
    ($(($version:literal, $name:literal, $file:literal)),* $(,)?) => {
        const SQLITE: &[Migration] = &[$(Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../migrations/sqlite/", $file)),
        }),*];
        const POSTGRES: &[Migration] = &[$(Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../migrations/postgres/", $file)),
        }),*];
    };
}

migrations![
    (1, "foundation", "0001_foundation.sql"),
    (2, "people_aggregates", "0002_people_aggregates.sql"),
    (3, "positions", "0003_positions.sql"),
    (4, "account_person", "0004_account_person.sql"),
    (5, "skills", "0005_skills.sql"),
    (6, "transfers", "0006_transfers.sql"),
    (7, "unit_lifecycle", "0007_unit_lifecycle.sql"),
    (8, "decisions", "0008_decisions.sql"),
    (9, "plans", "0009_plans.sql"),
    (10, "meetings", "0010_meetings.sql"),
    (
        11,
        "commendations_bulletins",
        "0011_commendations_bulletins.sql"
    ),
    (12, "regularity", "0012_regularity.sql"),
    (13, "speeches_running", "0013_speeches_running.sql"),
    (14, "listing_order", "0014_listing_order.sql"),
    (
        15,
        "placement_and_given_speeches",
        "0015_placement_and_given_speeches.sql"
    ),
    (16, "jobs", "0016_jobs.sql"),
    (17, "welfare", "0017_welfare.sql"),
    (18, "calendar_feeds", "0018_calendar_feeds.sql"),
    (19, "supply", "0019_supply.sql"),
    (20, "appeals", "0020_appeals.sql"),
    (21, "safety", "0021_safety.sql"),
    (22, "checklists", "0022_checklists.sql"),
    (23, "inspection_schedules", "0023_inspection_schedules.sql"),
    (24, "people_search", "0024_people_search.sql"),
    (25, "study", "0025_study.sql"),
    (26, "experiences", "0026_experiences.sql"),
    (27, "learning_centres", "0027_learning_centres.sql"),
    (28, "text_search", "0028_text_search.sql"),
    (29, "study_leavers", "0029_study_leavers.sql"),
    (30, "search_single_tokens", "0030_search_single_tokens.sql"),
    (31, "search_mixed_words", "0031_search_mixed_words.sql"),
    (32, "locales", "0032_locales.sql"),
    (33, "people_name_keys", "0033_people_name_keys.sql"),
    (34, "people_terms", "0034_people_terms.sql"),
];

/// The migrations of a dialect, in order.
pub fn migrations(dialect: Dialect) -> &'static [Migration] {
    match dialect {
        Dialect::Sqlite => SQLITE,
        Dialect::Postgres => POSTGRES,
    }
}

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// Applies every pending migration; returns the versions applied now.
/// Safe to run from several servers at once: on PostgreSQL an advisory
/// lock serializes them, on SQLite the immediate transaction does.
pub async fn run(db: &Db) -> StoreResult<Vec<i64>> {
    let dialect = db.dialect();
    let mut applied_now = Vec::new();
    let mut tx = db.begin().await?;
    let create = "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    BIGINT PRIMARY KEY,
            name       TEXT NOT NULL,
            checksum   TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )";
    if dialect == Dialect::Postgres {
        on_ex!(&mut tx, |e| sqlx::query(
            "SELECT pg_advisory_xact_lock(7120161)"
        )
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected()))?;
    }
    on_ex!(&mut tx, |e| sqlx::query(create)
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected()))?;
    let done: Vec<(i64, String, String)> = on_ex!(&mut tx, |e| sqlx::query_as(
        "SELECT version, name, checksum FROM schema_migrations ORDER BY version"
    )
    .fetch_all(&mut *e)
    .await)?;
    let known = migrations(dialect);
    for (version, name, sum) in &done {
        match known.iter().find(|m| m.version == *version) {
            None => return Err(StoreError::TooNew(*version)),
            Some(m) if &checksum(m.sql) != sum => {
                return Err(StoreError::MigrationChanged {
                    version: *version,
                    name: name.clone(),
                });
            }
            Some(_) => {}
        }
    }
    for m in known {
        if done.iter().any(|(v, _, _)| *v == m.version) {
            continue;
        }
        on_ex!(&mut tx, |e| sqlx::raw_sql(m.sql)
            .execute(&mut *e)
            .await
            .map(|r| r.rows_affected()))?;
        let now = chrono::Utc::now().to_rfc3339();
        on_ex!(&mut tx, |e| {
            sqlx::query(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(m.version)
        .bind(m.name)
        .bind(checksum(m.sql))
        .bind(&now)
        .execute(&mut *e).await.map(|r| r.rows_affected())
        })?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
        applied_now.push(m.version);
    }
    tx.commit().await?;
    Ok(applied_now)
}

/// Versions already applied to the database (empty if it was never migrated).
pub async fn applied(c: &mut impl DbConn) -> StoreResult<Vec<i64>> {
    let exists: bool = match c.dialect() {
        Dialect::Sqlite => {
            on_ex!(c, |e| {
                sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        )
        .fetch_one(&mut *e)
        .await
            })? > 0
        }
        Dialect::Postgres => {
            on_ex!(c, |e| {
                sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"
        )
        .fetch_one(&mut *e)
        .await
            })? > 0
        }
    };
    if !exists {
        return Ok(Vec::new());
    }
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT version FROM schema_migrations ORDER BY version"
    )
    .fetch_all(&mut *e)
    .await)?)
}

/// Tables and their columns, sorted, as the engine reports them. Used to
/// prove that both engines' migrations produce the same schema.
pub async fn table_columns(c: &mut impl DbConn) -> StoreResult<Vec<(String, String)>> {
    let rows: Vec<(String, String)> = match c.dialect() {
        Dialect::Sqlite => on_ex!(c, |e| sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
             ORDER BY m.name, p.name"
        )
        .fetch_all(&mut *e)
        .await)?,
        Dialect::Postgres => on_ex!(c, |e| sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema()
             ORDER BY table_name, column_name"
        )
        .fetch_all(&mut *e)
        .await)?,
    };
    // The search indexes are the engine's own (an FTS5 table with its
    // shadow tables, a tsvector table); the search tests run on both.
    Ok(rows
        .into_iter()
        .filter(|(table, _)| !engine_specific(table))
        .collect())
}

/// Whether `table` is one each engine builds its own way (a search index
/// or one of FTS5's shadow tables), left out of [`table_columns`].
fn engine_specific(table: &str) -> bool {
    const SHADOWS: [&str; 5] = ["_config", "_content", "_data", "_idx", "_docsize"];
    table.ends_with("_search")
        || SHADOWS.iter().any(|s| {
            table
                .strip_suffix(s)
                .is_some_and(|t| t.ends_with("_search"))
        })
}
