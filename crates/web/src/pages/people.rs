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
use grassroots_store::skills::PersonSkill;
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
    skills: Vec<(PersonSkill, Option<String>)>,
    catalogue: Vec<(i64, String)>,
    transfers: Vec<grassroots_store::transfers::Transfer>,
    unit_choices: Vec<(i64, String)>,
    err: Option<FormError>,
    commendations: Vec<grassroots_store::commendations::Commendation>,
    meetings: Vec<grassroots_store::meetings::MeetingListing>,
    dates: super::Dates,
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
    let today = p.state.app.clock.now().date_naive();
    let skills = grassroots_app::skills::of_person(&p.state.app, &p.auth.actor, id)
        .await?
        .into_iter()
        .map(|s| {
            let state =
                grassroots_app::skills::certification_state(today, s.certified_until.as_deref());
            (s, state.map(str::to_string))
        })
        .collect();
    let catalogue = grassroots_app::skills::catalogue(&p.state.app)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let transfers = grassroots_app::transfers::of_person(&p.state.app, &p.auth.actor, id).await?;
    let commendations =
        grassroots_app::commendations::of_person(&p.state.app, &p.auth.actor, id).await?;
    let mut meetings = grassroots_app::meetings::of_person(&p.state.app, &p.auth.actor, id).await?;
    meetings.truncate(20);
    let dates = super::Dates::load(p).await?;
    let unit_choices = if rec.can_edit {
        units::list(&p.state.app, &p.auth.actor, 1000, 0)
            .await?
            .into_iter()
            .filter(|u| u.id != rec.person.unit_id)
            .map(|u| (u.id, u.name))
            .collect()
    } else {
        Vec::new()
    };
    let l = p.layout(rec.person.full_name.clone(), crumbs);
    Ok(render(
        status,
        &PersonPage {
            l,
            unit_name: view.unit.name,
            rec,
            statuses,
            positions,
            skills,
            catalogue,
            transfers,
            unit_choices,
            err,
            commendations,
            meetings,
            dates,
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

/// Skill form.
#[derive(Deserialize)]
pub struct SkillForm {
    skill_id: String,
    level: String,
    #[serde(default)]
    certified_until: String,
}

/// `POST /people/{id}/skills`.
pub async fn set_skill(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<SkillForm>,
) -> WebResult<Response> {
    let result = match (
        f.skill_id.trim().parse::<i64>(),
        f.level.trim().parse::<i32>(),
    ) {
        (Ok(skill), Ok(level)) => {
            grassroots_app::skills::set(
                &p.state.app,
                &p.auth.actor,
                id,
                skill,
                level,
                &f.certified_until,
            )
            .await
        }
        (Err(_), _) => Err(grassroots_app::AppError::invalid("skill_id")),
        (_, Err(_)) => Err(grassroots_app::AppError::invalid("level")),
    };
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &p.state,
            &format!("/people/{id}"),
            "flash-skill-saved",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            person_page(&p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

/// `POST /people/{id}/skills/{skill_id}/remove`.
pub async fn remove_skill(p: Page, Path((id, skill)): Path<(i64, i64)>) -> WebResult<Response> {
    grassroots_app::skills::remove(&p.state.app, &p.auth.actor, id, skill).await?;
    Ok(redirect_with_flash(
        &p.state,
        &format!("/people/{id}"),
        "flash-skill-removed",
    ))
}

/// Transfer form.
#[derive(Deserialize)]
pub struct TransferForm {
    to_unit_id: String,
}

/// `POST /people/{id}/transfers`.
pub async fn issue_transfer(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<TransferForm>,
) -> WebResult<Response> {
    let result = match f.to_unit_id.trim().parse::<i64>() {
        Ok(to) => grassroots_app::transfers::issue(&p.state.app, &p.auth.actor, id, to).await,
        Err(_) => Err(grassroots_app::AppError::invalid("to_unit_id")),
    };
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/people/{id}"),
            "flash-transfer-issued",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            person_page(&p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}
