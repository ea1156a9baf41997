//! People search in-process at a county: a two-syllable Hangul part of a
//! name, the same name's initial consonants, the beginning of a
//! romanized name, and a single syllable, each as the people listing runs
//! it (scope check, index within the subtree, first 50 by name), read
//! anew every time (kept results are off: `cache.fresh_seconds = 0`), and
//! the search page's query over people, units, experiences and decisions
//! of the reader's whole scope. p50/p99 of
//! 2,000 timed runs each besides criterion's estimates; the time to fill
//! the index of a database built before it is printed first.
//! `cargo bench -p grassroots-app --bench search` (demo scale 10 on a
//! fresh SQLite file; `GRASSROOTS_BENCH_SCALE=national` and
//! `GRASSROOTS_BENCH_DATABASE_URL` as for the other benches). Results are
//! recorded in docs/benchmarks.md.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use grassroots_store::people::PeopleFilter;

mod support;
use support::{percentiles, timed};

fn bench(c: &mut Criterion) {
    let rt = support::runtime();
    let dir = tempfile::tempdir().unwrap();
    let (app, tree) = rt.block_on(async {
        let app = support::demo_app(dir.path()).await;
        let started = Instant::now();
        let n = grassroots_app::search::index_missing(&app).await.unwrap();
        eprintln!("index filled for {n} people in {:?}", started.elapsed());
        let tree = support::tree(&app).await;
        // Every listing read anew: kept results would measure memory.
        let mut config = grassroots_app::Config::default();
        config.cache.fresh_seconds = 0;
        (grassroots_app::App::new(app.db.clone(), config), tree)
    });
    let county = tree.levels[2].1;
    let list = |name: &str| {
        rt.block_on(grassroots_app::people::list(
            &app,
            &tree.actor,
            county,
            PeopleFilter {
                subtree: true,
                name: Some(name.to_string()),
                status: None,
                skill: None,
                limit: 50,
                offset: 0,
            },
        ))
        .unwrap()
    };
    // Queries taken from the county's own people.
    let everyone = rt
        .block_on(grassroots_app::people::list(
            &app,
            &tree.actor,
            county,
            PeopleFilter {
                subtree: true,
                name: None,
                status: None,
                skill: None,
                limit: 500,
                offset: 0,
            },
        ))
        .unwrap();
    // Names sort Latin first: the Korean ones are asked for by a syllable.
    let korean = list("김");
    let hangul = korean
        .iter()
        .find(|p| {
            p.full_name.chars().count() == 3
                && p.full_name
                    .chars()
                    .all(grassroots_core::search::is_syllable)
        })
        .expect("a Korean name in the county");
    let given: String = hangul.full_name.chars().skip(1).collect();
    let initials: String = hangul
        .full_name
        .chars()
        .take(2)
        .filter_map(grassroots_core::search::initial_of)
        .collect();
    let roman = everyone
        .iter()
        .find(|p| p.full_name.is_ascii())
        .expect("a romanized name in the county");
    let word: String = roman.full_name.split(' ').nth(1).unwrap().to_lowercase();
    let single: String = hangul.full_name.chars().take(1).collect();
    for (label, q) in [
        ("two syllables", given.as_str()),
        ("initial consonants", initials.as_str()),
        ("romanized word", word.as_str()),
        ("one syllable", single.as_str()),
    ] {
        let found = list(q).len();
        let name = format!("person search at a county, {label} ({q}: {found} found)");
        c.bench_function(&name, |b| b.iter(|| list(q)));
        percentiles(&name, 2_000, || timed(|| drop(list(q))));
        let find = || {
            rt.block_on(grassroots_app::search::find(&app, &tree.actor, q))
                .unwrap()
        };
        let hits = find();
        let name = format!(
            "search page, {label} ({q}: {} people, {} units)",
            hits.people.len(),
            hits.units.len()
        );
        percentiles(&name, 2_000, || timed(|| drop(find())));
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
