use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Notify;

use super::ActivityExecutor;
use crate::common::RetryPolicy;
use crate::converter::{self, PayloadError};
use crate::error::ActivityError;
use crate::headers::Headers;
use crate::protos::temporal::api::common::v1::Payload;
use crate::telemetry::{LabelledMeter, MetricMeter, NoopMeter};

/// Facts about the running activity attempt, the Rust form of Python's `activity.info()`.
///
/// Tests build one from [`Default`] and set the fields they need (see
/// [`ActivityEnvironment`](crate::testing::ActivityEnvironment)):
///
/// ```
/// use temporal_sdk::activity::ActivityInfo;
///
/// let mut info = ActivityInfo::default();
/// info.activity_type = "charge".into();
/// info.attempt = 3;
/// assert_eq!(info.attempt, 3);
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ActivityInfo {
    /// The activity id.
    pub activity_id: String,
    /// The activity type name.
    pub activity_type: String,
    /// The attempt number, starting at 1.
    pub attempt: i32,
    /// The task queue.
    pub task_queue: String,
    /// The opaque token that identifies this attempt to the server (what
    /// [`Client::get_async_activity_handle`](crate::Client::get_async_activity_handle) takes).
    pub task_token: Vec<u8>,
    /// The namespace the activity runs in (the worker's).
    pub namespace: String,
    /// The namespace of the workflow that scheduled it.
    pub workflow_namespace: String,
    /// The workflow id.
    pub workflow_id: String,
    /// The workflow run id.
    pub workflow_run_id: String,
    /// The workflow type.
    pub workflow_type: String,
    /// When the activity was first scheduled.
    pub scheduled_time: Option<SystemTime>,
    /// When this attempt was scheduled.
    pub current_attempt_scheduled_time: Option<SystemTime>,
    /// When this attempt started.
    pub started_time: Option<SystemTime>,
    /// Limit of all attempts.
    pub schedule_to_close_timeout: Option<Duration>,
    /// Limit of this attempt.
    pub start_to_close_timeout: Option<Duration>,
    /// Limit between heartbeats.
    pub heartbeat_timeout: Option<Duration>,
    /// The details of the last heartbeat of a previous attempt.
    pub heartbeat_details: Vec<Payload>,
    /// The retry policy the server applies (with its defaults filled in).
    pub retry_policy: Option<RetryPolicy>,
    /// Whether it runs as a local activity.
    pub is_local: bool,
}

impl ActivityInfo {
    /// Decodes the heartbeat details recorded by a previous attempt, if any: the usual way to
    /// resume work after a retry. Details sent as one value decode as `T`; details sent as
    /// several (`activity::heartbeat(&Args((a, b)))`, or Python's `heartbeat(a, b)`) decode as
    /// `Args<(A, B)>`.
    ///
    /// ```
    /// # use temporal_sdk::prelude::*;
    /// #[activity]
    /// async fn count_to(n: u64) -> Result<u64, ActivityError> {
    ///     let info = activity::info().unwrap_or_default();
    ///     let start: u64 = info.heartbeat_details()?.unwrap_or(0);
    ///     for i in start..n {
    ///         activity::heartbeat(&i);
    ///     }
    ///     Ok(n)
    /// }
    /// ```
    ///
    /// ```
    /// # use temporal_sdk::prelude::*;
    /// use temporal_sdk::converter::Args;
    ///
    /// #[activity]
    /// async fn copy_rows(table: String) -> Result<(), ActivityError> {
    ///     let info = activity::info().unwrap_or_default();
    ///     let Args((mut row, _note)): Args<(u64, Option<String>)> =
    ///         info.heartbeat_details()?.unwrap_or(Args((0, None)));
    ///     while row < 100 {
    ///         row += 1;
    ///         activity::heartbeat(&Args((row, format!("copying {table}"))));
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub fn heartbeat_details<T: DeserializeOwned>(&self) -> Result<Option<T>, PayloadError> {
        if self.heartbeat_details.is_empty() {
            return Ok(None);
        }
        converter::decode_args(&self.heartbeat_details).map(Some)
    }
}

