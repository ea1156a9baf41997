//! Welfare cases written in bulk (the demo generator): each case's clock
//! is derived in memory from its events, rows go in multi-row statements
//! with ids allocated up front, and the counters move once per batch.

use chrono::{DateTime, NaiveDate, Utc};
use grassroots_core::UnitId;
use grassroots_core::care::{self, CasePolicy, ClockEvent};

use super::{CaseType, WelfareCase, counted, resolve_bucket};
use crate::plans::ymd;
use crate::{StoreResult, Tx, aggregates, on_ex};

/// One case to load, with what happened to it.
pub struct LoadCase<'a> {
    /// The person's unit.
    pub unit_id: UnitId,
    /// The person.
    pub person_id: i64,
    /// Its type.
    pub case_type: &'a CaseType,
    /// The problem in a line.
    pub summary: &'a str,
    /// Whether the person raised it.
    pub raised_by_person: bool,
    /// The day it opened.
    pub opened_on: NaiveDate,
    /// The clock's events after opening, in order, with the day of each
    /// (an `Escalated` event names the unit it went to in `escalated_to`).
    pub events: Vec<ClockEvent>,
    /// With an `Escalated` event: the unit above.
    pub escalated_to: Option<UnitId>,
    /// With a `Resolved` event: how.
    pub resolution: &'a str,
}

const CASE_COLUMNS: usize = 24;
const CASES_PER_STATEMENT: usize = 400;
const EVENT_COLUMNS: usize = 7;
const EVENTS_PER_STATEMENT: usize = 1_000;

/// (person, unit) of every `n`th person by id (the demo's case subjects).
pub async fn every_nth_person(
    c: &mut impl crate::DbConn,
    n: i64,
) -> StoreResult<Vec<(i64, UnitId)>> {
    Ok(on_ex!(c, |e| sqlx::query_as(
        "SELECT id, unit_id FROM people WHERE id % $1 = 0 ORDER BY id"
    )
    .bind(n)
    .fetch_all(&mut *e)
    .await)?)
}

/// The parent of every unit that has one.
pub async fn parents(
    c: &mut impl crate::DbConn,
) -> StoreResult<std::collections::HashMap<UnitId, UnitId>> {
    let rows: Vec<(i64, i64)> = on_ex!(c, |e| sqlx::query_as(
        "SELECT id, parent_id FROM units WHERE parent_id IS NOT NULL"
    )
    .fetch_all(&mut *e)
    .await)?;
    Ok(rows.into_iter().collect())
}

fn event_row(e: &ClockEvent) -> (NaiveDate, &'static str, &'static str, Option<NaiveDate>) {
    match *e {
        ClockEvent::Acknowledged(d) => (d, "acknowledged", "", None),
        ClockEvent::Paused(d, why) => (d, "paused", why.as_str(), None),
        ClockEvent::Resumed(d) => (d, "resumed", "", None),
        ClockEvent::Escalated { on, missed } => (on, "escalated", "", Some(missed)),
        ClockEvent::Resolved(d) => (d, "resolved", "", None),
    }
}

