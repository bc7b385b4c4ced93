use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::{Either, FusedFuture, select};

use super::timer::sleep_at;
use crate::error::{WorkflowError, WorkflowResult};
use crate::runtime::context;
use crate::runtime::ops::{self, OpKind, cancelled_error};

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
#[track_caller]
pub fn wait_condition<F: FnMut() -> bool>(condition: F) -> WaitCondition<F> {
    wait_condition_at(Location::caller(), condition)
}

fn wait_condition_at<F: FnMut() -> bool>(site: &'static Location<'static>, condition: F) -> WaitCondition<F> {
    WaitCondition { condition, seq: None, done: false, site }
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
#[track_caller]
pub fn wait_condition_timeout<F: FnMut() -> bool + Unpin>(
    condition: F,
    timeout: Duration,
) -> impl Future<Output = WorkflowResult<bool>> {
    // Both start when the returned future is first polled, as they did when this was an
    // `async fn`; the caller's place is taken now, while it is known.
    let site = Location::caller();
    async move {
        let condition = wait_condition_at(site, condition);
        let timer = sleep_at(site, timeout);
        // The condition is polled first, so a condition that already holds wins over the timer;
        // the loser is dropped, which cancels the timer.
        match select(pin!(condition), pin!(timer)).await {
            Either::Left((met, _)) => met.map(|()| true),
            Either::Right((fired, _)) => fired.map(|()| false),
        }
    }
}

/// The future of [`wait_condition`].
#[must_use = "a condition does nothing unless awaited"]
pub struct WaitCondition<F> {
    condition: F,
    seq: Option<u32>,
    done: bool,
    /// Where workflow code called `wait_condition` (the stack-trace query shows it).
    site: &'static Location<'static>,
}

impl<F: FnMut() -> bool + Unpin> Future for WaitCondition<F> {
    type Output = WorkflowResult<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.done {
            return Poll::Ready(Err(WorkflowError::task("wait_condition polled after completion")));
        }
        let Some(state) = context::current() else {
            self.done = true;
            return Poll::Ready(Err(context::outside_workflow("workflow::wait_condition")));
        };
        let seq = match self.seq {
            Some(seq) => seq,
            None => {
                let mut st = state.borrow_mut();
                let seq = st.conditions.add();
                if st.register_op(OpKind::Condition, seq, self.site) {
                    ops::cancel_op(&mut st, OpKind::Condition, seq);
                }
                drop(st);
                self.seq = Some(seq);
                seq
            }
        };
        let cancelled = state.borrow().conditions.is_cancelled(seq);
        // Evaluated without holding the state borrowed: the closure may call SDK functions.
        let outcome = if cancelled {
            Some(Err(cancelled_error("Wait condition")))
        } else if (self.condition)() {
            state.borrow_mut().generation += 1;
            Some(Ok(()))
        } else {
            None
        };
        let mut st = state.borrow_mut();
        match outcome {
            Some(outcome) => {
                st.conditions.remove(seq);
                st.owners.finish(OpKind::Condition, seq);
                drop(st);
                self.done = true;
                Poll::Ready(outcome)
            }
            None => {
                st.condition_wakers.push(cx.waker().clone());
                st.conditions.set_waker(seq, cx.waker());
                Poll::Pending
            }
        }
    }
}

impl<F: FnMut() -> bool + Unpin> FusedFuture for WaitCondition<F> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<F> fmt::Debug for WaitCondition<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitCondition").field("done", &self.done).finish_non_exhaustive()
    }
}

impl<F> Drop for WaitCondition<F> {
    fn drop(&mut self) {
        let (Some(seq), Some(state)) = (self.seq, context::current()) else { return };
        if let Ok(mut st) = state.try_borrow_mut() {
            st.conditions.remove(seq);
            st.owners.finish(OpKind::Condition, seq);
        }
    }
}
