//! What each feature plugs into the services, listed in one place.

use crate::jobs::Job;

/// The background jobs every server runs (each once per period among all
/// servers sharing the database).
pub const JOBS: &[Job] = &[
    crate::auth::PURGE_SESSIONS_JOB,
    crate::transfers::EXPIRE_JOB,
    crate::imports::PURGE_UPLOADS_JOB,
    crate::work::REMINDERS_JOB,
    crate::plans::STATUS_JOB,
    crate::meetings::REGULARITY_JOB,
    crate::plans::ESCALATION_JOB,
    crate::welfare::ESCALATION_JOB,
    crate::appeals::DEADLINES_JOB,
    crate::safety::DEADLINES_JOB,
    crate::safety::schedules::PERIODS_JOB,
    crate::search::INDEX_JOB,
    crate::search::TEXTS_JOB,
    crate::people::NAME_KEYS_JOB,
    crate::study::ENROL_JOB,
    crate::jobs::CHECKPOINT_JOB,
];
