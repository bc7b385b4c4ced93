//! One workflow run: history in, commands out.
//!
//! The run walks history events in order. Events the server generated (a signal, a fired
//! timer, an activity result) become jobs; at each workflow-task boundary the jobs are applied
//! and the executor runs the workflow until it stalls, producing commands. Command events in
//! history (the server's record of commands) are matched one by one against the commands the
//! code produced, in order: a difference is a non-determinism error naming both sides. Live
//! tasks and replay are the same path; the last task's commands are the ones to send.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::Arc;
use std::time::SystemTime;

use super::builtin_queries;
use super::context::{Enter, SharedState};
use super::executor::Executor;
use super::history::{self, describe_command, describe_event};
use super::hooks::{self, InboundKind, OutboundKind};
use super::info::WorkflowInfo;
use super::instance::{HandlerOutcome, WorkflowFactory, WorkflowInstance};
use super::jobs::{EventIndex, Job};
use super::matching;
use super::ops::local_activity::{self, LocalActivityRequest, LocalActivityResult};
use super::ops::update;
use super::ops::{self, EmittedCommand, OpKind, patch, to_command};
use super::state::RunState;
use super::tasks::{HandlerKind, RunningHandler, TaskRole};
use crate::common::{RetryPolicy, duration_from_proto, time_from_proto};
use crate::error::{Failure, FailureKind, WorkflowError};
use crate::headers::Headers;
use crate::protos::temporal::api::command::v1::{
    CancelWorkflowExecutionCommandAttributes, Command, CompleteWorkflowExecutionCommandAttributes,
    FailWorkflowExecutionCommandAttributes, command::Attributes as Cmd,
};
use crate::protos::temporal::api::common::v1::{Header, Memo, Payload, Payloads, SearchAttributes};
use crate::protos::temporal::api::enums::v1::EventType;
use crate::protos::temporal::api::history::v1::{
    HistoryEvent, WorkflowExecutionStartedEventAttributes, history_event::Attributes as Ev,
};
use crate::protos::temporal::api::protocol::v1::Message;

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

