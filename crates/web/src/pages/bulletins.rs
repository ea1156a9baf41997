//! Bulletin pages: compose from a meeting or start one freely, edit its
//! articles, publish it to the subtree, acknowledge receipt; the page is
//! the print layout (header, date line in the calendar era, articles) and
//! the bulletin can be exported as Markdown.

use super::sections::{SectionCtx, SectionFuture, UnitSection, html};
use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use grassroots_app::bulletins::{self, ArticleInput, BulletinInput, BulletinView};
use grassroots_app::{AppError, AppResult};
use grassroots_core::UnitId;

use super::form::{field, pairs};
use super::{FormError, Layout, LevelNames, Page, render};
use crate::AppState;
use crate::bulletin_text::{compose_from, markdown_export, markdown_response};
use crate::error::WebResult;
use crate::markdown::to_html as markdown;
use crate::middleware::redirect_with_flash;

/// The bulletin pages and their forms.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/meetings/{id}/bulletin", post(compose))
        .route("/units/{id}/bulletins", post(create))
        .route("/bulletins/{id}", get(show))
        .route("/bulletins/{id}/export.md", get(export))
        .route("/bulletins/{id}/articles", post(add_article))
        .route(
            "/bulletins/{id}/articles/{article}/{action}",
            post(article_action),
        )
        .route("/bulletins/{id}/publish", post(publish))
        .route("/bulletins/{id}/acknowledge", post(acknowledge))
}

#[derive(Template)]
#[template(path = "bulletins/bulletin.html")]
struct BulletinPage {
    l: Layout,
    v: BulletinView,
    date_line: String,
    articles_html: Vec<(i64, String)>,
    levels: Vec<(String, String)>,
    err: Option<FormError>,
    /// Units of the reader that received it and may acknowledge, with
    /// whether they did.
    my_units: Vec<(i64, String, bool)>,
}

async fn bulletin_page(
    p: &Page,
    id: i64,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let v = bulletins::view(&p.state.app, &p.auth.actor, id).await?;
    let dates = p.dates().await?;
    let date_line = dates.day(&v.bulletin.dated_on);
    let articles_html = v
        .articles
        .iter()
        .map(|a| (a.id, markdown(&dates.text(&a.body))))
        .collect();
    let ln = LevelNames::load(p).await?;
    let levels = ln.all().into_iter().map(|(k, n, _)| (k, n)).collect();
    let my_units = receiving_units(p, id).await?;
    let crumbs = vec![
        (
            v.unit_name.clone(),
            Some(format!("/units/{}", v.bulletin.unit_id)),
        ),
        (v.bulletin.title.clone(), None),
    ];
    let l = p.layout(v.bulletin.title.clone(), crumbs);
    Ok(render(
        status,
        &BulletinPage {
            l,
            v,
            date_line,
            articles_html,
            levels,
            err,
            my_units,
        },
    ))
}

/// The reader's editable home units that received bulletin `id`.
async fn receiving_units(p: &Page, id: i64) -> WebResult<Vec<(i64, String, bool)>> {
    let home = p.auth.actor.home_unit_id;
    let mut out = Vec::new();
    if let Ok(b) = bulletins::of_unit(&p.state.app, &p.auth.actor, home).await
        && let Some(r) = b.received.iter().find(|r| r.bulletin.id == id)
    {
        let unit = grassroots_app::units::get(&p.state.app, &p.auth.actor, home).await?;
        out.push((home, unit.name, r.acknowledged_at.is_some()));
    }
    Ok(out)
}

impl BulletinPage {
    fn article_html(&self, id: &i64) -> &str {
        self.articles_html
            .iter()
            .find(|(i, _)| i == id)
            .map_or("", |(_, h)| h.as_str())
    }
}

/// `GET /bulletins/{id}`.
pub async fn show(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    bulletin_page(&p, id, StatusCode::OK, None).await
}

/// `GET /bulletins/{id}/export.md`.
pub async fn export(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    let v = bulletins::view(&p.state.app, &p.auth.actor, id).await?;
    let dates = p.dates().await?;
    Ok(markdown_response(id, markdown_export(&p.tr, &dates, &v)))
}

