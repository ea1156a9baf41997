//! API of bulletins: compose from a meeting or write freely, edit articles,
//! publish to the subtree, acknowledge receipt per unit, export.

use super::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use grassroots_app::bulletins::{self, ArticleInput, BulletinInput, BulletinView, UnitBulletins};
use grassroots_core::UnitId;
use grassroots_store::bulletins::Bulletin;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::meetings::{CreatedId, MoveInput};
use super::{Body, Caller, Lang};
use crate::AppState;
use crate::bulletin_text::{compose_from, markdown_export, markdown_response};
use crate::error::{ErrorBody, WebResult};
use crate::render::Dates;

/// The bulletins API's routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_bulletin, unit_bulletins))
        .routes(routes!(compose_bulletin))
        .routes(routes!(get_bulletin))
        .routes(routes!(export_bulletin))
        .routes(routes!(add_article))
        .routes(routes!(update_article, remove_article))
        .routes(routes!(move_article))
        .routes(routes!(publish))
        .routes(routes!(acknowledge))
}

/// Levels to publish to.
#[derive(Deserialize, ToSchema)]
pub(super) struct PublishInput {
    /// Level keys (default: every unit below).
    #[serde(default)]
    levels: Vec<String>,
}

/// How many units a bulletin was published to.
#[derive(Serialize, ToSchema)]
// Named apart from the type of the same name elsewhere in the API.
#[schema(as = BulletinPublished)]
pub(super) struct Published {
    addressed: u64,
}

/// The receiving unit.
#[derive(Deserialize, ToSchema)]
pub(super) struct AcknowledgeInput {
    /// A unit the bulletin was published to.
    unit_id: UnitId,
}

/// Whether this call recorded the receipt (false: it was already).
#[derive(Serialize, ToSchema)]
pub(super) struct Acknowledged {
    acknowledged: bool,
}

/// `POST /units/{id}/bulletins`: start a bulletin written freely.
#[utoipa::path(post, path = "/units/{id}/bulletins", tag = "bulletins", params(("id" = i64, Path)), request_body = BulletinInput, responses(
    (status = 201, body = Bulletin), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_bulletin(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<BulletinInput>,
) -> WebResult<(StatusCode, Json<Bulletin>)> {
    Ok((
        StatusCode::CREATED,
        Json(bulletins::create(&s.app, &c.actor, id, b).await?),
    ))
}

/// `GET /units/{id}/bulletins`: bulletins the unit received and its own.
#[utoipa::path(get, path = "/units/{id}/bulletins", tag = "bulletins", params(("id" = i64, Path)), responses(
    (status = 200, body = UnitBulletins), (status = 404, body = ErrorBody)))]
pub(super) async fn unit_bulletins(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<UnitBulletins>> {
    Ok(Json(bulletins::of_unit(&s.app, &c.actor, id).await?))
}

/// `POST /meetings/{id}/bulletin`: compose a draft bulletin from the
/// meeting's record, in the organization's default language and calendar
/// era.
#[utoipa::path(post, path = "/meetings/{id}/bulletin", tag = "bulletins", params(("id" = i64, Path)), responses(
    (status = 201, body = Bulletin), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn compose_bulletin(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<(StatusCode, Json<Bulletin>)> {
    Ok((
        StatusCode::CREATED,
        Json(compose_from(&s, &c.actor, id).await?),
    ))
}

/// `GET /bulletins/{id}`: a bulletin, its articles and receipts.
#[utoipa::path(get, path = "/bulletins/{id}", tag = "bulletins", params(("id" = i64, Path)), responses(
    (status = 200, body = BulletinView), (status = 404, body = ErrorBody)))]
pub(super) async fn get_bulletin(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<BulletinView>> {
    Ok(Json(bulletins::view(&s.app, &c.actor, id).await?))
}

/// `GET /bulletins/{id}/export`: the bulletin as Markdown, dated in the
/// calendar era.
#[utoipa::path(get, path = "/bulletins/{id}/export", tag = "bulletins", params(("id" = i64, Path)), responses(
    (status = 200, content_type = "text/markdown", body = String), (status = 404, body = ErrorBody)))]
pub(super) async fn export_bulletin(
    State(s): State<AppState>,
    Caller(c): Caller,
    Lang(tr): Lang,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let v = bulletins::view(&s.app, &c.actor, id).await?;
    let dates = Dates::with(&s, tr.clone()).await?;
    Ok(markdown_response(id, markdown_export(&tr, &dates, &v)))
}

/// `POST /bulletins/{id}/articles`: append an article to a draft.
#[utoipa::path(post, path = "/bulletins/{id}/articles", tag = "bulletins", params(("id" = i64, Path)), request_body = ArticleInput, responses(
    (status = 201, body = CreatedId), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn add_article(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<ArticleInput>,
) -> WebResult<(StatusCode, Json<CreatedId>)> {
    let id = bulletins::add_article(&s.app, &c.actor, id, b).await?;
    Ok((StatusCode::CREATED, Json(CreatedId::new(id))))
}

/// `PUT /bulletin-articles/{id}`: rewrite an article of a draft.
#[utoipa::path(put, path = "/bulletin-articles/{id}", tag = "bulletins", params(("id" = i64, Path)), request_body = ArticleInput, responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn update_article(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<ArticleInput>,
) -> WebResult<StatusCode> {
    bulletins::update_article(&s.app, &c.actor, id, b).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /bulletin-articles/{id}`: remove an article of a draft.
#[utoipa::path(delete, path = "/bulletin-articles/{id}", tag = "bulletins", params(("id" = i64, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn remove_article(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<StatusCode> {
    bulletins::remove_article(&s.app, &c.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /bulletin-articles/{id}/move`: move an article one place.
#[utoipa::path(post, path = "/bulletin-articles/{id}/move", tag = "bulletins", params(("id" = i64, Path)), request_body = MoveInput, responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn move_article(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<MoveInput>,
) -> WebResult<StatusCode> {
    bulletins::move_article(&s.app, &c.actor, id, b.up).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /bulletins/{id}/publish`: publish a draft to the units below.
#[utoipa::path(post, path = "/bulletins/{id}/publish", tag = "bulletins", params(("id" = i64, Path)), request_body = PublishInput, responses(
    (status = 200, body = Published), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn publish(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<PublishInput>,
) -> WebResult<Json<Published>> {
    Ok(Json(Published {
        addressed: bulletins::publish(&s.app, &c.actor, id, &b.levels).await?,
    }))
}

/// `POST /bulletins/{id}/acknowledge`: a receiving unit acknowledges receipt.
#[utoipa::path(post, path = "/bulletins/{id}/acknowledge", tag = "bulletins", params(("id" = i64, Path)), request_body = AcknowledgeInput, responses(
    (status = 200, body = Acknowledged), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn acknowledge(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<AcknowledgeInput>,
) -> WebResult<Json<Acknowledged>> {
    Ok(Json(Acknowledged {
        acknowledged: bulletins::acknowledge(&s.app, &c.actor, id, b.unit_id).await?,
    }))
}
