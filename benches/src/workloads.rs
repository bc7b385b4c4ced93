//! The workflows and the activity of the side-by-side benchmark's workloads
//! (`../shared/bench/README.md`), with the type, activity and signal names the other SDKs'
//! programs use, so recorded histories replay in every SDK. Shared by the benchmark programs.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use temporal_sdk::prelude::*;

/// The activity of w1, w2 and w5: `Hello, <name>`.
#[activity]
pub async fn say_hello(name: String) -> Result<String, ActivityError> {
    Ok(format!("Hello, {name}"))
}

/// Every workload's activity options: a 10 s start-to-close timeout.
pub fn activity_options() -> ActivityOptions {
    ActivityOptions::start_to_close(Duration::from_secs(10))
}

/// w1, w2: one activity, its result is the workflow's.
#[derive(Default)]
pub struct HelloWorkflow;

#[workflow]
impl HelloWorkflow {
    #[run]
    pub async fn run(&self, name: String) -> WorkflowResult<String> {
        workflow::execute_activity(say_hello, name, activity_options()).await
    }
}

/// w0-trivial, w0-start: returns its input, no command besides completion.
#[derive(Default)]
pub struct TrivialWorkflow;

#[workflow]
impl TrivialWorkflow {
    #[run]
    pub async fn run(&self, name: String) -> WorkflowResult<String> {
        Ok(name)
    }
}

/// w3: the signal `go` or a one-hour durable timer, whichever comes first. When the signal
/// wins, the timer is cancelled, so the history has StartTimer and CancelTimer as in the peers.
#[derive(Default)]
pub struct SignalOrTimerWorkflow {
    value: RefCell<Option<String>>,
}

#[workflow]
impl SignalOrTimerWorkflow {
    #[run]
    pub async fn run(&self, _name: String) -> WorkflowResult<String> {
        let signalled =
            workflow::wait_condition_timeout(|| self.value.borrow().is_some(), Duration::from_secs(3600)).await?;
        if !signalled {
            return Ok("timeout".to_string());
        }
        Ok(format!("signaled:{}", self.value.borrow().as_deref().unwrap_or_default()))
    }

    #[signal]
    pub fn go(&self, value: String) {
        *self.value.borrow_mut() = Some(value);
    }
}

/// w4: parks on a condition without a timer until the signal `go`.
#[derive(Default)]
pub struct BlockOnSignalWorkflow {
    done: Cell<bool>,
}

#[workflow]
impl BlockOnSignalWorkflow {
    #[run]
    pub async fn run(&self, name: String) -> WorkflowResult<String> {
        workflow::wait_condition(|| self.done.get()).await?;
        Ok(format!("done:{name}"))
    }

    #[signal]
    pub fn go(&self, _value: String) {
        self.done.set(true);
    }
}

/// w5: `count` activities one after another (6 events each), the history that w5 replays.
#[derive(Default)]
pub struct SequentialActivitiesWorkflow;

#[workflow]
impl SequentialActivitiesWorkflow {
    #[run]
    pub async fn run(&self, count: u32) -> WorkflowResult<String> {
        let mut last = String::new();
        for i in 0..count {
            last = workflow::execute_activity(say_hello, format!("act-{i}"), activity_options()).await?;
        }
        Ok(last)
    }
}
