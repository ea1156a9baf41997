//! API of safety: the matrix and deadlines, a unit's hazards, incidents
//! and actions (read under the unit's read scope, written by those who
//! edit it, verified by its secretaries), and any subtree's counts.

use super::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use grassroots_app::safety::checklists::{self, AnswersInput, InspectionView};
use grassroots_app::safety::schedules::{self, DueCounts, ScheduleInput};
use grassroots_app::safety::{
    self, ActionInput, ActionStep, Dashboard, HazardChange, HazardInput, HazardView, IncidentInput,
    IncidentStep, IncidentView, SafetyCounts,
};
use grassroots_core::UnitId;
use grassroots_store::safety::checklists::{Inspection, NewSection, Template, Version};
use grassroots_store::safety::schedules::{Behind, Schedule};
use grassroots_store::safety::{Action, Hazard, Incident, Settings};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, Caller};
use crate::AppState;
use crate::error::{ErrorBody, WebResult};

/// The safety API's routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(settings, set_settings))
        .routes(routes!(counts))
        .routes(routes!(hazards, add_hazard))
        .routes(routes!(hazard))
        .routes(routes!(change_hazard))
        .routes(routes!(incidents, report))
        .routes(routes!(incident))
        .routes(routes!(incident_step))
        .routes(routes!(actions, add_action))
        .routes(routes!(action_step))
        .routes(routes!(checklists, create_checklist))
        .routes(routes!(checklist_version))
        .routes(routes!(add_checklist_version))
        .routes(routes!(inspections, start_inspection))
        .routes(routes!(inspection))
        .routes(routes!(answer_inspection))
        .routes(routes!(dashboard))
        .routes(routes!(schedules, set_schedule))
        .routes(routes!(remove_schedule))
        .routes(routes!(inspections_due))
        .routes(routes!(inspections_behind))
}

/// `GET /safety/settings`: the risk matrix and the deadlines.
#[utoipa::path(get, operation_id = "safety_settings", path = "/safety/settings", tag = "safety", responses((status = 200, body = Settings)))]
pub(super) async fn settings(
    State(s): State<AppState>,
    Caller(_c): Caller,
) -> WebResult<Json<Settings>> {
    Ok(Json(safety::settings(&s.app).await?))
}

/// `PUT /safety/settings`: change them (administrators of the whole
/// organization).
#[utoipa::path(put, operation_id = "safety_set_settings", path = "/safety/settings", tag = "safety", request_body = Settings, responses(
    (status = 200, body = Settings), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_settings(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<Settings>,
) -> WebResult<Json<Settings>> {
    Ok(Json(safety::set_settings(&s.app, &c.actor, &b).await?))
}

/// `GET /units/{id}/safety`: the subtree's hazards by band, actions and
/// incidents, as counts.
#[utoipa::path(get, operation_id = "safety_counts", path = "/units/{id}/safety", tag = "safety", params(("id" = i64, Path)), responses(
    (status = 200, body = SafetyCounts), (status = 404, body = ErrorBody)))]
pub(super) async fn counts(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<SafetyCounts>> {
    Ok(Json(safety::counts(&s.app, &c.actor, id).await?))
}

/// Whether closed records are listed too.
#[derive(Deserialize, IntoParams)]
pub(super) struct ClosedQuery {
    /// Include closed ones.
    #[serde(default)]
    closed: Option<bool>,
}

/// `GET /units/{id}/hazards`: the unit's hazard register.
#[utoipa::path(get, path = "/units/{id}/hazards", tag = "safety", params(("id" = i64, Path), ClosedQuery), responses(
    (status = 200, body = Vec<Hazard>), (status = 404, body = ErrorBody)))]
pub(super) async fn hazards(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Query(q): Query<ClosedQuery>,
) -> WebResult<Json<Vec<Hazard>>> {
    Ok(Json(
        safety::hazards(&s.app, &c.actor, id, q.closed.unwrap_or(false)).await?,
    ))
}

