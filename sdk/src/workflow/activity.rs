use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::activity::ActivityDefinition;
use crate::common::{RetryPolicy, duration_to_proto};
use crate::converter;
use crate::error::{Failure, FailureKind, RetryState, WorkflowError, WorkflowResult};
use crate::protos::temporal::api::command::v1::{
    RequestCancelActivityTaskCommandAttributes, ScheduleActivityTaskCommandAttributes, command,
};
use crate::protos::temporal::api::common::v1::{ActivityType, Payloads};
use crate::protos::temporal::api::taskqueue::v1::TaskQueue;
use crate::runtime::context::{self, ActivityOutcome, OpKind, RunState, SharedState};

/// What happens to an activity in flight when the workflow cancels it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ActivityCancellationType {
    /// Ask the server to cancel and resolve at once as cancelled.
    #[default]
    TryCancel,
    /// Ask the server to cancel and wait until the activity acknowledges it.
    WaitCancellationCompleted,
    /// Do not tell the server; resolve at once as cancelled.
    Abandon,
}

/// Options of one activity invocation from a workflow.
///
/// At least one of start-to-close or schedule-to-close timeout must be set; the constructors
/// make that the first choice.
///
/// ```
/// use std::time::Duration;
/// use temporal_sdk::prelude::*;
///
/// let options = ActivityOptions::start_to_close(Duration::from_secs(30))
///     .heartbeat_timeout(Duration::from_secs(5))
///     .retry_policy(RetryPolicy::default().maximum_attempts(3));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default)]
pub struct ActivityOptions {
    /// Limit of one attempt.
    pub start_to_close_timeout: Option<Duration>,
    /// Limit of all attempts together, including retries.
    pub schedule_to_close_timeout: Option<Duration>,
    /// Limit of waiting in the task queue.
    pub schedule_to_start_timeout: Option<Duration>,
    /// Limit between heartbeats.
    pub heartbeat_timeout: Option<Duration>,
    /// Retry policy (server defaults when unset).
    pub retry_policy: Option<RetryPolicy>,
    /// Task queue (the workflow's own when unset).
    pub task_queue: Option<String>,
    /// Activity id (the sequence number when unset).
    pub activity_id: Option<String>,
    /// What cancelling does.
    pub cancellation_type: ActivityCancellationType,
}

impl ActivityOptions {
    /// Options with a start-to-close timeout (the limit of one attempt).
    pub fn start_to_close(timeout: Duration) -> Self {
        Self { start_to_close_timeout: Some(timeout), ..Self::default() }
    }
    /// Options with a schedule-to-close timeout (the limit of all attempts).
    pub fn schedule_to_close(timeout: Duration) -> Self {
        Self { schedule_to_close_timeout: Some(timeout), ..Self::default() }
    }
    /// Sets the schedule-to-close timeout.
    pub fn schedule_to_close_timeout(mut self, timeout: Duration) -> Self {
        self.schedule_to_close_timeout = Some(timeout);
        self
    }
    /// Sets the start-to-close timeout.
    pub fn start_to_close_timeout(mut self, timeout: Duration) -> Self {
        self.start_to_close_timeout = Some(timeout);
        self
    }
    /// Sets the schedule-to-start timeout.
    pub fn schedule_to_start_timeout(mut self, timeout: Duration) -> Self {
        self.schedule_to_start_timeout = Some(timeout);
        self
    }
    /// Sets the heartbeat timeout.
    pub fn heartbeat_timeout(mut self, timeout: Duration) -> Self {
        self.heartbeat_timeout = Some(timeout);
        self
    }
    /// Sets the retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }
    /// Sets the task queue.
    pub fn task_queue(mut self, task_queue: impl Into<String>) -> Self {
        self.task_queue = Some(task_queue.into());
        self
    }
    /// Sets the activity id.
    pub fn activity_id(mut self, id: impl Into<String>) -> Self {
        self.activity_id = Some(id.into());
        self
    }
    /// Sets the cancellation type.
    pub fn cancellation_type(mut self, t: ActivityCancellationType) -> Self {
        self.cancellation_type = t;
        self
    }
}

/// Schedules an activity and returns a future of its result.
///
/// The activity is scheduled when this is called (in the current workflow task); awaiting the
/// future waits for its result. The input and output types come from the activity function,
/// so a wrong argument is a compile error.
///
/// ```
/// # use std::time::Duration;
/// # use temporal_sdk::prelude::*;
/// #[activity]
/// async fn add_one(n: i64) -> Result<i64, ActivityError> { Ok(n + 1) }
///
/// # async fn wf() -> WorkflowResult<()> {
/// let two = workflow::execute_activity(add_one, 1, ActivityOptions::start_to_close(Duration::from_secs(5))).await?;
/// # let _ = two; Ok(()) }
/// ```
pub fn execute_activity<A: ActivityDefinition>(
    activity: A,
    input: A::Input,
    options: ActivityOptions,
) -> ActivityHandle<A::Output> {
    schedule(activity.name(), converter::encode_args(&input), options)
}

