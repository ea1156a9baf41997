//! API of plans: plans of a unit, targets, cascades, check-ins, blockers,
//! the dashboard roll-up of any subtree, adoption of decisions.

use super::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use grassroots_app::plans::{
    self, AdoptInput, BlockerInput, CascadeInput, CheckInInput, Dashboard, PlanInput, PlanView,
    TargetInput, TargetView,
};
use grassroots_core::UnitId;
use grassroots_store::plans::blockers::Blocker;
use grassroots_store::plans::{CheckIn, Plan, Target};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, Caller};
use crate::AppState;
use crate::error::{ErrorBody, WebResult};

/// The plans API's routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(adopt_decision))
        .routes(routes!(unit_plans, create_plan))
        .routes(routes!(get_plan))
        .routes(routes!(add_target))
        .routes(routes!(get_target, delete_target))
        .routes(routes!(cascade))
        .routes(routes!(check_in))
        .routes(routes!(open_blocker))
        .routes(routes!(resolve_blocker))
        .routes(routes!(dashboard))
        .routes(routes!(categories, add_category))
        .routes(routes!(get_review, save_review))
        .routes(routes!(close_review))
        .routes(routes!(export_review))
        .routes(routes!(my_work))
        .routes(routes!(dismiss_reminder))
}

/// `GET /units/{id}/plans`: plans of a unit, newest period first.
#[utoipa::path(get, path = "/units/{id}/plans", tag = "plans", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<Plan>), (status = 404, body = ErrorBody)))]
pub(super) async fn unit_plans(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<Vec<Plan>>> {
    Ok(Json(plans::plans_of_unit(&s.app, &c.actor, id).await?))
}

/// `POST /units/{id}/plans`: create a plan (citing a decision adopts it).
#[utoipa::path(post, path = "/units/{id}/plans", tag = "plans", params(("id" = i64, Path)), request_body = PlanInput, responses(
    (status = 201, body = Plan), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_plan(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<PlanInput>,
) -> WebResult<(StatusCode, Json<Plan>)> {
    Ok((
        StatusCode::CREATED,
        Json(plans::create_plan(&s.app, &c.actor, id, b).await?),
    ))
}

/// `GET /plans/{id}`: a plan with its targets.
#[utoipa::path(get, path = "/plans/{id}", tag = "plans", params(("id" = i64, Path)), responses(
    (status = 200, body = PlanView), (status = 404, body = ErrorBody)))]
pub(super) async fn get_plan(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<PlanView>> {
    Ok(Json(plans::plan_view(&s.app, &c.actor, id).await?))
}

/// `POST /plans/{id}/targets`: add a target.
#[utoipa::path(post, path = "/plans/{id}/targets", tag = "plans", params(("id" = i64, Path)), request_body = TargetInput, responses(
    (status = 201, body = Target), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn add_target(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<TargetInput>,
) -> WebResult<(StatusCode, Json<Target>)> {
    Ok((
        StatusCode::CREATED,
        Json(plans::add_target(&s.app, &c.actor, id, b).await?),
    ))
}

/// `GET /targets/{id}`: a target with its check-ins, shares and blockers.
#[utoipa::path(get, path = "/targets/{id}", tag = "plans", params(("id" = i64, Path)), responses(
    (status = 200, body = TargetView), (status = 404, body = ErrorBody)))]
