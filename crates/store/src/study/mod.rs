//! Study assignments. A unit assigns material (and an optional quiz) to
//! the people of its subtree, narrowed to some levels, to holders of a
//! position or to people lacking a skill; a unit below may adapt it for
//! its own subtree (one adaptation per unit), and each person follows the
//! nearest version above their unit. Enrolments are made in batches
//! ([`enrol_batch`]): a walk over the subtree's units, then people added
//! since, so an assignment to the whole country is never one long
//! transaction and people who join later are enrolled while it runs. An enrolment is counted at the unit the
//! person belonged to when enrolled (metric `study.<id>.assigned`), and a
//! completion in the same place for its calendar period
//! (`study.<id>.done.<period>`), so every level reads its counts from one
//! row. Names appear only in [`roster`], which the service shows to the
//! secretary of that very unit.

pub mod centres;

use chrono::{DateTime, Utc};
use grassroots_core::{Manage, Read, Scope, UnitId};
use serde::Serialize;

use crate::tree::unit_condition;
use crate::{DbConn, StoreError, StoreResult, Tx, aggregates, on_ex};

/// Metric of the people assigned an assignment.
pub fn assigned_metric(root_id: i64) -> String {
    format!("study.{root_id}.assigned")
}

/// Metric of the people who completed an assignment in a period.
pub fn done_metric(root_id: i64, period: &str) -> String {
    format!("study.{root_id}.done.{period}")
}

/// One version of an assignment: the original, or a unit's adaptation.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Assignment {
    /// Identifier.
    pub id: i64,
    /// The original's id (its own on the original).
    pub root_id: i64,
    /// The version it adapts, if it is an adaptation.
    pub adapted_from: Option<i64>,
    /// The unit that assigned or adapted it.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Title.
    pub title: String,
    /// The material, in Markdown.
    pub material: String,
    /// The quiz, as JSON (questions with their options and answers; the
    /// service hides the answers from those who take it).
    #[serde(skip)]
    pub quiz: String,
    /// Share of right answers needed to pass, in percent.
    pub pass_mark: i64,
    /// `self`, `quiz`, `reviewer` or `meeting`.
    pub completion: String,
    /// Levels whose units' people are assigned (comma-separated keys;
    /// empty: every level).
    pub levels: String,
    /// Only holders of this position type.
    pub position_type_id: Option<i64>,
    /// Only people lacking this skill…
    pub lacking_skill_id: Option<i64>,
    /// …at this level or above.
    pub lacking_level: Option<i64>,
    /// The skill completion grants.
    pub grants_skill_id: Option<i64>,
    /// At this level.
    pub grants_level: Option<i64>,
    /// `once`, `month`, `quarter` or `year`.
    pub recurrence: String,
    /// From (YYYY-MM-DD).
    pub starts_on: String,
    /// Due (YYYY-MM-DD); a recurring assignment is due at the end of each
    /// period and runs until this day.
    pub due_on: String,
}

const SELECT: &str = "SELECT a.id, a.root_id, a.adapted_from, a.unit_id, u.name AS unit_name,
        a.title, a.material, a.quiz, a.pass_mark, a.completion, a.levels, a.position_type_id,
        a.lacking_skill_id, a.lacking_level, a.grants_skill_id, a.grants_level, a.recurrence,
        a.starts_on, a.due_on
     FROM study_assignments a JOIN units u ON u.id = a.unit_id";

/// A new assignment or adaptation, validated by the service.
pub struct NewAssignment<'a> {
    /// The assigning (or adapting) unit.
    pub unit_id: UnitId,
    /// The version adapted (its unit strictly above `unit_id`).
    pub adapted_from: Option<&'a Assignment>,
    /// Title.
    pub title: &'a str,
    /// Markdown.
    pub material: &'a str,
    /// Quiz JSON.
    pub quiz: &'a str,
    /// Pass mark.
    pub pass_mark: i64,
    /// Completion.
    pub completion: &'a str,
    /// Levels (comma-separated, validated keys).
    pub levels: &'a str,
    /// Position type.
    pub position_type_id: Option<i64>,
    /// Lacking skill and level.
    pub lacking: Option<(i64, i64)>,
    /// Granted skill and level.
    pub grants: Option<(i64, i64)>,
    /// Recurrence.
    pub recurrence: &'a str,
    /// From.
    pub starts_on: &'a str,
    /// Due.
    pub due_on: &'a str,
}

