//! The unit tree's primitives that every feature builds on: a [`Scope`]
//! rendered as an SQL condition, and questions answered by the closure
//! table (ancestors, containment). Nothing here knows any feature, so
//! every feature may use it.
//!
//! Scopes hold only integer unit ids, so their conditions are built from
//! numbers alone and need no binding.

use std::fmt::Write;

use grassroots_core::{Capability, Scope, UnitId};

use crate::{DbConn, StoreError, StoreResult, on_ex};

/// An SQL condition true exactly for rows whose `column` (a unit id) lies
/// inside `scope`: granted alone, or below a granted subtree root (through
/// the closure table, an indexed lookup). An empty scope yields `1 = 0`.
///
/// The subtree test is a correlated `EXISTS` on the closure table's
/// (descendant, ancestor) index: one index probe per row. An uncorrelated
/// `IN (SELECT descendant …)` would make SQLite build the whole subtree
/// of the grant first, on every statement: the cost of one row read would
/// grow with the size of the reader's subtree.
pub fn unit_condition<C: Capability>(scope: &Scope<C>, column: &str) -> String {
    let mut parts = Vec::new();
    if !scope.single_units().is_empty() {
        parts.push(format!("{column} IN ({})", join(scope.single_units())));
    }
    if !scope.subtree_roots().is_empty() {
        parts.push(format!(
            "EXISTS (SELECT 1 FROM unit_closure sc WHERE sc.descendant_id = {column} AND sc.ancestor_id IN ({}))",
            join(scope.subtree_roots())
        ));
    }
    if parts.is_empty() {
        "1 = 0".to_string()
    } else {
        format!("({})", parts.join(" OR "))
    }
}

/// The scope condition for rows of `column` lying below `unit_id`: none
/// (`1 = 1`) when `scope` holds the whole subtree of `unit_id`, since every
/// such row is then inside it; otherwise [`unit_condition`]. A second
/// closure probe that filters nothing still costs one index lookup per
/// row, and PostgreSQL counts it as narrowing the rows once more: for a
/// provincial secretary's own province it then walked the whole province
/// instead of paging through an index.
pub(crate) async fn condition_below<C: Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    unit_id: UnitId,
    column: &str,
) -> StoreResult<String> {
    if scope.subtree_roots().is_empty() {
        return Ok(unit_condition(scope, column));
    }
    let path = ancestor_ids(c, unit_id).await?;
    Ok(condition_below_path(scope, &path, column))
}

/// [`condition_below`] for the unit whose [`ancestor_ids`] the caller
/// already holds (`path`, the unit first).
pub(crate) fn condition_below_path<C: Capability>(
    scope: &Scope<C>,
    path: &[UnitId],
    column: &str,
) -> String {
    if !scope.subtree_roots().is_empty() && scope.covers_subtree_of(path) {
        "1 = 1".to_string()
    } else {
        unit_condition(scope, column)
    }
}

/// Integer ids as a comma-separated SQL list (integers only, never text).
pub(crate) fn join(ids: &[i64]) -> String {
    let mut s = String::new();
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{id}");
    }
    s
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

/// Whether every unit of `ids` lies inside `scope`: one statement per
/// few hundred units (bulk writes check their units this way).
pub async fn all_in_scope<C: Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    ids: &[UnitId],
) -> StoreResult<bool> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT count(*) FROM units u WHERE u.id IN ({}) AND {}",
            join(chunk),
            unit_condition(scope, "u.id")
        );
        let n: i64 = on_ex!(c, |e| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
            .fetch_one(&mut *e)
            .await)?;
        if n != chunk.len() as i64 {
            return Ok(false);
        }
    }
    Ok(true)
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

/// Not found unless `unit` lies in `scope` (a record of a unit outside the
/// reader's scope is indistinguishable from one that does not exist).
pub async fn require_in<C: Capability>(
    c: &mut impl DbConn,
    scope: &Scope<C>,
    unit: UnitId,
) -> StoreResult<()> {
    if in_scope(c, scope, unit).await? {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// The parent of a unit, if any (none for the top or an unknown unit).
pub async fn parent_of(c: &mut impl DbConn, id: UnitId) -> StoreResult<Option<UnitId>> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT parent_id FROM units WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .flatten())
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

#[cfg(test)]
mod tests {
    use super::*;
    use grassroots_core::{Assignment, Principal, Read, Role, ScopeKind};

    #[test]
    fn empty_scope_matches_nothing() {
        let p = Principal::new(1, vec![]);
        assert_eq!(unit_condition(&p.scope::<Read>(), "u.id"), "1 = 0");
    }

    #[test]
    fn renders_units_and_subtrees() {
        let p = Principal::new(
            1,
            vec![
                Assignment {
                    role: Role::Viewer,
                    unit_id: 4,
                    scope: ScopeKind::Unit,
                },
                Assignment {
                    role: Role::Staff,
                    unit_id: 9,
                    scope: ScopeKind::Subtree,
                },
            ],
        );
        let sql = unit_condition(&p.scope::<Read>(), "u.id");
        assert!(sql.contains("u.id IN (4)"));
        assert!(sql.contains("ancestor_id IN (9)"));
    }
}
