//! Patching on a real dev server: code changed behind `workflow::patched` still replays the
//! executions that ran before the change, new executions take the new path, and their
//! histories no longer replay against the old code.

use std::time::Duration;

use integration_tests::{RunningWorker, client, event_types, unique};
use temporal_sdk::prelude::*;
use temporal_sdk::replay::{ReplayError, Replayer, WorkflowHistory};

const PATCH: &str = "casual-greeting";

#[activity]
async fn greet_formally(name: String) -> Result<String, ActivityError> {
    Ok(format!("Good day, {name}."))
}

#[activity]
async fn greet_casually(name: String) -> Result<String, ActivityError> {
    Ok(format!("Hi {name}!"))
}

fn options() -> ActivityOptions {
    ActivityOptions::start_to_close(Duration::from_secs(5))
}

/// The code before the change.
#[derive(Default)]
struct GreeterV1;

#[workflow(name = "Greeter")]
impl GreeterV1 {
    #[run]
    async fn run(&self, name: String) -> WorkflowResult<String> {
        workflow::execute_activity(greet_formally, name, options()).await
    }
}

/// The changed code, behind a patch so that executions of `GreeterV1` keep replaying.
#[derive(Default)]
struct GreeterV2;

#[workflow(name = "Greeter")]
impl GreeterV2 {
    #[run]
    async fn run(&self, name: String) -> WorkflowResult<String> {
        if workflow::patched(PATCH) {
            workflow::execute_activity(greet_casually, name, options()).await
        } else {
            workflow::execute_activity(greet_formally, name, options()).await
        }
    }
}

/// Once no execution of `GreeterV1` is left: only the new path, the patch deprecated.
#[derive(Default)]
struct GreeterV3;

#[workflow(name = "Greeter")]
impl GreeterV3 {
    #[run]
    async fn run(&self, name: String) -> WorkflowResult<String> {
        workflow::deprecate_patch(PATCH);
        workflow::execute_activity(greet_casually, name, options()).await
    }
}

async fn run_on_its_own_worker<W: Workflow<Input = String, Output = String>>(
    client: &Client,
    run: temporal_sdk::workflow::RunMethod<W>,
) -> (String, WorkflowHistory) {
    // A task queue of its own: no worker of another version can pick the workflow up.
    let queue = unique("patching");
    let worker = RunningWorker::start(
        client,
        WorkerOptions::new(&queue).workflow::<W>().activity(greet_formally).activity(greet_casually),
    );
    let handle = client
        .start_workflow(run, "Ada".to_string(), WorkflowOptions::new(unique("greeter"), &queue))
        .await
        .expect("start");
    let result = handle.result().await.expect("result");
    worker.stop().await;
    (result, handle.fetch_history().await.expect("history"))
}

fn nondeterminism(replayer: Replayer, history: &WorkflowHistory) -> String {
    match replayer.replay_workflow(history) {
        Err(ReplayError::Nondeterminism(message)) => message,
        other => panic!("expected non-determinism, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patch_keeps_old_histories_replaying_and_new_executions_take_the_new_path() {
    let client = client().await;

    let (v1_result, v1_history) = run_on_its_own_worker(&client, GreeterV1::run).await;
    assert_eq!(v1_result, "Good day, Ada.");
    assert!(!event_types(&v1_history).contains(&"MARKER_RECORDED".to_string()));

    // The old execution replays against the new code: `patched` says no, so the old path.
    Replayer::new().workflow::<GreeterV2>().replay_workflow(&v1_history).expect("v1 history replays against v2");

    let (v2_result, v2_history) = run_on_its_own_worker(&client, GreeterV2::run).await;
    assert_eq!(v2_result, "Hi Ada!", "a new execution takes the new path");
    let events = event_types(&v2_history);
    let marker = events.iter().position(|e| e == "MARKER_RECORDED").expect("the patch is recorded");
    assert!(Some(marker) < events.iter().position(|e| e == "ACTIVITY_TASK_SCHEDULED"), "{events:?}");

    Replayer::new().workflow::<GreeterV2>().replay_workflow(&v2_history).expect("v2 history replays against v2");
    let message = nondeterminism(Replayer::new().workflow::<GreeterV1>(), &v2_history);
    assert!(
        message.contains("ScheduleActivityTask(activity_type=\"greet_formally\"")
            && message.contains("MarkerRecorded(marker_name=\"core_patch\")"),
        "{message}"
    );

    // Deprecating the patch keeps the new executions replaying, and gives up the old ones:
    // deprecate only once none of them can still run.
    Replayer::new().workflow::<GreeterV3>().replay_workflow(&v2_history).expect("v2 history replays against v3");
    let message = nondeterminism(Replayer::new().workflow::<GreeterV3>(), &v1_history);
    assert!(
        message.contains("ScheduleActivityTask(activity_type=\"greet_casually\"")
            && message.contains("ActivityTaskScheduled(activity_type=\"greet_formally\""),
        "{message}"
    );
}
