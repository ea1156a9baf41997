//! Welfare cases. A case belongs to a person and to the unit the person
//! belonged to when it opened; it is readable by the person, by the
//! accounts holding the welfare duty at that unit or at a unit it
//! escalated to, and (with a logged reason) by a secretary above. Its
//! events are the record; the row caches the clock derived from them
//! ([`grassroots_core::care::clock`]) and the counters `welfare.*` follow
//! every change of that clock in the same transaction, so a subtree's
//! open, overdue and breached cases are row reads that name nobody.

use chrono::{DateTime, NaiveDate, Utc};
use grassroots_core::care::{self, CaseClock, CasePolicy, ClockEvent, WaitReason};
use grassroots_core::{AccountId, Manage, Read, Scope, UnitId};
use serde::Serialize;

use crate::plans::ymd;
use crate::{DbConn, StoreError, StoreResult, Tx, aggregates, on_ex};

pub use crate::duties::Handler;

pub mod load;

/// The case types' keys, in their order (the types are fixed by the
/// migration; administrators change their policies, not the set).
pub const TYPE_KEYS: &[&str] = &[
    "housing",
    "health",
    "food",
    "family_hardship",
    "working_conditions",
    "other",
];

pub use crate::aggregates::{DAY_BUCKETS as RESOLVE_BUCKETS, day_bucket as resolve_bucket};

/// A case type with its policy.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CaseType {
    /// Stable key (`housing`, `health`, …).
    pub key: String,
    /// Days to acknowledge a case.
    pub acknowledge_days: i64,
    /// Days to resolve it.
    pub resolve_days: i64,
    /// Days the unit a case escalated to has before it escalates again.
    pub escalation_days: i64,
    /// The standard timeline, one step per line.
    pub steps: String,
}

impl CaseType {
    /// The steps of its standard timeline.
    pub fn step_list(&self) -> Vec<&str> {
        self.steps
            .lines()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// A welfare case.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct WelfareCase {
    /// Identifier.
    pub id: i64,
    /// The unit whose handlers own it.
    pub unit_id: i64,
    /// The person it is for.
    pub person_id: i64,
    /// Their name.
    pub person_name: String,
    /// Case type key.
    pub type_key: String,
    /// The problem in a line.
    pub summary: String,
    /// The problem in the person's words.
    pub details: String,
    /// Whether the person raised it themselves.
    pub raised_by_person: bool,
    /// When opened.
    pub opened_at: DateTime<Utc>,
    /// The day it opened (`YYYY-MM-DD`), from which its deadlines run.
    pub opened_on: String,
    /// Who opened it.
    pub opened_by: String,
    /// The handler who owns it.
    pub owner_account_id: Option<i64>,
    /// Policy when opened: days to acknowledge.
    pub acknowledge_days: i64,
    /// Policy when opened: days to resolve.
    pub resolve_days: i64,
    /// Policy when opened: days each unit above has.
    pub escalation_days: i64,
    /// `open`, `acknowledged`, `waiting_person`, `waiting_supply` or `resolved`.
    pub status: String,
    /// Day by which it must be acknowledged.
    pub acknowledge_by: String,
    /// Day by which it must be resolved.
    pub resolve_by: String,
    /// Whether a deadline was missed (stays true).
    pub breached: bool,
    /// The deadline that escalates it next.
    pub next_deadline: Option<String>,
    /// How many times it escalated.
    pub escalations: i64,
    /// The unit it escalated to last.
    pub escalated_unit_id: Option<i64>,
    /// The day it was resolved.
    pub resolved_on: Option<String>,
    /// How it was resolved.
    pub resolution: Option<String>,
}

const COLUMNS: &str = "w.id, w.unit_id, w.person_id, p.full_name AS person_name, w.type_key, \
     w.summary, w.details, w.raised_by_person, w.opened_at, w.opened_on, w.opened_by, \
     w.owner_account_id, w.acknowledge_days, w.resolve_days, w.escalation_days, w.status, \
     w.acknowledge_by, w.resolve_by, w.breached, w.next_deadline, w.escalations, \
     w.escalated_unit_id, w.resolved_on, w.resolution";

const FROM: &str = "welfare_cases w JOIN people p ON p.id = w.person_id";

/// One entry of a case's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CaseEvent {
    /// Identifier.
    pub id: i64,
    /// When recorded.
    pub at: DateTime<Utc>,
    /// The day it counts for.
    pub on_day: String,
    /// `opened`, `acknowledged`, `paused`, `resumed`, `note`, `step`,
    /// `visit`, `owner`, `escalated` or `resolved`.
    pub kind: String,
    /// Who recorded it.
    pub actor: String,
    /// The note, step, reason, owner or resolution.
    pub detail: String,
    /// A visit: who went.
    pub visitors: Option<String>,
    /// A visit: what was asked about.
    pub asked: Option<String>,
    /// A visit: what was agreed.
    pub agreed: Option<String>,
    /// An escalation: the deadline that was missed.
    pub missed_on: Option<String>,
}

