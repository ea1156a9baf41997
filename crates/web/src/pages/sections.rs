//! The unit page: a shell read from a few rows (the unit, its path, its
//! maintained counters) and one section per feature, each served on its
//! own at `/units/{id}/sections/{key}` and loaded by htmx, so no feature
//! waits for another and a section's form error re-renders that section
//! alone. Without script, each section is a link to a page of its own.

use std::future::Future;
use std::pin::Pin;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, RawQuery};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use grassroots_app::AppError;
use grassroots_app::units::{self as svc, UnitAccess, UnitHeading};
use grassroots_core::UnitId;
use serde::Deserialize;

use super::{FormError, Layout, LevelNames, Page, render};
use crate::AppState;
use crate::error::{WebError, WebResult};

/// The unit page and its sections loaded on their own.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/units/{id}", get(show))
        .route("/units/{id}/sections/{key}", get(show_section))
}

/// What a section's render function returns: its HTML.
pub(crate) type SectionFuture<'a> = Pin<Box<dyn Future<Output = WebResult<String>> + Send + 'a>>;

/// One feature's part of the unit page.
pub(crate) struct UnitSection {
    /// Its key in the URL and in the element id (`section-{key}`).
    pub key: &'static str,
    /// Translation key of its title (the link shown without script and
    /// the title of the section's own page).
    pub title: &'static str,
    /// Renders the section for the unit and reader of `cx`.
    pub render: for<'a> fn(&'a SectionCtx<'a>) -> SectionFuture<'a>,
}

/// What a section is rendered from.
pub(crate) struct SectionCtx<'a> {
    /// The request.
    pub p: &'a Page,
    /// The unit and the reader's rights there.
    pub view: UnitAccess,
    /// The profile's levels, named.
    pub ln: LevelNames,
    /// The unit's kept heading (its counters).
    pub head: std::sync::Arc<svc::KeptHeading>,
    /// The page's query (filters, pickers, paging).
    pub query: &'a UnitQuery,
}

impl SectionCtx<'_> {
    /// The layout a section template renders its forms and texts with.
    pub fn layout(&self) -> Layout {
        self.p.layout(self.view.unit.name.clone(), Vec::new())
    }
}

/// Renders a section template to HTML.
pub(crate) fn html<T: Template>(t: &T) -> WebResult<String> {
    t.render().map_err(|e| {
        tracing::error!(error = %e, "template rendering failed");
        WebError(AppError::Internal("template error".into()))
    })
}

/// Filters, pickers and paging of the unit page, passed on to every
/// section.
#[derive(Debug, Default, Deserialize)]
pub struct UnitQuery {
    /// People: name search.
    pub q: Option<String>,
    /// People: status.
    pub status: Option<String>,
    /// People: the whole subtree (`1`).
    pub subtree: Option<String>,
    /// People: holding a skill.
    pub skill: Option<String>,
    /// People: in one cell below.
    pub cell: Option<String>,
    /// People: page number.
    pub page: Option<i64>,
    /// Narrows the move and merge pickers.
    pub unit_q: Option<String>,
    /// Narrows the appointment picker.
    pub person_q: Option<String>,
}

impl UnitQuery {
    /// A text parameter, trimmed (empty when absent).
    pub fn text(v: &Option<String>) -> String {
        v.as_deref().unwrap_or_default().trim().to_string()
    }

    /// A number parameter, when it is one.
    pub fn number(v: &Option<String>) -> Option<i64> {
        v.as_deref().and_then(|v| v.trim().parse::<i64>().ok())
    }
}

fn find<'s>(sections: &'s [UnitSection], key: &str) -> WebResult<&'s UnitSection> {
    sections
        .iter()
        .find(|s| s.key == key)
        .ok_or(WebError(AppError::NotFound))
}

struct Slot {
    key: &'static str,
    url: String,
    title: String,
}

#[derive(Template)]
#[template(path = "units/unit.html")]
struct UnitPage {
    l: Layout,
    head: UnitHeading,
    ln: LevelNames,
    merged_into: Option<(i64, String)>,
    slots: Vec<Slot>,
    err: Option<FormError>,
}

