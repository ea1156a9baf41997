//! Import and export: dry runs that list every problem, all-or-nothing
//! commits, re-imports by external id, CSV and XLSX, pages and API.

use axum::http::StatusCode;
use grassroots_testkit::{TestApp, TestClient};

const CSV: &str = "text/csv";

async fn people_total(t: &TestApp) -> i64 {
    let view = grassroots_app::units::view(&t.app, &t.cli(), t.root)
        .await
        .unwrap();
    view.people_by_status().iter().map(|(_, n)| n).sum()
}

async fn import(
    c: &mut TestClient,
    unit: i64,
    query: &str,
    body: &[u8],
) -> (StatusCode, serde_json::Value) {
    let r = c
        .post_bytes(&format!("/api/v1/units/{unit}/import?{query}"), CSV, body)
        .await;
    (r.status, serde_json::from_str(&r.body).unwrap_or_default())
}

fn reasons(report: &serde_json::Value) -> Vec<String> {
    report["problems"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    format!(
                        "{} {} {}",
                        p["row"],
                        p["column"].as_str().unwrap_or(""),
                        p["reason"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn people_import_dry_run_commit_and_reimport_by_external_id() {
    let t = TestApp::new().await;
    let village = t
        .unit("Village Primary Committee", "primary_committee", t.root)
        .await;
    let mut admin = t.login("root").await;
    // Units first: cells of the village, child listed before its parent.
    let units = "external_id,name,level,parent_external_id\nC2,Cell 2,cell,V\nV,Farm brigade,primary_committee,\nC1,Cell 1,cell,V\n";
    let (status, rep) = import(
        &mut admin,
        village,
        "kind=units&format=csv&dry_run=false",
        units.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rep}");
    assert_eq!(rep["created"], 3);
    let brigade = grassroots_app::units::by_external_id(&t.app, &t.cli(), "V")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(brigade.parent_id, Some(village));

    let people = "Name,Status,Unit,Phone,Joined,Register\n김영희,member,C1,010-1,2019-04-15,P-1\nRi Chol,candidate,C2,,,P-2\nPak Un,employee,,,,P-3\n";
    // Headers are matched to fields by name and synonyms.
    let (status, rep) = import(
        &mut admin,
        village,
        "kind=people&format=csv",
        people.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rep}");
    assert_eq!(rep["committed"], false);
    assert_eq!(rep["created"], 3);
    assert_eq!(rep["mapping"]["full_name"], "Name");
    assert_eq!(rep["mapping"]["external_id"], "Register");
    assert_eq!(people_total(&t).await, 0, "a dry run writes nothing");

    let (status, rep) = import(
        &mut admin,
        village,
        "kind=people&format=csv&dry_run=false&file_name=roll.csv",
        people.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rep}");
    assert_eq!(rep["committed"], true);
    let view = grassroots_app::units::view(&t.app, &t.cli(), village)
        .await
        .unwrap();
    assert_eq!(view.subtree("people.member"), 1);
    assert_eq!(view.subtree("people.candidate"), 1);
    assert_eq!(view.subtree("people.employee"), 1);
    t.assert_consistent().await;
    let audit = t.audit_rows(Some("import.people")).await;
    assert_eq!(audit.len(), 1);

    // Re-import: P-2 became a member and moved to cell 1, P-1 corrected;
    // nothing is duplicated.
    let again = "Name,Status,Unit,Phone,Joined,Register\n김영희,member,C1,010-9,2019-04-15,P-1\nRi Chol,member,C1,,,P-2\nPak Un,employee,,,,P-3\n";
    let (status, rep) = import(
        &mut admin,
        village,
        "kind=people&format=csv&dry_run=false",
        again.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rep}");
    assert_eq!(
        (
            rep["created"].as_i64(),
            rep["updated"].as_i64(),
            rep["unchanged"].as_i64()
        ),
        (Some(0), Some(2), Some(1))
    );
    assert_eq!(people_total(&t).await, 3);
    let view = grassroots_app::units::view(&t.app, &t.cli(), village)
        .await
        .unwrap();
    assert_eq!(view.subtree("people.member"), 2);
    assert_eq!(view.subtree("people.candidate"), 0);
    t.assert_consistent().await;

    // Export, as CSV and XLSX, re-imports as "unchanged".
    for fmt in ["csv", "xlsx"] {
        let r = admin
            .get(&format!(
                "/api/v1/units/{village}/export?kind=people&format={fmt}"
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let ct = r.headers["content-type"].to_str().unwrap().to_string();
        let r2 = admin
            .post_bytes(
                &format!("/api/v1/units/{village}/import?kind=people&format={fmt}&dry_run=false"),
                &ct,
                &r.raw,
            )
            .await;
        assert_eq!(r2.status, StatusCode::OK, "{}", r2.body);
        let rep = r2.json();
        assert_eq!(
            (rep["created"].as_i64(), rep["unchanged"].as_i64()),
            (Some(0), Some(3)),
            "{fmt}: {rep}"
        );
    }
    let csv = admin
        .get(&format!("/units/{village}/export/people.csv"))
        .await;
    assert!(csv.body.contains("김영희"));
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    assert_eq!(
        t.audit_rows(Some("people.export")).await.len(),
        3,
        "people exports are logged"
    );
    let units_x = admin
        .get(&format!(
            "/api/v1/units/{village}/export?kind=units&format=xlsx"
        ))
        .await;
    let r = admin
        .post_bytes(
            &format!("/api/v1/units/{village}/import?kind=units&format=xlsx&dry_run=false"),
            "application/octet-stream",
            &units_x.raw,
        )
        .await;
    assert_eq!(r.json()["unchanged"], 3, "{}", r.body);
}

#[tokio::test]
async fn malformed_files_get_their_own_error_and_write_nothing() {
    let t = TestApp::new().await;
    let mine = t
        .unit("Coal Mine Primary Committee", "primary_committee", t.root)
        .await;
    let other = t.unit("Elsewhere", "primary_committee", t.root).await;
    grassroots_app::units::create_child(&t.app, &t.cli(), other, "Far cell", "cell")
        .await
        .unwrap();
    let mut admin = t.login("root").await;
    let ok_units = "external_id,name,level,parent_external_id\nS1,Shaft 1,cell,\n";
    import(
        &mut admin,
        mine,
        "kind=units&format=csv&dry_run=false",
        ok_units.as_bytes(),
    )
    .await;
    let before_units = grassroots_app::units::view(&t.app, &t.cli(), t.root)
        .await
        .unwrap()
        .subtree("units");

    // Wrong encoding: Latin-1 bytes.
    let (status, rep) = import(
        &mut admin,
        mine,
        "kind=people&format=csv&dry_run=false",
        b"full_name,status\nJos\xe9,member\n",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(rep["field"], "file");
    assert!(rep["message"].as_str().unwrap().contains("UTF-8"), "{rep}");

    // Not a workbook.
    let (status, rep) = import(
        &mut admin,
        mine,
        "kind=people&format=xlsx&dry_run=false",
        b"full_name,status\n",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        rep["message"]
            .as_str()
            .unwrap()
            .contains("not an Excel workbook"),
        "{rep}"
    );

    // Missing column.
    let (status, rep) = import(
        &mut admin,
        mine,
        "kind=people&format=csv&dry_run=false",
        "full_name,unit\nKim,S1\n".as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = reasons(&rep);
    assert!(
        r.iter().any(|p| p.starts_with("0 status missing column")),
        "{r:?}"
    );

    // Every row problem at once, with row, column and value.
    let bad = "full_name,status,unit_external_id,joined_on,external_id\n\
               Kim,member,S1,2020-01-01,X1\n\
               Ri,soldier,S1,,X2\n\
               Pak,member,NOPE,,X3\n\
               Han,member,S1,31/12/2020,X4\n\
               ,member,S1,,X5\n\
               Jo,member,S1,,X1\n";
    let (status, rep) = import(
        &mut admin,
        mine,
        "kind=people&format=csv&dry_run=false",
        bad.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = reasons(&rep);
    assert_eq!(rep["problem_count"], 5, "{r:?}");
    assert!(
        r.iter()
            .any(|p| p.starts_with("3 B (status) unknown status")),
        "{r:?}"
    );
    assert!(
        r.iter()
            .any(|p| p.starts_with("4 C (unit_external_id) unknown unit")),
        "{r:?}"
    );
    assert!(
        r.iter()
            .any(|p| p.starts_with("5 D (joined_on) must be a date")),
        "{r:?}"
    );
    assert!(r.iter().any(|p| p.starts_with("6 A (full_name)")), "{r:?}");
    assert!(
        r.iter()
            .any(|p| p.starts_with("7 E (external_id) duplicate id: row 2")),
        "{r:?}"
    );
    assert_eq!(rep["problems"][0]["value"], "soldier");

    // A unit of another subtree is unknown here, not reachable.
    let far = "full_name,status,unit_external_id\nKim,member,S1\nRi,member,FAR\n";
    let (status, _) = import(
        &mut admin,
        other,
        "kind=units&format=csv&dry_run=false",
        "external_id,name,level\nFAR,Far 2,cell\n".as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, rep) = import(
        &mut admin,
        mine,
        "kind=people&format=csv&dry_run=false",
        far.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reasons(&rep)[0].contains("unknown unit"));

    // Cycles in a units file, and an id already used elsewhere.
    let cyc = "external_id,name,level,parent_external_id\nA,Unit A,cell,B\nB,Unit B,cell,C\nC,Unit C,cell,A\nD,Unit D,cell,\n";
    let (status, rep) = import(
        &mut admin,
        mine,
        "kind=units&format=csv&dry_run=false",
        cyc.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = reasons(&rep);
    assert!(
        r.iter().any(|p| p.contains("cycle: row 2 → row 3 → row 4")),
        "{r:?}"
    );
    let taken = "external_id,name,level\nFAR,Stolen,cell\n";
    let (_, rep) = import(
        &mut admin,
        mine,
        "kind=units&format=csv&dry_run=false",
        taken.as_bytes(),
    )
    .await;
    assert!(
        reasons(&rep)[0].contains("outside the unit imported into"),
        "{rep}"
    );
    // A name clash only the database sees is found by the dry run too.
    let clash = "external_id,name,level\nS9,Shaft 1,cell\n";
    let (status, rep) = import(&mut admin, mine, "kind=units&format=csv", clash.as_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reasons(&rep)[0].contains("same parent has this name"),
        "{rep}"
    );

    assert_eq!(people_total(&t).await, 0, "no person was written");
    let after_units = grassroots_app::units::view(&t.app, &t.cli(), t.root)
        .await
        .unwrap()
        .subtree("units");
    assert_eq!(
        after_units,
        before_units + 1,
        "only the Far 2 import added a unit"
    );
    assert_eq!(t.audit_rows(Some("import.people")).await.len(), 0);
    t.assert_consistent().await;
}

#[tokio::test]
async fn import_through_the_pages_with_mapping_and_check() {
    let t = TestApp::new().await;
    let factory = t
        .unit("Factory Primary Committee", "primary_committee", t.root)
        .await;
    let mut admin = t.login("root").await;
    let page = admin.get(&format!("/units/{factory}/import")).await;
    assert_eq!(page.status, StatusCode::OK);
    let file = grassroots_app::tabular::write_xlsx(
        "People",
        &["Worker", "State", "Tel"],
        &[
            vec!["Kim Il".into(), "member".into(), "123".into()],
            vec!["So Ra".into(), "applicant".into(), "".into()],
        ],
    )
    .unwrap();
    let r = admin
        .post_multipart(
            &format!("/units/{factory}/import"),
            &[("kind", "people")],
            "workers.xlsx",
            &file,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let at = r.location();
    assert!(at.starts_with("/imports/"));
    let page = admin.get(&at).await;
    assert!(page.body.contains("Kim Il"), "the preview shows the rows");
    // "Worker" is not a known header: checking without mapping it fails.
    let r = admin
        .post_form(&format!("{at}/check"), &[("map.status", "State")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("missing column"));
    let mapping = [
        ("map.full_name", "Worker"),
        ("map.status", "State"),
        ("map.contact", "Tel"),
    ];
    let r = admin.post_form(&format!("{at}/check"), &mapping).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"dry-run-ok\""), "{}", r.body);
    assert_eq!(people_total(&t).await, 0);
    let r = admin.post_form(&format!("{at}/commit"), &mapping).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(people_total(&t).await, 2);
    // The upload is gone once used.
    assert_eq!(admin.get(&at).await.status, StatusCode::NOT_FOUND);
    // Anonymous uploads are refused before the body is read.
    let mut anon = t.client();
    let r = anon
        .post_multipart(
            &format!("/units/{factory}/import"),
            &[("kind", "people")],
            "w.xlsx",
            &file,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A text file that is no table is refused at upload.
    let r = admin
        .post_multipart(
            &format!("/units/{factory}/import"),
            &[("kind", "people")],
            "notes.docx",
            b"hello",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Another account cannot use someone's upload.
    let r = admin
        .post_multipart(
            &format!("/units/{factory}/import"),
            &[("kind", "people")],
            "w.xlsx",
            &file,
        )
        .await;
    let at = r.location();
    t.user(
        "admin2",
        Some(grassroots_core::Role::Administrator),
        t.root,
        grassroots_core::ScopeKind::Subtree,
    )
    .await;
    let mut other = t.login("admin2").await;
    assert_eq!(other.get(&at).await.status, StatusCode::NOT_FOUND);
    let r = other.post_form(&format!("{at}/commit"), &mapping).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(people_total(&t).await, 2);
}
