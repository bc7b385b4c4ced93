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

/// The Python README's `WaitADayWorkflow`: one 24-hour timer.
#[derive(Default)]
pub struct WaitADayWorkflow;

#[workflow]
impl WaitADayWorkflow {
    #[run]
    pub async fn run(&self) -> WorkflowResult<String> {
        workflow::sleep(Duration::from_secs(24 * 60 * 60)).await?;
        Ok("all done".into())
    }
}

/// The Python README's `SignalWorkflow`: waits for a signal for at most 45 seconds.
#[derive(Default)]
pub struct SignalWorkflow {
    signal_received: Cell<bool>,
}

#[workflow]
impl SignalWorkflow {
    #[run]
    pub async fn run(&self) -> WorkflowResult<String> {
        if workflow::wait_condition_timeout(|| self.signal_received.get(), Duration::from_secs(45)).await? {
            Ok("got signal".into())
        } else {
            Ok("got timeout".into())
        }
    }

    #[signal]
    pub fn some_signal(&self) {
        self.signal_received.set(true);
    }
}

/// Fails its first two attempts, so the server retries it.
#[activity]
pub async fn fails_twice(item: String) -> Result<String, ActivityError> {
    let attempt = temporal_sdk::activity::info().map(|i| i.attempt).unwrap_or(1);
    if attempt < 3 {
        return Err(ApplicationError::new(format!("attempt {attempt} of {item} failed")).with_type("Flaky").into());
    }
    Ok(format!("{item} after {attempt} attempts"))
}

#[activity]
pub async fn refuse_charge(amount: u64) -> Result<String, ActivityError> {
    Err(ApplicationError::new(format!("cannot charge {amount}")).with_type("PaymentError").non_retryable().into())
}

#[activity]
pub async fn never_in_time() -> Result<(), ActivityError> {
    tokio::time::sleep(Duration::from_secs(5)).await;
    Ok(())
}

/// Activity retries, a non-retryable activity failure and an activity timeout, each caught.
#[derive(Default)]
pub struct Troubled;

#[workflow]
impl Troubled {
    #[run]
    pub async fn run(&self, amount: u64) -> WorkflowResult<String> {
        let quick_retries = RetryPolicy::default().initial_interval(Duration::from_millis(100));
        let retried = workflow::execute_activity(
            fails_twice,
            "parcel".to_string(),
            ActivityOptions::start_to_close(Duration::from_secs(5)).retry_policy(quick_retries),
        )
        .await?;
        let refused =
            workflow::execute_activity(refuse_charge, amount, ActivityOptions::start_to_close(Duration::from_secs(5)))
                .await;
        let refused = match refused {
            Ok(s) => s,
            Err(WorkflowError::Failure(f)) => format!("refused: {}", f.root_cause().message),
            Err(e) => return Err(e),
        };
        let once = RetryPolicy::default().maximum_attempts(1);
        let slow = workflow::execute_activity(
            never_in_time,
            (),
            ActivityOptions::start_to_close(Duration::from_millis(300)).retry_policy(once),
        )
        .await;
        let slow = match slow {
            Ok(()) => "in time".to_string(),
            Err(WorkflowError::Failure(f)) => format!("timed out: {}", f.message),
            Err(e) => return Err(e),
        };
        Ok(format!("{retried}; {refused}; {slow}"))
    }
}

/// Sleeps, then fails the workflow with an application error.
#[derive(Default)]
pub struct GivesUp;

#[workflow]
impl GivesUp {
    #[run]
    pub async fn run(&self, reason: String) -> WorkflowResult<()> {
        workflow::sleep(Duration::from_millis(200)).await?;
        Err(ApplicationError::new(reason).with_type("GaveUp").non_retryable().into())
    }
}