/// Why an activity was cancelled, as [`cancellation_reason`] reports it.
///
/// The reason also decides what the worker reports when the activity then returns
/// [`ActivityError::cancelled()`]: only a cancellation the server asked for is reported as a
/// cancellation; the others fail the attempt with a retryable error, so that the server retries
/// it (on another worker after a shutdown, after the pause ends, ...).
///
/// ```
/// use temporal_sdk::activity::{self, CancelReason};
/// use temporal_sdk::testing::ActivityEnvironment;
///
/// let env = ActivityEnvironment::new();
/// env.cancel_with_reason(CancelReason::WorkerShutdown);
/// assert_eq!(env.run_sync(activity::cancellation_reason), Some(CancelReason::WorkerShutdown));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CancelReason {
    /// The workflow asked for cancellation (the server said so in a heartbeat response).
    Requested,
    /// The server no longer knows this attempt: it timed out, or the workflow closed. No
    /// outcome of the attempt will be recorded.
    Gone,
    /// The activity was paused on the server.
    Paused,
    /// The activity was reset on the server.
    Reset,
    /// The worker is shutting down and its graceful shutdown timeout ran out.
    WorkerShutdown,
}

/// A flag set once, that async and blocking code can both wait for.
#[derive(Default)]
pub(crate) struct Signal {
    flag: AtomicBool,
    lock: Mutex<bool>,
    condvar: Condvar,
    notify: Notify,
}

impl Signal {
    /// Sets the flag; returns whether this call set it.
    pub(crate) fn set(&self) -> bool {
        let mut set = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if *set {
            return false;
        }
        *set = true;
        self.flag.store(true, Ordering::SeqCst);
        drop(set);
        self.condvar.notify_all();
        self.notify.notify_waiters();
        true
    }

    pub(crate) fn is_set(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    pub(crate) async fn wait(&self) {
        loop {
            // Registered before the check, so a `set` between the check and the await is seen.
            let notified = self.notify.notified();
            if self.is_set() {
                return;
            }
            notified.await;
        }
    }

    /// Blocks until set or `timeout` passes; returns whether it is set.
    pub(crate) fn wait_sync(&self, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        let mut set = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        while !*set {
            let left = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()),
                None => Duration::from_secs(3600),
            };
            if left.is_zero() {
                return false;
            }
            set = match self.condvar.wait_timeout(set, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        true
    }
}

/// The cancellation of an activity: whether and why.
#[derive(Default)]
pub(crate) struct Cancellation {
    signal: Signal,
    reason: Mutex<Option<CancelReason>>,
}

impl Cancellation {
    /// Cancels for `reason`; the first reason wins, except that a request from the workflow
    /// replaces a pause or reset (it decides what the attempt reports).
    pub(crate) fn cancel(&self, reason: CancelReason) {
        {
            let mut current = self.reason.lock().unwrap_or_else(|e| e.into_inner());
            match *current {
                None => *current = Some(reason),
                Some(CancelReason::Paused | CancelReason::Reset) if reason == CancelReason::Requested => {
                    *current = Some(reason)
                }
                Some(_) => {}
            }
        }
        self.signal.set();
    }

    pub(crate) fn reason(&self) -> Option<CancelReason> {
        *self.reason.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.signal.is_set()
    }

    /// Waits until cancelled.
    pub(crate) async fn wait(&self) {
        self.signal.wait().await
    }
}

/// The latest heartbeat details of a worker-run activity, waiting for the throttled sender.
#[derive(Default)]
pub(crate) struct HeartbeatState {
    inner: Mutex<HeartbeatInner>,
    pub(crate) changed: Notify,
}

#[derive(Default)]
struct HeartbeatInner {
    latest: Option<Vec<Payload>>,
    unsent: bool,
}

impl HeartbeatState {
    fn lock(&self) -> MutexGuard<'_, HeartbeatInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, details: Vec<Payload>) {
        {
            let mut inner = self.lock();
            inner.latest = Some(details);
            inner.unsent = true;
        }
        self.changed.notify_one();
    }

