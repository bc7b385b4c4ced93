//! History events as jobs of the next activation: which operation an event resolves (through
//! the events that started operations), and what it resolves it with.

use std::collections::HashMap;

use super::ops::OpKind;
use super::ops::activity::ActivityOutcome;
use super::ops::child::child_cancelled;
use super::ops::update::{self, UpdateRequest};
use super::run::RunError;
use super::state::RunState;
use crate::error::{Failure, FailureKind, RetryState, TimeoutType};
use crate::protos::temporal::api::common::v1::{Header, Payload, Payloads};
use crate::protos::temporal::api::history::v1::{HistoryEvent, history_event::Attributes as Ev};

/// A child's result, or the namespace, retry state and cause of its failure.
type ChildOutcome = Result<Option<Payload>, (String, RetryState, Failure)>;

/// What an activation does, in the order [`Job::rank`] gives.
pub(crate) enum Job {
    Start { input: Vec<Payload>, header: Option<Header> },
    Signal { name: String, input: Vec<Payload>, header: Option<Header> },
    Update(UpdateRequest),
    FireTimer(u32),
    ResolveActivity(u32, ActivityOutcome),
    ChildStarted { seq: u32, run_id: String, event_id: i64 },
    ChildStartFailed(u32, Failure),
    ChildResolved(u32, ChildOutcome),
    ExternalResolved(OpKind, u32, Result<(), Failure>),
    Cancel,
}

impl Job {
    /// Initialization first, then signals and updates, then resolutions, each in history
    /// order: handlers change state before code waiting on a resolution continues (as in the
    /// other SDKs). A cancellation request comes last: an operation whose completion is in
    /// the same activation has finished and must not be cancelled (the server would reject a
    /// cancel command for it, failing every later task).
    pub(crate) fn rank(&self) -> u8 {
        match self {
            Job::Start { .. } => 0,
            Job::Signal { .. } | Job::Update(_) => 1,
            Job::Cancel => 3,
            _ => 2,
        }
    }
}

/// Which operation each initiating event started, and which operations have ended.
#[derive(Debug, Default)]
pub(crate) struct EventIndex {
    /// The sequence number of the operation each initiating event belongs to.
    seq_by_event: HashMap<i64, u32>,
    /// Initiating events of operations whose closing event was seen, with that event's id: a
    /// second closing event means the history is corrupt.
    closed_by: HashMap<i64, i64>,
}

impl EventIndex {
    /// History recorded operation `seq`'s command as event `event_id`.
    pub(crate) fn record(&mut self, event_id: i64, seq: u32) {
        self.seq_by_event.insert(event_id, seq);
    }

    pub(crate) fn seq_of(&self, initiated_event_id: i64, event: &HistoryEvent) -> Result<u32, RunError> {
        self.seq_by_event.get(&initiated_event_id).copied().ok_or_else(|| {
            RunError::BadHistory(format!(
                "event {} ({}) refers to event {initiated_event_id}, which is not an operation this run started",
                event.event_id,
                event.event_type().as_str_name()
            ))
        })
    }

    /// The operation a closing event (a result, failure, timeout) ends; an operation ends once.
    pub(crate) fn close_of(&mut self, initiated_event_id: i64, event: &HistoryEvent) -> Result<u32, RunError> {
        let seq = self.seq_of(initiated_event_id, event)?;
        if let Some(first) = self.closed_by.insert(initiated_event_id, event.event_id) {
            return Err(RunError::BadHistory(format!(
                "event {} ({}) ends the operation started at event {initiated_event_id}, which event {first} already ended",
                event.event_id,
                event.event_type().as_str_name()
            )));
        }
        Ok(seq)
    }

