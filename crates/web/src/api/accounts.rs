//! API of accounts: the caller's own record, accounts and their person
//! records, role assignments, and API tokens.

use super::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use grassroots_app::accounts::{self, AccountDetail, CreateInput, OwnRecord};
use grassroots_app::auth::Authenticated;
use grassroots_app::{AppError, roles, tokens};
use grassroots_core::{AccountId, Assignment, FieldError, Role, ScopeKind};
use grassroots_store::accounts::Account;
use grassroots_store::audit::AuditRecord;
use grassroots_store::people::Person;
use grassroots_store::roles::RoleAssignmentRow;
use grassroots_store::tokens::ApiToken;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, Caller};
use crate::AppState;
use crate::error::{ErrorBody, WebResult};

/// The accounts API's routes: own record, accounts, roles and tokens.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(set_own_locale))
        .routes(routes!(list_accounts, create_account))
        .routes(routes!(get_account, update_account))
        .routes(routes!(reset_password))
        .routes(routes!(link_person))
        .routes(routes!(list_roles, assign_role))
        .routes(routes!(revoke_role))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(list_account_tokens))
        .routes(routes!(revoke_account_token))
}

/// `GET /me`: the caller's own record.
#[utoipa::path(get, path = "/me", tag = "me", responses(
    (status = 200, description = "Own record", body = OwnRecordDoc),
    (status = 401, body = ErrorBody)))]
async fn me(State(s): State<AppState>, Caller(c): Caller) -> WebResult<Json<OwnRecord>> {
    Ok(Json(accounts::own(&s.app, &c.actor).await?))
}

/// An account's own choice of interface language.
#[derive(Deserialize, ToSchema)]
struct OwnLocaleBody {
    /// `en`, `ko`, or empty for no choice (the browser's languages, then
    /// the organization's default, decide).
    locale: String,
}

/// `PUT /me/locale`: choose the language the interface speaks to the
/// caller, pages and API error messages alike.
#[utoipa::path(put, path = "/me/locale", tag = "me", request_body = OwnLocaleBody, responses(
    (status = 200, body = Account), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_own_locale(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<OwnLocaleBody>,
) -> WebResult<Json<Account>> {
    Ok(Json(
        accounts::set_own_locale(&s.app, &c.actor, &b.locale).await?,
    ))
}

/// Documentation shape of [`OwnRecord`].
#[derive(ToSchema)]
#[allow(dead_code)]
struct OwnRecordDoc {
    account: Account,
    home_unit_name: String,
    /// The person record of the account, if linked.
    person: Option<OwnPersonDoc>,
    roles: Vec<OwnRoleDoc>,
    reads: Vec<AuditRecord>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
struct OwnPersonDoc {
    person: Person,
    unit_name: String,
    history: Vec<grassroots_store::people::StatusChange>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
struct OwnRoleDoc {
    role: String,
    unit_id: i64,
    unit_name: String,
    scope: String,
}

/// `GET /accounts`: accounts the caller administers.
#[utoipa::path(get, path = "/accounts", tag = "accounts", responses(
    (status = 200, body = Vec<Account>), (status = 403, body = ErrorBody)))]
async fn list_accounts(
    State(s): State<AppState>,
    Caller(c): Caller,
) -> WebResult<Json<Vec<Account>>> {
    Ok(Json(accounts::list(&s.app, &c.actor).await?))
}

/// New account.
#[derive(Deserialize, ToSchema)]
struct NewAccountBody {
    username: String,
    display_name: String,
    home_unit_id: i64,
    password: String,
}

