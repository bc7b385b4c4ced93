//! One workflow task in, its outcome out: the single place that decides how a task ends (query
//! answers, which errors fail the task and which the workflow, non-determinism), shared by
//! the worker's workflow threads and the replayer.

use std::collections::HashMap;

use super::history::ID_AND_TYPE_CHECKS_FLAG;
use super::info::WorkflowInfo;
use super::ops::local_activity::LocalActivityResult;
use super::registry::Registry;
use super::run::{Activation, FailurePolicy, LocalActivityWork, RunError, WorkflowRun};
use crate::error::Failure;
use crate::protos::temporal::api::command::v1::Command;
use crate::protos::temporal::api::common::v1::{Payload, Payloads};
use crate::protos::temporal::api::enums::v1::{QueryResultType, WorkflowTaskFailedCause};
use crate::protos::temporal::api::failure::v1::Failure as ProtoFailure;
use crate::protos::temporal::api::history::v1::HistoryEvent;
use crate::protos::temporal::api::protocol::v1::Message;
use crate::protos::temporal::api::query::v1::{WorkflowQuery, WorkflowQueryResult};

/// How a workflow task ends.
#[derive(Debug)]
pub(crate) enum TaskOutcome {
    /// Respond with these commands, messages and query answers; `cached` when the run stays
    /// in the worker's cache (so the server may send its next task to the sticky queue).
    Completed {
        commands: Vec<Command>,
        messages: Vec<Message>,
        query_results: HashMap<String, WorkflowQueryResult>,
        cached: bool,
        /// When the run started, for its end-to-end latency once it closes.
        started: Option<std::time::SystemTime>,
        /// A workflow task heartbeat: local activities still run, so the server must start a
        /// new task (`force_create_new_workflow_task`) to take their results.
        heartbeat: bool,
        /// Running local activities the worker must cancel.
        cancel_local_activities: Vec<u32>,
    },
    /// Fail the task (the server retries it).
    Failed { cause: WorkflowTaskFailedCause, failure: Box<ProtoFailure> },
    /// The answer to a legacy query task.
    QueryAnswer(Result<Payload, String>),
}

/// What processing a task came to: its outcome, or what the engine needs first.
#[derive(Debug)]
pub(crate) enum Step {
    Done(TaskOutcome),
    /// The events do not continue the cached run: replay from a full history.
    NeedFullHistory,
    /// The task waits for local activities (after starting and cancelling these); resume it
    /// with their results, or heartbeat it before its timeout runs out.
    LocalActivities {
        work: LocalActivityWork,
        /// The run's workflow task timeout (what the heartbeat must beat).
        task_timeout: Option<std::time::Duration>,
    },
}

/// A task failure of `error_type` with `message`.
pub(crate) fn failed(cause: WorkflowTaskFailedCause, message: String, error_type: &str) -> TaskOutcome {
    let failure = Failure::application(message, Some(error_type.into()), false);
    TaskOutcome::Failed { cause, failure: Box::new(failure.to_proto()) }
}

/// A new run of `workflow_type`, or the failure that says the type is unknown.
pub(crate) fn new_run(
    registry: &Registry,
    workflow_type: &str,
    info: WorkflowInfo,
    policy: &FailurePolicy,
) -> Result<WorkflowRun, String> {
    match registry.find(workflow_type) {
        Some(factory) => Ok(WorkflowRun::new(std::sync::Arc::clone(factory), info).with_policy(policy.clone())),
        None => Err(format!(
            "Workflow type {workflow_type:?} is not registered on this worker; registered workflow types: {:?}",
            registry.names()
        )),
    }
}

/// Applies a task's events to `run` and concludes the task.
pub(crate) fn process(
    run: &mut WorkflowRun,
    events: &[HistoryEvent],
    messages: &[Message],
    queries: &HashMap<String, WorkflowQuery>,
) -> Step {
    let applied = run.apply_events(events, messages);
    conclude(run, applied, queries)
}

/// Continues a task that waited for local activities.
pub(crate) fn resume(
    run: &mut WorkflowRun,
    results: Vec<LocalActivityResult>,
    queries: &HashMap<String, WorkflowQuery>,
) -> Step {
    let applied = run.resume_local_activities(results);
    conclude(run, applied, queries)
}

