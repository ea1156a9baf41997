//! The demo's growth: the factory runs a learning room; the centre (at
//! national scale the anchor province) assigns the workplace safety rules
//! (the anchor primary committee adapts them for its cells, and half of the
//! anchor cell has passed the quiz; the member has not yet), and a
//! quarterly reading of the bulletin to every cell; a primary committee of
//! the anchor province is designated a model unit and writes up its
//! experience in the categories where the anchor cell lags, so the cell's
//! page suggests it; the anchor primary committee writes up how its cells
//! study, and two units apply it.

use grassroots_core::UnitId;
use grassroots_store::study::{self as study_store, Done};

use super::tr;
use crate::commendations::ModelInput;
use crate::experiences::{ApplyInput, ExperienceInput};
use crate::study::AssignmentInput;
use crate::{Actor, App, AppResult};

/// Where the demo's growth happens.
pub(crate) struct Places<'a> {
    /// The unit that assigns the study to everyone below it: the root,
    /// or at national scale the anchor province (enrolling a whole
    /// country twice would add some 13 million rows and many minutes to
    /// the demo's build; the study benchmark measures that enrolment).
    pub assigner: UnitId,
    /// The anchor province.
    pub province: UnitId,
    /// The anchor primary committee.
    pub primary: UnitId,
    /// The anchor cell and its people (the member among them).
    pub cell: UnitId,
    /// The member, whose task is left to do.
    pub member: i64,
    /// The anchor cell's people.
    pub cell_people: &'a [i64],
    /// Every primary committee.
    pub primaries: &'a [UnitId],
}

/// The centre's quiz on the safety rules.
const CENTRE_QUIZ: &str = "What is done before a machine is started?\n- Nothing\n* The guards and the emergency stop are checked\n- The output is counted\nWho may stop a machine that is unsafe?\n- Only the shop manager\n* Anyone who sees the danger\n";
/// [`CENTRE_QUIZ`] in Korean, with the same right answers.
const CENTRE_QUIZ_KO: &str = "기계를 가동하기 전에 무엇을 하는가?\n- 아무것도 하지 않는다\n* 보호덮개와 비상정지장치를 점검한다\n- 생산량을 센다\n위험한 기계는 누가 세울 수 있는가?\n- 직장장만\n* 위험을 발견한 사람 누구나\n";

/// The anchor primary committee's own quiz for its cells (the browser
/// test answers it: the second option, then the first).
pub(crate) const ADAPTED_QUIZ: &str = "Where is the emergency stop of a lathe in our shops?\n- Behind the machine\n* On the front panel, within reach\nWhat is worn at the lathe?\n* Safety glasses and tight sleeves\n- Gloves and a scarf\n";
/// [`ADAPTED_QUIZ`] in Korean, with the same right answers.
pub(crate) const ADAPTED_QUIZ_KO: &str = "우리 직장에서 선반의 비상정지단추는 어디에 있는가?\n- 기계 뒤쪽\n* 손이 닿는 앞면 조종판\n선반 앞에서는 무엇을 착용하는가?\n* 보안경, 그리고 몸에 붙는 소매\n- 장갑과 목수건\n";

/// The material of the centre's safety rules.
const RULES: &str = "# Why the rules\nEvery injury at work is a loss to a family and to the plan.\n\n# Before work\nCheck the guards, the emergency stop and your protective equipment.\n\n# When something is unsafe\nAnyone may stop a machine that is unsafe, and reports it to the shop's safety officer.";
const RULES_KO: &str = "# 왜 규칙을 지켜야 하는가\n작업 중에 입는 부상 하나하나가 가정과 계획에 손실이 된다.\n\n# 작업 전에\n보호덮개와 비상정지장치, 자기 보호구를 점검한다.\n\n# 위험한 것이 있을 때\n위험한 기계는 누구나 세울 수 있으며, 그 사실을 직장 안전원에게 보고한다.";

/// The material of the rules as the anchor primary committee adapted them.
const ADAPTED_RULES: &str = "# Our lathes\nThe emergency stop is on the front panel of every lathe, within reach.\n\n# What we wear\nSafety glasses and tight sleeves; never gloves or a scarf at a turning machine.";
const ADAPTED_RULES_KO: &str = "# 우리 선반\n모든 선반의 비상정지단추는 손이 닿는 앞면 조종판에 있다.\n\n# 무엇을 착용하는가\n보안경을 쓰고 소매를 몸에 붙게 여민다. 돌아가는 기계 앞에서는 절대로 장갑을 끼거나 목수건을 두르지 않는다.";

