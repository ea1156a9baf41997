//! The experience library end to end: a model unit writes up its
//! experience, a unit whose target lags is shown it on its page and
//! applies it, the applications roll up, links are checked, and the
//! counters match a recount.

use axum::http::{Method, StatusCode};
use chrono::Duration;
use grassroots_core::{Role, ScopeKind};
use grassroots_testkit::{TestApp, TestClient};
use serde_json::json;

use crate::call_api as api;

/// A plan of `unit` over 100 days, half gone, with a numeric target of
/// 100 in `category`, reported at `value`: 50 is on track, 10 off track.
async fn target(c: &mut TestClient, t: &TestApp, unit: i64, category: &str, value: i64) -> i64 {
    let today = t.app.clock.today();
    let (s, plan) = api(
        c,
        Method::POST,
        &format!("/units/{unit}/plans"),
        Some(json!({"title": "Output plan", "period_kind": "custom",
            "starts_on": (today - Duration::days(50)).to_string(), "ends_on": (today + Duration::days(50)).to_string(),
            "cadence": "weekly"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{plan}");
    let (s, target) = api(
        c,
        Method::POST,
        &format!("/plans/{}/targets", plan["id"]),
        Some(json!({"title": "Coal output", "category": category, "kind": "numeric", "baseline": 0, "target_value": 100, "measure_unit": "t"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{target}");
    let id = target["id"].as_i64().unwrap();
    let (s, v) = api(
        c,
        Method::POST,
        &format!("/targets/{id}/check-ins"),
        Some(json!({"value": value, "narrative": "Reported", "confidence": "low"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    id
}

/// The experiences suggested for `unit`'s first lagging target, in order.
async fn suggested(c: &mut TestClient, unit: i64) -> Vec<i64> {
    let (_, v) = api(c, Method::GET, &format!("/units/{unit}/experiences"), None).await;
    v["suggestions"][0]["experiences"]
        .as_array()
        .unwrap_or_else(|| panic!("no suggestions: {v}"))
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_lagging_unit_is_shown_a_model_units_experience_and_applies_it() {
    let t = TestApp::new().await;
    let province = t
        .unit("North Province", "provincial_committee", t.root)
        .await;
    let model = t.unit("Model Mine", "primary_committee", province).await;
    let on_track = t.unit("Steady Mine", "primary_committee", province).await;
    let lagging = t.unit("Lagging Mine", "primary_committee", province).await;
    let other = t
        .unit("Other Province", "provincial_committee", t.root)
        .await;
    for (user, unit) in [
        ("sec_province", province),
        ("sec_model", model),
        ("sec_steady", on_track),
        ("sec_lag", lagging),
        ("sec_other", other),
    ] {
        t.user(user, Some(Role::Secretary), unit, ScopeKind::Subtree)
            .await;
    }
    let member = t.person(lagging, "Kim Chol", "member").await;
    let account = t
        .user("kim", Some(Role::Member), lagging, ScopeKind::Unit)
        .await;
    grassroots_app::accounts::link_person(&t.app, &t.cli(), account, Some(member))
        .await
        .unwrap();
    let mut sec_province = t.login("sec_province").await;
    let (s, v) = api(
        &mut sec_province,
        Method::POST,
        &format!("/units/{province}/model-units"),
        Some(json!({"unit_id": model, "reason": "Output doubled"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    let mut sec_model = t.login("sec_model").await;
    let mut sec_lag = t.login("sec_lag").await;
    let lag_target = target(&mut sec_lag, &t, lagging, "economic", 10).await;
    let (_, v) = api(
        &mut sec_lag,
        Method::GET,
        &format!("/targets/{lag_target}"),
        None,
    )
    .await;
    assert_eq!(v["target"]["status"], "off_track", "{v}");

    // Links are checked: a target of another unit, an unknown category, a
    // source that is not closed or not theirs, too many tags.
    let path = format!("/units/{model}/experiences");
    for (extra, field) in [
        (json!({"target_id": lag_target}), "target_id"),
        (json!({"category": "gossip"}), "category"),
        (
            json!({"source_kind": "incident", "source_id": 999}),
            "source_id",
        ),
        (json!({"source_kind": "incident"}), "source_id"),
        (json!({"tags": "a,b,c,d,e,f,g,h,i,j,k"}), "tags"),
        (json!({"body": " "}), "body"),
    ] {
        let mut body = json!({"title": "Shift rotation", "body": "We rotate shifts weekly."});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, v) = api(&mut sec_model, Method::POST, &path, Some(body)).await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{v}"
        );
    }
    // Not from a sibling's secretary.
    let (s, _) = api(
        &mut sec_lag,
        Method::POST,
        &path,
        Some(json!({"title": "X", "body": "Y"})),
    )
    .await;
    assert!(
        matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{s}"
    );

    let (s, written) = api(
        &mut sec_model,
        Method::POST,
        &path,
        Some(json!({"title": "Shift rotation doubled output", "body": "## How\nWe rotate shifts weekly.", "category": "economic", "tags": "Shifts, output, shifts"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{written}");
    let exp = written["id"].as_i64().unwrap();
    assert_eq!(
        (
            written["tags"].as_str(),
            written["from_model_unit"].as_bool()
        ),
        (Some("shifts, output"), Some(true))
    );
    // A unit neither model nor on track is not suggested; one on track is.
    let mut sec_steady = t.login("sec_steady").await;
    let (_, steady) = api(
        &mut sec_steady,
        Method::POST,
        &format!("/units/{on_track}/experiences"),
        Some(json!({"title": "Steady work", "body": "Daily targets.", "category": "economic"})),
    )
    .await;
    let mut sec_other = t.login("sec_other").await;
    let (_, unproven) = api(
        &mut sec_other,
        Method::POST,
        &format!("/units/{other}/experiences"),
        Some(json!({"title": "Untested idea", "body": "Maybe.", "category": "economic"})),
    )
    .await;
    assert_eq!(
        suggested(&mut sec_lag, lagging).await,
        vec![exp],
        "only the model unit's"
    );
    target(&mut sec_steady, &t, on_track, "economic", 50).await;
    let ids = suggested(&mut sec_lag, lagging).await;
    assert_eq!(
        ids,
        vec![exp, steady["id"].as_i64().unwrap()],
        "model first"
    );
    assert!(!ids.contains(&unproven["id"].as_i64().unwrap()));
    let (_, for_target) = api(
        &mut sec_lag,
        Method::GET,
        &format!("/targets/{lag_target}/experiences"),
        None,
    )
    .await;
    assert_eq!(for_target[0]["id"], exp);

    // The unit page shows the suggestion; the library finds it by word,
    // tag and category, for any member of the organization.
    let section = sec_lag
        .page(&format!("/units/{lagging}/sections/experiences"))
        .await;
    assert!(
        section.body.contains("Shift rotation doubled output")
            && section.body.contains("experience-suggestions"),
        "{}",
        section.body
    );
    let mut kim = t.login("kim").await;
    for q in ["q=ROTATE", "tag=Shifts", "category=economic&q=weekly"] {
        let (s, found) = api(&mut kim, Method::GET, &format!("/experiences?{q}"), None).await;
        assert_eq!(s, StatusCode::OK, "{found}");
        assert_eq!(found[0]["id"], exp, "{q}: {found}");
    }
    let (_, found) = api(
        &mut kim,
        Method::GET,
        &format!("/experiences?under={other}"),
        None,
    )
    .await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    // A member cannot record an application.
    let (s, _) = api(
        &mut kim,
        Method::POST,
        &format!("/experiences/{exp}/applications"),
        Some(json!({"unit_id": lagging})),
    )
    .await;
    assert!(
        matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{s}"
    );

    // The lagging unit applies it (once), not the writer itself.
    let (s, v) = api(
        &mut sec_model,
        Method::POST,
        &format!("/experiences/{exp}/applications"),
        Some(json!({"unit_id": model})),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unit_id")),
        "{v}"
    );
    let r = sec_lag
        .post_form(
            &format!("/experiences/{exp}/apply"),
            &[
                ("unit_id", &lagging.to_string()),
                ("note", "Rotation from May"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (_, v) = api(
        &mut sec_lag,
        Method::POST,
        &format!("/experiences/{exp}/applications"),
        Some(json!({"unit_id": lagging})),
    )
    .await;
    assert_eq!(v["new"], false);
    let (_, view) = api(&mut kim, Method::GET, &format!("/experiences/{exp}"), None).await;
    assert_eq!(view["experience"]["applied"], 1);
    assert_eq!(view["applications"][0]["note"], "Rotation from May");
    // Once applied, it is no longer suggested to that unit.
    let (_, v) = api(
        &mut sec_lag,
        Method::GET,
        &format!("/units/{lagging}/experiences"),
        None,
    )
    .await;
    assert!(
        !v.to_string().contains("Shift rotation doubled output"),
        "{v}"
    );
    // Rolled up: the province wrote 2 (model and steady) and applied 1.
    let (_, v) = api(
        &mut sec_province,
        Method::GET,
        &format!("/units/{province}/experiences"),
        None,
    )
    .await;
    assert_eq!(
        (v["written"].as_i64(), v["applied"].as_i64()),
        (Some(2), Some(1)),
        "{v}"
    );
    let (s, _) = api(
        &mut sec_province,
        Method::GET,
        &format!("/units/{}/experiences", t.root),
        None,
    )
    .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "the root is above the province's secretary"
    );
    t.assert_consistent().await;
}
