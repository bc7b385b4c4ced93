//! Every supported shape of `#[activity]`, used from a workflow, registered with a worker and
//! called directly.

use std::time::Duration;
use serde::{Deserialize, Serialize};
use temporal_sdk::prelude::*;

mod activities {
    use super::*;

    #[derive(Serialize, Deserialize)]
    pub struct Order {
        pub item: String,
        pub count: u32,
    }

    /// Async, one argument.
    #[activity]
    pub async fn say_hello(name: String) -> Result<String, ActivityError> {
        Ok(format!("Hello, {name}!"))
    }

    /// Async, no argument, another name, another error type.
    #[activity(name = "Ping")]
    pub async fn ping() -> Result<(), std::io::Error> {
        Ok(())
    }

    /// Blocking, a struct argument.
    #[activity]
    pub fn total(order: Order) -> Result<u64, ActivityError> {
        Ok(u64::from(order.count) * 3)
    }

    /// Blocking, a tuple pattern, no argument name to spare.
    #[activity]
    pub fn add((a, b): (i64, i64)) -> Result<i64, ApplicationError> {
        Ok(a + b)
    }
}

use activities::{Order, add, ping, say_hello, total};

#[derive(Default)]
struct Shop;

#[workflow]
impl Shop {
    #[run]
    async fn run(&self, name: String) -> WorkflowResult<String> {
        let options = || ActivityOptions::start_to_close(Duration::from_secs(5));
        let greeting: String = workflow::execute_activity(say_hello, name, options()).await?;
        workflow::execute_activity(ping, (), options()).await?;
        let sum: u64 = workflow::execute_activity(total, Order { item: "tea".into(), count: 2 }, options()).await?;
        let added: i64 = workflow::execute_activity(add, (1, 2), options()).await?;
        Ok(format!("{greeting} {sum} {added}"))
    }
}

fn main() {
    let _ = WorkerOptions::new("queue").workflow::<Shop>().activity(say_hello).activity(ping).activity(total).activity(add);
    assert_eq!(say_hello.name(), "say_hello");
    assert_eq!(ping.name(), "Ping");
    assert_eq!(total.name(), "total");
    assert_eq!(format!("{add:?}"), "add");
    // Called directly, as in a unit test.
    assert_eq!(total::call(Order { item: "tea".into(), count: 2 }).unwrap(), 6);
    assert_eq!(add::call((2, 3)).unwrap(), 5);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(runtime.block_on(say_hello::call("you".into())).unwrap(), "Hello, you!");
    runtime.block_on(ping::call()).unwrap();
}
