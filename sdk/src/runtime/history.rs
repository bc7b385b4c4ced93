//! Facts about history events that do not depend on a run's state.

use crate::protos::temporal::api::command::v1::{Command, command::Attributes as Cmd};
use crate::protos::temporal::api::enums::v1::EventType;
use crate::protos::temporal::api::history::v1::history_event::Attributes;
use crate::protos::temporal::api::history::v1::history_event::Attributes as Ev;
use crate::protos::temporal::api::history::v1::{HistoryEvent, WorkflowTaskCompletedEventAttributes};

/// The event type that an event's attributes belong to.
#[inline]
pub(crate) fn type_of_attributes(attributes: &Attributes) -> EventType {
    use Attributes as A;
    use EventType as E;
    match attributes {
        A::WorkflowExecutionStartedEventAttributes(_) => E::WorkflowExecutionStarted,
        A::WorkflowExecutionCompletedEventAttributes(_) => E::WorkflowExecutionCompleted,
        A::WorkflowExecutionFailedEventAttributes(_) => E::WorkflowExecutionFailed,
        A::WorkflowExecutionTimedOutEventAttributes(_) => E::WorkflowExecutionTimedOut,
        A::WorkflowTaskScheduledEventAttributes(_) => E::WorkflowTaskScheduled,
        A::WorkflowTaskStartedEventAttributes(_) => E::WorkflowTaskStarted,
        A::WorkflowTaskCompletedEventAttributes(_) => E::WorkflowTaskCompleted,
        A::WorkflowTaskTimedOutEventAttributes(_) => E::WorkflowTaskTimedOut,
        A::WorkflowTaskFailedEventAttributes(_) => E::WorkflowTaskFailed,
        A::ActivityTaskScheduledEventAttributes(_) => E::ActivityTaskScheduled,
        A::ActivityTaskStartedEventAttributes(_) => E::ActivityTaskStarted,
        A::ActivityTaskCompletedEventAttributes(_) => E::ActivityTaskCompleted,
        A::ActivityTaskFailedEventAttributes(_) => E::ActivityTaskFailed,
        A::ActivityTaskTimedOutEventAttributes(_) => E::ActivityTaskTimedOut,
        A::TimerStartedEventAttributes(_) => E::TimerStarted,
        A::TimerFiredEventAttributes(_) => E::TimerFired,
        A::ActivityTaskCancelRequestedEventAttributes(_) => E::ActivityTaskCancelRequested,
        A::ActivityTaskCanceledEventAttributes(_) => E::ActivityTaskCanceled,
        A::TimerCanceledEventAttributes(_) => E::TimerCanceled,
        A::MarkerRecordedEventAttributes(_) => E::MarkerRecorded,
        A::WorkflowExecutionSignaledEventAttributes(_) => E::WorkflowExecutionSignaled,
        A::WorkflowExecutionTerminatedEventAttributes(_) => E::WorkflowExecutionTerminated,
        A::WorkflowExecutionCancelRequestedEventAttributes(_) => E::WorkflowExecutionCancelRequested,
        A::WorkflowExecutionCanceledEventAttributes(_) => E::WorkflowExecutionCanceled,
        A::RequestCancelExternalWorkflowExecutionInitiatedEventAttributes(_) => {
            E::RequestCancelExternalWorkflowExecutionInitiated
        }
        A::RequestCancelExternalWorkflowExecutionFailedEventAttributes(_) => {
            E::RequestCancelExternalWorkflowExecutionFailed
        }
        A::ExternalWorkflowExecutionCancelRequestedEventAttributes(_) => E::ExternalWorkflowExecutionCancelRequested,
        A::WorkflowExecutionContinuedAsNewEventAttributes(_) => E::WorkflowExecutionContinuedAsNew,
        A::StartChildWorkflowExecutionInitiatedEventAttributes(_) => E::StartChildWorkflowExecutionInitiated,
        A::StartChildWorkflowExecutionFailedEventAttributes(_) => E::StartChildWorkflowExecutionFailed,
        A::ChildWorkflowExecutionStartedEventAttributes(_) => E::ChildWorkflowExecutionStarted,
        A::ChildWorkflowExecutionCompletedEventAttributes(_) => E::ChildWorkflowExecutionCompleted,
        A::ChildWorkflowExecutionFailedEventAttributes(_) => E::ChildWorkflowExecutionFailed,
        A::ChildWorkflowExecutionCanceledEventAttributes(_) => E::ChildWorkflowExecutionCanceled,
        A::ChildWorkflowExecutionTimedOutEventAttributes(_) => E::ChildWorkflowExecutionTimedOut,
        A::ChildWorkflowExecutionTerminatedEventAttributes(_) => E::ChildWorkflowExecutionTerminated,
        A::SignalExternalWorkflowExecutionInitiatedEventAttributes(_) => E::SignalExternalWorkflowExecutionInitiated,
        A::SignalExternalWorkflowExecutionFailedEventAttributes(_) => E::SignalExternalWorkflowExecutionFailed,
        A::ExternalWorkflowExecutionSignaledEventAttributes(_) => E::ExternalWorkflowExecutionSignaled,
        A::UpsertWorkflowSearchAttributesEventAttributes(_) => E::UpsertWorkflowSearchAttributes,
        A::WorkflowExecutionUpdateAcceptedEventAttributes(_) => E::WorkflowExecutionUpdateAccepted,
        A::WorkflowExecutionUpdateRejectedEventAttributes(_) => E::WorkflowExecutionUpdateRejected,
        A::WorkflowExecutionUpdateCompletedEventAttributes(_) => E::WorkflowExecutionUpdateCompleted,
        A::WorkflowPropertiesModifiedExternallyEventAttributes(_) => E::WorkflowPropertiesModifiedExternally,
        A::ActivityPropertiesModifiedExternallyEventAttributes(_) => E::ActivityPropertiesModifiedExternally,
        A::WorkflowPropertiesModifiedEventAttributes(_) => E::WorkflowPropertiesModified,
        A::WorkflowExecutionUpdateAdmittedEventAttributes(_) => E::WorkflowExecutionUpdateAdmitted,
        A::NexusOperationScheduledEventAttributes(_) => E::NexusOperationScheduled,
        A::NexusOperationStartedEventAttributes(_) => E::NexusOperationStarted,
        A::NexusOperationCompletedEventAttributes(_) => E::NexusOperationCompleted,
        A::NexusOperationFailedEventAttributes(_) => E::NexusOperationFailed,
        A::NexusOperationCanceledEventAttributes(_) => E::NexusOperationCanceled,
        A::NexusOperationTimedOutEventAttributes(_) => E::NexusOperationTimedOut,
        A::NexusOperationCancelRequestedEventAttributes(_) => E::NexusOperationCancelRequested,
        A::WorkflowExecutionOptionsUpdatedEventAttributes(_) => E::WorkflowExecutionOptionsUpdated,
        A::NexusOperationCancelRequestCompletedEventAttributes(_) => E::NexusOperationCancelRequestCompleted,
        A::NexusOperationCancelRequestFailedEventAttributes(_) => E::NexusOperationCancelRequestFailed,
        A::WorkflowExecutionPausedEventAttributes(_) => E::WorkflowExecutionPaused,
        A::WorkflowExecutionUnpausedEventAttributes(_) => E::WorkflowExecutionUnpaused,
        A::WorkflowExecutionTimeSkippingTransitionedEventAttributes(_) => E::WorkflowExecutionTimeSkippingTransitioned,
    }
}

