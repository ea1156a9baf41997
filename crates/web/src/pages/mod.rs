//! Server-rendered pages. Handlers gather data through the application
//! services and render askama templates; every text comes from the
//! translation layer.

pub(crate) mod admin;
mod auth;
pub(crate) mod bulletins;
pub(crate) mod calendar;
pub(crate) mod commendations;
pub(crate) mod decisions;
mod form;
mod imports;
mod me;
pub(crate) mod meetings;
pub(crate) mod people;
pub(crate) mod plans;
pub(crate) mod sections;
pub(crate) mod units;

use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use grassroots_app::AppError;
use grassroots_app::auth::Authenticated;
use grassroots_core::Administer;

use crate::AppState;
use crate::assets;
use crate::error::{ErrorBody, WebError};
use crate::i18n::Tr;
use crate::middleware::{Auth, RequestCtx};

pub(crate) use admin::{AuditQuery, audit_filter};
pub(crate) use imports::attachment;

/// The page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(units::home))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/units/{id}", get(sections::show))
        .route("/units/{id}/children", post(units::create_child))
        .route("/units/{id}/rename", post(units::rename))
        .route("/units/{id}/people", post(people::add_person))
        .route("/units/{id}/move", post(units::move_unit))
        .route("/units/{id}/merge", post(units::merge))
        .route("/units/{id}/close", post(units::close))
        .route("/units/{id}/history", get(units::history))
        .route("/units/{id}/sections/{key}", get(sections::show_section))
        .route(
            "/units/{id}/import",
            get(imports::form)
                .post(imports::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::middleware::MAX_UPLOAD_BYTES,
                )),
        )
        .route("/imports/{id}", get(imports::show))
        .route("/units/{id}/decisions", post(decisions::issue))
        .route("/decisions/{id}", get(decisions::show))
        .route("/decisions/{id}/adopt", post(plans::adopt))
        .route("/units/{id}/meetings", post(meetings::convene))
        .route("/meetings/{id}", get(meetings::show))
        .route("/units/{id}/meetings.ics", get(calendar::unit))
        .route("/people/{id}/meetings.ics", get(calendar::person))
        .route("/meetings/{id}/participants", post(meetings::invite))
        .route("/meetings/{id}/attendance", post(meetings::attendance))
        .route("/meetings/{id}/agenda", post(meetings::add_item))
        .route(
            "/meetings/{id}/agenda/{item}/{action}",
            post(meetings::item_action),
        )
        .route(
            "/meetings/{id}/speeches/{speech}/{action}",
            post(meetings::speech_action),
        )
        .route("/meetings/{id}/minutes", post(meetings::minutes))
        .route("/meetings/{id}/decisions", post(meetings::decision))
        .route("/meetings/{id}/close", post(meetings::close))
        .route("/meetings/{id}/commendations", post(meetings::confer))
        .route("/meetings/{id}/bulletin", post(bulletins::compose))
        .route("/units/{id}/commendations", post(commendations::confer))
        .route("/units/{id}/model-units", post(commendations::designate))
        .route("/model-units/{id}/end", post(commendations::end))
        .route("/units/{id}/bulletins", post(bulletins::create))
        .route("/bulletins/{id}", get(bulletins::show))
        .route("/bulletins/{id}/export.md", get(bulletins::export))
        .route("/bulletins/{id}/articles", post(bulletins::add_article))
        .route(
            "/bulletins/{id}/articles/{article}/{action}",
            post(bulletins::article_action),
        )
        .route("/bulletins/{id}/publish", post(bulletins::publish))
        .route("/bulletins/{id}/acknowledge", post(bulletins::acknowledge))
        .route("/units/{id}/plans", post(plans::create_plan))
        .route("/units/{id}/dashboard", get(plans::dashboard))
        .route("/units/{id}/blockers", post(plans::open_blocker))
        .route("/plans/{id}", get(plans::show_plan))
        .route("/plans/{id}/targets", post(plans::add_target))
        .route("/targets/{id}", get(plans::show_target))
        .route("/targets/{id}/check-ins", post(plans::check_in))
        .route("/targets/{id}/cascade", post(plans::cascade))
        .route("/targets/{id}/delete", post(plans::delete_target))
        .route("/blockers/{id}/resolve", post(plans::resolve_blocker))
        .route(
            "/plans/{id}/review",
            get(plans::show_review).post(plans::save_review),
        )
        .route("/plans/{id}/review.csv", get(plans::review_csv))
        .route("/me/work", get(plans::my_work))
        .route("/me/reminders/{id}/dismiss", post(plans::dismiss_reminder))
        .route("/imports/{id}/check", post(imports::check))
        .route("/imports/{id}/commit", post(imports::commit))
        .route("/imports/{id}/cancel", post(imports::cancel))
        .route("/units/{id}/export/{file}", get(imports::download))
        .route("/units/{id}/positions", post(units::appoint))
        .route("/positions/{id}/end", post(units::end_position))
        .route("/people/{id}", get(people::show))
        .route("/people/{id}/status", post(people::set_status))
        .route("/people/{id}/skills", post(people::set_skill))
        .route("/people/{id}/transfers", post(people::issue_transfer))
        .route(
            "/transfers/{id}/acknowledge",
            post(people::acknowledge_transfer),
        )
        .route("/transfers/{id}/cancel", post(people::cancel_transfer))
        .route(
            "/people/{id}/skills/{skill}/remove",
            post(people::remove_skill),
        )
        .route(
            "/admin/skills",
            get(admin::skills).post(admin::create_skill),
        )
        .route("/me", get(me::show))
        .route("/me/password", post(me::change_password))
        .route("/me/logout-everywhere", post(me::logout_everywhere))
        .route("/me/tokens", post(me::create_token))
        .route("/me/tokens/{id}/revoke", post(me::revoke_token))
        .route(
            "/admin/accounts",
            get(admin::accounts).post(admin::create_account),
        )
        .route("/admin/accounts/{id}", get(admin::account))
        .route("/admin/meetings", get(admin::meeting_settings))
        .route("/admin/meetings/era", post(admin::set_era))
        .route("/admin/meetings/cadence", post(admin::set_cadence))
        .route("/admin/meetings/type", post(admin::set_meeting_type))
        .route("/admin/accounts/{id}/roles", post(admin::assign_role))
        .route("/admin/accounts/{id}/password", post(admin::reset_password))
        .route("/admin/accounts/{id}/disabled", post(admin::set_disabled))
        .route(
            "/admin/accounts/{id}/tokens/{token}/revoke",
            post(admin::revoke_token),
        )
        .route("/admin/accounts/{id}/person", post(admin::link_person))
        .route("/admin/roles/{id}/revoke", post(admin::revoke_role))
        .route("/admin/audit", get(admin::audit))
        .route(
            "/admin/profile",
            get(admin::profile).post(admin::set_profile),
        )
}

