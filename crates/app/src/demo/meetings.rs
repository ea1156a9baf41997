//! The demo's organizational life: the conference of secretaries of
//! primary committees convened by the centre (agenda, speakers, a
//! concluding speech with its title, a closing address, citations, and the
//! bulletin published afterwards), regular cell and committee meetings of
//! a sample of units (some now overdue), an open cell meeting ready to be
//! run, the cadences every unit is held to, and dates in the Juche era.
//! Everything goes through the services, as a secretary's clicks would.

use chrono::{Duration, NaiveDate};
use grassroots_core::UnitId;

use super::tr;
use crate::bulletins::{self, ComposeWords};
use crate::commendations::{self, CommendationInput};
use crate::meetings::{
    self, AgendaInput, AttendanceMark, CadenceInput, InviteInput, MeetingInput, SpeechInput,
};
use crate::{Actor, App, AppResult};

/// The conference's first and last day.
const CONFERENCE: (&str, &str) = ("2022-02-27", "2022-02-28");

/// What each secretary's contribution says after its title.
const CONTRIBUTION: &str = "What the committee did, what it learned, and what it will do next year.\n\n- Meetings held on schedule, with every member taking part.\n- Problems raised by the cells answered within the week.";
const CONTRIBUTION_KO: &str = "위원회가 한 일과 그 속에서 얻은 교훈, 래년에 할 일에 대하여 말씀드리겠습니다.\n\n- 모든 성원이 빠짐없이 참가한 가운데 회의를 정해진 날짜에 진행하였습니다.\n- 세포들이 제기한 문제는 한 주일 안에 풀어주었습니다.";

/// The concluding speech of the conference.
const CONCLUDING: &str = "## The tasks ahead\n\nThe secretary of a primary committee lives among the members, knows each of them, and leads by example.\n\n1. Hold the organizational life of every cell regularly.\n2. Solve the difficulties of the members in time.\n3. Report bottlenecks upward instead of hiding them.";
const CONCLUDING_KO: &str = "## 앞으로의 과업\n\n초급당위원회 비서는 성원들 속에 들어가 함께 생활하며 그들 한사람한사람을 잘 알고 모든 일에서 모범이 되여야 합니다.\n\n1. 모든 세포의 조직생활을 정상적으로 진행하여야 합니다.\n2. 성원들의 어려운 문제를 제때에 풀어주어야 합니다.\n3. 애로를 감추지 말고 웃단위에 제때에 보고하여야 합니다.";

/// The minutes of the conference.
const CONFERENCE_MINUTES: &str = "The conference heard the report and the contributions of the secretaries, adopted the concluding speech as the guide of the primary committees' work, and conferred citations on secretaries whose committees set an example.";
const CONFERENCE_MINUTES_KO: &str = "협의회는 보고와 비서들의 토론을 청취하고 결론을 초급당위원회 사업의 지침으로 채택하였으며, 모범을 보인 위원회의 비서들에게 표창장을 수여하였다.";

/// Cells that hold their regular meetings in the demo, and the people of
/// each.
pub(crate) struct SampleCell {
    pub(crate) cell: UnitId,
    pub(crate) people: Vec<i64>,
}

/// Where the demo's meetings happen.
pub(crate) struct Venues<'a> {
    /// The centre.
    pub(crate) root: UnitId,
    /// The centre's head, who gives the concluding speech and the closing
    /// address.
    pub(crate) head: i64,
    /// Primary committees, in order (those addressed by the bulletin).
    pub(crate) primaries: &'a [UnitId],
    /// The primary committee of the demo's secretary login (it does not
    /// acknowledge the bulletin yet, so that the login can).
    pub(crate) anchor_primary: UnitId,
    /// The cell of the demo's cell login, with an open meeting to run.
    pub(crate) anchor_cell: &'a SampleCell,
    /// Other cells with a record of regular meetings.
    pub(crate) cells: &'a [SampleCell],
}

fn day(today: NaiveDate, days_ago: i64) -> String {
    (today - Duration::days(days_ago)).to_string()
}

