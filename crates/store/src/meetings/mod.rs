//! Meetings and conferences: convened by a unit, with participants invited
//! by unit, by person or by position across a subtree; attendance; an
//! ordered agenda; a list of speakers per agenda item with the texts of
//! the speeches; documents; minutes. Closing a meeting locks its record.
//!
//! A meeting is readable by whoever may read its convening unit, and by
//! whoever may read the unit of one of its participants (a secretary sees
//! the conference they were invited to). Changes need a scope at the
//! convening unit; [`for_change`] checks it and locks the meeting row, so
//! every change of a meeting's record is serialized with its closing.

pub mod feeds;
pub mod regularity;

use chrono::{DateTime, Utc};
use grassroots_core::{Capability, Manage, Read, Scope, UnitId};
use serde::Serialize;

use crate::tree::unit_condition;
use crate::{DbConn, StoreError, StoreResult, Tx, on_ex};

/// Kinds of speech.
pub const SPEECH_KINDS: &[&str] = grassroots_core::vocab::SpeechKind::KEYS;

/// Attendance marks.
pub const ATTENDANCE: &[&str] = grassroots_core::vocab::AttendanceMark::KEYS;

/// Statuses of the people a unit invitation brings in: those who belong
/// to the organization now (applicants and people who left are not).
const INVITED_STATUSES: &str = "('candidate', 'member', 'employee')";

/// A kind of meeting.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MeetingType {
    /// Stable key (`cell_meeting`, `conference`, …).
    pub key: String,
    /// Custom label; empty for the translated built-in name.
    pub label: String,
    /// Display order.
    pub position: i64,
}

/// How often units of a level are expected to hold a meeting of a type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Cadence {
    /// Meeting type key.
    pub meeting_type: String,
    /// Level key.
    pub level: String,
    /// Expected interval in days.
    pub every_days: i64,
}

/// A meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Meeting {
    /// Identifier.
    pub id: i64,
    /// Convening unit.
    pub unit_id: i64,
    /// Meeting type key.
    pub meeting_type: String,
    /// Title.
    pub title: String,
    /// First day (YYYY-MM-DD).
    pub held_on: String,
    /// Last day (YYYY-MM-DD); the first day for a one-day meeting.
    pub ends_on: String,
    /// Start time on the first day (HH:MM), empty when not set.
    pub starts_at: String,
    /// Where it is held.
    pub location: String,
    /// Quorum: more than this percentage of the invited must be present.
    pub quorum_percent: i64,
    /// Minutes, Markdown.
    pub minutes: String,
    /// Who convened it.
    pub created_by: String,
    /// When it was closed; a closed meeting's record no longer changes.
    pub closed_at: Option<DateTime<Utc>>,
    /// Who closed it.
    pub closed_by: Option<String>,
}

const COLUMNS: &str = "m.id, m.unit_id, m.meeting_type, m.title, m.held_on, m.ends_on, m.starts_at, \
     m.location, m.quorum_percent, m.minutes, m.created_by, m.closed_at, m.closed_by";

/// The meeting types, in display order.
pub async fn types(c: &mut impl DbConn) -> StoreResult<Vec<MeetingType>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, MeetingType>(
        "SELECT key, label, position FROM meeting_types ORDER BY position, key"
    )
    .fetch_all(&mut *e)
    .await)?)
}

/// Adds meeting type `key` at the end of the list, or renames it (an
/// empty label shows the built-in name of a built-in type).
pub async fn set_type(tx: &mut Tx, key: &str, label: &str) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "INSERT INTO meeting_types (key, label, position)
         VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM meeting_types))
         ON CONFLICT (key) DO UPDATE SET label = excluded.label"
    )
    .bind(key)
    .bind(label)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Every configured cadence.
pub async fn cadences(c: &mut impl DbConn) -> StoreResult<Vec<Cadence>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Cadence>(
        "SELECT meeting_type, level, every_days FROM meeting_cadences ORDER BY meeting_type, level"
    )
    .fetch_all(&mut *e)
    .await)?)
}

