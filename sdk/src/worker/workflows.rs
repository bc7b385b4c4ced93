//! Polling workflow tasks, completing history pages, and reporting task outcomes.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tracing::Instrument;

use std::sync::atomic::Ordering;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use crate::protos::temporal::api::command::v1::{Command, command::Attributes as Cmd};

use super::heartbeat::PollKind;
use super::local_activity_runs::Next;
use super::pollers::{PollOutcome, PollScaler, PollTurn};
use super::pool::Pool;
use super::{Shared, activities};
use crate::client::{CallKind, ClientError};
use crate::common::{duration_to_proto, time_from_proto};
use crate::converter::CodecError;
use crate::protos::temporal::api::common::v1::{Payloads, WorkflowExecution};
use crate::protos::temporal::api::enums::v1::{QueryResultType, TaskQueueKind, WorkflowTaskFailedCause};
use crate::protos::temporal::api::history::v1::History;
use crate::protos::temporal::api::sdk::v1::WorkflowTaskCompletedMetadata;
use crate::protos::temporal::api::taskqueue::v1::{StickyExecutionAttributes, TaskQueue};
use crate::protos::temporal::api::workflowservice::v1::{
    GetWorkflowExecutionHistoryRequest, PollWorkflowTaskQueueRequest, PollWorkflowTaskQueueResponse,
    RespondQueryTaskCompletedRequest, RespondWorkflowTaskCompletedRequest, RespondWorkflowTaskFailedRequest,
};
use crate::runtime::history::SDK_NAME;
use crate::runtime::task::{self, Step, TaskOutcome};
use crate::telemetry::Counter;
use crate::telemetry::sdk_metrics::{WorkerMetrics, millis};

/// Opens polls of `queue` as slots free up and the scaler allows, each on its own task; returns
/// at shutdown once no poll is open.
pub(crate) async fn poll_loop(
    shared: Arc<Shared>,
    pool: Arc<Pool>,
    permits: Arc<Semaphore>,
    queue: TaskQueue,
    scaler: Arc<PollScaler>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&permits).acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = shutdown.wait_for(|s| *s) => break,
        };
        let turn = tokio::select! {
            t = scaler.turn() => t,
            _ = shutdown.wait_for(|s| *s) => break,
        };
        let poll = Poll {
            shared: Arc::clone(&shared),
            pool: Arc::clone(&pool),
            permits: Arc::clone(&permits),
            queue: queue.clone(),
            scaler: Arc::clone(&scaler),
        };
        tokio::spawn(poll.run(permit, turn, shutdown.clone()));
    }
    scaler.idle().await;
}

/// One poll of a workflow task queue.
struct Poll {
    shared: Arc<Shared>,
    pool: Arc<Pool>,
    permits: Arc<Semaphore>,
    queue: TaskQueue,
    scaler: Arc<PollScaler>,
}

impl Poll {
    async fn run(self, permit: OwnedSemaphorePermit, turn: PollTurn, mut shutdown: watch::Receiver<bool>) {
        let Poll { shared, pool, permits, queue, scaler } = self;
        let queue_kind = queue.kind;
        let req = PollWorkflowTaskQueueRequest {
            namespace: shared.client.namespace().to_string(),
            task_queue: Some(queue),
            identity: shared.client.identity().to_string(),
            worker_instance_key: shared.instance_key.clone(),
            deployment_options: shared.deployment.clone(),
            ..Default::default()
        };
        let polled = tokio::select! {
            // Decoded by `handle_task`, which every task goes through, polled or eager.
            r = shared.client.call_plain(CallKind::TaskPoll, req) => r,
            _ = shutdown.wait_for(|s| *s) => return,
        };
        match polled {
            Ok(task) if task.task_token.is_empty() => {
                scaler.report(PollOutcome::Response { empty: true, decision: task.poller_scaling_decision.as_ref() });
                shared.metrics.workflow_poll_empty.add(1, &shared.labels());
            }
            Ok(task) => {
                scaler.report(PollOutcome::Response { empty: false, decision: task.poller_scaling_decision.as_ref() });
                drop(turn);
                let sticky = queue_kind == TaskQueueKind::Sticky as i32;
                shared.heartbeats.tally.polled(if sticky { PollKind::StickyWorkflow } else { PollKind::Workflow });
                record_poll(&shared, &task);
                shared.record_slots("WorkflowWorker", &permits, shared.workflow_task_slots - 1);
                handle_task(&shared, &pool, task).await;
                drop(permit);
                shared.record_slots("WorkflowWorker", &permits, shared.workflow_task_slots);
            }
            Err(e) => {
                if let Some(code) = e.code() {
                    scaler.report(PollOutcome::Error(code));
                }
                if shared.poll_failed(e, "workflow task") {
                    return;
                }
                // The turn is held through the pause, so that no other poll takes its place.
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = shutdown.wait_for(|s| *s) => {}
                }
            }
        }
    }
}

