//! Where blocking (non-async) activities run: the contract a worker's executor fulfils.

/// One blocking activity attempt, ready to run on a thread.
///
/// ```
/// use temporal_sdk::worker::ActivityJob;
///
/// let job: ActivityJob = Box::new(|| println!("running an activity"));
/// std::thread::spawn(job).join().unwrap();
/// ```
pub type ActivityJob = Box<dyn FnOnce() + Send + 'static>;

/// Runs blocking activities: each attempt of a non-async `#[activity]` function is handed to
/// the worker's executor as one job, which must be run on some thread other than the async
/// runtime's. The activity context is set up inside the job, so the executor needs no
/// knowledge of it.
///
/// An executor that drops a job instead of running it (because it is shutting down, say)
/// fails that attempt with a retryable error.
///
/// The default is a [`ThreadPoolExecutor`](crate::worker::ThreadPoolExecutor) with as many threads as the worker runs
/// activities at once. Any `Fn(ActivityJob)` closure is an executor too, so tokio's blocking
/// pool, rayon or a custom pool plug in with one line:
///
/// ```no_run
/// # use temporal_sdk::prelude::*;
/// # #[activity] fn resize(path: String) -> Result<String, ActivityError> { Ok(path) }
/// // tokio's blocking pool (the runtime's handle is needed: jobs are started off-runtime too)
/// let handle = tokio::runtime::Handle::current();
/// let options = WorkerOptions::new("images")
///     .activity(resize)
///     .activity_executor(move |job| {
///         handle.spawn_blocking(job);
///     });
/// # let _ = options;
/// ```
pub trait ActivityExecutor: Send + Sync + 'static {
    /// Runs `job` on a thread of the executor, now or when a thread is free.
    fn execute(&self, job: ActivityJob);
}

impl<F> ActivityExecutor for F
where
    F: Fn(ActivityJob) + Send + Sync + 'static,
{
    fn execute(&self, job: ActivityJob) {
        self(job)
    }
}
