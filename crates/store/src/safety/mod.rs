//! Safety records of a unit: its hazard register, its logbook of
//! incidents and near misses, and corrective and preventive actions. They
//! are the unit's data, read under `Read` and written under `Edit` (a
//! verification under `Manage`); the counters `safety.*` follow every
//! change in the same transaction, so any subtree's open hazards by band,
//! late actions and incidents by severity are row reads.

use chrono::NaiveDate;
use grassroots_core::{Edit, Manage, Read, Scope, UnitId};
use serde::Serialize;

use crate::plans::ymd;
use crate::tree::unit_condition;
use crate::{DbConn, StoreError, StoreResult, Tx, aggregates, on_ex};

pub mod checklists;
pub mod load;
pub mod schedules;

/// The organization's matrix and deadlines.
#[derive(
    Debug, Clone, PartialEq, Serialize, serde::Deserialize, sqlx::FromRow, utoipa::ToSchema,
)]
// Named apart from the type of the same name elsewhere in the API.
#[schema(as = SafetySettings)]
pub struct Settings {
    /// Rows and columns of the matrix (3 to 5).
    pub matrix_size: i64,
    /// Lowest score that is moderate.
    pub moderate_from: i64,
    /// Lowest score that is high (needs an action).
    pub high_from: i64,
    /// Lowest score that is critical.
    pub critical_from: i64,
    /// Days to investigate a low-severity incident.
    pub investigate_low: i64,
    /// … a medium one.
    pub investigate_medium: i64,
    /// … a high one.
    pub investigate_high: i64,
    /// … a critical one (0: the same day).
    pub investigate_critical: i64,
    /// Days the unit above has with a late action before it goes up again.
    pub escalation_days: i64,
}

impl Settings {
    /// The matrix.
    pub fn matrix(&self) -> grassroots_core::safety::Matrix {
        grassroots_core::safety::Matrix {
            size: self.matrix_size,
            moderate_from: self.moderate_from,
            high_from: self.high_from,
            critical_from: self.critical_from,
        }
    }

    /// Investigation days (low, medium, high, critical).
    pub fn investigation_days(&self) -> [i64; 4] {
        [
            self.investigate_low,
            self.investigate_medium,
            self.investigate_high,
            self.investigate_critical,
        ]
    }
}

/// A hazard of a unit's register.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Hazard {
    /// Id.
    pub id: i64,
    /// Its unit.
    pub unit_id: i64,
    /// What it is.
    pub title: String,
    /// More about it.
    pub description: String,
    /// Where.
    pub location: String,
    /// Likelihood without controls.
    pub inherent_likelihood: i64,
    /// Severity without controls.
    pub inherent_severity: i64,
    /// Band without controls.
    pub inherent_band: String,
    /// Likelihood with the controls in place.
    pub residual_likelihood: i64,
    /// Severity with the controls in place.
    pub residual_severity: i64,
    /// Band with the controls in place.
    pub residual_band: String,
    /// Who answers for it.
    pub owner_person_id: Option<i64>,
    /// When to review it.
    pub review_on: Option<String>,
    /// `open` or `closed`.
    pub status: String,
    /// Day registered.
    pub created_on: String,
    /// Who registered it.
    pub created_by: String,
    /// Day closed.
    pub closed_on: Option<String>,
}

/// A control of a hazard.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Control {
    /// Id.
    pub id: i64,
    /// Level in the hierarchy of controls.
    pub level: String,
    /// What it is.
    pub description: String,
}

/// An incident or near miss.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Incident {
    /// Id.
    pub id: i64,
    /// Its unit.
    pub unit_id: i64,
    /// `incident` or `near_miss`.
    pub kind: String,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// Day it happened.
    pub occurred_on: String,
    /// What happened, in a line.
    pub title: String,
    /// What happened.
    pub description: String,
    /// Day reported.
    pub reported_on: String,
    /// Who reported it.
    pub reported_by: String,
    /// Last day to investigate.
    pub investigate_by: String,
    /// Day investigated.
    pub investigated_on: Option<String>,
    /// The root cause found.
    pub root_cause: Option<String>,
    /// What was learned (to close it).
    pub lessons: Option<String>,
    /// `reported`, `investigated` or `closed`.
    pub status: String,
    /// Whether the investigation was late.
    pub late: bool,
    /// Day closed.
    pub closed_on: Option<String>,
}

