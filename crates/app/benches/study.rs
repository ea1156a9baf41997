//! Study and experience in-process: an assignment from the root to
//! everyone, enrolled to the end (its wall time and people, printed
//! first); a unit's study counts at each level (per assignment in force,
//! its subtree and each unit right below, from the counters); a member's
//! tasks; the experience section of a lagging cell (its lagging targets
//! and the suggestions for each); a word searched in the library. p50/p99
//! of 2,000 timed runs each besides criterion's estimates.
//! `cargo bench -p grassroots-app --bench study` (demo scale 10 on a
//! fresh SQLite file; `GRASSROOTS_BENCH_SCALE=national` and
//! `GRASSROOTS_BENCH_DATABASE_URL` as for the other benches). Results are
//! recorded in docs/benchmarks.md.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use grassroots_app::experiences::LibraryQuery;
use grassroots_app::study::AssignmentInput;

mod support;
use support::{percentiles, timed};

fn bench(c: &mut Criterion) {
    let rt = support::runtime();
    let dir = tempfile::tempdir().unwrap();
    let (app, tree, member, cell) = rt.block_on(async {
        let app = support::demo_app(dir.path()).await;
        let tree = support::tree(&app).await;
        let member = support::actor_of(&app, "member").await;
        let cell = support::actor_of(&app, "cell").await;
        (app, tree, member, cell)
    });
    let root = tree.levels[0].1;
    rt.block_on(async {
        let started = Instant::now();
        let a = grassroots_app::study::assign(
            &app,
            &tree.actor,
            root,
            AssignmentInput {
                title: format!("Benchmark study {}", started.elapsed().as_nanos()),
                due_on: (app.clock.today() + chrono::Duration::days(30)).to_string(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let answered = started.elapsed();
        let walked = (grassroots_app::study::ENROL_JOB.run)(&app).await.unwrap();
        let study = grassroots_app::study::of_unit(&app, &tree.actor, root).await.unwrap();
        let assigned = study
            .assignments
            .iter()
            .find(|x| x.assignment.id == a.id)
            .map(|x| x.counts.assigned)
            .unwrap_or(0);
        eprintln!(
            "assignment to everyone: answered in {answered:?}, {assigned} people enrolled in {:?} (the job walked {walked} more units and people)",
            started.elapsed()
        );
    });
    for (label, unit) in &tree.levels {
        let name = format!("study counts, {label}");
        let run = || {
            rt.block_on(grassroots_app::study::of_unit(&app, &tree.actor, *unit))
                .unwrap();
        };
        c.bench_function(&name, |b| b.iter(run));
        percentiles(&name, 2_000, || timed(run));
    }
    let tasks = || {
        rt.block_on(grassroots_app::study::mine(&app, &member))
            .unwrap();
    };
    c.bench_function("a member's study tasks", |b| b.iter(tasks));
    percentiles("a member's study tasks", 2_000, || timed(tasks));
    let cell_unit = cell.home_unit_id;
    let lagging = || {
        rt.block_on(grassroots_app::experiences::of_unit(&app, &cell, cell_unit))
            .unwrap();
    };
    let shown = rt
        .block_on(grassroots_app::experiences::of_unit(&app, &cell, cell_unit))
        .unwrap();
    let name = format!(
        "experience section of a lagging cell ({} lagging targets with suggestions)",
        shown.suggestions.len()
    );
    c.bench_function(&name, |b| b.iter(lagging));
    percentiles(&name, 2_000, || timed(lagging));
    let search = || {
        rt.block_on(grassroots_app::experiences::search(
            &app,
            &member,
            &LibraryQuery {
                q: Some("weekly".into()),
                ..Default::default()
            },
        ))
        .unwrap();
    };
    c.bench_function("library search (a word)", |b| b.iter(search));
    percentiles("library search (a word)", 2_000, || timed(search));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
