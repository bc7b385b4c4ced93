//! `workflow::spawn`: deterministic workflow-local tasks (Python's `asyncio.create_task`).

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures::future::FusedFuture;

use crate::error::{WorkflowError, WorkflowResult};
use crate::runtime::context;
use crate::runtime::ops;
use crate::runtime::state::Spawned;

/// Runs `future` as a task of the workflow, beside the code that spawned it.
///
/// Tasks are polled by the workflow's deterministic executor in the order they were created,
/// so a replay interleaves them exactly as the first execution did. Await the handle for the
/// task's output; [`JoinHandle::cancel`] cancels what the task is waiting on. A task still
/// running when the workflow completes is dropped with the run.
///
/// ```
/// # use std::time::Duration;
/// # use temporal_sdk::prelude::*;
/// # #[activity] async fn charge(amount: u64) -> Result<String, ActivityError> { Ok(String::new()) }
/// # #[activity] async fn reserve(item: String) -> Result<String, ActivityError> { Ok(String::new()) }
/// # async fn wf() -> WorkflowResult<()> {
/// let options = ActivityOptions::start_to_close(Duration::from_secs(30));
/// let payment = workflow::spawn(workflow::execute_activity(charge, 42, options.clone()));
/// let stock = workflow::execute_activity(reserve, "book".into(), options).await?;
/// let receipt = payment.await??;
/// # let _ = (stock, receipt); Ok(()) }
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let shared = Rc::new(RefCell::new(Joined { output: None, waker: None, task: None, finished: false }));
    let Some(state) = context::current() else {
        return JoinHandle { shared, error: Some(context::outside_workflow("workflow::spawn")), taken: false };
    };
    let inner = Rc::clone(&shared);
    let task = async move {
        let output = future.await;
        let mut joined = inner.borrow_mut();
        joined.output = Some(output);
        joined.finished = true;
        if let Some(waker) = joined.waker.take() {
            waker.wake();
        }
    };
    let record = Rc::clone(&shared);
    state.borrow_mut().spawned.push(Spawned {
        future: Box::pin(task),
        sink: Some(Box::new(move |id| record.borrow_mut().task = Some(id))),
        site: std::panic::Location::caller(),
    });
    JoinHandle { shared, error: None, taken: false }
}

struct Joined<T> {
    output: Option<T>,
    waker: Option<Waker>,
    /// The executor's id of the task, once it adopted it.
    task: Option<u64>,
    finished: bool,
}

/// A task started with [`spawn`]: await it for the task's output.
#[must_use = "a spawned task runs on its own; await the handle for its output"]
pub struct JoinHandle<T> {
    shared: Rc<RefCell<Joined<T>>>,
    /// Why the task could not be spawned.
    error: Option<WorkflowError>,
    taken: bool,
}

impl<T> JoinHandle<T> {
    /// Cancels what the task is waiting on (its activities, timers, children), as a workflow
    /// cancellation request does for the run method; the task sees cancellation errors.
    pub fn cancel(&self) {
        let (Some(task), false) = (self.shared.borrow().task, self.shared.borrow().finished) else { return };
        if let Some(state) = context::current()
            && let Ok(mut st) = state.try_borrow_mut()
        {
            ops::cancel_task(&mut st, task);
        }
    }

    /// Whether the task has finished.
    pub fn is_finished(&self) -> bool {
        self.shared.borrow().finished
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = WorkflowResult<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(e) = self.error.take() {
            self.taken = true;
            return Poll::Ready(Err(e));
        }
        if self.taken {
            return Poll::Ready(Err(WorkflowError::task("JoinHandle polled after completion")));
        }
        let mut joined = self.shared.borrow_mut();
        match joined.output.take() {
            Some(output) => {
                drop(joined);
                self.taken = true;
                Poll::Ready(Ok(output))
            }
            None => {
                joined.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<T> FusedFuture for JoinHandle<T> {
    fn is_terminated(&self) -> bool {
        self.taken
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("finished", &self.is_finished()).finish_non_exhaustive()
    }
}
