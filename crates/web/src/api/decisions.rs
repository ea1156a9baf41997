//! API of decisions: issue to a subtree, inbox, adoption roll-up (adoption
//! itself is in the plans API).

use super::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use grassroots_app::decisions::{self, DecisionInput, DecisionView, UnitDecisions};
use grassroots_core::UnitId;
use grassroots_store::decisions::Decision;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Body, Caller};
use crate::AppState;
use crate::error::{ErrorBody, WebResult};

/// The decisions API's routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue_decision, unit_decisions))
        .routes(routes!(get_decision))
}

/// An issued decision and how many units it reached.
#[derive(Serialize, ToSchema)]
pub(super) struct Issued {
    decision: Decision,
    addressed: i64,
}

impl Issued {
    /// A decision and its number of addressees.
    pub(super) fn new(decision: Decision, addressed: i64) -> Issued {
        Issued {
            decision,
            addressed,
        }
    }
}

/// `POST /units/{id}/decisions`: issue a decision to the unit's subtree.
#[utoipa::path(post, path = "/units/{id}/decisions", tag = "decisions", params(("id" = i64, Path)), request_body = DecisionInput, responses(
    (status = 201, body = Issued), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn issue_decision(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
    Body(b): Body<DecisionInput>,
) -> WebResult<(StatusCode, Json<Issued>)> {
    let (decision, addressed) = decisions::issue(&s.app, &c.actor, id, b).await?;
    Ok((StatusCode::CREATED, Json(Issued::new(decision, addressed))))
}

/// `GET /units/{id}/decisions`: decisions addressed to and issued by a unit.
#[utoipa::path(get, path = "/units/{id}/decisions", tag = "decisions", params(("id" = i64, Path)), responses(
    (status = 200, body = UnitDecisions), (status = 404, body = ErrorBody)))]
pub(super) async fn unit_decisions(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<UnitId>,
) -> WebResult<Json<UnitDecisions>> {
    Ok(Json(decisions::of_unit(&s.app, &c.actor, id).await?))
}

/// Where to read the roll-up.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct AtQuery {
    /// Unit whose subtree the roll-up covers (default: the issuer).
    at: Option<UnitId>,
}

/// `GET /decisions/{id}`: a decision with its adoption roll-up.
#[utoipa::path(get, path = "/decisions/{id}", tag = "decisions", params(("id" = i64, Path), AtQuery), responses(
    (status = 200, body = DecisionView), (status = 404, body = ErrorBody)))]
pub(super) async fn get_decision(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(id): Path<i64>,
    Query(q): Query<AtQuery>,
) -> WebResult<Json<DecisionView>> {
    Ok(Json(decisions::view(&s.app, &c.actor, id, q.at).await?))
}
