//! The state a running workflow shares with the SDK futures it creates.
//!
//! Workflow code reaches its run through a thread-local that the executor sets while it polls
//! the run's futures, so `workflow::sleep(..)` needs no context argument (as in Python). The
//! state is single-threaded (`Rc<RefCell<..>>`): a run never leaves its workflow thread.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::task::Waker;
use std::time::SystemTime;

use futures::future::LocalBoxFuture;

use crate::error::{Failure, WorkflowResult};
use crate::protos::temporal::api::command::v1::Command;
use crate::protos::temporal::api::common::v1::Payload;
use crate::workflow::WorkflowInfo;

/// A value that history will fill in, and the task waiting for it.
pub(crate) struct Slot<T> {
    pub(crate) value: Option<T>,
    pub(crate) waker: Option<Waker>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self { value: None, waker: None }
    }
}

impl<T> Slot<T> {
    pub(crate) fn resolve(&mut self, value: T) {
        self.value = Some(value);
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }
}

/// How an activity ended, as history tells it.
#[derive(Debug, Clone)]
pub(crate) enum ActivityOutcome {
    Completed(Option<Payload>),
    Failed(Failure),
}

/// A command emitted by workflow code, with what the runtime needs to match it later.
#[derive(Debug, Clone)]
pub(crate) struct EmittedCommand {
    pub(crate) command: Command,
    /// The sequence number of the timer, activity, ... it belongs to.
    pub(crate) seq: u32,
}

/// Sequence numbers per command kind: ids of timers and activities, stable across replays.
#[derive(Debug, Default)]
pub(crate) struct Sequences {
    pub(crate) timer: u32,
    pub(crate) activity: u32,
}

/// Everything mutable about one run that SDK futures touch.
pub(crate) struct RunState {
    pub(crate) info: WorkflowInfo,
    pub(crate) now: SystemTime,
    pub(crate) replaying: bool,
    pub(crate) cancel_requested: bool,
    pub(crate) seq: Sequences,
    pub(crate) commands: Vec<EmittedCommand>,
    pub(crate) timers: HashMap<u32, Slot<()>>,
    pub(crate) activities: HashMap<u32, Slot<ActivityOutcome>>,
    /// Bumped on every change that could make a `wait_condition` true.
    pub(crate) generation: u64,
    pub(crate) condition_wakers: Vec<Waker>,
    /// Tasks started by handlers during a poll; the executor adopts them afterwards.
    pub(crate) spawned: Vec<LocalBoxFuture<'static, ()>>,
    /// The run method's result, once it returned.
    pub(crate) result: Option<WorkflowResult<Payload>>,
    /// The first error a signal handler task returned; it ends the activation.
    pub(crate) handler_error: Option<crate::error::WorkflowError>,
}

impl RunState {
    pub(crate) fn new(info: WorkflowInfo, now: SystemTime) -> Self {
        Self {
            info,
            now,
            replaying: false,
            cancel_requested: false,
            seq: Sequences::default(),
            commands: Vec::new(),
            timers: HashMap::new(),
            activities: HashMap::new(),
            generation: 0,
            condition_wakers: Vec::new(),
            spawned: Vec::new(),
            result: None,
            handler_error: None,
        }
    }

    pub(crate) fn push_command(&mut self, command: Command, seq: u32) {
        self.generation += 1;
        self.commands.push(EmittedCommand { command, seq });
    }
}

pub(crate) type SharedState = Rc<RefCell<RunState>>;

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