/// A corrective or preventive action.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
// Named apart from the type of the same name elsewhere in the API.
#[schema(as = SafetyAction)]
pub struct Action {
    /// Id.
    pub id: i64,
    /// Its unit.
    pub unit_id: i64,
    /// `corrective` or `preventive`.
    pub kind: String,
    /// What is to be done.
    pub title: String,
    /// The hazard it reduces.
    pub hazard_id: Option<i64>,
    /// The incident it answers.
    pub incident_id: Option<i64>,
    /// Who does it.
    pub owner_person_id: Option<i64>,
    /// Due day.
    pub due_on: String,
    /// `open`, `done` (awaiting verification) or `closed` (verified).
    pub status: String,
    /// Day done.
    pub done_on: Option<String>,
    /// What was done.
    pub done_note: Option<String>,
    /// Day verified effective.
    pub verified_on: Option<String>,
    /// How its effect was checked.
    pub verification: Option<String>,
    /// Who verified it.
    pub verified_by: Option<String>,
    /// Times found ineffective and reopened.
    pub reopened: i64,
    /// Whether it is past its due day (open).
    pub overdue: bool,
    /// The deadline the escalation job watches.
    pub next_deadline: Option<String>,
    /// Escalation steps taken.
    pub escalations: i64,
    /// The unit it was escalated to, if any.
    pub escalated_unit_id: Option<i64>,
    /// Day created.
    pub created_on: String,
    /// Who created it.
    pub created_by: String,
}

const HAZARD: &str = "h.id, h.unit_id, h.title, h.description, h.location, h.inherent_likelihood,
    h.inherent_severity, h.inherent_band, h.residual_likelihood, h.residual_severity,
    h.residual_band, h.owner_person_id, h.review_on, h.status, h.created_on, h.created_by,
    h.closed_on";
const INCIDENT: &str = "i.id, i.unit_id, i.kind, i.severity, i.occurred_on, i.title, i.description,
    i.reported_on, i.reported_by, i.investigate_by, i.investigated_on, i.root_cause, i.lessons,
    i.status, i.late, i.closed_on";
const ACTION: &str = "a.id, a.unit_id, a.kind, a.title, a.hazard_id, a.incident_id,
    a.owner_person_id, a.due_on, a.status, a.done_on, a.done_note, a.verified_on,
    a.verification, a.verified_by, a.reopened, a.overdue, a.next_deadline, a.escalations,
    a.escalated_unit_id, a.created_on, a.created_by";

/// The settings.
pub async fn settings(c: &mut impl DbConn) -> StoreResult<Settings> {
    Ok(on_ex!(c, |e| sqlx::query_as(
        "SELECT matrix_size, moderate_from, high_from, critical_from, investigate_low,
           investigate_medium, investigate_high, investigate_critical, escalation_days
         FROM safety_settings WHERE id = 1"
    )
    .fetch_one(&mut *e)
    .await)?)
}

/// Changes the settings; bands already given stay as they were rated.
pub async fn set_settings(tx: &mut Tx, s: &Settings) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE safety_settings SET matrix_size = $1, moderate_from = $2, high_from = $3,
           critical_from = $4, investigate_low = $5, investigate_medium = $6,
           investigate_high = $7, investigate_critical = $8, escalation_days = $9 WHERE id = 1"
    )
    .bind(s.matrix_size)
    .bind(s.moderate_from)
    .bind(s.high_from)
    .bind(s.critical_from)
    .bind(s.investigate_low)
    .bind(s.investigate_medium)
    .bind(s.investigate_high)
    .bind(s.investigate_critical)
    .bind(s.escalation_days)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A new hazard, rated by the caller.
