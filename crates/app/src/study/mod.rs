//! Study assignments. A unit's secretary assigns material to the people
//! of its subtree (narrowed to levels, a position, or people lacking a
//! skill), to be done once by a day or in every month, quarter or year; a
//! unit below adapts it for its own people. A person marks it done, passes
//! its quiz, reports it for their unit's secretary to confirm, or is
//! marked present at a meeting that took it up; completion may grant a
//! skill. What each person did is seen by the person and by the secretary
//! of the unit they were enrolled at; every unit above sees counts only
//! (assigned, completed, overdue), never names. There are no points or
//! rankings of people.

pub mod centres;

use std::collections::BTreeMap;

use grassroots_core::study::{self as rules, QuizQuestion};
use grassroots_core::validate::display_name;
use grassroots_core::vocab::{StudyCompletion, StudyRecurrence};
use grassroots_core::{FieldError, Manage, Read, Role, UnitId};
use grassroots_store::study::{
    self as store, Assignment, Completion, Done, Enrolment, NewAssignment, RosterLine,
};
use grassroots_store::{aggregates, audit, meetings, people, profiles, skills, units};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{Actor, App, AppError, AppResult};

/// An assignment as typed (and an adaptation: its audience and recurrence
/// are the original's, whatever is sent).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AssignmentInput {
    /// Title (1–200 characters).
    pub title: String,
    /// The material, in Markdown (up to 100,000 characters).
    #[serde(default)]
    pub material: String,
    /// A quiz typed as text: a question on a line, then its options each
    /// on a line starting with `-`, the right one with `*`.
    #[serde(default)]
    pub quiz: String,
    /// Adaptations only: keep the adapted version's quiz as it is (its
    /// answers are not shown to the adapting unit), instead of `quiz`.
    #[serde(default)]
    pub keep_quiz: bool,
    /// Percent of right answers needed to pass (default 80).
    #[serde(default)]
    pub pass_mark: Option<i64>,
    /// `self`, `quiz`, `reviewer` or `meeting` (default `self`).
    #[serde(default)]
    pub completion: String,
    /// Only people of units of these levels (default: every level).
    #[serde(default)]
    pub levels: Vec<String>,
    /// Only holders of this position type.
    #[serde(default)]
    pub position_type_id: Option<i64>,
    /// Only people lacking this skill…
    #[serde(default)]
    pub lacking_skill_id: Option<i64>,
    /// …at this level or above (default 1).
    #[serde(default)]
    pub lacking_level: Option<i64>,
    /// A skill completion grants…
    #[serde(default)]
    pub grants_skill_id: Option<i64>,
    /// …at this level (default 1).
    #[serde(default)]
    pub grants_level: Option<i64>,
    /// `once` (default), `month`, `quarter` or `year`.
    #[serde(default)]
    pub recurrence: String,
    /// From, YYYY-MM-DD (default today).
    #[serde(default)]
    pub starts_on: String,
    /// Due (once) or last day (recurring), YYYY-MM-DD.
    pub due_on: String,
}

fn day(field: &'static str, raw: &str) -> AppResult<String> {
    Ok(grassroots_core::calendar::parse_day(raw.trim())
        .map_err(|_| FieldError::new(field, "invalid_date", "must be a date YYYY-MM-DD"))?
        .to_string())
}

fn level_1_to_5(field: &'static str, v: Option<i64>) -> AppResult<i64> {
    let v = v.unwrap_or(1);
    if !(1..=5).contains(&v) {
        return Err(FieldError::new(field, "out_of_range", "must be from 1 to 5").into());
    }
    Ok(v)
}

/// What is checked of the text of an assignment or adaptation.
struct Checked {
    title: String,
    material: String,
    quiz: String,
    pass_mark: i64,
    completion: StudyCompletion,
    starts_on: String,
    due_on: String,
    grants: Option<(i64, i64)>,
}

