//! Organizational life: a unit convenes a meeting (or a conference), invites
//! participants by unit, by person or by position across a subtree, keeps
//! attendance against its quorum, runs an agenda with a list of speakers
//! per item, keeps speech texts, documents and minutes, adopts decisions,
//! and closes the meeting, which locks its record.
//!
//! Convening, adopting decisions and closing need Manage at the convening
//! unit; running the meeting (participants, attendance, agenda, speakers,
//! documents, minutes) needs Edit there. Every change takes the meeting's
//! row lock in its transaction and writes one audit row.

use chrono::{Duration, NaiveDate};
use grassroots_core::calendar::Era;
use grassroots_core::validate::display_name;
use grassroots_core::{Capability, Edit, FieldError, Manage, Read, UnitId};
use grassroots_store::decisions::{self as decision_store, Decision};
use grassroots_store::meetings::{
    self as store, ATTENDANCE, AgendaItem, Attendance, Cadence, Document, Invitation, Meeting,
    MeetingFacts, MeetingListing, MeetingType, NewSpeech, Participant, SPEECH_KINDS, Speech,
};
use grassroots_store::{Tx, audit, positions, profiles, tree, units};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::decisions::DecisionInput;
use crate::{Actor, App, AppError, AppResult, refusal};

/// Longest text kept in a speech, document or the minutes.
const MAX_TEXT: usize = 200_000;

/// The longest a meeting may run, in days (a congress runs for several).
const MAX_DAYS: i64 = 31;

fn too_long(field: &'static str) -> AppError {
    FieldError::new(field, "too_long", "must be at most 200,000 characters").into()
}

fn closed() -> AppError {
    FieldError::new(
        "meeting",
        "closed",
        "the meeting is closed; its record can be read but not changed",
    )
    .into()
}

fn date(field: &'static str, raw: &str) -> AppResult<NaiveDate> {
    grassroots_core::calendar::parse_day(raw.trim())
        .map_err(|_| FieldError::new(field, "invalid", "must be a date YYYY-MM-DD").into())
}

fn text(field: &'static str, raw: &str) -> AppResult<String> {
    if raw.chars().count() > MAX_TEXT {
        return Err(too_long(field));
    }
    Ok(raw.to_string())
}

/// Meeting types, cadences and the calendar era.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeetingSettings {
    /// Meeting types in display order.
    pub types: Vec<MeetingType>,
    /// Expected cadences per type and level.
    pub cadences: Vec<Cadence>,
    /// How dates are shown: `gregorian`, `juche` or `minguo`.
    pub calendar_era: String,
}

/// The meeting types, cadences and calendar era (any signed-in user).
pub async fn settings(app: &App) -> AppResult<MeetingSettings> {
    let mut c = app.db.conn().await?;
    Ok(MeetingSettings {
        types: store::types(&mut c).await?,
        cadences: store::cadences(&mut c).await?,
        calendar_era: profiles::calendar_era(&mut c).await?,
    })
}

/// The calendar era kept between requests (every page that shows a date
/// reads it; it changes only by a write).
pub type KeptEra = crate::cache::Kept<(), Era>;

/// The organization's calendar era.
pub async fn era(app: &App) -> AppResult<Era> {
    let era = app
        .era
        .get_or_read((), || async {
            let mut c = app.db.conn().await?;
            Ok::<_, AppError>(
                Era::parse(&profiles::calendar_era(&mut c).await?).unwrap_or_default(),
            )
        })
        .await?;
    Ok(*era)
}

