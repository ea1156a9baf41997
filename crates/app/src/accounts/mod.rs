//! Accounts: administration and the owner's own record.

use grassroots_core::validate::{display_name, new_password, username};
use grassroots_core::{AccountId, Administer, UnitId};
use grassroots_store::accounts::{self, Account};
use grassroots_store::audit::{self, AuditRecord};
use grassroots_store::{roles, sessions, tree, units};
use serde::Serialize;
use serde_json::json;

use crate::{Actor, App, AppError, AppResult, passwords};

/// Input for a new account.
pub struct CreateInput {
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Home unit.
    pub home_unit_id: UnitId,
    /// Initial password.
    pub password: String,
}

fn admin_scope(actor: &Actor) -> AppResult<grassroots_core::Scope<Administer>> {
    let scope = actor.principal.scope::<Administer>();
    if scope.is_empty() {
        Err(AppError::Forbidden)
    } else {
        Ok(scope)
    }
}

/// Creates an account in a unit the actor administers.
pub async fn create(app: &App, actor: &Actor, input: CreateInput) -> AppResult<Account> {
    create_with_role(app, actor, input, None).await
}

/// Creates an account and, if given, assigns it a role, in one transaction.
pub async fn create_with_role(
    app: &App,
    actor: &Actor,
    input: CreateInput,
    grant: Option<grassroots_core::Assignment>,
) -> AppResult<Account> {
    let scope = admin_scope(actor)?;
    let user = username(&input.username)?;
    let display = display_name("display_name", &input.display_name)?;
    new_password("password", &input.password)?;
    let hash = passwords::hash(input.password).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let account = accounts::create(
        &mut tx,
        &scope,
        &accounts::NewAccount {
            username: &user,
            display_name: &display,
            home_unit_id: input.home_unit_id,
            password_hash: &hash,
        },
        now,
    )
    .await
    .map_err(|e| match e {
        grassroots_store::StoreError::NotFound => {
            AppError::Invalid(grassroots_core::FieldError::new(
                "home_unit_id",
                "not_found",
                "no such unit within your administration",
            ))
        }
        other => other.into(),
    })?;
    let mut e = actor.entry(
        "account.create",
        "account",
        account.id,
        Some(account.home_unit_id),
    );
    e.after = Some(json!(account));
    audit::append(&mut tx, now, &e).await?;
    if let Some(grant) = grant {
        crate::roles::assign_in(&mut tx, actor, account.id, grant, now).await?;
    }
    tx.commit().await?;
    Ok(account)
}

/// Accounts the actor administers.
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<Account>> {
    let scope = admin_scope(actor)?;
    let mut c = app.db.conn().await?;
    Ok(accounts::list(&mut c, &scope).await?)
}

/// Detail of an account, as seen by an administrator.
#[derive(Debug, Clone, Serialize)]
pub struct AccountDetail {
    /// The account.
    pub account: Account,
    /// Its role assignments within the administrator's scope.
    pub roles: Vec<roles::RoleAssignmentRow>,
    /// The person the account belongs to, if linked.
    pub person_id: Option<i64>,
}

/// Opens an account's record. Opening someone else's record is a
/// sensitive read and is written to the audit log, where the owner sees it.
pub async fn get(app: &App, actor: &Actor, id: AccountId) -> AppResult<AccountDetail> {
    let scope = admin_scope(actor)?;
    let (account, roles, person_id) = {
        let mut c = app.db.conn().await?;
        let account = accounts::get(&mut c, &scope, id).await?;
        let roles = roles::list(&mut c, &scope, Some(id)).await?;
        let person_id = accounts::person_of(&mut c, &scope, id).await?;
        (account, roles, person_id)
    };
    if actor.account_id != Some(id) {
        let now = app.clock.now();
        let mut tx = app.db.begin().await?;
        let e = actor.entry("account.read", "account", id, Some(account.home_unit_id));
        audit::append(&mut tx, now, &e).await?;
        tx.commit().await?;
    }
    Ok(AccountDetail {
        account,
        roles,
        person_id,
    })
}

/// Refuses to act on an account unless the actor's own assignments cover
/// every role the account holds: otherwise an administrator of a province
/// could take over the account of an administrator of the whole tree.
/// Acting on one's own account this way is refused too; people change
/// their own password with the current one.
pub(crate) async fn require_outranks(
    tx: &mut grassroots_store::Tx,
    actor: &Actor,
    id: AccountId,
) -> AppResult<()> {
    if actor.account_id == Some(id) {
        return Err(AppError::BadRequest(
            "use your own record to change your password; administrators cannot reset or disable their own account".into(),
        ));
    }
    for held in roles::of_account_all(tx, id).await? {
        let path = tree::ancestor_ids(tx, held.unit_id).await?;
        if !actor.principal.covers(&held, &path) {
            return Err(AppError::Forbidden);
        }
    }
    Ok(())
}

