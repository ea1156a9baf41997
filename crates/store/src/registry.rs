//! What each feature plugs into the store, listed in one place.

use crate::aggregates::CounterFamily;
use crate::lifecycle::{Features, UnitEndHook};

/// Every maintained counter family.
pub const COUNTER_FAMILIES: &[CounterFamily] = &[
    crate::units::COUNTERS,
    crate::people::COUNTERS,
    crate::positions::HELD_COUNTERS,
    crate::positions::SEAT_COUNTERS,
    crate::decisions::COUNTERS,
    crate::skills::COUNTERS,
    crate::plans::COUNTERS,
    crate::plans::blockers::COUNTERS,
    crate::commendations::COUNTERS,
    crate::bulletins::COUNTERS,
    crate::meetings::regularity::COUNTERS,
    crate::meetings::ATTENDANCE_COUNTERS,
    crate::welfare::COUNTERS,
    crate::supply::COUNTERS,
    crate::appeals::COUNTERS,
    crate::safety::COUNTERS,
    crate::safety::schedules::COUNTERS,
    crate::study::COUNTERS,
    crate::study::centres::COUNTERS,
    crate::experiences::COUNTERS,
];

/// What features do with their rows when a unit ends.
pub const UNIT_END_HOOKS: &[UnitEndHook] = &[
    crate::plans::UNIT_END,
    crate::meetings::regularity::UNIT_END,
    crate::welfare::UNIT_END,
    crate::supply::UNIT_END,
    crate::appeals::UNIT_END,
    crate::safety::UNIT_END,
    crate::study::UNIT_END,
    crate::study::centres::UNIT_END,
];

/// Everything above, as the tree's lifecycle takes it.
pub const FEATURES: Features = Features {
    counters: COUNTER_FAMILIES,
    unit_ends: UNIT_END_HOOKS,
};