/// Writes an assignment or an adaptation; returns its id. An adaptation
/// keeps the original's audience and recurrence, and its unit must lie
/// strictly below the adapted version's.
pub async fn create(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    new: &NewAssignment<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    crate::tree::require_in(tx, scope, new.unit_id).await?;
    if let Some(from) = new.adapted_from {
        let below: Option<i64> = on_ex!(tx, |e| {
            sqlx::query_scalar(
            "SELECT ancestor_id FROM unit_closure WHERE ancestor_id = $1 AND descendant_id = $2 AND depth > 0"
        )
        .bind(from.unit_id)
        .bind(new.unit_id)
        .fetch_optional(&mut *e)
        .await
        })?;
        if below.is_none() {
            return Err(StoreError::Conflict { field: "unit_id" });
        }
        let taken: Option<i64> = on_ex!(tx, |e| sqlx::query_scalar(
            "SELECT id FROM study_assignments WHERE root_id = $1 AND unit_id = $2"
        )
        .bind(from.root_id)
        .bind(new.unit_id)
        .fetch_optional(&mut *e)
        .await)?;
        if taken.is_some() {
            return Err(StoreError::Conflict {
                field: "adapted_from",
            });
        }
    }
    let (levels, position, lacking, recurrence) = match new.adapted_from {
        Some(f) => (
            f.levels.as_str(),
            f.position_type_id,
            f.lacking_skill_id.zip(f.lacking_level),
            f.recurrence.as_str(),
        ),
        None => (
            new.levels,
            new.position_type_id,
            new.lacking,
            new.recurrence,
        ),
    };
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO study_assignments (root_id, adapted_from, unit_id, title, material, quiz,
             pass_mark, completion, levels, position_type_id, lacking_skill_id, lacking_level,
             grants_skill_id, grants_level, recurrence, starts_on, due_on, created_at, created_by)
         VALUES (0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
         RETURNING id"
    )
    .bind(new.adapted_from.map(|f| f.id))
    .bind(new.unit_id)
    .bind(new.title)
    .bind(new.material)
    .bind(new.quiz)
    .bind(new.pass_mark)
    .bind(new.completion)
    .bind(levels)
    .bind(position)
    .bind(lacking.map(|l| l.0))
    .bind(lacking.map(|l| l.1))
    .bind(new.grants.map(|g| g.0))
    .bind(new.grants.map(|g| g.1))
    .bind(recurrence)
    .bind(new.starts_on)
    .bind(new.due_on)
    .bind(now)
    .bind(actor)
    .fetch_one(&mut *e)
    .await)?;
    let root = new.adapted_from.map(|f| f.root_id).unwrap_or(id);
    // The walk of the subtree's units enrols everyone there now; people
    // added after are looked for from a little below the newest.
    on_ex!(tx, |e| sqlx::query(
        "UPDATE study_assignments SET root_id = $2,
             enrolled_people_to = (SELECT CAST(coalesce(max(id), 0) AS BIGINT) FROM people) - $3
         WHERE id = $1"
    )
    .bind(id)
    .bind(root)
    .bind(LATECOMER_MARGIN)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(id)
}

/// One version, when the reader may read it ([`readable`]).
pub async fn get(c: &mut impl DbConn, scope: &Scope<Read>, id: i64) -> StoreResult<Assignment> {
    let a = version(c, id).await?;
    if readable(c, scope, &a).await? {
        Ok(a)
    } else {
        Err(StoreError::NotFound)
    }
}

/// Whether `scope` reads a version: its unit, or a unit it is in force at
/// (any unit below it).
pub async fn readable(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    a: &Assignment,
) -> StoreResult<bool> {
    if crate::tree::in_scope(c, scope, a.unit_id).await? {
        return Ok(true);
    }
    let sql = format!(
        "SELECT 1 FROM unit_closure c WHERE c.ancestor_id = $1 AND {} LIMIT 1",
        unit_condition(scope, "c.descendant_id")
    );
    Ok(
        on_ex!(c, |e| sqlx::query_scalar::<_, i32>(sqlx::AssertSqlSafe(
            sql.as_str()
        ))
        .bind(a.unit_id)
        .fetch_optional(&mut *e)
        .await)?
        .is_some(),
    )
}

