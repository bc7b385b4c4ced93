//! Running activity code outside a worker, for unit tests.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;

use crate::activity::{
    ActivityContext, ActivityImplementation, ActivityInfo, CONTEXT, CancelReason, Cancellation, HeartbeatCallback,
    HeartbeatSink, Signal,
};
use crate::error::{ActivityError, panic_message};
use crate::protos::temporal::api::common::v1::Payload;
use crate::worker::ActivityExecutor;

/// Runs activities, or any code that calls the `activity` functions, without a worker or a
/// server: the Rust form of Python's `ActivityEnvironment`.
///
/// * [`info`](ActivityEnvironment::info) is what `activity::info()` returns;
/// * [`on_heartbeat`](ActivityEnvironment::on_heartbeat) receives every heartbeat, unthrottled;
/// * [`cancel`](ActivityEnvironment::cancel) and
///   [`worker_shutdown`](ActivityEnvironment::worker_shutdown) simulate a cancellation request
///   and the start of a worker shutdown, while the activity runs or before.
///
/// Blocking activities run on a thread of their own unless
/// [`activity_executor`](ActivityEnvironment::activity_executor) says otherwise. A cancelled
/// environment stays cancelled; make a new one per test.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use temporal_sdk::prelude::*;
/// use temporal_sdk::testing::ActivityEnvironment;
///
/// #[activity]
/// async fn count(n: u32) -> Result<u32, ActivityError> {
///     for i in 0..n {
///         activity::heartbeat(&i);
///     }
///     Ok(n)
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let beats = Arc::new(Mutex::new(0));
/// let seen = Arc::clone(&beats);
/// let env = ActivityEnvironment::new().on_heartbeat(move |_details| *seen.lock().unwrap() += 1);
/// assert_eq!(env.run(count, 3).await.unwrap(), 3);
/// assert_eq!(*beats.lock().unwrap(), 3);
/// # }
/// ```
pub struct ActivityEnvironment {
    /// What `activity::info()` returns inside the environment.
    pub info: ActivityInfo,
    on_heartbeat: Option<HeartbeatCallback>,
    cancellation: Arc<Cancellation>,
    shutdown: Arc<Signal>,
    executor: Option<Arc<dyn ActivityExecutor>>,
}

impl Default for ActivityEnvironment {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for ActivityEnvironment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActivityEnvironment")
            .field("info", &self.info)
            .field("cancelled", &self.cancellation.is_cancelled())
            .field("worker_shutdown", &self.shutdown.is_set())
            .finish()
    }
}

impl ActivityEnvironment {
    /// An environment whose info names a test activity (`activity_type` "unknown", attempt
    /// 1, id "test", task queue "test", workflow "test"), with heartbeats ignored.
    ///
    /// ```
    /// let env = temporal_sdk::testing::ActivityEnvironment::new();
    /// assert_eq!(env.info.attempt, 1);
    /// ```
    pub fn new() -> Self {
        let now = std::time::SystemTime::now();
        let info = ActivityInfo {
            activity_id: "test".into(),
            activity_type: "unknown".into(),
            attempt: 1,
            task_queue: "test".into(),
            namespace: "default".into(),
            workflow_namespace: "default".into(),
            workflow_id: "test".into(),
            workflow_run_id: "test-run".into(),
            workflow_type: "test".into(),
            task_token: b"test".to_vec(),
            scheduled_time: Some(now),
            current_attempt_scheduled_time: Some(now),
            started_time: Some(now),
            ..ActivityInfo::default()
        };
        Self { info, on_heartbeat: None, cancellation: Arc::default(), shutdown: Arc::default(), executor: None }
    }

    /// Sets the info that `activity::info()` returns.
    ///
    /// ```
    /// use temporal_sdk::activity::ActivityInfo;
    /// use temporal_sdk::testing::ActivityEnvironment;
    ///
    /// let mut info = ActivityEnvironment::new().info;
    /// info.attempt = 2;
    /// let env = ActivityEnvironment::new().with_info(info);
    /// assert_eq!(env.info.attempt, 2);
    /// ```
    pub fn with_info(mut self, info: ActivityInfo) -> Self {
        self.info = info;
        self
    }

    /// Sets a function called with the details of every heartbeat (as payloads; decode them
    /// with [`converter::decode_args`](crate::converter::decode_args)).
    ///
    /// ```
    /// use temporal_sdk::converter;
    /// use temporal_sdk::testing::ActivityEnvironment;
    ///
    /// let env = ActivityEnvironment::new().on_heartbeat(|details| {
    ///     let progress: u32 = converter::decode_args(details).unwrap_or_default();
    ///     println!("progress {progress}");
    /// });
    /// # let _ = env;
    /// ```
    pub fn on_heartbeat(mut self, f: impl Fn(&[Payload]) + Send + Sync + 'static) -> Self {
        self.on_heartbeat = Some(Arc::new(f));
        self
    }

