//! Account administration: accounts, their role assignments, passwords,
//! tokens and the person each account is.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use grassroots_app::accounts::{self, AccountDetail, CreateInput};
use grassroots_app::{AppError, roles};
use grassroots_core::{AccountId, Assignment, Role, ScopeKind};
use grassroots_store::accounts::Account;
use serde::Deserialize;

use super::{FormError, Layout, Page, render};
use crate::AppState;
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;

/// The account administration pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/accounts", get(accounts).post(create_account))
        .route("/admin/accounts/{id}", get(account))
        .route("/admin/accounts/{id}/roles", post(assign_role))
        .route("/admin/accounts/{id}/password", post(reset_password))
        .route("/admin/accounts/{id}/disabled", post(set_disabled))
        .route(
            "/admin/accounts/{id}/tokens/{token}/revoke",
            post(revoke_token),
        )
        .route("/admin/accounts/{id}/person", post(link_person))
        .route("/admin/roles/{id}/revoke", post(revoke_role))
}

#[derive(Template)]
#[template(path = "accounts/accounts.html")]
struct AccountsPage {
    l: Layout,
    accounts: Vec<Account>,
    units: Vec<(i64, String)>,
    err: Option<FormError>,
}

async fn accounts_page(
    p: &Page,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let list = accounts::list(&p.state.app, &p.auth.actor).await?;
    let units = super::administered_units(p).await?;
    let l = p.layout(p.tr.t("accounts-title"), Vec::new());
    Ok(render(
        status,
        &AccountsPage {
            l,
            accounts: list,
            units,
            err,
        },
    ))
}

/// `GET /admin/accounts`.
pub async fn accounts(p: Page) -> WebResult<Response> {
    accounts_page(&p, StatusCode::OK, None).await
}

/// New account form.
#[derive(Deserialize)]
pub struct AccountForm {
    username: String,
    display_name: String,
    home_unit_id: String,
    password: String,
}

/// `POST /admin/accounts`.
pub async fn create_account(p: Page, Form(f): Form<AccountForm>) -> WebResult<Response> {
    let result = async {
        let home_unit_id = f
            .home_unit_id
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("home_unit_id"))?;
        accounts::create(
            &p.state.app,
            &p.auth.actor,
            CreateInput {
                username: f.username,
                display_name: f.display_name,
                home_unit_id,
                password: f.password,
            },
        )
        .await
    }
    .await;
    match result {
        Ok(a) => Ok(redirect_with_flash(
            &p.state,
            &format!("/admin/accounts/{}", a.id),
            "flash-account-created",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            accounts_page(&p, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    l: Layout,
    detail: AccountDetail,
    tokens: Vec<grassroots_store::tokens::ApiToken>,
    units: Vec<(i64, String)>,
    roles: Vec<(String, String)>,
    err: Option<FormError>,
}

async fn account_page(
    p: &Page,
    id: AccountId,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let detail = accounts::get(&p.state.app, &p.auth.actor, id).await?;
    let tokens = grassroots_app::tokens::list(&p.state.app, &p.auth.actor, id).await?;
    let units = super::administered_units(p).await?;
    let roles = Role::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), p.tr.role(r.as_str())))
        .collect();
    let crumbs = vec![
        (
            p.tr.t("accounts-title"),
            Some("/admin/accounts".to_string()),
        ),
        (detail.account.username.clone(), None),
    ];
    let l = p.layout(detail.account.display_name.clone(), crumbs);
    Ok(render(
        status,
        &AccountPage {
            l,
            detail,
            tokens,
            units,
            roles,
            err,
        },
    ))
}

/// `GET /admin/accounts/{id}`. Opening a record is a logged read, so a link
/// from another site must not be able to open it in an administrator's
/// browser and leave a false entry in the owner's list.
pub async fn account(p: Page, Path(id): Path<AccountId>) -> WebResult<Response> {
    if p.ctx.fetch_site.as_deref() == Some("cross-site") {
        return Err(crate::error::csrf_refused());
    }
    account_page(&p, id, StatusCode::OK, None).await
}

