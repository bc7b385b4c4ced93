//! The workflow API against a real dev server: cancellation, child workflows, external
//! handles, continue-as-new, patching, conditions, randomness, search attributes and memo.

use std::time::Duration;

use integration_tests::workflows::{
    CancellableActivity, Chain, Child, CleansUp, Dice, Parent, Waits, cleanup, wait_for_cancel,
};
use integration_tests::{RunningWorker, client, event_types, unique};
use temporal_sdk::error::FailureKind;
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::enums::v1::PendingActivityState;
use temporal_sdk::protos::temporal::api::history::v1::history_event::Attributes;
use temporal_sdk::replay::Replayer;

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
    cancel_while_activity_runs_as(kind, &unique("cancel")).await
}

async fn cancel_while_activity_runs_as(kind: &str, id: &str) -> (ClientError, Vec<String>) {
    let client = client().await;
    let queue = unique("cancel-activity");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<CancellableActivity>().activity(wait_for_cancel),
    );
    let handle = client
        .start_workflow(CancellableActivity::run, kind.to_string(), WorkflowOptions::new(id, &queue))
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
    cancel_while_sleeping_as(&unique("cleanup")).await;
}

async fn cancel_while_sleeping_as(id: &str) {
    let client = client().await;
    let queue = unique("cleanup");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<CleansUp>().activity(cleanup));
    let handle = client.start_workflow(CleansUp::run, (), WorkflowOptions::new(id, &queue)).await.expect("start");
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
    run_child_scenarios(|_| unique("parent")).await;
}

/// Runs `Parent` in each of its modes; `id_of` gives the workflow id of the run of a mode.
async fn run_child_scenarios(id_of: fn(&str) -> String) {
    let client = client().await;
    let queue = unique("children");
    let worker = child_worker(&client, &queue);
    let run = |mode: &str| {
        let client = client.clone();
        let (mode, queue) = (mode.to_string(), queue.clone());
        let id = id_of(&mode);
        async move { client.execute_workflow(Parent::run, mode, WorkflowOptions::new(id, queue)).await }
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
    chain_as(&unique("chain")).await;
}

/// Runs `Chain` as workflow `id` and returns the run ids of its three runs, in order.
async fn chain_as(id: &str) -> Vec<String> {
    let client = client().await;
    let queue = unique("chain");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Chain>());
    let handle = client.start_workflow(Chain::run, 1, WorkflowOptions::new(id, &queue)).await.expect("start");
    assert_eq!(handle.result().await.expect("result"), "run 3 continued from true");
    // Runs 1 and 2 ended by continuing as new.
    let first = history_of(&handle).await;
    assert_eq!(event_types(&first).last().map(String::as_str), Some("WORKFLOW_EXECUTION_CONTINUED_AS_NEW"));
    let latest = client.get_workflow_handle::<Chain>(handle.id(), None).describe().await.expect("describe");
    assert_ne!(Some(latest.run_id.as_str()), handle.run_id());
    worker.stop().await;

    let mut runs = vec![handle.run_id().expect("the first run's id").to_string()];
    while runs.len() < 3 {
        let run = client.get_workflow_handle::<Chain>(id, runs.last().cloned());
        let continued = history_of(&run).await.history.events.into_iter().find_map(|e| match e.attributes {
            Some(Attributes::WorkflowExecutionContinuedAsNewEventAttributes(a)) => Some(a.new_execution_run_id),
            _ => None,
        });
        runs.push(continued.expect("runs 1 and 2 continued as new"));
    }
    assert_eq!(runs.last(), Some(&latest.run_id));
    runs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_condition_with_timeout() {
    waits_as(&unique("waits")).await;
}

async fn waits_as(id: &str) {
    let client = client().await;
    let queue = unique("waits");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Waits>());
    let handle = client.start_workflow(Waits::run, (), WorkflowOptions::new(id, &queue)).await.expect("start");
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
    dice_as(&unique("dice")).await;
}

async fn dice_as(workflow_id: &str) {
    let client = client().await;
    let queue = unique("dice");
    // No cache: every task replays the run from the start, so the values must repeat.
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Dice>().max_cached_workflows(0));
    let handle = client.start_workflow(Dice::run, (), WorkflowOptions::new(workflow_id, &queue)).await.expect("start");
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

/// Runs the scenarios above once more, with fixed workflow ids, to record the histories under
/// `tests/histories/` that `tests/replay.rs` replays against these same workflows. Each id is
/// the name of its history file: `Parent` derives its child's id from its own, so a replay
/// has to be given the id the execution had. By hand, against a fresh dev server:
///
/// ```text
/// temporal server start-dev --ip 127.0.0.1 --port 7555 --headless \
///     --search-attribute CustomKeywordField=Keyword --search-attribute CustomIntField=Int &
/// TEMPORAL_TEST_ADDRESS=127.0.0.1:7555 cargo test -p integration-tests --test workflow_api -- --ignored record_histories --nocapture
/// ```
///
/// then run each `temporal workflow show` line it prints, and stop the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by hand to record histories (see its doc comment)"]
async fn record_histories() {
    let address = integration_tests::target();
    let show = |name: &str, id: &str, run: Option<&str>| {
        let run = run.map(|r| format!(" -r {r}")).unwrap_or_default();
        println!("temporal workflow show --address {address} -w {id}{run} -o json > tests/histories/{name}.json");
    };
    for (kind, name) in
        [("try", "cancel_activity_try"), ("wait", "cancel_activity_wait"), ("abandon", "cancel_activity_abandon")]
    {
        cancel_while_activity_runs_as(kind, name).await;
        show(name, name, None);
    }
    cancel_while_sleeping_as("cancel_timer_cleanup").await;
    show("cancel_timer_cleanup", "cancel_timer_cleanup", None);

    fn child_history(mode: &str) -> String {
        match mode {
            "signal" => "child_signal",
            "external" => "child_external_signal",
            "fail" => "child_failure",
            "cancel" => "child_cancel",
            _ => "child_success",
        }
        .to_string()
    }
    run_child_scenarios(child_history).await;
    for mode in ["laundry", "signal", "external", "fail", "cancel"] {
        show(&child_history(mode), &child_history(mode), None);
    }
    // The child's side of a cancellation, too.
    show("child_cancel_child", "child_cancel-child", None);

    let runs = chain_as("continue_as_new").await;
    for (i, run) in runs.iter().enumerate() {
        show(&format!("continue_as_new_run{}", i + 1), "continue_as_new", Some(run));
    }
    waits_as("wait_condition_timeout").await;
    show("wait_condition_timeout", "wait_condition_timeout", None);
    dice_as("random_search_attributes_memo").await;
    show("random_search_attributes_memo", "random_search_attributes_memo", None);
}