/// Checks the text of an assignment, or with `inherited` (the adapted
/// version's stored quiz) of an adaptation, which may keep that quiz.
async fn check_text(
    app: &App,
    input: &AssignmentInput,
    inherited: Option<&str>,
) -> AppResult<Checked> {
    let title = display_name("title", &input.title)?;
    let material = input.material.trim().to_string();
    if material.chars().count() > 100_000 {
        return Err(
            FieldError::new("material", "too_long", "must be at most 100,000 characters").into(),
        );
    }
    let questions = match (input.keep_quiz, inherited) {
        (false, _) => rules::parse_quiz(&input.quiz)?,
        (true, None) => {
            return Err(FieldError::new(
                "keep_quiz",
                "invalid_choice",
                "only an adaptation keeps the quiz of the version it adapts",
            )
            .into());
        }
        (true, Some(_)) if !input.quiz.trim().is_empty() => {
            return Err(FieldError::new(
                "quiz",
                "invalid",
                "either keep the adapted quiz or write a new one, not both",
            )
            .into());
        }
        (true, Some(stored)) => serde_json::from_str(stored)
            .map_err(|e| AppError::Internal(format!("stored quiz: {e}")))?,
    };
    let completion = match input.completion.trim() {
        "" => StudyCompletion::SelfMark,
        c => StudyCompletion::parse(c).ok_or_else(|| {
            FieldError::new(
                "completion",
                "invalid_choice",
                format!("must be one of: {}", StudyCompletion::KEYS.join(", ")),
            )
        })?,
    };
    if completion == StudyCompletion::Quiz && questions.is_empty() {
        return Err(FieldError::new("quiz", "required", "completion by quiz needs a quiz").into());
    }
    let pass_mark = input.pass_mark.unwrap_or(80);
    if !(1..=100).contains(&pass_mark) {
        return Err(
            FieldError::new("pass_mark", "out_of_range", "must be from 1 to 100 percent").into(),
        );
    }
    let starts_on = match input.starts_on.trim() {
        "" => app.clock.today().to_string(),
        d => day("starts_on", d)?,
    };
    let due_on = day("due_on", &input.due_on)?;
    if due_on < starts_on {
        return Err(
            FieldError::new("due_on", "before_start", "must not be before the start").into(),
        );
    }
    let mut c = app.db.conn().await?;
    let catalogue = skills::catalogue(&mut c).await?;
    let known = |id: i64| catalogue.iter().any(|s| s.id == id);
    let grants = match input.grants_skill_id {
        None => None,
        Some(s) if known(s) => Some((s, level_1_to_5("grants_level", input.grants_level)?)),
        Some(_) => {
            return Err(FieldError::new("grants_skill_id", "not_found", "no such skill").into());
        }
    };
    Ok(Checked {
        title,
        material,
        quiz: serde_json::to_string(&questions).map_err(|e| AppError::Internal(e.to_string()))?,
        pass_mark,
        completion,
        starts_on,
        due_on,
        grants,
    })
}

