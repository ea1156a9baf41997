//! Plans, targets and check-ins written in bulk (the demo generator and
//! other mass loads): every target's state is derived in memory by the
//! same rules as a single check-in ([`crate::plans`]), each row is written
//! once with its final state, and the aggregates and the day's completion
//! history are applied once per unit instead of once per row.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use grassroots_core::progress::Measure;
use grassroots_core::{Edit, Scope, UnitId};

use crate::plans::blockers::{self, NewBlocker};
use crate::plans::{NEVER, Target, contributions, derive, snapshot_many, ymd};
use crate::{StoreError, StoreResult, Tx, aggregates, decisions, on_ex};

/// A plan to write.
pub struct LoadPlan<'a> {
    /// Unit; must lie in the writer's scope.
    pub unit_id: UnitId,
    /// Title.
    pub title: &'a str,
    /// Period kind.
    pub period_kind: &'a str,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Check-in cadence.
    pub cadence: &'a str,
    /// Decision it adopts (the unit must be one of its addressees).
    pub decision_id: Option<i64>,
}

/// A target to write, in a plan of the same batch.
pub struct LoadTarget<'a> {
    /// Index of its plan in the batch.
    pub plan: usize,
    /// Index of the target it is cascaded from; it must come earlier in
    /// the batch and belong to a plan of an ancestor unit.
    pub parent: Option<usize>,
    /// Title.
    pub title: &'a str,
    /// Category key.
    pub category: &'a str,
    /// What it measures.
    pub measure: Measure,
    /// Unit of measure (numeric).
    pub measure_unit: &'a str,
    /// First day counted.
    pub starts_on: NaiveDate,
    /// Due date.
    pub due_on: NaiveDate,
    /// Weight, 1–1000.
    pub weight: i64,
    /// `mean` or `sum` (for its cascaded children).
    pub rollup: &'a str,
    /// Its check-ins, in the order they were made.
    pub check_ins: Vec<LoadCheckIn<'a>>,
}

/// A check-in to write.
pub struct LoadCheckIn<'a> {
    /// Day reported on.
    pub reported_on: NaiveDate,
    /// Value (numeric targets).
    pub value: Option<f64>,
    /// Reported done.
    pub done: bool,
    /// Narrative.
    pub narrative: &'a str,
    /// `low`, `medium` or `high`.
    pub confidence: &'a str,
    /// Blocker raised with it: title and deadline.
    pub blocker: Option<(&'a str, NaiveDate)>,
}

/// What a load wrote.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// Ids of the plans, in batch order.
    pub plans: Vec<i64>,
    /// Ids of the targets, in batch order.
    pub targets: Vec<i64>,
    /// Check-ins written.
    pub check_ins: usize,
    /// Blockers raised.
    pub blockers: usize,
}

const INSERT_PLAN: &str = "INSERT INTO plans (unit_id, title, period_kind, starts_on, ends_on,
         cadence, decision_id, created_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";

const INSERT_TARGET: &str = "INSERT INTO targets (plan_id, unit_id, parent_id, title, category,
         kind, baseline, target_value, measure_unit, starts_on, due_on, weight, rollup, children,
         status, completion_ppm, last_on, last_value, last_done, next_check_on, created_at,
         created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
             $19, $20, $21, $22) RETURNING id";

const INSERT_CHECK_IN: &str = "INSERT INTO check_ins (target_id, reported_on, value, done,
         narrative, confidence, blocker_id, created_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// Writes `plans` and `targets` (with their check-ins and blockers) in the
