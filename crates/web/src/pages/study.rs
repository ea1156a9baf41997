//! Study on the web: a unit's study page (assignments in force with
//! their counts, the forms to assign and to adapt, and for the unit's
//! own secretary the roster), the assignment page where a person reads
//! the material and does it, and the unit page's section.

use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use grassroots_app::AppError;
use grassroots_app::study::{self, AssignmentInput, AssignmentView, SubmitInput, UnitStudy};
use grassroots_core::UnitId;
use grassroots_store::positions::PositionType;
use grassroots_store::skills::Skill;
use grassroots_store::study::RosterLine;

use super::form::{field, id_in, opt, pairs};
use super::sections::{SectionCtx, SectionFuture, UnitSection, html};
use super::{FormError, Layout, LevelNames, Page, render};
use crate::AppState;
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;

/// The study pages and forms.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/units/{id}/study", get(unit_page).post(assign))
        .route("/units/{id}/study/{version}/adapt", post(adapt))
        .route("/units/{id}/study/{root}/confirm/{person}", post(confirm))
        .route("/units/{id}/study/{root}/meeting", post(from_meeting))
        .route("/study/{id}", get(show))
        .route("/study/{id}/submit", post(submit))
        .route("/units/{id}/learning-centres", post(create_centre))
        .route(
            "/learning-centres/{id}",
            get(centre_page).post(plan_session),
        )
        .route("/learning-centres/{id}/close", post(close_centre))
        .route("/learning-sessions/{id}/attendance", post(attendance))
}

fn input_of(f: &[(String, String)]) -> Result<AssignmentInput, AppError> {
    Ok(AssignmentInput {
        title: field(f, "title"),
        material: field(f, "material"),
        quiz: field(f, "quiz"),
        keep_quiz: f.iter().any(|(k, v)| k == "keep_quiz" && v == "on"),
        pass_mark: id_in(f, "pass_mark")?,
        completion: field(f, "completion"),
        levels: f
            .iter()
            .filter(|(k, _)| k == "levels")
            .map(|(_, v)| v.clone())
            .collect(),
        position_type_id: id_in(f, "position_type_id")?,
        lacking_skill_id: id_in(f, "lacking_skill_id")?,
        lacking_level: id_in(f, "lacking_level")?,
        grants_skill_id: id_in(f, "grants_skill_id")?,
        grants_level: id_in(f, "grants_level")?,
        recurrence: field(f, "recurrence"),
        starts_on: field(f, "starts_on"),
        due_on: field(f, "due_on"),
    })
}

/// An inherited assignment's form to adapt it here, prefilled, except
/// for its quiz: the adapting unit's people take it, so its answers are
/// not shown; the form keeps it or takes a new one.
struct AdaptForm {
    version_id: i64,
    has_quiz: bool,
}

/// One assignment on the unit's study page.
struct Row {
    a: study::UnitAssignment,
    /// The form to adapt it here, when it was assigned above and the
    /// reader manages this unit.
    adapt: Option<AdaptForm>,
    /// The unit's own people (for its secretary only).
    roster: Vec<RosterLine>,
}

/// A unit's study page.
#[derive(Template)]
#[template(path = "study/unit.html")]
struct UnitStudyPage {
    l: Layout,
    s: UnitStudy,
    rows: Vec<Row>,
    centres: study::centres::UnitCentres,
    unit_name: String,
    levels: Vec<(String, String)>,
    positions: Vec<PositionType>,
    skills: Vec<Skill>,
    err: Option<FormError>,
    dates: super::Dates,
}

async fn unit_page_with(
    p: &Page,
    unit_id: UnitId,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let app = &p.state.app;
    let s = study::of_unit(app, &p.auth.actor, unit_id).await?;
    let (head, _) = grassroots_app::units::heading(app, &p.auth.actor, unit_id).await?;
    let unit_name = head.unit.name.clone();
    let crumbs = vec![(unit_name.clone(), Some(format!("/units/{unit_id}")))];
    let l = p.layout(p.tr.t("study-title"), crumbs);
    let mut rows = Vec::new();
    for a in s.assignments.clone() {
        let adapt = (s.can_manage && a.assignment.unit_id != unit_id).then(|| AdaptForm {
            version_id: a.assignment.id,
            has_quiz: serde_json::from_str::<Vec<grassroots_core::study::QuizQuestion>>(
                &a.assignment.quiz,
            )
            .is_ok_and(|q| !q.is_empty()),
        });
        let roster = if s.is_secretary {
            study::roster(app, &p.auth.actor, unit_id, a.assignment.root_id).await?
        } else {
            Vec::new()
        };
        rows.push(Row { a, adapt, roster });
    }
    let ln = LevelNames::load(p).await?;
    let levels = grassroots_app::units::levels(app)
        .await?
        .into_iter()
        .map(|l| (l.key.clone(), ln.name(&l.key)))
        .collect();
    Ok(render(
        status,
        &UnitStudyPage {
            l,
            s,
            rows,
            centres: study::centres::of_unit(app, &p.auth.actor, unit_id).await?,
            unit_name,
            levels,
            positions: grassroots_app::positions::types(app).await?,
            skills: grassroots_app::skills::catalogue(app).await?,
            err,
            dates: p.dates().await?,
        },
    ))
}

