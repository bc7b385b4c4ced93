//! Local activities: run by the worker that runs the workflow, without a round trip through the
//! server's task queue, and recorded in history as a marker so that replays do not run them
//! again. Meant for short work (well under the workflow task timeout).

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::activity::ActivityDefinition;
use crate::common::{RetryPolicy, time_from_proto, time_to_proto};
use crate::converter;
use crate::error::{Failure, FailureKind, RetryState, WorkflowError, WorkflowResult};
use crate::protos::temporal::api::command::v1::{RecordMarkerCommandAttributes, command::Attributes as Cmd};
use crate::protos::temporal::api::common::v1::{Payload, Payloads};
use crate::protos::temporal::api::history::v1::MarkerRecordedEventAttributes;
use crate::runtime::context::{self, ActivityOutcome, OpKind, RunState, SharedState, poll_slot};

/// The marker name every sdk-core based SDK writes for local activities.
pub(crate) const LOCAL_ACTIVITY_MARKER: &str = "core_local_activity";

/// Options of a local activity. At least one of start-to-close or schedule-to-close timeout
/// must be set.
///
/// A local activity runs while its workflow task is open, so each attempt must finish well
/// within the workflow task timeout (10 s by default): this SDK does not yet heartbeat workflow
/// tasks for long attempts. Retries wait inside the task until `local_retry_threshold`; longer
/// backoffs become durable timers. Use a normal activity for long work.
#[derive(Debug, Clone, Default)]
pub struct LocalActivityOptions {
    /// Limit of one attempt.
    pub start_to_close_timeout: Option<Duration>,
    /// Limit of all attempts together.
    pub schedule_to_close_timeout: Option<Duration>,
    /// Retry policy (retry forever with the server's default backoff when unset, bounded by
    /// schedule-to-close).
    pub retry_policy: Option<RetryPolicy>,
    /// Activity id (the sequence number when unset).
    pub activity_id: Option<String>,
    /// How long retries may run inside one workflow task before the next backoff becomes a
    /// durable timer (5 s when unset; keep it below the workflow task timeout).
    pub local_retry_threshold: Option<Duration>,
}

impl LocalActivityOptions {
    /// Options with a start-to-close timeout.
    pub fn start_to_close(timeout: Duration) -> Self {
        Self { start_to_close_timeout: Some(timeout), ..Self::default() }
    }
    /// Options with a schedule-to-close timeout.
    pub fn schedule_to_close(timeout: Duration) -> Self {
        Self { schedule_to_close_timeout: Some(timeout), ..Self::default() }
    }
    /// Sets the retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }
}

/// A local activity the worker must run for the current workflow task.
#[derive(Debug, Clone)]
pub(crate) struct LocalActivityRequest {
    pub(crate) seq: u32,
    pub(crate) activity_id: String,
    pub(crate) activity_type: String,
    pub(crate) input: Vec<Payload>,
    pub(crate) options: LocalActivityOptions,
    pub(crate) scheduled: SystemTime,
    /// The attempt to start with (after a timer backoff, the next one).
    pub(crate) attempt: u32,
    /// When the first attempt was scheduled, for schedule-to-close across backoffs.
    pub(crate) original_schedule_time: SystemTime,
}

/// How a local activity ended, as the worker reports it back to the run.
#[derive(Debug, Clone)]
pub(crate) struct LocalActivityResult {
    pub(crate) seq: u32,
    pub(crate) attempt: u32,
    /// Ok(result) or the activity's own failure (not yet wrapped as an activity failure).
    pub(crate) outcome: Result<Option<Payload>, Failure>,
    pub(crate) complete_time: SystemTime,
    /// Set when the attempt failed and the next one should come after this durable backoff.
    pub(crate) backoff: Option<Duration>,
}

/// How a local activity's slot resolves: done, or to be retried after a durable timer.
#[derive(Debug, Clone)]
pub(crate) enum LocalOutcome {
    Done(ActivityOutcome),
    Backoff { next_attempt: u32, backoff: Duration, original_schedule_time: SystemTime },
}

/// The marker's `data` detail, in the layout sdk-core based SDKs write.
#[derive(Debug, Serialize, Deserialize)]
struct MarkerData {
    seq: u32,
    attempt: u32,
    activity_id: String,
    activity_type: String,
    complete_time: Option<Timestamp>,
    backoff: Option<Timestamp>,
    original_schedule_time: Option<Timestamp>,
}

fn from_timestamp(t: &Timestamp) -> SystemTime {
    time_from_proto(&prost_wkt_types::Timestamp { seconds: t.seconds, nanos: t.nanos })
}

#[derive(Debug, Serialize, Deserialize)]
struct Timestamp {
    seconds: i64,
    nanos: i32,
}

