//! `workflow::select!` over the SDK's own futures, with no `futures` crate and no `.fuse()`:
//! timers, activities, children, signals to other workflows, conditions, spawned tasks and
//! local activities are all fused and `Unpin`.

use std::cell::Cell;
use std::time::Duration;
use temporal_sdk::prelude::*;
use temporal_sdk::workflow::{ChildWorkflowOptions, LocalActivityOptions};

#[activity]
async fn ping(n: u32) -> Result<u32, ActivityError> {
    Ok(n)
}

#[derive(Default)]
pub struct Other;

#[workflow]
impl Other {
    #[run]
    pub async fn run(&self) -> WorkflowResult<u32> {
        Ok(1)
    }
}

#[derive(Default)]
pub struct Selects {
    flag: Cell<bool>,
}

#[workflow]
impl Selects {
    #[run]
    pub async fn run(&self) -> WorkflowResult<u32> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(5));
        let mut timer = workflow::sleep(Duration::from_secs(1));
        let mut activity = workflow::execute_activity(ping, 1, options.clone());
        let mut local = workflow::execute_local_activity(ping, 2, LocalActivityOptions::start_to_close(Duration::from_secs(1)));
        let mut condition = workflow::wait_condition(|| self.flag.get());
        let mut spawned = workflow::spawn(workflow::execute_activity(ping, 3, options));
        let mut signal = workflow::get_external_workflow_handle_untyped("other", None).signal_by_name("poke", &());
        let mut child = workflow::start_child_workflow(Other::run, (), ChildWorkflowOptions::new("other"));
        let n = workflow::select! {
            done = timer => { done?; 0 },
            n = activity => n?,
            n = local => n?,
            met = condition => { met?; 4 },
            n = spawned => n??,
            sent = signal => { sent?; 5 },
            started = child => started?.result().await?,
        };
        let bounded = workflow::timeout(Duration::from_secs(1), workflow::sleep(Duration::from_secs(2))).await;
        Ok(n + u32::from(bounded.is_err()))
    }

    #[signal]
    pub fn set(&self) {
        self.flag.set(true);
    }
}

fn main() {}
