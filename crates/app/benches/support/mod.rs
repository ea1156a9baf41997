//! What the benchmarks share: the database they measure (a fresh SQLite
//! file, or the one `GRASSROOTS_BENCH_DATABASE_URL` names) holding the
//! demo organization, and percentiles of timed runs.

use std::time::{Duration, Instant};

use grassroots_app::demo::{self, Scale};
use grassroots_app::{Actor, App, Config};
use grassroots_core::Read;
use grassroots_store::{Db, migrate};

/// Opens the benchmark database (a fresh SQLite file in `dir` unless
/// `GRASSROOTS_BENCH_DATABASE_URL` is set), migrates it and builds the
/// demo organization of `GRASSROOTS_BENCH_SCALE` (default 10) unless it
/// is there already.
pub async fn demo_app(dir: &std::path::Path) -> App {
    let url = std::env::var("GRASSROOTS_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.join("bench.db").display()));
    let db = Db::connect(&url).await.unwrap();
    migrate::run(&db).await.unwrap();
    eprintln!("engine: {}", db.dialect().name());
    let app = App::new(db, Config::default());
    let label = std::env::var("GRASSROOTS_BENCH_SCALE").unwrap_or_else(|_| "10".into());
    let scale = Scale::parse(&label).expect("GRASSROOTS_BENCH_SCALE: national or a number");
    let started = Instant::now();
    // Returns at once when the database already holds the demo.
    demo::build(&app, scale, &|_| {}).await.unwrap();
    eprintln!(
        "demo organization (scale {label}) built in {:?}",
        started.elapsed()
    );
    app
}

/// The runtime the benchmarks drive the application with: one thread, as
/// one client.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Prints p50, p99 and the maximum of `runs` timings returned by `f`.
pub fn percentiles(label: &str, runs: usize, mut f: impl FnMut() -> Duration) {
    let mut samples: Vec<Duration> = (0..runs).map(|_| f()).collect();
    samples.sort();
    let at = |q: f64| samples[((runs as f64 * q) as usize).min(runs - 1)];
    eprintln!(
        "{label}: p50 {:?}, p99 {:?}, max {:?} ({runs} runs)",
        at(0.50),
        at(0.99),
        samples[runs - 1]
    );
}

/// How long `f` takes.
pub fn timed(f: impl FnOnce()) -> Duration {
    let started = Instant::now();
    f();
    started.elapsed()
}

/// The demo organization as the benchmarks walk it.
pub struct Tree {
    /// The command line's actor, at the root.
    pub actor: Actor,
    /// Every unit.
    pub units: Vec<grassroots_store::units::Unit>,
    /// The first unit of each level measured: root (first), province,
    /// county, primary.
    pub levels: Vec<(&'static str, i64)>,
}

impl Tree {
    /// The first unit of `level`.
    pub fn first(&self, level: &str) -> i64 {
        self.units.iter().find(|u| u.level == level).unwrap().id
    }
}

/// Reads the tree of `app`'s organization.
pub async fn tree(app: &App) -> Tree {
    let root = grassroots_app::setup::root_unit(app)
        .await
        .unwrap()
        .unwrap();
    let actor = Actor::cli(root.id);
    let mut c = app.db.conn().await.unwrap();
    let units =
        grassroots_store::units::list(&mut c, &actor.principal.scope::<Read>(), 1_000_000, 0)
            .await
            .unwrap();
    let mut t = Tree {
        actor,
        units,
        levels: Vec::new(),
    };
    t.levels = vec![
        ("root", root.id),
        ("province", t.first("provincial_committee")),
        ("county", t.first("county_committee")),
        ("primary", t.first("primary_committee")),
    ];
    t
}

/// The actor of a demo account, signed in as the web does.
#[allow(dead_code)]
pub async fn actor_of(app: &App, user: &str) -> Actor {
    let s = grassroots_app::auth::login(
        app,
        user,
        &grassroots_app::setup::demo_password(user),
        "127.0.0.1",
        "bench",
        "bench",
    )
    .await
    .unwrap();
    grassroots_app::auth::session(app, &s.token, "bench")
        .await
        .unwrap()
        .unwrap()
        .actor
}