/// What the base layout needs.
pub struct Layout {
    /// Translator.
    pub tr: Tr,
    /// Page title.
    pub title: String,
    /// Signed-in user's login name.
    pub user_label: Option<String>,
    /// Whether to show administration links.
    pub is_admin: bool,
    /// CSRF token for forms.
    pub csrf: String,
    /// JSON for htmx's `hx-headers`, carrying the CSRF token.
    pub htmx_headers: String,
    /// Translated flash message.
    pub flash: Option<String>,
    /// Breadcrumbs: name and link (the current page has none).
    pub crumbs: Vec<(String, Option<String>)>,
    /// Stylesheet URL.
    pub css: String,
    /// htmx URL.
    pub js: String,
    /// The page script's URL.
    pub app_js: String,
    /// Request id.
    pub request_id: String,
}

/// A validation error shown above a form.
#[derive(Debug, Clone)]
pub struct FormError {
    /// Field at fault (the input's name), if any.
    pub field: String,
    /// Translated message.
    pub message: String,
}

impl FormError {
    /// Translates a service error for display next to a form. Other errors
    /// are passed on to the error page.
    pub fn from_app(tr: &Tr, e: AppError) -> Result<FormError, WebError> {
        match &e {
            AppError::Invalid(f) => Ok(FormError {
                field: f.field.to_string(),
                message: tr.ta(
                    "error-field",
                    &[
                        ("field", field_label(tr, f.field)),
                        (
                            "message",
                            tr.maybe(&format!("validation-{}", f.code.replace('_', "-")))
                                .unwrap_or_else(|| f.message.clone()),
                        ),
                    ],
                ),
            }),
            AppError::Conflict { field } => Ok(FormError {
                field: field.to_string(),
                message: tr.ta(
                    "error-field",
                    &[
                        ("field", field_label(tr, field)),
                        ("message", tr.t("error-conflict")),
                    ],
                ),
            }),
            AppError::BadRequest(m) if m != "csrf" => Ok(FormError {
                field: String::new(),
                message: m.clone(),
            }),
            _ => Err(WebError(e)),
        }
    }
}

