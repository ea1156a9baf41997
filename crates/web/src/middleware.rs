//! Request pipeline: security headers, authentication (session cookie or
//! API token), CSRF protection for every unsafe method, flash messages and
//! HTML rendering of errors on page routes.

use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use cookie::{Cookie, SameSite};
use grassroots_app::auth::{self, Authenticated};
use tower_http::request_id::RequestId;

use crate::AppState;
use crate::error::{RenderedError, WebError, csrf_refused};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "gr_session";
/// Name of the pre-login CSRF cookie (double submit on the login form).
pub const LOGIN_CSRF_COOKIE: &str = "gr_login_csrf";
/// Name of the flash-message cookie.
pub const FLASH_COOKIE: &str = "gr_flash";
/// Form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "_csrf";
/// Header carrying the CSRF token (htmx and scripts).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Facts about the request every handler may need.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    /// Request id (also in the logs and the `x-request-id` header).
    pub request_id: String,
    /// Client address.
    pub ip: String,
    /// Client user agent.
    pub user_agent: String,
    /// The flash message key carried by the cookie, if any.
    pub flash: Option<String>,
    /// Value of the pre-login CSRF cookie, if any.
    pub login_csrf: Option<String>,
    /// Value of the session cookie, if any.
    pub session_token: Option<String>,
    /// The browser's `Sec-Fetch-Site` header, if sent.
    pub fetch_site: Option<String>,
    /// The language of the response: the account's choice, else the
    /// browser's, else the organization's default.
    pub locale: String,
}

/// The request's language before the account is known: the first of the
/// browser's `Accept-Language` that is shipped, else the organization's
/// default.
#[derive(Debug, Clone)]
pub struct BaseLocale(pub String);

/// The language the account chose, attached to its responses.
#[derive(Debug, Clone)]
pub struct ChosenLocale(pub String);

/// Chooses the language of every response (see [`RequestCtx::locale`]):
/// pages render in it, API error messages are said in it (their codes
/// stay), and `Content-Language` names it.
pub async fn localize(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.starts_with("/static/") || path == "/healthz" || path == "/readyz" {
        return next.run(req).await;
    }
    let is_api = path.starts_with("/api/");
    let browser = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::i18n::negotiate);
    let base = match browser {
        Some(l) => l.to_string(),
        None => grassroots_app::profiles::default_locale(&state.app)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = ?e, "the organization's language could not be read");
                state.app.config.locale.clone()
            }),
    };
    req.extensions_mut().insert(BaseLocale(base.clone()));
    let mut resp = next.run(req).await;
    let chosen = resp.extensions().get::<ChosenLocale>().map(|c| c.0.clone());
    // API errors are said in another language only when the caller asked
    // for it (their account, or their request's header): a script that
    // asks for nothing keeps the service's English words.
    let asked = chosen.is_some() || browser.is_some();
    let tr = state.i18n.translator(&chosen.unwrap_or(base));
    if is_api
        && asked
        && tr.locale() != "en"
        && let Some(error) = resp.extensions().get::<RenderedError>().cloned()
    {
        let body = crate::error::ErrorBody {
            message: crate::render::error_message(&tr, &error),
            ..error.body.clone()
        };
        let (mut parts, _) = resp.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        let json = serde_json::to_vec(&body).unwrap_or_default();
        resp = Response::from_parts(parts, Body::from(json));
    }
    if let Ok(v) = HeaderValue::from_str(tr.locale()) {
        resp.headers_mut().insert(header::CONTENT_LANGUAGE, v);
    }
    resp
}

fn base_locale(state: &AppState, parts: &axum::http::request::Parts) -> String {
    parts
        .extensions
        .get::<BaseLocale>()
        .map_or_else(|| state.app.config.locale.clone(), |b| b.0.clone())
}

/// The identity of the request, if any.
#[derive(Debug, Clone)]
pub struct Auth(pub Option<Authenticated>);

/// Sets the security headers on every response, in one place.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if !is_static && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

