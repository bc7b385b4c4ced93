use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::{Either, select};

use super::cancel::cancelled_error;
use super::sleep;
use crate::error::WorkflowResult;
use crate::runtime::context::{self, OpKind, Slot};

/// Waits until `condition` returns true; it is re-checked whenever the workflow's state may
/// have changed (after signals, resolutions and other tasks ran). A workflow cancellation
/// request makes it return a cancellation error.
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
    WaitCondition { condition, seq: None }
}

/// Waits until `condition` returns true or `timeout` of workflow time passed (a durable
/// timer): `Ok(true)` when the condition held, `Ok(false)` on timeout.
///
/// ```
/// # use std::time::Duration;
/// # use std::cell::Cell;
/// # use temporal_sdk::prelude::*;
/// # async fn wf(approved: &Cell<bool>) -> WorkflowResult<()> {
/// if !workflow::wait_condition_timeout(|| approved.get(), Duration::from_secs(3600)).await? {
///     return Err(ApplicationError::new("not approved within an hour").into());
/// }
/// # Ok(()) }
/// ```
pub async fn wait_condition_timeout<F: FnMut() -> bool + Unpin>(
    condition: F,
    timeout: Duration,
) -> WorkflowResult<bool> {
    let condition = wait_condition(condition);
    let timer = sleep(timeout);
    // The condition is polled first, so a condition that already holds wins over the timer;
    // the loser is dropped, which cancels the timer.
    match select(pin!(condition), pin!(timer)).await {
        Either::Left((met, _)) => met.map(|()| true),
        Either::Right((fired, _)) => fired.map(|()| false),
    }
}

/// The future of [`wait_condition`].
#[must_use = "a condition does nothing unless awaited"]
pub struct WaitCondition<F> {
    condition: F,
    seq: Option<u32>,
}

impl<F: FnMut() -> bool + Unpin> Future for WaitCondition<F> {
    type Output = WorkflowResult<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(state) = context::current() else {
            return Poll::Ready(Err(context::outside_workflow("workflow::wait_condition")));
        };
        let seq = match self.seq {
            Some(seq) => seq,
            None => {
                let mut st = state.borrow_mut();
                st.seq.condition += 1;
                let seq = st.seq.condition;
                st.conditions.insert(seq, Slot::default());
                if st.register_op(OpKind::Condition, seq) {
                    super::cancel::cancel_op(&mut st, OpKind::Condition, seq);
                }
                drop(st);
                self.seq = Some(seq);
                seq
            }
        };
        if state.borrow().conditions.get(&seq).is_some_and(|s| s.value.is_some()) {
            let mut st = state.borrow_mut();
            st.conditions.remove(&seq);
            st.finish_op(OpKind::Condition, seq);
            return Poll::Ready(Err(cancelled_error("Wait condition")));
        }
        // Evaluated without holding the state borrowed: the closure may call SDK functions.
        if (self.condition)() {
            let mut st = state.borrow_mut();
            st.generation += 1;
            st.conditions.remove(&seq);
            st.finish_op(OpKind::Condition, seq);
            return Poll::Ready(Ok(()));
        }
        let mut st = state.borrow_mut();
        st.condition_wakers.push(cx.waker().clone());
        if let Some(slot) = st.conditions.get_mut(&seq) {
            slot.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl<F> Drop for WaitCondition<F> {
    fn drop(&mut self) {
        let (Some(seq), Some(state)) = (self.seq, context::current()) else { return };
        if let Ok(mut st) = state.try_borrow_mut() {
            st.conditions.remove(&seq);
            st.finish_op(OpKind::Condition, seq);
        }
    }
}
