//! Study assignments: the calendar windows a recurring assignment is done
//! in, and quizzes written as plain text and marked. A quiz is typed the
//! way it reads on paper:
//!
//! ```text
//! What does a cell meet to review?
//! - The weather
//! * Its plan and its people's work
//! - Nothing
//! ```
//!
//! A line that starts with neither `-` nor `*` asks a question; the lines
//! after it are its options, `*` marking the one right answer. Blank lines
//! are ignored, so questions may be spaced out.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::vocab::{InspectionCadence, StudyRecurrence};

/// One calendar window of an assignment: its key and its last day (when
/// the work of that window is due).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// `once`, or `2026-12`, `2026-Q4`, `2026`.
    pub key: String,
    /// The window's first day (`None` for a one-time assignment).
    pub starts: Option<NaiveDate>,
    /// The day it is due.
    pub due: NaiveDate,
}

/// The window `day` falls in. A one-time assignment has one window,
/// `once`, due on `due_on`.
pub fn window(recurrence: StudyRecurrence, due_on: NaiveDate, day: NaiveDate) -> Window {
    let cadence = match recurrence {
        StudyRecurrence::Once => {
            return Window {
                key: "once".into(),
                starts: None,
                due: due_on,
            };
        }
        StudyRecurrence::Month => InspectionCadence::Month,
        StudyRecurrence::Quarter => InspectionCadence::Quarter,
        StudyRecurrence::Year => InspectionCadence::Year,
    };
    let p = crate::safety::period(cadence, day);
    Window {
        key: p.key,
        starts: Some(p.starts),
        due: p.ends,
    }
}

/// The window before the one `day` falls in (`None` for a one-time
/// assignment).
pub fn previous_window(
    recurrence: StudyRecurrence,
    due_on: NaiveDate,
    day: NaiveDate,
) -> Option<Window> {
    let w = window(recurrence, due_on, day);
    let before = w.starts?.pred_opt()?;
    Some(window(recurrence, due_on, before))
}

/// One question of a quiz.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizQuestion {
    /// What is asked.
    pub text: String,
    /// The options, in the order written.
    pub options: Vec<String>,
    /// The index of the right option.
    pub answer: usize,
}

/// Most questions a quiz may have.
pub const MAX_QUESTIONS: usize = 50;
/// Most options a question may have.
pub const MAX_OPTIONS: usize = 10;

/// Reads a quiz typed as text (see the module's documentation). An error
/// names the line.
pub fn parse_quiz(text: &str) -> Result<Vec<QuizQuestion>, FieldError> {
    let mut questions: Vec<QuizQuestion> = Vec::new();
    let mut answered: Vec<bool> = Vec::new();
    let bad = |line: usize, what: &str| {
        FieldError::new("quiz", "bad_line", format!("line {line}: {what}"))
    };
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        let (mark, rest) = match t.chars().next() {
            Some(c @ ('-' | '*')) => (Some(c), t[1..].trim()),
            _ => (None, t),
        };
        if rest.chars().count() > 500 {
            return Err(bad(line, "at most 500 characters"));
        }
        match mark {
            None => {
                if questions.len() == MAX_QUESTIONS {
                    return Err(bad(line, "a quiz has at most 50 questions"));
                }
                questions.push(QuizQuestion {
                    text: rest.to_string(),
                    options: Vec::new(),
                    answer: 0,
                });
                answered.push(false);
            }
            Some(m) => {
                let Some(q) = questions.last_mut() else {
                    return Err(bad(line, "an option before any question"));
                };
                if rest.is_empty() {
                    return Err(bad(line, "an empty option"));
                }
                if q.options.len() == MAX_OPTIONS {
                    return Err(bad(line, "a question has at most 10 options"));
                }
                if m == '*' {
                    let right = answered.last_mut().expect("one per question");
                    if *right {
                        return Err(bad(line, "a question has one right answer (*)"));
                    }
                    *right = true;
                    q.answer = q.options.len();
                }
                q.options.push(rest.to_string());
            }
        }
    }
    for (i, q) in questions.iter().enumerate() {
        if q.options.len() < 2 {
            return Err(FieldError::new(
                "quiz",
                "question",
                format!("question {}: give at least two options", i + 1),
            ));
        }
        if !answered[i] {
            return Err(FieldError::new(
                "quiz",
                "question",
                format!("question {}: mark the right answer with *", i + 1),
            ));
        }
    }
    Ok(questions)
}

/// The share of right answers, in whole percent rounded down; `answers`
/// holds the chosen option of each question in order (`None`: not
/// answered, which counts as wrong).
pub fn score(questions: &[QuizQuestion], answers: &[Option<usize>]) -> u32 {
    if questions.is_empty() {
        return 100;
    }
    let right = questions
        .iter()
        .enumerate()
        .filter(|(i, q)| answers.get(*i).copied().flatten() == Some(q.answer))
        .count();
    (right * 100 / questions.len()) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn quiz_text_is_read_into_questions() {
        let text =
            "What does a cell review?\n- The weather\n* Its plan\n\n두 번째 질문\n* 예\n- 아니요\n";
        let q = parse_quiz(text).unwrap();
        assert_eq!(q.len(), 2);
        assert_eq!(q[0].answer, 1);
        assert_eq!(q[1].options, vec!["예", "아니요"]);
    }

    #[test]
    fn quiz_errors_name_the_line_or_question() {
        let e = parse_quiz("- orphan").unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            ("bad_line", "line 1: an option before any question")
        );
        let e = parse_quiz("Q?\n* a\n* b").unwrap_err();
        assert!(e.message.starts_with("line 3:"), "{}", e.message);
        let e = parse_quiz("Q?\n- a\n- b").unwrap_err();
        assert_eq!(e.message, "question 1: mark the right answer with *");
        let e = parse_quiz("Q?\n* a").unwrap_err();
        assert_eq!(e.message, "question 1: give at least two options");
    }

    #[test]
    fn score_rounds_down_and_counts_blanks_wrong() {
        let q = parse_quiz("A\n* y\n- n\nB\n- y\n* n\nC\n* y\n- n").unwrap();
        assert_eq!(score(&q, &[Some(0), Some(1), Some(0)]), 100);
        assert_eq!(score(&q, &[Some(0), Some(1), None]), 66);
        assert_eq!(score(&q, &[]), 0);
        assert_eq!(score(&[], &[]), 100);
    }

    #[test]
    fn windows_follow_the_calendar() {
        let due = d("2026-12-20");
        let once = window(StudyRecurrence::Once, due, d("2027-03-01"));
        assert_eq!((once.key.as_str(), once.due), ("once", due));
        assert_eq!(
            previous_window(StudyRecurrence::Once, due, d("2027-03-01")),
            None
        );
        let q = window(StudyRecurrence::Quarter, due, d("2026-11-05"));
        assert_eq!((q.key.as_str(), q.due), ("2026-Q4", d("2026-12-31")));
        let prev = previous_window(StudyRecurrence::Quarter, due, d("2026-11-05")).unwrap();
        assert_eq!((prev.key.as_str(), prev.due), ("2026-Q3", d("2026-09-30")));
        let m = previous_window(StudyRecurrence::Month, due, d("2027-01-15")).unwrap();
        assert_eq!(m.key, "2026-12");
    }
}
