use std::time::Duration;
use temporal_sdk::prelude::*;

async fn say_hello(name: String) -> Result<String, ActivityError> {
    Ok(format!("Hello, {name}!"))
}

#[derive(Default)]
struct Hello;

#[workflow]
impl Hello {
    #[run]
    async fn run(&self) -> WorkflowResult<String> {
        workflow::execute_activity(say_hello, "world".to_string(), ActivityOptions::start_to_close(Duration::from_secs(5))).await
    }
}

fn main() {}
