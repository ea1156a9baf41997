//! The unit tree, with a closure table kept in the same transaction as
//! every change so that subtree questions are indexed lookups.

use chrono::{DateTime, Utc};
use grassroots_core::{Capability, Manage, Read, Scope, UnitId};
use serde::Serialize;

use crate::aggregates;
use crate::lifecycle::Features;
use crate::search::texts::Texts;
use crate::tree::{all_in_scope, is_within, unit_condition};
use crate::{DbConn, StoreError, StoreResult, Tx, contains_pattern, on_ex};

/// Re-exported for callers that ask it of the units.
pub use crate::tree::in_scope;

/// A unit of the organization tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Unit {
    /// Identifier.
    pub id: i64,
    /// Parent unit; `None` for the root (the organization itself).
    pub parent_id: Option<i64>,
    /// Display name.
    pub name: String,
    /// Level key (for example `primary_committee`, `cell`).
    pub level: String,
    /// Distance from the root.
    pub depth: i32,
    /// Identifier in an external register, used by imports.
    pub external_id: Option<String>,
    /// When the unit was closed (or merged); a closed unit stays in the
    /// tree as history but takes no new records.
    pub closed_at: Option<DateTime<Utc>>,
    /// The unit this one was merged into, if any.
    pub merged_into_id: Option<i64>,
}

/// A unit with the number of its direct children, for listings.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct UnitListing {
    /// Identifier.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Level key.
    pub level: String,
    /// Number of direct children.
    pub child_count: i64,
}

const COLUMNS: &str =
    "u.id, u.parent_id, u.name, u.level, u.depth, u.external_id, u.closed_at, u.merged_into_id";

/// Creates the root unit (the organization). Fails if one exists.
pub async fn create_root(
    tx: &mut Tx,
    name: &str,
    level: &str,
    now: DateTime<Utc>,
) -> StoreResult<Unit> {
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO units (parent_id, name, level, depth, created_at, updated_at)
         VALUES (NULL, $1, $2, 0, $3, $3) RETURNING id"
    )
    .bind(name)
    .bind(level)
    .bind(now)
    .fetch_one(&mut *e)
    .await)
    .map_err(|e| StoreError::from(e).conflict_on("root"))?;
    on_ex!(tx, |e| sqlx::query(
        "INSERT INTO unit_closure (ancestor_id, descendant_id, depth) VALUES ($1, $1, 0)"
    )
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    count_unit(tx, id, level, 1).await?;
    crate::meetings::regularity::track_unit(tx, id, level, &now.date_naive().to_string()).await?;
    crate::safety::schedules::track_units(tx, &[id], now.date_naive()).await?;
    crate::search::texts::index(tx, Texts::Units, &[id]).await?;
    Ok(Unit {
        id,
        parent_id: None,
        name: name.to_string(),
        level: level.to_string(),
        depth: 0,
        external_id: None,
        closed_at: None,
        merged_into_id: None,
    })
}

/// Adds (`sign` = 1) or removes (`sign` = -1) a unit from the unit and
/// cell counters of itself and its ancestors.
async fn count_unit(tx: &mut Tx, id: UnitId, level: &str, sign: i64) -> StoreResult<()> {
    aggregates::add(tx, id, aggregates::UNITS, sign).await?;
    match crate::profiles::kind_of(tx, level).await?.as_deref() {
        Some("cell") => aggregates::add(tx, id, aggregates::CELLS, sign).await?,
        Some("primary") => count_seats(tx, id, sign).await?,
        _ => {}
    }
    Ok(())
}

/// Adds (`sign` = 1) or removes (-1) the vacant lead seats of a primary
/// unit from the counters.
async fn count_seats(tx: &mut Tx, id: UnitId, sign: i64) -> StoreResult<()> {
    let open = crate::positions::open_seats(tx, id).await?;
    aggregates::add(tx, id, crate::positions::SEATS_VACANT, sign * open).await
}

/// The root unit, if the organization was initialized.
pub async fn root(c: &mut impl DbConn) -> StoreResult<Option<Unit>> {
    let sql = format!("SELECT {COLUMNS} FROM units u WHERE u.parent_id IS NULL");
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Unit>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .fetch_optional(&mut *e)
    .await)?)
}

/// Creates a child of `parent_id`, which must lie inside `scope` and be
/// open.
pub async fn create_child(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    parent_id: UnitId,
    name: &str,
    level: &str,
    external_id: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<Unit> {
    let parent = get(tx, scope, parent_id).await?;
    if parent.closed_at.is_some() {
        return Err(StoreError::Conflict { field: "parent_id" });
    }
    crate::profiles::check_placement(tx, level, &parent.level).await?;
    if let Some(ext) = external_id
        && exists_external_id(tx, ext).await?
    {
        return Err(StoreError::Conflict {
            field: "external_id",
        });
    }
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO units (parent_id, name, level, depth, created_at, updated_at, external_id)
         VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id"
    )
    .bind(parent.id)
    .bind(name)
    .bind(level)
    .bind(parent.depth + 1)
    .bind(now)
    .bind(external_id)
    .fetch_one(&mut *e)
    .await)
    .map_err(|e| StoreError::from(e).conflict_on("name"))?;
    // The new unit's ancestors are its parent's ancestors plus itself.
    on_ex!(tx, |e| sqlx::query(
        "INSERT INTO unit_closure (ancestor_id, descendant_id, depth)
         SELECT ancestor_id, $1, depth + 1 FROM unit_closure WHERE descendant_id = $2
         UNION ALL SELECT $1, $1, 0"
    )
    .bind(id)
    .bind(parent.id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    count_unit(tx, id, level, 1).await?;
    crate::meetings::regularity::track_unit(tx, id, level, &now.date_naive().to_string()).await?;
    crate::safety::schedules::track_units(tx, &[id], now.date_naive()).await?;
    crate::search::texts::index(tx, Texts::Units, &[id]).await?;
    Ok(Unit {
        id,
        parent_id: Some(parent.id),
        name: name.to_string(),
        level: level.to_string(),
        depth: parent.depth + 1,
        external_id: external_id.map(str::to_string),
        closed_at: None,
        merged_into_id: None,
    })
}

/// One new unit for [`create_many`].
pub struct NewChild<'a> {
    /// Parent unit.
    pub parent_id: UnitId,
    /// Name, unique among its siblings.
    pub name: &'a str,
    /// Level key.
    pub level: &'a str,
    /// External id, unique across units.
    pub external_id: Option<&'a str>,
}

