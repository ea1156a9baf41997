//! API of study assignments: assigning, adapting, doing, confirming and
//! recording at a meeting; counts per unit; a unit secretary's roster.

use super::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use grassroots_app::study::centres::{self, CentreInput, CentreView, SessionInput, UnitCentres};
use grassroots_app::study::{
    self, AssignmentInput, AssignmentView, SubmitInput, Submitted, Task, UnitStudy,
};
use grassroots_core::UnitId;
use grassroots_store::study::centres::{Centre, Session};
use grassroots_store::study::{Assignment, RosterLine};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, Caller};
use crate::AppState;
use crate::error::{ErrorBody, WebResult};

/// The study API's routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(assign, of_unit))
        .routes(routes!(show))
        .routes(routes!(adapt))
        .routes(routes!(submit))
        .routes(routes!(roster))
        .routes(routes!(confirm))
        .routes(routes!(from_meeting))
        .routes(routes!(mine))
        .routes(routes!(create_centre, centres))
        .routes(routes!(centre))
        .routes(routes!(close_centre))
        .routes(routes!(plan_session))
        .routes(routes!(attendance))
}

/// An adaptation: the unit that adapts, and its version's text.
#[derive(Deserialize, ToSchema)]
pub(super) struct AdaptInput {
    /// The adapting unit, below the adapted version's unit.
    unit_id: UnitId,
    /// Its version (audience and recurrence are the original's).
    #[serde(flatten)]
    assignment: AssignmentInput,
}

/// A person whose reported work is confirmed.
#[derive(Deserialize, ToSchema)]
pub(super) struct ConfirmInput {
    /// The person.
    person_id: i64,
}

/// A meeting whose attendance records the assignment done.
#[derive(Deserialize, ToSchema)]
// Named apart from the type of the same name elsewhere in the API.
#[schema(as = StudyMeetingInput)]
pub(super) struct MeetingInput {
    /// The meeting (held, readable by the secretary).
    meeting_id: i64,
}

/// How many were recorded done.
#[derive(Serialize, ToSchema)]
pub(super) struct Recorded {
    completed: u64,
}

/// `POST /units/{id}/study`: assign study to people of the unit's subtree.
#[utoipa::path(post, path = "/units/{id}/study", tag = "study", params(("id" = i64, Path)), request_body = AssignmentInput, responses(
    (status = 201, body = Assignment), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn assign(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<AssignmentInput>,
) -> WebResult<(StatusCode, Json<Assignment>)> {
    Ok((
        StatusCode::CREATED,
        Json(study::assign(&s.app, &c.actor, id, b).await?),
    ))
}

/// `GET /units/{id}/study`: the assignments in force at a unit, with
/// counts there and per unit right below (never names).
#[utoipa::path(get, operation_id = "study_of_unit", path = "/units/{id}/study", tag = "study", params(("id" = i64, Path)), responses(
    (status = 200, body = UnitStudy), (status = 404, body = ErrorBody)))]
pub(super) async fn of_unit(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<UnitStudy>> {
    Ok(Json(study::of_unit(&s.app, &c.actor, id).await?))
}

/// `GET /study/{id}`: one version, its quiz without answers, the
/// reader's own task in it and, for readers of its unit, its counts.
#[utoipa::path(get, operation_id = "study_show", path = "/study/{id}", tag = "study", params(("id" = i64, Path)), responses(
    (status = 200, body = AssignmentView), (status = 404, body = ErrorBody)))]