fn cookies(headers: &HeaderMap) -> Vec<Cookie<'static>> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|s| {
            Cookie::split_parse(s.to_string())
                .filter_map(Result::ok)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn cookie_value(all: &[Cookie<'static>], name: &str) -> Option<String> {
    all.iter()
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

fn is_unsafe(m: &Method) -> bool {
    !matches!(
        *m,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The origin requests must come from: the configured public URL, else
/// the scheme-less host the request was sent to.
fn origin_ok(state: &AppState, headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && site != "same-origin"
        && site != "none"
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Non-browser clients send no Origin; the token check still applies.
        return true;
    };
    if origin == "null" {
        return false;
    }
    let public = state.app.config.public_url.trim_end_matches('/');
    if !public.is_empty() {
        return origin == public;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest == host)
}

/// Resolves the identity of the request and enforces CSRF protection:
/// every unsafe request must come from our own origin, and one made with
/// the session cookie must carry the session's synchronizer token (form
/// field `_csrf` or header `X-CSRF-Token`). Requests authenticated by an
/// API token carry no ambient authority and need no CSRF token.
pub async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    if is_anonymous_path(parts.uri.path()) {
        return anonymous(state, parts, body, next).await;
    }
    let is_api = parts.uri.path().starts_with("/api/");
    let request_id = parts
        .extensions
        .get::<RequestId>()
        .and_then(|r| r.header_value().to_str().ok())
        .unwrap_or("-")
        .to_string();
    let ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let jar = cookies(&parts.headers);
    let mut ctx = RequestCtx {
        request_id: request_id.clone(),
        ip,
        user_agent,
        flash: cookie_value(&jar, FLASH_COOKIE),
        login_csrf: cookie_value(&jar, LOGIN_CSRF_COOKIE),
        session_token: cookie_value(&jar, SESSION_COOKIE),
        fetch_site: parts
            .headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        locale: base_locale(&state, &parts),
    };

    // The scheme is case-insensitive (RFC 9110, 11.1): `bearer` too.
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim_start().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, secret)| secret.trim().to_string());
    let mut stale_session_cookie = false;
    let auth = if let Some(secret) = bearer {
        match auth::api_token(&state.app, &secret, &request_id).await {
            Ok(Some(a)) => Some(a),
            Ok(None) => return WebError(grassroots_app::AppError::Unauthorized).into_response(),
            Err(e) => return WebError(e).into_response(),
        }
    } else if let Some(token) = &ctx.session_token {
        match auth::session(&state.app, token, &request_id).await {
            Ok(found) => {
                stale_session_cookie = found.is_none();
                found
            }
            Err(e) => return WebError(e).into_response(),
        }
    } else {
        None
    };

    let chosen_locale = auth.as_ref().and_then(|a| a.locale.clone());
    if let Some(l) = &chosen_locale {
        ctx.locale = l.clone();
    }
    // Every response from here on is in the account's language.
    let chosen = |mut resp: Response| {
        if let Some(l) = &chosen_locale {
            resp.extensions_mut().insert(ChosenLocale(l.clone()));
        }
        resp
    };

    let mut body = body;
    if is_unsafe(&parts.method) {
        // An API call with neither credentials nor any cookie is simply
        // not signed in: no browser session could be forged with it.
        if is_api && auth.is_none() && !parts.headers.contains_key(header::COOKIE) {
            return chosen(WebError(grassroots_app::AppError::Unauthorized).into_response());
        }
        if !origin_ok(&state, &parts.headers) {
            return chosen(refuse(&state, is_api, &request_id, &ctx.locale));
        }
        let expected = match &auth {
            Some(Authenticated { session: None, .. }) => None, // API token
            Some(Authenticated {
                session: Some(s), ..
            }) => Some(s.csrf_token.clone()),
            None => Some(ctx.login_csrf.clone().unwrap_or_default()),
        };
        if let Some(expected) = expected {
            let header_token = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let presented = match header_token {
                Some(t) => Some(t),
                None => {
                    let is_form = parts
                        .headers
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
                    let multipart_boundary = parts
                        .headers
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .filter(|v| v.starts_with("multipart/form-data"))
                        .and_then(|v| multer::parse_boundary(v).ok());
                    let may_upload = matches!(
                        auth,
                        Some(Authenticated {
                            session: Some(_),
                            ..
                        })
                    ) && parts.uri.path().ends_with("/import");
                    if multipart_boundary.is_some() && !may_upload {
                        // Only signed-in uploads of import files are read.
                        tracing::warn!(request_id, path = %parts.uri.path(), "multipart refused");
                        return chosen(refuse(&state, is_api, &request_id, &ctx.locale));
                    }
                    if let Some(boundary) = multipart_boundary {
                        // Uploads carry the token as a form field too.
                        let Ok(bytes) = to_bytes(body, MAX_UPLOAD_BYTES).await else {
                            return chosen(WebError(upload_too_large()).into_response());
                        };
                        let token = multipart_field(bytes.clone(), boundary, CSRF_FIELD).await;
                        body = Body::from(bytes);
                        token
                    } else if is_form {
                        let Ok(bytes) = to_bytes(body, 256 * 1024).await else {
                            return chosen(
                                WebError(grassroots_app::AppError::BadRequest(
                                    "the form is too large".into(),
                                ))
                                .into_response(),
                            );
                        };
                        let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                            .ok()
                            .and_then(|pairs| {
                                pairs
                                    .into_iter()
                                    .find(|(k, _)| k == CSRF_FIELD)
                                    .map(|(_, v)| v)
                            });
                        body = Body::from(bytes);
                        token
                    } else {
                        None
                    }
                }
            };
            let ok =
                !expected.is_empty() && presented.is_some_and(|p| constant_time_eq(&p, &expected));
            if !ok {
                tracing::warn!(request_id, path = %parts.uri.path(), "CSRF check failed");
                return chosen(refuse(&state, is_api, &request_id, &ctx.locale));
            }
        }
    }

    parts.extensions.insert(ctx.clone());
    parts.extensions.insert(Auth(auth));
    let mut resp = chosen(next.run(Request::from_parts(parts, body)).await);
    if stale_session_cookie {
        resp.headers_mut().append(
            header::SET_COOKIE,
            clear_cookie(SESSION_COOKIE).parse().expect("valid cookie"),
        );
    }
    resp
}

