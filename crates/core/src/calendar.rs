//! Calendar eras for displayed dates. Stored dates are always ISO
//! (proleptic Gregorian); the organization chooses how they are shown.
//! The Juche and Minguo eras both count 1912 as year 1.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// How years are numbered on screen and in print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Era {
    /// Gregorian years: "28 February 2022".
    #[default]
    Gregorian,
    /// Juche years with the Gregorian year after them:
    /// "28 February Juche 111 (2022)".
    Juche,
    /// Minguo years: "民國111年2月28日".
    Minguo,
}

/// A calendar day as it is stored and exchanged: `YYYY-MM-DD` (ISO 8601,
/// proleptic Gregorian), which both engines order correctly as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(NaiveDate);

/// Text that is not a day written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotADay;

impl std::fmt::Display for NotADay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a date YYYY-MM-DD")
    }
}

impl std::error::Error for NotADay {}

/// The date in `s`, written `YYYY-MM-DD`: the one parser of stored and
/// typed days.
pub fn parse_day(s: &str) -> Result<NaiveDate, NotADay> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| NotADay)
}

impl Day {
    /// The day written in `s` (`YYYY-MM-DD`).
    pub fn parse(s: &str) -> Option<Day> {
        parse_day(s).ok().map(Day)
    }

    /// The date.
    pub fn date(self) -> NaiveDate {
        self.0
    }

    /// As stored: `YYYY-MM-DD`.
    pub fn iso(self) -> String {
        self.0.format("%Y-%m-%d").to_string()
    }
}

impl From<NaiveDate> for Day {
    fn from(d: NaiveDate) -> Day {
        Day(d)
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Day::parse(&s).ok_or_else(|| serde::de::Error::custom(NotADay))
    }
}

/// The Gregorian year before year 1 of the Juche and Minguo eras.
const ERA_OFFSET: i32 = 1911;

impl Era {
    /// Every era.
    pub const ALL: [Era; 3] = [Era::Gregorian, Era::Juche, Era::Minguo];

    /// Stable name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Era::Gregorian => "gregorian",
            Era::Juche => "juche",
            Era::Minguo => "minguo",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<Era> {
        Era::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The year of `date` in this era: `None` for the Gregorian era, and
    /// for Juche years before 1912 (the Juche calendar shows those as
    /// Gregorian years). Minguo years before 1912 are counted backwards
    /// ("民國前1年" is 1911) and come back negative: 1911 is -1.
    pub fn year(self, date: NaiveDate) -> Option<i32> {
        let y = date.year();
        match self {
            Era::Gregorian => None,
            Era::Juche => (y > ERA_OFFSET).then_some(y - ERA_OFFSET),
            Era::Minguo if y > ERA_OFFSET => Some(y - ERA_OFFSET),
            Era::Minguo => Some(y - ERA_OFFSET - 1),
        }
    }
}

/// A day written into generated text (a bulletin composed from a meeting)
/// as `{date:YYYY-MM-DD}`: shown in the organization's era when the text
/// is read, so the text follows the setting when it changes.
pub fn date_token(iso: &str) -> String {
    format!("{{date:{iso}}}")
}

/// A span of days as tokens: one day, or "first – last".
pub fn span_token(from: &str, to: &str) -> String {
    if from == to {
        date_token(from)
    } else {
        format!("{} – {}", date_token(from), date_token(to))
    }
}

/// `text` with every `{date:YYYY-MM-DD}` holding a real date replaced by
/// `show(date)`; anything else is left as written.
pub fn expand_date_tokens(text: &str, show: impl Fn(&str) -> String) -> String {
    const OPEN: &str = "{date:";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len()..];
        let iso = after.get(..10).filter(|d| {
            after[10..].starts_with('}') && NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok()
        });
        match iso {
            Some(d) => {
                out.push_str(&show(d));
                rest = &after[11..];
            }
            None => {
                out.push_str(OPEN);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_reads_and_writes_iso() {
        let d = Day::parse("2022-02-28").unwrap();
        assert_eq!(d.iso(), "2022-02-28");
        assert_eq!(d.to_string(), "2022-02-28");
        assert!(Day::parse("2022-02-30").is_none());
        assert!(Day::parse("28.02.2022").is_none());
        assert!(Day::parse("2022-02-01") < Day::parse("2022-10-01"));
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"2022-02-28\"");
        let back: Day = serde_json::from_str("\"2022-02-28\"").unwrap();
        assert_eq!(back, d);
        assert!(serde_json::from_str::<Day>("\"2022-13-01\"").is_err());
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn era_years_at_their_boundaries() {
        assert_eq!(Era::Juche.year(d("2022-02-28")), Some(111));
        assert_eq!(Era::Minguo.year(d("2022-02-28")), Some(111));
        assert_eq!(Era::Juche.year(d("1912-01-01")), Some(1));
        assert_eq!(Era::Juche.year(d("1911-12-31")), None);
        assert_eq!(Era::Minguo.year(d("1912-01-01")), Some(1));
        assert_eq!(Era::Minguo.year(d("1911-12-31")), Some(-1));
        assert_eq!(Era::Minguo.year(d("1900-06-01")), Some(-12));
        assert_eq!(Era::Gregorian.year(d("2022-02-28")), None);
    }

    #[test]
    fn date_tokens_expand_when_read() {
        let text = format!(
            "Held {}; {{date:2022-13-01}} and {{date:x}} stay; {{date:2022-02-2",
            span_token("2022-02-27", "2022-02-28")
        );
        let shown = expand_date_tokens(&text, |d| format!("<{d}>"));
        assert_eq!(
            shown,
            "Held <2022-02-27> – <2022-02-28>; {date:2022-13-01} and {date:x} stay; {date:2022-02-2"
        );
        assert_eq!(span_token("2022-02-28", "2022-02-28"), "{date:2022-02-28}");
        assert_eq!(
            expand_date_tokens("눈 {date:2022-02-28}", |_| "d".into()),
            "눈 d"
        );
    }

    #[test]
    fn names_round_trip() {
        for e in Era::ALL {
            assert_eq!(Era::parse(e.as_str()), Some(e));
        }
        assert_eq!(Era::parse("julian"), None);
    }
}
