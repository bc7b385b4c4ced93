//! Failures: application errors, activity failures and retries, panics, unknown types.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use integration_tests::{RunningWorker, client, unique};
use temporal_sdk::error::FailureKind;
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::history::v1::history_event::Attributes;

#[activity]
async fn refuse(amount: i64) -> Result<String, ActivityError> {
    Err(ApplicationError::new(format!("cannot charge {amount}")).with_type("PaymentError").non_retryable().into())
}

static PANICS: AtomicU32 = AtomicU32::new(0);

#[activity]
async fn panics_once(tag: String) -> Result<String, ActivityError> {
    if PANICS.fetch_add(1, Ordering::SeqCst) == 0 {
        panic!("activity blew up for {tag}");
    }
    Ok(format!("recovered {tag}"))
}

#[activity]
async fn too_slow() -> Result<(), ActivityError> {
    tokio::time::sleep(Duration::from_secs(5)).await;
    Ok(())
}

#[derive(Default)]
struct Charge;

#[workflow]
impl Charge {
    #[run]
    async fn run(&self, amount: i64) -> WorkflowResult<String> {
        workflow::execute_activity(refuse, amount, ActivityOptions::start_to_close(Duration::from_secs(5))).await
    }
}

#[derive(Default)]
struct Flaky;

#[workflow]
impl Flaky {
    #[run]
    async fn run(&self, tag: String) -> WorkflowResult<String> {
        let retry = RetryPolicy::default().initial_interval(Duration::from_millis(100));
        workflow::execute_activity(
            panics_once,
            tag,
            ActivityOptions::start_to_close(Duration::from_secs(5)).retry_policy(retry),
        )
        .await
    }
}

#[derive(Default)]
struct Slow;

#[workflow]
impl Slow {
    #[run]
    async fn run(&self) -> WorkflowResult<String> {
        let opts = ActivityOptions::start_to_close(Duration::from_millis(500))
            .retry_policy(RetryPolicy::default().maximum_attempts(1));
        match workflow::execute_activity(too_slow, (), opts).await {
            Ok(()) => Ok("finished".into()),
            Err(WorkflowError::Failure(f)) => Ok(format!("caught: {f:#}")),
            Err(e) => Err(e),
        }
    }
}

#[derive(Default)]
struct Rejects;

#[workflow]
impl Rejects {
    #[run]
    async fn run(&self, reason: String) -> WorkflowResult<()> {
        Err(ApplicationError::new(reason).with_type("Rejected").non_retryable().into())
    }
}

static WORKFLOW_PANICS: AtomicU32 = AtomicU32::new(0);

#[derive(Default)]
struct PanicsFirst;

#[workflow]
impl PanicsFirst {
    #[run]
    async fn run(&self) -> WorkflowResult<String> {
        if WORKFLOW_PANICS.fetch_add(1, Ordering::SeqCst) == 0 {
            panic!("workflow bug on first try");
        }
        Ok("fixed".into())
    }
}

#[derive(Default)]
struct TaskError;

#[workflow]
impl TaskError {
    #[run]
    async fn run(&self) -> WorkflowResult<u32> {
        // A plain error fails the workflow task (retried), not the workflow.
        let n: u32 = "not a number".parse()?;
        Ok(n)
    }
}

fn failed_task_messages(events: &[temporal_sdk::protos::temporal::api::history::v1::HistoryEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.attributes {
            Some(Attributes::WorkflowTaskFailedEventAttributes(a)) => a.failure.as_ref().map(|f| f.message.clone()),
            _ => None,
        })
        .collect()
}

