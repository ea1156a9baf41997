//! Appeals and suggestions. An appeal is read only by the holders of the
//! appeals duty at the unit handling it who are not recused from it, and
//! by its author: through their person when they gave their name, through
//! the receipt otherwise. An anonymous appeal keeps nothing that names its
//! author; every day on it is a day, never a time. The counters
//! `appeals.*` sit at the unit it was first routed to (above whoever it
//! concerns) and follow every change in the same transaction, so a
//! subtree's figures are row reads that name nobody and carry no text.

use chrono::{DateTime, NaiveDate, Utc};
use grassroots_core::voice::{Deadlines, Stage, Windows};
use grassroots_core::{AccountId, Read, Scope, UnitId};
use serde::Serialize;

use crate::plans::ymd;
use crate::{DbConn, StoreError, StoreResult, Tx, aggregates, on_ex};

/// The organization's appeal policy.
#[derive(
    Debug, Clone, PartialEq, Serialize, serde::Deserialize, sqlx::FromRow, utoipa::ToSchema,
)]
pub struct Settings {
    /// Days to acknowledge (7 by default).
    pub acknowledge_days: i64,
    /// Days from acknowledgement to feedback (90 by default).
    pub feedback_days: i64,
    /// Days a closed appeal's contents are kept.
    pub retention_days: i64,
    /// Below this many people, the origin unit is too small for anonymity
    /// to hold well and the author is warned.
    pub small_unit_size: i64,
    /// The unit whose handlers take every appeal that concerns someone,
    /// instead of the unit above the one concerned.
    pub commission_unit_id: Option<i64>,
}

impl Settings {
    /// The deadline windows.
    pub fn windows(&self) -> Windows {
        Windows {
            acknowledge_days: self.acknowledge_days.clamp(1, 3650) as u32,
            feedback_days: self.feedback_days.clamp(1, 3650) as u32,
        }
    }
}

/// One appeal or suggestion, as its handlers see it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Appeal {
    /// Id.
    pub id: i64,
    /// `appeal` (protected) or `suggestion` (open).
    pub kind: String,
    /// The unit it came from.
    pub origin_unit_id: i64,
    /// The unit it concerns, if it names one.
    pub concerns_unit_id: Option<i64>,
    /// The person it concerns, if it names a position holder.
    pub concerns_person_id: Option<i64>,
    /// The unit it was first routed to.
    pub routed_unit_id: i64,
    /// The unit whose handlers hold it now.
    pub handling_unit_id: i64,
    /// Subject.
    pub subject: String,
    /// The text.
    pub body: String,
    /// The author's person, only when they gave their name.
    pub author_person_id: Option<i64>,
    /// Day received.
    pub received_on: String,
    /// `received`, `forwarded`, `acknowledged`, `answered` or `closed`.
    pub status: String,
    /// Last day to acknowledge at the handling unit.
    pub acknowledge_by: String,
    /// Last day to give feedback.
    pub feedback_by: String,
    /// Day acknowledged.
    pub acknowledged_on: Option<String>,
    /// Day feedback was given.
    pub answered_on: Option<String>,
    /// Day closed.
    pub closed_on: Option<String>,
    /// The deadline running, if any.
    pub next_deadline: Option<String>,
    /// Whether an acknowledgement deadline was missed.
    pub acknowledge_missed: bool,
    /// Whether a feedback deadline was missed.
    pub feedback_missed: bool,
    /// How many times it was forwarded upward.
    pub forwards: i64,
    /// Days from receipt to feedback.
    pub answer_days: Option<i64>,
    /// Day a suggestion was published to its unit.
    pub published_on: Option<String>,
    /// Day its contents expire (closed appeals).
    pub expires_on: Option<String>,
    /// Whether its contents were deleted at expiry (its counts remain).
    pub expired: bool,
}

/// One entry of an appeal's record: a message, a handler's note or a
/// change of status, by day.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Entry {
    /// Id (the order).
    pub id: i64,
    /// Day.
    pub on_day: String,
    /// `message` (from the author), `reply` (to the author), `note`
    /// (handlers only), `acknowledged`, `answered`, `closed`, `forwarded`,
    /// `published`, `recused`.
    pub kind: String,
    /// The handler who wrote or did it; none for the author and the system.
    pub handler_account_id: Option<i64>,
    /// The handler's display name.
    pub handler_name: Option<String>,
    /// Text.
    pub text: String,
}

