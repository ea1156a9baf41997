//! The JSON API: OpenAPI snapshot, error shape, health endpoints.

use axum::http::{Method, StatusCode};
use grassroots_testkit::TestApp;

#[test]
fn openapi_document_matches_snapshot() {
    insta::assert_snapshot!("openapi", grassroots_web::openapi_document());
}

#[tokio::test]
async fn openapi_is_served_and_errors_are_json() {
    let t = TestApp::new().await;
    let mut anon = t.client();
    let r = anon.get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["info"]["title"], "grassroots API");
    let r = anon.json(Method::GET, "/api/v1/units", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"], "unauthorized");
    let r = anon.json(Method::GET, "/api/v1/units", None).await;
    assert!(r.json()["message"].is_string());
    let mut bad = t.with_token("grt_not-a-token");
    assert_eq!(
        bad.json(Method::GET, "/api/v1/me", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut admin = t.login("root").await;
    let r = admin.json(Method::GET, "/api/v1/units/424242", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"], "not_found");
    let r = admin
        .json(Method::GET, &format!("/api/v1/units/{}", t.root), None)
        .await
        .json();
    assert_eq!(r["unit"]["name"], "Central Committee");
    assert_eq!(r["can_manage"], true);
}

#[tokio::test]
async fn health_and_readiness() {
    let t = TestApp::new().await;
    let mut c = t.client();
    assert_eq!(c.get("/healthz").await.body, "ok");
    let r = c.get("/readyz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, "ready");
}

#[test]
fn every_schema_reference_in_the_openapi_document_resolves() {
    let doc: serde_json::Value = serde_json::from_str(grassroots_web::openapi_document()).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let text = grassroots_web::openapi_document();
    for part in text.split("\"$ref\": \"#/components/schemas/").skip(1) {
        let name = part.split('"').next().unwrap();
        assert!(
            schemas.contains_key(name),
            "dangling schema reference {name}"
        );
    }
}
