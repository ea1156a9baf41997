//! Safety: a unit keeps its hazard register (rated on the organization's
//! matrix, inherent and residual, with controls in the order of the
//! hierarchy; a residual risk of high or above needs a corrective action),
//! logs incidents and near misses (severity sets the investigation
//! deadline), and opens corrective and preventive actions, which close
//! only when a secretary of the unit verified they worked, and go back
//! open when they did not. Late actions escalate to the unit above, and on
//! up. Every level above reads counts.

use chrono::{Days, NaiveDate};
use grassroots_core::safety::{self as rules, MatrixError};
use grassroots_core::vocab::{ControlLevel, IncidentSeverity, RiskBand};
use grassroots_core::{Edit, FieldError, Manage, Read, UnitId};
use grassroots_store::audit;
use grassroots_store::plans::ymd;
use grassroots_store::safety::{
    self, Action, Control, Hazard, Incident, NewAction, NewHazard, NewIncident, Settings,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::input::{optional, text};
use crate::{Actor, App, AppError, AppResult};

pub mod checklists;
pub mod schedules;

/// The settings.
pub async fn settings(app: &App) -> AppResult<Settings> {
    Ok(safety::settings(&mut app.db.conn().await?).await?)
}

/// Changes the matrix and deadlines (administrators of the whole
/// organization); ratings already given keep their bands.
pub async fn set_settings(app: &App, actor: &Actor, s: &Settings) -> AppResult<Settings> {
    crate::profiles::require_org_admin(app, actor).await?;
    match s.matrix().check() {
        Err(MatrixError::Size) => {
            return Err(FieldError::new("matrix_size", "out_of_range", "must be 3, 4 or 5").into());
        }
        Err(_) => {
            return Err(FieldError::new(
                "high_from",
                "out_of_range",
                "the thresholds must rise (moderate < high < critical) within the matrix's scores",
            )
            .into());
        }
        Ok(()) => {}
    }
    for (field, v, min, max) in [
        ("investigate_low", s.investigate_low, 0, 90),
        ("investigate_medium", s.investigate_medium, 0, 90),
        ("investigate_high", s.investigate_high, 0, 90),
        ("investigate_critical", s.investigate_critical, 0, 90),
        ("escalation_days", s.escalation_days, 1, 90),
    ] {
        if !(min..=max).contains(&v) {
            return Err(FieldError::new(
                field,
                "out_of_range",
                format!("must be between {min} and {max}"),
            )
            .into());
        }
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    safety::set_settings(&mut tx, s).await?;
    let mut e = actor.entry("safety_settings.update", "safety_settings", 1, None);
    e.after = Some(json!(s));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(s.clone())
}

/// A control as typed.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ControlInput {
    /// `elimination`, `substitution`, `engineering`, `administrative` or
    /// `protective_equipment`.
    pub level: String,
    /// What it is.
    pub description: String,
}

/// An action as typed with the hazard or incident it comes from.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ActionSpec {
    /// What is to be done.
    pub title: String,
    /// Due day, YYYY-MM-DD.
    pub due_on: String,
    /// Who does it (a person of the unit or below).
    #[serde(default)]
    pub owner_person_id: Option<i64>,
}

/// A hazard as typed.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct HazardInput {
    /// What it is.
    pub title: String,
    /// More about it.
    #[serde(default)]
    pub description: String,
    /// Where.
    #[serde(default)]
    pub location: String,
    /// Likelihood without controls (1 to the matrix's size).
    pub inherent_likelihood: i64,
    /// Severity without controls.
    pub inherent_severity: i64,
    /// Likelihood with the controls.
    pub residual_likelihood: i64,
    /// Severity with the controls.
    pub residual_severity: i64,
    /// Who answers for it (a person of the unit or below).
    #[serde(default)]
    pub owner_person_id: Option<i64>,
    /// When to review it, YYYY-MM-DD.
    #[serde(default)]
    pub review_on: Option<String>,
    /// Its controls.
    #[serde(default)]
    pub controls: Vec<ControlInput>,
    /// The corrective action a high or critical residual risk needs.
    #[serde(default)]
    pub action: Option<ActionSpec>,
}

/// A hazard with its controls and actions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HazardView {
    /// The hazard.
    pub hazard: Hazard,
    /// Its controls, most effective first.
    pub controls: Vec<Control>,
    /// Its actions.
    pub actions: Vec<Action>,
}