    /// The details not sent yet, marking them sent.
    pub(crate) fn take_unsent(&self) -> Option<Vec<Payload>> {
        let mut inner = self.lock();
        if !inner.unsent {
            return None;
        }
        inner.unsent = false;
        inner.latest.clone()
    }

    /// The latest details recorded, sent or not.
    pub(crate) fn latest(&self) -> Option<Vec<Payload>> {
        self.lock().latest.clone()
    }
}

/// A test's receiver of heartbeat details.
pub(crate) type HeartbeatCallback = Arc<dyn Fn(&[Payload]) + Send + Sync>;

/// Where heartbeats go: to the worker's throttled sender, or to a test's callback.
pub(crate) enum HeartbeatSink {
    Worker(Arc<HeartbeatState>),
    /// `testing::ActivityEnvironment`'s heartbeat observer.
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    Callback(HeartbeatCallback),
    Ignore,
}

/// Changes an attempt's heartbeat details before they are recorded (the worker's interceptors).
pub(crate) type HeartbeatHook = Arc<dyn Fn(&ActivityInfo, &mut Vec<Payload>) + Send + Sync>;

/// The running attempt's context, shared between the activity and the worker.
pub(crate) struct ActivityContext {
    pub(crate) info: ActivityInfo,
    heartbeat: HeartbeatSink,
    pub(crate) cancellation: Arc<Cancellation>,
    worker_shutdown: Arc<Signal>,
    shield_depth: AtomicUsize,
    pub(crate) executor: Option<Arc<dyn ActivityExecutor>>,
    /// The worker's meter, for [`metric_meter`].
    meter: Arc<dyn MetricMeter>,
    /// What came in the task's headers (after the interceptors), for [`headers`].
    headers: Mutex<Arc<Headers>>,
    /// What the worker's interceptors do to heartbeat details.
    heartbeat_hook: std::sync::OnceLock<HeartbeatHook>,
}

impl ActivityContext {
    pub(crate) fn new(
        info: ActivityInfo,
        heartbeat: HeartbeatSink,
        cancellation: Arc<Cancellation>,
        worker_shutdown: Arc<Signal>,
        executor: Option<Arc<dyn ActivityExecutor>>,
        meter: Arc<dyn MetricMeter>,
    ) -> Arc<Self> {
        let shield_depth = AtomicUsize::new(0);
        Arc::new(Self {
            info,
            heartbeat,
            cancellation,
            worker_shutdown,
            shield_depth,
            executor,
            meter,
            headers: Mutex::default(),
            heartbeat_hook: std::sync::OnceLock::new(),
        })
    }

    /// Sets what the attempt's interceptors left in its headers.
    pub(crate) fn set_headers(&self, headers: Headers) {
        *self.headers.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(headers);
    }

    /// Lets the worker's interceptors see the attempt's heartbeats.
    pub(crate) fn set_heartbeat_hook(&self, hook: HeartbeatHook) {
        let _ = self.heartbeat_hook.set(hook);
    }

    pub(crate) fn cancel(&self, reason: CancelReason) {
        self.cancellation.cancel(reason);
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancellation.is_cancelled()
    }

    fn record_heartbeat(&self, mut details: Vec<Payload>) {
        if let Some(hook) = self.heartbeat_hook.get() {
            hook(&self.info, &mut details);
        }
        match &self.heartbeat {
            HeartbeatSink::Worker(state) => state.record(details),
            HeartbeatSink::Callback(f) => f(&details),
            HeartbeatSink::Ignore => {}
        }
    }
}

tokio::task_local! {
    pub(crate) static CONTEXT: Arc<ActivityContext>;
}

thread_local! {
    /// The context of a blocking activity, set on the pool thread that runs it.
    static BLOCKING_CONTEXT: RefCell<Option<Arc<ActivityContext>>> = const { RefCell::new(None) };
}

pub(crate) fn current() -> Option<Arc<ActivityContext>> {
    CONTEXT.try_with(Arc::clone).ok().or_else(|| BLOCKING_CONTEXT.with(|c| c.borrow().clone()))
}

