//! Safety records written in bulk (the demo generator): open hazards and
//! completed inspections with their answers, a statement per few hundred
//! rows, counted as the one-by-one paths count them.

use chrono::NaiveDate;
use grassroots_core::UnitId;

use crate::plans::ymd;
use crate::{StoreResult, Tx, aggregates, on_ex};

/// An open hazard to load.
#[derive(Debug, Clone)]
pub struct LoadHazard {
    /// Its unit.
    pub unit_id: UnitId,
    /// Title.
    pub title: &'static str,
    /// Where.
    pub location: &'static str,
    /// Inherent likelihood, severity and band.
    pub inherent: (i64, i64, &'static str),
    /// Residual likelihood, severity and band (below high: a high one
    /// would need its corrective action).
    pub residual: (i64, i64, &'static str),
    /// The day it was entered.
    pub created_on: NaiveDate,
}

/// A completed inspection to load, answered in full.
#[derive(Debug, Clone)]
pub struct LoadInspection {
    /// Its unit.
    pub unit_id: UnitId,
    /// The checklist version it follows.
    pub version_id: i64,
    /// `inspection` or `assessment`.
    pub purpose: &'static str,
    /// The day it was done (started and completed).
    pub completed_on: NaiveDate,
    /// Score and out of.
    pub score: (i64, i64),
    /// (question, answer) for every question; none flagged.
    pub answers: Vec<(i64, &'static str)>,
}

const HAZARDS_PER_STATEMENT: usize = 500;
const ANSWERS_PER_STATEMENT: usize = 2_000;

/// Loads open hazards with their counters; returns how many.
pub async fn hazards(tx: &mut Tx, rows: &[LoadHazard], actor: &str) -> StoreResult<usize> {
    for chunk in rows.chunks(HAZARDS_PER_STATEMENT) {
        let values = crate::db::numbered_rows(chunk.len(), 10, 1, "$1", '$');
        let sql = format!(
            "INSERT INTO hazards (unit_id, title, location, inherent_likelihood, inherent_severity,
               inherent_band, residual_likelihood, residual_severity, residual_band, created_on,
               created_by, status)
             SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7,
               v.column8, v.column9, v.column10, v.column11, 'open'
             FROM (VALUES {values}) AS v"
        );
        on_ex!(tx, |e| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(actor);
            for h in chunk {
                q = q
                    .bind(h.unit_id)
                    .bind(h.title)
                    .bind(h.location)
                    .bind(h.inherent.0)
                    .bind(h.inherent.1)
                    .bind(h.inherent.2)
                    .bind(h.residual.0)
                    .bind(h.residual.1)
                    .bind(h.residual.2)
                    .bind(ymd(h.created_on));
            }
            q.execute(&mut *e).await.map(|r| r.rows_affected())
        })?;
    }
    let metrics: Vec<(UnitId, String)> = rows
        .iter()
        .map(|h| (h.unit_id, format!("safety.hazards.open.{}", h.residual.2)))
        .collect();
    let mut deltas: Vec<(UnitId, &str, i64)> = Vec::with_capacity(rows.len() * 2);
    for (unit, band) in &metrics {
        deltas.push((*unit, "safety.hazards.open", 1));
        deltas.push((*unit, band.as_str(), 1));
    }
    aggregates::add_bulk(tx, &deltas).await?;
    Ok(rows.len())
}

/// Loads completed inspections and their answers with their counters,
/// marks their versions used, and brings the scheduled inspections of
/// their units up to date; returns how many.
pub async fn inspections(
    tx: &mut Tx,
    rows: &[LoadInspection],
    actor: &str,
    today: NaiveDate,
) -> StoreResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let first: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT CAST(coalesce(max(id), 0) + 1 AS BIGINT) FROM inspections"
    )
    .fetch_one(&mut *e)
    .await)?;
    let ids: Vec<i64> = (0..rows.len() as i64).map(|i| first + i).collect();
    for (chunk, ids) in rows
        .chunks(HAZARDS_PER_STATEMENT)
        .zip(ids.chunks(HAZARDS_PER_STATEMENT))
    {
        let values = crate::db::numbered_rows(chunk.len(), 7, 1, "$1", '$');
        let sql = format!(
            "INSERT INTO inspections (id, unit_id, version_id, purpose, started_on, completed_on,
               score, max_score, started_by, status, flagged)
             SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column5, v.column6,
               v.column7, v.column8, 'completed', 0
             FROM (VALUES {values}) AS v"
        );
        on_ex!(tx, |e| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(actor);
            for (i, id) in chunk.iter().zip(ids) {
                q = q
                    .bind(*id)
                    .bind(i.unit_id)
                    .bind(i.version_id)
                    .bind(i.purpose)
                    .bind(ymd(i.completed_on))
                    .bind(i.score.0)
                    .bind(i.score.1);
            }
            q.execute(&mut *e).await.map(|r| r.rows_affected())
        })?;
    }
    let answers: Vec<(i64, i64, &str)> = rows
        .iter()
        .zip(&ids)
        .flat_map(|(i, id)| i.answers.iter().map(move |(q, a)| (*id, *q, *a)))
        .collect();
    for chunk in answers.chunks(ANSWERS_PER_STATEMENT) {
        let values = crate::db::numbered_rows(chunk.len(), 3, 0, "", '$');
        let sql = format!(
            "INSERT INTO inspection_answers (inspection_id, question_id, answer, note, flagged)
             SELECT v.column1, v.column2, v.column3, '', FALSE FROM (VALUES {values}) AS v"
        );
        on_ex!(tx, |e| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for (id, question, answer) in chunk {
                q = q.bind(*id).bind(*question).bind(*answer);
            }
            q.execute(&mut *e).await.map(|r| r.rows_affected())
        })?;
    }
    let mut versions: Vec<i64> = rows.iter().map(|i| i.version_id).collect();
    versions.sort_unstable();
    versions.dedup();
    let used = format!(
        "UPDATE checklist_versions SET used = TRUE WHERE id IN ({})",
        crate::tree::join(&versions)
    );
    on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(used.as_str()))
        .execute(&mut *e)
        .await
        .map(|_| ()))?;
    if let Tx::Postgres(t) = tx {
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('inspections', 'id'), (SELECT max(id) FROM inspections))",
        )
        .execute(&mut **t)
        .await?;
    }
    let metrics: Vec<(UnitId, String, String)> = rows
        .iter()
        .map(|i| {
            (
                i.unit_id,
                format!("safety.inspections.{}.done", i.purpose),
                format!("safety.inspections.done.{}", &ymd(i.completed_on)[..7]),
            )
        })
        .collect();
    let mut deltas: Vec<(UnitId, &str, i64)> = Vec::with_capacity(rows.len() * 2);
    for (unit, purpose, month) in &metrics {
        deltas.push((*unit, purpose.as_str(), 1));
        deltas.push((*unit, month.as_str(), 1));
    }
    aggregates::add_bulk(tx, &deltas).await?;
    let mut units: Vec<UnitId> = rows.iter().map(|i| i.unit_id).collect();
    units.sort_unstable();
    units.dedup();
    super::schedules::track_units(tx, &units, today).await?;
    Ok(rows.len())
}

/// The open units of the given levels, by id.
pub async fn units_at(tx: &mut Tx, levels: &[&str]) -> StoreResult<Vec<(UnitId, String)>> {
    let mut out = Vec::new();
    for level in levels {
        let rows: Vec<(i64, String)> = on_ex!(tx, |e| sqlx::query_as(
            "SELECT id, level FROM units WHERE level = $1 AND closed_at IS NULL"
        )
        .bind(*level)
        .fetch_all(&mut *e)
        .await)?;
        out.extend(rows);
    }
    out.sort_unstable();
    Ok(out)
}
