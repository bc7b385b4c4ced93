use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::FusedFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::activity::ActivityDefinition;
use crate::common::{RetryPolicy, duration_to_proto};
use crate::converter;
use crate::error::{WorkflowError, WorkflowResult};
use crate::protos::temporal::api::command::v1::ScheduleActivityTaskCommandAttributes;
use crate::protos::temporal::api::common::v1::{ActivityType, Payloads};
use crate::protos::temporal::api::taskqueue::v1::TaskQueue;
use crate::runtime::hooks::{self, OutboundKind};
use crate::runtime::ops::OpFuture;
pub use crate::runtime::ops::activity::ActivityCancellationType;
use crate::runtime::ops::activity::ActivityOp;

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
#[track_caller]
pub fn execute_activity<A: ActivityDefinition>(
    activity: A,
    input: A::Input,
    options: ActivityOptions,
) -> ActivityHandle<A::Output> {
    schedule(activity.name(), activity.input_shape().encode(&input), options)
}

/// Schedules an activity and returns its handle without waiting: the same as
/// [`execute_activity`], named for code that keeps the handle to cancel it or to await it later.
#[track_caller]
pub fn start_activity<A: ActivityDefinition>(
    activity: A,
    input: A::Input,
    options: ActivityOptions,
) -> ActivityHandle<A::Output> {
    execute_activity(activity, input, options)
}

/// Schedules an activity by type name, for activities written in other languages.
///
/// `input` is one argument (one payload; `&()` for none); [`Args`](crate::converter::Args)
/// sends several, one payload each, as a Python activity `def compose_greeting(greeting: str,
/// name: str)` takes them:
///
/// ```
/// # use std::time::Duration;
/// # use temporal_sdk::prelude::*;
/// use temporal_sdk::converter::Args;
/// # async fn wf() -> WorkflowResult<()> {
/// let out: String = workflow::execute_activity_by_name(
///     "compose_greeting", &Args(("Hello", "World")), ActivityOptions::start_to_close(Duration::from_secs(5)),
/// ).await?;
/// # let _ = out; Ok(()) }
/// ```
#[track_caller]
pub fn execute_activity_by_name<O: DeserializeOwned, I: Serialize + ?Sized>(
    activity_type: &str,
    input: &I,
    options: ActivityOptions,
) -> ActivityHandle<O> {
    schedule(activity_type, converter::encode_args(input), options)
}

#[track_caller]
fn schedule<O>(
    activity_type: &str,
    input: Result<Vec<crate::protos::temporal::api::common::v1::Payload>, converter::PayloadError>,
    options: ActivityOptions,
) -> ActivityHandle<O> {
    let header = hooks::outbound_here(OutboundKind::Activity, activity_type);
    let op = OpFuture::start("workflow::execute_activity", |st| {
        let input = input.map_err(|e| WorkflowError::Task(Box::new(e)))?;
        if options.start_to_close_timeout.is_none() && options.schedule_to_close_timeout.is_none() {
            return Err(WorkflowError::task(format!(
                "activity {activity_type:?} needs a start-to-close or schedule-to-close timeout (ActivityOptions::start_to_close(..))"
            )));
        }
        let task_queue = options.task_queue.clone().unwrap_or_else(|| st.info.task_queue.clone());
        let attrs = ScheduleActivityTaskCommandAttributes {
            activity_id: options.activity_id.clone().unwrap_or_default(),
            activity_type: Some(ActivityType { name: activity_type.to_string() }),
            task_queue: Some(TaskQueue { name: task_queue, ..Default::default() }),
            input: Some(Payloads { payloads: input }),
            schedule_to_close_timeout: options.schedule_to_close_timeout.map(duration_to_proto),
            schedule_to_start_timeout: options.schedule_to_start_timeout.map(duration_to_proto),
            start_to_close_timeout: options.start_to_close_timeout.map(duration_to_proto),
            heartbeat_timeout: options.heartbeat_timeout.map(duration_to_proto),
            retry_policy: options.retry_policy.as_ref().map(RetryPolicy::to_proto),
            header,
            ..Default::default()
        };
        Ok(st.activities.schedule(&mut st.commands, attrs, options.cancellation_type))
    });
    ActivityHandle { op, _out: PhantomData }
}

/// An activity scheduled from a workflow: await it for the result, or cancel it. Dropping it
/// unfinished cancels the activity (per its cancellation type).
#[must_use = "an activity future does nothing unless awaited"]
pub struct ActivityHandle<O> {
    op: OpFuture<ActivityOp>,
    _out: PhantomData<fn() -> O>,
}

impl<O: DeserializeOwned> Future for ActivityHandle<O> {
    type Output = WorkflowResult<O>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.op).poll(cx).map(|result| super::decode_result::<O>(result?))
    }
}

impl<O: DeserializeOwned> FusedFuture for ActivityHandle<O> {
    fn is_terminated(&self) -> bool {
        self.op.is_terminated()
    }
}

impl<O> ActivityHandle<O> {
    /// Asks for the activity to be cancelled, per its cancellation type; awaiting the handle
    /// then gives the cancellation (or the result, if the activity finished first).
    pub fn cancel(&self) {
        self.op.cancel();
    }
}

impl<O> fmt::Debug for ActivityHandle<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActivityHandle").field("type", &std::any::type_name::<O>()).finish_non_exhaustive()
    }
}