/// Why a reader may read a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// It is their own case.
    Person,
    /// They hold the welfare duty where it is handled.
    Handler,
}

/// Who reads: an account and the person it is, if any.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    /// The reading account.
    pub account_id: AccountId,
    /// The person linked to it.
    pub person_id: Option<i64>,
}

/// A new case, validated by the caller.
pub struct NewCase<'a> {
    /// The person it is for.
    pub person_id: i64,
    /// Its type.
    pub case_type: &'a CaseType,
    /// The problem in a line.
    pub summary: &'a str,
    /// The problem in full.
    pub details: &'a str,
    /// Whether the person raises it themselves.
    pub raised_by_person: bool,
}

/// One event to record.
#[derive(Debug, Clone, Default)]
pub struct NewEvent<'a> {
    /// Its kind.
    pub kind: &'a str,
    /// The day it counts for.
    pub on_day: Option<NaiveDate>,
    /// Note, step, reason, owner or resolution.
    pub detail: &'a str,
    /// A visit: who went.
    pub visitors: Option<&'a str>,
    /// A visit: what was asked about.
    pub asked: Option<&'a str>,
    /// A visit: what was agreed.
    pub agreed: Option<&'a str>,
    /// An escalation: the deadline that was missed.
    pub missed_on: Option<NaiveDate>,
}

/// Every case type, in their order.
pub async fn types(c: &mut impl DbConn) -> StoreResult<Vec<CaseType>> {
    Ok(on_ex!(c, |e| sqlx::query_as(
        "SELECT key, acknowledge_days, resolve_days, escalation_days, steps
         FROM welfare_case_types ORDER BY position"
    )
    .fetch_all(&mut *e)
    .await)?)
}

/// Changes a type's policy and steps (administrators; checked by the
/// caller). Open cases keep the policy they opened under.
pub async fn set_type(tx: &mut Tx, t: &CaseType) -> StoreResult<()> {
    let n = on_ex!(tx, |e| sqlx::query(
        "UPDATE welfare_case_types SET acknowledge_days = $2, resolve_days = $3,
           escalation_days = $4, steps = $5 WHERE key = $1"
    )
    .bind(&t.key)
    .bind(t.acknowledge_days)
    .bind(t.resolve_days)
    .bind(t.escalation_days)
    .bind(&t.steps)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// The unit of a person in the organization, for deciding who may open a
/// case for them (the caller then checks its own standing there).
pub async fn person_unit(c: &mut impl DbConn, person_id: i64) -> StoreResult<Option<UnitId>> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT unit_id FROM people WHERE id = $1"
    )
    .bind(person_id)
    .fetch_optional(&mut *e)
    .await)?)
}

