//! One error type for the whole HTTP layer. It renders itself as JSON
//! `{"error", "message", "field"}`; for page routes a middleware turns it
//! into an HTML page that shows the request id found in the logs.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use grassroots_app::AppError;
use serde::Serialize;

/// Error of a handler.
#[derive(Debug)]
pub struct WebError(pub AppError);

/// A refused unsafe request (missing or wrong CSRF token, cross-site
/// origin).
pub fn csrf_refused() -> WebError {
    WebError(AppError::BadRequest("csrf".into()))
}

impl<E: Into<AppError>> From<E> for WebError {
    fn from(e: E) -> Self {
        WebError(e.into())
    }
}

/// Body of a JSON error.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Machine-readable code: `unauthorized`, `forbidden`, `not_found`,
    /// `invalid`, `conflict`, `throttled`, `bad_request`, `csrf`,
    /// `internal`.
    pub error: String,
    /// Explanation: in English, or in the language the caller asked for
    /// (their account's choice or `Accept-Language`).
    pub message: String,
    /// The field at fault, when there is one.
    pub field: Option<String>,
}

/// Attached to error responses so the page layer can render them and
/// the API can say them in the reader's language.
#[derive(Debug, Clone)]
pub struct RenderedError {
    /// The JSON body, in English.
    pub body: ErrorBody,
    /// For a refused value: its validation code and the service's
    /// English words about it.
    pub validation: Option<(&'static str, String)>,
}

impl WebError {
    /// HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        match &self.0 {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest(m) if m == "csrf" => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        let (error, message) = match &self.0 {
            AppError::BadRequest(m) if m == "csrf" => (
                "csrf".to_string(),
                "missing or invalid CSRF token, or a cross-site request".to_string(),
            ),
            // Internal details stay in the log.
            AppError::Internal(_) => ("internal".to_string(), "internal error".to_string()),
            other => (other.code().to_string(), other.to_string()),
        };
        ErrorBody {
            error,
            message,
            field: self.0.field().map(str::to_string),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = ?self.0, "request failed");
        }
        let body = self.body();
        let mut resp = (status, Json(body.clone())).into_response();
        if let AppError::Throttled { retry_after_secs } = &self.0
            && let Ok(v) = retry_after_secs.to_string().parse()
        {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        let validation = match &self.0 {
            AppError::Invalid(f) => Some((f.code, f.message.clone())),
            _ => None,
        };
        resp.extensions_mut()
            .insert(RenderedError { body, validation });
        resp
    }
}

/// Result of a handler.
pub type WebResult<T> = Result<T, WebError>;
