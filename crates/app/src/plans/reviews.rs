//! Summing-up and evaluation of a unit's plan for its period: the facts
//! compiled from the plan's targets, a score 0–1 per target (by default
//! its completion) and overall, the reviewer's strengths, defects and next
//! steps. Closing the review locks the plan: no more check-ins, targets
//! or deletions.

use grassroots_core::{Edit, FieldError, Manage, Read};
use grassroots_store::plans::reviews::{self, Review, ReviewText};
use grassroots_store::plans::{self, Plan, Target};
use grassroots_store::{audit, decisions};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{Actor, App, AppError, AppResult};

/// Statuses whose targets need the reviewer's comment before closing: red
/// (off track, late) and amber (at risk; not reported, whose progress is
/// unknown).
pub const NEEDS_COMMENT: &[&str] = &["off_track", "late", "at_risk", "not_reported"];

/// Facts compiled from the plan.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ReviewFacts {
    /// Targets of the plan.
    pub targets: i64,
    /// Done.
    pub done: i64,
    /// Late.
    pub late: i64,
    /// Not reported.
    pub not_reported: i64,
    /// Off track or at risk.
    pub behind: i64,
    /// Weighted completion of the targets with a known one.
    pub completion: Option<f64>,
    /// Blockers raised on the targets, still open.
    pub blockers_open: i64,
    /// Blockers resolved.
    pub blockers_resolved: i64,
    /// For the decision the plan adopts: units below (and including) this
    /// one it was addressed to, and how many adopted it.
    pub adoption: Option<(i64, i64)>,
}

/// One target in the review.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewItem {
    /// The target.
    pub target: Target,
    /// Score 0–1 given (or its completion, until the reviewer sets one);
    /// `None` when unknown.
    pub score: Option<f64>,
    /// Whether the score was set by the reviewer.
    pub scored_by_reviewer: bool,
    /// Reviewer's comment.
    pub comment: String,
    /// Whether closing needs a comment on it.
    pub needs_comment: bool,
}

/// A plan's review.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    /// The plan.
    pub plan: Plan,
    /// Its unit's name.
    pub unit_name: String,
    /// The stored review, once saved.
    pub review: Option<Review>,
    /// Facts compiled automatically.
    pub facts: ReviewFacts,
    /// Each target with its score and comment.
    pub items: Vec<ReviewItem>,
    /// Weighted mean of the known scores.
    pub overall: Option<f64>,
    /// Whether the reader may edit it.
    pub may_edit: bool,
    /// Whether the reader may close it.
    pub may_close: bool,
}

/// The review of plan `id` (facts compiled now).
pub async fn view(app: &App, actor: &Actor, id: i64) -> AppResult<ReviewView> {
    let read = actor.principal.scope::<Read>();
    let mut c = app.db.conn().await?;
    let plan = plans::get_plan(&mut c, &read, id).await?;
    build(&mut c, actor, plan).await
}