pub(super) async fn get_target(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<TargetView>> {
    Ok(Json(plans::target_view(&s.app, &c.actor, id).await?))
}

/// Ids deleted.
#[derive(Serialize, ToSchema)]
pub(super) struct Deleted {
    deleted: Vec<i64>,
}

/// `DELETE /targets/{id}`: delete a target and its shares.
#[utoipa::path(delete, path = "/targets/{id}", tag = "plans", params(("id" = i64, Path)), responses(
    (status = 200, body = Deleted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn delete_target(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<Deleted>> {
    Ok(Json(Deleted {
        deleted: plans::delete_target(&s.app, &c.actor, id).await?,
    }))
}

/// `POST /targets/{id}/cascade`: split a target among subunits.
#[utoipa::path(post, path = "/targets/{id}/cascade", tag = "plans", params(("id" = i64, Path)), request_body = CascadeInput, responses(
    (status = 201, body = Vec<Target>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn cascade(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<CascadeInput>,
) -> WebResult<(StatusCode, Json<Vec<Target>>)> {
    Ok((
        StatusCode::CREATED,
        Json(plans::cascade(&s.app, &c.actor, id, b).await?),
    ))
}

/// A recorded check-in and the target's new state.
#[derive(Serialize, ToSchema)]
pub(super) struct CheckedIn {
    check_in: CheckIn,
    target: Target,
}

/// `POST /targets/{id}/check-ins`: report progress.
#[utoipa::path(post, path = "/targets/{id}/check-ins", tag = "plans", params(("id" = i64, Path)), request_body = CheckInInput, responses(
    (status = 201, body = CheckedIn), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn check_in(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<CheckInInput>,
) -> WebResult<(StatusCode, Json<CheckedIn>)> {
    let (check_in, target) = plans::check_in(&s.app, &c.actor, id, b).await?;
    Ok((StatusCode::CREATED, Json(CheckedIn { check_in, target })))
}

/// A blocker raised by a unit.
#[derive(Deserialize, ToSchema)]
pub(super) struct OpenBlocker {
    /// Target it holds up (of this unit).
    #[serde(default)]
    target_id: Option<i64>,
    #[serde(flatten)]
    blocker: BlockerInput,
}

/// `POST /units/{id}/blockers`: raise a blocker.
#[utoipa::path(post, path = "/units/{id}/blockers", tag = "plans", params(("id" = i64, Path)), request_body = OpenBlocker, responses(
    (status = 201, body = Blocker), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn open_blocker(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<OpenBlocker>,
) -> WebResult<(StatusCode, Json<Blocker>)> {
    Ok((
        StatusCode::CREATED,
        Json(plans::open_blocker(&s.app, &c.actor, id, b.target_id, b.blocker).await?),
    ))
}

/// How a blocker was resolved.
#[derive(Deserialize, ToSchema)]
pub(super) struct Resolve {
    resolution: String,
}

/// Whether anything changed.
#[derive(Serialize, ToSchema)]
pub(super) struct Changed {
    changed: bool,
}

/// `POST /blockers/{id}/resolve`: resolve a blocker.
#[utoipa::path(post, path = "/blockers/{id}/resolve", tag = "plans", params(("id" = i64, Path)), request_body = Resolve, responses(
    (status = 200, body = Changed), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn resolve_blocker(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<Resolve>,
) -> WebResult<Json<Changed>> {
    Ok(Json(Changed {
        changed: plans::resolve_blocker(&s.app, &c.actor, id, &b.resolution).await?,
    }))
}

/// Which year.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct YearQuery {
    /// Year of the targets' due dates (default: this year).
    year: Option<i32>,
}

/// `GET /units/{id}/dashboard`: the roll-up of a subtree for a year.
#[utoipa::path(get, path = "/units/{id}/dashboard", tag = "plans", params(("id" = i64, Path), YearQuery), responses(
    (status = 200, body = Dashboard), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn dashboard(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Query(q): Query<YearQuery>,
) -> WebResult<Response> {
    // The JSON is made once per kept dashboard, not once per reader.
    let d = plans::dashboard(&s.app, &c.actor, id, q.year).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        axum::body::Bytes::from_owner(d.json()),
    )
        .into_response())
}

/// `POST /decisions/{id}/adopt`: an addressed unit adopts the decision by
/// creating a plan or extending one of its plans.
#[utoipa::path(post, path = "/decisions/{id}/adopt", tag = "decisions", params(("id" = i64, Path)), request_body = AdoptInput, responses(
    (status = 200, body = Plan), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn adopt_decision(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<AdoptInput>,
) -> WebResult<Json<Plan>> {
    Ok(Json(plans::adopt(&s.app, &c.actor, id, b).await?))
}

/// A plan category.
#[derive(Serialize, Deserialize, ToSchema)]
pub(super) struct Category {
    /// Key.
    key: String,
    /// Label; empty for a built-in category (named by the interface).
    label: String,
}

/// `GET /plan-categories`: the categories of targets.
#[utoipa::path(get, path = "/plan-categories", tag = "plans", responses(
    (status = 200, body = Vec<Category>), (status = 401, body = ErrorBody)))]
