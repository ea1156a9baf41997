use thiserror::Error;

/// Errors of the storage layer.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The record does not exist, or lies outside the caller's scope (the
    /// two are deliberately indistinguishable).
    #[error("not found")]
    NotFound,
    /// A uniqueness or reference rule was violated; names the field.
    #[error("{field} conflicts with an existing record")]
    Conflict {
        /// The field at fault.
        field: &'static str,
    },
    /// The organization profile does not let a unit of `level` sit
    /// directly under one of `parent_level`.
    #[error("a unit of level `{level}` cannot sit under a unit of level `{parent_level}`")]
    Placement {
        /// The level of the unit being placed.
        level: String,
        /// The level of the unit it would sit under.
        parent_level: String,
        /// The levels it may sit under.
        allowed: Vec<String>,
    },
    /// The database URL is not usable.
    #[error("invalid database URL: {0}")]
    BadUrl(String),
    /// A migration on disk differs from the one applied.
    #[error("migration {version} ({name}) was changed after it was applied")]
    MigrationChanged {
        /// Version number of the migration.
        version: i64,
        /// Its name.
        name: String,
    },
    /// The database was written by a newer grassroots.
    #[error(
        "the database has migration {0}, which this version of grassroots does not know; upgrade grassroots"
    )]
    TooNew(i64),
    /// Any other database error.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    /// A database error on the direct SQLite path of bulk writes.
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// Other failure (for instance a backup file operation).
    #[error("{0}")]
    Other(String),
}

impl StoreError {
    /// Whether this is a violated uniqueness rule.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Db(sqlx::Error::Database(db)) => db.is_unique_violation(),
            StoreError::Sqlite(e) => crate::sqlite_direct::is_unique_violation(e),
            _ => false,
        }
    }

    /// Maps a unique-constraint violation to a [`StoreError::Conflict`] on
    /// `field`, leaving other errors as they are.
    pub fn conflict_on(self, field: &'static str) -> StoreError {
        if self.is_unique_violation() {
            StoreError::Conflict { field }
        } else {
            self
        }
    }
}

/// Result of a storage call.
pub type StoreResult<T> = Result<T, StoreError>;
