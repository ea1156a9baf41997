//! Plans, targets and check-ins. A target's status is derived from its
//! facts ([`grassroots_core::progress`]) and stored with the day it may
//! next change without new facts (`next_check_on`); every change of a
//! target's status, weight or completion is applied to the per-unit
//! aggregates in the same transaction:
//!
//! - `targets.<year>.<status>`: targets due in `<year>` by status;
//! - `targets.<year>.weight`: weight of the leaf targets with a known
//!   completion (a cascaded target counts through its children only, and
//!   a target nobody reported on is left out, never counted as 0 %);
//! - `targets.<year>.completion`: sum of weight × completion (ppm).
//!
//! The weighted completion of any subtree is then two row reads.

pub mod blockers;
pub mod load;
pub mod reviews;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use grassroots_core::progress::{self, Facts, LastCheckIn, Measure, Status};
use grassroots_core::{Capability, Edit, Read, Scope, UnitId};
use serde::Serialize;

use crate::tree::unit_condition;
use crate::{DbConn, StoreError, StoreResult, Tx, aggregates, on_ex};

/// Period kinds of a plan.
pub const PERIOD_KINDS: &[&str] = grassroots_core::vocab::PeriodKind::KEYS;
/// Check-in cadences of a plan.
pub const CADENCES: &[&str] = grassroots_core::vocab::Cadence::KEYS;
/// Target kinds.
pub const KINDS: &[&str] = grassroots_core::vocab::TargetKind::KEYS;
/// How a cascaded target combines its children.
pub const ROLLUPS: &[&str] = grassroots_core::vocab::Rollup::KEYS;
/// Confidence of a check-in.
pub const CONFIDENCES: &[&str] = grassroots_core::vocab::Confidence::KEYS;
/// Stored in `next_check_on` when the status cannot change by itself.
pub const NEVER: &str = "9999-12-31";

/// Days within which a check-in must come for a plan's cadence.
pub fn cadence_days(cadence: &str) -> i64 {
    use grassroots_core::vocab::Cadence;
    match Cadence::parse(cadence) {
        Some(Cadence::Daily) => 1,
        Some(Cadence::Weekly) => 7,
        _ => 31,
    }
}

/// Parses a stored `YYYY-MM-DD` date.
pub fn day(s: &str) -> NaiveDate {
    grassroots_core::calendar::parse_day(s).unwrap_or(NaiveDate::MIN)
}

/// Formats a date as stored.
pub fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A plan of a unit for a period.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Plan {
    /// Identifier.
    pub id: i64,
    /// The unit whose plan it is.
    pub unit_id: i64,
    /// Title.
    pub title: String,
    /// `year`, `quarter`, `month` or `custom`.
    pub period_kind: String,
    /// First day (YYYY-MM-DD).
    pub starts_on: String,
    /// Last day (YYYY-MM-DD).
    pub ends_on: String,
    /// `daily`, `weekly` or `monthly`: how often targets are checked in.
    pub cadence: String,
    /// The decision it adopts, if any.
    pub decision_id: Option<i64>,
    /// Who created it.
    pub created_by: String,
    /// When its review was closed; check-ins are then refused.
    pub locked_at: Option<DateTime<Utc>>,
}

const PLAN_COLUMNS: &str = "p.id, p.unit_id, p.title, p.period_kind, p.starts_on, p.ends_on, \
     p.cadence, p.decision_id, p.created_by, p.locked_at";

/// A target of a plan, with its derived state.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Target {
    /// Identifier.
    pub id: i64,
    /// Plan.
    pub plan_id: i64,
    /// Unit of the plan.
    pub unit_id: i64,
    /// The target it was cascaded from, if any.
    pub parent_id: Option<i64>,
    /// Title.
    pub title: String,
    /// Category key.
    pub category: String,
    /// `numeric` or `milestone`.
    pub kind: String,
    /// Value at the start (numeric).
    pub baseline: Option<f64>,
    /// Value to reach (numeric); below the baseline means "reduce".
    pub target_value: Option<f64>,
    /// Unit of measure (numeric).
    pub measure_unit: String,
    /// First day counted.
    pub starts_on: String,
    /// Due date.
    pub due_on: String,
    /// Weight among its siblings and in roll-ups, 1–1000.
    pub weight: i64,
    /// Person responsible, if any.
    pub owner_person_id: Option<i64>,
    /// Subunit responsible, if any.
    pub owner_unit_id: Option<i64>,
    /// How cascaded children combine: `mean` (weighted completion) or
    /// `sum` (of numeric values).
    pub rollup: String,
    /// Number of live cascaded children.
    pub children: i64,
    /// Derived status key.
    pub status: String,
    /// Derived completion in millionths; `None` when unknown.
    pub completion_ppm: Option<i64>,
    /// Day of the latest report (for a cascaded target: of any child).
    pub last_on: Option<String>,
    /// Latest value (for a cascaded target: derived from its children).
    pub last_value: Option<f64>,
    /// Whether reported done.
    pub last_done: bool,
    /// Day the status may next change by itself.
    pub next_check_on: String,
    /// When it was deleted.
    pub deleted_at: Option<DateTime<Utc>>,
}

const TARGET_COLUMNS: &str = "t.id, t.plan_id, t.unit_id, t.parent_id, t.title, t.category, \
     t.kind, t.baseline, t.target_value, t.measure_unit, t.starts_on, t.due_on, t.weight, \
     t.owner_person_id, t.owner_unit_id, t.rollup, t.children, t.status, t.completion_ppm, \
     t.last_on, t.last_value, t.last_done, t.next_check_on, t.deleted_at";

impl Target {
    /// What the target measures.
    pub fn measure(&self) -> Measure {
        match (self.kind.as_str(), self.baseline, self.target_value) {
            ("numeric", Some(baseline), Some(target)) => Measure::Numeric { baseline, target },
            _ => Measure::Milestone,
        }
    }

    /// Year whose counters the target belongs to (of its due date).
    pub fn year(&self) -> &str {
        self.due_on.get(..4).unwrap_or("0000")
    }

    /// Completion as a share, if known.
    pub fn completion(&self) -> Option<f64> {
        self.completion_ppm.map(|p| p as f64 / 1e6)
    }
}

/// A check-in.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CheckIn {
    /// Identifier.
    pub id: i64,
    /// Target.
    pub target_id: i64,
    /// Day reported on.
    pub reported_on: String,
    /// Value (numeric targets).
    pub value: Option<f64>,
    /// Reported done.
    pub done: bool,
    /// What happened.
    pub narrative: String,
    /// `low`, `medium` or `high`.
    pub confidence: String,
    /// Blocker raised with it.
    pub blocker_id: Option<i64>,
    /// When written.
    pub created_at: DateTime<Utc>,
    /// By whom.
    pub created_by: String,
}

/// Metric: targets of `year` with `status`.
pub fn status_metric(year: &str, status: &str) -> String {
    format!("targets.{year}.{status}")
}

/// Metric: weight of leaf targets of `year` with a known completion.
pub fn weight_metric(year: &str) -> String {
    format!("targets.{year}.weight")
}

/// Metric: sum of weight × completion (ppm) of those targets.
pub fn completion_metric(year: &str) -> String {
    format!("targets.{year}.completion")
}

