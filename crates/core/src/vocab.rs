//! The organization's closed vocabularies (statuses, kinds, sources) as
//! typed values, each with a stable key used by the database, the API
//! and the catalogues (`as_str`, `parse`), in the manner of `Role`. The
//! store's lists of keys are these enums' keys.

use std::fmt;

/// Declares a vocabulary: an enum with its keys, `as_str`, `parse`,
/// `ALL` and `KEYS` (in the order given, which is the order shown).
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $key:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in the order shown.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every stable key, in the order shown.
            pub const KEYS: &'static [&'static str] = &[$($key),+];

            /// Stable name used in the database, the API and the catalogues.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $key),+
                }
            }

            /// Parses the stable name.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($key => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    serde::de::Error::unknown_variant(&s, $name::KEYS)
                })
            }
        }
    };
}

vocabulary!(
    /// Where a person stands with the organization.
    PersonStatus {
        /// Has applied to join.
        Applicant = "applicant",
        /// In the candidate period.
        Candidate = "candidate",
        /// A full member.
        Member = "member",
        /// An employee of a unit who is not a member.
        Employee = "employee",
        /// Has left.
        Left = "left",
        /// Moved to a unit of another organization.
        TransferredOut = "transferred_out",
    }
);

impl PersonStatus {
    /// Those who belong to the organization now: invited to its meetings,
    /// eligible for its positions (applicants and people who left are not).
    pub const IN_ORGANIZATION: &'static [PersonStatus] = &[
        PersonStatus::Candidate,
        PersonStatus::Member,
        PersonStatus::Employee,
    ];
}

vocabulary!(
    /// A kind of commendation.
    CommendationKind {
        /// A citation.
        Citation = "citation",
        /// An honorary title.
        HonoraryTitle = "honorary_title",
        /// An order.
        Order = "order",
        /// A medal.
        Medal = "medal",
        /// A letter of thanks.
        LetterOfThanks = "letter_of_thanks",
        /// Anything else.
        Other = "other",
    }
);

vocabulary!(
    /// Where a decision was taken.
    DecisionSource {
        /// A congress.
        Congress = "congress",
        /// A plenary meeting.
        PlenaryMeeting = "plenary_meeting",
        /// A committee meeting.
        CommitteeMeeting = "committee_meeting",
        /// Anything else.
        Other = "other",
    }
);

vocabulary!(
    /// A kind of speech at a meeting.
    SpeechKind {
        /// The report.
        Report = "report",
        /// A contribution to the discussion.
        Contribution = "contribution",
        /// The concluding speech.
        ConcludingSpeech = "concluding_speech",
        /// The closing address.
        ClosingAddress = "closing_address",
    }
);

vocabulary!(
    /// How a participant's attendance was marked.
    AttendanceMark {
        /// Was there.
        Present = "present",
        /// Absent with leave.
        Excused = "excused",
        /// Absent.
        Absent = "absent",
    }
);

vocabulary!(
    /// The period a plan covers.
    PeriodKind {
        /// A calendar year.
        Year = "year",
        /// A quarter.
        Quarter = "quarter",
        /// A month.
        Month = "month",
        /// Any span of days.
        Custom = "custom",
    }
);

vocabulary!(
    /// How often a plan's targets are checked in on.
    Cadence {
        /// Every day.
        Daily = "daily",
        /// Every week.
        Weekly = "weekly",
        /// Every month.
        Monthly = "monthly",
    }
);

vocabulary!(
    /// What a target measures.
    TargetKind {
        /// A number reached from a baseline.
        Numeric = "numeric",
        /// A milestone done or not.
        Milestone = "milestone",
    }
);

vocabulary!(
    /// How a cascaded target combines its parts.
    Rollup {
        /// The mean of the parts' completion.
        Mean = "mean",
        /// The sum of the parts' values.
        Sum = "sum",
    }
);

