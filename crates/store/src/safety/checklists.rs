//! Checklist templates and the inspections done with them. A template has
//! versions; a version is used by an inspection from the moment one
//! starts, and is never changed afterwards (a change is a new version).
//! Completing an inspection counts it at its unit (`safety.inspections.*`,
//! also per month) with its flagged answers.

use chrono::NaiveDate;
use grassroots_core::{Edit, Read, Scope, UnitId};
use serde::Serialize;

use crate::plans::ymd;
use crate::{DbConn, StoreError, StoreResult, Tx, aggregates, on_ex};

/// A checklist template with its newest version.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Template {
    /// Id.
    pub id: i64,
    /// Stable key.
    pub key: String,
    /// Name.
    pub name: String,
    /// `inspection` or `assessment`.
    pub purpose: String,
    /// Its newest version.
    pub version_id: i64,
    /// That version's number.
    pub version: i64,
}

/// A question of a version.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Question {
    /// Id.
    pub id: i64,
    /// Its section.
    pub section_id: i64,
    /// The question.
    pub text: String,
    /// `yes_no`, `scale`, `number` or `text`.
    pub response: String,
    /// Whether N/A may be answered.
    pub allow_na: bool,
    /// The yes/no answer that is flagged.
    pub flag_on: Option<String>,
    /// Scale answers at or below this are flagged.
    pub flag_at_most: Option<i64>,
    /// A flagged answer needs a note.
    pub require_note: bool,
    /// A flagged answer needs a corrective action.
    pub require_action: bool,
}

/// A section with its questions.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Section {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Its questions, in order.
    pub questions: Vec<Question>,
}

/// A version of a template, whole.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Version {
    /// Id.
    pub id: i64,
    /// Its template.
    pub template_id: i64,
    /// Number, from 1.
    pub version: i64,
    /// Whether an inspection used it (it is then fixed).
    pub used: bool,
    /// Sections in order.
    pub sections: Vec<Section>,
}

/// A question of a new version.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, utoipa::ToSchema)]
pub struct NewQuestion {
    /// The question.
    pub text: String,
    /// `yes_no`, `scale`, `number` or `text`.
    pub response: String,
    /// Whether N/A may be answered.
    #[serde(default = "yes")]
    pub allow_na: bool,
    /// The yes/no answer that is flagged.
    #[serde(default)]
    pub flag_on: Option<String>,
    /// Scale answers at or below this are flagged.
    #[serde(default)]
    pub flag_at_most: Option<i64>,
    /// A flagged answer needs a note.
    #[serde(default)]
    pub require_note: bool,
    /// A flagged answer needs a corrective action.
    #[serde(default)]
    pub require_action: bool,
}

fn yes() -> bool {
    true
}

/// A section of a new version.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, utoipa::ToSchema)]
pub struct NewSection {
    /// Title.
    pub title: String,
    /// Its questions.
    pub questions: Vec<NewQuestion>,
}

/// An inspection or assessment of a unit.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Inspection {
    /// Id.
    pub id: i64,
    /// Its unit.
    pub unit_id: i64,
    /// The template version it follows.
    pub version_id: i64,
    /// `inspection` or `assessment`.
    pub purpose: String,
    /// Day started.
    pub started_on: String,
    /// Who started it.
    pub started_by: String,
    /// `draft` or `completed`.
    pub status: String,
    /// Day completed.
    pub completed_on: Option<String>,
    /// Score (N/A left out).
    pub score: Option<i64>,
    /// Out of.
    pub max_score: Option<i64>,
    /// Answers flagged.
    pub flagged: i64,
}

/// An answer.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Answer {
    /// The question.
    pub question_id: i64,
    /// `yes`, `no`, `n_a`, 1–5, a number or text.
    pub answer: String,
    /// The inspector's note.
    pub note: String,
    /// Whether it is flagged.
    pub flagged: bool,
    /// The corrective action it raised.
    pub action_id: Option<i64>,
}

const INSPECTION: &str = "i.id, i.unit_id, i.version_id, i.purpose, i.started_on, i.started_by,
    i.status, i.completed_on, i.score, i.max_score, i.flagged";

/// The templates with their newest versions.
pub async fn templates(c: &mut impl DbConn) -> StoreResult<Vec<Template>> {
    Ok(on_ex!(c, |e| {
        sqlx::query_as(
        "SELECT t.id, t.key, t.name, t.purpose, v.id AS version_id, v.version
         FROM checklist_templates t JOIN checklist_versions v ON v.template_id = t.id
         WHERE v.version = (SELECT max(x.version) FROM checklist_versions x WHERE x.template_id = t.id)
         ORDER BY t.id"
    )
    .fetch_all(&mut *e)
    .await
    })?)
}

