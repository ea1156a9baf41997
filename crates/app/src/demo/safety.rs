//! The demo's safety: hazards in the factory's workshops and in a coal
//! mine's pits (with controls, one high residual risk with its action),
//! a near miss investigated, an action gone late and escalated to the
//! factory, a completed workplace inspection with a flagged answer and its
//! action, and a cell's self-assessment.

use chrono::Days;
use grassroots_core::{Edit, UnitId};
use grassroots_store::plans::ymd;
use grassroots_store::safety::{self as store, NewAction};

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
        .find(|(_, n)| n.contains("Coal Mine"))
        .map(|(id, _)| *id);
    let mut hazards: Vec<(UnitId, HazardInput)> = vec![
        (
            factory,
            HazardInput {
                title: "Unguarded lathe chucks".into(),
                description: "Loose sleeves can be caught by a spinning chuck.".into(),
                location: "Workshop 1".into(),
                inherent_likelihood: 4,
                inherent_severity: 4,
                residual_likelihood: 2,
                residual_severity: 3,
                owner_person_id: None,
                review_on: Some(in_days(90)),
                controls: vec![
                    control("engineering", "Interlocked chuck guards"),
                    control("administrative", "Close-fitting overalls, sleeves buttoned"),
                ],
                action: None,
            },
        ),
        (
            factory,
            HazardInput {
                title: "Oil mist in the grinding shop".into(),
                description: "Coolant mist hangs over the grinders on long shifts.".into(),
                location: "Workshop 2".into(),
                inherent_likelihood: 4,
                inherent_severity: 4,
                residual_likelihood: 3,
                residual_severity: 4,
                owner_person_id: None,
                review_on: Some(in_days(30)),
                controls: vec![control(
                    "protective_equipment",
                    "Respirators at each grinder",
                )],
                action: Some(ActionSpec {
                    title: "Fit extraction hoods over the grinders".into(),
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
                title: "Methane build-up at the working face".into(),
                description: "Readings near the limit after blasting.".into(),
                location: "Pit 1".into(),
                inherent_likelihood: 4,
                inherent_severity: 5,
                residual_likelihood: 2,
                residual_severity: 5,
                owner_person_id: None,
                review_on: Some(in_days(14)),
                controls: vec![
                    control("engineering", "Methane drainage boreholes and ventilation"),
                    control("administrative", "Gas readings before re-entry"),
                    control(
                        "protective_equipment",
                        "Self-rescuers for everyone underground",
                    ),
                ],
                action: Some(ActionSpec {
                    title: "Second drainage borehole ahead of the face".into(),
                    due_on: in_days(30),
                    owner_person_id: None,
                }),
            },
        ));
        hazards.push((
            mine,
            HazardInput {
                title: "Roof falls in old roadways".into(),
                description: String::new(),
                location: "Pit 2".into(),
                inherent_likelihood: 3,
                inherent_severity: 5,
                residual_likelihood: 2,
                residual_severity: 4,
                owner_person_id: None,
                review_on: Some(in_days(60)),
                controls: vec![control("engineering", "Roof bolting every metre")],
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
            title: "A pallet slid off the top rack beside the aisle".into(),
            description: "Nobody was hurt; the aisle was busy a minute earlier.".into(),
        },
    )
    .await?;
    safety::incident_step(
        app,
        actor,
        near.id,
        &IncidentStep::Investigate {
            root_cause: "The top rack has no end stops and pallets are stacked unevenly".into(),
        },
    )
    .await?;
    safety::add_action(
        app,
        actor,
        cell,
        &safety::ActionInput {
            kind: Some("preventive".into()),
            title: "Fit end stops to every top rack".into(),
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
            title: "Replace the frayed crane hook sling",
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
                        _ => "Hold the technical study circle every week".into(),
                    },
                    note: if walkways {
                        "Scrap bins block exit 2".into()
                    } else {
                        String::new()
                    },
                    action_title: if walkways {
                        "Move the scrap bins away from exit 2".into()
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
const BULK_HAZARDS: &[BulkHazard] = &[
    ("Coal dust on the belt road", "Belt road", (4, 4), (2, 4)),
    ("Methane build-up at the face", "Coal face", (3, 5), (1, 5)),
    ("Conveyor pinch points", "Conveyor", (4, 3), (2, 3)),
    (
        "Worn insulation on the switchboard",
        "Substation",
        (3, 4),
        (2, 3),
    ),
    ("Oil on the workshop floor", "Machine shop", (4, 2), (2, 2)),
    (
        "Stacked sacks leaning in the store",
        "Store",
        (3, 3),
        (1, 3),
    ),
    (
        "Grinding without eye protection",
        "Machine shop",
        (4, 3),
        (1, 3),
    ),
    ("Scaffold boards not tied", "Building site", (3, 4), (2, 4)),
];

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
                _ => "Keep the study circle going",
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
    let mut made = 0;
    for chunk in units.chunks(20_000) {
        let mut hazards = Vec::with_capacity(chunk.len());
        let mut inspections = Vec::new();
        for (unit, level) in chunk {
            let n = *unit as usize;
            let (title, location, (il, is), (rl, rs)) = BULK_HAZARDS[n % BULK_HAZARDS.len()];
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