/// Assigns study material from `unit_id` (Manage there) to people of its
/// subtree; enrols them at once (a batch at a time; the job finishes a
/// national assignment) and returns the assignment.
pub async fn assign(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    input: AssignmentInput,
) -> AppResult<Assignment> {
    crate::units::require::<Manage>(app, actor, unit_id).await?;
    let t = check_text(app, &input, None).await?;
    let recurrence = match input.recurrence.trim() {
        "" => StudyRecurrence::Once,
        r => StudyRecurrence::parse(r).ok_or_else(|| {
            FieldError::new(
                "recurrence",
                "invalid_choice",
                format!("must be one of: {}", StudyRecurrence::KEYS.join(", ")),
            )
        })?,
    };
    let mut levels: Vec<String> = Vec::new();
    {
        let mut c = app.db.conn().await?;
        let known = profiles::active(&mut c).await?;
        for l in &input.levels {
            let l = l.trim();
            if l.is_empty() || levels.iter().any(|x| x == l) {
                continue;
            }
            if !known.iter().any(|k| k.key == l) {
                return Err(
                    FieldError::new("levels", "invalid", format!("unknown level: {l}")).into(),
                );
            }
            levels.push(l.to_string());
        }
        if let Some(pt) = input.position_type_id
            && !grassroots_store::positions::types(&mut c)
                .await?
                .iter()
                .any(|t| t.id == pt)
        {
            return Err(
                FieldError::new("position_type_id", "not_found", "no such position type").into(),
            );
        }
        if let Some(s) = input.lacking_skill_id
            && !skills::catalogue(&mut c).await?.iter().any(|k| k.id == s)
        {
            return Err(FieldError::new("lacking_skill_id", "not_found", "no such skill").into());
        }
    }
    let lacking = match input.lacking_skill_id {
        Some(s) => Some((s, level_1_to_5("lacking_level", input.lacking_level)?)),
        None => None,
    };
    let levels = levels.join(",");
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let id = store::create(
        &mut tx,
        &actor.principal.scope::<Manage>(),
        &NewAssignment {
            unit_id,
            adapted_from: None,
            title: &t.title,
            material: &t.material,
            quiz: &t.quiz,
            pass_mark: t.pass_mark,
            completion: t.completion.as_str(),
            levels: &levels,
            position_type_id: input.position_type_id,
            lacking,
            grants: t.grants,
            recurrence: recurrence.as_str(),
            starts_on: &t.starts_on,
            due_on: &t.due_on,
        },
        &actor.label,
        now,
    )
    .await?;
    let mut e = actor.entry("study.assign", "study_assignment", id, Some(unit_id));
    e.after = Some(json!({
        "title": t.title, "completion": t.completion.as_str(), "levels": levels,
        "position_type_id": input.position_type_id, "lacking": lacking, "grants": t.grants,
        "recurrence": recurrence.as_str(), "starts_on": t.starts_on, "due_on": t.due_on,
    }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    enrol(app, ENROL_AT_ONCE).await?;
    Ok(store::version(&mut app.db.conn().await?, id).await?)
}

/// Adapts a version for `unit_id`'s subtree (Manage at `unit_id`, which
/// lies strictly below the adapted version's unit): its own title,
/// material, quiz, completion and due day, no later than the original's.
pub async fn adapt(
    app: &App,
    actor: &Actor,
    version_id: i64,
    unit_id: UnitId,
    input: AssignmentInput,
) -> AppResult<Assignment> {
    crate::units::require::<Manage>(app, actor, unit_id).await?;
    let from = {
        let mut c = app.db.conn().await?;
        store::get(&mut c, &actor.principal.scope::<Read>(), version_id).await?
    };
    let t = check_text(app, &input, Some(&from.quiz)).await?;
    if t.due_on > from.due_on {
        return Err(FieldError::new(
            "due_on",
            "out_of_range",
            format!("must not be after the original's due day, {}", from.due_on),
        )
        .into());
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let id = store::create(
        &mut tx,
        &actor.principal.scope::<Manage>(),
        &NewAssignment {
            unit_id,
            adapted_from: Some(&from),
            title: &t.title,
            material: &t.material,
            quiz: &t.quiz,
            pass_mark: t.pass_mark,
            completion: t.completion.as_str(),
            levels: "",
            position_type_id: None,
            lacking: None,
            grants: t.grants,
            recurrence: "",
            starts_on: &t.starts_on,
            due_on: &t.due_on,
        },
        &actor.label,
        now,
    )
    .await
    .map_err(|e| match e {
        grassroots_store::StoreError::Conflict { field: "unit_id" } => {
            AppError::Invalid(FieldError::new(
                "unit_id",
                "not_below",
                "must be a unit below the one that assigned it",
            ))
        }
        grassroots_store::StoreError::Conflict { .. } => AppError::Invalid(FieldError::new(
            "unit_id",
            "taken",
            "this unit has adapted the assignment already",
        )),
        e => e.into(),
    })?;
    let mut e = actor.entry("study.adapt", "study_assignment", id, Some(unit_id));
    e.after = Some(json!({
        "adapted_from": from.id, "title": t.title, "completion": t.completion.as_str(),
        "due_on": t.due_on, "grants": t.grants,
    }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(store::version(&mut app.db.conn().await?, id).await?)
}

/// Batches [`assign`] runs before answering (the job runs the rest).
const ENROL_AT_ONCE: usize = 10;

/// Enrols people in open assignments, up to `batches` transactions;
/// returns how many people were walked.
pub(crate) async fn enrol(app: &App, batches: usize) -> AppResult<u64> {
    let today = app.clock.today().to_string();
    let mut walked = 0;
    for _ in 0..batches {
        let mut tx = app.db.begin().await?;
        let n = store::enrol_batch(&mut tx, &today).await?;
        tx.commit().await?;
        if n == 0 {
            break;
        }
        walked += n as u64;
    }
    Ok(walked)
}

/// Enrols the people of open assignments not enrolled yet (the rest of a
/// large assignment, and people who joined since), every minute.
pub const ENROL_JOB: crate::jobs::Job = crate::jobs::Job {
    name: "study.enrol",
    every_seconds: 60,
    run: |app| Box::pin(enrol(app, usize::MAX)),
};

/// A quiz question as the person taking it sees it: no answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuizItem {
    /// What is asked.
    pub text: String,
    /// The options.
    pub options: Vec<String>,
}

/// Counts of one assignment at one unit's subtree, from the counters.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct StudyCounts {
    /// People assigned.
    pub assigned: i64,
    /// People who completed the current period.
    pub completed: i64,
    /// People who did not complete a period now past due (for a
    /// recurring assignment: the last period).
    pub overdue: i64,
}

/// An assignment as a reader sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssignmentView {
    /// The version.
    pub assignment: Assignment,
    /// Its quiz, without answers.
    pub quiz: Vec<QuizItem>,
    /// The current period.
    pub period: String,
    /// When it is due.
    pub due_on: String,
    /// The reader's own enrolment in it: the version they follow (which
    /// may differ from this one) and what they did this period.
    pub mine: Option<Task>,
    /// Counts at the version's unit, when the reader reads that unit.
    pub counts: Option<StudyCounts>,
    /// The adaptations made below (of the original).
    pub adaptations: Vec<Assignment>,
}

/// One task of a person.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Task {
    /// The version the person follows.
    pub assignment: Assignment,
    /// The current period.
    pub period: String,
    /// When it is due.
    pub due_on: String,
    /// What is recorded for it.
    pub completion: Option<Completion>,
    /// Whether it is past due and not completed.
    pub overdue: bool,
}

fn recurrence(a: &Assignment) -> StudyRecurrence {
    StudyRecurrence::parse(&a.recurrence).unwrap_or(StudyRecurrence::Once)
}

fn parse_day(s: &str) -> chrono::NaiveDate {
    grassroots_core::calendar::parse_day(s).unwrap_or_default()
}

fn window_of(a: &Assignment, today: chrono::NaiveDate) -> rules::Window {
    rules::window(recurrence(a), parse_day(&a.due_on), today)
}

fn questions(a: &Assignment) -> Vec<QuizQuestion> {
    serde_json::from_str(&a.quiz).unwrap_or_default()
}

/// The counters an assignment's counts are read from: assigned, done
/// this period, and done last period for a recurring one.
fn metrics_of(a: &Assignment, today: chrono::NaiveDate) -> Vec<String> {
    let mut metrics = vec![
        store::assigned_metric(a.root_id),
        store::done_metric(a.root_id, &window_of(a, today).key),
    ];
    if let Some(prev) = rules::previous_window(recurrence(a), parse_day(&a.due_on), today) {
        metrics.push(store::done_metric(a.root_id, &prev.key));
    }
    metrics
}

/// Counts of `root` at `unit`'s subtree from its counters.
fn counts_from(
    metrics: &BTreeMap<String, i64>,
    a: &Assignment,
    today: chrono::NaiveDate,
) -> StudyCounts {
    let get = |m: String| metrics.get(&m).copied().unwrap_or(0);
    let assigned = get(store::assigned_metric(a.root_id));
    let now = window_of(a, today);
    let completed = get(store::done_metric(a.root_id, &now.key));
    let overdue = match rules::previous_window(recurrence(a), parse_day(&a.due_on), today) {
        None if today > now.due => assigned - completed,
        None => 0,
        Some(prev) if prev.due >= parse_day(&a.starts_on) => {
            assigned - get(store::done_metric(a.root_id, &prev.key))
        }
        Some(_) => 0,
    };
    StudyCounts {
        assigned,
        completed,
        overdue: overdue.max(0),
    }
}

fn task_of(a: Assignment, completion: Option<Completion>, today: chrono::NaiveDate) -> Task {
    let w = window_of(&a, today);
    let done = completion.as_ref().is_some_and(|c| c.state == "completed");
    Task {
        overdue: !done && today > w.due,
        period: w.key,
        due_on: w.due.to_string(),
        completion,
        assignment: a,
    }
}

/// The reader's person and their enrolment in `root_id`, if any.
async fn own_enrolment(app: &App, actor: &Actor, root_id: i64) -> AppResult<Option<Enrolment>> {
    if actor.principal.is_token() {
        return Ok(None);
    }
    let mut c = app.db.conn().await?;
    let Some(person) = people::own_person_id(&mut c, &actor.principal).await? else {
        return Ok(None);
    };
    Ok(store::enrolment(&mut c, root_id, person).await?)
}

/// One assignment: readable by those who read its unit or a unit it is
/// in force at, and by the people enrolled in it.
pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<AssignmentView> {
    let today = app.clock.today();
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    let a = store::version(&mut c, id).await?;
    let readable = store::readable(&mut c, &read, &a).await?;
    drop(c);
    let enrolment = own_enrolment(app, actor, a.root_id).await?;
    let mut c = app.db.conn().await?;
    // A person enrolled reads the versions on their own unit's path, not
    // a sibling's adaptation.
    let on_path = match &enrolment {
        Some(e) => grassroots_store::tree::is_within(&mut c, a.unit_id, e.unit_id).await?,
        None => false,
    };
    if !readable && !on_path {
        return Err(AppError::NotFound);
    }
    let mine = match enrolment {
        Some(e) => {
            let v = store::version_at(&mut c, e.root_id, e.unit_id).await?;
            let w = window_of(&v, today);
            let k = store::completion(&mut c, e.root_id, e.person_id, &w.key).await?;
            Some(task_of(v, k, today))
        }
        None => None,
    };
    let (counts, adaptations) =
        if grassroots_store::tree::in_scope(&mut c, &read, a.unit_id).await? {
            let here =
                aggregates::subtree_of_units(&mut c, &read, &[a.unit_id], &metrics_of(&a, today))
                    .await?
                    .remove(&a.unit_id)
                    .unwrap_or_default();
            (
                Some(counts_from(&here, &a, today)),
                store::adaptations(&mut c, a.root_id).await?,
            )
        } else {
            (None, Vec::new())
        };
    let w = window_of(&a, today);
    Ok(AssignmentView {
        quiz: questions(&a)
            .into_iter()
            .map(|q| QuizItem {
                text: q.text,
                options: q.options,
            })
            .collect(),
        period: w.key,
        due_on: w.due.to_string(),
        mine,
        counts,
        adaptations,
        assignment: a,
    })
}

/// One assignment in force at a unit, with its counts there and at each
/// unit right below.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitAssignment {
    /// The version in force at the unit.
    pub assignment: Assignment,
    /// The current period and its due day.
    pub period: String,
    /// Due.
    pub due_on: String,
    /// Counts in the unit's subtree.
    pub counts: StudyCounts,
    /// Counts per unit right below (id, name, counts), by name.
    pub below: Vec<(i64, String, StudyCounts)>,
}

