//! Supply end to end: items, stock received, a cell's request approved,
//! shipped and received, distributions to people for a purpose, a stock
//! that never goes negative under concurrent distributions on two
//! servers, and the subtree's counts.

use axum::http::{Method, StatusCode};
use grassroots_core::{Role, ScopeKind};
use grassroots_testkit::TestApp;
use serde_json::json;

struct Org {
    t: TestApp,
    province: i64,
    primary: i64,
    cell: i64,
    kim: i64,
    fuel: i64,
}

async fn org() -> Org {
    let t = TestApp::new().await;
    let province = t
        .unit("North Province", "provincial_committee", t.root)
        .await;
    let primary = t.unit("Tool Factory", "primary_committee", province).await;
    let cell = t.unit("Lathe Cell", "cell", primary).await;
    let kim = t.person(cell, "Kim Chol", "member").await;
    t.user(
        "sec_primary",
        Some(Role::Secretary),
        primary,
        ScopeKind::Subtree,
    )
    .await;
    t.user("sec_cell", Some(Role::Secretary), cell, ScopeKind::Subtree)
        .await;
    t.user("viewer", Some(Role::Viewer), province, ScopeKind::Subtree)
        .await;
    let mut root = t.login("root").await;
    let r = root
        .json(
            Method::POST,
            "/api/v1/supply/items",
            Some(json!({"name": "Winter fuel", "measure": "t"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let fuel = r.json()["id"].as_i64().unwrap();
    let r = root
        .json(
            Method::POST,
            "/api/v1/supply/items",
            Some(json!({"name": "Winter fuel", "measure": "kg"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "names are unique");
    Org {
        t,
        province,
        primary,
        cell,
        kim,
        fuel,
    }
}

#[tokio::test]
async fn a_cells_request_is_approved_shipped_received_and_handed_out() {
    let o = org().await;
    let t = &o.t;
    let mut sp = t.login("sec_primary").await;
    let mut sc = t.login("sec_cell").await;
    // Only organization administrators add items.
    let r = sp
        .json(
            Method::POST,
            "/api/v1/supply/items",
            Some(json!({"name": "Rice", "measure": "kg"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = sp
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/supply/receipts", o.primary),
            Some(json!({"item_id": o.fuel, "quantity": 40, "purpose": "From the county depot"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["balance"], 40);

    // The cell asks; shipping before approval is refused; the factory
    // approves and ships from its stock; the cell receives.
    let r = sc
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/supply/requests", o.cell),
            Some(
                json!({"item_id": o.fuel, "quantity": 15, "reason": "Three families without coal"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let req = r.json();
    let id = req["id"].as_i64().unwrap();
    assert_eq!(
        (req["status"].as_str(), req["to_unit_id"].as_i64()),
        (Some("requested"), Some(o.primary))
    );
    let step = |s: &str| json!({"step": s});
    let path = format!("/api/v1/supply/requests/{id}/steps");
    let r = sp.json(Method::POST, &path, Some(step("ship"))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["message"].as_str().unwrap().contains("requested"));
    let r = sc.json(Method::POST, &path, Some(step("approve"))).await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "the cell cannot approve its own request"
    );
    assert_eq!(
        sp.json(Method::POST, &path, Some(step("approve")))
            .await
            .json()["status"],
        "approved"
    );
    assert_eq!(
        sp.json(Method::POST, &path, Some(step("approve")))
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        sp.json(Method::POST, &path, Some(step("ship")))
            .await
            .json()["status"],
        "shipped"
    );
    let r = sc.json(Method::POST, &path, Some(step("receive"))).await;
    assert_eq!(r.json()["status"], "received", "{}", r.body);
    let s = sp
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/supply", o.primary),
            None,
        )
        .await
        .json();
    assert_eq!(s["stock"][0]["balance"], 25);
    assert_eq!(s["incoming"][0]["status"], "received");

    // The cell hands out to Kim and to a household; more than it holds is
    // refused, naming what it holds.
    let dist = format!("/api/v1/units/{}/supply/distributions", o.cell);
    let r = sc
        .json(Method::POST, &dist, Some(json!({"item_id": o.fuel, "quantity": 2, "person_id": o.kim, "purpose": "Winter fuel"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["balance"], 13);
    let r = sc
        .json(Method::POST, &dist, Some(json!({"item_id": o.fuel, "quantity": 3, "household": "The Ri family, house 4", "purpose": "Winter fuel"})))
        .await;
    assert_eq!(r.json()["balance"], 10);
    let r = sc
        .json(Method::POST, &dist, Some(json!({"item_id": o.fuel, "quantity": 11, "person_id": o.kim, "purpose": "Winter fuel"})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let e = r.json();
    assert_eq!(e["field"], "quantity", "{e}");
    assert!(e["message"].as_str().unwrap().contains("10 t"));
    let r = sc
        .json(
            Method::POST,
            &dist,
            Some(json!({"item_id": o.fuel, "quantity": 1, "purpose": "Winter fuel"})),
        )
        .await;
    assert_eq!(r.json()["field"], "person_id", "someone must receive it");

    // The ledger names the receivers for those who hand out; a viewer
    // above sees stock and counts only.
    let s = sc
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/supply", o.cell),
            None,
        )
        .await
        .json();
    assert_eq!(s["movements"].as_array().unwrap().len(), 3, "{s}");
    assert_eq!(s["movements"][1]["person_name"], "Kim Chol");
    let mut viewer = t.login("viewer").await;
    let s = viewer
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/supply", o.cell),
            None,
        )
        .await
        .json();
    assert_eq!(s["movements"], json!([]));
    assert_eq!(s["stock"][0]["balance"], 10);
    let s = viewer
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/supply", o.province),
            None,
        )
        .await
        .json();
    assert_eq!(
        (
            s["open_requests"].as_i64(),
            s["received_requests"].as_i64(),
            s["distributions"].as_i64()
        ),
        (Some(0), Some(1), Some(2))
    );
    // Through the page: the section shows the stock and the forms; a form
    // error names the field.
    let page = sc.page(&format!("/units/{}", o.cell)).await;
    assert!(page.body.contains("id=\"supply-stock\"") && page.body.contains("10 t"));
    let r = sc
        .post_form(
            &format!("/units/{}/supply/distributions", o.cell),
            &[
                ("item_id", &o.fuel.to_string()),
                ("quantity", "50"),
                ("person_id", &o.kim.to_string()),
                ("purpose", "Fuel"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("stock"), "{}", r.body);
    t.assert_consistent().await;
}

#[tokio::test]
async fn the_stock_never_goes_negative_under_concurrent_distributions() {
    let o = org().await;
    let t = &o.t;
    let app = &t.app;
    let actor = t.cli();
    grassroots_app::supply::receive(
        app,
        &actor,
        o.cell,
        &grassroots_app::supply::MovementInput {
            item_id: o.fuel,
            quantity: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let other = t.second_server().await;
    let give = |app: grassroots_app::App| {
        let actor = actor.clone();
        let (cell, kim, fuel) = (o.cell, o.kim, o.fuel);
        tokio::spawn(async move {
            grassroots_app::supply::distribute(
                &app,
                &actor,
                cell,
                &grassroots_app::supply::MovementInput {
                    item_id: fuel,
                    quantity: 1,
                    person_id: Some(kim),
                    purpose: "Winter fuel".into(),
                    ..Default::default()
                },
            )
            .await
        })
    };
    let mut handles = Vec::new();
    for i in 0..30 {
        handles.push(give(if i % 2 == 0 {
            app.clone()
        } else {
            other.clone()
        }));
    }
    let mut given = 0;
    for h in handles {
        match h.await.unwrap() {
            Ok(_) => given += 1,
            Err(grassroots_app::AppError::Invalid(f)) => assert_eq!(f.code, "exceeds_stock"),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(given, 10);
    let s = grassroots_app::supply::of_unit(app, &actor, o.cell)
        .await
        .unwrap();
    assert_eq!(s.stock[0].balance, 0);
    assert_eq!(s.distributions, 10);
    t.assert_consistent().await;
}