/// Role assignment form.
#[derive(Deserialize)]
pub struct AssignForm {
    role: String,
    unit_id: String,
    scope: String,
}

/// `POST /admin/accounts/{id}/roles`.
pub async fn assign_role(
    p: Page,
    Path(id): Path<AccountId>,
    Form(f): Form<AssignForm>,
) -> WebResult<Response> {
    let result = async {
        let grant = Assignment {
            role: Role::parse(&f.role).ok_or_else(|| AppError::invalid("role"))?,
            unit_id: f
                .unit_id
                .trim()
                .parse()
                .map_err(|_| AppError::invalid("unit_id"))?,
            scope: ScopeKind::parse(&f.scope).ok_or_else(|| AppError::invalid("scope"))?,
        };
        roles::assign(&p.state.app, &p.auth.actor, id, grant).await
    }
    .await;
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/admin/accounts/{id}"),
            "flash-role-assigned",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            account_page(&p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

/// `POST /admin/accounts/{id}/tokens/{token}/revoke`: revoke an API
/// token of an account the administrator outranks.
pub async fn revoke_token(
    p: Page,
    Path((id, token)): Path<(AccountId, i64)>,
) -> WebResult<Response> {
    match grassroots_app::tokens::revoke(&p.state.app, &p.auth.actor, id, token).await {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/admin/accounts/{id}"),
            "flash-token-revoked",
        )),
        Err(e @ (AppError::NotFound | AppError::Unauthorized | AppError::Forbidden)) => {
            Err(e.into())
        }
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            account_page(&p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

/// `POST /admin/roles/{id}/revoke`.
pub async fn revoke_role(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    let row = roles::revoke(&p.state.app, &p.auth.actor, id).await?;
    Ok(redirect_with_flash(
        &p.state,
        &format!("/admin/accounts/{}", row.account_id),
        "flash-role-revoked",
    ))
}

/// Password reset form.
#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
}

/// `POST /admin/accounts/{id}/password`.
pub async fn reset_password(
    p: Page,
    Path(id): Path<AccountId>,
    Form(f): Form<ResetForm>,
) -> WebResult<Response> {
    match accounts::reset_password(&p.state.app, &p.auth.actor, id, &f.password).await {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/admin/accounts/{id}"),
            "flash-password-reset",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            account_page(&p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

/// Enable/disable form.
#[derive(Deserialize)]
pub struct DisableForm {
    disabled: String,
}

/// `POST /admin/accounts/{id}/disabled`.
pub async fn set_disabled(
    p: Page,
    Path(id): Path<AccountId>,
    Form(f): Form<DisableForm>,
) -> WebResult<Response> {
    let disabled = f.disabled == "true";
    match accounts::set_disabled(&p.state.app, &p.auth.actor, id, disabled).await {
        Ok(_) => {
            let key = if disabled {
                "flash-account-disabled"
            } else {
                "flash-account-enabled"
            };
            Ok(redirect_with_flash(
                &p.state,
                &format!("/admin/accounts/{id}"),
                key,
            ))
        }
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            account_page(&p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

/// Form linking an account to a person.
#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    person_id: String,
}

/// `POST /admin/accounts/{id}/person`.
pub async fn link_person(
    p: Page,
    Path(id): Path<AccountId>,
    Form(f): Form<LinkForm>,
) -> WebResult<Response> {
    let person = f.person_id.trim();
    let result = if person.is_empty() {
        accounts::link_person(&p.state.app, &p.auth.actor, id, None).await
    } else {
        match person.parse::<i64>() {
            Ok(pid) => accounts::link_person(&p.state.app, &p.auth.actor, id, Some(pid)).await,
            Err(_) => Err(AppError::invalid("person_id")),
        }
    };
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/admin/accounts/{id}"),
            "flash-account-linked",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            account_page(&p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}
