//! API of search: people, units, experiences and decisions by words in
//! Korean or English, each within what the caller may read.

use super::Query;
use axum::Json;
use axum::extract::State;
use grassroots_app::search::{self, Found};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Caller;
use crate::AppState;
use crate::error::{ErrorBody, WebResult};

/// The search API's routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(find))
}

/// What is searched for.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub(crate) struct SearchQuery {
    /// Words (at most 200 characters): Korean syllables, initial
    /// consonants (ㄱㅊ), or beginnings of words; every word must match.
    #[serde(default)]
    pub q: String,
}

/// `GET /search?q=`: people, units, experiences and decisions matching
/// the words, at most 20 of each.
#[utoipa::path(get, path = "/search", tag = "search", params(SearchQuery), responses(
    (status = 200, body = Found), (status = 422, body = ErrorBody)))]
pub(super) async fn find(
    State(s): State<AppState>,
    Caller(c): Caller,
    Query(q): Query<SearchQuery>,
) -> WebResult<Json<Found>> {
    Ok(Json(search::find(&s.app, &c.actor, &q.q).await?))
}
