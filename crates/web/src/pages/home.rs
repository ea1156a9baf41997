//! The home page: for a person, their unit's plans, the meetings they are
//! invited to, the decisions and bulletins their unit received, their
//! commendations and welfare cases; for every reader, the units where
//! their navigation starts. Also the person's calendar subscription,
//! whose feed is read without a cookie.

use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use grassroots_app::home::{MemberHome, member_home};
use grassroots_app::{AppError, meetings, units as svc};
use grassroots_store::units::UnitListing;

use super::{Layout, LevelNames, Page, PublicPage, render};
use crate::AppState;
use crate::error::WebResult;
use crate::ics::{base_url, ics, ics_response};
use crate::middleware::redirect_with_flash;
use crate::render::type_names_in;

/// The home page and the personal calendar subscription.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/me/calendar", post(create_feed))
        .route("/me/calendar/revoke", post(revoke_feed))
        .route("/calendar/{file}", get(feed))
}

#[derive(Template)]
#[template(path = "home/home.html")]
struct HomePage {
    l: Layout,
    ln: LevelNames,
    units: Vec<UnitListing>,
    member: Option<MemberHome>,
    /// The calendar URL just made, shown once.
    new_feed_url: Option<String>,
    dates: super::Dates,
    today: String,
}

async fn home_page(p: &Page, new_feed_url: Option<String>) -> WebResult<Response> {
    let member = member_home(&p.state.app, &p.auth.actor).await?;
    let units = svc::tops(&p.state.app, &p.auth.actor).await?;
    // Level names are only shown beside units.
    let ln = if units.is_empty() {
        LevelNames::new(p.tr.clone(), Vec::new())
    } else {
        LevelNames::load(p).await?
    };
    let l = p.layout(p.tr.t("home-title"), Vec::new());
    Ok(render(
        StatusCode::OK,
        &HomePage {
            l,
            ln,
            units,
            member,
            new_feed_url,
            dates: p.dates().await?,
            today: p.state.app.clock.today().to_string(),
        },
    ))
}

/// `GET /`.
pub async fn home(p: Page) -> WebResult<Response> {
    home_page(&p, None).await
}

/// `POST /me/calendar`: make (or replace) the calendar subscription and
/// show its URL once.
pub async fn create_feed(p: Page, headers: HeaderMap) -> WebResult<Response> {
    let secret = meetings::create_personal_feed(&p.state.app, &p.auth.actor).await?;
    let base = base_url(&p.state.app.config.public_url, &headers);
    home_page(&p, Some(format!("{base}/calendar/{secret}.ics"))).await
}

/// `POST /me/calendar/revoke`.
pub async fn revoke_feed(p: Page) -> WebResult<Response> {
    meetings::revoke_personal_feed(&p.state.app, &p.auth.actor).await?;
    Ok(redirect_with_flash(
        &p.state,
        "/#calendar",
        "flash-calendar-revoked",
    ))
}

/// `GET /calendar/{secret}.ics`: the person's meetings, for calendar apps
/// (no cookie; the secret is the credential).
pub async fn feed(
    p: PublicPage,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> WebResult<Response> {
    let secret = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    let (name, entries) = meetings::personal_feed(&p.state.app, secret).await?;
    let names = type_names_in(&p.state.app, &p.tr).await?;
    let base = base_url(&p.state.app.config.public_url, &headers);
    let text = ics(&name, &entries, &names, &base, p.state.app.clock.now());
    Ok(ics_response("meetings.ics", text))
}
