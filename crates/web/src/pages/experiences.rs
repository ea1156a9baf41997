//! The experience library on the web: the library with its search, an
//! article with the units that applied it and the form to apply it, and
//! the unit page's section (counts, suggestions for lagging targets, the
//! unit's articles and the form to write one).

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use grassroots_app::AppError;
use grassroots_app::experiences::{
    self, ApplyInput, ExperienceInput, ExperienceView, LibraryQuery, UnitExperience,
};
use grassroots_core::UnitId;
use grassroots_store::experiences::Experience;

use super::form::{field, id_in, opt, pairs};
use super::sections::{SectionCtx, SectionFuture, UnitSection, form_failed, html};
use super::{FormError, Layout, Page, render};
use crate::AppState;
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;

/// The library's pages and forms.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/experiences", get(library))
        .route("/experiences/{id}", get(show))
        .route("/experiences/{id}/apply", post(apply))
        .route("/units/{id}/experiences", post(write))
}

#[derive(Template)]
#[template(path = "experiences/library.html")]
struct LibraryPage {
    l: Layout,
    q: LibraryQuery,
    found: Vec<Experience>,
    categories: Vec<(String, String)>,
    dates: super::Dates,
}

/// `GET /experiences?q=&category=&tag=&under=`.
pub async fn library(p: Page, Query(q): Query<LibraryQuery>) -> WebResult<Response> {
    let found = experiences::search(&p.state.app, &p.auth.actor, &q).await?;
    let categories = grassroots_app::plans::categories(&p.state.app).await?;
    let l = p.layout(p.tr.t("experiences-title"), Vec::new());
    Ok(render(
        StatusCode::OK,
        &LibraryPage {
            l,
            q,
            found,
            categories,
            dates: p.dates().await?,
        },
    ))
}

#[derive(Template)]
#[template(path = "experiences/experience.html")]
struct ExperiencePage {
    l: Layout,
    view: ExperienceView,
    body_html: String,
    units: Vec<(UnitId, String)>,
    err: Option<FormError>,
    dates: super::Dates,
}

async fn show_with(
    p: &Page,
    id: i64,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let app = &p.state.app;
    let view = experiences::get(app, &p.auth.actor, id).await?;
    let body_html = crate::markdown::to_html(&view.experience.body);
    let units = experiences::managed_units(app, &p.auth.actor)
        .await?
        .into_iter()
        .filter(|(u, _)| *u != view.experience.unit_id)
        .collect();
    let crumbs = vec![(
        p.tr.t("experiences-title"),
        Some("/experiences".to_string()),
    )];
    let l = p.layout(view.experience.title.clone(), crumbs);
    Ok(render(
        status,
        &ExperiencePage {
            l,
            view,
            body_html,
            units,
            err,
            dates: p.dates().await?,
        },
    ))
}

/// `GET /experiences/{id}`.
pub async fn show(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    show_with(&p, id, StatusCode::OK, None).await
}

/// `POST /experiences/{id}/apply`.
pub async fn apply(p: Page, Path(id): Path<i64>, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let input = ApplyInput {
            unit_id: id_in(&f, "unit_id")?.ok_or_else(|| AppError::invalid("unit_id"))?,
            note: field(&f, "note"),
        };
        experiences::apply(&p.state.app, &p.auth.actor, id, &input).await
    }
    .await;
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/experiences/{id}"),
            "flash-experience-applied",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            show_with(&p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

/// `POST /units/{id}/experiences`.
pub async fn write(
    p: Page,
    Path(unit_id): Path<UnitId>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let input = ExperienceInput {
            title: field(&f, "title"),
            body: field(&f, "body"),
            category: opt(&f, "category"),
            target_id: id_in(&f, "target_id")?,
            decision_id: id_in(&f, "decision_id")?,
            source_kind: opt(&f, "source_kind"),
            source_id: id_in(&f, "source_id")?,
            tags: field(&f, "tags"),
        };
        experiences::write(&p.state.app, &p.auth.actor, unit_id, input).await
    }
    .await;
    match result {
        Ok(x) => Ok(redirect_with_flash(
            &p.state,
            &format!("/experiences/{}", x.id),
            "flash-experience-written",
        )),
        Err(e) => form_failed(&p, unit_id, "experiences", e).await,
    }
}

#[derive(Template)]
#[template(path = "experiences/unit_section.html")]
struct ExperienceSection {
    l: Layout,
    view: grassroots_app::units::UnitAccess,
    x: UnitExperience,
    categories: Vec<(String, String)>,
}

/// The unit page's experience: counts, suggestions for the unit's lagging
/// targets, its articles, and writing one.
pub(crate) const UNIT_SECTION: UnitSection = UnitSection {
    key: "experiences",
    title: "experiences-title",
    render: unit_section,
};

fn unit_section<'a>(cx: &'a SectionCtx<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let p = cx.p;
        let app = &p.state.app;
        html(&ExperienceSection {
            l: cx.layout(),
            x: experiences::of_unit(app, &p.auth.actor, cx.view.unit.id).await?,
            categories: grassroots_app::plans::categories(app).await?,
            view: cx.view.clone(),
        })
    })
}
