//! Appeals and suggestions pages. `/voice…` is the anonymous intake and
//! the receipt follow-up, open without signing in and read without any
//! cookie (see `middleware::is_anonymous_path`); the receipt travels in
//! the form body, never in a URL. `/appeals…` is for signed-in people:
//! the form (send with one's name, or anonymously through `/voice`), one's
//! named appeals, the handlers' inbox and an appeal with its actions. The
//! unit page shows counts, published suggestions and who receives appeals.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use grassroots_app::AppError;
use grassroots_app::appeals::{
    self, Action, AppealCounts, AuthorView, HandlerView, Intake, IntakeForm, Receipt,
};
use grassroots_core::UnitId;
use grassroots_store::appeals::{AppealSummary, Published, Settings};
use grassroots_store::duties::Handler;
use serde::Deserialize;

use super::form::{field, id_in, opt, pairs};
use super::sections::{SectionCtx, SectionFuture, UnitSection, html};
use super::{FormError, Layout, Page, PublicPage, render};
use crate::AppState;
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;
use crate::render::Dates;

/// The appeals pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/voice", get(voice_form).post(voice_submit))
        .route("/voice/follow", get(follow_form).post(follow))
        .route("/voice/follow/message", post(follow_message))
        .route("/appeals", get(index).post(submit_named))
        .route("/appeals/new", get(new_form))
        .route("/appeals/mine/{id}", get(mine))
        .route("/appeals/mine/{id}/message", post(mine_message))
        .route("/appeals/{id}", get(appeal))
        .route("/appeals/{id}/act", post(act))
        .route("/units/{id}/appeals/handlers", post(set_handler))
        .route("/admin/appeals", get(settings_page).post(save_settings))
}

/// The intake as typed on a form.
fn intake_of(f: &[(String, String)]) -> Result<Intake, AppError> {
    Ok(Intake {
        unit_id: id_in(f, "unit_id")?,
        kind: field(f, "kind"),
        subject: field(f, "subject"),
        body: opt(f, "body").unwrap_or_default(),
        concerns_unit_id: id_in(f, "concerns_unit_id")?,
        concerns_position_id: id_in(f, "concerns_position_id")?,
    })
}

#[derive(Template)]
#[template(path = "appeals/voice.html")]
struct VoicePage {
    l: Layout,
    /// The unit and its form, once a unit is named.
    unit: Option<(UnitId, IntakeForm)>,
    /// Whether the form may send under a name (never on the public form).
    named: bool,
    err: Option<FormError>,
}

/// Query of the public form.
#[derive(Deserialize)]
pub struct VoiceQuery {
    unit: Option<i64>,
}

