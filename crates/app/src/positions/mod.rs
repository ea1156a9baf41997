//! Positions: appoint a person, end a term, the lead trio of a unit,
//! "who held what, when", and vacant lead positions in a subtree.

use chrono::{Duration, NaiveDate};
use grassroots_core::{FieldError, Manage, Read, UnitId};
use grassroots_store::StoreError;
use grassroots_store::positions::{self, Position, PositionType, Vacancy};
use grassroots_store::{audit, units};
use serde::Serialize;
use serde_json::json;

use crate::{Actor, App, AppError, AppResult};

/// Lead roles, in the order the trio is shown.
pub const LEAD_ROLES: [&str; 3] = ["party", "administrative", "technical"];

fn day(field: &'static str, raw: &str, today: NaiveDate) -> AppResult<String> {
    let v = raw.trim();
    if v.is_empty() {
        return Ok(today.format("%Y-%m-%d").to_string());
    }
    let d = grassroots_core::calendar::parse_day(v).map_err(|_| {
        AppError::Invalid(FieldError::new(
            field,
            "invalid",
            "must be a date YYYY-MM-DD",
        ))
    })?;
    if d > today + Duration::days(366) {
        return Err(FieldError::new(field, "range", "is more than a year ahead").into());
    }
    Ok(d.format("%Y-%m-%d").to_string())
}

/// The position types, in display order.
pub async fn types(app: &App) -> AppResult<Vec<PositionType>> {
    let mut c = app.db.conn().await?;
    Ok(positions::types(&mut c).await?)
}

/// Appoints a person of the unit (or a unit below it) to a position.
pub async fn assign(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    type_key: &str,
    person_id: i64,
    started_on: &str,
) -> AppResult<Position> {
    crate::units::require::<Manage>(app, actor, unit_id).await?;
    let position_type = types(app)
        .await?
        .into_iter()
        .find(|t| t.key == type_key.trim())
        .ok_or_else(|| {
            AppError::Invalid(FieldError::new(
                "position_type",
                "invalid",
                "is not a known position type",
            ))
        })?;
    let today = app.clock.now().date_naive();
    let started_on = day("started_on", started_on, today)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let position = positions::assign(
        &mut tx,
        &actor.principal.scope::<Manage>(),
        unit_id,
        position_type.id,
        person_id,
        &started_on,
        now,
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict { field: "person_id" } => AppError::Invalid(FieldError::new(
            "person_id",
            "not_in_unit",
            "must be a person of this unit or of a unit below it",
        )),
        StoreError::Conflict {
            field: "position_type_id",
        } => AppError::Invalid(FieldError::new(
            "position_type",
            "taken",
            "is already held; end the current term first",
        )),
        other => other.into(),
    })?;
    let mut e = actor.entry("position.assign", "position", position.id, Some(unit_id));
    e.after = Some(json!(position));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(position)
}

/// Ends a current term.
pub async fn end(app: &App, actor: &Actor, id: i64, ended_on: &str) -> AppResult<Position> {
    let today = app.clock.now().date_naive();
    let ended_on = day("ended_on", ended_on, today)?;
    let unit_id = {
        let mut c = app.db.conn().await?;
        positions::get(&mut c, &actor.principal.scope::<Read>(), id)
            .await?
            .unit_id
    };
    crate::units::require::<Manage>(app, actor, unit_id).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let (before, after) = positions::end(
        &mut tx,
        &actor.principal.scope::<Manage>(),
        id,
        &ended_on,
        &today.to_string(),
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict { .. } => AppError::Invalid(FieldError::new(
            "ended_on",
            "invalid",
            "the term has already ended, or this date is before its start",
        )),
        other => other.into(),
    })?;
    let mut e = actor.entry("position.end", "position", id, Some(after.unit_id));
    e.before = Some(json!(before));
    e.after = Some(json!(after));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(after)
}

/// A current or past holder, marked newly appointed or long-serving.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Holder {
    /// The position.
    pub position: Position,
    /// Whether the holder was appointed within the configured period.
    pub newly_appointed: bool,
}

/// One seat of the lead trio.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LeadSeat {
    /// `party`, `administrative` or `technical`.
    pub lead: String,
    /// The position type of the seat.
    pub type_key: String,
    /// Its current holder, or none (vacant).
    pub holder: Option<Holder>,
}

impl LeadSeat {
    /// Translation key of the seat's heading.
    pub fn lead_key(&self) -> String {
        format!("lead-{}", self.lead)
    }
}

/// Positions of a unit as the unit page shows them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitPositions {
    /// The lead trio, vacancies included.
    pub lead: Vec<LeadSeat>,
    /// Every current position (lead and others).
    pub current: Vec<Holder>,
    /// Ended terms, newest first.
    pub past: Vec<Position>,
}

fn holder(app: &App, p: Position) -> Holder {
    let cutoff =
        app.clock.now().date_naive() - Duration::days(app.config.positions.newly_appointed_days);
    let newly_appointed =
        grassroots_core::calendar::parse_day(&p.started_on).is_ok_and(|d| d > cutoff);
    Holder {
        position: p,
        newly_appointed,
    }
}

/// The positions of a unit inside the reader's scope.
pub async fn of_unit(app: &App, actor: &Actor, unit_id: UnitId) -> AppResult<UnitPositions> {
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    units::get(&mut c, &read, unit_id).await?;
    let all = positions::of_unit(&mut c, &read, unit_id, true).await?;
    let types = positions::types(&mut c).await?;
    let (current, past): (Vec<Position>, Vec<Position>) =
        all.into_iter().partition(|p| p.ended_on.is_none());
    let lead = LEAD_ROLES
        .iter()
        .filter_map(|role| {
            let t = types.iter().find(|t| t.lead.as_deref() == Some(*role))?;
            Some(LeadSeat {
                lead: role.to_string(),
                type_key: t.key.clone(),
                holder: current
                    .iter()
                    .find(|p| p.position_type_id == t.id)
                    .cloned()
                    .map(|p| holder(app, p)),
            })
        })
        .collect();
    Ok(UnitPositions {
        lead,
        current: current.into_iter().map(|p| holder(app, p)).collect(),
        past,
    })
}

/// Positions a person held, in units the reader may see.
pub async fn of_person(app: &App, actor: &Actor, person_id: i64) -> AppResult<Vec<Position>> {
    let mut c = app.db.conn().await?;
    Ok(positions::of_person(&mut c, &actor.principal.scope::<Read>(), person_id).await?)
}

/// Vacant lead positions of primary committees in the subtree of `root`.
pub async fn vacancies(
    app: &App,
    actor: &Actor,
    root: UnitId,
    limit: i64,
) -> AppResult<Vec<Vacancy>> {
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    units::get(&mut c, &read, root).await?;
    Ok(positions::vacancies(&mut c, &read, root, limit.clamp(1, 1000)).await?)
}
