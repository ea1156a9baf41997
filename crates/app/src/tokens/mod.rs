//! API tokens: a signed-in person creates tokens carrying at most the
//! rights they hold themselves.

use chrono::Duration;
use grassroots_core::validate::display_name;
use grassroots_core::{AccountId, Administer, Assignment};
use grassroots_store::tokens::{self, ApiToken};
use grassroots_store::{accounts, audit, tree};
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
    let path = tree::ancestor_ids(&mut tx, grant.unit_id)
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

/// Whose tokens an actor reaches: their own, any from the command line,
/// or those of an account whose home unit they administer (anything else
/// reads as not found, like the account itself).
async fn require_reach(
    c: &mut impl grassroots_store::DbConn,
    actor: &Actor,
    account_id: AccountId,
) -> AppResult<Reach> {
    if actor.account_id.is_none() || actor.account_id == Some(account_id) {
        return Ok(Reach::Own);
    }
    let scope = actor.principal.scope::<Administer>();
    if scope.is_empty() {
        return Err(AppError::Forbidden);
    }
    accounts::get(c, &scope, account_id).await?;
    Ok(Reach::Administered)
}

/// How an actor reaches an account's tokens.
enum Reach {
    /// Their own, or the command line's.
    Own,
    /// As an administrator of the account's home unit.
    Administered,
}

/// The tokens of `account_id`: the actor's own, any from the command
/// line, or those of an account whose home unit the actor administers.
pub async fn list(app: &App, actor: &Actor, account_id: AccountId) -> AppResult<Vec<ApiToken>> {
    let mut c = app.db.conn().await?;
    require_reach(&mut c, actor, account_id).await?;
    Ok(tokens::of_account(&mut c, account_id).await?)
}

/// Revokes a token of `account_id`: the actor's own, any from the command
/// line, or one of an account whose home unit the actor administers and
/// whose every role the actor's own cover (as for a password reset: a
/// provincial administrator cannot cut off the centre's automation).
pub async fn revoke(
    app: &App,
    actor: &Actor,
    account_id: AccountId,
    id: i64,
) -> AppResult<ApiToken> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    if let Reach::Administered = require_reach(&mut tx, actor, account_id).await? {
        crate::accounts::require_outranks(&mut tx, actor, account_id).await?;
    }
    let token = tokens::revoke(&mut tx, account_id, id, now).await?;
    let mut e = actor.entry("token.revoke", "api_token", id, Some(token.unit_id));
    e.before = Some(json!(token));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(token)
}
