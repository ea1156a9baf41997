//! Administration pages: accounts, role assignments, the audit log.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use grassroots_app::accounts::{self, AccountDetail, CreateInput};
use grassroots_app::{AppError, audit, roles, units};
use grassroots_core::{AccountId, Administer, Assignment, Role, ScopeKind};
use grassroots_store::accounts::Account;
use grassroots_store::audit::AuditRecord;
use serde::Deserialize;

use super::{FormError, Layout, Page, render};
use crate::AppState;
use crate::api::audit::{AuditQuery, audit_filter};
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;

/// The administration pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/skills", get(skills).post(create_skill))
        .route("/admin/accounts", get(accounts).post(create_account))
        .route("/admin/accounts/{id}", get(account))
        .route("/admin/meetings", get(meeting_settings))
        .route("/admin/meetings/era", post(set_era))
        .route("/admin/meetings/cadence", post(set_cadence))
        .route("/admin/meetings/type", post(set_meeting_type))
        .route("/admin/accounts/{id}/roles", post(assign_role))
        .route("/admin/accounts/{id}/password", post(reset_password))
        .route("/admin/accounts/{id}/disabled", post(set_disabled))
        .route(
            "/admin/accounts/{id}/tokens/{token}/revoke",
            post(revoke_token),
        )
        .route("/admin/accounts/{id}/person", post(link_person))
        .route("/admin/roles/{id}/revoke", post(revoke_role))
        .route("/admin/audit", get(audit))
        .route("/admin/profile", get(profile).post(set_profile))
}

