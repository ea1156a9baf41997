//! Meeting settings: the calendar era, cadences and meeting types.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use grassroots_app::AppError;
use serde::Deserialize;

use crate::AppState;
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;
use crate::pages::{FormError, Layout, Page, render};

/// The meeting settings page.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/meetings", get(meeting_settings))
        .route("/admin/meetings/era", post(set_era))
        .route("/admin/meetings/cadence", post(set_cadence))
        .route("/admin/meetings/type", post(set_meeting_type))
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

async fn meeting_settings_page(
    p: &Page,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    crate::pages::administrators_only(p)?;
    let settings = grassroots_app::meetings::settings(&p.state.app).await?;
    let types = crate::pages::meetings::type_names(p).await?;
    let ln = crate::pages::LevelNames::load(p).await?;
    let today = p.state.app.clock.now().date_naive().to_string();
    let eras = grassroots_core::calendar::Era::ALL
        .into_iter()
        .map(|era| {
            let shown = crate::pages::Dates::new(p.tr.clone(), era).day(&today);
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