/// The model unit's experience, in each category where the anchor cell
/// lags.
const WEEKLY_REVIEW: &str = "## What we changed\nEach cell meets for ten minutes at the start of the week, reads its targets against the week's plan, and names one person for each task that slipped.\n\n## What came of it\nThe slipping tasks are seen in days, not at the month's end, and the shops help each other before a target is lost.";
const WEEKLY_REVIEW_KO: &str = "## 무엇을 바꾸었는가\n매 세포는 주초에 10분 동안 모여 주간 계획에 비추어 자기 지표를 따져보고, 뒤떨어진 과업마다 책임질 사람을 한 명씩 정한다.\n\n## 무엇이 달라졌는가\n뒤떨어지는 과업이 월말이 아니라 며칠 안에 드러나며, 지표를 놓치기 전에 직장들이 서로 돕는다.";

/// Writes the demo's study and experience; returns how many records.
pub(crate) async fn build(app: &App, actor: &Actor, at: &Places<'_>) -> AppResult<usize> {
    let today = app.clock.today();
    let mut made = 0;
    let rules = crate::study::assign(
        app,
        actor,
        at.assigner,
        AssignmentInput {
            title: tr("The workplace safety rules", "작업장 안전규칙").into(),
            material: tr(RULES, RULES_KO).into(),
            quiz: tr(CENTRE_QUIZ, CENTRE_QUIZ_KO).into(),
            pass_mark: Some(100),
            completion: "quiz".into(),
            due_on: (today + chrono::Duration::days(30)).to_string(),
            ..Default::default()
        },
    )
    .await?;
    let adapted = crate::study::adapt(
        app,
        actor,
        rules.id,
        at.primary,
        AssignmentInput {
            title: tr(
                "Safety rules in our machine shops",
                "우리 기계직장의 안전규칙",
            )
            .into(),
            material: tr(ADAPTED_RULES, ADAPTED_RULES_KO).into(),
            quiz: tr(ADAPTED_QUIZ, ADAPTED_QUIZ_KO).into(),
            pass_mark: Some(100),
            completion: "quiz".into(),
            due_on: (today + chrono::Duration::days(21)).to_string(),
            ..Default::default()
        },
    )
    .await?;
    crate::study::assign(
        app,
        actor,
        at.assigner,
        AssignmentInput {
            title: tr("Reading the bulletin together", "회보 함께 읽기").into(),
            material: tr(
                "Each quarter, every cell reads the latest bulletin at its meeting and discusses what it asks of the cell.",
                "매 분기 모든 세포는 회의에서 최근 회보를 함께 읽고, 회보가 세포에 요구하는 것이 무엇인가를 토의한다.",
            )
            .into(),
            completion: "self".into(),
            levels: vec!["cell".into()],
            recurrence: "quarter".into(),
            due_on: (today + chrono::Duration::days(365)).to_string(),
            ..Default::default()
        },
    )
    .await?;
    made += 3;
    // Everyone is enrolled before the demo is served (the job would do
    // the same in the background), and half of the anchor cell has
    // passed.
    crate::study::enrol(app, usize::MAX).await?;
    let today_s = today.to_string();
    let period = "once";
    let mut tx = app.db.begin().await?;
    for person in at
        .cell_people
        .iter()
        .filter(|p| **p != at.member)
        .step_by(2)
    {
        if let Some(enrolment) = study_store::enrolment(&mut tx, rules.id, *person).await? {
            study_store::record(
                &mut tx,
                &Done {
                    enrolment: &enrolment,
                    version_id: adapted.id,
                    period,
                    state: "completed",
                    how: "quiz",
                    score: Some(100),
                    on: &today_s,
                    confirmed_by: None,
                },
            )
            .await?;
            made += 1;
        }
    }
    tx.commit().await?;

    // The factory's learning room: last week's session was attended by 18,
    // next week's is planned.
    let room = crate::study::centres::create(
        app,
        actor,
        at.primary,
        &crate::study::centres::CentreInput {
            name: tr("Sci-tech learning room", "과학기술보급실").into(),
            place: tr("Club house, second floor", "회관 2층").into(),
            schedule: tr("Tuesdays 18:00", "매주 화요일 18:00").into(),
        },
    )
    .await?;
    for (days, topic, attended) in [
        (
            -7,
            tr("Programming the CNC lathe", "CNC선반 프로그람 작성"),
            Some(18),
        ),
        (7, tr("Reading machine drawings", "기계도면 보는 법"), None),
    ] {
        let session = crate::study::centres::plan(
            app,
            actor,
            room.id,
            &crate::study::centres::SessionInput {
                held_on: (today + chrono::Duration::days(days)).to_string(),
                starts_at: "18:00".into(),
                topic: topic.into(),
            },
        )
        .await?;
        if let Some(n) = attended {
            crate::study::centres::record_attendance(app, actor, session.id, n).await?;
        }
        made += 1;
    }

    // A model unit of the province, and its experience where the anchor
    // cell lags.
    let model = {
        let mut c = app.db.conn().await?;
        let mut found = None;
        for p in at.primaries {
            if *p != at.primary
                && grassroots_store::tree::is_within(&mut c, at.province, *p).await?
            {
                found = Some(*p);
                break;
            }
        }
        found
    };
    let Some(model) = model else {
        return Ok(made);
    };
    crate::commendations::designate(
        app,
        actor,
        at.province,
        ModelInput {
            unit_id: model,
            reason: tr(
                "Fulfilled the year's plan in every category ahead of time",
                "모든 부문에서 한해 계획을 앞당겨 완수하였다.",
            )
            .into(),
            ..Default::default()
        },
    )
    .await?;
    let lagging =
        grassroots_store::experiences::lagging_targets(&mut app.db.conn().await?, at.cell).await?;
    let mut categories: Vec<String> = lagging.into_iter().map(|t| t.category).collect();
    categories.extend(["economic".to_string(), "organizational".to_string()]);
    let mut seen = std::collections::HashSet::new();
    for category in categories.into_iter().filter(|c| seen.insert(c.clone())) {
        let title = if super::in_korean() {
            let name = match category.as_str() {
                "economic" => "경제",
                "science_technology" => "과학기술",
                "welfare" => "생활 보장",
                "safety" => "안전",
                "organizational" => "조직",
                "other" => "기타",
                other => other,
            };
            format!("우리 세포들이 {name} 부문 지표를 어김없이 수행하는 방법")
        } else {
            format!(
                "How our cells keep the {} targets on track",
                category.replace('_', " ")
            )
        };
        crate::experiences::write(
            app,
            actor,
            model,
            ExperienceInput {
                title,
                body: tr(WEEKLY_REVIEW, WEEKLY_REVIEW_KO).into(),
                category: Some(category),
                tags: tr("weekly review, cells, planning", "주간 검토, 세포, 계획").into(),
                ..Default::default()
            },
        )
        .await?;
        made += 1;
    }
    let study_experience = crate::experiences::write(
        app,
        actor,
        at.primary,
        ExperienceInput {
            title: tr(
                "Studying the safety rules shop by shop",
                "직장별 안전규칙 학습",
            )
            .into(),
            body: tr(
                "The centre's rules were rewritten for our own lathes, with a short quiz on them; cell secretaries see who has passed and help those who have not.",
                "중앙의 규칙을 우리 선반에 맞게 다시 쓰고 짧은 시험을 붙였다. 세포비서들은 누가 합격하였는지 보고 아직 합격하지 못한 성원들을 도와준다.",
            )
            .into(),
            category: Some("organizational".into()),
            tags: tr("study, safety", "학습, 안전").into(),
            ..Default::default()
        },
    )
    .await?;
    made += 1;
    for unit in [model, at.province] {
        crate::experiences::apply(
            app,
            actor,
            study_experience.id,
            &ApplyInput {
                unit_id: unit,
                note: tr(
                    "Adapted the rules for our own workshops",
                    "우리 직장들에 맞게 규칙을 고쳐 썼다.",
                )
                .into(),
            },
        )
        .await?;
        made += 1;
    }
    Ok(made)
}