/// The marker's JSON spells timestamps as `{seconds, nanos}`, like the protobuf type.
fn timestamp(t: SystemTime) -> Timestamp {
    let p = time_to_proto(t);
    Timestamp { seconds: p.seconds, nanos: p.nanos }
}

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
pub fn execute_local_activity<A: ActivityDefinition>(
    activity: A,
    input: A::Input,
    options: LocalActivityOptions,
) -> LocalActivityHandle<A::Output> {
    let failed = |e| LocalActivityHandle { inner: Inner::Error(Some(e)), _out: PhantomData };
    let input = match converter::encode_args(&input) {
        Ok(p) => p,
        Err(e) => return failed(WorkflowError::Task(Box::new(e))),
    };
    if options.start_to_close_timeout.is_none() && options.schedule_to_close_timeout.is_none() {
        return failed(WorkflowError::task(format!(
            "local activity {:?} needs a start-to-close or schedule-to-close timeout",
            activity.name()
        )));
    }
    let call = Call { activity_type: activity.name().to_string(), input, options };
    match request(&call, 1, None) {
        Ok((state, seq)) => LocalActivityHandle { inner: Inner::Pending { state, seq, call }, _out: PhantomData },
        Err(e) => failed(e),
    }
}

/// What is needed to ask for the local activity again after a backoff.
struct Call {
    activity_type: String,
    input: Vec<Payload>,
    options: LocalActivityOptions,
}

/// Asks the worker to run attempt `attempt` of a local activity (a new sequence number).
fn request(call: &Call, attempt: u32, original: Option<SystemTime>) -> WorkflowResult<(SharedState, u32)> {
    let state = context::current().ok_or_else(|| context::outside_workflow("workflow::execute_local_activity"))?;
    let seq = {
        let mut st = state.borrow_mut();
        st.seq.local_activity += 1;
        let seq = st.seq.local_activity;
        let request = LocalActivityRequest {
            seq,
            activity_id: call.options.activity_id.clone().unwrap_or_else(|| seq.to_string()),
            activity_type: call.activity_type.clone(),
            input: call.input.clone(),
            options: call.options.clone(),
            scheduled: st.now,
            attempt,
            original_schedule_time: original.unwrap_or(st.now),
        };
        st.local_activities.insert(seq, Default::default());
        st.local_activity_meta.insert(seq, (request.activity_type.clone(), request.activity_id.clone()));
        st.local_activity_original.insert(seq, request.original_schedule_time);
        st.local_activity_requests.push(request);
        st.register_op(OpKind::LocalActivity, seq);
        seq
    };
    Ok((state, seq))
}

/// Resolves a local activity: records its marker and wakes the code waiting for it.
pub(crate) fn resolve(st: &mut RunState, result: LocalActivityResult) {
    let Some((activity_type, activity_id)) = st.local_activity_meta.get(&result.seq).cloned() else { return };
    let data = MarkerData {
        seq: result.seq,
        attempt: result.attempt,
        activity_id: activity_id.clone(),
        activity_type: activity_type.clone(),
        complete_time: Some(timestamp(result.complete_time)),
        backoff: result.backoff.map(|b| Timestamp { seconds: b.as_secs() as i64, nanos: b.subsec_nanos() as i32 }),
        original_schedule_time: st.local_activity_original.get(&result.seq).copied().map(timestamp),
    };
    let mut details = std::collections::HashMap::new();
    if let Ok(p) = converter::encode(&data) {
        details.insert("data".to_string(), Payloads { payloads: vec![p] });
    }
    let (failure, outcome) = match result.outcome {
        Ok(payload) => {
            details.insert("result".to_string(), Payloads { payloads: payload.clone().into_iter().collect() });
            (None, ActivityOutcome::Completed(payload))
        }
        Err(cause) => {
            let wrapped = Failure::new(
                "Local activity failed",
                FailureKind::Activity {
                    activity_type,
                    activity_id,
                    retry_state: RetryState::NonRetryableFailure,
                    scheduled_event_id: 0,
                    started_event_id: 0,
                    identity: String::new(),
                },
            )
            .with_cause(cause.clone());
            (Some(cause.to_proto()), ActivityOutcome::Failed(wrapped))
        }
    };
    let outcome = match (result.backoff, outcome) {
        (Some(backoff), ActivityOutcome::Failed(_)) => LocalOutcome::Backoff {
            next_attempt: result.attempt + 1,
            backoff,
            original_schedule_time: st
                .local_activity_original
                .get(&result.seq)
                .copied()
                .unwrap_or(result.complete_time),
        },
        (_, outcome) => LocalOutcome::Done(outcome),
    };
    let attrs = RecordMarkerCommandAttributes {
        marker_name: LOCAL_ACTIVITY_MARKER.into(),
        details,
        failure,
        ..Default::default()
    };
    st.push_command(Cmd::RecordMarkerCommandAttributes(attrs), result.seq);
    st.finish_op(OpKind::LocalActivity, result.seq);
    st.local_activity_original.remove(&result.seq);
    if let Some(slot) = st.local_activities.get_mut(&result.seq) {
        slot.resolve(outcome);
    }
}

