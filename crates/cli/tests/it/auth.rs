//! Login, logout, throttling, session expiry and revocation, CSRF and
//! security headers, through the real router.

use axum::http::{Method, StatusCode};
use chrono::Duration;
use grassroots_core::{Role, ScopeKind};
use grassroots_testkit::{TestApp, password_of};

#[tokio::test]
async fn login_then_logout() {
    let t = TestApp::new().await;
    let mut c = t.client();
    let r = c.get("/me").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?next=%2Fme");
    let r = c.login("root", &password_of("root")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookie = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        cookie.contains("gr_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "no TLS configured: {cookie}");
    let r = c.get("/me").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Root Administrator"));
    let r = c.post_form("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");
    let r = c.get("/login").await;
    assert!(
        r.body.contains("You have been signed out."),
        "flash shown after logout"
    );
    assert_eq!(c.get("/me").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn secure_cookies_behind_https() {
    let config = grassroots_app::Config {
        public_url: "https://party.example.org".into(),
        ..Default::default()
    };
    let t = TestApp::with_config(config).await;
    let mut c = t.client();
    c.get("/login").await;
    let r = c
        .send(
            Method::POST,
            "/login",
            Some("application/x-www-form-urlencoded"),
            serde_urlencoded::to_string([
                ("username", "root".to_string()),
                ("password", password_of("root")),
                ("_csrf", c.csrf.clone().unwrap()),
            ])
            .unwrap()
            .into_bytes(),
            &[("origin", "https://party.example.org".to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let set = r.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(set.contains("Secure"), "{set}");
}

#[tokio::test]
async fn wrong_password_is_refused_without_a_session() {
    let t = TestApp::new().await;
    let mut c = t.client();
    let r = c.login("root", "not the password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("The login name or the password is wrong."));
    assert!(!c.cookies.contains_key("gr_session"));
    let r = c.login("nobody", "not the password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn login_is_throttled_per_account_and_per_address() {
    let t = TestApp::new().await;
    let unit = t.unit("Primary", "primary_committee", t.root).await;
    t.user("kim", Some(Role::Viewer), unit, ScopeKind::Unit)
        .await;
    let mut c = t.client();
    for _ in 0..5 {
        assert_eq!(
            c.login("kim", "wrong password").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password is refused now, from any address.
    let mut other = t.client();
    other.ip = "10.9.9.9:1".parse().unwrap();
    let r = other.login("kim", &password_of("kim")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("Too many failed attempts"));
    // After the window the account can log in again.
    t.app.clock.advance(Duration::minutes(16));
    assert_eq!(
        other.login("kim", &password_of("kim")).await.status,
        StatusCode::SEE_OTHER
    );

    // Per address: 20 failures over many names block that address only.
    let mut attacker = t.client();
    attacker.ip = "192.0.2.7:5555".parse().unwrap();
    for i in 0..20 {
        attacker.login(&format!("guess{i}"), "wrong password").await;
    }
    assert_eq!(
        attacker.login("root", &password_of("root")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let mut elsewhere = t.client();
    elsewhere.ip = "198.51.100.1:1".parse().unwrap();
    assert_eq!(
        elsewhere.login("root", &password_of("root")).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn sessions_expire_when_idle_and_absolutely() {
    let t = TestApp::new().await;
    let mut c = t.login("root").await;
    t.app.clock.advance(Duration::minutes(29));
    assert_eq!(
        c.get("/me").await.status,
        StatusCode::OK,
        "activity within the idle timeout"
    );
    t.app.clock.advance(Duration::minutes(31));
    let r = c.get("/me").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "idle for 31 minutes");
    assert!(
        !c.cookies.contains_key("gr_session"),
        "stale cookie is cleared"
    );

    let mut c = t.login("root").await;
    for _ in 0..36 {
        t.app.clock.advance(Duration::minutes(20));
        if c.get("/me").await.status != StatusCode::OK {
            break;
        }
    }
    // 12 hours after login the session ends even though it was active.
    assert_eq!(c.get("/me").await.status, StatusCode::SEE_OTHER);

    // The periodic purge removes sessions nobody comes back to.
    let _idle = t.login("root").await;
    t.app.clock.advance(Duration::minutes(45));
    let purged = grassroots_app::auth::purge_expired_sessions(&t.app)
        .await
        .unwrap();
    assert_eq!(purged, 1);
}

#[tokio::test]
async fn logout_everywhere_and_password_change_revoke_sessions() {
    let t = TestApp::new().await;
    let unit = t.unit("Primary", "primary_committee", t.root).await;
    t.user("ri.song", Some(Role::Staff), unit, ScopeKind::Subtree)
        .await;
    let mut phone = t.login("ri.song").await;
    let mut desk = t.login("ri.song").await;
    let r = desk.post_form("/me/logout-everywhere", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(phone.get("/me").await.status, StatusCode::SEE_OTHER);
    assert_eq!(desk.get("/me").await.status, StatusCode::SEE_OTHER);

    let mut phone = t.login("ri.song").await;
    let mut desk = t.login("ri.song").await;
    let r = desk
        .post_form(
            "/me/password",
            &[
                ("current_password", "wrong wrong"),
                ("new_password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Current password: is not correct"),
        "{}",
        r.body
    );
    let r = desk
        .post_form(
            "/me/password",
            &[
                ("current_password", &password_of("ri.song")),
                ("new_password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        desk.get("/me").await.status,
        StatusCode::OK,
        "the session that changed it stays"
    );
    assert_eq!(
        phone.get("/me").await.status,
        StatusCode::SEE_OTHER,
        "other sessions end"
    );
    let mut fresh = t.client();
    assert_eq!(
        fresh.login("ri.song", &password_of("ri.song")).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fresh.login("ri.song", "a brand new password").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn login_rotates_the_session_token() {
    let t = TestApp::new().await;
    let mut c = t.login("root").await;
    let first = c.cookies["gr_session"].clone();
    let mut stolen = t.client();
    stolen.cookies.insert("gr_session".into(), first.clone());
    assert_eq!(stolen.get("/me").await.status, StatusCode::OK);
    let r = c.login("root", &password_of("root")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_ne!(c.cookies["gr_session"], first);
    assert_eq!(
        stolen.get("/me").await.status,
        StatusCode::SEE_OTHER,
        "the old token is dead"
    );
}

#[tokio::test]
async fn unsafe_requests_need_a_csrf_token_and_our_origin() {
    let t = TestApp::new().await;
    let mut c = t.login("root").await;
    // No token.
    let r = c
        .post_form_raw(
            &format!("/units/{}/children", t.root),
            &[("name", "X".into()), ("level", "cell".into())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.body
            .contains("The form has expired or did not come from this site"),
        "{}",
        r.body
    );
    // Wrong token.
    let r = c
        .post_form_raw(
            &format!("/units/{}/children", t.root),
            &[
                ("name", "X".into()),
                ("level", "cell".into()),
                ("_csrf", "forged".into()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Right token but a foreign origin.
    let token = c.csrf.clone().unwrap();
    let body = serde_urlencoded::to_string([
        ("name", "X"),
        ("level", "provincial_committee"),
        ("_csrf", token.as_str()),
    ])
    .unwrap();
    let r = c
        .send(
            Method::POST,
            &format!("/units/{}/children", t.root),
            Some("application/x-www-form-urlencoded"),
            body.clone().into_bytes(),
            &[("origin", "https://evil.example".into())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c
        .send(
            Method::POST,
            &format!("/units/{}/children", t.root),
            Some("application/x-www-form-urlencoded"),
            body.clone().into_bytes(),
            &[("sec-fetch-site", "cross-site".into())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // JSON with the session cookie but no header.
    let r = c
        .send(
            Method::POST,
            &format!("/api/v1/units/{}/children", t.root),
            Some("application/json"),
            br#"{"name":"X","level":"cell"}"#.to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"], "csrf");
    // Login without the pre-login token.
    let mut anon = t.client();
    let r = anon
        .post_form_raw(
            "/login",
            &[
                ("username", "root".into()),
                ("password", password_of("root")),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Nothing was created by any of these.
    let r = c.page(&format!("/units/{}", t.root)).await;
    assert!(!r.body.contains(">X<"));
    // The same form with everything right works, same-origin header included.
    let r = c
        .send(
            Method::POST,
            &format!("/units/{}/children", t.root),
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
            &[
                ("origin", "http://localhost".into()),
                ("sec-fetch-site", "same-origin".into()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn security_headers_and_request_ids() {
    let t = TestApp::new().await;
    let mut c = t.client();
    let r = c.get("/login").await;
    let h = |n: &str| {
        r.headers
            .get(n)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert!(h("content-security-policy").contains("script-src 'self'"));
    assert!(!h("content-security-policy").contains("unsafe-inline"));
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert_eq!(h("x-frame-options"), "DENY");
    assert_eq!(h("referrer-policy"), "same-origin");
    assert!(!h("x-request-id").is_empty());
    assert!(
        r.body.contains(&h("x-request-id")),
        "the page shows the request id"
    );
    let mut c = t.login("root").await;
    let r = c.get("/units/999999").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let id = r.headers.get("x-request-id").unwrap().to_str().unwrap();
    assert!(r.body.contains(id), "error page shows the request id");
    // Assets are served under hashed URLs and cached.
    let css = r
        .body
        .split("href=\"/static/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let a = c.get(&format!("/static/{css}")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.headers
            .get("cache-control")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(c.get("/static/app.css").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_kept_token_is_refused_once_its_validity_ends() {
    let t = TestApp::new().await;
    let mut root = t.login("root").await;
    let (_, mut bot) = new_token(&t, &mut root, Some(1)).await;
    // Used twice within a minute (the first use stamps it, the second
    // may be served from the kept sign-in).
    assert_eq!(
        bot.json(Method::GET, "/api/v1/me", None).await.status,
        StatusCode::OK
    );
    t.app.clock.advance(Duration::seconds(30));
    assert_eq!(
        bot.json(Method::GET, "/api/v1/me", None).await.status,
        StatusCode::OK
    );
    // Nothing is written, but the day is over.
    t.app.clock.advance(Duration::days(1));
    let r = bot.json(Method::GET, "/api/v1/me", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

/// A token's use is stamped at most once a minute, by the time this
/// server last stamped it even while its sign-in is still kept from
/// before the stamp (the stamp itself leaves kept results in place).
#[tokio::test]
async fn a_token_is_stamped_once_a_minute_while_its_sign_in_is_kept() {
    let t = TestApp::new().await;
    let mut root = t.login("root").await;
    let (id, mut bot) = new_token(&t, &mut root, None).await;
    assert_eq!(last_used(&mut root, id).await, None, "never used");
    let first = t.app.clock.now();
    assert_eq!(
        bot.json(Method::GET, "/api/v1/me", None).await.status,
        StatusCode::OK
    );
    let stamped = last_used(&mut root, id)
        .await
        .expect("stamped on first use");
    t.app.clock.advance(Duration::seconds(30));
    assert_eq!(
        bot.json(Method::GET, "/api/v1/me", None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        last_used(&mut root, id).await.as_deref(),
        Some(stamped.as_str()),
        "not stamped again within the minute"
    );
    t.app.clock.advance(Duration::seconds(31));
    assert_eq!(
        bot.json(Method::GET, "/api/v1/me", None).await.status,
        StatusCode::OK
    );
    let again = last_used(&mut root, id).await.expect("stamped");
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
    let between = parse(&again) - parse(&stamped);
    assert!(
        between >= Duration::seconds(61) && between < Duration::seconds(62),
        "stamped again after a minute: {between} (first use at {first})"
    );
}

/// When the token `id` of the client's account was last used, as listed.
async fn last_used(c: &mut grassroots_testkit::TestClient, id: i64) -> Option<String> {
    let r = c.json(Method::GET, "/api/v1/tokens", None).await;
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .unwrap_or_else(|| panic!("token {id} not listed: {}", r.body))["last_used_at"]
        .as_str()
        .map(str::to_string)
}

/// A root administrator's token over the whole organization, valid for
/// `days` (or without end): its id and a client using it.
async fn new_token(
    t: &TestApp,
    root: &mut grassroots_testkit::TestClient,
    days: Option<i64>,
) -> (i64, grassroots_testkit::TestClient) {
    let r = root
        .json(
            Method::POST,
            "/api/v1/tokens",
            Some(serde_json::json!({"name": "bot", "role": "administrator",
                "unit_id": t.root, "scope": "subtree", "expires_in_days": days})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["token"]["id"].as_i64().unwrap();
    (id, t.with_token(r.json()["secret"].as_str().unwrap()))
}
