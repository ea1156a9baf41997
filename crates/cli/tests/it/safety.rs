//! Safety end to end: hazards banded on the matrix at its thresholds, a
//! high residual risk refused without its corrective action, actions
//! closed only when verified and reopened when they did not work, an
//! incident closed only once investigated with every action verified, late
//! actions escalated up the tree exactly once per step with two servers,
//! late investigations marked at their boundary, and the counters equal to
//! a recount after random histories.

use axum::http::{Method, StatusCode};
use chrono::{Datelike, Duration};
use grassroots_core::{Role, ScopeKind};
use grassroots_testkit::{TestApp, TestClient};
use serde_json::{Value, json};

/// Root → province → coal mine (primary) → two cells; the mine's
/// secretary (manages), its safety officer (staff: edits, cannot verify).
struct Mine {
    t: TestApp,
    province: i64,
    mine: i64,
    cell: i64,
}

async fn mine() -> Mine {
    let t = TestApp::new().await;
    let province = t
        .unit("South Hamgyong Province", "provincial_committee", t.root)
        .await;
    let mine = t.unit("Komdok Mine", "primary_committee", province).await;
    let cell = t.unit("Shaft 3 Cell", "cell", mine).await;
    t.unit("Shaft 4 Cell", "cell", mine).await;
    t.user("mine_sec", Some(Role::Secretary), mine, ScopeKind::Subtree)
        .await;
    t.user("officer", Some(Role::Staff), mine, ScopeKind::Subtree)
        .await;
    t.user(
        "prov_sec",
        Some(Role::Secretary),
        province,
        ScopeKind::Subtree,
    )
    .await;
    Mine {
        t,
        province,
        mine,
        cell,
    }
}

async fn post(c: &mut TestClient, path: &str, body: Value) -> Value {
    let r = c.json(Method::POST, path, Some(body)).await;
    assert!(r.status.is_success(), "{path}: {} {}", r.status, r.body);
    r.json()
}

