//! The JSON API under `/api/v1`, described by an OpenAPI document served at
//! `/api/v1/openapi.json`. It offers everything the pages do. Clients
//! authenticate with an API token (`Authorization: Bearer grt_…`) or with
//! the session cookie (then unsafe methods need the `X-CSRF-Token` header).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::Json;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use grassroots_app::accounts::{AccountDetail, CreateInput, OwnRecord};
use grassroots_app::auth::Authenticated;
use grassroots_app::people::{self, PersonInput, PersonRecord};
use grassroots_app::positions::{self, UnitPositions};
use grassroots_app::{AppError, accounts, audit, roles, tokens, units as unit_svc};
use grassroots_core::{AccountId, Assignment, FieldError, Role, ScopeKind, UnitId};
use grassroots_store::accounts::Account;
use grassroots_store::audit::AuditRecord;
use grassroots_store::people::{PeopleFilter, Person};
use grassroots_store::positions::{Position, PositionType, Vacancy};
use grassroots_store::roles::RoleAssignmentRow;
use grassroots_store::skills::{PersonSkill, Skill, Talent};
use grassroots_store::tokens::ApiToken;
use grassroots_store::transfers::Transfer;
use grassroots_store::units::{Unit, UnitListing};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

mod bulletins;
mod commendations;
mod decisions;
mod meetings;
mod plans;
mod units;

use crate::AppState;
use crate::error::{ErrorBody, WebError, WebResult};
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

/// The API routes (paths relative to `/api/v1`) with their documentation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(me))
        .routes(routes!(list_units))
        .routes(routes!(get_unit, rename_unit))
        .routes(routes!(create_child))
        .routes(routes!(list_people, add_person))
        .routes(routes!(move_unit))
        .routes(routes!(units::merge_unit))
        .routes(routes!(units::close_unit))
        .routes(routes!(units::unit_history))
        .routes(routes!(units::get_profile, units::set_profile))
        .routes(routes!(units::export_file))
        .routes(routes!(units::import_file))
        .routes(routes!(
            decisions::issue_decision,
            decisions::unit_decisions
        ))
        .routes(routes!(decisions::get_decision))
        .routes(routes!(plans::adopt_decision))
        .routes(routes!(plans::unit_plans, plans::create_plan))
        .routes(routes!(plans::get_plan))
        .routes(routes!(plans::add_target))
        .routes(routes!(plans::get_target, plans::delete_target))
        .routes(routes!(plans::cascade))
        .routes(routes!(plans::check_in))
        .routes(routes!(plans::open_blocker))
        .routes(routes!(plans::resolve_blocker))
        .routes(routes!(plans::dashboard))
        .routes(routes!(plans::categories, plans::add_category))
        .routes(routes!(plans::get_review, plans::save_review))
        .routes(routes!(plans::close_review))
        .routes(routes!(plans::export_review))
        .routes(routes!(plans::my_work))
        .routes(routes!(plans::dismiss_reminder))
        .routes(routes!(meetings::meeting_settings))
        .routes(routes!(meetings::set_meeting_cadence))
        .routes(routes!(meetings::set_meeting_type))
        .routes(routes!(meetings::set_calendar_era))
        .routes(routes!(meetings::convene_meeting, meetings::unit_meetings))
        .routes(routes!(meetings::person_meetings))
        .routes(routes!(meetings::regularity))
        .routes(routes!(meetings::unit_calendar))
        .routes(routes!(meetings::person_calendar))
        .routes(routes!(meetings::get_meeting, meetings::update_meeting))
        .routes(routes!(meetings::invite_participants))
        .routes(routes!(meetings::remove_participant))
        .routes(routes!(meetings::mark_attendance))
        .routes(routes!(meetings::add_agenda_item))
        .routes(routes!(
            meetings::update_agenda_item,
            meetings::remove_agenda_item
        ))
        .routes(routes!(meetings::move_agenda_item))
        .routes(routes!(meetings::add_speaker))
        .routes(routes!(meetings::add_document))
        .routes(routes!(meetings::start_speech))
        .routes(routes!(meetings::mark_speech_given))
        .routes(routes!(meetings::stop_speech))
        .routes(routes!(meetings::edit_speech, meetings::withdraw_speech))
        .routes(routes!(meetings::move_speech))
        .routes(routes!(meetings::write_minutes))
        .routes(routes!(meetings::adopt_decision_at_meeting))
        .routes(routes!(meetings::close_meeting))
        .routes(routes!(commendations::confer, commendations::roll))
        .routes(routes!(commendations::person_commendations))
        .routes(routes!(
            commendations::designate,
            commendations::designations
        ))
        .routes(routes!(commendations::end_designation))
        .routes(routes!(
            bulletins::create_bulletin,
            bulletins::unit_bulletins
        ))
        .routes(routes!(bulletins::compose_bulletin))
        .routes(routes!(bulletins::get_bulletin))
        .routes(routes!(bulletins::export_bulletin))
        .routes(routes!(bulletins::add_article))
        .routes(routes!(
            bulletins::update_article,
            bulletins::remove_article
        ))
        .routes(routes!(bulletins::move_article))
        .routes(routes!(bulletins::publish))
        .routes(routes!(bulletins::acknowledge))
        .routes(routes!(get_person, update_person))
        .routes(routes!(position_types))
        .routes(routes!(unit_positions, appoint))
        .routes(routes!(end_position))
        .routes(routes!(vacancies))
        .routes(routes!(list_skills, create_skill))
        .routes(routes!(person_skills))
        .routes(routes!(set_person_skill, remove_person_skill))
        .routes(routes!(talents))
        .routes(routes!(person_transfers, issue_transfer))
        .routes(routes!(unit_transfers))
        .routes(routes!(acknowledge_transfer))
        .routes(routes!(cancel_transfer))
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
        .routes(routes!(list_audit))
}

