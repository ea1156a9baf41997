//! API of meetings and conferences: convene, invite, attendance, agenda,
//! list of speakers, speech texts, documents, minutes, decisions adopted,
//! closing; meeting types, cadences and the calendar era.

use super::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use grassroots_app::decisions::DecisionInput;
use grassroots_app::meetings::{
    self, AgendaInput, AttendanceMark, CadenceInput, DocumentInput, InviteInput, MeetingInput,
    MeetingRecord, MeetingSettings, SpeechInput, SpeechText, UnitMeetings,
};
use grassroots_core::UnitId;
use grassroots_store::meetings::{Attendance, Cadence, Meeting, MeetingListing};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::decisions::Issued;
use super::{Body, Caller, Lang};
use crate::AppState;
use crate::error::{ErrorBody, WebResult};
use crate::ics as calendar;

/// The meetings API's routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(meeting_settings))
        .routes(routes!(set_meeting_cadence))
        .routes(routes!(set_meeting_type))
        .routes(routes!(set_calendar_era))
        .routes(routes!(convene_meeting, unit_meetings))
        .routes(routes!(person_meetings))
        .routes(routes!(regularity))
        .routes(routes!(unit_calendar))
        .routes(routes!(person_calendar))
        .routes(routes!(get_meeting, update_meeting))
        .routes(routes!(invite_participants))
        .routes(routes!(remove_participant))
        .routes(routes!(mark_attendance))
        .routes(routes!(add_agenda_item))
        .routes(routes!(update_agenda_item, remove_agenda_item))
        .routes(routes!(move_agenda_item))
        .routes(routes!(add_speaker))
        .routes(routes!(add_document))
        .routes(routes!(start_speech))
        .routes(routes!(mark_speech_given))
        .routes(routes!(stop_speech))
        .routes(routes!(edit_speech, withdraw_speech))
        .routes(routes!(move_speech))
        .routes(routes!(write_minutes))
        .routes(routes!(adopt_decision_at_meeting))
        .routes(routes!(close_meeting))
}

/// The id of something created.
#[derive(Serialize, ToSchema)]
pub(super) struct CreatedId {
    id: i64,
}

impl CreatedId {
    /// The id of something just created.
    pub(super) fn new(id: i64) -> CreatedId {
        CreatedId { id }
    }
}

/// How many participants an invitation added.
#[derive(Serialize, ToSchema)]
pub(super) struct Invited {
    added: u64,
}

/// A move in an ordered list.
#[derive(Deserialize, ToSchema)]
pub(super) struct MoveInput {
    /// One place up (earlier) when true, down otherwise.
    pub(super) up: bool,
}

/// The minutes of a meeting.
#[derive(Deserialize, ToSchema)]
pub(super) struct MinutesInput {
    /// Markdown.
    minutes: String,
}

/// The calendar era dates are shown in.
#[derive(Serialize, Deserialize, ToSchema)]
pub(super) struct EraBody {
    /// `gregorian`, `juche` or `minguo`.
    calendar_era: String,
}

/// `GET /meeting-settings`: meeting types, cadences and the calendar era.
#[utoipa::path(get, path = "/meeting-settings", tag = "meetings", responses((status = 200, body = MeetingSettings)))]
pub(super) async fn meeting_settings(
    State(s): State<AppState>,
    Caller(_c): Caller,
) -> WebResult<Json<MeetingSettings>> {
    Ok(Json(meetings::settings(&s.app).await?))
}