/// Makes `ctx` the current thread's activity context until dropped, then restores the
/// previous one (contexts nest when a test environment runs inside another).
pub(crate) struct EnteredContext {
    previous: Option<Arc<ActivityContext>>,
}

pub(crate) fn enter_blocking(ctx: Arc<ActivityContext>) -> EnteredContext {
    EnteredContext { previous: BLOCKING_CONTEXT.with(|c| c.borrow_mut().replace(ctx)) }
}

impl Drop for EnteredContext {
    fn drop(&mut self) {
        let previous = self.previous.take();
        BLOCKING_CONTEXT.with(|c| *c.borrow_mut() = previous);
    }
}

/// Whether the calling code runs inside an activity (a worker's, or an
/// [`ActivityEnvironment`](crate::testing::ActivityEnvironment)'s).
///
/// ```
/// assert!(!temporal_sdk::activity::in_activity());
/// ```
pub fn in_activity() -> bool {
    current().is_some()
}

/// The running activity's info, or `None` outside activity code.
///
/// ```
/// # use temporal_sdk::prelude::*;
/// #[activity]
/// async fn whoami() -> Result<String, ActivityError> {
///     let info = activity::info().ok_or("not in an activity")?;
///     Ok(format!("{} attempt {}", info.activity_type, info.attempt))
/// }
/// ```
pub fn info() -> Option<ActivityInfo> {
    current().map(|c| c.info.clone())
}

/// The headers the scheduling workflow sent with this activity (after the worker's
/// interceptors saw them); empty outside an activity.
///
/// ```
/// use temporal_sdk::prelude::*;
///
/// #[activity]
/// async fn bill(cents: u64) -> Result<String, ActivityError> {
///     let tenant: Option<String> = activity::headers().get("tenant").ok().flatten();
///     Ok(format!("billed {cents} to {}", tenant.unwrap_or_default()))
/// }
/// ```
pub fn headers() -> Arc<Headers> {
    current().map(|c| Arc::clone(&c.headers.lock().unwrap_or_else(|e| e.into_inner()))).unwrap_or_default()
}

/// A meter for the activity's own metrics, recorded where the worker's go (the client's
/// [`ClientOptions::metrics`](crate::ClientOptions::metrics)) with the labels `namespace`,
/// `task_queue`, `activity_type` and `workflow_type` added. Outside an activity, or with no meter
/// configured, it records nothing.
///
/// ```
/// use temporal_sdk::prelude::*;
/// use temporal_sdk::telemetry::MetricDef;
///
/// #[activity]
/// async fn charge(cents: u64) -> Result<(), ActivityError> {
///     let charged = activity::metric_meter().counter(&MetricDef::new("cents_charged", "Cents charged"));
///     charged.add(cents, &[("currency", "EUR")]);
///     Ok(())
/// }
/// ```
pub fn metric_meter() -> Arc<dyn MetricMeter> {
    let Some(ctx) = current() else { return Arc::new(NoopMeter) };
    let info = &ctx.info;
    let labels = [
        ("namespace", &info.namespace),
        ("task_queue", &info.task_queue),
        ("activity_type", &info.activity_type),
        ("workflow_type", &info.workflow_type),
    ];
    Arc::new(LabelledMeter {
        inner: Arc::clone(&ctx.meter),
        labels: labels.into_iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        silent: None,
    })
}