/// A unit's study: the assignments in force there with their counts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitStudy {
    /// The unit.
    pub unit_id: i64,
    /// Assignments in force, newest first.
    pub assignments: Vec<UnitAssignment>,
    /// Whether the reader is this unit's secretary (sees its people's
    /// names in the roster).
    pub is_secretary: bool,
    /// Whether the reader may assign from here and adapt here.
    pub can_manage: bool,
}

/// Whether the actor is the secretary of exactly `unit_id` (a role at
/// the unit itself, not above it, and not through an API token): the one
/// who sees names.
pub fn is_unit_secretary(actor: &Actor, unit_id: UnitId) -> bool {
    // An API token never reads people's records (as with welfare cases).
    !actor.principal.is_token()
        && actor
            .principal
            .assignments()
            .iter()
            .any(|a| a.unit_id == unit_id && a.role.rank() >= Role::Secretary.rank())
}

/// The assignments in force at a unit, with counts (Read there).
pub async fn of_unit(app: &App, actor: &Actor, unit_id: UnitId) -> AppResult<UnitStudy> {
    crate::units::require::<Read>(app, actor, unit_id).await?;
    let today = app.clock.today();
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    let list = store::in_force_at(&mut c, unit_id).await?;
    let listed = units::children(&mut c, &read, unit_id).await?;
    let children: Vec<i64> = listed.iter().map(|u| u.id).collect();
    let names: BTreeMap<i64, String> = listed.into_iter().map(|u| (u.id, u.name)).collect();
    // The unit and the units right below, every assignment's own metrics,
    // in one read.
    let mut read_units = children.clone();
    read_units.push(unit_id);
    let metrics: Vec<String> = list.iter().flat_map(|a| metrics_of(a, today)).collect();
    let mut per = aggregates::subtree_of_units(&mut c, &read, &read_units, &metrics).await?;
    let here = per.remove(&unit_id).unwrap_or_default();
    let mut out = Vec::new();
    for a in list {
        let w = window_of(&a, today);
        let mut below: Vec<(i64, String, StudyCounts)> = per
            .iter()
            .map(|(u, m)| {
                (
                    *u,
                    names.get(u).cloned().unwrap_or_default(),
                    counts_from(m, &a, today),
                )
            })
            .filter(|(_, _, k)| k.assigned > 0)
            .collect();
        below.sort_by(|x, y| x.1.cmp(&y.1).then(x.0.cmp(&y.0)));
        out.push(UnitAssignment {
            counts: counts_from(&here, &a, today),
            period: w.key,
            due_on: w.due.to_string(),
            below,
            assignment: a,
        });
    }
    let can_manage =
        grassroots_store::tree::in_scope(&mut c, &actor.principal.scope::<Manage>(), unit_id)
            .await?;
    Ok(UnitStudy {
        unit_id,
        assignments: out,
        is_secretary: is_unit_secretary(actor, unit_id),
        can_manage,
    })
}

