//! The worker: polls a task queue and runs the workflows and activities it hosts.
//!
//! ```no_run
//! # use temporal_sdk::prelude::*;
//! # #[activity] async fn say_hello(name: String) -> Result<String, ActivityError> { Ok(name) }
//! # async fn demo(client: Client) -> Result<(), Box<dyn std::error::Error>> {
//! let worker = Worker::new(&client, WorkerOptions::new("hello-queue").activity(say_hello))?;
//! let handle = worker.clone();
//! tokio::spawn(async move {
//!     tokio::signal::ctrl_c().await.ok();
//!     handle.shutdown().await;
//! });
//! worker.run().await?; // until shutdown
//! # Ok(()) }
//! ```

mod activities;
pub(crate) mod cache;
mod executor;
mod heartbeat;
mod local_activities;
mod local_activity_runs;
mod options;
mod pollers;
mod pool;
mod slot;
mod workflows;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Semaphore, watch};

pub use activities::blocking_activity;
#[cfg(feature = "testing")]
pub(crate) use activities::panic_failure;
pub use executor::{ActivityExecutor, ActivityJob, ThreadPoolExecutor};
pub use options::WorkerOptions;
pub use pollers::PollerBehavior;

use crate::client::{CallKind, Client, ClientError};
use crate::interceptor::{Interceptors, WorkflowHooks};
use crate::protos::temporal::api::enums::v1::{
    TaskQueueKind, VersioningBehavior as ProtoVersioningBehavior, WorkerVersioningMode,
};
use crate::protos::temporal::api::namespace::v1::namespace_info::Capabilities;
use crate::protos::temporal::api::taskqueue::v1::TaskQueue;
use crate::protos::temporal::api::workflowservice::v1::DescribeNamespaceRequest;
use crate::runtime::registry::Registry;
use crate::telemetry::sdk_metrics::WorkerMetrics;
use crate::versioning::VersioningBehavior;
use activities::ErasedActivity;
use pollers::PollScaler;