/// Extractor for pages that need a signed-in user.
pub struct Page {
    /// Shared state.
    pub state: AppState,
    /// Request facts.
    pub ctx: RequestCtx,
    /// The signed-in identity.
    pub auth: Authenticated,
    /// Translator.
    pub tr: Tr,
}

/// Extractor for pages open to anonymous visitors.
pub struct PublicPage {
    /// Shared state.
    pub state: AppState,
    /// Request facts.
    pub ctx: RequestCtx,
    /// The signed-in identity, if any.
    pub auth: Option<Authenticated>,
    /// Translator.
    pub tr: Tr,
}

impl FromRequestParts<AppState> for PublicPage {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = parts
            .extensions
            .get::<RequestCtx>()
            .cloned()
            .ok_or_else(|| WebError(AppError::Internal("request context missing".into())))?;
        let auth = parts.extensions.get::<Auth>().and_then(|a| a.0.clone());
        let tr = state.i18n.translator(&state.app.config.locale);
        Ok(PublicPage {
            state: state.clone(),
            ctx,
            auth,
            tr,
        })
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let p = PublicPage::from_request_parts(parts, state).await?;
        match p.auth {
            // Pages are for people signed in with a session, not API tokens.
            Some(auth) if auth.session.is_some() => Ok(Page {
                state: p.state,
                ctx: p.ctx,
                auth,
                tr: p.tr,
            }),
            _ => Err(WebError(AppError::Unauthorized)),
        }
    }
}

/// Display names of the active profile's levels: a custom label, or the
/// translated name of a built-in key.
#[derive(Clone)]
pub struct LevelNames {
    tr: Tr,
    levels: Vec<grassroots_store::levels::Level>,
}

impl LevelNames {
    /// The active profile's levels, named in the page's language.
    pub async fn load(p: &Page) -> Result<LevelNames, WebError> {
        let levels = grassroots_app::units::levels(&p.state.app).await?;
        Ok(LevelNames::new(p.tr.clone(), levels))
    }

    /// `levels`, named in the language of `tr`.
    pub fn new(tr: Tr, levels: Vec<grassroots_store::levels::Level>) -> LevelNames {
        LevelNames { tr, levels }
    }

    /// The name of level `key` (the key itself for a level the profile
    /// no longer has).
    pub fn name(&self, key: &str) -> String {
        match self.levels.iter().find(|l| l.key == key) {
            Some(grassroots_store::levels::Level {
                label: Some(label), ..
            }) => label.clone(),
            _ => self.tr.level(key),
        }
    }

    /// The kind of level `key` (`body`, `primary`, `cell`).
    pub fn kind(&self, key: &str) -> &str {
        self.levels
            .iter()
            .find(|l| l.key == key)
            .map_or("body", |l| l.kind.as_str())
    }

    /// The levels whose units may sit directly under a unit of level
    /// `key`, top first, as (key, name).
    pub fn below(&self, key: &str) -> Vec<(String, String)> {
        self.levels
            .iter()
            .filter(|l| grassroots_store::levels::may_sit_under(&self.levels, &l.key, key))
            .map(|l| (l.key.clone(), self.name(&l.key)))
            .collect()
    }

    /// The active profile's levels, top first.
    pub fn levels(&self) -> &[grassroots_store::levels::Level] {
        &self.levels
    }

    /// Every level, top first, as (key, name, kind).
    pub fn all(&self) -> Vec<(String, String, String)> {
        self.levels
            .iter()
            .map(|l| (l.key.clone(), self.name(&l.key), l.kind.clone()))
            .collect()
    }
}

fn field_label(tr: &Tr, field: &str) -> String {
    tr.maybe(&format!("field-{}", field.replace('_', "-")))
        .unwrap_or_else(|| field.to_string())
}

fn flash_text(tr: &Tr, key: Option<&String>) -> Option<String> {
    key.filter(|k| k.starts_with("flash-"))
        .and_then(|k| tr.maybe(k))
}

impl Layout {
    /// The layout of an anonymous page: no user, no forms bound to a session.
    pub fn anonymous(tr: Tr, title: String, request_id: &str) -> Layout {
        Layout {
            tr,
            title,
            user_label: None,
            is_admin: false,
            csrf: String::new(),
            htmx_headers: "{}".into(),
            flash: None,
            crumbs: Vec::new(),
            css: assets::url(&assets::CSS),
            js: assets::url(&assets::HTMX),
            app_js: assets::url(&assets::APP_JS),
            request_id: request_id.to_string(),
        }
    }
}