fn rating(s: &Settings, l: i64, sev: i64, field: &'static str) -> AppResult<(i64, i64, RiskBand)> {
    s.matrix()
        .rate(l, sev)
        .map(|(_, band)| (l, sev, band))
        .map_err(|_| {
            FieldError::new(
                field,
                "out_of_range",
                format!("likelihood and severity go from 1 to {}", s.matrix_size),
            )
            .into()
        })
}

fn day_field(raw: &str, field: &'static str) -> AppResult<NaiveDate> {
    grassroots_core::calendar::parse_day(raw.trim())
        .map_err(|_| FieldError::new(field, "invalid_date", "must be a date YYYY-MM-DD").into())
}

async fn owner_in_unit(
    app: &App,
    unit: UnitId,
    person: Option<i64>,
    field: &'static str,
) -> AppResult<()> {
    let Some(p) = person else { return Ok(()) };
    let mut c = app.db.conn().await?;
    let at = grassroots_store::welfare::person_unit(&mut c, p).await?;
    match at {
        Some(u) if grassroots_store::tree::is_within(&mut c, unit, u).await? => Ok(()),
        _ => Err(
            FieldError::new(field, "not_in_unit", "is not a person of the unit or below").into(),
        ),
    }
}

/// Checks an action as typed for `unit`.
async fn checked_action(app: &App, unit: UnitId, a: &ActionSpec) -> AppResult<(String, String)> {
    let title = optional(&a.title, "action_title", 300)?
        .ok_or_else(|| FieldError::new("action_title", "required", "must not be empty"))?;
    let due = day_field(&a.due_on, "action_due_on")?;
    if due < app.clock.today() {
        return Err(FieldError::new("action_due_on", "in_past", "must not be in the past").into());
    }
    owner_in_unit(app, unit, a.owner_person_id, "action_owner_person_id").await?;
    Ok((title, ymd(due)))
}

/// Registers a hazard of a unit the actor edits, with its controls and,
/// when its residual risk is high or above, its corrective action, in one
/// transaction.
pub async fn add_hazard(
    app: &App,
    actor: &Actor,
    unit: UnitId,
    h: &HazardInput,
) -> AppResult<HazardView> {
    crate::units::require::<Edit>(app, actor, unit).await?;
    let s = settings(app).await?;
    let title = optional(&h.title, "title", 300)?
        .ok_or_else(|| FieldError::new("title", "required", "must not be empty"))?;
    let description = text(&h.description, "description", 4000)?.unwrap_or_default();
    let location = optional(&h.location, "location", 300)?.unwrap_or_default();
    let inherent = rating(
        &s,
        h.inherent_likelihood,
        h.inherent_severity,
        "inherent_likelihood",
    )?;
    let residual = rating(
        &s,
        h.residual_likelihood,
        h.residual_severity,
        "residual_likelihood",
    )?;
    let review_on = match h
        .review_on
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        Some(v) => Some(ymd(day_field(v, "review_on")?)),
        None => None,
    };
    owner_in_unit(app, unit, h.owner_person_id, "owner_person_id").await?;
    let mut controls = Vec::new();
    for c in &h.controls {
        let level = ControlLevel::parse(c.level.trim()).ok_or_else(|| {
            FieldError::new(
                "controls",
                "invalid_choice",
                "is not a level of the hierarchy of controls",
            )
        })?;
        if let Some(d) = optional(&c.description, "controls", 500)? {
            controls.push((level.as_str().to_string(), d));
        }
    }
    let action = match (&h.action, rules::needs_action(residual.2)) {
        (Some(a), _) if !a.title.trim().is_empty() => Some(checked_action(app, unit, a).await?),
        (_, true) => {
            return Err(FieldError::new(
                "action_title",
                "action_required",
                "a residual risk of high or above needs a corrective action: say what will be done and by when",
            )
            .into());
        }
        _ => None,
    };
    let today = app.clock.today();
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let edit = actor.principal.scope::<Edit>();
    let hazard = safety::add_hazard(
        &mut tx,
        &edit,
        &NewHazard {
            unit_id: unit,
            title: &title,
            description: &description,
            location: &location,
            inherent: (inherent.0, inherent.1, inherent.2.as_str()),
            residual: (residual.0, residual.1, residual.2.as_str()),
            owner_person_id: h.owner_person_id,
            review_on: review_on.as_deref(),
            controls: &controls,
        },
        &actor.label,
        today,
    )
    .await?;
    let mut e = actor.entry("hazard.add", "hazard", hazard.id, Some(unit));
    e.after = Some(json!({ "residual_band": hazard.residual_band }));
    audit::append(&mut tx, now, &e).await?;
    if let Some((title, due)) = &action {
        let a = safety::add_action(
            &mut tx,
            &edit,
            &NewAction {
                unit_id: unit,
                kind: "corrective",
                title,
                hazard_id: Some(hazard.id),
                incident_id: None,
                owner_person_id: h.action.as_ref().and_then(|a| a.owner_person_id),
                due_on: due,
            },
            &actor.label,
            today,
        )
        .await?;
        audit::append(
            &mut tx,
            now,
            &actor.entry("action.add", "action", a.id, Some(unit)),
        )
        .await?;
    }
    tx.commit().await?;
    hazard_view(app, actor, hazard.id).await
}

