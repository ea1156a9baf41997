//! People search in Korean and English through the index: two-syllable
//! names and parts of names, initial consonants (초성), beginnings of
//! English words, single syllables checked on the name; only within the
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
    t.assert_consistent().await;

    // A database older than the index: the job fills it.
    let clear = "DELETE FROM people_search";
    match &t.app.db {
        grassroots_store::Db::Sqlite(pool) => {
            sqlx::query(clear).execute(pool).await.unwrap();
        }
        grassroots_store::Db::Postgres(pool) => {
            sqlx::query(clear).execute(pool).await.unwrap();
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