/// The page a study form was sent from: its redirect on success, and
/// where a refusal is shown.
enum Back {
    /// A unit's study page.
    Unit(UnitId),
    /// A learning centre's page.
    Centre(i64),
}

async fn done<T>(
    p: &Page,
    back: Back,
    result: Result<T, AppError>,
    flash: &str,
) -> WebResult<Response> {
    let e = match result {
        Ok(_) => {
            let to = match back {
                Back::Unit(id) => format!("/units/{id}/study"),
                Back::Centre(id) => format!("/learning-centres/{id}"),
            };
            return Ok(redirect_with_flash(&p.state, &to, flash));
        }
        Err(e) => e,
    };
    let err = Some(FormError::from_app(&p.tr, e)?);
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    match back {
        Back::Unit(id) => unit_page_with(p, id, status, err).await,
        Back::Centre(id) => centre_with(p, id, status, err).await,
    }
}

/// `GET /units/{id}/study`.
pub async fn unit_page(p: Page, Path(unit_id): Path<UnitId>) -> WebResult<Response> {
    unit_page_with(&p, unit_id, StatusCode::OK, None).await
}

/// `POST /units/{id}/study`: assign.
pub async fn assign(
    p: Page,
    Path(unit_id): Path<UnitId>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result =
        async { study::assign(&p.state.app, &p.auth.actor, unit_id, input_of(&f)?).await }.await;
    done(&p, Back::Unit(unit_id), result, "flash-study-assigned").await
}

/// `POST /units/{id}/study/{version}/adapt`.
pub async fn adapt(
    p: Page,
    Path((unit_id, version)): Path<(UnitId, i64)>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result =
        async { study::adapt(&p.state.app, &p.auth.actor, version, unit_id, input_of(&f)?).await }
            .await;
    done(&p, Back::Unit(unit_id), result, "flash-study-adapted").await
}

/// `POST /units/{id}/study/{root}/confirm/{person}`.
pub async fn confirm(
    p: Page,
    Path((unit_id, root, person)): Path<(UnitId, i64, i64)>,
) -> WebResult<Response> {
    let result = study::confirm(&p.state.app, &p.auth.actor, root, person).await;
    done(&p, Back::Unit(unit_id), result, "flash-study-confirmed").await
}

/// `POST /units/{id}/study/{root}/meeting`.
pub async fn from_meeting(
    p: Page,
    Path((unit_id, root)): Path<(UnitId, i64)>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let meeting = id_in(&f, "meeting_id")?.ok_or_else(|| AppError::invalid("meeting_id"))?;
        study::from_meeting(&p.state.app, &p.auth.actor, root, unit_id, meeting).await
    }
    .await;
    done(&p, Back::Unit(unit_id), result, "flash-study-recorded").await
}

/// An assignment's page.
#[derive(Template)]
#[template(path = "study/assignment.html")]
struct AssignmentPage {
    l: Layout,
    view: AssignmentView,
    material_html: String,
    result: Option<study::Submitted>,
    err: Option<FormError>,
    dates: super::Dates,
}

async fn show_with(
    p: &Page,
    id: i64,
    status: StatusCode,
    result: Option<study::Submitted>,
    err: Option<FormError>,
) -> WebResult<Response> {
    let mut v = study::get(&p.state.app, &p.auth.actor, id).await?;
    // The person reads the version they follow, wherever the link led.
    if let Some(m) = &v.mine
        && m.assignment.id != v.assignment.id
    {
        v = study::get(&p.state.app, &p.auth.actor, m.assignment.id).await?;
    }
    let material_html = crate::markdown::to_html(&v.assignment.material);
    // Only a reader of the assigning unit is led back to its study page.
    let crumbs = match v.counts {
        Some(_) => vec![(
            v.assignment.unit_name.clone(),
            Some(format!("/units/{}/study", v.assignment.unit_id)),
        )],
        None => Vec::new(),
    };
    let l = p.layout(v.assignment.title.clone(), crumbs);
    Ok(render(
        status,
        &AssignmentPage {
            l,
            view: v,
            material_html,
            result,
            err,
            dates: p.dates().await?,
        },
    ))
}