/// Creates several units (each under an open parent inside `scope`) as
/// [`create_child`] would one by one, in a few statements: the units,
/// their closure rows, their counters and their regularity rows. A parent
/// must exist before the call. Returns the new ids in the order given.
pub async fn create_many(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    children: &[NewChild<'_>],
    now: DateTime<Utc>,
) -> StoreResult<Vec<UnitId>> {
    use std::collections::{HashMap, HashSet};
    if children.is_empty() {
        return Ok(Vec::new());
    }
    // The parents: inside the scope, open; their depth.
    let mut parents: Vec<UnitId> = children.iter().map(|c| c.parent_id).collect();
    parents.sort_unstable();
    parents.dedup();
    let mut depth_of: HashMap<UnitId, i64> = HashMap::new();
    let mut level_of: HashMap<UnitId, String> = HashMap::new();
    for chunk in parents.chunks(500) {
        let sql = format!(
            "SELECT u.id, CAST(u.depth AS BIGINT), u.level FROM units u
             WHERE u.id IN ({}) AND u.closed_at IS NULL AND {}",
            crate::tree::join(chunk),
            unit_condition(scope, "u.id")
        );
        let found: Vec<(UnitId, i64, String)> =
            on_ex!(tx, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(&mut *e)
                .await)?;
        for (id, depth, level) in found {
            depth_of.insert(id, depth);
            level_of.insert(id, level);
        }
    }
    if depth_of.len() != parents.len() {
        // Outside the scope (or missing) reads as not found; closed as a
        // conflict, as for one child.
        let all_in = all_in_scope(tx, scope, &parents).await?;
        return Err(if all_in {
            StoreError::Conflict { field: "parent_id" }
        } else {
            StoreError::NotFound
        });
    }
    let levels = crate::profiles::active(tx).await?;
    for c in children {
        crate::profiles::require_placement(&levels, c.level, &level_of[&c.parent_id])?;
    }
    let mut names = HashSet::new();
    if !children.iter().all(|c| names.insert((c.parent_id, c.name))) {
        return Err(StoreError::Conflict { field: "name" });
    }
    let exts: Vec<String> = children
        .iter()
        .filter_map(|c| c.external_id.map(str::to_string))
        .collect();
    let distinct: HashSet<&String> = exts.iter().collect();
    if distinct.len() != exts.len() || !external_ids_taken(tx, &exts).await?.is_empty() {
        return Err(StoreError::Conflict {
            field: "external_id",
        });
    }
    let mut ids = Vec::with_capacity(children.len());
    for chunk in children.chunks(200) {
        let values = (0..chunk.len())
            .map(|i| {
                let b = 5 * i;
                format!(
                    "(${}, ${}, ${}, ${}, $1, $1, ${})",
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        // Names are unique among siblings: they tell which id is whose.
        let sql = format!(
            "INSERT INTO units (parent_id, name, level, depth, created_at, updated_at, external_id)
             VALUES {values} RETURNING id, parent_id, name"
        );
        let made: Vec<(UnitId, UnitId, String)> = on_ex!(tx, |e| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(now);
            for c in chunk {
                q = q
                    .bind(c.parent_id)
                    .bind(c.name)
                    .bind(c.level)
                    .bind(depth_of[&c.parent_id] + 1)
                    .bind(c.external_id);
            }
            q.fetch_all(&mut *e).await
        })
        .map_err(|e| StoreError::from(e).conflict_on("name"))?;
        let id_of: HashMap<(UnitId, String), UnitId> = made
            .into_iter()
            .map(|(id, parent, name)| ((parent, name), id))
            .collect();
        ids.extend(
            chunk
                .iter()
                .map(|c| id_of[&(c.parent_id, c.name.to_string())]),
        );
    }
    for chunk in ids.chunks(500) {
        let list = crate::tree::join(chunk);
        on_ex!(tx, |e| sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO unit_closure (ancestor_id, descendant_id, depth)
             SELECT c.ancestor_id, u.id, c.depth + 1
             FROM units u JOIN unit_closure c ON c.descendant_id = u.parent_id
             WHERE u.id IN ({list})
             UNION ALL SELECT u.id, u.id, 0 FROM units u WHERE u.id IN ({list})"
        )))
        .execute(&mut *e)
        .await
        .map(|r| r.rows_affected()))?;
    }
    // Counters: every unit counts itself; cells and primary units' open
    // lead seats as in `count_unit` (a new unit holds no position yet).
    let mut kinds: HashMap<&str, Option<String>> = Default::default();
    for c in children {
        if !kinds.contains_key(c.level) {
            kinds.insert(c.level, crate::profiles::kind_of(tx, c.level).await?);
        }
    }
    let mut seats = None;
    let mut deltas: Vec<(UnitId, &str, i64)> = Vec::new();
    for (c, id) in children.iter().zip(&ids) {
        deltas.push((*id, aggregates::UNITS, 1));
        match kinds[c.level].as_deref() {
            Some("cell") => deltas.push((*id, aggregates::CELLS, 1)),
            Some("primary") => {
                let open = match seats {
                    Some(n) => n,
                    None => *seats.insert(crate::positions::open_seats(tx, *id).await?),
                };
                deltas.push((*id, crate::positions::SEATS_VACANT, open));
            }
            _ => {}
        }
    }
    aggregates::add_bulk(tx, &deltas).await?;
    crate::meetings::regularity::track_units(tx, &ids, &now.date_naive().to_string()).await?;
    crate::safety::schedules::track_units(tx, &ids, now.date_naive()).await?;
    crate::search::texts::index(tx, Texts::Units, &ids).await?;
    Ok(ids)
}

