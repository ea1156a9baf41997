//! The experience library: articles of good practice written by units,
//! linked to what they came from, tagged, and applied by other units.
//! Articles are shared with the whole organization (units learn from each
//! other's work); what a linked welfare case was about never is: only
//! that the experience came from a resolved case. A unit's articles count
//! at it (`experiences.written`), and each unit that applied one counts at
//! itself (`experiences.applied`), so any subtree's use of the library is
//! one row read.

use chrono::{DateTime, Utc};
use grassroots_core::{Manage, Scope, UnitId};
use serde::Serialize;

use crate::{DbConn, StoreError, StoreResult, Tx, aggregates, contains_pattern, on_ex};

/// Metric: experiences written by the unit.
pub const WRITTEN: &str = "experiences.written";
/// Metric: experiences the unit applied.
pub const APPLIED: &str = "experiences.applied";

/// An article of the library.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Experience {
    /// Identifier.
    pub id: i64,
    /// The unit that wrote it.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Whether that unit is a model unit in force today.
    pub from_model_unit: bool,
    /// Title.
    pub title: String,
    /// The article, in Markdown.
    pub body: String,
    /// The plan category it belongs to.
    pub category: Option<String>,
    /// The target it came from.
    pub target_id: Option<i64>,
    /// The decision it carries out.
    pub decision_id: Option<i64>,
    /// `incident` or `welfare_case`: what it was learnt from.
    pub source_kind: Option<String>,
    /// The incident's id (a welfare case's is never shown).
    #[serde(skip)]
    pub source_id: Option<i64>,
    /// Tags, comma-separated.
    pub tags: String,
    /// How many units applied it.
    pub applied: i64,
    /// When written (YYYY-MM-DD).
    pub written_on: String,
}

/// The columns of [`Experience`]; `$T` is today (for model units).
fn select(today_param: &str) -> String {
    format!(
        "SELECT e.id, e.unit_id, u.name AS unit_name,
            EXISTS (SELECT 1 FROM model_units m WHERE m.unit_id = e.unit_id
                    AND m.starts_on <= {today_param}
                    AND (m.ends_on IS NULL OR m.ends_on >= {today_param})) AS from_model_unit,
            e.title, e.body, e.category, e.target_id, e.decision_id, e.source_kind, e.source_id,
            e.tags, e.applied, e.written_on
         FROM experiences e JOIN units u ON u.id = e.unit_id"
    )
}

/// A new article, validated by the service.
pub struct NewExperience<'a> {
    /// The writing unit.
    pub unit_id: UnitId,
    /// Title.
    pub title: &'a str,
    /// Markdown.
    pub body: &'a str,
    /// Category key.
    pub category: Option<&'a str>,
    /// Target of the unit's subtree.
    pub target_id: Option<i64>,
    /// Decision.
    pub decision_id: Option<i64>,
    /// What it was learnt from.
    pub source: Option<(&'a str, i64)>,
    /// Tags, normalized.
    pub tags: &'a [String],
    /// Day.
    pub written_on: &'a str,
}

/// Whether `source` (an incident closed, or a welfare case resolved) lies
/// in `unit_id`'s subtree: the only sources an article may cite.
pub async fn source_ok(
    c: &mut impl DbConn,
    unit_id: UnitId,
    kind: &str,
    id: i64,
) -> StoreResult<bool> {
    let sql = match kind {
        "incident" => {
            "SELECT x.id FROM incidents x JOIN unit_closure c ON c.descendant_id = x.unit_id
             WHERE x.id = $1 AND c.ancestor_id = $2 AND x.status = 'closed'"
        }
        "welfare_case" => {
            "SELECT x.id FROM welfare_cases x JOIN unit_closure c ON c.descendant_id = x.unit_id
             WHERE x.id = $1 AND c.ancestor_id = $2 AND x.status = 'resolved'"
        }
        _ => return Ok(false),
    };
    let found: Option<i64> = on_ex!(c, |e| sqlx::query_scalar(sql)
        .bind(id)
        .bind(unit_id)
        .fetch_optional(&mut *e)
        .await)?;
    Ok(found.is_some())
}

/// Whether target `id` belongs to `unit_id`'s subtree.
pub async fn target_ok(c: &mut impl DbConn, unit_id: UnitId, id: i64) -> StoreResult<bool> {
    let found: Option<i64> = on_ex!(c, |e| sqlx::query_scalar(
        "SELECT t.id FROM targets t JOIN unit_closure c ON c.descendant_id = t.unit_id
         WHERE t.id = $1 AND c.ancestor_id = $2 AND t.deleted_at IS NULL"
    )
    .bind(id)
    .bind(unit_id)
    .fetch_optional(&mut *e)
    .await)?;
    Ok(found.is_some())
}