/// Why a worker could not start or run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkerError {
    /// The options are not usable.
    #[error("invalid worker options: {0}")]
    InvalidOptions(String),
    /// `run` was called on a worker that already ran.
    #[error("the worker has already been started")]
    AlreadyStarted,
    /// The workflow threads could not be started.
    #[error("cannot start workflow threads: {0}")]
    Threads(#[from] std::io::Error),
    /// The worker's namespace could not be used (it does not exist, or the server refused the
    /// credentials): checked before polling, as the other SDKs do.
    #[error("the worker cannot use namespace {namespace:?}: {source}")]
    Namespace {
        /// The namespace.
        namespace: String,
        /// The server's answer.
        #[source]
        source: ClientError,
    },
    /// Polling failed in a way retrying cannot fix (the namespace was deleted, the
    /// credentials were revoked): the worker stopped.
    #[error("the worker stopped: {0}")]
    Fatal(#[source] ClientError),
}

/// What the pollers and task handlers share.
pub(crate) struct Shared {
    pub(crate) client: Client,
    pub(crate) task_queue: String,
    pub(crate) sticky_queue: Option<TaskQueue>,
    pub(crate) sticky_schedule_to_start: Duration,
    pub(crate) instance_key: String,
    pub(crate) activities: HashMap<&'static str, Arc<dyn ErasedActivity>>,
    /// One permit per activity slot; eager dispatch reserves them too.
    pub(crate) activity_permits: Arc<Semaphore>,
    pub(crate) running: activities::Running,
    /// Set once shutdown begins: no new work is taken on.
    pub(crate) shutting_down: std::sync::atomic::AtomicBool,
    /// Where blocking activities run.
    pub(crate) activity_executor: Arc<dyn ActivityExecutor>,
    /// Set once shutdown begins, for `activity::is_worker_shutdown`.
    pub(crate) activity_shutdown: Arc<crate::activity::Signal>,
    /// Set once the graceful shutdown timeout has run out and running activities are cancelled.
    pub(crate) activities_cancelled: std::sync::atomic::AtomicBool,
    /// This worker's own limit of activity tasks per second.
    pub(crate) activity_rate: Option<activities::RateLimiter>,
    /// The limit of activity tasks per second of the whole task queue, sent with polls.
    pub(crate) task_queue_activities_per_second: Option<f64>,
    /// The standard SDK metrics, through the client's meter.
    pub(crate) metrics: WorkerMetrics,
    /// Slots of workflow and activity tasks, for the slot gauges.
    pub(crate) workflow_task_slots: usize,
    pub(crate) activity_slots: usize,
    /// One permit per local activity slot.
    pub(crate) local_activity_permits: Arc<Semaphore>,
    pub(crate) local_activity_slots: usize,
    /// The local activities running for the runs of this worker.
    pub(crate) local_activity_runs: local_activity_runs::LocalActivityRuns,
    /// Whether activity tasks are never polled (nor asked for eagerly).
    pub(crate) no_remote_activities: bool,
    /// The poll failure that stops the worker, and the signal that one happened.
    pub(crate) fatal: Mutex<Option<ClientError>>,
    pub(crate) fatal_signal: tokio::sync::Notify,
    /// The client's interceptors, then the worker's own.
    pub(crate) interceptors: Interceptors,
    /// The worker's deployment version, as polls and task completions carry it.
    pub(crate) deployment: Option<crate::protos::temporal::api::deployment::v1::WorkerDeploymentOptions>,
    /// The workflow types, for the versioning behaviour each reports.
    pub(crate) workflows: Arc<Registry>,
    /// The behaviour of the workflow types that do not say theirs.
    pub(crate) default_versioning_behavior: VersioningBehavior,
    /// What worker heartbeats report.
    pub(crate) heartbeats: heartbeat::Heartbeats,
}

impl Shared {
    /// Records a poll failure: a fatal one stops the worker (true), others are retried.
    pub(crate) fn poll_failed(&self, error: ClientError, what: &str) -> bool {
        if !is_fatal(&error) {
            tracing::error!(error = %error, task_queue = %self.task_queue, "{what} poll failed; retrying");
            return false;
        }
        tracing::error!(error = %error, task_queue = %self.task_queue, "{what} poll failed for good; stopping the worker");
        let mut slot = self.fatal.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(error);
        }
        self.fatal_signal.notify_one();
        true
    }

    /// The versioning behaviour a task of `workflow_type` reports: the type's own, else the
    /// worker's default; only a worker that uses worker versioning reports one, since the
    /// server refuses a behaviour without a versioned deployment (INVALID_ARGUMENT "versioning
    /// behavior cannot be specified without deployment options being set with versioned
    /// mode", which Python 1.35 runs into with an unversioned worker).
    pub(crate) fn versioning_behavior(&self, workflow_type: &str) -> ProtoVersioningBehavior {
        let versioned = self
            .deployment
            .as_ref()
            .is_some_and(|d| d.worker_versioning_mode == WorkerVersioningMode::Versioned as i32);
        if !versioned {
            return ProtoVersioningBehavior::Unspecified;
        }
        let own = self.workflows.find(workflow_type).map(|f| f.versioning_behavior()).unwrap_or_default();
        own.or(self.default_versioning_behavior).to_proto()
    }

    /// The labels of every worker metric.
    pub(crate) fn labels(&self) -> [(&str, &str); 2] {
        [("namespace", self.client.namespace()), ("task_queue", self.task_queue.as_str())]
    }

    /// Sets `temporal_worker_task_slots_available`/`_used` of a `worker_type` from its semaphore.
    pub(crate) fn record_slots(&self, worker_type: &str, permits: &Semaphore, slots: usize) {
        let [namespace, task_queue] = self.labels();
        let labels = [namespace, task_queue, ("worker_type", worker_type)];
        let available = permits.available_permits().min(slots);
        self.metrics.slots_available.set(available as f64, &labels);
        self.metrics.slots_used.set((slots - available) as f64, &labels);
    }
}

/// How long an activation may run before its task fails as a potential deadlock (Python's).
const DEADLOCK_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether the server's refusal is one that retrying cannot fix: a namespace that does not
/// exist, credentials it does not accept.
fn is_fatal(error: &ClientError) -> bool {
    matches!(error.code(), Some(tonic::Code::NotFound | tonic::Code::PermissionDenied | tonic::Code::Unauthenticated))
}