/// Tells whether a boxed error is of one chosen type.
pub(crate) type IsError = fn(&(dyn std::error::Error + 'static)) -> bool;

/// Which errors fail the workflow rather than the workflow task.
#[derive(Clone, Default)]
pub(crate) struct FailurePolicy {
    /// Error types (by name, and a test of a boxed error) that fail the workflow.
    pub(crate) failure_errors: Vec<(&'static str, IsError)>,
    pub(crate) nondeterminism_fails_workflow: bool,
    /// Not a failure rule, but configured beside them: the hooks around every run.
    pub(crate) hooks: super::hooks::SharedHooks,
}

/// What the live workflow task produced: commands, and protocol messages (update responses).
#[derive(Debug, Default)]
pub(crate) struct Activation {
    pub(crate) commands: Vec<Command>,
    pub(crate) messages: Vec<Message>,
    /// What the worker must do with local activities.
    pub(crate) local_activities: LocalActivityWork,
}

/// The local activities the worker must start and cancel for the live task, and whether the
/// task waits for their results (then its commands stay in the run until the task completes
/// or heartbeats, and `resume_local_activities` continues it).
#[derive(Debug, Default)]
pub(crate) struct LocalActivityWork {
    pub(crate) start: Vec<LocalActivityRequest>,
    pub(crate) cancel: Vec<u32>,
    pub(crate) waiting: bool,
}

pub(crate) struct WorkflowRun {
    state: SharedState,
    executor: Executor,
    factory: Arc<dyn WorkflowFactory>,
    instance: Option<Rc<dyn WorkflowInstance>>,
    /// Commands produced but not yet seen as history events, oldest first.
    unmatched: VecDeque<EmittedCommand>,
    /// Which operation each event refers to.
    index: EventIndex,
    /// Whether ids of activities and children must match history too, not only their types.
    /// sdk-core checks them only in histories whose SDK recorded that it does (internal flag
    /// `IdAndTypeDeterminismChecks`); Go and Java chose other default ids, so their histories
    /// replay on type alone. This SDK always checked ids, and records the flag.
    id_checks: bool,
    last_event_id: i64,
    jobs: Vec<Job>,
    finished: bool,
    /// Set once applying history failed.
    broken: bool,
    policy: FailurePolicy,
}

impl Drop for WorkflowRun {
    /// Dropping a run (evicted from the cache, replay finished) drops the futures its code
    /// waits on; that is not workflow code cancelling them, so they must stay silent.
    fn drop(&mut self) {
        if let Ok(mut st) = self.state.try_borrow_mut() {
            st.tearing_down = true;
        }
    }
}

impl WorkflowRun {
    /// When the run started (the start event's time), once known.
    pub(crate) fn start_time(&self) -> Option<std::time::SystemTime> {
        self.state.borrow().info.start_time
    }

    pub(crate) fn new(factory: Arc<dyn WorkflowFactory>, info: WorkflowInfo) -> Self {
        Self {
            state: Rc::new(RefCell::new(RunState::new(info))),
            executor: Executor::default(),
            factory,
            instance: None,
            unmatched: VecDeque::new(),
            index: EventIndex::default(),
            id_checks: false,
            last_event_id: 0,
            jobs: Vec::new(),
            finished: false,
            broken: false,
            policy: FailurePolicy::default(),
        }
    }

    /// Sets which errors fail the workflow rather than the task.
    pub(crate) fn with_policy(mut self, policy: FailurePolicy) -> Self {
        self.state.borrow_mut().hooks = policy.hooks.clone();
        self.policy = policy;
        self
    }

    /// The closing command that fails the workflow with a non-determinism error, for workers
    /// that chose that over failing the task.
    pub(crate) fn nondeterminism_command(&self, message: &str) -> Option<Command> {
        self.policy.nondeterminism_fails_workflow.then(|| {
            let failure = Failure::application(message, Some("NondeterminismError".into()), true);
            to_command(Cmd::FailWorkflowExecutionCommandAttributes(FailWorkflowExecutionCommandAttributes {
                failure: Some(failure.to_proto()),
            }))
        })
    }

    /// The run's workflow task timeout, once known.
    pub(crate) fn task_timeout(&self) -> Option<std::time::Duration> {
        self.state.borrow().info.task_timeout
    }

    /// The workflow id of the run.
    pub(crate) fn workflow_id(&self) -> String {
        self.state.borrow().info.workflow_id.clone()
    }

    /// The id of the last event applied.
    pub(crate) fn last_event_id(&self) -> i64 {
        self.last_event_id
    }

    /// Whether the workflow produced its closing command.
    pub(crate) fn is_finished(&self) -> bool {
        self.finished
    }

    /// Applies `events` (which must continue where the run stopped) plus the protocol
    /// `messages` of the live task, and returns what the last, live workflow task produced.
    pub(crate) fn apply_events(
        &mut self,
        events: &[HistoryEvent],
        messages: &[Message],
    ) -> Result<Activation, RunError> {
        let applied = self.apply(events, messages);
        self.broken |= applied.is_err();
        applied
    }

    /// Whether applying history failed: the run's state is not one history can continue.
    pub(crate) fn is_broken(&self) -> bool {
        self.broken
    }

    /// The run id of the run.
    pub(crate) fn run_id(&self) -> String {
        self.state.borrow().info.run_id.clone()
    }

    fn apply(&mut self, events: &[HistoryEvent], messages: &[Message]) -> Result<Activation, RunError> {
        let mut outgoing = Activation::default();
        for (i, event) in events.iter().enumerate() {
            if event.event_id <= self.last_event_id {
                continue;
            }
            if event.event_id != self.last_event_id + 1 {
                return Err(RunError::Gap { expected: self.last_event_id + 1, got: event.event_id });
            }
            self.last_event_id = event.event_id;
            let event_type = history::checked_type(event).map_err(RunError::BadHistory)?;
            if history::is_command_event(event_type) {
                self.match_command(event)?;
                continue;
            }
            match event_type {
                EventType::WorkflowTaskCompleted => {
                    if let Some(Ev::WorkflowTaskCompletedEventAttributes(a)) = &event.attributes {
                        self.id_checks |= history::checks_ids(a);
                    }
                }
                // Task bookkeeping: nothing for workflow code.
                EventType::WorkflowTaskScheduled | EventType::WorkflowTaskTimedOut | EventType::WorkflowTaskFailed => {}
                EventType::WorkflowTaskStarted => {
                    self.state.borrow_mut().info.history_length = event.event_id;
                    let next = events.get(i + 1).map(HistoryEvent::event_type);
                    // A started task is a boundary unless it failed or timed out.
                    let boundary = matches!(next, None | Some(EventType::WorkflowTaskCompleted));
                    if boundary {
                        let replaying = next.is_some();
                        if replaying {
                            self.look_ahead(&events[i + 1..]);
                        } else {
                            for m in messages {
                                self.jobs
                                    .push(Job::Update(update::request_from_message(m).map_err(RunError::BadHistory)?));
                            }
                        }
                        let now = event.event_time.as_ref().map(time_from_proto);
                        outgoing = self.activate(now, replaying)?;
                    }
                }
                _ => self.collect_job(event)?,
            }
        }
        self.state.borrow_mut().info.history_length = self.last_event_id;
        Ok(outgoing)
    }

    /// Replaying a task, the code must see what it did in that task before the task's own
    /// command events are reached: accepted updates become jobs of this activation, and patch
    /// markers tell `patched()` which branch was taken.
    fn look_ahead(&mut self, following: &[HistoryEvent]) {
        self.state.borrow_mut().local_activities.clear_markers();
        for e in following.iter().skip(1) {
            if e.event_type() == EventType::WorkflowTaskStarted {
                break;
            }
            match &e.attributes {
                Some(Ev::WorkflowExecutionUpdateAcceptedEventAttributes(a)) => {
                    if let Some(req) = update::request_from_accepted(a) {
                        self.jobs.push(Job::Update(req));
                    }
                }
                Some(Ev::MarkerRecordedEventAttributes(a)) => {
                    if let Some((id, _)) = patch::marker_patch(a) {
                        self.state.borrow_mut().patches.seen.insert(id);
                    }
                    if let Some(result) = local_activity::marker_result(a) {
                        self.state.borrow_mut().local_activities.add_marker(result);
                    }
                }
                _ => {}
            }
        }
    }

    fn init_info(&mut self, event: &HistoryEvent, a: &WorkflowExecutionStartedEventAttributes) {
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
        info.headers = Headers::of(&a.header);
        let seed_id = if a.original_execution_run_id.is_empty() {
            info.run_id.clone()
        } else {
            a.original_execution_run_id.clone()
        };
        if let Some(t) = info.start_time {
            st.now = t;
        }
        st.search_attributes = a.search_attributes.clone().map(|s| s.indexed_fields).unwrap_or_default();
        st.memo = a.memo.clone().map(|m| m.fields).unwrap_or_default();
        st.rng.seed(&seed_id);
    }

    /// Applies the collected jobs and runs the workflow until it stalls.
    fn activate(&mut self, now: Option<SystemTime>, replaying: bool) -> Result<Activation, RunError> {
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
        self.drive(replaying)
    }

    /// Runs the workflow until it stalls. Replaying, local activities resolve from their
    /// markers as they resolved live: one per activation, in history order, each after the
    /// code stalled. Live, a task with pending local activities waits for the worker to run
    /// them (its commands stay here), unless the workflow has ended.
    fn drive(&mut self, replaying: bool) -> Result<Activation, RunError> {
        loop {
            if !self.finished {
                self.executor.run_until_stalled(&self.state).map_err(|p| RunError::Panic(p.0))?;
            }
            let mut st = self.state.borrow_mut();
            st.local_activities.mark_started();
            if !replaying || !local_activity::resolve_next_marker(&mut st) {
                break;
            }
            st.generation += 1;
        }
        self.check_not_stuck_on_foreign_future()?;
        if !replaying && !self.finished {
            let mut st = self.state.borrow_mut();
            let ended = st.result.is_some() || st.handler_error.is_some();
            if st.local_activities.any_pending() && !ended {
                let work = LocalActivityWork {
                    start: std::mem::take(&mut st.local_activities.requests),
                    cancel: std::mem::take(&mut st.local_activities.cancels),
                    waiting: true,
                };
                return Ok(Activation { local_activities: work, ..Activation::default() });
            }
        }
        self.take_activation(replaying)
    }

    /// Ends the activation: its commands (closing command included) and messages, also kept
    /// to be matched against the events that will record them.
    fn take_activation(&mut self, replaying: bool) -> Result<Activation, RunError> {
        let commands = self.finish_activation()?;
        let (messages, cancel) = {
            let mut st = self.state.borrow_mut();
            if !replaying {
                // An ended workflow's requests never run (the worker cancels what still runs).
                st.local_activities.requests.clear();
            }
            (std::mem::take(&mut st.messages), std::mem::take(&mut st.local_activities.cancels))
        };
        // Commands wait to be matched against the events that record them. A replayed task's
        // commands were sent long ago, so only the live task's are also kept to send.
        let commands = if replaying {
            self.unmatched.extend(commands);
            Vec::new()
        } else {
            self.unmatched.extend(commands.iter().cloned());
            commands.into_iter().map(|c| c.command).collect()
        };
        // Messages of replayed tasks were delivered long ago: only the live task sends them.
        if replaying {
            return Ok(Activation::default());
        }
        Ok(Activation {
            commands,
            messages,
            local_activities: LocalActivityWork { start: Vec::new(), cancel, waiting: false },
        })
    }

    /// Completes a live task that waits for local activities without them (a workflow task
    /// heartbeat): what the code produced so far goes out, the local activities keep running
    /// and resolve in a later task.
    pub(crate) fn heartbeat(&mut self) -> Result<Activation, RunError> {
        let taken = self.take_activation(false);
        self.broken |= taken.is_err();
        taken
    }

    /// A run whose code is still running but waits on no SDK operation at all can only be
    /// waiting on something the SDK did not create (a tokio timer or channel, a thread): that
    /// never wakes deterministically, so the task fails with a message saying what to use.
    fn check_not_stuck_on_foreign_future(&self) -> Result<(), RunError> {
        let st = self.state.borrow();
        let running = !self.finished && st.result.is_none() && self.executor.live_tasks() > 0;
        let waiting_on_sdk = st.waits_on_sdk();
        if running && !waiting_on_sdk {
            return Err(RunError::Task(
                "workflow code is waiting on a future the SDK did not create (for example a tokio timer, channel or task): \
                 it would never wake deterministically; use workflow::sleep, workflow::wait_condition, activities and the \
                 other workflow:: functions instead"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Continues a live task suspended on local activities with their results.
    pub(crate) fn resume_local_activities(
        &mut self,
        results: Vec<LocalActivityResult>,
    ) -> Result<Activation, RunError> {
        let resumed = self.resume(results);
        self.broken |= resumed.is_err();
        resumed
    }

    fn resume(&mut self, results: Vec<LocalActivityResult>) -> Result<Activation, RunError> {
        {
            let mut st = self.state.borrow_mut();
            for result in results {
                local_activity::resolve(&mut st, result);
            }
            st.generation += 1;
        }
        self.drive(false)
    }

    fn apply_job(&mut self, job: Job) -> Result<(), RunError> {
        match job {
            Job::Start { input, mut header } => {
                let workflow_type = self.state.borrow().info.workflow_type.clone();
                hooks::inbound(&self.state, InboundKind::Run, &workflow_type, &mut header, &input);
                self.state.borrow_mut().info.headers = Headers::of(&header);
                let instance: Rc<dyn WorkflowInstance> = self
                    .factory
                    .instantiate(&input)
                    .map_err(|e| {
                        RunError::Task(format!("failed decoding the input of workflow {}: {e}", self.factory.name()))
                    })?
                    .into();
                let run = {
                    let _enter = Enter::new(&self.state);
                    instance.run()
                };
                let state = Rc::clone(&self.state);
                let id = self.executor.spawn(Box::pin(async move {
                    let result = run.await;
                    state.borrow_mut().result = Some(result);
                }));
                let mut st = self.state.borrow_mut();
                st.main_task = Some(id);
                st.tasks.started(id, TaskRole::Run);
                drop(st);
                self.instance = Some(instance);
            }
            Job::Signal { name, input, mut header } => {
                let instance = self.started_instance(&name)?;
                let _enter = Enter::new(&self.state);
                hooks::inbound(&self.state, InboundKind::Signal, &name, &mut header, &input);
                let headers = Rc::new(Headers::of(&header));
                match hooks::with_headers(&self.state, &headers, || instance.signal(&name, &input)) {
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
                        let policy = instance.unfinished_policy(HandlerKind::Signal, &name);
                        let handler = RunningHandler { kind: HandlerKind::Signal, name, update_id: None, policy };
                        let fut = Box::pin(hooks::WithHeaders::new(&self.state, &headers, fut));
                        self.spawn_handler(fut, handler);
                    }
                }
            }
            Job::Update(request) => {
                let instance = self.started_instance(&request.name)?;
                let handler = RunningHandler {
                    kind: HandlerKind::Update,
                    policy: instance.unfinished_policy(HandlerKind::Update, &request.name),
                    name: request.name.clone(),
                    update_id: Some(request.update_id.clone()),
                };
                if let Some(fut) = update::start(&self.state, instance.as_ref(), request) {
                    self.spawn_handler(fut, handler);
                }
            }
            Job::FireTimer(seq) => {
                let mut st = self.state.borrow_mut();
                st.owners.finish(OpKind::Timer, seq);
                st.timers.fire(seq);
            }
            Job::ResolveActivity(seq, outcome) => {
                let mut st = self.state.borrow_mut();
                st.owners.finish(OpKind::Activity, seq);
                st.activities.resolve(seq, outcome);
            }
            Job::ChildStarted { seq, run_id, event_id } => {
                self.state.borrow_mut().children.started(seq, run_id, event_id);
            }
            Job::ChildStartFailed(seq, failure) => {
                let mut st = self.state.borrow_mut();
                st.owners.finish(OpKind::Child, seq);
                st.children.start_failed(seq, failure);
            }
            Job::ChildResolved(seq, outcome) => {
                let mut st = self.state.borrow_mut();
                st.owners.finish(OpKind::Child, seq);
                st.children.resolve(seq, outcome);
            }
            Job::ExternalResolved(kind, seq, outcome) => {
                let st = &mut *self.state.borrow_mut();
                st.owners.finish(kind, seq);
                if kind == OpKind::CancelExternal {
                    st.children.cancel_request_delivered(seq, &st.info.namespace);
                }
                st.externals.resolve(kind, seq, outcome);
            }
            Job::Cancel => {
                let mut st = self.state.borrow_mut();
                if !st.cancel_requested {
                    st.cancel_requested = true;
                    if let Some(main) = st.main_task {
                        ops::cancel_task(&mut st, main);
                    }
                }
            }
        }
        self.state.borrow_mut().generation += 1;
        Ok(())
    }

    fn started_instance(&self, handler: &str) -> Result<Rc<dyn WorkflowInstance>, RunError> {
        self.instance
            .clone()
            .ok_or_else(|| RunError::BadHistory(format!("{handler:?} arrived before the workflow started")))
    }

    fn spawn_handler(
        &mut self,
        fut: futures::future::LocalBoxFuture<'static, crate::error::WorkflowResult<()>>,
        handler: RunningHandler,
    ) {
        let state = Rc::clone(&self.state);
        let id = self.executor.spawn(Box::pin(async move {
            if let Err(e) = fut.await {
                state.borrow_mut().handler_error.get_or_insert(e);
            }
        }));
        self.state.borrow_mut().tasks.started(id, TaskRole::Handler(handler));
    }

    /// Takes the activation's commands, adding the closing command if the workflow ended.
    fn finish_activation(&mut self) -> Result<Vec<EmittedCommand>, RunError> {
        let mut st = self.state.borrow_mut();
        let mut commands = st.commands.take();
        if self.finished {
            return Ok(commands);
        }
        let outcome = match st.handler_error.take() {
            Some(e) => Some(Err(e)),
            None => st.result.take(),
        };
        let Some(outcome) = outcome else { return Ok(commands) };
        // Said once, when it happens: not again on every replay of the history.
        if !st.replaying {
            for warning in st.tasks.unfinished_warnings() {
                tracing::warn!(
                    workflow_id = %st.info.workflow_id,
                    run_id = %st.info.run_id,
                    workflow_type = %st.info.workflow_type,
                    "{warning}"
                );
            }
        }
        let closing: Command = match outcome {
            Ok(payload) => to_command(Cmd::CompleteWorkflowExecutionCommandAttributes(
                CompleteWorkflowExecutionCommandAttributes { result: Some(Payloads { payloads: vec![payload] }) },
            )),
            Err(WorkflowError::Failure(f)) if f.is_cancelled() && st.cancel_requested => {
                let details = match &f.root_cause().kind {
                    FailureKind::Cancelled { details } if !details.is_empty() => {
                        Some(Payloads { payloads: details.clone() })
                    }
                    _ => None,
                };
                to_command(Cmd::CancelWorkflowExecutionCommandAttributes(CancelWorkflowExecutionCommandAttributes {
                    details,
                }))
            }
            Err(WorkflowError::Failure(f)) => {
                to_command(Cmd::FailWorkflowExecutionCommandAttributes(FailWorkflowExecutionCommandAttributes {
                    failure: Some(f.to_proto()),
                }))
            }
            Err(WorkflowError::ContinueAsNew(c)) => {
                let mut attributes = c.attributes;
                // The server starts the next run with only what the command carries: the
                // current memo and search attributes (upserts included) go along unless the
                // options replaced them.
                if attributes.memo.is_none() && !st.memo.is_empty() {
                    attributes.memo = Some(Memo { fields: st.memo.clone() });
                }
                if attributes.search_attributes.is_none() && !st.search_attributes.is_empty() {
                    attributes.search_attributes =
                        Some(SearchAttributes { indexed_fields: st.search_attributes.clone() });
                }
                to_command(Cmd::ContinueAsNewWorkflowExecutionCommandAttributes(attributes))
            }
            Err(WorkflowError::Task(e)) => match self.policy.failure_errors.iter().find(|(_, is)| is(e.as_ref())) {
                Some((type_name, _)) => {
                    let failure =
                        Failure::application(e.to_string(), crate::error::failure_type_name(type_name), false);
                    to_command(Cmd::FailWorkflowExecutionCommandAttributes(FailWorkflowExecutionCommandAttributes {
                        failure: Some(failure.to_proto()),
                    }))
                }
                None => return Err(RunError::Task(e.to_string())),
            },
        };
        drop(st);
        self.finished = true;
        commands.push(EmittedCommand { command: self.intercept_closing(closing), seq: 0 });
        Ok(commands)
    }

    /// Lets the hooks see the run's end: a continue-as-new gets their headers.
    fn intercept_closing(&self, mut closing: Command) -> Command {
        if self.state.borrow().hooks.is_none() {
            return closing;
        }
        let workflow_type = self.state.borrow().info.workflow_type.clone();
        let mut failed = false;
        match &mut closing.attributes {
            Some(Cmd::ContinueAsNewWorkflowExecutionCommandAttributes(a)) => {
                let next_type =
                    a.workflow_type.as_ref().map_or(workflow_type.as_str(), |t| t.name.as_str()).to_string();
                hooks::outbound(&self.state, OutboundKind::ContinueAsNew, &next_type, false, &mut a.header);
            }
            Some(Cmd::FailWorkflowExecutionCommandAttributes(_)) => failed = true,
            _ => {}
        }
        hooks::outbound(&self.state, OutboundKind::CompleteWorkflow, &workflow_type, failed, &mut None);
        closing
    }

    fn match_command(&mut self, event: &HistoryEvent) -> Result<(), RunError> {
        // A deprecated patch's marker stays in old histories after the code stopped asking.
        if patch::is_skippable_marker(event, self.unmatched.front().map(|c| &c.command)) {
            return Ok(());
        }
        let Some(cmd) = self.unmatched.pop_front() else {
            return Err(RunError::Nondeterminism(format!(
                "history has {} but the workflow code issued no command for it",
                describe_event(event)
            )));
        };
        let st = &mut *self.state.borrow_mut();
        if matching::same(&cmd, event, &mut self.index, st, self.id_checks) {
            Ok(())
        } else {
            Err(RunError::Nondeterminism(format!(
                "workflow code issued command {} but history has {} at that point",
                describe_command(&cmd.command),
                describe_event(event)
            )))
        }
    }

    fn collect_job(&mut self, event: &HistoryEvent) -> Result<(), RunError> {
        if let Some(Ev::WorkflowExecutionStartedEventAttributes(a)) = &event.attributes {
            self.init_info(event, a);
        }
        let job = self.index.job_of(event, &self.state.borrow())?;
        self.jobs.extend(job);
        Ok(())
    }

    /// Answers a query against the current state.
    pub(crate) fn query(&self, name: &str, args: &[Payload], header: Option<Header>) -> Result<Payload, String> {
        let Some(instance) = &self.instance else {
            return Err("the workflow has not started yet".to_string());
        };
        if let Some(answer) = builtin_queries::answer(name, &self.state.borrow(), instance.as_ref()) {
            return answer;
        }
        let _enter = Enter::new(&self.state);
        // Queries are never replays: hooks may always act on them.
        let replaying = std::mem::replace(&mut self.state.borrow_mut().replaying, false);
        let mut header = header;
        hooks::inbound(&self.state, InboundKind::Query, name, &mut header, args);
        self.state.borrow_mut().replaying = replaying;
        let headers = Rc::new(Headers::of(&header));
        let before = self.state.borrow().commands.len();
        let answer =
            super::panic::catch_quietly(|| hooks::with_headers(&self.state, &headers, || instance.query(name, args)));
        // Queries are read-only: anything they tried to schedule is dropped.
        self.state.borrow_mut().commands.truncate(before);
        match answer {
            Err(message) => Err(format!("query handler {name:?} panicked: {message}")),
            // The Web UI lists a workflow's queries from this message when it cannot get them
            // from the metadata query: keep the bracketed list.
            Ok(None) => Err(format!(
                "workflow type {} has no query handler {name:?}, known queries: {}",
                self.factory.name(),
                builtin_queries::known_list(instance.query_names())
            )),
            Ok(Some(Err(e))) => Err(format!("query {name:?}: {e}")),
            Ok(Some(Ok(p))) => Ok(p),
        }
    }
}