/// Sets a new password for an account the actor administers and ends its
/// sessions and API tokens.
pub async fn reset_password(
    app: &App,
    actor: &Actor,
    id: AccountId,
    password: &str,
) -> AppResult<Account> {
    let scope = admin_scope(actor)?;
    new_password("password", password)?;
    let hash = passwords::hash(password.to_string()).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    accounts::get(&mut tx, &scope, id).await?;
    require_outranks(&mut tx, actor, id).await?;
    let account = accounts::reset_password(&mut tx, &scope, id, &hash, now).await?;
    let ended = sessions::delete_for_account(&mut tx, id, None).await?;
    let revoked = grassroots_store::tokens::revoke_all(&mut tx, id, now).await?;
    let mut e = actor.entry(
        "account.reset_password",
        "account",
        id,
        Some(account.home_unit_id),
    );
    e.after = Some(json!({ "sessions_ended": ended, "tokens_revoked": revoked }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(account)
}

/// Disables or enables an account the actor administers. Disabling ends
/// its sessions; its tokens stop working while it is disabled.
pub async fn set_disabled(
    app: &App,
    actor: &Actor,
    id: AccountId,
    disabled: bool,
) -> AppResult<Account> {
    let scope = admin_scope(actor)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    accounts::get(&mut tx, &scope, id).await?;
    require_outranks(&mut tx, actor, id).await?;
    let before = accounts::set_disabled(&mut tx, &scope, id, disabled, now).await?;
    if disabled {
        sessions::delete_for_account(&mut tx, id, None).await?;
    }
    let after = Account {
        disabled,
        ..before.clone()
    };
    let action = if disabled {
        "account.disable"
    } else {
        "account.enable"
    };
    let mut e = actor.entry(action, "account", id, Some(before.home_unit_id));
    e.before = Some(json!(before));
    e.after = Some(json!(after));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(after)
}

/// A role the signed-in person holds.
#[derive(Debug, Clone, Serialize)]
pub struct OwnRole {
    /// Role name.
    pub role: String,
    /// Unit where it is held.
    pub unit_id: UnitId,
    /// The unit's name.
    pub unit_name: String,
    /// `unit` or `subtree`.
    pub scope: String,
}

/// What a signed-in person sees of their own account.
#[derive(Debug, Clone, Serialize)]
pub struct OwnRecord {
    /// The account.
    pub account: Account,
    /// Name of its home unit.
    pub home_unit_name: String,
    /// Roles held, with unit names.
    pub roles: Vec<OwnRole>,
    /// The person record of the account, if it is linked to one.
    pub person: Option<OwnPerson>,
    /// Who opened this account's record or person record, newest first.
    pub reads: Vec<AuditRecord>,
}

/// The signed-in person's own record in their unit.
#[derive(Debug, Clone, Serialize)]
pub struct OwnPerson {
    /// The person.
    pub person: grassroots_store::people::Person,
    /// Name of the person's unit.
    pub unit_name: String,
    /// Status history.
    pub history: Vec<grassroots_store::people::StatusChange>,
}

/// The actor's own record, with the list of who opened it.
pub async fn own(app: &App, actor: &Actor) -> AppResult<OwnRecord> {
    let mut c = app.db.conn().await?;
    let account = accounts::own(&mut c, &actor.principal).await?;
    let assignments = roles::of_account(&mut c, account.id).await?;
    let mut ids: Vec<UnitId> = assignments.iter().map(|a| a.unit_id).collect();
    ids.push(account.home_unit_id);
    let names = units::names(&mut c, &ids).await?;
    let name_of = |id: UnitId| {
        names
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let roles = assignments
        .iter()
        .map(|a| OwnRole {
            role: a.role.as_str().to_string(),
            unit_id: a.unit_id,
            unit_name: name_of(a.unit_id),
            scope: a.scope.as_str().to_string(),
        })
        .collect();
    let mut reads = audit::reads_of(&mut c, "account", &account.id.to_string()).await?;
    let person = match grassroots_store::people::own(&mut c, &actor.principal).await? {
        Some((person, history)) => {
            reads.extend(audit::reads_of(&mut c, "person", &person.id.to_string()).await?);
            reads.sort_by_key(|r| std::cmp::Reverse(r.id));
            let unit_name = units::names(&mut c, &[person.unit_id])
                .await?
                .into_iter()
                .next()
                .map(|(_, n)| n)
                .unwrap_or_default();
            Some(OwnPerson {
                person,
                unit_name,
                history,
            })
        }
        None => None,
    };
    Ok(OwnRecord {
        person,
        home_unit_name: name_of(account.home_unit_id),
        account,
        roles,
        reads,
    })
}

/// Sets the actor's own interface language (`en`, `ko`; empty: no
/// choice, the browser's languages and the organization's default
/// decide). Returns the account as changed.
pub async fn set_own_locale(app: &App, actor: &Actor, raw: &str) -> AppResult<Account> {
    let locale = crate::profiles::parse_locale("locale", raw)?.map(|l| l.as_str());
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let before = accounts::own(&mut tx, &actor.principal).await?;
    accounts::set_own_locale(&mut tx, &actor.principal, locale, now).await?;
    if before.locale.as_deref() != locale {
        let mut e = actor.entry(
            "account.locale",
            "account",
            before.id,
            Some(before.home_unit_id),
        );
        e.before = Some(json!({ "locale": before.locale }));
        e.after = Some(json!({ "locale": locale }));
        audit::append(&mut tx, now, &e).await?;
    }
    tx.commit().await?;
    Ok(Account {
        locale: locale.map(str::to_string),
        ..before
    })
}

/// Links an account the actor administers to a person of a unit the actor
/// administers (or unlinks it with `None`).
pub async fn link_person(
    app: &App,
    actor: &Actor,
    id: AccountId,
    person_id: Option<i64>,
) -> AppResult<Account> {
    let scope = admin_scope(actor)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    accounts::get(&mut tx, &scope, id).await?;
    if let Some(p) = person_id {
        grassroots_store::people::get(&mut tx, &scope, p)
            .await
            .map_err(|_| {
                AppError::Invalid(grassroots_core::FieldError::new(
                    "person_id",
                    "not_found",
                    "no such person within your administration",
                ))
            })?;
    }
    let account = accounts::link_person(&mut tx, &scope, id, person_id, now).await?;
    let mut e = actor.entry(
        "account.link_person",
        "account",
        id,
        Some(account.home_unit_id),
    );
    e.after = Some(json!({ "person_id": person_id }));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok(account)
}