/// Chooses the calendar era dates are shown in (administrators of the
/// whole organization).
pub async fn set_era(app: &App, actor: &Actor, era: &str) -> AppResult<Era> {
    let root = crate::profiles::require_org_admin(app, actor).await?;
    let Some(era) = Era::parse(era.trim()) else {
        return Err(FieldError::new(
            "calendar_era",
            "invalid",
            "must be one of: gregorian, juche, minguo",
        )
        .into());
    };
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let before = profiles::calendar_era(&mut tx).await?;
    profiles::set_calendar_era(&mut tx, era.as_str()).await?;
    let mut e = actor.entry("organization.calendar_era", "organization", 1, Some(root));
    e.before = Some(json!({ "calendar_era": before }));
    e.after = Some(json!({ "calendar_era": era.as_str() }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(era)
}

/// Meeting types shipped with names in every language.
const BUILT_IN_TYPES: &[&str] = &[
    "cell_meeting",
    "committee_meeting",
    "general_meeting",
    "plenary_meeting",
    "conference",
];

/// A meeting type as typed: a new key with its name, or a new name for a
/// key (empty: a built-in type's own name again).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MeetingTypeInput {
    /// Key: lowercase letters, digits and `_`, starting with a letter.
    pub key: String,
    /// Name shown (up to 100 characters).
    #[serde(default)]
    pub label: String,
}

/// Adds a meeting type or renames one (administrators of the whole
/// organization); returns every type.
pub async fn set_type(
    app: &App,
    actor: &Actor,
    input: MeetingTypeInput,
) -> AppResult<Vec<MeetingType>> {
    let root = crate::profiles::require_org_admin(app, actor).await?;
    let key = input.key.trim();
    let valid_key = key.len() <= 40
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid_key {
        return Err(FieldError::new(
            "key",
            "invalid",
            "lowercase letters, digits and _ (up to 40), starting with a letter",
        )
        .into());
    }
    let label = input.label.trim();
    if label.chars().count() > 100 {
        return Err(FieldError::new("label", "too_long", "at most 100 characters").into());
    }
    if label.chars().any(char::is_control) {
        return Err(
            FieldError::new("label", "invalid", "no line breaks or control characters").into(),
        );
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let before = store::types(&mut tx).await?;
    let known = before.iter().find(|t| t.key == key);
    if label.is_empty() && !BUILT_IN_TYPES.contains(&key) {
        return Err(FieldError::new(
            "label",
            "required",
            "a kind of meeting of your own needs its name",
        )
        .into());
    }
    store::set_type(&mut tx, key, label).await?;
    let mut e = actor.entry("meeting.type", "meeting_type", key, Some(root));
    e.before = known.map(|t| json!({ "label": t.label }));
    e.after = Some(json!({ "label": label }));
    audit::append(&mut tx, now, &e).await?;
    let all = store::types(&mut tx).await?;
    tx.commit().await?;
    Ok(all)
}

/// A cadence as typed: `every_days` empty or absent removes it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CadenceInput {
    /// Meeting type key.
    pub meeting_type: String,
    /// Level key.
    pub level: String,
    /// Expected interval in days (1–3660); none removes the cadence.
    #[serde(default)]
    pub every_days: Option<i64>,
}

/// Sets how often units of a level are expected to hold a meeting of a
/// type (administrators of the whole organization).
pub async fn set_cadence(app: &App, actor: &Actor, input: CadenceInput) -> AppResult<Vec<Cadence>> {
    let root = crate::profiles::require_org_admin(app, actor).await?;
    let mut c = app.db.conn().await?;
    let meeting_type = input.meeting_type.trim();
    if !store::types(&mut c)
        .await?
        .iter()
        .any(|t| t.key == meeting_type)
    {
        return Err(FieldError::new("meeting_type", "invalid", "unknown meeting type").into());
    }
    let level = input.level.trim();
    if !profiles::active(&mut c)
        .await?
        .iter()
        .any(|l| l.key == level)
    {
        return Err(FieldError::new("level", "invalid", "unknown level").into());
    }
    drop(c);
    if let Some(d) = input.every_days
        && !(1..=3660).contains(&d)
    {
        return Err(FieldError::new("every_days", "out_of_range", "must be 1 to 3660").into());
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    store::set_cadence(&mut tx, meeting_type, level, input.every_days).await?;
    let today = now.date_naive().to_string();
    grassroots_store::meetings::regularity::rebuild(&mut tx, meeting_type, level, &today).await?;
    let mut e = actor.entry("meeting.cadence", "meeting_type", meeting_type, Some(root));
    e.after = Some(json!({ "level": level, "every_days": input.every_days }));
    audit::append(&mut tx, now, &e).await?;
    let all = store::cadences(&mut tx).await?;
    tx.commit().await?;
    Ok(all)
}

/// A meeting's facts as typed in a form or an API body.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MeetingInput {
    /// Meeting type key.
    pub meeting_type: String,
    /// Title.
    pub title: String,
    /// First day, YYYY-MM-DD.
    pub held_on: String,
    /// Last day, YYYY-MM-DD (default: the first day; at most 31 days on).
    #[serde(default)]
    pub ends_on: String,
    /// Start time HH:MM (optional).
    #[serde(default)]
    pub starts_at: String,
    /// Place (optional).
    #[serde(default)]
    pub location: String,
    /// Quorum: more than this percentage of the invited present (0–99,
    /// default 50, "more than half").
    #[serde(default)]
    pub quorum_percent: Option<i64>,
}

struct CheckedFacts {
    meeting_type: String,
    title: String,
    held_on: String,
    ends_on: String,
    starts_at: String,
    location: String,
    quorum_percent: i64,
}

impl CheckedFacts {
    fn facts(&self) -> MeetingFacts<'_> {
        MeetingFacts {
            meeting_type: &self.meeting_type,
            title: &self.title,
            held_on: &self.held_on,
            ends_on: &self.ends_on,
            starts_at: &self.starts_at,
            location: &self.location,
            quorum_percent: self.quorum_percent,
        }
    }
}

