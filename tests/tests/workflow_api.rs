//! The workflow API against a real dev server: cancellation, child workflows, external
//! handles, continue-as-new, patching, conditions, randomness, search attributes and memo.

use std::cell::Cell;
use std::time::Duration;

use integration_tests::{RunningWorker, client, event_types, unique};
use temporal_sdk::error::FailureKind;
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::enums::v1::PendingActivityState;
use temporal_sdk::replay::Replayer;
use temporal_sdk::workflow::{ActivityCancellationType, ChildWorkflowOptions, SearchAttributeValue};

/// Heartbeats until cancelled, then reports the cancellation.
#[activity]
async fn wait_for_cancel() -> Result<String, ActivityError> {
    for _ in 0..400 {
        activity::heartbeat(&());
        if activity::is_cancelled() {
            return Err(ActivityError::cancelled());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok("never cancelled".into())
}

#[activity]
async fn cleanup(what: String) -> Result<String, ActivityError> {
    Ok(format!("cleaned up {what}"))
}

#[derive(Default)]
struct CancellableActivity;

#[workflow]
impl CancellableActivity {
    #[run]
    async fn run(&self, cancellation_type: String) -> WorkflowResult<String> {
        let kind = match cancellation_type.as_str() {
            "try" => ActivityCancellationType::TryCancel,
            "wait" => ActivityCancellationType::WaitCancellationCompleted,
            _ => ActivityCancellationType::Abandon,
        };
        let opts = ActivityOptions::start_to_close(Duration::from_secs(30))
            .heartbeat_timeout(Duration::from_secs(2))
            .retry_policy(RetryPolicy::default().maximum_attempts(1))
            .cancellation_type(kind);
        workflow::execute_activity(wait_for_cancel, (), opts).await
    }
}

#[derive(Default)]
struct CleansUp;

#[workflow]
impl CleansUp {
    #[run]
    async fn run(&self) -> WorkflowResult<String> {
        match workflow::sleep(Duration::from_secs(3600)).await {
            Ok(()) => Ok("slept".into()),
            Err(e) if e.is_cancelled() => {
                // The request was delivered once: what runs after catching it is not cancelled.
                let opts = ActivityOptions::start_to_close(Duration::from_secs(10));
                workflow::execute_activity(cleanup, "the order".to_string(), opts).await
            }
            Err(e) => Err(e),
        }
    }
}

#[derive(Default)]
struct Child {
    nudged: Cell<bool>,
}

#[workflow]
impl Child {
    #[run]
    async fn run(&self, mode: String) -> WorkflowResult<String> {
        match mode.as_str() {
            "fail" => Err(ApplicationError::new("child refused").with_type("ChildError").non_retryable().into()),
            "wait" => {
                workflow::wait_condition(|| self.nudged.get()).await?;
                Ok("nudged".into())
            }
            _ => Ok(format!("child did {mode}")),
        }
    }

    #[signal]
    fn nudge(&self) {
        self.nudged.set(true);
    }
}

#[derive(Default)]
struct Parent;

#[workflow]
impl Parent {
    #[run]
    async fn run(&self, mode: String) -> WorkflowResult<String> {
        let id = format!("{}-child", workflow::info().map(|i| i.workflow_id).unwrap_or_default());
        match mode.as_str() {
            "signal" => {
                let child =
                    workflow::start_child_workflow(Child::run, "wait".into(), ChildWorkflowOptions::new(id)).await?;
                child.signal(Child::nudge, ()).await?;
                child.result().await
            }
            "cancel" => {
                let child =
                    workflow::start_child_workflow(Child::run, "wait".into(), ChildWorkflowOptions::new(id)).await?;
                child.cancel();
                match child.result().await {
                    Err(WorkflowError::Failure(f)) => Ok(format!("child ended: {f}; cancelled={}", f.is_cancelled())),
                    other => Ok(format!("unexpected: {other:?}")),
                }
            }
            "external" => {
                let child =
                    workflow::start_child_workflow(Child::run, "wait".into(), ChildWorkflowOptions::new(&id)).await?;
                workflow::get_external_workflow_handle::<Child>(id, None).signal(Child::nudge, ()).await?;
                child.result().await
            }
            _ => workflow::execute_child_workflow(Child::run, mode, ChildWorkflowOptions::new(id)).await,
        }
    }
}

#[derive(Default)]
struct Chain;

#[workflow]
impl Chain {
    #[run]
    async fn run(&self, n: u32) -> WorkflowResult<String> {
        if n < 3 {
            workflow::sleep(Duration::from_millis(10)).await?;
            return workflow::continue_as_new(Self::run, n + 1);
        }
        let info = workflow::info().expect("info");
        Ok(format!("run {n} continued from {}", info.continued_run_id.is_some()))
    }
}

#[derive(Default)]
struct Waits {
    go: Cell<bool>,
}

#[workflow]
impl Waits {
    #[run]
    async fn run(&self) -> WorkflowResult<(bool, bool)> {
        let timed_out = !workflow::wait_condition_timeout(|| self.go.get(), Duration::from_millis(500)).await?;
        let met = workflow::wait_condition_timeout(|| self.go.get(), Duration::from_secs(3600)).await?;
        Ok((timed_out, met))
    }

    #[signal]
    fn go(&self) {
        self.go.set(true);
    }
}

#[derive(Default)]
struct Dice;

#[workflow]
impl Dice {
    #[run]
    async fn run(&self) -> WorkflowResult<(u64, String, u64)> {
        let roll = workflow::random_range(1, 7);
        let id = workflow::uuid4().to_string();
        workflow::sleep(Duration::from_millis(10)).await?;
        let later = workflow::random();
        workflow::upsert_search_attributes([
            ("CustomKeywordField", SearchAttributeValue::Keyword(id.clone())),
            ("CustomIntField", SearchAttributeValue::Int(roll as i64)),
        ])?;
        workflow::upsert_memo([("roll", roll)])?;
        Ok((roll, id, later))
    }
}

async fn history_of<W>(handle: &WorkflowHandle<W>) -> temporal_sdk::replay::WorkflowHistory {
    handle.fetch_history().await.expect("history")
}

async fn wait_until_activity_started<W>(handle: &WorkflowHandle<W>) {
    for _ in 0..200 {
        let d = handle.describe().await.expect("describe");
        if d.raw.pending_activities.iter().any(|a| a.state() == PendingActivityState::Started) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the activity never started");
}

async fn cancel_while_activity_runs(kind: &str) -> (ClientError, Vec<String>) {
    let client = client().await;
    let queue = unique("cancel-activity");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<CancellableActivity>().activity(wait_for_cancel),
    );
    let handle = client
        .start_workflow(CancellableActivity::run, kind.to_string(), WorkflowOptions::new(unique("cancel"), &queue))
        .await
        .expect("start");
    wait_until_activity_started(&handle).await;
    handle.cancel().await.expect("cancel");
    let err = handle.result().await.unwrap_err();
    assert_eq!(handle.describe().await.expect("describe").status.as_str_name(), "WORKFLOW_EXECUTION_STATUS_CANCELED");
    let events = event_types(&history_of(&handle).await);
    worker.stop().await;
    (err, events)
}

fn position(events: &[String], name: &str) -> Option<usize> {
    events.iter().position(|e| e == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_workflow_cancels_its_activity_try_cancel() {
    let (err, events) = cancel_while_activity_runs("try").await;
    assert!(matches!(&err, ClientError::WorkflowFailed { cause } if cause.is_cancelled()), "{err}");
    let requested = position(&events, "ACTIVITY_TASK_CANCEL_REQUESTED").expect("cancel requested");
    let closed = position(&events, "WORKFLOW_EXECUTION_CANCELED").expect("workflow cancelled");
    assert!(requested < closed, "{events:?}");
    // TRY_CANCEL does not wait for the activity to acknowledge.
    assert!(position(&events, "ACTIVITY_TASK_CANCELED").is_none_or(|c| c > closed), "{events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_workflow_cancels_its_activity_wait_cancellation_completed() {
    let (err, events) = cancel_while_activity_runs("wait").await;
    assert!(matches!(&err, ClientError::WorkflowFailed { cause } if cause.is_cancelled()), "{err}");
    let acknowledged = position(&events, "ACTIVITY_TASK_CANCELED").expect("activity acknowledged");
    let closed = position(&events, "WORKFLOW_EXECUTION_CANCELED").expect("workflow cancelled");
    assert!(acknowledged < closed, "the workflow waited for the activity: {events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_workflow_abandons_its_activity() {
    let (err, events) = cancel_while_activity_runs("abandon").await;
    assert!(matches!(&err, ClientError::WorkflowFailed { cause } if cause.is_cancelled()), "{err}");
    assert!(position(&events, "ACTIVITY_TASK_CANCEL_REQUESTED").is_none(), "ABANDON sends no request: {events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_workflow_can_clean_up() {
    let client = client().await;
    let queue = unique("cleanup");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<CleansUp>().activity(cleanup));
    let handle =
        client.start_workflow(CleansUp::run, (), WorkflowOptions::new(unique("cleanup"), &queue)).await.expect("start");
    for _ in 0..100 {
        if event_types(&history_of(&handle).await).iter().any(|e| e == "TIMER_STARTED") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    handle.cancel().await.expect("cancel");
    assert_eq!(handle.result().await.expect("result"), "cleaned up the order");
    let events = event_types(&history_of(&handle).await);
    assert!(position(&events, "TIMER_CANCELED").is_some(), "{events:?}");
    worker.stop().await;
}

fn child_worker(client: &Client, queue: &str) -> RunningWorker {
    RunningWorker::start(client, WorkerOptions::new(queue).workflow::<Parent>().workflow::<Child>())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_workflows_run_signal_and_fail_with_typed_causes() {
    let client = client().await;
    let queue = unique("children");
    let worker = child_worker(&client, &queue);
    let run = |mode: &str| {
        let client = client.clone();
        let (mode, queue) = (mode.to_string(), queue.clone());
        async move { client.execute_workflow(Parent::run, mode, WorkflowOptions::new(unique("parent"), queue)).await }
    };
    assert_eq!(run("laundry").await.expect("result"), "child did laundry");
    assert_eq!(run("signal").await.expect("result"), "nudged");
    assert_eq!(run("external").await.expect("result"), "nudged");

    let err = run("fail").await.unwrap_err();
    let ClientError::WorkflowFailed { cause } = err else { panic!("unexpected: {err}") };
    assert!(
        matches!(cause.kind, FailureKind::ChildWorkflow { ref workflow_type, .. } if workflow_type == "Child"),
        "{cause:?}"
    );
    assert_eq!(cause.root_cause().application_type(), Some("ChildError"));
    assert_eq!(cause.root_cause().message, "child refused");

    let out = run("cancel").await.expect("result");
    assert!(out.contains("cancelled=true"), "{out}");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_as_new_chains_three_runs() {
    let client = client().await;
    let queue = unique("chain");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Chain>());
    let handle =
        client.start_workflow(Chain::run, 1, WorkflowOptions::new(unique("chain"), &queue)).await.expect("start");
    assert_eq!(handle.result().await.expect("result"), "run 3 continued from true");
    // Runs 1 and 2 ended by continuing as new.
    let first = history_of(&handle).await;
    assert_eq!(event_types(&first).last().map(String::as_str), Some("WORKFLOW_EXECUTION_CONTINUED_AS_NEW"));
    let latest = client.get_workflow_handle::<Chain>(handle.id(), None).describe().await.expect("describe");
    assert_ne!(Some(latest.run_id.as_str()), handle.run_id());
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_condition_with_timeout() {
    let client = client().await;
    let queue = unique("waits");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Waits>());
    let handle =
        client.start_workflow(Waits::run, (), WorkflowOptions::new(unique("waits"), &queue)).await.expect("start");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    handle.signal(Waits::go, ()).await.expect("signal");
    assert_eq!(handle.result().await.expect("result"), (true, true));
    // The second wait's timer was cancelled when the condition won.
    let events = event_types(&history_of(&handle).await);
    assert_eq!(events.iter().filter(|e| *e == "TIMER_STARTED").count(), 2, "{events:?}");
    assert_eq!(events.iter().filter(|e| *e == "TIMER_CANCELED").count(), 1, "{events:?}");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn randomness_is_deterministic_and_attributes_are_recorded() {
    let client = client().await;
    let queue = unique("dice");
    // No cache: every task replays the run from the start, so the values must repeat.
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Dice>().max_cached_workflows(0));
    let handle =
        client.start_workflow(Dice::run, (), WorkflowOptions::new(unique("dice"), &queue)).await.expect("start");
    let (roll, id, _later) = handle.result().await.expect("result");
    assert!((1..7).contains(&roll));
    assert_eq!(id.len(), 36);
    let history = history_of(&handle).await;
    Replayer::new().workflow::<Dice>().replay_workflow(&history).expect("replays");
    let described = handle.describe().await.expect("describe");
    let info = described.raw.workflow_execution_info.expect("info");
    let attrs = info.search_attributes.expect("search attributes").indexed_fields;
    assert_eq!(attrs["CustomKeywordField"].data, format!("\"{id}\"").into_bytes());
    let memo = info.memo.expect("memo").fields;
    assert_eq!(memo["roll"].data, roll.to_string().into_bytes());
    worker.stop().await;
}