/// Renames a unit inside `scope`; returns the unit before and after.
pub async fn rename(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    id: UnitId,
    name: &str,
    now: DateTime<Utc>,
) -> StoreResult<(Unit, Unit)> {
    let before = get(tx, scope, id).await?;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE units SET name = $1, updated_at = $2 WHERE id = $3"
    )
    .bind(name)
    .bind(now)
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| StoreError::from(e).conflict_on("name"))?;
    crate::search::texts::index(tx, Texts::Units, &[id]).await?;
    let after = Unit {
        name: name.to_string(),
        ..before.clone()
    };
    Ok((before, after))
}

/// A unit inside `scope`; [`StoreError::NotFound`] if it does not exist or
/// lies outside the scope.
pub async fn get<C: Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    id: UnitId,
) -> StoreResult<Unit> {
    let sql = format!(
        "SELECT {COLUMNS} FROM units u WHERE u.id = $1 AND {}",
        unit_condition(scope, "u.id")
    );
    on_ex!(c, |e| sqlx::query_as::<_, Unit>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// The path from the root down to a unit inside `scope` (for
/// breadcrumbs), each with whether the reader may open it.
pub async fn path(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    id: UnitId,
) -> StoreResult<Vec<(Unit, bool)>> {
    get(c, scope, id).await?;
    let sql = format!(
        "SELECT {COLUMNS}, CASE WHEN {} THEN 1 ELSE 0 END AS readable
         FROM unit_closure cl JOIN units u ON u.id = cl.ancestor_id
         WHERE cl.descendant_id = $1 ORDER BY cl.depth DESC",
        unit_condition(scope, "u.id")
    );
    let rows: Vec<PathRow> = on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_all(&mut *e)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.unit, r.readable == 1))
        .collect())
}

#[derive(sqlx::FromRow)]
struct PathRow {
    #[sqlx(flatten)]
    unit: Unit,
    readable: i32,
}

/// Open children of `id` that lie inside `scope`, by name.
pub async fn children(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    id: UnitId,
) -> StoreResult<Vec<UnitListing>> {
    // Only children the reader may see are counted.
    let sql = format!(
        "SELECT u.id, u.name, u.level,
                (SELECT count(*) FROM units k
                 WHERE k.parent_id = u.id AND k.closed_at IS NULL AND {}) AS child_count
         FROM units u WHERE u.parent_id = $1 AND u.closed_at IS NULL AND {}
         ORDER BY u.name, u.id",
        unit_condition(scope, "k.id"),
        unit_condition(scope, "u.id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, UnitListing>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(id)
    .fetch_all(&mut *e)
    .await)?)
}

/// A unit found by a search, with its parent's name (unit names repeat
/// across the tree: "Cell 1" is in every primary committee).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct UnitHit {
    /// Identifier.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Level key.
    pub level: String,
    /// The parent's name (`None` for the root).
    pub parent_name: Option<String>,
}

/// Open units inside `scope` whose names match `q` (see
/// `core::search`): the first `limit` the index yields, the highest
/// first, then by name.
pub async fn search(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    q: &grassroots_core::search::Query,
    limit: i64,
) -> StoreResult<Vec<UnitHit>> {
    if scope.is_empty() || (q.is_open() && q.contains.is_empty()) {
        return Ok(Vec::new());
    }
    // The index narrows to the scope's subtrees (a unit granted alone
    // is looked up by its subtree, then checked exactly).
    let within: Vec<UnitId> = scope
        .subtree_roots()
        .iter()
        .chain(scope.single_units())
        .copied()
        .collect();
    let Some(text) = crate::search::match_text(c.dialect(), q, &within) else {
        return Ok(Vec::new());
    };
    let mut binds: Vec<String> = vec![text];
    let mut cond = String::new();
    for word in &q.contains {
        binds.push(contains_pattern(word));
        cond.push_str(&format!(
            " AND lower(u.name) LIKE ${} ESCAPE '\\'",
            binds.len()
        ));
    }
    // The index yields its matches by id and the engine stops at `limit`
    // (a word every cell's name has costs what a rare one does); parents
    // are made before their children, so these are mostly the highest.
    let matched = match c.dialect() {
        crate::Dialect::Sqlite => {
            "units_search s JOIN units u ON u.id = s.rowid WHERE units_search MATCH $1"
        }
        crate::Dialect::Postgres => {
            "units_search s JOIN units u ON u.id = s.ref_id WHERE s.tokens @@ CAST($1 AS tsquery)"
        }
    };
    // By id on SQLite, where the index yields them so; in the table's
    // order on PostgreSQL, where sorting would read every match first.
    let order = match c.dialect() {
        crate::Dialect::Sqlite => "ORDER BY u.id",
        crate::Dialect::Postgres => "",
    };
    let sql = format!(
        "SELECT h.id, h.name, h.level, p.name AS parent_name FROM (
             SELECT u.id, u.name, u.level, u.depth, u.parent_id FROM {matched}
               AND u.closed_at IS NULL AND {}{cond}
             {order} LIMIT {limit}) h
         LEFT JOIN units p ON p.id = h.parent_id
         ORDER BY h.depth, h.name, h.id",
        unit_condition(scope, "u.id")
    );
    Ok(on_ex!(c, |e| {
        let mut q = sqlx::query_as::<_, UnitHit>(sqlx::AssertSqlSafe(sql.as_str()));
        for b in &binds {
            q = q.bind(b.as_str());
        }
        q.fetch_all(&mut *e).await
    })?)
}

