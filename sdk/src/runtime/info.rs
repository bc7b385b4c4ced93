//! What a running workflow knows about itself.

use std::time::{Duration, SystemTime};

use crate::common::RetryPolicy;

/// Facts about the running workflow, the Rust form of Python's `workflow.info()`.
///
/// ```
/// # use temporal_sdk::prelude::*;
/// # #[derive(Default)] struct W;
/// # #[workflow] impl W {
/// #[run]
/// async fn run(&self) -> WorkflowResult<String> {
///     let info = workflow::info().expect("inside workflow code");
///     Ok(format!("{} attempt {}", info.workflow_id, info.attempt))
/// }
/// # }
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct WorkflowInfo {
    /// The namespace.
    pub namespace: String,
    /// The workflow id.
    pub workflow_id: String,
    /// The run id of this run.
    pub run_id: String,
    /// The first run id of the chain (continue-as-new, retries, cron).
    pub first_execution_run_id: String,
    /// The run this one continued from, if any.
    pub continued_run_id: Option<String>,
    /// The workflow type name.
    pub workflow_type: String,
    /// The task queue.
    pub task_queue: String,
    /// The attempt number, starting at 1.
    pub attempt: i32,
    /// When this run started.
    pub start_time: Option<SystemTime>,
    /// The execution timeout (whole chain), if set.
    pub execution_timeout: Option<Duration>,
    /// The run timeout, if set.
    pub run_timeout: Option<Duration>,
    /// The workflow task timeout.
    pub task_timeout: Option<Duration>,
    /// The cron schedule, if any.
    pub cron_schedule: Option<String>,
    /// The retry policy, if any.
    pub retry_policy: Option<RetryPolicy>,
    /// The parent workflow's id and run id, for a child workflow.
    pub parent: Option<(String, String)>,
    /// The id of the last event the workflow has seen.
    pub history_length: i64,
    /// The headers the workflow was started with (after the worker's interceptors saw them),
    /// as Python's `workflow.info().headers`.
    pub headers: crate::headers::Headers,
}