vocabulary!(
    /// How sure a check-in's reporter is.
    Confidence {
        /// Low.
        Low = "low",
        /// Medium.
        Medium = "medium",
        /// High.
        High = "high",
    }
);

vocabulary!(
    /// What a level of the tree is, whatever the profile calls it.
    LevelKind {
        /// A committee above the primary units.
        Body = "body",
        /// A primary unit (with its lead seats).
        Primary = "primary",
        /// A cell under a primary unit.
        Cell = "cell",
    }
);

vocabulary!(
    /// A built-in organization profile (a custom one is edited).
    BuiltinProfile {
        /// A party.
        Party = "party",
        /// A trade union.
        TradeUnion = "trade_union",
        /// A cooperative.
        Cooperative = "cooperative",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_back_and_serialize_as_keys() {
        for s in PersonStatus::ALL {
            assert_eq!(PersonStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(PersonStatus::KEYS.len(), PersonStatus::ALL.len());
        assert_eq!(PersonStatus::parse("Member"), None);
        assert_eq!(
            serde_json::to_string(&CommendationKind::HonoraryTitle).unwrap(),
            "\"honorary_title\""
        );
        let back: SpeechKind = serde_json::from_str("\"closing_address\"").unwrap();
        assert_eq!(back, SpeechKind::ClosingAddress);
        assert!(serde_json::from_str::<SpeechKind>("\"toast\"").is_err());
    }
}

vocabulary!(
    /// A risk band of the organization's matrix, lowest first.
    RiskBand {
        /// Acceptable with the controls in place.
        Low = "low",
        /// To be reduced when practicable.
        Moderate = "moderate",
        /// Needs a corrective action.
        High = "high",
        /// Stop the work until reduced.
        Critical = "critical",
    }
);

vocabulary!(
    /// The hierarchy of controls (ISO 45001, 8.1.2), most effective first.
    ControlLevel {
        /// Remove the hazard.
        Elimination = "elimination",
        /// Replace it with something less hazardous.
        Substitution = "substitution",
        /// Isolate people from it (guards, ventilation).
        Engineering = "engineering",
        /// Change how people work (procedures, training, signs).
        Administrative = "administrative",
        /// Personal protective equipment.
        ProtectiveEquipment = "protective_equipment",
    }
);

vocabulary!(
    /// How often a scheduled inspection is due: once per calendar period.
    InspectionCadence {
        /// Every calendar month.
        Month = "month",
        /// Every calendar quarter.
        Quarter = "quarter",
        /// Every calendar year.
        Year = "year",
    }
);

vocabulary!(
    /// How often a study assignment is done again: once, or in every
    /// calendar window.
    StudyRecurrence {
        /// Once, by its due day.
        Once = "once",
        /// Every calendar month.
        Month = "month",
        /// Every calendar quarter.
        Quarter = "quarter",
        /// Every calendar year.
        Year = "year",
    }
);

vocabulary!(
    /// How a study assignment counts as done.
    StudyCompletion {
        /// The person marks it done.
        SelfMark = "self",
        /// The person passes its quiz.
        Quiz = "quiz",
        /// The person reports it done and their unit's secretary confirms.
        Reviewer = "reviewer",
        /// The person was marked present at a meeting that took it up.
        Meeting = "meeting",
    }
);

vocabulary!(
    /// How serious an incident or near miss was, lowest first.
    IncidentSeverity {
        /// First aid at most, or no harm.
        Low = "low",
        /// Medical treatment or lost time.
        Medium = "medium",
        /// Serious injury or major damage.
        High = "high",
        /// A death, or many hurt.
        Critical = "critical",
    }
);

vocabulary! {
    /// A language the interface is shipped in (a catalogue under the web
    /// crate's `locales/`).
    Locale {
        /// English.
        English = "en",
        /// Korean.
        Korean = "ko",
    }
}

impl Locale {
    /// The language's name in itself, as a language menu shows it.
    pub fn autonym(self) -> &'static str {
        match self {
            Locale::English => "English",
            Locale::Korean => "한국어",
        }
    }
}
