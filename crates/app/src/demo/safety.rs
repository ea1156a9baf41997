//! The demo's safety: hazards in the factory's workshops and in a coal
//! mine's pits (with controls, one high residual risk with its action),
//! a near miss investigated, an action gone late and escalated to the
//! factory, a completed workplace inspection with a flagged answer and its
//! action, and a cell's self-assessment.

use chrono::Days;
use grassroots_core::{Edit, UnitId};
use grassroots_store::plans::ymd;
use grassroots_store::safety::{self as store, NewAction};

use super::tr;
use crate::safety::checklists::{self, AnswerInput, AnswersInput};
use crate::safety::{self, ActionSpec, ControlInput, HazardInput, IncidentInput, IncidentStep};
use crate::{Actor, App, AppResult};

/// Writes the demo's safety records; returns how many.
pub(crate) async fn build(
    app: &App,
    actor: &Actor,
    factory: UnitId,
    cell: UnitId,
    primaries: &[UnitId],
) -> AppResult<usize> {
    let today = app.clock.today();
    let in_days = |n: u64| ymd(today.checked_add_days(Days::new(n)).unwrap_or(today));
    let control = |level: &str, description: &str| ControlInput {
        level: level.into(),
        description: description.into(),
    };
    let names = grassroots_store::units::names(&mut app.db.conn().await?, primaries).await?;
    let mine = names
        .iter()
        .find(|(_, n)| n.contains("Coal Mine") || n.contains("탄광"))
        .map(|(id, _)| *id);
    let mut hazards: Vec<(UnitId, HazardInput)> = vec![
        (
            factory,
            HazardInput {
                title: tr("Unguarded lathe chucks", "보호덮개 없는 선반 척").into(),
                description: tr(
                    "Loose sleeves can be caught by a spinning chuck.",
                    "헐렁한 소매가 돌아가는 척에 감겨 들어갈 수 있다.",
                )
                .into(),
                location: tr("Workshop 1", "제1직장").into(),
                inherent_likelihood: 4,
                inherent_severity: 4,
                residual_likelihood: 2,
                residual_severity: 3,
                owner_person_id: None,
                review_on: Some(in_days(90)),
                controls: vec![
                    control(
                        "engineering",
                        tr("Interlocked chuck guards", "연동장치가 달린 척 보호덮개"),
                    ),
                    control(
                        "administrative",
                        tr(
                            "Close-fitting overalls, sleeves buttoned",
                            "몸에 맞는 작업복 착용, 소매 단추 채우기",
                        ),
                    ),
                ],
                action: None,
            },
        ),
        (
            factory,
            HazardInput {
                title: tr("Oil mist in the grinding shop", "연마직장의 기름 안개").into(),
                description: tr(
                    "Coolant mist hangs over the grinders on long shifts.",
                    "교대작업이 길어지면 연마기 주변에 랭각액 안개가 낀다.",
                )
                .into(),
                location: tr("Workshop 2", "제2직장").into(),
                inherent_likelihood: 4,
                inherent_severity: 4,
                residual_likelihood: 3,
                residual_severity: 4,
                owner_person_id: None,
                review_on: Some(in_days(30)),
                controls: vec![control(
                    "protective_equipment",
                    tr("Respirators at each grinder", "연마기마다 호흡보호구 비치"),
                )],
                action: Some(ActionSpec {
                    title: tr(
                        "Fit extraction hoods over the grinders",
                        "연마기에 국부배기장치 설치",
                    )
                    .into(),
                    due_on: in_days(20),
                    owner_person_id: None,
                }),
            },
        ),
    ];
    if let Some(mine) = mine {
        hazards.push((
            mine,
            HazardInput {
                title: tr(
                    "Methane build-up at the working face",
                    "막장의 메탄가스 축적",
                )
                .into(),
                description: tr(
                    "Readings near the limit after blasting.",
                    "발파 후 측정값이 한계치에 가깝다.",
                )
                .into(),
                location: tr("Pit 1", "1갱").into(),
                inherent_likelihood: 4,
                inherent_severity: 5,
                residual_likelihood: 2,
                residual_severity: 5,
                owner_person_id: None,
                review_on: Some(in_days(14)),
                controls: vec![
                    control(
                        "engineering",
                        tr(
                            "Methane drainage boreholes and ventilation",
                            "메탄가스 배출 시추공과 통풍",
                        ),
                    ),
                    control(
                        "administrative",
                        tr("Gas readings before re-entry", "재입갱 전 가스 측정"),
                    ),
                    control(
                        "protective_equipment",
                        tr(
                            "Self-rescuers for everyone underground",
                            "갱내 전원에게 자기구명기 지급",
                        ),
                    ),
                ],
                action: Some(ActionSpec {
                    title: tr(
                        "Second drainage borehole ahead of the face",
                        "막장 앞 두 번째 가스배출 시추공 굴착",
                    )
                    .into(),
                    due_on: in_days(30),
                    owner_person_id: None,
                }),
            },
        ));
        hazards.push((
            mine,
            HazardInput {
                title: tr("Roof falls in old roadways", "오래된 갱도의 천반 붕락").into(),
                description: String::new(),
                location: tr("Pit 2", "2갱").into(),
                inherent_likelihood: 3,
                inherent_severity: 5,
                residual_likelihood: 2,
                residual_severity: 4,
                owner_person_id: None,
                review_on: Some(in_days(60)),
                controls: vec![control(
                    "engineering",
                    tr("Roof bolting every metre", "1m 간격 천반 볼트 시공"),
                )],
                action: None,
            },
        ));
    }
    let mut made = 0;
    for (unit, h) in &hazards {
        safety::add_hazard(app, actor, *unit, h).await?;
        made += 1;
    }

    // A near miss in the member's workshop, investigated; its action open.
    let near = safety::report(
        app,
        actor,
        cell,
        &IncidentInput {
            kind: "near_miss".into(),
            severity: "medium".into(),
            occurred_on: ymd(today.checked_sub_days(Days::new(3)).unwrap_or(today)),
            title: tr(
                "A pallet slid off the top rack beside the aisle",
                "통로 옆 최상단 선반에서 미끄러져 떨어진 깔판",
            )
            .into(),
            description: tr(
                "Nobody was hurt; the aisle was busy a minute earlier.",
                "다친 사람은 없었다. 1분 전까지만 해도 통로에는 사람들이 붐비고 있었다.",
            )
            .into(),
        },
    )
    .await?;
    safety::incident_step(
        app,
        actor,
        near.id,
        &IncidentStep::Investigate {
            root_cause: tr(
                "The top rack has no end stops and pallets are stacked unevenly",
                "최상단 선반에 끝막이가 없고 깔판을 고르지 않게 쌓았다.",
            )
            .into(),
        },
    )
    .await?;
    safety::add_action(
        app,
        actor,
        cell,
        &safety::ActionInput {
            kind: Some("preventive".into()),
            title: tr(
                "Fit end stops to every top rack",
                "모든 최상단 선반에 끝막이 설치",
            )
            .into(),
            due_on: in_days(7),
            owner_person_id: None,
            hazard_id: None,
            incident_id: Some(near.id),
        },
    )
    .await?;
    made += 1;

    // An action that went past its day: the job escalates it to the factory.
    let mut tx = app.db.begin().await?;
    store::add_action(
        &mut tx,
        &actor.principal.scope::<Edit>(),
        &NewAction {
            unit_id: cell,
            kind: "corrective",
            title: tr(
                "Replace the frayed crane hook sling",
                "닳아 해진 기중기 줄걸이 교체",
            ),
            hazard_id: None,
            incident_id: None,
            owner_person_id: None,
            due_on: &ymd(today.checked_sub_days(Days::new(6)).unwrap_or(today)),
        },
        "demo",
        today.checked_sub_days(Days::new(20)).unwrap_or(today),
    )
    .await?;
    tx.commit().await?;
    safety::deadlines_due(app).await?;
    made += 1;

    // A workplace inspection with the walkways flagged, and the cell's
    // self-assessment.
    for template in [1, 2] {
        let started = checklists::start(app, actor, cell, template).await?;
        let answers = started
            .version
            .sections
            .iter()
            .flat_map(|s| s.questions.iter())
            .map(|q| {
                let walkways = q.text.starts_with("Walkways");
                AnswerInput {
                    question_id: q.id,
                    answer: match (q.response.as_str(), walkways) {
                        (_, true) => "no".into(),
                        ("yes_no", _) => "yes".into(),
                        ("scale", _) => "4".into(),
                        ("number", _) => "3".into(),
                        _ => tr(
                            "Hold the technical study circle every week",
                            "기술학습반을 매주 진행한다.",
                        )
                        .into(),
                    },
                    note: if walkways {
                        tr("Scrap bins block exit 2", "파철함이 2번 출구를 막고 있다.").into()
                    } else {
                        String::new()
                    },
                    action_title: if walkways {
                        tr(
                            "Move the scrap bins away from exit 2",
                            "2번 출구 앞의 파철함 이동",
                        )
                        .into()
                    } else {
                        String::new()
                    },
                    action_due_on: if walkways { in_days(2) } else { String::new() },
                }
            })
            .collect();
        checklists::answer(
            app,
            actor,
            started.inspection.id,
            &AnswersInput {
                answers,
                complete: true,
            },
        )
        .await?;
        made += 1;
    }
    Ok(made)
}

