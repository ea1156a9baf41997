//! Safety: the organization's risk matrix (likelihood × severity, 3×3 to
//! 5×5, banded low / moderate / high / critical by score thresholds) and
//! the days an incident's investigation may take by severity.

use chrono::{Datelike, NaiveDate};

use crate::vocab::{IncidentSeverity, InspectionCadence, RiskBand};

/// The risk matrix: scores are likelihood × severity, each from 1 to
/// `size`; a score belongs to the highest band whose threshold it reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matrix {
    /// Rows and columns: 3, 4 or 5.
    pub size: i64,
    /// Lowest score that is moderate.
    pub moderate_from: i64,
    /// Lowest score that is high.
    pub high_from: i64,
    /// Lowest score that is critical.
    pub critical_from: i64,
}

/// Why a matrix or a rating is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatrixError {
    /// The size is not 3, 4 or 5.
    Size,
    /// The thresholds do not rise strictly within 2..=size².
    Thresholds,
    /// A likelihood or severity lies outside 1..=size.
    Rating,
}

impl Matrix {
    /// The usual 5×5 matrix: 1–4 low, 5–9 moderate, 10–14 high, 15–25
    /// critical.
    pub const DEFAULT: Matrix = Matrix {
        size: 5,
        moderate_from: 5,
        high_from: 10,
        critical_from: 15,
    };

    /// Checks the size and that the thresholds rise within the scores.
    pub fn check(&self) -> Result<(), MatrixError> {
        if !(3..=5).contains(&self.size) {
            return Err(MatrixError::Size);
        }
        let max = self.size * self.size;
        if !(2 <= self.moderate_from
            && self.moderate_from < self.high_from
            && self.high_from < self.critical_from
            && self.critical_from <= max)
        {
            return Err(MatrixError::Thresholds);
        }
        Ok(())
    }

    /// The score and band of a rating.
    pub fn rate(&self, likelihood: i64, severity: i64) -> Result<(i64, RiskBand), MatrixError> {
        let range = 1..=self.size;
        if !range.contains(&likelihood) || !range.contains(&severity) {
            return Err(MatrixError::Rating);
        }
        let score = likelihood * severity;
        let band = if score >= self.critical_from {
            RiskBand::Critical
        } else if score >= self.high_from {
            RiskBand::High
        } else if score >= self.moderate_from {
            RiskBand::Moderate
        } else {
            RiskBand::Low
        };
        Ok((score, band))
    }
}

/// Whether a band needs a corrective action (high or above).
pub fn needs_action(band: RiskBand) -> bool {
    matches!(band, RiskBand::High | RiskBand::Critical)
}

/// Days to investigate an incident by severity: critical at once (the
/// same day), high 1, medium 3, low 7, unless the organization sets others.
pub fn investigation_days(severity: IncidentSeverity, set: &[i64; 4]) -> i64 {
    match severity {
        IncidentSeverity::Low => set[0],
        IncidentSeverity::Medium => set[1],
        IncidentSeverity::High => set[2],
        IncidentSeverity::Critical => set[3],
    }
}

/// The default investigation days (low, medium, high, critical).
pub const INVESTIGATION_DAYS: [i64; 4] = [7, 3, 1, 0];

/// The calendar period of a cadence that holds a day: its key
/// (`2026-12`, `2026-Q4`, `2026`) and its first and last days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// The period's key, as counted and shown.
    pub key: String,
    /// Its first day.
    pub starts: NaiveDate,
    /// Its last day.
    pub ends: NaiveDate,
}

/// The period of `cadence` that holds `day`.
pub fn period(cadence: InspectionCadence, day: NaiveDate) -> Period {
    let y = day.year();
    let (key, first_month, months) = match cadence {
        InspectionCadence::Month => (format!("{y}-{:02}", day.month()), day.month(), 1),
        InspectionCadence::Quarter => {
            let q = (day.month() - 1) / 3;
            (format!("{y}-Q{}", q + 1), q * 3 + 1, 3)
        }
        InspectionCadence::Year => (y.to_string(), 1, 12),
    };
    let starts = NaiveDate::from_ymd_opt(y, first_month, 1).expect("first of a month");
    let next = starts
        .checked_add_months(chrono::Months::new(months))
        .expect("a later month");
    Period {
        key,
        starts,
        ends: next.pred_opt().expect("a day before"),
    }
}

