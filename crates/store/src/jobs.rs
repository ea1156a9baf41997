//! The table of background jobs. A job runs on the server that took its
//! lease: taking it is one conditional `UPDATE` (the job is due and no
//! unexpired lease is held), so when several servers share the database
//! each run happens on one of them, and a server that dies mid-run holds
//! the job only until its lease expires.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{DbConn, StoreResult, on_ex};

/// A job's row.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct JobState {
    /// The job's name.
    pub name: String,
    /// When it is next due.
    pub due_at: DateTime<Utc>,
    /// The server holding its lease, while one runs it.
    pub leased_by: Option<String>,
    /// When that lease expires.
    pub lease_until: Option<DateTime<Utc>>,
    /// When its last run started.
    pub started_at: Option<DateTime<Utc>>,
    /// When its last run finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// The error of the last run, if it failed.
    pub last_error: Option<String>,
    /// Runs finished.
    pub runs: i64,
    /// Runs that failed.
    pub failures: i64,
}

/// Whether `holder` took the lease of job `name` until `lease_until`:
/// the job is due at `now` and no unexpired lease is held. A job not seen
/// before is due at once.
pub async fn claim(
    c: &mut impl DbConn,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> StoreResult<bool> {
    on_ex!(c, |e| sqlx::query(
        "INSERT INTO jobs (name, due_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING"
    )
    .bind(name)
    .bind(now)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    let taken = on_ex!(c, |e| sqlx::query(
        "UPDATE jobs SET leased_by = $2, lease_until = $3, started_at = $4
         WHERE name = $1 AND due_at <= $4 AND (lease_until IS NULL OR lease_until <= $4)"
    )
    .bind(name)
    .bind(holder)
    .bind(lease_until)
    .bind(now)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(taken == 1)
}

/// Ends `holder`'s run of job `name` at `now`: the lease is released and
/// the job is next due at `next_due`. Returns false when the lease was no
/// longer `holder`'s (it expired and another server took the job).
pub async fn finish(
    c: &mut impl DbConn,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    next_due: DateTime<Utc>,
    error: Option<&str>,
) -> StoreResult<bool> {
    let done = on_ex!(c, |e| sqlx::query(
        "UPDATE jobs SET leased_by = NULL, lease_until = NULL, due_at = $3,
                finished_at = $4, last_error = $5, runs = runs + 1,
                failures = failures + $6
         WHERE name = $1 AND leased_by = $2"
    )
    .bind(name)
    .bind(holder)
    .bind(next_due)
    .bind(now)
    .bind(error)
    .bind(i64::from(error.is_some()))
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Every job's row, by name.
pub async fn list(c: &mut impl DbConn) -> StoreResult<Vec<JobState>> {
    Ok(on_ex!(c, |e| sqlx::query_as(
        "SELECT name, due_at, leased_by, lease_until, started_at, finished_at,
                last_error, runs, failures
         FROM jobs ORDER BY name"
    )
    .fetch_all(&mut *e)
    .await)?)
}
