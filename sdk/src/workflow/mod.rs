//! What workflow code calls: timers, activities, conditions, the workflow's info and time.
//!
//! These functions work inside a `#[workflow]` run method or handler, which the worker runs on
//! its deterministic executor. Outside workflow code they return an error rather than panic.
//!
//! ```
//! use std::time::Duration;
//! use temporal_sdk::prelude::*;
//!
//! #[activity]
//! async fn charge(amount: u64) -> Result<String, ActivityError> {
//!     Ok(format!("charged {amount}"))
//! }
//!
//! #[derive(Default)]
//! struct Checkout;
//!
//! #[workflow]
//! impl Checkout {
//!     #[run]
//!     async fn run(&self, amount: u64) -> WorkflowResult<String> {
//!         workflow::sleep(Duration::from_secs(1)).await?;
//!         workflow::execute_activity(charge, amount, ActivityOptions::start_to_close(Duration::from_secs(10))).await
//!     }
//! }
//! ```

mod activity;
mod cancel;
mod child;
mod condition;
mod continue_as_new;
pub(crate) mod definition;
mod details;
mod external;
pub(crate) mod instance;
mod local_activity;
mod logger;
mod patch;
mod properties;
mod random;
mod spawn;
mod timeout;
mod timer;

pub use activity::{
    ActivityCancellationType, ActivityHandle, ActivityOptions, execute_activity, execute_activity_by_name,
    start_activity,
};
pub use cancel::{Shield, shield};
pub use child::{
    ChildResult, ChildWorkflowCancellationType, ChildWorkflowHandle, ChildWorkflowOptions, ChildWorkflowStart,
    ParentClosePolicy, WorkflowIdReusePolicy, execute_child_workflow, start_child_workflow,
    start_child_workflow_by_name,
};
pub use continue_as_new::{ContinueAsNew, ContinueAsNewOptions, continue_as_new, continue_as_new_with_options};
pub use details::{current_details, set_current_details};
pub use external::{
    ExternalWorkflowHandle, SignalFuture, get_external_workflow_handle, get_external_workflow_handle_untyped,
};
pub use local_activity::{LocalActivityHandle, LocalActivityOptions, execute_local_activity, start_local_activity};
pub use logger::{Logger, logger};
pub use patch::{deprecate_patch, patched};
pub use properties::{
    SearchAttributeValue, all_handlers_finished, memo_value, search_attributes, upsert_memo, upsert_search_attributes,
};
pub use random::{random, random_f64, random_range, uuid4};

pub use crate::runtime::info::WorkflowInfo;
pub use crate::runtime::tasks::HandlerUnfinishedPolicy;
pub use condition::{WaitCondition, wait_condition, wait_condition_timeout};
pub use definition::{
    QueryMethod, RunMethod, SignalMethod, Untyped, UpdateMethod, Workflow, WorkflowDefinition, WorkflowReturn,
};
/// Deterministic combinators for workflow code. `select!` is `futures::select_biased!`: when
/// several branches are ready, the first listed wins, so replays take the same branch.
pub use futures::future::{Either, join_all, select, select_all};
pub use futures::{join, select_biased as select};
pub use spawn::{JoinHandle, spawn};
pub use timeout::timeout;
pub use timer::{Timer, sleep};

use std::time::SystemTime;

use crate::converter;
use crate::error::{WorkflowError, WorkflowResult};
use crate::runtime::context;

/// The running workflow's info (ids, type, task queue, attempt, ...).
///
/// Returns `None` outside workflow code.
pub fn info() -> Option<WorkflowInfo> {
    context::current().map(|s| s.borrow().info.clone())
}

/// The headers of what workflow code is handling: in a signal, query or update handler (and
/// its validator), those its sender sent (after the worker's interceptors); elsewhere, those
/// the workflow was started with ([`WorkflowInfo::headers`]). Empty outside a workflow.
///
/// ```
/// # use temporal_sdk::prelude::*;
/// # #[derive(Default)] struct W;
/// # #[workflow] impl W {
/// # #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
/// #[signal]
/// fn approve(&self) {
///     let approver: Option<String> = workflow::headers().get("user").ok().flatten();
///     workflow::logger().info(&format!("approved by {approver:?}"));
/// }
/// # }
/// ```
pub fn headers() -> crate::headers::Headers {
    let Some(state) = context::current() else { return Default::default() };
    let st = state.borrow();
    match &st.inbound_headers {
        Some(headers) => (**headers).clone(),
        None => st.info.headers.clone(),
    }
}

/// The workflow's deterministic current time: the time of the current workflow task, the same
/// on every replay. Use it instead of `SystemTime::now()`.
///
/// Outside workflow code it falls back to the system clock.
pub fn now() -> SystemTime {
    context::current().map(|s| s.borrow().now).unwrap_or_else(SystemTime::now)
}

/// A meter for the workflow's own metrics, recorded where the worker's go (the client's
/// [`ClientOptions::metrics`](crate::ClientOptions::metrics)) with the labels `namespace`,
/// `task_queue` and `workflow_type` added. Nothing is recorded while the workflow replays its
/// history, so each recording happens once however often the code runs.
///
/// ```
/// use temporal_sdk::prelude::*;
/// use temporal_sdk::telemetry::MetricDef;
///
/// #[derive(Default)]
/// struct Checkout;
///
/// #[workflow]
/// impl Checkout {
///     #[run]
///     async fn run(&self, items: u32) -> WorkflowResult<()> {
///         let ordered = workflow::metric_meter().counter(&MetricDef::new("items_ordered", "Items ordered"));
///         ordered.add(u64::from(items), &[]);
///         Ok(())
///     }
/// }
/// ```
pub fn metric_meter() -> std::sync::Arc<dyn crate::telemetry::MetricMeter> {
    let info = info().unwrap_or_default();
    let labels =
        [("namespace", info.namespace), ("task_queue", info.task_queue), ("workflow_type", info.workflow_type)];
    std::sync::Arc::new(crate::telemetry::LabelledMeter {
        inner: crate::telemetry::thread_meter(),
        labels: labels.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        silent: Some(is_replaying),
    })
}

/// Whether the workflow is replaying history rather than running new code paths; useful to
/// keep side effects such as logging to the first execution.
pub fn is_replaying() -> bool {
    context::current().is_some_and(|s| s.borrow().replaying)
}

/// Whether the workflow has been asked to cancel.
pub fn is_cancel_requested() -> bool {
    context::current().is_some_and(|s| s.borrow().cancel_requested)
}

/// Decodes the result of an activity, local activity or child (none for a unit-like result)
/// as workflow code receives it: a payload that does not decode fails the workflow task.
pub(crate) fn decode_result<T: serde::de::DeserializeOwned>(
    payload: Option<crate::protos::temporal::api::common::v1::Payload>,
) -> WorkflowResult<T> {
    match &payload {
        Some(p) => converter::decode(p),
        None => converter::decode_args(&[]),
    }
    .map_err(|e| WorkflowError::Task(Box::new(e)))
}
