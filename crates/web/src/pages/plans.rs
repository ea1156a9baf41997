//! Plan pages: a unit's plans, targets with check-ins and cascades,
//! blockers, and the dashboard of any subtree with charts drawn on the
//! server as SVG (no script needed to read them).

use super::sections::{SectionCtx, SectionFuture, UnitSection, html};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use grassroots_app::AppError;
use grassroots_app::plans::{
    self, AdoptInput, BlockerInput, CascadeInput, CascadePart, CheckInInput, Dashboard, PlanInput,
    PlanView, TargetInput, TargetView,
};
use grassroots_core::UnitId;
use grassroots_core::progress::Status;
use grassroots_store::plans::{ChildRollup, Rollup};
use serde::Deserialize;

use super::form::{field, id_in, number, opt, pairs};
use super::{FormError, Layout, Page, render};
use crate::AppState;
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;

/// The plan, target, blocker, review and own-work pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/decisions/{id}/adopt", post(adopt))
        .route("/units/{id}/plans", post(create_plan))
        .route("/units/{id}/dashboard", get(dashboard))
        .route("/units/{id}/blockers", post(open_blocker))
        .route("/plans/{id}", get(show_plan))
        .route("/plans/{id}/targets", post(add_target))
        .route("/targets/{id}", get(show_target))
        .route("/targets/{id}/check-ins", post(check_in))
        .route("/targets/{id}/cascade", post(cascade))
        .route("/targets/{id}/delete", post(delete_target))
        .route("/blockers/{id}/resolve", post(resolve_blocker))
        .route("/plans/{id}/review", get(show_review).post(save_review))
        .route("/plans/{id}/review.csv", get(review_csv))
        .route("/me/work", get(my_work))
        .route("/me/reminders/{id}/dismiss", post(dismiss_reminder))
}

/// Form fields as (name, value) pairs, repeated names kept.
/// Percent text of a share, or a dash when unknown.
pub fn percent(share: Option<f64>) -> String {
    match share {
        Some(s) => format!("{:.0} %", s * 100.0),
        None => "–".to_string(),
    }
}

/// Translated label of a status key.
fn status_name(p: &Page, key: &str) -> String {
    p.tr.t(&format!("status-{}", key.replace('_', "-")))
}

/// A target row as shown in lists.
pub struct TargetRow {
    id: i64,
    title: String,
    unit_name: String,
    status: String,
    status_label: String,
    completion: String,
    completion_width: i64,
    due_on: String,
    weight: i64,
    progress: String,
    cascaded: bool,
    category: String,
}

fn target_row(p: &Page, t: &grassroots_store::plans::Target, unit_name: &str) -> TargetRow {
    let progress = match (t.kind.as_str(), t.last_value, t.target_value) {
        ("numeric", Some(v), Some(goal)) => {
            format!("{} / {} {}", trim(v), trim(goal), t.measure_unit)
        }
        ("numeric", None, Some(goal)) => format!("– / {} {}", trim(goal), t.measure_unit),
        _ if t.last_done => p.tr.t("target-done"),
        _ => String::new(),
    };
    TargetRow {
        id: t.id,
        title: t.title.clone(),
        unit_name: unit_name.to_string(),
        status: t.status.replace('_', "-"),
        status_label: status_name(p, &t.status),
        completion: percent(t.completion()),
        completion_width: t.completion().map_or(0, |c| (c * 100.0).round() as i64),
        due_on: t.due_on.clone(),
        weight: t.weight,
        progress,
        cascaded: t.children > 0,
        category: category_name(p, &t.category, ""),
    }
}

fn trim(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}")
    }
}

fn category_name(p: &Page, key: &str, label: &str) -> String {
    if !label.is_empty() {
        return label.to_string();
    }
    p.tr.maybe(&format!("category-{}", key.replace('_', "-")))
        .unwrap_or_else(|| key.to_string())
}

