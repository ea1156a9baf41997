//! Backups. SQLite: an online, consistent copy with `VACUUM INTO`.
//! PostgreSQL: `pg_dump` / `pg_restore`, when installed.

use std::path::Path;

use crate::{Db, StoreError, StoreResult};

/// Writes a consistent copy of a SQLite database to `dest` while the
/// server keeps running.
pub async fn sqlite_backup(db: &Db, dest: &Path) -> StoreResult<()> {
    let Db::Sqlite(pool, _) = db else {
        return Err(StoreError::Other(
            "sqlite_backup needs a SQLite database".into(),
        ));
    };
    if dest.exists() {
        return Err(StoreError::Other(format!(
            "{} already exists; choose a new file name",
            dest.display()
        )));
    }
    let dest = dest
        .to_str()
        .ok_or_else(|| StoreError::Other("the backup path must be valid UTF-8".into()))?;
    sqlx::query("VACUUM INTO $1")
        .bind(dest)
        .execute(pool)
        .await?;
    Ok(())
}

/// Runs an external PostgreSQL tool, with a clear message when it is
/// missing.
pub async fn run_pg_tool(program: &str, args: &[&str]) -> StoreResult<()> {
    let output = tokio::process::Command::new(program)
        .args(args)
        .output()
        .await
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                StoreError::Other(format!(
                    "{program} was not found on PATH. PostgreSQL backups use the PostgreSQL client tools: install them (on Debian: apt-get install postgresql-client) and run the command again."
                ))
            } else {
                StoreError::Other(format!("could not run {program}: {e}"))
            }
        })?;
    if !output.status.success() {
        return Err(StoreError::Other(format!(
            "{program} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(())
}