/// One version, unchecked (the caller proved the reader enrolled, or
/// read it under scope).
pub async fn version(c: &mut impl DbConn, id: i64) -> StoreResult<Assignment> {
    let sql = format!("{SELECT} WHERE a.id = $1");
    on_ex!(c, |e| sqlx::query_as::<_, Assignment>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// The version of `root_id` that people of `unit_id` follow: the one of
/// the nearest unit on its path (itself included), else the original.
pub async fn version_at(
    c: &mut impl DbConn,
    root_id: i64,
    unit_id: UnitId,
) -> StoreResult<Assignment> {
    let sql = format!(
        "{SELECT} JOIN unit_closure c ON c.ancestor_id = a.unit_id
         WHERE a.root_id = $1 AND c.descendant_id = $2 ORDER BY c.depth LIMIT 1"
    );
    let found = on_ex!(c, |e| sqlx::query_as::<_, Assignment>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(root_id)
    .bind(unit_id)
    .fetch_optional(&mut *e)
    .await)?;
    match found {
        Some(a) => Ok(a),
        // The enrolment's unit left the assigning unit's subtree (moved, or
        // merged into a unit outside it): the original still applies.
        None => version(c, root_id).await,
    }
}

/// Originals whose people may include those of `unit_id` (assigned by
/// the unit or a unit above it), newest first, each as the version in
/// force at `unit_id`. The caller read the unit.
pub async fn in_force_at(c: &mut impl DbConn, unit_id: UnitId) -> StoreResult<Vec<Assignment>> {
    let sql = format!(
        "{SELECT} JOIN unit_closure c ON c.ancestor_id = a.unit_id
         WHERE c.descendant_id = $1
           AND c.depth = (SELECT min(c2.depth) FROM study_assignments a2
                          JOIN unit_closure c2 ON c2.ancestor_id = a2.unit_id
                          WHERE a2.root_id = a.root_id AND c2.descendant_id = $1)
         ORDER BY a.root_id DESC LIMIT 200"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Assignment>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// The adaptations of an original, by unit (the caller read it).
pub async fn adaptations(c: &mut impl DbConn, root_id: i64) -> StoreResult<Vec<Assignment>> {
    let sql = format!(
        "{SELECT} WHERE a.root_id = $1 AND a.adapted_from IS NOT NULL ORDER BY u.depth, u.name LIMIT 500"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Assignment>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(root_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Units [`enrol_batch`] takes per transaction while walking a subtree.
pub const UNIT_BATCH: i64 = 200;
/// People it looks at per transaction for latecomers.
pub const PEOPLE_BATCH: i64 = 2_000;
/// How far below the newest person a new assignment starts looking for
/// latecomers: people whose insert was not yet committed when it was made
/// (PostgreSQL hands out ids before commit) are looked at again.
const LATECOMER_MARGIN: i64 = 1_000;

/// An original's enrolment cursors.
#[derive(sqlx::FromRow)]
struct Cursors {
    id: i64,
    units_to: i64,
    units_done: bool,
    people_to: i64,
}

/// One batch of enrolling, under the counters lock (so two servers never
/// take the same batch). For the first original still open on `today`
/// (started, and not past its due or last day) whose subtree is not yet
/// walked, the next [`UNIT_BATCH`] units of the subtree by id: their
/// people who belong to the organization and match the audience are
/// enrolled and counted. Once every original is walked, people added
/// since an original was made ([`PEOPLE_BATCH`] at a time, by id) are
/// enrolled when they fall in its subtree. Work is proportional to the
/// subtree, not the country: a cell's assignment reads the cell. Returns
/// how many units or people it looked at (0: nothing left).
pub async fn enrol_batch(tx: &mut Tx, today: &str) -> StoreResult<usize> {
    aggregates::serialize_counters(tx).await?;
    let newest: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT CAST(coalesce(max(id), 0) AS BIGINT) FROM people"
    )
    .fetch_one(&mut *e)
    .await)?;
    let open: Option<Cursors> = on_ex!(tx, |e| sqlx::query_as(
        "SELECT id, enrolled_units_to AS units_to, units_done, enrolled_people_to AS people_to
         FROM study_assignments
         WHERE adapted_from IS NULL AND due_on >= $1 AND starts_on <= $1
           AND (NOT units_done OR enrolled_people_to < $2)
         ORDER BY units_done, id LIMIT 1"
    )
    .bind(today)
    .bind(newest)
    .fetch_optional(&mut *e)
    .await)?;
    let Some(cur) = open else {
        return Ok(0);
    };
    let a = version(tx, cur.id).await?;
    if !cur.units_done {
        let units: Vec<i64> = on_ex!(tx, |e| {
            sqlx::query_scalar(
            "SELECT descendant_id FROM unit_closure WHERE ancestor_id = $1 AND descendant_id > $2
             ORDER BY descendant_id LIMIT $3"
        )
        .bind(a.unit_id)
        .bind(cur.units_to)
        .bind(UNIT_BATCH)
        .fetch_all(&mut *e)
        .await
        })?;
        let Some(last) = units.last().copied() else {
            on_ex!(tx, |e| sqlx::query(
                "UPDATE study_assignments SET units_done = TRUE WHERE id = $1"
            )
            .bind(a.id)
            .execute(&mut *e)
            .await
            .map(|_| ()))?;
            return Ok(1);
        };
        let among = format!("p.unit_id IN ({})", crate::tree::join(&units));
        enrol_matching(tx, &a, &among).await?;
        on_ex!(tx, |e| sqlx::query(
            "UPDATE study_assignments SET enrolled_units_to = $2 WHERE id = $1"
        )
        .bind(a.id)
        .bind(last)
        .execute(&mut *e)
        .await
        .map(|_| ()))?;
        return Ok(units.len());
    }
    let walked: Vec<i64> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT id FROM people WHERE id > $1 ORDER BY id LIMIT $2"
    )
    .bind(cur.people_to)
    .bind(PEOPLE_BATCH)
    .fetch_all(&mut *e)
    .await)?;
    let last = walked.last().copied().unwrap_or(newest);
    let among = format!(
        "p.id > {} AND p.id <= {last} AND p.unit_id IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id = {})",
        cur.people_to, a.unit_id
    );
    enrol_matching(tx, &a, &among).await?;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE study_assignments SET enrolled_people_to = $2 WHERE id = $1"
    )
    .bind(a.id)
    .bind(last)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(walked.len().max(1))
}

/// The condition on `p` (a person) and `u` (their unit) that the
/// original's audience sets, and the level names it binds from `$1` on:
/// belonging to the organization, the levels, a current position of the
/// type, and with `lacking`, not holding the skill at the level yet.
fn audience_condition(a: &Assignment, lacking: bool) -> (String, Vec<&str>) {
    let levels: Vec<&str> = a.levels.split(',').filter(|l| !l.is_empty()).collect();
    let mut sql = "p.status IN ('candidate', 'member', 'employee')".to_string();
    if !levels.is_empty() {
        let marks = (1..=levels.len())
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", ");
        sql.push_str(&format!(" AND u.level IN ({marks})"));
    }
    if let Some(pt) = a.position_type_id {
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM positions h WHERE h.person_id = p.id
                 AND h.position_type_id = {pt} AND h.ended_on IS NULL)"
        ));
    }
    if let (true, Some(skill), Some(level)) = (lacking, a.lacking_skill_id, a.lacking_level) {
        sql.push_str(&format!(
            " AND NOT EXISTS (SELECT 1 FROM person_skills s WHERE s.person_id = p.id
                 AND s.skill_id = {skill} AND s.level >= {level})"
        ));
    }
    (sql, levels)
}

