//! The workflow's current details: a short text (Markdown in the Web UI) saying what the
//! workflow is doing now, returned by the built-in `__temporal_workflow_metadata` query that the
//! Web UI and `temporal workflow metadata` send.

use crate::runtime::context;

/// Sets what the workflow says it is doing now. It is kept in the worker's memory only (no
/// command, nothing in history): a worker that replays the workflow knows it again once the
/// replayed code has set it again.
///
/// ```
/// # use std::time::Duration;
/// # use temporal_sdk::prelude::*;
/// # async fn wf() -> WorkflowResult<()> {
/// workflow::set_current_details("Waiting for the **payment** (up to 1 hour)");
/// workflow::sleep(Duration::from_secs(3600)).await?;
/// # Ok(()) }
/// ```
///
/// Outside workflow code it does nothing.
pub fn set_current_details(details: impl Into<String>) {
    if let Some(state) = context::current()
        && let Ok(mut st) = state.try_borrow_mut()
    {
        st.current_details = details.into();
    }
}

/// What [`set_current_details`] last set (empty until then, and outside workflow code).
///
/// ```
/// # use temporal_sdk::prelude::*;
/// # fn wf() {
/// workflow::set_current_details("step 2 of 3");
/// let details: String = workflow::current_details();
/// # let _ = details; }
/// ```
pub fn current_details() -> String {
    context::current().map(|s| s.borrow().current_details.clone()).unwrap_or_default()
}
