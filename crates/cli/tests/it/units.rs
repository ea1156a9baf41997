//! The tree's lifecycle through the API and the pages: merge, close,
//! history, organization profiles.

use axum::http::{Method, StatusCode};
use grassroots_core::{Role, ScopeKind};
use grassroots_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn merge_carries_people_positions_and_children_and_keeps_history() {
    let t = TestApp::new().await;
    let province = t.unit("Pyongyang", "provincial_committee", t.root).await;
    let county = t
        .unit("Kangdong County", "county_committee", province)
        .await;
    let mine = t.unit("Coal Mine", "primary_committee", county).await;
    let factory = t.unit("Factory", "primary_committee", county).await;
    let cell = t.unit("Shaft 2 Cell", "cell", mine).await;
    let miner = t.person(mine, "김철수", "member").await;
    let digger = t.person(cell, "Ri Yong Ho", "candidate").await;
    grassroots_app::positions::assign(&t.app, &t.cli(), mine, "secretary", miner, "2021-03-01")
        .await
        .unwrap();
    t.user(
        "sec_county",
        Some(Role::Secretary),
        county,
        ScopeKind::Subtree,
    )
    .await;
    t.user("sec_mine", Some(Role::Secretary), mine, ScopeKind::Subtree)
        .await;
    let mut sec = t.login("sec_county").await;

    // Into its own subtree: refused, naming the field.
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/units/{mine}/merge"),
            Some(json!({"into_id": cell})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "into_id");

    let before = grassroots_app::units::view(&t.app, &t.cli(), county)
        .await
        .unwrap();
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/units/{mine}/merge"),
            Some(json!({"into_id": factory})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    let body = r.json();
    assert!(body["unit"]["closed_at"].is_string());
    assert_eq!(body["unit"]["merged_into_id"], factory);
    assert_eq!(body["moved"]["people"], 1);
    assert_eq!(body["moved"]["children"], 1);
    // The mine's lead seats end with it; the factory keeps its own.
    assert_eq!(body["moved"]["positions"], 0);
    assert_eq!(body["moved"]["positions_ended"], 1);
    assert_eq!(
        body["moved"]["grants"]["roles"].as_array().unwrap().len(),
        1
    );

    let person = grassroots_app::people::open(&t.app, &t.cli(), miner)
        .await
        .unwrap();
    assert_eq!(person.person.unit_id, factory);
    let digger_unit = grassroots_app::people::open(&t.app, &t.cli(), digger)
        .await
        .unwrap()
        .person
        .unit_id;
    assert_eq!(digger_unit, cell, "people of moved children stay in them");
    let cell_unit = grassroots_app::units::get(&t.app, &t.cli(), cell)
        .await
        .unwrap();
    assert_eq!(cell_unit.parent_id, Some(factory));
    let factory_view = grassroots_app::units::view(&t.app, &t.cli(), factory)
        .await
        .unwrap();
    assert_eq!(factory_view.subtree("people.member"), 1);
    assert_eq!(factory_view.subtree("people.candidate"), 1);
    assert_eq!(factory_view.subtree("positions.current"), 0);
    assert_eq!(factory_view.subtree("seats.vacant"), 3);
    assert_eq!(factory_view.subtree("cells"), 1);
    let after = grassroots_app::units::view(&t.app, &t.cli(), county)
        .await
        .unwrap();
    assert_eq!(after.subtree("units"), before.subtree("units") - 1);
    assert_eq!(
        before.subtree("seats.vacant"),
        5,
        "two primaries, one seat filled"
    );
    assert_eq!(
        after.subtree("seats.vacant"),
        3,
        "the merged primary's seats are gone"
    );
    assert_eq!(
        after.subtree("people.member"),
        before.subtree("people.member")
    );
    assert!(
        after.children.iter().all(|c| c.id != mine),
        "a merged unit leaves the list of children"
    );
    t.assert_consistent().await;

    // The merged unit is history: readable, not writable.
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/units/{mine}/people"),
            Some(json!({"full_name": "Late", "status": "member"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "unit_id");
    let page = sec.page(&format!("/units/{mine}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"closed-notice\""));
    assert!(page.body.contains(&format!("href=\"/units/{factory}\"")));

    // The history of both units tells the story.
    let h = sec
        .json(Method::GET, &format!("/api/v1/units/{mine}/history"), None)
        .await
        .json();
    let actions: Vec<&str> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["unit.create", "unit.merge"]);
    assert_eq!(h[1]["to"], "Factory");
    let h = sec
        .json(
            Method::GET,
            &format!("/api/v1/units/{factory}/history"),
            None,
        )
        .await
        .json();
    assert!(
        h.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "unit.merge" && e["from"] == "Coal Mine")
    );
    let page = sec.get(&format!("/units/{mine}/history")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Factory"));

    // The mine's secretary lost the grant with the unit.
    let mut old = t.login("sec_mine").await;
    let r = old
        .json(Method::GET, &format!("/api/v1/units/{cell}"), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn close_refuses_until_empty_and_moves_leavers_up() {
    let t = TestApp::new().await;
    let primary = t
        .unit("Research Institute", "primary_committee", t.root)
        .await;
    let cell = t.unit("Lab Cell", "cell", primary).await;
    let active = t.person(cell, "Pak Song Il", "member").await;
    let gone = t.person(cell, "Han Mi Ok", "left").await;
    let mut admin = t.login("root").await;
    let r = admin
        .json(Method::POST, &format!("/api/v1/units/{cell}/close"), None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "id");
    assert!(
        r.json()["message"].as_str().unwrap().contains("1 people"),
        "{}",
        r.json()
    );
    let r = admin
        .json(
            Method::POST,
            &format!("/api/v1/units/{primary}/close"),
            None,
        )
        .await;
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("1 open child units")
    );

    grassroots_app::people::set_status(&t.app, &t.cli(), active, "left")
        .await
        .unwrap();
    // Through the page, as a person would.
    let r = admin
        .post_form(&format!("/units/{cell}/close"), &[("confirm", "1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let closed = grassroots_app::units::get(&t.app, &t.cli(), cell)
        .await
        .unwrap();
    assert!(closed.closed_at.is_some());
    for p in [active, gone] {
        let rec = grassroots_app::people::open(&t.app, &t.cli(), p)
            .await
            .unwrap();
        assert_eq!(rec.person.unit_id, primary, "leavers' records go up");
    }
    let view = grassroots_app::units::view(&t.app, &t.cli(), primary)
        .await
        .unwrap();
    assert_eq!(view.subtree("cells"), 0);
    assert_eq!(view.subtree("units"), 1);
    assert_eq!(view.subtree("people.left"), 2);
    let page = admin.page(&format!("/units/{primary}")).await;
    assert!(page.body.contains("id=\"closed-children\""));
    t.assert_consistent().await;
    // Closing twice, or the root, is refused.
    let r = admin
        .json(Method::POST, &format!("/api/v1/units/{cell}/close"), None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/close", t.root),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn profiles_rename_levels_and_refuse_to_orphan_units() {
    let t = TestApp::new().await;
    let mut admin = t.login("root").await;
    let r = admin
        .json(Method::GET, "/api/v1/organization/profile", None)
        .await
        .json();
    assert_eq!(r["profile"], "party");
    assert_eq!(r["levels"][0]["key"], "central_committee");

    // A fresh organization can switch; the root takes the new top level.
    let r = admin
        .json(
            Method::PUT,
            "/api/v1/organization/profile",
            Some(json!({"profile": "trade_union"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    let root = grassroots_app::units::get(&t.app, &t.cli(), t.root)
        .await
        .unwrap();
    assert_eq!(root.level, "confederation");
    let local = t.unit("Local 12", "local_union", t.root).await;
    let group = t.unit("Night shift", "workplace_group", local).await;
    let page = admin.page(&format!("/units/{local}")).await;
    assert!(
        page.body.contains("Workplace group"),
        "built-in names are translated"
    );
    let view = grassroots_app::units::view(&t.app, &t.cli(), t.root)
        .await
        .unwrap();
    assert_eq!(
        view.subtree("cells"),
        1,
        "the cell kind is counted by kind, not key"
    );

    // Switching away while units use its levels is refused, naming them.
    let r = admin
        .json(
            Method::PUT,
            "/api/v1/organization/profile",
            Some(json!({"profile": "party"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("local_union")
    );

    // A custom profile keeps the keys in use and renames them.
    let lines = "confederation | Federation of Unions | body\nlocal_union | Branch | primary\nworkplace_group | Shop floor | cell\nteam | Team | cell";
    let r = admin
        .post_form(
            "/admin/profile",
            &[("profile", "custom"), ("levels", lines)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = admin.page(&format!("/units/{group}")).await;
    assert!(page.body.contains("Shop floor"));
    // Errors name the line.
    let r = admin
        .post_form(
            "/admin/profile",
            &[
                ("profile", "custom"),
                ("levels", "a | A | body\nb | B | leaf"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("line 2"), "{}", r.body);
    // The organization's own level keeps its kind.
    let r = admin
        .post_form(
            "/admin/profile",
            &[("profile", "custom"), ("levels", "confederation | C | primary\nlocal_union | L | primary\nworkplace_group | W | cell")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("own level"), "{}", r.body);
    // Dropping a used level is refused.
    let r = admin
        .post_form(
            "/admin/profile",
            &[
                ("profile", "custom"),
                (
                    "levels",
                    "confederation | C | body\nlocal_union | L | primary",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("workplace_group"));
    t.assert_consistent().await;

    // Only administrators of the whole organization may change it.
    t.user(
        "admin_local",
        Some(Role::Administrator),
        local,
        ScopeKind::Subtree,
    )
    .await;
    let mut local_admin = t.login("admin_local").await;
    let r = local_admin
        .json(
            Method::PUT,
            "/api/v1/organization/profile",
            Some(json!({"profile": "cooperative"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn demo_on(
    db: grassroots_store::Db,
) -> (grassroots_app::App, Vec<grassroots_app::setup::DemoLogin>) {
    let app = grassroots_app::App::new(db, grassroots_app::Config::default());
    let logins = grassroots_app::demo::build(&app, grassroots_app::demo::Scale::of(1), &|_| {})
        .await
        .unwrap();
    (app, logins)
}

/// `grassroots demo --locale ko`: people and units named in Hangul, the
/// organization and the demo's logins speaking Korean, and the same
/// checks passing as on the English demo.
#[tokio::test]
async fn the_korean_demo_is_written_and_shown_in_korean() {
    let t = TestApp::demo_in(grassroots_core::vocab::Locale::Korean).await;
    let actor = t.cli();
    let all = grassroots_app::units::list(&t.app, &actor, 1000, 0)
        .await
        .unwrap();
    let latin: Vec<&str> = all
        .iter()
        .map(|u| u.name.as_str())
        .filter(|n| n.chars().any(|c| c.is_ascii_alphabetic()))
        .collect();
    assert!(latin.is_empty(), "units named in Latin letters: {latin:?}");
    assert!(all.iter().any(|u| u.name.contains("기계공장 초급당위원회")));
    assert!(all.iter().any(|u| u.name == "평안남도당위원회"), "{all:?}");
    let people = grassroots_app::people::list(
        &t.app,
        &actor,
        t.root,
        grassroots_store::people::PeopleFilter {
            subtree: true,
            limit: 500,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(people.len() > 100);
    for p in &people {
        assert!(
            p.full_name.chars().all(|c| ('가'..='힣').contains(&c)),
            "{}",
            p.full_name
        );
    }
    assert_eq!(
        grassroots_app::profiles::default_locale(&t.app)
            .await
            .unwrap(),
        "ko"
    );
    t.assert_consistent().await;
    // The member's home is in Korean even when the browser asks for
    // English: the demo's logins chose Korean.
    let mut member = t.login_demo("member").await;
    let r = member
        .send(
            axum::http::Method::GET,
            "/",
            None,
            Vec::new(),
            &[("accept-language", "en-US".to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<html lang=\"ko\">"), "{}", r.body);
    assert!(r.body.contains("님, 환영해요"), "{}", r.body);
    assert!(
        r.body.contains("주체"),
        "dates in the Juche era, in Korean: {}",
        r.body
    );
}

/// The demo has the shape of the source document's organization and is
/// the same on every run and engine.
#[tokio::test]
async fn demo_has_the_whole_structure_and_is_deterministic() {
    let (db, _dir) = grassroots_testkit::sqlite_db().await;
    let (app, logins) = demo_on(db).await;
    let names: Vec<&str> = logins.iter().map(|l| l.username.as_str()).collect();
    assert_eq!(
        names,
        ["admin", "province", "secretary", "cell", "member", "viewer"]
    );
    let root = grassroots_app::setup::root_unit(&app)
        .await
        .unwrap()
        .unwrap();
    let actor = grassroots_app::Actor::cli(root.id);
    let all = grassroots_app::units::list(&app, &actor, 1000, 0)
        .await
        .unwrap();
    for level in [
        "central_committee",
        "department",
        "provincial_committee",
        "city_committee",
        "county_committee",
        "primary_committee",
        "cell",
    ] {
        assert!(all.iter().any(|u| u.level == level), "no {level}");
    }
    for kind in [
        "Ministry",
        "Coal Mine",
        "Cooperative Farm",
        "Research Institute",
        "Machine Factory",
    ] {
        assert!(
            all.iter()
                .any(|u| u.level == "primary_committee" && u.name.contains(kind)),
            "no primary committee of a {kind}"
        );
    }
    let view = grassroots_app::units::view(&app, &actor, root.id)
        .await
        .unwrap();
    let people: i64 = view.people_by_status().iter().map(|(_, n)| n).sum();
    assert!(
        (2000..5000).contains(&people),
        "a few thousand people: {people}"
    );
    assert!(view.subtree("positions.current") > 200);
    assert!(
        view.subtree("seats.vacant") > 0,
        "some lead seats are vacant"
    );
    let mut c = app.db.conn().await.unwrap();
    assert!(
        grassroots_store::check::run(&mut c, chrono::Utc::now().date_naive())
            .await
            .unwrap()
            .ok()
    );
    drop(c);
    // Its organizational life: the conference with its citations, regular
    // meetings (some units overdue against the cadences), dates in the
    // Juche era.
    let reg = grassroots_app::meetings::regularity(&app, &actor, root.id)
        .await
        .unwrap();
    let top = &reg.rows[0];
    assert!(top.expected > 150, "cells and primary committees: {top:?}");
    assert!(top.overdue > 0 && top.overdue < top.expected, "{top:?}");
    assert!(top.present > 0 && top.present < top.marked, "{top:?}");
    assert!(!reg.overdue.is_empty());
    let roll = grassroots_app::commendations::roll(&app, &actor, root.id)
        .await
        .unwrap();
    assert!(
        roll.total >= 25,
        "citations at the conference: {}",
        roll.total
    );
    assert_eq!(
        grassroots_app::meetings::era(&app).await.unwrap(),
        grassroots_core::calendar::Era::Juche
    );
    let convened = grassroots_app::meetings::of_unit(&app, &actor, root.id)
        .await
        .unwrap()
        .convened;
    let conference = &convened[0].meeting;
    assert!(conference.closed_at.is_some() && conference.ends_on == "2022-02-28");
    let record = grassroots_app::meetings::view(&app, &actor, conference.id)
        .await
        .unwrap();
    assert!(
        record
            .agenda
            .iter()
            .flat_map(|a| &a.speeches)
            .any(|s| s.kind == "concluding_speech" && !s.title.is_empty())
    );
    // Logins of people open their own record.
    let mut client =
        grassroots_testkit::TestClient::new(grassroots_web::router(app.clone()).unwrap());
    client.login("member", "member-demo-2022").await;
    let me = client
        .json(axum::http::Method::GET, "/api/v1/me", None)
        .await
        .json();
    assert!(me["person"]["person"]["full_name"].is_string(), "{me}");

    // Same again from scratch: the same organization.
    let (db2, _dir2) = grassroots_testkit::sqlite_db().await;
    let (app2, _) = demo_on(db2).await;
    let root2 = grassroots_app::setup::root_unit(&app2)
        .await
        .unwrap()
        .unwrap();
    let view2 = grassroots_app::units::view(&app2, &grassroots_app::Actor::cli(root2.id), root2.id)
        .await
        .unwrap();
    assert_eq!(view.counters, view2.counters);
}

#[tokio::test]
async fn the_people_list_narrows_to_one_cell() {
    let t = TestApp::new().await;
    let primary = t.unit("Factory", "primary_committee", t.root).await;
    let c1 = t.unit("Press Shop Cell", "cell", primary).await;
    let c2 = t.unit("Paint Shop Cell", "cell", primary).await;
    let elsewhere = t.unit("Other", "primary_committee", t.root).await;
    t.person(c1, "Han Pressman", "member").await;
    t.person(c2, "O Painter", "member").await;
    t.person(elsewhere, "Far Away", "member").await;
    let mut admin = t.login("root").await;
    let table = |body: &str| {
        let start = body.find("id=\"people-table\"").expect("a people table");
        let end = body[start..].find("</table>").unwrap() + start;
        body[start..end].to_string()
    };
    let page = admin
        .page(&format!("/units/{primary}?subtree=1&cell={c1}"))
        .await;
    let rows = table(&page.body);
    assert!(rows.contains("Han Pressman"));
    assert!(!rows.contains("O Painter"));
    // A cell that is not below the unit is ignored, not followed.
    let page = admin
        .page(&format!("/units/{primary}?subtree=1&cell={elsewhere}"))
        .await;
    let rows = table(&page.body);
    assert!(rows.contains("O Painter") && rows.contains("Han Pressman"));
    assert!(!rows.contains("Far Away"));
}

#[tokio::test]
async fn a_merge_never_ends_positions_its_author_does_not_manage() {
    let t = TestApp::new().await;
    let province = t.unit("Province", "provincial_committee", t.root).await;
    let other_province = t
        .unit("Other province", "provincial_committee", t.root)
        .await;
    let c1 = t.unit("County 1", "county_committee", province).await;
    let c2 = t.unit("County 2", "county_committee", other_province).await;
    let mine = t.unit("Mine", "primary_committee", c1).await;
    let farm = t.unit("Farm", "primary_committee", c2).await;
    let miner = t.person(mine, "Kim Miner", "member").await;
    // The miner also sits on the provincial committee.
    grassroots_app::positions::assign(
        &t.app,
        &t.cli(),
        province,
        "committee_member",
        miner,
        "2020-01-01",
    )
    .await
    .unwrap();
    let who = t
        .user(
            "two_counties",
            Some(Role::Secretary),
            c1,
            ScopeKind::Subtree,
        )
        .await;
    grassroots_app::roles::assign(
        &t.app,
        &t.cli(),
        who,
        grassroots_core::Assignment {
            role: Role::Secretary,
            unit_id: c2,
            scope: ScopeKind::Subtree,
        },
    )
    .await
    .unwrap();
    let mut sec = t.login("two_counties").await;
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/units/{mine}/merge"),
            Some(json!({"into_id": farm})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "into_id");
    let held = grassroots_app::positions::of_unit(&t.app, &t.cli(), province)
        .await
        .unwrap();
    assert_eq!(held.current.len(), 1, "the provincial seat is untouched");
    assert!(
        grassroots_app::units::get(&t.app, &t.cli(), mine)
            .await
            .unwrap()
            .closed_at
            .is_none()
    );
}

#[tokio::test]
async fn pickers_search_units_and_people_by_name() {
    let t = TestApp::new().await;
    let primary = t.unit("Factory", "primary_committee", t.root).await;
    let cell = t.unit("Press Shop Cell", "cell", primary).await;
    for i in 0..120 {
        t.unit(&format!("Target {i:03}"), "department", t.root)
            .await;
    }
    t.unit("Zulu Needle Department", "department", t.root).await;
    t.person(cell, "Kim Findable", "member").await;
    let mut admin = t.login("root").await;
    let page = admin.page(&format!("/units/{cell}")).await;
    assert!(page.body.contains("Only the first 100 are listed"));
    assert!(
        !page.body.contains("Zulu Needle Department"),
        "beyond the first 100"
    );
    let page = admin.page(&format!("/units/{cell}?unit_q=needle")).await;
    assert!(page.body.contains("Zulu Needle Department"));
    assert!(!page.body.contains("Target 001"));
    let page = admin
        .page(&format!("/units/{primary}?person_q=findable"))
        .await;
    assert!(page.body.contains("Kim Findable"));
    let page = admin
        .page(&format!("/units/{primary}?person_q=nobody"))
        .await;
    assert!(!page.body.contains("id=\"pos-person\""));
}

/// A refusal of a unit where its level may not sit: 422 on the `level`
/// field, naming both levels.
fn assert_placement_refused(r: &grassroots_testkit::TestResponse, level: &str, parent: &str) {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let v = r.json();
    assert_eq!(v["field"], "level", "{v}");
    let msg = v["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!("`{level}`")) && msg.contains(&format!("`{parent}`")),
        "{msg}"
    );
}

/// The organization profile says which levels may sit under which;
/// creation, move, merge, import and a change of profile refuse a unit
/// where its level may not sit, through the API and the pages, and leave
/// nothing half-written.
#[tokio::test]
async fn units_sit_only_under_the_levels_the_profile_allows() {
    let t = TestApp::new().await;
    let province = t.unit("Province", "provincial_committee", t.root).await;
    let county = t.unit("County", "county_committee", province).await;
    let farm = t.unit("Farm", "primary_committee", county).await;
    let mine = t.unit("Mine", "primary_committee", county).await;
    let cell = t.unit("Cell", "cell", farm).await;
    let mut admin = t.login("root").await;
    let units_before = grassroots_app::units::list(&t.app, &t.cli(), 1000, 0)
        .await
        .unwrap()
        .len();
    // Creation through the API.
    for (parent, level, parent_level) in [
        (farm, "primary_committee", "primary_committee"),
        (cell, "provincial_committee", "cell"),
        (cell, "cell", "cell"),
        (t.root, "cell", "central_committee"),
    ] {
        let r = admin
            .json(
                Method::POST,
                &format!("/api/v1/units/{parent}/children"),
                Some(json!({"name": "New", "level": level})),
            )
            .await;
        assert_placement_refused(&r, level, parent_level);
    }
    // Creation through the page: the form comes back with the message,
    // and only allowed levels are offered.
    let r = admin
        .post_form(
            &format!("/units/{farm}/children"),
            &[("name", "New"), ("level", "primary_committee")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("cannot sit under a unit of level `primary_committee`"),
        "{}",
        r.body
    );
    let page = admin.page(&format!("/units/{farm}")).await;
    assert!(page.body.contains("<option value=\"cell\">"));
    assert!(!page.body.contains("<option value=\"primary_committee\">"));
    // Moves: a cell under a county, a primary committee under a cell.
    let r = admin
        .json(
            Method::POST,
            &format!("/api/v1/units/{cell}/move"),
            Some(json!({"parent_id": county})),
        )
        .await;
    assert_placement_refused(&r, "cell", "county_committee");
    let r = admin
        .post_form(
            &format!("/units/{mine}/move"),
            &[("parent_id", &cell.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("`primary_committee`"), "{}", r.body);
    // A merge whose children could not sit under the surviving unit.
    let r = admin
        .json(
            Method::POST,
            &format!("/api/v1/units/{farm}/merge"),
            Some(json!({"into_id": county})),
        )
        .await;
    assert_placement_refused(&r, "cell", "county_committee");
    // An import: row and column named, nothing written.
    let file = "external_id,name,level,parent_external_id\nP1,Works,primary_committee,\nP2,Works Shop,primary_committee,P1\nC1,Shop Cell,cell,P2\n";
    let r = admin
        .post_bytes(
            &format!("/api/v1/units/{county}/import?kind=units&format=csv&dry_run=false"),
            "text/csv",
            file.as_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let problems = r.json()["problems"].clone();
    assert_eq!(problems.as_array().unwrap().len(), 1, "{problems}");
    assert_eq!(problems[0]["row"], 3);
    assert_eq!(problems[0]["column"], "C (level)");
    assert!(
        problems[0]["reason"]
            .as_str()
            .unwrap()
            .contains("`primary_committee` cannot sit under a unit of level `primary_committee`")
    );
    // An import that reshapes in one go is judged on the tree it leaves:
    // the farm becomes a county of its own... which a county may not
    // hold; as a primary committee under the province it may.
    let file = format!(
        "external_id,name,level,parent_external_id,id,parent_id\n,Farm,primary_committee,,{farm},{province}\n"
    );
    let r = admin
        .post_bytes(
            &format!("/api/v1/units/{province}/import?kind=units&format=csv&dry_run=false"),
            "text/csv",
            file.as_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["updated"], 1);
    let file = format!(
        "external_id,name,level,parent_external_id,id,parent_id\n,Farm,county_committee,,{farm},{province}\n"
    );
    let r = admin
        .post_bytes(
            &format!("/api/v1/units/{province}/import?kind=units&format=csv&dry_run=false"),
            "text/csv",
            file.as_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("Cell (")
            && r.body
                .contains("`cell` cannot sit under a unit of level `county_committee`"),
        "the cell left below the farm is named: {}",
        r.body
    );
    assert_eq!(
        grassroots_app::units::list(&t.app, &t.cli(), 1000, 0)
            .await
            .unwrap()
            .len(),
        units_before,
        "nothing was created"
    );
    // A profile whose rules the tree breaks is refused, naming them.
    let strict = json!({"profile": "custom", "levels": [
        {"key": "central_committee", "label": "Centre", "kind": "body"},
        {"key": "provincial_committee", "label": "Province", "kind": "body"},
        {"key": "county_committee", "label": "County", "kind": "body"},
        {"key": "primary_committee", "label": "Primary", "kind": "primary",
         "parents": ["county_committee"]},
        {"key": "cell", "label": "Cell", "kind": "cell", "parents": ["primary_committee", "cell"]},
    ]});
    let r = admin
        .json(
            Method::PUT,
            "/api/v1/organization/profile",
            Some(strict.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("1 units would break the new profile")
            && r.body.contains(
                "`primary_committee` cannot sit under a unit of level `provincial_committee`"
            ),
        "{}",
        r.body
    );
    // Put the farm back under the county: the same profile is accepted,
    // and its own rules hold from then on (cells in cells are allowed).
    grassroots_app::units::move_unit(&t.app, &t.cli(), farm, county)
        .await
        .unwrap();
    let r = admin
        .json(
            Method::PUT,
            "/api/v1/organization/profile",
            Some(strict.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.json()["levels"][4]["parents"],
        json!(["primary_committee", "cell"])
    );
    let r = admin
        .json(
            Method::POST,
            &format!("/api/v1/units/{cell}/children"),
            Some(json!({"name": "Group", "level": "cell"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = admin
        .json(
            Method::POST,
            &format!("/api/v1/units/{province}/children"),
            Some(json!({"name": "Works", "level": "primary_committee"})),
        )
        .await;
    assert_placement_refused(&r, "primary_committee", "provincial_committee");
    // A level change checked at once: a cell with a cell below it may not
    // become a primary committee under another (nothing is changed).
    {
        let mut tx = t.app.db.begin().await.unwrap();
        let scope = t.cli().principal.scope::<grassroots_core::Manage>();
        let err = grassroots_store::units::set_level(
            &mut tx,
            &scope,
            cell,
            "primary_committee",
            t.app.clock.now(),
            grassroots_store::units::Placement::Check,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&err, grassroots_store::StoreError::Placement { level, parent_level, .. }
                if level == "primary_committee" && parent_level == "primary_committee"),
            "{err:?}"
        );
    }
    assert_eq!(
        grassroots_app::units::get(&t.app, &t.cli(), cell)
            .await
            .unwrap()
            .level,
        "cell"
    );
    // A parent that is not a level of the profile is named with its line.
    let err =
        grassroots_app::profiles::parse_custom("top | Top | body\nleaf | Leaf | cell | nowhere")
            .unwrap_err();
    assert!(
        err.to_string().contains("line 2") && err.to_string().contains("`nowhere`"),
        "{err}"
    );
    t.assert_consistent().await;
}

/// The unit page's sections, top to bottom.
pub(crate) const SECTION_KEYS: [&str; 14] = [
    "positions",
    "transfers",
    "plans",
    "decisions",
    "meetings",
    "bulletins",
    "commendations",
    "welfare",
    "supply",
    "appeals",
    "safety",
    "talents",
    "people",
    "units",
];

#[tokio::test]
async fn the_unit_page_is_a_shell_whose_sections_load_on_their_own() {
    let t = TestApp::new().await;
    let province = t
        .unit("South Hamgyong", "provincial_committee", t.root)
        .await;
    let factory = t
        .unit("Ryongsong Factory", "primary_committee", province)
        .await;
    let mut admin = t.login("root").await;
    let keys = SECTION_KEYS;

    // The shell carries the heading and counters, and a slot per section
    // that htmx fills; the contents are not in it.
    let shell = admin.get(&format!("/units/{factory}?q=Kim")).await;
    assert_eq!(shell.status, StatusCode::OK);
    assert!(shell.body.contains("id=\"count-units\""));
    assert!(!shell.body.contains("id=\"people-table\"") && !shell.body.contains("id=\"convene\""));
    for key in keys {
        assert!(
            shell
                .body
                .contains(&format!("hx-get=\"/units/{factory}/sections/{key}?q=Kim\"")),
            "slot of {key} passes the page's query on: {}",
            shell.body
        );
    }

    // A section asked by htmx is the section alone; asked by a browser
    // without script, it is a page of its own.
    for key in keys {
        let part = admin
            .send(
                Method::GET,
                &format!("/units/{factory}/sections/{key}"),
                None,
                Vec::new(),
                &[("hx-request", "true".into())],
            )
            .await;
        assert_eq!(part.status, StatusCode::OK, "{key}");
        assert!(part.body.starts_with(&format!(
            "<div class=\"unit-section\" id=\"section-{key}\">"
        )));
        assert!(!part.body.contains("<html"), "{key} is a fragment");
        let page = admin.get(&format!("/units/{factory}/sections/{key}")).await;
        assert_eq!(page.status, StatusCode::OK, "{key}");
        assert!(page.body.contains("<html") && page.body.contains("id=\"back-to-unit\""));
    }
    let r = admin
        .get(&format!("/units/{factory}/sections/nothing-here"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // A form's error re-renders its own section only, with the error.
    let r = admin
        .post_form(
            &format!("/units/{factory}/meetings"),
            &[
                ("meeting_type", "primary_general"),
                ("title", ""),
                ("held_on", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"form-error\""));
    assert!(r.body.contains("id=\"section-meetings\""));
    assert!(!r.body.contains("id=\"section-people\"") && !r.body.contains("id=\"section-units\""));
    let r = admin
        .post_form(
            &format!("/units/{factory}/children"),
            &[("name", "Cell"), ("level", "provincial_committee")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"form-error\"") && r.body.contains("id=\"section-units\""));
    assert!(!r.body.contains("id=\"section-meetings\""));
}

#[tokio::test]
async fn a_units_end_moves_the_counters_of_rows_that_follow_it_only() {
    use grassroots_app::bulletins::{self, ArticleInput, BulletinInput};
    let t = TestApp::new().await;
    let province = t
        .unit("North Hwanghae", "provincial_committee", t.root)
        .await;
    let county = t.unit("Sariwon City", "city_committee", province).await;
    let works = t.unit("Sariwon Works", "primary_committee", county).await;
    let farm = t.unit("Migok Farm", "primary_committee", county).await;
    t.person(works, "Kang Song Il", "member").await;
    let cli = t.cli();
    // A bulletin received by both: the receipts (history) stay with the
    // merged unit, its people go to the survivor.
    let b = bulletins::create(
        &t.app,
        &cli,
        county,
        BulletinInput {
            title: "Harvest news".into(),
            dated_on: String::new(),
        },
    )
    .await
    .unwrap();
    bulletins::add_article(
        &t.app,
        &cli,
        b.id,
        ArticleInput {
            heading: "The early rice".into(),
            body: "Planted on time.".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        bulletins::publish(&t.app, &cli, b.id, &["primary_committee".into()])
            .await
            .unwrap(),
        2
    );
    grassroots_app::units::merge(&t.app, &cli, works, farm)
        .await
        .unwrap();
    t.assert_consistent().await;
    let farm_view = grassroots_app::units::view(&t.app, &cli, farm)
        .await
        .unwrap();
    assert_eq!(farm_view.counters["people.member"].0, 1);
    assert_eq!(
        farm_view.counters[&format!("bulletin.{}.addressed", b.id)].0,
        1
    );

    // Every counter kept belongs to exactly one registered family.
    let mut c = t.app.db.conn().await.unwrap();
    for row in grassroots_store::aggregates::stored(&mut c).await.unwrap() {
        let families = grassroots_store::registry::COUNTER_FAMILIES
            .iter()
            .filter(|f| f.has(&row.metric))
            .count();
        assert_eq!(families, 1, "{}", row.metric);
    }
}
