//! API of positions: the position types, a unit's positions and terms,
//! appointments, and vacancies in a subtree.

use super::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use grassroots_app::positions::{self, UnitPositions};
use grassroots_core::UnitId;
use grassroots_store::positions::{Position, PositionType, Vacancy};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, Caller, Limit};
use crate::AppState;
use crate::error::{ErrorBody, WebResult};

/// The positions API's routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(position_types))
        .routes(routes!(unit_positions, appoint))
        .routes(routes!(end_position))
        .routes(routes!(vacancies))
}

/// `GET /position-types`: the configured position types.
#[utoipa::path(get, path = "/position-types", tag = "positions", responses(
    (status = 200, body = Vec<PositionType>), (status = 401, body = ErrorBody)))]
async fn position_types(
    State(s): State<AppState>,
    Caller(_c): Caller,
) -> WebResult<Json<Vec<PositionType>>> {
    Ok(Json(positions::types(&s.app).await?))
}

/// `GET /units/{id}/positions`: the lead trio, current positions and
/// earlier terms of a unit.
#[utoipa::path(get, path = "/units/{id}/positions", tag = "positions", params(("id" = i64, Path)), responses(
    (status = 200, body = UnitPositions), (status = 404, body = ErrorBody)))]
async fn unit_positions(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<UnitPositions>> {
    Ok(Json(positions::of_unit(&s.app, &c.actor, id).await?))
}

/// An appointment.
#[derive(Deserialize, ToSchema)]
struct AppointBody {
    /// Key of the position type (see `/position-types`).
    position_type: String,
    person_id: i64,
    /// First day, YYYY-MM-DD; today when empty.
    #[serde(default)]
    started_on: String,
}

/// `POST /units/{id}/positions`: appoint a person of the unit.
#[utoipa::path(post, path = "/units/{id}/positions", tag = "positions", params(("id" = i64, Path)), request_body = AppointBody, responses(
    (status = 201, body = Position), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn appoint(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<AppointBody>,
) -> WebResult<(StatusCode, Json<Position>)> {
    let p = positions::assign(
        &s.app,
        &c.actor,
        id,
        &b.position_type,
        b.person_id,
        &b.started_on,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// End of a term.
#[derive(Deserialize, ToSchema)]
struct EndBody {
    /// Last day, YYYY-MM-DD; today when empty.
    #[serde(default)]
    ended_on: String,
}

/// `POST /positions/{id}/end`.
#[utoipa::path(post, path = "/positions/{id}/end", tag = "positions", params(("id" = i64, Path)), request_body = EndBody, responses(
    (status = 200, body = Position), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn end_position(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<EndBody>,
) -> WebResult<Json<Position>> {
    Ok(Json(
        positions::end(&s.app, &c.actor, id, &b.ended_on).await?,
    ))
}

/// `GET /units/{id}/vacancies`: vacant lead positions of primary
/// committees in the unit's subtree.
#[utoipa::path(get, path = "/units/{id}/vacancies", tag = "positions", params(("id" = i64, Path), Limit), responses(
    (status = 200, body = Vec<Vacancy>), (status = 404, body = ErrorBody)))]
async fn vacancies(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Query(p): Query<Limit>,
) -> WebResult<Json<Vec<Vacancy>>> {
    Ok(Json(
        positions::vacancies(&s.app, &c.actor, id, p.limit.unwrap_or(100)).await?,
    ))
}
