//! Meeting operations as a secretary runs them: add a speaker, start and
//! stop a speech, record attendance (one mark, and the whole cell), and
//! open the agenda (the meeting's full record: participants, agenda with
//! speakers and texts, commendations). Each is one service call with its
//! transaction, scope check and audit row; the baseline is the driver's
//! floor (`SELECT 1`) in the same run. Writes meet meetings of a
//! realistic size (at most 10 items of 20 speakers; then a new meeting is
//! convened, untimed). p50/p99 of 2,000 timed runs each are printed
//! besides criterion's estimates.
//! `cargo bench -p grassroots-app --bench meetings` (demo scale 10 on a
//! fresh SQLite file; `GRASSROOTS_BENCH_DATABASE_URL` for an empty
//! PostgreSQL database). Results are recorded in docs/benchmarks.md.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use grassroots_app::meetings::{
    self, AgendaInput, AttendanceMark, InviteInput, MeetingInput, SpeechInput,
};
use grassroots_app::{Actor, App};
use grassroots_store::on_ex;

mod support;
use support::{percentiles, timed};

struct World {
    rt: tokio::runtime::Runtime,
    app: App,
    actor: Actor,
    /// A cell meeting held today as a secretary records it: the cell's
    /// people invited, three agenda items with four speeches each.
    meeting: i64,
    people: Vec<i64>,
    /// The cell, where the meetings for the writes are convened.
    cell: i64,
    /// The demo's conference (every secretary of a primary committee).
    conference: i64,
    _dir: tempfile::TempDir,
}