/// A hazard of the bulk load: title, location, inherent (likelihood,
/// severity), residual (likelihood, severity).
type BulkHazard = (&'static str, &'static str, (i64, i64), (i64, i64));

/// What a workshop, pit or cell's room may hold: (title, location,
/// inherent (likelihood, severity), residual (likelihood, severity)), all
/// reduced below high by their controls.
fn bulk_hazards() -> [BulkHazard; 8] {
    [
        (
            tr("Coal dust on the belt road", "벨트 운반갱도의 탄가루"),
            tr("Belt road", "벨트 운반갱도"),
            (4, 4),
            (2, 4),
        ),
        (
            tr("Methane build-up at the face", "막장의 메탄가스 축적"),
            tr("Coal face", "채탄 막장"),
            (3, 5),
            (1, 5),
        ),
        (
            tr("Conveyor pinch points", "콘베아의 끼임 위험 부위"),
            tr("Conveyor", "콘베아"),
            (4, 3),
            (2, 3),
        ),
        (
            tr(
                "Worn insulation on the switchboard",
                "배전반의 낡은 절연피복",
            ),
            tr("Substation", "변전소"),
            (3, 4),
            (2, 3),
        ),
        (
            tr("Oil on the workshop floor", "직장 바닥의 기름"),
            tr("Machine shop", "기계직장"),
            (4, 2),
            (2, 2),
        ),
        (
            tr(
                "Stacked sacks leaning in the store",
                "창고에 기울어지게 쌓인 마대",
            ),
            tr("Store", "창고"),
            (3, 3),
            (1, 3),
        ),
        (
            tr(
                "Grinding without eye protection",
                "보안경 없이 하는 연마작업",
            ),
            tr("Machine shop", "기계직장"),
            (4, 3),
            (1, 3),
        ),
        (
            tr("Scaffold boards not tied", "고정하지 않은 비계판"),
            tr("Building site", "건설장"),
            (3, 4),
            (2, 4),
        ),
    ]
}