/// Whether the person is still of the original's audience where they are
/// now. The lacking skill is not asked again: completing the task often
/// grants that very skill, and the person who did the work stays counted.
async fn fits(tx: &mut Tx, a: &Assignment, person_id: i64) -> StoreResult<bool> {
    let (audience, levels) = audience_condition(a, false);
    let sql = format!(
        "SELECT count(*) FROM people p JOIN units u ON u.id = p.unit_id
         WHERE p.id = {person_id} AND {audience}"
    );
    let n: i64 = on_ex!(tx, |e| {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
        for l in &levels {
            q = q.bind(*l);
        }
        q.fetch_one(&mut *e).await
    })?;
    Ok(n > 0)
}

/// Enrols the people matching `among` (a condition on `p`, made of ids
/// only) who belong to the organization, match the original's audience
/// and are not enrolled yet; counts them at their units.
async fn enrol_matching(tx: &mut Tx, a: &Assignment, among: &str) -> StoreResult<()> {
    let (audience, levels) = audience_condition(a, true);
    let sql = format!(
        "SELECT p.id, p.unit_id FROM people p JOIN units u ON u.id = p.unit_id
         WHERE {among} AND {audience}
           AND NOT EXISTS (SELECT 1 FROM study_enrolments x WHERE x.root_id = {} AND x.person_id = p.id)",
        a.id
    );
    let matched: Vec<(i64, i64)> = on_ex!(tx, |e| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for l in &levels {
            q = q.bind(*l);
        }
        q.fetch_all(&mut *e).await
    })?;
    // Only the rows written are counted: a transfer enrolling its person
    // while a batch walks the same units enrols them once.
    let mut enrolled: Vec<UnitId> = Vec::with_capacity(matched.len());
    for chunk in matched.chunks(500) {
        let values = chunk
            .iter()
            .map(|(p, u)| format!("({}, {p}, {u})", a.id))
            .collect::<Vec<_>>()
            .join(", ");
        let insert = format!(
            "INSERT INTO study_enrolments (root_id, person_id, unit_id) VALUES {values}
             ON CONFLICT (root_id, person_id) DO NOTHING RETURNING unit_id"
        );
        let written: Vec<UnitId> = on_ex!(tx, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(
            insert.as_str()
        ))
        .fetch_all(&mut *e)
        .await)?;
        enrolled.extend(written);
    }
    let metric = assigned_metric(a.id);
    let deltas: Vec<(UnitId, &str, i64)> =
        enrolled.iter().map(|u| (*u, metric.as_str(), 1)).collect();
    aggregates::add_bulk(tx, &deltas).await
}