/// Compiles the review of a plan read under scope, on any connection (the
/// close reads it inside its own transaction).
async fn build(
    c: &mut impl grassroots_store::DbConn,
    actor: &Actor,
    plan: Plan,
) -> AppResult<ReviewView> {
    let read = actor.principal.scope::<Read>();
    let review = reviews::of_plan(&mut *c, &plan).await?;
    let saved = match &review {
        Some(r) => reviews::items(&mut *c, r).await?,
        None => Vec::new(),
    };
    let targets = plans::targets_of_plan(&mut *c, &plan).await?;
    let mut facts = ReviewFacts {
        targets: targets.len() as i64,
        ..Default::default()
    };
    let (mut weight, mut sum) = (0.0, 0.0);
    let mut items = Vec::new();
    for t in targets {
        match t.status.as_str() {
            "done" => facts.done += 1,
            "late" => facts.late += 1,
            "not_reported" => facts.not_reported += 1,
            "off_track" | "at_risk" => facts.behind += 1,
            _ => {}
        }
        if let Some(c) = t.completion() {
            weight += t.weight as f64;
            sum += t.weight as f64 * c;
        }
        let given = saved.iter().find(|(id, _, _)| *id == t.id);
        let (score, scored_by_reviewer) = match given {
            Some((_, Some(s), _)) => (Some(*s), true),
            _ => (t.completion(), false),
        };
        items.push(ReviewItem {
            needs_comment: NEEDS_COMMENT.contains(&t.status.as_str()),
            comment: given.map(|g| g.2.clone()).unwrap_or_default(),
            score,
            scored_by_reviewer,
            target: t,
        });
    }
    facts.completion = (weight > 0.0).then(|| sum / weight);
    (facts.blockers_open, facts.blockers_resolved) =
        reviews::blocker_counts(&mut *c, &plan).await?;
    if let Some(d) = plan.decision_id {
        let (top, _) = decisions::adoption(&mut *c, &read, d, plan.unit_id).await?;
        facts.adoption = Some((top.addressed, top.adopted));
    }
    let scored: Vec<(f64, f64)> = items
        .iter()
        .filter_map(|i| i.score.map(|s| (i.target.weight as f64, s)))
        .collect();
    let total: f64 = scored.iter().map(|(w, _)| w).sum();
    let overall = (total > 0.0).then(|| scored.iter().map(|(w, s)| w * s).sum::<f64>() / total);
    let open = review.as_ref().is_none_or(|r| r.closed_at.is_none());
    let may_edit = open
        && grassroots_store::tree::in_scope(
            &mut *c,
            &actor.principal.scope::<Edit>(),
            plan.unit_id,
        )
        .await?;
    let may_close = open
        && grassroots_store::tree::in_scope(
            &mut *c,
            &actor.principal.scope::<Manage>(),
            plan.unit_id,
        )
        .await?;
    let unit_name = grassroots_store::units::names(&mut *c, &[plan.unit_id])
        .await?
        .pop()
        .map(|(_, n)| n)
        .unwrap_or_default();
    Ok(ReviewView {
        plan,
        unit_name,
        review,
        facts,
        items,
        overall,
        may_edit,
        may_close,
    })
}

/// A score and comment for one target.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
// Named apart from the type of the same name elsewhere in the API.
#[schema(as = ReviewItemInput)]
pub struct ItemInput {
    /// Target of the plan.
    pub target_id: i64,
    /// Score 0–1; `None` keeps the completion as the score.
    #[serde(default)]
    pub score: Option<f64>,
    /// Comment.
    #[serde(default)]
    pub comment: String,
}

/// The reviewer's input.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReviewInput {
    /// What went well.
    #[serde(default)]
    pub strengths: String,
    /// What fell short.
    #[serde(default)]
    pub defects: String,
    /// What comes next.
    #[serde(default)]
    pub next_steps: String,
    /// Scores and comments.
    #[serde(default)]
    pub items: Vec<ItemInput>,
}

fn text(field: &'static str, s: &str) -> AppResult<String> {
    let s = s.trim();
    if s.chars().count() > 20_000 {
        return Err(FieldError::new(field, "too_long", "must be at most 20,000 characters").into());
    }
    Ok(s.to_string())
}

