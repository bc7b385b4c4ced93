//! The determinism check lets through what the author vouches for, and what is deterministic.

use std::time::{Duration, SystemTime};
use temporal_sdk::prelude::*;

#[derive(Default)]
struct Clocks;

#[workflow]
impl Clocks {
    #[run]
    async fn run(&self) -> WorkflowResult<u64> {
        // the SDK's deterministic alternatives
        let now = workflow::now();
        let _ = workflow::random();
        let _ = workflow::uuid4();
        workflow::sleep(Duration::from_secs(1)).await?;
        let a = async { 1 };
        let b = async { 2 };
        let (x, y) = workflow::join!(a, b);
        // a statement the author vouches for
        #[allow_nondeterministic]
        let started = SystemTime::now();
        // a block
        #[allow_nondeterministic]
        {
            let _ = std::env::var("DEBUG_WORKFLOWS");
        }
        let _ = (now, started, self.debug_stamp());
        // values and types from `std::time` are fine; only the clock reads are not
        let epoch: SystemTime = SystemTime::UNIX_EPOCH;
        Ok(now.duration_since(epoch).map(|d| d.as_secs()).unwrap_or_default() + x + y)
    }

    /// A whole method the author vouches for.
    #[allow_nondeterministic]
    fn debug_stamp(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// No check at all, like Python's `sandbox_unrestricted`.
#[derive(Default)]
struct Unrestricted;

#[workflow(unrestricted)]
impl Unrestricted {
    #[run]
    async fn run(&self) -> WorkflowResult<bool> {
        Ok(std::env::var("HOME").is_ok() && SystemTime::now() > SystemTime::UNIX_EPOCH)
    }
}

fn main() {
    let _ = <Clocks as Workflow>::definition();
    let _ = <Unrestricted as Workflow>::definition();
}
