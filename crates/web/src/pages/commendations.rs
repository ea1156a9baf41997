//! Commendations conferred from a unit page, and model units designated
//! and ended.

use super::Layout;
use super::sections::{SectionCtx, SectionFuture, UnitSection, html};
use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::response::Response;
use axum::routing::post;
use grassroots_app::AppError;
use grassroots_app::commendations::{self, CommendationInput, ModelInput};
use grassroots_core::UnitId;

use super::Page;
use super::form::{field, id_in, pairs};
use crate::AppState;
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;

/// The commendation and model-unit forms.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/units/{id}/commendations", post(confer))
        .route("/units/{id}/model-units", post(designate))
        .route("/model-units/{id}/end", post(end))
}

/// Person numbers typed as a list ("12, 15 31").
pub(super) fn person_numbers(raw: &str) -> Result<Vec<i64>, AppError> {
    raw.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| AppError::invalid("person_ids")))
        .collect()
}

/// `POST /units/{id}/commendations`.
pub async fn confer(
    p: Page,
    Path(unit_id): Path<UnitId>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let input = CommendationInput {
            person_ids: person_numbers(&field(&f, "person_ids"))?,
            kind: field(&f, "kind"),
            title: field(&f, "title"),
            reason: field(&f, "reason"),
            conferred_on: field(&f, "conferred_on"),
            meeting_id: None,
        };
        commendations::confer(&p.state.app, &p.auth.actor, unit_id, input).await
    }
    .await;
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/units/{unit_id}#honours"),
            "flash-commendation-conferred",
        )),
        Err(e) => super::sections::form_failed(&p, unit_id, "commendations", e).await,
    }
}

/// `POST /units/{id}/model-units`: designate a unit below a model unit.
pub async fn designate(
    p: Page,
    Path(unit_id): Path<UnitId>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let input = ModelInput {
            unit_id: id_in(&f, "unit_id")?.ok_or_else(|| AppError::invalid("unit_id"))?,
            reason: field(&f, "reason"),
            starts_on: field(&f, "starts_on"),
            ends_on: field(&f, "ends_on"),
        };
        commendations::designate(&p.state.app, &p.auth.actor, unit_id, input).await
    }
    .await;
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/units/{unit_id}#honours"),
            "flash-model-designated",
        )),
        Err(e) => super::sections::form_failed(&p, unit_id, "commendations", e).await,
    }
}

/// `POST /model-units/{id}/end`.
pub async fn end(p: Page, Path(id): Path<i64>, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let ended =
        commendations::end_designation(&p.state.app, &p.auth.actor, id, &field(&f, "ends_on"))
            .await?;
    Ok(redirect_with_flash(
        &p.state,
        &format!("/units/{}#honours", ended.designated_by),
        "flash-model-ended",
    ))
}

#[derive(Template)]
#[template(path = "commendations/unit_section.html")]
struct CommendationsSection {
    l: Layout,
    view: grassroots_app::units::UnitAccess,
    honours: commendations::RollOfHonour,
    commendation_kinds: Vec<(String, String)>,
    children: Vec<grassroots_store::units::UnitListing>,
    dates: super::Dates,
}

/// The unit page's commendations: the roll of honour, model units, and
/// conferring and designating.
pub(crate) const UNIT_SECTION: UnitSection = UnitSection {
    key: "commendations",
    title: "honours-title",
    render: unit_section,
};

fn unit_section<'a>(cx: &'a SectionCtx<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let (p, id) = (cx.p, cx.view.unit.id);
        let honours = commendations::roll_of(&p.state.app, &p.auth.actor, id, 20).await?;
        html(&CommendationsSection {
            l: cx.layout(),
            honours,
            commendation_kinds: super::meetings::commendation_kinds(p),
            children: grassroots_app::units::children(&p.state.app, &p.auth.actor, id).await?,
            dates: p.dates().await?,
            view: cx.view.clone(),
        })
    })
}
