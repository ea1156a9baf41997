//! People search in Korean and English through the index: two-syllable
//! names and parts of names, initial consonants (초성), beginnings of
//! English words, single syllables and letters; only within the
//! subtree asked about, and kept right when a person is renamed or
//! transferred, a subtree moves, or the index is filled for people older
//! than it.

use axum::http::{Method, StatusCode};
use grassroots_core::Edit;
use grassroots_testkit::{TestApp, TestClient};

/// Names found by `q` in the subtree of `unit`, in the listing's order.
async fn found(c: &mut TestClient, unit: i64, q: &str) -> Vec<String> {
    let r = c
        .json(
            Method::GET,
            &format!(
                "/api/v1/units/{unit}/people?subtree=true&{}",
                serde_urlencoded::to_string([("q", q)]).unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["full_name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn people_are_found_by_korean_and_english_parts_of_their_names() {
    let t = TestApp::new().await;
    let province = t
        .unit("North Province", "provincial_committee", t.root)
        .await;
    let a = t.unit("County A", "county_committee", province).await;
    let b = t.unit("County B", "county_committee", province).await;
    let pa = t.unit("Factory A", "primary_committee", a).await;
    let pb = t.unit("Farm B", "primary_committee", b).await;
    let ca = t.unit("Cell A", "cell", pa).await;
    let cb = t.unit("Cell B", "cell", pb).await;
    t.person(ca, "김철수", "member").await;
    let moved = t.person(ca, "김수철", "member").await;
    t.person(ca, "Ri Chol Su", "member").await;
    t.person(cb, "김철수", "member").await;
    let renamed = t.person(cb, "박영희", "candidate").await;
    let mut root = t.login("root").await;

    assert_eq!(
        found(&mut root, a, "철수").await,
        ["김철수"],
        "a two-syllable part"
    );
    assert_eq!(
        found(&mut root, a, "ㄱㅊ").await,
        ["김철수"],
        "initial consonants"
    );
    assert_eq!(found(&mut root, a, "ㄱㅊㅅ").await, ["김철수"]);
    assert_eq!(found(&mut root, a, "김철수").await, ["김철수"]);
    assert_eq!(
        found(&mut root, a, "김").await,
        ["김수철", "김철수"],
        "one syllable, checked on the names"
    );
    assert_eq!(found(&mut root, a, "chol").await, ["Ri Chol Su"]);
    assert_eq!(found(&mut root, a, "su RI").await, ["Ri Chol Su"]);
    assert!(
        found(&mut root, a, "hol").await.is_empty(),
        "words by their beginnings"
    );
    assert!(
        found(&mut root, a, "영희").await.is_empty(),
        "not in this county"
    );
    assert_eq!(found(&mut root, province, "영희").await, ["박영희"]);
    assert_eq!(
        found(&mut root, pa, "김").await,
        ["김수철", "김철수"],
        "below a county: its people only"
    );
    assert!(found(&mut root, pb, "수철").await.is_empty());
    assert_eq!(
        found(&mut root, t.root, "철수").await,
        ["김철수", "김철수"],
        "the whole organization"
    );
    assert_eq!(found(&mut root, province, "김철수").await.len(), 2);

    // A transfer, a new name and a moved subtree are searched as they are.
    let now = t.app.clock.now();
    let edit = t.cli().principal.scope::<Edit>();
    let mut tx = t.app.db.begin().await.unwrap();
    grassroots_store::people::relocate(&mut tx, moved, cb, "test", now)
        .await
        .unwrap();
    grassroots_store::people::update_details(&mut tx, &edit, renamed, "박영남", "", None, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(found(&mut root, a, "수철").await.is_empty());
    assert_eq!(found(&mut root, b, "수철").await, ["김수철"]);
    assert!(found(&mut root, province, "영희").await.is_empty());
    assert_eq!(found(&mut root, b, "영남").await, ["박영남"]);
    grassroots_app::units::move_unit(&t.app, &t.cli(), pb, a)
        .await
        .unwrap();
    assert_eq!(
        found(&mut root, a, "영남").await,
        ["박영남"],
        "moved with its farm"
    );
    assert!(found(&mut root, b, "영남").await.is_empty());
    // Up a level and back: the factory is its own area under the
    // province, then part of county A's again.
    grassroots_app::units::move_unit(&t.app, &t.cli(), pa, province)
        .await
        .unwrap();
    assert!(found(&mut root, a, "chol").await.is_empty());
    assert_eq!(found(&mut root, pa, "chol").await, ["Ri Chol Su"]);
    assert_eq!(found(&mut root, province, "chol").await, ["Ri Chol Su"]);
    t.assert_consistent().await;
    grassroots_app::units::move_unit(&t.app, &t.cli(), pa, a)
        .await
        .unwrap();
    assert_eq!(found(&mut root, a, "chol").await, ["Ri Chol Su"]);
    assert_eq!(found(&mut root, pa, "chol").await, ["Ri Chol Su"]);
    t.assert_consistent().await;

    // A database older than the index: the job fills it.
    for clear in ["DELETE FROM people_terms", "DELETE FROM people_terms_docs"] {
        match &t.app.db {
            grassroots_store::Db::Sqlite(pool, _) => {
                sqlx::query(clear).execute(pool).await.unwrap();
            }
            grassroots_store::Db::Postgres(pool) => {
                sqlx::query(clear).execute(pool).await.unwrap();
            }
        }
    }
    assert!(found(&mut root, a, "철수").await.is_empty());
    let n = grassroots_app::search::index_missing(&t.app).await.unwrap();
    assert!(n >= 5, "{n}");
    // The walk is remembered: the next run looks at people added since.
    assert_eq!(
        grassroots_app::search::index_missing(&t.app).await.unwrap(),
        0
    );
    let mut c = t.app.db.conn().await.unwrap();
    let max: i64 = grassroots_store::search::filled_through(&mut c)
        .await
        .unwrap();
    drop(c);
    assert!(max >= moved, "walked to the end: {max}");
    assert_eq!(
        found(&mut root, a, "철수").await,
        ["김철수", "김철수"],
        "both, now that the farm is in county A"
    );
    t.assert_consistent().await;
}

/// What `GET /api/v1/search` found for `q`: the names of each kind.
async fn searched(c: &mut TestClient, q: &str) -> serde_json::Value {
    let r = c
        .json(
            Method::GET,
            &format!(
                "/api/v1/search?{}",
                serde_urlencoded::to_string([("q", q)]).unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
    let j = r.json();
    let names = |kind: &str, field: &str| -> Vec<String> {
        j[kind]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x[field].as_str().unwrap().to_string())
            .collect()
    };
    serde_json::json!({
        "people": names("people", "full_name"),
        "units": names("units", "name"),
        "experiences": names("experiences", "title"),
        "decisions": names("decisions", "title"),
    })
}

#[tokio::test]
async fn units_experiences_and_decisions_are_found_within_what_the_reader_may_read() {
    use grassroots_core::{Role, ScopeKind};
    let t = TestApp::new().await;
    let north = t
        .unit("평안남도 위원회", "provincial_committee", t.root)
        .await;
    let south = t
        .unit("황해남도 위원회", "provincial_committee", t.root)
        .await;
    let county = t.unit("안주시 위원회", "county_committee", north).await;
    let factory = t
        .unit("안주기계공장 초급위원회", "primary_committee", county)
        .await;
    let farm = t
        .unit("청산협동농장 초급위원회", "primary_committee", county)
        .await;
    let south_county = t.unit("해주시 위원회", "county_committee", south).await;
    let far = t
        .unit("해주제련소 초급위원회", "primary_committee", south_county)
        .await;
    let cell = t.unit("선반직장 세포", "cell", factory).await;
    t.person(cell, "김철수", "member").await;
    t.user(
        "sec_north",
        Some(Role::Secretary),
        north,
        ScopeKind::Subtree,
    )
    .await;
    t.user("sec_farm", Some(Role::Secretary), farm, ScopeKind::Subtree)
        .await;
    t.user(
        "sec_south",
        Some(Role::Secretary),
        south,
        ScopeKind::Subtree,
    )
    .await;
    let cli = t.cli();
    let decision = |unit: i64, title: &str, body: &str| {
        let (t, cli) = (&t, &cli);
        let (title, body) = (title.to_string(), body.to_string());
        async move {
            grassroots_app::decisions::issue(
                &t.app,
                cli,
                unit,
                grassroots_app::decisions::DecisionInput {
                    title,
                    body,
                    source: "committee_meeting".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
        }
    };
    decision(north, "과학기술 보급에 대하여", "모든 세포가 학습한다.").await;
    decision(county, "Spring sowing", "Every farm sows on time.").await;
    decision(far, "제련소 안전", "Furnace rules.").await;
    decision(county, "2024년 파종 계획", "").await;
    grassroots_app::experiences::write(
        &t.app,
        &cli,
        factory,
        grassroots_app::experiences::ExperienceInput {
            title: "선반 안전교육 경험".into(),
            body: "세포마다 주 1회 안전규정을 읽었다.".into(),
            tags: "안전, lathes".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    let mut root = t.login("root").await;
    let found = searched(&mut root, "안주").await;
    assert_eq!(
        found["units"],
        serde_json::json!(["안주시 위원회", "안주기계공장 초급위원회"]),
        "two syllables of a unit's name, the highest first"
    );
    assert_eq!(
        searched(&mut root, "ㅇㅈㄱㄱ").await["units"],
        serde_json::json!(["안주기계공장 초급위원회"])
    );
    assert_eq!(
        searched(&mut root, "ㅊㅅ").await["people"],
        serde_json::json!(["김철수"])
    );
    assert_eq!(
        searched(&mut root, "보급").await["decisions"],
        serde_json::json!(["과학기술 보급에 대하여"]),
        "a decision by two syllables of its title"
    );
    assert_eq!(
        searched(&mut root, "학습").await["decisions"],
        serde_json::json!(["과학기술 보급에 대하여"]),
        "…and of its text"
    );
    assert_eq!(
        searched(&mut root, "2024").await["decisions"],
        serde_json::json!(["2024년 파종 계획"]),
        "a word mixing digits and Hangul, by its beginning"
    );
    assert_eq!(
        searched(&mut root, "sow").await["decisions"],
        serde_json::json!(["Spring sowing"])
    );
    let found = searched(&mut root, "안전").await;
    assert_eq!(
        found["experiences"],
        serde_json::json!(["선반 안전교육 경험"])
    );
    assert_eq!(found["decisions"], serde_json::json!(["제련소 안전"]));
    assert_eq!(
        searched(&mut root, "lath").await["experiences"],
        serde_json::json!(["선반 안전교육 경험"]),
        "by a tag's beginning"
    );
    assert_eq!(
        searched(&mut root, "규정").await["experiences"],
        serde_json::json!(["선반 안전교육 경험"]),
        "by its text"
    );
    // The library's own search goes through the same index.
    let r = root
        .json(
            Method::GET,
            "/api/v1/experiences?q=%E3%85%85%E3%85%82",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json().as_array().unwrap().len(),
        1,
        "ㅅㅂ finds 선반: {}",
        r.body
    );

    // Within what each reader may read.
    let mut farm_sec = t.login("sec_farm").await;
    let found = searched(&mut farm_sec, "안주").await;
    assert_eq!(
        found["units"],
        serde_json::json!([]),
        "the factory is a sibling's"
    );
    assert_eq!(
        searched(&mut farm_sec, "철수").await["people"],
        serde_json::json!([])
    );
    assert_eq!(
        searched(&mut farm_sec, "sowing").await["decisions"],
        serde_json::json!(["Spring sowing"]),
        "addressed to the farm"
    );
    assert_eq!(
        searched(&mut farm_sec, "제련소").await["decisions"],
        serde_json::json!([])
    );
    assert_eq!(
        searched(&mut farm_sec, "안전").await["experiences"],
        serde_json::json!(["선반 안전교육 경험"]),
        "the library is the organization's"
    );
    let mut south_sec = t.login("sec_south").await;
    let found = searched(&mut south_sec, "위원회").await;
    assert_eq!(
        found["units"],
        serde_json::json!(["황해남도 위원회", "해주시 위원회", "해주제련소 초급위원회"])
    );
    assert_eq!(
        searched(&mut south_sec, "보급").await["decisions"],
        serde_json::json!([])
    );

    // A renamed unit is found by its new name; a moved one where it went.
    grassroots_app::units::update(&t.app, &cli, farm, Some("청산리협동농장 초급위원회"), None)
        .await
        .unwrap();
    assert_eq!(
        searched(&mut farm_sec, "산리").await["units"],
        serde_json::json!(["청산리협동농장 초급위원회"])
    );
    assert_eq!(
        searched(&mut farm_sec, "산협").await["units"],
        serde_json::json!([])
    );
    let mut north_sec = t.login("sec_north").await;
    assert_eq!(
        searched(&mut north_sec, "선반").await["units"],
        serde_json::json!(["선반직장 세포"])
    );
    grassroots_app::units::move_unit(&t.app, &cli, factory, south_county)
        .await
        .unwrap();
    assert_eq!(
        searched(&mut north_sec, "선반").await["units"],
        serde_json::json!([]),
        "moved away"
    );
    let found = searched(&mut south_sec, "선반").await;
    assert_eq!(found["units"], serde_json::json!(["선반직장 세포"]));
    assert_eq!(
        found["experiences"],
        serde_json::json!(["선반 안전교육 경험"])
    );
    let r = south_sec
        .json(
            Method::GET,
            &format!("/api/v1/experiences?q=%EC%84%A0%EB%B0%98&under={south}"),
            None,
        )
        .await;
    assert_eq!(
        r.json().as_array().unwrap().len(),
        1,
        "within the subtree it moved to: {}",
        r.body
    );
    t.assert_consistent().await;

    // The page, and a query too long to be one.
    let page = north_sec.page("/search?q=%EB%B3%B4%EA%B8%89").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("과학기술 보급에 대하여"),
        "{}",
        page.body
    );
    let long = "가".repeat(201);
    let r = north_sec
        .get(&format!(
            "/search?{}",
            serde_urlencoded::to_string([("q", &long)]).unwrap()
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = north_sec
        .json(
            Method::GET,
            &format!(
                "/api/v1/search?{}",
                serde_urlencoded::to_string([("q", &long)]).unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "q", "{}", r.body);

    // A database older than the indexes: the job fills them.
    for table in ["units_search", "experiences_search", "decisions_search"] {
        let clear = format!("DELETE FROM {table}");
        match &t.app.db {
            grassroots_store::Db::Sqlite(pool, _) => {
                sqlx::query(sqlx::AssertSqlSafe(clear))
                    .execute(pool)
                    .await
                    .unwrap();
            }
            grassroots_store::Db::Postgres(pool) => {
                sqlx::query(sqlx::AssertSqlSafe(clear))
                    .execute(pool)
                    .await
                    .unwrap();
            }
        }
    }
    assert_eq!(
        searched(&mut root, "안주").await["units"],
        serde_json::json!([])
    );
    let n = grassroots_app::search::index_missing_texts(&t.app)
        .await
        .unwrap();
    assert!(n >= 10, "{n}");
    assert_eq!(
        grassroots_app::search::index_missing_texts(&t.app)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        searched(&mut root, "안주").await["units"],
        serde_json::json!(["안주시 위원회", "안주기계공장 초급위원회"])
    );
    assert_eq!(
        searched(&mut root, "보급").await["decisions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    t.assert_consistent().await;
}
