use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use super::activities::{ErasedActivity, erase};
use super::executor::ActivityExecutor;
use super::pollers::PollerBehavior;
use crate::activity::{ActivityImplementation, ActivityMethods, BoundActivity};
use crate::error::ActivityError;
use crate::interceptor::Interceptor;
use crate::protos::temporal::api::common::v1::Payload;
use crate::runtime::instance::WorkflowFactory;
use crate::runtime::registry::Registry;
use crate::versioning::{VersioningBehavior, WorkerDeploymentOptions};
use crate::workflow::Workflow;
use crate::workflow::instance::Factory;

/// What `WorkerOptions::on_fatal_error` calls.
pub(crate) type FatalErrorHook = Arc<dyn Fn(&super::WorkerError) + Send + Sync>;

/// What a worker hosts and how much it takes on at once.
///
/// ```
/// # use temporal_sdk::prelude::*;
/// # #[activity] async fn say_hello(name: String) -> Result<String, ActivityError> { Ok(name) }
/// # #[derive(Default)] struct SayHello;
/// # #[workflow] impl SayHello { #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) } }
/// let options = WorkerOptions::new("hello-queue")
///     .workflow::<SayHello>()
///     .activity(say_hello)
///     .max_concurrent_activities(50);
/// # let _ = options;
/// ```
pub struct WorkerOptions {
    pub(crate) task_queue: String,
    pub(crate) workflows: Vec<Arc<dyn WorkflowFactory>>,
    pub(crate) failure_policy: crate::runtime::run::FailurePolicy,
    pub(crate) activities: Vec<Arc<dyn ErasedActivity>>,
    pub(crate) activity_executor: Option<Arc<dyn ActivityExecutor>>,
    /// Workflow tasks processed at once.
    pub max_concurrent_workflow_tasks: usize,
    /// Activities run at once.
    pub max_concurrent_activities: usize,
    /// Workflow runs kept in memory between tasks (sticky execution); 0 turns caching off.
    pub max_cached_workflows: usize,
    /// How many long polls for workflow tasks are open at once (with a sticky cache, split
    /// between the shared and the sticky queue); five at most by default.
    pub workflow_task_poller_behavior: PollerBehavior,
    /// How many long polls for activity tasks are open at once; five at most by default.
    pub activity_task_poller_behavior: PollerBehavior,
    /// The worker's deployment version and whether it uses worker versioning (`None`: an
    /// unversioned worker that reports no version).
    pub deployment: Option<WorkerDeploymentOptions>,
    /// Threads that run workflow code.
    pub workflow_threads: usize,
    /// How long shutdown waits for running activities before cancelling them.
    pub graceful_shutdown_timeout: Duration,
    /// How long a task waits on this worker's sticky queue before the server gives it to any
    /// worker.
    pub sticky_queue_schedule_to_start_timeout: Duration,
    /// The most activity tasks this worker starts per second (unlimited when `None`).
    pub max_activities_per_second: Option<f64>,
    /// The most activity tasks per second the server hands out on this task queue, to all its
    /// workers together (unlimited when `None`).
    pub max_task_queue_activities_per_second: Option<f64>,
    /// Local activities run at once (attempts beyond wait for a slot).
    pub max_concurrent_local_activities: usize,
    /// Never polls for activity tasks: the worker runs workflows and their local activities
    /// only (activities scheduled on its queue are left to other workers).
    pub no_remote_activities: bool,
    /// Called once with the error that stops the worker (a namespace that does not exist, a
    /// credential the server refuses), before `run()` returns it.
    pub(crate) on_fatal_error: Option<FatalErrorHook>,
    /// Turns deadlock detection off, for stepping through workflow code in a debugger (default:
    /// on, unless the `TEMPORAL_DEBUG` environment variable is set to anything but `0`/`false`).
    pub debug_mode: bool,
    /// Interceptors of this worker's activities and workflows, inside the client's.
    pub(crate) interceptors: Vec<Arc<dyn Interceptor>>,
    /// How often the worker tells the server how it is (`temporal worker list`), where the
    /// namespace takes worker heartbeats; 60 s by default, `None` or zero for never.
    pub worker_heartbeat_interval: Option<Duration>,
}

