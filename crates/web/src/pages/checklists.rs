//! Checklist pages for administrators of the whole organization: the
//! templates, and an editor that writes a template's next version (or a
//! new template's first) as rows of questions, a section title starting
//! a new section. Versions in use never change: saving writes a new one.

use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use grassroots_app::AppError;
use grassroots_app::safety::checklists;
use grassroots_core::FieldError;
use grassroots_store::safety::checklists::{NewQuestion, NewSection, Template as Checklist};

use super::form::{field, pairs};
use super::{FormError, Layout, Page, render};
use crate::AppState;
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;

/// The checklist pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/checklists", get(list).post(create))
        .route("/admin/checklists/{id}", get(editor).post(save))
}

/// One question as a row of the editor.
#[derive(Debug, Clone, Default)]
struct Row {
    section: String,
    text: String,
    response: String,
    /// `no`, `yes`, `le1`…`le4`, or empty.
    flag: String,
    allow_na: bool,
    require_note: bool,
    require_action: bool,
}

/// Blank rows offered after the questions, to add some.
const BLANK_ROWS: usize = 6;

impl Row {
    fn of(section: &str, q: &grassroots_store::safety::checklists::Question) -> Row {
        Row {
            section: section.to_string(),
            text: q.text.clone(),
            response: q.response.clone(),
            flag: match (&q.flag_on, q.flag_at_most) {
                (Some(on), _) => on.clone(),
                (None, Some(n)) => format!("le{n}"),
                _ => String::new(),
            },
            allow_na: q.allow_na,
            require_note: q.require_note,
            require_action: q.require_action,
        }
    }
}

/// Most rows a form may carry.
const MOST_ROWS: usize = 400;

/// The rows as typed: `s0`, `q0`, `r0`, `f0`, `na0`, `rn0`, `ra0`, … up to
/// `rows`; more than [`MOST_ROWS`] are refused rather than cut off.
fn typed_rows(f: &[(String, String)]) -> Result<Vec<Row>, AppError> {
    let n: usize = field(f, "rows").parse().unwrap_or(0);
    if n > MOST_ROWS {
        return Err(FieldError::new(
            "questions",
            "out_of_range",
            format!("at most {MOST_ROWS} questions in one checklist"),
        )
        .into());
    }
    Ok((0..n)
        .map(|i| Row {
            section: field(f, &format!("s{i}")).trim().to_string(),
            text: field(f, &format!("q{i}")).trim().to_string(),
            response: field(f, &format!("r{i}")),
            flag: field(f, &format!("f{i}")),
            allow_na: !field(f, &format!("na{i}")).is_empty(),
            require_note: !field(f, &format!("rn{i}")).is_empty(),
            require_action: !field(f, &format!("ra{i}")).is_empty(),
        })
        .collect())
}

