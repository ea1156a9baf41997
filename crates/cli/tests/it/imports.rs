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
    let province = t
        .unit("South Phyongan", "provincial_committee", t.root)
        .await;
    let village = t.unit("Anju County", "county_committee", province).await;
    let mut admin = t.login("root").await;
    // Units first: a farm and its cells, child listed before its parent.
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
    let file = grassroots_app::imports::tabular::write_xlsx(
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
    assert_eq!(
        other.post_form(&format!("{at}/cancel"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(people_total(&t).await, 2);
    // Cancelled, an upload is deleted.
    let r = admin.post_form(&format!("{at}/cancel"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(admin.get(&at).await.status, StatusCode::NOT_FOUND);
    // An account keeps its three newest uploads: a fourth forgets the
    // oldest; another account's uploads are untouched.
    let r = other
        .post_multipart(
            &format!("/units/{factory}/import"),
            &[("kind", "people")],
            "o.xlsx",
            &file,
        )
        .await;
    let others = r.location();
    let mut kept = Vec::new();
    for i in 0..4 {
        let r = admin
            .post_multipart(
                &format!("/units/{factory}/import"),
                &[("kind", "people")],
                &format!("w{i}.xlsx"),
                &file,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        kept.push(r.location());
    }
    assert_eq!(admin.get(&kept[0]).await.status, StatusCode::NOT_FOUND);
    for at in &kept[1..] {
        assert_eq!(admin.get(at).await.status, StatusCode::OK, "{at}");
    }
    assert_eq!(other.get(&others).await.status, StatusCode::OK);
    // Left waiting past their lifetime, uploads are deleted by the job.
    t.app
        .clock
        .advance(grassroots_app::imports::upload_lifetime() + chrono::Duration::minutes(1));
    assert_eq!(
        grassroots_app::imports::purge_abandoned(&t.app)
            .await
            .unwrap(),
        4
    );
}

/// Everything an import could change below `root`: each unit (parent,
/// name, level, external id, open or closed), each person (unit, name,
/// status, contact, date joined, external id) and every position, held
/// or past.
async fn state_below(t: &TestApp, root: i64) -> serde_json::Value {
    use grassroots_core::Read;
    let read = t.cli().principal.scope::<Read>();
    let mut c = t.app.db.conn().await.unwrap();
    let units = grassroots_store::units::subtree_index(&mut c, &read, root)
        .await
        .unwrap();
    let people = grassroots_store::people::export(&mut c, &read, root)
        .await
        .unwrap();
    let mut positions = Vec::new();
    for u in &units {
        positions.extend(
            grassroots_store::positions::of_unit(&mut c, &read, u.unit.id, true)
                .await
                .unwrap(),
        );
    }
    serde_json::json!({ "units": units, "people": people, "positions": positions })
}

/// The unit where a demo login holds its role.
async fn unit_of_login(t: &TestApp, username: &str) -> i64 {
    let account = t.account_id(username).await;
    let mut c = t.app.db.conn().await.unwrap();
    grassroots_store::roles::of_account(&mut c, account)
        .await
        .unwrap()[0]
        .unit_id
}

/// Exports `kind` below `unit` as `fmt` and imports the file unchanged;
/// the import must find every row unchanged.
async fn round_trip(c: &mut TestClient, unit: i64, kind: &str, fmt: &str) {
    let r = c
        .get(&format!(
            "/api/v1/units/{unit}/export?kind={kind}&format={fmt}"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{kind} {fmt}: {}", r.body);
    let ct = r.headers["content-type"].to_str().unwrap().to_string();
    let back = c
        .post_bytes(
            &format!("/api/v1/units/{unit}/import?kind={kind}&format={fmt}&dry_run=false"),
            &ct,
            &r.raw,
        )
        .await;
    assert_eq!(back.status, StatusCode::OK, "{kind} {fmt}: {}", back.body);
    let rep = back.json();
    assert!(rep["rows"].as_i64().unwrap() > 0, "{kind} {fmt}: {rep}");
    assert_eq!(
        (
            rep["created"].as_i64(),
            rep["updated"].as_i64(),
            rep["unchanged"].as_i64()
        ),
        (Some(0), Some(0), rep["rows"].as_i64()),
        "{kind} {fmt}: {rep}"
    );
}

/// The demo's primary committee and county, exported and imported back
/// unchanged as CSV and as XLSX, keep every unit, person and position as
/// they were: people in cells stay in their cells (their units have no
/// external id), cell secretaries keep their terms, and values that look
/// like spreadsheet formulas come back as typed.
#[tokio::test]
async fn unchanged_exports_of_demo_data_reimport_without_changing_anything() {
    exports_reimport_unchanged(TestApp::demo().await).await;
}

/// The same round trip on the demo written in Korean: Hangul names of
/// people and units through CSV and XLSX.
#[tokio::test]
async fn unchanged_exports_of_the_korean_demo_reimport_without_changing_anything() {
    exports_reimport_unchanged(TestApp::demo_in(grassroots_core::vocab::Locale::Korean).await)
        .await;
}

async fn exports_reimport_unchanged(t: TestApp) {
    let primary = unit_of_login(&t, "secretary").await;
    let county = grassroots_app::units::get(&t.app, &t.cli(), primary)
        .await
        .unwrap()
        .parent_id
        .unwrap();
    let cell = unit_of_login(&t, "cell").await;
    // A person without an external id, and values a spreadsheet would
    // read as formulas.
    grassroots_app::people::create(
        &t.app,
        &t.cli(),
        cell,
        grassroots_app::people::PersonInput {
            full_name: "=Ri Without Register".into(),
            contact: "+850-2-381-1111".into(),
            status: "member".into(),
            joined_on: String::new(),
            external_id: String::new(),
        },
    )
    .await
    .unwrap();
    t.person(cell, "@Kim Jong Suk", "candidate").await;
    let before = state_below(&t, county).await;
    assert!(
        before["positions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["unit_id"] == cell && p["ended_on"].is_null()),
        "the cell has a secretary in office"
    );
    let mut sec = t.login_demo("secretary").await;
    let mut province = t.login_demo("province").await;
    for fmt in ["csv", "xlsx"] {
        round_trip(&mut sec, primary, "people", fmt).await;
        round_trip(&mut sec, primary, "units", fmt).await;
        round_trip(&mut province, county, "units", fmt).await;
        round_trip(&mut province, county, "people", fmt).await;
    }
    assert_eq!(state_below(&t, county).await, before);
    t.assert_consistent().await;
}

/// Rows name their records by grassroots id as well as by external id;
/// ids that name nothing below the unit, or two columns that disagree,
/// are problems with their row and column, and nothing is written.
#[tokio::test]
async fn ids_in_import_files_are_checked_like_external_ids() {
    let t = TestApp::new().await;
    let province = t.unit("Province", "provincial_committee", t.root).await;
    let county = t.unit("County", "county_committee", province).await;
    let farm = t.unit("Farm", "primary_committee", county).await;
    let cell = t.unit("Cell 1", "cell", farm).await;
    let other = t.unit("Other County", "county_committee", province).await;
    let elsewhere = t.person(other, "Elsewhere Pak", "member").await;
    let kim = t.person(cell, "Kim", "member").await;
    let mut admin = t.login("root").await;
    // A unit gets an external id through the API and the page, and loses
    // it again; another unit's id is a conflict.
    let r = admin
        .json(
            axum::http::Method::PATCH,
            &format!("/api/v1/units/{farm}"),
            Some(serde_json::json!({ "external_id": "F-1" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["external_id"], "F-1");
    assert_eq!(r.json()["name"], "Farm", "an absent name stays");
    let r = admin
        .json(
            axum::http::Method::PATCH,
            &format!("/api/v1/units/{cell}"),
            Some(serde_json::json!({ "external_id": "F-1" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = admin
        .post_form(
            &format!("/units/{cell}/rename"),
            &[("name", "Cell 1"), ("external_id", "C-1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = admin.page(&format!("/units/{cell}")).await;
    assert!(page.body.contains("value=\"C-1\""), "{}", page.body);
    // The page names the field when the id is another unit's.
    let r = admin
        .post_form(
            &format!("/units/{cell}/rename"),
            &[("name", "Cell 1"), ("external_id", "F-1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("External id: This value is already taken."),
        "{}",
        r.body
    );
    let r = admin
        .json(
            axum::http::Method::POST,
            &format!("/api/v1/units/{farm}/children"),
            Some(serde_json::json!({ "name": "Cell 2", "level": "cell", "external_id": "C-2" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["external_id"], "C-2");

    let people = format!(
        "full_name,status,unit_external_id,unit_id,id,external_id\n\
         Kim,member,C-1,{farm},{kim},\n\
         Kim,member,,999999,{kim},\n\
         Pak,member,,{cell},{elsewhere},\n\
         Ri,member,,x,,\n\
         Kim Again,member,,{cell},{kim},\n"
    );
    let (status, rep) = import(
        &mut admin,
        county,
        "kind=people&format=csv&dry_run=false",
        people.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{rep}");
    let found = reasons(&rep);
    for want in [
        "2 D (unit_id) unit_id and unit_external_id `C-1` name different units",
        "3 D (unit_id) unknown unit",
        "4 E (id) unknown person: no person with this id below the unit imported into",
        "5 D (unit_id) not an id",
        "6 E (id) duplicate id: row 2 has the same id",
    ] {
        assert!(
            found.iter().any(|f| f.starts_with(want)),
            "{want} missing from {found:?}"
        );
    }
    let units = format!(
        "external_id,name,level,parent_external_id,id,parent_id\n\
         F-1,Farm,primary_committee,,{farm},{province}\n\
         ,Cell 1,cell,F-1,{cell},{county}\n"
    );
    let (status, rep) = import(
        &mut admin,
        county,
        "kind=units&format=csv&dry_run=false",
        units.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{rep}");
    let found = reasons(&rep);
    for want in [
        "2 F (parent_id) unknown unit",
        "3 F (parent_id) parent_id and parent_external_id `F-1` name different units",
    ] {
        assert!(
            found.iter().any(|f| f.starts_with(want)),
            "{want} missing from {found:?}"
        );
    }
    // One unit named twice, once by id and once by external id.
    let twice = format!(
        "external_id,name,level,id\n,Farm,primary_committee,{farm}\nF-1,Farm,primary_committee,\n"
    );
    let (status, rep) = import(
        &mut admin,
        county,
        "kind=units&format=csv&dry_run=false",
        twice.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{rep}");
    assert_eq!(
        reasons(&rep),
        [format!(
            "3 A (external_id) row 2 names the same unit (id {farm})"
        )],
        "reported once"
    );
    // Nothing was written; Kim is still in the cell.
    let kim_now = grassroots_app::people::open(&t.app, &t.cli(), kim)
        .await
        .unwrap();
    assert_eq!(kim_now.person.unit_id, cell);
    t.assert_consistent().await;
}

/// An upload past the limit is refused with 413 naming the limit, through
/// the API and the page, before it is read.
#[tokio::test]
async fn uploads_past_the_limit_are_refused_naming_it() {
    let t = TestApp::new().await;
    let mut admin = t.login("root").await;
    let mut big = b"full_name,status\n".to_vec();
    big.resize(grassroots_web::middleware::MAX_UPLOAD_BYTES + 1, b'x');
    let (status, rep) = import(
        &mut admin,
        t.root,
        "kind=people&format=csv&dry_run=true",
        &big,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{rep}");
    assert!(
        rep["message"]
            .as_str()
            .unwrap()
            .contains("larger than 32 MiB"),
        "{rep}"
    );
    let r = admin
        .post_multipart(
            &format!("/units/{}/import", t.root),
            &[("kind", "people")],
            "big.csv",
            &big,
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("larger than 32 MiB"), "{}", r.body);
    assert_eq!(people_total(&t).await, 0);
}

/// Rows that name their parents by id are placed parents first, as rows
/// named by external id are: a file that swaps two units (the child
/// becomes the parent) goes through.
#[tokio::test]
async fn a_file_of_ids_can_swap_a_unit_and_its_parent() {
    let t = TestApp::new().await;
    grassroots_testkit::allow_any_shape(&t.app, &t.cli()).await;
    let a = t.unit("Unit A", "provincial_committee", t.root).await;
    let b = t.unit("Unit B", "provincial_committee", a).await;
    let mut admin = t.login("root").await;
    let root = t.root;
    let file = format!(
        "id,name,level,parent_id\n{a},Unit A,provincial_committee,{b}\n{b},Unit B,provincial_committee,{root}\n"
    );
    let (status, rep) = import(
        &mut admin,
        t.root,
        "kind=units&format=csv&dry_run=false",
        file.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rep}");
    assert_eq!(rep["updated"], 2, "{rep}");
    let unit_a = grassroots_app::units::get(&t.app, &t.cli(), a)
        .await
        .unwrap();
    let unit_b = grassroots_app::units::get(&t.app, &t.cli(), b)
        .await
        .unwrap();
    assert_eq!((unit_a.parent_id, unit_b.parent_id), (Some(b), Some(root)));
    t.assert_consistent().await;
}

/// A unit placed before the profile's rules (here a cell directly under
/// a county) keeps working: re-importing an unchanged export judges only
/// what the file changes.
#[tokio::test]
async fn a_tree_older_than_the_placement_rules_reimports_unchanged() {
    let t = TestApp::new().await;
    let province = t.unit("Province", "provincial_committee", t.root).await;
    let county = t.unit("County", "county_committee", province).await;
    let farm = t.unit("Farm", "primary_committee", county).await;
    let old = t.unit("Old Cell", "cell", farm).await;
    // What an older version allowed: the farm became a county in place.
    {
        let mut tx = t.app.db.begin().await.unwrap();
        let scope = t.cli().principal.scope::<grassroots_core::Manage>();
        grassroots_store::units::set_level(
            &mut tx,
            &scope,
            farm,
            "county_committee",
            t.app.clock.now(),
            grassroots_store::units::Placement::Deferred,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let mut admin = t.login("root").await;
    for fmt in ["csv", "xlsx"] {
        round_trip(&mut admin, county, "units", fmt).await;
    }
    // A change the rules refuse is still refused.
    let file = format!("id,name,level,parent_id\n{old},Old Cell,cell,{county}\n");
    let (status, rep) = import(
        &mut admin,
        county,
        "kind=units&format=csv&dry_run=false",
        file.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{rep}");
    assert!(reasons(&rep)[0].contains("cannot sit under"), "{rep}");
}
