//! Continue-as-new: a long-running counter that starts a fresh run every few iterations, so
//! that no run's history grows without bound. The client waits on the workflow id and gets
//! the result of the last run. Without `TEMPORAL_ADDRESS` it starts a local dev server.
//!
//! ```sh
//! cargo run --example continue_as_new
//! ```

use std::time::Duration;

use serde::{Deserialize, Serialize};
use temporal_sdk::prelude::*;
use temporal_sdk::testing::WorkflowEnvironment;

const TASK_QUEUE: &str = "continue-as-new";

/// Iterations per run. Small here to show several runs; in practice, a few thousand events.
const ITERATIONS_PER_RUN: u32 = 5;

/// Everything the next run needs, since a new run starts from its input alone.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Progress {
    count: u32,
    target: u32,
    run: u32,
}

#[activity]
async fn tick(count: u32) -> Result<u32, ActivityError> {
    Ok(count + 1)
}

#[derive(Default)]
struct Counter;

#[workflow]
impl Counter {
    #[run]
    async fn run(&self, mut progress: Progress) -> WorkflowResult<String> {
        for _ in 0..ITERATIONS_PER_RUN {
            if progress.count == progress.target {
                return Ok(format!("counted to {} in {} runs", progress.count, progress.run));
            }
            let options = ActivityOptions::start_to_close(Duration::from_secs(5));
            progress.count = workflow::execute_activity(tick, progress.count, options).await?;
        }
        progress.run += 1;
        // Ends this run and starts the next one with the same workflow id; returning it (not
        // calling it and carrying on) is what makes it the run's last act.
        workflow::continue_as_new(Self::run, progress)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = WorkflowEnvironment::from_env_or_start_local().await?;
    let client = env.client().clone();

    let worker = Worker::new(&client, WorkerOptions::new(TASK_QUEUE).workflow::<Counter>().activity(tick))?;
    let running = worker.spawn();

    let start = Progress { count: 0, target: 12, run: 1 };
    let handle = client.start_workflow(Counter::run, start, WorkflowOptions::new("counter", TASK_QUEUE)).await?;
    // The handle names the first run; its result follows the chain to the last one.
    let result = handle.result().await?;
    let last_run = client.get_workflow_handle::<Counter>(handle.id(), None).describe().await?.run_id.clone();
    println!("Result: {result} (first run {}, last run {last_run})", handle.run_id().unwrap_or("?"));

    worker.shutdown().await;
    running.await??;
    env.shutdown().await;
    Ok(())
}
