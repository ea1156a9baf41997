//! Study assignments end to end: the centre assigns, a primary committee
//! adapts for its cells, people do it by marking, quiz, report or
//! attendance, every level sees counts and only the unit's own secretary
//! sees names; and the counters match a recount after random histories.

use axum::http::{Method, StatusCode};
use chrono::Duration;
use grassroots_core::{Role, ScopeKind};
use grassroots_testkit::TestApp;
use serde_json::{Value, json};

use crate::call_api as api;

/// Root → province → primary → cells A and B; Kim and Lee in cell A,
/// Park in cell B, each with a member account; an administrator, and
/// secretaries of each cell, the primary committee and the province.
struct Org {
    t: TestApp,
    province: i64,
    primary: i64,
    cell_a: i64,
    cell_b: i64,
    kim: i64,
    lee: i64,
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
    t.user(
        "admin",
        Some(Role::Administrator),
        t.root,
        ScopeKind::Subtree,
    )
    .await;
    for (user, unit) in [
        ("sec_a", cell_a),
        ("sec_b", cell_b),
        ("sec_primary", primary),
        ("sec_province", province),
    ] {
        t.user(user, Some(Role::Secretary), unit, ScopeKind::Subtree)
            .await;
    }
    Org {
        t,
        province,
        primary,
        cell_a,
        cell_b,
        kim,
        lee,
    }
}

fn counts(v: &Value, root: i64) -> (i64, i64, i64) {
    let a = v["assignments"]
        .as_array()
        .unwrap_or_else(|| panic!("no assignments: {v}"))
        .iter()
        .find(|a| a["assignment"]["root_id"] == root)
        .unwrap_or_else(|| panic!("assignment {root} not in force: {v}"));
    (
        a["counts"]["assigned"].as_i64().unwrap(),
        a["counts"]["completed"].as_i64().unwrap(),
        a["counts"]["overdue"].as_i64().unwrap(),
    )
}

const QUIZ: &str = "What does a cell review at its meeting?\n- The weather\n* Its plan and its people's work\nWho sets a cell's tasks?\n* The cell meeting\n- Nobody\n";