/// `POST /units/{id}/hazards`: register a hazard with its controls (and the
/// corrective action a high or critical residual risk needs).
#[utoipa::path(post, path = "/units/{id}/hazards", tag = "safety", params(("id" = i64, Path)), request_body = HazardInput, responses(
    (status = 201, body = HazardView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn add_hazard(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<HazardInput>,
) -> WebResult<(StatusCode, Json<HazardView>)> {
    Ok((
        StatusCode::CREATED,
        Json(safety::add_hazard(&s.app, &c.actor, id, &b).await?),
    ))
}

/// `GET /hazards/{id}`: a hazard with its controls and actions.
#[utoipa::path(get, path = "/hazards/{id}", tag = "safety", params(("id" = i64, Path)), responses(
    (status = 200, body = HazardView), (status = 404, body = ErrorBody)))]
pub(super) async fn hazard(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<HazardView>> {
    Ok(Json(safety::hazard_view(&s.app, &c.actor, id).await?))
}

/// `POST /hazards/{id}/changes`: rate it again, close or reopen it.
#[utoipa::path(post, path = "/hazards/{id}/changes", tag = "safety", params(("id" = i64, Path)), request_body = HazardChange, responses(
    (status = 200, body = HazardView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn change_hazard(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<HazardChange>,
) -> WebResult<Json<HazardView>> {
    Ok(Json(safety::change_hazard(&s.app, &c.actor, id, &b).await?))
}

/// `GET /units/{id}/incidents`: the unit's logbook, newest first.
#[utoipa::path(get, path = "/units/{id}/incidents", tag = "safety", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<Incident>), (status = 404, body = ErrorBody)))]
pub(super) async fn incidents(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<Vec<Incident>>> {
    Ok(Json(safety::incidents(&s.app, &c.actor, id).await?))
}

/// `POST /units/{id}/incidents`: log an incident or near miss.
#[utoipa::path(post, path = "/units/{id}/incidents", tag = "safety", params(("id" = i64, Path)), request_body = IncidentInput, responses(
    (status = 201, body = Incident), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn report(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<IncidentInput>,
) -> WebResult<(StatusCode, Json<Incident>)> {
    Ok((
        StatusCode::CREATED,
        Json(safety::report(&s.app, &c.actor, id, &b).await?),
    ))
}

/// `GET /incidents/{id}`: an incident with its actions.
#[utoipa::path(get, path = "/incidents/{id}", tag = "safety", params(("id" = i64, Path)), responses(
    (status = 200, body = IncidentView), (status = 404, body = ErrorBody)))]
pub(super) async fn incident(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<IncidentView>> {
    Ok(Json(safety::incident_view(&s.app, &c.actor, id).await?))
}

/// `POST /incidents/{id}/steps`: its investigation, or closing it.
#[utoipa::path(post, path = "/incidents/{id}/steps", tag = "safety", params(("id" = i64, Path)), request_body = IncidentStep, responses(
    (status = 200, body = IncidentView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn incident_step(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<IncidentStep>,
) -> WebResult<Json<IncidentView>> {
    Ok(Json(safety::incident_step(&s.app, &c.actor, id, &b).await?))
}

/// `GET /units/{id}/actions`: the unit's actions, then late ones
/// escalated to it from below.
#[utoipa::path(get, path = "/units/{id}/actions", tag = "safety", params(("id" = i64, Path), ClosedQuery), responses(
    (status = 200, body = Vec<Action>), (status = 404, body = ErrorBody)))]
pub(super) async fn actions(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Query(q): Query<ClosedQuery>,
) -> WebResult<Json<Vec<Action>>> {
    Ok(Json(
        safety::actions(&s.app, &c.actor, id, q.closed.unwrap_or(false)).await?,
    ))
}

