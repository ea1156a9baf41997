//! Safety pages: the unit page's section (the subtree's counts; the unit's
//! hazards, actions and incidents with the forms to add them), a hazard
//! and an incident with their actions, action steps, and the matrix and
//! deadlines for administrators.

use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use grassroots_app::AppError;
use grassroots_app::safety::checklists::{self, AnswerInput, AnswersInput, InspectionView};
use grassroots_app::safety::schedules::{self, ScheduleInput};
use grassroots_app::safety::{
    self, ActionInput, ActionSpec, ActionStep, ControlInput, HazardChange, HazardInput, HazardView,
    IncidentInput, IncidentStep, IncidentView, SafetyCounts,
};
use grassroots_core::UnitId;
use grassroots_store::safety::checklists::{Inspection, Template as Checklist};
use grassroots_store::safety::schedules::Schedule;
use grassroots_store::safety::{Action, Hazard, Incident, Settings};

use super::form::{field, id_in, opt, pairs};
use super::sections::{SectionCtx, SectionFuture, UnitSection, html};
use super::{FormError, Layout, LevelNames, Page, render};
use crate::AppState;
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;
use crate::render::Dates;

/// The safety pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/units/{id}/hazards", post(add_hazard))
        .route("/units/{id}/incidents", post(report))
        .route("/units/{id}/actions", post(add_action))
        .route("/hazards/{id}", get(hazard))
        .route("/hazards/{id}/change", post(change_hazard))
        .route("/incidents/{id}", get(incident))
        .route("/incidents/{id}/step", post(incident_step))
        .route("/actions/{id}/step", post(action_step))
        .route("/admin/safety", get(settings_page).post(save_settings))
        .route("/admin/safety/schedules", post(set_schedule))
        .route("/admin/safety/schedules/{id}/remove", post(remove_schedule))
        .route("/units/{id}/inspections", post(start_inspection))
        .route("/units/{id}/safety", get(dashboard))
        .route("/inspections/{id}", get(inspection).post(answer_inspection))
}

fn number(f: &[(String, String)], k: &'static str) -> Result<i64, AppError> {
    id_in(f, k)?.ok_or_else(|| AppError::invalid(k))
}

fn action_spec(f: &[(String, String)]) -> Result<Option<ActionSpec>, AppError> {
    Ok(opt(f, "action_title").map(|title| ActionSpec {
        title,
        due_on: field(f, "action_due_on"),
        owner_person_id: None,
    }))
    .and_then(|a| {
        id_in(f, "action_owner_person_id").map(|owner| {
            a.map(|mut a| {
                a.owner_person_id = owner;
                a
            })
        })
    })
}

/// `POST /units/{id}/hazards`: register a hazard (one control and, when
/// needed, its action, from the form).
pub async fn add_hazard(
    p: Page,
    Path(unit): Path<UnitId>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let input = HazardInput {
            title: field(&f, "title"),
            description: field(&f, "description"),
            location: field(&f, "location"),
            inherent_likelihood: number(&f, "inherent_likelihood")?,
            inherent_severity: number(&f, "inherent_severity")?,
            residual_likelihood: number(&f, "residual_likelihood")?,
            residual_severity: number(&f, "residual_severity")?,
            owner_person_id: id_in(&f, "owner_person_id")?,
            review_on: opt(&f, "review_on"),
            controls: opt(&f, "control_description")
                .map(|d| ControlInput {
                    level: field(&f, "control_level"),
                    description: d,
                })
                .into_iter()
                .collect(),
            action: action_spec(&f)?,
        };
        safety::add_hazard(&p.state.app, &p.auth.actor, unit, &input).await
    }
    .await;
    match result {
        Ok(v) => Ok(redirect_with_flash(
            &p.state,
            &format!("/hazards/{}", v.hazard.id),
            "flash-safety-saved",
        )),
        Err(e) => super::sections::form_failed(&p, unit, "safety", e).await,
    }
}