/// A new appeal, routed.
pub struct NewAppeal<'a> {
    /// `appeal` or `suggestion`.
    pub kind: &'a str,
    /// Where it comes from.
    pub origin_unit_id: UnitId,
    /// What it concerns.
    pub concerns_unit_id: Option<UnitId>,
    /// Whom it concerns.
    pub concerns_person_id: Option<i64>,
    /// Where it goes, and who there is recused.
    pub route: &'a Route,
    /// Subject.
    pub subject: &'a str,
    /// Text.
    pub body: &'a str,
    /// The author's person when named.
    pub author_person_id: Option<i64>,
    /// The receipt's hash when anonymous.
    pub receipt_hash: Option<&'a str>,
}

/// Where an appeal goes: the first unit, from a starting unit upward,
/// with a handler who need not be recused.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// The unit.
    pub unit_id: UnitId,
    /// Its handlers kept from this appeal, and why.
    pub recused: Vec<(AccountId, String)>,
}

const COLUMNS: &str = "a.id, a.kind, a.origin_unit_id, a.concerns_unit_id, a.concerns_person_id,
    a.routed_unit_id, a.handling_unit_id, a.subject, a.body, a.author_person_id, a.received_on,
    a.status, a.acknowledge_by, a.feedback_by, a.acknowledged_on, a.answered_on, a.closed_on,
    a.next_deadline, a.acknowledge_missed, a.feedback_missed, a.forwards, a.answer_days,
    a.published_on, a.expires_on, a.expired";

/// Why the account `acc` holding the duty must not handle an appeal
/// concerning person `person` in unit `unit` (SQL expressions), or NULL:
/// it is that person, it sits in that unit's subtree, or it holds a role
/// at that unit (the unit's own staff).
fn recusal_reason(person: &str, unit: &str) -> String {
    format!(
        "CASE WHEN acc.person_id IS NOT NULL AND acc.person_id = {person} THEN 'named'
              WHEN EXISTS (SELECT 1 FROM people rp JOIN unit_closure rc ON rc.descendant_id = rp.unit_id
                           WHERE rp.id = acc.person_id AND rc.ancestor_id = {unit}) THEN 'in_concerned_unit'
              WHEN EXISTS (SELECT 1 FROM role_assignments rr WHERE rr.account_id = acc.id AND rr.unit_id = {unit})
                   THEN 'staff_of_concerned_unit'
         END"
    )
}

/// The policy.
pub async fn settings(c: &mut impl DbConn) -> StoreResult<Settings> {
    Ok(on_ex!(c, |e| {
        sqlx::query_as(
        "SELECT acknowledge_days, feedback_days, retention_days, small_unit_size, commission_unit_id
         FROM appeal_settings WHERE id = 1"
    )
    .fetch_one(&mut *e)
    .await
    })?)
}

/// Changes the policy (open appeals keep the deadlines they have).
pub async fn set_settings(tx: &mut Tx, s: &Settings) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE appeal_settings SET acknowledge_days = $1, feedback_days = $2, retention_days = $3,
           small_unit_size = $4, commission_unit_id = $5 WHERE id = 1"
    )
    .bind(s.acknowledge_days)
    .bind(s.feedback_days)
    .bind(s.retention_days)
    .bind(s.small_unit_size)
    .bind(s.commission_unit_id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The system's receipt salt ('' until first made).
pub async fn receipt_salt(c: &mut impl DbConn) -> StoreResult<String> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT receipt_salt FROM appeal_settings WHERE id = 1"
    )
    .fetch_one(&mut *e)
    .await)?)
}

/// Makes the receipt salt from `fresh` unless one exists (a second server
/// racing to make it keeps the first one's); returns the salt in force.
pub async fn make_receipt_salt(tx: &mut Tx, fresh: &str) -> StoreResult<String> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE appeal_settings SET receipt_salt = $1 WHERE id = 1 AND receipt_salt = ''"
    )
    .bind(fresh)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    receipt_salt(tx).await
}