/// Whether a path belongs to the anonymous intake of appeals and the
/// receipt follow-up (`/voice…`, `/api/v1/voice…`).
pub fn is_anonymous_path(path: &str) -> bool {
    let p = path.strip_prefix("/api/v1").unwrap_or(path);
    p == "/voice" || p.starts_with("/voice/")
}

/// The anonymous intake: no cookie, token, address or user agent is read
/// or handed on, so nothing the handlers do can keep them; of the
/// browser's languages only the shipped one chosen (`en`, `ko`) goes on,
/// to render the page. Unsafe
/// requests must still come from this site (Origin / `Sec-Fetch-Site`),
/// so another site cannot file in a visitor's browser; there is no
/// session whose token they could carry.
async fn anonymous(
    state: AppState,
    mut parts: axum::http::request::Parts,
    body: Body,
    next: Next,
) -> Response {
    let is_api = parts.uri.path().starts_with("/api/");
    let request_id = parts
        .extensions
        .get::<RequestId>()
        .and_then(|r| r.header_value().to_str().ok())
        .unwrap_or("-")
        .to_string();
    let locale = base_locale(&state, &parts);
    if is_unsafe(&parts.method) && !origin_ok(&state, &parts.headers) {
        return refuse(&state, is_api, &request_id, &locale);
    }
    parts.extensions.remove::<ConnectInfo<SocketAddr>>();
    let ctx = RequestCtx {
        request_id,
        ip: String::new(),
        user_agent: String::new(),
        flash: None,
        login_csrf: None,
        session_token: None,
        fetch_site: parts
            .headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        locale,
    };
    for h in [
        header::COOKIE,
        header::AUTHORIZATION,
        header::USER_AGENT,
        header::ACCEPT_LANGUAGE,
    ] {
        parts.headers.remove(h);
    }
    parts.extensions.insert(ctx);
    parts.extensions.insert(Auth(None));
    // Responses are `no-store` (security headers), so a receipt shown
    // once is not kept by the browser either.
    next.run(Request::from_parts(parts, body)).await
}