/// Schedules an activity and returns its handle without waiting: the same as
/// [`execute_activity`], named for code that keeps the handle to cancel it or to await it later.
pub fn start_activity<A: ActivityDefinition>(
    activity: A,
    input: A::Input,
    options: ActivityOptions,
) -> ActivityHandle<A::Output> {
    execute_activity(activity, input, options)
}

/// Schedules an activity by type name, for activities written in other languages.
///
/// ```
/// # use std::time::Duration;
/// # use temporal_sdk::prelude::*;
/// # async fn wf() -> WorkflowResult<()> {
/// let out: String = workflow::execute_activity_by_name(
///     "compose_greeting", &("Hello", "World"), ActivityOptions::start_to_close(Duration::from_secs(5)),
/// ).await?;
/// # let _ = out; Ok(()) }
/// ```
pub fn execute_activity_by_name<O: DeserializeOwned, I: Serialize + ?Sized>(
    activity_type: &str,
    input: &I,
    options: ActivityOptions,
) -> ActivityHandle<O> {
    schedule(activity_type, converter::encode_args(input), options)
}

fn schedule<O>(
    activity_type: &str,
    input: Result<Vec<crate::protos::temporal::api::common::v1::Payload>, converter::PayloadError>,
    options: ActivityOptions,
) -> ActivityHandle<O> {
    let failed = |e: WorkflowError| ActivityHandle { inner: Inner::Error(Some(e)), _out: PhantomData };
    let Some(state) = context::current() else {
        return failed(context::outside_workflow("workflow::execute_activity"));
    };
    let input = match input {
        Ok(p) => p,
        Err(e) => return failed(WorkflowError::Task(Box::new(e))),
    };
    if options.start_to_close_timeout.is_none() && options.schedule_to_close_timeout.is_none() {
        return failed(WorkflowError::task(format!(
            "activity {activity_type:?} needs a start-to-close or schedule-to-close timeout (ActivityOptions::start_to_close(..))"
        )));
    }
    let seq = {
        let mut st = state.borrow_mut();
        st.seq.activity += 1;
        let seq = st.seq.activity;
        let task_queue = options.task_queue.clone().unwrap_or_else(|| st.info.task_queue.clone());
        let attrs = ScheduleActivityTaskCommandAttributes {
            activity_id: options.activity_id.clone().unwrap_or_else(|| seq.to_string()),
            activity_type: Some(ActivityType { name: activity_type.to_string() }),
            task_queue: Some(TaskQueue { name: task_queue, ..Default::default() }),
            input: Some(Payloads { payloads: input }),
            schedule_to_close_timeout: options.schedule_to_close_timeout.map(duration_to_proto),
            schedule_to_start_timeout: options.schedule_to_start_timeout.map(duration_to_proto),
            start_to_close_timeout: options.start_to_close_timeout.map(duration_to_proto),
            heartbeat_timeout: options.heartbeat_timeout.map(duration_to_proto),
            retry_policy: options.retry_policy.as_ref().map(RetryPolicy::to_proto),
            ..Default::default()
        };
        let meta = ActivityMeta {
            activity_type: activity_type.to_string(),
            activity_id: attrs.activity_id.clone(),
            cancellation_type: options.cancellation_type,
            scheduled_event_id: None,
        };
        st.push_command(command::Attributes::ScheduleActivityTaskCommandAttributes(attrs), seq);
        st.activities.insert(seq, Default::default());
        st.activity_meta.insert(seq, meta);
        if st.register_op(OpKind::Activity, seq) {
            cancel(&mut st, seq);
        }
        seq
    };
    ActivityHandle { inner: Inner::Pending { state, seq }, _out: PhantomData }
}

/// What the runtime keeps about a scheduled activity to cancel it and describe its failures.
#[derive(Debug, Clone)]
pub(crate) struct ActivityMeta {
    pub(crate) activity_type: String,
    pub(crate) activity_id: String,
    pub(crate) cancellation_type: ActivityCancellationType,
    /// Known once history recorded the schedule command.
    pub(crate) scheduled_event_id: Option<i64>,
}

