//! Bulletins: composed by a unit (from a meeting's record or freely) as
//! ordered articles, published to its subtree (optionally to some levels),
//! and acknowledged by each receiving unit. Receipts are per unit, never
//! per person: nobody's reading is recorded. Per-bulletin counters
//! (`bulletin.<id>.addressed`, `.acknowledged`) make the acknowledgement of
//! any subtree a row read.

use chrono::{DateTime, Utc};
use grassroots_core::{Capability, Edit, Manage, Read, Scope, UnitId};
use serde::Serialize;

use crate::addressing::{self, Addressees};
use crate::tree::unit_condition;
use crate::{DbConn, StoreError, StoreResult, Tx, on_ex};

const RECEIPTS: Addressees = Addressees {
    table: "bulletin_receipts",
    key_column: "bulletin_id",
    done: "acknowledged",
};

/// Metric: units a bulletin was published to.
pub fn addressed_metric(id: i64) -> String {
    format!("bulletin.{id}.addressed")
}

/// Metric: receiving units that acknowledged it.
pub fn acknowledged_metric(id: i64) -> String {
    format!("bulletin.{id}.acknowledged")
}

/// A bulletin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Bulletin {
    /// Identifier.
    pub id: i64,
    /// Publishing unit.
    pub unit_id: i64,
    /// The meeting it reports, if composed from one.
    pub meeting_id: Option<i64>,
    /// Title.
    pub title: String,
    /// Date line (YYYY-MM-DD; shown in the calendar era).
    pub dated_on: String,
    /// Level keys it was published to, comma-separated; empty for all.
    pub levels: String,
    /// Who composed it.
    pub created_by: String,
    /// When it was published; a published bulletin no longer changes.
    pub published_at: Option<DateTime<Utc>>,
    /// Who published it.
    pub published_by: Option<String>,
}

const COLUMNS: &str = "b.id, b.unit_id, b.meeting_id, b.title, b.dated_on, b.levels, b.created_by, \
     b.published_at, b.published_by";

/// An article of a bulletin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Article {
    /// Identifier.
    pub id: i64,
    /// Place in the bulletin, from 1.
    pub position: i64,
    /// Heading.
    pub heading: String,
    /// Text, Markdown. `{date:YYYY-MM-DD}` stands for that day: pages and
    /// the Markdown export show it in the organization's calendar era of
    /// the day they are read.
    pub body: String,
}