async fn counts(c: &mut TestClient, unit: i64) -> Value {
    let r = c
        .json(Method::GET, &format!("/api/v1/units/{unit}/safety"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

fn band(counts: &Value, band: &str) -> i64 {
    counts["hazards_by_band"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b[0] == band)
        .unwrap()[1]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn hazards_are_banded_at_the_thresholds_and_high_ones_need_an_action() {
    let m = mine().await;
    let t = &m.t;
    let mut officer = t.login("officer").await;
    let due = (t.app.clock.today() + Duration::days(14)).to_string();
    let hazard = |title: &str, il: i64, is: i64, rl: i64, rs: i64| {
        json!({"title": title, "location": "Shaft 3",
               "inherent_likelihood": il, "inherent_severity": is,
               "residual_likelihood": rl, "residual_severity": rs,
               "controls": [{"level": "protective_equipment", "description": "Self-rescuers"},
                            {"level": "engineering", "description": "Methane drainage"}]})
    };
    // 3 × 3 = 9 is moderate: no action needed.
    let v = post(
        &mut officer,
        &format!("/api/v1/units/{}/hazards", m.cell),
        hazard("Roof fall", 4, 5, 3, 3),
    )
    .await;
    assert_eq!(v["hazard"]["inherent_band"], "critical");
    assert_eq!(v["hazard"]["residual_band"], "moderate");
    let controls: Vec<&str> = v["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["level"].as_str().unwrap())
        .collect();
    assert_eq!(
        controls,
        ["engineering", "protective_equipment"],
        "hierarchy order"
    );
    // 2 × 5 = 10 is high: refused without its action, naming the field.
    let r = officer
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/hazards", m.cell),
            Some(hazard("Methane", 5, 5, 2, 5)),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "action_title");
    let mut with_action = hazard("Methane", 5, 5, 2, 5);
    with_action["action"] = json!({"title": "Second drainage borehole", "due_on": due});
    let methane = post(
        &mut officer,
        &format!("/api/v1/units/{}/hazards", m.cell),
        with_action,
    )
    .await;
    assert_eq!(methane["hazard"]["residual_band"], "high");
    assert_eq!(methane["actions"][0]["title"], "Second drainage borehole");
    // Out of the matrix.
    let r = officer
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/hazards", m.cell),
            Some(hazard("Dust", 6, 1, 1, 1)),
        )
        .await;
    assert_eq!(r.json()["field"], "inherent_likelihood");
    // Counts at the cell, the mine and the province: by residual band.
    let mut prov = t.login("prov_sec").await;
    for unit in [m.cell, m.mine, m.province] {
        let c = counts(&mut prov, unit).await;
        assert_eq!(c["hazards_open"], 2, "{c}");
        assert_eq!((band(&c, "moderate"), band(&c, "high")), (1, 1));
        assert_eq!(c["actions_open"], 1);
    }
    // Re-rated low once the borehole works; a high re-rating needs an
    // action only when none is open.
    let id = methane["hazard"]["id"].as_i64().unwrap();
    let v = post(
        &mut officer,
        &format!("/api/v1/hazards/{id}/changes"),
        json!({"change": "rerate", "residual_likelihood": 1, "residual_severity": 4}),
    )
    .await;
    assert_eq!(v["hazard"]["residual_band"], "low");
    let c = counts(&mut prov, m.province).await;
    assert_eq!((band(&c, "low"), band(&c, "high")), (1, 0));
    post(
        &mut officer,
        &format!("/api/v1/hazards/{id}/changes"),
        json!({"change": "close"}),
    )
    .await;
    assert_eq!(counts(&mut prov, m.province).await["hazards_open"], 1);
    // The page shows it.
    let page = officer.page(&format!("/hazards/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Second drainage borehole"));
    let section = officer
        .page(&format!("/units/{}/sections/safety", m.cell))
        .await;
    assert!(section.body.contains("Roof fall"), "{}", section.body);
    t.assert_consistent().await;
}

#[tokio::test]
async fn actions_close_only_when_verified_and_reopen_when_ineffective() {
    let m = mine().await;
    let t = &m.t;
    let mut officer = t.login("officer").await;
    let mut sec = t.login("mine_sec").await;
    let due = (t.app.clock.today() + Duration::days(3)).to_string();
    let incident = post(
        &mut officer,
        &format!("/api/v1/units/{}/incidents", m.cell),
        json!({"kind": "near_miss", "severity": "high", "occurred_on": t.app.clock.today().to_string(),
               "title": "Loose rock fell beside a miner"}),
    )
    .await;
    let iid = incident["id"].as_i64().unwrap();
    assert_eq!(
        incident["investigate_by"],
        (t.app.clock.today() + Duration::days(1)).to_string(),
        "high: one day"
    );
    let action = post(
        &mut officer,
        &format!("/api/v1/units/{}/actions", m.cell),
        json!({"title": "Bar down the roof every shift", "due_on": due, "incident_id": iid}),
    )
    .await;
    let aid = action["id"].as_i64().unwrap();
    // Closing the incident: not before its investigation, nor while an
    // action is unverified.
    let step = |body: Value| (format!("/api/v1/incidents/{iid}/steps"), body);
    let (path, body) = step(json!({"step": "close", "lessons": "Bar down."}));
    let r = officer.json(Method::POST, &path, Some(body)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    post(
        &mut officer,
        &path,
        json!({"step": "investigate", "root_cause": "Barring down skipped on night shift"}),
    )
    .await;
    let r = officer
        .json(
            Method::POST,
            &path,
            Some(json!({"step": "close", "lessons": "Bar down."})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // Done needs a note; verifying needs the secretary.
    let steps = format!("/api/v1/actions/{aid}/steps");
    let r = officer
        .json(
            Method::POST,
            &steps,
            Some(json!({"step": "done", "note": ""})),
        )
        .await;
    assert_eq!(r.json()["field"], "note");
    post(
        &mut officer,
        &steps,
        json!({"step": "done", "note": "Rota posted"}),
    )
    .await;
    let r = officer
        .json(
            Method::POST,
            &steps,
            Some(json!({"step": "verify", "effective": true, "note": "Checked"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the officer cannot verify");
    // Not effective: open again with a new due day.
    let r = sec
        .json(
            Method::POST,
            &steps,
            Some(
                json!({"step": "verify", "effective": false, "note": "Night shift still skips it"}),
            ),
        )
        .await;
    assert_eq!(r.json()["field"], "due_on", "a new due day is needed");
    let later = (t.app.clock.today() + Duration::days(10)).to_string();
    let a = post(
        &mut sec,
        &steps,
        json!({"step": "verify", "effective": false, "note": "Night shift still skips it", "due_on": later}),
    )
    .await;
    assert_eq!(
        (a["status"].as_str(), a["reopened"].as_i64()),
        (Some("open"), Some(1))
    );
    post(
        &mut officer,
        &steps,
        json!({"step": "done", "note": "Shift foremen sign it"}),
    )
    .await;
    let a = post(
        &mut sec,
        &steps,
        json!({"step": "verify", "effective": true, "note": "Two weeks of signed sheets"}),
    )
    .await;
    assert_eq!(a["status"], "closed");
    let v = post(
        &mut officer,
        &path,
        json!({"step": "close", "lessons": "Barring down is signed for."}),
    )
    .await;
    assert_eq!(v["incident"]["status"], "closed");
    let c = counts(&mut sec, m.mine).await;
    assert_eq!(
        (
            c["near_misses"].as_i64(),
            c["actions_closed"].as_i64(),
            c["incidents_open"].as_i64()
        ),
        (Some(1), Some(1), Some(0))
    );
    t.assert_consistent().await;
}

#[tokio::test]
async fn late_actions_escalate_once_per_step_with_two_servers() {
    let m = mine().await;
    let t = &m.t;
    let mut officer = t.login("officer").await;
    let due = t.app.clock.today() + Duration::days(2);
    let a = post(
        &mut officer,
        &format!("/api/v1/units/{}/actions", m.cell),
        json!({"title": "Replace the cage rope", "due_on": due.to_string()}),
    )
    .await;
    let id = a["id"].as_i64().unwrap();
    let incident = post(
        &mut officer,
        &format!("/api/v1/units/{}/incidents", m.cell),
        json!({"kind": "incident", "severity": "medium", "occurred_on": t.app.clock.today().to_string(),
               "title": "Hand caught in a conveyor"}),
    )
    .await;
    let other = t.second_server().await;
    for server in [&t.app, &other] {
        server.clock.advance(Duration::days(2));
    }
    assert_eq!(
        grassroots_app::safety::deadlines_due(&t.app).await.unwrap(),
        0,
        "due day itself is in time"
    );
    for server in [&t.app, &other] {
        server.clock.advance(Duration::days(1));
    }
    let (x, y) = tokio::join!(
        grassroots_app::safety::deadlines_due(&t.app),
        grassroots_app::safety::deadlines_due(&other)
    );
    assert_eq!(x.unwrap() + y.unwrap(), 1, "escalated once");
    let mut sec = t.login("mine_sec").await;
    let listed = sec
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/actions", m.mine),
            None,
        )
        .await
        .json();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id && a["overdue"] == true),
        "the mine sees its cell's late action: {listed}"
    );
    let mut prov = t.login("prov_sec").await;
    for unit in [m.cell, m.mine, m.province] {
        assert_eq!(counts(&mut prov, unit).await["actions_overdue"], 1);
    }
    // The medium incident had three days to be investigated: late on the
    // fourth (marked once).
    for server in [&t.app, &other] {
        server.clock.advance(Duration::days(1));
    }
    let (x, y) = tokio::join!(
        grassroots_app::safety::deadlines_due(&t.app),
        grassroots_app::safety::deadlines_due(&other)
    );
    assert_eq!(
        x.unwrap() + y.unwrap(),
        1,
        "the investigation marked late once"
    );
    let mut sec = t.login("mine_sec").await;
    assert_eq!(counts(&mut sec, m.mine).await["investigations_late"], 1);
    let _ = incident;
    // Seven days later it goes up to the province, once.
    for server in [&t.app, &other] {
        server.clock.advance(Duration::days(7));
    }
    let (x, y) = tokio::join!(
        grassroots_app::safety::deadlines_due(&t.app),
        grassroots_app::safety::deadlines_due(&other)
    );
    assert_eq!(x.unwrap() + y.unwrap(), 1);
    let mut prov = t.login("prov_sec").await;
    let listed = prov
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/actions", m.province),
            None,
        )
        .await
        .json();
    assert_eq!(listed[0]["escalations"], 2, "{listed}");
    assert_eq!(t.audit_rows(Some("action.escalate")).await.len(), 2);
    // Done, then found not to work: open again, not late, and no longer
    // on the province's list.
    let mut officer = t.login("officer").await;
    let steps = format!("/api/v1/actions/{id}/steps");
    post(
        &mut officer,
        &steps,
        json!({"step": "done", "note": "New rope fitted"}),
    )
    .await;
    let mut sec = t.login("mine_sec").await;
    let later = (t.app.clock.today() + Duration::days(5)).to_string();
    let a = post(
        &mut sec,
        &steps,
        json!({"step": "verify", "effective": false, "note": "Wrong gauge", "due_on": later}),
    )
    .await;
    assert_eq!(
        (a["overdue"].as_bool(), a["escalated_unit_id"].is_null()),
        (Some(false), true)
    );
    let listed = prov
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/actions", m.province),
            None,
        )
        .await
        .json();
    assert_eq!(listed, json!([]), "not escalated any more");
    t.assert_consistent().await;
}

#[tokio::test]
async fn safety_counters_match_a_recount_after_random_histories() {
    let m = mine().await;
    let t = &m.t;
    let cli = t.cli();
    let app = &t.app;
    let mut rng = crate::welfare::Lcg(20261206);
    let units = [m.cell, m.mine, m.province];
    let mut actions: Vec<i64> = Vec::new();
    let mut hazards: Vec<i64> = Vec::new();
    // Cells inspected monthly and assessed quarterly, the mine yearly.
    let mut root = t.login("root").await;
    let workplace = template_id(&mut root, "workplace_safety").await;
    let assessment = template_id(&mut root, "cell_self_assessment").await;
    for (level, template, every) in [
        ("cell", workplace, "month"),
        ("cell", assessment, "quarter"),
        ("primary_committee", workplace, "year"),
    ] {
        post(
            &mut root,
            "/api/v1/safety/schedules",
            json!({"level": level, "template_id": template, "every": every}),
        )
        .await;
    }
    for _ in 0..60 {
        let unit = units[rng.below(units.len() as u64) as usize];
        match rng.below(7) {
            0 => {
                let rl = rng.below(5) as i64 + 1;
                let rs = rng.below(5) as i64 + 1;
                let v = grassroots_app::safety::add_hazard(
                    app,
                    &cli,
                    unit,
                    &grassroots_app::safety::HazardInput {
                        title: "Hazard".into(),
                        description: String::new(),
                        location: String::new(),
                        inherent_likelihood: 5,
                        inherent_severity: 5,
                        residual_likelihood: rl,
                        residual_severity: rs,
                        owner_person_id: None,
                        review_on: None,
                        controls: Vec::new(),
                        action: Some(grassroots_app::safety::ActionSpec {
                            title: "Reduce it".into(),
                            due_on: (app.clock.today() + Duration::days(rng.below(5) as i64))
                                .to_string(),
                            owner_person_id: None,
                        }),
                    },
                )
                .await
                .unwrap();
                hazards.push(v.hazard.id);
                actions.extend(v.actions.iter().map(|a| a.id));
            }
            1 if !hazards.is_empty() => {
                let h = hazards[rng.below(hazards.len() as u64) as usize];
                let change = match rng.below(3) {
                    0 => grassroots_app::safety::HazardChange::Close,
                    1 => grassroots_app::safety::HazardChange::Reopen,
                    _ => grassroots_app::safety::HazardChange::Rerate {
                        residual_likelihood: rng.below(5) as i64 + 1,
                        residual_severity: rng.below(2) as i64 + 1,
                        action: None,
                    },
                };
                grassroots_app::safety::change_hazard(app, &cli, h, &change)
                    .await
                    .unwrap();
            }
            2 => {
                grassroots_app::safety::report(
                    app,
                    &cli,
                    unit,
                    &grassroots_app::safety::IncidentInput {
                        kind: ["incident", "near_miss"][rng.below(2) as usize].into(),
                        severity: ["low", "medium", "high", "critical"][rng.below(4) as usize]
                            .into(),
                        occurred_on: app.clock.today().to_string(),
                        title: "Incident".into(),
                        description: String::new(),
                    },
                )
                .await
                .unwrap();
            }
            3 if !actions.is_empty() => {
                let a = actions[rng.below(actions.len() as u64) as usize];
                let step = if rng.below(2) == 0 {
                    grassroots_app::safety::ActionStep::Done {
                        note: "Done".into(),
                    }
                } else {
                    grassroots_app::safety::ActionStep::Verify {
                        effective: rng.below(2) == 0,
                        note: "Checked".into(),
                        due_on: Some((app.clock.today() + Duration::days(2)).to_string()),
                    }
                };
                // Steps out of order are refused; that is part of the history.
                let _ = grassroots_app::safety::action_step(app, &cli, a, &step).await;
            }
            4 => {
                app.clock.advance(Duration::days(rng.below(20) as i64 + 1));
                grassroots_app::safety::deadlines_due(app).await.unwrap();
                if rng.below(2) == 0 {
                    grassroots_app::safety::schedules::settle(app)
                        .await
                        .unwrap();
                }
            }
            5 => {
                let template = [workplace, assessment][rng.below(2) as usize];
                inspect_in(app, &cli, unit, template).await;
            }
            _ => {}
        }
    }
    t.assert_consistent().await;
}

#[tokio::test]
async fn the_matrix_is_set_by_organization_administrators() {
    let m = mine().await;
    let t = &m.t;
    let settings = json!({"matrix_size": 3, "moderate_from": 3, "high_from": 6, "critical_from": 9,
        "investigate_low": 7, "investigate_medium": 3, "investigate_high": 1, "investigate_critical": 0,
        "escalation_days": 7});
    let mut sec = t.login("mine_sec").await;
    let r = sec
        .json(
            Method::PUT,
            "/api/v1/safety/settings",
            Some(settings.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut root = t.login("root").await;
    let mut bad = settings.clone();
    bad["high_from"] = json!(10);
    let r = root
        .json(Method::PUT, "/api/v1/safety/settings", Some(bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "high_from");
    let r = root
        .json(Method::PUT, "/api/v1/safety/settings", Some(settings))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // On the 3 × 3 matrix, 2 × 3 = 6 is high.
    let r = root
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/hazards", m.mine),
            Some(
                json!({"title": "Hoist", "inherent_likelihood": 3, "inherent_severity": 3,
                        "residual_likelihood": 2, "residual_severity": 3}),
            ),
        )
        .await;
    assert_eq!(r.json()["field"], "action_title");
    let r = root
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/hazards", m.mine),
            Some(
                json!({"title": "Hoist", "inherent_likelihood": 4, "inherent_severity": 3,
                        "residual_likelihood": 1, "residual_severity": 1}),
            ),
        )
        .await;
    assert_eq!(
        r.json()["field"],
        "inherent_likelihood",
        "4 is off a 3 × 3 matrix"
    );
}

/// Every question of a version, as (id, response).
fn questions(view: &Value) -> Vec<(i64, String, String)> {
    view["version"]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["questions"].as_array().unwrap().clone())
        .map(|q| {
            (
                q["id"].as_i64().unwrap(),
                q["response"].as_str().unwrap().to_string(),
                q["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_inspection_completes_only_once_flagged_answers_have_their_notes_and_actions() {
    let m = mine().await;
    let t = &m.t;
    let mut officer = t.login("officer").await;
    let templates = officer
        .json(Method::GET, "/api/v1/checklists", None)
        .await
        .json();
    let workplace = templates
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "workplace_safety")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let started = post(
        &mut officer,
        &format!("/api/v1/units/{}/inspections", m.cell),
        json!({"template_id": workplace}),
    )
    .await;
    let id = started["inspection"]["id"].as_i64().unwrap();
    let qs = questions(&started);
    assert_eq!(qs.len(), 9);
    // Every answer good but the walkways (flagged; needs a note and an action).
    let walkways = qs.iter().find(|q| q.2.starts_with("Walkways")).unwrap().0;
    let answers = |note: &str, action: bool| {
        qs.iter()
            .map(|(qid, response, _)| {
                let answer = match (response.as_str(), *qid == walkways) {
                    (_, true) => "no",
                    ("yes_no", _) => "yes",
                    ("scale", _) => "4",
                    _ => "3",
                };
                let mut a = json!({"question_id": qid, "answer": answer});
                if *qid == walkways {
                    a["note"] = json!(note);
                    if action {
                        a["action_title"] = json!("Clear the coal spill at exit 2");
                        a["action_due_on"] =
                            json!((t.app.clock.today() + Duration::days(1)).to_string());
                    }
                }
                a
            })
            .collect::<Vec<_>>()
    };
    let put = |body: Value| (format!("/api/v1/inspections/{id}/answers"), body);
    let (path, body) = put(json!({"answers": answers("", false), "complete": true}));
    let r = officer.json(Method::PUT, &path, Some(body)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["message"].as_str().unwrap().contains("Walkways"),
        "{}",
        r.body
    );
    let r = officer
        .json(
            Method::PUT,
            &path,
            Some(json!({"answers": answers("Coal spill", false), "complete": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("corrective action"),
        "{}",
        r.body
    );
    // A draft saves as it is.
    let r = officer
        .json(
            Method::PUT,
            &path,
            Some(json!({"answers": answers("Coal spill", false)})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let done = officer
        .json(
            Method::PUT,
            &path,
            Some(json!({"answers": answers("Coal spill", true), "complete": true})),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let v = done.json();
    assert_eq!(v["inspection"]["status"], "completed");
    assert_eq!(v["inspection"]["flagged"], 1);
    // Seven yes/no (one no: 6 of 7), one scale at 4 (3 of 4): 9 of 11.
    assert_eq!(
        (
            v["inspection"]["score"].as_i64(),
            v["inspection"]["max_score"].as_i64()
        ),
        (Some(9), Some(11))
    );
    let action = v["answers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["question_id"] == walkways)
        .unwrap()["action_id"]
        .as_i64()
        .unwrap();
    let actions = officer
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/actions", m.cell),
            None,
        )
        .await
        .json();
    assert_eq!(actions[0]["id"], action);
    // Completed once only.
    let r = officer
        .json(
            Method::PUT,
            &path,
            Some(json!({"answers": answers("x", true), "complete": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut prov = t.login("prov_sec").await;
    let c = counts(&mut prov, m.province).await;
    assert_eq!(
        (
            c["inspections_done"].as_i64(),
            c["done_this_month"].as_i64(),
            c["flagged_answers"].as_i64(),
            c["actions_open"].as_i64()
        ),
        (Some(1), Some(1), Some(1), Some(1))
    );
    // The page shows the result.
    let page = officer.page(&format!("/inspections/{id}")).await;
    assert!(page.body.contains("inspection-score"), "{}", page.body);
    // The province's dashboard: the mine first among the units below, with
    // its late and open work; the chart drawn on the server.
    let d = prov
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/safety/dashboard", m.province),
            None,
        )
        .await
        .json();
    assert_eq!(d["children"][0]["unit_id"], m.mine, "{d}");
    assert_eq!(d["children"][0]["inspected_this_month"], 1);
    let page = prov.page(&format!("/units/{}/safety", m.province)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<svg") && page.body.contains("Komdok Mine"),
        "{}",
        page.body
    );
    t.assert_consistent().await;
}

#[tokio::test]
async fn a_cell_assesses_itself_through_the_page_form() {
    let m = mine().await;
    let t = &m.t;
    let mut sec = t.login("mine_sec").await;
    let r = sec
        .post_form(
            &format!("/units/{}/inspections", m.cell),
            &[("template_id", "2")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let at = r.location();
    let id: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
    let form = sec.page(&at).await;
    assert!(form.body.contains("inspection-complete"));
    let v = grassroots_app::safety::checklists::view(&t.app, &t.cli(), id)
        .await
        .unwrap();
    let mut fields: Vec<(String, String)> = Vec::new();
    for q in v.version.sections.iter().flat_map(|s| s.questions.iter()) {
        let answer = match q.response.as_str() {
            "yes_no" => "yes",
            "scale" => "3",
            _ => "Hold the study circle weekly",
        };
        fields.push((format!("a{}", q.id), answer.to_string()));
    }
    let mut missing = fields.clone();
    missing.pop();
    missing.push(("complete".into(), "1".into()));
    let refs: Vec<(&str, &str)> = missing
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = sec.post_form(&at, &refs).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the last question is unanswered"
    );
    assert!(r.body.contains("is not answered"), "{}", r.body);
    fields.push(("complete".into(), "1".into()));
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = sec.post_form(&at, &refs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c = counts(&mut sec, m.mine).await;
    assert_eq!(c["assessments_done"], 1);
    t.assert_consistent().await;
}

#[tokio::test]
async fn checklist_versions_in_use_never_change() {
    let m = mine().await;
    let t = &m.t;
    let mut officer = t.login("officer").await;
    let first = post(
        &mut officer,
        &format!("/api/v1/units/{}/inspections", m.cell),
        json!({"template_id": 1}),
    )
    .await;
    let old_version = first["version"]["id"].as_i64().unwrap();
    let new_version = json!({"sections": [{"title": "Shaft", "questions": [
        {"text": "Roof bolts are tight", "response": "yes_no", "flag_on": "no", "require_action": true}]}]});
    let r = officer
        .json(
            Method::POST,
            "/api/v1/checklists/1/versions",
            Some(new_version.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "administrators only");
    let mut root = t.login("root").await;
    let bad = json!({"sections": [{"title": "Shaft", "questions": [{"text": "x", "response": "colour"}]}]});
    let r = root
        .json(Method::POST, "/api/v1/checklists/1/versions", Some(bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let v2 = post(&mut root, "/api/v1/checklists/1/versions", new_version).await;
    assert_eq!(v2["version"], 2);
    // The started inspection still follows version 1, whole.
    let again = officer
        .json(
            Method::GET,
            &format!("/api/v1/inspections/{}", first["inspection"]["id"]),
            None,
        )
        .await
        .json();
    assert_eq!(again["version"]["id"], old_version);
    assert_eq!(questions(&again).len(), 9);
    assert_eq!(again["version"]["used"], true);
    // A new one follows version 2.
    let second = post(
        &mut officer,
        &format!("/api/v1/units/{}/inspections", m.cell),
        json!({"template_id": 1}),
    )
    .await;
    assert_eq!(second["version"]["version"], 2);
    assert_eq!(questions(&second).len(), 1);
}

/// Starts an inspection from `template` at `unit` and completes it with
/// every answer good.
async fn inspect(c: &mut TestClient, unit: i64, template: i64) {
    let started = post(
        c,
        &format!("/api/v1/units/{unit}/inspections"),
        json!({"template_id": template}),
    )
    .await;
    let id = started["inspection"]["id"].as_i64().unwrap();
    let answers: Vec<Value> = questions(&started)
        .iter()
        .map(|(qid, response, _)| {
            let answer = match response.as_str() {
                "yes_no" => "yes",
                "scale" => "4",
                "number" => "3",
                _ => "Fine",
            };
            json!({"question_id": qid, "answer": answer})
        })
        .collect();
    let r = c
        .json(
            Method::PUT,
            &format!("/api/v1/inspections/{id}/answers"),
            Some(json!({"answers": answers, "complete": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// [`inspect`] in-process, as `actor`.
async fn inspect_in(
    app: &grassroots_app::App,
    actor: &grassroots_app::Actor,
    unit: i64,
    template: i64,
) {
    use grassroots_app::safety::checklists::{self, AnswerInput, AnswersInput};
    let v = checklists::start(app, actor, unit, template).await.unwrap();
    let answers = questions(&serde_json::to_value(&v).unwrap())
        .into_iter()
        .map(|(question_id, response, _)| AnswerInput {
            question_id,
            answer: match response.as_str() {
                "yes_no" => "yes",
                "scale" => "4",
                "number" => "3",
                _ => "Fine",
            }
            .into(),
            ..Default::default()
        })
        .collect();
    checklists::answer(
        app,
        actor,
        v.inspection.id,
        &AnswersInput {
            answers,
            complete: true,
        },
    )
    .await
    .unwrap();
}

/// The id of a built-in template.
async fn template_id(c: &mut TestClient, key: &str) -> i64 {
    c.json(Method::GET, "/api/v1/checklists", None)
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == key)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// (due, done, units behind) of a subtree, and of its first schedule.
async fn due(c: &mut TestClient, unit: i64) -> (i64, i64, i64, Value) {
    let r = c
        .json(
            Method::GET,
            &format!("/api/v1/units/{unit}/inspections/due"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    (
        v["due"].as_i64().unwrap(),
        v["done"].as_i64().unwrap(),
        v["units_behind"].as_i64().unwrap(),
        v["schedules"].clone(),
    )
}

#[tokio::test]
async fn scheduled_inspections_are_due_per_level_and_period_and_start_again_each_period() {
    let m = mine().await;
    let t = &m.t;
    let mut root = t.login("root").await;
    let workplace = template_id(&mut root, "workplace_safety").await;
    let assessment = template_id(&mut root, "cell_self_assessment").await;
    let monthly = json!({"level": "cell", "template_id": workplace, "every": "month"});
    // Only administrators of the whole organization set schedules, and a
    // wrong level, cadence or template is named.
    let mut sec = t.login("mine_sec").await;
    let r = sec
        .json(
            Method::POST,
            "/api/v1/safety/schedules",
            Some(monthly.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for (field, body) in [
        (
            "level",
            json!({"level": "brigade", "template_id": workplace, "every": "month"}),
        ),
        (
            "every",
            json!({"level": "cell", "template_id": workplace, "every": "weekly"}),
        ),
        (
            "template_id",
            json!({"level": "cell", "template_id": 9999, "every": "month"}),
        ),
    ] {
        let r = root
            .json(Method::POST, "/api/v1/safety/schedules", Some(body))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(r.json()["field"], field);
    }
    assert_eq!(due(&mut sec, m.mine).await.0, 0, "nothing asked yet");
    // An inspection completed before the schedule, this month, counts.
    let mut officer = t.login("officer").await;
    inspect(&mut officer, m.cell, workplace).await;
    let list = post(&mut root, "/api/v1/safety/schedules", monthly.clone()).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (d, done, behind, schedules) = due(&mut sec, m.mine).await;
    assert_eq!((d, done, behind), (2, 1, 1));
    let today = t.app.clock.today();
    assert_eq!(
        schedules[0]["period"],
        today.format("%Y-%m").to_string(),
        "{schedules}"
    );
    assert_eq!(
        (schedules[0]["due"].clone(), schedules[0]["done"].clone()),
        (json!(2), json!(1))
    );
    let r = sec
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/inspections/due", m.province),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "not above its own unit");
    let mut prov = t.login("prov_sec").await;
    assert_eq!(
        due(&mut prov, m.province).await.1,
        1,
        "the province sees its subtree"
    );
    // The unit behind is named (a unit, never a person).
    let r = sec
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/inspections/behind", m.mine),
            None,
        )
        .await;
    let behind_list = r.json();
    assert_eq!(behind_list.as_array().unwrap().len(), 1, "{behind_list}");
    assert_eq!(behind_list[0]["name"], "Shaft 4 Cell");
    // A new cell is asked from the day it is made; a quarterly
    // self-assessment adds to what is due.
    let third = t.unit("Shaft 5 Cell", "cell", m.mine).await;
    assert_eq!(due(&mut sec, m.mine).await.0, 3);
    post(
        &mut root,
        "/api/v1/safety/schedules",
        json!({"level": "cell", "template_id": assessment, "every": "quarter"}),
    )
    .await;
    let (d, done, behind, _) = due(&mut sec, m.mine).await;
    assert_eq!((d, done, behind), (6, 1, 3));
    inspect(&mut officer, third, assessment).await;
    inspect(&mut officer, third, workplace).await;
    let (d, done, behind, _) = due(&mut sec, m.mine).await;
    assert_eq!((d, done, behind), (6, 3, 2));
    let page = sec.page(&format!("/units/{}/safety", m.mine)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("id=\"dash-behind-list\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("Shaft 4 Cell"));
    t.assert_consistent().await;
    // A new month: the monthly inspections are due again, counted once
    // with two servers starting the period together.
    let next = (today.with_day(1).unwrap() + Duration::days(32))
        .with_day(1)
        .unwrap();
    let other = t.second_server().await;
    for server in [&t.app, &other] {
        server.clock.advance(next - today);
    }
    let (a, b) = tokio::join!(
        grassroots_app::safety::schedules::settle(&t.app),
        grassroots_app::safety::schedules::settle(&other)
    );
    // Sessions have lapsed over the month.
    let mut sec = t.login("mine_sec").await;
    let mut officer = t.login("officer").await;
    let mut root = t.login("root").await;
    assert!(a.unwrap() + b.unwrap() > 0);
    let (d, done, _, schedules) = due(&mut sec, m.mine).await;
    let quarter_kept = if next.month() % 3 == 1 { 0 } else { 1 };
    assert_eq!((d, done), (6, quarter_kept), "{schedules}");
    assert_eq!(
        grassroots_app::safety::schedules::settle(&t.app)
            .await
            .unwrap(),
        0,
        "nothing is left to start"
    );
    inspect(&mut officer, m.cell, workplace).await;
    assert_eq!(due(&mut sec, m.mine).await.1, quarter_kept + 1);
    t.assert_consistent().await;
    // Stopping a schedule takes its units out of what is due.
    let id = list[0]["id"].as_i64().unwrap();
    let r = sec
        .json(
            Method::DELETE,
            &format!("/api/v1/safety/schedules/{id}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = root
        .json(
            Method::DELETE,
            &format!("/api/v1/safety/schedules/{id}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(due(&mut sec, m.mine).await.0, 3);
    t.assert_consistent().await;
    // `check` derives the rows again: one marked done behind the
    // application's back is found.
    let tamper = "UPDATE inspections_due SET done = 1 - done WHERE unit_id = $1";
    match &t.app.db {
        grassroots_store::Db::Sqlite(pool, _) => {
            sqlx::query(tamper).bind(third).execute(pool).await.unwrap();
        }
        grassroots_store::Db::Postgres(pool) => {
            sqlx::query(tamper).bind(third).execute(pool).await.unwrap();
        }
    }
    let mut c = t.app.db.conn().await.unwrap();
    let report = grassroots_store::check::run(&mut c, t.app.clock.today())
        .await
        .unwrap();
    assert!(
        report.schedule_problems[0].starts_with(&format!("unit {third}:")),
        "{report:?}"
    );
}

#[tokio::test]
async fn schedules_are_set_from_the_settings_page() {
    let m = mine().await;
    let t = &m.t;
    let mut root = t.login("root").await;
    let workplace = template_id(&mut root, "workplace_safety").await.to_string();
    let page = root.page("/admin/safety").await;
    assert!(page.body.contains("id=\"schedule-form\""));
    let r = root
        .post_form(
            "/admin/safety/schedules",
            &[
                ("level", "cell"),
                ("template_id", &workplace),
                ("every", "fortnight"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Every"), "the field is named: {}", r.body);
    let r = root
        .post_form(
            "/admin/safety/schedules",
            &[
                ("level", "cell"),
                ("template_id", &workplace),
                ("every", "quarter"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = root.page("/admin/safety").await;
    assert!(page.body.contains("Every quarter"), "{}", page.body);
    let mut sec = t.login("mine_sec").await;
    let unit_page = sec.page(&format!("/units/{}", m.mine)).await;
    assert!(unit_page.body.contains("id=\"safety-units-behind\""));
    let r = sec
        .post_form(
            "/admin/safety/schedules",
            &[
                ("level", "cell"),
                ("template_id", &workplace),
                ("every", "month"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn administrators_write_checklists_in_the_browser_and_the_api() {
    let m = mine().await;
    let t = &m.t;
    let mut root = t.login("root").await;
    let question = |text: &str| {
        json!({"text": text, "response": "yes_no", "allow_na": false, "flag_on": "no",
               "flag_at_most": null, "require_note": true, "require_action": true})
    };
    let body = json!({"name": "Mine gas check", "purpose": "inspection",
        "sections": [{"title": "The face", "questions": [question("Methane below 1 %")]}]});
    let mut sec = t.login("mine_sec").await;
    let r = sec
        .json(Method::POST, "/api/v1/checklists", Some(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for (field, bad) in [
        (
            "name",
            json!({"name": " ", "purpose": "inspection", "sections": body["sections"]}),
        ),
        (
            "purpose",
            json!({"name": "Gas", "purpose": "audit", "sections": body["sections"]}),
        ),
        (
            "sections",
            json!({"name": "Gas", "purpose": "inspection", "sections": []}),
        ),
    ] {
        let r = root
            .json(Method::POST, "/api/v1/checklists", Some(bad))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(r.json()["field"], field);
    }
    let r = root
        .json(Method::POST, "/api/v1/checklists", Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let gas = r.json()["template_id"].as_i64().unwrap();
    // A unit inspects with it at once.
    let mut officer = t.login("officer").await;
    inspect(&mut officer, m.cell, gas).await;

    // The page: a new checklist from rows, a section title starting a
    // section and a row without one staying in it.
    let page = root.page("/admin/checklists").await;
    assert!(page.body.contains("Mine gas check"), "{}", page.body);
    let rows = [
        ("name", "Cell's study circle"),
        ("purpose", "assessment"),
        ("rows", "4"),
        ("s0", "Meetings"),
        ("q0", "The circle met every week"),
        ("r0", "yes_no"),
        ("f0", "no"),
        ("rn0", "1"),
        ("q1", "How well the members followed"),
        ("r1", "scale"),
        ("f1", "le2"),
        ("s2", "Results"),
        ("q2", "Members who passed the test"),
        ("r2", "number"),
    ];
    let r = root.post_form("/admin/checklists", &rows).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let editor = r.location();
    let id: i64 = editor.rsplit('/').next().unwrap().parse().unwrap();
    let v = root
        .json(Method::GET, "/api/v1/checklists", None)
        .await
        .json();
    let made = v
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap()
        .clone();
    let version = root
        .json(
            Method::GET,
            &format!("/api/v1/checklist-versions/{}", made["version_id"]),
            None,
        )
        .await
        .json();
    let sections = version["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 2);
    assert_eq!(sections[0]["questions"].as_array().unwrap().len(), 2);
    assert_eq!(sections[0]["questions"][1]["flag_at_most"], 2);
    assert_eq!(sections[1]["title"], "Results");
    // A flag that does not fit its answer is refused, naming the row.
    let page = root.page(&editor).await;
    assert!(page.body.contains("The circle met every week"));
    let r = root
        .post_form(
            &editor,
            &[
                ("base_version", "1"),
                ("rows", "1"),
                ("s0", "Meetings"),
                ("q0", "Members present"),
                ("r0", "number"),
                ("f0", "no"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("row 1"), "{}", r.body);
    assert!(r.body.contains("Members present"), "what was typed is kept");
    // Saving writes version 2.
    let r = root
        .post_form(
            &editor,
            &[
                ("base_version", "1"),
                ("rows", "1"),
                ("s0", "Meetings"),
                ("q0", "The circle met every week"),
                ("r0", "yes_no"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = root.page(&editor).await;
    assert!(page.body.contains("Version 2"), "{}", page.body);
    // A second save from version 1 would undo it: refused, rows kept.
    let r = root
        .post_form(
            &editor,
            &[
                ("base_version", "1"),
                ("rows", "1"),
                ("s0", "Meetings"),
                ("q0", "Written from the old version"),
                ("r0", "yes_no"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Written from the old version"));
    // "More rows" shows the form again with blank rows, saving nothing;
    // a title on a row of its own heads the next question.
    let r = root
        .post_form(
            &editor,
            &[
                ("base_version", "2"),
                ("rows", "1"),
                ("q0", "Kept while adding rows"),
                ("r0", "yes_no"),
                ("more", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Kept while adding rows"));
    assert!(r.body.contains("name=\"q6\""), "six more rows");
    let r = root
        .post_form(
            &editor,
            &[
                ("base_version", "2"),
                ("rows", "2"),
                ("s0", "Attendance"),
                ("q1", "Everyone came"),
                ("r1", "yes_no"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let newest = root
        .json(Method::GET, "/api/v1/checklists", None)
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap()["version_id"]
        .clone();
    let v3 = root
        .json(
            Method::GET,
            &format!("/api/v1/checklist-versions/{newest}"),
            None,
        )
        .await
        .json();
    assert_eq!(v3["version"], 3);
    assert_eq!(v3["sections"][0]["title"], "Attendance");
    let r = sec.page("/admin/checklists").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