/// `temporal_workflow_task_queue_poll_succeed` and the task's schedule-to-start latency.
fn record_poll(shared: &Shared, task: &PollWorkflowTaskQueueResponse) {
    let labels = shared.labels();
    shared.metrics.workflow_poll_succeed.add(1, &labels);
    if let (Some(scheduled), Some(started)) = (&task.scheduled_time, &task.started_time) {
        let waited = time_from_proto(started).duration_since(time_from_proto(scheduled)).unwrap_or_default();
        shared.metrics.workflow_task_schedule_to_start.record(millis(waited), &labels);
    }
}

/// Processes one workflow task inside a `workflow_task` span (ids as fields), so that
/// `tracing` subscribers, `tracing-opentelemetry` among them, see each task as one unit.
pub(crate) async fn handle_task(shared: &Arc<Shared>, pool: &Pool, task: PollWorkflowTaskQueueResponse) {
    let execution = task.workflow_execution.as_ref();
    let span = tracing::info_span!(
        "workflow_task",
        workflow_id = execution.map_or("", |e| e.workflow_id.as_str()),
        run_id = execution.map_or("", |e| e.run_id.as_str()),
        workflow_type = task.workflow_type.as_ref().map_or("", |t| t.name.as_str()),
        attempt = task.attempt,
        task_queue = %shared.task_queue,
    );
    let _busy = shared.heartbeats.tally.workflow_task();
    process_task(shared, pool, task).instrument(span).await
}

async fn process_task(shared: &Arc<Shared>, pool: &Pool, mut task: PollWorkflowTaskQueueResponse) {
    let begun = Instant::now();
    let execution = task.workflow_execution.clone().unwrap_or_default();
    if let Err(e) = shared.client.data_converter().decode_message(&mut task).await {
        return report(shared, pool, &task, codec_failure(&task, &e)).await;
    }
    if !task.next_page_token.is_empty() {
        let token = std::mem::take(&mut task.next_page_token);
        match fetch_history(shared, &execution, token).await {
            Ok(more) => task.history.get_or_insert_with(History::default).events.extend(more),
            Err(e) => return fail_for_history(shared, pool, &task, e).await,
        }
    }
    let replaying = task.previous_started_event_id > 0
        && task.history.as_ref().and_then(|h| h.events.first()).is_some_and(|e| e.event_id == 1);
    let mut step = on_thread(pool, &mut task).await;
    let cache_hit = task.previous_started_event_id > 0 && !replaying && !matches!(step, Step::NeedFullHistory);
    if task.previous_started_event_id > 0 {
        let counter = if cache_hit { &shared.metrics.sticky_cache_hit } else { &shared.metrics.sticky_cache_miss };
        let [namespace, task_queue] = shared.labels();
        let workflow_type = task.workflow_type.as_ref().map(|t| t.name.as_str()).unwrap_or_default();
        counter.add(1, &[namespace, task_queue, ("workflow_type", workflow_type)]);
    }
    if let Step::NeedFullHistory = step {
        match fetch_history(shared, &execution, Vec::new()).await {
            Ok(events) => {
                // The poll's own events may be newer than what history returned a moment ago.
                let polled = task.history.take().map(|h| h.events).unwrap_or_default();
                let last = events.last().map(|e| e.event_id).unwrap_or(0);
                let mut all = events;
                all.extend(polled.into_iter().filter(|e| e.event_id > last));
                task.history = Some(History { events: all });
                step = on_thread(pool, &mut task).await;
            }
            Err(e) => return fail_for_history(shared, pool, &task, e).await,
        }
    }
    // Set when the worker's shutdown cancelled a local activity the task waited for.
    let mut handed_over = false;
    let outcome = loop {
        match step {
            Step::Done(outcome) => break outcome,
            Step::NeedFullHistory => {
                let message = "the full history does not continue without gaps".to_string();
                break task::failed(WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure, message, "InvalidHistory");
            }
            Step::LocalActivities { work, task_timeout } => {
                let runs = &shared.local_activity_runs;
                runs.start(shared, &execution.run_id, &local_activity_workflow(shared, &task), work.start);
                runs.cancel(&execution.run_id, &work.cancel);
                let timeout = task_timeout.filter(|t| !t.is_zero()).unwrap_or(DEFAULT_TASK_TIMEOUT);
                let heartbeat_at = begun + timeout.mul_f64(HEARTBEAT_FRACTION);
                let run_id = execution.run_id.as_str();
                step = match runs.next(run_id, heartbeat_at, &shared.shutting_down).await {
                    Next::Result(result) => pool.resume(run_id, vec![*result], task.queries.clone()).await,
                    Next::Heartbeat => pool.heartbeat(run_id, task.queries.clone()).await,
                    Next::Aborted => {
                        handed_over = true;
                        pool.heartbeat(run_id, task.queries.clone()).await
                    }
                };
            }
        }
    };
    let outcome = settle_local_activities(shared, pool, &execution.run_id, outcome, handed_over);
    let workflow_type = task.workflow_type.as_ref().map(|t| t.name.as_str()).unwrap_or_default();
    let [namespace, task_queue] = shared.labels();
    let labels = [namespace, task_queue, ("workflow_type", workflow_type)];
    shared.metrics.workflow_task_execution.record(millis(begun.elapsed()), &labels);
    if replaying || !cache_hit && task.previous_started_event_id > 0 {
        shared.metrics.workflow_task_replay.record(millis(begun.elapsed()), &labels);
    }
    shared.metrics.sticky_cache_size.set(pool.cached() as f64, &[namespace, task_queue]);
    report(shared, pool, &task, outcome).await;
}

