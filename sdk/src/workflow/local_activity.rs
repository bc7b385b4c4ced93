//! Local activities: run by the worker that runs the workflow, without a round trip through the
//! server's task queue, and recorded in history as a marker so that replays do not run them
//! again. Meant for short work; one that outlasts the workflow task timeout keeps running while
//! the worker heartbeats the workflow task.

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
use crate::runtime::hooks::{self, OutboundKind};
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
    let mut options = options;
    options.header = hooks::outbound_here(OutboundKind::LocalActivity, activity.name());
    let site = std::panic::Location::caller();
    let call = Call { activity_type: activity.name().to_string(), input, options, site };
    LocalActivityHandle { inner: Inner::Pending { op: request(&call, 1, None), call }, _out: PhantomData }
}

/// Runs an activity as a local activity and returns its handle without waiting: the same as
/// [`execute_local_activity`], named for code that keeps the handle to cancel it (Python's
/// `workflow.start_local_activity`). Dropping the handle unfinished cancels the activity too.
///
/// ```
/// # use std::time::Duration;
/// # use temporal_sdk::prelude::*;
/// use temporal_sdk::workflow::{ActivityCancellationType, LocalActivityOptions};
/// #[activity]
/// async fn crunch(n: u64) -> Result<u64, ActivityError> { Ok(n * 2) }
///
/// # async fn wf() -> WorkflowResult<()> {
/// let options = LocalActivityOptions::start_to_close(Duration::from_secs(60))
///     .cancellation_type(ActivityCancellationType::WaitCancellationCompleted);
/// let handle = workflow::start_local_activity(crunch, 21, options);
/// workflow::sleep(Duration::from_secs(1)).await?;
/// handle.cancel();
/// match handle.await {
///     Ok(n) => println!("finished first: {n}"),
///     Err(e) if e.is_cancelled() => println!("cancelled"),
///     Err(e) => return Err(e),
/// }
/// # Ok(()) }
/// ```
#[track_caller]
pub fn start_local_activity<A: ActivityDefinition>(
    activity: A,
    input: A::Input,
    options: LocalActivityOptions,
) -> LocalActivityHandle<A::Output> {
    execute_local_activity(activity, input, options)
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

/// A local activity started from a workflow: await it for the result, or cancel it (per its
/// [`cancellation_type`](LocalActivityOptions::cancellation_type)). Dropping it unfinished
/// cancels the activity.
#[must_use = "a local activity future does nothing unless awaited, and dropping it cancels the activity"]
pub struct LocalActivityHandle<O> {
    inner: Inner,
    _out: PhantomData<fn() -> O>,
}

enum Inner {
    Pending {
        op: OpFuture<LocalActivityOp>,
        call: Call,
    },
    /// Between attempts, on a durable timer; `cancelled` once the handle was cancelled.
    Sleeping {
        timer: super::Timer,
        call: Call,
        next_attempt: u32,
        original: SystemTime,
        cancelled: std::cell::Cell<bool>,
    },
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
                Inner::Sleeping { timer, call, next_attempt, original, cancelled } => match Pin::new(timer).poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Err(_)) if cancelled.get() => Inner::Error(Some(cancelled_between_attempts(call))),
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
                            cancelled: std::cell::Cell::new(false),
                        }
                    }
                },
            };
            self.inner = next;
        }
    }
}

/// What a local activity cancelled while waiting for its next attempt gives: the same
/// cancellation as one cancelled while running.
fn cancelled_between_attempts(call: &Call) -> WorkflowError {
    let cause = crate::error::Failure::cancelled("Activity cancelled");
    let f = crate::error::Failure::new(
        "Local Activity cancelled",
        crate::error::FailureKind::Activity {
            activity_type: call.activity_type.clone(),
            activity_id: call.options.activity_id.clone().unwrap_or_default(),
            retry_state: crate::error::RetryState::CancelRequested,
            scheduled_event_id: 0,
            started_event_id: 0,
            identity: String::new(),
        },
    );
    WorkflowError::Failure(Box::new(f.with_cause(cause)))
}

impl<O> LocalActivityHandle<O> {
    /// Asks for the local activity to be cancelled, per its cancellation type; awaiting the
    /// handle then gives the cancellation (or the result, if the activity finished first, or
    /// finished anyway under `WaitCancellationCompleted`).
    pub fn cancel(&self) {
        match &self.inner {
            Inner::Pending { op, .. } => op.cancel(),
            Inner::Sleeping { timer, cancelled, .. } => {
                cancelled.set(true);
                timer.cancel();
            }
            Inner::Error(_) | Inner::Done => {}
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
