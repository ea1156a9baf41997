//! Decisions issued by a unit to its subtree, the units they are addressed
//! to, and adoption. The addressees are fixed when the decision is issued;
//! per-decision counters (`decision.<id>.addressed`, `.adopted`) make the
//! adoption roll-up of any unit a row read.

use chrono::{DateTime, Utc};
use grassroots_core::{Edit, Manage, Read, Scope, UnitId};
use serde::Serialize;

use crate::addressing::{self, Addressees};
use crate::tree::unit_condition;
use crate::{DbConn, StoreError, StoreResult, Tx, on_ex};

const ADDRESSEES: Addressees = Addressees {
    table: "decision_addressees",
    key_column: "decision_id",
    done: "adopted",
};

/// Sources a decision may come from.
pub const SOURCES: &[&str] = grassroots_core::vocab::DecisionSource::KEYS;

/// A decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Decision {
    /// Identifier.
    pub id: i64,
    /// Issuing unit.
    pub unit_id: i64,
    /// Title.
    pub title: String,
    /// Body, Markdown.
    pub body: String,
    /// `congress`, `plenary_meeting`, `committee_meeting` or `other`.
    pub source: String,
    /// Date of issue (YYYY-MM-DD).
    pub issued_on: String,
    /// Level keys addressed, comma-separated; empty for every unit below.
    pub levels: String,
    /// Who issued it.
    pub created_by: String,
    /// The meeting that adopted it, if any.
    pub meeting_id: Option<i64>,
}

const COLUMNS: &str =
    "d.id, d.unit_id, d.title, d.body, d.source, d.issued_on, d.levels, d.created_by, d.meeting_id";

/// Metric: units a decision is addressed to.
pub fn addressed_metric(id: i64) -> String {
    format!("decision.{id}.addressed")
}

/// Metric: addressed units that adopted it.
pub fn adopted_metric(id: i64) -> String {
    format!("decision.{id}.adopted")
}

/// A new decision, validated.
pub struct NewDecision<'a> {
    /// Issuing unit; must lie in the writer's scope.
    pub unit_id: UnitId,
    /// Title.
    pub title: &'a str,
    /// Body.
    pub body: &'a str,
    /// Source.
    pub source: &'a str,
    /// Date.
    pub issued_on: &'a str,
    /// Level keys addressed (empty: every unit below).
    pub levels: &'a [String],
    /// The meeting of the issuing unit that adopted it, if any.
    pub meeting_id: Option<i64>,
}

/// Issues a decision: stores it, addresses it to every open unit below
/// the issuer (of the given levels) and counts them, in the caller's
/// transaction. Returns the decision and the number of addressees.
pub async fn issue(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    new: &NewDecision<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<(Decision, i64)> {
    if !crate::tree::in_scope(tx, scope, new.unit_id).await? {
        return Err(StoreError::NotFound);
    }
    let levels = new.levels.join(",");
    let sql = format!(
        "INSERT INTO decisions (unit_id, title, body, source, issued_on, levels, created_at, created_by, meeting_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {}",
        COLUMNS.replace("d.", "")
    );
    let decision = on_ex!(tx, |e| sqlx::query_as::<_, Decision>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(new.unit_id)
    .bind(new.title)
    .bind(new.body)
    .bind(new.source)
    .bind(new.issued_on)
    .bind(&levels)
    .bind(now)
    .bind(actor)
    .bind(new.meeting_id)
    .fetch_one(&mut *e)
    .await)?;
    let addressed = addressing::address(
        tx,
        &ADDRESSEES,
        decision.id,
        new.unit_id,
        &levels,
        &addressed_metric(decision.id),
    )
    .await?;
    crate::search::texts::index(tx, crate::search::texts::Texts::Decisions, &[decision.id]).await?;
    Ok((decision, addressed as i64))
}

/// A decision as seen by an addressed unit.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct InboxItem {
    /// The decision.
    #[sqlx(flatten)]
    pub decision: Decision,
    /// Name of the issuing unit.
    pub issuer_name: String,
    /// When the unit adopted it, if it did.
    pub adopted_at: Option<DateTime<Utc>>,
}

