//! API of people: the people of a unit, adding a person, a person's full
//! record and status.

use super::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use grassroots_app::people::{self, PersonInput, PersonRecord};
use grassroots_core::UnitId;
use grassroots_store::people::{PeopleFilter, Person};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, Caller};
use crate::AppState;
use crate::error::{ErrorBody, WebResult};

/// The people API's routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_people, add_person))
        .routes(routes!(get_person, update_person))
}

/// People listing filters.
#[derive(Deserialize, IntoParams)]
struct PeopleParams {
    /// Words of the name: beginnings of words, two or more syllables of
    /// a Korean name, or its initial consonants (초성); case-insensitive.
    q: Option<String>,
    /// Only this status.
    status: Option<String>,
    /// Include the people of every unit below.
    subtree: Option<bool>,
    /// Only people with this skill.
    skill: Option<i64>,
    /// Maximum items (1–500, default 100).
    limit: Option<i64>,
    /// Items to skip.
    offset: Option<i64>,
}

/// `GET /units/{id}/people`.
#[utoipa::path(get, path = "/units/{id}/people", tag = "people", params(("id" = i64, Path), PeopleParams), responses(
    (status = 200, body = Vec<Person>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_people(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Query(q): Query<PeopleParams>,
) -> WebResult<Json<Vec<Person>>> {
    let filter = PeopleFilter {
        subtree: q.subtree.unwrap_or(false),
        name: q.q.filter(|v| !v.trim().is_empty()),
        status: q.status.filter(|v| !v.trim().is_empty()),
        skill: q.skill,
        limit: q.limit.unwrap_or(100),
        offset: q.offset.unwrap_or(0),
    };
    Ok(Json(people::list(&s.app, &c.actor, id, filter).await?))
}

/// New person.
#[derive(Deserialize, ToSchema)]
struct NewPersonBody {
    full_name: String,
    /// `applicant`, `candidate`, `member`, `employee`, `left` or `transferred_out`.
    status: String,
    #[serde(default)]
    contact: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    joined_on: String,
    #[serde(default)]
    external_id: String,
}

/// `POST /units/{id}/people`.
#[utoipa::path(post, path = "/units/{id}/people", tag = "people", params(("id" = i64, Path)), request_body = NewPersonBody, responses(
    (status = 201, body = Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_person(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<NewPersonBody>,
) -> WebResult<(StatusCode, Json<Person>)> {
    let p = people::create(
        &s.app,
        &c.actor,
        id,
        PersonInput {
            full_name: b.full_name,
            contact: b.contact,
            status: b.status,
            joined_on: b.joined_on,
            external_id: b.external_id,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// `GET /people/{id}`: a person's full record (a logged, sensitive read).
#[utoipa::path(get, path = "/people/{id}", tag = "people", params(("id" = i64, Path)), responses(
    (status = 200, body = PersonRecord), (status = 404, body = ErrorBody)))]
async fn get_person(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
) -> WebResult<Json<PersonRecord>> {
    Ok(Json(people::open(&s.app, &c.actor, id).await?))
}

/// Person changes.
#[derive(Deserialize, ToSchema)]
struct PersonPatch {
    status: String,
}

/// `PATCH /people/{id}`: change the status.
#[utoipa::path(patch, path = "/people/{id}", tag = "people", params(("id" = i64, Path)), request_body = PersonPatch, responses(
    (status = 200, body = Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_person(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Body(b): Body<PersonPatch>,
) -> WebResult<Json<Person>> {
    Ok(Json(
        people::set_status(&s.app, &c.actor, id, &b.status).await?,
    ))
}