/// Runs a task on its run's thread. Its history, messages and queries move there, not
/// copied, and come back with the outcome; the history only when a cache miss needs it again
/// after the full history (otherwise it is dropped as soon as the run applied it).
async fn on_thread(pool: &Pool, task: &mut PollWorkflowTaskQueueResponse) -> Step {
    let work = Box::new(PollWorkflowTaskQueueResponse {
        workflow_execution: task.workflow_execution.clone(),
        workflow_type: task.workflow_type.clone(),
        history: task.history.take(),
        messages: std::mem::take(&mut task.messages),
        queries: std::mem::take(&mut task.queries),
        query: task.query.take(),
        ..Default::default()
    });
    let task_ref = &*task;
    let run_id = task_ref.workflow_execution.as_ref().map_or("", |e| e.run_id.as_str());
    let what = || {
        let execution = task_ref.workflow_execution.clone().unwrap_or_default();
        let workflow_type = task_ref.workflow_type.as_ref().map_or("", |t| t.name.as_str());
        format!("workflow {workflow_type} {:?} (run {})", execution.workflow_id, execution.run_id)
    };
    let (step, work) = pool.process(run_id, what, work).await;
    if let Some(work) = work {
        let PollWorkflowTaskQueueResponse { history, messages, queries, query, .. } = *work;
        task.messages = messages;
        task.queries = queries;
        task.query = query;
        if matches!(step, Step::NeedFullHistory) {
            task.history = history;
        }
    }
    step
}

/// The server's default workflow task timeout, for runs whose history did not say.
const DEFAULT_TASK_TIMEOUT: Duration = Duration::from_secs(10);

/// How much of the workflow task timeout may pass before a task that waits for local
/// activities is completed without them (sdk-core's and Go's 80 %).
const HEARTBEAT_FRACTION: f64 = 0.8;

/// The workflow facts local activities of this task see in `activity::info()`.
fn local_activity_workflow(shared: &Shared, task: &PollWorkflowTaskQueueResponse) -> crate::activity::ActivityInfo {
    let execution = task.workflow_execution.clone().unwrap_or_default();
    crate::activity::ActivityInfo {
        namespace: shared.client.namespace().to_string(),
        workflow_namespace: shared.client.namespace().to_string(),
        workflow_id: execution.workflow_id,
        workflow_run_id: execution.run_id,
        workflow_type: task.workflow_type.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
        task_queue: shared.task_queue.clone(),
        ..Default::default()
    }
}

