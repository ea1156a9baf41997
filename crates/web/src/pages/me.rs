//! The signed-in person's own record: account, roles, who opened the
//! record, sessions, password and API tokens.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use grassroots_app::accounts::{self, OwnRecord};
use grassroots_app::{auth, tokens};
use grassroots_core::{Assignment, Role, ScopeKind};
use grassroots_store::sessions::Session;
use grassroots_store::tokens::ApiToken;
use serde::Deserialize;

use super::{FormError, Layout, Page, render};
use crate::AppState;
use crate::error::WebResult;
use crate::middleware::{SESSION_COOKIE, clear_cookie, redirect_with_flash};

/// The signed-in user's own pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/me", get(show))
        .route("/me/password", post(change_password))
        .route("/me/locale", post(set_locale))
        .route("/me/logout-everywhere", post(logout_everywhere))
        .route("/me/tokens", post(create_token))
        .route("/me/tokens/{id}/revoke", post(revoke_token))
}

#[derive(Template)]
#[template(path = "me/me.html")]
struct MePage {
    l: Layout,
    rec: OwnRecord,
    sessions: Vec<Session>,
    current_session: String,
    tokens: Vec<ApiToken>,
    grants: Vec<(String, String)>,
    new_token: Option<String>,
    err: Option<FormError>,
    /// Languages offered: (key, name in itself); the empty key is "as
    /// the browser asks".
    locales: Vec<(String, String)>,
    chosen_locale: String,
}

async fn me_page(
    p: &Page,
    status: StatusCode,
    new_token: Option<String>,
    err: Option<FormError>,
) -> WebResult<Response> {
    let app = &p.state.app;
    let actor = &p.auth.actor;
    let rec = accounts::own(app, actor).await?;
    let sessions = auth::own_sessions(app, actor).await?;
    let account_id = rec.account.id;
    let tokens = tokens::list(app, actor, account_id).await?;
    let grants = rec
        .roles
        .iter()
        .map(|r| {
            (
                format!("{}:{}:{}", r.role, r.unit_id, r.scope),
                format!(
                    "{} · {} ({})",
                    p.tr.role(&r.role),
                    r.unit_name,
                    p.tr.scope(&r.scope)
                ),
            )
        })
        .collect();
    let current_session = p
        .auth
        .session
        .as_ref()
        .map(|s| s.id.clone())
        .unwrap_or_default();
    let l = p.layout(p.tr.t("me-title"), Vec::new());
    let chosen_locale = rec.account.locale.clone().unwrap_or_default();
    Ok(render(
        status,
        &MePage {
            l,
            rec,
            sessions,
            current_session,
            tokens,
            grants,
            new_token,
            err,
            locales: super::locale_options(&p.tr.t("me-language-browser")),
            chosen_locale,
        },
    ))
}

/// `GET /me`.
pub async fn show(p: Page) -> WebResult<Response> {
    me_page(&p, StatusCode::OK, None, None).await
}

/// `POST /me/locale`: the account's own interface language.
pub async fn set_locale(p: Page, Form(f): Form<super::LocaleForm>) -> WebResult<Response> {
    match accounts::set_own_locale(&p.state.app, &p.auth.actor, f.locale()).await {
        Ok(_) => Ok(redirect_with_flash(&p.state, "/me", "flash-language-saved")),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            me_page(&p, StatusCode::UNPROCESSABLE_ENTITY, None, Some(err)).await
        }
    }
}

/// Password change form.
#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

/// `POST /me/password`.
pub async fn change_password(p: Page, Form(f): Form<PasswordForm>) -> WebResult<Response> {
    let keep = p.auth.session.as_ref().map(|s| s.id.clone());
    match auth::change_password(
        &p.state.app,
        &p.auth.actor,
        &f.current_password,
        &f.new_password,
        keep.as_deref(),
    )
    .await
    {
        Ok(()) => Ok(redirect_with_flash(
            &p.state,
            "/me",
            "flash-password-changed",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            me_page(&p, StatusCode::UNPROCESSABLE_ENTITY, None, Some(err)).await
        }
    }
}

/// `POST /me/logout-everywhere`.
pub async fn logout_everywhere(p: Page) -> WebResult<Response> {
    auth::logout_everywhere(&p.state.app, &p.auth.actor).await?;
    let mut resp = redirect_with_flash(&p.state, "/login", "flash-logged-out");
    resp.headers_mut().append(
        header::SET_COOKIE,
        clear_cookie(SESSION_COOKIE).parse().expect("valid cookie"),
    );
    Ok(resp)
}

/// Token creation form.
#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
    grant: String,
    expires_in_days: Option<String>,
}

fn parse_grant(s: &str) -> Option<Assignment> {
    let mut it = s.split(':');
    let role = Role::parse(it.next()?)?;
    let unit_id = it.next()?.parse().ok()?;
    let scope = ScopeKind::parse(it.next()?)?;
    Some(Assignment {
        role,
        unit_id,
        scope,
    })
}

/// `POST /me/tokens`.
pub async fn create_token(p: Page, Form(f): Form<TokenForm>) -> WebResult<Response> {
    let result = async {
        let grant =
            parse_grant(&f.grant).ok_or_else(|| grassroots_app::AppError::invalid("role"))?;
        let days = match f.expires_in_days.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(
                d.parse::<i64>()
                    .map_err(|_| grassroots_app::AppError::invalid("expires_in_days"))?,
            ),
        };
        let account_id = p
            .auth
            .actor
            .account_id
            .ok_or(grassroots_app::AppError::Forbidden)?;
        tokens::create(
            &p.state.app,
            &p.auth.actor,
            account_id,
            &f.name,
            grant,
            days,
        )
        .await
    }
    .await;
    match result {
        Ok((secret, _)) => me_page(&p, StatusCode::OK, Some(secret), None).await,
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            me_page(&p, StatusCode::UNPROCESSABLE_ENTITY, None, Some(err)).await
        }
    }
}

/// `POST /me/tokens/{id}/revoke`.
pub async fn revoke_token(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    let account_id = p
        .auth
        .actor
        .account_id
        .ok_or(grassroots_app::AppError::Forbidden)?;
    tokens::revoke(&p.state.app, &p.auth.actor, account_id, id).await?;
    Ok(redirect_with_flash(&p.state, "/me", "flash-token-revoked"))
}