/// `POST /units/{id}/actions`: open a corrective or preventive action.
#[utoipa::path(post, path = "/units/{id}/actions", tag = "safety", params(("id" = i64, Path)), request_body = ActionInput, responses(
    (status = 201, body = Action), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn add_action(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<ActionInput>,
) -> WebResult<(StatusCode, Json<Action>)> {
    Ok((
        StatusCode::CREATED,
        Json(safety::add_action(&s.app, &c.actor, id, &b).await?),
    ))
}

/// `POST /actions/{id}/steps`: done, or verified (effective or not).
#[utoipa::path(post, path = "/actions/{id}/steps", tag = "safety", params(("id" = i64, Path)), request_body = ActionStep, responses(
    (status = 200, body = Action), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn action_step(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<ActionStep>,
) -> WebResult<Json<Action>> {
    Ok(Json(safety::action_step(&s.app, &c.actor, id, &b).await?))
}

/// `GET /checklists`: the checklist templates, each with its newest version.
#[utoipa::path(get, path = "/checklists", tag = "safety", responses((status = 200, body = Vec<Template>)))]
pub(super) async fn checklists(
    State(s): State<AppState>,
    Caller(_c): Caller,
) -> WebResult<Json<Vec<Template>>> {
    Ok(Json(checklists::templates(&s.app).await?))
}

/// `GET /checklist-versions/{id}`: a version with its sections and questions.
#[utoipa::path(get, path = "/checklist-versions/{id}", tag = "safety", params(("id" = i64, Path)), responses(
    (status = 200, body = Version), (status = 404, body = ErrorBody)))]
pub(super) async fn checklist_version(
    State(s): State<AppState>,
    Caller(_c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<Version>> {
    Ok(Json(checklists::version(&s.app, id).await?))
}

/// A new checklist: its name, purpose and first version.
#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct ChecklistInput {
    /// The name shown.
    name: String,
    /// `inspection` or `assessment`.
    purpose: String,
    /// The first version's sections, in order.
    sections: Vec<NewSection>,
}

/// `POST /checklists`: a new checklist template with its first version
/// (administrators of the whole organization).
#[utoipa::path(post, path = "/checklists", tag = "safety", request_body = ChecklistInput, responses(
    (status = 201, body = Version), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_checklist(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<ChecklistInput>,
) -> WebResult<(StatusCode, Json<Version>)> {
    Ok((
        StatusCode::CREATED,
        Json(checklists::create(&s.app, &c.actor, &b.name, &b.purpose, &b.sections).await?),
    ))
}

/// A new version's sections and questions.
#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct VersionInput {
    /// The version this one was written from: when given, the request is
    /// refused (409) if another version was saved since.
    #[serde(default)]
    base_version: Option<i64>,
    /// The sections, in order.
    sections: Vec<NewSection>,
}

/// `POST /checklists/{id}/versions`: a new version of a template
/// (administrators of the whole organization); versions in use never change.
#[utoipa::path(post, path = "/checklists/{id}/versions", tag = "safety", params(("id" = i64, Path)), request_body = VersionInput, responses(
    (status = 201, body = Version), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn add_checklist_version(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<VersionInput>,
) -> WebResult<(StatusCode, Json<Version>)> {
    Ok((
        StatusCode::CREATED,
        Json(checklists::add_version(&s.app, &c.actor, id, b.base_version, &b.sections).await?),
    ))
}

/// `GET /units/{id}/inspections`: the unit's inspections and assessments.
#[utoipa::path(get, path = "/units/{id}/inspections", tag = "safety", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<Inspection>), (status = 404, body = ErrorBody)))]
pub(super) async fn inspections(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<Vec<Inspection>>> {
    Ok(Json(checklists::of_unit(&s.app, &c.actor, id).await?))
}

/// Which template to follow.
#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct StartInput {
    /// The template.
    template_id: i64,
}

