//! One workflow run: history in, commands out.
//!
//! The run walks history events in order. Events the server generated (a signal, a fired
//! timer, an activity result) become jobs; at each workflow-task boundary the jobs are applied
//! and the executor runs the workflow until it stalls, producing commands. Command events in
//! history (the server's record of commands) are matched one by one against the commands the
//! code produced, in order: a difference is a non-determinism error naming both sides. Live
//! tasks and replay are the same path; the last task's commands are the ones to send.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::sync::Arc;
use std::time::SystemTime;

use super::context::{ActivityOutcome, EmittedCommand, Enter, RunState, SharedState};
use super::executor::Executor;
use super::instance::{WorkflowFactory, WorkflowInstance};
use crate::common::{RetryPolicy, duration_from_proto, time_from_proto};
use crate::error::{Failure, FailureKind, RetryState, WorkflowError};
use crate::protos::temporal::api::command::v1::{
    CancelWorkflowExecutionCommandAttributes, Command, CompleteWorkflowExecutionCommandAttributes,
    FailWorkflowExecutionCommandAttributes, command::Attributes as Cmd,
};
use crate::protos::temporal::api::common::v1::{Payload, Payloads};
use crate::protos::temporal::api::enums::v1::EventType;
use crate::protos::temporal::api::history::v1::{HistoryEvent, history_event::Attributes as Ev};
use crate::workflow::WorkflowInfo;
use crate::workflow::definition::HandlerOutcome;

/// Why a run cannot go on with the history it was given.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RunError {
    /// The code produced different commands than history recorded.
    #[error("[TMPRL1100] Nondeterminism error: {0}")]
    Nondeterminism(String),
    /// Workflow code panicked.
    #[error("workflow code panicked: {0}")]
    Panic(String),
    /// Workflow code returned an error that fails the task, not the workflow.
    #[error("{0}")]
    Task(String),
    /// The events do not continue where this run stopped; a full history is needed.
    #[error("history gap: expected event {expected}, got {got}")]
    Gap { expected: i64, got: i64 },
    /// The history is not one a workflow run can have.
    #[error("invalid history: {0}")]
    BadHistory(String),
}

enum Job {
    Start { input: Vec<Payload> },
    Signal { name: String, input: Vec<Payload> },
    FireTimer(u32),
    ResolveActivity(u32, ActivityOutcome),
    Cancel,
}

impl Job {
    /// Initialization first, then signals, then resolutions, each in history order: signals
    /// change state before the code waiting on a resolution continues (as in the other SDKs).
    fn rank(&self) -> u8 {
        match self {
            Job::Start { .. } => 0,
            Job::Signal { .. } => 1,
            _ => 2,
        }
    }
}

pub(crate) struct WorkflowRun {
    state: SharedState,
    executor: Executor,
    factory: Arc<dyn WorkflowFactory>,
    instance: Option<Box<dyn WorkflowInstance>>,
    /// Commands produced but not yet seen as history events, oldest first.
    unmatched: VecDeque<EmittedCommand>,
    activity_seq_by_event: HashMap<i64, u32>,
    /// Activity type and id by scheduled event id, for the failures handed to workflow code.
    scheduled_activities: HashMap<i64, (String, String)>,
    last_event_id: i64,
    jobs: Vec<Job>,
    finished: bool,
}

impl WorkflowRun {
    pub(crate) fn new(factory: Arc<dyn WorkflowFactory>, info: WorkflowInfo) -> Self {
        Self {
            state: Rc::new(RefCell::new(RunState::new(info, SystemTime::UNIX_EPOCH))),
            executor: Executor::default(),
            factory,
            instance: None,
            unmatched: VecDeque::new(),
            activity_seq_by_event: HashMap::new(),
            scheduled_activities: HashMap::new(),
            last_event_id: 0,
            jobs: Vec::new(),
            finished: false,
        }
    }

    /// The id of the last event applied.
    pub(crate) fn last_event_id(&self) -> i64 {
        self.last_event_id
    }

    /// Whether the workflow produced its closing command.
    pub(crate) fn is_finished(&self) -> bool {
        self.finished
    }

