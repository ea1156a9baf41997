//! Appeals and suggestions: their deadlines and the receipt an anonymous
//! author follows one with.
//!
//! Deadlines follow the EU whistleblowing directive's internal-channel
//! defaults (2019/1937, art. 9): acknowledge within 7 days of receipt, give
//! feedback within 3 months of the acknowledgement, or of the end of the
//! acknowledgement window when none was sent. A deadline is met on its day
//! and missed the day after. Forwarding to the unit above starts both
//! windows again there.

use chrono::{Days, NaiveDate};

/// The organization's deadlines, in calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    /// Days to acknowledge, from receipt (or from forwarding).
    pub acknowledge_days: u32,
    /// Days to give feedback, from the acknowledgement.
    pub feedback_days: u32,
}

/// Where an appeal stands for its clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for acknowledgement (new, or forwarded to a new unit).
    Waiting,
    /// Acknowledged, waiting for feedback.
    Acknowledged,
    /// Feedback given or closed: no deadline runs.
    Done,
}

/// The deadlines of an appeal whose current window started on `start`
/// (receipt or forwarding) and, if so, was acknowledged on `acknowledged`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Last day to acknowledge.
    pub acknowledge_by: NaiveDate,
    /// Last day to give feedback.
    pub feedback_by: NaiveDate,
}

impl Windows {
    /// The deadlines from a window's start and its acknowledgement.
    pub fn deadlines(&self, start: NaiveDate, acknowledged: Option<NaiveDate>) -> Deadlines {
        let acknowledge_by = add(start, self.acknowledge_days);
        let feedback_by = add(acknowledged.unwrap_or(acknowledge_by), self.feedback_days);
        Deadlines {
            acknowledge_by,
            feedback_by,
        }
    }
}

impl Deadlines {
    /// The deadline running at `stage`, if any.
    pub fn next(&self, stage: Stage) -> Option<NaiveDate> {
        match stage {
            Stage::Waiting => Some(self.acknowledge_by),
            Stage::Acknowledged => Some(self.feedback_by),
            Stage::Done => None,
        }
    }
}

/// Whether a deadline is missed on `today` (it is met on its own day).
pub fn missed(deadline: NaiveDate, today: NaiveDate) -> bool {
    today > deadline
}

fn add(day: NaiveDate, days: u32) -> NaiveDate {
    day.checked_add_days(Days::new(days.into()))
        .unwrap_or(NaiveDate::MAX)
}

/// Digits in a receipt.
pub const RECEIPT_DIGITS: usize = 16;

/// A receipt as typed (spaces, dashes and dots allowed between digits),
/// reduced to its digits; `None` unless exactly [`RECEIPT_DIGITS`] digits.
pub fn normalize_receipt(typed: &str) -> Option<String> {
    let digits: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '\u{a0}'))
        .collect();
    (digits.len() == RECEIPT_DIGITS && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

/// A receipt's digits in groups of four, easy to copy and to hide.
pub fn format_receipt(digits: &str) -> String {
    digits
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const EU: Windows = Windows {
        acknowledge_days: 7,
        feedback_days: 90,
    };

    #[test]
    fn acknowledgement_is_due_seven_days_after_receipt_and_met_on_its_day() {
        let dl = EU.deadlines(d("2026-03-02"), None);
        assert_eq!(dl.acknowledge_by, d("2026-03-09"));
        assert!(!missed(dl.acknowledge_by, d("2026-03-09")));
        assert!(missed(dl.acknowledge_by, d("2026-03-10")));
        assert_eq!(dl.next(Stage::Waiting), Some(d("2026-03-09")));
    }

    #[test]
    fn feedback_counts_from_the_acknowledgement_or_the_end_of_its_window() {
        let early = EU.deadlines(d("2026-03-02"), Some(d("2026-03-03")));
        assert_eq!(early.feedback_by, d("2026-06-01"));
        assert_eq!(early.next(Stage::Acknowledged), Some(d("2026-06-01")));
        let never = EU.deadlines(d("2026-03-02"), None);
        assert_eq!(never.feedback_by, d("2026-06-07"));
        assert_eq!(never.next(Stage::Done), None);
    }

    #[test]
    fn receipts_are_sixteen_digits_in_any_grouping() {
        assert_eq!(
            normalize_receipt("1234 5678-9012.3456").as_deref(),
            Some("1234567890123456")
        );
        assert_eq!(normalize_receipt("1234 5678 9012 345"), None);
        assert_eq!(normalize_receipt("1234 5678 9012 345x"), None);
        assert_eq!(normalize_receipt("12345678901234567"), None);
        assert_eq!(format_receipt("1234567890123456"), "1234 5678 9012 3456");
    }
}
