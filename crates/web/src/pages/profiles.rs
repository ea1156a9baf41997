//! The organization profile: the names of the tree's levels.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::{FormError, Layout, Page, render};
use crate::AppState;
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;

/// The organization profile page.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/profile", get(profile).post(set_profile))
        .route("/admin/profile/locale", axum::routing::post(set_locale))
}

#[derive(Template)]
#[template(path = "profiles/profile.html")]
struct ProfilePage {
    l: Layout,
    active: String,
    active_name: String,
    levels: Vec<(String, String, String)>,
    builtins: Vec<(String, String)>,
    custom_text: String,
    err: Option<FormError>,
    locales: Vec<(String, String)>,
    chosen_locale: String,
}

async fn profile_page(
    p: &Page,
    status: StatusCode,
    err: Option<FormError>,
    custom_text: Option<String>,
) -> WebResult<Response> {
    super::administrators_only(p)?;
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
    let builtins = grassroots_store::profiles::BUILTIN_PROFILES
        .iter()
        .map(|k| {
            (
                k.to_string(),
                p.tr.t(&format!("profile-{}", k.replace('_', "-"))),
            )
        })
        .collect();
    let l = p.layout(p.tr.t("profile-title"), Vec::new());
    let chosen_locale = grassroots_app::profiles::chosen_default_locale(&p.state.app)
        .await?
        .unwrap_or_default();
    let server_locale = grassroots_core::vocab::Locale::parse(&p.state.app.config.locale)
        .map_or(p.state.app.config.locale.as_str(), |l| l.autonym());
    let locales = super::locale_options(&p.tr.t1("profile-locale-server", "locale", server_locale));
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
            locales,
            chosen_locale,
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

/// `POST /admin/profile/locale`: the organization's default language.
pub async fn set_locale(p: Page, Form(f): Form<super::LocaleForm>) -> WebResult<Response> {
    match grassroots_app::profiles::set_default_locale(&p.state.app, &p.auth.actor, f.locale())
        .await
    {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            "/admin/profile",
            "flash-default-locale-saved",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            profile_page(&p, StatusCode::UNPROCESSABLE_ENTITY, Some(err), None).await
        }
    }
}