/// Starts a bulletin of `unit_id` (in `scope`).
#[allow(clippy::too_many_arguments)]
pub async fn create(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    unit_id: UnitId,
    meeting_id: Option<i64>,
    title: &str,
    dated_on: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<Bulletin> {
    if !crate::tree::in_scope(tx, scope, unit_id).await? {
        return Err(StoreError::NotFound);
    }
    let sql = format!(
        "INSERT INTO bulletins (unit_id, meeting_id, title, dated_on, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {}",
        COLUMNS.replace("b.", "")
    );
    Ok(on_ex!(tx, |e| sqlx::query_as::<_, Bulletin>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .bind(meeting_id)
    .bind(title)
    .bind(dated_on)
    .bind(now)
    .bind(actor)
    .fetch_one(&mut *e)
    .await)?)
}

/// The bulletin `id` if its publishing unit lies in `scope`, locked until
/// the transaction ends.
pub async fn for_change<C: Capability>(
    tx: &mut Tx,
    scope: &Scope<C>,
    id: i64,
) -> StoreResult<Bulletin> {
    let sql = format!(
        "SELECT {COLUMNS} FROM bulletins b WHERE b.id = $1 AND {}{}",
        unit_condition(scope, "b.unit_id"),
        tx.for_update()
    );
    on_ex!(tx, |e| sqlx::query_as::<_, Bulletin>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// A bulletin the reader may see: published by a unit in `scope`, or
/// published to one.
pub async fn get(c: &mut impl DbConn, scope: &Scope<Read>, id: i64) -> StoreResult<Bulletin> {
    let sql = format!(
        "SELECT {COLUMNS} FROM bulletins b WHERE b.id = $1 AND ({} OR EXISTS (
             SELECT 1 FROM bulletin_receipts r WHERE r.bulletin_id = b.id AND {}))",
        unit_condition(scope, "b.unit_id"),
        unit_condition(scope, "r.unit_id")
    );
    on_ex!(c, |e| sqlx::query_as::<_, Bulletin>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// The articles of a bulletin, in order.
pub async fn articles(c: &mut impl DbConn, bulletin_id: i64) -> StoreResult<Vec<Article>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Article>(
        "SELECT id, position, heading, body FROM bulletin_articles
         WHERE bulletin_id = $1 ORDER BY position, id"
    )
    .bind(bulletin_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Appends an article; returns its id.
pub async fn add_article(
    tx: &mut Tx,
    bulletin_id: i64,
    heading: &str,
    body: &str,
) -> StoreResult<i64> {
    Ok(on_ex!(tx, |e| {
        sqlx::query_scalar(
        "INSERT INTO bulletin_articles (bulletin_id, position, heading, body)
         VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM bulletin_articles WHERE bulletin_id = $1),
                 $2, $3)
         RETURNING id"
    )
    .bind(bulletin_id)
    .bind(heading)
    .bind(body)
    .fetch_one(&mut *e)
    .await
    })?)
}

/// The bulletin an article belongs to.
pub async fn bulletin_of_article(c: &mut impl DbConn, article_id: i64) -> StoreResult<i64> {
    on_ex!(c, |e| sqlx::query_scalar(
        "SELECT bulletin_id FROM bulletin_articles WHERE id = $1"
    )
    .bind(article_id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// Rewrites an article.
pub async fn update_article(tx: &mut Tx, id: i64, heading: &str, body: &str) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE bulletin_articles SET heading = $2, body = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(heading)
    .bind(body)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Removes an article.
pub async fn remove_article(tx: &mut Tx, id: i64) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "DELETE FROM bulletin_articles WHERE id = $1"
    )
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Moves an article one place up or down.
pub async fn move_article(tx: &mut Tx, id: i64, up: bool) -> StoreResult<bool> {
    crate::meetings::swap_position(tx, "bulletin_articles", "bulletin_id", id, up).await
}

/// Publishes a bulletin (held through [`for_change`]) to the open units
/// below its publisher, of the comma-separated `levels` (all when empty);
/// returns how many units receive it.
pub async fn publish(
    tx: &mut Tx,
    bulletin: &Bulletin,
    levels: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE bulletins SET published_at = $2, published_by = $3, levels = $4 WHERE id = $1"
    )
    .bind(bulletin.id)
    .bind(now)
    .bind(actor)
    .bind(levels)
    .execute(&mut *e)
    .await
    .map(|_| ()))?;
    addressing::address(
        tx,
        &RECEIPTS,
        bulletin.id,
        bulletin.unit_id,
        levels,
        &addressed_metric(bulletin.id),
    )
    .await
}

/// Records that `unit_id` (in `scope`) received the bulletin; false when
/// it already had. `NotFound` when it was not published to the unit.
pub async fn acknowledge(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    bulletin_id: i64,
    unit_id: UnitId,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    if !crate::tree::in_scope(tx, scope, unit_id).await? {
        return Err(StoreError::NotFound);
    }
    addressing::answer(
        tx,
        &RECEIPTS,
        bulletin_id,
        unit_id,
        &acknowledged_metric(bulletin_id),
        actor,
        now,
    )
    .await
}

/// Receipt counts of a bulletin at one unit and its children.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Receipts {
    /// Unit.
    pub unit_id: i64,
    /// Its name.
    pub name: String,
    /// Receiving units in its subtree.
    pub addressed: i64,
    /// Of which acknowledged.
    pub acknowledged: i64,
}

/// The receipt counters of `unit_id` and of each of its children that
/// receive the bulletin (in `scope`).
pub async fn receipts(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    bulletin_id: i64,
    unit_id: UnitId,
) -> StoreResult<(Receipts, Vec<Receipts>)> {
    let mut rows = addressing::rollup(
        c,
        scope,
        unit_id,
        &addressed_metric(bulletin_id),
        &acknowledged_metric(bulletin_id),
    )
    .await?
    .into_iter()
    .map(|(unit_id, name, addressed, acknowledged)| Receipts {
        unit_id,
        name,
        addressed,
        acknowledged,
    });
    let top = rows.next().ok_or(StoreError::NotFound)?;
    Ok((top, rows.collect()))
}

/// Receiving units below `unit_id` (in `scope`) that have not acknowledged.
pub async fn not_acknowledged(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    bulletin_id: i64,
    unit_id: UnitId,
    limit: i64,
) -> StoreResult<Vec<(i64, String)>> {
    addressing::unanswered(c, scope, &RECEIPTS, bulletin_id, unit_id, limit).await
}

/// A bulletin in a unit's list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct BulletinListing {
    /// The bulletin.
    #[sqlx(flatten)]
    pub bulletin: Bulletin,
    /// Name of the publishing unit.
    pub unit_name: String,
    /// For a receiving unit: when it acknowledged the bulletin.
    pub acknowledged_at: Option<DateTime<Utc>>,
}