/// `POST /units/{id}/inspections`: start one from a template's newest
/// version.
#[utoipa::path(post, path = "/units/{id}/inspections", tag = "safety", params(("id" = i64, Path)), request_body = StartInput, responses(
    (status = 201, body = InspectionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn start_inspection(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<StartInput>,
) -> WebResult<(StatusCode, Json<InspectionView>)> {
    Ok((
        StatusCode::CREATED,
        Json(checklists::start(&s.app, &c.actor, id, b.template_id).await?),
    ))
}

/// `GET /inspections/{id}`: an inspection with its checklist and answers.
#[utoipa::path(get, path = "/inspections/{id}", tag = "safety", params(("id" = i64, Path)), responses(
    (status = 200, body = InspectionView), (status = 404, body = ErrorBody)))]
pub(super) async fn inspection(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<InspectionView>> {
    Ok(Json(checklists::view(&s.app, &c.actor, id).await?))
}

/// `PUT /inspections/{id}/answers`: save the answers (opening the actions
/// flagged answers ask for) and, with `complete`, complete it.
#[utoipa::path(put, path = "/inspections/{id}/answers", tag = "safety", params(("id" = i64, Path)), request_body = AnswersInput, responses(
    (status = 200, body = InspectionView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn answer_inspection(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<AnswersInput>,
) -> WebResult<Json<InspectionView>> {
    Ok(Json(checklists::answer(&s.app, &c.actor, id, &b).await?))
}

/// `GET /units/{id}/safety/dashboard`: the subtree's counts and, per unit
/// directly below, its high risks, late actions, open incidents and this
/// month's inspections.
#[utoipa::path(get, operation_id = "safety_dashboard", path = "/units/{id}/safety/dashboard", tag = "safety", params(("id" = i64, Path)), responses(
    (status = 200, body = Dashboard), (status = 404, body = ErrorBody)))]
pub(super) async fn dashboard(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<Dashboard>> {
    Ok(Json(safety::dashboard(&s.app, &c.actor, id).await?))
}

/// `GET /safety/schedules`: which levels are asked for which inspections,
/// how often.
#[utoipa::path(get, path = "/safety/schedules", tag = "safety", responses((status = 200, body = Vec<Schedule>)))]
pub(super) async fn schedules(
    State(s): State<AppState>,
    Caller(_c): Caller,
) -> WebResult<Json<Vec<Schedule>>> {
    Ok(Json(schedules::list(&s.app).await?))
}

/// `POST /safety/schedules`: ask every open unit of a level for an
/// inspection from a template each month, quarter or year (administrators
/// of the whole organization); the same level and template again changes
/// the cadence. Answers every schedule.
#[utoipa::path(post, path = "/safety/schedules", tag = "safety", request_body = ScheduleInput, responses(
    (status = 200, body = Vec<Schedule>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_schedule(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<ScheduleInput>,
) -> WebResult<Json<Vec<Schedule>>> {
    Ok(Json(schedules::set(&s.app, &c.actor, &b).await?))
}

/// `DELETE /safety/schedules/{id}`: stop asking (administrators of the
/// whole organization). Answers the schedules left.
#[utoipa::path(delete, path = "/safety/schedules/{id}", tag = "safety", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<Schedule>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn remove_schedule(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<Vec<Schedule>>> {
    Ok(Json(schedules::remove(&s.app, &c.actor, id).await?))
}

/// `GET /units/{id}/inspections/due`: the subtree's scheduled inspections
/// this period (due, done, units behind), in all and per schedule.
#[utoipa::path(get, path = "/units/{id}/inspections/due", tag = "safety", params(("id" = i64, Path)), responses(
    (status = 200, body = DueCounts), (status = 404, body = ErrorBody)))]
pub(super) async fn inspections_due(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<DueCounts>> {
    Ok(Json(schedules::due(&s.app, &c.actor, id).await?))
}

/// `GET /units/{id}/inspections/behind`: the units of the subtree with a
/// scheduled inspection not done this period, by name (at most 200).
#[utoipa::path(get, path = "/units/{id}/inspections/behind", tag = "safety", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<Behind>), (status = 404, body = ErrorBody)))]
pub(super) async fn inspections_behind(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<Vec<Behind>>> {
    Ok(Json(schedules::behind(&s.app, &c.actor, id).await?))
}