#[tokio::test]
async fn the_centre_assigns_a_cell_adapts_and_every_level_counts_without_names() {
    let o = org().await;
    let t = &o.t;
    let today = t.app.clock.today();
    let due = (today + Duration::days(10)).to_string();
    let mut admin = t.login("admin").await;
    let (s, skill) = api(
        &mut admin,
        Method::POST,
        "/skills",
        Some(json!({"name": "Lathe safety", "category": "technical"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{skill}");
    let skill = skill["id"].as_i64().unwrap();

    // Bad input names the field; nothing is written.
    for (body, field) in [
        (json!({"title": "", "due_on": due}), "title"),
        (json!({"title": "T", "due_on": "2026-02-30"}), "due_on"),
        (
            json!({"title": "T", "due_on": due, "quiz": "- orphan"}),
            "quiz",
        ),
        (
            json!({"title": "T", "due_on": due, "completion": "quiz"}),
            "quiz",
        ),
        (
            json!({"title": "T", "due_on": due, "completion": "vibes"}),
            "completion",
        ),
        (
            json!({"title": "T", "due_on": due, "levels": ["galaxy"]}),
            "levels",
        ),
        (
            json!({"title": "T", "due_on": due, "grants_skill_id": 999}),
            "grants_skill_id",
        ),
        (
            json!({"title": "T", "due_on": due, "recurrence": "hourly"}),
            "recurrence",
        ),
    ] {
        let (s, v) = api(
            &mut admin,
            Method::POST,
            &format!("/units/{}/study", t.root),
            Some(body),
        )
        .await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{v}"
        );
    }
    let (_, none) = api(
        &mut admin,
        Method::GET,
        &format!("/units/{}/study", t.root),
        None,
    )
    .await;
    assert_eq!(none["assignments"], json!([]));

    // The centre assigns to everyone, by quiz, granting the skill.
    let (s, a) = api(
        &mut admin,
        Method::POST,
        &format!("/units/{}/study", t.root),
        Some(
            json!({"title": "Safety at the lathe", "material": "# Why\nHands off the chuck.",
                    "quiz": QUIZ, "pass_mark": 100, "completion": "quiz",
                    "grants_skill_id": skill, "grants_level": 2, "due_on": due}),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let root = a["id"].as_i64().unwrap();
    assert_eq!(a["root_id"], root);
    for unit in [t.root, o.province, o.primary, o.cell_a] {
        let (_, v) = api(
            &mut admin,
            Method::GET,
            &format!("/units/{unit}/study"),
            None,
        )
        .await;
        let expected = if unit == o.cell_a { 2 } else { 3 };
        assert_eq!(counts(&v, root), (expected, 0, 0), "unit {unit}");
    }

    // The primary committee adapts it for its cells: its own text, done by
    // reporting to the cell's secretary, due no later than the original.
    let mut sec_primary = t.login("sec_primary").await;
    let late = (today + Duration::days(11)).to_string();
    let (s, v) = api(
        &mut sec_primary,
        Method::POST,
        &format!("/study/{root}/adaptations"),
        Some(json!({"unit_id": o.primary, "title": "Lathe safety in our shop", "completion": "reviewer", "due_on": late})),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("due_on")),
        "{v}"
    );
    let (s, adapted) = api(
        &mut sec_primary,
        Method::POST,
        &format!("/study/{root}/adaptations"),
        Some(json!({"unit_id": o.primary, "title": "Lathe safety in our shop", "material": "Read the shop rules.",
                    "completion": "reviewer", "grants_skill_id": skill, "grants_level": 1, "due_on": due})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{adapted}");
    let adapted_id = adapted["id"].as_i64().unwrap();
    assert_eq!(
        (
            adapted["root_id"].as_i64(),
            adapted["adapted_from"].as_i64()
        ),
        (Some(root), Some(root))
    );
    // Once per unit.
    let (s, v) = api(
        &mut sec_primary,
        Method::POST,
        &format!("/study/{root}/adaptations"),
        Some(json!({"unit_id": o.primary, "title": "Again", "due_on": due})),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unit_id")),
        "{v}"
    );
    // The cell secretary of B cannot adapt for cell A.
    let mut sec_b = t.login("sec_b").await;
    let (s, _) = api(
        &mut sec_b,
        Method::POST,
        &format!("/study/{adapted_id}/adaptations"),
        Some(json!({"unit_id": o.cell_a, "title": "Ours", "due_on": due})),
    )
    .await;
    assert!(
        matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{s}"
    );

    // Kim follows the adaptation: reports it, the cell's secretary confirms.
    let mut kim = t.login("kim").await;
    let (_, mine) = api(&mut kim, Method::GET, "/me/study", None).await;
    assert_eq!(mine[0]["assignment"]["id"], adapted_id, "{mine}");
    assert_eq!(mine[0]["completion"], Value::Null);
    let (s, r) = api(
        &mut kim,
        Method::POST,
        &format!("/study/{root}/submission"),
        Some(json!({})),
    )
    .await;
    assert_eq!(
        (s, r["state"].as_str()),
        (StatusCode::OK, Some("submitted")),
        "{r}"
    );
    // Submitted is not completed.
    let (_, v) = api(
        &mut admin,
        Method::GET,
        &format!("/units/{}/study", t.root),
        None,
    )
    .await;
    assert_eq!(counts(&v, root), (3, 0, 0));
    // Only the secretary of the person's own unit sees names and confirms.
    let mut sec_province = t.login("sec_province").await;
    for c in [&mut sec_primary, &mut sec_province, &mut sec_b] {
        let (s, _) = api(
            c,
            Method::GET,
            &format!("/units/{}/study/{root}/roster", o.cell_a),
            None,
        )
        .await;
        assert!(
            matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{s}"
        );
        let (s, _) = api(
            c,
            Method::POST,
            &format!("/study/{root}/confirmations"),
            Some(json!({"person_id": o.kim})),
        )
        .await;
        assert!(
            matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{s}"
        );
    }
    let mut sec_a = t.login("sec_a").await;
    let (s, roster) = api(
        &mut sec_a,
        Method::GET,
        &format!("/units/{}/study/{root}/roster", o.cell_a),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{roster}");
    let names: Vec<(&str, &Value)> = roster
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["full_name"].as_str().unwrap(), &r["state"]))
        .collect();
    assert_eq!(
        names,
        vec![("Kim Chol", &json!("submitted")), ("Lee Sun", &Value::Null)]
    );
    let (s, v) = api(
        &mut sec_a,
        Method::POST,
        &format!("/study/{root}/confirmations"),
        Some(json!({"person_id": o.lee})),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("person_id")),
        "{v}"
    );
    let (s, _) = api(
        &mut sec_a,
        Method::POST,
        &format!("/study/{root}/confirmations"),
        Some(json!({"person_id": o.kim})),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // Counted at every level, once.
    let (s, _) = api(
        &mut sec_a,
        Method::POST,
        &format!("/study/{root}/confirmations"),
        Some(json!({"person_id": o.kim})),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    for (c, unit, expected) in [
        (&mut admin, t.root, (3, 1, 0)),
        (&mut sec_province, o.province, (3, 1, 0)),
        (&mut sec_primary, o.primary, (3, 1, 0)),
        (&mut sec_a, o.cell_a, (2, 1, 0)),
        (&mut sec_b, o.cell_b, (1, 0, 0)),
    ] {
        let (s, v) = api(c, Method::GET, &format!("/units/{unit}/study"), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(counts(&v, root), expected, "unit {unit}");
        if unit != o.cell_a {
            for name in ["Kim", "Lee", "Park"] {
                assert!(!v.to_string().contains(name), "{unit} names {name}: {v}");
            }
        }
    }
    let (_, v) = api(
        &mut sec_primary,
        Method::GET,
        &format!("/units/{}/study", o.primary),
        None,
    )
    .await;
    let below = &v["assignments"][0]["below"];
    assert_eq!(
        below,
        &json!([[o.cell_b, "Forge Cell", {"assigned": 1, "completed": 0, "overdue": 0}], [o.cell_a, "Lathe Cell", {"assigned": 2, "completed": 1, "overdue": 0}]])
    );
    // The skill was granted at the adaptation's level.
    let (_, skills) = api(
        &mut sec_a,
        Method::GET,
        &format!("/people/{}/skills", o.kim),
        None,
    )
    .await;
    assert!(skills.to_string().contains("\"level\":1"), "{skills}");

    // Past the due day, those not done are overdue at every level.
    t.app.clock.advance(Duration::days(11));
    // Sessions lapse over days: sign in again.
    let mut admin = t.login("admin").await;
    let mut kim = t.login("kim").await;
    let (_, v) = api(
        &mut admin,
        Method::GET,
        &format!("/units/{}/study", t.root),
        None,
    )
    .await;
    assert_eq!(counts(&v, root), (3, 1, 2));
    let (_, mine) = api(&mut kim, Method::GET, "/me/study", None).await;
    assert_eq!(mine[0]["overdue"], false);
    let mut lee = t.login("lee").await;
    let (_, mine) = api(&mut lee, Method::GET, "/me/study", None).await;
    assert_eq!(mine[0]["overdue"], true);
    t.assert_consistent().await;
}

#[tokio::test]
async fn a_quiz_must_be_passed_and_a_meeting_records_those_present() {
    let o = org().await;
    let t = &o.t;
    let today = t.app.clock.today();
    let due = (today + Duration::days(30)).to_string();
    let mut sec_a = t.login("sec_a").await;
    // A cell assigns its own people a quiz, every quarter.
    let (s, a) = api(
        &mut sec_a,
        Method::POST,
        &format!("/units/{}/study", o.cell_a),
        Some(json!({"title": "Our tasks", "quiz": QUIZ, "completion": "quiz", "pass_mark": 100, "recurrence": "quarter", "due_on": due})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let root = a["id"].as_i64().unwrap();
    let mut kim = t.login("kim").await;
    let (_, view) = api(&mut kim, Method::GET, &format!("/study/{root}"), None).await;
    assert!(
        !view.to_string().contains("\"answer\""),
        "the quiz shows no answers: {view}"
    );
    assert_eq!(
        view["quiz"][1]["options"],
        json!(["The cell meeting", "Nobody"])
    );
    let (s, r) = api(
        &mut kim,
        Method::POST,
        &format!("/study/{root}/submission"),
        Some(json!({"answers": [1, 1]})),
    )
    .await;
    assert_eq!(
        (s, r["state"].as_str(), r["score"].as_i64()),
        (StatusCode::OK, Some("failed"), Some(50)),
        "{r}"
    );
    let (_, mine) = api(&mut kim, Method::GET, "/me/study", None).await;
    assert_eq!(
        mine[0]["completion"],
        Value::Null,
        "a failed attempt records nothing"
    );
    let (s, r) = api(
        &mut kim,
        Method::POST,
        &format!("/study/{root}/submission"),
        Some(json!({"answers": [1, 0]})),
    )
    .await;
    assert_eq!(
        (s, r["state"].as_str(), r["score"].as_i64()),
        (StatusCode::OK, Some("completed"), Some(100)),
        "{r}"
    );
    // Park, in cell B, is not assigned it and cannot see it.
    let mut park = t.login("park").await;
    let (s, _) = api(&mut park, Method::GET, &format!("/study/{root}"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = api(
        &mut park,
        Method::POST,
        &format!("/study/{root}/submission"),
        Some(json!({})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Done at a meeting: those marked present.
    let (s, b) = api(
        &mut sec_a,
        Method::POST,
        &format!("/units/{}/study", o.cell_a),
        Some(
            json!({"title": "Read the decision together", "completion": "meeting", "due_on": due}),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let meeting_root = b["id"].as_i64().unwrap();
    let (s, r) = api(
        &mut kim,
        Method::POST,
        &format!("/study/{meeting_root}/submission"),
        Some(json!({})),
    )
    .await;
    assert_eq!(
        (s, r["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("assignment")),
        "{r}"
    );
    let (s, m) = api(
        &mut sec_a,
        Method::POST,
        &format!("/units/{}/meetings", o.cell_a),
        Some(json!({"meeting_type": "cell_meeting", "title": "Cell meeting", "held_on": today.to_string()})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    let m = m["id"].as_i64().unwrap();
    let (s, v) = api(
        &mut sec_a,
        Method::POST,
        &format!("/meetings/{m}/participants"),
        Some(json!({"by": "unit", "unit_id": o.cell_a})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = api(
        &mut sec_a,
        Method::PUT,
        &format!("/meetings/{m}/attendance"),
        Some(json!([{"person_id": o.kim, "attendance": "present"}, {"person_id": o.lee, "attendance": "absent"}])),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // A meeting records only what is done at a meeting: not the quiz.
    let (s, v) = api(
        &mut sec_a,
        Method::POST,
        &format!("/units/{}/study/{root}/meeting", o.cell_a),
        Some(json!({"meeting_id": m})),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("meeting_id")),
        "{v}"
    );
    let mut sec_b = t.login("sec_b").await;
    let (s, _) = api(
        &mut sec_b,
        Method::POST,
        &format!("/units/{}/study/{meeting_root}/meeting", o.cell_a),
        Some(json!({"meeting_id": m})),
    )
    .await;
    assert!(
        matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{s}"
    );
    let (s, v) = api(
        &mut sec_a,
        Method::POST,
        &format!("/units/{}/study/{meeting_root}/meeting", o.cell_a),
        Some(json!({"meeting_id": m})),
    )
    .await;
    assert_eq!(
        (s, v["completed"].as_i64()),
        (StatusCode::OK, Some(1)),
        "{v}"
    );
    let (_, v) = api(
        &mut sec_a,
        Method::POST,
        &format!("/units/{}/study/{meeting_root}/meeting", o.cell_a),
        Some(json!({"meeting_id": m})),
    )
    .await;
    assert_eq!(v["completed"], 0, "recorded once");
    let (_, v) = api(
        &mut sec_a,
        Method::GET,
        &format!("/units/{}/study", o.cell_a),
        None,
    )
    .await;
    assert_eq!(counts(&v, meeting_root), (2, 1, 0));
    assert_eq!(counts(&v, root), (2, 1, 0));

    // Next quarter the quiz is due again, and last quarter's miss shows.
    t.app.clock.advance(Duration::days(92));
    let mut sec_a = t.login("sec_a").await;
    let (_, v) = api(
        &mut sec_a,
        Method::GET,
        &format!("/units/{}/study", o.cell_a),
        None,
    )
    .await;
    assert_eq!(counts(&v, root), (2, 0, 1));
    t.assert_consistent().await;
}

#[tokio::test]
async fn narrowed_assignments_reach_only_their_people_and_latecomers_are_enrolled_by_the_job() {
    let o = org().await;
    let t = &o.t;
    let due = (t.app.clock.today() + Duration::days(30)).to_string();
    let mut admin = t.login("admin").await;
    let (_, skill) = api(
        &mut admin,
        Method::POST,
        "/skills",
        Some(json!({"name": "Welding", "category": "technical"})),
    )
    .await;
    let skill = skill["id"].as_i64().unwrap();
    // Kim welds already at level 3.
    let (s, v) = api(
        &mut admin,
        Method::PUT,
        &format!("/people/{}/skills/{skill}", o.kim),
        Some(json!({"level": 3})),
    )
    .await;
    assert!(s.is_success(), "{v}");
    let (_, a) = api(
        &mut admin,
        Method::POST,
        &format!("/units/{}/study", t.root),
        Some(json!({"title": "Welding basics", "lacking_skill_id": skill, "lacking_level": 2, "levels": ["cell"], "due_on": due})),
    )
    .await;
    let root = a["id"].as_i64().unwrap();
    let (_, v) = api(
        &mut admin,
        Method::GET,
        &format!("/units/{}/study", t.root),
        None,
    )
    .await;
    assert_eq!(
        counts(&v, root),
        (2, 0, 0),
        "Lee and Park lack it; Kim has it"
    );
    // Someone joins cell B: the job enrols them.
    t.person(o.cell_b, "Choe Min", "member").await;
    t.person(o.primary, "Han Il", "member").await; // not a cell
    let ran = grassroots_app::jobs::run_due(&t.app, grassroots_app::registry::JOBS, "test")
        .await
        .unwrap();
    assert!(
        ran.iter()
            .any(|r| r.name == "study.enrol" && r.outcome.is_ok())
    );
    let (_, v) = api(
        &mut admin,
        Method::GET,
        &format!("/units/{}/study", t.root),
        None,
    )
    .await;
    assert_eq!(counts(&v, root), (3, 0, 0));
    // A cell merged into its sibling takes its enrolments along.
    grassroots_app::units::merge(&t.app, &t.cli(), o.cell_b, o.cell_a)
        .await
        .unwrap();
    let (_, v) = api(
        &mut admin,
        Method::GET,
        &format!("/units/{}/study", o.cell_a),
        None,
    )
    .await;
    assert_eq!(counts(&v, root), (3, 0, 0));
    t.assert_consistent().await;
}

/// Moves a person to another unit, as an acknowledged transfer does.
async fn relocate(t: &TestApp, person: i64, to: i64) {
    let mut tx = t.app.db.begin().await.unwrap();
    grassroots_store::people::relocate(&mut tx, person, to, "test", t.app.clock.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Asserts a unit's counts of `root`: (assigned, completed, overdue).
async fn assert_counts(
    c: &mut grassroots_testkit::TestClient,
    root: i64,
    unit: i64,
    expected: (i64, i64, i64),
) {
    assert_eq!(
        counts(&study_at(c, unit).await, root),
        expected,
        "unit {unit}"
    );
}

/// A unit's study counts as its page's API gives them.
async fn study_at(c: &mut grassroots_testkit::TestClient, unit: i64) -> Value {
    api(c, Method::GET, &format!("/units/{unit}/study"), None)
        .await
        .1
}

/// A transfer moves an open enrolment with its counts inside the
/// assigning unit's subtree, removes it when the person leaves the
/// subtree or the organization, and enrols a person who comes in (with
/// the completions of an earlier enrolment); a finished assignment keeps
/// its counts where the work was done.
#[tokio::test]
async fn transfers_and_leaving_move_enrolments_and_their_counts() {
    let o = org().await;
    let t = &o.t;
    let today = t.app.clock.today();
    let mut admin = t.login("admin").await;
    let assign = |title: &str, days: i64| {
        json!({"title": title, "completion": "self",
               "due_on": (today + Duration::days(days)).to_string()})
    };
    let (_, a) = api(
        &mut admin,
        Method::POST,
        &format!("/units/{}/study", o.primary),
        Some(assign("Factory safety", 30)),
    )
    .await;
    let root = a["id"].as_i64().unwrap();
    let (_, short) = api(
        &mut admin,
        Method::POST,
        &format!("/units/{}/study", o.primary),
        Some(assign("This week's reading", 3)),
    )
    .await;
    let short = short["id"].as_i64().unwrap();
    let mut kim = t.login("kim").await;
    for r in [root, short] {
        let (s, v) = api(
            &mut kim,
            Method::POST,
            &format!("/study/{r}/submission"),
            Some(json!({})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    assert_counts(&mut admin, root, o.cell_a, (2, 1, 0)).await;
    assert_counts(&mut admin, root, o.cell_b, (1, 0, 0)).await;

    // Within the subtree: Kim's enrolment and completion go to cell B.
    let relocate = |person: i64, to: i64| relocate(t, person, to);
    relocate(o.kim, o.cell_b).await;
    assert_counts(&mut admin, root, o.cell_a, (1, 0, 0)).await;
    assert_counts(&mut admin, root, o.cell_b, (2, 1, 0)).await;
    assert_counts(&mut admin, root, o.primary, (3, 1, 0)).await;
    t.assert_consistent().await;

    // Out of the subtree: no longer assigned there.
    let coal_mine = t.unit("Coal Mine", "primary_committee", o.province).await;
    let elsewhere = t.unit("Mine Cell", "cell", coal_mine).await;
    relocate(o.kim, elsewhere).await;
    assert_counts(&mut admin, root, o.primary, (2, 0, 0)).await;
    let (_, mine) = api(&mut kim, Method::GET, "/me/study", None).await;
    assert!(
        !mine.to_string().contains("Factory safety"),
        "not Kim's task any more: {mine}"
    );
    t.assert_consistent().await;

    // Someone comes in: enrolled at once; Kim comes back with the
    // completion made before.
    let newcomer = t.person(elsewhere, "Ri Ok", "member").await;
    relocate(newcomer, o.cell_a).await;
    relocate(o.kim, o.cell_a).await;
    assert_counts(&mut admin, root, o.cell_a, (3, 1, 0)).await;
    assert_counts(&mut admin, root, o.primary, (4, 1, 0)).await;
    t.assert_consistent().await;

    // Leaving the organization ends the enrolment; rejoining restores it.
    grassroots_app::people::set_status(&t.app, &t.cli(), o.lee, "left")
        .await
        .unwrap();
    assert_counts(&mut admin, root, o.cell_a, (2, 1, 0)).await;
    grassroots_app::people::set_status(&t.app, &t.cli(), o.lee, "member")
        .await
        .unwrap();
    assert_counts(&mut admin, root, o.cell_a, (3, 1, 0)).await;
    t.assert_consistent().await;

    // Once the short assignment has ended, a transfer leaves its counts
    // with the cell where it was done.
    t.app.clock.advance(Duration::days(5));
    relocate(o.kim, o.cell_b).await;
    let mut c = t.app.db.conn().await.unwrap();
    let read = t.cli().principal.scope::<grassroots_core::Read>();
    let done = grassroots_store::study::done_metric(short, "once");
    let of = |counters: std::collections::BTreeMap<String, (i64, i64)>| {
        counters.get(&done).map_or(0, |c| c.1)
    };
    let cell_a = grassroots_store::aggregates::of_unit(&mut c, &read, o.cell_a)
        .await
        .unwrap();
    let cell_b = grassroots_store::aggregates::of_unit(&mut c, &read, o.cell_b)
        .await
        .unwrap();
    drop(c);
    assert_eq!(
        (of(cell_a), of(cell_b)),
        (1, 0),
        "the ended task's completion stays with cell A"
    );
    t.assert_consistent().await;

    // A cell moved into the primary committee brings its people into the
    // task; merged away into a cell outside, they leave it.
    let mut admin = t.login("admin").await;
    assert_counts(&mut admin, root, o.primary, (4, 1, 0)).await;
    let pit = t.unit("Pit Cell", "cell", coal_mine).await;
    t.person(pit, "Ho Nam", "member").await;
    grassroots_app::units::move_unit(&t.app, &t.cli(), pit, o.primary)
        .await
        .unwrap();
    assert_counts(&mut admin, root, o.primary, (5, 1, 0)).await;
    grassroots_app::units::merge(&t.app, &t.cli(), pit, elsewhere)
        .await
        .unwrap();
    assert_counts(&mut admin, root, o.primary, (4, 1, 0)).await;
    t.assert_consistent().await;
}

/// The audience is asked again when a person moves or their positions
/// change: an enrolment of a task for cells ends when its person moves
/// to a committee and resumes, with its completion, when they come back
/// to a cell; a task for holders of a position reaches a person appointed
/// after it was assigned and leaves them when the term ends.
#[tokio::test]
async fn enrolments_follow_the_audience_when_people_move_or_change_positions() {
    let o = org().await;
    let t = &o.t;
    let due = (t.app.clock.today() + Duration::days(30)).to_string();
    let mut admin = t.login("admin").await;
    let (s, a) = api(
        &mut admin,
        Method::POST,
        &format!("/units/{}/study", o.primary),
        Some(json!({"title": "Cell reading", "levels": ["cell"], "due_on": due})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let cells_only = a["id"].as_i64().unwrap();
    let mut kim = t.login("kim").await;
    let (s, v) = api(
        &mut kim,
        Method::POST,
        &format!("/study/{cells_only}/submission"),
        Some(json!({})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_counts(&mut admin, cells_only, o.primary, (3, 1, 0)).await;
    let relocate = |person: i64, to: i64| relocate(t, person, to);
    // To the primary committee itself: not a cell, so not Kim's task.
    relocate(o.kim, o.primary).await;
    assert_counts(&mut admin, cells_only, o.primary, (2, 0, 0)).await;
    let (_, mine) = api(&mut kim, Method::GET, "/me/study", None).await;
    assert!(
        !mine.to_string().contains("Cell reading"),
        "not Kim's task at the committee: {mine}"
    );
    t.assert_consistent().await;
    // Back in a cell: the same enrolment, with its completion.
    relocate(o.kim, o.cell_b).await;
    assert_counts(&mut admin, cells_only, o.cell_b, (2, 1, 0)).await;
    assert_counts(&mut admin, cells_only, o.primary, (3, 1, 0)).await;
    t.assert_consistent().await;

    let (_, types) = api(&mut admin, Method::GET, "/position-types", None).await;
    let member_type = types
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "committee_member")
        .unwrap_or_else(|| panic!("no committee_member: {types}"))["id"]
        .as_i64()
        .unwrap();
    let (s, a) = api(
        &mut admin,
        Method::POST,
        &format!("/units/{}/study", o.primary),
        Some(json!({"title": "Committee duties", "position_type_id": member_type, "due_on": due})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let holders = a["id"].as_i64().unwrap();
    assert_counts(&mut admin, holders, o.primary, (0, 0, 0)).await;
    let (s, pos) = api(
        &mut admin,
        Method::POST,
        &format!("/units/{}/positions", o.primary),
        Some(json!({"position_type": "committee_member", "person_id": o.lee})),
    )
    .await;
    assert!(s.is_success(), "{pos}");
    assert_counts(&mut admin, holders, o.cell_a, (1, 0, 0)).await;
    assert_counts(&mut admin, holders, o.primary, (1, 0, 0)).await;
    t.assert_consistent().await;
    let (s, v) = api(
        &mut admin,
        Method::POST,
        &format!("/positions/{}/end", pos["id"]),
        Some(json!({})),
    )
    .await;
    assert!(s.is_success(), "{v}");
    assert_counts(&mut admin, holders, o.primary, (0, 0, 0)).await;
    t.assert_consistent().await;

    // A technical head of cell B, for a task for technical heads: the
    // seat ends when cell B is merged into cell A, and so does the task.
    let head_type = types
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "technical_head")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (s, a) = api(
        &mut admin,
        Method::POST,
        &format!("/units/{}/study", o.primary),
        Some(json!({"title": "Heads' duties", "position_type_id": head_type, "due_on": due})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let heads = a["id"].as_i64().unwrap();
    let (s, pos) = api(
        &mut admin,
        Method::POST,
        &format!("/units/{}/positions", o.cell_b),
        Some(json!({"position_type": "technical_head", "person_id": o.kim})),
    )
    .await;
    assert!(s.is_success(), "{pos}");
    assert_counts(&mut admin, heads, o.primary, (1, 0, 0)).await;
    grassroots_app::units::merge(&t.app, &t.cli(), o.cell_b, o.cell_a)
        .await
        .unwrap();
    assert_counts(&mut admin, heads, o.primary, (0, 0, 0)).await;
    t.assert_consistent().await;

    // Cell A becomes a primary committee of its own: its people leave
    // the task for cells; back to a cell, they resume it.
    assert_counts(&mut admin, cells_only, o.primary, (3, 1, 0)).await;
    let set_level = |level: &'static str| async move {
        let mut tx = t.app.db.begin().await.unwrap();
        let scope = t.cli().principal.scope::<grassroots_core::Manage>();
        grassroots_store::units::set_level(
            &mut tx,
            &scope,
            o.cell_a,
            level,
            t.app.clock.now(),
            grassroots_store::units::Placement::Deferred,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    };
    set_level("primary_committee").await;
    assert_counts(&mut admin, cells_only, o.primary, (0, 0, 0)).await;
    t.assert_consistent().await;
    set_level("cell").await;
    assert_counts(&mut admin, cells_only, o.primary, (3, 1, 0)).await;
    t.assert_consistent().await;
}

/// Random histories (assignments, adaptations, completions, people
/// joining, time passing) leave counters equal to a recount, on each
/// engine.
#[tokio::test]
async fn counters_match_a_recount_after_random_histories() {
    let o = org().await;
    let t = &o.t;
    let mut rng = crate::welfare::Lcg(22);
    let mut pick = |n: usize| rng.below(n as u64) as usize;
    let units = [t.root, o.province, o.primary, o.cell_a, o.cell_b];
    let mut roots: Vec<i64> = Vec::new();
    let mut admin = t.login("admin").await;
    let mut people = vec!["kim", "lee", "park"];
    let mut n = 0;
    for step in 0..40 {
        match pick(6) {
            0 | 1 => {
                let unit = units[pick(units.len())];
                let recurrence = ["once", "month", "quarter"][pick(3)];
                let completion = ["self", "reviewer"][pick(2)];
                let due = (t.app.clock.today() + Duration::days(pick(60) as i64)).to_string();
                let (s, a) = api(&mut admin, Method::POST, &format!("/units/{unit}/study"), Some(json!({"title": format!("Study {step}"), "completion": completion, "recurrence": recurrence, "due_on": due}))).await;
                assert_eq!(s, StatusCode::CREATED, "{a}");
                roots.push(a["id"].as_i64().unwrap());
            }
            2 if !roots.is_empty() => {
                let root = roots[pick(roots.len())];
                let unit = [o.primary, o.cell_a, o.cell_b][pick(3)];
                let (_, v) = api(&mut admin, Method::GET, &format!("/study/{root}"), None).await;
                let due = v["assignment"]["due_on"].as_str().unwrap().to_string();
                let _ = api(&mut admin, Method::POST, &format!("/study/{root}/adaptations"), Some(json!({"unit_id": unit, "title": "Adapted", "completion": "self", "due_on": due}))).await;
            }
            3 if !roots.is_empty() => {
                let who = people[pick(people.len())];
                let root = roots[pick(roots.len())];
                let mut c = t.login(who).await;
                let _ = api(
                    &mut c,
                    Method::POST,
                    &format!("/study/{root}/submission"),
                    Some(json!({})),
                )
                .await;
            }
            4 if !roots.is_empty() => {
                let root = roots[pick(roots.len())];
                for (sec, person) in [("sec_a", o.kim), ("sec_a", o.lee)] {
                    let mut c = t.login(sec).await;
                    let _ = api(
                        &mut c,
                        Method::POST,
                        &format!("/study/{root}/confirmations"),
                        Some(json!({"person_id": person})),
                    )
                    .await;
                }
            }
            _ => {
                n += 1;
                let cell = [o.cell_a, o.cell_b][pick(2)];
                t.person(cell, &format!("Newcomer {n}"), "member").await;
                grassroots_app::jobs::run_due(&t.app, grassroots_app::registry::JOBS, "test")
                    .await
                    .unwrap();
                t.app.clock.advance(Duration::days(pick(20) as i64));
                admin = t.login("admin").await;
                if people.len() < 4 {
                    people.push("park");
                }
            }
        }
    }
    t.assert_consistent().await;
}

/// The pages: a secretary assigns from the unit's study page (a bad quiz
/// names its line), a member reads and does it from home, the cell's
/// secretary sees the names and the primary committee the counts only.
#[tokio::test]
async fn pages_assign_do_and_count() {
    let o = org().await;
    let t = &o.t;
    let due = (t.app.clock.today() + Duration::days(7)).to_string();
    let mut sec_primary = t.login("sec_primary").await;
    let page = sec_primary
        .page(&format!("/units/{}/study", o.primary))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"study-assign-submit\""));
    let r = sec_primary
        .post_form(
            &format!("/units/{}/study", o.primary),
            &[
                ("title", "Cell tasks"),
                ("quiz", "Q?\n- a\n- b"),
                ("completion", "quiz"),
                ("due_on", &due),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("question 1: mark the right answer with *"),
        "{}",
        r.body
    );
    let r = sec_primary
        .post_form(
            &format!("/units/{}/study", o.primary),
            &[
                ("title", "Cell tasks"),
                ("material", "# Tasks\nEvery cell keeps its plan."),
                ("quiz", "Who keeps the plan?\n* The cell\n- Nobody"),
                ("completion", "quiz"),
                ("levels", "cell"),
                ("due_on", &due),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let mut kim = t.login("kim").await;
    let home = kim.page("/").await;
    assert!(home.body.contains("Cell tasks"), "{}", home.body);
    let (_, mine) = api(&mut kim, Method::GET, "/me/study", None).await;
    let id = mine[0]["assignment"]["id"].as_i64().unwrap();
    let page = kim.page(&format!("/study/{id}")).await;
    assert!(
        page.body.contains("<h1>Tasks</h1>") || page.body.contains(">Tasks</h1>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("name=\"q0\""));
    let r = kim
        .post_form(&format!("/study/{id}/submit"), &[("q0", "1")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"study-failed\""), "{}", r.body);
    let r = kim
        .post_form(&format!("/study/{id}/submit"), &[("q0", "0")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = kim.page(&format!("/study/{id}")).await;
    assert!(page.body.contains("study-state-completed"), "{}", page.body);

    let mut sec_a = t.login("sec_a").await;
    let page = sec_a.page(&format!("/units/{}/study", o.cell_a)).await;
    assert!(
        page.body.contains("Kim Chol") && page.body.contains("Lee Sun"),
        "{}",
        page.body
    );
    // The cell's secretary, who takes the quiz too, adapts it without
    // seeing its answers, keeping it as assigned.
    assert!(page.body.contains("name=\"keep_quiz\""), "{}", page.body);
    assert!(
        !page.body.contains("* The cell"),
        "the adapt form shows no answers: {}",
        page.body
    );
    let (s, v) = api(
        &mut sec_a,
        Method::POST,
        &format!("/units/{}/study", o.cell_a),
        Some(json!({"title": "Ours", "keep_quiz": true, "due_on": due})),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("keep_quiz")),
        "only an adaptation keeps a quiz: {v}"
    );
    let (s, v) = api(
        &mut sec_a,
        Method::POST,
        &format!("/study/{id}/adaptations"),
        Some(json!({"unit_id": o.cell_a, "title": "Ours", "keep_quiz": true, "quiz": "Q?\n* a\n- b", "completion": "quiz", "due_on": due})),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("quiz")),
        "keep the quiz or write one: {v}"
    );
    let r = sec_a
        .post_form(
            &format!("/units/{}/study/{id}/adapt", o.cell_a),
            &[
                ("title", "Cell tasks, Lathe Cell"),
                ("keep_quiz", "on"),
                ("quiz", ""),
                ("completion", "quiz"),
                ("pass_mark", "100"),
                ("due_on", &due),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut lee = t.login("lee").await;
    let (_, mine) = api(&mut lee, Method::GET, "/me/study", None).await;
    assert_eq!(
        mine[0]["assignment"]["title"], "Cell tasks, Lathe Cell",
        "{mine}"
    );
    let adapted = mine[0]["assignment"]["id"].as_i64().unwrap();
    let (s, r) = api(
        &mut lee,
        Method::POST,
        &format!("/study/{adapted}/submission"),
        Some(json!({"answers": [0]})),
    )
    .await;
    assert_eq!(
        (s, r["state"].as_str()),
        (StatusCode::OK, Some("completed")),
        "the kept quiz keeps its answers: {r}"
    );
    let page = sec_primary
        .page(&format!("/units/{}/study", o.primary))
        .await;
    assert!(page.body.contains("2 of 3 completed"), "{}", page.body);
    assert!(
        !page.body.contains("Kim Chol"),
        "the committee above sees counts only"
    );
    let section = sec_primary
        .page(&format!("/units/{}/sections/study", o.primary))
        .await;
    assert!(
        section.body.contains("2 of 3 completed"),
        "{}",
        section.body
    );
}

/// A primary committee opens a learning centre, plans sessions and records
/// how many attended once held; the province counts centres, sessions and
/// attendance; a sibling cannot touch it; a closed centre plans nothing.
#[tokio::test]
async fn learning_centres_count_sessions_and_attendance_upward() {
    let o = org().await;
    let t = &o.t;
    let today = t.app.clock.today();
    let mut sec_primary = t.login("sec_primary").await;
    let path = format!("/units/{}/learning-centres", o.primary);
    let (s, v) = api(
        &mut sec_primary,
        Method::POST,
        &path,
        Some(json!({"name": " "})),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("name")),
        "{v}"
    );
    let (s, centre) = api(
        &mut sec_primary,
        Method::POST,
        &path,
        Some(json!({"name": "Sci-tech learning room", "place": "Club house, 2nd floor", "schedule": "Tuesdays 18:00"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{centre}");
    let centre = centre["id"].as_i64().unwrap();
    let sessions = format!("/learning-centres/{centre}/sessions");
    for (body, field) in [
        (json!({"held_on": "2026-02-30", "topic": "CNC"}), "held_on"),
        (
            json!({"held_on": today.to_string(), "starts_at": "25:00", "topic": "CNC"}),
            "starts_at",
        ),
        (json!({"held_on": today.to_string(), "topic": ""}), "topic"),
    ] {
        let (s, v) = api(&mut sec_primary, Method::POST, &sessions, Some(body)).await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{v}"
        );
    }
    let (_, held) = api(
        &mut sec_primary,
        Method::POST,
        &sessions,
        Some(json!({"held_on": (today - Duration::days(1)).to_string(), "starts_at": "18:00", "topic": "Programming the CNC lathe"})),
    )
    .await;
    let (_, coming) = api(
        &mut sec_primary,
        Method::POST,
        &sessions,
        Some(json!({"held_on": (today + Duration::days(6)).to_string(), "topic": "Reading drawings"})),
    )
    .await;
    let (held, coming) = (held["id"].as_i64().unwrap(), coming["id"].as_i64().unwrap());
    let (s, v) = api(
        &mut sec_primary,
        Method::PUT,
        &format!("/learning-sessions/{coming}/attendance"),
        Some(json!({"attendance": 5})),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("attendance")),
        "{v}"
    );
    // A sibling's secretary can neither plan nor record.
    let mut sec_b = t.login("sec_b").await;
    let (s, _) = api(
        &mut sec_b,
        Method::PUT,
        &format!("/learning-sessions/{held}/attendance"),
        Some(json!({"attendance": 99})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = api(
        &mut sec_b,
        Method::POST,
        &sessions,
        Some(json!({"held_on": today.to_string(), "topic": "X"})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = api(
        &mut sec_b,
        Method::GET,
        &format!("/learning-centres/{centre}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Recorded, then corrected: counted once, with the corrected number.
    for n in [12, 14] {
        let (s, v) = api(
            &mut sec_primary,
            Method::PUT,
            &format!("/learning-sessions/{held}/attendance"),
            Some(json!({"attendance": n})),
        )
        .await;
        assert_eq!(
            (s, v["attendance"].as_i64()),
            (StatusCode::OK, Some(n)),
            "{v}"
        );
    }
    let mut sec_province = t.login("sec_province").await;
    let (_, v) = api(
        &mut sec_province,
        Method::GET,
        &format!("/units/{}/learning-centres", o.province),
        None,
    )
    .await;
    assert_eq!(
        (
            v["centres_open"].as_i64(),
            v["sessions_held"].as_i64(),
            v["attendance"].as_i64()
        ),
        (Some(1), Some(1), Some(14)),
        "{v}"
    );
    let (_, view) = api(
        &mut sec_province,
        Method::GET,
        &format!("/learning-centres/{centre}"),
        None,
    )
    .await;
    assert_eq!(view["sessions"][1]["attendance"], 14, "{view}");
    assert_eq!(
        view["sessions"][0]["attendance"],
        Value::Null,
        "not recorded is not zero"
    );
    // The page shows it; "not recorded" rather than 0.
    let page = sec_primary
        .page(&format!("/learning-centres/{centre}"))
        .await;
    assert!(
        page.body.contains("14 attended") && page.body.contains("attendance not recorded"),
        "{}",
        page.body
    );
    let page = sec_province
        .page(&format!("/units/{}/study", o.primary))
        .await;
    assert!(
        page.body.contains("Sci-tech learning room"),
        "{}",
        page.body
    );
    // Closed: no longer counted open, and plans nothing more.
    let (s, _) = api(
        &mut sec_primary,
        Method::POST,
        &format!("/learning-centres/{centre}/close"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = api(
        &mut sec_primary,
        Method::POST,
        &sessions,
        Some(json!({"held_on": today.to_string(), "topic": "Late"})),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("centre")),
        "{v}"
    );
    let (_, v) = api(
        &mut sec_province,
        Method::GET,
        &format!("/units/{}/learning-centres", o.province),
        None,
    )
    .await;
    assert_eq!(
        (v["centres_open"].as_i64(), v["attendance"].as_i64()),
        (Some(0), Some(14))
    );
    // A cell's room closes with the cell; its sessions stay counted.
    let (s, room) = api(
        &mut sec_primary,
        Method::POST,
        &format!("/units/{}/learning-centres", o.cell_b),
        Some(json!({"name": "Forge corner"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{room}");
    let count_open = |v: &Value| v["centres_open"].as_i64();
    let (_, v) = api(
        &mut sec_province,
        Method::GET,
        &format!("/units/{}/learning-centres", o.province),
        None,
    )
    .await;
    assert_eq!(count_open(&v), Some(1));
    grassroots_app::units::merge(&t.app, &t.cli(), o.cell_b, o.cell_a)
        .await
        .unwrap();
    let (_, v) = api(
        &mut sec_province,
        Method::GET,
        &format!("/units/{}/learning-centres", o.province),
        None,
    )
    .await;
    assert_eq!(
        (count_open(&v), v["attendance"].as_i64()),
        (Some(0), Some(14))
    );
    t.assert_consistent().await;
}
