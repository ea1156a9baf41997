//! Inspection schedules: the organization asks every unit of a level to
//! complete an inspection from a template once a month, quarter or year.
//! Any unit's subtree sees, from the counters, how many are due and done
//! this period and how many units are behind; the units behind are listed
//! by name (units, never people).

use grassroots_core::safety::period;
use grassroots_core::vocab::InspectionCadence;
use grassroots_core::{FieldError, Read, UnitId};
use grassroots_store::safety::checklists as checklist_store;
use grassroots_store::safety::schedules::{self as store, Behind, Schedule};
use grassroots_store::{aggregates, audit, profiles};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{Actor, App, AppResult};

pub use grassroots_store::safety::schedules::{
    BEHIND as BEHIND_METRIC, DONE as DONE_METRIC, DUE as DUE_METRIC,
};

/// Every schedule.
pub async fn list(app: &App) -> AppResult<Vec<Schedule>> {
    Ok(store::list(&mut app.db.conn().await?).await?)
}

/// A schedule as typed in a form or an API body.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ScheduleInput {
    /// The level whose open units are asked.
    pub level: String,
    /// The checklist template.
    pub template_id: i64,
    /// How often: `month`, `quarter` or `year`.
    pub every: String,
}

/// Sets a schedule (administrators of the whole organization); setting
/// the same level and template again changes its cadence.
pub async fn set(app: &App, actor: &Actor, input: &ScheduleInput) -> AppResult<Vec<Schedule>> {
    let root = crate::profiles::require_org_admin(app, actor).await?;
    let level = input.level.trim();
    let cadence = InspectionCadence::parse(input.every.trim())
        .ok_or_else(|| FieldError::new("every", "invalid_choice", "month, quarter or year"))?;
    {
        let mut c = app.db.conn().await?;
        if !profiles::active(&mut c)
            .await?
            .iter()
            .any(|l| l.key == level)
        {
            return Err(FieldError::new("level", "invalid", "unknown level").into());
        }
        if !checklist_store::templates(&mut c)
            .await?
            .iter()
            .any(|t| t.id == input.template_id)
        {
            return Err(
                FieldError::new("template_id", "invalid", "unknown checklist template").into(),
            );
        }
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let id = store::set(&mut tx, level, input.template_id, cadence, now.date_naive()).await?;
    let mut e = actor.entry(
        "inspection_schedule.set",
        "inspection_schedule",
        id,
        Some(root),
    );
    e.after = Some(json!({
        "level": level,
        "template_id": input.template_id,
        "every": cadence.as_str(),
    }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    settle(app).await?;
    list(app).await
}

/// Removes a schedule (administrators of the whole organization).
pub async fn remove(app: &App, actor: &Actor, id: i64) -> AppResult<Vec<Schedule>> {
    let root = crate::profiles::require_org_admin(app, actor).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    store::remove(&mut tx, id).await?;
    audit::append(
        &mut tx,
        now,
        &actor.entry(
            "inspection_schedule.remove",
            "inspection_schedule",
            id,
            Some(root),
        ),
    )
    .await?;
    tx.commit().await?;
    settle(app).await?;
    list(app).await
}

/// One schedule's period in a subtree.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScheduleRow {
    /// The schedule.
    pub schedule: Schedule,
    /// The current period (`2026-12`, `2026-Q4`, `2026`).
    pub period: String,
    /// Its last day.
    pub ends_on: String,
    /// Units of the subtree asked this period.
    pub due: i64,
    /// Of which done.
    pub done: i64,
}

/// Scheduled inspections of a subtree this period.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct DueCounts {
    /// Scheduled inspections due this period (a unit under two schedules
    /// counts twice).
    pub due: i64,
    /// Of which done.
    pub done: i64,
    /// Units with a scheduled inspection not done this period.
    pub units_behind: i64,
    /// Per schedule.
    pub schedules: Vec<ScheduleRow>,
}

/// The subtree's scheduled inspections this period, from the counters.
pub async fn due(app: &App, actor: &Actor, unit: UnitId) -> AppResult<DueCounts> {
    crate::units::require_read_kept(app, actor, unit).await?;
    let mut c = app.db.conn().await?;
    let m = aggregates::family_at(
        &mut c,
        &actor.principal.scope::<Read>(),
        unit,
        "inspections.",
    )
    .await?;
    let schedules = store::list(&mut c).await?;
    Ok(due_of(&m, schedules, app.clock.today()))
}

/// The scheduled inspections of `schedules` this period from a subtree's
/// counters (metric → (own, subtree)), however they were read.
pub fn due_of(
    m: &std::collections::BTreeMap<String, (i64, i64)>,
    schedules: Vec<Schedule>,
    today: chrono::NaiveDate,
) -> DueCounts {
    let get = |k: &str| m.get(k).map_or(0, |v| v.1);
    DueCounts {
        due: get(store::DUE),
        done: get(store::DONE),
        units_behind: get(store::BEHIND),
        schedules: schedules
            .into_iter()
            .map(|s| {
                let p = period(
                    InspectionCadence::parse(&s.every).unwrap_or(InspectionCadence::Month),
                    today,
                );
                ScheduleRow {
                    period: p.key,
                    ends_on: p.ends.to_string(),
                    due: get(&store::schedule_metric(s.id, "due")),
                    done: get(&store::schedule_metric(s.id, "done")),
                    schedule: s,
                }
            })
            .collect(),
    }
}

/// The units of a subtree behind on a scheduled inspection this period
/// (the first 200 by id), sorted by name.
pub async fn behind(app: &App, actor: &Actor, unit: UnitId) -> AppResult<Vec<Behind>> {
    crate::units::require_read_kept(app, actor, unit).await?;
    let scope = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    // The counter says first whether there is anything to look for.
    let behind = aggregates::family_at(&mut c, &scope, unit, store::BEHIND).await?;
    if behind.get(store::BEHIND).is_none_or(|v| v.1 == 0) {
        return Ok(Vec::new());
    }
    let mut rows = store::behind_under(&mut c, &scope, unit, 200).await?;
    rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.unit_id.cmp(&b.unit_id)));
    Ok(rows)
}

/// Settles the schedules a batch of units at a time, one transaction
/// each: units of a schedule being set get their rows, those of one being
/// removed lose them, rows of a period that ended start the new one.
/// Returns how many units were derived again.
pub async fn settle(app: &App) -> AppResult<u64> {
    let today = app.clock.today();
    if !store::unsettled(&mut app.db.conn().await?, today).await? {
        return Ok(0);
    }
    let mut n = 0;
    loop {
        let mut tx = app.db.begin().await?;
        let batch = store::reconcile(&mut tx, today).await?;
        tx.commit().await?;
        if batch == 0 {
            return Ok(n);
        }
        n += batch as u64;
    }
}

/// Starts new inspection periods (and finishes setting or removing a
/// schedule a server stopped in the middle of), every ten minutes.
pub const PERIODS_JOB: crate::jobs::Job = crate::jobs::Job {
    name: "safety.periods",
    every_seconds: 600,
    run: |app| Box::pin(settle(app)),
};
