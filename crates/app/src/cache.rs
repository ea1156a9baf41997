//! Results kept between requests while nothing has changed.
//!
//! A dashboard of a province is a dozen statements over a subtree of tens
//! of thousands of units; read many times a second by many people, it
//! changes only when someone writes. A kept result is served again while
//! no write transaction of this process that it could show has committed
//! since it was read (`grassroots_store::changes`: a check-in elsewhere in
//! the tree leaves a province's dashboard kept) and for at most a configured number of
//! seconds, which bounds how long a write made by another process (a
//! second server on the same PostgreSQL, the command line) can go unseen;
//! while one caller reads an aged result anew, the others are served the
//! aged one (never one older than a write made here).
//! Callers check what the reader may see on every request before looking
//! here; sign-ins (who a session or token is) and units' ancestors (what
//! a dashboard's reader is checked against) are kept under the same rule,
//! so a revoked token or role, or a unit moved, counts from the next
//! request on when done here, within the configured seconds otherwise.

use std::collections::HashMap;
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use grassroots_store::Watch;
use lru::LruCache;

/// A bounded map of results. A result is served to a caller when it was
/// read after every commit of this process the caller could have seen and
/// it is younger than `fresh_for`.
pub struct Kept<K: Hash + Eq, V> {
    entries: Mutex<LruCache<K, Entry<V>>>,
    /// Keys being read now: callers that miss the same key wait for the
    /// first one's read instead of all reading at once.
    reading: Mutex<HashMap<K, Arc<tokio::sync::Mutex<()>>>>,
    fresh_for: Duration,
    /// Which commits a key's result can show.
    watch: fn(&K) -> Watch,
}

struct Entry<V> {
    commits: u64,
    read_at: Instant,
    value: Arc<V>,
}

impl<K: Hash + Eq + Clone, V> Kept<K, V> {
    /// Keeps up to `capacity` results for up to `fresh_for` each; a zero
    /// `fresh_for` keeps nothing.
    pub fn new(capacity: NonZeroUsize, fresh_for: Duration) -> Self {
        Self {
            entries: Mutex::new(LruCache::new(capacity)),
            reading: Mutex::new(HashMap::new()),
            fresh_for,
            watch: |_| Watch::Everything,
        }
    }

    /// Ends a key's result only after the commits `watch` names (every
    /// commit unless told otherwise).
    pub fn watching(self, watch: fn(&K) -> Watch) -> Self {
        Self { watch, ..self }
    }

    /// Keeps up to `capacity` results for `cache.fresh_seconds` of
    /// `config`.
    pub fn configured(capacity: usize, config: &crate::Config) -> Self {
        Self::new(
            NonZeroUsize::new(capacity.max(1)).expect("at least one"),
            Duration::from_secs(config.cache.fresh_seconds),
        )
    }

    /// The kept result for `key`, or the one `read` makes (kept for the
    /// next caller). The commit count is taken before reading, so a write
    /// committed while `read` runs makes its result stale at once.
    pub async fn get_or_read<E, F, Fut>(&self, key: K, read: F) -> Result<Arc<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        if self.fresh_for.is_zero() {
            return read().await.map(Arc::new);
        }
        // Every write committed before this call that the result can show
        // must show in what it returns: a result read since qualifies, even
        // one read while this call waited its turn.
        let wanted = grassroots_store::changes::last_change((self.watch)(&key));
        if let Some(value) = self.fresh(&key, wanted) {
            return Ok(value);
        }
        let turn = unpoisoned(&self.reading)
            .entry(key.clone())
            .or_default()
            .clone();
        let result = async {
            let _turn = match turn.try_lock() {
                Ok(t) => t,
                Err(_) => {
                    // Another caller is reading it. A result that only aged
                    // (nothing written here since) is served meanwhile
                    // rather than making every caller wait.
                    if let Some(value) = self.unchanged(&key, wanted) {
                        return Ok(value);
                    }
                    turn.lock().await
                }
            };
            // The caller before us may have read it meanwhile.
            if let Some(value) = self.fresh(&key, wanted) {
                return Ok(value);
            }
            let commits = grassroots_store::commits();
            let read_at = Instant::now();
            let value = Arc::new(read().await?);
            unpoisoned(&self.entries).put(
                key.clone(),
                Entry {
                    commits,
                    read_at,
                    value: value.clone(),
                },
            );
            Ok(value)
        }
        .await;
        let mut reading = unpoisoned(&self.reading);
        // The last caller of this turn removes it.
        if reading.get(&key).is_some_and(|t| Arc::strong_count(t) <= 2) {
            reading.remove(&key);
        }
        drop(turn);
        result
    }

    /// A kept result read after the `wanted`th commit of this process (the
    /// last it can show) and younger than `fresh_for`.
    fn fresh(&self, key: &K, wanted: u64) -> Option<Arc<V>> {
        self.kept_if(key, wanted, |e| e.read_at.elapsed() < self.fresh_for)
    }

    /// A kept result read after the `wanted`th commit, however old.
    fn unchanged(&self, key: &K, wanted: u64) -> Option<Arc<V>> {
        self.kept_if(key, wanted, |_| true)
    }

    fn kept_if(&self, key: &K, wanted: u64, young: impl Fn(&Entry<V>) -> bool) -> Option<Arc<V>> {
        let mut entries = unpoisoned(&self.entries);
        let entry = entries.get(key)?;
        (entry.commits >= wanted && young(entry)).then(|| entry.value.clone())
    }
}

