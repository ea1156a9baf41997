//! Reading the audit log (administrators, within their scope) and checking
//! the database.

use grassroots_core::Administer;
use grassroots_store::audit::{self, AuditFilter, AuditRecord};
use grassroots_store::check::{self, CheckReport};
use grassroots_store::units;

use crate::{Actor, App, AppError, AppResult};

/// Audit rows about units the actor administers, newest first.
pub async fn list(app: &App, actor: &Actor, filter: &AuditFilter) -> AppResult<Vec<AuditRecord>> {
    let scope = actor.principal.scope::<Administer>();
    if scope.is_empty() {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.conn().await?;
    let root = units::root(&mut c).await?.ok_or(AppError::NotFound)?;
    let whole_org = scope.covers_subtree_of(&[root.id]);
    Ok(audit::list(&mut c, &scope, whole_org, filter).await?)
}

/// Runs `grassroots check`.
pub async fn check(app: &App) -> AppResult<CheckReport> {
    let mut c = app.db.conn().await?;
    Ok(check::run(&mut c, app.clock.now().date_naive()).await?)
}
