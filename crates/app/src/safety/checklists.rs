//! Inspections and cell self-assessments from checklist templates: a
//! unit starts one from a template's newest version (which is then fixed),
//! answers it (on a phone), and completes it once every question is
//! answered, every flagged answer that needs a note has one, and every
//! flagged answer that needs a corrective action has raised one, which is
//! opened with the answer in the same transaction.

use grassroots_core::safety::{self as rules, AnswerError};
use grassroots_core::{Edit, FieldError, Read, UnitId};
use grassroots_store::audit;
use grassroots_store::safety::checklists::{
    self as store, Answer, Inspection, NewSection, Template, Version,
};
use grassroots_store::safety::{self as safety_store, NewAction};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::input::{optional, text};
use crate::{Actor, App, AppError, AppResult};

/// The templates, each with its newest version.
pub async fn templates(app: &App) -> AppResult<Vec<Template>> {
    Ok(store::templates(&mut app.db.conn().await?).await?)
}

/// A version, whole.
pub async fn version(app: &App, id: i64) -> AppResult<Version> {
    Ok(store::version(&mut app.db.conn().await?, id).await?)
}

/// Writes a new version of a template (administrators of the whole
/// organization); inspections keep the versions they used. With `base`,
/// the version the writer started from: refused (a conflict on
/// `base_version`) when another was saved since.
pub async fn add_version(
    app: &App,
    actor: &Actor,
    template_id: i64,
    base: Option<i64>,
    sections: &[NewSection],
) -> AppResult<Version> {
    crate::profiles::require_org_admin(app, actor).await?;
    check_sections(sections)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let id = store::add_version(&mut tx, template_id, base, sections, app.clock.today()).await?;
    let mut e = actor.entry("checklist.version", "checklist", template_id, None);
    e.after = Some(json!({ "version_id": id }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    version(app, id).await
}

/// Creates a template with its first version (administrators of the whole
/// organization).
pub async fn create(
    app: &App,
    actor: &Actor,
    name: &str,
    purpose: &str,
    sections: &[NewSection],
) -> AppResult<Version> {
    crate::profiles::require_org_admin(app, actor).await?;
    let name = optional(name, "name", 200)?
        .ok_or_else(|| FieldError::new("name", "required", "a checklist needs a name"))?;
    if purpose != "inspection" && purpose != "assessment" {
        return Err(FieldError::new(
            "purpose",
            "invalid_choice",
            "an inspection or an assessment",
        )
        .into());
    }
    check_sections(sections)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let id = store::create_template(&mut tx, &name, purpose, sections, app.clock.today()).await?;
    let v = store::version(&mut tx, id).await?;
    let mut e = actor.entry("checklist.create", "checklist", v.template_id, None);
    e.after = Some(json!({ "name": name, "purpose": purpose, "version_id": id }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(v)
}

/// Refuses sections without questions, untitled sections, questions
/// without text, unknown responses and flags that do not fit them.
fn check_sections(sections: &[NewSection]) -> AppResult<()> {
    if sections.is_empty() || sections.iter().any(|s| s.questions.is_empty()) {
        return Err(FieldError::new(
            "sections",
            "empty",
            "every version needs sections, and every section questions",
        )
        .into());
    }
    for s in sections {
        optional(&s.title, "sections", 200)?.ok_or_else(|| {
            FieldError::new("sections", "required", "every section needs a title")
        })?;
        for q in &s.questions {
            optional(&q.text, "questions", 500)?.ok_or_else(|| {
                FieldError::new("questions", "required", "every question needs its text")
            })?;
            if !matches!(q.response.as_str(), "yes_no" | "scale" | "number" | "text") {
                return Err(FieldError::new(
                    "questions",
                    "invalid_choice",
                    "a response is yes_no, scale, number or text",
                )
                .into());
            }
            if q.flag_at_most.is_some_and(|m| !(1..=5).contains(&m))
                || q.flag_on
                    .as_deref()
                    .is_some_and(|f| f != "yes" && f != "no")
            {
                return Err(FieldError::new(
                    "questions",
                    "out_of_range",
                    "a scale flags at 1 to 5, a yes/no answer on yes or no",
                )
                .into());
            }
        }
    }
    Ok(())
}

/// An inspection with what it follows and what was answered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InspectionView {
    /// The inspection.
    pub inspection: Inspection,
    /// The template's name.
    pub template: String,
    /// The version it follows.
    pub version: Version,
    /// The answers so far.
    pub answers: Vec<Answer>,
}

/// Starts an inspection (or assessment) of a unit the actor edits from a
/// template's newest version.
pub async fn start(
    app: &App,
    actor: &Actor,
    unit: UnitId,
    template_id: i64,
) -> AppResult<InspectionView> {
    crate::units::require::<Edit>(app, actor, unit).await?;
    let t = templates(app)
        .await?
        .into_iter()
        .find(|t| t.id == template_id)
        .ok_or_else(|| FieldError::new("template_id", "not_found", "no such checklist"))?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let i = store::start(
        &mut tx,
        &actor.principal.scope::<Edit>(),
        unit,
        t.version_id,
        &t.purpose,
        &actor.label,
        app.clock.today(),
    )
    .await?;
    audit::append(
        &mut tx,
        now,
        &actor.entry("inspection.start", "inspection", i.id, Some(unit)),
    )
    .await?;
    tx.commit().await?;
    view(app, actor, i.id).await
}

/// An inspection of a unit the reader reads.
pub async fn view(app: &App, actor: &Actor, id: i64) -> AppResult<InspectionView> {
    let mut c = app.db.conn().await?;
    let inspection = store::inspection(&mut c, &actor.principal.scope::<Read>(), id).await?;
    let version = store::version(&mut c, inspection.version_id).await?;
    let answers = store::answers(&mut c, id).await?;
    let template = store::templates(&mut c)
        .await?
        .into_iter()
        .find(|t| t.id == version.template_id)
        .map(|t| t.name)
        .unwrap_or_default();
    Ok(InspectionView {
        inspection,
        template,
        version,
        answers,
    })
}

/// One answer as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AnswerInput {
    /// The question.
    pub question_id: i64,
    /// `yes`, `no`, `n_a`, 1–5, a number or text; empty: not yet answered.
    #[serde(default)]
    pub answer: String,
    /// A note.
    #[serde(default)]
    pub note: String,
    /// For a flagged answer: the corrective action to open.
    #[serde(default)]
    pub action_title: String,
    /// Its due day, YYYY-MM-DD.
    #[serde(default)]
    pub action_due_on: String,
}

/// Answers saved, and whether to complete the inspection.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AnswersInput {
    /// The answers.
    pub answers: Vec<AnswerInput>,
    /// Complete it now (every check must pass).
    #[serde(default)]
    pub complete: bool,
}

fn about(q: &store::Question, what: &str) -> FieldError {
    FieldError::new("answers", "question", format!("“{}”: {what}", q.text))
}

/// Saves a draft's answers, opening the corrective actions flagged answers
/// ask for, and completes it when asked and every check passes, all in
/// one transaction. Errors name the question.
pub async fn answer(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &AnswersInput,
) -> AppResult<InspectionView> {
    let edit = actor.principal.scope::<Edit>();
    let (inspection, version, saved) = {
        let mut c = app.db.conn().await?;
        let i = store::inspection(&mut c, &edit, id).await?;
        let v = store::version(&mut c, i.version_id).await?;
        let a = store::answers(&mut c, id).await?;
        (i, v, a)
    };
    if inspection.status != "draft" {
        return Err(FieldError::new("answers", "closed", "the inspection is completed").into());
    }
    let questions: Vec<&store::Question> = version
        .sections
        .iter()
        .flat_map(|s| s.questions.iter())
        .collect();
    let today = app.clock.today();
    let mut answers = Vec::new();
    let mut judged = Vec::new();
    let mut to_open: Vec<(usize, String, String)> = Vec::new();
    for q in &questions {
        let typed = input.answers.iter().find(|a| a.question_id == q.id);
        let Some(a) = typed.filter(|a| !a.answer.trim().is_empty()) else {
            if input.complete {
                return Err(about(q, "is not answered").into());
            }
            continue;
        };
        let rule = rules::Question {
            response: q.response.clone(),
            allow_na: q.allow_na,
            flag_on: q.flag_on.clone(),
            flag_at_most: q.flag_at_most,
        };
        let j = rules::judge(&rule, &a.answer).map_err(|e| match e {
            AnswerError::Invalid => about(q, "is not one of its answers"),
            AnswerError::NotApplicableRefused => about(q, "cannot be answered N/A"),
        })?;
        let note = text(&a.note, "answers", 2000)?.unwrap_or_default();
        let kept = saved
            .iter()
            .find(|s| s.question_id == q.id)
            .and_then(|s| s.action_id);
        if j.flagged && kept.is_none() && !a.action_title.trim().is_empty() {
            let due = grassroots_core::calendar::parse_day(a.action_due_on.trim())
                .map_err(|_| about(q, "its action needs a due day"))?;
            if due < today {
                return Err(about(q, "its action's due day is past").into());
            }
            to_open.push((
                answers.len(),
                optional(&a.action_title, "answers", 300)?.unwrap_or_default(),
                grassroots_store::plans::ymd(due),
            ));
        }
        if input.complete && j.flagged {
            if q.require_note && note.is_empty() {
                return Err(about(q, "a flagged answer needs a note").into());
            }
            let will_have_action = kept.is_some() || !a.action_title.trim().is_empty();
            if q.require_action && !will_have_action {
                return Err(about(q, "a flagged answer needs a corrective action").into());
            }
        }
        judged.push(j);
        answers.push(Answer {
            question_id: q.id,
            answer: a.answer.trim().to_string(),
            note,
            flagged: j.flagged,
            action_id: if j.flagged { kept } else { None },
        });
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    // What was checked above must still hold under the lock: a draft, with
    // the answers (and actions) read then.
    safety_store::lock_row(&mut tx, safety_store::Locked::Inspection, id).await?;
    let locked = store::inspection(&mut tx, &edit, id).await?;
    if locked.status != "draft" {
        return Err(FieldError::new("answers", "closed", "the inspection is completed").into());
    }
    // A merge may have moved it to another unit meanwhile.
    if locked.unit_id != inspection.unit_id {
        return Err(AppError::Conflict { field: "answers" });
    }
    if store::answers(&mut tx, id).await? != saved {
        return Err(AppError::Conflict { field: "answers" });
    }
    for (index, title, due) in &to_open {
        let action = safety_store::add_action(
            &mut tx,
            &edit,
            &NewAction {
                unit_id: inspection.unit_id,
                kind: "corrective",
                title,
                hazard_id: None,
                incident_id: None,
                owner_person_id: None,
                due_on: due,
            },
            &actor.label,
            today,
        )
        .await?;
        answers[*index].action_id = Some(action.id);
        audit::append(
            &mut tx,
            now,
            &actor.entry("action.add", "action", action.id, Some(inspection.unit_id)),
        )
        .await?;
    }
    store::save_answers(&mut tx, id, &answers).await?;
    if input.complete {
        let flagged = answers.iter().filter(|a| a.flagged).count() as i64;
        store::complete(&mut tx, &inspection, rules::total(&judged), flagged, today)
            .await
            .map_err(|e| match e {
                grassroots_store::StoreError::Conflict { .. } => AppError::Invalid(
                    FieldError::new("answers", "closed", "the inspection is completed"),
                ),
                e => e.into(),
            })?;
        let mut e = actor.entry(
            "inspection.complete",
            "inspection",
            id,
            Some(inspection.unit_id),
        );
        e.after = Some(json!({ "flagged": flagged }));
        audit::append(&mut tx, now, &e).await?;
    }
    tx.commit().await?;
    view(app, actor, id).await
}

/// The inspections of a unit the reader reads.
pub async fn of_unit(app: &App, actor: &Actor, unit: UnitId) -> AppResult<Vec<Inspection>> {
    Ok(store::of_unit(
        &mut app.db.conn().await?,
        &actor.principal.scope::<Read>(),
        unit,
    )
    .await?)
}
