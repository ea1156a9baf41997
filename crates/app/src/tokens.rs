//! API tokens: a signed-in person creates tokens carrying at most the
//! rights they hold themselves.

use chrono::Duration;
use grassroots_core::validate::display_name;
use grassroots_core::{AccountId, Assignment};
use grassroots_store::tokens::{self, ApiToken};
use grassroots_store::{audit, units};
use serde_json::json;

use crate::{Actor, App, AppError, AppResult, passwords};

/// Prefix of every token secret, so leaked tokens are easy to recognize.
pub const TOKEN_PREFIX: &str = "grt_";

/// Creates a token for `account_id` (the actor's own, or, from the command
/// line, any account) carrying `grant`. Returns the secret, shown once.
pub async fn create(
    app: &App,
    actor: &Actor,
    account_id: AccountId,
    name: &str,
    grant: Assignment,
    expires_in_days: Option<i64>,
) -> AppResult<(String, ApiToken)> {
    let name = display_name("name", name)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    // A unit that does not exist is answered like one the owner holds no
    // role at, so unit ids cannot be probed.
    let exceeds = || {
        AppError::Invalid(grassroots_core::FieldError::new(
            "role",
            "exceeds_own",
            "a token can carry only a role you hold at that unit",
        ))
    };
    let path = units::ancestor_ids(&mut tx, grant.unit_id)
        .await
        .map_err(|_| exceeds())?;
    let owner_holds = if actor.account_id == Some(account_id) {
        actor.principal.covers(&grant, &path)
    } else if actor.account_id.is_none() {
        // The command line acts for the account: the token must be covered
        // by that account's own assignments.
        let owner = grassroots_store::roles::of_account(&mut tx, account_id).await?;
        grassroots_core::Principal::new(account_id, owner).covers(&grant, &path)
    } else {
        return Err(AppError::Forbidden);
    };
    if !owner_holds {
        return Err(exceeds());
    }
    if let Some(d) = expires_in_days
        && !(1..=3650).contains(&d)
    {
        return Err(grassroots_core::FieldError::new(
            "expires_in_days",
            "range",
            "must be between 1 and 3650",
        )
        .into());
    }
    let secret = format!("{TOKEN_PREFIX}{}", passwords::random_token());
    let token = tokens::create(
        &mut tx,
        account_id,
        &name,
        &passwords::digest(&secret),
        &grant,
        expires_in_days.map(|d| now + Duration::days(d)),
        now,
    )
    .await?;
    let mut e = actor.entry("token.create", "api_token", token.id, Some(grant.unit_id));
    e.after = Some(json!(token));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok((secret, token))
}

/// The tokens of `account_id` (own, or any from the command line).
pub async fn list(app: &App, actor: &Actor, account_id: AccountId) -> AppResult<Vec<ApiToken>> {
    if actor.account_id.is_some() && actor.account_id != Some(account_id) {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.conn().await?;
    Ok(tokens::of_account(&mut c, account_id).await?)
}

/// Revokes a token of `account_id` (own, or any from the command line).
pub async fn revoke(
    app: &App,
    actor: &Actor,
    account_id: AccountId,
    id: i64,
) -> AppResult<ApiToken> {
    if actor.account_id.is_some() && actor.account_id != Some(account_id) {
        return Err(AppError::Forbidden);
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let token = tokens::revoke(&mut tx, account_id, id, now).await?;
    let mut e = actor.entry("token.revoke", "api_token", id, Some(token.unit_id));
    e.before = Some(json!(token));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(token)
}