async fn fetch(
    c: &mut impl DbConn,
    id: i64,
    lock: Option<crate::Dialect>,
) -> StoreResult<WelfareCase> {
    let sql = format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE w.id = $1{}",
        match lock {
            Some(crate::Dialect::Postgres) => " FOR UPDATE OF w",
            _ => "",
        }
    );
    on_ex!(c, |e| sqlx::query_as::<_, WelfareCase>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// Whether the account holds the duty where the case is handled: its
/// unit, or a unit it escalated to.
async fn handles(
    c: &mut impl DbConn,
    account_id: AccountId,
    case: &WelfareCase,
) -> StoreResult<bool> {
    let n: i64 = on_ex!(c, |e| sqlx::query_scalar(
        "SELECT count(*) FROM welfare_handlers h
         WHERE h.account_id = $1 AND (h.unit_id = $2 OR h.unit_id IN
           (SELECT x.to_unit_id FROM welfare_escalations x WHERE x.case_id = $3))"
    )
    .bind(account_id)
    .bind(case.unit_id)
    .bind(case.id)
    .fetch_one(&mut *e)
    .await)?;
    Ok(n > 0)
}

/// Why `reader` may read a case, if they may.
pub async fn access(
    c: &mut impl DbConn,
    reader: Reader,
    case: &WelfareCase,
) -> StoreResult<Option<Access>> {
    if handles(c, reader.account_id, case).await? {
        return Ok(Some(Access::Handler));
    }
    if reader.person_id == Some(case.person_id) {
        return Ok(Some(Access::Person));
    }
    Ok(None)
}

/// A case the reader may read, and why; not found otherwise.
pub async fn get(
    c: &mut impl DbConn,
    reader: Reader,
    id: i64,
) -> StoreResult<(WelfareCase, Access)> {
    let case = fetch(c, id, None).await?;
    match access(c, reader, &case).await? {
        Some(a) => Ok((case, a)),
        None => Err(StoreError::NotFound),
    }
}

/// A case read by breaking the glass: a secretary whose scope manages the
/// case's unit from above (never its own handlers' way in). The caller
/// logs the reason.
pub async fn get_break_glass(
    c: &mut impl DbConn,
    scope: &Scope<Manage>,
    id: i64,
) -> StoreResult<WelfareCase> {
    let case = fetch(c, id, None).await?;
    if !crate::tree::in_scope(c, scope, case.unit_id).await? {
        return Err(StoreError::NotFound);
    }
    Ok(case)
}

/// The timeline of a case already read through [`get`] or
/// [`get_break_glass`], oldest first.
pub async fn events(c: &mut impl DbConn, case: &WelfareCase) -> StoreResult<Vec<CaseEvent>> {
    Ok(on_ex!(c, |e| sqlx::query_as(
        "SELECT id, at, on_day, kind, actor, detail, visitors, asked, agreed, missed_on
         FROM welfare_case_events WHERE case_id = $1 ORDER BY id"
    )
    .bind(case.id)
    .fetch_all(&mut *e)
    .await)?)
}

/// The escalation steps of a case: (step, missed deadline, from, to, when).
pub async fn escalations(
    c: &mut impl DbConn,
    case: &WelfareCase,
) -> StoreResult<Vec<(i64, String, i64, i64, DateTime<Utc>)>> {
    Ok(on_ex!(c, |e| sqlx::query_as(
        "SELECT step, missed, from_unit_id, to_unit_id, escalated_at
         FROM welfare_escalations WHERE case_id = $1 ORDER BY step"
    )
    .bind(case.id)
    .fetch_all(&mut *e)
    .await)?)
}

/// The cases of a person (their own, read by themselves).
pub async fn of_person(c: &mut impl DbConn, person_id: i64) -> StoreResult<Vec<WelfareCase>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE w.person_id = $1 ORDER BY w.opened_at DESC, w.id DESC"
    );
    Ok(on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(person_id)
    .fetch_all(&mut *e)
    .await)?)
}

