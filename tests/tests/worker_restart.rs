//! A workflow survives its worker: a new worker replays the history and carries on.

use std::time::Duration;

use integration_tests::workflows::{Patient, double};
use integration_tests::{RunningWorker, client, unique};
use temporal_sdk::prelude::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_worker_replays_and_finishes_the_workflow() {
    let client = client().await;
    let queue = unique("restart");
    let options = || WorkerOptions::new(&queue).workflow::<Patient>().activity(double);

    let first = RunningWorker::start(&client, options());
    let handle =
        client.start_workflow(Patient::run, 5, WorkflowOptions::new(unique("patient"), &queue)).await.expect("start");
    // Wait until the first activity completed and the workflow waits for the signal.
    for _ in 0..100 {
        let events = handle.fetch_history().await.expect("history").history.events;
        if events.iter().any(|e| e.event_type().as_str_name() == "EVENT_TYPE_ACTIVITY_TASK_COMPLETED") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.stop().await;

    // With no worker the signal only lands in history.
    handle.signal(Patient::go, 1).await.expect("signal");

    // A new worker (new sticky queue, empty cache) gets the full history and replays it.
    let second = RunningWorker::start(&client, options());
    let started = std::time::Instant::now();
    let result = handle.result().await.expect("result");
    assert_eq!(result, (5 * 2 + 1) * 2);
    assert!(started.elapsed() >= Duration::from_secs(2), "the durable timer still ran");
    second.stop().await;

    // Replaying the finished history against the same code reports no non-determinism.
    let history = handle.fetch_history().await.expect("history");
    temporal_sdk::replay::Replayer::new().workflow::<Patient>().replay_workflow(&history).expect("clean replay");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_without_cache_replays_every_task() {
    let client = client().await;
    let queue = unique("nocache");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<Patient>().activity(double).max_cached_workflows(0),
    );
    let handle =
        client.start_workflow(Patient::run, 1, WorkflowOptions::new(unique("nocache"), &queue)).await.expect("start");
    handle.signal(Patient::go, 0).await.expect("signal");
    assert_eq!(handle.result().await.expect("result"), 4);
    worker.stop().await;
}
