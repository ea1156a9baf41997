//! How far a plan target has come and what its status is. Status is
//! derived from the facts (dates, the latest check-in), never typed in:
//! a target nobody reported on is "not reported", never "0 %".

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Pace at or above this share of the expected progress is on track.
pub const ON_TRACK_PACE: f64 = 0.95;
/// Pace at or above this share (and below [`ON_TRACK_PACE`]) is at risk;
/// below it, off track.
pub const AT_RISK_PACE: f64 = 0.75;

/// What a target measures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Measure {
    /// A quantity moving from `baseline` towards `target` (either way:
    /// a target below the baseline means "reduce").
    Numeric {
        /// Value at the start of the period.
        baseline: f64,
        /// Value to reach by the due date.
        target: f64,
    },
    /// Done or not.
    Milestone,
}

/// The latest check-in of a target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LastCheckIn {
    /// Day of the report.
    pub on: NaiveDate,
    /// Reported value (numeric targets).
    pub value: Option<f64>,
    /// Reported done (milestones; a numeric target is done when its value
    /// reaches the target).
    pub done: bool,
}

/// Derived status of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Its period has not begun.
    NotStarted,
    /// No check-in within the plan's cadence: unknown, not zero.
    NotReported,
    /// Pace at or above [`ON_TRACK_PACE`] of what the date calls for.
    OnTrack,
    /// Pace between [`AT_RISK_PACE`] and [`ON_TRACK_PACE`].
    AtRisk,
    /// Pace below [`AT_RISK_PACE`].
    OffTrack,
    /// Reached.
    Done,
    /// Past its due date and not reached.
    Late,
}

impl Status {
    /// Stable key (for counters, the API and translations).
    pub fn key(self) -> &'static str {
        match self {
            Status::NotStarted => "not_started",
            Status::NotReported => "not_reported",
            Status::OnTrack => "on_track",
            Status::AtRisk => "at_risk",
            Status::OffTrack => "off_track",
            Status::Done => "done",
            Status::Late => "late",
        }
    }

    /// Every status, in display order.
    pub const ALL: [Status; 7] = [
        Status::NotStarted,
        Status::NotReported,
        Status::OnTrack,
        Status::AtRisk,
        Status::OffTrack,
        Status::Done,
        Status::Late,
    ];
}

/// Completion in 0..=1 of a reported value, or `None` when there is no
/// value to judge (no check-in, a milestone not done): unknown is never
/// counted as 0.
pub fn completion(measure: Measure, last: Option<&LastCheckIn>) -> Option<f64> {
    let last = last?;
    match measure {
        Measure::Milestone => Some(if last.done { 1.0 } else { 0.0 }),
        Measure::Numeric { baseline, target } => {
            if last.done {
                return Some(1.0);
            }
            let value = last.value?;
            let span = target - baseline;
            if span == 0.0 {
                // Holding a level: reached while not below (or above) it.
                return Some(if value == target { 1.0 } else { 0.0 });
            }
            Some(((value - baseline) / span).clamp(0.0, 1.0))
        }
    }
}

/// Share of the period elapsed on `today`, 0..=1 (a period of one day is
/// fully elapsed on its day).
pub fn expected(start: NaiveDate, due: NaiveDate, today: NaiveDate) -> f64 {
    if today <= start {
        return if due <= start && today >= due {
            1.0
        } else {
            0.0
        };
    }
    if today >= due {
        return 1.0;
    }
    let total = (due - start).num_days() as f64;
    let gone = (today - start).num_days() as f64;
    (gone / total).clamp(0.0, 1.0)
}

/// Everything that decides a target's status.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Facts {
    /// What is measured.
    pub measure: Measure,
    /// Start of the target's period.
    pub start: NaiveDate,
    /// Due date.
    pub due: NaiveDate,
    /// Days within which a check-in must come (the plan's cadence).
    pub cadence_days: i64,
    /// The latest check-in, if any.
    pub last: Option<LastCheckIn>,
}

/// The status of a target on `today`. Order of the rules: reached → done;
/// past due → late; before the start → not started; no check-in within
/// the cadence → not reported; otherwise the pace (completion against the
/// share of the period elapsed) decides on track, at risk or off track.
pub fn status(f: &Facts, today: NaiveDate) -> Status {
    let done = completion(f.measure, f.last.as_ref()).is_some_and(|c| c >= 1.0);
    if done {
        return Status::Done;
    }
    if today > f.due {
        return Status::Late;
    }
    if today < f.start {
        return Status::NotStarted;
    }
    let Some(last) = f.last else {
        return Status::NotReported;
    };
    if (today - last.on).num_days() > f.cadence_days {
        return Status::NotReported;
    }
    let expected = expected(f.start, f.due, today);
    if f.measure == Measure::Milestone || expected == 0.0 {
        // Nothing is due yet, or a milestone cannot be judged by pace.
        return Status::OnTrack;
    }
    let pace = completion(f.measure, Some(&last)).unwrap_or(0.0) / expected;
    if pace >= ON_TRACK_PACE {
        Status::OnTrack
    } else if pace >= AT_RISK_PACE {
        Status::AtRisk
    } else {
        Status::OffTrack
    }
}

