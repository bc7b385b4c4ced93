use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::common::duration_to_proto;
use crate::error::{Failure, WorkflowError, WorkflowResult};
use crate::protos::temporal::api::command::v1::{
    CancelTimerCommandAttributes, Command, StartTimerCommandAttributes, command,
};
use crate::runtime::context::{self, SharedState};

/// Sleeps for `duration` of workflow time: a durable timer recorded in history, which
/// survives worker restarts and is skipped over by the time-skipping test server.
///
/// Dropping the future before it fires cancels the timer.
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
        st.push_command(command::Attributes::StartTimerCommandAttributes(attrs).into(), seq);
        st.timers.insert(seq, Default::default());
        seq
    };
    Timer { inner: TimerState::Pending { state, seq } }
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
        match &mut self.inner {
            TimerState::Pending { state, seq } => {
                let mut st = state.borrow_mut();
                let Some(slot) = st.timers.get_mut(seq) else {
                    return Poll::Ready(Err(WorkflowError::Failure(Failure::cancelled("Timer cancelled"))));
                };
                if slot.value.is_some() {
                    st.timers.remove(seq);
                    drop(st);
                    self.inner = TimerState::Done;
                    Poll::Ready(Ok(()))
                } else {
                    slot.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
            TimerState::Error(e) => {
                Poll::Ready(Err(e.take().unwrap_or_else(|| WorkflowError::task("timer polled after completion"))))
            }
            TimerState::Done => Poll::Ready(Ok(())),
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        let TimerState::Pending { state, seq } = &self.inner else { return };
        let Ok(mut st) = state.try_borrow_mut() else { return };
        match st.timers.remove(seq) {
            Some(slot) if slot.value.is_none() => {}
            _ => return, // already fired or already cancelled
        }
        let id = seq.to_string();
        // A timer started in this same activation never reached the server: just forget it.
        let unsent = st.commands.iter().position(|c| {
            matches!(&c.command.attributes, Some(command::Attributes::StartTimerCommandAttributes(a)) if a.timer_id == id)
        });
        match unsent {
            Some(i) => {
                st.commands.remove(i);
            }
            None => {
                let cancel: Command =
                    command::Attributes::CancelTimerCommandAttributes(CancelTimerCommandAttributes { timer_id: id })
                        .into();
                st.push_command(cancel, *seq);
            }
        }
    }
}
