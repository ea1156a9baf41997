//! Home and unit pages.

use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use grassroots_app::units::{self as svc, UnitView};
use grassroots_core::UnitId;
use grassroots_store::units::UnitListing;
use serde::Deserialize;

use super::{FormError, Layout, Page, render};
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    units: Vec<UnitListing>,
}

/// `GET /`: the units where the reader's navigation starts.
pub async fn home(p: Page) -> WebResult<Response> {
    let units = svc::tops(&p.state.app, &p.auth.actor).await?;
    let l = p.layout(p.tr.t("home-title"), Vec::new());
    Ok(render(StatusCode::OK, &HomePage { l, units }))
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    l: Layout,
    view: UnitView,
    levels: Vec<(String, String)>,
    err: Option<FormError>,
}

async fn unit_page(
    p: &Page,
    id: UnitId,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let view = svc::view(&p.state.app, &p.auth.actor, id).await?;
    let mut crumbs: Vec<(String, Option<String>)> = view
        .path
        .iter()
        .map(|(u, readable)| (u.name.clone(), readable.then(|| format!("/units/{}", u.id))))
        .collect();
    if let Some(last) = crumbs.last_mut() {
        last.1 = None;
    }
    // Offer the levels below the unit's own, nearest first.
    let below: Vec<&str> = match svc::LEVELS.iter().position(|l| *l == view.unit.level) {
        Some(i) if i + 1 < svc::LEVELS.len() => svc::LEVELS[i + 1..].to_vec(),
        _ => svc::LEVELS.to_vec(),
    };
    let levels = below
        .into_iter()
        .map(|k| (k.to_string(), p.tr.level(k)))
        .collect();
    let l = p.layout(view.unit.name.clone(), crumbs);
    Ok(render(
        status,
        &UnitPage {
            l,
            view,
            levels,
            err,
        },
    ))
}

/// `GET /units/{id}`.
pub async fn show(p: Page, Path(id): Path<UnitId>) -> WebResult<Response> {
    unit_page(&p, id, StatusCode::OK, None).await
}

/// Form to add a child unit.
#[derive(Deserialize)]
pub struct ChildForm {
    name: String,
    level: String,
}

/// `POST /units/{id}/children`.
pub async fn create_child(
    p: Page,
    Path(id): Path<UnitId>,
    Form(f): Form<ChildForm>,
) -> WebResult<Response> {
    match svc::create_child(&p.state.app, &p.auth.actor, id, &f.name, &f.level).await {
        Ok(unit) => Ok(redirect_with_flash(
            &p.state,
            &format!("/units/{}", unit.id),
            "flash-unit-created",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            unit_page(&p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

/// Form to rename a unit.
#[derive(Deserialize)]
pub struct RenameForm {
    name: String,
}

/// `POST /units/{id}/rename`.
pub async fn rename(
    p: Page,
    Path(id): Path<UnitId>,
    Form(f): Form<RenameForm>,
) -> WebResult<Response> {
    match svc::rename(&p.state.app, &p.auth.actor, id, &f.name).await {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/units/{id}"),
            "flash-unit-renamed",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            unit_page(&p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}
