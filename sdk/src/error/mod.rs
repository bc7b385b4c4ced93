//! Failures and errors: the Temporal failure hierarchy and the error types of workflow,
//! activity and client code.
//!
//! [`Failure`] mirrors `temporal.api.failure.v1.Failure`, the form in which every Temporal SDK
//! records why something failed (an application error, a timeout, a cancellation, an
//! activity or child workflow that failed with a cause). Workflow code returns
//! [`WorkflowError`], activity code returns [`ActivityError`]; both convert from any
//! ordinary error with `?`, the way `anyhow` does.

mod activity_error;
mod application;
mod failure;
mod workflow_error;

pub use activity_error::ActivityError;
pub use application::ApplicationError;
pub use failure::{Failure, FailureKind, RetryState, TimeoutType};
pub use workflow_error::{WorkflowError, WorkflowResult};

/// The message of a caught panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}
