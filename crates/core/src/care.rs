//! The clock of a welfare case, derived from its events alone: the days by
//! which it must be acknowledged and resolved, which of them were missed,
//! and the next deadline to watch. Days are calendar days; a deadline day
//! itself is still in time. While the case waits (for the person or for
//! supply) no deadline runs, and each waiting span moves the deadlines
//! that were running by its length. A missed deadline stays missed.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// Why a case waits, stopping its clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitReason {
    /// Waiting for the person to answer or act.
    WaitingPerson,
    /// Waiting for supply to arrive.
    WaitingSupply,
}

impl WaitReason {
    /// Every reason.
    pub const ALL: [WaitReason; 2] = [WaitReason::WaitingPerson, WaitReason::WaitingSupply];

    /// Stable key.
    pub fn as_str(self) -> &'static str {
        match self {
            WaitReason::WaitingPerson => "waiting_person",
            WaitReason::WaitingSupply => "waiting_supply",
        }
    }

    /// Parses the stable key.
    pub fn parse(s: &str) -> Option<WaitReason> {
        WaitReason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Where a case stands, as shown to the person and the handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Raised, not yet acknowledged.
    Open,
    /// Acknowledged by a handler and being worked on.
    Acknowledged,
    /// Waiting for the person (clock stopped).
    WaitingPerson,
    /// Waiting for supply (clock stopped).
    WaitingSupply,
    /// Resolved.
    Resolved,
}

impl CaseStatus {
    /// Every status.
    pub const ALL: [CaseStatus; 5] = [
        CaseStatus::Open,
        CaseStatus::Acknowledged,
        CaseStatus::WaitingPerson,
        CaseStatus::WaitingSupply,
        CaseStatus::Resolved,
    ];

    /// Stable key.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Acknowledged => "acknowledged",
            CaseStatus::WaitingPerson => "waiting_person",
            CaseStatus::WaitingSupply => "waiting_supply",
            CaseStatus::Resolved => "resolved",
        }
    }

    /// Parses the stable key.
    pub fn parse(s: &str) -> Option<CaseStatus> {
        CaseStatus::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The deadlines a case type sets, in calendar days from opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CasePolicy {
    /// Days to acknowledge.
    pub acknowledge_days: i64,
    /// Days to resolve.
    pub resolve_days: i64,
    /// Days the unit a case escalated to has before it escalates again.
    pub escalation_days: i64,
}

/// What happened to a case that moves its clock, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockEvent {
    /// A handler acknowledged it.
    Acknowledged(NaiveDate),
    /// It began waiting.
    Paused(NaiveDate, WaitReason),
    /// It stopped waiting.
    Resumed(NaiveDate),
    /// It escalated because the deadline of that day passed.
    Escalated {
        /// The day it escalated.
        on: NaiveDate,
        /// The deadline that was missed.
        missed: NaiveDate,
    },
    /// It was resolved.
    Resolved(NaiveDate),
}

/// A case's clock on a given state of its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseClock {
    /// Where it stands.
    pub status: CaseStatus,
    /// Day by which it must be (or had to be) acknowledged.
    pub acknowledge_by: NaiveDate,
    /// Day by which it must be resolved.
    pub resolve_by: NaiveDate,
    /// Whether it was acknowledged after its day (or its day passed
    /// without it, as far as `today` tells).
    pub acknowledge_missed: bool,
    /// Whether it was resolved after its day (or its day passed).
    pub resolve_missed: bool,
    /// How many times it escalated.
    pub escalations: i64,
    /// The next deadline that, once passed, escalates it: none while it
    /// waits or once it is resolved.
    pub next_deadline: Option<NaiveDate>,
}

impl CaseClock {
    /// Whether any deadline was missed.
    pub fn breached(&self) -> bool {
        self.acknowledge_missed || self.resolve_missed
    }

    /// Whether it is unresolved with a deadline behind it.
    pub fn overdue(&self) -> bool {
        self.status != CaseStatus::Resolved && self.breached()
    }
}

