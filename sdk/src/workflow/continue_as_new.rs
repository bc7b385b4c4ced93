//! Continue-as-new: end this run and start a fresh one of a workflow with new input, keeping
//! the workflow id, so that histories stay short.

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;

use super::{RunMethod, SearchAttributeValue, Workflow};
use crate::common::duration_to_proto;
use crate::converter;
pub use crate::error::ContinueAsNew;
use crate::error::{WorkflowError, WorkflowResult};
use crate::protos::temporal::api::command::v1::ContinueAsNewWorkflowExecutionCommandAttributes;
use crate::protos::temporal::api::common::v1::{Memo, Payload, Payloads, SearchAttributes, WorkflowType};
use crate::protos::temporal::api::taskqueue::v1::TaskQueue;
use crate::runtime::context;

/// Options of the next run (the current run's settings when unset).
///
/// The next run inherits the current memo and search attributes, including those the run
/// upserted, unless `memo` or `search_attributes` replace them (as in the Python SDK).
///
/// ```
/// # use temporal_sdk::prelude::*;
/// # use temporal_sdk::workflow::{ContinueAsNewOptions, SearchAttributeValue};
/// # fn f() -> WorkflowResult<()> {
/// let options = ContinueAsNewOptions::default()
///     .memo([("stage", "second")])?
///     .search_attributes([("CustomKeywordField", SearchAttributeValue::Keyword("v2".into()))]);
/// # let _ = options; Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct ContinueAsNewOptions {
    /// The task queue of the next run.
    pub task_queue: Option<String>,
    /// The run timeout of the next run.
    pub run_timeout: Option<Duration>,
    /// The task timeout of the next run.
    pub task_timeout: Option<Duration>,
    /// The memo of the next run, replacing the current one (encoded payloads).
    pub memo: Option<HashMap<String, Payload>>,
    /// The search attributes of the next run, replacing the current ones.
    pub search_attributes: Option<HashMap<String, SearchAttributeValue>>,
}

impl ContinueAsNewOptions {
    /// Replaces the next run's memo with `entries`.
    pub fn memo<K: Into<String>, V: Serialize>(
        mut self,
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> WorkflowResult<Self> {
        let mut memo = HashMap::new();
        for (k, v) in entries {
            memo.insert(k.into(), converter::encode(&v).map_err(|e| WorkflowError::Task(Box::new(e)))?);
        }
        self.memo = Some(memo);
        Ok(self)
    }

    /// Replaces the next run's search attributes with `attributes`.
    pub fn search_attributes<K: Into<String>>(
        mut self,
        attributes: impl IntoIterator<Item = (K, SearchAttributeValue)>,
    ) -> Self {
        self.search_attributes = Some(attributes.into_iter().map(|(k, v)| (k.into(), v)).collect());
        self
    }
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
    let args = W::INPUT_SHAPE.encode(&input).map_err(|e| WorkflowError::Task(Box::new(e)))?;
    let search_attributes = match options.search_attributes {
        Some(attributes) => {
            let mut fields = HashMap::new();
            for (k, v) in attributes {
                fields.insert(k, v.to_payload().map_err(|e| WorkflowError::Task(Box::new(e)))?);
            }
            Some(SearchAttributes { indexed_fields: fields })
        }
        // Unset: the engine fills in the run's current ones when it closes the run.
        None => None,
    };
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
            memo: options.memo.map(|fields| Memo { fields }),
            search_attributes,
            ..Default::default()
        },
    })))
}
