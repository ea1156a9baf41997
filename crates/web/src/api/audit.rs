//! API of the audit log.

use super::Query;
use axum::Json;
use axum::extract::State;
use chrono::{TimeZone, Utc};
use grassroots_app::AppError;
use grassroots_app::audit;
use grassroots_core::FieldError;
use grassroots_store::audit::{AuditFilter, AuditRecord};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Caller;
use crate::AppState;
use crate::error::{ErrorBody, WebResult};

/// The audit API's routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

/// Audit filters.
#[derive(Deserialize, IntoParams)]
struct AuditParams {
    /// Actor login name.
    actor: Option<String>,
    /// Unit id: rows about this unit and everything below it.
    unit: Option<String>,
    /// Action prefix, for example `unit.`.
    action: Option<String>,
    /// From this date (YYYY-MM-DD, UTC).
    from: Option<String>,
    /// Until this date, inclusive.
    to: Option<String>,
    /// Only rows with a smaller id (paging).
    before: Option<i64>,
}

/// `GET /audit`: audit rows about units the caller administers.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditParams), responses(
    (status = 200, body = Vec<AuditRecord>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_audit(
    State(s): State<AppState>,
    Caller(c): Caller,
    Query(q): Query<AuditParams>,
) -> WebResult<Json<Vec<AuditRecord>>> {
    let filter = audit_filter(&AuditQuery {
        actor: q.actor,
        unit: q.unit,
        action: q.action,
        from: q.from,
        to: q.to,
        before: q.before,
    })?;
    Ok(Json(audit::list(&s.app, &c.actor, &filter).await?))
}

/// Audit log filters of the page and the API (all optional; dates are `YYYY-MM-DD`, UTC).
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    pub(crate) actor: Option<String>,
    pub(crate) unit: Option<String>,
    pub(crate) action: Option<String>,
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
    pub(crate) before: Option<i64>,
}

/// Parses the audit page's query into a store filter.
pub fn audit_filter(q: &AuditQuery) -> Result<AuditFilter, AppError> {
    let nonempty = |s: &Option<String>| {
        s.as_ref()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let date = |field: &'static str,
                s: &Option<String>,
                add_day: bool|
     -> Result<Option<chrono::DateTime<Utc>>, AppError> {
        match nonempty(s) {
            None => Ok(None),
            Some(v) => {
                let d = grassroots_core::calendar::parse_day(&v).map_err(|_| {
                    AppError::Invalid(FieldError::new(
                        field,
                        "invalid",
                        "must be a date YYYY-MM-DD",
                    ))
                })?;
                let d = if add_day {
                    d.succ_opt().unwrap_or(d)
                } else {
                    d
                };
                Ok(Some(Utc.from_utc_datetime(
                    &d.and_hms_opt(0, 0, 0).expect("midnight"),
                )))
            }
        }
    };
    Ok(AuditFilter {
        actor: nonempty(&q.actor),
        unit_subtree: match nonempty(&q.unit) {
            None => None,
            Some(v) => Some(v.parse().map_err(|_| AppError::invalid("unit"))?),
        },
        action: nonempty(&q.action),
        from: date("from", &q.from, false)?,
        // "Until" a date includes that whole day.
        to: date("to", &q.to, true)?,
        before_id: q.before,
        limit: 100,
    })
}