/// `POST /units/{id}/incidents`: log an incident or near miss.
pub async fn report(
    p: Page,
    Path(unit): Path<UnitId>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let input = IncidentInput {
        kind: field(&f, "kind"),
        severity: field(&f, "severity"),
        occurred_on: field(&f, "occurred_on"),
        title: field(&f, "title"),
        description: field(&f, "description"),
    };
    match safety::report(&p.state.app, &p.auth.actor, unit, &input).await {
        Ok(i) => Ok(redirect_with_flash(
            &p.state,
            &format!("/incidents/{}", i.id),
            "flash-safety-saved",
        )),
        Err(e) => super::sections::form_failed(&p, unit, "safety", e).await,
    }
}

/// `POST /units/{id}/actions`: open an action (from the section, a hazard
/// or an incident, which the form names).
pub async fn add_action(
    p: Page,
    Path(unit): Path<UnitId>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let input = ActionInput {
            kind: opt(&f, "kind"),
            title: field(&f, "title"),
            due_on: field(&f, "due_on"),
            owner_person_id: id_in(&f, "owner_person_id")?,
            hazard_id: id_in(&f, "hazard_id")?,
            incident_id: id_in(&f, "incident_id")?,
        };
        safety::add_action(&p.state.app, &p.auth.actor, unit, &input).await
    }
    .await;
    match result {
        Ok(a) => Ok(redirect_with_flash(
            &p.state,
            &back_of(&a),
            "flash-safety-saved",
        )),
        Err(e) => super::sections::form_failed(&p, unit, "safety", e).await,
    }
}

/// Where an action's page forms return: its hazard, its incident, or its
/// unit's section.
fn back_of(a: &Action) -> String {
    match (a.hazard_id, a.incident_id) {
        (Some(h), _) => format!("/hazards/{h}"),
        (_, Some(i)) => format!("/incidents/{i}"),
        _ => format!("/units/{}#safety", a.unit_id),
    }
}

#[derive(Template)]
#[template(path = "safety/hazard.html")]
struct HazardPage {
    l: Layout,
    v: HazardView,
    dates: Dates,
    err: Option<FormError>,
}

async fn hazard_page(
    p: &Page,
    id: i64,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let v = safety::hazard_view(&p.state.app, &p.auth.actor, id).await?;
    let crumbs = vec![(
        p.tr.t("safety-title"),
        Some(format!("/units/{}#safety", v.hazard.unit_id)),
    )];
    let l = p.layout(v.hazard.title.clone(), crumbs);
    Ok(render(
        status,
        &HazardPage {
            l,
            v,
            dates: p.dates().await?,
            err,
        },
    ))
}

/// `GET /hazards/{id}`.
pub async fn hazard(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    hazard_page(&p, id, StatusCode::OK, None).await
}

/// `POST /hazards/{id}/change`: rate again, close or reopen.
pub async fn change_hazard(
    p: Page,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let change = match field(&f, "change").as_str() {
            "rerate" => HazardChange::Rerate {
                residual_likelihood: number(&f, "residual_likelihood")?,
                residual_severity: number(&f, "residual_severity")?,
                action: action_spec(&f)?,
            },
            "close" => HazardChange::Close,
            "reopen" => HazardChange::Reopen,
            _ => return Err(AppError::invalid("change")),
        };
        safety::change_hazard(&p.state.app, &p.auth.actor, id, &change).await
    }
    .await;
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/hazards/{id}"),
            "flash-safety-saved",
        )),
        Err(e @ AppError::Invalid(_)) => {
            let err = FormError::from_app(&p.tr, e)?;
            hazard_page(&p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "safety/incident.html")]
struct IncidentPage {
    l: Layout,
    v: IncidentView,
    dates: Dates,
    err: Option<FormError>,
}

async fn incident_page(
    p: &Page,
    id: i64,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let v = safety::incident_view(&p.state.app, &p.auth.actor, id).await?;
    let crumbs = vec![(
        p.tr.t("safety-title"),
        Some(format!("/units/{}#safety", v.incident.unit_id)),
    )];
    let l = p.layout(v.incident.title.clone(), crumbs);
    Ok(render(
        status,
        &IncidentPage {
            l,
            v,
            dates: p.dates().await?,
            err,
        },
    ))
}

