//! Domain core of grassroots: identifiers, validation and the authorization
//! policy. Everything here is pure code, so it can be tested exhaustively
//! without a database.

pub mod policy;
pub mod validate;

pub use policy::{
    Administer, Assignment, Capability, Edit, Manage, Principal, Read, Role, Scope, ScopeKind,
};
pub use validate::{FieldError, Validated};

/// Identifier of a unit of the organization tree.
pub type UnitId = i64;
/// Identifier of a login account.
pub type AccountId = i64;
