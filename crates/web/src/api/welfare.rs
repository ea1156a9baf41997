//! API of welfare cases: types and their policies, raising a case, the
//! cases of the caller (their own and those they handle), one case (a
//! logged read), actions, breaking the glass, a subtree's counts and the
//! holders of the welfare duty. Signed-in sessions only: an API token
//! acts through its grant, never as the person nor with the duty.

use super::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use grassroots_app::welfare::{self, CaseAction, CaseView, RaiseInput, WelfareCounts};
use grassroots_core::UnitId;
use grassroots_store::welfare::{CaseType, Handler, WelfareCase};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, Caller};
use crate::AppState;
use crate::error::{ErrorBody, WebResult};

/// The welfare API's routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(case_types))
        .routes(routes!(set_case_type))
        .routes(routes!(raise, cases))
        .routes(routes!(case))
        .routes(routes!(act))
        .routes(routes!(break_glass))
        .routes(routes!(counts))
        .routes(routes!(handlers))
        .routes(routes!(grant_handler, revoke_handler))
}

/// `GET /welfare/types`: the case types and their policies.
#[utoipa::path(get, path = "/welfare/types", tag = "welfare", responses(
    (status = 200, body = Vec<CaseType>), (status = 401, body = ErrorBody)))]
pub(super) async fn case_types(
    State(s): State<AppState>,
    Caller(_caller): Caller,
) -> WebResult<Json<Vec<CaseType>>> {
    Ok(Json(welfare::types(&s.app).await?))
}

/// A case type's new policy.
#[derive(Deserialize, ToSchema)]
pub(super) struct TypeInput {
    /// Days to acknowledge.
    acknowledge_days: i64,
    /// Days to resolve.
    resolve_days: i64,
    /// Days each unit above has after an escalation.
    escalation_days: i64,
    /// The standard steps, one per line.
    steps: String,
}

/// `PUT /welfare/types/{key}`: change a type's policy (administrators of
/// the whole organization); open cases keep theirs.
#[utoipa::path(put, path = "/welfare/types/{key}", tag = "welfare", params(("key" = String, Path)), request_body = TypeInput, responses(
    (status = 200, body = CaseType), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_case_type(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(key): Path<String>,
    Body(b): Body<TypeInput>,
) -> WebResult<Json<CaseType>> {
    let t = CaseType {
        key,
        acknowledge_days: b.acknowledge_days,
        resolve_days: b.resolve_days,
        escalation_days: b.escalation_days,
        steps: b.steps,
    };
    Ok(Json(welfare::set_type(&s.app, &c.actor, &t).await?))
}

/// `POST /welfare/cases`: raise a case, for oneself (no `person_id`) or
/// for a person of a unit where the caller handles welfare or edits.
#[utoipa::path(post, path = "/welfare/cases", tag = "welfare", request_body = RaiseInput, responses(
    (status = 201, body = WelfareCase), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn raise(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<RaiseInput>,
) -> WebResult<(StatusCode, Json<WelfareCase>)> {
    Ok((
        StatusCode::CREATED,
        Json(welfare::raise(&s.app, &c.actor, &b).await?),
    ))
}

/// Which cases to list.
#[derive(Deserialize, IntoParams)]
pub(super) struct CasesQuery {
    /// `mine` (default): the caller's own; `handled`: those the caller handles.
    #[serde(default)]
    of: Option<String>,
    /// With `handled`: include resolved cases.
    #[serde(default)]
    resolved: Option<bool>,
}

