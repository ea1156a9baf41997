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