/// What a target adds to its unit's aggregates.
pub(crate) fn contributions(t: &Target) -> Vec<(String, i64)> {
    if t.deleted_at.is_some() {
        return Vec::new();
    }
    let year = t.year();
    let mut out = vec![(status_metric(year, &t.status), 1)];
    if let (0, Some(ppm)) = (t.children, t.completion_ppm) {
        out.push((weight_metric(year), t.weight));
        out.push((completion_metric(year), t.weight * ppm));
    }
    out
}

/// Applies the difference between two states of a target to the
/// aggregates of its unit and every ancestor, and keeps the day's
/// completion history when the completion changed.
async fn apply(
    tx: &mut Tx,
    unit_id: UnitId,
    before: Option<&Target>,
    after: Option<&Target>,
    today: NaiveDate,
) -> StoreResult<()> {
    let mut delta: BTreeMap<String, i64> = BTreeMap::new();
    for (m, n) in before.map(contributions).unwrap_or_default() {
        *delta.entry(m).or_default() -= n;
    }
    for (m, n) in after.map(contributions).unwrap_or_default() {
        *delta.entry(m).or_default() += n;
    }
    delta.retain(|_, n| *n != 0);
    if delta.is_empty() {
        return Ok(());
    }
    let years: Vec<String> = delta
        .keys()
        .filter(|m| m.ends_with(".weight") || m.ends_with(".completion"))
        .filter_map(|m| m.split('.').nth(1).map(str::to_string))
        .collect();
    let delta: Vec<(String, i64)> = delta.into_iter().collect();
    aggregates::add_many(tx, unit_id, &delta).await?;
    let mut years = years;
    years.dedup();
    for year in years {
        snapshot(tx, unit_id, &year, today).await?;
    }
    Ok(())
}

/// Records the weighted completion of `unit_id` and its ancestors for
/// `today` (one row per unit, year and day).
pub(crate) async fn snapshot(
    tx: &mut Tx,
    unit_id: UnitId,
    year: &str,
    today: NaiveDate,
) -> StoreResult<()> {
    // The unit is bound: a check-in's statement stays one prepared text.
    write_history(
        tx,
        "SELECT ancestor_id AS id FROM unit_closure WHERE descendant_id = $5",
        Some(unit_id),
        year,
        today,
    )
    .await
}

/// [`snapshot`] for many units of one year at once: every ancestor of any
/// of them is written once, from its aggregates as they stand.
pub(crate) async fn snapshot_many(
    tx: &mut Tx,
    units: &[UnitId],
    year: &str,
    today: NaiveDate,
) -> StoreResult<()> {
    for chunk in units.chunks(500) {
        let ancestors = format!(
            "SELECT DISTINCT ancestor_id AS id FROM unit_closure WHERE descendant_id IN ({})",
            crate::tree::join(chunk)
        );
        write_history(tx, &ancestors, None, year, today).await?;
    }
    Ok(())
}

