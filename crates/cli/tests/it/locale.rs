//! The interface's language: the account's own choice, then the
//! browser's `Accept-Language`, then the organization's default, then
//! the server's; pages and API error messages alike, error codes
//! unchanged.

use axum::http::{Method, StatusCode};
use grassroots_core::{Role, ScopeKind};
use grassroots_testkit::{TestApp, TestClient, TestResponse};
use serde_json::json;

/// `GET path` with the browser asking for `accept` (if any).
async fn get_in(c: &mut TestClient, path: &str, accept: Option<&str>) -> TestResponse {
    let extra: Vec<(&str, String)> = accept
        .map(|a| ("accept-language", a.to_string()))
        .into_iter()
        .collect();
    c.send(Method::GET, path, None, Vec::new(), &extra).await
}

fn content_language(r: &TestResponse) -> &str {
    r.headers
        .get("content-language")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn languages_follow_the_account_the_browser_and_the_organization() {
    let t = TestApp::new().await;
    let province = t
        .unit("North Province", "provincial_committee", t.root)
        .await;
    t.user("sec", Some(Role::Secretary), province, ScopeKind::Subtree)
        .await;
    t.user("member", None, province, ScopeKind::Unit).await;
    let mut root = t.login("root").await;
    let mut sec = t.login("sec").await;
    let mut member = t.login("member").await;

    // Nothing chosen, no browser language: the server's (English).
    let r = get_in(&mut member, "/me", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<html lang=\"en\">"), "{}", r.body);
    assert_eq!(content_language(&r), "en");

    // The browser asks for Korean.
    let r = get_in(&mut member, "/me", Some("ko-KR,ko;q=0.9,en;q=0.5")).await;
    assert!(r.body.contains("<html lang=\"ko\">"), "{}", r.body);
    assert!(r.body.contains("내 기록"), "{}", r.body);
    assert_eq!(content_language(&r), "ko");

    // Only an administrator of the whole organization sets its default;
    // a provincial secretary cannot, and the default stays.
    let (status, _) = crate::call_api(
        &mut sec,
        Method::PUT,
        "/organization/locale",
        Some(json!({"locale": "ko"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = crate::call_api(
        &mut root,
        Method::PUT,
        "/organization/locale",
        Some(json!({"locale": "fr"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "locale");
    let (status, body) = crate::call_api(&mut sec, Method::GET, "/organization/locale", None).await;
    assert_eq!(
        (status, body["locale"].as_str()),
        (StatusCode::OK, Some("en"))
    );
    let (status, body) = crate::call_api(
        &mut root,
        Method::PUT,
        "/organization/locale",
        Some(json!({"locale": "ko"})),
    )
    .await;
    assert_eq!(
        (status, body["locale"].as_str()),
        (StatusCode::OK, Some("ko")),
        "{body}"
    );

    // The default speaks to whoever's browser asks for nothing shipped;
    // a browser asking for English still gets English.
    let r = get_in(&mut member, "/me", Some("fr-FR")).await;
    assert!(r.body.contains("<html lang=\"ko\">"), "{}", r.body);
    let r = get_in(&mut member, "/me", None).await;
    assert!(r.body.contains("<html lang=\"ko\">"), "{}", r.body);
    let r = get_in(&mut member, "/me", Some("en-GB")).await;
    assert!(r.body.contains("<html lang=\"en\">"), "{}", r.body);

    // A language that is not shipped is refused on the forms, naming
    // the field, and nothing changes.
    let r = member.post_form("/me/locale", &[("locale", "fr")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = r.form_error();
    assert!(
        error.starts_with("언어: 올바르지 않아요. (must be one of: en, ko)"),
        "the page's language, with the service's words: {}",
        r.body
    );
    let r = root
        .post_form("/admin/profile/locale", &[("locale", "fr")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = r.form_error();
    assert!(
        error.starts_with("언어: 올바르지 않아요. (must be one of: en, ko)"),
        "{}",
        r.body
    );
    let (_, own) = crate::call_api(&mut member, Method::GET, "/me", None).await;
    assert!(own["account"]["locale"].is_null(), "{own}");

    // The account's own choice wins over the browser, on pages and in
    // the API's error messages; the error's code and field stay.
    let r = member.post_form("/me/locale", &[("locale", "ko")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = get_in(&mut member, "/me", Some("en-US,en")).await;
    assert!(r.body.contains("<html lang=\"ko\">"), "{}", r.body);
    assert!(
        r.body
            .contains("<option value=\"ko\" selected lang=\"ko\">한국어</option>"),
        "the menu shows the choice: {}",
        r.body
    );
    let extra = [
        ("accept-language", "en-US".to_string()),
        ("x-csrf-token", member.csrf.clone().unwrap()),
    ];
    let r = member
        .send(
            Method::PUT,
            "/api/v1/me/locale",
            Some("application/json"),
            json!({"locale": "klingon"}).to_string().into_bytes(),
            &extra,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.json();
    assert_eq!(body["error"], "invalid");
    assert_eq!(body["field"], "locale");
    assert_eq!(
        body["message"], "언어: 올바르지 않아요. (must be one of: en, ko)",
        "the service's words follow what the message does not say: {body}"
    );
    assert_eq!(content_language(&r), "ko");
    let r = get_in(&mut member, "/api/v1/units/999999", Some("en")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"], "not_found");
    assert!(
        r.json()["message"].as_str().unwrap().contains("없거나"),
        "{}",
        r.body
    );
    // An error page of a page route speaks it too.
    let r = get_in(&mut member, "/units/999999", Some("en")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("<html lang=\"ko\">"), "{}", r.body);

    // Another account is not changed by it.
    let (_, own) = crate::call_api(&mut sec, Method::GET, "/me", None).await;
    assert!(own["account"]["locale"].is_null(), "{own}");
    let (_, own) = crate::call_api(&mut member, Method::GET, "/me", None).await;
    assert_eq!(own["account"]["locale"], "ko");
    let r = get_in(&mut sec, "/me", None).await;
    assert!(
        r.body.contains("<html lang=\"ko\">"),
        "the organization's default for an account without a choice: {}",
        r.body
    );
    // A script asking for no language keeps the service's English words
    // even where the organization's default is Korean.
    let r = get_in(&mut sec, "/api/v1/units/999999", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(content_language(&r), "ko");
    assert!(
        r.json()["message"].as_str().unwrap().is_ascii(),
        "{}",
        r.body
    );

    // Back to no choice: the browser decides again.
    let (status, body) = crate::call_api(
        &mut member,
        Method::PUT,
        "/me/locale",
        Some(json!({"locale": ""})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["locale"].is_null(), "{body}");
    let r = get_in(&mut member, "/me", Some("en")).await;
    assert!(r.body.contains("<html lang=\"en\">"), "{}", r.body);

    // Both changes are in the audit log.
    let actions: Vec<String> = t
        .audit_rows(None)
        .await
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert!(
        actions.iter().any(|a| a == "organization.locale"),
        "{actions:?}"
    );
    assert_eq!(actions.iter().filter(|a| *a == "account.locale").count(), 2);
}

/// Runs `sql` on the test database, whichever engine it is.
async fn execute(t: &TestApp, sql: &'static str) {
    match &t.app.db {
        grassroots_store::Db::Sqlite(pool, _) => {
            sqlx::query(sql).execute(pool).await.unwrap();
        }
        grassroots_store::Db::Postgres(pool) => {
            sqlx::query(sql).execute(pool).await.unwrap();
        }
    }
}

/// The names of the people of `unit`, as the API lists them.
async fn listed(c: &mut TestClient, unit: i64) -> Vec<String> {
    let (status, body) =
        crate::call_api(c, Method::GET, &format!("/units/{unit}/people"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|p| p["full_name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn names_are_listed_in_collation_order_on_both_engines() {
    let t = TestApp::new().await;
    let province = t.unit("Province", "provincial_committee", t.root).await;
    let county = t.unit("County", "county_committee", province).await;
    let farm = t.unit("Farm", "primary_committee", county).await;
    let cell = t.unit("Cell", "cell", farm).await;
    for name in [
        "리영희",
        "Ri Yong",
        "kim chol 10",
        "김철수",
        "Kim Chol 2",
        "Pak",
        "가나",
        "kim chol 2",
    ] {
        t.person(cell, name, "member").await;
    }
    let mut root = t.login("root").await;
    let expected = [
        "kim chol 2",
        "Kim Chol 2",
        "kim chol 10",
        "Pak",
        "Ri Yong",
        "가나",
        "김철수",
        "리영희",
    ];
    assert_eq!(
        listed(&mut root, cell).await,
        expected,
        "numbers by value, case after letters, Hangul by its dictionary order"
    );
    // A rename (an import's) keys the new name.
    let person = t.person(cell, "Zhang", "member").await;
    let mut tx = t.app.db.begin().await.unwrap();
    grassroots_store::people::update_details(
        &mut tx,
        &t.cli().principal.scope::<grassroots_core::Edit>(),
        person,
        "Ahn Zhang",
        "",
        None,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(listed(&mut root, cell).await[0], "Ahn Zhang");

    // A database older than the keys: the people it held have none, and
    // the job keys them, a range at a time.
    execute(&t, "UPDATE people SET name_key = NULL").await;
    execute(
        &t,
        "UPDATE people_name_keys_fill SET through = 0, up_to = (SELECT max(id) FROM people)",
    )
    .await;
    t.assert_consistent().await;
    let keyed = grassroots_app::people::key_older_names(&t.app)
        .await
        .unwrap();
    assert_eq!(keyed, 9);
    assert_eq!(
        grassroots_app::people::key_older_names(&t.app)
            .await
            .unwrap(),
        0
    );
    let mut names = listed(&mut root, cell).await;
    assert_eq!(names.remove(0), "Ahn Zhang");
    assert_eq!(names, expected);
    // Once walked, a person without a key is a problem `check` names.
    execute(
        &t,
        "UPDATE people SET name_key = NULL WHERE full_name = 'Pak'",
    )
    .await;
    let mut c = t.app.db.conn().await.unwrap();
    let report = grassroots_store::check::run(&mut c, chrono::Utc::now().date_naive())
        .await
        .unwrap();
    assert!(
        report
            .search_problems
            .iter()
            .any(|p| p.ends_with("the name has no sort key")),
        "{report:?}"
    );
}
