//! The authorization policy.
//!
//! A role is assigned to an account at a unit, either for that unit alone or
//! for the unit and everything below it. A [`Scope`] is the set of units in
//! which a principal holds a capability; it can only be made here, by
//! [`Principal::scope`], and every store function that reads or writes
//! organization data takes one. A principal without assignments gets an
//! empty scope and sees nothing: the policy fails closed.

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use crate::{AccountId, UnitId};

/// Roles, from the most to the least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Accounts, roles, configuration and the audit log, plus everything a
    /// secretary may do.
    Administrator,
    /// Manages the unit: creates and renames units, manages its records.
    Secretary,
    /// Edits records of the unit.
    Staff,
    /// Reads the unit's records.
    Viewer,
    /// Sees only their own record.
    Member,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 5] = [
        Role::Administrator,
        Role::Secretary,
        Role::Staff,
        Role::Viewer,
        Role::Member,
    ];

    /// Position in the ordering; a higher rank includes every lower one.
    pub fn rank(self) -> u8 {
        match self {
            Role::Administrator => 4,
            Role::Secretary => 3,
            Role::Staff => 2,
            Role::Viewer => 1,
            Role::Member => 0,
        }
    }

    /// Stable name used in the database, the API and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Secretary => "secretary",
            Role::Staff => "staff",
            Role::Viewer => "viewer",
            Role::Member => "member",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// How far below its unit an assignment reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScopeKind {
    /// The unit alone.
    Unit,
    /// The unit and every unit below it.
    Subtree,
}

impl ScopeKind {
    /// Stable name used in the database, the API and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Unit => "unit",
            ScopeKind::Subtree => "subtree",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<ScopeKind> {
        match s {
            "unit" => Some(ScopeKind::Unit),
            "subtree" => Some(ScopeKind::Subtree),
            _ => None,
        }
    }
}

/// One role held at one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Assignment {
    /// The role held.
    pub role: Role,
    /// Where it is held.
    pub unit_id: UnitId,
    /// Whether it reaches below the unit.
    pub scope: ScopeKind,
}

mod sealed {
    pub trait Sealed {}
}

/// A capability that a scope grants. Sealed: the set is fixed here.
pub trait Capability: sealed::Sealed {
    /// The least role that carries this capability.
    const MIN_ROLE: Role;
}

/// Read the records of a unit.
#[derive(Debug, Clone, Copy)]
pub struct Read;
/// Edit the records of a unit.
#[derive(Debug, Clone, Copy)]
pub struct Edit;
/// Manage a unit: create and rename units, manage positions.
#[derive(Debug, Clone, Copy)]
pub struct Manage;
/// Administer: accounts, role assignments, API tokens of others, audit log.
#[derive(Debug, Clone, Copy)]
pub struct Administer;

impl sealed::Sealed for Read {}
impl sealed::Sealed for Edit {}
impl sealed::Sealed for Manage {}
impl sealed::Sealed for Administer {}
impl Capability for Read {
    const MIN_ROLE: Role = Role::Viewer;
}
impl Capability for Edit {
    const MIN_ROLE: Role = Role::Staff;
}
impl Capability for Manage {
    const MIN_ROLE: Role = Role::Secretary;
}
impl Capability for Administer {
    const MIN_ROLE: Role = Role::Administrator;
}

/// The authenticated actor of a request: an account and the assignments in
/// force for this request (all of the account's, or only an API token's).
#[derive(Debug, Clone)]
pub struct Principal {
    account_id: AccountId,
    assignments: Vec<Assignment>,
    through_token: bool,
}

impl Principal {
    /// Builds a principal from the account's current assignments.
    pub fn new(account_id: AccountId, assignments: Vec<Assignment>) -> Self {
        Self {
            account_id,
            assignments,
            through_token: false,
        }
    }

    /// A principal acting through an API token carrying `grant`. The token
    /// keeps its power only while the account still holds an assignment
    /// that covers the grant; otherwise it has none.
    pub fn through_token(
        account_id: AccountId,
        account_assignments: &[Assignment],
        grant: Assignment,
        grant_unit_path: &[UnitId],
    ) -> Self {
        let owner = Principal::new(account_id, account_assignments.to_vec());
        let assignments = if owner.covers(&grant, grant_unit_path) {
            vec![grant]
        } else {
            Vec::new()
        };
        Self {
            account_id,
            assignments,
            through_token: true,
        }
    }

    /// Whether the request carries an API token: its power is the token's
    /// grant alone, never what the account may do as a person (owning a
    /// target, belonging to a unit).
    pub fn is_token(&self) -> bool {
        self.through_token
    }

    /// The acting account.
    pub fn account_id(&self) -> AccountId {
        self.account_id
    }

    /// The assignments in force.
    pub fn assignments(&self) -> &[Assignment] {
        &self.assignments
    }

