use std::cell::RefCell;
use temporal_sdk::prelude::*;

#[derive(Default)]
struct Cart {
    items: RefCell<Vec<String>>,
}

#[workflow]
impl Cart {
    #[run]
    async fn run(&self) -> WorkflowResult<usize> {
        Ok(self.items.borrow().len())
    }

    #[update]
    async fn add_item(&self, item: String) -> WorkflowResult<u32> {
        self.items.borrow_mut().push(item);
        Ok(self.items.borrow().len() as u32)
    }
}

async fn client_side(client: Client) -> Result<(), ClientError> {
    let handle = client.start_workflow(Cart::run, (), WorkflowOptions::new("id", "queue")).await?;
    let _count: String = handle.execute_update(Cart::add_item, "tea".to_string()).await?;
    Ok(())
}

fn main() {
    let _ = client_side;
}