async fn check_facts(app: &App, input: &MeetingInput) -> AppResult<CheckedFacts> {
    let meeting_type = input.meeting_type.trim();
    let types = store::types(&mut app.db.conn().await?).await?;
    if !types.iter().any(|t| t.key == meeting_type) {
        return Err(FieldError::new(
            "meeting_type",
            "invalid",
            format!(
                "must be one of: {}",
                types
                    .iter()
                    .map(|t| t.key.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .into());
    }
    let title = display_name("title", &input.title)?;
    let held_on = date("held_on", &input.held_on)?;
    let ends_on = match input.ends_on.trim() {
        "" => held_on,
        d => date("ends_on", d)?,
    };
    if ends_on < held_on {
        return Err(FieldError::new(
            "ends_on",
            "before_start",
            "must not be before the first day",
        )
        .into());
    }
    if ends_on - held_on > Duration::days(MAX_DAYS - 1) {
        return Err(
            FieldError::new("ends_on", "too_long", "a meeting lasts at most 31 days").into(),
        );
    }
    let starts_at = match input.starts_at.trim() {
        "" => String::new(),
        t => chrono::NaiveTime::parse_from_str(t, "%H:%M")
            .map_err(|_| FieldError::new("starts_at", "invalid", "must be a time HH:MM"))?
            .format("%H:%M")
            .to_string(),
    };
    let location = input.location.trim();
    if location.chars().count() > 200 || location.chars().any(char::is_control) {
        return Err(FieldError::new(
            "location",
            "invalid",
            "must be at most 200 characters of text",
        )
        .into());
    }
    let quorum_percent = input.quorum_percent.unwrap_or(50);
    if !(0..=99).contains(&quorum_percent) {
        return Err(FieldError::new("quorum_percent", "out_of_range", "must be 0 to 99").into());
    }
    Ok(CheckedFacts {
        meeting_type: meeting_type.to_string(),
        title,
        held_on: held_on.to_string(),
        ends_on: ends_on.to_string(),
        starts_at,
        location: location.to_string(),
        quorum_percent,
    })
}

/// Convenes a meeting of `unit_id` (Manage there).
pub async fn convene(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    input: MeetingInput,
) -> AppResult<Meeting> {
    crate::units::require::<Manage>(app, actor, unit_id).await?;
    let checked = check_facts(app, &input).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let meeting = store::create(
        &mut tx,
        &actor.principal.scope::<Manage>(),
        unit_id,
        &checked.facts(),
        &actor.label,
        now,
    )
    .await?;
    let mut e = actor.entry("meeting.convene", "meeting", meeting.id, Some(unit_id));
    e.after = Some(json!({ "meeting": meeting }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(meeting)
}

/// Opens `meeting_id` for a change needing capability `C` at its convening
/// unit: the transaction holds the meeting's lock. Refuses a closed
/// meeting, and answers `Forbidden` or `NotFound` as the reader may or may
/// not see it.
pub(crate) async fn open<C: Capability>(
    app: &App,
    actor: &Actor,
    meeting_id: i64,
) -> AppResult<(Tx, Meeting)> {
    let tx = app.db.begin().await?;
    open_in::<C>(app, actor, tx, meeting_id).await
}

/// [`open`] inside a transaction already begun.
async fn open_in<C: Capability>(
    app: &App,
    actor: &Actor,
    mut tx: Tx,
    meeting_id: i64,
) -> AppResult<(Tx, Meeting)> {
    match store::lock_for_change(&mut tx, &actor.principal.scope::<C>(), meeting_id).await {
        Ok((m, _)) if m.closed_at.is_some() => Err(closed()),
        // A closed unit is history: its meetings are read, never changed.
        Ok((_, true)) => Err(crate::units::closed_error("unit_id")),
        Ok((m, false)) => Ok((tx, m)),
        Err(grassroots_store::StoreError::NotFound) => {
            drop(tx);
            let mut c = app.db.conn().await?;
            let readable = store::get(&mut c, &actor.principal.scope::<Read>(), meeting_id)
                .await
                .is_ok();
            Err(refusal(readable))
        }
        Err(e) => Err(e.into()),
    }
}

/// Writes the audit row of a change and commits.
async fn finish(
    app: &App,
    actor: &Actor,
    mut tx: Tx,
    meeting: &Meeting,
    action: &str,
    after: serde_json::Value,
) -> AppResult<()> {
    let mut e = actor.entry(action, "meeting", meeting.id, Some(meeting.unit_id));
    e.after = Some(after);
    audit::append(&mut tx, app.clock.now(), &e).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes a meeting's facts (Manage at the convening unit).
pub async fn update(app: &App, actor: &Actor, id: i64, input: MeetingInput) -> AppResult<Meeting> {
    let checked = check_facts(app, &input).await?;
    let (mut tx, meeting) = open::<Manage>(app, actor, id).await?;
    store::update(&mut tx, id, &checked.facts()).await?;
    let updated = store::for_change(&mut tx, &actor.principal.scope::<Manage>(), id).await?;
    finish(
        app,
        actor,
        tx,
        &meeting,
        "meeting.update",
        json!({ "before": meeting, "meeting": updated }),
    )
    .await?;
    Ok(updated)
}

/// The meetings a unit convened and those its people are invited to.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitMeetings {
    /// Convened by the unit, newest first (at most 100).
    pub convened: Vec<MeetingListing>,
    /// Convened elsewhere with participants from the unit (at most 100).
    pub invited: Vec<MeetingListing>,
}

/// The meetings of a unit.
pub async fn of_unit(app: &App, actor: &Actor, unit_id: UnitId) -> AppResult<UnitMeetings> {
    crate::units::require::<Read>(app, actor, unit_id).await?;
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    Ok(UnitMeetings {
        convened: store::convened_by(&mut c, &read, unit_id, 100).await?,
        invited: store::invited_to(&mut c, &read, unit_id, 100).await?,
    })
}

/// Meetings a person is invited to (whoever may read the person).
pub async fn of_person(app: &App, actor: &Actor, person_id: i64) -> AppResult<Vec<MeetingListing>> {
    let mut c = app.db.conn().await?;
    grassroots_store::people::get(&mut c, &actor.principal.scope::<Read>(), person_id).await?;
    Ok(store::of_person(&mut c, person_id, 200).await?)
}

/// A meeting in a calendar feed.
#[derive(Debug, Clone)]
pub struct CalendarEntry {
    /// The meeting and its convener's name.
    pub listing: MeetingListing,
    /// Its planned length from the agenda's durations (0: unknown).
    pub agenda_minutes: i64,
}

/// A calendar feed's meetings, newest first, at most this many.
const FEED_LIMIT: i64 = 500;

async fn calendar_entries(
    c: &mut grassroots_store::Conn,
    listings: Vec<MeetingListing>,
) -> AppResult<Vec<CalendarEntry>> {
    let ids: Vec<i64> = listings.iter().map(|l| l.meeting.id).collect();
    let minutes = store::agenda_minutes(c, &ids).await?;
    Ok(listings
        .into_iter()
        .map(|listing| CalendarEntry {
            agenda_minutes: minutes.get(&listing.meeting.id).copied().unwrap_or(0),
            listing,
        })
        .collect())
}

/// The calendar of a unit: the meetings it convened and those its people
/// are invited to (readers of the unit), with the unit's name.
pub async fn unit_calendar(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
) -> AppResult<(String, Vec<CalendarEntry>)> {
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    let unit = units::get(&mut c, &read, unit_id).await?;
    let mut listings = store::convened_by(&mut c, &read, unit_id, FEED_LIMIT).await?;
    listings.extend(store::invited_to(&mut c, &read, unit_id, FEED_LIMIT).await?);
    listings.sort_by(|a, b| {
        (&b.meeting.held_on, b.meeting.id).cmp(&(&a.meeting.held_on, a.meeting.id))
    });
    listings.truncate(FEED_LIMIT as usize);
    Ok((unit.name, calendar_entries(&mut c, listings).await?))
}

/// The calendar of a person: the meetings they are invited to (readers
/// of the person), with their name.
pub async fn person_calendar(
    app: &App,
    actor: &Actor,
    person_id: i64,
) -> AppResult<(String, Vec<CalendarEntry>)> {
    let mut c = app.db.conn().await?;
    let person =
        grassroots_store::people::get(&mut c, &actor.principal.scope::<Read>(), person_id).await?;
    let listings = store::of_person(&mut c, person_id, FEED_LIMIT).await?;
    Ok((person.full_name, calendar_entries(&mut c, listings).await?))
}

/// Makes (or replaces) the signed-in person's own calendar subscription
/// and returns its secret, shown once: calendar apps subscribe to
/// `/calendar/<secret>.ics` without a cookie. The earlier URL stops
/// working.
pub async fn create_personal_feed(app: &App, actor: &Actor) -> AppResult<String> {
    let account_id = actor.account_id.ok_or(AppError::Forbidden)?;
    if actor.principal.is_token() {
        return Err(AppError::Forbidden);
    }
    let secret = crate::passwords::random_token();
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    store::feeds::replace(&mut tx, account_id, &crate::passwords::digest(&secret), now).await?;
    let e = actor.entry(
        "calendar_feed.create",
        "account",
        account_id,
        Some(actor.home_unit_id),
    );
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(secret)
}

/// Ends the signed-in person's calendar subscription.
pub async fn revoke_personal_feed(app: &App, actor: &Actor) -> AppResult<bool> {
    let account_id = actor.account_id.ok_or(AppError::Forbidden)?;
    if actor.principal.is_token() {
        return Err(AppError::Forbidden);
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let had = store::feeds::revoke(&mut tx, account_id).await?;
    if had {
        let e = actor.entry(
            "calendar_feed.revoke",
            "account",
            account_id,
            Some(actor.home_unit_id),
        );
        audit::append(&mut tx, now, &e).await?;
    }
    tx.commit().await?;
    Ok(had)
}

/// When the signed-in account's calendar subscription was made, if any.
pub async fn personal_feed_created(
    app: &App,
    actor: &Actor,
) -> AppResult<Option<chrono::DateTime<chrono::Utc>>> {
    let account_id = actor.account_id.ok_or(AppError::Forbidden)?;
    Ok(store::feeds::created(&mut app.db.conn().await?, account_id).await?)
}

/// The meetings of the person whose subscription has `secret`: not found
/// for an unknown, revoked or disabled one (indistinguishable).
pub async fn personal_feed(app: &App, secret: &str) -> AppResult<(String, Vec<CalendarEntry>)> {
    let mut c = app.db.conn().await?;
    let person_id = store::feeds::person_of(&mut c, &crate::passwords::digest(secret))
        .await?
        .ok_or(AppError::NotFound)?;
    let name = grassroots_store::people::name_of(&mut c, person_id)
        .await?
        .unwrap_or_default();
    let listings = store::of_person(&mut c, person_id, FEED_LIMIT).await?;
    Ok((name, calendar_entries(&mut c, listings).await?))
}

/// An agenda item with its list of speakers and its documents.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgendaEntry {
    /// The item.
    pub item: AgendaItem,
    /// Its speakers in order.
    pub speeches: Vec<Speech>,
    /// Its documents.
    pub documents: Vec<Document>,
}

/// The whole record of a meeting as one reader may see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeetingRecord {
    /// The meeting.
    pub meeting: Meeting,
    /// Name of the convening unit.
    pub unit_name: String,
    /// Attendance counts over every participant.
    pub attendance: Attendance,
    /// Whether more than the quorum percentage of the invited are present.
    pub quorate: bool,
    /// Participants; only those of the reader's units when the reader
    /// sees the meeting through them rather than through its convener.
    pub participants: Vec<Participant>,
    /// Whether `participants` is the full list.
    pub full_list: bool,
    /// The agenda in order.
    pub agenda: Vec<AgendaEntry>,
    /// The speech being given now, if any.
    pub speaking: Option<i64>,
    /// Decisions adopted at the meeting.
    pub decisions: Vec<Decision>,
    /// Commendations conferred at the meeting, in order.
    pub commendations: Vec<grassroots_store::commendations::Commendation>,
    /// Whether the reader may run the meeting (Edit at the convener).
    pub can_edit: bool,
    /// Whether the reader may change, close it or adopt decisions (Manage).
    pub can_manage: bool,
}

/// Whether `a` meets a quorum of more than `percent` % of the invited.
pub fn quorate(a: &Attendance, percent: i64) -> bool {
    a.invited > 0 && a.present * 100 > percent * a.invited
}

/// A meeting's record.
pub async fn view(app: &App, actor: &Actor, id: i64) -> AppResult<MeetingRecord> {
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    let meeting = store::get(&mut c, &read, id).await?;
    let full_list = tree::in_scope(&mut c, &read, meeting.unit_id).await?;
    let unit_name = units::names(&mut c, &[meeting.unit_id])
        .await?
        .pop()
        .map(|(_, n)| n)
        .unwrap_or_default();
    let attendance = store::attendance(&mut c, id).await?;
    let participants =
        store::participants(&mut c, id, if full_list { None } else { Some(&read) }).await?;
    let items = store::agenda(&mut c, id).await?;
    let speeches = store::speeches(&mut c, id).await?;
    let documents = store::documents(&mut c, id).await?;
    let speaking = speeches
        .iter()
        .find(|s| s.started_at.is_some() && s.stopped_at.is_none())
        .map(|s| s.id);
    let mut speeches_of = group(speeches, |s| s.agenda_item_id);
    let mut documents_of = group(documents, |d| d.agenda_item_id);
    let agenda = items
        .into_iter()
        .map(|item| AgendaEntry {
            speeches: speeches_of.remove(&item.id).unwrap_or_default(),
            documents: documents_of.remove(&item.id).unwrap_or_default(),
            item,
        })
        .collect();
    let decisions = decision_store::of_meeting(&mut c, id).await?;
    let commendations = grassroots_store::commendations::of_meeting(&mut c, id).await?;
    let can_edit =
        tree::in_scope(&mut c, &actor.principal.scope::<Edit>(), meeting.unit_id).await?;
    let can_manage = can_edit
        && tree::in_scope(&mut c, &actor.principal.scope::<Manage>(), meeting.unit_id).await?;
    Ok(MeetingRecord {
        quorate: quorate(&attendance, meeting.quorum_percent),
        meeting,
        unit_name,
        attendance,
        participants,
        full_list,
        agenda,
        speaking,
        decisions,
        commendations,
        can_edit,
        can_manage,
    })
}

fn group<T>(all: Vec<T>, key: impl Fn(&T) -> i64) -> std::collections::HashMap<i64, Vec<T>> {
    let mut out: std::collections::HashMap<i64, Vec<T>> = std::collections::HashMap::new();
    for x in all {
        out.entry(key(&x)).or_default().push(x);
    }
    out
}

/// Who to invite, as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct InviteInput {
    /// `unit`, `person` or `position`.
    pub by: String,
    /// `unit`: the unit whose people come; `position`: the subtree to
    /// look in (default: the convening unit).
    #[serde(default)]
    pub unit_id: Option<UnitId>,
    /// `unit`: also the people of every unit below.
    #[serde(default)]
    pub subtree: bool,
    /// `person`: the people.
    #[serde(default)]
    pub person_ids: Vec<i64>,
    /// `position`: the position type key (e.g. `secretary`).
    #[serde(default)]
    pub position_type: String,
    /// `position`: only holders in units of these levels (default: all).
    #[serde(default)]
    pub levels: Vec<String>,
}

/// Invites participants (Edit at the convening unit); only people the
/// actor may read are invited. Returns how many were added.
pub async fn invite(app: &App, actor: &Actor, id: i64, input: InviteInput) -> AppResult<u64> {
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    match input.by.as_str() {
        "unit" => {
            let unit = input
                .unit_id
                .ok_or_else(|| FieldError::new("unit_id", "required", "choose a unit"))?;
            if !tree::in_scope(&mut c, &read, unit).await? {
                return Err(
                    FieldError::new("unit_id", "not_found", "no such unit in your scope").into(),
                );
            }
        }
        "person" => {
            if input.person_ids.is_empty() || input.person_ids.len() > 1000 {
                return Err(
                    FieldError::new("person_ids", "invalid", "name 1 to 1,000 people").into(),
                );
            }
            for p in &input.person_ids {
                if grassroots_store::people::get(&mut c, &read, *p)
                    .await
                    .is_err()
                {
                    return Err(FieldError::new(
                        "person_ids",
                        "not_found",
                        format!("no person {p} in your scope"),
                    )
                    .into());
                }
            }
        }
        "position" => {
            let key = input.position_type.trim();
            if !positions::types(&mut c).await?.iter().any(|t| t.key == key) {
                return Err(
                    FieldError::new("position_type", "invalid", "unknown position type").into(),
                );
            }
            let known = profiles::active(&mut c).await?;
            if let Some(l) = input
                .levels
                .iter()
                .find(|l| !known.iter().any(|k| &k.key == *l))
            {
                return Err(
                    FieldError::new("levels", "invalid", format!("unknown level `{l}`")).into(),
                );
            }
            if let Some(u) = input.unit_id
                && !tree::in_scope(&mut c, &read, u).await?
            {
                return Err(
                    FieldError::new("unit_id", "not_found", "no such unit in your scope").into(),
                );
            }
        }
        _ => {
            return Err(
                FieldError::new("by", "invalid", "must be one of: unit, person, position").into(),
            );
        }
    }
    drop(c);
    let (mut tx, meeting) = open::<Edit>(app, actor, id).await?;
    let who = match input.by.as_str() {
        "unit" => Invitation::Unit {
            unit_id: input.unit_id.unwrap_or(meeting.unit_id),
            subtree: input.subtree,
        },
        "person" => Invitation::People(&input.person_ids),
        _ => Invitation::Position {
            position_type: input.position_type.trim(),
            under: input.unit_id.unwrap_or(meeting.unit_id),
            levels: &input.levels,
        },
    };
    let added = store::invite(&mut tx, &read, id, &who).await?;
    finish(
        app,
        actor,
        tx,
        &meeting,
        "meeting.invite",
        json!({ "by": input.by, "unit_id": input.unit_id, "subtree": input.subtree,
                "person_ids": input.person_ids, "position_type": input.position_type,
                "levels": input.levels, "added": added }),
    )
    .await?;
    Ok(added)
}

/// Removes a participant who has not spoken (Edit at the convener).
pub async fn uninvite(app: &App, actor: &Actor, id: i64, person_id: i64) -> AppResult<()> {
    let (mut tx, meeting) = open::<Edit>(app, actor, id).await?;
    if !store::uninvite(&mut tx, id, person_id).await? {
        return Err(FieldError::new(
            "person_id",
            "not_removable",
            "not a participant, or on the list of speakers",
        )
        .into());
    }
    finish(
        app,
        actor,
        tx,
        &meeting,
        "meeting.uninvite",
        json!({ "person_id": person_id }),
    )
    .await
}

/// One attendance mark as typed.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AttendanceMark {
    /// The participant.
    pub person_id: i64,
    /// `present`, `excused`, `absent`, or none/empty to clear.
    #[serde(default)]
    pub attendance: Option<String>,
}

/// Records attendance (Edit at the convener): every mark or none.
pub async fn mark_attendance(
    app: &App,
    actor: &Actor,
    id: i64,
    marks: Vec<AttendanceMark>,
) -> AppResult<Attendance> {
    let mut checked: Vec<(i64, Option<&str>)> = Vec::with_capacity(marks.len());
    for m in &marks {
        let mark = match m.attendance.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(a) => Some(*ATTENDANCE.iter().find(|k| **k == a).ok_or_else(|| {
                FieldError::new(
                    "attendance",
                    "invalid",
                    format!("person {}: must be present, excused or absent", m.person_id),
                )
            })?),
        };
        checked.push((m.person_id, mark));
    }
    let (mut tx, meeting) = open::<Edit>(app, actor, id).await?;
    let unknown = store::mark_attendance(&mut tx, id, &checked).await?;
    if !unknown.is_empty() {
        return Err(FieldError::new(
            "person_id",
            "not_participant",
            format!(
                "not participants of this meeting: {}",
                unknown
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .into());
    }
    let counts = store::attendance(&mut tx, id).await?;
    finish(
        app,
        actor,
        tx,
        &meeting,
        "meeting.attendance",
        json!({ "marks": checked, "attendance": counts }),
    )
    .await?;
    Ok(counts)
}

/// An agenda item as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AgendaInput {
    /// Title.
    pub title: String,
    /// Planned minutes (1–1440, optional).
    #[serde(default)]
    pub duration_min: Option<i64>,
    /// Presenter: a participant (optional).
    #[serde(default)]
    pub presenter_id: Option<i64>,
}

async fn check_item(tx: &mut Tx, meeting_id: i64, input: &AgendaInput) -> AppResult<String> {
    let title = display_name("title", &input.title)?;
    if let Some(d) = input.duration_min
        && !(1..=1440).contains(&d)
    {
        return Err(
            FieldError::new("duration_min", "out_of_range", "must be 1 to 1440 minutes").into(),
        );
    }
    if let Some(p) = input.presenter_id
        && !store::is_participant(tx, meeting_id, p).await?
    {
        return Err(not_participant("presenter_id"));
    }
    Ok(title)
}

fn not_participant(field: &'static str) -> AppError {
    FieldError::new(
        field,
        "not_participant",
        "must be a participant of the meeting",
    )
    .into()
}

/// Adds an agenda item at the end (Edit at the convener); returns its id.
pub async fn add_item(app: &App, actor: &Actor, id: i64, input: AgendaInput) -> AppResult<i64> {
    let (mut tx, meeting) = open::<Edit>(app, actor, id).await?;
    let title = check_item(&mut tx, id, &input).await?;
    let item = store::add_item(&mut tx, id, &title, input.duration_min, input.presenter_id).await?;
    finish(
        app,
        actor,
        tx,
        &meeting,
        "meeting.agenda.add",
        json!({ "item_id": item, "title": title, "duration_min": input.duration_min,
                "presenter_id": input.presenter_id }),
    )
    .await?;
    Ok(item)
}

/// Opens the meeting of agenda item `item_id` for a change.
async fn open_item<C: Capability>(
    app: &App,
    actor: &Actor,
    item_id: i64,
) -> AppResult<(Tx, Meeting)> {
    let mut tx = app.db.begin().await?;
    let meeting_id = store::meeting_of_item(&mut tx, item_id).await?;
    open_in::<C>(app, actor, tx, meeting_id).await
}

/// Opens the meeting of speech `speech_id` for a change, with the speech.
async fn open_speech(app: &App, actor: &Actor, speech_id: i64) -> AppResult<(Tx, Meeting, Speech)> {
    let mut tx = app.db.begin().await?;
    let meeting_id = store::meeting_of_speech(&mut tx, speech_id).await?;
    let (mut tx, meeting) = open_in::<Edit>(app, actor, tx, meeting_id).await?;
    // Read under the meeting's lock: a concurrent change is seen.
    let speech = store::speech(&mut tx, speech_id).await?;
    Ok((tx, meeting, speech))
}

/// Changes an agenda item.
pub async fn update_item(
    app: &App,
    actor: &Actor,
    item_id: i64,
    input: AgendaInput,
) -> AppResult<()> {
    let (mut tx, meeting) = open_item::<Edit>(app, actor, item_id).await?;
    let title = check_item(&mut tx, meeting.id, &input).await?;
    store::update_item(
        &mut tx,
        item_id,
        &title,
        input.duration_min,
        input.presenter_id,
    )
    .await?;
    finish(
        app,
        actor,
        tx,
        &meeting,
        "meeting.agenda.update",
        json!({ "item_id": item_id, "title": title, "duration_min": input.duration_min,
                "presenter_id": input.presenter_id }),
    )
    .await
}

/// Moves an agenda item one place up or down.
pub async fn move_item(app: &App, actor: &Actor, item_id: i64, up: bool) -> AppResult<()> {
    let (mut tx, meeting) = open_item::<Edit>(app, actor, item_id).await?;
    if store::move_item(&mut tx, item_id, up).await? {
        finish(
            app,
            actor,
            tx,
            &meeting,
            "meeting.agenda.move",
            json!({ "item_id": item_id, "up": up }),
        )
        .await?;
    }
    Ok(())
}

/// Removes an agenda item without speeches or documents.
pub async fn remove_item(app: &App, actor: &Actor, item_id: i64) -> AppResult<()> {
    let (mut tx, meeting) = open_item::<Edit>(app, actor, item_id).await?;
    if !store::remove_item(&mut tx, item_id).await? {
        return Err(FieldError::new(
            "item",
            "in_use",
            "the item has speakers or documents; withdraw them first",
        )
        .into());
    }
    finish(
        app,
        actor,
        tx,
        &meeting,
        "meeting.agenda.remove",
        json!({ "item_id": item_id }),
    )
    .await
}

/// A request to speak as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SpeechInput {
    /// The speaker: a participant.
    pub person_id: i64,
    /// `report`, `contribution` (default), `concluding_speech` or
    /// `closing_address`.
    #[serde(default)]
    pub kind: String,
    /// Title of the speech (optional; a concluding speech often has one).
    #[serde(default)]
    pub title: String,
    /// Its text, Markdown (optional; may be added later).
    #[serde(default)]
    pub body: String,
    /// Recorded as already given, for a meeting written up after it was
    /// held (no floor to give and stop live; the speech has no times).
    #[serde(default)]
    pub given: bool,
}

fn check_kind(raw: &str) -> AppResult<&'static str> {
    let raw = match raw.trim() {
        "" => "contribution",
        k => k,
    };
    SPEECH_KINDS
        .iter()
        .copied()
        .find(|k| *k == raw)
        .ok_or_else(|| {
            FieldError::new(
                "kind",
                "invalid",
                format!("must be one of: {}", SPEECH_KINDS.join(", ")),
            )
            .into()
        })
}