    /// The units in which this principal holds capability `C`.
    pub fn scope<C: Capability>(&self) -> Scope<C> {
        let mut units = Vec::new();
        let mut subtrees = Vec::new();
        for a in &self.assignments {
            if a.role.rank() < C::MIN_ROLE.rank() {
                continue;
            }
            match a.scope {
                ScopeKind::Unit => units.push(a.unit_id),
                ScopeKind::Subtree => subtrees.push(a.unit_id),
            }
        }
        units.sort_unstable();
        units.dedup();
        subtrees.sort_unstable();
        subtrees.dedup();
        Scope {
            account_id: self.account_id,
            units,
            subtrees,
            _capability: PhantomData,
        }
    }

    /// Whether this principal's own assignments include `grant`: an
    /// assignment of at least the same role at the same unit (a subtree
    /// grant needs a subtree assignment), or a subtree assignment above it.
    /// `grant_unit_path` lists the grant's unit and its ancestors.
    pub fn covers(&self, grant: &Assignment, grant_unit_path: &[UnitId]) -> bool {
        self.assignments.iter().any(|own| {
            own.role.rank() >= grant.role.rank()
                && match own.scope {
                    ScopeKind::Subtree => grant_unit_path.contains(&own.unit_id),
                    ScopeKind::Unit => {
                        own.unit_id == grant.unit_id && grant.scope == ScopeKind::Unit
                    }
                }
        })
    }

    /// Whether this principal may assign `grant` to someone: it must
    /// administer the unit, and for a subtree grant, the whole subtree.
    pub fn may_assign(&self, grant: &Assignment, grant_unit_path: &[UnitId]) -> bool {
        let admin = self.scope::<Administer>();
        match grant.scope {
            ScopeKind::Unit => admin.allows(grant.unit_id, grant_unit_path),
            ScopeKind::Subtree => admin.covers_subtree_of(grant_unit_path),
        }
    }
}

/// The set of units in which a principal holds capability `C`. Only
/// [`Principal::scope`] can make one.
#[derive(Debug, Clone)]
pub struct Scope<C> {
    account_id: AccountId,
    units: Vec<UnitId>,
    subtrees: Vec<UnitId>,
    _capability: PhantomData<C>,
}

impl<C: Capability> Scope<C> {
    /// The account this scope was made for (the audit actor).
    pub fn account_id(&self) -> AccountId {
        self.account_id
    }