/// The clock of a case opened on `opened` under `policy`, after `events`
/// (in the order they happened), as it stands on `today`.
pub fn clock(
    policy: &CasePolicy,
    opened: NaiveDate,
    events: &[ClockEvent],
    today: NaiveDate,
) -> CaseClock {
    let mut acknowledged: Option<NaiveDate> = None;
    let mut resolved: Option<NaiveDate> = None;
    let mut waiting: Option<(NaiveDate, WaitReason)> = None;
    // Waiting spans so far (start, end); an open one ends today.
    let mut spans: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    let mut escalations = 0;
    let mut last_escalation: Option<(NaiveDate, NaiveDate)> = None;
    for e in events {
        match *e {
            ClockEvent::Acknowledged(d) => {
                acknowledged.get_or_insert(d);
            }
            ClockEvent::Paused(d, why) => {
                if waiting.is_none() && resolved.is_none() {
                    waiting = Some((d, why));
                }
            }
            ClockEvent::Resumed(d) => {
                if let Some((from, _)) = waiting.take() {
                    spans.push((from, d.max(from)));
                }
            }
            ClockEvent::Escalated { on, missed } => {
                escalations += 1;
                last_escalation = Some((on, missed));
            }
            ClockEvent::Resolved(d) => {
                if let Some((from, _)) = waiting.take() {
                    spans.push((from, d.max(from)));
                }
                resolved.get_or_insert(d);
            }
        }
    }
    if let Some((from, _)) = waiting {
        spans.push((from, today.max(from)));
    }
    // A deadline counted from `base` moves by every waiting span that
    // began on or after `base` and before the deadline it had reached.
    let shifted = |base: NaiveDate, days: i64| {
        let mut due = base + Duration::days(days);
        for (from, to) in &spans {
            if *from >= base && *from <= due {
                due += *to - *from;
            }
        }
        due
    };
    let acknowledge_by = shifted(opened, policy.acknowledge_days);
    let resolve_by = shifted(opened, policy.resolve_days);
    let acknowledge_missed = match acknowledged.or(resolved) {
        Some(d) => d > acknowledge_by,
        None => today > acknowledge_by,
    };
    let resolve_missed = match resolved {
        Some(d) => d > resolve_by,
        None => today > resolve_by,
    };
    let status = match (resolved, waiting, acknowledged) {
        (Some(_), _, _) => CaseStatus::Resolved,
        (None, Some((_, WaitReason::WaitingPerson)), _) => CaseStatus::WaitingPerson,
        (None, Some((_, WaitReason::WaitingSupply)), _) => CaseStatus::WaitingSupply,
        (None, None, Some(_)) => CaseStatus::Acknowledged,
        (None, None, None) => CaseStatus::Open,
    };
    let next_deadline = if status == CaseStatus::Open || status == CaseStatus::Acknowledged {
        let mut candidates = vec![resolve_by];
        if acknowledged.is_none() {
            candidates.push(acknowledge_by);
        }
        if let Some((on, _)) = last_escalation {
            candidates.push(shifted(on, policy.escalation_days));
        }
        // A deadline escalates once: the next one lies after the last
        // deadline that escalated.
        let after = last_escalation.map(|(_, missed)| missed);
        candidates
            .into_iter()
            .filter(|d| after.is_none_or(|a| *d > a))
            .min()
    } else {
        None
    };
    CaseClock {
        status,
        acknowledge_by,
        resolve_by,
        acknowledge_missed,
        resolve_missed,
        escalations,
        next_deadline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const P: CasePolicy = CasePolicy {
        acknowledge_days: 2,
        resolve_days: 10,
        escalation_days: 7,
    };

    #[test]
    fn a_deadline_day_is_in_time_and_the_day_after_is_not() {
        let c = clock(&P, d("2026-03-01"), &[], d("2026-03-03"));
        assert_eq!(c.acknowledge_by, d("2026-03-03"));
        assert!(!c.acknowledge_missed);
        assert_eq!(c.next_deadline, Some(d("2026-03-03")));
        let c = clock(&P, d("2026-03-01"), &[], d("2026-03-04"));
        assert!(c.acknowledge_missed && c.overdue());
    }

    #[test]
    fn waiting_stops_the_clock_and_moves_running_deadlines() {
        let ev = [
            ClockEvent::Acknowledged(d("2026-03-02")),
            ClockEvent::Paused(d("2026-03-05"), WaitReason::WaitingSupply),
        ];
        let c = clock(&P, d("2026-03-01"), &ev, d("2026-03-30"));
        assert_eq!(c.status, CaseStatus::WaitingSupply);
        assert_eq!(c.next_deadline, None);
        assert!(!c.resolve_missed, "a waiting case is not late");
        let mut ev = ev.to_vec();
        ev.push(ClockEvent::Resumed(d("2026-03-09")));
        let c = clock(&P, d("2026-03-01"), &ev, d("2026-03-15"));
        assert_eq!(c.resolve_by, d("2026-03-15"), "4 waiting days added");
        assert!(!c.resolve_missed);
        let c = clock(&P, d("2026-03-01"), &ev, d("2026-03-16"));
        assert!(c.resolve_missed);
    }

    #[test]
    fn a_missed_deadline_stays_missed_after_the_stage_is_reached() {
        let ev = [
            ClockEvent::Acknowledged(d("2026-03-05")),
            ClockEvent::Resolved(d("2026-03-06")),
        ];
        let c = clock(&P, d("2026-03-01"), &ev, d("2026-04-01"));
        assert!(c.acknowledge_missed);
        assert!(!c.resolve_missed);
        assert!(c.breached() && !c.overdue());
        assert_eq!(c.status, CaseStatus::Resolved);
        assert_eq!(c.next_deadline, None);
    }

    #[test]
    fn each_deadline_escalates_once_and_the_unit_above_gets_its_days() {
        let opened = d("2026-03-01");
        let c = clock(&P, opened, &[], d("2026-03-04"));
        assert_eq!(c.next_deadline, Some(d("2026-03-03")));
        let ev = [ClockEvent::Escalated {
            on: d("2026-03-04"),
            missed: d("2026-03-03"),
        }];
        let c = clock(&P, opened, &ev, d("2026-03-04"));
        assert_eq!(c.escalations, 1);
        // Next: the resolve day (03-11), before the escalation's 7 days (03-11).
        assert_eq!(c.next_deadline, Some(d("2026-03-11")));
        let ev = [
            ev[0],
            ClockEvent::Escalated {
                on: d("2026-03-12"),
                missed: d("2026-03-11"),
            },
        ];
        let c = clock(&P, opened, &ev, d("2026-03-12"));
        assert_eq!(c.next_deadline, Some(d("2026-03-19")), "keeps escalating");
    }
}
