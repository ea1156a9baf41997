//! Creating an organization: `grassroots init` and the demo.

use grassroots_core::validate::{display_name, new_password, username};
use grassroots_core::{Assignment, Role, ScopeKind};
use grassroots_store::{accounts, audit, roles, units};
use serde_json::json;

use crate::{Actor, App, AppError, AppResult, passwords};

/// Whether the organization exists (a root unit was created).
pub async fn root_unit(app: &App) -> AppResult<Option<units::Unit>> {
    let mut c = app.db.conn().await?;
    Ok(units::root(&mut c).await?)
}

/// Input of `grassroots init`.
pub struct InitInput {
    /// Name of the organization (the root unit).
    pub organization: String,
    /// Level key of the root unit.
    pub root_level: String,
    /// Login name of the first administrator.
    pub admin_username: String,
    /// Display name of the first administrator.
    pub admin_display_name: String,
    /// Password of the first administrator.
    pub admin_password: String,
}

/// Creates the root unit and the first administrator (administrator of the
/// whole tree), in one transaction. Refuses if the organization exists.
pub async fn init(app: &App, input: InitInput) -> AppResult<(units::Unit, accounts::Account)> {
    let org = display_name("organization", &input.organization)?;
    let user = username(&input.admin_username)?;
    let display = display_name("display_name", &input.admin_display_name)?;
    new_password("password", &input.admin_password)?;
    if root_unit(app).await?.is_some() {
        return Err(AppError::BadRequest(
            "the organization is already initialized".into(),
        ));
    }
    let hash = passwords::hash(input.admin_password).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let root = units::create_root(&mut tx, &org, &input.root_level, now).await?;
    let actor = Actor::cli(root.id);
    let mut e = actor.entry("unit.create", "unit", root.id, Some(root.id));
    e.after = Some(json!(root));
    audit::append(&mut tx, now, &e).await?;
    let scope = actor.principal.scope();
    let account = accounts::create(
        &mut tx,
        &scope,
        &accounts::NewAccount {
            username: &user,
            display_name: &display,
            home_unit_id: root.id,
            password_hash: &hash,
        },
        now,
    )
    .await?;
    let mut e = actor.entry("account.create", "account", account.id, Some(root.id));
    e.after = Some(json!(account));
    audit::append(&mut tx, now, &e).await?;
    let grant = Assignment {
        role: Role::Administrator,
        unit_id: root.id,
        scope: ScopeKind::Subtree,
    };
    let row = roles::assign(&mut tx, &scope, account.id, &grant, now).await?;
    let mut e = actor.entry("role.assign", "role_assignment", row.id, Some(root.id));
    e.after = Some(json!(row));
    audit::append(&mut tx, now, &e).await?;
    tx.commit().await?;
    Ok((root, account))
}

/// A demo login printed by `grassroots demo`.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// Login name.
    pub username: String,
    /// Its password.
    pub password: String,
    /// Role held.
    pub role: Role,
    /// Where it is held.
    pub unit_name: String,
}

/// The password of a demo login (printed on start; the demo is meant for
/// a local machine).
pub fn demo_password(username: &str) -> String {
    format!("{username}-demo-2022")
}