/// Decisions addressed to `unit_id` (inside `scope`), newest first.
pub async fn inbox(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
) -> StoreResult<Vec<InboxItem>> {
    inbox_where(c, &unit_condition(scope, "a.unit_id"), unit_id, 200).await
}

/// Decisions addressed to the unit a person belongs to, for that person
/// (the caller passes the person's own unit), newest first.
pub async fn inbox_of_own_unit(
    c: &mut impl DbConn,
    own_unit_id: UnitId,
    limit: i64,
) -> StoreResult<Vec<InboxItem>> {
    inbox_where(c, "1 = 1", own_unit_id, limit).await
}

async fn inbox_where(
    c: &mut impl DbConn,
    condition: &str,
    unit_id: UnitId,
    limit: i64,
) -> StoreResult<Vec<InboxItem>> {
    let sql = format!(
        "SELECT {COLUMNS}, u.name AS issuer_name, a.adopted_at
         FROM decision_addressees a JOIN decisions d ON d.id = a.decision_id
         JOIN units u ON u.id = d.unit_id
         WHERE a.unit_id = $1 AND {condition}
         ORDER BY d.issued_on DESC, d.id DESC LIMIT {limit}"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, InboxItem>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Decisions issued by `unit_id` (inside `scope`), newest first.
pub async fn issued_by(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
) -> StoreResult<Vec<Decision>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM decisions d WHERE d.unit_id = $1 AND {}
         ORDER BY d.issued_on DESC, d.id DESC LIMIT 200",
        unit_condition(scope, "d.unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Decision>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// A decision the reader may see: issued by a unit in `scope`, or
/// addressed to one.
pub async fn get(c: &mut impl DbConn, scope: &Scope<Read>, id: i64) -> StoreResult<Decision> {
    let sql = format!(
        "SELECT {COLUMNS} FROM decisions d WHERE d.id = $1 AND ({} OR EXISTS (
             SELECT 1 FROM decision_addressees a WHERE a.decision_id = d.id AND {}))",
        unit_condition(scope, "d.unit_id"),
        unit_condition(scope, "a.unit_id")
    );
    on_ex!(c, |e| sqlx::query_as::<_, Decision>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// Decisions the reader may read (issued inside `scope` or addressed to
/// a unit inside it) whose title or text match `q` (see
/// `core::search`), newest first; at most `limit`.
pub async fn search(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    q: &grassroots_core::search::Query,
    limit: i64,
) -> StoreResult<Vec<Decision>> {
    if scope.is_empty() || (q.is_open() && q.contains.is_empty()) {
        return Ok(Vec::new());
    }
    let mut binds: Vec<String> = Vec::new();
    let mut cond = String::new();
    // Decisions are few: the index finds them anywhere, the reader's
    // scope is checked on each as `get` does.
    if let Some((sql, text)) = crate::search::texts::condition(
        c.dialect(),
        crate::search::texts::Texts::Decisions,
        q,
        &[],
        "d.id",
        1,
    ) {
        cond.push_str(&format!(" AND {sql}"));
        binds.push(text);
    }
    for word in &q.contains {
        binds.push(crate::contains_pattern(word));
        let p = binds.len();
        cond.push_str(&format!(
            " AND (lower(d.title) LIKE ${p} ESCAPE '\\' OR lower(d.body) LIKE ${p} ESCAPE '\\')"
        ));
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM decisions d
         WHERE ({} OR EXISTS (
             SELECT 1 FROM decision_addressees a WHERE a.decision_id = d.id AND {})){cond}
         ORDER BY d.issued_on DESC, d.id DESC LIMIT {limit}",
        unit_condition(scope, "d.unit_id"),
        unit_condition(scope, "a.unit_id")
    );
    Ok(on_ex!(c, |e| {
        let mut q = sqlx::query_as::<_, Decision>(sqlx::AssertSqlSafe(sql.as_str()));
        for b in &binds {
            q = q.bind(b.as_str());
        }
        q.fetch_all(&mut *e).await
    })?)
}

/// Marks the decision adopted by `unit_id` (inside `scope`, addressed);
/// returns whether this changed anything.
pub async fn adopt(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    decision_id: i64,
    unit_id: UnitId,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    if !crate::tree::in_scope(tx, scope, unit_id).await? {
        return Err(StoreError::NotFound);
    }
    addressing::answer(
        tx,
        &ADDRESSEES,
        decision_id,
        unit_id,
        &adopted_metric(decision_id),
        actor,
        now,
    )
    .await
}

/// Adoption of a decision below one unit: (unit, name, addressed,
/// adopted) for the unit's children that have addressees.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Adoption {
    /// Unit.
    pub unit_id: i64,
    /// Its name.
    pub name: String,
    /// Addressed units in its subtree.
    pub addressed: i64,
    /// Of which adopted.
    pub adopted: i64,
}

/// The adoption counters of `unit_id` and of each of its children (inside
/// `scope`), read from the maintained counters.
pub async fn adoption(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    decision_id: i64,
    unit_id: UnitId,
) -> StoreResult<(Adoption, Vec<Adoption>)> {
    let mut rows = addressing::rollup(
        c,
        scope,
        unit_id,
        &addressed_metric(decision_id),
        &adopted_metric(decision_id),
    )
    .await?
    .into_iter()
    .map(|(unit_id, name, addressed, adopted)| Adoption {
        unit_id,
        name,
        addressed,
        adopted,
    });
    let top = rows.next().ok_or(StoreError::NotFound)?;
    Ok((top, rows.collect()))
}

/// Addressed units below `unit_id` (inside `scope`) that have not adopted
/// the decision, by depth and name, at most `limit`.
pub async fn not_adopted(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    decision_id: i64,
    unit_id: UnitId,
    limit: i64,
) -> StoreResult<Vec<(i64, String)>> {
    addressing::unanswered(c, scope, &ADDRESSEES, decision_id, unit_id, limit).await
}

/// The title of a decision (for display next to something already read
/// under scope that cites it).
pub async fn title_of(c: &mut impl DbConn, id: i64) -> StoreResult<Option<String>> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT title FROM decisions WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?)
}

