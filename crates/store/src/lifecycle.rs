//! What each feature does with its rows when a unit ends (merges into
//! another or closes). The tree's own rows (children, people, positions,
//! transfers, grants) are moved by `units`; every other feature registers
//! a hook and its counter families in the store's registry, and `units`
//! runs them in the merge's or close's transaction.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use grassroots_core::UnitId;

use crate::aggregates::CounterFamily;
use crate::{StoreResult, Tx, on_ex};

/// What a hook returns.
pub type HookFuture<'a> = Pin<Box<dyn Future<Output = StoreResult<()>> + Send + 'a>>;

/// One feature's part in ending a unit.
pub struct UnitEndHook {
    /// The feature.
    pub feature: &'static str,
    /// Called as `(tx, ending, successor, now)` when unit `ending` merges
    /// into `successor` or closes (`successor` is then its parent), after
    /// its people and positions moved and before it is marked closed.
    pub run: for<'a> fn(&'a mut Tx, UnitId, UnitId, DateTime<Utc>) -> HookFuture<'a>,
}

/// The features plugged into the store: their counter families and their
/// hooks for a unit's end.
pub struct Features {
    /// Every counter family, for `recompute` and `check`.
    pub counters: &'static [CounterFamily],
    /// Every hook run when a unit ends.
    pub unit_ends: &'static [UnitEndHook],
}

impl Features {
    /// Whether a unit's own count of `metric` moves with its rows to the
    /// unit that takes them over.
    pub fn follows_rows(&self, metric: &str) -> bool {
        self.counters
            .iter()
            .any(|f| f.follows_rows && f.has(metric))
    }
}

/// Moves a feature's rows from a unit that ends to its successor: each
/// statement takes the ending unit as `$1` and the successor as `$2`.
pub async fn move_rows(
    tx: &mut Tx,
    ending: UnitId,
    successor: UnitId,
    statements: &[&'static str],
) -> StoreResult<()> {
    for sql in statements {
        on_ex!(tx, |e| sqlx::query(*sql)
            .bind(ending)
            .bind(successor)
            .execute(&mut *e)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}
