//! The payloads of the workflow service's requests and responses.
//!
//! Two responses are deliberately not walked, because their payloads are decoded by whoever
//! consumes them: a workflow task handed back with a start or a task completion (the worker
//! decodes every task it runs, polled or eager), and history pages (a fetched history stays
//! as stored, as in Python, and is decoded by the worker, `result()` or the replayer).

use super::{PayloadVisitor, Visit, visit_fields};
use crate::protos::temporal::api::schedule::v1 as schedule;
use crate::protos::temporal::api::workflow::v1 as workflow;
use crate::protos::temporal::api::workflowservice::v1::*;

visit_fields! {
    PollWorkflowTaskQueueResponse { history, query, queries, messages }
    RespondWorkflowTaskCompletedRequest { commands, messages, query_results }
    RespondWorkflowTaskFailedRequest { failure }
    RespondQueryTaskCompletedRequest { query_result, failure }
    PollActivityTaskQueueResponse { input, heartbeat_details }
    RecordActivityTaskHeartbeatRequest { details }
    RecordActivityTaskHeartbeatByIdRequest { details }
    RespondActivityTaskCompletedRequest { result }
    RespondActivityTaskCompletedByIdRequest { result }
    RespondActivityTaskFailedRequest { failure, last_heartbeat_details }
    RespondActivityTaskFailedByIdRequest { failure, last_heartbeat_details }
    RespondActivityTaskCanceledRequest { details }
    RespondActivityTaskCanceledByIdRequest { details }
    StartWorkflowExecutionRequest { input, memo, continued_failure, last_completion_result, user_metadata }
    SignalWorkflowExecutionRequest { input }
    SignalWithStartWorkflowExecutionRequest { input, signal_input, memo, user_metadata }
    QueryWorkflowRequest { query }
    QueryWorkflowResponse { query_result }
    UpdateWorkflowExecutionRequest { request }
    UpdateWorkflowExecutionResponse { outcome }
    PollWorkflowExecutionUpdateResponse { outcome }
    ExecuteMultiOperationRequest { operations }
    ExecuteMultiOperationResponse { responses }
    TerminateWorkflowExecutionRequest { details }
    DescribeWorkflowExecutionResponse { execution_config, workflow_execution_info, pending_activities }
    ListWorkflowExecutionsResponse { executions }
    CreateScheduleRequest { schedule, memo }
    DescribeScheduleResponse { schedule, memo }
    UpdateScheduleRequest { schedule, memo }
    ListSchedulesResponse { schedules }
    RespondActivityTaskFailedResponse { failures }
    workflow::WorkflowExecutionConfig { user_metadata }
    workflow::WorkflowExecutionInfo { memo }
    workflow::PendingActivityInfo { heartbeat_details, last_failure }
    workflow::NewWorkflowExecutionInfo { input, memo, user_metadata }
    schedule::Schedule { action }
    schedule::ScheduleListEntry { memo }
}

/// Messages without user payloads.
macro_rules! no_payloads {
    ($($ty:ty),* $(,)?) => {
        $(impl Visit for $ty {
            fn visit(&mut self, _: &mut dyn PayloadVisitor) {}
        })*
    };
}

no_payloads!(
    (),
    PollWorkflowTaskQueueRequest,
    PollActivityTaskQueueRequest,
    RespondWorkflowTaskFailedResponse,
    RespondQueryTaskCompletedResponse,
    RecordActivityTaskHeartbeatResponse,
    RecordActivityTaskHeartbeatByIdResponse,
    RespondActivityTaskCompletedResponse,
    RespondActivityTaskCompletedByIdResponse,
    RespondActivityTaskFailedByIdResponse,
    RespondActivityTaskCanceledResponse,
    RespondActivityTaskCanceledByIdResponse,
    SignalWorkflowExecutionResponse,
    SignalWithStartWorkflowExecutionResponse,
    PollWorkflowExecutionUpdateRequest,
    TerminateWorkflowExecutionResponse,
    RequestCancelWorkflowExecutionRequest,
    RequestCancelWorkflowExecutionResponse,
    DescribeWorkflowExecutionRequest,
    ListWorkflowExecutionsRequest,
    CountWorkflowExecutionsRequest,
    CountWorkflowExecutionsResponse,
    GetWorkflowExecutionHistoryRequest,
    GetSystemInfoRequest,
    GetSystemInfoResponse,
    CreateScheduleResponse,
    DescribeScheduleRequest,
    UpdateScheduleResponse,
    PatchScheduleRequest,
    PatchScheduleResponse,
    DeleteScheduleRequest,
    DeleteScheduleResponse,
    ListSchedulesRequest,
    ShutdownWorkerRequest,
    ShutdownWorkerResponse,
    DescribeNamespaceRequest,
    DescribeNamespaceResponse,
    // Decoded by their consumers: see the module documentation.
    GetWorkflowExecutionHistoryResponse,
    StartWorkflowExecutionResponse,
    RespondWorkflowTaskCompletedResponse,
);

impl Visit for execute_multi_operation_request::Operation {
    fn visit(&mut self, v: &mut dyn PayloadVisitor) {
        use execute_multi_operation_request::operation::Operation as Op;
        match &mut self.operation {
            Some(Op::StartWorkflow(start)) => start.visit(v),
            Some(Op::UpdateWorkflow(update)) => update.visit(v),
            None => {}
        }
    }
}

impl Visit for execute_multi_operation_response::Response {
    fn visit(&mut self, v: &mut dyn PayloadVisitor) {
        use execute_multi_operation_response::response::Response as R;
        match &mut self.response {
            // The eager task of a start is the worker's to decode.
            Some(R::StartWorkflow(_)) | None => {}
            Some(R::UpdateWorkflow(update)) => update.visit(v),
        }
    }
}

impl Visit for schedule::ScheduleAction {
    fn visit(&mut self, v: &mut dyn PayloadVisitor) {
        match &mut self.action {
            Some(schedule::schedule_action::Action::StartWorkflow(start)) => start.visit(v),
            None => {}
        }
    }
}
