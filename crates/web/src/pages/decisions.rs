//! Decision pages: issue from a unit, adopt in an addressed unit, and the
//! adoption roll-up with drill-down.

use super::sections::{SectionCtx, SectionFuture, UnitSection, html};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use grassroots_app::decisions::{self, DecisionInput, DecisionView};
use grassroots_core::UnitId;
use serde::Deserialize;

use super::{Layout, Page, render};
use crate::AppState;
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;

/// The decision pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/units/{id}/decisions", post(issue))
        .route("/decisions/{id}", get(show))
}

#[derive(Template)]
#[template(path = "decisions/decision.html")]
struct DecisionPage {
    l: Layout,
    view: DecisionView,
    body_html: String,
    issuer_name: String,
    source_name: String,
}

/// Where to read the roll-up.
#[derive(Deserialize)]
pub struct AtQuery {
    at: Option<UnitId>,
}

/// `GET /decisions/{id}`.
pub async fn show(p: Page, Path(id): Path<i64>, Query(q): Query<AtQuery>) -> WebResult<Response> {
    let view = decisions::view(&p.state.app, &p.auth.actor, id, q.at).await?;
    let issuer_name =
        grassroots_app::units::get(&p.state.app, &p.auth.actor, view.decision.unit_id)
            .await
            .map(|u| u.name)
            .unwrap_or_default();
    let body_html = crate::markdown::to_html(&view.decision.body);
    let source_name = p.tr.t(&format!(
        "decision-source-{}",
        view.decision.source.replace('_', "-")
    ));
    let l = p.layout(view.decision.title.clone(), Vec::new());
    Ok(render(
        StatusCode::OK,
        &DecisionPage {
            l,
            view,
            body_html,
            issuer_name,
            source_name,
        },
    ))
}

/// `POST /units/{id}/decisions`.
pub async fn issue(
    p: Page,
    Path(id): Path<UnitId>,
    form: axum::body::Bytes,
) -> WebResult<Response> {
    // Repeated fields (levels) need a parser that keeps them all.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&form).unwrap_or_default();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let input = DecisionInput {
        title: get("title"),
        body: get("body"),
        source: get("source"),
        issued_on: get("issued_on"),
        levels: pairs
            .iter()
            .filter(|(n, _)| n == "levels")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    let result = decisions::issue(&p.state.app, &p.auth.actor, id, input).await;
    match result {
        Ok((d, _)) => Ok(redirect_with_flash(
            &p.state,
            &format!("/decisions/{}", d.id),
            "flash-decision-issued",
        )),
        Err(e) => super::sections::form_failed(&p, id, "decisions", e).await,
    }
}

#[derive(Template)]
#[template(path = "decisions/unit_section.html")]
struct DecisionsSection {
    l: Layout,
    view: grassroots_app::units::UnitAccess,
    decisions: grassroots_app::decisions::UnitDecisions,
    plans: Vec<grassroots_store::plans::Plan>,
    levels: Vec<(String, String)>,
    sources: Vec<String>,
}

/// The unit page's decisions: received (to adopt), issued, and issuing.
pub(crate) const UNIT_SECTION: UnitSection = UnitSection {
    key: "decisions",
    title: "decisions-title",
    render: unit_section,
};

fn unit_section<'a>(cx: &'a SectionCtx<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let (p, id) = (cx.p, cx.view.unit.id);
        let ln = &cx.ln;
        html(&DecisionsSection {
            l: cx.layout(),
            decisions: grassroots_app::decisions::of_unit(&p.state.app, &p.auth.actor, id).await?,
            plans: grassroots_app::plans::plans_of_unit(&p.state.app, &p.auth.actor, id).await?,
            levels: ln.below(&cx.view.unit.level),
            sources: grassroots_store::decisions::SOURCES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            view: cx.view.clone(),
        })
    })
}