/// Tells the run's local activities what the task's outcome means for them: the ones the
/// workflow cancelled are cancelled, and all of a run that closes or leaves the worker are.
/// A task handed over at shutdown goes out without sticky attributes, its run evicted.
fn settle_local_activities(
    shared: &Shared,
    pool: &Pool,
    run_id: &str,
    mut outcome: TaskOutcome,
    handed_over: bool,
) -> TaskOutcome {
    let runs = &shared.local_activity_runs;
    match &mut outcome {
        TaskOutcome::Completed { commands, cancel_local_activities, cached, .. } => {
            runs.cancel(run_id, cancel_local_activities);
            if handed_over {
                *cached = false;
                evict(shared, pool, run_id);
            } else if commands.last().is_some_and(is_close) {
                runs.finish_run(run_id);
            }
        }
        TaskOutcome::Failed { .. } => runs.finish_run(run_id),
        TaskOutcome::QueryAnswer(_) => {}
    }
    outcome
}

/// Drops a run from the cache, and with it what still runs of its local activities.
fn evict(shared: &Shared, pool: &Pool, run_id: &str) {
    pool.evict(run_id);
    shared.local_activity_runs.finish_run(run_id);
}

/// The counter of how a run closes, if `command` closes it.
fn close_counter<'m>(metrics: &'m WorkerMetrics, command: &Command) -> Option<&'m Arc<dyn Counter>> {
    match command.attributes.as_ref()? {
        Cmd::CompleteWorkflowExecutionCommandAttributes(_) => Some(&metrics.workflow_completed),
        Cmd::FailWorkflowExecutionCommandAttributes(_) => Some(&metrics.workflow_failed),
        Cmd::CancelWorkflowExecutionCommandAttributes(_) => Some(&metrics.workflow_canceled),
        Cmd::ContinueAsNewWorkflowExecutionCommandAttributes(_) => Some(&metrics.workflow_continue_as_new),
        _ => None,
    }
}

/// The workflow metrics of a completion the server accepted: how the run closed, if it did.
fn record_close(
    shared: &Shared,
    task: &PollWorkflowTaskQueueResponse,
    closed: Option<&Arc<dyn Counter>>,
    started: Option<SystemTime>,
) {
    let Some(counter) = closed else { return };
    let workflow_type = task.workflow_type.as_ref().map(|t| t.name.as_str()).unwrap_or_default();
    let [namespace, task_queue] = shared.labels();
    let labels = [namespace, task_queue, ("workflow_type", workflow_type)];
    // The latency first: a reader who sees the close counted then sees its latency too.
    if let Some(started) = started {
        let latency = SystemTime::now().duration_since(started).unwrap_or_default();
        shared.metrics.workflow_endtoend.record(millis(latency), &labels);
    }
    counter.add(1, &labels);
}

/// The outcome of a task whose payloads the codecs could not decode: the task fails (a query
/// only, for a query task), saying why, and is retried, as a codec may recover (a key that
/// rotated in, a codec server back up).
fn codec_failure(task: &PollWorkflowTaskQueueResponse, e: &CodecError) -> TaskOutcome {
    let message = format!("Failed decoding the workflow task's payloads: {e}");
    if task.query.is_some() {
        return TaskOutcome::QueryAnswer(Err(message));
    }
    task::failed(WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure, message, "PayloadCodecError")
}

async fn fail_for_history(shared: &Arc<Shared>, pool: &Pool, task: &PollWorkflowTaskQueueResponse, e: ClientError) {
    if let ClientError::Codec(e) = &e {
        return report(shared, pool, task, codec_failure(task, e)).await;
    }
    tracing::error!(error = %e, "failed to fetch workflow history");
    let run_id = task.workflow_execution.as_ref().map(|e| e.run_id.as_str()).unwrap_or_default();
    evict(shared, pool, run_id);
    // Leaving the task unanswered lets it time out and be retried with a fresh history.
    let _ = shared;
}