impl Page {
    /// The layout for a page titled `title`.
    pub fn layout(&self, title: String, crumbs: Vec<(String, Option<String>)>) -> Layout {
        let csrf = self
            .auth
            .session
            .as_ref()
            .map(|s| s.csrf_token.clone())
            .unwrap_or_default();
        Layout {
            user_label: Some(self.auth.actor.label.clone()),
            is_admin: !self.auth.actor.principal.scope::<Administer>().is_empty(),
            htmx_headers: serde_json::json!({ "X-CSRF-Token": csrf }).to_string(),
            csrf,
            flash: flash_text(&self.tr, self.ctx.flash.as_ref()),
            crumbs,
            ..Layout::anonymous(self.tr.clone(), title, &self.ctx.request_id)
        }
    }
}

impl PublicPage {
    /// The layout for an anonymous page.
    pub fn layout(&self, title: String) -> Layout {
        Layout {
            flash: flash_text(&self.tr, self.ctx.flash.as_ref()),
            ..Layout::anonymous(self.tr.clone(), title, &self.ctx.request_id)
        }
    }
}

/// Renders a template into a response with `status`.
pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    message: String,
    detail: Option<String>,
}

/// The HTML error page, with the request id that appears in the logs.
pub fn error_page(
    state: &AppState,
    status: StatusCode,
    body: &ErrorBody,
    request_id: &str,
) -> Response {
    let tr = state.i18n.translator(&state.app.config.locale);
    let key = format!("error-{}", body.error.replace('_', "-"));
    let message = tr.maybe(&key).unwrap_or_else(|| tr.t("error-internal"));
    let detail = match body.error.as_str() {
        "invalid" | "bad_request" | "conflict" => Some(body.message.clone()),
        _ => None,
    };
    let l = Layout::anonymous(tr.clone(), tr.t("error-title"), request_id);
    render(status, &ErrorPage { l, message, detail })
}

/// Dates shown in the organization's calendar era; stored dates stay ISO.
#[derive(Clone)]
pub struct Dates {
    tr: Tr,
    era: grassroots_core::calendar::Era,
}

impl Dates {
    /// The organization's era, with the page's language.
    pub async fn load(p: &Page) -> Result<Dates, WebError> {
        Dates::with(&p.state, p.tr.clone()).await
    }

    /// A given era, in the language of `tr`.
    pub fn new(tr: Tr, era: grassroots_core::calendar::Era) -> Dates {
        Dates { tr, era }
    }

    /// The organization's era, in the language of `tr`.
    pub async fn with(state: &AppState, tr: Tr) -> Result<Dates, WebError> {
        Ok(Dates {
            tr,
            era: grassroots_app::meetings::era(&state.app).await?,
        })
    }

    /// An ISO date (YYYY-MM-DD) as shown: "28 February 2022", "28 February
    /// Juche 111 (2022)", "民國111年2月28日". Anything else is shown as is.
    pub fn day(&self, iso: &str) -> String {
        use chrono::Datelike;
        use grassroots_core::calendar::Era;
        let Ok(d) = chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d") else {
            return iso.to_string();
        };
        let args = |era_year: Option<i32>| {
            vec![
                ("day", d.day().to_string()),
                ("month", self.tr.t(&format!("month-{}", d.month()))),
                ("month_number", d.month().to_string()),
                ("year", d.year().to_string()),
                (
                    "era_year",
                    era_year.map(|y| y.abs().to_string()).unwrap_or_default(),
                ),
            ]
        };
        match (self.era, self.era.year(d)) {
            (Era::Juche, Some(y)) => self.tr.ta("date-juche", &args(Some(y))),
            (Era::Minguo, Some(y)) if y < 0 => self.tr.ta("date-minguo-before", &args(Some(y))),
            (Era::Minguo, Some(y)) => self.tr.ta("date-minguo", &args(Some(y))),
            _ => self.tr.ta("date-gregorian", &args(None)),
        }
    }

    /// `text` with its date tokens (`{date:YYYY-MM-DD}`) shown in the
    /// era: generated text follows the setting when it changes.
    pub fn text(&self, text: &str) -> String {
        grassroots_core::calendar::expand_date_tokens(text, |d| self.day(d))
    }

    /// A span of days: one day, or "first – last".
    pub fn span(&self, from: &str, to: &str) -> String {
        self.text(&grassroots_core::calendar::span_token(from, to))
    }
}
