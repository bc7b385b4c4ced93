//! Cancellation inside workflows: a workflow cancellation request cancels what the run method
//! is waiting on, once; `shield` protects a block from it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::runtime::context;

/// Runs `future` protected from workflow cancellation: operations started inside it are not
/// cancelled when the workflow is asked to cancel; the request reaches the next unprotected
/// operation instead. Create the operations inside the shielded block.
///
/// ```
/// # use std::time::Duration;
/// # use temporal_sdk::prelude::*;
/// # #[activity] async fn release_hold(order: String) -> Result<(), ActivityError> { Ok(()) }
/// # async fn wf(order: String) -> WorkflowResult<()> {
/// let cleanup = workflow::shield(async {
///     workflow::execute_activity(release_hold, order, ActivityOptions::start_to_close(Duration::from_secs(30))).await
/// });
/// cleanup.await?;
/// # Ok(()) }
/// ```
pub fn shield<F: Future>(future: F) -> Shield<F> {
    Shield { future: Box::pin(future) }
}

/// The future of [`shield`].
#[must_use = "a shielded future does nothing unless awaited"]
#[derive(Debug)]
pub struct Shield<F> {
    // Boxed so that polling needs no pin projection (the crate forbids `unsafe`).
    future: Pin<Box<F>>,
}

impl<F: Future> Future for Shield<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let state = context::current();
        if let Some(s) = &state {
            s.borrow_mut().shield_depth += 1;
        }
        let out = self.future.as_mut().poll(cx);
        if let Some(s) = &state {
            let mut st = s.borrow_mut();
            st.shield_depth = st.shield_depth.saturating_sub(1);
        }
        out
    }
}