/// Writes today's completion of `year` for each unit `ancestors` (a query
/// of distinct ids, named `id`; integers only, or `$5` bound to `unit`)
/// selects.
async fn write_history(
    tx: &mut Tx,
    ancestors: &str,
    unit: Option<UnitId>,
    year: &str,
    today: NaiveDate,
) -> StoreResult<()> {
    let y: i64 = year.parse().unwrap_or(0);
    crate::aggregates::serialize_counters(tx).await?;
    let sql = format!(
        "INSERT INTO progress_history (unit_id, year, day, weight, completion)
         SELECT a.id, $1, $2, coalesce(w.subtree, 0), coalesce(x.subtree, 0)
         FROM ({ancestors}) a
         LEFT JOIN unit_aggregates w ON w.unit_id = a.id AND w.metric = $3
         LEFT JOIN unit_aggregates x ON x.unit_id = a.id AND x.metric = $4
         WHERE true
         ON CONFLICT (unit_id, year, day) DO UPDATE SET
           weight = excluded.weight, completion = excluded.completion"
    );
    on_ex!(tx, |e| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(y)
            .bind(ymd(today))
            .bind(weight_metric(year))
            .bind(completion_metric(year));
        if let Some(unit) = unit {
            q = q.bind(unit);
        }
        q.execute(&mut *e).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// A new plan, validated by the caller.
pub struct NewPlan<'a> {
    /// Unit.
    pub unit_id: UnitId,
    /// Title.
    pub title: &'a str,
    /// Period kind.
    pub period_kind: &'a str,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Cadence.
    pub cadence: &'a str,
    /// Decision adopted by the plan.
    pub decision_id: Option<i64>,
}

/// Creates a plan of a unit in `scope`.
pub async fn create_plan(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    new: &NewPlan<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<Plan> {
    if !crate::tree::in_scope(tx, scope, new.unit_id).await? {
        return Err(StoreError::NotFound);
    }
    let sql = format!(
        "INSERT INTO plans (unit_id, title, period_kind, starts_on, ends_on, cadence, decision_id, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {}",
        PLAN_COLUMNS.replace("p.", "")
    );
    Ok(on_ex!(tx, |e| sqlx::query_as::<_, Plan>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(new.unit_id)
    .bind(new.title)
    .bind(new.period_kind)
    .bind(ymd(new.starts_on))
    .bind(ymd(new.ends_on))
    .bind(new.cadence)
    .bind(new.decision_id)
    .bind(now)
    .bind(actor)
    .fetch_one(&mut *e)
    .await)?)
}

/// Makes a plan (in `scope`) cite a decision, when it cites none yet.
pub async fn cite_decision(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    plan_id: i64,
    decision_id: i64,
) -> StoreResult<Plan> {
    let plan = get_plan(tx, scope, plan_id).await?;
    if plan.decision_id.is_some_and(|d| d != decision_id) {
        return Err(StoreError::Conflict {
            field: "decision_id",
        });
    }
    on_ex!(tx, |e| sqlx::query(
        "UPDATE plans SET decision_id = $2 WHERE id = $1"
    )
    .bind(plan_id)
    .bind(decision_id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    get_plan(tx, scope, plan_id).await
}

/// A plan inside `scope`.
pub async fn get_plan<C: Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    id: i64,
) -> StoreResult<Plan> {
    let sql = format!(
        "SELECT {PLAN_COLUMNS} FROM plans p WHERE p.id = $1 AND {}",
        unit_condition(scope, "p.unit_id")
    );
    on_ex!(c, |e| sqlx::query_as::<_, Plan>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// A plan of the unit `unit_id` itself (no scope: the caller proved the
/// reader belongs to that unit).
pub async fn get_plan_of_own_unit(
    c: &mut impl DbConn,
    own_unit_id: UnitId,
    id: i64,
) -> StoreResult<Plan> {
    let sql = format!("SELECT {PLAN_COLUMNS} FROM plans p WHERE p.id = $1 AND p.unit_id = $2");
    on_ex!(c, |e| sqlx::query_as::<_, Plan>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .bind(own_unit_id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// Plans of a unit (inside `scope`), newest period first, at most 200.
pub async fn plans_of_unit(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
) -> StoreResult<Vec<Plan>> {
    plans_where(c, &unit_condition(scope, "p.unit_id"), unit_id).await
}

/// Plans of the reader's own unit (the caller proved membership).
pub async fn plans_of_own_unit(c: &mut impl DbConn, own_unit_id: UnitId) -> StoreResult<Vec<Plan>> {
    plans_where(c, "1 = 1", own_unit_id).await
}

async fn plans_where(
    c: &mut impl DbConn,
    condition: &str,
    unit_id: UnitId,
) -> StoreResult<Vec<Plan>> {
    let sql = format!(
        "SELECT {PLAN_COLUMNS} FROM plans p WHERE p.unit_id = $1 AND {condition}
         ORDER BY p.starts_on DESC, p.id DESC LIMIT 200"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Plan>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// The plan of `unit_id` for exactly this period, if there is one (the
/// oldest, when there are several).
pub async fn plan_for_period(
    tx: &mut Tx,
    unit_id: UnitId,
    starts_on: &str,
    ends_on: &str,
) -> StoreResult<Option<Plan>> {
    let sql = format!(
        "SELECT {PLAN_COLUMNS} FROM plans p
         WHERE p.unit_id = $1 AND p.starts_on = $2 AND p.ends_on = $3 AND p.locked_at IS NULL
         ORDER BY p.id LIMIT 1"
    );
    Ok(on_ex!(tx, |e| sqlx::query_as::<_, Plan>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .bind(starts_on)
    .bind(ends_on)
    .fetch_optional(&mut *e)
    .await)?)
}

/// Locks a plan (its review was closed): no more check-ins, targets or
/// deletions. Returns whether it changed.
pub async fn lock_plan(tx: &mut Tx, plan: &Plan, now: DateTime<Utc>) -> StoreResult<bool> {
    let n = on_ex!(tx, |e| sqlx::query(
        "UPDATE plans SET locked_at = $2 WHERE id = $1 AND locked_at IS NULL"
    )
    .bind(plan.id)
    .bind(now)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    // Its targets' statuses are final: the job passes them by.
    on_ex!(tx, |e| sqlx::query(
        "UPDATE targets SET next_check_on = $2 WHERE plan_id = $1"
    )
    .bind(plan.id)
    .bind(NEVER)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// A new target, validated by the caller.
pub struct NewTarget<'a> {
    /// Plan (its unit must be in the writer's scope).
    pub plan: &'a Plan,
    /// The target it is cascaded from.
    pub parent: Option<&'a Target>,
    /// Title.
    pub title: &'a str,
    /// Category key.
    pub category: &'a str,
    /// What is measured.
    pub measure: Measure,
    /// Unit of measure.
    pub measure_unit: &'a str,
    /// First day counted.
    pub starts_on: NaiveDate,
    /// Due date.
    pub due_on: NaiveDate,
    /// Weight 1–1000.
    pub weight: i64,
    /// Person responsible (a person of the plan's unit or below).
    pub owner_person_id: Option<i64>,
    /// Subunit responsible (below the plan's unit).
    pub owner_unit_id: Option<i64>,
    /// `mean` or `sum`.
    pub rollup: &'a str,
}

/// Adds a target to a plan and counts it; a cascaded target also makes
/// its parent's progress come from its children from now on.
pub async fn create_target(
    tx: &mut Tx,
    new: &NewTarget<'_>,
    actor: &str,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> StoreResult<Target> {
    let plan = new.plan;
    if plan_locked(tx, plan.id).await? {
        return Err(StoreError::Conflict { field: "plan_id" });
    }
    if let Some(person) = new.owner_person_id {
        let inside: i64 = on_ex!(tx, |e| sqlx::query_scalar(
            "SELECT count(*) FROM people p JOIN unit_closure c ON c.descendant_id = p.unit_id
             WHERE p.id = $1 AND c.ancestor_id = $2"
        )
        .bind(person)
        .bind(plan.unit_id)
        .fetch_one(&mut *e)
        .await)?;
        if inside == 0 {
            return Err(StoreError::Conflict {
                field: "owner_person_id",
            });
        }
    }
    if let Some(unit) = new.owner_unit_id {
        let below: i64 = on_ex!(tx, |e| sqlx::query_scalar(
            "SELECT count(*) FROM unit_closure c JOIN units u ON u.id = c.descendant_id
             WHERE c.ancestor_id = $2 AND c.descendant_id = $1 AND c.depth > 0
               AND u.closed_at IS NULL"
        )
        .bind(unit)
        .bind(plan.unit_id)
        .fetch_one(&mut *e)
        .await)?;
        if below == 0 {
            return Err(StoreError::Conflict {
                field: "owner_unit_id",
            });
        }
    }
    let (baseline, target_value) = match new.measure {
        Measure::Numeric { baseline, target } => (Some(baseline), Some(target)),
        Measure::Milestone => (None, None),
    };
    let kind = if baseline.is_some() {
        "numeric"
    } else {
        "milestone"
    };
    let facts = Facts {
        measure: new.measure,
        start: new.starts_on,
        due: new.due_on,
        cadence_days: cadence_days(&plan.cadence),
        last: None,
    };
    let status = progress::status(&facts, today);
    let next = next_check(&facts, today);
    let sql = format!(
        "INSERT INTO targets (plan_id, unit_id, parent_id, title, category, kind, baseline,
             target_value, measure_unit, starts_on, due_on, weight, owner_person_id,
             owner_unit_id, rollup, status, next_check_on, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
         RETURNING {}",
        TARGET_COLUMNS.replace("t.", "")
    );
    let target = on_ex!(tx, |e| sqlx::query_as::<_, Target>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(plan.id)
    .bind(plan.unit_id)
    .bind(new.parent.map(|p| p.id))
    .bind(new.title)
    .bind(new.category)
    .bind(kind)
    .bind(baseline)
    .bind(target_value)
    .bind(new.measure_unit)
    .bind(ymd(new.starts_on))
    .bind(ymd(new.due_on))
    .bind(new.weight)
    .bind(new.owner_person_id)
    .bind(new.owner_unit_id)
    .bind(new.rollup)
    .bind(status.key())
    .bind(&next)
    .bind(now)
    .bind(actor)
    .fetch_one(&mut *e)
    .await)
    .map_err(|e| StoreError::from(e).conflict_on("category"))?;
    apply(tx, target.unit_id, None, Some(&target), today).await?;
    if let Some(parent) = new.parent {
        adjust_children(tx, parent.id, 1, today).await?;
    }
    Ok(target)
}

/// Changes the number of live children of a cascaded target and derives
/// its state again. A target left without children reports through its
/// own check-ins again.
async fn adjust_children(tx: &mut Tx, id: i64, by: i64, today: NaiveDate) -> StoreResult<()> {
    let before = fetch_target(tx, id).await?;
    if plan_locked(tx, before.plan_id).await? {
        // A reviewed plan's targets stay as they were when it closed.
        return Ok(());
    }
    on_ex!(tx, |e| sqlx::query(
        "UPDATE targets SET children = children + $2 WHERE id = $1"
    )
    .bind(id)
    .bind(by)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    if before.children + by == 0 {
        on_ex!(tx, |e| sqlx::query(
            "UPDATE targets SET
               last_on = (SELECT k.reported_on FROM check_ins k WHERE k.target_id = $1
                          ORDER BY k.reported_on DESC, k.id DESC LIMIT 1),
               last_value = (SELECT k.value FROM check_ins k WHERE k.target_id = $1
                             ORDER BY k.reported_on DESC, k.id DESC LIMIT 1),
               last_done = coalesce((SELECT k.done FROM check_ins k WHERE k.target_id = $1
                                     ORDER BY k.reported_on DESC, k.id DESC LIMIT 1), $2)
             WHERE id = $1"
        )
        .bind(id)
        .bind(false)
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected()))?;
    }
    rederive_chain(tx, id, Some(before), today).await
}

/// A plan's check-in cadence and whether it is locked, read with a shared
/// row lock on PostgreSQL so that a review closing at the same moment waits
/// or is waited for.
async fn plan_state(tx: &mut Tx, plan_id: i64) -> StoreResult<(String, bool)> {
    let sql = format!(
        "SELECT cadence, locked_at FROM plans WHERE id = $1{}",
        tx.for_share()
    );
    let (cadence, locked): (String, Option<DateTime<Utc>>) =
        on_ex!(tx, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(plan_id)
            .fetch_one(&mut *e)
            .await)?;
    Ok((cadence, locked.is_some()))
}

/// Whether a plan is locked (see [`plan_state`]).
async fn plan_locked(tx: &mut Tx, plan_id: i64) -> StoreResult<bool> {
    Ok(plan_state(tx, plan_id).await?.1)
}

fn next_check(facts: &Facts, today: NaiveDate) -> String {
    progress::next_change(facts, today)
        .map(ymd)
        .unwrap_or_else(|| NEVER.to_string())
}

/// A target inside `scope` (deleted ones included).
pub async fn get_target<C: Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    id: i64,
) -> StoreResult<Target> {
    let sql = format!(
        "SELECT {TARGET_COLUMNS} FROM targets t WHERE t.id = $1 AND {}",
        unit_condition(scope, "t.unit_id")
    );
    on_ex!(c, |e| sqlx::query_as::<_, Target>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// A target owned by the person `person_id` (their own work).
pub async fn get_owned_target(c: &mut impl DbConn, person_id: i64, id: i64) -> StoreResult<Target> {
    let sql = format!(
        "SELECT {TARGET_COLUMNS} FROM targets t WHERE t.id = $1 AND t.owner_person_id = $2"
    );
    on_ex!(c, |e| sqlx::query_as::<_, Target>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .bind(person_id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

async fn fetch_target(tx: &mut Tx, id: i64) -> StoreResult<Target> {
    // A row lock on PostgreSQL, so two servers re-deriving the same target
    // apply its change once (the second sees the first one's result),
    // taken after the counters lock: a change walks up to parent targets
    // and counts, and rows locked in between could deadlock.
    crate::aggregates::serialize_counters(tx).await?;
    let sql = format!(
        "SELECT {TARGET_COLUMNS} FROM targets t WHERE t.id = $1{}",
        tx.for_update()
    );
    on_ex!(tx, |e| sqlx::query_as::<_, Target>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// Live targets of a plan, in order of creation, cascaded children after
/// their parent's siblings.
pub async fn targets_of_plan(c: &mut impl DbConn, plan: &Plan) -> StoreResult<Vec<Target>> {
    let sql = format!(
        "SELECT {TARGET_COLUMNS} FROM targets t WHERE t.plan_id = $1 AND t.deleted_at IS NULL
         ORDER BY t.id"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Target>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(plan.id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Live cascaded children of a target, with their unit names.
pub async fn children_of(c: &mut impl DbConn, parent_id: i64) -> StoreResult<Vec<Target>> {
    let sql = format!(
        "SELECT {TARGET_COLUMNS} FROM targets t WHERE t.parent_id = $1 AND t.deleted_at IS NULL
         ORDER BY t.id"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Target>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(parent_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// The facts deciding a target's status: its own latest check-in, or for
/// a cascaded target one derived from its children (weighted mean of their
/// completion, or the sum of their progress in the same unit of measure).
/// Children nobody reported on are left out, not counted as zero.
fn derived_facts(t: &Target, children: &[Target], cadence: &str) -> Facts {
    let own_measure = t.measure();
    let mut facts = Facts {
        measure: own_measure,
        start: day(&t.starts_on),
        due: day(&t.due_on),
        cadence_days: cadence_days(cadence),
        last: None,
    };
    if t.children == 0 || children.is_empty() {
        facts.last = t.last_on.as_deref().map(|on| LastCheckIn {
            on: day(on),
            value: t.last_value,
            done: t.last_done,
        });
        return facts;
    }
    let last_on = children.iter().filter_map(|c| c.last_on.as_deref()).max();
    let Some(last_on) = last_on.map(day) else {
        return facts;
    };
    let sum_rule = t.rollup == "sum" && matches!(own_measure, Measure::Numeric { .. });
    if sum_rule {
        let Measure::Numeric { baseline, .. } = own_measure else {
            unreachable!()
        };
        let gained: f64 = children
            .iter()
            .filter(|c| c.last_on.is_some())
            .map(|c| {
                // A share reported done counts in full, value or not.
                let reached = c.last_done || c.completion_ppm.is_some_and(|p| p >= 1_000_000);
                let value = if reached {
                    c.target_value.or(c.last_value)
                } else {
                    c.last_value
                };
                value.unwrap_or(0.0) - c.baseline.unwrap_or(0.0)
            })
            .sum();
        facts.last = Some(LastCheckIn {
            on: last_on,
            value: Some(baseline + gained),
            done: false,
        });
        return facts;
    }
    let known: Vec<(f64, f64)> = children
        .iter()
        .filter_map(|c| c.completion().map(|v| (c.weight as f64, v)))
        .collect();
    let weights: f64 = known.iter().map(|(w, _)| w).sum();
    if weights == 0.0 {
        return facts;
    }
    let share = known.iter().map(|(w, v)| w * v).sum::<f64>() / weights;
    // Judged as a share of the way: 0 → 1.
    facts.measure = Measure::Numeric {
        baseline: 0.0,
        target: 1.0,
    };
    facts.last = Some(LastCheckIn {
        on: last_on,
        value: Some(share),
        done: false,
    });
    facts
}

/// Re-derives the status of target `id` and, when its progress changed,
/// of the targets it was cascaded from, applying every change to the
/// aggregates. `counted` is the state the aggregates hold for `id` when it
/// differs from the stored row (a row changed just before).
async fn rederive_chain(
    tx: &mut Tx,
    id: i64,
    counted: Option<Target>,
    today: NaiveDate,
) -> StoreResult<()> {
    let mut next = Some((id, counted));
    while let Some((id, counted)) = next.take() {
        let stored = fetch_target(tx, id).await?;
        if stored.deleted_at.is_some() {
            break;
        }
        let (cadence, locked) = plan_state(tx, stored.plan_id).await?;
        if locked {
            // Reviewed plans stay as they were when they closed.
            break;
        }
        let before = counted.unwrap_or_else(|| stored.clone());
        let after = rederive_row(tx, &stored, &cadence, today).await?;
        apply(tx, after.unit_id, Some(&before), Some(&after), today).await?;
        let progressed = before.completion_ppm != after.completion_ppm
            || before.last_on != after.last_on
            || before.last_value != after.last_value
            || before.children != after.children;
        if progressed && let Some(parent) = after.parent_id {
            next = Some((parent, None));
        }
    }
    Ok(())
}

/// The state of target `t` derived from its own latest report or, when
/// cascaded, from its `children`: status, completion, the latest report
/// as shown on it, and the day it may next change by itself.
pub(crate) fn derive(t: &Target, children: &[Target], cadence: &str, today: NaiveDate) -> Target {
    let facts = derived_facts(t, children, cadence);
    let mut after = t.clone();
    after.status = progress::status(&facts, today).key().to_string();
    after.completion_ppm =
        progress::completion(facts.measure, facts.last.as_ref()).map(|c| (c * 1e6).round() as i64);
    if t.children > 0 {
        after.last_on = facts.last.map(|l| ymd(l.on));
        after.last_value = facts.last.and_then(|l| match (t.measure(), facts.measure) {
            // A mean is shown on the parent's own scale.
            (Measure::Numeric { baseline, target }, Measure::Numeric { target: 1.0, .. })
                if t.rollup == "mean" =>
            {
                l.value.map(|s| baseline + s * (target - baseline))
            }
            _ => l.value,
        });
        after.last_done = false;
    }
    after.next_check_on = next_check(&facts, today);
    after
}

/// Derives and stores the state of one target; returns the new row.
async fn rederive_row(
    tx: &mut Tx,
    t: &Target,
    cadence: &str,
    today: NaiveDate,
) -> StoreResult<Target> {
    let children = if t.children > 0 {
        children_of(tx, t.id).await?
    } else {
        Vec::new()
    };
    let after = derive(t, &children, cadence, today);
    if after != *t {
        on_ex!(tx, |e| sqlx::query(
            "UPDATE targets SET status = $2, completion_ppm = $3, last_on = $4, last_value = $5,
                 last_done = $6, next_check_on = $7
             WHERE id = $1"
        )
        .bind(after.id)
        .bind(&after.status)
        .bind(after.completion_ppm)
        .bind(&after.last_on)
        .bind(after.last_value)
        .bind(after.last_done)
        .bind(&after.next_check_on)
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(after)
}

/// A new check-in, validated by the caller.
pub struct NewCheckIn<'a> {
    /// Day reported on.
    pub reported_on: NaiveDate,
    /// Value (numeric targets).
    pub value: Option<f64>,
    /// Reported done.
    pub done: bool,
    /// Narrative.
    pub narrative: &'a str,
    /// Confidence.
    pub confidence: &'a str,
    /// Blocker raised with it.
    pub blocker_id: Option<i64>,
}

/// Records a check-in on a target read through a scoped getter, re-derives
/// its status (and its cascade parents') and updates the aggregates up to
/// the root. Returns the check-in and the target's new state. Refused on a
/// cascaded target (its progress comes from its children), a deleted one,
/// or one whose plan is locked.
pub async fn check_in(
    tx: &mut Tx,
    target: &Target,
    new: &NewCheckIn<'_>,
    actor: &str,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> StoreResult<(CheckIn, Target)> {
    let stored = fetch_target(tx, target.id).await?;
    if stored.deleted_at.is_some() {
        return Err(StoreError::NotFound);
    }
    if stored.children > 0 {
        return Err(StoreError::Conflict { field: "target_id" });
    }
    if plan_locked(tx, stored.plan_id).await? {
        return Err(StoreError::Conflict { field: "plan_id" });
    }
    let check_in = on_ex!(tx, |e| sqlx::query_as::<_, CheckIn>(
        "INSERT INTO check_ins (target_id, reported_on, value, done, narrative, confidence,
             blocker_id, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         RETURNING id, target_id, reported_on, value, done, narrative, confidence, blocker_id,
                   created_at, created_by"
    )
    .bind(stored.id)
    .bind(ymd(new.reported_on))
    .bind(new.value)
    .bind(new.done)
    .bind(new.narrative)
    .bind(new.confidence)
    .bind(new.blocker_id)
    .bind(now)
    .bind(actor)
    .fetch_one(&mut *e)
    .await)?;
    // The latest report is the one of the latest day (a late entry for an
    // earlier day goes into the history only).
    let newest = stored
        .last_on
        .as_deref()
        .is_none_or(|on| ymd(new.reported_on).as_str() >= on);
    if newest {
        on_ex!(tx, |e| sqlx::query(
            "UPDATE targets SET last_on = $2, last_value = $3, last_done = $4 WHERE id = $1"
        )
        .bind(stored.id)
        .bind(ymd(new.reported_on))
        .bind(new.value)
        .bind(new.done)
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected()))?;
        rederive_chain(tx, stored.id, Some(stored), today).await?;
    }
    let after = fetch_target(tx, target.id).await?;
    Ok((check_in, after))
}

/// The units whose figures a check-in on target `id` can change: the
/// target's unit, those of the targets its progress reaches up the
/// cascade (which a move or a merge may have put in another branch), and
/// every unit above each.
pub async fn progress_units(c: &mut impl DbConn, id: i64) -> StoreResult<Vec<UnitId>> {
    Ok(on_ex!(c, |e| {
        sqlx::query_scalar(
        "WITH RECURSIVE chain (id, parent_id, unit_id) AS (
             SELECT id, parent_id, unit_id FROM targets WHERE id = $1
             UNION
             SELECT t.id, t.parent_id, t.unit_id FROM targets t JOIN chain ON t.id = chain.parent_id
         )
         SELECT DISTINCT c.ancestor_id FROM chain JOIN unit_closure c ON c.descendant_id = chain.unit_id"
    )
    .bind(id)
    .fetch_all(&mut *e)
    .await
    })?)
}

/// Check-ins of a target, newest first, at most 200.
pub async fn check_ins_of(c: &mut impl DbConn, target: &Target) -> StoreResult<Vec<CheckIn>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, CheckIn>(
        "SELECT id, target_id, reported_on, value, done, narrative, confidence, blocker_id,
                created_at, created_by
         FROM check_ins WHERE target_id = $1 ORDER BY reported_on DESC, id DESC LIMIT 200"
    )
    .bind(target.id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Deletes a target (read through a scoped getter) and everything
/// cascaded from it; their counts leave the aggregates and the parent's
/// progress is derived again. Returns the ids deleted.
pub async fn delete_target(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    target: &Target,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> StoreResult<Vec<i64>> {
    let stored = fetch_target(tx, target.id).await?;
    if stored.deleted_at.is_some() {
        return Err(StoreError::NotFound);
    }
    if plan_locked(tx, stored.plan_id).await? {
        return Err(StoreError::Conflict { field: "plan_id" });
    }
    let mut deleted = Vec::new();
    let mut queue = vec![stored.id];
    while let Some(id) = queue.pop() {
        // Each share is read again under its row lock, and must lie in the
        // writer's scope and an open plan, as creating it did.
        let t = fetch_target(tx, id).await?;
        if t.id != stored.id
            && (!crate::tree::in_scope(tx, scope, t.unit_id).await?
                || plan_locked(tx, t.plan_id).await?)
        {
            return Err(StoreError::Conflict { field: "children" });
        }
        if t.children > 0 {
            queue.extend(children_of(tx, t.id).await?.iter().map(|c| c.id));
        }
        on_ex!(tx, |e| sqlx::query(
            "UPDATE targets SET deleted_at = $2 WHERE id = $1"
        )
        .bind(t.id)
        .bind(now)
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected()))?;
        apply(tx, t.unit_id, Some(&t), None, today).await?;
        deleted.push(t.id);
    }
    if let Some(parent) = stored.parent_id {
        adjust_children(tx, parent, -1, today).await?;
    }
    Ok(deleted)
}

/// Targets whose status may have changed by `today` without new facts, at
/// most `limit`.
pub async fn due_for_refresh(
    c: &mut impl DbConn,
    today: NaiveDate,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT id FROM targets WHERE next_check_on <= $1 AND deleted_at IS NULL
         ORDER BY next_check_on, id LIMIT $2"
    )
    .bind(ymd(today))
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// Re-derives one target (and its cascade parents) for `today`; returns
/// whether anything had to change. Safe when several servers do it.
pub async fn refresh(tx: &mut Tx, id: i64, today: NaiveDate) -> StoreResult<bool> {
    let stored = fetch_target(tx, id).await?;
    if stored.deleted_at.is_some() || stored.next_check_on.as_str() > ymd(today).as_str() {
        return Ok(false);
    }
    rederive_chain(tx, id, None, today).await?;
    Ok(fetch_target(tx, id).await? != stored)
}

/// A target whose stored state differs from a derivation from scratch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaleTarget {
    /// Target.
    pub id: i64,
    /// Stored status.
    pub stored: String,
    /// Derived status.
    pub derived: String,
    /// Stored completion.
    pub stored_completion_ppm: Option<i64>,
    /// Derived completion.
    pub derived_completion_ppm: Option<i64>,
}

/// Derives every live target's status and completion from its own
/// check-ins and its children for `today`, and lists those whose stored
/// state differs (for `grassroots check` and the tests). Stored states
/// older than their `next_check_on` are judged for that day.
pub async fn stale_targets(c: &mut impl DbConn, today: NaiveDate) -> StoreResult<Vec<StaleTarget>> {
    let sql =
        format!("SELECT {TARGET_COLUMNS} FROM targets t WHERE t.deleted_at IS NULL ORDER BY t.id");
    let all: Vec<Target> = on_ex!(c, |e| sqlx::query_as::<_, Target>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .fetch_all(&mut *e)
    .await)?;
    let plans: Vec<(i64, String, Option<DateTime<Utc>>)> = on_ex!(c, |e| sqlx::query_as(
        "SELECT id, cadence, locked_at FROM plans"
    )
    .fetch_all(&mut *e)
    .await)?;
    let locked: std::collections::BTreeSet<i64> = plans
        .iter()
        .filter(|p| p.2.is_some())
        .map(|p| p.0)
        .collect();
    let cadences: BTreeMap<i64, String> = plans.into_iter().map(|p| (p.0, p.1)).collect();
    // The latest check-in of each leaf, from the check-ins themselves.
    let latest: Vec<(i64, String, Option<f64>, bool)> = on_ex!(c, |e| sqlx::query_as(
        "SELECT k.target_id, k.reported_on, k.value, k.done FROM check_ins k
         WHERE k.id = (SELECT k2.id FROM check_ins k2 WHERE k2.target_id = k.target_id
                       ORDER BY k2.reported_on DESC, k2.id DESC LIMIT 1)"
    )
    .fetch_all(&mut *e)
    .await)?;
    let latest: BTreeMap<i64, (String, Option<f64>, bool)> = latest
        .into_iter()
        .map(|(t, on, v, d)| (t, (on, v, d)))
        .collect();
    let mut by_parent: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for t in &all {
        if let Some(p) = t.parent_id {
            by_parent.entry(p).or_default().push(t.id);
        }
    }
    let index: BTreeMap<i64, usize> = all.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    // Derive children before parents: deepest cascade first.
    let mut derived: BTreeMap<i64, Target> = BTreeMap::new();
    let mut order: Vec<&Target> = all.iter().collect();
    let depth = |t: &Target| {
        let mut d = 0;
        let mut p = t.parent_id;
        while let Some(id) = p {
            d += 1;
            p = index.get(&id).and_then(|&i| all[i].parent_id);
        }
        d
    };
    order.sort_by_key(|t| std::cmp::Reverse(depth(t)));
    let mut out = Vec::new();
    for t in order {
        let mut fresh = t.clone();
        let kids: Vec<Target> = by_parent
            .get(&t.id)
            .map(|ids| ids.iter().filter_map(|i| derived.get(i).cloned()).collect())
            .unwrap_or_default();
        fresh.children = kids.len() as i64;
        if fresh.children == 0 {
            let l = latest.get(&t.id);
            fresh.last_on = l.map(|(on, _, _)| on.clone());
            fresh.last_value = l.and_then(|(_, v, _)| *v);
            fresh.last_done = l.is_some_and(|(_, _, d)| *d);
        }
        let cadence = cadences
            .get(&t.plan_id)
            .map(String::as_str)
            .unwrap_or("monthly");
        let facts = derived_facts(&fresh, &kids, cadence);
        // A state not yet refreshed is correct for the day it was derived.
        let judged = if t.next_check_on.as_str() > ymd(today).as_str() {
            today
        } else {
            day(&t.next_check_on).pred_opt().unwrap_or(today)
        };
        fresh.status = progress::status(&facts, judged).key().to_string();
        fresh.completion_ppm = progress::completion(facts.measure, facts.last.as_ref())
            .map(|c| (c * 1e6).round() as i64);
        if locked.contains(&t.plan_id) {
            // Reviewed plans keep their state as it was when they closed.
            derived.insert(t.id, t.clone());
            continue;
        }
        if fresh.status != t.status
            || fresh.completion_ppm != t.completion_ppm
            || fresh.children != t.children
        {
            out.push(StaleTarget {
                id: t.id,
                stored: t.status.clone(),
                derived: fresh.status.clone(),
                stored_completion_ppm: t.completion_ppm,
                derived_completion_ppm: fresh.completion_ppm,
            });
        }
        derived.insert(t.id, fresh);
    }
    out.sort_by_key(|s| s.id);
    Ok(out)
}

/// The roll-up of a unit's subtree for one year, from the maintained
/// aggregates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Rollup {
    /// Targets by status key (every status present, zeros included).
    pub by_status: BTreeMap<String, i64>,
    /// All targets.
    pub targets: i64,
    /// Weighted completion of the leaf targets someone reported on; `None`
    /// when nobody did.
    pub completion: Option<f64>,
    /// Weight behind `completion`.
    pub reported_weight: i64,
    /// Open blockers (escalated ones count where they are now).
    pub blockers_open: i64,
    /// Mean age of the open blockers in days, on the day asked.
    pub blockers_mean_age_days: Option<f64>,
    /// Resolved blockers.
    pub blockers_resolved: i64,
    /// Mean hours from opening to resolution.
    pub blockers_mean_resolve_hours: Option<f64>,
}

impl Rollup {
    /// Builds the roll-up from metric rows (subtree values).
    pub fn from_metrics(year: &str, rows: &BTreeMap<String, i64>, today: NaiveDate) -> Rollup {
        let get = |m: &str| rows.get(m).copied().unwrap_or(0);
        let mut by_status = BTreeMap::new();
        for s in Status::ALL {
            by_status.insert(s.key().to_string(), get(&status_metric(year, s.key())));
        }
        let weight = get(&weight_metric(year));
        let open = get(aggregates::BLOCKERS_OPEN);
        let resolved = get(aggregates::BLOCKERS_RESOLVED);
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        let today_day = (today - epoch).num_days() as f64;
        Rollup {
            targets: by_status.values().sum(),
            by_status,
            completion: (weight > 0)
                .then(|| get(&completion_metric(year)) as f64 / weight as f64 / 1e6),
            reported_weight: weight,
            blockers_open: open,
            blockers_mean_age_days: (open > 0)
                .then(|| today_day - get(aggregates::BLOCKERS_OPEN_DAYS) as f64 / open as f64),
            blockers_resolved: resolved,
            blockers_mean_resolve_hours: (resolved > 0)
                .then(|| get(aggregates::BLOCKERS_RESOLVE_HOURS) as f64 / resolved as f64),
        }
    }
}

fn rollup_condition() -> &'static str {
    "(a.metric LIKE $2 OR a.metric LIKE 'blockers.%')"
}

/// The roll-up of `unit_id`'s subtree (inside `scope`) for `year`: a few
/// row reads of its aggregates.
pub async fn rollup(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    year: &str,
    today: NaiveDate,
) -> StoreResult<Rollup> {
    if !crate::tree::in_scope(c, scope, unit_id).await? {
        return Err(StoreError::NotFound);
    }
    let sql = format!(
        "SELECT a.metric, a.subtree FROM unit_aggregates a WHERE a.unit_id = $1 AND {}",
        rollup_condition()
    );
    let rows: Vec<(String, i64)> =
        on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(unit_id)
            .bind(format!("targets.{year}.%"))
            .fetch_all(&mut *e)
            .await)?;
    Ok(Rollup::from_metrics(
        year,
        &rows.into_iter().collect(),
        today,
    ))
}

/// A child unit with its roll-up.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChildRollup {
    /// Unit.
    pub unit_id: i64,
    /// Name.
    pub name: String,
    /// Level key.
    pub level: String,
    /// Its subtree's roll-up.
    pub rollup: Rollup,
}

/// The roll-ups of the open children of `unit_id` (inside `scope`).
pub async fn children_rollups(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    year: &str,
    today: NaiveDate,
) -> StoreResult<Vec<ChildRollup>> {
    let sql = format!(
        "SELECT u.id, u.name, u.level, a.metric, a.subtree
         FROM units u LEFT JOIN unit_aggregates a ON a.unit_id = u.id AND {}
         WHERE u.parent_id = $1 AND u.closed_at IS NULL AND {}
         ORDER BY u.name, u.id",
        rollup_condition(),
        unit_condition(scope, "u.id")
    );
    /// (unit, name, level, metric, subtree value); no metric for a child
    /// without plan counters.
    type ChildMetricRow = (i64, String, String, Option<String>, Option<i64>);
    let rows: Vec<ChildMetricRow> =
        on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(unit_id)
            .bind(format!("targets.{year}.%"))
            .fetch_all(&mut *e)
            .await)?;
    let mut out: Vec<(i64, String, String, BTreeMap<String, i64>)> = Vec::new();
    for (id, name, level, metric, value) in rows {
        if out.last().is_none_or(|l| l.0 != id) {
            out.push((id, name, level, BTreeMap::new()));
        }
        if let (Some(m), Some(v), Some(last)) = (metric, value, out.last_mut()) {
            last.3.insert(m, v);
        }
    }
    Ok(out
        .into_iter()
        .map(|(unit_id, name, level, m)| ChildRollup {
            unit_id,
            name,
            level,
            rollup: Rollup::from_metrics(year, &m, today),
        })
        .collect())
}

/// One day of a subtree's weighted completion.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct HistoryPoint {
    /// Day.
    pub day: String,
    /// Weight reported.
    pub weight: i64,
    /// Sum of weight × completion (ppm).
    pub completion: i64,
}

/// Weighted completion of `unit_id`'s subtree (inside `scope`) by day of
/// `year` (days with a change only).
pub async fn history(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    year: &str,
) -> StoreResult<Vec<HistoryPoint>> {
    let sql = format!(
        "SELECT h.day, h.weight, h.completion FROM progress_history h
         WHERE h.unit_id = $1 AND h.year = $2 AND {} ORDER BY h.day",
        unit_condition(scope, "h.unit_id")
    );
    let y: i64 = year.parse().unwrap_or(0);
    Ok(on_ex!(c, |e| sqlx::query_as::<_, HistoryPoint>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .bind(y)
    .fetch_all(&mut *e)
    .await)?)
}

/// A target with the name of its unit, for lists across a subtree.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TargetListing {
    /// The target.
    #[sqlx(flatten)]
    pub target: Target,
    /// Name of its unit.
    pub unit_name: String,
}

/// Targets of `year` in `unit_id`'s subtree (inside `scope`) with one of
/// `statuses`, earliest due first, at most `limit`.
pub async fn in_subtree_with_status(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    year: &str,
    statuses: &[&str],
    limit: i64,
) -> StoreResult<Vec<TargetListing>> {
    // How many there are, and how big the subtree is, come from the
    // aggregates; they choose the plan of the query.
    let metrics: Vec<String> = statuses.iter().map(|s| status_metric(year, s)).collect();
    let counts = aggregates::of_unit(c, scope, unit_id).await?;
    let matching: i64 = metrics
        .iter()
        .filter_map(|m| counts.get(m))
        .map(|v| v.1)
        .sum();
    if matching == 0 {
        return Ok(Vec::new());
    }
    let walk = counts.get(aggregates::UNITS).map_or(0, |v| v.1) <= WALK_UP_TO_UNITS;
    in_subtree_with_status_by(c, scope, unit_id, year, statuses, limit, walk).await
}

/// Subtrees up to this many units are walked through the closure table;
/// larger ones are searched from the other side.
pub const WALK_UP_TO_UNITS: i64 = 2000;

/// [`in_subtree_with_status`] with the query plan chosen by the caller:
/// `walk` the subtree, or probe each matching row (both give the same
/// rows; the tests compare them).
pub async fn in_subtree_with_status_by(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    year: &str,
    statuses: &[&str],
    limit: i64,
    walk: bool,
) -> StoreResult<Vec<TargetListing>> {
    // Only known status keys reach the SQL text.
    let list = statuses
        .iter()
        .filter(|s| Status::ALL.iter().any(|k| k.key() == **s))
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let inside = crate::tree::condition_below(c, scope, unit_id, "t.unit_id").await?;
    let sql = if walk {
        // A small subtree: walk it.
        format!(
            "SELECT {TARGET_COLUMNS}, u.name AS unit_name
             FROM unit_closure c JOIN targets t ON t.unit_id = c.descendant_id
             JOIN units u ON u.id = t.unit_id
             WHERE c.ancestor_id = $1 AND t.status IN ({list}) AND t.deleted_at IS NULL
               AND t.due_on >= $2 AND t.due_on <= $3 AND {inside}
             ORDER BY t.due_on, t.id LIMIT $4"
        )
    } else {
        // A large one: take the targets of one status in due order (the
        // status index gives that order, so no sort of every match) and
        // keep those below the unit (an index probe each) until the page
        // is full; one query per status, merged here.
        let mut rows = Vec::new();
        for status in statuses
            .iter()
            .filter(|s| Status::ALL.iter().any(|k| k.key() == **s))
        {
            let sql = format!(
                "SELECT {TARGET_COLUMNS}, u.name AS unit_name
                 FROM targets t JOIN units u ON u.id = t.unit_id
                 WHERE t.status = '{status}' AND t.deleted_at IS NULL
                   AND t.due_on >= $2 AND t.due_on <= $3
                   AND EXISTS (SELECT 1 FROM unit_closure c
                               WHERE c.descendant_id = t.unit_id AND c.ancestor_id = $1)
                   AND {inside}
                 ORDER BY t.due_on, t.id LIMIT $4"
            );
            rows.extend(listing(c, &sql, unit_id, year, limit).await?);
        }
        rows.sort_by(|a, b| (&a.target.due_on, a.target.id).cmp(&(&b.target.due_on, b.target.id)));
        rows.truncate(limit.max(0) as usize);
        return Ok(rows);
    };
    listing(c, &sql, unit_id, year, limit).await
}

async fn listing(
    c: &mut impl DbConn,
    sql: &str,
    unit_id: UnitId,
    year: &str,
    limit: i64,
) -> StoreResult<Vec<TargetListing>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, TargetListing>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(unit_id)
    .bind(format!("{year}-01-01"))
    .bind(format!("{year}-12-31"))
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// A target someone owns, with its plan's cadence.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OwnedTargetRow {
    /// The target.
    #[sqlx(flatten)]
    pub listing: TargetListing,
    /// Its plan's check-in cadence.
    pub cadence: String,
}

/// Live targets owned by a person, due first, at most 200.
pub async fn owned_by(c: &mut impl DbConn, person_id: i64) -> StoreResult<Vec<OwnedTargetRow>> {
    let sql = format!(
        "SELECT {TARGET_COLUMNS}, u.name AS unit_name, p.cadence
         FROM targets t JOIN units u ON u.id = t.unit_id JOIN plans p ON p.id = t.plan_id
         WHERE t.owner_person_id = $1 AND t.deleted_at IS NULL
         ORDER BY t.due_on, t.id LIMIT 200"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, OwnedTargetRow>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(person_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Statuses of targets that wait for no check-in (reached, past due, or
/// not begun).
pub const AWAITING_NO_CHECK_IN: [&str; 3] = ["done", "late", "not_started"];

/// The day a leaf target's next check-in is due: its start when it has
/// none, otherwise its latest report plus the plan's cadence.
pub fn check_in_due_on(starts_on: &str, last_on: Option<&str>, cadence: &str) -> NaiveDate {
    match last_on {
        Some(l) => day(l) + chrono::Duration::days(cadence_days(cadence)),
        None => day(starts_on),
    }
}

/// Plan categories: (key, label; an empty label means the built-in name).
pub async fn categories(c: &mut impl DbConn) -> StoreResult<Vec<(String, String)>> {
    Ok(on_ex!(c, |e| sqlx::query_as(
        "SELECT key, label FROM plan_categories ORDER BY position, key"
    )
    .fetch_all(&mut *e)
    .await)?)
}

/// Adds a category (administrators of the whole organization).
pub async fn add_category(tx: &mut Tx, key: &str, label: &str) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "INSERT INTO plan_categories (key, label, position)
         SELECT $1, $2, coalesce(max(position), 0) + 1 FROM plan_categories"
    )
    .bind(key)
    .bind(label)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| StoreError::from(e).conflict_on("key"))?;
    Ok(())
}

/// The decision-adoption counters of `unit_id` (inside `scope`): (decision
/// id, title, addressed, adopted) for the latest `limit` decisions
/// addressed in its subtree.
pub async fn adoption_in_subtree(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
    limit: i64,
) -> StoreResult<Vec<(i64, String, i64, i64)>> {
    let sql = format!(
        "SELECT d.id, d.title, a.subtree, coalesce(b.subtree, 0)
         FROM decisions d
         JOIN unit_aggregates a ON a.unit_id = $1
              AND a.metric = 'decision.' || CAST(d.id AS TEXT) || '.addressed'
         LEFT JOIN unit_aggregates b ON b.unit_id = $1
              AND b.metric = 'decision.' || CAST(d.id AS TEXT) || '.adopted'
         WHERE a.subtree > 0 AND {}
         ORDER BY d.issued_on DESC, d.id DESC LIMIT $2",
        unit_condition(scope, "a.unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(unit_id)
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// Sets how a cascaded target combines its children (read through a
/// scoped getter).
pub async fn set_rollup(tx: &mut Tx, target: &Target, rollup: &str) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE targets SET rollup = $2 WHERE id = $1"
    )
    .bind(target.id)
    .bind(rollup)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Live cascaded children of a target inside `scope`, with their units'
/// names.
pub async fn children_listed(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    parent_id: i64,
) -> StoreResult<Vec<TargetListing>> {
    let sql = format!(
        "SELECT {TARGET_COLUMNS}, u.name AS unit_name FROM targets t JOIN units u ON u.id = t.unit_id
         WHERE t.parent_id = $1 AND t.deleted_at IS NULL AND {}
         ORDER BY u.name, t.id",
        unit_condition(scope, "t.unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, TargetListing>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(parent_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Counter family: Targets by year and status, and the weights and completion the dashboards average; plans follow the unit that takes over.
pub const COUNTERS: crate::aggregates::CounterFamily = crate::aggregates::CounterFamily {
    name: "plans",
    metrics: &["targets."],
    follows_rows: true,
    recompute_sql: "SELECT c.ancestor_id, 'targets.' || substr(t.due_on, 1, 4) || '.' || t.status,
                sum(CASE WHEN t.unit_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
         FROM targets t JOIN unit_closure c ON c.descendant_id = t.unit_id
         WHERE t.deleted_at IS NULL
         GROUP BY c.ancestor_id, substr(t.due_on, 1, 4), t.status
         UNION ALL
         SELECT c.ancestor_id, 'targets.' || substr(t.due_on, 1, 4) || '.weight',
                CAST(sum(CASE WHEN t.unit_id = c.ancestor_id THEN t.weight ELSE 0 END) AS BIGINT),
                CAST(sum(t.weight) AS BIGINT)
         FROM targets t JOIN unit_closure c ON c.descendant_id = t.unit_id
         WHERE t.deleted_at IS NULL AND t.children = 0 AND t.completion_ppm IS NOT NULL
         GROUP BY c.ancestor_id, substr(t.due_on, 1, 4)
         UNION ALL
         SELECT c.ancestor_id, 'targets.' || substr(t.due_on, 1, 4) || '.completion',
                CAST(sum(CASE WHEN t.unit_id = c.ancestor_id THEN t.weight * t.completion_ppm ELSE 0 END) AS BIGINT),
                CAST(sum(t.weight * t.completion_ppm) AS BIGINT)
         FROM targets t JOIN unit_closure c ON c.descendant_id = t.unit_id
         WHERE t.deleted_at IS NULL AND t.children = 0 AND t.completion_ppm IS NOT NULL
         GROUP BY c.ancestor_id, substr(t.due_on, 1, 4)",
};

/// When a unit ends, its plans, their targets and the blockers held there
/// go to the unit that takes over (their counters follow the unit's own
/// counts: see [`COUNTERS`] and `blockers::COUNTERS`).
pub const UNIT_END: crate::lifecycle::UnitEndHook = crate::lifecycle::UnitEndHook {
    feature: "plans",
    run: |tx, ending, successor, _now| {
        Box::pin(async move {
            for sql in [
                "UPDATE plans SET unit_id = $2 WHERE unit_id = $1",
                "UPDATE targets SET unit_id = $2 WHERE unit_id = $1",
                "UPDATE blockers SET unit_id = $2 WHERE unit_id = $1",
            ] {
                crate::on_ex!(tx, |e| sqlx::query(sql)
                    .bind(ending)
                    .bind(successor)
                    .execute(&mut *e)
                    .await
                    .map(|r| r.rows_affected()))?;
            }
            Ok(())
        })
    },
};