/// A version, whole.
pub async fn version(c: &mut impl DbConn, id: i64) -> StoreResult<Version> {
    let head: (i64, i64, i64, bool) = on_ex!(c, |e| sqlx::query_as(
        "SELECT id, template_id, version, used FROM checklist_versions WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)?;
    let sections: Vec<(i64, String)> = on_ex!(c, |e| sqlx::query_as(
        "SELECT id, title FROM checklist_sections WHERE version_id = $1 ORDER BY position, id"
    )
    .bind(id)
    .fetch_all(&mut *e)
    .await)?;
    let questions: Vec<Question> = on_ex!(c, |e| sqlx::query_as(
        "SELECT q.id, q.section_id, q.text, q.response, q.allow_na, q.flag_on, q.flag_at_most,
           q.require_note, q.require_action
         FROM checklist_questions q JOIN checklist_sections s ON s.id = q.section_id
         WHERE s.version_id = $1 ORDER BY s.position, s.id, q.position, q.id"
    )
    .bind(id)
    .fetch_all(&mut *e)
    .await)?;
    Ok(Version {
        id: head.0,
        template_id: head.1,
        version: head.2,
        used: head.3,
        sections: sections
            .into_iter()
            .map(|(sid, title)| Section {
                id: sid,
                title,
                questions: questions
                    .iter()
                    .filter(|q| q.section_id == sid)
                    .cloned()
                    .collect(),
            })
            .collect(),
    })
}

/// Writes a new version of a template (the caller checked its contents);
/// earlier versions stay as they are. With `base`, the version the writer
/// started from: refused when another was saved since.
pub async fn add_version(
    tx: &mut Tx,
    template_id: i64,
    base: Option<i64>,
    sections: &[NewSection],
    today: NaiveDate,
) -> StoreResult<i64> {
    let next: Option<i64> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT max(version) + 1 FROM checklist_versions WHERE template_id = $1"
    )
    .bind(template_id)
    .fetch_one(&mut *e)
    .await)?;
    let next = next.ok_or(StoreError::NotFound)?;
    if base.is_some_and(|b| b + 1 != next) {
        // Someone saved another version since this one was read.
        return Err(StoreError::Conflict {
            field: "base_version",
        });
    }
    write_version(tx, template_id, next, sections, today)
        .await
        .map_err(|e| e.conflict_on("base_version"))
}

/// Creates a template (its key made from its name and its id) with its
/// first version; returns the version's id.
pub async fn create_template(
    tx: &mut Tx,
    name: &str,
    purpose: &str,
    sections: &[NewSection],
    today: NaiveDate,
) -> StoreResult<i64> {
    // One creation at a time (SQLite's write transaction already is), so
    // the row can be written under a placeholder key and renamed with the
    // id it was given.
    if let Tx::Postgres(t) = tx {
        sqlx::query("LOCK TABLE checklist_templates IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut **t)
            .await?;
    }
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO checklist_templates (key, name, purpose, created_on)
         VALUES ('pending', $1, $2, $3) RETURNING id"
    )
    .bind(name)
    .bind(purpose)
    .bind(ymd(today))
    .fetch_one(&mut *e)
    .await)?;
    let slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .split('_')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    let key = if slug.is_empty() {
        format!("checklist_{id}")
    } else {
        format!("{slug}_{id}")
    };
    on_ex!(tx, |e| sqlx::query(
        "UPDATE checklist_templates SET key = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(&key)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    write_version(tx, id, 1, sections, today).await
}

/// Writes version `number` of a template with its sections and questions.
async fn write_version(
    tx: &mut Tx,
    template_id: i64,
    number: i64,
    sections: &[NewSection],
    today: NaiveDate,
) -> StoreResult<i64> {
    let next = number;
    let vid: i64 = on_ex!(tx, |e| {
        sqlx::query_scalar(
        "INSERT INTO checklist_versions (template_id, version, created_on) VALUES ($1, $2, $3) RETURNING id"
    )
    .bind(template_id)
    .bind(next)
    .bind(ymd(today))
    .fetch_one(&mut *e)
    .await
    })?;
    for (i, s) in sections.iter().enumerate() {
        let sid: i64 = on_ex!(tx, |e| {
            sqlx::query_scalar(
            "INSERT INTO checklist_sections (version_id, position, title) VALUES ($1, $2, $3) RETURNING id"
        )
        .bind(vid)
        .bind(i as i64 + 1)
        .bind(&s.title)
        .fetch_one(&mut *e)
        .await
        })?;
        for (j, q) in s.questions.iter().enumerate() {
            on_ex!(tx, |e| sqlx::query(
                "INSERT INTO checklist_questions (section_id, position, text, response, allow_na,
                   flag_on, flag_at_most, require_note, require_action)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            )
            .bind(sid)
            .bind(j as i64 + 1)
            .bind(&q.text)
            .bind(&q.response)
            .bind(q.allow_na)
            .bind(&q.flag_on)
            .bind(q.flag_at_most)
            .bind(q.require_note)
            .bind(q.require_action)
            .execute(&mut *e)
            .await
            .map(|r| r.rows_affected()))?;
        }
    }
    Ok(vid)
}