/// Completes a task that waits for local activities with what its code produced so far, and
/// asks for a new task (a workflow task heartbeat); the run keeps waiting for them.
pub(crate) fn heartbeat(run: &mut WorkflowRun, queries: &HashMap<String, WorkflowQuery>) -> Step {
    let applied = run.heartbeat();
    match conclude(run, applied, queries) {
        Step::Done(TaskOutcome::Completed { commands, messages, query_results, cached, started, .. }) => {
            Step::Done(TaskOutcome::Completed {
                commands,
                messages,
                query_results,
                cached,
                started,
                heartbeat: true,
                cancel_local_activities: Vec::new(),
            })
        }
        other => other,
    }
}

/// Applies a legacy query task's events and answers its query (never failing the task).
pub(crate) fn answer_legacy_query(run: &mut WorkflowRun, events: &[HistoryEvent], query: &WorkflowQuery) -> Step {
    match run.apply_events(events, &[]) {
        Ok(_) => {
            let args = query.query_args.clone().map(|p| p.payloads).unwrap_or_default();
            Step::Done(TaskOutcome::QueryAnswer(run.query(&query.query_type, &args, query.header.clone())))
        }
        Err(RunError::Gap { .. }) => Step::NeedFullHistory,
        Err(e) => Step::Done(TaskOutcome::QueryAnswer(Err(e.to_string()))),
    }
}

/// Replays a whole history (nothing is sent anywhere): `Ok` when the code produced exactly the
/// recorded commands.
pub(crate) fn replay(run: &mut WorkflowRun, events: &[HistoryEvent]) -> Result<(), RunError> {
    run.apply_events(events, &[]).map(|_| ())
}

fn conclude(
    run: &WorkflowRun,
    applied: Result<Activation, RunError>,
    queries: &HashMap<String, WorkflowQuery>,
) -> Step {
    let activation = match applied {
        Ok(a) => a,
        Err(RunError::Gap { .. }) => return Step::NeedFullHistory,
        Err(e) => return Step::Done(task_error(run, e)),
    };
    if activation.local_activities.waiting {
        return Step::LocalActivities { work: activation.local_activities, task_timeout: run.task_timeout() };
    }
    let query_results = queries.iter().map(|(id, q)| (id.clone(), query_result(run, q))).collect();
    Step::Done(TaskOutcome::Completed {
        commands: activation.commands,
        messages: activation.messages,
        query_results,
        cached: !run.is_finished(),
        started: run.start_time(),
        heartbeat: false,
        cancel_local_activities: activation.local_activities.cancel,
    })
}

/// A task the code could not finish: the failure policy decides between failing the task
/// (retried by the server) and failing the workflow (non-determinism, when chosen).
fn task_error(run: &WorkflowRun, error: RunError) -> TaskOutcome {
    let message = error.to_string();
    if let RunError::Nondeterminism(_) = &error
        && let Some(command) = run.nondeterminism_command(&message)
    {
        return TaskOutcome::Completed {
            commands: vec![command],
            messages: Vec::new(),
            query_results: HashMap::new(),
            cached: false,
            started: run.start_time(),
            heartbeat: false,
            cancel_local_activities: Vec::new(),
        };
    }
    let (cause, error_type) = match &error {
        RunError::Nondeterminism(_) => (WorkflowTaskFailedCause::NonDeterministicError, "NondeterminismError"),
        RunError::Panic(_) => (WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure, "Panic"),
        _ => (WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure, "WorkflowTaskError"),
    };
    // The server retries the task: this is the one report of what went wrong.
    tracing::warn!(workflow_id = %run.workflow_id(), run_id = %run.run_id(), error = %message, "failing workflow task");
    failed(cause, message, error_type)
}

fn query_result(run: &WorkflowRun, query: &WorkflowQuery) -> WorkflowQueryResult {
    let args = query.query_args.clone().map(|p| p.payloads).unwrap_or_default();
    match run.query(&query.query_type, &args, query.header.clone()) {
        Ok(p) => WorkflowQueryResult {
            result_type: QueryResultType::Answered as i32,
            answer: Some(Payloads { payloads: vec![p] }),
            ..Default::default()
        },
        Err(message) => WorkflowQueryResult {
            result_type: QueryResultType::Failed as i32,
            error_message: message.clone(),
            failure: Some(Failure::application(message, None, false).to_proto()),
            ..Default::default()
        },
    }
}

/// The sdk-core internal flags this SDK records with a run's first completed task.
pub(crate) fn flags_for_first_task() -> Vec<u32> {
    vec![ID_AND_TYPE_CHECKS_FLAG]
}
