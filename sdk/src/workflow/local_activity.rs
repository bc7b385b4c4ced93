//! Local activities: run by the worker that runs the workflow, without a round trip through the
//! server's task queue, and recorded in history as a marker so that replays do not run them
//! again. Meant for short work (well under the workflow task timeout).

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::SystemTime;

use futures::future::FusedFuture;
use serde::de::DeserializeOwned;

use crate::activity::ActivityDefinition;
use crate::error::{WorkflowError, WorkflowResult};
use crate::protos::temporal::api::common::v1::Payload;
use crate::runtime::ops::OpFuture;
pub use crate::runtime::ops::local_activity::LocalActivityOptions;
use crate::runtime::ops::local_activity::{LocalActivityOp, LocalOutcome};

/// Runs an activity in this worker as a local activity and returns a future of its result.
///
/// ```
/// # use std::time::Duration;
/// # use temporal_sdk::prelude::*;
/// # use temporal_sdk::workflow::LocalActivityOptions;
/// #[activity]
/// async fn lookup_rate(currency: String) -> Result<f64, ActivityError> { Ok(1.1) }
///
/// # async fn wf() -> WorkflowResult<()> {
/// let rate = workflow::execute_local_activity(lookup_rate, "EUR".into(), LocalActivityOptions::start_to_close(Duration::from_secs(2))).await?;
/// # let _ = rate; Ok(()) }
/// ```
#[track_caller]
pub fn execute_local_activity<A: ActivityDefinition>(
    activity: A,
    input: A::Input,
    options: LocalActivityOptions,
) -> LocalActivityHandle<A::Output> {
    let failed = |e| LocalActivityHandle { inner: Inner::Error(Some(e)), _out: PhantomData };
    let input = match activity.input_shape().encode(&input) {
        Ok(p) => p,
        Err(e) => return failed(WorkflowError::Task(Box::new(e))),
    };
    if options.start_to_close_timeout.is_none() && options.schedule_to_close_timeout.is_none() {
        return failed(WorkflowError::task(format!(
            "local activity {:?} needs a start-to-close or schedule-to-close timeout",
            activity.name()
        )));
    }
    let site = std::panic::Location::caller();
    let call = Call { activity_type: activity.name().to_string(), input, options, site };
    LocalActivityHandle { inner: Inner::Pending { op: request(&call, 1, None), call }, _out: PhantomData }
}

/// What is needed to ask for the local activity again after a backoff.
struct Call {
    activity_type: String,
    input: Vec<Payload>,
    options: LocalActivityOptions,
    /// Where workflow code asked for it: every attempt is shown there by the stack trace.
    site: &'static std::panic::Location<'static>,
}

impl Call {
    /// Moves the call on to its next state (the input is not copied again).
    fn take(&mut self) -> Call {
        Call {
            activity_type: self.activity_type.clone(),
            input: std::mem::take(&mut self.input),
            options: self.options.clone(),
            site: self.site,
        }
    }
}

/// Asks the worker to run attempt `attempt` of a local activity (a new sequence number).
fn request(call: &Call, attempt: u32, original: Option<SystemTime>) -> OpFuture<LocalActivityOp> {
    OpFuture::start_at(call.site, "workflow::execute_local_activity", |st| {
        let now = st.now;
        Ok(st.local_activities.request(
            &call.activity_type,
            call.options.activity_id.clone(),
            call.input.clone(),
            call.options.clone(),
            now,
            attempt,
            original,
        ))
    })
}

/// The result of a local activity.
#[must_use = "a local activity does nothing unless awaited"]
pub struct LocalActivityHandle<O> {
    inner: Inner,
    _out: PhantomData<fn() -> O>,
}

enum Inner {
    Pending { op: OpFuture<LocalActivityOp>, call: Call },
    Sleeping { timer: super::Timer, call: Call, next_attempt: u32, original: SystemTime },
    Error(Option<WorkflowError>),
    Done,
}

impl<O: DeserializeOwned> Future for LocalActivityHandle<O> {
    type Output = WorkflowResult<O>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let next = match &mut self.inner {
                Inner::Error(e) => {
                    let e = e.take().unwrap_or_else(|| WorkflowError::task("local activity polled after completion"));
                    self.inner = Inner::Done;
                    return Poll::Ready(Err(e));
                }
                Inner::Done => return Poll::Ready(Err(WorkflowError::task("local activity polled after completion"))),
                Inner::Sleeping { timer, call, next_attempt, original } => match Pin::new(timer).poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Err(e)) => Inner::Error(Some(e)),
                    Poll::Ready(Ok(())) => {
                        let call = call.take();
                        Inner::Pending { op: request(&call, *next_attempt, Some(*original)), call }
                    }
                },
                Inner::Pending { op, call } => match Pin::new(op).poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Err(e)) => Inner::Error(Some(e)),
                    Poll::Ready(Ok(LocalOutcome::Done(outcome))) => {
                        self.inner = Inner::Done;
                        return Poll::Ready(super::decode_result::<O>(
                            outcome.into_result().map_err(WorkflowError::Failure)?,
                        ));
                    }
                    Poll::Ready(Ok(LocalOutcome::Backoff { next_attempt, backoff, original_schedule_time })) => {
                        Inner::Sleeping {
                            timer: super::timer::sleep_at(call.site, backoff),
                            call: call.take(),
                            next_attempt,
                            original: original_schedule_time,
                        }
                    }
                },
            };
            self.inner = next;
        }
    }
}

impl<O: DeserializeOwned> FusedFuture for LocalActivityHandle<O> {
    fn is_terminated(&self) -> bool {
        matches!(self.inner, Inner::Done)
    }
}

impl<O> fmt::Debug for LocalActivityHandle<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalActivityHandle").field("type", &std::any::type_name::<O>()).finish_non_exhaustive()
    }
}