/// The topmost units of a scope: those inside it whose parent is not.
/// These are where a reader's navigation starts.
pub async fn scope_tops(c: &mut impl DbConn, scope: &Scope<Read>) -> StoreResult<Vec<UnitListing>> {
    let inside = unit_condition(scope, "u.id");
    let parent_inside = unit_condition(scope, "u.parent_id");
    let child_inside = unit_condition(scope, "k.id");
    let sql = format!(
        "SELECT u.id, u.name, u.level,
                (SELECT count(*) FROM units k
                 WHERE k.parent_id = u.id AND k.closed_at IS NULL AND {child_inside}) AS child_count
         FROM units u WHERE {inside} AND u.closed_at IS NULL
           AND (u.parent_id IS NULL OR NOT {parent_inside})
         ORDER BY u.depth, u.name, u.id"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, UnitListing>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .fetch_all(&mut *e)
    .await)?)
}

/// Every open unit inside `scope`, ordered by depth then name, paginated.
pub async fn list<C: Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<Unit>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM units u WHERE u.closed_at IS NULL AND {}
         ORDER BY u.depth, u.name, u.id LIMIT $1 OFFSET $2",
        unit_condition(scope, "u.id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Unit>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *e)
    .await)?)
}

/// Names of the given units (no scope: used to label audit rows and role
/// assignments that the caller is already allowed to see).
pub async fn names(c: &mut impl DbConn, ids: &[UnitId]) -> StoreResult<Vec<(UnitId, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!("SELECT id, name FROM units WHERE id IN ({list})");
    Ok(on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .fetch_all(&mut *e)
    .await)?)
}

/// Moves unit `id` with its whole subtree under `new_parent`. Both the
/// unit's current parent and the new parent must lie inside `scope`. The
/// closure table, depths and every aggregate of the old and new ancestors
/// change in the caller's transaction. Returns the unit before and after.
pub async fn move_to(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    id: UnitId,
    new_parent: UnitId,
    now: DateTime<Utc>,
) -> StoreResult<(Unit, Unit)> {
    move_subtree(tx, scope, id, new_parent, now, Placement::Check).await
}

/// Whether a change checks the profile's placement rules at once, or the
/// caller checks the final tree with [`check_placements`] before it
/// commits (an import reshaping several levels passes through states the
/// rules refuse).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Check now.
    Check,
    /// The caller calls [`check_placements`] on every unit it changed.
    Deferred,
}

/// [`move_to`], with the placement check deferred when asked.
pub async fn move_subtree(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    id: UnitId,
    new_parent: UnitId,
    now: DateTime<Utc>,
    placement: Placement,
) -> StoreResult<(Unit, Unit)> {
    let before = get(tx, scope, id).await?;
    let old_parent = before
        .parent_id
        .ok_or(StoreError::Conflict { field: "parent_id" })?;
    get(tx, scope, old_parent).await?;
    let target = get(tx, scope, new_parent).await?;
    if target.closed_at.is_some() {
        return Err(StoreError::Conflict { field: "parent_id" });
    }
    if is_within(tx, id, new_parent).await? {
        return Err(StoreError::Conflict { field: "parent_id" });
    }
    if old_parent == new_parent {
        return Ok((before.clone(), before));
    }
    if placement == Placement::Check {
        crate::profiles::check_placement(tx, &before.level, &target.level).await?;
    }
    aggregates::shift_subtree(tx, id, -1).await?;
    // Cut the subtree from its old ancestors, then hang it under the new.
    on_ex!(tx, |e| sqlx::query(
        "DELETE FROM unit_closure
         WHERE descendant_id IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id = $1)
           AND ancestor_id NOT IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id = $1)"
    )
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    on_ex!(tx, |e| sqlx::query(
        "INSERT INTO unit_closure (ancestor_id, descendant_id, depth)
         SELECT a.ancestor_id, d.descendant_id, a.depth + d.depth + 1
         FROM unit_closure a, unit_closure d
         WHERE a.descendant_id = $1 AND d.ancestor_id = $2"
    )
    .bind(new_parent)
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    let delta = target.depth + 1 - before.depth;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE units SET depth = depth + $1
         WHERE id IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id = $2)"
    )
    .bind(delta)
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE units SET parent_id = $1, updated_at = $2 WHERE id = $3"
    )
    .bind(new_parent)
    .bind(now)
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| StoreError::from(e).conflict_on("name"))?;
    aggregates::shift_subtree(tx, id, 1).await?;
    // The subtree's people, units, articles and decisions have new units
    // on their path.
    crate::search::index_units(tx, &[id]).await?;
    crate::search::texts::index_under(tx, &[id]).await?;
    crate::study::resync_moved_subtree(
        tx,
        id,
        old_parent,
        new_parent,
        &now.date_naive().to_string(),
    )
    .await?;
    let after = Unit {
        parent_id: Some(new_parent),
        depth: target.depth + 1,
        ..before.clone()
    };
    Ok((before, after))
}

