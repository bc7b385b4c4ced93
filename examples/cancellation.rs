//! Cancellation: a client cancels a workflow while it waits on a long, heartbeating activity;
//! the workflow catches the cancellation, cleans up in a shielded activity, and ends as
//! cancelled. Without `TEMPORAL_ADDRESS` it starts a local dev server.
//!
//! ```sh
//! cargo run --example cancellation
//! ```

use std::time::Duration;

use temporal_sdk::prelude::*;
use temporal_sdk::testing::WorkflowEnvironment;
use temporal_sdk::workflow::ActivityCancellationType;

const TASK_QUEUE: &str = "cancellation";

#[activity]
async fn transcode(video: String) -> Result<String, ActivityError> {
    for percent in 0..=100 {
        // The heartbeat is how an activity hears of a cancellation: the server answers it.
        activity::heartbeat(&percent);
        if activity::is_cancelled() {
            println!("  transcode: cancelled at {percent}%");
            return Err(ActivityError::cancelled());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(format!("{video} transcoded"))
}

#[activity]
async fn delete_partial_output(video: String) -> Result<(), ActivityError> {
    println!("  cleanup: deleted the partial output of {video}");
    Ok(())
}

#[derive(Default)]
struct Transcode;

#[workflow]
impl Transcode {
    #[run]
    async fn run(&self, video: String) -> WorkflowResult<String> {
        // What cancelling the workflow does to this activity depends on its cancellation type:
        // - TryCancel (the default): ask the server to cancel it and carry on at once; the
        //   activity may still be running while the workflow cleans up.
        // - WaitCancellationCompleted: ask, then wait until the activity has stopped. Chosen
        //   here, so that the cleanup cannot race the transcoder still writing its output.
        // - Abandon: do not even ask; the activity runs to its end and its result is dropped.
        let options = ActivityOptions::start_to_close(Duration::from_secs(60))
            .heartbeat_timeout(Duration::from_secs(2))
            .cancellation_type(ActivityCancellationType::WaitCancellationCompleted);
        match workflow::execute_activity(transcode, video.clone(), options).await {
            Err(e) if e.is_cancelled() => {
                // A cancellation request is delivered once, to what the workflow waits on when
                // it arrives, or else to the next thing it waits on. The shield makes sure that
                // this next thing is never the cleanup, whatever the timing.
                let cleanup = ActivityOptions::start_to_close(Duration::from_secs(10));
                workflow::shield(async { workflow::execute_activity(delete_partial_output, video, cleanup).await })
                    .await?;
                // Returning the cancellation (rather than a value) ends the workflow as
                // cancelled, which is what the client asked for.
                Err(e)
            }
            other => other,
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = WorkflowEnvironment::from_env_or_start_local().await?;
    let client = env.client().clone();

    let worker = Worker::new(
        &client,
        WorkerOptions::new(TASK_QUEUE).workflow::<Transcode>().activity(transcode).activity(delete_partial_output),
    )?;
    let running = worker.spawn();

    let handle = client
        .start_workflow(Transcode::run, "intro.mp4".to_string(), WorkflowOptions::new("transcode-intro", TASK_QUEUE))
        .await?;
    // Give the transcoder time to start and report some progress.
    tokio::time::sleep(Duration::from_secs(1)).await;
    handle.cancel().await?;

    match handle.result().await {
        Err(ClientError::WorkflowFailed { cause }) if cause.is_cancelled() => {
            println!("Result: the workflow was cancelled and cleaned up ({})", cause.message)
        }
        other => println!("Result: unexpected outcome {other:?}"),
    }

    worker.shutdown().await;
    running.await??;
    env.shutdown().await;
    Ok(())
}
