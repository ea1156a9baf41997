//! Welfare cases end to end: a member raises a living problem, the
//! handlers of their unit (and nobody else below the glass) read and
//! handle it, higher units see counts naming nobody, a missed deadline
//! escalates once per deadline up the tree with two servers, waiting
//! stops the clock, and the counters match a recount after random
//! histories.

use axum::http::{Method, StatusCode};
use chrono::Duration;
use grassroots_core::{Role, ScopeKind};
use grassroots_testkit::{TestApp, TestClient};
use serde_json::{Value, json};

/// Root → province → primary → cells A and B; Kim and Lee in cell A
/// (members with accounts), Park in cell B; secretaries of each cell, of
/// the primary committee and of the province.
struct Org {
    t: TestApp,
    province: i64,
    primary: i64,
    cell_a: i64,
    cell_b: i64,
    kim: i64,
}

async fn org() -> Org {
    let t = TestApp::new().await;
    let province = t
        .unit("North Province", "provincial_committee", t.root)
        .await;
    let primary = t.unit("Tool Factory", "primary_committee", province).await;
    let cell_a = t.unit("Lathe Cell", "cell", primary).await;
    let cell_b = t.unit("Forge Cell", "cell", primary).await;
    let kim = t.person(cell_a, "Kim Chol", "member").await;
    let lee = t.person(cell_a, "Lee Sun", "member").await;
    let park = t.person(cell_b, "Park Ok", "member").await;
    for (user, unit, person) in [
        ("kim", cell_a, kim),
        ("lee", cell_a, lee),
        ("park", cell_b, park),
    ] {
        let a = t
            .user(user, Some(Role::Member), unit, ScopeKind::Unit)
            .await;
        grassroots_app::accounts::link_person(&t.app, &t.cli(), a, Some(person))
            .await
            .unwrap();
    }
    for (user, unit) in [
        ("sec_a", cell_a),
        ("sec_b", cell_b),
        ("sec_primary", primary),
        ("sec_province", province),
    ] {
        t.user(user, Some(Role::Secretary), unit, ScopeKind::Subtree)
            .await;
    }
    // The cells' secretaries hold the welfare duty at their cells, given
    // by the primary committee's secretary through the API.
    let mut sec = t.login("sec_primary").await;
    for (user, unit) in [("sec_a", cell_a), ("sec_b", cell_b)] {
        let account = t.account_id(user).await;
        let r = sec
            .json(
                Method::PUT,
                &format!("/api/v1/units/{unit}/welfare/handlers/{account}"),
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
        kim,
    }
}

async fn raise(c: &mut TestClient, body: Value) -> Value {
    let r = c
        .json(Method::POST, "/api/v1/welfare/cases", Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()
}

async fn act(c: &mut TestClient, id: i64, body: Value) -> Value {
    let r = c
        .json(
            Method::POST,
            &format!("/api/v1/welfare/cases/{id}/actions"),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

#[tokio::test]
async fn a_members_case_is_read_by_them_and_their_handlers_and_counted_above() {
    let o = org().await;
    let t = &o.t;
    let today = t.app.clock.now().date_naive();
    let mut kim = t.login("kim").await;
    let case = raise(
        &mut kim,
        json!({"type_key": "housing", "summary": "The roof leaks over the kitchen", "details": "Since the storm."}),
    )
    .await;
    let id = case["id"].as_i64().unwrap();
    assert_eq!(case["status"], "open");
    assert_eq!(case["unit_id"], o.cell_a);
    assert_eq!(case["raised_by_person"], true);
    assert_eq!(
        case["acknowledge_by"],
        (today + Duration::days(2)).to_string()
    );
    assert_eq!(case["resolve_by"], (today + Duration::days(30)).to_string());

    // Bad input names its field.
    let r = kim
        .json(
            Method::POST,
            "/api/v1/welfare/cases",
            Some(json!({"type_key": "weather", "summary": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "type_key");

    // Who may read it: Kim and the handler of cell A. Not another member
    // of the cell, not the sibling cell's handler, not the secretaries
    // above (without breaking the glass).
    let path = format!("/api/v1/welfare/cases/{id}");
    assert_eq!(
        kim.json(Method::GET, &path, None).await.json()["access"],
        "person"
    );
    let mut sec_a = t.login("sec_a").await;
    let v = sec_a.json(Method::GET, &path, None).await.json();
    assert_eq!(v["access"], "handler", "{v}");
    for user in [
        "lee",
        "park",
        "sec_b",
        "sec_primary",
        "sec_province",
        "root",
    ] {
        let mut c = t.login(user).await;
        let r = c.json(Method::GET, &path, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{user} read the case");
        let r = c
            .json(
                Method::POST,
                &format!("{path}/actions"),
                Some(json!({"action": "acknowledge"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{user} acted on the case");
        let list = c
            .json(Method::GET, "/api/v1/welfare/cases?of=handled", None)
            .await
            .json();
        assert_eq!(list, json!([]), "{user} handles nothing");
    }
    let handled = sec_a
        .json(Method::GET, "/api/v1/welfare/cases?of=handled", None)
        .await
        .json();
    assert_eq!(handled[0]["id"], id);
    // The member may add a note, not act as a handler.
    let r = kim
        .json(
            Method::POST,
            &format!("{path}/actions"),
            Some(json!({"action": "resolve", "resolution": "done"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    act(
        &mut kim,
        id,
        json!({"action": "note", "text": "The bucket is full again."}),
    )
    .await;

    // Breaking the glass: only from a unit that manages the case's unit,
    // with a reason; the person sees who and why.
    let mut sec_b = t.login("sec_b").await;
    let r = sec_b
        .json(
            Method::POST,
            &format!("{path}/break-glass"),
            Some(json!({"reason": "I want to see it please"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "a sibling cannot break the glass"
    );
    let mut prov = t.login("sec_province").await;
    let r = prov
        .json(
            Method::POST,
            &format!("{path}/break-glass"),
            Some(json!({"reason": "why"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "reason");
    let r = prov
        .json(
            Method::POST,
            &format!("{path}/break-glass"),
            Some(json!({"reason": "Inspection of the housing complaint backlog"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["access"], "break_glass");

    // The handler works the case: acknowledges, visits, a step, resolves.
    act(&mut sec_a, id, json!({"action": "acknowledge"})).await;
    let r = sec_a
        .json(
            Method::POST,
            &format!("{path}/actions"),
            Some(json!({"action": "acknowledge"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "acknowledged once"
    );
    let r = sec_a
        .json(
            Method::POST,
            &format!("{path}/actions"),
            Some(json!({"action": "visit", "on": (today + Duration::days(1)).to_string(), "visitors": "Sec A", "asked": "", "agreed": ""})),
        )
        .await;
    assert_eq!(r.json()["field"], "on", "a visit cannot be in the future");
    act(
        &mut sec_a,
        id,
        json!({"action": "visit", "on": today.to_string(), "visitors": "Sec A and the brigade leader", "asked": "Where the water comes in", "agreed": "Roofers come on Monday"}),
    )
    .await;
    act(
        &mut sec_a,
        id,
        json!({"action": "step", "step": "Visit the home"}),
    )
    .await;
    let r = sec_a
        .json(
            Method::POST,
            &format!("{path}/actions"),
            Some(json!({"action": "step", "step": "Paint the fence"})),
        )
        .await;
    assert_eq!(r.json()["field"], "step");
    t.app.clock.advance(Duration::days(3));
    let mut sec_a = t.login("sec_a").await;
    let done = act(
        &mut sec_a,
        id,
        json!({"action": "resolve", "resolution": "Roof repaired"}),
    )
    .await;
    assert_eq!(done["status"], "resolved");
    assert_eq!(done["breached"], false);

    // Kim sees it resolved, its steps, and who opened it.
    let mut kim = t.login("kim").await;
    let v = kim.json(Method::GET, &path, None).await.json();
    assert_eq!(v["case"]["resolution"], "Roof repaired");
    assert_eq!(v["steps_done"], json!(["Visit the home"]));
    let readers: Vec<&str> = v["reads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["actor"].as_str().unwrap())
        .collect();
    assert!(
        readers.contains(&"sec_a") && readers.contains(&"sec_province"),
        "{readers:?}"
    );
    let glass: Vec<&Value> = v["reads"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["break_glass_reason"].is_null())
        .collect();
    assert_eq!(glass.len(), 1);
    assert_eq!(glass[0]["actor"], "sec_province");
    assert_eq!(
        glass[0]["break_glass_reason"],
        "Inspection of the housing complaint backlog"
    );
    // The same in the browser.
    let page = kim.get(&format!("/welfare/cases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Roof repaired")
            && page
                .body
                .contains("Inspection of the housing complaint backlog")
    );
    let page = kim.get("/welfare").await;
    assert!(page.body.contains("The roof leaks over the kitchen"));

    // Above: counts only, for any subtree the reader reads.
    let mut prov = t.login("sec_province").await;
    let counts = prov
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/welfare", o.province),
            None,
        )
        .await;
    assert_eq!(counts.status, StatusCode::OK);
    let c = counts.json();
    assert_eq!(
        (c["open"].as_i64(), c["resolved"].as_i64()),
        (Some(0), Some(1)),
        "{c}"
    );
    assert_eq!(c["median_days_to_resolve_at_most"], 3);
    assert_eq!(c["mean_days_to_resolve"], 3.0);
    for secret in ["roof", "Kim", "kitchen", "Repaired"] {
        assert!(
            !counts.body.to_lowercase().contains(&secret.to_lowercase()),
            "{secret} in {}",
            counts.body
        );
    }
    let section = prov.page(&format!("/units/{}", o.primary)).await;
    assert!(
        section.body.contains("id=\"welfare-resolved\">1<"),
        "{}",
        section.body
    );
    assert!(!section.body.contains("roof leaks"));
    let mut sec_b = t.login("sec_b").await;
    let r = sec_b
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/welfare", o.cell_a),
            None,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "a sibling sees no counts of A"
    );

    // The audit log names the case, never its contents.
    for row in t.audit_rows(Some("welfare_case")).await {
        let all = format!("{:?} {:?}", row.before_json, row.after_json);
        assert!(
            !all.contains("roof") && !all.contains("Roof") && !all.contains("bucket"),
            "{all}"
        );
    }
    assert!(t.audit_rows(Some("welfare_case.read")).await.len() >= 4);
    t.assert_consistent().await;
}

#[tokio::test]
async fn a_secretary_records_a_case_for_a_member_without_an_account() {
    let o = org().await;
    let t = &o.t;
    let choe = t.person(o.cell_b, "Choe Min", "member").await;
    let mut sec_b = t.login("sec_b").await;
    let case = raise(
        &mut sec_b,
        json!({"person_id": choe, "type_key": "food", "summary": "Rations short this month"}),
    )
    .await;
    assert_eq!(case["raised_by_person"], false);
    assert_eq!(case["unit_id"], o.cell_b);
    // Not for a person of another cell.
    let r = sec_b
        .json(
            Method::POST,
            "/api/v1/welfare/cases",
            Some(json!({"person_id": o.kim, "type_key": "food", "summary": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "person_id");
    // Through the page, with an error naming the field.
    let r = sec_b
        .post_form(
            "/welfare",
            &[
                ("person_id", &choe.to_string()),
                ("type_key", "health"),
                ("summary", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("summary"));
    let r = sec_b
        .post_form(
            "/welfare",
            &[
                ("person_id", &choe.to_string()),
                ("type_key", "health"),
                ("summary", "Needs glasses"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = sec_b.get(&r.location()).await;
    assert!(page.body.contains("Needs glasses") && page.body.contains("Choe Min"));
    t.assert_consistent().await;
}

#[tokio::test]
async fn a_case_past_its_deadline_escalates_once_per_deadline_up_the_tree() {
    let o = org().await;
    let t = &o.t;
    let mut kim = t.login("kim").await;
    let mut ids = Vec::new();
    for i in 0..6 {
        let c = raise(
            &mut kim,
            json!({"type_key": "food", "summary": format!("Problem {i}")}),
        )
        .await;
        ids.push(c["id"].as_i64().unwrap());
    }
    // One waits for supply before its first deadline: its clock stops.
    let mut sec_a = t.login("sec_a").await;
    act(&mut sec_a, ids[5], json!({"action": "acknowledge"})).await;
    act(
        &mut sec_a,
        ids[5],
        json!({"action": "wait", "reason": "waiting_supply"}),
    )
    .await;
    // The primary committee's secretary takes the duty at the factory.
    let mut sec_p = t.login("sec_primary").await;
    let me = t.account_id("sec_primary").await;
    let r = sec_p
        .json(
            Method::PUT,
            &format!("/api/v1/units/{}/welfare/handlers/{me}", o.primary),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let path = format!("/api/v1/welfare/cases/{}", ids[0]);
    assert_eq!(
        sec_p.json(Method::GET, &path, None).await.status,
        StatusCode::NOT_FOUND
    );

    // Food: acknowledge within 1 day. On the deadline day nothing moves.
    let other = t.second_server().await;
    t.app.clock.advance(Duration::days(1));
    other.clock.advance(Duration::days(1));
    assert_eq!(
        grassroots_app::welfare::escalate_due(&t.app).await.unwrap(),
        0
    );
    // The day after, five go up, each once, whichever server runs.
    t.app.clock.advance(Duration::days(1));
    other.clock.advance(Duration::days(1));
    let (a, b) = tokio::join!(
        grassroots_app::welfare::escalate_due(&t.app),
        grassroots_app::welfare::escalate_due(&other)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 5);
    assert_eq!(
        grassroots_app::welfare::escalate_due(&t.app).await.unwrap(),
        0,
        "once per deadline"
    );
    assert_eq!(t.audit_rows(Some("welfare_case.escalate")).await.len(), 5);

    // Now the factory's handler reads it; the person sees "escalated".
    let mut sec_p = t.login("sec_primary").await;
    let v = sec_p.json(Method::GET, &path, None).await.json();
    assert_eq!(v["access"], "handler", "{v}");
    assert_eq!(v["case"]["escalations"], 1);
    assert_eq!(v["case"]["breached"], true);
    assert_eq!(v["escalations"][0]["to_unit"], "Tool Factory");
    let mut kim = t.login("kim").await;
    let mine = kim
        .json(Method::GET, "/api/v1/welfare/cases", None)
        .await
        .json();
    let first = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == ids[0])
        .unwrap();
    assert_eq!(first["escalations"], 1);
    let page = kim.get("/welfare").await;
    assert!(page.body.contains("Escalated"));
    // The waiting case did not move.
    let waiting = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == ids[5])
        .unwrap();
    assert_eq!(
        (waiting["escalations"].as_i64(), waiting["status"].as_str()),
        (Some(0), Some("waiting_supply"))
    );

    // Overdue counts above, no names.
    let mut prov = t.login("sec_province").await;
    let c = prov
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/welfare", o.province),
            None,
        )
        .await
        .json();
    assert_eq!(
        (c["open"].as_i64(), c["overdue"].as_i64()),
        (Some(6), Some(5)),
        "{c}"
    );

    // The factory has 3 days (food's escalation days) before it goes to
    // the province; the food resolve day (7) comes first for the rest.
    t.app.clock.advance(Duration::days(4));
    assert_eq!(
        grassroots_app::welfare::escalate_due(&t.app).await.unwrap(),
        5
    );
    let mut sec_p = t.login("sec_primary").await;
    let v = sec_p.json(Method::GET, &path, None).await.json();
    let route: Vec<(&str, &str)> = v["escalations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from_unit"].as_str().unwrap(),
                e["to_unit"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        route,
        [
            ("Lathe Cell", "Tool Factory"),
            ("Tool Factory", "North Province")
        ]
    );
    assert_eq!(
        grassroots_app::welfare::escalate_due(&t.app).await.unwrap(),
        0
    );
    // The factory resolves one late: it stays breached, no longer overdue.
    act(
        &mut sec_p,
        ids[0],
        json!({"action": "resolve", "resolution": "Rations delivered"}),
    )
    .await;
    let mut prov = t.login("sec_province").await;
    let c = prov
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/welfare", o.province),
            None,
        )
        .await
        .json();
    assert_eq!(
        (
            c["open"].as_i64(),
            c["overdue"].as_i64(),
            c["breached"].as_i64()
        ),
        (Some(5), Some(4), Some(5)),
        "{c}"
    );
    let food = c["by_type"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["type_key"] == "food")
        .unwrap();
    assert_eq!(food["resolved"], 1);
    t.assert_consistent().await;
}

/// A small deterministic generator, so a failing history can be replayed.
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    /// A number below `n`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[tokio::test]
async fn the_welfare_counters_match_a_recount_after_random_histories() {
    let o = org().await;
    let t = &o.t;
    let app = &t.app;
    let mut rng = Lcg(0x5eed_cafe);
    let types = [
        "housing",
        "health",
        "food",
        "family_hardship",
        "working_conditions",
        "other",
    ];
    let mut ids: Vec<i64> = Vec::new();
    let mut kim = t.login("kim").await;
    let mut sec_a = t.login("sec_a").await;
    for _ in 0..60 {
        match rng.below(8) {
            0 | 1 => {
                let ty = types[rng.below(types.len() as u64) as usize];
                let c = raise(
                    &mut kim,
                    json!({"type_key": ty, "summary": "Random problem"}),
                )
                .await;
                ids.push(c["id"].as_i64().unwrap());
            }
            2 if !ids.is_empty() => {
                let id = ids[rng.below(ids.len() as u64) as usize];
                let action = match rng.below(5) {
                    0 => json!({"action": "acknowledge"}),
                    1 => json!({"action": "wait", "reason": "waiting_person"}),
                    2 => json!({"action": "resume"}),
                    3 => json!({"action": "resolve", "resolution": "Settled"}),
                    _ => json!({"action": "note", "text": "Checked"}),
                };
                // Refusals (already acknowledged, not waiting, resolved)
                // are part of the history too.
                sec_a
                    .json(
                        Method::POST,
                        &format!("/api/v1/welfare/cases/{id}/actions"),
                        Some(action),
                    )
                    .await;
            }
            3 => {
                let days = rng.below(5) as i64;
                app.clock.advance(Duration::days(days));
                grassroots_app::welfare::escalate_due(app).await.unwrap();
                kim = t.login("kim").await;
                sec_a = t.login("sec_a").await;
            }
            4 if rng.below(4) == 0 => {
                // The cell merges into its sibling: cases and counts follow.
                let _ = grassroots_app::units::merge(app, &t.cli(), o.cell_a, o.cell_b).await;
            }
            _ => {}
        }
    }
    t.assert_consistent().await;
}

#[tokio::test]
async fn case_types_are_set_by_organization_administrators_and_bind_new_cases_only() {
    let o = org().await;
    let t = &o.t;
    let mut kim = t.login("kim").await;
    let before = raise(
        &mut kim,
        json!({"type_key": "food", "summary": "Short of rice"}),
    )
    .await;
    let mut sec = t.login("sec_province").await;
    let r = sec
        .post_form(
            "/admin/welfare/food",
            &[
                ("acknowledge_days", "3"),
                ("resolve_days", "10"),
                ("escalation_days", "2"),
                ("steps", "Talk\nArrange"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut root = t.login("root").await;
    let page = root.get("/admin/welfare").await;
    assert!(page.body.contains("Working conditions"));
    let r = root
        .post_form(
            "/admin/welfare/food",
            &[
                ("acknowledge_days", "5"),
                ("resolve_days", "2"),
                ("escalation_days", "2"),
                ("steps", ""),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "resolving before acknowledging"
    );
    assert!(r.body.contains("resolve_days"));
    let r = root
        .post_form(
            "/admin/welfare/food",
            &[
                ("acknowledge_days", "3"),
                ("resolve_days", "10"),
                ("escalation_days", "2"),
                ("steps", "Talk with the person\n\nArrange supply"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let types = root
        .json(Method::GET, "/api/v1/welfare/types", None)
        .await
        .json();
    let food = types
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["key"] == "food")
        .unwrap()
        .clone();
    assert_eq!(
        (food["acknowledge_days"].as_i64(), food["steps"].as_str()),
        (Some(3), Some("Talk with the person\nArrange supply"))
    );
    let after = raise(
        &mut kim,
        json!({"type_key": "food", "summary": "Short of rice again"}),
    )
    .await;
    assert_eq!(
        (
            before["acknowledge_days"].as_i64(),
            after["acknowledge_days"].as_i64()
        ),
        (Some(1), Some(3))
    );
    let v = kim
        .json(
            Method::GET,
            &format!("/api/v1/welfare/cases/{}", before["id"]),
            None,
        )
        .await
        .json();
    assert_eq!(
        v["case"]["acknowledge_days"], 1,
        "an open case keeps its policy"
    );
}
