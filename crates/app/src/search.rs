//! The people search index: kept by every write that changes a name or a
//! place; a database older than the index is filled by the job below.

use crate::{App, AppResult};

/// People indexed per transaction when filling the index.
const BATCH: i64 = 2_000;

/// Indexes the people the index does not hold yet, a batch per
/// transaction in the order of their ids, from where the last fill ended
/// (people written since were indexed as they were written); returns how
/// many.
pub async fn index_missing(app: &App) -> AppResult<u64> {
    let mut n = 0;
    let mut after = grassroots_store::search::filled_through(&mut app.db.conn().await?).await?;
    loop {
        let mut tx = app.db.begin().await?;
        let (count, last) = grassroots_store::search::index_missing(&mut tx, after, BATCH).await?;
        match last {
            Some(last) => grassroots_store::search::set_filled_through(&mut tx, last).await?,
            None => grassroots_store::search::set_filled_to_end(&mut tx).await?,
        }
        tx.commit().await?;
        n += count as u64;
        match last {
            Some(last) => after = last,
            None => return Ok(n),
        }
    }
}

/// Fills the people search index of a database older than it, every
/// minute (once it is full, a look at the people added since).
pub const INDEX_JOB: crate::jobs::Job = crate::jobs::Job {
    name: "search.people",
    every_seconds: 60,
    run: |app| Box::pin(index_missing(app)),
};