/// Brings a person's enrolments in the originals open on `today` in line
/// with where the person is and what they are now, after a transfer, a
/// change of status or of positions: an enrolment of a person who left
/// the original's subtree or its audience (its levels, the position it
/// asks for), or who no longer belongs to the organization (left,
/// transferred out, an applicant again), is marked left and no longer
/// counted (it and its completions stay as history); one whose person
/// moved within the subtree and audience follows them with its counts; a
/// person who comes back into both resumes their enrolment with its
/// completions; and one who came into the subtree of an open original, or
/// came to belong, is enrolled when they match its audience. Originals
/// that ended keep their enrolments where they were: the counts of a
/// finished task stay with the units that did it.
pub async fn resync_person(tx: &mut Tx, person_id: i64, today: &str) -> StoreResult<()> {
    let person: Option<(UnitId, String)> = on_ex!(tx, |e| sqlx::query_as(
        "SELECT unit_id, status FROM people WHERE id = $1"
    )
    .bind(person_id)
    .fetch_optional(&mut *e)
    .await)?;
    let Some((unit_id, status)) = person else {
        return Ok(());
    };
    let belongs = matches!(status.as_str(), "candidate" | "member" | "employee");
    // Open originals: of the person's current enrolments, and those
    // assigned on the person's path.
    let rows: Vec<(i64, Option<UnitId>, bool, bool)> = on_ex!(tx, |e| {
        sqlx::query_as(
        "SELECT a.id, x.unit_id, x.left_on IS NOT NULL,
                EXISTS (SELECT 1 FROM unit_closure c WHERE c.ancestor_id = a.unit_id AND c.descendant_id = $2)
         FROM study_assignments a
         LEFT JOIN study_enrolments x ON x.root_id = a.id AND x.person_id = $1
         WHERE a.adapted_from IS NULL AND a.due_on >= $3 AND a.starts_on <= $3
           AND (x.person_id IS NOT NULL
                OR a.unit_id IN (SELECT ancestor_id FROM unit_closure WHERE descendant_id = $2))
         ORDER BY a.id"
    )
    .bind(person_id)
    .bind(unit_id)
    .bind(today)
    .fetch_all(&mut *e)
    .await
    })?;
    let mut deltas: Vec<(UnitId, String, i64)> = Vec::new();
    for (root_id, enrolled_at, left, inside) in rows {
        let stays = match enrolled_at {
            Some(_) if belongs && inside => {
                let a = version(tx, root_id).await?;
                fits(tx, &a, person_id).await?
            }
            _ => false,
        };
        match enrolled_at {
            Some(at) if !left && !stays => {
                set_enrolment(tx, root_id, person_id, at, Some(today)).await?;
                for (metric, n) in enrolment_counts(tx, root_id, person_id).await? {
                    deltas.push((at, metric, -n));
                }
            }
            Some(at) if !left && at != unit_id => {
                set_enrolment(tx, root_id, person_id, unit_id, None).await?;
                for (metric, n) in enrolment_counts(tx, root_id, person_id).await? {
                    deltas.push((at, metric.clone(), -n));
                    deltas.push((unit_id, metric, n));
                }
            }
            Some(_) if left && stays => {
                // Back: the same enrolment resumes, with its completions.
                set_enrolment(tx, root_id, person_id, unit_id, None).await?;
                for (metric, n) in enrolment_counts(tx, root_id, person_id).await? {
                    deltas.push((unit_id, metric, n));
                }
            }
            Some(_) => {}
            None if belongs => {
                let a = version(tx, root_id).await?;
                enrol_matching(tx, &a, &format!("p.id = {person_id}")).await?;
            }
            None => {}
        }
    }
    let deltas: Vec<(UnitId, &str, i64)> = deltas
        .iter()
        .map(|(u, m, n)| (*u, m.as_str(), *n))
        .collect();
    aggregates::add_bulk(tx, &deltas).await
}

/// What of an original's audience a change can touch without moving
/// anyone.
pub(crate) enum Narrowed {
    /// Holders of a position type (appointments).
    ByPosition,
    /// Levels of units (a unit's level changed).
    ByLevel,
}