fn check_title(raw: &str) -> AppResult<String> {
    let t = raw.trim();
    if t.chars().count() > 300 || t.chars().any(char::is_control) {
        return Err(
            FieldError::new("title", "invalid", "must be at most 300 characters of text").into(),
        );
    }
    Ok(t.to_string())
}

/// Puts a speaker at the end of an agenda item's list (Edit at the
/// convener); returns the speech's id.
pub async fn request_speech(
    app: &App,
    actor: &Actor,
    item_id: i64,
    input: SpeechInput,
) -> AppResult<i64> {
    let kind = check_kind(&input.kind)?;
    let title = check_title(&input.title)?;
    let body = text("body", &input.body)?;
    let (mut tx, meeting) = open_item::<Edit>(app, actor, item_id).await?;
    if !store::is_participant(&mut tx, meeting.id, input.person_id).await? {
        return Err(not_participant("person_id"));
    }
    let now = app.clock.now();
    let speech = store::request_speech(
        &mut tx,
        meeting.id,
        &NewSpeech {
            agenda_item_id: item_id,
            person_id: input.person_id,
            kind,
            title: &title,
            body: &body,
            given: input.given,
        },
        now,
    )
    .await?;
    finish(
        app,
        actor,
        tx,
        &meeting,
        "meeting.speaker.add",
        json!({ "speech_id": speech, "item_id": item_id, "person_id": input.person_id, "kind": kind, "title": title, "given": input.given }),
    )
    .await?;
    Ok(speech)
}