/// A hazard the reader reads, with its controls and actions.
pub async fn hazard_view(app: &App, actor: &Actor, id: i64) -> AppResult<HazardView> {
    let mut c = app.db.conn().await?;
    let hazard = safety::hazard(&mut c, &actor.principal.scope::<Read>(), id).await?;
    let controls = safety::controls(&mut c, &hazard).await?;
    let actions = safety::actions_for(&mut c, Some(hazard.id), None).await?;
    Ok(HazardView {
        hazard,
        controls,
        actions,
    })
}

/// A hazard's new residual rating, or its closing.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum HazardChange {
    /// Rate it again with the controls now in place.
    Rerate {
        /// Likelihood.
        residual_likelihood: i64,
        /// Severity.
        residual_severity: i64,
        /// The action a high or critical risk needs, when none is open.
        #[serde(default)]
        action: Option<ActionSpec>,
    },
    /// The hazard is gone.
    Close,
    /// It is back.
    Reopen,
}

/// Changes a hazard of a unit the actor edits.
pub async fn change_hazard(
    app: &App,
    actor: &Actor,
    id: i64,
    change: &HazardChange,
) -> AppResult<HazardView> {
    let s = settings(app).await?;
    let edit = actor.principal.scope::<Edit>();
    let before = safety::hazard(&mut app.db.conn().await?, &edit, id).await?;
    let mut after = before.clone();
    let today = app.clock.today();
    let mut action = None;
    match change {
        HazardChange::Rerate {
            residual_likelihood,
            residual_severity,
            action: spec,
        } => {
            let r = rating(
                &s,
                *residual_likelihood,
                *residual_severity,
                "residual_likelihood",
            )?;
            after.residual_likelihood = r.0;
            after.residual_severity = r.1;
            after.residual_band = r.2.as_str().to_string();
            let open = safety::actions_for(&mut app.db.conn().await?, Some(id), None)
                .await?
                .iter()
                .any(|a| a.status != "closed");
            match spec {
                Some(a) if !a.title.trim().is_empty() => {
                    action = Some(checked_action(app, before.unit_id, a).await?);
                }
                _ if rules::needs_action(r.2) && !open => {
                    return Err(FieldError::new(
                        "action_title",
                        "action_required",
                        "a residual risk of high or above needs a corrective action: say what will be done and by when",
                    )
                    .into());
                }
                _ => {}
            }
        }
        HazardChange::Close => {
            after.status = "closed".into();
            after.closed_on = Some(ymd(today));
        }
        HazardChange::Reopen => {
            after.status = "open".into();
            after.closed_on = None;
        }
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    safety::lock_row(&mut tx, safety::Locked::Hazard, id).await?;
    if safety::hazard(&mut tx, &edit, id).await? != before {
        return Err(AppError::Conflict { field: "change" });
    }
    safety::update_hazard(&mut tx, &before, &after).await?;
    let mut e = actor.entry("hazard.change", "hazard", id, Some(before.unit_id));
    e.after = Some(json!({ "status": after.status, "residual_band": after.residual_band }));
    audit::append(&mut tx, now, &e).await?;
    if let Some((title, due)) = &action {
        let a = safety::add_action(
            &mut tx,
            &edit,
            &NewAction {
                unit_id: before.unit_id,
                kind: "corrective",
                title,
                hazard_id: Some(id),
                incident_id: None,
                owner_person_id: match change {
                    HazardChange::Rerate {
                        action: Some(spec), ..
                    } => spec.owner_person_id,
                    _ => None,
                },
                due_on: due,
            },
            &actor.label,
            today,
        )
        .await?;
        audit::append(
            &mut tx,
            now,
            &actor.entry("action.add", "action", a.id, Some(before.unit_id)),
        )
        .await?;
    }
    tx.commit().await?;
    hazard_view(app, actor, id).await
}

/// The hazards of a unit the reader reads.
pub async fn hazards(
    app: &App,
    actor: &Actor,
    unit: UnitId,
    include_closed: bool,
) -> AppResult<Vec<Hazard>> {
    Ok(safety::hazards_of(
        &mut app.db.conn().await?,
        &actor.principal.scope::<Read>(),
        unit,
        include_closed,
    )
    .await?)
}

/// An incident or near miss as typed.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct IncidentInput {
    /// `incident` or `near_miss`.
    pub kind: String,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// Day it happened, YYYY-MM-DD.
    pub occurred_on: String,
    /// In a line.
    pub title: String,
    /// In full.
    #[serde(default)]
    pub description: String,
}