/// Writes an article (Manage at its unit); returns its id.
pub async fn write(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    new: &NewExperience<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    crate::tree::require_in(tx, scope, new.unit_id).await?;
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO experiences (unit_id, title, body, category, target_id, decision_id,
             source_kind, source_id, tags, written_on, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id"
    )
    .bind(new.unit_id)
    .bind(new.title)
    .bind(new.body)
    .bind(new.category)
    .bind(new.target_id)
    .bind(new.decision_id)
    .bind(new.source.map(|s| s.0))
    .bind(new.source.map(|s| s.1))
    .bind(new.tags.join(", "))
    .bind(new.written_on)
    .bind(now)
    .bind(actor)
    .fetch_one(&mut *e)
    .await)?;
    for tag in new.tags {
        on_ex!(tx, |e| sqlx::query(
            "INSERT INTO experience_tags (tag, experience_id) VALUES ($1, $2)"
        )
        .bind(tag)
        .bind(id)
        .execute(&mut *e)
        .await
        .map(|_| ()))?;
    }
    aggregates::add(tx, new.unit_id, WRITTEN, 1).await?;
    crate::search::texts::index(tx, crate::search::texts::Texts::Experiences, &[id]).await?;
    Ok(id)
}

/// One article (shared with every reader of the organization).
pub async fn get(c: &mut impl DbConn, id: i64, today: &str) -> StoreResult<Experience> {
    let sql = format!("{} WHERE e.id = $1", select("$2"));
    on_ex!(c, |e| sqlx::query_as::<_, Experience>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .bind(today)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// What the library is searched by.
#[derive(Debug, Default)]
pub struct Filter<'a> {
    /// Words in the title or the article (each must appear).
    pub q: &'a str,
    /// Category.
    pub category: Option<&'a str>,
    /// Tag.
    pub tag: Option<&'a str>,
    /// Written in this unit's subtree.
    pub under: Option<UnitId>,
}

/// Articles matching `f`, those of model units first, then the most
/// applied, then the newest; at most `limit`.
pub async fn search(
    c: &mut impl DbConn,
    f: &Filter<'_>,
    today: &str,
    limit: i64,
) -> StoreResult<Vec<Experience>> {
    let mut sql = format!("{} WHERE 1 = 1", select("$1"));
    let mut binds: Vec<String> = vec![today.to_string()];
    let next = |binds: &mut Vec<String>, v: String| {
        binds.push(v);
        format!("${}", binds.len())
    };
    // Words through the index (within the subtree asked for, if any);
    // what tokens cannot say is checked on the text.
    let q = grassroots_core::search::query(f.q);
    let within: Vec<UnitId> = f.under.into_iter().collect();
    if let Some((cond, text)) = crate::search::texts::condition(
        c.dialect(),
        crate::search::texts::Texts::Experiences,
        &q,
        &within,
        "e.id",
        binds.len() + 1,
    ) {
        binds.push(text);
        sql.push_str(&format!(" AND {cond}"));
    }
    for word in q.contains.iter().take(8) {
        let p = next(&mut binds, contains_pattern(word));
        sql.push_str(&format!(
            " AND (lower(e.title) LIKE {p} ESCAPE '\\' OR lower(e.body) LIKE {p} ESCAPE '\\' OR lower(e.tags) LIKE {p} ESCAPE '\\')"
        ));
    }
    if let Some(cat) = f.category {
        let p = next(&mut binds, cat.to_string());
        sql.push_str(&format!(" AND e.category = {p}"));
    }
    if let Some(tag) = f.tag {
        let p = next(&mut binds, tag.to_lowercase());
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM experience_tags g WHERE g.tag = {p} AND g.experience_id = e.id)"
        ));
    }
    if let Some(u) = f.under {
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM unit_closure c WHERE c.ancestor_id = {u} AND c.descendant_id = e.unit_id)"
        ));
    }
    sql.push_str(&format!(
        " ORDER BY from_model_unit DESC, e.applied DESC, e.id DESC LIMIT {limit}"
    ));
    Ok(on_ex!(c, |e| {
        let mut q = sqlx::query_as::<_, Experience>(sqlx::AssertSqlSafe(sql.as_str()));
        for b in &binds {
            q = q.bind(b.as_str());
        }
        q.fetch_all(&mut *e).await
    })?)
}