    /// Applies `events` (which must continue where the run stopped) and returns the commands
    /// of the last, live workflow task: the ones to send to the server.
    pub(crate) fn apply_events(&mut self, events: &[HistoryEvent]) -> Result<Vec<Command>, RunError> {
        let mut outgoing = Vec::new();
        for (i, event) in events.iter().enumerate() {
            if event.event_id <= self.last_event_id {
                continue;
            }
            if event.event_id != self.last_event_id + 1 {
                return Err(RunError::Gap { expected: self.last_event_id + 1, got: event.event_id });
            }
            self.last_event_id = event.event_id;
            self.state.borrow_mut().info.history_length = event.event_id;
            if event.is_command_event() {
                self.match_command(event)?;
                continue;
            }
            match event.event_type() {
                EventType::WorkflowTaskStarted => {
                    let next = events.get(i + 1).map(HistoryEvent::event_type);
                    // A started task is a boundary unless it failed or timed out.
                    let boundary = matches!(next, None | Some(EventType::WorkflowTaskCompleted));
                    if boundary {
                        let replaying = next.is_some();
                        let now = event.event_time.as_ref().map(time_from_proto);
                        outgoing = self.activate(now, replaying)?;
                    }
                }
                _ => self.collect_job(event)?,
            }
        }
        Ok(outgoing)
    }

