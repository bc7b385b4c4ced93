//! Replaying recorded histories: real executions exported with
//! `temporal workflow show --output json` replay cleanly against the code that produced them,
//! and changed code is reported as non-determinism naming what differed.

use std::time::Duration;

use integration_tests::workflows::{GreetingWorkflow, Patient, SayHello, double, say_hello};
use integration_tests::{RunningWorker, client, unique};
use temporal_sdk::prelude::*;
use temporal_sdk::replay::{ReplayError, Replayer, WorkflowHistory};

fn recorded(name: &str) -> WorkflowHistory {
    let path = format!("{}/histories/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    WorkflowHistory::from_json(name, &json).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[activity]
async fn say_goodbye(name: String) -> Result<String, ActivityError> {
    Ok(format!("Goodbye, {name}!"))
}

/// `SayHello` after someone changed which activity it calls.
#[derive(Default)]
struct SayHelloCallsAnotherActivity;

#[workflow(name = "SayHello")]
impl SayHelloCallsAnotherActivity {
    #[run]
    async fn run(&self, name: String) -> WorkflowResult<String> {
        workflow::execute_activity(say_goodbye, name, ActivityOptions::schedule_to_close(Duration::from_secs(5))).await
    }
}

/// `SayHello` after someone added a timer before the activity.
#[derive(Default)]
struct SayHelloSleepsFirst;

#[workflow(name = "SayHello")]
impl SayHelloSleepsFirst {
    #[run]
    async fn run(&self, name: String) -> WorkflowResult<String> {
        workflow::sleep(Duration::from_secs(1)).await?;
        workflow::execute_activity(say_hello, name, ActivityOptions::schedule_to_close(Duration::from_secs(5))).await
    }
}

/// `SayHello` after someone removed the activity altogether.
#[derive(Default)]
struct SayHelloDoesNothing;

#[workflow(name = "SayHello")]
impl SayHelloDoesNothing {
    #[run]
    async fn run(&self, name: String) -> WorkflowResult<String> {
        Ok(name)
    }
}

#[test]
fn recorded_histories_replay_cleanly() {
    let replayer = Replayer::new().workflow::<SayHello>().workflow::<GreetingWorkflow>().workflow::<Patient>();
    for name in ["say_hello", "greeting_workflow", "patient"] {
        replayer.replay_workflow(&recorded(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn a_different_activity_is_nondeterminism_naming_both() {
    let err =
        Replayer::new().workflow::<SayHelloCallsAnotherActivity>().replay_workflow(&recorded("say_hello")).unwrap_err();
    let ReplayError::Nondeterminism(message) = &err else { panic!("unexpected: {err}") };
    assert!(message.contains("ScheduleActivityTask(activity_type=\"say_goodbye\""), "{message}");
    assert!(message.contains("event 5 ActivityTaskScheduled(activity_type=\"say_hello\""), "{message}");
}

#[test]
fn an_added_timer_is_nondeterminism() {
    let err = Replayer::new().workflow::<SayHelloSleepsFirst>().replay_workflow(&recorded("say_hello")).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("StartTimer(timer_id=\"1\")") && message.contains("ActivityTaskScheduled"), "{message}");
}

#[test]
fn a_removed_activity_is_nondeterminism() {
    let err = Replayer::new().workflow::<SayHelloDoesNothing>().replay_workflow(&recorded("say_hello")).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("CompleteWorkflowExecution") && message.contains("event 5 ActivityTaskScheduled"),
        "{message}"
    );
}

#[test]
fn an_unregistered_type_is_named() {
    let err = Replayer::new().workflow::<Patient>().replay_workflow(&recorded("say_hello")).unwrap_err();
    assert!(
        matches!(err, ReplayError::UnknownWorkflowType { ref workflow_type, .. } if workflow_type == "SayHello"),
        "{err}"
    );
}

#[test]
fn malformed_json_is_an_error_with_a_position() {
    let err = WorkflowHistory::from_json("x", "{\"events\": [ {\"eventId\": \"1\", }").unwrap_err();
    assert!(err.to_string().contains("line 1"), "{err}");
}

/// A fresh execution's history, fetched through the client, replays against its code and not
/// against changed code; a worker with the changed code fails the task as non-deterministic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_history_checks_and_nondeterministic_worker() {
    let client = client().await;
    let queue = unique("replay");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Patient>().activity(double));
    let handle =
        client.start_workflow(Patient::run, 3, WorkflowOptions::new(unique("replay"), &queue)).await.expect("start");
    handle.signal(Patient::go, 0).await.expect("signal");
    assert_eq!(handle.result().await.expect("result"), 12);
    worker.stop().await;

    let history = handle.fetch_history().await.expect("history");
    Replayer::new().workflow::<Patient>().replay_workflow(&history).expect("same code replays");
    let json = history.to_json().expect("to json");
    let reread = WorkflowHistory::from_json(handle.id(), &json).expect("from json");
    Replayer::new().workflow::<Patient>().replay_workflow(&reread).expect("JSON round trip replays");

    // A worker running changed code replays the closed workflow to answer a query, and
    // reports the non-determinism instead of an answer.
    let changed = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<PatientSkipsFirstActivity>().activity(double),
    );
    let untyped = client.get_untyped_workflow_handle(handle.id(), None);
    let err = untyped.query_by_name::<String, _>("anything", &()).await.unwrap_err();
    let message = err.to_string();
    assert!(message.contains("Nondeterminism") && message.contains("ActivityTaskScheduled"), "{message}");
    changed.stop().await;
}

/// `Patient` after someone removed its first activity.
#[derive(Default)]
struct PatientSkipsFirstActivity;

#[workflow(name = "Patient")]
impl PatientSkipsFirstActivity {
    #[run]
    async fn run(&self, n: u64) -> WorkflowResult<u64> {
        workflow::sleep(Duration::from_secs(2)).await?;
        Ok(n)
    }
}
