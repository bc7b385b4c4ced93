//! Patching: changing workflow code while executions of the old code may still be running.
//! Version 1 runs an order; version 2 adds a fraud check behind `workflow::patched`, runs a
//! new order, and still replays version 1's history, which the same change without the patch
//! would not. Without `TEMPORAL_ADDRESS` it starts a local dev server.
//!
//! ```sh
//! cargo run --example patching
//! ```

use std::time::Duration;

use temporal_sdk::prelude::*;
use temporal_sdk::replay::Replayer;
use temporal_sdk::testing::WorkflowEnvironment;

const TASK_QUEUE: &str = "patching";

#[activity]
async fn check_fraud(order: String) -> Result<String, ActivityError> {
    Ok(format!("checked {order}"))
}

#[activity]
async fn charge(order: String) -> Result<String, ActivityError> {
    Ok(format!("charged {order}"))
}

fn options() -> ActivityOptions {
    ActivityOptions::start_to_close(Duration::from_secs(5))
}

/// Version 1, as deployed before the change.
#[derive(Default)]
struct ProcessOrderV1;

#[workflow(name = "ProcessOrder")]
impl ProcessOrderV1 {
    #[run]
    async fn run(&self, order: String) -> WorkflowResult<String> {
        workflow::execute_activity(charge, order, options()).await
    }
}

/// Version 2: the fraud check comes first, but only for executions that reach this point
/// running version 2. An execution that passed here under version 1 has a charge recorded
/// next in its history, and replaying it must issue that same charge.
#[derive(Default)]
struct ProcessOrderV2;

#[workflow(name = "ProcessOrder")]
impl ProcessOrderV2 {
    #[run]
    async fn run(&self, order: String) -> WorkflowResult<String> {
        let mut steps = Vec::new();
        if workflow::patched("fraud-check") {
            steps.push(workflow::execute_activity(check_fraud, order.clone(), options()).await?);
        }
        steps.push(workflow::execute_activity(charge, order, options()).await?);
        Ok(steps.join(", "))
    }
}

/// Version 2 as it would be without the patch: fine for new executions, wrong for old ones.
#[derive(Default)]
struct ProcessOrderV2Unpatched;

#[workflow(name = "ProcessOrder")]
impl ProcessOrderV2Unpatched {
    #[run]
    async fn run(&self, order: String) -> WorkflowResult<String> {
        let checked = workflow::execute_activity(check_fraud, order.clone(), options()).await?;
        let charged = workflow::execute_activity(charge, order, options()).await?;
        Ok(format!("{checked}, {charged}"))
    }
}

/// Runs one order on a worker of version `W`, as a deployment of that version would.
async fn run_order<W: Workflow<Input = String, Output = String>>(
    client: &Client,
    run: temporal_sdk::workflow::RunMethod<W>,
    order: &str,
) -> Result<WorkflowHandle<W>, Box<dyn std::error::Error>> {
    let worker =
        Worker::new(client, WorkerOptions::new(TASK_QUEUE).workflow::<W>().activity(check_fraud).activity(charge))?;
    let running = worker.spawn();
    let handle = client.start_workflow(run, order.to_string(), WorkflowOptions::new(order, TASK_QUEUE)).await?;
    println!("Result of {order}: {}", handle.result().await?);
    worker.shutdown().await;
    running.await??;
    Ok(handle)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = WorkflowEnvironment::from_env_or_start_local().await?;
    let client = env.client().clone();

    let v1 = run_order(&client, ProcessOrderV1::run, "order-1").await?;
    run_order(&client, ProcessOrderV2::run, "order-2").await?;

    // What a worker of version 2 does when it picks up version 1's execution after a restart.
    let v1_history = v1.fetch_history().await?;
    match Replayer::new().workflow::<ProcessOrderV2>().replay_workflow(&v1_history) {
        Ok(()) => println!("Result: order-1's history replays against version 2"),
        Err(e) => println!("Result: order-1's history does not replay against version 2: {e}"),
    }
    if let Err(e) = Replayer::new().workflow::<ProcessOrderV2Unpatched>().replay_workflow(&v1_history) {
        println!("Without the patch it would not: {e}");
    }

    env.shutdown().await;
    Ok(())
}
