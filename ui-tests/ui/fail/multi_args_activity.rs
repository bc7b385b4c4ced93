use std::time::Duration;
use temporal_sdk::prelude::*;

#[activity]
async fn compose(greeting: String, name: String, times: u32) -> Result<String, ActivityError> {
    Ok(format!("{greeting}, {name}!").repeat(times as usize))
}

struct Store;

#[activities]
impl Store {
    #[activity]
    async fn put(&self, key: String, value: u32) -> Result<(), ActivityError> {
        let _ = (key, value);
        Ok(())
    }
}

#[derive(Default)]
struct Hello;

#[workflow]
impl Hello {
    #[run]
    async fn run(&self) -> WorkflowResult<String> {
        let options = || ActivityOptions::start_to_close(Duration::from_secs(5));
        // one argument short
        workflow::execute_activity(compose, ("Hello".to_string(), "World".to_string()), options()).await?;
        // a wrong type among several
        workflow::execute_activity(compose, ("Hello".to_string(), 3, "World".to_string()), options()).await?;
        // a method activity
        workflow::execute_activity(Store::put, ("key".to_string(), "value".to_string()), options()).await?;
        Ok(String::new())
    }
}

fn main() {}