struct Inner {
    shared: Arc<Shared>,
    options: WorkerOptions,
    workflows: Arc<Registry>,
    shutdown: watch::Sender<bool>,
    finished: watch::Sender<bool>,
    started: Mutex<bool>,
}

/// A worker on one task queue. Cheap to clone: clones control the same worker, so one task
/// can `run()` it while another calls `shutdown()`.
#[derive(Clone)]
pub struct Worker {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("task_queue", &self.inner.shared.task_queue).finish_non_exhaustive()
    }
}

impl Worker {
    /// A worker for `options`' task queue, hosting its workflows and activities.
    ///
    /// Fails when nothing is registered or a name is registered twice.
    pub fn new(client: &Client, mut options: WorkerOptions) -> Result<Worker, WorkerError> {
        if options.task_queue.is_empty() {
            return Err(WorkerError::InvalidOptions("the task queue name is empty".into()));
        }
        if options.workflows.is_empty() && options.activities.is_empty() {
            return Err(WorkerError::InvalidOptions("the worker hosts no workflows and no activities".into()));
        }
        let workflows = Arc::new(options.workflow_registry().map_err(WorkerError::InvalidOptions)?);
        let activities = options.activity_table().map_err(WorkerError::InvalidOptions)?;
        options.check_activity_rates().map_err(WorkerError::InvalidOptions)?;
        options.check_polling_and_versioning().map_err(WorkerError::InvalidOptions)?;
        let heartbeats = heartbeat::Heartbeats::new(
            heartbeat::check_interval(options.worker_heartbeat_interval).map_err(WorkerError::InvalidOptions)?,
            options.workflow_task_poller_behavior,
            options.activity_task_poller_behavior,
        );
        // Heartbeats count what the metrics record; a worker that never heartbeats skips the tally.
        let metrics = match heartbeats.interval {
            Some(_) => WorkerMetrics::new(&heartbeat::TallyMeter::new(
                Arc::clone(client.metric_meter()),
                Arc::clone(&heartbeats.tally),
            )),
            None => WorkerMetrics::new(client.metric_meter().as_ref()),
        };
        let activity_executor = match &options.activity_executor {
            Some(e) => Arc::clone(e),
            None => Arc::new(ThreadPoolExecutor::new(options.max_concurrent_activities)),
        };
        let interceptors: Interceptors = crate::interceptor::of_client(client.interceptors())
            .into_iter()
            .chain(options.interceptors.iter().cloned())
            .collect::<Vec<_>>()
            .into();
        if !interceptors.is_empty() {
            options.failure_policy.hooks = Some(Arc::new(WorkflowHooks(Arc::clone(&interceptors))));
        }
        let instance_key = uuid::Uuid::new_v4().to_string();
        let sticky_queue = (options.max_cached_workflows > 0 && !options.workflows.is_empty()).then(|| {
            workflows::sticky_queue(
                &options.task_queue,
                format!("{}-{}", client.identity(), uuid::Uuid::new_v4().simple()),
            )
        });
        let shared = Arc::new(Shared {
            client: client.without_rpc_timeout(),
            task_queue: options.task_queue.clone(),
            sticky_queue,
            sticky_schedule_to_start: options.sticky_queue_schedule_to_start_timeout,
            instance_key,
            activities,
            activity_permits: Arc::new(Semaphore::new(options.max_concurrent_activities)),
            running: Arc::default(),
            shutting_down: std::sync::atomic::AtomicBool::new(false),
            activity_executor,
            activity_shutdown: Arc::default(),
            activities_cancelled: std::sync::atomic::AtomicBool::new(false),
            activity_rate: options.max_activities_per_second.map(activities::RateLimiter::per_second),
            task_queue_activities_per_second: options.max_task_queue_activities_per_second,
            metrics,
            workflow_task_slots: options.max_concurrent_workflow_tasks,
            activity_slots: options.max_concurrent_activities,
            local_activity_permits: Arc::new(Semaphore::new(options.max_concurrent_local_activities.max(1))),
            local_activity_slots: options.max_concurrent_local_activities.max(1),
            local_activity_runs: Default::default(),
            no_remote_activities: options.no_remote_activities,
            fatal: Mutex::new(None),
            fatal_signal: tokio::sync::Notify::new(),
            interceptors,
            deployment: options.deployment.as_ref().map(|d| d.to_proto()),
            workflows: Arc::clone(&workflows),
            default_versioning_behavior: options
                .deployment
                .as_ref()
                .map(|d| d.default_versioning_behavior)
                .unwrap_or_default(),
            heartbeats,
        });
        Ok(Worker {
            inner: Arc::new(Inner {
                shared,
                options,
                workflows,
                shutdown: watch::channel(false).0,
                finished: watch::channel(false).0,
                started: Mutex::new(false),
            }),
        })
    }