/// The first day after `today` on which [`status`] may give another answer
/// with the same facts (a date passing: the start, the end of the cadence,
/// the due date, or the pace falling into another band), or `None` when it
/// cannot change without new facts (done, or late).
pub fn next_change(f: &Facts, today: NaiveDate) -> Option<NaiveDate> {
    let now = status(f, today);
    if matches!(now, Status::Done | Status::Late) {
        return None;
    }
    // Every status before "late" changes at the latest the day after the
    // due date, so the walk is bounded by the length of the period.
    let mut day = today.succ_opt()?;
    while day <= f.due.succ_opt()? {
        if status(f, day) != now {
            return Some(day);
        }
        day = day.succ_opt()?;
    }
    Some(day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        crate::calendar::parse_day(s).unwrap()
    }

    /// A 100-day target from 0 to 100, checked in on `on` with `value`.
    fn facts(value: f64, on: &str) -> Facts {
        Facts {
            measure: Measure::Numeric {
                baseline: 0.0,
                target: 100.0,
            },
            start: day("2026-01-01"),
            due: day("2026-04-11"),
            cadence_days: 7,
            last: Some(LastCheckIn {
                on: day(on),
                value: Some(value),
                done: false,
            }),
        }
    }

    #[test]
    fn pace_bands_at_their_boundaries() {
        // Day 50 of 100: half is expected.
        let today = day("2026-02-20");
        assert_eq!(expected(day("2026-01-01"), day("2026-04-11"), today), 0.5);
        assert_eq!(status(&facts(47.5, "2026-02-20"), today), Status::OnTrack);
        assert_eq!(status(&facts(47.49, "2026-02-20"), today), Status::AtRisk);
        assert_eq!(status(&facts(37.5, "2026-02-20"), today), Status::AtRisk);
        assert_eq!(status(&facts(37.49, "2026-02-20"), today), Status::OffTrack);
        assert_eq!(status(&facts(0.0, "2026-02-20"), today), Status::OffTrack);
    }

    #[test]
    fn due_date_and_start_boundaries() {
        let f = facts(99.0, "2026-04-11");
        assert_eq!(
            status(&f, day("2026-04-11")),
            Status::OnTrack,
            "due day itself"
        );
        assert_eq!(status(&f, day("2026-04-12")), Status::Late, "day after");
        let mut early = facts(0.0, "2026-01-01");
        early.last = None;
        assert_eq!(status(&early, day("2025-12-31")), Status::NotStarted);
        assert_eq!(status(&early, day("2026-01-01")), Status::NotReported);
        let reached = facts(100.0, "2026-05-01");
        assert_eq!(
            status(&reached, day("2026-05-02")),
            Status::Done,
            "done wins over late"
        );
    }

    #[test]
    fn cadence_boundary_and_unknown_is_not_zero() {
        let f = facts(50.0, "2026-02-13");
        assert_eq!(
            status(&f, day("2026-02-20")),
            Status::OnTrack,
            "7 days ago: reported"
        );
        assert_eq!(
            status(&f, day("2026-02-21")),
            Status::NotReported,
            "8 days ago"
        );
        let mut none = f;
        none.last = None;
        assert_eq!(completion(none.measure, none.last.as_ref()), None);
    }

    #[test]
    fn reductions_and_milestones() {
        let mut f = facts(80.0, "2026-02-20");
        f.measure = Measure::Numeric {
            baseline: 100.0,
            target: 60.0,
        };
        // From 100 down to 60: 80 is half way, on day 50 of 100.
        assert_eq!(completion(f.measure, f.last.as_ref()), Some(0.5));
        assert_eq!(status(&f, day("2026-02-20")), Status::OnTrack);
        let mut m = facts(0.0, "2026-02-20");
        m.measure = Measure::Milestone;
        assert_eq!(status(&m, day("2026-02-20")), Status::OnTrack);
        m.last = Some(LastCheckIn {
            on: day("2026-02-20"),
            value: None,
            done: true,
        });
        assert_eq!(status(&m, day("2026-05-20")), Status::Done);
    }

    #[test]
    fn next_change_finds_the_first_day_the_status_moves() {
        // 47.5 reported on day 50: on track until the pace drops below 0.95.
        let f = facts(47.5, "2026-02-20");
        let next = next_change(&f, day("2026-02-20")).unwrap();
        assert_eq!(
            status(&f, next - chrono::Duration::days(1)),
            Status::OnTrack
        );
        assert_ne!(status(&f, next), Status::OnTrack);
        // Unreported targets change on the day after the due date at the latest.
        let mut none = f;
        none.last = None;
        assert_eq!(
            next_change(&none, day("2026-02-20")),
            Some(day("2026-04-12"))
        );
        let late = facts(10.0, "2026-04-10");
        assert_eq!(next_change(&late, day("2026-04-12")), None);
    }

    proptest! {
        #[test]
        fn completion_stays_between_zero_and_one(
            baseline in -1e6f64..1e6, target in -1e6f64..1e6, value in -1e7f64..1e7,
        ) {
            let last = LastCheckIn { on: day("2026-01-01"), value: Some(value), done: false };
            let c = completion(Measure::Numeric { baseline, target }, Some(&last)).unwrap();
            prop_assert!((0.0..=1.0).contains(&c));
        }

        #[test]
        fn more_progress_never_worsens_the_status(a in 0.0f64..100.0, b in 0.0f64..100.0, d in 0i64..100) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let today = day("2026-01-01") + chrono::Duration::days(d);
            let rank = |s: Status| match s {
                Status::OffTrack => 0,
                Status::AtRisk => 1,
                Status::OnTrack => 2,
                Status::Done => 3,
                _ => 4,
            };
            let on = today.format("%Y-%m-%d").to_string();
            let s_lo = status(&facts(lo, &on), today);
            let s_hi = status(&facts(hi, &on), today);
            prop_assert!(rank(s_lo) <= rank(s_hi), "{lo} -> {s_lo:?}, {hi} -> {s_hi:?}");
        }
    }
}
