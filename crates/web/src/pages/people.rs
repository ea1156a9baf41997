//! A person's page: the record (a logged read), status history, status
//! change.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use grassroots_app::people::{self, PersonInput, PersonRecord};
use grassroots_app::units::UnitAccess;
use grassroots_app::{positions, units};
use grassroots_core::UnitId;
use grassroots_store::people::STATUSES;
use grassroots_store::people::{PeopleFilter, Person};
use grassroots_store::positions::Position;
use grassroots_store::skills::PersonSkill;
use grassroots_store::skills::Talent;
use serde::Deserialize;

use super::sections::{SectionCtx, SectionFuture, UnitQuery, UnitSection, form_failed, html};
use super::{FormError, Layout, Page, render};
use crate::AppState;
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;

/// The person pages and their forms.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/units/{id}/people", post(add_person))
        .route("/people/{id}", get(show))
        .route("/people/{id}/status", post(set_status))
        .route("/people/{id}/skills", post(set_skill))
        .route("/people/{id}/transfers", post(issue_transfer))
        .route("/transfers/{id}/acknowledge", post(acknowledge_transfer))
        .route("/transfers/{id}/cancel", post(cancel_transfer))
        .route("/people/{id}/skills/{skill}/remove", post(remove_skill))
}

#[derive(Template)]
#[template(path = "people/person.html")]
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
    let dates = p.dates().await?;
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

/// Form to add a person.
#[derive(Deserialize)]
pub struct PersonForm {
    full_name: String,
    status: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    joined_on: String,
    #[serde(default)]
    external_id: String,
}

/// `POST /units/{id}/people`.
pub async fn add_person(
    p: Page,
    Path(id): Path<UnitId>,
    Form(f): Form<PersonForm>,
) -> WebResult<Response> {
    let input = PersonInput {
        full_name: f.full_name,
        contact: f.contact,
        status: f.status,
        joined_on: f.joined_on,
        external_id: f.external_id,
    };
    match people::create(&p.state.app, &p.auth.actor, id, input).await {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/units/{id}"),
            "flash-person-added",
        )),
        Err(e) => form_failed(&p, id, "people", e).await,
    }
}

/// `POST /transfers/{id}/acknowledge`: the receiving unit takes the person.
pub async fn acknowledge_transfer(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    let t = grassroots_app::transfers::acknowledge(&p.state.app, &p.auth.actor, id).await?;
    Ok(redirect_with_flash(
        &p.state,
        &format!("/units/{}", t.to_unit_id),
        "flash-transfer-acknowledged",
    ))
}

/// `POST /transfers/{id}/cancel`: the sending unit withdraws a transfer.
pub async fn cancel_transfer(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    let t = grassroots_app::transfers::cancel(&p.state.app, &p.auth.actor, id).await?;
    Ok(redirect_with_flash(
        &p.state,
        &format!("/units/{}", t.from_unit_id),
        "flash-transfer-cancelled",
    ))
}

/// People listed on a page of the unit page's people section.
const PAGE_SIZE: i64 = 50;

#[derive(Template)]
#[template(path = "people/unit_section.html")]
struct PeopleSection {
    l: Layout,
    view: UnitAccess,
    statuses: Vec<(String, String)>,
    people: Vec<Person>,
    q: String,
    status: String,
    subtree: bool,
    prev_page: Option<String>,
    next_page: Option<String>,
    skill_options: Vec<(i64, String)>,
    skill: i64,
    cell_options: Vec<(i64, String)>,
    cell: i64,
}

/// The unit page's people: the list with its filters, and adding a person.
pub(crate) const PEOPLE: UnitSection = UnitSection {
    key: "people",
    title: "people-title",
    render: people_section,
};

