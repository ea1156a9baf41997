//! Plans and their implementation: a unit's plan for a period (adopting a
//! decision, or not), targets, cascades to subunits, check-ins, blockers,
//! and the roll-ups of any subtree. Units plan and report within their
//! scope (Edit); the owner of a target may report on it and raise its
//! blockers; a member sees the plans of their own unit.

pub mod reviews;

use std::sync::Arc;

use chrono::{Datelike, Duration, NaiveDate};
use grassroots_core::progress::{Measure, Status};
use grassroots_core::validate::display_name;
use grassroots_core::{Edit, FieldError, Read, Scope, UnitId};
use grassroots_store::plans::blockers::{self, Blocker, BlockerListing, NewBlocker};
use grassroots_store::plans::{
    self, CADENCES, CONFIDENCES, CheckIn, ChildRollup, HistoryPoint, NewCheckIn, NewPlan,
    NewTarget, PERIOD_KINDS, Plan, ROLLUPS, Rollup, Target, TargetListing,
};
use grassroots_store::{Tx, audit, decisions};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::cache::Kept;
use crate::{Actor, App, AppError, AppResult};

/// Today, as the organization's clock says.
pub fn today(app: &App) -> NaiveDate {
    app.clock.today()
}

fn parse_day(field: &'static str, s: &str) -> AppResult<NaiveDate> {
    grassroots_core::calendar::parse_day(s.trim())
        .map_err(|_| FieldError::new(field, "invalid_date", "must be a date YYYY-MM-DD").into())
}

fn optional_day(field: &'static str, s: &Option<String>) -> AppResult<Option<NaiveDate>> {
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(d) => parse_day(field, d).map(Some),
    }
}

fn one_of(field: &'static str, value: &str, choices: &[&str]) -> AppResult<String> {
    let v = value.trim();
    if choices.contains(&v) {
        Ok(v.to_string())
    } else {
        Err(FieldError::new(
            field,
            "invalid_choice",
            format!("must be one of: {}", choices.join(", ")),
        )
        .into())
    }
}

/// A plan as typed in a form or an API body.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PlanInput {
    /// Title.
    pub title: String,
    /// `year`, `quarter`, `month` or `custom`.
    pub period_kind: String,
    /// First day (YYYY-MM-DD; for year, quarter and month any day in the
    /// period will do). Default: today.
    #[serde(default)]
    pub starts_on: Option<String>,
    /// Last day, for `custom` periods.
    #[serde(default)]
    pub ends_on: Option<String>,
    /// `daily`, `weekly` or `monthly` (default).
    #[serde(default)]
    pub cadence: Option<String>,
    /// The decision this plan adopts (addressed to the unit, or issued by
    /// it).
    #[serde(default)]
    pub decision_id: Option<i64>,
}

/// The first and last day of a period of `kind` containing `day` (for
/// `custom`, from `day` to `end`).
pub fn period(
    kind: &str,
    day: NaiveDate,
    end: Option<NaiveDate>,
) -> AppResult<(NaiveDate, NaiveDate)> {
    let first =
        |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).ok_or(AppError::invalid("starts_on"));
    let (y, m) = (day.year(), day.month());
    Ok(match kind {
        "year" => (first(y, 1)?, first(y + 1, 1)? - Duration::days(1)),
        "quarter" => {
            let q = (m - 1) / 3 * 3 + 1;
            let (ny, nm) = if q == 10 { (y + 1, 1) } else { (y, q + 3) };
            (first(y, q)?, first(ny, nm)? - Duration::days(1))
        }
        "month" => {
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            (first(y, m)?, first(ny, nm)? - Duration::days(1))
        }
        _ => {
            let end = end.ok_or_else(|| {
                FieldError::new("ends_on", "required", "is required for a custom period")
            })?;
            if end < day {
                return Err(FieldError::new(
                    "ends_on",
                    "before_start",
                    "must not be before the first day",
                )
                .into());
            }
            if (end - day).num_days() > 3660 {
                return Err(FieldError::new(
                    "ends_on",
                    "too_long",
                    "a plan may span at most ten years",
                )
                .into());
            }
            (day, end)
        }
    })
}

/// Creates a plan of `unit_id`; a plan citing a decision addressed to the
/// unit adopts it.
pub async fn create_plan(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    input: PlanInput,
) -> AppResult<Plan> {
    create_plan_as(app, actor, unit_id, input, false).await
}

/// Creates a plan; when `adopting`, the decision it cites must not have
/// been adopted by the unit already (checked in the same transaction).
async fn create_plan_as(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    input: PlanInput,
    adopting: bool,
) -> AppResult<Plan> {
    crate::units::require::<Edit>(app, actor, unit_id).await?;
    let title = display_name("title", &input.title)?;
    let kind = one_of("period_kind", &input.period_kind, PERIOD_KINDS)?;
    let cadence = one_of(
        "cadence",
        input.cadence.as_deref().unwrap_or("monthly"),
        CADENCES,
    )?;
    let start = optional_day("starts_on", &input.starts_on)?.unwrap_or_else(|| today(app));
    let end = optional_day("ends_on", &input.ends_on)?;
    let (starts_on, ends_on) = period(&kind, start, end)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let plan = plans::create_plan(
        &mut tx,
        &actor.principal.scope::<Edit>(),
        &NewPlan {
            unit_id,
            title: &title,
            period_kind: &kind,
            starts_on,
            ends_on,
            cadence: &cadence,
            decision_id: None,
        },
        &actor.label,
        now,
    )
    .await?;
    let plan = match input.decision_id {
        Some(d) => cite(app, actor, &mut tx, &plan, d, adopting).await?,
        None => plan,
    };
    let mut e = actor.entry("plan.create", "plan", plan.id, Some(unit_id));
    e.after = Some(json!(plan));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(plan)
}

