//! The search page: one box for people, units, experiences and decisions,
//! each listed within what the reader may read.

use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use grassroots_app::search::{self, Found};

use super::{FormError, Layout, Page, render};
use crate::AppState;
use crate::api::search::SearchQuery;
use crate::error::WebResult;

/// The search page.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/search", get(page))
}

#[derive(Template)]
#[template(path = "search/search.html")]
struct SearchPage {
    l: Layout,
    q: String,
    found: Found,
    err: Option<FormError>,
    dates: super::Dates,
}

/// `GET /search?q=`.
pub async fn page(p: Page, Query(q): Query<SearchQuery>) -> WebResult<Response> {
    let (status, found, err) = match search::find(&p.state.app, &p.auth.actor, &q.q).await {
        Ok(found) => (StatusCode::OK, found, None),
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Found::default(),
            Some(FormError::from_app(&p.tr, e)?),
        ),
    };
    let l = p.layout(p.tr.t("search-title"), Vec::new());
    Ok(render(
        status,
        &SearchPage {
            l,
            q: q.q,
            found,
            err,
            dates: p.dates().await?,
        },
    ))
}
