//! API of the member's home and the personal calendar subscription.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use grassroots_app::home::{MemberHome, member_home};
use grassroots_app::{AppError, meetings};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Caller;
use crate::AppState;
use crate::error::{ErrorBody, WebResult};
use crate::ics::base_url;

/// The home API's routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(home))
        .routes(routes!(create_feed, revoke_feed))
}

/// `GET /me/home`: the signed-in person's unit plans, meetings, decisions,
/// bulletins, commendations and welfare cases (404 when the account is
/// no person's, or for an API token).
#[utoipa::path(get, path = "/me/home", tag = "home", responses(
    (status = 200, body = MemberHome), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn home(
    State(s): State<AppState>,
    Caller(c): Caller,
) -> WebResult<Json<MemberHome>> {
    Ok(Json(
        member_home(&s.app, &c.actor)
            .await?
            .ok_or(AppError::NotFound)?,
    ))
}

/// A calendar subscription just made.
#[derive(Serialize, ToSchema)]
pub(super) struct Feed {
    /// The address for calendar apps, shown this once.
    url: String,
}

/// `POST /me/calendar-feed`: make (or replace) the personal calendar
/// subscription; the earlier address stops working.
#[utoipa::path(post, path = "/me/calendar-feed", tag = "home", responses(
    (status = 201, body = Feed), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn create_feed(
    State(s): State<AppState>,
    Caller(c): Caller,
    headers: HeaderMap,
) -> WebResult<(StatusCode, Json<Feed>)> {
    let secret = meetings::create_personal_feed(&s.app, &c.actor).await?;
    let base = base_url(&s.app.config.public_url, &headers);
    Ok((
        StatusCode::CREATED,
        Json(Feed {
            url: format!("{base}/calendar/{secret}.ics"),
        }),
    ))
}

/// `DELETE /me/calendar-feed`: end the personal calendar subscription.
#[utoipa::path(delete, path = "/me/calendar-feed", tag = "home", responses(
    (status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn revoke_feed(
    State(s): State<AppState>,
    Caller(c): Caller,
) -> WebResult<StatusCode> {
    meetings::revoke_personal_feed(&s.app, &c.actor).await?;
    Ok(StatusCode::NO_CONTENT)
}
