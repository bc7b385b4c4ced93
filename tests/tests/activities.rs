//! Activities in full against the real dev server: heartbeats and their details across
//! retries, cancellation through heartbeats (async and blocking), async completion, graceful
//! worker shutdown, failures and retries, bad input, executors and rate limits.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use integration_tests::{RunningWorker, client, unique};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use temporal_sdk::converter;
use temporal_sdk::error::{FailureKind, RetryState};
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::common::v1::WorkflowExecution;
use temporal_sdk::protos::temporal::api::history::v1::history_event::Attributes;
use temporal_sdk::protos::temporal::api::workflowservice::v1::DescribeWorkflowExecutionRequest;
use temporal_sdk::worker::ThreadPoolExecutor;
use temporal_sdk::workflow::ActivityCancellationType;

// ---- What activities tell the tests, keyed by workflow id (tests run in parallel). ----

static NOTES: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
static TOKENS: Mutex<Option<HashMap<String, Vec<u8>>>> = Mutex::new(None);

fn note(event: impl Into<String>) {
    let key = activity::info().map(|i| i.workflow_id).unwrap_or_default();
    NOTES.lock().unwrap_or_else(|e| e.into_inner()).push((key, event.into()));
}

fn notes(workflow_id: &str) -> Vec<String> {
    NOTES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|(k, _)| k == workflow_id)
        .map(|(_, e)| e.clone())
        .collect()
}