/// Records progress, from async and blocking activities alike.
///
/// Heartbeats are throttled and batched: the first is sent at once, later ones at most once
/// per 80% of the heartbeat timeout (every 30 s when the activity has none, at least once a
/// minute), and the latest details win. Details still waiting when the activity ends are sent
/// with its failure (so the next attempt sees them in
/// [`ActivityInfo::heartbeat_details`]), or in a last heartbeat when it completes
/// asynchronously. A heartbeat is also how the activity learns that it was cancelled: see
/// [`is_cancelled`] and [`heartbeat_checked`].
///
/// Outside activity code, or with details that cannot be serialized, this logs and does
/// nothing. The details are one value (one payload); [`Args`](crate::converter::Args) sends
/// several, one payload each, as Python's `activity.heartbeat(*details)`.
///
/// ```
/// # use temporal_sdk::prelude::*;
/// #[activity]
/// fn copy_files(files: Vec<String>) -> Result<usize, ActivityError> {
///     for (done, _file) in files.iter().enumerate() {
///         activity::heartbeat(&done);
///     }
///     Ok(files.len())
/// }
/// ```
pub fn heartbeat<T: Serialize + ?Sized>(details: &T) {
    let Some(ctx) = current() else {
        tracing::warn!("activity::heartbeat called outside an activity");
        return;
    };
    match converter::encode_args(details) {
        Ok(payloads) => ctx.record_heartbeat(payloads),
        Err(e) => tracing::warn!(error = %e, "heartbeat details do not serialize; heartbeat dropped"),
    }
}

/// Records progress like [`heartbeat`], then fails with [`ActivityError::cancelled()`] if the
/// activity was cancelled: the opt-in cancellation point of blocking activities, used with `?`.
///
/// Inside [`shield_cancellation`] it does not fail; the next call after the shielded section
/// does.
///
/// ```
/// # use temporal_sdk::prelude::*;
/// #[activity]
/// fn crunch(rounds: u32) -> Result<u32, ActivityError> {
///     for round in 0..rounds {
///         activity::heartbeat_checked(&round)?; // returns the cancellation once requested
///         std::thread::sleep(std::time::Duration::from_millis(10));
///     }
///     Ok(rounds)
/// }
/// ```
// `ActivityError` is what activity functions return, so `?` must not need a conversion.
#[allow(clippy::result_large_err)]
pub fn heartbeat_checked<T: Serialize + ?Sized>(details: &T) -> Result<(), ActivityError> {
    heartbeat(details);
    match current() {
        Some(ctx) if ctx.is_cancelled() && ctx.shield_depth.load(Ordering::SeqCst) == 0 => {
            Err(ActivityError::cancelled())
        }
        _ => Ok(()),
    }
}

/// Whether this activity was cancelled (learnt through heartbeats, or by worker shutdown).
///
/// ```
/// # use temporal_sdk::prelude::*;
/// #[activity]
/// fn poll_until_cancelled() -> Result<(), ActivityError> {
///     while !activity::is_cancelled() {
///         activity::heartbeat(&());
///         std::thread::sleep(std::time::Duration::from_millis(100));
///     }
///     Err(ActivityError::cancelled())
/// }
/// ```
pub fn is_cancelled() -> bool {
    current().is_some_and(|c| c.is_cancelled())
}

/// Why this activity was cancelled, or `None` while it is not.
///
/// ```
/// # use temporal_sdk::prelude::*;
/// # use temporal_sdk::activity::CancelReason;
/// #[activity]
/// async fn tidy() -> Result<(), ActivityError> {
///     activity::cancelled().await;
///     if activity::cancellation_reason() == Some(CancelReason::WorkerShutdown) {
///         // Another worker will retry it: leave the shared state for it.
///     }
///     Err(ActivityError::cancelled())
/// }
/// ```
pub fn cancellation_reason() -> Option<CancelReason> {
    current().and_then(|c| c.cancellation.reason())
}

/// Resolves once this activity is cancelled (never, outside an activity).
///
/// The worker does not drop a cancelled activity's future: the activity decides when to stop,
/// so it can clean up and return details. Racing the work against this future stops it at
/// its next await:
///
/// ```
/// # use temporal_sdk::prelude::*;
/// #[activity]
/// async fn long_job(seconds: u64) -> Result<String, ActivityError> {
///     let work = async {
///         for i in 0..seconds {
///             activity::heartbeat(&i);
///             tokio::time::sleep(std::time::Duration::from_secs(1)).await;
///         }
///     };
///     tokio::select! {
///         _ = work => Ok("done".into()),
///         _ = activity::cancelled() => Err(ActivityError::cancelled()),
///     }
/// }
/// ```
pub async fn cancelled() {
    match current() {
        Some(ctx) => ctx.cancellation.signal.wait().await,
        None => std::future::pending().await,
    }
}