/// Sets (or with `None` removes) the cadence of a meeting type at a level.
pub async fn set_cadence(
    tx: &mut Tx,
    meeting_type: &str,
    level: &str,
    every_days: Option<i64>,
) -> StoreResult<()> {
    match every_days {
        Some(days) => on_ex!(tx, |e| sqlx::query(
            "INSERT INTO meeting_cadences (meeting_type, level, every_days) VALUES ($1, $2, $3)
             ON CONFLICT (meeting_type, level) DO UPDATE SET every_days = excluded.every_days"
        )
        .bind(meeting_type)
        .bind(level)
        .bind(days)
        .execute(&mut *e)
        .await
        .map(|_| ()))?,
        None => on_ex!(tx, |e| sqlx::query(
            "DELETE FROM meeting_cadences WHERE meeting_type = $1 AND level = $2"
        )
        .bind(meeting_type)
        .bind(level)
        .execute(&mut *e)
        .await
        .map(|_| ()))?,
    }
    Ok(())
}

/// A meeting's editable facts.
pub struct MeetingFacts<'a> {
    /// Meeting type key (checked by the caller).
    pub meeting_type: &'a str,
    /// Title.
    pub title: &'a str,
    /// First day.
    pub held_on: &'a str,
    /// Last day.
    pub ends_on: &'a str,
    /// Start time (HH:MM) or empty.
    pub starts_at: &'a str,
    /// Place.
    pub location: &'a str,
    /// Quorum percentage.
    pub quorum_percent: i64,
}

/// Convenes a meeting of `unit_id` (inside `scope`).
pub async fn create(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    unit_id: UnitId,
    facts: &MeetingFacts<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<Meeting> {
    if !crate::tree::in_scope(tx, scope, unit_id).await? {
        return Err(StoreError::NotFound);
    }
    let sql = format!(
        "INSERT INTO meetings (unit_id, meeting_type, title, held_on, ends_on, starts_at, location,
                               quorum_percent, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {}",
        COLUMNS.replace("m.", "")
    );
    Ok(on_ex!(tx, |e| sqlx::query_as::<_, Meeting>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .bind(facts.meeting_type)
    .bind(facts.title)
    .bind(facts.held_on)
    .bind(facts.ends_on)
    .bind(facts.starts_at)
    .bind(facts.location)
    .bind(facts.quorum_percent)
    .bind(now)
    .bind(actor)
    .fetch_one(&mut *e)
    .await)?)
}

/// Changes a meeting's facts (the caller holds it through [`for_change`]).
pub async fn update(tx: &mut Tx, id: i64, facts: &MeetingFacts<'_>) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE meetings SET meeting_type = $2, title = $3, held_on = $4, ends_on = $5,
                starts_at = $6, location = $7, quorum_percent = $8
         WHERE id = $1"
    )
    .bind(id)
    .bind(facts.meeting_type)
    .bind(facts.title)
    .bind(facts.held_on)
    .bind(facts.ends_on)
    .bind(facts.starts_at)
    .bind(facts.location)
    .bind(facts.quorum_percent)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// A meeting the reader may see: convened by a unit in `scope`, or with a
/// participant from one.
pub async fn get(c: &mut impl DbConn, scope: &Scope<Read>, id: i64) -> StoreResult<Meeting> {
    let sql = format!(
        "SELECT {COLUMNS} FROM meetings m WHERE m.id = $1 AND ({} OR EXISTS (
             SELECT 1 FROM meeting_participants p WHERE p.meeting_id = m.id AND {}))",
        unit_condition(scope, "m.unit_id"),
        unit_condition(scope, "p.unit_id")
    );
    on_ex!(c, |e| sqlx::query_as::<_, Meeting>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// The meeting `id` if its convening unit lies in `scope`, locked against
/// concurrent changes and closing until the transaction ends.
pub async fn for_change<C: Capability>(
    tx: &mut Tx,
    scope: &Scope<C>,
    id: i64,
) -> StoreResult<Meeting> {
    Ok(lock_for_change(tx, scope, id).await?.0)
}

/// A meeting held for a change, and whether its convening unit is closed.
#[derive(sqlx::FromRow)]
struct Locked {
    #[sqlx(flatten)]
    meeting: Meeting,
    unit_closed: i64,
}

/// [`for_change`], also telling whether the convening unit is closed (one
/// statement: every change to a meeting starts here).
pub async fn lock_for_change<C: Capability>(
    tx: &mut Tx,
    scope: &Scope<C>,
    id: i64,
) -> StoreResult<(Meeting, bool)> {
    let sql = format!(
        "SELECT {COLUMNS}, (SELECT count(*) FROM units u
                            WHERE u.id = m.unit_id AND u.closed_at IS NOT NULL) AS unit_closed
         FROM meetings m WHERE m.id = $1 AND {}{}",
        unit_condition(scope, "m.unit_id"),
        tx.for_update()
    );
    let locked = on_ex!(tx, |e| sqlx::query_as::<_, Locked>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)?;
    Ok((locked.meeting, locked.unit_closed > 0))
}

