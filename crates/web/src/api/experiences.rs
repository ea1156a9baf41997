//! API of the experience library: writing, searching, reading, applying,
//! a unit's use of it, and experience suggested for a lagging target.

use super::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use grassroots_app::experiences::{
    self, ApplyInput, ExperienceInput, ExperienceView, LibraryQuery, UnitExperience,
};
use grassroots_core::UnitId;
use grassroots_store::experiences::Experience;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, Caller};
use crate::AppState;
use crate::error::{ErrorBody, WebResult};

/// The library API's routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(write, of_unit))
        .routes(routes!(search))
        .routes(routes!(show))
        .routes(routes!(apply))
        .routes(routes!(for_target))
}

/// Whether the application is new.
#[derive(Serialize, ToSchema)]
pub(super) struct Applied {
    /// `false` when the unit had applied it already.
    new: bool,
}

/// `POST /units/{id}/experiences`: write up an experience.
#[utoipa::path(post, path = "/units/{id}/experiences", tag = "experiences", params(("id" = i64, Path)), request_body = ExperienceInput, responses(
    (status = 201, body = Experience), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn write(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<ExperienceInput>,
) -> WebResult<(StatusCode, Json<Experience>)> {
    Ok((
        StatusCode::CREATED,
        Json(experiences::write(&s.app, &c.actor, id, b).await?),
    ))
}

/// `GET /units/{id}/experiences`: the subtree's counts, the unit's
/// articles, and experience for its lagging targets.
#[utoipa::path(get, path = "/units/{id}/experiences", tag = "experiences", params(("id" = i64, Path)), responses(
    (status = 200, body = UnitExperience), (status = 404, body = ErrorBody)))]
pub(super) async fn of_unit(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<UnitExperience>> {
    Ok(Json(experiences::of_unit(&s.app, &c.actor, id).await?))
}

/// `GET /experiences`: search the library.
#[utoipa::path(get, path = "/experiences", tag = "experiences", params(LibraryQuery), responses(
    (status = 200, body = Vec<Experience>), (status = 403, body = ErrorBody)))]
pub(super) async fn search(
    State(s): State<AppState>,
    Caller(c): Caller,
    Query(q): Query<LibraryQuery>,
) -> WebResult<Json<Vec<Experience>>> {
    Ok(Json(experiences::search(&s.app, &c.actor, &q).await?))
}

/// `GET /experiences/{id}`: an article and the units that applied it.
#[utoipa::path(get, path = "/experiences/{id}", tag = "experiences", params(("id" = i64, Path)), responses(
    (status = 200, body = ExperienceView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn show(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<ExperienceView>> {
    Ok(Json(experiences::get(&s.app, &c.actor, id).await?))
}

/// `POST /experiences/{id}/applications`: record that a unit applied it.
#[utoipa::path(post, path = "/experiences/{id}/applications", tag = "experiences", params(("id" = i64, Path)), request_body = ApplyInput, responses(
    (status = 200, body = Applied), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn apply(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<ApplyInput>,
) -> WebResult<Json<Applied>> {
    let new = experiences::apply(&s.app, &c.actor, id, &b).await?;
    Ok(Json(Applied { new }))
}

/// `GET /targets/{id}/experiences`: when the target lags, experience of
/// model units and units on track in its category.
#[utoipa::path(get, path = "/targets/{id}/experiences", tag = "experiences", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<Experience>), (status = 404, body = ErrorBody)))]
pub(super) async fn for_target(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<Vec<Experience>>> {
    Ok(Json(experiences::for_target(&s.app, &c.actor, id).await?))
}
