use std::time::Duration;
use temporal_sdk::prelude::*;

struct Database;

#[activities]
impl Database {
    #[activity]
    async fn load(&self, key: String) -> Result<String, ActivityError> {
        Ok(key)
    }
}

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        let options = || ActivityOptions::start_to_close(Duration::from_secs(5));
        let _ = workflow::execute_activity(Database::load, 42, options()).await?;
        let _n: u32 = workflow::execute_activity(Database::load, "k".to_string(), options()).await?;
        Ok(())
    }
}

fn main() {}
