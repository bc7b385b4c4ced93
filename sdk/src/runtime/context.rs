//! The run that workflow code is part of.
//!
//! Workflow code reaches its run through a thread-local that the executor sets while it polls
//! the run's futures, so `workflow::sleep(..)` needs no context argument (as in Python). The
//! state is single-threaded (`Rc<RefCell<..>>`): a run never leaves its workflow thread.

use std::cell::RefCell;
use std::rc::Rc;

pub(crate) use super::state::SharedState;

thread_local! {
    static CURRENT: RefCell<Option<SharedState>> = const { RefCell::new(None) };
}

/// Makes `state` the current run for the guard's lifetime (nesting restores the outer one).
pub(crate) struct Enter {
    previous: Option<SharedState>,
}

impl Enter {
    pub(crate) fn new(state: &SharedState) -> Self {
        let previous = CURRENT.with(|c| c.replace(Some(Rc::clone(state))));
        Self { previous }
    }
}

impl Drop for Enter {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// The current run's state, or `None` outside workflow code.
pub(crate) fn current() -> Option<SharedState> {
    CURRENT.with(|c| c.borrow().clone())
}

/// The error SDK calls return when made outside workflow code.
pub(crate) fn outside_workflow(what: &str) -> crate::error::WorkflowError {
    crate::error::WorkflowError::task(format!(
        "`{what}` was called outside workflow code: it works only inside a #[workflow] run method or handler, on the worker's workflow thread"
    ))
}
