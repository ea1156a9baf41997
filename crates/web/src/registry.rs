//! What each feature plugs into the HTTP layer, listed in one place.

use crate::pages::sections::UnitSection;
use crate::pages::{bulletins, commendations, decisions, meetings, people, plans, units};

/// The unit page's sections, top to bottom.
pub(crate) const UNIT_SECTIONS: &[UnitSection] = &[
    units::POSITIONS,
    people::TRANSFERS,
    plans::UNIT_SECTION,
    decisions::UNIT_SECTION,
    meetings::UNIT_SECTION,
    bulletins::UNIT_SECTION,
    commendations::UNIT_SECTION,
    people::TALENTS,
    people::PEOPLE,
    units::STRUCTURE,
];
