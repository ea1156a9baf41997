//! Search: people, units, experiences and decisions found by words in
//! Korean or English (see `core::search`), each within what the reader
//! may read. The indexes are kept by every write that changes a text or
//! a place; a database older than them is filled by the jobs below.

use grassroots_core::Read;
use grassroots_store::decisions::Decision;
use grassroots_store::experiences::Experience;
use grassroots_store::people::Person;
use grassroots_store::search::texts::{self, Texts};
use grassroots_store::units::UnitHit;
use serde::Serialize;

use crate::{Actor, App, AppResult};

/// Hits of each kind a search returns at most.
pub const HITS: i64 = 20;

/// What a search found, each kind in its own order (people and units by
/// name, experiences as the library orders them, decisions newest first),
/// at most [`HITS`] of each. People are the first the index yields (a
/// unit's people listing pages through all of them by name).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Found {
    /// The words searched for, as typed.
    pub q: String,
    /// People inside the reader's scope.
    pub people: Vec<Person>,
    /// Open units inside the reader's scope.
    pub units: Vec<UnitHit>,
    /// Articles of the library (for a reader who belongs to the
    /// organization).
    pub experiences: Vec<Experience>,
    /// Decisions issued inside the reader's scope or addressed to it.
    pub decisions: Vec<Decision>,
}

/// Everything the reader may read that matches `q` (nothing for an empty
/// query; a query longer than 200 characters is refused).
pub async fn find(app: &App, actor: &Actor, q: &str) -> AppResult<Found> {
    let text = crate::input::optional(q, "q", 200)?.unwrap_or_default();
    let text = text.as_str();
    let query = grassroots_core::search::query(text);
    let mut found = Found {
        q: text.to_string(),
        ..Found::default()
    };
    if query.is_open() && query.contains.is_empty() {
        return Ok(found);
    }
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    found.people = grassroots_store::people::search_in_scope(&mut c, &read, &query, HITS).await?;
    found.people.sort_by(|a, b| {
        grassroots_core::collation::compare(&a.full_name, &b.full_name).then(a.id.cmp(&b.id))
    });
    found.units = grassroots_store::units::search(&mut c, &read, &query, HITS).await?;
    found.decisions = grassroots_store::decisions::search(&mut c, &read, &query, HITS).await?;
    drop(c);
    if crate::experiences::require_member_of_organization(app, actor)
        .await
        .is_ok()
    {
        let mut c = app.db.conn().await?;
        found.experiences = grassroots_store::experiences::search(
            &mut c,
            &grassroots_store::experiences::Filter {
                q: text,
                ..Default::default()
            },
            &app.clock.today().to_string(),
            HITS,
        )
        .await?;
    }
    Ok(found)
}

/// People ids looked at per transaction when filling the index.
const BATCH: i64 = 10_000;

/// Indexes the people the index does not hold yet, a batch per
/// transaction in the order of their ids, from where the last fill ended
/// (people written since were indexed as they were written); returns how
/// many.
pub async fn index_missing(app: &App) -> AppResult<u64> {
    let mut n = 0;
    let mut after = grassroots_store::search::filled_through(&mut app.db.conn().await?).await?;
    loop {
        let mut tx = app.db.begin().await?;
        let (count, walked) =
            grassroots_store::search::index_missing(&mut tx, after, BATCH).await?;
        tx.commit().await?;
        n += count as u64;
        match walked {
            Some(to) => after = to,
            None => return Ok(n),
        }
    }
}

/// Records that every index holds every row there is (a writer that
/// indexed everything it wrote, such as the demo, spares the fill jobs
/// their first walk).
pub async fn mark_indexes_full(app: &App) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    grassroots_store::search::set_filled_to_end(&mut tx).await?;
    for kind in Texts::ALL {
        texts::set_filled_to_end(&mut tx, kind).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Fills the people search index of a database older than it, every
/// minute (once it is full, a look at the people added since).
pub const INDEX_JOB: crate::jobs::Job = crate::jobs::Job {
    name: "search.people",
    every_seconds: 60,
    run: |app| Box::pin(index_missing(app)),
};

/// Row ids looked at per transaction when filling the units',
/// experiences' and decisions' indexes.
const TEXTS_BATCH: i64 = 10_000;

/// Indexes the units, articles and decisions their indexes do not hold
/// yet, from where the last fill ended; returns how many.
pub async fn index_missing_texts(app: &App) -> AppResult<u64> {
    let mut n = 0;
    for kind in Texts::ALL {
        let mut after = texts::filled_through(&mut app.db.conn().await?, kind).await?;
        loop {
            let mut tx = app.db.begin().await?;
            let (count, last) = texts::index_missing(&mut tx, kind, after, TEXTS_BATCH).await?;
            tx.commit().await?;
            n += count as u64;
            match last {
                Some(last) => after = last,
                None => break,
            }
        }
    }
    Ok(n)
}

/// Fills the indexes of units, experiences and decisions of a database
/// older than them, every minute (once full, a look at the rows added
/// since).
pub const TEXTS_JOB: crate::jobs::Job = crate::jobs::Job {
    name: "search.texts",
    every_seconds: 60,
    run: |app| Box::pin(index_missing_texts(app)),
};