    /// The task queue.
    pub fn task_queue(&self) -> &str {
        &self.inner.shared.task_queue
    }

    /// Polls and runs tasks until [`Worker::shutdown`] is called, then finishes the work in
    /// flight and returns.
    pub async fn run(&self) -> Result<(), WorkerError> {
        {
            let mut started = self.inner.started.lock().unwrap_or_else(|e| e.into_inner());
            if *started {
                return Err(WorkerError::AlreadyStarted);
            }
            *started = true;
        }
        // Marks the worker finished however `run` ends, dropped mid-way included, so that
        // `shutdown()` never waits for a run that is gone.
        struct Finished<'a>(&'a watch::Sender<bool>);
        impl Drop for Finished<'_> {
            fn drop(&mut self) {
                self.0.send_replace(true);
            }
        }
        let _finished = Finished(&self.inner.finished);
        let result = match self.validate_namespace().await {
            Ok(capabilities) => self.run_inner(capabilities).await,
            Err(e) => Err(e),
        };
        if let (Err(e), Some(hook)) = (&result, &self.inner.options.on_fatal_error) {
            hook(e);
        }
        result
    }

    /// Checks that the namespace exists and the credentials are accepted, so a worker that
    /// cannot work says so at once instead of polling in vain.
    ///
    /// The refusals that end the worker are the ones retrying cannot fix, the same as for polls.
    /// Returns the namespace's capabilities (poller autoscaling, worker heartbeats), if it
    /// could be described.
    async fn validate_namespace(&self) -> Result<Option<Capabilities>, WorkerError> {
        let client = &self.inner.shared.client;
        let req = DescribeNamespaceRequest { namespace: client.namespace().to_string(), ..Default::default() };
        match client.call_converted(CallKind::Idempotent, req).await {
            Ok(resp) => Ok(resp.namespace_info.and_then(|info| info.capabilities)),
            Err(source) if is_fatal(&source) => {
                Err(WorkerError::Namespace { namespace: client.namespace().to_string(), source })
            }
            // A server that cannot answer now (or, like the time-skipping test server, does not
            // implement the call) is left to the polls, which retry.
            Err(e) => {
                tracing::warn!(error = %e, "could not check the worker's namespace; polling anyway");
                Ok(None)
            }
        }
    }

    async fn run_inner(&self, capabilities: Option<Capabilities>) -> Result<(), WorkerError> {
        let inner = &self.inner;
        let opts = &inner.options;
        let shared = &inner.shared;
        let mut tasks = tokio::task::JoinSet::new();
        let server_autoscales = capabilities.as_ref().is_some_and(|c| c.poller_autoscaling);
        let heartbeat_interval = heartbeat::interval_for(capabilities.as_ref(), shared.heartbeats.interval);
        if let Some(interval) = heartbeat_interval {
            tasks.spawn(heartbeat::run(Arc::clone(shared), interval, inner.shutdown.subscribe()));
        }

        shared.metrics.worker_start.add(1, &shared.labels());
        let wft_permits = Arc::new(Semaphore::new(opts.max_concurrent_workflow_tasks));
        let mut eager_start = None;
        let pool = if inner.workflows.is_empty() {
            None
        } else {
            let pool = Arc::new(pool::Pool::start(pool::PoolConfig {
                threads: opts.workflow_threads,
                cache_capacity: opts.max_cached_workflows,
                workflows: Arc::clone(&inner.workflows),
                namespace: shared.client.namespace().to_string(),
                policy: opts.failure_policy.clone(),
                meter: Arc::clone(shared.client.metric_meter()),
                encodings: shared.client.data_converter().encodings().clone(),
                deadlock_timeout: (!opts.debug_mode).then_some(DEADLOCK_TIMEOUT),
            })?);
            shared.record_slots("WorkflowWorker", &wft_permits, shared.workflow_task_slots);
            shared.record_slots("LocalActivityWorker", &shared.local_activity_permits, shared.local_activity_slots);
            let queues = [Some(workflows::normal_queue(&shared.task_queue)), shared.sticky_queue.clone()];
            for (queue, behavior) in queues
                .into_iter()
                .zip(workflow_poller_behaviors(opts.workflow_task_poller_behavior, shared.sticky_queue.is_some()))
            {
                let Some(queue) = queue else { continue };
                let poller_type =
                    if queue.kind == TaskQueueKind::Sticky as i32 { "sticky_workflow_task" } else { "workflow_task" };
                let scaler = self.scaler(behavior, server_autoscales, poller_type);
                tasks.spawn(Arc::clone(&scaler).measure(inner.shutdown.subscribe()));
                tasks.spawn(workflows::poll_loop(
                    Arc::clone(shared),
                    Arc::clone(&pool),
                    Arc::clone(&wft_permits),
                    queue,
                    scaler,
                    inner.shutdown.subscribe(),
                ));
            }
            let eager = Arc::new(EagerStart {
                shared: Arc::clone(shared),
                pool: Arc::clone(&pool),
                permits: Arc::clone(&wft_permits),
            });
            shared.client.register_eager_worker(eager.clone());
            eager_start = Some(eager);
            Some(pool)
        };

        let act_permits = Arc::clone(&shared.activity_permits);
        let running = Arc::clone(&shared.running);
        if !shared.activities.is_empty() && !shared.no_remote_activities {
            let behavior = activities::poller_behavior(shared, opts.activity_task_poller_behavior);
            shared.record_slots("ActivityWorker", &shared.activity_permits, shared.activity_slots);
            let scaler = self.scaler(behavior, server_autoscales, "activity_task");
            tasks.spawn(Arc::clone(&scaler).measure(inner.shutdown.subscribe()));
            tasks.spawn(activities::poll_loop(Arc::clone(shared), scaler, inner.shutdown.subscribe()));
        }

        let mut shutdown = inner.shutdown.subscribe();
        tokio::select! {
            _ = shutdown.wait_for(|s| *s) => {}
            _ = shared.fatal_signal.notified() => self.initiate_shutdown(),
        }
        shared.shutting_down.store(true, std::sync::atomic::Ordering::SeqCst);
        // Running activities learn of the shutdown at once, so they can finish early or save
        // their progress before the graceful timeout cancels them.
        shared.activity_shutdown.set();
        while tasks.join_next().await.is_some() {}
        drop(eager_start);

        // Tell the server first, so tasks on the sticky queue move to other workers at once.
        heartbeat::shutdown_worker(shared, heartbeat_interval.is_some()).await;

        let all_activities = opts.max_concurrent_activities as u32;
        // Local activities get the same grace as activities; the workflow tasks that wait for
        // them are not heartbeated meanwhile.
        let graceful = tokio::time::timeout(opts.graceful_shutdown_timeout, async {
            let permits = act_permits.acquire_many(all_activities).await;
            shared.local_activity_runs.wait_idle().await;
            permits
        })
        .await;
        if graceful.is_err() {
            shared.activities_cancelled.store(true, std::sync::atomic::Ordering::SeqCst);
            for ctx in running.lock().unwrap_or_else(|e| e.into_inner()).values() {
                ctx.cancel(crate::activity::CancelReason::WorkerShutdown);
            }
            // Their tasks are handed over to other workers, with nothing recorded of them.
            shared.local_activity_runs.cancel_all();
            // Cancellation is cooperative: an activity that ignores it keeps shutdown waiting,
            // but every result that does come is still reported.
            let _ = act_permits.acquire_many(all_activities).await;
            shared.local_activity_runs.wait_idle().await;
        }
        let _ = wft_permits.acquire_many(opts.max_concurrent_workflow_tasks as u32).await;
        if let Some(pool) = pool {
            match Arc::try_unwrap(pool) {
                Ok(pool) => tokio::task::spawn_blocking(move || pool.stop()).await.unwrap_or_default(),
                Err(_) => tracing::debug!("workflow pool still referenced at shutdown"),
            }
        }
        match shared.fatal.lock().unwrap_or_else(|e| e.into_inner()).take() {
            Some(error) => Err(WorkerError::Fatal(error)),
            None => Ok(()),
        }
    }

    /// The poll counter of one queue, which keeps `temporal_num_pollers{poller_type}` at the
    /// number of polls open.
    fn scaler(&self, behavior: PollerBehavior, server_autoscales: bool, poller_type: &'static str) -> Arc<PollScaler> {
        let shared = Arc::clone(&self.inner.shared);
        PollScaler::new(behavior, server_autoscales, move |open| {
            let [namespace, task_queue] = shared.labels();
            shared.metrics.num_pollers.set(open as f64, &[namespace, task_queue, ("poller_type", poller_type)]);
        })
    }

    /// Runs the worker on a tokio task: `run()` in the background, for programs that go on to
    /// start workflows (call [`Worker::shutdown`] to stop it, then await the handle).
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # async fn demo(worker: Worker) -> Result<(), Box<dyn std::error::Error>> {
    /// let running = worker.spawn();
    /// // ... start workflows ...
    /// worker.shutdown().await;
    /// running.await??;
    /// # Ok(()) }
    /// ```
    pub fn spawn(&self) -> tokio::task::JoinHandle<Result<(), WorkerError>> {
        let worker = self.clone();
        tokio::spawn(async move { worker.run().await })
    }

    /// Stops polling, lets work in flight finish (activities up to the graceful shutdown
    /// timeout, then cancelled), and waits until `run()` has returned.
    pub async fn shutdown(&self) {
        self.initiate_shutdown();
        if !*self.inner.started.lock().unwrap_or_else(|e| e.into_inner()) {
            return;
        }
        let mut finished = self.inner.finished.subscribe();
        let _ = finished.wait_for(|f| *f).await;
    }

    /// Starts shutting down without waiting.
    pub fn initiate_shutdown(&self) {
        self.inner.shutdown.send_replace(true);
    }
}

