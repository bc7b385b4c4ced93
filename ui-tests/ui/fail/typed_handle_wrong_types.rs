use std::cell::RefCell;
use temporal_sdk::prelude::*;

#[derive(Default)]
struct Greeting {
    salutation: RefCell<String>,
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

    #[query]
    fn current_greeting(&self) -> String {
        self.salutation.borrow().clone()
    }
}

async fn client_side(client: Client) -> Result<(), ClientError> {
    let handle = client.start_workflow(Greeting::run, "world".to_string(), WorkflowOptions::new("id", "queue")).await?;
    handle.update_salutation(5).await?;
    let _greeting: u32 = handle.current_greeting().await?;
    handle.no_such_signal().await?;
    Ok(())
}

fn main() {
    let _ = client_side;
}