/// Decisions adopted at a meeting (the caller has read the meeting under
/// scope), in the order they were issued.
pub async fn of_meeting(c: &mut impl DbConn, meeting_id: i64) -> StoreResult<Vec<Decision>> {
    let sql = format!("SELECT {COLUMNS} FROM decisions d WHERE d.meeting_id = $1 ORDER BY d.id");
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Decision>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(meeting_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Counter family: Units a decision was addressed to, and those that adopted it; they stay with the unit addressed.
pub const COUNTERS: crate::aggregates::CounterFamily = crate::aggregates::CounterFamily {
    name: "decisions",
    metrics: &["decision."],
    follows_rows: false,
    recompute_sql:
        "SELECT c.ancestor_id, 'decision.' || CAST(a.decision_id AS TEXT) || '.addressed',
                sum(CASE WHEN a.unit_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
         FROM decision_addressees a JOIN unit_closure c ON c.descendant_id = a.unit_id
         GROUP BY c.ancestor_id, a.decision_id
         UNION ALL
         SELECT c.ancestor_id, 'decision.' || CAST(a.decision_id AS TEXT) || '.adopted',
                sum(CASE WHEN a.unit_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
         FROM decision_addressees a JOIN unit_closure c ON c.descendant_id = a.unit_id
         WHERE a.adopted_at IS NOT NULL
         GROUP BY c.ancestor_id, a.decision_id",
};
