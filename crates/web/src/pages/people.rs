//! A person's page: the record (a logged read), status history, status
//! change.

use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use grassroots_app::people::{self, PersonRecord};
use grassroots_app::{positions, units};
use grassroots_store::people::STATUSES;
use grassroots_store::positions::Position;
use serde::Deserialize;

use super::{FormError, Layout, Page, render};
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    l: Layout,
    rec: PersonRecord,
    unit_name: String,
    statuses: Vec<(String, String)>,
    positions: Vec<Position>,
    err: Option<FormError>,
}

async fn person_page(
    p: &Page,
    id: i64,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let rec = people::open(&p.state.app, &p.auth.actor, id).await?;
    let view = units::view(&p.state.app, &p.auth.actor, rec.person.unit_id).await?;
    let mut crumbs: Vec<(String, Option<String>)> = view
        .path
        .iter()
        .map(|(u, readable)| (u.name.clone(), readable.then(|| format!("/units/{}", u.id))))
        .collect();
    crumbs.push((rec.person.full_name.clone(), None));
    let statuses = STATUSES
        .iter()
        .map(|s| (s.to_string(), p.tr.person_status(s)))
        .collect();
    let positions = positions::of_person(&p.state.app, &p.auth.actor, id).await?;
    let l = p.layout(rec.person.full_name.clone(), crumbs);
    Ok(render(
        status,
        &PersonPage {
            l,
            unit_name: view.unit.name,
            rec,
            statuses,
            positions,
            err,
        },
    ))
}

/// `GET /people/{id}`. Opening a record is logged, so a link from another
/// site must not open it.
pub async fn show(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    if p.ctx.fetch_site.as_deref() == Some("cross-site") {
        return Err(crate::error::csrf_refused());
    }
    person_page(&p, id, StatusCode::OK, None).await
}

/// Status change form.
#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
}

/// `POST /people/{id}/status`.
pub async fn set_status(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> WebResult<Response> {
    match people::set_status(&p.state.app, &p.auth.actor, id, &f.status).await {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/people/{id}"),
            "flash-person-status",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            person_page(&p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}
