//! The integration suite: one test binary (link time on 2 cores). Runs on
//! SQLite, or on PostgreSQL when TEST_DATABASE_URL is set.

mod api;
mod appeals;
mod audit;
mod auth;
mod browser;
mod cli;
mod decisions;
mod experiences;
mod home;
mod imports;
mod jobs;
mod locale;
mod meetings;
mod plans;
mod safety;
mod scope;
mod search;
mod store;
mod study;
mod supply;
mod templates;
mod units;
mod welfare;

/// A call to the JSON API (`/api/v1` + `path`): its status and its body
/// (`null` when empty).
pub(crate) async fn call_api(
    c: &mut grassroots_testkit::TestClient,
    method: axum::http::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (axum::http::StatusCode, serde_json::Value) {
    let r = c.json(method, &format!("/api/v1{path}"), body).await;
    let v = if r.body.is_empty() {
        serde_json::Value::Null
    } else {
        r.json()
    };
    (r.status, v)
}
