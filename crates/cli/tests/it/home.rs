//! The member's home: a person who signs in sees their unit's plans, the
//! meetings they are invited to, the decisions and bulletins their unit
//! received, their commendations and their cases, and subscribes to
//! their meetings in a calendar app without a cookie.

use axum::http::{Method, StatusCode};
use grassroots_app::{bulletins, commendations, decisions, meetings, plans};
use grassroots_core::{Role, ScopeKind};
use grassroots_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn a_member_sees_their_units_life_and_nobody_elses() {
    let t = TestApp::new().await;
    let cli = t.cli();
    let app = &t.app;
    let primary = t.unit("Tool Factory", "primary_committee", t.root).await;
    let cell = t.unit("Lathe Cell", "cell", primary).await;
    let other = t.unit("Forge Cell", "cell", primary).await;
    let kim = t.person(cell, "Kim Chol", "member").await;
    let park = t.person(other, "Park Ok", "member").await;
    for (user, unit, person) in [("kim", cell, kim), ("park", other, park)] {
        let a = t
            .user(user, Some(Role::Member), unit, ScopeKind::Unit)
            .await;
        grassroots_app::accounts::link_person(app, &cli, a, Some(person))
            .await
            .unwrap();
    }
    t.user("clerk", Some(Role::Viewer), primary, ScopeKind::Subtree)
        .await;
    // The cell's plan, with a target Kim owns; the other cell's plan.
    let mut plan_ids = Vec::new();
    for (unit, title) in [(cell, "Lathe cell plan"), (other, "Forge cell plan")] {
        let plan = plans::create_plan(
            app,
            &cli,
            unit,
            plans::PlanInput {
                title: title.into(),
                period_kind: "year".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        plans::add_target(
            app,
            &cli,
            plan.id,
            plans::TargetInput {
                title: format!("{title}: overhaul lathes"),
                category: "economic".into(),
                kind: "milestone".into(),
                owner_person_id: (unit == cell).then_some(kim),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        plan_ids.push(plan.id);
    }
    // A decision of the factory to its cells; a bulletin published to them.
    decisions::issue(
        app,
        &cli,
        primary,
        decisions::DecisionInput {
            title: "On the winter repairs".into(),
            body: "Every cell checks its machines.".into(),
            source: "committee_meeting".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let b = bulletins::create(
        app,
        &cli,
        primary,
        bulletins::BulletinInput {
            title: "Factory bulletin No. 1".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    bulletins::add_article(
        app,
        &cli,
        b.id,
        bulletins::ArticleInput {
            heading: "Repairs begin".into(),
            body: "The lathes come first.".into(),
        },
    )
    .await
    .unwrap();
    bulletins::publish(app, &cli, b.id, &[]).await.unwrap();
    // A meeting of the cell Kim is invited to; one of the other cell.
    let today = app.clock.now().date_naive();
    for (unit, title) in [(cell, "Cell meeting on repairs"), (other, "Forge meeting")] {
        let m = meetings::convene(
            app,
            &cli,
            unit,
            meetings::MeetingInput {
                meeting_type: "cell_meeting".into(),
                title: title.into(),
                held_on: (today + chrono::Duration::days(3)).to_string(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        meetings::invite(
            app,
            &cli,
            m.id,
            meetings::InviteInput {
                by: "unit".into(),
                unit_id: Some(unit),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    commendations::confer(
        app,
        &cli,
        primary,
        commendations::CommendationInput {
            person_ids: vec![kim],
            kind: "citation".into(),
            title: "Innovator of the year".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut k = t.login("kim").await;
    let r = k
        .json(
            Method::POST,
            "/api/v1/welfare/cases",
            Some(json!({"type_key": "health", "summary": "Needs new glasses"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);

    // The API.
    let h = k.json(Method::GET, "/api/v1/me/home", None).await.json();
    assert_eq!(h["unit_name"], "Lathe Cell");
    assert_eq!(h["plans"].as_array().unwrap().len(), 1, "{h}");
    assert_eq!(h["plans"][0]["plan"]["title"], "Lathe cell plan");
    assert_eq!(
        h["plans"][0]["targets"][0]["title"],
        "Lathe cell plan: overhaul lathes"
    );
    assert_eq!(h["work"]["targets"].as_array().unwrap().len(), 1);
    assert_eq!(
        h["decisions"][0]["decision"]["title"],
        "On the winter repairs"
    );
    assert_eq!(h["bulletins"][0]["articles"][0]["heading"], "Repairs begin");
    let meetings_seen: Vec<&str> = h["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["meeting"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(meetings_seen, ["Cell meeting on repairs"]);
    assert_eq!(h["commendations"][0]["title"], "Innovator of the year");
    assert_eq!(h["cases"][0]["summary"], "Needs new glasses");
    // The page.
    let page = k.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "Lathe cell plan",
        "overhaul lathes",
        "Cell meeting on repairs",
        "On the winter repairs",
        "Every cell checks its machines.",
        "Factory bulletin No. 1",
        "The lathes come first.",
        "Innovator of the year",
        "Needs new glasses",
    ] {
        assert!(
            page.body.contains(text),
            "{text} missing from the home page"
        );
    }
    for text in ["Forge cell plan", "Forge meeting"] {
        assert!(!page.body.contains(text), "{text} shown to Kim");
    }
    // Park sees their own cell's, not Kim's case nor Kim's commendation.
    let mut p = t.login("park").await;
    let h = p.json(Method::GET, "/api/v1/me/home", None).await.json();
    assert_eq!(h["plans"][0]["plan"]["title"], "Forge cell plan");
    assert_eq!(h["cases"], json!([]));
    assert_eq!(h["commendations"], json!([]));
    let page = p.get("/").await;
    assert!(!page.body.contains("Needs new glasses") && !page.body.contains("Innovator"));
    // An account that is nobody's person has no member home.
    let mut clerk = t.login("clerk").await;
    let r = clerk.json(Method::GET, "/api/v1/me/home", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(clerk.get("/").await.status, StatusCode::OK);

    // The calendar subscription: no cookie, revocable.
    let r = k.json(Method::POST, "/api/v1/me/calendar-feed", None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let url = r.json()["url"].as_str().unwrap().to_string();
    let path = &url[url.find("/calendar/").unwrap()..];
    let mut anonymous = t.client();
    let feed = anonymous.get(path).await;
    assert_eq!(feed.status, StatusCode::OK, "{}", feed.body);
    assert!(feed.body.contains("BEGIN:VCALENDAR") && feed.body.contains("Cell meeting on repairs"));
    assert!(!feed.body.contains("Forge meeting"));
    assert_eq!(
        anonymous.get("/calendar/not-a-secret.ics").await.status,
        StatusCode::NOT_FOUND
    );
    // A new address ends the old one; revoking ends the new one.
    let page = k.post_form("/me/calendar", &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"calendar-url\""));
    assert_eq!(anonymous.get(path).await.status, StatusCode::NOT_FOUND);
    let start = page.body.find("/calendar/").unwrap();
    let end = start + page.body[start..].find(".ics").unwrap() + 4;
    let second = page.body[start..end].to_string();
    assert_eq!(anonymous.get(&second).await.status, StatusCode::OK);
    let r = k
        .json(Method::DELETE, "/api/v1/me/calendar-feed", None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(anonymous.get(&second).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.audit_rows(Some("calendar_feed")).await.len(), 3);
}

#[tokio::test]
async fn the_demo_member_sees_their_plan_meetings_and_case() {
    let t = TestApp::demo().await;
    let mut member = t.login_demo("member").await;
    let h = member
        .json(Method::GET, "/api/v1/me/home", None)
        .await
        .json();
    assert!(!h["plans"].as_array().unwrap().is_empty(), "{h}");
    assert!(!h["meetings"].as_array().unwrap().is_empty());
    assert!(!h["cases"].as_array().unwrap().is_empty());
    let page = member.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"home-cases\""));
    // The cell secretary handles the cell's cases, the primary committee's
    // those that escalated from its cells; the province sees counts.
    let mut cell = t.login_demo("cell").await;
    let handled = cell
        .json(Method::GET, "/api/v1/welfare/cases?of=handled", None)
        .await
        .json();
    assert!(handled.as_array().unwrap().len() >= 2, "{handled}");
    let mut secretary = t.login_demo("secretary").await;
    let handled = secretary
        .json(Method::GET, "/api/v1/welfare/cases?of=handled", None)
        .await
        .json();
    assert!(
        handled
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["escalations"].as_i64() > Some(0)),
        "{handled}"
    );
    let me = secretary.json(Method::GET, "/api/v1/me", None).await.json();
    let primary = me["account"]["home_unit_id"].as_i64().unwrap();
    let s = secretary
        .json(
            Method::GET,
            &format!("/api/v1/units/{primary}/supply"),
            None,
        )
        .await
        .json();
    assert_eq!(s["stock"].as_array().unwrap().len(), 3, "{s}");
    assert!(s["incoming"].as_array().unwrap().len() >= 2, "{s}");
    let mut province = t.login_demo("province").await;
    let me = province.json(Method::GET, "/api/v1/me", None).await.json();
    let home_unit = me["account"]["home_unit_id"].as_i64().unwrap();
    let counts = province
        .json(
            Method::GET,
            &format!("/api/v1/units/{home_unit}/welfare"),
            None,
        )
        .await;
    let c = counts.json();
    assert!(
        c["open"].as_i64() > Some(0) && c["overdue"].as_i64() > Some(0),
        "{c}"
    );
    assert!(!counts.body.contains("roof"));
    t.assert_consistent().await;
}
