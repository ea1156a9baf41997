//! Meetings and conferences: convening, invitations, attendance and
//! quorum, agenda, list of speakers, texts, minutes, decisions adopted,
//! the locked record after closing, and dates in the calendar era.

use axum::http::{Method, StatusCode};
use grassroots_core::{Role, ScopeKind};
use grassroots_testkit::{TestApp, TestClient};
use serde_json::{Value, json};

use crate::call_api as api;

/// Asserts a refusal naming `field`.
fn refused_on(r: (StatusCode, Value), field: &str) {
    assert_eq!(r.0, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.1);
    assert_eq!(r.1["field"], field, "{}", r.1);
}

#[tokio::test]
async fn a_committee_meeting_is_run_recorded_and_locked_when_closed() {
    let t = TestApp::new().await;
    let province = t
        .unit("North Province", "provincial_committee", t.root)
        .await;
    let factory = t
        .unit("Machine Factory", "primary_committee", province)
        .await;
    let cell = t.unit("Workshop Cell", "cell", factory).await;
    let other = t.unit("Coal Mine", "primary_committee", province).await;
    let mut members = Vec::new();
    for name in ["Ri Chol", "Kim Ok", "Pak Nam", "Jo Hyon", "An Sun"] {
        members.push(t.person(factory, name, "member").await);
    }
    t.person(factory, "Applicant Han", "applicant").await;
    t.person(factory, "Former Ryu", "left").await;
    let cell_members = [
        t.person(cell, "Cell Kang", "member").await,
        t.person(cell, "Cell Yun", "candidate").await,
    ];
    let outsider = t.person(other, "Miner So", "member").await;
    t.user("sec", Some(Role::Secretary), factory, ScopeKind::Subtree)
        .await;
    t.user("staff", Some(Role::Staff), factory, ScopeKind::Subtree)
        .await;
    t.user("viewer", Some(Role::Viewer), factory, ScopeKind::Subtree)
        .await;
    let mut sec = t.login("sec").await;

    // Convening through the page; bad facts are refused by field.
    let r = sec
        .post_form(
            &format!("/units/{factory}/meetings"),
            &[
                ("meeting_type", "committee_meeting"),
                ("title", "March committee meeting"),
                ("held_on", "2022-03-01"),
                ("starts_at", "09:30"),
                ("location", "Club house"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = r.location().rsplit('/').next().unwrap().parse().unwrap();
    let facts = |over: Value| {
        let mut base =
            json!({"meeting_type": "committee_meeting", "title": "T", "held_on": "2022-03-01"});
        for (k, v) in over.as_object().unwrap() {
            base[k] = v.clone();
        }
        base
    };
    let path = format!("/units/{factory}/meetings");
    for (over, field) in [
        (json!({"meeting_type": "picnic"}), "meeting_type"),
        (json!({"held_on": "2022-02-30"}), "held_on"),
        (json!({"ends_on": "2022-02-28"}), "ends_on"),
        (json!({"ends_on": "2022-04-01"}), "ends_on"),
        (json!({"starts_at": "25:00"}), "starts_at"),
        (json!({"quorum_percent": 100}), "quorum_percent"),
        (json!({"title": " "}), "title"),
    ] {
        refused_on(
            api(&mut sec, Method::POST, &path, Some(facts(over))).await,
            field,
        );
    }
    // Thirty-one days is the longest meeting.
    let (s, v) = api(
        &mut sec,
        Method::POST,
        &path,
        Some(facts(json!({"ends_on": "2022-03-31"}))),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["ends_on"], "2022-03-31");

    // Invitations: the unit's people who belong (not applicants, not those
    // who left), then the units below, then nobody twice.
    let m = format!("/meetings/{id}");
    let (s, v) = api(
        &mut sec,
        Method::POST,
        &format!("{m}/participants"),
        Some(json!({"by": "unit", "unit_id": factory})),
    )
    .await;
    assert_eq!((s, v["added"].as_i64()), (StatusCode::OK, Some(5)), "{v}");
    let (_, v) = api(
        &mut sec,
        Method::POST,
        &format!("{m}/participants"),
        Some(json!({"by": "unit", "unit_id": factory, "subtree": true})),
    )
    .await;
    assert_eq!(v["added"], 2);
    let (_, v) = api(
        &mut sec,
        Method::POST,
        &format!("{m}/participants"),
        Some(json!({"by": "person", "person_ids": [cell_members[0]]})),
    )
    .await;
    assert_eq!(v["added"], 0);
    // Someone outside the secretary's units cannot be invited.
    refused_on(
        api(
            &mut sec,
            Method::POST,
            &format!("{m}/participants"),
            Some(json!({"by": "person", "person_ids": [outsider]})),
        )
        .await,
        "person_ids",
    );
    refused_on(
        api(
            &mut sec,
            Method::POST,
            &format!("{m}/participants"),
            Some(json!({"by": "unit", "unit_id": other})),
        )
        .await,
        "unit_id",
    );
    refused_on(
        api(
            &mut sec,
            Method::POST,
            &format!("{m}/participants"),
            Some(json!({"by": "mood"})),
        )
        .await,
        "by",
    );

    // Attendance: 3 of 7 present is no quorum (more than half is needed),
    // 4 of 7 is. A bad mark or a stranger writes nothing at all.
    let marks = |n: usize| -> Value {
        let all: Vec<i64> = members.iter().chain(cell_members.iter()).copied().collect();
        Value::Array(
            all.iter()
                .enumerate()
                .map(|(i, p)| json!({"person_id": p, "attendance": if i < n { "present" } else { "absent" }}))
                .collect(),
        )
    };
    let (s, v) = api(
        &mut sec,
        Method::PUT,
        &format!("{m}/attendance"),
        Some(marks(3)),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (
            v["present"].as_i64(),
            v["absent"].as_i64(),
            v["invited"].as_i64()
        ),
        (Some(3), Some(4), Some(7))
    );
    let (_, rec) = api(&mut sec, Method::GET, &m, None).await;
    assert_eq!(rec["quorate"], false);
    let mut bad = marks(7);
    bad.as_array_mut()
        .unwrap()
        .push(json!({"person_id": outsider, "attendance": "present"}));
    refused_on(
        api(&mut sec, Method::PUT, &format!("{m}/attendance"), Some(bad)).await,
        "person_id",
    );
    refused_on(
        api(
            &mut sec,
            Method::PUT,
            &format!("{m}/attendance"),
            Some(json!([{"person_id": members[0], "attendance": "late"}])),
        )
        .await,
        "attendance",
    );
    let (_, rec) = api(&mut sec, Method::GET, &m, None).await;
    assert_eq!(rec["attendance"]["present"], 3, "nothing was written");
    api(
        &mut sec,
        Method::PUT,
        &format!("{m}/attendance"),
        Some(marks(4)),
    )
    .await;
    let (_, rec) = api(&mut sec, Method::GET, &m, None).await;
    assert_eq!(rec["quorate"], true);

    // The agenda; staff run the meeting.
    let mut staff = t.login("staff").await;
    let (s, v) = api(&mut staff, Method::POST, &format!("{m}/agenda"), Some(json!({"title": "Report on the first quarter", "duration_min": 40, "presenter_id": members[0]}))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let report = v["id"].as_i64().unwrap();
    let (_, v) = api(
        &mut staff,
        Method::POST,
        &format!("{m}/agenda"),
        Some(json!({"title": "Any other business"})),
    )
    .await;
    let aob = v["id"].as_i64().unwrap();
    refused_on(
        api(
            &mut staff,
            Method::POST,
            &format!("{m}/agenda"),
            Some(json!({"title": "X", "presenter_id": outsider})),
        )
        .await,
        "presenter_id",
    );
    refused_on(
        api(
            &mut staff,
            Method::POST,
            &format!("{m}/agenda"),
            Some(json!({"title": "X", "duration_min": 0})),
        )
        .await,
        "duration_min",
    );
    let (s, _) = api(
        &mut staff,
        Method::POST,
        &format!("/agenda-items/{aob}/move"),
        Some(json!({"up": true})),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, rec) = api(&mut staff, Method::GET, &m, None).await;
    assert_eq!(rec["agenda"][0]["item"]["id"], aob);
    api(
        &mut staff,
        Method::POST,
        &format!("/agenda-items/{aob}/move"),
        Some(json!({"up": false})),
    )
    .await;

    // The list of speakers: one speaker at a time.
    let speakers = format!("/agenda-items/{report}/speakers");
    let mut speech = Vec::new();
    for (p, kind) in [
        (members[0], "report"),
        (members[1], ""),
        (members[2], "contribution"),
        (members[3], "contribution"),
    ] {
        let (s, v) = api(
            &mut staff,
            Method::POST,
            &speakers,
            Some(json!({"person_id": p, "kind": kind})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        speech.push(v["id"].as_i64().unwrap());
    }
    refused_on(
        api(
            &mut staff,
            Method::POST,
            &speakers,
            Some(json!({"person_id": outsider})),
        )
        .await,
        "person_id",
    );
    refused_on(
        api(
            &mut staff,
            Method::POST,
            &speakers,
            Some(json!({"person_id": members[4], "kind": "heckle"})),
        )
        .await,
        "kind",
    );
    let (s, _) = api(
        &mut staff,
        Method::POST,
        &format!("/speeches/{}/start", speech[0]),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, rec) = api(&mut staff, Method::GET, &m, None).await;
    assert_eq!(rec["speaking"], speech[0]);
    api(
        &mut staff,
        Method::POST,
        &format!("/speeches/{}/start", speech[1]),
        None,
    )
    .await;
    let (_, rec) = api(&mut staff, Method::GET, &m, None).await;
    assert_eq!(rec["speaking"], speech[1]);
    let list = rec["agenda"][0]["speeches"].as_array().unwrap().clone();
    assert!(
        list[0]["stopped_at"].is_string(),
        "the first speaker stopped when the second began"
    );
    assert_eq!(list[1]["kind"], "contribution", "the default kind");
    refused_on(
        api(
            &mut staff,
            Method::POST,
            &format!("/speeches/{}/start", speech[0]),
            None,
        )
        .await,
        "speech",
    );
    api(
        &mut staff,
        Method::POST,
        &format!("/speeches/{}/stop", speech[1]),
        None,
    )
    .await;
    refused_on(
        api(
            &mut staff,
            Method::POST,
            &format!("/speeches/{}/stop", speech[1]),
            None,
        )
        .await,
        "speech",
    );
    let (_, rec) = api(&mut staff, Method::GET, &m, None).await;
    assert!(rec["speaking"].is_null());
    // Reordering and withdrawing waiting speakers; a given speech stays.
    api(
        &mut staff,
        Method::POST,
        &format!("/speeches/{}/move", speech[3]),
        Some(json!({"up": true})),
    )
    .await;
    let (_, rec) = api(&mut staff, Method::GET, &m, None).await;
    let order: Vec<i64> = rec["agenda"][0]["speeches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(order, [speech[0], speech[1], speech[3], speech[2]]);
    let (s, _) = api(
        &mut staff,
        Method::DELETE,
        &format!("/speeches/{}", speech[2]),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    refused_on(
        api(
            &mut staff,
            Method::DELETE,
            &format!("/speeches/{}", speech[0]),
            None,
        )
        .await,
        "speech",
    );
    // A participant on the list cannot be removed; another can.
    refused_on(
        api(
            &mut staff,
            Method::DELETE,
            &format!("{m}/participants/{}", members[0]),
            None,
        )
        .await,
        "person_id",
    );
    let (s, _) = api(
        &mut staff,
        Method::DELETE,
        &format!("{m}/participants/{}", members[4]),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // Texts, a document, minutes (through the page).
    let (s, _) = api(&mut staff, Method::PUT, &format!("/speeches/{}", speech[0]), Some(json!({"title": "On the first quarter", "body": "Output rose by **8 %**.\n\n<script>x</script>"}))).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = api(
        &mut staff,
        Method::POST,
        &format!("/agenda-items/{report}/documents"),
        Some(json!({"title": "Quarterly figures", "body": "| month | output |"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    refused_on(
        api(
            &mut staff,
            Method::DELETE,
            &format!("/agenda-items/{report}"),
            None,
        )
        .await,
        "item",
    );
    let mut staff_page = t.login("staff").await;
    let r = staff_page
        .post_form(
            &format!("/meetings/{id}/minutes"),
            &[("minutes", "The committee heard the report.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = staff_page.get(&m).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<strong>8 %</strong>") && !page.body.contains("<script>x"),
        "speech text rendered, raw HTML escaped"
    );
    assert!(page.body.contains("The committee heard the report."));
    assert!(
        page.body.contains("id=\"attendance-form\""),
        "staff record attendance"
    );
    assert!(
        !page.body.contains("id=\"close-submit\""),
        "staff do not close"
    );

    // Staff may not close or adopt decisions; viewers may only read.
    let (s, _) = api(&mut staff, Method::POST, &format!("{m}/close"), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = api(
        &mut staff,
        Method::POST,
        &format!("{m}/decisions"),
        Some(json!({"title": "D", "source": "committee_meeting"})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut viewer = t.login("viewer").await;
    let (s, rec) = api(&mut viewer, Method::GET, &m, None).await;
    assert_eq!(
        (s, rec["can_edit"].as_bool()),
        (StatusCode::OK, Some(false))
    );
    let (s, _) = api(
        &mut viewer,
        Method::PUT,
        &format!("{m}/attendance"),
        Some(marks(7)),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let page = viewer.get(&m).await;
    assert!(!page.body.contains("id=\"attendance-form\""));

    // A decision adopted at the meeting is the committee's decision to its
    // subtree, linked back to the meeting.
    let (s, v) = api(&mut sec, Method::POST, &format!("{m}/decisions"), Some(json!({"title": "On raising output", "source": "committee_meeting", "issued_on": "2022-03-01"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        (
            v["decision"]["meeting_id"].as_i64(),
            v["addressed"].as_i64()
        ),
        (Some(id), Some(1))
    );
    let (_, inbox) = api(
        &mut sec,
        Method::GET,
        &format!("/units/{cell}/decisions"),
        None,
    )
    .await;
    assert_eq!(inbox["inbox"][0]["decision"]["title"], "On raising output");

    // Closing locks the record.
    let (s, v) = api(&mut sec, Method::POST, &format!("{m}/close"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["closed_at"].is_string());
    let closed = |r: (StatusCode, Value)| refused_on(r, "meeting");
    closed(
        api(
            &mut sec,
            Method::PUT,
            &format!("{m}/attendance"),
            Some(marks(7)),
        )
        .await,
    );
    closed(
        api(
            &mut sec,
            Method::POST,
            &format!("{m}/agenda"),
            Some(json!({"title": "Late item"})),
        )
        .await,
    );
    closed(
        api(
            &mut sec,
            Method::POST,
            &speakers,
            Some(json!({"person_id": members[1]})),
        )
        .await,
    );
    closed(
        api(
            &mut sec,
            Method::POST,
            &format!("/speeches/{}/start", speech[3]),
            None,
        )
        .await,
    );
    closed(
        api(
            &mut sec,
            Method::PUT,
            &format!("/speeches/{}", speech[0]),
            Some(json!({"body": "rewritten"})),
        )
        .await,
    );
    closed(
        api(
            &mut sec,
            Method::PUT,
            &format!("{m}/minutes"),
            Some(json!({"minutes": "rewritten"})),
        )
        .await,
    );
    closed(
        api(
            &mut sec,
            Method::POST,
            &format!("{m}/decisions"),
            Some(json!({"title": "Late", "source": "committee_meeting"})),
        )
        .await,
    );
    closed(
        api(
            &mut sec,
            Method::POST,
            &format!("{m}/participants"),
            Some(json!({"by": "unit", "unit_id": factory})),
        )
        .await,
    );
    closed(api(&mut sec, Method::PUT, &m, Some(facts(json!({})))).await);
    closed(api(&mut sec, Method::POST, &format!("{m}/close"), None).await);
    let page = sec.get(&m).await;
    assert!(page.body.contains("id=\"meeting-closed\""));
    for form in [
        "attendance-form",
        "agenda-form",
        "confer-form",
        "speaker-form-",
    ] {
        assert!(
            !page.body.contains(form),
            "a closed meeting offers no {form}"
        );
    }
    assert!(
        page.body.contains("id=\"compose-submit\""),
        "its bulletin can be composed"
    );
    let (_, rec) = api(&mut sec, Method::GET, &m, None).await;
    assert_eq!(rec["meeting"]["minutes"], "The committee heard the report.");
    assert_eq!(rec["attendance"]["present"], 4);
    let actions: Vec<String> = t
        .audit_rows(Some("meeting."))
        .await
        .into_iter()
        .map(|a| a.action)
        .collect();
    for a in [
        "meeting.convene",
        "meeting.invite",
        "meeting.attendance",
        "meeting.speech.start",
        "meeting.close",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
    // The unit page lists it; a cell member's record lists it too.
    let page = sec.page(&format!("/units/{factory}")).await;
    assert!(page.body.contains(&format!("href=\"/meetings/{id}\"")));
    let (_, mine) = api(
        &mut sec,
        Method::GET,
        &format!("/people/{}/meetings", cell_members[0]),
        None,
    )
    .await;
    assert_eq!(mine[0]["meeting"]["id"], id);
    t.assert_consistent().await;
}

/// The secretaries given citations at the conference in the source
/// document, in its order.
const CITED: [&str; 50] = [
    "Ri Tong Chol",
    "Paek Hak Chol",
    "So Hyon Chol",
    "Kang Hyon Guk",
    "Kim Song Man",
    "Tong Myong Hak",
    "Pak Song Chol",
    "Won Chol",
    "An Chol Rim",
    "Kim Yong Il",
    "Ri Chi Myong",
    "Ryom Kyong Chun",
    "Kim Myong Gil",
    "Kim Jong Gwan",
    "Ri Su Nam",
    "Kim Jong Hun",
    "Hong Jong Guk",
    "Kim Kwang Chol",
    "Choe Song Bok",
    "Kim Myong Il",
    "Kim Ju Chon",
    "Paek Yong Song",
    "O Pong Chol",
    "Kang Yong Son",
    "Pak Sung Hak",
    "Ri Yong Hyop",
    "Paek Ui Sik",
    "Kim Man Bok",
    "Kim Yong Gyu",
    "Jon Kyong Su",
    "Ryu Yong Gil",
    "Choe Jong Gil",
    "Choe Kyong Sam",
    "Pak Song Jin",
    "Kim Chol Min",
    "Ri Un Sil",
    "Kim Myong Chan",
    "Kim Kwang Chol",
    "Kim Chol",
    "Ri Sung Chol",
    "Ho Song Chol",
    "Kim Jin Myong",
    "Jong Yong Hui",
    "Jon Yong Gil",
    "Yun Nam Chol",
    "Paek Kyong Il",
    "Pak Chun Il",
    "Pak Myong Chol",
    "Choe Song Bong",
    "Choe Jong Su",
];

#[tokio::test]
async fn the_conference_of_secretaries_is_recorded_end_to_end_and_its_bulletin_dated_in_the_juche_era()
 {
    let t = TestApp::new().await;
    let north = t
        .unit(
            "North Hamgyong Provincial Committee",
            "provincial_committee",
            t.root,
        )
        .await;
    let south = t
        .unit(
            "South Phyongan Provincial Committee",
            "provincial_committee",
            t.root,
        )
        .await;
    let named_units = [
        ("Choe Song Bok", "Junghung-ri Party Committee"),
        (
            "Kim Myong Chan",
            "Central Mining Research Institute Primary Committee",
        ),
        ("Kim Jong Hun", "Namdok Youth Coal Mine Primary Committee"),
    ];
    // Fifty primary committees, alternately in the two provinces, each with
    // its secretary; a few have a cell whose secretary is not invited.
    let mut secretaries = Vec::new();
    let mut units = Vec::new();
    for (i, name) in CITED.iter().enumerate() {
        let province = if i % 2 == 0 { north } else { south };
        let unit_name = named_units.iter().find(|(n, _)| n == name).map_or_else(
            || format!("Primary Committee {}", i + 1),
            |(_, u)| u.to_string(),
        );
        let u = t.unit(&unit_name, "primary_committee", province).await;
        let p = t.person(u, name, "member").await;
        grassroots_app::positions::assign(&t.app, &t.cli(), u, "secretary", p, "2020-01-01")
            .await
            .unwrap();
        if i < 3 {
            let cell = t.unit(&format!("{unit_name} Cell"), "cell", u).await;
            let cp = t.person(cell, &format!("{name} junior"), "member").await;
            grassroots_app::positions::assign(
                &t.app,
                &t.cli(),
                cell,
                "secretary",
                cp,
                "2020-01-01",
            )
            .await
            .unwrap();
        }
        secretaries.push(p);
        units.push(u);
    }
    let speaker = |name: &str| secretaries[CITED.iter().position(|n| *n == name).unwrap()];
    let general_secretary = t.person(t.root, "General Secretary", "member").await;
    t.user(
        "sec_north",
        Some(Role::Secretary),
        north,
        ScopeKind::Subtree,
    )
    .await;
    let choe_unit = units[CITED.iter().position(|n| *n == "Choe Song Bok").unwrap()];
    t.user("choe", Some(Role::Staff), choe_unit, ScopeKind::Unit)
        .await;
    let mut centre = t.login("root").await;

    // Dates are shown in the Juche era; only the organization's
    // administrators choose it.
    let mut north_sec = t.login("sec_north").await;
    let (s, _) = api(
        &mut north_sec,
        Method::PUT,
        "/calendar-era",
        Some(json!({"calendar_era": "juche"})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    refused_on(
        api(
            &mut centre,
            Method::PUT,
            "/calendar-era",
            Some(json!({"calendar_era": "mayan"})),
        )
        .await,
        "calendar_era",
    );
    let (s, _) = api(
        &mut centre,
        Method::PUT,
        "/calendar-era",
        Some(json!({"calendar_era": "juche"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    // Convened by the centre, over two days.
    let (s, conf) = api(
        &mut centre,
        Method::POST,
        &format!("/units/{}/meetings", t.root),
        Some(json!({"meeting_type": "conference", "title": "2nd Conference of Secretaries of Primary Committees",
                    "held_on": "2022-02-27", "ends_on": "2022-02-28", "location": "Pyongyang"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{conf}");
    let id = conf["id"].as_i64().unwrap();
    let m = format!("/meetings/{id}");
    // Every secretary of a primary committee under the centre, and nobody else.
    let (_, v) = api(&mut centre, Method::POST, &format!("{m}/participants"),
        Some(json!({"by": "position", "position_type": "secretary", "levels": ["primary_committee"]}))).await;
    assert_eq!(v["added"], 50, "{v}");
    api(
        &mut centre,
        Method::POST,
        &format!("{m}/participants"),
        Some(json!({"by": "person", "person_ids": [general_secretary]})),
    )
    .await;
    refused_on(
        api(
            &mut centre,
            Method::POST,
            &format!("{m}/participants"),
            Some(json!({"by": "position", "position_type": "chairman"})),
        )
        .await,
        "position_type",
    );
    let everyone: Vec<Value> = secretaries
        .iter()
        .chain([&general_secretary])
        .map(|p| json!({"person_id": p, "attendance": "present"}))
        .collect();
    let (_, a) = api(
        &mut centre,
        Method::PUT,
        &format!("{m}/attendance"),
        Some(Value::Array(everyone)),
    )
    .await;
    assert_eq!(
        (a["present"].as_i64(), a["invited"].as_i64()),
        (Some(51), Some(51))
    );

    // The agenda, its named speakers, the concluding speech with its title
    // and the closing address.
    let (_, v) = api(
        &mut centre,
        Method::POST,
        &format!("{m}/agenda"),
        Some(json!({"title": "On improving the work of primary committees"})),
    )
    .await;
    let item = v["id"].as_i64().unwrap();
    let (_, v) = api(
        &mut centre,
        Method::POST,
        &format!("{m}/agenda"),
        Some(json!({"title": "Closing"})),
    )
    .await;
    let closing = v["id"].as_i64().unwrap();
    let mut order = Vec::new();
    for name in ["Choe Song Bok", "Kim Myong Chan", "Kim Jong Hun"] {
        let (_, v) = api(&mut centre, Method::POST, &format!("/agenda-items/{item}/speakers"),
            Some(json!({"person_id": speaker(name), "body": format!("Experience of {name}'s committee.")}))).await;
        order.push(v["id"].as_i64().unwrap());
    }
    let title = "Secretaries of Primary Party Committees Should Become Genuine Political Workers of the Motherly Party";
    let (_, v) = api(&mut centre, Method::POST, &format!("/agenda-items/{item}/speakers"),
        Some(json!({"person_id": general_secretary, "kind": "concluding_speech", "title": title, "body": "The conclusion."}))).await;
    order.push(v["id"].as_i64().unwrap());
    let (_, v) = api(&mut centre, Method::POST, &format!("/agenda-items/{closing}/speakers"),
        Some(json!({"person_id": general_secretary, "kind": "closing_address", "body": "The closing address."}))).await;
    order.push(v["id"].as_i64().unwrap());
    for s in &order {
        assert_eq!(
            api(
                &mut centre,
                Method::POST,
                &format!("/speeches/{s}/start"),
                None
            )
            .await
            .0,
            StatusCode::NO_CONTENT
        );
    }
    api(
        &mut centre,
        Method::POST,
        &format!("/speeches/{}/stop", order[4]),
        None,
    )
    .await;
    let (_, rec) = api(&mut centre, Method::GET, &m, None).await;
    let names: Vec<&str> = rec["agenda"][0]["speeches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Choe Song Bok",
            "Kim Myong Chan",
            "Kim Jong Hun",
            "General Secretary"
        ]
    );
    assert_eq!(rec["agenda"][0]["speeches"][3]["title"], title);
    assert_eq!(rec["agenda"][1]["speeches"][0]["kind"], "closing_address");

    // Fifty citations conferred at the conference, in one transaction.
    let citation = json!({"person_ids": secretaries, "kind": "citation", "title": "Citation of the General Secretary",
                          "reason": "Distinguished in carrying out the policies", "meeting_id": id});
    let mut bad = citation.clone();
    bad["person_ids"]
        .as_array_mut()
        .unwrap()
        .push(json!(general_secretary + 1000));
    refused_on(
        api(
            &mut centre,
            Method::POST,
            &format!("/units/{}/commendations", t.root),
            Some(bad),
        )
        .await,
        "person_ids",
    );
    let (s, v) = api(
        &mut centre,
        Method::POST,
        &format!("/units/{}/commendations", t.root),
        Some(citation.clone()),
    )
    .await;
    assert_eq!(
        (s, v["conferred"].as_i64()),
        (StatusCode::CREATED, Some(50)),
        "{v}"
    );
    let (_, rec) = api(&mut centre, Method::GET, &m, None).await;
    let cited: Vec<&str> = rec["commendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(cited.len(), 50);
    assert!(CITED.iter().all(|n| cited.contains(n)));
    assert_eq!(
        rec["commendations"][0]["conferred_on"], "2022-02-28",
        "the conference's last day"
    );
    // The roll of honour counts them from the maintained counter.
    let (_, roll) = api(
        &mut centre,
        Method::GET,
        &format!("/units/{}/commendations", t.root),
        None,
    )
    .await;
    assert_eq!(roll["total"], 50);
    let (_, roll) = api(
        &mut north_sec,
        Method::GET,
        &format!("/units/{north}/commendations"),
        None,
    )
    .await;
    assert_eq!(
        (
            roll["total"].as_i64(),
            roll["commendations"].as_array().unwrap().len()
        ),
        (Some(25), 25)
    );
    let (_, mine) = api(
        &mut centre,
        Method::GET,
        &format!("/people/{}/commendations", speaker("Ri Un Sil")),
        None,
    )
    .await;
    assert_eq!(mine[0]["title"], "Citation of the General Secretary");

    // A provincial secretary sees the conference their secretaries attend,
    // with only their own participants listed, and cannot run it.
    let (s, rec) = api(&mut north_sec, Method::GET, &m, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(rec["full_list"], false);
    assert_eq!(rec["participants"].as_array().unwrap().len(), 25);
    assert_eq!(rec["attendance"]["invited"], 51);
    let (s, _) = api(
        &mut north_sec,
        Method::POST,
        &format!("{m}/agenda"),
        Some(json!({"title": "Intrusion"})),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "readable, but the convener is above the reader's scope"
    );
    let page = north_sec.page(&format!("/units/{choe_unit}")).await;
    assert!(
        page.body.contains(&format!("href=\"/meetings/{id}\"")),
        "listed under 'invited to'"
    );
    let page = centre.get(&m).await;
    assert!(
        page.body
            .contains("27 February Juche 111 (2022) – 28 February Juche 111 (2022)"),
        "{}",
        page.body
    );

    // Closed, the record is locked: no more citations.
    let (s, _) = api(&mut centre, Method::POST, &format!("{m}/close"), None).await;
    assert_eq!(s, StatusCode::OK);
    refused_on(
        api(
            &mut centre,
            Method::POST,
            &format!("/units/{}/commendations", t.root),
            Some(citation),
        )
        .await,
        "meeting",
    );

    // The bulletin, composed from the record and dated in the Juche era.
    let (s, b) = api(&mut centre, Method::POST, &format!("{m}/bulletin"), None).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let bid = b["id"].as_i64().unwrap();
    assert_eq!(
        (b["dated_on"].as_str(), b["meeting_id"].as_i64()),
        (Some("2022-02-28"), Some(id))
    );
    let (_, v) = api(&mut centre, Method::GET, &format!("/bulletins/{bid}"), None).await;
    let headings: Vec<&str> = v["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["heading"].as_str().unwrap())
        .collect();
    assert_eq!(
        headings[0],
        "2nd Conference of Secretaries of Primary Committees"
    );
    assert!(
        headings.contains(&format!("{title} — General Secretary").as_str()),
        "{headings:?}"
    );
    assert!(
        headings.contains(&"Closing address: General Secretary"),
        "{headings:?}"
    );
    assert!(
        headings.contains(&"Commendations conferred"),
        "{headings:?}"
    );
    let summary = v["articles"][0]["body"].as_str().unwrap();
    assert!(
        summary.contains("51 of 51 participants were present"),
        "{summary}"
    );
    let speeches = v["articles"][1]["body"].as_str().unwrap();
    assert!(
        speeches.contains("**Choe Song Bok**, Junghung-ri Party Committee"),
        "{speeches}"
    );
    let citations = v["articles"].as_array().unwrap().last().unwrap()["body"]
        .as_str()
        .unwrap();
    assert_eq!(citations.lines().count(), 50);
    let page = centre.get(&format!("/bulletins/{bid}")).await;
    assert!(
        page.body.contains(
            "<p class=\"bulletin-date\" id=\"bulletin-date\">28 February Juche 111 (2022)</p>"
        ),
        "{}",
        page.body
    );
    let r = centre.get(&format!("/api/v1/bulletins/{bid}/export")).await;
    assert!(
        r.body.starts_with("# BULLETIN")
            && r.body.contains("28 February Juche 111 (2022)")
            && r.body.contains("Ryom Kyong Chun"),
        "{}",
        r.body
    );
    // A draft is not shown below; published to the primary committees it is.
    let mut choe = t.login("choe").await;
    assert_eq!(
        api(&mut choe, Method::GET, &format!("/bulletins/{bid}"), None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, p) = api(
        &mut centre,
        Method::POST,
        &format!("/bulletins/{bid}/publish"),
        Some(json!({"levels": ["primary_committee"]})),
    )
    .await;
    assert_eq!(p["addressed"], 50);
    refused_on(
        api(
            &mut centre,
            Method::POST,
            &format!("/bulletins/{bid}/publish"),
            Some(json!({})),
        )
        .await,
        "bulletin",
    );
    refused_on(
        api(
            &mut centre,
            Method::POST,
            &format!("/bulletins/{bid}/articles"),
            Some(json!({"heading": "Late"})),
        )
        .await,
        "bulletin",
    );
    // Each receiving unit acknowledges, once, on its page.
    let page = choe.page(&format!("/units/{choe_unit}")).await;
    assert!(page.body.contains(&format!("id=\"acknowledge-{bid}\"")));
    let r = choe
        .post_form(
            &format!("/bulletins/{bid}/acknowledge"),
            &[("unit_id", &choe_unit.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (_, again) = api(
        &mut choe,
        Method::POST,
        &format!("/bulletins/{bid}/acknowledge"),
        Some(json!({"unit_id": choe_unit})),
    )
    .await;
    assert_eq!(again["acknowledged"], false);
    refused_on(
        api(
            &mut north_sec,
            Method::POST,
            &format!("/bulletins/{bid}/acknowledge"),
            Some(json!({"unit_id": north})),
        )
        .await,
        "unit_id",
    );
    let (_, v) = api(&mut centre, Method::GET, &format!("/bulletins/{bid}"), None).await;
    assert_eq!(
        (
            v["at"]["acknowledged"].as_i64(),
            v["at"]["addressed"].as_i64()
        ),
        (Some(1), Some(50))
    );
    let north_row = v["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["unit_id"] == north)
        .unwrap();
    assert_eq!(
        (
            north_row["acknowledged"].as_i64(),
            north_row["addressed"].as_i64()
        ),
        (Some(1), Some(25))
    );
    assert_eq!(v["not_acknowledged"].as_array().unwrap().len(), 49);
    // The province reads the receipts at its own level.
    let (_, v) = api(
        &mut north_sec,
        Method::GET,
        &format!("/bulletins/{bid}"),
        None,
    )
    .await;
    assert_eq!(
        (
            v["at"]["unit_id"].as_i64(),
            v["at"]["acknowledged"].as_i64(),
            v["at"]["addressed"].as_i64()
        ),
        (Some(north), Some(1), Some(25))
    );

    // The Minguo era shows the same dates its own way.
    api(
        &mut centre,
        Method::PUT,
        "/calendar-era",
        Some(json!({"calendar_era": "minguo"})),
    )
    .await;
    let page = centre.get(&m).await;
    assert!(page.body.contains("民國111年2月27日"));
    let (_, settings) = api(&mut north_sec, Method::GET, "/meeting-settings", None).await;
    assert_eq!(settings["calendar_era"], "minguo");
    assert_eq!(settings["types"].as_array().unwrap().len(), 5);
    t.assert_consistent().await;
}

#[tokio::test]
async fn cadences_are_set_by_the_organizations_administrators() {
    let t = TestApp::new().await;
    let p = t.unit("Province", "provincial_committee", t.root).await;
    t.user("sec_p", Some(Role::Secretary), p, ScopeKind::Subtree)
        .await;
    let mut root = t.login("root").await;
    let (s, v) = api(
        &mut root,
        Method::PUT,
        "/meeting-settings/cadence",
        Some(json!({"meeting_type": "cell_meeting", "level": "cell", "every_days": 31})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v,
        json!([{"meeting_type": "cell_meeting", "level": "cell", "every_days": 31}])
    );
    refused_on(
        api(
            &mut root,
            Method::PUT,
            "/meeting-settings/cadence",
            Some(json!({"meeting_type": "cell_meeting", "level": "hamlet", "every_days": 31})),
        )
        .await,
        "level",
    );
    refused_on(
        api(
            &mut root,
            Method::PUT,
            "/meeting-settings/cadence",
            Some(json!({"meeting_type": "cell_meeting", "level": "cell", "every_days": 0})),
        )
        .await,
        "every_days",
    );
    refused_on(
        api(
            &mut root,
            Method::PUT,
            "/meeting-settings/cadence",
            Some(json!({"meeting_type": "dance", "level": "cell", "every_days": 7})),
        )
        .await,
        "meeting_type",
    );
    let mut sec = t.login("sec_p").await;
    let (s, _) = api(
        &mut sec,
        Method::PUT,
        "/meeting-settings/cadence",
        Some(json!({"meeting_type": "cell_meeting", "level": "cell", "every_days": 7})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, v) = api(
        &mut root,
        Method::PUT,
        "/meeting-settings/cadence",
        Some(json!({"meeting_type": "cell_meeting", "level": "cell"})),
    )
    .await;
    assert_eq!(v, json!([]), "no days removes the cadence");

    // The same through the settings page.
    let page = root.get("/admin/meetings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"no-cadences\""), "{}", page.body);
    let r = root
        .post_form(
            "/admin/meetings/cadence",
            &[
                ("meeting_type", "cell_meeting"),
                ("level", "cell"),
                ("every_days", "30"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    for days in ["0", "often"] {
        let r = root
            .post_form(
                "/admin/meetings/cadence",
                &[
                    ("meeting_type", "cell_meeting"),
                    ("level", "cell"),
                    ("every_days", days),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{days}");
        assert!(
            r.form_error().contains("Every (days)"),
            "the error names the field: {}",
            r.body
        );
    }
    let r = root
        .post_form("/admin/meetings/era", &[("calendar_era", "julian")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = root
        .post_form("/admin/meetings/era", &[("calendar_era", "juche")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = root.get("/admin/meetings").await;
    assert!(page.body.contains("id=\"cadences-table\""), "{}", page.body);
    assert!(
        page.body.contains("<option value=\"juche\" selected>"),
        "{}",
        page.body
    );
    let settings = grassroots_app::meetings::settings(&t.app).await.unwrap();
    assert_eq!(settings.calendar_era, "juche");
    assert_eq!(settings.cadences.len(), 1);
    assert_eq!(settings.cadences[0].every_days, 30);
    let r = root
        .post_form(
            "/admin/meetings/cadence",
            &[("meeting_type", "cell_meeting"), ("level", "cell")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        grassroots_app::meetings::settings(&t.app)
            .await
            .unwrap()
            .cadences
            .is_empty()
    );

    // Kinds of meeting: one of the organization's own, a built-in renamed
    // and back; keys and names are checked.
    let (s, v) = api(
        &mut root,
        Method::PUT,
        "/meeting-settings/types",
        Some(json!({"key": "study_session", "label": "Study session"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v.as_array().unwrap().last().unwrap()["key"],
        "study_session"
    );
    assert_eq!(v.as_array().unwrap().len(), 6);
    for (body, field) in [
        (json!({"key": "Study Session", "label": "X"}), "key"),
        (json!({"key": "9lives", "label": "X"}), "key"),
        (json!({"key": "picnic"}), "label"),
        (json!({"key": "picnic", "label": "x".repeat(101)}), "label"),
        (json!({"key": "picnic", "label": "Pic\r\nnic"}), "label"),
    ] {
        refused_on(
            api(
                &mut root,
                Method::PUT,
                "/meeting-settings/types",
                Some(body),
            )
            .await,
            field,
        );
    }
    let r = root
        .post_form(
            "/admin/meetings/type",
            &[("key", "cell_meeting"), ("label", "Cell gathering")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = root.page(&format!("/units/{p}")).await;
    assert!(
        page.body.contains(">Study session</option>"),
        "the convene form offers it"
    );
    assert!(page.body.contains(">Cell gathering</option>"));
    let r = root
        .post_form(
            "/admin/meetings/type",
            &[("key", "cell_meeting"), ("label", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = root.get("/admin/meetings").await;
    assert!(page.body.contains("<td>Cell meeting</td>"), "{}", page.body);
    let (s, v) = api(
        &mut root,
        Method::POST,
        &format!("/units/{p}/meetings"),
        Some(json!({"meeting_type": "study_session", "title": "Study", "held_on": "2022-03-01"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let mut sec = t.login("sec_p").await;
    let (s, _) = api(
        &mut sec,
        Method::PUT,
        "/meeting-settings/types",
        Some(json!({"key": "secret_rite", "label": "Rite"})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[test]
fn quorum_is_more_than_the_percentage() {
    use grassroots_app::meetings::quorate;
    use grassroots_store::meetings::Attendance;
    let a = |present, invited| Attendance {
        invited,
        present,
        ..Default::default()
    };
    assert!(!quorate(&a(4, 8), 50), "exactly half is not more than half");
    assert!(quorate(&a(5, 8), 50));
    assert!(!quorate(&a(0, 0), 0), "nobody invited, no quorum");
    assert!(quorate(&a(1, 10), 0));
    assert!(!quorate(&a(99, 100), 99) && quorate(&a(100, 100), 99));
}

#[tokio::test]
async fn the_meetings_of_a_closed_unit_are_history() {
    let t = TestApp::new().await;
    let p = t.unit("Province", "provincial_committee", t.root).await;
    let factory = t.unit("Factory", "primary_committee", p).await;
    let cell = t.unit("Disbanded Cell", "cell", factory).await;
    let cli = t.cli();
    let m = grassroots_app::meetings::convene(
        &t.app,
        &cli,
        cell,
        grassroots_app::meetings::MeetingInput {
            meeting_type: "cell_meeting".into(),
            title: "Last meeting".into(),
            held_on: "2022-01-10".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // A member cited before the cell disbanded: the citation stays in the
    // cell's history, counted in the province's roll all the same.
    let cited = t.person(cell, "Cited Ri", "member").await;
    grassroots_app::commendations::confer(
        &t.app,
        &cli,
        cell,
        grassroots_app::commendations::CommendationInput {
            person_ids: vec![cited],
            kind: "citation".into(),
            title: "Citation".into(),
            reason: "Years of service".into(),
            conferred_on: "2022-01-10".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    grassroots_app::people::set_status(&t.app, &cli, cited, "left")
        .await
        .unwrap();
    grassroots_app::units::close(&t.app, &cli, cell)
        .await
        .unwrap();
    t.assert_consistent().await;
    let mut root = t.login("root").await;
    let (s, rec) = api(&mut root, Method::GET, &format!("/meetings/{}", m.id), None).await;
    assert_eq!(
        (s, rec["meeting"]["title"].as_str()),
        (StatusCode::OK, Some("Last meeting"))
    );
    refused_on(
        api(
            &mut root,
            Method::POST,
            &format!("/meetings/{}/agenda", m.id),
            Some(json!({"title": "After the end"})),
        )
        .await,
        "unit_id",
    );
}

/// Moves the test clock to noon of a day, so that a test's steps never
/// straddle midnight; returns that day.
fn noon(t: &TestApp) -> chrono::NaiveDate {
    let now = t.app.clock.now();
    let to_noon = chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap() - now.time();
    let ahead = if to_noon < chrono::Duration::zero() {
        to_noon + chrono::Duration::days(1)
    } else {
        to_noon
    };
    t.app.clock.advance(ahead);
    t.app.clock.now().date_naive()
}

#[tokio::test]
async fn regularity_follows_cadences_to_the_day_and_rolls_up_attendance() {
    use chrono::Duration;
    let t = TestApp::new().await;
    let start = noon(&t);
    let day = |n: i64| (start + Duration::days(n)).to_string();
    let p = t.unit("Province", "provincial_committee", t.root).await;
    let f1 = t.unit("Steel Works", "primary_committee", p).await;
    let f2 = t.unit("Rail Yard", "primary_committee", p).await;
    let c1 = t.unit("Furnace Cell", "cell", f1).await;
    let c2 = t.unit("Rolling Cell", "cell", f1).await;
    let c3 = t.unit("Signal Cell", "cell", f2).await;
    let c1_people = [
        t.person(c1, "Furnace Ri", "member").await,
        t.person(c1, "Furnace Kim", "member").await,
    ];
    t.user("sec_f1", Some(Role::Secretary), f1, ScopeKind::Subtree)
        .await;
    t.user("sec_f2", Some(Role::Secretary), f2, ScopeKind::Subtree)
        .await;
    let mut root = t.login("root").await;
    let cadence = |days: Option<i64>| json!({"meeting_type": "cell_meeting", "level": "cell", "every_days": days});
    let (s, v) = api(
        &mut root,
        Method::PUT,
        "/meeting-settings/cadence",
        Some(cadence(Some(30))),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let reg = format!("/units/{p}/regularity");
    let counts = |v: &Value, i: usize| {
        let r = &v["rows"][i];
        (
            r["expected"].as_i64().unwrap(),
            r["overdue"].as_i64().unwrap(),
            r["marked"].as_i64().unwrap(),
            r["present"].as_i64().unwrap(),
        )
    };
    let (s, v) = api(&mut root, Method::GET, &reg, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["rows"][0]["unit_id"], p);
    assert_eq!(counts(&v, 0), (3, 0, 0, 0), "{v}");
    assert_eq!(
        v["rows"].as_array().unwrap().len(),
        3,
        "the unit, then its two children"
    );
    t.assert_consistent().await;

    // Due thirty days after tracking began: on the day itself a unit is
    // not yet overdue; the day after, it is.
    t.app.clock.advance(Duration::days(30));
    let refreshed = grassroots_app::meetings::refresh_regularity(&t.app)
        .await
        .unwrap();
    assert_eq!(refreshed, 0, "due today is not overdue");
    t.app.clock.advance(Duration::days(1));
    let refreshed = grassroots_app::meetings::refresh_regularity(&t.app)
        .await
        .unwrap();
    assert_eq!(refreshed, 3);
    // Sessions lapse as days pass.
    let mut root = t.login("root").await;
    assert_eq!(
        grassroots_app::meetings::refresh_regularity(&t.app)
            .await
            .unwrap(),
        0,
        "nothing is counted twice"
    );
    let (_, v) = api(&mut root, Method::GET, &reg, None).await;
    assert_eq!(counts(&v, 0), (3, 3, 0, 0), "{v}");
    let overdue: Vec<(i64, &str)> = v["overdue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["unit_id"].as_i64().unwrap(),
                o["due_on"].as_str().unwrap(),
            )
        })
        .collect();
    let due = day(30);
    assert_eq!(
        overdue,
        [(c1, due.as_str()), (c2, due.as_str()), (c3, due.as_str())]
    );
    t.assert_consistent().await;
    // Changing the interval re-derives due days from the day each unit was
    // first expected to meet: overdue units that never met stay overdue.
    for (days, due) in [(29, day(29)), (30, day(30))] {
        let (s, _) = api(
            &mut root,
            Method::PUT,
            "/meeting-settings/cadence",
            Some(cadence(Some(days))),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (_, v) = api(&mut root, Method::GET, &reg, None).await;
        assert_eq!(counts(&v, 0), (3, 3, 0, 0), "{v}");
        assert_eq!(v["overdue"][0]["due_on"], due, "{v}");
        t.assert_consistent().await;
    }

    // A meeting cannot be closed before the day it begins.
    let mut sec = t.login("sec_f1").await;
    let convene = async |sec: &mut TestClient, unit: i64, held_on: &str| {
        let (s, v) = api(
            sec,
            Method::POST,
            &format!("/units/{unit}/meetings"),
            Some(json!({"meeting_type": "cell_meeting", "title": "Cell meeting", "held_on": held_on})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["id"].as_i64().unwrap()
    };
    let early = convene(&mut sec, c1, &day(32)).await;
    refused_on(
        api(
            &mut sec,
            Method::POST,
            &format!("/meetings/{early}/close"),
            None,
        )
        .await,
        "held_on",
    );

    // Furnace Cell meets today with one of two present: it is regular
    // again until thirty days from today, and its attendance rolls up.
    let m = convene(&mut sec, c1, &day(31)).await;
    let (s, v) = api(
        &mut sec,
        Method::POST,
        &format!("/meetings/{m}/participants"),
        Some(json!({"by": "unit", "unit_id": c1})),
    )
    .await;
    assert_eq!((s, v["added"].as_i64()), (StatusCode::OK, Some(2)), "{v}");
    let (s, v) = api(
        &mut sec,
        Method::PUT,
        &format!("/meetings/{m}/attendance"),
        Some(json!([
            {"person_id": c1_people[0], "attendance": "present"},
            {"person_id": c1_people[1], "attendance": "excused"}
        ])),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = api(
        &mut sec,
        Method::POST,
        &format!("/meetings/{m}/close"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // A meeting held long ago and closed only now does not make Rolling
    // Cell regular: its next meeting was due long since.
    let late = convene(&mut sec, c2, &day(-100)).await;
    let (s, v) = api(
        &mut sec,
        Method::POST,
        &format!("/meetings/{late}/close"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = api(&mut root, Method::GET, &reg, None).await;
    assert_eq!(counts(&v, 0), (3, 2, 2, 1), "{v}");
    let f1_row = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["unit_id"] == f1)
        .unwrap();
    assert_eq!(counts(&v, f1_row), (2, 1, 2, 1), "{v}");
    let overdue = v["overdue"].as_array().unwrap();
    assert_eq!(overdue.len(), 2, "{v}");
    assert_eq!(overdue[0]["unit_id"], c2, "the longest overdue first: {v}");
    assert_eq!(overdue[0]["last_held_on"], day(-100));
    assert_eq!(overdue[0]["due_on"], day(-70));
    assert_eq!(overdue[1]["unit_id"], c3);
    t.assert_consistent().await;

    // Thirty days after its meeting Furnace Cell is due, not overdue.
    t.app.clock.advance(Duration::days(30));
    grassroots_app::meetings::refresh_regularity(&t.app)
        .await
        .unwrap();
    let mut root = t.login("root").await;
    let (_, v) = api(&mut root, Method::GET, &reg, None).await;
    assert_eq!(counts(&v, 0).1, 2, "{v}");
    t.app.clock.advance(Duration::days(1));
    grassroots_app::meetings::refresh_regularity(&t.app)
        .await
        .unwrap();
    let mut root = t.login("root").await;
    let (_, v) = api(&mut root, Method::GET, &reg, None).await;
    assert_eq!(counts(&v, 0).1, 3, "{v}");

    // A closed unit leaves the counts; a new one joins, due an interval on.
    let cli = t.cli();
    grassroots_app::units::close(&t.app, &cli, c3)
        .await
        .unwrap();
    let c4 = t.unit("New Cell", "cell", f2).await;
    let (_, v) = api(&mut root, Method::GET, &reg, None).await;
    assert_eq!(counts(&v, 0), (3, 2, 2, 1), "{v}");
    t.assert_consistent().await;

    // A longer cadence re-derives every due day from the last meeting.
    let (s, _) = api(
        &mut root,
        Method::PUT,
        "/meeting-settings/cadence",
        Some(cadence(Some(90))),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = api(&mut root, Method::GET, &reg, None).await;
    assert_eq!(counts(&v, 0), (3, 1, 2, 1), "{v}");
    assert_eq!(v["overdue"][0]["unit_id"], c2, "{v}");
    assert_eq!(v["overdue"][0]["due_on"], day(-10), "{v}");
    let (_, v) = api(
        &mut root,
        Method::GET,
        &format!("/units/{f2}/regularity"),
        None,
    )
    .await;
    assert_eq!(counts(&v, 0), (1, 0, 0, 0), "New Cell: {v}");
    assert!(v["overdue"].as_array().unwrap().is_empty());
    // A unit whose level changes follows the cadences of its new level
    // (a primary unit inside a primary unit breaks the party profile's
    // placement rules, which are not what this checks: deferred).
    for (level, expected) in [("primary_committee", 0), ("cell", 1)] {
        let mut tx = t.app.db.begin().await.unwrap();
        let scope = cli.principal.scope::<grassroots_core::Manage>();
        grassroots_store::units::set_level(
            &mut tx,
            &scope,
            c4,
            level,
            t.app.clock.now(),
            grassroots_store::units::Placement::Deferred,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let (_, v) = api(
            &mut root,
            Method::GET,
            &format!("/units/{f2}/regularity"),
            None,
        )
        .await;
        assert_eq!(counts(&v, 0).0, expected, "{level}: {v}");
        t.assert_consistent().await;
    }

    // Only readers of the subtree see it: the Rail Yard's secretary reads
    // its own, not the Steel Works' nor the province's.
    let mut sec2 = t.login("sec_f2").await;
    let (s, _) = api(
        &mut sec2,
        Method::GET,
        &format!("/units/{f1}/regularity"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = api(&mut sec2, Method::GET, &reg, None).await;
    assert!(
        matches!(s, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
        "{s}"
    );
    let (s, v) = api(
        &mut sec2,
        Method::GET,
        &format!("/units/{f2}/regularity"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The unit page shows the province's overdue units to those above.
    let page = root.page(&format!("/units/{p}")).await;
    assert!(page.body.contains("Rolling Cell"), "{}", page.body);

    // Removing the cadence stops tracking.
    let (s, _) = api(
        &mut root,
        Method::PUT,
        "/meeting-settings/cadence",
        Some(cadence(None)),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = api(&mut root, Method::GET, &reg, None).await;
    assert_eq!(counts(&v, 0), (0, 0, 2, 1), "{v}");
    t.assert_consistent().await;
}

#[tokio::test]
async fn meetings_are_published_as_icalendar_feeds_per_unit_and_person() {
    let t = TestApp::new().await;
    let p = t.unit("Province", "provincial_committee", t.root).await;
    let f = t
        .unit("Textile Mill; Weaving, No. 2", "primary_committee", p)
        .await;
    let other = t.unit("Fishery", "primary_committee", p).await;
    let weaver = t.person(f, "Weaver Ri", "member").await;
    let fisher = t.person(other, "Fisher Kim", "member").await;
    t.user("sec", Some(Role::Secretary), f, ScopeKind::Subtree)
        .await;
    t.user(
        "sec_other",
        Some(Role::Secretary),
        other,
        ScopeKind::Subtree,
    )
    .await;
    let mut sec = t.login("sec").await;
    let mut convene = async |body: Value| {
        let (s, v) = api(
            &mut sec,
            Method::POST,
            &format!("/units/{f}/meetings"),
            Some(body),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["id"].as_i64().unwrap()
    };
    let timed = convene(
        json!({"meeting_type": "committee_meeting", "title": "Committee; March, review",
        "held_on": "2022-03-01", "starts_at": "09:30", "location": "Club house"}),
    )
    .await;
    let whole_day = convene(
        json!({"meeting_type": "general_meeting", "title": "General meeting", "held_on": "2022-03-05"}),
    )
    .await;
    let several_days = convene(json!({"meeting_type": "conference", "title": "Conference",
        "held_on": "2022-02-26", "ends_on": "2022-02-28", "starts_at": "10:00"}))
    .await;
    convene(
        json!({"meeting_type": "cell_meeting", "title": "Evening study",
        "held_on": "2022-03-07", "starts_at": "18:00"}),
    )
    .await;
    for (title, minutes) in [("Report", 45), ("Discussion", 30)] {
        let (s, v) = api(
            &mut sec,
            Method::POST,
            &format!("/meetings/{timed}/agenda"),
            Some(json!({"title": title, "duration_min": minutes})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (s, v) = api(
        &mut sec,
        Method::POST,
        &format!("/meetings/{whole_day}/participants"),
        Some(json!({"by": "person", "person_ids": [weaver]})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let r = sec.get(&format!("/api/v1/units/{f}/meetings.ics")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = r.body.replace("\r\n ", "");
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"), "{ics}");
    assert!(
        ics.contains("\r\nX-WR-CALNAME:Textile Mill\\; Weaving\\, No. 2\r\n"),
        "{ics}"
    );
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 4, "{ics}");
    // Without planned minutes, an hour.
    let evening = ics
        .split("BEGIN:VEVENT")
        .find(|e| e.contains("Evening study"))
        .unwrap();
    assert!(
        evening.contains("\r\nDTSTART:20220307T180000\r\n"),
        "{evening}"
    );
    assert!(
        evening.contains("\r\nDTEND:20220307T190000\r\n"),
        "{evening}"
    );
    // The timed meeting: floating local time, its length from the agenda.
    assert!(ics.contains("\r\nDTSTART:20220301T093000\r\n"), "{ics}");
    assert!(ics.contains("\r\nDTEND:20220301T104500\r\n"), "{ics}");
    assert!(
        ics.contains("\r\nSUMMARY:Committee\\; March\\, review\r\n"),
        "{ics}"
    );
    assert!(ics.contains("\r\nLOCATION:Club house\r\n"), "{ics}");
    assert!(ics.contains(&format!("UID:meeting-{timed}@")), "{ics}");
    // Whole days end on the day after the last.
    assert!(ics.contains("\r\nDTSTART;VALUE=DATE:20220305\r\n"), "{ics}");
    assert!(ics.contains("\r\nDTEND;VALUE=DATE:20220306\r\n"), "{ics}");
    assert!(ics.contains("\r\nDTSTART;VALUE=DATE:20220226\r\n"), "{ics}");
    assert!(ics.contains("\r\nDTEND;VALUE=DATE:20220301\r\n"), "{ics}");
    // Links are absolute: calendar programs have no page to resolve
    // them against (the request's host when no public URL is set).
    assert!(
        ics.contains(&format!(
            "\r\nURL:http://localhost/meetings/{several_days}\r\n"
        )),
        "{ics}"
    );

    // A person's feed holds the meetings they are invited to; the page
    // route serves the same.
    let r = sec.get(&format!("/people/{weaver}/meetings.ics")).await;
    assert_eq!(r.status, StatusCode::OK);
    let ics = r.body.replace("\r\n ", "");
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1, "{ics}");
    assert!(ics.contains("SUMMARY:General meeting"), "{ics}");
    assert!(ics.contains("X-WR-CALNAME:Weaver Ri"), "{ics}");
    let page = sec.page(&format!("/units/{f}")).await;
    assert!(page.body.contains(&format!("/units/{f}/meetings.ics")));

    // Neither feed is open to a sibling's secretary, nor to nobody.
    let mut other_sec = t.login("sec_other").await;
    for path in [
        format!("/api/v1/units/{f}/meetings.ics"),
        format!("/api/v1/people/{weaver}/meetings.ics"),
        format!("/units/{f}/meetings.ics"),
        format!("/people/{weaver}/meetings.ics"),
    ] {
        let r = other_sec.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!r.body.contains("VEVENT"));
    }
    let r = other_sec
        .get(&format!("/api/v1/people/{fisher}/meetings.ics"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "their own person's feed, empty");
    assert_eq!(r.body.matches("BEGIN:VEVENT").count(), 0);
    let r = t
        .client()
        .get(&format!("/api/v1/units/{f}/meetings.ics"))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

/// A meeting recorded after it was held: speeches entered with their kind
/// and text as given, without a live list of speakers; attendance never
/// taken. The record and its bulletin state only what was recorded, list
/// citations in the order they were conferred, name the speaker who did
/// not speak as such, and show dates in the era of the day they are read.
#[tokio::test]
async fn a_meeting_recorded_afterwards_reports_only_what_was_recorded() {
    let t = TestApp::new().await;
    let province = t.unit("Province", "provincial_committee", t.root).await;
    let factory = t.unit("Factory", "primary_committee", province).await;
    let mut people = Vec::new();
    for name in ["Zo Am", "Yu Bo", "Xi Chan", "Wu Dok"] {
        people.push(t.person(factory, name, "member").await);
    }
    t.user("sec", Some(Role::Secretary), factory, ScopeKind::Subtree)
        .await;
    let mut sec = t.login("sec").await;
    let mut root = t.login("root").await;
    let (s, _) = api(
        &mut root,
        Method::PUT,
        "/calendar-era",
        Some(json!({"calendar_era": "juche"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = api(
        &mut sec,
        Method::POST,
        &format!("/units/{factory}/meetings"),
        Some(
            json!({"meeting_type": "general_meeting", "title": "Winter meeting",
                    "held_on": "2022-01-10", "ends_on": "2022-01-11"}),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let m = format!("/meetings/{id}");
    api(
        &mut sec,
        Method::POST,
        &format!("{m}/participants"),
        Some(json!({"by": "unit", "unit_id": factory})),
    )
    .await;
    let (_, v) = api(
        &mut sec,
        Method::POST,
        &format!("{m}/agenda"),
        Some(json!({"title": "The year's work"})),
    )
    .await;
    let item = v["id"].as_i64().unwrap();
    let speakers = format!("/agenda-items/{item}/speakers");
    let mut given = Vec::new();
    for (p, kind, title) in [
        (people[0], "report", "What the year brought"),
        (people[1], "contribution", ""),
        (people[2], "concluding_speech", "The tasks ahead"),
    ] {
        let (s, v) = api(
            &mut sec,
            Method::POST,
            &speakers,
            Some(json!({"person_id": p, "kind": kind, "title": title,
                        "body": format!("Text of {title}."), "given": true})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        given.push(v["id"].as_i64().unwrap());
    }
    // One more on the list who never spoke.
    let (_, v) = api(
        &mut sec,
        Method::POST,
        &speakers,
        Some(json!({"person_id": people[3]})),
    )
    .await;
    let waiting = v["id"].as_i64().unwrap();
    // A speech recorded as given cannot take the floor, nor be withdrawn.
    refused_on(
        api(
            &mut sec,
            Method::POST,
            &format!("/speeches/{}/start", given[0]),
            None,
        )
        .await,
        "speech",
    );
    refused_on(
        api(
            &mut sec,
            Method::DELETE,
            &format!("/speeches/{}", given[1]),
            None,
        )
        .await,
        "speech",
    );
    // Citations in the order given, not by person id.
    let order = [people[2], people[0], people[3], people[1]];
    let (s, v) = api(
        &mut sec,
        Method::POST,
        &format!("/units/{factory}/commendations"),
        Some(
            json!({"person_ids": order, "kind": "citation", "title": "Citation",
                    "reason": "Good work", "meeting_id": id}),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let cited_in_order = ["Xi Chan", "Zo Am", "Wu Dok", "Yu Bo"];
    let (_, rec) = api(&mut sec, Method::GET, &m, None).await;
    let cited: Vec<&str> = rec["commendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(cited, cited_in_order);
    assert!(rec["agenda"][0]["speeches"][0]["started_at"].is_null());
    assert_eq!(rec["agenda"][0]["speeches"][0]["given"], true);
    // The page says attendance was not taken, and judges no quorum.
    let page = sec.get(&m).await;
    assert!(
        page.body.contains("Attendance not taken · 4 invited"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("id=\"quorum\""));
    assert!(page.body.contains(&format!("id=\"given-{}\"", given[0])));
    let (s, _) = api(&mut sec, Method::POST, &format!("{m}/close"), None).await;
    assert_eq!(s, StatusCode::OK);

    let (s, b) = api(&mut sec, Method::POST, &format!("{m}/bulletin"), None).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let bid = b["id"].as_i64().unwrap();
    let (_, v) = api(&mut sec, Method::GET, &format!("/bulletins/{bid}"), None).await;
    let articles = v["articles"].as_array().unwrap();
    let summary = articles[0]["body"].as_str().unwrap();
    assert!(
        !summary.contains("present") && !summary.contains("participants"),
        "no attendance was recorded: {summary}"
    );
    assert!(
        summary.contains("{date:2022-01-10} – {date:2022-01-11}"),
        "{summary}"
    );
    let speeches = articles[1]["body"].as_str().unwrap();
    assert!(
        speeches.contains("**Zo Am**, Factory: *What the year brought*")
            && speeches.contains("**Yu Bo**, Factory"),
        "{speeches}"
    );
    assert!(
        speeches.contains(
            "Also on the list of speakers, not recorded as having spoken: Wu Dok, Factory."
        ),
        "{speeches}"
    );
    assert_eq!(articles[2]["heading"], "The tasks ahead — Xi Chan");
    let citations: Vec<&str> = articles.last().unwrap()["body"]
        .as_str()
        .unwrap()
        .lines()
        .collect();
    for (line, name) in citations.iter().zip(cited_in_order) {
        assert!(line.starts_with(&format!("- {name},")), "{citations:?}");
    }
    // Dates follow the era when it changes, on the page and in the export.
    let page = sec.get(&format!("/bulletins/{bid}")).await;
    assert!(
        page.body
            .contains("10 January Juche 111 (2022) – 11 January Juche 111 (2022)"),
        "{}",
        page.body
    );
    let (s, _) = api(
        &mut root,
        Method::PUT,
        "/calendar-era",
        Some(json!({"calendar_era": "gregorian"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let page = sec.get(&format!("/bulletins/{bid}")).await;
    assert!(
        page.body.contains("10 January 2022 – 11 January 2022"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Juche"), "{}", page.body);
    let r = sec.get(&format!("/api/v1/bulletins/{bid}/export")).await;
    assert!(
        r.body.contains("10 January 2022 – 11 January 2022") && !r.body.contains("{date:"),
        "{}",
        r.body
    );
    // The speaker left on the list cannot be recorded once closed.
    let (s, _) = api(
        &mut sec,
        Method::POST,
        &format!("/speeches/{waiting}/given"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Attendance taken for some participants only is reported as such.
#[tokio::test]
async fn partly_taken_attendance_is_reported_as_partly_taken() {
    let t = TestApp::new().await;
    let province = t.unit("Province", "provincial_committee", t.root).await;
    let factory = t.unit("Factory", "primary_committee", province).await;
    let a = t.person(factory, "Kim A", "member").await;
    let b = t.person(factory, "Kim B", "member").await;
    t.person(factory, "Kim C", "member").await;
    let mut root = t.login("root").await;
    let (_, v) = api(
        &mut root,
        Method::POST,
        &format!("/units/{factory}/meetings"),
        Some(
            json!({"meeting_type": "general_meeting", "title": "Spring", "held_on": "2022-03-01"}),
        ),
    )
    .await;
    let m = format!("/meetings/{}", v["id"]);
    api(
        &mut root,
        Method::POST,
        &format!("{m}/participants"),
        Some(json!({"by": "unit", "unit_id": factory})),
    )
    .await;
    let (s, v) = api(
        &mut root,
        Method::PUT,
        &format!("{m}/attendance"),
        Some(json!([{"person_id": a, "attendance": "present"},
                    {"person_id": b, "attendance": "absent"}])),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let page = root.get(&m).await;
    assert!(
        page.body
            .contains("1 present · 0 excused · 1 absent · 1 of 3 invited not recorded"),
        "{}",
        page.body
    );
    api(&mut root, Method::POST, &format!("{m}/close"), None).await;
    let (_, b) = api(&mut root, Method::POST, &format!("{m}/bulletin"), None).await;
    let (_, v) = api(
        &mut root,
        Method::GET,
        &format!("/bulletins/{}", b["id"]),
        None,
    )
    .await;
    let summary = v["articles"][0]["body"].as_str().unwrap();
    assert!(
        summary.contains("Of 3 participants, 1 were recorded present, 0 excused and 1 absent; the attendance of 1 was not recorded."),
        "{summary}"
    );
}
