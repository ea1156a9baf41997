//! Decisions: issued to a subtree (optionally to some levels), adopted by
//! addressed units, rolled up from maintained counters.

use axum::http::{Method, StatusCode};
use grassroots_core::{Role, ScopeKind};
use grassroots_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn a_central_decision_reaches_primary_committees_and_rolls_up() {
    let t = TestApp::new().await;
    let p1 = t
        .unit("North Province", "provincial_committee", t.root)
        .await;
    let p2 = t
        .unit("South Province", "provincial_committee", t.root)
        .await;
    let mine = t.unit("Coal Mine", "primary_committee", p1).await;
    let farm = t.unit("Farm", "primary_committee", p1).await;
    let works = t.unit("Steel Works", "primary_committee", p2).await;
    let cell = t.unit("Pit 1 Cell", "cell", mine).await;
    t.user("sec_mine", Some(Role::Secretary), mine, ScopeKind::Subtree)
        .await;
    t.user("sec_p1", Some(Role::Secretary), p1, ScopeKind::Subtree)
        .await;
    let mut centre = t.login("root").await;
    let r = centre
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/decisions", t.root),
            Some(json!({
                "title": "On raising coal output",
                "body": "Every unit **plans** its share.\n\n<script>alert(1)</script>",
                "source": "plenary_meeting",
                "issued_on": "2022-02-28",
                "levels": ["primary_committee"]
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        r.json()["addressed"],
        3,
        "the three primary committees, not the cell"
    );
    let id = r.json()["decision"]["id"].as_i64().unwrap();

    // The mine's secretary sees it in the inbox and adopts it on the page.
    let mut sec = t.login("sec_mine").await;
    let inbox = sec
        .json(
            Method::GET,
            &format!("/api/v1/units/{mine}/decisions"),
            None,
        )
        .await
        .json();
    assert_eq!(
        inbox["inbox"][0]["decision"]["title"],
        "On raising coal output"
    );
    assert!(inbox["inbox"][0]["adopted_at"].is_null());
    let page = sec.page(&format!("/units/{mine}")).await;
    assert!(page.body.contains(&format!("id=\"adopt-{id}\"")));
    let r = sec
        .post_form(
            &format!("/decisions/{id}/adopt"),
            &[("unit_id", &mine.to_string())],
        )
        .await;
    // Adopting creates the unit's plan for this year, citing the decision.
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/plans/"), "{}", r.location());
    let plans = sec
        .json(Method::GET, &format!("/api/v1/units/{mine}/plans"), None)
        .await
        .json();
    assert_eq!(plans[0]["decision_id"], id);
    assert_eq!(plans[0]["period_kind"], "year");
    // Adopting twice is refused (extend a plan instead); a unit not
    // addressed cannot adopt.
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/decisions/{id}/adopt"),
            Some(json!({"unit_id": mine})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "decision_id");
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/decisions/{id}/adopt"),
            Some(json!({"unit_id": cell})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("not addressed"), "{}", r.body);

    // Roll-ups: the centre sees 1 of 3, by province; the province 1 of 2.
    let v = centre
        .json(Method::GET, &format!("/api/v1/decisions/{id}"), None)
        .await
        .json();
    assert_eq!(
        (v["at"]["adopted"].as_i64(), v["at"]["addressed"].as_i64()),
        (Some(1), Some(3))
    );
    let by_child: Vec<(i64, i64, i64)> = v["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["unit_id"].as_i64().unwrap(),
                c["adopted"].as_i64().unwrap(),
                c["addressed"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(
        by_child.contains(&(p1, 1, 2)) && by_child.contains(&(p2, 0, 1)),
        "{by_child:?}"
    );
    let names: Vec<&str> = v["not_adopted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u[1].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Farm", "Steel Works"]);
    // The provincial secretary reads it at their own unit, and the page
    // drills down; raw HTML in the text is shown as text.
    let mut prov = t.login("sec_p1").await;
    let v = prov
        .json(Method::GET, &format!("/api/v1/decisions/{id}"), None)
        .await
        .json();
    assert_eq!(v["at"]["unit_id"], p1);
    assert_eq!(
        (v["at"]["adopted"].as_i64(), v["at"]["addressed"].as_i64()),
        (Some(1), Some(2))
    );
    let page = prov.get(&format!("/decisions/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<strong>plans</strong>"));
    assert!(
        !page.body.contains("<script>alert(1)"),
        "raw HTML is escaped"
    );
    assert!(page.body.contains(&format!("/decisions/{id}?at={mine}")));
    // Outside the province: the other province's works is not readable.
    let r = prov
        .json(
            Method::GET,
            &format!("/api/v1/decisions/{id}?at={p2}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    t.assert_consistent().await;

    // Moving and merging keep the per-decision counters exact.
    grassroots_app::units::move_unit(&t.app, &t.cli(), farm, p2)
        .await
        .unwrap();
    grassroots_app::units::merge(&t.app, &t.cli(), works, farm)
        .await
        .unwrap();
    t.assert_consistent().await;

    // Issuing through the page, to every unit below.
    let r = prov
        .post_form(
            &format!("/units/{p1}/decisions"),
            &[
                ("title", "Provincial measures"),
                ("source", "committee_meeting"),
                ("body", "Text"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/decisions/"));
    let r = prov
        .post_form(
            &format!("/units/{p1}/decisions"),
            &[("title", "Bad"), ("source", "rumour")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    t.assert_consistent().await;
}
