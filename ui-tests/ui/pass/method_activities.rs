//! Activities that are methods sharing one value: `#[activities]`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use serde::{Deserialize, Serialize};
use temporal_sdk::prelude::*;

#[derive(Serialize, Deserialize)]
pub struct Row {
    pub key: String,
    pub value: u32,
}

/// Stands for a connection pool.
pub struct Database {
    prefix: String,
    writes: AtomicU32,
}

#[activities]
impl Database {
    /// Async, one argument.
    #[activity]
    pub async fn load(&self, key: String) -> Result<String, ActivityError> {
        Ok(format!("{}{key}", self.prefix))
    }

    /// Blocking, a struct argument, another name, another error type.
    #[activity(name = "StoreRow")]
    pub fn store(&self, row: Row) -> Result<u32, std::io::Error> {
        self.writes.fetch_add(row.value, Ordering::Relaxed);
        Ok(self.writes.load(Ordering::Relaxed))
    }

    /// No argument.
    #[activity]
    pub async fn ping(&self) -> Result<(), ApplicationError> {
        Ok(())
    }

    /// A plain method stays a plain method.
    pub fn writes(&self) -> u32 {
        self.writes.load(Ordering::Relaxed)
    }
}

#[derive(Default)]
struct SyncRows;

#[workflow]
impl SyncRows {
    #[run]
    async fn run(&self, key: String) -> WorkflowResult<u32> {
        let options = || ActivityOptions::start_to_close(Duration::from_secs(5));
        let value: String = workflow::execute_activity(Database::load, key.clone(), options()).await?;
        workflow::execute_activity(Database::ping, (), options()).await?;
        workflow::execute_activity(Database::store, Row { key, value: value.len() as u32 }, options()).await
    }
}

fn main() {
    let db = Arc::new(Database { prefix: "db:".into(), writes: AtomicU32::new(0) });
    let _ = WorkerOptions::new("queue").workflow::<SyncRows>().activities(Arc::clone(&db));
    assert_eq!(Database::load.name(), "load");
    assert_eq!(Database::store.name(), "StoreRow");
    assert_eq!(format!("{:?}", Database::ping), "ActivityMethod(\"ping\")");
    // Called directly, as in a unit test.
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(runtime.block_on(Database::load.call(&db, "k".into())).unwrap(), "db:k");
    assert_eq!(runtime.block_on(Database::store.call(&db, Row { key: "k".into(), value: 2 })).unwrap(), 2);
    assert_eq!(db.writes(), 2);
}
