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
mod condition;
pub(crate) mod definition;
mod info;
mod timer;

pub use activity::{
    ActivityCancellationType, ActivityFuture, ActivityOptions, execute_activity, execute_activity_by_name,
};
pub use condition::{WaitCondition, wait_condition};
pub use definition::{QueryMethod, RunMethod, SignalMethod, Workflow, WorkflowDefinition, WorkflowReturn};
pub use info::WorkflowInfo;
pub use timer::{Timer, sleep};

use std::time::SystemTime;

use crate::runtime::context;

/// The running workflow's info (ids, type, task queue, attempt, ...).
///
/// Returns `None` outside workflow code.
pub fn info() -> Option<WorkflowInfo> {
    context::current().map(|s| s.borrow().info.clone())
}

/// The workflow's deterministic current time: the time of the current workflow task, the same
/// on every replay. Use it instead of `SystemTime::now()`.
///
/// Outside workflow code it falls back to the system clock.
pub fn now() -> SystemTime {
    context::current().map(|s| s.borrow().now).unwrap_or_else(SystemTime::now)
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
