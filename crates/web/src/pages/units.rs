//! Home and unit pages.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use grassroots_app::people;
use grassroots_app::positions::{self, UnitPositions};
use grassroots_app::units::{self as svc, UnitAccess};
use grassroots_core::UnitId;
use grassroots_core::vocab::PersonStatus;
use grassroots_store::people::PeopleFilter;
use grassroots_store::positions::{PositionType, Vacancy};
use grassroots_store::units::UnitListing;
use serde::Deserialize;

use super::sections::{SectionCtx, SectionFuture, UnitQuery, UnitSection, form_failed, html};
use super::{Layout, LevelNames, Page, render};
use crate::AppState;
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;

/// The unit tree's forms.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/units/{id}/children", post(create_child))
        .route("/units/{id}/rename", post(rename))
        .route("/units/{id}/move", post(move_unit))
        .route("/units/{id}/merge", post(merge))
        .route("/units/{id}/close", post(close))
        .route("/units/{id}/history", get(history))
        .route("/units/{id}/positions", post(appoint))
        .route("/positions/{id}/end", post(end_position))
}

/// Choices listed in a unit or person picker before a search is needed.
const PICKER_SIZE: i64 = 100;

#[derive(Template)]
#[template(path = "units/positions.html")]
struct PositionsSection {
    l: Layout,
    view: UnitAccess,
    ln: LevelNames,
    positions: UnitPositions,
    position_types: Vec<PositionType>,
    appointable: Vec<(i64, String)>,
    person_q: String,
    people_capped: bool,
    vacancies: Vec<Vacancy>,
}

/// The unit page's positions: the leading trio, current and past terms,
/// appointments and the vacancies below.
pub(crate) const POSITIONS: UnitSection = UnitSection {
    key: "positions",
    title: "positions-lead",
    render: positions_section,
};

fn positions_section<'a>(cx: &'a SectionCtx<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let (p, id) = (cx.p, cx.view.unit.id);
        let ln = cx.ln.clone();
        let person_q = UnitQuery::text(&cx.query.person_q);
        // Without a search, the picker lists the subtree's people only when
        // they fit in it: the first hundred names of a province's hundreds
        // of thousands help nobody and cost a sort of them all.
        let appointable_count: i64 = PersonStatus::IN_ORGANIZATION
            .iter()
            .map(|s| {
                cx.head
                    .subtree(&grassroots_store::aggregates::people_metric(s.as_str()))
            })
            .sum();
        let listed = !person_q.is_empty() || appointable_count <= PICKER_SIZE;
        let appointable: Vec<(i64, String)> = if cx.view.can_manage && listed {
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
            .filter(|person| {
                PersonStatus::parse(&person.status)
                    .is_some_and(|s| PersonStatus::IN_ORGANIZATION.contains(&s))
            })
            .map(|person| (person.id, person.full_name))
            .collect()
        } else {
            Vec::new()
        };
        let vacancies = if ln.kind(&cx.view.unit.level) == "cell" {
            Vec::new()
        } else {
            positions::vacancies(&p.state.app, &p.auth.actor, id, 50).await?
        };
        html(&PositionsSection {
            l: cx.layout(),
            positions: positions::of_unit(&p.state.app, &p.auth.actor, id).await?,
            position_types: positions::types(&p.state.app).await?,
            people_capped: !listed || appointable.len() as i64 >= PICKER_SIZE,
            appointable,
            person_q,
            vacancies,
            ln,
            view: cx.view.clone(),
        })
    })
}

#[derive(Template)]
#[template(path = "units/structure.html")]
struct StructureSection {
    l: Layout,
    view: UnitAccess,
    ln: LevelNames,
    children: Vec<UnitListing>,
    closed_children: Vec<grassroots_store::units::Unit>,
    levels: Vec<(String, String)>,
    can_restructure: bool,
    unit_q: String,
    units_capped: bool,
    move_targets: Vec<(i64, String)>,
    merge_targets: Vec<(i64, String)>,
}

/// The unit page's structure: the units below, exports, and creating,
/// renaming, moving, merging and closing.
pub(crate) const STRUCTURE: UnitSection = UnitSection {
    key: "units",
    title: "unit-children",
    render: structure_section,
};

fn structure_section<'a>(cx: &'a SectionCtx<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let (p, view) = (cx.p, &cx.view);
        let id = view.unit.id;
        let ln = cx.ln.clone();
        // Offer the levels that may sit under the unit, nearest first.
        let levels = ln.below(&view.unit.level);
        let open_manager =
            view.can_manage && view.unit.parent_id.is_some() && view.unit.closed_at.is_none();
        let indent = |u: grassroots_store::units::Unit| {
            (u.id, format!("{}{}", "· ".repeat(u.depth as usize), u.name))
        };
        // Pickers list at most PICKER_SIZE choices; a name search narrows
        // them.
        let unit_q = UnitQuery::text(&cx.query.unit_q);
        let unit_filter = (!unit_q.is_empty()).then_some(unit_q.as_str());
        // One list serves both pickers: merging may target the parent,
        // moving may not, and moves are offered only where the profile lets
        // the unit's level sit.
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
                    && grassroots_store::profiles::may_sit_under(
                        ln.levels(),
                        &view.unit.level,
                        &u.level,
                    )
            })
            .cloned()
            .map(indent)
            .collect();
        let merge_targets: Vec<(i64, String)> = targets.into_iter().map(indent).collect();
        html(&StructureSection {
            l: cx.layout(),
            children: svc::children(&p.state.app, &p.auth.actor, id).await?,
            closed_children: svc::closed_children(&p.state.app, &p.auth.actor, id).await?,
            levels,
            can_restructure: open_manager,
            unit_q,
            units_capped,
            move_targets,
            merge_targets,
            ln,
            view: view.clone(),
        })
    })
}

/// Back to the unit page with `flash` on success; on a form error, the
/// section `key` again with the error above it.
async fn after_form<T>(
    p: &Page,
    id: UnitId,
    key: &str,
    result: grassroots_app::AppResult<T>,
    flash: &str,
) -> WebResult<Response> {
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/units/{id}"),
            flash,
        )),
        Err(e) => form_failed(p, id, key, e).await,
    }
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
    after_form(&p, id, "units", result, "flash-unit-moved").await
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
        Err(e) => after_form::<()>(&p, id, "units", Err(e), "").await,
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
    after_form(&p, id, "units", result, "flash-unit-renamed").await
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
    after_form(&p, id, "positions", result, "flash-position-assigned").await
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
                "units",
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
        Err(e) => after_form::<()>(&p, id, "units", Err(e), "").await,
    }
}

/// `POST /units/{id}/close`.
pub async fn close(p: Page, Path(id): Path<UnitId>) -> WebResult<Response> {
    let result = svc::close(&p.state.app, &p.auth.actor, id).await;
    after_form(&p, id, "units", result, "flash-unit-closed").await
}

#[derive(Template)]
#[template(path = "units/history.html")]
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