/// A panic while holding one of these locks leaves only a map of copies;
/// keep using it.
fn unpoisoned<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The log of commits is the process's: a test that records commits
    /// runs alone.
    static ALONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

    fn kept(fresh_for: Duration) -> Kept<u32, u32> {
        Kept::new(NonZeroUsize::new(2).unwrap(), fresh_for)
    }

    async fn read(k: &Kept<u32, u32>, key: u32, value: u32) -> u32 {
        *k.get_or_read(key, || async move { Ok::<_, ()>(value) })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn serves_the_kept_result_until_a_commit_or_its_age_ends_it() {
        let _alone = ALONE.lock().await;
        let k = kept(Duration::from_secs(60));
        assert_eq!(read(&k, 1, 10).await, 10);
        // Nothing committed since: the kept value, not the new read.
        assert_eq!(read(&k, 1, 11).await, 10);
        assert_eq!(read(&k, 2, 20).await, 20);

        let aged = kept(Duration::from_millis(1));
        assert_eq!(read(&aged, 1, 10).await, 10);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(read(&aged, 1, 11).await, 11);

        let off = kept(Duration::ZERO);
        assert_eq!(read(&off, 1, 10).await, 10);
        assert_eq!(read(&off, 1, 11).await, 11);
    }

    #[tokio::test]
    async fn progress_elsewhere_leaves_a_subtree_result_kept() {
        let _alone = ALONE.lock().await;
        use grassroots_store::changes::{record_broad, record_progress};
        // Unit ids of their own: the log of commits is the process's.
        let (root, province, other) = (-2_000_001_i64, -2_000_002_i64, -2_000_003_i64);
        let k = Kept::<i64, u32>::new(NonZeroUsize::new(8).unwrap(), Duration::from_secs(60))
            .watching(|unit| Watch::Subtree(*unit));
        async fn read(k: &Kept<i64, u32>, key: i64, value: u32) -> u32 {
            *k.get_or_read(key, || async move { Ok::<_, ()>(value) })
                .await
                .unwrap()
        }
        assert_eq!(read(&k, province, 1).await, 1);
        assert_eq!(read(&k, other, 1).await, 1);
        assert_eq!(read(&k, root, 1).await, 1);
        // A check-in in the province: its result and its ancestors' go.
        record_progress(&[province, root]);
        assert_eq!(read(&k, province, 2).await, 2);
        assert_eq!(read(&k, root, 2).await, 2);
        assert_eq!(read(&k, other, 2).await, 1);
        // Any other write ends them all.
        record_broad();
        assert_eq!(read(&k, other, 3).await, 3);
        assert_eq!(read(&k, province, 3).await, 3);

        let signs = Kept::<i64, u32>::new(NonZeroUsize::new(8).unwrap(), Duration::from_secs(60))
            .watching(|_| Watch::AllButProgress);
        assert_eq!(read(&signs, 1, 1).await, 1);
        record_progress(&[province, root]);
        assert_eq!(read(&signs, 1, 2).await, 1);
    }

    #[tokio::test]
    async fn callers_missing_one_key_together_read_it_once() {
        let _alone = ALONE.lock().await;
        let k = Arc::new(kept(Duration::from_secs(60)));
        let reads = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let callers: Vec<_> = (0..8)
            .map(|_| {
                let (k, reads) = (k.clone(), reads.clone());
                tokio::spawn(async move {
                    *k.get_or_read(7, || async move {
                        reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok::<_, ()>(70)
                    })
                    .await
                    .unwrap()
                })
            })
            .collect();
        for c in callers {
            assert_eq!(c.await.unwrap(), 70);
        }
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(unpoisoned(&k.reading).is_empty());
    }

    #[tokio::test]
    async fn an_aged_result_is_served_while_it_is_read_anew() {
        let _alone = ALONE.lock().await;
        let k = Arc::new(Kept::<u32, u32>::new(
            NonZeroUsize::new(2).unwrap(),
            Duration::from_millis(1),
        ));
        assert_eq!(read(&k, 1, 10).await, 10);
        std::thread::sleep(Duration::from_millis(5));
        let (gate, wait) = tokio::sync::oneshot::channel::<()>();
        let slow = {
            let k = k.clone();
            tokio::spawn(async move {
                *k.get_or_read(1, || async move {
                    wait.await.ok();
                    Ok::<_, ()>(11)
                })
                .await
                .unwrap()
            })
        };
        while unpoisoned(&k.reading).is_empty() {
            tokio::task::yield_now().await;
        }
        // The aged 10 while the slow read runs, not a second read.
        assert_eq!(read(&k, 1, 12).await, 10);
        gate.send(()).unwrap();
        assert_eq!(slow.await.unwrap(), 11);
    }

    #[tokio::test]
    async fn errors_are_not_kept_and_capacity_is_bounded() {
        let _alone = ALONE.lock().await;
        let k = kept(Duration::from_secs(60));
        let failed = k.get_or_read(1, || async { Err::<u32, _>("no") }).await;
        assert!(failed.is_err());
        assert_eq!(read(&k, 1, 10).await, 10);
        read(&k, 2, 20).await;
        read(&k, 3, 30).await;
        // Key 1 was the least recently used of three in a map of two.
        assert_eq!(read(&k, 1, 12).await, 12);
    }
}
