//! SQLite's writers of this process: one at a time, in the order they
//! came, their commits grouped.
//!
//! With every commit synced to the disk, a commit costs a sync of the
//! log; writers queued behind each other would each pay for one. Instead
//! the writers share one transaction: each writes inside a savepoint of
//! it, and one that finds others waiting for their turn hands the open
//! transaction on and waits; the last of a group commits it (one sync)
//! and tells the others. Nobody is told their write is done before the
//! commit that holds it is on the disk, and a failed commit fails every
//! write it held. The writers of a group see each other's writes, as
//! they would had each committed in turn. What each write changed is
//! recorded for kept results ([`crate::changes`]) by whoever commits,
//! before anyone is told, so a writer that stopped waiting still counts.
//!
//! The writer that opens the transaction writes in it directly (undoing
//! its writes is undoing the transaction, nobody else's being in it yet);
//! those that join it take a savepoint. A long writer (an import, a job
//! over the whole tree) begins alone ([`crate::Db::begin_alone`]): it
//! commits the group before it first, rather than have writers that
//! finished wait for it, and commits its own transaction at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{OwnedMutexGuard, oneshot};

use crate::changes::{Change, record};
use crate::{StoreError, StoreResult};

/// Writers a group holds at most, so that the first of a group is not
/// kept waiting long for the others.
const MOST_IN_A_GROUP: usize = 64;

/// The turn of SQLite's writers in this process. Writers wait for it
/// without a connection: waiting for SQLite's lock in its busy handler
/// (sleeps of up to 100 ms) while holding one, a few waited many times
/// longer than the rest and readers ran short of connections (check-ins
/// at 64 clients: p99 0.9 s and timeouts; docs/benchmarks.md). Another
/// process still waits in the busy handler.
#[derive(Clone, Debug, Default)]
pub struct WriteTurn {
    group: Arc<tokio::sync::Mutex<Group>>,
    /// Writers waiting for the turn.
    waiting: Arc<AtomicUsize>,
}

/// The transaction the writers share.
#[derive(Debug, Default)]
struct Group {
    /// The connection of the open transaction, if one is open.
    conn: Option<PoolConnection<Sqlite>>,
    /// What the writes in it changed, recorded once it commits.
    changes: Vec<Change>,
    /// Writers whose writes are in it, waiting for its commit.
    waiting_for_commit: Vec<oneshot::Sender<Result<(), String>>>,
    /// Counts the transactions ended.
    ended: u64,
}

impl Group {
    fn conn(&mut self) -> &mut SqliteConnection {
        self.conn
            .as_mut()
            .expect("a writer holding the turn has the transaction open")
    }
}

/// Counts a writer waiting for the turn, until it has it or gives up.
struct Waiting(Arc<AtomicUsize>);

impl Waiting {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Self(count.clone())
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// One writer's part of the shared transaction: a savepoint, held with
/// the turn until it is committed or rolled back. Dropped without either,
/// its writes are undone.
pub struct SqliteWrite {
    held: Option<OwnedMutexGuard<Group>>,
    turn: WriteTurn,
    /// Whether it joined a transaction others had written in (and so
    /// writes in a savepoint), rather than opening it.
    joined: bool,
    /// A long writer, grouped with nobody.
    alone: bool,
}

impl std::ops::Deref for SqliteWrite {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        self.held
            .as_ref()
            .and_then(|g| g.conn.as_deref())
            .expect("an open write")
    }
}

impl std::ops::DerefMut for SqliteWrite {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.held.as_mut().expect("an open write").conn()
    }
}

impl WriteTurn {
    /// Waits for the turn and starts a write: the shared transaction
    /// (`BEGIN IMMEDIATE`, taking SQLite's write lock up front, so a
    /// read-then-write never fails half-way on a lock upgrade) and a
    /// savepoint in it. Runs to its end even if the caller gives up, so
    /// the turn is never left with a half-made write. An `alone` write
    /// first commits the group it finds open, and is grouped with nobody.
    pub(crate) async fn begin(&self, pool: &SqlitePool, alone: bool) -> StoreResult<SqliteWrite> {
        let turn = self.clone();
        let pool = pool.clone();
        join(tokio::spawn(async move {
            let mut held = {
                let _waiting = Waiting::new(&turn.waiting);
                turn.group.clone().lock_owned().await
            };
            if alone && held.conn.is_some() {
                // Its writers' answers do not wait for the long write.
                end(&mut held, true).await.ok();
            }
            let joined = held.conn.is_some();
            if !joined {
                let mut conn = pool.acquire().await?;
                sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await?;
                held.conn = Some(conn);
            } else if let Err(e) = sqlx::raw_sql("SAVEPOINT write").execute(held.conn()).await {
                end(&mut held, false).await.ok();
                return Err(e.into());
            }
            Ok(SqliteWrite {
                held: Some(held),
                turn,
                joined,
                alone,
            })
        }))
        .await
    }
}

