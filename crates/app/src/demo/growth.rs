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

/// The anchor primary committee's own quiz for its cells (the browser
/// test answers it: the second option, then the first).
pub(crate) const ADAPTED_QUIZ: &str = "Where is the emergency stop of a lathe in our shops?\n- Behind the machine\n* On the front panel, within reach\nWhat is worn at the lathe?\n* Safety glasses and tight sleeves\n- Gloves and a scarf\n";

/// Writes the demo's study and experience; returns how many records.
pub(crate) async fn build(app: &App, actor: &Actor, at: &Places<'_>) -> AppResult<usize> {
    let today = app.clock.today();
    let mut made = 0;
    let rules = crate::study::assign(
        app,
        actor,
        at.assigner,
        AssignmentInput {
            title: "The workplace safety rules".into(),
            material: "# Why the rules\nEvery injury at work is a loss to a family and to the plan.\n\n# Before work\nCheck the guards, the emergency stop and your protective equipment.\n\n# When something is unsafe\nAnyone may stop a machine that is unsafe, and reports it to the shop's safety officer.".into(),
            quiz: CENTRE_QUIZ.into(),
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
            title: "Safety rules in our machine shops".into(),
            material: "# Our lathes\nThe emergency stop is on the front panel of every lathe, within reach.\n\n# What we wear\nSafety glasses and tight sleeves; never gloves or a scarf at a turning machine.".into(),
            quiz: ADAPTED_QUIZ.into(),
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
            title: "Reading the bulletin together".into(),
            material: "Each quarter, every cell reads the latest bulletin at its meeting and discusses what it asks of the cell.".into(),
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
            name: "Sci-tech learning room".into(),
            place: "Club house, second floor".into(),
            schedule: "Tuesdays 18:00".into(),
        },
    )
    .await?;
    for (days, topic, attended) in [
        (-7, "Programming the CNC lathe", Some(18)),
        (7, "Reading machine drawings", None),
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
            reason: "Fulfilled the year's plan in every category ahead of time".into(),
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
        crate::experiences::write(
            app,
            actor,
            model,
            ExperienceInput {
                title: format!("How our cells keep the {} targets on track", category.replace('_', " ")),
                body: "## What we changed\nEach cell meets for ten minutes at the start of the week, reads its targets against the week's plan, and names one person for each task that slipped.\n\n## What came of it\nThe slipping tasks are seen in days, not at the month's end, and the shops help each other before a target is lost.".into(),
                category: Some(category),
                tags: "weekly review, cells, planning".into(),
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
            title: "Studying the safety rules shop by shop".into(),
            body: "The centre's rules were rewritten for our own lathes, with a short quiz on them; cell secretaries see who has passed and help those who have not.".into(),
            category: Some("organizational".into()),
            tags: "study, safety".into(),
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
                note: "Adapted the rules for our own workshops".into(),
            },
        )
        .await?;
        made += 1;
    }
    Ok(made)
}
