//! Care pages: a person's own welfare cases and the form to raise one,
//! the cases a handler handles, one case with its timeline and actions,
//! breaking the glass, and the unit page's counts and handlers.

use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use grassroots_app::AppError;
use grassroots_app::welfare::{self, CaseAction, CaseView, RaiseInput, WelfareCounts};
use grassroots_core::UnitId;
use grassroots_store::welfare::{CaseType, Handler, WelfareCase};

use super::form::{field, id_in, pairs};
use super::sections::{SectionCtx, SectionFuture, UnitSection, html};
use super::{FormError, Layout, Page, render};
use crate::AppState;
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;

/// The care pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/welfare", get(index).post(raise))
        .route("/welfare/cases/{id}", get(case))
        .route("/welfare/cases/{id}/act", post(act))
        .route(
            "/welfare/cases/{id}/break-glass",
            get(break_glass_form).post(break_glass),
        )
        .route("/units/{id}/welfare/handlers", post(set_handler))
        .route("/admin/welfare", get(case_types))
        .route("/admin/welfare/{key}", post(set_case_type))
}

#[derive(Template)]
#[template(path = "welfare/types.html")]
struct TypesPage {
    l: Layout,
    /// Each type with its translated name.
    types: Vec<(CaseType, String)>,
    err: Option<FormError>,
}

async fn types_page(p: &Page, status: StatusCode, err: Option<FormError>) -> WebResult<Response> {
    super::administrators_only(p)?;
    let types = welfare::types(&p.state.app).await?;
    let names = type_names(p, &types);
    let types = types
        .into_iter()
        .zip(names)
        .map(|(t, (_, n))| (t, n))
        .collect();
    let l = p.layout(p.tr.t("welfare-types"), Vec::new());
    Ok(render(status, &TypesPage { l, types, err }))
}

/// `GET /admin/welfare`: the case types and their deadlines.
pub async fn case_types(p: Page) -> WebResult<Response> {
    types_page(&p, StatusCode::OK, None).await
}