/// Open units inside `scope` that `id` could move under or merge into:
/// outside its own subtree, and not its current parent unless
/// `include_parent`; ordered like [`list`].
pub async fn move_targets(
    c: &mut impl DbConn,
    scope: &Scope<Manage>,
    id: UnitId,
    include_parent: bool,
    name: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<Unit>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM units u
         WHERE {} AND u.closed_at IS NULL
           AND u.id NOT IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id = $1)
           AND ($3 OR u.id <> (SELECT coalesce(parent_id, 0) FROM units WHERE id = $1))
           AND ($4 IS NULL OR lower(u.name) LIKE $4 ESCAPE '\\')
         ORDER BY u.depth, u.name, u.id LIMIT $2",
        unit_condition(scope, "u.id")
    );
    let pattern = name.map(contains_pattern);
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Unit>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(id)
    .bind(limit)
    .bind(include_parent)
    .bind(&pattern)
    .fetch_all(&mut *e)
    .await)?)
}

async fn exists_external_id(c: &mut impl DbConn, ext: &str) -> StoreResult<bool> {
    let n: i64 = on_ex!(c, |e| sqlx::query_scalar(
        "SELECT count(*) FROM units WHERE external_id = $1"
    )
    .bind(ext)
    .fetch_one(&mut *e)
    .await)?;
    Ok(n > 0)
}

/// Whether unit `id` is closed (or merged away). Unknown units read as
/// open; callers check existence through their scope.
pub async fn is_closed(c: &mut impl DbConn, id: UnitId) -> StoreResult<bool> {
    let n: i64 = on_ex!(c, |e| sqlx::query_scalar(
        "SELECT count(*) FROM units WHERE id = $1 AND closed_at IS NOT NULL"
    )
    .bind(id)
    .fetch_one(&mut *e)
    .await)?;
    Ok(n > 0)
}

/// Closed children of `id` inside `scope`, most recently closed first.
pub async fn closed_children(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    id: UnitId,
) -> StoreResult<Vec<Unit>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM units u
         WHERE u.parent_id = $1 AND u.closed_at IS NOT NULL AND {}
         ORDER BY u.closed_at DESC, u.id",
        unit_condition(scope, "u.id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Unit>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(id)
    .fetch_all(&mut *e)
    .await)?)
}

/// What still holds a unit open: closing requires all zeros.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CloseBlockers {
    /// Open child units.
    pub children: i64,
    /// People of the unit who have not left or transferred out.
    pub people: i64,
    /// Positions in the unit still held.
    pub positions: i64,
    /// Pending transfers from or to the unit.
    pub transfers: i64,
}

impl CloseBlockers {
    /// Whether nothing stops the close.
    pub fn is_clear(&self) -> bool {
        *self == CloseBlockers::default()
    }
}

/// What stops unit `id` from closing.
pub async fn close_blockers(c: &mut impl DbConn, id: UnitId) -> StoreResult<CloseBlockers> {
    let (children, people, positions, transfers): (i64, i64, i64, i64) =
        on_ex!(c, |e| sqlx::query_as(
            "SELECT
               (SELECT count(*) FROM units WHERE parent_id = $1 AND closed_at IS NULL),
               (SELECT count(*) FROM people WHERE unit_id = $1
                  AND status NOT IN ('left', 'transferred_out')),
               (SELECT count(*) FROM positions WHERE unit_id = $1 AND ended_on IS NULL),
               (SELECT count(*) FROM transfers WHERE state = 'pending'
                  AND (from_unit_id = $1 OR to_unit_id = $1))"
        )
        .bind(id)
        .fetch_one(&mut *e)
        .await)?;
    Ok(CloseBlockers {
        children,
        people,
        positions,
        transfers,
    })
}

/// Moves the people of `from` (with a history entry each) and its
/// positions still held to `into`, and their counters with them.
/// Returns the people moved and the number of positions.
async fn carry_over(
    tx: &mut Tx,
    from: UnitId,
    into: UnitId,
    actor: &str,
    now: DateTime<Utc>,
    features: &Features,
) -> StoreResult<(Vec<i64>, u64)> {
    // The unit's own counts of rows that follow it (people, positions,
    // skills, plans) change unit; its history (meetings held, attendance,
    // commendations, receipts) stays with it, inside the parent's subtree
    // all the same.
    let own: Vec<(String, i64)> = on_ex!(tx, |e| sqlx::query_as(
        "SELECT metric, own FROM unit_aggregates WHERE unit_id = $1 AND own <> 0"
    )
    .bind(from)
    .fetch_all(&mut *e)
    .await)?;
    let own: Vec<(String, i64)> = own
        .into_iter()
        .filter(|(metric, _)| features.follows_rows(metric))
        .collect();
    for (metric, n) in &own {
        aggregates::add(tx, from, metric, -n).await?;
        aggregates::add(tx, into, metric, *n).await?;
    }
    on_ex!(tx, |e| sqlx::query(
        "INSERT INTO person_status_history (person_id, status, unit_id, changed_at, changed_by)
         SELECT id, status, $2, $3, $4 FROM people WHERE unit_id = $1"
    )
    .bind(from)
    .bind(into)
    .bind(now)
    .bind(actor)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    let moved: Vec<i64> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT id FROM people WHERE unit_id = $1"
    )
    .bind(from)
    .fetch_all(&mut *e)
    .await)?;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE people SET unit_id = $2, updated_at = $3 WHERE unit_id = $1"
    )
    .bind(from)
    .bind(into)
    .bind(now)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    crate::search::index_people(tx, &moved).await?;
    let positions = on_ex!(tx, |e| sqlx::query(
        "UPDATE positions SET unit_id = $2 WHERE unit_id = $1 AND ended_on IS NULL"
    )
    .bind(from)
    .bind(into)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    // Every feature's rows that go along.
    for hook in features.unit_ends {
        (hook.run)(tx, from, into, now).await?;
    }
    // People now in another subtree: their open study follows them.
    let today = now.date_naive().to_string();
    for person in &moved {
        crate::study::resync_person(tx, *person, &today).await?;
    }
    Ok((moved, positions))
}

