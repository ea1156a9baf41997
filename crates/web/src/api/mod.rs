//! The JSON API under `/api/v1`, described by an OpenAPI document served at
//! `/api/v1/openapi.json`. It offers everything the pages do. Clients
//! authenticate with an API token (`Authorization: Bearer grt_…`) or with
//! the session cookie (then unsafe methods need the `X-CSRF-Token` header).

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use grassroots_app::AppError;
use grassroots_app::auth::Authenticated;
use serde::Deserialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

pub(crate) mod accounts;
pub(crate) mod appeals;
pub(crate) mod audit;
pub(crate) mod bulletins;
pub(crate) mod commendations;
pub(crate) mod decisions;
pub(crate) mod experiences;
pub(crate) mod home;
pub(crate) mod meetings;
pub(crate) mod people;
pub(crate) mod plans;
pub(crate) mod positions;
pub(crate) mod safety;
pub(crate) mod search;
pub(crate) mod skills;
pub(crate) mod study;
pub(crate) mod supply;
pub(crate) mod transfers;
pub(crate) mod units;
pub(crate) mod welfare;

use crate::AppState;
use crate::error::{ErrorBody, WebError};
use crate::middleware::Auth;

#[derive(OpenApi)]
#[openapi(
    info(title = "grassroots API", description = "Units, accounts, roles, API tokens and the audit log of a grassroots organization."),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API routes (paths relative to `/api/v1`) of `features`, with
/// their documentation.
pub fn router(features: &[fn() -> OpenApiRouter<AppState>]) -> OpenApiRouter<AppState> {
    features.iter().fold(
        OpenApiRouter::with_openapi(ApiDoc::openapi()),
        |router, routes| router.merge(routes()),
    )
}

/// The OpenAPI document of `features`' routes, as served.
pub fn document(features: &[fn() -> OpenApiRouter<AppState>]) -> String {
    let mut doc = router(features).split_for_parts().1;
    document_common_errors(&mut doc);
    doc.to_pretty_json()
        .expect("the OpenAPI document serializes")
}

/// Adds to every operation the error answers that follow from its shape,
/// where its own declaration does not already name them: 401 for every
/// operation (all need a caller); 403 for every unsafe method (a session
/// without its CSRF token, or the policy); 404 where the path names a
/// record; 400 (malformed JSON), 413 (a body too large) and 422 (an
/// invalid field) where there is a request body. What depends on the
/// service (409, a 403 on a read) is declared with the operation; a test
/// checks every answer the API gives against the document.
fn document_common_errors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
    let error = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                )
                .build(),
        )
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let names_record = path.contains('{');
        for (op, unsafe_method) in [
            (&mut item.get, false),
            (&mut item.put, true),
            (&mut item.post, true),
            (&mut item.delete, true),
            (&mut item.patch, true),
        ] {
            let Some(op) = op.as_mut() else { continue };
            let has_body = op.request_body.is_some();
            // The anonymous intake reads no credentials at all.
            let mut codes = if path.starts_with("/voice") {
                Vec::new()
            } else {
                vec![(
                    "401",
                    "Not signed in, or the token is unknown, revoked or expired",
                )]
            };
            if unsafe_method {
                codes.push((
                    "403",
                    "Not allowed, or a signed-in browser's request without its CSRF token",
                ));
            }
            if names_record {
                codes.push(("404", "No such record within the caller's scope"));
            }
            let has_parameters = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            if has_body {
                codes.push((
                    "400",
                    "The body is not JSON of the expected shape, or a parameter is malformed",
                ));
            } else if has_parameters {
                codes.push((
                    "400",
                    "A parameter is malformed (not a number, out of range)",
                ));
                codes.push(("422", "A parameter is invalid; the answer names it"));
            }
            if has_body {
                codes.push(("413", "The body is too large"));
                codes.push(("422", "A field is invalid; the answer names it"));
            }
            for (code, description) in codes {
                op.responses
                    .responses
                    .entry(code.to_string())
                    .or_insert_with(|| error(description));
            }
        }
    }
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: the database answers.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match grassroots_app::setup::root_unit(&state.app).await {
        Ok(Some(_)) => (StatusCode::OK, "ready").into_response(),
        Ok(None) => (StatusCode::SERVICE_UNAVAILABLE, "not initialized").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}

/// An authenticated API caller.
pub struct Caller(pub Authenticated);

impl FromRequestParts<AppState> for Caller {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Auth>()
            .and_then(|a| a.0.clone())
            .map(Caller)
            .ok_or(WebError(AppError::Unauthorized))
    }
}

/// The translator of the request's language (see
/// [`crate::middleware::RequestCtx::locale`]), for text an API call
/// generates.
pub struct Lang(pub crate::i18n::Tr);

impl FromRequestParts<AppState> for Lang {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let locale = parts
            .extensions
            .get::<crate::middleware::RequestCtx>()
            .map_or_else(|| state.app.config.locale.clone(), |c| c.locale.clone());
        Ok(Lang(state.i18n.translator(&locale)))
    }
}

/// JSON body extractor whose rejection is our JSON error.
pub struct Body<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for Body<T> {
    type Rejection = WebError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(WebError(
                AppError::TooLarge("the request body is larger than the server accepts".into()),
            )),
            Err(e) => Err(WebError(AppError::BadRequest(e.body_text()))),
        }
    }
}

/// Path parameters whose rejection is our JSON error: a record id that
/// is not a number is a bad request, answered like any other.
pub struct Path<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|e| parameter_error(e.status(), e.body_text()))
    }
}

/// Query parameters whose rejection is our JSON error.
pub struct Query<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Query(v))
            .map_err(|e| parameter_error(e.status(), e.body_text()))
    }
}

/// A parameter the route could not read: the caller's error unless the
/// route itself is wrong.
fn parameter_error(status: StatusCode, text: String) -> WebError {
    if status.is_server_error() {
        WebError(AppError::Internal(text))
    } else {
        WebError(AppError::BadRequest(text))
    }
}

/// Paging.
#[derive(Debug, Deserialize, IntoParams)]
struct Paging {
    /// Maximum items (1–1000, default 100).
    limit: Option<i64>,
    /// Items to skip.
    offset: Option<i64>,
}

/// A maximum number of items.
#[derive(Debug, Deserialize, IntoParams)]
struct Limit {
    /// Maximum items (1–1000, default 100).
    limit: Option<i64>,
}
