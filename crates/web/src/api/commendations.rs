//! API of commendations (conferred by a unit, a person's, a subtree's roll
//! of honour) and model units.

use super::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use grassroots_app::commendations::{self, CommendationInput, ModelInput, RollOfHonour};
use grassroots_core::UnitId;
use grassroots_store::commendations::{Commendation, ModelUnit};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, Caller};
use crate::AppState;
use crate::error::{ErrorBody, WebResult};

/// The commendations API's routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(confer, roll))
        .routes(routes!(person_commendations))
        .routes(routes!(designate, designations))
        .routes(routes!(end_designation))
}

/// How many commendations were conferred.
#[derive(Serialize, ToSchema)]
pub(super) struct Conferred {
    conferred: u64,
}

/// When a designation ends.
#[derive(Deserialize, ToSchema)]
pub(super) struct EndInput {
    /// YYYY-MM-DD (default: today).
    #[serde(default)]
    ends_on: String,
}

/// `POST /units/{id}/commendations`: confer commendations on people of the
/// unit's subtree, optionally at one of its open meetings.
#[utoipa::path(post, path = "/units/{id}/commendations", tag = "commendations", params(("id" = i64, Path)), request_body = CommendationInput, responses(
    (status = 201, body = Conferred), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn confer(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<CommendationInput>,
) -> WebResult<(StatusCode, Json<Conferred>)> {
    let conferred = commendations::confer(&s.app, &c.actor, id, b).await?;
    Ok((StatusCode::CREATED, Json(Conferred { conferred })))
}

/// `GET /units/{id}/commendations`: the subtree's roll of honour and model units.
#[utoipa::path(get, path = "/units/{id}/commendations", tag = "commendations", params(("id" = i64, Path)), responses(
    (status = 200, body = RollOfHonour), (status = 404, body = ErrorBody)))]
pub(super) async fn roll(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<RollOfHonour>> {
    Ok(Json(commendations::roll(&s.app, &c.actor, id).await?))
}

/// `GET /people/{id}/commendations`: a person's commendations.
#[utoipa::path(get, path = "/people/{id}/commendations", tag = "commendations", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<Commendation>), (status = 404, body = ErrorBody)))]
pub(super) async fn person_commendations(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<Vec<Commendation>>> {
    Ok(Json(commendations::of_person(&s.app, &c.actor, id).await?))
}

/// `POST /units/{id}/model-units`: designate a unit below a model unit.
#[utoipa::path(post, path = "/units/{id}/model-units", tag = "commendations", params(("id" = i64, Path)), request_body = ModelInput, responses(
    (status = 201, body = ModelUnit), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn designate(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<ModelInput>,
) -> WebResult<(StatusCode, Json<ModelUnit>)> {
    Ok((
        StatusCode::CREATED,
        Json(commendations::designate(&s.app, &c.actor, id, b).await?),
    ))
}

/// `GET /units/{id}/model-units`: every designation of the unit as a model.
#[utoipa::path(get, path = "/units/{id}/model-units", tag = "commendations", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<ModelUnit>), (status = 404, body = ErrorBody)))]
pub(super) async fn designations(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<Vec<ModelUnit>>> {
    Ok(Json(
        commendations::designations_of(&s.app, &c.actor, id).await?,
    ))
}

/// `POST /model-units/{id}/end`: end a designation.
#[utoipa::path(post, path = "/model-units/{id}/end", tag = "commendations", params(("id" = i64, Path)), request_body = EndInput, responses(
    (status = 200, body = ModelUnit), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn end_designation(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<EndInput>,
) -> WebResult<Json<ModelUnit>> {
    Ok(Json(
        commendations::end_designation(&s.app, &c.actor, id, &b.ends_on).await?,
    ))
}
