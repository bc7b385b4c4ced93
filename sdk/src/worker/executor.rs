//! Where blocking (non-async) activities run: the analog of Python's `activity_executor`.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

pub use crate::activity::{ActivityExecutor, ActivityJob};

/// A bounded pool of threads for blocking activities: threads start on demand up to a
/// maximum, further jobs wait in a queue, and threads idle for a minute end.
///
/// ```
/// use temporal_sdk::worker::ThreadPoolExecutor;
/// # use temporal_sdk::prelude::*;
/// # #[activity] fn checksum(data: Vec<u8>) -> Result<u32, ActivityError> { Ok(data.len() as u32) }
///
/// let options = WorkerOptions::new("files")
///     .activity(checksum)
///     .activity_executor(ThreadPoolExecutor::new(8));
/// # let _ = options;
/// ```
pub struct ThreadPoolExecutor {
    pool: Arc<Pool>,
}

struct Pool {
    max_threads: usize,
    idle_timeout: Duration,
    name: String,
    state: Mutex<PoolState>,
    work: Condvar,
}

#[derive(Default)]
struct PoolState {
    queue: VecDeque<ActivityJob>,
    threads: usize,
    idle: usize,
    stopping: bool,
}

impl ThreadPoolExecutor {
    /// A pool of at most `max_threads` threads (at least 1), named `temporal-activity`.
    ///
    /// ```
    /// let pool = temporal_sdk::worker::ThreadPoolExecutor::new(0);
    /// assert_eq!(pool.max_threads(), 1);
    /// ```
    pub fn new(max_threads: usize) -> Self {
        Self::with_name(max_threads, "temporal-activity")
    }

    /// A pool of at most `max_threads` threads whose threads carry `name`.
    ///
    /// ```
    /// let pool = temporal_sdk::worker::ThreadPoolExecutor::with_name(4, "image-resize");
    /// assert_eq!(pool.max_threads(), 4);
    /// ```
    pub fn with_name(max_threads: usize, name: impl Into<String>) -> Self {
        Self {
            pool: Arc::new(Pool {
                max_threads: max_threads.max(1),
                idle_timeout: Duration::from_secs(60),
                name: name.into(),
                state: Mutex::default(),
                work: Condvar::new(),
            }),
        }
    }

    /// The most threads the pool runs.
    pub fn max_threads(&self) -> usize {
        self.pool.max_threads
    }

    /// Threads alive now.
    ///
    /// ```
    /// let pool = temporal_sdk::worker::ThreadPoolExecutor::new(2);
    /// assert_eq!(pool.threads(), 0); // started on demand
    /// ```
    pub fn threads(&self) -> usize {
        self.pool.lock().threads
    }
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn run_thread(self: Arc<Self>) {
        loop {
            let job = {
                let mut state = self.lock();
                loop {
                    if let Some(job) = state.queue.pop_front() {
                        break job;
                    }
                    if state.stopping {
                        state.threads -= 1;
                        return;
                    }
                    state.idle += 1;
                    let (guard, waited) = match self.work.wait_timeout(state, self.idle_timeout) {
                        Ok(r) => r,
                        Err(poisoned) => poisoned.into_inner(),
                    };
                    state = guard;
                    state.idle -= 1;
                    if waited.timed_out() && state.queue.is_empty() {
                        state.threads -= 1;
                        return;
                    }
                }
            };
            // The SDK's own jobs catch panics; this keeps the thread for the next job if
            // another one does not.
            let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
        }
    }
}

impl ActivityExecutor for ThreadPoolExecutor {
    fn execute(&self, job: ActivityJob) {
        let mut state = self.pool.lock();
        if state.stopping {
            return;
        }
        state.queue.push_back(job);
        // Idle threads not yet woken are counted as idle: wake one per queued job before
        // starting new threads.
        if state.idle >= state.queue.len() {
            drop(state);
            self.pool.work.notify_one();
            return;
        }
        if state.threads >= self.pool.max_threads {
            return;
        }
        state.threads += 1;
        drop(state);
        let pool = Arc::clone(&self.pool);
        let spawned = std::thread::Builder::new().name(self.pool.name.clone()).spawn(move || pool.run_thread());
        if let Err(e) = spawned {
            let mut state = self.pool.lock();
            state.threads -= 1;
            if state.threads == 0 {
                // No thread will ever take the queued jobs: dropping them fails their attempts
                // (retryable) rather than leaving them hanging.
                state.queue.clear();
            }
            tracing::error!(error = %e, "cannot start a thread for blocking activities");
        }
    }
}

impl Drop for ThreadPoolExecutor {
    fn drop(&mut self) {
        // Queued jobs still run; idle threads end at once instead of after their timeout.
        self.pool.lock().stopping = true;
        self.pool.work.notify_all();
    }
}

impl std::fmt::Debug for ThreadPoolExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreadPoolExecutor")
            .field("name", &self.pool.name)
            .field("max_threads", &self.pool.max_threads)
            .field("threads", &self.threads())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;

    #[test]
    fn runs_jobs_on_at_most_max_threads() {
        let pool = ThreadPoolExecutor::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel();
        for _ in 0..6 {
            let (running, peak, tx) = (Arc::clone(&running), Arc::clone(&peak), tx.clone());
            pool.execute(Box::new(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
                let _ = tx.send(std::thread::current().name().map(str::to_string));
            }));
        }
        let names: Vec<_> = (0..6).map(|_| rx.recv_timeout(Duration::from_secs(5)).expect("job ran")).collect();
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        assert!(pool.threads() <= 2);
        assert!(names.iter().all(|n| n.as_deref() == Some("temporal-activity")), "{names:?}");
    }

    #[test]
    fn a_panicking_job_does_not_lose_the_thread() {
        let pool = ThreadPoolExecutor::new(1);
        pool.execute(Box::new(|| panic!("job panicked")));
        let (tx, rx) = mpsc::channel();
        pool.execute(Box::new(move || {
            let _ = tx.send(());
        }));
        rx.recv_timeout(Duration::from_secs(5)).expect("second job ran");
    }

    #[test]
    fn closures_are_executors() {
        let (tx, rx) = mpsc::channel();
        let exec = move |job: ActivityJob| {
            std::thread::spawn(job);
        };
        exec.execute(Box::new(move || {
            let _ = tx.send(7);
        }));
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(7));
    }
}