    /// The job a non-command event gives the next activation, if any.
    pub(crate) fn job_of(&mut self, event: &HistoryEvent, st: &RunState) -> Result<Option<Job>, RunError> {
        let Some(attrs) = &event.attributes else { return Ok(None) };
        let payloads = |p: &Option<Payloads>| p.clone().map(|p| p.payloads).unwrap_or_default();
        let job = match attrs {
            Ev::WorkflowExecutionStartedEventAttributes(a) => {
                Job::Start { input: payloads(&a.input), header: a.header.clone() }
            }
            Ev::WorkflowExecutionSignaledEventAttributes(a) => {
                Job::Signal { name: a.signal_name.clone(), input: payloads(&a.input), header: a.header.clone() }
            }
            Ev::WorkflowExecutionUpdateAdmittedEventAttributes(a) => {
                match update::request_from_admitted(a, event.event_id) {
                    Some(req) => Job::Update(req),
                    None => return Ok(None),
                }
            }
            Ev::TimerFiredEventAttributes(a) => Job::FireTimer(parse_seq(&a.timer_id, event)?),
            Ev::ActivityTaskCompletedEventAttributes(a) => Job::ResolveActivity(
                self.close_of(a.scheduled_event_id, event)?,
                ActivityOutcome::Completed(payloads(&a.result).into_iter().next()),
            ),
            Ev::ActivityTaskFailedEventAttributes(a) => {
                let seq = self.close_of(a.scheduled_event_id, event)?;
                let cause = a.failure.clone().map(Failure::from_proto);
                let f = activity_failure(
                    st,
                    "Activity task failed",
                    seq,
                    a.started_event_id,
                    &a.identity,
                    a.retry_state,
                    cause,
                );
                Job::ResolveActivity(seq, ActivityOutcome::Failed(f))
            }
            Ev::ActivityTaskTimedOutEventAttributes(a) => {
                let seq = self.close_of(a.scheduled_event_id, event)?;
                let cause = a.failure.clone().map(Failure::from_proto);
                let f =
                    activity_failure(st, "Activity task timed out", seq, a.started_event_id, "", a.retry_state, cause);
                Job::ResolveActivity(seq, ActivityOutcome::Failed(f))
            }
            Ev::ActivityTaskCanceledEventAttributes(a) => {
                let seq = self.close_of(a.scheduled_event_id, event)?;
                let cause =
                    Failure::new("Activity cancelled", FailureKind::Cancelled { details: payloads(&a.details) });
                let state = RetryState::CancelRequested as i32;
                let f = activity_failure(
                    st,
                    "Activity cancelled",
                    seq,
                    a.started_event_id,
                    &a.identity,
                    state,
                    Some(cause),
                );
                Job::ResolveActivity(seq, ActivityOutcome::Failed(f))
            }
            Ev::ChildWorkflowExecutionStartedEventAttributes(a) => Job::ChildStarted {
                seq: self.seq_of(a.initiated_event_id, event)?,
                run_id: a.workflow_execution.as_ref().map(|e| e.run_id.clone()).unwrap_or_default(),
                event_id: event.event_id,
            },
            Ev::StartChildWorkflowExecutionFailedEventAttributes(a) => {
                let cause = a.cause().as_str_name().trim_start_matches("START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_");
                let f = Failure::application(
                    format!("Child workflow {:?} could not start: {cause}", a.workflow_id),
                    Some("ChildWorkflowStartFailed".into()),
                    true,
                );
                Job::ChildStartFailed(self.close_of(a.initiated_event_id, event)?, f)
            }
            Ev::ChildWorkflowExecutionCompletedEventAttributes(a) => Job::ChildResolved(
                self.close_of(a.initiated_event_id, event)?,
                Ok(payloads(&a.result).into_iter().next()),
            ),
            Ev::ChildWorkflowExecutionFailedEventAttributes(a) => {
                let cause = a
                    .failure
                    .clone()
                    .map(Failure::from_proto)
                    .unwrap_or_else(|| Failure::new("failed", FailureKind::Other(None)));
                Job::ChildResolved(
                    self.close_of(a.initiated_event_id, event)?,
                    Err((a.namespace.clone(), a.retry_state(), cause)),
                )
            }
            Ev::ChildWorkflowExecutionCanceledEventAttributes(a) => {
                let mut cause = child_cancelled();
                cause.kind = FailureKind::Cancelled { details: payloads(&a.details) };
                let failure = (a.namespace.clone(), RetryState::CancelRequested, cause);
                Job::ChildResolved(self.close_of(a.initiated_event_id, event)?, Err(failure))
            }
            Ev::ChildWorkflowExecutionTimedOutEventAttributes(a) => {
                let cause = Failure::new(
                    "Child Workflow execution timed out",
                    FailureKind::Timeout {
                        timeout_type: TimeoutType::StartToClose,
                        last_heartbeat_details: Vec::new(),
                    },
                );
                Job::ChildResolved(
                    self.close_of(a.initiated_event_id, event)?,
                    Err((a.namespace.clone(), a.retry_state(), cause)),
                )
            }
            Ev::ChildWorkflowExecutionTerminatedEventAttributes(a) => {
                let cause = Failure::new("Child Workflow execution terminated", FailureKind::Terminated);
                let failure = (a.namespace.clone(), RetryState::NonRetryableFailure, cause);
                Job::ChildResolved(self.close_of(a.initiated_event_id, event)?, Err(failure))
            }
            Ev::ExternalWorkflowExecutionSignaledEventAttributes(a) => {
                Job::ExternalResolved(OpKind::SignalExternal, self.close_of(a.initiated_event_id, event)?, Ok(()))
            }
            Ev::SignalExternalWorkflowExecutionFailedEventAttributes(a) => {
                let f = external_failure("signal", &a.workflow_execution, a.cause().as_str_name());
                Job::ExternalResolved(OpKind::SignalExternal, self.close_of(a.initiated_event_id, event)?, Err(f))
            }
            Ev::ExternalWorkflowExecutionCancelRequestedEventAttributes(a) => {
                Job::ExternalResolved(OpKind::CancelExternal, self.close_of(a.initiated_event_id, event)?, Ok(()))
            }
            Ev::RequestCancelExternalWorkflowExecutionFailedEventAttributes(a) => {
                let f = external_failure("cancellation request", &a.workflow_execution, a.cause().as_str_name());
                Job::ExternalResolved(OpKind::CancelExternal, self.close_of(a.initiated_event_id, event)?, Err(f))
            }
            Ev::WorkflowExecutionCancelRequestedEventAttributes(_) => Job::Cancel,
            _ => return Ok(None),
        };
        Ok(Some(job))
    }
}

/// An activity's failure event as workflow code sees it: wrapped with the activity's facts.
fn activity_failure(
    st: &RunState,
    message: &str,
    seq: u32,
    started_event_id: i64,
    identity: &str,
    retry_state: i32,
    cause: Option<Failure>,
) -> Failure {
    st.activities.failure(seq, message, started_event_id, identity, retry_state, cause)
}

fn external_failure(
    what: &str,
    execution: &Option<crate::protos::temporal::api::common::v1::WorkflowExecution>,
    cause: &str,
) -> Failure {
    let id = execution.as_ref().map(|e| e.workflow_id.as_str()).unwrap_or("");
    Failure::application(
        format!("{what} to workflow {id:?} failed: {}", cause.rsplit("_CAUSE_").next().unwrap_or(cause)),
        Some("ExternalWorkflowError".into()),
        true,
    )
}

fn parse_seq(id: &str, event: &HistoryEvent) -> Result<u32, RunError> {
    id.parse().map_err(|_| {
        RunError::BadHistory(format!("event {} has id {id:?}, which this SDK did not write", event.event_id))
    })
}
