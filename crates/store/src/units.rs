//! The unit tree, with a closure table kept in the same transaction as
//! every change so that subtree questions are indexed lookups.

use chrono::{DateTime, Utc};
use grassroots_core::{Capability, Manage, Read, Scope, UnitId};
use serde::Serialize;

use crate::aggregates;
use crate::scope_sql::unit_condition;
use crate::{DbConn, StoreError, StoreResult, Tx, on_ex};

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

const COLUMNS: &str = "u.id, u.parent_id, u.name, u.level, u.depth";

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
    count_new_unit(tx, id, level).await?;
    Ok(Unit {
        id,
        parent_id: None,
        name: name.to_string(),
        level: level.to_string(),
        depth: 0,
    })
}

async fn count_new_unit(tx: &mut Tx, id: UnitId, level: &str) -> StoreResult<()> {
    aggregates::add(tx, id, aggregates::UNITS, 1).await?;
    if level == "cell" {
        aggregates::add(tx, id, aggregates::CELLS, 1).await?;
    }
    Ok(())
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

/// Creates a child of `parent_id`, which must lie inside `scope`.
pub async fn create_child(
    tx: &mut Tx,
    scope: &Scope<Manage>,
    parent_id: UnitId,
    name: &str,
    level: &str,
    now: DateTime<Utc>,
) -> StoreResult<Unit> {
    let parent = get(tx, scope, parent_id).await?;
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO units (parent_id, name, level, depth, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id"
    )
    .bind(parent.id)
    .bind(name)
    .bind(level)
    .bind(parent.depth + 1)
    .bind(now)
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
    count_new_unit(tx, id, level).await?;
    Ok(Unit {
        id,
        parent_id: Some(parent.id),
        name: name.to_string(),
        level: level.to_string(),
        depth: parent.depth + 1,
    })
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

/// Whether `id` lies inside `scope` (an indexed lookup).
pub async fn in_scope<C: Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    id: UnitId,
) -> StoreResult<bool> {
    let sql = format!(
        "SELECT count(*) FROM units u WHERE u.id = $1 AND {}",
        unit_condition(scope, "u.id")
    );
    let n: i64 = on_ex!(c, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_one(&mut *e)
        .await)?;
    Ok(n > 0)
}

/// The ids of `id` and all its ancestors, nearest first. Used to evaluate
/// policy decisions about a unit; reveals no names.
pub async fn ancestor_ids(c: &mut impl DbConn, id: UnitId) -> StoreResult<Vec<UnitId>> {
    let ids: Vec<i64> = on_ex!(c, |e| sqlx::query_scalar(
        "SELECT ancestor_id FROM unit_closure WHERE descendant_id = $1 ORDER BY depth"
    )
    .bind(id)
    .fetch_all(&mut *e)
    .await)?;
    if ids.is_empty() {
        return Err(StoreError::NotFound);
    }
    Ok(ids)
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
    let rows: Vec<(i64, Option<i64>, String, String, i32, i32)> =
        on_ex!(c, |e| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(id)
            .fetch_all(&mut *e)
            .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, parent_id, name, level, depth, readable)| {
            (
                Unit {
                    id,
                    parent_id,
                    name,
                    level,
                    depth,
                },
                readable == 1,
            )
        })
        .collect())
}

/// Children of `id` that lie inside `scope`, by name.
pub async fn children(
    c: &mut impl DbConn,
    scope: &Scope<Read>,
    id: UnitId,
) -> StoreResult<Vec<UnitListing>> {
    // Only children the reader may see are counted.
    let sql = format!(
        "SELECT u.id, u.name, u.level,
                (SELECT count(*) FROM units k WHERE k.parent_id = u.id AND {}) AS child_count
         FROM units u WHERE u.parent_id = $1 AND {} ORDER BY u.name, u.id",
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

/// The topmost units of a scope: those inside it whose parent is not.
/// These are where a reader's navigation starts.
pub async fn scope_tops(c: &mut impl DbConn, scope: &Scope<Read>) -> StoreResult<Vec<UnitListing>> {
    let inside = unit_condition(scope, "u.id");
    let parent_inside = unit_condition(scope, "u.parent_id");
    let child_inside = unit_condition(scope, "k.id");
    let sql = format!(
        "SELECT u.id, u.name, u.level,
                (SELECT count(*) FROM units k WHERE k.parent_id = u.id AND {child_inside}) AS child_count
         FROM units u WHERE {inside} AND (u.parent_id IS NULL OR NOT {parent_inside})
         ORDER BY u.depth, u.name, u.id"
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, UnitListing>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .fetch_all(&mut *e)
    .await)?)
}

/// Every unit inside `scope`, ordered by depth then name, paginated.
pub async fn list<C: Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<Unit>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM units u WHERE {} ORDER BY u.depth, u.name, u.id LIMIT $1 OFFSET $2",
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

/// Whether `unit` lies in the subtree of `root` (or is `root`).
pub async fn is_within(c: &mut impl DbConn, root: UnitId, unit: UnitId) -> StoreResult<bool> {
    let n: i64 = on_ex!(c, |e| sqlx::query_scalar(
        "SELECT count(*) FROM unit_closure WHERE ancestor_id = $1 AND descendant_id = $2"
    )
    .bind(root)
    .bind(unit)
    .fetch_one(&mut *e)
    .await)?;
    Ok(n > 0)
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
    let before = get(tx, scope, id).await?;
    let old_parent = before
        .parent_id
        .ok_or(StoreError::Conflict { field: "parent_id" })?;
    get(tx, scope, old_parent).await?;
    let target = get(tx, scope, new_parent).await?;
    if is_within(tx, id, new_parent).await? {
        return Err(StoreError::Conflict { field: "parent_id" });
    }
    if old_parent == new_parent {
        return Ok((before.clone(), before));
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
    let after = Unit {
        parent_id: Some(new_parent),
        depth: target.depth + 1,
        ..before.clone()
    };
    Ok((before, after))
}

/// Units inside `scope` that `id` could move under: outside its own
/// subtree and not its current parent, ordered like [`list`].
pub async fn move_targets(
    c: &mut impl DbConn,
    scope: &Scope<Manage>,
    id: UnitId,
    limit: i64,
) -> StoreResult<Vec<Unit>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM units u
         WHERE {} AND u.id NOT IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id = $1)
           AND u.id <> (SELECT coalesce(parent_id, 0) FROM units WHERE id = $1)
         ORDER BY u.depth, u.name, u.id LIMIT $2",
        unit_condition(scope, "u.id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Unit>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(id)
    .bind(limit)
    .fetch_all(&mut *e)
    .await)?)
}