/// caller's transaction. Every plan's unit must lie in `scope`; a cascaded
/// target's parent must come earlier and sit in a plan of an ancestor
/// unit. Adoptions of decisions, aggregates and today's completion
/// history are applied as the same rows written one by one would.
pub async fn load(
    tx: &mut Tx,
    scope: &Scope<Edit>,
    plans: &[LoadPlan<'_>],
    targets: &[LoadTarget<'_>],
    actor: &str,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> StoreResult<Loaded> {
    let units: Vec<UnitId> = plans.iter().map(|p| p.unit_id).collect();
    if !crate::tree::all_in_scope(tx, scope, &units).await? {
        return Err(StoreError::NotFound);
    }
    // A closed unit is history: nothing is added to it.
    if any_closed(tx, &units).await? {
        return Err(StoreError::Conflict { field: "unit_id" });
    }
    let rows = derive_all(plans, targets, today)?;
    // A share goes down the tree: checked once per pair of units.
    let pairs: BTreeSet<(UnitId, UnitId)> = targets
        .iter()
        .filter_map(|t| {
            t.parent
                .map(|p| (plans[targets[p].plan].unit_id, plans[t.plan].unit_id))
        })
        .collect();
    if pairs.iter().any(|(from, to)| from == to) || !all_within(tx, &pairs).await? {
        return Err(StoreError::Conflict { field: "parent_id" });
    }
    let mut out = Loaded {
        plans: insert_plans(tx, plans, actor, now).await?,
        ..Loaded::default()
    };
    for p in plans {
        if let Some(decision) = p.decision_id
            && !decisions::adopt(tx, scope, decision, p.unit_id, actor, now).await?
        {
            return Err(StoreError::Conflict {
                field: "decision_id",
            });
        }
    }
    out.targets = insert_targets(tx, &rows, targets, &out.plans, actor, now).await?;
    // Blockers (their units were checked above) are written first: the
    // check-ins that raised them point at them.
    let mut raised = Vec::new();
    let mut raised_by = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        for (j, k) in t.check_ins.iter().enumerate() {
            if let Some((title, deadline_on)) = k.blocker {
                raised.push(NewBlocker {
                    unit_id: rows[i].unit_id,
                    target_id: Some(out.targets[i]),
                    title,
                    owner_person_id: None,
                    deadline_on,
                });
                raised_by.push((i, j));
            }
        }
    }
    let blocker_ids = blockers::open_many_checked(tx, &raised, actor, now).await?;
    out.blockers = blocker_ids.len();
    let blocker_of: BTreeMap<(usize, usize), i64> =
        raised_by.into_iter().zip(blocker_ids).collect();
    let mut check_ins = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        for (j, k) in t.check_ins.iter().enumerate() {
            check_ins.push((out.targets[i], k, blocker_of.get(&(i, j)).copied()));
        }
    }
    out.check_ins = insert_check_ins(tx, &check_ins, actor, now).await?;
    // Aggregates once per unit; history once per unit and year.
    let mut deltas: BTreeMap<UnitId, BTreeMap<String, i64>> = BTreeMap::new();
    let mut history: BTreeSet<(UnitId, String)> = BTreeSet::new();
    for t in &rows {
        for (metric, n) in contributions(t) {
            if metric.ends_with(".completion") {
                history.insert((t.unit_id, t.year().to_string()));
            }
            *deltas
                .entry(t.unit_id)
                .or_default()
                .entry(metric)
                .or_default() += n;
        }
    }
    let deltas: Vec<(UnitId, &str, i64)> = deltas
        .iter()
        .flat_map(|(unit, metrics)| metrics.iter().map(|(m, n)| (*unit, m.as_str(), *n)))
        .collect();
    aggregates::add_bulk(tx, &deltas).await?;
    let mut by_year: BTreeMap<String, Vec<UnitId>> = BTreeMap::new();
    for (unit, year) in history {
        by_year.entry(year).or_default().push(unit);
    }
    for (year, units) in by_year {
        snapshot_many(tx, &units, &year, today).await?;
    }
    Ok(out)
}

/// Whether any of `units` is closed.
async fn any_closed(tx: &mut Tx, units: &[UnitId]) -> StoreResult<bool> {
    for chunk in units.chunks(500) {
        let sql = format!(
            "SELECT count(*) FROM units WHERE id IN ({}) AND closed_at IS NOT NULL",
            crate::tree::join(chunk)
        );
        let n: i64 = on_ex!(tx, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(
            sql.as_str()
        ))
        .fetch_one(&mut *e)
        .await)?;
        if n > 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether the second unit of every pair lies below the first.
async fn all_within(tx: &mut Tx, pairs: &BTreeSet<(UnitId, UnitId)>) -> StoreResult<bool> {
    let pairs: Vec<&(UnitId, UnitId)> = pairs.iter().collect();
    for chunk in pairs.chunks(500) {
        let values = chunk
            .iter()
            .map(|(from, to)| format!("({from}, {to})"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT count(*) FROM (VALUES {values}) AS v
             JOIN unit_closure c ON c.ancestor_id = v.column1 AND c.descendant_id = v.column2"
        );
        let n: i64 = on_ex!(tx, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(
            sql.as_str()
        ))
        .fetch_one(&mut *e)
        .await)?;
        if n != chunk.len() as i64 {
            return Ok(false);
        }
    }
    Ok(true)
}

async fn insert_plans(
    tx: &mut Tx,
    plans: &[LoadPlan<'_>],
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<Vec<i64>> {
    match tx {
        Tx::Sqlite(t) => {
            let at = crate::sqlite_direct::timestamp(now);
            let mut ids = Vec::with_capacity(plans.len());
            for chunk in plans.chunks(crate::sqlite_direct::ROWS_PER_LOCK) {
                let mut made = crate::sqlite_direct::run_in_tx(t, |c| {
                    let mut insert = c.prepare_cached(INSERT_PLAN)?;
                    chunk
                        .iter()
                        .map(|p| {
                            insert.query_row(
                                rusqlite::params![
                                    p.unit_id,
                                    p.title,
                                    p.period_kind,
                                    ymd(p.starts_on),
                                    ymd(p.ends_on),
                                    p.cadence,
                                    p.decision_id,
                                    at,
                                    actor
                                ],
                                |row| row.get::<_, i64>(0),
                            )
                        })
                        .collect::<rusqlite::Result<Vec<i64>>>()
                })
                .await?;
                ids.append(&mut made);
            }
            Ok(ids)
        }
        Tx::Postgres(t) => {
            let ids = crate::db::reserve_ids(t, "plans", plans.len()).await?;
            for (chunk, chunk_ids) in plans
                .chunks(crate::db::PG_ROWS)
                .zip(ids.chunks(crate::db::PG_ROWS))
            {
                sqlx::query(
                    "INSERT INTO plans (id, unit_id, title, period_kind, starts_on, ends_on,
                         cadence, decision_id, created_at, created_by)
                     SELECT v.*, $9, $10 FROM UNNEST($1::bigint[], $2::bigint[], $3::text[],
                         $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[]) AS v",
                )
                .bind(chunk_ids)
                .bind(chunk.iter().map(|p| p.unit_id).collect::<Vec<_>>())
                .bind(chunk.iter().map(|p| p.title).collect::<Vec<_>>())
                .bind(chunk.iter().map(|p| p.period_kind).collect::<Vec<_>>())
                .bind(chunk.iter().map(|p| ymd(p.starts_on)).collect::<Vec<_>>())
                .bind(chunk.iter().map(|p| ymd(p.ends_on)).collect::<Vec<_>>())
                .bind(chunk.iter().map(|p| p.cadence).collect::<Vec<_>>())
                .bind(chunk.iter().map(|p| p.decision_id).collect::<Vec<_>>())
                .bind(now)
                .bind(actor)
                .execute(&mut **t)
                .await?;
            }
            Ok(ids)
        }
    }
}

/// Every target's row with its derived state (ids not yet known).
fn derive_all(
    plans: &[LoadPlan<'_>],
    targets: &[LoadTarget<'_>],
    today: NaiveDate,
) -> StoreResult<Vec<Target>> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); targets.len()];
    for (i, t) in targets.iter().enumerate() {
        if t.plan >= plans.len() {
            return Err(StoreError::Conflict { field: "plan_id" });
        }
        if !(1..=1000).contains(&t.weight) {
            return Err(StoreError::Conflict { field: "weight" });
        }
        // The sum rule adds values: numeric targets only.
        let rule_ok = match t.rollup {
            "mean" => true,
            "sum" => matches!(t.measure, Measure::Numeric { .. }),
            _ => false,
        };
        if !rule_ok {
            return Err(StoreError::Conflict { field: "rollup" });
        }
        if let Some(parent) = t.parent {
            if parent >= i {
                return Err(StoreError::Conflict { field: "parent_id" });
            }
            children[parent].push(i);
        }
    }
    let mut rows: Vec<Option<Target>> = vec![None; targets.len()];
    // Children come after their parents: derive from the end.
    for i in (0..targets.len()).rev() {
        let t = &targets[i];
        let plan = &plans[t.plan];
        let latest = t
            .check_ins
            .iter()
            .fold(None::<&LoadCheckIn<'_>>, |best, k| match best {
                Some(b) if b.reported_on > k.reported_on => Some(b),
                _ => Some(k),
            });
        let (baseline, target_value, kind) = match t.measure {
            Measure::Numeric { baseline, target } => (Some(baseline), Some(target), "numeric"),
            Measure::Milestone => (None, None, "milestone"),
        };
        let own = Target {
            id: 0,
            plan_id: 0,
            unit_id: plan.unit_id,
            parent_id: None,
            title: t.title.to_string(),
            category: t.category.to_string(),
            kind: kind.to_string(),
            baseline,
            target_value,
            measure_unit: t.measure_unit.to_string(),
            starts_on: ymd(t.starts_on),
            due_on: ymd(t.due_on),
            weight: t.weight,
            owner_person_id: None,
            owner_unit_id: None,
            rollup: t.rollup.to_string(),
            children: children[i].len() as i64,
            status: String::new(),
            completion_ppm: None,
            last_on: latest.map(|k| ymd(k.reported_on)),
            last_value: latest.and_then(|k| k.value),
            last_done: latest.is_some_and(|k| k.done),
            next_check_on: NEVER.to_string(),
            deleted_at: None,
        };
        if own.children > 0 && !t.check_ins.is_empty() {
            // A cascaded target takes no check-in of its own.
            return Err(StoreError::Conflict { field: "target_id" });
        }
        let kids: Vec<Target> = children[i]
            .iter()
            .map(|c| rows[*c].clone().expect("children derived first"))
            .collect();
        rows[i] = Some(derive(&own, &kids, plan.cadence, today));
    }
    Ok(rows.into_iter().map(|r| r.expect("derived")).collect())
}

async fn insert_targets(
    tx: &mut Tx,
    rows: &[Target],
    targets: &[LoadTarget<'_>],
    plan_ids: &[i64],
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<Vec<i64>> {
    let mut ids: Vec<i64> = Vec::with_capacity(rows.len());
    if let Tx::Sqlite(t) = tx {
        let at = crate::sqlite_direct::timestamp(now);
        let batch: Vec<(&Target, &LoadTarget<'_>)> = rows.iter().zip(targets).collect();
        for chunk in batch.chunks(crate::sqlite_direct::ROWS_PER_LOCK) {
            insert_target_rows(t, chunk, plan_ids, &mut ids, &at, actor).await?;
        }
        return Ok(ids);
    }
    let Tx::Postgres(t) = tx else {
        unreachable!("SQLite returned above")
    };
    /// One column of a chunk of targets, for `UNNEST`.
    fn column<'a, T>(
        chunk: &[(usize, (&'a Target, &LoadTarget<'_>))],
        f: impl Fn(&'a Target) -> T,
    ) -> Vec<T> {
        chunk.iter().map(|(_, (r, _))| f(r)).collect()
    }
    let ids = crate::db::reserve_ids(t, "targets", rows.len()).await?;
    let all: Vec<(usize, (&Target, &LoadTarget<'_>))> =
        rows.iter().zip(targets).enumerate().collect();
    for chunk in all.chunks(crate::db::PG_ROWS) {
        // Parents come earlier: in an earlier statement or in this one
        // (checked at its end).
        sqlx::query(
            "INSERT INTO targets (id, plan_id, unit_id, parent_id, title, category, kind,
                 baseline, target_value, measure_unit, starts_on, due_on, weight, rollup,
                 children, status, completion_ppm, last_on, last_value, last_done,
                 next_check_on, created_at, created_by)
             SELECT v.*, $22, $23 FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[],
                 $4::bigint[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::float8[],
                 $10::text[], $11::text[], $12::text[], $13::bigint[], $14::text[],
                 $15::bigint[], $16::text[], $17::bigint[], $18::text[], $19::float8[],
                 $20::bool[], $21::text[]) AS v",
        )
        .bind(chunk.iter().map(|(i, _)| ids[*i]).collect::<Vec<_>>())
        .bind(
            chunk
                .iter()
                .map(|(_, (_, t))| plan_ids[t.plan])
                .collect::<Vec<_>>(),
        )
        .bind(column(chunk, |r| r.unit_id))
        .bind(
            chunk
                .iter()
                .map(|(_, (_, t))| t.parent.map(|p| ids[p]))
                .collect::<Vec<_>>(),
        )
        .bind(column(chunk, |r| r.title.as_str()))
        .bind(column(chunk, |r| r.category.as_str()))
        .bind(column(chunk, |r| r.kind.as_str()))
        .bind(column(chunk, |r| r.baseline))
        .bind(column(chunk, |r| r.target_value))
        .bind(column(chunk, |r| r.measure_unit.as_str()))
        .bind(column(chunk, |r| r.starts_on.as_str()))
        .bind(column(chunk, |r| r.due_on.as_str()))
        .bind(column(chunk, |r| r.weight))
        .bind(column(chunk, |r| r.rollup.as_str()))
        .bind(column(chunk, |r| r.children))
        .bind(column(chunk, |r| r.status.as_str()))
        .bind(column(chunk, |r| r.completion_ppm))
        .bind(column(chunk, |r| r.last_on.as_deref()))
        .bind(column(chunk, |r| r.last_value))
        .bind(column(chunk, |r| r.last_done))
        .bind(column(chunk, |r| r.next_check_on.as_str()))
        .bind(now)
        .bind(actor)
        .execute(&mut **t)
        .await
        .map_err(|e| StoreError::from(e).conflict_on("category"))?;
    }
    Ok(ids)
}

async fn insert_check_ins(
    tx: &mut Tx,
    rows: &[(i64, &LoadCheckIn<'_>, Option<i64>)],
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<usize> {
    if let Tx::Sqlite(t) = tx {
        let at = crate::sqlite_direct::timestamp(now);
        for chunk in rows.chunks(crate::sqlite_direct::ROWS_PER_LOCK) {
            crate::sqlite_direct::run_in_tx(t, |c| {
                let mut insert = c.prepare_cached(INSERT_CHECK_IN)?;
                for (target, k, blocker) in chunk {
                    insert.execute(rusqlite::params![
                        target,
                        ymd(k.reported_on),
                        k.value,
                        k.done,
                        k.narrative,
                        k.confidence,
                        blocker,
                        at,
                        actor
                    ])?;
                }
                Ok(())
            })
            .await?;
        }
        return Ok(rows.len());
    }
    let Tx::Postgres(t) = tx else {
        unreachable!("SQLite returned above")
    };
    for chunk in rows.chunks(crate::db::PG_ROWS) {
        sqlx::query(
            "INSERT INTO check_ins (target_id, reported_on, value, done, narrative, confidence,
                 blocker_id, created_at, created_by)
             SELECT v.*, $8, $9 FROM UNNEST($1::bigint[], $2::text[], $3::float8[], $4::bool[],
                 $5::text[], $6::text[], $7::bigint[]) AS v",
        )
        .bind(chunk.iter().map(|(t, _, _)| *t).collect::<Vec<_>>())
        .bind(
            chunk
                .iter()
                .map(|(_, k, _)| ymd(k.reported_on))
                .collect::<Vec<_>>(),
        )
        .bind(chunk.iter().map(|(_, k, _)| k.value).collect::<Vec<_>>())
        .bind(chunk.iter().map(|(_, k, _)| k.done).collect::<Vec<_>>())
        .bind(
            chunk
                .iter()
                .map(|(_, k, _)| k.narrative)
                .collect::<Vec<_>>(),
        )
        .bind(
            chunk
                .iter()
                .map(|(_, k, _)| k.confidence)
                .collect::<Vec<_>>(),
        )
        .bind(chunk.iter().map(|(_, _, b)| *b).collect::<Vec<_>>())
        .bind(now)
        .bind(actor)
        .execute(&mut **t)
        .await?;
    }
    Ok(rows.len())
}

/// Writes one chunk of targets on the transaction's own handle; parents
/// come earlier, so their ids are in `ids` already.
async fn insert_target_rows(
    conn: &mut sqlx::SqliteConnection,
    chunk: &[(&Target, &LoadTarget<'_>)],
    plan_ids: &[i64],
    ids: &mut Vec<i64>,
    at: &str,
    actor: &str,
) -> StoreResult<()> {
    crate::sqlite_direct::run_in_tx(conn, |c| {
        let mut insert = c.prepare_cached(INSERT_TARGET)?;
        for (r, t) in chunk {
            let parent = t.parent.map(|p| ids[p]);
            let id: i64 = insert.query_row(
                rusqlite::params![
                    plan_ids[t.plan],
                    r.unit_id,
                    parent,
                    r.title,
                    r.category,
                    r.kind,
                    r.baseline,
                    r.target_value,
                    r.measure_unit,
                    r.starts_on,
                    r.due_on,
                    r.weight,
                    r.rollup,
                    r.children,
                    r.status,
                    r.completion_ppm,
                    r.last_on,
                    r.last_value,
                    r.last_done,
                    r.next_check_on,
                    at,
                    actor
                ],
                |row| row.get(0),
            )?;
            ids.push(id);
        }
        Ok(())
    })
    .await
    .map_err(|e| e.conflict_on("category"))
}