/// Role grants and API tokens that ended because their unit closed.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct EndedGrants {
    /// Role assignments removed: (account id, role, scope).
    pub roles: Vec<(i64, String, String)>,
    /// API tokens revoked.
    pub tokens: u64,
    /// Accounts whose home unit moved (to the surviving unit or parent).
    pub accounts: u64,
}

/// Removes the role grants at `id`, revokes its API tokens and moves the
/// accounts at home there to `new_home`.
async fn end_grants(
    tx: &mut Tx,
    id: UnitId,
    new_home: UnitId,
    now: DateTime<Utc>,
) -> StoreResult<EndedGrants> {
    let roles: Vec<(i64, String, String)> = on_ex!(tx, |e| sqlx::query_as(
        "SELECT account_id, role, scope FROM role_assignments WHERE unit_id = $1
         ORDER BY account_id, role"
    )
    .bind(id)
    .fetch_all(&mut *e)
    .await)?;
    on_ex!(tx, |e| sqlx::query(
        "DELETE FROM role_assignments WHERE unit_id = $1"
    )
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    let tokens = on_ex!(tx, |e| sqlx::query(
        "UPDATE api_tokens SET revoked_at = $2 WHERE unit_id = $1 AND revoked_at IS NULL"
    )
    .bind(id)
    .bind(now)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    let accounts = on_ex!(tx, |e| sqlx::query(
        "UPDATE accounts SET home_unit_id = $2, updated_at = $3 WHERE home_unit_id = $1"
    )
    .bind(id)
    .bind(new_home)
    .bind(now)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(EndedGrants {
        roles,
        tokens,
        accounts,
    })
}

async fn mark_closed(
    tx: &mut Tx,
    unit: &Unit,
    merged_into: Option<UnitId>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    on_ex!(tx, |e| sqlx::query(
        "UPDATE units SET closed_at = $2, merged_into_id = $3, updated_at = $2 WHERE id = $1"
    )
    .bind(unit.id)
    .bind(now)
    .bind(merged_into)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    // Closed after its positions ended, so every lead seat is open: the
    // unit leaves the counters as it entered them.
    count_unit(tx, unit.id, &unit.level, -1).await
}

/// Closes unit `id` (inside `scope`, not the root). The caller has checked
/// [`close_blockers`] in the same transaction. The records of people who
/// left move to the parent, its role grants end and its accounts move to
/// the parent.
pub async fn close(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    id: UnitId,
    actor: &str,
    now: DateTime<Utc>,
    features: &Features,
) -> StoreResult<(Unit, EndedGrants)> {
    let unit = get(tx, scope, id).await?;
    let parent = unit.parent_id.ok_or(StoreError::Conflict { field: "id" })?;
    if unit.closed_at.is_some() {
        return Err(StoreError::Conflict { field: "id" });
    }
    // Records of people who left go up with the rest of the history.
    carry_over(tx, id, parent, actor, now, features).await?;
    let ended = end_grants(tx, id, parent, now).await?;
    mark_closed(tx, &unit, None, now).await?;
    let after = get(tx, scope, id).await?;
    Ok((after, ended))
}

/// What a merge carried over to the surviving unit.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct MergeOutcome {
    /// Open child units moved under the surviving unit.
    pub children: u64,
    /// People moved.
    pub people: u64,
    /// Positions still held, now positions of the surviving unit.
    pub positions: u64,
    /// Positions elsewhere that ended because their holder left that
    /// unit's subtree.
    pub positions_ended: u64,
    /// Pending transfers redirected.
    pub transfers_redirected: u64,
    /// Pending transfers between the two units, cancelled.
    pub transfers_cancelled: u64,
    /// Grants that ended with the merged unit.
    pub grants: EndedGrants,
}

/// Merges unit `from` into `into`, both inside `scope` and open: open
/// children, people (with a history entry each), positions still held and
/// pending transfers move to `into`; records of the past (ended positions,
/// closed children, history) stay with `from`, which is closed with a
/// pointer to `into`. Every counter follows in the caller's transaction.
pub async fn merge(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    from: UnitId,
    into: UnitId,
    actor: &str,
    now: DateTime<Utc>,
    features: &Features,
) -> StoreResult<(Unit, MergeOutcome)> {
    let source = get(tx, scope, from).await?;
    let target = get(tx, scope, into).await?;
    if source.parent_id.is_none() || source.closed_at.is_some() {
        return Err(StoreError::Conflict { field: "id" });
    }
    if target.closed_at.is_some() || is_within(tx, from, into).await? {
        return Err(StoreError::Conflict { field: "into_id" });
    }
    let mut out = MergeOutcome::default();
    let children: Vec<i64> = on_ex!(tx, |e| sqlx::query_scalar(
        "SELECT id FROM units WHERE parent_id = $1 AND closed_at IS NULL ORDER BY id"
    )
    .bind(from)
    .fetch_all(&mut *e)
    .await)?;
    for child in &children {
        move_to(tx, scope, *child, into, now).await?;
    }
    out.children = children.len() as u64;
    // The merged unit's lead seats end with it: the surviving unit keeps
    // its own party, administrative and technical heads.
    let today = now.date_naive().format("%Y-%m-%d").to_string();
    let leads: Vec<(i64, i64)> = on_ex!(tx, |e| {
        sqlx::query_as(
        "SELECT p.id, p.person_id FROM positions p JOIN position_types t ON t.id = p.position_type_id
         WHERE p.unit_id = $1 AND p.ended_on IS NULL AND t.lead IS NOT NULL"
    )
    .bind(from)
    .fetch_all(&mut *e)
    .await
    })?;
    for (position, _) in &leads {
        crate::positions::end_term(tx, *position, &today).await?;
    }
    out.positions_ended = leads.len() as u64;
    let (moved, positions) = carry_over(tx, from, into, actor, now, features).await?;
    out.people = moved.len() as u64;
    out.positions = positions;
    // A moved person's positions in units that no longer contain them end.
    for person in &moved {
        out.positions_ended += crate::positions::end_outside(tx, *person, into, &today).await?;
    }
    // Study tasks for holders of the positions that ended leave them.
    let mut holders: Vec<i64> = leads.iter().map(|(_, person)| *person).collect();
    holders.extend(&moved);
    holders.sort_unstable();
    holders.dedup();
    for person in holders {
        crate::study::resync_person(tx, person, &today).await?;
    }
    out.transfers_cancelled = on_ex!(tx, |e| {
        sqlx::query(
        "UPDATE transfers SET state = 'cancelled', closed_at = $3, closed_by = $4
         WHERE state = 'pending'
           AND ((from_unit_id = $1 AND to_unit_id = $2) OR (from_unit_id = $2 AND to_unit_id = $1))"
    )
    .bind(from)
    .bind(into)
    .bind(now)
    .bind(actor)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected())
    })?;
    let redirected_from = on_ex!(tx, |e| sqlx::query(
        "UPDATE transfers SET from_unit_id = $2 WHERE state = 'pending' AND from_unit_id = $1"
    )
    .bind(from)
    .bind(into)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    let redirected_to = on_ex!(tx, |e| sqlx::query(
        "UPDATE transfers SET to_unit_id = $2 WHERE state = 'pending' AND to_unit_id = $1"
    )
    .bind(from)
    .bind(into)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    out.transfers_redirected = redirected_from + redirected_to;
    out.grants = end_grants(tx, from, into, now).await?;
    mark_closed(tx, &source, Some(into), now).await?;
    let after = get(tx, scope, from).await?;
    Ok((after, out))
}

/// The open unit with external id `ext` inside `scope`.
pub async fn by_external_id<C: Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    ext: &str,
) -> StoreResult<Option<Unit>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM units u WHERE u.external_id = $1 AND {}",
        unit_condition(scope, "u.id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Unit>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(ext)
    .fetch_optional(&mut *e)
    .await)?)
}

/// A unit of a subtree with its parent's external id, for imports and
/// exports.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct IndexedUnit {
    /// The unit.
    #[sqlx(flatten)]
    pub unit: Unit,
    /// The parent's external id.
    pub parent_external_id: Option<String>,
}

