//! Safety in-process: the safety counts of a subtree (maintained
//! counters: hazards by band, actions, incidents, inspections, scheduled
//! inspections due and done), the safety dashboard (those counts, the
//! schedules and the units below), and a unit completing an inspection of
//! 40 answers in one submission (answers saved, score, counters, the
//! unit's scheduled inspections derived again). p50/p99 of 2,000 timed
//! runs each besides criterion's estimates.
//! `cargo bench -p grassroots-app --bench safety` (demo scale 10 on a
//! fresh SQLite file; `GRASSROOTS_BENCH_SCALE=national` and
//! `GRASSROOTS_BENCH_DATABASE_URL` as for the other benches). Results are
//! recorded in docs/benchmarks.md.

use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use grassroots_app::Actor;
use grassroots_app::safety::checklists::{self, AnswerInput, AnswersInput};
use grassroots_store::safety::checklists::{NewQuestion, NewSection};

mod support;
use support::{percentiles, timed};

struct World {
    rt: tokio::runtime::Runtime,
    app: grassroots_app::App,
    root: Actor,
    levels: Vec<(&'static str, i64)>,
    cell: i64,
    template: i64,
    _dir: tempfile::TempDir,
}

fn world() -> World {
    let rt = support::runtime();
    let dir = tempfile::tempdir().unwrap();
    let (app, root, levels, cell, template) = rt.block_on(async {
        let app = support::demo_app(dir.path()).await;
        let tree = support::tree(&app).await;
        let root = tree.actor.clone();
        // A version of the workplace inspection with 40 yes/no questions.
        let template = checklists::templates(&app)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.key == "workplace_safety")
            .unwrap()
            .id;
        let sections: Vec<NewSection> = (1..=4)
            .map(|s| NewSection {
                title: format!("Section {s}"),
                questions: (1..=10)
                    .map(|q| NewQuestion {
                        text: format!("Check {s}.{q} is in order"),
                        response: "yes_no".into(),
                        allow_na: true,
                        flag_on: Some("no".into()),
                        flag_at_most: None,
                        require_note: true,
                        require_action: false,
                    })
                    .collect(),
            })
            .collect();
        checklists::add_version(&app, &root, template, None, &sections)
            .await
            .unwrap();
        (app, root, tree.levels.clone(), tree.first("cell"), template)
    });
    World {
        rt,
        app,
        root,
        levels,
        cell,
        template,
        _dir: dir,
    }
}

fn bench(c: &mut Criterion) {
    let w = world();
    for (label, unit) in &w.levels {
        let counts = || {
            w.rt.block_on(grassroots_app::safety::counts(&w.app, &w.root, *unit))
                .unwrap();
        };
        c.bench_function(&format!("safety counts, {label}"), |b| b.iter(counts));
        percentiles(&format!("safety counts, {label}"), 2_000, || timed(counts));
        let dashboard = || {
            w.rt.block_on(grassroots_app::safety::dashboard(&w.app, &w.root, *unit))
                .unwrap();
        };
        c.bench_function(&format!("safety dashboard, {label}"), |b| b.iter(dashboard));
        percentiles(&format!("safety dashboard, {label}"), 500, || {
            timed(dashboard)
        });
    }
    // A draft started (not timed), then its 40 answers submitted and the
    // inspection completed in one call (timed).
    let start = || {
        let v =
            w.rt.block_on(checklists::start(&w.app, &w.root, w.cell, w.template))
                .unwrap();
        let answers: Vec<AnswerInput> = v
            .version
            .sections
            .iter()
            .flat_map(|s| s.questions.iter())
            .map(|q| AnswerInput {
                question_id: q.id,
                answer: "yes".into(),
                ..Default::default()
            })
            .collect();
        assert_eq!(answers.len(), 40);
        (
            v.inspection.id,
            AnswersInput {
                answers,
                complete: true,
            },
        )
    };
    let submit = |(id, input): (i64, AnswersInput)| {
        w.rt.block_on(checklists::answer(&w.app, &w.root, id, &input))
            .unwrap();
    };
    c.bench_function("inspection of 40 answers submitted", |b| {
        b.iter_batched(start, submit, BatchSize::SmallInput)
    });
    percentiles("inspection of 40 answers submitted", 2_000, || {
        let draft = start();
        timed(|| submit(draft))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