/// Starts an inspection of a unit `scope` edits with a version, which is
/// fixed from now on.
pub async fn start(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    unit_id: UnitId,
    version_id: i64,
    purpose: &str,
    by: &str,
    today: NaiveDate,
) -> StoreResult<Inspection> {
    crate::tree::require_in(tx, scope, unit_id).await?;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE checklist_versions SET used = TRUE WHERE id = $1"
    )
    .bind(version_id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO inspections (unit_id, version_id, purpose, started_on, started_by, status)
         VALUES ($1, $2, $3, $4, $5, 'draft') RETURNING id"
    )
    .bind(unit_id)
    .bind(version_id)
    .bind(purpose)
    .bind(ymd(today))
    .bind(by)
    .fetch_one(&mut *e)
    .await)?;
    fetch(tx, id).await
}

async fn fetch(c: &mut impl DbConn, id: i64) -> StoreResult<Inspection> {
    let sql = format!("SELECT {INSPECTION} FROM inspections i WHERE i.id = $1");
    on_ex!(c, |e| sqlx::query_as::<_, Inspection>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// An inspection of a unit in `scope`.
pub async fn inspection<C: grassroots_core::Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    id: i64,
) -> StoreResult<Inspection> {
    let i = fetch(c, id).await?;
    crate::tree::require_in(c, scope, i.unit_id).await?;
    Ok(i)
}

/// An inspection's answers.
pub async fn answers(c: &mut impl DbConn, inspection_id: i64) -> StoreResult<Vec<Answer>> {
    Ok(on_ex!(c, |e| sqlx::query_as(
        "SELECT question_id, answer, note, flagged, action_id FROM inspection_answers
         WHERE inspection_id = $1 ORDER BY question_id"
    )
    .bind(inspection_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Replaces a draft inspection's answers.
pub async fn save_answers(tx: &mut Tx, inspection_id: i64, answers: &[Answer]) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "DELETE FROM inspection_answers WHERE inspection_id = $1"
    )
    .bind(inspection_id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    for a in answers {
        on_ex!(tx, |e| {
            sqlx::query(
            "INSERT INTO inspection_answers (inspection_id, question_id, answer, note, flagged, action_id)
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(inspection_id)
        .bind(a.question_id)
        .bind(&a.answer)
        .bind(&a.note)
        .bind(a.flagged)
        .bind(a.action_id)
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// Completes a draft inspection with its totals and counts it.
pub async fn complete(
    tx: &mut Tx,
    i: &Inspection,
    score: (i64, i64),
    flagged: i64,
    today: NaiveDate,
) -> StoreResult<Inspection> {
    aggregates::serialize_counters(tx).await?;
    let n = on_ex!(tx, |e| {
        sqlx::query(
        "UPDATE inspections SET status = 'completed', completed_on = $2, score = $3, max_score = $4,
           flagged = $5 WHERE id = $1 AND status = 'draft'"
    )
    .bind(i.id)
    .bind(ymd(today))
    .bind(score.0)
    .bind(score.1)
    .bind(flagged)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected())
    })?;
    if n == 0 {
        return Err(StoreError::Conflict { field: "status" });
    }
    let month = &ymd(today)[..7];
    for (metric, v) in [
        (format!("safety.inspections.{}.done", i.purpose), 1),
        (format!("safety.inspections.done.{month}"), 1),
        ("safety.inspections.flagged".to_string(), flagged),
    ] {
        if v != 0 {
            aggregates::add(tx, i.unit_id, &metric, v).await?;
        }
    }
    super::schedules::completed(tx, i.unit_id, today).await?;
    fetch(tx, i.id).await
}

/// The inspections of a unit in `scope`, newest first, at most 100.
pub async fn of_unit(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
) -> StoreResult<Vec<Inspection>> {
    crate::tree::require_in(c, scope, unit_id).await?;
    let sql = format!(
        "SELECT {INSPECTION} FROM inspections i WHERE i.unit_id = $1
         ORDER BY i.started_on DESC, i.id DESC LIMIT 100"
    );
    Ok(on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?)
}