/// Convenes a cell meeting held today, invites the cell and sets three
/// agenda items; returns it and its participants.
async fn new_meeting(app: &App, actor: &Actor, cell: i64) -> (i64, Vec<i64>) {
    let m = meetings::convene(
        app,
        actor,
        cell,
        MeetingInput {
            meeting_type: "cell_meeting".into(),
            title: "Benchmark meeting".into(),
            held_on: app.clock.now().date_naive().to_string(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    meetings::invite(
        app,
        actor,
        m.id,
        InviteInput {
            by: "unit".into(),
            unit_id: Some(cell),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for title in [
        "Report of the cell secretary",
        "Discussion",
        "Tasks for the month",
    ] {
        meetings::add_item(
            app,
            actor,
            m.id,
            AgendaInput {
                title: title.into(),
                duration_min: Some(20),
                presenter_id: None,
            },
        )
        .await
        .unwrap();
    }
    let record = meetings::view(app, actor, m.id).await.unwrap();
    (
        m.id,
        record.participants.iter().map(|p| p.person_id).collect(),
    )
}

fn world() -> World {
    let rt = support::runtime();
    let dir = tempfile::tempdir().unwrap();
    let (app, actor, meeting, people, cell, conference) = rt.block_on(async {
        let app = support::demo_app(dir.path()).await;
        let tree = support::tree(&app).await;
        let actor = tree.actor.clone();
        let cell = tree
            .units
            .iter()
            .rev()
            .find(|u| u.level == "cell")
            .unwrap()
            .id;
        let (meeting, people) = new_meeting(&app, &actor, cell).await;
        let record = meetings::view(&app, &actor, meeting).await.unwrap();
        for (i, item) in record.agenda.iter().enumerate() {
            for k in 0..4 {
                meetings::request_speech(
                    &app,
                    &actor,
                    item.item.id,
                    SpeechInput {
                        person_id: people[(i * 4 + k) % people.len()],
                        kind: "contribution".into(),
                        title: format!("Contribution {k}"),
                        body: "What the workshop did this month, and what it will do next.\n\n"
                            .repeat(12),
                        given: false,
                    },
                )
                .await
                .unwrap();
            }
        }
        let conference = meetings::of_unit(&app, &actor, tree.levels[0].1)
            .await
            .unwrap()
            .convened
            .iter()
            .find(|l| l.meeting.meeting_type == "conference")
            .unwrap()
            .meeting
            .id;
        (app, actor, meeting, people, cell, conference)
    });
    World {
        rt,
        app,
        actor,
        meeting,
        people,
        cell,
        conference,
        _dir: dir,
    }
}

/// Where the timed writes add speakers: 20 per agenda item, 10 items per
/// meeting, then a new meeting (all untimed).
struct Items {
    meeting: i64,
    current: i64,
    items: usize,
    speakers: usize,
    /// Speakers added so far (to pick the next participant).
    n: usize,
}

impl Items {
    /// The item to add the next speaker to, and who speaks.
    async fn next(&mut self, w: &World) -> (i64, SpeechInput) {
        if self.speakers >= 20 {
            if self.items >= 10 {
                self.meeting = new_meeting(&w.app, &w.actor, w.cell).await.0;
                self.items = 0;
            }
            self.current = meetings::add_item(
                &w.app,
                &w.actor,
                self.meeting,
                AgendaInput {
                    title: "Further discussion".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            self.items += 1;
            self.speakers = 0;
        }
        self.speakers += 1;
        self.n += 1;
        let input = SpeechInput {
            person_id: w.people[self.n % w.people.len()],
            kind: "contribution".into(),
            ..Default::default()
        };
        (self.current, input)
    }
}

/// Adds `iters` speakers, timing the additions.
fn add_speakers(w: &World, items: &mut Items, iters: u64) -> Duration {
    let mut spent = Duration::ZERO;
    for _ in 0..iters {
        w.rt.block_on(async {
            let (item, input) = items.next(w).await;
            let started = Instant::now();
            meetings::request_speech(&w.app, &w.actor, item, input)
                .await
                .unwrap();
            spent += started.elapsed();
        });
    }
    spent
}

/// Adds `iters` speakers untimed, starting and stopping each; returns the
/// time spent starting them (`time_start`) or stopping them.
fn start_stop(w: &World, items: &mut Items, time_start: bool, iters: u64) -> Duration {
    let mut spent = Duration::ZERO;
    for _ in 0..iters {
        w.rt.block_on(async {
            let (item, input) = items.next(w).await;
            let s = meetings::request_speech(&w.app, &w.actor, item, input)
                .await
                .unwrap();
            let started = Instant::now();
            meetings::start_speech(&w.app, &w.actor, s).await.unwrap();
            if time_start {
                spent += started.elapsed();
            }
            let stopping = Instant::now();
            meetings::stop_speech(&w.app, &w.actor, s).await.unwrap();
            if !time_start {
                spent += stopping.elapsed();
            }
        });
    }
    spent
}

/// Marks the first `take` participants, alternating present and excused
/// with `k`.
fn marks(w: &World, k: usize, take: usize) -> Vec<AttendanceMark> {
    w.people
        .iter()
        .take(take)
        .enumerate()
        .map(|(i, p)| AttendanceMark {
            person_id: *p,
            attendance: Some(
                if (i + k).is_multiple_of(2) {
                    "present"
                } else {
                    "excused"
                }
                .into(),
            ),
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let w = world();
    let mut items = Items {
        meeting: 0,
        current: 0,
        items: 10,
        speakers: 20,
        n: 0,
    };
    let cell_size = w.people.len();
    let mut k = 0;
    let mut g = c.benchmark_group("meeting");
    g.bench_function("driver_floor_select_one", |b| {
        b.iter(|| {
            w.rt.block_on(async {
                let mut c = w.app.db.conn().await.unwrap();
                let one: i64 = on_ex!(&mut c, |e| sqlx::query_scalar("SELECT CAST(1 AS BIGINT)")
                    .fetch_one(&mut *e)
                    .await)
                .unwrap();
                one
            })
        })
    });
    g.bench_function("add_speaker", |b| {
        b.iter_custom(|iters| add_speakers(&w, &mut items, iters))
    });
    g.bench_function("start_speech", |b| {
        b.iter_custom(|iters| start_stop(&w, &mut items, true, iters))
    });
    g.bench_function("stop_speech", |b| {
        b.iter_custom(|iters| start_stop(&w, &mut items, false, iters))
    });
    g.bench_function("attendance_one_mark", |b| {
        b.iter(|| {
            k += 1;
            w.rt.block_on(meetings::mark_attendance(
                &w.app,
                &w.actor,
                w.meeting,
                marks(&w, k, 1),
            ))
            .unwrap()
        })
    });
    g.bench_function(format!("attendance_whole_cell_{cell_size}_marks"), |b| {
        b.iter(|| {
            k += 1;
            w.rt.block_on(meetings::mark_attendance(
                &w.app,
                &w.actor,
                w.meeting,
                marks(&w, k, cell_size),
            ))
            .unwrap()
        })
    });
    g.bench_function("open_agenda_cell_meeting", |b| {
        b.iter(|| {
            w.rt.block_on(meetings::view(&w.app, &w.actor, w.meeting))
                .unwrap()
        })
    });
    g.bench_function("open_agenda_conference", |b| {
        b.iter(|| {
            w.rt.block_on(meetings::view(&w.app, &w.actor, w.conference))
                .unwrap()
        })
    });
    g.finish();

    let record =
        w.rt.block_on(meetings::view(&w.app, &w.actor, w.meeting))
            .unwrap();
    let speeches: usize = record.agenda.iter().map(|a| a.speeches.len()).sum();
    let conference =
        w.rt.block_on(meetings::view(&w.app, &w.actor, w.conference))
            .unwrap();
    eprintln!(
        "cell meeting read: {} participants, {} agenda items, {speeches} speeches; conference: {} participants, {} speeches",
        record.participants.len(),
        record.agenda.len(),
        conference.participants.len(),
        conference
            .agenda
            .iter()
            .map(|a| a.speeches.len())
            .sum::<usize>()
    );
    percentiles("add_speaker", 2000, || add_speakers(&w, &mut items, 1));
    percentiles("start_speech", 2000, || start_stop(&w, &mut items, true, 1));
    percentiles("stop_speech", 2000, || start_stop(&w, &mut items, false, 1));
    percentiles("attendance_one_mark", 2000, || {
        k += 1;
        let m = marks(&w, k, 1);
        timed(|| {
            w.rt.block_on(meetings::mark_attendance(&w.app, &w.actor, w.meeting, m))
                .unwrap();
        })
    });
    percentiles("open_agenda_cell_meeting", 2000, || {
        timed(|| {
            w.rt.block_on(meetings::view(&w.app, &w.actor, w.meeting))
                .unwrap();
        })
    });
}

criterion_group!(meeting_benches, benches);
criterion_main!(meeting_benches);