async fn voice_page(
    p: &PublicPage,
    unit: Option<UnitId>,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let unit = match unit {
        Some(u) => match appeals::intake_form(&p.state.app, u, false).await {
            Ok(f) => Some((u, f)),
            Err(AppError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let l = p.layout(p.tr.t("appeals-voice-title"));
    Ok(render(
        status,
        &VoicePage {
            l,
            unit,
            named: false,
            err,
        },
    ))
}

/// `GET /voice?unit=N`: the public form of a unit (or the question which).
pub async fn voice_form(p: PublicPage, Query(q): Query<VoiceQuery>) -> WebResult<Response> {
    voice_page(&p, q.unit, StatusCode::OK, None).await
}

#[derive(Template)]
#[template(path = "appeals/receipt.html")]
struct ReceiptPage {
    l: Layout,
    r: Receipt,
    dates: Dates,
}

/// `POST /voice`: file anonymously; the answer shows the receipt once.
pub async fn voice_submit(p: PublicPage, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let input = intake_of(&f)?;
        appeals::submit_anonymous(&p.state.app, &input).await
    }
    .await;
    match result {
        Ok(r) => {
            let l = p.layout(p.tr.t("appeals-receipt-title"));
            let dates = Dates::with(&p.state, p.tr.clone()).await?;
            Ok(render(StatusCode::CREATED, &ReceiptPage { l, r, dates }))
        }
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            let unit = id_in(&f, "unit_id").ok().flatten();
            voice_page(&p, unit, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

#[derive(Template)]
#[template(path = "appeals/follow.html")]
struct FollowPage {
    l: Layout,
    err: Option<FormError>,
}

/// `GET /voice/follow`: the receipt form.
pub async fn follow_form(p: PublicPage) -> WebResult<Response> {
    let l = p.layout(p.tr.t("appeals-follow-title"));
    Ok(render(StatusCode::OK, &FollowPage { l, err: None }))
}

#[derive(Template)]
#[template(path = "appeals/author.html")]
struct AuthorPage {
    l: Layout,
    v: AuthorView,
    /// The receipt, carried in the reply form (anonymous authors).
    receipt: Option<String>,
    /// Where the reply form posts.
    reply_to: String,
    dates: Dates,
    err: Option<FormError>,
}

async fn follow_result(
    p: &PublicPage,
    receipt: String,
    result: Result<AuthorView, AppError>,
) -> WebResult<Response> {
    match result {
        Ok(v) => {
            let l = p.layout(v.subject.clone());
            let dates = Dates::with(&p.state, p.tr.clone()).await?;
            Ok(render(
                StatusCode::OK,
                &AuthorPage {
                    l,
                    v,
                    receipt: Some(receipt),
                    reply_to: "/voice/follow/message".into(),
                    dates,
                    err: None,
                },
            ))
        }
        Err(e @ AppError::Throttled { .. }) => Err(e.into()),
        Err(e) => {
            let err = Some(FormError::from_app(&p.tr, e)?);
            let l = p.layout(p.tr.t("appeals-follow-title"));
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FollowPage { l, err },
            ))
        }
    }
}

/// `POST /voice/follow`: open with the receipt.
pub async fn follow(p: PublicPage, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let receipt = field(&f, "receipt");
    let result = appeals::follow(&p.state.app, &receipt).await;
    follow_result(&p, receipt, result).await
}

/// `POST /voice/follow/message`: write to the handlers with the receipt.
pub async fn follow_message(p: PublicPage, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let receipt = field(&f, "receipt");
    let text = opt(&f, "text").unwrap_or_default();
    match appeals::follow_message(&p.state.app, &receipt, &text).await {
        Err(e @ AppError::Invalid(_)) if field(&f, "text").is_empty() => {
            // An empty message: show the appeal again with the error.
            let v = appeals::follow(&p.state.app, &receipt).await?;
            let l = p.layout(v.subject.clone());
            let err = Some(FormError::from_app(&p.tr, e)?);
            let dates = Dates::with(&p.state, p.tr.clone()).await?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &AuthorPage {
                    l,
                    v,
                    receipt: Some(receipt),
                    reply_to: "/voice/follow/message".into(),
                    dates,
                    err,
                },
            ))
        }
        result => follow_result(&p, receipt, result).await,
    }
}

#[derive(Template)]
#[template(path = "appeals/index.html")]
struct IndexPage {
    l: Layout,
    mine: Vec<AppealSummary>,
    inbox: Vec<AppealSummary>,
    published: Vec<Published>,
    dates: Dates,
}

/// `GET /appeals`: one's named appeals, what one handles, and the
/// suggestions published to one's unit.
pub async fn index(p: Page) -> WebResult<Response> {
    let app = &p.state.app;
    let actor = &p.auth.actor;
    let page = IndexPage {
        l: p.layout(p.tr.t("appeals-title"), Vec::new()),
        mine: appeals::mine(app, actor).await?,
        inbox: appeals::inbox(app, actor, true).await?,
        published: appeals::published_to_own_unit(app, actor).await?,
        dates: p.dates().await?,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "appeals/new.html")]
struct NewPage {
    l: Layout,
    unit_id: UnitId,
    form: IntakeForm,
    /// Always: a signed-in person may give their name.
    named: bool,
    err: Option<FormError>,
}

async fn new_page(p: &Page, status: StatusCode, err: Option<FormError>) -> WebResult<Response> {
    let app = &p.state.app;
    let unit_id = appeals::own_unit(app, &p.auth.actor)
        .await?
        .ok_or(AppError::Forbidden)?;
    let form = appeals::intake_form(app, unit_id, true).await?;
    let crumbs = vec![(p.tr.t("appeals-title"), Some("/appeals".to_string()))];
    let l = p.layout(p.tr.t("appeals-new"), crumbs);
    Ok(render(
        status,
        &NewPage {
            l,
            unit_id,
            form,
            named: true,
            err,
        },
    ))
}

/// `GET /appeals/new`: the form for a signed-in person.
pub async fn new_form(p: Page) -> WebResult<Response> {
    new_page(&p, StatusCode::OK, None).await
}

/// `POST /appeals`: file under one's name.
pub async fn submit_named(p: Page, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let input = intake_of(&f)?;
        appeals::submit_named(&p.state.app, &p.auth.actor, &input).await
    }
    .await;
    match result {
        Ok(filed) => Ok(redirect_with_flash(
            &p.state,
            &format!("/appeals/mine/{}", filed.appeal.id),
            "flash-appeal-sent",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            new_page(&p, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

async fn mine_page(
    p: &Page,
    v: AuthorView,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let crumbs = vec![(p.tr.t("appeals-title"), Some("/appeals".to_string()))];
    let l = p.layout(v.subject.clone(), crumbs);
    let reply_to = format!("/appeals/mine/{}/message", v.id);
    Ok(render(
        status,
        &AuthorPage {
            l,
            v,
            receipt: None,
            reply_to,
            dates: p.dates().await?,
            err,
        },
    ))
}

/// `GET /appeals/mine/{id}`: one's named appeal.
pub async fn mine(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    let v = appeals::open_mine(&p.state.app, &p.auth.actor, id).await?;
    mine_page(&p, v, StatusCode::OK, None).await
}

/// `POST /appeals/mine/{id}/message`: write to its handlers.
pub async fn mine_message(
    p: Page,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    match appeals::message_mine(&p.state.app, &p.auth.actor, id, &field(&f, "text")).await {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/appeals/mine/{id}"),
            "flash-appeal-message-sent",
        )),
        Err(e @ AppError::Invalid(_)) => {
            let err = Some(FormError::from_app(&p.tr, e)?);
            let v = appeals::open_mine(&p.state.app, &p.auth.actor, id).await?;
            mine_page(&p, v, StatusCode::UNPROCESSABLE_ENTITY, err).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "appeals/appeal.html")]
struct AppealPage {
    l: Layout,
    v: HandlerView,
    dates: Dates,
    err: Option<FormError>,
}

async fn appeal_page(
    p: &Page,
    v: HandlerView,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let crumbs = vec![(p.tr.t("appeals-title"), Some("/appeals".to_string()))];
    let l = p.layout(v.appeal.subject.clone(), crumbs);
    Ok(render(
        status,
        &AppealPage {
            l,
            v,
            dates: p.dates().await?,
            err,
        },
    ))
}

/// `GET /appeals/{id}`: an appeal for its handlers (a logged read).
pub async fn appeal(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    let v = appeals::open(&p.state.app, &p.auth.actor, id).await?;
    appeal_page(&p, v, StatusCode::OK, None).await
}

/// `POST /appeals/{id}/act`: one action, named by the `action` field.
pub async fn act(p: Page, Path(id): Path<i64>, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let text = || opt(&f, "text").unwrap_or_default();
    let action = match field(&f, "action").as_str() {
        "acknowledge" => Action::Acknowledge { text: text() },
        "reply" => Action::Reply { text: text() },
        "note" => Action::Note { text: text() },
        "answer" => Action::Answer { text: text() },
        "close" => Action::Close { text: text() },
        "recuse" => Action::Recuse {
            reason: field(&f, "reason"),
        },
        "publish" => Action::Publish,
        _ => return Err(AppError::invalid("action").into()),
    };
    match appeals::act(&p.state.app, &p.auth.actor, id, &action).await {
        Ok(_) if matches!(action, Action::Recuse { .. }) => Ok(redirect_with_flash(
            &p.state,
            "/appeals",
            "flash-appeal-recused",
        )),
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/appeals/{id}"),
            "flash-appeal-recorded",
        )),
        Err(e @ AppError::Invalid(_)) => {
            let err = FormError::from_app(&p.tr, e)?;
            let v = appeals::open(&p.state.app, &p.auth.actor, id).await?;
            appeal_page(&p, v, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /units/{id}/appeals/handlers`: give (`holds=1`) or take the duty.
pub async fn set_handler(
    p: Page,
    Path(unit_id): Path<UnitId>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    super::set_duty(
        &p,
        unit_id,
        &body,
        grassroots_store::duties::Duty::Appeals,
        "appeals",
        "flash-appeal-handlers-saved",
    )
    .await
}

#[derive(Template)]
#[template(path = "appeals/settings.html")]
struct SettingsPage {
    l: Layout,
    s: Settings,
    err: Option<FormError>,
}

async fn settings_view(
    p: &Page,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    super::administrators_only(p)?;
    let s = appeals::settings(&p.state.app).await?;
    let l = p.layout(p.tr.t("appeals-settings"), Vec::new());
    Ok(render(status, &SettingsPage { l, s, err }))
}

/// `GET /admin/appeals`: deadlines, retention, commission.
pub async fn settings_page(p: Page) -> WebResult<Response> {
    settings_view(&p, StatusCode::OK, None).await
}

/// `POST /admin/appeals`: change them.
pub async fn save_settings(p: Page, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let days = |k: &'static str| id_in(&f, k)?.ok_or_else(|| AppError::invalid(k));
        let s = Settings {
            acknowledge_days: days("acknowledge_days")?,
            feedback_days: days("feedback_days")?,
            retention_days: days("retention_days")?,
            small_unit_size: days("small_unit_size")?,
            commission_unit_id: id_in(&f, "commission_unit_id")?,
        };
        appeals::set_settings(&p.state.app, &p.auth.actor, &s).await
    }
    .await;
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            "/admin/appeals",
            "flash-appeal-settings-saved",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            settings_view(&p, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

#[derive(Template)]
#[template(path = "appeals/unit_section.html")]
struct AppealsSection {
    l: Layout,
    view: grassroots_app::units::UnitAccess,
    counts: AppealCounts,
    published: Vec<Published>,
    handlers: Vec<Handler>,
    dates: Dates,
}

/// The unit page's appeals: counts of what was routed in the subtree
/// (naming nobody), the suggestions published here and who receives
/// appeals here.
pub(crate) const UNIT_SECTION: UnitSection = UnitSection {
    key: "appeals",
    title: "appeals-title",
    render: unit_section,
};

fn unit_section<'a>(cx: &'a SectionCtx<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let (p, id) = (cx.p, cx.view.unit.id);
        let app = &p.state.app;
        html(&AppealsSection {
            l: cx.layout(),
            counts: appeals::counts(app, &p.auth.actor, id).await?,
            published: appeals::published(app, &p.auth.actor, id).await?,
            handlers: appeals::handlers(app, &p.auth.actor, id).await?,
            dates: p.dates().await?,
            view: cx.view.clone(),
        })
    })
}