async fn category_options(p: &Page) -> WebResult<Vec<(String, String)>> {
    Ok(plans::categories(&p.state.app)
        .await?
        .into_iter()
        .map(|(k, l)| {
            let name = category_name(p, &k, &l);
            (k, name)
        })
        .collect())
}

#[derive(Template)]
#[template(path = "plans/plan.html")]
struct PlanPage {
    l: Layout,
    view: PlanView,
    rows: Vec<TargetRow>,
    period: String,
    cadence: String,
    categories: Vec<(String, String)>,
    people: Vec<(i64, String)>,
    subunits: Vec<(i64, String)>,
    err: Option<FormError>,
}

async fn plan_page(
    p: &Page,
    id: i64,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let view = plans::plan_view(&p.state.app, &p.auth.actor, id).await?;
    let rows = view
        .targets
        .iter()
        .map(|t| target_row(p, t, &view.unit_name))
        .collect();
    let (people, subunits) = if view.writable {
        (
            grassroots_app::people::list(
                &p.state.app,
                &p.auth.actor,
                view.plan.unit_id,
                grassroots_store::people::PeopleFilter {
                    subtree: true,
                    limit: 200,
                    ..Default::default()
                },
            )
            .await
            .map(|l| l.into_iter().map(|p| (p.id, p.full_name)).collect())
            .unwrap_or_default(),
            grassroots_app::units::view(&p.state.app, &p.auth.actor, view.plan.unit_id)
                .await
                .map(|v| v.children.into_iter().map(|u| (u.id, u.name)).collect())
                .unwrap_or_default(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let period = format!(
        "{} · {} – {}",
        p.tr.t(&format!("period-{}", view.plan.period_kind)),
        view.plan.starts_on,
        view.plan.ends_on
    );
    let cadence = p.tr.t(&format!("cadence-{}", view.plan.cadence));
    let crumbs = vec![
        (
            view.unit_name.clone(),
            Some(format!("/units/{}", view.plan.unit_id)),
        ),
        (view.plan.title.clone(), None),
    ];
    let l = p.layout(view.plan.title.clone(), crumbs);
    let categories = category_options(p).await?;
    Ok(render(
        status,
        &PlanPage {
            l,
            view,
            rows,
            period,
            cadence,
            categories,
            people,
            subunits,
            err,
        },
    ))
}

/// `GET /plans/{id}`.
pub async fn show_plan(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    plan_page(&p, id, StatusCode::OK, None).await
}

/// `POST /units/{id}/plans`.
pub async fn create_plan(
    p: Page,
    Path(id): Path<UnitId>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let input = PlanInput {
        title: field(&f, "title"),
        period_kind: field(&f, "period_kind"),
        starts_on: opt(&f, "starts_on"),
        ends_on: opt(&f, "ends_on"),
        cadence: opt(&f, "cadence"),
        decision_id: match id_in(&f, "decision_id") {
            Ok(v) => v,
            Err(e) => return super::sections::form_failed(&p, id, "plans", e).await,
        },
    };
    match plans::create_plan(&p.state.app, &p.auth.actor, id, input).await {
        Ok(plan) => Ok(redirect_with_flash(
            &p.state,
            &format!("/plans/{}", plan.id),
            "flash-plan-created",
        )),
        Err(e) => super::sections::form_failed(&p, id, "plans", e).await,
    }
}

/// `POST /plans/{id}/targets`.
pub async fn add_target(
    p: Page,
    Path(plan_id): Path<i64>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let owner = field(&f, "owner");
        let (owner_person_id, owner_unit_id) = match owner.split_once(':') {
            Some(("person", v)) => (
                Some(v.parse().map_err(|_| AppError::invalid("owner"))?),
                None,
            ),
            Some(("unit", v)) => (
                None,
                Some(v.parse().map_err(|_| AppError::invalid("owner"))?),
            ),
            _ if owner.is_empty() => (None, None),
            _ => return Err(AppError::invalid("owner")),
        };
        let input = TargetInput {
            title: field(&f, "title"),
            category: field(&f, "category"),
            kind: field(&f, "kind"),
            baseline: number(&f, "baseline")?,
            target_value: number(&f, "target_value")?,
            measure_unit: field(&f, "measure_unit"),
            starts_on: opt(&f, "starts_on"),
            due_on: opt(&f, "due_on"),
            weight: id_in(&f, "weight")?,
            owner_person_id,
            owner_unit_id,
        };
        plans::add_target(&p.state.app, &p.auth.actor, plan_id, input).await
    }
    .await;
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/plans/{plan_id}"),
            "flash-target-added",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            plan_page(&p, plan_id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

/// A check-in as shown.
pub struct CheckInRow {
    reported_on: String,
    value: String,
    confidence: String,
    narrative: String,
    by: String,
}

/// A cascade choice: a subunit with its current share, if any.
pub struct ShareRow {
    unit_id: i64,
    name: String,
}

#[derive(Template)]
#[template(path = "plans/target.html")]
struct TargetPage {
    l: Layout,
    view: TargetView,
    row: TargetRow,
    children: Vec<TargetRow>,
    check_ins: Vec<CheckInRow>,
    shares: Vec<ShareRow>,
    people: Vec<(i64, String)>,
    today: String,
    rule: String,
    err: Option<FormError>,
}

async fn target_page(
    p: &Page,
    id: i64,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let view = plans::target_view(&p.state.app, &p.auth.actor, id).await?;
    let row = target_row(p, &view.target, &view.unit_name);
    let children = view
        .children
        .iter()
        .map(|c| target_row(p, &c.target, &c.unit_name))
        .collect();
    let check_ins = view
        .check_ins
        .iter()
        .map(|c| CheckInRow {
            reported_on: c.reported_on.clone(),
            value: match (c.value, c.done) {
                (_, true) => p.tr.t("target-done"),
                (Some(v), _) => format!("{} {}", trim(v), view.target.measure_unit),
                _ => String::new(),
            },
            confidence: p.tr.t(&format!("confidence-{}", c.confidence)),
            narrative: c.narrative.clone(),
            by: c.created_by.clone(),
        })
        .collect();
    let taken: Vec<i64> = view.children.iter().map(|c| c.target.unit_id).collect();
    let shares = if view.may_edit {
        grassroots_app::units::view(&p.state.app, &p.auth.actor, view.target.unit_id)
            .await
            .map(|v| v.children)
            .unwrap_or_default()
            .into_iter()
            .filter(|u| !taken.contains(&u.id))
            .map(|u| ShareRow {
                unit_id: u.id,
                name: u.name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let people = if view.may_check_in && view.may_edit {
        grassroots_app::people::list(
            &p.state.app,
            &p.auth.actor,
            view.target.unit_id,
            grassroots_store::people::PeopleFilter {
                subtree: true,
                limit: 200,
                ..Default::default()
            },
        )
        .await
        .map(|l| l.into_iter().map(|p| (p.id, p.full_name)).collect())
        .unwrap_or_default()
    } else {
        Vec::new()
    };
    let rule = p.tr.t(&format!("rollup-{}", view.target.rollup));
    let crumbs = vec![
        (
            view.unit_name.clone(),
            Some(format!("/units/{}", view.target.unit_id)),
        ),
        (
            view.plan.title.clone(),
            Some(format!("/plans/{}", view.plan.id)),
        ),
        (view.target.title.clone(), None),
    ];
    let l = p.layout(view.target.title.clone(), crumbs);
    let today = grassroots_store::plans::ymd(plans::today(&p.state.app));
    Ok(render(
        status,
        &TargetPage {
            l,
            view,
            row,
            children,
            check_ins,
            shares,
            people,
            today,
            rule,
            err,
        },
    ))
}

/// `GET /targets/{id}`.
pub async fn show_target(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    target_page(&p, id, StatusCode::OK, None).await
}

async fn after_target<T>(
    p: &Page,
    id: i64,
    result: grassroots_app::AppResult<T>,
    flash: &str,
) -> WebResult<Response> {
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/targets/{id}"),
            flash,
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            target_page(p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

/// `POST /targets/{id}/check-ins`.
pub async fn check_in(
    p: Page,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let blocker = match opt(&f, "blocker_title") {
            Some(title) => Some(BlockerInput {
                title,
                owner_person_id: id_in(&f, "blocker_owner")?,
                deadline_on: opt(&f, "blocker_deadline"),
            }),
            None => None,
        };
        let input = CheckInInput {
            reported_on: opt(&f, "reported_on"),
            value: number(&f, "value")?,
            done: field(&f, "done") == "on" || field(&f, "done") == "true",
            narrative: field(&f, "narrative"),
            confidence: opt(&f, "confidence"),
            blocker,
        };
        plans::check_in(&p.state.app, &p.auth.actor, id, input).await
    }
    .await;
    after_target(&p, id, result, "flash-checked-in").await
}

/// `POST /targets/{id}/cascade`: `rollup`, and per subunit `unit` (repeated)
/// with `weight_<unit>` and `value_<unit>`.
pub async fn cascade(p: Page, Path(id): Path<i64>, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let mut parts = Vec::new();
        for (_, v) in f.iter().filter(|(n, _)| n == "unit") {
            let unit_id: UnitId = v.trim().parse().map_err(|_| AppError::invalid("parts"))?;
            let weight = match opt(&f, &format!("weight_{unit_id}")) {
                Some(w) => Some(w.parse::<i64>().map_err(|_| AppError::invalid("weight"))?),
                None => None,
            };
            let target_value = match opt(&f, &format!("value_{unit_id}")) {
                Some(w) => Some(
                    w.replace(',', "")
                        .parse::<f64>()
                        .map_err(|_| AppError::invalid("target_value"))?,
                ),
                None => None,
            };
            parts.push(CascadePart {
                unit_id,
                weight,
                target_value,
            });
        }
        plans::cascade(
            &p.state.app,
            &p.auth.actor,
            id,
            CascadeInput {
                rollup: field(&f, "rollup"),
                parts,
            },
        )
        .await
    }
    .await;
    after_target(&p, id, result, "flash-target-cascaded").await
}

/// `POST /targets/{id}/delete`.
pub async fn delete_target(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    let view = plans::target_view(&p.state.app, &p.auth.actor, id).await?;
    let plan = view.plan.id;
    match plans::delete_target(&p.state.app, &p.auth.actor, id).await {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            &format!("/plans/{plan}"),
            "flash-target-deleted",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            target_page(&p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

/// `POST /units/{id}/blockers` (from the plan page).
pub async fn open_blocker(
    p: Page,
    Path(unit): Path<UnitId>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let back = local_path(&field(&f, "back")).unwrap_or_else(|| format!("/units/{unit}/dashboard"));
    let result = async {
        let input = BlockerInput {
            title: field(&f, "title"),
            owner_person_id: id_in(&f, "owner_person_id")?,
            deadline_on: opt(&f, "deadline_on"),
        };
        plans::open_blocker(
            &p.state.app,
            &p.auth.actor,
            unit,
            id_in(&f, "target_id")?,
            input,
        )
        .await
    }
    .await;
    match result {
        Ok(_) => Ok(redirect_with_flash(&p.state, &back, "flash-blocker-opened")),
        Err(e) => super::sections::form_failed(&p, unit, "plans", e).await,
    }
}

/// A path on this site (never another host), for "back" links.
fn local_path(s: &str) -> Option<String> {
    (s.starts_with('/') && !s.starts_with("//") && !s.contains('\\')).then(|| s.to_string())
}

/// `POST /blockers/{id}/resolve`.
pub async fn resolve_blocker(
    p: Page,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let back = local_path(&field(&f, "back")).unwrap_or_else(|| "/me/work".to_string());
    plans::resolve_blocker(&p.state.app, &p.auth.actor, id, &field(&f, "resolution")).await?;
    Ok(redirect_with_flash(
        &p.state,
        &back,
        "flash-blocker-resolved",
    ))
}

/// `POST /decisions/{id}/adopt`: `unit_id`, and `plan_id` (an existing
/// plan) or nothing (a new plan of this year).
pub async fn adopt(p: Page, Path(id): Path<i64>, body: axum::body::Bytes) -> WebResult<Response> {
    let f = pairs(&body);
    let unit: UnitId = field(&f, "unit_id")
        .parse()
        .map_err(|_| AppError::invalid("unit_id"))?;
    let result = async {
        let input = AdoptInput {
            unit_id: unit,
            plan_id: id_in(&f, "plan_id")?,
            plan: None,
        };
        plans::adopt(&p.state.app, &p.auth.actor, id, input).await
    }
    .await;
    match result {
        Ok(plan) => Ok(redirect_with_flash(
            &p.state,
            &format!("/plans/{}", plan.id),
            "flash-decision-adopted",
        )),
        Err(e) => super::sections::form_failed(&p, unit, "decisions", e).await,
    }
}

/// One segment of the status bar.
pub struct Segment {
    key: String,
    label: String,
    count: i64,
    x: f64,
    width: f64,
}

/// The status bar: one segment per status with targets, widths in
/// percent of the bar.
fn status_bar(p: &Page, r: &Rollup) -> Vec<Segment> {
    let total = r.targets.max(1) as f64;
    let mut x = 0.0;
    let mut out = Vec::new();
    for s in Status::ALL {
        let count = r.by_status.get(s.key()).copied().unwrap_or(0);
        if count == 0 {
            continue;
        }
        let width = count as f64 / total * 100.0;
        out.push(Segment {
            key: s.key().replace('_', "-"),
            label: status_name(p, s.key()),
            count,
            x,
            width,
        });
        x += width;
    }
    out
}

/// The completion-over-time line: SVG points in a 600 × 160 box, and the
/// first and last day.
fn history_line(d: &Dashboard) -> (String, String, String) {
    let points: Vec<(chrono::NaiveDate, f64)> = d
        .history
        .iter()
        .filter(|h| h.weight > 0)
        .map(|h| {
            (
                grassroots_store::plans::day(&h.day),
                h.completion as f64 / h.weight as f64 / 1e6,
            )
        })
        .collect();
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return (String::new(), String::new(), String::new());
    };
    let year: i32 = d.year.parse().unwrap_or(2000);
    let start = chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(first.0);
    let days = 365.0;
    let mut s = String::new();
    for (day, share) in &points {
        let x = ((*day - start).num_days() as f64 / days * 600.0).clamp(0.0, 600.0);
        let y = 160.0 - share.clamp(0.0, 1.0) * 160.0;
        s.push_str(&format!("{x:.1},{y:.1} "));
    }
    (
        s.trim_end().to_string(),
        grassroots_store::plans::ymd(first.0),
        grassroots_store::plans::ymd(last.0),
    )
}

/// A child in the dashboard table and grid.
pub struct ChildRow {
    unit_id: i64,
    name: String,
    level: String,
    targets: i64,
    completion: String,
    completion_sort: f64,
    late: i64,
    off_track: i64,
    not_reported: i64,
    blockers: i64,
    /// The worst status present, which colours the grid cell.
    worst: String,
    worst_label: String,
}

fn child_row(p: &Page, c: &ChildRollup, ln: &super::LevelNames) -> ChildRow {
    let get = |k: &str| c.rollup.by_status.get(k).copied().unwrap_or(0);
    let worst = [
        "late",
        "off_track",
        "at_risk",
        "not_reported",
        "on_track",
        "done",
        "not_started",
    ]
    .into_iter()
    .find(|k| get(k) > 0)
    .unwrap_or("none");
    ChildRow {
        unit_id: c.unit_id,
        name: c.name.clone(),
        level: ln.name(&c.level),
        targets: c.rollup.targets,
        completion: percent(c.rollup.completion),
        completion_sort: c.rollup.completion.unwrap_or(-1.0),
        late: get("late"),
        off_track: get("off_track"),
        not_reported: get("not_reported"),
        blockers: c.rollup.blockers_open,
        worst: worst.replace('_', "-"),
        worst_label: if worst == "none" {
            p.tr.t("dashboard-no-targets")
        } else {
            status_name(p, worst)
        },
    }
}

#[derive(Template)]
#[template(path = "plans/dashboard.html")]
struct DashboardPage {
    l: Layout,
    d: std::sync::Arc<plans::DashboardView>,
    segments: Vec<Segment>,
    line: String,
    line_from: String,
    line_to: String,
    children: Vec<ChildRow>,
    attention: Vec<TargetRow>,
    completion: String,
    mean_age: String,
    mean_resolve: String,
    sort: String,
    late: i64,
    not_reported: i64,
    legend: Vec<(String, String)>,
    prev_year: i32,
    next_year: i32,
}

/// Dashboard query: year and the column the children are sorted by.
#[derive(Deserialize)]
pub struct DashboardQuery {
    year: Option<String>,
    sort: Option<String>,
}

/// `GET /units/{id}/dashboard`.
pub async fn dashboard(
    p: Page,
    Path(id): Path<UnitId>,
    Query(q): Query<DashboardQuery>,
) -> WebResult<Response> {
    let year = match q.year.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(y) => Some(y.parse::<i32>().map_err(|_| AppError::invalid("year"))?),
    };
    let d = plans::dashboard(&p.state.app, &p.auth.actor, id, year).await?;
    let ln = super::LevelNames::load(&p).await?;
    let segments = status_bar(&p, &d.rollup);
    let (line, line_from, line_to) = history_line(&d);
    let mut children: Vec<ChildRow> = d.children.iter().map(|c| child_row(&p, c, &ln)).collect();
    let sort = q.sort.unwrap_or_else(|| "name".into());
    match sort.as_str() {
        "completion" => children.sort_by(|a, b| a.completion_sort.total_cmp(&b.completion_sort)),
        "late" => children.sort_by_key(|c| std::cmp::Reverse(c.late)),
        "off_track" => children.sort_by_key(|c| std::cmp::Reverse(c.off_track)),
        "not_reported" => children.sort_by_key(|c| std::cmp::Reverse(c.not_reported)),
        "blockers" => children.sort_by_key(|c| std::cmp::Reverse(c.blockers)),
        "targets" => children.sort_by_key(|c| std::cmp::Reverse(c.targets)),
        _ => {}
    }
    let attention = d
        .attention
        .iter()
        .map(|t| target_row(&p, &t.target, &t.unit_name))
        .collect();
    let completion = percent(d.rollup.completion);
    let mean_age = d
        .rollup
        .blockers_mean_age_days
        .map(|a| format!("{a:.1}"))
        .unwrap_or_else(|| "–".into());
    let mean_resolve = d
        .rollup
        .blockers_mean_resolve_hours
        .map(|h| format!("{:.1}", h / 24.0))
        .unwrap_or_else(|| "–".into());
    let y: i32 = d.year.parse().unwrap_or(2000);
    let path = grassroots_app::units::view(&p.state.app, &p.auth.actor, id)
        .await?
        .path;
    let mut crumbs: Vec<(String, Option<String>)> = path
        .iter()
        .filter(|(_, readable)| *readable)
        .map(|(u, _)| {
            (
                u.name.clone(),
                Some(format!("/units/{}/dashboard?year={y}", u.id)),
            )
        })
        .collect();
    if let Some(last) = crumbs.last_mut() {
        last.1 = None;
    }
    let l = p.layout(p.tr.t1("dashboard-title", "unit", &d.unit_name), crumbs);
    Ok(render(
        StatusCode::OK,
        &DashboardPage {
            l,
            segments,
            line,
            line_from,
            line_to,
            children,
            attention,
            completion,
            mean_age,
            mean_resolve,
            sort,
            late: d.rollup.by_status.get("late").copied().unwrap_or_default(),
            not_reported: d
                .rollup
                .by_status
                .get("not_reported")
                .copied()
                .unwrap_or_default(),
            legend: [
                "late",
                "off_track",
                "at_risk",
                "not_reported",
                "on_track",
                "done",
                "not_started",
            ]
            .iter()
            .map(|k| (k.replace('_', "-"), status_name(&p, k)))
            .collect(),
            prev_year: y - 1,
            next_year: y + 1,
            d,
        },
    ))
}

/// A review row as shown.
pub struct ReviewRow {
    id: i64,
    title: String,
    status: String,
    status_label: String,
    completion: String,
    score: String,
    weight: i64,
    comment: String,
    needs_comment: bool,
}

#[derive(Template)]
#[template(path = "plans/review.html")]
struct ReviewPage {
    l: Layout,
    v: grassroots_app::plans::reviews::ReviewView,
    rows: Vec<ReviewRow>,
    completion: String,
    overall: String,
    adoption: String,
    closed: Option<String>,
    err: Option<FormError>,
}

async fn review_page(
    p: &Page,
    id: i64,
    status: StatusCode,
    err: Option<FormError>,
) -> WebResult<Response> {
    let v = grassroots_app::plans::reviews::view(&p.state.app, &p.auth.actor, id).await?;
    let rows = v
        .items
        .iter()
        .map(|i| ReviewRow {
            id: i.target.id,
            title: i.target.title.clone(),
            status: i.target.status.replace('_', "-"),
            status_label: status_name(p, &i.target.status),
            completion: percent(i.target.completion()),
            score: i.score.map(|s| format!("{s:.2}")).unwrap_or_default(),
            weight: i.target.weight,
            comment: i.comment.clone(),
            needs_comment: i.needs_comment,
        })
        .collect();
    let completion = percent(v.facts.completion);
    let overall = v
        .overall
        .map(|s| format!("{s:.2}"))
        .unwrap_or_else(|| "–".into());
    let adoption = v
        .facts
        .adoption
        .map(|(addressed, adopted)| format!("{adopted} / {addressed}"))
        .unwrap_or_default();
    let closed = v.review.as_ref().and_then(|r| {
        r.closed_at.map(|at| {
            format!(
                "{} · {}",
                p.tr.datetime(&at),
                r.closed_by.clone().unwrap_or_default()
            )
        })
    });
    let crumbs = vec![
        (
            v.unit_name.clone(),
            Some(format!("/units/{}", v.plan.unit_id)),
        ),
        (v.plan.title.clone(), Some(format!("/plans/{}", v.plan.id))),
        (p.tr.t("review-link"), None),
    ];
    let l = p.layout(p.tr.t1("review-title", "plan", &v.plan.title), crumbs);
    Ok(render(
        status,
        &ReviewPage {
            l,
            v,
            rows,
            completion,
            overall,
            adoption,
            closed,
            err,
        },
    ))
}

/// `GET /plans/{id}/review`.
pub async fn show_review(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    review_page(&p, id, StatusCode::OK, None).await
}

fn review_input(
    f: &[(String, String)],
) -> Result<grassroots_app::plans::reviews::ReviewInput, AppError> {
    let mut items = Vec::new();
    for (_, v) in f.iter().filter(|(n, _)| n == "target") {
        let target_id: i64 = v.parse().map_err(|_| AppError::invalid("items"))?;
        let score = match opt(f, &format!("score_{target_id}")) {
            Some(s) => Some(s.parse::<f64>().map_err(|_| AppError::invalid("score"))?),
            None => None,
        };
        items.push(grassroots_app::plans::reviews::ItemInput {
            target_id,
            score,
            comment: field(f, &format!("comment_{target_id}")),
        });
    }
    Ok(grassroots_app::plans::reviews::ReviewInput {
        strengths: field(f, "strengths"),
        defects: field(f, "defects"),
        next_steps: field(f, "next_steps"),
        items,
    })
}

/// `POST /plans/{id}/review`: save; with `close=1`, then close.
pub async fn save_review(
    p: Page,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let f = pairs(&body);
    let result = async {
        let input = review_input(&f)?;
        grassroots_app::plans::reviews::save(&p.state.app, &p.auth.actor, id, input).await?;
        if field(&f, "close") == "1" {
            grassroots_app::plans::reviews::close(&p.state.app, &p.auth.actor, id).await?;
        }
        Ok::<_, AppError>(())
    }
    .await;
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &p.state,
            &format!("/plans/{id}/review"),
            if field(&f, "close") == "1" {
                "flash-review-closed"
            } else {
                "flash-review-saved"
            },
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            review_page(&p, id, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}

/// `GET /plans/{id}/review.csv`.
pub async fn review_csv(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    let (name, bytes) =
        grassroots_app::plans::reviews::csv(&p.state.app, &p.auth.actor, id).await?;
    Ok(crate::render::attachment(
        grassroots_app::imports::tabular::Format::Csv,
        &name,
        bytes,
    ))
}

/// A reminder as shown.
pub struct ReminderRow {
    id: i64,
    text: String,
    href: String,
    due_on: String,
}

#[derive(Template)]
#[template(path = "plans/work.html")]
struct WorkPage {
    l: Layout,
    targets: Vec<(TargetRow, bool)>,
    work: grassroots_app::work::MyWork,
    reminders: Vec<ReminderRow>,
}

/// `GET /me/work`.
pub async fn my_work(p: Page) -> WebResult<Response> {
    let work = grassroots_app::work::mine(&p.state.app, &p.auth.actor).await?;
    let targets = work
        .targets
        .iter()
        .map(|t| {
            (
                target_row(&p, &t.target.target, &t.target.unit_name),
                t.check_in_due,
            )
        })
        .collect();
    let reminders = work
        .reminders
        .iter()
        .map(|r| {
            let (key, href) = match r.reminder.kind.as_str() {
                "check_in" => (
                    "reminder-check-in",
                    format!("/targets/{}", r.reminder.subject_id),
                ),
                "blocker" => ("reminder-blocker", "/me/work#my-blockers".to_string()),
                _ => (
                    "reminder-decision",
                    format!("/decisions/{}", r.reminder.subject_id),
                ),
            };
            ReminderRow {
                id: r.reminder.id,
                text: p.tr.t1(key, "subject", &r.subject),
                href,
                due_on: r.reminder.due_on.clone(),
            }
        })
        .collect();
    let l = p.layout(p.tr.t("work-title"), Vec::new());
    Ok(render(
        StatusCode::OK,
        &WorkPage {
            l,
            targets,
            work,
            reminders,
        },
    ))
}

/// `POST /me/reminders/{id}/dismiss`.
pub async fn dismiss_reminder(p: Page, Path(id): Path<i64>) -> WebResult<Response> {
    grassroots_app::work::dismiss(&p.state.app, &p.auth.actor, id).await?;
    Ok(redirect_with_flash(
        &p.state,
        "/me/work",
        "flash-reminder-dismissed",
    ))
}

#[derive(Template)]
#[template(path = "plans/unit_section.html")]
struct PlansSection {
    l: Layout,
    view: grassroots_app::units::UnitAccess,
    plans: Vec<grassroots_store::plans::Plan>,
    decisions: grassroots_app::decisions::UnitDecisions,
}

/// The unit page's plans, the dashboard link and a new plan.
pub(crate) const UNIT_SECTION: UnitSection = UnitSection {
    key: "plans",
    title: "plans-title",
    render: unit_section,
};

fn unit_section<'a>(cx: &'a SectionCtx<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let (p, id) = (cx.p, cx.view.unit.id);
        html(&PlansSection {
            l: cx.layout(),
            plans: plans::plans_of_unit(&p.state.app, &p.auth.actor, id).await?,
            decisions: grassroots_app::decisions::of_unit(&p.state.app, &p.auth.actor, id).await?,
            view: cx.view.clone(),
        })
    })
}