/// Whether an original open on `today` narrows its audience so
/// (bulk appointments, a unit's new level, then bring people in line).
pub(crate) async fn open_narrowed(tx: &mut Tx, today: &str, by: Narrowed) -> StoreResult<bool> {
    let narrowed = match by {
        Narrowed::ByPosition => "a.position_type_id IS NOT NULL",
        Narrowed::ByLevel => "a.levels <> ''",
    };
    let sql = format!(
        "SELECT count(*) FROM study_assignments a
         WHERE a.adapted_from IS NULL AND {narrowed}
           AND a.due_on >= $1 AND a.starts_on <= $1"
    );
    let n: i64 = on_ex!(tx, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(today)
    .fetch_one(&mut *e)
    .await)?;
    Ok(n > 0)
}

/// After the subtree of `unit_id` moved from under `old_parent` to under
/// `new_parent`: when an original open on `today` is assigned on one of
/// the two paths and not the other, its people are brought in line
/// ([`resync_person`], one by one: moves are rare).
pub(crate) async fn resync_moved_subtree(
    tx: &mut Tx,
    unit_id: UnitId,
    old_parent: UnitId,
    new_parent: UnitId,
    today: &str,
) -> StoreResult<()> {
    let affected: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT count(*) FROM study_assignments a
         WHERE a.adapted_from IS NULL AND a.due_on >= $3 AND a.starts_on <= $3
           AND (a.unit_id IN (SELECT ancestor_id FROM unit_closure WHERE descendant_id = $1))
            <> (a.unit_id IN (SELECT ancestor_id FROM unit_closure WHERE descendant_id = $2))"
    )
    .bind(old_parent)
    .bind(new_parent)
    .bind(today)
    .fetch_one(&mut *e)
    .await)?;
    if affected == 0 {
        return Ok(());
    }
    let people: Vec<i64> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT p.id FROM people p JOIN unit_closure c ON c.descendant_id = p.unit_id
         WHERE c.ancestor_id = $1 ORDER BY p.id"
    )
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?;
    for person in people {
        resync_person(tx, person, today).await?;
    }
    Ok(())
}

/// Sets where an enrolment counts and whether the person left it.
async fn set_enrolment(
    tx: &mut Tx,
    root_id: i64,
    person_id: i64,
    unit_id: UnitId,
    left_on: Option<&str>,
) -> StoreResult<()> {
    on_ex!(tx, |e| {
        sqlx::query(
        "UPDATE study_enrolments SET unit_id = $3, left_on = $4 WHERE root_id = $1 AND person_id = $2"
    )
    .bind(root_id)
    .bind(person_id)
    .bind(unit_id)
    .bind(left_on)
    .execute(&mut *e)
    .await
    .map(|_| ())
    })?;
    Ok(())
}

/// What one enrolment counts: itself as assigned, and each period the
/// person completed.
async fn enrolment_counts(
    tx: &mut Tx,
    root_id: i64,
    person_id: i64,
) -> StoreResult<Vec<(String, i64)>> {
    let periods: Vec<String> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT period FROM study_completions
         WHERE root_id = $1 AND person_id = $2 AND state = 'completed' ORDER BY period"
    )
    .bind(root_id)
    .bind(person_id)
    .fetch_all(&mut *e)
    .await)?;
    let mut out = vec![(assigned_metric(root_id), 1)];
    out.extend(periods.iter().map(|p| (done_metric(root_id, p), 1)));
    Ok(out)
}

/// A person's enrolment in one original, with the version they follow.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Enrolment {
    /// The original.
    pub root_id: i64,
    /// The person.
    pub person_id: i64,
    /// The unit they were enrolled at.
    pub unit_id: i64,
}

/// A person's enrolment in `root_id`, if any.
pub async fn enrolment(
    c: &mut impl DbConn,
    root_id: i64,
    person_id: i64,
) -> StoreResult<Option<Enrolment>> {
    Ok(on_ex!(c, |e| {
        sqlx::query_as::<_, Enrolment>(
            "SELECT root_id, person_id, unit_id FROM study_enrolments
         WHERE root_id = $1 AND person_id = $2 AND left_on IS NULL",
        )
        .bind(root_id)
        .bind(person_id)
        .fetch_optional(&mut *e)
        .await
    })?)
}

/// A person's completion of one period.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Completion {
    /// The period (`once`, `2026-12`, `2026-Q4`, `2026`).
    pub period: String,
    /// `submitted` (waiting for the secretary) or `completed`.
    pub state: String,
    /// `self`, `quiz`, `reviewer` or `meeting`.
    pub how: String,
    /// The quiz score in percent, when by quiz.
    pub score: Option<i64>,
    /// The version done.
    pub version_id: i64,
    /// When reported.
    pub submitted_on: String,
    /// When completed.
    pub completed_on: Option<String>,
}

