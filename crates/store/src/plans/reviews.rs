//! Summing-up and evaluation of a plan: the reviewer's text, a score and
//! comment per target, and closing, which locks the plan.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::plans::Plan;
use crate::{DbConn, StoreResult, Tx, on_ex};

/// A review of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Review {
    /// Identifier.
    pub id: i64,
    /// Plan reviewed.
    pub plan_id: i64,
    /// What went well.
    pub strengths: String,
    /// What fell short.
    pub defects: String,
    /// What comes next.
    pub next_steps: String,
    /// Last saved.
    pub updated_at: DateTime<Utc>,
    /// By whom.
    pub updated_by: String,
    /// When closed (the plan is then locked).
    pub closed_at: Option<DateTime<Utc>>,
    /// By whom.
    pub closed_by: Option<String>,
}

const COLUMNS: &str =
    "id, plan_id, strengths, defects, next_steps, updated_at, updated_by, closed_at, closed_by";

/// The review of a plan read under scope, if one was started.
pub async fn of_plan(c: &mut impl DbConn, plan: &Plan) -> StoreResult<Option<Review>> {
    let sql = format!("SELECT {COLUMNS} FROM reviews WHERE plan_id = $1");
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Review>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(plan.id)
    .fetch_optional(&mut *e)
    .await)?)
}

/// Scores and comments of a review: target → (score, comment).
pub async fn items(
    c: &mut impl DbConn,
    review: &Review,
) -> StoreResult<Vec<(i64, Option<f64>, String)>> {
    Ok(on_ex!(c, |e| sqlx::query_as(
        "SELECT target_id, score, comment FROM review_items WHERE review_id = $1"
    )
    .bind(review.id)
    .fetch_all(&mut *e)
    .await)?)
}

/// The reviewer's text, validated by the caller.
pub struct ReviewText<'a> {
    /// What went well.
    pub strengths: &'a str,
    /// What fell short.
    pub defects: &'a str,
    /// What comes next.
    pub next_steps: &'a str,
}

/// Saves the review of a plan (read under scope) and its items, creating
/// it on first save.
pub async fn save(
    tx: &mut Tx,
    plan: &Plan,
    text: &ReviewText<'_>,
    items: &[(i64, Option<f64>, String)],
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<Review> {
    let sql = format!(
        "INSERT INTO reviews (plan_id, strengths, defects, next_steps, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (plan_id) DO UPDATE SET strengths = excluded.strengths,
           defects = excluded.defects, next_steps = excluded.next_steps,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by
         RETURNING {COLUMNS}"
    );
    let review = on_ex!(tx, |e| sqlx::query_as::<_, Review>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(plan.id)
    .bind(text.strengths)
    .bind(text.defects)
    .bind(text.next_steps)
    .bind(now)
    .bind(actor)
    .fetch_one(&mut *e)
    .await)?;
    for (target, score, comment) in items {
        on_ex!(tx, |e| {
            sqlx::query(
            "INSERT INTO review_items (review_id, target_id, score, comment) VALUES ($1, $2, $3, $4)
             ON CONFLICT (review_id, target_id) DO UPDATE SET score = excluded.score,
               comment = excluded.comment"
        )
        .bind(review.id)
        .bind(target)
        .bind(score)
        .bind(comment)
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected())
        })?;
    }
    Ok(review)
}

/// Closes a review; returns whether it was open.
pub async fn close(
    tx: &mut Tx,
    review: &Review,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let n = on_ex!(tx, |e| sqlx::query(
        "UPDATE reviews SET closed_at = $2, closed_by = $3 WHERE id = $1 AND closed_at IS NULL"
    )
    .bind(review.id)
    .bind(now)
    .bind(actor)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Blockers raised on the targets of a plan: (open, resolved).
pub async fn blocker_counts(c: &mut impl DbConn, plan: &Plan) -> StoreResult<(i64, i64)> {
    Ok(on_ex!(c, |e| sqlx::query_as(
        "SELECT
           (SELECT count(*) FROM blockers b JOIN targets t ON t.id = b.target_id
             WHERE t.plan_id = $1 AND b.resolved_at IS NULL),
           (SELECT count(*) FROM blockers b JOIN targets t ON t.id = b.target_id
             WHERE t.plan_id = $1 AND b.resolved_at IS NOT NULL)"
    )
    .bind(plan.id)
    .fetch_one(&mut *e)
    .await)?)
}
