//! The methods `#[workflow]` generates on `WorkflowHandle<W>`: one per signal, query and update.

use std::cell::RefCell;
use temporal_sdk::prelude::*;

#[derive(Default)]
pub struct Greeting {
    salutation: RefCell<String>,
}

#[workflow]
impl Greeting {
    #[run]
    pub async fn run(&self, name: String) -> WorkflowResult<String> {
        Ok(format!("{}, {name}!", self.salutation.borrow()))
    }

    #[signal]
    pub fn update_salutation(&self, salutation: String) {
        *self.salutation.borrow_mut() = salutation;
    }

    #[signal(name = "done")]
    pub fn complete(&self) {}

    #[query]
    pub fn current_greeting(&self) -> String {
        self.salutation.borrow().clone()
    }

    #[query]
    pub fn greeting_for(&self, name: String) -> String {
        format!("{}, {name}!", self.salutation.borrow())
    }

    #[update]
    pub async fn set_and_get(&self, salutation: String) -> WorkflowResult<String> {
        Ok(std::mem::replace(&mut *self.salutation.borrow_mut(), salutation))
    }

    /// Named like a method of the handle: reached through its marker only.
    #[signal]
    pub fn cancel(&self) {}
}

/// A handler named like a function of the user's module does not clash with it.
fn current_greeting() -> &'static str {
    "module function"
}

async fn client_side(client: Client) -> Result<(), ClientError> {
    let handle = client.start_workflow(Greeting::run, "world".into(), WorkflowOptions::new("g", "queue")).await?;
    handle.update_salutation("Aloha".to_string()).await?;
    handle.complete().await?;
    let now: String = handle.current_greeting().await?;
    let for_you: String = handle.greeting_for("you".to_string()).await?;
    let previous: String = handle.set_and_get("Hi".to_string()).await?;
    // the marker style keeps working, and `cancel` is the handle's own method
    handle.signal(Greeting::cancel, ()).await?;
    handle.cancel().await?;
    let result: String = handle.result().await?;
    // the futures are `Send`: handle methods can run on other tasks
    let cloned = handle.clone();
    tokio::spawn(async move { cloned.update_salutation("Hey".into()).await }).await.ok();
    let _ = (now, for_you, previous, result);
    Ok(())
}

fn main() {
    let _ = client_side;
    assert_eq!(current_greeting(), "module function");
}