pub(super) async fn categories(
    State(s): State<AppState>,
    Caller(_c): Caller,
) -> WebResult<Json<Vec<Category>>> {
    Ok(Json(
        plans::categories(&s.app)
            .await?
            .into_iter()
            .map(|(key, label)| Category { key, label })
            .collect(),
    ))
}

/// `POST /plan-categories`: add a category (administrators of the whole
/// organization).
#[utoipa::path(post, path = "/plan-categories", tag = "plans", request_body = Category, responses(
    (status = 201, body = Category), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn add_category(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<Category>,
) -> WebResult<(StatusCode, Json<Category>)> {
    plans::add_category(&s.app, &c.actor, &b.key, &b.label).await?;
    Ok((StatusCode::CREATED, Json(b)))
}

/// `GET /plans/{id}/review`: the plan's summing-up and evaluation, with
/// the facts compiled now.
#[utoipa::path(get, path = "/plans/{id}/review", tag = "plans", params(("id" = i64, Path)), responses(
    (status = 200, body = grassroots_app::plans::reviews::ReviewView), (status = 404, body = ErrorBody)))]
pub(super) async fn get_review(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<grassroots_app::plans::reviews::ReviewView>> {
    Ok(Json(
        grassroots_app::plans::reviews::view(&s.app, &c.actor, id).await?,
    ))
}

/// `PUT /plans/{id}/review`: save the review (strengths, defects, next
/// steps, scores and comments).
#[utoipa::path(put, path = "/plans/{id}/review", tag = "plans", params(("id" = i64, Path)), request_body = grassroots_app::plans::reviews::ReviewInput, responses(
    (status = 200, body = grassroots_app::plans::reviews::ReviewView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn save_review(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<grassroots_app::plans::reviews::ReviewInput>,
) -> WebResult<Json<grassroots_app::plans::reviews::ReviewView>> {
    Ok(Json(
        grassroots_app::plans::reviews::save(&s.app, &c.actor, id, b).await?,
    ))
}

/// `POST /plans/{id}/review/close`: close the review and lock the plan.
#[utoipa::path(post, path = "/plans/{id}/review/close", tag = "plans", params(("id" = i64, Path)), responses(
    (status = 200, body = grassroots_app::plans::reviews::ReviewView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn close_review(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<grassroots_app::plans::reviews::ReviewView>> {
    Ok(Json(
        grassroots_app::plans::reviews::close(&s.app, &c.actor, id).await?,
    ))
}

/// `GET /plans/{id}/review/export`: the review as CSV.
#[utoipa::path(get, path = "/plans/{id}/review/export", tag = "plans", params(("id" = i64, Path)), responses(
    (status = 200, content_type = "text/csv", body = String), (status = 404, body = ErrorBody)))]
pub(super) async fn export_review(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<axum::response::Response> {
    let (name, bytes) = grassroots_app::plans::reviews::csv(&s.app, &c.actor, id).await?;
    Ok(crate::render::attachment(
        grassroots_app::imports::tabular::Format::Csv,
        &name,
        bytes,
    ))
}

/// `GET /me/work`: targets the caller owns, blockers assigned to them,
/// decisions awaiting their units' adoption, reminders.
#[utoipa::path(get, path = "/me/work", tag = "me", responses(
    (status = 200, body = grassroots_app::work::MyWork), (status = 401, body = ErrorBody)))]
pub(super) async fn my_work(
    State(s): State<AppState>,
    Caller(c): Caller,
) -> WebResult<Json<grassroots_app::work::MyWork>> {
    Ok(Json(grassroots_app::work::mine(&s.app, &c.actor).await?))
}

/// `POST /me/reminders/{id}/dismiss`: dismiss one of the caller's
/// reminders.
#[utoipa::path(post, path = "/me/reminders/{id}/dismiss", tag = "me", params(("id" = i64, Path)), responses(
    (status = 204), (status = 404, body = ErrorBody)))]
pub(super) async fn dismiss_reminder(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<StatusCode> {
    grassroots_app::work::dismiss(&s.app, &c.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
