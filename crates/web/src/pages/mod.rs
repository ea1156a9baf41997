//! Server-rendered pages. Handlers gather data through the application
//! services and render askama templates; every text comes from the
//! translation layer.

pub(crate) mod accounts;
pub(crate) mod appeals;
pub(crate) mod audit;
pub(crate) mod auth;
pub(crate) mod bulletins;
pub(crate) mod calendar;
pub(crate) mod checklists;
pub(crate) mod commendations;
pub(crate) mod decisions;
pub(crate) mod experiences;
mod form;
pub(crate) mod home;
pub(crate) mod imports;
pub(crate) mod me;
pub(crate) mod meetings;
pub(crate) mod people;
pub(crate) mod plans;
pub(crate) mod profiles;
pub(crate) mod safety;
pub(crate) mod search;
pub(crate) mod sections;
pub(crate) mod skills;
pub(crate) mod study;
pub(crate) mod supply;
pub(crate) mod units;
pub(crate) mod welfare;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use grassroots_app::AppError;
use grassroots_app::auth::Authenticated;
use grassroots_core::Administer;

use crate::AppState;
use crate::error::WebError;
use crate::i18n::Tr;
use crate::middleware::{Auth, RequestCtx};
pub use crate::render::{Dates, Layout, render};

/// The page routes of `features`.
pub fn routes(features: &[fn() -> Router<AppState>]) -> Router<AppState> {
    features
        .iter()
        .fold(Router::new(), |router, routes| router.merge(routes()))
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
                        ("field", tr.field_label(f.field)),
                        ("message", tr.validation(f.code, &f.message)),
                    ],
                ),
            }),
            AppError::Conflict { field } => Ok(FormError {
                field: field.to_string(),
                message: tr.ta(
                    "error-field",
                    &[
                        ("field", tr.field_label(field)),
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
        let tr = state.i18n.translator(&ctx.locale);
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
    levels: Vec<grassroots_store::profiles::Level>,
}

impl LevelNames {
    /// The active profile's levels, named in the page's language.
    pub async fn load(p: &Page) -> Result<LevelNames, WebError> {
        let levels = grassroots_app::units::levels(&p.state.app).await?;
        Ok(LevelNames::new(p.tr.clone(), levels))
    }

    /// `levels`, named in the language of `tr`.
    pub fn new(tr: Tr, levels: Vec<grassroots_store::profiles::Level>) -> LevelNames {
        LevelNames { tr, levels }
    }

    /// The name of level `key` (the key itself for a level the profile
    /// no longer has).
    pub fn name(&self, key: &str) -> String {
        match self.levels.iter().find(|l| l.key == key) {
            Some(grassroots_store::profiles::Level {
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
            .filter(|l| grassroots_store::profiles::may_sit_under(&self.levels, &l.key, key))
            .map(|l| (l.key.clone(), self.name(&l.key)))
            .collect()
    }

    /// The active profile's levels, top first.
    pub fn levels(&self) -> &[grassroots_store::profiles::Level] {
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

/// The languages a language menu offers: "none chosen" (labelled
/// `unset`) first, then each shipped one by its own name.
pub(crate) fn locale_options(unset: &str) -> Vec<(String, String)> {
    std::iter::once((String::new(), unset.to_string()))
        .chain(
            grassroots_core::vocab::Locale::ALL
                .iter()
                .map(|l| (l.as_str().to_string(), l.autonym().to_string())),
        )
        .collect()
}

/// A language form (the account's own, the organization's default):
/// empty for none chosen.
#[derive(serde::Deserialize)]
pub struct LocaleForm {
    #[serde(default)]
    locale: String,
}

impl LocaleForm {
    /// The language chosen, as typed.
    pub fn locale(&self) -> &str {
        &self.locale
    }
}

fn flash_text(tr: &Tr, key: Option<&String>) -> Option<String> {
    key.filter(|k| k.starts_with("flash-"))
        .and_then(|k| tr.maybe(k))
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

impl Page {
    /// Dates in the organization's era, in the page's language.
    pub async fn dates(&self) -> Result<Dates, WebError> {
        Dates::with(&self.state, self.tr.clone()).await
    }
}

/// Units offered in selects: those the actor administers, indented by depth.
pub(crate) async fn administered_units(p: &Page) -> crate::error::WebResult<Vec<(i64, String)>> {
    let all =
        grassroots_app::units::list_administered(&p.state.app, &p.auth.actor, 1000, 0).await?;
    Ok(all
        .into_iter()
        .map(|u| (u.id, format!("{}{}", "· ".repeat(u.depth as usize), u.name)))
        .collect())
}

/// Refuses anyone who administers no unit (the settings pages are theirs;
/// changing the organization's settings needs more, checked by the
/// services).
pub(crate) fn administrators_only(p: &Page) -> crate::error::WebResult<()> {
    if p.auth
        .actor
        .principal
        .scope::<grassroots_core::Administer>()
        .is_empty()
    {
        return Err(grassroots_app::AppError::Forbidden.into());
    }
    Ok(())
}

/// `POST /units/{id}/<feature>/handlers`: gives (`holds=1`) or takes a duty
/// at a unit, then back to the unit page's section (or its form's error).
pub(crate) async fn set_duty(
    p: &Page,
    unit_id: grassroots_core::UnitId,
    body: &[u8],
    duty: grassroots_store::duties::Duty,
    section: &str,
    flash: &str,
) -> crate::error::WebResult<axum::response::Response> {
    let f = form::pairs(body);
    let result = async {
        let account =
            form::id_in(&f, "account_id")?.ok_or_else(|| AppError::invalid("account_id"))?;
        let holds = form::opt(&f, "holds").as_deref() == Some("1");
        grassroots_app::duties::set(&p.state.app, &p.auth.actor, duty, unit_id, account, holds)
            .await
    }
    .await;
    match result {
        Ok(()) => Ok(crate::middleware::redirect_with_flash(
            &p.state,
            &format!("/units/{unit_id}#{section}"),
            flash,
        )),
        Err(e) => sections::form_failed(p, unit_id, section, e).await,
    }
}