    fn collect_job(&mut self, event: &HistoryEvent) -> Result<(), RunError> {
        let Some(attrs) = &event.attributes else { return Ok(()) };
        let job = match attrs {
            Ev::WorkflowExecutionStartedEventAttributes(a) => {
                self.init_info(event, a);
                Job::Start { input: a.input.clone().map(|p| p.payloads).unwrap_or_default() }
            }
            Ev::WorkflowExecutionSignaledEventAttributes(a) => Job::Signal {
                name: a.signal_name.clone(),
                input: a.input.clone().map(|p| p.payloads).unwrap_or_default(),
            },
            Ev::TimerFiredEventAttributes(a) => Job::FireTimer(parse_seq(&a.timer_id, event)?),
            Ev::ActivityTaskCompletedEventAttributes(a) => Job::ResolveActivity(
                self.activity_seq(a.scheduled_event_id, event)?,
                ActivityOutcome::Completed(a.result.clone().and_then(|p| p.payloads.into_iter().next())),
            ),
            Ev::ActivityTaskFailedEventAttributes(a) => {
                let seq = self.activity_seq(a.scheduled_event_id, event)?;
                let cause = a.failure.clone().map(Failure::from_proto);
                let f = self.activity_failure(
                    "Activity task failed",
                    seq,
                    a.scheduled_event_id,
                    a.started_event_id,
                    &a.identity,
                    a.retry_state,
                    cause,
                );
                Job::ResolveActivity(seq, ActivityOutcome::Failed(f))
            }
            Ev::ActivityTaskTimedOutEventAttributes(a) => {
                let seq = self.activity_seq(a.scheduled_event_id, event)?;
                let cause = a.failure.clone().map(Failure::from_proto);
                let f = self.activity_failure(
                    "Activity task timed out",
                    seq,
                    a.scheduled_event_id,
                    a.started_event_id,
                    "",
                    a.retry_state,
                    cause,
                );
                Job::ResolveActivity(seq, ActivityOutcome::Failed(f))
            }
            Ev::ActivityTaskCanceledEventAttributes(a) => {
                let seq = self.activity_seq(a.scheduled_event_id, event)?;
                let cause = Failure::new(
                    "Activity cancelled",
                    FailureKind::Cancelled { details: a.details.clone().map(|p| p.payloads).unwrap_or_default() },
                );
                let f = self.activity_failure(
                    "Activity cancelled",
                    seq,
                    a.scheduled_event_id,
                    a.started_event_id,
                    &a.identity,
                    RetryState::CancelRequested as i32,
                    Some(cause),
                );
                Job::ResolveActivity(seq, ActivityOutcome::Failed(f))
            }
            Ev::WorkflowExecutionCancelRequestedEventAttributes(_) => Job::Cancel,
            _ => return Ok(()),
        };
        self.jobs.push(job);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn activity_failure(
        &self,
        message: &str,
        seq: u32,
        scheduled_event_id: i64,
        started_event_id: i64,
        identity: &str,
        retry_state: i32,
        cause: Option<Failure>,
    ) -> Failure {
        let (activity_type, activity_id) =
            self.scheduled_activity(scheduled_event_id).unwrap_or_else(|| (String::new(), seq.to_string()));
        let mut f = Failure::new(
            message,
            FailureKind::Activity {
                activity_type,
                activity_id,
                retry_state: RetryState::try_from(retry_state).unwrap_or(RetryState::Unspecified),
                scheduled_event_id,
                started_event_id,
                identity: identity.to_string(),
            },
        );
        f.source = String::new();
        f.cause = cause.map(Box::new);
        f
    }

    fn scheduled_activity(&self, scheduled_event_id: i64) -> Option<(String, String)> {
        self.scheduled_activities.get(&scheduled_event_id).cloned()
    }

    fn activity_seq(&self, scheduled_event_id: i64, event: &HistoryEvent) -> Result<u32, RunError> {
        self.activity_seq_by_event.get(&scheduled_event_id).copied().ok_or_else(|| {
            RunError::BadHistory(format!(
                "event {} ({}) refers to scheduled event {scheduled_event_id}, which is not an activity this run scheduled",
                event.event_id,
                event.event_type().as_str_name()
            ))
        })
    }

    fn init_info(
        &mut self,
        event: &HistoryEvent,
        a: &crate::protos::temporal::api::history::v1::WorkflowExecutionStartedEventAttributes,
    ) {
        let mut st = self.state.borrow_mut();
        let info = &mut st.info;
        if info.workflow_type.is_empty() {
            info.workflow_type = a.workflow_type.as_ref().map(|t| t.name.clone()).unwrap_or_default();
        }
        if let Some(tq) = &a.task_queue {
            info.task_queue = tq.name.clone();
        }
        info.attempt = a.attempt.max(1);
        info.first_execution_run_id = a.first_execution_run_id.clone();
        info.continued_run_id = Some(a.continued_execution_run_id.clone()).filter(|s| !s.is_empty());
        info.execution_timeout =
            a.workflow_execution_timeout.as_ref().map(duration_from_proto).filter(|d| !d.is_zero());
        info.run_timeout = a.workflow_run_timeout.as_ref().map(duration_from_proto).filter(|d| !d.is_zero());
        info.task_timeout = a.workflow_task_timeout.as_ref().map(duration_from_proto);
        info.cron_schedule = Some(a.cron_schedule.clone()).filter(|s| !s.is_empty());
        info.retry_policy = a.retry_policy.as_ref().map(RetryPolicy::from_proto);
        info.parent = a.parent_workflow_execution.as_ref().map(|p| (p.workflow_id.clone(), p.run_id.clone()));
        info.start_time = event.event_time.as_ref().map(time_from_proto);
        if let Some(t) = info.start_time {
            st.now = t;
        }
    }

    /// Applies the collected jobs and runs the workflow until it stalls.
    fn activate(&mut self, now: Option<SystemTime>, replaying: bool) -> Result<Vec<Command>, RunError> {
        if let Some(cmd) = self.unmatched.front() {
            return Err(RunError::Nondeterminism(format!(
                "workflow code issued command {} but history has no event for it",
                describe_command(&cmd.command)
            )));
        }
        {
            let mut st = self.state.borrow_mut();
            if let Some(now) = now {
                st.now = now;
            }
            st.replaying = replaying;
            st.generation += 1;
        }
        let mut jobs = std::mem::take(&mut self.jobs);
        jobs.sort_by_key(Job::rank);
        for job in jobs {
            self.apply_job(job)?;
        }
        if !self.finished {
            self.executor.run_until_stalled(&self.state).map_err(|p| RunError::Panic(p.0))?;
        }
        let commands = self.finish_activation()?;
        self.unmatched.extend(commands.iter().cloned());
        Ok(commands.into_iter().map(|c| c.command).collect())
    }

    fn apply_job(&mut self, job: Job) -> Result<(), RunError> {
        match job {
            Job::Start { input } => {
                let mut instance = self.factory.instantiate(&input).map_err(|e| {
                    RunError::Task(format!("failed decoding the input of workflow {}: {e}", self.factory.name()))
                })?;
                let run = {
                    let _enter = Enter::new(&self.state);
                    instance.run()
                };
                let state = Rc::clone(&self.state);
                self.executor.spawn(Box::pin(async move {
                    let result = run.await;
                    state.borrow_mut().result = Some(result);
                }));
                self.instance = Some(instance);
            }
            Job::Signal { name, input } => {
                let Some(instance) = &self.instance else {
                    return Err(RunError::BadHistory(format!("signal {name:?} arrived before the workflow started")));
                };
                let _enter = Enter::new(&self.state);
                match instance.signal(&name, &input) {
                    None => tracing::warn!(
                        signal = %name,
                        workflow_type = self.factory.name(),
                        known = ?instance.signal_names(),
                        "dropping signal: the workflow has no handler for it"
                    ),
                    Some(Err(e)) => {
                        tracing::warn!(signal = %name, error = %e, "dropping signal whose input does not decode")
                    }
                    Some(Ok(HandlerOutcome::Done)) => {}
                    Some(Ok(HandlerOutcome::Running(fut))) => {
                        let state = Rc::clone(&self.state);
                        self.executor.spawn(Box::pin(async move {
                            if let Err(e) = fut.await {
                                state.borrow_mut().handler_error.get_or_insert(e);
                            }
                        }));
                    }
                }
            }
            Job::FireTimer(seq) => {
                if let Some(slot) = self.state.borrow_mut().timers.get_mut(&seq) {
                    slot.resolve(());
                }
            }
            Job::ResolveActivity(seq, outcome) => {
                if let Some(slot) = self.state.borrow_mut().activities.get_mut(&seq) {
                    slot.resolve(outcome);
                }
            }
            Job::Cancel => self.state.borrow_mut().cancel_requested = true,
        }
        self.state.borrow_mut().generation += 1;
        Ok(())
    }

    /// Takes the activation's commands, adding the closing command if the workflow ended.
    fn finish_activation(&mut self) -> Result<Vec<EmittedCommand>, RunError> {
        let mut st = self.state.borrow_mut();
        let mut commands = std::mem::take(&mut st.commands);
        if self.finished {
            return Ok(commands);
        }
        let outcome = match st.handler_error.take() {
            Some(e) => Some(Err(e)),
            None => st.result.take(),
        };
        let Some(outcome) = outcome else { return Ok(commands) };
        let closing: Command = match outcome {
            Ok(payload) => {
                Cmd::CompleteWorkflowExecutionCommandAttributes(CompleteWorkflowExecutionCommandAttributes {
                    result: Some(Payloads { payloads: vec![payload] }),
                })
                .into()
            }
            Err(WorkflowError::Failure(f)) if f.is_cancelled() && st.cancel_requested => {
                let details = match &f.kind {
                    FailureKind::Cancelled { details } if !details.is_empty() => {
                        Some(Payloads { payloads: details.clone() })
                    }
                    _ => None,
                };
                Cmd::CancelWorkflowExecutionCommandAttributes(CancelWorkflowExecutionCommandAttributes { details })
                    .into()
            }
            Err(WorkflowError::Failure(f)) => {
                Cmd::FailWorkflowExecutionCommandAttributes(FailWorkflowExecutionCommandAttributes {
                    failure: Some(f.to_proto()),
                })
                .into()
            }
            Err(WorkflowError::Task(e)) => return Err(RunError::Task(e.to_string())),
        };
        self.finished = true;
        commands.push(EmittedCommand { command: closing, seq: 0 });
        Ok(commands)
    }

    fn match_command(&mut self, event: &HistoryEvent) -> Result<(), RunError> {
        let Some(cmd) = self.unmatched.pop_front() else {
            return Err(RunError::Nondeterminism(format!(
                "history has {} but the workflow code issued no command for it",
                describe_event(event)
            )));
        };
        let same = match (&cmd.command.attributes, &event.attributes) {
            (Some(Cmd::StartTimerCommandAttributes(c)), Some(Ev::TimerStartedEventAttributes(e))) => {
                c.timer_id == e.timer_id
            }
            (Some(Cmd::CancelTimerCommandAttributes(c)), Some(Ev::TimerCanceledEventAttributes(e))) => {
                c.timer_id == e.timer_id
            }
            (
                Some(Cmd::ScheduleActivityTaskCommandAttributes(c)),
                Some(Ev::ActivityTaskScheduledEventAttributes(e)),
            ) => {
                let same = c.activity_id == e.activity_id && c.activity_type == e.activity_type;
                if same {
                    self.activity_seq_by_event.insert(event.event_id, cmd.seq);
                    self.scheduled_activities.insert(
                        event.event_id,
                        (e.activity_type.as_ref().map(|t| t.name.clone()).unwrap_or_default(), e.activity_id.clone()),
                    );
                }
                same
            }
            (
                Some(Cmd::RequestCancelActivityTaskCommandAttributes(c)),
                Some(Ev::ActivityTaskCancelRequestedEventAttributes(e)),
            ) => c.scheduled_event_id == e.scheduled_event_id,
            (Some(Cmd::RecordMarkerCommandAttributes(c)), Some(Ev::MarkerRecordedEventAttributes(e))) => {
                c.marker_name == e.marker_name
            }
            (
                Some(Cmd::CompleteWorkflowExecutionCommandAttributes(_)),
                Some(Ev::WorkflowExecutionCompletedEventAttributes(_)),
            )
            | (
                Some(Cmd::FailWorkflowExecutionCommandAttributes(_)),
                Some(Ev::WorkflowExecutionFailedEventAttributes(_)),
            )
            | (
                Some(Cmd::CancelWorkflowExecutionCommandAttributes(_)),
                Some(Ev::WorkflowExecutionCanceledEventAttributes(_)),
            )
            | (
                Some(Cmd::ContinueAsNewWorkflowExecutionCommandAttributes(_)),
                Some(Ev::WorkflowExecutionContinuedAsNewEventAttributes(_)),
            ) => true,
            _ => false,
        };
        if same {
            Ok(())
        } else {
            Err(RunError::Nondeterminism(format!(
                "workflow code issued command {} but history has {} at that point",
                describe_command(&cmd.command),
                describe_event(event)
            )))
        }
    }

    /// Answers a query against the current state.
    pub(crate) fn query(&self, name: &str, args: &[Payload]) -> Result<Payload, String> {
        let Some(instance) = &self.instance else {
            return Err("the workflow has not started yet".to_string());
        };
        let _enter = Enter::new(&self.state);
        let before = self.state.borrow().commands.len();
        let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| instance.query(name, args)));
        self.state.borrow_mut().commands.truncate(before);
        match answer {
            Err(p) => Err(format!("query handler {name:?} panicked: {}", crate::error::panic_message(p.as_ref()))),
            Ok(None) => Err(format!(
                "workflow type {} has no query handler {name:?}; known queries: {:?}",
                self.factory.name(),
                instance.query_names()
            )),
            Ok(Some(Err(e))) => Err(format!("query {name:?}: {e}")),
            Ok(Some(Ok(p))) => Ok(p),
        }
    }
}

fn parse_seq(id: &str, event: &HistoryEvent) -> Result<u32, RunError> {
    id.parse().map_err(|_| {
        RunError::BadHistory(format!("event {} has id {id:?}, which this SDK did not write", event.event_id))
    })
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
        Some(Cmd::RecordMarkerCommandAttributes(a)) => format!("RecordMarker(marker_name={:?})", a.marker_name),
        Some(other) => format!("{:?}", command_kind(other)),
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
        Cmd::StartChildWorkflowExecutionCommandAttributes(_) => "StartChildWorkflowExecution",
        Cmd::SignalExternalWorkflowExecutionCommandAttributes(_) => "SignalExternalWorkflowExecution",
        Cmd::RequestCancelExternalWorkflowExecutionCommandAttributes(_) => "RequestCancelExternalWorkflowExecution",
        Cmd::UpsertWorkflowSearchAttributesCommandAttributes(_) => "UpsertWorkflowSearchAttributes",
        Cmd::ModifyWorkflowPropertiesCommandAttributes(_) => "ModifyWorkflowProperties",
        Cmd::ProtocolMessageCommandAttributes(_) => "ProtocolMessage",
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
