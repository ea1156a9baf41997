//! The audit log: a row for every mutation, reads of sensitive records,
//! scoped viewing, and tamper detection.

use axum::http::{Method, StatusCode};
use grassroots_core::{Role, ScopeKind};
use grassroots_store::Db;
use grassroots_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn every_mutation_writes_an_audit_row() {
    let t = TestApp::new().await;
    let unit = t.unit("Primary", "primary_committee", t.root).await;
    let mut admin = t.login("root").await;
    let steps: Vec<(Method, String, Option<serde_json::Value>, &str)> = vec![
        (
            Method::POST,
            format!("/api/v1/units/{unit}/children"),
            Some(json!({"name": "Cell 1", "level": "cell"})),
            "unit.create",
        ),
        (
            Method::PATCH,
            format!("/api/v1/units/{unit}"),
            Some(json!({"name": "Primary (renamed)"})),
            "unit.rename",
        ),
        (
            Method::POST,
            "/api/v1/accounts".into(),
            Some(
                json!({"username": "choe", "display_name": "Choe", "home_unit_id": unit, "password": "choe password 1"}),
            ),
            "account.create",
        ),
    ];
    for (method, path, body, action) in steps {
        let r = admin.json(method, &path, body).await;
        assert!(r.status.is_success(), "{path}: {}", r.body);
        let rows = admin
            .json(Method::GET, &format!("/api/v1/audit?action={action}"), None)
            .await
            .json();
        assert!(
            !rows.as_array().unwrap().is_empty(),
            "no audit row for {action}"
        );
        let row = &rows[0];
        assert_eq!(row["actor"], "root");
        assert!(!row["request_id"].as_str().unwrap().is_empty());
        assert_eq!(row["hash"].as_str().unwrap().len(), 64);
    }
    let accounts = admin
        .json(Method::GET, "/api/v1/accounts", None)
        .await
        .json();
    let choe = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "choe")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = admin
        .json(
            Method::POST,
            "/api/v1/roles",
            Some(json!({"account_id": choe, "role": "staff", "unit_id": unit, "scope": "subtree"})),
        )
        .await;
    let role_id = r.json()["id"].as_i64().unwrap();
    admin
        .json(
            Method::POST,
            &format!("/api/v1/accounts/{choe}/password"),
            Some(json!({"password": "another password"})),
        )
        .await;
    admin
        .json(
            Method::PATCH,
            &format!("/api/v1/accounts/{choe}"),
            Some(json!({"disabled": true})),
        )
        .await;
    admin
        .json(
            Method::PATCH,
            &format!("/api/v1/accounts/{choe}"),
            Some(json!({"disabled": false})),
        )
        .await;
    admin
        .json(Method::GET, &format!("/api/v1/accounts/{choe}"), None)
        .await;
    admin
        .json(Method::DELETE, &format!("/api/v1/roles/{role_id}"), None)
        .await;
    let r = admin
        .json(
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"name": "n", "role": "viewer", "unit_id": unit, "scope": "unit"})),
        )
        .await;
    let token = r.json()["token"]["id"].as_i64().unwrap();
    admin
        .json(Method::DELETE, &format!("/api/v1/tokens/{token}"), None)
        .await;
    admin.post_form("/me/logout-everywhere", &[]).await;
    let all = t.audit_rows(None).await;
    let actions: Vec<&str> = all.iter().map(|r| r.action.as_str()).collect();
    for expected in [
        "auth.login",
        "unit.create",
        "unit.rename",
        "account.create",
        "role.assign",
        "account.reset_password",
        "account.disable",
        "account.enable",
        "account.read",
        "role.revoke",
        "token.create",
        "token.revoke",
        "auth.logout_everywhere",
    ] {
        assert!(
            actions.contains(&expected),
            "missing {expected} in {actions:?}"
        );
    }
    let rename = all.iter().find(|r| r.action == "unit.rename").unwrap();
    assert!(rename.before_json.as_ref().unwrap().contains("\"Primary\""));
    assert!(
        rename
            .after_json
            .as_ref()
            .unwrap()
            .contains("Primary (renamed)")
    );
    t.assert_consistent().await;
}