    /// Sets where blocking activities run (a thread per run by default).
    ///
    /// ```
    /// use temporal_sdk::testing::ActivityEnvironment;
    /// use temporal_sdk::worker::ThreadPoolExecutor;
    ///
    /// let env = ActivityEnvironment::new().activity_executor(ThreadPoolExecutor::new(1));
    /// # let _ = env;
    /// ```
    pub fn activity_executor(mut self, executor: impl ActivityExecutor) -> Self {
        self.executor = Some(Arc::new(executor));
        self
    }

    /// Requests cancellation, as a heartbeat response would: `activity::is_cancelled()`
    /// turns true, `activity::cancelled()` resolves, `activity::heartbeat_checked` fails.
    ///
    /// ```
    /// # use temporal_sdk::prelude::*;
    /// # use temporal_sdk::testing::ActivityEnvironment;
    /// #[activity]
    /// async fn wait_for_cancel() -> Result<(), ActivityError> {
    ///     activity::cancelled().await;
    ///     Err(ActivityError::cancelled())
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let env = ActivityEnvironment::new();
    /// let (result, ()) = tokio::join!(env.run(wait_for_cancel, ()), async { env.cancel() });
    /// assert!(matches!(result, Err(ActivityError::Cancelled { .. })));
    /// # }
    /// ```
    pub fn cancel(&self) {
        self.cancellation.cancel(CancelReason::Requested);
    }

    /// Cancels with another reason (a worker shutdown's, a pause's, ...), as the worker
    /// would.
    ///
    /// ```
    /// use temporal_sdk::activity::CancelReason;
    /// let env = temporal_sdk::testing::ActivityEnvironment::new();
    /// env.cancel_with_reason(CancelReason::Paused);
    /// assert_eq!(env.run_sync(temporal_sdk::activity::cancellation_reason), Some(CancelReason::Paused));
    /// ```
    pub fn cancel_with_reason(&self, reason: CancelReason) {
        self.cancellation.cancel(reason);
    }

    /// Starts a simulated graceful worker shutdown: `activity::is_worker_shutdown()` turns
    /// true and `activity::worker_shutdown()` resolves. (The activity is not cancelled; use
    /// [`cancel_with_reason`](Self::cancel_with_reason) with
    /// [`CancelReason::WorkerShutdown`] for what the end of the graceful timeout does.)
    ///
    /// ```
    /// let env = temporal_sdk::testing::ActivityEnvironment::new();
    /// env.worker_shutdown();
    /// assert!(env.run_sync(temporal_sdk::activity::is_worker_shutdown));
    /// ```
    pub fn worker_shutdown(&self) {
        self.shutdown.set();
    }

    fn context(&self) -> Arc<ActivityContext> {
        let sink = match &self.on_heartbeat {
            Some(f) => HeartbeatSink::Callback(Arc::clone(f)),
            None => HeartbeatSink::Ignore,
        };
        ActivityContext::new(
            self.info.clone(),
            sink,
            Arc::clone(&self.cancellation),
            Arc::clone(&self.shutdown),
            self.executor.clone(),
            Arc::new(crate::telemetry::NoopMeter),
        )
    }

    /// Runs one attempt of an activity (async or blocking) in the environment. A panic becomes
    /// a failure, as in a worker.
    ///
    /// ```
    /// # use temporal_sdk::prelude::*;
    /// # use temporal_sdk::testing::ActivityEnvironment;
    /// #[activity]
    /// fn attempt() -> Result<i32, ActivityError> {
    ///     Ok(activity::info().map(|i| i.attempt).unwrap_or(0))
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let mut env = ActivityEnvironment::new();
    /// env.info.attempt = 4;
    /// assert_eq!(env.run(attempt, ()).await.unwrap(), 4);
    /// # }
    /// ```
    pub async fn run<A: ActivityImplementation>(
        &self,
        activity: A,
        input: A::Input,
    ) -> Result<A::Output, ActivityError> {
        let run = async move { activity.execute(input).await };
        match CONTEXT.scope(self.context(), AssertUnwindSafe(run).catch_unwind()).await {
            Ok(result) => result,
            Err(panic) => Err(crate::worker::panic_failure(panic_message(panic.as_ref()))),
        }
    }

    /// Runs a future in the environment, as async activity code.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let env = temporal_sdk::testing::ActivityEnvironment::new();
    /// let id = env.run_async(async { temporal_sdk::activity::info().map(|i| i.activity_id) }).await;
    /// assert_eq!(id.as_deref(), Some("test"));
    /// # }
    /// ```
    pub async fn run_async<F: Future>(&self, future: F) -> F::Output {
        CONTEXT.scope(self.context(), future).await
    }

    /// Runs a function in the environment on the calling thread, as blocking activity code.
    ///
    /// ```
    /// let env = temporal_sdk::testing::ActivityEnvironment::new();
    /// assert!(env.run_sync(temporal_sdk::activity::in_activity));
    /// ```
    pub fn run_sync<R>(&self, f: impl FnOnce() -> R) -> R {
        let _entered = crate::activity::enter_blocking(self.context());
        f()
    }
}
