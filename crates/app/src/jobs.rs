//! Background jobs: each feature names its jobs and how often they run
//! ([`crate::registry::JOBS`]); [`run_due`] runs the ones that are due,
//! each under a lease in the jobs table, so that several servers sharing
//! one database run every job once per period between them.

use std::future::Future;
use std::pin::Pin;

use chrono::Duration;
use grassroots_store::jobs::{self, JobState};

use crate::{App, AppResult};

/// What a job's run returns: how many things it did.
pub type JobFuture<'a> = Pin<Box<dyn Future<Output = AppResult<u64>> + Send + 'a>>;

/// A background job.
pub struct Job {
    /// Its name in the jobs table and in the logs.
    pub name: &'static str,
    /// Seconds from the end of one run to the next.
    pub every_seconds: i64,
    /// One run; safe to repeat, and to run while requests write.
    pub run: fn(&App) -> JobFuture<'_>,
}

/// How long a server holds a job it started: a run longer than this may
/// be started again by another server.
pub const LEASE_SECONDS: i64 = 15 * 60;

/// The outcome of one job's run.
#[derive(Debug)]
pub struct JobRun {
    /// The job.
    pub name: &'static str,
    /// Things done, or the error.
    pub outcome: AppResult<u64>,
}

/// A name for this server in job leases, unique among servers.
pub fn holder_name() -> String {
    let token = crate::passwords::random_token();
    format!("{}-{}", std::process::id(), &token[..8])
}

/// Runs every job of `registry` that is due and not leased by another
/// server, as `holder`; returns what ran.
pub async fn run_due(app: &App, registry: &[Job], holder: &str) -> AppResult<Vec<JobRun>> {
    let mut ran = Vec::new();
    for job in registry {
        let now = app.clock.now();
        let claimed = {
            let mut c = app.db.conn().await?;
            jobs::claim(
                &mut c,
                job.name,
                holder,
                now,
                now + Duration::seconds(LEASE_SECONDS),
            )
            .await?
        };
        if !claimed {
            continue;
        }
        let outcome = (job.run)(app).await;
        let error = outcome.as_ref().err().map(|e| e.to_string());
        let done = app.clock.now();
        let mut c = app.db.conn().await?;
        jobs::finish(
            &mut c,
            job.name,
            holder,
            done,
            done + Duration::seconds(job.every_seconds),
            error.as_deref(),
        )
        .await?;
        ran.push(JobRun {
            name: job.name,
            outcome,
        });
    }
    Ok(ran)
}

/// Every job's row: when it is due, who runs it, how its last run went.
pub async fn states(app: &App) -> AppResult<Vec<JobState>> {
    let mut c = app.db.conn().await?;
    Ok(jobs::list(&mut c).await?)
}

/// Copies SQLite's write-ahead log into the database and starts it over,
/// waiting at most a quarter of a second for readers (it tries again at
/// its next run); returns the log's pages before. Under a steady load
/// some reader always holds the log, and SQLite's own checkpoints, which
/// never wait, then leave it growing.
pub async fn checkpoint(app: &App) -> AppResult<u64> {
    let done = app
        .db
        .checkpoint(std::time::Duration::from_millis(250))
        .await?;
    Ok(done.map_or(0, |(_, pages)| pages.max(0) as u64))
}

/// [`checkpoint`] every 30 seconds.
pub const CHECKPOINT_JOB: Job = Job {
    name: "sqlite.checkpoint",
    every_seconds: 30,
    run: |app| Box::pin(checkpoint(app)),
};