static OPENAPI_JSON: LazyLock<String> = LazyLock::new(|| {
    let mut doc = router().split_for_parts().1;
    document_common_errors(&mut doc);
    doc.to_pretty_json()
        .expect("the OpenAPI document serializes")
});

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
            let mut codes = vec![(
                "401",
                "Not signed in, or the token is unknown, revoked or expired",
            )];
            if unsafe_method {
                codes.push((
                    "403",
                    "Not allowed, or a signed-in browser's request without its CSRF token",
                ));
            }
            if names_record {
                codes.push(("404", "No such record within the caller's scope"));
            }
            if has_body {
                codes.push(("400", "The body is not JSON of the expected shape"));
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

/// The OpenAPI document, as served.
pub fn openapi_document() -> &'static str {
    &OPENAPI_JSON
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi_json() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI_JSON.as_str(),
    )
        .into_response()
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

/// `GET /me`: the caller's own record.
#[utoipa::path(get, path = "/me", tag = "me", responses(
    (status = 200, description = "Own record", body = OwnRecordDoc),
    (status = 401, body = ErrorBody)))]
async fn me(State(s): State<AppState>, Caller(c): Caller) -> WebResult<Json<OwnRecord>> {
    Ok(Json(accounts::own(&s.app, &c.actor).await?))
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

/// `GET /units`: units within the caller's read scope.
#[utoipa::path(get, path = "/units", tag = "units", params(Paging), responses(
    (status = 200, body = Vec<Unit>), (status = 401, body = ErrorBody)))]
async fn list_units(
    State(s): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<Paging>,
) -> WebResult<Json<Vec<Unit>>> {
    Ok(Json(
        unit_svc::list(
            &s.app,
            &c.actor,
            p.limit.unwrap_or(100),
            p.offset.unwrap_or(0),
        )
        .await?,
    ))
}

/// One step of a unit's path from the root.
#[derive(Serialize, ToSchema)]
struct PathStep {
    id: i64,
    name: String,
    level: String,
    /// Whether the caller may open this unit (ancestors above the caller's
    /// scope are named, for orientation, but not readable).
    readable: bool,
}