/// Starts a speech; whoever was speaking stops.
pub async fn start_speech(app: &App, actor: &Actor, speech_id: i64) -> AppResult<()> {
    let (mut tx, meeting, speech) = open_speech(app, actor, speech_id).await?;
    if speech.given && speech.started_at.is_none() {
        return Err(FieldError::new(
            "speech",
            "already_given",
            "this speech is recorded as given; it cannot take the floor again",
        )
        .into());
    }
    if speech.started_at.is_some() {
        return Err(
            FieldError::new("speech", "already_started", "this speech has already begun").into(),
        );
    }
    store::start_speech(&mut tx, &speech, app.clock.now()).await?;
    finish(
        app,
        actor,
        tx,
        &meeting,
        "meeting.speech.start",
        json!({ "speech_id": speech_id }),
    )
    .await
}

/// Records a speech on the list as given, for a meeting written up after
/// it was held: no times are stored, since none were taken.
pub async fn mark_given(app: &App, actor: &Actor, speech_id: i64) -> AppResult<()> {
    let (mut tx, meeting, _) = open_speech(app, actor, speech_id).await?;
    if !store::mark_given(&mut tx, speech_id).await? {
        return Err(
            FieldError::new("speech", "already_given", "this speech is already given").into(),
        );
    }
    finish(
        app,
        actor,
        tx,
        &meeting,
        "meeting.speech.given",
        json!({ "speech_id": speech_id }),
    )
    .await
}

