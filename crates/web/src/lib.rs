//! HTTP layer of grassroots: server-rendered pages (askama + htmx), the
//! JSON API under `/api/v1` with its OpenAPI document, and the middleware
//! every request passes through.

pub mod api;
pub mod assets;
pub mod bulletin_text;
pub mod error;
pub mod i18n;
pub mod ics;
pub mod markdown;
pub mod middleware;
pub mod pages;
mod registry;
pub mod render;

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::http::{HeaderName, Request};
use axum::routing::get;
use grassroots_app::App;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::i18n::I18n;

/// State shared by every handler.
#[derive(Clone)]
pub struct AppState {
    /// The application services' state.
    pub app: App,
    /// Translation catalogues.
    pub i18n: Arc<I18n>,
    /// The unit page's sections, top to bottom.
    pub(crate) unit_sections: &'static [pages::sections::UnitSection],
}

/// The OpenAPI document of every feature's API, as served.
pub fn openapi_document() -> &'static str {
    static DOCUMENT: LazyLock<String> = LazyLock::new(|| api::document(registry::API_ROUTES));
    &DOCUMENT
}

/// `GET /api/v1/openapi.json`.
async fn openapi_json() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi_document(),
    )
        .into_response()
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Builds the whole router.
pub fn router(app: App) -> Result<Router, String> {
    let i18n = Arc::new(I18n::load(&app.config.locale).or_else(|_| I18n::load("en"))?);
    let state = AppState {
        app,
        i18n,
        unit_sections: registry::UNIT_SECTIONS,
    };
    let pages = pages::routes(registry::PAGE_ROUTES).layer(axum::middleware::from_fn_with_state(
        state.clone(),
        middleware::html_pages,
    ));
    let (api, _) = api::router(registry::API_ROUTES).split_for_parts();
    let router = Router::new()
        .merge(pages)
        .nest("/api/v1", api)
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .route("/static/{name}", get(assets::serve))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::authenticate,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::localize,
        ))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get(&REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
            }),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state);
    Ok(router)
}

/// Serves the router on `listener` until ctrl-c / SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