/// Every unit in the subtree of `root` (open and closed) inside `scope`,
/// by depth and name.
pub async fn subtree_index<C: Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    root: UnitId,
) -> StoreResult<Vec<IndexedUnit>> {
    let sql = format!(
        "SELECT {COLUMNS}, pu.external_id AS parent_external_id
         FROM unit_closure c JOIN units u ON u.id = c.descendant_id
         LEFT JOIN units pu ON pu.id = u.parent_id
         WHERE c.ancestor_id = $1 AND {}
         ORDER BY u.depth, u.name, u.id",
        unit_condition(scope, "u.id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, IndexedUnit>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(root)
    .fetch_all(&mut *e)
    .await)?)
}

/// Which of `ids` are external ids of some unit, anywhere (an import must
/// not reuse them; nothing else about those units is revealed).
pub async fn external_ids_taken(
    c: &mut impl DbConn,
    ids: &[String],
) -> StoreResult<std::collections::HashSet<String>> {
    let mut out = std::collections::HashSet::new();
    for chunk in ids.chunks(500) {
        let marks = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("SELECT external_id FROM units WHERE external_id IN ({marks})");
        let rows: Vec<String> = on_ex!(c, |e| {
            let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
            for id in chunk {
                q = q.bind(id);
            }
            q.fetch_all(&mut *e).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}

/// Changes the level of a unit inside `scope`, moving it between the cell
/// counters when the level's kind changes.
pub async fn set_level(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    id: UnitId,
    level: &str,
    now: DateTime<Utc>,
    placement: Placement,
) -> StoreResult<()> {
    let unit = get(tx, scope, id).await?;
    if unit.level == level {
        return Ok(());
    }
    let was = crate::profiles::kind_of(tx, &unit.level).await?;
    let will = crate::profiles::kind_of(tx, level).await?;
    let was_cell = was.as_deref() == Some("cell");
    let is_cell = will.as_deref() == Some("cell");
    if unit.closed_at.is_none() && was.as_deref() == Some("primary") && will != was {
        count_seats(tx, id, -1).await?;
    }
    on_ex!(tx, |e| sqlx::query(
        "UPDATE units SET level = $1, updated_at = $2 WHERE id = $3"
    )
    .bind(level)
    .bind(now)
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    if unit.closed_at.is_none() && placement == Placement::Check {
        // The unit under its parent, its children under it, as changed;
        // a refusal leaves the caller's transaction to roll back.
        check_placements(tx, &[], &[id]).await?;
    }
    if unit.closed_at.is_none() && was_cell != is_cell {
        aggregates::add(tx, id, aggregates::CELLS, if is_cell { 1 } else { -1 }).await?;
    }
    if unit.closed_at.is_none() && will.as_deref() == Some("primary") && will != was {
        count_seats(tx, id, 1).await?;
    }
    if unit.closed_at.is_none() {
        crate::meetings::regularity::untrack_unit(tx, id).await?;
        crate::meetings::regularity::track_unit(tx, id, level, &now.date_naive().to_string())
            .await?;
        crate::safety::schedules::track_units(tx, &[id], now.date_naive()).await?;
        // Its people may now be in or out of a study task for some levels.
        let today = now.date_naive().to_string();
        if crate::study::open_narrowed(tx, &today, crate::study::Narrowed::ByLevel).await? {
            let people: Vec<i64> = on_ex!(tx, |e| sqlx::query_scalar(
                "SELECT id FROM people WHERE unit_id = $1 ORDER BY id"
            )
            .bind(id)
            .fetch_all(&mut *e)
            .await)?;
            for person in people {
                crate::study::resync_person(tx, person, &today).await?;
            }
        }
    }
    Ok(())
}

/// The check deferred with [`Placement::Deferred`]: refuses unless each
/// open unit of `moved` may sit under its parent by the active profile,
/// and each of `relevelled` under its parent with its open children under
/// it. Placements nothing changed are not judged (a tree older than the
/// rules keeps working).
pub async fn check_placements(
    tx: &mut Tx,
    moved: &[UnitId],
    relevelled: &[UnitId],
) -> StoreResult<()> {
    let levels = crate::profiles::active(tx).await?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (ids, which) in [
        (moved, "u.id"),
        (relevelled, "u.id"),
        (relevelled, "u.parent_id"),
    ] {
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT DISTINCT u.level, p.level FROM units u JOIN units p ON p.id = u.parent_id
                 WHERE u.closed_at IS NULL AND {which} IN ({})",
                crate::tree::join(chunk)
            );
            let mut found: Vec<(String, String)> =
                on_ex!(tx, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                    .fetch_all(&mut *e)
                    .await)?;
            pairs.append(&mut found);
        }
    }
    for (child, parent) in pairs {
        crate::profiles::require_placement(&levels, &child, &parent)?;
    }
    Ok(())
}

/// Sets or clears the external id of a unit inside `scope`; returns the
/// unit before and after. An id another unit carries is a conflict.
pub async fn set_external_id(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    id: UnitId,
    external_id: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<(Unit, Unit)> {
    let before = get(tx, scope, id).await?;
    if before.external_id.as_deref() == external_id {
        return Ok((before.clone(), before));
    }
    on_ex!(tx, |e| sqlx::query(
        "UPDATE units SET external_id = $1, updated_at = $2 WHERE id = $3"
    )
    .bind(external_id)
    .bind(now)
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| StoreError::from(e).conflict_on("external_id"))?;
    let after = Unit {
        external_id: external_id.map(str::to_string),
        ..before.clone()
    };
    Ok((before, after))
}

/// Positions that merging `from` into `into` would end (held by people of
/// `from` in units that do not contain `into`) and that lie outside
/// `scope`: a merge must not end what its author does not manage.
pub async fn merge_ends_outside(
    c: &mut impl DbConn,
    scope: &Scope<Manage>,
    from: UnitId,
    into: UnitId,
) -> StoreResult<i64> {
    let sql = format!(
        "SELECT count(*) FROM positions p JOIN people pe ON pe.id = p.person_id
         WHERE pe.unit_id = $1 AND p.ended_on IS NULL AND p.unit_id <> $1
           AND p.unit_id NOT IN (SELECT ancestor_id FROM unit_closure WHERE descendant_id = $2)
           AND NOT {}",
        unit_condition(scope, "p.unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(from)
    .bind(into)
    .fetch_one(&mut *e)
    .await)?)
}

/// Counter family: Open units and cells in each subtree; they leave the counters when they close.
pub const COUNTERS: crate::aggregates::CounterFamily = crate::aggregates::CounterFamily {
    name: "units",
    metrics: &["units", "cells"],
    follows_rows: false,
    recompute_sql: "SELECT c.ancestor_id, 'units',
                sum(CASE WHEN c.descendant_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
         FROM unit_closure c JOIN units d ON d.id = c.descendant_id
         WHERE d.closed_at IS NULL GROUP BY c.ancestor_id
         UNION ALL
         SELECT c.ancestor_id, 'cells',
                sum(CASE WHEN c.descendant_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
         FROM unit_closure c JOIN units d ON d.id = c.descendant_id
         JOIN unit_levels l ON l.key = d.level
         WHERE d.closed_at IS NULL AND l.kind = 'cell' GROUP BY c.ancestor_id",
};