pub struct NewHazard<'a> {
    /// Its unit.
    pub unit_id: UnitId,
    /// What it is.
    pub title: &'a str,
    /// More.
    pub description: &'a str,
    /// Where.
    pub location: &'a str,
    /// Inherent (likelihood, severity, band).
    pub inherent: (i64, i64, &'a str),
    /// Residual (likelihood, severity, band).
    pub residual: (i64, i64, &'a str),
    /// Who answers for it.
    pub owner_person_id: Option<i64>,
    /// When to review it.
    pub review_on: Option<&'a str>,
    /// Controls: (level, description).
    pub controls: &'a [(String, String)],
}

/// Registers a hazard of a unit `scope` edits, with its controls.
pub async fn add_hazard(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    h: &NewHazard<'_>,
    by: &str,
    today: NaiveDate,
) -> StoreResult<Hazard> {
    crate::tree::require_in(tx, scope, h.unit_id).await?;
    aggregates::serialize_counters(tx).await?;
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO hazards (unit_id, title, description, location, inherent_likelihood,
           inherent_severity, inherent_band, residual_likelihood, residual_severity, residual_band,
           owner_person_id, review_on, status, created_on, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open', $13, $14) RETURNING id"
    )
    .bind(h.unit_id)
    .bind(h.title)
    .bind(h.description)
    .bind(h.location)
    .bind(h.inherent.0)
    .bind(h.inherent.1)
    .bind(h.inherent.2)
    .bind(h.residual.0)
    .bind(h.residual.1)
    .bind(h.residual.2)
    .bind(h.owner_person_id)
    .bind(h.review_on)
    .bind(ymd(today))
    .bind(by)
    .fetch_one(&mut *e)
    .await)?;
    for (level, description) in h.controls {
        on_ex!(tx, |e| sqlx::query(
            "INSERT INTO hazard_controls (hazard_id, level, description) VALUES ($1, $2, $3)"
        )
        .bind(id)
        .bind(level)
        .bind(description)
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected()))?;
    }
    let hazard = fetch_hazard(tx, id).await?;
    count(tx, hazard.unit_id, &[], &hazard_counts(&hazard)).await?;
    Ok(hazard)
}