/// An event's type, checked against its attributes: a history whose `eventType` says one thing
/// while its attributes say another was corrupted or hand-edited, and replaying it would apply
/// the attributes under the wrong meaning. One lookup per event, which the run then dispatches on.
#[inline]
pub(crate) fn checked_type(event: &HistoryEvent) -> Result<EventType, String> {
    let Some(attributes) = &event.attributes else {
        return Err(format!("event {} ({}) has no attributes", event.event_id, event.event_type().as_str_name()));
    };
    let carried = type_of_attributes(attributes);
    // The raw value: converting it to an `EventType` first would cost another lookup.
    if carried as i32 == event.event_type {
        Ok(carried)
    } else {
        Err(format!(
            "event {} says it is {} but carries the attributes of {}",
            event.event_id,
            event.event_type().as_str_name(),
            carried.as_str_name()
        ))
    }
}

/// Whether events of this type record a command of the workflow (matched on replay).
#[inline]
pub(crate) fn is_command_event(event_type: EventType) -> bool {
    use EventType as E;
    matches!(
        event_type,
        E::ActivityTaskScheduled
            | E::ActivityTaskCancelRequested
            | E::MarkerRecorded
            | E::RequestCancelExternalWorkflowExecutionInitiated
            | E::SignalExternalWorkflowExecutionInitiated
            | E::StartChildWorkflowExecutionInitiated
            | E::TimerCanceled
            | E::TimerStarted
            | E::UpsertWorkflowSearchAttributes
            | E::WorkflowPropertiesModified
            | E::NexusOperationScheduled
            | E::NexusOperationCancelRequested
            | E::WorkflowExecutionCanceled
            | E::WorkflowExecutionCompleted
            | E::WorkflowExecutionContinuedAsNew
            | E::WorkflowExecutionFailed
            | E::WorkflowExecutionUpdateAccepted
            | E::WorkflowExecutionUpdateRejected
            | E::WorkflowExecutionUpdateCompleted
    )
}

/// The name this SDK records in the metadata of its workflow-task completions.
pub(crate) const SDK_NAME: &str = "temporal-rust";

