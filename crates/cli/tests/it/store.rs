//! Storage scenarios, run on SQLite always and on PostgreSQL whenever
//! TEST_DATABASE_URL is set.

use grassroots_app::{Actor, App, Config, setup};
use grassroots_core::{Assignment, Principal, Read, Role, ScopeKind};
use grassroots_store::{Db, migrate, tree, units};
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

/// A member named `name` added to `unit` through the service.
async fn member(app: &App, actor: &Actor, unit: i64, name: &str) -> i64 {
    grassroots_app::people::create(
        app,
        actor,
        unit,
        grassroots_app::people::PersonInput {
            full_name: name.into(),
            status: "member".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
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
    grassroots_testkit::allow_any_shape(&app, &actor).await;
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
        paths.push(tree::ancestor_ids(&mut c, *id).await.unwrap());
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
                tree::in_scope(&mut c, &scope, *id).await.unwrap(),
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
    let report = grassroots_store::check::run(&mut c, chrono::Utc::now().date_naive())
        .await
        .unwrap();
    assert!(report.ok(), "{report:?}");
    // Set-up, the any-shape profile, then one row per unit.
    assert_eq!(report.audit.rows as usize, 3 + 1 + 40);
}

/// A fresh PostgreSQL database when `TEST_DATABASE_URL` names a server;
/// otherwise `None`, saying the scenario was not run.
async fn postgres_or_skip() -> Option<Db> {
    let Some(url) = postgres_url() else {
        eprintln!("TEST_DATABASE_URL not set: PostgreSQL scenario not run");
        return None;
    };
    Some(postgres_db(&url).await)
}

#[tokio::test]
async fn scope_filter_matches_policy_on_sqlite() {
    let (db, _dir) = sqlite_db().await;
    scope_scenario(db, 7).await;
}

#[tokio::test]
async fn scope_filter_matches_policy_on_postgres() {
    let Some(db) = postgres_or_skip().await else {
        return;
    };
    scope_scenario(db, 7).await;
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
    if let Db::Sqlite(pool, _) = &db {
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
        .unit(
            "South Phyongan Provincial Committee",
            "provincial_committee",
            t.root,
        )
        .await;
    let err = grassroots_app::units::create_child(
        &t.app,
        &t.cli(),
        t.root,
        "South Phyongan Provincial Committee",
        "provincial_committee",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, grassroots_app::AppError::Conflict { field: "name" }),
        "{err:?}"
    );
    // The failed insert left no closure rows behind.
    let mut c = t.app.db.conn().await.unwrap();
    let report = grassroots_store::check::run(&mut c, chrono::Utc::now().date_naive())
        .await
        .unwrap();
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
    grassroots_testkit::allow_any_shape(&app, &actor).await;
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
            let report = grassroots_store::check::run(&mut c, chrono::Utc::now().date_naive())
                .await
                .unwrap();
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

/// Random sequences of plans, targets, cascades (both rules), check-ins,
/// deletions, blockers, unit moves and merges, and days passing: after
/// each batch, every aggregate equals a recomputation from scratch and
/// every stored status equals a derivation from the facts; a target
/// nobody reported on is never counted as 0 %.
async fn plans_scenario(db: Db, seed: u64) {
    use grassroots_app::plans::{
        self, BlockerInput, CascadeInput, CascadePart, CheckInInput, PlanInput, TargetInput,
    };
    let (app, root, actor) = organization(db).await;
    grassroots_testkit::allow_any_shape(&app, &actor).await;
    let mut rng = Lcg(seed);
    let mut units_made = vec![root.id];
    for i in 0..14 {
        let parent = units_made[rng.next(units_made.len() as u64) as usize];
        let u =
            grassroots_app::units::create_child(&app, &actor, parent, &format!("Unit {i}"), "cell")
                .await
                .unwrap();
        units_made.push(u.id);
    }
    let mut plans_of: std::collections::BTreeMap<i64, i64> = Default::default();
    for u in &units_made {
        let p = plans::create_plan(
            &app,
            &actor,
            *u,
            PlanInput {
                title: "Plan".into(),
                period_kind: "year".into(),
                cadence: Some(["daily", "weekly", "monthly"][rng.next(3) as usize].into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        plans_of.insert(*u, p.id);
    }
    let mut targets: Vec<i64> = Vec::new();
    let mut blockers: Vec<i64> = Vec::new();
    let check = |app: App| async move {
        let mut c = app.db.conn().await.unwrap();
        let report = grassroots_store::check::run(&mut c, app.clock.now().date_naive())
            .await
            .unwrap();
        assert!(report.ok(), "{report:?}");
        // The job left no status behind the date.
        let due = grassroots_store::plans::due_for_refresh(&mut c, app.clock.now().date_naive(), 5)
            .await
            .unwrap();
        assert!(due.is_empty(), "statuses not re-derived: {due:?}");
    };
    for step in 0..260 {
        let today = plans::today(&app);
        match rng.next(12) {
            0..=2 => {
                let unit = units_made[rng.next(units_made.len() as u64) as usize];
                let Some(plan) = plans_of.get(&unit) else {
                    continue;
                };
                let numeric = rng.next(3) > 0;
                let due = today + chrono::Duration::days(rng.next(60) as i64 - 20);
                let start = due - chrono::Duration::days(rng.next(90) as i64 + 1);
                let r = plans::add_target(
                    &app,
                    &actor,
                    *plan,
                    TargetInput {
                        title: format!("Target {step}"),
                        category: "economic".into(),
                        kind: if numeric { "numeric" } else { "milestone" }.into(),
                        baseline: Some(rng.next(50) as f64),
                        target_value: Some(rng.next(200) as f64),
                        measure_unit: "t".into(),
                        starts_on: Some(start.format("%Y-%m-%d").to_string()),
                        due_on: Some(due.format("%Y-%m-%d").to_string()),
                        weight: Some(rng.next(5) as i64 + 1),
                        ..Default::default()
                    },
                )
                .await;
                match r {
                    Ok(t) => targets.push(t.id),
                    Err(e) => panic!("add target: {e:?}"),
                }
            }
            3..=5 => {
                let Some(&t) = targets.get(rng.next(targets.len().max(1) as u64) as usize) else {
                    continue;
                };
                let r = plans::check_in(
                    &app,
                    &actor,
                    t,
                    CheckInInput {
                        reported_on: Some(
                            (today - chrono::Duration::days(rng.next(10) as i64))
                                .format("%Y-%m-%d")
                                .to_string(),
                        ),
                        value: Some(rng.next(220) as f64),
                        done: rng.next(6) == 0,
                        narrative: if rng.next(4) == 0 {
                            String::new()
                        } else {
                            "report".into()
                        },
                        blocker: (rng.next(8) == 0).then(|| BlockerInput {
                            title: "In the way".into(),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                )
                .await;
                match r {
                    Ok(_) => {}
                    // Deleted, split, or off track without a narrative.
                    Err(grassroots_app::AppError::NotFound) => {}
                    Err(grassroots_app::AppError::Invalid(f)) => {
                        assert!(["target_id", "narrative"].contains(&f.field), "{f:?}")
                    }
                    Err(e) => panic!("check in {t}: {e:?}"),
                }
            }
            6 => {
                let Some(&t) = targets.get(rng.next(targets.len().max(1) as u64) as usize) else {
                    continue;
                };
                let parts: Vec<CascadePart> = (0..rng.next(3) + 1)
                    .map(|_| CascadePart {
                        unit_id: units_made[rng.next(units_made.len() as u64) as usize],
                        weight: Some(rng.next(4) as i64 + 1),
                        target_value: Some(rng.next(100) as f64 + 1.0),
                    })
                    .collect();
                let rollup = if rng.next(2) == 0 { "mean" } else { "sum" };
                match plans::cascade(
                    &app,
                    &actor,
                    t,
                    CascadeInput {
                        rollup: rollup.into(),
                        parts,
                    },
                )
                .await
                {
                    Ok(made) => {
                        for m in made {
                            targets.push(m.id);
                            plans_of.entry(m.unit_id).or_insert(m.plan_id);
                        }
                    }
                    Err(grassroots_app::AppError::NotFound) => {}
                    Err(grassroots_app::AppError::Invalid(f)) => {
                        assert!(["parts", "rollup"].contains(&f.field), "{f:?}")
                    }
                    Err(e) => panic!("cascade {t}: {e:?}"),
                }
            }
            7 => {
                let Some(&t) = targets.get(rng.next(targets.len().max(1) as u64) as usize) else {
                    continue;
                };
                match plans::delete_target(&app, &actor, t).await {
                    Ok(_) | Err(grassroots_app::AppError::NotFound) => {}
                    Err(e) => panic!("delete {t}: {e:?}"),
                }
            }
            8 => {
                let id = units_made[rng.next(units_made.len() as u64) as usize];
                let to = units_made[rng.next(units_made.len() as u64) as usize];
                if id == root.id {
                    continue;
                }
                match grassroots_app::units::move_unit(&app, &actor, id, to).await {
                    Ok(_) | Err(grassroots_app::AppError::Invalid(_)) => {}
                    Err(grassroots_app::AppError::Conflict { .. }) => {}
                    Err(e) => panic!("move: {e:?}"),
                }
            }
            9 => {
                let from = units_made[rng.next(units_made.len() as u64) as usize];
                let into = units_made[rng.next(units_made.len() as u64) as usize];
                if from == root.id || from == into {
                    continue;
                }
                match grassroots_app::units::merge(&app, &actor, from, into).await {
                    Ok(_) => {
                        units_made.retain(|u| *u != from);
                        plans_of.remove(&from);
                    }
                    Err(grassroots_app::AppError::Invalid(_))
                    | Err(grassroots_app::AppError::Conflict { .. }) => {}
                    Err(e) => panic!("merge: {e:?}"),
                }
            }
            10 => {
                // Blockers: raise one, or resolve one.
                if rng.next(2) == 0 || blockers.is_empty() {
                    let unit = units_made[rng.next(units_made.len() as u64) as usize];
                    let b = plans::open_blocker(
                        &app,
                        &actor,
                        unit,
                        None,
                        BlockerInput {
                            title: "Shortage".into(),
                            deadline_on: Some(
                                (today + chrono::Duration::days(rng.next(5) as i64))
                                    .format("%Y-%m-%d")
                                    .to_string(),
                            ),
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap();
                    blockers.push(b.id);
                } else {
                    let b = blockers.swap_remove(rng.next(blockers.len() as u64) as usize);
                    plans::resolve_blocker(&app, &actor, b, "done")
                        .await
                        .unwrap();
                }
            }
            _ => {
                // Days pass; the jobs catch up.
                app.clock
                    .advance(chrono::Duration::days(rng.next(9) as i64));
                plans::refresh_statuses(&app).await.unwrap();
                plans::escalate_blockers(&app).await.unwrap();
            }
        }
        if step % 40 == 39 {
            plans::refresh_statuses(&app).await.unwrap();
            check(app.clone()).await;
        }
    }
    plans::refresh_statuses(&app).await.unwrap();
    check(app.clone()).await;
    // Unknown is never zero: no leaf target without a report has a
    // completion, and the weight behind each roll-up counts only those
    // with one.
    let mut c = app.db.conn().await.unwrap();
    let scope = actor.principal.scope::<Read>();
    let year = plans::today(&app).format("%Y").to_string();
    let rollup =
        grassroots_store::plans::rollup(&mut c, &scope, root.id, &year, plans::today(&app))
            .await
            .unwrap();
    let mut expected_weight = 0;
    let mut seen = 0;
    for t in &targets {
        let Ok(t) = grassroots_store::plans::get_target(&mut c, &scope, *t).await else {
            continue;
        };
        if t.deleted_at.is_some() {
            continue;
        }
        seen += 1;
        if t.children == 0 && t.last_on.is_none() {
            assert_eq!(t.completion_ppm, None, "target {} has no report", t.id);
        }
        if t.children == 0 && t.completion_ppm.is_some() && t.year() == year {
            expected_weight += t.weight;
        }
    }
    assert!(seen > 20, "the scenario made targets ({seen})");
    // Both query plans of the dashboard's lists give the same rows.
    for unit in &units_made {
        let statuses = ["late", "off_track", "not_reported"];
        let walked = grassroots_store::plans::in_subtree_with_status_by(
            &mut c, &scope, *unit, &year, &statuses, 50, true,
        )
        .await
        .unwrap();
        let probed = grassroots_store::plans::in_subtree_with_status_by(
            &mut c, &scope, *unit, &year, &statuses, 50, false,
        )
        .await
        .unwrap();
        let ids = |l: &[grassroots_store::plans::TargetListing]| {
            l.iter().map(|t| t.target.id).collect::<Vec<_>>()
        };
        assert_eq!(ids(&walked), ids(&probed), "targets below {unit}");
        let walked =
            grassroots_store::plans::blockers::open_in_subtree_by(&mut c, &scope, *unit, 50, true)
                .await
                .unwrap();
        let probed =
            grassroots_store::plans::blockers::open_in_subtree_by(&mut c, &scope, *unit, 50, false)
                .await
                .unwrap();
        let ids = |l: &[grassroots_store::plans::blockers::BlockerListing]| {
            l.iter().map(|b| b.blocker.id).collect::<Vec<_>>()
        };
        assert_eq!(ids(&walked), ids(&probed), "blockers below {unit}");
    }
    assert_eq!(rollup.reported_weight, expected_weight);
}

#[tokio::test]
async fn plans_keep_roll_ups_and_statuses_exact_on_sqlite() {
    for seed in [3, 11] {
        let (db, _dir) = sqlite_db().await;
        plans_scenario(db, seed).await;
    }
}

#[tokio::test]
async fn plans_keep_roll_ups_and_statuses_exact_on_postgres() {
    let Some(url) = postgres_url() else {
        eprintln!("TEST_DATABASE_URL not set: PostgreSQL scenario not run");
        return;
    };
    for seed in [3, 11] {
        plans_scenario(postgres_db(&url).await, seed).await;
    }
}

/// The same plan entered one step at a time in one primary committee and
/// loaded in bulk in another gives the same targets, statuses, roll-ups
/// and blockers, and passes the integrity check.
async fn plan_load_scenario(db: Db) {
    use grassroots_app::plans::{
        self, BlockerInput, CascadeInput, CascadePart, CheckInInput, PlanInput, TargetInput,
    };
    use grassroots_core::progress::Measure;
    use grassroots_store::plans::load::{LoadCheckIn, LoadPlan, LoadTarget};
    let (app, root, actor) = organization(db).await;
    let mut shape = Vec::new();
    for name in ["Stepwise", "Bulk"] {
        let primary = grassroots_app::units::create_child(
            &app,
            &actor,
            root.id,
            &format!("{name} Factory"),
            "primary_committee",
        )
        .await
        .unwrap()
        .id;
        let mut cells = Vec::new();
        for i in 0..3 {
            let cell = grassroots_app::units::create_child(
                &app,
                &actor,
                primary,
                &format!("Cell {i}"),
                "cell",
            )
            .await
            .unwrap();
            cells.push(cell.id);
        }
        shape.push((primary, cells));
    }
    let today = plans::today(&app);
    let (start, end) = plans::period("year", today, None).unwrap();
    let ymd = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let study_due = start + chrono::Duration::days(((today - start).num_days() / 2).max(1));
    // Cell k reports this much of the output share (None: not at all), is
    // done with the study milestone or not, and reports on its own target.
    let output = [Some(40.0), None, Some(5.0)];
    let studied = [true, false, true];
    let own = [Some(3.0), Some(11.0), None];

    // One step at a time.
    let (primary, cells) = &shape[0];
    let plan = plans::create_plan(
        &app,
        &actor,
        *primary,
        PlanInput {
            title: "Plan".into(),
            period_kind: "year".into(),
            cadence: Some("monthly".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let add = |plan_id: i64, title: &str, numeric: Option<f64>, due| {
        let app = app.clone();
        let actor = actor.clone();
        let title = title.to_string();
        async move {
            plans::add_target(
                &app,
                &actor,
                plan_id,
                TargetInput {
                    title,
                    category: "economic".into(),
                    kind: if numeric.is_some() {
                        "numeric"
                    } else {
                        "milestone"
                    }
                    .into(),
                    baseline: numeric.map(|_| 0.0),
                    target_value: numeric,
                    measure_unit: "t".into(),
                    due_on: Some(due),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
        }
    };
    let out = add(plan.id, "Output", Some(300.0), ymd(end)).await;
    let study = add(plan.id, "Study", None, ymd(study_due)).await;
    let parts = |values: bool| CascadeInput {
        rollup: if values { "sum" } else { "mean" }.into(),
        parts: cells
            .iter()
            .map(|c| CascadePart {
                unit_id: *c,
                weight: Some(1),
                target_value: values.then_some(100.0),
            })
            .collect(),
    };
    let out_shares = plans::cascade(&app, &actor, out.id, parts(true))
        .await
        .unwrap();
    let study_shares = plans::cascade(&app, &actor, study.id, parts(false))
        .await
        .unwrap();
    for (k, cell) in cells.iter().enumerate() {
        let cell_plan = plans::plans_of_unit(&app, &actor, *cell).await.unwrap()[0].id;
        let mine = add(cell_plan, "Own", Some(12.0), ymd(end)).await;
        let report = |value: Option<f64>, done: bool, blocker: bool| CheckInInput {
            reported_on: Some(ymd(today)),
            value,
            done,
            narrative: "Report".into(),
            confidence: Some("medium".into()),
            blocker: blocker.then(|| BlockerInput {
                title: "No steel".into(),
                owner_person_id: None,
                deadline_on: Some(ymd(today + chrono::Duration::days(7))),
            }),
        };
        if let Some(v) = output[k] {
            plans::check_in(
                &app,
                &actor,
                out_shares[k].id,
                report(Some(v), false, v < 10.0),
            )
            .await
            .unwrap();
        }
        if studied[k] {
            plans::check_in(&app, &actor, study_shares[k].id, report(None, true, false))
                .await
                .unwrap();
        }
        if let Some(v) = own[k] {
            plans::check_in(&app, &actor, mine.id, report(Some(v), false, false))
                .await
                .unwrap();
        }
    }

    // The same in one load.
    let (primary, cells) = &shape[1];
    let plan = |unit_id| LoadPlan {
        unit_id,
        title: "Plan",
        period_kind: "year",
        starts_on: start,
        ends_on: end,
        cadence: "monthly",
        decision_id: None,
    };
    let target = |plan, parent, title, measure, due_on, rollup| LoadTarget {
        plan,
        parent,
        title,
        category: "economic",
        measure,
        measure_unit: "t",
        starts_on: start,
        due_on,
        weight: 1,
        rollup,
        check_ins: Vec::new(),
    };
    let numeric = |target| Measure::Numeric {
        baseline: 0.0,
        target,
    };
    let report = |value, done| LoadCheckIn {
        reported_on: today,
        value,
        done,
        narrative: "Report",
        confidence: "medium",
        blocker: None,
    };
    let mut load_plans = vec![plan(*primary)];
    let mut load_targets = vec![
        target(0, None, "Output", numeric(300.0), end, "sum"),
        target(0, None, "Study", Measure::Milestone, study_due, "mean"),
    ];
    for (k, cell) in cells.iter().enumerate() {
        load_plans.push(plan(*cell));
        let p = load_plans.len() - 1;
        let mut share = target(p, Some(0), "Output", numeric(100.0), end, "mean");
        if let Some(v) = output[k] {
            let mut r = report(Some(v), false);
            if v < 10.0 {
                r.blocker = Some(("No steel", today + chrono::Duration::days(7)));
            }
            share.check_ins.push(r);
        }
        let mut s = target(p, Some(1), "Study", Measure::Milestone, study_due, "mean");
        if studied[k] {
            s.check_ins.push(report(None, true));
        }
        let mut mine = target(p, None, "Own", numeric(12.0), end, "mean");
        if let Some(v) = own[k] {
            mine.check_ins.push(report(Some(v), false));
        }
        load_targets.extend([share, s, mine]);
    }
    let loaded = plans::load(&app, &actor, &load_plans, &load_targets)
        .await
        .unwrap();
    assert_eq!(loaded.targets.len(), 11);
    assert_eq!((loaded.check_ins, loaded.blockers), (6, 1));

    // Same states, same roll-ups.
    let year = today.format("%Y").to_string();
    let mut c = app.db.conn().await.unwrap();
    let read = actor.principal.scope::<Read>();
    let mut states = Vec::new();
    let mut rollups = Vec::new();
    for (primary, cells) in &shape {
        let mut here = Vec::new();
        for unit in std::iter::once(primary).chain(cells) {
            for p in grassroots_store::plans::plans_of_unit(&mut c, &read, *unit)
                .await
                .unwrap()
            {
                for t in grassroots_store::plans::targets_of_plan(&mut c, &p)
                    .await
                    .unwrap()
                {
                    here.push((
                        t.title,
                        t.status,
                        t.completion_ppm,
                        t.last_on,
                        t.last_value,
                        t.children,
                        t.next_check_on,
                    ));
                }
            }
        }
        states.push(here);
        rollups.push(
            grassroots_store::plans::rollup(&mut c, &read, *primary, &year, today)
                .await
                .unwrap(),
        );
    }
    assert_eq!(states[0], states[1]);
    assert_eq!(rollups[0], rollups[1]);
    assert_eq!(rollups[1].targets, 11);
    assert_eq!(rollups[1].blockers_open, 1);
    let report = grassroots_store::check::run(&mut c, today).await.unwrap();
    assert!(report.ok(), "{report:?}");
    drop(c);

    // A share must go down the tree: a parent in a sibling's plan is refused,
    // and nothing of the load is left.
    let bad_plans = [plan(shape[0].1[0]), plan(shape[1].1[0])];
    let bad_targets = [
        target(0, None, "Across", Measure::Milestone, end, "mean"),
        target(1, Some(0), "Across", Measure::Milestone, end, "mean"),
    ];
    assert!(
        plans::load(&app, &actor, &bad_plans, &bad_targets)
            .await
            .is_err()
    );
    let mut c = app.db.conn().await.unwrap();
    let after = grassroots_store::plans::rollup(&mut c, &read, root.id, &year, today)
        .await
        .unwrap();
    assert_eq!(after.targets, 22);
}

#[tokio::test]
async fn plan_load_equals_entry_one_at_a_time_on_sqlite() {
    let (db, _dir) = sqlite_db().await;
    plan_load_scenario(db).await;
}

#[tokio::test]
async fn plan_load_equals_entry_one_at_a_time_on_postgres() {
    let Some(db) = postgres_or_skip().await else {
        return;
    };
    let db = db;
    // Statements are planned for their values, never with a generic plan.
    let mut c = db.conn().await.unwrap();
    let grassroots_store::Conn::Postgres(pg) = &mut c else {
        unreachable!()
    };
    let mode: String = sqlx::query_scalar("SHOW plan_cache_mode")
        .fetch_one(&mut **pg)
        .await
        .unwrap();
    assert_eq!(mode, "force_custom_plan");
    drop(c);
    plan_load_scenario(db).await;
}

/// Skills given in bulk: refused whole when a person lies outside the
/// writer's scope, a skill is unknown or already held; otherwise every
/// counter equals a recomputation.
async fn skills_in_bulk_scenario(db: Db) {
    use grassroots_store::skills::{self, NewPersonSkill};
    let (app, root, actor) = organization(db).await;
    let unit = |name: &'static str| {
        let (app, actor) = (&app, &actor);
        async move {
            grassroots_app::units::create_child(app, actor, root.id, name, "primary_committee")
                .await
                .unwrap()
                .id
        }
    };
    let (a, b) = (unit("A").await, unit("B").await);
    let person = |u: i64, name: &'static str| member(&app, &actor, u, name);
    let (a1, a2, b1) = (
        person(a, "Kim").await,
        person(a, "Ri").await,
        person(b, "Pak").await,
    );
    let welding = grassroots_app::skills::create(&app, &actor, "Welding", "metalwork")
        .await
        .unwrap()
        .id;
    let driving = grassroots_app::skills::create(&app, &actor, "Driving", "transport")
        .await
        .unwrap()
        .id;
    let of_a = Principal::new(
        1,
        vec![Assignment {
            role: Role::Secretary,
            unit_id: a,
            scope: ScopeKind::Subtree,
        }],
    )
    .scope::<grassroots_core::Edit>();
    let row = |person_id, skill_id| NewPersonSkill {
        person_id,
        skill_id,
        level: 3,
        certified_until: Some("2027-01-31"),
    };
    let attempt = |rows: Vec<NewPersonSkill<'static>>| {
        let (app, of_a) = (&app, &of_a);
        async move {
            let mut tx = app.db.begin().await.unwrap();
            let r = skills::add_many(&mut tx, of_a, &rows).await;
            if r.is_ok() {
                tx.commit().await.unwrap();
            }
            r
        }
    };
    let err = attempt(vec![row(a1, welding), row(b1, welding)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, grassroots_store::StoreError::NotFound),
        "{err:?}"
    );
    let err = attempt(vec![row(a1, welding), row(a2, driving + 100)])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            grassroots_store::StoreError::Conflict { field: "skill_id" }
        ),
        "{err:?}"
    );
    attempt(vec![row(a1, welding), row(a1, driving), row(a2, welding)])
        .await
        .unwrap();
    let err = attempt(vec![row(a2, driving), row(a2, welding)])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            grassroots_store::StoreError::Conflict { field: "skill_id" }
        ),
        "{err:?}"
    );
    let mut c = app.db.conn().await.unwrap();
    let read = actor.principal.scope::<Read>();
    let counts = grassroots_store::aggregates::of_unit(&mut c, &read, root.id)
        .await
        .unwrap();
    assert_eq!(
        counts
            .get(&grassroots_store::aggregates::skill_metric(welding))
            .map(|v| v.1),
        Some(2)
    );
    assert_eq!(
        counts
            .get(&grassroots_store::aggregates::skill_metric(driving))
            .map(|v| v.1),
        Some(1)
    );
    let of_b = grassroots_store::aggregates::of_unit(&mut c, &read, b)
        .await
        .unwrap();
    assert!(!of_b.contains_key(&grassroots_store::aggregates::skill_metric(welding)));
    let report = grassroots_store::check::run(&mut c, chrono::Utc::now().date_naive())
        .await
        .unwrap();
    assert!(report.ok(), "{report:?}");
}

#[tokio::test]
async fn skills_in_bulk_on_sqlite() {
    let (db, _dir) = sqlite_db().await;
    skills_in_bulk_scenario(db).await;
}

#[tokio::test]
async fn skills_in_bulk_on_postgres() {
    let Some(db) = postgres_or_skip().await else {
        return;
    };
    skills_in_bulk_scenario(db).await;
}

/// Units and appointments in bulk (the generator's paths): the same
/// checks as one at a time, nothing written when one row is refused, and
/// counters that `grassroots check` recomputes to the same values.
async fn units_and_positions_in_bulk_scenario(db: Db) {
    use grassroots_store::positions::{self, NewPosition};
    use grassroots_store::units::NewChild;
    use grassroots_store::{StoreError, aggregates};
    let (app, root, actor) = organization(db).await;
    let manage = actor.principal.scope::<grassroots_core::Manage>();
    let now = chrono::Utc::now();
    let child = |parent_id, name| NewChild {
        parent_id,
        name,
        level: "primary_committee",
        external_id: None,
    };
    let cell = |parent_id, name| NewChild {
        parent_id,
        name,
        level: "cell",
        external_id: None,
    };
    let mut tx = app.db.begin().await.unwrap();
    let made = units::create_many(
        &mut tx,
        &manage,
        &[child(root.id, "Mine"), child(root.id, "Mill")],
        now,
    )
    .await
    .unwrap();
    let (mine, mill) = (made[0], made[1]);
    let cells = units::create_many(
        &mut tx,
        &manage,
        &[
            cell(mine, "Shaft 1 Cell"),
            cell(mine, "Shaft 2 Cell"),
            cell(mill, "Shaft 1 Cell"),
        ],
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(cells.len(), 3);

    // Each refusal leaves nothing behind: the transaction is dropped.
    let of_mine = Principal::new(
        1,
        vec![Assignment {
            role: Role::Secretary,
            unit_id: mine,
            scope: ScopeKind::Subtree,
        }],
    );
    let mine_manage = of_mine.scope::<grassroots_core::Manage>();
    let refused = |scope: grassroots_core::Scope<grassroots_core::Manage>,
                   rows: Vec<NewChild<'static>>| {
        let app = &app;
        async move {
            let mut tx = app.db.begin().await.unwrap();
            units::create_many(&mut tx, &scope, &rows, now)
                .await
                .unwrap_err()
        }
    };
    // A sibling's subtree is out of reach, even beside an allowed row.
    let err = refused(
        mine_manage.clone(),
        vec![cell(mine, "Shaft 3 Cell"), cell(mill, "Shaft 9 Cell")],
    )
    .await;
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    // Twice the same name under one parent, or a name already taken.
    let err = refused(
        manage.clone(),
        vec![cell(mine, "Shaft 3 Cell"), cell(mine, "Shaft 3 Cell")],
    )
    .await;
    assert!(
        matches!(err, StoreError::Conflict { field: "name" }),
        "{err:?}"
    );
    let err = refused(manage.clone(), vec![cell(mine, "Shaft 1 Cell")]).await;
    assert!(
        matches!(err, StoreError::Conflict { field: "name" }),
        "{err:?}"
    );

    let person = |u: i64, name: &'static str| member(&app, &actor, u, name);
    let (kim, ri, pak) = (
        person(mine, "Kim").await,
        person(cells[0], "Ri").await,
        person(mill, "Pak").await,
    );
    let types: std::collections::HashMap<String, i64> = {
        let mut c = app.db.conn().await.unwrap();
        positions::types(&mut c)
            .await
            .unwrap()
            .into_iter()
            .map(|t| (t.key, t.id))
            .collect()
    };
    let seat = |unit_id, key: &str, person_id| NewPosition {
        unit_id,
        position_type_id: types[key],
        person_id,
        started_on: "2022-02-28",
    };
    let attempt = |scope: grassroots_core::Scope<grassroots_core::Manage>,
                   rows: Vec<NewPosition<'static>>| {
        let app = &app;
        async move {
            let mut tx = app.db.begin().await.unwrap();
            let r = positions::assign_many(&mut tx, &scope, &rows, now).await;
            if r.is_ok() {
                tx.commit().await.unwrap();
            }
            r
        }
    };
    // The mine's secretary may not appoint in the mill.
    let err = attempt(
        mine_manage.clone(),
        vec![seat(mine, "secretary", kim), seat(mill, "secretary", pak)],
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    // A person from outside the unit's subtree.
    let err = attempt(manage.clone(), vec![seat(mine, "secretary", pak)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { field: "person_id" }),
        "{err:?}"
    );
    // One lead seat filled twice in the same batch.
    let err = attempt(
        manage.clone(),
        vec![seat(mine, "secretary", kim), seat(mine, "secretary", ri)],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                field: "position_type_id"
            }
        ),
        "{err:?}"
    );
    attempt(
        manage.clone(),
        vec![
            seat(mine, "secretary", kim),
            seat(cells[0], "cell_secretary", ri),
            seat(mill, "administrative_head", pak),
        ],
    )
    .await
    .unwrap();
    // The seat is taken now, in the database.
    let err = attempt(manage.clone(), vec![seat(mine, "secretary", ri)])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                field: "position_type_id"
            }
        ),
        "{err:?}"
    );

    let mut c = app.db.conn().await.unwrap();
    let read = actor.principal.scope::<Read>();
    let counts = aggregates::of_unit(&mut c, &read, root.id).await.unwrap();
    assert_eq!(counts.get(aggregates::UNITS).map(|v| v.1), Some(6));
    assert_eq!(counts.get(aggregates::CELLS).map(|v| v.1), Some(3));
    assert_eq!(counts.get(positions::CURRENT).map(|v| v.1), Some(3));
    let mine_counts = aggregates::of_unit(&mut c, &read, mine).await.unwrap();
    // Three lead seats, one filled.
    assert_eq!(mine_counts.get(positions::SEATS_VACANT), Some(&(2, 2)));
    let report = grassroots_store::check::run(&mut c, now.date_naive())
        .await
        .unwrap();
    assert!(report.ok(), "{report:?}");
}

#[tokio::test]
async fn units_and_positions_in_bulk_on_sqlite() {
    let (db, _dir) = sqlite_db().await;
    units_and_positions_in_bulk_scenario(db).await;
}

#[tokio::test]
async fn units_and_positions_in_bulk_on_postgres() {
    let Some(db) = postgres_or_skip().await else {
        return;
    };
    units_and_positions_in_bulk_scenario(db).await;
}

/// Check-ins arriving together on many cells' shares of cascaded targets
/// all succeed, and the counters stay exact: on PostgreSQL, transactions
/// that change counters wait for each other instead of deadlocking over
/// the rows of shared ancestors.
async fn concurrent_check_ins_scenario(db: Db) {
    use grassroots_app::plans::{self, CheckInInput};
    let app = App::new(db, Config::default());
    grassroots_app::demo::build(&app, grassroots_app::demo::Scale::of(1), &|_| {})
        .await
        .unwrap();
    let root = setup::root_unit(&app).await.unwrap().unwrap();
    let actor = Actor::cli(root.id);
    let shares: Vec<i64> = {
        let mut c = app.db.conn().await.unwrap();
        grassroots_store::on_ex!(&mut c, |e| sqlx::query_scalar(
            "SELECT id FROM targets
             WHERE parent_id IS NOT NULL AND children = 0 AND kind = 'numeric'
               AND deleted_at IS NULL
             ORDER BY id LIMIT 24"
        )
        .fetch_all(&mut *e)
        .await)
        .unwrap()
    };
    assert_eq!(shares.len(), 24);
    let mut running = tokio::task::JoinSet::new();
    for (i, target) in shares.into_iter().enumerate() {
        let (app, actor) = (app.clone(), actor.clone());
        running.spawn(async move {
            plans::check_in(
                &app,
                &actor,
                target,
                CheckInInput {
                    value: Some(10.0 + i as f64),
                    narrative: "Shift report".into(),
                    confidence: Some("high".into()),
                    ..Default::default()
                },
            )
            .await
        });
    }
    while let Some(done) = running.join_next().await {
        done.unwrap().unwrap();
    }
    let mut c = app.db.conn().await.unwrap();
    let report = grassroots_store::check::run(&mut c, chrono::Utc::now().date_naive())
        .await
        .unwrap();
    assert!(report.ok(), "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_check_ins_on_sqlite() {
    let (db, _dir) = sqlite_db().await;
    concurrent_check_ins_scenario(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_check_ins_on_postgres() {
    let Some(db) = postgres_or_skip().await else {
        return;
    };
    concurrent_check_ins_scenario(db).await;
}

/// Writers at once, some keeping their writes and some not (rolled back,
/// dropped, or dropped after a failed statement): exactly the kept ones
/// remain, every commit reports success, and the writers' turn is free
/// afterwards. On SQLite the writers share grouped transactions, so one
/// writer's end must not take the others' writes with it.
async fn grouped_writes_scenario(db: Db) {
    use grassroots_store::on_ex;
    {
        let mut c = db.conn().await.unwrap();
        on_ex!(&mut c, |e| sqlx::query(
            "CREATE TABLE write_probe (n BIGINT NOT NULL PRIMARY KEY)"
        )
        .execute(&mut *e)
        .await
        .map(|_| ()))
        .unwrap();
    }
    let mut running = tokio::task::JoinSet::new();
    for n in 0..64_i64 {
        let db = db.clone();
        running.spawn(async move {
            let mut tx = db.begin().await?;
            on_ex!(&mut tx, |e| sqlx::query(
                "INSERT INTO write_probe (n) VALUES ($1)"
            )
            .bind(n)
            .execute(&mut *e)
            .await
            .map(|_| ()))?;
            // Let others queue behind this writer.
            tokio::task::yield_now().await;
            match n % 4 {
                0 => {
                    tx.commit().await?;
                    // Told done only once it is on the disk for everyone.
                    let mut c = db.conn().await?;
                    let seen: Option<i64> = on_ex!(&mut c, |e| sqlx::query_scalar(
                        "SELECT n FROM write_probe WHERE n = $1"
                    )
                    .bind(n)
                    .fetch_optional(&mut *e)
                    .await)?;
                    assert_eq!(seen, Some(n), "committed but not seen");
                }
                1 => tx.rollback().await?,
                2 => drop(tx),
                _ => {
                    let again = on_ex!(&mut tx, |e| sqlx::query(
                        "INSERT INTO write_probe (n) VALUES ($1)"
                    )
                    .bind(n)
                    .execute(&mut *e)
                    .await
                    .map(|_| ()));
                    assert!(again.is_err(), "a second row {n}");
                    drop(tx);
                }
            }
            Ok::<_, grassroots_store::StoreError>(())
        });
    }
    while let Some(done) = running.join_next().await {
        done.unwrap().unwrap();
    }
    // The turn comes free: a write after them all goes through.
    let mut tx = tokio::time::timeout(std::time::Duration::from_secs(10), db.begin())
        .await
        .expect("the writers' turn was left taken")
        .unwrap();
    on_ex!(&mut tx, |e| sqlx::query(
        "INSERT INTO write_probe (n) VALUES (1000)"
    )
    .execute(&mut *e)
    .await
    .map(|_| ()))
    .unwrap();
    tx.commit().await.unwrap();
    let mut c = db.conn().await.unwrap();
    let kept: Vec<i64> = on_ex!(&mut c, |e| sqlx::query_scalar(
        "SELECT n FROM write_probe ORDER BY n"
    )
    .fetch_all(&mut *e)
    .await)
    .unwrap();
    let wanted: Vec<i64> = (0..64).step_by(4).chain([1000]).collect();
    assert_eq!(kept, wanted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grouped_writes_keep_exactly_what_was_committed_on_sqlite() {
    let (db, _dir) = sqlite_db().await;
    grouped_writes_scenario(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grouped_writes_keep_exactly_what_was_committed_on_postgres() {
    let Some(db) = postgres_or_skip().await else {
        return;
    };
    grouped_writes_scenario(db).await;
}