/// A unit with its children.
#[derive(Serialize, ToSchema)]
struct UnitDetail {
    unit: Unit,
    /// Root-to-unit path.
    path: Vec<PathStep>,
    children: Vec<UnitListing>,
    can_manage: bool,
    can_edit: bool,
    /// Maintained counters by metric (`units`, `cells`, `people.member`, …).
    counters: BTreeMap<String, Counter>,
}

/// A maintained counter of a unit.
#[derive(Serialize, ToSchema)]
struct Counter {
    /// In the unit itself.
    own: i64,
    /// In the unit and everything below it.
    subtree: i64,
}

/// `GET /units/{id}`.
#[utoipa::path(get, path = "/units/{id}", tag = "units", params(("id" = i64, Path)), responses(
    (status = 200, body = UnitDetail), (status = 404, body = ErrorBody)))]
async fn get_unit(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<UnitDetail>> {
    let v = unit_svc::view(&s.app, &c.actor, id).await?;
    Ok(Json(UnitDetail {
        unit: v.unit,
        path: v
            .path
            .into_iter()
            .map(|(u, readable)| PathStep {
                id: u.id,
                name: u.name,
                level: u.level,
                readable,
            })
            .collect(),
        children: v.children,
        can_manage: v.can_manage,
        can_edit: v.can_edit,
        counters: v
            .counters
            .into_iter()
            .map(|(k, (own, subtree))| (k, Counter { own, subtree }))
            .collect(),
    }))
}

/// New unit.
#[derive(Deserialize, ToSchema)]
struct NewUnit {
    name: String,
    /// Level key, for example `primary_committee` or `cell`; the
    /// organization profile says which levels may sit under the parent's.
    level: String,
    /// Code of the unit in another register (imports match on it).
    #[serde(default)]
    external_id: String,
}

/// `POST /units/{id}/children`.
#[utoipa::path(post, path = "/units/{id}/children", tag = "units", params(("id" = i64, Path)), request_body = NewUnit, responses(
    (status = 201, body = Unit), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_child(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<NewUnit>,
) -> WebResult<(StatusCode, Json<Unit>)> {
    let unit = unit_svc::create(&s.app, &c.actor, id, &b.name, &b.level, &b.external_id).await?;
    Ok((StatusCode::CREATED, Json(unit)))
}

/// Unit changes: each field given is changed, the others stay.
#[derive(Deserialize, ToSchema)]
struct UnitPatch {
    #[serde(default)]
    name: Option<String>,
    /// Code of the unit in another register; empty clears it.
    #[serde(default)]
    external_id: Option<String>,
}

/// `PATCH /units/{id}`: rename, set or clear the external id.
#[utoipa::path(patch, path = "/units/{id}", tag = "units", params(("id" = i64, Path)), request_body = UnitPatch, responses(
    (status = 200, body = Unit), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    (status = 409, description = "Another unit has this external id", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn rename_unit(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<UnitPatch>,
) -> WebResult<Json<Unit>> {
    Ok(Json(
        unit_svc::update(
            &s.app,
            &c.actor,
            id,
            b.name.as_deref(),
            b.external_id.as_deref(),
        )
        .await?,
    ))
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

/// Audit filters.
#[derive(Deserialize, IntoParams)]
struct AuditParams {
    /// Actor login name.
    actor: Option<String>,
    /// Unit id: rows about this unit and everything below it.
    unit: Option<String>,
    /// Action prefix, for example `unit.`.
    action: Option<String>,
    /// From this date (YYYY-MM-DD, UTC).
    from: Option<String>,
    /// Until this date, inclusive.
    to: Option<String>,
    /// Only rows with a smaller id (paging).
    before: Option<i64>,
}

/// `GET /audit`: audit rows about units the caller administers.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditParams), responses(
    (status = 200, body = Vec<AuditRecord>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_audit(
    State(s): State<AppState>,
    Caller(c): Caller,
    Query(q): Query<AuditParams>,
) -> WebResult<Json<Vec<AuditRecord>>> {
    let filter = crate::pages::audit_filter(&crate::pages::AuditQuery {
        actor: q.actor,
        unit: q.unit,
        action: q.action,
        from: q.from,
        to: q.to,
        before: q.before,
    })?;
    Ok(Json(audit::list(&s.app, &c.actor, &filter).await?))
}

/// People listing filters.
#[derive(Deserialize, IntoParams)]
struct PeopleParams {
    /// Part of the name (case-insensitive).
    q: Option<String>,
    /// Only this status.
    status: Option<String>,
    /// Include the people of every unit below.
    subtree: Option<bool>,
    /// Only people with this skill.
    skill: Option<i64>,
    /// Maximum items (1–500, default 100).
    limit: Option<i64>,
    /// Items to skip.
    offset: Option<i64>,
}

/// `GET /units/{id}/people`.
#[utoipa::path(get, path = "/units/{id}/people", tag = "people", params(("id" = i64, Path), PeopleParams), responses(
    (status = 200, body = Vec<Person>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_people(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Query(q): Query<PeopleParams>,
) -> WebResult<Json<Vec<Person>>> {
    let filter = PeopleFilter {
        subtree: q.subtree.unwrap_or(false),
        name: q.q.filter(|v| !v.trim().is_empty()),
        status: q.status.filter(|v| !v.trim().is_empty()),
        skill: q.skill,
        limit: q.limit.unwrap_or(100),
        offset: q.offset.unwrap_or(0),
    };
    Ok(Json(people::list(&s.app, &c.actor, id, filter).await?))
}

/// New person.
#[derive(Deserialize, ToSchema)]
struct NewPersonBody {
    full_name: String,
    /// `applicant`, `candidate`, `member`, `employee`, `left` or `transferred_out`.
    status: String,
    #[serde(default)]
    contact: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    joined_on: String,
    #[serde(default)]
    external_id: String,
}

/// `POST /units/{id}/people`.
#[utoipa::path(post, path = "/units/{id}/people", tag = "people", params(("id" = i64, Path)), request_body = NewPersonBody, responses(
    (status = 201, body = Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_person(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<NewPersonBody>,
) -> WebResult<(StatusCode, Json<Person>)> {
    let p = people::create(
        &s.app,
        &c.actor,
        id,
        PersonInput {
            full_name: b.full_name,
            contact: b.contact,
            status: b.status,
            joined_on: b.joined_on,
            external_id: b.external_id,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// Where to move a unit.
#[derive(Deserialize, ToSchema)]
struct MoveBody {
    parent_id: UnitId,
}

/// `POST /units/{id}/move`: move a unit with its subtree.
#[utoipa::path(post, path = "/units/{id}/move", tag = "units", params(("id" = i64, Path)), request_body = MoveBody, responses(
    (status = 200, body = Unit), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn move_unit(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<MoveBody>,
) -> WebResult<Json<Unit>> {
    Ok(Json(
        unit_svc::move_unit(&s.app, &c.actor, id, b.parent_id).await?,
    ))
}

/// `GET /people/{id}`: a person's full record (a logged, sensitive read).
#[utoipa::path(get, path = "/people/{id}", tag = "people", params(("id" = i64, Path)), responses(
    (status = 200, body = PersonRecord), (status = 404, body = ErrorBody)))]
async fn get_person(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<PersonRecord>> {
    Ok(Json(people::open(&s.app, &c.actor, id).await?))
}

/// Person changes.
#[derive(Deserialize, ToSchema)]
struct PersonPatch {
    status: String,
}

/// `PATCH /people/{id}`: change the status.
#[utoipa::path(patch, path = "/people/{id}", tag = "people", params(("id" = i64, Path)), request_body = PersonPatch, responses(
    (status = 200, body = Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_person(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<PersonPatch>,
) -> WebResult<Json<Person>> {
    Ok(Json(
        people::set_status(&s.app, &c.actor, id, &b.status).await?,
    ))
}

/// `GET /position-types`: the configured position types.
#[utoipa::path(get, path = "/position-types", tag = "positions", responses(
    (status = 200, body = Vec<PositionType>), (status = 401, body = ErrorBody)))]
async fn position_types(
    State(s): State<AppState>,
    Caller(_c): Caller,
) -> WebResult<Json<Vec<PositionType>>> {
    Ok(Json(positions::types(&s.app).await?))
}

/// `GET /units/{id}/positions`: the lead trio, current positions and
/// earlier terms of a unit.
#[utoipa::path(get, path = "/units/{id}/positions", tag = "positions", params(("id" = i64, Path)), responses(
    (status = 200, body = UnitPositions), (status = 404, body = ErrorBody)))]
async fn unit_positions(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<UnitPositions>> {
    Ok(Json(positions::of_unit(&s.app, &c.actor, id).await?))
}

/// An appointment.
#[derive(Deserialize, ToSchema)]
struct AppointBody {
    /// Key of the position type (see `/position-types`).
    position_type: String,
    person_id: i64,
    /// First day, YYYY-MM-DD; today when empty.
    #[serde(default)]
    started_on: String,
}

/// `POST /units/{id}/positions`: appoint a person of the unit.
#[utoipa::path(post, path = "/units/{id}/positions", tag = "positions", params(("id" = i64, Path)), request_body = AppointBody, responses(
    (status = 201, body = Position), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn appoint(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<AppointBody>,
) -> WebResult<(StatusCode, Json<Position>)> {
    let p = positions::assign(
        &s.app,
        &c.actor,
        id,
        &b.position_type,
        b.person_id,
        &b.started_on,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// End of a term.
#[derive(Deserialize, ToSchema)]
struct EndBody {
    /// Last day, YYYY-MM-DD; today when empty.
    #[serde(default)]
    ended_on: String,
}

/// `POST /positions/{id}/end`.
#[utoipa::path(post, path = "/positions/{id}/end", tag = "positions", params(("id" = i64, Path)), request_body = EndBody, responses(
    (status = 200, body = Position), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn end_position(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<EndBody>,
) -> WebResult<Json<Position>> {
    Ok(Json(
        positions::end(&s.app, &c.actor, id, &b.ended_on).await?,
    ))
}

/// `GET /units/{id}/vacancies`: vacant lead positions of primary
/// committees in the unit's subtree.
#[utoipa::path(get, path = "/units/{id}/vacancies", tag = "positions", params(("id" = i64, Path), Limit), responses(
    (status = 200, body = Vec<Vacancy>), (status = 404, body = ErrorBody)))]
async fn vacancies(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Query(p): Query<Limit>,
) -> WebResult<Json<Vec<Vacancy>>> {
    Ok(Json(
        positions::vacancies(&s.app, &c.actor, id, p.limit.unwrap_or(100)).await?,
    ))
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

/// `GET /skills`: the skills catalogue.
#[utoipa::path(get, path = "/skills", tag = "skills", responses(
    (status = 200, body = Vec<Skill>), (status = 401, body = ErrorBody)))]