/// sdk-core's internal flag for "ids and types of activities, local activities and children
/// are checked on replay"; the core-based SDKs read it from history, so this SDK records it.
pub(crate) const ID_AND_TYPE_CHECKS_FLAG: u32 = 1;

/// Whether the SDK that completed this workflow task checked operation ids on replay, so that
/// a different id in history is a real change rather than another SDK's naming.
pub(crate) fn checks_ids(completed: &WorkflowTaskCompletedEventAttributes) -> bool {
    completed
        .sdk_metadata
        .as_ref()
        .is_some_and(|m| m.sdk_name == SDK_NAME || m.core_used_flags.contains(&ID_AND_TYPE_CHECKS_FLAG))
}

/// A short description of a command for error messages.
pub(crate) fn describe_command(c: &Command) -> String {
    match &c.attributes {
        Some(Cmd::StartTimerCommandAttributes(a)) => format!("StartTimer(timer_id={:?})", a.timer_id),
        Some(Cmd::CancelTimerCommandAttributes(a)) => format!("CancelTimer(timer_id={:?})", a.timer_id),
        Some(Cmd::ScheduleActivityTaskCommandAttributes(a)) => format!(
            "ScheduleActivityTask(activity_type={:?}, activity_id={:?})",
            a.activity_type.as_ref().map(|t| t.name.as_str()).unwrap_or(""),
            a.activity_id
        ),
        Some(Cmd::StartChildWorkflowExecutionCommandAttributes(a)) => format!(
            "StartChildWorkflowExecution(workflow_type={:?}, workflow_id={:?})",
            a.workflow_type.as_ref().map(|t| t.name.as_str()).unwrap_or(""),
            a.workflow_id
        ),
        Some(Cmd::SignalExternalWorkflowExecutionCommandAttributes(a)) => format!(
            "SignalExternalWorkflowExecution(signal_name={:?}, workflow_id={:?})",
            a.signal_name,
            a.execution.as_ref().map(|e| e.workflow_id.as_str()).unwrap_or("")
        ),
        Some(Cmd::RecordMarkerCommandAttributes(a)) => format!("RecordMarker(marker_name={:?})", a.marker_name),
        Some(Cmd::ProtocolMessageCommandAttributes(a)) => format!("ProtocolMessage(message_id={:?})", a.message_id),
        Some(other) => command_kind(other).to_string(),
        None => "an empty command".to_string(),
    }
}

fn command_kind(a: &Cmd) -> &'static str {
    match a {
        Cmd::CompleteWorkflowExecutionCommandAttributes(_) => "CompleteWorkflowExecution",
        Cmd::FailWorkflowExecutionCommandAttributes(_) => "FailWorkflowExecution",
        Cmd::CancelWorkflowExecutionCommandAttributes(_) => "CancelWorkflowExecution",
        Cmd::ContinueAsNewWorkflowExecutionCommandAttributes(_) => "ContinueAsNewWorkflowExecution",
        Cmd::RequestCancelActivityTaskCommandAttributes(_) => "RequestCancelActivityTask",
        Cmd::RequestCancelExternalWorkflowExecutionCommandAttributes(_) => "RequestCancelExternalWorkflowExecution",
        Cmd::UpsertWorkflowSearchAttributesCommandAttributes(_) => "UpsertWorkflowSearchAttributes",
        Cmd::ModifyWorkflowPropertiesCommandAttributes(_) => "ModifyWorkflowProperties",
        _ => "command",
    }
}

/// A short description of a history event for error messages.
pub(crate) fn describe_event(e: &HistoryEvent) -> String {
    let detail = match &e.attributes {
        Some(Ev::TimerStartedEventAttributes(a)) => format!("(timer_id={:?})", a.timer_id),
        Some(Ev::TimerCanceledEventAttributes(a)) => format!("(timer_id={:?})", a.timer_id),
        Some(Ev::ActivityTaskScheduledEventAttributes(a)) => format!(
            "(activity_type={:?}, activity_id={:?})",
            a.activity_type.as_ref().map(|t| t.name.as_str()).unwrap_or(""),
            a.activity_id
        ),
        Some(Ev::StartChildWorkflowExecutionInitiatedEventAttributes(a)) => format!(
            "(workflow_type={:?}, workflow_id={:?})",
            a.workflow_type.as_ref().map(|t| t.name.as_str()).unwrap_or(""),
            a.workflow_id
        ),
        Some(Ev::MarkerRecordedEventAttributes(a)) => format!("(marker_name={:?})", a.marker_name),
        _ => String::new(),
    };
    let name = e.event_type().as_str_name().trim_start_matches("EVENT_TYPE_").to_string();
    format!("event {} {}{}", e.event_id, pascal(&name), detail)
}

fn pascal(screaming: &str) -> String {
    screaming
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_string() + &c.as_str().to_lowercase(),
                None => String::new(),
            }
        })
        .collect()
}
