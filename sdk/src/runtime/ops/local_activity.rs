//! Local activities: run by the worker while the workflow task waits, recorded as a
//! `core_local_activity` marker in sdk-core's layout, resolved from that marker on replay.

use std::collections::HashMap;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::activity::ActivityOutcome;
use super::{Op, OpKind, Slot};
use crate::common::{RetryPolicy, time_from_proto, time_to_proto};
use crate::converter;
use crate::error::{Failure, FailureKind, RetryState};
use crate::protos::temporal::api::command::v1::{RecordMarkerCommandAttributes, command::Attributes as Cmd};
use crate::protos::temporal::api::common::v1::{Payload, Payloads};
use crate::protos::temporal::api::history::v1::MarkerRecordedEventAttributes;
use crate::runtime::state::RunState;

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
    /// What the interceptors put in the headers, for the activity to read.
    pub(crate) header: Option<crate::protos::temporal::api::common::v1::Header>,
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

/// The run's local activities by sequence number: requests not yet handed to the worker,
/// and (replaying) results recorded in history.
#[derive(Debug, Default)]
pub(crate) struct LocalActivities {
    last_seq: u32,
    slots: HashMap<u32, Slot<LocalOutcome>>,
    /// Type and id of each pending local activity.
    meta: HashMap<u32, (String, String)>,
    /// When each local activity's first attempt was scheduled (kept across timer backoffs).
    original: HashMap<u32, SystemTime>,
    pub(crate) requests: Vec<LocalActivityRequest>,
    pub(crate) markers: HashMap<u32, LocalActivityResult>,
}

impl LocalActivities {
    /// Asks the worker to run attempt `attempt` of a local activity (a new sequence number).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn request(
        &mut self,
        activity_type: &str,
        activity_id: Option<String>,
        input: Vec<Payload>,
        options: LocalActivityOptions,
        now: SystemTime,
        attempt: u32,
        original: Option<SystemTime>,
    ) -> u32 {
        self.last_seq += 1;
        let seq = self.last_seq;
        let request = LocalActivityRequest {
            seq,
            activity_id: activity_id.unwrap_or_else(|| seq.to_string()),
            activity_type: activity_type.to_string(),
            input,
            options,
            scheduled: now,
            attempt,
            original_schedule_time: original.unwrap_or(now),
        };
        self.slots.insert(seq, Slot::default());
        self.meta.insert(seq, (request.activity_type.clone(), request.activity_id.clone()));
        self.original.insert(seq, request.original_schedule_time);
        self.requests.push(request);
        seq
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

/// Resolves a local activity: records its marker and wakes the code waiting for it.
pub(crate) fn resolve(st: &mut RunState, result: LocalActivityResult) {
    let table = &mut st.local_activities;
    let Some((activity_type, activity_id)) = table.meta.get(&result.seq).cloned() else { return };
    let data = MarkerData {
        seq: result.seq,
        attempt: result.attempt,
        activity_id: activity_id.clone(),
        activity_type: activity_type.clone(),
        complete_time: Some(timestamp(result.complete_time)),
        backoff: result.backoff.map(|b| Timestamp { seconds: b.as_secs() as i64, nanos: b.subsec_nanos() as i32 }),
        original_schedule_time: table.original.get(&result.seq).copied().map(timestamp),
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
            original_schedule_time: table.original.get(&result.seq).copied().unwrap_or(result.complete_time),
        },
        (_, outcome) => LocalOutcome::Done(outcome),
    };
    let attrs = RecordMarkerCommandAttributes {
        marker_name: LOCAL_ACTIVITY_MARKER.into(),
        details,
        failure,
        ..Default::default()
    };
    table.original.remove(&result.seq);
    if let Some(slot) = table.slots.get_mut(&result.seq) {
        slot.resolve(outcome);
    }
    st.commands.push(Cmd::RecordMarkerCommandAttributes(attrs), result.seq);
    st.owners.finish(OpKind::LocalActivity, result.seq);
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

/// [`OpFuture`](super::OpFuture) over one attempt series of a local activity (a timer backoff
/// between attempts is the caller's business).
pub(crate) struct LocalActivityOp;

impl Op for LocalActivityOp {
    const KIND: OpKind = OpKind::LocalActivity;
    const WHAT: &'static str = "Local activity";
    // It runs inside this very task and finishes briefly: there is nothing to cancel.
    const CANCEL_ON_DROP: bool = false;
    type Output = LocalOutcome;

    fn take(st: &mut RunState, seq: u32, cx: &Context<'_>) -> Poll<Option<Result<LocalOutcome, Box<Failure>>>> {
        match st.local_activities.slots.get_mut(&seq) {
            Some(slot) => slot.take(cx).map(|o| Some(Ok(o))),
            None => Poll::Ready(None),
        }
    }

    fn is_open(st: &RunState, seq: u32) -> bool {
        st.local_activities.slots.get(&seq).is_some_and(Slot::is_open)
    }

    fn done(st: &mut RunState, seq: u32) {
        st.local_activities.slots.remove(&seq);
    }
}
