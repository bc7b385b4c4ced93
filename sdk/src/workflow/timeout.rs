//! `workflow::timeout`: Python's `asyncio.wait_for` on a durable timer.

use std::future::Future;
use std::panic::Location;
use std::pin::pin;
use std::time::Duration;

use futures::future::{Either, select};

use super::timer::sleep_at;
use crate::error::{ApplicationError, WorkflowError, WorkflowResult};

/// Waits for `future` for at most `duration` of workflow time (a durable timer, so the limit
/// survives worker restarts and is skipped by the time-skipping test server).
///
/// `Ok` with the future's output if it finished first; otherwise the future is dropped, which
/// cancels what it waited on (an activity, a child, a timer), and the result is an
/// application failure of type `TimeoutError` (returned with `?`, it fails the workflow).
/// When both are ready in the same activation, the future wins, so replays agree.
///
/// ```
/// # use std::time::Duration;
/// # use temporal_sdk::prelude::*;
/// # #[activity] async fn fetch_quote(symbol: String) -> Result<f64, ActivityError> { Ok(1.0) }
/// # async fn wf() -> WorkflowResult<()> {
/// let quote = workflow::execute_activity(
///     fetch_quote, "TMPRL".into(), ActivityOptions::start_to_close(Duration::from_secs(60)),
/// );
/// match workflow::timeout(Duration::from_secs(10), quote).await {
///     Ok(price) => println!("price: {}", price?),
///     Err(e) => println!("no quote in time: {e}"),
/// }
/// # Ok(()) }
/// ```
#[track_caller]
pub fn timeout<F: Future>(duration: Duration, future: F) -> impl Future<Output = WorkflowResult<F::Output>> {
    // The timer starts when the returned future is first polled, as it did when this was an
    // `async fn`; the caller's place is taken now, while it is known.
    let site = Location::caller();
    async move {
        let timer = sleep_at(site, duration);
        match select(pin!(future), pin!(timer)).await {
            Either::Left((output, _timer)) => Ok(output),
            Either::Right((fired, _future)) => {
                fired?;
                Err(WorkflowError::from(
                    ApplicationError::new(format!("timed out after {duration:?} of workflow time"))
                        .with_type("TimeoutError"),
                ))
            }
        }
    }
}
