//! Storage scenarios, run on SQLite always and on PostgreSQL whenever
//! TEST_DATABASE_URL is set.

use grassroots_app::{Actor, App, Config, setup};
use grassroots_core::{Assignment, Principal, Read, Role, ScopeKind};
use grassroots_store::{Db, migrate, units};
use grassroots_testkit::{postgres_db, postgres_url, sqlite_db};

/// A small deterministic generator (no dependency on test order).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// An initialized organization on `db` and the command-line actor.
async fn organization(db: Db) -> (App, grassroots_store::units::Unit, Actor) {
    let app = App::new(db, Config::default());
    let (root, _) = setup::init(
        &app,
        setup::InitInput {
            organization: "Centre".into(),
            root_level: "central_committee".into(),
            admin_username: "admin".into(),
            admin_display_name: "Admin".into(),
            admin_password: "admin-password".into(),
        },
    )
    .await
    .unwrap();
    let actor = Actor::cli(root.id);
    (app, root, actor)
}

/// Builds a random tree through the services, then checks that the SQL
/// scope filter agrees with the pure policy for every unit and random
/// assignments, and that the closure table is consistent.
async fn scope_scenario(db: Db, seed: u64) {
    let (app, root, actor) = organization(db).await;
    let mut rng = Lcg(seed);
    let mut ids = vec![root.id];
    for i in 0..40 {
        let parent = ids[rng.next(ids.len() as u64) as usize];
        let u =
            grassroots_app::units::create_child(&app, &actor, parent, &format!("Unit {i}"), "cell")
                .await
                .unwrap();
        ids.push(u.id);
    }
    let mut c = app.db.conn().await.unwrap();
    let mut paths = Vec::new();
    for id in &ids {
        paths.push(units::ancestor_ids(&mut c, *id).await.unwrap());
    }
    for round in 0..25 {
        let n = rng.next(4);
        let assignments: Vec<Assignment> = (0..n)
            .map(|_| Assignment {
                role: Role::ALL[rng.next(5) as usize],
                unit_id: ids[rng.next(ids.len() as u64) as usize],
                scope: if rng.next(2) == 0 {
                    ScopeKind::Unit
                } else {
                    ScopeKind::Subtree
                },
            })
            .collect();
        let p = Principal::new(1, assignments.clone());
        let scope = p.scope::<Read>();
        let listed: Vec<i64> = units::list(&mut c, &scope, 1000, 0)
            .await
            .unwrap()
            .iter()
            .map(|u| u.id)
            .collect();
        for (id, path) in ids.iter().zip(&paths) {
            let expected = scope.allows(*id, path);
            assert_eq!(
                units::in_scope(&mut c, &scope, *id).await.unwrap(),
                expected,
                "round {round}, unit {id}, assignments {assignments:?}"
            );
            assert_eq!(
                listed.contains(id),
                expected,
                "list disagrees for unit {id}"
            );
            assert_eq!(units::get(&mut c, &scope, *id).await.is_ok(), expected);
        }
    }
    let report = grassroots_store::check::run(&mut c).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.audit.rows as usize, 3 + 40);
}

#[tokio::test]
async fn scope_filter_matches_policy_on_sqlite() {
    let (db, _dir) = sqlite_db().await;
    scope_scenario(db, 7).await;
}

#[tokio::test]
async fn scope_filter_matches_policy_on_postgres() {
    let Some(url) = postgres_url() else {
        eprintln!("TEST_DATABASE_URL not set: PostgreSQL scenario not run");
        return;
    };
    scope_scenario(postgres_db(&url).await, 7).await;
}

#[tokio::test]
async fn both_engines_have_the_same_tables_and_columns() {
    let Some(url) = postgres_url() else {
        eprintln!("TEST_DATABASE_URL not set: schema comparison not run");
        return;
    };
    let (lite, _dir) = sqlite_db().await;
    let pg = postgres_db(&url).await;
    let a = migrate::table_columns(&mut lite.conn().await.unwrap())
        .await
        .unwrap();
    let b = migrate::table_columns(&mut pg.conn().await.unwrap())
        .await
        .unwrap();
    assert!(!a.is_empty());
    assert_eq!(a, b, "SQLite and PostgreSQL schemas differ");
}