/// `GET /welfare/cases`: the caller's own cases, or those they handle.
#[utoipa::path(get, path = "/welfare/cases", tag = "welfare", params(CasesQuery), responses(
    (status = 200, body = Vec<WelfareCase>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn cases(
    State(s): State<AppState>,
    Caller(c): Caller,
    Query(q): Query<CasesQuery>,
) -> WebResult<Json<Vec<WelfareCase>>> {
    let list = match q.of.as_deref() {
        None | Some("mine") => welfare::mine(&s.app, &c.actor).await?,
        Some("handled") => welfare::handled(&s.app, &c.actor, q.resolved.unwrap_or(false)).await?,
        Some(_) => return Err(grassroots_app::AppError::invalid("of").into()),
    };
    Ok(Json(list))
}

/// `GET /welfare/cases/{id}`: one case with its timeline (a logged read;
/// for the person and the handlers).
#[utoipa::path(get, path = "/welfare/cases/{id}", tag = "welfare", params(("id" = i64, Path)), responses(
    (status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn case(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<CaseView>> {
    Ok(Json(welfare::open(&s.app, &c.actor, id).await?))
}

/// `POST /welfare/cases/{id}/actions`: acknowledge, wait, resume, note,
/// step, visit, owner or resolve.
#[utoipa::path(post, operation_id = "welfare_act", path = "/welfare/cases/{id}/actions", tag = "welfare", params(("id" = i64, Path)), request_body = CaseAction, responses(
    (status = 200, body = WelfareCase), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn act(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<CaseAction>,
) -> WebResult<Json<WelfareCase>> {
    Ok(Json(welfare::act(&s.app, &c.actor, id, &b).await?))
}

/// Why the glass is broken.
#[derive(Deserialize, ToSchema)]
pub(super) struct BreakGlassInput {
    /// The reason (at least 10 characters), shown to the person.
    reason: String,
}

/// `POST /welfare/cases/{id}/break-glass`: read a case of a unit the
/// caller manages from above, with a reason that is logged and shown to
/// the person.
#[utoipa::path(post, path = "/welfare/cases/{id}/break-glass", tag = "welfare", params(("id" = i64, Path)), request_body = BreakGlassInput, responses(
    (status = 200, body = CaseView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn break_glass(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<BreakGlassInput>,
) -> WebResult<Json<CaseView>> {
    Ok(Json(
        welfare::break_glass(&s.app, &c.actor, id, &b.reason).await?,
    ))
}

/// `GET /units/{id}/welfare`: counts of the subtree's cases, naming nobody.
#[utoipa::path(get, operation_id = "welfare_counts", path = "/units/{id}/welfare", tag = "welfare", params(("id" = i64, Path)), responses(
    (status = 200, body = WelfareCounts), (status = 404, body = ErrorBody)))]
pub(super) async fn counts(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<WelfareCounts>> {
    Ok(Json(welfare::counts(&s.app, &c.actor, id).await?))
}

/// `GET /units/{id}/welfare/handlers`: who holds the welfare duty there.
#[utoipa::path(get, operation_id = "welfare_handlers", path = "/units/{id}/welfare/handlers", tag = "welfare", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<Handler>), (status = 404, body = ErrorBody)))]
pub(super) async fn handlers(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<Vec<Handler>>> {
    Ok(Json(welfare::handlers(&s.app, &c.actor, id).await?))
}

/// `PUT /units/{id}/welfare/handlers/{account}`: give the duty (secretaries).
#[utoipa::path(put, operation_id = "welfare_grant_handler", path = "/units/{id}/welfare/handlers/{account}", tag = "welfare", params(("id" = i64, Path), ("account" = i64, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn grant_handler(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path((id, account)): Path<(UnitId, i64)>,
) -> WebResult<StatusCode> {
    welfare::set_handler(&s.app, &c.actor, id, account, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /units/{id}/welfare/handlers/{account}`: take the duty away.
#[utoipa::path(delete, operation_id = "welfare_revoke_handler", path = "/units/{id}/welfare/handlers/{account}", tag = "welfare", params(("id" = i64, Path), ("account" = i64, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn revoke_handler(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path((id, account)): Path<(UnitId, i64)>,
) -> WebResult<StatusCode> {
    welfare::set_handler(&s.app, &c.actor, id, account, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