/// `PUT /meeting-settings/cadence`: set or remove how often units of a
/// level are expected to hold a meeting of a type (organization administrators).
#[utoipa::path(put, path = "/meeting-settings/cadence", tag = "meetings", request_body = CadenceInput, responses(
    (status = 200, body = Vec<Cadence>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_meeting_cadence(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<CadenceInput>,
) -> WebResult<Json<Vec<Cadence>>> {
    Ok(Json(meetings::set_cadence(&s.app, &c.actor, b).await?))
}

/// `PUT /meeting-settings/types`: add a kind of meeting, or rename one
/// (organization administrators).
#[utoipa::path(put, path = "/meeting-settings/types", tag = "meetings", request_body = meetings::MeetingTypeInput, responses(
    (status = 200, body = Vec<grassroots_store::meetings::MeetingType>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_meeting_type(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<meetings::MeetingTypeInput>,
) -> WebResult<Json<Vec<grassroots_store::meetings::MeetingType>>> {
    Ok(Json(meetings::set_type(&s.app, &c.actor, b).await?))
}

/// `PUT /calendar-era`: choose how dates are shown (organization administrators).
#[utoipa::path(put, path = "/calendar-era", tag = "meetings", request_body = EraBody, responses(
    (status = 200, body = EraBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_calendar_era(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<EraBody>,
) -> WebResult<Json<EraBody>> {
    let era = meetings::set_era(&s.app, &c.actor, &b.calendar_era).await?;
    Ok(Json(EraBody {
        calendar_era: era.as_str().to_string(),
    }))
}

/// `POST /units/{id}/meetings`: convene a meeting of the unit.
#[utoipa::path(post, path = "/units/{id}/meetings", tag = "meetings", params(("id" = i64, Path)), request_body = MeetingInput, responses(
    (status = 201, body = Meeting), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn convene_meeting(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<MeetingInput>,
) -> WebResult<(StatusCode, Json<Meeting>)> {
    Ok((
        StatusCode::CREATED,
        Json(meetings::convene(&s.app, &c.actor, id, b).await?),
    ))
}

/// `GET /units/{id}/meetings`: meetings the unit convened or is invited to.
#[utoipa::path(get, path = "/units/{id}/meetings", tag = "meetings", params(("id" = i64, Path)), responses(
    (status = 200, body = UnitMeetings), (status = 404, body = ErrorBody)))]
pub(super) async fn unit_meetings(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<UnitMeetings>> {
    Ok(Json(meetings::of_unit(&s.app, &c.actor, id).await?))
}

/// `GET /units/{id}/regularity`: the subtree's meeting regularity and
/// attendance, and its children's, from maintained counters; units overdue.
#[utoipa::path(get, path = "/units/{id}/regularity", tag = "meetings", params(("id" = i64, Path)), responses(
    (status = 200, body = meetings::Regularity), (status = 404, body = ErrorBody)))]
pub(super) async fn regularity(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<meetings::Regularity>> {
    Ok(Json(meetings::regularity(&s.app, &c.actor, id).await?))
}

/// `GET /units/{id}/meetings.ics`: iCalendar feed of the meetings a unit
/// convened or its people are invited to.
#[utoipa::path(get, path = "/units/{id}/meetings.ics", tag = "meetings", params(("id" = i64, Path)), responses(
    (status = 200, content_type = "text/calendar", body = String), (status = 404, body = ErrorBody)))]
pub(super) async fn unit_calendar(
    State(s): State<AppState>,
    Caller(c): Caller,
    Lang(tr): Lang,
    headers: axum::http::HeaderMap,
    Path(id): Path<UnitId>,
) -> WebResult<Response> {
    let base = calendar::base_url(&s.app.config.public_url, &headers);
    calendar::unit_feed(&s, &tr, &c.actor, id, &base).await
}

/// `GET /people/{id}/meetings.ics`: iCalendar feed of the meetings a
/// person is invited to.
#[utoipa::path(get, path = "/people/{id}/meetings.ics", tag = "meetings", params(("id" = i64, Path)), responses(
    (status = 200, content_type = "text/calendar", body = String), (status = 404, body = ErrorBody)))]
pub(super) async fn person_calendar(
    State(s): State<AppState>,
    Caller(c): Caller,
    Lang(tr): Lang,
    headers: axum::http::HeaderMap,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let base = calendar::base_url(&s.app.config.public_url, &headers);
    calendar::person_feed(&s, &tr, &c.actor, id, &base).await
}

/// `GET /people/{id}/meetings`: meetings a person is invited to.
#[utoipa::path(get, path = "/people/{id}/meetings", tag = "meetings", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<MeetingListing>), (status = 404, body = ErrorBody)))]
pub(super) async fn person_meetings(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<Vec<MeetingListing>>> {
    Ok(Json(meetings::of_person(&s.app, &c.actor, id).await?))
}

/// `GET /meetings/{id}`: the meeting's whole record.
#[utoipa::path(get, path = "/meetings/{id}", tag = "meetings", params(("id" = i64, Path)), responses(
    (status = 200, body = MeetingRecord), (status = 404, body = ErrorBody)))]
