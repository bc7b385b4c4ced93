//! The workflows and activities the integration tests run, shared so that recorded histories
//! and replay tests use exactly the code that produced them.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use temporal_sdk::prelude::*;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GreetingInfo {
    pub salutation: String,
    pub name: String,
}

impl Default for GreetingInfo {
    fn default() -> Self {
        Self { salutation: "Hello".into(), name: "<unknown>".into() }
    }
}

#[activity]
pub async fn create_greeting_activity(info: GreetingInfo) -> Result<String, ActivityError> {
    Ok(format!("{}, {}!", info.salutation, info.name))
}

#[derive(Default)]
pub struct GreetingWorkflow {
    current_greeting: RefCell<String>,
    greeting_info: RefCell<GreetingInfo>,
    info_updated: Cell<bool>,
    complete: Cell<bool>,
}

#[workflow]
impl GreetingWorkflow {
    #[run]
    pub async fn run(&self, name: String) -> WorkflowResult<String> {
        self.greeting_info.borrow_mut().name = name;
        loop {
            let info = self.greeting_info.borrow().clone();
            let greeting = workflow::execute_activity(
                create_greeting_activity,
                info,
                ActivityOptions::start_to_close(Duration::from_secs(5)),
            )
            .await?;
            *self.current_greeting.borrow_mut() = greeting;
            workflow::wait_condition(|| self.info_updated.get() || self.complete.get()).await?;
            if self.complete.get() {
                return Ok(self.current_greeting.borrow().clone());
            }
            self.info_updated.set(false);
        }
    }

    #[signal]
    pub fn update_salutation(&self, salutation: String) {
        self.greeting_info.borrow_mut().salutation = salutation;
        self.info_updated.set(true);
    }

    #[signal]
    pub fn complete_with_greeting(&self) {
        self.complete.set(true);
    }

    #[query]
    pub fn current_greeting(&self) -> String {
        self.current_greeting.borrow().clone()
    }
}

#[activity]
pub async fn say_hello(name: String) -> Result<String, ActivityError> {
    Ok(format!("Hello, {name}!"))
}

#[derive(Default)]
pub struct SayHello;

#[workflow]
impl SayHello {
    #[run]
    pub async fn run(&self, name: String) -> WorkflowResult<String> {
        workflow::execute_activity(say_hello, name, ActivityOptions::schedule_to_close(Duration::from_secs(5))).await
    }
}

#[activity]
pub async fn double(n: u64) -> Result<u64, ActivityError> {
    Ok(n * 2)
}

#[derive(Default)]
pub struct Patient {
    go: Cell<bool>,
    bonus: Cell<u64>,
}

#[workflow]
impl Patient {
    #[run]
    pub async fn run(&self, n: u64) -> WorkflowResult<u64> {
        let opts = || ActivityOptions::start_to_close(Duration::from_secs(5));
        let a = workflow::execute_activity(double, n, opts()).await?;
        // Waits for a signal, then on a timer: the worker is replaced in between.
        workflow::wait_condition(|| self.go.get()).await?;
        workflow::sleep(Duration::from_secs(2)).await?;
        let b = workflow::execute_activity(double, a + self.bonus.get(), opts()).await?;
        Ok(b)
    }

    #[signal]
    pub fn go(&self, bonus: u64) {
        self.bonus.set(bonus);
        self.go.set(true);
    }
}