/// Loads `cases` as of `today` in one transaction; returns how many.
pub async fn load(
    tx: &mut Tx,
    cases: &[LoadCase<'_>],
    actor: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> StoreResult<usize> {
    if cases.is_empty() {
        return Ok(0);
    }
    aggregates::serialize_counters(tx).await?;
    let first_case: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT COALESCE(max(id), 0) + 1 FROM welfare_cases"
    )
    .fetch_one(&mut *e)
    .await)?;
    let mut rows: Vec<WelfareCase> = Vec::with_capacity(cases.len());
    let mut extra: Vec<(Option<i64>, Option<String>)> = Vec::with_capacity(cases.len());
    for (i, c) in cases.iter().enumerate() {
        let t = c.case_type;
        let policy = CasePolicy {
            acknowledge_days: t.acknowledge_days,
            resolve_days: t.resolve_days,
            escalation_days: t.escalation_days,
        };
        let clock = care::clock(&policy, c.opened_on, &c.events, today);
        let resolved_on = c.events.iter().find_map(|e| match e {
            ClockEvent::Resolved(d) => Some(*d),
            _ => None,
        });
        let days = resolved_on.map(|d| (d - c.opened_on).num_days().max(0));
        rows.push(WelfareCase {
            id: first_case + i as i64,
            unit_id: c.unit_id,
            person_id: c.person_id,
            person_name: String::new(),
            type_key: t.key.clone(),
            summary: c.summary.to_string(),
            details: String::new(),
            raised_by_person: c.raised_by_person,
            opened_at: now,
            opened_on: ymd(c.opened_on),
            opened_by: actor.to_string(),
            owner_account_id: None,
            acknowledge_days: t.acknowledge_days,
            resolve_days: t.resolve_days,
            escalation_days: t.escalation_days,
            status: clock.status.as_str().to_string(),
            acknowledge_by: ymd(clock.acknowledge_by),
            resolve_by: ymd(clock.resolve_by),
            breached: clock.breached(),
            next_deadline: clock.next_deadline.map(ymd),
            escalations: clock.escalations,
            escalated_unit_id: c.escalated_to,
            resolved_on: resolved_on.map(ymd),
            resolution: resolved_on.map(|_| c.resolution.to_string()),
        });
        extra.push((days, days.map(resolve_bucket)));
    }
    for (chunk, extra) in rows
        .chunks(CASES_PER_STATEMENT)
        .zip(extra.chunks(CASES_PER_STATEMENT))
    {
        let values = crate::db::numbered_rows(chunk.len(), CASE_COLUMNS, 0, "", '$');
        let sql = format!(
            "INSERT INTO welfare_cases (id, unit_id, person_id, type_key, summary, details,
               raised_by_person, opened_at, opened_on, opened_by, acknowledge_days, resolve_days,
               escalation_days, status, acknowledge_by, resolve_by, breached, next_deadline,
               escalations, escalated_unit_id, resolved_on, resolution, days_to_resolve, resolve_bucket)
             SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7,
               v.column8, v.column9, v.column10, v.column11, v.column12, v.column13, v.column14,
               v.column15, v.column16, v.column17, v.column18, v.column19, v.column20, v.column21,
               v.column22, v.column23, v.column24
             FROM (VALUES {values}) AS v"
        );
        on_ex!(tx, |e| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for (r, (days, bucket)) in chunk.iter().zip(extra) {
                q = q
                    .bind(r.id)
                    .bind(r.unit_id)
                    .bind(r.person_id)
                    .bind(&r.type_key)
                    .bind(&r.summary)
                    .bind(&r.details)
                    .bind(r.raised_by_person)
                    .bind(r.opened_at)
                    .bind(&r.opened_on)
                    .bind(&r.opened_by)
                    .bind(r.acknowledge_days)
                    .bind(r.resolve_days)
                    .bind(r.escalation_days)
                    .bind(&r.status)
                    .bind(&r.acknowledge_by)
                    .bind(&r.resolve_by)
                    .bind(r.breached)
                    .bind(&r.next_deadline)
                    .bind(r.escalations)
                    .bind(r.escalated_unit_id)
                    .bind(&r.resolved_on)
                    .bind(&r.resolution)
                    .bind(days)
                    .bind(bucket);
            }
            q.execute(&mut *e).await.map(|r| r.rows_affected())
        })?;
    }
    // The timelines: `opened` and every clock event.
    let mut events: Vec<(i64, String, &str, &str, Option<String>)> = Vec::new();
    let mut escalations: Vec<(i64, String, i64, i64)> = Vec::new();
    for (c, r) in cases.iter().zip(&rows) {
        events.push((r.id, r.opened_on.clone(), "opened", c.summary, None));
        for e in &c.events {
            let (day, kind, detail, missed) = event_row(e);
            let detail = if kind == "resolved" {
                c.resolution
            } else {
                detail
            };
            events.push((r.id, ymd(day), kind, detail, missed.map(ymd)));
            if let (Some(m), Some(to)) = (missed, c.escalated_to) {
                escalations.push((r.id, ymd(m), c.unit_id, to));
            }
        }
    }
    for chunk in events.chunks(EVENTS_PER_STATEMENT) {
        let values = crate::db::numbered_rows(chunk.len(), EVENT_COLUMNS - 2, 2, "$1, $2", '$');
        let sql = format!(
            "INSERT INTO welfare_case_events (case_id, on_day, kind, detail, missed_on, at, actor)
             SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7
             FROM (VALUES {values}) AS v"
        );
        on_ex!(tx, |e| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(now)
                .bind(actor);
            for (id, day, kind, detail, missed) in chunk {
                q = q.bind(*id).bind(day).bind(*kind).bind(*detail).bind(missed);
            }
            q.execute(&mut *e).await.map(|r| r.rows_affected())
        })?;
    }
    for chunk in escalations.chunks(EVENTS_PER_STATEMENT) {
        let values = crate::db::numbered_rows(chunk.len(), 4, 1, "$1", '$');
        let sql = format!(
            "INSERT INTO welfare_escalations (case_id, missed, from_unit_id, to_unit_id, escalated_at, step)
             SELECT v.column1, v.column2, v.column3, v.column4, v.column5, 1 FROM (VALUES {values}) AS v"
        );
        on_ex!(tx, |e| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(now);
            for (id, missed, from, to) in chunk {
                q = q.bind(*id).bind(missed).bind(*from).bind(*to);
            }
            q.execute(&mut *e).await.map(|r| r.rows_affected())
        })?;
    }
    if let Tx::Postgres(t) = tx {
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('welfare_cases', 'id'), (SELECT max(id) FROM welfare_cases))",
        )
        .execute(&mut **t)
        .await?;
    }
    // The counters, once per unit and metric.
    let mut deltas: Vec<(UnitId, String, i64)> = Vec::new();
    for r in &rows {
        for (m, v) in counted(r) {
            deltas.push((r.unit_id, m, v));
        }
    }
    let refs: Vec<(UnitId, &str, i64)> = deltas
        .iter()
        .map(|(u, m, v)| (*u, m.as_str(), *v))
        .collect();
    aggregates::add_bulk(tx, &refs).await?;
    Ok(rows.len())
}