/// Who of a unit's own people did an assignment this period: for the
/// secretary of exactly that unit (above it, counts only).
pub async fn roster(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    root_id: i64,
) -> AppResult<Vec<RosterLine>> {
    crate::units::require::<Read>(app, actor, unit_id).await?;
    if !is_unit_secretary(actor, unit_id) {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.conn().await?;
    let a = store::version_at(&mut c, root_id, unit_id).await?;
    let w = window_of(&a, app.clock.today());
    Ok(store::roster(&mut c, a.root_id, unit_id, &w.key).await?)
}

/// What a person sends to do an assignment.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SubmitInput {
    /// The chosen option of each quiz question, in order (`null`: not
    /// answered).
    #[serde(default)]
    pub answers: Vec<Option<usize>>,
}

/// What became of a submission.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Submitted {
    /// `completed`, `submitted` (waiting for the secretary) or `failed`
    /// (the quiz was not passed; nothing is recorded, try again).
    pub state: String,
    /// The quiz score in percent, when there is a quiz.
    pub score: Option<u32>,
    /// The pass mark.
    pub pass_mark: i64,
    /// The period it counts for.
    pub period: String,
}

/// The signed-in person does their assignment (given by the id of any
/// version of it): marks it done, answers its quiz, or reports it for
/// their secretary to confirm. An assignment completed at a meeting is
/// recorded by the secretary.
pub async fn submit(app: &App, actor: &Actor, id: i64, input: SubmitInput) -> AppResult<Submitted> {
    let root = store::version(&mut app.db.conn().await?, id).await?.root_id;
    let Some(person) = own_enrolment(app, actor, root).await?.map(|e| e.person_id) else {
        return Err(AppError::NotFound);
    };
    let today = app.clock.today();
    let mut tx = app.db.begin().await?;
    // Read again in the transaction: a unit that ended meanwhile has
    // handed the enrolment to its successor, where it is counted.
    let enrolment = store::enrolment(&mut tx, root, person)
        .await?
        .ok_or(AppError::NotFound)?;
    let v = store::version_at(&mut tx, root, enrolment.unit_id).await?;
    let w = window_of(&v, today);
    if today < parse_day(&v.starts_on) {
        return Err(FieldError::new("assignment", "not_open", "has not started yet").into());
    }
    if recurrence(&v) != StudyRecurrence::Once && today > parse_day(&v.due_on) {
        return Err(FieldError::new("assignment", "not_open", "its last day has passed").into());
    }
    let qs = questions(&v);
    let score = (!qs.is_empty()).then(|| rules::score(&qs, &input.answers));
    let mode = StudyCompletion::parse(&v.completion).unwrap_or(StudyCompletion::SelfMark);
    let (state, how) = match mode {
        StudyCompletion::SelfMark => ("completed", "self"),
        StudyCompletion::Quiz => {
            if score.unwrap_or(0) < v.pass_mark as u32 {
                return Ok(Submitted {
                    state: "failed".into(),
                    score,
                    pass_mark: v.pass_mark,
                    period: w.key,
                });
            }
            ("completed", "quiz")
        }
        StudyCompletion::Reviewer => ("submitted", "reviewer"),
        StudyCompletion::Meeting => {
            return Err(FieldError::new(
                "assignment",
                "not_open",
                "is completed by attending the meeting that takes it up",
            )
            .into());
        }
    };
    let today_s = today.to_string();
    record_and_grant(
        &v,
        &mut tx,
        &Done {
            enrolment: &enrolment,
            version_id: v.id,
            period: &w.key,
            state,
            how,
            score: score.map(i64::from),
            on: &today_s,
            confirmed_by: None,
        },
    )
    .await?;
    tx.commit().await?;
    let recorded =
        store::completion(&mut app.db.conn().await?, root, enrolment.person_id, &w.key).await?;
    Ok(Submitted {
        state: recorded.map(|k| k.state).unwrap_or_else(|| state.into()),
        score,
        pass_mark: v.pass_mark,
        period: w.key,
    })
}

