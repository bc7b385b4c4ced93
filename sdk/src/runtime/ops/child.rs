//! Child workflows: `StartChildWorkflowExecution`, started by `ChildWorkflowExecutionStarted`
//! (or failing to start), resolved by the child's closing event; cancelled by a
//! `RequestCancelExternalWorkflowExecution` for the child, per the cancellation type.

use std::collections::HashMap;
use std::task::{Context, Poll};

use super::{Commands, Op, OpKind, Slot};
use crate::error::{Failure, FailureKind, RetryState};
use crate::protos::temporal::api::command::v1::{
    RequestCancelExternalWorkflowExecutionCommandAttributes, StartChildWorkflowExecutionCommandAttributes, command,
};
use crate::protos::temporal::api::common::v1::Payload;
use crate::protos::temporal::api::history::v1::StartChildWorkflowExecutionInitiatedEventAttributes;
use crate::runtime::state::RunState;

/// What cancelling a child workflow does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChildWorkflowCancellationType {
    /// Do not tell the child; resolve at once as cancelled.
    Abandon,
    /// Ask the child to cancel and resolve at once as cancelled.
    TryCancel,
    /// Ask the child to cancel and wait until it has ended (the default, as in Python).
    #[default]
    WaitCancellationCompleted,
    /// Ask the child to cancel and wait until the request reached it.
    WaitCancellationRequested,
}

/// A child's result, or why it failed.
pub(crate) type ChildOutcome = Result<Option<Payload>, Failure>;

/// What the runtime keeps about a child workflow.
#[derive(Debug)]
struct ChildState {
    workflow_id: String,
    workflow_type: String,
    run_id: Option<String>,
    cancellation_type: ChildWorkflowCancellationType,
    initiated_event_id: Option<i64>,
    /// The `ChildWorkflowExecutionStarted` event, once history has it.
    started_event_id: Option<i64>,
    start: Slot<Result<String, Failure>>,
    result: Slot<ChildOutcome>,
}

/// The run's children by sequence number.
#[derive(Debug, Default)]
pub(crate) struct Children {
    last_seq: u32,
    children: HashMap<u32, ChildState>,
    /// Cancellation requests of children that resolve when the request is delivered
    /// (`WaitCancellationRequested`): cancel-external seq -> child seq.
    cancel_requests: HashMap<u32, u32>,
}

impl Children {
    /// Issues `StartChildWorkflowExecution` and returns the child's sequence number.
    pub(crate) fn start(
        &mut self,
        commands: &mut Commands,
        attrs: StartChildWorkflowExecutionCommandAttributes,
        cancellation_type: ChildWorkflowCancellationType,
    ) -> u32 {
        self.last_seq += 1;
        let seq = self.last_seq;
        let child = ChildState {
            workflow_id: attrs.workflow_id.clone(),
            workflow_type: attrs.workflow_type.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
            run_id: None,
            cancellation_type,
            initiated_event_id: None,
            started_event_id: None,
            start: Slot::default(),
            result: Slot::default(),
        };
        commands.push(command::Attributes::StartChildWorkflowExecutionCommandAttributes(attrs), seq);
        self.children.insert(seq, child);
        seq
    }

    /// History recorded the start command as event `event_id`.
    pub(crate) fn initiated(&mut self, seq: u32, event_id: i64) {
        if let Some(child) = self.children.get_mut(&seq) {
            child.initiated_event_id = Some(event_id);
        }
    }

    pub(crate) fn started(&mut self, seq: u32, run_id: String, event_id: i64) {
        if let Some(child) = self.children.get_mut(&seq) {
            child.run_id = Some(run_id.clone());
            child.started_event_id = Some(event_id);
            child.start.resolve(Ok(run_id));
        }
    }

    pub(crate) fn start_failed(&mut self, seq: u32, failure: Failure) {
        if let Some(child) = self.children.get_mut(&seq) {
            child.start.resolve(Err(failure.clone()));
            child.result.resolve(Err(failure));
        }
    }

    /// The child ended: with its result, or with (namespace, retry state, cause) of a failure.
    pub(crate) fn resolve(&mut self, seq: u32, outcome: Result<Option<Payload>, (String, RetryState, Failure)>) {
        if let Some(child) = self.children.get_mut(&seq) {
            let outcome = outcome.map_err(|(namespace, retry, cause)| failure(child, &namespace, retry, cause));
            child.result.resolve(outcome);
        }
    }

    /// A cancellation request was delivered: a child waiting only for that resolves now.
    pub(crate) fn cancel_request_delivered(&mut self, cancel_seq: u32, namespace: &str) {
        if let Some(child_seq) = self.cancel_requests.remove(&cancel_seq)
            && let Some(child) = self.children.get_mut(&child_seq)
        {
            let cancelled = failure(child, namespace, RetryState::CancelRequested, child_cancelled());
            child.result.resolve(Err(cancelled));
        }
    }

    /// The child's workflow id and first run id, once started.
    pub(crate) fn ids(&self, seq: u32) -> Option<(String, String)> {
        self.children.get(&seq).map(|c| (c.workflow_id.clone(), c.run_id.clone().unwrap_or_default()))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.children.is_empty()
    }
}

