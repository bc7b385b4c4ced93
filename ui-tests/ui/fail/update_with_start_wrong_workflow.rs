use std::cell::Cell;
use temporal_sdk::client::{UpdateOptions, WithStartWorkflowOperation};
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::enums::v1::WorkflowIdConflictPolicy;

#[derive(Default)]
struct Cart {
    items: Cell<u32>,
}

#[workflow]
impl Cart {
    #[run]
    async fn run(&self) -> WorkflowResult<u32> {
        Ok(self.items.get())
    }

    #[update]
    fn add_item(&self, item: String) -> WorkflowResult<u32> {
        let _ = item;
        self.items.set(self.items.get() + 1);
        Ok(self.items.get())
    }
}

#[derive(Default)]
struct Counter {
    total: Cell<u32>,
}

#[workflow]
impl Counter {
    #[run]
    async fn run(&self) -> WorkflowResult<u32> {
        Ok(self.total.get())
    }

    #[update]
    fn add(&self, n: u32) -> WorkflowResult<u32> {
        self.total.set(self.total.get() + n);
        Ok(self.total.get())
    }
}

async fn client_side(client: Client) -> Result<(), ClientError> {
    let options = WorkflowOptions::new("id", "queue").id_conflict_policy(WorkflowIdConflictPolicy::UseExisting);
    let start = WithStartWorkflowOperation::new(Cart::run, (), options)?;
    // The update belongs to another workflow than the one the operation starts.
    let _total = client.execute_update_with_start_workflow(Counter::add, 1, &start, UpdateOptions::new()).await?;
    // The update's input has the wrong type.
    let _count = client.execute_update_with_start_workflow(Cart::add_item, 42, &start, UpdateOptions::new()).await?;
    Ok(())
}

fn main() {
    let _ = client_side;
}