#[tokio::test]
async fn failed_requests_leave_no_audit_row_and_no_data() {
    let t = TestApp::new().await;
    let mut admin = t.login("root").await;
    let before = t.audit_rows(None).await.len();
    let r = admin.json(Method::POST, "/api/v1/accounts", Some(json!({"username": "x y", "display_name": "X", "home_unit_id": t.root, "password": "long enough pw"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "username");
    let r = admin.json(Method::POST, "/api/v1/accounts", Some(json!({"username": "root", "display_name": "X", "home_unit_id": t.root, "password": "long enough pw"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["field"], "username");
    let after = t.audit_rows(None).await.len();
    assert_eq!(before, after);
}

#[tokio::test]
async fn the_owner_sees_who_opened_their_record() {
    let t = TestApp::new().await;
    let unit = t.unit("Primary", "primary_committee", t.root).await;
    let id = t
        .user("pak", Some(Role::Member), unit, ScopeKind::Unit)
        .await;
    let mut pak = t.login("pak").await;
    assert!(
        pak.get("/me")
            .await
            .body
            .contains("Nobody has opened your record.")
    );
    let mut admin = t.login("root").await;
    assert_eq!(
        admin.get(&format!("/admin/accounts/{id}")).await.status,
        StatusCode::OK
    );
    let me = pak.get("/me").await;
    assert!(me.body.contains("id=\"reads-table\""), "{}", me.body);
    assert!(me.body.contains("<td>root</td>"));
    let api = pak.json(Method::GET, "/api/v1/me", None).await.json();
    assert_eq!(api["reads"][0]["actor"], "root");
    assert_eq!(api["reads"][0]["action"], "account.read");
}

#[tokio::test]
async fn audit_page_filters_and_scopes() {
    let t = TestApp::new().await;
    let a = t.unit("Primary A", "primary_committee", t.root).await;
    let b = t.unit("Primary B", "primary_committee", t.root).await;
    t.unit("Cell A1", "cell", a).await;
    t.unit("Cell B1", "cell", b).await;
    t.user("admin_a", Some(Role::Administrator), a, ScopeKind::Subtree)
        .await;
    let mut root = t.login("root").await;
    let page = root
        .get(&format!("/admin/audit?unit={a}&action=unit."))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.matches("unit.create").count(), 2, "{}", page.body);
    // Actions with underscores match exactly, whatever the case.
    let mut guess = t.client();
    guess.login("admin_a", "wrong password").await;
    let page = root.get("/admin/audit?action=AUTH.LOGIN_FAILED").await;
    assert_eq!(
        page.body.matches("auth.login_failed").count(),
        1,
        "{}",
        page.body
    );
    let page = root.get("/admin/audit?action=auth.login%25").await;
    assert!(
        page.body.contains("No entries match."),
        "% is taken literally"
    );
    let page = root.get("/admin/audit?actor=nobody").await;
    assert!(page.body.contains("No entries match."));
    let page = root.get("/admin/audit?from=2000-01-01&to=2000-01-02").await;
    assert!(page.body.contains("No entries match."));
    let r = root.get("/admin/audit?from=yesterday").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut admin_a = t.login("admin_a").await;
    let page = admin_a.get("/admin/audit").await;
    assert!(page.body.contains("unit.create"));
    let rows = admin_a
        .json(Method::GET, "/api/v1/audit", None)
        .await
        .json();
    for row in rows.as_array().unwrap() {
        let after = row["after_json"].as_str().unwrap_or("");
        assert!(
            !after.contains("Primary B") && !after.contains("Cell B1"),
            "{row}"
        );
    }
    let mut sec = {
        t.user("sec_a", Some(Role::Secretary), a, ScopeKind::Subtree)
            .await;
        t.login("sec_a").await
    };
    assert_eq!(sec.get("/admin/audit").await.status, StatusCode::FORBIDDEN);
}

/// Edits an audit row behind the application's back and runs the check.
async fn tamper(t: &TestApp) -> i64 {
    let target = 3i64;
    match &t.app.db {
        Db::Sqlite(pool, _) => {
            sqlx::query("DROP TRIGGER audit_log_no_update")
                .execute(pool)
                .await
                .unwrap();
            sqlx::query("UPDATE audit_log SET actor = 'someone else' WHERE id = $1")
                .bind(target)
                .execute(pool)
                .await
                .unwrap();
        }
        Db::Postgres(pool) => {
            sqlx::query("DROP TRIGGER audit_log_no_update ON audit_log")
                .execute(pool)
                .await
                .unwrap();
            sqlx::query("UPDATE audit_log SET actor = 'someone else' WHERE id = $1")
                .bind(target)
                .execute(pool)
                .await
                .unwrap();
        }
    }
    target
}

#[tokio::test]
async fn check_names_the_first_edited_audit_row() {
    let t = TestApp::new().await;
    for i in 0..5 {
        t.unit(&format!("Unit {i}"), "provincial_committee", t.root)
            .await;
    }
    // The log refuses edits through SQL while its trigger stands.
    let refused = match &t.app.db {
        Db::Sqlite(pool, _) => sqlx::query("UPDATE audit_log SET actor = 'x' WHERE id = 1")
            .execute(pool)
            .await
            .is_err(),
        Db::Postgres(pool) => sqlx::query("DELETE FROM audit_log WHERE id = 1")
            .execute(pool)
            .await
            .is_err(),
    };
    assert!(refused, "the audit log must be append-only");
    let bad = tamper(&t).await;
    let report = grassroots_app::audit::check(&t.app).await.unwrap();
    let first = report.audit.first_break.expect("tampering detected");
    assert_eq!(first.id, bad);
    assert!(first.reason.contains("edited"), "{}", first.reason);
}
