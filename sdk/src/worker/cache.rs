//! The sticky cache of one workflow thread: the runs it keeps between their tasks.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A least-recently-used cache of runs, keyed by run id.
///
/// A run is taken out while a task works on it and put back after, so the least recently used
/// run is the one longest in the cache; evicting it, like every other operation, is O(1)
/// whatever the cache holds.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::AtomicUsize;
/// use temporal_sdk::__bench::RunCache;
///
/// let mut cache = RunCache::new(2, Arc::new(AtomicUsize::new(0)));
/// cache.put("a".into(), 1);
/// cache.put("b".into(), 2);
/// let a = cache.take("a").unwrap(); // a task works on run "a"...
/// cache.put("a".into(), a); // ...and puts it back: "b" is now the least recently used
/// cache.put("c".into(), 3); // evicts "b"
/// assert!(cache.take("b").is_none());
/// ```
pub struct RunCache<V> {
    runs: lru::LruCache<String, V>,
    capacity: usize,
    /// The runs cached on all threads of the pool, for the cache size gauge.
    total: Arc<AtomicUsize>,
}

impl<V> std::fmt::Debug for RunCache<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunCache").field("len", &self.runs.len()).field("capacity", &self.capacity).finish()
    }
}

impl<V> RunCache<V> {
    /// A cache of at most `capacity` runs (0: caching off), counted in `total` with the caches
    /// of the pool's other threads.
    pub fn new(capacity: usize, total: Arc<AtomicUsize>) -> Self {
        // Unbounded: the capacity is enforced by `put` alone, since `keep` may exceed it.
        Self { runs: lru::LruCache::unbounded(), capacity, total }
    }

    /// Keeps a run regardless of the capacity: a task in flight needs it back.
    pub fn keep(&mut self, run_id: String, run: V) {
        if self.runs.put(run_id, run).is_none() {
            self.total.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Takes a run out, for a task to work on it.
    pub fn take(&mut self, run_id: &str) -> Option<V> {
        let run = self.runs.pop(run_id);
        if run.is_some() {
            self.total.fetch_sub(1, Ordering::Relaxed);
        }
        run
    }

    /// Keeps `run`, evicting the least recently used runs to stay within the capacity; false
    /// when caching is off.
    pub fn put(&mut self, run_id: String, run: V) -> bool {
        if self.capacity == 0 {
            return false;
        }
        while self.runs.len() >= self.capacity {
            if self.runs.pop_lru().is_none() {
                break;
            }
            self.total.fetch_sub(1, Ordering::Relaxed);
        }
        self.keep(run_id, run);
        true
    }

    /// The runs in this cache.
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// Whether this cache holds no run.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(capacity: usize) -> (RunCache<u32>, Arc<AtomicUsize>) {
        let total = Arc::new(AtomicUsize::new(0));
        (RunCache::new(capacity, Arc::clone(&total)), total)
    }

    #[test]
    fn the_run_used_longest_ago_is_evicted_first() {
        let (mut cache, total) = cache(3);
        for (i, id) in ["a", "b", "c"].into_iter().enumerate() {
            assert!(cache.put(id.into(), i as u32));
        }
        // A task on "a" takes it and puts it back: "b" becomes the oldest.
        let a = cache.take("a").expect("cached");
        cache.put("a".into(), a);
        cache.put("d".into(), 3);
        assert_eq!(cache.take("b"), None);
        cache.put("e".into(), 4);
        assert_eq!(cache.take("c"), None);
        assert_eq!((cache.len(), total.load(Ordering::Relaxed)), (3, 3));
        assert_eq!(cache.take("a"), Some(0));
    }

    #[test]
    fn a_run_kept_for_a_task_in_flight_may_exceed_the_capacity_until_the_next_put() {
        let (mut cache, total) = cache(1);
        cache.put("a".into(), 0);
        cache.keep("b".into(), 1);
        assert_eq!((cache.len(), total.load(Ordering::Relaxed)), (2, 2));
        // The next put brings the cache back within its capacity, oldest first.
        cache.put("c".into(), 2);
        assert_eq!((cache.len(), total.load(Ordering::Relaxed)), (1, 1));
        assert_eq!(cache.take("c"), Some(2));
        assert!(cache.is_empty());
        assert_eq!(total.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn with_caching_off_nothing_is_put_but_runs_in_flight_are_kept() {
        let (mut cache, total) = cache(0);
        assert!(!cache.put("a".into(), 0));
        assert!(cache.is_empty());
        cache.keep("b".into(), 1);
        assert_eq!(cache.take("b"), Some(1));
        assert_eq!(total.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn putting_a_run_again_replaces_it_without_counting_it_twice() {
        let (mut cache, total) = cache(2);
        cache.put("a".into(), 0);
        cache.put("a".into(), 1);
        assert_eq!((cache.len(), total.load(Ordering::Relaxed)), (1, 1));
        assert_eq!(cache.take("a"), Some(1));
    }

    #[test]
    fn caches_of_several_threads_share_one_total() {
        let total = Arc::new(AtomicUsize::new(0));
        let mut one = RunCache::new(2, Arc::clone(&total));
        let mut two = RunCache::new(2, Arc::clone(&total));
        one.put("a".into(), 0);
        two.put("b".into(), 1);
        two.put("c".into(), 2);
        two.put("d".into(), 3);
        assert_eq!(total.load(Ordering::Relaxed), 3);
    }
}