/// Writes the demo's meetings; returns how many.
pub(crate) async fn build(app: &App, actor: &Actor, v: &Venues<'_>) -> AppResult<usize> {
    meetings::set_era(app, actor, "juche").await?;
    let mut made = conference(app, actor, v).await?;
    let today = app.clock.now().date_naive();
    // Cell meetings every few weeks; the later in the sample, the longer
    // ago the last one, so a share of the cells is overdue.
    for (i, cell) in v.cells.iter().chain([v.anchor_cell]).enumerate() {
        let days_ago = 3 + (i as i64 * 7) % 58;
        held_meeting(app, actor, cell, "cell_meeting", &day(today, days_ago), i).await?;
        made += 1;
    }
    open_cell_meeting(app, actor, v.anchor_cell, &day(today, 0)).await?;
    made += 1;
    for (cadence_type, level, every_days) in [
        ("cell_meeting", "cell", 31),
        ("committee_meeting", "primary_committee", 31),
        ("general_meeting", "primary_committee", 92),
    ] {
        meetings::set_cadence(
            app,
            actor,
            CadenceInput {
                meeting_type: cadence_type.into(),
                level: level.into(),
                every_days: Some(every_days),
            },
        )
        .await?;
    }
    Ok(made)
}

/// The conference of secretaries of primary committees.
async fn conference(app: &App, actor: &Actor, v: &Venues<'_>) -> AppResult<usize> {
    let m = meetings::convene(
        app,
        actor,
        v.root,
        MeetingInput {
            meeting_type: "conference".into(),
            title: tr(
                "Conference of Secretaries of Primary Committees",
                "초급당위원회 비서 협의회",
            )
            .into(),
            held_on: CONFERENCE.0.into(),
            ends_on: CONFERENCE.1.into(),
            starts_at: "09:00".into(),
            location: tr("Pyongyang", "평양").into(),
            quorum_percent: Some(50),
        },
    )
    .await?;
    meetings::invite(
        app,
        actor,
        m.id,
        InviteInput {
            by: "position".into(),
            position_type: "secretary".into(),
            levels: vec!["primary_committee".into()],
            ..Default::default()
        },
    )
    .await?;
    meetings::invite(
        app,
        actor,
        m.id,
        InviteInput {
            by: "person".into(),
            person_ids: vec![v.head],
            ..Default::default()
        },
    )
    .await?;
    let participants = {
        let mut c = app.db.conn().await?;
        grassroots_store::meetings::participants(&mut c, m.id, None).await?
    };
    let secretaries: Vec<i64> = participants
        .iter()
        .map(|p| p.person_id)
        .filter(|p| *p != v.head)
        .collect();
    let marks = participants
        .iter()
        .enumerate()
        .map(|(i, p)| AttendanceMark {
            person_id: p.person_id,
            attendance: Some(if i % 23 == 22 { "excused" } else { "present" }.into()),
        })
        .collect();
    meetings::mark_attendance(app, actor, m.id, marks).await?;

    let report = meetings::add_item(
        app,
        actor,
        m.id,
        AgendaInput {
            title: tr(
                "On strengthening the primary committees and the role of their secretaries",
                "초급당위원회를 강화하고 비서들의 역할을 높일 데 대하여",
            )
            .into(),
            duration_min: Some(480),
            presenter_id: Some(v.head),
        },
    )
    .await?;
    let closing = meetings::add_item(
        app,
        actor,
        m.id,
        AgendaInput {
            title: tr("Closing of the conference", "협의회 폐회").into(),
            duration_min: Some(30),
            presenter_id: Some(v.head),
        },
    )
    .await?;
    let mut speeches = Vec::new();
    let topics = [
        tr(
            "How our committee came to know every member's family and work",
            "우리 위원회가 모든 성원의 가정과 일을 속속들이 알게 된 경험",
        ),
        tr(
            "Bringing the scientists' proposals into production within the year",
            "과학자들의 제안을 그해 안으로 생산에 도입하는 사업",
        ),
        tr(
            "Keeping the mine's shifts safe while raising output",
            "생산을 늘리면서 탄광의 교대작업을 안전하게 보장하는 사업",
        ),
        tr(
            "Training new cell secretaries on the job",
            "새 세포비서들을 실무 속에서 키우는 사업",
        ),
    ];
    for (person, topic) in secretaries.iter().zip(topics) {
        speeches.push(
            meetings::request_speech(
                app,
                actor,
                report,
                SpeechInput {
                    person_id: *person,
                    kind: "contribution".into(),
                    title: topic.into(),
                    body: format!("## {topic}\n\n{}", tr(CONTRIBUTION, CONTRIBUTION_KO)),
                    given: true,
                },
            )
            .await?,
        );
    }
    speeches.push(
        meetings::request_speech(
            app,
            actor,
            report,
            SpeechInput {
                person_id: v.head,
                kind: "concluding_speech".into(),
                title: tr(
                    "Secretaries of Primary Party Committees Should Become Genuine Political Workers of the Motherly Party",
                    "초급당비서들은 어머니당의 참된 정치일군이 되여야 한다",
                )
                .into(),
                body: tr(CONCLUDING, CONCLUDING_KO).into(),
                given: true,
            },
        )
        .await?,
    );
    speeches.push(
        meetings::request_speech(
            app,
            actor,
            closing,
            SpeechInput {
                person_id: v.head,
                kind: "closing_address".into(),
                title: String::new(),
                body: tr(
                    "The conference has finished its work. Take its conclusions back to every cell.",
                    "협의회는 자기의 사업을 끝마쳤습니다. 협의회의 결론을 모든 세포에 가지고 돌아가 철저히 관철합시다.",
                )
                .into(),
                given: true,
            },
        )
        .await?,
    );
    // A conference of 2022 recorded now: its speeches are given, without
    // the times of a live list of speakers (none were taken).
    meetings::set_minutes(
        app,
        actor,
        m.id,
        tr(CONFERENCE_MINUTES, CONFERENCE_MINUTES_KO),
    )
    .await?;
    let cited: Vec<i64> = secretaries.iter().copied().take(50).collect();
    commendations::confer(
        app,
        actor,
        v.root,
        CommendationInput {
            person_ids: cited,
            kind: "citation".into(),
            title: tr("Citation of the Central Committee", "중앙위원회 표창장").into(),
            reason: tr(
                "For exemplary leadership of the primary committee",
                "초급당위원회 사업을 모범적으로 이끈 공로로",
            )
            .into(),
            conferred_on: CONFERENCE.1.into(),
            meeting_id: Some(m.id),
        },
    )
    .await?;
    meetings::close(app, actor, m.id).await?;

    // The bulletin, composed from the record and sent to every primary
    // committee; a share (at most 300) has acknowledged receipt.
    let record = meetings::view(app, actor, m.id).await?;
    let dates =
        grassroots_core::calendar::span_token(&record.meeting.held_on, &record.meeting.ends_on);
    let words = ComposeWords {
        speeches: tr("Speeches", "토론").into(),
        concluding_speech: tr("Concluding speech", "결론").into(),
        closing_address: tr("Closing address", "폐회사").into(),
        commendations: tr("Commendations", "표창").into(),
        summary: if super::in_korean() {
            format!("중앙위원회에서 소집한 협의회가 {dates}에 진행되었습니다.")
        } else {
            format!("Conference convened by the Central Committee, {dates}.")
        },
        attendance: {
            let a = record.attendance;
            (a.marked() > 0).then(|| {
                if super::in_korean() {
                    format!(
                        "참가 대상 {}명 가운데 {}명이 참석하였습니다.",
                        a.invited, a.present
                    )
                } else {
                    format!("{} of {} participants were present.", a.present, a.invited)
                }
            })
        },
        not_given: tr(
            "Also on the list of speakers, not recorded as having spoken:",
            "다음 사람들은 토론자 명단에 있었으나 토론한 것으로 기록되지 않았습니다:",
        )
        .into(),
    };
    let bulletin = bulletins::compose(app, actor, m.id, &words).await?;
    bulletins::publish(app, actor, bulletin.id, &["primary_committee".to_string()]).await?;
    for unit in v
        .primaries
        .iter()
        .filter(|u| **u != v.anchor_primary)
        .step_by(3)
        .take(300)
    {
        bulletins::acknowledge(app, actor, bulletin.id, *unit).await?;
    }
    Ok(1)
}