/// `GET /study/{id}`.
pub async fn show(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    show_with(&p, id, StatusCode::OK, None, None).await
}

/// `POST /study/{id}/submit`: answers `q0`, `q1`, … (option numbers).
pub async fn submit(p: Page, Path(id): Path<i64>, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let answers: Vec<Option<usize>> = (0..grassroots_core::study::MAX_QUESTIONS)
        .map(|i| opt(&f, &format!("q{i}")).and_then(|v| v.trim().parse().ok()))
        .collect();
    match study::submit(&p.state.app, &p.auth.actor, id, SubmitInput { answers }).await {
        Ok(r) if r.state == "failed" => show_with(&p, id, StatusCode::OK, Some(r), None).await,
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/study/{id}"),
            "flash-study-done",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            show_with(&p, id, StatusCode::UNPROCESSABLE_ENTITY, None, Some(err)).await
        }
    }
}

#[derive(Template)]
#[template(path = "study/unit_section.html")]
struct StudySection {
    l: Layout,
    s: UnitStudy,
    dates: super::Dates,
}

/// The unit page's study: the assignments in force and their counts.
pub(crate) const UNIT_SECTION: UnitSection = UnitSection {
    key: "study",
    title: "study-title",
    render: unit_section,
};

fn unit_section<'a>(cx: &'a SectionCtx<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let p = cx.p;
        html(&StudySection {
            l: cx.layout(),
            s: study::of_unit(&p.state.app, &p.auth.actor, cx.view.unit.id).await?,
            dates: p.dates().await?,
        })
    })
}

/// `POST /units/{id}/learning-centres`.
pub async fn create_centre(
    p: Page,
    Path(unit_id): Path<UnitId>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let input = study::centres::CentreInput {
        name: field(&f, "name"),
        place: field(&f, "place"),
        schedule: field(&f, "schedule"),
    };
    let result = study::centres::create(&p.state.app, &p.auth.actor, unit_id, &input).await;
    done(&p, Back::Unit(unit_id), result, "flash-centre-opened").await
}

/// A learning centre's page.
#[derive(Template)]
#[template(path = "study/centre.html")]
struct CentrePage {
    l: Layout,
    view: study::centres::CentreView,
    today: String,
    err: Option<FormError>,
    dates: super::Dates,
}

async fn centre_with(
    p: &Page,
    id: i64,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let view = study::centres::view(&p.state.app, &p.auth.actor, id).await?;
    let crumbs = vec![(
        view.centre.unit_name.clone(),
        Some(format!("/units/{}/study", view.centre.unit_id)),
    )];
    let l = p.layout(view.centre.name.clone(), crumbs);
    Ok(render(
        status,
        &CentrePage {
            l,
            view,
            today: p.state.app.clock.today().to_string(),
            err,
            dates: p.dates().await?,
        },
    ))
}

/// `GET /learning-centres/{id}`.
pub async fn centre_page(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    centre_with(&p, id, StatusCode::OK, None).await
}

/// `POST /learning-centres/{id}`: plan a session.
pub async fn plan_session(
    p: Page,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let input = study::centres::SessionInput {
        held_on: field(&f, "held_on"),
        starts_at: field(&f, "starts_at"),
        topic: field(&f, "topic"),
    };
    let result = study::centres::plan(&p.state.app, &p.auth.actor, id, &input).await;
    done(&p, Back::Centre(id), result, "flash-session-planned").await
}

/// `POST /learning-centres/{id}/close`.
pub async fn close_centre(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    let result = study::centres::close(&p.state.app, &p.auth.actor, id).await;
    done(&p, Back::Centre(id), result, "flash-centre-closed").await
}

/// `POST /learning-sessions/{id}/attendance` (the form names its centre).
pub async fn attendance(
    p: Page,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let centre = id_in(&f, "centre_id")?.ok_or_else(|| AppError::invalid("centre_id"))?;
    let result = async {
        let count = id_in(&f, "attendance")?.ok_or_else(|| AppError::invalid("attendance"))?;
        study::centres::record_attendance(&p.state.app, &p.auth.actor, id, count).await
    }
    .await;
    done(
        &p,
        Back::Centre(centre),
        result,
        "flash-attendance-recorded",
    )
    .await
}
