//! Subtree roll-ups and moves: maintained counters against a
//! recursive query over parent links (people, and plan targets by status
//! with weighted completion), a check-in with its aggregate updates up to
//! the root, and moving a 1,000-unit subtree. Besides criterion's
//! estimates, p50/p99 of the plan roll-ups and check-ins are printed
//! from 2,000 timed runs each.
//! `cargo bench -p grassroots-app --bench tree` (demo scale 10;
//! `GRASSROOTS_BENCH_SCALE=national` for the national one) on a fresh
//! SQLite file, or on the empty PostgreSQL database named by
//! `GRASSROOTS_BENCH_DATABASE_URL` (a demo database already there is used
//! as it is, so a national one can be measured again without rebuilding
//! it); on PostgreSQL it also compares
//! subtree queries under custom and generic plans of the driver's cached
//! prepared statements. Results are recorded in docs/benchmarks.md.

use std::time::Duration;

mod support;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use grassroots_app::{Actor, App};
use grassroots_core::{Edit, Manage, Read};
use grassroots_store::people::NewPerson;
use grassroots_store::{Dialect, aggregates, on_ex, people, units};

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

impl World {
    /// Every counter of `unit`'s subtree (maintained aggregates).
    fn people_counters(&self, unit: i64) {
        let read = self.actor.principal.scope::<Read>();
        self.rt.block_on(async {
            let mut c = self.app.db.conn().await.unwrap();
            aggregates::of_unit(&mut c, &read, unit).await.unwrap();
        })
    }

    /// The people of `unit`'s subtree counted over parent links.
    fn people_recursive(&self, unit: i64) -> i64 {
        self.rt.block_on(async {
            let mut c = self.app.db.conn().await.unwrap();
            on_ex!(&mut c, |e| sqlx::query_scalar(RECURSIVE_PEOPLE)
                .bind(unit)
                .fetch_one(&mut *e)
                .await)
            .unwrap()
        })
    }