/// `GET /incidents/{id}`.
pub async fn incident(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    incident_page(&p, id, StatusCode::OK, None).await
}

/// `POST /incidents/{id}/step`: investigate or close.
pub async fn incident_step(
    p: Page,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let step = match field(&f, "step").as_str() {
        "investigate" => IncidentStep::Investigate {
            root_cause: field(&f, "root_cause"),
        },
        "close" => IncidentStep::Close {
            lessons: field(&f, "lessons"),
        },
        _ => return Err(AppError::invalid("step").into()),
    };
    match safety::incident_step(&p.state.app, &p.auth.actor, id, &step).await {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/incidents/{id}"),
            "flash-safety-saved",
        )),
        Err(e @ AppError::Invalid(_)) => {
            let err = FormError::from_app(&p.tr, e)?;
            incident_page(&p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /actions/{id}/step`: done, or verified effective or not.
pub async fn action_step(
    p: Page,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let step = match field(&f, "step").as_str() {
        "done" => ActionStep::Done {
            note: field(&f, "note"),
        },
        "verify" => ActionStep::Verify {
            effective: field(&f, "effective") == "1",
            note: field(&f, "note"),
            due_on: opt(&f, "due_on"),
        },
        _ => return Err(AppError::invalid("step").into()),
    };
    match safety::action_step(&p.state.app, &p.auth.actor, id, &step).await {
        Ok(a) => Ok(redirect_with_flash(
            &p.state,
            &back_of(&a),
            "flash-safety-saved",
        )),
        Err(e @ AppError::Invalid(_)) => {
            let a = grassroots_app::safety::action_of(&p.state.app, &p.auth.actor, id).await?;
            match (a.hazard_id, a.incident_id) {
                (Some(h), _) => {
                    let err = FormError::from_app(&p.tr, e)?;
                    hazard_page(&p, h, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
                }
                (_, Some(i)) => {
                    let err = FormError::from_app(&p.tr, e)?;
                    incident_page(&p, i, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
                }
                _ => super::sections::form_failed(&p, a.unit_id, "safety", e).await,
            }
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "safety/settings.html")]
struct SettingsPage {
    l: Layout,
    s: Settings,
    schedules: Vec<Schedule>,
    templates: Vec<Checklist>,
    ln: LevelNames,
    err: Option<FormError>,
}

async fn settings_view(
    p: &Page,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    super::administrators_only(p)?;
    let app = &p.state.app;
    let s = safety::settings(app).await?;
    let l = p.layout(p.tr.t("safety-settings"), Vec::new());
    Ok(render(
        status,
        &SettingsPage {
            l,
            s,
            schedules: schedules::list(app).await?,
            templates: checklists::templates(app).await?,
            ln: LevelNames::load(p).await?,
            err,
        },
    ))
}

/// `POST /admin/safety/schedules`: set a schedule.
pub async fn set_schedule(p: Page, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let input = ScheduleInput {
            level: field(&f, "level").to_string(),
            template_id: number(&f, "template_id")?,
            every: field(&f, "every").to_string(),
        };
        schedules::set(&p.state.app, &p.auth.actor, &input).await
    }
    .await;
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            "/admin/safety#schedules",
            "flash-safety-saved",
        )),
        Err(e @ AppError::Invalid(_)) => {
            let err = FormError::from_app(&p.tr, e)?;
            settings_view(&p, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/safety/schedules/{id}/remove`: stop asking.
pub async fn remove_schedule(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    schedules::remove(&p.state.app, &p.auth.actor, id).await?;
    Ok(redirect_with_flash(
        &p.state,
        "/admin/safety#schedules",
        "flash-safety-saved",
    ))
}

/// `GET /admin/safety`.
pub async fn settings_page(p: Page) -> WebResult<Response> {
    settings_view(&p, StatusCode::OK, None).await
}

/// `POST /admin/safety`.
pub async fn save_settings(p: Page, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let s = Settings {
            matrix_size: number(&f, "matrix_size")?,
            moderate_from: number(&f, "moderate_from")?,
            high_from: number(&f, "high_from")?,
            critical_from: number(&f, "critical_from")?,
            investigate_low: number(&f, "investigate_low")?,
            investigate_medium: number(&f, "investigate_medium")?,
            investigate_high: number(&f, "investigate_high")?,
            investigate_critical: number(&f, "investigate_critical")?,
            escalation_days: number(&f, "escalation_days")?,
        };
        safety::set_settings(&p.state.app, &p.auth.actor, &s).await
    }
    .await;
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            "/admin/safety",
            "flash-safety-saved",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            settings_view(&p, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

#[derive(Template)]
#[template(path = "safety/unit_section.html")]
struct SafetySection {
    l: Layout,
    view: grassroots_app::units::UnitAccess,
    counts: SafetyCounts,
    hazards: Vec<Hazard>,
    actions: Vec<Action>,
    incidents: Vec<Incident>,
    inspections: Vec<Inspection>,
    templates: Vec<Checklist>,
    /// 1 to the matrix's size, for the rating pickers.
    scale: Vec<i64>,
    today: String,
    dates: Dates,
}

/// The unit page's safety: the subtree's counts, the unit's hazard
/// register, actions (and late ones escalated here) and logbook.
pub(crate) const UNIT_SECTION: UnitSection = UnitSection {
    key: "safety",
    title: "safety-title",
    render: unit_section,
};

fn unit_section<'a>(cx: &'a SectionCtx<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let (p, id) = (cx.p, cx.view.unit.id);
        let app = &p.state.app;
        let actor = &p.auth.actor;
        let size = safety::settings(app).await?.matrix_size;
        let mut incidents = safety::incidents(app, actor, id).await?;
        incidents.truncate(20);
        html(&SafetySection {
            l: cx.layout(),
            counts: safety::counts(app, actor, id).await?,
            hazards: safety::hazards(app, actor, id, false).await?,
            actions: safety::actions(app, actor, id, false).await?,
            incidents,
            inspections: checklists::of_unit(app, actor, id).await?,
            templates: checklists::templates(app).await?,
            scale: (1..=size).collect(),
            today: app.clock.today().to_string(),
            dates: p.dates().await?,
            view: cx.view.clone(),
        })
    })
}