/// Convenes a meeting of `cell` at six in the evening with the usual
/// quorum, and invites the cell's people.
async fn convene_cell(
    app: &App,
    actor: &Actor,
    cell: &SampleCell,
    input: MeetingInput,
) -> AppResult<grassroots_store::meetings::Meeting> {
    let m = meetings::convene(
        app,
        actor,
        cell.cell,
        MeetingInput {
            starts_at: "18:00".into(),
            quorum_percent: Some(50),
            ..input
        },
    )
    .await?;
    meetings::invite(
        app,
        actor,
        m.id,
        InviteInput {
            by: "unit".into(),
            unit_id: Some(cell.cell),
            ..Default::default()
        },
    )
    .await?;
    Ok(m)
}

/// A closed regular meeting of `cell` on `held_on`, most present.
async fn held_meeting(
    app: &App,
    actor: &Actor,
    cell: &SampleCell,
    meeting_type: &str,
    held_on: &str,
    seed: usize,
) -> AppResult<()> {
    let m = convene_cell(
        app,
        actor,
        cell,
        MeetingInput {
            meeting_type: meeting_type.into(),
            title: tr("Regular cell meeting", "정기 세포총회").into(),
            held_on: held_on.into(),
            ..Default::default()
        },
    )
    .await?;
    let participants = {
        let mut c = app.db.conn().await?;
        grassroots_store::meetings::participants(&mut c, m.id, None).await?
    };
    let marks = participants
        .iter()
        .enumerate()
        .map(|(i, p)| AttendanceMark {
            person_id: p.person_id,
            attendance: Some(
                match (i + seed) % 11 {
                    0 => "excused",
                    5 => "absent",
                    _ => "present",
                }
                .into(),
            ),
        })
        .collect();
    meetings::mark_attendance(app, actor, m.id, marks).await?;
    meetings::add_item(
        app,
        actor,
        m.id,
        AgendaInput {
            title: tr(
                "Review of the cell's targets for the month",
                "세포의 이달 지표 수행 정형 검토",
            )
            .into(),
            duration_min: Some(40),
            presenter_id: cell.people.first().copied(),
        },
    )
    .await?;
    meetings::set_minutes(
        app,
        actor,
        m.id,
        tr(
            "The cell reviewed its targets, heard each member's report and agreed who helps whom next month.",
            "세포는 지표 수행 정형을 검토하고 매 성원의 보고를 들었으며, 다음 달에 누가 누구를 도와줄 것인가를 합의하였다.",
        ),
    )
    .await?;
    meetings::close(app, actor, m.id).await?;
    Ok(())
}

