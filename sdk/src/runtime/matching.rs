//! Replay: whether a command the code issued is the one a command event in history records.
//! Commands are matched on kind and identity (ids, types, names), not on their inputs.

use super::jobs::EventIndex;
use super::ops::{EmittedCommand, activity, child, external, local_activity, patch};
use super::state::RunState;
use crate::protos::temporal::api::command::v1::command::Attributes as Cmd;
use crate::protos::temporal::api::history::v1::{HistoryEvent, history_event::Attributes as Ev};

/// Whether `cmd` is what `event` records; a match also tells the operation its event.
pub(crate) fn same(
    cmd: &EmittedCommand,
    event: &HistoryEvent,
    index: &mut EventIndex,
    st: &mut RunState,
    id_checks: bool,
) -> bool {
    match (&cmd.command.attributes, &event.attributes) {
        (Some(Cmd::StartTimerCommandAttributes(c)), Some(Ev::TimerStartedEventAttributes(e))) => {
            c.timer_id == e.timer_id
        }
        (Some(Cmd::CancelTimerCommandAttributes(c)), Some(Ev::TimerCanceledEventAttributes(e))) => {
            c.timer_id == e.timer_id
        }
        (Some(Cmd::ScheduleActivityTaskCommandAttributes(c)), Some(Ev::ActivityTaskScheduledEventAttributes(e))) => {
            let same = activity::matches(c, e, id_checks);
            if same {
                index.record(event.event_id, cmd.seq);
                st.activities.scheduled(cmd.seq, event.event_id);
            }
            same
        }
        (
            Some(Cmd::RequestCancelActivityTaskCommandAttributes(c)),
            Some(Ev::ActivityTaskCancelRequestedEventAttributes(e)),
        ) => c.scheduled_event_id == e.scheduled_event_id,
        (
            Some(Cmd::StartChildWorkflowExecutionCommandAttributes(c)),
            Some(Ev::StartChildWorkflowExecutionInitiatedEventAttributes(e)),
        ) => {
            let same = child::matches(c, e, id_checks);
            if same {
                index.record(event.event_id, cmd.seq);
                st.children.initiated(cmd.seq, event.event_id);
            }
            same
        }
        (
            Some(Cmd::SignalExternalWorkflowExecutionCommandAttributes(c)),
            Some(Ev::SignalExternalWorkflowExecutionInitiatedEventAttributes(e)),
        ) => {
            let same = c.signal_name == e.signal_name
                && c.execution.as_ref().is_some_and(|x| external::same_target(&x.workflow_id, &e.workflow_execution));
            if same {
                index.record(event.event_id, cmd.seq);
            }
            same
        }
        (
            Some(Cmd::RequestCancelExternalWorkflowExecutionCommandAttributes(c)),
            Some(Ev::RequestCancelExternalWorkflowExecutionInitiatedEventAttributes(e)),
        ) => {
            let same = external::same_target(&c.workflow_id, &e.workflow_execution);
            if same {
                index.record(event.event_id, cmd.seq);
            }
            same
        }
        (Some(Cmd::RecordMarkerCommandAttributes(c)), Some(Ev::MarkerRecordedEventAttributes(e))) => {
            c.marker_name == e.marker_name
                && local_activity::same_marker(c, e).unwrap_or_else(|| patch::same_marker(c, e))
        }
        (
            Some(Cmd::UpsertWorkflowSearchAttributesCommandAttributes(_)),
            Some(Ev::UpsertWorkflowSearchAttributesEventAttributes(_)),
        )
        | (
            Some(Cmd::ModifyWorkflowPropertiesCommandAttributes(_)),
            Some(Ev::WorkflowPropertiesModifiedEventAttributes(_)),
        )
        | (
            Some(Cmd::CompleteWorkflowExecutionCommandAttributes(_)),
            Some(Ev::WorkflowExecutionCompletedEventAttributes(_)),
        )
        | (Some(Cmd::FailWorkflowExecutionCommandAttributes(_)), Some(Ev::WorkflowExecutionFailedEventAttributes(_)))
        | (
            Some(Cmd::CancelWorkflowExecutionCommandAttributes(_)),
            Some(Ev::WorkflowExecutionCanceledEventAttributes(_)),
        )
        | (
            Some(Cmd::ContinueAsNewWorkflowExecutionCommandAttributes(_)),
            Some(Ev::WorkflowExecutionContinuedAsNewEventAttributes(_)),
        ) => true,
        (
            Some(Cmd::ProtocolMessageCommandAttributes(c)),
            Some(Ev::WorkflowExecutionUpdateAcceptedEventAttributes(e)),
        ) => c.message_id == format!("{}/accept", e.protocol_instance_id),
        (
            Some(Cmd::ProtocolMessageCommandAttributes(c)),
            Some(Ev::WorkflowExecutionUpdateCompletedEventAttributes(e)),
        ) => e.meta.as_ref().is_some_and(|m| c.message_id == format!("{}/complete", m.update_id)),
        _ => false,
    }
}
