//! Appeals and suggestions end to end: an anonymous appeal leaves nothing
//! of its author in any table; its receipt opens it and wrong receipts are
//! refused, then throttled; an appeal about a primary committee's
//! secretary goes past the committee (and its staff, and a handler named
//! in it or sitting in it) to the unit above; units above see counts;
//! missed deadlines forward it upward exactly once with two servers;
//! closed appeals expire keeping their counts; suggestions are published
//! to their unit.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use chrono::Duration;
use grassroots_core::{Role, ScopeKind};
use grassroots_testkit::{TestApp, TestClient};
use serde_json::{Value, json};

/// Root → province → primary → cells A and B. Kim (cell A) and Park
/// (cell B) are members with accounts; Ri is the primary committee's
/// secretary (a person of the committee, holding the secretary position);
/// Han, a province handler, is a person of cell B. Handlers of appeals:
/// `sec_a` at cell A, `ri_song` and `staff` at the primary committee,
/// `sec_province`, `han_mi` and `ri_song` at the province.
struct Org {
    t: TestApp,
    province: i64,
    primary: i64,
    cell_a: i64,
    cell_b: i64,
    kim_person: i64,
    ri_position: i64,
}

async fn org() -> Org {
    let t = TestApp::new().await;
    let province = t
        .unit("North Province", "provincial_committee", t.root)
        .await;
    let primary = t.unit("Tool Factory", "primary_committee", province).await;
    let cell_a = t.unit("Lathe Cell", "cell", primary).await;
    let cell_b = t.unit("Forge Cell", "cell", primary).await;
    // Enough people that no warning about a small unit is due in cell A.
    for i in 0..10 {
        t.person(cell_a, &format!("Worker {i}"), "member").await;
    }
    let kim_person = t.person(cell_a, "Kim Chol", "member").await;
    let park = t.person(cell_b, "Park Ok", "member").await;
    let ri = t.person(primary, "Ri Song", "member").await;
    let han = t.person(cell_b, "Han Mi", "member").await;
    for (user, role, unit, scope, person) in [
        (
            "kim_chol",
            Role::Member,
            cell_a,
            ScopeKind::Unit,
            Some(kim_person),
        ),
        ("park_ok", Role::Member, cell_b, ScopeKind::Unit, Some(park)),
        (
            "ri_song",
            Role::Secretary,
            primary,
            ScopeKind::Subtree,
            Some(ri),
        ),
        ("staff", Role::Staff, primary, ScopeKind::Subtree, None),
        ("han_mi", Role::Viewer, province, ScopeKind::Unit, Some(han)),
        ("sec_a", Role::Secretary, cell_a, ScopeKind::Subtree, None),
        (
            "sec_province",
            Role::Secretary,
            province,
            ScopeKind::Subtree,
            None,
        ),
    ] {
        let a = t.user(user, Some(role), unit, scope).await;
        if let Some(p) = person {
            grassroots_app::accounts::link_person(&t.app, &t.cli(), a, Some(p))
                .await
                .unwrap();
        }
    }
    let ri_position =
        grassroots_app::positions::assign(&t.app, &t.cli(), primary, "secretary", ri, "2020-01-01")
            .await
            .unwrap()
            .id;
    // The duty, given by each unit's secretary through the API.
    let mut root = t.login("root").await;
    for (user, unit) in [
        ("sec_a", cell_a),
        ("ri_song", primary),
        ("staff", primary),
        ("sec_province", province),
        ("han_mi", province),
        ("ri_song", province),
    ] {
        let account = t.account_id(user).await;
        let r = root
            .json(
                Method::PUT,
                &format!("/api/v1/units/{unit}/appeals/handlers/{account}"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    Org {
        t,
        province,
        primary,
        cell_a,
        cell_b,
        kim_person,
        ri_position,
    }
}

/// Files anonymously through the public API; returns the answer.
async fn anonymous(t: &TestApp, body: Value) -> Value {
    let mut c = t.client();
    let r = c.json(Method::POST, "/api/v1/voice", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()
}

/// The id of the only appeal a handler has in their inbox.
async fn only_in_inbox(c: &mut TestClient) -> i64 {
    let r = c
        .json(Method::GET, "/api/v1/appeals?of=handled", None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = r.json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    list[0]["id"].as_i64().unwrap()
}

async fn act(c: &mut TestClient, id: i64, body: Value) -> Value {
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/appeals/{id}/actions"),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

async fn follow(t: &TestApp, receipt: &str) -> (StatusCode, Value) {
    let mut c = t.client();
    let r = c
        .json(
            Method::POST,
            "/api/v1/voice/follow",
            Some(json!({ "receipt": receipt })),
        )
        .await;
    let v = if r.body.is_empty() {
        Value::Null
    } else {
        r.json()
    };
    (r.status, v)
}

#[tokio::test]
async fn an_anonymous_appeal_from_a_signed_in_member_keeps_nothing_of_them() {
    let o = org().await;
    let t = &o.t;
    let mut kim = t.login("kim_chol").await;
    kim.ip = "10.77.66.55:40111".parse().unwrap();
    let session = kim.cookies.get("gr_session").cloned().unwrap();
    let csrf = kim.csrf.clone().unwrap();
    let ua = "KimPhone/7.1 (distinctive agent)".to_string();
    // The form a signed-in member sees offers both ways of sending.
    let page = kim.page("/appeals/new").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("voice-send-named"), "{}", page.body);
    assert!(page.body.contains("Ri Song"), "the holders of the path");
    let before = t.all_rows().await;
    let audit_before = t.audit_rows(None).await.len();
    let r = kim
        .send(
            Method::POST,
            "/voice",
            Some("application/x-www-form-urlencoded"),
            serde_urlencoded::to_string([
                ("_csrf", csrf.as_str()),
                ("unit_id", &o.cell_a.to_string()),
                ("kind", "appeal"),
                ("subject", "Night shifts unpaid"),
                (
                    "body",
                    "Our night shifts are written down as voluntary labour.",
                ),
                ("concerns_position_id", &o.ri_position.to_string()),
            ])
            .unwrap()
            .into_bytes(),
            &[
                ("user-agent", ua.clone()),
                ("origin", "http://localhost".into()),
                ("sec-fetch-site", "same-origin".into()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let marker = "id=\"receipt-code\">";
    let at = r.body.find(marker).unwrap() + marker.len();
    let receipt = r.body[at..at + 19].to_string();
    assert!(
        r.headers.get("set-cookie").is_none(),
        "no cookie set or touched"
    );
    assert_eq!(r.headers["cache-control"], "no-store");

    let after = t.all_rows().await;
    let kim_account = t.account_id("kim_chol").await;
    let digest = grassroots_app::passwords::digest(&session);
    let forbidden = [
        session.as_str(),
        digest.as_str(),
        csrf.as_str(),
        "10.77.66.55",
        ua.as_str(),
        "kim_chol",
        "Kim Chol",
        receipt.as_str(),
        &receipt.replace(' ', ""),
    ];
    let mut written = Vec::new();
    for (table, rows) in &after {
        let old: BTreeSet<&String> = before.get(table).into_iter().flatten().collect();
        for row in rows.iter().filter(|r| !old.contains(r)) {
            written.push((table.clone(), row.clone()));
            for f in forbidden {
                assert!(!row.contains(f), "{table} keeps {f:?}: {row}");
            }
        }
    }
    let tables: BTreeSet<&str> = written.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        tables,
        BTreeSet::from([
            "appeal_recusals",
            "appeal_settings",
            "appeals",
            "unit_aggregates"
        ]),
        "only the appeal, its recusals, its counts and the receipt salt are written: {written:#?}"
    );
    assert_eq!(t.audit_rows(None).await.len(), audit_before, "no audit row");
    // The appeal names no author and carries a day, not a time.
    let (status, v) = follow(t, &receipt).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["anonymous"], true);
    assert_eq!(v["subject"], "Night shifts unpaid");
    assert_eq!(v["received_on"].as_str().unwrap().len(), 10);
    let id = v["id"].as_i64().unwrap();
    let mut sec = t.login("sec_province").await;
    let seen = sec
        .json(Method::GET, &format!("/api/v1/appeals/{id}"), None)
        .await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert!(seen.json()["appeal"]["author_person_id"].is_null());
    assert!(seen.json()["author_name"].is_null());
    assert_ne!(
        seen.json()["appeal"]["author_person_id"],
        json!(o.kim_person)
    );
    let _ = kim_account;
}

#[tokio::test]
async fn an_appeal_about_a_primary_secretary_goes_past_the_committee() {
    let o = org().await;
    let t = &o.t;
    let filed = anonymous(
        t,
        json!({
            "unit_id": o.cell_a, "kind": "appeal", "subject": "Favours at the committee",
            "body": "The secretary hands out housing to friends.",
            "concerns_position_id": o.ri_position
        }),
    )
    .await;
    assert_eq!(filed["routed_to"], "North Province");
    assert_eq!(filed["small_unit"], false);
    let receipt = filed["receipt"].as_str().unwrap().to_string();
    assert_eq!(receipt.len(), 19);

    // The secretary, the committee's staff, and a province handler who sits
    // in the committee's subtree, see nothing.
    for user in ["ri_song", "staff", "han_mi", "sec_a"] {
        let mut c = t.login(user).await;
        let r = c
            .json(Method::GET, "/api/v1/appeals?of=handled", None)
            .await;
        assert_eq!(r.json(), json!([]), "{user} has nothing to handle");
    }
    let mut sec = t.login("sec_province").await;
    let id = only_in_inbox(&mut sec).await;
    for user in ["ri_song", "staff", "han_mi", "sec_a", "kim_chol"] {
        let mut c = t.login(user).await;
        let r = c
            .json(Method::GET, &format!("/api/v1/appeals/{id}"), None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{user} cannot read it");
        let r = c
            .json(
                Method::POST,
                &format!("/api/v1/appeals/{id}/actions"),
                Some(json!({"action": "note", "text": "planted"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{user} cannot act on it");
        let page = c.page(&format!("/appeals/{id}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{user}: the page too");
    }
    // Nor does an administrator of the whole organization without the duty.
    let mut root = t.login("root").await;
    let r = root
        .json(Method::GET, &format!("/api/v1/appeals/{id}"), None)
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "roles above read counts only"
    );
    // The handler above reads it; the read is logged, naming no content.
    let r = sec
        .json(Method::GET, &format!("/api/v1/appeals/{id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["handling_unit"], "North Province");
    assert!(v["concerns_holder"].as_str().unwrap().contains("Ri Song"));
    let recused: Vec<String> = v["recused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{}:{}", r[0].as_str().unwrap(), r[1].as_str().unwrap()))
        .collect();
    assert!(
        recused.contains(&"ri_song name:named".to_string()),
        "{recused:?}"
    );
    assert!(
        recused.contains(&"han_mi name:in_concerned_unit".to_string()),
        "{recused:?}"
    );
    // Listing the inbox shows subjects: it is logged with the ids shown.
    assert!(!t.audit_rows(Some("appeal.list")).await.is_empty());
    let reads = t.audit_rows(Some("appeal.read")).await;
    assert_eq!(reads.len(), 1);
    let read = serde_json::to_string(&reads[0]).unwrap();
    assert!(!read.contains("housing"), "{read}");

    // Counts: at the province and above, never at the committee.
    let mut ri = t.login("ri_song").await;
    let r = ri
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/appeals", o.primary),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json()["received"],
        0,
        "not counted where it would point at the author"
    );
    for unit in [o.province, t.root] {
        let mut root = t.login("root").await;
        let c = root
            .json(Method::GET, &format!("/api/v1/units/{unit}/appeals"), None)
            .await
            .json();
        assert_eq!(
            (c["received"].as_i64(), c["open"].as_i64()),
            (Some(1), Some(1))
        );
        assert!(!c.to_string().contains("housing"));
    }

    // The conversation: a question, the author's answer with the receipt,
    // the answer; the author never sees who wrote.
    act(&mut sec, id, json!({"action": "acknowledge"})).await;
    act(
        &mut sec,
        id,
        json!({"action": "reply", "text": "Which flats?"}),
    )
    .await;
    act(
        &mut sec,
        id,
        json!({"action": "note", "text": "Check the register."}),
    )
    .await;
    let mut anon = t.client();
    let r = anon
        .json(
            Method::POST,
            "/api/v1/voice/follow/messages",
            Some(json!({"receipt": receipt, "text": "The new block on the river."})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    act(
        &mut sec,
        id,
        json!({"action": "answer", "text": "The allocation is revoked."}),
    )
    .await;
    let (_, v) = follow(t, &receipt).await;
    assert_eq!(v["status"], "answered");
    let kinds: Vec<&str> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["acknowledged", "reply", "message", "answered"]);
    assert!(
        !v.to_string().contains("Check the register"),
        "notes stay with handlers"
    );
    assert!(!v.to_string().contains("sec_province"), "handlers unnamed");

    // Stepping aside: refused while no one else could take it; once the
    // top unit has a handler, the appeal goes there.
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/appeals/{id}/actions"),
            Some(json!({"action": "recuse", "reason": "My brother works there."})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "reason");
    let root_account = t.account_id("root").await;
    grassroots_app::appeals::set_handler(&t.app, &t.cli(), t.root, root_account, true)
        .await
        .unwrap();
    act(
        &mut sec,
        id,
        json!({"action": "recuse", "reason": "My brother works there."}),
    )
    .await;
    let r = sec
        .json(Method::GET, &format!("/api/v1/appeals/{id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "stepped aside");
    let mut root = t.login("root").await;
    let v = root
        .json(Method::GET, &format!("/api/v1/appeals/{id}"), None)
        .await
        .json();
    assert_eq!(v["handling_unit"], "Central Committee");
    let (_, author) = follow(t, &receipt).await;
    assert!(
        !author.to_string().contains("brother"),
        "the reason stays with the handlers"
    );
    t.assert_consistent().await;
}

#[tokio::test]
async fn receipts_are_refused_when_wrong_and_throttled_for_everyone() {
    let o = org().await;
    let t = &o.t;
    let filed = anonymous(
        t,
        json!({"unit_id": o.cell_b, "kind": "suggestion", "subject": "Lights", "body": "Light the yard."}),
    )
    .await;
    assert_eq!(filed["small_unit"], true, "cell B has two people");
    let receipt = filed["receipt"].as_str().unwrap().to_string();
    let throttled_before = t.all_rows().await["login_failures"].clone();
    let (status, v) = follow(t, "0000 0000 0000 0000").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "receipt");
    let (status, _) = follow(t, "not a receipt").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = follow(t, &receipt).await;
    assert_eq!(status, StatusCode::OK, "a right receipt opens it");
    for _ in 2..grassroots_app::appeals::RECEIPT_FAILURES_PER_MINUTE {
        let (status, _) = follow(t, "1234 1234 1234 1234").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (status, _) = follow(t, &receipt).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "past the limit even the right receipt waits"
    );
    let rows = t.all_rows().await;
    let written: Vec<&String> = rows["login_failures"]
        .iter()
        .filter(|r| !throttled_before.contains(r))
        .collect();
    assert_eq!(written.len(), 1, "{written:?}");
    assert!(
        written[0].contains("appeals.receipt") && !written[0].contains("127.0.0.1"),
        "one counter for everyone, no address kept: {written:?}"
    );
    t.app.clock.advance(Duration::seconds(61));
    let (status, v) = follow(t, &receipt).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // The page: the same receipt in a form opens it; no cookie is set.
    let mut c = t.client();
    let r = c
        .post_form("/voice/follow", &[("receipt", receipt.as_str())])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Light the yard."));
    assert!(c.cookies.is_empty(), "{:?}", c.cookies);
}

#[tokio::test]
async fn missed_deadlines_forward_an_appeal_upward_exactly_once_with_two_servers() {
    let o = org().await;
    let t = &o.t;
    let filed = anonymous(
        t,
        json!({"unit_id": o.cell_a, "kind": "appeal", "subject": "Dust", "body": "The dust extractor is off.",
               "concerns_unit_id": o.cell_a}),
    )
    .await;
    assert_eq!(filed["routed_to"], "Tool Factory");
    let receipt = filed["receipt"].as_str().unwrap().to_string();
    let mut ri = t.login("ri_song").await;
    let id = only_in_inbox(&mut ri).await;
    let other = t.second_server().await;
    // The seventh day is still in time.
    t.app.clock.advance(Duration::days(7));
    other.clock.advance(Duration::days(7));
    assert_eq!(
        grassroots_app::appeals::forward_due(&t.app).await.unwrap(),
        0
    );
    // The eighth: both servers try; it goes up once.
    t.app.clock.advance(Duration::days(1));
    other.clock.advance(Duration::days(1));
    let (a, b) = tokio::join!(
        grassroots_app::appeals::forward_due(&t.app),
        grassroots_app::appeals::forward_due(&other)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1, "forwarded exactly once");
    assert_eq!(t.audit_rows(Some("appeal.forward")).await.len(), 1);
    // (Sessions lapse while the clock jumps: sign in again.)
    let mut staff = t.login("staff").await;
    let r = staff
        .json(Method::GET, &format!("/api/v1/appeals/{id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "no longer the committee's");
    let mut sec = t.login("sec_province").await;
    assert_eq!(only_in_inbox(&mut sec).await, id);
    let (_, v) = follow(t, &receipt).await;
    assert_eq!(v["status"], "forwarded");
    assert_eq!(v["forwards"], 1);
    // Acknowledged at the province; feedback is due 90 days later: met on
    // the 90th day, forwarded again (to the top) on the 91st.
    let a = act(&mut sec, id, json!({"action": "acknowledge"})).await;
    let ack = t.app.clock.now().date_naive();
    assert_eq!(
        a["feedback_by"].as_str().unwrap(),
        (ack + Duration::days(90)).to_string()
    );
    for server in [&t.app, &other] {
        server.clock.advance(Duration::days(90));
    }
    assert_eq!(
        grassroots_app::appeals::forward_due(&t.app).await.unwrap(),
        0
    );
    let root_account = t.account_id("root").await;
    grassroots_app::appeals::set_handler(&t.app, &t.cli(), t.root, root_account, true)
        .await
        .unwrap();
    for server in [&t.app, &other] {
        server.clock.advance(Duration::days(1));
    }
    let (a, b) = tokio::join!(
        grassroots_app::appeals::forward_due(&t.app),
        grassroots_app::appeals::forward_due(&other)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let mut root = t.login("root").await;
    assert_eq!(only_in_inbox(&mut root).await, id);
    let counts = root
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/appeals", t.root),
            None,
        )
        .await
        .json();
    assert_eq!(counts["forwarded"], 1);
    assert_eq!(counts["acknowledged"], 1);
    assert_eq!(counts["acknowledged_in_time"], 0, "{counts}");
    t.assert_consistent().await;
}

#[tokio::test]
async fn closed_appeals_expire_keeping_their_counts() {
    let o = org().await;
    let t = &o.t;
    let filed = anonymous(
        t,
        json!({"unit_id": o.cell_a, "kind": "appeal", "subject": "Rota", "body": "Always the same families."}),
    )
    .await;
    let receipt = filed["receipt"].as_str().unwrap().to_string();
    let mut sec_a = t.login("sec_a").await;
    let id = only_in_inbox(&mut sec_a).await;
    let r = sec_a
        .json(
            Method::POST,
            &format!("/api/v1/appeals/{id}/actions"),
            Some(json!({"action": "close"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "closing needs an answer"
    );
    let closed = act(
        &mut sec_a,
        id,
        json!({"action": "close", "text": "The rota turns weekly."}),
    )
    .await;
    assert_eq!(closed["status"], "closed");
    let mut root = t.login("root").await;
    let counts = |c: Value| {
        (
            c["received"].clone(),
            c["closed"].clone(),
            c["answered_in_time"].clone(),
        )
    };
    let before = counts(
        root.json(
            Method::GET,
            &format!("/api/v1/units/{}/appeals", o.primary),
            None,
        )
        .await
        .json(),
    );
    assert_eq!(before, (json!(1), json!(1), json!(1)));
    t.app.clock.advance(Duration::days(730));
    assert_eq!(
        grassroots_app::appeals::expire_due(&t.app).await.unwrap(),
        0,
        "kept 730 days"
    );
    t.app.clock.advance(Duration::days(1));
    assert_eq!(
        grassroots_app::appeals::expire_due(&t.app).await.unwrap(),
        1
    );
    let (status, _) = follow(t, &receipt).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the receipt opens nothing"
    );
    let mut sec_a = t.login("sec_a").await;
    let mut root = t.login("root").await;
    let r = sec_a
        .json(Method::GET, &format!("/api/v1/appeals/{id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let rows = t.all_rows().await;
    let all = rows
        .iter()
        .filter(|(t, _)| t.starts_with("appeal"))
        .flat_map(|(_, r)| r.iter())
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    for gone in ["Rota", "Always the same families", "The rota turns weekly"] {
        assert!(!all.contains(gone), "{gone} was deleted: {all}");
    }
    let after = counts(
        root.json(
            Method::GET,
            &format!("/api/v1/units/{}/appeals", o.primary),
            None,
        )
        .await
        .json(),
    );
    assert_eq!(after, before, "counts kept");
    t.assert_consistent().await;
}

#[tokio::test]
async fn a_named_suggestion_is_answered_and_published_to_its_cell_only() {
    let o = org().await;
    let t = &o.t;
    let mut kim = t.login("kim_chol").await;
    let r = kim
        .json(
            Method::POST,
            "/api/v1/appeals",
            Some(json!({"kind": "suggestion", "subject": "A drying shed", "body": "Keep the seedlings dry."})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["appeal"]["id"].as_i64().unwrap();
    assert_eq!(r.json()["routed_to"], "Lathe Cell");
    // Naming someone in a suggestion is refused: that is an appeal.
    let r = kim
        .json(
            Method::POST,
            "/api/v1/appeals",
            Some(json!({"kind": "suggestion", "subject": "x", "body": "y", "concerns_unit_id": o.cell_a})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut sec_a = t.login("sec_a").await;
    let v = sec_a
        .json(Method::GET, &format!("/api/v1/appeals/{id}"), None)
        .await
        .json();
    assert_eq!(
        v["author_name"], "Kim Chol",
        "a named suggestion shows its author"
    );
    act(
        &mut sec_a,
        id,
        json!({"action": "answer", "text": "Agreed; we build it on Sunday."}),
    )
    .await;
    act(&mut sec_a, id, json!({"action": "publish"})).await;
    let mine = kim
        .json(Method::GET, &format!("/api/v1/me/appeals/{id}"), None)
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    assert_eq!(mine.json()["status"], "answered");
    let shared = sec_a
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/suggestions", o.cell_a),
            None,
        )
        .await
        .json();
    assert_eq!(shared[0]["subject"], "A drying shed");
    assert_eq!(shared[0]["answer"], "Agreed; we build it on Sunday.");
    assert!(
        !shared.to_string().contains("Kim"),
        "published without its author"
    );
    // Park, of the sibling cell, sees neither it nor Kim's own view of it.
    let mut park = t.login("park_ok").await;
    for path in [
        format!("/api/v1/units/{}/suggestions", o.cell_a),
        format!("/api/v1/me/appeals/{id}"),
        format!("/api/v1/appeals/{id}"),
    ] {
        let r = park.json(Method::GET, &path, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    let page = kim.page("/appeals").await;
    assert!(page.body.contains("A drying shed"), "{}", page.body);
    let _ = o.cell_b;
}

#[tokio::test]
async fn a_commission_takes_the_appeals_that_concern_someone() {
    let o = org().await;
    let t = &o.t;
    let commission = t
        .unit("Inspection Commission", "provincial_committee", t.root)
        .await;
    let mut root = t.login("root").await;
    let settings = json!({
        "acknowledge_days": 7, "feedback_days": 90, "retention_days": 730,
        "small_unit_size": 10, "commission_unit_id": commission
    });
    let mut ri = t.login("ri_song").await;
    let r = ri
        .json(
            Method::PUT,
            "/api/v1/appeals/settings",
            Some(settings.clone()),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "only administrators of the whole organization"
    );
    let mut bad = settings.clone();
    bad["acknowledge_days"] = json!(0);
    let r = root
        .json(Method::PUT, "/api/v1/appeals/settings", Some(bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "acknowledge_days");
    let r = root
        .json(Method::PUT, "/api/v1/appeals/settings", Some(settings))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // No handler at the commission yet: refused, naming the field, and
    // nothing is written.
    let mut c = t.client();
    let r = c
        .json(
            Method::POST,
            "/api/v1/voice",
            Some(json!({"unit_id": o.cell_a, "kind": "appeal", "subject": "s", "body": "b", "concerns_unit_id": o.primary})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "concerns_unit_id");
    let root_account = t.account_id("root").await;
    grassroots_app::appeals::set_handler(&t.app, &t.cli(), commission, root_account, true)
        .await
        .unwrap();
    let filed = anonymous(
        t,
        json!({"unit_id": o.cell_a, "kind": "appeal", "subject": "s", "body": "b", "concerns_unit_id": o.primary}),
    )
    .await;
    assert_eq!(filed["routed_to"], "Inspection Commission");
    // An appeal naming no one stays with the unit it came from.
    let filed = anonymous(
        t,
        json!({"unit_id": o.cell_a, "kind": "appeal", "subject": "s", "body": "b"}),
    )
    .await;
    assert_eq!(filed["routed_to"], "Lathe Cell");
    // A unit not on the author's path cannot be named.
    let mut c = t.client();
    let r = c
        .json(
            Method::POST,
            "/api/v1/voice",
            Some(json!({"unit_id": o.cell_a, "kind": "appeal", "subject": "s", "body": "b", "concerns_unit_id": o.cell_b})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "concerns_unit_id");
}

#[tokio::test]
async fn an_acknowledgement_after_its_day_is_late_even_before_the_job_runs() {
    let o = org().await;
    let t = &o.t;
    anonymous(
        t,
        json!({"unit_id": o.cell_a, "kind": "appeal", "subject": "Rota", "body": "Same families."}),
    )
    .await;
    t.app.clock.advance(Duration::days(8));
    let mut sec_a = t.login("sec_a").await;
    let id = only_in_inbox(&mut sec_a).await;
    act(&mut sec_a, id, json!({"action": "acknowledge"})).await;
    let mut root = t.login("root").await;
    let c = root
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/appeals", o.cell_a),
            None,
        )
        .await
        .json();
    assert_eq!(
        (
            c["acknowledged"].as_i64(),
            c["acknowledged_in_time"].as_i64()
        ),
        (Some(1), Some(0)),
        "{c}"
    );
    t.assert_consistent().await;
}
