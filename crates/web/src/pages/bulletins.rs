//! Bulletin pages: compose from a meeting or start one freely, edit its
//! articles, publish it to the subtree, acknowledge receipt; the page is
//! the print layout (header, date line in the calendar era, articles) and
//! the bulletin can be exported as Markdown.

use super::sections::{SectionCtx, SectionFuture, UnitSection, html};
use askama::Template;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use grassroots_app::bulletins::{self, ArticleInput, BulletinInput, BulletinView, ComposeWords};
use grassroots_app::meetings::MeetingRecord;
use grassroots_app::{AppError, AppResult};
use grassroots_core::UnitId;

use super::form::{field, pairs};
use super::{Dates, FormError, Layout, LevelNames, Page, render};
use crate::AppState;
use crate::error::WebResult;
use crate::i18n::Tr;
use crate::markdown::to_html as markdown;
use crate::middleware::redirect_with_flash;

/// The words of a bulletin composed from `r`, in the language of `tr`.
pub fn compose_words(tr: &Tr, r: &MeetingRecord, type_name: &str) -> ComposeWords {
    ComposeWords {
        speeches: tr.t("bulletin-speeches"),
        concluding_speech: tr.t("speech-kind-concluding-speech"),
        closing_address: tr.t("speech-kind-closing-address"),
        commendations: tr.t("bulletin-commendations"),
        summary: tr.ta(
            "bulletin-summary",
            &[
                ("kind", type_name.to_string()),
                ("unit", r.unit_name.clone()),
                (
                    "dates",
                    grassroots_core::calendar::span_token(&r.meeting.held_on, &r.meeting.ends_on),
                ),
            ],
        ),
        attendance: attendance_in_words(
            tr,
            &r.attendance,
            [
                None,
                Some("bulletin-attendance-partial"),
                Some("bulletin-attendance"),
            ],
        ),
        not_given: tr.t("bulletin-not-given"),
    }
}

/// What the record says of attendance, in the message of `keys` that
/// fits: (not taken at all, taken for some, taken for all); `None` where
/// that message is `None` (a bulletin says nothing of attendance not
/// taken).
pub fn attendance_in_words(
    tr: &Tr,
    a: &grassroots_store::meetings::Attendance,
    keys: [Option<&str>; 3],
) -> Option<String> {
    let recorded = a.marked();
    let args = [
        ("present", a.present.to_string()),
        ("invited", a.invited.to_string()),
        ("excused", a.excused.to_string()),
        ("absent", a.absent.to_string()),
        ("unmarked", (a.invited - recorded).to_string()),
    ];
    let key = match recorded {
        0 => keys[0],
        r if r < a.invited => keys[1],
        _ => keys[2],
    };
    key.map(|k| tr.ta(k, &args))
}

/// Composes a bulletin from meeting `id` with the server's language.
pub async fn compose_from(
    state: &AppState,
    actor: &grassroots_app::Actor,
    tr: &Tr,
    id: i64,
) -> Result<grassroots_store::bulletins::Bulletin, crate::error::WebError> {
    let record = grassroots_app::meetings::view(&state.app, actor, id).await?;
    let settings = grassroots_app::meetings::settings(&state.app).await?;
    let label = settings
        .types
        .iter()
        .find(|t| t.key == record.meeting.meeting_type)
        .map(|t| t.label.clone())
        .unwrap_or_default();
    let type_name = if label.is_empty() {
        tr.maybe(&format!(
            "meeting-type-{}",
            record.meeting.meeting_type.replace('_', "-")
        ))
        .unwrap_or_else(|| record.meeting.meeting_type.clone())
    } else {
        label
    };
    let words = compose_words(tr, &record, &type_name);
    Ok(bulletins::compose(&state.app, actor, id, &words).await?)
}

/// The bulletin as Markdown: title, publisher, date line, articles.
pub fn markdown_export(tr: &Tr, dates: &Dates, v: &BulletinView) -> String {
    let mut out = format!(
        "# {}\n\n{}\n\n{}\n\n{}\n",
        tr.t("bulletin-masthead"),
        v.unit_name,
        dates.day(&v.bulletin.dated_on),
        "---"
    );
    out.push_str(&format!("\n## {}\n", v.bulletin.title));
    for a in &v.articles {
        out.push_str(&format!(
            "\n## {}\n\n{}\n",
            a.heading,
            dates.text(a.body.trim())
        ));
    }
    out
}

#[derive(Template)]
#[template(path = "bulletin.html")]
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
    let dates = Dates::load(p).await?;
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
    let dates = Dates::load(&p).await?;
    Ok(markdown_response(id, markdown_export(&p.tr, &dates, &v)))
}

/// A Markdown download named after bulletin `id`.
pub fn markdown_response(id: i64, text: String) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"bulletin-{id}.md\""),
            ),
        ],
        text,
    )
        .into_response()
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
    let b = compose_from(&p.state, &p.auth.actor, &p.tr, meeting_id).await?;
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
            dates: super::Dates::load(p).await?,
            view: cx.view.clone(),
        })
    })
}