impl std::fmt::Debug for WorkerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let workflows: Vec<&str> = self.workflows.iter().map(|w| w.name()).collect();
        let activities: Vec<&str> = self.activities.iter().map(|a| a.name()).collect();
        f.debug_struct("WorkerOptions")
            .field("task_queue", &self.task_queue)
            .field("workflows", &workflows)
            .field("activities", &activities)
            .field("max_concurrent_workflow_tasks", &self.max_concurrent_workflow_tasks)
            .field("max_concurrent_activities", &self.max_concurrent_activities)
            .field("max_cached_workflows", &self.max_cached_workflows)
            .field("workflow_threads", &self.workflow_threads)
            .field("graceful_shutdown_timeout", &self.graceful_shutdown_timeout)
            .field("max_concurrent_local_activities", &self.max_concurrent_local_activities)
            .field("no_remote_activities", &self.no_remote_activities)
            .field("workflow_task_poller_behavior", &self.workflow_task_poller_behavior)
            .field("activity_task_poller_behavior", &self.activity_task_poller_behavior)
            .field("deployment", &self.deployment)
            .field("debug_mode", &self.debug_mode)
            .field("worker_heartbeat_interval", &self.worker_heartbeat_interval)
            .finish_non_exhaustive()
    }
}

impl WorkerOptions {
    /// Options for a worker on `task_queue`, hosting nothing yet.
    pub fn new(task_queue: impl Into<String>) -> Self {
        Self {
            task_queue: task_queue.into(),
            workflows: Vec::new(),
            failure_policy: Default::default(),
            activities: Vec::new(),
            activity_executor: None,
            max_concurrent_workflow_tasks: 100,
            max_concurrent_activities: 100,
            max_cached_workflows: 1000,
            workflow_task_poller_behavior: PollerBehavior::default(),
            activity_task_poller_behavior: PollerBehavior::default(),
            deployment: None,
            workflow_threads: 2,
            graceful_shutdown_timeout: Duration::ZERO,
            sticky_queue_schedule_to_start_timeout: Duration::from_secs(10),
            max_activities_per_second: None,
            max_task_queue_activities_per_second: None,
            max_concurrent_local_activities: 100,
            no_remote_activities: false,
            on_fatal_error: None,
            interceptors: Vec::new(),
            worker_heartbeat_interval: Some(super::heartbeat::DEFAULT_INTERVAL),
            debug_mode: std::env::var("TEMPORAL_DEBUG").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false")),
        }
    }

    /// Debug mode: workflow code may take as long as it likes (at a breakpoint, say) without its
    /// task failing as a potential deadlock (`[TMPRL1101]`, after 2 s without yielding).
    ///
    /// ```
    /// let options = temporal_sdk::WorkerOptions::new("orders").debug_mode(true);
    /// # let _ = options;
    /// ```
    pub fn debug_mode(mut self, on: bool) -> Self {
        self.debug_mode = on;
        self
    }

    /// Sets how often the worker heartbeats (Python's `Runtime(worker_heartbeat_interval=..)`):
    /// where the namespace advertises worker heartbeats, the worker reports its identity, task
    /// queue, status, slots, pollers and sticky cache to the server, which shows them in
    /// `temporal worker list` and `temporal worker describe`. Between 1 s and 60 s (the
    /// default); `None` or zero turns heartbeats off.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let options = temporal_sdk::WorkerOptions::new("orders").worker_heartbeat_interval(Duration::from_secs(10));
    /// let quiet = temporal_sdk::WorkerOptions::new("orders").worker_heartbeat_interval(None);
    /// # let _ = (options, quiet);
    /// ```
    pub fn worker_heartbeat_interval(mut self, interval: impl Into<Option<Duration>>) -> Self {
        self.worker_heartbeat_interval = interval.into();
        self
    }

