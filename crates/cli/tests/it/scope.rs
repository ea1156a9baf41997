//! Authorization fails closed: a user scoped to one unit must not see or
//! change a sibling's data, through any page or API route.

use axum::http::{Method, StatusCode};
use grassroots_core::{Role, ScopeKind};
use grassroots_testkit::{TestApp, TestClient};
use serde_json::json;

/// Root → province → two sibling primary committees A and B, each with a
/// cell; a secretary and an administrator of A; an account and a role in B.
struct World {
    t: TestApp,
    province: i64,
    a: i64,
    b: i64,
    b_cell: i64,
    b_account: i64,
    b_role: i64,
    a_cell: i64,
    b_person: i64,
    b_position: i64,
    skill: i64,
    b_transfer: i64,
    b_decision: i64,
    b_plan: i64,
    b_target: i64,
    b_blocker: i64,
    a_target: i64,
    b_meeting: i64,
    b_item: i64,
    b_speech: i64,
    b_designation: i64,
    b_draft: i64,
    b_article: i64,
    b_bulletin: i64,
    /// An API token of B's secretary.
    b_token: i64,
    /// A welfare case of B's person, handled by B's secretary.
    b_case: i64,
    /// A supply item, and a request of B's cell to B.
    item: i64,
    b_request: i64,
    /// An appeal from B's cell, handled by B's secretary.
    b_appeal: i64,
    /// B's hazard (with its action) and incident.
    b_hazard: i64,
    b_action: i64,
    b_incident: i64,
    b_inspection: i64,
    /// A study assignment of B to its people.
    b_study: i64,
    /// An experience written by B.
    b_experience: i64,
    /// B's learning centre and a session of it held yesterday.
    b_centre: i64,
    b_session: i64,
}