async fn fetch_history(
    shared: &Shared,
    execution: &WorkflowExecution,
    mut token: Vec<u8>,
) -> Result<Vec<crate::protos::temporal::api::history::v1::HistoryEvent>, ClientError> {
    let mut events = Vec::new();
    loop {
        let req = GetWorkflowExecutionHistoryRequest {
            namespace: shared.client.namespace().to_string(),
            execution: Some(execution.clone()),
            next_page_token: token,
            ..Default::default()
        };
        let resp = shared.client.call_converted(CallKind::Idempotent, req).await?;
        let mut page = resp.history.unwrap_or_default();
        shared.client.data_converter().decode_message(&mut page).await?;
        events.extend(page.events);
        if resp.next_page_token.is_empty() {
            return Ok(events);
        }
        token = resp.next_page_token;
    }
}

async fn report(shared: &Arc<Shared>, pool: &Pool, task: &PollWorkflowTaskQueueResponse, outcome: TaskOutcome) {
    let converter = shared.client.data_converter();
    let run_id = task.workflow_execution.as_ref().map(|e| e.run_id.clone()).unwrap_or_default();
    let namespace = shared.client.namespace().to_string();
    let identity = shared.client.identity().to_string();
    let result = match outcome {
        TaskOutcome::Completed { mut commands, messages, query_results, cached, started, heartbeat, .. } => {
            let mut reserved = reserve_eager_activities(shared, &mut commands);
            // The closing command (if any) is last; the close is counted once it is accepted.
            let closed = commands.last().and_then(|c| close_counter(&shared.metrics, c));
            let sticky_attributes = (cached && shared.sticky_queue.is_some()).then(|| StickyExecutionAttributes {
                worker_task_queue: shared.sticky_queue.clone(),
                schedule_to_start_timeout: Some(duration_to_proto(shared.sticky_schedule_to_start)),
            });
            let mut req = RespondWorkflowTaskCompletedRequest {
                task_token: task.task_token.clone(),
                commands,
                messages,
                identity,
                namespace,
                sticky_attributes,
                query_results,
                force_create_new_workflow_task: heartbeat,
                versioning_behavior: shared.versioning_behavior(workflow_type(task)) as i32,
                deployment_options: shared.deployment.clone(),
                worker_instance_key: shared.instance_key.clone(),
                sdk_metadata: Some(WorkflowTaskCompletedMetadata {
                    sdk_name: SDK_NAME.into(),
                    sdk_version: env!("CARGO_PKG_VERSION").into(),
                    // Recorded once, with the first completed task, as sdk-core does.
                    core_used_flags: if task.previous_started_event_id == 0 {
                        task::flags_for_first_task()
                    } else {
                        Vec::new()
                    },
                    ..Default::default()
                }),
                ..Default::default()
            };
            if let Err(e) = converter.encode_message(&mut req).await {
                let message = format!("Failed encoding the workflow task's payloads: {e}");
                let failed =
                    task::failed(WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure, message, "PayloadCodecError");
                return Box::pin(report(shared, pool, task, failed)).await;
            }
            let response = shared.client.call_plain(CallKind::Idempotent, req).await;
            response.map(|resp| {
                record_close(shared, task, closed, started);
                if resp.reset_history_event_id != 0 {
                    // The server discarded a speculative task (an update was rejected):
                    // the cached run went past what history keeps, so replay it next time.
                    evict(shared, pool, &run_id);
                }
                for activity in resp.activity_tasks {
                    match reserved.pop() {
                        Some(permit) => activities::spawn_activity(shared, activity, permit, true),
                        None => tracing::warn!("the server dispatched more eager activities than were asked for"),
                    }
                }
            })
        }
        TaskOutcome::Failed { cause, failure } => {
            evict(shared, pool, &run_id);
            let workflow_type = task.workflow_type.as_ref().map(|t| t.name.as_str()).unwrap_or_default();
            let [namespace_label, task_queue_label] = shared.labels();
            let reason = cause.as_str_name().trim_start_matches("WORKFLOW_TASK_FAILED_CAUSE_").to_ascii_lowercase();
            let labels = [
                namespace_label,
                task_queue_label,
                ("workflow_type", workflow_type),
                ("failure_reason", reason.as_str()),
            ];
            shared.metrics.workflow_task_failed.add(1, &labels);
            // Only the first attempt is reported: later attempts would fail the same way and
            // the server retries right away, so they are left to time out instead of spinning.
            if task.attempt > 1 {
                return;
            }
            let mut req = RespondWorkflowTaskFailedRequest {
                task_token: task.task_token.clone(),
                cause: cause as i32,
                failure: Some(*failure),
                identity,
                namespace,
                deployment_options: shared.deployment.clone(),
                ..Default::default()
            };
            let plain = req.clone();
            if let Err(e) = converter.encode_message(&mut req).await {
                // The failure still goes out, in the clear, rather than not at all.
                tracing::warn!(error = %e, "could not encode a workflow task failure");
                req = plain;
            }
            shared.client.call_plain(CallKind::Idempotent, req).await.map(drop)
        }
        TaskOutcome::QueryAnswer(answer) => {
            let mut req = RespondQueryTaskCompletedRequest {
                task_token: task.task_token.clone(),
                namespace,
                ..Default::default()
            };
            match answer {
                Ok(p) => {
                    req.completed_type = QueryResultType::Answered as i32;
                    req.query_result = Some(Payloads { payloads: vec![p] });
                }
                Err(message) => {
                    req.completed_type = QueryResultType::Failed as i32;
                    req.error_message = message;
                }
            }
            if let Err(e) = converter.encode_message(&mut req).await {
                req.completed_type = QueryResultType::Failed as i32;
                req.query_result = None;
                req.error_message = format!("Failed encoding the query result: {e}");
            }
            shared.client.call_plain(CallKind::Idempotent, req).await.map(drop)
        }
    };
    if let Err(e) = result {
        // The server refused the completion (e.g. new events arrived, or the run ended): the
        // cached state no longer matches, so replay from history next time.
        evict(shared, pool, &run_id);
        tracing::warn!(error = %e, run_id = %run_id, "workflow task completion was not accepted");
    }
}