/// The failure an activity resolves with when the workflow cancelled it.
pub(crate) fn cancelled_failure(meta: &ActivityMeta) -> Failure {
    let mut f = Failure::new(
        "Activity cancelled",
        FailureKind::Activity {
            activity_type: meta.activity_type.clone(),
            activity_id: meta.activity_id.clone(),
            retry_state: RetryState::CancelRequested,
            scheduled_event_id: meta.scheduled_event_id.unwrap_or_default(),
            started_event_id: 0,
            identity: String::new(),
        },
    )
    .with_cause(Failure::cancelled("Activity cancelled"));
    f.source = String::new();
    f
}

/// Cancels an activity per its cancellation type.
pub(crate) fn cancel(st: &mut RunState, seq: u32) {
    st.finish_op(OpKind::Activity, seq);
    if st.activities.get(&seq).is_none_or(|slot| slot.value.is_some()) {
        return; // finished (or forgotten) already: a cancel command would be rejected
    }
    let Some(meta) = st.activity_meta.get(&seq).cloned() else { return };
    let unsent = st.remove_unsent(|c| {
        c.seq == seq
            && matches!(&c.command.attributes, Some(command::Attributes::ScheduleActivityTaskCommandAttributes(_)))
    });
    let resolve_now = unsent
        || match meta.cancellation_type {
            ActivityCancellationType::Abandon => true,
            ActivityCancellationType::TryCancel | ActivityCancellationType::WaitCancellationCompleted => {
                match meta.scheduled_event_id {
                    Some(scheduled_event_id) => {
                        let attrs = RequestCancelActivityTaskCommandAttributes { scheduled_event_id };
                        st.push_command(command::Attributes::RequestCancelActivityTaskCommandAttributes(attrs), seq);
                    }
                    None => {
                        tracing::warn!(activity_id = %meta.activity_id, "cannot request cancellation: the activity's schedule event is unknown")
                    }
                }
                meta.cancellation_type == ActivityCancellationType::TryCancel
            }
        };
    if resolve_now && let Some(slot) = st.activities.get_mut(&seq) {
        slot.resolve(ActivityOutcome::Failed(cancelled_failure(&meta)));
    }
}

/// An activity scheduled from a workflow: await it for the result, or cancel it.
#[must_use = "an activity future does nothing unless awaited"]
pub struct ActivityHandle<O> {
    inner: Inner,
    _out: PhantomData<fn() -> O>,
}

enum Inner {
    Pending { state: SharedState, seq: u32 },
    Error(Option<WorkflowError>),
    Done,
}

impl<O: DeserializeOwned> Future for ActivityHandle<O> {
    type Output = WorkflowResult<O>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.inner {
            Inner::Error(e) => Poll::Ready(Err(e
                .take()
                .unwrap_or_else(|| WorkflowError::task("activity future polled after completion")))),
            Inner::Done => Poll::Ready(Err(WorkflowError::task("activity polled after completion"))),
            Inner::Pending { state, seq } => {
                let mut st = state.borrow_mut();
                let Some(slot) = st.activities.get_mut(seq) else {
                    return Poll::Ready(Err(WorkflowError::task("activity future polled after completion")));
                };
                let Some(outcome) = slot.value.take() else {
                    slot.waker = Some(cx.waker().clone());
                    return Poll::Pending;
                };
                st.activities.remove(seq);
                st.activity_meta.remove(seq);
                st.finish_op(OpKind::Activity, *seq);

                drop(st);
                self.inner = Inner::Done;
                Poll::Ready(match outcome {
                    ActivityOutcome::Completed(payload) => {
                        let decoded = match &payload {
                            Some(p) => converter::decode::<O>(p),
                            None => converter::decode_args::<O>(&[]),
                        };
                        decoded.map_err(|e| WorkflowError::Task(Box::new(e)))
                    }
                    ActivityOutcome::Failed(f) => Err(WorkflowError::from_failure(f)),
                })
            }
        }
    }
}

impl<O> ActivityHandle<O> {
    /// Asks for the activity to be cancelled, per its cancellation type; awaiting the handle
    /// then gives the cancellation (or the result, if the activity finished first).
    pub fn cancel(&self) {
        if let Inner::Pending { state, seq } = &self.inner
            && let Ok(mut st) = state.try_borrow_mut()
            && st.activities.get(seq).is_some_and(|s| s.value.is_none())
        {
            cancel(&mut st, *seq);
        }
    }
}

impl<O> Drop for ActivityHandle<O> {
    /// An activity nobody waits for any more is cancelled (per its cancellation type).
    fn drop(&mut self) {
        if let Inner::Pending { state, seq } = &self.inner
            && let Ok(mut st) = state.try_borrow_mut()
            && !st.tearing_down
        {
            if st.activities.get(seq).is_some_and(|s| s.value.is_none()) {
                cancel(&mut st, *seq);
            }
            st.activities.remove(seq);
            st.activity_meta.remove(seq);
            st.finish_op(OpKind::Activity, *seq);
        }
    }
}