/// The people of a unit's subtree (those on the rolls), for the warning
/// that anonymity is weak in a small unit.
pub async fn unit_size(c: &mut impl DbConn, unit_id: UnitId) -> StoreResult<i64> {
    let n: Option<i64> = on_ex!(c, |e| {
        sqlx::query_scalar(
        "SELECT CAST(sum(subtree) AS BIGINT) FROM unit_aggregates WHERE unit_id = $1
         AND metric IN ('people.member', 'people.candidate', 'people.employee', 'people.applicant')"
    )
    .bind(unit_id)
    .fetch_one(&mut *e)
    .await
    })?;
    Ok(n.unwrap_or(0))
}

/// The route from `start` upward: the first unit with a holder of the
/// appeals duty who is not recused for what the appeal concerns (nor,
/// for an appeal already filed, kept from it). Units inside the concerned
/// unit are passed over. None when no unit up to the top has one.
pub async fn route(
    c: &mut impl DbConn,
    start: UnitId,
    concerns_unit_id: Option<UnitId>,
    concerns_person_id: Option<i64>,
    appeal_id: Option<i64>,
) -> StoreResult<Option<Route>> {
    let sql = format!(
        "SELECT h.account_id,
           CASE WHEN EXISTS (SELECT 1 FROM appeal_recusals x WHERE x.appeal_id = $4 AND x.account_id = h.account_id)
                THEN 'kept' ELSE {} END AS reason
         FROM appeal_handlers h JOIN accounts acc ON acc.id = h.account_id
         WHERE h.unit_id = $1 AND NOT acc.disabled ORDER BY h.account_id",
        recusal_reason("$2", "$3")
    );
    for unit_id in crate::tree::ancestor_ids(c, start).await? {
        if let Some(concerned) = concerns_unit_id
            && crate::tree::is_within(c, concerned, unit_id).await?
        {
            continue;
        }
        let rows: Vec<(i64, Option<String>)> =
            on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(unit_id)
                .bind(concerns_person_id)
                .bind(concerns_unit_id)
                .bind(appeal_id)
                .fetch_all(&mut *e)
                .await)?;
        if rows.iter().any(|(_, r)| r.is_none()) {
            let recused = rows
                .into_iter()
                .filter_map(|(a, r)| r.filter(|r| r != "kept").map(|r| (a, r)))
                .collect();
            return Ok(Some(Route { unit_id, recused }));
        }
    }
    Ok(None)
}

/// The current holder of a position, when it is held now.
pub async fn holder_of(c: &mut impl DbConn, position_id: i64) -> StoreResult<Option<Holder>> {
    Ok(on_ex!(c, |e| sqlx::query_as(
        "SELECT p.id AS position_id, p.unit_id, u.name AS unit_name, t.name AS position_name,
           pe.full_name AS person_name, pe.id AS person_id
         FROM positions p JOIN position_types t ON t.id = p.position_type_id
         JOIN units u ON u.id = p.unit_id JOIN people pe ON pe.id = p.person_id
         WHERE p.id = $1 AND p.ended_on IS NULL"
    )
    .bind(position_id)
    .fetch_optional(&mut *e)
    .await)?)
}

async fn fetch(c: &mut impl DbConn, id: i64, lock: Option<crate::Dialect>) -> StoreResult<Appeal> {
    let sql = format!(
        "SELECT {COLUMNS} FROM appeals a WHERE a.id = $1{}",
        match lock {
            Some(crate::Dialect::Postgres) => " FOR UPDATE",
            _ => "",
        }
    );
    on_ex!(c, |e| sqlx::query_as::<_, Appeal>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// Writes a new appeal with its first entry and its recusals, and counts it.
pub async fn insert(
    tx: &mut Tx,
    a: &NewAppeal<'_>,
    s: &Settings,
    today: NaiveDate,
) -> StoreResult<Appeal> {
    aggregates::serialize_counters(tx).await?;
    let dl = s.windows().deadlines(today, None);
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO appeals (kind, origin_unit_id, concerns_unit_id, concerns_person_id,
           routed_unit_id, handling_unit_id, subject, body, author_person_id, receipt_hash,
           received_on, status, acknowledge_by, feedback_by, next_deadline)
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, 'received', $11, $12, $11)
         RETURNING id"
    )
    .bind(a.kind)
    .bind(a.origin_unit_id)
    .bind(a.concerns_unit_id)
    .bind(a.concerns_person_id)
    .bind(a.route.unit_id)
    .bind(a.subject)
    .bind(a.body)
    .bind(a.author_person_id)
    .bind(a.receipt_hash)
    .bind(ymd(today))
    .bind(ymd(dl.acknowledge_by))
    .bind(ymd(dl.feedback_by))
    .fetch_one(&mut *e)
    .await)?;
    recuse_all(tx, id, &a.route.recused).await?;
    let appeal = fetch(tx, id, None).await?;
    count(tx, None, &appeal).await?;
    Ok(appeal)
}

