//! Local activities: short steps run by the workflow's own worker, without a round trip
//! through a task queue, and recorded as markers so that a replay reuses their results.
//! Without `TEMPORAL_ADDRESS` it starts a local dev server.
//!
//! ```sh
//! cargo run --example local_activities
//! ```

use std::time::Duration;

use temporal_sdk::prelude::*;
use temporal_sdk::testing::WorkflowEnvironment;
use temporal_sdk::workflow::LocalActivityOptions;

const TASK_QUEUE: &str = "local-activities";

/// A lookup that takes milliseconds: scheduling it on a task queue would cost more than
/// running it.
#[activity]
async fn exchange_rate(currency: String) -> Result<f64, ActivityError> {
    Ok(if currency == "EUR" { 0.92 } else { 1.0 })
}

#[derive(Default)]
struct ConvertPrice;

#[workflow]
impl ConvertPrice {
    #[run]
    async fn run(&self, (dollars, currency): (f64, String)) -> WorkflowResult<String> {
        // Local activities are run (and retried) by the worker while the workflow task waits;
        // one that outlasts the task timeout makes the worker heartbeat the task. Long work
        // that needs heartbeats of its own belongs in an ordinary activity.
        let options = LocalActivityOptions::start_to_close(Duration::from_secs(2));
        let rate = workflow::execute_local_activity(exchange_rate, currency.clone(), options).await?;
        Ok(format!("{dollars:.2} USD is {:.2} {currency}", dollars * rate))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = WorkflowEnvironment::from_env_or_start_local().await?;
    let client = env.client().clone();

    // Registered like any activity: whether it runs locally is the workflow's choice.
    let worker =
        Worker::new(&client, WorkerOptions::new(TASK_QUEUE).workflow::<ConvertPrice>().activity(exchange_rate))?;
    let running = worker.spawn();

    let handle = client
        .start_workflow(ConvertPrice::run, (25.0, "EUR".to_string()), WorkflowOptions::new("convert-25", TASK_QUEUE))
        .await?;
    let result = handle.result().await?;
    let history = handle.fetch_history().await?;
    let events: Vec<&str> = history.history.events.iter().map(|e| e.event_type().as_str_name()).collect();
    let markers = events.iter().filter(|e| **e == "EVENT_TYPE_MARKER_RECORDED").count();
    let activity_tasks = events.iter().filter(|e| e.starts_with("EVENT_TYPE_ACTIVITY_TASK")).count();
    println!("Result: {result} (history: {markers} marker, {activity_tasks} activity task events)");

    worker.shutdown().await;
    running.await??;
    env.shutdown().await;
    Ok(())
}