/// The poller behaviours of the shared and the sticky workflow queue. A fixed maximum is split
/// as sdk-core splits it (a fifth, at least one, for the shared queue); autoscaling applies to
/// each queue on its own.
fn workflow_poller_behaviors(behavior: PollerBehavior, sticky: bool) -> [PollerBehavior; 2] {
    match behavior {
        PollerBehavior::SimpleMaximum(n) if sticky => {
            let n = n.max(2);
            let normal = n.div_ceil(5);
            [PollerBehavior::SimpleMaximum(normal), PollerBehavior::SimpleMaximum(n - normal)]
        }
        PollerBehavior::SimpleMaximum(n) => [PollerBehavior::SimpleMaximum(n.max(1)), PollerBehavior::SimpleMaximum(0)],
        autoscaling => [autoscaling, autoscaling],
    }
}

/// A running worker's door for eager workflow start: the client hands it the first workflow
/// task that came back with a start response.
pub(crate) struct EagerStart {
    shared: Arc<Shared>,
    pool: Arc<pool::Pool>,
    permits: Arc<Semaphore>,
}

impl crate::client::EagerWorker for EagerStart {
    fn namespace(&self) -> &str {
        self.shared.client.namespace()
    }

    fn task_queue(&self) -> &str {
        &self.shared.task_queue
    }

    /// A free workflow task slot, unless the worker is busy or shutting down.
    fn try_reserve(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        if self.shared.shutting_down.load(std::sync::atomic::Ordering::SeqCst) {
            return None;
        }
        Arc::clone(&self.permits).try_acquire_owned().ok()
    }

    fn deployment_options(&self) -> Option<crate::protos::temporal::api::deployment::v1::WorkerDeploymentOptions> {
        self.shared.deployment.clone()
    }

    /// Processes an eagerly dispatched first workflow task.
    fn dispatch(
        self: Arc<Self>,
        task: crate::protos::temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse,
        permit: tokio::sync::OwnedSemaphorePermit,
    ) {
        tokio::spawn(async move {
            workflows::handle_task(&self.shared, &self.pool, task).await;
            drop(permit);
        });
    }
}