/// Waits for a note starting with `prefix` from the activities of `workflow_id`.
async fn wait_note(workflow_id: &str, prefix: &str) -> String {
    for _ in 0..400 {
        if let Some(n) = notes(workflow_id).into_iter().find(|n| n.starts_with(prefix)) {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no note {prefix:?} from {workflow_id}; notes: {:?}", notes(workflow_id));
}

async fn wait_token(workflow_id: &str) -> Vec<u8> {
    for _ in 0..400 {
        if let Some(t) =
            TOKENS.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(HashMap::new).get(workflow_id)
        {
            return t.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the activity of {workflow_id} never handed over its task token");
}

fn millis_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

// ---- One workflow that runs the activities it is told to, concurrently. ----

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Call {
    activity: String,
    arg: Value,
    start_to_close_ms: u64,
    heartbeat_ms: Option<u64>,
    max_attempts: i32,
    initial_interval_ms: u64,
    non_retryable_types: Vec<String>,
    activity_id: Option<String>,
}

impl Call {
    fn new(activity: &str, arg: impl Serialize) -> Self {
        Self {
            activity: activity.into(),
            arg: serde_json::to_value(arg).unwrap_or(Value::Null),
            start_to_close_ms: 30_000,
            heartbeat_ms: None,
            max_attempts: 0,
            initial_interval_ms: 100,
            non_retryable_types: Vec::new(),
            activity_id: None,
        }
    }
    fn heartbeat(mut self, ms: u64) -> Self {
        self.heartbeat_ms = Some(ms);
        self
    }
    fn max_attempts(mut self, n: i32) -> Self {
        self.max_attempts = n;
        self
    }
    fn initial_interval(mut self, ms: u64) -> Self {
        self.initial_interval_ms = ms;
        self
    }
    fn non_retryable(mut self, error_type: &str) -> Self {
        self.non_retryable_types.push(error_type.into());
        self
    }
    fn id(mut self, id: &str) -> Self {
        self.activity_id = Some(id.into());
        self
    }
    fn options(&self) -> ActivityOptions {
        let retry = RetryPolicy::default()
            .initial_interval(Duration::from_millis(self.initial_interval_ms))
            .maximum_attempts(self.max_attempts)
            .non_retryable_error_types(self.non_retryable_types.clone());
        let mut options =
            ActivityOptions::start_to_close(Duration::from_millis(self.start_to_close_ms)).retry_policy(retry);
        if let Some(ms) = self.heartbeat_ms {
            options = options.heartbeat_timeout(Duration::from_millis(ms));
        }
        if let Some(id) = &self.activity_id {
            options = options.activity_id(id.clone());
        }
        options
    }
}

#[derive(Default)]
struct Run;

#[workflow]
impl Run {
    #[run]
    async fn run(&self, calls: Vec<Call>) -> WorkflowResult<Vec<Value>> {
        // All are scheduled in this first task, so they run at the same time.
        let pending: Vec<_> = calls
            .iter()
            .map(|c| workflow::execute_activity_by_name::<Value, _>(&c.activity, &c.arg, c.options()))
            .collect();
        let mut results = Vec::new();
        for p in pending {
            results.push(p.await?);
        }
        Ok(results)
    }
}

/// An activity to start, and how the workflow cancels it when signalled.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CancelCall {
    call: Call,
    cancellation: String,
}

/// Starts one activity, cancels it when signalled, and tells how it ended. After abandoning
/// it, the workflow stays open a while so that the activity's late result reaches history.
#[derive(Default)]
struct CancelOne {
    cancel: Cell<bool>,
}

#[workflow]
impl CancelOne {
    #[run]
    async fn run(&self, input: CancelCall) -> WorkflowResult<String> {
        let cancellation_type = match input.cancellation.as_str() {
            "abandon" => ActivityCancellationType::Abandon,
            "wait" => ActivityCancellationType::WaitCancellationCompleted,
            _ => ActivityCancellationType::TryCancel,
        };
        let call = &input.call;
        let activity = workflow::execute_activity_by_name::<Value, _>(
            &call.activity,
            &call.arg,
            call.options().cancellation_type(cancellation_type),
        );
        workflow::wait_condition(|| self.cancel.get()).await?;
        activity.cancel();
        let outcome = match activity.await {
            Ok(v) => format!("completed: {v}"),
            Err(WorkflowError::Failure(f)) if f.is_cancelled() => {
                let details = match &f.root_cause().kind {
                    FailureKind::Cancelled { details } => converter::decode_args::<String>(details).unwrap_or_default(),
                    _ => String::new(),
                };
                format!("cancelled: {details}")
            }
            Err(e) => return Err(e),
        };
        if cancellation_type == ActivityCancellationType::Abandon {
            workflow::sleep(Duration::from_secs(3)).await?;
        }
        Ok(outcome)
    }

    #[signal]
    fn cancel_it(&self) {
        self.cancel.set(true);
    }
}

async fn start_cancellable(client: &Client, queue: &str, call: Call, cancellation: &str) -> WorkflowHandle<CancelOne> {
    let input = CancelCall { call, cancellation: cancellation.into() };
    client.start_workflow(CancelOne::run, input, WorkflowOptions::new(unique("cancel"), queue)).await.expect("start")
}

async fn start(client: &Client, queue: &str, calls: Vec<Call>) -> WorkflowHandle<Run> {
    client.start_workflow(Run::run, calls, WorkflowOptions::new(unique("act"), queue)).await.expect("start workflow")
}

fn failure_of(err: ClientError) -> Failure {
    match err {
        ClientError::WorkflowFailed { cause } => *cause,
        other => panic!("expected a workflow failure, got {other}"),
    }
}

fn retry_state(f: &Failure) -> RetryState {
    match &f.kind {
        FailureKind::Activity { retry_state, .. } => *retry_state,
        other => panic!("not an activity failure: {other:?}"),
    }
}

// ---- Activities. ----

/// Attempt 1 records progress and then fails (`fail`) or stops heartbeating until the server
/// times it out (`timeout`); later attempts report where they resume from.
#[activity]
async fn resumes(mode: String) -> Result<(i32, u32), ActivityError> {
    let info = activity::info().ok_or("no activity info")?;
    let resumed_from: u32 = info.heartbeat_details()?.unwrap_or(0);
    if info.attempt > 1 {
        return Ok((info.attempt, resumed_from));
    }
    if mode == "fail" {
        // The first heartbeat goes out at once; the rest wait for the throttle interval
        // (8 s), so only the failure's final flush can carry 5 to the next attempt.
        activity::heartbeat(&1u32);
        tokio::time::sleep(Duration::from_millis(300)).await;
        for i in 2..=5u32 {
            activity::heartbeat(&i);
        }
        return Err(ApplicationError::new("crashed after 5").into());
    }
    // Sent at once, then silence: the heartbeat timeout ends the attempt on the server.
    activity::heartbeat(&7u32);
    tokio::time::sleep(Duration::from_secs(4)).await;
    Err(ActivityError::retryable("attempt 1 woke up after its timeout"))
}

#[activity]
async fn waits_for_cancel() -> Result<(), ActivityError> {
    note("started");
    let beat = async {
        loop {
            activity::heartbeat(&"alive");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::select! {
        _ = beat => {}
        _ = activity::cancelled() => {}
    }
    note(format!("cancelled: {:?}", activity::cancellation_reason()));
    Err(ActivityError::cancelled_with_details(&"stopped"))
}

#[activity]
fn blocking_waits_for_cancel() -> Result<u32, ActivityError> {
    note("started");
    let mut beats = 0u32;
    loop {
        if let Err(e) = activity::heartbeat_checked(&beats) {
            let thread = std::thread::current().name().unwrap_or("?").to_string();
            note(format!("cancelled: {:?} on {thread}", activity::cancellation_reason()));
            return Err(e);
        }
        beats += 1;
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Ignores cancellation: heartbeats for 1.5 s and finishes.
#[activity]
async fn ignores_cancellation() -> Result<String, ActivityError> {
    note("started");
    for i in 0..15u32 {
        activity::heartbeat(&i);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    note(format!("finished, cancelled: {}", activity::is_cancelled()));
    Ok("finished anyway".into())
}

#[activity]
async fn completes_later() -> Result<String, ActivityError> {
    let info = activity::info().ok_or("no activity info")?;
    TOKENS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashMap::new)
        .insert(info.workflow_id.clone(), info.task_token.clone());
    // Still unsent when the activity returns (the first heartbeat went out): the worker
    // flushes it, since the activity lives on.
    activity::heartbeat(&"first");
    tokio::time::sleep(Duration::from_millis(100)).await;
    activity::heartbeat(&"handed over");
    Err(ActivityError::will_complete_async())
}

#[activity]
async fn short_after_shutdown() -> Result<String, ActivityError> {
    if activity::info().is_some_and(|i| i.attempt > 1) {
        return Ok("short retried: its first result was lost".into());
    }
    note("short started");
    activity::worker_shutdown().await;
    note("short saw the shutdown");
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok("short done".into())
}

#[activity]
async fn long_until_cancelled() -> Result<String, ActivityError> {
    let attempt = activity::info().map(|i| i.attempt).unwrap_or(0);
    if attempt > 1 {
        return Ok(format!("long done on attempt {attempt}"));
    }
    note("long started");
    let beat = async {
        loop {
            activity::heartbeat(&"working");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::select! {
        _ = beat => {}
        _ = activity::cancelled() => {}
    }
    note(format!(
        "long cancelled: {:?}, worker shutdown {}",
        activity::cancellation_reason(),
        activity::is_worker_shutdown()
    ));
    Err(ActivityError::cancelled())
}

#[activity]
async fn double_it(n: u64) -> Result<u64, ActivityError> {
    Ok(n * 2)
}

#[activity]
async fn fails_once_with_details() -> Result<i32, ActivityError> {
    let attempt = activity::info().map(|i| i.attempt).unwrap_or(0);
    if attempt == 1 {
        return Err(ApplicationError::new("try again soon")
            .with_type("Flaky")
            .with_detail(&json!({"retry": "soon"}))?
            .with_next_retry_delay(Duration::from_millis(200))
            .into());
    }
    Ok(attempt)
}

#[activity]
async fn always_fails(error_type: String) -> Result<(), ActivityError> {
    let attempt = activity::info().map(|i| i.attempt).unwrap_or(0);
    Err(ApplicationError::new(format!("failed attempt {attempt}")).with_type(error_type).into())
}

#[activity]
fn thread_name() -> Result<String, ActivityError> {
    Ok(std::thread::current().name().unwrap_or("?").to_string())
}

#[activity]
async fn started_at() -> Result<u64, ActivityError> {
    Ok(millis_now())
}

// ---- Tests. ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeat_details_survive_a_retry() {
    let client = client().await;
    let queue = unique("resume");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Run>().activity(resumes));
    let handle = start(
        &client,
        &queue,
        vec![Call::new("resumes", "fail").heartbeat(10_000), Call::new("resumes", "timeout").heartbeat(1_000)],
    )
    .await;
    let results = handle.result().await.expect("result");
    // Details flushed with the failure of attempt 1, and details sent by a heartbeat call
    // before the heartbeat timeout.
    assert_eq!(results, vec![json!([2, 5]), json!([2, 7])]);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workflow_cancels_an_async_activity_through_heartbeats() {
    let client = client().await;
    let queue = unique("wf-cancel-async");
    let worker =
        RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<CancelOne>().activity(waits_for_cancel));
    let handle = start_cancellable(&client, &queue, Call::new("waits_for_cancel", ()).heartbeat(1_000), "wait").await;
    wait_note(handle.id(), "started").await;
    handle.signal(CancelOne::cancel_it, ()).await.expect("signal");
    // The activity returned its cancellation with details, which the workflow waited for.
    assert_eq!(handle.result().await.expect("result"), "cancelled: stopped");
    assert_eq!(wait_note(handle.id(), "cancelled").await, "cancelled: Some(Requested)");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workflow_cancels_a_blocking_activity_through_heartbeats() {
    let client = client().await;
    let queue = unique("wf-cancel-blocking");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<CancelOne>().activity(blocking_waits_for_cancel),
    );
    let handle =
        start_cancellable(&client, &queue, Call::new("blocking_waits_for_cancel", ()).heartbeat(1_000), "wait").await;
    wait_note(handle.id(), "started").await;
    handle.signal(CancelOne::cancel_it, ()).await.expect("signal");
    assert_eq!(handle.result().await.expect("result"), "cancelled: ");
    assert_eq!(wait_note(handle.id(), "cancelled").await, "cancelled: Some(Requested) on temporal-activity");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_activity_that_ignores_cancellation_runs_to_its_end() {
    let client = client().await;
    let queue = unique("abandon");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<CancelOne>().activity(ignores_cancellation),
    );
    let handle =
        start_cancellable(&client, &queue, Call::new("ignores_cancellation", ()).heartbeat(1_000), "abandon").await;
    wait_note(handle.id(), "started").await;
    handle.signal(CancelOne::cancel_it, ()).await.expect("signal");
    // The workflow stopped waiting at once; the activity was never told and finished.
    assert_eq!(wait_note(handle.id(), "finished").await, "finished, cancelled: false");
    assert_eq!(handle.result().await.expect("result"), "cancelled: ");
    let history = handle.fetch_history().await.expect("history").history.events;
    let kinds: Vec<&str> = history.iter().map(|e| e.event_type().as_str_name()).collect();
    assert!(!kinds.contains(&"EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED"), "{kinds:?}");
    assert!(kinds.contains(&"EVENT_TYPE_ACTIVITY_TASK_COMPLETED"), "the late result is recorded: {kinds:?}");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_activity_learns_through_heartbeats_that_its_workflow_is_gone() {
    let client = client().await;
    let queue = unique("cancel-async");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Run>().activity(waits_for_cancel));
    let handle = start(&client, &queue, vec![Call::new("waits_for_cancel", ()).heartbeat(1_000)]).await;
    let id = handle.id().to_string();
    wait_note(&id, "started").await;
    handle.terminate("stop it").await.expect("terminate");
    // The next heartbeat (within 0.8 s) gets NOT_FOUND, which cancels the activity.
    assert_eq!(wait_note(&id, "cancelled").await, "cancelled: Some(Gone)");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_activity_sees_the_cancellation_at_its_next_checked_heartbeat() {
    let client = client().await;
    let queue = unique("cancel-blocking");
    let worker =
        RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Run>().activity(blocking_waits_for_cancel));
    let handle = start(&client, &queue, vec![Call::new("blocking_waits_for_cancel", ()).heartbeat(1_000)]).await;
    let id = handle.id().to_string();
    wait_note(&id, "started").await;
    handle.terminate("stop it").await.expect("terminate");
    // Run on the worker's default pool.
    assert_eq!(wait_note(&id, "cancelled").await, "cancelled: Some(Gone) on temporal-activity");
    worker.stop().await;
}

/// Reads the details of the last heartbeat the server recorded for the workflow's pending
/// activity.
async fn pending_heartbeat(client: &Client, workflow_id: &str) -> Option<String> {
    let req = DescribeWorkflowExecutionRequest {
        namespace: client.namespace().to_string(),
        execution: Some(WorkflowExecution { workflow_id: workflow_id.into(), run_id: String::new() }),
    };
    let resp = client.workflow_service().describe_workflow_execution(req).await.ok()?.into_inner();
    let details = resp.pending_activities.first()?.heartbeat_details.clone()?;
    converter::decode_args::<String>(&details.payloads).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_completion_by_task_token() {
    let client = client().await;
    let queue = unique("async-token");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Run>().activity(completes_later));
    let handle = start(&client, &queue, vec![Call::new("completes_later", ()).heartbeat(20_000)]).await;
    let token = wait_token(handle.id()).await;

    // The worker sent the activity's last details when it returned, though the throttle
    // interval had not passed.
    let mut recorded = None;
    for _ in 0..100 {
        recorded = pending_heartbeat(&client, handle.id()).await;
        if recorded.as_deref() == Some("handed over") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(recorded.as_deref(), Some("handed over"));

    let activity = client.get_async_activity_handle(token);
    let beat = activity.heartbeat(&"external progress").await.expect("heartbeat");
    assert!(!beat.cancel_requested);
    assert_eq!(pending_heartbeat(&client, handle.id()).await.as_deref(), Some("external progress"));
    activity.complete(&"done by token").await.expect("complete");
    assert_eq!(handle.result().await.expect("result"), vec![json!("done by token")]);
    // The attempt is closed: a second completion is refused.
    let again = activity.complete(&"twice").await.expect_err("second completion");
    assert!(again.is_not_found(), "{again}");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_completion_by_id_can_fail_the_activity() {
    let client = client().await;
    let queue = unique("async-id");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Run>().activity(completes_later));
    let handle = start(&client, &queue, vec![Call::new("completes_later", ()).id("approval").max_attempts(3)]).await;
    wait_token(handle.id()).await;

    let activity = client.get_async_activity_handle_by_id(handle.id(), None, "approval");
    assert!(!activity.heartbeat(&"looking at it").await.expect("heartbeat").cancel_requested);
    activity
        .fail(ApplicationError::new("rejected by a human").with_type("Rejected").non_retryable())
        .await
        .expect("fail");
    let failure = failure_of(handle.result().await.expect_err("the activity failed"));
    assert_eq!(retry_state(&failure), RetryState::NonRetryableFailure);
    let root = failure.root_cause();
    assert_eq!(root.message, "rejected by a human");
    assert_eq!(root.application_type(), Some("Rejected"));
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_completion_by_id_completes_and_cannot_report_an_unrequested_cancellation() {
    let client = client().await;
    let queue = unique("async-id2");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Run>().activity(completes_later));
    let handle = start(&client, &queue, vec![Call::new("completes_later", ()).id("a1")]).await;
    wait_token(handle.id()).await;
    let run_id = handle.describe().await.expect("describe").run_id.clone();
    client
        .get_async_activity_handle_by_id(handle.id(), Some(run_id), "a1")
        .complete(&json!({"approved": true}))
        .await
        .expect("complete");
    assert_eq!(handle.result().await.expect("result"), vec![json!({"approved": true})]);

    // A cancellation can only be reported once the workflow asked for it.
    let handle = start(&client, &queue, vec![Call::new("completes_later", ()).id("a2")]).await;
    wait_token(handle.id()).await;
    let activity = client.get_async_activity_handle_by_id(handle.id(), None, "a2");
    let refused = activity.report_cancellation(&"gave up").await.expect_err("no cancellation was requested");
    assert_eq!(format!("{:?}", refused.code()), "Some(InvalidArgument)", "{refused}");
    handle.terminate("done").await.expect("terminate");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_completion_reports_a_cancellation_the_workflow_asked_for() {
    let client = client().await;
    let queue = unique("async-cancel");
    let worker =
        RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<CancelOne>().activity(completes_later));
    let handle = start_cancellable(&client, &queue, Call::new("completes_later", ()).id("job"), "wait").await;
    wait_token(handle.id()).await;
    handle.signal(CancelOne::cancel_it, ()).await.expect("signal");
    let activity = client.get_async_activity_handle_by_id(handle.id(), None, "job");
    let mut requested = false;
    for _ in 0..100 {
        if activity.heartbeat(&"checking").await.expect("heartbeat").cancel_requested {
            requested = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(requested, "the heartbeat response carries the workflow's request");
    activity.report_cancellation(&"gave up").await.expect("report cancellation");
    assert_eq!(handle.result().await.expect("result"), "cancelled: gave up");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_lets_a_short_activity_finish_and_cancels_a_long_one() {
    let client = client().await;
    let queue = unique("graceful");
    let options = || {
        WorkerOptions::new(&queue)
            .workflow::<Run>()
            .activity(short_after_shutdown)
            .activity(long_until_cancelled)
            .graceful_shutdown_timeout(Duration::from_millis(1500))
    };
    let first = RunningWorker::start(&client, options());
    let handle = start(
        &client,
        &queue,
        vec![Call::new("short_after_shutdown", ()), Call::new("long_until_cancelled", ()).heartbeat(5_000)],
    )
    .await;
    let id = handle.id().to_string();
    wait_note(&id, "short started").await;
    wait_note(&id, "long started").await;

    let begun = Instant::now();
    first.stop().await;
    let took = begun.elapsed();
    assert!(took >= Duration::from_millis(1500), "shutdown waited the graceful timeout: {took:?}");
    assert!(took < Duration::from_secs(10), "shutdown ended soon after cancelling: {took:?}");
    let events = notes(&id);
    assert!(events.contains(&"short saw the shutdown".to_string()), "{events:?}");
    assert!(events.contains(&"long cancelled: Some(WorkerShutdown), worker shutdown true".to_string()), "{events:?}");

    // The cancelled attempt failed retryably, so a new worker runs it again; the short
    // activity's result was reported by the first worker and is not run again.
    let second = RunningWorker::start(&client, options());
    let results = handle.result().await.expect("result");
    assert_eq!(results, vec![json!("short done"), json!("long done on attempt 2")]);
    let history = handle.fetch_history().await.expect("history").history.events;
    let last_failure = history
        .iter()
        .find_map(|e| match &e.attributes {
            Some(Attributes::ActivityTaskStartedEventAttributes(a)) if a.attempt == 2 => a.last_failure.clone(),
            _ => None,
        })
        .expect("the retried attempt records the shutdown failure");
    assert_eq!(Failure::from_proto(last_failure).application_type(), Some("WorkerShutdown"));
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_activity_fails_naming_the_registered_ones() {
    let client = client().await;
    let queue = unique("unknown-act");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<Run>().activity(double_it).activity(always_fails),
    );
    let handle = start(&client, &queue, vec![Call::new("no_such_activity", 1).max_attempts(1)]).await;
    let failure = failure_of(handle.result().await.expect_err("unknown activity"));
    let root = failure.root_cause();
    assert_eq!(root.application_type(), Some("NotFoundError"));
    assert!(root.message.contains("\"no_such_activity\""), "{}", root.message);
    assert!(root.message.contains("[\"always_fails\", \"double_it\"]"), "{}", root.message);
    worker.stop().await;
}

/// As in the Python SDK, arguments that do not decode fail the attempt retryably: the payloads
/// stay in history, and a deployment with matching types can still run the activity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arguments_that_do_not_decode_fail_the_attempt_retryably() {
    let client = client().await;
    let queue = unique("bad-args");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Run>().activity(double_it));
    let call = Call::new("double_it", "not a number").max_attempts(2).initial_interval(100);
    let handle = start(&client, &queue, vec![call]).await;
    let failure = failure_of(handle.result().await.expect_err("bad arguments"));
    assert_eq!(retry_state(&failure), RetryState::MaximumAttemptsReached);
    let root = failure.root_cause();
    assert!(matches!(root.kind, FailureKind::Application { non_retryable: false, .. }), "{root:?}");
    assert!(root.message.contains("Failed decoding arguments of activity \"double_it\""), "{}", root.message);
    assert!(root.message.contains("u64"), "the decode error names the expected type: {}", root.message);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_error_reaches_the_next_attempt_which_honours_next_retry_delay() {
    let client = client().await;
    let queue = unique("next-delay");
    let worker =
        RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Run>().activity(fails_once_with_details));
    // Without the error's own delay the retry would wait a minute.
    let begun = Instant::now();
    let handle = start(&client, &queue, vec![Call::new("fails_once_with_details", ()).initial_interval(60_000)]).await;
    assert_eq!(handle.result().await.expect("result"), vec![json!(2)]);
    assert!(begun.elapsed() < Duration::from_secs(20), "took {:?}", begun.elapsed());

    let history = handle.fetch_history().await.expect("history").history.events;
    let last_failure = history
        .iter()
        .find_map(|e| match &e.attributes {
            Some(Attributes::ActivityTaskStartedEventAttributes(a)) => a.last_failure.clone(),
            _ => None,
        })
        .expect("attempt 2 records the failure of attempt 1");
    let failure = Failure::from_proto(last_failure);
    assert_eq!(failure.message, "try again soon");
    match failure.kind {
        FailureKind::Application { error_type, non_retryable, details, next_retry_delay, .. } => {
            assert_eq!(error_type.as_deref(), Some("Flaky"));
            assert!(!non_retryable);
            assert_eq!(next_retry_delay, Some(Duration::from_millis(200)));
            assert_eq!(converter::decode::<Value>(&details[0]).ok(), Some(json!({"retry": "soon"})));
        }
        other => panic!("{other:?}"),
    }
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_follow_the_retry_policy() {
    let client = client().await;
    let queue = unique("policy");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Run>().activity(always_fails));

    let handle = start(&client, &queue, vec![Call::new("always_fails", "Transient").max_attempts(3)]).await;
    let failure = failure_of(handle.result().await.expect_err("fails"));
    assert_eq!(retry_state(&failure), RetryState::MaximumAttemptsReached);
    assert_eq!(failure.root_cause().message, "failed attempt 3");

    let handle =
        start(&client, &queue, vec![Call::new("always_fails", "Fatal").max_attempts(3).non_retryable("Fatal")]).await;
    let failure = failure_of(handle.result().await.expect_err("fails"));
    assert_eq!(retry_state(&failure), RetryState::NonRetryableFailure);
    assert_eq!(failure.root_cause().message, "failed attempt 1");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_activities_run_on_the_worker_s_executor() {
    let client = client().await;
    let queue = unique("executor");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue)
            .workflow::<Run>()
            .activity(thread_name)
            .activity_executor(ThreadPoolExecutor::with_name(2, "custom-pool")),
    );
    let handle = start(&client, &queue, vec![Call::new("thread_name", ()), Call::new("thread_name", ())]).await;
    assert_eq!(handle.result().await.expect("result"), vec![json!("custom-pool"), json!("custom-pool")]);
    worker.stop().await;
}

fn gaps(results: &[Value]) -> Vec<u64> {
    let mut stamps: Vec<u64> = results.iter().filter_map(Value::as_u64).collect();
    stamps.sort_unstable();
    stamps.windows(2).map(|w| w[1] - w[0]).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_rate_limit_spaces_activity_starts() {
    let client = client().await;
    let queue = unique("rate-worker");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<Run>().activity(started_at).max_activities_per_second(5.0),
    );
    let handle = start(&client, &queue, (0..5).map(|_| Call::new("started_at", ())).collect()).await;
    let gaps = gaps(&handle.result().await.expect("result"));
    assert!(gaps.iter().all(|g| *g >= 180), "5 per second means 200 ms apart: {gaps:?}");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_queue_rate_limit_is_enforced_by_the_server() {
    let client = client().await;
    let queue = unique("rate-queue");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<Run>().activity(started_at).max_task_queue_activities_per_second(2.0),
    );
    let handle = start(&client, &queue, (0..6).map(|_| Call::new("started_at", ())).collect()).await;
    let gaps = gaps(&handle.result().await.expect("result"));
    let span: u64 = gaps.iter().sum();
    // 2 per second after the server's initial burst: at least 1.5 s for 6 tasks.
    assert!(span >= 1500, "starts {gaps:?} span {span} ms");
    worker.stop().await;
}