/// Logs an incident of a unit the actor edits; its severity sets the day
/// by which it must be investigated.
pub async fn report(
    app: &App,
    actor: &Actor,
    unit: UnitId,
    i: &IncidentInput,
) -> AppResult<Incident> {
    crate::units::require::<Edit>(app, actor, unit).await?;
    let kind = match i.kind.trim() {
        "incident" => "incident",
        "near_miss" => "near_miss",
        _ => {
            return Err(
                FieldError::new("kind", "invalid_choice", "must be incident or near_miss").into(),
            );
        }
    };
    let severity = IncidentSeverity::parse(i.severity.trim()).ok_or_else(|| {
        FieldError::new(
            "severity",
            "invalid_choice",
            "must be low, medium, high or critical",
        )
    })?;
    let title = optional(&i.title, "title", 300)?
        .ok_or_else(|| FieldError::new("title", "required", "must not be empty"))?;
    let description = text(&i.description, "description", 8000)?.unwrap_or_default();
    let today = app.clock.today();
    let occurred = day_field(&i.occurred_on, "occurred_on")?;
    if occurred > today {
        return Err(
            FieldError::new("occurred_on", "in_future", "must not be in the future").into(),
        );
    }
    let s = settings(app).await?;
    let days = rules::investigation_days(severity, &s.investigation_days());
    let investigate_by = today
        .checked_add_days(Days::new(days.max(0) as u64))
        .unwrap_or(today);
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let incident = safety::report(
        &mut tx,
        &actor.principal.scope::<Edit>(),
        &NewIncident {
            unit_id: unit,
            kind,
            severity: severity.as_str(),
            occurred_on: &ymd(occurred),
            title: &title,
            description: &description,
            investigate_by,
        },
        &actor.label,
        today,
    )
    .await?;
    let mut e = actor.entry("incident.report", "incident", incident.id, Some(unit));
    e.after = Some(json!({ "kind": kind, "severity": severity.as_str() }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(incident)
}

/// What is done on an incident.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum IncidentStep {
    /// The investigation: its root cause.
    Investigate {
        /// The root cause found.
        root_cause: String,
    },
    /// Close it: investigated, every action verified, lessons written.
    Close {
        /// What was learned.
        lessons: String,
    },
}

/// An incident with its actions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IncidentView {
    /// The incident.
    pub incident: Incident,
    /// Its actions.
    pub actions: Vec<Action>,
}

/// An incident the reader reads, with its actions.
pub async fn incident_view(app: &App, actor: &Actor, id: i64) -> AppResult<IncidentView> {
    let mut c = app.db.conn().await?;
    let incident = safety::incident(&mut c, &actor.principal.scope::<Read>(), id).await?;
    let actions = safety::actions_for(&mut c, None, Some(id)).await?;
    Ok(IncidentView { incident, actions })
}

