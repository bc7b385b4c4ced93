use std::sync::Arc;
use temporal_sdk::prelude::*;

struct Plain;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[update]
    async fn change(&self, _value: Plain) -> WorkflowResult<Plain> {
        Ok(Plain)
    }
}

struct Database;

#[activities]
impl Database {
    #[activity]
    async fn load(&self, _key: Plain) -> Result<(), ActivityError> {
        Ok(())
    }
}

fn main() {
    let _ = WorkerOptions::new("queue").activities(Arc::new(Database));
}
