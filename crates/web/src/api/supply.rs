//! API of supply: the item catalogue, a unit's stock, ledger and
//! requests, receipts, distributions, and the steps of a request.

use super::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use grassroots_app::supply::{
    self, ItemInput, MovementInput, RequestInput, RequestStep, UnitSupply,
};
use grassroots_core::UnitId;
use grassroots_store::supply::{Item, Request, StockLine};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, Caller};
use crate::AppState;
use crate::error::{ErrorBody, WebResult};

/// The supply API's routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(items, create_item))
        .routes(routes!(of_unit))
        .routes(routes!(receive))
        .routes(routes!(distribute))
        .routes(routes!(request))
        .routes(routes!(step))
}

/// `GET /supply/items`: the item catalogue.
#[utoipa::path(get, path = "/supply/items", tag = "supply", responses(
    (status = 200, body = Vec<Item>), (status = 401, body = ErrorBody)))]
pub(super) async fn items(
    State(s): State<AppState>,
    Caller(_caller): Caller,
) -> WebResult<Json<Vec<Item>>> {
    Ok(Json(supply::items(&s.app).await?))
}

/// `POST /supply/items`: add an item (administrators of the whole
/// organization).
#[utoipa::path(post, path = "/supply/items", tag = "supply", request_body = ItemInput, responses(
    (status = 201, body = Item), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_item(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<ItemInput>,
) -> WebResult<(StatusCode, Json<Item>)> {
    Ok((
        StatusCode::CREATED,
        Json(supply::create_item(&s.app, &c.actor, &b).await?),
    ))
}

/// `GET /units/{id}/supply`: stock, requests both ways, the subtree's
/// counts, and (for those who edit the unit) the ledger.
#[utoipa::path(get, operation_id = "supply_of_unit", path = "/units/{id}/supply", tag = "supply", params(("id" = i64, Path)), responses(
    (status = 200, body = UnitSupply), (status = 404, body = ErrorBody)))]
pub(super) async fn of_unit(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<UnitSupply>> {
    Ok(Json(supply::of_unit(&s.app, &c.actor, id).await?))
}

/// `POST /units/{id}/supply/receipts`: supply arrived.
#[utoipa::path(post, path = "/units/{id}/supply/receipts", tag = "supply", params(("id" = i64, Path)), request_body = MovementInput, responses(
    (status = 201, body = StockLine), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn receive(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<MovementInput>,
) -> WebResult<(StatusCode, Json<StockLine>)> {
    Ok((
        StatusCode::CREATED,
        Json(supply::receive(&s.app, &c.actor, id, &b).await?),
    ))
}

/// `POST /units/{id}/supply/distributions`: hand out to a person of the
/// subtree or a household; more than the stock holds is refused.
#[utoipa::path(post, path = "/units/{id}/supply/distributions", tag = "supply", params(("id" = i64, Path)), request_body = MovementInput, responses(
    (status = 201, body = StockLine), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn distribute(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<MovementInput>,
) -> WebResult<(StatusCode, Json<StockLine>)> {
    Ok((
        StatusCode::CREATED,
        Json(supply::distribute(&s.app, &c.actor, id, &b).await?),
    ))
}

/// `POST /units/{id}/supply/requests`: ask the unit above.
#[utoipa::path(post, path = "/units/{id}/supply/requests", tag = "supply", params(("id" = i64, Path)), request_body = RequestInput, responses(
    (status = 201, body = Request), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn request(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<RequestInput>,
) -> WebResult<(StatusCode, Json<Request>)> {
    Ok((
        StatusCode::CREATED,
        Json(supply::request(&s.app, &c.actor, id, &b).await?),
    ))
}

/// One step of a request.
#[derive(Deserialize, ToSchema)]
pub(super) struct StepInput {
    /// `approve`, `refuse` (the asked unit's secretaries), `ship` (the
    /// asked unit), `receive` (the requester).
    step: RequestStep,
    /// A note (why refused, what changed).
    #[serde(default)]
    note: String,
}

/// `POST /supply/requests/{id}/steps`: move a request on.
#[utoipa::path(post, path = "/supply/requests/{id}/steps", tag = "supply", params(("id" = i64, Path)), request_body = StepInput, responses(
    (status = 200, body = Request), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn step(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<StepInput>,
) -> WebResult<Json<Request>> {
    Ok(Json(
        supply::step(&s.app, &c.actor, id, b.step, &b.note).await?,
    ))
}
