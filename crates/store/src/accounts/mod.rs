//! Login accounts. An account belongs to a home unit; administrators see
//! and manage the accounts whose home unit lies in their scope.

use chrono::{DateTime, Utc};
use grassroots_core::{AccountId, Administer, Principal, Scope};
use serde::Serialize;

use crate::tree::unit_condition;
use crate::{DbConn, StoreError, StoreResult, Tx, on_ex};

/// An account as shown to administrators and to its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Account {
    /// Identifier.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Name shown in the interface.
    pub display_name: String,
    /// The unit the account belongs to.
    pub home_unit_id: i64,
    /// Disabled accounts cannot log in and their tokens stop working.
    pub disabled: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// The interface language the account chose (`en`, `ko`); `None`
    /// leaves it to the browser and the organization's default.
    pub locale: Option<String>,
}

/// What login needs to know about an account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoginRecord {
    /// Identifier.
    pub id: i64,
    /// The stored argon2id hash (PHC string).
    pub password_hash: String,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// The account's home unit (for audit rows).
    pub home_unit_id: i64,
}

const COLUMNS: &str =
    "a.id, a.username, a.display_name, a.home_unit_id, a.disabled, a.created_at, a.locale";

/// Data for a new account.
pub struct NewAccount<'a> {
    /// Login name, already validated.
    pub username: &'a str,
    /// Display name, already validated.
    pub display_name: &'a str,
    /// Home unit; must lie in the creator's scope.
    pub home_unit_id: i64,
    /// argon2id hash of the initial password.
    pub password_hash: &'a str,
}

/// Creates an account whose home unit lies inside `scope`.
pub async fn create(
    tx: &mut Tx,
    scope: &Scope<Administer>,
    new: &NewAccount<'_>,
    now: DateTime<Utc>,
) -> StoreResult<Account> {
    if !crate::tree::in_scope(tx, scope, new.home_unit_id).await? {
        return Err(StoreError::NotFound);
    }
    let id: i64 = on_ex!(tx, |e| sqlx::query_scalar(
        "INSERT INTO accounts (username, display_name, home_unit_id, password_hash, disabled,
                               password_changed_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, FALSE, $5, $5, $5) RETURNING id"
    )
    .bind(new.username)
    .bind(new.display_name)
    .bind(new.home_unit_id)
    .bind(new.password_hash)
    .bind(now)
    .fetch_one(&mut *e)
    .await)
    .map_err(|e| StoreError::from(e).conflict_on("username"))?;
    Ok(Account {
        id,
        username: new.username.to_string(),
        display_name: new.display_name.to_string(),
        home_unit_id: new.home_unit_id,
        disabled: false,
        created_at: now,
        locale: None,
    })
}

/// Looks an account up by login name for authentication. This is the one
/// unscoped read of accounts: it happens before there is a principal.
pub async fn login_record(c: &mut impl DbConn, username: &str) -> StoreResult<Option<LoginRecord>> {
    Ok(on_ex!(c, |e| sqlx::query_as::<_, LoginRecord>(
        "SELECT id, password_hash, disabled, home_unit_id FROM accounts WHERE username = $1"
    )
    .bind(username)
    .fetch_optional(&mut *e)
    .await)?)
}