/// How a checklist question is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// `yes_no`, `scale` (1 to 5), `number` or `text`.
    pub response: String,
    /// Whether "n_a" may be answered.
    pub allow_na: bool,
    /// A yes/no answer that is flagged (`no`, usually).
    pub flag_on: Option<String>,
    /// A scale answer at or below this is flagged.
    pub flag_at_most: Option<i64>,
}

/// An answer judged: its score out of its maximum (none when N/A or not
/// scored) and whether it is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judged {
    /// (score, out of), when scored.
    pub score: Option<(i64, i64)>,
    /// Whether the answer is flagged.
    pub flagged: bool,
}

/// Why an answer is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerError {
    /// Not one of the question's answers.
    Invalid,
    /// N/A where the question does not allow it.
    NotApplicableRefused,
}

/// Judges `answer` to `q`: yes scores 1 of 1 and no 0 of 1; a scale value
/// v scores v − 1 of 4; N/A, numbers and text are not scored.
pub fn judge(q: &Question, answer: &str) -> Result<Judged, AnswerError> {
    let answer = answer.trim();
    if answer == "n_a" {
        return if q.allow_na {
            Ok(Judged {
                score: None,
                flagged: false,
            })
        } else {
            Err(AnswerError::NotApplicableRefused)
        };
    }
    match q.response.as_str() {
        "yes_no" => match answer {
            "yes" | "no" => Ok(Judged {
                score: Some((i64::from(answer == "yes"), 1)),
                flagged: q.flag_on.as_deref() == Some(answer),
            }),
            _ => Err(AnswerError::Invalid),
        },
        "scale" => match answer.parse::<i64>() {
            Ok(v) if (1..=5).contains(&v) => Ok(Judged {
                score: Some((v - 1, 4)),
                flagged: q.flag_at_most.is_some_and(|m| v <= m),
            }),
            _ => Err(AnswerError::Invalid),
        },
        "number" => answer
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(|_| Judged {
                score: None,
                flagged: false,
            })
            .ok_or(AnswerError::Invalid),
        _ if !answer.is_empty() => Ok(Judged {
            score: None,
            flagged: false,
        }),
        _ => Err(AnswerError::Invalid),
    }
}