    /// True when the scope contains no unit at all.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty() && self.subtrees.is_empty()
    }

    /// Units granted alone (without their descendants).
    pub fn single_units(&self) -> &[UnitId] {
        &self.units
    }

    /// Roots of subtrees granted whole.
    pub fn subtree_roots(&self) -> &[UnitId] {
        &self.subtrees
    }

    /// Whether `unit` is in the scope, given `path`: the unit and all its
    /// ancestors (in any order).
    pub fn allows(&self, unit: UnitId, path: &[UnitId]) -> bool {
        self.units.contains(&unit) || path.iter().any(|a| self.subtrees.contains(a))
    }

    /// Whether the whole subtree under the unit whose `path` is given is in
    /// the scope.
    pub fn covers_subtree_of(&self, path: &[UnitId]) -> bool {
        path.iter().any(|a| self.subtrees.contains(a))
    }

    /// A weaker capability of the same scope. Narrowing is always safe.
    pub fn as_read(&self) -> Scope<Read> {
        Scope {
            account_id: self.account_id,
            units: self.units.clone(),
            subtrees: self.subtrees.clone(),
            _capability: PhantomData,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn a(role: Role, unit_id: UnitId, scope: ScopeKind) -> Assignment {
        Assignment {
            role,
            unit_id,
            scope,
        }
    }

    #[test]
    fn no_assignment_sees_nothing() {
        let p = Principal::new(1, vec![]);
        assert!(p.scope::<Read>().is_empty());
        assert!(!p.scope::<Read>().allows(1, &[1]));
    }

    #[test]
    fn member_role_grants_no_unit_capability() {
        let p = Principal::new(1, vec![a(Role::Member, 1, ScopeKind::Subtree)]);
        assert!(p.scope::<Read>().is_empty());
    }

    #[test]
    fn roles_map_to_capabilities() {
        let p = Principal::new(1, vec![a(Role::Staff, 5, ScopeKind::Unit)]);
        assert!(p.scope::<Read>().allows(5, &[1, 5]));
        assert!(p.scope::<Edit>().allows(5, &[1, 5]));
        assert!(!p.scope::<Manage>().allows(5, &[1, 5]));
        assert!(!p.scope::<Administer>().allows(5, &[1, 5]));
        // Unit scope does not reach the child.
        assert!(!p.scope::<Read>().allows(6, &[1, 5, 6]));
    }

    #[test]
    fn tokens_lose_power_with_their_owner() {
        let grant = a(Role::Viewer, 5, ScopeKind::Subtree);
        let owner = [a(Role::Secretary, 1, ScopeKind::Subtree)];
        let p = Principal::through_token(7, &owner, grant, &[1, 5]);
        assert_eq!(p.assignments(), &[grant]);
        let p = Principal::through_token(7, &[], grant, &[1, 5]);
        assert!(p.scope::<Read>().is_empty());
        // A unit-only assignment does not cover a subtree grant.
        let owner = [a(Role::Secretary, 5, ScopeKind::Unit)];
        let p = Principal::through_token(7, &owner, grant, &[1, 5]);
        assert!(p.assignments().is_empty());
    }

    #[test]
    fn assigning_needs_administration_of_the_whole_grant() {
        let admin = Principal::new(1, vec![a(Role::Administrator, 5, ScopeKind::Unit)]);
        assert!(admin.may_assign(&a(Role::Viewer, 5, ScopeKind::Unit), &[1, 5]));
        assert!(!admin.may_assign(&a(Role::Viewer, 5, ScopeKind::Subtree), &[1, 5]));
        assert!(!admin.may_assign(&a(Role::Viewer, 6, ScopeKind::Unit), &[1, 5, 6]));
        let sec = Principal::new(1, vec![a(Role::Secretary, 1, ScopeKind::Subtree)]);
        assert!(!sec.may_assign(&a(Role::Viewer, 5, ScopeKind::Unit), &[1, 5]));
    }

    /// A random tree: parent[i] < i for i > 0, unit 0 is the root.
    fn tree_strategy() -> impl Strategy<Value = Vec<usize>> {
        (2usize..40).prop_flat_map(|n| {
            (1..n)
                .map(|i| 0..i)
                .collect::<Vec<_>>()
                .prop_map(|parents| {
                    let mut v = vec![0];
                    v.extend(parents);
                    v
                })
        })
    }

    fn path_of(parents: &[usize], mut u: usize) -> Vec<UnitId> {
        let mut path = vec![u as UnitId];
        while u != 0 {
            u = parents[u];
            path.push(u as UnitId);
        }
        path
    }

    fn role_strategy() -> impl Strategy<Value = Role> {
        prop::sample::select(Role::ALL.to_vec())
    }

    proptest! {
        /// Access is granted exactly inside the assigned scopes, for every
        /// capability: a unit is readable iff some assignment of a strong
        /// enough role is at that unit, or is a subtree assignment at one
        /// of its ancestors.
        #[test]
        fn access_granted_exactly_inside_scope(
            parents in tree_strategy(),
            raw in prop::collection::vec((role_strategy(), 0usize..40, any::<bool>()), 0..6),
        ) {
            let n = parents.len();
            let assignments: Vec<Assignment> = raw
                .into_iter()
                .map(|(role, u, sub)| a(role, (u % n) as UnitId, if sub { ScopeKind::Subtree } else { ScopeKind::Unit }))
                .collect();
            let p = Principal::new(1, assignments.clone());
            for u in 0..n {
                let path = path_of(&parents, u);
                for min in [Role::Viewer, Role::Staff, Role::Secretary, Role::Administrator] {
                    let expected = assignments.iter().any(|x| {
                        x.role.rank() >= min.rank()
                            && (x.unit_id == u as UnitId
                                || (x.scope == ScopeKind::Subtree && path.contains(&x.unit_id)))
                    });
                    let got = match min {
                        Role::Viewer => p.scope::<Read>().allows(u as UnitId, &path),
                        Role::Staff => p.scope::<Edit>().allows(u as UnitId, &path),
                        Role::Secretary => p.scope::<Manage>().allows(u as UnitId, &path),
                        _ => p.scope::<Administer>().allows(u as UnitId, &path),
                    };
                    prop_assert_eq!(got, expected, "unit {} capability {:?}", u, min);
                }
            }
        }

        /// Whatever a token's grant, the principal acting through it never
        /// reaches a unit its owner could not reach.
        #[test]
        fn token_never_exceeds_owner(
            parents in tree_strategy(),
            raw in prop::collection::vec((role_strategy(), 0usize..40, any::<bool>()), 0..4),
            grant_raw in (role_strategy(), 0usize..40, any::<bool>()),
        ) {
            let n = parents.len();
            let kind = |sub: bool| if sub { ScopeKind::Subtree } else { ScopeKind::Unit };
            let owner: Vec<Assignment> = raw.into_iter().map(|(r, u, s)| a(r, (u % n) as UnitId, kind(s))).collect();
            let grant = a(grant_raw.0, (grant_raw.1 % n) as UnitId, kind(grant_raw.2));
            let grant_path = path_of(&parents, grant.unit_id as usize);
            let via_token = Principal::through_token(1, &owner, grant, &grant_path);
            let direct = Principal::new(1, owner);
            for u in 0..n {
                let path = path_of(&parents, u);
                if via_token.scope::<Read>().allows(u as UnitId, &path) {
                    prop_assert!(direct.scope::<Read>().allows(u as UnitId, &path));
                }
                if via_token.scope::<Administer>().allows(u as UnitId, &path) {
                    prop_assert!(direct.scope::<Administer>().allows(u as UnitId, &path));
                }
            }
        }
    }
}