async fn recuse_all(tx: &mut Tx, id: i64, recused: &[(AccountId, String)]) -> StoreResult<()> {
    for (account, reason) in recused {
        recuse(tx, id, *account, reason).await?;
    }
    Ok(())
}

/// Keeps a handler from an appeal; whether they were not kept already.
pub async fn recuse(
    tx: &mut Tx,
    id: i64,
    account_id: AccountId,
    reason: &str,
) -> StoreResult<bool> {
    let n = on_ex!(tx, |e| sqlx::query(
        "INSERT INTO appeal_recusals (appeal_id, account_id, reason) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING"
    )
    .bind(id)
    .bind(account_id)
    .bind(reason)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Adds an entry to an appeal's record.
pub async fn add_entry(
    tx: &mut Tx,
    id: i64,
    on: NaiveDate,
    kind: &str,
    handler: Option<AccountId>,
    text: &str,
) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "INSERT INTO appeal_entries (appeal_id, on_day, kind, handler_account_id, text)
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(id)
    .bind(ymd(on))
    .bind(kind)
    .bind(handler)
    .bind(text)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// An appeal's record, in order.
pub async fn entries(c: &mut impl DbConn, appeal: &Appeal) -> StoreResult<Vec<Entry>> {
    Ok(on_ex!(c, |e| {
        sqlx::query_as(
        "SELECT x.id, x.on_day, x.kind, x.handler_account_id, h.display_name AS handler_name, x.text
         FROM appeal_entries x LEFT JOIN accounts h ON h.id = x.handler_account_id
         WHERE x.appeal_id = $1 ORDER BY x.id"
    )
    .bind(appeal.id)
    .fetch_all(&mut *e)
    .await
    })?)
}

/// The handlers kept from an appeal and why.
pub async fn recusals(c: &mut impl DbConn, appeal: &Appeal) -> StoreResult<Vec<(String, String)>> {
    Ok(on_ex!(c, |e| {
        sqlx::query_as(
        "SELECT a.display_name, r.reason FROM appeal_recusals r JOIN accounts a ON a.id = r.account_id
         WHERE r.appeal_id = $1 ORDER BY a.display_name"
    )
    .bind(appeal.id)
    .fetch_all(&mut *e)
    .await
    })?)
}

/// The appeal a receipt's hash opens, if any (expired ones have none).
pub async fn by_receipt(c: &mut impl DbConn, receipt_hash: &str) -> StoreResult<Option<Appeal>> {
    let sql = format!("SELECT {COLUMNS} FROM appeals a WHERE a.receipt_hash = $1");
    Ok(on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(receipt_hash)
    .fetch_optional(&mut *e)
    .await)?)
}

/// The condition that the account `$1` handles appeal row `a`: it holds
/// the duty where `a` is handled now and is not recused from it.
fn handled_by(account: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM appeal_handlers h JOIN accounts acc ON acc.id = h.account_id
                 WHERE h.account_id = {account} AND h.unit_id = a.handling_unit_id AND NOT acc.disabled
                   AND NOT EXISTS (SELECT 1 FROM appeal_recusals r WHERE r.appeal_id = a.id AND r.account_id = h.account_id)
                   AND ({}) IS NULL)",
        recusal_reason("a.concerns_person_id", "a.concerns_unit_id")
    )
}

