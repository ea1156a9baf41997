//! API of transfers: a person moving from one unit to another, issued by
//! the sending unit and acknowledged by the receiving one.

use super::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use grassroots_core::UnitId;
use grassroots_store::transfers::Transfer;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, Caller};
use crate::AppState;
use crate::error::{ErrorBody, WebResult};

/// The transfers API's routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(person_transfers, issue_transfer))
        .routes(routes!(unit_transfers))
        .routes(routes!(acknowledge_transfer))
        .routes(routes!(cancel_transfer))
}

/// `GET /people/{id}/transfers`: a person's transfers seen from the
/// caller's units.
#[utoipa::path(get, path = "/people/{id}/transfers", tag = "transfers", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<Transfer>), (status = 404, body = ErrorBody)))]
async fn person_transfers(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<Vec<Transfer>>> {
    Ok(Json(
        grassroots_app::transfers::of_person(&s.app, &c.actor, id).await?,
    ))
}

/// A transfer request.
#[derive(Deserialize, ToSchema)]
struct TransferBody {
    /// The receiving unit.
    to_unit_id: UnitId,
}

/// `POST /people/{id}/transfers`: the sending unit issues a transfer.
#[utoipa::path(post, path = "/people/{id}/transfers", tag = "transfers", params(("id" = i64, Path)), request_body = TransferBody, responses(
    (status = 201, body = Transfer), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn issue_transfer(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<TransferBody>,
) -> WebResult<(StatusCode, Json<Transfer>)> {
    let t = grassroots_app::transfers::issue(&s.app, &c.actor, id, b.to_unit_id).await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// `GET /units/{id}/transfers`: pending transfers into and out of a unit.
#[utoipa::path(get, path = "/units/{id}/transfers", tag = "transfers", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<Transfer>), (status = 404, body = ErrorBody)))]
async fn unit_transfers(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<Vec<Transfer>>> {
    Ok(Json(
        grassroots_app::transfers::pending(&s.app, &c.actor, id).await?,
    ))
}

/// `POST /transfers/{id}/acknowledge`: the receiving unit takes the person.
#[utoipa::path(post, path = "/transfers/{id}/acknowledge", tag = "transfers", params(("id" = i64, Path)), responses(
    (status = 200, body = Transfer), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn acknowledge_transfer(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<Transfer>> {
    Ok(Json(
        grassroots_app::transfers::acknowledge(&s.app, &c.actor, id).await?,
    ))
}

/// `POST /transfers/{id}/cancel`: the sending unit withdraws a transfer.
#[utoipa::path(post, path = "/transfers/{id}/cancel", tag = "transfers", params(("id" = i64, Path)), responses(
    (status = 200, body = Transfer), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn cancel_transfer(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<Transfer>> {
    Ok(Json(
        grassroots_app::transfers::cancel(&s.app, &c.actor, id).await?,
    ))
}