/// `POST /units/{id}/inspections`: start one from a template.
pub async fn start_inspection(
    p: Page,
    Path(unit): Path<UnitId>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let template = number(&f, "template_id")?;
        checklists::start(&p.state.app, &p.auth.actor, unit, template).await
    }
    .await;
    match result {
        Ok(v) => Ok(
            axum::response::Redirect::to(&format!("/inspections/{}", v.inspection.id))
                .into_response(),
        ),
        Err(e) => super::sections::form_failed(&p, unit, "safety", e).await,
    }
}

#[derive(Template)]
#[template(path = "safety/inspection.html")]
struct InspectionPage {
    l: Layout,
    v: InspectionView,
    /// Per question: (id, answer, note) as typed or saved.
    typed: Vec<(i64, String, String)>,
    today: String,
    dates: Dates,
    err: Option<FormError>,
}

impl InspectionPage {
    fn answer_of(&self, q: &i64) -> &str {
        self.typed
            .iter()
            .find(|t| t.0 == *q)
            .map_or("", |t| t.1.as_str())
    }

    fn note_of(&self, q: &i64) -> &str {
        self.typed
            .iter()
            .find(|t| t.0 == *q)
            .map_or("", |t| t.2.as_str())
    }

    fn flagged(&self, q: &i64) -> bool {
        self.v
            .answers
            .iter()
            .any(|a| a.question_id == *q && a.flagged)
    }

    fn action_of(&self, q: &i64) -> Option<i64> {
        self.v
            .answers
            .iter()
            .find(|a| a.question_id == *q)
            .and_then(|a| a.action_id)
    }
}

