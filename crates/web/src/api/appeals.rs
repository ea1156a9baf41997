//! API of appeals and suggestions. `/voice/*` is the anonymous intake and
//! the receipt follow-up: no credentials are read there (a cookie or token
//! sent along is ignored) and nothing of the caller is kept. The rest is
//! for signed-in sessions: filing under one's name, the handlers' inbox,
//! one appeal (a logged read) and its actions, a subtree's counts, the
//! suggestions published to a unit, the holders of the appeals duty and
//! the organization's policy.

use super::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use grassroots_app::appeals::{
    self, Action, AppealCounts, AuthorView, Filed, HandlerView, Intake, IntakeForm, Receipt,
};
use grassroots_core::UnitId;
use grassroots_store::appeals::{Appeal, AppealSummary, Published, Settings};
use grassroots_store::duties::Handler;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, Caller};
use crate::AppState;
use crate::error::{ErrorBody, WebResult};

/// The appeals API's routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(public_form))
        .routes(routes!(submit_anonymous))
        .routes(routes!(follow))
        .routes(routes!(follow_message))
        .routes(routes!(submit_named, list))
        .routes(routes!(own_form))
        .routes(routes!(open))
        .routes(routes!(act))
        .routes(routes!(open_mine))
        .routes(routes!(message_mine))
        .routes(routes!(counts))
        .routes(routes!(published))
        .routes(routes!(handlers))
        .routes(routes!(grant_handler, revoke_handler))
        .routes(routes!(settings, set_settings))
}

/// `GET /voice/units/{id}`: what the public form offers for a unit (no
/// sign-in; position holders are not named here).
#[utoipa::path(get, path = "/voice/units/{id}", tag = "appeals", params(("id" = i64, Path)), responses(
    (status = 200, body = IntakeForm), (status = 404, body = ErrorBody)))]
pub(super) async fn public_form(
    State(s): State<AppState>,
    Path(id): Path<UnitId>,
) -> WebResult<Json<IntakeForm>> {
    Ok(Json(appeals::intake_form(&s.app, id, false).await?))
}

/// `POST /voice`: file an appeal or suggestion anonymously (no sign-in;
/// credentials sent along are ignored). The receipt in the answer is shown
/// once and is the only way back to it.
#[utoipa::path(post, path = "/voice", tag = "appeals", request_body = Intake, responses(
    (status = 201, body = Receipt), (status = 422, body = ErrorBody)))]
pub(super) async fn submit_anonymous(
    State(s): State<AppState>,
    Body(b): Body<Intake>,
) -> WebResult<(StatusCode, Json<Receipt>)> {
    Ok((
        StatusCode::CREATED,
        Json(appeals::submit_anonymous(&s.app, &b).await?),
    ))
}

/// A receipt.
#[derive(Deserialize, ToSchema)]
pub(super) struct ReceiptInput {
    /// The 16 digits (spaces and dashes allowed).
    receipt: String,
}

/// `POST /voice/follow`: open an anonymous appeal with its receipt. Wrong
/// receipts are refused (422) and, past a limit shared by everyone,
/// throttled (429).
#[utoipa::path(post, path = "/voice/follow", tag = "appeals", request_body = ReceiptInput, responses(
    (status = 200, body = AuthorView), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(super) async fn follow(
    State(s): State<AppState>,
    Body(b): Body<ReceiptInput>,
) -> WebResult<Json<AuthorView>> {
    Ok(Json(appeals::follow(&s.app, &b.receipt).await?))
}

/// A message from the author.
#[derive(Deserialize, ToSchema)]
pub(super) struct FollowMessage {
    /// The receipt.
    receipt: String,
    /// The message.
    text: String,
}

/// `POST /voice/follow/messages`: write to the handlers with the receipt.
#[utoipa::path(post, path = "/voice/follow/messages", tag = "appeals", request_body = FollowMessage, responses(
    (status = 200, body = AuthorView), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(super) async fn follow_message(
    State(s): State<AppState>,
    Body(b): Body<FollowMessage>,
) -> WebResult<Json<AuthorView>> {
    Ok(Json(
        appeals::follow_message(&s.app, &b.receipt, &b.text).await?,
    ))
}

/// `POST /appeals`: file an appeal or suggestion under one's name, from
/// one's own unit.
#[utoipa::path(post, path = "/appeals", tag = "appeals", request_body = Intake, responses(
    (status = 201, body = Filed), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn submit_named(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<Intake>,
) -> WebResult<(StatusCode, Json<Filed>)> {
    Ok((
        StatusCode::CREATED,
        Json(appeals::submit_named(&s.app, &c.actor, &b).await?),
    ))
}

/// Which appeals to list.
#[derive(Deserialize, IntoParams)]
pub(super) struct ListQuery {
    /// `mine` (default): the caller's named ones; `handled`: those the
    /// caller handles.
    #[serde(default)]
    of: Option<String>,
    /// With `handled`: include closed ones.
    #[serde(default)]
    closed: Option<bool>,
}

/// `GET /appeals`: the caller's named appeals, or those they handle.
#[utoipa::path(get, path = "/appeals", tag = "appeals", params(ListQuery), responses(
    (status = 200, body = Vec<AppealSummary>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn list(
    State(s): State<AppState>,
    Caller(c): Caller,
    Query(q): Query<ListQuery>,
) -> WebResult<Json<Vec<AppealSummary>>> {
    Ok(Json(match q.of.as_deref() {
        None | Some("mine") => appeals::mine(&s.app, &c.actor).await?,
        Some("handled") => appeals::inbox(&s.app, &c.actor, q.closed.unwrap_or(false)).await?,
        Some(_) => return Err(grassroots_app::AppError::invalid("of").into()),
    }))
}

/// `GET /appeals/form`: what the intake offers the caller (their unit's
/// path and its position holders).
#[utoipa::path(get, path = "/appeals/form", tag = "appeals", responses(
    (status = 200, body = IntakeForm), (status = 403, body = ErrorBody)))]