    /// Moves the 1,000-unit subtree under `parents[to]`.
    fn move_mover(&self, to: usize) {
        let manage = self.actor.principal.scope::<Manage>();
        self.rt.block_on(async {
            let mut tx = self.app.db.begin().await.unwrap();
            units::move_to(
                &mut tx,
                &manage,
                self.mover,
                self.parents[to],
                self.app.clock.now(),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        })
    }
}

fn world() -> World {
    let rt = support::runtime();
    let dir = tempfile::tempdir().unwrap();
    let (app, actor, levels, mover, parents) = rt.block_on(async {
        // GRASSROOTS_BENCH_SCALE=national (or a number) for other sizes.
        let app = support::demo_app(dir.path()).await;
        let tree = support::tree(&app).await;
        let (actor, levels) = (tree.actor.clone(), tree.levels.clone());
        let root = levels[0].1;
        let n_units = tree.units.len();
        // A subtree of exactly 1,000 units with people, to move around (a
        // database kept from an earlier run gets another one).
        let run = chrono::Utc::now().timestamp_millis();
        let manage = actor.principal.scope::<Manage>();
        let edit = actor.principal.scope::<Edit>();
        let now = app.clock.now();
        let mut tx = app.db.begin().await.unwrap();
        let mover = units::create_child(
            &mut tx,
            &manage,
            root,
            &format!("Mover {run}"),
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
            root,
            &format!("Other parent {run}"),
            "department",
            None,
            now,
        )
        .await
        .unwrap()
        .id;
        tx.commit().await.unwrap();
        eprintln!("{n_units} units in the demo tree, plus a 1,000-unit subtree with 4,950 people");
        (app, actor, levels, mover, [other, root])
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

const RECURSIVE_PLAN: &str = "WITH RECURSIVE sub(id) AS (
        SELECT id FROM units WHERE id = $1
        UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id)
     SELECT t.status, count(*),
            CAST(sum(CASE WHEN t.children = 0 AND t.completion_ppm IS NOT NULL
                          THEN t.weight ELSE 0 END) AS BIGINT),
            CAST(sum(CASE WHEN t.children = 0 AND t.completion_ppm IS NOT NULL
                          THEN t.weight * t.completion_ppm ELSE 0 END) AS BIGINT)
     FROM targets t WHERE t.unit_id IN (SELECT id FROM sub) AND t.deleted_at IS NULL
       AND t.due_on >= $2 AND t.due_on <= $3
     GROUP BY t.status";

/// Prints p50, p99 and the maximum of `runs` timed calls of `f`.
fn percentiles(label: &str, runs: usize, mut f: impl FnMut()) {
    support::percentiles(label, runs, || support::timed(&mut f));
}

fn plan_benches(c: &mut Criterion, w: &World) {
    let read = w.actor.principal.scope::<Read>();
    let today = grassroots_app::plans::today(&w.app);
    let year = today.format("%Y").to_string();
    let mut g = c.benchmark_group("plan_rollup");
    for (label, unit) in &w.levels {
        let maintained = || {
            w.rt.block_on(async {
                let mut c = w.app.db.conn().await.unwrap();
                grassroots_store::plans::rollup(&mut c, &read, *unit, &year, today)
                    .await
                    .unwrap()
            })
        };
        let recursive = || {
            w.rt.block_on(async {
                let mut c = w.app.db.conn().await.unwrap();
                let rows: Vec<(String, i64, i64, i64)> =
                    on_ex!(&mut c, |e| sqlx::query_as(RECURSIVE_PLAN)
                        .bind(*unit)
                        .bind(format!("{year}-01-01"))
                        .bind(format!("{year}-12-31"))
                        .fetch_all(&mut *e)
                        .await)
                    .unwrap();
                rows
            })
        };
        // Both give the same figures.
        let m = maintained();
        let r = recursive();
        assert_eq!(m.targets, r.iter().map(|x| x.1).sum::<i64>(), "{label}");
        assert_eq!(
            m.reported_weight,
            r.iter().map(|x| x.2).sum::<i64>(),
            "{label}"
        );
        percentiles(
            &format!("plan_rollup/maintained/{label} ({} targets)", m.targets),
            2000,
            || {
                maintained();
            },
        );
        percentiles(
            &format!("plan_rollup/recursive/{label}"),
            if *label == "root" { 50 } else { 500 },
            || {
                recursive();
            },
        );
        g.bench_with_input(
            BenchmarkId::new("maintained_aggregates", label),
            unit,
            |b, _| b.iter(maintained),
        );
        g.bench_with_input(BenchmarkId::new("recursive_query", label), unit, |b, _| {
            b.iter(recursive)
        });
    }
    g.finish();
    // Check-ins on the cells' shares: status, cascade parent, aggregates up
    // to the root, the day's history and the audit row, one transaction.
    let leaves: Vec<i64> = w.rt.block_on(async {
        let mut c = w.app.db.conn().await.unwrap();
        on_ex!(&mut c, |e| sqlx::query_scalar(
            "SELECT id FROM targets WHERE children = 0 AND parent_id IS NOT NULL
             AND deleted_at IS NULL ORDER BY id LIMIT 500",
        )
        .fetch_all(&mut *e)
        .await)
        .unwrap()
    });
    let mut n = 0usize;
    let mut check_in = || {
        n += 1;
        let target = leaves[n % leaves.len()];
        w.rt.block_on(async {
            grassroots_app::plans::check_in(
                &w.app,
                &w.actor,
                target,
                grassroots_app::plans::CheckInInput {
                    value: Some((n % 240) as f64),
                    narrative: "Shift report".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
        });
    };
    percentiles("check_in/with_aggregates_to_root", 2000, &mut check_in);
    let mut g = c.benchmark_group("check_in");
    g.bench_function("with_aggregates_to_root", |b| b.iter(&mut check_in));
    g.finish();
}

/// On PostgreSQL: the same subtree reads on one held connection, with the
/// driver's cached prepared statements planned for each call's values
/// (`force_custom_plan`, what grassroots sets) and left to the server's
/// default (`auto`, which switches to a generic plan after five runs).
fn plan_cache_modes(w: &World) {
    if w.app.db.dialect() != Dialect::Postgres {
        return;
    }
    // At national scale the lists of the root under a generic plan take
    // seconds each, hundreds of times: the comparison is made at scale 10.
    if std::env::var("GRASSROOTS_BENCH_SCALE").as_deref() == Ok("national") {
        eprintln!("plan cache modes: compared at scale 10 only");
        return;
    }
    let read = w.actor.principal.scope::<Read>();
    let today = grassroots_app::plans::today(&w.app);
    let year = today.format("%Y").to_string();
    let mut conn = w.rt.block_on(w.app.db.conn()).unwrap();
    for mode in ["force_custom_plan", "auto"] {
        w.rt.block_on(async {
            on_ex!(&mut conn, |e| sqlx::query(sqlx::AssertSqlSafe(format!(
                "SET plan_cache_mode = {mode}"
            )))
            .execute(&mut *e)
            .await
            .map(|_| ()))
            .unwrap()
        });
        for (label, unit) in &w.levels {
            percentiles(&format!("pg/{mode}/rollup/{label}"), 500, || {
                w.rt.block_on(grassroots_store::plans::rollup(
                    &mut conn, &read, *unit, &year, today,
                ))
                .unwrap();
            });
            percentiles(&format!("pg/{mode}/late_list/{label}"), 500, || {
                w.rt.block_on(grassroots_store::plans::in_subtree_with_status(
                    &mut conn,
                    &read,
                    *unit,
                    &year,
                    &["late", "off_track"],
                    20,
                ))
                .unwrap();
            });
            let filter = people::PeopleFilter {
                subtree: true,
                name: None,
                status: Some("member".into()),
                skill: None,
                limit: 50,
                offset: 0,
            };
            let runs = if *label == "root" { 20 } else { 500 };
            percentiles(&format!("pg/{mode}/people_list/{label}"), runs, || {
                w.rt.block_on(people::list(&mut conn, &read, *unit, &filter))
                    .unwrap();
            });
        }
    }
    // Back to what every connection of the pool uses.
    w.rt.block_on(async {
        on_ex!(&mut conn, |e| sqlx::query(
            "SET plan_cache_mode = force_custom_plan"
        )
        .execute(&mut *e)
        .await
        .map(|_| ()))
        .unwrap()
    });
    let _rt = w.rt.enter();
    drop(conn);
}

/// p50/p99 of the people roll-up (maintained counters and the recursive
/// baseline) at each level, of adding a person through the service, and
/// of moving the 1,000-unit subtree: printed even when criterion's groups
/// are skipped (the national run).
fn people_and_writes_timed(w: &World) {
    let read = w.actor.principal.scope::<Read>();
    for (label, unit) in &w.levels {
        percentiles(&format!("people/maintained/{label}"), 2000, || {
            w.people_counters(*unit);
        });
        let runs = if *label == "root" { 20 } else { 200 };
        percentiles(&format!("people/recursive/{label}"), runs, || {
            w.people_recursive(*unit);
        });
    }
    // A person added to a cell of the primary committee, as the form or
    // the API adds one (checks, the row, history, counters to the root,
    // audit).
    let cell = w.rt.block_on(async {
        let mut c = w.app.db.conn().await.unwrap();
        units::children(&mut c, &read, w.levels[3].1)
            .await
            .unwrap()
            .first()
            .map_or(w.levels[3].1, |u| u.id)
    });
    let mut n = 0;
    percentiles("write/add_person", 1000, || {
        n += 1;
        w.rt.block_on(async {
            grassroots_app::people::create(
                &w.app,
                &w.actor,
                cell,
                grassroots_app::people::PersonInput {
                    full_name: format!("Bench Person {n}"),
                    status: "member".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        })
    });
    let mut flip = 0;
    percentiles("write/move_1000_units", 40, || {
        flip = 1 - flip;
        w.move_mover(flip);
    });
}

fn benches(c: &mut Criterion) {
    let w = world();
    plan_cache_modes(&w);
    plan_benches(c, &w);
    // One connection held throughout: the figures are the reads alone.
    let mut conn = w.rt.block_on(w.app.db.conn()).unwrap();
    people_and_writes_timed(&w);
    let mut g = c.benchmark_group("people_in_subtree");
    for (label, unit) in &w.levels {
        g.bench_with_input(
            BenchmarkId::new("maintained_counters", label),
            unit,
            |b, unit| b.iter(|| w.people_counters(*unit)),
        );
        g.bench_with_input(
            BenchmarkId::new("recursive_query", label),
            unit,
            |b, unit| b.iter(|| w.people_recursive(*unit)),
        );
    }
    // The driver's floor: the smallest statement, on the same connection.
    g.bench_function("driver_floor/select_1", |b| {
        b.iter(|| {
            w.rt.block_on(async {
                let n: i32 = on_ex!(&mut conn, |e| sqlx::query_scalar("SELECT 1")
                    .fetch_one(&mut *e)
                    .await)
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
    let mut flip = 0;
    g.bench_function("subtree_of_1000_units", |b| {
        b.iter(|| {
            flip = 1 - flip;
            w.move_mover(flip);
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
