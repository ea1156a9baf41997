//! People of units: add, open (a logged, sensitive read), change status,
//! list and search within the reader's scope.

use grassroots_core::validate::display_name;
use grassroots_core::{Edit, FieldError, Read, UnitId};
use grassroots_store::people::{self, NewPerson, PeopleFilter, Person, StatusChange};
use grassroots_store::{audit, tree};
use serde::Serialize;
use serde_json::json;

// Also reached as `people::optional` by the import of people.
pub(crate) use crate::input::optional;
use crate::{Actor, App, AppResult};

/// Input for a new person.
#[derive(Debug, Clone, Default)]
pub struct PersonInput {
    /// Full name.
    pub full_name: String,
    /// Contact.
    pub contact: String,
    /// Status.
    pub status: String,
    /// Date joined, YYYY-MM-DD or empty.
    pub joined_on: String,
    /// External id or empty.
    pub external_id: String,
}

fn status(raw: &str) -> AppResult<String> {
    if let Some(s) = grassroots_core::vocab::PersonStatus::parse(raw.trim()) {
        Ok(s.as_str().to_string())
    } else {
        Err(FieldError::new(
            "status",
            "invalid",
            format!("must be one of: {}", people::STATUSES.join(", ")),
        )
        .into())
    }
}

/// A date YYYY-MM-DD, or `None` when empty.
pub(crate) fn date(raw: &str) -> AppResult<Option<String>> {
    let d = raw.trim();
    if d.is_empty() {
        return Ok(None);
    }
    // Most dates arrive already written as they are stored: checked
    // digit by digit, then as a calendar day, without a format string.
    let b = d.as_bytes();
    if b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    {
        let number = |r: std::ops::Range<usize>| d[r].parse::<u32>().unwrap_or(0);
        let year = number(0..4) as i32;
        if chrono::NaiveDate::from_ymd_opt(year, number(5..7), number(8..10)).is_some() {
            return Ok(Some(d.to_string()));
        }
    }
    grassroots_core::calendar::parse_day(d)
        .map(|v| Some(v.format("%Y-%m-%d").to_string()))
        .map_err(|_| FieldError::new("joined_on", "invalid", "must be a date YYYY-MM-DD").into())
}

/// Adds a person to a unit.
pub async fn create(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    input: PersonInput,
) -> AppResult<Person> {
    crate::units::require::<Edit>(app, actor, unit_id).await?;
    let full_name = display_name("full_name", &input.full_name)?;
    let status = status(&input.status)?;
    let joined_on = date(&input.joined_on)?;
    let contact = optional(&input.contact, "contact", 200)?.unwrap_or_default();
    let external_id = optional(&input.external_id, "external_id", 100)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let person = people::create(
        &mut tx,
        &actor.principal.scope::<Edit>(),
        &NewPerson {
            unit_id,
            full_name: &full_name,
            contact: &contact,
            status: &status,
            joined_on: joined_on.as_deref(),
            external_id: external_id.as_deref(),
        },
        &actor.label,
        now,
    )
    .await?;
    let mut e = actor.entry("person.create", "person", person.id, Some(unit_id));
    e.after = Some(json!(person));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(person)
}

/// A person's full record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonRecord {
    /// The person.
    pub person: Person,
    /// Status history, oldest first.
    pub history: Vec<StatusChange>,
    /// Whether the reader may change the record.
    pub can_edit: bool,
}

/// Opens a person's full record: a sensitive read, written to the audit
/// log in its own transaction before the record is returned.
pub async fn open(app: &App, actor: &Actor, id: i64) -> AppResult<PersonRecord> {
    let read = actor.principal.scope::<Read>();
    let (person, history, can_edit) = {
        let mut c = app.db.conn().await?;
        let person = people::get(&mut c, &read, id).await?;
        let history = people::history(&mut c, &read, id).await?;
        let can_edit =
            tree::in_scope(&mut c, &actor.principal.scope::<Edit>(), person.unit_id).await?;
        (person, history, can_edit)
    };
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let e = actor.entry("person.read", "person", id, Some(person.unit_id));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(PersonRecord {
        person,
        history,
        can_edit,
    })
}