/// Makes `plan` cite decision `decision_id` (addressed to the plan's unit
/// or issued by it) and adopts the decision when it was addressed there.
async fn cite(
    app: &App,
    actor: &Actor,
    tx: &mut Tx,
    plan: &Plan,
    decision_id: i64,
    adopting: bool,
) -> AppResult<Plan> {
    let read = actor.principal.scope::<Read>();
    let decision = decisions::get(tx, &read, decision_id)
        .await
        .map_err(|_| FieldError::new("decision_id", "not_found", "no such decision"))?;
    let edit = actor.principal.scope::<Edit>();
    let adopted = match decisions::adopt(
        tx,
        &edit,
        decision_id,
        plan.unit_id,
        &actor.label,
        app.clock.now(),
    )
    .await
    {
        Ok(changed) => changed,
        Err(grassroots_store::StoreError::NotFound)
            if decision.unit_id == plan.unit_id && !adopting =>
        {
            false
        }
        Err(grassroots_store::StoreError::NotFound) => {
            return Err(FieldError::new(
                "decision_id",
                "not_addressed",
                "the decision is not addressed to this unit",
            )
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    if adopting && !adopted {
        return Err(already_adopted());
    }
    let plan = plans::cite_decision(tx, &edit, plan.id, decision_id)
        .await
        .map_err(|e| match e {
            grassroots_store::StoreError::Conflict { .. } => AppError::Invalid(FieldError::new(
                "plan_id",
                "cites_other_decision",
                "the plan already adopts another decision",
            )),
            e => e.into(),
        })?;
    if adopted {
        let mut e = actor.entry(
            "decision.adopt",
            "decision",
            decision_id,
            Some(plan.unit_id),
        );
        e.after = Some(json!({ "unit_id": plan.unit_id, "plan_id": plan.id }));
        audit::append(tx, app.clock.now(), &e).await?;
    }
    Ok(plan)
}

/// How an addressed unit adopts a decision: by extending one of its plans
/// (`plan_id`) or with a new plan (`plan`; default: a plan of the current
/// year titled after the decision).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AdoptInput {
    /// The adopting unit.
    pub unit_id: UnitId,
    /// An existing plan of the unit to extend.
    #[serde(default)]
    pub plan_id: Option<i64>,
    /// A new plan.
    #[serde(default)]
    pub plan: Option<PlanInput>,
}

/// Adopts a decision in a unit by creating or extending its plan; returns
/// the plan.
pub async fn adopt(
    app: &App,
    actor: &Actor,
    decision_id: i64,
    input: AdoptInput,
) -> AppResult<Plan> {
    crate::units::require::<Edit>(app, actor, input.unit_id).await?;
    if let Some(plan_id) = input.plan_id {
        let now = app.clock.now();
        let mut tx = app.db.begin().await?;
        let plan = plans::get_plan(&mut tx, &actor.principal.scope::<Edit>(), plan_id).await?;
        if plan.unit_id != input.unit_id {
            return Err(
                FieldError::new("plan_id", "other_unit", "is a plan of another unit").into(),
            );
        }
        let plan = cite(app, actor, &mut tx, &plan, decision_id, false).await?;
        let mut e = actor.entry("plan.extend", "plan", plan.id, Some(plan.unit_id));
        e.after = Some(json!({ "decision_id": decision_id }));
        audit::append(&mut tx, now, &e).await?;
        tx.commit().await?;
        return Ok(plan);
    }
    // A second adoption is refused inside the plan's transaction (`cite`).
    let mut plan = match input.plan {
        Some(p) => p,
        None => {
            let mut c = app.db.conn().await?;
            let d = decisions::get(&mut c, &actor.principal.scope::<Read>(), decision_id).await?;
            PlanInput {
                title: d.title,
                period_kind: "year".into(),
                ..Default::default()
            }
        }
    };
    plan.decision_id = Some(decision_id);
    create_plan_as(app, actor, input.unit_id, plan, true).await
}

fn already_adopted() -> AppError {
    FieldError::new(
        "decision_id",
        "already_adopted",
        "the unit has already adopted this decision; extend one of its plans instead",
    )
    .into()
}

/// A target as typed in a form or an API body.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct TargetInput {
    /// Title.
    pub title: String,
    /// Category key (see `GET /plan-categories`).
    pub category: String,
    /// `numeric` or `milestone`.
    pub kind: String,
    /// Value at the start (numeric).
    #[serde(default)]
    pub baseline: Option<f64>,
    /// Value to reach (numeric; below the baseline means "reduce").
    #[serde(default)]
    pub target_value: Option<f64>,
    /// Unit of measure (numeric), e.g. "t".
    #[serde(default)]
    pub measure_unit: String,
    /// First day counted (default: the plan's first day).
    #[serde(default)]
    pub starts_on: Option<String>,
    /// Due date (default: the plan's last day).
    #[serde(default)]
    pub due_on: Option<String>,
    /// Weight 1–1000 (default 1).
    #[serde(default)]
    pub weight: Option<i64>,
    /// Person responsible (of the plan's unit or below).
    #[serde(default)]
    pub owner_person_id: Option<i64>,
    /// Subunit responsible.
    #[serde(default)]
    pub owner_unit_id: Option<i64>,
}

struct CheckedTarget {
    title: String,
    category: String,
    measure: Measure,
    measure_unit: String,
    starts_on: NaiveDate,
    due_on: NaiveDate,
    weight: i64,
}

async fn check_target(app: &App, plan: &Plan, input: &TargetInput) -> AppResult<CheckedTarget> {
    let title = display_name("title", &input.title)?;
    let categories = plans::categories(&mut app.db.conn().await?).await?;
    let category = input.category.trim();
    if !categories.iter().any(|(k, _)| k == category) {
        let keys: Vec<&str> = categories.iter().map(|(k, _)| k.as_str()).collect();
        return Err(FieldError::new(
            "category",
            "invalid_choice",
            format!("must be one of: {}", keys.join(", ")),
        )
        .into());
    }
    let kind = one_of("kind", &input.kind, plans::KINDS)?;
    let measure = if kind == "numeric" {
        let baseline = input.baseline.unwrap_or(0.0);
        let target = input.target_value.ok_or_else(|| {
            FieldError::new(
                "target_value",
                "required",
                "is required for a numeric target",
            )
        })?;
        if !baseline.is_finite() || !target.is_finite() {
            return Err(FieldError::new("target_value", "invalid", "must be a number").into());
        }
        Measure::Numeric { baseline, target }
    } else {
        Measure::Milestone
    };
    let measure_unit = input.measure_unit.trim().to_string();
    if measure_unit.chars().count() > 40 {
        return Err(
            FieldError::new("measure_unit", "too_long", "must be at most 40 characters").into(),
        );
    }
    let starts_on =
        optional_day("starts_on", &input.starts_on)?.unwrap_or(plans::day(&plan.starts_on));
    let due_on = optional_day("due_on", &input.due_on)?.unwrap_or(plans::day(&plan.ends_on));
    if due_on < starts_on {
        return Err(
            FieldError::new("due_on", "before_start", "must not be before the first day").into(),
        );
    }
    if (due_on - starts_on).num_days() > 3660 {
        return Err(
            FieldError::new("due_on", "too_long", "a target may span at most ten years").into(),
        );
    }
    let weight = input.weight.unwrap_or(1);
    if !(1..=1000).contains(&weight) {
        return Err(FieldError::new("weight", "out_of_range", "must be between 1 and 1000").into());
    }
    if input.owner_person_id.is_some() && input.owner_unit_id.is_some() {
        return Err(FieldError::new(
            "owner_unit_id",
            "one_owner",
            "give either a person or a subunit as owner, not both",
        )
        .into());
    }
    Ok(CheckedTarget {
        title,
        category: category.to_string(),
        measure,
        measure_unit,
        starts_on,
        due_on,
        weight,
    })
}

fn owner_error(e: grassroots_store::StoreError) -> AppError {
    match e {
        grassroots_store::StoreError::Conflict {
            field: "owner_person_id",
        } => FieldError::new(
            "owner_person_id",
            "outside_unit",
            "must be a person of the plan's unit or below",
        )
        .into(),
        grassroots_store::StoreError::Conflict {
            field: "owner_unit_id",
        } => FieldError::new(
            "owner_unit_id",
            "not_subunit",
            "must be an open unit below the plan's unit",
        )
        .into(),
        grassroots_store::StoreError::Conflict { field: "plan_id" } => locked_error(),
        e => e.into(),
    }
}

fn locked_error() -> AppError {
    FieldError::new(
        "plan_id",
        "locked",
        "the plan's review is closed; its targets and check-ins can no longer change",
    )
    .into()
}

/// Adds a target to a plan.
pub async fn add_target(
    app: &App,
    actor: &Actor,
    plan_id: i64,
    input: TargetInput,
) -> AppResult<Target> {
    let edit = actor.principal.scope::<Edit>();
    let plan = {
        let mut c = app.db.conn().await?;
        plans::get_plan(&mut c, &actor.principal.scope::<Read>(), plan_id).await?
    };
    crate::units::require::<Edit>(app, actor, plan.unit_id).await?;
    let t = check_target(app, &plan, &input).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let plan = plans::get_plan(&mut tx, &edit, plan_id).await?;
    let target = plans::create_target(
        &mut tx,
        &NewTarget {
            plan: &plan,
            parent: None,
            title: &t.title,
            category: &t.category,
            measure: t.measure,
            measure_unit: &t.measure_unit,
            starts_on: t.starts_on,
            due_on: t.due_on,
            weight: t.weight,
            owner_person_id: input.owner_person_id,
            owner_unit_id: input.owner_unit_id,
            rollup: "mean",
        },
        &actor.label,
        now,
        today(app),
    )
    .await
    .map_err(owner_error)?;
    let mut e = actor.entry("target.create", "target", target.id, Some(plan.unit_id));
    e.after = Some(json!(target));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(target)
}

/// One share of a cascaded target.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CascadePart {
    /// Subunit (below the target's unit) that takes this share.
    pub unit_id: UnitId,
    /// Its weight 1–1000 (default 1).
    #[serde(default)]
    pub weight: Option<i64>,
    /// Its own value to reach (numeric; required for the `sum` rule,
    /// default the parent's for `mean`).
    #[serde(default)]
    pub target_value: Option<f64>,
}