/// Blocks the calling thread until this activity is cancelled or `timeout` passes; returns
/// whether it was cancelled. For blocking activities (outside an activity it returns `false`
/// at once).
///
/// ```
/// # use std::time::Duration;
/// # use temporal_sdk::prelude::*;
/// #[activity]
/// fn wait_a_bit() -> Result<(), ActivityError> {
///     activity::heartbeat(&());
///     if activity::wait_for_cancelled_sync(Duration::from_secs(1)) {
///         return Err(ActivityError::cancelled());
///     }
///     Ok(())
/// }
/// ```
pub fn wait_for_cancelled_sync(timeout: Duration) -> bool {
    current().is_some_and(|c| c.cancellation.signal.wait_sync(timeout))
}

/// Whether the worker running this activity has begun a graceful shutdown. The activity is
/// cancelled (with [`CancelReason::WorkerShutdown`]) when the graceful shutdown timeout runs
/// out.
///
/// ```
/// # use temporal_sdk::prelude::*;
/// #[activity]
/// fn batch(items: Vec<u32>) -> Result<usize, ActivityError> {
///     let mut done = 0;
///     for _item in &items {
///         if activity::is_worker_shutdown() {
///             break; // stop at a clean point; the rest is for the next attempt
///         }
///         done += 1;
///     }
///     Ok(done)
/// }
/// ```
pub fn is_worker_shutdown() -> bool {
    current().is_some_and(|c| c.worker_shutdown.is_set())
}

/// Resolves once the worker running this activity begins a graceful shutdown (never, outside
/// an activity).
///
/// ```
/// # use temporal_sdk::prelude::*;
/// #[activity]
/// async fn serve() -> Result<(), ActivityError> {
///     activity::worker_shutdown().await;
///     Err(ApplicationError::new("worker stopping, retry elsewhere").into())
/// }
/// ```
pub async fn worker_shutdown() {
    match current() {
        Some(ctx) => ctx.worker_shutdown.wait().await,
        None => std::future::pending().await,
    }
}

/// Blocks until the worker begins a graceful shutdown or `timeout` passes; returns whether it
/// did.
///
/// ```
/// # use std::time::Duration;
/// # use temporal_sdk::prelude::*;
/// #[activity]
/// fn idle() -> Result<bool, ActivityError> {
///     Ok(activity::wait_for_worker_shutdown_sync(Duration::from_millis(10)))
/// }
/// ```
pub fn wait_for_worker_shutdown_sync(timeout: Duration) -> bool {
    current().is_some_and(|c| c.worker_shutdown.wait_sync(timeout))
}

/// Runs `f` shielded from cancellation: inside it, [`heartbeat_checked`] does not fail, so a
/// section that must not stop half-way (a transaction, a file rename) runs to its end; the
/// first check after it fails if a cancellation came meanwhile. [`is_cancelled`] still tells
/// the truth inside.
///
/// ```
/// # use temporal_sdk::prelude::*;
/// #[activity]
/// fn transfer(amount: u64) -> Result<(), ActivityError> {
///     activity::shield_cancellation(|| -> Result<(), ActivityError> {
///         activity::heartbeat_checked(&"debit")?; // never fails here
///         activity::heartbeat_checked(&"credit")?;
///         Ok(())
///     })?;
///     activity::heartbeat_checked(&"done")?; // fails if cancelled meanwhile
///     # let _ = amount;
///     Ok(())
/// }
/// ```
pub fn shield_cancellation<R>(f: impl FnOnce() -> R) -> R {
    struct Shielded(Option<Arc<ActivityContext>>);
    impl Drop for Shielded {
        fn drop(&mut self) {
            if let Some(ctx) = &self.0 {
                ctx.shield_depth.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }
    let ctx = current();
    if let Some(c) = &ctx {
        c.shield_depth.fetch_add(1, Ordering::SeqCst);
    }
    // Dropped on unwinding too, so a panic inside does not leave the activity shielded.
    let _shielded = Shielded(ctx);
    f()
}
