//! The workflows and activities the integration tests run, shared so that recorded histories
//! and replay tests use exactly the code that produced them.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use temporal_sdk::prelude::*;
use temporal_sdk::workflow::{ActivityCancellationType, ChildWorkflowOptions, SearchAttributeValue};

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

/// Heartbeats until cancelled, then reports the cancellation.
#[activity]
pub async fn wait_for_cancel() -> Result<String, ActivityError> {
    for _ in 0..400 {
        activity::heartbeat(&());
        if activity::is_cancelled() {
            return Err(ActivityError::cancelled());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok("never cancelled".into())
}

/// Stands in for undoing work after a cancellation.
#[activity]
pub async fn cleanup(what: String) -> Result<String, ActivityError> {
    Ok(format!("cleaned up {what}"))
}

/// Waits on a heartbeating activity with the cancellation type its input names (`"try"`,
/// `"wait"`, anything else abandons), so that cancelling the workflow cancels the activity.
#[derive(Default)]
pub struct CancellableActivity;

#[workflow]
impl CancellableActivity {
    #[run]
    pub async fn run(&self, cancellation_type: String) -> WorkflowResult<String> {
        let kind = match cancellation_type.as_str() {
            "try" => ActivityCancellationType::TryCancel,
            "wait" => ActivityCancellationType::WaitCancellationCompleted,
            _ => ActivityCancellationType::Abandon,
        };
        let opts = ActivityOptions::start_to_close(Duration::from_secs(30))
            .heartbeat_timeout(Duration::from_secs(2))
            .retry_policy(RetryPolicy::default().maximum_attempts(1))
            .cancellation_type(kind);
        workflow::execute_activity(wait_for_cancel, (), opts).await
    }
}

/// Sleeps an hour; cancelled, it cancels the timer and runs a cleanup activity instead.
#[derive(Default)]
pub struct CleansUp;

#[workflow]
impl CleansUp {
    #[run]
    pub async fn run(&self) -> WorkflowResult<String> {
        match workflow::sleep(Duration::from_secs(3600)).await {
            Ok(()) => Ok("slept".into()),
            Err(e) if e.is_cancelled() => {
                // The request was delivered once: what runs after catching it is not cancelled.
                let opts = ActivityOptions::start_to_close(Duration::from_secs(10));
                workflow::execute_activity(cleanup, "the order".to_string(), opts).await
            }
            Err(e) => Err(e),
        }
    }
}

/// The child of `Parent`: its input says whether it succeeds, fails or waits for `nudge`.
#[derive(Default)]
pub struct Child {
    nudged: Cell<bool>,
}

#[workflow]
impl Child {
    #[run]
    pub async fn run(&self, mode: String) -> WorkflowResult<String> {
        match mode.as_str() {
            "fail" => Err(ApplicationError::new("child refused").with_type("ChildError").non_retryable().into()),
            "wait" => {
                workflow::wait_condition(|| self.nudged.get()).await?;
                Ok("nudged".into())
            }
            _ => Ok(format!("child did {mode}")),
        }
    }

    #[signal]
    pub fn nudge(&self) {
        self.nudged.set(true);
    }
}

/// Starts one `Child` with id `<own id>-child`; its input picks the scenario: `"signal"`,
/// `"cancel"`, `"external"` (signals through an external handle), or else passes the input
/// on to the child (`"fail"` makes it fail).
#[derive(Default)]
pub struct Parent;

#[workflow]
impl Parent {
    #[run]
    pub async fn run(&self, mode: String) -> WorkflowResult<String> {
        let id = format!("{}-child", workflow::info().map(|i| i.workflow_id).unwrap_or_default());
        match mode.as_str() {
            "signal" => {
                let child =
                    workflow::start_child_workflow(Child::run, "wait".into(), ChildWorkflowOptions::new(id)).await?;
                child.signal(Child::nudge, ()).await?;
                child.result().await
            }
            "cancel" => {
                let child =
                    workflow::start_child_workflow(Child::run, "wait".into(), ChildWorkflowOptions::new(id)).await?;
                child.cancel();
                match child.result().await {
                    Err(WorkflowError::Failure(f)) => Ok(format!("child ended: {f}; cancelled={}", f.is_cancelled())),
                    other => Ok(format!("unexpected: {other:?}")),
                }
            }
            "external" => {
                let child =
                    workflow::start_child_workflow(Child::run, "wait".into(), ChildWorkflowOptions::new(&id)).await?;
                workflow::get_external_workflow_handle::<Child>(id, None).signal(Child::nudge, ()).await?;
                child.result().await
            }
            _ => workflow::execute_child_workflow(Child::run, mode, ChildWorkflowOptions::new(id)).await,
        }
    }
}

/// Continues as new until its input reaches 3, so one execution has three runs.
#[derive(Default)]
pub struct Chain;

#[workflow]
impl Chain {
    #[run]
    pub async fn run(&self, n: u32) -> WorkflowResult<String> {
        if n < 3 {
            workflow::sleep(Duration::from_millis(10)).await?;
            return workflow::continue_as_new(Self::run, n + 1);
        }
        let info = workflow::info().expect("info");
        Ok(format!("run {n} continued from {}", info.continued_run_id.is_some()))
    }
}

/// Waits for `go` twice with a timeout: the first wait times out, the second is met.
#[derive(Default)]
pub struct Waits {
    go: Cell<bool>,
}

#[workflow]
impl Waits {
    #[run]
    pub async fn run(&self) -> WorkflowResult<(bool, bool)> {
        let timed_out = !workflow::wait_condition_timeout(|| self.go.get(), Duration::from_millis(500)).await?;
        let met = workflow::wait_condition_timeout(|| self.go.get(), Duration::from_secs(3600)).await?;
        Ok((timed_out, met))
    }

    #[signal]
    pub fn go(&self) {
        self.go.set(true);
    }
}

/// Deterministic randomness, then upserts search attributes and memo from it.
#[derive(Default)]
pub struct Dice;

#[workflow]
impl Dice {
    #[run]
    pub async fn run(&self) -> WorkflowResult<(u64, String, u64)> {
        let roll = workflow::random_range(1, 7);
        let id = workflow::uuid4().to_string();
        workflow::sleep(Duration::from_millis(10)).await?;
        let later = workflow::random();
        workflow::upsert_search_attributes([
            ("CustomKeywordField", SearchAttributeValue::Keyword(id.clone())),
            ("CustomIntField", SearchAttributeValue::Int(roll as i64)),
        ])?;
        workflow::upsert_memo([("roll", roll)])?;
        Ok((roll, id, later))
    }
}

#[activity]
pub async fn quick(n: u32) -> Result<u32, ActivityError> {
    Ok(n + 1)
}

/// Starts an activity it never awaits, then waits for a condition that never holds: only a
/// cancellation ends it.
#[derive(Default)]
pub struct StartsAndForgets;

#[workflow]
impl StartsAndForgets {
    #[run]
    pub async fn run(&self) -> WorkflowResult<()> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(10))
            .retry_policy(RetryPolicy::default().maximum_attempts(1));
        let _unawaited = workflow::start_activity(quick, 1, options);
        workflow::wait_condition(|| false).await?;
        Ok(())
    }
}
