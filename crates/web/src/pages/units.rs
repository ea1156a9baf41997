//! Home and unit pages.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use grassroots_app::people::{self, PersonInput};
use grassroots_app::positions::{self, UnitPositions};
use grassroots_app::units::{self as svc, UnitView};
use grassroots_core::UnitId;
use grassroots_store::people::{PeopleFilter, Person, STATUSES};
use grassroots_store::positions::{PositionType, Vacancy};
use grassroots_store::skills::Talent;
use grassroots_store::units::UnitListing;
use serde::Deserialize;

use super::{FormError, Layout, LevelNames, Page, render};
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    ln: LevelNames,
    units: Vec<UnitListing>,
}

/// `GET /`: the units where the reader's navigation starts.
pub async fn home(p: Page) -> WebResult<Response> {
    let units = svc::tops(&p.state.app, &p.auth.actor).await?;
    let ln = LevelNames::load(&p).await?;
    let l = p.layout(p.tr.t("home-title"), Vec::new());
    Ok(render(StatusCode::OK, &HomePage { l, ln, units }))
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    l: Layout,
    view: UnitView,
    ln: LevelNames,
    levels: Vec<(String, String)>,
    merge_targets: Vec<(i64, String)>,
    closed_children: Vec<grassroots_store::units::Unit>,
    merged_into: Option<(i64, String)>,
    statuses: Vec<(String, String)>,
    people: Vec<Person>,
    q: String,
    status: String,
    subtree: bool,
    prev_page: Option<String>,
    next_page: Option<String>,
    move_targets: Vec<(i64, String)>,
    can_restructure: bool,
    unit_q: String,
    units_capped: bool,
    person_q: String,
    people_capped: bool,
    positions: UnitPositions,
    position_types: Vec<PositionType>,
    appointable: Vec<(i64, String)>,
    vacancies: Vec<Vacancy>,
    talents: Vec<Talent>,
    transfers: Vec<grassroots_store::transfers::Transfer>,
    decisions: grassroots_app::decisions::UnitDecisions,
    meetings: grassroots_app::meetings::UnitMeetings,
    regularity: grassroots_app::meetings::Regularity,
    bulletins: grassroots_app::bulletins::UnitBulletins,
    honours: grassroots_app::commendations::RollOfHonour,
    commendation_kinds: Vec<(String, String)>,
    meeting_types: Vec<(String, String)>,
    dates: super::Dates,
    sources: Vec<String>,
    plans: Vec<grassroots_store::plans::Plan>,
    skill_options: Vec<(i64, String)>,
    skill: i64,
    cell_options: Vec<(i64, String)>,
    cell: i64,
    err: Option<FormError>,
}

/// People filters of the unit page.
#[derive(Debug, Default, Deserialize)]
pub struct PeopleQuery {
    q: Option<String>,
    status: Option<String>,
    subtree: Option<String>,
    skill: Option<String>,
    cell: Option<String>,
    page: Option<i64>,
    /// Narrows the move and merge pickers.
    unit_q: Option<String>,
    /// Narrows the appointment picker.
    person_q: Option<String>,
}

const PAGE_SIZE: i64 = 50;
/// Choices listed in a unit or person picker before a search is needed.
const PICKER_SIZE: i64 = 100;

