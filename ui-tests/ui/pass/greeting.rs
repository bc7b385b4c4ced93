//! The north-star example of ARCHITECTURE.md section 3: a workflow with state, signals and a
//! query, an activity, and typed client calls.

use std::cell::{Cell, RefCell};
use std::time::Duration;
use temporal_sdk::prelude::*;

#[activity]
async fn say_hello(name: String) -> Result<String, ActivityError> {
    Ok(format!("Hello, {name}!"))
}

#[derive(Default)]
pub struct Greeting {
    salutation: RefCell<String>,
    complete: Cell<bool>,
}

#[workflow]
impl Greeting {
    /// Waits for `complete`, then greets.
    #[run]
    pub async fn run(&self, name: String) -> WorkflowResult<String> {
        let greeting = workflow::execute_activity(
            say_hello,
            name,
            ActivityOptions::start_to_close(Duration::from_secs(5)),
        )
        .await?;
        Ok(format!("{} / {greeting} / {}", self.salutation.borrow(), self.complete.get()))
    }

    #[signal]
    pub fn update_salutation(&self, salutation: String) {
        *self.salutation.borrow_mut() = salutation;
    }

    #[signal]
    pub fn complete(&self) {
        self.complete.set(true);
    }

    #[query]
    pub fn current_salutation(&self) -> String {
        self.salutation.borrow().clone()
    }
}

async fn client_side(client: Client) -> Result<String, ClientError> {
    let handle: WorkflowHandle<Greeting> = client
        .start_workflow(Greeting::run, "world".to_string(), WorkflowOptions::new("greeting-1", "my-task-queue"))
        .await?;
    handle.signal(Greeting::update_salutation, "Aloha".to_string()).await?;
    handle.signal(Greeting::complete, ()).await?;
    let salutation: String = handle.query(Greeting::current_salutation, ()).await?;
    let result: String = handle.result().await?;
    Ok(format!("{salutation} {result}"))
}

fn worker_options() -> WorkerOptions {
    WorkerOptions::new("my-task-queue").workflow::<Greeting>().activity(say_hello)
}

fn main() {
    let _ = client_side;
    let _ = worker_options;
    assert_eq!(<Greeting as Workflow>::NAME, "Greeting");
    assert_eq!(say_hello.name(), "say_hello");
    assert_eq!(Greeting::update_salutation.name(), "update_salutation");
    assert_eq!(Greeting::complete.name(), "complete");
    assert_eq!(Greeting::current_salutation.name(), "current_salutation");
    let greeting = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(say_hello::call("world".to_string()))
        .unwrap();
    assert_eq!(greeting, "Hello, world!");
}
