//! Creating an organization: `grassroots init` and the demo.

use grassroots_core::validate::{display_name, new_password, username};
use grassroots_core::{Assignment, Role, ScopeKind, UnitId};
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

/// Creates the demo organization unless it exists; returns its logins.
pub async fn demo(app: &App) -> AppResult<Vec<DemoLogin>> {
    let tree: &[(&str, &str, &str)] = &[
        // (name, level, parent name)
        (
            "South Phyongan Provincial Committee",
            "provincial_committee",
            "",
        ),
        (
            "North Hamgyong Provincial Committee",
            "provincial_committee",
            "",
        ),
        (
            "Anju City Committee",
            "city_committee",
            "South Phyongan Provincial Committee",
        ),
        (
            "Mundok County Committee",
            "county_committee",
            "South Phyongan Provincial Committee",
        ),
        (
            "Kimchaek City Committee",
            "city_committee",
            "North Hamgyong Provincial Committee",
        ),
        (
            "Namhung Youth Chemical Complex Primary Committee",
            "primary_committee",
            "Anju City Committee",
        ),
        (
            "Ripsok Cooperative Farm Primary Committee",
            "primary_committee",
            "Mundok County Committee",
        ),
        (
            "Kimchaek Iron and Steel Complex Primary Committee",
            "primary_committee",
            "Kimchaek City Committee",
        ),
        (
            "Synthesis Workshop Cell",
            "cell",
            "Namhung Youth Chemical Complex Primary Committee",
        ),
        (
            "Maintenance Workshop Cell",
            "cell",
            "Namhung Youth Chemical Complex Primary Committee",
        ),
        (
            "Work Team 1 Cell",
            "cell",
            "Ripsok Cooperative Farm Primary Committee",
        ),
        (
            "Blast Furnace Cell",
            "cell",
            "Kimchaek Iron and Steel Complex Primary Committee",
        ),
    ];
    let logins: &[(&str, &str, Role, &str, ScopeKind)] = &[
        (
            "admin",
            "Administrator",
            Role::Administrator,
            "",
            ScopeKind::Subtree,
        ),
        (
            "secretary",
            "Kim Chol Min",
            Role::Secretary,
            "Namhung Youth Chemical Complex Primary Committee",
            ScopeKind::Subtree,
        ),
        (
            "staff",
            "Ri Song Hui",
            Role::Staff,
            "Namhung Youth Chemical Complex Primary Committee",
            ScopeKind::Subtree,
        ),
        (
            "viewer",
            "Pak Yong Nam",
            Role::Viewer,
            "South Phyongan Provincial Committee",
            ScopeKind::Subtree,
        ),
        (
            "member",
            "Choe Kum Ok",
            Role::Member,
            "Synthesis Workshop Cell",
            ScopeKind::Unit,
        ),
    ];
    let existing = root_unit(app).await?;
    let root = match existing {
        Some(root) => {
            // A demo database from an earlier run: it must be complete.
            let mut c = app.db.conn().await?;
            if grassroots_store::accounts::count(&mut c).await? < logins.len() as i64 {
                return Err(AppError::BadRequest(
                    "this database holds an incomplete demo (an earlier run was interrupted); delete the demo folder and run the demo again".into(),
                ));
            }
            root
        }
        None => {
            let (root, _) = init(
                app,
                InitInput {
                    organization: "Central Committee".into(),
                    root_level: "central_committee".into(),
                    admin_username: "admin".into(),
                    admin_display_name: "Administrator".into(),
                    admin_password: demo_password("admin"),
                },
            )
            .await?;
            let actor = Actor::cli(root.id);
            let mut ids: Vec<(&str, UnitId)> = vec![("", root.id)];
            for (name, level, parent) in tree {
                let parent_id = ids
                    .iter()
                    .find(|(n, _)| n == parent)
                    .map(|(_, id)| *id)
                    .unwrap_or(root.id);
                let unit = crate::units::create_child(app, &actor, parent_id, name, level).await?;
                ids.push((name, unit.id));
            }
            // People of the cells and primary committees, so that the
            // counters and lists have something to show.
            let people: &[(&str, &str, &str)] = &[
                ("Synthesis Workshop Cell", "Choe Kum Ok", "member"),
                ("Synthesis Workshop Cell", "Han Myong Chol", "member"),
                ("Synthesis Workshop Cell", "Jang Un Hui", "candidate"),
                ("Synthesis Workshop Cell", "Kang Song Il", "employee"),
                ("Maintenance Workshop Cell", "Kim Yong Su", "member"),
                ("Maintenance Workshop Cell", "Ryu Chun Hwa", "member"),
                ("Maintenance Workshop Cell", "So Jong Nam", "applicant"),
                (
                    "Namhung Youth Chemical Complex Primary Committee",
                    "Kim Chol Min",
                    "member",
                ),
                (
                    "Namhung Youth Chemical Complex Primary Committee",
                    "Ri Song Hui",
                    "member",
                ),
                ("Work Team 1 Cell", "Pak Sun Ok", "member"),
                ("Work Team 1 Cell", "O Hyon Chol", "employee"),
                ("Blast Furnace Cell", "Jon Kwang Ho", "member"),
                ("Blast Furnace Cell", "Mun Su Gyong", "candidate"),
            ];
            let mut person_ids: Vec<(&str, i64)> = Vec::new();
            for (unit, name, status) in people {
                let unit_id = ids
                    .iter()
                    .find(|(n, _)| n == unit)
                    .map(|(_, id)| *id)
                    .unwrap_or(root.id);
                let person = crate::people::create(
                    app,
                    &actor,
                    unit_id,
                    crate::people::PersonInput {
                        full_name: name.to_string(),
                        status: status.to_string(),
                        joined_on: "2022-02-28".into(),
                        ..Default::default()
                    },
                )
                .await?;
                person_ids.push((name, person.id));
            }
            let person = |name: &str| {
                person_ids
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, id)| *id)
            };
            let unit = |name: &str| ids.iter().find(|(n, _)| *n == name).map(|(_, id)| *id);
            // The lead trio of the chemical complex (technical head vacant)
            // and the secretary of one of its cells.
            let appointments: &[(&str, &str, &str, &str)] = &[
                (
                    "Namhung Youth Chemical Complex Primary Committee",
                    "secretary",
                    "Kim Chol Min",
                    "2019-04-11",
                ),
                (
                    "Namhung Youth Chemical Complex Primary Committee",
                    "administrative_head",
                    "Ri Song Hui",
                    "2022-01-03",
                ),
                (
                    "Synthesis Workshop Cell",
                    "cell_secretary",
                    "Han Myong Chol",
                    "2021-09-01",
                ),
                (
                    "Blast Furnace Cell",
                    "cell_secretary",
                    "Jon Kwang Ho",
                    "2020-06-15",
                ),
            ];
            for (u, key, name, from) in appointments {
                if let (Some(u), Some(p)) = (unit(u), person(name)) {
                    crate::positions::assign(app, &actor, u, key, p, from).await?;
                }
            }
            // The technical forces: a small catalogue and who has what.
            let catalogue: &[(&str, &str)] = &[
                ("Chemical process engineering", "engineering"),
                ("Automation and control", "engineering"),
                ("Welding", "metalwork"),
                ("Blast furnace operation", "metallurgy"),
                ("Crop cultivation", "agronomy"),
            ];
            let mut skill_ids = Vec::new();
            for (name, category) in catalogue {
                skill_ids.push((
                    *name,
                    crate::skills::create(app, &actor, name, category).await?.id,
                ));
            }
            let skill = |name: &str| {
                skill_ids
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, id)| *id)
            };
            let held: &[(&str, &str, i32, &str)] = &[
                (
                    "Han Myong Chol",
                    "Chemical process engineering",
                    5,
                    "2027-06-30",
                ),
                ("Jang Un Hui", "Chemical process engineering", 3, ""),
                ("Kang Song Il", "Automation and control", 4, "2026-12-15"),
                ("Kim Yong Su", "Welding", 4, "2025-10-01"),
                ("Ryu Chun Hwa", "Automation and control", 2, ""),
                ("Pak Sun Ok", "Crop cultivation", 5, ""),
                ("Jon Kwang Ho", "Blast furnace operation", 5, "2028-03-31"),
            ];
            for (name, skill_name, level, until) in held {
                if let (Some(p), Some(s)) = (person(name), skill(skill_name)) {
                    crate::skills::set(app, &actor, p, s, *level, until).await?;
                }
            }
            for (user, display, role, unit, scope) in logins.iter().skip(1) {
                let unit_id = ids
                    .iter()
                    .find(|(n, _)| n == unit)
                    .map(|(_, id)| *id)
                    .unwrap_or(root.id);
                let account = crate::accounts::create(
                    app,
                    &actor,
                    crate::accounts::CreateInput {
                        username: user.to_string(),
                        display_name: display.to_string(),
                        home_unit_id: unit_id,
                        password: demo_password(user),
                    },
                )
                .await?;
                crate::roles::assign(
                    app,
                    &actor,
                    account.id,
                    Assignment {
                        role: *role,
                        unit_id,
                        scope: *scope,
                    },
                )
                .await?;
                // Logins of people of the organization show their own record.
                if let Some(p) = person(display) {
                    crate::accounts::link_person(app, &actor, account.id, Some(p)).await?;
                }
            }
            root
        }
    };
    Ok(logins
        .iter()
        .map(|(user, _, role, unit, _)| DemoLogin {
            username: user.to_string(),
            password: demo_password(user),
            role: *role,
            unit_name: if unit.is_empty() {
                root.name.clone()
            } else {
                unit.to_string()
            },
        })
        .collect())
}