/// Changes a person's status.
pub async fn set_status(app: &App, actor: &Actor, id: i64, new_status: &str) -> AppResult<Person> {
    let new_status = status(new_status)?;
    let unit_id = {
        let mut c = app.db.conn().await?;
        people::get(&mut c, &actor.principal.scope::<Read>(), id)
            .await?
            .unit_id
    };
    crate::units::require::<Edit>(app, actor, unit_id).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let (before, after) = people::set_status(
        &mut tx,
        &actor.principal.scope::<Edit>(),
        id,
        &new_status,
        &actor.label,
        now,
    )
    .await?;
    if before != after {
        let mut e = actor.entry("person.status", "person", id, Some(after.unit_id));
        e.before = Some(json!({ "status": before.status }));
        e.after = Some(json!({ "status": after.status }));
        audit::append(&mut tx, now, &e).await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// What a people listing was asked, with the reader's scope: the key of
/// a kept listing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListingKey {
    unit_id: UnitId,
    subtree: bool,
    name: Option<String>,
    status: Option<String>,
    skill: Option<i64>,
    limit: i64,
    offset: i64,
    /// The reader's read scope: what the listing was filtered by.
    subtrees: Vec<UnitId>,
    singles: Vec<UnitId>,
}

/// People listings (a unit's people, a search by name) kept between
/// requests while nothing changed.
pub type KeptListings = crate::cache::Kept<ListingKey, Vec<Person>>;

/// The listing cache of a server with `config`: up to 500 people each.
pub fn kept_listings(config: &crate::Config) -> KeptListings {
    crate::cache::Kept::configured(1_024, config)
        .watching(|_| grassroots_store::Watch::AllButProgress)
}

/// People of a unit (or its subtree) within the reader's scope; kept
/// between requests while nothing changed (see [`crate::cache`]), after
/// the reader's right to the unit is checked on every request.
pub async fn list(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    filter: PeopleFilter,
) -> AppResult<Vec<Person>> {
    let path = crate::units::require_read_kept(app, actor, unit_id).await?;
    if let Some(s) = &filter.status {
        status(s)?;
    }
    let filter = PeopleFilter {
        limit: filter.limit.clamp(1, 500),
        offset: filter.offset.max(0),
        ..filter
    };
    let read = actor.principal.scope::<Read>();
    let key = ListingKey {
        unit_id,
        subtree: filter.subtree,
        name: filter.name.clone(),
        status: filter.status.clone(),
        skill: filter.skill,
        limit: filter.limit,
        offset: filter.offset,
        subtrees: read.subtree_roots().to_vec(),
        singles: read.single_units().to_vec(),
    };
    let kept = app
        .people_listings
        .get_or_read(key, || async {
            let mut c = app.db.conn().await?;
            Ok::<_, crate::AppError>(people::list_on_path(&mut c, &read, &path, &filter).await?)
        })
        .await?;
    Ok(kept.as_ref().clone())
}

/// Person ids looked at per transaction when keying older names.
const KEY_SPAN: i64 = 10_000;

/// Gives the people written before names had sort keys their keys, a
/// range of ids per transaction; returns how many.
pub async fn key_older_names(app: &App) -> AppResult<u64> {
    let mut n = 0;
    loop {
        let mut tx = app.db.begin().await?;
        let Some((keyed, more)) = people::key_older_names(&mut tx, KEY_SPAN).await? else {
            // Nothing written: committing would drop every kept result
            // each minute for nothing.
            tx.rollback().await?;
            return Ok(n);
        };
        tx.commit().await?;
        n += keyed as u64;
        if !more {
            return Ok(n);
        }
    }
}

/// Keys the names of people older than the sort keys, every minute until
/// none is left (then it finds nothing to do).
pub const NAME_KEYS_JOB: crate::jobs::Job = crate::jobs::Job {
    name: "people.name_keys",
    every_seconds: 60,
    run: |app| Box::pin(key_older_names(app)),
};

#[cfg(test)]
mod tests {
    use super::date;

    #[test]
    fn dates_are_checked_and_stored_one_way() {
        assert_eq!(date("2019-04-15").unwrap().as_deref(), Some("2019-04-15"));
        assert_eq!(date(" 2019-4-5 ").unwrap().as_deref(), Some("2019-04-05"));
        assert_eq!(date("").unwrap(), None);
        for bad in [
            "2019-02-30",
            "2019-13-01",
            "2019-00-10",
            "31/12/2020",
            "2019-04-1x",
        ] {
            assert!(date(bad).is_err(), "{bad} was accepted");
        }
    }
}