/// An appeal the account handles; not found otherwise (whether or not it
/// exists).
pub async fn get_handled(
    c: &mut impl DbConn,
    account_id: AccountId,
    id: i64,
) -> StoreResult<Appeal> {
    let sql = format!(
        "SELECT {COLUMNS} FROM appeals a WHERE a.id = $2 AND NOT a.expired AND {}",
        handled_by("$1")
    );
    on_ex!(c, |e| sqlx::query_as::<_, Appeal>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// A named appeal of the person's; not found otherwise.
pub async fn get_authored(c: &mut impl DbConn, person_id: i64, id: i64) -> StoreResult<Appeal> {
    let a = fetch(c, id, None).await?;
    if a.author_person_id == Some(person_id) && !a.expired {
        Ok(a)
    } else {
        Err(StoreError::NotFound)
    }
}

/// An appeal in a list: what to choose it by, without its text or the
/// people it names.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AppealSummary {
    /// Id.
    pub id: i64,
    /// `appeal` or `suggestion`.
    pub kind: String,
    /// Subject.
    pub subject: String,
    /// Status.
    pub status: String,
    /// Day received.
    pub received_on: String,
    /// The deadline running, if any.
    pub next_deadline: Option<String>,
    /// Times forwarded upward.
    pub forwards: i64,
    /// Whether an acknowledgement deadline was missed.
    pub acknowledge_missed: bool,
    /// Whether a feedback deadline was missed.
    pub feedback_missed: bool,
}

const SUMMARY: &str = "a.id, a.kind, a.subject, a.status, a.received_on, a.next_deadline,
    a.forwards, a.acknowledge_missed, a.feedback_missed";

/// The appeals the account handles, open ones first (closed ones too when
/// asked), at most `limit`.
pub async fn inbox(
    c: &mut impl DbConn,
    account_id: AccountId,
    include_closed: bool,
    limit: i64,
) -> StoreResult<Vec<AppealSummary>> {
    let sql = format!(
        "SELECT {SUMMARY} FROM appeals a
         WHERE a.handling_unit_id IN (SELECT unit_id FROM appeal_handlers WHERE account_id = $1)
           AND NOT a.expired {} AND {}
         ORDER BY CASE WHEN a.status = 'closed' THEN 1 ELSE 0 END, a.next_deadline, a.id DESC
         LIMIT $2",
        if include_closed {
            ""
        } else {
            "AND a.status <> 'closed'"
        },
        handled_by("$1")
    );
    Ok(on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(account_id)
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// The named appeals of a person, newest first.
pub async fn of_author(c: &mut impl DbConn, person_id: i64) -> StoreResult<Vec<AppealSummary>> {
    let sql = format!(
        "SELECT {SUMMARY} FROM appeals a WHERE a.author_person_id = $1 AND NOT a.expired
         ORDER BY a.id DESC"
    );
    Ok(on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(person_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// A suggestion published to its unit, with the answer it got.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Published {
    /// Id.
    pub id: i64,
    /// Day published.
    pub published_on: String,
    /// Subject.
    pub subject: String,
    /// The suggestion.
    pub body: String,
    /// The last reply to it, if any.
    pub answer: Option<String>,
}

/// The suggestions published to a unit, newest first, at most 50.
pub async fn published_to(c: &mut impl DbConn, unit_id: UnitId) -> StoreResult<Vec<Published>> {
    Ok(on_ex!(c, |e| {
        sqlx::query_as(
        "SELECT a.id, a.published_on, a.subject, a.body,
           (SELECT x.text FROM appeal_entries x WHERE x.appeal_id = a.id AND x.kind IN ('reply', 'answered')
              AND x.text <> '' ORDER BY x.id DESC LIMIT 1) AS answer
         FROM appeals a WHERE a.origin_unit_id = $1 AND a.published_on IS NOT NULL AND NOT a.expired
         ORDER BY a.published_on DESC, a.id DESC LIMIT 50"
    )
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await
    })?)
}

/// The suggestions published to a unit of `scope`; not found outside it.
pub async fn published_of(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
) -> StoreResult<Vec<Published>> {
    if !crate::tree::in_scope(c, scope, unit_id).await? {
        return Err(StoreError::NotFound);
    }
    published_to(c, unit_id).await
}

/// Changes an appeal's state (the caller derived `after` from `before`)
/// and moves its counters, in the caller's transaction.
pub async fn update(tx: &mut Tx, before: &Appeal, after: &Appeal) -> StoreResult<()> {
    aggregates::serialize_counters(tx).await?;
    let bucket = after.answer_days.map(aggregates::day_bucket);
    on_ex!(tx, |e| {
        sqlx::query(
        "UPDATE appeals SET status = $2, acknowledge_by = $3, feedback_by = $4, acknowledged_on = $5,
           answered_on = $6, closed_on = $7, next_deadline = $8, acknowledge_missed = $9,
           feedback_missed = $10, forwards = $11, answer_days = $12, answer_bucket = $13,
           published_on = $14, expires_on = $15, handling_unit_id = $16
         WHERE id = $1"
    )
    .bind(after.id)
    .bind(&after.status)
    .bind(&after.acknowledge_by)
    .bind(&after.feedback_by)
    .bind(&after.acknowledged_on)
    .bind(&after.answered_on)
    .bind(&after.closed_on)
    .bind(&after.next_deadline)
    .bind(after.acknowledge_missed)
    .bind(after.feedback_missed)
    .bind(after.forwards)
    .bind(after.answer_days)
    .bind(&bucket)
    .bind(&after.published_on)
    .bind(&after.expires_on)
    .bind(after.handling_unit_id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected())
    })?;
    count(tx, Some(before), after).await
}

/// An appeal locked for a change (on PostgreSQL; SQLite's write
/// transaction already holds the only write lock).
pub async fn lock(tx: &mut Tx, id: i64) -> StoreResult<Appeal> {
    let dialect = tx.dialect();
    fetch(tx, id, Some(dialect)).await
}

/// The stage of an appeal's clock.
pub fn stage(a: &Appeal) -> Stage {
    match a.status.as_str() {
        "received" | "forwarded" => Stage::Waiting,
        "acknowledged" => Stage::Acknowledged,
        _ => Stage::Done,
    }
}

/// Sets the deadlines and the running one.
pub fn set_deadlines(a: &mut Appeal, dl: Deadlines) {
    a.acknowledge_by = ymd(dl.acknowledge_by);
    a.feedback_by = ymd(dl.feedback_by);
    a.next_deadline = dl.next(stage(a)).map(ymd);
}

/// Open appeals whose running deadline is before `today`, at most `limit`.
pub async fn due_for_forwarding(
    c: &mut impl DbConn,
    today: NaiveDate,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT id FROM appeals WHERE next_deadline IS NOT NULL AND next_deadline < $1
         ORDER BY next_deadline, id LIMIT $2"
    )
    .bind(ymd(today))
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// Records forwarding step `step` of an appeal; false when the step was
/// recorded already (by another server).
pub async fn record_forward(
    tx: &mut Tx,
    id: i64,
    step: i64,
    missed: &str,
    from: UnitId,
    to: UnitId,
    on: NaiveDate,
) -> StoreResult<bool> {
    let n = on_ex!(tx, |e| {
        sqlx::query(
        "INSERT INTO appeal_forwards (appeal_id, step, missed, from_unit_id, to_unit_id, forwarded_on)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING"
    )
    .bind(id)
    .bind(step)
    .bind(missed)
    .bind(from)
    .bind(to)
    .bind(ymd(on))
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n > 0)
}

/// Sets the recusals at a unit an appeal was forwarded to.
pub async fn recuse_at(tx: &mut Tx, id: i64, route: &Route) -> StoreResult<()> {
    recuse_all(tx, id, &route.recused).await
}

/// How many holders of the duty at `unit_id` may still handle appeal `id`.
pub async fn holders_left(c: &mut impl DbConn, id: i64, unit_id: UnitId) -> StoreResult<i64> {
    let sql = format!(
        "SELECT count(*) FROM appeals a JOIN appeal_handlers hh ON hh.unit_id = $2
         WHERE a.id = $1 AND {}",
        handled_by("hh.account_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .bind(unit_id)
    .fetch_one(&mut *e)
    .await)?)
}

/// Closed appeals whose contents expire before `today`, at most `limit`.
pub async fn due_for_expiry(
    c: &mut impl DbConn,
    today: NaiveDate,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT id FROM appeals WHERE expires_on IS NOT NULL AND expires_on < $1 AND NOT expired
         ORDER BY expires_on, id LIMIT $2"
    )
    .bind(ymd(today))
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// Deletes an expired appeal's contents: its text, its record, whom it
/// named, its author and its receipt. What it counts stays. Whether
/// anything was deleted (a second server finds it done).
pub async fn expire(tx: &mut Tx, id: i64) -> StoreResult<bool> {
    let n = on_ex!(tx, |e| {
        sqlx::query(
        "UPDATE appeals SET subject = '', body = '', receipt_hash = NULL, author_person_id = NULL,
           concerns_person_id = NULL, expired = TRUE
         WHERE id = $1 AND NOT expired"
    )
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected())
    })?;
    if n == 0 {
        return Ok(false);
    }
    for sql in [
        "DELETE FROM appeal_entries WHERE appeal_id = $1",
        "DELETE FROM appeal_recusals WHERE appeal_id = $1",
    ] {
        on_ex!(tx, |e| sqlx::query(sql)
            .bind(id)
            .execute(&mut *e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(true)
}

/// Counts of a unit (own) and its subtree, from the counters; nothing for
/// a unit outside `scope`.
pub async fn counts(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
) -> StoreResult<std::collections::BTreeMap<String, (i64, i64)>> {
    aggregates::family_at(c, scope, unit_id, "appeals.").await
}

/// What an appeal adds to the counters of the unit it was routed to.
fn counted(a: &Appeal) -> Vec<(String, i64)> {
    let mut out = vec![
        ("appeals.received".to_string(), 1),
        (format!("appeals.received.{}", a.kind), 1),
    ];
    let mut one = |m: &str, yes: bool| {
        if yes {
            out.push((m.to_string(), 1));
        }
    };
    one("appeals.open", a.status != "closed");
    one("appeals.closed", a.status == "closed");
    one("appeals.acknowledged", a.acknowledged_on.is_some());
    one(
        "appeals.acknowledged_in_time",
        a.acknowledged_on.is_some() && !a.acknowledge_missed,
    );
    one("appeals.answered", a.answered_on.is_some());
    one(
        "appeals.answered_in_time",
        a.answered_on.is_some() && !a.feedback_missed,
    );
    one("appeals.forwarded", a.forwards > 0);
    if let Some(days) = a.answer_days {
        out.push(("appeals.answer_days".into(), days));
        out.push((
            format!("appeals.answered_within.{}", aggregates::day_bucket(days)),
            1,
        ));
    }
    out
}

async fn count(tx: &mut Tx, before: Option<&Appeal>, after: &Appeal) -> StoreResult<()> {
    let mut sum: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    if let Some(b) = before {
        for (m, v) in counted(b) {
            *sum.entry(m).or_default() -= v;
        }
    }
    for (m, v) in counted(after) {
        *sum.entry(m).or_default() += v;
    }
    for (m, v) in sum {
        if v != 0 {
            aggregates::add(tx, after.routed_unit_id, &m, v).await?;
        }
    }
    Ok(())
}

/// Counter family: appeals and suggestions received, open, acknowledged
/// and answered (in time or not), forwarded and closed, and the days to
/// feedback with their buckets, at the unit each was first routed to.
pub const COUNTERS: aggregates::CounterFamily = aggregates::CounterFamily {
    name: "appeals",
    metrics: &["appeals."],
    follows_rows: true,
    recompute_sql: "SELECT c.ancestor_id, m.metric,
                CAST(sum(CASE WHEN m.unit_id = c.ancestor_id THEN m.n ELSE 0 END) AS BIGINT),
                CAST(sum(m.n) AS BIGINT)
         FROM (
           SELECT routed_unit_id AS unit_id, 'appeals.received' AS metric, 1 AS n FROM appeals
           UNION ALL SELECT routed_unit_id, 'appeals.received.' || kind, 1 FROM appeals
           UNION ALL SELECT routed_unit_id, 'appeals.open', 1 FROM appeals WHERE status <> 'closed'
           UNION ALL SELECT routed_unit_id, 'appeals.closed', 1 FROM appeals WHERE status = 'closed'
           UNION ALL SELECT routed_unit_id, 'appeals.acknowledged', 1 FROM appeals WHERE acknowledged_on IS NOT NULL
           UNION ALL SELECT routed_unit_id, 'appeals.acknowledged_in_time', 1 FROM appeals WHERE acknowledged_on IS NOT NULL AND NOT acknowledge_missed
           UNION ALL SELECT routed_unit_id, 'appeals.answered', 1 FROM appeals WHERE answered_on IS NOT NULL
           UNION ALL SELECT routed_unit_id, 'appeals.answered_in_time', 1 FROM appeals WHERE answered_on IS NOT NULL AND NOT feedback_missed
           UNION ALL SELECT routed_unit_id, 'appeals.forwarded', 1 FROM appeals WHERE forwards > 0
           UNION ALL SELECT routed_unit_id, 'appeals.answer_days', answer_days FROM appeals WHERE answer_days IS NOT NULL
           UNION ALL SELECT routed_unit_id, 'appeals.answered_within.' || answer_bucket, 1 FROM appeals WHERE answer_bucket IS NOT NULL
         ) m JOIN unit_closure c ON c.descendant_id = m.unit_id
         GROUP BY c.ancestor_id, m.metric",
};

/// When a unit ends, the appeals from, about, routed to or held at it pass
/// to the unit that takes over (their counts with them); the duty there ends.
pub const UNIT_END: crate::lifecycle::UnitEndHook = crate::lifecycle::UnitEndHook {
    feature: "appeals",
    run: |tx, ending, successor, _now: DateTime<Utc>| {
        Box::pin(async move {
            crate::lifecycle::move_rows(
                tx,
                ending,
                successor,
                &[
                    "UPDATE appeals SET origin_unit_id = $2 WHERE origin_unit_id = $1",
                    "UPDATE appeals SET concerns_unit_id = $2 WHERE concerns_unit_id = $1",
                    "UPDATE appeals SET routed_unit_id = $2 WHERE routed_unit_id = $1",
                    "UPDATE appeals SET handling_unit_id = $2 WHERE handling_unit_id = $1",
                    "UPDATE appeal_forwards SET from_unit_id = $2 WHERE from_unit_id = $1",
                    "UPDATE appeal_forwards SET to_unit_id = $2 WHERE to_unit_id = $1",
                    "UPDATE appeal_settings SET commission_unit_id = $2 WHERE commission_unit_id = $1",
                ],
            )
            .await?;
            crate::duties::end_at(tx, crate::duties::Duty::Appeals, ending).await
        })
    },
};

/// A unit an author may name, on the path from their unit to the top.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PathUnit {
    /// Unit id.
    pub id: i64,
    /// Its name.
    pub name: String,
}

/// The open units from `unit_id` to the top, nearest first; empty when
/// there is no such open unit. Public intake reads it, so it carries
/// names only.
pub async fn path(c: &mut impl DbConn, unit_id: UnitId) -> StoreResult<Vec<PathUnit>> {
    Ok(on_ex!(c, |e| sqlx::query_as(
        "SELECT u.id, u.name FROM unit_closure c JOIN units u ON u.id = c.ancestor_id
         WHERE c.descendant_id = $1
           AND EXISTS (SELECT 1 FROM units o WHERE o.id = $1 AND o.closed_at IS NULL)
         ORDER BY c.depth"
    )
    .bind(unit_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// A position holder an appeal may name: the lead and committee positions
/// held now in the units on an author's path.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
// Named apart from the type of the same name elsewhere in the API.
#[schema(as = AppealHolder)]
pub struct Holder {
    /// Position id (what the appeal names).
    pub position_id: i64,
    /// Its unit.
    pub unit_id: i64,
    /// The unit's name.
    pub unit_name: String,
    /// The position's name.
    pub position_name: String,
    /// The holder's name.
    pub person_name: String,
    /// The holder.
    pub person_id: i64,
}

/// The current holders of positions in `units`, nearest unit first.
pub async fn holders_on(c: &mut impl DbConn, units: &[UnitId]) -> StoreResult<Vec<Holder>> {
    let mut out = Vec::new();
    for unit in units {
        let rows: Vec<Holder> = on_ex!(c, |e| {
            sqlx::query_as(
            "SELECT p.id AS position_id, p.unit_id, u.name AS unit_name, t.name AS position_name,
               pe.full_name AS person_name, pe.id AS person_id
             FROM positions p JOIN position_types t ON t.id = p.position_type_id
             JOIN units u ON u.id = p.unit_id JOIN people pe ON pe.id = p.person_id
             WHERE p.unit_id = $1 AND p.ended_on IS NULL
             ORDER BY t.sort, pe.full_name LIMIT 20"
        )
        .bind(*unit)
        .fetch_all(&mut *e)
        .await
        })?;
        out.extend(rows);
    }
    Ok(out)
}