pub(super) async fn show(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<AssignmentView>> {
    Ok(Json(study::get(&s.app, &c.actor, id).await?))
}

/// `POST /study/{id}/adaptations`: adapt a version for a unit below.
#[utoipa::path(post, path = "/study/{id}/adaptations", tag = "study", params(("id" = i64, Path)), request_body = AdaptInput, responses(
    (status = 201, body = Assignment), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn adapt(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<AdaptInput>,
) -> WebResult<(StatusCode, Json<Assignment>)> {
    Ok((
        StatusCode::CREATED,
        Json(study::adapt(&s.app, &c.actor, id, b.unit_id, b.assignment).await?),
    ))
}

/// `POST /study/{id}/submission`: the signed-in person does the
/// assignment (marks it done, answers its quiz, or reports it).
#[utoipa::path(post, path = "/study/{id}/submission", tag = "study", params(("id" = i64, Path)), request_body = SubmitInput, responses(
    (status = 200, body = Submitted), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn submit(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<SubmitInput>,
) -> WebResult<Json<Submitted>> {
    Ok(Json(study::submit(&s.app, &c.actor, id, b).await?))
}

/// `GET /units/{id}/study/{root}/roster`: who of the unit's own people
/// did it this period (the secretary of that unit only).
#[utoipa::path(get, path = "/units/{id}/study/{root}/roster", tag = "study", params(("id" = i64, Path), ("root" = i64, Path)), responses(
    (status = 200, body = Vec<RosterLine>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn roster(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path((id, root)): Path<(UnitId, i64)>,
) -> WebResult<Json<Vec<RosterLine>>> {
    Ok(Json(study::roster(&s.app, &c.actor, id, root).await?))
}

/// `POST /study/{root}/confirmations`: the secretary of the person's
/// unit confirms reported work.
#[utoipa::path(post, path = "/study/{root}/confirmations", tag = "study", params(("root" = i64, Path)), request_body = ConfirmInput, responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn confirm(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(root): Path<i64>,
    Body(b): Body<ConfirmInput>,
) -> WebResult<StatusCode> {
    study::confirm(&s.app, &c.actor, root, b.person_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /units/{id}/study/{root}/meeting`: record it done for the unit's
/// people present at a meeting.
#[utoipa::path(post, path = "/units/{id}/study/{root}/meeting", tag = "study", params(("id" = i64, Path), ("root" = i64, Path)), request_body = MeetingInput, responses(
    (status = 200, body = Recorded), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn from_meeting(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path((id, root)): Path<(UnitId, i64)>,
    Body(b): Body<MeetingInput>,
) -> WebResult<Json<Recorded>> {
    let completed = study::from_meeting(&s.app, &c.actor, root, id, b.meeting_id).await?;
    Ok(Json(Recorded { completed }))
}

/// `GET /me/study`: the signed-in person's study tasks.
#[utoipa::path(get, path = "/me/study", tag = "study", responses(
    (status = 200, body = Vec<Task>)))]
pub(super) async fn mine(
    State(s): State<AppState>,
    Caller(c): Caller,
) -> WebResult<Json<Vec<Task>>> {
    Ok(Json(study::mine(&s.app, &c.actor).await?))
}

/// How many attended a session.
#[derive(Deserialize, ToSchema)]
pub(super) struct AttendanceInput {
    /// A count (0–100,000); names are not kept.
    attendance: i64,
}

/// `POST /units/{id}/learning-centres`: open a learning centre.
#[utoipa::path(post, path = "/units/{id}/learning-centres", tag = "study", params(("id" = i64, Path)), request_body = CentreInput, responses(
    (status = 201, body = Centre), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_centre(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<CentreInput>,
) -> WebResult<(StatusCode, Json<Centre>)> {
    Ok((
        StatusCode::CREATED,
        Json(centres::create(&s.app, &c.actor, id, &b).await?),
    ))
}

/// `GET /units/{id}/learning-centres`: the unit's centres and the
/// subtree's counts (centres open, sessions held, attendance).
#[utoipa::path(get, path = "/units/{id}/learning-centres", tag = "study", params(("id" = i64, Path)), responses(
    (status = 200, body = UnitCentres), (status = 404, body = ErrorBody)))]
pub(super) async fn centres(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<UnitCentres>> {
    Ok(Json(centres::of_unit(&s.app, &c.actor, id).await?))
}

/// `GET /learning-centres/{id}`: a centre and its sessions.
#[utoipa::path(get, path = "/learning-centres/{id}", tag = "study", params(("id" = i64, Path)), responses(
    (status = 200, body = CentreView), (status = 404, body = ErrorBody)))]
pub(super) async fn centre(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<CentreView>> {
    Ok(Json(centres::view(&s.app, &c.actor, id).await?))
}

/// `POST /learning-centres/{id}/close`: close a centre.
#[utoipa::path(post, path = "/learning-centres/{id}/close", tag = "study", params(("id" = i64, Path)), responses(
    (status = 200, body = Centre), (status = 404, body = ErrorBody)))]
pub(super) async fn close_centre(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<Centre>> {
    Ok(Json(centres::close(&s.app, &c.actor, id).await?))
}

/// `POST /learning-centres/{id}/sessions`: plan a session.
#[utoipa::path(post, path = "/learning-centres/{id}/sessions", tag = "study", params(("id" = i64, Path)), request_body = SessionInput, responses(
    (status = 201, body = Session), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn plan_session(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<SessionInput>,
) -> WebResult<(StatusCode, Json<Session>)> {
    Ok((
        StatusCode::CREATED,
        Json(centres::plan(&s.app, &c.actor, id, &b).await?),
    ))
}

/// `PUT /learning-sessions/{id}/attendance`: record how many attended a
/// held session.
#[utoipa::path(put, path = "/learning-sessions/{id}/attendance", tag = "study", params(("id" = i64, Path)), request_body = AttendanceInput, responses(
    (status = 200, body = Session), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn attendance(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<AttendanceInput>,
) -> WebResult<Json<Session>> {
    Ok(Json(
        centres::record_attendance(&s.app, &c.actor, id, b.attendance).await?,
    ))
}