async fn world() -> World {
    let t = TestApp::new().await;
    let province = t
        .unit(
            "South Phyongan Provincial Committee",
            "provincial_committee",
            t.root,
        )
        .await;
    let a = t.unit("Primary A", "primary_committee", province).await;
    let b = t.unit("Primary B", "primary_committee", province).await;
    let a_cell = t.unit("Cell A1", "cell", a).await;
    let b_cell = t.unit("Cell B1", "cell", b).await;
    t.user("sec_a", Some(Role::Secretary), a, ScopeKind::Subtree)
        .await;
    t.user("admin_a", Some(Role::Administrator), a, ScopeKind::Subtree)
        .await;
    t.user("viewer_a", Some(Role::Viewer), a, ScopeKind::Subtree)
        .await;
    t.user("member_a", Some(Role::Member), a, ScopeKind::Unit)
        .await;
    t.user("nobody_a", None, a, ScopeKind::Unit).await;
    let b_account = t
        .user("sec_b", Some(Role::Secretary), b, ScopeKind::Subtree)
        .await;
    let b_role = grassroots_app::roles::list(&t.app, &t.cli(), Some(b_account))
        .await
        .unwrap()[0]
        .id;
    let b_person = t.person(b, "Person of B", "member").await;
    let b_position =
        grassroots_app::positions::assign(&t.app, &t.cli(), b, "secretary", b_person, "2022-01-01")
            .await
            .unwrap()
            .id;
    let skill =
        grassroots_app::skills::create(&t.app, &t.cli(), "Chemical engineering", "engineering")
            .await
            .unwrap()
            .id;
    grassroots_app::skills::set(&t.app, &t.cli(), b_person, skill, 3, "")
        .await
        .unwrap();
    // A transfer from B to the province, pending.
    let b_transfer = {
        let b_secretary = grassroots_app::Actor::cli(t.root);
        grassroots_app::transfers::issue(&t.app, &b_secretary, b_person, province)
            .await
            .unwrap()
            .id
    };
    // A decision of B to its cell.
    let b_decision = grassroots_app::decisions::issue(
        &t.app,
        &t.cli(),
        b,
        grassroots_app::decisions::DecisionInput {
            title: "B's decision".into(),
            source: "committee_meeting".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .0
    .id;
    // A plan of B with a target and a blocker; a target of A.
    let plan_of = |unit: i64| {
        let t = &t;
        async move {
            let plan = grassroots_app::plans::create_plan(
                &t.app,
                &t.cli(),
                unit,
                grassroots_app::plans::PlanInput {
                    title: "Plan".into(),
                    period_kind: "year".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            let target = grassroots_app::plans::add_target(
                &t.app,
                &t.cli(),
                plan.id,
                grassroots_app::plans::TargetInput {
                    title: "Output".into(),
                    category: "economic".into(),
                    kind: "numeric".into(),
                    target_value: Some(100.0),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            (plan.id, target.id)
        }
    };
    let (b_plan, b_target) = plan_of(b).await;
    let (_, a_target) = plan_of(a).await;
    let b_blocker = grassroots_app::plans::open_blocker(
        &t.app,
        &t.cli(),
        b,
        Some(b_target),
        grassroots_app::plans::BlockerInput {
            title: "No steel".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    // A meeting of B with its member invited, an agenda item and a speaker.
    let cli = t.cli();
    let b_meeting = grassroots_app::meetings::convene(
        &t.app,
        &cli,
        b,
        grassroots_app::meetings::MeetingInput {
            meeting_type: "committee_meeting".into(),
            title: "B's committee meeting".into(),
            held_on: "2022-03-01".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    grassroots_app::meetings::invite(
        &t.app,
        &cli,
        b_meeting,
        grassroots_app::meetings::InviteInput {
            by: "unit".into(),
            unit_id: Some(b),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let b_item = grassroots_app::meetings::add_item(
        &t.app,
        &cli,
        b_meeting,
        grassroots_app::meetings::AgendaInput {
            title: "Report".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let b_speech = grassroots_app::meetings::request_speech(
        &t.app,
        &cli,
        b_item,
        grassroots_app::meetings::SpeechInput {
            person_id: b_person,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // A commendation and a model cell of B; a draft and a published
    // bulletin of B.
    grassroots_app::commendations::confer(
        &t.app,
        &cli,
        b,
        grassroots_app::commendations::CommendationInput {
            person_ids: vec![b_person],
            kind: "citation".into(),
            title: "B's citation".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let b_designation = grassroots_app::commendations::designate(
        &t.app,
        &cli,
        b,
        grassroots_app::commendations::ModelInput {
            unit_id: b_cell,
            reason: "Its study group".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    let bulletin = |title: &'static str| {
        let (t, cli) = (&t, &cli);
        async move {
            let b_id = grassroots_app::bulletins::create(
                &t.app,
                cli,
                b,
                grassroots_app::bulletins::BulletinInput {
                    title: title.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .id;
            let article = grassroots_app::bulletins::add_article(
                &t.app,
                cli,
                b_id,
                grassroots_app::bulletins::ArticleInput {
                    heading: "News".into(),
                    body: "Text".into(),
                },
            )
            .await
            .unwrap();
            (b_id, article)
        }
    };
    let (b_draft, b_article) = bulletin("B's draft").await;
    let (b_bulletin, _) = bulletin("B's bulletin").await;
    grassroots_app::bulletins::publish(&t.app, &cli, b_bulletin, &[])
        .await
        .unwrap();
    let b_token = grassroots_app::tokens::create(
        &t.app,
        &t.cli(),
        b_account,
        "B's sync",
        grassroots_core::Assignment {
            role: Role::Secretary,
            unit_id: b,
            scope: ScopeKind::Subtree,
        },
        None,
    )
    .await
    .unwrap()
    .1
    .id;
    grassroots_app::welfare::set_handler(&t.app, &t.cli(), b, b_account, true)
        .await
        .unwrap();
    let b_case = {
        let mut sec_b = t.login("sec_b").await;
        let r = sec_b
            .json(
                Method::POST,
                "/api/v1/welfare/cases",
                Some(json!({"person_id": b_person, "type_key": "health", "summary": "B's case"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.json()["id"].as_i64().unwrap()
    };
    let item = grassroots_app::supply::create_item(
        &t.app,
        &t.cli(),
        &grassroots_app::supply::ItemInput {
            name: "Winter fuel".into(),
            measure: "t".into(),
        },
    )
    .await
    .unwrap()
    .id;
    let b_request = grassroots_app::supply::request(
        &t.app,
        &t.cli(),
        b_cell,
        &grassroots_app::supply::RequestInput {
            item_id: item,
            quantity: 5,
            reason: "B's cell needs fuel".into(),
        },
    )
    .await
    .unwrap()
    .id;
    grassroots_app::appeals::set_handler(&t.app, &t.cli(), b, b_account, true)
        .await
        .unwrap();
    grassroots_app::appeals::submit_anonymous(
        &t.app,
        &grassroots_app::appeals::Intake {
            unit_id: Some(b_cell),
            kind: "suggestion".into(),
            subject: "B's suggestion".into(),
            body: "Planted in B".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let b_appeal = grassroots_app::appeals::inbox(
        &t.app,
        &grassroots_app::Actor {
            account_id: Some(b_account),
            ..t.cli()
        },
        false,
    )
    .await
    .unwrap()[0]
        .id;
    let b_hazard_view = grassroots_app::safety::add_hazard(
        &t.app,
        &t.cli(),
        b,
        &grassroots_app::safety::HazardInput {
            title: "B's hazard".into(),
            description: String::new(),
            location: String::new(),
            inherent_likelihood: 5,
            inherent_severity: 5,
            residual_likelihood: 3,
            residual_severity: 5,
            owner_person_id: None,
            review_on: None,
            controls: Vec::new(),
            action: Some(grassroots_app::safety::ActionSpec {
                title: "B's action".into(),
                due_on: t.app.clock.today().to_string(),
                owner_person_id: None,
            }),
        },
    )
    .await
    .unwrap();
    let b_incident = grassroots_app::safety::report(
        &t.app,
        &t.cli(),
        b,
        &grassroots_app::safety::IncidentInput {
            kind: "near_miss".into(),
            severity: "low".into(),
            occurred_on: t.app.clock.today().to_string(),
            title: "B's near miss".into(),
            description: String::new(),
        },
    )
    .await
    .unwrap()
    .id;
    let b_inspection = grassroots_app::safety::checklists::start(&t.app, &t.cli(), b, 1)
        .await
        .unwrap()
        .inspection
        .id;
    let b_study = grassroots_app::study::assign(
        &t.app,
        &t.cli(),
        b,
        grassroots_app::study::AssignmentInput {
            title: "B's study".into(),
            completion: "reviewer".into(),
            due_on: (t.app.clock.today() + chrono::Duration::days(30)).to_string(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    let b_experience = grassroots_app::experiences::write(
        &t.app,
        &t.cli(),
        b,
        grassroots_app::experiences::ExperienceInput {
            title: "B's experience".into(),
            body: "How B works.".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    let b_centre = grassroots_app::study::centres::create(
        &t.app,
        &t.cli(),
        b,
        &grassroots_app::study::centres::CentreInput {
            name: "B's learning room".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    let b_session = grassroots_app::study::centres::plan(
        &t.app,
        &t.cli(),
        b_centre,
        &grassroots_app::study::centres::SessionInput {
            held_on: (t.app.clock.today() - chrono::Duration::days(1)).to_string(),
            starts_at: String::new(),
            topic: "B's session".into(),
        },
    )
    .await
    .unwrap()
    .id;
    World {
        t,
        b_centre,
        b_session,
        b_study,
        b_experience,
        b_inspection,
        b_token,
        b_case,
        b_appeal,
        b_hazard: b_hazard_view.hazard.id,
        b_action: b_hazard_view.actions[0].id,
        b_incident,
        item,
        b_request,
        b_designation,
        b_draft,
        b_article,
        b_bulletin,
        b_meeting,
        b_item,
        b_speech,
        b_plan,
        b_target,
        b_blocker,
        a_target,
        b_decision,
        b_transfer,
        skill,
        a_cell,
        b_person,
        b_position,
        province,
        a,
        b,
        b_cell,
        b_account,
        b_role,
    }
}

/// Unless the OpenAPI document lists `status` among the answers of the
/// operation `method` `path` (an `/api/v1/…` path with real ids), what is
/// missing: the document must tell what the API really answers.
fn undocumented(method: &Method, path: &str, status: StatusCode) -> Option<String> {
    static DOC: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(|| {
        serde_json::from_str(grassroots_web::openapi_document()).unwrap()
    });
    let path = path.strip_prefix("/api/v1").unwrap_or(path);
    let path = path.split('?').next().unwrap_or(path);
    let wanted: Vec<&str> = path.split('/').collect();
    let template = DOC["paths"]
        .as_object()
        .unwrap()
        .keys()
        .find(|t| {
            let parts: Vec<&str> = t.split('/').collect();
            parts.len() == wanted.len()
                && parts
                    .iter()
                    .zip(&wanted)
                    .all(|(p, w)| p == w || p.starts_with('{'))
                && DOC["paths"][t.as_str()][method.as_str().to_lowercase()].is_object()
        })
        .unwrap_or_else(|| panic!("{method} {path} is not in the OpenAPI document"));
    let op = &DOC["paths"][template.as_str()][method.as_str().to_lowercase()];
    (!op["responses"][status.as_str()].is_object()).then(|| {
        format!("{method} {template} answered {status}, which the OpenAPI document does not list")
    })
}

fn refused(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::UNPROCESSABLE_ENTITY
    )
}

/// A request: method, path and form fields.
type PageRequest = (Method, String, Vec<(&'static str, String)>);

/// Every page route that touches B.
fn page_routes(w: &World) -> Vec<PageRequest> {
    let b = w.b;
    let sections = crate::units::SECTION_KEYS
        .map(|key| (Method::GET, format!("/units/{b}/sections/{key}"), vec![]));
    sections
        .into_iter()
        .chain([
            (Method::GET, format!("/units/{b}"), vec![]),
            (Method::GET, format!("/units/{b}/study"), vec![]),
            (
                Method::GET,
                format!("/learning-centres/{}", w.b_centre),
                vec![],
            ),
            (
                Method::POST,
                format!("/units/{b}/learning-centres"),
                vec![("name", "A's room".to_string())],
            ),
            (
                Method::POST,
                format!("/learning-centres/{}", w.b_centre),
                vec![
                    ("held_on", "2026-01-01".to_string()),
                    ("topic", "A's topic".to_string()),
                ],
            ),
            (
                Method::POST,
                format!("/learning-centres/{}/close", w.b_centre),
                vec![],
            ),
            (
                Method::POST,
                format!("/learning-sessions/{}/attendance", w.b_session),
                vec![
                    ("centre_id", w.b_centre.to_string()),
                    ("attendance", "7".to_string()),
                ],
            ),
            (
                Method::POST,
                format!("/units/{b}/experiences"),
                vec![
                    ("title", "A's words".to_string()),
                    ("body", "X".to_string()),
                ],
            ),
            (
                Method::POST,
                format!("/experiences/{}/apply", w.b_experience),
                vec![("unit_id", b.to_string())],
            ),
            (Method::GET, format!("/study/{}", w.b_study), vec![]),
            (
                Method::POST,
                format!("/units/{b}/study"),
                vec![
                    ("title", "A's intrusion".to_string()),
                    ("due_on", "2099-01-01".to_string()),
                ],
            ),
            (
                Method::POST,
                format!("/units/{}/study/{}/adapt", w.b_cell, w.b_study),
                vec![
                    ("title", "Adapted".to_string()),
                    ("due_on", "2099-01-01".to_string()),
                ],
            ),
            (
                Method::POST,
                format!("/units/{}/study/{}/adapt", w.a_cell, w.b_study),
                vec![
                    ("title", "Adapted".to_string()),
                    ("due_on", "2099-01-01".to_string()),
                ],
            ),
            (
                Method::POST,
                format!("/units/{b}/study/{}/confirm/{}", w.b_study, w.b_person),
                vec![],
            ),
            (
                Method::POST,
                format!("/units/{b}/study/{}/meeting", w.b_study),
                vec![("meeting_id", w.b_meeting.to_string())],
            ),
            (Method::POST, format!("/study/{}/submit", w.b_study), vec![]),
            (Method::GET, format!("/welfare/cases/{}", w.b_case), vec![]),
            (Method::GET, format!("/appeals/{}", w.b_appeal), vec![]),
            (Method::GET, format!("/hazards/{}", w.b_hazard), vec![]),
            (
                Method::GET,
                format!("/inspections/{}", w.b_inspection),
                vec![],
            ),
            (
                Method::POST,
                format!("/inspections/{}", w.b_inspection),
                vec![("complete", "1".to_string())],
            ),
            (
                Method::POST,
                format!("/units/{b}/inspections"),
                vec![("template_id", "1".to_string())],
            ),
            (Method::GET, format!("/incidents/{}", w.b_incident), vec![]),
            (
                Method::POST,
                format!("/units/{b}/hazards"),
                vec![
                    ("title", "Planted".to_string()),
                    ("inherent_likelihood", "1".to_string()),
                    ("inherent_severity", "1".to_string()),
                    ("residual_likelihood", "1".to_string()),
                    ("residual_severity", "1".to_string()),
                ],
            ),
            (
                Method::POST,
                format!("/units/{b}/incidents"),
                vec![
                    ("kind", "near_miss".to_string()),
                    ("severity", "low".to_string()),
                    ("occurred_on", "2020-01-01".to_string()),
                    ("title", "Planted".to_string()),
                ],
            ),
            (
                Method::POST,
                format!("/units/{b}/actions"),
                vec![
                    ("title", "Planted".to_string()),
                    ("due_on", "2099-01-01".to_string()),
                ],
            ),
            (
                Method::POST,
                format!("/hazards/{}/change", w.b_hazard),
                vec![("change", "close".to_string())],
            ),
            (
                Method::POST,
                format!("/incidents/{}/step", w.b_incident),
                vec![
                    ("step", "investigate".to_string()),
                    ("root_cause", "Planted".to_string()),
                ],
            ),
            (
                Method::POST,
                format!("/actions/{}/step", w.b_action),
                vec![
                    ("step", "done".to_string()),
                    ("note", "Planted".to_string()),
                ],
            ),
            (
                Method::POST,
                "/admin/safety".to_string(),
                vec![
                    ("matrix_size", "3".to_string()),
                    ("moderate_from", "3".to_string()),
                    ("high_from", "6".to_string()),
                    ("critical_from", "9".to_string()),
                    ("investigate_low", "1".to_string()),
                    ("investigate_medium", "1".to_string()),
                    ("investigate_high", "1".to_string()),
                    ("investigate_critical", "1".to_string()),
                    ("escalation_days", "1".to_string()),
                ],
            ),
            (
                Method::POST,
                "/admin/safety/schedules".to_string(),
                vec![
                    ("level", "cell".to_string()),
                    ("template_id", "1".to_string()),
                    ("every", "month".to_string()),
                ],
            ),
            (
                Method::POST,
                "/admin/safety/schedules/1/remove".to_string(),
                vec![],
            ),
            (Method::GET, format!("/units/{b}/safety"), vec![]),
            (Method::GET, "/admin/checklists".to_string(), vec![]),
            (Method::GET, "/admin/checklists/1".to_string(), vec![]),
            (
                Method::POST,
                "/admin/checklists".to_string(),
                vec![
                    ("name", "Planted".to_string()),
                    ("purpose", "inspection".to_string()),
                    ("rows", "1".to_string()),
                    ("s0", "S".to_string()),
                    ("q0", "Q".to_string()),
                    ("r0", "yes_no".to_string()),
                ],
            ),
            (
                Method::POST,
                "/admin/checklists/1".to_string(),
                vec![
                    ("rows", "1".to_string()),
                    ("s0", "S".to_string()),
                    ("q0", "Planted".to_string()),
                    ("r0", "yes_no".to_string()),
                ],
            ),
            (Method::GET, format!("/appeals/mine/{}", w.b_appeal), vec![]),
            (
                Method::POST,
                format!("/appeals/{}/act", w.b_appeal),
                vec![("action", "publish".to_string())],
            ),
            (
                Method::POST,
                format!("/appeals/mine/{}/message", w.b_appeal),
                vec![("text", "Planted".to_string())],
            ),
            (
                Method::POST,
                format!("/units/{b}/appeals/handlers"),
                vec![
                    ("account_id", w.b_account.to_string()),
                    ("holds", "0".to_string()),
                ],
            ),
            (
                Method::POST,
                "/admin/appeals".to_string(),
                vec![
                    ("acknowledge_days", "1".to_string()),
                    ("feedback_days", "1".to_string()),
                    ("retention_days", "1".to_string()),
                    ("small_unit_size", "0".to_string()),
                ],
            ),
            (
                Method::POST,
                format!("/units/{b}/supply/receipts"),
                vec![
                    ("item_id", w.item.to_string()),
                    ("quantity", "5".to_string()),
                ],
            ),
            (
                Method::POST,
                format!("/units/{b}/supply/distributions"),
                vec![
                    ("item_id", w.item.to_string()),
                    ("quantity", "1".to_string()),
                    ("person_id", w.b_person.to_string()),
                    ("purpose", "Fuel".to_string()),
                ],
            ),
            (
                Method::POST,
                format!("/units/{}/supply/requests", w.b_cell),
                vec![
                    ("item_id", w.item.to_string()),
                    ("quantity", "1".to_string()),
                    ("reason", "Planted".to_string()),
                ],
            ),
            (
                Method::POST,
                format!("/supply/requests/{}/approve", w.b_request),
                vec![("unit_id", b.to_string())],
            ),
            // Organization settings: only administrators of the whole
            // organization change them.
            (
                Method::POST,
                "/admin/supply".to_string(),
                vec![
                    ("name", "Planted".to_string()),
                    ("measure", "kg".to_string()),
                ],
            ),
            (
                Method::POST,
                "/admin/welfare/health".to_string(),
                vec![
                    ("acknowledge_days", "0".to_string()),
                    ("resolve_days", "0".to_string()),
                    ("escalation_days", "1".to_string()),
                    ("steps", "Planted".to_string()),
                ],
            ),
            (
                Method::POST,
                format!("/welfare/cases/{}/act", w.b_case),
                vec![("action", "acknowledge".to_string())],
            ),
            (
                Method::POST,
                format!("/welfare/cases/{}/break-glass", w.b_case),
                vec![("reason", "Reading a sibling's case".to_string())],
            ),
            (
                Method::POST,
                "/welfare".to_string(),
                vec![
                    ("person_id", w.b_person.to_string()),
                    ("type_key", "health".to_string()),
                    ("summary", "Planted".to_string()),
                ],
            ),
            (
                Method::POST,
                format!("/units/{b}/welfare/handlers"),
                vec![
                    ("account_id", w.b_account.to_string()),
                    ("holds", "0".to_string()),
                ],
            ),
            (
                Method::POST,
                format!(
                    "/admin/accounts/{}/tokens/{}/revoke",
                    w.b_account, w.b_token
                ),
                vec![],
            ),
            (Method::GET, format!("/units/{}", w.b_cell), vec![]),
            (
                Method::POST,
                format!("/units/{b}/children"),
                vec![("name", "Intruder".into()), ("level", "cell".into())],
            ),
            (
                Method::POST,
                format!("/units/{b}/rename"),
                vec![("name", "Renamed".into())],
            ),
            (
                Method::GET,
                format!("/admin/accounts/{}", w.b_account),
                vec![],
            ),
            (
                Method::POST,
                format!("/admin/accounts/{}/roles", w.b_account),
                vec![
                    ("role", "viewer".into()),
                    ("unit_id", w.b.to_string()),
                    ("scope", "unit".into()),
                ],
            ),
            (
                Method::POST,
                format!("/admin/accounts/{}/password", w.b_account),
                vec![("password", "taken over password".into())],
            ),
            (
                Method::POST,
                format!("/admin/accounts/{}/disabled", w.b_account),
                vec![("disabled", "true".into())],
            ),
            (
                Method::POST,
                format!("/admin/roles/{}/revoke", w.b_role),
                vec![],
            ),
            (Method::GET, format!("/people/{}", w.b_person), vec![]),
            (
                Method::POST,
                "/admin/accounts".to_string(),
                vec![
                    ("username", "plant".into()),
                    ("display_name", "Plant".into()),
                    ("home_unit_id", b.to_string()),
                    ("password", "planted password".into()),
                ],
            ),
            (
                Method::POST,
                format!("/people/{}/transfers", w.b_person),
                vec![("to_unit_id", w.a.to_string())],
            ),
            (
                Method::POST,
                format!("/transfers/{}/acknowledge", w.b_transfer),
                vec![],
            ),
            (
                Method::POST,
                format!("/transfers/{}/cancel", w.b_transfer),
                vec![],
            ),
            (
                Method::POST,
                format!("/people/{}/skills", w.b_person),
                vec![("skill_id", w.skill.to_string()), ("level", "5".into())],
            ),
            (
                Method::POST,
                format!("/people/{}/skills/{}/remove", w.b_person, w.skill),
                vec![],
            ),
            (
                Method::POST,
                format!("/admin/accounts/{}/person", w.b_account),
                vec![("person_id", "".into())],
            ),
            (
                Method::POST,
                format!("/units/{b}/positions"),
                vec![
                    ("position_type", "technical_head".into()),
                    ("person_id", w.b_person.to_string()),
                ],
            ),
            (
                Method::POST,
                format!("/positions/{}/end", w.b_position),
                vec![],
            ),
            (
                Method::POST,
                format!("/units/{}/positions", w.a),
                vec![
                    ("position_type", "committee_member".into()),
                    ("person_id", w.b_person.to_string()),
                ],
            ),
            (
                Method::POST,
                format!("/people/{}/status", w.b_person),
                vec![("status", "left".into())],
            ),
            (
                Method::POST,
                format!("/units/{b}/people"),
                vec![("full_name", "Planted".into()), ("status", "member".into())],
            ),
            (
                Method::POST,
                format!("/units/{b}/move"),
                vec![("parent_id", w.a.to_string())],
            ),
            (
                Method::POST,
                format!("/units/{}/move", w.a_cell),
                vec![("parent_id", b.to_string())],
            ),
            (Method::GET, format!("/units/{b}/history"), vec![]),
            (Method::GET, format!("/decisions/{}", w.b_decision), vec![]),
            (
                Method::POST,
                format!("/decisions/{}/adopt", w.b_decision),
                vec![("unit_id", w.b_cell.to_string())],
            ),
            (
                Method::POST,
                format!("/units/{b}/decisions"),
                vec![("title", "Planted".into()), ("source", "other".into())],
            ),
            (Method::GET, format!("/units/{b}/export/people.csv"), vec![]),
            (Method::GET, format!("/units/{b}/export/units.xlsx"), vec![]),
            (Method::GET, format!("/units/{b}/import"), vec![]),
            (
                Method::POST,
                format!("/units/{b}/merge"),
                vec![("into_id", w.a.to_string())],
            ),
            (
                Method::POST,
                format!("/units/{}/merge", w.a_cell),
                vec![("into_id", b.to_string())],
            ),
            (Method::POST, format!("/units/{}/close", w.b_cell), vec![]),
            (
                Method::POST,
                "/admin/profile".into(),
                vec![("profile", "trade_union".into())],
            ),
            (
                Method::POST,
                "/admin/profile/locale".into(),
                vec![("locale", "ko".into())],
            ),
            (Method::GET, format!("/plans/{}", w.b_plan), vec![]),
            (
                Method::POST,
                format!("/units/{b}/plans"),
                vec![("title", "Planted".into()), ("period_kind", "year".into())],
            ),
            (
                Method::POST,
                format!("/plans/{}/targets", w.b_plan),
                vec![
                    ("title", "Planted".into()),
                    ("category", "economic".into()),
                    ("kind", "milestone".into()),
                ],
            ),
            (Method::GET, format!("/targets/{}", w.b_target), vec![]),
            (
                Method::POST,
                format!("/targets/{}/check-ins", w.b_target),
                vec![("value", "50".into()), ("narrative", "planted".into())],
            ),
            (
                Method::POST,
                format!("/targets/{}/cascade", w.b_target),
                vec![("rollup", "mean".into()), ("unit", w.b_cell.to_string())],
            ),
            (
                Method::POST,
                format!("/targets/{}/cascade", w.a_target),
                vec![("rollup", "mean".into()), ("unit", b.to_string())],
            ),
            (
                Method::POST,
                format!("/targets/{}/delete", w.b_target),
                vec![],
            ),
            (
                Method::POST,
                format!("/units/{b}/blockers"),
                vec![("title", "Planted".into())],
            ),
            (
                Method::POST,
                format!("/blockers/{}/resolve", w.b_blocker),
                vec![("resolution", "planted".into())],
            ),
            (Method::GET, format!("/units/{b}/dashboard"), vec![]),
            (Method::GET, format!("/plans/{}/review", w.b_plan), vec![]),
            (
                Method::POST,
                format!("/plans/{}/review", w.b_plan),
                vec![("strengths", "planted".into()), ("close", "1".into())],
            ),
            (
                Method::GET,
                format!("/plans/{}/review.csv", w.b_plan),
                vec![],
            ),
            (Method::GET, format!("/meetings/{}", w.b_meeting), vec![]),
            (Method::GET, format!("/units/{b}/meetings.ics"), vec![]),
            (
                Method::GET,
                format!("/people/{}/meetings.ics", w.b_person),
                vec![],
            ),
            (
                Method::POST,
                format!("/units/{b}/meetings"),
                vec![
                    ("meeting_type", "cell_meeting".into()),
                    ("title", "Planted".into()),
                    ("held_on", "2022-03-02".into()),
                ],
            ),
            (
                Method::POST,
                format!("/meetings/{}/participants", w.b_meeting),
                vec![("by", "unit".into()), ("unit_id", b.to_string())],
            ),
            (
                Method::POST,
                format!("/meetings/{}/attendance", w.b_meeting),
                vec![("a", String::new()), ("a1", "present".into())],
            ),
            (
                Method::POST,
                format!("/meetings/{}/agenda", w.b_meeting),
                vec![("title", "Planted".into())],
            ),
            (
                Method::POST,
                format!("/meetings/{}/agenda/{}/up", w.b_meeting, w.b_item),
                vec![],
            ),
            (
                Method::POST,
                format!("/meetings/{}/agenda/{}/remove", w.b_meeting, w.b_item),
                vec![],
            ),
            (
                Method::POST,
                format!("/meetings/{}/agenda/{}/speakers", w.b_meeting, w.b_item),
                vec![("person_id", w.b_person.to_string())],
            ),
            (
                Method::POST,
                format!("/meetings/{}/agenda/{}/documents", w.b_meeting, w.b_item),
                vec![("title", "Planted".into())],
            ),
            (
                Method::POST,
                format!("/meetings/{}/speeches/{}/start", w.b_meeting, w.b_speech),
                vec![],
            ),
            (
                Method::POST,
                format!("/meetings/{}/speeches/{}/given", w.b_meeting, w.b_speech),
                vec![],
            ),
            (
                Method::POST,
                format!("/meetings/{}/speeches/{}/withdraw", w.b_meeting, w.b_speech),
                vec![],
            ),
            (
                Method::POST,
                format!("/meetings/{}/speeches/{}/text", w.b_meeting, w.b_speech),
                vec![("body", "Planted".into())],
            ),
            (
                Method::POST,
                format!("/meetings/{}/minutes", w.b_meeting),
                vec![("minutes", "Planted".into())],
            ),
            (
                Method::POST,
                format!("/meetings/{}/decisions", w.b_meeting),
                vec![
                    ("title", "Planted".into()),
                    ("source", "committee_meeting".into()),
                ],
            ),
            (
                Method::POST,
                format!("/meetings/{}/close", w.b_meeting),
                vec![],
            ),
            (
                Method::POST,
                format!("/units/{b}/commendations"),
                vec![
                    ("person_ids", w.b_person.to_string()),
                    ("kind", "citation".into()),
                    ("title", "Planted".into()),
                ],
            ),
            (
                Method::POST,
                format!("/meetings/{}/commendations", w.b_meeting),
                vec![
                    ("unit_id", b.to_string()),
                    ("person_ids", w.b_person.to_string()),
                    ("kind", "citation".into()),
                    ("title", "Planted".into()),
                ],
            ),
            (
                Method::POST,
                format!("/units/{b}/model-units"),
                vec![
                    ("unit_id", w.b_cell.to_string()),
                    ("reason", "Planted".into()),
                ],
            ),
            (
                Method::POST,
                format!("/model-units/{}/end", w.b_designation),
                vec![],
            ),
            (
                Method::POST,
                format!("/units/{b}/bulletins"),
                vec![("title", "Planted".into())],
            ),
            (
                Method::POST,
                format!("/meetings/{}/bulletin", w.b_meeting),
                vec![],
            ),
            (Method::GET, format!("/bulletins/{}", w.b_bulletin), vec![]),
            (Method::GET, format!("/bulletins/{}", w.b_draft), vec![]),
            (
                Method::GET,
                format!("/bulletins/{}/export.md", w.b_bulletin),
                vec![],
            ),
            (
                Method::POST,
                format!("/bulletins/{}/articles", w.b_draft),
                vec![("heading", "Planted".into())],
            ),
            (
                Method::POST,
                format!("/bulletins/{}/articles/{}/edit", w.b_draft, w.b_article),
                vec![("heading", "Planted".into())],
            ),
            (
                Method::POST,
                format!("/bulletins/{}/articles/{}/remove", w.b_draft, w.b_article),
                vec![],
            ),
            (
                Method::POST,
                format!("/bulletins/{}/publish", w.b_draft),
                vec![],
            ),
            (
                Method::POST,
                format!("/bulletins/{}/acknowledge", w.b_bulletin),
                vec![("unit_id", w.b_cell.to_string())],
            ),
        ])
        .collect()
}

async fn page_request(
    c: &mut TestClient,
    method: &Method,
    path: &str,
    fields: &[(&'static str, String)],
) -> StatusCode {
    if *method == Method::GET {
        c.get(path).await.status
    } else {
        let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        c.post_form(path, &refs).await.status
    }
}

/// Every API route that touches B, as (method, path, body).
fn api_routes(w: &World) -> Vec<(Method, String, Option<serde_json::Value>)> {
    let b = w.b;
    let study = w.b_study;
    let due = (w.t.app.clock.today() + chrono::Duration::days(10)).to_string();
    vec![
        (
            Method::POST,
            format!("/api/v1/units/{b}/study"),
            Some(json!({"title": "A's intrusion", "due_on": due})),
        ),
        (Method::GET, format!("/api/v1/units/{b}/study"), None),
        (
            Method::POST,
            format!("/api/v1/units/{b}/learning-centres"),
            Some(json!({"name": "A's room"})),
        ),
        (
            Method::GET,
            format!("/api/v1/units/{b}/learning-centres"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/learning-centres/{}", w.b_centre),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/learning-centres/{}/close", w.b_centre),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/learning-centres/{}/sessions", w.b_centre),
            Some(json!({"held_on": "2026-01-01", "topic": "A's topic"})),
        ),
        (
            Method::PUT,
            format!("/api/v1/learning-sessions/{}/attendance", w.b_session),
            Some(json!({"attendance": 7})),
        ),
        (
            Method::POST,
            format!("/api/v1/units/{b}/experiences"),
            Some(json!({"title": "A's words in B's name", "body": "X"})),
        ),
        (Method::GET, format!("/api/v1/units/{b}/experiences"), None),
        (
            Method::POST,
            format!("/api/v1/experiences/{}/applications", w.b_experience),
            Some(json!({"unit_id": b})),
        ),
        (
            Method::GET,
            format!("/api/v1/targets/{}/experiences", w.b_target),
            None,
        ),
        (Method::GET, format!("/api/v1/study/{study}"), None),
        (
            Method::POST,
            format!("/api/v1/study/{study}/adaptations"),
            Some(json!({"unit_id": w.b_cell, "title": "Adapted", "due_on": due})),
        ),
        (
            Method::POST,
            format!("/api/v1/study/{study}/adaptations"),
            Some(json!({"unit_id": w.a_cell, "title": "Adapted", "due_on": due})),
        ),
        (
            Method::POST,
            format!("/api/v1/study/{study}/submission"),
            Some(json!({})),
        ),
        (
            Method::GET,
            format!("/api/v1/units/{b}/study/{study}/roster"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/study/{study}/confirmations"),
            Some(json!({"person_id": w.b_person})),
        ),
        (
            Method::POST,
            format!("/api/v1/units/{b}/study/{study}/meeting"),
            Some(json!({"meeting_id": w.b_meeting})),
        ),
        (Method::GET, format!("/api/v1/units/{b}"), None),
        (
            Method::GET,
            format!("/api/v1/welfare/cases/{}", w.b_case),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/welfare/cases/{}/actions", w.b_case),
            Some(json!({"action": "acknowledge"})),
        ),
        (
            Method::POST,
            format!("/api/v1/welfare/cases/{}/break-glass", w.b_case),
            Some(json!({"reason": "Reading a sibling's case"})),
        ),
        (
            Method::POST,
            "/api/v1/welfare/cases".to_string(),
            Some(json!({"person_id": w.b_person, "type_key": "health", "summary": "Planted"})),
        ),
        (Method::GET, format!("/api/v1/units/{b}/welfare"), None),
        (Method::GET, format!("/api/v1/appeals/{}", w.b_appeal), None),
        (
            Method::POST,
            format!("/api/v1/appeals/{}/actions", w.b_appeal),
            Some(json!({"action": "publish"})),
        ),
        (
            Method::GET,
            format!("/api/v1/me/appeals/{}", w.b_appeal),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/me/appeals/{}/messages", w.b_appeal),
            Some(json!({"text": "Planted"})),
        ),
        (Method::GET, format!("/api/v1/units/{b}/appeals"), None),
        (Method::GET, format!("/api/v1/units/{b}/safety"), None),
        (
            Method::GET,
            format!("/api/v1/units/{b}/safety/dashboard"),
            None,
        ),
        (Method::GET, format!("/api/v1/units/{b}/inspections"), None),
        (
            Method::GET,
            format!("/api/v1/units/{b}/inspections/due"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/units/{b}/inspections/behind"),
            None,
        ),
        (
            Method::POST,
            "/api/v1/checklists".to_string(),
            Some(json!({"name": "Planted", "purpose": "inspection",
                "sections": [{"title": "S", "questions": [{"text": "Q", "response": "yes_no",
                  "allow_na": true, "flag_on": null, "flag_at_most": null,
                  "require_note": false, "require_action": false}]}]})),
        ),
        (
            Method::POST,
            "/api/v1/safety/schedules".to_string(),
            Some(json!({"level": "cell", "template_id": 1, "every": "month"})),
        ),
        (
            Method::DELETE,
            "/api/v1/safety/schedules/1".to_string(),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/units/{b}/inspections"),
            Some(json!({"template_id": 1})),
        ),
        (
            Method::GET,
            format!("/api/v1/inspections/{}", w.b_inspection),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/inspections/{}/answers", w.b_inspection),
            Some(json!({"answers": [], "complete": true})),
        ),
        (
            Method::POST,
            "/api/v1/checklists/1/versions".to_string(),
            Some(
                json!({"sections": [{"title": "Planted", "questions": [{"text": "x", "response": "yes_no"}]}]}),
            ),
        ),
        (Method::GET, format!("/api/v1/units/{b}/hazards"), None),
        (
            Method::POST,
            format!("/api/v1/units/{b}/hazards"),
            Some(
                json!({"title": "Planted", "inherent_likelihood": 1, "inherent_severity": 1, "residual_likelihood": 1, "residual_severity": 1}),
            ),
        ),
        (Method::GET, format!("/api/v1/hazards/{}", w.b_hazard), None),
        (
            Method::POST,
            format!("/api/v1/hazards/{}/changes", w.b_hazard),
            Some(json!({"change": "close"})),
        ),
        (Method::GET, format!("/api/v1/units/{b}/incidents"), None),
        (
            Method::POST,
            format!("/api/v1/units/{b}/incidents"),
            Some(
                json!({"kind": "near_miss", "severity": "low", "occurred_on": "2020-01-01", "title": "Planted"}),
            ),
        ),
        (
            Method::GET,
            format!("/api/v1/incidents/{}", w.b_incident),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{}/steps", w.b_incident),
            Some(json!({"step": "investigate", "root_cause": "Planted"})),
        ),
        (Method::GET, format!("/api/v1/units/{b}/actions"), None),
        (
            Method::POST,
            format!("/api/v1/units/{b}/actions"),
            Some(json!({"title": "Planted", "due_on": "2099-01-01"})),
        ),
        (
            Method::POST,
            format!("/api/v1/actions/{}/steps", w.b_action),
            Some(json!({"step": "done", "note": "Planted"})),
        ),
        (
            Method::PUT,
            "/api/v1/safety/settings".to_string(),
            Some(
                json!({"matrix_size": 3, "moderate_from": 3, "high_from": 6, "critical_from": 9,
                "investigate_low": 1, "investigate_medium": 1, "investigate_high": 1, "investigate_critical": 1,
                "escalation_days": 1}),
            ),
        ),
        (Method::GET, format!("/api/v1/units/{b}/suggestions"), None),
        (
            Method::GET,
            format!("/api/v1/units/{b}/appeals/handlers"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/units/{b}/appeals/handlers/{}", w.b_account),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/units/{b}/appeals/handlers/{}", w.b_account),
            None,
        ),
        (
            Method::PUT,
            "/api/v1/appeals/settings".to_string(),
            Some(
                json!({"acknowledge_days": 1, "feedback_days": 1, "retention_days": 1, "small_unit_size": 0}),
            ),
        ),
        (
            Method::GET,
            format!("/api/v1/units/{b}/welfare/handlers"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/units/{b}/welfare/handlers/{}", w.b_account),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/units/{b}/welfare/handlers/{}", w.b_account),
            None,
        ),
        (
            Method::PUT,
            "/api/v1/welfare/types/health".to_string(),
            Some(
                json!({"acknowledge_days": 0, "resolve_days": 0, "escalation_days": 1, "steps": "x"}),
            ),
        ),
        (
            Method::GET,
            format!("/api/v1/people/{}/transfers", w.b_person),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/accounts/{}/tokens", w.b_account),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/accounts/{}/tokens/{}", w.b_account, w.b_token),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/units/{b}/children"),
            Some(json!({"name": "Intruder", "level": "cell"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/units/{b}"),
            Some(json!({"name": "Renamed"})),
        ),
        (
            Method::GET,
            format!("/api/v1/accounts/{}", w.b_account),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/accounts/{}", w.b_account),
            Some(json!({"disabled": true})),
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{}/password", w.b_account),
            Some(json!({"password": "taken over password"})),
        ),
        (
            Method::POST,
            "/api/v1/accounts".into(),
            Some(
                json!({"username": "plant", "display_name": "Plant", "home_unit_id": b, "password": "planted password"}),
            ),
        ),
        (
            Method::POST,
            "/api/v1/roles".into(),
            Some(
                json!({"account_id": w.b_account, "role": "viewer", "unit_id": b, "scope": "unit"}),
            ),
        ),
        (Method::DELETE, format!("/api/v1/roles/{}", w.b_role), None),
        (
            Method::POST,
            "/api/v1/tokens".into(),
            Some(json!({"name": "t", "role": "viewer", "unit_id": b, "scope": "unit"})),
        ),
        (Method::GET, format!("/api/v1/units/{b}/people"), None),
        (
            Method::POST,
            format!("/api/v1/units/{b}/people"),
            Some(json!({"full_name": "Planted", "status": "member"})),
        ),
        (
            Method::POST,
            format!("/api/v1/units/{b}/move"),
            Some(json!({"parent_id": w.a})),
        ),
        (
            Method::POST,
            format!("/api/v1/units/{}/move", w.a_cell),
            Some(json!({"parent_id": b})),
        ),
        (Method::GET, format!("/api/v1/people/{}", w.b_person), None),
        (Method::GET, format!("/api/v1/units/{b}/positions"), None),
        (Method::GET, format!("/api/v1/units/{b}/talents"), None),
        (Method::GET, format!("/api/v1/units/{b}/transfers"), None),
        (
            Method::POST,
            format!("/api/v1/people/{}/transfers", w.b_person),
            Some(json!({"to_unit_id": w.a})),
        ),
        (
            Method::POST,
            format!("/api/v1/transfers/{}/acknowledge", w.b_transfer),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/transfers/{}/cancel", w.b_transfer),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/people/{}/skills", w.b_person),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/people/{}/skills/{}", w.b_person, w.skill),
            Some(json!({"level": 5})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/people/{}/skills/{}", w.b_person, w.skill),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/accounts/{}/person", w.b_account),
            Some(json!({"person_id": null})),
        ),
        (Method::GET, format!("/api/v1/units/{b}/vacancies"), None),
        (
            Method::POST,
            format!("/api/v1/units/{b}/positions"),
            Some(json!({"position_type": "technical_head", "person_id": w.b_person})),
        ),
        (
            Method::POST,
            format!("/api/v1/positions/{}/end", w.b_position),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/units/{}/positions", w.a),
            Some(json!({"position_type": "committee_member", "person_id": w.b_person})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/people/{}", w.b_person),
            Some(json!({"status": "left"})),
        ),
        (Method::GET, format!("/api/v1/units/{b}/history"), None),
        (Method::GET, format!("/api/v1/units/{b}/decisions"), None),
        (
            Method::POST,
            format!("/api/v1/units/{b}/decisions"),
            Some(json!({"title": "Planted", "source": "other"})),
        ),
        (
            Method::GET,
            format!("/api/v1/decisions/{}", w.b_decision),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/decisions/{}/adopt", w.b_decision),
            Some(json!({"unit_id": w.b_cell})),
        ),
        (
            Method::GET,
            format!("/api/v1/units/{b}/export?kind=people&format=csv"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/units/{b}/export?kind=units&format=xlsx"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/units/{b}/import?kind=people&format=csv&dry_run=false"),
            Some(json!("full_name,status\nPlanted,member")),
        ),
        (
            Method::POST,
            format!("/api/v1/units/{b}/import?kind=units&format=csv&dry_run=false"),
            Some(json!("external_id,name,level\nX,Planted,cell")),
        ),
        (
            Method::POST,
            format!("/api/v1/units/{b}/merge"),
            Some(json!({"into_id": w.a})),
        ),
        (
            Method::POST,
            format!("/api/v1/units/{}/merge", w.a_cell),
            Some(json!({"into_id": b})),
        ),
        (
            Method::POST,
            format!("/api/v1/units/{}/close", w.b_cell),
            None,
        ),
        (
            Method::PUT,
            "/api/v1/organization/profile".into(),
            Some(json!({"profile": "cooperative"})),
        ),
        (
            Method::PUT,
            "/api/v1/organization/locale".into(),
            Some(json!({"locale": "ko"})),
        ),
        (Method::GET, format!("/api/v1/units/{b}/plans"), None),
        (
            Method::POST,
            format!("/api/v1/units/{b}/plans"),
            Some(json!({"title": "Planted", "period_kind": "year"})),
        ),
        (Method::GET, format!("/api/v1/plans/{}", w.b_plan), None),
        (
            Method::POST,
            format!("/api/v1/plans/{}/targets", w.b_plan),
            Some(json!({"title": "Planted", "category": "economic", "kind": "milestone"})),
        ),
        (Method::GET, format!("/api/v1/targets/{}", w.b_target), None),
        (
            Method::DELETE,
            format!("/api/v1/targets/{}", w.b_target),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/targets/{}/check-ins", w.b_target),
            Some(json!({"value": 50, "narrative": "planted"})),
        ),
        (
            Method::POST,
            format!("/api/v1/targets/{}/cascade", w.b_target),
            Some(json!({"rollup": "mean", "parts": [{"unit_id": w.b_cell}]})),
        ),
        (
            Method::POST,
            format!("/api/v1/targets/{}/cascade", w.a_target),
            Some(json!({"rollup": "mean", "parts": [{"unit_id": b}]})),
        ),
        (
            Method::POST,
            format!("/api/v1/units/{b}/blockers"),
            Some(json!({"title": "Planted"})),
        ),
        (
            Method::POST,
            format!("/api/v1/blockers/{}/resolve", w.b_blocker),
            Some(json!({"resolution": "planted"})),
        ),
        (Method::GET, format!("/api/v1/units/{b}/dashboard"), None),
        (
            Method::GET,
            format!("/api/v1/plans/{}/review", w.b_plan),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/plans/{}/review", w.b_plan),
            Some(json!({"strengths": "planted"})),
        ),
        (
            Method::POST,
            format!("/api/v1/plans/{}/review/close", w.b_plan),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/plans/{}/review/export", w.b_plan),
            None,
        ),
        (
            Method::POST,
            "/api/v1/plan-categories".into(),
            Some(json!({"key": "planted", "label": "Planted"})),
        ),
        (Method::GET, format!("/api/v1/units/{b}/meetings"), None),
        (Method::GET, format!("/api/v1/units/{b}/regularity"), None),
        (Method::GET, format!("/api/v1/units/{b}/meetings.ics"), None),
        (
            Method::GET,
            format!("/api/v1/people/{}/meetings.ics", w.b_person),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/units/{b}/meetings"),
            Some(
                json!({"meeting_type": "cell_meeting", "title": "Planted", "held_on": "2022-03-02"}),
            ),
        ),
        (
            Method::GET,
            format!("/api/v1/people/{}/meetings", w.b_person),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/meetings/{}", w.b_meeting),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/meetings/{}", w.b_meeting),
            Some(
                json!({"meeting_type": "cell_meeting", "title": "Planted", "held_on": "2022-03-02"}),
            ),
        ),
        (
            Method::POST,
            format!("/api/v1/meetings/{}/participants", w.b_meeting),
            Some(json!({"by": "unit", "unit_id": b})),
        ),
        (
            Method::DELETE,
            format!(
                "/api/v1/meetings/{}/participants/{}",
                w.b_meeting, w.b_person
            ),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/meetings/{}/attendance", w.b_meeting),
            Some(json!([{"person_id": w.b_person, "attendance": "present"}])),
        ),
        (
            Method::POST,
            format!("/api/v1/meetings/{}/agenda", w.b_meeting),
            Some(json!({"title": "Planted"})),
        ),
        (
            Method::PUT,
            format!("/api/v1/agenda-items/{}", w.b_item),
            Some(json!({"title": "Planted"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/agenda-items/{}", w.b_item),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/agenda-items/{}/move", w.b_item),
            Some(json!({"up": true})),
        ),
        (
            Method::POST,
            format!("/api/v1/agenda-items/{}/speakers", w.b_item),
            Some(json!({"person_id": w.b_person})),
        ),
        (
            Method::POST,
            format!("/api/v1/agenda-items/{}/documents", w.b_item),
            Some(json!({"title": "Planted"})),
        ),
        (
            Method::POST,
            format!("/api/v1/speeches/{}/start", w.b_speech),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/speeches/{}/given", w.b_speech),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/speeches/{}/stop", w.b_speech),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/speeches/{}", w.b_speech),
            Some(json!({"body": "Planted"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/speeches/{}", w.b_speech),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/speeches/{}/move", w.b_speech),
            Some(json!({"up": false})),
        ),
        (
            Method::PUT,
            format!("/api/v1/meetings/{}/minutes", w.b_meeting),
            Some(json!({"minutes": "Planted"})),
        ),
        (
            Method::POST,
            format!("/api/v1/meetings/{}/decisions", w.b_meeting),
            Some(json!({"title": "Planted", "source": "committee_meeting"})),
        ),
        (
            Method::POST,
            format!("/api/v1/meetings/{}/close", w.b_meeting),
            None,
        ),
        (
            Method::PUT,
            "/api/v1/meeting-settings/cadence".into(),
            Some(json!({"meeting_type": "cell_meeting", "level": "cell", "every_days": 1})),
        ),
        (
            Method::PUT,
            "/api/v1/meeting-settings/types".into(),
            Some(json!({"key": "planted", "label": "Planted"})),
        ),
        (
            Method::PUT,
            "/api/v1/calendar-era".into(),
            Some(json!({"calendar_era": "minguo"})),
        ),
        (
            Method::POST,
            format!("/api/v1/units/{b}/commendations"),
            Some(json!({"person_ids": [w.b_person], "kind": "citation", "title": "Planted"})),
        ),
        (
            Method::GET,
            format!("/api/v1/units/{b}/commendations"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/people/{}/commendations", w.b_person),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/units/{b}/model-units"),
            Some(json!({"unit_id": w.b_cell, "reason": "Planted"})),
        ),
        (
            Method::GET,
            format!("/api/v1/units/{}/model-units", w.b_cell),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/model-units/{}/end", w.b_designation),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/units/{b}/bulletins"),
            Some(json!({"title": "Planted"})),
        ),
        (Method::GET, format!("/api/v1/units/{b}/bulletins"), None),
        (
            Method::POST,
            format!("/api/v1/meetings/{}/bulletin", w.b_meeting),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/bulletins/{}", w.b_bulletin),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/bulletins/{}", w.b_draft),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/bulletins/{}/export", w.b_bulletin),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/bulletins/{}/articles", w.b_draft),
            Some(json!({"heading": "Planted"})),
        ),
        (
            Method::PUT,
            format!("/api/v1/bulletin-articles/{}", w.b_article),
            Some(json!({"heading": "Planted"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/bulletin-articles/{}", w.b_article),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/bulletin-articles/{}/move", w.b_article),
            Some(json!({"up": true})),
        ),
        (
            Method::POST,
            format!("/api/v1/bulletins/{}/publish", w.b_draft),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/bulletins/{}/acknowledge", w.b_bulletin),
            Some(json!({"unit_id": w.b_cell})),
        ),
    ]
}

/// Operations of the OpenAPI document that [`api_routes`] or the list
/// tests below cover. A new API route must be added here with its
/// negative test, or this suite fails.
const COVERED_OPERATIONS: &[&str] = &[
    "get /me",
    "get /units",
    "get /units/{id}",
    "patch /units/{id}",
    "post /units/{id}/children",
    "get /units/{id}/people",
    "post /units/{id}/people",
    "post /units/{id}/move",
    "get /people/{id}",
    "patch /people/{id}",
    "get /position-types",
    "get /units/{id}/positions",
    "post /units/{id}/positions",
    "post /positions/{id}/end",
    "get /units/{id}/vacancies",
    "get /skills",
    "post /skills",
    "get /people/{id}/skills",
    "put /people/{id}/skills/{skill_id}",
    "delete /people/{id}/skills/{skill_id}",
    "get /units/{id}/talents",
    "get /people/{id}/transfers",
    "post /people/{id}/transfers",
    "get /units/{id}/transfers",
    "post /transfers/{id}/acknowledge",
    "post /transfers/{id}/cancel",
    "get /accounts",
    "post /accounts",
    "get /accounts/{id}",
    "patch /accounts/{id}",
    "post /accounts/{id}/password",
    "post /accounts/{id}/person",
    "get /roles",
    "post /roles",
    "delete /roles/{id}",
    "get /tokens",
    "post /tokens",
    "delete /tokens/{id}",
    "get /audit",
    "get /units/{id}/history",
    "post /units/{id}/merge",
    "post /units/{id}/close",
    "put /organization/profile",
    "put /organization/locale",
    // Open to every signed-in caller, and changing only the caller's own
    // account (`locale::languages_follow_the_account_the_browser_and_the_organization`).
    "get /organization/locale",
    "put /me/locale",
    "get /units/{id}/export",
    "get /units/{id}/decisions",
    "post /units/{id}/decisions",
    "get /decisions/{id}",
    "post /decisions/{id}/adopt",
    "post /units/{id}/import",
    "get /units/{id}/plans",
    "post /units/{id}/plans",
    "get /plans/{id}",
    "post /plans/{id}/targets",
    "get /targets/{id}",
    "delete /targets/{id}",
    "post /targets/{id}/check-ins",
    "post /targets/{id}/cascade",
    "post /units/{id}/blockers",
    "post /blockers/{id}/resolve",
    "get /units/{id}/dashboard",
    "post /plan-categories",
    "get /plans/{id}/review",
    "put /plans/{id}/review",
    "post /plans/{id}/review/close",
    "get /plans/{id}/review/export",
    "get /units/{id}/meetings",
    "get /units/{id}/regularity",
    "get /units/{id}/meetings.ics",
    "put /meeting-settings/types",
    "get /people/{id}/meetings.ics",
    "post /units/{id}/meetings",
    "get /people/{id}/meetings",
    "get /meetings/{id}",
    "put /meetings/{id}",
    "post /meetings/{id}/participants",
    "delete /meetings/{id}/participants/{person_id}",
    "put /meetings/{id}/attendance",
    "post /meetings/{id}/agenda",
    "put /agenda-items/{id}",
    "delete /agenda-items/{id}",
    "post /agenda-items/{id}/move",
    "post /agenda-items/{id}/speakers",
    "post /agenda-items/{id}/documents",
    "post /speeches/{id}/start",
    "post /speeches/{id}/given",
    "get /accounts/{id}/tokens",
    "delete /accounts/{id}/tokens/{token_id}",
    "post /speeches/{id}/stop",
    "put /speeches/{id}",
    "delete /speeches/{id}",
    "post /speeches/{id}/move",
    "put /meetings/{id}/minutes",
    "post /meetings/{id}/decisions",
    "post /meetings/{id}/close",
    "post /units/{id}/commendations",
    "get /units/{id}/commendations",
    "get /people/{id}/commendations",
    "post /units/{id}/model-units",
    "get /units/{id}/model-units",
    "post /model-units/{id}/end",
    "post /units/{id}/bulletins",
    "get /units/{id}/bulletins",
    "post /meetings/{id}/bulletin",
    "get /bulletins/{id}",
    "get /bulletins/{id}/export",
    "post /bulletins/{id}/articles",
    "put /bulletin-articles/{id}",
    "delete /bulletin-articles/{id}",
    "post /bulletin-articles/{id}/move",
    "post /bulletins/{id}/publish",
    "post /bulletins/{id}/acknowledge",
    // Organization settings: only administrators of the whole
    // organization change them (nobody in the world above is one).
    "put /meeting-settings/cadence",
    "put /calendar-era",
    // Personal: what is the caller's own; another account's reminders
    // cannot be dismissed (plans::my_work_lists_what_is_mine…).
    "get /me/work",
    "post /me/reminders/{id}/dismiss",
    // The member's home and calendar subscription are the caller's own
    // (home::a_member_sees_their_units_life_and_nobody_elses).
    "get /me/home",
    "get /me/study",
    "post /units/{id}/learning-centres",
    "get /units/{id}/learning-centres",
    "get /learning-centres/{id}",
    "post /learning-centres/{id}/close",
    "post /learning-centres/{id}/sessions",
    "put /learning-sessions/{id}/attendance",
    "post /units/{id}/experiences",
    "get /units/{id}/experiences",
    "post /experiences/{id}/applications",
    "get /targets/{id}/experiences",
    // Shared with everyone of the organization; refused to an account
    // that is nobody's (checked below).
    "get /experiences",
    "get /experiences/{id}",
    // Everyone's, each finding what they may read (checked below).
    "get /search",
    "post /units/{id}/study",
    "get /units/{id}/study",
    "get /study/{id}",
    "post /study/{id}/adaptations",
    "post /study/{id}/submission",
    "get /units/{id}/study/{root}/roster",
    "post /study/{root}/confirmations",
    "post /units/{id}/study/{root}/meeting",
    "post /me/calendar-feed",
    "delete /me/calendar-feed",
    // Readable by every signed-in user: level names and target categories
    // are not unit data.
    "get /organization/profile",
    "get /plan-categories",
    "get /meeting-settings",
    "get /units/{id}/welfare",
    "get /units/{id}/welfare/handlers",
    "put /units/{id}/welfare/handlers/{account}",
    "delete /units/{id}/welfare/handlers/{account}",
    "get /welfare/cases/{id}",
    "post /welfare/cases/{id}/actions",
    "post /welfare/cases/{id}/break-glass",
    // Raising for a person of B is refused (`person_id` not found); one's
    // own cases and those one handles are the caller's alone
    // (welfare::a_members_case_is_read_by_them…).
    "post /welfare/cases",
    "get /welfare/cases",
    // The case types are readable by every signed-in user; only
    // administrators of the whole organization change them.
    "get /welfare/types",
    "put /welfare/types/{key}",
    "get /units/{id}/supply",
    "post /units/{id}/supply/receipts",
    "post /units/{id}/supply/distributions",
    "post /units/{id}/supply/requests",
    "post /supply/requests/{id}/steps",
    // The item catalogue is read by every signed-in user and changed only
    // by administrators of the whole organization.
    "get /supply/items",
    "post /supply/items",
    "get /appeals/{id}",
    "post /appeals/{id}/actions",
    "get /me/appeals/{id}",
    "post /me/appeals/{id}/messages",
    "get /units/{id}/appeals",
    "get /units/{id}/suggestions",
    "get /units/{id}/appeals/handlers",
    "put /units/{id}/appeals/handlers/{account}",
    "delete /units/{id}/appeals/handlers/{account}",
    // The policy is readable by every signed-in user; only administrators
    // of the whole organization change it.
    "get /appeals/settings",
    "put /appeals/settings",
    // One's own named appeals, what one handles, and one's own form
    // (appeals::a_named_suggestion_is_answered_and_published_to_its_cell_only,
    // appeals::an_appeal_about_a_primary_secretary_goes_past_the_committee).
    "get /appeals",
    "post /appeals",
    "get /appeals/form",
    // The anonymous intake is public by design and reads no credentials;
    // a receipt opens only its own appeal, and wrong ones are throttled
    // (appeals::receipts_are_refused_when_wrong_and_throttled_for_everyone).
    "get /voice/units/{id}",
    "post /voice",
    "post /voice/follow",
    "post /voice/follow/messages",
    "get /units/{id}/safety",
    "get /units/{id}/safety/dashboard",
    "get /units/{id}/hazards",
    "post /units/{id}/hazards",
    "get /hazards/{id}",
    "post /hazards/{id}/changes",
    "get /units/{id}/incidents",
    "post /units/{id}/incidents",
    "get /incidents/{id}",
    "post /incidents/{id}/steps",
    "get /units/{id}/actions",
    "post /units/{id}/actions",
    "post /actions/{id}/steps",
    // The matrix is readable by every signed-in user; only administrators
    // of the whole organization change it.
    "get /safety/settings",
    "put /safety/settings",
    "get /units/{id}/inspections",
    "post /units/{id}/inspections",
    "get /inspections/{id}",
    "put /inspections/{id}/answers",
    // Checklist templates are read by every signed-in user; only
    // administrators of the whole organization add versions.
    "get /checklists",
    "post /checklists",
    "get /checklist-versions/{id}",
    "post /checklists/{id}/versions",
    // Schedules are read by every signed-in user; only administrators of
    // the whole organization set or remove them.
    "get /safety/schedules",
    "post /safety/schedules",
    "delete /safety/schedules/{id}",
    "get /units/{id}/inspections/due",
    "get /units/{id}/inspections/behind",
];

#[test]
fn every_api_operation_has_a_negative_test() {
    let doc: serde_json::Value = serde_json::from_str(grassroots_web::openapi_document()).unwrap();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.push(format!("{method} {path}"));
        }
    }
    for op in &ops {
        assert!(
            COVERED_OPERATIONS.contains(&op.as_str()),
            "API operation {op} has no authorization test"
        );
    }
}

async fn assert_b_untouched(w: &World) {
    let b = grassroots_app::units::get(&w.t.app, &w.t.cli(), w.b)
        .await
        .unwrap();
    assert_eq!(b.name, "Primary B");
    let meeting = grassroots_app::meetings::view(&w.t.app, &w.t.cli(), w.b_meeting)
        .await
        .unwrap();
    assert_eq!(meeting.meeting.title, "B's committee meeting");
    assert!(
        meeting.meeting.closed_at.is_none(),
        "B's meeting still open"
    );
    assert!(meeting.meeting.minutes.is_empty());
    assert_eq!(meeting.participants.len(), 1, "B's participants unchanged");
    assert!(meeting.participants[0].attendance.is_none());
    assert_eq!(meeting.agenda.len(), 1, "B's agenda unchanged");
    assert_eq!(meeting.agenda[0].item.title, "Report");
    assert!(meeting.agenda[0].documents.is_empty());
    assert_eq!(meeting.agenda[0].speeches.len(), 1);
    assert!(meeting.agenda[0].speeches[0].started_at.is_none());
    assert!(meeting.agenda[0].speeches[0].body.is_empty());
    assert!(meeting.decisions.is_empty());
    assert!(
        meeting.commendations.is_empty(),
        "nothing conferred at B's meeting"
    );
    let roll = grassroots_app::commendations::roll(&w.t.app, &w.t.cli(), w.b)
        .await
        .unwrap();
    assert_eq!(roll.total, 1, "no commendation conferred in B");
    assert_eq!(roll.model_units.len(), 1, "B's model cell still designated");
    let cell_designations =
        grassroots_app::commendations::designations_of(&w.t.app, &w.t.cli(), w.b_cell)
            .await
            .unwrap();
    assert!(cell_designations[0].ends_on.is_none());
    let b_bulletins = grassroots_app::bulletins::of_unit(&w.t.app, &w.t.cli(), w.b)
        .await
        .unwrap();
    assert_eq!(b_bulletins.own.len(), 2, "no bulletin started for B");
    let draft = grassroots_app::bulletins::view(&w.t.app, &w.t.cli(), w.b_draft)
        .await
        .unwrap();
    assert!(
        draft.bulletin.published_at.is_none(),
        "B's draft unpublished"
    );
    assert_eq!(draft.articles.len(), 1);
    assert_eq!(draft.articles[0].heading, "News");
    let published = grassroots_app::bulletins::view(&w.t.app, &w.t.cli(), w.b_bulletin)
        .await
        .unwrap();
    assert_eq!(
        published.at.as_ref().map(|a| a.acknowledged),
        Some(0),
        "not acknowledged"
    );
    let b_meetings = grassroots_app::meetings::of_unit(&w.t.app, &w.t.cli(), w.b)
        .await
        .unwrap();
    assert_eq!(b_meetings.convened.len(), 1, "no meeting convened for B");
    let era = grassroots_app::meetings::era(&w.t.app).await.unwrap();
    assert_eq!(era, grassroots_core::calendar::Era::Gregorian);
    assert!(
        grassroots_app::meetings::settings(&w.t.app)
            .await
            .unwrap()
            .cadences
            .is_empty()
    );
    let view = grassroots_app::units::view(&w.t.app, &w.t.cli(), w.b)
        .await
        .unwrap();
    assert_eq!(view.children.len(), 1, "no unit was added under B");
    let roles = grassroots_app::roles::list(&w.t.app, &w.t.cli(), Some(w.b_account))
        .await
        .unwrap();
    assert_eq!(roles.len(), 1, "B's roles unchanged");
    let person = grassroots_app::people::open(&w.t.app, &w.t.cli(), w.b_person)
        .await
        .unwrap();
    assert_eq!(person.person.status, "member", "B's person unchanged");
    assert_eq!(person.person.unit_id, w.b);
    let b_view = grassroots_app::units::view(&w.t.app, &w.t.cli(), w.b)
        .await
        .unwrap();
    assert_eq!(b_view.subtree("people.member"), 1, "no one was added to B");
    assert_eq!(b_view.unit.parent_id, Some(w.province), "B was not moved");
    assert!(b_view.unit.closed_at.is_none(), "B was not merged away");
    let b_cell = grassroots_app::units::get(&w.t.app, &w.t.cli(), w.b_cell)
        .await
        .unwrap();
    assert!(b_cell.closed_at.is_none(), "B's cell was not closed");
    let a_cell = grassroots_app::units::get(&w.t.app, &w.t.cli(), w.a_cell)
        .await
        .unwrap();
    assert!(a_cell.closed_at.is_none(), "A's cell was not merged into B");
    let b_decisions = grassroots_app::decisions::of_unit(&w.t.app, &w.t.cli(), w.b)
        .await
        .unwrap();
    assert_eq!(b_decisions.issued.len(), 1, "no decision was issued for B");
    let cell_inbox = grassroots_app::decisions::of_unit(&w.t.app, &w.t.cli(), w.b_cell)
        .await
        .unwrap();
    assert!(
        cell_inbox.inbox[0].adopted_at.is_none(),
        "B's cell did not adopt"
    );
    let b_plans = grassroots_app::plans::plans_of_unit(&w.t.app, &w.t.cli(), w.b)
        .await
        .unwrap();
    assert_eq!(b_plans.len(), 1, "no plan was added to B");
    let target = grassroots_app::plans::target_view(&w.t.app, &w.t.cli(), w.b_target)
        .await
        .unwrap();
    assert!(target.check_ins.is_empty(), "no check-in on B's target");
    assert!(target.children.is_empty(), "B's target was not split");
    assert_eq!(target.blockers.len(), 1);
    assert!(
        target.blockers[0].blocker.resolved_at.is_none(),
        "B's blocker still open"
    );
    let plan = grassroots_app::plans::plan_view(&w.t.app, &w.t.cli(), w.b_plan)
        .await
        .unwrap();
    assert_eq!(
        plan.targets.len(),
        1,
        "no target added to or deleted from B"
    );
    let a_target = grassroots_app::plans::target_view(&w.t.app, &w.t.cli(), w.a_target)
        .await
        .unwrap();
    assert!(
        a_target.children.is_empty(),
        "A's target was not split into B"
    );
    let categories = grassroots_app::plans::categories(&w.t.app).await.unwrap();
    assert!(!categories.iter().any(|(k, _)| k == "planted"));
    let (profile, _) = grassroots_app::units::profile(&w.t.app).await.unwrap();
    assert_eq!(profile, "party", "the profile did not change");
    let pending = grassroots_app::transfers::pending(&w.t.app, &w.t.cli(), w.b)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1, "B's transfer still pending");
    let b_skills = grassroots_app::skills::of_person(&w.t.app, &w.t.cli(), w.b_person)
        .await
        .unwrap();
    assert_eq!(b_skills.len(), 1);
    assert_eq!(b_skills[0].level, 3, "B's person's skill unchanged");
    let b_positions = grassroots_app::positions::of_unit(&w.t.app, &w.t.cli(), w.b)
        .await
        .unwrap();
    assert_eq!(b_positions.current.len(), 1, "B's positions unchanged");
    let a_positions = grassroots_app::positions::of_unit(&w.t.app, &w.t.cli(), w.a)
        .await
        .unwrap();
    assert!(
        a_positions.current.is_empty(),
        "no one from B was appointed in A"
    );
    let cell = grassroots_app::units::get(&w.t.app, &w.t.cli(), w.a_cell)
        .await
        .unwrap();
    assert_eq!(cell.parent_id, Some(w.a), "A's cell was not moved into B");
    let acct = grassroots_app::accounts::list(&w.t.app, &w.t.cli())
        .await
        .unwrap();
    let sec_b = acct.iter().find(|a| a.id == w.b_account).unwrap();
    assert!(!sec_b.disabled);
    assert!(!acct.iter().any(|a| a.username == "plant"));
    let mut c = w.t.client();
    assert_eq!(
        c.login("sec_b", &grassroots_testkit::password_of("sec_b"))
            .await
            .status,
        StatusCode::SEE_OTHER,
        "B's password unchanged"
    );
    // B's care and supply, and the organization's settings of them.
    let app = &w.t.app;
    let cli = w.t.cli();
    let handlers = grassroots_app::welfare::handlers(app, &cli, w.b)
        .await
        .unwrap();
    assert_eq!(
        handlers.iter().map(|h| h.account_id).collect::<Vec<_>>(),
        [w.b_account]
    );
    let mut c = app.db.conn().await.unwrap();
    let case = grassroots_store::welfare::get_break_glass(
        &mut c,
        &cli.principal.scope::<grassroots_core::Manage>(),
        w.b_case,
    )
    .await
    .unwrap();
    assert_eq!(case.status, "open");
    let events = grassroots_store::welfare::events(&mut c, &case)
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "only opened: {events:?}");
    drop(c);
    assert_eq!(
        grassroots_app::welfare::counts(app, &cli, w.b)
            .await
            .unwrap()
            .open,
        1
    );
    let health = grassroots_app::welfare::types(app)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.key == "health")
        .unwrap();
    assert_eq!(health.acknowledge_days, 1);
    let items = grassroots_app::supply::items(app).await.unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    let supply = grassroots_app::supply::of_unit(app, &cli, w.b)
        .await
        .unwrap();
    assert!(supply.stock.is_empty() && supply.movements.is_empty());
    assert_eq!(supply.incoming.len(), 1);
    assert_eq!(supply.incoming[0].status, "requested");
    // B's appeal: still received, with its handler, and nothing written.
    let mut c = app.db.conn().await.unwrap();
    let appeal = grassroots_store::appeals::get_handled(&mut c, w.b_account, w.b_appeal)
        .await
        .unwrap();
    assert_eq!(appeal.status, "received");
    assert!(appeal.published_on.is_none());
    assert!(
        grassroots_store::appeals::entries(&mut c, &appeal)
            .await
            .unwrap()
            .is_empty()
    );
    drop(c);
    let appeal_handlers = grassroots_app::appeals::handlers(app, &cli, w.b)
        .await
        .unwrap();
    assert_eq!(appeal_handlers.len(), 1);
    assert_eq!(
        grassroots_app::appeals::settings(app)
            .await
            .unwrap()
            .acknowledge_days,
        7
    );
    // B's safety records and the organization's matrix.
    let hazard = grassroots_app::safety::hazard_view(app, &cli, w.b_hazard)
        .await
        .unwrap();
    assert_eq!(
        (
            hazard.hazard.status.as_str(),
            hazard.actions[0].status.as_str()
        ),
        ("open", "open")
    );
    assert_eq!(
        grassroots_app::safety::hazards(app, &cli, w.b, false)
            .await
            .unwrap()
            .len(),
        1
    );
    let incident = grassroots_app::safety::incident_view(app, &cli, w.b_incident)
        .await
        .unwrap();
    assert_eq!(incident.incident.status, "reported");
    assert_eq!(
        grassroots_app::safety::incidents(app, &cli, w.b)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        grassroots_app::safety::actions(app, &cli, w.b, true)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        grassroots_app::safety::settings(app)
            .await
            .unwrap()
            .matrix_size,
        5
    );
    let inspection = grassroots_app::safety::checklists::view(app, &cli, w.b_inspection)
        .await
        .unwrap();
    assert_eq!(inspection.inspection.status, "draft");
    assert!(inspection.answers.is_empty());
    assert_eq!(
        grassroots_app::safety::checklists::of_unit(app, &cli, w.b)
            .await
            .unwrap()
            .len(),
        1
    );
    let templates = grassroots_app::safety::checklists::templates(app)
        .await
        .unwrap();
    assert_eq!(templates[0].version, 1, "no version added");
    assert_eq!(templates.len(), 2, "no checklist added");
    assert!(
        grassroots_app::safety::schedules::list(app)
            .await
            .unwrap()
            .is_empty(),
        "no schedule set"
    );
    let study = grassroots_app::study::of_unit(app, &cli, w.b)
        .await
        .unwrap();
    assert_eq!(study.assignments.len(), 1, "no study assigned to B");
    assert_eq!(study.assignments[0].assignment.id, w.b_study, "not adapted");
    assert_eq!(
        study.assignments[0].counts.completed, 0,
        "nothing completed"
    );
    assert!(
        grassroots_app::study::get(app, &cli, w.b_study)
            .await
            .unwrap()
            .adaptations
            .is_empty(),
        "no adaptation below B"
    );
}

#[tokio::test]
async fn users_scoped_to_a_cannot_touch_sibling_b_through_pages() {
    let w = world().await;
    for user in ["sec_a", "admin_a", "viewer_a", "member_a", "nobody_a"] {
        let mut c = w.t.login(user).await;
        for (method, path, fields) in page_routes(&w) {
            let status = page_request(&mut c, &method, &path, &fields).await;
            assert!(refused(status), "{user}: {method} {path} answered {status}");
        }
        // The library's pages are the whole organization's; an account
        // that is nobody of it reads none of them.
        for path in [
            "/experiences".to_string(),
            format!("/experiences/{}", w.b_experience),
        ] {
            let r = c.page(&path).await;
            let expected = if user == "nobody_a" {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::OK
            };
            assert_eq!(r.status, expected, "{user}: {path}");
        }
        for q in ["b", "primary", "person", "decision", "cell"] {
            let r = c.page(&format!("/search?q={q}")).await;
            assert_eq!(r.status, StatusCode::OK, "{user}: search {q}");
            // B's article, with B's name, is the organization's.
            let mut body = r.body.clone();
            if let Some(start) = body.find("<ul id=\"search-experiences\">") {
                let end = start + body[start..].find("</ul>").unwrap();
                body.replace_range(start..end, "");
            }
            for b_name in [
                "Primary B",
                "Cell B1",
                "Person of B",
                "B&#x27;s decision",
                "B's decision",
            ] {
                assert!(
                    !body.contains(b_name),
                    "{user}: search {q} shows {b_name}: {body}"
                );
            }
        }
        // Uploading a file for import into B.
        for kind in ["people", "units"] {
            let r = c
                .post_multipart(
                    &format!("/units/{}/import", w.b),
                    &[("kind", kind)],
                    "planted.csv",
                    b"full_name,status,external_id,name,level\nPlanted,member,X,Planted,cell\n",
                )
                .await;
            assert!(
                refused(r.status),
                "{user}: upload {kind} into B answered {}",
                r.status
            );
        }
    }
    assert_b_untouched(&w).await;
}

#[tokio::test]
async fn users_scoped_to_a_cannot_touch_sibling_b_through_the_api() {
    let w = world().await;
    let mut missing = Vec::new();
    for user in ["sec_a", "admin_a", "viewer_a", "member_a", "nobody_a"] {
        let mut c = w.t.login(user).await;
        for (method, path, body) in api_routes(&w) {
            let r = c.json(method.clone(), &path, body.clone()).await;
            assert!(
                refused(r.status),
                "{user}: {method} {path} answered {} {}",
                r.status,
                r.body
            );
            missing.extend(undocumented(&method, &path, r.status));
            let err = r.json();
            assert!(
                err["error"].is_string() && err["message"].is_string(),
                "{user}: {method} {path}: {err}"
            );
        }
        // Lists never contain B's data.
        let units = c.json(Method::GET, "/api/v1/units", None).await;
        assert_eq!(units.status, StatusCode::OK);
        let ids: Vec<i64> = units
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_i64().unwrap())
            .collect();
        assert!(
            !ids.contains(&w.b) && !ids.contains(&w.b_cell),
            "{user} lists B: {ids:?}"
        );
        // The library is the whole organization's; an account that is
        // nobody of it reads none of it.
        for path in [
            "/api/v1/experiences".to_string(),
            format!("/api/v1/experiences/{}", w.b_experience),
        ] {
            let r = c.json(Method::GET, &path, None).await;
            let expected = if user == "nobody_a" {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::OK
            };
            assert_eq!(r.status, expected, "{user}: {path}: {}", r.body);
        }
        // Search finds nothing of B's but its article, which is the
        // organization's (and nothing at all for an account that is
        // nobody's).
        for q in ["b", "primary", "person", "decision", "cell", "b's"] {
            let path = format!(
                "/api/v1/search?{}",
                serde_urlencoded::to_string([("q", q)]).unwrap()
            );
            let r = c.json(Method::GET, &path, None).await;
            assert_eq!(r.status, StatusCode::OK, "{user}: {path}: {}", r.body);
            let found = r.json();
            for kind in ["people", "units", "decisions"] {
                let text = found[kind].to_string();
                for b_name in ["Primary B", "Cell B1", "Person of B", "B's decision"] {
                    assert!(
                        !text.contains(b_name),
                        "{user}: {path} finds {b_name}: {text}"
                    );
                }
            }
            if user == "nobody_a" {
                assert_eq!(found["experiences"], json!([]), "{user}: {path}");
            }
        }
        let mine = c.json(Method::GET, "/api/v1/me/study", None).await;
        assert_eq!(mine.status, StatusCode::OK);
        assert!(!mine.body.contains("B's study"), "{user}: {}", mine.body);
        for path in ["/api/v1/accounts", "/api/v1/roles", "/api/v1/audit"] {
            let r = c.json(Method::GET, path, None).await;
            if r.status == StatusCode::OK {
                let text = r.body.clone();
                assert!(
                    !text.contains("sec_b"),
                    "{user}: {path} shows B's data: {text}"
                );
                assert!(!text.contains("Primary B"), "{user}: {path} shows B's data");
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}: {path}");
            }
        }
        let r = c
            .json(Method::GET, &format!("/api/v1/audit?unit={}", w.b), None)
            .await;
        if r.status == StatusCode::OK {
            assert_eq!(r.json(), json!([]), "{user} filters the audit by B");
        }
    }
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "{missing:#?}");
    assert_b_untouched(&w).await;
}

#[tokio::test]
async fn tokens_are_scoped_like_roles() {
    let w = world().await;
    let mut missing = Vec::new();
    let mut sec = w.t.login("sec_a").await;
    let r = sec
        .json(
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"name": "sync", "role": "secretary", "unit_id": w.a, "scope": "subtree"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let secret = r.json()["secret"].as_str().unwrap().to_string();
    let token_id = r.json()["token"]["id"].as_i64().unwrap();
    let mut bot = w.t.with_token(&secret);
    for (method, path, body) in api_routes(&w) {
        let r = bot.json(method.clone(), &path, body).await;
        assert!(
            refused(r.status),
            "token: {method} {path} answered {}",
            r.status
        );
        missing.extend(undocumented(&method, &path, r.status));
    }
    // Without any credentials or cookie, every API call is 401 (unsafe
    // ones too: there is no session whose CSRF token could be missing).
    let mut anonymous = w.t.client();
    for (method, path, body) in api_routes(&w) {
        let r = anonymous.json(method.clone(), &path, body).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "anonymous {method} {path}: {}",
            r.body
        );
        assert_eq!(r.json()["error"], "unauthorized");
        missing.extend(undocumented(&method, &path, r.status));
    }
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "{missing:#?}");
    // Within A the token works, without any CSRF token.
    let r = bot
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/children", w.a),
            Some(json!({"name": "Cell A2", "level": "cell"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // A token cannot carry more than its owner holds.
    let r = sec
        .json(
            Method::POST,
            "/api/v1/tokens",
            Some(
                json!({"name": "up", "role": "administrator", "unit_id": w.a, "scope": "subtree"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "role");
    let r = sec
        .json(
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"name": "up", "role": "viewer", "unit_id": w.province, "scope": "unit"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Tokens are invisible to others and cannot be revoked by them.
    let mut admin_a = w.t.login("admin_a").await;
    let r = admin_a
        .json(Method::DELETE, &format!("/api/v1/tokens/{token_id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = admin_a
        .post_form(&format!("/me/tokens/{token_id}/revoke"), &[])
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "the page route refuses too"
    );
    let r = admin_a.json(Method::GET, "/api/v1/tokens", None).await;
    assert_eq!(r.json(), json!([]));
    // When the owner loses the role, the token loses its power.
    let role = grassroots_app::roles::list(&w.t.app, &w.t.cli(), None)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.username == "sec_a")
        .unwrap();
    grassroots_app::roles::revoke(&w.t.app, &w.t.cli(), role.id)
        .await
        .unwrap();
    let r = bot
        .json(Method::GET, &format!("/api/v1/units/{}", w.a), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Revoked tokens are refused outright.
    let r = sec
        .json(Method::DELETE, &format!("/api/v1/tokens/{token_id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = bot.json(Method::GET, "/api/v1/units", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"], "unauthorized");
}

#[tokio::test]
async fn roles_map_to_what_each_may_do_inside_its_own_unit() {
    let w = world().await;
    // The viewer reads A but cannot change it (403: visible, not allowed).
    let mut viewer = w.t.login("viewer_a").await;
    assert_eq!(
        viewer.page(&format!("/units/{}", w.a)).await.status,
        StatusCode::OK
    );
    let r = viewer
        .post_form(
            &format!("/units/{}/children", w.a),
            &[("name", "X"), ("level", "cell")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        viewer.get("/admin/accounts").await.status,
        StatusCode::FORBIDDEN
    );
    // The member and the account without roles see no unit at all.
    for user in ["member_a", "nobody_a"] {
        let mut c = w.t.login(user).await;
        assert_eq!(
            c.page(&format!("/units/{}", w.a)).await.status,
            StatusCode::NOT_FOUND
        );
        let home = c.get("/").await;
        assert!(
            home.body.contains("You have no role that opens a unit"),
            "{user}"
        );
        assert_eq!(
            c.get("/me").await.status,
            StatusCode::OK,
            "{user} sees their own record"
        );
        assert_eq!(
            c.json(Method::GET, "/api/v1/units", None).await.json(),
            json!([])
        );
    }
    // The secretary manages A.
    let mut sec = w.t.login("sec_a").await;
    let r = sec
        .post_form(
            &format!("/units/{}/children", w.a),
            &[("name", "Cell A2"), ("level", "cell")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = sec
        .post_form(
            &format!("/units/{}/rename", w.a),
            &[("name", "Primary A (renamed)")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = sec.page(&format!("/units/{}", w.a)).await;
    assert!(page.body.contains("Primary A (renamed)"));
    assert!(page.body.contains("The unit was saved."));
    // The province above A is visible in breadcrumbs but not openable.
    assert!(page.body.contains("South Phyongan Provincial Committee"));
    assert!(
        !page
            .body
            .contains(&format!("href=\"/units/{}\"", w.province))
    );
    assert_eq!(
        sec.page(&format!("/units/{}", w.province)).await.status,
        StatusCode::NOT_FOUND
    );
    // An administrator of A cannot grant a role reaching above A.
    let mut admin = w.t.login("admin_a").await;
    let nobody = w.t.account_id("nobody_a").await;
    let r = admin
        .json(Method::POST, "/api/v1/roles", Some(json!({"account_id": nobody, "role": "viewer", "unit_id": w.province, "scope": "subtree"})))
        .await;
    assert!(refused(r.status), "{}", r.body);
    let r = admin
        .json(
            Method::POST,
            "/api/v1/roles",
            Some(
                json!({"account_id": nobody, "role": "viewer", "unit_id": w.a, "scope": "subtree"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut nobody_c = w.t.login("nobody_a").await;
    assert_eq!(
        nobody_c.page(&format!("/units/{}", w.a)).await.status,
        StatusCode::OK,
        "the new role takes effect"
    );
}

#[tokio::test]
async fn forms_report_the_field_at_fault() {
    let w = world().await;
    let mut sec = w.t.login("sec_a").await;
    let r = sec
        .post_form(
            &format!("/units/{}/children", w.a),
            &[("name", "   "), ("level", "cell")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Name: must not be empty"), "{}", r.body);
    let r = sec
        .post_form(
            &format!("/units/{}/children", w.a),
            &[("name", "Cell A1"), ("level", "cell")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Name: This value is already taken."),
        "{}",
        r.body
    );
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/children", w.a),
            Some(json!({"name": "Cell", "level": "planet"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"], "invalid");
    assert_eq!(r.json()["field"], "level");
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/children", w.a),
            Some(json!({"name": 5})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"], "bad_request");
}

#[tokio::test]
async fn administrators_cannot_take_over_accounts_that_outrank_them() {
    let w = world().await;
    // A national administrator whose home unit is primary committee A.
    let chief =
        w.t.user("chief", Some(Role::Administrator), w.a, ScopeKind::Unit)
            .await;
    grassroots_app::roles::assign(
        &w.t.app,
        &w.t.cli(),
        chief,
        grassroots_core::Assignment {
            role: Role::Administrator,
            unit_id: w.t.root,
            scope: ScopeKind::Subtree,
        },
    )
    .await
    .unwrap();
    let mut admin_a = w.t.login("admin_a").await;
    let r = admin_a
        .json(
            Method::POST,
            &format!("/api/v1/accounts/{chief}/password"),
            Some(json!({"password": "taken over password"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = admin_a
        .json(
            Method::PATCH,
            &format!("/api/v1/accounts/{chief}"),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Nor reset their own password without the current one.
    let me = w.t.account_id("admin_a").await;
    let r = admin_a
        .json(
            Method::POST,
            &format!("/api/v1/accounts/{}/password", me),
            Some(json!({"password": "no current needed"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // An account they outrank is fine, and its tokens die with the reset.
    let sec_a = w.t.account_id("sec_a").await;
    let mut sec = w.t.login("sec_a").await;
    let r = sec
        .json(
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"name": "t", "role": "viewer", "unit_id": w.a, "scope": "unit"})),
        )
        .await;
    let secret = r.json()["secret"].as_str().unwrap().to_string();
    let r = admin_a
        .json(
            Method::POST,
            &format!("/api/v1/accounts/{}/password", sec_a),
            Some(json!({"password": "a fresh password"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        w.t.with_token(&secret)
            .json(Method::GET, "/api/v1/units", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sec.get("/me").await.status,
        StatusCode::SEE_OTHER,
        "sessions ended"
    );
}

#[tokio::test]
async fn counts_and_paths_reveal_only_what_the_reader_may_see() {
    let w = world().await;
    w.t.user("viewer_p", Some(Role::Viewer), w.province, ScopeKind::Unit)
        .await;
    let mut v = w.t.login("viewer_p").await;
    let home = v.get("/").await;
    assert!(
        home.body.contains("0 units below"),
        "children outside the scope are not counted: {}",
        home.body
    );
    let mut sec = w.t.login("sec_a").await;
    let detail = sec
        .json(Method::GET, &format!("/api/v1/units/{}", w.a), None)
        .await
        .json();
    let path = detail["path"].as_array().unwrap();
    assert_eq!(path.len(), 3);
    assert_eq!(path[0]["readable"], false);
    assert_eq!(path[1]["readable"], false);
    assert_eq!(path[2]["readable"], true);
    // A unit outside the administration and a unit that does not exist
    // get the same answer.
    let mut admin_a = w.t.login("admin_a").await;
    let nobody = w.t.account_id("nobody_a").await;
    let outside = admin_a
        .json(
            Method::POST,
            "/api/v1/roles",
            Some(json!({"account_id": nobody, "role": "viewer", "unit_id": w.b, "scope": "unit"})),
        )
        .await;
    let missing = admin_a
        .json(
            Method::POST,
            "/api/v1/roles",
            Some(
                json!({"account_id": nobody, "role": "viewer", "unit_id": 987654, "scope": "unit"}),
            ),
        )
        .await;
    assert_eq!(outside.status, missing.status);
    assert_eq!(outside.json(), missing.json());
}

#[tokio::test]
async fn a_link_from_another_site_cannot_open_a_logged_record() {
    let w = world().await;
    let mut admin_a = w.t.login("admin_a").await;
    let sec_a = w.t.account_id("sec_a").await;
    let r = admin_a
        .send(
            Method::GET,
            &format!("/admin/accounts/{}", sec_a),
            None,
            Vec::new(),
            &[("sec-fetch-site", "cross-site".into())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let reads = w.t.audit_rows(Some("account.read")).await;
    assert!(reads.is_empty(), "no read was logged");
    let r = admin_a
        .send(
            Method::GET,
            &format!("/admin/accounts/{}", sec_a),
            None,
            Vec::new(),
            &[("sec-fetch-site", "same-origin".into())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn a_secretary_runs_the_people_of_their_unit() {
    let w = world().await;
    let mut sec = w.t.login("sec_a").await;
    let r = sec
        .post_form(
            &format!("/units/{}/people", w.a),
            &[
                ("full_name", "Ri Chol Jin"),
                ("status", "candidate"),
                ("joined_on", "2022-02-28"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/people", w.a_cell),
            Some(json!({"full_name": "김철", "status": "member"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let kim = r.json()["id"].as_i64().unwrap();
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/people", w.a),
            Some(json!({"full_name": "X", "status": "loyal"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "status");
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/people", w.a),
            Some(json!({"full_name": "X", "status": "member", "joined_on": "28.02.2022"})),
        )
        .await;
    assert_eq!(r.json()["field"], "joined_on");
    // Counters of the unit page cover the subtree.
    let detail = sec
        .json(Method::GET, &format!("/api/v1/units/{}", w.a), None)
        .await
        .json();
    assert_eq!(detail["counters"]["people.member"]["subtree"], 1);
    assert_eq!(detail["counters"]["people.candidate"]["own"], 1);
    assert_eq!(detail["counters"]["cells"]["subtree"], 1);
    let page = sec
        .page(&format!("/units/{}?subtree=1&q=%EA%B9%80", w.a))
        .await;
    let rows = page
        .body
        .split("id=\"people-rows\"")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    assert!(
        rows.contains("김철") && !rows.contains("Ri Chol Jin"),
        "search by name in the subtree: {rows}"
    );
    assert!(
        page.body.contains("id=\"count-member\">1<"),
        "{}",
        page.body
    );
    // Changing a status moves the counters.
    let r = sec
        .post_form(&format!("/people/{kim}/status"), &[("status", "left")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let detail = sec
        .json(Method::GET, &format!("/api/v1/units/{}", w.a), None)
        .await
        .json();
    assert_eq!(detail["counters"]["people.member"]["subtree"], 0);
    assert_eq!(detail["counters"]["people.left"]["subtree"], 1);
    let rec = sec
        .json(Method::GET, &format!("/api/v1/people/{kim}"), None)
        .await
        .json();
    let history: Vec<&str> = rec["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["member", "left"]);
    // Opening a record is logged.
    let reads = w.t.audit_rows(Some("person.read")).await;
    assert!(
        reads
            .iter()
            .any(|r| r.actor == "sec_a" && r.entity_id == kim.to_string())
    );
    // The viewer reads but cannot change; the member sees no one.
    let mut viewer = w.t.login("viewer_a").await;
    assert_eq!(
        viewer.get(&format!("/people/{kim}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        viewer
            .post_form(&format!("/people/{kim}/status"), &[("status", "member")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        viewer
            .post_form(
                &format!("/units/{}/people", w.a),
                &[("full_name", "Y"), ("status", "member")]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut member = w.t.login("member_a").await;
    assert_eq!(
        member.get(&format!("/people/{kim}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        member
            .json(Method::GET, &format!("/api/v1/units/{}/people", w.a), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn moving_a_unit_carries_its_subtree_and_counters() {
    let w = world().await;
    // A primary unit inside a primary unit (what some profiles allow):
    // the move's mechanics, not the profile's rules, are tested here.
    grassroots_testkit::allow_any_shape(&w.t.app, &w.t.cli()).await;
    let a2 = w.t.unit("Primary A2", "primary_committee", w.a).await;
    w.t.person(w.a_cell, "P", "member").await;
    let mut sec = w.t.login("sec_a").await;
    // Under itself: refused with the field named.
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/move", w.a_cell),
            Some(json!({"parent_id": w.a_cell})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "parent_id");
    // The secretary of A cannot move A itself (its parent is the province).
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/move", w.a),
            Some(json!({"parent_id": a2})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a unit cannot go under its own child"
    );
    let r = sec
        .post_form(
            &format!("/units/{}/move", w.a_cell),
            &[("parent_id", &a2.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a2_detail = sec
        .json(Method::GET, &format!("/api/v1/units/{a2}"), None)
        .await
        .json();
    assert_eq!(a2_detail["counters"]["people.member"]["subtree"], 1);
    assert_eq!(a2_detail["counters"]["cells"]["subtree"], 1);
    assert_eq!(a2_detail["counters"]["units"]["subtree"], 2);
    let a_detail = sec
        .json(Method::GET, &format!("/api/v1/units/{}", w.a), None)
        .await
        .json();
    assert_eq!(a_detail["counters"]["units"]["subtree"], 3);
    assert_eq!(
        a_detail["counters"]["people.member"]["own"]
            .as_i64()
            .unwrap_or(0),
        0
    );
    w.t.assert_consistent().await;
}

#[tokio::test]
async fn appointments_lead_trio_and_vacancies() {
    let w = world().await;
    let mut sec = w.t.login("sec_a").await;
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/people", w.a_cell),
            Some(json!({"full_name": "Hong Il Chon", "status": "member"})),
        )
        .await;
    let hong = r.json()["id"].as_i64().unwrap();
    // Appointed in A (the person belongs to a cell below A).
    let r = sec
        .post_form(
            &format!("/units/{}/positions", w.a),
            &[
                ("position_type", "secretary"),
                ("person_id", &hong.to_string()),
                ("started_on", "2022-02-28"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/positions", w.a),
            Some(json!({"position_type": "secretary", "person_id": hong})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "position_type");
    // Not a person of the cell: refused.
    let other = w.t.person(w.a, "Of A", "member").await;
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/positions", w.a_cell),
            Some(json!({"position_type": "cell_secretary", "person_id": other})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "person_id");
    let trio = sec
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/positions", w.a),
            None,
        )
        .await
        .json();
    assert_eq!(trio["lead"][0]["lead"], "party");
    assert_eq!(
        trio["lead"][0]["holder"]["position"]["person_name"],
        "Hong Il Chon"
    );
    assert!(
        trio["lead"][1]["holder"].is_null(),
        "administrative head vacant"
    );
    let page = sec.page(&format!("/units/{}", w.a)).await;
    assert!(
        page.body.contains("Hong Il Chon") && page.body.contains("Vacant"),
        "{}",
        page.body
    );
    // Vacancies seen from the root include both committees' missing seats.
    let mut root = w.t.login("root").await;
    let vac = root
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/vacancies", w.t.root),
            None,
        )
        .await
        .json();
    let seats: Vec<(String, String)> = vac
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["unit_name"].as_str().unwrap().to_string(),
                v["type_key"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(seats.contains(&("Primary A".into(), "administrative_head".into())));
    assert!(!seats.contains(&("Primary A".into(), "secretary".into())));
    assert!(!seats.contains(&("Primary B".into(), "secretary".into())));
    assert!(seats.contains(&("Primary B".into(), "technical_head".into())));
    // Ending the term frees the seat and keeps the history.
    let position = trio["lead"][0]["holder"]["position"]["id"]
        .as_i64()
        .unwrap();
    let r = sec
        .json(
            Method::POST,
            &format!("/api/v1/positions/{position}/end"),
            Some(json!({"ended_on": "2022-01-01"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "cannot end before the start"
    );
    let r = sec
        .post_form(&format!("/positions/{position}/end"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let trio = sec
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/positions", w.a),
            None,
        )
        .await
        .json();
    assert!(trio["lead"][0]["holder"].is_null());
    assert_eq!(trio["past"][0]["person_name"], "Hong Il Chon");
    let person = sec.get(&format!("/people/{hong}")).await;
    assert!(
        person.body.contains("Secretary, <a href=\"/units/"),
        "{}",
        person.body
    );
    w.t.assert_consistent().await;
}

#[tokio::test]
async fn a_member_sees_their_own_record_and_who_opened_it() {
    let w = world().await;
    let me = w.t.person(w.a_cell, "Choe Kum Ok", "member").await;
    let member = w.t.account_id("member_a").await;
    let mut admin = w.t.login("admin_a").await;
    // A person of a sibling unit cannot be linked.
    let r = admin
        .json(
            Method::POST,
            &format!("/api/v1/accounts/{member}/person"),
            Some(json!({"person_id": w.b_person})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "person_id");
    let r = admin
        .post_form(
            &format!("/admin/accounts/{member}/person"),
            &[("person_id", &me.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // One account per person.
    let other = w.t.account_id("nobody_a").await;
    let r = admin
        .json(
            Method::POST,
            &format!("/api/v1/accounts/{other}/person"),
            Some(json!({"person_id": me})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let mut m = w.t.login("member_a").await;
    let page = m.get("/me").await;
    assert!(
        page.body.contains("id=\"own-person-table\"") && page.body.contains("Choe Kum Ok"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Nobody has opened your record."));
    // The member still cannot open the record through the unit's pages.
    assert_eq!(
        m.get(&format!("/people/{me}")).await.status,
        StatusCode::NOT_FOUND
    );
    let mut sec = w.t.login("sec_a").await;
    assert_eq!(
        sec.get(&format!("/people/{me}")).await.status,
        StatusCode::OK
    );
    let own = m.json(Method::GET, "/api/v1/me", None).await.json();
    assert_eq!(own["person"]["person"]["full_name"], "Choe Kum Ok");
    assert_eq!(own["reads"][0]["actor"], "sec_a");
    assert_eq!(own["reads"][0]["action"], "person.read");
    let page = m.get("/me").await;
    assert!(page.body.contains("<td>sec_a</td>"));
}

#[tokio::test]
async fn skills_registry_and_talent_summary() {
    let w = world().await;
    let welding = grassroots_app::skills::create(&w.t.app, &w.t.cli(), "Welding", "metalwork")
        .await
        .unwrap()
        .id;
    let mut sec = w.t.login("sec_a").await;
    // Only administrators extend the catalogue.
    let r = sec
        .json(
            Method::POST,
            "/api/v1/skills",
            Some(json!({"name": "Juggling", "category": "other"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(sec.get("/admin/skills").await.status, StatusCode::FORBIDDEN);
    let r = sec
        .post_form(
            "/admin/skills",
            &[("name", "Juggling"), ("category", "other")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The profile page belongs to administrators; changing the profile, to
    // administrators of the whole organization.
    assert_eq!(
        sec.get("/admin/profile").await.status,
        StatusCode::FORBIDDEN
    );
    let r = sec
        .post_form("/admin/profile", &[("profile", "cooperative")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut admin_a = w.t.login("admin_a").await;
    assert_eq!(admin_a.get("/admin/profile").await.status, StatusCode::OK);
    let r = admin_a
        .post_form("/admin/profile", &[("profile", "cooperative")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // So is the organization's default language.
    for c in [&mut sec, &mut admin_a] {
        let r = c
            .post_form("/admin/profile/locale", &[("locale", "ko")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        grassroots_app::profiles::chosen_default_locale(&w.t.app)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        grassroots_app::units::profile(&w.t.app).await.unwrap().0,
        "party"
    );
    // Meeting settings likewise: seen by administrators, changed only by
    // those of the whole organization.
    assert_eq!(
        sec.get("/admin/meetings").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(admin_a.get("/admin/meetings").await.status, StatusCode::OK);
    for mut c in [sec, admin_a] {
        let r = c
            .post_form("/admin/meetings/era", &[("calendar_era", "juche")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = c
            .post_form(
                "/admin/meetings/type",
                &[("key", "planted"), ("label", "Planted")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = c
            .post_form(
                "/admin/meetings/cadence",
                &[
                    ("meeting_type", "cell_meeting"),
                    ("level", "cell"),
                    ("every_days", "7"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    let settings = grassroots_app::meetings::settings(&w.t.app).await.unwrap();
    assert_eq!(settings.calendar_era, "gregorian");
    assert!(settings.cadences.is_empty());
    let mut sec = w.t.login("sec_a").await;
    assert_eq!(
        grassroots_app::skills::catalogue(&w.t.app)
            .await
            .unwrap()
            .len(),
        2,
        "nothing was added"
    );
    let mut root = w.t.login("root").await;
    let r = root
        .post_form(
            "/admin/skills",
            &[("name", "Welding"), ("category", "metalwork")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "duplicate names are refused"
    );
    let p = sec
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/people", w.a_cell),
            Some(json!({"full_name": "Kang Chol", "status": "member"})),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let r = sec
        .json(
            Method::PUT,
            &format!("/api/v1/people/{p}/skills/{welding}"),
            Some(json!({"level": 6})),
        )
        .await;
    assert_eq!(r.json()["field"], "level");
    let r = sec
        .json(
            Method::PUT,
            &format!("/api/v1/people/{p}/skills/9999"),
            Some(json!({"level": 2})),
        )
        .await;
    assert_eq!(r.json()["field"], "skill_id");
    let r = sec
        .post_form(
            &format!("/people/{p}/skills"),
            &[
                ("skill_id", &welding.to_string()),
                ("level", "4"),
                ("certified_until", "2000-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = sec.get(&format!("/people/{p}")).await;
    assert!(page.body.contains("certification expired"), "{}", page.body);
    let r = sec
        .json(
            Method::PUT,
            &format!("/api/v1/people/{p}/skills/{}", w.skill),
            Some(json!({"level": 2})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    // The talent summary of A counts A's people only; the root sees both.
    let talents = sec
        .json(Method::GET, &format!("/api/v1/units/{}/talents", w.a), None)
        .await
        .json();
    let names: Vec<(&str, i64)> = talents
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), t["people"].as_i64().unwrap()))
        .collect();
    assert_eq!(names, [("Chemical engineering", 1), ("Welding", 1)]);
    let talents = root
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/talents", w.t.root),
            None,
        )
        .await
        .json();
    let chem = talents
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Chemical engineering")
        .unwrap();
    assert_eq!(chem["people"], 2);
    // Search people by skill within the scope.
    let found = sec
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/people?subtree=true&skill={welding}", w.a),
            None,
        )
        .await
        .json();
    assert_eq!(found.as_array().unwrap().len(), 1);
    let found = root
        .json(
            Method::GET,
            &format!(
                "/api/v1/units/{}/people?subtree=true&skill={}",
                w.t.root, w.skill
            ),
            None,
        )
        .await
        .json();
    assert_eq!(found.as_array().unwrap().len(), 2);
    // Removing updates the summary.
    let r = sec
        .json(
            Method::DELETE,
            &format!("/api/v1/people/{p}/skills/{welding}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let talents = sec
        .json(Method::GET, &format!("/api/v1/units/{}/talents", w.a), None)
        .await
        .json();
    assert_eq!(talents.as_array().unwrap().len(), 1);
    w.t.assert_consistent().await;
}

#[tokio::test]
async fn transfers_are_issued_acknowledged_and_expire() {
    let w = world().await;
    let mut sec_a = w.t.login("sec_a").await;
    let mut sec_b = w.t.login("sec_b").await;
    let r = sec_a
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/people", w.a_cell),
            Some(json!({"full_name": "Yun Song Mi", "status": "member"})),
        )
        .await;
    let yun = r.json()["id"].as_i64().unwrap();
    sec_a
        .json(
            Method::PUT,
            &format!("/api/v1/people/{yun}/skills/{}", w.skill),
            Some(json!({"level": 4})),
        )
        .await;
    let r = sec_a
        .json(
            Method::POST,
            &format!("/api/v1/units/{}/positions", w.a_cell),
            Some(json!({"position_type": "cell_secretary", "person_id": yun})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = sec_a
        .json(
            Method::POST,
            &format!("/api/v1/people/{yun}/transfers"),
            Some(json!({"to_unit_id": w.a_cell})),
        )
        .await;
    assert_eq!(
        r.json()["field"],
        "to_unit_id",
        "not to the person's own unit"
    );
    let r = sec_a
        .post_form(
            &format!("/people/{yun}/transfers"),
            &[("to_unit_id", &w.b.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = sec_a
        .json(
            Method::POST,
            &format!("/api/v1/people/{yun}/transfers"),
            Some(json!({"to_unit_id": w.b})),
        )
        .await;
    assert_eq!(
        r.json()["field"],
        "person_id",
        "one pending transfer at a time"
    );
    // Both units see it.
    let out = sec_a
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/transfers", w.a_cell),
            None,
        )
        .await
        .json();
    let id = out[0]["id"].as_i64().unwrap();
    let page = sec_b.page(&format!("/units/{}", w.b)).await;
    assert!(
        page.body.contains("Yun Song Mi") && page.body.contains(&format!("id=\"ack-{id}\"")),
        "{}",
        page.body
    );
    // Only the receiving unit acknowledges.
    assert!(refused(
        sec_a
            .json(
                Method::POST,
                &format!("/api/v1/transfers/{id}/acknowledge"),
                None
            )
            .await
            .status
    ));
    let r = sec_b
        .post_form(&format!("/transfers/{id}/acknowledge"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The person, their counters and skills moved; A's position ended.
    let a = sec_a
        .json(Method::GET, &format!("/api/v1/units/{}", w.a), None)
        .await
        .json();
    assert_eq!(
        a["counters"]["people.member"]["subtree"]
            .as_i64()
            .unwrap_or(0),
        0
    );
    assert_eq!(
        sec_a.get(&format!("/people/{yun}")).await.status,
        StatusCode::NOT_FOUND,
        "A no longer sees the person"
    );
    let rec = sec_b
        .json(Method::GET, &format!("/api/v1/people/{yun}"), None)
        .await
        .json();
    assert_eq!(rec["person"]["unit_id"], w.b);
    let units_in_history: Vec<i64> = rec["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["unit_id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        units_in_history,
        [w.a_cell, w.b],
        "the history keeps both ends"
    );
    let cell_positions = grassroots_app::positions::of_unit(&w.t.app, &w.t.cli(), w.a_cell)
        .await
        .unwrap();
    assert!(cell_positions.current.is_empty() && cell_positions.past.len() == 1);
    let talents = sec_b
        .json(Method::GET, &format!("/api/v1/units/{}/talents", w.b), None)
        .await
        .json();
    assert_eq!(talents[0]["people"], 2);
    let r = sec_b
        .json(
            Method::POST,
            &format!("/api/v1/transfers/{id}/acknowledge"),
            None,
        )
        .await;
    assert_eq!(r.json()["field"], "state", "acknowledged once");
    // A transfer left unacknowledged expires.
    let r = sec_b
        .json(
            Method::POST,
            &format!("/api/v1/people/{yun}/transfers"),
            Some(json!({"to_unit_id": w.a})),
        )
        .await;
    let back = r.json()["id"].as_i64().unwrap();
    w.t.app.clock.advance(chrono::Duration::days(31));
    let mut sec_a = w.t.login("sec_a").await;
    let r = sec_a
        .json(
            Method::POST,
            &format!("/api/v1/transfers/{back}/acknowledge"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut sec_b = w.t.login("sec_b").await;
    let history = sec_b
        .json(
            Method::GET,
            &format!("/api/v1/people/{yun}/transfers"),
            None,
        )
        .await
        .json();
    let states: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["expired", "acknowledged"]);
    w.t.assert_consistent().await;
}

#[tokio::test]
async fn a_dashboard_is_refused_from_the_request_after_its_unit_moves_away() {
    let w = world().await;
    let mut sec_a = w.t.login("sec_a").await;
    let mut sec_b = w.t.login("sec_b").await;
    let path = format!("/api/v1/units/{}/dashboard", w.a_cell);
    // Read once: the cell's ancestors and its dashboard are kept now.
    let r = sec_a.json(Method::GET, &path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = sec_b.json(Method::GET, &path, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The cell moves from A to B: the kept ancestors end with the commit.
    grassroots_app::units::move_unit(&w.t.app, &w.t.cli(), w.a_cell, w.b)
        .await
        .unwrap();
    let r = sec_a.json(Method::GET, &path, None).await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "A still reads the moved cell"
    );
    let r = sec_a.get(&format!("/units/{}/dashboard", w.a_cell)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "page dashboard");
    let r = sec_b.json(Method::GET, &path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_kept_dashboard_is_served_only_to_readers_of_its_unit() {
    let w = world().await;
    // B's secretary and the organization's administrator read dashboards
    // (they are kept now, with no write after them).
    let mut sec_b = w.t.login("sec_b").await;
    let mut root = w.t.login("root").await;
    let mut province_targets = 0;
    for (client, unit) in [(&mut sec_b, w.b), (&mut root, w.province)] {
        let r = client
            .json(
                Method::GET,
                &format!("/api/v1/units/{unit}/dashboard"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        province_targets = r.json()["rollup"]["targets"].as_i64().unwrap();
    }
    // The world has a target in A and one in B.
    assert_eq!(province_targets, 2);
    // A's secretary is refused both, through the API and the page.
    let mut sec_a = w.t.login("sec_a").await;
    for unit in [w.b, w.province] {
        let r = sec_a
            .json(
                Method::GET,
                &format!("/api/v1/units/{unit}/dashboard"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "API dashboard of {unit}");
        let r = sec_a.get(&format!("/units/{unit}/dashboard")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "page dashboard of {unit}");
    }
    // A's own dashboard shows A alone, not the province's kept figures.
    let r = sec_a
        .json(
            Method::GET,
            &format!("/api/v1/units/{}/dashboard", w.a),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["unit_id"], w.a);
    assert_eq!(r.json()["rollup"]["targets"], 1, "{}", r.body);
}

/// Administrators list and revoke the API tokens of the accounts they
/// administer, through the API and the account page; not those of an
/// account holding a role above theirs, nor of accounts outside their
/// scope. The scheme of `Authorization` is read in any letter case.
#[tokio::test]
async fn administrators_revoke_the_tokens_of_accounts_they_administer() {
    let w = world().await;
    let sec_a = w.t.account_id("sec_a").await;
    let grant = |role: Role, unit| grassroots_core::Assignment {
        role,
        unit_id: unit,
        scope: ScopeKind::Subtree,
    };
    let (secret, first) = grassroots_app::tokens::create(
        &w.t.app,
        &w.t.cli(),
        sec_a,
        "sync",
        grant(Role::Secretary, w.a),
        None,
    )
    .await
    .unwrap();
    // The scheme is case-insensitive.
    let r =
        w.t.client()
            .send(
                Method::GET,
                "/api/v1/me",
                None,
                vec![],
                &[("authorization", format!("bearer {secret}"))],
            )
            .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["account"]["username"], "sec_a");

    let mut admin = w.t.login("admin_a").await;
    let r = admin
        .json(
            Method::GET,
            &format!("/api/v1/accounts/{sec_a}/tokens"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()[0]["id"], first.id);
    let r = admin
        .json(
            Method::DELETE,
            &format!("/api/v1/accounts/{sec_a}/tokens/{}", first.id),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = admin
        .json(
            Method::DELETE,
            &format!("/api/v1/accounts/{sec_a}/tokens/{}", first.id),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r =
        w.t.with_token(&secret)
            .json(Method::GET, "/api/v1/me", None)
            .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "a revoked token stops working"
    );
    assert_eq!(
        w.t.audit_rows(Some("token.revoke")).await[0].actor,
        "admin_a",
        "the revocation is in the audit log under the administrator's name"
    );
    // Through the account page.
    let (_, second) = grassroots_app::tokens::create(
        &w.t.app,
        &w.t.cli(),
        sec_a,
        "backup",
        grant(Role::Secretary, w.a),
        None,
    )
    .await
    .unwrap();
    let page = admin.get(&format!("/admin/accounts/{sec_a}")).await;
    assert!(
        page.body
            .contains(&format!("id=\"revoke-token-{}\"", second.id)),
        "{}",
        page.body
    );
    let r = admin
        .post_form(
            &format!("/admin/accounts/{sec_a}/tokens/{}/revoke", second.id),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let tokens = grassroots_app::tokens::list(&w.t.app, &w.t.cli(), sec_a)
        .await
        .unwrap();
    assert!(tokens.iter().all(|t| t.revoked_at.is_some()));
    // An account at home in A holding a role above A: its tokens are seen,
    // not revoked, by A's administrator.
    let regional =
        w.t.user("regional", Some(Role::Secretary), w.a, ScopeKind::Subtree)
            .await;
    grassroots_app::roles::assign(
        &w.t.app,
        &w.t.cli(),
        regional,
        grant(Role::Viewer, w.province),
    )
    .await
    .unwrap();
    let (_, high) = grassroots_app::tokens::create(
        &w.t.app,
        &w.t.cli(),
        regional,
        "province",
        grant(Role::Viewer, w.province),
        None,
    )
    .await
    .unwrap();
    let r = admin
        .json(
            Method::DELETE,
            &format!("/api/v1/accounts/{regional}/tokens/{}", high.id),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = admin
        .post_form(
            &format!("/admin/accounts/{regional}/tokens/{}/revoke", high.id),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // A secretary (no administrator) reaches no one else's tokens.
    let mut sec = w.t.login("sec_a").await;
    let r = sec
        .json(
            Method::GET,
            &format!("/api/v1/accounts/{regional}/tokens"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}