async fn list_skills(State(s): State<AppState>, Caller(_c): Caller) -> WebResult<Json<Vec<Skill>>> {
    Ok(Json(grassroots_app::skills::catalogue(&s.app).await?))
}

/// A new skill.
#[derive(Deserialize, ToSchema)]
struct NewSkillBody {
    name: String,
    category: String,
}

/// `POST /skills`: add a skill to the catalogue (administrators).
#[utoipa::path(post, path = "/skills", tag = "skills", request_body = NewSkillBody, responses(
    (status = 201, body = Skill), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_skill(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<NewSkillBody>,
) -> WebResult<(StatusCode, Json<Skill>)> {
    let skill = grassroots_app::skills::create(&s.app, &c.actor, &b.name, &b.category).await?;
    Ok((StatusCode::CREATED, Json(skill)))
}

/// `GET /people/{id}/skills`.
#[utoipa::path(get, path = "/people/{id}/skills", tag = "skills", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<PersonSkill>), (status = 404, body = ErrorBody)))]
async fn person_skills(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<Vec<PersonSkill>>> {
    Ok(Json(
        grassroots_app::skills::of_person(&s.app, &c.actor, id).await?,
    ))
}

/// A person's level in a skill.
#[derive(Deserialize, ToSchema)]
struct PersonSkillBody {
    /// 1 to 5.
    level: i32,
    /// Last day of the certification, YYYY-MM-DD, if certified.
    #[serde(default)]
    certified_until: String,
}

/// `PUT /people/{id}/skills/{skill_id}`: record or update a skill.
#[utoipa::path(put, path = "/people/{id}/skills/{skill_id}", tag = "skills", params(("id" = i64, Path), ("skill_id" = i64, Path)), request_body = PersonSkillBody, responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_person_skill(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path((id, skill_id)): Path<(i64, i64)>,
    Body(b): Body<PersonSkillBody>,
) -> WebResult<StatusCode> {
    grassroots_app::skills::set(&s.app, &c.actor, id, skill_id, b.level, &b.certified_until)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /people/{id}/skills/{skill_id}`.
#[utoipa::path(delete, path = "/people/{id}/skills/{skill_id}", tag = "skills", params(("id" = i64, Path), ("skill_id" = i64, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_person_skill(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path((id, skill_id)): Path<(i64, i64)>,
) -> WebResult<StatusCode> {
    grassroots_app::skills::remove(&s.app, &c.actor, id, skill_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /units/{id}/talents`: people per skill in the unit and below.
#[utoipa::path(get, path = "/units/{id}/talents", tag = "skills", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<Talent>), (status = 404, body = ErrorBody)))]
async fn talents(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<Vec<Talent>>> {
    Ok(Json(
        grassroots_app::skills::talents(&s.app, &c.actor, id).await?,
    ))
}

/// `GET /people/{id}/transfers`: a person's transfers seen from the
/// caller's units.
#[utoipa::path(get, path = "/people/{id}/transfers", tag = "transfers", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<Transfer>), (status = 404, body = ErrorBody)))]
async fn person_transfers(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<Vec<Transfer>>> {
    Ok(Json(
        grassroots_app::transfers::of_person(&s.app, &c.actor, id).await?,
    ))
}

/// A transfer request.
#[derive(Deserialize, ToSchema)]
struct TransferBody {
    /// The receiving unit.
    to_unit_id: UnitId,
}

/// `POST /people/{id}/transfers`: the sending unit issues a transfer.
#[utoipa::path(post, path = "/people/{id}/transfers", tag = "transfers", params(("id" = i64, Path)), request_body = TransferBody, responses(
    (status = 201, body = Transfer), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn issue_transfer(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<TransferBody>,
) -> WebResult<(StatusCode, Json<Transfer>)> {
    let t = grassroots_app::transfers::issue(&s.app, &c.actor, id, b.to_unit_id).await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// `GET /units/{id}/transfers`: pending transfers into and out of a unit.
#[utoipa::path(get, path = "/units/{id}/transfers", tag = "transfers", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<Transfer>), (status = 404, body = ErrorBody)))]
async fn unit_transfers(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<Vec<Transfer>>> {
    Ok(Json(
        grassroots_app::transfers::pending(&s.app, &c.actor, id).await?,
    ))
}

/// `POST /transfers/{id}/acknowledge`: the receiving unit takes the person.
#[utoipa::path(post, path = "/transfers/{id}/acknowledge", tag = "transfers", params(("id" = i64, Path)), responses(
    (status = 200, body = Transfer), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn acknowledge_transfer(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<Transfer>> {
    Ok(Json(
        grassroots_app::transfers::acknowledge(&s.app, &c.actor, id).await?,
    ))
}

/// `POST /transfers/{id}/cancel`: the sending unit withdraws a transfer.
#[utoipa::path(post, path = "/transfers/{id}/cancel", tag = "transfers", params(("id" = i64, Path)), responses(
    (status = 200, body = Transfer), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn cancel_transfer(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<Transfer>> {
    Ok(Json(
        grassroots_app::transfers::cancel(&s.app, &c.actor, id).await?,
    ))
}
