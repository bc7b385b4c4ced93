//! Every supported shape of `#[update]` and `#[update_validator]`, with the typed client calls.

use std::cell::RefCell;
use temporal_sdk::prelude::*;

#[derive(Default)]
pub struct Cart {
    items: RefCell<Vec<String>>,
}

#[workflow]
impl Cart {
    #[run]
    pub async fn run(&self) -> WorkflowResult<usize> {
        Ok(self.items.borrow().len())
    }

    /// Async, one argument, `WorkflowResult`.
    #[update]
    pub async fn add_item(&self, item: String) -> WorkflowResult<u32> {
        self.items.borrow_mut().push(item);
        Ok(self.items.borrow().len() as u32)
    }

    /// Validates `add_item`: the input by reference (`&str` for a `String`), any error type.
    #[update_validator(add_item)]
    fn validate_add_item(&self, item: &str) -> Result<(), ApplicationError> {
        if item.is_empty() {
            return Err(ApplicationError::new("an item needs a name"));
        }
        Ok(())
    }

    /// Synchronous, no argument, another name, another error type.
    #[update(name = "clear")]
    pub fn clear_all(&self) -> Result<(), ApplicationError> {
        self.items.borrow_mut().clear();
        Ok(())
    }

    /// A validator that reads only the state.
    #[update_validator(clear_all)]
    fn not_when_empty(&self) -> WorkflowResult<()> {
        Ok(())
    }

    /// Synchronous, a tuple argument.
    #[update]
    pub fn add_many(&self, (item, times): (String, u8)) -> WorkflowResult<Vec<String>> {
        for _ in 0..times {
            self.items.borrow_mut().push(item.clone());
        }
        Ok(self.items.borrow().clone())
    }

    /// Async, no argument, nothing returned.
    #[update]
    pub async fn touch(&self) -> WorkflowResult<()> {
        Ok(())
    }
}

async fn client_side(client: Client) -> Result<(), ClientError> {
    let handle = client.start_workflow(Cart::run, (), WorkflowOptions::new("cart", "queue")).await?;
    let count: u32 = handle.execute_update(Cart::add_item, "tea".to_string()).await?;
    handle.execute_update(Cart::clear_all, ()).await?;
    let all: Vec<String> = handle.execute_update(Cart::add_many, ("cup".to_string(), 2)).await?;
    let accepted = handle.start_update(Cart::touch, ()).await?;
    accepted.result().await?;
    let _: usize = handle.result().await?;
    let _ = (count, all);
    Ok(())
}

fn main() {
    let _ = client_side;
    assert_eq!(Cart::add_item.name(), "add_item");
    assert_eq!(Cart::clear_all.name(), "clear");
    // validators keep their names
    let cart = Cart::default();
    assert!(cart.validate_add_item("").is_err());
    assert!(cart.not_when_empty().is_ok());
    let _ = <Cart as Workflow>::definition();
}
