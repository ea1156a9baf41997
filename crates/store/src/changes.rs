//! What the commits of this process changed, for results kept between
//! requests.
//!
//! A kept result is served again while no commit it could show has been
//! made since it was read. Most commits count for every kept result; a
//! check-in only changes the progress of plans in one unit and the
//! roll-ups of the units above it, so it is recorded against those units
//! alone: a province's dashboard stays kept while another province checks
//! in, and results that never show progress (sign-ins, people, paths) stay
//! kept under any stream of check-ins.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use grassroots_core::UnitId;

/// Which commits a kept result can show, and so which ones end it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Watch {
    /// Any commit.
    Everything,
    /// Any commit but those that changed only the progress of plans
    /// (check-ins), which the result does not show.
    AllButProgress,
    /// The subtree of a unit: any commit but progress recorded outside
    /// that subtree.
    Subtree(UnitId),
}

/// Units remembered at most; past it the oldest knowledge is given up at
/// once (every kept subtree result read anew once), which bounds the
/// memory at national scale.
const UNITS_REMEMBERED: usize = 262_144;

#[derive(Default)]
struct Log {
    /// Commits counted so far; each commit's number.
    commits: u64,
    /// The last commit that was not progress alone.
    broad: u64,
    /// Results of subtrees read before this commit are stale: what the
    /// units then remembered was given up.
    forgotten: u64,
    /// The last progress commit within each unit's subtree.
    progress: HashMap<UnitId, u64>,
}

static LOG: LazyLock<Mutex<Log>> = LazyLock::new(Default::default);

fn log() -> std::sync::MutexGuard<'static, Log> {
    // Only counters: a panic elsewhere cannot leave them inconsistent.
    LOG.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The number of write transactions this process has committed so far
/// (not counting session and token stamps). A reader that keeps a result
/// takes it before reading.
pub fn commits() -> u64 {
    log().commits
}

/// The number of the last commit that `watch` can show (0 if none): a
/// result read after it started (its [`commits`] taken before reading
/// is at least this) shows every such commit.
pub fn last_change(watch: Watch) -> u64 {
    let log = log();
    match watch {
        Watch::Everything => log.commits,
        Watch::AllButProgress => log.broad,
        Watch::Subtree(unit) => log
            .broad
            .max(log.forgotten)
            .max(log.progress.get(&unit).copied().unwrap_or(0)),
    }
}

/// What a commit changed, as far as kept results are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Anything.
    Broad,
    /// Only the progress of plans in these units (a unit and every unit
    /// above it, and those of any target its progress reaches).
    Progress(Vec<UnitId>),
}

/// Records a commit that changed `change`.
pub fn record(change: &Change) {
    match change {
        Change::Broad => record_broad(),
        Change::Progress(units) => record_progress(units),
    }
}

/// Records a commit that may have changed anything ([`crate::Tx::commit`]
/// does; public for the tests of what keeps results).
pub fn record_broad() {
    let mut log = log();
    log.commits += 1;
    log.broad = log.commits;
}

/// Records a commit that changed only the progress of plans in `units`
/// (a unit and every unit above it; [`crate::Tx::commit_progress`]).
pub fn record_progress(units: &[UnitId]) {
    let mut log = log();
    log.commits += 1;
    let number = log.commits;
    if log.progress.len() + units.len() > UNITS_REMEMBERED {
        log.progress.clear();
        log.forgotten = number;
    }
    for unit in units {
        log.progress.insert(*unit, number);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test: the log is the process's, and tests run at once.
    #[test]
    fn progress_ends_only_the_results_of_the_units_it_was_recorded_against() {
        let before = commits();
        // Units no other test of this crate uses.
        let (root, province, other) = (-1_000_001, -1_000_002, -1_000_003);
        record_progress(&[province, root]);
        let progress = commits();
        assert!(progress > before);
        assert!(last_change(Watch::Subtree(province)) >= progress);
        assert!(last_change(Watch::Subtree(root)) >= progress);
        assert!(last_change(Watch::Everything) >= progress);
        assert!(last_change(Watch::Subtree(other)) < progress);
        assert!(last_change(Watch::AllButProgress) < progress);

        record_broad();
        let broad = commits();
        assert!(last_change(Watch::Subtree(other)) >= broad);
        assert!(last_change(Watch::AllButProgress) >= broad);
    }
}
