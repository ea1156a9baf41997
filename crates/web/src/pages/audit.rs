//! The audit log as a page, filtered like the API's.

use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use grassroots_app::audit;
use grassroots_store::audit::AuditRecord;

use super::{Layout, Page, render};
use crate::AppState;
use crate::api::audit::{AuditQuery, audit_filter};
use crate::error::WebResult;

/// The audit log page.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/admin/audit", get(audit))
}

#[derive(Template)]
#[template(path = "audit/audit.html")]
struct AuditPage {
    l: Layout,
    rows: Vec<AuditRecord>,
    units: Vec<(i64, String)>,
    f_actor: String,
    f_unit: String,
    f_action: String,
    f_from: String,
    f_to: String,
    older: Option<String>,
}

/// `GET /admin/audit`.
pub async fn audit(p: Page, Query(q): Query<AuditQuery>) -> WebResult<Response> {
    let filter = audit_filter(&q)?;
    let rows = audit::list(&p.state.app, &p.auth.actor, &filter).await?;
    let older = (rows.len() as i64 == filter.limit).then(|| {
        let last = rows.last().map(|r| r.id).unwrap_or_default();
        let mut params: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("actor", &q.actor),
            ("unit", &q.unit),
            ("action", &q.action),
            ("from", &q.from),
            ("to", &q.to),
        ] {
            if let Some(v) = v {
                params.push((k, v.clone()));
            }
        }
        params.push(("before", last.to_string()));
        format!(
            "/admin/audit?{}",
            serde_urlencoded::to_string(&params).unwrap_or_default()
        )
    });
    let units = super::administered_units(&p).await?;
    let l = p.layout(p.tr.t("audit-title"), Vec::new());
    let v = |s: &Option<String>| s.clone().unwrap_or_default();
    Ok(render(
        StatusCode::OK,
        &AuditPage {
            l,
            rows,
            units,
            f_actor: v(&q.actor),
            f_unit: v(&q.unit),
            f_action: v(&q.action),
            f_from: v(&q.from),
            f_to: v(&q.to),
            older,
        },
    ))
}
