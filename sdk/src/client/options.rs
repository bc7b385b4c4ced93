use std::time::Duration;

use crate::common::{RetryPolicy, duration_to_proto};
use crate::protos::temporal::api::enums::v1::{WorkflowIdConflictPolicy, WorkflowIdReusePolicy};
use crate::protos::temporal::api::workflowservice::v1::StartWorkflowExecutionRequest;

/// Options for starting a workflow: its id and task queue, and optional timeouts and
/// policies.
///
/// ```
/// use std::time::Duration;
/// use temporal_sdk::WorkflowOptions;
///
/// let options = WorkflowOptions::new("order-1234", "orders")
///     .execution_timeout(Duration::from_secs(3600));
/// assert_eq!(options.id, "order-1234");
/// ```
#[derive(Debug, Clone, Default)]
pub struct WorkflowOptions {
    /// The workflow id, unique among running workflows of the namespace.
    pub id: String,
    /// The task queue its workers poll.
    pub task_queue: String,
    /// Limit of the whole chain of runs (retries, continue-as-new).
    pub execution_timeout: Option<Duration>,
    /// Limit of one run.
    pub run_timeout: Option<Duration>,
    /// Limit of one workflow task (server default 10 s).
    pub task_timeout: Option<Duration>,
    /// What to do when a closed workflow with the same id exists.
    pub id_reuse_policy: Option<WorkflowIdReusePolicy>,
    /// What to do when a running workflow with the same id exists.
    pub id_conflict_policy: Option<WorkflowIdConflictPolicy>,
    /// How the server retries the workflow when it fails.
    pub retry_policy: Option<RetryPolicy>,
    /// A cron schedule.
    pub cron_schedule: Option<String>,
    /// Delay before the first workflow task.
    pub start_delay: Option<Duration>,
    /// Hand the first workflow task straight to a worker of this process polling the task
    /// queue, if one has a free slot (eager workflow start): saves a round trip through the
    /// server's task queue.
    pub request_eager_start: bool,
}

impl WorkflowOptions {
    /// Options with a workflow id and task queue.
    pub fn new(id: impl Into<String>, task_queue: impl Into<String>) -> Self {
        Self { id: id.into(), task_queue: task_queue.into(), ..Self::default() }
    }
    /// Sets the execution timeout.
    pub fn execution_timeout(mut self, d: Duration) -> Self {
        self.execution_timeout = Some(d);
        self
    }
    /// Sets the run timeout.
    pub fn run_timeout(mut self, d: Duration) -> Self {
        self.run_timeout = Some(d);
        self
    }
    /// Sets the task timeout.
    pub fn task_timeout(mut self, d: Duration) -> Self {
        self.task_timeout = Some(d);
        self
    }
    /// Sets the id reuse policy.
    pub fn id_reuse_policy(mut self, p: WorkflowIdReusePolicy) -> Self {
        self.id_reuse_policy = Some(p);
        self
    }
    /// Sets the id conflict policy.
    pub fn id_conflict_policy(mut self, p: WorkflowIdConflictPolicy) -> Self {
        self.id_conflict_policy = Some(p);
        self
    }
    /// Sets the retry policy.
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.retry_policy = Some(p);
        self
    }
    /// Sets a cron schedule.
    pub fn cron_schedule(mut self, s: impl Into<String>) -> Self {
        self.cron_schedule = Some(s.into());
        self
    }
    /// Sets a start delay.
    pub fn start_delay(mut self, d: Duration) -> Self {
        self.start_delay = Some(d);
        self
    }

    /// Asks for eager workflow start.
    pub fn request_eager_start(mut self, eager: bool) -> Self {
        self.request_eager_start = eager;
        self
    }

    pub(crate) fn apply(&self, req: &mut StartWorkflowExecutionRequest) {
        req.workflow_id = self.id.clone();
        req.task_queue = Some(crate::protos::temporal::api::taskqueue::v1::TaskQueue {
            name: self.task_queue.clone(),
            ..Default::default()
        });
        req.workflow_execution_timeout = self.execution_timeout.map(duration_to_proto);
        req.workflow_run_timeout = self.run_timeout.map(duration_to_proto);
        req.workflow_task_timeout = self.task_timeout.map(duration_to_proto);
        req.workflow_id_reuse_policy = self.id_reuse_policy.map(|p| p as i32).unwrap_or_default();
        req.workflow_id_conflict_policy = self.id_conflict_policy.map(|p| p as i32).unwrap_or_default();
        req.retry_policy = self.retry_policy.as_ref().map(RetryPolicy::to_proto);
        req.cron_schedule = self.cron_schedule.clone().unwrap_or_default();
        req.workflow_start_delay = self.start_delay.map(duration_to_proto);
    }
}