/// Experiences of other units in `category` for a unit whose target is
/// off track: those of model units in force and of units with a target
/// of that category on track or done, model units first, then the most
/// applied; at most `limit`.
pub async fn suggestions(
    c: &mut impl DbConn,
    unit_id: UnitId,
    category: &str,
    today: &str,
    limit: i64,
) -> StoreResult<Vec<Experience>> {
    let sql = format!(
        "{} WHERE e.category = $2 AND e.unit_id <> $3
           AND NOT EXISTS (SELECT 1 FROM experience_applications a
                           WHERE a.experience_id = e.id AND a.unit_id = $3)
           AND (EXISTS (SELECT 1 FROM model_units m WHERE m.unit_id = e.unit_id
                        AND m.starts_on <= $1 AND (m.ends_on IS NULL OR m.ends_on >= $1))
                OR EXISTS (SELECT 1 FROM targets t WHERE t.unit_id = e.unit_id
                           AND t.category = $2 AND t.deleted_at IS NULL
                           AND t.status IN ('on_track', 'done')))
         ORDER BY from_model_unit DESC, e.applied DESC, e.id DESC LIMIT $4",
        select("$1")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Experience>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(today)
    .bind(category)
    .bind(unit_id)
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// A unit that applied an article.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Application {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// When.
    pub applied_on: String,
    /// How it was applied.
    pub note: String,
}

/// The units that applied an article, newest first (at most 500).
pub async fn applications(c: &mut impl DbConn, id: i64) -> StoreResult<Vec<Application>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Application>(
        "SELECT a.unit_id, u.name AS unit_name, a.applied_on, a.note
         FROM experience_applications a JOIN units u ON u.id = a.unit_id
         WHERE a.experience_id = $1 ORDER BY a.applied_on DESC, u.name LIMIT 500"
    )
    .bind(id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Records that `unit_id` (Manage there) applied an article; returns
/// `false` when it had already.
#[allow(clippy::too_many_arguments)]
pub async fn apply(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    id: i64,
    unit_id: UnitId,
    note: &str,
    applied_on: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    crate::tree::require_in(tx, scope, unit_id).await?;
    let before: Option<i64> = on_ex!(tx, |e| {
        sqlx::query_scalar(
        "SELECT experience_id FROM experience_applications WHERE experience_id = $1 AND unit_id = $2"
    )
    .bind(id)
    .bind(unit_id)
    .fetch_optional(&mut *e)
    .await
    })?;
    if before.is_some() {
        return Ok(false);
    }
    on_ex!(tx, |e| {
        sqlx::query(
        "INSERT INTO experience_applications (experience_id, unit_id, applied_on, note, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(id)
    .bind(unit_id)
    .bind(applied_on)
    .bind(note)
    .bind(now)
    .bind(actor)
    .execute(&mut *e)
    .await
    .map(|_| ())
    })?;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE experiences SET applied = applied + 1 WHERE id = $1"
    )
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    aggregates::add(tx, unit_id, APPLIED, 1).await?;
    Ok(true)
}

/// Articles `applied` that differ from their applications (at most 20;
/// `grassroots check`).
pub async fn stale_applied(c: &mut impl DbConn) -> StoreResult<Vec<String>> {
    let rows: Vec<(i64, i64, i64)> = on_ex!(c, |e| {
        sqlx::query_as(
        "SELECT e.id, e.applied, (SELECT count(*) FROM experience_applications a WHERE a.experience_id = e.id)
         FROM experiences e
         WHERE e.applied <> (SELECT count(*) FROM experience_applications a WHERE a.experience_id = e.id)
         ORDER BY e.id LIMIT 20"
    )
    .fetch_all(&mut *e)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, kept, counted)| {
            format!("experience {id}: applied by {kept} units kept, {counted} recorded")
        })
        .collect())
}

/// A target of a unit that lags (off track, at risk or late).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LaggingTarget {
    /// The target.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Its category.
    pub category: String,
    /// `off_track`, `at_risk` or `late`.
    pub status: String,
}

/// The unit's own targets that lag, soonest due first (at most 5; the
/// caller read the unit).
pub async fn lagging_targets(
    c: &mut impl DbConn,
    unit_id: UnitId,
) -> StoreResult<Vec<LaggingTarget>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, LaggingTarget>(
        "SELECT id, title, category, status FROM targets
         WHERE unit_id = $1 AND status IN ('off_track', 'at_risk', 'late') AND deleted_at IS NULL
         ORDER BY due_on, id LIMIT 5"
    )
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// The articles a unit wrote, newest first (at most `limit`).
pub async fn of_unit(
    c: &mut impl DbConn,
    unit_id: UnitId,
    today: &str,
    limit: i64,
) -> StoreResult<Vec<Experience>> {
    let sql = format!(
        "{} WHERE e.unit_id = $2 ORDER BY e.id DESC LIMIT $3",
        select("$1")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Experience>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(today)
    .bind(unit_id)
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// Counter family: experiences written and applied, where each was
/// written or applied; history that stays with the unit.
pub const COUNTERS: aggregates::CounterFamily = aggregates::CounterFamily {
    name: "experiences",
    metrics: &["experiences."],
    follows_rows: false,
    recompute_sql: "SELECT c.ancestor_id, m.metric,
                CAST(sum(CASE WHEN m.unit_id = c.ancestor_id THEN m.n ELSE 0 END) AS BIGINT),
                CAST(sum(m.n) AS BIGINT)
         FROM (SELECT e.unit_id, 'experiences.written' AS metric, count(*) AS n
               FROM experiences e GROUP BY e.unit_id
               UNION ALL
               SELECT a.unit_id, 'experiences.applied', count(*)
               FROM experience_applications a GROUP BY a.unit_id) m
         JOIN unit_closure c ON c.descendant_id = m.unit_id
         GROUP BY c.ancestor_id, m.metric",
};