/// The total of judged answers: (score, out of), N/A and unscored left out.
pub fn total(judged: &[Judged]) -> (i64, i64) {
    judged
        .iter()
        .filter_map(|j| j.score)
        .fold((0, 0), |(s, m), (a, b)| (s + a, m + b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_change_exactly_at_their_thresholds() {
        let m = Matrix::DEFAULT;
        assert_eq!(m.rate(1, 4), Ok((4, RiskBand::Low)));
        assert_eq!(m.rate(1, 5), Ok((5, RiskBand::Moderate)));
        assert_eq!(m.rate(3, 3), Ok((9, RiskBand::Moderate)));
        assert_eq!(m.rate(2, 5), Ok((10, RiskBand::High)));
        assert_eq!(m.rate(2, 7), Err(MatrixError::Rating));
        assert_eq!(m.rate(3, 4), Ok((12, RiskBand::High)));
        assert_eq!(m.rate(3, 5), Ok((15, RiskBand::Critical)));
        assert_eq!(m.rate(5, 5), Ok((25, RiskBand::Critical)));
        assert_eq!(m.rate(0, 3), Err(MatrixError::Rating));
        assert!(!needs_action(RiskBand::Moderate));
        assert!(needs_action(RiskBand::High));
    }

    #[test]
    fn a_three_by_three_matrix_bands_its_nine_scores() {
        let m = Matrix {
            size: 3,
            moderate_from: 3,
            high_from: 6,
            critical_from: 9,
        };
        assert_eq!(m.check(), Ok(()));
        assert_eq!(m.rate(1, 2), Ok((2, RiskBand::Low)));
        assert_eq!(m.rate(1, 3), Ok((3, RiskBand::Moderate)));
        assert_eq!(m.rate(2, 3), Ok((6, RiskBand::High)));
        assert_eq!(m.rate(3, 3), Ok((9, RiskBand::Critical)));
        assert_eq!(m.rate(3, 4), Err(MatrixError::Rating));
    }

    #[test]
    fn thresholds_must_rise_within_the_scores() {
        let bad = |m: Matrix| m.check();
        assert_eq!(
            bad(Matrix {
                size: 6,
                ..Matrix::DEFAULT
            }),
            Err(MatrixError::Size)
        );
        assert_eq!(
            bad(Matrix {
                high_from: 5,
                ..Matrix::DEFAULT
            }),
            Err(MatrixError::Thresholds)
        );
        assert_eq!(
            bad(Matrix {
                critical_from: 26,
                ..Matrix::DEFAULT
            }),
            Err(MatrixError::Thresholds)
        );
        assert_eq!(
            bad(Matrix {
                moderate_from: 1,
                ..Matrix::DEFAULT
            }),
            Err(MatrixError::Thresholds)
        );
        assert_eq!(Matrix::DEFAULT.check(), Ok(()));
    }

    #[test]
    fn investigations_are_due_by_severity() {
        let d = &INVESTIGATION_DAYS;
        assert_eq!(investigation_days(IncidentSeverity::Critical, d), 0);
        assert_eq!(investigation_days(IncidentSeverity::High, d), 1);
        assert_eq!(investigation_days(IncidentSeverity::Medium, d), 3);
        assert_eq!(investigation_days(IncidentSeverity::Low, d), 7);
    }

    #[test]
    fn answers_score_and_flag_and_n_a_drops_out() {
        let yes_no = Question {
            response: "yes_no".into(),
            allow_na: true,
            flag_on: Some("no".into()),
            flag_at_most: None,
        };
        let scale = Question {
            response: "scale".into(),
            allow_na: false,
            flag_on: None,
            flag_at_most: Some(2),
        };
        let yes = judge(&yes_no, "yes").unwrap();
        let no = judge(&yes_no, "no").unwrap();
        let na = judge(&yes_no, "n_a").unwrap();
        assert_eq!((yes.score, yes.flagged), (Some((1, 1)), false));
        assert_eq!((no.score, no.flagged), (Some((0, 1)), true));
        assert_eq!((na.score, na.flagged), (None, false));
        assert_eq!(judge(&yes_no, "maybe"), Err(AnswerError::Invalid));
        assert_eq!(judge(&scale, "n_a"), Err(AnswerError::NotApplicableRefused));
        assert_eq!(
            judge(&scale, "2").unwrap(),
            Judged {
                score: Some((1, 4)),
                flagged: true
            }
        );
        assert_eq!(
            judge(&scale, "3").unwrap(),
            Judged {
                score: Some((2, 4)),
                flagged: false
            }
        );
        assert_eq!(judge(&scale, "6"), Err(AnswerError::Invalid));
        // 1 of 1 + 0 of 1 + (N/A) + 1 of 4 = 2 of 6.
        assert_eq!(total(&[yes, no, na, judge(&scale, "2").unwrap()]), (2, 6));
    }
}

#[cfg(test)]
mod period_tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_hold_their_first_and_last_days() {
        let p = period(InspectionCadence::Month, d(2024, 2, 29));
        assert_eq!(
            (p.key.as_str(), p.starts, p.ends),
            ("2024-02", d(2024, 2, 1), d(2024, 2, 29))
        );
        let p = period(InspectionCadence::Month, d(2026, 12, 1));
        assert_eq!(
            (p.key.as_str(), p.starts, p.ends),
            ("2026-12", d(2026, 12, 1), d(2026, 12, 31))
        );
        for (day, key, starts, ends) in [
            (d(2026, 3, 31), "2026-Q1", d(2026, 1, 1), d(2026, 3, 31)),
            (d(2026, 4, 1), "2026-Q2", d(2026, 4, 1), d(2026, 6, 30)),
            (d(2026, 12, 31), "2026-Q4", d(2026, 10, 1), d(2026, 12, 31)),
        ] {
            let p = period(InspectionCadence::Quarter, day);
            assert_eq!(
                (p.key.as_str(), p.starts, p.ends),
                (key, starts, ends),
                "{day}"
            );
        }
        let p = period(InspectionCadence::Year, d(2026, 7, 4));
        assert_eq!(
            (p.key.as_str(), p.starts, p.ends),
            ("2026", d(2026, 1, 1), d(2026, 12, 31))
        );
    }
}