/// Saves the review of plan `id` (units that plan: Edit).
pub async fn save(app: &App, actor: &Actor, id: i64, input: ReviewInput) -> AppResult<ReviewView> {
    let strengths = text("strengths", &input.strengths)?;
    let defects = text("defects", &input.defects)?;
    let next_steps = text("next_steps", &input.next_steps)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let plan = editable_plan(actor, &mut tx, id).await?;
    if reviews::of_plan(&mut tx, &plan)
        .await?
        .is_some_and(|r| r.closed_at.is_some())
    {
        return Err(closed());
    }
    let targets = plans::targets_of_plan(&mut tx, &plan).await?;
    let mut items = Vec::new();
    for (n, i) in input.items.iter().enumerate() {
        if !targets.iter().any(|t| t.id == i.target_id) {
            return Err(FieldError::new(
                "items",
                "not_in_plan",
                format!("item {}: target {} is not in this plan", n + 1, i.target_id),
            )
            .into());
        }
        if let Some(s) = i.score
            && !(0.0..=1.0).contains(&s)
        {
            return Err(FieldError::new(
                "score",
                "out_of_range",
                format!("item {}: the score must be between 0 and 1", n + 1),
            )
            .into());
        }
        items.push((i.target_id, i.score, text("comment", &i.comment)?));
    }
    let review = reviews::save(
        &mut tx,
        &plan,
        &ReviewText {
            strengths: &strengths,
            defects: &defects,
            next_steps: &next_steps,
        },
        &items,
        &actor.label,
        now,
    )
    .await?;
    let mut e = actor.entry("review.save", "plan", plan.id, Some(plan.unit_id));
    e.after = Some(json!({ "review_id": review.id, "items": items.len() }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    view(app, actor, id).await
}

async fn editable_plan(actor: &Actor, tx: &mut grassroots_store::Tx, id: i64) -> AppResult<Plan> {
    match plans::get_plan(tx, &actor.principal.scope::<Edit>(), id).await {
        Ok(p) => Ok(p),
        Err(grassroots_store::StoreError::NotFound) => Err(crate::refusal(
            plans::get_plan(tx, &actor.principal.scope::<Read>(), id)
                .await
                .is_ok(),
        )),
        Err(e) => Err(e.into()),
    }
}

fn closed() -> AppError {
    FieldError::new("plan_id", "review_closed", "the review is closed").into()
}

/// Closes the review of plan `id` (Manage on its unit) and locks the plan.
/// Refused while a red or amber target has no comment; the error names
/// them.
pub async fn close(app: &App, actor: &Actor, id: i64) -> AppResult<ReviewView> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let plan = match plans::get_plan(&mut tx, &actor.principal.scope::<Manage>(), id).await {
        Ok(p) => p,
        Err(grassroots_store::StoreError::NotFound) => {
            return Err(crate::refusal(
                plans::get_plan(&mut tx, &actor.principal.scope::<Read>(), id)
                    .await
                    .is_ok(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    // Judged inside the transaction that closes it: a comment blanked or a
    // target added meanwhile cannot slip through.
    let current = build(&mut tx, actor, plan.clone()).await?;
    if current
        .review
        .as_ref()
        .is_some_and(|r| r.closed_at.is_some())
    {
        return Err(closed());
    }
    let missing: Vec<&str> = current
        .items
        .iter()
        .filter(|i| i.needs_comment && i.comment.trim().is_empty())
        .map(|i| i.target.title.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(FieldError::new(
            "comment",
            "comment_required",
            format!(
                "targets that are late, off track, at risk or not reported need a comment: {}",
                missing.join("; ")
            ),
        )
        .into());
    }
    let review = match current.review.clone() {
        Some(r) => r,
        None => {
            reviews::save(
                &mut tx,
                &plan,
                &ReviewText {
                    strengths: "",
                    defects: "",
                    next_steps: "",
                },
                &[],
                &actor.label,
                now,
            )
            .await?
        }
    };
    if !reviews::close(&mut tx, &review, &actor.label, now).await? {
        return Err(closed());
    }
    plans::lock_plan(&mut tx, &plan, now).await?;
    let mut e = actor.entry("review.close", "plan", plan.id, Some(plan.unit_id));
    e.after = Some(json!({ "overall": current.overall, "facts": current.facts }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    view(app, actor, id).await
}

/// The review as CSV: one row per target, then the overall score.
pub async fn csv(app: &App, actor: &Actor, id: i64) -> AppResult<(String, Vec<u8>)> {
    let v = view(app, actor, id).await?;
    let share = |v: Option<f64>| v.map(|s| format!("{s:.3}")).unwrap_or_default();
    let mut rows: Vec<Vec<String>> = v
        .items
        .iter()
        .map(|i| {
            vec![
                i.target.title.clone(),
                i.target.category.clone(),
                i.target.status.to_string(),
                share(i.target.completion()),
                share(i.score),
                i.target.weight.to_string(),
                i.target.due_on.clone(),
                i.comment.clone(),
            ]
        })
        .collect();
    rows.push(vec![
        "overall".into(),
        String::new(),
        String::new(),
        share(v.facts.completion),
        share(v.overall),
        String::new(),
        String::new(),
        String::new(),
    ]);
    let bytes = crate::imports::tabular::write_csv(
        &[
            "target",
            "category",
            "status",
            "completion",
            "score",
            "weight",
            "due_on",
            "comment",
        ],
        &rows,
    );
    let name = format!("review-{}-{}.csv", v.plan.id, v.plan.starts_on);
    Ok((name, bytes))
}
