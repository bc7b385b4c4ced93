//! Patching: changing workflow code safely while executions of the old code are running.

use crate::runtime::context;

/// Whether this execution runs the new code of patch `id`.
///
/// New executions take the new path (and record that in history); executions that started
/// before the patch replay the old path. Once no old executions remain, switch to
/// [`deprecate_patch`], then remove both.
///
/// ```
/// # use std::time::Duration;
/// # use temporal_sdk::prelude::*;
/// # async fn wf() -> WorkflowResult<()> {
/// if workflow::patched("skip-fraud-check") {
///     // new code
/// } else {
///     workflow::sleep(Duration::from_secs(60)).await?; // old code
/// }
/// # Ok(()) }
/// ```
pub fn patched(id: &str) -> bool {
    patch(id, false)
}

/// Marks patch `id` as deprecated: the code has only the new path; executions that recorded
/// the patch still replay, and executions without it no longer exist.
pub fn deprecate_patch(id: &str) {
    patch(id, true);
}

fn patch(id: &str, deprecated: bool) -> bool {
    let Some(state) = context::current() else { return true };
    let st = &mut *state.borrow_mut();
    st.patches.patched(&mut st.commands, st.replaying, id, deprecated)
}