    /// Adds an interceptor of this worker's activities and workflows, inside those of the
    /// client the worker is built from (see [`crate::interceptor`]).
    ///
    /// ```
    /// use temporal_sdk::interceptor::{Interceptor, WorkflowInbound};
    ///
    /// struct LogSignals;
    /// impl Interceptor for LogSignals {
    ///     fn workflow_inbound(&self, call: &mut WorkflowInbound<'_>) {
    ///         if !call.is_replaying() {
    ///             eprintln!("{:?} {}", call.kind(), call.name());
    ///         }
    ///     }
    /// }
    ///
    /// let options = temporal_sdk::WorkerOptions::new("orders").interceptor(LogSignals);
    /// # let _ = options;
    /// ```
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
    }

    /// Sets how many local activities run at once.
    pub fn max_concurrent_local_activities(mut self, n: usize) -> Self {
        self.max_concurrent_local_activities = n;
        self
    }

    /// Runs workflows and local activities only, never polling for activity tasks (Python's
    /// `no_remote_activities`).
    ///
    /// ```
    /// # use temporal_sdk::prelude::*;
    /// # #[activity] async fn lookup(key: String) -> Result<String, ActivityError> { Ok(key) }
    /// let options = WorkerOptions::new("orders").activity(lookup).no_remote_activities(true);
    /// # let _ = options;
    /// ```
    pub fn no_remote_activities(mut self, on: bool) -> Self {
        self.no_remote_activities = on;
        self
    }

    /// Calls `hook` with the error that stops the worker, before `run()` returns it: for
    /// alerting, or to stop the rest of the process.
    ///
    /// ```
    /// # use temporal_sdk::prelude::*;
    /// let options = WorkerOptions::new("orders").on_fatal_error(|e| eprintln!("worker stopped: {e}"));
    /// # let _ = options;
    /// ```
    pub fn on_fatal_error(mut self, hook: impl Fn(&super::WorkerError) + Send + Sync + 'static) -> Self {
        self.on_fatal_error = Some(Arc::new(hook));
        self
    }

    /// Hosts workflow type `W`.
    pub fn workflow<W: Workflow>(mut self) -> Self {
        self.workflows.push(Arc::new(Factory::<W>::new()));
        self
    }

    /// Hosts an activity (a function marked `#[activity]`).
    pub fn activity<A: ActivityImplementation>(mut self, activity: A) -> Self {
        self.activities.push(erase(activity));
        self
    }

    /// Hosts every `#[activity]` method of an `#[activities]` impl block, all running on the
    /// one shared `activities` value (a connection pool, a client, configuration).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use temporal_sdk::prelude::*;
    /// struct Inventory {
    ///     warehouse: String,
    /// }
    ///
    /// #[activities]
    /// impl Inventory {
    ///     #[activity]
    ///     async fn reserve(&self, item: String) -> Result<String, ActivityError> {
    ///         Ok(format!("{item} reserved in {}", self.warehouse))
    ///     }
    ///
    ///     #[activity]
    ///     fn count(&self) -> Result<u32, ActivityError> {
    ///         Ok(3)
    ///     }
    /// }
    ///
    /// let options = WorkerOptions::new("queue").activities(Arc::new(Inventory { warehouse: "north".into() }));
    /// # let _ = options;
    /// ```
    pub fn activities<S: ActivityMethods>(mut self, activities: Arc<S>) -> Self {
        for method in S::activity_methods() {
            self.activities.push(Arc::new(BoundActivity::bind(method, &activities)));
        }
        self
    }

    /// Sets how many workflow tasks run at once.
    pub fn max_concurrent_workflow_tasks(mut self, n: usize) -> Self {
        self.max_concurrent_workflow_tasks = n.max(1);
        self
    }

    /// Sets how many activities run at once.
    pub fn max_concurrent_activities(mut self, n: usize) -> Self {
        self.max_concurrent_activities = n.max(1);
        self
    }

    /// Sets how many workflow runs stay cached (0 turns sticky execution off).
    pub fn max_cached_workflows(mut self, n: usize) -> Self {
        self.max_cached_workflows = n;
        self
    }

    /// Makes errors of type `E` returned (with `?`) by workflow code fail the *workflow*
    /// instead of the workflow task, like Python's `workflow_failure_exception_types`.
    ///
    /// ```
    /// # use temporal_sdk::prelude::*;
    /// let options = WorkerOptions::new("queue").fail_workflow_on::<std::num::ParseIntError>();
    /// # let _ = options;
    /// ```
    pub fn fail_workflow_on<E: std::error::Error + 'static>(mut self) -> Self {
        self.failure_policy.failure_errors.push((std::any::type_name::<E>(), |e| e.is::<E>()));
        self
    }

    /// Makes a non-determinism error fail the workflow instead of the workflow task (which
    /// otherwise waits for a fixed deployment).
    pub fn nondeterminism_fails_workflow(mut self, fails: bool) -> Self {
        self.failure_policy.nondeterminism_fails_workflow = fails;
        self
    }

    /// Sets how many threads run workflow code.
    pub fn workflow_threads(mut self, n: usize) -> Self {
        self.workflow_threads = n.max(1);
        self
    }

    /// Sets how long shutdown waits for running activities before cancelling them. Running
    /// activities learn of the shutdown at once (`activity::is_worker_shutdown`); those still
    /// running when the timeout passes are cancelled, and their attempts fail retryably so
    /// that another worker takes them over. The default is zero: cancel at once.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use temporal_sdk::prelude::*;
    /// # #[activity] async fn work() -> Result<(), ActivityError> { Ok(()) }
    /// let options = WorkerOptions::new("queue").activity(work).graceful_shutdown_timeout(Duration::from_secs(30));
    /// # let _ = options;
    /// ```
    pub fn graceful_shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.graceful_shutdown_timeout = timeout;
        self
    }

    /// Sets how many long polls for activity tasks are open at once: shorthand for
    /// `activity_task_poller_behavior(PollerBehavior::SimpleMaximum(n))`.
    ///
    /// ```
    /// # use temporal_sdk::prelude::*;
    /// use temporal_sdk::worker::PollerBehavior;
    /// # #[activity] async fn work() -> Result<(), ActivityError> { Ok(()) }
    /// let options = WorkerOptions::new("queue").activity(work).max_concurrent_activity_task_polls(10);
    /// assert_eq!(options.activity_task_poller_behavior, PollerBehavior::SimpleMaximum(10));
    /// ```
    pub fn max_concurrent_activity_task_polls(mut self, n: usize) -> Self {
        self.activity_task_poller_behavior = PollerBehavior::SimpleMaximum(n.max(1));
        self
    }

    /// Sets how many long polls for workflow tasks are open at once: shorthand for
    /// `workflow_task_poller_behavior(PollerBehavior::SimpleMaximum(n))` (at least 2 with a
    /// sticky cache: one for the shared queue, one for the sticky queue).
    pub fn max_concurrent_workflow_task_polls(mut self, n: usize) -> Self {
        self.workflow_task_poller_behavior = PollerBehavior::SimpleMaximum(n.max(1));
        self
    }

    /// Sets how workflow tasks are polled: a fixed maximum or autoscaling (Python's
    /// `workflow_task_poller_behavior`).
    ///
    /// ```
    /// use temporal_sdk::WorkerOptions;
    /// use temporal_sdk::worker::PollerBehavior;
    ///
    /// let options = WorkerOptions::new("orders")
    ///     .workflow_task_poller_behavior(PollerBehavior::Autoscaling { minimum: 1, maximum: 50, initial: 5 });
    /// # let _ = options;
    /// ```
    pub fn workflow_task_poller_behavior(mut self, behavior: PollerBehavior) -> Self {
        self.workflow_task_poller_behavior = behavior;
        self
    }

    /// Sets how activity tasks are polled: a fixed maximum or autoscaling (Python's
    /// `activity_task_poller_behavior`).
    ///
    /// ```
    /// use temporal_sdk::WorkerOptions;
    /// use temporal_sdk::worker::PollerBehavior;
    ///
    /// let options = WorkerOptions::new("orders")
    ///     .activity_task_poller_behavior(PollerBehavior::Autoscaling { minimum: 1, maximum: 100, initial: 5 });
    /// # let _ = options;
    /// ```
    pub fn activity_task_poller_behavior(mut self, behavior: PollerBehavior) -> Self {
        self.activity_task_poller_behavior = behavior;
        self
    }

    /// Places the worker in a worker deployment version, and with
    /// [`WorkerDeploymentOptions::new`] opts it into worker versioning (Python's
    /// `deployment_config`). Every workflow type then needs a versioning behaviour, its own
    /// (`#[workflow(versioning_behavior = "..")]`) or the options' default: `Worker::new`
    /// fails otherwise.
    ///
    /// ```
    /// # use temporal_sdk::prelude::*;
    /// use temporal_sdk::versioning::{VersioningBehavior, WorkerDeploymentOptions, WorkerDeploymentVersion};
    /// # #[derive(Default)] struct Order;
    /// # #[workflow] impl Order { #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) } }
    ///
    /// let options = WorkerOptions::new("orders").workflow::<Order>().deployment(
    ///     WorkerDeploymentOptions::new(WorkerDeploymentVersion::new("order-service", "v2"))
    ///         .default_versioning_behavior(VersioningBehavior::Pinned),
    /// );
    /// # let _ = options;
    /// ```
    pub fn deployment(mut self, deployment: WorkerDeploymentOptions) -> Self {
        self.deployment = Some(deployment);
        self
    }

    /// Checks the poller behaviours and the deployment options, and that every workflow type
    /// has a versioning behaviour when the worker uses worker versioning (as Python does).
    pub(crate) fn check_polling_and_versioning(&self) -> Result<(), String> {
        self.workflow_task_poller_behavior.validate("workflow_task_poller_behavior")?;
        self.activity_task_poller_behavior.validate("activity_task_poller_behavior")?;
        let Some(deployment) = &self.deployment else { return Ok(()) };
        deployment.validate()?;
        let unspecified = VersioningBehavior::Unspecified;
        if deployment.use_worker_versioning
            && deployment.default_versioning_behavior == unspecified
            && let Some(w) = self.workflows.iter().find(|w| w.versioning_behavior() == unspecified)
        {
            return Err(format!(
                "workflow {:?} has no versioning behavior, and the worker uses worker versioning with no default: \
                 give it one with `#[workflow(versioning_behavior = \"pinned\")]` (or \"auto_upgrade\"), or set \
                 `WorkerDeploymentOptions::default_versioning_behavior`",
                w.name()
            ));
        }
        Ok(())
    }

    /// Sets where blocking (non-async) activities run, the analog of Python's
    /// `activity_executor`. The default is a
    /// [`ThreadPoolExecutor`](super::ThreadPoolExecutor) with as many threads as
    /// activities run at once.
    ///
    /// ```
    /// # use temporal_sdk::prelude::*;
    /// use temporal_sdk::worker::ThreadPoolExecutor;
    /// # #[activity] fn compress(data: Vec<u8>) -> Result<Vec<u8>, ActivityError> { Ok(data) }
    /// let options = WorkerOptions::new("files").activity(compress).activity_executor(ThreadPoolExecutor::new(4));
    /// # let _ = options;
    /// ```
    pub fn activity_executor(mut self, executor: impl ActivityExecutor) -> Self {
        self.activity_executor = Some(Arc::new(executor));
        self
    }

    /// Limits the activity tasks this worker starts per second. The worker then keeps one
    /// activity poll open at a time and waits `1 / rate` seconds after each task before
    /// polling again; activities scheduled by its own workflows are not dispatched eagerly
    /// (they would bypass the limit).
    ///
    /// ```
    /// # use temporal_sdk::prelude::*;
    /// # #[activity] async fn call_api() -> Result<(), ActivityError> { Ok(()) }
    /// let options = WorkerOptions::new("api-calls").activity(call_api).max_activities_per_second(5.0);
    /// # let _ = options;
    /// ```
    pub fn max_activities_per_second(mut self, rate: f64) -> Self {
        self.max_activities_per_second = Some(rate);
        self
    }

    /// Limits the activity tasks per second that the server hands out on this task queue, to
    /// all its workers together (`task_queue_metadata.max_tasks_per_second` of the polls; the
    /// last poller's value wins on the server). Activities are then not dispatched eagerly,
    /// which would bypass the server's limit.
    ///
    /// ```
    /// # use temporal_sdk::prelude::*;
    /// # #[activity] async fn call_api() -> Result<(), ActivityError> { Ok(()) }
    /// let options = WorkerOptions::new("api-calls").activity(call_api).max_task_queue_activities_per_second(50.0);
    /// # let _ = options;
    /// ```
    pub fn max_task_queue_activities_per_second(mut self, rate: f64) -> Self {
        self.max_task_queue_activities_per_second = Some(rate);
        self
    }

    pub(crate) fn check_activity_rates(&self) -> Result<(), String> {
        for (name, rate) in [
            ("max_activities_per_second", self.max_activities_per_second),
            ("max_task_queue_activities_per_second", self.max_task_queue_activities_per_second),
        ] {
            if let Some(r) = rate
                && !(r.is_finite() && r > 0.0)
            {
                return Err(format!("{name} must be a positive number, not {r}"));
            }
        }
        Ok(())
    }

    /// The task queue.
    pub fn task_queue(&self) -> &str {
        &self.task_queue
    }

    pub(crate) fn workflow_registry(&self) -> Result<Registry, String> {
        Registry::new(self.workflows.iter().cloned())
    }

    pub(crate) fn activity_table(&self) -> Result<HashMap<&'static str, Arc<dyn ErasedActivity>>, String> {
        let mut table = HashMap::new();
        for a in &self.activities {
            if table.insert(a.name(), Arc::clone(a)).is_some() {
                return Err(format!("activity type {:?} is registered twice", a.name()));
            }
        }
        Ok(table)
    }
}

impl ErasedActivity for BoundActivity {
    fn name(&self) -> &'static str {
        self.name
    }

    fn execute(&self, args: Vec<Payload>) -> BoxFuture<'static, Result<Payload, ActivityError>> {
        (self.run)(args)
    }
}
