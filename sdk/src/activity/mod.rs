//! What activity code calls, and how activities are defined.
//!
//! An activity is a function marked `#[activity]`; `async` ones run as tokio tasks, plain
//! ones on the worker's activity executor, a thread pool chosen with
//! [`WorkerOptions::activity_executor`](crate::WorkerOptions::activity_executor). Inside both,
//! the functions of this module reach the running activity's context, as the functions of
//! Python's `temporalio.activity` do: [`info`], [`heartbeat`], [`is_cancelled`],
//! [`cancelled`], [`wait_for_cancelled_sync`], [`is_worker_shutdown`], [`worker_shutdown`],
//! [`shield_cancellation`]. Code that spawns its own tasks or threads leaves the context
//! behind.
//!
//! Cancellation is cooperative: a cancelled activity keeps running until it returns; it learns
//! of the cancellation through [`cancelled`], [`is_cancelled`] or [`heartbeat_checked`], and
//! returns [`ActivityError::cancelled()`](crate::error::ActivityError::cancelled) to accept it.
//! An activity that will be completed later by a client returns
//! [`ActivityError::will_complete_async()`](crate::error::ActivityError::will_complete_async).
//!
//! ```
//! use temporal_sdk::prelude::*;
//!
//! #[activity]
//! async fn process(items: Vec<String>) -> Result<usize, ActivityError> {
//!     for (i, _item) in items.iter().enumerate() {
//!         activity::heartbeat(&i);
//!     }
//!     Ok(items.len())
//! }
//! ```

mod context;
mod definition;
mod executor;
mod method;

#[cfg(feature = "testing")]
pub(crate) use context::HeartbeatCallback;
pub(crate) use context::{
    ActivityContext, CONTEXT, Cancellation, HeartbeatSink, HeartbeatState, Signal, current as current_context,
    enter_blocking,
};
pub use context::{
    ActivityInfo, CancelReason, cancellation_reason, cancelled, headers, heartbeat, heartbeat_checked, in_activity,
    info, is_cancelled, is_worker_shutdown, metric_meter, shield_cancellation, wait_for_cancelled_sync,
    wait_for_worker_shutdown_sync, worker_shutdown,
};
pub(crate) use definition::run_erased;
pub use definition::{ActivityDefinition, ActivityImplementation, ActivityReturn};
pub use executor::{ActivityExecutor, ActivityJob};
pub(crate) use method::BoundActivity;
pub use method::{ActivityMethod, ActivityMethods, UnboundActivity, activity_method};