impl SqliteWrite {
    /// Keeps the writes: returns once the transaction holding them is
    /// committed (by this writer or a later one of its group), with
    /// `change` recorded for kept results (`None`: nothing they show).
    pub(crate) async fn commit(mut self, change: Option<Change>) -> StoreResult<()> {
        let held = self.held.take().expect("an open write");
        let (turn, joined, alone) = (self.turn.clone(), self.joined, self.alone);
        let done = join(tokio::spawn(async move {
            let mut held = held;
            if joined && let Err(e) = sqlx::raw_sql("RELEASE write").execute(held.conn()).await {
                end(&mut held, false).await.ok();
                return Err(StoreError::from(e));
            }
            held.changes.extend(change);
            if alone {
                return Ok(Ended::Now(end(&mut held, true).await));
            }
            Ok(pass_on_or_end(held, &turn, true).await)
        }))
        .await?;
        match done {
            Ended::Now(result) => result,
            Ended::Later(answer) => match answer.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(why)) => Err(StoreError::Other(format!(
                    "the write was not committed: {why}"
                ))),
                Err(_) => Err(StoreError::Other(
                    "the write was not committed: its transaction ended unanswered".into(),
                )),
            },
        }
    }

    /// Undoes the writes (the others of the group keep theirs).
    pub(crate) async fn rollback(mut self) -> StoreResult<()> {
        let held = self.held.take().expect("an open write");
        let turn = self.turn.clone();
        join(tokio::spawn(undo(held, turn, self.joined))).await
    }
}

impl Drop for SqliteWrite {
    fn drop(&mut self) {
        let Some(mut held) = self.held.take() else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(undo(held, self.turn.clone(), self.joined));
        } else {
            // No runtime to undo it on: closing the connection rolls the
            // whole transaction back, and its writers are told.
            if let Some(conn) = held.conn.take() {
                drop(conn.detach());
            }
            tell(&mut held, Err("the transaction was abandoned".into()));
        }
    }
}

/// Undoes one writer's writes: the transaction, if the writer opened it
/// (nobody else has written in it yet); otherwise its savepoint, then
/// passes the turn on or ends the transaction for the others in it.
async fn undo(mut held: OwnedMutexGuard<Group>, turn: WriteTurn, joined: bool) -> StoreResult<()> {
    if !joined {
        return end(&mut held, false).await;
    }
    match sqlx::raw_sql("ROLLBACK TO write; RELEASE write")
        .execute(held.conn())
        .await
    {
        Ok(_) => {
            if let Ended::Now(result) = pass_on_or_end(held, &turn, false).await {
                result?;
            }
            Ok(())
        }
        Err(e) => {
            end(&mut held, false).await.ok();
            Err(e.into())
        }
    }
}

/// How a writer's transaction ended or will.
enum Ended {
    /// It ended now, with this result.
    Now(StoreResult<()>),
    /// Another writer will end it and send the result.
    Later(oneshot::Receiver<Result<(), String>>),
}

/// With writers waiting for the turn and room in the group, passes the
/// open transaction on (a writer that `wrote` waits for its commit);
/// otherwise commits it.
async fn pass_on_or_end(mut held: OwnedMutexGuard<Group>, turn: &WriteTurn, wrote: bool) -> Ended {
    let others = turn.waiting.load(Ordering::Acquire) > 0;
    if !others || held.waiting_for_commit.len() >= MOST_IN_A_GROUP {
        return Ended::Now(end(&mut held, true).await);
    }
    let answer = wrote.then(|| {
        let (tell, answer) = oneshot::channel();
        held.waiting_for_commit.push(tell);
        answer
    });
    let transaction = held.ended;
    drop(held);
    // The writers after this one may all give up, or end their part
    // without others waiting behind them and yet leave the transaction to
    // a writer that never comes: when the turn comes back round, the
    // transaction is committed if it is still this one.
    let turn = turn.clone();
    tokio::spawn(async move {
        let mut held = turn.group.lock_owned().await;
        if held.ended == transaction && held.conn.is_some() {
            end(&mut held, true).await.ok();
        }
    });
    match answer {
        Some(answer) => Ended::Later(answer),
        None => Ended::Now(Ok(())),
    }
}

/// Commits (or rolls back) the open transaction, gives its connection
/// back and tells the writers waiting for it.
async fn end(held: &mut Group, commit: bool) -> StoreResult<()> {
    let Some(mut conn) = held.conn.take() else {
        return Ok(());
    };
    let result = if commit {
        match sqlx::raw_sql("COMMIT").execute(&mut *conn).await {
            Ok(_) => Ok(()),
            Err(e) => {
                // Whatever is left of it goes.
                sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await.ok();
                Err(e)
            }
        }
    } else {
        sqlx::raw_sql("ROLLBACK")
            .execute(&mut *conn)
            .await
            .map(|_| ())
    };
    let changes = std::mem::take(&mut held.changes);
    let told = match (&result, commit) {
        (Ok(()), true) => {
            // Before anyone is told: their next reads must not be served
            // what was kept from before.
            changes.iter().for_each(record);
            Ok(())
        }
        (Ok(()), false) => Err("a write beside it failed, and took it back".to_string()),
        (Err(e), _) => Err(e.to_string()),
    };
    if result.is_err() {
        // A connection whose transaction state is in doubt is not reused.
        drop(conn.detach());
    }
    tell(held, told);
    Ok(result?)
}

/// Tells the writers waiting for the transaction how it ended.
fn tell(held: &mut Group, result: Result<(), String>) {
    held.ended += 1;
    held.changes.clear();
    for writer in held.waiting_for_commit.drain(..) {
        // One that gave up waiting is not told.
        let _ = writer.send(result.clone());
    }
}

/// The result of a task that runs to its end whatever its caller does.
async fn join<T>(task: tokio::task::JoinHandle<StoreResult<T>>) -> StoreResult<T> {
    task.await
        .map_err(|e| StoreError::Other(format!("a write stopped: {e}")))?
}
