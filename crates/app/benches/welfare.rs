//! Care in-process: the welfare counts of a subtree (maintained counters;
//! the demo holds about one case per thirteen people, half a million at
//! national scale), a handler opening a case (a logged read: the audit
//! row is written), and a member's home. p50/p99 of 2,000 timed runs each
//! besides criterion's estimates.
//! `cargo bench -p grassroots-app --bench welfare` (demo scale 10 on a
//! fresh SQLite file; `GRASSROOTS_BENCH_SCALE=national` and
//! `GRASSROOTS_BENCH_DATABASE_URL` as for the other benches). Results are
//! recorded in docs/benchmarks.md.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use grassroots_app::{Actor, App};

mod support;
use support::{percentiles, timed};

struct World {
    rt: tokio::runtime::Runtime,
    app: App,
    root: Actor,
    handler: Actor,
    member: Actor,
    case: i64,
    levels: Vec<(&'static str, i64)>,
    _dir: tempfile::TempDir,
}

fn world() -> World {
    let rt = support::runtime();
    let dir = tempfile::tempdir().unwrap();
    let (app, root, handler, member, case, levels) = rt.block_on(async {
        let app = support::demo_app(dir.path()).await;
        let tree = support::tree(&app).await;
        let (root, levels) = (tree.actor, tree.levels);
        let handler = support::actor_of(&app, "cell").await;
        let member = support::actor_of(&app, "member").await;
        let case = grassroots_app::welfare::handled(&app, &handler, false)
            .await
            .unwrap()[0]
            .id;
        (app, root, handler, member, case, levels)
    });
    World {
        rt,
        app,
        root,
        handler,
        member,
        case,
        levels,
        _dir: dir,
    }
}

fn bench(c: &mut Criterion) {
    let w = world();
    let counts = |unit: i64| {
        w.rt.block_on(grassroots_app::welfare::counts(&w.app, &w.root, unit))
            .unwrap();
    };
    for (label, unit) in &w.levels {
        c.bench_function(&format!("welfare counts, {label}"), |b| {
            b.iter(|| counts(*unit))
        });
        percentiles(&format!("welfare counts, {label}"), 2_000, || {
            timed(|| counts(*unit))
        });
    }
    let open = || {
        w.rt.block_on(grassroots_app::welfare::open(&w.app, &w.handler, w.case))
            .unwrap();
    };
    c.bench_function("case opened by its handler (logged read)", |b| b.iter(open));
    percentiles("case opened by its handler (logged read)", 2_000, || {
        timed(open)
    });
    let home = || {
        w.rt.block_on(grassroots_app::home::member_home(&w.app, &w.member))
            .unwrap()
            .unwrap();
    };
    c.bench_function("member home", |b| b.iter(home));
    percentiles("member home", 2_000, || timed(home));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