/// `POST /admin/welfare/{key}`: change a type's deadlines and steps.
pub async fn set_case_type(
    p: Page,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let days = |k: &'static str| id_in(&f, k)?.ok_or_else(|| AppError::invalid(k));
        let t = CaseType {
            key,
            acknowledge_days: days("acknowledge_days")?,
            resolve_days: days("resolve_days")?,
            escalation_days: days("escalation_days")?,
            steps: field(&f, "steps"),
        };
        welfare::set_type(&p.state.app, &p.auth.actor, &t).await
    }
    .await;
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            "/admin/welfare",
            "flash-welfare-type-saved",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            types_page(&p, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

#[derive(Template)]
#[template(path = "welfare/welfare.html")]
struct WelfarePage {
    l: Layout,
    mine: Vec<WelfareCase>,
    handled: Vec<WelfareCase>,
    types: Vec<(String, String)>,
    has_person: bool,
    dates: super::Dates,
    err: Option<FormError>,
}

/// Case types as (key, translated name).
fn type_names(p: &Page, types: &[CaseType]) -> Vec<(String, String)> {
    types.iter().map(|t| type_name(p, &t.key)).collect()
}

/// A case type's key and its translated name.
fn type_name(p: &Page, key: &str) -> (String, String) {
    (
        key.to_string(),
        p.tr.t(&format!("welfare-type-{}", key.replace('_', "-"))),
    )
}

async fn index_page(p: &Page, status: StatusCode, err: Option<FormError>) -> WebResult<Response> {
    let app = &p.state.app;
    let actor = &p.auth.actor;
    let mine = welfare::mine(app, actor).await?;
    let handled = welfare::handled(app, actor, false).await?;
    let types = type_names(p, &welfare::types(app).await?);
    let has_person = welfare::is_person(app, actor).await?;
    let l = p.layout(p.tr.t("welfare-title"), Vec::new());
    Ok(render(
        status,
        &WelfarePage {
            l,
            mine,
            handled,
            types,
            has_person,
            dates: p.dates().await?,
            err,
        },
    ))
}

/// `GET /welfare`.
pub async fn index(p: Page) -> WebResult<Response> {
    index_page(&p, StatusCode::OK, None).await
}

/// `POST /welfare`: raise a case (for oneself, or for a person by number).
pub async fn raise(p: Page, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let input = RaiseInput {
            person_id: id_in(&f, "person_id")?,
            type_key: field(&f, "type_key"),
            summary: field(&f, "summary"),
            details: field(&f, "details"),
        };
        welfare::raise(&p.state.app, &p.auth.actor, &input).await
    }
    .await;
    match result {
        Ok(c) => Ok(redirect_with_flash(
            &p.state,
            &format!("/welfare/cases/{}", c.id),
            "flash-welfare-raised",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            index_page(&p, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

#[derive(Template)]
#[template(path = "welfare/case.html")]
struct CasePage {
    l: Layout,
    v: CaseView,
    type_name: String,
    status_name: String,
    steps: Vec<(String, bool)>,
    handlers: Vec<Handler>,
    dates: super::Dates,
    today: String,
    err: Option<FormError>,
}

fn status_name(p: &Page, status: &str) -> String {
    p.tr.t(&format!("welfare-status-{}", status.replace('_', "-")))
}

async fn case_page(
    p: &Page,
    v: CaseView,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let type_name = p.tr.t(&format!(
        "welfare-type-{}",
        v.case.type_key.replace('_', "-")
    ));
    let status_name = status_name(p, &v.case.status);
    let steps = v
        .case_type
        .step_list()
        .into_iter()
        .map(|s| (s.to_string(), v.steps_done.iter().any(|d| d == s)))
        .collect();
    let handlers = v.handlers.clone();
    let crumbs = vec![(p.tr.t("welfare-title"), Some("/welfare".to_string()))];
    let l = p.layout(format!("{} · {}", type_name, v.case.summary), crumbs);
    Ok(render(
        status,
        &CasePage {
            l,
            type_name,
            status_name,
            steps,
            handlers,
            dates: p.dates().await?,
            today: p.state.app.clock.today().to_string(),
            v,
            err,
        },
    ))
}

/// `GET /welfare/cases/{id}`: a logged read.
pub async fn case(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    let v = welfare::open(&p.state.app, &p.auth.actor, id).await?;
    case_page(&p, v, StatusCode::OK, None).await
}

/// `POST /welfare/cases/{id}/act`: one action, named by the `action` field.
pub async fn act(p: Page, Path(id): Path<i64>, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let action = match field(&f, "action").as_str() {
        "acknowledge" => CaseAction::Acknowledge,
        "wait" => CaseAction::Wait {
            reason: field(&f, "reason"),
        },
        "resume" => CaseAction::Resume,
        "note" => CaseAction::Note {
            text: field(&f, "text"),
        },
        "step" => CaseAction::Step {
            step: field(&f, "step"),
        },
        "visit" => CaseAction::Visit {
            on: field(&f, "on"),
            visitors: field(&f, "visitors"),
            asked: field(&f, "asked"),
            agreed: field(&f, "agreed"),
        },
        "owner" => CaseAction::Owner {
            account_id: id_in(&f, "account_id")?,
        },
        "resolve" => CaseAction::Resolve {
            resolution: field(&f, "resolution"),
        },
        _ => return Err(AppError::invalid("action").into()),
    };
    match welfare::act(&p.state.app, &p.auth.actor, id, &action).await {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/welfare/cases/{id}"),
            "flash-welfare-recorded",
        )),
        Err(e @ AppError::Invalid(_)) => {
            let err = FormError::from_app(&p.tr, e)?;
            let v = welfare::open(&p.state.app, &p.auth.actor, id).await?;
            case_page(&p, v, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "welfare/break_glass.html")]
struct BreakGlassPage {
    l: Layout,
    id: i64,
    err: Option<FormError>,
}

/// `GET /welfare/cases/{id}/break-glass`: the form asking why.
pub async fn break_glass_form(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    let l = p.layout(p.tr.t("welfare-break-glass"), Vec::new());
    Ok(render(StatusCode::OK, &BreakGlassPage { l, id, err: None }))
}

/// `POST /welfare/cases/{id}/break-glass`: read with a logged reason.
pub async fn break_glass(
    p: Page,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    match welfare::break_glass(&p.state.app, &p.auth.actor, id, &field(&f, "reason")).await {
        Ok(v) => case_page(&p, v, StatusCode::OK, None).await,
        Err(e @ AppError::Invalid(_)) => {
            let err = Some(FormError::from_app(&p.tr, e)?);
            let l = p.layout(p.tr.t("welfare-break-glass"), Vec::new());
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &BreakGlassPage { l, id, err },
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /units/{id}/welfare/handlers`: give (`holds=1`) or take the duty.
pub async fn set_handler(
    p: Page,
    Path(unit_id): Path<UnitId>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    super::set_duty(
        &p,
        unit_id,
        &body,
        grassroots_store::duties::Duty::Welfare,
        "welfare",
        "flash-welfare-handlers-saved",
    )
    .await
}

#[derive(Template)]
#[template(path = "welfare/unit_section.html")]
struct WelfareSection {
    l: Layout,
    view: grassroots_app::units::UnitAccess,
    counts: WelfareCounts,
    /// Each type's name and counts, in the types' order.
    by_type: Vec<(String, grassroots_app::welfare::TypeCounts)>,
    handlers: Vec<Handler>,
}

/// The unit page's care: counts of the subtree's cases (naming nobody)
/// and who holds the welfare duty here.
pub(crate) const UNIT_SECTION: UnitSection = UnitSection {
    key: "welfare",
    title: "welfare-title",
    render: unit_section,
};

fn unit_section<'a>(cx: &'a SectionCtx<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let (p, id) = (cx.p, cx.view.unit.id);
        let app = &p.state.app;
        let counts = welfare::counts(app, &p.auth.actor, id).await?;
        let by_type = counts
            .by_type
            .iter()
            .filter(|t| t.open + t.resolved > 0)
            .map(|t| (type_name(p, &t.type_key).1, t.clone()))
            .collect();
        html(&WelfareSection {
            l: cx.layout(),
            counts,
            by_type,
            handlers: welfare::handlers(app, &p.auth.actor, id).await?,
            view: cx.view.clone(),
        })
    })
}