/// One open hazard in every primary committee and cell but the demo's own
/// (about 300,000 at national scale), and completed inspections: a
/// workplace inspection in every primary committee and a self-assessment
/// in every other cell, spread over the last eighty days (about a million
/// answers at national scale). Returns how many records.
pub(crate) async fn bulk(app: &App, skip: &[UnitId]) -> AppResult<usize> {
    use grassroots_core::safety::{Question, judge, total};
    use grassroots_store::safety::load::{self, LoadHazard, LoadInspection};
    let today = app.clock.today();
    let matrix = safety::settings(app).await?.matrix();
    let units: Vec<(UnitId, String)> = {
        let mut tx = app.db.begin().await?;
        load::units_at(&mut tx, &["primary_committee", "cell"]).await?
    }
    .into_iter()
    .filter(|(id, _)| !skip.contains(id))
    .collect();
    // Every question answered well: yes, 4 of 5, a number, a line of text.
    let mut filled = Vec::new();
    let templates = checklists::templates(app).await?;
    for key in ["workplace_safety", "cell_self_assessment"] {
        let newest = templates
            .iter()
            .find(|t| t.key == key)
            .expect("a built-in template")
            .version_id;
        let v = checklists::version(app, newest).await?;
        let mut answers = Vec::new();
        let mut judged = Vec::new();
        for q in v.sections.iter().flat_map(|s| s.questions.iter()) {
            let answer = match q.response.as_str() {
                "yes_no" => "yes",
                "scale" => "4",
                "number" => "2",
                _ => tr("Keep the study circle going", "학습반을 계속 운영한다."),
            };
            let rule = Question {
                response: q.response.clone(),
                allow_na: q.allow_na,
                flag_on: q.flag_on.clone(),
                flag_at_most: q.flag_at_most,
            };
            judged.push(judge(&rule, answer).expect("a well-formed answer"));
            answers.push((q.id, answer));
        }
        filled.push((v.id, answers, total(&judged)));
    }
    let bulk_hazards = bulk_hazards();
    let mut made = 0;
    for chunk in units.chunks(20_000) {
        let mut hazards = Vec::with_capacity(chunk.len());
        let mut inspections = Vec::new();
        for (unit, level) in chunk {
            let n = *unit as usize;
            let (title, location, (il, is), (rl, rs)) = bulk_hazards[n % bulk_hazards.len()];
            let band = |l: i64, s: i64| matrix.rate(l, s).map(|(_, b)| b.as_str()).unwrap_or("low");
            hazards.push(LoadHazard {
                unit_id: *unit,
                title,
                location,
                inherent: (il, is, band(il, is)),
                residual: (rl, rs, band(rl, rs)),
                created_on: today - chrono::Duration::days((n % 200) as i64),
            });
            let which = match level.as_str() {
                "primary_committee" => Some(("inspection", &filled[0])),
                _ if n.is_multiple_of(2) => Some(("assessment", &filled[1])),
                _ => None,
            };
            if let Some((purpose, (version_id, answers, score))) = which {
                inspections.push(LoadInspection {
                    unit_id: *unit,
                    version_id: *version_id,
                    purpose,
                    completed_on: today - chrono::Duration::days((n % 80) as i64),
                    score: *score,
                    answers: answers.clone(),
                });
            }
        }
        let mut tx = app.db.begin().await?;
        made += load::hazards(&mut tx, &hazards, "demo").await?;
        made += load::inspections(&mut tx, &inspections, "demo", today).await?;
        tx.commit().await?;
    }
    Ok(made)
}

/// The demo's schedules: every primary committee inspects its workplaces
/// each month, every cell assesses its work each quarter.
pub(crate) async fn schedule(app: &App, actor: &Actor) -> AppResult<()> {
    for (level, template, every) in [("primary_committee", 1, "month"), ("cell", 2, "quarter")] {
        crate::safety::schedules::set(
            app,
            actor,
            &crate::safety::schedules::ScheduleInput {
                level: level.into(),
                template_id: template,
                every: every.into(),
            },
        )
        .await?;
    }
    Ok(())
}