async fn done<T>(p: &Page, id: i64, flash: &str, result: AppResult<T>) -> WebResult<Response> {
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/bulletins/{id}"),
            flash,
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            bulletin_page(p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

/// `POST /units/{id}/bulletins`: start a bulletin written freely.
pub async fn create(
    p: Page,
    Path(unit_id): Path<UnitId>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let input = BulletinInput {
        title: field(&f, "title"),
        dated_on: field(&f, "dated_on"),
    };
    match bulletins::create(&p.state.app, &p.auth.actor, unit_id, input).await {
        Ok(b) => Ok(redirect_with_flash(
            &p.state,
            &format!("/bulletins/{}", b.id),
            "flash-bulletin-created",
        )),
        Err(e) => super::sections::form_failed(&p, unit_id, "bulletins", e).await,
    }
}

/// `POST /meetings/{id}/bulletin`: compose a bulletin from the meeting.
pub async fn compose(p: Page, Path(meeting_id): Path<i64>) -> WebResult<Response> {
    let b = compose_from(&p.state, &p.auth.actor, meeting_id).await?;
    Ok(redirect_with_flash(
        &p.state,
        &format!("/bulletins/{}", b.id),
        "flash-bulletin-created",
    ))
}

/// `POST /bulletins/{id}/articles`.
pub async fn add_article(
    p: Page,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let input = ArticleInput {
        heading: field(&f, "heading"),
        body: field(&f, "body"),
    };
    let result = bulletins::add_article(&p.state.app, &p.auth.actor, id, input).await;
    done(&p, id, "flash-meeting-saved", result).await
}

/// `POST /bulletins/{id}/articles/{article}/{action}`: `up`, `down`,
/// `remove` or `edit`.
pub async fn article_action(
    p: Page,
    Path((id, article, action)): Path<(i64, i64, String)>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let (app, actor) = (&p.state.app, &p.auth.actor);
    let result = match action.as_str() {
        "up" | "down" => bulletins::move_article(app, actor, article, action == "up").await,
        "remove" => bulletins::remove_article(app, actor, article).await,
        "edit" => {
            let input = ArticleInput {
                heading: field(&f, "heading"),
                body: field(&f, "body"),
            };
            bulletins::update_article(app, actor, article, input).await
        }
        _ => Err(AppError::NotFound),
    };
    done(&p, id, "flash-meeting-saved", result).await
}

/// `POST /bulletins/{id}/publish`.
pub async fn publish(p: Page, Path(id): Path<i64>, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let levels: Vec<String> = f
        .iter()
        .filter(|(k, v)| k == "levels" && !v.is_empty())
        .map(|(_, v)| v.clone())
        .collect();
    let result = bulletins::publish(&p.state.app, &p.auth.actor, id, &levels).await;
    done(&p, id, "flash-bulletin-published", result).await
}

/// `POST /bulletins/{id}/acknowledge`.
pub async fn acknowledge(
    p: Page,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let unit_id: UnitId = field(&f, "unit_id")
            .parse()
            .map_err(|_| AppError::invalid("unit_id"))?;
        bulletins::acknowledge(&p.state.app, &p.auth.actor, id, unit_id).await
    }
    .await;
    done(&p, id, "flash-bulletin-acknowledged", result).await
}

#[derive(Template)]
#[template(path = "bulletins/unit_section.html")]
struct BulletinsSection {
    l: Layout,
    view: grassroots_app::units::UnitAccess,
    bulletins: grassroots_app::bulletins::UnitBulletins,
    dates: super::Dates,
}

/// The unit page's bulletins: received (to acknowledge), its own, and a
/// new one.
pub(crate) const UNIT_SECTION: UnitSection = UnitSection {
    key: "bulletins",
    title: "bulletins-title",
    render: unit_section,
};

fn unit_section<'a>(cx: &'a SectionCtx<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let (p, id) = (cx.p, cx.view.unit.id);
        html(&BulletinsSection {
            l: cx.layout(),
            bulletins: grassroots_app::bulletins::of_unit(&p.state.app, &p.auth.actor, id).await?,
            dates: p.dates().await?,
            view: cx.view.clone(),
        })
    })
}
