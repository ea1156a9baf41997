//! Supply on the unit page: stock, receipts, distributions, requests to
//! the parent and those of the children, the ledger; and the item
//! catalogue for administrators.

use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use grassroots_app::AppError;
use grassroots_app::supply::{
    self, ItemInput, MovementInput, RequestInput, RequestStep, UnitSupply,
};
use grassroots_core::UnitId;
use grassroots_store::supply::Item;

use super::form::{field, id_in, pairs};
use super::sections::{SectionCtx, SectionFuture, UnitSection, form_failed, html};
use super::{FormError, Layout, Page, render};
use crate::AppState;
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;

/// The supply forms and the item catalogue.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/units/{id}/supply/receipts", post(receive))
        .route("/units/{id}/supply/distributions", post(distribute))
        .route("/units/{id}/supply/requests", post(request))
        .route("/supply/requests/{id}/{step}", post(step))
        .route("/admin/supply", get(catalogue).post(create_item))
}

fn whole(f: &[(String, String)], k: &'static str) -> Result<i64, AppError> {
    id_in(f, k)?.ok_or_else(|| AppError::invalid(k))
}

fn movement_input(f: &[(String, String)]) -> Result<MovementInput, AppError> {
    Ok(MovementInput {
        item_id: whole(f, "item_id")?,
        quantity: whole(f, "quantity")?,
        person_id: id_in(f, "person_id")?,
        household: field(f, "household"),
        purpose: field(f, "purpose"),
    })
}

async fn done<T>(
    p: &Page,
    unit_id: UnitId,
    result: Result<T, AppError>,
    flash: &str,
) -> WebResult<Response> {
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/units/{unit_id}#supply"),
            flash,
        )),
        Err(e) => form_failed(p, unit_id, "supply", e).await,
    }
}

/// `POST /units/{id}/supply/receipts`.
pub async fn receive(
    p: Page,
    Path(unit_id): Path<UnitId>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result =
        async { supply::receive(&p.state.app, &p.auth.actor, unit_id, &movement_input(&f)?).await }
            .await;
    done(&p, unit_id, result, "flash-supply-received").await
}

/// `POST /units/{id}/supply/distributions`.
pub async fn distribute(
    p: Page,
    Path(unit_id): Path<UnitId>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        supply::distribute(&p.state.app, &p.auth.actor, unit_id, &movement_input(&f)?).await
    }
    .await;
    done(&p, unit_id, result, "flash-supply-distributed").await
}

/// `POST /units/{id}/supply/requests`.
pub async fn request(
    p: Page,
    Path(unit_id): Path<UnitId>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let input = RequestInput {
            item_id: whole(&f, "item_id")?,
            quantity: whole(&f, "quantity")?,
            reason: field(&f, "reason"),
        };
        supply::request(&p.state.app, &p.auth.actor, unit_id, &input).await
    }
    .await;
    done(&p, unit_id, result, "flash-supply-requested").await
}

/// `POST /supply/requests/{id}/{approve|refuse|ship|receive}`; the form
/// names the unit page it was sent from (`unit_id`).
pub async fn step(
    p: Page,
    Path((id, step)): Path<(i64, String)>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let back = whole(&f, "unit_id")?;
    let step = match step.as_str() {
        "approve" => RequestStep::Approve,
        "refuse" => RequestStep::Refuse,
        "ship" => RequestStep::Ship,
        "receive" => RequestStep::Receive,
        _ => return Err(AppError::NotFound.into()),
    };
    let result = supply::step(&p.state.app, &p.auth.actor, id, step, &field(&f, "note")).await;
    done(&p, back, result, "flash-supply-request-moved").await
}

#[derive(Template)]
#[template(path = "supply/catalogue.html")]
struct CataloguePage {
    l: Layout,
    items: Vec<Item>,
    err: Option<FormError>,
}

async fn catalogue_page(
    p: &Page,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    super::administrators_only(p)?;
    let items = supply::items(&p.state.app).await?;
    let l = p.layout(p.tr.t("supply-items"), Vec::new());
    Ok(render(status, &CataloguePage { l, items, err }))
}

/// `GET /admin/supply`: the item catalogue.
pub async fn catalogue(p: Page) -> WebResult<Response> {
    catalogue_page(&p, StatusCode::OK, None).await
}

/// `POST /admin/supply`: add an item.
pub async fn create_item(p: Page, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let input = ItemInput {
        name: field(&f, "name"),
        measure: field(&f, "measure"),
    };
    match supply::create_item(&p.state.app, &p.auth.actor, &input).await {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            "/admin/supply",
            "flash-supply-item-created",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            catalogue_page(&p, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

#[derive(Template)]
#[template(path = "supply/unit_section.html")]
struct SupplySection {
    l: Layout,
    view: grassroots_app::units::UnitAccess,
    s: UnitSupply,
    items: Vec<Item>,
}

/// The unit page's supply.
pub(crate) const UNIT_SECTION: UnitSection = UnitSection {
    key: "supply",
    title: "supply-title",
    render: unit_section,
};

fn unit_section<'a>(cx: &'a SectionCtx<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let (p, id) = (cx.p, cx.view.unit.id);
        let app = &p.state.app;
        html(&SupplySection {
            l: cx.layout(),
            s: supply::of_unit(app, &p.auth.actor, id).await?,
            items: supply::items(app).await?,
            view: cx.view.clone(),
        })
    })
}