#[tokio::test]
async fn migrations_are_idempotent_and_detect_edits() {
    let (db, _dir) = sqlite_db().await;
    assert!(
        migrate::run(&db).await.unwrap().is_empty(),
        "second run applies nothing"
    );
    if let Db::Sqlite(pool) = &db {
        sqlx::query("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1")
            .execute(pool)
            .await
            .unwrap();
    }
    let err = migrate::run(&db).await.unwrap_err().to_string();
    assert!(err.contains("migration 1"), "{err}");
}

#[tokio::test]
async fn sibling_names_are_unique_and_tree_changes_are_atomic() {
    let t = grassroots_testkit::TestApp::new().await;
    let a = t
        .unit("Anju City Committee", "city_committee", t.root)
        .await;
    let err = grassroots_app::units::create_child(
        &t.app,
        &t.cli(),
        t.root,
        "Anju City Committee",
        "city_committee",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, grassroots_app::AppError::Conflict { field: "name" }),
        "{err:?}"
    );
    // The failed insert left no closure rows behind.
    let mut c = t.app.db.conn().await.unwrap();
    let report = grassroots_store::check::run(&mut c).await.unwrap();
    assert!(report.tree_problems.is_empty(), "{report:?}");
    // Korean names are stored and read back intact.
    let k = t.unit("평양시당위원회", "city_committee", a).await;
    let u = grassroots_app::units::get(&t.app, &t.cli(), k)
        .await
        .unwrap();
    assert_eq!(u.name, "평양시당위원회");
    assert_eq!(u.depth, 2);
}

