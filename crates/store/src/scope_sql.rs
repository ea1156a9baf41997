//! Renders a [`Scope`] as an SQL condition. Scopes hold only integer unit
//! ids, so the condition is built from numbers alone and needs no binding.

use std::fmt::Write;

use grassroots_core::{Capability, Scope};

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
    c: &mut impl crate::DbConn,
    scope: &Scope<C>,
    unit_id: grassroots_core::UnitId,
    column: &str,
) -> crate::StoreResult<String> {
    if scope.subtree_roots().is_empty() {
        return Ok(unit_condition(scope, column));
    }
    let path = crate::units::ancestor_ids(c, unit_id).await?;
    Ok(if scope.covers_subtree_of(&path) {
        "1 = 1".to_string()
    } else {
        unit_condition(scope, column)
    })
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
