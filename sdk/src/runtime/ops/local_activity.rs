//! Local activities: run by the worker while the workflow task waits, recorded as a
//! `core_local_activity` marker in sdk-core's layout, resolved from that marker on replay.
//!
//! A local activity is pending from its request until its marker is recorded. While any is
//! pending the live workflow task stays open (the worker heartbeats it past its timeout), and
//! results come back one per activation, in the order their markers then take in history: a
//! replay resolves the markers in that same order, one per activation, so workflow code sees
//! the same interleavings. Cancelling one records its marker at once (try-cancel, abandon, or
//! one whose request never left the run) or when the worker reports how it ended
//! (wait-cancellation-completed).

use std::collections::{BTreeMap, HashMap};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::activity::{ActivityCancellationType, ActivityOutcome};
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
/// A local activity runs while its workflow task is open; an attempt that outlasts 80 % of the
/// workflow task timeout makes the worker complete the task without the result and ask for a
/// new one (a workflow task heartbeat), as often as needed. Retries wait inside the task until
/// `local_retry_threshold`; longer backoffs become durable timers. Use a normal activity for
/// long work that needs heartbeats of its own.
///
/// ```
/// use std::time::Duration;
/// use temporal_sdk::workflow::{ActivityCancellationType, LocalActivityOptions};
///
/// let options = LocalActivityOptions::start_to_close(Duration::from_secs(30))
///     .activity_id("lookup-1")
///     .cancellation_type(ActivityCancellationType::WaitCancellationCompleted);
/// # let _ = options;
/// ```
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
    /// What cancelling does (as in Python, try-cancel by default): `TryCancel` tells the
    /// worker to cancel the running activity and resolves at once; `WaitCancellationCompleted`
    /// tells it and resolves with whatever the activity then returns; `Abandon` resolves at once
    /// and lets the activity run on (until the workflow closes).
    pub cancellation_type: ActivityCancellationType,
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
    /// Sets the start-to-close timeout.
    pub fn start_to_close_timeout(mut self, timeout: Duration) -> Self {
        self.start_to_close_timeout = Some(timeout);
        self
    }
    /// Sets the schedule-to-close timeout.
    pub fn schedule_to_close_timeout(mut self, timeout: Duration) -> Self {
        self.schedule_to_close_timeout = Some(timeout);
        self
    }
    /// Sets the activity id.
    pub fn activity_id(mut self, id: impl Into<String>) -> Self {
        self.activity_id = Some(id.into());
        self
    }
    /// Sets how long retries may wait inside one workflow task.
    pub fn local_retry_threshold(mut self, threshold: Duration) -> Self {
        self.local_retry_threshold = Some(threshold);
        self
    }
    /// Sets the cancellation type.
    pub fn cancellation_type(mut self, cancellation_type: ActivityCancellationType) -> Self {
        self.cancellation_type = cancellation_type;
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
    /// When the attempt ended (`None` for a cancellation recorded without waiting for it).
    pub(crate) complete_time: Option<SystemTime>,
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

/// What the run keeps about a local activity until its marker is recorded.
#[derive(Debug, Clone)]
struct Pending {
    activity_type: String,
    activity_id: String,
    cancellation_type: ActivityCancellationType,
    /// When its first attempt was scheduled (kept across timer backoffs).
    original: SystemTime,
    /// Whether the request left the run (live: handed to the worker; replaying: the point
    /// where it would have been).
    started: bool,
}

/// The run's local activities by sequence number: requests not yet handed to the worker,
/// those still pending, cancellations for the worker, and (replaying) the results recorded in
/// history.
#[derive(Debug, Default)]
pub(crate) struct LocalActivities {
    last_seq: u32,
    slots: HashMap<u32, Slot<LocalOutcome>>,
    pending: BTreeMap<u32, Pending>,
    pub(crate) requests: Vec<LocalActivityRequest>,
    /// Running local activities the worker must cancel.
    pub(crate) cancels: Vec<u32>,
    /// Markers of the task being replayed, in history order.
    markers: Vec<LocalActivityResult>,
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
            scheduled: now,
            attempt,
            original_schedule_time: original.unwrap_or(now),
            options,
        };
        self.slots.insert(seq, Slot::default());
        self.pending.insert(
            seq,
            Pending {
                activity_type: request.activity_type.clone(),
                activity_id: request.activity_id.clone(),
                cancellation_type: request.options.cancellation_type,
                original: request.original_schedule_time,
                started: false,
            },
        );
        self.requests.push(request);
        seq
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.slots.is_empty() && self.pending.is_empty()
    }

    /// Whether a local activity still waits for its marker.
    pub(crate) fn any_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The code stalled: the requests made so far leave the run now.
    pub(crate) fn mark_started(&mut self) {
        for r in &self.requests {
            if let Some(p) = self.pending.get_mut(&r.seq) {
                p.started = true;
            }
        }
    }

    /// Keeps the markers of the task about to be replayed (in history order).
    pub(crate) fn add_marker(&mut self, result: LocalActivityResult) {
        self.markers.push(result);
    }

    /// Forgets markers no code asked for (a task's look-ahead is done with).
    pub(crate) fn clear_markers(&mut self) {
        self.markers.clear();
    }

    /// The first marker (in history order) of a local activity the code is waiting for.
    fn next_marker(&mut self) -> Option<LocalActivityResult> {
        let i = self.markers.iter().position(|m| self.requests.iter().any(|r| r.seq == m.seq))?;
        let marker = self.markers.remove(i);
        self.requests.retain(|r| r.seq != marker.seq);
        Some(marker)
    }
}

