//! API of skills: the catalogue, a person's skills, and the talents of a
//! subtree.

use super::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use grassroots_core::UnitId;
use grassroots_store::skills::{PersonSkill, Skill, Talent};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, Caller};
use crate::AppState;
use crate::error::{ErrorBody, WebResult};

/// The skills API's routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_skills, create_skill))
        .routes(routes!(person_skills))
        .routes(routes!(set_person_skill, remove_person_skill))
        .routes(routes!(talents))
}

/// `GET /skills`: the skills catalogue.
#[utoipa::path(get, path = "/skills", tag = "skills", responses(
    (status = 200, body = Vec<Skill>), (status = 401, body = ErrorBody)))]
async fn list_skills(State(s): State<AppState>, Caller(_c): Caller) -> WebResult<Json<Vec<Skill>>> {
    Ok(Json(grassroots_app::skills::catalogue(&s.app).await?))
}

/// A new skill.
#[derive(Deserialize, ToSchema)]
struct NewSkillBody {
    name: String,
    category: String,
}

/// `POST /skills`: add a skill to the catalogue (administrators).
#[utoipa::path(post, path = "/skills", tag = "skills", request_body = NewSkillBody, responses(
    (status = 201, body = Skill), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_skill(
    State(s): State<AppState>,
    Caller(c): Caller,
    Body(b): Body<NewSkillBody>,
) -> WebResult<(StatusCode, Json<Skill>)> {
    let skill = grassroots_app::skills::create(&s.app, &c.actor, &b.name, &b.category).await?;
    Ok((StatusCode::CREATED, Json(skill)))
}

/// `GET /people/{id}/skills`.
#[utoipa::path(get, path = "/people/{id}/skills", tag = "skills", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<PersonSkill>), (status = 404, body = ErrorBody)))]
async fn person_skills(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<Vec<PersonSkill>>> {
    Ok(Json(
        grassroots_app::skills::of_person(&s.app, &c.actor, id).await?,
    ))
}

/// A person's level in a skill.
#[derive(Deserialize, ToSchema)]
struct PersonSkillBody {
    /// 1 to 5.
    level: i32,
    /// Last day of the certification, YYYY-MM-DD, if certified.
    #[serde(default)]
    certified_until: String,
}

/// `PUT /people/{id}/skills/{skill_id}`: record or update a skill.
#[utoipa::path(put, path = "/people/{id}/skills/{skill_id}", tag = "skills", params(("id" = i64, Path), ("skill_id" = i64, Path)), request_body = PersonSkillBody, responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_person_skill(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path((id, skill_id)): Path<(i64, i64)>,
    Body(b): Body<PersonSkillBody>,
) -> WebResult<StatusCode> {
    grassroots_app::skills::set(&s.app, &c.actor, id, skill_id, b.level, &b.certified_until)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /people/{id}/skills/{skill_id}`.
#[utoipa::path(delete, path = "/people/{id}/skills/{skill_id}", tag = "skills", params(("id" = i64, Path), ("skill_id" = i64, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_person_skill(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path((id, skill_id)): Path<(i64, i64)>,
) -> WebResult<StatusCode> {
    grassroots_app::skills::remove(&s.app, &c.actor, id, skill_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /units/{id}/talents`: people per skill in the unit and below.
#[utoipa::path(get, path = "/units/{id}/talents", tag = "skills", params(("id" = i64, Path)), responses(
    (status = 200, body = Vec<Talent>), (status = 404, body = ErrorBody)))]
async fn talents(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<Vec<Talent>>> {
    Ok(Json(
        grassroots_app::skills::talents(&s.app, &c.actor, id).await?,
    ))
}
