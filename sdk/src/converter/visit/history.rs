//! The payloads of history events, commands, and the update protocol's messages.

use std::collections::HashMap;

use super::{PayloadVisitor, Visit, visit_fields};
use crate::protos::temporal::api::command::v1 as command;
use crate::protos::temporal::api::common::v1::Payloads;
use crate::protos::temporal::api::failure::v1::Failure;
use crate::protos::temporal::api::history::v1 as history;
use crate::protos::temporal::api::protocol::v1::Message;
use crate::protos::temporal::api::query::v1::{WorkflowQuery, WorkflowQueryResult};
use crate::protos::temporal::api::update::v1 as update;

/// The marker sdk-core (and this SDK) records a local activity's outcome in.
const LOCAL_ACTIVITY_MARKER: &str = "core_local_activity";
/// The local activity marker's detail holding the activity's result, the one user payload in
/// it; its `data` detail is the SDK's bookkeeping.
const LOCAL_ACTIVITY_RESULT: &str = "result";

/// A marker's user payloads: only a local activity's result; its failure is the activity's.
fn visit_marker(
    name: &str,
    details: &mut HashMap<String, Payloads>,
    failure: &mut Option<Failure>,
    v: &mut dyn PayloadVisitor,
) {
    if name == LOCAL_ACTIVITY_MARKER {
        if let Some(result) = details.get_mut(LOCAL_ACTIVITY_RESULT) {
            result.visit(v);
        }
        failure.visit(v);
    }
}

impl Visit for history::MarkerRecordedEventAttributes {
    fn visit(&mut self, v: &mut dyn PayloadVisitor) {
        visit_marker(&self.marker_name, &mut self.details, &mut self.failure, v);
    }
}

impl Visit for command::RecordMarkerCommandAttributes {
    fn visit(&mut self, v: &mut dyn PayloadVisitor) {
        visit_marker(&self.marker_name, &mut self.details, &mut self.failure, v);
    }
}

visit_fields! {
    history::History { events }
    history::WorkflowExecutionStartedEventAttributes { input, continued_failure, last_completion_result, memo }
    history::WorkflowExecutionCompletedEventAttributes { result }
    history::WorkflowExecutionFailedEventAttributes { failure }
    history::WorkflowTaskFailedEventAttributes { failure }
    history::ActivityTaskScheduledEventAttributes { input }
    history::ActivityTaskStartedEventAttributes { last_failure }
    history::ActivityTaskCompletedEventAttributes { result }
    history::ActivityTaskFailedEventAttributes { failure }
    history::ActivityTaskTimedOutEventAttributes { failure }
    history::ActivityTaskCanceledEventAttributes { details }
    history::WorkflowExecutionSignaledEventAttributes { input }
    history::WorkflowExecutionTerminatedEventAttributes { details }
    history::WorkflowExecutionCanceledEventAttributes { details }
    history::WorkflowExecutionContinuedAsNewEventAttributes { input, failure, last_completion_result, memo }
    history::StartChildWorkflowExecutionInitiatedEventAttributes { input, memo }
    history::ChildWorkflowExecutionCompletedEventAttributes { result }
    history::ChildWorkflowExecutionFailedEventAttributes { failure }
    history::ChildWorkflowExecutionCanceledEventAttributes { details }
    history::SignalExternalWorkflowExecutionInitiatedEventAttributes { input }
    history::WorkflowExecutionUpdateAcceptedEventAttributes { accepted_request }
    history::WorkflowExecutionUpdateRejectedEventAttributes { rejected_request, failure }
    history::WorkflowExecutionUpdateCompletedEventAttributes { outcome }
    history::WorkflowExecutionUpdateAdmittedEventAttributes { request }
    history::WorkflowPropertiesModifiedExternallyEventAttributes { upserted_memo }
    history::WorkflowPropertiesModifiedEventAttributes { upserted_memo }
    history::NexusOperationScheduledEventAttributes { input }
    history::NexusOperationCompletedEventAttributes { result }
    history::NexusOperationFailedEventAttributes { failure }
    history::NexusOperationCanceledEventAttributes { failure }
    history::NexusOperationTimedOutEventAttributes { failure }
    history::NexusOperationCancelRequestFailedEventAttributes { failure }
    command::ScheduleActivityTaskCommandAttributes { input }
    command::CompleteWorkflowExecutionCommandAttributes { result }
    command::FailWorkflowExecutionCommandAttributes { failure }
    command::CancelWorkflowExecutionCommandAttributes { details }
    command::ContinueAsNewWorkflowExecutionCommandAttributes { input, failure, last_completion_result, memo }
    command::StartChildWorkflowExecutionCommandAttributes { input, memo }
    command::SignalExternalWorkflowExecutionCommandAttributes { input }
    command::ModifyWorkflowPropertiesCommandAttributes { upserted_memo }
    command::ScheduleNexusOperationCommandAttributes { input }
    update::Request { input }
    update::Input { args }
    update::Response { outcome }
    update::Rejection { failure, rejected_request }
    update::Acceptance { accepted_request }
    WorkflowQuery { query_args }
    WorkflowQueryResult { answer, failure }
}

impl Visit for update::Outcome {
    fn visit(&mut self, v: &mut dyn PayloadVisitor) {
        match &mut self.value {
            Some(update::outcome::Value::Success(p)) => p.visit(v),
            Some(update::outcome::Value::Failure(f)) => f.visit(v),
            None => {}
        }
    }
}