/// The cause of a cancelled child's failure.
pub(crate) fn child_cancelled() -> Failure {
    Failure::cancelled("Child Workflow execution cancelled")
}

/// The failure a child ends with, wrapped as every Temporal SDK wraps it: "Child Workflow
/// execution failed" with the child's namespace, ids and the parent's event ids, caused by
/// what happened to the child.
fn failure(child: &ChildState, namespace: &str, retry_state: RetryState, cause: Failure) -> Failure {
    let mut f = Failure::new(
        "Child Workflow execution failed",
        FailureKind::ChildWorkflow {
            namespace: namespace.to_string(),
            workflow_id: child.workflow_id.clone(),
            run_id: child.run_id.clone().unwrap_or_default(),
            workflow_type: child.workflow_type.clone(),
            retry_state,
            initiated_event_id: child.initiated_event_id.unwrap_or_default(),
            started_event_id: child.started_event_id.unwrap_or_default(),
        },
    )
    .with_cause(cause);
    f.source = String::new();
    f
}

/// Cancels a child per its cancellation type; a child that ended stays ended.
pub(crate) fn cancel(st: &mut RunState, seq: u32) {
    let unsent = st.commands.remove_unsent(|c| {
        c.seq == seq
            && matches!(
                &c.command.attributes,
                Some(command::Attributes::StartChildWorkflowExecutionCommandAttributes(_))
            )
    });
    let namespace = st.info.namespace.clone();
    let Some(child) = st.children.children.get_mut(&seq).filter(|c| c.result.is_open()) else { return };
    let cancelled = failure(child, &namespace, RetryState::CancelRequested, child_cancelled());
    if unsent {
        child.start.resolve(Err(cancelled.clone()));
        child.result.resolve(Err(cancelled));
        return;
    }
    let kind = child.cancellation_type;
    if matches!(kind, ChildWorkflowCancellationType::Abandon | ChildWorkflowCancellationType::TryCancel) {
        child.start.resolve(Err(cancelled.clone()));
        child.result.resolve(Err(cancelled));
    }
    if kind != ChildWorkflowCancellationType::Abandon {
        let attrs = RequestCancelExternalWorkflowExecutionCommandAttributes {
            workflow_id: child.workflow_id.clone(),
            run_id: child.run_id.clone().unwrap_or_default(),
            child_workflow_only: true,
            ..Default::default()
        };
        let cancel_seq = st.externals.request_cancel(&mut st.commands, attrs);
        if kind == ChildWorkflowCancellationType::WaitCancellationRequested {
            st.children.cancel_requests.insert(cancel_seq, seq);
        }
    }
}

/// Whether a start command and an initiated event are the same child: same type, and same
/// workflow id when the history's SDK checked ids.
pub(crate) fn matches(
    command: &StartChildWorkflowExecutionCommandAttributes,
    event: &StartChildWorkflowExecutionInitiatedEventAttributes,
    check_ids: bool,
) -> bool {
    (command.workflow_id == event.workflow_id || !check_ids) && command.workflow_type == event.workflow_type
}

/// [`OpFuture`](super::OpFuture) over a child's start: resolves with its run id. The child
/// stays an operation of its task until its result is taken, so a workflow cancellation
/// reaches a child whose result is awaited.
pub(crate) struct ChildStartOp;

impl Op for ChildStartOp {
    const KIND: OpKind = OpKind::Child;
    const WHAT: &'static str = "Child workflow";
    type Output = String;

    fn take(st: &mut RunState, seq: u32, cx: &Context<'_>) -> Poll<Option<Result<String, Box<Failure>>>> {
        match st.children.children.get_mut(&seq) {
            Some(child) => match child.start.value.clone() {
                Some(started) => Poll::Ready(Some(started.map_err(Box::new))),
                None => child.start.take(cx).map(|r| Some(r.map_err(Box::new))),
            },
            None => Poll::Ready(None),
        }
    }

    fn is_open(st: &RunState, seq: u32) -> bool {
        st.children.children.get(&seq).is_some_and(|c| c.start.is_open())
    }

    fn done(_: &mut RunState, _: u32) {}
}

/// [`OpFuture`](super::OpFuture) over a started child's result (it may be awaited more than
/// once; dropping it does not cancel the child: `ChildWorkflowHandle::cancel` does).
pub(crate) struct ChildResultOp;

impl Op for ChildResultOp {
    const KIND: OpKind = OpKind::Child;
    const WHAT: &'static str = "Child workflow";
    const CANCEL_ON_DROP: bool = false;
    type Output = Option<Payload>;

    fn take(st: &mut RunState, seq: u32, cx: &Context<'_>) -> Poll<Option<Result<Option<Payload>, Box<Failure>>>> {
        match st.children.children.get_mut(&seq) {
            Some(child) => match child.result.value.clone() {
                Some(outcome) => Poll::Ready(Some(outcome.map_err(Box::new))),
                None => child.result.take(cx).map(|r| Some(r.map_err(Box::new))),
            },
            None => Poll::Ready(None),
        }
    }

    fn is_open(st: &RunState, seq: u32) -> bool {
        st.children.children.get(&seq).is_some_and(|c| c.result.is_open())
    }

    fn done(_: &mut RunState, _: u32) {}
}