/// The completion of a period, if any.
pub async fn completion(
    c: &mut impl DbConn,
    root_id: i64,
    person_id: i64,
    period: &str,
) -> StoreResult<Option<Completion>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Completion>(
        "SELECT period, state, how, score, version_id, submitted_on, completed_on
         FROM study_completions WHERE root_id = $1 AND person_id = $2 AND period = $3"
    )
    .bind(root_id)
    .bind(person_id)
    .bind(period)
    .fetch_optional(&mut *e)
    .await)?)
}

/// What is recorded of a person's work on a period.
pub struct Done<'a> {
    /// The enrolment (read by the caller, which proved the right to act).
    pub enrolment: &'a Enrolment,
    /// The version done.
    pub version_id: i64,
    /// The period.
    pub period: &'a str,
    /// `submitted` or `completed`.
    pub state: &'a str,
    /// How.
    pub how: &'a str,
    /// Quiz score.
    pub score: Option<i64>,
    /// The day.
    pub on: &'a str,
    /// Who confirmed, for a reviewer's or a meeting's completion.
    pub confirmed_by: Option<&'a str>,
}

/// Records a period's work: a first report, a confirmation of a report,
/// or a completion. Counts a completion once; returns whether it became
/// completed now (`false` when it already was).
pub async fn record(tx: &mut Tx, d: &Done<'_>) -> StoreResult<bool> {
    // Under the counters lock, the enrolment is read again: a transfer
    // committed since the caller read it moved (or ended) where this
    // completion counts.
    aggregates::serialize_counters(tx).await?;
    let e = &enrolment(tx, d.enrolment.root_id, d.enrolment.person_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let before = completion(tx, e.root_id, e.person_id, d.period).await?;
    if before.as_ref().is_some_and(|b| b.state == "completed") {
        return Ok(false);
    }
    let completed_on = (d.state == "completed").then_some(d.on);
    // Written only if still not completed (or still absent), so that two
    // requests at once count a completion once.
    let written = if before.is_some() {
        on_ex!(tx, |x| sqlx::query(
            "UPDATE study_completions SET state = $4, how = $5, score = $6, version_id = $7,
                 completed_on = $8, confirmed_by = $9
             WHERE root_id = $1 AND person_id = $2 AND period = $3 AND state <> 'completed'"
        )
        .bind(e.root_id)
        .bind(e.person_id)
        .bind(d.period)
        .bind(d.state)
        .bind(d.how)
        .bind(d.score)
        .bind(d.version_id)
        .bind(completed_on)
        .bind(d.confirmed_by)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected()))?
    } else {
        on_ex!(tx, |x| sqlx::query(
            "INSERT INTO study_completions (root_id, person_id, period, state, how, score,
                 version_id, submitted_on, completed_on, confirmed_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (root_id, person_id, period) DO NOTHING"
        )
        .bind(e.root_id)
        .bind(e.person_id)
        .bind(d.period)
        .bind(d.state)
        .bind(d.how)
        .bind(d.score)
        .bind(d.version_id)
        .bind(d.on)
        .bind(completed_on)
        .bind(d.confirmed_by)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected()))?
    };
    if written == 0 {
        return Ok(false);
    }
    if d.state != "completed" {
        return Ok(false);
    }
    aggregates::add(tx, e.unit_id, &done_metric(e.root_id, d.period), 1).await?;
    Ok(true)
}

/// The versions a person follows, one per original they are enrolled in
/// (newest original first, at most 100): for each, the version of the
/// nearest unit on the path of the unit they were enrolled at, else the
/// original ([`version_at`] for all of them in one query).
pub async fn followed_by(c: &mut impl DbConn, person_id: i64) -> StoreResult<Vec<Assignment>> {
    let sql = format!(
        "{SELECT} JOIN study_enrolments x ON x.root_id = a.root_id
         LEFT JOIN unit_closure c ON c.ancestor_id = a.unit_id AND c.descendant_id = x.unit_id
         WHERE x.person_id = $1 AND x.left_on IS NULL
           AND (c.depth IS NOT NULL OR a.adapted_from IS NULL)
         ORDER BY a.root_id DESC, c.depth IS NULL, c.depth"
    );
    let rows: Vec<Assignment> = on_ex!(c, |e| sqlx::query_as::<_, Assignment>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(person_id)
    .fetch_all(&mut *e)
    .await)?;
    // The rows of an original come nearest first: keep the first.
    let mut out: Vec<Assignment> = Vec::new();
    for a in rows {
        if out.last().map(|l| l.root_id) != Some(a.root_id) && out.len() < 100 {
            out.push(a);
        }
    }
    Ok(out)
}

/// A completion with its original.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PersonCompletion {
    /// The original.
    pub root_id: i64,
    /// The completion.
    #[sqlx(flatten)]
    pub completion: Completion,
}