async fn wait_for_failed_task(handle: &WorkflowHandle<impl Sized>) -> Vec<String> {
    for _ in 0..100 {
        let events = handle.fetch_history().await.expect("history").history.events;
        let messages = failed_task_messages(&events);
        if !messages.is_empty() {
            return messages;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no WorkflowTaskFailed event appeared");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_application_error_reaches_the_client_with_its_cause() {
    let client = client().await;
    let queue = unique("charge");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Charge>().activity(refuse));
    let err =
        client.execute_workflow(Charge::run, 42, WorkflowOptions::new(unique("charge"), &queue)).await.unwrap_err();
    let ClientError::WorkflowFailed { cause } = err else { panic!("unexpected error: {err}") };
    assert!(
        matches!(cause.kind, FailureKind::Activity { ref activity_type, .. } if activity_type == "refuse"),
        "{cause:?}"
    );
    let root = cause.root_cause();
    assert_eq!(root.message, "cannot charge 42");
    assert_eq!(root.application_type(), Some("PaymentError"));
    assert!(matches!(root.kind, FailureKind::Application { non_retryable: true, .. }));
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_activity_fails_the_attempt_and_is_retried() {
    let client = client().await;
    let queue = unique("flaky");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Flaky>().activity(panics_once));
    let handle = client
        .start_workflow(Flaky::run, "x".to_string(), WorkflowOptions::new(unique("flaky"), &queue))
        .await
        .expect("start");
    assert_eq!(handle.result().await.expect("result"), "recovered x");
    let events = handle.fetch_history().await.expect("history").history.events;
    let started = events
        .iter()
        .find_map(|e| match &e.attributes {
            Some(Attributes::ActivityTaskStartedEventAttributes(a)) => Some(a.clone()),
            _ => None,
        })
        .expect("activity started event");
    assert_eq!(started.attempt, 2);
    let last_failure = started.last_failure.expect("last failure of attempt 1");
    assert!(last_failure.message.contains("activity blew up for x"), "{}", last_failure.message);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_activity_timeout_is_a_catchable_failure() {
    let client = client().await;
    let queue = unique("slow");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Slow>().activity(too_slow));
    let out =
        client.execute_workflow(Slow::run, (), WorkflowOptions::new(unique("slow"), &queue)).await.expect("result");
    assert!(out.starts_with("caught: Activity task timed out"), "{out}");
    assert!(out.contains("START_TO_CLOSE"), "{out}");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workflow_application_error_fails_the_workflow() {
    let client = client().await;
    let queue = unique("rejects");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Rejects>());
    let err = client
        .execute_workflow(Rejects::run, "not today".to_string(), WorkflowOptions::new(unique("rejects"), &queue))
        .await
        .unwrap_err();
    let ClientError::WorkflowFailed { cause } = err else { panic!("unexpected error: {err}") };
    assert_eq!(cause.message, "not today");
    assert_eq!(cause.application_type(), Some("Rejected"));
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_workflow_fails_the_task_and_the_worker_carries_on() {
    let client = client().await;
    let queue = unique("panics");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<PanicsFirst>().workflow::<Charge>().activity(refuse),
    );
    let handle = client
        .start_workflow(PanicsFirst::run, (), WorkflowOptions::new(unique("panics"), &queue))
        .await
        .expect("start");
    let messages = wait_for_failed_task(&handle).await;
    assert!(messages[0].contains("workflow bug on first try"), "{messages:?}");
    // The failure was reported, so the server retries the task at once (attempt 2), and
    // this time the code takes the fixed path.
    assert_eq!(handle.result().await.expect("result"), "fixed");
    // The worker survived: it still runs other workflows.
    let err =
        client.execute_workflow(Charge::run, 1, WorkflowOptions::new(unique("charge"), &queue)).await.unwrap_err();
    assert!(err.to_string().contains("cannot charge 1"), "{err}");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ordinary_error_fails_the_task_not_the_workflow() {
    let client = client().await;
    let queue = unique("task-error");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<TaskError>());
    let handle = client
        .start_workflow(TaskError::run, (), WorkflowOptions::new(unique("task-error"), &queue))
        .await
        .expect("start");
    let messages = wait_for_failed_task(&handle).await;
    assert!(messages[0].contains("invalid digit"), "{messages:?}");
    assert_eq!(handle.describe().await.expect("describe").status.as_str_name(), "WORKFLOW_EXECUTION_STATUS_RUNNING");
    handle.terminate("done").await.expect("terminate");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_workflow_type_fails_the_task_naming_the_registered_ones() {
    let client = client().await;
    let queue = unique("unknown");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Charge>().workflow::<Rejects>());
    let handle = client
        .start_workflow_by_name("NoSuchWorkflow", &(), WorkflowOptions::new(unique("unknown"), &queue))
        .await
        .expect("start");
    let messages = wait_for_failed_task(&handle).await;
    assert!(messages[0].contains("\"NoSuchWorkflow\""), "{messages:?}");
    assert!(messages[0].contains("Charge") && messages[0].contains("Rejects"), "{messages:?}");
    handle.terminate("done").await.expect("terminate");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chosen_error_types_fail_the_workflow() {
    let client = client().await;
    let queue = unique("fail-on");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<TaskError>().fail_workflow_on::<std::num::ParseIntError>(),
    );
    let err =
        client.execute_workflow(TaskError::run, (), WorkflowOptions::new(unique("fail-on"), &queue)).await.unwrap_err();
    let ClientError::WorkflowFailed { cause } = err else { panic!("unexpected: {err}") };
    assert_eq!(cause.application_type(), Some("ParseIntError"));
    assert!(cause.message.contains("invalid digit"), "{}", cause.message);
    worker.stop().await;
}

/// Sleeps, then finishes: the first version of a workflow.
#[derive(Default)]
struct Evolving;

#[workflow]
impl Evolving {
    #[run]
    async fn run(&self) -> WorkflowResult<String> {
        workflow::sleep(Duration::from_secs(2)).await?;
        Ok("v1".into())
    }
}

/// The same workflow type after an incompatible change.
#[derive(Default)]
struct EvolvedIncompatibly;

#[workflow(name = "Evolving")]
impl EvolvedIncompatibly {
    #[run]
    async fn run(&self) -> WorkflowResult<String> {
        workflow::execute_activity(refuse, 1, ActivityOptions::start_to_close(Duration::from_secs(5))).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nondeterminism_can_fail_the_workflow() {
    let client = client().await;
    let queue = unique("nde");
    let v1 = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Evolving>());
    let handle =
        client.start_workflow(Evolving::run, (), WorkflowOptions::new(unique("nde"), &queue)).await.expect("start");
    for _ in 0..100 {
        let events = handle.fetch_history().await.expect("history").history.events;
        if events.iter().any(|e| e.event_type().as_str_name() == "EVENT_TYPE_TIMER_STARTED") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    v1.stop().await;
    let v2 = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue)
            .workflow::<EvolvedIncompatibly>()
            .activity(refuse)
            .nondeterminism_fails_workflow(true),
    );
    let err = handle.result().await.unwrap_err();
    let ClientError::WorkflowFailed { cause } = err else { panic!("unexpected: {err}") };
    assert_eq!(cause.application_type(), Some("NondeterminismError"));
    assert!(cause.message.contains("TimerStarted"), "{}", cause.message);
    v2.stop().await;
}

#[derive(Default)]
struct AwaitsForeignFuture;

#[workflow]
impl AwaitsForeignFuture {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        let (_keep, never) = tokio::sync::oneshot::channel::<()>();
        let _ = never.await;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awaiting_a_future_the_sdk_did_not_create_fails_the_task() {
    let client = client().await;
    let queue = unique("foreign");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<AwaitsForeignFuture>());
    let handle = client
        .start_workflow(AwaitsForeignFuture::run, (), WorkflowOptions::new(unique("foreign"), &queue))
        .await
        .expect("start");
    let messages = wait_for_failed_task(&handle).await;
    assert!(messages[0].contains("did not create"), "{messages:?}");
    handle.terminate("done").await.expect("terminate");
    worker.stop().await;
}
