//! Plans and implementation end to end through the API: a decision
//! adopted with a plan, a target split among cells, check-ins, derived
//! statuses, the province's roll-up, days passing, blockers escalating,
//! and a member reporting on their own target.

use axum::http::{Method, StatusCode};
use chrono::Duration;
use grassroots_core::{Role, ScopeKind};
use grassroots_testkit::TestApp;
use serde_json::{Value, json};

fn ymd(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn a_decision_becomes_plans_reports_and_a_provincial_roll_up() {
    let t = TestApp::new().await;
    let province = t
        .unit("North Province", "provincial_committee", t.root)
        .await;
    let factory = t.unit("Tool Factory", "primary_committee", province).await;
    let farm = t.unit("Farm", "primary_committee", province).await;
    let cell1 = t.unit("Lathe Cell", "cell", factory).await;
    let cell2 = t.unit("Forge Cell", "cell", factory).await;
    t.user(
        "sec_factory",
        Some(Role::Secretary),
        factory,
        ScopeKind::Subtree,
    )
    .await;
    t.user(
        "sec_province",
        Some(Role::Secretary),
        province,
        ScopeKind::Subtree,
    )
    .await;
    let worker = t.person(cell1, "Kim Chol", "member").await;
    let member = t
        .user("kim", Some(Role::Member), cell1, ScopeKind::Unit)
        .await;
    grassroots_app::accounts::link_person(&t.app, &t.cli(), member, Some(worker))
        .await
        .unwrap();
    let today = t.app.clock.now().date_naive();
    // Targets count in the year of their due date.
    let year = (today + Duration::days(50)).format("%Y").to_string();

    // The centre issues a decision to every primary committee; the factory
    // adopts it with a plan, which cites it.
    let mut centre = t.login("root").await;
    let r = centre
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/decisions", t.root),
            Some(json!({"title": "On output", "source": "plenary_meeting", "levels": ["primary_committee"]})),
        )
        .await;
    let decision = r.json()["decision"]["id"].as_i64().unwrap();
    let mut sec = t.login("sec_factory").await;
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/decisions/{decision}/adopt"),
            Some(json!({"unit_id": factory, "plan": {"title": "Output plan", "period_kind": "custom",
                "starts_on": ymd(today - Duration::days(50)), "ends_on": ymd(today + Duration::days(50)),
                "cadence": "weekly"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let plan = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["decision_id"], decision);

    // A numeric target of 100 t over the plan's 100 days, and a milestone.
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/plans/{plan}/targets"),
            Some(
                json!({"title": "Machine tools", "category": "economic", "kind": "numeric",
                "baseline": 0, "target_value": 100, "measure_unit": "t", "weight": 2}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let output = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["status"], "not_reported");
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/plans/{plan}/targets"),
            Some(json!({"title": "Study", "category": "organizational", "kind": "milestone"})),
        )
        .await;
    let study = r.json()["id"].as_i64().unwrap();
    // Bad input names its field.
    for (body, field) in [
        (
            json!({"title": "X", "category": "gossip", "kind": "milestone"}),
            "category",
        ),
        (
            json!({"title": "X", "category": "economic", "kind": "numeric"}),
            "target_value",
        ),
        (
            json!({"title": "X", "category": "economic", "kind": "milestone", "weight": 0}),
            "weight",
        ),
        (
            json!({"title": "X", "category": "economic", "kind": "milestone", "due_on": "2020-13-01"}),
            "due_on",
        ),
        (
            json!({"title": "X", "category": "economic", "kind": "milestone", "owner_person_id": 999999}),
            "owner_person_id",
        ),
    ] {
        let r = sec
            .json(
                Method::POST,
                &format!("/api/v1/plans/{plan}/targets"),
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.json()["field"], field, "{}", r.body);
    }

    // Split the output among the two cells: 60 + 40, summed.
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/targets/{output}/cascade"),
            Some(json!({"rollup": "sum", "parts": [
                {"unit_id": cell1, "target_value": 60}, {"unit_id": cell2, "target_value": 40}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let shares: Vec<i64> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    let (share1, share2) = (shares[0], shares[1]);
    // A share outside the factory is refused, in one piece.
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/targets/{study}/cascade"),
            Some(json!({"rollup": "mean", "parts": [{"unit_id": cell1}, {"unit_id": farm}]})),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.body);
    let view = sec
        .json(Method::GET, &format!("/api/v1/targets/{study}"), None)
        .await
        .json();
    assert_eq!(view["children"], json!([]), "nothing half-written");

    // Nobody has reported: the province sees targets, but no completion
    // (unknown is not 0 %).
    let mut prov = t.login("sec_province").await;
    let d = prov
        .json(
            Method::GET,
            &format!("/api/v1/units/{province}/dashboard?year={year}"),
            None,
        )
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    let d = d.json();
    assert_eq!(d["rollup"]["completion"], Value::Null);
    assert_eq!(d["rollup"]["by_status"]["not_reported"], 4);

    // Day 50 of 100: the lathe cell reports 30 of 60 (on track); the forge
    // cell 10 of 40 (pace 0.5: off track), which needs a narrative.
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/targets/{share1}/check-ins"),
            Some(json!({"value": 30})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["target"]["status"], "on_track");
    // A form naming a blocker owner that is not a number is refused by
    // field, and nothing is written.
    let r = sec
        .post_form(
            &format!("/targets/{share1}/check-ins"),
            &[
                ("value", "31"),
                ("blocker_title", "Belts"),
                ("blocker_owner", "someone"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"form-error\""), "{}", r.body);
    let v = sec
        .json(Method::GET, &format!("/api/v1/targets/{share1}"), None)
        .await
        .json();
    assert_eq!(v["check_ins"].as_array().unwrap().len(), 1);
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/targets/{share2}/check-ins"),
            Some(json!({"value": 10})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "narrative");
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/targets/{share2}/check-ins"),
            Some(json!({"value": 10, "narrative": "The furnace is down", "confidence": "low",
                "blocker": {"title": "Furnace lining", "deadline_on": ymd(today + Duration::days(3))}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["target"]["status"], "off_track");
    let blocker = r.json()["check_in"]["blocker_id"].as_i64().unwrap();
    // The split target's progress is the sum of its shares: 40 of 100, pace
    // 0.8: at risk. It takes no check-in of its own.
    let v = sec
        .json(Method::GET, &format!("/api/v1/targets/{output}"), None)
        .await
        .json();
    assert_eq!(v["target"]["status"], "at_risk", "{v}");
    assert_eq!(v["target"]["last_value"], 40.0);
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/targets/{output}/check-ins"),
            Some(json!({"value": 99})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "target_id");

    // The province's roll-up: weighted completion of the reported leaves
    // (0.5 and 0.25, weight 1 each), statuses, the open blocker, adoption.
    let d = prov
        .json(
            Method::GET,
            &format!("/api/v1/units/{province}/dashboard?year={year}"),
            None,
        )
        .await
        .json();
    assert_eq!(d["rollup"]["completion"], 0.375, "{d}");
    assert_eq!(d["rollup"]["by_status"]["on_track"], 1);
    assert_eq!(d["rollup"]["by_status"]["off_track"], 1);
    assert_eq!(d["rollup"]["by_status"]["at_risk"], 1);
    assert_eq!(d["rollup"]["by_status"]["not_reported"], 1);
    assert_eq!(d["rollup"]["blockers_open"], 1);
    assert_eq!(d["adoption"][0], json!([decision, "On output", 2, 1]));
    let children: Vec<(String, i64)> = d["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["rollup"]["targets"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        children,
        [("Farm".to_string(), 0), ("Tool Factory".to_string(), 4)]
    );
    assert_eq!(d["attention"][0]["unit_name"], "Forge Cell");
    // The dashboard page draws it.
    let page = prov
        .get(&format!("/units/{province}/dashboard?year={year}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"status-bar\""));
    assert!(page.body.contains("id=\"completion-chart\""));
    assert!(page.body.contains(&format!("/units/{factory}/dashboard")));
    assert!(page.body.contains("38 %"), "weighted completion shown");
    t.assert_consistent().await;

    // A member reports on the target they own, and sees nothing else.
    let cell1_plan = sec
        .json(Method::GET, &format!("/api/v1/targets/{share1}"), None)
        .await
        .json()["plan"]["id"]
        .clone();
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/plans/{cell1_plan}/targets"),
            Some(json!({"title": "Train two apprentices", "category": "organizational", "kind": "milestone",
                "owner_person_id": worker})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let own = r.json()["id"].as_i64().unwrap();
    let mut kim = t.login("kim").await;
    let r = kim
        .json(
            Method::POST,
            &format!("/api/v1/targets/{own}/check-ins"),
            Some(json!({"done": true, "narrative": "Both passed"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["target"]["status"], "done");
    let r = kim
        .json(Method::GET, &format!("/api/v1/targets/{share2}"), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = kim
        .json(
            Method::POST,
            &format!("/api/v1/targets/{share1}/check-ins"),
            Some(json!({"value": 60})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = kim
        .json(Method::GET, &format!("/api/v1/units/{cell1}/plans"), None)
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "a member sees the plans of their unit"
    );
    let r = kim
        .json(Method::GET, &format!("/api/v1/units/{cell2}/plans"), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let page = kim.get(&format!("/targets/{own}")).await;
    assert_eq!(page.status, StatusCode::OK);

    // Days pass with no reports: the status changes without any write
    // once the job has run; the blocker goes up to the factory, then the
    // province.
    t.app.clock.advance(Duration::days(8));
    assert!(
        grassroots_app::plans::refresh_statuses(&t.app)
            .await
            .unwrap()
            > 0
    );
    // (Sessions have expired meanwhile.)
    let mut sec = t.login("sec_factory").await;
    let v = sec
        .json(Method::GET, &format!("/api/v1/targets/{share1}"), None)
        .await
        .json();
    assert_eq!(
        v["target"]["status"], "not_reported",
        "weekly cadence missed"
    );
    assert_eq!(
        grassroots_app::plans::escalate_blockers(&t.app)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        grassroots_app::plans::escalate_blockers(&t.app)
            .await
            .unwrap(),
        0,
        "once per step"
    );
    t.app.clock.advance(Duration::days(8));
    grassroots_app::plans::refresh_statuses(&t.app)
        .await
        .unwrap();
    assert_eq!(
        grassroots_app::plans::escalate_blockers(&t.app)
            .await
            .unwrap(),
        1
    );
    let steps = grassroots_store::plans::blockers::escalations_of(
        &mut t.app.db.conn().await.unwrap(),
        blocker,
    )
    .await
    .unwrap();
    let path: Vec<(i64, i64)> = steps.iter().map(|s| (s.1, s.2)).collect();
    assert_eq!(path, [(cell2, factory), (factory, province)]);
    let mut prov = t.login("sec_province").await;
    let d = prov
        .json(
            Method::GET,
            &format!("/api/v1/units/{province}/dashboard?year={year}"),
            None,
        )
        .await
        .json();
    assert_eq!(d["blockers"][0]["unit_name"], "North Province");
    assert_eq!(d["rollup"]["blockers_open"], 1);
    // The province resolves it; time to resolve is rolled up.
    let r = prov
        .json(
            Method::POST,
            &format!("/api/v1/blockers/{blocker}/resolve"),
            Some(json!({"resolution": "New lining fitted"})),
        )
        .await;
    assert_eq!(r.json()["changed"], true, "{}", r.body);
    t.app.clock.advance(Duration::days(40));
    grassroots_app::plans::refresh_statuses(&t.app)
        .await
        .unwrap();
    let mut prov = t.login("sec_province").await;
    let d = prov
        .json(
            Method::GET,
            &format!("/api/v1/units/{province}/dashboard?year={year}"),
            None,
        )
        .await
        .json();
    assert_eq!(d["rollup"]["blockers_open"], 0);
    assert_eq!(d["rollup"]["blockers_resolved"], 1);
    assert_eq!(d["rollup"]["blockers_mean_resolve_hours"], 16.0 * 24.0);
    // Past the due date: everything not done is late.
    assert_eq!(d["rollup"]["by_status"]["late"], 4, "{d}");
    assert_eq!(d["rollup"]["by_status"]["done"], 1);
    t.assert_consistent().await;
}

#[tokio::test]
async fn two_servers_escalate_each_blocker_once() {
    let t = TestApp::new().await;
    let province = t.unit("Province", "provincial_committee", t.root).await;
    let mut cells = Vec::new();
    for i in 0..4 {
        let p = t
            .unit(&format!("Primary {i}"), "primary_committee", province)
            .await;
        cells.push(t.unit(&format!("Cell {i}"), "cell", p).await);
    }
    let today = t.app.clock.now().date_naive();
    let mut ids = Vec::new();
    for i in 0..24 {
        let b = grassroots_app::plans::open_blocker(
            &t.app,
            &t.cli(),
            cells[i % 4],
            None,
            grassroots_app::plans::BlockerInput {
                title: format!("Blocker {i}"),
                deadline_on: Some(ymd(today)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        ids.push(b.id);
    }
    let other = t.second_server().await;
    t.app.clock.advance(Duration::days(2));
    other.clock.advance(Duration::days(2));
    let (a, b) = tokio::join!(
        grassroots_app::plans::escalate_blockers(&t.app),
        grassroots_app::plans::escalate_blockers(&other)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 24, "each blocker went up once");
    let mut c = t.app.db.conn().await.unwrap();
    for id in ids {
        let steps = grassroots_store::plans::blockers::escalations_of(&mut c, id)
            .await
            .unwrap();
        assert_eq!(steps.len(), 1, "blocker {id}: {steps:?}");
    }
    assert_eq!(t.audit_rows(Some("blocker.escalate")).await.len(), 24);
    drop(c);
    t.assert_consistent().await;
}

#[tokio::test]
async fn a_review_sums_up_needs_comments_on_red_targets_and_locks_the_plan() {
    let t = TestApp::new().await;
    let unit = t.unit("Coal Mine", "primary_committee", t.root).await;
    t.user("sec", Some(Role::Secretary), unit, ScopeKind::Subtree)
        .await;
    t.user("staff", Some(Role::Staff), unit, ScopeKind::Subtree)
        .await;
    let today = t.app.clock.now().date_naive();
    let mut sec = t.login("sec").await;
    let plan = sec
        .json(
            Method::POST,
            &format!("/api/v1/units/{unit}/plans"),
            Some(json!({"title": "Quarter plan", "period_kind": "custom",
                "starts_on": ymd(today - Duration::days(90)), "ends_on": ymd(today - Duration::days(1))})),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let add = |title: &str, due: chrono::NaiveDate| json!({"title": title, "category": "safety", "kind": "milestone", "due_on": ymd(due)});
    let done = sec
        .json(
            Method::POST,
            &format!("/api/v1/plans/{plan}/targets"),
            Some(add("Inspect shafts", today + Duration::days(1))),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let late = sec
        .json(
            Method::POST,
            &format!("/api/v1/plans/{plan}/targets"),
            Some(add("Replace ventilation", today - Duration::days(1))),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/targets/{done}/check-ins"),
            Some(json!({"done": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // The facts are compiled; the late target needs a comment to close.
    let v = sec
        .json(Method::GET, &format!("/api/v1/plans/{plan}/review"), None)
        .await
        .json();
    assert_eq!(
        (v["facts"]["done"].as_i64(), v["facts"]["late"].as_i64()),
        (Some(1), Some(1)),
        "{v}"
    );
    assert_eq!(v["overall"], 1.0, "only the known score counts");
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/plans/{plan}/review/close"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Replace ventilation"), "{}", r.body);
    // Scores out of range and foreign targets are refused by field.
    let r = sec
        .json(
            Method::PUT,
            &format!("/api/v1/plans/{plan}/review"),
            Some(json!({"items": [{"target_id": late, "score": 1.5}]})),
        )
        .await;
    assert_eq!(r.json()["field"], "score");
    let r = sec
        .json(
            Method::PUT,
            &format!("/api/v1/plans/{plan}/review"),
            Some(json!({"items": [{"target_id": 999999, "score": 0.5}]})),
        )
        .await;
    assert_eq!(r.json()["field"], "items");
    // Staff may write the review but not close it.
    let mut staff = t.login("staff").await;
    let r = staff
        .json(
            Method::PUT,
            &format!("/api/v1/plans/{plan}/review"),
            Some(json!({
            "strengths": "Shafts inspected on time.",
            "defects": "Ventilation parts never arrived.",
            "next_steps": "Order parts through the county.",
            "items": [{"target_id": late, "score": 0.2, "comment": "Parts missing"}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["overall"], 0.6);
    let r = staff
        .json(
            Method::POST,
            &format!("/api/v1/plans/{plan}/review/close"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Closed through the page: the plan is locked.
    let r = sec
        .post_form(
            &format!("/plans/{plan}/review"),
            &[
                ("strengths", "Shafts inspected on time."),
                ("defects", "Ventilation parts never arrived."),
                ("next_steps", "Order parts."),
                ("target", &late.to_string()),
                (&format!("comment_{late}"), "Parts missing"),
                (&format!("score_{late}"), "0.2"),
                ("close", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = sec.get(&format!("/plans/{plan}/review")).await;
    assert!(page.body.contains("id=\"review-closed\""));
    assert!(
        !page.body.contains("id=\"review-save\""),
        "a closed review is read-only"
    );
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/targets/{late}/check-ins"),
            Some(json!({"done": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "plan_id");
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/plans/{plan}/targets"),
            Some(add("Late addition", today)),
        )
        .await;
    assert_eq!(r.json()["field"], "plan_id");
    let r = sec
        .json(Method::DELETE, &format!("/api/v1/targets/{late}"), None)
        .await;
    assert_eq!(r.json()["field"], "plan_id");
    let r = sec
        .json(
            Method::PUT,
            &format!("/api/v1/plans/{plan}/review"),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The CSV, from the page and the API.
    let csv = sec.get(&format!("/plans/{plan}/review.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body
            .starts_with("target,category,status,completion,score"),
        "{}",
        csv.body
    );
    assert!(
        csv.body
            .contains("Replace ventilation,safety,late,,0.200,1,"),
        "{}",
        csv.body
    );
    assert!(csv.body.contains("overall,,,1.000,0.600"), "{}", csv.body);
    let api = sec
        .json(
            Method::GET,
            &format!("/api/v1/plans/{plan}/review/export"),
            None,
        )
        .await;
    assert_eq!(api.body, csv.body);
    t.assert_consistent().await;
}

#[tokio::test]
async fn my_work_lists_what_is_mine_and_reminders_are_mailed_once() {
    let (port, mails) = grassroots_testkit::smtp_sink().await;
    let mut config = grassroots_app::Config::default();
    config.mail.smtp_url = format!("smtp://127.0.0.1:{port}");
    config.mail.from = "grassroots@example.org".into();
    config.public_url = "https://party.example.org".into();
    let t = TestApp::with_config(config).await;
    let unit = t.unit("Silk Mill", "primary_committee", t.root).await;
    let person = grassroots_app::people::create(
        &t.app,
        &t.cli(),
        unit,
        grassroots_app::people::PersonInput {
            full_name: "Ri Sun Hui".into(),
            contact: "sunhui@example.org".into(),
            status: "member".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    let account = t
        .user("sunhui", Some(Role::Secretary), unit, ScopeKind::Unit)
        .await;
    grassroots_app::accounts::link_person(&t.app, &t.cli(), account, Some(person))
        .await
        .unwrap();
    t.user("other", Some(Role::Secretary), unit, ScopeKind::Unit)
        .await;
    let today = t.app.clock.now().date_naive();
    let plan = grassroots_app::plans::create_plan(
        &t.app,
        &t.cli(),
        unit,
        grassroots_app::plans::PlanInput {
            title: "Plan".into(),
            period_kind: "custom".into(),
            starts_on: Some(ymd(today - Duration::days(10))),
            ends_on: Some(ymd(today + Duration::days(80))),
            cadence: Some("weekly".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let target = grassroots_app::plans::add_target(
        &t.app,
        &t.cli(),
        plan.id,
        grassroots_app::plans::TargetInput {
            title: "Looms repaired".into(),
            category: "economic".into(),
            kind: "numeric".into(),
            target_value: Some(12.0),
            owner_person_id: Some(person),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    grassroots_app::plans::open_blocker(
        &t.app,
        &t.cli(),
        unit,
        Some(target.id),
        grassroots_app::plans::BlockerInput {
            title: "Spare shuttles".into(),
            owner_person_id: Some(person),
            deadline_on: Some(ymd(today)),
        },
    )
    .await
    .unwrap();
    let decision = grassroots_app::decisions::issue(
        &t.app,
        &t.cli(),
        t.root,
        grassroots_app::decisions::DecisionInput {
            title: "On quality".into(),
            source: "congress".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .0;

    // My work: the owned target (check-in due: nothing reported since it
    // started), the blocker, the decision awaiting the mill's adoption.
    let mut me = t.login("sunhui").await;
    let w = me.json(Method::GET, "/api/v1/me/work", None).await.json();
    assert_eq!(
        w["targets"][0]["target"]["target"]["title"],
        "Looms repaired"
    );
    assert_eq!(w["targets"][0]["check_in_due"], true);
    assert_eq!(w["blockers"][0]["blocker"]["title"], "Spare shuttles");
    assert_eq!(w["decisions"][0]["item"]["decision"]["id"], decision.id);
    let page = me.get("/me/work").await;
    assert!(page.body.contains("Looms repaired") && page.body.contains("Spare shuttles"));

    // The job makes three reminders for her (and one of the decision for
    // the other secretary, who has no address) and mails each once, to
    // her address; running it again changes nothing.
    let run = grassroots_app::work::run_reminders(&t.app).await.unwrap();
    assert_eq!((run.made, run.mailed, run.failed), (4, 3, 0), "{run:?}");
    let again = grassroots_app::work::run_reminders(&t.app).await.unwrap();
    assert_eq!((again.made, again.mailed), (0, 0));
    let sent = mails.lock().unwrap().clone();
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(
        sent.iter().all(|m| m.contains("To: sunhui@example.org")),
        "{sent:?}"
    );
    assert!(
        sent.iter()
            .any(|m| m.contains("Subject: Check-in due: Looms repaired")
                && m.contains(&format!("https://party.example.org/targets/{}", target.id)))
    );
    // Reported: no check-in reminder until the cadence runs out again.
    grassroots_app::plans::check_in(
        &t.app,
        &t.cli(),
        target.id,
        grassroots_app::plans::CheckInInput {
            value: Some(2.0),
            narrative: "Two looms".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let w = me.json(Method::GET, "/api/v1/me/work", None).await.json();
    assert_eq!(w["targets"][0]["check_in_due"], false);
    let reminder = w["reminders"][0]["reminder"]["id"].as_i64().unwrap();
    // Reminders are personal: another account cannot dismiss them.
    let mut other = t.login("other").await;
    let r = other
        .json(
            Method::POST,
            &format!("/api/v1/me/reminders/{reminder}/dismiss"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let w = other
        .json(Method::GET, "/api/v1/me/work", None)
        .await
        .json();
    assert_eq!(w["targets"], json!([]), "{w}");
    let theirs: Vec<i64> = w["reminders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reminder"]["id"].as_i64().unwrap())
        .collect();
    assert!(!theirs.contains(&reminder), "{theirs:?}");
    let r = me
        .json(
            Method::POST,
            &format!("/api/v1/me/reminders/{reminder}/dismiss"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let w = me.json(Method::GET, "/api/v1/me/work", None).await.json();
    assert_eq!(w["reminders"].as_array().unwrap().len(), 2);
    // A week on, the check-in is due again: one new reminder.
    t.app.clock.advance(Duration::days(8));
    let run = grassroots_app::work::run_reminders(&t.app).await.unwrap();
    assert_eq!(run.made, 1, "{run:?}");
    assert_eq!(mails.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn shares_out_of_reach_reviewed_plans_and_former_members_stay_put() {
    let t = TestApp::new().await;
    let factory = t.unit("Bolt Factory", "primary_committee", t.root).await;
    let cell = t.unit("Press Cell", "cell", factory).await;
    // A secretary of the factory alone (not of its cells).
    t.user("sec_unit", Some(Role::Secretary), factory, ScopeKind::Unit)
        .await;
    let worker = t.person(cell, "An Myong", "member").await;
    let member = t
        .user("anmyong", Some(Role::Member), cell, ScopeKind::Unit)
        .await;
    grassroots_app::accounts::link_person(&t.app, &t.cli(), member, Some(worker))
        .await
        .unwrap();
    let plan = grassroots_app::plans::create_plan(
        &t.app,
        &t.cli(),
        factory,
        grassroots_app::plans::PlanInput {
            title: "Plan".into(),
            period_kind: "year".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let bolts = grassroots_app::plans::add_target(
        &t.app,
        &t.cli(),
        plan.id,
        grassroots_app::plans::TargetInput {
            title: "Bolts".into(),
            category: "economic".into(),
            kind: "numeric".into(),
            target_value: Some(1000.0),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let shares = grassroots_app::plans::cascade(
        &t.app,
        &t.cli(),
        bolts.id,
        grassroots_app::plans::CascadeInput {
            rollup: "sum".into(),
            parts: vec![grassroots_app::plans::CascadePart {
                unit_id: cell,
                weight: None,
                target_value: Some(1000.0),
            }],
        },
    )
    .await
    .unwrap();
    let share = shares[0].id;
    let mut sec = t.login("sec_unit").await;
    // The cell's share is not the unit secretary's to see or delete.
    let v = sec
        .json(Method::GET, &format!("/api/v1/targets/{}", bolts.id), None)
        .await
        .json();
    assert_eq!(
        v["children"],
        json!([]),
        "shares in unreadable units are not listed"
    );
    let r = sec
        .json(
            Method::DELETE,
            &format!("/api/v1/targets/{}", bolts.id),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "target_id");
    // A share reported done without a value counts in full in the sum.
    let r = t
        .login("root")
        .await
        .json(
            Method::POST,
            &format!("/api/v1/targets/{share}/check-ins"),
            Some(json!({"done": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = sec
        .json(Method::GET, &format!("/api/v1/targets/{}", bolts.id), None)
        .await
        .json();
    assert_eq!(v["target"]["status"], "done", "{v}");
    assert_eq!(v["target"]["last_value"], 1000.0);
    // Once the factory's plan is reviewed, its target stays as it was
    // even when the cell's share changes.
    grassroots_app::plans::reviews::close(&t.app, &t.cli(), plan.id)
        .await
        .unwrap();
    let r = t
        .login("root")
        .await
        .json(
            Method::POST,
            &format!("/api/v1/targets/{share}/check-ins"),
            Some(json!({"value": 10, "narrative": "Recount"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = sec
        .json(Method::GET, &format!("/api/v1/targets/{}", bolts.id), None)
        .await
        .json();
    assert_eq!(v["target"]["status"], "done", "frozen at the review");
    t.assert_consistent().await;
    // A member who has left may no longer act as a member or an owner.
    let own = grassroots_app::plans::add_target(
        &t.app,
        &t.cli(),
        shares[0].plan_id,
        grassroots_app::plans::TargetInput {
            title: "Own".into(),
            category: "other".into(),
            kind: "milestone".into(),
            owner_person_id: Some(worker),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut an = t.login("anmyong").await;
    assert_eq!(
        an.json(Method::GET, &format!("/api/v1/targets/{}", own.id), None)
            .await
            .status,
        StatusCode::OK
    );
    grassroots_app::people::set_status(&t.app, &t.cli(), worker, "left")
        .await
        .unwrap();
    assert_eq!(
        an.json(Method::GET, &format!("/api/v1/targets/{}", own.id), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = an
        .json(
            Method::POST,
            &format!("/api/v1/targets/{}/check-ins", own.id),
            Some(json!({"done": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        an.json(Method::GET, &format!("/api/v1/units/{cell}/plans"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
