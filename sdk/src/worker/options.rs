use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::activities::{ErasedActivity, erase};
use crate::activity::ActivityImplementation;
use crate::runtime::instance::{Factory, WorkflowFactory};
use crate::workflow::Workflow;

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
    pub(crate) activities: Vec<Arc<dyn ErasedActivity>>,
    /// Workflow tasks processed at once.
    pub max_concurrent_workflow_tasks: usize,
    /// Activities run at once.
    pub max_concurrent_activities: usize,
    /// Workflow runs kept in memory between tasks (sticky execution); 0 turns caching off.
    pub max_cached_workflows: usize,
    /// Long polls for workflow tasks at once (split between the shared and the sticky queue).
    pub max_concurrent_workflow_task_polls: usize,
    /// Long polls for activity tasks at once.
    pub max_concurrent_activity_task_polls: usize,
    /// Threads that run workflow code.
    pub workflow_threads: usize,
    /// How long shutdown waits for running activities before cancelling them.
    pub graceful_shutdown_timeout: Duration,
    /// How long a task waits on this worker's sticky queue before the server gives it to any
    /// worker.
    pub sticky_queue_schedule_to_start_timeout: Duration,
}

impl WorkerOptions {
    /// Options for a worker on `task_queue`, hosting nothing yet.
    pub fn new(task_queue: impl Into<String>) -> Self {
        Self {
            task_queue: task_queue.into(),
            workflows: Vec::new(),
            activities: Vec::new(),
            max_concurrent_workflow_tasks: 100,
            max_concurrent_activities: 100,
            max_cached_workflows: 1000,
            max_concurrent_workflow_task_polls: 5,
            max_concurrent_activity_task_polls: 5,
            workflow_threads: 2,
            graceful_shutdown_timeout: Duration::ZERO,
            sticky_queue_schedule_to_start_timeout: Duration::from_secs(10),
        }
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

    /// Sets how many threads run workflow code.
    pub fn workflow_threads(mut self, n: usize) -> Self {
        self.workflow_threads = n.max(1);
        self
    }

    /// Sets how long shutdown waits for running activities before cancelling them.
    pub fn graceful_shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.graceful_shutdown_timeout = timeout;
        self
    }

    /// The task queue.
    pub fn task_queue(&self) -> &str {
        &self.task_queue
    }

    pub(crate) fn workflow_table(&self) -> Result<HashMap<&'static str, Arc<dyn WorkflowFactory>>, String> {
        let mut table = HashMap::new();
        for w in &self.workflows {
            if table.insert(w.name(), Arc::clone(w)).is_some() {
                return Err(format!("workflow type {:?} is registered twice", w.name()));
            }
        }
        Ok(table)
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
