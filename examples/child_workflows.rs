//! Child workflows: an order fans out one child workflow per package, signals one of them,
//! and collects their results. Without `TEMPORAL_ADDRESS` it starts a local dev server.
//!
//! ```sh
//! cargo run --example child_workflows
//! ```

use std::cell::Cell;
use std::time::Duration;

use temporal_sdk::prelude::*;
use temporal_sdk::testing::WorkflowEnvironment;
use temporal_sdk::workflow::ChildWorkflowOptions;

const TASK_QUEUE: &str = "child-workflows";

#[activity]
async fn ship(package: (String, bool)) -> Result<String, ActivityError> {
    let (name, gift_wrapped) = package;
    Ok(if gift_wrapped { format!("{name} (gift-wrapped)") } else { name })
}

/// Ships one package. A child workflow rather than an activity, because it waits for a
/// signal: a child has its own history, id and handlers.
#[derive(Default)]
struct ShipPackage {
    gift_wrap: Cell<bool>,
}

#[workflow]
impl ShipPackage {
    #[run]
    async fn run(&self, package: String) -> WorkflowResult<String> {
        // The window in which the package can still be gift-wrapped; the timer is part of
        // history, so a replay sees the signal on the same side of it.
        workflow::wait_condition_timeout(|| self.gift_wrap.get(), Duration::from_secs(1)).await?;
        let options = ActivityOptions::start_to_close(Duration::from_secs(5));
        workflow::execute_activity(ship, (package, self.gift_wrap.get()), options).await
    }

    #[signal]
    fn gift_wrap(&self) {
        self.gift_wrap.set(true);
    }
}

#[derive(Default)]
struct ShipOrder;

#[workflow]
impl ShipOrder {
    #[run]
    async fn run(&self, packages: Vec<String>) -> WorkflowResult<Vec<String>> {
        // Child ids derived from the order's id: unique per order, and the same on replay.
        let order = workflow::info().map(|i| i.workflow_id).unwrap_or_default();
        // Start all children before waiting on any, so that they run side by side.
        let starts = packages.iter().map(|package| {
            let options = ChildWorkflowOptions::new(format!("{order}-{package}"));
            workflow::start_child_workflow(ShipPackage::run, package.clone(), options)
        });
        let children = workflow::join_all(starts).await.into_iter().collect::<WorkflowResult<Vec<_>>>()?;

        // A signal through the child's handle, typed by the child's handler.
        if let Some(first) = children.first() {
            first.signal(ShipPackage::gift_wrap, ()).await?;
        }

        // A failed child fails the order with a child-workflow failure naming it.
        workflow::join_all(children.iter().map(|child| child.result())).await.into_iter().collect()
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = WorkflowEnvironment::from_env_or_start_local().await?;
    let client = env.client().clone();

    let worker = Worker::new(
        &client,
        WorkerOptions::new(TASK_QUEUE).workflow::<ShipOrder>().workflow::<ShipPackage>().activity(ship),
    )?;
    let running = worker.spawn();

    let packages = vec!["vase".to_string(), "books".to_string(), "lamp".to_string()];
    let shipped =
        client.execute_workflow(ShipOrder::run, packages, WorkflowOptions::new("order-1001", TASK_QUEUE)).await?;
    println!("Result: shipped {}", shipped.join(", "));

    worker.shutdown().await;
    running.await??;
    env.shutdown().await;
    Ok(())
}