/// The largest upload accepted (import files): about 590,000 people as
/// CSV. Reading, checking and writing one keeps the server under 300 MB
/// (measured with scripts/bench-upload-memory.sh); larger files go through
/// `grassroots import`, which reads from disk.
pub const MAX_UPLOAD_BYTES: usize = 32 << 20;

/// The refusal of an upload past [`MAX_UPLOAD_BYTES`], naming the limit.
pub fn upload_too_large() -> grassroots_app::AppError {
    grassroots_app::AppError::TooLarge(format!(
        "the file is larger than {} MiB, the most an upload may hold; split it, or import it on the server with `grassroots import`",
        MAX_UPLOAD_BYTES >> 20
    ))
}

/// The text of field `name` of a multipart body, if present.
async fn multipart_field(bytes: axum::body::Bytes, boundary: String, name: &str) -> Option<String> {
    let stream =
        futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(bytes) });
    let mut form = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

/// A CSRF refusal: JSON for the API, an HTML page in `locale` for pages.
fn refuse(state: &AppState, is_api: bool, request_id: &str, locale: &str) -> Response {
    let err = csrf_refused();
    if is_api {
        err.into_response()
    } else {
        let rendered = RenderedError {
            body: err.body(),
            validation: None,
        };
        crate::render::error_page(state, err.status(), &rendered, request_id, locale)
    }
}

/// For page routes: renders error responses as HTML pages (and sends an
/// anonymous visitor to the login page), and clears a shown flash message.
pub async fn html_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let had_flash = req
        .extensions()
        .get::<RequestCtx>()
        .is_some_and(|c| c.flash.is_some());
    let ctx = req.extensions().get::<RequestCtx>().cloned();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_else(|| "/".into());
    let is_get = req.method() == Method::GET;
    let mut resp = next.run(req).await;
    if let Some(error) = resp.extensions().get::<RenderedError>().cloned() {
        let status = resp.status();
        if status == StatusCode::UNAUTHORIZED {
            let next_param = if is_get {
                format!("?next={}", url_encode(&path))
            } else {
                String::new()
            };
            return Redirect::to(&format!("/login{next_param}")).into_response();
        }
        let (request_id, locale) = ctx.map_or_else(
            || (String::new(), state.app.config.locale.clone()),
            |c| (c.request_id, c.locale),
        );
        return crate::render::error_page(&state, status, &error, &request_id, &locale);
    }
    if had_flash && resp.status().is_success() {
        resp.headers_mut().append(
            header::SET_COOKIE,
            clear_cookie(FLASH_COOKIE).parse().expect("valid cookie"),
        );
    }
    resp
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A `Set-Cookie` value that removes `name`.
pub fn clear_cookie(name: &str) -> String {
    Cookie::build((name.to_string(), ""))
        .path("/")
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

/// A `Set-Cookie` value for an HttpOnly cookie of this site.
pub fn set_cookie(name: &str, value: &str, secure: bool, same_site: SameSite) -> String {
    Cookie::build((name.to_string(), value.to_string()))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(same_site)
        .build()
        .to_string()
}

/// Redirects (303) to `to` with a flash message `key` for the next page.
pub fn redirect_with_flash(state: &AppState, to: &str, key: &str) -> Response {
    let mut resp = Redirect::to(to).into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            FLASH_COOKIE,
            key,
            state.app.config.secure_cookies(),
            SameSite::Lax,
        )
        .parse()
        .expect("valid cookie"),
    );
    resp
}
