//! Transfers of people between units.

use chrono::Duration;
use grassroots_core::{Edit, FieldError, Read, UnitId};
use grassroots_store::transfers::{self, Transfer};
use grassroots_store::{StoreError, audit, people};
use serde_json::json;

use crate::{Actor, App, AppError, AppResult};

/// Expires overdue transfers every ten minutes.
pub const EXPIRE_JOB: crate::jobs::Job = crate::jobs::Job {
    name: "transfers.expire",
    every_seconds: 600,
    run: |app| Box::pin(expire_due(app)),
};

/// Marks overdue transfers expired (before acting on transfers, and
/// periodically from the server). Safe with several servers.
pub async fn expire_due(app: &App) -> AppResult<u64> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let n = transfers::expire_due(&mut tx, now).await?;
    tx.commit().await?;
    Ok(n)
}

/// Issues a transfer of a person to another unit. The sending unit must be
/// editable by the actor; the receiving unit is named by its number.
pub async fn issue(
    app: &App,
    actor: &Actor,
    person_id: i64,
    to_unit: UnitId,
) -> AppResult<Transfer> {
    let unit_id = {
        let mut c = app.db.conn().await?;
        people::get(&mut c, &actor.principal.scope::<Read>(), person_id)
            .await?
            .unit_id
    };
    crate::units::require::<Edit>(app, actor, unit_id).await?;
    {
        let mut c = app.db.conn().await?;
        if grassroots_store::units::is_closed(&mut c, to_unit).await? {
            return Err(crate::units::closed_error("to_unit_id"));
        }
    }
    expire_due(app).await?;
    let now = app.clock.now();
    let expires_at = now + Duration::days(app.config.transfers.expire_after_days);
    let mut tx = app.db.begin().await?;
    let t = transfers::issue(
        &mut tx,
        &actor.principal.scope::<Edit>(),
        person_id,
        to_unit,
        &actor.label,
        now,
        expires_at,
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict {
            field: "to_unit_id",
        } => AppError::Invalid(FieldError::new(
            "to_unit_id",
            "invalid",
            "must be an existing unit other than the person's own",
        )),
        StoreError::Conflict { field: "person_id" } => AppError::Invalid(FieldError::new(
            "person_id",
            "pending",
            "already has a pending transfer",
        )),
        other => other.into(),
    })?;
    let mut e = actor.entry("transfer.issue", "transfer", t.id, Some(t.from_unit_id));
    e.after = Some(json!(t));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(t)
}

async fn close(app: &App, actor: &Actor, id: i64, acknowledge: bool) -> AppResult<Transfer> {
    expire_due(app).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let t = transfers::close(
        &mut tx,
        &actor.principal.scope::<Edit>(),
        id,
        acknowledge,
        &actor.label,
        now,
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict { .. } => AppError::Invalid(FieldError::new(
            "state",
            "closed",
            "the transfer is no longer pending (acknowledged, cancelled or expired)",
        )),
        other => other.into(),
    })?;
    let (action, unit) = if acknowledge {
        ("transfer.acknowledge", t.to_unit_id)
    } else {
        ("transfer.cancel", t.from_unit_id)
    };
    let mut e = actor.entry(action, "transfer", id, Some(unit));
    e.after = Some(json!(t));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(t)
}

/// The receiving unit acknowledges a transfer; the person moves there.
pub async fn acknowledge(app: &App, actor: &Actor, id: i64) -> AppResult<Transfer> {
    close(app, actor, id, true).await
}

/// The sending unit cancels a pending transfer.
pub async fn cancel(app: &App, actor: &Actor, id: i64) -> AppResult<Transfer> {
    close(app, actor, id, false).await
}

/// Pending transfers into and out of a unit. A read: overdue transfers
/// are left out here and marked expired by writers and the periodic job.
pub async fn pending(app: &App, actor: &Actor, unit_id: UnitId) -> AppResult<Vec<Transfer>> {
    let mut c = app.db.conn().await?;
    let read = actor.principal.scope::<Read>();
    Ok(transfers::pending_of_unit(&mut c, &read, unit_id, app.clock.now()).await?)
}

/// A person's transfers, as far as the reader's units are concerned: a
/// person the reader can neither read nor saw transferred is not found
/// (rather than an empty list, which would tell that the id exists).
pub async fn of_person(app: &App, actor: &Actor, person_id: i64) -> AppResult<Vec<Transfer>> {
    let mut c = app.db.conn().await?;
    let read = actor.principal.scope::<Read>();
    let list = transfers::of_person(&mut c, &read, person_id, app.clock.now()).await?;
    if list.is_empty() {
        // A unit that sent the person away keeps seeing that transfer.
        grassroots_store::people::get(&mut c, &read, person_id).await?;
    }
    Ok(list)
}
