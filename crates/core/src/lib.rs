//! Domain core of grassroots: identifiers, validation, the authorization
//! policy and the progress rules of plan targets. Everything here is pure code, so it can be tested exhaustively
//! without a database.

pub mod calendar;
pub mod care;
pub mod collation;
pub mod policy;
pub mod progress;
pub mod safety;
pub mod search;
pub mod study;
pub mod validate;
pub mod vocab;
pub mod voice;

pub use policy::{
    Administer, Assignment, Capability, Edit, Manage, Principal, Read, Role, Scope, ScopeKind,
};
pub use validate::{FieldError, Validated};

/// Identifier of a unit of the organization tree.
pub type UnitId = i64;
/// Identifier of a login account.
pub type AccountId = i64;