/// Everything recorded of a person's study, every period.
pub async fn completions_of(
    c: &mut impl DbConn,
    person_id: i64,
) -> StoreResult<Vec<PersonCompletion>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, PersonCompletion>(
        "SELECT root_id, period, state, how, score, version_id, submitted_on, completed_on
         FROM study_completions WHERE person_id = $1"
    )
    .bind(person_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// One person's line in a unit's roster.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RosterLine {
    /// The person.
    pub person_id: i64,
    /// Their name.
    pub full_name: String,
    /// `submitted`, `completed`, or none.
    pub state: Option<String>,
    /// How it was completed.
    pub how: Option<String>,
    /// When reported.
    pub submitted_on: Option<String>,
}

/// The people enrolled in `root_id` at exactly `unit_id`, with what they
/// did in `period`, by name. The caller proved the reader is that unit's
/// secretary.
pub async fn roster(
    c: &mut impl DbConn,
    root_id: i64,
    unit_id: UnitId,
    period: &str,
) -> StoreResult<Vec<RosterLine>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, RosterLine>(
        "SELECT p.id AS person_id, p.full_name, k.state, k.how, k.submitted_on
         FROM study_enrolments x JOIN people p ON p.id = x.person_id
         LEFT JOIN study_completions k ON k.root_id = x.root_id AND k.person_id = x.person_id
                                       AND k.period = $3
         WHERE x.root_id = $1 AND x.unit_id = $2 AND x.left_on IS NULL
         ORDER BY p.name_key NULLS LAST, p.full_name, p.id LIMIT 2000"
    )
    .bind(root_id)
    .bind(unit_id)
    .bind(period)
    .fetch_all(&mut *e)
    .await)?)
}

/// The people enrolled in `root_id` at exactly `unit_id` who were marked
/// present at `meeting_id` and have not completed `period`.
pub async fn present_at(
    c: &mut impl DbConn,
    root_id: i64,
    unit_id: UnitId,
    meeting_id: i64,
    period: &str,
) -> StoreResult<Vec<Enrolment>> {
    Ok(on_ex!(c, |e| {
        sqlx::query_as::<_, Enrolment>(
        "SELECT x.root_id, x.person_id, x.unit_id FROM study_enrolments x
         JOIN meeting_participants m ON m.person_id = x.person_id AND m.meeting_id = $3
         WHERE x.root_id = $1 AND x.unit_id = $2 AND x.left_on IS NULL AND m.attendance = 'present'
           AND NOT EXISTS (SELECT 1 FROM study_completions k WHERE k.root_id = x.root_id
                           AND k.person_id = x.person_id AND k.period = $4 AND k.state = 'completed')
         ORDER BY x.person_id"
    )
    .bind(root_id)
    .bind(unit_id)
    .bind(meeting_id)
    .bind(period)
    .fetch_all(&mut *e)
    .await
    })?)
}

/// Counter family: people assigned and completions per period, at the
/// unit each person was enrolled at; they follow the enrolments when a
/// unit ends.
pub const COUNTERS: aggregates::CounterFamily = aggregates::CounterFamily {
    name: "study",
    metrics: &["study."],
    follows_rows: true,
    recompute_sql: "SELECT c.ancestor_id, m.metric,
                CAST(sum(CASE WHEN m.unit_id = c.ancestor_id THEN m.n ELSE 0 END) AS BIGINT),
                CAST(sum(m.n) AS BIGINT)
         FROM (SELECT x.unit_id, 'study.' || CAST(x.root_id AS TEXT) || '.assigned' AS metric,
                      count(*) AS n
               FROM study_enrolments x WHERE x.left_on IS NULL GROUP BY x.unit_id, x.root_id
               UNION ALL
               SELECT x.unit_id, 'study.' || CAST(k.root_id AS TEXT) || '.done.' || k.period,
                      count(*)
               FROM study_completions k JOIN study_enrolments x
                 ON x.root_id = k.root_id AND x.person_id = k.person_id
               WHERE k.state = 'completed' AND x.left_on IS NULL
               GROUP BY x.unit_id, k.root_id, k.period) m
         JOIN unit_closure c ON c.descendant_id = m.unit_id
         GROUP BY c.ancestor_id, m.metric",
};

/// When a unit ends, its enrolments go to the unit that takes over its
/// people (its own counts follow, as the family says).
pub const UNIT_END: crate::lifecycle::UnitEndHook = crate::lifecycle::UnitEndHook {
    feature: "study",
    run: |tx, ending, successor, _now| {
        Box::pin(async move {
            crate::lifecycle::move_rows(
                tx,
                ending,
                successor,
                &["UPDATE study_enrolments SET unit_id = $2 WHERE unit_id = $1"],
            )
            .await
        })
    },
};
