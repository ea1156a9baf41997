//! Background jobs: the registry's jobs run, and the lease in the jobs
//! table keeps each to one run per period among servers sharing the
//! database, on both engines.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Duration;
use grassroots_app::jobs::{self, Job, LEASE_SECONDS};
use grassroots_testkit::TestApp;

static COUNTED: AtomicU64 = AtomicU64::new(0);

/// A job that counts its runs (each test uses its own name).
fn counting(name: &'static str) -> Job {
    Job {
        name,
        every_seconds: 60,
        run: |_| {
            Box::pin(async {
                COUNTED.fetch_add(1, Ordering::SeqCst);
                Ok(1)
            })
        },
    }
}

fn runs_of(ran: &[jobs::JobRun], name: &str) -> usize {
    ran.iter().filter(|r| r.name == name).count()
}

#[tokio::test]
async fn two_servers_run_a_job_once_per_period() {
    let t = TestApp::new().await;
    let mut second = t.second_server().await;
    second.clock = t.app.clock.clone();
    let registry = [counting("test.once_per_period")];

    // Both servers look at once: one of them runs the job.
    let (a, b) = tokio::join!(
        jobs::run_due(&t.app, &registry, "server-a"),
        jobs::run_due(&second, &registry, "server-b"),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        runs_of(&a, "test.once_per_period") + runs_of(&b, "test.once_per_period"),
        1,
        "one run between the two servers"
    );
    // Not due again within its period, on either server.
    assert!(
        jobs::run_due(&second, &registry, "server-b")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        jobs::run_due(&t.app, &registry, "server-a")
            .await
            .unwrap()
            .is_empty()
    );
    // Due once the period has passed.
    t.app.clock.advance(Duration::seconds(61));
    let ran = jobs::run_due(&second, &registry, "server-b").await.unwrap();
    assert_eq!(runs_of(&ran, "test.once_per_period"), 1);
    assert!(
        jobs::run_due(&t.app, &registry, "server-a")
            .await
            .unwrap()
            .is_empty()
    );
    let states = jobs::states(&t.app).await.unwrap();
    let row = states
        .iter()
        .find(|s| s.name == "test.once_per_period")
        .unwrap();
    assert_eq!((row.runs, row.failures), (2, 0));
    assert!(row.leased_by.is_none() && row.last_error.is_none());
}

#[tokio::test]
async fn a_lease_held_by_a_dead_server_expires() {
    let t = TestApp::new().await;
    let registry = [counting("test.dead_holder")];
    let now = t.app.clock.now();
    // A server takes the job and dies before finishing it.
    {
        let mut c = t.app.db.conn().await.unwrap();
        assert!(
            grassroots_store::jobs::claim(
                &mut c,
                "test.dead_holder",
                "dead",
                now,
                now + Duration::seconds(LEASE_SECONDS)
            )
            .await
            .unwrap()
        );
    }
    assert!(
        jobs::run_due(&t.app, &registry, "alive")
            .await
            .unwrap()
            .is_empty()
    );
    t.app.clock.advance(Duration::seconds(LEASE_SECONDS + 1));
    let ran = jobs::run_due(&t.app, &registry, "alive").await.unwrap();
    assert_eq!(runs_of(&ran, "test.dead_holder"), 1);
    // The dead server's late finish changes nothing.
    let mut c = t.app.db.conn().await.unwrap();
    let late = t.app.clock.now();
    assert!(
        !grassroots_store::jobs::finish(&mut c, "test.dead_holder", "dead", late, late, None)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_failed_run_is_recorded_and_the_job_comes_again() {
    let t = TestApp::new().await;
    let registry = [Job {
        name: "test.failing",
        every_seconds: 30,
        run: |_| Box::pin(async { Err(grassroots_app::AppError::Internal("disk full".into())) }),
    }];
    let ran = jobs::run_due(&t.app, &registry, "a").await.unwrap();
    assert!(ran[0].outcome.is_err());
    let states = jobs::states(&t.app).await.unwrap();
    let row = states.iter().find(|s| s.name == "test.failing").unwrap();
    assert_eq!((row.runs, row.failures), (1, 1));
    assert!(row.last_error.as_deref().unwrap().contains("disk full"));
    t.app.clock.advance(Duration::seconds(31));
    assert_eq!(
        jobs::run_due(&t.app, &registry, "a").await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn every_registered_job_runs_on_an_organization() {
    let t = TestApp::new().await;
    let registry = grassroots_app::registry::JOBS;
    let ran = jobs::run_due(&t.app, registry, "a").await.unwrap();
    assert_eq!(ran.len(), registry.len());
    for run in &ran {
        assert!(run.outcome.is_ok(), "{}: {:?}", run.name, run.outcome);
    }
    let states = jobs::states(&t.app).await.unwrap();
    for job in registry {
        assert!(states.iter().any(|s| s.name == job.name), "{}", job.name);
    }
    // Nothing is due again at once.
    assert!(
        jobs::run_due(&t.app, registry, "a")
            .await
            .unwrap()
            .is_empty()
    );
}

/// The checkpoint job copies SQLite's log into the database and starts it
/// over from nothing (on PostgreSQL there is nothing to do).
#[tokio::test]
async fn the_checkpoint_job_starts_the_log_over() {
    let t = TestApp::new().await;
    t.unit("North Province", "provincial_committee", t.root)
        .await;
    let wait = std::time::Duration::from_millis(250);
    let first = t.app.db.checkpoint(wait).await.unwrap();
    let second = t.app.db.checkpoint(wait).await.unwrap();
    match t.app.db.dialect() {
        grassroots_store::Dialect::Sqlite => {
            let (busy, pages) = first.expect("a log on SQLite");
            assert!(!busy && pages > 0, "the writes were in the log: {first:?}");
            assert_eq!(second, Some((false, 0)), "the log started over");
        }
        grassroots_store::Dialect::Postgres => assert_eq!((first, second), (None, None)),
    }
    assert!(jobs::checkpoint(&t.app).await.is_ok());
}