/// The workflow type of a task, `""` when the server sent none.
fn workflow_type(task: &PollWorkflowTaskQueueResponse) -> &str {
    task.workflow_type.as_ref().map(|t| t.name.as_str()).unwrap_or_default()
}

/// Whether a command closes the run.
fn is_close(command: &Command) -> bool {
    matches!(
        command.attributes,
        Some(
            Cmd::CompleteWorkflowExecutionCommandAttributes(_)
                | Cmd::FailWorkflowExecutionCommandAttributes(_)
                | Cmd::CancelWorkflowExecutionCommandAttributes(_)
                | Cmd::ContinueAsNewWorkflowExecutionCommandAttributes(_)
        )
    )
}

/// The worker's task queue as polls name it: the kind tells the server which queue is meant
/// (it warns about every poll without one).
pub(crate) fn normal_queue(name: &str) -> TaskQueue {
    TaskQueue { name: name.to_string(), kind: TaskQueueKind::Normal as i32, normal_name: String::new() }
}

pub(crate) fn sticky_queue(shared_name: &str, sticky_name: String) -> TaskQueue {
    TaskQueue { name: sticky_name, kind: TaskQueueKind::Sticky as i32, normal_name: shared_name.to_string() }
}

/// Asks the server to hand activities scheduled on this worker's own queue straight back in
/// the completion's response (saving a poll round trip), for as many as there are free
/// activity slots; returns the slots reserved for them.
fn reserve_eager_activities(shared: &Shared, commands: &mut [Command]) -> Vec<OwnedSemaphorePermit> {
    let mut reserved = Vec::new();
    // Eagerly dispatched tasks bypass both the worker's and the server's rate limits.
    let rate_limited = shared.activity_rate.is_some() || shared.task_queue_activities_per_second.is_some();
    if shared.shutting_down.load(Ordering::SeqCst) || rate_limited || shared.no_remote_activities {
        return reserved;
    }
    for command in commands {
        let Some(Cmd::ScheduleActivityTaskCommandAttributes(a)) = &mut command.attributes else { continue };
        let ours = a.task_queue.as_ref().is_some_and(|q| q.name == shared.task_queue)
            && a.activity_type.as_ref().is_some_and(|t| shared.activities.contains_key(t.name.as_str()));
        if !ours {
            continue;
        }
        let Ok(permit) = Arc::clone(&shared.activity_permits).try_acquire_owned() else { break };
        a.request_eager_execution = true;
        reserved.push(permit);
    }
    reserved
}