/// The cases the account handles: of the units where it holds the duty
/// and escalated to them; unresolved first (nearest deadline first), at
/// most `limit`.
pub async fn handled_by(
    c: &mut impl DbConn,
    account_id: AccountId,
    include_resolved: bool,
    limit: i64,
) -> StoreResult<Vec<WelfareCase>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM {FROM}
         WHERE (w.unit_id IN (SELECT unit_id FROM welfare_handlers WHERE account_id = $1)
            OR w.id IN (SELECT x.case_id FROM welfare_escalations x
                        JOIN welfare_handlers h ON h.unit_id = x.to_unit_id
                        WHERE h.account_id = $1))
           {}
         ORDER BY CASE WHEN w.status = 'resolved' THEN 1 ELSE 0 END,
                  w.next_deadline IS NULL, w.next_deadline, w.id DESC
         LIMIT $2",
        if include_resolved {
            ""
        } else {
            "AND w.status <> 'resolved'"
        }
    );
    Ok(on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(account_id)
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// Counts of the cases of a unit (own) and its subtree, from the
/// counters; nothing for a unit outside `scope` (the caller tells the
/// reader so).
pub async fn counts(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    unit_id: UnitId,
) -> StoreResult<std::collections::BTreeMap<String, (i64, i64)>> {
    aggregates::family_at(c, scope, unit_id, "welfare.").await
}

/// What a case adds to the counters of its unit.
fn counted(case: &WelfareCase) -> Vec<(String, i64)> {
    let t = &case.type_key;
    let mut out = Vec::new();
    let resolved = case.status == "resolved";
    let mut one = |m: String| out.push((m, 1));
    if resolved {
        one("welfare.resolved".into());
        one(format!("welfare.type.{t}.resolved"));
        if let Some(b) = resolved_bucket_of(case) {
            one(format!("welfare.resolved_within.{b}"));
        }
    } else {
        one("welfare.open".into());
        one(format!("welfare.type.{t}.open"));
        if case.breached {
            one("welfare.overdue".into());
            one(format!("welfare.type.{t}.overdue"));
        }
    }
    if case.breached {
        one("welfare.breached".into());
        one(format!("welfare.type.{t}.breached"));
    }
    if let Some(days) = days_taken(case) {
        out.push(("welfare.resolve_days".into(), days));
    }
    out
}

fn days_taken(case: &WelfareCase) -> Option<i64> {
    let opened = grassroots_core::calendar::parse_day(&case.opened_on).ok()?;
    let resolved = grassroots_core::calendar::parse_day(case.resolved_on.as_deref()?).ok()?;
    Some((resolved - opened).num_days().max(0))
}

fn resolved_bucket_of(case: &WelfareCase) -> Option<String> {
    days_taken(case).map(resolve_bucket)
}

/// The counters' change from `before` to `after` of one case.
fn delta(before: Option<&WelfareCase>, after: &WelfareCase) -> Vec<(String, i64)> {
    let mut sum: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    if let Some(b) = before {
        for (m, v) in counted(b) {
            *sum.entry(m).or_default() -= v;
        }
    }
    for (m, v) in counted(after) {
        *sum.entry(m).or_default() += v;
    }
    sum.into_iter().filter(|(_, v)| *v != 0).collect()
}

fn day(s: &str) -> StoreResult<NaiveDate> {
    grassroots_core::calendar::parse_day(s)
        .map_err(|_| StoreError::Other(format!("a stored day is not a date: {s:?}")))
}

/// The clock events among a case's timeline.
fn clock_events(events: &[CaseEvent]) -> StoreResult<Vec<ClockEvent>> {
    let mut out = Vec::new();
    for e in events {
        let on = day(&e.on_day)?;
        out.push(match e.kind.as_str() {
            "acknowledged" => ClockEvent::Acknowledged(on),
            "paused" => ClockEvent::Paused(
                on,
                WaitReason::parse(&e.detail).unwrap_or(WaitReason::WaitingPerson),
            ),
            "resumed" => ClockEvent::Resumed(on),
            "resolved" => ClockEvent::Resolved(on),
            "escalated" => ClockEvent::Escalated {
                on,
                missed: day(e.missed_on.as_deref().unwrap_or(&e.on_day))?,
            },
            _ => continue,
        });
    }
    Ok(out)
}

/// The clock of a case from its stored events, on `today`.
pub fn clock_of(
    case: &WelfareCase,
    events: &[CaseEvent],
    today: NaiveDate,
) -> StoreResult<CaseClock> {
    let policy = CasePolicy {
        acknowledge_days: case.acknowledge_days,
        resolve_days: case.resolve_days,
        escalation_days: case.escalation_days,
    };
    Ok(care::clock(
        &policy,
        day(&case.opened_on)?,
        &clock_events(events)?,
        today,
    ))
}

/// Writes the clock derived on `today` into the row of `case` (as it was
/// counted until now) and moves the counters by the change.
async fn refresh(tx: &mut Tx, case: &WelfareCase, today: NaiveDate) -> StoreResult<WelfareCase> {
    let events = events(tx, case).await?;
    let clock = clock_of(case, &events, today)?;
    let resolved = events.iter().rev().find(|e| e.kind == "resolved");
    let mut after = case.clone();
    after.status = clock.status.as_str().to_string();
    after.acknowledge_by = ymd(clock.acknowledge_by);
    after.resolve_by = ymd(clock.resolve_by);
    // A missed deadline stays missed, whatever comes after.
    after.breached = case.breached || clock.breached();
    after.next_deadline = clock.next_deadline.map(ymd);
    after.escalations = clock.escalations;
    after.resolved_on = resolved.map(|e| e.on_day.clone());
    after.resolution = resolved.map(|e| e.detail.clone());
    let days = days_taken(&after);
    on_ex!(tx, |e| sqlx::query(
        "UPDATE welfare_cases SET status = $2, acknowledge_by = $3, resolve_by = $4,
           breached = $5, next_deadline = $6, escalations = $7, resolved_on = $8,
           resolution = $9, days_to_resolve = $10, resolve_bucket = $11
         WHERE id = $1"
    )
    .bind(after.id)
    .bind(&after.status)
    .bind(&after.acknowledge_by)
    .bind(&after.resolve_by)
    .bind(after.breached)
    .bind(&after.next_deadline)
    .bind(after.escalations)
    .bind(&after.resolved_on)
    .bind(&after.resolution)
    .bind(days)
    .bind(days.map(resolve_bucket))
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    aggregates::add_many(tx, after.unit_id, &delta(Some(case), &after)).await?;
    Ok(after)
}

async fn insert_event(
    tx: &mut Tx,
    case_id: i64,
    ev: &NewEvent<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    on_ex!(tx, |e| {
        sqlx::query(
        "INSERT INTO welfare_case_events (case_id, at, on_day, kind, actor, detail, visitors, asked, agreed, missed_on)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )
    .bind(case_id)
    .bind(now)
    .bind(ymd(ev.on_day.unwrap_or(now.date_naive())))
    .bind(ev.kind)
    .bind(actor)
    .bind(ev.detail)
    .bind(ev.visitors)
    .bind(ev.asked)
    .bind(ev.agreed)
    .bind(ev.missed_on.map(ymd))
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Opens a case for a person of `unit_id` (the caller has checked who may
/// open it) and counts it.
pub async fn open(
    tx: &mut Tx,
    unit_id: UnitId,
    new: &NewCase<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<WelfareCase> {
    aggregates::serialize_counters(tx).await?;
    let today = now.date_naive();
    let t = new.case_type;
    // The clock of a case with no event yet, on the day it opens.
    let clock = care::clock(
        &CasePolicy {
            acknowledge_days: t.acknowledge_days,
            resolve_days: t.resolve_days,
            escalation_days: t.escalation_days,
        },
        today,
        &[],
        today,
    );
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO welfare_cases (unit_id, person_id, type_key, summary, details,
           raised_by_person, opened_at, opened_on, opened_by, acknowledge_days, resolve_days,
           escalation_days, status, acknowledge_by, resolve_by, next_deadline)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         RETURNING id"
    )
    .bind(unit_id)
    .bind(new.person_id)
    .bind(&t.key)
    .bind(new.summary)
    .bind(new.details)
    .bind(new.raised_by_person)
    .bind(now)
    .bind(ymd(today))
    .bind(actor)
    .bind(t.acknowledge_days)
    .bind(t.resolve_days)
    .bind(t.escalation_days)
    .bind(clock.status.as_str())
    .bind(ymd(clock.acknowledge_by))
    .bind(ymd(clock.resolve_by))
    .bind(clock.next_deadline.map(ymd))
    .fetch_one(&mut *e)
    .await)?;
    insert_event(
        tx,
        id,
        &NewEvent {
            kind: "opened",
            detail: new.summary,
            ..Default::default()
        },
        actor,
        now,
    )
    .await?;
    let case = fetch(tx, id, None).await?;
    aggregates::add_many(tx, case.unit_id, &delta(None, &case)).await?;
    Ok(case)
}

/// Records an event on a case read through [`get`] (the caller checked
/// that the reader may record it) and moves its clock. Returns the case
/// as it now stands.
pub async fn record(
    tx: &mut Tx,
    case_id: i64,
    ev: &NewEvent<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<WelfareCase> {
    aggregates::serialize_counters(tx).await?;
    let before = fetch(tx, case_id, Some(tx.dialect())).await?;
    insert_event(tx, case_id, ev, actor, now).await?;
    refresh(tx, &before, now.date_naive()).await
}

/// Sets the handler who owns a case.
pub async fn set_owner(
    tx: &mut Tx,
    case_id: i64,
    owner: Option<(AccountId, &str)>,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<WelfareCase> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE welfare_cases SET owner_account_id = $2 WHERE id = $1"
    )
    .bind(case_id)
    .bind(owner.map(|o| o.0))
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    record(
        tx,
        case_id,
        &NewEvent {
            kind: "owner",
            detail: owner.map_or("", |o| o.1),
            ..Default::default()
        },
        actor,
        now,
    )
    .await
}

/// Unresolved cases whose next deadline is before `today`, at most `limit`.
pub async fn due_for_escalation(
    c: &mut impl DbConn,
    today: NaiveDate,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT id FROM welfare_cases WHERE next_deadline IS NOT NULL AND next_deadline < $1
         ORDER BY next_deadline, id LIMIT $2"
    )
    .bind(ymd(today))
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}

/// Escalates a case whose next deadline passed before `today` to the unit
/// above the one handling it now (the top unit keeps it), once per missed
/// deadline: the step's key and the row lock make a second server's try
/// find nothing to do. Returns the unit it went to.
pub async fn escalate(
    tx: &mut Tx,
    id: i64,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> StoreResult<Option<UnitId>> {
    aggregates::serialize_counters(tx).await?;
    let case = fetch(tx, id, Some(tx.dialect())).await?;
    let events = events(tx, &case).await?;
    let clock = clock_of(&case, &events, today)?;
    let Some(missed) = clock.next_deadline.filter(|d| *d < today) else {
        return Ok(None);
    };
    let from = case.escalated_unit_id.unwrap_or(case.unit_id);
    let to = crate::tree::parent_of(tx, from).await?.unwrap_or(from);
    let step = clock.escalations + 1;
    on_ex!(tx, |e| {
        sqlx::query(
        "INSERT INTO welfare_escalations (case_id, step, missed, from_unit_id, to_unit_id, escalated_at)
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(id)
    .bind(step)
    .bind(ymd(missed))
    .bind(from)
    .bind(to)
    .bind(now)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected())
    })?;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE welfare_cases SET escalated_unit_id = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(to)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    insert_event(
        tx,
        id,
        &NewEvent {
            kind: "escalated",
            on_day: Some(today),
            missed_on: Some(missed),
            ..Default::default()
        },
        "grassroots",
        now,
    )
    .await?;
    refresh(tx, &case, today).await?;
    Ok(Some(to))
}

/// Counter family: open, overdue, breached and resolved cases per type,
/// the days they took and their buckets; they follow their cases.
pub const COUNTERS: aggregates::CounterFamily = aggregates::CounterFamily {
    name: "welfare",
    metrics: &["welfare."],
    follows_rows: true,
    recompute_sql: "SELECT c.ancestor_id, m.metric,
                CAST(sum(CASE WHEN m.unit_id = c.ancestor_id THEN m.n ELSE 0 END) AS BIGINT),
                CAST(sum(m.n) AS BIGINT)
         FROM (
           SELECT unit_id, 'welfare.open' AS metric, 1 AS n FROM welfare_cases WHERE status <> 'resolved'
           UNION ALL SELECT unit_id, 'welfare.type.' || type_key || '.open', 1 FROM welfare_cases WHERE status <> 'resolved'
           UNION ALL SELECT unit_id, 'welfare.overdue', 1 FROM welfare_cases WHERE status <> 'resolved' AND breached
           UNION ALL SELECT unit_id, 'welfare.type.' || type_key || '.overdue', 1 FROM welfare_cases WHERE status <> 'resolved' AND breached
           UNION ALL SELECT unit_id, 'welfare.breached', 1 FROM welfare_cases WHERE breached
           UNION ALL SELECT unit_id, 'welfare.type.' || type_key || '.breached', 1 FROM welfare_cases WHERE breached
           UNION ALL SELECT unit_id, 'welfare.resolved', 1 FROM welfare_cases WHERE status = 'resolved'
           UNION ALL SELECT unit_id, 'welfare.type.' || type_key || '.resolved', 1 FROM welfare_cases WHERE status = 'resolved'
           UNION ALL SELECT unit_id, 'welfare.resolved_within.' || resolve_bucket, 1 FROM welfare_cases WHERE status = 'resolved' AND resolve_bucket IS NOT NULL
           UNION ALL SELECT unit_id, 'welfare.resolve_days', days_to_resolve FROM welfare_cases WHERE status = 'resolved' AND days_to_resolve IS NOT NULL
         ) m JOIN unit_closure c ON c.descendant_id = m.unit_id
         GROUP BY c.ancestor_id, m.metric",
};

/// When a unit ends, its cases (and escalations to it) pass to the unit
/// that takes over; its handlers' duty there ends.
pub const UNIT_END: crate::lifecycle::UnitEndHook = crate::lifecycle::UnitEndHook {
    feature: "welfare",
    run: |tx, ending, successor, _now| {
        Box::pin(async move {
            crate::lifecycle::move_rows(
                tx,
                ending,
                successor,
                &[
                    "UPDATE welfare_cases SET unit_id = $2 WHERE unit_id = $1",
                    "UPDATE welfare_cases SET escalated_unit_id = $2 WHERE escalated_unit_id = $1",
                    "UPDATE welfare_escalations SET to_unit_id = $2 WHERE to_unit_id = $1",
                ],
            )
            .await?;
            crate::duties::end_at(tx, crate::duties::Duty::Welfare, ending).await
        })
    },
};