/// Random sequences of unit creation, moves (including refused cycles),
/// merges, closes, person additions, status changes, skills, positions and
/// transfers keep the closure table and every maintained counter equal to
/// a recomputation from scratch.
async fn tree_and_counters_scenario(db: Db, seed: u64) {
    use grassroots_app::people::{self, PersonInput};
    let (app, root, actor) = organization(db).await;
    let mut rng = Lcg(seed);
    let mut units_made = vec![root.id];
    let mut persons = Vec::new();
    let statuses = grassroots_store::people::STATUSES;
    let mut moves = 0;
    let (mut merges, mut closes, mut transfers, mut appointments) = (0, 0, 0, 0);
    let skill = grassroots_app::skills::create(&app, &actor, "Welding", "metalwork")
        .await
        .unwrap()
        .id;
    for step in 0..240 {
        match rng.next(14) {
            0..=2 => {
                let parent = units_made[rng.next(units_made.len() as u64) as usize];
                let level = if rng.next(3) == 0 {
                    "cell"
                } else {
                    "primary_committee"
                };
                let u = grassroots_app::units::create_child(
                    &app,
                    &actor,
                    parent,
                    &format!("U{step}"),
                    level,
                )
                .await
                .unwrap();
                units_made.push(u.id);
            }
            3..=4 => {
                let id = units_made[rng.next(units_made.len() as u64) as usize];
                let to = units_made[rng.next(units_made.len() as u64) as usize];
                match grassroots_app::units::move_unit(&app, &actor, id, to).await {
                    Ok(_) => moves += 1,
                    Err(grassroots_app::AppError::Invalid(f)) => assert_eq!(f.field, "parent_id"),
                    Err(grassroots_app::AppError::Conflict { field }) => assert_eq!(field, "name"),
                    Err(e) => panic!("move {id} -> {to}: {e:?}"),
                }
            }
            5..=7 => {
                let unit = units_made[rng.next(units_made.len() as u64) as usize];
                let p = people::create(
                    &app,
                    &actor,
                    unit,
                    PersonInput {
                        full_name: format!("Person {step}"),
                        status: statuses[rng.next(statuses.len() as u64) as usize].into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
                persons.push(p.id);
            }
            8 => {
                if !persons.is_empty() {
                    let p = persons[rng.next(persons.len() as u64) as usize];
                    let s = statuses[rng.next(statuses.len() as u64) as usize];
                    people::set_status(&app, &actor, p, s).await.unwrap();
                }
            }
            10 => {
                // Merge a unit into another (refused into its own subtree).
                let from = units_made[rng.next(units_made.len() as u64) as usize];
                let into = units_made[rng.next(units_made.len() as u64) as usize];
                if from == root.id {
                    continue;
                }
                match grassroots_app::units::merge(&app, &actor, from, into).await {
                    Ok(_) => {
                        merges += 1;
                        units_made.retain(|u| *u != from);
                    }
                    Err(grassroots_app::AppError::Invalid(f)) => assert_eq!(f.field, "into_id"),
                    Err(grassroots_app::AppError::Conflict { field }) => assert_eq!(field, "name"),
                    Err(e) => panic!("merge {from} -> {into}: {e:?}"),
                }
            }
            11 => {
                let id = units_made[rng.next(units_made.len() as u64) as usize];
                if id == root.id {
                    continue;
                }
                match grassroots_app::units::close(&app, &actor, id).await {
                    Ok(_) => {
                        closes += 1;
                        units_made.retain(|u| *u != id);
                    }
                    Err(grassroots_app::AppError::Invalid(f)) => {
                        assert_eq!((f.field, f.code), ("id", "not_empty"))
                    }
                    Err(e) => panic!("close {id}: {e:?}"),
                }
            }
            12 => {
                // Transfer someone and acknowledge at once.
                if !persons.is_empty() {
                    let p = persons[rng.next(persons.len() as u64) as usize];
                    let to = units_made[rng.next(units_made.len() as u64) as usize];
                    match grassroots_app::transfers::issue(&app, &actor, p, to).await {
                        Ok(t) => {
                            grassroots_app::transfers::acknowledge(&app, &actor, t.id)
                                .await
                                .unwrap();
                            transfers += 1;
                        }
                        Err(grassroots_app::AppError::Invalid(_)) => {}
                        Err(e) => panic!("transfer {p} -> {to}: {e:?}"),
                    }
                }
            }
            13 => {
                if !persons.is_empty() {
                    let p = persons[rng.next(persons.len() as u64) as usize];
                    let mut c = app.db.conn().await.unwrap();
                    let unit = grassroots_store::people::get(
                        &mut c,
                        &actor.principal.scope::<grassroots_core::Read>(),
                        p,
                    )
                    .await
                    .unwrap()
                    .unit_id;
                    drop(c);
                    let kind =
                        ["committee_member", "secretary", "technical_head"][rng.next(3) as usize];
                    match grassroots_app::positions::assign(&app, &actor, unit, kind, p, "").await {
                        Ok(pos) => {
                            appointments += 1;
                            if rng.next(4) == 0 {
                                grassroots_app::positions::end(&app, &actor, pos.id, "")
                                    .await
                                    .unwrap();
                            }
                        }
                        Err(grassroots_app::AppError::Invalid(_))
                        | Err(grassroots_app::AppError::Conflict { .. }) => {}
                        Err(e) => panic!("appoint {p} in {unit}: {e:?}"),
                    }
                }
            }
            _ => {
                if !persons.is_empty() {
                    let p = persons[rng.next(persons.len() as u64) as usize];
                    if rng.next(3) == 0 {
                        let _ = grassroots_app::skills::remove(&app, &actor, p, skill).await;
                    } else {
                        grassroots_app::skills::set(&app, &actor, p, skill, 3, "")
                            .await
                            .unwrap();
                    }
                }
            }
        }
        if step % 60 == 59 {
            let mut c = app.db.conn().await.unwrap();
            let report = grassroots_store::check::run(&mut c).await.unwrap();
            assert!(report.ok(), "after step {step}: {report:?}");
        }
    }
    assert!(moves > 5, "the scenario must exercise moves ({moves})");
    assert!(
        merges > 2 && closes > 0 && transfers > 2 && appointments > 2,
        "the scenario must exercise merges ({merges}), closes ({closes}), transfers ({transfers}) and appointments ({appointments})"
    );
    let mut c = app.db.conn().await.unwrap();
    let stored = grassroots_store::aggregates::stored(&mut c).await.unwrap();
    let root_people: i64 = stored
        .iter()
        .filter(|r| r.unit_id == root.id && r.metric.starts_with("people."))
        .map(|r| r.subtree)
        .sum();
    assert_eq!(
        root_people as usize,
        persons.len(),
        "every person counts once at the root"
    );
}

#[tokio::test]
async fn moves_and_people_keep_counters_exact_on_sqlite() {
    for seed in [1, 2, 3] {
        let (db, _dir) = sqlite_db().await;
        tree_and_counters_scenario(db, seed).await;
    }
}

#[tokio::test]
async fn moves_and_people_keep_counters_exact_on_postgres() {
    let Some(url) = postgres_url() else {
        eprintln!("TEST_DATABASE_URL not set: PostgreSQL scenario not run");
        return;
    };
    for seed in [1, 2, 3] {
        tree_and_counters_scenario(postgres_db(&url).await, seed).await;
    }
}