pub(super) async fn get_meeting(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<MeetingRecord>> {
    Ok(Json(meetings::view(&s.app, &c.actor, id).await?))
}

/// `PUT /meetings/{id}`: change the meeting's type, title, days, time,
/// place or quorum.
#[utoipa::path(put, path = "/meetings/{id}", tag = "meetings", params(("id" = i64, Path)), request_body = MeetingInput, responses(
    (status = 200, body = Meeting), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn update_meeting(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<MeetingInput>,
) -> WebResult<Json<Meeting>> {
    Ok(Json(meetings::update(&s.app, &c.actor, id, b).await?))
}

/// `POST /meetings/{id}/participants`: invite by unit, person or position.
#[utoipa::path(post, path = "/meetings/{id}/participants", tag = "meetings", params(("id" = i64, Path)), request_body = InviteInput, responses(
    (status = 200, body = Invited), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn invite_participants(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<InviteInput>,
) -> WebResult<Json<Invited>> {
    Ok(Json(Invited {
        added: meetings::invite(&s.app, &c.actor, id, b).await?,
    }))
}

/// `DELETE /meetings/{id}/participants/{person_id}`: remove a participant
/// who has not spoken.
#[utoipa::path(delete, path = "/meetings/{id}/participants/{person_id}", tag = "meetings", params(("id" = i64, Path), ("person_id" = i64, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn remove_participant(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path((id, person_id)): Path<(i64, i64)>,
) -> WebResult<StatusCode> {
    meetings::uninvite(&s.app, &c.actor, id, person_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /meetings/{id}/attendance`: mark participants present, excused or
/// absent (all marks or none).
#[utoipa::path(put, path = "/meetings/{id}/attendance", tag = "meetings", params(("id" = i64, Path)), request_body = Vec<AttendanceMark>, responses(
    (status = 200, body = Attendance), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn mark_attendance(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<Vec<AttendanceMark>>,
) -> WebResult<Json<Attendance>> {
    Ok(Json(
        meetings::mark_attendance(&s.app, &c.actor, id, b).await?,
    ))
}

/// `POST /meetings/{id}/agenda`: add an agenda item at the end.
#[utoipa::path(post, path = "/meetings/{id}/agenda", tag = "meetings", params(("id" = i64, Path)), request_body = AgendaInput, responses(
    (status = 201, body = CreatedId), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn add_agenda_item(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<AgendaInput>,
) -> WebResult<(StatusCode, Json<CreatedId>)> {
    let id = meetings::add_item(&s.app, &c.actor, id, b).await?;
    Ok((StatusCode::CREATED, Json(CreatedId { id })))
}

/// `PUT /agenda-items/{id}`: change an agenda item.
#[utoipa::path(put, path = "/agenda-items/{id}", tag = "meetings", params(("id" = i64, Path)), request_body = AgendaInput, responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn update_agenda_item(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<AgendaInput>,
) -> WebResult<StatusCode> {
    meetings::update_item(&s.app, &c.actor, id, b).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /agenda-items/{id}`: remove an item without speakers or documents.
#[utoipa::path(delete, path = "/agenda-items/{id}", tag = "meetings", params(("id" = i64, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn remove_agenda_item(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<StatusCode> {
    meetings::remove_item(&s.app, &c.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /agenda-items/{id}/move`: move an item one place up or down.
#[utoipa::path(post, path = "/agenda-items/{id}/move", tag = "meetings", params(("id" = i64, Path)), request_body = MoveInput, responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn move_agenda_item(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<MoveInput>,
) -> WebResult<StatusCode> {
    meetings::move_item(&s.app, &c.actor, id, b.up).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /agenda-items/{id}/speakers`: put a participant on the item's
/// list of speakers.
#[utoipa::path(post, path = "/agenda-items/{id}/speakers", tag = "meetings", params(("id" = i64, Path)), request_body = SpeechInput, responses(
    (status = 201, body = CreatedId), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn add_speaker(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<SpeechInput>,
) -> WebResult<(StatusCode, Json<CreatedId>)> {
    let id = meetings::request_speech(&s.app, &c.actor, id, b).await?;
    Ok((StatusCode::CREATED, Json(CreatedId { id })))
}

/// `POST /agenda-items/{id}/documents`: add a document to the item.
#[utoipa::path(post, path = "/agenda-items/{id}/documents", tag = "meetings", params(("id" = i64, Path)), request_body = DocumentInput, responses(
    (status = 201, body = CreatedId), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn add_document(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<DocumentInput>,
) -> WebResult<(StatusCode, Json<CreatedId>)> {
    let id = meetings::add_document(&s.app, &c.actor, id, b).await?;
    Ok((StatusCode::CREATED, Json(CreatedId { id })))
}

/// `POST /speeches/{id}/start`: the speaker takes the floor; whoever was
/// speaking stops.
#[utoipa::path(post, path = "/speeches/{id}/start", tag = "meetings", params(("id" = i64, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn start_speech(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<StatusCode> {
    meetings::start_speech(&s.app, &c.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /speeches/{id}/given`: record a speech on the list as given,
/// for a meeting written up after it was held (no times are stored).
#[utoipa::path(post, path = "/speeches/{id}/given", tag = "meetings", params(("id" = i64, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn mark_speech_given(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<StatusCode> {
    meetings::mark_given(&s.app, &c.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /speeches/{id}/stop`: the running speech ends.
#[utoipa::path(post, path = "/speeches/{id}/stop", tag = "meetings", params(("id" = i64, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn stop_speech(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<StatusCode> {
    meetings::stop_speech(&s.app, &c.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /speeches/{id}`: record a speech's kind, title and text.
#[utoipa::path(put, path = "/speeches/{id}", tag = "meetings", params(("id" = i64, Path)), request_body = SpeechText, responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn edit_speech(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<SpeechText>,
) -> WebResult<StatusCode> {
    meetings::edit_speech(&s.app, &c.actor, id, b).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /speeches/{id}`: withdraw a request to speak that has not begun.
#[utoipa::path(delete, path = "/speeches/{id}", tag = "meetings", params(("id" = i64, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn withdraw_speech(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<StatusCode> {
    meetings::withdraw_speech(&s.app, &c.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /speeches/{id}/move`: move a speaker one place up or down.
#[utoipa::path(post, path = "/speeches/{id}/move", tag = "meetings", params(("id" = i64, Path)), request_body = MoveInput, responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn move_speech(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<MoveInput>,
) -> WebResult<StatusCode> {
    meetings::move_speech(&s.app, &c.actor, id, b.up).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /meetings/{id}/minutes`: write the minutes.
#[utoipa::path(put, path = "/meetings/{id}/minutes", tag = "meetings", params(("id" = i64, Path)), request_body = MinutesInput, responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn write_minutes(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<MinutesInput>,
) -> WebResult<StatusCode> {
    meetings::set_minutes(&s.app, &c.actor, id, &b.minutes).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /meetings/{id}/decisions`: adopt a decision at the meeting; the
/// convening unit issues it to its subtree.
#[utoipa::path(post, path = "/meetings/{id}/decisions", tag = "meetings", params(("id" = i64, Path)), request_body = DecisionInput, responses(
    (status = 201, body = Issued), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn adopt_decision_at_meeting(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<DecisionInput>,
) -> WebResult<(StatusCode, Json<Issued>)> {
    let (decision, addressed) = meetings::adopt_decision(&s.app, &c.actor, id, b).await?;
    Ok((StatusCode::CREATED, Json(Issued::new(decision, addressed))))
}

/// `POST /meetings/{id}/close`: close the meeting and lock its record.
#[utoipa::path(post, path = "/meetings/{id}/close", tag = "meetings", params(("id" = i64, Path)), responses(
    (status = 200, body = Meeting), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn close_meeting(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<Meeting>> {
    Ok(Json(meetings::close(&s.app, &c.actor, id).await?))
}