/// A cascade: how the parent combines its children, and the shares.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CascadeInput {
    /// `mean` (weighted mean of completion) or `sum` (numeric values in
    /// the same unit of measure).
    pub rollup: String,
    /// The shares, one per subunit.
    pub parts: Vec<CascadePart>,
}

/// Splits a target into child targets in subunits' plans for the same
/// period (a plan is created where the subunit has none); the target's
/// progress then comes from its children by the declared rule. One
/// transaction.
pub async fn cascade(
    app: &App,
    actor: &Actor,
    target_id: i64,
    input: CascadeInput,
) -> AppResult<Vec<Target>> {
    let edit = actor.principal.scope::<Edit>();
    let rollup = one_of("rollup", &input.rollup, ROLLUPS)?;
    if input.parts.is_empty() {
        return Err(FieldError::new("parts", "required", "name at least one subunit").into());
    }
    if input.parts.len() > 500 {
        return Err(FieldError::new("parts", "too_many", "at most 500 subunits at once").into());
    }
    let now = app.clock.now();
    let today = today(app);
    let mut tx = app.db.begin().await?;
    let parent = plans::get_target(&mut tx, &edit, target_id).await?;
    if parent.deleted_at.is_some() {
        return Err(AppError::NotFound);
    }
    let parent_plan = plans::get_plan(&mut tx, &edit, parent.plan_id).await?;
    if parent_plan.locked_at.is_some() {
        return Err(locked_error());
    }
    if rollup == "sum" && parent.kind != "numeric" {
        return Err(FieldError::new(
            "rollup",
            "sum_needs_numeric",
            "only a numeric target can be the sum of its parts",
        )
        .into());
    }
    if parent.children > 0 && parent.rollup != rollup {
        return Err(FieldError::new(
            "rollup",
            "rule_fixed",
            "the target is already cascaded with another rule",
        )
        .into());
    }
    if parent.rollup != rollup {
        plans::set_rollup(&mut tx, &parent, &rollup).await?;
    }
    let mut made = Vec::new();
    for (i, part) in input.parts.iter().enumerate() {
        let field_err = |code: &'static str, msg: String| {
            AppError::Invalid(FieldError::new(
                "parts",
                code,
                format!("share {}: {msg}", i + 1),
            ))
        };
        if part.unit_id == parent.unit_id
            || !grassroots_store::tree::is_within(&mut tx, parent.unit_id, part.unit_id).await?
        {
            return Err(field_err(
                "not_subunit",
                format!("unit {} is not below the target's unit", part.unit_id),
            ));
        }
        if grassroots_store::units::is_closed(&mut tx, part.unit_id).await? {
            return Err(field_err(
                "closed",
                format!("unit {} is closed", part.unit_id),
            ));
        }
        if !grassroots_store::tree::in_scope(&mut tx, &edit, part.unit_id).await? {
            return Err(AppError::Forbidden);
        }
        let weight = part.weight.unwrap_or(1);
        if !(1..=1000).contains(&weight) {
            return Err(field_err(
                "out_of_range",
                "weight must be between 1 and 1000".into(),
            ));
        }
        let measure = match parent.measure() {
            Measure::Numeric { baseline, target } => {
                let value = match (part.target_value, rollup.as_str()) {
                    (Some(v), _) if v.is_finite() => v,
                    (None, "mean") => target,
                    _ => {
                        return Err(field_err(
                            "target_value_required",
                            "give the share's value to reach".into(),
                        ));
                    }
                };
                let base = if rollup == "sum" { 0.0 } else { baseline };
                Measure::Numeric {
                    baseline: base,
                    target: value,
                }
            }
            Measure::Milestone => Measure::Milestone,
        };
        let plan = match plans::plan_for_period(
            &mut tx,
            part.unit_id,
            &parent_plan.starts_on,
            &parent_plan.ends_on,
        )
        .await?
        {
            Some(p) => p,
            None => {
                plans::create_plan(
                    &mut tx,
                    &edit,
                    &NewPlan {
                        unit_id: part.unit_id,
                        title: &parent_plan.title,
                        period_kind: &parent_plan.period_kind,
                        starts_on: plans::day(&parent_plan.starts_on),
                        ends_on: plans::day(&parent_plan.ends_on),
                        cadence: &parent_plan.cadence,
                        decision_id: None,
                    },
                    &actor.label,
                    now,
                )
                .await?
            }
        };
        let parent_now = plans::get_target(&mut tx, &edit, parent.id).await?;
        let child = plans::create_target(
            &mut tx,
            &NewTarget {
                plan: &plan,
                parent: Some(&parent_now),
                title: &parent.title,
                category: &parent.category,
                measure,
                measure_unit: &parent.measure_unit,
                starts_on: plans::day(&parent.starts_on),
                due_on: plans::day(&parent.due_on),
                weight,
                owner_person_id: None,
                owner_unit_id: None,
                rollup: "mean",
            },
            &actor.label,
            now,
            today,
        )
        .await
        .map_err(owner_error)?;
        made.push(child);
    }
    let mut e = actor.entry("target.cascade", "target", parent.id, Some(parent.unit_id));
    e.after = Some(
        json!({ "rollup": rollup, "children": made.iter().map(|t| json!({"id": t.id, "unit_id": t.unit_id, "weight": t.weight})).collect::<Vec<_>>() }),
    );
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(made)
}

