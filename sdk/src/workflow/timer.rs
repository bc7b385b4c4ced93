use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::cancel::cancelled_error;
use crate::common::duration_to_proto;
use crate::error::{Failure, WorkflowError, WorkflowResult};
use crate::protos::temporal::api::command::v1::{CancelTimerCommandAttributes, StartTimerCommandAttributes, command};
use crate::runtime::context::{self, OpKind, RunState, SharedState};

/// Sleeps for `duration` of workflow time: a durable timer recorded in history, which
/// survives worker restarts and is skipped over by the time-skipping test server.
///
/// Dropping the future before it fires cancels the timer; a workflow cancellation request
/// makes it return a cancellation error.
///
/// ```
/// # use std::time::Duration;
/// # use temporal_sdk::prelude::*;
/// # async fn wf() -> WorkflowResult<()> {
/// workflow::sleep(Duration::from_secs(24 * 3600)).await?;
/// # Ok(()) }
/// ```
pub fn sleep(duration: Duration) -> Timer {
    let Some(state) = context::current() else {
        return Timer { inner: TimerState::Error(Some(context::outside_workflow("workflow::sleep"))) };
    };
    if duration.is_zero() {
        return Timer { inner: TimerState::Done };
    }
    let seq = {
        let mut st = state.borrow_mut();
        st.seq.timer += 1;
        let seq = st.seq.timer;
        let attrs = StartTimerCommandAttributes {
            timer_id: seq.to_string(),
            start_to_fire_timeout: Some(duration_to_proto(duration)),
        };
        st.push_command(command::Attributes::StartTimerCommandAttributes(attrs), seq);
        st.timers.insert(seq, Default::default());
        if st.register_op(OpKind::Timer, seq) {
            cancel(&mut st, seq);
        }
        seq
    };
    Timer { inner: TimerState::Pending { state, seq } }
}

/// Cancels a pending timer: forgets it if its start never left the worker, else sends a
/// cancel command; either way the timer resolves as cancelled.
pub(crate) fn cancel(st: &mut RunState, seq: u32) {
    st.finish_op(OpKind::Timer, seq);
    if st.timers.get(&seq).is_none_or(|slot| slot.value.is_some()) {
        return; // fired (or forgotten) already: nothing left to cancel
    }
    let id = seq.to_string();
    let unsent = st.remove_unsent(|c| {
        matches!(&c.command.attributes, Some(command::Attributes::StartTimerCommandAttributes(a)) if a.timer_id == id)
    });
    if !unsent {
        let cancel = command::Attributes::CancelTimerCommandAttributes(CancelTimerCommandAttributes { timer_id: id });
        st.push_command(cancel, seq);
    }
    if let Some(slot) = st.timers.get_mut(&seq) {
        slot.resolve(Err(Failure::cancelled("Timer cancelled")));
    }
}

/// A durable timer started by [`sleep`].
#[must_use = "a timer does nothing unless awaited, and dropping it cancels it"]
pub struct Timer {
    inner: TimerState,
}

enum TimerState {
    Pending { state: SharedState, seq: u32 },
    Error(Option<WorkflowError>),
    Done,
}

impl Future for Timer {
    type Output = WorkflowResult<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let out = match &mut self.inner {
            TimerState::Pending { state, seq } => {
                let mut st = state.borrow_mut();
                let Some(slot) = st.timers.get_mut(seq) else {
                    return Poll::Ready(Err(cancelled_error("Timer")));
                };
                let Some(value) = slot.value.take() else {
                    slot.waker = Some(cx.waker().clone());
                    return Poll::Pending;
                };
                st.timers.remove(seq);
                st.finish_op(OpKind::Timer, *seq);
                value.map_err(WorkflowError::from_failure)
            }
            TimerState::Error(e) => {
                return Poll::Ready(Err(e
                    .take()
                    .unwrap_or_else(|| WorkflowError::task("timer polled after completion"))));
            }
            TimerState::Done => return Poll::Ready(Ok(())),
        };
        self.inner = TimerState::Done;
        Poll::Ready(out)
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        let TimerState::Pending { state, seq } = &self.inner else { return };
        let Ok(mut st) = state.try_borrow_mut() else { return };
        if st.tearing_down {
            return;
        }
        let pending = st.timers.get(seq).is_some_and(|slot| slot.value.is_none());
        if pending {
            cancel(&mut st, *seq);
        }
        st.timers.remove(seq);
        st.finish_op(OpKind::Timer, *seq);
    }
}