/// Bulletins published to `unit_id` (in `scope`), newest first.
pub async fn inbox(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
) -> StoreResult<Vec<BulletinListing>> {
    inbox_where(c, &unit_condition(scope, "r.unit_id"), unit_id, 100).await
}

/// Bulletins published to the unit a person belongs to, for that person
/// (the caller passes the person's own unit), newest first.
pub async fn inbox_of_own_unit(
    c: &mut impl DbConn,
    own_unit_id: UnitId,
    limit: i64,
) -> StoreResult<Vec<BulletinListing>> {
    inbox_where(c, "1 = 1", own_unit_id, limit).await
}

async fn inbox_where(
    c: &mut impl DbConn,
    condition: &str,
    unit_id: UnitId,
    limit: i64,
) -> StoreResult<Vec<BulletinListing>> {
    let sql = format!(
        "SELECT {COLUMNS}, u.name AS unit_name, r.acknowledged_at
         FROM bulletin_receipts r JOIN bulletins b ON b.id = r.bulletin_id
         JOIN units u ON u.id = b.unit_id
         WHERE r.unit_id = $1 AND {condition}
         ORDER BY b.dated_on DESC, b.id DESC LIMIT {limit}"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, BulletinListing>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Bulletins of `unit_id` (in `scope`), drafts included, newest first.
pub async fn published_by(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
) -> StoreResult<Vec<BulletinListing>> {
    let sql = format!(
        "SELECT {COLUMNS}, u.name AS unit_name,
                CASE WHEN 1 = 0 THEN b.published_at END AS acknowledged_at
         FROM bulletins b JOIN units u ON u.id = b.unit_id
         WHERE b.unit_id = $1 AND {}
         ORDER BY b.dated_on DESC, b.id DESC LIMIT 100",
        unit_condition(scope, "b.unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, BulletinListing>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// Counter family: Units a bulletin was sent to, and those that acknowledged it; receipts stay with the unit.
pub const COUNTERS: crate::aggregates::CounterFamily = crate::aggregates::CounterFamily {
    name: "bulletins",
    metrics: &["bulletin."],
    follows_rows: false,
    recompute_sql:
        "SELECT c.ancestor_id, 'bulletin.' || CAST(r.bulletin_id AS TEXT) || '.addressed',
                sum(CASE WHEN r.unit_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
         FROM bulletin_receipts r JOIN unit_closure c ON c.descendant_id = r.unit_id
         GROUP BY c.ancestor_id, r.bulletin_id
         UNION ALL
         SELECT c.ancestor_id, 'bulletin.' || CAST(r.bulletin_id AS TEXT) || '.acknowledged',
                sum(CASE WHEN r.unit_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
         FROM bulletin_receipts r JOIN unit_closure c ON c.descendant_id = r.unit_id
         WHERE r.acknowledged_at IS NOT NULL
         GROUP BY c.ancestor_id, r.bulletin_id",
};