/// Units offered in selects: those the actor administers, indented by depth.
async fn unit_options(p: &Page) -> WebResult<Vec<(i64, String)>> {
    let all = units::list_administered(&p.state.app, &p.auth.actor, 1000, 0).await?;
    Ok(all
        .into_iter()
        .map(|u| (u.id, format!("{}{}", "· ".repeat(u.depth as usize), u.name)))
        .collect())
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
    let units = unit_options(p).await?;
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
    let units = unit_options(p).await?;
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

#[derive(Template)]
#[template(path = "audit/audit.html")]
struct AuditPage {
    l: Layout,
    rows: Vec<AuditRecord>,
    units: Vec<(i64, String)>,
    f_actor: String,
    f_unit: String,
    f_action: String,
    f_from: String,
    f_to: String,
    older: Option<String>,
}

/// `GET /admin/audit`.
pub async fn audit(p: Page, Query(q): Query<AuditQuery>) -> WebResult<Response> {
    let filter = audit_filter(&q)?;
    let rows = audit::list(&p.state.app, &p.auth.actor, &filter).await?;
    let older = (rows.len() as i64 == filter.limit).then(|| {
        let last = rows.last().map(|r| r.id).unwrap_or_default();
        let mut params: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("actor", &q.actor),
            ("unit", &q.unit),
            ("action", &q.action),
            ("from", &q.from),
            ("to", &q.to),
        ] {
            if let Some(v) = v {
                params.push((k, v.clone()));
            }
        }
        params.push(("before", last.to_string()));
        format!(
            "/admin/audit?{}",
            serde_urlencoded::to_string(&params).unwrap_or_default()
        )
    });
    let units = unit_options(&p).await?;
    let l = p.layout(p.tr.t("audit-title"), Vec::new());
    let v = |s: &Option<String>| s.clone().unwrap_or_default();
    Ok(render(
        StatusCode::OK,
        &AuditPage {
            l,
            rows,
            units,
            f_actor: v(&q.actor),
            f_unit: v(&q.unit),
            f_action: v(&q.action),
            f_from: v(&q.from),
            f_to: v(&q.to),
            older,
        },
    ))
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

#[derive(Template)]
#[template(path = "skills/skills.html")]
struct SkillsPage {
    l: Layout,
    skills: Vec<grassroots_store::skills::Skill>,
    err: Option<FormError>,
}

async fn skills_page(p: &Page, status: StatusCode, err: Option<FormError>) -> WebResult<Response> {
    administrators_only(p)?;
    let skills = grassroots_app::skills::catalogue(&p.state.app).await?;
    let l = p.layout(p.tr.t("skills-title"), Vec::new());
    Ok(render(status, &SkillsPage { l, skills, err }))
}

/// `GET /admin/skills`.
pub async fn skills(p: Page) -> WebResult<Response> {
    skills_page(&p, StatusCode::OK, None).await
}

/// New skill form.
#[derive(Deserialize)]
pub struct SkillForm {
    name: String,
    category: String,
}

/// `POST /admin/skills`.
pub async fn create_skill(p: Page, Form(f): Form<SkillForm>) -> WebResult<Response> {
    match grassroots_app::skills::create(&p.state.app, &p.auth.actor, &f.name, &f.category).await {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            "/admin/skills",
            "flash-skill-created",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            skills_page(&p, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

#[derive(Template)]
#[template(path = "units/profile.html")]
struct ProfilePage {
    l: Layout,
    active: String,
    active_name: String,
    levels: Vec<(String, String, String)>,
    builtins: Vec<(String, String)>,
    custom_text: String,
    err: Option<FormError>,
}

async fn profile_page(
    p: &Page,
    status: StatusCode,
    err: Option<FormError>,
    custom_text: Option<String>,
) -> WebResult<Response> {
    administrators_only(p)?;
    let (profile, _) = grassroots_app::units::profile(&p.state.app).await?;
    let ln = super::LevelNames::load(p).await?;
    let levels = ln.all();
    let custom_text = custom_text.unwrap_or_else(|| {
        levels
            .iter()
            .zip(ln.levels())
            .map(|((k, name, kind), level)| match &level.parents {
                Some(p) => format!("{k} | {name} | {kind} | {}", p.join(" ")),
                None => format!("{k} | {name} | {kind}"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    let builtins = grassroots_store::levels::BUILTIN_PROFILES
        .iter()
        .map(|k| {
            (
                k.to_string(),
                p.tr.t(&format!("profile-{}", k.replace('_', "-"))),
            )
        })
        .collect();
    let l = p.layout(p.tr.t("profile-title"), Vec::new());
    Ok(render(
        status,
        &ProfilePage {
            l,
            active_name: p.tr.t(&format!("profile-{}", profile.replace('_', "-"))),
            active: profile,
            levels,
            builtins,
            custom_text,
            err,
        },
    ))
}

/// `GET /admin/profile`: the organization profile naming the levels.
pub async fn profile(p: Page) -> WebResult<Response> {
    profile_page(&p, StatusCode::OK, None, None).await
}

/// Profile form: a built-in name, or `custom` with its lines.
#[derive(Deserialize)]
pub struct ProfileForm {
    profile: String,
    #[serde(default)]
    levels: String,
}

/// `POST /admin/profile`.
pub async fn set_profile(p: Page, Form(f): Form<ProfileForm>) -> WebResult<Response> {
    let result = if f.profile.trim() == "custom" {
        grassroots_app::profiles::set_custom(&p.state.app, &p.auth.actor, &f.levels).await
    } else {
        grassroots_app::profiles::set_builtin(&p.state.app, &p.auth.actor, &f.profile).await
    };
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            "/admin/profile",
            "flash-profile-saved",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            let text = (f.profile.trim() == "custom").then_some(f.levels);
            profile_page(&p, StatusCode::UNPROCESSABLE_ENTITY, Some(err), text).await
        }
    }
}

#[derive(Template)]
#[template(path = "meetings/settings.html")]
struct MeetingSettingsPage {
    l: Layout,
    /// (key, name, selected) of each era, with today's date shown in it.
    eras: Vec<(String, String, bool)>,
    types: Vec<(String, String)>,
    levels: Vec<(String, String, String)>,
    /// (type name, level name, type key, level key, every days).
    cadences: Vec<(String, String, String, String, i64)>,
    err: Option<FormError>,
}

/// Refuses anyone who administers no unit (the settings pages are theirs;
/// changing the organization's settings needs more, checked by the
/// services).
fn administrators_only(p: &Page) -> WebResult<()> {
    if p.auth.actor.principal.scope::<Administer>().is_empty() {
        return Err(AppError::Forbidden.into());
    }
    Ok(())
}

async fn meeting_settings_page(
    p: &Page,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    administrators_only(p)?;
    let settings = grassroots_app::meetings::settings(&p.state.app).await?;
    let types = super::meetings::type_names(p).await?;
    let ln = super::LevelNames::load(p).await?;
    let today = p.state.app.clock.now().date_naive().to_string();
    let eras = grassroots_core::calendar::Era::ALL
        .into_iter()
        .map(|era| {
            let shown = super::Dates::new(p.tr.clone(), era).day(&today);
            (
                era.as_str().to_string(),
                format!("{} — {shown}", p.tr.t(&format!("era-{}", era.as_str()))),
                era.as_str() == settings.calendar_era,
            )
        })
        .collect();
    let type_name = |k: &str| {
        types
            .iter()
            .find(|(key, _)| key == k)
            .map_or_else(|| k.to_string(), |(_, n)| n.clone())
    };
    let cadences = settings
        .cadences
        .iter()
        .map(|c| {
            (
                type_name(&c.meeting_type),
                ln.name(&c.level),
                c.meeting_type.clone(),
                c.level.clone(),
                c.every_days,
            )
        })
        .collect();
    let l = p.layout(p.tr.t("meeting-settings-title"), Vec::new());
    Ok(render(
        status,
        &MeetingSettingsPage {
            l,
            eras,
            types,
            levels: ln.all(),
            cadences,
            err,
        },
    ))
}

/// `GET /admin/meetings`: the calendar era and the meeting cadences.
pub async fn meeting_settings(p: Page) -> WebResult<Response> {
    meeting_settings_page(&p, StatusCode::OK, None).await
}

/// Era form.
#[derive(Deserialize)]
pub struct EraForm {
    calendar_era: String,
}

/// `POST /admin/meetings/era`.
pub async fn set_era(p: Page, Form(f): Form<EraForm>) -> WebResult<Response> {
    let result =
        grassroots_app::meetings::set_era(&p.state.app, &p.auth.actor, &f.calendar_era).await;
    settings_saved(&p, result).await
}

/// Cadence form; empty days remove the cadence.
#[derive(Deserialize)]
pub struct CadenceForm {
    meeting_type: String,
    level: String,
    #[serde(default)]
    every_days: String,
}

/// `POST /admin/meetings/cadence`.
pub async fn set_cadence(p: Page, Form(f): Form<CadenceForm>) -> WebResult<Response> {
    let days = f.every_days.trim();
    let every_days = if days.is_empty() {
        None
    } else {
        match days.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => return settings_saved::<()>(&p, Err(AppError::invalid("every_days"))).await,
        }
    };
    let input = grassroots_app::meetings::CadenceInput {
        meeting_type: f.meeting_type,
        level: f.level,
        every_days,
    };
    let result = grassroots_app::meetings::set_cadence(&p.state.app, &p.auth.actor, input).await;
    settings_saved(&p, result).await
}

/// Meeting type form.
#[derive(Deserialize)]
pub struct MeetingTypeForm {
    key: String,
    #[serde(default)]
    label: String,
}

/// `POST /admin/meetings/type`: add or rename a kind of meeting.
pub async fn set_meeting_type(p: Page, Form(f): Form<MeetingTypeForm>) -> WebResult<Response> {
    let input = grassroots_app::meetings::MeetingTypeInput {
        key: f.key,
        label: f.label,
    };
    let result = grassroots_app::meetings::set_type(&p.state.app, &p.auth.actor, input).await;
    settings_saved(&p, result).await
}

async fn settings_saved<T>(p: &Page, result: grassroots_app::AppResult<T>) -> WebResult<Response> {
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            "/admin/meetings",
            "flash-meeting-settings-saved",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            meeting_settings_page(p, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}
