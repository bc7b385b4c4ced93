//! Deterministic concurrency inside a workflow against the real dev server: `workflow::select!`
//! over the SDK's own futures, `workflow::timeout` and `workflow::spawn`, and the replay of the
//! histories they write.

use std::time::Duration;

use integration_tests::{RunningWorker, client, unique};
use temporal_sdk::prelude::*;
use temporal_sdk::replay::Replayer;

#[activity]
async fn slow_echo(text: String) -> Result<String, ActivityError> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(text)
}

#[activity]
async fn sleepy(text: String) -> Result<String, ActivityError> {
    tokio::time::sleep(Duration::from_secs(2)).await;
    Ok(text)
}

#[derive(Default)]
struct Races;

#[workflow]
impl Races {
    #[run]
    async fn run(&self) -> WorkflowResult<Vec<String>> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(30));
        let mut seen = Vec::new();

        // select! over an activity and a timer: the activity is quicker.
        let mut echo = workflow::execute_activity(slow_echo, "activity first".to_string(), options.clone());
        let mut timer = workflow::sleep(Duration::from_secs(30));
        workflow::select! {
            text = echo => seen.push(text?),
            done = timer => { done?; seen.push("timer first".into()) },
        }

        // A timeout that expires: the activity it guarded is cancelled.
        let late = workflow::execute_activity(sleepy, "too late".to_string(), options.clone());
        match workflow::timeout(Duration::from_millis(700), late).await {
            Ok(text) => seen.push(text?),
            Err(e) => seen.push(e.failure().and_then(|f| f.application_type()).unwrap_or("?").to_string()),
        }

        // Spawned tasks run beside each other and are joined in any order.
        let a = workflow::spawn(workflow::execute_activity(slow_echo, "spawned a".to_string(), options.clone()));
        let b = workflow::spawn(async move {
            workflow::sleep(Duration::from_millis(50)).await?;
            workflow::execute_activity(slow_echo, "spawned b".to_string(), options).await
        });
        seen.push(b.await??);
        seen.push(a.await??);
        Ok(seen)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_timeout_and_spawn_run_and_replay() {
    let client = client().await;
    let queue = unique("races");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<Races>().activity(slow_echo).activity(sleepy),
    );
    let handle =
        client.start_workflow(Races::run, (), WorkflowOptions::new(unique("races"), &queue)).await.expect("start");
    let seen = handle.result().await.expect("result");
    assert_eq!(seen, ["activity first", "TimeoutError", "spawned b", "spawned a"]);
    worker.stop().await;

    let history = handle.fetch_history().await.expect("history");
    Replayer::new().workflow::<Races>().replay_workflow(&history).expect("the history replays");
}