/// Reads a local activity marker recorded in history (for replay).
pub(crate) fn marker_result(a: &MarkerRecordedEventAttributes) -> Option<LocalActivityResult> {
    if a.marker_name != LOCAL_ACTIVITY_MARKER {
        return None;
    }
    let data: MarkerData = converter::decode(a.details.get("data")?.payloads.first()?).ok()?;
    let outcome = match &a.failure {
        Some(f) => Err(Failure::from_proto(f.clone())),
        None => Ok(a.details.get("result").and_then(|p| p.payloads.first().cloned())),
    };
    let complete_time = data.complete_time.as_ref().map(from_timestamp).unwrap_or(SystemTime::UNIX_EPOCH);
    let backoff = data.backoff.map(|b| Duration::new(b.seconds.max(0) as u64, b.nanos.max(0) as u32));
    Some(LocalActivityResult { seq: data.seq, attempt: data.attempt, outcome, complete_time, backoff })
}

/// Whether two local activity markers are the same activity (seq, type and id).
pub(crate) fn same_marker(
    command: &RecordMarkerCommandAttributes,
    event: &MarkerRecordedEventAttributes,
) -> Option<bool> {
    if command.marker_name != LOCAL_ACTIVITY_MARKER || event.marker_name != LOCAL_ACTIVITY_MARKER {
        return None;
    }
    let data = |d: &std::collections::HashMap<String, Payloads>| {
        d.get("data").and_then(|p| p.payloads.first()).and_then(|p| converter::decode::<MarkerData>(p).ok())
    };
    Some(match (data(&command.details), data(&event.details)) {
        (Some(a), Some(b)) => a.seq == b.seq && a.activity_type == b.activity_type && a.activity_id == b.activity_id,
        _ => false,
    })
}

/// The result of a local activity.
#[must_use = "a local activity does nothing unless awaited"]
pub struct LocalActivityHandle<O> {
    inner: Inner,
    _out: PhantomData<fn() -> O>,
}

enum Inner {
    Pending { state: SharedState, seq: u32, call: Call },
    Sleeping { timer: Pin<Box<super::Timer>>, call: Call, next_attempt: u32, original: SystemTime },
    Error(Option<WorkflowError>),
}

impl<O: DeserializeOwned> Future for LocalActivityHandle<O> {
    type Output = WorkflowResult<O>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let next = match &mut self.inner {
                Inner::Error(e) => {
                    return Poll::Ready(Err(e
                        .take()
                        .unwrap_or_else(|| WorkflowError::task("local activity polled after completion"))));
                }
                Inner::Sleeping { timer, call, next_attempt, original } => match timer.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Ready(Ok(())) => match request(call, *next_attempt, Some(*original)) {
                        Ok((state, seq)) => {
                            let call = Call {
                                activity_type: call.activity_type.clone(),
                                input: std::mem::take(&mut call.input),
                                options: call.options.clone(),
                            };
                            Inner::Pending { state, seq, call }
                        }
                        Err(e) => return Poll::Ready(Err(e)),
                    },
                },
                Inner::Pending { state, seq, call } => {
                    let polled = {
                        let mut st = state.borrow_mut();
                        poll_slot(&mut st.local_activities, *seq, cx)
                    };
                    match polled {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(None) => {
                            return Poll::Ready(Err(WorkflowError::task("local activity polled after completion")));
                        }
                        Poll::Ready(Some(LocalOutcome::Done(ActivityOutcome::Completed(p)))) => {
                            return Poll::Ready(
                                match &p {
                                    Some(p) => converter::decode(p),
                                    None => converter::decode_args(&[]),
                                }
                                .map_err(|e| WorkflowError::Task(Box::new(e))),
                            );
                        }
                        Poll::Ready(Some(LocalOutcome::Done(ActivityOutcome::Failed(f)))) => {
                            return Poll::Ready(Err(WorkflowError::from_failure(f)));
                        }
                        Poll::Ready(Some(LocalOutcome::Backoff { next_attempt, backoff, original_schedule_time })) => {
                            let call = Call {
                                activity_type: call.activity_type.clone(),
                                input: std::mem::take(&mut call.input),
                                options: call.options.clone(),
                            };
                            Inner::Sleeping {
                                timer: Box::pin(super::sleep(backoff)),
                                call,
                                next_attempt,
                                original: original_schedule_time,
                            }
                        }
                    }
                }
            };
            self.inner = next;
        }
    }
}
