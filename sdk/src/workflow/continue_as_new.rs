//! Continue-as-new: end this run and start a fresh one of a workflow with new input, keeping
//! the workflow id, so that histories stay short.

use std::time::Duration;

use super::{RunMethod, Workflow};
use crate::common::duration_to_proto;
use crate::converter;
use crate::error::{WorkflowError, WorkflowResult};
use crate::protos::temporal::api::command::v1::ContinueAsNewWorkflowExecutionCommandAttributes;
use crate::protos::temporal::api::common::v1::{Payloads, WorkflowType};
use crate::protos::temporal::api::taskqueue::v1::TaskQueue;
use crate::runtime::context;

/// Options of the next run (the current run's settings when unset).
#[derive(Debug, Clone, Default)]
pub struct ContinueAsNewOptions {
    /// The task queue of the next run.
    pub task_queue: Option<String>,
    /// The run timeout of the next run.
    pub run_timeout: Option<Duration>,
    /// The task timeout of the next run.
    pub task_timeout: Option<Duration>,
}

/// The request to continue as new, carried by [`WorkflowError::ContinueAsNew`].
#[derive(Debug, Clone)]
pub struct ContinueAsNew {
    pub(crate) attributes: ContinueAsNewWorkflowExecutionCommandAttributes,
}

/// Ends this run and starts a new run of `W` with `input`: return it from the run method.
///
/// ```
/// # use temporal_sdk::prelude::*;
/// # #[derive(Default)] struct Counter;
/// # #[workflow] impl Counter {
/// #[run]
/// pub async fn run(&self, n: u32) -> WorkflowResult<u32> {
///     if n < 3 {
///         return workflow::continue_as_new(Self::run, n + 1);
///     }
///     Ok(n)
/// }
/// # }
/// ```
pub fn continue_as_new<W: Workflow, T>(run: RunMethod<W>, input: W::Input) -> WorkflowResult<T> {
    continue_as_new_with_options(run, input, ContinueAsNewOptions::default())
}

/// [`continue_as_new`] with options for the next run.
pub fn continue_as_new_with_options<W: Workflow, T>(
    _run: RunMethod<W>,
    input: W::Input,
    options: ContinueAsNewOptions,
) -> WorkflowResult<T> {
    let args = converter::encode_args(&input).map_err(|e| WorkflowError::Task(Box::new(e)))?;
    let task_queue = options
        .task_queue
        .or_else(|| context::current().map(|s| s.borrow().info.task_queue.clone()))
        .unwrap_or_default();
    Err(WorkflowError::ContinueAsNew(Box::new(ContinueAsNew {
        attributes: ContinueAsNewWorkflowExecutionCommandAttributes {
            workflow_type: Some(WorkflowType { name: W::NAME.to_string() }),
            task_queue: Some(TaskQueue { name: task_queue, ..Default::default() }),
            input: Some(Payloads { payloads: args }),
            workflow_run_timeout: options.run_timeout.map(duration_to_proto),
            workflow_task_timeout: options.task_timeout.map(duration_to_proto),
            ..Default::default()
        },
    })))
}