pub(super) async fn own_form(
    State(s): State<AppState>,
    Caller(c): Caller,
) -> WebResult<Json<IntakeForm>> {
    let unit = appeals::own_unit(&s.app, &c.actor)
        .await?
        .ok_or(grassroots_app::AppError::Forbidden)?;
    Ok(Json(appeals::intake_form(&s.app, unit, true).await?))
}

/// `GET /appeals/{id}`: one appeal with its record, for its handlers (a
/// logged read).
#[utoipa::path(get, path = "/appeals/{id}", tag = "appeals", params(("id" = i64, Path)), responses(
    (status = 200, body = HandlerView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn open(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<HandlerView>> {
    Ok(Json(appeals::open(&s.app, &c.actor, id).await?))
}

/// `POST /appeals/{id}/actions`: acknowledge, reply, note, answer, close,
/// recuse or publish.
#[utoipa::path(post, operation_id = "appeal_act", path = "/appeals/{id}/actions", tag = "appeals", params(("id" = i64, Path)), request_body = Action, responses(
    (status = 200, body = Appeal), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn act(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<Action>,
) -> WebResult<Json<Appeal>> {
    Ok(Json(appeals::act(&s.app, &c.actor, id, &b).await?))
}

/// `GET /me/appeals/{id}`: one of the caller's named appeals, as its
/// author sees it.
#[utoipa::path(get, path = "/me/appeals/{id}", tag = "appeals", params(("id" = i64, Path)), responses(
    (status = 200, body = AuthorView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn open_mine(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<AuthorView>> {
    Ok(Json(appeals::open_mine(&s.app, &c.actor, id).await?))
}

/// A message.
#[derive(Deserialize, ToSchema)]
pub(super) struct MessageInput {
    /// The message.
    text: String,
}

/// `POST /me/appeals/{id}/messages`: write to the handlers of one of the
/// caller's named appeals.
#[utoipa::path(post, path = "/me/appeals/{id}/messages", tag = "appeals", params(("id" = i64, Path)), request_body = MessageInput, responses(
    (status = 200, body = AuthorView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn message_mine(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<MessageInput>,
) -> WebResult<Json<AuthorView>> {
    Ok(Json(
        appeals::message_mine(&s.app, &c.actor, id, &b.text).await?,
    ))
}

/// `GET /units/{id}/appeals`: counts of what was routed within the
/// subtree, naming nobody and carrying no text.
#[utoipa::path(get, operation_id = "appeal_counts", path = "/units/{id}/appeals", tag = "appeals", params(("id" = i64, Path)), responses(
    (status = 200, body = AppealCounts), (status = 404, body = ErrorBody)))]
pub(super) async fn counts(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<AppealCounts>> {
    Ok(Json(appeals::counts(&s.app, &c.actor, id).await?))
}

/// `GET /units/{id}/suggestions`: the suggestions published to a unit.
#[utoipa::path(get, path = "/units/{id}/suggestions", tag = "appeals", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<Published>), (status = 404, body = ErrorBody)))]
pub(super) async fn published(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<Vec<Published>>> {
    Ok(Json(appeals::published(&s.app, &c.actor, id).await?))
}

/// `GET /units/{id}/appeals/handlers`: who receives appeals there.
#[utoipa::path(get, operation_id = "appeal_handlers", path = "/units/{id}/appeals/handlers", tag = "appeals", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<Handler>), (status = 404, body = ErrorBody)))]
pub(super) async fn handlers(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<Vec<Handler>>> {
    Ok(Json(appeals::handlers(&s.app, &c.actor, id).await?))
}

/// `PUT /units/{id}/appeals/handlers/{account}`: give the appeals duty
/// (secretaries).
#[utoipa::path(put, operation_id = "appeal_grant_handler", path = "/units/{id}/appeals/handlers/{account}", tag = "appeals", params(("id" = i64, Path), ("account" = i64, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn grant_handler(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path((id, account)): Path<(UnitId, i64)>,
) -> WebResult<StatusCode> {
    appeals::set_handler(&s.app, &c.actor, id, account, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /units/{id}/appeals/handlers/{account}`: take the duty away.
#[utoipa::path(delete, operation_id = "appeal_revoke_handler", path = "/units/{id}/appeals/handlers/{account}", tag = "appeals", params(("id" = i64, Path), ("account" = i64, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn revoke_handler(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path((id, account)): Path<(UnitId, i64)>,
) -> WebResult<StatusCode> {
    appeals::set_handler(&s.app, &c.actor, id, account, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /appeals/settings`: the organization's deadlines, retention and
/// commission.
#[utoipa::path(get, operation_id = "appeal_settings", path = "/appeals/settings", tag = "appeals", responses(
    (status = 200, body = Settings)))]
pub(super) async fn settings(
    State(s): State<AppState>,
    Caller(_c): Caller,
) -> WebResult<Json<Settings>> {
    Ok(Json(appeals::settings(&s.app).await?))
}

/// `PUT /appeals/settings`: change them (administrators of the whole
/// organization); open appeals keep their deadlines.
#[utoipa::path(put, operation_id = "appeal_set_settings", path = "/appeals/settings", tag = "appeals", request_body = Settings, responses(
    (status = 200, body = Settings), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_settings(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<Settings>,
) -> WebResult<Json<Settings>> {
    Ok(Json(appeals::set_settings(&s.app, &c.actor, &b).await?))
}