/// `POST /accounts`.
#[utoipa::path(post, path = "/accounts", tag = "accounts", request_body = NewAccountBody, responses(
    (status = 201, body = Account), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_account(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<NewAccountBody>,
) -> WebResult<(StatusCode, Json<Account>)> {
    let a = accounts::create(
        &s.app,
        &c.actor,
        CreateInput {
            username: b.username,
            display_name: b.display_name,
            home_unit_id: b.home_unit_id,
            password: b.password,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// Documentation shape of [`AccountDetail`].
#[derive(ToSchema)]
#[allow(dead_code)]
struct AccountDetailDoc {
    account: Account,
    roles: Vec<RoleAssignmentRow>,
    person_id: Option<i64>,
}

/// `GET /accounts/{id}` (a logged, sensitive read).
#[utoipa::path(get, path = "/accounts/{id}", tag = "accounts", params(("id" = i64, Path)), responses(
    (status = 200, body = AccountDetailDoc), (status = 403, description = "The caller administers no unit", body = ErrorBody),
    (status = 404, body = ErrorBody)))]
async fn get_account(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<AccountId>,
) -> WebResult<Json<AccountDetail>> {
    Ok(Json(accounts::get(&s.app, &c.actor, id).await?))
}

/// Account changes.
#[derive(Deserialize, ToSchema)]
struct AccountPatch {
    disabled: bool,
}

/// `PATCH /accounts/{id}`: enable or disable.
#[utoipa::path(patch, path = "/accounts/{id}", tag = "accounts", params(("id" = i64, Path)), request_body = AccountPatch, responses(
    (status = 200, body = Account), (status = 404, body = ErrorBody)))]
async fn update_account(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<AccountId>,
    Body(b): Body<AccountPatch>,
) -> WebResult<Json<Account>> {
    Ok(Json(
        accounts::set_disabled(&s.app, &c.actor, id, b.disabled).await?,
    ))
}

/// New password.
#[derive(Deserialize, ToSchema)]
struct PasswordBody {
    password: String,
}

/// `POST /accounts/{id}/password`: set a new password (ends its sessions).
#[utoipa::path(post, path = "/accounts/{id}/password", tag = "accounts", params(("id" = i64, Path)), request_body = PasswordBody, responses(
    (status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reset_password(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<AccountId>,
    Body(b): Body<PasswordBody>,
) -> WebResult<StatusCode> {
    accounts::reset_password(&s.app, &c.actor, id, &b.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The person an account belongs to.
#[derive(Deserialize, ToSchema)]
struct LinkBody {
    /// A person of a unit the caller administers; null to unlink.
    person_id: Option<i64>,
}

/// `POST /accounts/{id}/person`: link an account to a person record.
#[utoipa::path(post, path = "/accounts/{id}/person", tag = "accounts", params(("id" = i64, Path)), request_body = LinkBody, responses(
    (status = 200, body = Account), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn link_person(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<AccountId>,
    Body(b): Body<LinkBody>,
) -> WebResult<Json<Account>> {
    Ok(Json(
        accounts::link_person(&s.app, &c.actor, id, b.person_id).await?,
    ))
}

/// Role list filter.
#[derive(Deserialize, IntoParams)]
struct RoleQuery {
    /// Only this account's assignments.
    account_id: Option<i64>,
}

/// `GET /roles`: assignments at units the caller administers.
#[utoipa::path(get, path = "/roles", tag = "roles", params(RoleQuery), responses(
    (status = 200, body = Vec<RoleAssignmentRow>), (status = 403, body = ErrorBody)))]
async fn list_roles(
    State(s): State<AppState>,
    Caller(c): Caller,
    Query(q): Query<RoleQuery>,
) -> WebResult<Json<Vec<RoleAssignmentRow>>> {
    Ok(Json(roles::list(&s.app, &c.actor, q.account_id).await?))
}

/// A role to assign.
#[derive(Deserialize, ToSchema)]
struct GrantBody {
    /// `administrator`, `secretary`, `staff`, `viewer` or `member`.
    role: String,
    unit_id: i64,
    /// `unit` or `subtree`.
    scope: String,
}

impl GrantBody {
    fn grant(&self) -> Result<Assignment, AppError> {
        Ok(Assignment {
            role: Role::parse(&self.role).ok_or_else(|| {
                AppError::Invalid(FieldError::new(
                    "role",
                    "invalid",
                    "must be administrator, secretary, staff, viewer or member",
                ))
            })?,
            unit_id: self.unit_id,
            scope: ScopeKind::parse(&self.scope).ok_or_else(|| {
                AppError::Invalid(FieldError::new(
                    "scope",
                    "invalid",
                    "must be unit or subtree",
                ))
            })?,
        })
    }
}