/// Sections from the rows: rows without a question are left out; a
/// section title starts a new section, a row without one stays in the
/// section above. Errors name the row.
fn sections_of(rows: &[Row]) -> Result<Vec<NewSection>, AppError> {
    let mut out: Vec<NewSection> = Vec::new();
    // A title typed on a row without a question heads the next question.
    let mut pending_title = String::new();
    for (i, r) in rows.iter().enumerate() {
        if r.text.is_empty() {
            if !r.section.is_empty() {
                pending_title = r.section.clone();
            }
            continue;
        }
        let title = if r.section.is_empty() {
            std::mem::take(&mut pending_title)
        } else {
            pending_title.clear();
            r.section.clone()
        };
        let at = |what: &str| -> AppError {
            FieldError::new("questions", "question", format!("row {}: {what}", i + 1)).into()
        };
        let (flag_on, flag_at_most) = match (r.response.as_str(), r.flag.as_str()) {
            (_, "") => (None, None),
            ("yes_no", on @ ("yes" | "no")) => (Some(on.to_string()), None),
            ("scale", le) if le.starts_with("le") => (
                None,
                Some(
                    le[2..]
                        .parse::<i64>()
                        .map_err(|_| at("a scale flags at 1 to 5"))?,
                ),
            ),
            _ => {
                return Err(at(
                    "a yes/no answer flags on yes or no, a scale at or below a value; numbers and text are not flagged",
                ));
            }
        };
        if !title.is_empty() && out.last().is_none_or(|s| s.title != title) {
            out.push(NewSection {
                title,
                questions: Vec::new(),
            });
        }
        let Some(section) = out.last_mut() else {
            return Err(at("the first question needs a section title"));
        };
        section.questions.push(NewQuestion {
            text: r.text.clone(),
            response: r.response.clone(),
            allow_na: r.allow_na,
            flag_on,
            flag_at_most,
            require_note: r.require_note,
            require_action: r.require_action,
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "safety/checklists.html")]
struct ListPage {
    l: Layout,
    templates: Vec<Checklist>,
    name: String,
    purpose: String,
    rows: Vec<Row>,
    err: Option<FormError>,
}

async fn list_view(
    p: &Page,
    status: StatusCode,
    typed: Option<(String, String, Vec<Row>)>,
    err: Option<FormError>,
) -> WebResult<Response> {
    grassroots_app::profiles::require_org_admin(&p.state.app, &p.auth.actor).await?;
    let (name, purpose, rows) =
        typed.unwrap_or_else(|| (String::new(), "inspection".into(), blank(BLANK_ROWS)));
    Ok(render(
        status,
        &ListPage {
            l: p.layout(p.tr.t("checklists-title"), Vec::new()),
            templates: checklists::templates(&p.state.app).await?,
            name,
            purpose,
            rows,
            err,
        },
    ))
}

fn blank(n: usize) -> Vec<Row> {
    (0..n)
        .map(|_| Row {
            response: "yes_no".into(),
            allow_na: true,
            ..Row::default()
        })
        .collect()
}

/// `GET /admin/checklists`: the templates, and a form for a new one.
pub async fn list(p: Page) -> WebResult<Response> {
    list_view(&p, StatusCode::OK, None, None).await
}

/// `POST /admin/checklists`: a new template with its first version (or,
/// with `more`, the form again with more blank rows).
pub async fn create(p: Page, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let (name, purpose) = (field(&f, "name"), field(&f, "purpose"));
    let rows = match typed_rows(&f) {
        Ok(rows) => rows,
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            return list_view(&p, StatusCode::UNPROCESSABLE_ENTITY, None, err.into()).await;
        }
    };
    if !field(&f, "more").is_empty() {
        let mut rows = rows;
        rows.extend(blank(BLANK_ROWS));
        return list_view(&p, StatusCode::OK, Some((name, purpose, rows)), None).await;
    }
    let result = async {
        let sections = sections_of(&rows)?;
        checklists::create(&p.state.app, &p.auth.actor, &name, &purpose, &sections).await
    }
    .await;
    match result {
        Ok(v) => Ok(redirect_with_flash(
            &p.state,
            &format!("/admin/checklists/{}", v.template_id),
            "flash-safety-saved",
        )),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let err = FormError::from_app(&p.tr, e)?;
            list_view(
                &p,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((name, purpose, rows)),
                err.into(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "safety/checklist_editor.html")]
struct EditorPage {
    l: Layout,
    template: Checklist,
    /// The version the rows were read from.
    base: i64,
    rows: Vec<Row>,
    err: Option<FormError>,
}

async fn editor_view(
    p: &Page,
    id: i64,
    status: StatusCode,
    typed: Option<(i64, Vec<Row>)>,
    err: Option<FormError>,
) -> WebResult<Response> {
    let app = &p.state.app;
    grassroots_app::profiles::require_org_admin(app, &p.auth.actor).await?;
    let template = checklists::templates(app)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(AppError::NotFound)?;
    let (base, rows) = match typed {
        Some(typed) => typed,
        None => {
            let v = checklists::version(app, template.version_id).await?;
            let mut rows: Vec<Row> = v
                .sections
                .iter()
                .flat_map(|s| s.questions.iter().map(|q| Row::of(&s.title, q)))
                .collect();
            rows.extend(blank(BLANK_ROWS));
            (template.version, rows)
        }
    };
    let l = p.layout(template.name.clone(), Vec::new());
    Ok(render(
        status,
        &EditorPage {
            l,
            template,
            base,
            rows,
            err,
        },
    ))
}

/// `GET /admin/checklists/{id}`: the newest version as rows to edit.
pub async fn editor(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    editor_view(&p, id, StatusCode::OK, None, None).await
}

/// `POST /admin/checklists/{id}`: the rows saved as the next version (or,
/// with `more`, the form again with more blank rows). Refused when another
/// version was saved since the form was read.
pub async fn save(p: Page, Path(id): Path<i64>, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let base: i64 = field(&f, "base_version").parse().unwrap_or(0);
    let rows = match typed_rows(&f) {
        Ok(rows) => rows,
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            return editor_view(&p, id, StatusCode::UNPROCESSABLE_ENTITY, None, err.into()).await;
        }
    };
    if !field(&f, "more").is_empty() {
        let mut rows = rows;
        rows.extend(blank(BLANK_ROWS));
        return editor_view(&p, id, StatusCode::OK, Some((base, rows)), None).await;
    }
    let result = async {
        let sections = sections_of(&rows)?;
        checklists::add_version(&p.state.app, &p.auth.actor, id, Some(base), &sections).await
    }
    .await;
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/admin/checklists/{id}"),
            "flash-checklist-saved",
        )
        .into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let err = FormError::from_app(&p.tr, e)?;
            editor_view(
                &p,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((base, rows)),
                err.into(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