/// Stops the running speech.
pub async fn stop_speech(app: &App, actor: &Actor, speech_id: i64) -> AppResult<()> {
    let (mut tx, meeting, speech) = open_speech(app, actor, speech_id).await?;
    if speech.started_at.is_none() || speech.stopped_at.is_some() {
        return Err(
            FieldError::new("speech", "not_running", "this speech is not being given").into(),
        );
    }
    store::stop_speech(&mut tx, speech_id, app.clock.now()).await?;
    finish(
        app,
        actor,
        tx,
        &meeting,
        "meeting.speech.stop",
        json!({ "speech_id": speech_id }),
    )
    .await
}

/// A speech's kind, title and text as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SpeechText {
    /// Kind of speech (default: unchanged).
    #[serde(default)]
    pub kind: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Text, Markdown.
    #[serde(default)]
    pub body: String,
}

/// Records a speech's kind, title and text.
pub async fn edit_speech(
    app: &App,
    actor: &Actor,
    speech_id: i64,
    input: SpeechText,
) -> AppResult<()> {
    let title = check_title(&input.title)?;
    let body = text("body", &input.body)?;
    let (mut tx, meeting, speech) = open_speech(app, actor, speech_id).await?;
    let kind = if input.kind.trim().is_empty() {
        speech.kind.clone()
    } else {
        check_kind(&input.kind)?.to_string()
    };
    store::edit_speech(&mut tx, speech_id, &kind, &title, &body).await?;
    finish(
        app,
        actor,
        tx,
        &meeting,
        "meeting.speech.text",
        json!({ "speech_id": speech_id, "kind": kind, "title": title, "chars": body.chars().count() }),
    )
    .await
}

