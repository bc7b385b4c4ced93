use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::FusedFuture;

use crate::error::{WorkflowError, WorkflowResult};
use crate::runtime::hooks::{self, OutboundKind};
use crate::runtime::ops::OpFuture;
use crate::runtime::ops::timer::TimerOp;

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
#[track_caller]
pub fn sleep(duration: Duration) -> Timer {
    sleep_at(Location::caller(), duration)
}

/// [`sleep`] called from workflow code at `site` (the stack-trace query shows it).
pub(crate) fn sleep_at(site: &'static Location<'static>, duration: Duration) -> Timer {
    if duration.is_zero() {
        return Timer { op: None, over_at_once: true };
    }
    hooks::outbound_here(OutboundKind::Timer, "");
    let op = OpFuture::start_at(site, "workflow::sleep", |st| Ok(st.timers.start(&mut st.commands, duration)));
    Timer { op: Some(op), over_at_once: false }
}

/// A durable timer started by [`sleep`].
#[must_use = "a timer does nothing unless awaited, and dropping it cancels it"]
pub struct Timer {
    op: Option<OpFuture<TimerOp>>,
    /// A zero duration needs no timer: it is over at once, when first polled.
    over_at_once: bool,
}

impl Future for Timer {
    type Output = WorkflowResult<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(op) = &mut self.op {
            return Pin::new(op).poll(cx);
        }
        if !std::mem::take(&mut self.over_at_once) {
            return Poll::Ready(Err(WorkflowError::task("timer polled after completion")));
        }
        Poll::Ready(Ok(()))
    }
}

impl Timer {
    /// Cancels the timer if it is still pending (it then resolves as cancelled).
    pub(crate) fn cancel(&self) {
        if let Some(op) = &self.op {
            op.cancel();
        }
    }
}

impl FusedFuture for Timer {
    fn is_terminated(&self) -> bool {
        match &self.op {
            Some(op) => op.is_terminated(),
            None => !self.over_at_once,
        }
    }
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer").field("terminated", &self.is_terminated()).finish()
    }
}