/// The signed-in principal's own account.
pub async fn own(c: &mut impl DbConn, principal: &Principal) -> StoreResult<Account> {
    let sql = format!("SELECT {COLUMNS} FROM accounts a WHERE a.id = $1");
    on_ex!(c, |e| sqlx::query_as::<_, Account>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(principal.account_id())
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// Sets the principal's own interface language (`None`: no choice).
pub async fn set_own_locale(
    tx: &mut Tx,
    principal: &Principal,
    locale: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let changed = on_ex!(tx, |e| sqlx::query(
        "UPDATE accounts SET locale = $1, updated_at = $2 WHERE id = $3"
    )
    .bind(locale)
    .bind(now)
    .bind(principal.account_id())
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// The principal's own password hash (to confirm the current password).
pub async fn own_password_hash(c: &mut impl DbConn, principal: &Principal) -> StoreResult<String> {
    on_ex!(c, |e| sqlx::query_scalar::<_, String>(
        "SELECT password_hash FROM accounts WHERE id = $1"
    )
    .bind(principal.account_id())
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// An account whose home unit lies inside `scope`.
pub async fn get(c: &mut impl DbConn, scope: &Scope<Administer>, id: i64) -> StoreResult<Account> {
    let sql = format!(
        "SELECT {COLUMNS} FROM accounts a WHERE a.id = $1 AND {}",
        unit_condition(scope, "a.home_unit_id")
    );
    on_ex!(c, |e| sqlx::query_as::<_, Account>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// An account by login name, inside `scope`.
pub async fn get_by_username(
    c: &mut impl DbConn,
    scope: &Scope<Administer>,
    username: &str,
) -> StoreResult<Account> {
    let sql = format!(
        "SELECT {COLUMNS} FROM accounts a WHERE a.username = $1 AND {}",
        unit_condition(scope, "a.home_unit_id")
    );
    on_ex!(c, |e| sqlx::query_as::<_, Account>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(username)
    .fetch_optional(&mut *e)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// Accounts whose home unit lies inside `scope`, by login name.
pub async fn list(c: &mut impl DbConn, scope: &Scope<Administer>) -> StoreResult<Vec<Account>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM accounts a WHERE {} ORDER BY a.username",
        unit_condition(scope, "a.home_unit_id")
    );
    Ok(on_ex!(c, |e| sqlx::query_as::<_, Account>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .fetch_all(&mut *e)
    .await)?)
}

/// Replaces the principal's own password hash.
pub async fn set_own_password(
    tx: &mut Tx,
    principal: &Principal,
    password_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    set_password_unchecked(tx, principal.account_id(), password_hash, now).await
}

/// Replaces the password of an account inside `scope`.
pub async fn reset_password(
    tx: &mut Tx,
    scope: &Scope<Administer>,
    id: AccountId,
    password_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Account> {
    let account = get(tx, scope, id).await?;
    set_password_unchecked(tx, id, password_hash, now).await?;
    Ok(account)
}

async fn set_password_unchecked(
    tx: &mut Tx,
    id: AccountId,
    password_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    on_ex!(tx, |e| {
        sqlx::query(
        "UPDATE accounts SET password_hash = $1, password_changed_at = $2, updated_at = $2 WHERE id = $3"
    )
    .bind(password_hash)
    .bind(now)
    .bind(id)
    .execute(&mut *e).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Enables or disables an account inside `scope`; returns it as before.
pub async fn set_disabled(
    tx: &mut Tx,
    scope: &Scope<Administer>,
    id: AccountId,
    disabled: bool,
    now: DateTime<Utc>,
) -> StoreResult<Account> {
    let account = get(tx, scope, id).await?;
    on_ex!(tx, |e| sqlx::query(
        "UPDATE accounts SET disabled = $1, updated_at = $2 WHERE id = $3"
    )
    .bind(disabled)
    .bind(now)
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(account)
}

/// Number of accounts (to tell whether the organization was initialized).
pub async fn count(c: &mut impl DbConn) -> StoreResult<i64> {
    Ok(on_ex!(c, |e| sqlx::query_scalar(
        "SELECT count(*) FROM accounts"
    )
    .fetch_one(&mut *e)
    .await)?)
}

/// Links an account inside `scope` to a person whose unit also lies inside
/// it (or removes the link with `None`). A person has at most one account.
pub async fn link_person(
    tx: &mut Tx,
    scope: &Scope<Administer>,
    id: AccountId,
    person_id: Option<i64>,
    now: DateTime<Utc>,
) -> StoreResult<Account> {
    let account = get(tx, scope, id).await?;
    if let Some(p) = person_id {
        crate::people::get(tx, scope, p).await?;
    }
    on_ex!(tx, |e| sqlx::query(
        "UPDATE accounts SET person_id = $1, updated_at = $2 WHERE id = $3"
    )
    .bind(person_id)
    .bind(now)
    .bind(id)
    .execute(&mut *e)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| StoreError::from(e).conflict_on("person_id"))?;
    Ok(account)
}

/// The person of the principal's own account when it may act as that
/// person: a session (not an API token) and a person still in the
/// organization (not left or transferred out).
pub async fn own_active_person_id(
    c: &mut impl DbConn,
    principal: &Principal,
) -> StoreResult<Option<i64>> {
    if principal.is_token() {
        return Ok(None);
    }
    let v: Option<Option<i64>> = on_ex!(c, |e| sqlx::query_scalar(
        "SELECT p.id FROM accounts a JOIN people p ON p.id = a.person_id
         WHERE a.id = $1 AND p.status NOT IN ('left', 'transferred_out')"
    )
    .bind(principal.account_id())
    .fetch_optional(&mut *e)
    .await)?;
    Ok(v.flatten())
}

/// The person linked to an account inside `scope`, if any.
pub async fn person_of(
    c: &mut impl DbConn,
    scope: &Scope<Administer>,
    id: AccountId,
) -> StoreResult<Option<i64>> {
    get(c, scope, id).await?;
    let v: Option<Option<i64>> = on_ex!(c, |e| sqlx::query_scalar(
        "SELECT person_id FROM accounts WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(&mut *e)
    .await)?;
    Ok(v.flatten())
}