/// Replaying: resolves the next local activity whose marker the task's history holds; false
/// when there is none (the code then waits as it did live).
pub(crate) fn resolve_next_marker(st: &mut RunState) -> bool {
    match st.local_activities.next_marker() {
        Some(result) => {
            resolve(st, result);
            true
        }
        None => false,
    }
}

/// The failure workflow code sees for a local activity that ended with `cause`.
fn wrapped_failure(pending: &Pending, cause: Failure) -> Failure {
    let (message, retry_state) = if matches!(cause.kind, FailureKind::Cancelled { .. }) {
        ("Local Activity cancelled", RetryState::CancelRequested)
    } else {
        ("Local activity failed", RetryState::NonRetryableFailure)
    };
    let mut f = Failure::new(
        message,
        FailureKind::Activity {
            activity_type: pending.activity_type.clone(),
            activity_id: pending.activity_id.clone(),
            retry_state,
            scheduled_event_id: 0,
            started_event_id: 0,
            identity: String::new(),
        },
    )
    .with_cause(cause);
    f.source = String::new();
    f
}

/// Resolves a local activity: records its marker and wakes the code waiting for it. A result
/// of one whose marker is already recorded (cancelled without waiting) is dropped.
pub(crate) fn resolve(st: &mut RunState, result: LocalActivityResult) {
    let table = &mut st.local_activities;
    let Some(pending) = table.pending.remove(&result.seq) else { return };
    let data = MarkerData {
        seq: result.seq,
        attempt: result.attempt,
        activity_id: pending.activity_id.clone(),
        activity_type: pending.activity_type.clone(),
        complete_time: result.complete_time.map(timestamp),
        backoff: result.backoff.map(|b| Timestamp { seconds: b.as_secs() as i64, nanos: b.subsec_nanos() as i32 }),
        original_schedule_time: Some(timestamp(pending.original)),
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
        Err(cause) => (Some(cause.to_proto()), ActivityOutcome::Failed(wrapped_failure(&pending, cause))),
    };
    let outcome = match (result.backoff, outcome) {
        (Some(backoff), ActivityOutcome::Failed(_)) => LocalOutcome::Backoff {
            next_attempt: result.attempt + 1,
            backoff,
            original_schedule_time: pending.original,
        },
        (_, outcome) => LocalOutcome::Done(outcome),
    };
    let attrs = RecordMarkerCommandAttributes {
        marker_name: LOCAL_ACTIVITY_MARKER.into(),
        details,
        failure,
        ..Default::default()
    };
    if let Some(slot) = table.slots.get_mut(&result.seq) {
        slot.resolve(outcome);
    }
    // The workflow's clock moves to when the activity ended, live and replaying alike (the
    // marker holds that time), as sdk-core moves it.
    if let Some(t) = result.complete_time {
        st.now = st.now.max(t);
    }
    st.commands.push(Cmd::RecordMarkerCommandAttributes(attrs), result.seq);
    st.owners.finish(OpKind::LocalActivity, result.seq);
}

/// Cancels a pending local activity per its cancellation type. One whose request never left
/// the run, and try-cancel and abandon, record their cancellation marker now (attempt 0, the
/// layout sdk-core writes); wait-cancellation-completed leaves the marker to the worker's
/// report of how the cancelled activity ended. Try-cancel and wait tell the worker.
pub(crate) fn cancel(st: &mut RunState, seq: u32) {
    let table = &mut st.local_activities;
    let Some(pending) = table.pending.get(&seq) else { return };
    let (started, cancellation_type) = (pending.started, pending.cancellation_type);
    if started && cancellation_type != ActivityCancellationType::Abandon {
        table.cancels.push(seq);
    }
    if started && cancellation_type == ActivityCancellationType::WaitCancellationCompleted {
        return;
    }
    table.requests.retain(|r| r.seq != seq);
    table.markers.retain(|m| m.seq != seq);
    // sdk-core stamps the completion time only on a wait-type activity that never started.
    let complete_time =
        (!started && cancellation_type == ActivityCancellationType::WaitCancellationCompleted).then_some(st.now);
    let mut cause = Failure::cancelled("Activity cancelled");
    cause.source = String::new();
    resolve(st, LocalActivityResult { seq, attempt: 0, outcome: Err(cause), complete_time, backoff: None });
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
    let complete_time = data.complete_time.as_ref().map(from_timestamp);
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