fn crumbs_of(head: &UnitHeading) -> Vec<(String, Option<String>)> {
    head.path
        .iter()
        .map(|(u, readable)| (u.name.clone(), readable.then(|| format!("/units/{}", u.id))))
        .collect()
}

/// `GET /units/{id}`: the shell; each section loads from its own URL with
/// the page's query.
pub async fn show(p: Page, Path(id): Path<UnitId>, RawQuery(raw): RawQuery) -> WebResult<Response> {
    let (head, levels) = svc::heading(&p.state.app, &p.auth.actor, id).await?;
    let ln = LevelNames::new(p.tr.clone(), levels);
    let merged_into = match head.unit.merged_into_id {
        Some(into) => svc::get(&p.state.app, &p.auth.actor, into)
            .await
            .ok()
            .map(|u| (u.id, u.name)),
        None => None,
    };
    let query = raw
        .filter(|q| !q.is_empty())
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let slots = p
        .state
        .unit_sections
        .iter()
        .map(|s| Slot {
            key: s.key,
            url: format!("/units/{id}/sections/{}{query}", s.key),
            title: p.tr.t(s.title),
        })
        .collect();
    let mut crumbs = crumbs_of(&head);
    if let Some(last) = crumbs.last_mut() {
        last.1 = None;
    }
    let l = p.layout(head.unit.name.clone(), crumbs);
    Ok(render(
        StatusCode::OK,
        &UnitPage {
            l,
            head,
            ln,
            merged_into,
            slots,
            err: None,
        },
    ))
}

#[derive(Template)]
#[template(path = "units/section_page.html")]
struct SectionPage {
    l: Layout,
    unit_id: i64,
    unit_name: String,
    html: String,
    err: Option<FormError>,
}

async fn render_section(
    p: &Page,
    id: UnitId,
    section: &UnitSection,
    query: &UnitQuery,
) -> WebResult<String> {
    let (view, head) = svc::access(&p.state.app, &p.auth.actor, id).await?;
    let ln = LevelNames::new(p.tr.clone(), head.levels().to_vec());
    let cx = SectionCtx {
        p,
        view,
        ln,
        head,
        query,
    };
    let inner = (section.render)(&cx).await?;
    Ok(format!(
        "<div class=\"unit-section\" id=\"section-{}\">{inner}</div>",
        section.key
    ))
}

/// A section on a page of its own: without script, and after a form of
/// the section failed (with the error above it).
async fn section_page(
    p: &Page,
    id: UnitId,
    section: &UnitSection,
    query: &UnitQuery,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let html = render_section(p, id, section, query).await?;
    let (head, _) = svc::heading(&p.state.app, &p.auth.actor, id).await?;
    let mut crumbs = crumbs_of(&head);
    crumbs.push((p.tr.t(section.title), None));
    let l = p.layout(p.tr.t(section.title), crumbs);
    Ok(render(
        status,
        &SectionPage {
            l,
            unit_id: head.unit.id,
            unit_name: head.unit.name,
            html,
            err,
        },
    ))
}

/// `GET /units/{id}/sections/{key}`: the section alone for htmx, or on a
/// page of its own for a browser without script.
pub async fn show_section(
    p: Page,
    Path((id, key)): Path<(UnitId, String)>,
    Query(query): Query<UnitQuery>,
    headers: HeaderMap,
) -> WebResult<Response> {
    let section = find(p.state.unit_sections, &key)?;
    if headers.contains_key("hx-request") {
        let html = render_section(&p, id, section, &query).await?;
        Ok((StatusCode::OK, Html(html)).into_response())
    } else {
        section_page(&p, id, section, &query, StatusCode::OK, None).await
    }
}

/// The section `key` of unit `id` again with a form's error above it
/// (errors that are not about the form go to the error page).
pub(crate) async fn form_failed(
    p: &Page,
    id: UnitId,
    key: &str,
    e: AppError,
) -> WebResult<Response> {
    let err = FormError::from_app(&p.tr, e)?;
    let section = find(p.state.unit_sections, key)?;
    section_page(
        p,
        id,
        section,
        &UnitQuery::default(),
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(err),
    )
    .await
}
