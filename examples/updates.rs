//! Updates: a shopping cart that clients change with updates. An update is like a signal
//! that answers: the client waits for the handler's result. A validator rejects bad requests
//! before they are accepted, so they leave no trace in history. Without `TEMPORAL_ADDRESS` it
//! starts a local dev server.
//!
//! ```sh
//! cargo run --example updates
//! ```

use std::cell::{Cell, RefCell};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use temporal_sdk::prelude::*;
use temporal_sdk::testing::WorkflowEnvironment;

const TASK_QUEUE: &str = "updates";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Item {
    name: String,
    quantity: u32,
}

#[activity]
async fn price_of(item: Item) -> Result<u32, ActivityError> {
    Ok(item.quantity * 250)
}

#[derive(Default)]
struct Cart {
    items: RefCell<Vec<Item>>,
    total_cents: Cell<u32>,
    checked_out: Cell<bool>,
}

#[workflow]
impl Cart {
    #[run]
    async fn run(&self) -> WorkflowResult<u32> {
        workflow::wait_condition(|| self.checked_out.get()).await?;
        // An update accepted just before checkout may still be pricing its item.
        workflow::wait_condition(workflow::all_handlers_finished).await?;
        Ok(self.total_cents.get())
    }

    /// Adds an item and answers with the cart's new total.
    #[update]
    async fn add_item(&self, item: Item) -> WorkflowResult<u32> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(5));
        let price = workflow::execute_activity(price_of, item.clone(), options).await?;
        self.items.borrow_mut().push(item);
        self.total_cents.set(self.total_cents.get() + price);
        Ok(self.total_cents.get())
    }

    /// Runs before `add_item` is accepted, and must not change state: a rejected update is
    /// not written to history, so a change made here would not survive a replay.
    #[update_validator(add_item)]
    fn validate_add_item(&self, item: &Item) -> Result<(), ApplicationError> {
        if self.checked_out.get() {
            return Err(ApplicationError::new("the cart is checked out"));
        }
        if item.quantity == 0 {
            return Err(ApplicationError::new(format!("cannot add no {}", item.name)));
        }
        Ok(())
    }

    #[signal]
    fn checkout(&self) {
        self.checked_out.set(true);
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = WorkflowEnvironment::from_env_or_start_local().await?;
    let client = env.client().clone();

    let worker = Worker::new(&client, WorkerOptions::new(TASK_QUEUE).workflow::<Cart>().activity(price_of))?;
    let running = worker.spawn();

    let cart = client.start_workflow(Cart::run, (), WorkflowOptions::new("cart-ada", TASK_QUEUE)).await?;
    for (name, quantity) in [("tea", 2), ("scones", 0), ("jam", 1)] {
        let item = Item { name: name.into(), quantity };
        match cart.execute_update(Cart::add_item, item).await {
            Ok(total) => println!("  added {quantity} {name}: total {total} cents"),
            Err(ClientError::UpdateFailed { cause }) => println!("  rejected: {}", cause.message),
            Err(other) => return Err(other.into()),
        }
    }
    cart.signal(Cart::checkout, ()).await?;
    println!("Result: checked out for {} cents", cart.result().await?);

    worker.shutdown().await;
    running.await??;
    env.shutdown().await;
    Ok(())
}
