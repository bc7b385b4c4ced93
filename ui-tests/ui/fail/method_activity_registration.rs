use std::sync::Arc;
use temporal_sdk::prelude::*;

struct Database;

#[activities]
impl Database {
    #[activity]
    async fn load(&self, key: String) -> Result<String, ActivityError> {
        Ok(key)
    }
}

struct Plain;

fn main() {
    let _ = WorkerOptions::new("queue").activity(Database::load);
    let _ = WorkerOptions::new("queue").activities(Arc::new(Plain));
}