fn people_section<'a>(cx: &'a SectionCtx<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let (p, id, query) = (cx.p, cx.view.unit.id, cx.query);
        let q = UnitQuery::text(&query.q);
        let wanted_status = UnitQuery::text(&query.status);
        let subtree = query.subtree.as_deref() == Some("1");
        let page = query.page.unwrap_or(0).max(0);
        let wanted_skill = UnitQuery::number(&query.skill);
        // The cells below the unit, to narrow the list to one of them.
        let ln = &cx.ln;
        let cell_options: Vec<(i64, String)> =
            grassroots_app::units::children(&p.state.app, &p.auth.actor, id)
                .await?
                .into_iter()
                .filter(|c| ln.kind(&c.level) == "cell")
                .map(|c| (c.id, c.name))
                .collect();
        let wanted_cell =
            UnitQuery::number(&query.cell).filter(|c| cell_options.iter().any(|(id, _)| id == c));
        let mut people = people::list(
            &p.state.app,
            &p.auth.actor,
            wanted_cell.unwrap_or(id),
            PeopleFilter {
                subtree,
                name: (!q.is_empty()).then(|| q.clone()),
                status: (!wanted_status.is_empty()).then(|| wanted_status.clone()),
                skill: wanted_skill,
                limit: PAGE_SIZE + 1,
                offset: page * PAGE_SIZE,
            },
        )
        .await?;
        let has_more = people.len() as i64 > PAGE_SIZE;
        people.truncate(PAGE_SIZE as usize);
        let page_link = |n: i64| {
            let mut params = vec![("page", n.to_string())];
            if !q.is_empty() {
                params.push(("q", q.clone()));
            }
            if !wanted_status.is_empty() {
                params.push(("status", wanted_status.clone()));
            }
            if subtree {
                params.push(("subtree", "1".into()));
            }
            if let Some(skill) = wanted_skill {
                params.push(("skill", skill.to_string()));
            }
            if let Some(cell) = wanted_cell {
                params.push(("cell", cell.to_string()));
            }
            format!(
                "/units/{id}?{}",
                serde_urlencoded::to_string(&params).unwrap_or_default()
            )
        };
        let statuses = STATUSES
            .iter()
            .map(|s| (s.to_string(), p.tr.person_status(s)))
            .collect();
        let skill_options = grassroots_app::skills::catalogue(&p.state.app)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        html(&PeopleSection {
            l: cx.layout(),
            view: cx.view.clone(),
            statuses,
            prev_page: (page > 0).then(|| page_link(page - 1)),
            next_page: has_more.then(|| page_link(page + 1)),
            people,
            q,
            status: wanted_status,
            subtree,
            skill_options,
            skill: wanted_skill.unwrap_or(0),
            cell_options,
            cell: wanted_cell.unwrap_or(0),
        })
    })
}

#[derive(Template)]
#[template(path = "people/talents.html")]
struct TalentsSection {
    l: Layout,
    view: UnitAccess,
    talents: Vec<Talent>,
}

/// The unit page's talents: skills held in the subtree, with counts.
pub(crate) const TALENTS: UnitSection = UnitSection {
    key: "talents",
    title: "skills-talents",
    render: talents_section,
};

fn talents_section<'a>(cx: &'a SectionCtx<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let p = cx.p;
        html(&TalentsSection {
            l: cx.layout(),
            talents: grassroots_app::skills::talents(&p.state.app, &p.auth.actor, cx.view.unit.id)
                .await?,
            view: cx.view.clone(),
        })
    })
}

#[derive(Template)]
#[template(path = "people/transfers.html")]
struct TransfersSection {
    l: Layout,
    view: UnitAccess,
    transfers: Vec<grassroots_store::transfers::Transfer>,
}

/// The unit page's pending transfers, incoming and outgoing.
pub(crate) const TRANSFERS: UnitSection = UnitSection {
    key: "transfers",
    title: "transfers-title",
    render: transfers_section,
};

fn transfers_section<'a>(cx: &'a SectionCtx<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let p = cx.p;
        html(&TransfersSection {
            l: cx.layout(),
            transfers: grassroots_app::transfers::pending(
                &p.state.app,
                &p.auth.actor,
                cx.view.unit.id,
            )
            .await?,
            view: cx.view.clone(),
        })
    })
}
