use std::cell::{Cell, RefCell};
use temporal_sdk::prelude::*;

#[derive(Default)]
struct Greeting {
    salutation: RefCell<String>,
    complete: Cell<bool>,
}

#[workflow]
impl Greeting {
    #[run]
    async fn run(&self, name: String) -> WorkflowResult<String> {
        Ok(format!("{}, {name}!", self.salutation.borrow()))
    }

    #[signal]
    fn update_salutation(&self, salutation: String) {
        *self.salutation.borrow_mut() = salutation;
    }

    #[signal]
    fn complete(&self) {
        self.complete.set(true);
    }

    #[query]
    fn current_salutation(&self) -> String {
        self.salutation.borrow().clone()
    }
}

async fn client_side(client: Client) -> Result<(), ClientError> {
    let _handle = client.start_workflow(Greeting::run, 42, WorkflowOptions::new("id", "queue")).await?;
    let _result = client.execute_workflow(Greeting::run, ('a', 'b'), WorkflowOptions::new("id2", "queue")).await?;
    Ok(())
}

fn main() {
    let _ = client_side;
}