/// The secretary of the unit a person was enrolled at confirms their
/// reported work (`reviewer` completion).
pub async fn confirm(app: &App, actor: &Actor, root_id: i64, person_id: i64) -> AppResult<()> {
    let today = app.clock.today();
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    // Read in the transaction (a unit that ended meanwhile has handed it
    // on); whoever is not that unit's secretary learns nothing, not even
    // whether the person is enrolled.
    let enrolment = match store::enrolment(&mut tx, root_id, person_id).await? {
        Some(e) if is_unit_secretary(actor, e.unit_id) => e,
        _ => return Err(AppError::NotFound),
    };
    let v = store::version_at(&mut tx, root_id, enrolment.unit_id).await?;
    let w = window_of(&v, today);
    let Some(k) = store::completion(&mut tx, root_id, person_id, &w.key).await? else {
        return Err(FieldError::new("person_id", "not_done", "has not reported it done").into());
    };
    if k.state == "completed" {
        return Ok(());
    }
    let today_s = today.to_string();
    record_and_grant(
        &v,
        &mut tx,
        &Done {
            enrolment: &enrolment,
            version_id: k.version_id,
            period: &w.key,
            state: "completed",
            how: "reviewer",
            score: k.score,
            on: &today_s,
            confirmed_by: Some(&actor.label),
        },
    )
    .await?;
    let mut e = actor.entry(
        "study.confirm",
        "study_assignment",
        root_id,
        Some(enrolment.unit_id),
    );
    // The log names the assignment and the unit, not the person: higher
    // units read the log, and see counts only.
    e.after = Some(json!({ "period": w.key }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(())
}

/// The secretary of `unit_id` records an assignment done by the unit's
/// people who were marked present at a meeting (held, and readable by
/// the secretary) that took it up; returns how many completed.
pub async fn from_meeting(
    app: &App,
    actor: &Actor,
    root_id: i64,
    unit_id: UnitId,
    meeting_id: i64,
) -> AppResult<u64> {
    crate::units::require::<Manage>(app, actor, unit_id).await?;
    if !is_unit_secretary(actor, unit_id) {
        return Err(AppError::Forbidden);
    }
    let today = app.clock.today();
    let mut c = app.db.conn().await?;
    let meeting = meetings::get(&mut c, &actor.principal.scope::<Read>(), meeting_id)
        .await
        .map_err(|_| FieldError::new("meeting_id", "not_found", "no such meeting"))?;
    if parse_day(&meeting.held_on) > today {
        return Err(FieldError::new("meeting_id", "not_yet_held", "has not been held yet").into());
    }
    // The unit's own meeting, or one of a unit above it it took part in.
    if !grassroots_store::tree::is_within(&mut c, meeting.unit_id, unit_id).await? {
        return Err(FieldError::new(
            "meeting_id",
            "other_unit",
            "must be a meeting of this unit or of a unit above it",
        )
        .into());
    }
    drop(c);
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let v = store::version_at(&mut tx, root_id, unit_id).await?;
    if v.completion != StudyCompletion::Meeting.as_str() {
        return Err(FieldError::new(
            "meeting_id",
            "invalid",
            "this assignment is not done at a meeting",
        )
        .into());
    }
    if today < parse_day(&v.starts_on) {
        return Err(
            FieldError::new("meeting_id", "not_open", "the assignment has not started").into(),
        );
    }
    let w = window_of(&v, today);
    let present = store::present_at(&mut tx, root_id, unit_id, meeting_id, &w.key).await?;
    let today_s = today.to_string();
    let mut n = 0;
    for enrolment in &present {
        if record_and_grant(
            &v,
            &mut tx,
            &Done {
                enrolment,
                version_id: v.id,
                period: &w.key,
                state: "completed",
                how: "meeting",
                score: None,
                on: &today_s,
                confirmed_by: Some(&actor.label),
            },
        )
        .await?
        {
            n += 1;
        }
    }
    let mut e = actor.entry(
        "study.from_meeting",
        "study_assignment",
        root_id,
        Some(unit_id),
    );
    e.after = Some(json!({ "meeting_id": meeting_id, "period": w.key, "completed": n }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(n)
}

/// The signed-in person's study tasks, the ones not done first (soonest
/// due first), then the rest.
pub async fn mine(app: &App, actor: &Actor) -> AppResult<Vec<Task>> {
    if actor.principal.is_token() {
        return Ok(Vec::new());
    }
    let mut c = app.db.conn().await?;
    let Some(person) = people::own_person_id(&mut c, &actor.principal).await? else {
        return Ok(Vec::new());
    };
    of_person(&mut c, person, app.clock.today()).await
}

/// A person's tasks (the caller proved the person is the reader).
pub(crate) async fn of_person(
    c: &mut impl grassroots_store::DbConn,
    person_id: i64,
    today: chrono::NaiveDate,
) -> AppResult<Vec<Task>> {
    let mut recorded = store::completions_of(c, person_id).await?;
    let mut tasks = Vec::new();
    for v in store::followed_by(c, person_id).await? {
        if today < parse_day(&v.starts_on) {
            continue;
        }
        let w = window_of(&v, today);
        let k = recorded
            .iter()
            .position(|r| r.root_id == v.root_id && r.completion.period == w.key)
            .map(|i| recorded.swap_remove(i).completion);
        tasks.push(task_of(v, k, today));
    }
    tasks.sort_by(|a, b| {
        let done = |t: &Task| {
            t.completion
                .as_ref()
                .is_some_and(|k| k.state == "completed")
        };
        done(a)
            .cmp(&done(b))
            .then(a.due_on.cmp(&b.due_on))
            .then(b.assignment.root_id.cmp(&a.assignment.root_id))
    });
    Ok(tasks)
}

/// Records a period's work ([`store::record`]); a completion raises the
/// skill the version grants, if any. Returns whether it became completed
/// now.
async fn record_and_grant(
    v: &store::Assignment,
    tx: &mut grassroots_store::Tx,
    d: &Done<'_>,
) -> AppResult<bool> {
    let completed = store::record(tx, d).await?;
    if completed && let Some((skill, level)) = v.grants_skill_id.zip(v.grants_level) {
        grassroots_store::skills::raise(tx, d.enrolment.person_id, skill, level).await?;
    }
    Ok(completed)
}
