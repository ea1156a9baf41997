//! Login and logout pages.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cookie::SameSite;
use grassroots_app::{AppError, auth, passwords};
use serde::Deserialize;

use super::{Layout, Page, PublicPage, render};
use crate::AppState;
use crate::error::WebResult;
use crate::middleware::{
    LOGIN_CSRF_COOKIE, SESSION_COOKIE, clear_cookie, redirect_with_flash, set_cookie,
};

/// The sign-in pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/units/4?x=1")), "/units/4?x=1");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "https://evil.example",
            "/ /x",
            "/\n/x",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    l: Layout,
    login_csrf: String,
    next: String,
    username: String,
    error: Option<String>,
}

/// Query of the login page.
#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Only local paths are followed after login (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n
                    .chars()
                    .any(|c| c == '\\' || c.is_control() || c.is_whitespace()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

fn login_page(
    p: &PublicPage,
    status: StatusCode,
    next: String,
    username: String,
    error: Option<String>,
) -> Response {
    // Reuse the visitor's pre-login token if present, so two open tabs work.
    let token = p
        .ctx
        .login_csrf
        .clone()
        .unwrap_or_else(passwords::random_token);
    let page = LoginPage {
        l: p.layout(p.tr.t("login-title")),
        login_csrf: token.clone(),
        next,
        username,
        error,
    };
    let mut resp = render(status, &page);
    if p.ctx.login_csrf.is_none() {
        let c = set_cookie(
            LOGIN_CSRF_COOKIE,
            &token,
            p.state.app.config.secure_cookies(),
            SameSite::Strict,
        );
        resp.headers_mut()
            .append(header::SET_COOKIE, c.parse().expect("valid cookie"));
    }
    resp
}

/// `GET /login`.
pub async fn login_form(p: PublicPage, Query(q): Query<LoginQuery>) -> Response {
    if p.auth.as_ref().is_some_and(|a| a.session.is_some()) {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    let next = safe_next(q.next.as_deref());
    login_page(&p, StatusCode::OK, next, String::new(), None)
}

/// Login form.
#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// `POST /login`.
pub async fn login(p: PublicPage, Form(f): Form<LoginForm>) -> WebResult<Response> {
    let next = safe_next(f.next.as_deref());
    match auth::login(
        &p.state.app,
        &f.username,
        &f.password,
        &p.ctx.ip,
        &p.ctx.user_agent,
        &p.ctx.request_id,
    )
    .await
    {
        Ok(new) => {
            // Rotate: the session the browser had before (if any) ends now.
            if let Some(a) = &p.auth
                && let Some(s) = &a.session
            {
                auth::logout(&p.state.app, &a.actor, &s.id).await?;
            }
            let mut resp = Redirect::to(&next).into_response();
            let secure = p.state.app.config.secure_cookies();
            let h = resp.headers_mut();
            h.append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &new.token, secure, SameSite::Lax)
                    .parse()
                    .expect("valid cookie"),
            );
            h.append(
                header::SET_COOKIE,
                clear_cookie(LOGIN_CSRF_COOKIE)
                    .parse()
                    .expect("valid cookie"),
            );
            Ok(resp)
        }
        Err(AppError::Unauthorized) => Ok(login_page(
            &p,
            StatusCode::UNAUTHORIZED,
            next,
            f.username,
            Some(p.tr.t("login-failed")),
        )),
        Err(AppError::Throttled { retry_after_secs }) => {
            let msg =
                p.tr.tn("login-throttled", "minutes", (retry_after_secs + 59) / 60);
            Ok(login_page(
                &p,
                StatusCode::TOO_MANY_REQUESTS,
                next,
                f.username,
                Some(msg),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /logout`.
pub async fn logout(p: Page) -> WebResult<Response> {
    if let Some(s) = &p.auth.session {
        auth::logout(&p.state.app, &p.auth.actor, &s.id).await?;
    }
    let mut resp = redirect_with_flash(&p.state, "/login", "flash-logged-out");
    resp.headers_mut().append(
        header::SET_COOKIE,
        clear_cookie(SESSION_COOKIE).parse().expect("valid cookie"),
    );
    Ok(resp)
}
