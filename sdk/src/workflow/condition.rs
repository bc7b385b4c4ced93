use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::error::WorkflowResult;
use crate::runtime::context;

/// Waits until `condition` returns true; it is re-checked whenever the workflow's state may
/// have changed (after signals, resolutions and other tasks ran).
///
/// ```
/// # use std::cell::Cell;
/// # use temporal_sdk::prelude::*;
/// # #[derive(Default)] struct W { done: Cell<bool> }
/// # #[workflow] impl W {
/// #[run]
/// async fn run(&self) -> WorkflowResult<()> {
///     workflow::wait_condition(|| self.done.get()).await
/// }
/// #[signal]
/// fn finish(&self) {
///     self.done.set(true);
/// }
/// # }
/// ```
pub fn wait_condition<F: FnMut() -> bool>(condition: F) -> WaitCondition<F> {
    WaitCondition { condition }
}

/// The future of [`wait_condition`].
#[must_use = "a condition does nothing unless awaited"]
pub struct WaitCondition<F> {
    condition: F,
}

impl<F: FnMut() -> bool + Unpin> Future for WaitCondition<F> {
    type Output = WorkflowResult<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(state) = context::current() else {
            return Poll::Ready(Err(context::outside_workflow("workflow::wait_condition")));
        };
        if (self.condition)() {
            state.borrow_mut().generation += 1;
            return Poll::Ready(Ok(()));
        }
        state.borrow_mut().condition_wakers.push(cx.waker().clone());
        Poll::Pending
    }
}