/// Moves a speaker one place up or down the list.
pub async fn move_speech(app: &App, actor: &Actor, speech_id: i64, up: bool) -> AppResult<()> {
    let (mut tx, meeting, _) = open_speech(app, actor, speech_id).await?;
    if store::move_speech(&mut tx, speech_id, up).await? {
        finish(
            app,
            actor,
            tx,
            &meeting,
            "meeting.speaker.move",
            json!({ "speech_id": speech_id, "up": up }),
        )
        .await?;
    }
    Ok(())
}

/// Withdraws a request to speak that was not given.
pub async fn withdraw_speech(app: &App, actor: &Actor, speech_id: i64) -> AppResult<()> {
    let (mut tx, meeting, _) = open_speech(app, actor, speech_id).await?;
    if !store::withdraw_speech(&mut tx, speech_id).await? {
        return Err(FieldError::new(
            "speech",
            "already_started",
            "a speech that was given stays on the record",
        )
        .into());
    }
    finish(
        app,
        actor,
        tx,
        &meeting,
        "meeting.speaker.withdraw",
        json!({ "speech_id": speech_id }),
    )
    .await
}

/// A document as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DocumentInput {
    /// Title.
    pub title: String,
    /// Text, Markdown.
    #[serde(default)]
    pub body: String,
}

