//! Workflow updates against a real dev server: accepted and answered, rejected by a
//! validator, failed by the handler, and replayed from history.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use integration_tests::{RunningWorker, client, event_types, unique};
use temporal_sdk::prelude::*;
use temporal_sdk::replay::Replayer;

#[activity]
async fn price_of(item: String) -> Result<u32, ActivityError> {
    Ok(item.len() as u32 * 100)
}

#[derive(Default)]
struct Cart {
    items: RefCell<Vec<String>>,
    total: Cell<u32>,
    checked_out: Cell<bool>,
}

#[workflow]
impl Cart {
    #[run]
    pub async fn run(&self) -> WorkflowResult<(Vec<String>, u32)> {
        workflow::wait_condition(|| self.checked_out.get()).await?;
        // Let running update handlers finish before completing.
        workflow::wait_condition(workflow::all_handlers_finished).await?;
        Ok((self.items.borrow().clone(), self.total.get()))
    }

    /// Adds an item after pricing it with an activity; returns the number of items.
    #[update]
    pub async fn add_item(&self, item: String) -> WorkflowResult<u32> {
        let price =
            workflow::execute_activity(price_of, item.clone(), ActivityOptions::start_to_close(Duration::from_secs(5)))
                .await?;
        self.items.borrow_mut().push(item);
        self.total.set(self.total.get() + price);
        Ok(self.items.borrow().len() as u32)
    }

    #[update_validator(add_item)]
    fn validate_add_item(&self, item: &str) -> Result<(), ApplicationError> {
        if item.is_empty() {
            return Err(ApplicationError::new("an item needs a name").with_type("InvalidItem"));
        }
        if self.checked_out.get() {
            return Err(ApplicationError::new("the cart is checked out"));
        }
        Ok(())
    }

    /// Fails inside the handler (after acceptance) for a coupon that does not exist.
    #[update]
    pub fn apply_coupon(&self, code: String) -> WorkflowResult<u32> {
        if code != "HALF" {
            return Err(ApplicationError::new(format!("no coupon {code}")).with_type("UnknownCoupon").into());
        }
        self.total.set(self.total.get() / 2);
        Ok(self.total.get())
    }

    #[signal]
    pub fn checkout(&self) {
        self.checked_out.set(true);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_are_validated_run_and_replayed() {
    let client = client().await;
    let queue = unique("cart");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Cart>().activity(price_of));
    let handle =
        client.start_workflow(Cart::run, (), WorkflowOptions::new(unique("cart"), &queue)).await.expect("start");

    assert_eq!(handle.execute_update(Cart::add_item, "apple".to_string()).await.expect("update"), 1);
    let started = handle.start_update(Cart::add_item, "kiwi".to_string()).await.expect("accepted");
    assert_eq!(started.result().await.expect("update result"), 2);

    // Rejected by the validator: never accepted, nothing recorded.
    let err = handle.execute_update(Cart::add_item, String::new()).await.unwrap_err();
    let ClientError::UpdateFailed { cause } = &err else { panic!("unexpected: {err}") };
    assert_eq!(cause.application_type(), Some("InvalidItem"));

    // Failed by the handler: accepted, then completed with a failure.
    let err = handle.execute_update(Cart::apply_coupon, "FREE".to_string()).await.unwrap_err();
    assert!(err.to_string().contains("no coupon FREE"), "{err}");
    assert_eq!(handle.execute_update(Cart::apply_coupon, "HALF".to_string()).await.expect("coupon"), 450);

    handle.signal(Cart::checkout, ()).await.expect("signal");
    assert_eq!(handle.result().await.expect("result"), (vec!["apple".to_string(), "kiwi".to_string()], 450));

    let history = handle.fetch_history().await.expect("history");
    let events = event_types(&history);
    assert_eq!(events.iter().filter(|e| *e == "WORKFLOW_EXECUTION_UPDATE_ACCEPTED").count(), 4, "{events:?}");
    assert_eq!(events.iter().filter(|e| *e == "WORKFLOW_EXECUTION_UPDATE_COMPLETED").count(), 4, "{events:?}");
    Replayer::new().workflow::<Cart>().replay_workflow(&history).expect("updates replay from their events");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_updates_are_rejected_naming_the_known_ones() {
    let client = client().await;
    let queue = unique("cart-unknown");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Cart>().activity(price_of));
    let handle =
        client.start_workflow(Cart::run, (), WorkflowOptions::new(unique("cart"), &queue)).await.expect("start");
    let err = handle.execute_update_by_name::<u32, _>("remove_item", &"apple").await.unwrap_err();
    let message = err.to_string();
    assert!(message.contains("remove_item") && message.contains("add_item"), "{message}");
    handle.terminate("done").await.expect("terminate");
    worker.stop().await;
}
