//! Giving and taking the duties a unit gives to named accounts (handling
//! welfare cases, receiving appeals), and listing their holders.

use grassroots_core::{FieldError, Manage, Read, UnitId};
use grassroots_store::audit;
use grassroots_store::duties::{self, Duty, Handler};
use serde_json::json;

use crate::{Actor, App, AppError, AppResult};

/// The account and person reading records kept for a person or routed to
/// a duty. A request made with an API token acts only through the
/// token's grant, never as the person the account is nor with a duty.
pub(crate) async fn reader(
    app: &App,
    actor: &Actor,
) -> AppResult<(grassroots_core::AccountId, Option<i64>)> {
    let account_id = actor.account_id.ok_or(AppError::Forbidden)?;
    if actor.principal.is_token() {
        return Err(AppError::Forbidden);
    }
    let person_id =
        grassroots_store::people::own_person_id(&mut app.db.conn().await?, &actor.principal)
            .await?;
    Ok((account_id, person_id))
}

/// The holders of `duty` at a unit the reader reads.
pub async fn holders(
    app: &App,
    actor: &Actor,
    duty: Duty,
    unit_id: UnitId,
) -> AppResult<Vec<Handler>> {
    Ok(duties::holders_of(
        &mut app.db.conn().await?,
        duty,
        &actor.principal.scope::<Read>(),
        unit_id,
    )
    .await?)
}

/// Gives (`holds`) or takes `duty` at a unit the actor manages, with an
/// audit row when it changed.
pub async fn set(
    app: &App,
    actor: &Actor,
    duty: Duty,
    unit_id: UnitId,
    account_id: i64,
    holds: bool,
) -> AppResult<()> {
    crate::units::require::<Manage>(app, actor, unit_id).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let scope = actor.principal.scope::<Manage>();
    let changed =
        if holds {
            duties::grant(
                &mut tx,
                duty,
                &scope,
                unit_id,
                account_id,
                &actor.label,
                now,
            )
            .await
            .map_err(|e| match e {
                grassroots_store::StoreError::Conflict { .. } => AppError::Invalid(
                    FieldError::new("account_id", "not_found", "no such account"),
                ),
                e => e.into(),
            })?
        } else {
            duties::revoke(&mut tx, duty, &scope, unit_id, account_id).await?
        };
    if changed {
        let action = match (duty, holds) {
            (Duty::Welfare, true) => "welfare_handler.grant",
            (Duty::Welfare, false) => "welfare_handler.revoke",
            (Duty::Appeals, true) => "appeal_handler.grant",
            (Duty::Appeals, false) => "appeal_handler.revoke",
        };
        let mut e = actor.entry(action, "account", account_id, Some(unit_id));
        e.after = Some(json!({ "unit_id": unit_id }));
        audit::append(&mut tx, now, &e).await?;
    }
    tx.commit().await?;
    Ok(())
}
