//! The calendar feeds of meetings as pages (signed in with a session);
//! the feeds themselves are built in [`crate::ics`].

use axum::Router;
use axum::extract::Path;
use axum::response::Response;
use axum::routing::get;
use grassroots_core::UnitId;

use super::Page;
use crate::AppState;
use crate::error::WebResult;
use crate::ics::{base_url, person_feed, unit_feed};

/// The calendar feeds.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/units/{id}/meetings.ics", get(unit))
        .route("/people/{id}/meetings.ics", get(person))
}

/// `GET /units/{id}/meetings.ics`.
pub async fn unit(
    p: Page,
    headers: axum::http::HeaderMap,
    Path(id): Path<UnitId>,
) -> WebResult<Response> {
    let base = base_url(&p.state.app.config.public_url, &headers);
    unit_feed(&p.state, &p.tr, &p.auth.actor, id, &base).await
}

/// `GET /people/{id}/meetings.ics`.
pub async fn person(
    p: Page,
    headers: axum::http::HeaderMap,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let base = base_url(&p.state.app.config.public_url, &headers);
    person_feed(&p.state, &p.tr, &p.auth.actor, id, &base).await
}