async fn unit_page(
    p: &Page,
    id: UnitId,
    query: &PeopleQuery,
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
    // Offer the levels that may sit under the unit, nearest first.
    let ln = LevelNames::load(p).await?;
    let levels = ln.below(&view.unit.level);
    let closed_children = svc::closed_children(&p.state.app, &p.auth.actor, id).await?;
    let merged_into = match view.unit.merged_into_id {
        Some(into) => svc::get(&p.state.app, &p.auth.actor, into)
            .await
            .ok()
            .map(|u| (u.id, u.name)),
        None => None,
    };

    let q = query.q.clone().unwrap_or_default().trim().to_string();
    let wanted_status = query.status.clone().unwrap_or_default();
    let subtree = query.subtree.as_deref() == Some("1");
    let page = query.page.unwrap_or(0).max(0);
    let wanted_skill = query
        .skill
        .as_deref()
        .and_then(|v| v.trim().parse::<i64>().ok());
    // The cells below the unit, to narrow the list to one of them.
    let cell_options: Vec<(i64, String)> = view
        .children
        .iter()
        .filter(|c| ln.kind(&c.level) == "cell")
        .map(|c| (c.id, c.name.clone()))
        .collect();
    let wanted_cell = query
        .cell
        .as_deref()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|c| cell_options.iter().any(|(id, _)| id == c));
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
    let prev_page = (page > 0).then(|| page_link(page - 1));
    let next_page = has_more.then(|| page_link(page + 1));
    let statuses = STATUSES
        .iter()
        .map(|s| (s.to_string(), p.tr.person_status(s)))
        .collect();
    let open_manager =
        view.can_manage && view.unit.parent_id.is_some() && view.unit.closed_at.is_none();
    let indent = |u: grassroots_store::units::Unit| {
        (u.id, format!("{}{}", "· ".repeat(u.depth as usize), u.name))
    };
    // Pickers list at most PICKER_SIZE choices; a name search narrows them.
    let unit_q = query.unit_q.clone().unwrap_or_default().trim().to_string();
    let person_q = query
        .person_q
        .clone()
        .unwrap_or_default()
        .trim()
        .to_string();
    let unit_filter = (!unit_q.is_empty()).then_some(unit_q.as_str());
    // One list serves both pickers: merging may target the parent, moving
    // may not, and moves are offered only where the profile lets the
    // unit's level sit.
    let targets = if open_manager {
        svc::move_targets(
            &p.state.app,
            &p.auth.actor,
            id,
            true,
            unit_filter,
            PICKER_SIZE,
        )
        .await?
    } else {
        Vec::new()
    };
    let units_capped = targets.len() as i64 >= PICKER_SIZE;
    let move_targets: Vec<(i64, String)> = targets
        .iter()
        .filter(|u| {
            Some(u.id) != view.unit.parent_id
                && grassroots_store::levels::may_sit_under(ln.levels(), &view.unit.level, &u.level)
        })
        .cloned()
        .map(indent)
        .collect();
    let merge_targets: Vec<(i64, String)> = targets.into_iter().map(indent).collect();
    let unit_positions = positions::of_unit(&p.state.app, &p.auth.actor, id).await?;
    let position_types = positions::types(&p.state.app).await?;
    let appointable = if view.can_manage {
        people::list(
            &p.state.app,
            &p.auth.actor,
            id,
            PeopleFilter {
                subtree: true,
                name: (!person_q.is_empty()).then(|| person_q.clone()),
                limit: PICKER_SIZE,
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .filter(|person| matches!(person.status.as_str(), "member" | "candidate" | "employee"))
        .map(|person| (person.id, person.full_name))
        .collect()
    } else {
        Vec::new()
    };
    let people_capped = appointable.len() as i64 >= PICKER_SIZE;
    let vacancies = if ln.kind(&view.unit.level) == "cell" {
        Vec::new()
    } else {
        positions::vacancies(&p.state.app, &p.auth.actor, id, 50).await?
    };
    let talents = grassroots_app::skills::talents(&p.state.app, &p.auth.actor, id).await?;
    let transfers = grassroots_app::transfers::pending(&p.state.app, &p.auth.actor, id).await?;
    let decisions = grassroots_app::decisions::of_unit(&p.state.app, &p.auth.actor, id).await?;
    let meetings = grassroots_app::meetings::of_unit(&p.state.app, &p.auth.actor, id).await?;
    let mut regularity =
        grassroots_app::meetings::regularity(&p.state.app, &p.auth.actor, id).await?;
    regularity.overdue.truncate(20);
    let bulletins = grassroots_app::bulletins::of_unit(&p.state.app, &p.auth.actor, id).await?;
    let mut honours = grassroots_app::commendations::roll(&p.state.app, &p.auth.actor, id).await?;
    honours.commendations.truncate(20);
    let commendation_kinds = super::meetings::commendation_kinds(p);
    let meeting_types = super::meetings::type_names(p).await?;
    let dates = super::Dates::load(p).await?;
    let plans = grassroots_app::plans::plans_of_unit(&p.state.app, &p.auth.actor, id).await?;
    let sources = grassroots_store::decisions::SOURCES
        .iter()
        .map(|s| s.to_string())
        .collect();
    let skill_options = grassroots_app::skills::catalogue(&p.state.app)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let l = p.layout(view.unit.name.clone(), crumbs);
    Ok(render(
        status,
        &UnitPage {
            talents,
            transfers,
            decisions,
            meetings,
            regularity,
            bulletins,
            honours,
            commendation_kinds,
            meeting_types,
            dates,
            plans,
            sources,
            skill_options,
            skill: wanted_skill.unwrap_or(0),
            cell_options,
            cell: wanted_cell.unwrap_or(0),
            positions: unit_positions,
            position_types,
            appointable,
            vacancies,
            l,
            view,
            ln,
            levels,
            merge_targets,
            closed_children,
            merged_into,
            statuses,
            people,
            q,
            status: wanted_status,
            subtree,
            prev_page,
            next_page,
            move_targets,
            can_restructure: open_manager,
            unit_q,
            units_capped,
            person_q,
            people_capped,
            err,
        },
    ))
}

/// The unit page again with a form's error next to the forms (other
/// errors go to the error page).
pub(super) async fn form_failed(
    p: &Page,
    id: UnitId,
    e: grassroots_app::AppError,
) -> WebResult<Response> {
    after_form::<()>(p, id, Err(e), "").await
}

/// Back to the unit page with `flash` on success; on a form error, the
/// unit page again with the error next to the forms.
async fn after_form<T>(
    p: &Page,
    id: UnitId,
    result: grassroots_app::AppResult<T>,
    flash: &str,
) -> WebResult<Response> {
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/units/{id}"),
            flash,
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            let q = PeopleQuery::default();
            unit_page(p, id, &q, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

/// `GET /units/{id}`.
pub async fn show(
    p: Page,
    Path(id): Path<UnitId>,
    Query(q): Query<PeopleQuery>,
) -> WebResult<Response> {
    unit_page(&p, id, &q, StatusCode::OK, None).await
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
    after_form(
        &p,
        id,
        people::create(&p.state.app, &p.auth.actor, id, input).await,
        "flash-person-added",
    )
    .await
}

/// Form to move a unit.
#[derive(Deserialize)]
pub struct MoveForm {
    parent_id: String,
}

/// `POST /units/{id}/move`.
pub async fn move_unit(
    p: Page,
    Path(id): Path<UnitId>,
    Form(f): Form<MoveForm>,
) -> WebResult<Response> {
    let result = match f.parent_id.trim().parse::<UnitId>() {
        Ok(to) => svc::move_unit(&p.state.app, &p.auth.actor, id, to).await,
        Err(_) => Err(grassroots_app::AppError::invalid("parent_id")),
    };
    after_form(&p, id, result, "flash-unit-moved").await
}

/// Form to add a child unit.
#[derive(Deserialize)]
pub struct ChildForm {
    name: String,
    level: String,
    #[serde(default)]
    external_id: String,
}

/// `POST /units/{id}/children`.
pub async fn create_child(
    p: Page,
    Path(id): Path<UnitId>,
    Form(f): Form<ChildForm>,
) -> WebResult<Response> {
    match svc::create(
        &p.state.app,
        &p.auth.actor,
        id,
        &f.name,
        &f.level,
        &f.external_id,
    )
    .await
    {
        Ok(unit) => Ok(redirect_with_flash(
            &p.state,
            &format!("/units/{}", unit.id),
            "flash-unit-created",
        )),
        Err(e) => after_form::<()>(&p, id, Err(e), "").await,
    }
}

/// Form to rename a unit and set its external id.
#[derive(Deserialize)]
pub struct RenameForm {
    name: String,
    /// Absent leaves the external id as it is; empty clears it.
    #[serde(default)]
    external_id: Option<String>,
}

/// `POST /units/{id}/rename`: name and external id.
pub async fn rename(
    p: Page,
    Path(id): Path<UnitId>,
    Form(f): Form<RenameForm>,
) -> WebResult<Response> {
    let result = svc::update(
        &p.state.app,
        &p.auth.actor,
        id,
        Some(&f.name),
        f.external_id.as_deref(),
    )
    .await;
    after_form(&p, id, result, "flash-unit-renamed").await
}

/// Appointment form.
#[derive(Deserialize)]
pub struct AppointForm {
    position_type: String,
    person_id: String,
    #[serde(default)]
    started_on: String,
}

/// `POST /units/{id}/positions`.
pub async fn appoint(
    p: Page,
    Path(id): Path<UnitId>,
    Form(f): Form<AppointForm>,
) -> WebResult<Response> {
    let result = match f.person_id.trim().parse::<i64>() {
        Ok(person) => {
            positions::assign(
                &p.state.app,
                &p.auth.actor,
                id,
                &f.position_type,
                person,
                &f.started_on,
            )
            .await
        }
        Err(_) => Err(grassroots_app::AppError::invalid("person_id")),
    };
    after_form(&p, id, result, "flash-position-assigned").await
}

/// Form to end a term.
#[derive(Deserialize)]
pub struct EndForm {
    #[serde(default)]
    ended_on: String,
}

/// `POST /positions/{id}/end`.
pub async fn end_position(
    p: Page,
    Path(id): Path<i64>,
    Form(f): Form<EndForm>,
) -> WebResult<Response> {
    let ended = positions::end(&p.state.app, &p.auth.actor, id, &f.ended_on).await?;
    Ok(redirect_with_flash(
        &p.state,
        &format!("/units/{}", ended.unit_id),
        "flash-position-ended",
    ))
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

/// Form to merge a unit into another.
#[derive(Deserialize)]
pub struct MergeForm {
    into_id: String,
}

/// `POST /units/{id}/merge`: the unit's people, positions, children and
/// pending transfers go to the chosen unit; this one closes.
pub async fn merge(
    p: Page,
    Path(id): Path<UnitId>,
    Form(f): Form<MergeForm>,
) -> WebResult<Response> {
    let into = match f.into_id.trim().parse::<UnitId>() {
        Ok(into) => into,
        Err(_) => {
            return after_form::<()>(
                &p,
                id,
                Err(grassroots_app::AppError::invalid("into_id")),
                "",
            )
            .await;
        }
    };
    match svc::merge(&p.state.app, &p.auth.actor, id, into).await {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/units/{into}"),
            "flash-unit-merged",
        )),
        Err(e) => after_form::<()>(&p, id, Err(e), "").await,
    }
}

/// `POST /units/{id}/close`.
pub async fn close(p: Page, Path(id): Path<UnitId>) -> WebResult<Response> {
    let result = svc::close(&p.state.app, &p.auth.actor, id).await;
    after_form(&p, id, result, "flash-unit-closed").await
}

#[derive(Template)]
#[template(path = "unit_history.html")]
struct HistoryPage {
    l: Layout,
    unit: grassroots_store::units::Unit,
    events: Vec<svc::UnitEvent>,
}

/// `GET /units/{id}/history`: what changed in the unit, oldest first.
pub async fn history(p: Page, Path(id): Path<UnitId>) -> WebResult<Response> {
    let view = svc::view(&p.state.app, &p.auth.actor, id).await?;
    let events = svc::history(&p.state.app, &p.auth.actor, id).await?;
    let mut crumbs: Vec<(String, Option<String>)> = view
        .path
        .iter()
        .map(|(u, readable)| (u.name.clone(), readable.then(|| format!("/units/{}", u.id))))
        .collect();
    crumbs.push((p.tr.t("unit-history"), None));
    let l = p.layout(p.tr.t1("unit-history-of", "unit", &view.unit.name), crumbs);
    Ok(render(
        StatusCode::OK,
        &HistoryPage {
            l,
            unit: view.unit,
            events,
        },
    ))
}

impl UnitPage {
    /// A share as a percentage, or a dash when nothing was counted.
    fn rate(&self, part: &i64, whole: &i64) -> String {
        if *whole > 0 {
            format!("{:.0} %", *part as f64 * 100.0 / *whole as f64)
        } else {
            "–".to_string()
        }
    }

    /// The translated name of a meeting type.
    fn meeting_type_name(&self, key: &str) -> String {
        self.meeting_types
            .iter()
            .find(|(k, _)| k == key)
            .map_or_else(|| key.to_string(), |(_, n)| n.clone())
    }
}
