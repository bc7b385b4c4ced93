use temporal_sdk::prelude::*;
use temporal_sdk::workflow::ChildWorkflowOptions;

#[derive(Default)]
struct Ship;

#[workflow]
impl Ship {
    #[run]
    async fn run(&self, order: String) -> WorkflowResult<u64> {
        Ok(order.len() as u64)
    }
}

#[derive(Default)]
struct Order;

#[workflow]
impl Order {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        let child = workflow::start_child_workflow(Ship::run, 7, ChildWorkflowOptions::new("ship-1")).await?;
        let _tracking: String = workflow::execute_child_workflow(Ship::run, "order-1".to_string(), ChildWorkflowOptions::new("ship-2")).await?;
        let _ = child;
        Ok(())
    }
}

fn main() {}
