//! Role assignments, managed by administrators within their scope.

use chrono::{DateTime, Utc};
use grassroots_core::{AccountId, Administer, Assignment, FieldError};
use grassroots_store::Tx;
use grassroots_store::roles::{self, RoleAssignmentRow};
use grassroots_store::{accounts, audit, tree};
use serde_json::json;

use crate::{Actor, App, AppError, AppResult};

/// Assignments at units the actor administers, optionally of one account.
pub async fn list(
    app: &App,
    actor: &Actor,
    account_id: Option<AccountId>,
) -> AppResult<Vec<RoleAssignmentRow>> {
    let scope = actor.principal.scope::<Administer>();
    if scope.is_empty() {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.conn().await?;
    Ok(roles::list(&mut c, &scope, account_id).await?)
}

/// Assigns a role. The actor must administer the unit (for a subtree
/// grant, the whole subtree) and the account.
pub async fn assign(
    app: &App,
    actor: &Actor,
    account_id: AccountId,
    grant: Assignment,
) -> AppResult<RoleAssignmentRow> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let row = assign_in(&mut tx, actor, account_id, grant, now).await?;
    tx.commit().await?;
    Ok(row)
}

/// [`assign`] inside the caller's transaction.
pub(crate) async fn assign_in(
    tx: &mut Tx,
    actor: &Actor,
    account_id: AccountId,
    grant: Assignment,
    now: DateTime<Utc>,
) -> AppResult<RoleAssignmentRow> {
    let scope = actor.principal.scope::<Administer>();
    if scope.is_empty() {
        return Err(AppError::Forbidden);
    }
    // The account must be one the actor administers.
    accounts::get(tx, &scope, account_id).await.map_err(|_| {
        AppError::Invalid(FieldError::new(
            "account_id",
            "not_found",
            "no such account within your administration",
        ))
    })?;
    // A unit that does not exist and one outside the actor's administration
    // get the same answer, so unit ids cannot be probed.
    let no_unit = || {
        AppError::Invalid(FieldError::new(
            "unit_id",
            "not_found",
            "no such unit within your administration",
        ))
    };
    if !tree::in_scope(tx, &scope, grant.unit_id).await? {
        return Err(no_unit());
    }
    let path = tree::ancestor_ids(tx, grant.unit_id)
        .await
        .map_err(|_| no_unit())?;
    if !actor.principal.may_assign(&grant, &path) {
        return Err(AppError::Forbidden);
    }
    let row = roles::assign(tx, &scope, account_id, &grant, now).await?;
    let mut e = actor.entry("role.assign", "role_assignment", row.id, Some(row.unit_id));
    e.after = Some(json!(row));
    audit::append(tx, now, &e).await?;
    Ok(row)
}

/// Removes a role assignment at a unit the actor administers.
pub async fn revoke(app: &App, actor: &Actor, id: i64) -> AppResult<RoleAssignmentRow> {
    let scope = actor.principal.scope::<Administer>();
    if scope.is_empty() {
        return Err(AppError::Forbidden);
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let row = roles::get(&mut tx, &scope, id).await?;
    let grant = Assignment {
        role: grassroots_core::Role::parse(&row.role).ok_or(AppError::NotFound)?,
        unit_id: row.unit_id,
        scope: grassroots_core::ScopeKind::parse(&row.scope).ok_or(AppError::NotFound)?,
    };
    let path = tree::ancestor_ids(&mut tx, row.unit_id).await?;
    if !actor.principal.may_assign(&grant, &path) {
        return Err(AppError::Forbidden);
    }
    let row = roles::revoke(&mut tx, &scope, id).await?;
    let mut e = actor.entry("role.revoke", "role_assignment", id, Some(row.unit_id));
    e.before = Some(json!(row));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(row)
}