/// Investigates or closes an incident of a unit the actor edits.
pub async fn incident_step(
    app: &App,
    actor: &Actor,
    id: i64,
    step: &IncidentStep,
) -> AppResult<IncidentView> {
    let edit = actor.principal.scope::<Edit>();
    let before = safety::incident(&mut app.db.conn().await?, &edit, id).await?;
    let mut after = before.clone();
    let today = app.clock.today();
    match step {
        IncidentStep::Investigate { root_cause } => {
            if before.status == "closed" {
                return Err(FieldError::new("step", "closed", "the incident is closed").into());
            }
            let cause = text(root_cause, "root_cause", 4000)?
                .ok_or_else(|| FieldError::new("root_cause", "required", "must not be empty"))?;
            after.root_cause = Some(cause);
            after.investigated_on.get_or_insert_with(|| ymd(today));
            after.status = "investigated".into();
            if ymd(today) > before.investigate_by {
                after.late = true;
            }
        }
        IncidentStep::Close { lessons } => {
            if before.status != "investigated" {
                return Err(FieldError::new(
                    "step",
                    "not_investigated",
                    "find its root cause before closing it",
                )
                .into());
            }
            let lessons = text(lessons, "lessons", 4000)?
                .ok_or_else(|| FieldError::new("lessons", "required", "must not be empty"))?;
            let open = safety::actions_for(&mut app.db.conn().await?, None, Some(id))
                .await?
                .iter()
                .filter(|a| a.status != "closed")
                .count();
            if open > 0 {
                return Err(FieldError::new(
                    "step",
                    "actions_open",
                    format!("{open} of its actions are not yet verified effective"),
                )
                .into());
            }
            after.lessons = Some(lessons);
            after.status = "closed".into();
            after.closed_on = Some(ymd(today));
        }
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    safety::lock_row(&mut tx, safety::Locked::Incident, id).await?;
    if safety::incident(&mut tx, &edit, id).await? != before {
        return Err(AppError::Conflict { field: "step" });
    }
    safety::update_incident(&mut tx, &before, &after).await?;
    let mut e = actor.entry("incident.step", "incident", id, Some(before.unit_id));
    e.after = Some(json!({ "status": after.status }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    incident_view(app, actor, id).await
}

/// The incidents of a unit the reader reads.
pub async fn incidents(app: &App, actor: &Actor, unit: UnitId) -> AppResult<Vec<Incident>> {
    Ok(safety::incidents_of(
        &mut app.db.conn().await?,
        &actor.principal.scope::<Read>(),
        unit,
    )
    .await?)
}

/// An action as typed on its own.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ActionInput {
    /// `corrective` (default) or `preventive`.
    #[serde(default)]
    pub kind: Option<String>,
    /// What is to be done.
    pub title: String,
    /// Due day, YYYY-MM-DD.
    pub due_on: String,
    /// Who does it.
    #[serde(default)]
    pub owner_person_id: Option<i64>,
    /// The hazard it reduces (of the same unit).
    #[serde(default)]
    pub hazard_id: Option<i64>,
    /// The incident it answers (of the same unit).
    #[serde(default)]
    pub incident_id: Option<i64>,
}

/// Opens an action of a unit the actor edits.
pub async fn add_action(
    app: &App,
    actor: &Actor,
    unit: UnitId,
    a: &ActionInput,
) -> AppResult<Action> {
    crate::units::require::<Edit>(app, actor, unit).await?;
    let kind = match a.kind.as_deref().map(str::trim).unwrap_or("corrective") {
        "corrective" | "" => "corrective",
        "preventive" => "preventive",
        _ => {
            return Err(FieldError::new(
                "kind",
                "invalid_choice",
                "must be corrective or preventive",
            )
            .into());
        }
    };
    let (title, due) = checked_action(
        app,
        unit,
        &ActionSpec {
            title: a.title.clone(),
            due_on: a.due_on.clone(),
            owner_person_id: a.owner_person_id,
        },
    )
    .await
    .map_err(|e| match e {
        AppError::Invalid(mut f) => {
            f.field = match f.field {
                "action_title" => "title",
                "action_due_on" => "due_on",
                "action_owner_person_id" => "owner_person_id",
                other => other,
            };
            AppError::Invalid(f)
        }
        e => e,
    })?;
    let read = actor.principal.scope::<Read>();
    {
        let mut c = app.db.conn().await?;
        if let Some(h) = a.hazard_id
            && safety::hazard(&mut c, &read, h)
                .await
                .map(|h| h.unit_id)
                .ok()
                != Some(unit)
        {
            return Err(FieldError::new(
                "hazard_id",
                "not_in_unit",
                "is not a hazard of this unit",
            )
            .into());
        }
        if let Some(i) = a.incident_id
            && safety::incident(&mut c, &read, i)
                .await
                .map(|i| i.unit_id)
                .ok()
                != Some(unit)
        {
            return Err(FieldError::new(
                "incident_id",
                "not_in_unit",
                "is not an incident of this unit",
            )
            .into());
        }
    }
    let today = app.clock.today();
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let action = safety::add_action(
        &mut tx,
        &actor.principal.scope::<Edit>(),
        &NewAction {
            unit_id: unit,
            kind,
            title: &title,
            hazard_id: a.hazard_id,
            incident_id: a.incident_id,
            owner_person_id: a.owner_person_id,
            due_on: &due,
        },
        &actor.label,
        today,
    )
    .await?;
    audit::append(
        &mut tx,
        now,
        &actor.entry("action.add", "action", action.id, Some(unit)),
    )
    .await?;
    tx.commit().await?;
    Ok(action)
}

/// A step of an action.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ActionStep {
    /// It is done (those who edit the unit).
    Done {
        /// What was done.
        note: String,
    },
    /// Its effect was checked (a secretary of the unit): effective closes
    /// it; not effective opens it again with a new due day.
    Verify {
        /// Whether it worked.
        effective: bool,
        /// How it was checked.
        note: String,
        /// The new due day when it did not work.
        #[serde(default)]
        due_on: Option<String>,
    },
}

/// Takes a step on an action.
pub async fn action_step(
    app: &App,
    actor: &Actor,
    id: i64,
    step: &ActionStep,
) -> AppResult<Action> {
    let today = app.clock.today();
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let before = safety::lock_action(&mut tx, &actor.principal.scope::<Edit>(), id).await?;
    let mut a = before.clone();
    match step {
        ActionStep::Done { note } => {
            if a.status != "open" {
                return Err(
                    FieldError::new("step", "not_open", "only an open action can be done").into(),
                );
            }
            let note = text(note, "note", 4000)?
                .ok_or_else(|| FieldError::new("note", "required", "say what was done"))?;
            a.status = "done".into();
            a.done_on = Some(ymd(today));
            a.done_note = Some(note);
            a.next_deadline = None;
        }
        ActionStep::Verify {
            effective,
            note,
            due_on,
        } => {
            if !safety::manages(&mut tx, &actor.principal.scope::<Manage>(), &a).await? {
                return Err(AppError::Forbidden);
            }
            if a.status != "done" {
                return Err(FieldError::new(
                    "step",
                    "not_done",
                    "an action is verified once it is done",
                )
                .into());
            }
            let note = text(note, "note", 4000)?.ok_or_else(|| {
                FieldError::new("note", "required", "say how its effect was checked")
            })?;
            if *effective {
                a.status = "closed".into();
                a.verified_on = Some(ymd(today));
                a.verification = Some(note);
                a.verified_by = Some(actor.label.clone());
            } else {
                let due = day_field(due_on.as_deref().unwrap_or(""), "due_on")?;
                if due < today {
                    return Err(
                        FieldError::new("due_on", "in_past", "must not be in the past").into(),
                    );
                }
                a.status = "open".into();
                a.reopened += 1;
                // Not late any more: it leaves the unit it was escalated
                // to (its step count stays, so later steps keep their keys).
                a.escalated_unit_id = None;
                a.due_on = ymd(due);
                a.next_deadline = Some(ymd(due));
                a.overdue = false;
                a.verification = Some(note);
                a.done_on = None;
            }
        }
    }
    safety::update_action(&mut tx, &before, &a).await?;
    let mut e = actor.entry("action.step", "action", id, Some(a.unit_id));
    e.after = Some(json!({ "status": a.status, "reopened": a.reopened }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(a)
}

/// The actions of a unit the reader reads, with late ones escalated to it.
pub async fn actions(
    app: &App,
    actor: &Actor,
    unit: UnitId,
    include_closed: bool,
) -> AppResult<Vec<Action>> {
    Ok(safety::actions_of(
        &mut app.db.conn().await?,
        &actor.principal.scope::<Read>(),
        unit,
        include_closed,
    )
    .await?)
}

/// Escalates late actions and marks late investigations; returns how many
/// changed. Safe with several servers: each row is locked and checked
/// again, and each escalation step's key is written once.
pub async fn deadlines_due(app: &App) -> AppResult<u64> {
    let today = app.clock.today();
    let s = settings(app).await?;
    let mut n = 0;
    let ids = safety::actions_due(&mut app.db.conn().await?, today, 1000).await?;
    for id in ids {
        let now = app.clock.now();
        let mut tx = app.db.begin().await?;
        let before = safety::lock_for_job(&mut tx, id).await?;
        let Some(missed) = before.next_deadline.clone().filter(|d| *d < ymd(today)) else {
            continue;
        };
        if before.status != "open" {
            continue;
        }
        let mut a = before.clone();
        a.overdue = true;
        let from = a.escalated_unit_id.unwrap_or(a.unit_id);
        let to = match grassroots_store::tree::parent_of(&mut tx, from).await? {
            Some(parent) => {
                let step = a.escalations + 1;
                if !safety::record_escalation(&mut tx, &a, step, &missed, parent, today).await? {
                    continue;
                }
                a.escalations = step;
                a.escalated_unit_id = Some(parent);
                a.next_deadline = today
                    .checked_add_days(Days::new(s.escalation_days.max(1) as u64))
                    .map(ymd);
                Some(parent)
            }
            None => {
                a.next_deadline = None;
                None
            }
        };
        safety::update_action(&mut tx, &before, &a).await?;
        let e = audit::AuditEntry {
            actor_account_id: None,
            actor: "system",
            action: "action.escalate",
            entity_type: "action",
            entity_id: id.to_string(),
            unit_id: Some(to.unwrap_or(from)),
            before: None,
            after: Some(json!({ "from_unit_id": from, "to_unit_id": to, "missed": missed })),
            request_id: "job",
        };
        audit::append(&mut tx, now, &e).await?;
        tx.commit().await?;
        n += 1;
    }
    let ids = safety::investigations_late(&mut app.db.conn().await?, today, 1000).await?;
    for id in ids {
        let mut tx = app.db.begin().await?;
        let before = safety::lock_incident(&mut tx, id).await?;
        if before.status != "reported" || before.late || before.investigate_by >= ymd(today) {
            continue;
        }
        let mut after = before.clone();
        after.late = true;
        safety::update_incident(&mut tx, &before, &after).await?;
        tx.commit().await?;
        n += 1;
    }
    Ok(n)
}

/// Escalates late actions and marks late investigations, every minute.
pub const DEADLINES_JOB: crate::jobs::Job = crate::jobs::Job {
    name: "safety.deadlines",
    every_seconds: 60,
    run: |app| Box::pin(deadlines_due(app)),
};

/// A subtree's safety as counts.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct SafetyCounts {
    /// Open hazards.
    pub hazards_open: i64,
    /// Open hazards by residual band: low, moderate, high, critical.
    pub hazards_by_band: Vec<(String, i64)>,
    /// Actions open.
    pub actions_open: i64,
    /// Open actions past their due day.
    pub actions_overdue: i64,
    /// Actions done, awaiting verification.
    pub actions_awaiting_verification: i64,
    /// Actions verified and closed.
    pub actions_closed: i64,
    /// Incidents logged.
    pub incidents: i64,
    /// Near misses logged.
    pub near_misses: i64,
    /// Incidents and near misses not closed.
    pub incidents_open: i64,
    /// Investigations that were late.
    pub investigations_late: i64,
    /// Incidents and near misses by severity: low, medium, high, critical.
    pub by_severity: Vec<(String, i64)>,
    /// Safety inspections completed.
    pub inspections_done: i64,
    /// Self-assessments completed.
    pub assessments_done: i64,
    /// Inspections and assessments completed this month.
    pub done_this_month: i64,
    /// Flagged answers in completed inspections.
    pub flagged_answers: i64,
    /// Scheduled inspections due this period (a unit under two schedules
    /// counts twice).
    pub scheduled_due: i64,
    /// Of which done.
    pub scheduled_done: i64,
    /// Units with a scheduled inspection not done this period.
    pub units_behind: i64,
}

/// The counts of a unit's subtree.
pub async fn counts(app: &App, actor: &Actor, unit: UnitId) -> AppResult<SafetyCounts> {
    Ok(counts_of(
        &counters(app, actor, unit).await?,
        app.clock.today(),
    ))
}

/// A subtree's `safety.*` and `inspections.*` counters, in one read.
async fn counters(
    app: &App,
    actor: &Actor,
    unit: UnitId,
) -> AppResult<std::collections::BTreeMap<String, (i64, i64)>> {
    crate::units::require_read_kept(app, actor, unit).await?;
    Ok(safety::counts(
        &mut app.db.conn().await?,
        &actor.principal.scope::<Read>(),
        unit,
    )
    .await?)
}

/// The counts of a subtree from its counters.
fn counts_of(
    m: &std::collections::BTreeMap<String, (i64, i64)>,
    today: chrono::NaiveDate,
) -> SafetyCounts {
    let get = |k: &str| m.get(k).map_or(0, |v| v.1);
    SafetyCounts {
        hazards_open: get("safety.hazards.open"),
        hazards_by_band: RiskBand::KEYS
            .iter()
            .map(|b| (b.to_string(), get(&format!("safety.hazards.open.{b}"))))
            .collect(),
        actions_open: get("safety.actions.open"),
        actions_overdue: get("safety.actions.overdue"),
        actions_awaiting_verification: get("safety.actions.done"),
        actions_closed: get("safety.actions.closed"),
        incidents: get("safety.incidents.incident"),
        near_misses: get("safety.incidents.near_miss"),
        incidents_open: get("safety.incidents.open"),
        investigations_late: get("safety.incidents.late"),
        by_severity: IncidentSeverity::KEYS
            .iter()
            .map(|s| {
                (
                    s.to_string(),
                    get(&format!("safety.incidents.severity.{s}")),
                )
            })
            .collect(),

        inspections_done: get("safety.inspections.inspection.done"),
        assessments_done: get("safety.inspections.assessment.done"),
        done_this_month: get(&format!("safety.inspections.done.{}", &ymd(today)[..7])),
        flagged_answers: get("safety.inspections.flagged"),
        scheduled_due: get(schedules::DUE_METRIC),
        scheduled_done: get(schedules::DONE_METRIC),
        units_behind: get(schedules::BEHIND_METRIC),
    }
}

/// An action the reader reads.
pub async fn action_of(app: &App, actor: &Actor, id: i64) -> AppResult<Action> {
    Ok(safety::action(
        &mut app.db.conn().await?,
        &actor.principal.scope::<Read>(),
        id,
    )
    .await?)
}

/// One unit below, on the safety dashboard.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChildRow {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub name: String,
    /// Open hazards of high or critical residual risk in its subtree.
    pub high_risks: i64,
    /// Overdue actions in its subtree.
    pub overdue_actions: i64,
    /// Open incidents and near misses.
    pub open_incidents: i64,
    /// Inspections and assessments completed this month in its subtree.
    pub inspected_this_month: i64,
    /// Units of its subtree behind on a scheduled inspection this period.
    pub units_behind: i64,
}

/// The safety dashboard of a unit: its subtree's counts, and per unit
/// directly below it the high risks, late actions, open incidents and
/// this month's inspections (those with none are the ones to ask).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
// Named apart from the type of the same name elsewhere in the API.
#[schema(as = SafetyDashboard)]
pub struct Dashboard {
    /// The subtree's counts.
    pub counts: SafetyCounts,
    /// The units directly below, highest risk first.
    pub children: Vec<ChildRow>,
    /// Scheduled inspections this period, per schedule.
    pub scheduled: schedules::DueCounts,
    /// The units behind on a scheduled inspection, by name, when there
    /// are at most [`BEHIND_LISTED`] of them (more are found by going
    /// down through the units below).
    pub behind: Vec<grassroots_store::safety::schedules::Behind>,
}

/// Most units behind listed by name on a dashboard.
pub const BEHIND_LISTED: i64 = 50;

/// The dashboard, from the counters (one read for all children).
pub async fn dashboard(app: &App, actor: &Actor, unit: UnitId) -> AppResult<Dashboard> {
    let m = counters(app, actor, unit).await?;
    let today = app.clock.today();
    let counts = counts_of(&m, today);
    let children = crate::units::children(app, actor, unit).await?;
    let month = format!("safety.inspections.done.{}", &ymd(app.clock.today())[..7]);
    let metrics: Vec<String> = [
        "safety.hazards.open.high",
        "safety.hazards.open.critical",
        "safety.actions.overdue",
        "safety.incidents.open",
    ]
    .iter()
    .map(|m| m.to_string())
    .chain([month.clone(), schedules::BEHIND_METRIC.to_string()])
    .collect();
    let ids: Vec<UnitId> = children.iter().map(|c| c.id).collect();
    let values = grassroots_store::aggregates::subtree_of_units(
        &mut app.db.conn().await?,
        &actor.principal.scope::<Read>(),
        &ids,
        &metrics,
    )
    .await?;
    let mut rows: Vec<ChildRow> = children
        .into_iter()
        .map(|c| {
            let v = values.get(&c.id);
            let get = |m: &str| v.and_then(|v| v.get(m)).copied().unwrap_or(0);
            ChildRow {
                unit_id: c.id,
                high_risks: get("safety.hazards.open.high") + get("safety.hazards.open.critical"),
                overdue_actions: get("safety.actions.overdue"),
                open_incidents: get("safety.incidents.open"),
                inspected_this_month: get(&month),
                units_behind: get(schedules::BEHIND_METRIC),
                name: c.name,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (b.high_risks, b.overdue_actions)
            .cmp(&(a.high_risks, a.overdue_actions))
            .then(a.name.cmp(&b.name))
    });
    let scheduled = schedules::due_of(&m, schedules::list(app).await?, today);
    let behind = if (1..=BEHIND_LISTED).contains(&scheduled.units_behind) {
        schedules::behind(app, actor, unit).await?
    } else {
        Vec::new()
    };
    Ok(Dashboard {
        counts,
        children: rows,
        scheduled,
        behind,
    })
}
