//! The Quick Start: a workflow that calls an activity, run by a worker against a Temporal
//! server: the one of the environment's client configuration (`TEMPORAL_ADDRESS`, or a
//! `temporal.toml` profile written by `temporal config set`), else a local dev server it starts
//! by itself.
//!
//! ```sh
//! cargo run --example hello_world
//! ```

use std::time::Duration;

use temporal_sdk::prelude::*;
use temporal_sdk::testing::WorkflowEnvironment;

#[activity]
async fn say_hello(name: String) -> Result<String, ActivityError> {
    Ok(format!("Hello, {name}!"))
}

#[derive(Default)]
struct SayHello;

#[workflow]
impl SayHello {
    #[run]
    async fn run(&self, name: String) -> WorkflowResult<String> {
        workflow::execute_activity(say_hello, name, ActivityOptions::schedule_to_close(Duration::from_secs(5))).await
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = WorkflowEnvironment::from_env_or_start_local().await?;
    let client = env.client().clone();

    let worker = Worker::new(&client, WorkerOptions::new("my-task-queue").workflow::<SayHello>().activity(say_hello))?;
    let running = worker.spawn();

    let result = client
        .execute_workflow(
            SayHello::run,
            "Temporal".to_string(),
            WorkflowOptions::new("hello-world-workflow", "my-task-queue"),
        )
        .await?;
    println!("Result: {result}");

    worker.shutdown().await;
    running.await??;
    env.shutdown().await;
    Ok(())
}
