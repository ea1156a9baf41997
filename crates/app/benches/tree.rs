//! Subtree roll-ups and moves on SQLite: maintained counters against a
//! recursive query over parent links, and moving a 1,000-unit subtree.
//! `cargo bench -p grassroots-app --bench tree`; results are recorded in
//! docs/benchmarks.md.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use grassroots_app::demo::{self, Scale};
use grassroots_app::{Actor, App, Config};
use grassroots_core::{Edit, Manage, Read};
use grassroots_store::people::NewPerson;
use grassroots_store::{Db, Dialect, aggregates, migrate, people, units};

struct World {
    rt: tokio::runtime::Runtime,
    app: App,
    actor: Actor,
    /// (label, unit) for the root, a province, a county and a primary.
    levels: Vec<(&'static str, i64)>,
    mover: i64,
    parents: [i64; 2],
    _dir: tempfile::TempDir,
}

fn world() -> World {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let (app, actor, levels, mover, parents) = rt.block_on(async {
        let db = Db::connect(&url).await.unwrap();
        migrate::run(&db).await.unwrap();
        assert_eq!(db.dialect(), Dialect::Sqlite);
        let app = App::new(db, Config::default());
        let started = std::time::Instant::now();
        demo::build(&app, Scale::of(10), &|_| {}).await.unwrap();
        eprintln!(
            "demo organization (scale 10) built in {:?}",
            started.elapsed()
        );
        let root = grassroots_app::setup::root_unit(&app)
            .await
            .unwrap()
            .unwrap();
        let actor = Actor::cli(root.id);
        let mut c = app.db.conn().await.unwrap();
        let read = actor.principal.scope::<Read>();
        let all = units::list(&mut c, &read, 1_000_000, 0).await.unwrap();
        let first = |level: &str| all.iter().find(|u| u.level == level).unwrap().id;
        let levels = vec![
            ("root", root.id),
            ("province", first("provincial_committee")),
            ("county", first("county_committee")),
            ("primary", first("primary_committee")),
        ];
        let n_units = all.len();
        drop(c);
        // A subtree of exactly 1,000 units with people, to move around.
        let manage = actor.principal.scope::<Manage>();
        let edit = actor.principal.scope::<Edit>();
        let now = app.clock.now();
        let mut tx = app.db.begin().await.unwrap();
        let mover = units::create_child(
            &mut tx,
            &manage,
            root.id,
            "Mover",
            "provincial_committee",
            None,
            now,
        )
        .await
        .unwrap()
        .id;
        let mut leaves = Vec::new();
        for i in 0..9 {
            let mid = units::create_child(
                &mut tx,
                &manage,
                mover,
                &format!("County {i}"),
                "county_committee",
                None,
                now,
            )
            .await
            .unwrap()
            .id;
            for j in 0..110 {
                leaves.push(
                    units::create_child(
                        &mut tx,
                        &manage,
                        mid,
                        &format!("Cell {j}"),
                        "cell",
                        None,
                        now,
                    )
                    .await
                    .unwrap()
                    .id,
                );
            }
        }
        let names: Vec<String> = (0..leaves.len() * 5)
            .map(|i| format!("Person {i}"))
            .collect();
        let rows: Vec<NewPerson<'_>> = names
            .iter()
            .enumerate()
            .map(|(i, n)| NewPerson {
                unit_id: leaves[i / 5],
                full_name: n,
                contact: "",
                status: "member",
                joined_on: None,
                external_id: None,
            })
            .collect();
        people::insert_batch(&mut tx, &edit, &rows, "bench", now, |_| {})
            .await
            .unwrap();
        let other = units::create_child(
            &mut tx,
            &manage,
            root.id,
            "Other parent",
            "department",
            None,
            now,
        )
        .await
        .unwrap()
        .id;
        tx.commit().await.unwrap();
        eprintln!("{n_units} units in the demo tree, plus a 1,000-unit subtree with 4,950 people");
        (app, actor, levels, mover, [other, root.id])
    });
    World {
        rt,
        app,
        actor,
        levels,
        mover,
        parents,
        _dir: dir,
    }
}

const RECURSIVE_PEOPLE: &str = "WITH RECURSIVE sub(id) AS (
        SELECT id FROM units WHERE id = $1
        UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id)
     SELECT count(*) FROM people WHERE unit_id IN (SELECT id FROM sub)";

fn benches(c: &mut Criterion) {
    let w = world();
    let read = w.actor.principal.scope::<Read>();
    // One connection held throughout: the figures are the reads alone.
    let mut conn = w.rt.block_on(w.app.db.conn()).unwrap();
    let mut g = c.benchmark_group("people_in_subtree");
    for (label, unit) in &w.levels {
        g.bench_with_input(
            BenchmarkId::new("maintained_counters", label),
            unit,
            |b, unit| {
                b.iter(|| {
                    w.rt.block_on(async {
                        let mut c = w.app.db.conn().await.unwrap();
                        aggregates::of_unit(&mut c, &read, *unit).await.unwrap()
                    })
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("recursive_query", label),
            unit,
            |b, unit| {
                b.iter(|| {
                    w.rt.block_on(async {
                        let mut c = w.app.db.conn().await.unwrap();
                        let grassroots_store::Conn::Sqlite(conn) = &mut c else {
                            unreachable!()
                        };
                        let n: i64 = sqlx::query_scalar(RECURSIVE_PEOPLE)
                            .bind(*unit)
                            .fetch_one(&mut **conn)
                            .await
                            .unwrap();
                        n
                    })
                })
            },
        );
    }
    // The driver's floor: the smallest statement, on the same connection.
    g.bench_function("driver_floor/select_1", |b| {
        b.iter(|| {
            w.rt.block_on(async {
                let grassroots_store::Conn::Sqlite(sqlite) = &mut conn else {
                    unreachable!()
                };
                let n: i64 = sqlx::query_scalar("SELECT 1")
                    .fetch_one(&mut **sqlite)
                    .await
                    .unwrap();
                n
            })
        })
    });
    g.finish();
    {
        // Returning the connection to the pool needs the runtime.
        let _rt = w.rt.enter();
        drop(conn);
    }

    let mut g = c.benchmark_group("move");
    g.sample_size(20).measurement_time(Duration::from_secs(20));
    let manage = w.actor.principal.scope::<Manage>();
    let mut flip = 0;
    g.bench_function("subtree_of_1000_units", |b| {
        b.iter(|| {
            flip = 1 - flip;
            let to = w.parents[flip];
            w.rt.block_on(async {
                let mut tx = w.app.db.begin().await.unwrap();
                units::move_to(&mut tx, &manage, w.mover, to, w.app.clock.now())
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            })
        })
    });
    g.finish();
    // The counters are still exact after all the moves.
    w.rt.block_on(async {
        let mut c = w.app.db.conn().await.unwrap();
        let report = grassroots_store::check::run(&mut c, chrono::Utc::now().date_naive())
            .await
            .unwrap();
        assert!(report.ok(), "{report:?}");
    });
}

criterion_group!(tree, benches);
criterion_main!(tree);
