//! Activities: `ScheduleActivityTask`, resolved by the activity's completed, failed, timed out
//! or cancelled event; cancelled per the activity's cancellation type.

use std::collections::HashMap;
use std::task::{Context, Poll};

use super::{Commands, Op, OpKind, Slot};
use crate::error::{Failure, FailureKind, RetryState};
use crate::protos::temporal::api::command::v1::{
    RequestCancelActivityTaskCommandAttributes, ScheduleActivityTaskCommandAttributes, command,
};
use crate::protos::temporal::api::common::v1::Payload;
use crate::protos::temporal::api::history::v1::ActivityTaskScheduledEventAttributes;
use crate::runtime::state::RunState;

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

/// How an activity ended, as history tells it.
#[derive(Debug, Clone)]
pub(crate) enum ActivityOutcome {
    Completed(Option<Payload>),
    Failed(Failure),
}

impl ActivityOutcome {
    pub(crate) fn into_result(self) -> Result<Option<Payload>, Box<Failure>> {
        match self {
            ActivityOutcome::Completed(p) => Ok(p),
            ActivityOutcome::Failed(f) => Err(Box::new(f)),
        }
    }
}

/// What the runtime keeps about a scheduled activity to cancel it and describe its failures.
#[derive(Debug, Clone)]
struct ActivityMeta {
    activity_type: String,
    activity_id: String,
    cancellation_type: ActivityCancellationType,
    /// Known once history recorded the schedule command.
    scheduled_event_id: Option<i64>,
}

/// The run's activities by sequence number.
#[derive(Debug, Default)]
pub(crate) struct Activities {
    last_seq: u32,
    slots: HashMap<u32, (Slot<ActivityOutcome>, ActivityMeta)>,
}

impl Activities {
    /// Issues `ScheduleActivityTask` (the activity id defaults to the sequence number) and
    /// returns the activity's sequence number.
    pub(crate) fn schedule(
        &mut self,
        commands: &mut Commands,
        mut attrs: ScheduleActivityTaskCommandAttributes,
        cancellation_type: ActivityCancellationType,
    ) -> u32 {
        self.last_seq += 1;
        let seq = self.last_seq;
        if attrs.activity_id.is_empty() {
            attrs.activity_id = seq.to_string();
        }
        let meta = ActivityMeta {
            activity_type: attrs.activity_type.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
            activity_id: attrs.activity_id.clone(),
            cancellation_type,
            scheduled_event_id: None,
        };
        commands.push(command::Attributes::ScheduleActivityTaskCommandAttributes(attrs), seq);
        self.slots.insert(seq, (Slot::default(), meta));
        seq
    }

    /// History recorded the schedule command as event `event_id`.
    pub(crate) fn scheduled(&mut self, seq: u32, event_id: i64) {
        if let Some((_, meta)) = self.slots.get_mut(&seq) {
            meta.scheduled_event_id = Some(event_id);
        }
    }

    pub(crate) fn resolve(&mut self, seq: u32, outcome: ActivityOutcome) {
        if let Some((slot, _)) = self.slots.get_mut(&seq) {
            slot.resolve(outcome);
        }
    }

    /// The failure an activity event reports, wrapped as every SDK wraps it: the activity's
    /// type, id and event ids, caused by `cause`.
    pub(crate) fn failure(
        &self,
        seq: u32,
        message: &str,
        started_event_id: i64,
        identity: &str,
        retry_state: i32,
        cause: Option<Failure>,
    ) -> Failure {
        let meta = self.slots.get(&seq).map(|(_, m)| m);
        let mut f = Failure::new(
            message,
            FailureKind::Activity {
                activity_type: meta.map(|m| m.activity_type.clone()).unwrap_or_default(),
                activity_id: meta.map(|m| m.activity_id.clone()).unwrap_or_else(|| seq.to_string()),
                retry_state: RetryState::try_from(retry_state).unwrap_or(RetryState::Unspecified),
                scheduled_event_id: meta.and_then(|m| m.scheduled_event_id).unwrap_or_default(),
                started_event_id,
                identity: identity.to_string(),
            },
        );
        f.source = String::new();
        f.cause = cause.map(Box::new);
        f
    }

    /// Cancels an activity per its cancellation type; one that already finished stays
    /// finished (a cancel command for it would be rejected by the server).
    pub(crate) fn cancel(&mut self, commands: &mut Commands, seq: u32) {
        let Some((slot, meta)) = self.slots.get_mut(&seq).filter(|(s, _)| s.is_open()) else { return };
        let unsent = commands.remove_unsent(|c| {
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
                            commands.push(command::Attributes::RequestCancelActivityTaskCommandAttributes(attrs), seq);
                        }
                        None => tracing::warn!(
                            activity_id = %meta.activity_id,
                            "cannot request cancellation: the activity's schedule event is unknown"
                        ),
                    }
                    meta.cancellation_type == ActivityCancellationType::TryCancel
                }
            };
        if resolve_now {
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
            slot.resolve(ActivityOutcome::Failed(f));
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

/// Whether a schedule command and a scheduled event are the same activity: same type, and
/// same id when the history's SDK checked ids (see `WorkflowRun::id_checks`).
pub(crate) fn matches(
    command: &ScheduleActivityTaskCommandAttributes,
    event: &ActivityTaskScheduledEventAttributes,
    check_ids: bool,
) -> bool {
    (command.activity_id == event.activity_id || !check_ids) && command.activity_type == event.activity_type
}

/// [`OpFuture`](super::OpFuture) over an activity.
pub(crate) struct ActivityOp;

impl Op for ActivityOp {
    const KIND: OpKind = OpKind::Activity;
    const WHAT: &'static str = "Activity";
    type Output = Option<Payload>;

    fn take(st: &mut RunState, seq: u32, cx: &Context<'_>) -> Poll<Option<Result<Option<Payload>, Box<Failure>>>> {
        match st.activities.slots.get_mut(&seq) {
            Some((slot, _)) => slot.take(cx).map(|o| Some(o.into_result())),
            None => Poll::Ready(None),
        }
    }

    fn is_open(st: &RunState, seq: u32) -> bool {
        st.activities.slots.get(&seq).is_some_and(|(s, _)| s.is_open())
    }

    fn done(st: &mut RunState, seq: u32) {
        st.activities.slots.remove(&seq);
    }
}