/// Adds a document to an agenda item (Edit at the convener).
pub async fn add_document(
    app: &App,
    actor: &Actor,
    item_id: i64,
    input: DocumentInput,
) -> AppResult<i64> {
    let title = display_name("title", &input.title)?;
    let body = text("body", &input.body)?;
    let (mut tx, meeting) = open_item::<Edit>(app, actor, item_id).await?;
    let id = store::add_document(
        &mut tx,
        meeting.id,
        item_id,
        &title,
        &body,
        &actor.label,
        app.clock.now(),
    )
    .await?;
    finish(
        app,
        actor,
        tx,
        &meeting,
        "meeting.document.add",
        json!({ "document_id": id, "item_id": item_id, "title": title }),
    )
    .await?;
    Ok(id)
}

/// Writes the minutes (Edit at the convener).
pub async fn set_minutes(app: &App, actor: &Actor, id: i64, minutes: &str) -> AppResult<()> {
    let minutes = text("minutes", minutes)?;
    let (mut tx, meeting) = open::<Edit>(app, actor, id).await?;
    store::set_minutes(&mut tx, id, &minutes).await?;
    finish(
        app,
        actor,
        tx,
        &meeting,
        "meeting.minutes",
        json!({ "chars": minutes.chars().count() }),
    )
    .await
}

/// Adopts a decision at the meeting: the convening unit issues it to its
/// subtree, linked to the meeting (Manage at the convener).
pub async fn adopt_decision(
    app: &App,
    actor: &Actor,
    id: i64,
    input: DecisionInput,
) -> AppResult<(Decision, i64)> {
    let checked = crate::decisions::check(app, &input).await?;
    let (mut tx, meeting) = open::<Manage>(app, actor, id).await?;
    let issued =
        crate::decisions::write(&mut tx, app, actor, meeting.unit_id, &checked, Some(id)).await?;
    finish(
        app,
        actor,
        tx,
        &meeting,
        "meeting.decision",
        json!({ "decision_id": issued.0.id }),
    )
    .await?;
    Ok(issued)
}

/// Closes the meeting and locks its record (Manage at the convener).
pub async fn close(app: &App, actor: &Actor, id: i64) -> AppResult<Meeting> {
    let (mut tx, meeting) = open::<Manage>(app, actor, id).await?;
    let now = app.clock.now();
    // A record closed before the meeting began would count as held.
    if meeting.held_on > now.date_naive().to_string() {
        return Err(FieldError::new(
            "held_on",
            "not_yet_held",
            format!(
                "the meeting begins on {}; it can be closed from that day",
                meeting.held_on
            ),
        )
        .into());
    }
    store::close(&mut tx, &meeting, &actor.label, now).await?;
    let attendance = store::attendance(&mut tx, id).await?;
    let closed = store::for_change(&mut tx, &actor.principal.scope::<Manage>(), id).await?;
    finish(
        app,
        actor,
        tx,
        &meeting,
        "meeting.close",
        json!({ "attendance": attendance, "quorate": quorate(&attendance, meeting.quorum_percent) }),
    )
    .await?;
    Ok(closed)
}

/// Marks units overdue for a meeting every minute.
pub const REGULARITY_JOB: crate::jobs::Job = crate::jobs::Job {
    name: "meetings.regularity",
    every_seconds: 60,
    run: |app| Box::pin(refresh_regularity(app)),
};

/// Marks units overdue whose meeting fell due before today (the server's
/// job, every minute); returns how many (unit, type) pairs became overdue.
pub async fn refresh_regularity(app: &App) -> AppResult<u64> {
    let today = app.clock.now().date_naive().to_string();
    let mut tx = app.db.begin_alone().await?;
    let n = grassroots_store::meetings::regularity::refresh(&mut tx, &today).await?;
    tx.commit().await?;
    Ok(n)
}

/// A subtree's meeting regularity.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Regularity {
    /// The unit's subtree, then each open child's.
    pub rows: Vec<grassroots_store::meetings::regularity::RegularityRow>,
    /// Units overdue for a meeting, longest overdue first (at most 200).
    pub overdue: Vec<grassroots_store::meetings::regularity::Overdue>,
}

/// The meeting regularity of `unit_id`'s subtree, from the maintained
/// counters.
pub async fn regularity(app: &App, actor: &Actor, unit_id: UnitId) -> AppResult<Regularity> {
    crate::units::require::<Read>(app, actor, unit_id).await?;
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    Ok(Regularity {
        rows: grassroots_store::meetings::regularity::rollup(&mut c, &read, unit_id).await?,
        overdue: grassroots_store::meetings::regularity::overdue_under(&mut c, &read, unit_id, 200)
            .await?,
    })
}