/// Role assignment request.
#[derive(Deserialize, ToSchema)]
struct AssignBody {
    account_id: i64,
    #[serde(flatten)]
    grant: GrantBody,
}

/// `POST /roles`.
#[utoipa::path(post, path = "/roles", tag = "roles", request_body = AssignBody, responses(
    (status = 201, body = RoleAssignmentRow), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn assign_role(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<AssignBody>,
) -> WebResult<(StatusCode, Json<RoleAssignmentRow>)> {
    let row = roles::assign(&s.app, &c.actor, b.account_id, b.grant.grant()?).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

/// `DELETE /roles/{id}`.
#[utoipa::path(delete, path = "/roles/{id}", tag = "roles", params(("id" = i64, Path)), responses(
    (status = 200, body = RoleAssignmentRow), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_role(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<RoleAssignmentRow>> {
    Ok(Json(roles::revoke(&s.app, &c.actor, id).await?))
}

fn own_account(c: &Authenticated) -> Result<AccountId, AppError> {
    c.actor.account_id.ok_or(AppError::Forbidden)
}

/// `GET /tokens`: the caller's tokens.
#[utoipa::path(get, path = "/tokens", tag = "tokens", responses((status = 200, body = Vec<ApiToken>)))]
async fn list_tokens(
    State(s): State<AppState>,
    Caller(c): Caller,
) -> WebResult<Json<Vec<ApiToken>>> {
    Ok(Json(
        tokens::list(&s.app, &c.actor, own_account(&c)?).await?,
    ))
}

/// New token.
#[derive(Deserialize, ToSchema)]
struct NewTokenBody {
    name: String,
    #[serde(flatten)]
    grant: GrantBody,
    /// Days of validity; none for no limit.
    expires_in_days: Option<i64>,
}

/// A created token; `secret` is shown only here.
#[derive(Serialize, ToSchema)]
struct CreatedToken {
    secret: String,
    token: ApiToken,
}

/// `POST /tokens`: a token carrying a role the caller holds.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = NewTokenBody, responses(
    (status = 201, body = CreatedToken), (status = 422, body = ErrorBody)))]
async fn create_token(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<NewTokenBody>,
) -> WebResult<(StatusCode, Json<CreatedToken>)> {
    let (secret, token) = tokens::create(
        &s.app,
        &c.actor,
        own_account(&c)?,
        &b.name,
        b.grant.grant()?,
        b.expires_in_days,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { secret, token })))
}

/// `DELETE /tokens/{id}`.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens", params(("id" = i64, Path)), responses(
    (status = 200, body = ApiToken), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<ApiToken>> {
    Ok(Json(
        tokens::revoke(&s.app, &c.actor, own_account(&c)?, id).await?,
    ))
}

/// `GET /accounts/{id}/tokens`: the API tokens of an account the caller
/// administers (or their own).
#[utoipa::path(get, path = "/accounts/{id}/tokens", tag = "tokens", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<ApiToken>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_account_tokens(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<AccountId>,
) -> WebResult<Json<Vec<ApiToken>>> {
    Ok(Json(tokens::list(&s.app, &c.actor, id).await?))
}

/// `DELETE /accounts/{id}/tokens/{token_id}`: revoke an API token of an
/// account the caller administers and outranks (or their own).
#[utoipa::path(delete, path = "/accounts/{id}/tokens/{token_id}", tag = "tokens", params(("id" = i64, Path), ("token_id" = i64, Path)), responses(
    (status = 200, body = ApiToken), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    (status = 409, description = "Already revoked", body = ErrorBody)))]
async fn revoke_account_token(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path((id, token_id)): Path<(AccountId, i64)>,
) -> WebResult<Json<ApiToken>> {
    Ok(Json(tokens::revoke(&s.app, &c.actor, id, token_id).await?))
}