/// A blocker raised with a check-in or on its own.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct BlockerInput {
    /// What is in the way.
    pub title: String,
    /// Person to remove it.
    #[serde(default)]
    pub owner_person_id: Option<i64>,
    /// Deadline (default: in 7 days).
    #[serde(default)]
    pub deadline_on: Option<String>,
}

/// A check-in as typed in a form or an API body.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CheckInInput {
    /// Day reported on (default today; not in the future).
    #[serde(default)]
    pub reported_on: Option<String>,
    /// Value reached (numeric targets).
    #[serde(default)]
    pub value: Option<f64>,
    /// Done.
    #[serde(default)]
    pub done: bool,
    /// What happened; required when the target is off track or late.
    #[serde(default)]
    pub narrative: String,
    /// `low`, `medium` (default) or `high`.
    #[serde(default)]
    pub confidence: Option<String>,
    /// A blocker to raise with it.
    #[serde(default)]
    pub blocker: Option<BlockerInput>,
}

/// How the writer may touch a target: through their scope, or as its
/// owner.
async fn writable_target(actor: &Actor, tx: &mut Tx, id: i64) -> AppResult<(Target, bool)> {
    let edit = actor.principal.scope::<Edit>();
    match plans::get_target(tx, &edit, id).await {
        Ok(t) => {
            if grassroots_store::units::is_closed(tx, t.unit_id).await? {
                return Err(crate::units::closed_error("unit_id"));
            }
            Ok((t, true))
        }
        Err(grassroots_store::StoreError::NotFound) => {
            if let Some(person) =
                grassroots_store::accounts::own_active_person_id(tx, &actor.principal).await?
                && let Ok(t) = plans::get_owned_target(tx, person, id).await
            {
                return Ok((t, false));
            }
            Err(crate::refusal(
                plans::get_target(tx, &actor.principal.scope::<Read>(), id)
                    .await
                    .is_ok(),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

fn check_blocker(input: &BlockerInput, today: NaiveDate) -> AppResult<(String, NaiveDate)> {
    let title = display_name("blocker_title", &input.title)?;
    let deadline =
        optional_day("deadline_on", &input.deadline_on)?.unwrap_or(today + Duration::days(7));
    if deadline < today {
        return Err(FieldError::new("deadline_on", "in_past", "must not be in the past").into());
    }
    Ok((title, deadline))
}

/// Reports progress on a target. The status is derived again at once and
/// the roll-ups of every unit above change in the same transaction.
pub async fn check_in(
    app: &App,
    actor: &Actor,
    target_id: i64,
    input: CheckInInput,
) -> AppResult<(CheckIn, Target)> {
    let today = today(app);
    let reported_on = optional_day("reported_on", &input.reported_on)?.unwrap_or(today);
    if reported_on > today {
        return Err(
            FieldError::new("reported_on", "in_future", "must not be in the future").into(),
        );
    }
    let confidence = one_of(
        "confidence",
        input.confidence.as_deref().unwrap_or("medium"),
        CONFIDENCES,
    )?;
    let narrative = input.narrative.trim().to_string();
    if narrative.chars().count() > 2000 {
        return Err(
            FieldError::new("narrative", "too_long", "must be at most 2,000 characters").into(),
        );
    }
    if let Some(v) = input.value
        && !v.is_finite()
    {
        return Err(FieldError::new("value", "invalid", "must be a number").into());
    }
    let blocker = match &input.blocker {
        Some(b) if !b.title.trim().is_empty() => Some(check_blocker(b, today)?),
        _ => None,
    };
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let (target, by_scope) = writable_target(actor, &mut tx, target_id).await?;
    if target.deleted_at.is_some() {
        return Err(AppError::NotFound);
    }
    if target.children > 0 {
        return Err(FieldError::new(
            "target_id",
            "cascaded",
            "this target's progress comes from its subunits' targets; check in there",
        )
        .into());
    }
    if target.kind == "numeric" && input.value.is_none() && !input.done {
        return Err(FieldError::new("value", "required", "give the value reached").into());
    }
    let blocker_id = match &blocker {
        Some((title, deadline)) => {
            let new = NewBlocker {
                unit_id: target.unit_id,
                target_id: Some(target.id),
                title,
                owner_person_id: input.blocker.as_ref().and_then(|b| b.owner_person_id),
                deadline_on: *deadline,
            };
            let b = if by_scope {
                blockers::open(
                    &mut tx,
                    &actor.principal.scope::<Edit>(),
                    &new,
                    &actor.label,
                    now,
                )
                .await
            } else {
                blockers::open_on_owned_target(&mut tx, &target, &new, &actor.label, now).await
            }
            .map_err(|e| match e {
                grassroots_store::StoreError::Conflict { .. } => {
                    AppError::Invalid(FieldError::new(
                        "owner_person_id",
                        "outside_unit",
                        "must be a person of the target's unit or below",
                    ))
                }
                e => e.into(),
            })?;
            Some(b.id)
        }
        None => None,
    };
    let (check_in, after) = plans::check_in(
        &mut tx,
        &target,
        &NewCheckIn {
            reported_on,
            value: input.value,
            done: input.done,
            narrative: &narrative,
            confidence: &confidence,
            blocker_id,
        },
        &actor.label,
        now,
        today,
    )
    .await
    .map_err(|e| match e {
        grassroots_store::StoreError::Conflict { field: "plan_id" } => locked_error(),
        e => e.into(),
    })?;
    let off = [Status::OffTrack.key(), Status::Late.key()];
    if off.contains(&after.status.as_str()) && narrative.is_empty() {
        return Err(FieldError::new(
            "narrative",
            "required_off_track",
            format!(
                "is required: with this report the target is {}",
                after.status.replace('_', " ")
            ),
        )
        .into());
    }
    let mut e = actor.entry("target.check_in", "target", target.id, Some(target.unit_id));
    e.after = Some(json!({ "check_in": check_in, "status": after.status }));
    audit::append(&mut tx, now, &e).await?;
    // Progress and roll-ups of these units, nothing else: kept results of
    // other subtrees stay.
    let units = plans::progress_units(&mut tx, target.id).await?;
    tx.commit_progress(units).await?;
    Ok((check_in, after))
}

/// Deletes a target and everything cascaded from it.
pub async fn delete_target(app: &App, actor: &Actor, target_id: i64) -> AppResult<Vec<i64>> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let edit = actor.principal.scope::<Edit>();
    let target = match plans::get_target(&mut tx, &edit, target_id).await {
        Ok(t) => t,
        Err(grassroots_store::StoreError::NotFound) => {
            return Err(crate::refusal(
                plans::get_target(&mut tx, &actor.principal.scope::<Read>(), target_id)
                    .await
                    .is_ok(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let deleted = plans::delete_target(&mut tx, &edit, &target, now, today(app))
        .await
        .map_err(|e| match e {
            grassroots_store::StoreError::Conflict { field: "plan_id" } => locked_error(),
            grassroots_store::StoreError::Conflict { field: "children" } => {
                AppError::Invalid(FieldError::new(
                    "target_id",
                    "shares_out_of_reach",
                    "some of its shares lie in units you may not change, or in locked plans",
                ))
            }
            e => e.into(),
        })?;
    let mut e = actor.entry("target.delete", "target", target.id, Some(target.unit_id));
    e.before = Some(json!(target));
    e.after = Some(json!({ "deleted": deleted }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(deleted)
}

/// Raises a blocker in a unit (optionally on one of its targets).
pub async fn open_blocker(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    target_id: Option<i64>,
    input: BlockerInput,
) -> AppResult<Blocker> {
    crate::units::require::<Edit>(app, actor, unit_id).await?;
    let today = today(app);
    let (title, deadline) = check_blocker(&input, today)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    if let Some(t) = target_id {
        let target = plans::get_target(&mut tx, &actor.principal.scope::<Edit>(), t)
            .await
            .map_err(|_| {
                FieldError::new("target_id", "not_found", "no such target in this unit")
            })?;
        if target.unit_id != unit_id {
            return Err(
                FieldError::new("target_id", "other_unit", "is a target of another unit").into(),
            );
        }
    }
    let b = blockers::open(
        &mut tx,
        &actor.principal.scope::<Edit>(),
        &NewBlocker {
            unit_id,
            target_id,
            title: &title,
            owner_person_id: input.owner_person_id,
            deadline_on: deadline,
        },
        &actor.label,
        now,
    )
    .await
    .map_err(|e| match e {
        grassroots_store::StoreError::Conflict { .. } => AppError::Invalid(FieldError::new(
            "owner_person_id",
            "outside_unit",
            "must be a person of the unit or below",
        )),
        e => e.into(),
    })?;
    let mut e = actor.entry("blocker.open", "blocker", b.id, Some(unit_id));
    e.after = Some(json!(b));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(b)
}

/// Resolves a blocker: by a writer of the unit holding it or of the unit
/// that raised it, or by its owner.
pub async fn resolve_blocker(
    app: &App,
    actor: &Actor,
    id: i64,
    resolution: &str,
) -> AppResult<bool> {
    let resolution = resolution.trim();
    if resolution.is_empty() {
        return Err(FieldError::new("resolution", "required", "say how it was resolved").into());
    }
    if resolution.chars().count() > 2000 {
        return Err(
            FieldError::new("resolution", "too_long", "must be at most 2,000 characters").into(),
        );
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let b = match blockers::get(&mut tx, &actor.principal.scope::<Edit>(), id).await {
        Ok(b) => b,
        Err(grassroots_store::StoreError::NotFound) => {
            let own =
                grassroots_store::accounts::own_active_person_id(&mut tx, &actor.principal).await?;
            match own {
                Some(p) if blockers::get_owned(&mut tx, p, id).await.is_ok() => {
                    blockers::get_owned(&mut tx, p, id).await?
                }
                _ => {
                    return Err(crate::refusal(
                        blockers::get(&mut tx, &actor.principal.scope::<Read>(), id)
                            .await
                            .is_ok(),
                    ));
                }
            }
        }
        Err(e) => return Err(e.into()),
    };
    let changed = blockers::resolve(&mut tx, &b, resolution, &actor.label, now).await?;
    if changed {
        let mut e = actor.entry("blocker.resolve", "blocker", b.id, Some(b.unit_id));
        e.after = Some(json!({ "resolution": resolution }));
        audit::append(&mut tx, now, &e).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// A plan with its targets.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    /// The plan.
    pub plan: Plan,
    /// Name of its unit.
    pub unit_name: String,
    /// Title of the decision it adopts.
    pub decision_title: Option<String>,
    /// Its live targets.
    pub targets: Vec<Target>,
    /// Whether the reader may add targets and check in by scope.
    pub writable: bool,
}

/// A plan, for a reader of its unit or a member of it.
pub async fn plan_view(app: &App, actor: &Actor, id: i64) -> AppResult<PlanView> {
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    let plan = match plans::get_plan(&mut c, &read, id).await {
        Ok(p) => p,
        Err(grassroots_store::StoreError::NotFound) => {
            let unit = own_unit(app, actor).await?.ok_or(AppError::NotFound)?;
            plans::get_plan_of_own_unit(&mut c, unit, id).await?
        }
        Err(e) => return Err(e.into()),
    };
    let writable =
        grassroots_store::tree::in_scope(&mut c, &actor.principal.scope::<Edit>(), plan.unit_id)
            .await?
            && plan.locked_at.is_none();
    let unit_name = grassroots_store::units::names(&mut c, &[plan.unit_id])
        .await?
        .pop()
        .map(|(_, n)| n)
        .unwrap_or_default();
    let decision_title = match plan.decision_id {
        Some(d) => Some(
            grassroots_store::decisions::title_of(&mut c, d)
                .await?
                .unwrap_or_default(),
        ),
        None => None,
    };
    let targets = plans::targets_of_plan(&mut c, &plan).await?;
    Ok(PlanView {
        plan,
        unit_name,
        decision_title,
        targets,
        writable,
    })
}

/// The unit of the person linked to the actor's account, if any.
pub async fn own_unit(app: &App, actor: &Actor) -> AppResult<Option<UnitId>> {
    let mut c = app.db.conn().await?;
    if grassroots_store::accounts::own_active_person_id(&mut c, &actor.principal)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    Ok(grassroots_store::people::own(&mut c, &actor.principal)
        .await?
        .map(|(p, _)| p.unit_id))
}

/// Plans of a unit: for readers of the unit, or members of it.
pub async fn plans_of_unit(app: &App, actor: &Actor, unit_id: UnitId) -> AppResult<Vec<Plan>> {
    let mut c = app.db.conn().await?;
    let read = actor.principal.scope::<Read>();
    if grassroots_store::tree::in_scope(&mut c, &read, unit_id).await? {
        return Ok(plans::plans_of_unit(&mut c, &read, unit_id).await?);
    }
    if own_unit(app, actor).await? == Some(unit_id) {
        return Ok(plans::plans_of_own_unit(&mut c, unit_id).await?);
    }
    Err(AppError::NotFound)
}

/// A target with everything about it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetView {
    /// The target.
    pub target: Target,
    /// Its plan.
    pub plan: Plan,
    /// Its unit's name.
    pub unit_name: String,
    /// Cascaded children with their units' names.
    pub children: Vec<TargetListing>,
    /// Check-ins, newest first.
    pub check_ins: Vec<CheckIn>,
    /// Blockers, open first.
    pub blockers: Vec<BlockerListing>,
    /// Whether the reader may check in (by scope or as owner).
    pub may_check_in: bool,
    /// Whether the reader may change the target (add shares, delete).
    pub may_edit: bool,
}

/// A target, for a reader of its unit or its owner.
pub async fn target_view(app: &App, actor: &Actor, id: i64) -> AppResult<TargetView> {
    let mut c = app.db.conn().await?;
    let read = actor.principal.scope::<Read>();
    let own = grassroots_store::accounts::own_active_person_id(&mut c, &actor.principal).await?;
    let (target, by_scope) = match plans::get_target(&mut c, &read, id).await {
        Ok(t) => (t, true),
        Err(grassroots_store::StoreError::NotFound) => match own {
            Some(p) => (plans::get_owned_target(&mut c, p, id).await?, false),
            None => return Err(AppError::NotFound),
        },
        Err(e) => return Err(e.into()),
    };
    if target.deleted_at.is_some() {
        return Err(AppError::NotFound);
    }
    let plan = if by_scope {
        plans::get_plan(&mut c, &read, target.plan_id).await?
    } else {
        plans::get_plan_of_own_unit(&mut c, target.unit_id, target.plan_id).await?
    };
    let may_edit =
        grassroots_store::tree::in_scope(&mut c, &actor.principal.scope::<Edit>(), target.unit_id)
            .await?
            && plan.locked_at.is_none()
            && !grassroots_store::units::is_closed(&mut c, target.unit_id).await?;
    let owner = own.is_some() && own == target.owner_person_id;
    let may_check_in = (may_edit || owner) && target.children == 0 && plan.locked_at.is_none();
    let children = plans::children_listed(&mut c, &read, target.id).await?;
    let check_ins = plans::check_ins_of(&mut c, &target).await?;
    let blockers = blockers::of_target(&mut c, target.id).await?;
    let unit_name = grassroots_store::units::names(&mut c, &[target.unit_id])
        .await?
        .pop()
        .map(|(_, n)| n)
        .unwrap_or_default();
    Ok(TargetView {
        target,
        plan,
        unit_name,
        children,
        check_ins,
        blockers,
        may_check_in,
        may_edit,
    })
}

/// Everything a dashboard shows of a subtree for a year.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    /// Unit.
    pub unit_id: UnitId,
    /// Its name.
    pub unit_name: String,
    /// Year.
    pub year: String,
    /// Day the statuses are for.
    pub today: String,
    /// The subtree's roll-up.
    pub rollup: Rollup,
    /// Each open child's roll-up.
    pub children: Vec<ChildRollup>,
    /// Weighted completion by day.
    pub history: Vec<HistoryPoint>,
    /// Late and off-track targets in the subtree, earliest due first (at
    /// most 50).
    pub attention: Vec<TargetListing>,
    /// Open blockers held in the subtree, oldest first (at most 50).
    pub blockers: Vec<BlockerListing>,
    /// Decisions addressed in the subtree: (id, title, addressed, adopted).
    pub adoption: Vec<(i64, String, i64, i64)>,
}

/// Dashboards kept between requests: by unit, year, day and the reader's
/// scope (two readers with the same grants see the same figures).
pub type KeptDashboards = Kept<DashboardKey, DashboardView>;

/// A dashboard as read, with its JSON made once for all the readers it is
/// served to (at a province, most of a kept dashboard's cost to serve).
pub struct DashboardView {
    dashboard: Dashboard,
    json: std::sync::OnceLock<Arc<[u8]>>,
}

impl DashboardView {
    /// The dashboard in JSON.
    pub fn json(&self) -> Arc<[u8]> {
        self.json
            .get_or_init(|| {
                serde_json::to_vec(&self.dashboard)
                    .expect("a dashboard has only strings, numbers and lists")
                    .into()
            })
            .clone()
    }
}

impl std::ops::Deref for DashboardView {
    type Target = Dashboard;
    fn deref(&self) -> &Dashboard {
        &self.dashboard
    }
}

/// What a kept dashboard is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DashboardKey {
    unit_id: UnitId,
    year: i32,
    today: NaiveDate,
    scope: (Vec<UnitId>, Vec<UnitId>),
}

/// The dashboard cache of a server with `config`.
pub fn kept_dashboards(config: &crate::Config) -> KeptDashboards {
    // A province's dashboard is about 100 KB kept (its rows and JSON):
    // 512 of them bound the memory at about 50 MB.
    // A check-in changes the dashboards of its unit and the units above.
    Kept::configured(512, config).watching(|k| grassroots_store::Watch::Subtree(k.unit_id))
}

/// The dashboard of `unit_id`'s subtree for `year` (default: this year).
/// Authorization is checked on every call (against the unit's kept
/// ancestors); the figures are read anew after any write (see
/// [`crate::cache`]).
pub async fn dashboard(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    year: Option<i32>,
) -> AppResult<Arc<DashboardView>> {
    crate::units::require_read_kept(app, actor, unit_id).await?;
    let today = today(app);
    let year = year.unwrap_or(today.year());
    if !(1900..=2999).contains(&year) {
        return Err(
            FieldError::new("year", "out_of_range", "must be between 1900 and 2999").into(),
        );
    }
    let read = actor.principal.scope::<Read>();
    let key = DashboardKey {
        unit_id,
        year,
        today,
        // Sorted and deduplicated when the scope is made.
        scope: (read.single_units().to_vec(), read.subtree_roots().to_vec()),
    };
    app.dashboards
        .get_or_read(key, || async {
            Ok(DashboardView {
                dashboard: read_dashboard(app, &read, unit_id, year, today).await?,
                json: Default::default(),
            })
        })
        .await
}

async fn read_dashboard(
    app: &App,
    read: &Scope<Read>,
    unit_id: UnitId,
    year: i32,
    today: NaiveDate,
) -> AppResult<Dashboard> {
    let year = year.to_string();
    let mut c = app.db.conn().await?;
    let unit_name = grassroots_store::units::names(&mut c, &[unit_id])
        .await?
        .pop()
        .map(|(_, n)| n)
        .unwrap_or_default();
    Ok(Dashboard {
        unit_id,
        unit_name,
        rollup: plans::rollup(&mut c, read, unit_id, &year, today).await?,
        children: plans::children_rollups(&mut c, read, unit_id, &year, today).await?,
        history: plans::history(&mut c, read, unit_id, &year).await?,
        attention: plans::in_subtree_with_status(
            &mut c,
            read,
            unit_id,
            &year,
            &["late", "off_track"],
            50,
        )
        .await?,
        blockers: blockers::open_in_subtree(&mut c, read, unit_id, 50).await?,
        adoption: plans::adoption_in_subtree(&mut c, read, unit_id, 10).await?,
        year,
        today: plans::ymd(today),
    })
}

/// Re-derives the target statuses a passing date changed, every minute.
pub const STATUS_JOB: crate::jobs::Job = crate::jobs::Job {
    name: "plans.statuses",
    every_seconds: 60,
    run: |app| Box::pin(refresh_statuses(app)),
};

/// Escalates blockers left open past their deadline, every minute.
pub const ESCALATION_JOB: crate::jobs::Job = crate::jobs::Job {
    name: "plans.escalate_blockers",
    every_seconds: 60,
    run: |app| Box::pin(escalate_blockers(app)),
};

/// Re-derives the statuses that a date passing may have changed, in
/// batches of 500 targets per transaction; returns how many changed. Run
/// by the server every minute; safe with several servers.
pub async fn refresh_statuses(app: &App) -> AppResult<u64> {
    let today = today(app);
    let mut changed = 0;
    loop {
        let ids = plans::due_for_refresh(&mut app.db.conn().await?, today, 500).await?;
        if ids.is_empty() {
            return Ok(changed);
        }
        let mut tx = app.db.begin_alone().await?;
        for id in &ids {
            if plans::refresh(&mut tx, *id, today).await? {
                changed += 1;
            }
        }
        tx.commit().await?;
        if ids.len() < 500 {
            return Ok(changed);
        }
    }
}

/// Escalates every blocker left open past its deadline to the parent of
/// its unit (one transaction each, with an audit row); returns how many
/// went up. Safe with several servers.
pub async fn escalate_blockers(app: &App) -> AppResult<u64> {
    let today = today(app);
    let grace = app.config.plans.escalation_grace_days.max(1);
    let ids = blockers::due_for_escalation(&mut app.db.conn().await?, today, 1000).await?;
    let mut n = 0;
    for id in ids {
        let now = app.clock.now();
        let mut tx = app.db.begin().await?;
        match blockers::escalate(&mut tx, id, today, grace, now).await {
            Ok(Some(to)) => {
                let e = grassroots_store::audit::AuditEntry {
                    actor_account_id: None,
                    actor: "system",
                    action: "blocker.escalate",
                    entity_type: "blocker",
                    entity_id: id.to_string(),
                    unit_id: Some(to),
                    before: None,
                    after: Some(json!({ "to_unit_id": to })),
                    request_id: "job",
                };
                audit::append(&mut tx, now, &e).await?;
                tx.commit().await?;
                n += 1;
            }
            Ok(None) => {}
            // Another server took this step first.
            Err(e) if e.is_unique_violation() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(n)
}

/// The plan categories: (key, label) with built-in labels translated by
/// the caller from their key.
pub async fn categories(app: &App) -> AppResult<Vec<(String, String)>> {
    Ok(plans::categories(&mut app.db.conn().await?).await?)
}

/// Adds a plan category (administrators of the whole organization).
pub async fn add_category(app: &App, actor: &Actor, key: &str, label: &str) -> AppResult<()> {
    crate::profiles::require_org_admin(app, actor).await?;
    let key = key.trim();
    if key.is_empty()
        || key.len() > 40
        || !key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(FieldError::new(
            "key",
            "invalid_key",
            "use 1–40 lowercase letters, digits or _",
        )
        .into());
    }
    let label = display_name("label", label)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    plans::add_category(&mut tx, key, &label).await?;
    let mut e = actor.entry(
        "plan.category.add",
        "plan_category",
        key,
        Some(actor.home_unit_id),
    );
    e.after = Some(json!({ "key": key, "label": label }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes plans with their targets, cascades, check-ins and blockers in one
/// transaction, for mass loads (the demo organization): every plan's unit
/// must be in the writer's Edit scope, a cascaded target's parent in a plan
/// of an ancestor unit. Statuses, aggregates and adoptions come out as if
/// each row had been entered on its own; one audit row records the load.
/// The rows are trusted to be valid (the store's constraints still apply):
/// this is not a path for user input.
pub async fn load(
    app: &App,
    actor: &Actor,
    plans_in: &[grassroots_store::plans::load::LoadPlan<'_>],
    targets: &[grassroots_store::plans::load::LoadTarget<'_>],
) -> AppResult<grassroots_store::plans::load::Loaded> {
    let Some(first) = plans_in.first() else {
        return Ok(Default::default());
    };
    let now = app.clock.now();
    let scope = actor.principal.scope::<Edit>();
    let mut tx = app.db.begin_alone().await?;
    let loaded = grassroots_store::plans::load::load(
        &mut tx,
        &scope,
        plans_in,
        targets,
        &actor.label,
        now,
        today(app),
    )
    .await?;
    let mut e = actor.entry("plans.load", "plan", loaded.plans[0], Some(first.unit_id));
    e.after = Some(json!({
        "plans": loaded.plans.len(),
        "targets": loaded.targets.len(),
        "check_ins": loaded.check_ins,
        "blockers": loaded.blockers,
    }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(loaded)
}