async fn inspection_page(
    p: &Page,
    v: InspectionView,
    typed: Option<Vec<(i64, String, String)>>,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let typed = typed.unwrap_or_else(|| {
        v.answers
            .iter()
            .map(|a| (a.question_id, a.answer.clone(), a.note.clone()))
            .collect()
    });
    let crumbs = vec![(
        p.tr.t("safety-title"),
        Some(format!("/units/{}#safety", v.inspection.unit_id)),
    )];
    let l = p.layout(v.template.clone(), crumbs);
    Ok(render(
        status,
        &InspectionPage {
            l,
            v,
            typed,
            today: p.state.app.clock.today().to_string(),
            dates: p.dates().await?,
            err,
        },
    ))
}

/// `GET /inspections/{id}`: the form on a phone, or the result.
pub async fn inspection(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    let v = checklists::view(&p.state.app, &p.auth.actor, id).await?;
    inspection_page(&p, v, None, StatusCode::OK, None).await
}

/// `POST /inspections/{id}`: save, or complete (`complete=1`).
pub async fn answer_inspection(
    p: Page,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let v = checklists::view(&p.state.app, &p.auth.actor, id).await?;
    let answers: Vec<AnswerInput> = v
        .version
        .sections
        .iter()
        .flat_map(|s| s.questions.iter())
        .map(|q| AnswerInput {
            question_id: q.id,
            answer: field(&f, &format!("a{}", q.id)),
            note: field(&f, &format!("n{}", q.id)),
            action_title: field(&f, &format!("t{}", q.id)),
            action_due_on: field(&f, &format!("d{}", q.id)),
        })
        .collect();
    let typed = answers
        .iter()
        .map(|a| (a.question_id, a.answer.clone(), a.note.clone()))
        .collect();
    let input = AnswersInput {
        answers,
        complete: field(&f, "complete") == "1",
    };
    match checklists::answer(&p.state.app, &p.auth.actor, id, &input).await {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/inspections/{id}"),
            "flash-safety-saved",
        )),
        Err(e @ AppError::Invalid(_)) => {
            let err = FormError::from_app(&p.tr, e)?;
            inspection_page(
                &p,
                v,
                Some(typed),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(err),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// One bar of a chart drawn on the server.
struct Bar {
    /// Its label.
    label: String,
    /// Its value.
    value: i64,
    /// Its length in the chart's units (0–200).
    length: i64,
    /// Its colour class.
    class: String,
}

/// Bars for `(key, value)` pairs, their labels from `prefix` + key.
fn bars(p: &Page, prefix: &str, values: &[(String, i64)]) -> Vec<Bar> {
    let max = values.iter().map(|v| v.1).max().unwrap_or(0).max(1);
    values
        .iter()
        .map(|(key, value)| Bar {
            label: p.tr.t(&format!("{prefix}{key}")),
            value: *value,
            length: value * 200 / max,
            class: key.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "safety/dashboard.html")]
struct DashboardPage {
    l: Layout,
    unit_id: UnitId,
    d: grassroots_app::safety::Dashboard,
    bands: Vec<Bar>,
    severities: Vec<Bar>,
    ln: LevelNames,
    dates: Dates,
}

/// `GET /units/{id}/safety`: the subtree's safety at a glance, with charts
/// drawn on the server and the units below, highest risk first.
pub async fn dashboard(p: Page, Path(unit): Path<UnitId>) -> WebResult<Response> {
    let d = safety::dashboard(&p.state.app, &p.auth.actor, unit).await?;
    let (head, _) = grassroots_app::units::heading(&p.state.app, &p.auth.actor, unit).await?;
    let crumbs = vec![(head.unit.name.clone(), Some(format!("/units/{unit}")))];
    let l = p.layout(p.tr.t("safety-dashboard"), crumbs);
    let bands = bars(&p, "safety-band-", &d.counts.hazards_by_band);
    let severities = bars(&p, "safety-severity-", &d.counts.by_severity);
    Ok(render(
        StatusCode::OK,
        &DashboardPage {
            l,
            unit_id: unit,
            d,
            bands,
            severities,
            ln: LevelNames::load(&p).await?,
            dates: p.dates().await?,
        },
    ))
}