/// Today's meeting of the cell login's cell: invited, with an agenda and
/// speakers waiting, ready to be run from a phone.
async fn open_cell_meeting(
    app: &App,
    actor: &Actor,
    cell: &SampleCell,
    today: &str,
) -> AppResult<()> {
    let m = convene_cell(
        app,
        actor,
        cell,
        MeetingInput {
            meeting_type: "cell_meeting".into(),
            title: tr(
                "Cell meeting on the conference's conclusions",
                "협의회 결론 관철을 위한 세포총회",
            )
            .into(),
            held_on: today.into(),
            location: tr("Workshop rest room", "직장 휴게실").into(),
            ..Default::default()
        },
    )
    .await?;
    let study = meetings::add_item(
        app,
        actor,
        m.id,
        AgendaInput {
            title: tr(
                "Studying the conclusions of the conference",
                "협의회 결론 학습",
            )
            .into(),
            duration_min: Some(45),
            presenter_id: cell.people.first().copied(),
        },
    )
    .await?;
    meetings::add_item(
        app,
        actor,
        m.id,
        AgendaInput {
            title: tr("Tasks of each member for the month", "이달 매 성원의 과업").into(),
            duration_min: Some(30),
            presenter_id: None,
        },
    )
    .await?;
    for person in cell.people.iter().take(3) {
        meetings::request_speech(
            app,
            actor,
            study,
            SpeechInput {
                person_id: *person,
                kind: "contribution".into(),
                ..Default::default()
            },
        )
        .await?;
    }
    Ok(())
}