impl Visit for history::HistoryEvent {
    fn visit(&mut self, v: &mut dyn PayloadVisitor) {
        use history::history_event::Attributes as A;
        self.user_metadata.visit(v);
        let Some(attributes) = &mut self.attributes else { return };
        match attributes {
            A::WorkflowExecutionStartedEventAttributes(a) => a.visit(v),
            A::WorkflowExecutionCompletedEventAttributes(a) => a.visit(v),
            A::WorkflowExecutionFailedEventAttributes(a) => a.visit(v),
            A::WorkflowTaskFailedEventAttributes(a) => a.visit(v),
            A::ActivityTaskScheduledEventAttributes(a) => a.visit(v),
            A::ActivityTaskStartedEventAttributes(a) => a.visit(v),
            A::ActivityTaskCompletedEventAttributes(a) => a.visit(v),
            A::ActivityTaskFailedEventAttributes(a) => a.visit(v),
            A::ActivityTaskTimedOutEventAttributes(a) => a.visit(v),
            A::ActivityTaskCanceledEventAttributes(a) => a.visit(v),
            A::MarkerRecordedEventAttributes(a) => a.visit(v),
            A::WorkflowExecutionSignaledEventAttributes(a) => a.visit(v),
            A::WorkflowExecutionTerminatedEventAttributes(a) => a.visit(v),
            A::WorkflowExecutionCanceledEventAttributes(a) => a.visit(v),
            A::WorkflowExecutionContinuedAsNewEventAttributes(a) => a.visit(v),
            A::StartChildWorkflowExecutionInitiatedEventAttributes(a) => a.visit(v),
            A::ChildWorkflowExecutionCompletedEventAttributes(a) => a.visit(v),
            A::ChildWorkflowExecutionFailedEventAttributes(a) => a.visit(v),
            A::ChildWorkflowExecutionCanceledEventAttributes(a) => a.visit(v),
            A::SignalExternalWorkflowExecutionInitiatedEventAttributes(a) => a.visit(v),
            A::WorkflowExecutionUpdateAcceptedEventAttributes(a) => a.visit(v),
            A::WorkflowExecutionUpdateRejectedEventAttributes(a) => a.visit(v),
            A::WorkflowExecutionUpdateCompletedEventAttributes(a) => a.visit(v),
            A::WorkflowExecutionUpdateAdmittedEventAttributes(a) => a.visit(v),
            A::WorkflowPropertiesModifiedExternallyEventAttributes(a) => a.visit(v),
            A::WorkflowPropertiesModifiedEventAttributes(a) => a.visit(v),
            A::NexusOperationScheduledEventAttributes(a) => a.visit(v),
            A::NexusOperationCompletedEventAttributes(a) => a.visit(v),
            A::NexusOperationFailedEventAttributes(a) => a.visit(v),
            A::NexusOperationCanceledEventAttributes(a) => a.visit(v),
            A::NexusOperationTimedOutEventAttributes(a) => a.visit(v),
            A::NexusOperationCancelRequestFailedEventAttributes(a) => a.visit(v),
            // Search attribute upserts, timers, workflow task bookkeeping and the rest carry
            // no user payload.
            _ => {}
        }
    }
}

impl Visit for command::Command {
    fn visit(&mut self, v: &mut dyn PayloadVisitor) {
        use command::command::Attributes as A;
        self.user_metadata.visit(v);
        let Some(attributes) = &mut self.attributes else { return };
        match attributes {
            A::ScheduleActivityTaskCommandAttributes(a) => a.visit(v),
            A::CompleteWorkflowExecutionCommandAttributes(a) => a.visit(v),
            A::FailWorkflowExecutionCommandAttributes(a) => a.visit(v),
            A::CancelWorkflowExecutionCommandAttributes(a) => a.visit(v),
            A::RecordMarkerCommandAttributes(a) => a.visit(v),
            A::ContinueAsNewWorkflowExecutionCommandAttributes(a) => a.visit(v),
            A::StartChildWorkflowExecutionCommandAttributes(a) => a.visit(v),
            A::SignalExternalWorkflowExecutionCommandAttributes(a) => a.visit(v),
            A::ModifyWorkflowPropertiesCommandAttributes(a) => a.visit(v),
            A::ScheduleNexusOperationCommandAttributes(a) => a.visit(v),
            _ => {}
        }
    }
}

/// The update protocol's messages travel packed in `Any`: unpacked, walked, packed again.
/// A body that does not unpack is left as it is (the runtime reports it).
impl Visit for Message {
    fn visit(&mut self, v: &mut dyn PayloadVisitor) {
        let Some(body) = &mut self.body else { return };
        fn walk<M: prost::Message + Default + Visit>(value: &mut Vec<u8>, v: &mut dyn PayloadVisitor) {
            if let Ok(mut message) = M::decode(value.as_slice()) {
                message.visit(v);
                *value = message.encode_to_vec();
            }
        }
        match body.type_url.rsplit('/').next().unwrap_or_default() {
            "temporal.api.update.v1.Request" => walk::<update::Request>(&mut body.value, v),
            "temporal.api.update.v1.Response" => walk::<update::Response>(&mut body.value, v),
            "temporal.api.update.v1.Acceptance" => walk::<update::Acceptance>(&mut body.value, v),
            "temporal.api.update.v1.Rejection" => walk::<update::Rejection>(&mut body.value, v),
            _ => {}
        }
    }
}