async fn fetch_hazard(c: &mut impl DbConn, id: i64) -> StoreResult<Hazard> {
    let sql = format!("SELECT {HAZARD} FROM hazards h WHERE h.id = $1");
    on_ex!(c, |e| sqlx::query_as::<_, Hazard>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// A hazard of a unit in `scope` (a `Read`, `Edit` or `Manage` scope).
pub async fn hazard<C: grassroots_core::Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    id: i64,
) -> StoreResult<Hazard> {
    let h = fetch_hazard(c, id).await?;
    crate::tree::require_in(c, scope, h.unit_id).await?;
    Ok(h)
}

/// A hazard's controls, most effective level first.
pub async fn controls(c: &mut impl DbConn, hazard: &Hazard) -> StoreResult<Vec<Control>> {
    Ok(on_ex!(c, |e| sqlx::query_as(
        "SELECT id, level, description FROM hazard_controls WHERE hazard_id = $1
         ORDER BY CASE level WHEN 'elimination' THEN 1 WHEN 'substitution' THEN 2
           WHEN 'engineering' THEN 3 WHEN 'administrative' THEN 4 ELSE 5 END, id"
    )
    .bind(hazard.id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Changes a hazard's residual rating (and closes or reopens it),
/// moving its counters.
pub async fn update_hazard(tx: &mut Tx, before: &Hazard, after: &Hazard) -> StoreResult<()> {
    aggregates::serialize_counters(tx).await?;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE hazards SET residual_likelihood = $2, residual_severity = $3, residual_band = $4,
           status = $5, closed_on = $6, review_on = $7 WHERE id = $1"
    )
    .bind(after.id)
    .bind(after.residual_likelihood)
    .bind(after.residual_severity)
    .bind(&after.residual_band)
    .bind(&after.status)
    .bind(&after.closed_on)
    .bind(&after.review_on)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    count(
        tx,
        after.unit_id,
        &hazard_counts(before),
        &hazard_counts(after),
    )
    .await
}

/// The hazards of a unit in `scope`: open ones (closed too when asked),
/// highest residual band first.
pub async fn hazards_of(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    include_closed: bool,
) -> StoreResult<Vec<Hazard>> {
    crate::tree::require_in(c, scope, unit_id).await?;
    let sql = format!(
        "SELECT {HAZARD} FROM hazards h WHERE h.unit_id = $1 {}
         ORDER BY h.status DESC, CASE h.residual_band WHEN 'critical' THEN 1 WHEN 'high' THEN 2
           WHEN 'moderate' THEN 3 ELSE 4 END, h.id LIMIT 500",
        if include_closed {
            ""
        } else {
            "AND h.status = 'open'"
        }
    );
    Ok(on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// A new incident or near miss.
pub struct NewIncident<'a> {
    /// Its unit.
    pub unit_id: UnitId,
    /// `incident` or `near_miss`.
    pub kind: &'a str,
    /// Severity key.
    pub severity: &'a str,
    /// Day it happened.
    pub occurred_on: &'a str,
    /// In a line.
    pub title: &'a str,
    /// In full.
    pub description: &'a str,
    /// Last day to investigate.
    pub investigate_by: NaiveDate,
}

/// Logs an incident of a unit `scope` edits.
pub async fn report(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    n: &NewIncident<'_>,
    by: &str,
    today: NaiveDate,
) -> StoreResult<Incident> {
    crate::tree::require_in(tx, scope, n.unit_id).await?;
    aggregates::serialize_counters(tx).await?;
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO incidents (unit_id, kind, severity, occurred_on, title, description,
           reported_on, reported_by, investigate_by, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'reported') RETURNING id"
    )
    .bind(n.unit_id)
    .bind(n.kind)
    .bind(n.severity)
    .bind(n.occurred_on)
    .bind(n.title)
    .bind(n.description)
    .bind(ymd(today))
    .bind(by)
    .bind(ymd(n.investigate_by))
    .fetch_one(&mut *e)
    .await)?;
    let incident = fetch_incident(tx, id).await?;
    count(tx, incident.unit_id, &[], &incident_counts(&incident)).await?;
    Ok(incident)
}

async fn fetch_incident(c: &mut impl DbConn, id: i64) -> StoreResult<Incident> {
    let sql = format!("SELECT {INCIDENT} FROM incidents i WHERE i.id = $1");
    on_ex!(c, |e| sqlx::query_as::<_, Incident>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// An incident of a unit in `scope`.
pub async fn incident<C: grassroots_core::Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    id: i64,
) -> StoreResult<Incident> {
    let i = fetch_incident(c, id).await?;
    crate::tree::require_in(c, scope, i.unit_id).await?;
    Ok(i)
}

/// Writes an incident's investigation or closing, moving its counters.
pub async fn update_incident(tx: &mut Tx, before: &Incident, after: &Incident) -> StoreResult<()> {
    aggregates::serialize_counters(tx).await?;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE incidents SET investigated_on = $2, root_cause = $3, lessons = $4, status = $5,
           late = $6, closed_on = $7 WHERE id = $1"
    )
    .bind(after.id)
    .bind(&after.investigated_on)
    .bind(&after.root_cause)
    .bind(&after.lessons)
    .bind(&after.status)
    .bind(after.late)
    .bind(&after.closed_on)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    count(
        tx,
        after.unit_id,
        &incident_counts(before),
        &incident_counts(after),
    )
    .await
}

/// The incidents of a unit in `scope`, newest first, at most 200.
pub async fn incidents_of(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
) -> StoreResult<Vec<Incident>> {
    crate::tree::require_in(c, scope, unit_id).await?;
    let sql = format!(
        "SELECT {INCIDENT} FROM incidents i WHERE i.unit_id = $1
         ORDER BY i.occurred_on DESC, i.id DESC LIMIT 200"
    );
    Ok(on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// A new action.
pub struct NewAction<'a> {
    /// Its unit.
    pub unit_id: UnitId,
    /// `corrective` or `preventive`.
    pub kind: &'a str,
    /// What is to be done.
    pub title: &'a str,
    /// The hazard it reduces.
    pub hazard_id: Option<i64>,
    /// The incident it answers.
    pub incident_id: Option<i64>,
    /// Who does it.
    pub owner_person_id: Option<i64>,
    /// Due day.
    pub due_on: &'a str,
}

/// Opens an action of a unit `scope` edits (the caller checked that its
/// hazard or incident belongs to that unit).
pub async fn add_action(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    n: &NewAction<'_>,
    by: &str,
    today: NaiveDate,
) -> StoreResult<Action> {
    crate::tree::require_in(tx, scope, n.unit_id).await?;
    aggregates::serialize_counters(tx).await?;
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO corrective_actions (unit_id, kind, title, hazard_id, incident_id,
           owner_person_id, due_on, status, next_deadline, created_on, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $7, $8, $9) RETURNING id"
    )
    .bind(n.unit_id)
    .bind(n.kind)
    .bind(n.title)
    .bind(n.hazard_id)
    .bind(n.incident_id)
    .bind(n.owner_person_id)
    .bind(n.due_on)
    .bind(ymd(today))
    .bind(by)
    .fetch_one(&mut *e)
    .await)?;
    let action = fetch_action(tx, id, None).await?;
    count(tx, action.unit_id, &[], &action_counts(&action)).await?;
    Ok(action)
}

async fn fetch_action(
    c: &mut impl DbConn,
    id: i64,
    lock: Option<crate::Dialect>,
) -> StoreResult<Action> {
    let sql = format!(
        "SELECT {ACTION} FROM corrective_actions a WHERE a.id = $1{}",
        match lock {
            Some(crate::Dialect::Postgres) => " FOR UPDATE",
            _ => "",
        }
    );
    on_ex!(c, |e| sqlx::query_as::<_, Action>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// An action of a unit in `scope`.
pub async fn action<C: grassroots_core::Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    id: i64,
) -> StoreResult<Action> {
    let a = fetch_action(c, id, None).await?;
    crate::tree::require_in(c, scope, a.unit_id).await?;
    Ok(a)
}

/// An action locked for a change, when `scope` edits its unit.
pub async fn lock_action(tx: &mut Tx, scope: &Scope<Edit>, id: i64) -> StoreResult<Action> {
    let dialect = tx.dialect();
    let a = fetch_action(tx, id, Some(dialect)).await?;
    crate::tree::require_in(tx, scope, a.unit_id).await?;
    Ok(a)
}

/// Whether `scope` manages an action's unit (to verify it).
pub async fn manages(tx: &mut Tx, scope: &Scope<Manage>, a: &Action) -> StoreResult<bool> {
    crate::tree::in_scope(tx, scope, a.unit_id).await
}

/// Writes an action's new state, moving its counters.
pub async fn update_action(tx: &mut Tx, before: &Action, after: &Action) -> StoreResult<()> {
    aggregates::serialize_counters(tx).await?;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE corrective_actions SET status = $2, due_on = $3, done_on = $4, done_note = $5,
           verified_on = $6, verification = $7, verified_by = $8, reopened = $9, overdue = $10,
           next_deadline = $11, escalations = $12, escalated_unit_id = $13
         WHERE id = $1"
    )
    .bind(after.id)
    .bind(&after.status)
    .bind(&after.due_on)
    .bind(&after.done_on)
    .bind(&after.done_note)
    .bind(&after.verified_on)
    .bind(&after.verification)
    .bind(&after.verified_by)
    .bind(after.reopened)
    .bind(after.overdue)
    .bind(&after.next_deadline)
    .bind(after.escalations)
    .bind(after.escalated_unit_id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    count(
        tx,
        after.unit_id,
        &action_counts(before),
        &action_counts(after),
    )
    .await
}

/// The actions of a unit in `scope` (those not closed; closed ones too
/// when asked), then the late actions of units below escalated to it.
pub async fn actions_of(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    include_closed: bool,
) -> StoreResult<Vec<Action>> {
    crate::tree::require_in(c, scope, unit_id).await?;
    let sql = format!(
        "SELECT {ACTION} FROM corrective_actions a
         WHERE (a.unit_id = $1 {}) OR (a.escalated_unit_id = $1 AND a.status = 'open' AND {})
         ORDER BY CASE WHEN a.unit_id = $1 THEN 0 ELSE 1 END, a.status DESC, a.due_on, a.id
         LIMIT 500",
        if include_closed {
            ""
        } else {
            "AND a.status <> 'closed'"
        },
        unit_condition(scope, "a.unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// The actions linked to a hazard or an incident.
pub async fn actions_for(
    c: &mut impl DbConn,
    hazard_id: Option<i64>,
    incident_id: Option<i64>,
) -> StoreResult<Vec<Action>> {
    let sql = format!(
        "SELECT {ACTION} FROM corrective_actions a
         WHERE ($1 IS NOT NULL AND a.hazard_id = $1) OR ($2 IS NOT NULL AND a.incident_id = $2)
         ORDER BY a.id"
    );
    Ok(on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(hazard_id)
    .bind(incident_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Open actions whose deadline is before `today`, at most `limit`.
pub async fn actions_due(
    c: &mut impl DbConn,
    today: NaiveDate,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT id FROM corrective_actions WHERE next_deadline IS NOT NULL AND next_deadline < $1
         ORDER BY next_deadline, id LIMIT $2"
    )
    .bind(ymd(today))
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// Locks a late action for the escalation job (no scope: the job acts for
/// the organization).
pub async fn lock_for_job(tx: &mut Tx, id: i64) -> StoreResult<Action> {
    let dialect = tx.dialect();
    fetch_action(tx, id, Some(dialect)).await
}

/// Records escalation step `step` of an action; false when another server
/// recorded it first.
pub async fn record_escalation(
    tx: &mut Tx,
    a: &Action,
    step: i64,
    missed: &str,
    to: UnitId,
    today: NaiveDate,
) -> StoreResult<bool> {
    let n = on_ex!(tx, |e| {
        sqlx::query(
        "INSERT INTO corrective_action_escalations (action_id, step, missed, from_unit_id, to_unit_id, escalated_on)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING"
    )
    .bind(a.id)
    .bind(step)
    .bind(missed)
    .bind(a.escalated_unit_id.unwrap_or(a.unit_id))
    .bind(to)
    .bind(ymd(today))
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n > 0)
}

/// Reported incidents whose investigation is due before `today` and not
/// yet marked late, at most `limit`.
pub async fn investigations_late(
    c: &mut impl DbConn,
    today: NaiveDate,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT id FROM incidents WHERE status = 'reported' AND NOT late AND investigate_by < $1
         ORDER BY investigate_by, id LIMIT $2"
    )
    .bind(ymd(today))
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// Locks an incident for the job.
pub async fn lock_incident(tx: &mut Tx, id: i64) -> StoreResult<Incident> {
    let sql = format!(
        "SELECT {INCIDENT} FROM incidents i WHERE i.id = $1{}",
        if tx.dialect() == crate::Dialect::Postgres {
            " FOR UPDATE"
        } else {
            ""
        }
    );
    on_ex!(tx, |e| sqlx::query_as::<_, Incident>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// Counts of a unit (own) and its subtree, from the counters.
pub async fn counts(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
) -> StoreResult<std::collections::BTreeMap<String, (i64, i64)>> {
    aggregates::families_at(c, scope, unit_id, &["safety.", "inspections."]).await
}

fn hazard_counts(h: &Hazard) -> Vec<String> {
    if h.status == "open" {
        vec![
            "safety.hazards.open".into(),
            format!("safety.hazards.open.{}", h.residual_band),
        ]
    } else {
        Vec::new()
    }
}

fn incident_counts(i: &Incident) -> Vec<String> {
    let mut out = vec![
        format!("safety.incidents.{}", i.kind),
        format!("safety.incidents.severity.{}", i.severity),
    ];
    if i.status != "closed" {
        out.push("safety.incidents.open".into());
    }
    if i.late {
        out.push("safety.incidents.late".into());
    }
    out
}

fn action_counts(a: &Action) -> Vec<String> {
    let mut out = vec![format!("safety.actions.{}", a.status)];
    if a.status == "open" && a.overdue {
        out.push("safety.actions.overdue".into());
    }
    out
}

/// Moves the counters of one record at `unit` from `before` to `after`.
async fn count(tx: &mut Tx, unit: UnitId, before: &[String], after: &[String]) -> StoreResult<()> {
    let mut sum: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for m in before {
        *sum.entry(m).or_default() -= 1;
    }
    for m in after {
        *sum.entry(m).or_default() += 1;
    }
    for (m, v) in sum {
        if v != 0 {
            aggregates::add(tx, unit, m, v).await?;
        }
    }
    Ok(())
}

/// Counter family: open hazards (by residual band), incidents by kind and
/// severity (open and late ones too), actions by status (and overdue), and
/// completed inspections (by purpose, by month, and their flagged
/// answers), at their unit.
pub const COUNTERS: aggregates::CounterFamily = aggregates::CounterFamily {
    name: "safety",
    metrics: &["safety."],
    follows_rows: true,
    recompute_sql: "SELECT c.ancestor_id, m.metric,
                CAST(sum(CASE WHEN m.unit_id = c.ancestor_id THEN m.n ELSE 0 END) AS BIGINT),
                CAST(sum(m.n) AS BIGINT)
         FROM (
           SELECT unit_id, 'safety.hazards.open' AS metric, 1 AS n FROM hazards WHERE status = 'open'
           UNION ALL SELECT unit_id, 'safety.hazards.open.' || residual_band, 1 FROM hazards WHERE status = 'open'
           UNION ALL SELECT unit_id, 'safety.incidents.' || kind, 1 FROM incidents
           UNION ALL SELECT unit_id, 'safety.incidents.severity.' || severity, 1 FROM incidents
           UNION ALL SELECT unit_id, 'safety.incidents.open', 1 FROM incidents WHERE status <> 'closed'
           UNION ALL SELECT unit_id, 'safety.incidents.late', 1 FROM incidents WHERE late
           UNION ALL SELECT unit_id, 'safety.actions.' || status, 1 FROM corrective_actions
           UNION ALL SELECT unit_id, 'safety.actions.overdue', 1 FROM corrective_actions WHERE status = 'open' AND overdue
           UNION ALL SELECT unit_id, 'safety.inspections.' || purpose || '.done', 1 FROM inspections WHERE status = 'completed'
           UNION ALL SELECT unit_id, 'safety.inspections.done.' || substr(completed_on, 1, 7), 1 FROM inspections WHERE status = 'completed'
           UNION ALL SELECT unit_id, 'safety.inspections.flagged', flagged FROM inspections WHERE status = 'completed' AND flagged > 0
         ) m JOIN unit_closure c ON c.descendant_id = m.unit_id
         GROUP BY c.ancestor_id, m.metric",
};

/// When a unit ends, its hazards, incidents and actions (and escalations
/// to it) pass to the unit that takes over, with their counts.
pub const UNIT_END: crate::lifecycle::UnitEndHook = crate::lifecycle::UnitEndHook {
    feature: "safety",
    run: |tx, ending, successor, now| {
        Box::pin(async move {
            crate::lifecycle::move_rows(
                tx,
                ending,
                successor,
                &[
                    "UPDATE hazards SET unit_id = $2 WHERE unit_id = $1",
                    "UPDATE incidents SET unit_id = $2 WHERE unit_id = $1",
                    "UPDATE inspections SET unit_id = $2 WHERE unit_id = $1",
                    "UPDATE corrective_actions SET unit_id = $2 WHERE unit_id = $1",
                    "UPDATE corrective_actions SET escalated_unit_id = $2 WHERE escalated_unit_id = $1",
                    "UPDATE corrective_action_escalations SET from_unit_id = $2 WHERE from_unit_id = $1",
                    "UPDATE corrective_action_escalations SET to_unit_id = $2 WHERE to_unit_id = $1",
                ],
            )
            .await?;
            // The successor may have completed its scheduled inspections
            // with the ones it took over.
            let today = now.date_naive();
            schedules::untrack_unit(tx, ending, today).await?;
            schedules::track_units(tx, &[successor], today).await?;
            Ok(())
        })
    },
};

/// A table whose rows a change locks before reading them again.
#[derive(Debug, Clone, Copy)]
pub enum Locked {
    /// `hazards`.
    Hazard,
    /// `incidents`.
    Incident,
    /// `inspections`.
    Inspection,
}

/// Locks a row for the rest of the transaction (on PostgreSQL; SQLite's
/// write transaction already holds the only write lock), so that what the
/// caller reads next is what it changes.
pub async fn lock_row(tx: &mut Tx, table: Locked, id: i64) -> StoreResult<()> {
    if tx.dialect() != crate::Dialect::Postgres {
        return Ok(());
    }
    let sql = match table {
        Locked::Hazard => "SELECT id FROM hazards WHERE id = $1 FOR UPDATE",
        Locked::Incident => "SELECT id FROM incidents WHERE id = $1 FOR UPDATE",
        Locked::Inspection => "SELECT id FROM inspections WHERE id = $1 FOR UPDATE",
    };
    on_ex!(tx, |e| sqlx::query_scalar::<_, i64>(sql)
        .bind(id)
        .fetch_optional(&mut *e)
        .await)?;
    Ok(())
}