/// The meeting an agenda item belongs to.
pub async fn meeting_of_item(c: &mut impl DbConn, item_id: i64) -> StoreResult<i64> {
    on_ex!(c, |e| sqlx::query_scalar(
        "SELECT meeting_id FROM agenda_items WHERE id = $1"
    )
    .bind(item_id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// The meeting a speech belongs to.
pub async fn meeting_of_speech(c: &mut impl DbConn, speech_id: i64) -> StoreResult<i64> {
    on_ex!(c, |e| sqlx::query_scalar(
        "SELECT meeting_id FROM speeches WHERE id = $1"
    )
    .bind(speech_id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// A meeting in a list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MeetingListing {
    /// The meeting.
    #[sqlx(flatten)]
    pub meeting: Meeting,
    /// Name of the convening unit.
    pub unit_name: String,
}

/// Meetings convened by `unit_id` (inside `scope`), newest first.
pub async fn convened_by(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    limit: i64,
) -> StoreResult<Vec<MeetingListing>> {
    let sql = format!(
        "SELECT {COLUMNS}, u.name AS unit_name FROM meetings m JOIN units u ON u.id = m.unit_id
         WHERE m.unit_id = $1 AND {}
         ORDER BY m.held_on DESC, m.id DESC LIMIT $2",
        unit_condition(scope, "m.unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, MeetingListing>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// Meetings convened elsewhere to which people of `unit_id` (inside
/// `scope`) are invited, newest first.
pub async fn invited_to(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    limit: i64,
) -> StoreResult<Vec<MeetingListing>> {
    let sql = format!(
        "SELECT {COLUMNS}, u.name AS unit_name FROM meetings m JOIN units u ON u.id = m.unit_id
         WHERE m.unit_id <> $1 AND m.id IN (
             SELECT p.meeting_id FROM meeting_participants p WHERE p.unit_id = $1 AND {})
         ORDER BY m.held_on DESC, m.id DESC LIMIT $2",
        unit_condition(scope, "p.unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, MeetingListing>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// The planned length in minutes of each of `meeting_ids` that has an
/// agenda with durations (the sum of its items').
pub async fn agenda_minutes(
    c: &mut impl DbConn,
    meeting_ids: &[i64],
) -> StoreResult<std::collections::HashMap<i64, i64>> {
    let mut out = std::collections::HashMap::new();
    for chunk in meeting_ids.chunks(500) {
        let sql = format!(
            "SELECT meeting_id, CAST(sum(duration_min) AS BIGINT) FROM agenda_items
             WHERE meeting_id IN ({}) AND duration_min IS NOT NULL GROUP BY meeting_id",
            crate::tree::join(chunk)
        );
        let rows: Vec<(i64, i64)> =
            on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(&mut *e)
                .await)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Meetings a person is invited to (the caller has read the person under
/// scope), newest first.
pub async fn of_person(
    c: &mut impl DbConn,
    person_id: i64,
    limit: i64,
) -> StoreResult<Vec<MeetingListing>> {
    let sql = format!(
        "SELECT {COLUMNS}, u.name AS unit_name FROM meeting_participants p
         JOIN meetings m ON m.id = p.meeting_id JOIN units u ON u.id = m.unit_id
         WHERE p.person_id = $1
         ORDER BY m.held_on DESC, m.id DESC LIMIT $2"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, MeetingListing>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(person_id)
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// How participants are chosen.
pub enum Invitation<'a> {
    /// The people of a unit (and, with `subtree`, of every unit below).
    Unit {
        /// The unit.
        unit_id: UnitId,
        /// Whether units below count too.
        subtree: bool,
    },
    /// Named people.
    People(&'a [i64]),
    /// The current holders of a position type in the units below
    /// `under` (itself included), optionally only of some levels.
    Position {
        /// Position type key.
        position_type: &'a str,
        /// Subtree root.
        under: UnitId,
        /// Level keys (empty: every level).
        levels: &'a [String],
    },
}

/// Invites participants to `meeting_id`, choosing only among people of
/// units in `scope`. Returns how many were added (people already invited
/// are left as they are).
pub async fn invite(
    tx: &mut Tx,
    scope: &Scope<Read>,
    meeting_id: i64,
    who: &Invitation<'_>,
) -> StoreResult<u64> {
    let sql = match who {
        Invitation::Unit { subtree, .. } => format!(
            "INSERT INTO meeting_participants (meeting_id, person_id, unit_id, invited_as)
             SELECT $1, p.id, p.unit_id, 'unit' FROM people p
             WHERE {} AND p.status IN {INVITED_STATUSES} AND {}
             ON CONFLICT (meeting_id, person_id) DO NOTHING",
            if *subtree {
                "p.unit_id IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id = $2)"
            } else {
                "p.unit_id = $2"
            },
            unit_condition(scope, "p.unit_id")
        ),
        Invitation::People(ids) => format!(
            "INSERT INTO meeting_participants (meeting_id, person_id, unit_id, invited_as)
             SELECT $1, p.id, p.unit_id, 'person' FROM people p
             WHERE p.id IN ({}) AND p.status NOT IN ('left', 'transferred_out') AND {}
             ON CONFLICT (meeting_id, person_id) DO NOTHING",
            crate::tree::join(ids),
            unit_condition(scope, "p.unit_id")
        ),
        Invitation::Position { levels, .. } => {
            let level_filter = if levels.is_empty() {
                String::new()
            } else {
                // Level keys are checked against the profile by the caller;
                // they are still bound, never spliced.
                let marks: Vec<String> = (0..levels.len()).map(|i| format!("${}", i + 4)).collect();
                format!(" AND u.level IN ({})", marks.join(", "))
            };
            format!(
                "INSERT INTO meeting_participants (meeting_id, person_id, unit_id, invited_as)
                 SELECT DISTINCT $1, ps.person_id, ps.unit_id, 'position'
                 FROM positions ps
                 JOIN position_types pt ON pt.id = ps.position_type_id
                 JOIN unit_closure c ON c.descendant_id = ps.unit_id
                 JOIN units u ON u.id = ps.unit_id
                 WHERE c.ancestor_id = $2 AND pt.key = $3 AND ps.ended_on IS NULL
                   AND u.closed_at IS NULL{level_filter} AND {}
                 ON CONFLICT (meeting_id, person_id) DO NOTHING",
                unit_condition(scope, "ps.unit_id")
            )
        }
    };
    let added = on_ex!(tx, |e| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(meeting_id);
        match who {
            Invitation::Unit { unit_id, .. } => q = q.bind(*unit_id),
            Invitation::People(_) => {}
            Invitation::Position {
                position_type,
                under,
                levels,
            } => {
                q = q.bind(*under).bind(*position_type);
                for l in levels.iter() {
                    q = q.bind(l.as_str());
                }
            }
        }
        q.execute(&mut *e).await.map(|r| r.rows_affected())
    })?;
    Ok(added)
}

/// Removes a participant; false when they were not invited. A participant
/// who has spoken stays (the record names them).
pub async fn uninvite(tx: &mut Tx, meeting_id: i64, person_id: i64) -> StoreResult<bool> {
    let n = on_ex!(tx, |e| sqlx::query(
        "DELETE FROM meeting_participants WHERE meeting_id = $1 AND person_id = $2
           AND NOT EXISTS (SELECT 1 FROM speeches s WHERE s.meeting_id = $1 AND s.person_id = $2)"
    )
    .bind(meeting_id)
    .bind(person_id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// A participant of a meeting.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Participant {
    /// Person.
    pub person_id: i64,
    /// Their name.
    pub full_name: String,
    /// The unit they come from.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// `unit`, `person` or `position`.
    pub invited_as: String,
    /// `present`, `excused`, `absent`, or none yet.
    pub attendance: Option<String>,
}

/// The participants of a meeting; with `only` set, just those from units
/// in that scope (for readers who see the meeting through their own
/// participants). By unit, then name.
pub async fn participants(
    c: &mut impl DbConn,
    meeting_id: i64,
    only: Option<&Scope<Read>>,
) -> StoreResult<Vec<Participant>> {
    let filter = only.map_or_else(|| "1 = 1".to_string(), |s| unit_condition(s, "mp.unit_id"));
    let sql = format!(
        "SELECT mp.person_id, p.full_name, mp.unit_id, u.name AS unit_name, mp.invited_as, mp.attendance
         FROM meeting_participants mp JOIN people p ON p.id = mp.person_id
         JOIN units u ON u.id = mp.unit_id
         WHERE mp.meeting_id = $1 AND {filter}
         ORDER BY u.depth, u.name, u.id, p.full_name, p.id"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Participant>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(meeting_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Whether a person is invited to a meeting.
pub async fn is_participant(
    c: &mut impl DbConn,
    meeting_id: i64,
    person_id: i64,
) -> StoreResult<bool> {
    let n: i64 = on_ex!(c, |e| sqlx::query_scalar(
        "SELECT count(*) FROM meeting_participants WHERE meeting_id = $1 AND person_id = $2"
    )
    .bind(meeting_id)
    .bind(person_id)
    .fetch_one(&mut *e)
    .await)?;
    Ok(n > 0)
}

/// Head counts of a meeting's attendance.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema,
)]
pub struct Attendance {
    /// Invited.
    pub invited: i64,
    /// Marked present.
    pub present: i64,
    /// Marked excused.
    pub excused: i64,
    /// Marked absent.
    pub absent: i64,
}

impl Attendance {
    /// Participants whose attendance was recorded (none: it was not
    /// taken).
    pub fn marked(&self) -> i64 {
        self.present + self.excused + self.absent
    }
}

/// The attendance counts of a meeting.
pub async fn attendance(c: &mut impl DbConn, meeting_id: i64) -> StoreResult<Attendance> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Attendance>(
        "SELECT count(*) AS invited,
                coalesce(sum(CASE WHEN attendance = 'present' THEN 1 ELSE 0 END), 0) AS present,
                coalesce(sum(CASE WHEN attendance = 'excused' THEN 1 ELSE 0 END), 0) AS excused,
                coalesce(sum(CASE WHEN attendance = 'absent' THEN 1 ELSE 0 END), 0) AS absent
         FROM meeting_participants WHERE meeting_id = $1"
    )
    .bind(meeting_id)
    .fetch_one(&mut *e)
    .await)?)
}

/// Marks the attendance of participants; returns the person ids that are
/// not participants (nothing is written for them).
pub async fn mark_attendance(
    tx: &mut Tx,
    meeting_id: i64,
    marks: &[(i64, Option<&str>)],
) -> StoreResult<Vec<i64>> {
    let mut unknown = Vec::new();
    for (person_id, mark) in marks {
        let n = on_ex!(tx, |e| {
            sqlx::query(
            "UPDATE meeting_participants SET attendance = $3 WHERE meeting_id = $1 AND person_id = $2"
        )
        .bind(meeting_id)
        .bind(person_id)
        .bind(mark)
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected())
        })?;
        if n == 0 {
            unknown.push(*person_id);
        }
    }
    Ok(unknown)
}

/// An agenda item.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AgendaItem {
    /// Identifier.
    pub id: i64,
    /// Meeting.
    pub meeting_id: i64,
    /// Place in the agenda, from 1.
    pub position: i64,
    /// Title.
    pub title: String,
    /// Planned duration in minutes.
    pub duration_min: Option<i64>,
    /// Who presents it.
    pub presenter_id: Option<i64>,
    /// Their name.
    pub presenter_name: Option<String>,
}

/// The agenda of a meeting, in order.
pub async fn agenda(c: &mut impl DbConn, meeting_id: i64) -> StoreResult<Vec<AgendaItem>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, AgendaItem>(
        "SELECT a.id, a.meeting_id, a.position, a.title, a.duration_min, a.presenter_id,
                p.full_name AS presenter_name
         FROM agenda_items a LEFT JOIN people p ON p.id = a.presenter_id
         WHERE a.meeting_id = $1 ORDER BY a.position, a.id"
    )
    .bind(meeting_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Appends an agenda item; returns its id.
pub async fn add_item(
    tx: &mut Tx,
    meeting_id: i64,
    title: &str,
    duration_min: Option<i64>,
    presenter_id: Option<i64>,
) -> StoreResult<i64> {
    Ok(on_ex!(tx, |e| {
        sqlx::query_scalar(
        "INSERT INTO agenda_items (meeting_id, position, title, duration_min, presenter_id)
         VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM agenda_items WHERE meeting_id = $1),
                 $2, $3, $4)
         RETURNING id"
    )
    .bind(meeting_id)
    .bind(title)
    .bind(duration_min)
    .bind(presenter_id)
    .fetch_one(&mut *e)
    .await
    })?)
}

/// Changes an agenda item's title, duration and presenter.
pub async fn update_item(
    tx: &mut Tx,
    item_id: i64,
    title: &str,
    duration_min: Option<i64>,
    presenter_id: Option<i64>,
) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE agenda_items SET title = $2, duration_min = $3, presenter_id = $4 WHERE id = $1"
    )
    .bind(item_id)
    .bind(title)
    .bind(duration_min)
    .bind(presenter_id)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Removes an agenda item that has no speeches and no documents; false
/// when it has some.
pub async fn remove_item(tx: &mut Tx, item_id: i64) -> StoreResult<bool> {
    let n = on_ex!(tx, |e| sqlx::query(
        "DELETE FROM agenda_items WHERE id = $1
           AND NOT EXISTS (SELECT 1 FROM speeches WHERE agenda_item_id = $1)
           AND NOT EXISTS (SELECT 1 FROM meeting_documents WHERE agenda_item_id = $1)"
    )
    .bind(item_id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Swaps a row's `position` with its neighbour before (`up`) or after it
/// among the rows of `table` that share `group_column`; false at an end.
pub(crate) async fn swap_position(
    tx: &mut Tx,
    table: &'static str,
    group_column: &'static str,
    id: i64,
    up: bool,
) -> StoreResult<bool> {
    let (cmp, order) = if up { ("<", "DESC") } else { (">", "ASC") };
    let sql = format!(
        "SELECT o.id, o.position, me.position FROM {table} o
         JOIN {table} me ON me.{group_column} = o.{group_column}
         WHERE me.id = $1 AND o.position {cmp} me.position
         ORDER BY o.position {order} LIMIT 1"
    );
    let neighbour: Option<(i64, i64, i64)> =
        on_ex!(tx, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id)
            .fetch_optional(&mut *e)
            .await)?;
    let Some((other_id, other_position, own_position)) = neighbour else {
        return Ok(false);
    };
    let sql = format!("UPDATE {table} SET position = $2 WHERE id = $1");
    for (row, position) in [(id, other_position), (other_id, own_position)] {
        on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(row)
            .bind(position)
            .execute(&mut *e)
            .await
            .map(|_| ()))?;
    }
    Ok(true)
}

/// Moves an agenda item one place up or down.
pub async fn move_item(tx: &mut Tx, item_id: i64, up: bool) -> StoreResult<bool> {
    swap_position(tx, "agenda_items", "meeting_id", item_id, up).await
}

/// A speech, requested, given or being given.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Speech {
    /// Identifier.
    pub id: i64,
    /// Meeting.
    pub meeting_id: i64,
    /// Agenda item.
    pub agenda_item_id: i64,
    /// Speaker.
    pub person_id: i64,
    /// Their name.
    pub full_name: String,
    /// Name of the unit they come from.
    pub unit_name: String,
    /// `report`, `contribution`, `concluding_speech` or `closing_address`.
    pub kind: String,
    /// Place in the item's list of speakers.
    pub position: i64,
    /// Title of the speech, if it has one.
    pub title: String,
    /// Its text, Markdown.
    pub body: String,
    /// When it was requested.
    pub requested_at: DateTime<Utc>,
    /// When it began.
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub stopped_at: Option<DateTime<Utc>>,
    /// Whether it was given: heard live, or recorded as given after the
    /// meeting (then without times).
    pub given: bool,
}

/// The speeches of a meeting, by agenda item and list order.
pub async fn speeches(c: &mut impl DbConn, meeting_id: i64) -> StoreResult<Vec<Speech>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Speech>(
        "SELECT s.id, s.meeting_id, s.agenda_item_id, s.person_id, p.full_name,
                u.name AS unit_name, s.kind, s.position, s.title, s.body,
                s.requested_at, s.started_at, s.stopped_at, s.given
         FROM speeches s JOIN agenda_items a ON a.id = s.agenda_item_id
         JOIN people p ON p.id = s.person_id
         JOIN meeting_participants mp ON mp.meeting_id = s.meeting_id AND mp.person_id = s.person_id
         JOIN units u ON u.id = mp.unit_id
         WHERE s.meeting_id = $1
         ORDER BY a.position, s.position, s.id"
    )
    .bind(meeting_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// One speech (the caller has checked its meeting).
pub async fn speech(c: &mut impl DbConn, id: i64) -> StoreResult<Speech> {
    on_ex!(c, |e| sqlx::query_as::<_, Speech>(
        "SELECT s.id, s.meeting_id, s.agenda_item_id, s.person_id, p.full_name,
                u.name AS unit_name, s.kind, s.position, s.title, s.body,
                s.requested_at, s.started_at, s.stopped_at, s.given
         FROM speeches s JOIN people p ON p.id = s.person_id
         JOIN meeting_participants mp ON mp.meeting_id = s.meeting_id AND mp.person_id = s.person_id
         JOIN units u ON u.id = mp.unit_id
         WHERE s.id = $1"
    )
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// A request to speak.
pub struct NewSpeech<'a> {
    /// Agenda item (of the meeting).
    pub agenda_item_id: i64,
    /// Speaker (a participant).
    pub person_id: i64,
    /// Kind of speech.
    pub kind: &'a str,
    /// Title, may be empty.
    pub title: &'a str,
    /// Text, may be empty.
    pub body: &'a str,
    /// Recorded as already given (a meeting written up afterwards).
    pub given: bool,
}

/// Adds a speaker at the end of an agenda item's list; returns the id.
pub async fn request_speech(
    tx: &mut Tx,
    meeting_id: i64,
    new: &NewSpeech<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    Ok(on_ex!(tx, |e| {
        sqlx::query_scalar(
        "INSERT INTO speeches (meeting_id, agenda_item_id, person_id, kind, position, title, body, requested_at, given)
         VALUES ($1, $2, $3, $4,
                 (SELECT coalesce(max(position), 0) + 1 FROM speeches WHERE agenda_item_id = $2),
                 $5, $6, $7, $8)
         RETURNING id"
    )
    .bind(meeting_id)
    .bind(new.agenda_item_id)
    .bind(new.person_id)
    .bind(new.kind)
    .bind(new.title)
    .bind(new.body)
    .bind(now)
    .bind(new.given)
    .fetch_one(&mut *e)
    .await
    })?)
}

/// Starts a speech that has not begun; the speech running in the same
/// meeting, if any, stops at that moment (one speaker at a time).
pub async fn start_speech(tx: &mut Tx, speech: &Speech, now: DateTime<Utc>) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE speeches SET stopped_at = $2
         WHERE meeting_id = $1 AND started_at IS NOT NULL AND stopped_at IS NULL"
    )
    .bind(speech.meeting_id)
    .bind(now)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE speeches SET started_at = $2, given = TRUE WHERE id = $1"
    )
    .bind(speech.id)
    .bind(now)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Records a speech on the list as given, without times (the meeting is
/// being written up afterwards); false when it was already given.
pub async fn mark_given(tx: &mut Tx, speech_id: i64) -> StoreResult<bool> {
    let n = on_ex!(tx, |e| sqlx::query(
        "UPDATE speeches SET given = TRUE WHERE id = $1 AND NOT given"
    )
    .bind(speech_id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Stops a running speech.
pub async fn stop_speech(tx: &mut Tx, speech_id: i64, now: DateTime<Utc>) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE speeches SET stopped_at = $2 WHERE id = $1"
    )
    .bind(speech_id)
    .bind(now)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Changes a speech's kind, title and text.
pub async fn edit_speech(
    tx: &mut Tx,
    speech_id: i64,
    kind: &str,
    title: &str,
    body: &str,
) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE speeches SET kind = $2, title = $3, body = $4 WHERE id = $1"
    )
    .bind(speech_id)
    .bind(kind)
    .bind(title)
    .bind(body)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Withdraws a request to speak that was not given (a speech that took
/// the floor is given).
pub async fn withdraw_speech(tx: &mut Tx, speech_id: i64) -> StoreResult<bool> {
    let n = on_ex!(tx, |e| sqlx::query(
        "DELETE FROM speeches WHERE id = $1 AND NOT given"
    )
    .bind(speech_id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Moves a speaker one place up or down the item's list.
pub async fn move_speech(tx: &mut Tx, speech_id: i64, up: bool) -> StoreResult<bool> {
    swap_position(tx, "speeches", "agenda_item_id", speech_id, up).await
}

/// A document of an agenda item (a report, a draft, a text read out).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Document {
    /// Identifier.
    pub id: i64,
    /// Agenda item.
    pub agenda_item_id: i64,
    /// Title.
    pub title: String,
    /// Text, Markdown.
    pub body: String,
    /// Who added it.
    pub created_by: String,
}

/// The documents of a meeting, by agenda item.
pub async fn documents(c: &mut impl DbConn, meeting_id: i64) -> StoreResult<Vec<Document>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Document>(
        "SELECT d.id, d.agenda_item_id, d.title, d.body, d.created_by
         FROM meeting_documents d WHERE d.meeting_id = $1 ORDER BY d.agenda_item_id, d.id"
    )
    .bind(meeting_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Adds a document to an agenda item; returns its id.
pub async fn add_document(
    tx: &mut Tx,
    meeting_id: i64,
    item_id: i64,
    title: &str,
    body: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    Ok(on_ex!(tx, |e| {
        sqlx::query_scalar(
        "INSERT INTO meeting_documents (meeting_id, agenda_item_id, title, body, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
    )
    .bind(meeting_id)
    .bind(item_id)
    .bind(title)
    .bind(body)
    .bind(now)
    .bind(actor)
    .fetch_one(&mut *e)
    .await
    })?)
}

/// Writes the minutes.
pub async fn set_minutes(tx: &mut Tx, meeting_id: i64, minutes: &str) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE meetings SET minutes = $2 WHERE id = $1"
    )
    .bind(meeting_id)
    .bind(minutes)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Closes a meeting (held through [`for_change`]): a speech still running
/// stops, the record is locked from then on, its attendance is counted at
/// the participants' units, and its unit's next meeting of the type is
/// due an interval after its last day.
pub async fn close(
    tx: &mut Tx,
    meeting: &Meeting,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE speeches SET stopped_at = $2
         WHERE meeting_id = $1 AND started_at IS NOT NULL AND stopped_at IS NULL"
    )
    .bind(meeting.id)
    .bind(now)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE meetings SET closed_at = $2, closed_by = $3 WHERE id = $1 AND closed_at IS NULL"
    )
    .bind(meeting.id)
    .bind(now)
    .bind(actor)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    crate::meetings::regularity::count_attendance(tx, meeting.id).await?;
    // Days are checked on the way in; a row that is not a date has no
    // cadence to move.
    match grassroots_core::calendar::parse_day(&meeting.ends_on) {
        Ok(held_on) => {
            crate::meetings::regularity::held(
                tx,
                meeting.unit_id,
                &meeting.meeting_type,
                held_on,
                now.date_naive(),
            )
            .await
        }
        Err(_) => Ok(()),
    }
}

/// Counter family: Attendance marked and present at closed meetings; history that stays with the unit.
pub const ATTENDANCE_COUNTERS: crate::aggregates::CounterFamily =
    crate::aggregates::CounterFamily {
        name: "attendance",
        metrics: &["attendance."],
        follows_rows: false,
        recompute_sql: "SELECT c.ancestor_id, 'attendance.marked',
                sum(CASE WHEN p.unit_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
         FROM meeting_participants p JOIN meetings m ON m.id = p.meeting_id
         JOIN unit_closure c ON c.descendant_id = p.unit_id
         WHERE m.closed_at IS NOT NULL AND p.attendance IS NOT NULL
         GROUP BY c.ancestor_id
         UNION ALL
         SELECT c.ancestor_id, 'attendance.present',
                sum(CASE WHEN p.unit_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
         FROM meeting_participants p JOIN meetings m ON m.id = p.meeting_id
         JOIN unit_closure c ON c.descendant_id = p.unit_id
         WHERE m.closed_at IS NOT NULL AND p.attendance = 'present'
         GROUP BY c.ancestor_id",
    };
